/* iptables' command line: options read in order (as getopt_long with a
 * leading '-' in optstring does: no permutation), extensions' options
 * merged as -m/-j load them, then the checks iptables makes and the
 * operation on the model. Messages and exit codes are iptables-nft
 * 1.8.9's. */
#include "command.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <sys/socket.h>

#include "addr.h"
#include "explain.h"
#include "jump_graph.h"
#include "print.h"
#include "proto_names.h"

/* Commands (iptables' CMD_*), as bits. */
enum {
	CMD_NONE = 0,
	CMD_INSERT = 1 << 0,
	CMD_DELETE = 1 << 1,
	CMD_DELETE_NUM = 1 << 2,
	CMD_REPLACE = 1 << 3,
	CMD_APPEND = 1 << 4,
	CMD_LIST = 1 << 5,
	CMD_FLUSH = 1 << 6,
	CMD_ZERO = 1 << 7,
	CMD_NEW_CHAIN = 1 << 8,
	CMD_DELETE_CHAIN = 1 << 9,
	CMD_SET_POLICY = 1 << 10,
	CMD_RENAME_CHAIN = 1 << 11,
	CMD_LIST_RULES = 1 << 12,
	CMD_ZERO_NUM = 1 << 13,
	CMD_CHECK = 1 << 14,
	CMD_VERSION = 1 << 15,
	CMD_HELP = 1 << 16,
};
#define NUMBER_OF_CMD 15

static const char cmd_chars[NUMBER_OF_CMD] = {
	'I', 'D', 'D', 'R', 'A', 'L', 'F', 'Z', 'N', 'X', 'P', 'E', 'S', 'Z', 'C'
};

/* Options that go through set_option (iptables' OPT_*), in this order. */
enum {
	OPT_NUMERIC, OPT_SOURCE, OPT_DESTINATION, OPT_PROTOCOL, OPT_JUMP,
	OPT_VERBOSE, OPT_EXPANDED, OPT_VIANAMEIN, OPT_VIANAMEOUT,
	OPT_LINENUMBERS, OPT_COUNTERS, OPT_FRAGMENT, NUMBER_OF_OPT
};
static const char opt_chars[NUMBER_OF_OPT] = {
	'n', 's', 'd', 'p', 'j', 'v', 'x', 'i', 'o', '0', 'c', 'f'
};
static const uint8_t opt_inverse[NUMBER_OF_OPT] = {
	[OPT_SOURCE] = QT_INV_SRCIP,
	[OPT_DESTINATION] = QT_INV_DSTIP,
	[OPT_PROTOCOL] = QT_INV_PROTO,
	[OPT_VIANAMEIN] = QT_INV_VIA_IN,
	[OPT_VIANAMEOUT] = QT_INV_VIA_OUT,
	[OPT_FRAGMENT] = QT_INV_FRAG,
};

/* Which options each command allows: 'x' illegal, ' ' optional
 * (iptables' commands_v_options, columns in OPT_* order). */
static const char cmd_opts[NUMBER_OF_CMD][NUMBER_OF_OPT] = {
	/*              -n  -s  -d  -p  -j  -v  -x  -i  -o  --l -c  -f */
	/*INSERT*/     {'x', ' ', ' ', ' ', ' ', ' ', 'x', ' ', ' ', 'x', ' ', ' '},
	/*DELETE*/     {'x', ' ', ' ', ' ', ' ', ' ', 'x', ' ', ' ', 'x', 'x', ' '},
	/*DELETE_NUM*/ {'x', 'x', 'x', 'x', 'x', ' ', 'x', 'x', 'x', 'x', 'x', 'x'},
	/*REPLACE*/    {'x', ' ', ' ', ' ', ' ', ' ', 'x', ' ', ' ', 'x', ' ', ' '},
	/*APPEND*/     {'x', ' ', ' ', ' ', ' ', ' ', 'x', ' ', ' ', 'x', ' ', ' '},
	/*LIST*/       {' ', 'x', 'x', 'x', 'x', ' ', ' ', 'x', 'x', ' ', 'x', 'x'},
	/*FLUSH*/      {'x', 'x', 'x', 'x', 'x', ' ', 'x', 'x', 'x', 'x', 'x', 'x'},
	/*ZERO*/       {'x', 'x', 'x', 'x', 'x', ' ', 'x', 'x', 'x', 'x', 'x', 'x'},
	/*NEW_CHAIN*/  {'x', 'x', 'x', 'x', 'x', ' ', 'x', 'x', 'x', 'x', 'x', 'x'},
	/*DEL_CHAIN*/  {'x', 'x', 'x', 'x', 'x', ' ', 'x', 'x', 'x', 'x', 'x', 'x'},
	/*SET_POLICY*/ {'x', 'x', 'x', 'x', 'x', ' ', 'x', 'x', 'x', 'x', ' ', 'x'},
	/*RENAME*/     {'x', 'x', 'x', 'x', 'x', ' ', 'x', 'x', 'x', 'x', 'x', 'x'},
	/*LIST_RULES*/ {'x', 'x', 'x', 'x', 'x', ' ', 'x', 'x', 'x', 'x', 'x', 'x'},
	/*ZERO_NUM*/   {'x', 'x', 'x', 'x', 'x', ' ', 'x', 'x', 'x', 'x', 'x', 'x'},
	/*CHECK*/      {'x', ' ', ' ', ' ', ' ', ' ', 'x', ' ', ' ', 'x', 'x', ' '},
};

/* The base options: long names, the short letter they stand for, and
 * whether they take an argument (getopt's optstring for short ones). */
struct base_opt {
	const char *name;
	int code;
	enum qt_arg_kind arg;
};

static const struct base_opt base_opts[] = {
	{ "append", 'A', QT_ARG_REQ },
	{ "delete", 'D', QT_ARG_REQ },
	{ "check", 'C', QT_ARG_REQ },
	{ "insert", 'I', QT_ARG_REQ },
	{ "replace", 'R', QT_ARG_REQ },
	{ "list", 'L', QT_ARG_OPT },
	{ "list-rules", 'S', QT_ARG_OPT },
	{ "flush", 'F', QT_ARG_OPT },
	{ "zero", 'Z', QT_ARG_OPT },
	{ "new-chain", 'N', QT_ARG_REQ },
	{ "delete-chain", 'X', QT_ARG_OPT },
	{ "rename-chain", 'E', QT_ARG_REQ },
	{ "policy", 'P', QT_ARG_REQ },
	{ "source", 's', QT_ARG_REQ },
	{ "destination", 'd', QT_ARG_REQ },
	{ "src", 's', QT_ARG_REQ },
	{ "dst", 'd', QT_ARG_REQ },
	{ "protocol", 'p', QT_ARG_REQ },
	{ "in-interface", 'i', QT_ARG_REQ },
	{ "jump", 'j', QT_ARG_REQ },
	{ "table", 't', QT_ARG_REQ },
	{ "match", 'm', QT_ARG_REQ },
	{ "numeric", 'n', QT_ARG_NONE },
	{ "out-interface", 'o', QT_ARG_REQ },
	{ "verbose", 'v', QT_ARG_NONE },
	{ "wait", 'w', QT_ARG_OPT },
	{ "wait-interval", 'W', QT_ARG_OPT },
	{ "exact", 'x', QT_ARG_NONE },
	{ "fragment", 'f', QT_ARG_NONE },
	{ "version", 'V', QT_ARG_NONE },
	{ "help", 'h', QT_ARG_OPT },
	{ "line-numbers", '0', QT_ARG_NONE },
	{ "modprobe", 'M', QT_ARG_REQ },
	{ "set-counters", 'c', QT_ARG_REQ },
	{ "goto", 'g', QT_ARG_REQ },
	{ "ipv4", '4', QT_ARG_NONE },
	{ "ipv6", '6', QT_ARG_NONE },
	{ NULL, 0, QT_ARG_NONE },
};

const char *qt_command_option(unsigned i, char *letter)
{
	if (i >= sizeof(base_opts) / sizeof(base_opts[0]) || !base_opts[i].name)
		return NULL;
	/* codes past the letters stand for long-only options */
	int c = base_opts[i].code;
	*letter = (c < 128 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			       c == '4' || c == '6')) ? (char)c : 0;
	return base_opts[i].name;
}

/* getopt's optstring "-:A:C:D:R:I:L::S::M:F::Z::N:X::E:P:Vh::o:p:s:d:j:
 * i:fbvw::W::nt:m:xc:g:46": the argument kind of each short option. */
static int short_arg(int c, enum qt_arg_kind *arg)
{
	static const char req[] = "ACDRIMNEPopsdjitmcg";
	static const char opt[] = "LSFZXhwW";
	static const char none[] = "Vfbvnx46";
	if (c && strchr(req, c))
		*arg = QT_ARG_REQ;
	else if (c && strchr(opt, c))
		*arg = QT_ARG_OPT;
	else if (c && strchr(none, c))
		*arg = QT_ARG_NONE;
	else
		return -1;
	return 0;
}

/* Everything do_parse learns about the command. */
struct parsed {
	unsigned command;
	unsigned options;          /* bit per OPT_* */
	const char *chain;
	const char *newname;       /* -E */
	const char *policy;        /* -P */
	unsigned rulenum;          /* 0: none */
	const char *table;
	const char *saddr_arg, *daddr_arg;
	const char *jumpto;        /* -j / -g name */
	bool is_goto;
	const char *proto_arg;     /* -p as written, for implicit loading */
	bool proto_used;           /* its match was loaded */
	unsigned verbose;
	struct qt_rule *rule;      /* the rule being built */
	uint64_t set_pcnt, set_bcnt;
	bool wait, wait_interval;  /* -w, -W given */
	bool leftover;             /* words after "--" */
	unsigned implicit;         /* 1 + index of the match -p loaded */
	const struct qt_ruleset *rs; /* for kcheck: the ruleset changed */
	/* Where each part was written, for errors found after the words
	 * were read (explain.h); all zero: not given. */
	struct qt_at at_cmd, at_chain, at_rulenum, at_policy, at_newname,
		at_jump, at_saddr, at_daddr, at_proto, at_leftover,
		at_wait_interval;
	struct qt_at at_opt[NUMBER_OF_OPT];
	struct qt_at at_match[16]; /* the -m NAME (or -p) of each match */
	const struct qt_counter_view *cnt; /* counters read and set */
};

/* The getopt-like reader over the words. */
struct reader {
	const struct qt_words *w;
	unsigned i;                /* next word */
	const char *cluster;       /* rest of a short-option cluster */
	unsigned cluster_word;     /* the cluster's word */
	struct qt_ctx *ctx;
	/* where the option being read and its argument were written */
	struct qt_at opt, arg;
};

/* Word i, or bytes [off, off + len) of it (all of it past 64 KiB). */
static struct qt_at at_word(unsigned i, size_t off, size_t len)
{
	if (off > USHRT_MAX || len > USHRT_MAX)
		off = len = 0;
	return (struct qt_at){ .word = i + 1, .off = (unsigned short)off,
			       .len = (unsigned short)len };
}

static bool has_arg(const struct reader *rd)
{
	/* xs_has_arg: the next word is an argument, not an option or '!' */
	return rd->i < rd->w->n && rd->w->v[rd->i].text[0] != '-' &&
	       rd->w->v[rd->i].text[0] != '!';
}

/* The next word; errors from here on are about it, until the reader
 * says otherwise. */
static const char *next_word(struct reader *rd)
{
	if (rd->i >= rd->w->n)
		return NULL;
	rd->arg = at_word(rd->i, 0, 0);
	rd->ctx->at = rd->arg;
	return rd->w->v[rd->i++].text;
}

/* ---- small parsers with iptables' messages ---- */

static int parse_rulenum(const char *s, unsigned *out, struct qt_ctx *ctx)
{
	uint64_t v;
	if (!qt_parse_uint_any(s, 1, INT_MAX, &v))
		return qt_param_error(ctx, "Invalid rule number `%s'", s);
	*out = (unsigned)v;
	return 0;
}

static int parse_proto(const char *s, uint16_t *out, struct qt_ctx *ctx)
{
	uint64_t v;
	if (qt_parse_uint_any(s, 0, 255, &v)) {
		*out = (uint16_t)v;
		return 0;
	}
	char lower[64];
	size_t n = strlen(s);
	if (n < sizeof(lower)) {
		for (size_t i = 0; i <= n; i++)
			lower[i] = (char)tolower((unsigned char)s[i]);
		if (strcmp(lower, "all") == 0) {
			*out = 0;
			return 0;
		}
		/* The names iptables knows itself, first: they agree with
		 * /etc/protocols, which is otherwise read for every rule
		 * (a 10,000-rule restore would read it 10,000 times). */
		int known = qt_proto_known_number(lower);
		if (known >= 0) {
			*out = (uint16_t)known;
			return 0;
		}
		struct protoent *pe = getprotobyname(lower);
		if (pe) {
			*out = (uint16_t)pe->p_proto;
			return 0;
		}
	}
	bool first = !ctx->status;
	qt_param_error(ctx, "unknown protocol \"%s\" specified", s);
	if (first && ctx->explain) {
		struct qt_suggest sg;
		qt_suggest_init(&sg, s, n);
		const char *name;
		for (unsigned i = 0; (name = qt_proto_known_at(i)); i++)
			qt_suggest_offer(&sg, name);
		if (qt_suggest_best(&sg))
			qt_explain_hint(ctx, qt_suggest_best(&sg));
	}
	return -1;
}

static int parse_iface(const char *s, char *out, struct qt_ctx *ctx)
{
	size_t n = strlen(s);
	if (n >= IFNAMSIZ)
		return qt_param_error(ctx,
			"interface name `%s' must be shorter than IFNAMSIZ (%i)",
			s, IFNAMSIZ - 1);
	if (strpbrk(s, "/ "))
		qt_buf_printf(ctx->err,
			"Warning: weird character in interface `%s' ('/' and ' ' "
			"are not allowed by the kernel).\n", s);
	memset(out, 0, IFNAMSIZ);
	memcpy(out, s, n);
	return 0;
}

static int valid_chain_name(const char *name, uint8_t family,
			    struct qt_ctx *ctx)
{
	if (!*name) /* iptables finds a target by the empty name */
		return qt_param_error(ctx,
			"chain name may not clash with target name");
	if (strlen(name) >= QT_CHAIN_MAXNAMELEN)
		return qt_param_error(ctx,
			"chain name `%s' too long (must be under %u chars)",
			name, QT_CHAIN_MAXNAMELEN);
	if (name[0] == '-' || name[0] == '!')
		return qt_param_error(ctx,
			"chain name not allowed to start with `%c'\n", name[0]);
	if (!strcmp(name, "ACCEPT") || !strcmp(name, "DROP") ||
	    !strcmp(name, "RETURN") || !strcmp(name, "QUEUE") ||
	    qt_ext_find_fam(name, QT_EXT_TARGET, family))
		return qt_param_error(ctx,
			"chain name may not clash with target name");
	for (const char *p = name; *p; p++)
		if (isspace((unsigned char)*p))
			return qt_param_error(ctx, "Invalid chain name `%s'", name);
	return 0;
}

/* ---- option bookkeeping ---- */

static int add_command(struct parsed *p, unsigned cmd, unsigned others,
		       bool invert, struct qt_ctx *ctx)
{
	if (invert)
		return qt_param_error(ctx, "unexpected '!' flag");
	if (p->command & ~others) {
		unsigned have = p->command & ~others;
		char hc = '?', nc = '?';
		for (int i = 0; i < NUMBER_OF_CMD; i++) {
			if (have & (1u << i))
				hc = cmd_chars[i];
			if (cmd & (1u << i))
				nc = cmd_chars[i];
		}
		return qt_param_error(ctx, "Cannot use -%c with -%c", nc, hc);
	}
	p->command |= cmd;
	p->at_cmd = ctx->at;
	return 0;
}

static int set_option(struct parsed *p, int opt, bool invert,
		      struct qt_ctx *ctx)
{
	if (p->options & (1u << opt))
		return qt_param_error(ctx, "multiple -%c flags not allowed",
				      opt_chars[opt]);
	p->options |= 1u << opt;
	p->at_opt[opt] = ctx->at;
	if (invert) {
		if (!opt_inverse[opt])
			return qt_param_error(ctx, "cannot have ! before -%c",
					      opt_chars[opt]);
		p->rule->invflags |= opt_inverse[opt];
	}
	return 0;
}

/* ---- extension options ---- */

struct ext_hit {
	struct qt_ext_inst *inst;
	const struct qt_ext_opt *opt;
};

/* Instances of the rule in the order their options take precedence:
 * the target, then matches from the last loaded (iptables merges new
 * options in front of old ones, and getopt takes the first it finds). */
static unsigned ext_order(struct parsed *p, struct qt_ext_inst **out,
			  unsigned max)
{
	unsigned n = 0;
	struct qt_rule *r = p->rule;
	if (r->verdict == QT_V_EXT && n < max)
		out[n++] = &r->target;
	for (unsigned i = r->nmatches; i-- > 0 && n < max;)
		out[n++] = &r->matches[i];
	return n;
}

/* Look a long option name up among base and extension options: exact
 * first, then an unambiguous prefix, as getopt_long does. Returns 1 base,
 * 2 extension, 0 unknown or ambiguous. */
static int lookup_long(struct parsed *p, const char *name, size_t len,
		       const struct base_opt **bo, struct ext_hit *eh)
{
	struct qt_ext_inst *order[64];
	unsigned n = ext_order(p, order, 64);
	for (const struct base_opt *o = base_opts; o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len)) {
			*bo = o;
			return 1;
		}
	for (unsigned k = 0; k < n; k++)
		for (const struct qt_ext_opt *o = order[k]->ext->opts; o && o->name; o++)
			if (strlen(o->name) == len && !strncmp(o->name, name, len)) {
				eh->inst = order[k];
				eh->opt = o;
				return 2;
			}
	/* prefixes: ambiguous unless every candidate means the same */
	int found = 0;
	const struct base_opt *fb = NULL;
	struct ext_hit fe = { 0 };
	for (const struct base_opt *o = base_opts; o->name; o++)
		if (!strncmp(o->name, name, len)) {
			if (found == 1 && fb->code == o->code && fb->arg == o->arg)
				continue;
			if (found)
				return 0;
			found = 1;
			fb = o;
		}
	for (unsigned k = 0; k < n; k++)
		for (const struct qt_ext_opt *o = order[k]->ext->opts; o && o->name; o++)
			if (!strncmp(o->name, name, len)) {
				/* an alias is its first spelling's option */
				if (found == 2 && fe.inst == order[k] &&
				    fe.opt->id == o->id)
					continue;
				if (found)
					return 0;
				found = 2;
				fe.inst = order[k];
				fe.opt = o;
			}
	if (found == 1)
		*bo = fb;
	else if (found == 2)
		*eh = fe;
	return found;
}

/* A match was added to the rule: where it was asked for. */
static void match_at(struct parsed *p, struct qt_at at)
{
	unsigned i = p->rule->nmatches - 1;
	if (i < sizeof(p->at_match) / sizeof(p->at_match[0]))
		p->at_match[i] = at;
}

static struct qt_at at_of_match(const struct parsed *p, unsigned i)
{
	if (i < sizeof(p->at_match) / sizeof(p->at_match[0]))
		return p->at_match[i];
	return (struct qt_at){ 0 };
}

/* IPv6 extension headers: the protocol field of a rule is the last
 * header's, so ip6tables warns that -p of one of them never matches. */
static bool is_exthdr(uint16_t proto)
{
	return proto == IPPROTO_ROUTING || proto == IPPROTO_FRAGMENT ||
	       proto == IPPROTO_AH || proto == IPPROTO_DSTOPTS;
}

/* ip6tables names the protocol as written, lower-cased. */
static void warn_exthdr(const char *arg, struct qt_ctx *ctx)
{
	qt_buf_puts(ctx->err, "Warning: never matched protocol: ");
	for (const char *c = arg; *c; c++)
		qt_buf_putc(ctx->err, (char)tolower((unsigned char)*c));
	qt_buf_puts(ctx->err, ". use extension match instead.\n");
}

/* The match -p PROTO loads implicitly: the protocol's name, but icmp6
 * for ICMPv6 in ip6tables (whose /etc/protocols name is ipv6-icmp). */
static const char *proto_match_name(const struct qt_rule *r)
{
	if (r->family == AF_INET6 && r->proto == IPPROTO_ICMPV6)
		return "icmp6";
	return qt_proto_name(r->proto, false);
}

/* The implicit protocol match: on an unknown option after -p tcp, load
 * the tcp match once and look again (iptables' load_proto). */
static bool load_proto(struct parsed *p)
{
	/* iptables-nft loads it after "! -p tcp" too */
	if (!p->proto_arg || p->proto_used)
		return false;
	const char *name = proto_match_name(p->rule);
	if (!name)
		return false;
	const struct qt_ext *e = qt_ext_find_fam(name, QT_EXT_MATCH,
						 p->rule->family);
	if (!e)
		return false;
	p->proto_used = true;
	qt_rule_add_match(p->rule, e);
	match_at(p, p->at_proto);
	p->implicit = p->rule->nmatches;
	return true;
}

/* "did you mean": among the options of the rule's matches and target and
 * the generic ones; else, for an option of a match not loaded, how to
 * load it ("-p tcp --dport"). Only under explain, after the error. */
static void suggest_option(struct parsed *p, const char *name, size_t len,
			   struct qt_ctx *ctx)
{
	struct qt_ext_inst *order[64];
	unsigned n = ext_order(p, order, 64);
	struct qt_suggest sg;
	qt_suggest_init(&sg, name, len);
	for (unsigned k = 0; k < n; k++)
		for (const struct qt_ext_opt *o = order[k]->ext->opts; o && o->name; o++)
			qt_suggest_offer(&sg, o->name);
	for (const struct base_opt *o = base_opts; o->name; o++)
		qt_suggest_offer(&sg, o->name);
	char hint[160];
	if (qt_suggest_best(&sg)) {
		snprintf(hint, sizeof(hint), "--%s", qt_suggest_best(&sg));
		qt_explain_hint(ctx, hint);
		return;
	}
	/* of the matches that have it, the one of the lowest protocol
	 * number (tcp before udp before sctp), then the first by name */
	const struct qt_ext *e, *pick = NULL;
	const char *oname = NULL;
	for (size_t i = 0; (e = qt_ext_at(i)); i++) {
		if (e->kind != QT_EXT_MATCH)
			continue;
		if (pick) {
			unsigned re = e->proto ? e->proto : 256u;
			unsigned rp = pick->proto ? pick->proto : 256u;
			if (re > rp ||
			    (re == rp && strcmp(e->name, pick->name) > 0))
				continue;
		}
		for (const struct qt_ext_opt *o = e->opts; o && o->name; o++)
			if (strlen(o->name) == len && !strncmp(o->name, name, len)) {
				pick = e;
				oname = o->name;
				break;
			}
	}
	if (!pick)
		return;
	/* tcp, udp, icmp come with their protocol */
	snprintf(hint, sizeof(hint), "%s %s --%s", pick->proto ? "-p" : "-m",
		 pick->name, oname);
	qt_explain_hint(ctx, hint);
}

/* iptables' "unknown option", with a near name under explain. */
static int unknown_option(struct parsed *p, const char *word,
			  const char *name, size_t len, struct qt_ctx *ctx)
{
	bool first = !ctx->status;
	qt_param_error(ctx, "unknown option \"%s\"", word);
	if (first && ctx->explain)
		suggest_option(p, name, len, ctx);
	return -1;
}

static int ext_option(struct parsed *p, struct ext_hit *h, const char *word,
		      const char *inline_arg, struct reader *rd, bool invert,
		      struct qt_ctx *ctx)
{
	const struct qt_ext_opt *o = h->opt;
	struct qt_ext_inst *in = h->inst;
	struct qt_opt_arg a = { .opt = o, .invert = invert, .rule = p->rule };
	enum qt_arg_kind kind = qt_opt_arg_kind(qt_opt_canon(in->ext, o));

	switch (kind) {
	case QT_ARG_NONE:
		if (inline_arg)
			return qt_param_error(ctx, "unknown option \"%s\"", word);
		break;
	case QT_ARG_REQ:
	case QT_ARG_REQ2:
		a.arg = inline_arg ? inline_arg : next_word(rd);
		if (!a.arg) {
			ctx->at = rd->opt;
			return qt_param_error(ctx,
				"option \"%s\" requires an argument", word);
		}
		/* the second word only if it is not an option: the
		 * extension reports a missing one in its own words */
		if (kind == QT_ARG_REQ2 && has_arg(rd)) {
			struct qt_at first = rd->arg;
			a.arg2 = next_word(rd);
			rd->arg = first;
		}
		break;
	case QT_ARG_OPT:
		if (inline_arg)
			a.arg = inline_arg;
		else if (has_arg(rd))
			a.arg = next_word(rd);
		break;
	}
	ctx->at = rd->opt;
	a.value_at = rd->arg;
	a.has_value_at = true;
	return qt_opt_parse(in, &a, ctx);
}

/* ---- the option loop ---- */

/* Names of the registry's extensions of one kind, for "did you mean". */
static void suggest_ext(const char *name, enum qt_ext_kind kind,
			struct qt_suggest *sg)
{
	qt_suggest_init(sg, name, strlen(name));
	const struct qt_ext *e;
	for (size_t i = 0; (e = qt_ext_at(i)); i++)
		if (e->kind == kind)
			qt_suggest_offer(sg, e->name);
}

static int load_match(struct parsed *p, const char *name, bool invert,
		      struct reader *rd, struct qt_ctx *ctx)
{
	if (invert)
		return qt_param_error(ctx, "unexpected ! flag before --match");
	ctx->at = rd->arg;
	const struct qt_ext *e = qt_ext_find_fam(name, QT_EXT_MATCH,
						 p->rule->family);
	if (!e) {
		bool first = !ctx->status;
		qt_param_error(ctx,
			"Couldn't load match `%s':No such file or directory\n",
			name);
		struct qt_suggest sg;
		if (first && ctx->explain) {
			suggest_ext(name, QT_EXT_MATCH, &sg);
			if (qt_suggest_best(&sg))
				qt_explain_hint(ctx, qt_suggest_best(&sg));
		}
		return -1;
	}
	if (p->implicit && p->rule->matches[p->implicit - 1].ext == e &&
	    (e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP)) {
		/* "-p tcp --dport 22 -m tcp --dport 23": iptables-nft makes
		 * tcp and udp native expressions and lists them as one
		 * match whose later options win (icmp stays two) */
		struct qt_ext_inst *in = &p->rule->matches[p->implicit - 1];
		in->seen = in->inverted = 0;
		p->implicit = 0;
		return 0;
	}
	qt_rule_add_match(p->rule, e);
	match_at(p, rd->arg);
	if (e->proto && p->proto_arg && e->proto == p->rule->proto)
		p->proto_used = true;
	return 0;
}

static int set_jump(struct parsed *p, const char *name, bool is_goto,
		    bool invert, struct reader *rd, struct qt_ctx *ctx)
{
	if (set_option(p, OPT_JUMP, invert, ctx))
		return -1;
	ctx->at = p->at_jump = rd->arg;
	if (strlen(name) >= QT_CHAIN_MAXNAMELEN)
		return qt_param_error(ctx,
			"Invalid target name `%s' (%u chars max)", name,
			QT_CHAIN_MAXNAMELEN - 1);
	if (!*name)
		return qt_param_error(ctx, "Invalid target name (empty)");
	p->jumpto = name;
	p->is_goto = is_goto;
	struct qt_rule *r = p->rule;
	if (is_goto) {
		/* -g names a chain, never a verdict or target */
		r->verdict = QT_V_GOTO;
		strncpy(r->jump, name, QT_CHAIN_MAXNAMELEN);
	} else if (!strcmp(name, "ACCEPT"))
		r->verdict = QT_V_ACCEPT;
	else if (!strcmp(name, "DROP"))
		r->verdict = QT_V_DROP;
	else if (!strcmp(name, "RETURN"))
		r->verdict = QT_V_RETURN;
	else if (!is_goto && qt_ext_find_fam(name, QT_EXT_TARGET, r->family))
		qt_rule_set_target(r, qt_ext_find_fam(name, QT_EXT_TARGET,
						      r->family));
	else {
		r->verdict = is_goto ? QT_V_GOTO : QT_V_JUMP;
		strncpy(r->jump, name, QT_CHAIN_MAXNAMELEN);
	}
	return 0;
}

static void set_chain(struct parsed *p, const char *name,
		      const struct reader *rd)
{
	p->chain = name;
	p->at_chain = rd->arg;
}

static int read_rulenum(struct parsed *p, struct reader *rd,
			struct qt_ctx *ctx)
{
	const char *s = next_word(rd);
	p->at_rulenum = rd->arg;
	return parse_rulenum(s, &p->rulenum, ctx);
}

static int base_option(struct parsed *p, int code, const char *word,
		       const char *arg, struct reader *rd, bool invert,
		       struct qt_cmd_env *env, struct qt_ctx *ctx)
{
	struct qt_rule *r = p->rule;
	/* iptables reads these from argv[optind - 1]: the whole word when
	 * the value was attached ("-s10.0.0.1", "--source=x") */
	if (arg && strchr("sdpjio", code) && rd->i > 0)
		arg = rd->w->v[rd->i - 1].text;
	switch (code) {
	case 'A':
		if (add_command(p, CMD_APPEND, CMD_NONE, invert, ctx))
			return -1;
		set_chain(p, arg, rd);
		return 0;
	case 'C':
		if (add_command(p, CMD_CHECK, CMD_NONE, invert, ctx))
			return -1;
		set_chain(p, arg, rd);
		return 0;
	case 'D':
		if (add_command(p, CMD_DELETE, CMD_NONE, invert, ctx))
			return -1;
		set_chain(p, arg, rd);
		if (has_arg(rd)) {
			if (read_rulenum(p, rd, ctx))
				return -1;
			p->command = CMD_DELETE_NUM;
		}
		return 0;
	case 'R':
		if (add_command(p, CMD_REPLACE, CMD_NONE, invert, ctx))
			return -1;
		set_chain(p, arg, rd);
		if (!has_arg(rd))
			return qt_param_error(ctx, "-%c requires a rule number",
					      'R');
		return read_rulenum(p, rd, ctx);
	case 'I':
		if (add_command(p, CMD_INSERT, CMD_NONE, invert, ctx))
			return -1;
		set_chain(p, arg, rd);
		p->rulenum = 1;
		if (has_arg(rd))
			return read_rulenum(p, rd, ctx);
		return 0;
	case 'L':
	case 'S':
	case 'Z':
		if (code == 'L' &&
		    add_command(p, CMD_LIST, CMD_ZERO | CMD_ZERO_NUM, invert, ctx))
			return -1;
		if (code == 'S' &&
		    add_command(p, CMD_LIST_RULES, CMD_ZERO | CMD_ZERO_NUM,
				invert, ctx))
			return -1;
		if (code == 'Z' &&
		    add_command(p, CMD_ZERO, CMD_LIST | CMD_LIST_RULES, invert,
				ctx))
			return -1;
		if (arg)
			set_chain(p, arg, rd);
		else if (has_arg(rd))
			set_chain(p, next_word(rd), rd);
		if (p->chain && has_arg(rd)) {
			if (read_rulenum(p, rd, ctx))
				return -1;
			if (code == 'Z')
				p->command = CMD_ZERO_NUM; /* replaces -L/-S */
		}
		return 0;
	case 'F':
	case 'X':
		if (add_command(p, code == 'F' ? CMD_FLUSH : CMD_DELETE_CHAIN,
				CMD_NONE, invert, ctx))
			return -1;
		if (arg)
			set_chain(p, arg, rd);
		else if (has_arg(rd))
			set_chain(p, next_word(rd), rd);
		return 0;
	case 'N':
		if (add_command(p, CMD_NEW_CHAIN, CMD_NONE, invert, ctx))
			return -1;
		ctx->at = rd->arg;
		if (valid_chain_name(arg, p->rule->family, ctx))
			return -1;
		set_chain(p, arg, rd);
		return 0;
	case 'E':
		if (add_command(p, CMD_RENAME_CHAIN, CMD_NONE, invert, ctx))
			return -1;
		set_chain(p, arg, rd);
		if (!has_arg(rd))
			return qt_param_error(ctx,
				"-%c requires old-chain-name and new-chain-name",
				'E');
		p->newname = next_word(rd);
		p->at_newname = rd->arg;
		/* iptables-nft checks nothing else of the new name; only
		 * what does not fit the model is refused */
		if (!*p->newname || strlen(p->newname) >= QT_CHAIN_MAXNAMELEN)
			return qt_param_error(ctx,
				"chain name `%s' too long (must be under %u chars)",
				p->newname, QT_CHAIN_MAXNAMELEN);
		return 0;
	case 'P':
		if (add_command(p, CMD_SET_POLICY, CMD_NONE, invert, ctx))
			return -1;
		set_chain(p, arg, rd);
		if (!has_arg(rd))
			return qt_param_error(ctx, "-%c requires a chain and a policy",
					      'P');
		p->policy = next_word(rd);
		p->at_policy = rd->arg;
		return 0;
	case 'V':
		/* iptables prints its version at once and exits 0, whatever
		 * command came before: later words are not read */
		p->command |= CMD_VERSION;
		return 2;
	case 'h':
		/* iptables prints the help at once: later words are not read */
		p->command |= CMD_HELP;
		return 2;
	case 's':
		if (set_option(p, OPT_SOURCE, invert, ctx))
			return -1;
		p->saddr_arg = arg;
		p->at_saddr = rd->arg;
		return 0;
	case 'd':
		if (set_option(p, OPT_DESTINATION, invert, ctx))
			return -1;
		p->daddr_arg = arg;
		p->at_daddr = rd->arg;
		return 0;
	case 'p':
		if (set_option(p, OPT_PROTOCOL, invert, ctx))
			return -1;
		ctx->at = p->at_proto = rd->arg;
		if (parse_proto(arg, &r->proto, ctx))
			return -1;
		p->proto_arg = arg;
		if (r->proto == 0 && (r->invflags & QT_INV_PROTO))
			return qt_param_error(ctx, "rule would never match protocol");
		if (r->family == AF_INET6 && !invert && is_exthdr(r->proto))
			warn_exthdr(arg, ctx);
		return 0;
	case 'j':
		return set_jump(p, arg, false, invert, rd, ctx);
	case 'g':
		return set_jump(p, arg, true, invert, rd, ctx);
	case 'i':
		if (*arg == '\0') {
			ctx->at = rd->arg;
			return qt_param_error(ctx, "Empty interface is likely to be undesired");
		}
		if (set_option(p, OPT_VIANAMEIN, invert, ctx))
			return -1;
		/* a bare "+" matches every name: nothing to match, unless
		 * negated (then iptables-nft keeps it) */
		if (!invert && !strcmp(arg, "+"))
			return 0;
		ctx->at = rd->arg;
		return parse_iface(arg, r->iniface, ctx);
	case 'o':
		if (*arg == '\0') {
			ctx->at = rd->arg;
			return qt_param_error(ctx, "Empty interface is likely to be undesired");
		}
		if (set_option(p, OPT_VIANAMEOUT, invert, ctx))
			return -1;
		if (!invert && !strcmp(arg, "+"))
			return 0;
		ctx->at = rd->arg;
		return parse_iface(arg, r->outiface, ctx);
	case 'f':
		if (r->family == AF_INET6)
			return qt_param_error(ctx, "`-f' is not supported in "
					      "IPv6, use -m frag instead");
		if (set_option(p, OPT_FRAGMENT, invert, ctx))
			return -1;
		r->frag = true;
		return 0;
	case 'm':
		return load_match(p, arg, invert, rd, ctx);
	case 'n':
		return set_option(p, OPT_NUMERIC, invert, ctx);
	case 'v':
		if (!p->verbose && set_option(p, OPT_VERBOSE, invert, ctx))
			return -1;
		p->verbose++;
		return 0;
	case 'x':
		return set_option(p, OPT_EXPANDED, invert, ctx);
	case '0':
		return set_option(p, OPT_LINENUMBERS, invert, ctx);
	case 'c': {
		if (set_option(p, OPT_COUNTERS, invert, ctx))
			return -1;
		ctx->at = rd->arg;
		uint64_t v;
		if (!qt_parse_uint_any(arg, 0, UINT64_MAX, &v))
			return qt_param_error(ctx, "-%c packet counter not numeric", 'c');
		p->set_pcnt = v;
		const char *b = has_arg(rd) ? next_word(rd) : NULL;
		if (!b) {
			ctx->at = p->at_opt[OPT_COUNTERS];
			return qt_param_error(ctx, "-%c requires packet and byte counter", 'c');
		}
		if (!qt_parse_uint_any(b, 0, UINT64_MAX, &v))
			return qt_param_error(ctx, "-%c byte counter not numeric", 'c');
		p->set_bcnt = v;
		return 0;
	}
	case 't':
		if (invert)
			return qt_param_error(ctx, "unexpected ! flag before --table");
		if (env->restore_table)
			return qt_param_error(ctx,
				"The -t option cannot be used in %s.\n", ctx->prog);
		ctx->at = rd->arg;
		if (qt_table_lookup(arg) < 0)
			return qt_error(ctx, QT_VERSION_PROBLEM,
				"table '%s' does not exist\n"
				"Perhaps iptables or your kernel needs to be upgraded.",
				arg);
		p->table = arg;
		return 0;
	case 'w':
	case 'W': {
		/* The daemon serialises transactions itself: waiting for a
		 * lock is never needed, the value is only checked. */
		const char *v = arg;
		if (code == 'W')
			p->at_wait_interval = ctx->at;
		if (v)
			ctx->at = rd->arg;
		else if (has_arg(rd))
			v = next_word(rd);
		uint64_t n;
		if (code == 'W' && !v)
			return qt_param_error(ctx, "wait interval value required");
		if (v && !qt_parse_uint_any(v, 0, UINT32_MAX, &n))
			return qt_param_error(ctx, code == 'w'
				? "wait seconds not numeric"
				: "wait interval not numeric");
		if (code == 'W') {
			qt_buf_puts(ctx->err,
				    "Ignoring deprecated --wait-interval option.\n");
			p->wait_interval = true;
		} else {
			p->wait = true;
		}
		return 0;
	}
	case 'M':
		return 0;
	case '4':
	case '6':
		/* a line meant for the other family: iptables-restore (or
		 * ip6tables-restore) ignores it; the command line refuses
		 * it with just the hint */
		if ((code == '6') == (r->family == AF_INET6))
			return 0;
		if (!env->restore_table)
			return qt_tryhelp_error(ctx, "%s", "");
		return 1;
	}
	(void)word;
	return qt_param_error(ctx, "unknown option \"%s\"", word);
}

static void help_of(const struct qt_ext *e, struct qt_ctx *ctx)
{
	if (!e->help) {
		qt_buf_printf(ctx->out, "\n%s does not take any options\n", e->name);
		return;
	}
	if (e->help_header)
		qt_buf_printf(ctx->out, "\n%s\n", e->help_header);
	else
		qt_buf_printf(ctx->out, "\n%s %s options:\n", e->name,
			      e->kind == QT_EXT_TARGET ? "target" : "match");
	qt_buf_puts(ctx->out, e->help);
}

/* After -h's text: the target's help, then each match's in the order
 * they were loaded; with no match, that of the -p protocol. */
static void ext_help(struct parsed *p, struct qt_ctx *ctx)
{
	struct qt_rule *r = p->rule;
	if (r->verdict == QT_V_EXT)
		help_of(r->target.ext, ctx);
	for (unsigned i = 0; i < r->nmatches; i++)
		help_of(r->matches[i].ext, ctx);
	if (!r->nmatches && p->proto_arg) {
		const char *name = proto_match_name(r);
		const struct qt_ext *e = name ? qt_ext_find_fam(name,
					QT_EXT_MATCH, r->family) : NULL;
		if (e)
			help_of(e, ctx);
	}
}

/* Read all words. Returns 0, -1 on error, 1 to ignore the command (-6). */
static int parse_words(struct parsed *p, const struct qt_words *w,
		       struct qt_cmd_env *env, struct qt_ctx *ctx)
{
	struct reader rd = { .w = w, .i = 0, .cluster = NULL, .ctx = ctx };
	bool invert = false;
	struct qt_at at_bang = { 0 };

	while (rd.i < w->n || rd.cluster) {
		const char *word;
		int code = 0;
		const char *arg = NULL;
		enum qt_arg_kind kind;

		if (rd.cluster) {
			/* next letter of "-nvL" */
			const char *cw = w->v[rd.cluster_word].text;
			size_t off = (size_t)(rd.cluster - cw);
			/* the first letter with its '-' ("-m"), others alone */
			ctx->at = rd.opt = at_word(rd.cluster_word, off == 1 ? 0 : off,
						   off == 1 ? 2 : 1);
			code = (unsigned char)*rd.cluster++;
			word = NULL;
			if (short_arg(code, &kind) < 0) {
				rd.cluster = NULL;
				return qt_param_error(ctx, "unknown option \"-%c\"", code);
			}
			char letter[3] = { '-', (char)code, 0 };
			if (kind != QT_ARG_NONE && *rd.cluster) {
				arg = rd.cluster;
				rd.arg = at_word(rd.cluster_word, off + 1,
						 strlen(arg));
				rd.cluster = NULL;
			} else if (kind == QT_ARG_REQ) {
				rd.cluster = NULL;
				arg = next_word(&rd);
				if (!arg) {
					ctx->at = rd.opt;
					return qt_param_error(ctx,
						"option \"%s\" requires an argument", letter);
				}
			}
			if (rd.cluster && !*rd.cluster)
				rd.cluster = NULL;
			ctx->at = rd.opt;
			int rc = base_option(p, code, letter, arg, &rd, invert, env, ctx);
			if (rc)
				return rc == 2 ? 0 : rc;
			invert = false;
			continue;
		}

		ctx->at = rd.opt = at_word(rd.i, 0, 0);
		word = w->v[rd.i++].text;
		if (word[0] != '-' || word[1] == '\0') {
			/* a non-option word: only '!' is meaningful */
			if (!strcmp(word, "!")) {
				if (invert)
					return qt_param_error(ctx,
						"multiple consecutive ! not allowed");
				invert = true;
				at_bang = rd.opt;
				continue;
			}
			return qt_tryhelp_error(ctx, "Bad argument `%s'\n", word);
		}
		if (!strcmp(word, "--")) {
			/* getopt stops here; what follows is refused later */
			p->leftover = rd.i < w->n;
			p->at_leftover = at_word(rd.i, 0, 0);
			break;
		}
		if (word[1] != '-') {
			rd.cluster = word + 1;
			rd.cluster_word = rd.i - 1;
			continue;
		}

		/* a long option, maybe "--name=value" */
		const char *name = word + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const char *inline_arg = eq ? eq + 1 : NULL;
		if (eq) {
			ctx->at = rd.opt = at_word(rd.i - 1, 0, len + 2);
			rd.arg = at_word(rd.i - 1, len + 3, strlen(inline_arg));
		}
		const struct base_opt *bo = NULL;
		struct ext_hit eh = { 0 };
		int kindhit = lookup_long(p, name, len, &bo, &eh);
		if (!kindhit && load_proto(p))
			kindhit = lookup_long(p, name, len, &bo, &eh);
		if (kindhit == 2) {
			if (ext_option(p, &eh, word, inline_arg, &rd, invert, ctx))
				return -1;
			invert = false;
			continue;
		}
		if (kindhit != 1)
			return unknown_option(p, word, name, len, ctx);
		arg = inline_arg;
		if (bo->arg == QT_ARG_REQ && !arg) {
			arg = next_word(&rd);
			if (!arg) {
				ctx->at = rd.opt;
				return qt_param_error(ctx,
					"option \"%s\" requires an argument", word);
			}
		} else if (bo->arg == QT_ARG_NONE && arg) {
			return qt_param_error(ctx, "unknown option \"%s\"", word);
		}
		ctx->at = rd.opt;
		int rc = base_option(p, bo->code, word, arg, &rd, invert, env, ctx);
		if (rc)
			return rc == 2 ? 0 : rc;
		invert = false;
	}
	if (invert) {
		ctx->at = at_bang;
		return qt_param_error(ctx, "nothing appropriate following !");
	}
	return 0;
}

/* ---- checks after parsing ---- */

static int generic_opt_check(const struct parsed *p, struct qt_ctx *ctx)
{
	/* with -L and -Z together the stricter (-L's) table is the one
	 * iptables effectively applies, since -Z adds no legal options */
	for (int o = 0; o < NUMBER_OF_OPT; o++) {
		if (!(p->options & (1u << o)))
			continue;
		bool legal = false, seen = false;
		for (int c = 0; c < NUMBER_OF_CMD; c++) {
			if (!(p->command & (1u << c)))
				continue;
			seen = true;
			if (cmd_opts[c][o] != 'x')
				legal = true;
		}
		ctx->at = p->at_opt[o];
		if (seen && !legal)
			return qt_param_error(ctx,
				"Illegal option `-%c' with this command\n",
				opt_chars[o]);
	}
	return 0;
}

static unsigned hooks_of(const struct qt_table *t, const char *chain)
{
	const struct qt_chain *c = qt_table_chain(t, chain);
	return c && c->builtin ? 1u << c->hook : 0;
}

static int ext_checks(struct parsed *p, const struct qt_table *t,
		      struct qt_ctx *ctx)
{
	struct qt_rule_env env = {
		.table = qt_table_def(t->id)->name,
		.chain = p->chain,
		.hooks = p->chain ? hooks_of(t, p->chain) : 0,
		.rule = p->rule,
	};
	struct qt_rule *r = p->rule;
	/* asked before check() may fold the instance into its canonical
	 * form, after which a no-op looks like a bare match */
	uint64_t noop = 0;
	for (unsigned i = 0; i < r->nmatches && i < 64; i++) {
		const struct qt_ext_inst *m = &r->matches[i];
		if (m->ext->is_noop && m->ext->is_noop(m))
			noop |= 1ull << i;
	}
	for (unsigned i = 0; i < r->nmatches; i++) {
		struct qt_ext_inst *m = &r->matches[i];
		ctx->at = at_of_match(p, i);
		if (qt_opt_final(m, &env, ctx))
			return -1;
	}
	ctx->at = p->at_jump;
	if (r->verdict == QT_V_EXT && qt_opt_final(&r->target, &env, ctx))
		return -1;
	const unsigned nat = sizeof(p->at_match) / sizeof(p->at_match[0]);
	for (unsigned i = r->nmatches; i-- > 0;)
		if (i < 64 && (noop >> i & 1)) {
			for (unsigned k = i; k + 1 < nat; k++)
				p->at_match[k] = p->at_match[k + 1];
			qt_rule_del_match(r, i);
			if (p->implicit > i + 1)
				p->implicit--;
			else if (p->implicit == i + 1)
				p->implicit = 0;
		}
	return ctx->status ? -1 : 0;
}

/* ---- operations ---- */

static int find_rule(const struct qt_chain *c, const struct qt_rule *r)
{
	for (unsigned i = 0; i < c->nrules; i++)
		if (qt_rule_equal(c->rules[i], r))
			return (int)i;
	return -1;
}

static unsigned list_format(const struct parsed *p)
{
	unsigned f = QT_FMT_OPTIONS;
	if (!(p->options & (1u << OPT_VERBOSE)))
		f |= QT_FMT_NOCOUNTS;
	else
		f |= QT_FMT_VIA;
	if (p->options & (1u << OPT_NUMERIC))
		f |= QT_FMT_NUMERIC;
	if (!(p->options & (1u << OPT_EXPANDED)))
		f |= QT_FMT_KILOMEGAGIGA;
	if (p->options & (1u << OPT_LINENUMBERS))
		f |= QT_FMT_LINENUMBERS;
	return f;
}

static const struct qt_counters zero_cnt;

static void zero_chain(const struct parsed *p, const struct qt_table *t,
		       struct qt_chain *c)
{
	if (c->builtin)
		qt_cnt_policy_set(p->cnt, t->id, c->hook, zero_cnt);
	if (c->builtin && c->present)
		c->counts_policy = true;
	for (unsigned i = 0; i < c->nrules; i++)
		qt_cnt_rule_set(p->cnt, c->rules[i], zero_cnt);
}

/* A failed netlink batch as iptables-nft reports it: " MSG" after the
 * prefix, or "\nline N: MSG" inside a restore file. Status 4. */
static int batch_error(struct qt_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int batch_error(struct qt_ctx *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bool first = !ctx->status;
	if (first)
		ctx->stage = QT_STAGE_KERNEL;
	if (ctx->restore_line > 0)
		qt_error(ctx, QT_RESOURCE_PROBLEM, "\nline %d: %s",
			 ctx->restore_line, msg);
	else
		qt_error(ctx, QT_RESOURCE_PROBLEM, " %s", msg);
	if (first)
		qt_explain_message(ctx, msg);
	return -1;
}

/* A chain iptables-nft has in the kernel: user chains, and built-in
 * chains once a command created them. */
static struct qt_chain *kernel_chain(struct qt_table *t, const char *name)
{
	struct qt_chain *c = t ? qt_table_chain(t, name) : NULL;
	return c && c->present ? c : NULL;
}

static void materialize_builtins(struct qt_table *t)
{
	for (unsigned i = 0; i < t->nbuiltin; i++)
		t->chains[i]->present = true;
}

static int do_list(struct parsed *p, struct qt_ruleset *rs, enum qt_table_id tid,
		   struct qt_ctx *ctx)
{
	const struct qt_table *t = qt_ruleset_table_view(rs, tid);
	const struct qt_chain *c = NULL;
	if (p->chain) {
		c = qt_table_chain(t, p->chain);
		if (!c)
			return qt_error(ctx, QT_OTHER_PROBLEM,
				"chain `%s' in table `%s' is incompatible, use 'nft' tool.",
				p->chain, qt_table_def(tid)->name);
	}
	if (p->command & CMD_LIST)
		qt_list_table(ctx->out, t, c, p->rulenum, p->cnt,
			      list_format(p));
	else
		qt_list_rules(ctx->out, t, c, p->rulenum, p->cnt,
			      p->options & (1u << OPT_VERBOSE));
	return 0;
}

static void zero_msg(struct parsed *p, const struct qt_chain *c,
		     struct qt_ctx *ctx)
{
	if (p->options & (1u << OPT_VERBOSE))
		qt_buf_printf(ctx->out, "Zeroing chain `%s'\n", c->name);
}

/* -Z alone: only the chains that exist in the kernel. */
static int do_zero(struct parsed *p, struct qt_ruleset *rs, enum qt_table_id tid,
		   struct qt_ctx *ctx)
{
	struct qt_table *t = rs->tables[tid];
	if (p->chain) {
		struct qt_chain *c = kernel_chain(t, p->chain);
		if (p->command & CMD_ZERO_NUM) {
			if (!c)
				return qt_op_error(ctx,
					"Bad rule (does a matching rule exist in that chain?)");
			/* a number past the end is no error in iptables-nft */
			if (p->rulenum <= c->nrules)
				qt_cnt_rule_set(p->cnt, c->rules[p->rulenum - 1],
						zero_cnt);
			return 0;
		}
		if (!c)
			return qt_op_error(ctx, "No chain/target/match by that name");
		zero_msg(p, c, ctx);
		zero_chain(p, t, c);
		return 0;
	}
	for (unsigned i = 0; t && i < t->nchains; i++) {
		if (!t->chains[i]->present)
			continue;
		zero_msg(p, t->chains[i], ctx);
		zero_chain(p, t, t->chains[i]);
	}
	return 0;
}

/* -Z with -L/-S: the listing showed every built-in chain, and zeroing
 * what it showed creates them; without the table it fails. */
static int do_list_zero(struct parsed *p, struct qt_ruleset *rs,
			enum qt_table_id tid, struct qt_ctx *ctx)
{
	struct qt_table *t = rs->tables[tid];
	const struct qt_table *view = qt_ruleset_table_view(rs, tid);
	if (p->command & CMD_ZERO_NUM)
		return do_zero(p, rs, tid, ctx);
	for (unsigned i = 0; i < view->nchains; i++)
		if (!p->chain || !strcmp(view->chains[i]->name, p->chain))
			zero_msg(p, view->chains[i], ctx);
	if (!t)
		return batch_error(ctx,
			"CHAIN_ZERO failed (No such file or directory): chain %s",
			p->chain ? p->chain : view->chains[0]->name);
	for (unsigned i = 0; i < t->nchains; i++) {
		struct qt_chain *c = t->chains[i];
		if (p->chain && strcmp(c->name, p->chain))
			continue;
		c->present = true;
		zero_chain(p, t, c);
	}
	return 0;
}

static int by_seq(const void *a, const void *b)
{
	const struct qt_chain *x = *(const struct qt_chain *const *)a;
	const struct qt_chain *y = *(const struct qt_chain *const *)b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool chain_busy(const struct qt_table *t, const struct qt_chain *c)
{
	return c->nrules || qt_table_chain_refs(t, c->name);
}

/* A busy chain's deletion: refused, or with ctx->kernel_later only
 * reported (0: go on and delete it). */
static int busy_error(const struct qt_chain *c, struct qt_ctx *ctx)
{
	batch_error(ctx, "CHAIN_DEL failed (Device or resource busy): chain %s",
		    c->name);
	return ctx->kernel_later ? 0 : -1;
}

/* Built-in chains can be deleted too (they come back as stand-ins):
 * when empty and with policy ACCEPT. */
static void drop_builtin(const struct parsed *p, const struct qt_table *t,
			 struct qt_chain *c)
{
	c->present = false;
	c->policy = QT_V_ACCEPT;
	c->counts_policy = false;
	qt_cnt_policy_set(p->cnt, t->id, c->hook, zero_cnt);
}

static int do_delete_chain(struct parsed *p, struct qt_table *t,
			   struct qt_ctx *ctx)
{
	bool verbose = p->options & (1u << OPT_VERBOSE);
	if (p->chain) {
		int idx = t ? qt_table_chain_index(t, p->chain) : -1;
		struct qt_chain *c = idx < 0 ? NULL : t->chains[idx];
		if (!c || !c->present)
			return qt_op_error(ctx, "No chain/target/match by that name");
		if (c->builtin) {
			if (c->policy != QT_V_ACCEPT)
				return qt_op_error(ctx, "Directory not empty");
			if (chain_busy(t, c) && busy_error(c, ctx))
				return -1;
			drop_builtin(p, t, c);
			return ctx->status ? -1 : 0;
		}
		if (verbose)
			qt_buf_printf(ctx->out, "Deleting chain `%s'\n", c->name);
		if (chain_busy(t, c) && busy_error(c, ctx))
			return -1;
		qt_table_del_chain(t, (unsigned)idx);
		return ctx->status ? -1 : 0;
	}
	if (!t)
		return 0;
	/* one transaction: every user chain, or nothing. The kernel meets
	 * them in the order they were made and refuses each busy one:
	 * iptables reports the first, iptables-restore every one */
	unsigned nbusy = 0;
	const struct qt_chain **busy = NULL;
	for (unsigned i = t->nbuiltin; i < t->nchains; i++) {
		if (verbose)
			qt_buf_printf(ctx->out, "Deleting chain `%s'\n",
				      t->chains[i]->name);
		if (chain_busy(t, t->chains[i])) {
			if (!busy)
				busy = calloc(t->nchains, sizeof(*busy));
			if (!busy)
				abort();
			busy[nbusy++] = t->chains[i];
		}
	}
	if (nbusy) {
		qsort(busy, nbusy, sizeof(*busy), by_seq);
		int rc = busy_error(busy[0], ctx);
		for (unsigned i = 1; !rc && i < nbusy && ctx->restore_line > 0; i++)
			qt_error_more(ctx, "line %d: CHAIN_DEL failed (Device or "
				      "resource busy): chain %s\n",
				      ctx->restore_line, busy[i]->name);
		free(busy);
		if (rc)
			return -1;
	}
	while (t->nchains > t->nbuiltin)
		qt_table_del_chain(t, t->nbuiltin);
	for (unsigned i = 0; i < t->nbuiltin; i++) {
		struct qt_chain *c = t->chains[i];
		if (c->present && c->policy == QT_V_ACCEPT && !c->nrules)
			drop_builtin(p, t, c);
	}
	return ctx->status ? -1 : 0;
}

static int do_flush(struct parsed *p, struct qt_ruleset *rs,
		    enum qt_table_id tid, struct qt_ctx *ctx)
{
	bool verbose = p->options & (1u << OPT_VERBOSE);
	struct qt_table *t = rs->tables[tid];
	if (p->chain) {
		const struct qt_chain *vc =
			qt_table_chain(qt_ruleset_table_view(rs, tid), p->chain);
		if (!vc || (!vc->builtin && !t))
			return qt_op_error(ctx, "No chain/target/match by that name");
		/* flushing a built-in chain creates it */
		t = qt_ruleset_table(rs, tid, true);
		struct qt_chain *c = qt_table_chain(t, p->chain);
		c->present = true;
		if (verbose)
			qt_buf_printf(ctx->out, "Flushing chain `%s'\n", c->name);
		qt_chain_flush(c);
		return 0;
	}
	if (verbose) {
		/* -v walks the listed chains, stand-ins included */
		t = qt_ruleset_table(rs, tid, true);
		materialize_builtins(t);
	}
	for (unsigned i = 0; t && i < t->nchains; i++) {
		if (verbose)
			qt_buf_printf(ctx->out, "Flushing chain `%s'\n",
				      t->chains[i]->name);
		qt_chain_flush(t->chains[i]);
	}
	return 0;
}

/* The kernel's refusal of rule r, 0 if none; *culprit: the match that
 * refused it, or -1 for the target. */
static int rule_kcheck(const struct qt_rule *r, const struct qt_rule_env *env,
		       int *culprit)
{
	int err = 0;
	for (unsigned i = 0; i < r->nmatches && !err; i++)
		if (r->matches[i].ext->kcheck) {
			err = r->matches[i].ext->kcheck(&r->matches[i], env);
			*culprit = (int)i;
		}
	if (!err && r->verdict == QT_V_EXT && r->target.ext->kcheck) {
		err = r->target.ext->kcheck(&r->target, env);
		*culprit = -1;
	}
	return err;
}

/* A new jump or goto makes the rules of the chains it reaches run at the
 * hooks of the chain it is added to: check them all for those hooks. */
static int jump_kcheck(struct qt_table *t, const struct qt_rule *r,
		       const struct qt_rule_env *env)
{
	if (!env->hooks || (r->verdict != QT_V_JUMP && r->verdict != QT_V_GOTO))
		return 0;
	int to = qt_table_chain_index(t, r->jump);
	if (to < 0)
		return 0;
	unsigned *reached;
	unsigned n = qt_jump_graph_reach(t, (unsigned)to, &reached);
	int err = 0;
	for (unsigned i = 0; i < n && !err; i++) {
		const struct qt_chain *c = t->chains[reached[i]];
		for (unsigned j = 0; j < c->nrules && !err; j++) {
			struct qt_rule_env e = *env;
			e.chain = c->name;
			e.rule = c->rules[j];
			e.base_hooks = 0;
			int culprit;
			err = rule_kcheck(c->rules[j], &e, &culprit);
		}
	}
	free(reached);
	return err;
}

/* Does checking the rule need the hooks its chain runs at? Only an
 * extension with a kernel check asks, and a jump or goto (for the rules
 * it reaches); the others need not bring the summaries up to date. */
static bool wants_hooks(const struct qt_rule *r)
{
	if (r->verdict == QT_V_JUMP || r->verdict == QT_V_GOTO ||
	    (r->verdict == QT_V_EXT && r->target.ext->kcheck))
		return true;
	for (unsigned i = 0; i < r->nmatches; i++)
		if (r->matches[i].ext->kcheck)
			return true;
	return false;
}

/* What the kernel would refuse on -A/-I/-R (extensions' kcheck), reported
 * as iptables-nft reports a failed netlink batch. */
static int kernel_checks(struct parsed *p, struct qt_table *t,
			 const struct qt_chain *c, const struct qt_addr_list *sl,
			 const struct qt_addr_list *dl, struct qt_ctx *ctx)
{
	unsigned cmd = p->command;
	const char *op = cmd == CMD_INSERT ? "RULE_INSERT"
		       : cmd == CMD_REPLACE ? "RULE_REPLACE" : "RULE_APPEND";
	struct qt_rule_env env = {
		.table = qt_table_def(t->id)->name,
		.chain = p->chain,
		.hooks = wants_hooks(p->rule) ? qt_jump_graph_hooks(t, c) : 0,
		.rule = p->rule,
		.op = op,
		.base_hooks = hooks_of(t, p->chain),
		.ruleset = p->rs,
	};
	int culprit = 0;
	int err = rule_kcheck(p->rule, &env, &culprit);
	ctx->at = culprit < 0 ? p->at_jump : at_of_match(p, (unsigned)culprit);
	/* "! -s A/0" (or -d): nf_tables refuses an inverted compare over
	 * zero bytes of address ('!' allows one address only) */
	if (!err && (p->rule->invflags & QT_INV_SRCIP) && sl->n == 1 &&
	    qt_mask_is_zero(sl->family, &sl->mask[0])) {
		err = EINVAL;
		ctx->at = p->at_saddr;
	}
	if (!err && (p->rule->invflags & QT_INV_DSTIP) && dl->n == 1 &&
	    qt_mask_is_zero(dl->family, &dl->mask[0])) {
		err = EINVAL;
		ctx->at = p->at_daddr;
	}
	if (!err) {
		ctx->at = p->at_jump;
		err = jump_kcheck(t, p->rule, &env);
	}
	if (!err)
		return 0;
	return batch_error(ctx, "%s failed (%s): rule in chain %s", op,
			   strerror(err), p->chain);
}

/* How many levels of user chains chain i reaches below itself, saturated
 * at QT_JUMP_LIMIT (a loop reaches infinitely deep). h[] starts at -2;
 * -1 marks a chain on the walk. */
static int chain_height(const struct qt_table *t, int i, int *h)
{
	if (h[i] == -1)
		return QT_JUMP_LIMIT;
	if (h[i] >= 0)
		return h[i];
	h[i] = -1;
	int best = 0;
	const struct qt_chain *c = t->chains[i];
	for (unsigned k = 0; k < c->nrules && best < QT_JUMP_LIMIT; k++) {
		const struct qt_rule *r = c->rules[k];
		if (r->verdict != QT_V_JUMP && r->verdict != QT_V_GOTO)
			continue;
		int j = qt_table_chain_index(t, r->jump);
		if (j < 0 || t->chains[j]->builtin)
			continue;
		int d = chain_height(t, j, h) + 1;
		if (d > best)
			best = d > QT_JUMP_LIMIT ? QT_JUMP_LIMIT : d;
	}
	h[i] = best;
	return best;
}

/* What nf_tables checks when the batch commits: a jump or goto may not
 * lead to a base chain (EOPNOTSUPP, or ENOENT for one iptables-nft has
 * not created), and no base chain may reach a user chain 16 levels down
 * or through a loop (EMLINK). Run after the rules went in. */
static int jump_validate(struct parsed *p, struct qt_table *t,
			 struct qt_ctx *ctx)
{
	unsigned cmd = p->command;
	const char *op = cmd == CMD_INSERT ? "RULE_INSERT"
		       : cmd == CMD_REPLACE ? "RULE_REPLACE" : "RULE_APPEND";
	int err = 0;
	const struct qt_rule *r = p->rule;
	/* only a new jump or goto can make a path longer */
	if (r->verdict != QT_V_JUMP && r->verdict != QT_V_GOTO)
		return 0;
	const struct qt_chain *to = qt_table_chain(t, r->jump);
	if (to && to->builtin)
		err = to->present ? EOPNOTSUPP : ENOENT;
	int from = qt_table_chain_index(t, p->chain);
	int target = qt_table_chain_index(t, r->jump);
	if (!err && from >= 0 && target >= 0) {
		if (t->chains[from]->builtin) {
			/* from a base chain only the target's depth is new
			 * (walking it alone keeps big restores linear) */
			int *h = malloc(t->nchains * sizeof(*h));
			if (!h)
				abort();
			for (unsigned i = 0; i < t->nchains; i++)
				h[i] = -2;
			if (chain_height(t, target, h) + 1 >= QT_JUMP_LIMIT)
				err = EMLINK;
			free(h);
		} else if (qt_jump_graph_too_deep(t)) {
			err = EMLINK;
		}
	}
	if (!err)
		return 0;
	ctx->at = p->at_jump;
	bool first = !ctx->status;
	batch_error(ctx, "%s failed (%s): rule in chain %s", op,
		    strerror(err), p->chain);
	if (first && err == EMLINK)
		ctx->stage = QT_STAGE_VALIDATE;
	return -1;
}

/* -v: the rule with the i-th source and j-th destination address. */
static void print_cmd_rule(struct parsed *p, const struct qt_addr_list *sl,
			   const struct qt_addr_list *dl, unsigned i,
			   unsigned j, struct qt_ctx *ctx)
{
	struct qt_rule *r = qt_rule_clone(p->rule);
	r->src = sl->addr[i];
	r->smsk = sl->mask[i];
	r->dst = dl->addr[j];
	r->dmsk = dl->mask[j];
	qt_rule_print_cmd(ctx->out, r);
	qt_rule_unref(r);
}

static int do_rule_cmd(struct parsed *p, struct qt_table *t,
		       const struct qt_addr_list *sl, const struct qt_addr_list *dl,
		       bool kernel, struct qt_ctx *ctx)
{
	unsigned cmd = p->command;
	bool verbose = p->options & (1u << OPT_VERBOSE);
	struct qt_chain *c = t ? qt_table_chain(t, p->chain) : NULL;
	if (c && c->builtin && (cmd & (CMD_APPEND | CMD_INSERT)))
		c->present = true;  /* a rule creates its built-in chain */
	if (c && !c->present)
		c = NULL;
	ctx->at = p->at_chain;
	if (!c) {
		if (cmd & (CMD_DELETE | CMD_CHECK))
			return qt_op_error(ctx,
				"Bad rule (does a matching rule exist in that chain?)");
		if (cmd == CMD_APPEND && verbose)
			for (unsigned i = 0; i < sl->n * dl->n; i++)
				print_cmd_rule(p, sl, dl, i / dl->n, i % dl->n, ctx);
		return qt_op_error(ctx, "No chain/target/match by that name");
	}
	ctx->at = p->at_rulenum;
	if (cmd == CMD_REPLACE && p->rulenum > c->nrules)
		return qt_op_error(ctx, "Index of replacement too big");
	if (cmd == CMD_INSERT && p->rulenum > c->nrules + 1)
		return qt_op_error(ctx, "Index of insertion too big");
	/* a rule that is not there: the command that looked for it */
	ctx->at = p->at_cmd;
	if (verbose && (cmd & (CMD_APPEND | CMD_INSERT | CMD_REPLACE)))
		for (unsigned i = 0; i < sl->n * dl->n; i++)
			print_cmd_rule(p, sl, dl, i / dl->n, i % dl->n, ctx);
	/* refused by the kernel: in a restore block the rule goes in all the
	 * same (ctx->kernel_later), the status stays */
	int refused = 0;
	if (kernel && (cmd & (CMD_APPEND | CMD_INSERT | CMD_REPLACE)) &&
	    kernel_checks(p, t, c, sl, dl, ctx)) {
		if (!ctx->kernel_later)
			return -1;
		refused = -1;
	}
	/* the summaries of the jump graph follow rules added (the rule a
	 * -R replaces must not be a jump: one taken out may shorten paths
	 * or leave chains unreached, for the next walk to find) */
	const struct qt_rule *old = cmd == CMD_REPLACE ? c->rules[p->rulenum - 1]
						      : NULL;
	bool follow = qt_jump_graph_fresh(t) &&
		      ((cmd & (CMD_APPEND | CMD_INSERT)) ||
		       (old && old->verdict != QT_V_JUMP &&
			old->verdict != QT_V_GOTO));
	for (unsigned i = 0; i < sl->n; i++) {
		for (unsigned j = 0; j < dl->n; j++) {
			struct qt_rule *r = qt_rule_clone(p->rule);
			r->src = sl->addr[i];
			r->smsk = sl->mask[i];
			r->dst = dl->addr[j];
			r->dmsk = dl->mask[j];
			/* ip6tables-nft 1.8.9 sets no rule counters (-c,
			 * restore's [PKTS:BYTES]): its rules start at 0 */
			if ((p->options & (1u << OPT_COUNTERS)) &&
			    r->family != AF_INET6)
				qt_cnt_rule_set(p->cnt, r, (struct qt_counters){
					.pkts = p->set_pcnt,
					.bytes = p->set_bcnt });
			int pos;
			switch (cmd) {
			case CMD_APPEND:
				qt_chain_insert(c, c->nrules, r);
				break;
			case CMD_INSERT:
				qt_chain_insert(c, p->rulenum - 1, r);
				break;
			case CMD_REPLACE:
				qt_chain_replace(c, p->rulenum - 1, r);
				break;
			case CMD_DELETE:
			case CMD_CHECK:
				pos = find_rule(c, r);
				if (pos >= 0 && verbose)
					qt_rule_print_cmd(ctx->out, r);
				qt_rule_unref(r);
				if (pos < 0)
					return qt_op_error(ctx,
						"Bad rule (does a matching rule exist in that chain?)");
				if (cmd == CMD_DELETE)
					qt_chain_delete(c, (unsigned)pos);
				break;
			}
		}
	}
	if (follow)
		qt_jump_graph_added(t, c, p->rule);
	if (kernel && (cmd & (CMD_APPEND | CMD_INSERT | CMD_REPLACE)) &&
	    !refused)
		return jump_validate(p, t, ctx);
	return refused;
}

static int execute(struct parsed *p, struct qt_ruleset *rs,
		   struct qt_cmd_env *env, struct qt_ctx *ctx)
{
	enum qt_table_id tid = (enum qt_table_id)qt_table_lookup(p->table);
	unsigned cmd = p->command;

	ctx->at = p->at_chain;
	if (cmd & (CMD_LIST | CMD_LIST_RULES)) {
		env->read_only = !(cmd & (CMD_ZERO | CMD_ZERO_NUM));
		if (do_list(p, rs, tid, ctx))
			return -1;
		if (cmd & (CMD_ZERO | CMD_ZERO_NUM)) {
			env->changed = true;
			return do_list_zero(p, rs, tid, ctx);
		}
		return 0;
	}

	/* Flush, zero and chain deletion do not create a missing table. */
	bool creates = cmd & (CMD_NEW_CHAIN | CMD_SET_POLICY | CMD_RENAME_CHAIN);
	ctx->at = p->at_chain;
	struct qt_table *t = qt_ruleset_table(rs, tid, creates);
	env->changed = true;

	switch (cmd) {
	case CMD_ZERO:
	case CMD_ZERO_NUM:
		return do_zero(p, rs, tid, ctx);
	case CMD_FLUSH:
		return do_flush(p, rs, tid, ctx);
	case CMD_NEW_CHAIN:
		if (qt_table_chain(t, p->chain))
			return qt_op_error(ctx, "Chain already exists");
		qt_table_add_chain(t, p->chain);
		return 0;
	case CMD_DELETE_CHAIN:
		return do_delete_chain(p, t, ctx);
	case CMD_RENAME_CHAIN: {
		/* iptables-nft looks for the new name first: renaming a
		 * missing chain onto an existing one says "File exists" */
		if (qt_table_chain(t, p->newname)) {
			ctx->at = p->at_newname;
			return qt_op_error(ctx, "File exists");
		}
		int idx = qt_table_chain_index(t, p->chain);
		if (idx < 0 || t->chains[idx]->builtin)
			return qt_op_error(ctx, "No chain/target/match by that name");
		/* rules that jump to the chain follow the new name */
		for (unsigned i = 0; i < t->nchains; i++) {
			struct qt_chain *c = t->chains[i];
			for (unsigned j = 0; j < c->nrules; j++) {
				struct qt_rule *r = c->rules[j];
				if ((r->verdict == QT_V_JUMP || r->verdict == QT_V_GOTO) &&
				    !strcmp(r->jump, p->chain)) {
					struct qt_rule *n = qt_rule_clone(r);
					memset(n->jump, 0, sizeof(n->jump));
					strncpy(n->jump, p->newname, QT_CHAIN_MAXNAMELEN);
					/* the same rule to the user: its
					 * counters go on */
					qt_cnt_rule_set(p->cnt, n,
							qt_cnt_rule(p->cnt, r));
					qt_chain_replace(c, j, n);
				}
			}
		}
		qt_table_rename_chain(t, (unsigned)idx, p->newname);
		return 0;
	}
	case CMD_SET_POLICY: {
		struct qt_chain *c = qt_table_chain(t, p->chain);
		if (!c || !c->builtin)
			return qt_op_error(ctx, "Bad built-in chain name");
		if (!strcmp(p->policy, "ACCEPT"))
			c->policy = QT_V_ACCEPT;
		else if (!strcmp(p->policy, "DROP"))
			c->policy = QT_V_DROP;
		else {
			ctx->at = p->at_policy;
			return qt_op_error(ctx,
				"Bad policy name. Run `dmesg' for more information");
		}
		/* the kernel's chain update zeroes its counters (seen with
		 * traffic: any -P, even the same policy, shows 0 packets
		 * after); iptables-nft accepts -c here and sets nothing */
		qt_cnt_policy_set(p->cnt, t->id, c->hook, zero_cnt);
		c->present = true;
		c->counts_policy = true;
		return 0;
	}
	case CMD_DELETE_NUM: {
		struct qt_chain *c = kernel_chain(t, p->chain);
		if (!c)
			return qt_op_error(ctx, "No chain/target/match by that name");
		ctx->at = p->at_rulenum;
		if (p->rulenum > c->nrules)
			return qt_op_error(ctx, "Index of deletion too big");
		qt_chain_delete(c, p->rulenum - 1);
		return 0;
	}
	}
	return 0;
}

/* "did you mean" for a jump to nowhere: the targets, the verdicts and
 * the table's chains. */
static void suggest_target(const char *name, const struct qt_table *t,
			   struct qt_ctx *ctx)
{
	struct qt_suggest sg;
	suggest_ext(name, QT_EXT_TARGET, &sg);
	qt_suggest_offer(&sg, "ACCEPT");
	qt_suggest_offer(&sg, "DROP");
	qt_suggest_offer(&sg, "RETURN");
	for (unsigned i = 0; t && i < t->nchains; i++)
		qt_suggest_offer(&sg, t->chains[i]->name);
	if (qt_suggest_best(&sg))
		qt_explain_hint(ctx, qt_suggest_best(&sg));
}

static int rule_command(struct parsed *p, struct qt_ruleset *rs,
			struct qt_cmd_env *env, struct qt_ctx *ctx)
{
	enum qt_table_id tid = (enum qt_table_id)qt_table_lookup(p->table);
	struct qt_addr_list sl, dl;
	int rc = -1;

	ctx->at = p->at_saddr;
	const char *any = rs->family == AF_INET6 ? "::/0" : "0.0.0.0/0";
	if (qt_addr_parse_list(p->saddr_arg ? p->saddr_arg : any, rs->family,
			       &sl, ctx))
		return -1;
	ctx->at = p->at_daddr;
	if (qt_addr_parse_list(p->daddr_arg ? p->daddr_arg : any, rs->family,
			       &dl, ctx)) {
		qt_addr_list_free(&sl);
		return -1;
	}
	ctx->at = sl.n != 1 ? p->at_saddr : p->at_daddr;
	if ((sl.n > 1 || dl.n > 1) &&
	    (p->rule->invflags & (QT_INV_SRCIP | QT_INV_DSTIP))) {
		qt_param_error(ctx,
			"! not allowed with multiple source or destination IP addresses");
		goto out;
	}
	if (p->command == CMD_REPLACE && (sl.n != 1 || dl.n != 1)) {
		qt_param_error(ctx, "Replacement rule does not specify a unique address");
		goto out;
	}
	if (generic_opt_check(p, ctx))
		goto out;

	const char *chain = p->chain;
	if (!strcmp(chain, "PREROUTING") || !strcmp(chain, "INPUT")) {
		ctx->at = p->at_opt[OPT_VIANAMEOUT];
		if (p->options & (1u << OPT_VIANAMEOUT)) {
			qt_param_error(ctx, "Can't use -%c with %s\n", 'o', chain);
			goto out;
		}
	}
	if (!strcmp(chain, "POSTROUTING") || !strcmp(chain, "OUTPUT")) {
		ctx->at = p->at_opt[OPT_VIANAMEIN];
		if (p->options & (1u << OPT_VIANAMEIN)) {
			qt_param_error(ctx, "Can't use -%c with %s\n", 'i', chain);
			goto out;
		}
	}

	/* the table as it is or will be, for checks that need chains */
	const struct qt_table *view = qt_ruleset_table_view(rs, tid);
	if (ext_checks(p, view, ctx))
		goto out;
	if (env->no_kernel) {
		/* restore --test: iptables-nft parses only; it asks the
		 * kernel nothing, so chains need not exist */
		rc = 0;
		goto out;
	}
	/* iptables-nft looks for the jump's chain when it prepares the
	 * batch, after the whole command (or restore block) was read */
	ctx->stage = QT_STAGE_JUMP;
	if ((p->rule->verdict == QT_V_JUMP || p->rule->verdict == QT_V_GOTO) &&
	    !qt_table_chain(view, p->rule->jump)) {
		ctx->at = p->at_jump;
		bool first = !ctx->status;
		qt_param_error(ctx, "Chain '%s' does not exist", p->rule->jump);
		if (first && ctx->explain)
			suggest_target(p->rule->jump, view, ctx);
		goto out;
	}
	ctx->stage = QT_STAGE_PREPARE;

	/* -A/-I create the table and their built-in chain */
	bool creates = p->command & (CMD_APPEND | CMD_INSERT);
	struct qt_table *t = qt_ruleset_table(rs, tid, creates);
	env->changed = true;
	p->rs = rs;
	rc = do_rule_cmd(p, t, &sl, &dl, !env->no_kernel, ctx);
	if (p->command == CMD_CHECK)
		env->read_only = true;
out:
	qt_addr_list_free(&sl);
	qt_addr_list_free(&dl);
	return rc;
}

int qt_command_run(struct qt_ruleset *rs, const struct qt_words *words,
		   struct qt_cmd_env *env, struct qt_ctx *ctx)
{
	struct parsed p;
	memset(&p, 0, sizeof(p));
	p.table = env->restore_table ? env->restore_table : "filter";
	p.rule = qt_rule_new(rs->family);
	p.cnt = env->cnt;
	bool had[QT_NTABLES];
	for (int i = 0; i < QT_NTABLES; i++)
		had[i] = rs->tables[i] != NULL;
	env->changed = false;
	env->read_only = false;
	ctx->stage = QT_STAGE_PARSE;
	ctx->words = words;
	ctx->at = (struct qt_at){ 0 };
	ctx->at_loc = (struct qt_loc){ 0, 0 };   /* the whole line */

	int rc = parse_words(&p, words, env, ctx);
	if (rc == 1) { /* -6: nothing to do */
		qt_rule_unref(p.rule);
		env->read_only = true;
		ctx->words = NULL;
		return 0;
	}
	if (rc)
		goto out;
	if (p.wait_interval && !p.wait) {
		ctx->at = p.at_wait_interval;
		qt_param_error(ctx, "--wait-interval only makes sense with --wait\n");
		goto out;
	}

	if (p.command & CMD_HELP) {
		qt_command_help(ctx->out, ctx->prog, p.rule->family);
		ext_help(&p, ctx);
		env->read_only = true;
		goto out;
	}
	if (p.command & CMD_VERSION) {
		qt_buf_printf(ctx->out, "%s v%s (%s)\n", ctx->prog,
			      QT_IPTABLES_VERSION, QT_BACKEND);
		env->read_only = true;
		goto out;
	}

	ctx->at = p.policy ? p.at_policy : p.at_jump;
	if (!strcmp(p.table, "nat") &&
	    ((p.policy && !strcmp(p.policy, "DROP")) ||
	     (p.jumpto && !strcmp(p.jumpto, "DROP")))) {
		qt_param_error(ctx,
			"\nThe \"nat\" table is not intended for filtering, "
			"the use of DROP is therefore inhibited.\n\n");
		goto out;
	}
	if (p.leftover) {
		ctx->at = p.at_leftover;
		qt_param_error(ctx, "unknown arguments found on commandline");
		goto out;
	}
	if (!p.command) {
		ctx->at = (struct qt_at){ 0 };
		qt_param_error(ctx, "no command specified");
		goto out;
	}
	if (p.chain && strlen(p.chain) >= QT_CHAIN_MAXNAMELEN) {
		ctx->at = p.at_chain;
		qt_param_error(ctx, "chain name `%s' too long (must be under %u chars)",
			       p.chain, QT_CHAIN_MAXNAMELEN);
		goto out;
	}

	if (p.command & (CMD_APPEND | CMD_INSERT | CMD_REPLACE | CMD_DELETE |
			 CMD_CHECK)) {
		rule_command(&p, rs, env, ctx);
		goto out;
	}
	if (generic_opt_check(&p, ctx))
		goto out;
	if (!env->no_kernel) {
		ctx->stage = QT_STAGE_PREPARE;
		execute(&p, rs, env, ctx);
	}
out:
	/* a table made anew has new chains: their policy counters start
	 * at zero (whatever counted before under the same name) */
	for (int i = 0; i < QT_NTABLES; i++)
		if (!had[i] && rs->tables[i])
			qt_cnt_policy_zero_table(p.cnt, (enum qt_table_id)i);
	qt_rule_unref(p.rule);
	ctx->words = NULL;
	ctx->at = (struct qt_at){ 0 };
	return ctx->status;
}
