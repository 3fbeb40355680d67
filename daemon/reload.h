/* SIGHUP (systemctl reload): read the state file again and run what it
 * holds, as a restart would, without dropping connections or counters of
 * rules that stay. An admin may edit the file and reload; a file that
 * does not load or compile changes nothing (the running ruleset stays:
 * never an open firewall). */
#ifndef QT_RELOAD_H
#define QT_RELOAD_H

#include "model.h"
#include "datapath.h"

/* Load path into a new ruleset, make it the engine's (e may be NULL:
 * --no-datapath) and replace *rs. The file's rule counters go into
 * store; its policy counters only without an engine (one counts them
 * on). 0 on success; -1 with the reason in the daemon's log
 * (qt_log_daemon), *rs and the engine untouched. Tells the service
 * manager RELOADING=1, then READY=1. */
int qt_reload_state(const char *path, struct qt_ruleset **rs,
		    struct qt_rt_store *store, struct qt_engine *e);

#endif
