/* The mark operations of MARK and CONNMARK (see mark_ops.h). */
#include "mark_ops.h"

#include <string.h>

bool qt_mark_op_parse(struct qt_mark_op *op, const struct qt_opt_arg *a)
{
	const char *name = a->opt->name;
	uint32_t v = (uint32_t)a->val.u;

	if (!strcmp(name, "set-xmark"))
		return true;               /* stored as given */
	if (!strcmp(name, "set-mark"))
		op->mask |= op->value;     /* zero the bits of mask and value */
	else if (!strcmp(name, "and-mark"))
		*op = (struct qt_mark_op){ .value = 0, .mask = ~v };
	else if (!strcmp(name, "or-mark"))
		*op = (struct qt_mark_op){ .value = v, .mask = v };
	else if (!strcmp(name, "xor-mark"))
		*op = (struct qt_mark_op){ .value = v, .mask = 0 };
	else
		return false;
	return true;
}

void qt_mark_op_save(struct qt_buf *b, const struct qt_mark_op *op)
{
	qt_buf_printf(b, " --set-xmark 0x%x/0x%x", op->value, op->mask);
}

void qt_mark_op_print(struct qt_buf *b, const struct qt_mark_op *op)
{
	if (op->value == 0)
		qt_buf_printf(b, " and 0x%x", ~op->mask);
	else if (op->value == op->mask)
		qt_buf_printf(b, " or 0x%x", op->value);
	else if (op->mask == 0)
		qt_buf_printf(b, " xor 0x%x", op->value);
	else if (op->mask == UINT32_MAX)
		qt_buf_printf(b, " set 0x%x", op->value);
	else
		qt_buf_printf(b, " xset 0x%x/0x%x", op->value, op->mask);
}

/* "VALUE[/MASK]" (xtables' markmask type) */
const struct qt_ext_opt qt_mark_match_opts[] = {
	{ .name = "mark", .id = 0, .type = QT_OT_MARKMASK,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND,
	  QT_PUT_RANGE(struct qt_mark_match, mark),
	  QT_INV(struct qt_mark_match, invert, 1) },
	{ .name = NULL },
};

static void put_markmask(struct qt_buf *b, const struct qt_mark_match *d)
{
	qt_buf_printf(b, "0x%x", d->mark);
	if (d->mask != UINT32_MAX)
		qt_buf_printf(b, "/0x%x", d->mask);
}

void qt_mark_match_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct qt_mark_match *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --mark " : " --mark ");
	put_markmask(b, d);
}

void qt_mark_match_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 const char *label, const char *plain)
{
	const struct qt_mark_match *d = in->data;
	qt_buf_printf(b, " %s match %s", label, d->invert ? "! " : plain);
	put_markmask(b, d);
}
