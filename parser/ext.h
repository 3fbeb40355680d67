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
 * The engine side (the packet path: match, target and their state) is
 * in the same struct, so that an extension stays one file. */
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
struct qt_nflog;

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

/* What an option's argument is, as iptables' generic option types
 * (xtoptions) read it; the generic parser (parser/ext_opt.c) reads it,
 * reports iptables' messages and stores the value at the option's place
 * in the data block. Widths come from the place's size. */
enum qt_opt_type {
	QT_OT_NONE,      /* no argument; stores .value at the place (if any) */
	QT_OT_BITS,      /* no argument; ORs .value into the place */
	QT_OT_RAW,       /* argument for the parse hook, read as it is */
	QT_OT_UINT,      /* unsigned number, any C base, in [min, max]
	                    (max 0: the place's largest) */
	QT_OT_URANGE,    /* "a[:b]": two numbers of half the place's size
	                    each, b = a when absent; an empty side is 0 or
	                    the largest; a > b taken */
	QT_OT_STRING,    /* copied, cut to the place's size less its NUL;
	                    min, max: shortest, longest allowed (0: any) */
	QT_OT_CHOICE,    /* one of .choices' names -> its value */
	QT_OT_HOST,      /* IPv4 address or host name, network order */
	QT_OT_PLEN,      /* prefix length or dotted mask (unsigned) */
	QT_OT_MARKMASK,  /* "value[/mask]": two uint32_t, mask ~0 if absent */
	QT_OT_ETHERMAC,  /* "aa:bb:cc:dd:ee:ff": six bytes */
	QT_OT_SYSLOGLEVEL, /* 0..7 or a syslog level's name (one byte) */
	QT_OT_PORTRANGE, /* "a[:b]" of ports or services (uint16_t[2]): an
	                    empty side 0 or 65535, a lone value a:a */
};

/* Option flags. */
#define QT_OPT_INVERT 0x1   /* may be preceded by '!' */
#define QT_OPT_MULTI  0x2   /* may be given more than once */
#define QT_OPT_MAND   0x4   /* must be given */
#define QT_OPT_NOCASE 0x8   /* QT_OT_CHOICE: names in any case */

/* One name of a QT_OT_CHOICE option. */
struct qt_opt_choice {
	const char *name;      /* NULL ends the list */
	uint64_t value;
};

/* One option, as data. Aliases repeat the id of the entry they stand
 * for and need only a name and the id: everything else, messages
 * included, is the first entry's with that id (as in iptables). */
struct qt_ext_opt {
	const char *name;      /* long name without the leading "--" */
	int id;                /* 0..31 */
	/* Words taken; QT_ARG_NONE is read as QT_ARG_REQ for a type that
	 * has an argument (qt_opt_arg_kind). */
	enum qt_arg_kind arg;
	unsigned flags;        /* QT_OPT_* */
	enum qt_opt_type type;
	uint64_t min, max;     /* QT_OT_UINT bounds; QT_OT_STRING: lengths */
	uint32_t excl;         /* ids that may not be given with this one
	                          (its own bit: "can only be used once" even
	                          with QT_OPT_MULTI) */
	uint32_t also;         /* ids this one needs */
	uint16_t off, size;    /* the place in the data block; size 0: none */
	uint16_t inv_off, inv_size; /* '!' ORs inv_bit into this place */
	uint32_t inv_bit;      /* 0: '!' is not stored */
	uint64_t value;        /* QT_OT_NONE / QT_OT_BITS */
	const struct qt_opt_choice *choices; /* QT_OT_CHOICE */
	/* QT_OT_CHOICE: the message for a name not in the list, one %s for
	 * the argument; NULL: "EXT: Bad value for "--OPT" option: "ARG"". */
	const char *bad;
};

/* The place of an option's value / of its '!' in the data block. */
#define QT_PUT(type, field) \
	.off = offsetof(type, field), .size = sizeof(((type *)0)->field)
/* A QT_OT_URANGE pair: lo and the field of the same type right after it. */
#define QT_PUT_RANGE(type, lo) \
	.off = offsetof(type, lo), .size = 2 * sizeof(((type *)0)->lo)
#define QT_INV(type, field, bit) \
	.inv_off = offsetof(type, field), \
	.inv_size = sizeof(((type *)0)->field), .inv_bit = (bit)
#define QT_BIT(id) (1u << (id))

/* One match or target in one rule. */
struct qt_ext_inst {
	const struct qt_ext *ext;
	/* The rule's family, set before init(): AF_INET6 in ip6tables'
	 * rules (0 or AF_INET otherwise), for what differs by family
	 * (reject types, address options, default masks). */
	uint8_t family;
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
	/* What the generic parser read, whether stored or not. */
	union {
		uint64_t u;            /* UINT, CHOICE, NONE/BITS (.value) */
		uint64_t range[2];     /* URANGE */
		uint32_t mark[2];      /* MARKMASK: value, mask */
		uint8_t mac[6];        /* ETHERMAC */
		uint16_t ports[2];     /* PORTRANGE */
		uint32_t addr;         /* HOST, network order */
		unsigned plen;         /* PLEN */
	} val;
	unsigned nvals;        /* URANGE: 1 or 2 numbers given */
	/* Where the value was written (--explain): an error about the value
	 * points there, one about the option at ctx->at. */
	struct qt_at value_at;
	bool has_value_at;
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
	/* What is special about one option, after the generic parser read
	 * and stored it (qt_opt_parse: repeats, '!', the value and its
	 * messages). Report problems through ctx (iptables' exact text)
	 * and return -1; 0 on success. in->seen holds the options given
	 * before this one. May be NULL. */
	int (*parse)(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx);
	/* After all options of the rule, before the generic check of the
	 * option table (qt_opt_fcheck: mandatory, excl, also), as iptables
	 * orders them: what is special (table/chain restrictions, "one of"
	 * messages). A check whose own messages come after the generic
	 * ones calls qt_opt_fcheck first. May be NULL. */
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
	/* A second name -m/-j loads it by (ip6tables' -m icmpv6 is
	 * icmp6); rules list it under `name`. NULL: none. */
	const char *alias;
	/* Name printed after -m/-j in save when not `name` (aliases). */
	const char *save_name;
	/* Name in -L's target column when not `name` (NOTRACK lists as CT). */
	const char *list_name;
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
	 * atomics or a per-state lock). NULL: no engine side; compiling
	 * a ruleset that uses it in a table the engine walks fails. */
	bool (*match)(const struct qt_ext_inst *in, struct qt_eval *ev);
	/* Targets: act on the packet, return enum qt_xt_verdict. NULL as
	 * for match (the NAT targets live only in nat, not walked yet). */
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
	/* The instance has the kernel log to a netlink group (NFLOG): its
	 * parameters, for the kernel's table of them (io/log_offload.h).
	 * May be NULL (never). */
	const struct qt_nflog *(*nflog)(const struct qt_ext_inst *in);
	/* Does the instance set or match any of the mark's bits in bits
	 * (refused with a ruleset that logs to a group, which takes those
	 * bits: engine/nflog_tag.h)? May be NULL (never). */
	bool (*mark_bits)(const struct qt_ext_inst *in, uint32_t bits);
	/* The instance reads a connection's packet and byte counts: the
	 * engine then counts them per direction (the kernel's
	 * nf_conntrack_acct, which such a rule turns on), from the first
	 * packet judged on, for the connections made from then on. */
	bool ct_acct;
	/* Why the engine cannot judge packets with the instance, where
	 * what it reads is not in what the queue hands over: a ruleset
	 * using it in a table the engine walks is refused at commit with
	 * "Error: qtables cannot run -m NAME: <this>". NULL: none. */
	const char *cannot_run;
	/* The same for one instance, when only some of the extension's
	 * rules cannot be judged (what a program reads, a mode): NULL
	 * when this one can. May be NULL (never). */
	const char *(*cannot_run_why)(const struct qt_ext_inst *in);
};

void qt_ext_register(const struct qt_ext *ext);
const struct qt_ext *qt_ext_find(const char *name, enum qt_ext_kind kind);
/* The same among the extensions a rule of family can use (ip6tables
 * knows no -m icmp, as iptables knows no -m icmp6). */
const struct qt_ext *qt_ext_find_fam(const char *name, enum qt_ext_kind kind,
				     uint8_t family);
/* For the registry's users (help, tests): iterate all extensions. */
const struct qt_ext *qt_ext_at(size_t i);

/* Register an extension from its own file at program start. */
#define QT_EXT_REGISTER(var) \
	static void __attribute__((constructor)) qt_ext_reg_##var(void) \
	{ qt_ext_register(&var); }

/* ---- the generic option layer (parser/ext_opt.c) ---- */

/* The words an option takes (see struct qt_ext_opt's arg). */
enum qt_arg_kind qt_opt_arg_kind(const struct qt_ext_opt *o);
/* The entry whose attributes an option (or alias) has. */
const struct qt_ext_opt *qt_opt_canon(const struct qt_ext *ext,
				      const struct qt_ext_opt *o);
/* An option's name in messages: the first spelling of the id. */
const char *qt_opt_name(const struct qt_ext *ext, int id);
/* One option given: repeats and '!' checked, the argument read and
 * stored, then the extension's parse hook; in->seen/inverted updated.
 * a->opt is the entry as spelled. 0, or -1 with ctx set. */
int qt_opt_parse(struct qt_ext_inst *in, struct qt_opt_arg *a,
		 struct qt_ctx *ctx);
/* After the rule: the extension's check hook, then the table's
 * mandatory options, exclusions and companions in table order
 * (xtables_options_fcheck). 0, or -1 with ctx set. */
int qt_opt_final(struct qt_ext_inst *in, const struct qt_rule_env *env,
		 struct qt_ctx *ctx);
int qt_opt_fcheck(const struct qt_ext_inst *in, struct qt_ctx *ctx);

/* An unsigned number as iptables reads one (xtables_strtoul): any C
 * base, leading blanks and '+' taken, '-' refused, in [min, max]; *end
 * gets what follows, and with end NULL nothing may follow. */
bool qt_strtoul(const char *s, const char **end, uint64_t min, uint64_t max,
		uint64_t *out);
/* "EXT: bad value for option "--OPT", or out of range (MIN-MAX)." */
int qt_opt_range_error(struct qt_ctx *ctx, const char *ext, const char *opt,
		       uint64_t min, uint64_t max);
/* A prefix length or dotted mask (xtables' plen type); a number above
 * 32 or a mask that is not contiguous leaves QT_PLEN_FULL, the full
 * width of an address, as iptables does. */
#define QT_PLEN_FULL 128
int qt_opt_parse_plen(struct qt_ctx *ctx, const char *ext, const char *opt,
		      const char *arg, unsigned *plen);
/* The kernel's 128-bit mask (union nf_inet_addr, network order) of a
 * prefix length; an IPv4 rule uses the first word. */
void qt_plen_mask(unsigned plen, uint32_t mask[4]);
/* One host (xtables' host type): a name is resolved with getaddrinfo,
 * whose first IPv4 answer is taken; its failure is iptables' message. */
int qt_opt_parse_host(struct qt_ctx *ctx, const char *arg, uint32_t *addr);
/* qt_opt_parse_plen for a rule of family: 0..128 or an IPv6 mask in
 * ip6tables' rules (QT_OT_PLEN options take it so). */
int qt_opt_parse_plen_fam(struct qt_ctx *ctx, const char *ext, const char *opt,
			  const char *arg, uint8_t family, unsigned *plen);

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
/* The same for a range that was given, saved even when it is 0:65535
 * (the sctp and dccp matches keep ranges as given). */
void qt_port_range_save_given(struct qt_buf *b, const char *opt,
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
	/* AF_INET6: the addresses are min_addr6/max_addr6 (an ip6tables
	 * rule; set before parsing, it decides how the text is read) */
	uint8_t family;
	uint8_t pad;               /* zero */
	uint8_t min_addr6[16], max_addr6[16]; /* IPv6, network order */
};

/* "PORT[-PORT[/BASE]]" (--to-ports, or after the colon of --to-*):
 * proto is the -p given before the option (ports need tcp, udp, sctp,
 * dccp or icmp; '!' is not looked at, as in iptables). */
int qt_nat_parse_ports(const char *arg, uint16_t proto, struct qt_nat_range *r,
		       struct qt_ctx *ctx);
/* "[ADDR[-ADDR]][:PORTS]" of --to-source / --to-destination; in an
 * IPv6 range (r->family AF_INET6) "[ADDR[-ADDR]]:PORTS" or
 * "ADDR[-ADDR]" as libxt_NAT reads them. */
int qt_nat_parse_to(const char *arg, uint16_t proto, struct qt_nat_range *r,
		    struct qt_ctx *ctx);
/* The text of a range, no leading space: "1.1.1.1-1.1.1.9:80-90/5"
 * ("[::1-::9]:80-90/5" for IPv6 with ports); with ports_only just
 * "80-90/5". */
void qt_nat_range_put(struct qt_buf *b, const struct qt_nat_range *r,
		      bool ports_only);
/* The flags in iptables' order, each as " PRErandom" etc.: pre is "--"
 * for save, "" for -L. A target sets only the flags it accepts. */
void qt_nat_flags_put(struct qt_buf *b, uint32_t flags, const char *pre);

#endif
