/* -j MARK: set the packet mark. Every option becomes one operation
 * mark = (mark & ~mask) ^ value, saved as --set-xmark VALUE/MASK (facts
 * of iptables-nft 1.8.9, libxt_MARK revision 2); -L names the operation
 * back (and/or/xor/set/xset). The operations are CONNMARK's too
 * (extensions/lib/mark_ops.h). Valid in every table. */
#include "eval.h"
#include "ext.h"
#include "mark_ops.h"

/* Ids as iptables numbers them: its messages name the excluded option
 * with the lowest id. */
enum { O_SET_MARK, O_AND_MARK, O_OR_MARK, O_XOR_MARK, O_SET_XMARK };
#define F_ANY 0x1F

struct mark_data {
	struct qt_mark_op op;
};

static const struct qt_ext_opt mark_opts[] = {
	QT_MARK_OP_OPTS(struct mark_data, op, O_SET_XMARK, O_SET_MARK,
			O_AND_MARK, O_OR_MARK, O_XOR_MARK, F_ANY),
	{ .name = NULL },
};

static int mark_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct mark_data *d = in->data;
	(void)ctx;
	qt_mark_op_parse(&d->op, a);
	return 0;
}

static int mark_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		      struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx,
			"MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required");
	return 0;
}

static void mark_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct mark_data *d = in->data;
	qt_mark_op_save(b, &d->op);
}

static void mark_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct mark_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " MARK");
	qt_mark_op_print(b, &d->op);
}

static int mark_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct mark_data *d = in->data;
	ev->mark = qt_mark_op_apply(&d->op, ev->mark);
	ev->mark_changed = true;
	return QT_XT_CONTINUE;
}

/* The mark bits it may set (log group's tag takes some). */
static bool mark_bits_fn(const struct qt_ext_inst *in, uint32_t bits)
{
	const struct mark_data *d = in->data;
	return (d->op.value & bits) != 0;
}

static const struct qt_ext mark_target = {
	.name = "MARK",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct mark_data),
	.opts = mark_opts,
	.parse = mark_parse,
	.check = mark_check,
	.save = mark_save,
	.print = mark_print,
	.target = mark_target_fn,
	.mark_bits = mark_bits_fn,
	.help =
		"  --set-xmark value[/mask]  Clear bits in mask and XOR value into nfmark\n"
		"  --set-mark value[/mask]   Clear bits in mask and OR value into nfmark\n"
		"  --and-mark bits           Binary AND the nfmark with bits\n"
		"  --or-mark bits            Binary OR the nfmark with bits\n"
		"  --xor-mark bits           Binary XOR the nfmark with bits\n",
};
QT_EXT_REGISTER(mark_target)
