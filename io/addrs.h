/* The address-type table of engine/host_addrs.h kept current from
 * rtnetlink: routes of the local and main tables and the primary
 * addresses, dumped again whenever a notification says something changed
 * (simple and exact; notifications only say "something changed"). */
#ifndef QT_ADDRS_H
#define QT_ADDRS_H

#include "host_addrs.h"

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

#endif
