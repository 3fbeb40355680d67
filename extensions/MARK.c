/* -j MARK: set the packet mark. Every option becomes one operation
 * mark = (mark & ~mask) ^ value, saved as --set-xmark VALUE/MASK (facts
 * of iptables-nft 1.8.9, libxt_MARK revision 2); -L names the operation
 * back (and/or/xor/set/xset). Valid in every table. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <string.h>

#include "eval.h"
#include "ext.h"
#include "model.h"

struct mark_data {
	uint32_t mark;
	uint32_t mask;
};

/* Ids as iptables numbers them: its messages name the excluded option
 * with the lowest id. */
enum { O_SET_MARK, O_AND_MARK, O_OR_MARK, O_XOR_MARK, O_SET_XMARK };
#define F_ANY 0x1F

/* Table order matters too: the first given option in it is the one a
 * "cannot be used together" message starts with. */
static const struct qt_ext_opt mark_opts[] = {
	{ .name = "set-xmark", .id = O_SET_XMARK, .type = QT_OT_MARKMASK,
	  .excl = F_ANY },
	{ .name = "set-mark", .id = O_SET_MARK, .type = QT_OT_MARKMASK,
	  .excl = F_ANY },
	{ .name = "and-mark", .id = O_AND_MARK, .type = QT_OT_UINT,
	  .max = UINT32_MAX, .excl = F_ANY },
	{ .name = "or-mark", .id = O_OR_MARK, .type = QT_OT_UINT,
	  .max = UINT32_MAX, .excl = F_ANY },
	{ .name = "xor-mark", .id = O_XOR_MARK, .type = QT_OT_UINT,
	  .max = UINT32_MAX, .excl = F_ANY },
	{ .name = NULL },
};

/* Every spelling becomes one value/mask pair. */
static int mark_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct mark_data *d = in->data;
	uint32_t v = a->val.mark[0], m = a->val.mark[1];
	uint32_t u = (uint32_t)a->val.u;
	(void)ctx;
	switch (a->opt->id) {
	case O_SET_XMARK: d->mark = v; d->mask = m; break;
	/* --set-mark V/M zeroes the bits of M, then sets V */
	case O_SET_MARK: d->mark = v; d->mask = v | m; break;
	case O_AND_MARK: d->mark = 0; d->mask = ~u; break;
	case O_OR_MARK: d->mark = u; d->mask = u; break;
	case O_XOR_MARK: d->mark = u; d->mask = 0; break;
	}
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
	qt_buf_printf(b, " --set-xmark 0x%x/0x%x", d->mark, d->mask);
}

static void mark_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct mark_data *d = in->data;
	(void)numeric;
	if (d->mark == 0)
		qt_buf_printf(b, " MARK and 0x%x", ~d->mask);
	else if (d->mark == d->mask)
		qt_buf_printf(b, " MARK or 0x%x", d->mark);
	else if (d->mask == 0)
		qt_buf_printf(b, " MARK xor 0x%x", d->mark);
	else if (d->mask == UINT32_MAX)
		qt_buf_printf(b, " MARK set 0x%x", d->mark);
	else
		qt_buf_printf(b, " MARK xset 0x%x/0x%x", d->mark, d->mask);
}

/* Every spelling was stored as one value/mask pair (see mark_parse), so
 * one operation serves them all, as xt_MARK revision 2 does. */
static int mark_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct mark_data *d = in->data;
	ev->mark = (ev->mark & ~d->mask) ^ d->mark;
	ev->mark_changed = true;
	return QT_XT_CONTINUE;
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
	.help =
		"  --set-xmark value[/mask]  Clear bits in mask and XOR value into nfmark\n"
		"  --set-mark value[/mask]   Clear bits in mask and OR value into nfmark\n"
		"  --and-mark bits           Binary AND the nfmark with bits\n"
		"  --or-mark bits            Binary OR the nfmark with bits\n"
		"  --xor-mark bits           Binary XOR the nfmark with bits\n",
};
QT_EXT_REGISTER(mark_target)
