/* Handing a running datapath to the next qtablesd (see handover.h). */
#define _GNU_SOURCE
#include "handover.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "protocol.h"
#include "peer_auth.h"
#include "snapshot.h"
#include "steering.h"

#define HDR_MAX 2048
#define FDS_MAX (2 + QT_HANDOVER_MAX_QUEUES)
static const char HDR[] = "qtables-handover 1";

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void qt_handover_init(struct qt_handover *h)
{
	memset(h, 0, sizeof(*h));
	h->lfd = h->snapfd = -1;
}

void qt_handover_close(struct qt_handover *h)
{
	if (h->lfd >= 0)
		close(h->lfd);
	if (h->snapfd >= 0)
		close(h->snapfd);
	for (unsigned i = 0; i < h->nq; i++)
		if (h->q[i].fd >= 0)
			close(h->q[i].fd);
	struct qt_ruleset *rs = h->rs;
	qt_handover_init(h);
	h->rs = rs;
}

/* The holder's abstract name: beside the control socket's. */
static socklen_t holder_addr(struct sockaddr_un *sa)
{
	char name[sizeof(sa->sun_path)];
	int n = snprintf(name, sizeof(name) - 1, "%s/handover",
			 qt_control_name());
	if (n < 0 || n >= (int)sizeof(name) - 1)
		n = (int)sizeof(name) - 2;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path + 1, name, (size_t)n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* ---- the message ---- */

int qt_handover_send(int sock, const struct qt_handover *h)
{
	char hdr[HDR_MAX];
	int fds[FDS_MAX];
	unsigned nfds = 0;
	int len = snprintf(hdr, sizeof(hdr), "%s lfd=%d snap=%d nq=%u", HDR,
			   h->lfd >= 0, h->snapfd >= 0, h->nq);
	if (h->lfd >= 0)
		fds[nfds++] = h->lfd;
	if (h->snapfd >= 0)
		fds[nfds++] = h->snapfd;
	if (h->steered) {
		const struct qt_steer_config *c = &h->sc;
		len += snprintf(hdr + len, sizeof(hdr) - (size_t)len,
				" steer=%u,%u,%d,%d,%d,%u,%d,%d,%u,%u,%d",
				c->queue_first, c->queue_last, c->bypass,
				c->notrack, c->hooks_set, c->hooks, c->defrag,
				c->l2, c->l2_first, c->hooks6, c->defrag6);
	}
	for (unsigned i = 0; i < h->nq && i < QT_HANDOVER_MAX_QUEUES; i++) {
		fds[nfds++] = h->q[i].fd;
		for (unsigned k = 0; k < h->q[i].nq; k++)
			len += snprintf(hdr + len, sizeof(hdr) - (size_t)len,
					"%s%u", k ? "," : " q=", h->q[i].queues[k]);
	}
	len += snprintf(hdr + len, sizeof(hdr) - (size_t)len, "\n");
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
		struct cmsghdr align;
	} c;
	memset(&c, 0, sizeof(c));
	struct iovec iov = { .iov_base = hdr, .iov_len = (size_t)len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		m.msg_control = c.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == len ? 0 : -1;
}

int qt_handover_recv(int sock, struct qt_handover *h, struct qt_buf *err)
{
	char hdr[HDR_MAX + 1];
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
		struct cmsghdr align;
	} c;
	struct iovec iov = { .iov_base = hdr, .iov_len = HDR_MAX };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
	qt_handover_init(h);
	ssize_t n;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		qt_buf_printf(err, "qtablesd: handover: no answer (%s)\n",
			      n < 0 ? strerror(errno) : "closed");
		return -1;
	}
	hdr[n] = '\0';
	int fds[FDS_MAX];
	unsigned nfds = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			unsigned k = (unsigned)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (unsigned i = 0; i < k && nfds < FDS_MAX; i++)
				memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int),
				       sizeof(int));
		}
	int lfd = 0, snap = 0, used = 0;
	unsigned nq = 0;
	bool ok = !(m.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) &&
		  sscanf(hdr, "qtables-handover 1 lfd=%d snap=%d nq=%u%n", &lfd,
			 &snap, &nq, &used) == 3 && nq <= QT_HANDOVER_MAX_QUEUES &&
		  nfds == (unsigned)(lfd + snap) + nq;
	unsigned f = 0;
	if (ok) {
		h->lfd = lfd ? fds[f++] : -1;
		h->snapfd = snap ? fds[f++] : -1;
		const char *p = hdr + used;
		unsigned v[11] = { 0 };
		int n2 = 0;
		/* IPv6's hooks and defrag last (a daemon before IPv6 was
		 * steered sends none: its IPv6 steering is then none) */
		int got = sscanf(p, " steer=%u,%u,%u,%u,%u,%u,%u,%u,%u%n,%u,%u%n",
				 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
				 &v[6], &v[7], &v[8], &n2, &v[9], &v[10], &n2);
		if ((got == 9 || got == 11) && n2 > 0 && v[0] <= 65535 &&
		    v[1] <= 65535 && v[8] <= 65535 && v[5] <= 0x1f &&
		    v[9] <= 0x1f) {
			struct qt_steer_config *c = &h->sc;
			qt_steer_config_default(c, (uint16_t)v[0]);
			c->queue_last = (uint16_t)v[1];
			c->bypass = v[2];
			c->notrack = v[3];
			c->hooks_set = v[4];
			c->hooks = (uint8_t)v[5];
			c->defrag = v[6];
			c->l2 = v[7];
			c->l2_first = (uint16_t)v[8];
			c->hooks6 = (uint8_t)v[9];
			c->defrag6 = v[10];
			h->steered = true;
			p += n2;
		}
		for (unsigned i = 0; i < nq && ok; i++) {
			struct qt_nfq_handed *q = &h->q[h->nq++];
			q->fd = fds[f++];
			q->nq = 0;
			if (strncmp(p, " q=", 3)) {
				ok = false;
				break;
			}
			p += 3;
			for (;;) {
				char *end;
				unsigned long v = strtoul(p, &end, 10);
				if (end == p || v > 65535 || q->nq == 4) {
					ok = false;
					break;
				}
				q->queues[q->nq++] = (uint16_t)v;
				p = end;
				if (*p != ',')
					break;
				p++;
			}
		}
	}
	if (!ok) {
		/* a daemon refusing answers with its usual reply: show it */
		hdr[strcspn(hdr, "\n")] = '\0';
		qt_buf_printf(err, "qtablesd: handover refused: %.200s\n",
			      n > 0 && !strncmp(hdr, HDR, sizeof(HDR) - 1)
			      ? "malformed message" : hdr);
		for (unsigned i = f; i < nfds; i++)
			close(fds[i]);
		qt_handover_close(h);
		return -1;
	}
	return 0;
}

/* ---- the daemon handing over ---- */

int qt_handover_pack(struct qt_engine *e, struct qt_ruleset *rs,
		     struct qt_ruleset *rs6, int lfd, struct qt_handover *h,
		     struct qt_steer_config *sc, bool *steered,
		     struct qt_buf *err)
{
	qt_handover_init(h);
	h->nq = qt_engine_release(e, h->q, QT_HANDOVER_MAX_QUEUES, sc, steered);
	h->steered = *steered;
	h->sc = *sc;
	h->lfd = lfd >= 0 ? fcntl(lfd, F_DUPFD_CLOEXEC, 0) : -1;
	unsigned ns = qt_engine_ct_shards(e);
	struct qt_ct **shards = calloc(ns ? ns : 1, sizeof(*shards));
	if (!shards) {
		qt_buf_printf(err, "qtablesd: handover: out of memory\n");
		return -1;
	}
	for (unsigned i = 0; i < ns; i++)
		shards[i] = qt_engine_ct_shard(e, i);
	struct qt_snap_src src = { .shards = shards, .nshards = ns, .rs = rs,
				   .store = qt_engine_store(e), .rs6 = rs6,
				   .store6 = qt_engine_store6(e) };
	h->snapfd = qt_snap_encode_fd(&src, mono_ns());
	free(shards);
	if (h->snapfd < 0) {
		qt_buf_printf(err, "qtablesd: handover: cannot keep the state: "
			      "%s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void say(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "qtablesd: %s\n", line);
	syslog(LOG_DAEMON | level, "%s", line);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The holder keeps nothing of the daemon's but what it holds. */
static void close_others(const struct qt_handover *h, int lsock, int sfd)
{
	int keep[FDS_MAX + 3];
	unsigned n = 0;
	keep[n++] = lsock;
	keep[n++] = sfd;
	keep[n++] = h->lfd;
	keep[n++] = h->snapfd;
	for (unsigned i = 0; i < h->nq; i++)
		keep[n++] = h->q[i].fd;
	qsort(keep, n, sizeof(keep[0]), cmp_int);
	unsigned from = 3;
	for (unsigned i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
}

/* The next daemon's first byte carries its proof of privilege
 * (ipc/peer_auth.h); it has a second to send it. */
static bool taker_proven(int c, int lsock)
{
	dev_t dev;
	ino_t ino;
	if (qt_socket_netns(lsock, &dev, &ino) < 0)
		return false;
	/* qtablesd runs as uid 0: anyone else is turned away before the
	 * holder waits for a byte, so that unprivileged connections cannot
	 * run out its wait one second at a time */
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 || cr.uid != 0)
		return false;
	struct pollfd pf = { .fd = c, .events = POLLIN };
	if (poll(&pf, 1, 1000) != 1)
		return false;
	char byte;
	char ctl[CMSG_SPACE(sizeof(int) * 4)] __attribute__((aligned(8)));
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	if (recvmsg(c, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return false;
	bool ok = false, first = true;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm;
	     cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (first)
				ok = qt_peer_proof_accepted(fd, dev, ino);
			first = false;
			close(fd);
		}
	}
	return ok;
}

/* The holder: waits for the next daemon until the deadline. */
static void hold(struct qt_handover *h, const struct qt_steer_config *sc,
		 bool steered, unsigned wait_s, int lsock, int sfd)
{
	uint64_t end = mono_ns() + (uint64_t)wait_s * 1000000000ull;
	for (;;) {
		uint64_t now = mono_ns();
		int left = now >= end ? 0 : (int)((end - now) / 1000000u) + 1;
		struct pollfd pf[2] = { { .fd = lsock, .events = POLLIN },
					{ .fd = sfd, .events = POLLIN } };
		int r = left > 0 ? poll(pf, 2, left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (pf[1].revents & POLLIN)) {
			char msg[512];
			say(LOG_NOTICE, "handover: %s; the steering rules are "
			    "removed (the namespace is back to the kernel's "
			    "own tables)", r <= 0 ? "no qtablesd came in time"
			    : "the holder was stopped");
			if (steered && qt_steer_remove(sc, msg, sizeof(msg)) < 0)
				say(LOG_ERR, "%s", msg);
			return;
		}
		int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		struct ucred cr;
		socklen_t cl = sizeof(cr);
		bool ok = taker_proven(c, lsock) &&
			  getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0;
		if (ok && qt_handover_send(c, h) == 0) {
			say(LOG_INFO, "handover: sockets and state handed to "
			    "qtablesd %d", (int)cr.pid);
			close(c);
			return;
		}
		close(c);
	}
}

bool qt_handover_leave_holder(struct qt_engine *e, struct qt_ruleset *rs,
			      struct qt_ruleset *rs6, unsigned wait_s)
{
	struct qt_handover h;
	struct qt_steer_config sc;
	bool steered = false;
	struct qt_buf err;
	qt_buf_init(&err);
	char msg[512];
	int rc = qt_handover_pack(e, rs, rs6, -1, &h, &sc, &steered, &err);
	struct sockaddr_un sa;
	socklen_t alen = holder_addr(&sa);
	int lsock = -1;
	if (rc == 0) {
		lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lsock < 0 || bind(lsock, (struct sockaddr *)&sa, alen) < 0 ||
		    listen(lsock, 4) < 0) {
			qt_buf_printf(&err, "qtablesd: handover: cannot wait on "
				      "@%s: %s\n", sa.sun_path + 1,
				      strerror(errno));
			rc = -1;
		}
	}
	pid_t holder = -1;
	if (rc == 0) {
		/* one fork, not waited for: the holder runs in a session of
		 * its own and outlives this process (its orphan); the
		 * socket already listens, so the next daemon may come at
		 * any time */
		holder = fork();
		if (holder == 0) {
			setsid();
			sigset_t mask;
			sigemptyset(&mask);
			sigaddset(&mask, SIGTERM);
			sigaddset(&mask, SIGINT);
			sigprocmask(SIG_BLOCK, &mask, NULL);
			int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
			close_others(&h, lsock, sfd);
			hold(&h, &sc, steered, wait_s, lsock, sfd);
			_exit(0);
		}
		if (holder < 0) {
			qt_buf_printf(&err, "qtablesd: handover: cannot start "
				      "the holder process\n");
			rc = -1;
		}
	}
	if (lsock >= 0)
		close(lsock);
	qt_handover_close(&h);
	if (rc == 0) {
		fprintf(stderr, "qtablesd: handover: holder %d keeps the queues "
			"for %u s, waiting on @%s\n", (int)holder, wait_s,
			sa.sun_path + 1);
	} else {
		fputs(qt_buf_str(&err), stderr);
		if (steered && qt_steer_remove(&sc, msg, sizeof(msg)) < 0)
			fprintf(stderr, "qtablesd: %s\n", msg);
	}
	qt_buf_free(&err);
	return rc == 0;
}

struct qt_engine *qt_handover_give(struct qt_engine *e,
				   const struct qt_engine_opts *eo,
				   struct qt_ruleset *rs, int lfd, int fd,
				   bool *given)
{
	struct qt_handover h;
	struct qt_steer_config sc;
	bool steered = false;
	struct qt_buf err;
	qt_buf_init(&err);
	*given = false;
	/* the control server served this request only to a peer the
	 * kernel grants CAP_NET_ADMIN here (ipc/peer_auth.h) */
	if (!e) {
		qt_buf_printf(&err, "qtablesd: handover refused: this daemon "
			      "judges no packets (--no-datapath)\n");
	} else if (qt_handover_pack(e, rs, eo->rs6, lfd, &h, &sc, &steered,
				    &err) == 0 &&
		   qt_handover_send(fd, &h) == 0) {
		qt_handover_close(&h);
		qt_engine_stop(e);      /* released: removes nothing */
		qt_buf_free(&err);
		*given = true;
		return NULL;
	} else {
		/* the engine stopped judging for nothing: it goes on from
		 * what was packed, its own sockets and state */
		qt_buf_printf(&err, "qtablesd: handover failed: %s; this "
			      "qtablesd goes on\n", err.len ? "see above"
			      : strerror(errno));
		struct qt_engine_opts o = *eo;
		o.store = qt_engine_store(e);
		qt_engine_stop(e);
		qt_handover_engine_opts(&h, &o, rs);
		e = qt_engine_start(&o, rs, &err);
		h.nq = 0;               /* the engine owns them (or closed them) */
		qt_handover_close(&h);
		fputs(qt_buf_str(&err), stderr);
	}
	if (err.len)
		qt_control_write_all(fd, err.data, err.len);
	qt_buf_free(&err);
	return e;
}

/* ---- the next daemon ---- */

static int connect_abstract(struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)sa, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* whatever answers there must answer soon: a start never hangs
	 * (packing a million connections takes well under a second) */
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static bool peer_is_root(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
	       cr.uid == 0;
}

int qt_handover_take(bool running, struct qt_handover *h, struct qt_buf *err)
{
	struct sockaddr_un sa;
	socklen_t alen;
	int fd;
	qt_handover_init(h);
	if (running) {
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		size_t n = strlen(qt_control_name());
		if (n > sizeof(sa.sun_path) - 2)
			n = sizeof(sa.sun_path) - 2;
		memcpy(sa.sun_path + 1, qt_control_name(), n);
		alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
		fd = connect_abstract(&sa, alen);
		if (fd < 0) {
			fprintf(stderr, "qtablesd: --handover: no qtablesd "
				"runs here (@%s: %s)\n", qt_control_name(),
				strerror(errno));
		} else {
			int rc = -1;
			if (!peer_is_root(fd))
				qt_buf_printf(err, "qtablesd: handover refused: "
					      "the daemon on @%s is not uid 0\n",
					      qt_control_name());
			else {
				struct qt_buf req;
				qt_buf_init(&req);
				qt_ipc_begin(&req, QT_IPC_HANDOVER, NULL);
				qt_buf_putc(&req, '\n');
				if (qt_control_send_with_proof(fd, req.data, 1) == 0 &&
				    qt_control_write_all(fd, req.data + 1,
							 req.len - 1) == 0) {
					shutdown(fd, SHUT_WR);
					rc = qt_handover_recv(fd, h, err);
				}
				qt_buf_free(&req);
			}
			close(fd);
			return rc < 0 ? -1 : 1;
		}
	}
	alen = holder_addr(&sa);
	fd = connect_abstract(&sa, alen);
	if (fd < 0)
		return 0;
	int rc = -1;
	if (!peer_is_root(fd))
		qt_buf_printf(err, "qtablesd: handover refused: the holder on "
			      "@%s is not uid 0\n", sa.sun_path + 1);
	else if (qt_control_send_with_proof(fd, "h", 1) < 0)
		qt_buf_printf(err, "qtablesd: handover: the holder on @%s "
			      "went away: %s\n", sa.sun_path + 1,
			      strerror(errno));
	else
		rc = qt_handover_recv(fd, h, err);
	close(fd);
	return rc < 0 ? -1 : 1;
}

void qt_handover_drop_queues(struct qt_handover *h)
{
	char msg[512];
	if (h->steered && qt_steer_remove(&h->sc, msg, sizeof(msg)) < 0)
		fprintf(stderr, "qtablesd: %s\n", msg);
	h->steered = false;
	for (unsigned i = 0; i < h->nq; i++)
		if (h->q[i].fd >= 0)
			close(h->q[i].fd);
	h->nq = 0;
	if (h->snapfd >= 0)
		close(h->snapfd);
	h->snapfd = -1;
}

int qt_handover_text6(const struct qt_handover *h, struct qt_buf *out,
		      struct qt_buf *err)
{
	struct stat st;
	if (h->snapfd < 0 || fstat(h->snapfd, &st) < 0 || st.st_size <= 0)
		return 0;
	void *img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			 h->snapfd, 0);
	if (img == MAP_FAILED) {
		qt_buf_printf(err, "qtablesd: handover state unreadable: %s\n",
			      strerror(errno));
		return -1;
	}
	int rc = qt_snap_text6(img, (size_t)st.st_size, mono_ns(), out, err);
	munmap(img, (size_t)st.st_size);
	return rc;
}

/* Put the snapshot in once the program and the tables exist. */
static void prime(struct qt_engine *e, void *user)
{
	struct qt_handover *h = user;
	if (h->snapfd < 0)
		return;
	struct stat st;
	void *img = MAP_FAILED;
	if (fstat(h->snapfd, &st) == 0 && st.st_size > 0)
		img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			   h->snapfd, 0);
	struct qt_buf err;
	qt_buf_init(&err);
	if (img == MAP_FAILED) {
		fprintf(stderr, "qtablesd: handover state unreadable: %s\n",
			strerror(errno));
	} else {
		unsigned ns = qt_engine_ct_shards(e);
		struct qt_ct *shards[QT_HANDOVER_MAX_QUEUES];
		for (unsigned i = 0; i < ns && i < QT_HANDOVER_MAX_QUEUES; i++)
			shards[i] = qt_engine_ct_shard(e, i);
		struct qt_snap_src dst = { .shards = shards, .rs = h->rs,
			.store = qt_engine_store(e), .rs6 = h->rs6,
			.store6 = qt_engine_store6(e),
			.nshards = ns < QT_HANDOVER_MAX_QUEUES ? ns : 0 };
		struct qt_snap_counts n;
		if (qt_snap_decode(img, (size_t)st.st_size, &dst, mono_ns(), &n,
				   &err) == 0) {
			fprintf(stderr, "qtablesd: handover: %llu connections "
				"(%llu expired or not placed), %llu rules (%llu "
				"changed), %llu recent lists taken over\n",
				(unsigned long long)n.entries,
				(unsigned long long)n.entries_skipped,
				(unsigned long long)n.rules,
				(unsigned long long)n.rules_skipped,
				(unsigned long long)n.lists);
		}
		fputs(qt_buf_str(&err), stderr);
		munmap(img, (size_t)st.st_size);
	}
	qt_buf_free(&err);
	close(h->snapfd);
	h->snapfd = -1;
}

void qt_handover_engine_opts(struct qt_handover *h, struct qt_engine_opts *o,
			     struct qt_ruleset *rs)
{
	h->rs = rs;
	h->rs6 = o->rs6;
	o->steered_now = h->steered ? &h->sc : NULL;
	o->handed = h->q;
	o->nhanded = h->nq;
	o->prime = prime;
	o->prime_user = h;
}
