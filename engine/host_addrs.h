/* The namespace's IPv4 address knowledge that -m addrtype, LOG and REJECT
 * need per packet: the kernel's answer to inet_dev_addr_type(), from a
 * snapshot of the routes and addresses that io/addrs.c keeps current from
 * rtnetlink.
 *
 * Source of truth is the FIB, not the address list: the local table holds
 * the kernel's own LOCAL/BROADCAST/ANYCAST/MULTICAST routes, and (while no
 * policy rule was ever added, the normal case) the kernel keeps the local
 * and main tables in one merged trie, so a main-table route more specific
 * than a local one shadows it. Both tables are cached.
 *
 * What the kernel's addrtype match returns, and so qt_addrs_type():
 *   0.0.0.0, 255.255.255.255          BROADCAST
 *   224.0.0.0/4                       MULTICAST
 *   else the longest-prefix route (local table first at equal length,
 *   then lower priority; routes with a TOS never match):
 *     LOCAL/BROADCAST/ANYCAST/MULTICAST/UNICAST route: its type, but
 *       UNICAST when ifindex != 0 differs from its first nexthop's device;
 *     BLACKHOLE/UNREACHABLE/PROHIBIT/THROW route or no route: UNICAST
 *       (the kernel's lookup fails for those, and addrtype then says
 *       UNICAST: checked against the kernel in tests/unit/test_addrs.c).
 * So BLACKHOLE, UNREACHABLE, PROHIBIT, THROW, NAT, XRESOLVE and UNSPEC are
 * never returned, exactly as the kernel never returns them.
 * Not modelled: VRF (l3mdev) tables; after any `ip rule add` the kernel
 * unmerges the tables for good (main then no longer shadows local), which
 * userspace cannot observe: we assume merged.
 *
 * Threading: one thread owns the handle and publishes (io/addrs.c:
 * qt_rtnl_feed_process()); any number of threads may call qt_addrs_type()/qt_addrs_iface_addr()
 * at the same time. Lookups read an immutable snapshot; an update builds
 * a new one, swaps the pointer and frees the old one after in-flight
 * lookups ended (reader counters, util/snap_swap.h; lookups never
 * allocate or block).
 * close its watch (qt_rtnl_watch_close) only when no lookup can run any more.
 *
 * Cost: a lookup scans the cached routes (local + main table) most
 * specific first; fine for the few routes of a host or namespace, a trie
 * would be needed for full routing tables. An update re-dumps both
 * tables and the addresses (simple and exact; notifications only say
 * "something changed"). */
#ifndef QT_HOST_ADDRS_H
#define QT_HOST_ADDRS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qt_addrs;

/* The kernel's RTN_* type of addr (see above); ifindex 0 = any device. */
unsigned qt_addrs_type(const struct qt_addrs *a, struct in_addr addr, int ifindex);

/* The route the kernel's fib_lookup finds for addr (the local and main
 * tables merged, as above; routes with a TOS never match): its RTN_*
 * type and its first nexthop's device (0 if none) in *type and *oif;
 * 0, or -1 when no route holds addr. A multipath route answers with
 * its first nexthop. */
int qt_addrs_route_of(const struct qt_addrs *a, struct in_addr addr,
		      unsigned *type, int *oif);

/* The first primary IPv4 address of ifindex; 0 found, -1 none. */
int qt_addrs_iface_addr(const struct qt_addrs *a, int ifindex, struct in_addr *out);

/* Is a one of the primary IPv4 addresses of ifindex? */
bool qt_addrs_iface_has(const struct qt_addrs *a, int ifindex, struct in_addr addr);

/* The kernel's choice of MASQUERADE's source (nf_nat_masquerade_ipv4):
 * inet_select_addr(out, rt_nexthop(rt, daddr), RT_SCOPE_UNIVERSE). The
 * next hop is the gateway of the route daddr takes (the longest prefix
 * of the main table; policy routing is not modelled), else daddr
 * itself; of ifindex's primary addresses of universe scope, the first
 * whose subnet holds the next hop, else the first; with none there, the
 * first of universe scope of any interface. 0 found, -1 none. */
int qt_addrs_masq_source(const struct qt_addrs *a, int ifindex,
			 struct in_addr daddr, struct in_addr *out);

/* ---- IPv6 ----
 * The addresses of every interface in the order the kernel lists them
 * (its idev->addr_list: by scope, link-local before global unless the
 * global one came first). The routes of the local and main tables
 * serve fib (qt_addrs_route6_of); the choices below need only the
 * interface a packet leaves or came by. */

/* nf_nat_redirect_ipv6: the first IPv6 address of ifindex that is not
 * tentative. 0 found, -1 none. */
int qt_addrs_iface_addr6(const struct qt_addrs *a, int ifindex,
			 struct in6_addr *out);

/* ipv6_chk_addr(addr, dev, strict 0): is addr an address of this host,
 * of any interface when of global scope, of ifindex when of link or
 * host scope? */
bool qt_addrs_local6(const struct qt_addrs *a, const struct in6_addr *addr,
		     int ifindex);

/* The kernel's source address for a packet to daddr leaving by ifindex
 * (ipv6_dev_get_saddr, RFC 6724's rules as far as modelled): of the
 * addresses of every interface that are neither tentative (unless
 * optimistic) nor failed, the one equal to daddr; else of an adequate
 * scope (the smallest at least daddr's), then not deprecated, then of
 * ifindex, then with the longest prefix shared with daddr (at most its
 * own prefix length); the first listed among equals. Not modelled: the
 * policy table's labels and precedences (rule 6), home addresses (4),
 * temporary addresses' preference (7), use_oif_addrs_only, VRF. Used
 * by MASQUERADE (nf_nat_masquerade_ipv6) and for the source of an
 * ICMPv6 error the host sends (icmp6_send). 0 found, -1 none. */
int qt_addrs_source6(const struct qt_addrs *a, int ifindex,
		     const struct in6_addr *daddr, struct in6_addr *out);

/* The route ip6_route_lookup finds for addr: the local table first,
 * then main (the default policy rules), each by the longest prefix and
 * then the lowest metric; oif > 0 (a link-local address, looked up
 * with RT6_LOOKUP_F_IFACE) takes only routes leaving by oif. Its RTN_*
 * type, its first nexthop's device and whether the kernel's
 * ipv6_anycast_destination holds (an anycast route, or addr the
 * subnet-router anycast address of an on-link prefix). 0, or -1 when no
 * route holds addr. Not modelled: other tables and policy rules,
 * source-specific routes. */
int qt_addrs_route6_of(const struct qt_addrs *a, const struct in6_addr *addr,
		       int oif, unsigned *type, int *dev, bool *anycast);

/* ipv6_chk_addr(addr, dev, strict 1): is addr an address of ifindex
 * (not tentative unless optimistic)? */
bool qt_addrs_dev_has6(const struct qt_addrs *a, const struct in6_addr *addr,
		       int ifindex);

/* Bumped by every published snapshot. */
uint64_t qt_addrs_version(const struct qt_addrs *a);

struct qt_addrs_addr;
/* A copy of the current snapshot's addresses (*out, to free(); NULL
 * when there are none), to compare with a later one. 0, or -1 when out
 * of memory. */
int qt_addrs_copy(const struct qt_addrs *a, struct qt_addrs_addr **out,
		  size_t *n);

/* ---- for the owner that keeps the table current ---- */

struct qt_addrs_route {
	uint32_t dst, mask;    /* host order */
	uint32_t prio;
	int oif;               /* first nexthop's device, 0 if none */
	uint32_t gw;           /* first nexthop's gateway (host order),
	                          0 if on-link */
	uint8_t len, type, tos;
	uint8_t local;         /* 1: local table (wins at equal length) */
};

struct qt_addrs_addr {
	int ifindex;
	struct in_addr a;      /* IFA_LOCAL */
	struct in_addr peer;   /* IFA_ADDRESS: its prefix is the subnet */
	uint8_t plen;          /* prefix length (0: every address) */
	uint8_t scope;         /* RT_SCOPE_* (0: universe) */
	uint8_t family;        /* 0 or AF_INET: a and peer; AF_INET6: a6 */
	uint8_t flags;         /* IPv6: IFA_F_* of the low byte (tentative,
	                          deprecated, optimistic, dadfailed) */
	struct in6_addr a6;    /* IPv6: the address */
};

/* Is ad the address addr (4 bytes, or 16 when ip6)? */
bool qt_addrs_addr_is(const struct qt_addrs_addr *ad, bool ip6,
		      const void *addr);
/* Are x and y the same address of the same interface? */
bool qt_addrs_addr_same(const struct qt_addrs_addr *x,
			const struct qt_addrs_addr *y);

struct qt_snap_swap;

struct qt_addrs {
	uint64_t version;
	struct qt_snap_swap *sync;
};

/* An IPv6 route of the local or main table. */
struct qt_addrs_route6 {
	struct in6_addr dst;   /* masked to len */
	uint32_t prio;         /* its metric */
	int oif;               /* first nexthop's device, 0 if none */
	uint8_t len, type;
	uint8_t local;         /* 1: local table (looked up first) */
	uint8_t gateway;       /* 1: via a gateway */
};

/* An empty table (no routes, no addresses); NULL when out of memory. */
struct qt_addrs *qt_addrs_new(void);
/* Only when no lookup can run any more. */
void qt_addrs_free(struct qt_addrs *a);
/* Make these routes (sorted here, in place) and addresses the snapshot
 * lookups read. 0, or -1 when out of memory (the old one stays). */
int qt_addrs_publish(struct qt_addrs *a, struct qt_addrs_route *r, size_t nr,
		     const struct qt_addrs_addr *ad, size_t na);
/* The same with IPv6 routes (r6, sorted here in place). */
int qt_addrs_publish6(struct qt_addrs *a, struct qt_addrs_route *r, size_t nr,
		      struct qt_addrs_route6 *r6, size_t nr6,
		      const struct qt_addrs_addr *ad, size_t na);

#endif
