/* Following a part of the namespace's rtnetlink state: a monitor socket
 * subscribed to some multicast groups says "something changed", a second
 * socket dumps the current state on request. A feed (io/addrs.c,
 * io/links.c) re-dumps on every change (simple and exact).
 *
 * One thread owns a watch; nothing here is thread-safe. */
#ifndef QT_RTNL_WATCH_H
#define QT_RTNL_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

struct qt_rtnl_watch;

/* Subscribe to groups (RTMGRP_* bits) and open the dump socket; bufsize
 * is the receive buffer for both (the largest message the kernel may
 * send for these dumps). Subscribe before the first dump, so that no
 * change falls between the two. NULL on error (errno set). */
struct qt_rtnl_watch *qt_rtnl_watch_open(unsigned groups, size_t bufsize);
void qt_rtnl_watch_close(struct qt_rtnl_watch *w);

/* The monitor socket, for poll(POLLIN). */
int qt_rtnl_watch_fd(const struct qt_rtnl_watch *w);

/* Read every pending notification without blocking. 1 when one of type
 * first..last arrived or some were lost (the socket overran: a dump
 * covers them), 0 when none did, -1 on error (errno set). */
int qt_rtnl_watch_drain(struct qt_rtnl_watch *w, uint16_t first, uint16_t last);

/* Dump request type (RTM_GET*) with a zeroed family header of hdrlen
 * bytes whose first byte is family (rtmsg, ifaddrmsg and ifinfomsg all
 * start so); cb(msg, data) for every reply message. 0, or -1 on error
 * (errno set; a callback returning MNL_CB_ERROR sets errno itself). */
int qt_rtnl_watch_dump(struct qt_rtnl_watch *w, uint16_t type, size_t hdrlen,
		       uint8_t family, mnl_cb_t cb, void *data);

/* A table kept current by a watch: how to make and free it, which
 * groups to follow, which notifications call for a refresh, and the
 * refresh itself (dump through w and publish: 0, or -1 with errno set,
 * the old table staying in use). */
struct qt_rtnl_feed {
	unsigned groups;             /* RTMGRP_* bits */
	size_t bufsize;              /* see qt_rtnl_watch_open */
	uint16_t first, last;        /* notification types that change it */
	void *(*new_table)(void);
	void (*free_table)(void *table);
	int (*refresh)(void *table, struct qt_rtnl_watch *w);
};

/* Open a watch (as qt_rtnl_watch_open) feeding a new table, refreshed
 * once: the watch, or NULL (errno set; nothing left open). Closing the
 * watch frees its table: only when no lookup can run any more. */
struct qt_rtnl_watch *qt_rtnl_feed_open(const struct qt_rtnl_feed *f);
/* The table a feed's watch keeps current. */
void *qt_rtnl_feed_table(const struct qt_rtnl_watch *w);
/* Drain (as qt_rtnl_watch_drain) and refresh the table when
 * notifications of the feed's types came (or some were lost):
 * 1 updated, 0 nothing pending, -1 error (errno set). */
int qt_rtnl_feed_process(struct qt_rtnl_watch *w);

#endif
