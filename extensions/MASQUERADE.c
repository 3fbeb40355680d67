/* -j MASQUERADE: SNAT to the address of the outgoing interface.
 * Facts of iptables-nft 1.8.9 (libxt_NAT): --to-ports needs -p
 * tcp/udp/sctp/dccp/icmp given before it; a "/BASE" after a range is
 * checked but saved as "/0"; the kernel takes it in nat POSTROUTING. */
#include <errno.h>
#include <string.h>

#include "ext.h"
#include "model.h"

enum { O_TO_PORTS, O_RANDOM, O_RANDOM_FULLY };

static const struct qt_ext_opt masq_opts[] = {
	{ .name = "to-ports", .id = O_TO_PORTS, .type = QT_OT_RAW },
	{ .name = "random", .id = O_RANDOM, .type = QT_OT_BITS,
	  .value = QT_NAT_PROTO_RANDOM, QT_PUT(struct qt_nat_range, flags) },
	{ .name = "random-fully", .id = O_RANDOM_FULLY, .type = QT_OT_BITS,
	  .value = QT_NAT_PROTO_RANDOM_FULLY, QT_PUT(struct qt_nat_range, flags) },
	{ .name = NULL },
};

static int masq_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct qt_nat_range *r = in->data;
	switch (a->opt->id) {
	case O_TO_PORTS:
		if (qt_nat_parse_ports(a->arg, a->rule ? a->rule->proto : 0, r,
				       ctx))
			return -1;
		r->base_port = 0;
		return 0;
	}
	return 0;
}

static int masq_kcheck(const struct qt_ext_inst *in,
		       const struct qt_rule_env *env)
{
	(void)in;
	return strcmp(env->table, "nat") ||
	       (env->hooks & ~(1u << QT_HOOK_POST_ROUTING)) ? EINVAL : 0;
}

static void masq_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct qt_nat_range *r = in->data;
	if (r->flags & QT_NAT_PROTO_SPECIFIED) {
		qt_buf_puts(b, " --to-ports ");
		qt_nat_range_put(b, r, true);
	}
	qt_nat_flags_put(b, r->flags, "--");
}

static void masq_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct qt_nat_range *r = in->data;
	(void)numeric;
	if (r->flags & QT_NAT_PROTO_SPECIFIED) {
		qt_buf_puts(b, " masq ports: ");
		qt_nat_range_put(b, r, true);
	}
	qt_nat_flags_put(b, r->flags, "");
}

static const struct qt_ext masq_target = {
	.name = "MASQUERADE",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct qt_nat_range),
	.opts = masq_opts,
	.parse = masq_parse,
	.kcheck = masq_kcheck,
	.save = masq_save,
	.print = masq_print,
	.terminal = true,
	.help =
		" --to-ports <port>[-<port>]\n"
		"\t\t\t\tPort (range) to map to.\n"
		" --random\n"
		"\t\t\t\tRandomize source port.\n"
		" --random-fully\n"
		"\t\t\t\tFully randomize source port.\n",
};
QT_EXT_REGISTER(masq_target)
