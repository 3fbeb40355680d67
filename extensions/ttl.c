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

#define ANY (QT_BIT(O_TTL_EQ) | QT_BIT(O_TTL_LT) | QT_BIT(O_TTL_GT))
/* iptables' order, which is that of its "cannot be used together" checks */
static const struct qt_ext_opt ttl_opts[] = {
	{ .name = "ttl-lt", .id = O_TTL_LT, .type = QT_OT_UINT, .excl = ANY,
	  QT_PUT(struct ttl_data, ttl) },
	{ .name = "ttl-gt", .id = O_TTL_GT, .type = QT_OT_UINT, .excl = ANY,
	  QT_PUT(struct ttl_data, ttl) },
	{ .name = "ttl-eq", .id = O_TTL_EQ, .type = QT_OT_UINT, .excl = ANY,
	  .flags = QT_OPT_INVERT, QT_PUT(struct ttl_data, ttl) },
	{ .name = "ttl", .id = O_TTL_EQ },
	{ .name = NULL },
};

static int ttl_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct ttl_data *d = in->data;
	(void)ctx;
	if (a->opt->id == O_TTL_EQ)
		d->mode = a->invert ? TTL_NE : TTL_EQ;
	else
		d->mode = a->opt->id == O_TTL_LT ? TTL_LT : TTL_GT;
	return 0;
}

static int ttl_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		     struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx,
			"TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt");
	return 0;
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
