/* nft's sctp chunk expression as fields: SCTP's chunk types as nft
 * names them, each with the fields of its chunk header (type, flags,
 * length) and of its own (data stream, init initial-tsn, ...), as rows
 * of base NFT_B_SCTP_CHUNK, and a presence row per chunk type
 * (sctp chunk data exists, missing). */
#ifndef QT_NFT_SCTP_H
#define QT_NFT_SCTP_H

#include <stdbool.h>

#include "nft_types.h"

/* Is name a chunk type nft names (data, init, asconf-ack, ...)? */
bool nft_sctp_chunk_known(const char *name);
/* Is name a field of some chunk type (tsn, a-rwnd, ...)? nft's
 * grammar takes these as its keywords after sctp chunk. */
bool nft_sctp_field_known(const char *name);
/* The field sctp chunk CHUNK FIELD, or with field NULL the chunk's
 * presence; NULL when the chunk type has no such field. */
const struct nft_field *nft_sctp_chunk_field(const char *chunk,
					     const char *field);
/* The chunk's name and the field's name of a row ("data", "stream";
 * field NULL for a presence row), as the listing and JSON name them. */
void nft_sctp_chunk_names(const struct nft_field *f, const char **chunk,
			  const char **field);
/* The chunk type a row reads, or -1 for a field of no chunk. */
int nft_sctp_chunk_type(const struct nft_field *f);

#endif
