/* -j TOS: rewrite the DS field (IPv4's TOS byte, IPv6's traffic class)
 * as x = (x & ~mask) ^ value, in the mangle table only (xt_TOS revision
 * 1, both families). --and-tos, --or-tos and --xor-tos are that pair
 * too and are saved as --set-tos VALUE/MASK; -L names the operation the
 * pair looks like, as libxt_TOS does. */
#include <errno.h>
#include <string.h>

#include "dsfield.h"
#include "eval.h"
#include "ext.h"

struct tos_tg_data {
	uint8_t value;
	uint8_t mask;          /* bits cleared before value is XORed in */
};

enum { O_SET_TOS, O_AND_TOS, O_OR_TOS, O_XOR_TOS };

#define ANY (QT_BIT(O_SET_TOS) | QT_BIT(O_AND_TOS) | QT_BIT(O_OR_TOS) | \
	     QT_BIT(O_XOR_TOS))
static const struct qt_ext_opt tos_tg_opts[] = {
	{ .name = "set-tos", .id = O_SET_TOS, .type = QT_OT_RAW, .excl = ANY },
	{ .name = "and-tos", .id = O_AND_TOS, .type = QT_OT_UINT, .max = 255,
	  .excl = ANY },
	{ .name = "or-tos", .id = O_OR_TOS, .type = QT_OT_UINT, .max = 255,
	  .excl = ANY },
	{ .name = "xor-tos", .id = O_XOR_TOS, .type = QT_OT_UINT, .max = 255,
	  .excl = ANY },
	{ .name = NULL },
};

static int tos_tg_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct tos_tg_data *d = in->data;
	uint8_t v = (uint8_t)a->val.u;
	switch (a->opt->id) {
	case O_SET_TOS:
		return qt_tos_parse(ctx, a->arg, 0xff, &d->value, &d->mask);
	case O_AND_TOS: d->value = 0; d->mask = (uint8_t)~v; break;
	case O_OR_TOS: d->value = v; d->mask = v; break;
	case O_XOR_TOS: d->value = v; d->mask = 0; break;
	}
	return 0;
}

static int tos_tg_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx, "TOS: An action is required");
	return 0;
}

static int tos_tg_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	(void)in;
	return strcmp(env->table, "mangle") ? EINVAL : 0;
}

static void tos_tg_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct tos_tg_data *d = in->data;
	qt_buf_printf(b, " --set-tos 0x%02x/0x%02x", d->value, d->mask);
}

static void tos_tg_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct tos_tg_data *d = in->data;
	const char *name = numeric ? NULL : qt_tos_name(d->value, d->mask);
	if (numeric)
		qt_buf_printf(b, " TOS set 0x%02x/0x%02x", d->value, d->mask);
	else if (name)
		/* libxt_TOS prints its prefix with a space before it */
		qt_buf_printf(b, "  TOS set%s", name);
	else if (d->value == 0)
		qt_buf_printf(b, " TOS and 0x%02x", (uint8_t)~d->mask);
	else if (d->value == d->mask)
		qt_buf_printf(b, " TOS or 0x%02x", d->value);
	else if (d->mask == 0)
		qt_buf_printf(b, " TOS xor 0x%02x", d->value);
	else
		qt_buf_printf(b, " TOS set 0x%02x/0x%02x", d->value, d->mask);
}

/* ---- engine: xt_DSCP's tos_tg and tos_tg6 ---- */
static int tos_tg_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct tos_tg_data *d = in->data;
	if (!qt_dsfield_writable(ev))
		return QT_XT_CONTINUE;
	uint8_t orig = qt_dsfield_get(ev);
	qt_dsfield_change(ev, 0, (uint8_t)((orig & ~d->mask) ^ d->value));
	return QT_XT_CONTINUE;
}

/* The packet goes back whole with the verdict. */
static uint32_t tos_tg_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext tos_target = {
	.name = "TOS",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct tos_tg_data),
	.opts = tos_tg_opts,
	.parse = tos_tg_parse,
	.check = tos_tg_check,
	.kcheck = tos_tg_kcheck,
	.save = tos_tg_save,
	.print = tos_tg_print,
	.target = tos_tg_fn,
	.copy_need = tos_tg_copy_need,
	/* sic: libxt_TOS prints its version string there */
	.help_header = "TOS target vlibxtables.so.12 options:",
	.help =
		"  --set-tos value[/mask]  Set Type of Service/Priority field to value\n"
		"                          (Zero out bits in mask and XOR value into TOS)\n"
		"  --set-tos symbol        Set TOS field (IPv4 only) by symbol\n"
		"                          (this zeroes the 4-bit Precedence part!)\n"
		"                          Accepted symbolic names for value are:\n"
		"                            (0x10) 16 Minimize-Delay\n"
		"                            (0x08)  8 Maximize-Throughput\n"
		"                            (0x04)  4 Maximize-Reliability\n"
		"                            (0x02)  2 Minimize-Cost\n"
		"                            (0x00)  0 Normal-Service\n"
		"\n"
		"  --and-tos bits          Binary AND the TOS value with bits\n"
		"  --or-tos  bits          Binary OR the TOS value with bits\n"
		"  --xor-tos bits          Binary XOR the TOS value with bits\n",
};
QT_EXT_REGISTER(tos_target)
