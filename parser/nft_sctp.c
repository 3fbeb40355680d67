/* SCTP's chunks as nft 1.0.6 reads them (nftables' sctp_chunk.c and
 * doc/payload-expression.txt; RFC 9260 for the chunk layouts, RFC 5061
 * for asconf and asconf-ack, RFC 3758 for forward-tsn, RFC 9260's
 * appendix for ecne and cwr). Offsets and widths are in bits from the
 * chunk's first byte. The rows have no dependency: nft adds none, the
 * kernel's expression itself finds no chunk in a packet of another
 * protocol (a presence test then loads 0). */
#include "nft_sctp.h"

#include <stdint.h>
#include <string.h>

/* the presence row of a chunk type, then its header's fields */
#define CHUNK(ch, t)                                                        \
	{ { "sctp", "chunk " ch, NFT_B_SCTP_CHUNK, 0, 8, NFT_T_BOOLEAN,     \
	    NFT_DEP_NONE, 0, false, false }, t },                          \
	F(ch, t, "type", 0, 8), F(ch, t, "flags", 8, 8),                    \
	F(ch, t, "length", 16, 16)
#define F(ch, t, name, off, bits)                                           \
	{ { "sctp", "chunk " ch " " name, NFT_B_SCTP_CHUNK, off, bits,      \
	    (bits) == 8 ? NFT_T_INT8 : (bits) == 16 ? NFT_T_BE16              \
	    : NFT_T_INTEGER, NFT_DEP_NONE, 0, false, false }, t }
/* init and init-ack share their fields */
#define INIT(ch, t)                                                         \
	CHUNK(ch, t), F(ch, t, "init-tag", 32, 32),                         \
	F(ch, t, "a-rwnd", 64, 32),                                         \
	F(ch, t, "num-outbound-streams", 96, 16),                           \
	F(ch, t, "num-inbound-streams", 112, 16),                           \
	F(ch, t, "initial-tsn", 128, 32)

/* a field and the type of its chunk */
static const struct row {
	struct nft_field f;
	uint8_t type;
} rows[] = {
	CHUNK("data", 0), F("data", 0, "tsn", 32, 32),
	F("data", 0, "stream", 64, 16), F("data", 0, "ssn", 80, 16),
	F("data", 0, "ppid", 96, 32),
	INIT("init", 1),
	INIT("init-ack", 2),
	CHUNK("sack", 3), F("sack", 3, "cum-tsn-ack", 32, 32),
	F("sack", 3, "a-rwnd", 64, 32),
	F("sack", 3, "num-gap-ack-blocks", 96, 16),
	F("sack", 3, "num-dup-tsns", 112, 16),
	CHUNK("heartbeat", 4),
	CHUNK("heartbeat-ack", 5),
	CHUNK("abort", 6),
	CHUNK("shutdown", 7), F("shutdown", 7, "cum-tsn-ack", 32, 32),
	CHUNK("shutdown-ack", 8),
	CHUNK("error", 9),
	CHUNK("cookie-echo", 10),
	CHUNK("cookie-ack", 11),
	CHUNK("ecne", 12), F("ecne", 12, "lowest-tsn", 32, 32),
	CHUNK("cwr", 13), F("cwr", 13, "lowest-tsn", 32, 32),
	CHUNK("shutdown-complete", 14),
	CHUNK("asconf-ack", 128), F("asconf-ack", 128, "seqno", 32, 32),
	CHUNK("forward-tsn", 192),
	F("forward-tsn", 192, "new-cum-tsn", 32, 32),
	CHUNK("asconf", 193), F("asconf", 193, "seqno", 32, 32),
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* "chunk NAME[ FIELD]": the chunk's name starts after "chunk " */
#define PREFIX 6

/* The length of the chunk's name in a row's name. */
static size_t chunk_len(const struct nft_field *f)
{
	const char *sp = strchr(f->name + PREFIX, ' ');
	return sp ? (size_t)(sp - f->name - PREFIX) : strlen(f->name + PREFIX);
}

bool nft_sctp_chunk_known(const char *name)
{
	return nft_sctp_chunk_field(name, NULL) != NULL;
}

bool nft_sctp_field_known(const char *name)
{
	for (size_t i = 0; i < NROWS; i++) {
		const char *f = rows[i].f.name + PREFIX + chunk_len(&rows[i].f);
		if (*f == ' ' && !strcmp(f + 1, name))
			return true;
	}
	return false;
}

const struct nft_field *nft_sctp_chunk_field(const char *chunk,
					     const char *field)
{
	size_t n = strlen(chunk);
	for (size_t i = 0; i < NROWS; i++) {
		const struct nft_field *f = &rows[i].f;
		if (chunk_len(f) != n || strncmp(f->name + PREFIX, chunk, n))
			continue;
		const char *rest = f->name + PREFIX + n;
		if (field ? (*rest == ' ' && !strcmp(rest + 1, field)) : !*rest)
			return f;
	}
	return NULL;
}

void nft_sctp_chunk_names(const struct nft_field *f, const char **chunk,
			  const char **field)
{
	/* the chunk's own name: the presence row's, which ends there */
	size_t n = chunk_len(f);
	*chunk = NULL;
	for (size_t i = 0; i < NROWS; i++)
		if (rows[i].f.type == NFT_T_BOOLEAN &&
		    !strncmp(rows[i].f.name, f->name, PREFIX + n) &&
		    chunk_len(&rows[i].f) == n) {
			*chunk = rows[i].f.name + PREFIX;
			break;
		}
	*field = f->name[PREFIX + n] ? f->name + PREFIX + n + 1 : NULL;
}

int nft_sctp_chunk_type(const struct nft_field *f)
{
	for (size_t i = 0; i < NROWS; i++)
		if (&rows[i].f == f)
			return rows[i].type;
	return -1;
}
