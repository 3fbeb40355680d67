/* The lists of -m recent (xt_recent revision 1), shared by every rule
 * that names them, and their /proc/net/xt_recent/NAME view.
 *
 * A list lives in a registry keyed by name, refcounted by the rules
 * (instances) using it: qt_recent_get() on the control thread when a
 * rule is compiled, qt_recent_put() when the rule is freed. A commit
 * compiles the new program before freeing the old one, so a list
 * outlives every commit that keeps one rule naming it.
 *
 * Sizes are the kernel module's defaults: ip_list_tot = 100 addresses
 * per list (the least recently updated one is evicted), and
 * ip_pkt_list_tot = 20 timestamps per address, kept as the kernel keeps
 * them since 4.10: a ring of roundup_pow_of_two(max(20, hitcount))
 * slots (32 by default), grown (and the list flushed) when a rule with
 * a larger --hitcount joins the list.
 *
 * Times are the kernel's jiffies: qt_rl_ns_to_jiffies() of the
 * monotonic clock plus INITIAL_JIFFIES (2^32 - 300 HZ, as on a 64-bit
 * kernel), so /proc shows numbers of the kernel's size. Every list
 * operation is preallocated: nothing is allocated on the packet path. */
#ifndef QT_RECENT_LISTS_H
#define QT_RECENT_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define QT_RECENT_LIST_TOT 100u     /* ip_list_tot */
#define QT_RECENT_PKT_TOT 20u       /* ip_pkt_list_tot */

/* The kernel's XT_RECENT_* check_set bits. */
#define QT_RECENT_SET    0x01
#define QT_RECENT_CHECK  0x02
#define QT_RECENT_UPDATE 0x04
#define QT_RECENT_REMOVE 0x08
#define QT_RECENT_TTL    0x10
#define QT_RECENT_REAP   0x20

struct qt_recent_list;

/* One rule's options, as recent_mt reads them. */
struct qt_recent_args {
	uint32_t seconds;
	uint32_t hit_count;
	uint8_t check_set;
	bool invert;
};

/* The list called name (made when new), one more reference. hit_count
 * is the rule's (sizes the timestamp ring), hz the kernel's HZ. NULL
 * when out of memory. Control thread. */
struct qt_recent_list *qt_recent_get(const char *name, uint32_t hit_count,
				     unsigned hz);
/* One reference less; the last frees the list. Control thread. */
void qt_recent_put(struct qt_recent_list *l);

/* recent_mt for one packet whose (masked) address is addr (network
 * order) and TTL ttl (already adjusted as the kernel does for output
 * hooks), at monotonic time now_ns. Returns the match. *hotdrop is set
 * where the kernel would drop the packet (never here: no allocation).
 * Thread-safe (the list's lock). */
bool qt_recent_packet(struct qt_recent_list *l, const struct qt_recent_args *a,
		      uint32_t addr, uint8_t ttl, uint64_t now_ns,
		      bool *hotdrop);

/* Handover to the next daemon (daemon/snapshot.c). Every list's
 * addresses, in least recently updated order, with their TTL and
 * timestamp rings (jiffies of the monotonic clock, which a handover
 * never leaves), appended to out. */
struct qt_snap_rd;
void qt_recent_save_all(struct qt_buf *out);
/* One list as saved, read from r: with apply, it replaces the contents
 * of the list of that name when one exists (a compiled rule made it)
 * with a ring of the same size; otherwise it is skipped. Returns 1
 * loaded, 0 skipped, -1 malformed (r->bad). Control thread, before the
 * queue threads run. */
int qt_recent_load_one(struct qt_snap_rd *r, bool apply);

/* The /proc view. */
/* The names of all lists, one a line, in the order they were made. */
void qt_recent_names(struct qt_buf *out);
/* The lines of /proc/net/xt_recent/NAME, least recently updated first
 * (the kernel walks its hash, in an order of no meaning). 0, or -ENOENT. */
int qt_recent_dump(const char *name, struct qt_buf *out);
/* One write to /proc/net/xt_recent/NAME: "+ADDR" adds (or refreshes),
 * "-ADDR" removes, "/..." flushes; a trailing newline is allowed. 0,
 * -ENOENT (no list), -EINVAL (as the kernel refuses it). */
int qt_recent_write(const char *name, const char *line, size_t len,
		    uint64_t now_ns);

/* The daemon's recent request (ipc/protocol.h, QT_IPC_RECENT): no NAME lists
 * the names; NAME with an empty body dumps the list; otherwise each
 * body line is one write. Returns the exit status (0, 1). */
int qt_recent_request(const char *req, size_t len, struct qt_buf *out,
		      struct qt_buf *err);

#endif
