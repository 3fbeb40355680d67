/* -m connmark --mark VALUE[/MASK]: (ctmark & mask) == value
 * (xt_connmark revision 1). Value and mask are kept as given; a mask of
 * all ones is the default and is not printed. */
#include "ct_entry.h"
#include "xtypes.h"

struct connmark_data {
	uint32_t mark;
	uint32_t mask;
	uint8_t invert;
	uint8_t pad[3];
};

enum { O_MARK };

static const struct qt_ext_opt connmark_opts[] = {
	{ .name = "mark", .id = O_MARK, .arg = QT_ARG_REQ, .flags = QT_OPT_INVERT },
	{ .name = NULL },
};

static const struct xt_dep connmark_deps[] = {
	{ "mark", O_MARK, true, 0, 0 },
	{ NULL, 0, false, 0, 0 },
};

/* "VALUE[/MASK]" (xtables' markmask type). */
static int connmark_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			  struct qt_ctx *ctx)
{
	struct connmark_data *d = in->data;
	const char *end;
	uint64_t v = 0, m = UINT32_MAX;
	if (!xt_strtoul(a->arg, &end, 0, UINT32_MAX, &v))
		goto bad;
	if (*end == '/' && !xt_strtoul(end + 1, &end, 0, UINT32_MAX, &m))
		goto bad;
	if (*end != '\0')
		return qt_param_error(ctx,
			"connmark: trailing garbage after value for option \"--mark\".\n");
	d->mark = (uint32_t)v;
	d->mask = (uint32_t)m;
	d->invert = a->invert;
	return 0;
bad:
	return qt_param_error(ctx,
		"connmark: bad integer value for option \"--mark\", or out of range.\n");
}

static int connmark_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			  struct qt_ctx *ctx)
{
	(void)env;
	return xt_fcheck(in, "connmark", connmark_deps, ctx);
}

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
	.parse = connmark_parse,
	.check = connmark_check,
	.save = connmark_save,
	.print = connmark_print,
	.match = connmark_match_fn,
	.conntrack = true,
	.help =
		"[!] --mark value[/mask]    Match ctmark value with optional mask\n",
};
QT_EXT_REGISTER(connmark_match)
