/* The handover snapshot: what one qtablesd hands the next so that a
 * restart or an upgrade loses no connection and no match state - the
 * connection tables (one per queue thread; the connections' counts and
 * labels, where a table keeps them, in a section of their own that an
 * image without them lacks), every rule's counters and
 * extension state (limit buckets), the policy counters and the lists
 * of -m recent, for the IPv4 and the IPv6 ruleset, and the IPv6
 * ruleset's text.
 *
 * Image: a header (magic, version, body length, the boot's id, the
 * monotonic time it was written), sections (a tag, a length, a
 * payload), and a checksum of everything before it. Times inside are
 * the monotonic clock's, absolute: the image is refused on another
 * boot, so a connection's timeout keeps running across the handover as
 * it would have in one daemon.
 *
 * Rules are found again by identity: table, chain, position and the
 * rule's saved text (qt_rule_save), so state goes back only to the
 * same rule in the same place; anything else starts afresh. An image
 * is checked whole (length, checksum, boot, every record's bounds)
 * before any of it is applied: a damaged one is refused, never used
 * half-way. */
#ifndef QT_SNAPSHOT_H
#define QT_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "model.h"
#include "conntrack.h"
#include "rt_store.h"

#define QT_SNAP_VERSION 2

struct qt_snap_src {
	struct qt_ct *const *shards;   /* connection tables, by queue thread */
	unsigned nshards;
	struct qt_ruleset *rs;         /* the rules, for their places */
	struct qt_rt_store *store;     /* their counters and states, and the
	                                  policy counters (NULL: none) */
	struct qt_ruleset *rs6;        /* the IPv6 rules (NULL: none), */
	struct qt_rt_store *store6;    /* and theirs */
};

/* The image of s into out (appended), stamped with now (monotonic ns).
 * The queue threads must be stopped. */
void qt_snap_encode(struct qt_buf *out, const struct qt_snap_src *s,
		    uint64_t now);

/* The same image in a sealed memory file (memfd: nothing on disk, and
 * nobody can change it on its way to the next daemon), written in
 * place. The fd, or -1 with errno. */
int qt_snap_encode_fd(const struct qt_snap_src *s, uint64_t now);

struct qt_snap_counts {
	uint64_t entries, entries_skipped;   /* connections */
	uint64_t rules, rules_skipped;       /* rules whose state came back */
	uint64_t states_skipped;             /* extension states refused */
	uint64_t policies, lists, lists_skipped;
};

/* Check the image whole, then put it into dst: connections into the
 * tables (refused when the number of tables differs), rule counters and
 * extension states into the runtimes of the rules found again in
 * dst->store (made when absent: counters only), policy counters into
 * the store's for the built-in chains dst->rs has, recent lists into
 * the lists of the same name. -1 with the reason in err when the image
 * is refused (nothing applied); otherwise 0, with what was skipped
 * counted in *n. */
int qt_snap_decode(const void *img, size_t len, const struct qt_snap_src *dst,
		   uint64_t now, struct qt_snap_counts *n, struct qt_buf *err);

/* The IPv6 ruleset's text in the image (the state file's, counters
 * included), appended to out, for a next daemon without a state file:
 * 1 when there is one, 0 when not, -1 with err when the image is
 * refused (its header, length, checksum and boot are checked, not its
 * records: qt_snap_decode does that when it applies them). */
int qt_snap_text6(const void *img, size_t len, uint64_t now,
		  struct qt_buf *out, struct qt_buf *err);

/* The boot's id (/proc/sys/kernel/random/boot_id), 16 bytes; zeros
 * when unreadable. */
void qt_snap_boot_id(uint8_t id[16]);

#endif
