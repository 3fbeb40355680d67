/* daemon/log_sink: the journal's native entry, the syslog datagram, the
 * counters of lines written and not, the daemon messages' rate limit.
 * A socket of the test's own stands in for syslog; no root needed. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log_sink.h"
#include "tap.h"

static void journal_entries(void)
{
	char buf[256];
	size_t n = qt_log_journal_entry(buf, sizeof(buf), 4, "kernel",
					"fw: IN=eth0 OUT= SRC=10.0.0.1");
	buf[n] = '\0';
	is_str(buf, "MESSAGE=fw: IN=eth0 OUT= SRC=10.0.0.1\nPRIORITY=4\n"
	       "SYSLOG_FACILITY=0\nSYSLOG_IDENTIFIER=kernel\n",
	       "plain entry: the kernel's fields");

	/* a newline in the value: the length-prefixed form */
	n = qt_log_journal_entry(buf, sizeof(buf), 6, "qtablesd", "a\nb");
	static const char want[] = "MESSAGE\n\x03\0\0\0\0\0\0\0a\nb\nPRIORITY=6\n"
		"SYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=qtablesd\n";
	is_int((long long)n, (long long)sizeof(want) - 1, "binary entry length");
	ok(n == sizeof(want) - 1 && !memcmp(buf, want, n), "binary entry bytes");

	ok(qt_log_journal_entry(buf, 20, 4, "kernel", "too long for twenty") == 0,
	   "an entry that does not fit is refused, not cut");
}

static int listen_at(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return fd;
}

static int pending(int fd)
{
	char buf[2048];
	int n = 0;
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

static void syslog_place(void)
{
	char dir[] = "/tmp/qt-logsink.XXXXXX", path[64];
	if (!mkdtemp(dir)) {
		ok(0, "temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/log", dir);
	int fd = listen_at(path);
	ok(fd >= 0, "listener bound");
	setenv("QTABLES_JOURNAL_SOCKET", "/nonexistent/journal", 1);
	setenv("QTABLES_SYSLOG_SOCKET", path, 1);
	qt_log_sink_open(true, false);
	is_int(qt_log_sink_place(), QT_LOG_SYSLOG, "no journal socket: syslog");

	qt_log_sink_line(4, "fw: SRC=10.0.0.1");
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "<4>kernel: fw: SRC=10.0.0.1",
	       "syslog datagram: facility kern, tag kernel");

	/* the daemon's messages: a burst of 10, the rest held back */
	for (int i = 0; i < 25; i++)
		qt_log_daemon(3, "qtablesd: message %d", i);
	is_int(pending(fd), 10, "daemon messages: a burst of 10 reaches syslog");
	struct qt_log_sink_stats s;
	qt_log_sink_stats(&s);
	is_int((long long)s.daemon_suppressed, 15, "15 held back and counted");

	/* the listener gone: lines are counted as not written, nothing
	 * blocks */
	close(fd);
	unlink(path);
	qt_log_sink_line(4, "lost");
	qt_log_sink_stats(&s);
	is_int((long long)s.written, 1, "written");
	is_int((long long)s.failed, 1, "not written, counted");

	struct qt_buf out;
	qt_buf_init(&out);
	qt_log_sink_describe(&out);
	ok(strstr(qt_buf_str(&out), "LOG lines to syslog (") &&
	   strstr(qt_buf_str(&out), "written 1, not written 1"),
	   "--stats line: %s", qt_buf_str(&out));
	qt_buf_free(&out);

	qt_log_sink_open(false, false);
	is_int(qt_log_sink_place(), QT_LOG_NOWHERE, "--no-syslog: nowhere");
	qt_log_sink_close();
	rmdir(dir);
}

int main(void)
{
	journal_entries();
	syslog_place();
	return done_testing();
}
