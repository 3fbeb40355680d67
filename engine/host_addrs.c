/* The address-type table and its lookups; see host_addrs.h. */
#include "host_addrs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "snap_swap.h"

struct snap {
	uint64_t version;
	size_t nroutes, naddrs;
	struct qt_addrs_route *routes;  /* sorted: most specific first */
	struct qt_addrs_addr *addrs;
};

/* The kernel's trie order: longer prefix first; at equal length the local
 * table (id 255) before main (254); then TOS descending, priority. */
static int route_cmp(const void *x, const void *y)
{
	const struct qt_addrs_route *a = x, *b = y;
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

int qt_addrs_publish(struct qt_addrs *o, struct qt_addrs_route *r, size_t nr,
		     const struct qt_addrs_addr *ad, size_t na)
{
	if (nr)
		qsort(r, nr, sizeof(*r), route_cmp);
	/* One block, so a snapshot is freed with one free(). */
	struct snap *s = malloc(sizeof(*s) + nr * sizeof(*r) + na * sizeof(*ad));
	if (!s)
		return -1;
	s->version = ++o->version;
	s->nroutes = nr;
	s->naddrs = na;
	s->routes = (struct qt_addrs_route *)(s + 1);
	s->addrs = (struct qt_addrs_addr *)(s->routes + nr);
	if (nr)
		memcpy(s->routes, r, nr * sizeof(*r));
	if (na)
		memcpy(s->addrs, ad, na * sizeof(*ad));
	qt_snap_publish(o->sync, s);
	return 0;
}

struct qt_addrs *qt_addrs_new(void)
{
	struct qt_addrs *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->sync = qt_snap_swap_new();
	if (!o->sync || qt_addrs_publish(o, NULL, 0, NULL, 0) < 0) {
		qt_addrs_free(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

void qt_addrs_free(struct qt_addrs *o)
{
	if (!o)
		return;
	if (o->sync)
		qt_snap_swap_free(o->sync);
	free(o);
}

static unsigned lookup(const struct snap *s, uint32_t a, int ifindex)
{
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct qt_addrs_route *r = &s->routes[i];
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

bool qt_addrs_iface_has(const struct qt_addrs *o, int ifindex, struct in_addr addr)
{
	bool has = false;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	for (size_t i = 0; i < s->naddrs && !has; i++)
		has = s->addrs[i].ifindex == ifindex &&
		      s->addrs[i].a.s_addr == addr.s_addr;
	qt_snap_read_end(o->sync, tok);
	return has;
}

/* rt_nexthop: the gateway of the main table's route for a (host
 * order), else a itself. */
static uint32_t next_hop(const struct snap *s, uint32_t a)
{
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct qt_addrs_route *r = &s->routes[i];
		if (r->local || (a & r->mask) != r->dst || r->tos)
			continue;
		return r->type == RTN_UNICAST && r->gw ? r->gw : a;
	}
	return a;
}

int qt_addrs_masq_source(const struct qt_addrs *o, int ifindex,
			 struct in_addr daddr, struct in_addr *out)
{
	int ret = -1;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	uint32_t nh = next_hop(s, ntohl(daddr.s_addr));
	for (size_t i = 0; i < s->naddrs; i++) {
		const struct qt_addrs_addr *ad = &s->addrs[i];
		if (ad->ifindex != ifindex || ad->scope > RT_SCOPE_UNIVERSE)
			continue;
		uint32_t mask = ad->plen ? ~(uint32_t)0 << (32 - ad->plen) : 0;
		if (!((nh ^ ntohl(ad->peer.s_addr)) & mask)) {
			*out = ad->a;
			ret = 0;
			break;
		}
		if (ret < 0) {
			*out = ad->a;
			ret = 0;
		}
	}
	/* none there: the first of universe scope of any interface, in
	 * the order the kernel lists them (in_dev_select_addr over its
	 * devices) */
	for (size_t i = 0; ret < 0 && i < s->naddrs; i++)
		if (s->addrs[i].scope == RT_SCOPE_UNIVERSE) {
			*out = s->addrs[i].a;
			ret = 0;
		}
	qt_snap_read_end(o->sync, tok);
	return ret;
}

int qt_addrs_copy(const struct qt_addrs *o, struct qt_addrs_addr **out,
		  size_t *n)
{
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	int ret = 0;
	*out = NULL;
	*n = s->naddrs;
	if (s->naddrs) {
		*out = malloc(s->naddrs * sizeof(**out));
		if (*out)
			memcpy(*out, s->addrs, s->naddrs * sizeof(**out));
		else
			ret = -1;
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
