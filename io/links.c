/* Network interfaces from rtnetlink; see links.h for the semantics. */
#include "links.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "rtnl_watch.h"
#include "snap_swap.h"

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

/* The kernel sizes link dump messages past 32 KiB for devices with many
 * VFs. */
#define DUMP_BUF (64 * 1024)

struct qt_links {
	struct qt_rtnl_watch *w;
	uint64_t version;
	struct qt_snap_swap *sync;
};

/* Growing array while a dump is parsed (never on the lookup path). */
struct build {
	struct link *l;
	size_t n, cap;
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
			errno = ENOMEM;
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

static int refresh(struct qt_links *o)
{
	struct build b = { 0 };
	struct snap *s;

	if (qt_rtnl_watch_dump(o->w, RTM_GETLINK, sizeof(struct ifinfomsg),
			       AF_UNSPEC, link_cb, &b) < 0)
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
	qt_snap_publish(o->sync, s);
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
	o->sync = qt_snap_swap_new();
	if (!o->sync)
		goto fail;
	o->w = qt_rtnl_watch_open(RTMGRP_LINK, DUMP_BUF);
	if (!o->w || refresh(o) < 0)
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
	qt_rtnl_watch_close(o->w);
	qt_snap_swap_free(o->sync);
	free(o);
}

int qt_links_fd(const struct qt_links *o)
{
	return qt_rtnl_watch_fd(o->w);
}

int qt_links_process(struct qt_links *o)
{
	int changed = qt_rtnl_watch_drain(o->w, RTM_NEWLINK, RTM_DELLINK);

	if (changed <= 0)
		return changed;
	return refresh(o) < 0 ? -1 : 1;
}

unsigned qt_links_read_begin(const struct qt_links *o)
{
	return qt_snap_read_begin(o->sync);
}

void qt_links_read_end(const struct qt_links *o, unsigned token)
{
	qt_snap_read_end(o->sync, token);
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
	const struct link *k = find(qt_snap_current(o->sync), ifindex);
	qt_links_read_end(o, t);
	return k ? k->name : "";
}

const char *qt_links_name_in_section(const struct qt_links *o, int ifindex)
{
	const struct link *k = find(qt_snap_current(o->sync), ifindex);
	return k ? k->name : "";
}

int qt_links_index(const struct qt_links *o, const char *name)
{
	unsigned t = qt_links_read_begin(o);
	const struct snap *s = qt_snap_current(o->sync);
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
	const struct link *k = find(qt_snap_current(o->sync), ifindex);
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
	const struct link *k = find(qt_snap_current(o->sync), ifindex);
	unsigned f = k ? k->flags : 0;
	qt_links_read_end(o, t);
	return f;
}

uint64_t qt_links_version(const struct qt_links *o)
{
	unsigned t = qt_links_read_begin(o);
	const struct snap *s = qt_snap_current(o->sync);
	uint64_t v = s->version;
	qt_links_read_end(o, t);
	return v;
}
