/* qtables-conntrack: the engine's connection tables shown and edited as
 * conntrack(8) (conntrack-tools 1.4.7) does for the kernel's table: -L,
 * -D and their filters, -F, -C, -S, -h, -V, with its line format, its
 * summary lines on stderr and its exit codes.
 *
 * The client (cmd/qtables.c) only carries its arguments to the daemon
 * (ipc/protocol.h: qt_ipc_conntrack). The daemon (daemon/daemon.c) hands
 * the request to qt_ct_view_request() with its engine. */
#ifndef QT_ENGINE_CT_VIEW_H
#define QT_ENGINE_CT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conntrack.h"

struct qt_engine;

/* Run one (daemon side) on the engine's tables (e NULL: no datapath).
 * Returns the exit status; out and err receive what the client prints. */
int qt_ct_view_request(struct qt_engine *e, const char *req, size_t len,
		       struct qt_buf *out, struct qt_buf *err);

/* The same on explicit tables (tests): argv as the program's, without
 * argv[0]; now is CLOCK_MONOTONIC ns as the tables use it. */
int qt_ct_view_run(struct qt_ct *const *shards, unsigned nshards,
		   const char *prog, int argc, char *const *argv,
		   uint64_t now, struct qt_buf *out, struct qt_buf *err);

/* One entry as conntrack -L prints it, with its newline. */
void qt_ct_view_format(const struct qt_ct_entry *e, uint64_t now,
		       struct qt_buf *out);

/* The filters of -L and -D (all given ones must hold). */
struct qt_ct_filter {
	unsigned has;              /* QT_CTF_* */
	uint8_t proto;
	uint32_t addr[4], mask[4]; /* orig src, orig dst, reply src,
	                              reply dst (network order) */
	uint16_t port[4];          /* orig sport, dport, reply sport, dport */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
	uint32_t mark, mark_mask;
	uint32_t status_set, status_clear;
	uint8_t state;             /* the protocol's (-p, tcp or sctp) */
	uint8_t family;            /* -f: AF_INET or AF_INET6 entries only;
	                              0: both, as conntrack -L */
	/* --src-nat, --dst-nat, --any-nat [IP[:PORT]] (QT_CTF_NAT_*): per
	 * kind ([0] source, [1] destination) the address and port asked
	 * for, if any (QT_CTF_NAT_IP(k), QT_CTF_NAT_PORT(k)) */
	uint32_t nat_ip[2];        /* network order */
	uint16_t nat_port[2];
	/* the address asked for was an IPv6 one: conntrack 1.4.7 takes
	 * it for the family (-f ipv6) and compares no address then,
	 * only the port */
	bool nat_v6[2];
	/* -w/--zone, --orig-zone, --reply-zone (QT_CTF_ZONE(i)): the
	 * zone of both directions, of the original only, of the reply
	 * only, as conntrack -L shows them (zone=, zone-orig=,
	 * zone-reply=); one not shown reads 0 */
	uint16_t zone[3];
};

#define QT_CTF_PROTO     (1u << 0)
#define QT_CTF_ADDR(i)   (1u << (1 + (i)))   /* 0..3 */
#define QT_CTF_PORT(i)   (1u << (5 + (i)))   /* 0..3 */
#define QT_CTF_ICMP_TYPE (1u << 9)
#define QT_CTF_ICMP_CODE (1u << 10)
#define QT_CTF_ICMP_ID   (1u << 11)
#define QT_CTF_MARK      (1u << 12)
#define QT_CTF_STATUS    (1u << 13)
#define QT_CTF_STATE     (1u << 14)
#define QT_CTF_NAT_SRC   (1u << 15)
#define QT_CTF_NAT_DST   (1u << 16)
#define QT_CTF_NAT_ANY   (1u << 17)
#define QT_CTF_NAT_IP(k)   (1u << (18 + (k)))   /* 0, 1 */
#define QT_CTF_NAT_PORT(k) (1u << (20 + (k)))   /* 0, 1 */
#define QT_CTF_ZONE(i)     (1u << (22 + (i)))   /* 0..2 */

bool qt_ct_filter_match(const struct qt_ct_filter *f,
			const struct qt_ct_entry *e);

#endif
