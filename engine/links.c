/* Network interfaces from rtnetlink; see links.h for the semantics. */
#include "links.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

/* The kernel's MAX_ADDR_LEN (linux/netdevice.h clashes with net/if.h). */
#define MAX_ADDR_LEN 32

struct link {
	int ifindex;
	unsigned flags;
	uint16_t type;
	uint8_t addrlen;
	uint8_t addr[MAX_ADDR_LEN];
	char name[IFNAMSIZ];
};

struct snap {
	uint64_t version;
	size_t n;
	struct link links[];   /* sorted by ifindex */
};

/* Behind a pointer so const lookups can still count themselves. Readers
 * count themselves in readers[gen & 1]; an update swaps cur, then flips
 * gen twice, each time waiting for the counter just left to drain. A
 * reader that loaded cur before the swap had already counted itself in
 * one of the two counters, so both waits together cover it; readers
 * arriving later see the new snapshot (all operations seq_cst). */
struct sync {
	_Atomic(struct snap *) cur;
	atomic_uint gen;
	atomic_uint readers[2];
};

/* The kernel sizes link dump messages past 32 KiB for devices with many
 * VFs; one buffer of this size, used only by the owner. */
#define DUMP_BUF (64 * 1024)

struct qt_links {
	struct mnl_socket *mon;    /* notifications */
	struct mnl_socket *dump;   /* request/response */
	uint32_t dump_port, seq;
	uint64_t version;
	char *buf;
	struct sync *sync;
};

/* Growing array while a dump is parsed (never on the lookup path). */
struct build {
	struct link *l;
	size_t n, cap;
	bool oom;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct build *b = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at;
	struct link k;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	memset(&k, 0, sizeof(k));
	k.ifindex = ifi->ifi_index;
	k.flags = ifi->ifi_flags;
	k.type = ifi->ifi_type;
	mnl_attr_for_each(at, nlh, sizeof(*ifi)) {
		size_t len = mnl_attr_get_payload_len(at);
		switch (mnl_attr_get_type(at)) {
		case IFLA_IFNAME:
			if (len > IFNAMSIZ - 1)
				len = IFNAMSIZ - 1;
			memcpy(k.name, mnl_attr_get_payload(at), len);
			k.name[len] = 0;
			break;
		case IFLA_ADDRESS:
			if (len > MAX_ADDR_LEN)
				len = MAX_ADDR_LEN;
			memcpy(k.addr, mnl_attr_get_payload(at), len);
			k.addrlen = (uint8_t)len;
			break;
		}
	}
	if (b->n == b->cap) {
		size_t c = b->cap ? b->cap * 2 : 16;
		struct link *nl = realloc(b->l, c * sizeof(*nl));
		if (!nl) {
			b->oom = true;
			return MNL_CB_ERROR;
		}
		b->l = nl;
		b->cap = c;
	}
	b->l[b->n++] = k;
	return MNL_CB_OK;
}

static int link_cmp(const void *x, const void *y)
{
	const struct link *a = x, *b = y;
	return (a->ifindex > b->ifindex) - (a->ifindex < b->ifindex);
}

static int dump(struct qt_links *o, struct build *b)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(o->buf);
	struct ifinfomsg *ifi;
	uint32_t seq = ++o->seq;
	int ret;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (mnl_socket_sendto(o->dump, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while ((ret = (int)mnl_socket_recvfrom(o->dump, o->buf, DUMP_BUF)) > 0) {
		ret = mnl_cb_run(o->buf, (size_t)ret, seq, o->dump_port, link_cb, b);
		if (ret <= MNL_CB_STOP)
			break;
	}
	if (b->oom)
		errno = ENOMEM;
	return ret < 0 || b->oom ? -1 : 0;
}

/* Wait until no reader can hold a snapshot published before now. */
static void synchronize(struct sync *s)
{
	for (int i = 0; i < 2; i++) {
		unsigned g = atomic_fetch_add(&s->gen, 1);
		while (atomic_load(&s->readers[g & 1]))
			sched_yield();
	}
}

static int refresh(struct qt_links *o)
{
	struct build b = { 0 };
	struct snap *s, *old;

	if (dump(o, &b) < 0)
		goto fail;
	qsort(b.l, b.n, sizeof(*b.l), link_cmp);
	s = malloc(sizeof(*s) + b.n * sizeof(*b.l));
	if (!s)
		goto fail;
	s->version = ++o->version;
	s->n = b.n;
	if (b.n)
		memcpy(s->links, b.l, b.n * sizeof(*b.l));
	free(b.l);
	old = atomic_exchange(&o->sync->cur, s);
	synchronize(o->sync);
	free(old);
	return 0;
fail:
	free(b.l);
	return -1;
}

struct qt_links *qt_links_open(void)
{
	struct qt_links *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->sync = calloc(1, sizeof(*o->sync));
	o->buf = malloc(DUMP_BUF);
	if (!o->sync || !o->buf)
		goto fail;
	o->seq = (uint32_t)time(NULL);
	/* Subscribe before dumping so no change falls between the two. */
	o->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!o->mon || mnl_socket_bind(o->mon, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	o->dump = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!o->dump || mnl_socket_bind(o->dump, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	o->dump_port = mnl_socket_get_portid(o->dump);
	if (refresh(o) < 0)
		goto fail;
	return o;
fail: {
	int e = errno;
	qt_links_close(o);
	errno = e;
	return NULL;
	}
}

void qt_links_close(struct qt_links *o)
{
	if (!o)
		return;
	if (o->mon)
		mnl_socket_close(o->mon);
	if (o->dump)
		mnl_socket_close(o->dump);
	if (o->sync)
		free(atomic_load(&o->sync->cur));
	free(o->sync);
	free(o->buf);
	free(o);
}

int qt_links_fd(const struct qt_links *o)
{
	return mnl_socket_get_fd(o->mon);
}

int qt_links_process(struct qt_links *o)
{
	bool dirty = false;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(o->mon, o->buf, DUMP_BUF);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {   /* lost some: the dump covers them */
				dirty = true;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		int left = (int)n;
		for (const struct nlmsghdr *m = (const void *)o->buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left))
			if (m->nlmsg_type == RTM_NEWLINK || m->nlmsg_type == RTM_DELLINK)
				dirty = true;
	}
	if (!dirty)
		return 0;
	return refresh(o) < 0 ? -1 : 1;
}

unsigned qt_links_read_begin(const struct qt_links *o)
{
	unsigned i = atomic_load(&o->sync->gen) & 1;
	atomic_fetch_add(&o->sync->readers[i], 1);
	return i;
}

void qt_links_read_end(const struct qt_links *o, unsigned token)
{
	atomic_fetch_sub(&o->sync->readers[token & 1], 1);
}

static const struct link *find(const struct snap *s, int ifindex)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int x = s->links[mid].ifindex;
		if (x == ifindex)
			return &s->links[mid];
		if (x < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *qt_links_name(const struct qt_links *o, int ifindex)
{
	unsigned t = qt_links_read_begin(o);
	const struct link *k = find(atomic_load(&o->sync->cur), ifindex);
	qt_links_read_end(o, t);
	return k ? k->name : "";
}

int qt_links_index(const struct qt_links *o, const char *name)
{
	unsigned t = qt_links_read_begin(o);
	const struct snap *s = atomic_load(&o->sync->cur);
	int ret = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!strncmp(s->links[i].name, name, IFNAMSIZ)) {
			ret = s->links[i].ifindex;
			break;
		}
	qt_links_read_end(o, t);
	return ret;
}

int qt_links_hwaddr(const struct qt_links *o, int ifindex, uint8_t out[8],
		    unsigned *len, unsigned *type)
{
	unsigned t = qt_links_read_begin(o);
	const struct link *k = find(atomic_load(&o->sync->cur), ifindex);
	unsigned n = 0;
	if (k) {
		n = k->addrlen < 8 ? k->addrlen : 8;
		if (out && n)
			memcpy(out, k->addr, n);
		if (type)
			*type = k->type;
	}
	if (len)
		*len = n;
	qt_links_read_end(o, t);
	return k ? 0 : -1;
}

unsigned qt_links_flags(const struct qt_links *o, int ifindex)
{
	unsigned t = qt_links_read_begin(o);
	const struct link *k = find(atomic_load(&o->sync->cur), ifindex);
	unsigned f = k ? k->flags : 0;
	qt_links_read_end(o, t);
	return f;
}

uint64_t qt_links_version(const struct qt_links *o)
{
	unsigned t = qt_links_read_begin(o);
	uint64_t v = atomic_load(&o->sync->cur)->version;
	qt_links_read_end(o, t);
	return v;
}
