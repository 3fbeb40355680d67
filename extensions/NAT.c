/* -j SNAT, DNAT, MASQUERADE and REDIRECT: rewrite a connection's source
 * (SNAT; MASQUERADE, to the outgoing interface's address) or destination
 * (DNAT; REDIRECT, to the local machine). All four hold one range, the
 * kernel's nf_nat_range2 (struct qt_nat_range, read and written by
 * parser/ports.c), and iptables 1.8.9 keeps them in one extension
 * (libxt_NAT) too: what differs between them is a row of facts (struct
 * nat_target), not code.
 *
 * Facts of iptables-nft 1.8.9: --to-source and --to-destination are
 * required and given once; ports need -p tcp/udp/sctp/dccp/icmp given
 * before the option; a "/BASE" after a port range shifts DNAT's port map,
 * is checked but saved as "/0" by SNAT and MASQUERADE, and refused by
 * REDIRECT; --random-fully is SNAT's and MASQUERADE's, --persistent SNAT's
 * and DNAT's; the kernel takes each in the nat table only, in the chains
 * of its hooks.
 *
 * Engine side: each target hands its range to the binding of the
 * connection (engine/nat.h, the kernel's nf_nat_setup_info) and ends the
 * walk of the nat chain (ACCEPT), as the kernel's xt_nat targets do;
 * MASQUERADE and REDIRECT first put the address they map to into it.
 *
 * ip6tables' rules hold IPv6 ranges (the range's family, set by init
 * from the rule's): "[ADDR[-ADDR]]:PORTS" or a bare "ADDR[-ADDR]", as
 * libxt_NAT reads and prints them; MASQUERADE's and REDIRECT's
 * addresses are then the kernel's IPv6 choices (engine/host_addrs.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ct_entry.h"
#include "eval.h"
#include "ext.h"
#include "host_addrs.h"
#include "model.h"
#include "nat.h"

enum { O_TO, O_RANDOM, O_RANDOM_FULLY, O_PERSISTENT };

/* What "/BASE" after a port range does. */
enum nat_base { BASE_KEEP, BASE_ZERO, BASE_REFUSE };

enum nat_kind { K_SNAT, K_DNAT, K_MASQUERADE, K_REDIRECT };

struct nat_target {
	struct qt_ext ext;     /* first: an instance's ext points here */
	enum nat_kind kind;
	bool ports_only;       /* the range is --to-ports (no addresses) */
	enum nat_base base;
	unsigned hooks;        /* QT_HOOK_* bits the kernel takes it in */
	const char *label;     /* -L text before the range */
};

static const struct nat_target *nat_of(const struct qt_ext_inst *in)
{
	return (const struct nat_target *)(const void *)in->ext;
}

#define TO_RANGE(opt) { .name = opt, .id = O_TO, .type = QT_OT_RAW, \
			.flags = QT_OPT_MAND }
#define TO_PORTS { .name = "to-ports", .id = O_TO, .type = QT_OT_RAW }
#define FLAG(opt, id_, bit) { .name = opt, .id = id_, .type = QT_OT_BITS, \
			      .value = bit, QT_PUT(struct qt_nat_range, flags) }
#define RANDOM FLAG("random", O_RANDOM, QT_NAT_PROTO_RANDOM)
#define RANDOM_FULLY FLAG("random-fully", O_RANDOM_FULLY, \
			  QT_NAT_PROTO_RANDOM_FULLY)
#define PERSISTENT FLAG("persistent", O_PERSISTENT, QT_NAT_PERSISTENT)

static const struct qt_ext_opt snat_opts[] = {
	TO_RANGE("to-source"), RANDOM, RANDOM_FULLY, PERSISTENT, { .name = NULL },
};
static const struct qt_ext_opt dnat_opts[] = {
	TO_RANGE("to-destination"), RANDOM, PERSISTENT, { .name = NULL },
};
static const struct qt_ext_opt masq_opts[] = {
	TO_PORTS, RANDOM, RANDOM_FULLY, { .name = NULL },
};
static const struct qt_ext_opt redir_opts[] = {
	TO_PORTS, RANDOM, { .name = NULL },
};

/* The rule's family decides how --to-source and --to-destination are
 * read and printed. */
static void nat_init(struct qt_ext_inst *in)
{
	struct qt_nat_range *r = in->data;
	r->family = in->family == AF_INET6 ? AF_INET6 : 0;
}

/* The range of --to-source, --to-destination or --to-ports; the flags
 * are options as data. */
static int nat_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	const struct nat_target *t = nat_of(in);
	struct qt_nat_range *r = in->data;
	/* iptables reads the -p given before the option, '!' or not */
	uint16_t proto = a->rule ? a->rule->proto : 0;
	if (a->opt->id != O_TO)
		return 0;
	if (t->ports_only ? qt_nat_parse_ports(a->arg, proto, r, ctx)
			  : qt_nat_parse_to(a->arg, proto, r, ctx))
		return -1;
	switch (t->base) {
	case BASE_KEEP:
		break;
	case BASE_ZERO:
		r->base_port = 0;
		break;
	case BASE_REFUSE:
		if (r->flags & QT_NAT_PROTO_OFFSET)
			return qt_param_error(ctx,
				"Shifted portmap ranges not supported with this kernel");
		break;
	}
	return 0;
}

static int nat_kcheck(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env)
{
	return strcmp(env->table, "nat") || (env->hooks & ~nat_of(in)->hooks)
		? EINVAL : 0;
}

/* Save and -L: the range (MASQUERADE and REDIRECT have none when no
 * --to-ports was given), then the flags. */
static void put_nat(const struct qt_ext_inst *in, struct qt_buf *b,
		    bool save)
{
	const struct nat_target *t = nat_of(in);
	const struct qt_nat_range *r = in->data;
	if (!t->ports_only || (r->flags & QT_NAT_PROTO_SPECIFIED)) {
		if (save)
			qt_buf_printf(b, " --%s ", qt_opt_name(in->ext, O_TO));
		else
			qt_buf_puts(b, t->label);
		qt_nat_range_put(b, r, t->ports_only);
	}
	qt_nat_flags_put(b, r->flags, save ? "--" : "");
}

static void nat_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	put_nat(in, b, true);
}

static void nat_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	(void)numeric;
	put_nat(in, b, false);
}

/* ---- engine side ---- */

/* nf_nat_masquerade_ipv4: the source becomes the out-interface's
 * address the kernel's inet_select_addr picks for the next hop (the
 * route's gateway, else the destination): the first primary one whose
 * subnet holds it, else the first; the entry remembers the interface,
 * so it goes when that address does. */
/* nf_nat_masquerade_ipv6: the source the kernel would pick for the
 * packet's destination on the out-interface (ipv6_dev_get_saddr, as
 * far as engine/host_addrs.h models it). */
static int masquerade6(const struct qt_nat_range *r, struct qt_eval *ev)
{
	struct qt_ct_entry *e = ev->ct;
	struct in6_addr dst, src;
	memcpy(&dst, e->t[QT_CT_REPLY].src.b, 16);
	if (!ev->env || !ev->env->addrs || !ev->outdev ||
	    qt_addrs_source6(ev->env->addrs, ev->outdev, &dst, &src) < 0)
		return QT_XT_DROP;
	union qt_ct_addr a;
	memcpy(a.b, &src, 16);
	struct qt_nat_range nr = *r;
	qt_nat_range_set_addr(&nr, &a, true);
	if (!(e->status & QT_IPS_CONFIRMED))
		e->masq_ifindex = ev->outdev;
	return qt_nat_setup(ev, &nr, QT_NAT_MANIP_SRC);
}

static int masquerade(const struct qt_nat_range *r, struct qt_eval *ev)
{
	struct qt_ct_entry *e = ev->ct;
	if (ev->pkt.family == AF_INET6)
		return masquerade6(r, ev);
	/* a local packet from 0.0.0.0 is not meant to be masqueraded */
	if (!e->t[QT_CT_ORIG].src.ip)
		return QT_XT_ACCEPT;
	struct in_addr a;
	/* the destination the packet was routed by: after a DNAT, the
	 * new one (the reply's source) */
	struct in_addr dst = { .s_addr = e->t[QT_CT_REPLY].src.ip };
	if (!ev->env || !ev->env->addrs || !ev->outdev ||
	    qt_addrs_masq_source(ev->env->addrs, ev->outdev, dst, &a) < 0)
		return QT_XT_DROP;     /* "ate my IP address" */
	struct qt_nat_range nr = *r;
	nr.flags |= QT_NAT_MAP_IPS;
	nr.min_addr = nr.max_addr = a.s_addr;
	if (!(e->status & QT_IPS_CONFIRMED))
		e->masq_ifindex = ev->outdev;
	return qt_nat_setup(ev, &nr, QT_NAT_MANIP_SRC);
}

/* nf_nat_redirect_ipv6: ::1 for a local packet, else the first IPv6
 * address of the interface it came in by that is not tentative. */
static int redirect6(const struct qt_nat_range *r, struct qt_eval *ev)
{
	struct in6_addr a6 = IN6ADDR_LOOPBACK_INIT;
	if (ev->hook != QT_HOOK_LOCAL_OUT &&
	    (!ev->env || !ev->env->addrs || !ev->indev ||
	     qt_addrs_iface_addr6(ev->env->addrs, ev->indev, &a6) < 0))
		return QT_XT_DROP;
	union qt_ct_addr a;
	memcpy(a.b, &a6, 16);
	struct qt_nat_range nr = *r;
	qt_nat_range_set_addr(&nr, &a, true);
	return qt_nat_setup(ev, &nr, QT_NAT_MANIP_DST);
}

/* nf_nat_redirect_ipv4: to this host: 127.0.0.1 for a local packet,
 * else the first address of the interface it came in by. */
static int redirect(const struct qt_nat_range *r, struct qt_eval *ev)
{
	if (ev->pkt.family == AF_INET6)
		return redirect6(r, ev);
	struct in_addr a;
	if (ev->hook == QT_HOOK_LOCAL_OUT)
		a.s_addr = htonl(INADDR_LOOPBACK);
	else if (!ev->env || !ev->env->addrs || !ev->indev ||
		 qt_addrs_iface_addr(ev->env->addrs, ev->indev, &a) < 0)
		return QT_XT_DROP;
	struct qt_nat_range nr = *r;
	nr.flags |= QT_NAT_MAP_IPS;
	nr.min_addr = nr.max_addr = a.s_addr;
	return qt_nat_setup(ev, &nr, QT_NAT_MANIP_DST);
}

static int nat_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct qt_nat_range *r = in->data;
	/* the nat table is walked only for packets with a connection */
	if (!qt_ctv_entry(ev))
		return QT_XT_ACCEPT;
	switch (nat_of(in)->kind) {
	case K_SNAT:
		return qt_nat_setup(ev, r, QT_NAT_MANIP_SRC);
	case K_DNAT:
		return qt_nat_setup(ev, r, QT_NAT_MANIP_DST);
	case K_MASQUERADE:
		return masquerade(r, ev);
	case K_REDIRECT:
		return redirect(r, ev);
	}
	return QT_XT_ACCEPT;
}

#define NAT_EXT(name_, opts_, help_) { \
	.name = name_, .kind = QT_EXT_TARGET, \
	.data_size = sizeof(struct qt_nat_range), .opts = opts_, \
	.init = nat_init, .parse = nat_parse, .kcheck = nat_kcheck, \
	.save = nat_save, \
	.print = nat_print, .help = help_, .target = nat_target_fn, \
	.conntrack = true }

static const struct nat_target nat_targets[] = {
	{
		.kind = K_SNAT,
		.ext = NAT_EXT("SNAT", snat_opts,
			" --to-source [<ipaddr>[-<ipaddr>]][:port[-port]]\n"
			"\t\t\t\tAddress to map source to.\n"
			"[--random] [--random-fully] [--persistent]\n"),
		.base = BASE_ZERO,
		.hooks = QT_BIT(QT_HOOK_POST_ROUTING) | QT_BIT(QT_HOOK_LOCAL_IN),
		.label = " to:",
	},
	{
		.kind = K_DNAT,
		.ext = NAT_EXT("DNAT", dnat_opts,
			" --to-destination [<ipaddr>[-<ipaddr>]][:port[-port[/port]]]\n"
			"\t\t\t\tAddress to map destination to.\n"
			"[--random] [--persistent]\n"),
		.base = BASE_KEEP,
		.hooks = QT_BIT(QT_HOOK_PRE_ROUTING) | QT_BIT(QT_HOOK_LOCAL_OUT),
		.label = " to:",
	},
	{
		.kind = K_MASQUERADE,
		.ext = NAT_EXT("MASQUERADE", masq_opts,
			" --to-ports <port>[-<port>]\n"
			"\t\t\t\tPort (range) to map to.\n"
			" --random\n"
			"\t\t\t\tRandomize source port.\n"
			" --random-fully\n"
			"\t\t\t\tFully randomize source port.\n"),
		.ports_only = true,
		.base = BASE_ZERO,
		.hooks = QT_BIT(QT_HOOK_POST_ROUTING),
		.label = " masq ports: ",
	},
	{
		.kind = K_REDIRECT,
		.ext = NAT_EXT("REDIRECT", redir_opts,
			" --to-ports <port>[-<port>]\n"
			"\t\t\t\tPort (range) to map to.\n"
			" [--random]\n"),
		.ports_only = true,
		.base = BASE_REFUSE,
		.hooks = QT_BIT(QT_HOOK_PRE_ROUTING) | QT_BIT(QT_HOOK_LOCAL_OUT),
		.label = " redir ports ",
	},
};

static void __attribute__((constructor)) nat_register(void)
{
	for (size_t i = 0; i < sizeof(nat_targets) / sizeof(nat_targets[0]); i++)
		qt_ext_register(&nat_targets[i].ext);
}
