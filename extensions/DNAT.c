/* -j DNAT: rewrite the destination address (and port) of a connection.
 * Facts of iptables-nft 1.8.9 (libxt_NAT): --to-destination is required and
 * given once; ports need -p tcp/udp/sctp/dccp/icmp before the option; a
 * "/BASE" after a port range shifts the port map; --random-fully is
 * SNAT's only; the kernel takes DNAT in nat PREROUTING and OUTPUT. */
#include <errno.h>
#include <string.h>

#include "ext.h"
#include "model.h"

enum { O_TO_DST, O_RANDOM, O_PERSISTENT };

static const struct qt_ext_opt dnat_opts[] = {
	{ .name = "to-destination", .id = O_TO_DST, .type = QT_OT_RAW,
	  .flags = QT_OPT_MAND },
	{ .name = "random", .id = O_RANDOM, .type = QT_OT_BITS,
	  .value = QT_NAT_PROTO_RANDOM, QT_PUT(struct qt_nat_range, flags) },
	{ .name = "persistent", .id = O_PERSISTENT, .type = QT_OT_BITS,
	  .value = QT_NAT_PERSISTENT, QT_PUT(struct qt_nat_range, flags) },
	{ .name = NULL },
};

static int dnat_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct qt_nat_range *r = in->data;
	switch (a->opt->id) {
	case O_TO_DST:
		if (qt_nat_parse_to(a->arg, a->rule ? a->rule->proto : 0, r, ctx))
			return -1;
		return 0;
	}
	return 0;
}

static int dnat_kcheck(const struct qt_ext_inst *in,
		       const struct qt_rule_env *env)
{
	unsigned ok = 1u << QT_HOOK_PRE_ROUTING | 1u << QT_HOOK_LOCAL_OUT;
	(void)in;
	return strcmp(env->table, "nat") || (env->hooks & ~ok) ? EINVAL : 0;
}

static void dnat_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct qt_nat_range *r = in->data;
	qt_buf_puts(b, " --to-destination ");
	qt_nat_range_put(b, r, false);
	qt_nat_flags_put(b, r->flags, "--");
}

static void dnat_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct qt_nat_range *r = in->data;
	(void)numeric;
	qt_buf_puts(b, " to:");
	qt_nat_range_put(b, r, false);
	qt_nat_flags_put(b, r->flags, "");
}

static const struct qt_ext dnat_target = {
	.name = "DNAT",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct qt_nat_range),
	.opts = dnat_opts,
	.parse = dnat_parse,
	.kcheck = dnat_kcheck,
	.save = dnat_save,
	.print = dnat_print,
	.terminal = true,
	.help =
		" --to-destination [<ipaddr>[-<ipaddr>]][:port[-port[/port]]]\n"
		"\t\t\t\tAddress to map destination to.\n"
		"[--random] [--persistent]\n",
};
QT_EXT_REGISTER(dnat_target)
