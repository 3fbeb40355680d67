/* The interface table of engine/host_links.h kept current from
 * rtnetlink: all links dumped again whenever a notification says
 * something changed (exact and simple; a namespace has few). */
#ifndef QT_LINKS_H
#define QT_LINKS_H

#include "rtnl_watch.h"
#include "host_links.h"

/* qt_rtnl_feed_open(&qt_links_feed) subscribes to link changes, then
 * dumps them into a new struct qt_links (qt_rtnl_feed_table);
 * qt_rtnl_feed_process() re-dumps and publishes a new snapshot when a
 * notification arrived (or some were lost). */
extern const struct qt_rtnl_feed qt_links_feed;

#endif
