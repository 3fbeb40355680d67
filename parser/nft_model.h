/* nftables' ruleset as qtables holds it: tables in a family, each with
 * its chains (regular or base), rules and named sets, numbered by
 * handles as the kernel numbers them (one counter per table for its
 * chains, sets, anonymous sets and rules; one counter for the tables,
 * never reset).
 *
 * A rule is a list of statements; a match statement reads a field of
 * the field table (nft_types.h) and compares it with values, a range,
 * a prefix, an anonymous set or a named one. The listing
 * (nft_print.h) renders the model as nft 1.0.6 lists the kernel's. */
#ifndef QT_NFT_MODEL_H
#define QT_NFT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "nft_types.h"

enum nft_family {
	NFT_F_IP, NFT_F_IP6, NFT_F_INET, NFT_F_ARP, NFT_F_BRIDGE,
	NFT_F_NETDEV, NFT_NFAMILIES
};
const char *nft_family_name(enum nft_family f);
/* -1 for a name that is not a family */
int nft_family_parse(const char *name);

enum nft_elem_kind { NFT_E_VALUE, NFT_E_RANGE, NFT_E_PREFIX };

struct nft_elem {
	enum nft_elem_kind kind;
	struct nft_val lo, hi;       /* hi: ranges and prefixes */
	uint8_t plen;
};

enum nft_op { NFT_OP_EQ, NFT_OP_NE, NFT_OP_LT, NFT_OP_GT, NFT_OP_LE,
	      NFT_OP_GE };

enum nft_stmt_kind {
	NFT_S_MATCH, NFT_S_COUNTER, NFT_S_VERDICT, NFT_S_REJECT, NFT_S_LOG,
	NFT_S_LIMIT, NFT_S_SET_FIELD, NFT_S_NOTRACK
};

enum nft_verdict {
	NFT_V_ACCEPT, NFT_V_DROP, NFT_V_CONTINUE, NFT_V_RETURN, NFT_V_JUMP,
	NFT_V_GOTO
};

enum nft_reject_kind {
	NFT_R_DEFAULT, NFT_R_ICMP, NFT_R_ICMPV6, NFT_R_ICMPX, NFT_R_TCP_RESET
};

struct nft_stmt {
	enum nft_stmt_kind kind;
	/* match and set-field: the field; match: op and right side */
	const struct nft_field *field;
	enum nft_op op;
	bool braces;                 /* an anonymous set */
	bool implicit;               /* reject's dependency: listed
					 ("meta l4proto tcp") */
	struct nft_elem *elems;
	unsigned nelems;
	char *set_name;              /* @name */
	/* counter */
	uint64_t packets, bytes;
	/* verdict */
	enum nft_verdict verdict;
	char *chain;
	/* reject */
	enum nft_reject_kind reject;
	uint8_t code;
	/* log */
	char *prefix;
	int level;                   /* -1: none (warn) */
	/* limit */
	uint64_t rate, burst;
	const char *unit;            /* "second" ... */
	const char *bytes_unit;      /* NULL: packets; "bytes", "kbytes" */
	bool over;
};

struct nft_rule {
	uint64_t handle;
	struct nft_stmt *stmts;
	unsigned n;
	char *comment;
};

enum nft_chain_type { NFT_CT_FILTER, NFT_CT_NAT, NFT_CT_ROUTE };
enum nft_hook { NFT_H_PREROUTING, NFT_H_INPUT, NFT_H_FORWARD,
		NFT_H_OUTPUT, NFT_H_POSTROUTING, NFT_H_INGRESS };

struct nft_chain {
	char *name;
	uint64_t handle;
	bool base;
	enum nft_chain_type type;
	enum nft_hook hook;
	int prio;
	bool policy_drop;
	struct nft_rule *rules;
	unsigned nrules;
};

enum {
	NFT_SET_CONSTANT = 1, NFT_SET_INTERVAL = 2, NFT_SET_TIMEOUT = 16,
	NFT_SET_DYNAMIC = 32
};

struct nft_set {
	char *name;
	uint64_t handle;
	const struct nft_dtype *type;
	const struct nft_field *typeof_field;   /* typeof FIELD */
	unsigned flags;
	uint32_t size;               /* 0: none */
	uint64_t timeout_ms;
	struct nft_elem *elems;
	unsigned nelems;
};

struct nft_table {
	enum nft_family family;
	char *name;
	uint64_t handle;
	bool dormant;
	uint64_t next_handle;        /* the handle last given */
	struct nft_chain *chains;
	unsigned nchains;
	struct nft_set *sets;
	unsigned nsets;
};

struct nft_ruleset {
	struct nft_table *tables;
	unsigned ntables;
	uint64_t table_handle;       /* the handle last given */
};

struct nft_ruleset *nft_ruleset_new(void);
struct nft_ruleset *nft_ruleset_clone(const struct nft_ruleset *rs);
void nft_ruleset_free(struct nft_ruleset *rs);
/* Every table gone; the handle counter stays, as the kernel's. */
void nft_ruleset_flush(struct nft_ruleset *rs);

struct nft_table *nft_table_find(struct nft_ruleset *rs, int family,
				 const char *name);
struct nft_table *nft_table_add(struct nft_ruleset *rs,
				enum nft_family family, const char *name);
void nft_table_delete(struct nft_ruleset *rs, struct nft_table *t);
/* Every chain's rules and every set's elements gone. */
void nft_table_flush(struct nft_table *t);

struct nft_chain *nft_chain_find(struct nft_table *t, const char *name);
struct nft_chain *nft_chain_by_handle(struct nft_table *t, uint64_t h);
struct nft_chain *nft_chain_add(struct nft_table *t, const char *name);
void nft_chain_delete(struct nft_table *t, struct nft_chain *c);

/* Insert r (moved in) at index at (nrules: the end); its handle is the
 * table's next. */
void nft_rule_insert(struct nft_table *t, struct nft_chain *c,
		     unsigned at, struct nft_rule *r);
int nft_rule_index(const struct nft_chain *c, uint64_t handle);
void nft_rule_delete(struct nft_chain *c, unsigned at);
void nft_rule_clear(struct nft_rule *r);
/* How many anonymous sets the rule brings (each takes a handle). */
unsigned nft_rule_anon_sets(const struct nft_rule *r);
/* How many rules jump or go to chain name. */
unsigned nft_chain_refs(const struct nft_table *t, const char *name);

struct nft_set *nft_set_find(struct nft_table *t, const char *name);
struct nft_set *nft_set_add(struct nft_table *t, const char *name);
void nft_set_delete(struct nft_table *t, struct nft_set *s);
/* How many rules name set name. */
unsigned nft_set_refs(const struct nft_table *t, const char *name);
/* Add elements (sorted, duplicates once); delete: -1 when one is not
 * there (nothing deleted then). */
void nft_set_add_elems(struct nft_set *s, const struct nft_elem *e,
		       unsigned n);
int nft_set_del_elems(struct nft_set *s, const struct nft_elem *e,
		      unsigned n);

/* Order elements as nft lists them, duplicates once. */
void nft_elems_sort(const struct nft_dtype *t, struct nft_elem *e,
		    unsigned *n);

const char *nft_hook_name(enum nft_hook h);
int nft_hook_parse(const char *name);
const char *nft_chain_type_name(enum nft_chain_type t);

#endif
