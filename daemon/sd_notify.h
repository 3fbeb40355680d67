/* The service manager's notification protocol (sd_notify(3)), spoken
 * directly: one datagram of NAME=VALUE lines to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (a leading '@' names an abstract one). No libsystemd:
 * the protocol is a stable, documented datagram, and qtablesd stays
 * usable where systemd is not installed.
 *
 * The watchdog: when $WATCHDOG_USEC is set (and $WATCHDOG_PID, if set, is
 * ours), a timer fires every half period; on each, the control thread
 * pings WATCHDOG=1 only if every queue thread looped recently, so a hung
 * control thread or a stuck queue thread both let systemd restart the
 * daemon. */
#ifndef QT_SD_NOTIFY_H
#define QT_SD_NOTIFY_H

#include <stdint.h>

struct qt_engine;

/* Send state (e.g. "READY=1\nSTATUS=..."). 0 when there is no
 * $NOTIFY_SOCKET, 1 when sent, -errno on failure. */
int qt_sd_notify(const char *state);
int qt_sd_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog timer: a timerfd to poll for POLLIN, or -1 when the
 * service manager asks for no watchdog. */
int qt_watchdog_open(void);
/* On POLLIN of the timer: consume it and ping if the engine's queue
 * threads are alive (e NULL: no datapath, the control thread's being
 * here is the proof). */
void qt_watchdog_tick(int fd, struct qt_engine *e);

/* The period the service manager asked for, in microseconds (0: none). */
uint64_t qt_watchdog_usec(void);

#endif
