/* -j CLASSIFY: set the packet's priority (skb->priority), which a tc
 * qdisc reads as the class to put it in. Both families, any table, at
 * OUTPUT, FORWARD and POSTROUTING only (the hooks xt_CLASSIFY is
 * registered for: -A elsewhere is the kernel's EINVAL). The priority
 * goes back to the kernel in the verdict (NFQA_PRIORITY, which
 * nfqnl_recv_verdict applies: seen on Linux 6.18), and comes with the
 * packet to its later hooks. */
#include <errno.h>
#include <stdio.h>

#include "eval.h"
#include "ext.h"

enum { O_SET_CLASS };

struct classify_data {
	uint32_t priority;     /* TC_H_MAKE(major << 16, minor) */
};

static const struct qt_ext_opt classify_opts[] = {
	{ .name = "set-class", .id = O_SET_CLASS, .type = QT_OT_RAW,
	  .flags = QT_OPT_MAND },
	{ .name = NULL },
};

/* libxt_CLASSIFY reads MAJOR:MINOR with sscanf's "%x:%x" and makes the
 * handle of the two with TC_H_MAKE(major << 16, minor): whatever that
 * conversion takes (blanks before a number, a sign, 0x, values beyond
 * 16 bits cut to their low half, anything after the minor ignored) is
 * taken, so the same conversion reads it here. */
static int classify_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			  struct qt_ctx *ctx)
{
	struct classify_data *d = in->data;
	unsigned int major, minor;
	if (sscanf(a->arg, "%x:%x", &major, &minor) != 2)
		return qt_param_error(ctx, "Bad class value \"%s\"", a->arg);
	d->priority = (major << 16 & 0xffff0000u) | (minor & 0xffffu);
	return 0;
}

static int classify_kcheck(const struct qt_ext_inst *in,
			   const struct qt_rule_env *env)
{
	unsigned ok = 1u << QT_HOOK_FORWARD | 1u << QT_HOOK_LOCAL_OUT |
		      1u << QT_HOOK_POST_ROUTING;
	(void)in;
	return env->hooks & ~ok ? EINVAL : 0;
}

static void classify_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct classify_data *d = in->data;
	qt_buf_printf(b, " --set-class %04x:%04x", d->priority >> 16,
		      d->priority & 0xffff);
}

static void classify_print(const struct qt_ext_inst *in, struct qt_buf *b,
			   bool numeric)
{
	const struct classify_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " CLASSIFY set %x:%x", d->priority >> 16,
		      d->priority & 0xffff);
}

/* xt_CLASSIFY's classify_tg: the priority set, the rule goes on. */
static int classify_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct classify_data *d = in->data;
	ev->priority = d->priority;
	return QT_XT_CONTINUE;
}

static const struct qt_ext classify_target = {
	.name = "CLASSIFY",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct classify_data),
	.opts = classify_opts,
	.parse = classify_parse,
	.kcheck = classify_kcheck,
	.save = classify_save,
	.print = classify_print,
	.target = classify_target_fn,
	.help =
		"--set-class MAJOR:MINOR    Set skb->priority value (always hexadecimal!)\n",
};
QT_EXT_REGISTER(classify_target)
