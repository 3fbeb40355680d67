/* -j REJECT: drop and answer with an ICMP error or a TCP reset.
 * Facts from iptables-nft 1.8.9 (libipt_REJECT, the kernel's ipt_REJECT):
 * the type is matched case-insensitively as a prefix of a name or alias,
 * first hit in table order; the kernel takes it only in the filter table,
 * INPUT/FORWARD/OUTPUT, and tcp-reset only with -p tcp. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include <linux/rtnetlink.h>

#include "host_addrs.h"
#include "eval.h"
#include "reject.h"
#include "ext.h"
#include "model.h"

enum { REJ_ICMP_UNREACH, REJ_TCP_RESET };

/* What the engine sends: an ICMP destination-unreachable (type 3) with
 * icmp_code, or a TCP RST. `with` indexes reject_types (reject6_types
 * in ip6tables' rules). */
struct reject_data {
	uint8_t with;
	uint8_t kind;       /* REJ_* */
	uint8_t icmp_code;  /* REJ_ICMP_UNREACH */
};

/* Table order decides which type a short prefix means ("p" is proto). */
static const struct {
	const char *name, *alias;
	uint8_t kind, code;
} reject_types[] = {
	{ "icmp-net-unreachable", "net-unreach", REJ_ICMP_UNREACH, 0 },
	{ "icmp-host-unreachable", "host-unreach", REJ_ICMP_UNREACH, 1 },
	{ "icmp-proto-unreachable", "proto-unreach", REJ_ICMP_UNREACH, 2 },
	{ "icmp-port-unreachable", "port-unreach", REJ_ICMP_UNREACH, 3 },
	{ "icmp-net-prohibited", "net-prohib", REJ_ICMP_UNREACH, 9 },
	{ "icmp-host-prohibited", "host-prohib", REJ_ICMP_UNREACH, 10 },
	{ "tcp-reset", "tcp-rst", REJ_TCP_RESET, 0 },
	{ "icmp-admin-prohibited", "admin-prohib", REJ_ICMP_UNREACH, 13 },
};
#define N_TYPES (sizeof(reject_types) / sizeof(reject_types[0]))
#define DEFAULT_TYPE 3 /* icmp-port-unreachable */

/* ip6tables' (libip6t_REJECT), codes of ICMPv6 destination unreachable
 * (type 1); tcp-reset is its own alias there. */
static const struct {
	const char *name, *alias;
	uint8_t kind, code;
} reject6_types[] = {
	{ "icmp6-no-route", "no-route", REJ_ICMP_UNREACH, 0 },
	{ "icmp6-adm-prohibited", "adm-prohibited", REJ_ICMP_UNREACH, 1 },
	{ "icmp6-addr-unreachable", "addr-unreach", REJ_ICMP_UNREACH, 3 },
	{ "icmp6-port-unreachable", "port-unreach", REJ_ICMP_UNREACH, 4 },
	{ "tcp-reset", "tcp-reset", REJ_TCP_RESET, 0 },
	{ "icmp6-policy-fail", "policy-fail", REJ_ICMP_UNREACH, 5 },
	{ "icmp6-reject-route", "reject-route", REJ_ICMP_UNREACH, 6 },
};
#define N_TYPES6 (sizeof(reject6_types) / sizeof(reject6_types[0]))
#define DEFAULT_TYPE6 3 /* icmp6-port-unreachable */

static const char *type_name(const struct qt_ext_inst *in)
{
	const struct reject_data *d = in->data;
	return in->family == AF_INET6 ? reject6_types[d->with].name
				      : reject_types[d->with].name;
}

enum { O_WITH };

static const struct qt_ext_opt reject_opts[] = {
	{ .name = "reject-with", .id = O_WITH, .type = QT_OT_RAW },
	{ .name = NULL },
};

static void set_type(struct reject_data *d, unsigned i)
{
	d->with = (uint8_t)i;
	d->kind = reject_types[i].kind;
	d->icmp_code = reject_types[i].code;
}

static void set_type6(struct reject_data *d, unsigned i)
{
	d->with = (uint8_t)i;
	d->kind = reject6_types[i].kind;
	d->icmp_code = reject6_types[i].code;
}

static void reject_init(struct qt_ext_inst *in)
{
	if (in->family == AF_INET6)
		set_type6(in->data, DEFAULT_TYPE6);
	else
		set_type(in->data, DEFAULT_TYPE);
}

static int reject_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	size_t n = strlen(a->arg);
	if (in->family == AF_INET6) {
		for (unsigned i = 0; i < N_TYPES6; i++)
			if (!strncasecmp(reject6_types[i].name, a->arg, n) ||
			    !strncasecmp(reject6_types[i].alias, a->arg, n)) {
				set_type6(in->data, i);
				return 0;
			}
		return qt_param_error(ctx, "unknown reject type \"%s\"",
				      a->arg);
	}
	for (unsigned i = 0; i < N_TYPES; i++)
		if (!strncasecmp(reject_types[i].name, a->arg, n) ||
		    !strncasecmp(reject_types[i].alias, a->arg, n)) {
			set_type(in->data, i);
			return 0;
		}
	/* iptables says so before refusing it */
	if (!strncasecmp("echo-reply", a->arg, n))
		qt_buf_puts(ctx->err, "--reject-with echo-reply no longer supported\n");
	return qt_param_error(ctx, "unknown reject type \"%s\"", a->arg);
}

static int reject_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	const struct reject_data *d = in->data;
	unsigned ok = 1u << QT_HOOK_LOCAL_IN | 1u << QT_HOOK_FORWARD |
		      1u << QT_HOOK_LOCAL_OUT;
	if (strcmp(env->table, "filter") || (env->hooks & ~ok))
		return EINVAL;
	if (d->kind == REJ_TCP_RESET && !qt_rule_proto_is(env->rule, 6))
		return EINVAL;
	return 0;
}

static void reject_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	qt_buf_printf(b, " --reject-with %s", type_name(in));
}

static void reject_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	(void)numeric;
	qt_buf_printf(b, " reject-with %s", type_name(in));
}

/* Answer (when the kernel would) and drop. The reply is built on the
 * stack: at most QT_REJECT_MAX bytes. What the packet does not say is
 * taken as the kernel takes it: the TTL is the default route's 64, the
 * ICMP source is the packet's destination for local delivery; for a
 * forwarded packet the primary address of the interface it came in by
 * (what routing back to the sender picks in the symmetric case), the
 * ICMP ID 0. The transport checksum is not verified for a
 * packet whose checksum the kernel vouches for (locally generated, or
 * handed over "checksum not ready"). A destination that is a broadcast
 * address of this namespace gets no ICMP error, as in the kernel; that
 * needs the address table (env->addrs): without it only 255.255.255.255
 * and multicast are recognised. Without env->send nothing is sent; the
 * packet is dropped all the same.
 * IPv6 (ip6tables' rules): nf_reject_ipv6's replies, hop limit 64 (the
 * default route's), flow label 0 for resets as the kernel's; for ICMPv6
 * errors the kernel's label is a hash keyed by a secret of its boot, so
 * ours is 0, "no label". The ICMPv6 source is the packet's destination
 * when that is an address of this host, else the source address the
 * kernel chooses towards the sender by the arrival interface
 * (qt_addrs_source6). A packet of the other family than
 * the rule's (which the steering never hands over) is dropped unanswered. */
static int reject_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct reject_data *d = in->data;
	const struct qt_engine_env *env = ev->env;
	const struct qt_pkt *p = &ev->pkt;
	uint8_t buf[QT_REJECT6_MAX];

	/* only a packet whose IP header parsed can be answered */
	if (!env || !env->send || p->ihl < 20 || p->ip_len < p->ihl)
		return QT_XT_DROP;
	if ((in->family == AF_INET6) != (p->family == AF_INET6))
		return QT_XT_DROP;
	struct qt_reject_env renv = {
		.ttl = 64,
		.csum_ok = ev->csum_not_ready || ev->hook == QT_HOOK_LOCAL_OUT,
		/* icmp_send answers no link-layer broadcast or multicast */
		.l2_not_host = ev->l2_known && ev->l2_type != QT_L2_HOST,
	};
	if (env->addrs && d->kind == REJ_ICMP_UNREACH && p->family == AF_INET) {
		/* of any device (0): an address of another interface than
		 * the arrival one is local too, and the kernel answers
		 * from it */
		unsigned t = qt_addrs_type(env->addrs, p->daddr.v4, 0);
		renv.dst_bcast = t == RTN_BROADCAST;
		/* not for us: the kernel answers from the address it routes
		 * back to the sender with, which for the usual symmetric
		 * routing is the primary address of the arrival interface */
		if (t != RTN_LOCAL && ev->indev)
			qt_addrs_iface_addr(env->addrs, ev->indev,
					    &renv.icmp_saddr);
	}
	if (env->addrs && d->kind == REJ_ICMP_UNREACH &&
	    p->family == AF_INET6 && ev->indev &&
	    !qt_addrs_local6(env->addrs, &p->daddr.v6, ev->indev))
		/* icmp6_send: not to us, so the source is the one chosen
		 * for the way back to the sender (by the arrival
		 * interface, in the symmetric case) */
		qt_addrs_source6(env->addrs, ev->indev, &p->saddr.v6,
				 &renv.icmp_saddr6);
	size_t n = qt_reject_build(p, (enum qt_reject_kind)d->kind,
				   d->icmp_code, &renv, buf, sizeof(buf));
	/* the reply belongs to the packet's connection (nf_ct_attach) */
	if (n && env->send(env->send_user, buf, (uint32_t)n) == 0 &&
	    ev->ct_attach)
		ev->ct_attach(ev, buf, (uint32_t)n, ev->ct_user);
	return QT_XT_DROP;
}

/* The ICMP error quotes up to 548 bytes of the packet, the ICMPv6 error
 * up to 1232: the queue must copy that much for the quote to be the
 * kernel's. */
static uint32_t reject_copy_need(const struct qt_ext_inst *in)
{
	return in->family == AF_INET6 ? QT_REJECT6_MAX : QT_REJECT_MAX;
}

/* One target, two registrations: ip6tables' REJECT (libip6t_REJECT) has
 * the same options but its own help, listing ICMPv6's types. The IPv4
 * one is registered first, so a look-up without a family (completion's)
 * finds it. */
#define REJECT_EXT_COMMON \
	.name = "REJECT", \
	.kind = QT_EXT_TARGET, \
	.data_size = sizeof(struct reject_data), \
	.opts = reject_opts, \
	.init = reject_init, \
	.parse = reject_parse, \
	.kcheck = reject_kcheck, \
	.save = reject_save, \
	.print = reject_print, \
	.target = reject_target_fn, \
	.l2type = true, \
	.copy_need = reject_copy_need

static const struct qt_ext reject_target = {
	REJECT_EXT_COMMON,
	.family = AF_INET,
	.help =
		"--reject-with type              drop input packet and send back\n"
		"                                a reply packet according to type:\n"
		"Valid reject types:\n"
		"    icmp-net-unreachable     \tICMP network unreachable\n"
		"    net-unreach              \talias\n"
		"    icmp-host-unreachable    \tICMP host unreachable\n"
		"    host-unreach             \talias\n"
		"    icmp-proto-unreachable   \tICMP protocol unreachable\n"
		"    proto-unreach            \talias\n"
		"    icmp-port-unreachable    \tICMP port unreachable (default)\n"
		"    port-unreach             \talias\n"
		"    icmp-net-prohibited      \tICMP network prohibited\n"
		"    net-prohib               \talias\n"
		"    icmp-host-prohibited     \tICMP host prohibited\n"
		"    host-prohib              \talias\n"
		"    tcp-reset                \tTCP RST packet\n"
		"    tcp-rst                  \talias\n"
		"    icmp-admin-prohibited    \tICMP administratively prohibited (*)\n"
		"    admin-prohib             \talias\n"
		"\n"
		"(*) See man page or read the INCOMPATIBILITES file for compatibility issues.\n",
};
QT_EXT_REGISTER(reject_target)

static const struct qt_ext reject6_target = {
	REJECT_EXT_COMMON,
	.family = AF_INET6,
	.help =
		"--reject-with type              drop input packet and send back\n"
		"                                a reply packet according to type:\n"
		"Valid reject types:\n"
		"    icmp6-no-route           \tICMPv6 no route\n"
		"    no-route                 \talias\n"
		"    icmp6-adm-prohibited     \tICMPv6 administratively prohibited\n"
		"    adm-prohibited           \talias\n"
		"    icmp6-addr-unreachable   \tICMPv6 address unreachable\n"
		"    addr-unreach             \talias\n"
		"    icmp6-port-unreachable   \tICMPv6 port unreachable\n"
		"    port-unreach             \talias\n"
		"    tcp-reset                \tTCP RST packet\n"
		"    tcp-reset                \talias\n"
		"    icmp6-policy-fail        \tICMPv6 policy fail\n"
		"    policy-fail              \talias\n"
		"    icmp6-reject-route       \tICMPv6 reject route\n"
		"    reject-route             \talias\n"
		"\n",
};
QT_EXT_REGISTER(reject6_target)
