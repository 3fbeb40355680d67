/* -j CHECKSUM --checksum-fill: complete the transport checksum of a
 * packet whose checksum was left to the network card. Facts of
 * iptables-nft 1.8.9 (libxt_CHECKSUM, the kernel's xt_CHECKSUM): the
 * option is mandatory, given once, never inverted; the kernel takes the
 * target in the mangle table only (any chain, any hook, any protocol).
 * Docker puts it in mangle POSTROUTING for DHCP replies to containers,
 * whose stacks would otherwise drop a datagram with a half checksum.
 * ip6tables has it too (DHCPv6): there the pseudo-header is IPv6's and
 * the transport header follows the extension headers. */
#include <errno.h>
#include <string.h>

#include "csum.h"
#include "eval.h"
#include "ext.h"
#include "model.h"

#define CHECKSUM_OP_FILL 0x01   /* XT_CHECKSUM_OP_FILL */

struct checksum_data {
	uint8_t operation;
};

enum { O_FILL };

static const struct qt_ext_opt checksum_opts[] = {
	{ .name = "checksum-fill", .id = O_FILL, .type = QT_OT_BITS,
	  .flags = QT_OPT_MAND, .value = CHECKSUM_OP_FILL,
	  QT_PUT(struct checksum_data, operation) },
	{ .name = NULL },
};

static int checksum_kcheck(const struct qt_ext_inst *in,
			   const struct qt_rule_env *env)
{
	(void)in;
	return strcmp(env->table, "mangle") ? EINVAL : 0;
}

static void checksum_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct checksum_data *d = in->data;
	if (d->operation & CHECKSUM_OP_FILL)
		qt_buf_puts(b, " --checksum-fill");
}

static void checksum_print(const struct qt_ext_inst *in, struct qt_buf *b,
			   bool numeric)
{
	const struct checksum_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " CHECKSUM");
	if (d->operation & CHECKSUM_OP_FILL)
		qt_buf_puts(b, " fill");
}

/* ---- engine side: xt_CHECKSUM's checksum_tg ----
 *
 * The kernel calls skb_checksum_help on a packet whose checksum is
 * partial (CHECKSUM_PARTIAL: the queue says NFQA_SKB_CSUMNOTREADY) and
 * that is not a GSO packet (those get theirs per segment): the sum from
 * the transport header to the end, the pseudo-header's partial sum
 * already in the checksum field, folded into that field, a result of 0
 * written as 0xffff. Any other packet is left as it is.
 *
 * The queue does not tell where the checksum starts and where it goes
 * (csum_start, csum_offset); a partial checksum is one of TCP or UDP
 * (the stacks that offload it), so those two are filled, at the header
 * offsets of their checksum fields, from scratch: the pseudo-header,
 * then the segment with the field zeroed. That is the kernel's result
 * whatever the field held. A partial packet of another protocol is left
 * alone. A packet handed back with a verdict loses its "partial" mark
 * (the kernel's nfqnl_mangle makes it CHECKSUM_NONE), so the filled
 * packet always goes back with the verdict; and a packet the queue gave
 * only in part cannot be (it would be cut): it is left. */

static int checksum_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	uint8_t *ip = ev->data;
	unsigned at;
	(void)in;

	if (!ev->csum_not_ready || ev->gso)
		return QT_XT_CONTINUE;
	/* where the transport header starts: after IPv6's extension
	 * headers (a partial checksum's packet is never a fragment) */
	bool v6 = p->family == AF_INET6;
	uint32_t off = v6 ? (p->l4 ? (uint32_t)(p->l4 - p->data) : 0) : p->ihl;
	if (off < (v6 ? 40u : 20u) || p->ip_len < off || p->frag_off ||
	    (v6 && p->frag_hdr))
		return QT_XT_CONTINUE;
	if (ev->len < p->ip_len || ev->orig_len > ev->len)
		return QT_XT_CONTINUE;
	if (p->proto == IPPROTO_TCP)
		at = 16;
	else if (p->proto == IPPROTO_UDP)
		at = 6;
	else
		return QT_XT_CONTINUE;

	uint32_t n = p->ip_len - off;
	if (n < at + 2)
		return QT_XT_CONTINUE;
	qt_csum_l4_whole(ip, ip + off, n, p->proto, at, true);
	ev->csum_not_ready = false;
	ev->rewritten = true;
	return QT_XT_CONTINUE;
}

/* The whole packet is summed and handed back. */
static uint32_t checksum_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext checksum_target = {
	.name = "CHECKSUM",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct checksum_data),
	.opts = checksum_opts,
	.kcheck = checksum_kcheck,
	.save = checksum_save,
	.print = checksum_print,
	.target = checksum_target_fn,
	.copy_need = checksum_copy_need,
	.help = "  --checksum-fill\t\t\tFill in packet checksum.\n",
	.help_header = "CHECKSUM target options",
};
QT_EXT_REGISTER(checksum_target)
