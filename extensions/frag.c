/* -m frag: the IPv6 fragment header: its identification (a range), its
 * reserved bits, first, more or last fragment. --fraglen is read and
 * printed as ip6tables does, but the kernel's ip6t_frag never compares
 * it (a fragment header has no length field), and neither does this
 * (checked on the kernel: "--fraglen 99" counts any fragment header). */
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "ip6_exthdr.h"

/* The kernel's struct ip6t_frag flags and invflags. */
#define FRAG_IDS 0x01
#define FRAG_LEN 0x02
#define FRAG_RES 0x04
#define FRAG_FST 0x08
#define FRAG_MF  0x10
#define FRAG_NMF 0x20
#define FRAG_INV_IDS 0x01
#define FRAG_INV_LEN 0x02

struct frag_data {
	uint32_t id_lo, id_hi;
	uint32_t hdrlen;
	uint8_t flags, invflags;
	uint8_t pad[2];
};

enum { O_FRAGID, O_FRAGLEN, O_FRAGRES, O_FRAGFIRST, O_FRAGMORE, O_FRAGLAST };

static const struct qt_ext_opt frag_opts[] = {
	{ .name = "fragid", .id = O_FRAGID, .type = QT_OT_URANGE,
	  .flags = QT_OPT_INVERT, QT_PUT_RANGE(struct frag_data, id_lo),
	  QT_INV(struct frag_data, invflags, FRAG_INV_IDS) },
	{ .name = "fraglen", .id = O_FRAGLEN, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(struct frag_data, hdrlen),
	  QT_INV(struct frag_data, invflags, FRAG_INV_LEN) },
	{ .name = "fragres", .id = O_FRAGRES, .type = QT_OT_BITS,
	  .value = FRAG_RES, QT_PUT(struct frag_data, flags) },
	{ .name = "fragfirst", .id = O_FRAGFIRST, .type = QT_OT_BITS,
	  .value = FRAG_FST, QT_PUT(struct frag_data, flags) },
	{ .name = "fragmore", .id = O_FRAGMORE, .type = QT_OT_BITS,
	  .excl = QT_BIT(O_FRAGLAST), .value = FRAG_MF,
	  QT_PUT(struct frag_data, flags) },
	{ .name = "fraglast", .id = O_FRAGLAST, .type = QT_OT_BITS,
	  .excl = QT_BIT(O_FRAGMORE), .value = FRAG_NMF,
	  QT_PUT(struct frag_data, flags) },
	{ .name = NULL },
};

static void frag_init(struct qt_ext_inst *in)
{
	struct frag_data *d = in->data;
	d->id_hi = 0xFFFFFFFFu;
}

static int frag_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct frag_data *d = in->data;
	(void)ctx;
	if (a->opt->id == O_FRAGID)
		d->flags |= FRAG_IDS;
	else if (a->opt->id == O_FRAGLEN)
		d->flags |= FRAG_LEN;
	return 0;
}

static void frag_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct frag_data *d = in->data;
	if (!(d->id_lo == 0 && d->id_hi == 0xFFFFFFFFu)) {
		qt_buf_printf(b, "%s --fragid ",
			      d->invflags & FRAG_INV_IDS ? " !" : "");
		if (d->id_lo != d->id_hi)
			qt_buf_printf(b, "%u:%u", d->id_lo, d->id_hi);
		else
			qt_buf_printf(b, "%u", d->id_lo);
	}
	if (d->flags & FRAG_LEN)
		qt_buf_printf(b, "%s --fraglen %u",
			      d->invflags & FRAG_INV_LEN ? " !" : "", d->hdrlen);
	if (d->flags & FRAG_RES)
		qt_buf_puts(b, " --fragres");
	if (d->flags & FRAG_FST)
		qt_buf_puts(b, " --fragfirst");
	if (d->flags & FRAG_MF)
		qt_buf_puts(b, " --fragmore");
	if (d->flags & FRAG_NMF)
		qt_buf_puts(b, " --fraglast");
}

static void frag_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct frag_data *d = in->data;
	bool inv = d->invflags & FRAG_INV_IDS;
	(void)numeric;
	qt_buf_puts(b, " frag ");
	if (d->id_lo != 0 || d->id_hi != 0xFFFFFFFFu || inv) {
		if (d->id_lo == d->id_hi)
			qt_buf_printf(b, "id:%s%u", inv ? "!" : "", d->id_lo);
		else
			qt_buf_printf(b, "ids:%s%u:%u", inv ? "!" : "",
				      d->id_lo, d->id_hi);
	}
	if (d->flags & FRAG_LEN)
		qt_buf_printf(b, " length:%s%u",
			      d->invflags & FRAG_INV_LEN ? "!" : "", d->hdrlen);
	if (d->flags & FRAG_RES)
		qt_buf_puts(b, " reserved");
	if (d->flags & FRAG_FST)
		qt_buf_puts(b, " first");
	if (d->flags & FRAG_MF)
		qt_buf_puts(b, " more");
	if (d->flags & FRAG_NMF)
		qt_buf_puts(b, " last");
}

/* ---- engine: ip6t_frag (frag_mt6) ----
 * The fragment header found as ipv6_find_hdr finds it (none: no match;
 * a chain the copy does not hold that far, or a header cut short: the
 * packet is dropped, as the kernel drops what it cannot read). */
static bool frag_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct frag_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	uint32_t off;
	enum qt_ip6_find f = qt_ip6_find_hdr(p, IPPROTO_FRAGMENT, &off);
	if (f != QT_IP6_FOUND || !qt_ip6_have(p, off, 8)) {
		if (f != QT_IP6_NOENT)
			ev->hotdrop = true;
		return false;
	}
	const uint8_t *h = p->data + off;
	uint16_t fo = (uint16_t)(h[2] << 8 | h[3]);
	uint32_t id = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
		      (uint32_t)h[6] << 8 | h[7];
	bool in_range = id >= d->id_lo && id <= d->id_hi;
	if (in_range == !!(d->invflags & FRAG_INV_IDS))
		return false;
	if ((d->flags & FRAG_RES) && (h[1] || (fo & 0x6)))
		return false;
	if ((d->flags & FRAG_FST) && (fo & ~0x7))
		return false;
	if ((d->flags & FRAG_MF) && !(fo & 1))
		return false;
	if ((d->flags & FRAG_NMF) && (fo & 1))
		return false;
	return true;
}

static const struct qt_ext frag_match = {
	.name = "frag",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = sizeof(struct frag_data),
	.opts = frag_opts,
	.init = frag_init,
	.parse = frag_parse,
	.save = frag_save,
	.print = frag_print,
	.match = frag_match_pkt,
	.copy_need = qt_ip6_chain_copy_need,
	.help =
		"[!] --fragid id[:id]           match the id (range)\n"
		"[!] --fraglen length           total length of this header\n"
		" --fragres                     check the reserved field too\n"
		" --fragfirst                   matches on the first fragment\n"
		" [--fragmore|--fraglast]       there are more fragments or this\n"
		"                               is the last one\n",
};
QT_EXT_REGISTER(frag_match)
