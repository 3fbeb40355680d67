/* -j HL: set, increment or decrement the IPv6 hop limit, in the mangle
 * table only (the kernel's checkentry); ip6tables' counterpart of TTL. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "dsfield.h"
#include "eval.h"
#include "ext.h"

enum hl_tg_mode { HL_SET, HL_INC, HL_DEC };

struct hl_tg_data {
	uint8_t mode;          /* enum hl_tg_mode */
	uint8_t hl;
};

enum { O_HL_SET, O_HL_INC, O_HL_DEC };

#define ANY (QT_BIT(O_HL_SET) | QT_BIT(O_HL_INC) | QT_BIT(O_HL_DEC))
static const struct qt_ext_opt hl_tg_opts[] = {
	{ .name = "hl-set", .id = O_HL_SET, .type = QT_OT_UINT, .excl = ANY,
	  QT_PUT(struct hl_tg_data, hl) },
	{ .name = "hl-dec", .id = O_HL_DEC, .type = QT_OT_UINT, .excl = ANY,
	  .min = 1, QT_PUT(struct hl_tg_data, hl) },
	{ .name = "hl-inc", .id = O_HL_INC, .type = QT_OT_UINT, .excl = ANY,
	  .min = 1, QT_PUT(struct hl_tg_data, hl) },
	{ .name = NULL },
};

static int hl_tg_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	struct hl_tg_data *d = in->data;
	(void)ctx;
	d->mode = a->opt->id == O_HL_SET ? HL_SET :
		  a->opt->id == O_HL_INC ? HL_INC : HL_DEC;
	return 0;
}

static int hl_tg_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		       struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx, "HL: You must specify an action");
	return 0;
}

static int hl_tg_kcheck(const struct qt_ext_inst *in,
			const struct qt_rule_env *env)
{
	(void)in;
	return strcmp(env->table, "mangle") ? EINVAL : 0;
}

static void hl_tg_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct hl_tg_data *d = in->data;
	static const char *const opt[] = {
		[HL_SET] = "set", [HL_INC] = "inc", [HL_DEC] = "dec",
	};
	if (d->mode <= HL_DEC)
		qt_buf_printf(b, " --hl-%s %u", opt[d->mode], d->hl);
}

static void hl_tg_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct hl_tg_data *d = in->data;
	static const char *const what[] = {
		[HL_SET] = "set to", [HL_INC] = "increment by",
		[HL_DEC] = "decrement by",
	};
	(void)numeric;
	if (d->mode <= HL_DEC)
		qt_buf_printf(b, " HL %s %u", what[d->mode], d->hl);
}

/* ---- engine: xt_HL (hl_tg6): the new hop limit clamped to 0..255,
 * written in place (IPv6 has no header checksum to mend). The packet
 * goes back with the verdict: it must be whole in the copy (a shorter
 * copy handed back would cut it), and a partial transport checksum is
 * completed (a packet handed back loses that mark). */
static int hl_tg_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct hl_tg_data *d = in->data;
	if (ev->pkt.family != AF_INET6 || !qt_dsfield_writable(ev))
		return QT_XT_CONTINUE;
	int cur = ev->data[7], nhl = cur;
	switch (d->mode) {
	case HL_SET: nhl = d->hl; break;
	case HL_INC: nhl = cur + d->hl > 255 ? 255 : cur + d->hl; break;
	case HL_DEC: nhl = cur - d->hl < 0 ? 0 : cur - d->hl; break;
	}
	if (nhl != cur) {
		ev->data[7] = (uint8_t)nhl;
		ev->pkt.ttl = (uint8_t)nhl;
		ev->rewritten = true;
		qt_dsfield_complete_l4(ev);
	}
	return QT_XT_CONTINUE;
}

/* The packet goes back whole with the verdict. */
static uint32_t hl_tg_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext hl_target = {
	.name = "HL",
	.kind = QT_EXT_TARGET,
	.family = AF_INET6,
	.data_size = sizeof(struct hl_tg_data),
	.opts = hl_tg_opts,
	.parse = hl_tg_parse,
	.check = hl_tg_check,
	.kcheck = hl_tg_kcheck,
	.save = hl_tg_save,
	.print = hl_tg_print,
	.target = hl_tg_fn,
	.copy_need = hl_tg_copy_need,
	.help_header = "HL target options",
	.help =
		"  --hl-set value\t\tSet HL to <value 0-255>\n"
		"  --hl-dec value\t\tDecrement HL by <value 1-255>\n"
		"  --hl-inc value\t\tIncrement HL by <value 1-255>\n",
};
QT_EXT_REGISTER(hl_target)
