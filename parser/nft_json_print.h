/* The listings of `nft -j list ...`: the model in libnftables' JSON
 * schema, one document per command on one line, as nft 1.0.6 prints
 * it (metainfo first; per table its object, its sets, its chains, then
 * every chain's rules; handles always). */
#ifndef QT_NFT_JSON_PRINT_H
#define QT_NFT_JSON_PRINT_H

#include "buf.h"
#include "nft_model.h"
#include "nft_print.h"

/* family < 0: every family */
void nft_json_ruleset(const struct nft_ruleset *rs, int family,
		      const struct nft_print_opts *o, struct qt_buf *b);
void nft_json_tables(const struct nft_ruleset *rs, int family,
		     struct qt_buf *b);
void nft_json_table(const struct nft_table *t, const struct nft_print_opts *o,
		    struct qt_buf *b);
void nft_json_chain(const struct nft_table *t, const struct nft_chain *c,
		    const struct nft_print_opts *o, struct qt_buf *b);
void nft_json_set(const struct nft_table *t, const struct nft_set *s,
		  struct qt_buf *b);
/* `list chains` / `list sets` / `list maps`: the objects without
 * rules (sets without maps, maps without sets) */
void nft_json_chains(const struct nft_ruleset *rs, int family,
		     struct qt_buf *b);
void nft_json_sets(const struct nft_ruleset *rs, int family,
		   struct qt_buf *b);
void nft_json_maps(const struct nft_ruleset *rs, int family,
		   struct qt_buf *b);
/* `list counters`: named counters, which the model has none of */
void nft_json_counters(struct qt_buf *b);

#endif
