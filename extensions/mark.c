/* -m mark: (nfmark & mask) == value. iptables-nft 1.8.9 builds a native
 * meta mark expression; value and mask are kept as given (0x7/0x3 stays
 * so), and a mask of all ones is not printed. */
#include "eval.h"
#include "ext.h"

struct mark_data {
	uint32_t mark;
	uint32_t mask;         /* 0xffffffff when not given */
	uint8_t invert;
	uint8_t pad[3];
};

enum { O_MARK };

/* "VALUE[/MASK]" (xtables' markmask type) */
static const struct qt_ext_opt mark_opts[] = {
	{ .name = "mark", .id = O_MARK, .type = QT_OT_MARKMASK,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND, QT_PUT_RANGE(struct mark_data, mark),
	  QT_INV(struct mark_data, invert, 1) },
	{ .name = NULL },
};

static void put_mark(struct qt_buf *b, const struct mark_data *d)
{
	qt_buf_printf(b, "0x%x", d->mark);
	if (d->mask != UINT32_MAX)
		qt_buf_printf(b, "/0x%x", d->mask);
}

static void mark_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct mark_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --mark " : " --mark ");
	put_mark(b, d);
}

static void mark_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct mark_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->invert ? " mark match ! " : " mark match ");
	put_mark(b, d);
}


/* ---- engine: the native "meta mark & mask == value" (or !=). */
static bool mark_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct mark_data *d = in->data;
	return ((ev->mark & d->mask) == d->mark) != !!d->invert;
}

static const struct qt_ext mark_match = {
	.name = "mark",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct mark_data),
	.opts = mark_opts,
	.init = NULL,
	.save = mark_save,
	.print = mark_print,
	.match = mark_match_pkt,
	.help =
		"[!] --mark value[/mask]    Match nfmark value with optional mask\n",
};
QT_EXT_REGISTER(mark_match)
