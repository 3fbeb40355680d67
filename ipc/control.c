/* Control socket I/O and the peer credential check. */
#define _GNU_SOURCE
#include "control.h"

#include "peer_auth.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

const char *qt_control_name(void)
{
	const char *e = getenv("QTABLES_SOCKET");
	return e && *e ? e : "qtables/control";
}

static socklen_t control_addr(struct sockaddr_un *sa)
{
	const char *name = qt_control_name();
	size_t n = strlen(name);
	if (n > sizeof(sa->sun_path) - 1)
		n = sizeof(sa->sun_path) - 1;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path + 1, name, n);   /* sun_path[0] = 0: abstract */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

int qt_control_listen(void)
{
	struct sockaddr_un sa;
	socklen_t len = control_addr(&sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 128) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int qt_control_read_all(int fd, struct qt_buf *b, size_t max, int timeout_ms)
{
	char chunk[65536];
	long long end = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;
	for (;;) {
		if (timeout_ms >= 0) {
			/* one deadline for the whole request, so a peer that
			 * trickles bytes cannot hold the daemon forever */
			long long left = end - now_ms();
			struct pollfd pf = { .fd = fd, .events = POLLIN };
			int r = left > 0 ? poll(&pf, 1, (int)left) : 0;
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (r == 0)
					errno = ETIMEDOUT;
				return -1;
			}
		}
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > max) {
			errno = EFBIG;
			return -1;
		}
		qt_buf_put(b, chunk, (size_t)n);
	}
}

int qt_control_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int qt_control_send_with_proof(int fd, const char *req, size_t len)
{
	if (len == 0) {
		/* descriptors ride on data: a stream carries none alone */
		errno = EINVAL;
		return -1;
	}
	int nl = qt_peer_proof_open();
	char ctl[CMSG_SPACE(sizeof(int))] __attribute__((aligned(8)));
	memset(ctl, 0, sizeof(ctl));
	struct iovec iov = { .iov_base = (void *)req, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nl >= 0) {
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &nl, sizeof(int));
	}
	ssize_t w;
	do
		w = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	int e = errno;
	if (nl >= 0)
		close(nl);
	errno = e;
	return w < 0 ? -1 : 0;
}

int qt_control_call(const char *req, size_t len, struct qt_buf *reply)
{
	struct sockaddr_un sa;
	socklen_t alen = control_addr(&sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, alen) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* The daemon may answer before it has read everything (a refused
	 * peer, a request over the limit) and close: the write then fails
	 * with EPIPE, but its reply is already queued for us to read. */
	int werr = 0;
	if (qt_control_send_with_proof(fd, req, len) < 0 ||
	    qt_control_write_all(fd, req + 1, len - 1) < 0)
		werr = errno;
	else
		shutdown(fd, SHUT_WR);
	int r = qt_control_read_all(fd, reply, (size_t)1 << 31, -1);
	int rerr = errno;
	close(fd);
	if (reply->len > 0)
		return 0;   /* the caller decodes it: a cut reply fails there */
	if (r == 0 && !werr)
		return 0;
	errno = werr ? werr : rerr;
	return -1;
}
