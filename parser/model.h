/* The ruleset model: tables > chains > rules > match and target
 * instances. Text becomes this model (command.c, restore.c); the model
 * becomes text (print.c) and, compiled by engine/program.c, an engine
 * program.
 *
 * Rules are immutable once they are in a committed ruleset and shared by
 * reference count between rulesets, so a transaction can copy a ruleset
 * cheaply (chains copy their arrays of rule pointers) and throw the copy
 * away on failure. Only the parser writes into the model (the engine
 * only takes references): counters and engine state live in the
 * engine, keyed by the rule (counters.h, engine/rt_store.h). */
#ifndef QT_MODEL_H
#define QT_MODEL_H

#include <netinet/in.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr_types.h"
#include "ext.h"

#define QT_CHAIN_MAXNAMELEN 29  /* XT_EXTENSION_MAXNAMELEN: names < 29 */

/* Netfilter hooks (NF_INET_*), as bits in hook masks. */
enum qt_hook {
	QT_HOOK_PRE_ROUTING,
	QT_HOOK_LOCAL_IN,
	QT_HOOK_FORWARD,
	QT_HOOK_LOCAL_OUT,
	QT_HOOK_POST_ROUTING,
	QT_NHOOKS
};

/* The tables, in the order iptables-nft 1.8.9 saves them. */
enum qt_table_id {
	QT_TABLE_MANGLE,
	QT_TABLE_SECURITY,
	QT_TABLE_RAW,
	QT_TABLE_FILTER,
	QT_TABLE_NAT,
	QT_NTABLES
};

struct qt_table_def {
	const char *name;
	unsigned nbuiltin;
	struct {
		const char *name;
		enum qt_hook hook;
	} builtin[QT_NHOOKS];
};

const struct qt_table_def *qt_table_def(enum qt_table_id id);
int qt_table_lookup(const char *name); /* -1 when unknown */

/* Inversion bits of the base rule (IPT_INV_*). */
#define QT_INV_VIA_IN  0x01
#define QT_INV_VIA_OUT 0x02
#define QT_INV_SRCIP   0x08
#define QT_INV_DSTIP   0x10
#define QT_INV_FRAG    0x20
#define QT_INV_PROTO   0x40

enum qt_verdict {
	QT_V_NONE,     /* no -j: counts only */
	QT_V_ACCEPT,
	QT_V_DROP,
	QT_V_RETURN,
	QT_V_JUMP,     /* -j user chain */
	QT_V_GOTO,     /* -g user chain */
	QT_V_EXT,      /* extension target */
};

struct qt_counters {
	uint64_t pkts;
	uint64_t bytes;
};

struct qt_rule {
	unsigned refcnt;
	uint8_t family;             /* AF_INET (AF_INET6 later) */
	union qt_addr src, smsk, dst, dmsk;
	char iniface[IFNAMSIZ];     /* "" = any; trailing '+' = prefix */
	char outiface[IFNAMSIZ];
	uint16_t proto;             /* 0 = all */
	bool frag;                  /* -f */
	uint8_t invflags;           /* QT_INV_* */
	unsigned nmatches;
	struct qt_ext_inst *matches;
	enum qt_verdict verdict;
	char jump[QT_CHAIN_MAXNAMELEN + 1]; /* JUMP/GOTO chain */
	struct qt_ext_inst target;  /* QT_V_EXT */
};

struct qt_chain {
	char name[QT_CHAIN_MAXNAMELEN + 1];
	bool builtin;
	enum qt_hook hook;          /* built-in chains */
	enum qt_verdict policy;     /* built-in: ACCEPT or DROP */
	/* Built-in chains: iptables-nft creates one in the kernel only when
	 * a command needs it (-A, -P, -F -v ...) and lists the others as
	 * stand-ins; some commands tell the two apart. User chains: true. */
	bool present;
	/* Built-in chains: the kernel counts packets meeting the policy
	 * only once the chain's counters were set: by -P, -Z or a restore
	 * line; a chain created by -A alone counts nothing (seen with
	 * iptables-nft 1.8.9 and nft list ruleset). */
	bool counts_policy;
	/* User chains: the order they were made in (1, 2, ...), which a
	 * rename keeps. iptables-nft meets them in that order where it
	 * walks them all (the first busy chain of -X). */
	unsigned long seq;
	struct qt_rule **rules;
	unsigned nrules;
	unsigned cap;
	/* The table holding the chain: a change of its rules is a change
	 * of the table (gen). */
	struct qt_table *table;
	/* What jump_graph.c knows of the chain, valid while the table's
	 * summaries are (jump_graph.h): the hooks of the built-in chains
	 * that reach it (bits), the longest path of user chains leading
	 * to it from a built-in chain (saturated), and a walk's mark. */
	uint8_t reach_hooks;
	uint8_t depth;
	unsigned long visit;
};

struct qt_table {
	enum qt_table_id id;
	struct qt_chain **chains;   /* built-ins in hook order, then user
	                               chains sorted by name (strcmp) */
	unsigned nchains;
	unsigned nbuiltin;
	unsigned long last_seq;     /* of the user chain made last */
	/* Changes: gen counts every change of chains and their rules; the
	 * jump graph summaries (jump_graph.h) are those of the table as it
	 * was at graph_gen (0: never made). */
	unsigned long gen;
	unsigned long graph_gen;
	bool graph_deep;            /* a path too long, or a loop */
	unsigned long visit_epoch;  /* the last walk's mark */
};

/* An extended accounting object (the kernel's nfnetlink_acct, made
 * and listed by nfacct(8)): a name -m nfacct rules count into. Its
 * counters are the engine's (extensions/lib/acct_cells.h); the ruleset
 * holds what makes it exist, so that it is committed, saved in the
 * state file and checked with the rules. */
#define QT_ACCT_NAME_MAX 32        /* NFACCT_NAME_MAX, with the NUL */
enum qt_acct_mode { QT_ACCT_NO_QUOTA, QT_ACCT_QUOTA_BYTES,
		    QT_ACCT_QUOTA_PKTS };
struct qt_acct_obj {
	char name[QT_ACCT_NAME_MAX];
	uint8_t mode;               /* enum qt_acct_mode */
	uint64_t quota;
};

struct qt_ruleset {
	uint8_t family;
	struct qt_table *tables[QT_NTABLES]; /* NULL: not created yet, as
	                                        iptables-nft creates a table
	                                        on its first change */
	struct qt_acct_obj *acct;   /* in the order they were made */
	unsigned nacct;
};

/* Rules. */
struct qt_rule *qt_rule_new(uint8_t family);
struct qt_rule *qt_rule_ref(struct qt_rule *r);
void qt_rule_unref(struct qt_rule *r);
/* A deep copy with refcnt 1: a new rule (its counters are not the
 * original's). */
struct qt_rule *qt_rule_clone(const struct qt_rule *r);
/* Appends a zeroed instance of ext (init() run); returns it. */
struct qt_ext_inst *qt_rule_add_match(struct qt_rule *r,
				      const struct qt_ext *ext);
void qt_rule_set_target(struct qt_rule *r, const struct qt_ext *ext);
/* Takes match i out of the rule (freed). */
void qt_rule_del_match(struct qt_rule *r, unsigned i);
/* -p PROTO given and not inverted (what tcp/udp/icmp matches need). */
bool qt_rule_proto_is(const struct qt_rule *r, uint16_t proto);
/* Same meaning: what -D/-C compare (counters excluded). */
bool qt_rule_equal(const struct qt_rule *a, const struct qt_rule *b);

/* Rulesets and transactions. */
struct qt_ruleset *qt_ruleset_new(uint8_t family);
void qt_ruleset_free(struct qt_ruleset *rs);
/* A copy sharing the rules (refcounts taken): cost O(chains + rules). */
struct qt_ruleset *qt_ruleset_clone(const struct qt_ruleset *rs);
/* The table, created with its built-in chains when create is true. */
struct qt_table *qt_ruleset_table(struct qt_ruleset *rs, enum qt_table_id id,
				  bool create);
/* A table as it would be listed: the real one, or an empty stand-in
 * with the built-in chains when it does not exist yet (owned by rs). */
const struct qt_table *qt_ruleset_table_view(struct qt_ruleset *rs,
					     enum qt_table_id id);

/* Accounting objects. */
const struct qt_acct_obj *qt_ruleset_acct_find(const struct qt_ruleset *rs,
					       const char *name);
/* Appended (the caller checked the name is new). */
void qt_ruleset_acct_add(struct qt_ruleset *rs, const struct qt_acct_obj *o);
void qt_ruleset_acct_del(struct qt_ruleset *rs, const char *name);
/* Does a rule of any table count into the object (-m nfacct)? */
bool qt_ruleset_acct_in_use(const struct qt_ruleset *rs, const char *name);

/* Chains. */
struct qt_chain *qt_table_chain(const struct qt_table *t, const char *name);
int qt_table_chain_index(const struct qt_table *t, const char *name);
struct qt_chain *qt_table_add_chain(struct qt_table *t, const char *name);
void qt_table_del_chain(struct qt_table *t, unsigned idx);
/* Renames keeping the sorted order; jumps are not updated here. */
void qt_table_rename_chain(struct qt_table *t, unsigned idx,
			   const char *newname);
/* Number of rules in the table that jump or go to chain name. */
unsigned qt_table_chain_refs(const struct qt_table *t, const char *name);

/* Chain rule arrays: the chain takes the caller's reference. */
void qt_chain_insert(struct qt_chain *c, unsigned pos, struct qt_rule *r);
void qt_chain_delete(struct qt_chain *c, unsigned pos);
void qt_chain_replace(struct qt_chain *c, unsigned pos, struct qt_rule *r);
void qt_chain_flush(struct qt_chain *c);

const char *qt_verdict_name(enum qt_verdict v);

#endif
