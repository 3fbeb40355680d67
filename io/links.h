/* The namespace's network interfaces as the packet path needs them:
 * ifindex -> name, link-layer address, ARPHRD type and IFF_* flags, kept
 * current from rtnetlink (RTM_NEWLINK/RTM_DELLINK).
 *
 * Threading (as io/addrs.h): one thread owns the handle and calls
 * qt_links_process() when qt_links_fd() is readable; any number of
 * threads may look up at the same time. Lookups read an immutable
 * snapshot and never allocate or block; an update builds a new snapshot,
 * swaps one pointer and frees the old one only after every reader that
 * could hold it has left (two reader counters used by turns, as SRCU
 * does: a waiting update is never starved by readers that came after
 * it).
 *
 * Lifetime of a returned name: qt_links_name() points into a snapshot.
 * Inside a read section (qt_links_read_begin() ... qt_links_read_end(),
 * e.g. around one packet burst) it stays valid until the section ends,
 * whatever the owner publishes meanwhile. Without an enclosing section
 * it stays valid only until the owner's next qt_links_process(): fine
 * on the owner's own thread, otherwise copy it. Sections may nest and
 * are cheap (two atomic operations), but a long one delays the owner's
 * next update (it waits for the section to end), so keep them to a
 * burst. Never call qt_links_process() inside a section of the same
 * thread: it would wait for itself.
 *
 * Cost: a lookup is a binary search over the interfaces sorted by
 * index. An update re-dumps all links (exact and simple; a namespace
 * has few). */
#ifndef QT_LINKS_H
#define QT_LINKS_H

#include <stdint.h>

struct qt_links;

/* Subscribe to link changes, then dump. NULL on error (errno set). */
struct qt_links *qt_links_open(void);
/* Only when no lookup can run any more. */
void qt_links_close(struct qt_links *l);

/* The notification socket, for poll(POLLIN). */
int qt_links_fd(const struct qt_links *l);

/* Read pending notifications without blocking; if any arrived (or some
 * were lost), dump again and publish a new snapshot. Returns 1 when
 * updated, 0 when nothing was pending, -1 on error (errno set; the old
 * snapshot stays in use). */
int qt_links_process(struct qt_links *l);

/* A read section: names returned inside stay valid until its end.
 * Pass the token begin returned to end. */
unsigned qt_links_read_begin(const struct qt_links *l);
void qt_links_read_end(const struct qt_links *l, unsigned token);

/* The interface's name, "" if unknown (see above for how long the
 * pointer lives). */
const char *qt_links_name(const struct qt_links *l, int ifindex);

/* The same, for a caller already inside a read section (the packet
 * path, once per packet): no atomic operations of its own. */
const char *qt_links_name_in_section(const struct qt_links *l, int ifindex);

/* The index of the interface called name, 0 if none. */
int qt_links_index(const struct qt_links *l, const char *name);

/* Link-layer address (at most 8 bytes copied: NFQUEUE's and the LOG
 * target's limit; *len = bytes copied, 0 when the device has none),
 * ARPHRD_* type. 0, or -1 for an unknown ifindex. Any out pointer may
 * be NULL. */
int qt_links_hwaddr(const struct qt_links *l, int ifindex, uint8_t out[8],
		    unsigned *len, unsigned *type);

/* IFF_* flags (IFF_UP, IFF_LOOPBACK ...); 0 for an unknown ifindex. */
unsigned qt_links_flags(const struct qt_links *l, int ifindex);

/* Bumped by every published snapshot. */
uint64_t qt_links_version(const struct qt_links *l);

#endif
