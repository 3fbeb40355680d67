/* The control socket's event loop: epoll over non-blocking connections. */
#define _GNU_SOURCE
#include "control_server.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "request.h"
#include "peer_auth.h"

enum conn_phase { READING, WRITING };

struct conn {
	int fd;
	struct qt_peer peer;
	bool authorized;          /* the kernel vouched for the peer */
	enum conn_phase phase;
	struct qt_buf in, out;
	size_t out_off;
	long long deadline;       /* ms, CLOCK_MONOTONIC */
	long long last_active;
	struct conn *prev, *next; /* by last activity, oldest first */
};

/* What an epoll event points at: a connection, or one of these tags. */
static char listen_tag, signal_tag, watch_tag;

struct qt_control_server {
	int lfd, epfd, sfd;
	dev_t ns_dev;             /* the daemon's network namespace */
	ino_t ns_ino;
	size_t max_req;
	qt_control_serve_fn *serve;
	void *ctx;
	struct conn *oldest, *newest;
	struct conn *closed;      /* freed once the event batch is done, as
	                             later events of it may point at them */
	unsigned nconns;
	bool stop;                /* asked by the serve function */
	struct qt_control_counters cnt;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void unlink_conn(struct qt_control_server *s, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->oldest = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		s->newest = c->prev;
	c->prev = c->next = NULL;
}

static void append_conn(struct qt_control_server *s, struct conn *c)
{
	c->prev = s->newest;
	c->next = NULL;
	if (s->newest)
		s->newest->next = c;
	else
		s->oldest = c;
	s->newest = c;
}

static void touch(struct qt_control_server *s, struct conn *c)
{
	c->last_active = now_ms();
	unlink_conn(s, c);
	append_conn(s, c);
}

static void close_conn(struct qt_control_server *s, struct conn *c)
{
	unlink_conn(s, c);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	qt_buf_free(&c->in);
	qt_buf_free(&c->out);
	c->next = s->closed;
	s->closed = c;
	s->nconns--;
}

static void free_closed(struct qt_control_server *s)
{
	while (s->closed) {
		struct conn *c = s->closed;
		s->closed = c->next;
		free(c);
	}
}

/* Sends what the socket takes now; closes the connection once all is sent
 * or the peer is gone. */
static void flush_out(struct qt_control_server *s, struct conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t w = send(c->fd, qt_buf_str(&c->out) + c->out_off,
				 c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;   /* EPOLLOUT brings us back */
		if (w <= 0)
			break;
		c->out_off += (size_t)w;
	}
	close_conn(s, c);
}

/* The connection stops reading and sends reply (framed), then closes. */
static void reply_and_close(struct qt_control_server *s, struct conn *c)
{
	c->phase = WRITING;
	c->deadline = now_ms() + QT_CONTROL_REPLY_MS;
	qt_buf_free(&c->in);
	qt_buf_init(&c->in);
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	flush_out(s, c);
}

static void reply_error(struct qt_control_server *s, struct conn *c,
			int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reply_error(struct qt_control_server *s, struct conn *c,
			int status, const char *fmt, ...)
{
	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	va_list ap;
	va_start(ap, fmt);
	qt_buf_vprintf(&err, fmt, ap);
	va_end(ap);
	qt_buf_reset(&c->out);
	qt_reply_encode(&c->out, status, &out, &err);
	qt_buf_free(&out);
	qt_buf_free(&err);
	reply_and_close(s, c);
}

static void refuse(struct qt_control_server *s, struct conn *c)
{
	s->cnt.refused++;
	reply_error(s, c, QT_RESOURCE_PROBLEM,
		    "qtablesd: Permission denied (you must be root): the "
		    "kernel grants this peer (uid %u) no CAP_NET_ADMIN over "
		    "this network namespace\n", (unsigned)c->peer.uid);
}

static void accept_all(struct qt_control_server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;   /* EAGAIN, or out of descriptors: retried on
			             the next event */
		}
		if (s->nconns >= QT_CONTROL_MAX_CONNS && s->oldest) {
			s->cnt.evicted++;
			close_conn(s, s->oldest);
		}
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		struct ucred cr;
		socklen_t len = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) {
			c->peer.uid = cr.uid;
			c->peer.pid = cr.pid;
		} else {
			c->peer.uid = (uid_t)-1;
		}
		c->fd = fd;
		c->peer.fd = fd;
		qt_buf_init(&c->in);
		qt_buf_init(&c->out);
		c->phase = READING;
		c->last_active = now_ms();
		c->deadline = c->last_active + QT_CONTROL_REQUEST_MS;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			qt_buf_free(&c->in);
			qt_buf_free(&c->out);
			free(c);
			continue;
		}
		append_conn(s, c);
		s->nconns++;
		s->cnt.accepted++;
	}
}

/* Closes every descriptor a message carried; returns the first one's
 * verdict as a proof (1 accepted, 0 not, -1 none carried). */
static int take_fds(struct qt_control_server *s, struct msghdr *m,
		    bool want_proof)
{
	int verdict = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm;
	     cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(cm);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, &fds[i], sizeof(fd));
			if (want_proof && verdict < 0)
				verdict = qt_peer_proof_accepted(fd, s->ns_dev,
								 s->ns_ino);
			close(fd);
		}
	}
	return verdict;
}

static void serve_conn(struct qt_control_server *s, struct conn *c)
{
	qt_buf_reset(&c->out);
	s->serve(s->ctx, &c->peer, &c->in, &c->out);
	reply_and_close(s, c);
}

static void read_conn(struct qt_control_server *s, struct conn *c)
{
	for (;;) {
		char data[65536];
		/* room for a few descriptors: any beyond are discarded by
		 * the kernel (MSG_CTRUNC), none is left open here */
		char ctl[CMSG_SPACE(sizeof(int) * 8)]
			__attribute__((aligned(8)));
		struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
		struct msghdr m = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl, .msg_controllen = sizeof(ctl),
		};
		ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			close_conn(s, c);
			return;
		}
		int proof = take_fds(s, &m, !c->authorized);
		if (!c->authorized) {
			/* the proof comes with the first bytes or not at all */
			if (proof != 1) {
				refuse(s, c);
				return;
			}
			c->authorized = true;
		}
		if (n == 0) {
			serve_conn(s, c);
			return;
		}
		touch(s, c);
		if (c->in.len + (size_t)n > s->max_req) {
			s->cnt.too_large++;
			reply_error(s, c, QT_OTHER_PROBLEM,
				    "qtablesd: request refused: larger than "
				    "64 MiB\n");
			return;
		}
		qt_buf_put(&c->in, data, (size_t)n);
	}
}

static void expire(struct qt_control_server *s, long long now)
{
	struct conn *c = s->oldest;
	while (c) {
		struct conn *next = c->next;
		if (now >= c->deadline && c->phase == READING) {
			/* what arrived while a long transaction ran is
			 * read before the peer is judged late */
			read_conn(s, c);
			if (c->fd < 0 || c->phase != READING) {
				c = next;
				continue;
			}
		}
		if (now >= c->deadline) {
			s->cnt.timed_out++;
			if (c->phase == READING && c->authorized)
				reply_error(s, c, QT_OTHER_PROBLEM,
					    "qtablesd: request refused: not "
					    "received within %d ms\n",
					    QT_CONTROL_REQUEST_MS);
			else
				close_conn(s, c);
		}
		c = next;
	}
}

static int next_timeout(const struct qt_control_server *s, long long now,
			long long until)
{
	long long t = until;
	for (const struct conn *c = s->oldest; c; c = c->next)
		if (t < 0 || c->deadline < t)
			t = c->deadline;
	if (t < 0)
		return -1;
	return t <= now ? 0 : (int)(t - now > 60000 ? 60000 : t - now);
}

struct qt_control_server *qt_control_server_new(int lfd, size_t max_req,
						qt_control_serve_fn *serve,
						void *ctx)
{
	struct qt_control_server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->lfd = lfd;
	s->sfd = -1;
	s->max_req = max_req;
	s->serve = serve;
	s->ctx = ctx;
	/* the namespace the socket lives in is the one peers must hold
	 * CAP_NET_ADMIN over */
	if (qt_socket_netns(lfd, &s->ns_dev, &s->ns_ino) < 0)
		goto fail;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		goto fail;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listen_tag };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		int e = errno;
		close(s->epfd);
		errno = e;
		goto fail;
	}
	return s;
fail:
	free(s);
	return NULL;
}

void qt_control_server_free(struct qt_control_server *s)
{
	if (!s)
		return;
	while (s->oldest)
		close_conn(s, s->oldest);
	free_closed(s);
	close(s->epfd);
	close(s->lfd);
	free(s);
}

int qt_control_server_run(struct qt_control_server *s, int sfd,
			  int max_wait_ms)
{
	if (sfd != s->sfd) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.ptr = &signal_tag };
		if (s->sfd >= 0)
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->sfd, NULL);
		if (sfd >= 0 && epoll_ctl(s->epfd, EPOLL_CTL_ADD, sfd, &ev) < 0)
			return -1;
		s->sfd = sfd;
	}
	long long until = max_wait_ms < 0 ? -1 : now_ms() + max_wait_ms;
	for (;;) {
		long long now = now_ms();
		expire(s, now);
		if (s->stop) {
			free_closed(s);
			return QT_CONTROL_STOPPED;
		}
		if (until >= 0 && now >= until)
			return 0;
		struct epoll_event evs[64];
		int n = epoll_wait(s->epfd, evs, 64,
				   next_timeout(s, now, until));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &signal_tag) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					free_closed(s);
					return (int)si.ssi_signo;
				}
				continue;
			}
			if (p == &listen_tag) {
				accept_all(s);
				continue;
			}
			if (p == &watch_tag) {
				free_closed(s);
				return QT_CONTROL_WATCHED;
			}
			struct conn *c = p;
			if (c->fd < 0)
				continue;   /* closed earlier in this batch */
			if (c->phase == READING)
				read_conn(s, c);
			else
				flush_out(s, c);
			if (s->stop) {
				free_closed(s);
				return QT_CONTROL_STOPPED;
			}
		}
		free_closed(s);
	}
}

int qt_control_server_watch(struct qt_control_server *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &watch_tag };
	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

void qt_control_server_stop(struct qt_control_server *s)
{
	s->stop = true;
}

const struct qt_control_counters *
qt_control_server_counters(const struct qt_control_server *s)
{
	return &s->cnt;
}
