/* Rule expressions and statements beyond plain matches
 * (nft_run_expr.c), for the runner. */
#ifndef QT_NFT_RUN_EXPR_H
#define QT_NFT_RUN_EXPR_H

#include "nft_run_priv.h"

/* numgen, jhash, fib, ct count, the nat statements and set updates at
 * the cursor: 1 when one was read, 0 when the word is none of them, -1
 * after an error. */
int nr_parse_stmt_ext(struct cur *c, struct nft_table *tb,
		      struct rule_build *rb);
/* and|or|xor|&|^|| VALUE after field f: 1 read, 0 none there, -1 */
/* After FIELD set KEY (s->src): [. FIELD ...] map { KEY : VALUE, ... }
 * or map @NAME, the map's values of s->field's type. 0 when what
 * follows is no map (nothing read), 1 when read, -1 after an error.
 * The statement starts at token stmt_at, its key at token at. */
int nr_parse_value_map(struct cur *c, const struct nft_table *tb,
		       struct nft_stmt *s, unsigned stmt_at, unsigned at);
/* FIELD set numgen ..., jhash ... or symhash mod N [offset M] (after
 * "set"): the number into s's lhs, mod, offset, seed and hkeys (its
 * field stays the one set). 1 read, 0 none there, -1 after an error. */
int nr_parse_num_value(struct cur *c, struct nft_stmt *s);
/* FIELD set VALUE of a header field (after "set"): one value of the
 * field's type and width, as nft's payload statement takes it. */
int nr_parse_payload_set(struct cur *c, struct nft_stmt *s);
/* The right side of a compare of tcp flags, as nft reads it: FLAGS
 * (any set), ! FLAGS (none set), [op] VALUE / MASK, == VALUE (all
 * flags as given); flags joined by ',' or '|'. */
int nr_parse_flags_match(struct cur *c, const struct nft_table *tb,
			 struct nft_stmt *s, struct nft_loc sel_a,
			 struct nft_loc sel_b);
int nr_parse_bitop(struct cur *c, struct nft_stmt *s,
		   const struct nft_field *f);
/* The right side of a match: vmap, a concatenation's set or values,
 * else what nr_parse_match reads. */
int nr_parse_rhs(struct cur *c, const struct nft_table *tb,
		 struct nft_stmt *s, struct nft_loc sel_a, struct nft_loc sel_b);
/* A field's compare (nft_run.c): op, then a value, range, prefix,
 * anonymous set or @set. */
int nr_parse_match(struct cur *c, const struct nft_table *tb,
		   struct nft_stmt *s, struct nft_loc sel_a,
		   struct nft_loc sel_b);

#endif
