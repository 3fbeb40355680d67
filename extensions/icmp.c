/* -m icmp (also loaded implicitly by -p icmp): --icmp-type by name,
 * number or type/code. Facts from iptables-nft 1.8.9: names match by
 * case-insensitive prefix (a prefix of two names is ambiguous), save is
 * always numeric ("any" excepted), -L shows the name unless -n, and the
 * match goes to the kernel, which wants a plain -p icmp. */
#include <errno.h>
#include <netinet/in.h>

#include "eval.h"
#include "ext.h"
#include "icmp_types.h"
#include "model.h"

#define ICMP_ANY 0xFF  /* type 255 with all codes: "any" */

struct icmp_data {
	uint8_t type;
	uint8_t code[2];       /* inclusive code range */
	uint8_t invert;
};

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
	"ICMP", icmp_names, sizeof(icmp_names) / sizeof(icmp_names[0]),
};

static int icmp_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct icmp_data *d = in->data;
	if (qt_icmp_parse(&icmp_family, a->arg,
			  (struct qt_icmp_sel){ &d->type, d->code }, ctx))
		return -1;
	d->invert = a->invert;
	return 0;
}

static int icmp_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		      struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (1u << O_ICMP_TYPE)))
		return qt_param_error(ctx,
			"icmp: option \"--icmp-type\" must be specified\n");
	return 0;
}

static int icmp_kcheck(const struct qt_ext_inst *in,
		       const struct qt_rule_env *env)
{
	(void)in;
	return qt_rule_proto_is(env->rule, IPPROTO_ICMP) ? 0 : EINVAL;
}

static void icmp_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct icmp_data *d = in->data;
	if (d->invert)
		qt_buf_puts(b, " !");
	if (d->type == ICMP_ANY && qt_icmp_all_codes(d->code))
		qt_buf_puts(b, " --icmp-type any");
	else if (qt_icmp_all_codes(d->code))
		qt_buf_printf(b, " --icmp-type %u", d->type);
	else
		qt_buf_printf(b, " --icmp-type %u/%u", d->type, d->code[0]);
}

static void icmp_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct icmp_data *d = in->data;
	qt_buf_puts(b, " icmp");
	qt_icmp_print(&icmp_family, d->type, d->code, d->invert, numeric, b);
}


/* ---- engine: xt_icmp (icmp_match) ----
 * A non-first fragment does not match; a first fragment without the
 * 8-byte ICMP header is dropped; type 255 ("any") takes every type and
 * code (icmp_type_code_match), '!' inverting the whole. */
static bool icmp_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct icmp_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (!p->l4 || p->frag_off)
		return false;
	if (p->l4_len < 8) {
		ev->hotdrop = true;
		return false;
	}
	uint8_t type = p->l4[0], code = p->l4[1];
	bool m = d->type == ICMP_ANY ||
		 (type == d->type && code >= d->code[0] && code <= d->code[1]);
	return m != !!d->invert;
}


static const struct qt_ext icmp_match = {
	.name = "icmp",
	.kind = QT_EXT_MATCH,
	.family = AF_INET,
	.proto = IPPROTO_ICMP,
	.data_size = sizeof(struct icmp_data),
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
