/* -j SNPT: RFC 6296 prefix translation of the IPv6 source address
 * (ip6tables only; the mangle table's INPUT and POSTROUTING chains, as the kernel's
 * ip6t_NPT registers it): the first bits of the address become
 * --dst-pfx's where they were --src-pfx's, with the word after them
 * adjusted so that transport checksums stay valid. Stateless: nothing
 * is tracked, every packet is mapped on its own. What DNPT and SNPT
 * share is in extensions/lib/npt.c. */
#include <stdbool.h>
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "model.h"
#include "npt.h"

static int snpt_kcheck(const struct qt_ext_inst *in,
		       const struct qt_rule_env *env)
{
	return qt_npt_kcheck(in, env, QT_BIT(QT_HOOK_LOCAL_IN) | QT_BIT(QT_HOOK_POST_ROUTING));
}

static void snpt_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	(void)numeric;
	qt_npt_print(in, b, "SNPT");
}

static int snpt_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	return qt_npt_target(in, ev, true);
}

/* The packet goes back whole with the verdict. */
static uint32_t snpt_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext snpt_target = {
	.name = "SNPT",
	.kind = QT_EXT_TARGET,
	.family = AF_INET6,
	.data_size = sizeof(struct qt_npt_data),
	.opts = qt_npt_opts,
	.parse = qt_npt_parse,
	.check = qt_npt_check,
	.kcheck = snpt_kcheck,
	.save = qt_npt_save,
	.print = snpt_print,
	.target = snpt_target_fn,
	.copy_need = snpt_copy_need,
	.l2type = true,
	.help =
		" --src-pfx prefix/length\n"
		" --dst-pfx prefix/length\n"
		"\n",
};
QT_EXT_REGISTER(snpt_target)
