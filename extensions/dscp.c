/* -m dscp: the DSCP (the DS field's upper six bits) equal to a value,
 * or with '!' not, in both families (xt_dscp). --dscp-class names the
 * value by its DiffServ class and is saved as --dscp. */
#include "dsfield.h"
#include "eval.h"
#include "ext.h"

struct dscp_data {
	uint8_t dscp;
	uint8_t invert;
};

enum { O_DSCP, O_DSCP_CLASS };

static const struct qt_ext_opt dscp_opts[] = {
	{ .name = "dscp", .id = O_DSCP, .type = QT_OT_UINT, .max = 0x3f,
	  .flags = QT_OPT_INVERT, .excl = QT_BIT(O_DSCP_CLASS),
	  QT_PUT(struct dscp_data, dscp),
	  QT_INV(struct dscp_data, invert, 1) },
	{ .name = "dscp-class", .id = O_DSCP_CLASS, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, .excl = QT_BIT(O_DSCP),
	  QT_INV(struct dscp_data, invert, 1) },
	{ .name = NULL },
};

static int dscp_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct dscp_data *d = in->data;
	if (a->opt->id != O_DSCP_CLASS)
		return 0;
	int v = qt_dscp_class(ctx, a->arg);
	if (v < 0)
		return -1;
	d->dscp = (uint8_t)v;
	return 0;
}

static int dscp_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		      struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx,
			"DSCP match: Parameter --dscp is required");
	return 0;
}

static void dscp_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct dscp_data *d = in->data;
	qt_buf_printf(b, "%s --dscp 0x%02x", d->invert ? " !" : "", d->dscp);
}

static void dscp_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct dscp_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " DSCP match %s0x%02x", d->invert ? "!" : "", d->dscp);
}

/* ---- engine: xt_dscp's dscp_mt and dscp_mt6 ---- */
static bool dscp_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct dscp_data *d = in->data;
	return ((qt_dsfield_get(ev) >> 2) == d->dscp) ^ (d->invert != 0);
}

static const struct qt_ext dscp_match = {
	.name = "dscp",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct dscp_data),
	.opts = dscp_opts,
	.parse = dscp_parse,
	.check = dscp_check,
	.save = dscp_save,
	.print = dscp_print,
	.match = dscp_match_pkt,
	.help_header = "dscp match options",
	.help =
		"[!] --dscp value\t\tMatch DSCP codepoint with numerical value\n"
		"  \t\t                This value can be in decimal (ex: 32)\n"
		"               \t\tor in hex (ex: 0x20)\n"
		"[!] --dscp-class name\t\tMatch the DiffServ class. This value may\n"
		"\t\t\t\tbe any of the BE,EF, AFxx or CSx classes\n"
		"\n"
		"\t\t\t\tThese two options are mutually exclusive !\n",
};
QT_EXT_REGISTER(dscp_match)
