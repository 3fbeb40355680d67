/* -m tcpmss: the MSS option of a TCP header in a range (xt_tcpmss, in
 * both families, bound by the kernel to -p tcp). Facts from
 * iptables-nft 1.8.9: --mss is mandatory, read as a 16-bit range
 * ("a", "a:b", ":b", "a:", any C base), a range whose low end is above
 * its high end is refused; saved as "--mss a[:b]" and listed as
 * "tcpmss match [!]a[:b]". */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "ip6_exthdr.h"
#include "model.h"

struct tcpmss_data {
	uint16_t mss_min, mss_max;
	uint8_t invert;
	uint8_t pad[3];
};

enum { O_MSS };

static const struct qt_ext_opt tcpmss_opts[] = {
	{ .name = "mss", .id = O_MSS, .type = QT_OT_URANGE,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND,
	  QT_PUT_RANGE(struct tcpmss_data, mss_min),
	  QT_INV(struct tcpmss_data, invert, 1) },
	{ .name = NULL },
};

static int tcpmss_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	const struct tcpmss_data *d = in->data;
	(void)a;
	if (d->mss_min > d->mss_max)
		return qt_param_error(ctx, "tcpmss: invalid range given");
	return 0;
}

static int tcpmss_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	(void)in;
	return qt_rule_proto_is(env->rule, IPPROTO_TCP) ? 0 : EINVAL;
}

static void put_range(struct qt_buf *b, const struct tcpmss_data *d)
{
	if (d->mss_min == d->mss_max)
		qt_buf_printf(b, "%u", d->mss_min);
	else
		qt_buf_printf(b, "%u:%u", d->mss_min, d->mss_max);
}

static void tcpmss_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct tcpmss_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --mss " : " --mss ");
	put_range(b, d);
}

static void tcpmss_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct tcpmss_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->invert ? " tcpmss match !" : " tcpmss match ");
	put_range(b, d);
}

/* ---- engine: xt_tcpmss (tcpmss_mt) ----
 * At the transport offset nf_tables found (no fragment check: a
 * non-first fragment's data is read as a header, as the kernel does):
 * a header the packet does not hold, a data offset below 20 or options
 * cut short drop the packet. The options are walked with the kernel's
 * loose steps (below 2: one byte; a length of 0: one byte); the first
 * well-formed MSS option (kind 2, length 4, whole) decides; none: the
 * match is its inversion. */
static bool tcpmss_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct tcpmss_data *d = in->data;
	uint32_t len;
	const uint8_t *th = qt_pkt_th(&ev->pkt, &len);
	if (!th)
		return false;     /* not a parsed packet */
	if (len < 20 || (th[12] >> 4) * 4u < 20) {
		ev->hotdrop = true;
		return false;
	}
	uint32_t optlen = (th[12] >> 4) * 4u - 20;
	if (!optlen)
		return d->invert;
	if (20 + optlen > len) {
		ev->hotdrop = true;
		return false;
	}
	const uint8_t *op = th + 20;
	for (uint32_t i = 0; i < optlen;) {
		if (op[i] == 2 && optlen - i >= 4 && op[i + 1] == 4) {
			uint16_t mss = (uint16_t)(op[i + 2] << 8 | op[i + 3]);
			return (mss >= d->mss_min && mss <= d->mss_max) !=
			       !!d->invert;
		}
		if (op[i] < 2 || i + 1 >= optlen)
			i++;      /* a step past the end ends the walk too */
		else
			i += op[i + 1] ? op[i + 1] : 1;
	}
	return d->invert;
}

/* IPv4's headers with options (120 bytes at most) are in what the
 * queue copies anyway; behind IPv6's extension headers the options may
 * lie further. */
static uint32_t tcpmss_copy_need(const struct qt_ext_inst *in)
{
	return in->family == AF_INET6 ? QT_IP6_CHAIN_COPY : 0;
}

static const struct qt_ext tcpmss_match = {
	.name = "tcpmss",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct tcpmss_data),
	.opts = tcpmss_opts,
	.parse = tcpmss_parse,
	.kcheck = tcpmss_kcheck,
	.save = tcpmss_save,
	.print = tcpmss_print,
	.match = tcpmss_match_pkt,
	.copy_need = tcpmss_copy_need,
	.help =
		"[!] --mss value[:value]\tMatch TCP MSS range.\n"
		"\t\t\t\t(only valid for TCP SYN or SYN/ACK packets)\n",
};
QT_EXT_REGISTER(tcpmss_match)
