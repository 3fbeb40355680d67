/* The datapath threads and the program swap (see datapath.h). */
#define _GNU_SOURCE
#include "datapath.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

#include "addrs.h"
#include "conntrack.h"
#include "ct_glue.h"
#include "eval.h"
#include "judge.h"
#include "links.h"
#include "nat.h"
#include "log_offload.h"
#include "nat_offload.h"
#include "log_sink.h"
#include "metrics.h"
#include "nfq.h"
#include "program.h"
#include "steering.h"
#include "nft_exec.h"
#include "nft_view.h"
#include "order_hold.h"

/* Headers and the largest rewrite: what the receive buffers hold. */
#define MAX_COPY 0xffff
/* Room a target may grow a packet by (TCPMSS adds 4 bytes). */
#define GROW_ROOM 64
/* judge's verdict for a packet tagged for the kernel to log */
#define NFLOG_TAGGED (-1)
/* How often a blocked receive looks at the stop flag. */
#define POLL_MS 200

struct qthread {
	struct qt_engine *e;
	struct qt_nfq *q;
	pthread_t tid;
	bool started;
	int rawfd;                   /* REJECT replies */
	int rawfd6;                  /* REJECT replies to IPv6 packets */
	struct qt_engine_env env;    /* per thread: send_user is this */
	uint8_t *buf;                /* copy for packets targets may grow
	                                when their slot has no room */
	struct qt_ctg *ctg;          /* this thread's connection table */
	/* NAT offload (io/nat_offload.h): the kernel's maps of this
	 * table's connections; NULL: every rewrite is made here. Set
	 * and read under the table's lock; cur_off is it for the burst
	 * (NULL in a burst that does not take the lock). */
	struct qt_natoff *off, *cur_off;
	bool off_logged;             /* a refusal was logged (once) */
	/* The copy range of this thread's queue: the engine's copy_small
	 * while the kernel rewrites translated packets, its copy_range
	 * (whole packets) until whole_until once a packet came cut that
	 * qtablesd may have to rewrite itself (ask_whole). Written by
	 * this thread; whole read by the control thread at commits. */
	bool whole;
	uint64_t whole_until;        /* CLOCK_MONOTONIC ns */
	/* the last interface names looked up, valid for one burst (the
	 * burst's read section keeps them): a burst mostly has one in/out
	 * pair */
	int name_if[2];
	const char *name[2];
	/* written by this thread only, read by the control thread */
	uint64_t beat_ns;            /* CLOCK_MONOTONIC of its last loop */
	struct qt_prog_stats ps;
	uint64_t accepted, dropped, rewritten, marked, parse_errors,
		 send_errors, rejects_sent, requeued, held;
	/* the flows whose packets wait for one sent back (order_hold.h) */
	struct qt_hold *hold;
	/* log group (io/log_offload.h): packets tagged for the kernel to
	 * log, and log statements met beyond what one tag holds */
	uint64_t nflog_tagged, nflog_over;
	/* log statements met before a rewrite the accept then carries
	 * (or after a rewrite it does not): the kernel logs the packet as
	 * handed back */
	uint64_t nflog_unlike;
};

enum { FEED_ADDRS, FEED_LINKS, N_FEEDS };

struct qt_engine {
	struct qt_engine_opts o;
	struct qt_prog *prog;        /* RCU-protected: IPv4's */
	struct qt_prog *prog6;       /* RCU-protected: IPv6's */
	struct qt_rt_store *own_store6;  /* o.store6 when none was given */
	uint32_t copy_range;
	/* The copy range when translated packets are the kernel's to
	 * rewrite (qt_prog_copy_range_offloaded): copy_range when NAT
	 * offload is off or a program needs whole packets anyway. */
	uint32_t copy_small;
	bool owner;                  /* the queues hand over socket owners */
	/* the host's addresses and interfaces, kept current by the
	 * watcher thread: feeds[FEED_ADDRS], feeds[FEED_LINKS] */
	struct qt_rtnl_watch *feeds[2];
	struct qt_addrs *addrs;
	struct qt_links *links;
	unsigned nthreads;
	struct qthread *th;
	pthread_t watcher;
	bool watcher_started;
	int wakefd;                  /* eventfd: stop now, for the watcher */
	volatile int stop;
	bool steered;
	bool natoff[2];              /* the NAT offload table installed,
	                                IPv4's and IPv6's */
	bool natoff_tried;           /* installed (or failed) once */
	bool logoff[2];              /* the log offload table installed,
	                                IPv4's and IPv6's: */
	struct qt_nflog logoff_p[2][QT_NFLOG_SLOTS];  /* its slots' */
	bool logoff_used[2][QT_NFLOG_SLOTS];
	uint8_t logoff_hooks[2];     /* and hooks */
	struct qt_steer_config sc;   /* sc.hooks: the hooks queued now */
	/* link-layer queues: bound by every thread (l2_ok); steered to
	 * while l2_steered (read per burst by the queue threads) */
	bool l2_ok;
	uint16_t l2_bcast, l2_mcast;
	int l2_steered;
	uint64_t commits;
	uint64_t steer_changes;
};

/* Connection tracking is set up by qt_engine_start from o->ct. */

/* ---- services the extensions call ---- */

static void log_line(void *user, int level, const char *line)
{
	(void)user;
	qt_log_sink_line(level, line);
}

/* A reply is a whole IP packet, header included: IPPROTO_RAW sockets
 * take it as it is (an IPv6 one implies IPV6_HDRINCL), the version
 * nibble picks the family. */
static int send_raw(void *user, const uint8_t *pkt, uint32_t len)
{
	struct qthread *t = user;
	int r;
	if (len >= 40 && pkt[0] >> 4 == 6) {
		if (t->rawfd6 < 0)
			return -EBADF;
		struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
		memcpy(&to6.sin6_addr, pkt + 24, 16);
		r = (int)sendto(t->rawfd6, pkt, len, MSG_DONTWAIT,
				(struct sockaddr *)&to6, sizeof(to6));
	} else {
		if (t->rawfd < 0 || len < 20)
			return -EBADF;
		struct sockaddr_in to = { .sin_family = AF_INET };
		memcpy(&to.sin_addr, pkt + 16, 4);
		r = (int)sendto(t->rawfd, pkt, len, MSG_DONTWAIT,
				(struct sockaddr *)&to, sizeof(to));
	}
	if (r < 0) {
		t->send_errors++;
		return -errno;
	}
	t->rejects_sent++;
	return 0;
}

static unsigned kernel_hz(void)
{
	/* CONFIG_HZ is not exported at run time; the build config says
	 * it when installed, else Debian's 250 */
	char path[256], line[128];
	FILE *f = NULL;
	FILE *u = fopen("/proc/sys/kernel/osrelease", "r");
	if (u) {
		char rel[128];
		if (fgets(rel, sizeof(rel), u)) {
			rel[strcspn(rel, "\n")] = '\0';
			snprintf(path, sizeof(path), "/boot/config-%s", rel);
			f = fopen(path, "r");
		}
		fclose(u);
	}
	unsigned hz = 250;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CONFIG_HZ=%u", &hz) == 1)
			break;
	if (f)
		fclose(f);
	return hz;
}

/* ---- the packet path ---- */

/* Inside the burst's links read section. */
static const char *link_name(struct qthread *t, int slot, int ifindex)
{
	if (!ifindex)
		return "";
	if (t->name_if[slot] != ifindex) {
		t->name_if[slot] = ifindex;
		t->name[slot] = qt_links_name_in_section(t->e->links, ifindex);
	}
	return t->name[slot];
}

/* The frame's link-layer type, told by the queue the packet came from
 * (steering.h): a link-layer queue's packets are broadcast or multicast
 * frames; while those queues are steered to, the main queues' packets
 * are the rest (PACKET_HOST: the IPv4 hooks never see OTHERHOST).
 * Otherwise unknown: matches derive it from the IP destination. */
static void l2_type_of(const struct qthread *t, const struct qt_nfq_pkt *p,
		       bool steered, struct qt_eval *ev)
{
	const struct qt_engine *e = t->e;
	unsigned n = e->nthreads;
	if (!e->l2_ok)
		return;
	if (p->queue >= e->l2_bcast && p->queue < e->l2_bcast + n) {
		ev->l2_known = true;
		ev->l2_type = QT_L2_BROADCAST;
	} else if (p->queue >= e->l2_mcast && p->queue < e->l2_mcast + n) {
		ev->l2_known = true;
		ev->l2_type = QT_L2_MULTICAST;
	} else if (steered) {
		ev->l2_known = true;
		ev->l2_type = QT_L2_HOST;
	}
}

/* The order class of a packet's verdict (io/nfq.h): one per flow and
 * hook, so that a packet's verdict never passes an earlier one of its
 * flow at its hook, while a rewritten packet's may pass the accepts of
 * other flows and hooks and leave them one batch. A flow here: the
 * addresses and protocol as the packet has them at this hook (ports
 * left out: a fragment has none), read before the walk rewrites them. */
static uint32_t order_class(const struct qt_nfq_pkt *p)
{
	const uint8_t *b = p->payload;
	uint32_t h;
	if (b && p->len >= 20 && b[0] >> 4 == 4) {
		uint32_t s, d;
		memcpy(&s, b + 12, 4);
		memcpy(&d, b + 16, 4);
		h = s ^ (d << 16 | d >> 16) ^ (uint32_t)b[9] << 8;
	} else if (b && p->len >= 40 && b[0] >> 4 == 6) {
		uint32_t w[8];
		memcpy(w, b + 8, sizeof(w));
		h = (uint32_t)b[6] << 8;
		for (unsigned i = 0; i < 8; i++)
			h = (h ^ w[i]) * 0x01000193u;
	} else {
		return QT_NFQ_ORDER_ALL;
	}
	h ^= (uint32_t)p->hook << 24 | (uint32_t)p->hook;
	/* murmur3's finaliser: nfq.h hashes the class into 64 bits */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h | 1;          /* never QT_NFQ_ORDER_ALL */
}

/* The result of a NAT offload sync: a refusal is logged once per
 * thread (its connections are rewritten here, as without offload). */
static void offload_synced(struct qthread *t, int rc)
{
	if (rc == 0 || t->off_logged)
		return;
	t->off_logged = true;
	qt_log_daemon(LOG_WARNING, "qtablesd: %s (those connections are "
		      "translated by qtablesd itself)",
		      qt_natoff_take_error(t->off));
}

/* Whole packets for this thread's queue until WHOLE_NS after the last
 * packet that needed one: a connection's first packets are rewritten
 * here until the kernel has its elements. */
#define WHOLE_NS 1000000000ull

static void ask_whole(struct qthread *t, uint64_t now)
{
	t->whole_until = now + WHOLE_NS;
	/* sent again each time: a commit may have set the small range
	 * meanwhile (it reads whole racily) */
	__atomic_store_n(&t->whole, true, __ATOMIC_RELAXED);
	qt_nfq_set_copy_range(t->q, __atomic_load_n(&t->e->copy_range,
						    __ATOMIC_RELAXED));
}

/* After a burst: back to the small copy when no packet needed the
 * whole one for WHOLE_NS. */
static void maybe_small(struct qthread *t, uint64_t now)
{
	if (!t->whole || now < t->whole_until)
		return;
	__atomic_store_n(&t->whole, false, __ATOMIC_RELAXED);
	qt_nfq_set_copy_range(t->q, __atomic_load_n(&t->e->copy_small,
						    __ATOMIC_RELAXED));
}

/* Is this packet, longer than the small copy, one qtablesd may have to
 * rewrite itself (engine/ct_glue.h)? While whole packets come (the
 * thread's range is whole) such a packet keeps them coming. */
static bool wants_whole(struct qthread *t, const struct qt_prog *prog,
			const struct qt_eval *ev)
{
	uint32_t small = __atomic_load_n(&t->e->copy_small, __ATOMIC_RELAXED);
	uint32_t full = __atomic_load_n(&t->e->copy_range, __ATOMIC_RELAXED);
	return small < full && qt_prog_nat(prog) && ev->orig_len <= full &&
	       qt_ctg_nat_may_rewrite(t->ctg, ev);
}

/* Back to the kernel unjudged, to be queued again (at the tail of its
 * queue, the hook run anew). */
static void send_back(struct qthread *t, const struct qt_nfq_pkt *p,
		      uint32_t order)
{
	if (qt_nfq_verdict_in(t->q, p->queue, p->id, NF_REPEAT, false, 0,
			      NULL, 0, order) < 0)
		qt_nfq_drop(t->q, p->queue, p->id);
}

/* The log statements ev met go to the kernel in its mark's tag
 * (engine/nflog_tag.h): the packet is accepted with it, a drop
 * included, which the kernel's chain makes after logging. The kernel
 * logs the packet the verdict hands back: a drop hands back the one
 * the first statement met (rewritten or not: *payload says), an
 * accept what it must. Returns the verdict to give. */
static int nflog_tag(struct qthread *t, const struct qt_nflog_slots *slots,
		     struct qt_eval *ev, int v, bool *payload)
{
	unsigned a = qt_nflog_slot_of(slots, ev->nflog[0]);
	unsigned b = ev->nflog_n > 1 ? qt_nflog_slot_of(slots, ev->nflog[1])
				     : 0;
	t->nflog_over += ev->nflog_over;
	if (!a)
		return v;
	bool handed = v == QT_XT_DROP ? ev->nflog_rewritten & 1
				      : ev->rewritten;
	*payload = handed;
	for (unsigned k = 0; k < ev->nflog_n; k++)
		t->nflog_unlike += ((ev->nflog_rewritten >> k & 1) != 0) !=
				   handed;
	if (v == QT_XT_DROP)
		t->dropped++;
	else
		t->accepted++;
	ev->mark = (ev->mark & ~QT_NFLOG_MASK) |
		   qt_nflog_tag(a, b, v == QT_XT_DROP);
	ev->mark_changed = true;
	t->nflog_tagged++;
	return NFLOG_TAGGED;
}

static void judge(struct qthread *t, const struct qt_prog *prog4,
		  const struct qt_prog *prog6, const struct qt_nfq_pkt *p,
		  const struct timespec *mono, const struct timespec *wall,
		  bool l2_steered)
{
	struct qt_eval ev;
	uint8_t *data;
	uint32_t cap;
	/* each family's rules judge its packets (the version nibble, as
	 * qt_eval_init reads it); anything else fails to parse either way */
	const struct qt_prog *prog = p->len && p->payload[0] >> 4 == 6
				     ? prog6 : prog4;
	uint32_t order = order_class(p);
	uint64_t now = (uint64_t)mono->tv_sec * 1000000000u +
		       (uint64_t)mono->tv_nsec;
	/* the receive slot is ours until the next receive: a packet is
	 * judged and rewritten where it is, and its verdict carries it
	 * from there (no copy of a whole GSO packet in user space) */
	data = (uint8_t *)(uintptr_t)p->payload;
	cap = p->len;
	if (qt_prog_rewrites(prog) && p->len <= MAX_COPY) {
		if (p->room >= p->len + GROW_ROOM) {
			cap = p->room < MAX_COPY + GROW_ROOM ? p->room
							     : MAX_COPY + GROW_ROOM;
		} else {
			/* no room to grow after it: a copy that has */
			memcpy(t->buf, p->payload, p->len);
			data = t->buf;
			cap = MAX_COPY + GROW_ROOM;
		}
	}
	/* an earlier packet of its flow is out (sent back below): this
	 * one waits its turn, unjudged */
	struct qt_hold_pkt hk;
	bool hk_set = false;
	if (t->hold && qt_hold_any(t->hold)) {
		qt_hold_pkt_of(p->payload, p->len, p->orig_len, p->queue,
			       p->hook, &hk);
		hk_set = true;
		if (qt_hold_arrive(t->hold, &hk, now) == QT_HOLD_REPEAT) {
			t->held++;
			send_back(t, p, order);
			return;
		}
	}
	bool parsed = qt_eval_init(&ev, data, p->len, cap, p->orig_len,
				   p->hook, &t->env) == QT_PKT_OK;
	ev.indev = (int)p->indev;
	ev.outdev = (int)p->outdev;
	ev.in = link_name(t, 0, (int)p->indev);
	ev.out = link_name(t, 1, (int)p->outdev);
	ev.mark = p->mark;
	ev.has_uid = p->has_uid;
	ev.uid = p->uid;
	ev.has_gid = p->has_gid;
	ev.gid = p->gid;
	ev.priority = p->priority;
	memcpy(ev.hwaddr, p->hwaddr, sizeof(ev.hwaddr));
	ev.hwaddr_len = p->hwaddr_len;
	ev.now_ns = now;
	ev.wall = *wall;
	ev.csum_not_ready = p->csum_not_ready;
	ev.gso = p->gso;
	l2_type_of(t, p, l2_steered, &ev);
	ev.csum_unverified = p->csum_unverified;

	/* whole packets keep coming while large ones come that may be
	 * rewritten here */
	if (t->whole && t->cur_off && p->orig_len >
	    __atomic_load_n(&t->e->copy_small, __ATOMIC_RELAXED) &&
	    p->orig_len == p->len && wants_whole(t, prog, &ev))
		t->whole_until = ev.now_ns + WHOLE_NS;
	if (t->cur_off && p->orig_len > p->len && wants_whole(t, prog, &ev)) {
		/* cut short, and qtablesd may have to hand it back
		 * rewritten: the kernel queues it again (the hook runs
		 * anew), whole this time; nothing was judged */
		ask_whole(t, ev.now_ns);
		t->requeued++;
		/* its flow's later packets wait for it (order_hold.h) */
		if (t->hold) {
			if (!hk_set)
				qt_hold_pkt_of(p->payload, p->len, p->orig_len,
					       p->queue, p->hook, &hk);
			qt_hold_sent_back(t->hold, &hk, now);
		}
		send_back(t, p, order);
		return;
	}
	if (!parsed)
		t->parse_errors++;
	/* log group's tag bits: never taken from the packet as it came */
	const struct qt_nflog_slots *lslots = t->e->o.steer
		? qt_prog_nflog_slots(prog) : NULL;
	if (lslots && (ev.mark & QT_NFLOG_MASK)) {
		ev.mark &= ~QT_NFLOG_MASK;
		ev.mark_changed = true;
	}
	int v = qt_judge(prog, t->ctg, &ev, &t->ps);
	bool tag_payload = false;
	if (lslots && ev.nflog_n)
		v = nflog_tag(t, lslots, &ev, v, &tag_payload);
	struct qt_natoff *off = t->cur_off;
	if (off) {
		/* a connection forgotten during the walk (early drop, or
		 * revoked: engine/nat_pkt.c) leaves the maps before this
		 * verdict */
		if (qt_natoff_forgets_wait(off)) {
			/* the verdicts of its packets judged before, plain
			 * accepts, go out while its elements are there */
			qt_nfq_flush(t->q);
			offload_synced(t, qt_natoff_sync_forgets(off));
		}
		if (v != QT_XT_DROP && ev.ct &&
		    !(v == NFLOG_TAGGED && qt_nflog_tag_drop(ev.mark)))
			qt_natoff_want(off, ev.ct);
	}
	if (v == QT_XT_DROP) {
		t->dropped++;
		qt_nfq_verdict_in(t->q, p->queue, p->id, NF_DROP, false, 0, NULL, 0,
				  order);
		return;
	}
	/* the priority (CLASSIFY, meta priority set) goes back only when
	 * it changed: the verdicts of other packets stay as small */
	struct qt_nfq_meta meta = {
		.set_mark = ev.mark_changed, .mark = ev.mark,
		.set_priority = ev.priority != p->priority,
		.priority = ev.priority,
	};
	if (v == NFLOG_TAGGED) {
		/* counted by nflog_tag */
		meta.set_mark = true;
		if (qt_nfq_verdict_meta_in(t->q, p->queue, p->id, NF_ACCEPT,
					   &meta, tag_payload ? ev.data : NULL,
					   ev.len, order) < 0)
			qt_nfq_drop(t->q, p->queue, p->id);
		return;
	}
	t->accepted++;
	if (ev.rewritten || meta.set_mark || meta.set_priority) {
		t->rewritten += ev.rewritten;
		t->marked += ev.mark_changed;
		/* a verdict that cannot be sent is a drop, not the batch's
		 * accept of the packet as it came (fail closed) */
		if (qt_nfq_verdict_meta_in(t->q, p->queue, p->id, NF_ACCEPT,
					   &meta, ev.rewritten ? ev.data : NULL,
					   ev.len, order) < 0)
			qt_nfq_drop(t->q, p->queue, p->id);
		return;
	}
	qt_nfq_accept_in(t->q, p->queue, p->id, order);
}

/* A stop wakes the queue threads out of their receive with this
 * signal (its handler does nothing: the receive returns EINTR and the
 * loop sees the stop flag), so a handover does not wait for an idle
 * queue's receive timeout while the busy ones' packets wait. */
#define WAKE_SIGNAL SIGUSR2

static void wake_handler(int sig)
{
	(void)sig;
}

static void wake_threads(struct qt_engine *e)
{
	uint64_t one = 1;
	if (e->wakefd >= 0 && write(e->wakefd, &one, sizeof(one)) < 0)
		return;
	for (unsigned i = 0; e->th && i < e->nthreads; i++)
		if (e->th[i].started)
			pthread_kill(e->th[i].tid, WAKE_SIGNAL);
}

static void *queue_thread(void *arg)
{
	struct qthread *t = arg;
	sigset_t wake;
	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	rcu_register_thread();
	while (!__atomic_load_n(&t->e->stop, __ATOMIC_RELAXED)) {
		const struct qt_nfq_pkt *pk;
		int n = qt_nfq_recv(t->q, &pk, true);
		struct timespec mono, wall;
		clock_gettime(CLOCK_MONOTONIC, &mono);
		uint64_t now = (uint64_t)mono.tv_sec * 1000000000u +
			       (uint64_t)mono.tv_nsec;
		__atomic_store_n(&t->beat_ns, now, __ATOMIC_RELAXED);
		if (n <= 0) {
			/* timeout, EINTR, or an error counted: expire what
			 * is due meanwhile */
			if (t->ctg)
				qt_ctg_idle(t->ctg, now);
			if (t->ctg) {
				/* what the control thread forgot */
				struct qt_ct *shard = qt_ctg_shard(t->ctg);
				qt_ct_lock(shard);
				if (t->off)
					offload_synced(t, qt_natoff_sync(t->off));
				qt_ct_unlock(shard);
			}
			maybe_small(t, now);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &wall);
		/* interface names stay valid for the burst */
		unsigned tok = qt_links_read_begin(t->e->links);
		t->name_if[0] = t->name_if[1] = 0;
		rcu_read_lock();
		const struct qt_prog *prog = rcu_dereference(t->e->prog);
		const struct qt_prog *prog6 = rcu_dereference(t->e->prog6);
		/* the table's lock only when a program tracks (entries of
		 * an earlier one still expire while idle) */
		bool ct = t->ctg && (qt_prog_uses_ct(prog) ||
				     qt_prog_uses_ct(prog6));
		if (ct)
			qt_ctg_burst_begin(t->ctg, now);
		/* connections forgotten since the last burst (expired just
		 * now, or deleted by the control thread) leave the kernel's
		 * maps before any verdict */
		t->cur_off = ct ? t->off : NULL;
		if (t->cur_off)
			offload_synced(t, qt_natoff_sync_forgets(t->cur_off));
		bool l2 = __atomic_load_n(&t->e->l2_steered, __ATOMIC_ACQUIRE);
		for (int i = 0; i < n; i++)
			judge(t, prog, prog6, &pk[i], &mono, &wall, l2);
		/* the burst's new bindings to the kernel: their later
		 * packets get plain accepts once it has them */
		if (t->cur_off)
			offload_synced(t, qt_natoff_sync(t->cur_off));
		if (ct)
			qt_ctg_burst_end(t->ctg);
		maybe_small(t, now);
		rcu_read_unlock();
		qt_links_read_end(t->e->links, tok);
		qt_nfq_flush(t->q);
	}
	qt_nfq_flush(t->q);
	rcu_unregister_thread();
	return NULL;
}

/* The addresses of before that are not in now[]. */
static size_t addrs_removed(struct qt_addrs_addr *before, size_t nb,
			    const struct qt_addrs_addr *now, size_t nn)
{
	size_t k = 0;
	for (size_t i = 0; i < nb; i++) {
		bool kept = false;
		for (size_t j = 0; j < nn && !kept; j++)
			kept = qt_addrs_addr_same(&now[j], &before[i]);
		if (!kept)
			before[k++] = before[i];
	}
	return k;
}

/* An address removed or an interface downed: MASQUERADE's connections
 * bound to them go, as the kernel's masquerade notifiers remove them,
 * so that new ones are made with the addresses there are now. before[]
 * is the address table of before the change (rewritten here). */
static void masq_forget(struct qt_engine *e, struct qt_addrs_addr *before,
			size_t nb)
{
	struct qt_addrs_addr *now;
	size_t nn;
	if (qt_addrs_copy(e->addrs, &now, &nn) < 0)
		return;
	size_t ngone = addrs_removed(before, nb, now, nn);
	free(now);
	for (unsigned i = 0; i < e->nthreads; i++) {
		struct qthread *t = &e->th[i];
		if (!t->ctg)
			continue;
		struct qt_ct *ct = qt_ctg_shard(t->ctg);
		qt_ct_lock(ct);
		qt_nat_masq_forget(ct, e->links, before, ngone);
		qt_ct_unlock(ct);
	}
}

/* Keeps the address and interface tables current. */
static void *watch_thread(void *arg)
{
	struct qt_engine *e = arg;
	while (!__atomic_load_n(&e->stop, __ATOMIC_RELAXED)) {
		struct pollfd pf[1 + N_FEEDS];
		nfds_t n = 0;
		if (e->wakefd >= 0)
			pf[n++] = (struct pollfd){ .fd = e->wakefd, .events = POLLIN };
		for (unsigned i = 0; i < N_FEEDS; i++)
			pf[n++] = (struct pollfd){
				.fd = qt_rtnl_watch_fd(e->feeds[i]),
				.events = POLLIN };
		if (poll(pf, n, POLL_MS) <= 0 ||
		    __atomic_load_n(&e->stop, __ATOMIC_RELAXED))
			continue;
		uint64_t va = qt_addrs_version(e->addrs);
		uint64_t vl = qt_links_version(e->links);
		struct qt_addrs_addr *before;
		size_t nb;
		bool have_before = qt_addrs_copy(e->addrs, &before, &nb) == 0;
		for (unsigned i = 0; i < N_FEEDS; i++)
			qt_rtnl_feed_process(e->feeds[i]);
		if (have_before && (qt_addrs_version(e->addrs) != va ||
				    qt_links_version(e->links) != vl))
			masq_forget(e, before, nb);
		free(before);
	}
	return NULL;
}

/* NAT needs both directions of a connection in one thread's table, and
 * --queue-balance hashes the addresses a packet has: a translated
 * reply's are not its connection's. Refused rather than half done. */
static bool nat_queues_ok(const struct qt_engine *e, const struct qt_prog *p,
			  struct qt_buf *err)
{
	if (!qt_prog_nat(p) || e->o.queue_last == e->o.queue_first)
		return true;
	qt_buf_printf(err, "qtablesd: the nat table needs one queue (--queues "
		      "N): a translated reply may be queued to another thread "
		      "than its connection's\n");
	return false;
}

/* A family's program: its iptables ruleset and the nft ruleset's base
 * chains of that family (daemon/nft_view.h holds the one in force). */
static struct qt_prog *compile(struct qt_ruleset *rs,
			       const struct qt_engine_env *env,
			       struct qt_rt_store *store,
			       const struct qt_prog *prev, struct qt_buf *err)
{
	struct qt_prog *p = qt_prog_compile_from(rs, env, store, prev, err);
	if (!p)
		return NULL;
	struct qt_nft_prog *np = qt_nft_compile(qt_nft_view_ruleset(),
						rs->family, env,
						qt_nft_view_store(), err);
	if (!np || qt_prog_attach_nft(p, np, err) < 0 ||
	    qt_prog_nflog_finish(p, prev, err) < 0) {
		qt_prog_free(p);
		return NULL;
	}
	return p;
}

/* ---- starting and stopping ---- */

/* ct max 0 means the kernel's own default, which it computes from the
 * memory size and shows in every namespace. */
static uint32_t ct_max_of(const struct qt_ct_config *c)
{
	if (c->max)
		return c->max;
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_max", "r");
	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v ? (uint32_t)v : 262144;
}

/* Only hooks where some table has its chain are queued: a forwarded
 * packet of a filter-only ruleset crosses user space once, not at
 * PREROUTING, FORWARD and POSTROUTING. Exact: an unqueued hook is one
 * where the kernel's iptables would not see the packet either. */
static uint8_t hooks_of(const struct qt_prog *p)
{
	uint8_t m = 0;
	for (unsigned h = 0; h < QT_NHOOKS; h++)
		if (qt_prog_hook_used(p, h))
			m |= (uint8_t)(1u << h);
	/* connection tracking sees every packet at its first hook and
	 * confirms at its last, as the kernel's does */
	if (qt_prog_uses_ct(p))
		m = 0x1f;
	return m;
}

/* The copy both programs need: the larger. */
static uint32_t copy_range_of(const struct qt_prog *p4,
			      const struct qt_prog *p6)
{
	uint32_t a = qt_prog_copy_range(p4), b = qt_prog_copy_range(p6);
	return a > b ? a : b;
}

/* The link-layer queues are steered to while a rule of either family
 * reads the frame's type. */
static bool wants_l2(const struct qt_engine *e, const struct qt_prog *p4,
		     const struct qt_prog *p6)
{
	return e->l2_ok && (qt_prog_wants_l2type(p4) ||
			    qt_prog_wants_l2type(p6));
}

/* Bind thread i's broadcast and multicast queues to its socket. A queue
 * another program holds is no reason to stop: the frame's type is then
 * derived from the IP destination, as without these queues. */
static void bind_l2(struct qt_engine *e, struct qthread *t, unsigned i)
{
	uint16_t qs[2] = { (uint16_t)(e->l2_bcast + i), (uint16_t)(e->l2_mcast + i) };
	for (int k = 0; k < 2; k++) {
		int eno = qt_nfq_bind_more(t->q, qs[k]);
		if (eno) {
			qt_log_daemon(LOG_WARNING, "qtablesd: NFQUEUE %u: %s: "
				      "link-layer packet types (-m pkttype) are "
				      "derived from the IP destination", qs[k],
				      strerror(eno));
			e->l2_ok = false;
			return;
		}
	}
}

/* The steering installed already is the one wanted. */
static bool steer_same(const struct qt_steer_config *a,
		       const struct qt_steer_config *b)
{
	return a && a->queue_first == b->queue_first &&
	       a->queue_last == b->queue_last && a->bypass == b->bypass &&
	       a->notrack == b->notrack && a->hooks_set == b->hooks_set &&
	       a->hooks == b->hooks && a->defrag == b->defrag &&
	       a->hooks6 == b->hooks6 && a->defrag6 == b->defrag6 &&
	       a->l2 == b->l2 && a->l2_first == b->l2_first &&
	       !a->restore && !a->save && !b->restore && !b->save &&
	       !a->restore6 && !a->save6 && !b->restore6 && !b->save6;
}

/* Thread i's socket from a handover, when the handover fits: one
 * socket per queue thread, each bound to its thread's queue first. */
static const struct qt_nfq_handed *adopted(const struct qt_engine *e,
					   unsigned i)
{
	if (e->o.nhanded != e->nthreads)
		return NULL;
	const struct qt_nfq_handed *h = &e->o.handed[i];
	if (h->fd < 0 || h->nq == 0 || h->queues[0] != e->o.queue_first + i)
		return NULL;
	return h;
}

/* The ranges of every thread's queue: whole packets (range) for a
 * thread that asked for them or has no offload context, else small. */
static void set_copy_range(struct qt_engine *e, uint32_t range,
			   uint32_t small)
{
	if (small > range)
		small = range;
	if (range == e->copy_range && small == e->copy_small)
		return;
	__atomic_store_n(&e->copy_range, range, __ATOMIC_RELAXED);
	__atomic_store_n(&e->copy_small, small, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < e->nthreads; i++) {
		struct qthread *t = &e->th[i];
		if (t->q)
			qt_nfq_set_copy_range(t->q, !t->off || __atomic_load_n(
				&t->whole, __ATOMIC_RELAXED) ? range : small);
	}
}

/* The copy the programs need while the kernel rewrites translated
 * packets: smaller only when every family whose program translates
 * has its offload table (else its packets are all rewritten here). */
static uint32_t copy_small_of(const struct qt_engine *e,
			      const struct qt_prog *p4,
			      const struct qt_prog *p6)
{
	if ((qt_prog_nat(p4) && !e->natoff[0]) ||
	    (qt_prog_nat(p6) && !e->natoff[1]))
		return copy_range_of(p4, p6);
	uint32_t a = qt_prog_copy_range_offloaded(p4);
	uint32_t b = qt_prog_copy_range_offloaded(p6);
	return a > b ? a : b;
}

static void set_owner(struct qt_engine *e, bool on)
{
	for (unsigned i = 0; i < e->nthreads; i++)
		if (e->th[i].q)
			qt_nfq_set_uid_gid(e->th[i].q, on);
	e->owner = on;
}

/* NAT offload (io/nat_offload.h), once a program translates (at start
 * or at the commit that brings the first nat rule): the table made
 * anew (empty), a context per queue thread, and the connections a
 * handover brought offloaded at once. A table that cannot be made
 * leaves every rewrite to qtablesd. A daemon that never translates
 * puts no chains in the kernel's path. */
static void offload_ensure(struct qt_engine *e)
{
	char msg[512];
	if (e->natoff_tried || !e->o.steer || e->o.nat_offload_off ||
	    (!qt_prog_nat(e->prog) && !qt_prog_nat(e->prog6)))
		return;
	e->natoff_tried = true;
	for (unsigned f = 0; f < 2; f++) {
		if (qt_natoff_table(QT_NATOFF_NFT, f == 1, true, msg,
				    sizeof(msg)) == 0)
			e->natoff[f] = true;
		else
			qt_log_daemon(LOG_WARNING, "qtablesd: NAT offload for "
				      "IPv%c off (translated by qtablesd "
				      "itself): %s", f ? '6' : '4', msg);
	}
	if (!e->natoff[0] && !e->natoff[1])
		return;
	for (unsigned i = 0; i < e->nthreads; i++) {
		struct qthread *t = &e->th[i];
		struct qt_ct *shard = qt_ctg_shard(t->ctg);
		/* the thread may be judging: its context is its table's
		 * from the moment the forget hook is set */
		qt_ct_lock(shard);
		struct qt_natoff *o = qt_natoff_open(shard, e->natoff[0],
						     e->natoff[1], msg,
						     sizeof(msg));
		if (o) {
			t->off = o;
			offload_synced(t, qt_natoff_refill(o));
		}
		qt_ct_unlock(shard);
		if (!o)
			qt_log_daemon(LOG_WARNING, "qtablesd: %s", msg);
	}
}

/* The threads are stopped: contexts closed, the tables deleted (their
 * elements would rewrite flows no daemon judges any more). */
static void offload_stop(struct qt_engine *e)
{
	char msg[512];
	for (unsigned i = 0; e->th && i < e->nthreads; i++) {
		qt_natoff_close(e->th[i].off);
		e->th[i].off = NULL;
	}
	for (unsigned f = 0; f < 2; f++) {
		if (e->natoff[f] &&
		    qt_natoff_table(QT_NATOFF_NFT, f == 1, false, msg,
				    sizeof(msg)) < 0)
			qt_log_daemon(LOG_ERR, "qtablesd: %s", msg);
		e->natoff[f] = false;
	}
}

/* Log offload (io/log_offload.h): the family's table made (replaced)
 * for p, which logs to a group, at the hooks queued for it; or
 * deleted when p logs to none. 0, or -1 with the message in err. */
static int logoff_set(struct qt_engine *e, bool v6, const struct qt_prog *p,
		      uint8_t hooks, struct qt_buf *err)
{
	char msg[512];
	const struct qt_nflog_slots *slots = qt_prog_nflog_slots(p);
	if (!e->o.steer || (!slots && !e->logoff[v6]))
		return 0;
	/* the table as it is (most commits change no log statement) */
	bool same = slots && e->logoff[v6] && e->logoff_hooks[v6] == hooks;
	for (unsigned i = 0; same && i < QT_NFLOG_SLOTS; i++)
		same = (slots->slot[i] != NULL) == e->logoff_used[v6][i] &&
		       (!slots->slot[i] ||
			qt_nflog_same(slots->slot[i], &e->logoff_p[v6][i]));
	/* and there (one netlink round trip): a table deleted by hand
	 * comes back at the next commit */
	if (same && qt_logoff_present(v6))
		return 0;
	if (qt_logoff_table(QT_LOGOFF_NFT, v6, slots, hooks, msg,
			    sizeof(msg)) < 0) {
		e->logoff[v6] = true;   /* as it may be: deleted at stop */
		memset(e->logoff_used[v6], 0, sizeof(e->logoff_used[v6]));
		qt_buf_printf(err, "Error: qtables cannot run log group: %s\n",
			      msg);
		return -1;
	}
	e->logoff[v6] = slots != NULL;
	e->logoff_hooks[v6] = hooks;
	for (unsigned i = 0; i < QT_NFLOG_SLOTS; i++) {
		e->logoff_used[v6][i] = slots && slots->slot[i];
		if (e->logoff_used[v6][i])
			e->logoff_p[v6][i] = *slots->slot[i];
	}
	return 0;
}

/* The threads are stopped: the tables go (the next daemon, if any,
 * makes its own before its first verdict). */
static void logoff_stop(struct qt_engine *e)
{
	char msg[512];
	for (unsigned f = 0; f < 2; f++) {
		if (e->logoff[f] &&
		    qt_logoff_table(QT_LOGOFF_NFT, f == 1, NULL, 0, msg,
				    sizeof(msg)) < 0)
			qt_log_daemon(LOG_ERR, "qtablesd: %s", msg);
		e->logoff[f] = false;
	}
}

unsigned qt_engine_release(struct qt_engine *e, struct qt_nfq_handed *out,
			   unsigned max, struct qt_steer_config *sc,
			   bool *steered)
{
	*steered = e->steered;
	*sc = e->sc;
	e->steered = false;     /* stays installed: the next daemon's */
	__atomic_store_n(&e->stop, 1, __ATOMIC_RELAXED);
	wake_threads(e);
	unsigned n = 0;
	for (unsigned i = 0; i < e->nthreads; i++) {
		struct qthread *t = &e->th[i];
		if (t->started)
			pthread_join(t->tid, NULL);
		t->started = false;
		if (!t->q)
			continue;
		if (n < max) {
			out[n].nq = qt_nfq_bound(t->q, out[n].queues);
			out[n].fd = qt_nfq_release(t->q);
			n++;
		} else {
			qt_nfq_close(t->q);
		}
		t->q = NULL;
	}
	/* the next daemon makes the maps anew from the connections it is
	 * handed; until then none rewrites a flow nobody judges */
	offload_stop(e);
	logoff_stop(e);
	/* the watcher is joined by qt_engine_stop, after the handover */
	return n;
}

void qt_engine_stop(struct qt_engine *e)
{
	if (!e)
		return;
	char msg[512];
	/* steering first: from here on the kernel stops queueing */
	if (e->steered && qt_steer_remove(&e->sc, msg, sizeof(msg)) < 0)
		qt_log_daemon(LOG_ERR, "qtablesd: %s", msg);
	__atomic_store_n(&e->stop, 1, __ATOMIC_RELAXED);
	wake_threads(e);
	/* the watcher first: an address that goes has it take every
	 * connection table's lock (masq_forget), which must not be freed
	 * under it */
	if (e->watcher_started)
		pthread_join(e->watcher, NULL);
	e->watcher_started = false;
	/* no threads' table yet when the start was refused before it */
	for (unsigned i = 0; e->th && i < e->nthreads; i++) {
		struct qthread *t = &e->th[i];
		if (t->started)
			pthread_join(t->tid, NULL);
		if (t->q)
			qt_nfq_close(t->q);
		qt_natoff_close(t->off);
		t->off = NULL;
		if (t->rawfd >= 0)
			close(t->rawfd);
		if (t->rawfd6 >= 0)
			close(t->rawfd6);
		free(t->buf);
		qt_hold_free(t->hold);
		qt_ctg_free(t->ctg);
	}
	offload_stop(e);
	logoff_stop(e);
	free(e->th);
	qt_prog_free(e->prog);
	qt_prog_free(e->prog6);
	qt_rt_store_free(e->own_store6);
	for (unsigned i = 0; i < N_FEEDS; i++)
		qt_rtnl_watch_close(e->feeds[i]);
	if (e->wakefd >= 0)
		close(e->wakefd);
	free(e);
}

struct qt_engine *qt_engine_start(const struct qt_engine_opts *o,
				  struct qt_ruleset *rs, struct qt_buf *err)
{
	struct qt_engine *e = calloc(1, sizeof(*e));
	if (!e) {
		qt_buf_printf(err, "qtablesd: out of memory\n");
		return NULL;
	}
	e->o = *o;
	/* a handover fills the tables on the path of a restart: no wait
	 * for huge pages there (asked for once the threads run) */
	e->o.ct.defer_hugepages = o->prime != NULL;
	e->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct sigaction sa = { .sa_handler = wake_handler };
	sigemptyset(&sa.sa_mask);
	sigaction(WAKE_SIGNAL, &sa, NULL);   /* no SA_RESTART: EINTR */
	if (e->o.queue_last < e->o.queue_first)
		e->o.queue_last = e->o.queue_first;
	e->feeds[FEED_ADDRS] = qt_rtnl_feed_open(&qt_addrs_feed);
	e->feeds[FEED_LINKS] = e->feeds[FEED_ADDRS] ?
			       qt_rtnl_feed_open(&qt_links_feed) : NULL;
	if (!e->feeds[FEED_LINKS]) {
		qt_buf_printf(err, "qtablesd: cannot read the namespace's "
			      "addresses and interfaces: %s\n", strerror(errno));
		qt_engine_stop(e);
		return NULL;
	}
	e->addrs = qt_rtnl_feed_table(e->feeds[FEED_ADDRS]);
	e->links = qt_rtnl_feed_table(e->feeds[FEED_LINKS]);
	struct qt_engine_env env = {
		.addrs = e->addrs, .links = e->links,
		.log = log_line, .log_user = e,
		.send = send_raw, .hz = kernel_hz(),
	};
	/* counters (loaded from the state file, or of a daemon before)
	 * go on from where they are in the store */
	e->prog = compile(rs, &env, e->o.store, NULL, err);
	if (!e->prog || !nat_queues_ok(e, e->prog, err)) {
		qt_engine_stop(e);
		return NULL;
	}
	if (!e->o.store6)
		e->o.store6 = e->own_store6 = qt_rt_store_new();
	struct qt_ruleset *none6 = o->rs6 ? NULL : qt_ruleset_new(AF_INET6);
	if (e->o.store6 && (o->rs6 || none6))
		e->prog6 = compile(o->rs6 ? o->rs6 : none6, &env,
				   e->o.store6, NULL, err);
	qt_ruleset_free(none6);
	e->o.rs6 = NULL;        /* the caller's: not kept */
	if (!e->prog6 || !nat_queues_ok(e, e->prog6, err)) {
		if (!e->prog6 && !err->len)
			qt_buf_printf(err, "qtablesd: out of memory\n");
		qt_engine_stop(e);
		return NULL;
	}
	e->copy_range = copy_range_of(e->prog, e->prog6);
	e->copy_small = e->copy_range;
	e->owner = qt_prog_wants_owner(e->prog) ||
		   qt_prog_wants_owner(e->prog6);
	qt_log_sink_open(o->log_syslog, o->log_stderr);

	e->nthreads = (unsigned)(e->o.queue_last - e->o.queue_first) + 1;
	if (!o->l2_off && o->steer) {
		/* by default at the top of the numbers, where other NFQUEUE
		 * programs (which start from 0) are least likely to be */
		unsigned first = o->l2_set ? o->l2_first : 65536 - 2 * e->nthreads;
		unsigned last = first + 2 * e->nthreads - 1;
		bool bad = last > 65535 ||
			   (first <= o->queue_last && last >= o->queue_first);
		if (bad && o->l2_set) {
			qt_buf_printf(err, "qtablesd: link-layer queues %u-%u: %s\n",
				      first, last, last > 65535
				      ? "beyond 65535" : "overlap the main queues");
			qt_engine_stop(e);
			return NULL;
		}
		e->l2_ok = !bad;
		e->l2_bcast = (uint16_t)first;
		e->l2_mcast = (uint16_t)(first + e->nthreads);
	}
	/* handed sockets that do not fit are closed before anything is
	 * bound: their queues are free again for this daemon */
	for (unsigned i = 0; i < e->o.nhanded; i++)
		if (e->o.handed[i].fd >= 0 &&
		    (i >= e->nthreads || !adopted(e, i)))
			close(e->o.handed[i].fd);
	e->th = calloc(e->nthreads, sizeof(*e->th));
	if (!e->th) {
		qt_buf_printf(err, "qtablesd: out of memory\n");
		qt_engine_stop(e);
		return NULL;
	}
	for (unsigned i = 0; i < e->nthreads; i++) {
		struct qthread *t = &e->th[i];
		t->rawfd = -1;
		t->rawfd6 = -1;
		t->e = e;
		t->env = env;
		t->env.send_user = t;
		struct qt_nfq_config nc;
		qt_nfq_config_default(&nc);
		nc.queue = (uint16_t)(e->o.queue_first + i);
		nc.copy_range = e->copy_range;
		nc.max_copy_range = MAX_COPY;
		nc.fail_open = e->o.fail_open;
		/* the socket owner costs the kernel a lookup per packet:
		 * asked for only while a rule reads it */
		nc.uid_gid = e->owner;
		int eno;
		const struct qt_nfq_handed *h = adopted(e, i);
		t->q = h ? qt_nfq_adopt(&nc, h->fd, h->queues, h->nq, &eno)
			 : qt_nfq_open(&nc, &eno);
		if (t->q && h) {
			/* the kernel kept the last daemon's settings: this
			 * program's may differ */
			qt_nfq_set_copy_range(t->q, e->copy_range);
			qt_nfq_set_uid_gid(t->q, nc.uid_gid);
		}
		if (!t->q) {
			qt_buf_printf(err, "qtablesd: cannot bind NFQUEUE %u: "
				      "%s%s\n", nc.queue, strerror(eno),
				      eno == EPERM ? " (is another program "
				      "bound to it?)" : "");
			qt_engine_stop(e);
			return NULL;
		}
		if (e->l2_ok && !(h && h->nq == 3 &&
				  h->queues[1] == e->l2_bcast + i &&
				  h->queues[2] == e->l2_mcast + i))
			bind_l2(e, t, i);
		struct timeval tv = { 0, POLL_MS * 1000 };
		setsockopt(qt_nfq_fd(t->q), SOL_SOCKET, SO_RCVTIMEO, &tv,
			   sizeof(tv));
		t->rawfd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		/* none where IPv6 is off: its replies then count as errors */
		t->rawfd6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
				   IPPROTO_RAW);
		t->buf = malloc(MAX_COPY + GROW_ROOM);
		t->hold = qt_hold_new();
		/* the table's bound is shared out between the queues: each
		 * connection lives in the one its packets are balanced to */
		t->ctg = qt_ctg_new(&e->o.ct, ct_max_of(&e->o.ct) / e->nthreads);
		if (!t->buf || !t->hold || !t->ctg) {
			qt_buf_printf(err, "qtablesd: out of memory\n");
			qt_engine_stop(e);
			return NULL;
		}
	}
	if (o->prime)
		o->prime(e, o->prime_user);
	/* a daemon killed before left its maps rewriting flows nobody
	 * judges: gone before the first verdict (made anew once a
	 * program translates) */
	if (o->steer) {
		char msg[512];
		if (qt_natoff_remove_all(QT_NATOFF_NFT, msg, sizeof(msg)) < 0)
			qt_log_daemon(LOG_WARNING, "qtablesd: NAT offload: %s",
				      msg);
	}
	offload_ensure(e);
	set_copy_range(e, e->copy_range, copy_small_of(e, e->prog, e->prog6));
	/* log offload: what a killed daemon left goes, this daemon's
	 * tables come before its first verdict */
	if (o->steer) {
		char msg[512];
		if (qt_logoff_remove_all(QT_LOGOFF_NFT, msg, sizeof(msg)) < 0)
			qt_log_daemon(LOG_WARNING, "qtablesd: %s", msg);
		if (logoff_set(e, false, e->prog, hooks_of(e->prog), err) < 0 ||
		    logoff_set(e, true, e->prog6, hooks_of(e->prog6), err) < 0) {
			qt_engine_stop(e);
			return NULL;
		}
	}
	for (unsigned i = 0; i < e->nthreads; i++) {
		if (pthread_create(&e->th[i].tid, NULL, queue_thread,
				   &e->th[i]) != 0) {
			qt_buf_printf(err, "qtablesd: cannot start a thread\n");
			qt_engine_stop(e);
			return NULL;
		}
		e->th[i].started = true;
	}
	for (unsigned i = 0; e->o.ct.defer_hugepages && i < e->nthreads; i++)
		qt_ct_hugepages(qt_ctg_shard(e->th[i].ctg));
	if (pthread_create(&e->watcher, NULL, watch_thread, e) == 0)
		e->watcher_started = true;

	if (o->steer) {
		char msg[512];
		qt_steer_config_default(&e->sc, e->o.queue_first);
		e->sc.queue_last = e->o.queue_last;
		e->sc.bypass = e->o.fail_open;
		e->sc.hooks_set = true;
		e->sc.hooks = hooks_of(e->prog);
		e->sc.defrag = qt_prog_uses_ct(e->prog);
		e->sc.hooks6 = hooks_of(e->prog6);
		e->sc.defrag6 = qt_prog_uses_ct(e->prog6);
		e->sc.l2_first = e->l2_bcast;
		e->sc.l2 = wants_l2(e, e->prog, e->prog6);
		if (!steer_same(o->steered_now, &e->sc) &&
		    qt_steer_install(&e->sc, msg, sizeof(msg)) < 0) {
			qt_buf_printf(err, "qtablesd: %s\n", msg);
			qt_engine_stop(e);
			return NULL;
		}
		e->steered = true;
		__atomic_store_n(&e->l2_steered, e->sc.l2, __ATOMIC_RELEASE);
	}
	return e;
}

/* ---- commits ---- */


int qt_engine_commit(struct qt_engine *e, struct qt_ruleset *rs,
		     struct qt_buf *err)
{
	struct qt_engine_env env = e->th ? e->th[0].env : (struct qt_engine_env){ 0 };
	bool v6 = rs->family == AF_INET6;
	struct qt_prog **slot = v6 ? &e->prog6 : &e->prog;
	struct qt_prog *np = compile(rs, &env, v6 ? e->o.store6 : e->o.store,
				     *slot, err);
	if (!np)
		return -1;
	if (!nat_queues_ok(e, np, err)) {
		qt_prog_free(np);
		return -1;
	}
	/* the programs packets will see: the new one and the other
	 * family's */
	const struct qt_prog *p4 = v6 ? e->prog : np;
	const struct qt_prog *p6 = v6 ? np : e->prog6;
	/* new hooks are queued before the swap (their packets meet the
	 * old program for a moment, which does not count them: as if they
	 * came just before the commit); a steering change that fails
	 * fails the commit */
	uint8_t hooks = hooks_of(np);
	bool defrag = qt_prog_uses_ct(np);
	bool l2 = wants_l2(e, p4, p6);
	uint8_t *was_hooks = v6 ? &e->sc.hooks6 : &e->sc.hooks;
	bool *was_defrag = v6 ? &e->sc.defrag6 : &e->sc.defrag;
	if (e->steered && (hooks != *was_hooks || defrag != *was_defrag ||
			   l2 != e->sc.l2)) {
		char msg[512];
		struct qt_steer_config sc = e->sc;
		if (v6) {
			sc.hooks6 = hooks;
			sc.defrag6 = defrag;
		} else {
			sc.hooks = hooks;
			sc.defrag = defrag;
		}
		sc.l2 = l2;
		/* the link-layer rules are in both families' chains: a
		 * change of them changes both */
		unsigned which = l2 != e->sc.l2 ? QT_STEER_V4 | QT_STEER_V6
			       : v6 ? QT_STEER_V6 : QT_STEER_V4;
		/* stop telling HOST for the main queues before their
		 * broadcast frames stop going elsewhere; start after */
		if (!l2)
			__atomic_store_n(&e->l2_steered, 0, __ATOMIC_RELEASE);
		if (qt_steer_install_families(&sc, which, msg,
					      sizeof(msg)) < 0) {
			__atomic_store_n(&e->l2_steered, e->sc.l2, __ATOMIC_RELEASE);
			qt_buf_printf(err, "qtablesd: %s\n", msg);
			qt_prog_free(np);
			return -1;
		}
		e->sc = sc;
		__atomic_store_n(&e->l2_steered, l2, __ATOMIC_RELEASE);
		e->steer_changes++;
	}
	uint32_t range = copy_range_of(p4, p6);
	uint32_t small = copy_small_of(e, p4, p6);
	/* a larger copy first, so no packet judged by the new program
	 * lacks bytes it needs (packets already queued keep their copy) */
	if (range > e->copy_range || small > e->copy_small)
		set_copy_range(e, range > e->copy_range ? range : e->copy_range,
			       small > e->copy_small ? small : e->copy_small);
	/* the owner asked for before a rule reads it, and not asked for
	 * any more only after no program reads it */
	bool owner = qt_prog_wants_owner(p4) || qt_prog_wants_owner(p6);
	if (owner && !e->owner)
		set_owner(e, true);
	/* the kernel's log table for the new program before it judges
	 * (fail closed: a table that cannot be made fails the commit);
	 * taken away only once no packet can be tagged for it */
	if (qt_prog_nflog_slots(np) && logoff_set(e, v6, np, hooks, err) < 0) {
		qt_prog_free(np);
		return -1;
	}
	struct qt_prog *old = rcu_xchg_pointer(slot, np);
	synchronize_rcu();
	qt_prog_free(old);
	if (!qt_prog_nflog_slots(np)) {
		struct qt_buf m;
		qt_buf_init(&m);
		if (logoff_set(e, v6, np, hooks, &m) < 0)
			qt_log_daemon(LOG_ERR, "qtablesd: %s", qt_buf_str(&m));
		qt_buf_free(&m);
	}
	if (!owner && e->owner)
		set_owner(e, false);
	/* the small copy once the first program that translates has its
	 * offload table */
	offload_ensure(e);
	set_copy_range(e, range, copy_small_of(e, p4, p6));
	e->commits++;
	return 0;
}

int qt_engine_commit_nft(struct qt_engine *e, struct qt_ruleset *rs4,
			 struct qt_ruleset *rs6, struct qt_buf *err)
{
	struct qt_ruleset *none6 = rs6 ? NULL : qt_ruleset_new(AF_INET6);
	int rc = qt_engine_commit(e, rs4, err);
	if (rc == 0)
		rc = qt_engine_commit(e, rs6 ? rs6 : none6, err);
	qt_ruleset_free(none6);
	return rc;
}

/* ---- the store ---- */

struct qt_rt_store *qt_engine_store(struct qt_engine *e)
{
	return e->o.store;
}

struct qt_rt_store *qt_engine_store6(struct qt_engine *e)
{
	return e->o.store6;
}

void qt_engine_mark(struct qt_engine *e)
{
	qt_prog_mark(e->prog, e->o.store);
	qt_prog_mark(e->prog6, e->o.store6);
}

/* ---- statistics ---- */

static void kernel_queue_stats(struct qt_buf *out)
{
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "r");
	if (!f) {
		qt_buf_printf(out, "kernel: /proc/net/netfilter/nfnetlink_queue "
			      "unreadable: %s\n", strerror(errno));
		return;
	}
	unsigned q, portid, total, mode, range, qdrop, udrop, seq, one;
	char line[256];
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %u %u %u %u %u %u %u %u", &q, &portid,
			   &total, &mode, &range, &qdrop, &udrop, &seq,
			   &one) == 9)
			qt_buf_printf(out, "kernel queue %u: waiting %u, copy "
				      "range %u, queue_dropped %u, "
				      "user_dropped %u, id_sequence %u\n",
				      q, total, range, qdrop, udrop, seq);
	fclose(f);
}

/* The kernel's view of the queues as metrics. */
static void kernel_queue_metrics(struct qt_metrics *m)
{
	static const struct { const char *name, *help; } what[] = {
		{ "qtables_kernel_queue_waiting",
		  "packets waiting in the kernel's queue" },
		{ "qtables_kernel_queue_dropped_total",
		  "packets the kernel dropped: queue full" },
		{ "qtables_kernel_user_dropped_total",
		  "packets the kernel dropped: the socket's buffer full" },
	};
	for (unsigned k = 0; k < 3; k++) {
		qt_metrics_family(m, what[k].name, k ? QT_COUNTER : QT_GAUGE,
				  what[k].help);
		FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "r");
		unsigned q, portid, total, mode, range, qdrop, udrop, seq, one;
		char line[256];
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%u %u %u %u %u %u %u %u %u", &q, &portid,
				   &total, &mode, &range, &qdrop, &udrop, &seq,
				   &one) == 9) {
				char qn[8];
				snprintf(qn, sizeof(qn), "%u", q);
				qt_metrics_sample(m, k == 0 ? total : k == 1 ? qdrop
						  : udrop, "queue", qn, NULL);
			}
		if (f)
			fclose(f);
	}
}

#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* The NAT offload's line: connections whose rewrites went to the
 * kernel, left it, were refused; batches sent; maps flushed. */
static void offload_stats(struct qt_engine *e, struct qt_buf *out)
{
	struct qt_natoff_stats sum = { 0 };
	for (unsigned i = 0; i < e->nthreads; i++) {
		if (!e->th[i].off)
			continue;
		const struct qt_natoff_stats *s = qt_natoff_stats(e->th[i].off);
		sum.offloaded += RD(s->offloaded);
		sum.forgotten += RD(s->forgotten);
		sum.refused += RD(s->refused);
		sum.batches += RD(s->batches);
		sum.flushes += RD(s->flushes);
		sum.wait_us += RD(s->wait_us);
		if (RD(s->wait_max_us) > sum.wait_max_us)
			sum.wait_max_us = RD(s->wait_max_us);
	}
	qt_buf_printf(out, "nat offload: IPv4 %s, IPv6 %s (table %s); "
		      "connections offloaded %llu, forgotten %llu, refused "
		      "%llu; batches %llu, flushes %llu; queue threads "
		      "waited %llu us for the kernel, at most %llu us\n",
		      e->natoff[0] ? "on" : "off", e->natoff[1] ? "on" : "off",
		      QT_NATOFF_TABLE, (unsigned long long)sum.offloaded,
		      (unsigned long long)sum.forgotten,
		      (unsigned long long)sum.refused,
		      (unsigned long long)sum.batches,
		      (unsigned long long)sum.flushes,
		      (unsigned long long)sum.wait_us,
		      (unsigned long long)sum.wait_max_us);
}

/* log group: the tables, packets tagged for the kernel to log, log
 * statements met beyond the two a tag holds (not logged). */
static void logoff_stats(struct qt_engine *e, struct qt_buf *out)
{
	uint64_t tagged = 0, over = 0, unlike = 0;
	for (unsigned i = 0; i < e->nthreads; i++) {
		tagged += RD(e->th[i].nflog_tagged);
		over += RD(e->th[i].nflog_over);
		unlike += RD(e->th[i].nflog_unlike);
	}
	qt_buf_printf(out, "log offload: IPv4 %s, IPv6 %s (table %s); "
		      "packets tagged %llu; log statements not logged (more "
		      "than %u for one packet) %llu, logged with the packet "
		      "rewritten otherwise than they met it %llu\n",
		      e->logoff[0] ? "on" : "off", e->logoff[1] ? "on" : "off",
		      QT_LOGOFF_TABLE, (unsigned long long)tagged,
		      QT_NFLOG_HITS, (unsigned long long)over,
		      (unsigned long long)unlike);
}

void qt_engine_stats(struct qt_engine *e, struct qt_buf *out)
{
	qt_buf_printf(out, "engine: %u queue%s (%u-%u), %s, copy range %u, "
		      "commits %llu\n", e->nthreads, e->nthreads == 1 ? "" : "s",
		      e->o.queue_first, e->o.queue_last,
		      e->o.fail_open ? "fail-open" : "fail-closed",
		      e->copy_range, (unsigned long long)e->commits);
	if (e->copy_small < e->copy_range)
		qt_buf_printf(out, "copy range while the kernel translates: "
			      "%u (whole packets when qtablesd may rewrite "
			      "one itself)\n", e->copy_small);
	qt_buf_printf(out, "steering: hooks");
	for (unsigned h = 0; h < QT_HOOK_COUNT; h++)
		if (e->sc.hooks & (1u << h))
			qt_buf_printf(out, " %s", qt_nfq_hook_name(h));
	if (!e->steered || !e->sc.hooks)
		qt_buf_printf(out, " none");
	qt_buf_printf(out, " (changed %llu times)\n",
		      (unsigned long long)e->steer_changes);
	qt_buf_printf(out, "steering IPv6: hooks");
	for (unsigned h = 0; h < QT_HOOK_COUNT; h++)
		if (e->sc.hooks6 & (1u << h))
			qt_buf_printf(out, " %s", qt_nfq_hook_name(h));
	if (!e->steered || !e->sc.hooks6)
		qt_buf_printf(out, " none");
	qt_buf_printf(out, "\n");
	offload_stats(e, out);
	logoff_stats(e, out);
	if (e->l2_ok)
		qt_buf_printf(out, "link-layer queues: broadcast %u-%u, multicast "
			      "%u-%u, %s\n", e->l2_bcast,
			      e->l2_bcast + e->nthreads - 1, e->l2_mcast,
			      e->l2_mcast + e->nthreads - 1,
			      e->sc.l2 ? "steered to" : "idle (no rule reads the "
			      "frame's type)");
	else
		qt_buf_printf(out, "link-layer queues: none (frame types derived "
			      "from the IP destination)\n");
	qt_log_sink_describe(out);
	for (unsigned i = 0; i < e->nthreads; i++) {
		struct qthread *t = &e->th[i];
		const struct qt_nfq_stats *s = qt_nfq_stats(t->q);
		qt_buf_printf(out, "queue %u: packets %llu (", e->o.queue_first + i,
			      (unsigned long long)RD(s->packets));
		for (unsigned h = 0; h < QT_HOOK_COUNT; h++)
			qt_buf_printf(out, "%s%s %llu", h ? ", " : "",
				      qt_nfq_hook_name(h),
				      (unsigned long long)RD(s->by_hook[h]));
		uint64_t batches = RD(s->batches), batched = RD(s->batched);
		qt_buf_printf(out, ")\n"
			"  verdicts: accept %llu, drop %llu, rewritten %llu, "
			"marked %llu, queued again whole %llu, behind one of "
			"their flow %llu\n"
			"  messages: batch verdicts %llu covering %llu packets "
			"(%.1f per batch), single accepts %llu, receives %llu, "
			"sends %llu\n"
			"  errors: parse %llu, truncated %llu, overflow %llu, "
			"bad messages %llu, netlink %llu, send %llu, "
			"too deep %llu\n"
			"  rules tried %llu; REJECT replies sent %llu, "
			"not sent %llu\n",
			(unsigned long long)RD(t->accepted),
			(unsigned long long)RD(t->dropped),
			(unsigned long long)RD(t->rewritten),
			(unsigned long long)RD(t->marked),
			(unsigned long long)RD(t->requeued),
			(unsigned long long)RD(t->held),
			(unsigned long long)batches, (unsigned long long)batched,
			batches ? (double)batched / (double)batches : 0.0,
			(unsigned long long)RD(s->accepts),
			(unsigned long long)RD(s->receives),
			(unsigned long long)RD(s->sends),
			(unsigned long long)RD(t->parse_errors),
			(unsigned long long)RD(s->truncated),
			(unsigned long long)RD(s->overflow),
			(unsigned long long)RD(s->bad),
			(unsigned long long)RD(s->nl_errors),
			(unsigned long long)RD(s->send_errors),
			(unsigned long long)RD(t->ps.too_deep),
			(unsigned long long)RD(t->ps.rules_tried),
			(unsigned long long)RD(t->rejects_sent),
			(unsigned long long)RD(t->send_errors));
		const struct qt_hold_stats *hs =
			t->hold ? qt_hold_stats(t->hold) : NULL;
		if (hs && (RD(hs->lost) || RD(hs->expired) || RD(hs->overflow)))
			qt_buf_printf(out, "  packets queued again: never back "
				      "%llu, flows let go %llu, judged out of "
				      "turn %llu\n",
				      (unsigned long long)RD(hs->lost),
				      (unsigned long long)RD(hs->expired),
				      (unsigned long long)RD(hs->overflow));
		if (t->ctg) {
			struct qt_ct *ct = qt_ctg_shard(t->ctg);
			const struct qt_ctg_stats *g = qt_ctg_stats(t->ctg);
			qt_ct_lock(ct);
			const struct qt_ct_stats *c = qt_ct_stats(ct);
			qt_buf_printf(out, "  conntrack: %u entries (at most %u), "
				"invalid %llu, drop %llu, early_drop %llu, "
				"expired %llu; confirmed %llu, abandoned %llu\n",
				qt_ct_count(ct), qt_ct_config(ct)->max,
				(unsigned long long)c->invalid,
				(unsigned long long)c->drop,
				(unsigned long long)c->early_drop,
				(unsigned long long)c->expired,
				(unsigned long long)g->confirmed,
				(unsigned long long)g->abandoned);
			qt_ct_unlock(ct);
		}
	}
	kernel_queue_stats(out);
}

/* One sample per queue of a field of its thread, queue NFQUEUE stats or
 * both: the families below are "for each queue, this number". */
#define PER_QUEUE(m, expr, ...)                                             \
	for (unsigned i_ = 0; i_ < e->nthreads; i_++) {                     \
		struct qthread *t = &e->th[i_];                             \
		const struct qt_nfq_stats *s = qt_nfq_stats(t->q);          \
		char qn[8];                                                 \
		(void)s;                                                    \
		snprintf(qn, sizeof(qn), "%u", e->o.queue_first + i_);      \
		qt_metrics_sample(m, (expr), "queue", qn, ##__VA_ARGS__, NULL); \
	}

void qt_engine_metrics(struct qt_engine *e, struct qt_metrics *m)
{
	qt_metrics_family(m, "qtables_queues", QT_GAUGE,
			  "NFQUEUE queues the engine serves (one thread each)");
	char first[8], last[8];
	snprintf(first, sizeof(first), "%u", e->o.queue_first);
	snprintf(last, sizeof(last), "%u", e->o.queue_last);
	qt_metrics_sample(m, e->nthreads, "first", first, "last", last, NULL);
	qt_metrics_family(m, "qtables_fail_open", QT_GAUGE,
			  "1 when packets pass unjudged while no daemon runs");
	qt_metrics_sample(m, e->o.fail_open, NULL);
	qt_metrics_family(m, "qtables_copy_range_bytes", QT_GAUGE,
			  "bytes of each packet the kernel copies to the engine");
	qt_metrics_sample(m, e->copy_range, NULL);
	qt_metrics_family(m, "qtables_commits_total", QT_COUNTER,
			  "rulesets compiled and swapped in");
	qt_metrics_sample(m, e->commits, NULL);
	qt_metrics_family(m, "qtables_steering_changes_total", QT_COUNTER,
			  "times the steering rules were changed");
	qt_metrics_sample(m, e->steer_changes, NULL);
	qt_metrics_family(m, "qtables_steered_hook", QT_GAUGE,
			  "1 for each hook whose packets are queued to the engine");
	for (unsigned h = 0; h < QT_HOOK_COUNT; h++)
		qt_metrics_sample(m, e->steered && (e->sc.hooks & (1u << h)),
				  "hook", qt_nfq_hook_name(h), NULL);

	qt_metrics_family(m, "qtables_packets_total", QT_COUNTER,
			  "packets received from the queue, by hook");
	for (unsigned h = 0; h < QT_HOOK_COUNT; h++)
		PER_QUEUE(m, RD(s->by_hook[h]), "hook", qt_nfq_hook_name(h));
	static const char *const verdicts[] = { "accept", "drop", "rewritten",
						"marked" };
	qt_metrics_family(m, "qtables_verdicts_total", QT_COUNTER,
			  "verdicts given, by kind");
	for (unsigned v = 0; v < 4; v++)
		PER_QUEUE(m, v == 0 ? RD(t->accepted) : v == 1 ? RD(t->dropped) :
			     v == 2 ? RD(t->rewritten) : RD(t->marked),
			  "verdict", verdicts[v]);
	qt_metrics_family(m, "qtables_verdict_batches_total", QT_COUNTER,
			  "batch verdict messages sent");
	PER_QUEUE(m, RD(s->batches));
	qt_metrics_family(m, "qtables_verdict_batched_packets_total", QT_COUNTER,
			  "packets accepted by batch verdicts");
	PER_QUEUE(m, RD(s->batched));
	qt_metrics_family(m, "qtables_rules_tried_total", QT_COUNTER,
			  "candidate rules whose matches ran");
	PER_QUEUE(m, RD(t->ps.rules_tried));
	static const char *const errs[] = { "parse", "truncated", "overflow",
		"bad_message", "netlink", "send", "too_deep" };
	qt_metrics_family(m, "qtables_errors_total", QT_COUNTER,
			  "packets or messages lost to an error, by kind");
	for (unsigned k = 0; k < 7; k++)
		PER_QUEUE(m, k == 0 ? RD(t->parse_errors) :
			     k == 1 ? RD(s->truncated) :
			     k == 2 ? RD(s->overflow) :
			     k == 3 ? RD(s->bad) :
			     k == 4 ? RD(s->nl_errors) :
			     k == 5 ? RD(s->send_errors) : RD(t->ps.too_deep),
			  "kind", errs[k]);
	qt_metrics_family(m, "qtables_reject_replies_total", QT_COUNTER,
			  "REJECT replies, sent or not");
	PER_QUEUE(m, RD(t->rejects_sent), "result", "sent");
	PER_QUEUE(m, RD(t->send_errors), "result", "not_sent");

	/* connection tracking, where the queue thread keeps a table */
	qt_metrics_family(m, "qtables_conntrack_entries", QT_GAUGE,
			  "connections tracked now");
	PER_QUEUE(m, t->ctg ? qt_ct_count(qt_ctg_shard(t->ctg)) : 0);
	qt_metrics_family(m, "qtables_conntrack_max", QT_GAUGE,
			  "connections tracked at most");
	PER_QUEUE(m, t->ctg ? qt_ct_config(qt_ctg_shard(t->ctg))->max : 0);
	static const char *const ev[] = { "invalid", "drop", "early_drop",
		"expired", "confirmed", "abandoned" };
	qt_metrics_family(m, "qtables_conntrack_events_total", QT_COUNTER,
			  "connection tracking events, by kind");
	for (unsigned k = 0; k < 6; k++)
		for (unsigned i = 0; i < e->nthreads; i++) {
			struct qthread *t = &e->th[i];
			uint64_t v = 0;
			if (t->ctg) {
				struct qt_ct *ct = qt_ctg_shard(t->ctg);
				const struct qt_ctg_stats *g = qt_ctg_stats(t->ctg);
				qt_ct_lock(ct);
				const struct qt_ct_stats *c = qt_ct_stats(ct);
				v = k == 0 ? c->invalid : k == 1 ? c->drop :
				    k == 2 ? c->early_drop : k == 3 ? c->expired :
				    k == 4 ? g->confirmed : g->abandoned;
				qt_ct_unlock(ct);
			}
			char qn[8];
			snprintf(qn, sizeof(qn), "%u", e->o.queue_first + i);
			qt_metrics_sample(m, v, "queue", qn, "event", ev[k], NULL);
		}
	kernel_queue_metrics(m);
}

bool qt_engine_alive(struct qt_engine *e, uint64_t max_age_ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (unsigned i = 0; i < e->nthreads; i++) {
		uint64_t b = __atomic_load_n(&e->th[i].beat_ns, __ATOMIC_RELAXED);
		if (!b || now - b > max_age_ns)
			return false;
	}
	return true;
}

/* ---- connection tracking views ---- */

unsigned qt_engine_ct_shards(struct qt_engine *e)
{
	return e ? e->nthreads : 0;
}

struct qt_ct *qt_engine_ct_shard(struct qt_engine *e, unsigned i)
{
	return e && i < e->nthreads && e->th[i].ctg ? qt_ctg_shard(e->th[i].ctg)
						    : NULL;
}
