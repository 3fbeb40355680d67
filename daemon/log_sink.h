/* Where -j LOG lines and the daemon's own messages go: the place an admin
 * looks for the kernel's firewall lines on this host.
 *
 *   1. the journal, by its native protocol, when its socket exists
 *      (fields MESSAGE, PRIORITY, SYSLOG_FACILITY=0 and
 *      SYSLOG_IDENTIFIER=kernel, as the kernel's own LOG lines carry);
 *   2. else syslog, where /dev/log exists (facility kern, tag "kernel");
 *   3. else /dev/kmsg, so that dmesg shows them as it shows the kernel's.
 *
 * The paths are the environment's QTABLES_JOURNAL_SOCKET,
 * QTABLES_SYSLOG_SOCKET and QTABLES_KMSG when set (tests give their own
 * listeners). The place is chosen when the sink opens.
 *
 * qt_log_sink_line runs on the packet path: it formats into the caller's
 * stack, sends without blocking and counts what could not be written; it
 * never allocates and takes no lock. The daemon's own messages
 * (qt_log_daemon) are rate limited so that no client or packet can flood
 * the log through them. One sink per process (one qtablesd per
 * namespace). */
#ifndef QT_LOG_SINK_H
#define QT_LOG_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

enum qt_log_place {
	QT_LOG_NOWHERE,   /* --no-syslog, or nothing to write to */
	QT_LOG_JOURNAL,
	QT_LOG_SYSLOG,
	QT_LOG_KMSG,
};

/* Choose and open the place. system_log false: LOG lines go to no system
 * log (--no-syslog); to_stderr: each line goes to stderr as well
 * (--log-stderr). Safe to call again (the old place is closed). */
void qt_log_sink_open(bool system_log, bool to_stderr);
void qt_log_sink_close(void);

/* One -j LOG line (no newline) at syslog level 0..7. */
void qt_log_sink_line(int level, const char *line);

/* One of the daemon's own messages, at syslog level: to stderr and, unless
 * stderr already is the journal, to the place, as "qtablesd". At most a
 * burst of 10, then one a second; the number held back is said once
 * messages flow again. */
void qt_log_daemon(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum qt_log_place qt_log_sink_place(void);
const char *qt_log_place_name(enum qt_log_place p);

/* Counters since the sink opened. */
struct qt_log_sink_stats {
	uint64_t written, failed;          /* LOG lines */
	uint64_t daemon_written, daemon_suppressed;
};
void qt_log_sink_stats(struct qt_log_sink_stats *s);

/* The `--stats` line: where LOG lines go and what could not be written. */
void qt_log_sink_describe(struct qt_buf *out);

/* The counters above as metric families (daemon/metrics.h). */
struct qt_metrics;
void qt_log_sink_metrics(struct qt_metrics *m);

/* The journal's native datagram for one entry, into buf (at most cap
 * bytes): MESSAGE (length-prefixed when it holds a newline), PRIORITY,
 * SYSLOG_FACILITY, SYSLOG_IDENTIFIER. Returns its length, or 0 when it
 * does not fit. */
size_t qt_log_journal_entry(char *buf, size_t cap, int level,
			    const char *ident, const char *msg);

#endif
