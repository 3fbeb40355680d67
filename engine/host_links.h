/* The namespace's network interfaces as the packet path needs them:
 * ifindex -> name, link-layer address, ARPHRD type and IFF_* flags, from
 * a snapshot that io/links.c keeps current from rtnetlink
 * (RTM_NEWLINK/RTM_DELLINK).
 *
 * Threading (as engine/host_addrs.h): one thread owns the handle and
 * publishes (io/links.c: qt_rtnl_feed_process() when the watch's fd is
 * readable); any number of
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
 * it stays valid only until the owner's next qt_rtnl_feed_process(): fine
 * on the owner's own thread, otherwise copy it. Sections may nest and
 * are cheap (two atomic operations), but a long one delays the owner's
 * next update (it waits for the section to end), so keep them to a
 * burst. Never call qt_rtnl_feed_process() inside a section of the same
 * thread: it would wait for itself.
 *
 * Cost: a lookup is a binary search over the interfaces sorted by
 * index. An update re-dumps all links (exact and simple; a namespace
 * has few). */
#ifndef QT_HOST_LINKS_H
#define QT_HOST_LINKS_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct qt_links;

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

/* The device's group (IFLA_GROUP): 0, or -1 for an unknown ifindex. */
int qt_links_group(const struct qt_links *l, int ifindex, uint32_t *group);

/* IFF_* flags (IFF_UP, IFF_LOOPBACK ...); 0 for an unknown ifindex. */
unsigned qt_links_flags(const struct qt_links *l, int ifindex);

/* Bumped by every published snapshot. */
uint64_t qt_links_version(const struct qt_links *l);

/* ---- for the owner that keeps the table current ---- */

/* The kernel's MAX_ADDR_LEN (linux/netdevice.h clashes with net/if.h). */
#define QT_LINK_ADDR_MAX 32

struct qt_link {
	int ifindex;
	unsigned flags;
	uint16_t type;
	uint32_t group;             /* IFLA_GROUP */
	uint8_t addrlen;
	uint8_t addr[QT_LINK_ADDR_MAX];
	char name[IFNAMSIZ];
};

struct qt_snap_swap;

struct qt_links {
	uint64_t version;
	struct qt_snap_swap *sync;
};

/* No interfaces; NULL when out of memory. */
struct qt_links *qt_links_new(void);
/* Only when no lookup can run any more. */
void qt_links_free(struct qt_links *l);
/* Make these interfaces (sorted here, in place) the snapshot lookups
 * read. 0, or -1 when out of memory (the old one stays). */
int qt_links_publish(struct qt_links *l, struct qt_link *k, size_t n);

#endif
