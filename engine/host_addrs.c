/* The address-type table and its lookups; see host_addrs.h. */
#include "host_addrs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "snap_swap.h"

struct snap {
	uint64_t version;
	size_t nroutes, naddrs, nroutes6;
	struct qt_addrs_route *routes;  /* sorted: most specific first */
	struct qt_addrs_route6 *routes6; /* sorted: local table first, then
					    most specific, lowest metric */
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

/* ip6's order: the local table's rule before main's; in a table the
 * longest prefix, then the lowest metric. */
static int route6_cmp(const void *x, const void *y)
{
	const struct qt_addrs_route6 *a = x, *b = y;
	if (a->local != b->local)
		return a->local ? -1 : 1;
	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	if (a->prio != b->prio)
		return a->prio < b->prio ? -1 : 1;
	return 0;
}

int qt_addrs_publish6(struct qt_addrs *o, struct qt_addrs_route *r, size_t nr,
		      struct qt_addrs_route6 *r6, size_t nr6,
		      const struct qt_addrs_addr *ad, size_t na)
{
	if (nr)
		qsort(r, nr, sizeof(*r), route_cmp);
	if (nr6)
		qsort(r6, nr6, sizeof(*r6), route6_cmp);
	/* One block, so a snapshot is freed with one free(). */
	struct snap *s = malloc(sizeof(*s) + nr * sizeof(*r) +
				nr6 * sizeof(*r6) + na * sizeof(*ad));
	if (!s)
		return -1;
	s->version = ++o->version;
	s->nroutes = nr;
	s->nroutes6 = nr6;
	s->naddrs = na;
	s->routes = (struct qt_addrs_route *)(s + 1);
	s->addrs = (struct qt_addrs_addr *)(s->routes + nr);
	s->routes6 = (struct qt_addrs_route6 *)(s->addrs + na);
	if (nr)
		memcpy(s->routes, r, nr * sizeof(*r));
	if (na)
		memcpy(s->addrs, ad, na * sizeof(*ad));
	if (nr6)
		memcpy(s->routes6, r6, nr6 * sizeof(*r6));
	qt_snap_publish(o->sync, s);
	return 0;
}

int qt_addrs_publish(struct qt_addrs *o, struct qt_addrs_route *r, size_t nr,
		     const struct qt_addrs_addr *ad, size_t na)
{
	return qt_addrs_publish6(o, r, nr, NULL, 0, ad, na);
}

static bool in_prefix6(const struct in6_addr *a, const struct in6_addr *p,
		       unsigned len)
{
	unsigned full = len / 8, bits = len % 8;
	if (memcmp(a->s6_addr, p->s6_addr, full))
		return false;
	if (!bits)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - bits));
	return (a->s6_addr[full] & m) == (p->s6_addr[full] & m);
}

int qt_addrs_route6_of(const struct qt_addrs *o, const struct in6_addr *addr,
		       int oif, unsigned *type, int *dev, bool *anycast)
{
	int ret = -1;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	for (size_t i = 0; i < s->nroutes6; i++) {
		const struct qt_addrs_route6 *r = &s->routes6[i];
		if (!in_prefix6(addr, &r->dst, r->len) ||
		    (oif > 0 && r->oif != oif))
			continue;
		*type = r->type;
		*dev = r->oif;
		*anycast = r->type == RTN_ANYCAST ||
			   (r->type == RTN_UNICAST && r->len < 127 &&
			    !r->gateway &&
			    !memcmp(&r->dst, addr, sizeof(*addr)));
		ret = 0;
		break;
	}
	qt_snap_read_end(o->sync, tok);
	return ret;
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

int qt_addrs_route_of(const struct qt_addrs *o, struct in_addr addr,
		      unsigned *type, int *oif)
{
	uint32_t a = ntohl(addr.s_addr);
	int ret = -1;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct qt_addrs_route *r = &s->routes[i];
		if ((a & r->mask) != r->dst || r->tos)
			continue;
		*type = r->type;
		*oif = r->oif;
		ret = 0;
		break;
	}
	qt_snap_read_end(o->sync, tok);
	return ret;
}

int qt_addrs_iface_addr(const struct qt_addrs *o, int ifindex, struct in_addr *out)
{
	int ret = -1;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	for (size_t i = 0; i < s->naddrs; i++)
		if (s->addrs[i].ifindex == ifindex &&
		    s->addrs[i].family != AF_INET6) {
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
		      qt_addrs_addr_is(&s->addrs[i], false, &addr);
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
		if (ad->ifindex != ifindex || ad->scope > RT_SCOPE_UNIVERSE ||
		    ad->family == AF_INET6)
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
		if (s->addrs[i].scope == RT_SCOPE_UNIVERSE &&
		    s->addrs[i].family != AF_INET6) {
			*out = s->addrs[i].a;
			ret = 0;
		}
	qt_snap_read_end(o->sync, tok);
	return ret;
}

bool qt_addrs_addr_is(const struct qt_addrs_addr *ad, bool ip6,
		      const void *addr)
{
	if (ip6)
		return ad->family == AF_INET6 && !memcmp(&ad->a6, addr, 16);
	return ad->family != AF_INET6 && !memcmp(&ad->a, addr, 4);
}

bool qt_addrs_addr_same(const struct qt_addrs_addr *x,
			const struct qt_addrs_addr *y)
{
	bool ip6 = x->family == AF_INET6;
	return x->ifindex == y->ifindex &&
	       qt_addrs_addr_is(y, ip6, ip6 ? (const void *)&x->a6
					    : (const void *)&x->a);
}

/* An address the kernel does not count as assigned yet (or ever). */
static bool unusable6(const struct qt_addrs_addr *ad)
{
	return ((ad->flags & IFA_F_TENTATIVE) &&
		!(ad->flags & IFA_F_OPTIMISTIC)) ||
	       (ad->flags & IFA_F_DADFAILED);
}

int qt_addrs_iface_addr6(const struct qt_addrs *o, int ifindex,
			 struct in6_addr *out)
{
	int ret = -1;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	for (size_t i = 0; i < s->naddrs && ret < 0; i++) {
		const struct qt_addrs_addr *ad = &s->addrs[i];
		if (ad->ifindex == ifindex && ad->family == AF_INET6 &&
		    !(ad->flags & IFA_F_TENTATIVE)) {
			*out = ad->a6;
			ret = 0;
		}
	}
	qt_snap_read_end(o->sync, tok);
	return ret;
}

bool qt_addrs_local6(const struct qt_addrs *o, const struct in6_addr *addr,
		     int ifindex)
{
	bool has = false;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	for (size_t i = 0; i < s->naddrs && !has; i++) {
		const struct qt_addrs_addr *ad = &s->addrs[i];
		has = ad->family == AF_INET6 &&
		      IN6_ARE_ADDR_EQUAL(&ad->a6, addr) &&
		      !(ad->flags & IFA_F_TENTATIVE) &&
		      (ad->ifindex == ifindex ||
		       (ad->scope != RT_SCOPE_LINK && ad->scope != RT_SCOPE_HOST));
	}
	qt_snap_read_end(o->sync, tok);
	return has;
}

/* __ipv6_addr_src_scope: the scope an address has as a source (the
 * kernel's IPV6_ADDR_SCOPE_* values: a larger one reaches further). */
static int scope6(const struct in6_addr *a)
{
	const uint8_t *b = a->s6_addr;
	if (b[0] == 0xff)
		return b[1] & 0x0f;             /* multicast: its own */
	if (IN6_IS_ADDR_LOOPBACK(a))
		return 0x01;                    /* node-local */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return 0x02;                    /* link-local */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return 0x05;                    /* site-local */
	return 0x0e;                            /* global */
}

/* ipv6_addr_diff: the number of leading bits two addresses share. */
static unsigned common_prefix6(const struct in6_addr *x,
			       const struct in6_addr *y)
{
	unsigned n = 0;
	for (unsigned i = 0; i < 16; i++) {
		uint8_t d = x->s6_addr[i] ^ y->s6_addr[i];
		if (!d) {
			n += 8;
			continue;
		}
		while (!(d & 0x80)) {
			d <<= 1;
			n++;
		}
		break;
	}
	return n;
}

/* The score of a candidate by the rules modelled, most important
 * first; a higher one is better. */
struct score6 {
	int same, scopedist, fresh, oif, prefix;
};

static void score6(const struct qt_addrs_addr *ad, int ifindex,
		   const struct in6_addr *d, int dscope, struct score6 *sc)
{
	sc->same = IN6_ARE_ADDR_EQUAL(&ad->a6, d);
	int scope = scope6(&ad->a6);
	sc->scopedist = scope >= dscope ? -scope : scope - 128;
	sc->fresh = !(ad->flags & IFA_F_DEPRECATED);
	sc->oif = !ifindex || ad->ifindex == ifindex;
	unsigned p = common_prefix6(&ad->a6, d);
	sc->prefix = (int)(p > ad->plen ? ad->plen : p);
}

static bool better6(const struct score6 *x, const struct score6 *y)
{
	const int *a = &x->same, *b = &y->same;
	for (size_t i = 0; i < sizeof(*x) / sizeof(int); i++)
		if (a[i] != b[i])
			return a[i] > b[i];
	return false;
}

int qt_addrs_source6(const struct qt_addrs *o, int ifindex,
		     const struct in6_addr *daddr, struct in6_addr *out)
{
	int ret = -1;
	int dscope = scope6(daddr);
	struct score6 best = { 0 }, sc;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	/* a link-local or multicast destination is reached only with an
	 * address of the interface itself */
	bool oif_only = ifindex && (dscope <= 0x02 ||
				    IN6_IS_ADDR_MULTICAST(daddr));
	for (size_t i = 0; i < s->naddrs; i++) {
		const struct qt_addrs_addr *ad = &s->addrs[i];
		if (ad->family != AF_INET6 || unusable6(ad) ||
		    (oif_only && ad->ifindex != ifindex) ||
		    IN6_IS_ADDR_UNSPECIFIED(&ad->a6) ||
		    IN6_IS_ADDR_MULTICAST(&ad->a6))
			continue;
		score6(ad, ifindex, daddr, dscope, &sc);
		if (ret < 0 || better6(&sc, &best)) {
			best = sc;
			*out = ad->a6;
			ret = 0;
		}
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

bool qt_addrs_dev_has6(const struct qt_addrs *o, const struct in6_addr *addr,
		       int ifindex)
{
	bool has = false;
	unsigned tok = qt_snap_read_begin(o->sync);
	const struct snap *s = snap_of(o);
	for (size_t i = 0; i < s->naddrs && !has; i++) {
		const struct qt_addrs_addr *ad = &s->addrs[i];
		has = ad->family == AF_INET6 && ad->ifindex == ifindex &&
		      IN6_ARE_ADDR_EQUAL(&ad->a6, addr) &&
		      !((ad->flags & IFA_F_TENTATIVE) &&
			!(ad->flags & IFA_F_OPTIMISTIC));
	}
	qt_snap_read_end(o->sync, tok);
	return has;
}
