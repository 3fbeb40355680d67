/* -m mark: (nfmark & mask) == value. iptables-nft 1.8.9 builds a native
 * meta mark expression; value and mask are kept as given (0x7/0x3 stays
 * so), and a mask of all ones is not printed. The option, save and -L
 * are connmark's too (extensions/lib/mark_ops.c). */
#include "eval.h"
#include "ext.h"
#include "mark_ops.h"

static void mark_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	(void)numeric;
	qt_mark_match_print(in, b, "mark", "");
}

/* ---- engine: the native "meta mark & mask == value" (or !=). */
static bool mark_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	return qt_mark_match_test(in->data, ev->mark);
}

/* The mark bits it compares to ones (log group's tag takes some). */
static bool mark_bits_fn(const struct qt_ext_inst *in, uint32_t bits)
{
	const struct qt_mark_match *d = in->data;
	return (d->mark & d->mask & bits) != 0;
}

static const struct qt_ext mark_match = {
	.name = "mark",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct qt_mark_match),
	.opts = qt_mark_match_opts,
	.save = qt_mark_match_save,
	.print = mark_print,
	.match = mark_match_pkt,
	.mark_bits = mark_bits_fn,
	.help =
		"[!] --mark value[/mask]    Match nfmark value with optional mask\n",
};
QT_EXT_REGISTER(mark_match)
