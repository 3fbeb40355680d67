/* -j ECN: set the ECN codepoint of the IPv4 header and the TCP
 * header's ECE and CWR flags, in the mangle table only (ipt_ECN, IPv4
 * only). --ecn-tcp-remove is ECE and CWR set to 0 and, as libipt_ECN
 * parses it, replaces the operations given before it (an earlier
 * --ecn-ip-ect is forgotten). The TCP flags need a rule of -p tcp (the
 * kernel's checkentry). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"
#include "dsfield.h"
#include "eval.h"
#include "ext.h"
#include "model.h"

#define ECN_OP_SET_IP  0x01    /* IPT_ECN_OP_SET_IP */
#define ECN_OP_SET_ECE 0x10    /* IPT_ECN_OP_SET_ECE */
#define ECN_OP_SET_CWR 0x20    /* IPT_ECN_OP_SET_CWR */

struct ecn_tg_data {
	uint8_t operation;
	uint8_t ip_ect;
	uint8_t ece, cwr;
};

enum { O_ECN_TCP_REMOVE, O_ECN_TCP_CWR, O_ECN_TCP_ECE, O_ECN_IP_ECT };

static const struct qt_ext_opt ecn_tg_opts[] = {
	{ .name = "ecn-tcp-remove", .id = O_ECN_TCP_REMOVE, .type = QT_OT_NONE,
	  .excl = QT_BIT(O_ECN_TCP_CWR) | QT_BIT(O_ECN_TCP_ECE) },
	{ .name = "ecn-tcp-cwr", .id = O_ECN_TCP_CWR, .type = QT_OT_UINT,
	  .max = 1, .excl = QT_BIT(O_ECN_TCP_REMOVE) },
	{ .name = "ecn-tcp-ece", .id = O_ECN_TCP_ECE, .type = QT_OT_UINT,
	  .max = 1, .excl = QT_BIT(O_ECN_TCP_REMOVE) },
	{ .name = "ecn-ip-ect", .id = O_ECN_IP_ECT, .type = QT_OT_UINT,
	  .max = 3 },
	{ .name = NULL },
};

static int ecn_tg_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct ecn_tg_data *d = in->data;
	uint8_t v = (uint8_t)a->val.u;
	(void)ctx;
	switch (a->opt->id) {
	case O_ECN_TCP_REMOVE:
		d->operation = ECN_OP_SET_ECE | ECN_OP_SET_CWR;
		d->ece = d->cwr = 0;
		break;
	case O_ECN_TCP_CWR:
		d->operation |= ECN_OP_SET_CWR;
		d->cwr = v;
		break;
	case O_ECN_TCP_ECE:
		d->operation |= ECN_OP_SET_ECE;
		d->ece = v;
		break;
	case O_ECN_IP_ECT:
		d->operation |= ECN_OP_SET_IP;
		d->ip_ect = v;
		break;
	}
	return 0;
}

static int ecn_tg_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx, "ECN target: An operation is required");
	return 0;
}

static int ecn_tg_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	const struct ecn_tg_data *d = in->data;
	if (strcmp(env->table, "mangle"))
		return EINVAL;
	if ((d->operation & (ECN_OP_SET_ECE | ECN_OP_SET_CWR)) &&
	    !qt_rule_proto_is(env->rule, IPPROTO_TCP))
		return EINVAL;
	return 0;
}

static bool is_remove(const struct ecn_tg_data *d)
{
	return d->operation == (ECN_OP_SET_ECE | ECN_OP_SET_CWR) &&
	       !d->ece && !d->cwr;
}

static void ecn_tg_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct ecn_tg_data *d = in->data;
	if (is_remove(d)) {
		qt_buf_puts(b, " --ecn-tcp-remove");
		return;
	}
	if (d->operation & ECN_OP_SET_ECE)
		qt_buf_printf(b, " --ecn-tcp-ece %u", d->ece);
	if (d->operation & ECN_OP_SET_CWR)
		qt_buf_printf(b, " --ecn-tcp-cwr %u", d->cwr);
	if (d->operation & ECN_OP_SET_IP)
		qt_buf_printf(b, " --ecn-ip-ect %u", d->ip_ect);
}

static void ecn_tg_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct ecn_tg_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " ECN");
	if (is_remove(d)) {
		qt_buf_puts(b, " TCP remove");
		return;
	}
	if (d->operation & ECN_OP_SET_ECE)
		qt_buf_printf(b, " ECE=%u", d->ece);
	if (d->operation & ECN_OP_SET_CWR)
		qt_buf_printf(b, " CWR=%u", d->cwr);
	if (d->operation & ECN_OP_SET_IP)
		qt_buf_printf(b, " ECT codepoint=%u", d->ip_ect);
}

/* ---- engine: ipt_ECN's ecn_tg ----
 * The codepoint first (the header checksum by csum_replace2 over the
 * TOS byte), then, for a packet whose IP protocol is TCP, the flags:
 * the kernel reads the TCP header right after the IPv4 header, fragment
 * or not, and drops a packet too short to hold it; the TCP checksum is
 * updated over the word holding the flags (made whole instead when the
 * queue says it is partial: a packet handed back loses that). */
static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int ecn_tg_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct ecn_tg_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	uint8_t *ip = ev->data;
	if (p->family != AF_INET || !qt_dsfield_writable(ev) || p->ihl < 20)
		return QT_XT_CONTINUE;
	if ((d->operation & ECN_OP_SET_IP) && (ip[1] & 3) != d->ip_ect) {
		uint8_t old = ip[1], nv = (uint8_t)((old & ~3) | d->ip_ect);
		ip[1] = nv;
		qt_csum_replace2(ip + 10, old, nv);
		ev->pkt.tos = nv;
		ev->rewritten = true;
	}
	if ((d->operation & (ECN_OP_SET_ECE | ECN_OP_SET_CWR)) &&
	    p->proto == IPPROTO_TCP) {
		uint32_t end = p->ip_len < ev->len ? p->ip_len : ev->len;
		if (end < (uint32_t)p->ihl + 20)
			return QT_XT_DROP;
		uint8_t *th = ip + p->ihl;
		bool ece = th[13] & 0x40, cwr = th[13] & 0x80;
		bool keep_ece = !(d->operation & ECN_OP_SET_ECE) || ece == d->ece;
		bool keep_cwr = !(d->operation & ECN_OP_SET_CWR) || cwr == d->cwr;
		if (!keep_ece || !keep_cwr) {
			uint16_t oldw = get16(th + 12);
			if (d->operation & ECN_OP_SET_ECE)
				th[13] = (uint8_t)((th[13] & ~0x40) | (d->ece ? 0x40 : 0));
			if (d->operation & ECN_OP_SET_CWR)
				th[13] = (uint8_t)((th[13] & ~0x80) | (d->cwr ? 0x80 : 0));
			if (!ev->csum_not_ready)
				qt_csum_replace2(th + 16, oldw, get16(th + 12));
			ev->pkt.tcp_flags = th[13];
			ev->rewritten = true;
		}
	}
	if (ev->rewritten)
		qt_dsfield_complete_l4(ev);
	return QT_XT_CONTINUE;
}

/* The packet goes back whole with the verdict. */
static uint32_t ecn_tg_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext ecn_target = {
	.name = "ECN",
	.kind = QT_EXT_TARGET,
	.family = AF_INET,
	.data_size = sizeof(struct ecn_tg_data),
	.opts = ecn_tg_opts,
	.parse = ecn_tg_parse,
	.check = ecn_tg_check,
	.kcheck = ecn_tg_kcheck,
	.save = ecn_tg_save,
	.print = ecn_tg_print,
	.target = ecn_tg_fn,
	.copy_need = ecn_tg_copy_need,
	.help_header = "ECN target options",
	.help = "  --ecn-tcp-remove\t\tRemove all ECN bits from TCP header\n",
};
QT_EXT_REGISTER(ecn_target)
