/* qtablesd: holds the ruleset and serves the control socket. */
#ifndef QT_DAEMON_H
#define QT_DAEMON_H

#include <stdbool.h>

#include "datapath.h"

struct qt_daemon_opts {
	const char *state_path;  /* NULL: no persistence */
	const char *state_recover; /* --state-recover: start from this file
	                            when the state file cannot be loaded */
	bool background;         /* --daemon */
	const char *pidfile;
	bool timing;             /* --timing: one line per request on stderr */
	bool datapath;           /* judge packets (false: --no-datapath,
	                            the control plane alone) */
	struct qt_engine_opts engine;
	bool handover;           /* --handover: take over from the daemon
	                            running (daemon/handover.h) */
	unsigned handover_wait;  /* --handover-wait: seconds a holder
	                            keeps the queues after SIGTERM; 0: none */
};

/* Runs until SIGTERM/SIGINT. Returns the process exit status. */
int qt_daemon_run(const struct qt_daemon_opts *o);

#endif
