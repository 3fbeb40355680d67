/* -m icmp6 (also loaded implicitly by -p icmpv6 / ipv6-icmp / 58 in
 * ip6tables): --icmpv6-type by name, number or type/code. Facts from
 * ip6tables-nft 1.8.9: names match by case-insensitive prefix (a
 * prefix of two names is ambiguous), save is always numeric, -L shows
 * the name unless -n ("ipv6-icmptype N" otherwise, glued as ip6tables
 * prints it), type 255 is no "any", and the kernel wants a plain
 * -p ipv6-icmp. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eval.h"
#include "ext.h"
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
static const struct icmp6_name {
	const char *name;
	uint8_t type, min, max;
} icmp6_names[] = {
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
#define NNAMES (sizeof(icmp6_names) / sizeof(icmp6_names[0]))

/* "TYPE" or "TYPE/CODE", numbers in any C base, in ip6tables' words:
 * no number or one above 255 is an unknown type/code (quoting the
 * whole argument), anything else left over an "unknown character". */
static int parse_numeric(const char *arg, struct icmp6_data *d,
			 struct qt_ctx *ctx)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 0);
	if (end == arg || v > 0xFF)
		return qt_param_error(ctx, "Unknown ICMPv6 type `%s'", arg);
	d->type = (uint8_t)v;
	d->code[0] = 0;
	d->code[1] = 0xFF;
	if (*end == '/') {
		const char *c = end + 1;
		v = strtoul(c, &end, 0);
		if (end == c || v > 0xFF)
			return qt_param_error(ctx, "Unknown ICMPv6 code `%s'", arg);
		d->code[0] = d->code[1] = (uint8_t)v;
	}
	if (*end)
		return qt_param_error(ctx, "unknown character %c", *end);
	return 0;
}

static int icmp6_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	struct icmp6_data *d = in->data;
	size_t len = strlen(a->arg);
	const struct icmp6_name *found = NULL;

	for (size_t i = 0; i < NNAMES; i++) {
		if (strncasecmp(icmp6_names[i].name, a->arg, len))
			continue;
		if (found)
			return qt_param_error(ctx,
				"Ambiguous ICMPv6 type `%s': `%s' or `%s'?",
				a->arg, found->name, icmp6_names[i].name);
		found = &icmp6_names[i];
	}
	if (found) {
		d->type = found->type;
		d->code[0] = found->min;
		d->code[1] = found->max;
	} else if (parse_numeric(a->arg, d, ctx)) {
		return -1;
	}
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

static bool all_codes(const struct icmp6_data *d)
{
	return d->code[0] == 0 && d->code[1] == 0xFF;
}

static void icmp6_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct icmp6_data *d = in->data;
	if (d->invert)
		qt_buf_puts(b, " !");
	if (all_codes(d))
		qt_buf_printf(b, " --icmpv6-type %u", d->type);
	else
		qt_buf_printf(b, " --icmpv6-type %u/%u", d->type, d->code[0]);
}

static void icmp6_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct icmp6_data *d = in->data;
	qt_buf_puts(b, " ipv6-icmp");
	if (!numeric) {
		for (size_t i = 0; i < NNAMES; i++) {
			const struct icmp6_name *n = &icmp6_names[i];
			if (n->type == d->type && n->min == d->code[0] &&
			    n->max == d->code[1]) {
				qt_buf_printf(b, " %s%s", d->invert ? "!" : "",
					      n->name);
				return;
			}
		}
	}
	if (d->invert)
		qt_buf_puts(b, " !");
	qt_buf_printf(b, "type %u", d->type);
	if (d->code[0] == d->code[1])
		qt_buf_printf(b, " code %u", d->code[0]);
	else if (!all_codes(d))
		qt_buf_printf(b, " codes %u-%u", d->code[0], d->code[1]);
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
