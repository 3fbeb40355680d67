/* -j NOTRACK: the old spelling of "-j CT --notrack". iptables-nft 1.8.9
 * keeps it a rule of its own: saved as "-j NOTRACK", listed by -L with
 * CT in the target column and "NOTRACK" after the addresses, and not
 * equal to "-j CT --notrack" for -D. The kernel takes it in raw only. */
#include <errno.h>
#include <string.h>

#include "eval.h"
#include "ext.h"
#include "model.h"

struct notrack_data {
	uint8_t unused;   /* no options; a zero byte keeps the block real */
};

static const struct qt_ext_opt notrack_opts[] = {
	{ .name = NULL },
};

static int notrack_kcheck(const struct qt_ext_inst *in,
			  const struct qt_rule_env *env)
{
	(void)in;
	return strcmp(env->table, "raw") ? EINVAL : 0;
}

static void notrack_print(const struct qt_ext_inst *in, struct qt_buf *b,
			  bool numeric)
{
	(void)in;
	(void)numeric;
	qt_buf_puts(b, " NOTRACK");
}

/* The packet is left out of connection tracking (the engine's own). */
static int notrack_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	(void)in;
	/* a packet with a template already (CT --zone) keeps it */
	if (!ev->ct_tmpl)
		ev->untracked = true;
	return QT_XT_CONTINUE;
}

static const struct qt_ext notrack_target = {
	.name = "NOTRACK",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct notrack_data),
	.opts = notrack_opts,
	.kcheck = notrack_kcheck,
	.print = notrack_print,
	.target = notrack_target_fn,
	.conntrack = true,
	.list_name = "CT",
};
QT_EXT_REGISTER(notrack_target)
