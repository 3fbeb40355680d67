/* -j CONNMARK: set the connection mark, or copy it to/from the packet
 * mark. Facts of iptables-nft 1.8.9 (libxt_CONNMARK revision 2): the set
 * operations become --set-xmark VALUE/MASK; save/restore always save both
 * masks; --mask sets both masks, in the order options are given; a shift
 * of 32 is refused by the kernel. Valid in every table. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <string.h>

#include "ext.h"
#include "model.h"
#include "ct_entry.h"

/* The kernel's modes and shift directions. */
enum { CM_SET, CM_SAVE, CM_RESTORE };
enum { SHIFT_LEFT, SHIFT_RIGHT };

/* Kept as given, unused fields too (nfmask of a set, the direction of a
 * 0 shift): iptables-nft's -D compares what the kernel holds, so
 * "--set-mark 1 --nfmask 7" is not "--set-mark 1" there either. */
struct connmark_data {
	uint32_t ctmark;
	uint32_t ctmask;
	uint32_t nfmask;
	uint8_t mode;        /* CM_* */
	uint8_t shift_dir;   /* SHIFT_* */
	uint8_t shift_bits;
	uint8_t pad;
};

/* Ids as iptables numbers them (its messages name the excluded option
 * with the lowest id); the table below is in iptables' order. */
enum {
	O_SET_MARK, O_SAVE_MARK, O_RESTORE_MARK, O_AND_MARK, O_OR_MARK,
	O_XOR_MARK, O_LEFT_SHIFT, O_RIGHT_SHIFT, O_SET_XMARK, O_CTMASK,
	O_NFMASK, O_MASK,
};
#define F_OPS (1u << O_SET_MARK | 1u << O_SAVE_MARK | 1u << O_RESTORE_MARK | \
	       1u << O_AND_MARK | 1u << O_OR_MARK | 1u << O_XOR_MARK | \
	       1u << O_SET_XMARK)

#define D struct connmark_data
#define MASKS (QT_BIT(O_CTMASK) | QT_BIT(O_NFMASK))
#define U32(n, o, ex, ...) \
	{ .name = n, .id = o, .type = QT_OT_UINT, .max = UINT32_MAX, \
	  .excl = ex, __VA_ARGS__ }
static const struct qt_ext_opt connmark_opts[] = {
	{ .name = "set-xmark", .id = O_SET_XMARK, .type = QT_OT_MARKMASK,
	  .excl = F_OPS },
	{ .name = "set-mark", .id = O_SET_MARK, .type = QT_OT_MARKMASK,
	  .excl = F_OPS },
	U32("and-mark", O_AND_MARK, F_OPS),
	U32("or-mark", O_OR_MARK, F_OPS),
	U32("xor-mark", O_XOR_MARK, F_OPS),
	{ .name = "save-mark", .id = O_SAVE_MARK, .value = CM_SAVE,
	  QT_PUT(D, mode), .excl = F_OPS },
	{ .name = "restore-mark", .id = O_RESTORE_MARK, .value = CM_RESTORE,
	  QT_PUT(D, mode), .excl = F_OPS },
	U32("ctmask", O_CTMASK, QT_BIT(O_MASK), QT_PUT(D, ctmask)),
	U32("nfmask", O_NFMASK, QT_BIT(O_MASK), QT_PUT(D, nfmask)),
	U32("mask", O_MASK, MASKS),
	/* one shift field: the last option given wins */
	{ .name = "left-shift-mark", .id = O_LEFT_SHIFT, .type = QT_OT_UINT,
	  .max = 32, QT_PUT(D, shift_bits) },
	{ .name = "right-shift-mark", .id = O_RIGHT_SHIFT, .type = QT_OT_UINT,
	  .max = 32, QT_PUT(D, shift_bits) },
	{ .name = NULL },
};
#undef U32
#undef MASKS
#undef D

static void connmark_init(struct qt_ext_inst *in)
{
	struct connmark_data *d = in->data;
	d->ctmask = d->nfmask = UINT32_MAX;
}

/* The set operations become one value/mask pair. */
static int connmark_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			  struct qt_ctx *ctx)
{
	struct connmark_data *d = in->data;
	uint32_t v = a->val.mark[0], m = a->val.mark[1];
	uint32_t u = (uint32_t)a->val.u;
	(void)ctx;
	switch (a->opt->id) {
	case O_SET_XMARK: d->mode = CM_SET; d->ctmark = v; d->ctmask = m; break;
	case O_SET_MARK: d->mode = CM_SET; d->ctmark = v; d->ctmask = v | m; break;
	case O_AND_MARK: d->mode = CM_SET; d->ctmark = 0; d->ctmask = ~u; break;
	case O_OR_MARK: d->mode = CM_SET; d->ctmark = u; d->ctmask = u; break;
	case O_XOR_MARK: d->mode = CM_SET; d->ctmark = u; d->ctmask = 0; break;
	case O_MASK: d->ctmask = d->nfmask = u; break;
	case O_LEFT_SHIFT: d->shift_dir = SHIFT_LEFT; break;
	case O_RIGHT_SHIFT: d->shift_dir = SHIFT_RIGHT; break;
	}
	return 0;
}

static int connmark_check(struct qt_ext_inst *in,
			  const struct qt_rule_env *env, struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & F_OPS))
		return qt_param_error(ctx, "CONNMARK target: No operation specified");
	return 0;
}

static int connmark_kcheck(const struct qt_ext_inst *in,
			   const struct qt_rule_env *env)
{
	const struct connmark_data *d = in->data;
	(void)env;
	return d->shift_bits > 31 ? EINVAL : 0;
}

static void put_shift(struct qt_buf *b, const struct connmark_data *d,
		      const char *pre)
{
	if (d->shift_bits)
		qt_buf_printf(b, " %s%s-shift-mark %u", pre,
			      d->shift_dir == SHIFT_RIGHT ? "right" : "left",
			      d->shift_bits);
}

static void connmark_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct connmark_data *d = in->data;
	switch (d->mode) {
	case CM_SET:
		qt_buf_printf(b, " --set-xmark 0x%x/0x%x", d->ctmark, d->ctmask);
		break;
	case CM_SAVE:
	case CM_RESTORE:
		qt_buf_printf(b, " --%s-mark --nfmask 0x%x --ctmask 0x%x",
			      d->mode == CM_SAVE ? "save" : "restore",
			      d->nfmask, d->ctmask);
		break;
	}
	put_shift(b, d, "--");
}

static void connmark_print(const struct qt_ext_inst *in, struct qt_buf *b,
			   bool numeric)
{
	const struct connmark_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " CONNMARK");
	switch (d->mode) {
	case CM_SET:
		if (d->ctmark == 0)
			qt_buf_printf(b, " and 0x%x", ~d->ctmask);
		else if (d->ctmark == d->ctmask)
			qt_buf_printf(b, " or 0x%x", d->ctmark);
		else if (d->ctmask == 0)
			qt_buf_printf(b, " xor 0x%x", d->ctmark);
		else if (d->ctmask == UINT32_MAX)
			qt_buf_printf(b, " set 0x%x", d->ctmark);
		else
			qt_buf_printf(b, " xset 0x%x/0x%x", d->ctmark, d->ctmask);
		break;
	case CM_SAVE:
		qt_buf_puts(b, " save");
		if (d->nfmask == UINT32_MAX && d->ctmask == UINT32_MAX)
			break;
		if (d->nfmask == d->ctmask)
			qt_buf_printf(b, " mask 0x%x", d->nfmask);
		else
			qt_buf_printf(b, " nfmask 0x%x ctmask ~0x%x", d->nfmask,
				      d->ctmask);
		break;
	case CM_RESTORE:
		qt_buf_puts(b, " restore");
		if (d->nfmask == UINT32_MAX && d->ctmask == UINT32_MAX)
			break;
		if (d->nfmask == d->ctmask)
			qt_buf_printf(b, " mask 0x%x", d->ctmask);
		else
			qt_buf_printf(b, " ctmask 0x%x nfmask ~0x%x", d->ctmask,
				      d->nfmask);
		break;
	}
	put_shift(b, d, "");
}

/* ---- engine side: xt_CONNMARK's connmark_tg_shift() (revision 2;
 * revisions 0/1 are the same with no shift) ---- */

/* The kernel refuses shifts above 31 (kcheck); never shift by 32+. */
static uint32_t shifted(const struct connmark_data *d, uint32_t v)
{
	if (d->shift_bits > 31)
		return 0;
	return d->shift_dir == SHIFT_RIGHT ? v >> d->shift_bits
					   : v << d->shift_bits;
}

/* set:     ct = shift((ct & ~ctmask) ^ ctmark)
 * save:    ct = (ct & ~ctmask) ^ shift(mark & nfmask)
 * restore: mark = (mark & ~nfmask) ^ shift(ct & ctmask)
 * Without an entry (INVALID, UNTRACKED) nothing happens. */
static int connmark_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct connmark_data *d = in->data;
	struct qt_ct_entry *e = qt_ctv_entry(ev);
	if (!e)
		return QT_XT_CONTINUE;
	switch (d->mode) {
	case CM_SET:
		e->mark = shifted(d, (e->mark & ~d->ctmask) ^ d->ctmark);
		break;
	case CM_SAVE:
		e->mark = (e->mark & ~d->ctmask) ^ shifted(d, ev->mark & d->nfmask);
		break;
	case CM_RESTORE:
		ev->mark = (ev->mark & ~d->nfmask) ^ shifted(d, e->mark & d->ctmask);
		ev->mark_changed = true;
		break;
	}
	return QT_XT_CONTINUE;
}

static const struct qt_ext connmark_target = {
	.name = "CONNMARK",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct connmark_data),
	.opts = connmark_opts,
	.init = connmark_init,
	.parse = connmark_parse,
	.check = connmark_check,
	.kcheck = connmark_kcheck,
	.save = connmark_save,
	.print = connmark_print,
	.target = connmark_target_fn,
	.conntrack = true,
	.help =
		"  --set-xmark value[/ctmask]    Zero mask bits and XOR ctmark with value\n"
		"  --save-mark [--ctmask mask] [--nfmask mask]\n"
		"                                Copy ctmark to nfmark using masks\n"
		"  --restore-mark [--ctmask mask] [--nfmask mask]\n"
		"                                Copy nfmark to ctmark using masks\n"
		"  --set-mark value[/mask]       Set conntrack mark value\n"
		"  --save-mark [--mask mask]     Save the packet nfmark in the connection\n"
		"  --restore-mark [--mask mask]  Restore saved nfmark value\n"
		"  --and-mark value              Binary AND the ctmark with bits\n"
		"  --or-mark value               Binary OR  the ctmark with bits\n"
		"  --xor-mark value              Binary XOR the ctmark with bits\n"
		"  --left-shift-mark value       Left shift the ctmark with bits\n"
		"  --right-shift-mark value      Right shift the ctmark with bits\n",
};
QT_EXT_REGISTER(connmark_target)
