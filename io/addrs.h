/* The address-type table of engine/host_addrs.h kept current from
 * rtnetlink: routes of the local and main tables and the primary
 * addresses, dumped again whenever a notification says something changed
 * (simple and exact; notifications only say "something changed"). */
#ifndef QT_ADDRS_H
#define QT_ADDRS_H

#include "rtnl_watch.h"
#include "host_addrs.h"

/* qt_rtnl_feed_open(&qt_addrs_feed) subscribes to changes, then dumps
 * addresses and routes into a new struct qt_addrs (qt_rtnl_feed_table);
 * qt_rtnl_feed_process() re-dumps and publishes a new snapshot when a
 * notification arrived (or some were lost). */
extern const struct qt_rtnl_feed qt_addrs_feed;

#endif
