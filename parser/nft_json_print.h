/* The listings of `nft -j list ...`: the model in libnftables' JSON
 * schema, one document per command on one line, as nft 1.0.6 prints
 * it (metainfo first; per table its object, its sets, its chains, then
 * every chain's rules; handles always). */
#ifndef QT_NFT_JSON_PRINT_H
#define QT_NFT_JSON_PRINT_H

#include <stdbool.h>

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
/* Named objects of kind, as nft_print_objs. */
/* -j -e: a named object after {"add": */
void nft_json_echo_obj(const struct nft_table *t, const struct nft_obj *o,
		       struct qt_buf *b);
void nft_json_objs(const struct nft_ruleset *rs, int family,
		   const struct nft_table *only, const struct nft_obj *one,
		   enum nft_stmt_kind kind, struct qt_buf *b);

/* nft -j -e: the objects a batch made, one document. begin writes the
 * document's start (first) or a separator and {"VERB": ; each object
 * closes its item. */
void nft_json_echo_begin(struct qt_buf *b, bool first, const char *verb);
void nft_json_echo_table(const struct nft_table *t, struct qt_buf *b);
void nft_json_echo_chain(const struct nft_table *t, const struct nft_chain *c,
			 struct qt_buf *b);
void nft_json_echo_set(const struct nft_table *t, const struct nft_set *s,
		       struct qt_buf *b);
void nft_json_echo_elem(const struct nft_table *t, const struct nft_set *s,
			const struct nft_elem *e, struct qt_buf *b);
void nft_json_echo_rule(const struct nft_table *t, const struct nft_chain *c,
			const struct nft_rule *r, struct qt_buf *b);
void nft_json_echo_end(struct qt_buf *b);

#endif
