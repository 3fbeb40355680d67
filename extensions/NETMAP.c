/* -j NETMAP --to ADDRESS[/MASK]: map a whole network onto another one,
 * host part kept: the destination at PREROUTING and OUTPUT, the source
 * at POSTROUTING and INPUT (the kernel's xt_NETMAP).
 *
 * Facts of iptables-nft 1.8.9: --to is required and given once; the
 * address is a host name or address, the mask a prefix length or a
 * dotted mask, and one above 32 or not contiguous gives /32 (xtables'
 * hostmask type); the range kept is the network (address & mask to
 * address | ~mask), saved as "--to NETWORK/LEN" and listed as
 * "to:NETWORK/LEN"; the kernel takes it in the nat table only, at those
 * four hooks. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ct_entry.h"
#include "eval.h"
#include "ext.h"
#include "model.h"
#include "nat.h"

enum { O_TO };

static const struct qt_ext_opt netmap_opts[] = {
	{ .name = "to", .id = O_TO, .type = QT_OT_RAW, .flags = QT_OPT_MAND },
	{ .name = NULL },
};

static int netmap_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct qt_nat_range *r = in->data;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", a->arg);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	uint32_t addr;
	if (qt_opt_parse_host(ctx, buf, &addr))
		return -1;
	unsigned plen = QT_PLEN_FULL;
	if (slash && qt_opt_parse_plen(ctx, "NETMAP", "to", slash + 1, &plen))
		return -1;
	uint32_t mask[4];
	qt_plen_mask(plen, mask);
	r->flags = QT_NAT_MAP_IPS;
	r->min_addr = addr & mask[0];
	r->max_addr = addr | ~mask[0];
	return 0;
}

static int netmap_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	unsigned ok = QT_BIT(QT_HOOK_PRE_ROUTING) | QT_BIT(QT_HOOK_POST_ROUTING) |
		      QT_BIT(QT_HOOK_LOCAL_OUT) | QT_BIT(QT_HOOK_LOCAL_IN);
	(void)in;
	return strcmp(env->table, "nat") || (env->hooks & ~ok) ? EINVAL : 0;
}

/* The network and its prefix length: the bits min and max share. */
static void put_net(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct qt_nat_range *r = in->data;
	uint32_t mask = ~ntohl(r->min_addr ^ r->max_addr);
	unsigned len = 0;
	while (len < 32 && (mask & (0x80000000u >> len)))
		len++;
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &r->min_addr, a, sizeof(a));
	qt_buf_printf(b, "%s/%u", a, len);
}

static void netmap_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	qt_buf_puts(b, " --to ");
	put_net(in, b);
}

static void netmap_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	(void)numeric;
	qt_buf_puts(b, " to:");
	put_net(in, b);
}

/* netmap_tg4: the packet's address at this hook, host part kept, into
 * the network; the ports as the range says (none). */
static int netmap_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct qt_nat_range *r = in->data;
	if (!qt_ctv_entry(ev))
		return QT_XT_ACCEPT;
	enum qt_nat_manip m = qt_nat_hook_manip(ev->hook);
	uint32_t netmask = ~(r->min_addr ^ r->max_addr);
	uint32_t a = m == QT_NAT_MANIP_DST ? ev->pkt.daddr.v4.s_addr
					   : ev->pkt.saddr.v4.s_addr;
	uint32_t na = (a & ~netmask) | (r->min_addr & netmask);
	struct qt_nat_range nr = *r;
	nr.flags |= QT_NAT_MAP_IPS;
	nr.min_addr = nr.max_addr = na;
	return qt_nat_setup(ev, &nr, m);
}

static const struct qt_ext netmap_target = {
	.name = "NETMAP",
	.kind = QT_EXT_TARGET,
	.family = AF_INET,
	.data_size = sizeof(struct qt_nat_range),
	.opts = netmap_opts,
	.parse = netmap_parse,
	.kcheck = netmap_kcheck,
	.save = netmap_save,
	.print = netmap_print,
	.target = netmap_target_fn,
	.conntrack = true,
	.help =
		"  --to address[/mask]\n"
		"\t\t\t\tNetwork address to map to.\n\n",
};
QT_EXT_REGISTER(netmap_target)
