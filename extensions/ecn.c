/* -m ecn: the ECN codepoint of the IP header (--ecn-ip-ect, both
 * families) and the TCP header's ECE and CWR flags, each with its own
 * '!' (xt_ecn). The flags need a rule of -p tcp (the kernel's
 * checkentry refuses them otherwise, whatever the order of options). */
#include <errno.h>
#include <sys/socket.h>

#include "dsfield.h"
#include "eval.h"
#include "ext.h"
#include "model.h"

#define ECN_OP_IP  0x01        /* XT_ECN_OP_MATCH_IP */
#define ECN_OP_ECE 0x10        /* XT_ECN_OP_MATCH_ECE */
#define ECN_OP_CWR 0x20        /* XT_ECN_OP_MATCH_CWR */

struct ecn_data {
	uint8_t operation;
	uint8_t invert;        /* the ops given with '!' */
	uint8_t ip_ect;
};

enum { O_ECN_TCP_CWR, O_ECN_TCP_ECE, O_ECN_IP_ECT };

static const struct qt_ext_opt ecn_opts[] = {
	{ .name = "ecn-tcp-cwr", .id = O_ECN_TCP_CWR, .type = QT_OT_BITS,
	  .flags = QT_OPT_INVERT, .value = ECN_OP_CWR,
	  QT_PUT(struct ecn_data, operation),
	  QT_INV(struct ecn_data, invert, ECN_OP_CWR) },
	{ .name = "ecn-tcp-ece", .id = O_ECN_TCP_ECE, .type = QT_OT_BITS,
	  .flags = QT_OPT_INVERT, .value = ECN_OP_ECE,
	  QT_PUT(struct ecn_data, operation),
	  QT_INV(struct ecn_data, invert, ECN_OP_ECE) },
	{ .name = "ecn-ip-ect", .id = O_ECN_IP_ECT, .type = QT_OT_UINT,
	  .max = 3, .flags = QT_OPT_INVERT,
	  QT_PUT(struct ecn_data, ip_ect),
	  QT_INV(struct ecn_data, invert, ECN_OP_IP) },
	{ .name = NULL },
};

static int ecn_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct ecn_data *d = in->data;
	(void)ctx;
	if (a->opt->id == O_ECN_IP_ECT)
		d->operation |= ECN_OP_IP;
	return 0;
}

static int ecn_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		     struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx, "ECN match: some option required");
	return 0;
}

static int ecn_kcheck(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env)
{
	const struct ecn_data *d = in->data;
	if ((d->operation & (ECN_OP_ECE | ECN_OP_CWR)) &&
	    !qt_rule_proto_is(env->rule, IPPROTO_TCP))
		return EINVAL;
	return 0;
}

static void ecn_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct ecn_data *d = in->data;
	if (d->operation & ECN_OP_ECE)
		qt_buf_printf(b, "%s --ecn-tcp-ece",
			      d->invert & ECN_OP_ECE ? " !" : "");
	if (d->operation & ECN_OP_CWR)
		qt_buf_printf(b, "%s --ecn-tcp-cwr",
			      d->invert & ECN_OP_CWR ? " !" : "");
	if (d->operation & ECN_OP_IP)
		qt_buf_printf(b, "%s --ecn-ip-ect %u",
			      d->invert & ECN_OP_IP ? " !" : "", d->ip_ect);
}

static void ecn_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct ecn_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " ECN match");
	if (d->operation & ECN_OP_ECE)
		qt_buf_printf(b, " %sECE", d->invert & ECN_OP_ECE ? "!" : "");
	if (d->operation & ECN_OP_CWR)
		qt_buf_printf(b, " %sCWR", d->invert & ECN_OP_CWR ? "!" : "");
	if (d->operation & ECN_OP_IP)
		qt_buf_printf(b, " %sECT=%u", d->invert & ECN_OP_IP ? "!" : "",
			      d->ip_ect);
}

/* ---- engine: xt_ecn's ecn_mt4 and ecn_mt6 ----
 * The flags are read where nf_tables puts the transport header, which
 * xt_ecn takes without looking at fragments: after the IPv4 header,
 * fragment or not (a non-first fragment's payload); after IPv6's
 * extension headers, but for a non-first IPv6 fragment at offset 0,
 * the IPv6 header itself (nft_set_pktinfo_ipv6 starts the offset at 0
 * and ipv6_find_hdr returns at such a fragment without setting it). A
 * header the packet does not hold whole fails the match. Both checked
 * against the kernel's twin (mangle_dsfield.bats). */
static bool ecn_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct ecn_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (d->operation & ECN_OP_IP) {
		bool eq = (qt_dsfield_get(ev) & 3) == d->ip_ect;
		if (eq == !!(d->invert & ECN_OP_IP))
			return false;
	}
	if (!(d->operation & (ECN_OP_ECE | ECN_OP_CWR)))
		return true;
	const uint8_t *th;
	uint32_t avail;
	uint32_t end = p->ip_len < ev->len ? p->ip_len : ev->len;
	if (p->family == AF_INET) {
		th = ev->data + p->ihl;
		avail = end > p->ihl ? end - p->ihl : 0;
	} else if (p->frag_hdr && p->frag_off) {
		th = ev->data;
		avail = end;
	} else {
		th = qt_pkt_th(p, &avail);
		if (!th)
			return false;
	}
	if (avail < 20)
		return false;
	uint8_t flags = th[13];
	if (d->operation & ECN_OP_ECE) {
		bool set = flags & 0x40;
		if (set == !!(d->invert & ECN_OP_ECE))
			return false;
	}
	if (d->operation & ECN_OP_CWR) {
		bool set = flags & 0x80;
		if (set == !!(d->invert & ECN_OP_CWR))
			return false;
	}
	return true;
}

static const struct qt_ext ecn_match = {
	.name = "ecn",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct ecn_data),
	.opts = ecn_opts,
	.parse = ecn_parse,
	.check = ecn_check,
	.kcheck = ecn_kcheck,
	.save = ecn_save,
	.print = ecn_print,
	.match = ecn_match_pkt,
	.help_header = "ECN match options",
	.help =
		"[!] --ecn-tcp-cwr \t\tMatch CWR bit of TCP header\n"
		"[!] --ecn-tcp-ece\t\tMatch ECE bit of TCP header\n"
		"[!] --ecn-ip-ect [0..3]\tMatch ECN codepoint in IPv4/IPv6 header\n",
};
QT_EXT_REGISTER(ecn_match)
