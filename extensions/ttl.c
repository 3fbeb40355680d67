/* -m ttl: the IPv4 time to live equal to (or, with '!', not equal to),
 * less than or greater than a value. "--ttl" is iptables' old spelling
 * of --ttl-eq. */
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"

enum ttl_mode { TTL_EQ, TTL_NE, TTL_LT, TTL_GT };

struct ttl_data {
	uint8_t mode;          /* enum ttl_mode */
	uint8_t ttl;
};

enum { O_TTL_EQ, O_TTL_LT, O_TTL_GT };

static const struct qt_ext_opt ttl_opts[] = {
	{ .name = "ttl-eq", .id = O_TTL_EQ, .arg = QT_ARG_REQ, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "ttl", .id = O_TTL_EQ, .arg = QT_ARG_REQ, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "ttl-lt", .id = O_TTL_LT, .arg = QT_ARG_REQ },
	{ .name = "ttl-gt", .id = O_TTL_GT, .arg = QT_ARG_REQ },
	{ .name = NULL },
};

static const char *const opt_names[] = {
	[O_TTL_EQ] = "ttl-eq", [O_TTL_LT] = "ttl-lt", [O_TTL_GT] = "ttl-gt",
};

static int ttl_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct ttl_data *d = in->data;
	int id = a->opt->id;
	uint64_t v;
	/* --ttl and --ttl-eq are one option: the message names --ttl-eq */
	if (in->seen & (1u << id))
		return qt_param_error(ctx,
			"ttl: option \"--%s\" can only be used once.\n",
			opt_names[id]);
	if (!qt_parse_uint_any(a->arg, 0, 255, &v))
		return qt_param_error(ctx,
			"ttl: bad value for option \"--%s\", or out of range (0-255).\n",
			opt_names[id]);
	d->ttl = (uint8_t)v;
	if (id == O_TTL_EQ)
		d->mode = a->invert ? TTL_NE : TTL_EQ;
	else
		d->mode = id == O_TTL_LT ? TTL_LT : TTL_GT;
	return 0;
}

static int ttl_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		     struct qt_ctx *ctx)
{
	(void)env;
	uint32_t s = in->seen;
	if (!s)
		return qt_param_error(ctx,
			"TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt");
	/* iptables' order: --ttl-lt excludes -eq and -gt, then --ttl-gt
	 * excludes -eq and -lt */
	if (s & (1u << O_TTL_LT)) {
		if (s & (1u << O_TTL_EQ))
			goto excl_lt_eq;
		if (s & (1u << O_TTL_GT))
			return qt_param_error(ctx,
				"ttl: option \"--ttl-lt\" cannot be used together with \"--ttl-gt\".\n");
	}
	if ((s & (1u << O_TTL_GT)) && (s & (1u << O_TTL_EQ)))
		return qt_param_error(ctx,
			"ttl: option \"--ttl-gt\" cannot be used together with \"--ttl-eq\".\n");
	return 0;
excl_lt_eq:
	return qt_param_error(ctx,
		"ttl: option \"--ttl-lt\" cannot be used together with \"--ttl-eq\".\n");
}

static void ttl_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct ttl_data *d = in->data;
	static const char *const opt[] = {
		[TTL_EQ] = " --ttl-eq", [TTL_NE] = " ! --ttl-eq",
		[TTL_LT] = " --ttl-lt", [TTL_GT] = " --ttl-gt",
	};
	if (d->mode <= TTL_GT)
		qt_buf_printf(b, "%s %u", opt[d->mode], d->ttl);
}

static void ttl_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct ttl_data *d = in->data;
	static const char *const op[] = {
		[TTL_EQ] = "==", [TTL_NE] = "!=", [TTL_LT] = "<", [TTL_GT] = ">",
	};
	(void)numeric;
	qt_buf_puts(b, " TTL match ");
	if (d->mode <= TTL_GT)
		qt_buf_printf(b, "TTL %s %u", op[d->mode], d->ttl);
}


/* ---- engine: xt_ttl (ttl_mt); '!' --ttl-eq was folded into TTL_NE. */
static bool ttl_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct ttl_data *d = in->data;
	uint8_t t = ev->pkt.ttl;
	if (!ev->pkt.l4)
		return false;    /* not a parsed IPv4 packet */
	switch (d->mode) {
	case TTL_EQ: return t == d->ttl;
	case TTL_NE: return t != d->ttl;
	case TTL_LT: return t < d->ttl;
	case TTL_GT: return t > d->ttl;
	}
	return false;
}

static const struct qt_ext ttl_match = {
	.name = "ttl",
	.kind = QT_EXT_MATCH,
	.family = AF_INET,
	.data_size = sizeof(struct ttl_data),
	.opts = ttl_opts,
	.parse = ttl_parse,
	.check = ttl_check,
	.save = ttl_save,
	.print = ttl_print,
	.match = ttl_match_pkt,
	.help =
		"[!] --ttl-eq value\tMatch time to live value\n"
		"  --ttl-lt value\tMatch TTL < value\n"
		"  --ttl-gt value\tMatch TTL > value\n",
};
QT_EXT_REGISTER(ttl_match)
