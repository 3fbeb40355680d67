/* -m icmp6 (also loaded implicitly by -p icmpv6 / ipv6-icmp / 58 in
 * ip6tables): --icmpv6-type by name, number or type/code. Facts from
 * ip6tables-nft 1.8.9: names match by case-insensitive prefix (a
 * prefix of two names is ambiguous), save is always numeric, -L shows
 * the name unless -n ("ipv6-icmptype N" otherwise, glued as ip6tables
 * prints it), type 255 is no "any", and the kernel wants a plain
 * -p ipv6-icmp. */
#include <netinet/in.h>

#include "eval.h"
#include "ext.h"
#include "icmp_types.h"

enum { O_ICMPV6_TYPE };

static const struct qt_ext_opt icmp6_opts[] = {
	{ .name = "icmpv6-type", .id = O_ICMPV6_TYPE, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT },
	{ .name = NULL },
};

/* ip6tables' table, in its order: the order decides which two names an
 * ambiguity message shows and which name -L prints for a type/code. */
static const struct qt_icmp_name icmp6_names[] = {
	{ "destination-unreachable", 1, 0, 0xFF },
	{ "no-route", 1, 0, 0 },
	{ "communication-prohibited", 1, 1, 1 },
	{ "beyond-scope", 1, 2, 2 },
	{ "address-unreachable", 1, 3, 3 },
	{ "port-unreachable", 1, 4, 4 },
	{ "failed-policy", 1, 5, 5 },
	{ "reject-route", 1, 6, 6 },
	{ "packet-too-big", 2, 0, 0xFF },
	{ "time-exceeded", 3, 0, 0xFF },
	{ "ttl-exceeded", 3, 0, 0xFF },
	{ "ttl-zero-during-transit", 3, 0, 0 },
	{ "ttl-zero-during-reassembly", 3, 1, 1 },
	{ "parameter-problem", 4, 0, 0xFF },
	{ "bad-header", 4, 0, 0 },
	{ "unknown-header-type", 4, 1, 1 },
	{ "unknown-option", 4, 2, 2 },
	{ "echo-request", 128, 0, 0xFF },
	{ "ping", 128, 0, 0xFF },
	{ "echo-reply", 129, 0, 0xFF },
	{ "pong", 129, 0, 0xFF },
	{ "router-solicitation", 133, 0, 0xFF },
	{ "router-advertisement", 134, 0, 0xFF },
	{ "neighbour-solicitation", 135, 0, 0xFF },
	{ "neighbor-solicitation", 135, 0, 0xFF },
	{ "neighbour-advertisement", 136, 0, 0xFF },
	{ "neighbor-advertisement", 136, 0, 0xFF },
	{ "redirect", 137, 0, 0xFF },
};
static const struct qt_icmp_family icmp6_family = {
	.word = "ICMPv6",
	.names = icmp6_names,
	.nnames = sizeof(icmp6_names) / sizeof(icmp6_names[0]),
	.ext = "icmp6",
	.opt = "icmpv6-type",
	.proto_word = "ipv6-icmp",
	.proto = IPPROTO_ICMPV6,
	.any = false,
};

static int icmp6_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	return qt_icmp_match_parse(&icmp6_family, in, a, ctx);
}

static int icmp6_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		       struct qt_ctx *ctx)
{
	(void)env;
	return qt_icmp_match_check(&icmp6_family, in, ctx);
}

static int icmp6_kcheck(const struct qt_ext_inst *in,
			const struct qt_rule_env *env)
{
	(void)in;
	return qt_icmp_match_kcheck(&icmp6_family, env);
}

static void icmp6_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	qt_icmp_match_save(&icmp6_family, in, b);
}

static void icmp6_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	qt_icmp_match_print(&icmp6_family, in, b, numeric);
}

static bool icmp6_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	return qt_icmp_match_pkt(&icmp6_family, in, ev);
}

static const struct qt_ext icmp6_match = {
	.name = "icmp6",
	.alias = "icmpv6",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.proto = IPPROTO_ICMPV6,
	.data_size = sizeof(struct qt_icmp_match),
	.opts = icmp6_opts,
	.parse = icmp6_parse,
	.check = icmp6_check,
	.kcheck = icmp6_kcheck,
	.save = icmp6_save,
	.print = icmp6_print,
	.match = icmp6_match_pkt,
	.help_header = "icmpv6 match options:",
	.help =
		"[!] --icmpv6-type typename\tmatch icmpv6 type\n"
		"\t\t\t\t(or numeric type or type/code)\n"
		"Valid ICMPv6 Types:\n"
		"destination-unreachable\n"
		"   no-route\n"
		"   communication-prohibited\n"
		"   beyond-scope\n"
		"   address-unreachable\n"
		"   port-unreachable\n"
		"   failed-policy\n"
		"   reject-route\n"
		"packet-too-big\n"
		"time-exceeded (ttl-exceeded)\n"
		"   ttl-zero-during-transit\n"
		"   ttl-zero-during-reassembly\n"
		"parameter-problem\n"
		"   bad-header\n"
		"   unknown-header-type\n"
		"   unknown-option\n"
		"echo-request (ping)\n"
		"echo-reply (pong)\n"
		"router-solicitation\n"
		"router-advertisement\n"
		"neighbour-solicitation (neighbor-solicitation)\n"
		"neighbour-advertisement (neighbor-advertisement)\n"
		"redirect\n",
};
QT_EXT_REGISTER(icmp6_match)
