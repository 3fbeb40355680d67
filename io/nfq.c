/* NFQUEUE I/O over libmnl and libnetfilter_queue's message helpers. */
#define _GNU_SOURCE
#include "nfq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

/* Room for the attributes around the payload (headers, devices, hw
 * address, timestamps, ct, secctx, l2 header...). */
#define NFQ_OVERHEAD 4096
/* One verdict message without payload: nlmsghdr, nfgenmsg, verdict
 * header and mark attributes, aligned. */
#define VERDICT_ROOM 64
/* Pieces (iovecs) a datagram of verdicts may have before it is sent:
 * a payload sent from its receive slot is a piece of its own, between
 * pieces of message headers. */
#define SEND_IOV 256
/* Bytes a datagram of verdicts may reach (the kernel copies it into one
 * buffer: a few whole GSO packets at most); smaller if the socket's
 * send buffer is (the kernel refuses a datagram beyond it). */
#define SEND_MAX (256u << 10)
/* The largest payload whose verdict may pass a run of accepts. The
 * kernel copies a payload into its packet (and linearises a GSO one)
 * before it reads the next message: behind a 64 KiB rewrite the run's
 * packets would wait longer than the message the run saves costs. */
#define PASS_MAX 2048u

struct qt_nfq {
	struct mnl_socket *nl;
	struct qt_nfq_config cfg;
	uint32_t slot_size;
	uint8_t *slots;               /* burst x slot_size receive buffers */
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct qt_nfq_pkt *pkts;      /* burst entries */
	/* Verdicts waiting to be sent, as one datagram: their headers
	 * (and payloads that are not in a receive slot) in sbuf, payloads
	 * in a receive slot referenced where they are (rewritten in place:
	 * never copied in user space). siov[0..niov) are the datagram's
	 * pieces so far; sbuf from seg on is the piece being written. */
	uint8_t *sbuf;
	size_t sbuf_size, sbuf_len, seg;
	struct iovec *siov;
	unsigned niov;
	size_t dgram_len;             /* bytes of the datagram so far */
	size_t send_max;              /* bytes a datagram may have */
	bool refs;                    /* it references receive slots */
	uint8_t *gather;              /* qt_nfq_pending's copy (tests) */
	uint16_t bound[QT_NFQ_MAX_BOUND]; /* queues bound to the socket */
	unsigned nbound;
	bool run;                     /* a run of accepts is pending */
	uint16_t run_queue;           /* ... of this queue's packets */
	uint32_t run_last, run_count;
	uint64_t run_classes;         /* order classes of its accepts, a bit
	                                 each (hashed) */
	struct qt_nfq_stats st;
};

void qt_nfq_config_default(struct qt_nfq_config *c)
{
	memset(c, 0, sizeof(*c));
	c->copy_range = 0xffff;
	c->burst = 32;
	c->rcvbuf = 16u << 20;
	c->gso = true;
	c->batch = true;
}

struct qt_nfq *qt_nfq_alloc(const struct qt_nfq_config *c)
{
	struct qt_nfq *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->cfg = *c;
	if (q->cfg.burst == 0)
		q->cfg.burst = 1;
	if (q->cfg.copy_range > 0xffff)
		q->cfg.copy_range = 0xffff;
	if (q->cfg.max_copy_range < q->cfg.copy_range)
		q->cfg.max_copy_range = q->cfg.copy_range;
	if (q->cfg.max_copy_range > 0xffff)
		q->cfg.max_copy_range = 0xffff;
	q->slot_size = (q->cfg.max_copy_range + NFQ_OVERHEAD + 7) & ~7u;
	/* A rewritten payload can be as long as the copy range (copied
	 * here only when it is not in a receive slot). */
	q->sbuf_size = q->cfg.max_copy_range + VERDICT_ROOM + SEND_IOV * VERDICT_ROOM;
	q->send_max = SEND_MAX;
	q->slots = malloc((size_t)q->cfg.burst * q->slot_size);
	q->msgs = calloc(q->cfg.burst, sizeof(*q->msgs));
	q->iov = calloc(q->cfg.burst, sizeof(*q->iov));
	q->pkts = calloc(q->cfg.burst, sizeof(*q->pkts));
	q->sbuf = malloc(q->sbuf_size);
	q->siov = calloc(SEND_IOV, sizeof(*q->siov));
	if (!q->slots || !q->msgs || !q->iov || !q->pkts || !q->sbuf || !q->siov) {
		qt_nfq_close(q);
		return NULL;
	}
	return q;
}

/* Bind and configure in one message, then wait for its acknowledgement.
 * Packets that arrive before it (steering already in place) are handed
 * back with NF_REPEAT so the hook queues them again once we are ready. */
static int configure(struct qt_nfq *q, uint16_t queue)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	uint32_t flags = 0, mask = NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO |
				   NFQA_CFG_F_UID_GID;

	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, (int)q->cfg.copy_range);
	if (q->cfg.queue_maxlen)
		nfq_nlmsg_cfg_put_qmaxlen(nlh, q->cfg.queue_maxlen);
	if (q->cfg.fail_open)
		flags |= NFQA_CFG_F_FAIL_OPEN;
	if (q->cfg.gso)
		flags |= NFQA_CFG_F_GSO;
	if (q->cfg.uid_gid)
		flags |= NFQA_CFG_F_UID_GID;
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(mask));
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return errno;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(q->nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		int left = (int)n;
		for (const struct nlmsghdr *m = (const void *)buf;
		     mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_type == NLMSG_ERROR && m->nlmsg_seq == 1) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				return e->error < 0 ? -e->error : 0;
			}
			struct qt_nfq_pkt p;
			if (qt_nfq_parse(m, &p) == 0) {
				qt_nfq_verdict(q, p.queue, p.id, NF_REPEAT, false, 0,
					       NULL, 0);
				qt_nfq_flush(q);
			}
		}
	}
}

int qt_nfq_set_copy_range(struct qt_nfq *q, uint32_t copy_range)
{
	char buf[256];
	if (!q->nl)
		return -ENOTCONN;
	if (copy_range > q->cfg.max_copy_range)
		copy_range = q->cfg.max_copy_range;
	for (unsigned i = 0; i < q->nbound; i++) {
		struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->bound[i]);
		nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, (int)copy_range);
		if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
			return -errno;
	}
	__atomic_store_n(&q->cfg.copy_range, copy_range, __ATOMIC_RELAXED);
	return 0;
}

int qt_nfq_set_uid_gid(struct qt_nfq *q, bool on)
{
	char buf[256];
	if (!q->nl)
		return -ENOTCONN;
	for (unsigned i = 0; i < q->nbound; i++) {
		struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->bound[i]);
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS,
				 htonl(on ? NFQA_CFG_F_UID_GID : 0));
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_UID_GID));
		if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
			return -errno;
	}
	q->cfg.uid_gid = on;
	return 0;
}

int qt_nfq_bind_more(struct qt_nfq *q, uint16_t queue)
{
	if (!q->nl)
		return ENOTCONN;
	if (q->nbound == QT_NFQ_MAX_BOUND)
		return ENOSPC;
	int e = configure(q, queue);
	if (!e)
		q->bound[q->nbound++] = queue;
	return e;
}

/* A datagram of verdicts carries whole GSO packets: the kernel refuses
 * one beyond the socket's send buffer (less 32 bytes). Asked for once
 * (FORCE passes wmem_max with CAP_NET_ADMIN), then taken as it is. */
static void size_send_buffer(struct qt_nfq *q)
{
	int fd = mnl_socket_get_fd(q->nl);
	int snd = (int)SEND_MAX * 2;
	socklen_t sl = sizeof(snd);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &sl) == 0 &&
	    (size_t)snd < SEND_MAX + 64) {
		snd = (int)SEND_MAX * 2;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
		sl = sizeof(snd);
		if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &sl) < 0)
			snd = 0;
	}
	if (snd > 4096 && (size_t)snd - 64 < q->send_max)
		q->send_max = (size_t)snd - 64;
}

struct qt_nfq *qt_nfq_open(const struct qt_nfq_config *c, int *err)
{
	struct qt_nfq *q = qt_nfq_alloc(c);
	int e, one = 1;
	if (!q) {
		*err = ENOMEM;
		return NULL;
	}
	q->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!q->nl || mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	int fd = mnl_socket_get_fd(q->nl);
	/* FORCE passes rmem_max (we have CAP_NET_ADMIN); else take what
	 * the sysctl allows. */
	int rcv = (int)q->cfg.rcvbuf;
	if (rcv > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	size_send_buffer(q);
	/* An overrun is counted by the kernel (user_dropped); an ENOBUFS
	 * error in the middle of a burst would only lose our place. */
	mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	e = configure(q, q->cfg.queue);
	if (!e)
		q->bound[q->nbound++] = q->cfg.queue;
	if (e) {
		errno = e;
		goto fail;
	}
	return q;
fail:
	*err = errno ? errno : EIO;
	qt_nfq_close(q);
	return NULL;
}

void qt_nfq_close(struct qt_nfq *q)
{
	if (!q)
		return;
	if (q->nl) {
		qt_nfq_flush(q);
		mnl_socket_close(q->nl);
	}
	free(q->slots);
	free(q->msgs);
	free(q->iov);
	free(q->pkts);
	free(q->sbuf);
	free(q->siov);
	free(q->gather);
	free(q);
}

int qt_nfq_release(struct qt_nfq *q)
{
	int fd = -1;
	if (!q)
		return -1;
	if (q->nl) {
		qt_nfq_flush(q);
		/* mnl_socket_close would close the fd: a dup outlives it */
		fd = fcntl(mnl_socket_get_fd(q->nl), F_DUPFD_CLOEXEC, 0);
		mnl_socket_close(q->nl);
		q->nl = NULL;
	}
	qt_nfq_close(q);
	return fd;
}

struct qt_nfq *qt_nfq_adopt(const struct qt_nfq_config *c, int fd,
			    const uint16_t *queues, unsigned n, int *err)
{
	if (n == 0 || n > QT_NFQ_MAX_BOUND) {
		*err = EINVAL;
		return NULL;
	}
	struct qt_nfq *q = qt_nfq_alloc(c);
	if (!q) {
		*err = ENOMEM;
		return NULL;
	}
	q->nl = mnl_socket_fdopen(fd);
	if (!q->nl) {
		*err = errno ? errno : EINVAL;
		qt_nfq_close(q);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		q->bound[q->nbound++] = queues[i];
	size_send_buffer(q);
	return q;
}

unsigned qt_nfq_bound(const struct qt_nfq *q, uint16_t *queues)
{
	for (unsigned i = 0; i < q->nbound; i++)
		queues[i] = q->bound[i];
	return q->nbound;
}

int qt_nfq_fd(const struct qt_nfq *q)
{
	return q->nl ? mnl_socket_get_fd(q->nl) : -1;
}

const struct qt_nfq_stats *qt_nfq_stats(const struct qt_nfq *q)
{
	return &q->st;
}

const char *qt_nfq_hook_name(unsigned hook)
{
	static const char *const names[QT_HOOK_COUNT] = {
		"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"
	};
	return hook < QT_HOOK_COUNT ? names[hook] : "?";
}

/* The message's attributes by type, a later one of a type replacing an
 * earlier one. Done inline rather than with a parse callback per
 * attribute: this runs once per packet. Lengths are checked where each
 * attribute is read. -1 when an attribute runs past the message. */
static int attrs_by_type(const struct nlmsghdr *nlh,
			 const struct nlattr *a[NFQA_MAX + 1])
{
	size_t off = NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg));
	size_t end = nlh->nlmsg_len;
	const uint8_t *b = (const uint8_t *)nlh;
	while (off + sizeof(struct nlattr) <= end) {
		const struct nlattr *at = (const void *)(b + off);
		if (at->nla_len < sizeof(struct nlattr) || at->nla_len > end - off)
			return -1;
		unsigned type = at->nla_type & NLA_TYPE_MASK;
		if (type <= NFQA_MAX)
			a[type] = at;
		off += MNL_ALIGN(at->nla_len);
	}
	return 0;
}

int qt_nfq_parse(const struct nlmsghdr *nlh, struct qt_nfq_pkt *p)
{
	const struct nlattr *a[NFQA_MAX + 1] = { 0 };

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
		return -EINVAL;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nfgenmsg)) ||
	    attrs_by_type(nlh, a) < 0 || !a[NFQA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(a[NFQA_PACKET_HDR]) <
		    sizeof(struct nfqnl_msg_packet_hdr))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	p->queue = ntohs(g->res_id);
	const struct nfqnl_msg_packet_hdr *h = mnl_attr_get_payload(a[NFQA_PACKET_HDR]);
	p->id = ntohl(h->packet_id);
	p->hook = h->hook;
	p->hw_proto = ntohs(h->hw_protocol);
	if (a[NFQA_PAYLOAD]) {
		p->payload = mnl_attr_get_payload(a[NFQA_PAYLOAD]);
		p->len = mnl_attr_get_payload_len(a[NFQA_PAYLOAD]);
	}
	p->orig_len = p->len;
	p->room = p->len;
	/* A u32 attribute shorter than 4 bytes is malformed: ignore it. */
#define U32(t) (a[t] && mnl_attr_get_payload_len(a[t]) >= 4)
	if (U32(NFQA_CAP_LEN))
		p->orig_len = ntohl(mnl_attr_get_u32(a[NFQA_CAP_LEN]));
	if (U32(NFQA_MARK))
		p->mark = ntohl(mnl_attr_get_u32(a[NFQA_MARK]));
	if (U32(NFQA_IFINDEX_INDEV))
		p->indev = ntohl(mnl_attr_get_u32(a[NFQA_IFINDEX_INDEV]));
	if (U32(NFQA_IFINDEX_OUTDEV))
		p->outdev = ntohl(mnl_attr_get_u32(a[NFQA_IFINDEX_OUTDEV]));
	if (U32(NFQA_UID)) {
		p->has_uid = true;
		p->uid = ntohl(mnl_attr_get_u32(a[NFQA_UID]));
	}
	if (U32(NFQA_PRIORITY))
		p->priority = ntohl(mnl_attr_get_u32(a[NFQA_PRIORITY]));
	if (U32(NFQA_GID)) {
		p->has_gid = true;
		p->gid = ntohl(mnl_attr_get_u32(a[NFQA_GID]));
	}
	if (a[NFQA_HWADDR] && mnl_attr_get_payload_len(a[NFQA_HWADDR]) >=
			      sizeof(struct nfqnl_msg_packet_hw)) {
		const struct nfqnl_msg_packet_hw *hw =
			mnl_attr_get_payload(a[NFQA_HWADDR]);
		unsigned n = ntohs(hw->hw_addrlen);
		if (n > sizeof(p->hwaddr))
			n = sizeof(p->hwaddr);
		memcpy(p->hwaddr, hw->hw_addr, n);
		p->hwaddr_len = (uint8_t)n;
	}
	if (U32(NFQA_SKB_INFO)) {
		uint32_t info = ntohl(mnl_attr_get_u32(a[NFQA_SKB_INFO]));
		p->csum_not_ready = info & NFQA_SKB_CSUMNOTREADY;
		p->csum_unverified = info & NFQA_SKB_CSUM_NOTVERIFIED;
		p->gso = info & NFQA_SKB_GSO;
	}
#undef U32
	return 0;
}

/* The packet id of a datagram cut short: its header attribute comes
 * first, so it is usually readable even when the payload is not. */
static int truncated_id(const uint8_t *b, size_t len, uint16_t *queue,
			uint32_t *id)
{
	size_t off = NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg));
	const struct nlattr *at = (const void *)(b + off);
	if (len < off + sizeof(*at) + sizeof(struct nfqnl_msg_packet_hdr) ||
	    (at->nla_type & NLA_TYPE_MASK) != NFQA_PACKET_HDR)
		return -1;
	const struct nfgenmsg *g = (const void *)(b + NLMSG_HDRLEN);
	*queue = ntohs(g->res_id);
	const struct nfqnl_msg_packet_hdr *h = (const void *)(at + 1);
	*id = ntohl(h->packet_id);
	return 0;
}

/* Point the receive iovecs at the slots, for n datagrams. */
static void slots_ready(struct qt_nfq *q, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		q->iov[i].iov_base = q->slots + (size_t)i * q->slot_size;
		q->iov[i].iov_len = q->slot_size;
		memset(&q->msgs[i].msg_hdr, 0, sizeof(q->msgs[i].msg_hdr));
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

/* The packets of the n datagrams received into the slots. */
static int parse_burst(struct qt_nfq *q, int n, const struct qt_nfq_pkt **pkts)
{
	unsigned burst = q->cfg.burst;
	int count = 0;
	for (int i = 0; i < n; i++) {
		const uint8_t *b = q->iov[i].iov_base;
		int left = (int)q->msgs[i].msg_len;
		if (q->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			uint32_t id;
			uint16_t qn;
			q->st.truncated++;
			if (truncated_id(b, (size_t)left, &qn, &id) == 0)
				qt_nfq_drop(q, qn, id);
			continue;
		}
		for (const struct nlmsghdr *m = (const void *)b; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				if (e->error) {
					q->st.nl_errors++;
					q->st.last_error = -e->error;
				}
				continue;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			struct qt_nfq_pkt *p = &q->pkts[count];
			struct qt_nfq_pkt spare;
			if ((unsigned)count == burst)
				p = &spare;
			if (qt_nfq_parse(m, p) < 0) {
				q->st.bad++;
				continue;
			}
			if (p == &spare) {
				/* The kernel sends one packet per datagram, so
				 * this does not happen; fail closed if it does. */
				q->st.overflow++;
				qt_nfq_drop(q, p->queue, p->id);
				continue;
			}
			/* the rest of the slot is free: room to rewrite the
			 * packet where it is, and to grow it a little */
			if (p->payload)
				p->room = (uint32_t)(b + q->slot_size - p->payload);
			q->st.packets++;
			if (p->hook < QT_HOOK_COUNT)
				q->st.by_hook[p->hook]++;
			count++;
		}
	}
	if (count)
		q->st.receives++;
	*pkts = q->pkts;
	return count;
}

int qt_nfq_recv(struct qt_nfq *q, const struct qt_nfq_pkt **pkts, bool wait)
{
	/* verdicts still pointing into the slots leave before the slots
	 * are written again */
	if (q->refs)
		qt_nfq_flush(q);
	slots_ready(q, q->cfg.burst);
	int n = recvmmsg(qt_nfq_fd(q), q->msgs, q->cfg.burst,
			 wait ? MSG_WAITFORONE : MSG_DONTWAIT, NULL);
	if (n < 0)
		return (!wait && (errno == EAGAIN || errno == EWOULDBLOCK)) ? 0 : -errno;
	return parse_burst(q, n, pkts);
}

int qt_nfq_feed(struct qt_nfq *q, const void *const *dgrams, const size_t *lens,
		unsigned n, const struct qt_nfq_pkt **pkts)
{
	if (q->refs)
		qt_nfq_flush(q);
	if (n > q->cfg.burst)
		n = q->cfg.burst;
	slots_ready(q, n);
	for (unsigned i = 0; i < n; i++) {
		size_t len = lens[i] < q->slot_size ? lens[i] : q->slot_size;
		memcpy(q->iov[i].iov_base, dgrams[i], len);
		q->msgs[i].msg_len = (unsigned)len;
		if (len < lens[i])
			q->msgs[i].msg_hdr.msg_flags = MSG_TRUNC;
	}
	return parse_burst(q, (int)n, pkts);
}

/* The header piece being written (sbuf from seg on) closes into an
 * iovec of the datagram. */
static void close_piece(struct qt_nfq *q)
{
	if (q->sbuf_len > q->seg) {
		q->siov[q->niov++] = (struct iovec){ q->sbuf + q->seg,
						     q->sbuf_len - q->seg };
		q->seg = q->sbuf_len;
	}
}

static int send_pending(struct qt_nfq *q)
{
	close_piece(q);
	unsigned niov = q->niov;
	q->niov = 0;
	q->refs = false;
	q->sbuf_len = q->seg = 0;
	q->dgram_len = 0;
	if (!niov || !q->nl)
		return 0;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct msghdr m = { .msg_name = &kernel, .msg_namelen = sizeof(kernel),
			    .msg_iov = q->siov, .msg_iovlen = niov };
	q->st.sends++;
	if (sendmsg(mnl_socket_get_fd(q->nl), &m, 0) < 0) {
		q->st.send_errors++;
		return -errno;
	}
	return 0;
}

/* The pending run of accepts as a message in sbuf, in the room every
 * message before it left for it (reserve): the run may have been passed
 * by verdicts already in the datagram, and goes out with them. */
static void put_run(struct qt_nfq *q)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put((char *)q->sbuf + q->sbuf_len,
					     q->run_count > 1 ? NFQNL_MSG_VERDICT_BATCH
							      : NFQNL_MSG_VERDICT,
					     q->run_queue);
	nfq_nlmsg_verdict_put(nlh, (int)q->run_last, NF_ACCEPT);
	q->sbuf_len += nlh->nlmsg_len;
	q->dgram_len += nlh->nlmsg_len;
	if (q->run_count > 1) {
		q->st.batches++;
		q->st.batched += q->run_count;
	} else {
		q->st.accepts++;
	}
	q->run = false;
	q->run_count = 0;
	q->run_classes = 0;
}

/* Is there room for the run's message (and the piece it closes) in the
 * datagram being written? Always so between calls. */
static bool room_for_run(const struct qt_nfq *q)
{
	return q->sbuf_len + VERDICT_ROOM <= q->sbuf_size &&
	       q->dgram_len + VERDICT_ROOM <= q->send_max &&
	       q->niov + 1 <= SEND_IOV;
}

/* Room for a message of hdr bytes in sbuf (plus copied bytes there) and
 * total bytes in the datagram, using iovecs more pieces, with room
 * after it for the run's message; ends the datagram (the run in it)
 * and sends it if it must. */
static int reserve(struct qt_nfq *q, size_t hdr, size_t total, unsigned pieces)
{
	if (hdr + VERDICT_ROOM > q->sbuf_size || total + VERDICT_ROOM > q->send_max)
		return -EMSGSIZE;
	if (q->sbuf_len + hdr + VERDICT_ROOM > q->sbuf_size ||
	    q->dgram_len + total + VERDICT_ROOM > q->send_max ||
	    q->niov + pieces + 1 > SEND_IOV) {
		if (q->run)
			put_run(q);
		return send_pending(q);
	}
	return 0;
}

/* Turn the pending run of accepts into a message in sbuf. */
static int encode_run(struct qt_nfq *q)
{
	if (!q->run)
		return 0;
	put_run(q);
	return room_for_run(q) ? 0 : send_pending(q);
}

/* An order class's bit in a run's set of classes; the all-class has
 * every bit, so it meets every run. */
static uint64_t class_bit(uint32_t order)
{
	if (order == QT_NFQ_ORDER_ALL)
		return ~(uint64_t)0;
	return (uint64_t)1 << ((order * 0x9e3779b1u) >> 26);
}

/* Does p..p+len lie in a receive slot (where it stays until the next
 * receive, which sends what waits first)? */
static bool in_slots(const struct qt_nfq *q, const void *p, uint32_t len)
{
	const uint8_t *b = p, *lo = q->slots;
	const uint8_t *hi = lo + (size_t)q->cfg.burst * q->slot_size;
	return b >= lo && b < hi && len <= (size_t)(hi - b);
}

int qt_nfq_verdict_in(struct qt_nfq *q, uint16_t queue, uint32_t id,
		      uint32_t verdict, bool set_mark, uint32_t mark,
		      const void *payload, uint32_t len, uint32_t order)
{
	struct qt_nfq_meta m = { .set_mark = set_mark, .mark = mark };
	return qt_nfq_verdict_meta_in(q, queue, id, verdict, &m, payload, len,
				      order);
}

int qt_nfq_verdict_meta_in(struct qt_nfq *q, uint16_t queue, uint32_t id,
			   uint32_t verdict, const struct qt_nfq_meta *m,
			   const void *payload, uint32_t len, uint32_t order)
{
	bool set_mark = m->set_mark;
	if (verdict == NF_ACCEPT && !set_mark && !m->set_priority &&
	    !payload && q->cfg.batch) {
		/* ids count per queue: a run covers one queue's packets */
		if (q->run && q->run_queue != queue) {
			int r = encode_run(q);
			if (r < 0)
				return r;
		}
		q->run = true;
		q->run_queue = queue;
		q->run_last = id;
		q->run_count++;
		q->run_classes |= class_bit(order);
		return 0;
	}
	/* The pending accepts have lower ids and no verdict sent yet: this
	 * one may pass them only when none is of its order class (io/nfq.h).
	 * Passing them is safe for the batch: it is sent after this
	 * verdict, which takes this packet out of the queue first. */
	int r = 0;
	if (q->run && ((q->run_classes & class_bit(order)) ||
		       (payload && len > PASS_MAX)))
		r = encode_run(q);
	if (r < 0)
		return r;
	if (payload && len > 0xffff - NLA_HDRLEN)
		return -EMSGSIZE;       /* beyond what an attribute can say */
	bool ref = payload && in_slots(q, payload, len);
	size_t plen = payload ? MNL_ALIGN(len) : 0;
	r = reserve(q, VERDICT_ROOM + (payload && !ref ? plen : 0),
		    VERDICT_ROOM + plen, ref ? 2 : 0);
	if (r < 0)
		return r;
	struct nlmsghdr *nlh = nfq_nlmsg_put((char *)q->sbuf + q->sbuf_len,
					     NFQNL_MSG_VERDICT, queue);
	nfq_nlmsg_verdict_put(nlh, (int)id, (int)verdict);
	if (set_mark) {
		nfq_nlmsg_verdict_put_mark(nlh, m->mark);
		q->st.marks++;
	}
	if (m->set_priority) {
		mnl_attr_put_u32(nlh, NFQA_PRIORITY, htonl(m->priority));
		q->st.priorities++;
	}
	if (payload && !ref) {
		nfq_nlmsg_verdict_put_pkt(nlh, payload, len);
		q->st.rewrites++;
	} else if (payload) {
		/* the attribute's header here, its bytes where they are,
		 * then the padding to the next message */
		struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);
		a->nla_type = NFQA_PAYLOAD;
		a->nla_len = (uint16_t)(NLA_HDRLEN + len);
		nlh->nlmsg_len += NLA_HDRLEN;
		q->sbuf_len += nlh->nlmsg_len;
		q->dgram_len += nlh->nlmsg_len + plen;
		nlh->nlmsg_len += (uint32_t)plen;
		close_piece(q);
		q->siov[q->niov++] = (struct iovec){ (void *)(uintptr_t)payload, len };
		q->refs = true;
		/* the padding is the tail of the next 4 bytes of sbuf, so
		 * that the next message's header there stays aligned */
		size_t pad = plen - len;
		if (pad) {
			q->seg = q->sbuf_len + NLMSG_ALIGNTO - pad;
			memset(q->sbuf + q->seg, 0, pad);
			q->sbuf_len = q->seg + pad;
		}
		q->st.rewrites++;
		goto counted;
	}
	q->sbuf_len += nlh->nlmsg_len;
	q->dgram_len += nlh->nlmsg_len;
counted:
	if (verdict == NF_ACCEPT)
		q->st.accepts++;
	else if (verdict == NF_DROP)
		q->st.drops++;
	else
		q->st.other++;
	return 0;
}

int qt_nfq_verdict(struct qt_nfq *q, uint16_t queue, uint32_t id,
		   uint32_t verdict, bool set_mark, uint32_t mark,
		   const void *payload, uint32_t len)
{
	return qt_nfq_verdict_in(q, queue, id, verdict, set_mark, mark, payload,
				 len, QT_NFQ_ORDER_ALL);
}

int qt_nfq_accept_in(struct qt_nfq *q, uint16_t queue, uint32_t id,
		     uint32_t order)
{
	return qt_nfq_verdict_in(q, queue, id, NF_ACCEPT, false, 0, NULL, 0,
				 order);
}

int qt_nfq_accept(struct qt_nfq *q, uint16_t queue, uint32_t id)
{
	return qt_nfq_verdict(q, queue, id, NF_ACCEPT, false, 0, NULL, 0);
}

int qt_nfq_drop(struct qt_nfq *q, uint16_t queue, uint32_t id)
{
	return qt_nfq_verdict(q, queue, id, NF_DROP, false, 0, NULL, 0);
}

int qt_nfq_flush(struct qt_nfq *q)
{
	int r = encode_run(q);
	int s = send_pending(q);
	return r < 0 ? r : s;
}

const void *qt_nfq_pending(struct qt_nfq *q, size_t *len)
{
	encode_run(q);
	close_piece(q);
	size_t n = 0;
	for (unsigned i = 0; i < q->niov; i++)
		n += q->siov[i].iov_len;
	free(q->gather);
	q->gather = malloc(n ? n : 1);
	*len = 0;
	if (!q->gather)
		return NULL;
	for (unsigned i = 0; i < q->niov; i++) {
		memcpy(q->gather + *len, q->siov[i].iov_base, q->siov[i].iov_len);
		*len += q->siov[i].iov_len;
	}
	return q->gather;
}
