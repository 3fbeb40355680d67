/* -m icmp6 (also loaded implicitly by -p icmpv6 / ipv6-icmp / 58 in
 * ip6tables): --icmpv6-type by name, number or type/code. Facts from
 * ip6tables-nft 1.8.9: names match by case-insensitive prefix (a
 * prefix of two names is ambiguous), save is always numeric, -L shows
 * the name unless -n ("ipv6-icmptype N" otherwise, glued as ip6tables
 * prints it), type 255 is no "any", and the kernel wants a plain
 * -p ipv6-icmp. */
#include <errno.h>
#include <netinet/in.h>

#include "eval.h"
#include "ext.h"
#include "icmp_types.h"
#include "model.h"

struct icmp6_data {
	uint8_t type;
	uint8_t code[2];       /* inclusive code range */
	uint8_t invert;
};

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
	"ICMPv6", icmp6_names, sizeof(icmp6_names) / sizeof(icmp6_names[0]),
};

static int icmp6_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	struct icmp6_data *d = in->data;
	if (qt_icmp_parse(&icmp6_family, a->arg,
			  (struct qt_icmp_sel){ &d->type, d->code }, ctx))
		return -1;
	d->invert = a->invert;
	return 0;
}

static int icmp6_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		       struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (1u << O_ICMPV6_TYPE)))
		return qt_param_error(ctx,
			"icmp6: option \"--icmpv6-type\" must be specified\n");
	return 0;
}

static int icmp6_kcheck(const struct qt_ext_inst *in,
			const struct qt_rule_env *env)
{
	(void)in;
	return qt_rule_proto_is(env->rule, IPPROTO_ICMPV6) ? 0 : EINVAL;
}

static void icmp6_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct icmp6_data *d = in->data;
	if (d->invert)
		qt_buf_puts(b, " !");
	if (qt_icmp_all_codes(d->code))
		qt_buf_printf(b, " --icmpv6-type %u", d->type);
	else
		qt_buf_printf(b, " --icmpv6-type %u/%u", d->type, d->code[0]);
}

static void icmp6_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct icmp6_data *d = in->data;
	qt_buf_puts(b, " ipv6-icmp");
	qt_icmp_print(&icmp6_family, d->type, d->code, d->invert, numeric, b);
}

/* ---- engine: ip6t_icmp6 (icmp6_match) ----
 * A non-first fragment does not match; a first fragment without the
 * 8-byte ICMPv6 header is dropped; type and code in range, '!'
 * inverting the whole. */
static bool icmp6_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct icmp6_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (!p->l4 || p->frag_off)
		return false;
	if (p->l4_len < 8) {
		ev->hotdrop = true;
		return false;
	}
	uint8_t type = p->l4[0], code = p->l4[1];
	bool m = type == d->type && code >= d->code[0] && code <= d->code[1];
	return m != !!d->invert;
}

static const struct qt_ext icmp6_match = {
	.name = "icmp6",
	.alias = "icmpv6",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.proto = IPPROTO_ICMPV6,
	.data_size = sizeof(struct icmp6_data),
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
