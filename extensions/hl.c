/* -m hl: the IPv6 hop limit equal to (or, with '!', not equal to),
 * less than or greater than a value; ip6tables' counterpart of -m ttl.
 * "--hl" is the old spelling of --hl-eq. */
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"

enum hl_mode { HL_EQ, HL_NE, HL_LT, HL_GT };

struct hl_data {
	uint8_t mode;          /* enum hl_mode */
	uint8_t hl;
};

enum { O_HL_EQ, O_HL_LT, O_HL_GT };

#define ANY (QT_BIT(O_HL_EQ) | QT_BIT(O_HL_LT) | QT_BIT(O_HL_GT))
/* ip6tables' order, which is that of its "cannot be used together" checks */
static const struct qt_ext_opt hl_opts[] = {
	{ .name = "hl-lt", .id = O_HL_LT, .type = QT_OT_UINT, .excl = ANY,
	  QT_PUT(struct hl_data, hl) },
	{ .name = "hl-gt", .id = O_HL_GT, .type = QT_OT_UINT, .excl = ANY,
	  QT_PUT(struct hl_data, hl) },
	{ .name = "hl-eq", .id = O_HL_EQ, .type = QT_OT_UINT, .excl = ANY,
	  .flags = QT_OPT_INVERT, QT_PUT(struct hl_data, hl) },
	{ .name = "hl", .id = O_HL_EQ },
	{ .name = NULL },
};

static int hl_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		    struct qt_ctx *ctx)
{
	struct hl_data *d = in->data;
	(void)ctx;
	if (a->opt->id == O_HL_EQ)
		d->mode = a->invert ? HL_NE : HL_EQ;
	else
		d->mode = a->opt->id == O_HL_LT ? HL_LT : HL_GT;
	return 0;
}

static int hl_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		    struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx,
			"HL match: You must specify one of `--hl-eq', `--hl-lt', `--hl-gt'");
	return 0;
}

static void hl_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct hl_data *d = in->data;
	static const char *const opt[] = {
		[HL_EQ] = " --hl-eq", [HL_NE] = " ! --hl-eq",
		[HL_LT] = " --hl-lt", [HL_GT] = " --hl-gt",
	};
	if (d->mode <= HL_GT)
		qt_buf_printf(b, "%s %u", opt[d->mode], d->hl);
}

static void hl_print(const struct qt_ext_inst *in, struct qt_buf *b,
		     bool numeric)
{
	const struct hl_data *d = in->data;
	static const char *const op[] = {
		[HL_EQ] = "==", [HL_NE] = "!=", [HL_LT] = "<", [HL_GT] = ">",
	};
	(void)numeric;
	qt_buf_puts(b, " HL match ");
	if (d->mode <= HL_GT)
		qt_buf_printf(b, "HL %s %u", op[d->mode], d->hl);
}

/* ---- engine: xt_hl (hl_mt6); '!' --hl-eq was folded into HL_NE. */
static bool hl_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct hl_data *d = in->data;
	uint8_t h = ev->pkt.ttl;
	if (ev->pkt.family != AF_INET6)
		return false;
	switch (d->mode) {
	case HL_EQ: return h == d->hl;
	case HL_NE: return h != d->hl;
	case HL_LT: return h < d->hl;
	case HL_GT: return h > d->hl;
	}
	return false;
}

static const struct qt_ext hl_match = {
	.name = "hl",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = sizeof(struct hl_data),
	.opts = hl_opts,
	.parse = hl_parse,
	.check = hl_check,
	.save = hl_save,
	.print = hl_print,
	.match = hl_match_pkt,
	.help =
		"[!] --hl-eq value\tMatch hop limit value\n"
		"  --hl-lt value\tMatch HL < value\n"
		"  --hl-gt value\tMatch HL > value\n",
};
QT_EXT_REGISTER(hl_match)
