/* The interface table of engine/host_links.h kept current from
 * rtnetlink: all links dumped again whenever a notification says
 * something changed (exact and simple; a namespace has few). */
#ifndef QT_LINKS_H
#define QT_LINKS_H

#include "host_links.h"

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

#endif
