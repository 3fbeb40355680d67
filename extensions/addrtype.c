/* -m addrtype: the routing type (RTN_*) of the source and/or destination
 * address, optionally looked up only on the incoming or outgoing device.
 * iptables 1.8.9 writes revision 1. The kernel refuses --limit-iface-in
 * where there is no incoming device yet known (OUTPUT, POSTROUTING) and
 * --limit-iface-out before routing (PREROUTING, INPUT). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ext.h"
#include "model.h"
#include "host_addrs.h"
#include "eval.h"

#define ADDRTYPE_INVERT_SOURCE 0x01
#define ADDRTYPE_INVERT_DEST   0x02
#define ADDRTYPE_LIMIT_IN      0x04
#define ADDRTYPE_LIMIT_OUT     0x08

struct addrtype_data {
	uint16_t source;       /* bit (1 << RTN_x) per type */
	uint16_t dest;
	uint32_t flags;        /* ADDRTYPE_* */
};

enum { O_SRC_TYPE, O_DST_TYPE, O_LIMIT_IN, O_LIMIT_OUT };

#define D struct addrtype_data
static const struct qt_ext_opt addrtype_opts[] = {
	{ .name = "src-type", .id = O_SRC_TYPE, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, QT_INV(D, flags, ADDRTYPE_INVERT_SOURCE) },
	{ .name = "dst-type", .id = O_DST_TYPE, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, QT_INV(D, flags, ADDRTYPE_INVERT_DEST) },
	{ .name = "limit-iface-in", .id = O_LIMIT_IN, .type = QT_OT_BITS,
	  .value = ADDRTYPE_LIMIT_IN, QT_PUT(D, flags),
	  .excl = QT_BIT(O_LIMIT_OUT) },
	{ .name = "limit-iface-out", .id = O_LIMIT_OUT, .type = QT_OT_BITS,
	  .value = ADDRTYPE_LIMIT_OUT, QT_PUT(D, flags),
	  .excl = QT_BIT(O_LIMIT_IN) },
	{ .name = NULL },
};
#undef D

/* RTN_UNSPEC (0) .. RTN_XRESOLVE (11). */
static const char *const rtn_names[] = {
	"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
	"BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
};
#define NRTN (sizeof(rtn_names) / sizeof(rtn_names[0]))

/* The first type whose name starts with s[0..len), ignoring case. */
static bool add_type(const char *s, size_t len, uint16_t *mask)
{
	for (size_t i = 0; i < NRTN; i++)
		if (!strncasecmp(rtn_names[i], s, len)) {
			*mask |= (uint16_t)(1u << i);
			return true;
		}
	return false;
}

/* "T[,T]...". As in iptables, a bad entry before a comma is quoted with
 * the rest of the list in `', the last one in "". */
static int parse_types(const char *arg, uint16_t *mask, struct qt_ctx *ctx)
{
	const char *p = arg, *comma;
	while ((comma = strchr(p, ',')) != NULL) {
		if (comma == p || !add_type(p, (size_t)(comma - p), mask))
			return qt_param_error(ctx, "addrtype: bad type `%s'", p);
		p = comma + 1;
	}
	if (!*p || !add_type(p, strlen(p), mask))
		return qt_param_error(ctx, "addrtype: bad type \"%s\"", p);
	return 0;
}

static int addrtype_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			  struct qt_ctx *ctx)
{
	struct addrtype_data *d = in->data;
	if (a->opt->id == O_SRC_TYPE)
		return parse_types(a->arg, &d->source, ctx);
	if (a->opt->id == O_DST_TYPE)
		return parse_types(a->arg, &d->dest, ctx);
	return 0;
}

static int addrtype_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			  struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (QT_BIT(O_SRC_TYPE) | QT_BIT(O_DST_TYPE))))
		return qt_param_error(ctx,
			"addrtype: you must specify --src-type or --dst-type");
	return 0;
}

static int addrtype_kcheck(const struct qt_ext_inst *in,
			   const struct qt_rule_env *env)
{
	const struct addrtype_data *d = in->data;
	/* checked by checkentry, so only where the rule is added */
	if ((d->flags & ADDRTYPE_LIMIT_IN) &&
	    (env->base_hooks & ((1u << QT_HOOK_LOCAL_OUT) | (1u << QT_HOOK_POST_ROUTING))))
		return EINVAL;
	if ((d->flags & ADDRTYPE_LIMIT_OUT) &&
	    (env->base_hooks & ((1u << QT_HOOK_PRE_ROUTING) | (1u << QT_HOOK_LOCAL_IN))))
		return EINVAL;
	return 0;
}

static void put_types(struct qt_buf *b, uint16_t mask)
{
	bool first = true;
	for (size_t i = 0; i < NRTN; i++)
		if (mask & (1u << i)) {
			if (!first)
				qt_buf_putc(b, ',');
			qt_buf_puts(b, rtn_names[i]);
			first = false;
		}
}

static void addrtype_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct addrtype_data *d = in->data;
	if (d->source) {
		qt_buf_puts(b, d->flags & ADDRTYPE_INVERT_SOURCE ? " ! --src-type "
								 : " --src-type ");
		put_types(b, d->source);
	}
	if (d->dest) {
		qt_buf_puts(b, d->flags & ADDRTYPE_INVERT_DEST ? " ! --dst-type "
							       : " --dst-type ");
		put_types(b, d->dest);
	}
	if (d->flags & ADDRTYPE_LIMIT_IN)
		qt_buf_puts(b, " --limit-iface-in");
	if (d->flags & ADDRTYPE_LIMIT_OUT)
		qt_buf_puts(b, " --limit-iface-out");
}

static void addrtype_print(const struct qt_ext_inst *in, struct qt_buf *b,
			   bool numeric)
{
	const struct addrtype_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " ADDRTYPE match");
	if (d->source) {
		qt_buf_puts(b, d->flags & ADDRTYPE_INVERT_SOURCE ? " src-type !"
								 : " src-type ");
		put_types(b, d->source);
	}
	if (d->dest) {
		qt_buf_puts(b, d->flags & ADDRTYPE_INVERT_DEST ? " dst-type !"
							       : " dst-type ");
		put_types(b, d->dest);
	}
	if (d->flags & ADDRTYPE_LIMIT_IN)
		qt_buf_puts(b, " limit-in");
	if (d->flags & ADDRTYPE_LIMIT_OUT)
		qt_buf_puts(b, " limit-out");
}

/* inet_dev_addr_type() of the namespace (io/addrs.h). Without an
 * address cache (replay, tests) only the fixed answers are known and
 * everything else is UNICAST. */
static unsigned addr_type(const struct qt_eval *ev, struct in_addr a, int ifindex)
{
	uint32_t h = ntohl(a.s_addr);

	if (ev->env && ev->env->addrs)
		return qt_addrs_type(ev->env->addrs, a, ifindex);
	if (h == 0 || h == 0xffffffffu)
		return RTN_BROADCAST;
	if ((h & 0xf0000000u) == 0xe0000000u)
		return RTN_MULTICAST;
	return RTN_UNICAST;
}

static bool type_in(unsigned type, uint16_t mask)
{
	return type < 16 && (mask & (1u << type));
}

/* As addrtype_mt_v1: each given side must match (after its inversion);
 * --limit-iface-in/out look the address up on that device only (none
 * known: any device). */
static bool addrtype_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct addrtype_data *d = in->data;
	int dev = 0;

	if (d->flags & ADDRTYPE_LIMIT_IN)
		dev = ev->indev;
	else if (d->flags & ADDRTYPE_LIMIT_OUT)
		dev = ev->outdev;
	if (d->source &&
	    type_in(addr_type(ev, ev->pkt.saddr.v4, dev), d->source) ==
	    !!(d->flags & ADDRTYPE_INVERT_SOURCE))
		return false;
	if (d->dest &&
	    type_in(addr_type(ev, ev->pkt.daddr.v4, dev), d->dest) ==
	    !!(d->flags & ADDRTYPE_INVERT_DEST))
		return false;
	return true;
}

static const struct qt_ext addrtype_match = {
	.name = "addrtype",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct addrtype_data),
	.opts = addrtype_opts,
	.parse = addrtype_parse,
	.check = addrtype_check,
	.kcheck = addrtype_kcheck,
	.save = addrtype_save,
	.print = addrtype_print,
	.match = addrtype_match_fn,
	.help =
		" [!] --src-type type[,...]      Match source address type\n"
		" [!] --dst-type type[,...]      Match destination address type\n"
		"     --limit-iface-in           Match only on the packet's incoming device\n"
		"     --limit-iface-out          Match only on the packet's outgoing device\n"
		"\n"
		"Valid types:           \n"
		"                                UNSPEC\n"
		"                                UNICAST\n"
		"                                LOCAL\n"
		"                                BROADCAST\n"
		"                                ANYCAST\n"
		"                                MULTICAST\n"
		"                                BLACKHOLE\n"
		"                                UNREACHABLE\n"
		"                                PROHIBIT\n"
		"                                THROW\n"
		"                                NAT\n"
		"                                XRESOLVE\n",
	.help_header = "Address type match options:",
};
QT_EXT_REGISTER(addrtype_match)
