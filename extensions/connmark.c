/* -m connmark --mark VALUE[/MASK]: (ctmark & mask) == value
 * (xt_connmark revision 1). The option, save and -L are mark's too
 * (extensions/lib/mark_ops.c); -L puts two spaces before a value that
 * is not inverted, as iptables-nft 1.8.9 does. */
#include "ct_entry.h"
#include "ext.h"
#include "mark_ops.h"

static void connmark_print(const struct qt_ext_inst *in, struct qt_buf *b,
			   bool numeric)
{
	(void)numeric;
	qt_mark_match_print(in, b, "connmark", " ");
}

/* xt_connmark: no entry never matches, '!' or not. */
static bool connmark_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct qt_ct_entry *e = qt_ctv_entry(ev);
	return e && qt_mark_match_test(in->data, e->mark);
}

static const struct qt_ext connmark_match = {
	.name = "connmark",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct qt_mark_match),
	.opts = qt_mark_match_opts,
	.save = qt_mark_match_save,
	.print = connmark_print,
	.match = connmark_match_fn,
	.conntrack = true,
	.help =
		"[!] --mark value[/mask]    Match ctmark value with optional mask\n",
};
QT_EXT_REGISTER(connmark_match)
