/* -j SNAT: rewrite the source address (and port) of a connection.
 * Facts of iptables-nft 1.8.9 (libxt_NAT): --to-source is required and
 * given once; ports need -p tcp/udp/sctp/dccp/icmp before the option; a
 * "/BASE" after a port range is checked but saved as "/0" (only DNAT
 * keeps it); the kernel takes SNAT in nat POSTROUTING and INPUT. */
#include <errno.h>
#include <string.h>

#include "ext.h"
#include "model.h"

enum { O_TO_SRC, O_RANDOM, O_RANDOM_FULLY, O_PERSISTENT };

static const struct qt_ext_opt snat_opts[] = {
	{ .name = "to-source", .id = O_TO_SRC, .type = QT_OT_RAW,
	  .flags = QT_OPT_MAND },
	{ .name = "random", .id = O_RANDOM, .type = QT_OT_BITS,
	  .value = QT_NAT_PROTO_RANDOM, QT_PUT(struct qt_nat_range, flags) },
	{ .name = "random-fully", .id = O_RANDOM_FULLY, .type = QT_OT_BITS,
	  .value = QT_NAT_PROTO_RANDOM_FULLY, QT_PUT(struct qt_nat_range, flags) },
	{ .name = "persistent", .id = O_PERSISTENT, .type = QT_OT_BITS,
	  .value = QT_NAT_PERSISTENT, QT_PUT(struct qt_nat_range, flags) },
	{ .name = NULL },
};

static int snat_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct qt_nat_range *r = in->data;
	switch (a->opt->id) {
	case O_TO_SRC:
		if (qt_nat_parse_to(a->arg, a->rule ? a->rule->proto : 0, r, ctx))
			return -1;
		r->base_port = 0;
		return 0;
	}
	return 0;
}

static int snat_kcheck(const struct qt_ext_inst *in,
		       const struct qt_rule_env *env)
{
	unsigned ok = 1u << QT_HOOK_POST_ROUTING | 1u << QT_HOOK_LOCAL_IN;
	(void)in;
	return strcmp(env->table, "nat") || (env->hooks & ~ok) ? EINVAL : 0;
}

static void snat_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct qt_nat_range *r = in->data;
	qt_buf_puts(b, " --to-source ");
	qt_nat_range_put(b, r, false);
	qt_nat_flags_put(b, r->flags, "--");
}

static void snat_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct qt_nat_range *r = in->data;
	(void)numeric;
	qt_buf_puts(b, " to:");
	qt_nat_range_put(b, r, false);
	qt_nat_flags_put(b, r->flags, "");
}

static const struct qt_ext snat_target = {
	.name = "SNAT",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct qt_nat_range),
	.opts = snat_opts,
	.parse = snat_parse,
	.kcheck = snat_kcheck,
	.save = snat_save,
	.print = snat_print,
	.terminal = true,
	.help =
		" --to-source [<ipaddr>[-<ipaddr>]][:port[-port]]\n"
		"\t\t\t\tAddress to map source to.\n"
		"[--random] [--random-fully] [--persistent]\n",
};
QT_EXT_REGISTER(snat_target)
