/* -j DSCP: set the DSCP (the DS field's upper six bits, the ECN bits
 * kept) in the mangle table only, both families (xt_DSCP).
 * --set-dscp-class names the value by its DiffServ class and is saved
 * as --set-dscp. */
#include <errno.h>
#include <string.h>

#include "dsfield.h"
#include "eval.h"
#include "ext.h"

struct dscp_tg_data {
	uint8_t dscp;
};

enum { O_SET_DSCP, O_SET_DSCP_CLASS };

static const struct qt_ext_opt dscp_tg_opts[] = {
	{ .name = "set-dscp", .id = O_SET_DSCP, .type = QT_OT_UINT,
	  .max = 0x3f, .excl = QT_BIT(O_SET_DSCP_CLASS),
	  QT_PUT(struct dscp_tg_data, dscp) },
	{ .name = "set-dscp-class", .id = O_SET_DSCP_CLASS, .type = QT_OT_RAW,
	  .excl = QT_BIT(O_SET_DSCP) },
	{ .name = NULL },
};

static int dscp_tg_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			 struct qt_ctx *ctx)
{
	struct dscp_tg_data *d = in->data;
	if (a->opt->id != O_SET_DSCP_CLASS)
		return 0;
	int v = qt_dscp_class(ctx, a->arg);
	if (v < 0)
		return -1;
	d->dscp = (uint8_t)v;
	return 0;
}

static int dscp_tg_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			 struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx,
			"DSCP target: Parameter --set-dscp is required");
	return 0;
}

static int dscp_tg_kcheck(const struct qt_ext_inst *in,
			  const struct qt_rule_env *env)
{
	(void)in;
	return strcmp(env->table, "mangle") ? EINVAL : 0;
}

static void dscp_tg_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct dscp_tg_data *d = in->data;
	qt_buf_printf(b, " --set-dscp 0x%02x", d->dscp);
}

static void dscp_tg_print(const struct qt_ext_inst *in, struct qt_buf *b,
			  bool numeric)
{
	const struct dscp_tg_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " DSCP set 0x%02x", d->dscp);
}

/* ---- engine: xt_DSCP's dscp_tg and dscp_tg6: the ECN bits kept ---- */
static int dscp_tg_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct dscp_tg_data *d = in->data;
	if (!qt_dsfield_writable(ev))
		return QT_XT_CONTINUE;
	if ((qt_dsfield_get(ev) >> 2) != d->dscp)
		qt_dsfield_change(ev, 0x03, (uint8_t)(d->dscp << 2));
	return QT_XT_CONTINUE;
}

/* The packet goes back whole with the verdict. */
static uint32_t dscp_tg_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext dscp_target = {
	.name = "DSCP",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct dscp_tg_data),
	.opts = dscp_tg_opts,
	.parse = dscp_tg_parse,
	.check = dscp_tg_check,
	.kcheck = dscp_tg_kcheck,
	.save = dscp_tg_save,
	.print = dscp_tg_print,
	.target = dscp_tg_fn,
	.copy_need = dscp_tg_copy_need,
	.help_header = "DSCP target options",
	.help =
		"  --set-dscp value\t\tSet DSCP field in packet header to value\n"
		"  \t\t                This value can be in decimal (ex: 32)\n"
		"               \t\tor in hex (ex: 0x20)\n"
		"  --set-dscp-class class\tSet the DSCP field in packet header to the\n"
		"\t\t\t\tvalue represented by the DiffServ class value.\n"
		"\t\t\t\tThis class may be EF,BE or any of the CSxx\n"
		"\t\t\t\tor AFxx classes.\n"
		"\n"
		"\t\t\t\tThese two options are mutually exclusive !\n",
};
QT_EXT_REGISTER(dscp_target)
