/* sd_notify and the watchdog (see sd_notify.h). */
#define _GNU_SOURCE
#include "sd_notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "datapath.h"

int qt_sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(a.sun_path))
		return -EINVAL;
	memcpy(a.sun_path, path, n);
	if (path[0] == '@')
		a.sun_path[0] = '\0';   /* abstract: no terminating NUL */
	else
		n++;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t r = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			   (struct sockaddr *)&a,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	int eno = errno;
	close(fd);
	return r < 0 ? -eno : 1;
}

int qt_sd_notifyf(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return qt_sd_notify(msg);
}

uint64_t qt_watchdog_usec(void)
{
	const char *us = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	char *end;
	if (!us || !*us)
		return 0;
	/* the period is meant for one process, which may not be us */
	if (pid && *pid && strtol(pid, &end, 10) != (long)getpid())
		return 0;
	unsigned long long v = strtoull(us, &end, 10);
	return *end ? 0 : (uint64_t)v;
}

int qt_watchdog_open(void)
{
	uint64_t us = qt_watchdog_usec();
	if (!us)
		return -1;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return -1;
	/* half the period, as sd_watchdog_enabled(3) advises */
	uint64_t half = us / 2 ? us / 2 : 1;
	struct itimerspec it = {
		.it_interval = { (time_t)(half / 1000000),
				 (long)(half % 1000000) * 1000 },
	};
	it.it_value = it.it_interval;
	if (timerfd_settime(fd, 0, &it, NULL) < 0) {
		close(fd);
		return -1;
	}
	/* ping at once: the period runs from READY=1 */
	qt_sd_notify("WATCHDOG=1");
	return fd;
}

void qt_watchdog_tick(int fd, struct qt_engine *e)
{
	uint64_t n;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	/* a queue thread wakes at least every 200 ms; one that has not
	 * for half the period (and at least a second) is stuck */
	uint64_t age = qt_watchdog_usec() / 2 * 1000;
	if (age < 1000000000u)
		age = 1000000000u;
	if (e && !qt_engine_alive(e, age))
		return;
	qt_sd_notify("WATCHDOG=1");
}
