/* -j TTL: set, increment or decrement the IPv4 time to live, in the
 * mangle table only (the kernel's checkentry); iptables' counterpart of
 * ip6tables' HL. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"
#include "dsfield.h"
#include "eval.h"
#include "ext.h"

enum ttl_tg_mode { TTL_SET, TTL_INC, TTL_DEC };

struct ttl_tg_data {
	uint8_t mode;          /* enum ttl_tg_mode */
	uint8_t ttl;
};

enum { O_TTL_SET, O_TTL_INC, O_TTL_DEC };

#define ANY (QT_BIT(O_TTL_SET) | QT_BIT(O_TTL_INC) | QT_BIT(O_TTL_DEC))
static const struct qt_ext_opt ttl_tg_opts[] = {
	{ .name = "ttl-set", .id = O_TTL_SET, .type = QT_OT_UINT, .excl = ANY,
	  QT_PUT(struct ttl_tg_data, ttl) },
	{ .name = "ttl-dec", .id = O_TTL_DEC, .type = QT_OT_UINT, .excl = ANY,
	  .min = 1, QT_PUT(struct ttl_tg_data, ttl) },
	{ .name = "ttl-inc", .id = O_TTL_INC, .type = QT_OT_UINT, .excl = ANY,
	  .min = 1, QT_PUT(struct ttl_tg_data, ttl) },
	{ .name = NULL },
};

static int ttl_tg_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct ttl_tg_data *d = in->data;
	(void)ctx;
	d->mode = a->opt->id == O_TTL_SET ? TTL_SET :
		  a->opt->id == O_TTL_INC ? TTL_INC : TTL_DEC;
	return 0;
}

static int ttl_tg_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx, "TTL: You must specify an action");
	return 0;
}

static int ttl_tg_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	(void)in;
	return strcmp(env->table, "mangle") ? EINVAL : 0;
}

static void ttl_tg_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct ttl_tg_data *d = in->data;
	static const char *const opt[] = {
		[TTL_SET] = "set", [TTL_INC] = "inc", [TTL_DEC] = "dec",
	};
	if (d->mode <= TTL_DEC)
		qt_buf_printf(b, " --ttl-%s %u", opt[d->mode], d->ttl);
}

static void ttl_tg_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct ttl_tg_data *d = in->data;
	static const char *const what[] = {
		[TTL_SET] = "set to", [TTL_INC] = "increment by",
		[TTL_DEC] = "decrement by",
	};
	(void)numeric;
	if (d->mode <= TTL_DEC)
		qt_buf_printf(b, " TTL %s %u", what[d->mode], d->ttl);
}

/* ---- engine: xt_HL's ttl_tg: the new TTL clamped to 0..255, the
 * header checksum by csum_replace2 over the word holding the TTL (the
 * transport checksum does not cover it, but a partial one is completed:
 * a packet handed back loses that mark). */
static int ttl_tg_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct ttl_tg_data *d = in->data;
	uint8_t *ip = ev->data;
	if (ev->pkt.family != AF_INET || !qt_dsfield_writable(ev))
		return QT_XT_CONTINUE;
	int cur = ip[8], nttl = cur;
	switch (d->mode) {
	case TTL_SET: nttl = d->ttl; break;
	case TTL_INC: nttl = cur + d->ttl > 255 ? 255 : cur + d->ttl; break;
	case TTL_DEC: nttl = cur - d->ttl < 0 ? 0 : cur - d->ttl; break;
	}
	if (nttl != cur) {
		qt_csum_replace2(ip + 10, (uint16_t)(cur << 8),
				 (uint16_t)(nttl << 8));
		ip[8] = (uint8_t)nttl;
		ev->pkt.ttl = (uint8_t)nttl;
		ev->rewritten = true;
		qt_dsfield_complete_l4(ev);
	}
	return QT_XT_CONTINUE;
}

/* The packet goes back whole with the verdict. */
static uint32_t ttl_tg_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext ttl_target = {
	.name = "TTL",
	.kind = QT_EXT_TARGET,
	.family = AF_INET,
	.data_size = sizeof(struct ttl_tg_data),
	.opts = ttl_tg_opts,
	.parse = ttl_tg_parse,
	.check = ttl_tg_check,
	.kcheck = ttl_tg_kcheck,
	.save = ttl_tg_save,
	.print = ttl_tg_print,
	.target = ttl_tg_fn,
	.copy_need = ttl_tg_copy_need,
	.help_header = "TTL target options",
	.help =
		"  --ttl-set value\t\tSet TTL to <value 0-255>\n"
		"  --ttl-dec value\t\tDecrement TTL by <value 1-255>\n"
		"  --ttl-inc value\t\tIncrement TTL by <value 1-255>\n",
};
QT_EXT_REGISTER(ttl_target)
