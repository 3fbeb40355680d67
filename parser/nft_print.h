/* The listings of `nft list ...`, as nft 1.0.6 prints them. */
#ifndef QT_NFT_PRINT_H
#define QT_NFT_PRINT_H

#include <stdbool.h>

#include "buf.h"
#include "nft_model.h"

struct nft_print_opts {
	bool handles;        /* -a: "# handle N" */
	bool stateless;      /* -s: no counter values */
	/* names that would not read back as themselves in double quotes
	 * (the state file's listing, which qtables reads back; nft's own
	 * listing prints them as they are, and cannot read them) */
	bool quote_names;
};

/* family < 0: every family */
void nft_print_ruleset(const struct nft_ruleset *rs, int family,
		       const struct nft_print_opts *o, struct qt_buf *b);
/* Named objects of kind (NFT_S_COUNTER, _QUOTA, _LIMIT) by table, as
 * `nft list counters` (only: one table's; one: that object alone);
 * tables without one are left out. */
void nft_print_objs(const struct nft_ruleset *rs, int family,
		    const struct nft_table *only, const struct nft_obj *one,
		    enum nft_stmt_kind kind, const struct nft_print_opts *o,
		    struct qt_buf *b);
void nft_print_echo_obj(const struct nft_table *t, const struct nft_obj *ob,
			const struct nft_print_opts *o, struct qt_buf *b);
void nft_print_table(const struct nft_table *t,
		     const struct nft_print_opts *o, struct qt_buf *b);
/* One chain (or set) inside its table's braces. */
void nft_print_one_chain(const struct nft_table *t, const struct nft_chain *c,
			 const struct nft_print_opts *o, struct qt_buf *b);
void nft_print_one_set(const struct nft_table *t, const struct nft_set *s,
		       const struct nft_print_opts *o, struct qt_buf *b);
/* `list chains` / `list sets`: every table's, without rules/elements
 * for chains. */
void nft_print_chains(const struct nft_ruleset *rs, int family,
		      const struct nft_print_opts *o, struct qt_buf *b);
void nft_print_sets(const struct nft_ruleset *rs, int family,
		    const struct nft_print_opts *o, struct qt_buf *b);
/* `list maps`: every table's maps (`list sets` shows the sets alone) */
void nft_print_maps(const struct nft_ruleset *rs, int family,
		    const struct nft_print_opts *o, struct qt_buf *b);
/* The statements of r a listing shows, each as listed (its field as
 * nft lists it: an ICMP field of a message type the rule's type compare
 * before it does not have is another field of the same place, or a raw
 * payload, @th,32,16) and written by put, sep between them: how many */
typedef void nft_stmt_put(const struct nft_table *t, const struct nft_stmt *s,
			  const struct nft_print_opts *o, struct qt_buf *b);
unsigned nft_print_stmts(const struct nft_table *t, const struct nft_rule *r,
			 const struct nft_print_opts *o, const char *sep,
			 nft_stmt_put *put, struct qt_buf *b);
/* A rule's statements as listed (no tabs, no newline). */
void nft_print_rule(const struct nft_table *t, const struct nft_rule *r,
		    const struct nft_print_opts *o, struct qt_buf *b);
/* A chain priority as nft lists it: a standard name with an offset of
 * at most 10, else the number. */
void nft_print_prio(enum nft_family f, enum nft_hook h, int prio,
		    struct qt_buf *b);
/* The standard priority NAME for family f and hook h: 0 and its value,
 * or -1 when the name is not valid there. */
int nft_prio_name_value(enum nft_family f, enum nft_hook h, const char *name,
			int *value);

/* `nft -e`: one line per object a batch made, as nft prints the
 * kernel's notifications (the set's elements come one per line). */
void nft_print_echo_table(const struct nft_table *t,
			  const struct nft_print_opts *o, struct qt_buf *b);
void nft_print_echo_chain(const struct nft_table *t, const struct nft_chain *c,
			  const struct nft_print_opts *o, struct qt_buf *b);
void nft_print_echo_set(const struct nft_table *t, const struct nft_set *s,
			const struct nft_print_opts *o, struct qt_buf *b);
void nft_print_echo_elem(const struct nft_table *t, const struct nft_set *s,
			 const struct nft_elem *e, struct qt_buf *b);
void nft_print_echo_rule(const struct nft_table *t, const struct nft_chain *c,
			 unsigned at, bool insert,
			 const struct nft_print_opts *o, struct qt_buf *b);

#endif
