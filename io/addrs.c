/* The address-type table (engine/host_addrs.h) kept current from
 * rtnetlink: IPv4 and IPv6 routes and addresses. */
#include "addrs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "rtnl_watch.h"

/* The kernel fills dump replies up to 32 KiB. */
#define DUMP_BUF 32768

/* Growing arrays while a dump is parsed (never on the lookup path). */
struct build {
	struct qt_addrs_route *r; size_t nr, cr;
	struct qt_addrs_route6 *r6; size_t nr6, cr6;
	struct qt_addrs_addr *a; size_t na, ca;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct build *b = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[RTA_MAX + 1] = { 0 };
	const struct nlattr *at;
	uint32_t table = rtm->rtm_table;
	struct qt_addrs_route r = { 0 };

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		unsigned t = mnl_attr_get_type(at);
		if (t <= RTA_MAX)
			tb[t] = (struct nlattr *)at;
	}
	if (tb[RTA_TABLE])
		table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if (table != RT_TABLE_LOCAL && table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	/* A dead nexthop is skipped by the kernel's lookup. */
	if (rtm->rtm_flags & RTNH_F_DEAD)
		return MNL_CB_OK;
	r.len = rtm->rtm_dst_len;
	r.type = rtm->rtm_type;
	r.tos = rtm->rtm_tos;
	r.local = table == RT_TABLE_LOCAL;
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) >= 4) {
		uint32_t d;
		memcpy(&d, mnl_attr_get_payload(tb[RTA_DST]), 4);
		r.dst = ntohl(d);
	}
	r.mask = r.len ? ~(uint32_t)0 << (32 - r.len) : 0;
	r.dst &= r.mask;
	if (tb[RTA_PRIORITY])
		r.prio = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_OIF])
		r.oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	else if (tb[RTA_MULTIPATH] &&
		 mnl_attr_get_payload_len(tb[RTA_MULTIPATH]) >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		r.oif = nh->rtnh_ifindex;
		/* the first nexthop's gateway, among its attributes */
		size_t alen = nh->rtnh_len > sizeof(*nh) &&
			      nh->rtnh_len <= mnl_attr_get_payload_len(tb[RTA_MULTIPATH])
			      ? nh->rtnh_len - sizeof(*nh) : 0;
		const struct nlattr *na = (const struct nlattr *)RTNH_DATA(nh);
		while (alen >= sizeof(*na) && na->nla_len >= sizeof(*na) &&
		       na->nla_len <= alen) {
			if ((na->nla_type & NLA_TYPE_MASK) == RTA_GATEWAY &&
			    na->nla_len >= sizeof(*na) + 4) {
				uint32_t g;
				memcpy(&g, (const char *)na + sizeof(*na), 4);
				r.gw = ntohl(g);
			}
			size_t step = NLA_ALIGN(na->nla_len);
			if (step >= alen)
				break;
			alen -= step;
			na = (const struct nlattr *)((const char *)na + step);
		}
	}
	if (tb[RTA_GATEWAY] && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) >= 4) {
		uint32_t g;
		memcpy(&g, mnl_attr_get_payload(tb[RTA_GATEWAY]), 4);
		r.gw = ntohl(g);
	}
	if (b->nr == b->cr) {
		size_t c = b->cr ? b->cr * 2 : 32;
		struct qt_addrs_route *n = realloc(b->r, c * sizeof(*n));
		if (!n) { errno = ENOMEM; return MNL_CB_ERROR; }
		b->r = n; b->cr = c;
	}
	b->r[b->nr++] = r;
	return MNL_CB_OK;
}

/* An IPv6 route of the local or main table: its prefix, type, metric
 * and first nexthop's device and gateway. */
static int route6_cb(const struct nlmsghdr *nlh, void *data)
{
	struct build *b = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[RTA_MAX + 1] = { 0 };
	const struct nlattr *at;
	uint32_t table = rtm->rtm_table;
	struct qt_addrs_route6 r;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		unsigned t = mnl_attr_get_type(at);
		if (t <= RTA_MAX)
			tb[t] = (struct nlattr *)at;
	}
	if (tb[RTA_TABLE])
		table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if ((table != RT_TABLE_LOCAL && table != RT_TABLE_MAIN) ||
	    (rtm->rtm_flags & RTNH_F_DEAD) || rtm->rtm_dst_len > 128 ||
	    rtm->rtm_src_len)
		return MNL_CB_OK;
	memset(&r, 0, sizeof(r));
	r.len = rtm->rtm_dst_len;
	r.type = rtm->rtm_type;
	r.local = table == RT_TABLE_LOCAL;
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) >= 16)
		memcpy(&r.dst, mnl_attr_get_payload(tb[RTA_DST]), 16);
	for (unsigned i = r.len; i < 128; i++)
		r.dst.s6_addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	if (tb[RTA_PRIORITY])
		r.prio = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_OIF])
		r.oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	r.gateway = tb[RTA_GATEWAY] != NULL;
	if (!tb[RTA_OIF] && tb[RTA_MULTIPATH] &&
	    mnl_attr_get_payload_len(tb[RTA_MULTIPATH]) >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		r.oif = nh->rtnh_ifindex;
		r.gateway = nh->rtnh_len > sizeof(*nh);
	}
	if (b->nr6 == b->cr6) {
		size_t c = b->cr6 ? b->cr6 * 2 : 32;
		struct qt_addrs_route6 *n = realloc(b->r6, c * sizeof(*n));
		if (!n) { errno = ENOMEM; return MNL_CB_ERROR; }
		b->r6 = n; b->cr6 = c;
	}
	b->r6[b->nr6++] = r;
	return MNL_CB_OK;
}

static struct qt_addrs_addr *addr_slot(struct build *b)
{
	if (b->na == b->ca) {
		size_t c = b->ca ? b->ca * 2 : 16;
		struct qt_addrs_addr *n = realloc(b->a, c * sizeof(*n));
		if (!n) { errno = ENOMEM; return NULL; }
		b->a = n; b->ca = c;
	}
	struct qt_addrs_addr *ad = &b->a[b->na];
	memset(ad, 0, sizeof(*ad));
	return ad;
}

/* An IPv6 address: IFA_ADDRESS is the address itself (IFA_LOCAL only
 * with a peer), kept in the kernel's order with its DAD state. */
static int addr6_cb(const struct nlmsghdr *nlh, void *data)
{
	struct build *b = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at, *local = NULL, *address = NULL;
	uint32_t flags = ifa->ifa_flags;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*ifa)) {
		switch (mnl_attr_get_type(at)) {
		case IFA_LOCAL: local = at; break;
		case IFA_ADDRESS: address = at; break;
		case IFA_FLAGS:
			if (mnl_attr_get_payload_len(at) >= 4)
				flags = mnl_attr_get_u32(at);
			break;
		default: break;
		}
	}
	if (!local)
		local = address;
	if (!local || mnl_attr_get_payload_len(local) < 16)
		return MNL_CB_OK;
	struct qt_addrs_addr *ad = addr_slot(b);
	if (!ad)
		return MNL_CB_ERROR;
	ad->family = AF_INET6;
	ad->ifindex = (int)ifa->ifa_index;
	memcpy(&ad->a6, mnl_attr_get_payload(local), 16);
	ad->plen = ifa->ifa_prefixlen <= 128 ? ifa->ifa_prefixlen : 128;
	ad->scope = ifa->ifa_scope;
	ad->flags = (uint8_t)flags;
	b->na++;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct build *b = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at, *local = NULL, *address = NULL;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return MNL_CB_OK;
	if (ifa->ifa_flags & IFA_F_SECONDARY)
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(at) == IFA_LOCAL)
			local = at;
		else if (mnl_attr_get_type(at) == IFA_ADDRESS)
			address = at;
	}
	if (!local)
		local = address;
	if (!local || mnl_attr_get_payload_len(local) < 4)
		return MNL_CB_OK;
	struct qt_addrs_addr *ad = addr_slot(b);
	if (!ad)
		return MNL_CB_ERROR;
	ad->ifindex = (int)ifa->ifa_index;
	memcpy(&ad->a, mnl_attr_get_payload(local), 4);
	/* the subnet is IFA_ADDRESS's (the peer's on a point-to-point
	 * link), as the kernel's inet_ifa_match reads it */
	if (address && mnl_attr_get_payload_len(address) >= 4)
		memcpy(&ad->peer, mnl_attr_get_payload(address), 4);
	else
		ad->peer = ad->a;
	ad->plen = ifa->ifa_prefixlen <= 32 ? ifa->ifa_prefixlen : 32;
	ad->scope = ifa->ifa_scope;
	b->na++;
	return MNL_CB_OK;
}

static int refresh(void *table, struct qt_rtnl_watch *w)
{
	struct qt_addrs *o = table;
	struct build b = { 0 };
	int ret = -1;

	if (qt_rtnl_watch_dump(w, RTM_GETROUTE, sizeof(struct rtmsg), AF_INET,
			       route_cb, &b) >= 0 &&
	    qt_rtnl_watch_dump(w, RTM_GETADDR, sizeof(struct ifaddrmsg), AF_INET,
			       addr_cb, &b) >= 0 &&
	    qt_rtnl_watch_dump(w, RTM_GETADDR, sizeof(struct ifaddrmsg), AF_INET6,
			       addr6_cb, &b) >= 0 &&
	    qt_rtnl_watch_dump(w, RTM_GETROUTE, sizeof(struct rtmsg), AF_INET6,
			       route6_cb, &b) >= 0)
		ret = qt_addrs_publish6(o, b.r, b.nr, b.r6, b.nr6, b.a, b.na);
	free(b.r);
	free(b.r6);
	free(b.a);
	return ret;
}

static void *new_table(void)
{
	return qt_addrs_new();
}

static void free_table(void *table)
{
	qt_addrs_free(table);
}

/* Link changes matter too: a device going down drops its local routes
 * without a route notification. */
const struct qt_rtnl_feed qt_addrs_feed = {
	.groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_LINK |
		  RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_ROUTE,
	.bufsize = DUMP_BUF,
	.first = RTM_NEWLINK,
	.last = RTM_DELROUTE,
	.new_table = new_table,
	.free_table = free_table,
	.refresh = refresh,
};
