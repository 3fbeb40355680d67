/* rtnetlink monitor + dump sockets; see rtnl_watch.h. */
#include "rtnl_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct qt_rtnl_watch {
	struct mnl_socket *mon;    /* notifications */
	struct mnl_socket *dump;   /* request/response */
	uint32_t dump_port, seq;
	size_t bufsize;
	char *buf;                 /* used by drain and dump, owner only */
	const struct qt_rtnl_feed *feed;   /* NULL: a bare watch */
	void *table;               /* the feed's */
};

struct qt_rtnl_watch *qt_rtnl_watch_open(unsigned groups, size_t bufsize)
{
	struct qt_rtnl_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->bufsize = bufsize;
	w->buf = malloc(bufsize);
	if (!w->buf)
		goto fail;
	w->seq = (uint32_t)time(NULL);
	w->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->mon || mnl_socket_bind(w->mon, groups, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	w->dump = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!w->dump || mnl_socket_bind(w->dump, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	w->dump_port = mnl_socket_get_portid(w->dump);
	return w;
fail: {
	int e = errno;
	qt_rtnl_watch_close(w);
	errno = e;
	return NULL;
	}
}

void qt_rtnl_watch_close(struct qt_rtnl_watch *w)
{
	if (!w)
		return;
	if (w->mon)
		mnl_socket_close(w->mon);
	if (w->dump)
		mnl_socket_close(w->dump);
	if (w->feed && w->table)
		w->feed->free_table(w->table);
	free(w->buf);
	free(w);
}

int qt_rtnl_watch_fd(const struct qt_rtnl_watch *w)
{
	return mnl_socket_get_fd(w->mon);
}

int qt_rtnl_watch_drain(struct qt_rtnl_watch *w, uint16_t first, uint16_t last)
{
	int changed = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(w->mon, w->buf, w->bufsize);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {   /* lost some: the dump covers them */
				changed = 1;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		int left = (int)n;
		for (const struct nlmsghdr *m = (const void *)w->buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left))
			if (m->nlmsg_type >= first && m->nlmsg_type <= last)
				changed = 1;
	}
	return changed;
}

int qt_rtnl_watch_dump(struct qt_rtnl_watch *w, uint16_t type, size_t hdrlen,
		       uint8_t family, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(w->buf);
	uint32_t seq = ++w->seq;
	unsigned char *fam;
	int ret;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	fam = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	fam[0] = family;
	if (mnl_socket_sendto(w->dump, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while ((ret = (int)mnl_socket_recvfrom(w->dump, w->buf, w->bufsize)) > 0) {
		ret = mnl_cb_run(w->buf, (size_t)ret, seq, w->dump_port, cb, data);
		if (ret <= MNL_CB_STOP)
			break;
	}
	return ret < 0 ? -1 : 0;
}

struct qt_rtnl_watch *qt_rtnl_feed_open(const struct qt_rtnl_feed *f)
{
	struct qt_rtnl_watch *w = qt_rtnl_watch_open(f->groups, f->bufsize);
	if (!w)
		return NULL;
	w->feed = f;
	w->table = f->new_table();
	if (!w->table || f->refresh(w->table, w) < 0) {
		int e = w->table ? errno : ENOMEM;
		qt_rtnl_watch_close(w);
		errno = e;
		return NULL;
	}
	return w;
}

void *qt_rtnl_feed_table(const struct qt_rtnl_watch *w)
{
	return w->table;
}

int qt_rtnl_feed_process(struct qt_rtnl_watch *w)
{
	int changed = qt_rtnl_watch_drain(w, w->feed->first, w->feed->last);
	if (changed <= 0)
		return changed;
	return w->feed->refresh(w->table, w) < 0 ? -1 : 1;
}
