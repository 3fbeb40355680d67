/* -j REDIRECT: DNAT to the local machine, optionally to other ports.
 * Facts of iptables-nft 1.8.9 (libxt_NAT): --to-ports needs -p
 * tcp/udp/sctp/dccp/icmp given before it; no shifted "/BASE" ranges; the
 * kernel takes it in nat PREROUTING and OUTPUT. */
#include <errno.h>
#include <string.h>

#include "ext.h"
#include "model.h"

enum { O_TO_PORTS, O_RANDOM };

static const struct qt_ext_opt redir_opts[] = {
	{ .name = "to-ports", .id = O_TO_PORTS, .type = QT_OT_RAW },
	{ .name = "random", .id = O_RANDOM, .type = QT_OT_BITS,
	  .value = QT_NAT_PROTO_RANDOM, QT_PUT(struct qt_nat_range, flags) },
	{ .name = NULL },
};

static int redir_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	struct qt_nat_range *r = in->data;
	switch (a->opt->id) {
	case O_TO_PORTS:
		if (qt_nat_parse_ports(a->arg, a->rule ? a->rule->proto : 0, r,
				       ctx))
			return -1;
		if (r->flags & QT_NAT_PROTO_OFFSET)
			return qt_param_error(ctx,
				"Shifted portmap ranges not supported with this kernel");
		return 0;
	}
	return 0;
}

static int redir_kcheck(const struct qt_ext_inst *in,
			const struct qt_rule_env *env)
{
	unsigned ok = 1u << QT_HOOK_PRE_ROUTING | 1u << QT_HOOK_LOCAL_OUT;
	(void)in;
	return strcmp(env->table, "nat") || (env->hooks & ~ok) ? EINVAL : 0;
}

static void redir_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct qt_nat_range *r = in->data;
	if (r->flags & QT_NAT_PROTO_SPECIFIED) {
		qt_buf_puts(b, " --to-ports ");
		qt_nat_range_put(b, r, true);
	}
	if (r->flags & QT_NAT_PROTO_RANDOM)
		qt_buf_puts(b, " --random");
}

static void redir_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct qt_nat_range *r = in->data;
	(void)numeric;
	if (r->flags & QT_NAT_PROTO_SPECIFIED) {
		qt_buf_puts(b, " redir ports ");
		qt_nat_range_put(b, r, true);
	}
	if (r->flags & QT_NAT_PROTO_RANDOM)
		qt_buf_puts(b, " random");
}

static const struct qt_ext redir_target = {
	.name = "REDIRECT",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct qt_nat_range),
	.opts = redir_opts,
	.parse = redir_parse,
	.kcheck = redir_kcheck,
	.save = redir_save,
	.print = redir_print,
	.terminal = true,
	.help =
		" --to-ports <port>[-<port>]\n"
		"\t\t\t\tPort (range) to map to.\n"
		" [--random]\n",
};
QT_EXT_REGISTER(redir_target)
