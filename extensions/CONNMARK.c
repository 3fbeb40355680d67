/* -j CONNMARK: set the connection mark, or copy it to/from the packet
 * mark. Facts of iptables-nft 1.8.9 (libxt_CONNMARK revision 2): the set
 * operations become --set-xmark VALUE/MASK; save/restore always save both
 * masks; --mask sets both masks, in the order options are given; a shift
 * of 32 is refused by the kernel. Valid in every table. */
#include <errno.h>

#include "ct_entry.h"
#include "ext.h"
#include "mark_ops.h"

/* The kernel's modes and shift directions. */
enum { CM_SET, CM_SAVE, CM_RESTORE };
enum { SHIFT_LEFT, SHIFT_RIGHT };

/* Kept as given, unused fields too (nfmask of a set, the direction of a
 * 0 shift): iptables-nft's -D compares what the kernel holds, so
 * "--set-mark 1 --nfmask 7" is not "--set-mark 1" there either. */
struct connmark_data {
	struct qt_mark_op ct;  /* ctmark, ctmask */
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
/* the operations exclude each other */
#define F_OPS (QT_BIT(O_SET_MARK) | QT_BIT(O_SAVE_MARK) | \
	       QT_BIT(O_RESTORE_MARK) | QT_BIT(O_AND_MARK) | QT_BIT(O_OR_MARK) | \
	       QT_BIT(O_XOR_MARK) | QT_BIT(O_SET_XMARK))
#define D struct connmark_data

static const struct qt_ext_opt connmark_opts[] = {
	QT_MARK_OP_OPTS(D, ct, O_SET_XMARK, O_SET_MARK, O_AND_MARK, O_OR_MARK,
			O_XOR_MARK, F_OPS),
	{ .name = "save-mark", .id = O_SAVE_MARK, .type = QT_OT_NONE,
	  .value = CM_SAVE, .excl = F_OPS, QT_PUT(D, mode) },
	{ .name = "restore-mark", .id = O_RESTORE_MARK, .type = QT_OT_NONE,
	  .value = CM_RESTORE, .excl = F_OPS, QT_PUT(D, mode) },
	{ .name = "ctmask", .id = O_CTMASK, .type = QT_OT_UINT,
	  .excl = QT_BIT(O_MASK), QT_PUT(D, ct.mask) },
	{ .name = "nfmask", .id = O_NFMASK, .type = QT_OT_UINT,
	  .excl = QT_BIT(O_MASK), QT_PUT(D, nfmask) },
	/* both masks; see connmark_parse */
	{ .name = "mask", .id = O_MASK, .type = QT_OT_UINT,
	  .excl = QT_BIT(O_CTMASK) | QT_BIT(O_NFMASK), QT_PUT(D, nfmask) },
	/* one shift field: the last of the two given wins */
	{ .name = "left-shift-mark", .id = O_LEFT_SHIFT, .type = QT_OT_UINT,
	  .max = 32, QT_PUT(D, shift_bits) },
	{ .name = "right-shift-mark", .id = O_RIGHT_SHIFT, .type = QT_OT_UINT,
	  .max = 32, QT_PUT(D, shift_bits) },
	{ .name = NULL },
};
#undef D

static void connmark_init(struct qt_ext_inst *in)
{
	struct connmark_data *d = in->data;
	d->ct.mask = d->nfmask = UINT32_MAX;
}

/* What the option table cannot say: the set operations' pair, --mask
 * setting both masks, and which way a shift goes. */
static int connmark_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			  struct qt_ctx *ctx)
{
	struct connmark_data *d = in->data;
	(void)ctx;
	if (qt_mark_op_parse(&d->ct, a))
		return 0;
	switch (a->opt->id) {
	case O_MASK:
		d->ct.mask = d->nfmask;
		break;
	case O_LEFT_SHIFT:
	case O_RIGHT_SHIFT:
		d->shift_dir = a->opt->id == O_RIGHT_SHIFT ? SHIFT_RIGHT
							   : SHIFT_LEFT;
		break;
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
		qt_mark_op_save(b, &d->ct);
		break;
	case CM_SAVE:
	case CM_RESTORE:
		qt_buf_printf(b, " --%s-mark --nfmask 0x%x --ctmask 0x%x",
			      d->mode == CM_SAVE ? "save" : "restore",
			      d->nfmask, d->ct.mask);
		break;
	}
	put_shift(b, d, "--");
}

/* -L of save and restore, as iptables prints them: the mask of the
 * mark copied from, then that of the mark copied to with a '~'; one
 * "mask" when they are the same, nothing when both are all ones. */
static void put_copy(struct qt_buf *b, const char *op, const char *from,
		     uint32_t from_mask, const char *to, uint32_t to_mask)
{
	qt_buf_printf(b, " %s", op);
	if (from_mask == UINT32_MAX && to_mask == UINT32_MAX)
		return;
	if (from_mask == to_mask)
		qt_buf_printf(b, " mask 0x%x", from_mask);
	else
		qt_buf_printf(b, " %s 0x%x %s ~0x%x", from, from_mask, to,
			      to_mask);
}

static void connmark_print(const struct qt_ext_inst *in, struct qt_buf *b,
			   bool numeric)
{
	const struct connmark_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " CONNMARK");
	switch (d->mode) {
	case CM_SET:
		qt_mark_op_print(b, &d->ct);
		break;
	case CM_SAVE:
		put_copy(b, "save", "nfmask", d->nfmask, "ctmask", d->ct.mask);
		break;
	case CM_RESTORE:
		put_copy(b, "restore", "ctmask", d->ct.mask, "nfmask", d->nfmask);
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
		e->mark = shifted(d, qt_mark_op_apply(&d->ct, e->mark));
		break;
	case CM_SAVE:
		e->mark = (e->mark & ~d->ct.mask) ^ shifted(d, ev->mark & d->nfmask);
		break;
	case CM_RESTORE:
		ev->mark = (ev->mark & ~d->nfmask) ^ shifted(d, e->mark & d->ct.mask);
		ev->mark_changed = true;
		break;
	}
	return QT_XT_CONTINUE;
}

/* Could the mark get any of bits from it (log group's tag takes some)?
 * Only a restore writes the mark, from the connection's mark, which
 * holds them only when a set put them there or a shift moves bits. */
static bool connmark_bits_fn(const struct qt_ext_inst *in, uint32_t bits)
{
	const struct connmark_data *d = in->data;
	switch (d->mode) {
	case CM_SET:
		return (d->ct.value & bits) != 0 || d->shift_bits != 0;
	case CM_RESTORE:
		return d->shift_bits != 0 && (d->nfmask & bits) != 0;
	}
	return false;
}

static const struct qt_ext connmark_target = {
	.name = "CONNMARK",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct connmark_data),
	.opts = connmark_opts,
	.init = connmark_init,
	.parse = connmark_parse,
	.check = connmark_check,
	.mark_bits = connmark_bits_fn,
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
