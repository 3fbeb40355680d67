/* Where LOG lines and the daemon's messages go (see log_sink.h). */
#define _GNU_SOURCE
#include "log_sink.h"
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define SYSLOG_SOCKET "/dev/log"
#define KMSG_DEVICE "/dev/kmsg"

/* A LOG line is under the kernel's 1024 bytes; the fields and a prefix
 * around it fit twice over. */
#define ENTRY_MAX 2048

/* syslog facilities, as <syslog.h> numbers them (kern 0, daemon 3) */
#define FAC_KERN 0
#define FAC_DAEMON 3

/* the daemon's messages: a burst, then one per second */
#define DAEMON_BURST 10.0
#define DAEMON_PER_SEC 1.0

static struct {
	enum qt_log_place place;
	int fd;                       /* datagram socket or /dev/kmsg */
	struct sockaddr_un addr;      /* the socket's path */
	socklen_t addr_len;
	bool to_stderr;
	bool stderr_is_journal;       /* JOURNAL_STREAM names our stderr */
	bool kmsg_ratelimited;        /* printk_devkmsg=ratelimit */
	char what[sizeof(((struct sockaddr_un *)0)->sun_path)];
	atomic_uint_fast64_t written, failed;
	/* the daemon's messages: token bucket under a mutex (never on the
	 * packet path) */
	pthread_mutex_t lock;
	double tokens;
	struct timespec last;
	uint64_t daemon_written, suppressed, suppressed_total;
} S = {
	.fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.tokens = DAEMON_BURST,
};

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

static bool is_socket(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static bool set_addr(const char *path)
{
	size_t n = strlen(path);
	if (n >= sizeof(S.addr.sun_path))
		return false;
	memset(&S.addr, 0, sizeof(S.addr));
	S.addr.sun_family = AF_UNIX;
	memcpy(S.addr.sun_path, path, n + 1);
	S.addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	memcpy(S.what, path, n + 1);
	return true;
}

static bool open_socket(enum qt_log_place place, const char *path)
{
	if (!is_socket(path) || !set_addr(path))
		return false;
	/* unconnected: a restarted journald or syslogd is found again by
	 * the next line */
	S.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (S.fd < 0)
		return false;
	S.place = place;
	return true;
}

static bool open_kmsg(const char *path)
{
	S.fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (S.fd < 0)
		return false;
	snprintf(S.what, sizeof(S.what), "%s", path);
	S.place = QT_LOG_KMSG;
	/* the kernel drops user writes beyond 10 per 5 s per open file
	 * unless printk_devkmsg=on, without telling the writer */
	char v[32] = "";
	FILE *f = fopen("/proc/sys/kernel/printk_devkmsg", "r");
	if (f) {
		if (!fgets(v, sizeof(v), f))
			v[0] = '\0';
		fclose(f);
	}
	S.kmsg_ratelimited = strncmp(v, "ratelimit", 9) == 0;
	return true;
}

static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void qt_log_sink_close(void)
{
	if (S.fd >= 0)
		close(S.fd);
	S.fd = -1;
	S.place = QT_LOG_NOWHERE;
	S.what[0] = '\0';
}

void qt_log_sink_open(bool system_log, bool to_stderr)
{
	qt_log_sink_close();
	S.to_stderr = to_stderr;
	S.stderr_is_journal = stderr_is_journal();
	atomic_store(&S.written, 0);
	atomic_store(&S.failed, 0);
	if (!system_log)
		return;
	if (open_socket(QT_LOG_JOURNAL,
			env_or("QTABLES_JOURNAL_SOCKET", JOURNAL_SOCKET)))
		return;
	if (open_socket(QT_LOG_SYSLOG,
			env_or("QTABLES_SYSLOG_SOCKET", SYSLOG_SOCKET)))
		return;
	open_kmsg(env_or("QTABLES_KMSG", KMSG_DEVICE));
}

enum qt_log_place qt_log_sink_place(void)
{
	return S.place;
}

const char *qt_log_place_name(enum qt_log_place p)
{
	switch (p) {
	case QT_LOG_JOURNAL: return "journal";
	case QT_LOG_SYSLOG: return "syslog";
	case QT_LOG_KMSG: return "kmsg";
	case QT_LOG_NOWHERE: break;
	}
	return "none";
}

/* ---- formatting, into the caller's buffer ---- */

struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct out *o, const void *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putu(struct out *o, unsigned v)
{
	char d[12];
	int n = 0;
	do {
		d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < (int)sizeof(d));
	put(o, d + sizeof(d) - n, (size_t)n);
}

size_t qt_log_journal_entry(char *buf, size_t cap, int level,
			    const char *ident, const char *msg)
{
	struct out o = { .p = buf, .cap = cap };
	size_t n = strlen(msg);
	if (memchr(msg, '\n', n)) {
		/* a value with a newline: name, newline, 64-bit little
		 * endian length, the bytes, newline */
		uint8_t le[8];
		for (int i = 0; i < 8; i++)
			le[i] = (uint8_t)((uint64_t)n >> (8 * i));
		puts_(&o, "MESSAGE\n");
		put(&o, le, sizeof(le));
		put(&o, msg, n);
		puts_(&o, "\n");
	} else {
		puts_(&o, "MESSAGE=");
		put(&o, msg, n);
		puts_(&o, "\n");
	}
	puts_(&o, "PRIORITY=");
	putu(&o, (unsigned)level & 7);
	puts_(&o, "\nSYSLOG_FACILITY=");
	putu(&o, strcmp(ident, "kernel") ? FAC_DAEMON : FAC_KERN);
	puts_(&o, "\nSYSLOG_IDENTIFIER=");
	puts_(&o, ident);
	puts_(&o, "\n");
	return o.full ? 0 : o.len;
}

/* The line as the place takes it. Syslog gets no timestamp: the syslog
 * daemon stamps a local message on arrival (RFC 3164 4.3.2), and making
 * one here would take libc's time zone lock on the packet path. */
static size_t format(char *buf, size_t cap, int fac, int level,
		     const char *ident, const char *msg)
{
	struct out o = { .p = buf, .cap = cap };
	switch (S.place) {
	case QT_LOG_JOURNAL:
		return qt_log_journal_entry(buf, cap, level, ident, msg);
	case QT_LOG_SYSLOG:
		puts_(&o, "<");
		putu(&o, (unsigned)(fac << 3 | (level & 7)));
		puts_(&o, ">");
		puts_(&o, ident);
		puts_(&o, ": ");
		puts_(&o, msg);
		break;
	case QT_LOG_KMSG:
		/* the kernel's own LOG lines carry no tag: ours neither,
		 * the daemon's messages say whose they are */
		puts_(&o, "<");
		putu(&o, (unsigned)(level & 7));
		puts_(&o, ">");
		if (fac != FAC_KERN) {
			puts_(&o, ident);
			puts_(&o, ": ");
		}
		puts_(&o, msg);
		/* without it the kernel keeps the record open for a
		 * continuation, and readers see it only with the next one */
		puts_(&o, "\n");
		break;
	case QT_LOG_NOWHERE:
		return 0;
	}
	return o.full ? 0 : o.len;
}

static bool send_entry(const char *buf, size_t len)
{
	ssize_t n;
	if (S.place == QT_LOG_KMSG)
		n = write(S.fd, buf, len);
	else
		n = sendto(S.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (const struct sockaddr *)&S.addr, S.addr_len);
	return n == (ssize_t)len;
}

static void to_stderr(const char *prefix, const char *msg)
{
	char buf[ENTRY_MAX];
	struct out o = { .p = buf, .cap = sizeof(buf) };
	puts_(&o, prefix);
	puts_(&o, msg);
	if (o.full)
		o.len = sizeof(buf) - 1;
	buf[o.len++] = '\n';
	/* one write: lines of several threads never interleave */
	if (write(2, buf, o.len) < 0)
		return;
}

void qt_log_sink_line(int level, const char *line)
{
	if (S.to_stderr)
		to_stderr("", line);
	if (S.place == QT_LOG_NOWHERE)
		return;
	char buf[ENTRY_MAX];
	size_t len = format(buf, sizeof(buf), FAC_KERN, level, "kernel", line);
	if (len && send_entry(buf, len))
		atomic_fetch_add_explicit(&S.written, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&S.failed, 1, memory_order_relaxed);
}

/* Under S.lock: may a message go now? */
static bool take_token(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (S.last.tv_sec || S.last.tv_nsec) {
		double dt = (double)(now.tv_sec - S.last.tv_sec) +
			    (double)(now.tv_nsec - S.last.tv_nsec) / 1e9;
		S.tokens += dt * DAEMON_PER_SEC;
		if (S.tokens > DAEMON_BURST)
			S.tokens = DAEMON_BURST;
	}
	S.last = now;
	if (S.tokens < 1.0)
		return false;
	S.tokens -= 1.0;
	return true;
}

static void daemon_emit(int level, const char *msg)
{
	to_stderr("", msg);
	if (S.place == QT_LOG_NOWHERE || S.stderr_is_journal)
		return;
	char buf[ENTRY_MAX];
	/* the message names qtablesd already: the place's tag says it
	 * once more only where it is a field of its own */
	const char *m = msg;
	if (!strncmp(m, "qtablesd: ", 10))
		m += 10;
	size_t len = format(buf, sizeof(buf), FAC_DAEMON, level, "qtablesd", m);
	if (len && send_entry(buf, len))
		S.daemon_written++;
}

void qt_log_daemon(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&S.lock);
	if (!take_token()) {
		S.suppressed++;
		S.suppressed_total++;
		pthread_mutex_unlock(&S.lock);
		return;
	}
	if (S.suppressed) {
		char note[96];
		snprintf(note, sizeof(note), "qtablesd: %llu messages held back "
			 "(at most %.0f a second)",
			 (unsigned long long)S.suppressed, DAEMON_PER_SEC);
		S.suppressed = 0;
		daemon_emit(4, note);
	}
	daemon_emit(level, msg);
	pthread_mutex_unlock(&S.lock);
}

void qt_log_sink_stats(struct qt_log_sink_stats *s)
{
	s->written = atomic_load(&S.written);
	s->failed = atomic_load(&S.failed);
	pthread_mutex_lock(&S.lock);
	s->daemon_written = S.daemon_written;
	s->daemon_suppressed = S.suppressed_total;
	pthread_mutex_unlock(&S.lock);
}

void qt_log_sink_describe(struct qt_buf *out)
{
	struct qt_log_sink_stats s;
	qt_log_sink_stats(&s);
	if (S.place == QT_LOG_NOWHERE)
		qt_buf_printf(out, "log: LOG lines to no system log%s",
			      S.to_stderr ? " (stderr only)" : "");
	else
		qt_buf_printf(out, "log: LOG lines to %s (%s)%s%s",
			      qt_log_place_name(S.place), S.what,
			      S.to_stderr ? " and stderr" : "",
			      S.kmsg_ratelimited && S.place == QT_LOG_KMSG
			      ? " (the kernel keeps 10 per 5 s of them: "
				"printk_devkmsg=ratelimit)" : "");
	qt_buf_printf(out, ": written %llu, not written %llu; daemon "
		      "messages held back %llu\n",
		      (unsigned long long)s.written,
		      (unsigned long long)s.failed,
		      (unsigned long long)s.daemon_suppressed);
}

void qt_log_sink_metrics(struct qt_metrics *m)
{
	struct qt_log_sink_stats s;
	qt_log_sink_stats(&s);
	const char *place = qt_log_place_name(S.place);
	qt_metrics_family(m, "qtables_log_lines_total", QT_COUNTER,
			  "-j LOG lines, written to the system log or not");
	qt_metrics_sample(m, s.written, "place", place, "result", "written", NULL);
	qt_metrics_sample(m, s.failed, "place", place, "result", "not_written",
			  NULL);
	qt_metrics_family(m, "qtables_daemon_messages_held_back_total",
			  QT_COUNTER, "the daemon's own messages held back by "
			  "its rate limit");
	qt_metrics_sample(m, s.daemon_suppressed, NULL);
}
