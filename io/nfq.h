/* NFQUEUE I/O: one netlink socket bound to one queue (or a few, see
 * qt_nfq_bind_more), packets received in bursts and verdicts sent in as
 * few messages as possible. Everything is allocated at open; receiving
 * and verdicts never allocate. Packets must be given their verdicts in
 * the order received (ids increase, per queue): a batch verdict accepts
 * every packet of its queue up to its id that is still waiting. */
#ifndef QT_NFQ_H
#define QT_NFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

enum qt_nfq_hook {              /* the kernel's NF_INET_* numbers */
	QT_HOOK_PRE, QT_HOOK_IN, QT_HOOK_FWD, QT_HOOK_OUT, QT_HOOK_POST,
	QT_HOOK_COUNT
};

struct qt_nfq_config {
	uint16_t queue;
	uint32_t copy_range;    /* bytes of each packet copied to us */
	uint32_t max_copy_range;/* the most qt_nfq_set_copy_range may ask
	                           for later (buffers are sized for it);
	                           0: copy_range */
	uint32_t burst;         /* max packets per receive (>= 1) */
	uint32_t rcvbuf;        /* socket receive buffer, bytes */
	uint32_t queue_maxlen;  /* kernel queue length; 0: kernel default */
	bool fail_open;         /* kernel accepts when the queue is full */
	bool gso;               /* take GSO packets whole (no segmenting) */
	bool uid_gid;           /* ask for the socket owner of local packets */
	bool batch;             /* runs of accepts as one batch verdict */
};

/* copy_range 0xffff, burst 32, rcvbuf 16 MiB, gso and batch on. */
void qt_nfq_config_default(struct qt_nfq_config *c);

/* Queues one socket may be bound to. */
#define QT_NFQ_MAX_BOUND 4

struct qt_nfq_pkt {
	uint16_t queue;         /* the queue it came from (nfgenmsg res_id) */
	uint32_t id;            /* its id in that queue */
	uint8_t hook;           /* enum qt_nfq_hook */
	bool csum_not_ready;    /* NFQA_SKB_CSUMNOTREADY: checksum left to hw */
	bool csum_unverified;   /* NFQA_SKB_CSUM_NOTVERIFIED: nobody checked the
	                           transport checksum yet (CHECKSUM_NONE or
	                           COMPLETE): conntrack checks it */
	bool gso;               /* NFQA_SKB_GSO */
	bool has_uid, has_gid;
	uint16_t hw_proto;      /* host order */
	const uint8_t *payload; /* valid until the next receive */
	uint32_t len;           /* bytes at payload */
	uint32_t room;          /* bytes at payload that may be written (>=
	                           len): a packet received is rewritten, and
	                           may grow, where it is */
	uint32_t orig_len;      /* the packet's full length (NFQA_CAP_LEN) */
	uint32_t mark;
	uint32_t indev, outdev; /* ifindex, 0 if none */
	uint32_t uid, gid;
	uint32_t priority;      /* NFQA_PRIORITY: skb->priority (sent when
	                           it is not 0) */
	uint8_t hwaddr[8];      /* NFQA_HWADDR: the link-layer source */
	uint8_t hwaddr_len;     /* 0 when absent */
};

struct qt_nfq_stats {
	uint64_t packets;
	uint64_t by_hook[QT_HOOK_COUNT];
	uint64_t receives;      /* receive calls that returned packets */
	uint64_t sends;         /* datagrams of verdicts sent */
	uint64_t batches;       /* NFQNL_MSG_VERDICT_BATCH messages */
	uint64_t batched;       /* accepts covered by them */
	uint64_t accepts;       /* single accept verdicts */
	uint64_t drops;
	uint64_t rewrites;      /* verdicts carrying a new payload */
	uint64_t marks;         /* verdicts carrying a mark */
	uint64_t priorities;    /* verdicts carrying a priority */
	uint64_t other;         /* other verdicts (e.g. NF_REPEAT) */
	uint64_t truncated;     /* datagrams bigger than a buffer (dropped) */
	uint64_t overflow;      /* packets beyond the burst (dropped) */
	uint64_t bad;           /* messages that did not parse */
	uint64_t nl_errors;     /* error replies from the kernel */
	int last_error;         /* errno of the last one */
	uint64_t send_errors;
};

struct qt_nfq;

/* Open, bind and configure the queue. On failure returns NULL and sets
 * *err to a positive errno (EPERM: the queue is bound by another
 * socket, or no CAP_NET_ADMIN). */
struct qt_nfq *qt_nfq_open(const struct qt_nfq_config *c, int *err);
/* Buffers only, no socket: for tests of parsing and verdict encoding. */
struct qt_nfq *qt_nfq_alloc(const struct qt_nfq_config *c);
/* Flushes pending verdicts, then closes (the kernel unbinds the queue). */
void qt_nfq_close(struct qt_nfq *q);
/* A restart without unbinding: qt_nfq_release flushes pending verdicts
 * and frees q but keeps its socket open, returning the fd (the queues
 * stay bound to it, and packets keep waiting in the kernel's queue);
 * qt_nfq_adopt wraps such a socket again, in this process or another
 * (SCM_RIGHTS), bound to queues[0..n) - the first is c->queue. Nothing
 * is bound or configured by adopt: the kernel kept the socket's
 * settings. NULL with *err set on failure (the fd is then not closed). */
int qt_nfq_release(struct qt_nfq *q);
struct qt_nfq *qt_nfq_adopt(const struct qt_nfq_config *c, int fd,
			    const uint16_t *queues, unsigned n, int *err);
/* The queues bound to q's socket, at most QT_NFQ_MAX_BOUND. */
unsigned qt_nfq_bound(const struct qt_nfq *q, uint16_t *queues);
int qt_nfq_fd(const struct qt_nfq *q);

/* Receive up to the burst size of packets into *pkts (an array owned by q,
 * valid until the next receive). With wait, blocks for the first. Returns
 * the count (0 when nothing was waiting), or -errno (-EINTR, -EAGAIN on a
 * receive timeout). */
int qt_nfq_recv(struct qt_nfq *q, const struct qt_nfq_pkt **pkts, bool wait);

/* As qt_nfq_recv, with n datagrams given instead of read from the
 * socket (for tests: q may have none). */
int qt_nfq_feed(struct qt_nfq *q, const void *const *dgrams, const size_t *lens,
		unsigned n, const struct qt_nfq_pkt **pkts);

/* Parse one NFQNL_MSG_PACKET message (exposed for tests). 0 or -EINVAL. */
int qt_nfq_parse(const struct nlmsghdr *nlh, struct qt_nfq_pkt *p);

/* Verdicts are queued and go out on qt_nfq_flush (or when the send
 * buffer fills), as few datagrams as they fit in, in the order given
 * unless their order classes let them pass (below). 0 or -errno. */
int qt_nfq_accept(struct qt_nfq *q, uint16_t queue, uint32_t id);
int qt_nfq_drop(struct qt_nfq *q, uint16_t queue, uint32_t id);
/* Any verdict (NF_ACCEPT, NF_DROP, NF_REPEAT...), with a mark if
 * set_mark, with a new payload if payload is not NULL. queue and id: the
 * packet's (struct qt_nfq_pkt). A payload within a packet received
 * (payload..payload+room of a struct qt_nfq_pkt) is sent from where it
 * is, not copied: it must not change until the verdicts are flushed
 * (the next receive flushes them first); any other is copied. */
int qt_nfq_verdict(struct qt_nfq *q, uint16_t queue, uint32_t id,
		   uint32_t verdict, bool set_mark, uint32_t mark,
		   const void *payload, uint32_t len);
int qt_nfq_flush(struct qt_nfq *q);

/* Order classes. Plain accepts (no mark, no payload) wait as one run
 * that leaves as a single batch verdict; any other verdict ends the run
 * (the run's message goes first) unless it has an order class no accept
 * of the run has and carries no payload or a small one (up to 2 KiB: a
 * whole GSO packet costs the kernel more than the run's packets should
 * wait): then it leaves ahead of the run, which stays whole.
 * That keeps a burst of accepts mixed with rewritten packets (NAT) one
 * batch instead of a batch per gap. A verdict sent ahead never makes the
 * batch cover a packet without its own verdict (the batch's packets all
 * had theirs given, and the kernel takes each packet once, at its first
 * verdict), and the run's message travels in the same datagram as every
 * verdict that passed it, so a failed send loses them together. The
 * caller picks classes so that reordering across them does not matter:
 * the datapath gives the packets of one flow at one hook one class (a
 * later packet let through before an earlier one of its flow at another
 * hook only reaches the earlier one's hook after it). Classes may
 * collide (they are hashed): that only costs a batch. QT_NFQ_ORDER_ALL,
 * the class of the calls above, keeps order with every verdict. */
#define QT_NFQ_ORDER_ALL 0u
int qt_nfq_accept_in(struct qt_nfq *q, uint16_t queue, uint32_t id,
		     uint32_t order);
int qt_nfq_verdict_in(struct qt_nfq *q, uint16_t queue, uint32_t id,
		      uint32_t verdict, bool set_mark, uint32_t mark,
		      const void *payload, uint32_t len, uint32_t order);
/* What a verdict may set on the packet besides its fate: the mark
 * (NFQA_MARK) and the priority (NFQA_PRIORITY, skb->priority, which
 * nfqnl_recv_verdict applies: seen on Linux 6.18). A verdict with
 * neither, no payload and NF_ACCEPT joins the run of accepts. */
struct qt_nfq_meta {
	bool set_mark, set_priority;
	uint32_t mark, priority;
};
int qt_nfq_verdict_meta_in(struct qt_nfq *q, uint16_t queue, uint32_t id,
			   uint32_t verdict, const struct qt_nfq_meta *m,
			   const void *payload, uint32_t len, uint32_t order);

/* Bind one more queue to the socket, configured as the first (copy
 * range, flags, length); its packets come through qt_nfq_recv with their
 * queue number. For the thread that will receive, before it does. 0, or
 * a positive errno (EPERM: bound by another socket; ENOSPC: already
 * QT_NFQ_MAX_BOUND). */
int qt_nfq_bind_more(struct qt_nfq *q, uint16_t queue);

/* Change the copy range of the bound queues (up to max_copy_range). Safe
 * to call from another thread than the one receiving: the message asks
 * for no acknowledgement, and an error would come back as a counted
 * nl_error. 0 or -errno. */
int qt_nfq_set_copy_range(struct qt_nfq *q, uint32_t copy_range);
/* Ask for the socket owner of local packets (NFQA_CFG_F_UID_GID) or
 * stop asking; the same rules as qt_nfq_set_copy_range. */
int qt_nfq_set_uid_gid(struct qt_nfq *q, bool on);

/* The encoded verdicts not yet sent (for tests). */
const void *qt_nfq_pending(struct qt_nfq *q, size_t *len);

const struct qt_nfq_stats *qt_nfq_stats(const struct qt_nfq *q);
const char *qt_nfq_hook_name(unsigned hook);

#endif
