/* -m connmark --mark VALUE[/MASK]: (ctmark & mask) == value
 * (xt_connmark revision 1). Value and mask are kept as given; a mask of
 * all ones is the default and is not printed. */
#include "ct_entry.h"
#include "ext.h"

struct connmark_data {
	uint32_t mark;
	uint32_t mask;
	uint8_t invert;
	uint8_t pad[3];
};

enum { O_MARK };

/* "VALUE[/MASK]" (xtables' markmask type) */
static const struct qt_ext_opt connmark_opts[] = {
	{ .name = "mark", .id = O_MARK, .type = QT_OT_MARKMASK,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND, QT_PUT_RANGE(struct connmark_data, mark),
	  QT_INV(struct connmark_data, invert, 1) },
	{ .name = NULL },
};

static void put_mark(struct qt_buf *b, const struct connmark_data *d)
{
	qt_buf_printf(b, "0x%x", d->mark);
	if (d->mask != UINT32_MAX)
		qt_buf_printf(b, "/0x%x", d->mask);
}

static void connmark_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct connmark_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --mark " : " --mark ");
	put_mark(b, d);
}

static void connmark_print(const struct qt_ext_inst *in, struct qt_buf *b,
			   bool numeric)
{
	const struct connmark_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->invert ? " connmark match ! " : " connmark match  ");
	put_mark(b, d);
}

/* xt_connmark: no entry never matches, '!' or not. */
static bool connmark_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct connmark_data *d = in->data;
	const struct qt_ct_entry *e = qt_ctv_entry(ev);
	if (!e)
		return false;
	return ((e->mark & d->mask) == d->mark) != (d->invert != 0);
}

static const struct qt_ext connmark_match = {
	.name = "connmark",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct connmark_data),
	.opts = connmark_opts,
	.save = connmark_save,
	.print = connmark_print,
	.match = connmark_match_fn,
	.conntrack = true,
	.help =
		"[!] --mark value[/mask]    Match ctmark value with optional mask\n",
};
QT_EXT_REGISTER(connmark_match)
