/* The namespace's IPv4 address knowledge that -m addrtype needs per packet:
 * the kernel's answer to inet_dev_addr_type(), kept current from rtnetlink.
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
 * Threading: one thread owns the handle and calls qt_addrs_process();
 * any number of threads may call qt_addrs_type()/qt_addrs_iface_addr()
 * at the same time. Lookups read an immutable snapshot; an update builds
 * a new one, swaps the pointer and frees the old one after in-flight
 * lookups ended (reader counters, io/snap_swap.h; lookups never
 * allocate or block).
 * qt_addrs_close() only when no lookup can run any more.
 *
 * Cost: a lookup scans the cached routes (local + main table) most
 * specific first; fine for the few routes of a host or namespace, a trie
 * would be needed for full routing tables. An update re-dumps both
 * tables and the addresses (simple and exact; notifications only say
 * "something changed"). */
#ifndef QT_ADDRS_H
#define QT_ADDRS_H

#include <netinet/in.h>
#include <stdint.h>

struct qt_addrs;

/* Subscribe to changes, then dump addresses and routes. NULL on error
 * (errno set). */
struct qt_addrs *qt_addrs_open(void);
void qt_addrs_close(struct qt_addrs *a);

/* The notification socket, for poll(POLLIN). */
int qt_addrs_fd(const struct qt_addrs *a);

/* Read pending notifications without blocking; if any arrived (or some
 * were lost), dump again and publish a new snapshot. Returns 1 when
 * updated, 0 when nothing was pending, -1 on error (errno set; the old
 * snapshot stays in use). */
int qt_addrs_process(struct qt_addrs *a);

/* The kernel's RTN_* type of addr (see above); ifindex 0 = any device. */
unsigned qt_addrs_type(const struct qt_addrs *a, struct in_addr addr, int ifindex);

/* The first primary IPv4 address of ifindex; 0 found, -1 none. */
int qt_addrs_iface_addr(const struct qt_addrs *a, int ifindex, struct in_addr *out);

/* Bumped by every published snapshot. */
uint64_t qt_addrs_version(const struct qt_addrs *a);

#endif
