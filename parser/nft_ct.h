/* nft's ct expression: the conntrack keys a rule reads (ct direction,
 * ct original ip saddr, ct reply packets, ...) and sets (ct zone set,
 * ct event set, ...), as rows of fields (nft_types.h) that carry the
 * key, the direction and the address family. state, status and mark
 * are rows of the field table itself; the rest live here. */
#ifndef QT_NFT_CT_H
#define QT_NFT_CT_H

#include <stdbool.h>

#include "nft_types.h"

enum nft_ct_key {
	NFT_CTK_STATE, NFT_CTK_STATUS, NFT_CTK_MARK, NFT_CTK_DIRECTION,
	NFT_CTK_EXPIRATION, NFT_CTK_HELPER, NFT_CTK_L3PROTO,
	NFT_CTK_PROTOCOL, NFT_CTK_SADDR, NFT_CTK_DADDR, NFT_CTK_PROTO_SRC,
	NFT_CTK_PROTO_DST, NFT_CTK_LABEL, NFT_CTK_BYTES, NFT_CTK_PACKETS,
	NFT_CTK_AVGPKT, NFT_CTK_ZONE, NFT_CTK_EVENT, NFT_CTK_ID
};

enum { NFT_CT_DIR_NONE = -1, NFT_CT_DIR_ORIG = 0, NFT_CT_DIR_REPLY = 1 };

struct nft_ct_info {
	enum nft_ct_key key;
	int dir;                     /* NFT_CT_DIR_* */
	const char *keyword;         /* nft's name of the key: "saddr" */
	const char *family;          /* addresses: "ip", "ip6"; NULL */
	bool unresolved;             /* saddr/daddr written without ip or
					ip6: the rule's context decides */
	bool generic;                /* such an address once decided: the
					kernel's key of either family, listed
					with the family all the same */
};

/* What a ct field reads, or NULL for a field that is no ct key. */
const struct nft_ct_info *nft_ct_info(const struct nft_field *f);

/* ct [original|reply] KEY, ct original ip|ip6 saddr|daddr, ct KEY
 * original|reply: the field, or NULL with *why set (a word, when
 * nft's parser stops at it: its index in words; -1: nothing known).
 * words[0] is the word after "ct"; *used how many words it took. */
const struct nft_field *nft_ct_field(const char *const *words, unsigned n,
				     unsigned *used, int *why);

/* An unresolved address field of family "ip" or "ip6". */
const struct nft_field *nft_ct_resolve(const struct nft_field *f,
				       bool ip6);

/* ct KEY set VALUE: the keys nft sets (mark, zone, label, event,
 * helper is an object) */
bool nft_ct_settable(const struct nft_field *f);

#endif
