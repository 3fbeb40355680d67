/* The interface table (engine/host_links.h) kept current from
 * rtnetlink. */
#include "links.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "rtnl_watch.h"

/* The kernel sizes link dump messages past 32 KiB for devices with many
 * VFs. */
#define DUMP_BUF (64 * 1024)

/* Growing array while a dump is parsed (never on the lookup path). */
struct build {
	struct qt_link *l;
	size_t n, cap;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct build *b = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at;
	struct qt_link k;

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
			if (len > QT_LINK_ADDR_MAX)
				len = QT_LINK_ADDR_MAX;
			memcpy(k.addr, mnl_attr_get_payload(at), len);
			k.addrlen = (uint8_t)len;
			break;
		case IFLA_GROUP:
			if (len >= 4)
				k.group = mnl_attr_get_u32(at);
			break;
		}
	}
	if (b->n == b->cap) {
		size_t c = b->cap ? b->cap * 2 : 16;
		struct qt_link *nl = realloc(b->l, c * sizeof(*nl));
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

static int refresh(void *table, struct qt_rtnl_watch *w)
{
	struct qt_links *o = table;
	struct build b = { 0 };
	int ret = -1;

	if (qt_rtnl_watch_dump(w, RTM_GETLINK, sizeof(struct ifinfomsg),
			       AF_UNSPEC, link_cb, &b) >= 0)
		ret = qt_links_publish(o, b.l, b.n);
	free(b.l);
	return ret;
}

static void *new_table(void)
{
	return qt_links_new();
}

static void free_table(void *table)
{
	qt_links_free(table);
}

const struct qt_rtnl_feed qt_links_feed = {
	.groups = RTMGRP_LINK,
	.bufsize = DUMP_BUF,
	.first = RTM_NEWLINK,
	.last = RTM_DELLINK,
	.new_table = new_table,
	.free_table = free_table,
	.refresh = refresh,
};
