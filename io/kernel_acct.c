/* See kernel_acct.h: one NFNL_MSG_ACCT_GET dump. */
#include "kernel_acct.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <endian.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_acct.h>

struct list {
	struct qt_acct_obj *v;
	unsigned n;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	if (mnl_attr_type_valid(a, NFACCT_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct list *l = data;
	const struct nlattr *tb[NFACCT_MAX + 1] = { 0 };
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb);
	if (!tb[NFACCT_NAME] ||
	    mnl_attr_validate(tb[NFACCT_NAME], MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	struct qt_acct_obj *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	l->v = v;
	struct qt_acct_obj *o = &v[l->n++];
	memset(o, 0, sizeof(*o));
	strncpy(o->name, mnl_attr_get_str(tb[NFACCT_NAME]), sizeof(o->name) - 1);
	uint32_t flags = tb[NFACCT_FLAGS] ? ntohl(mnl_attr_get_u32(tb[NFACCT_FLAGS])) : 0;
	o->mode = flags & NFACCT_F_QUOTA_PKTS ? QT_ACCT_QUOTA_PKTS :
		  flags & NFACCT_F_QUOTA_BYTES ? QT_ACCT_QUOTA_BYTES :
		  QT_ACCT_NO_QUOTA;
	if (o->mode != QT_ACCT_NO_QUOTA && tb[NFACCT_QUOTA])
		o->quota = be64toh(mnl_attr_get_u64(tb[NFACCT_QUOTA]));
	return MNL_CB_OK;
}

int qt_kernel_acct_list(struct qt_acct_obj **out, unsigned *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct list l = { 0 };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int ret = -1;
	*out = NULL;
	*n = 0;
	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto done;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_ACCT << 8) | NFNL_MSG_ACCT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	uint32_t seq = nlh->nlmsg_seq, port = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto done;
	ssize_t r;
	int cb = MNL_CB_OK;
	while ((r = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		cb = mnl_cb_run(buf, (size_t)r, seq, port, obj_cb, &l);
		if (cb <= MNL_CB_STOP)
			break;
	}
	if (r < 0 || cb < 0)
		goto done;
	*out = l.v;
	*n = l.n;
	l.v = NULL;
	ret = 0;
done: {
	int e = errno;
	free(l.v);
	mnl_socket_close(nl);
	errno = e;
	return ret;
	}
}
