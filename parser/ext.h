/* The extension API: everything about one match or target lives in one
 * file under extensions/, as in iptables' libxt_*.c. The file declares its
 * options as data (struct qt_ext_opt), parses each option's argument into
 * a flat, pointer-free data block, checks the whole rule, and prints the
 * canonical save text and the -L text. The grammar and the command parser
 * stay generic: `-m NAME` (or `-j NAME`) followed by NAME's options.
 *
 * Rules of the road for an extension's data block:
 *  - it is zeroed before init(); it holds no pointers (rules are compared
 *    with memcmp for -D/-C "by meaning", and copied with memcpy);
 *  - parse() leaves it canonical: two spellings of one meaning give the
 *    same bytes (e.g. "ssh" and "22").
 *
 * The engine side (packet matching) is added by the datapath issue; the
 * struct has room for it so that an extension stays one file. */
#ifndef QT_EXT_H
#define QT_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ctx.h"
#include "quote.h"

struct qt_rule;
struct qt_ruleset;
struct qt_eval;          /* engine/eval.h */
struct qt_engine_env;
struct qt_class_key;

enum qt_ext_kind { QT_EXT_MATCH, QT_EXT_TARGET };

enum qt_arg_kind {
	QT_ARG_NONE,   /* --flag */
	QT_ARG_REQ,    /* --opt VALUE (also --opt=VALUE) */
	QT_ARG_REQ2,   /* --opt A B (e.g. --tcp-flags MASK COMP); B is taken
	                  only if it does not start with '-' or '!', else
	                  arg2 is NULL and the extension complains */
	QT_ARG_OPT,    /* --opt [VALUE]: VALUE taken if the next word does
	                  not start with '-' or '!' */
};

/* Option flags. */
#define QT_OPT_INVERT 0x1   /* may be preceded by '!' */
#define QT_OPT_MULTI  0x2   /* may be given more than once */

struct qt_ext_opt {
	const char *name;      /* long name without the leading "--" */
	int id;                /* 0..31; aliases share an id */
	enum qt_arg_kind arg;
	unsigned flags;
};

/* One match or target in one rule. */
struct qt_ext_inst {
	const struct qt_ext *ext;
	uint32_t seen;         /* bit per option id given */
	uint32_t inverted;     /* bit per option id given with '!' */
	void *data;            /* ext->data_size bytes */
};

/* What a check() may want to know about the rule and its place. */
struct qt_rule_env {
	const char *table;     /* "filter", "nat", ... */
	const char *chain;     /* chain the rule goes into */
	unsigned hooks;        /* bit per NF_INET_* hook of a built-in chain;
	                          0 for a user chain (in kcheck: the hooks
	                          of the built-in chains reaching it) */
	const struct qt_rule *rule; /* protocol, addresses, other matches */
	/* What the kernel would be asked to do: "RULE_APPEND",
	 * "RULE_INSERT", "RULE_REPLACE" (for kcheck messages). */
	const char *op;
	/* kcheck only: what the kernel's checkentry sees as its hook mask,
	 * the hook of the built-in chain the rule is added to; 0 in a user
	 * chain and for rules reached by a new jump (only `hooks`, the
	 * extension's registered hooks, are checked along jumps). */
	unsigned base_hooks;
	/* kcheck only: the ruleset the rule joins (every table), for what
	 * the kernel shares between rules by name (hashlimit's tables). */
	const struct qt_ruleset *ruleset;
};

/* Argument handed to parse(): the option, its value(s), '!' given. */
struct qt_opt_arg {
	const struct qt_ext_opt *opt;
	const char *arg;       /* NULL for QT_ARG_NONE or an absent OPT */
	const char *arg2;      /* second word of QT_ARG_REQ2 */
	bool invert;
	/* The rule as parsed so far: options read before this one (iptables
	 * hands extensions the entry being built, e.g. -p given earlier). */
	const struct qt_rule *rule;
};

struct qt_ext {
	const char *name;           /* -m NAME / -j NAME */
	enum qt_ext_kind kind;
	uint8_t family;             /* 0: both; AF_INET; AF_INET6 */
	uint8_t proto;              /* tcp/udp/icmp: the -p it is implicit for */
	size_t data_size;
	const struct qt_ext_opt *opts; /* terminated by { .name = NULL } */

	/* Defaults before the first option. May be NULL. */
	void (*init)(struct qt_ext_inst *in);
	/* One option. Report problems through ctx (iptables' exact text)
	 * and return -1; 0 on success. The generic layer has already
	 * rejected repeats (without QT_OPT_MULTI) and '!' where not allowed.
	 * in->seen holds the options given before this one. */
	int (*parse)(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx);
	/* After all options of the rule: required options, combinations,
	 * table/chain restrictions. May be NULL. */
	int (*check)(struct qt_ext_inst *in, const struct qt_rule_env *env,
		     struct qt_ctx *ctx);
	/* Asked before check(), of the instance as parsed: true when
	 * iptables-nft emits nothing for it (e.g. "! --dport 0:65535"
	 * folds to no check at all), so the rule is built without it.
	 * May be NULL (never). */
	bool (*is_noop)(const struct qt_ext_inst *in);
	/* What the kernel's checkentry would refuse when the rule is added
	 * (table, hooks, protocol): 0, or the errno iptables-nft reports as
	 * "RULE_APPEND failed (Invalid argument): rule in chain X". Runs for
	 * -A/-I/-R after the chain and rule number were found, never for
	 * -D/-C (such a rule cannot exist) nor restore --test (no kernel).
	 * In a user chain env->hooks are those of the built-in chains that
	 * reach it, 0 while none does (nf_tables checks hooks only once the
	 * chain is reached); a new jump checks the rules it reaches the
	 * same way. May be NULL. */
	int (*kcheck)(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env);
	/* Canonical options for save and -S, each with a leading space:
	 * " --dport 22". The " -m NAME" / " -j NAME" prefix is printed by
	 * the caller. */
	void (*save)(const struct qt_ext_inst *in, struct qt_buf *b);
	/* -L text, with a leading space: " tcp dpt:ssh". numeric is -n. */
	void (*print)(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric);
	/* Name printed after -m/-j in save when not `name` (aliases). */
	const char *save_name;
	/* Name in -L's target column when not `name` (NOTRACK lists as CT). */
	const char *list_name;
	/* Targets only: true when the target ends rule traversal, so the
	 * engine knows (filled in by the datapath issue). */
	bool terminal;
	/* The text iptables prints after "NAME match options:" /
	 * "NAME target options:" for -h (NULL: "NAME does not take any
	 * options"). */
	const char *help;
	/* That header line when it is not the usual one (addrtype,
	 * TCPMSS); NULL otherwise. */
	const char *help_header;

	/* ---- engine side (engine/eval.h) ---- */
	/* The engine's state of an instance (limit buckets ...) is not in
	 * the model: the engine keeps it per rule (engine/rt_store.h),
	 * made by state_new when a rule is first compiled and kept while
	 * the rule carries over across commits. match() and target() are
	 * handed the engine's view of the instance, whose state
	 * qt_ext_state(in) gives (engine/eval.h). */
	/* Matches: does the packet match (inversions included)? Runs on
	 * the packet path: no allocation, no blocking, thread-safe with
	 * other packets (state shared between threads needs its own
	 * atomics or a per-state lock). NULL: no engine side yet
	 * (connection tracking): a rule using it matches nothing. */
	bool (*match)(const struct qt_ext_inst *in, struct qt_eval *ev);
	/* Targets: act on the packet, return enum qt_xt_verdict. */
	int (*target)(const struct qt_ext_inst *in, struct qt_eval *ev);
	/* Make the state of in (control thread, at compile) into *state.
	 * 0, or -1 when the rule cannot run (nothing is swapped in then).
	 * May be NULL. */
	int (*state_new)(const struct qt_ext_inst *in,
			 const struct qt_engine_env *env, void **state);
	/* Once no queue thread can use it any more. */
	void (*state_free)(void *state);
	/* Handover to the next daemon (daemon/snapshot.c): the state's bytes
	 * appended to b (queue threads stopped); and put back into the state
	 * state_new made for the same rule in the next daemon: 0, or -1 when
	 * the bytes do not fit it (left as made). Times are the monotonic
	 * clock's, which a handover never leaves. May be NULL: the state
	 * starts afresh. */
	void (*state_save)(const void *state, struct qt_buf *b);
	int (*state_load)(void *state, const void *p, size_t len);
	/* Bytes of each packet (from the IP header) this instance must be
	 * given by the queue; 0: headers are enough. May be NULL. */
	uint32_t (*copy_need)(const struct qt_ext_inst *in);
	/* Header ranges a packet must be in to match (classifier). May be
	 * NULL. */
	void (*classify)(const struct qt_ext_inst *in, struct qt_class_key *k);
	/* The instance reads or changes connection tracking (ev->ct...):
	 * the engine then tracks connections and queues every hook. */
	bool conntrack;
	/* The instance reads the owner of local packets (ev->uid/gid): the
	 * queue is then asked for it (a cost per packet otherwise saved).
	 * May be NULL (never). */
	bool (*wants_owner)(const struct qt_ext_inst *in);
	/* The instance reads the frame's link-layer type (ev->l2_type):
	 * the engine then has the queues tell it (two more steering rules
	 * per queued packet). */
	bool l2type;
};

void qt_ext_register(const struct qt_ext *ext);
const struct qt_ext *qt_ext_find(const char *name, enum qt_ext_kind kind);
/* For the registry's users (help, tests): iterate all extensions. */
const struct qt_ext *qt_ext_at(size_t i);

/* Register an extension from its own file at program start. */
#define QT_EXT_REGISTER(var) \
	static void __attribute__((constructor)) qt_ext_reg_##var(void) \
	{ qt_ext_register(&var); }

/* Helpers shared by extensions for iptables' standard messages. */
/* "NAME: Bad value for \"--OPT\" option: \"ARG\"" (xtables_param_act). */
int qt_ext_bad_value(struct qt_ctx *ctx, const char *ext, const char *opt,
		     const char *arg);
/* Parse an unsigned integer in [min, max], base 0 like strtoul (decimal,
 * 0x hex); false on trailing junk or range. */
bool qt_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* The same, accepting a leading '-'/'+' as strtoul does (xtables_strtoui
 * semantics are used for base-0 bytes in addresses). */
bool qt_parse_uint_any(const char *s, uint64_t min, uint64_t max,
		       uint64_t *out);
/* VALUE[/MASK] as MARK and CONNMARK read it: numbers in any C base,
 * the mask all ones when absent; ext names the extension in messages. */
int qt_parse_markmask(const char *ext, const char *arg, const char *opt,
		      uint32_t *val, uint32_t *mask, struct qt_ctx *ctx);

/* Ports and services (parser/ports.c). */
/* A port number or service name for proto ("tcp", "udp"); -1 if neither.
 * Service names are tried first, as xtables_parse_port does. */
int qt_port_parse(const char *s, const char *proto);
/* "a", "a:b", ":b", "a:" into ports[0..1]; iptables' messages. */
int qt_port_range_parse(const char *s, const char *proto, uint16_t ports[2],
			struct qt_ctx *ctx);
/* -L form of one port: the service name unless numeric. */
void qt_port_print(struct qt_buf *b, uint16_t port, const char *proto,
		   bool numeric);
/* Save form of a port range option: " [!] --OPT A[:B]"; nothing for the
 * full range 0:65535. */
void qt_port_range_save(struct qt_buf *b, const char *opt,
			const uint16_t p[2], bool inv);
/* -L form: " spt:ssh", " dpts:!1000:2000" (label "spt"/"dpt"). */
void qt_port_range_print(struct qt_buf *b, const char *label,
			 const uint16_t p[2], bool inv, const char *proto,
			 bool numeric);

/* NAT ranges (the kernel's nf_nat_range2) of SNAT, DNAT, MASQUERADE and
 * REDIRECT, read as libxt_NAT of iptables 1.8.9 reads them (parser/ports.c). */
#define QT_NAT_MAP_IPS            0x01
#define QT_NAT_PROTO_SPECIFIED    0x02
#define QT_NAT_PROTO_RANDOM       0x04
#define QT_NAT_PERSISTENT         0x08
#define QT_NAT_PROTO_RANDOM_FULLY 0x10
#define QT_NAT_PROTO_OFFSET       0x20

struct qt_nat_range {
	uint32_t flags;            /* QT_NAT_* */
	uint32_t min_addr, max_addr; /* IPv4, network order (MAP_IPS) */
	uint16_t min_port, max_port; /* host order (PROTO_SPECIFIED) */
	uint16_t base_port;        /* PROTO_OFFSET: shifted port map */
	uint16_t pad;              /* zero */
};

/* "PORT[-PORT[/BASE]]" (--to-ports, or after the colon of --to-*):
 * proto is the -p given before the option (ports need tcp, udp, sctp,
 * dccp or icmp; '!' is not looked at, as in iptables). */
int qt_nat_parse_ports(const char *arg, uint16_t proto, struct qt_nat_range *r,
		       struct qt_ctx *ctx);
/* "[ADDR[-ADDR]][:PORTS]" of --to-source / --to-destination. */
int qt_nat_parse_to(const char *arg, uint16_t proto, struct qt_nat_range *r,
		    struct qt_ctx *ctx);
/* The text of a range, no leading space: "1.1.1.1-1.1.1.9:80-90/5";
 * with ports_only just "80-90/5". */
void qt_nat_range_put(struct qt_buf *b, const struct qt_nat_range *r,
		      bool ports_only);
/* The flags in iptables' order, each as " PRErandom" etc.: pre is "--"
 * for save, "" for -L. A target sets only the flags it accepts. */
void qt_nat_flags_put(struct qt_buf *b, uint32_t flags, const char *pre);

#endif
