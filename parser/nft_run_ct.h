/* ct's keys in the rules nft's runner reads (see nft_ct.h). Not for
 * use outside the runner. */
#ifndef QT_NFT_RUN_CT_H
#define QT_NFT_RUN_CT_H

#include <stdbool.h>

#include "nft_run_priv.h"

/* At "ct": its key, or NULL with nft's message given. */
const struct nft_field *nr_ct_selector(struct cur *c);

/* A ct field just read (from token start to the cursor) in the
 * context of the statements before: an address written without ip or
 * ip6 takes the family they settle on (alone: a field compared by
 * itself; in a concatenation or a map nft wants it named); a port
 * needs a transport protocol. -1 with nft's message. */
int nr_ct_settle(struct cur *c, const struct nft_table *tb,
		 struct rule_build *rb, unsigned start,
		 const struct nft_field **f, bool alone);

/* After a value set: the values bitwise operations fold into it. */
int nr_fold_set_value(struct cur *c, const struct nft_dtype *ty,
		      struct nft_elem *e);
/* After a mark set's source (tokens src_at to src_end): << N, >> N
 * (paren: the source and its operation were in parentheses). */
int nr_parse_shift(struct cur *c, struct nft_stmt *s, bool paren,
		   unsigned src_at, unsigned src_end);
/* A match of FIELD xor C == V: FIELD == V xor C. */
void nr_fold_xor(struct nft_stmt *s);

#endif
