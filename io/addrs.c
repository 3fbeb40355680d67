/* IPv4 address types from rtnetlink; see addrs.h for the semantics. */
#include "addrs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "rtnl_watch.h"
#include "snap_swap.h"

struct route {
	uint32_t dst, mask;    /* host order */
	uint32_t prio;
	int oif;               /* first nexthop's device, 0 if none */
	uint8_t len, type, tos;
	uint8_t local;         /* 1: local table (wins at equal length) */
};

struct addr {
	int ifindex;
	struct in_addr a;
};

struct snap {
	uint64_t version;
	size_t nroutes, naddrs;
	struct route *routes;  /* sorted: most specific first */
	struct addr *addrs;
};

/* The kernel fills dump replies up to 32 KiB. */
#define DUMP_BUF 32768

struct qt_addrs {
	struct qt_rtnl_watch *w;
	uint64_t version;
	struct qt_snap_swap *sync;
};

/* Growing arrays while a dump is parsed (never on the lookup path). */
struct build {
	struct route *r; size_t nr, cr;
	struct addr *a; size_t na, ca;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct build *b = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[RTA_MAX + 1] = { 0 };
	const struct nlattr *at;
	uint32_t table = rtm->rtm_table;
	struct route r = { 0 };

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
	}
	if (b->nr == b->cr) {
		size_t c = b->cr ? b->cr * 2 : 32;
		struct route *n = realloc(b->r, c * sizeof(*n));
		if (!n) { errno = ENOMEM; return MNL_CB_ERROR; }
		b->r = n; b->cr = c;
	}
	b->r[b->nr++] = r;
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
	if (b->na == b->ca) {
		size_t c = b->ca ? b->ca * 2 : 16;
		struct addr *n = realloc(b->a, c * sizeof(*n));
		if (!n) { errno = ENOMEM; return MNL_CB_ERROR; }
		b->a = n; b->ca = c;
	}
	b->a[b->na].ifindex = (int)ifa->ifa_index;
	memcpy(&b->a[b->na].a, mnl_attr_get_payload(local), 4);
	b->na++;
	return MNL_CB_OK;
}

/* The kernel's trie order: longer prefix first; at equal length the local
 * table (id 255) before main (254); then TOS descending, priority. */
static int route_cmp(const void *x, const void *y)
{
	const struct route *a = x, *b = y;
	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	if (a->local != b->local)
		return a->local ? -1 : 1;
	if (a->tos != b->tos)
		return a->tos > b->tos ? -1 : 1;
	if (a->prio != b->prio)
		return a->prio < b->prio ? -1 : 1;
	return 0;
}

static struct snap *snap_of(const struct qt_addrs *o)
{
	return qt_snap_current(o->sync);
}

static int refresh(struct qt_addrs *o)
{
	struct build b = { 0 };
	struct snap *s;

	if (qt_rtnl_watch_dump(o->w, RTM_GETROUTE, sizeof(struct rtmsg), AF_INET,
			       route_cb, &b) < 0 ||
	    qt_rtnl_watch_dump(o->w, RTM_GETADDR, sizeof(struct ifaddrmsg), AF_INET,
			       addr_cb, &b) < 0)
		goto fail;
	qsort(b.r, b.nr, sizeof(*b.r), route_cmp);
	/* One block, so a snapshot is freed with one free(). */
	s = malloc(sizeof(*s) + b.nr * sizeof(*b.r) + b.na * sizeof(*b.a));
	if (!s)
		goto fail;
	s->version = ++o->version;
	s->nroutes = b.nr;
	s->naddrs = b.na;
	s->routes = (struct route *)(s + 1);
	s->addrs = (struct addr *)(s->routes + b.nr);
	if (b.nr)
		memcpy(s->routes, b.r, b.nr * sizeof(*b.r));
	if (b.na)
		memcpy(s->addrs, b.a, b.na * sizeof(*b.a));
	free(b.r);
	free(b.a);
	qt_snap_publish(o->sync, s);
	return 0;
fail:
	free(b.r);
	free(b.a);
	return -1;
}

struct qt_addrs *qt_addrs_open(void)
{
	struct qt_addrs *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->sync = qt_snap_swap_new();
	if (!o->sync)
		goto fail;
	o->w = qt_rtnl_watch_open(RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE |
				  RTMGRP_LINK, DUMP_BUF);
	if (!o->w || refresh(o) < 0)
		goto fail;
	return o;
fail: {
	int e = errno;
	qt_addrs_close(o);
	errno = e;
	return NULL;
	}
}

void qt_addrs_close(struct qt_addrs *o)
{
	if (!o)
		return;
	qt_rtnl_watch_close(o->w);
	qt_snap_swap_free(o->sync);
	free(o);
}

int qt_addrs_fd(const struct qt_addrs *o)
{
	return qt_rtnl_watch_fd(o->w);
}

int qt_addrs_process(struct qt_addrs *o)
{
	/* Link changes matter too: a device going down drops its local
	 * routes without a route notification. */
	int changed = qt_rtnl_watch_drain(o->w, RTM_NEWLINK, RTM_DELROUTE);

	if (changed <= 0)
		return changed;
	return refresh(o) < 0 ? -1 : 1;
}

static unsigned lookup(const struct snap *s, uint32_t a, int ifindex)
{
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct route *r = &s->routes[i];
		if ((a & r->mask) != r->dst || r->tos)
			continue;
		switch (r->type) {
		case RTN_UNICAST: case RTN_LOCAL: case RTN_BROADCAST:
		case RTN_ANYCAST: case RTN_MULTICAST:
			return !ifindex || ifindex == r->oif ? r->type : RTN_UNICAST;
		default:   /* the kernel's lookup fails: addrtype says UNICAST */
			return RTN_UNICAST;
		}
	}
	return RTN_UNICAST;
}

unsigned qt_addrs_type(const struct qt_addrs *o, struct in_addr addr, int ifindex)
{
	uint32_t a = ntohl(addr.s_addr);
	unsigned t, tok;

	if (a == 0 || a == 0xffffffffu)
		return RTN_BROADCAST;
	if ((a & 0xf0000000u) == 0xe0000000u)
		return RTN_MULTICAST;
	tok = qt_snap_read_begin(o->sync);
	t = lookup(snap_of(o), a, ifindex);
	qt_snap_read_end(o->sync, tok);
	return t;
}

int qt_addrs_iface_addr(const struct qt_addrs *o, int ifindex, struct in_addr *out)
{
	int ret = -1;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	for (size_t i = 0; i < s->naddrs; i++)
		if (s->addrs[i].ifindex == ifindex) {
			*out = s->addrs[i].a;
			ret = 0;
			break;
		}
	qt_snap_read_end(o->sync, tok);
	return ret;
}

uint64_t qt_addrs_version(const struct qt_addrs *o)
{
	unsigned tok = qt_snap_read_begin(o->sync);
	uint64_t v = snap_of(o)->version;
	qt_snap_read_end(o->sync, tok);
	return v;
}
