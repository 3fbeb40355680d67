/* Where no qtablesd serves a network namespace, the iptables names of
 * qtables act as the kernel's iptables-nft.
 *
 * dockerd (and others) run `iptables` inside a container's own network
 * namespace, where nobody starts a qtablesd: with iptables-nft those
 * rules go into that namespace's kernel tables and work. So there the
 * programs exec /usr/sbin/xtables-nft-multi under the same name, with
 * the same arguments and standard input. They do so only when all of
 * this holds, and otherwise talk to (or fail to reach) qtablesd:
 *  - the namespace is not the host's own (PID 1's): rules typed there
 *    before qtablesd starts at boot must fail, not land in the kernel
 *    unseen;
 *  - nobody listens on qtablesd's control socket there;
 *  - the kernel holds none of qtables' steering chains (QTABLES-*) in
 *    an ip or ip6 table there: a namespace whose daemon has died but
 *    whose packets still go to its queues fails closed.
 * Whatever cannot be told counts against the fallback. */
#ifndef QT_KERNEL_FALLBACK_H
#define QT_KERNEL_FALLBACK_H

#include <stdbool.h>

#define QT_KERNEL_XTABLES "/usr/sbin/xtables-nft-multi"

enum qt_fact { QT_FACT_NO, QT_FACT_YES, QT_FACT_UNKNOWN };

struct qt_ns_facts {
	enum qt_fact host_ns;    /* the namespace of PID 1 */
	enum qt_fact daemon;     /* a listener on the control socket */
	enum qt_fact steering;   /* QTABLES-* chains in the kernel */
};

/* The decision on facts: true only when the namespace is known not to
 * be the host's, known to have no daemon and known to have no
 * steering chains. */
bool qt_fallback_to_kernel(const struct qt_ns_facts *f);

/* The probes, each QT_FACT_UNKNOWN when it cannot tell. The host's
 * namespace: /proc/self/ns/net against /proc/1/ns/net, or where PID 1's
 * is hidden, the namespaces' own /proc/PID/net/dev entries. */
enum qt_fact qt_probe_host_ns(void);
/* Reads /proc/net/unix, which lists the sockets of the reader's network
 * namespace: no connection is made, so the daemon counts nothing. */
enum qt_fact qt_probe_daemon(void);
/* Dumps nf_tables' chains over netlink. */
enum qt_fact qt_probe_steering(void);

/* Probes in the order that spares work (the host's namespace needs no
 * other fact) and decides. */
bool qt_should_fall_back(void);

/* Execs QT_KERNEL_XTABLES as `name` with argv[1..]; returns only when
 * that fails (errno set). */
int qt_exec_kernel_iptables(const char *name, char **argv);

#endif
