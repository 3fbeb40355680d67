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

enum nft_verdict {
	NFT_V_ACCEPT, NFT_V_DROP, NFT_V_CONTINUE, NFT_V_RETURN, NFT_V_JUMP,
	NFT_V_GOTO
};

/* A concatenation (ipv4_addr . inet_proto . inet_service) holds its
 * parts one after the other, each padded to 32-bit words as the
 * kernel's registers hold them. */
#define NFT_CONCAT_MAX 8

struct nft_elem {
	enum nft_elem_kind kind;
	/* `*`: the catch-all element, which a key no other element holds
	 * finds; no key of its own (lo and hi empty), ordered last */
	bool catchall;
	struct nft_val lo, hi;       /* hi: ranges and prefixes */
	uint8_t plen;
	/* what a named set's element may carry (owned: see
	 * nft_elems_free) */
	char *comment;
	uint64_t timeout_ms;         /* 0: the set's */
	uint64_t expires_ms;         /* as listed; 0: not shown */
	/* a dynamic set's element: the statements a set update gave it
	 * (limit, counter, quota, ct count) and their state */
	bool has_limit, limit_over;
	bool limit_bytes;            /* rate and burst in bytes */
	uint64_t limit_rate, limit_unit_s, limit_burst;
	bool has_counter;
	uint64_t packets, bytes;
	bool has_quota, quota_over;
	uint64_t quota_bytes, quota_used;
	bool has_count, count_over;
	uint32_t count;
	/* a map's value: a verdict (verdict maps, vmap) or data */
	bool has_data;
	enum nft_verdict verdict;
	char *chain;                 /* jump/goto */
	struct nft_val data;
	/* a nat map's value holding ranges (an address prefix or range,
	 * a port range): data the low ends, data_hi the high ones, in
	 * the same layout */
	bool data_range;
	struct nft_val data_hi;
};

/* Deep copies and frees of element arrays (their strings). */
struct nft_elem *nft_elems_dup(const struct nft_elem *e, unsigned n);
void nft_elems_free(struct nft_elem *e, unsigned n);
void nft_elem_clear(struct nft_elem *e);
/* The len bytes at off of e's key (a part of a concatenation), or of
 * its data (a part of a nat map's value, cut at the data's end), as
 * an element of their own: a value, or a range where e's high end
 * differs there. The listings print each part so. */
void nft_elem_key_part(const struct nft_elem *e, unsigned off, unsigned len,
		       struct nft_elem *p);
void nft_elem_data_part(const struct nft_elem *e, unsigned off, unsigned len,
			struct nft_elem *p);
/* A map's value of one type (no port): as nft_elem_data_part, an
 * interval's one address being its prefix of the whole width, as nft
 * lists the kernel's range of one */
void nft_elem_data_whole(const struct nft_elem *e, const struct nft_dtype *t,
			 struct nft_elem *p);

/* NFT_OP_NEG: `!` of a bitmask, none of the flags set */
enum nft_op { NFT_OP_EQ, NFT_OP_NE, NFT_OP_LT, NFT_OP_GT, NFT_OP_LE,
	      NFT_OP_GE, NFT_OP_NEG };

enum nft_stmt_kind {
	NFT_S_MATCH, NFT_S_COUNTER, NFT_S_VERDICT, NFT_S_REJECT, NFT_S_LOG,
	NFT_S_LIMIT, NFT_S_SET_FIELD, NFT_S_NOTRACK, NFT_S_NAT,
	NFT_S_SET_UPDATE, NFT_S_CT_COUNT, NFT_S_QUOTA
};

/* log's flags (the kernel's NF_LOG_*) */
enum {
	NFT_LOG_TCPSEQ = 0x01, NFT_LOG_TCPOPT = 0x02, NFT_LOG_IPOPT = 0x04,
	NFT_LOG_UID = 0x08, NFT_LOG_MACDECODE = 0x20, NFT_LOG_ALL = 0x2f
};

/* What a match reads when it is no plain field (stmt.lhs). */
/* NFT_L_SYMHASH: only as a value set (ct mark set symhash mod 2) */
enum nft_lhs_kind { NFT_L_FIELD, NFT_L_NUMGEN, NFT_L_FIB, NFT_L_JHASH,
		    NFT_L_SYMHASH };

/* Bitwise operations on a field: mark and 0x4000, mark or 1. */
enum nft_bitop { NFT_BIT_NONE, NFT_BIT_AND, NFT_BIT_OR, NFT_BIT_XOR };

enum nft_nat_kind { NFT_NAT_SNAT, NFT_NAT_DNAT, NFT_NAT_MASQ,
		    NFT_NAT_REDIR };

enum {
	NFT_NAT_RANDOM = 1, NFT_NAT_FULLY_RANDOM = 2, NFT_NAT_PERSISTENT = 4
};

/* fib's inputs (flags) and its result */
enum {
	NFT_FIB_SADDR = 1, NFT_FIB_DADDR = 2, NFT_FIB_MARK = 4,
	NFT_FIB_IIF = 8, NFT_FIB_OIF = 16
};
enum nft_fib_result { NFT_FIB_R_OIF, NFT_FIB_R_OIFNAME, NFT_FIB_R_TYPE };

enum nft_reject_kind {
	NFT_R_DEFAULT, NFT_R_ICMP, NFT_R_ICMPV6, NFT_R_ICMPX, NFT_R_TCP_RESET
};

struct nft_stmt {
	enum nft_stmt_kind kind;
	/* match and set-field: the field; match: op and right side */
	const struct nft_field *field;
	enum nft_op op;
	bool exact;                  /* a bitmask's value written with ==:
					compared as a number, as != compares
					it (without an operator: any of the
					flags set) */
	bool braces;                 /* an anonymous set */
	bool hidden;                 /* a dependency nft's listing leaves
					out (reject's protocol): walked,
					not listed */
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
	/* a default reject of a rule settled on ip (4) or ip6 (6) in an
	 * inet table: the kernel's icmp or icmpv6 port-unreachable, as
	 * nft lists it; the walk answers as for any default reject */
	uint8_t reject_l3;
	/* log */
	char *prefix;
	int level;                   /* -1: none (warn); 8: audit */
	unsigned log_flags;          /* NFT_LOG_* */
	bool has_group, has_snaplen, has_qthreshold;
	uint32_t group, snaplen, qthreshold;
	/* limit */
	uint64_t rate, burst;
	const char *unit;            /* "second" ... */
	const char *bytes_unit;      /* NULL: packets; else "bytes": rate
					and burst are in bytes */
	bool over;
	/* match: further fields concatenated after field (a . b . c) */
	const struct nft_field *cat[NFT_CONCAT_MAX - 1];
	unsigned ncat;
	/* match: `vmap` (elements carry verdicts) or `map` (nat) */
	bool vmap;
	/* match and set-field: a bitwise operation on the field (mark and
	 * 0x4000 == 0; mark set mark or 0x4000, src the field read) */
	enum nft_bitop bitop;
	struct nft_val mask;
	const struct nft_field *src;
	/* set-field from src: then shifted, ct mark set (meta mark |
	 * 0x10) << 8 (shift_op 1: <<, 2: >>) */
	uint8_t shift_op;
	uint32_t shift;
	/* set-field: the value looked up, FIELD set KEY map { KEY : VALUE }
	 * or map @NAME (the key: src, then cat; elements or set_name) */
	bool value_map;
	/* match: the left side when it is not a field; set-field: the
	 * value when it is numgen, jhash or symhash */
	enum nft_lhs_kind lhs;
	uint32_t mod, offset;        /* numgen, jhash, symhash */
	bool numgen_inc;
	uint32_t seed;               /* jhash */
	bool has_seed;
	const struct nft_field *hkeys[NFT_CONCAT_MAX];   /* jhash's input */
	unsigned nhkeys;
	unsigned fib_flags;
	enum nft_fib_result fib_result;
	bool fib_exists;             /* fib ... oif missing/exists */
	/* nat */
	enum nft_nat_kind nat;
	unsigned nat_flags;
	bool nat_map;                /* to KEY map { KEY : ADDR [. PORT] }:
					key in field/cat, elements */
	bool nat_has_addr, nat_has_port, nat_addr_range, nat_port_range;
	bool nat_prefix;             /* snat ip prefix to ...: the address's
					network mapped, its host part kept
					(NF_NAT_RANGE_NETMAP) */
	struct nft_val addr_lo, addr_hi;
	uint16_t port_lo, port_hi;
	/* set update: add/update/delete @set_name { key [timeout] [limit] } */
	char set_op[8];
	uint64_t timeout_ms;
	bool has_limit;
	/* ... counter, quota [over] N bytes, ct count [over] N (count) */
	bool has_counter, has_quota, quota_over, has_count, count_over;
	uint64_t quota_bytes;
	/* quota: what it consumed */
	uint64_t quota_used;
	/* counter, quota, limit: a named object's (counter name "x") */
	char *obj_name;
	/* counter, quota, limit name KEY map { KEY : "name" } or map @m:
	 * the object the key finds (field and cat the key, elements or
	 * set_name the map) */
	bool obj_map;
	/* ct count */
	uint32_t count;
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
	char *comment;
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
	/* typeof A . B [: C]: the key's further fields; a map's value's
	 * field (NULL with map: typeof ... : verdict) */
	const struct nft_field *typeof_cat[NFT_CONCAT_MAX - 1];
	unsigned ntypeof_cat;
	const struct nft_field *typeof_data;
	unsigned flags;
	uint32_t size;               /* 0: none */
	uint64_t timeout_ms;
	struct nft_elem *elems;
	unsigned nelems;
	char *comment;
	/* a concatenated key's parts (nktypes > 1; type is the first) */
	const struct nft_dtype *ktypes[NFT_CONCAT_MAX];
	unsigned nktypes;
	/* a map: its values are verdicts or of data_type */
	bool map;
	const struct nft_dtype *data_type;   /* NULL: verdict */
	/* a nat map's value of an address and a port (type ... :
	 * ipv4_addr . inet_service): the port's type; else NULL */
	const struct nft_dtype *data_type2;
	/* type ... : interval D: each value a range or a prefix of D */
	bool data_interval;
	/* a map of named objects (type ... : counter): their kind
	 * (NFT_S_COUNTER, NFT_S_QUOTA, NFT_S_LIMIT), data_type OBJNAME;
	 * else NFT_S_MATCH */
	enum nft_stmt_kind obj_kind;
};

/* A named counter, quota or limit (add counter t c1): its values as a
 * statement of that kind holds them (st.kind: NFT_S_COUNTER,
 * NFT_S_QUOTA, NFT_S_LIMIT), with the state the engine read back. */
struct nft_obj {
	char *name;
	uint64_t handle;
	struct nft_stmt st;
	uint32_t resets;             /* reset counter|quota: how often */
};

struct nft_table {
	enum nft_family family;
	char *name;
	uint64_t handle;
	bool dormant;
	char *comment;
	uint64_t next_handle;        /* the handle last given */
	struct nft_chain *chains;
	unsigned nchains;
	struct nft_set *sets;
	unsigned nsets;
	struct nft_obj *objs;        /* in the order they were added */
	unsigned nobjs;
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

/* Named objects of kind (NFT_S_COUNTER, _QUOTA, _LIMIT). add: its
 * handle is the table's next. */
struct nft_obj *nft_obj_find(struct nft_table *t, enum nft_stmt_kind kind,
			     const char *name);
struct nft_obj *nft_obj_add(struct nft_table *t, enum nft_stmt_kind kind,
			    const char *name);
void nft_obj_delete(struct nft_table *t, struct nft_obj *o);
/* How many rules name object o. */
unsigned nft_obj_refs(const struct nft_table *t, const struct nft_obj *o);
/* "counter", "quota", "limit" */
const char *nft_obj_kind_name(enum nft_stmt_kind kind);

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
/* Whether every nat statement a base chain reaches (through jumps,
 * gotos and verdict maps) sits where the kernel allows it: under a nat
 * base chain of a hook its kind works on (snat: postrouting, input;
 * masquerade: postrouting; dnat and redirect: prerouting, output). The
 * kernel checks this at each rule and element it is given. */
bool nft_table_nat_valid(const struct nft_table *t);
/* Whether every reject a base chain reaches sits under a hook the
 * kernel's reject runs at (not postrouting); checked as the nat
 * statements are. */
bool nft_table_reject_valid(const struct nft_table *t);
/* Whether every fib expression a base chain reaches sits under a hook
 * the kernel's fib takes it at (its result and input device decide);
 * checked as the nat statements are. */
bool nft_table_fib_valid(const struct nft_table *t);
/* How many jumps and gotos (of rules and of verdict map elements) go
 * to chain name. */
unsigned nft_chain_refs(const struct nft_table *t, const char *name);
/* c named to, and every jump and goto to it with it (nft's rename). */
void nft_chain_rename(struct nft_table *t, struct nft_chain *c,
		      const char *to);

struct nft_set *nft_set_find(struct nft_table *t, const char *name);
struct nft_set *nft_set_add(struct nft_table *t, const char *name);
void nft_set_delete(struct nft_table *t, struct nft_set *s);
/* How many rules name set name. */
unsigned nft_set_refs(const struct nft_table *t, const char *name);
/* Add elements (sorted, duplicates once); delete: -1 when one is not
 * there (nothing deleted then). */
void nft_set_add_elems(struct nft_set *s, const struct nft_elem *e,
		       unsigned n);
/* The same with e (malloc'd) handed over: an empty set takes the
 * array itself rather than a copy of it. */
void nft_set_take_elems(struct nft_set *s, struct nft_elem *e, unsigned n);
int nft_set_del_elems(struct nft_set *s, const struct nft_elem *e,
		      unsigned n);

/* Order elements as nft lists them, duplicates once. */
void nft_elems_sort(const struct nft_dtype *t, struct nft_elem *e,
		    unsigned *n);
/* As nft_elems_sort for a set's key: a concatenation sorts as one
 * host-order (little-endian) number, as nft reads its key. */
void nft_set_sort(const struct nft_set *s, struct nft_elem *e,
		  unsigned *n);
/* nft_set_sort for an anonymous set's elements, key the set made for
 * them: concatenations with an interval among them make an interval
 * set (nft flags it so), which lists them in the order written. */
void nft_anon_sort(struct nft_set *key, struct nft_elem *e, unsigned *n);
/* A set's keys of one value however written (1.1.1.1/32, 1-1) are
 * that value: the kernel holds one, and nft lists it so. */
void nft_elems_single(struct nft_elem *e, unsigned n);
/* The index of the first of e[0..n) that is in s, or -1. */
int nft_set_present(const struct nft_set *s, const struct nft_elem *e,
		    unsigned n);
/* The index of the first of e[0..n) that is not in s, or -1. */
int nft_set_missing(const struct nft_set *s, const struct nft_elem *e,
		    unsigned n);

/* A limit's unit in seconds ("minute": 60), 0 for no unit; and back
 * ("second" for what is no unit's length). */
uint64_t nft_limit_unit_seconds(const char *unit);
const char *nft_limit_unit_name(uint64_t seconds);

/* A number of bytes as nft lists it: in the largest of bytes, kbytes,
 * mbytes it is whole in (0: bytes). */
uint64_t nft_bytes_split(uint64_t v, const char **unit);

/* nft_limit_init's arithmetic: the bucket's size (tokens_max) and, for
 * packets, one packet's cost, in nanoseconds, of a limit of rate per
 * unit_s seconds with burst (packets: 0 is 5; bytes: 0 is none).
 * 0, or the kernel's refusal: EINVAL (rate 0), EOVERFLOW. */
int nft_limit_params(uint64_t rate, uint64_t unit_s, uint64_t burst,
		     bool bytes, uint64_t *tokens_max, uint64_t *cost);

const char *nft_hook_name(enum nft_hook h);
int nft_hook_parse(const char *name);
const char *nft_chain_type_name(enum nft_chain_type t);

#endif
