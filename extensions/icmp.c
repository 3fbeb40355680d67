/* -m icmp (also loaded implicitly by -p icmp): --icmp-type by name,
 * number or type/code. Facts from iptables-nft 1.8.9: names match by
 * case-insensitive prefix (a prefix of two names is ambiguous), save is
 * always numeric ("any" excepted), -L shows the name unless -n, and the
 * match goes to the kernel, which wants a plain -p icmp. */
#include <netinet/in.h>

#include "eval.h"
#include "ext.h"
#include "icmp_types.h"

enum { O_ICMP_TYPE };

static const struct qt_ext_opt icmp_opts[] = {
	{ .name = "icmp-type", .id = O_ICMP_TYPE, .type = QT_OT_RAW, .flags = QT_OPT_INVERT },
	{ .name = NULL },
};

/* iptables' table, in its order: the order decides which two names an
 * ambiguity message shows and which name -L prints for a type/code. */
static const struct qt_icmp_name icmp_names[] = {
	{ "any", 0xFF, 0, 0xFF },
	{ "echo-reply", 0, 0, 0xFF },
	{ "pong", 0, 0, 0xFF },
	{ "destination-unreachable", 3, 0, 0xFF },
	{ "network-unreachable", 3, 0, 0 },
	{ "host-unreachable", 3, 1, 1 },
	{ "protocol-unreachable", 3, 2, 2 },
	{ "port-unreachable", 3, 3, 3 },
	{ "fragmentation-needed", 3, 4, 4 },
	{ "source-route-failed", 3, 5, 5 },
	{ "network-unknown", 3, 6, 6 },
	{ "host-unknown", 3, 7, 7 },
	{ "network-prohibited", 3, 9, 9 },
	{ "host-prohibited", 3, 10, 10 },
	{ "TOS-network-unreachable", 3, 11, 11 },
	{ "TOS-host-unreachable", 3, 12, 12 },
	{ "communication-prohibited", 3, 13, 13 },
	{ "host-precedence-violation", 3, 14, 14 },
	{ "precedence-cutoff", 3, 15, 15 },
	{ "source-quench", 4, 0, 0xFF },
	{ "redirect", 5, 0, 0xFF },
	{ "network-redirect", 5, 0, 0 },
	{ "host-redirect", 5, 1, 1 },
	{ "TOS-network-redirect", 5, 2, 2 },
	{ "TOS-host-redirect", 5, 3, 3 },
	{ "echo-request", 8, 0, 0xFF },
	{ "ping", 8, 0, 0xFF },
	{ "router-advertisement", 9, 0, 0xFF },
	{ "router-solicitation", 10, 0, 0xFF },
	{ "time-exceeded", 11, 0, 0xFF },
	{ "ttl-exceeded", 11, 0, 0xFF },
	{ "ttl-zero-during-transit", 11, 0, 0 },
	{ "ttl-zero-during-reassembly", 11, 1, 1 },
	{ "parameter-problem", 12, 0, 0xFF },
	{ "ip-header-bad", 12, 0, 0 },
	{ "required-option-missing", 12, 1, 1 },
	{ "timestamp-request", 13, 0, 0xFF },
	{ "timestamp-reply", 14, 0, 0xFF },
	{ "address-mask-request", 17, 0, 0xFF },
	{ "address-mask-reply", 18, 0, 0xFF },
};
static const struct qt_icmp_family icmp_family = {
	.word = "ICMP",
	.names = icmp_names,
	.nnames = sizeof(icmp_names) / sizeof(icmp_names[0]),
	.ext = "icmp",
	.opt = "icmp-type",
	.proto_word = "icmp",
	.proto = IPPROTO_ICMP,
	.any = true,
};

static int icmp_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	return qt_icmp_match_parse(&icmp_family, in, a, ctx);
}

static int icmp_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		      struct qt_ctx *ctx)
{
	(void)env;
	return qt_icmp_match_check(&icmp_family, in, ctx);
}

static int icmp_kcheck(const struct qt_ext_inst *in,
		       const struct qt_rule_env *env)
{
	(void)in;
	return qt_icmp_match_kcheck(&icmp_family, env);
}

static void icmp_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	qt_icmp_match_save(&icmp_family, in, b);
}

static void icmp_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	qt_icmp_match_print(&icmp_family, in, b, numeric);
}

static bool icmp_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	return qt_icmp_match_pkt(&icmp_family, in, ev);
}

static const struct qt_ext icmp_match = {
	.name = "icmp",
	.kind = QT_EXT_MATCH,
	.family = AF_INET,
	.proto = IPPROTO_ICMP,
	.data_size = sizeof(struct qt_icmp_match),
	.opts = icmp_opts,
	.parse = icmp_parse,
	.check = icmp_check,
	.kcheck = icmp_kcheck,
	.save = icmp_save,
	.print = icmp_print,
	.match = icmp_match_pkt,
	.help =
		"[!] --icmp-type typename\tmatch icmp type\n"
		"[!] --icmp-type type[/code]\t(or numeric type or type/code)\n"
		"Valid ICMP Types:\n"
		"any\n"
		"echo-reply (pong)\n"
		"destination-unreachable\n"
		"   network-unreachable\n"
		"   host-unreachable\n"
		"   protocol-unreachable\n"
		"   port-unreachable\n"
		"   fragmentation-needed\n"
		"   source-route-failed\n"
		"   network-unknown\n"
		"   host-unknown\n"
		"   network-prohibited\n"
		"   host-prohibited\n"
		"   TOS-network-unreachable\n"
		"   TOS-host-unreachable\n"
		"   communication-prohibited\n"
		"   host-precedence-violation\n"
		"   precedence-cutoff\n"
		"source-quench\n"
		"redirect\n"
		"   network-redirect\n"
		"   host-redirect\n"
		"   TOS-network-redirect\n"
		"   TOS-host-redirect\n"
		"echo-request (ping)\n"
		"router-advertisement\n"
		"router-solicitation\n"
		"time-exceeded (ttl-exceeded)\n"
		"   ttl-zero-during-transit\n"
		"   ttl-zero-during-reassembly\n"
		"parameter-problem\n"
		"   ip-header-bad\n"
		"   required-option-missing\n"
		"timestamp-request\n"
		"timestamp-reply\n"
		"address-mask-request\n"
		"address-mask-reply\n",
};
QT_EXT_REGISTER(icmp_match)
