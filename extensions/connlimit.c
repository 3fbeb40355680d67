/* -m connlimit: the number of connections of an address group
 * (xt_connlimit revision 1). The mask is a prefix length; without
 * --connlimit-mask it is the full 128 bits (shown as 32 for IPv4, but a
 * different rule for -D than an explicit 32, as in iptables). */
#include <stdlib.h>
#include <time.h>

#include "spinlock.h"
#include "ct_entry.h"
#include "ext.h"

#define CL_INVERT 0x01         /* XT_CONNLIMIT_INVERT: "above" */
#define CL_DADDR  0x02         /* XT_CONNLIMIT_DADDR */

struct connlimit_data {
	uint32_t limit;
	uint32_t flags;        /* CL_* */
	uint8_t plen;          /* 0..32, or QT_PLEN_FULL */
	uint8_t pad[3];
};

enum { O_UPTO, O_ABOVE, O_MASK, O_SADDR, O_DADDR };
#define D struct connlimit_data

static const struct qt_ext_opt connlimit_opts[] = {
	/* "! --connlimit-upto" is --connlimit-above and back (parse) */
	{ .name = "connlimit-upto", .id = O_UPTO, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(D, limit), .excl = QT_BIT(O_ABOVE) },
	{ .name = "connlimit-above", .id = O_ABOVE, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(D, limit), .excl = QT_BIT(O_UPTO) },
	{ .name = "connlimit-mask", .id = O_MASK, .type = QT_OT_PLEN,
	  QT_PUT(D, plen) },
	/* the two exclude each other, so saddr has nothing to clear */
	{ .name = "connlimit-saddr", .id = O_SADDR, .excl = QT_BIT(O_DADDR) },
	{ .name = "connlimit-daddr", .id = O_DADDR, .type = QT_OT_BITS,
	  .value = CL_DADDR, QT_PUT(D, flags), .excl = QT_BIT(O_SADDR) },
	{ .name = NULL },
};
#undef D

static void connlimit_init(struct qt_ext_inst *in)
{
	struct connlimit_data *d = in->data;
	d->plen = QT_PLEN_FULL;
}

static int connlimit_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			   struct qt_ctx *ctx)
{
	struct connlimit_data *d = in->data;
	(void)ctx;
	if (a->opt->id != O_UPTO && a->opt->id != O_ABOVE)
		return 0;
	if ((a->opt->id == O_ABOVE) != a->invert)
		d->flags |= CL_INVERT;
	else
		d->flags &= ~(uint32_t)CL_INVERT;
	return 0;
}

static int connlimit_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			   struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (QT_BIT(O_UPTO) | QT_BIT(O_ABOVE))))
		return qt_param_error(ctx,
			"You must specify \"--connlimit-above\" or \"--connlimit-upto\".");
	return 0;
}

/* The prefix as iptables prints it for IPv4: the bits of the first
 * word; ip6tables all of them. */
static unsigned shown_plen(const struct qt_ext_inst *in)
{
	const struct connlimit_data *d = in->data;
	if (in->family == AF_INET6)
		return d->plen > 128 ? 128 : d->plen;
	return d->plen > 32 ? 32 : d->plen;
}

static void connlimit_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct connlimit_data *d = in->data;
	qt_buf_printf(b, " --connlimit-%s %u --connlimit-mask %u --connlimit-%s",
		      d->flags & CL_INVERT ? "above" : "upto", d->limit,
		      shown_plen(in), d->flags & CL_DADDR ? "daddr" : "saddr");
}

static void connlimit_print(const struct qt_ext_inst *in, struct qt_buf *b,
			    bool numeric)
{
	const struct connlimit_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " #conn %s/%u %s %u",
		      d->flags & CL_DADDR ? "dst" : "src", shown_plen(in),
		      d->flags & CL_INVERT ? ">" : "<=", d->limit);
}

/* ---- engine side: xt_connlimit over nf_conncount ----
 *
 * The kernel keeps, per rule, a tree of keys (the packet's source or
 * destination address under the mask) each with a list of the
 * connection tuples seen; a packet's count is its key's list after the
 * list was swept of connections whose conntrack entry is gone or, for
 * TCP, in TIME_WAIT or CLOSE, with the packet's own connection added
 * when it is not in the list yet. Here a list holds (entry, id) pairs:
 * the entry is found again by pointer, and it is the same connection
 * while its id is (ids are never reused).
 *
 * Threads: the state is shared by every queue thread (one spinlock per
 * rule). A pair may point into another thread's shard, whose lock we
 * do not hold: entries come from a pool that is never freed while the
 * engine runs, so reading them is memory-safe, and the reads are a
 * benign race: id, status and TCP state are read with relaxed atomic
 * loads and id is read again after the others, so a slot reused in
 * between reads as a different connection (gone), and a state change
 * racing the read is at worst seen one packet late.
 *
 * An entry not confirmed yet that is not the packet's own is a packet
 * in flight between its hooks (its last hook confirms it): like the
 * kernel, which keeps such an entry for 2 jiffies when another CPU
 * added it, it counts for 2 jiffies after it was added, then goes.
 *
 * Memory is bounded: CL_KEYS keys and CL_NODES pairs per rule, taken
 * from arrays made at compile (touched only as they are used). When a
 * pair or a key is needed and none is free, up to CL_RECLAIM other keys
 * are swept for gone connections; if that frees nothing the packet is
 * dropped, as the kernel drops it when it cannot allocate the list
 * entry (nf_conncount_count returning 0: hotdrop). A packet without an
 * entry (INVALID, UNTRACKED) counts itself once and is not kept: the
 * kernel adds its tuple and drops it at the next sweep, since no
 * conntrack entry has it; a packet without a tuple at all (truncated,
 * a later fragment) is dropped, as the kernel does. */
#define CL_BUCKETS 4096u         /* power of two */
#define CL_KEYS    16384u
#define CL_NODES   65536u
#define CL_RECLAIM 64u

struct cl_node {
	struct qt_ct_entry *e;
	uint64_t added;          /* ns, for the in-flight grace */
	uint32_t id;             /* e->id when added */
	uint32_t next;           /* index + 1; 0 ends (list or free list) */
};

struct cl_key {
	uint32_t addr;           /* masked, network order */
	uint32_t next;           /* bucket chain or free list (index + 1) */
	uint32_t head;           /* pairs (index + 1); 0: key not in use */
	uint32_t count;
};

struct cl_state {
	qt_spinlock lock;
	uint32_t seed;
	uint64_t grace_ns;
	uint32_t key_free, node_free;   /* free lists (index + 1) */
	uint32_t key_used, node_used;   /* high-water marks */
	uint32_t sweep;                 /* reclaim cursor over keys */
	uint32_t bucket[CL_BUCKETS];    /* index + 1 */
	struct cl_key keys[CL_KEYS];
	struct cl_node nodes[CL_NODES];
};

static uint32_t cl_hash(const struct cl_state *st, uint32_t a)
{
	uint32_t h = a ^ st->seed;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h & (CL_BUCKETS - 1);
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Is the connection of n still to be counted? cur: the packet's own. */
static bool cl_alive(const struct cl_node *n, const struct qt_ct_entry *cur,
		     uint64_t now, uint64_t grace)
{
	const struct qt_ct_entry *e = n->e;
	if (LOAD(e->id) != n->id)
		return false;
	if (e == cur)   /* the kernel finds its own tuple before it asks */
		return true;
	uint32_t status = LOAD(e->status);
	uint8_t proto = LOAD(e->t[QT_CT_ORIG].proto);
	uint8_t tcp = LOAD(e->p.tcp.state);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (LOAD(e->id) != n->id || (status & QT_IPS_DYING))
		return false;
	if (!(status & QT_IPS_CONFIRMED) && now - n->added >= grace)
		return false;
	if (proto == IPPROTO_TCP &&
	    (tcp == QT_TCP_TIME_WAIT || tcp == QT_TCP_CLOSE))
		return false;
	return true;
}

static void cl_node_put(struct cl_state *st, uint32_t i)
{
	st->nodes[i].e = NULL;
	st->nodes[i].next = st->node_free;
	st->node_free = i + 1;
}

static uint32_t cl_node_get(struct cl_state *st)
{
	if (st->node_free) {
		uint32_t i = st->node_free - 1;
		st->node_free = st->nodes[i].next;
		return i + 1;
	}
	if (st->node_used < CL_NODES)
		return ++st->node_used;
	return 0;
}

/* Sweep key k's list of gone connections; returns how many it drops. */
static uint32_t cl_sweep(struct cl_state *st, struct cl_key *k,
			 const struct qt_ct_entry *cur, uint64_t now)
{
	uint32_t *link = &k->head, dropped = 0;
	while (*link) {
		uint32_t i = *link - 1;
		struct cl_node *n = &st->nodes[i];
		if (cl_alive(n, cur, now, st->grace_ns)) {
			link = &n->next;
			continue;
		}
		*link = n->next;
		cl_node_put(st, i);
		k->count--;
		dropped++;
	}
	return dropped;
}

/* A key whose list is empty goes back to the free list. */
static void cl_key_drop(struct cl_state *st, uint32_t ki)
{
	struct cl_key *k = &st->keys[ki];
	uint32_t *link = &st->bucket[cl_hash(st, k->addr)];
	while (*link && *link != ki + 1)
		link = &st->keys[*link - 1].next;
	if (*link)
		*link = k->next;
	k->head = 0;
	k->count = 0;
	k->next = st->key_free;
	st->key_free = ki + 1;
}

/* Sweep up to CL_RECLAIM keys other than keep; true if anything freed. */
static bool cl_reclaim(struct cl_state *st, uint32_t keep,
		       const struct qt_ct_entry *cur, uint64_t now)
{
	bool freed = false;
	for (uint32_t n = 0; n < CL_RECLAIM && st->key_used; n++) {
		uint32_t ki = st->sweep++ % st->key_used;
		struct cl_key *k = &st->keys[ki];
		if (!k->head || ki + 1 == keep)
			continue;
		if (cl_sweep(st, k, cur, now))
			freed = true;
		if (!k->head)
			cl_key_drop(st, ki);
	}
	return freed;
}

static uint32_t cl_key_find(struct cl_state *st, uint32_t addr)
{
	uint32_t i = st->bucket[cl_hash(st, addr)];
	while (i && st->keys[i - 1].addr != addr)
		i = st->keys[i - 1].next;
	return i;
}

static uint32_t cl_key_new(struct cl_state *st, uint32_t addr)
{
	uint32_t i;
	if (st->key_free) {
		i = st->key_free - 1;
		st->key_free = st->keys[i].next;
	} else if (st->key_used < CL_KEYS) {
		i = st->key_used++;
	} else {
		return 0;
	}
	struct cl_key *k = &st->keys[i];
	uint32_t *b = &st->bucket[cl_hash(st, addr)];
	k->addr = addr;
	k->head = 0;
	k->count = 0;
	k->next = *b;
	*b = i + 1;
	return i + 1;
}

/* The count for the packet (its own connection included), or 0 when it
 * could not be kept (the kernel's allocation failure). */
static uint32_t cl_count(struct cl_state *st, uint32_t addr,
			 struct qt_ct_entry *cur, uint64_t now)
{
	uint32_t ki = cl_key_find(st, addr), count = 0;
	bool listed = false;
	if (ki) {
		struct cl_key *k = &st->keys[ki - 1];
		cl_sweep(st, k, cur, now);
		for (uint32_t i = k->head; i; i = st->nodes[i - 1].next)
			if (st->nodes[i - 1].e == cur)
				listed = true;
		count = k->count;
	}
	if (!cur) {
		/* counted once, never kept */
		if (ki && !st->keys[ki - 1].head)
			cl_key_drop(st, ki - 1);
		return count + 1;
	}
	if (listed)
		return count;
	uint32_t ni = cl_node_get(st);
	if (!ni && cl_reclaim(st, ki, cur, now))
		ni = cl_node_get(st);
	if (!ni)
		goto full;
	if (!ki) {
		ki = cl_key_new(st, addr);
		if (!ki && cl_reclaim(st, 0, cur, now))
			ki = cl_key_new(st, addr);
		if (!ki) {
			cl_node_put(st, ni - 1);
			goto full;
		}
	}
	struct cl_key *k = &st->keys[ki - 1];
	struct cl_node *n = &st->nodes[ni - 1];
	n->e = cur;
	n->id = cur->id;
	n->added = now;
	n->next = k->head;
	k->head = ni;
	k->count++;
	return k->count;
full:
	if (ki && !st->keys[ki - 1].head)
		cl_key_drop(st, ki - 1);
	return 0;
}

static bool connlimit_match_fn(const struct qt_ext_inst *in,
			       struct qt_eval *ev)
{
	const struct connlimit_data *d = in->data;
	struct cl_state *st = qt_ext_state(in);
	struct qt_ct_entry *e = qt_ctv_entry(ev);
	struct qt_ct_tuple t;

	if (!st || (!e && !qt_ct_tuple_of(&ev->pkt, &t))) {
		ev->hotdrop = true;
		return false;
	}
	uint32_t mask[4];
	qt_plen_mask(d->plen, mask);
	uint32_t addr = (d->flags & CL_DADDR ? ev->pkt.daddr.v4.s_addr
					     : ev->pkt.saddr.v4.s_addr) & mask[0];
	qt_spin_lock(&st->lock);
	uint32_t n = cl_count(st, addr, e, ev->now_ns);
	qt_spin_unlock(&st->lock);
	if (n == 0) {
		ev->hotdrop = true;
		return false;
	}
	/* CL_INVERT is --connlimit-above here */
	return (n > d->limit) == !!(d->flags & CL_INVERT);
}

static int connlimit_state_new(const struct qt_ext_inst *in,
			       const struct qt_engine_env *env, void **state)
{
	(void)in;
	struct cl_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -1;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	qt_spin_init(&st->lock);
	st->seed = (uint32_t)ts.tv_nsec ^ (uint32_t)(uintptr_t)st;
	unsigned hz = env && env->hz ? env->hz : 250;
	st->grace_ns = 2000000000ull / hz;
	*state = st;
	return 0;
}

static void connlimit_state_free(void *state)
{
	free(state);
}

static const struct qt_ext connlimit_match = {
	.name = "connlimit",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct connlimit_data),
	.opts = connlimit_opts,
	.init = connlimit_init,
	.parse = connlimit_parse,
	.check = connlimit_check,
	.save = connlimit_save,
	.print = connlimit_print,
	.match = connlimit_match_fn,
	.state_new = connlimit_state_new,
	.state_free = connlimit_state_free,
	.conntrack = true,
	.help =
		"  --connlimit-upto n     match if the number of existing connections is 0..n\n"
		"  --connlimit-above n    match if the number of existing connections is >n\n"
		"  --connlimit-mask n     group hosts using prefix length (default: max len)\n"
		"  --connlimit-saddr      select source address for grouping\n"
		"  --connlimit-daddr      select destination addresses for grouping\n",
};
QT_EXT_REGISTER(connlimit_match)
