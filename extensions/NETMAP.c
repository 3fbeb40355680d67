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
 * four hooks. ip6tables' is the same on IPv6 addresses (a mask up to
 * 128 bits or an IPv6 mask, printed "NETWORK/LEN" too). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
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

/* xtables' host type in an ip6tables rule: an address or a name, the
 * first IPv6 answer of getaddrinfo. */
static int parse_host6(struct qt_ctx *ctx, const char *arg, uint8_t out[16])
{
	struct addrinfo hints = { .ai_family = AF_INET6 };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(arg, NULL, &hints, &res);
	if (rc != 0)
		return qt_param_error(ctx, "getaddrinfo: %s\n", gai_strerror(rc));
	memcpy(out, &((const struct sockaddr_in6 *)(const void *)res->ai_addr)
			      ->sin6_addr, 16);
	freeaddrinfo(res);
	return 0;
}

static int netmap_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct qt_nat_range *r = in->data;
	bool ip6 = in->family == AF_INET6;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", a->arg);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	uint32_t addr[4] = { 0 };
	if (ip6 ? parse_host6(ctx, buf, (uint8_t *)addr)
		: qt_opt_parse_host(ctx, buf, &addr[0]))
		return -1;
	unsigned plen = QT_PLEN_FULL;
	if (slash && qt_opt_parse_plen_fam(ctx, "NETMAP", "to", slash + 1,
					   in->family, &plen))
		return -1;
	uint32_t mask[4];
	qt_plen_mask(plen, mask);
	r->flags = QT_NAT_MAP_IPS;
	if (ip6) {
		r->family = AF_INET6;
		uint32_t lo[4], hi[4];
		for (unsigned i = 0; i < 4; i++) {
			lo[i] = addr[i] & mask[i];
			hi[i] = addr[i] | ~mask[i];
		}
		memcpy(r->min_addr6, lo, 16);
		memcpy(r->max_addr6, hi, 16);
		return 0;
	}
	r->min_addr = addr[0] & mask[0];
	r->max_addr = addr[0] | ~mask[0];
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
	bool ip6 = r->family == AF_INET6;
	uint8_t lo[16] = { 0 }, hi[16] = { 0 };
	if (ip6) {
		memcpy(lo, r->min_addr6, 16);
		memcpy(hi, r->max_addr6, 16);
	} else {
		memcpy(lo, &r->min_addr, 4);
		memcpy(hi, &r->max_addr, 4);
	}
	unsigned bits = ip6 ? 128 : 32, len = 0;
	while (len < bits && !((lo[len / 8] ^ hi[len / 8]) & (0x80 >> len % 8)))
		len++;
	char a[INET6_ADDRSTRLEN];
	inet_ntop(ip6 ? AF_INET6 : AF_INET, lo, a, sizeof(a));
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

/* netmap_tg4, netmap_tg6: the packet's address at this hook, host part
 * kept, into the network; the ports as the range says (none). */
static int netmap_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct qt_nat_range *r = in->data;
	if (!qt_ctv_entry(ev))
		return QT_XT_ACCEPT;
	enum qt_nat_manip m = qt_nat_hook_manip(ev->hook);
	bool ip6 = ev->pkt.family == AF_INET6;
	const union qt_addr *pa = m == QT_NAT_MANIP_DST ? &ev->pkt.daddr
							 : &ev->pkt.saddr;
	union qt_ct_addr lo = { 0 }, hi = { 0 }, a = { 0 };
	if (ip6) {
		memcpy(lo.b, r->min_addr6, 16);
		memcpy(hi.b, r->max_addr6, 16);
		memcpy(a.b, &pa->v6, 16);
	} else {
		lo.ip = r->min_addr;
		hi.ip = r->max_addr;
		a.ip = pa->v4.s_addr;
	}
	for (unsigned i = 0; i < 4; i++) {
		uint32_t netmask = ~(lo.all[i] ^ hi.all[i]);
		a.all[i] = (a.all[i] & ~netmask) | (lo.all[i] & netmask);
	}
	struct qt_nat_range nr = *r;
	qt_nat_range_set_addr(&nr, &a, ip6);
	return qt_nat_setup(ev, &nr, m);
}

static const struct qt_ext netmap_target = {
	.name = "NETMAP",
	.kind = QT_EXT_TARGET,
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
