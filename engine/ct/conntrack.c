/* One shard of the connection table (engine/ct/conntrack.h).
 *
 * Memory: a pool of max entries allocated once with calloc, so the OS
 * gives pages only as entries are first used; freed entries go on a
 * free list (linked through hnext[0]). A hash table of buckets (a power
 * of two >= max) holds every entry twice, by its original and by its
 * reply tuple; a chain link names the next node as (pool index << 1 |
 * direction) + 1, so a walk knows which of the entry's two links to
 * follow. The hash is a multiply-xorshift over the tuple (IPv4: its 16
 * bytes that are not the zero upper address words) with a random seed
 * per shard; lookups compare tuples as 64-bit words.
 *
 * Life of an entry: qt_ct_in() makes it for a first packet and puts it
 * in the hash at once (later hooks of the same packet, and packets in
 * flight behind it, find it), but not in the expiry wheel: it waits on
 * the unconfirmed list until qt_ct_confirm() links it for expiry or
 * qt_ct_abandon() removes it. Should the engine do neither, the entry is
 * removed UNCONFIRMED_SECS after its creation by qt_ct_expire().
 *
 * Expiry: a hashed timing wheel of 1 s slots. An entry is linked in the
 * slot of the second its timeout ends in (rounded up), so when the wheel
 * reaches a slot every entry there is due - unless its timeout was moved
 * later since (trackers only write e->expires): such an entry is moved
 * to its new slot when its old one comes round (lazily, one move per
 * packet-free visit). An entry whose timeout was moved earlier is moved
 * at once by qt_ct_in(). A slot holds entries of every round of the
 * wheel; those of a later round are left in place. qt_ct_expire() visits
 * at most budget entries per call, and remembers where it stopped, so
 * expiring a million connections is spread over many short calls; the
 * packet path never scans. A packet finding an expired entry that the
 * wheel has not removed yet removes it and starts afresh, as the kernel
 * does with nf_ct_is_expired().
 *
 * Statistics count what the running kernel (6.18) counts: found and
 * insert stay 0 there for lookups and confirmations (checked with
 * conntrack -S), as here; invalid counts packets left without an entry
 * by the trackers or without a tuple, error those of the ICMP error
 * checks (unknown type, short header, an error quoting no connection),
 * drop the packets refused for a full table (or a clash of tuples),
 * early_drop the entries evicted to make room; expired (not shown by
 * conntrack -S) the entries removed by timeout. */
#include "conntrack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#define NS_PER_SEC 1000000000ull
#define WHEEL_BITS 12
#define WHEEL_SLOTS (1u << WHEEL_BITS)
#define WHEEL_MASK (WHEEL_SLOTS - 1)
/* Slots a call may step over (empty ones cost next to nothing), so a
 * long pause between calls does not make one call long. */
#define WHEEL_STEPS_MAX WHEEL_SLOTS
/* An entry never confirmed nor abandoned (an engine bug, or a packet
 * lost between hooks) is removed this long after its creation. */
#define UNCONFIRMED_SECS 5
/* Buckets looked at for an entry to evict when the table is full (the
 * kernel's NF_CT_EVICTION_RANGE). */
#define EVICTION_RANGE 8
/* When max is 0 and /proc cannot be read (the kernel's value here). */
#define DEFAULT_MAX 262144

struct qt_ct {
	pthread_mutex_t lock;
	size_t pool_size, bucket_size;   /* bytes mapped */
	struct qt_ct_config cfg;
	struct qt_ct_entry *pool;
	uint32_t max;              /* entries in the pool */
	uint32_t used;             /* pool[0..used) were handed out once */
	uint32_t free;             /* free list: pool index + 1 */
	uint32_t count;            /* entries in use (with unconfirmed) */
	uint32_t *bucket;          /* chain heads (links, see above) */
	uint32_t hmask;
	/* the by-source index of source mappings (nf_nat_bysource):
	 * heads of lists by bnext/bprev, pool index + 1 */
	uint32_t *bysrc;
	uint32_t bmask;
	size_t bysrc_size;         /* bytes mapped */
	uint64_t seed;
	uint32_t next_id;
	/* the wheel: lists of pool index + 1, by wnext/wprev */
	uint32_t whead[WHEEL_SLOTS], wtail[WHEEL_SLOTS];
	uint64_t wsec;             /* the next second to expire */
	bool wsec_set;
	uint32_t wcur;             /* next entry to visit in wsec's slot,
	                              0: the slot's visit has not begun */
	/* unconfirmed entries, oldest first (by wnext/wprev too) */
	uint32_t uhead, utail;
	bool reply_clash_ok;       /* qt_ct_allow_reply_clash */
	bool zoned;                /* an entry outside the default zone was
	                              made: reply clashes are left for
	                              confirmation */
	void (*forget)(const struct qt_ct_entry *e, void *user);
	void *forget_user;
	struct qt_ct_stats st;
	/* per pool entry, once accounting is on (NULL before) */
	struct qt_ct_acct *acct;
	/* per pool entry, once a rule sets labels (NULL before) */
	uint8_t (*labels)[16];
};

static uint64_t ceil_sec(uint64_t ns)
{
	return ns / NS_PER_SEC + (ns % NS_PER_SEC != 0);
}

static inline uint32_t idx_of(const struct qt_ct *ct,
			      const struct qt_ct_entry *e)
{
	return (uint32_t)(e - ct->pool);
}

static inline uint32_t thash(const struct qt_ct *ct,
			     const struct qt_ct_tuple *t)
{
	/* IPv4: the two addresses and the 8 bytes from the ports on, as
	 * before IPv6 widened the tuple; IPv6 mixes in the other 24
	 * bytes of its addresses */
	uint64_t a = (uint64_t)t->src.ip | (uint64_t)t->dst.ip << 32, b;
	memcpy(&b, &t->sport, 8);
	uint64_t h = (a ^ ct->seed) * 0x9e3779b97f4a7c15ull;
	if (t->ip6) {
		const uint32_t *s = t->src.all, *d = t->dst.all;
		const uint64_t w[3] = {
			(uint64_t)s[1] | (uint64_t)s[2] << 32,
			(uint64_t)s[3] | (uint64_t)d[1] << 32,
			(uint64_t)d[2] | (uint64_t)d[3] << 32,
		};
		for (int i = 0; i < 3; i++) {
			h ^= w[i] + (h >> 29);
			h *= 0x9e3779b97f4a7c15ull;
		}
	}
	h ^= b + (h >> 29);
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h >> 32);
}

/* ---- hash ---- */

static void hash_add(struct qt_ct *ct, struct qt_ct_entry *e, unsigned d)
{
	uint32_t *head = &ct->bucket[thash(ct, &e->t[d]) & ct->hmask];
	e->hnext[d] = *head;
	*head = (idx_of(ct, e) << 1 | d) + 1;
}

static void hash_del(struct qt_ct *ct, struct qt_ct_entry *e, unsigned d)
{
	uint32_t me = (idx_of(ct, e) << 1 | d) + 1;
	uint32_t *link = &ct->bucket[thash(ct, &e->t[d]) & ct->hmask];
	while (*link) {
		if (*link == me) {
			*link = e->hnext[d];
			e->hnext[d] = 0;
			return;
		}
		uint32_t n = *link - 1;
		link = &ct->pool[n >> 1].hnext[n & 1];
	}
}

static struct qt_ct_entry *lookup(const struct qt_ct *ct,
				  const struct qt_ct_tuple *t, unsigned *dir)
{
	uint32_t l = ct->bucket[thash(ct, t) & ct->hmask];
	while (l) {
		uint32_t n = l - 1;
		struct qt_ct_entry *e = &ct->pool[n >> 1];
		if (qt_ct_tuple_eq(&e->t[n & 1], t)) {
			*dir = n & 1;
			return e;
		}
		l = e->hnext[n & 1];
	}
	return NULL;
}

/* The node of tuple t for a packet of zone z, as the kernel's
 * nf_ct_key_equal: a node of direction d matches when its tuple is t
 * and its zone is z's in that direction. t->zone is the zone the walk
 * hashes with (z's in one direction); without a zone (z NULL) that is
 * lookup(). */
static struct qt_ct_entry *lookup_zone(const struct qt_ct *ct,
				       const struct qt_ct_tuple *t,
				       const struct qt_ct_zone *z,
				       unsigned *dir)
{
	uint32_t l = ct->bucket[thash(ct, t) & ct->hmask];
	while (l) {
		uint32_t n = l - 1;
		struct qt_ct_entry *e = &ct->pool[n >> 1];
		const struct qt_ct_tuple *et = &e->t[n & 1];
		if (qt_ct_tuple_eq(et, t) &&
		    et->zone == qt_ct_zone_id(z, (enum qt_ct_dir)(n & 1))) {
			*dir = n & 1;
			return e;
		}
		l = e->hnext[n & 1];
	}
	return NULL;
}

/* A packet's entry: looked for with its zone's original id, then, if
 * the zone applies to one direction only, with its reply id (the
 * kernel's resolve_normal_ct). t->zone is left as the first. */
static struct qt_ct_entry *lookup_pkt(const struct qt_ct *ct,
				      struct qt_ct_tuple *t,
				      const struct qt_ct_zone *z,
				      unsigned *dir)
{
	uint16_t o = qt_ct_zone_id(z, QT_CT_ORIG);
	uint16_t r = qt_ct_zone_id(z, QT_CT_REPLY);
	t->zone = o;
	struct qt_ct_entry *e = lookup_zone(ct, t, z, dir);
	if (!e && r != o) {
		t->zone = r;
		e = lookup_zone(ct, t, z, dir);
		t->zone = o;
	}
	return e;
}

/* ---- the by-source index ---- */

/* The source of an original tuple, as the kernel's hash_by_src: address,
 * port (ICMP: id) and protocol. */
static inline uint32_t src_hash(const struct qt_ct *ct,
				const struct qt_ct_tuple *t)
{
	uint64_t h = ct->seed ^ ((uint64_t)t->sport << 16 | t->proto << 8 |
				 t->ip6);
	for (int i = 0; i < (t->ip6 ? 4 : 1); i++) {
		h ^= t->src.all[i] + (h >> 29);
		h *= 0x9e3779b97f4a7c15ull;
	}
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h >> 32);
}

/* The kernel's same_src: an original tuple from the same address, port
 * and protocol. */
static inline bool same_src(const struct qt_ct_tuple *a,
			    const struct qt_ct_tuple *b)
{
	return a->proto == b->proto && a->ip6 == b->ip6 &&
	       a->sport == b->sport &&
	       !memcmp(&a->src, &b->src, sizeof(a->src));
}

static void bysrc_del(struct qt_ct *ct, struct qt_ct_entry *e)
{
	if (!(e->status & QT_CTS_BYSRC))
		return;
	if (e->bprev)
		ct->pool[e->bprev - 1].bnext = e->bnext;
	else
		ct->bysrc[src_hash(ct, &e->t[QT_CT_ORIG]) & ct->bmask] = e->bnext;
	if (e->bnext)
		ct->pool[e->bnext - 1].bprev = e->bprev;
	e->bnext = e->bprev = 0;
	e->status &= ~QT_CTS_BYSRC;
}

void qt_ct_bysrc_add(struct qt_ct *ct, struct qt_ct_entry *e)
{
	if (e->status & QT_CTS_BYSRC)
		return;
	uint32_t *head = &ct->bysrc[src_hash(ct, &e->t[QT_CT_ORIG]) & ct->bmask];
	uint32_t me = idx_of(ct, e) + 1;
	e->bprev = 0;
	e->bnext = *head;
	if (*head)
		ct->pool[*head - 1].bprev = me;
	*head = me;
	e->status |= QT_CTS_BYSRC;
}

const struct qt_ct_entry *qt_ct_bysrc_next(const struct qt_ct *ct,
					   const struct qt_ct_tuple *t,
					   const struct qt_ct_entry *prev)
{
	uint32_t l = prev ? prev->bnext
			  : ct->bysrc[src_hash(ct, t) & ct->bmask];
	while (l) {
		const struct qt_ct_entry *e = &ct->pool[l - 1];
		if (same_src(&e->t[QT_CT_ORIG], t))
			return e;
		l = e->bnext;
	}
	return NULL;
}

/* ---- lists: the wheel's slots and the unconfirmed list ---- */

static void list_add_tail(struct qt_ct *ct, uint32_t *head, uint32_t *tail,
			  struct qt_ct_entry *e)
{
	uint32_t me = idx_of(ct, e) + 1;
	e->wnext = 0;
	e->wprev = *tail;
	if (*tail)
		ct->pool[*tail - 1].wnext = me;
	else
		*head = me;
	*tail = me;
}

static void list_del(struct qt_ct *ct, uint32_t *head, uint32_t *tail,
		     struct qt_ct_entry *e)
{
	if (e->wprev)
		ct->pool[e->wprev - 1].wnext = e->wnext;
	else
		*head = e->wnext;
	if (e->wnext)
		ct->pool[e->wnext - 1].wprev = e->wprev;
	else
		*tail = e->wprev;
	e->wnext = e->wprev = 0;
}

static void wheel_link(struct qt_ct *ct, struct qt_ct_entry *e)
{
	uint64_t s = ceil_sec(e->expires);
	if (s < ct->wsec)
		s = ct->wsec;
	e->wslot = (uint32_t)s;
	uint32_t slot = (uint32_t)s & WHEEL_MASK;
	list_add_tail(ct, &ct->whead[slot], &ct->wtail[slot], e);
}

static void wheel_unlink(struct qt_ct *ct, struct qt_ct_entry *e)
{
	uint32_t slot = e->wslot & WHEEL_MASK;
	/* the expiry walk's place moves past an entry leaving */
	if (ct->wcur == idx_of(ct, e) + 1)
		ct->wcur = e->wnext;
	list_del(ct, &ct->whead[slot], &ct->wtail[slot], e);
}

/* ---- entries ---- */

static struct qt_ct_entry *entry_alloc(struct qt_ct *ct)
{
	uint32_t i;
	if (ct->free) {
		i = ct->free - 1;
		ct->free = ct->pool[i].hnext[0];
	} else if (ct->used < ct->max) {
		i = ct->used++;
	} else {
		return NULL;
	}
	struct qt_ct_entry *e = &ct->pool[i];
	memset(e, 0, sizeof(*e));
	ct->count++;
	return e;
}

static void entry_free(struct qt_ct *ct, struct qt_ct_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->hnext[0] = ct->free;
	ct->free = idx_of(ct, e) + 1;
	ct->count--;
}

/* Take e out of everything it is linked in and free it. */
static void entry_remove(struct qt_ct *ct, struct qt_ct_entry *e)
{
	if ((e->status & QT_CTS_OFFLOADED) && ct->forget)
		ct->forget(e, ct->forget_user);
	if (!(e->status & QT_CTS_UNHASHED)) {
		hash_del(ct, e, QT_CT_ORIG);
		if (!(e->status & QT_CTS_REPLY_CLASH))
			hash_del(ct, e, QT_CT_REPLY);
	}
	if (e->status & QT_IPS_CONFIRMED)
		wheel_unlink(ct, e);
	else
		list_del(ct, &ct->uhead, &ct->utail, e);
	bysrc_del(ct, e);
	entry_free(ct, e);
}

/* ---- the shard ---- */

/* Zeroed memory the OS backs only where it is touched, aligned to cache
 * lines (an entry is three lines, its hot ones first: entries that
 * straddled lines would cost a line more per packet): mapped, but for
 * a small table. Large areas are mapped with transparent huge pages
 * asked for: a packet's lookup lands anywhere in a table of a million
 * entries, and with 4 KiB pages nearly every lookup would also miss the
 * TLB. */
#define HUGE_MIN (4u << 20)
#define MAP_MIN 4096u
#define LINE 64u
static void *area_alloc(size_t size, bool huge)
{
	if (size < MAP_MIN) {
		size_t n = (size + LINE - 1) / LINE * LINE;
		void *p = aligned_alloc(LINE, n);
		if (p)
			memset(p, 0, n);
		return p;
	}
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (huge && size >= HUGE_MIN)
		madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

static void area_free(void *p, size_t size)
{
	if (!p)
		return;
	if (size < MAP_MIN)
		free(p);
	else
		munmap(p, size);
}

static uint32_t kernel_max(void)
{
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_max", "r");
	unsigned long v = 0;
	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v && v <= UINT32_MAX / 2 ? (uint32_t)v : DEFAULT_MAX;
}

struct qt_ct *qt_ct_new(const struct qt_ct_config *c, uint32_t max_entries)
{
	uint32_t max = max_entries ? max_entries : c->max ? c->max : kernel_max();
	/* links hold index << 1 | dir, plus one */
	if (max >= (1u << 30))
		return NULL;
	struct qt_ct *ct = calloc(1, sizeof(*ct));
	if (!ct)
		return NULL;
	ct->cfg = *c;
	ct->cfg.max = max;
	ct->max = max;
	/* twice as many buckets as entries: each entry is in two chains,
	 * so chains average one node (a node visited is a cache miss) */
	uint32_t nb = 1;
	while (nb < 2 * max)
		nb <<= 1;
	ct->hmask = nb - 1;
	ct->pool_size = (size_t)max * sizeof(*ct->pool);
	ct->bucket_size = (size_t)nb * sizeof(*ct->bucket);
	ct->pool = area_alloc(ct->pool_size, !c->defer_hugepages);
	ct->bucket = area_alloc(ct->bucket_size, !c->defer_hugepages);
	/* one head per entry: source mappings are at most every entry */
	uint32_t nbs = nb > 1 ? nb / 2 : 1;
	ct->bmask = nbs - 1;
	ct->bysrc_size = (size_t)nbs * sizeof(*ct->bysrc);
	ct->bysrc = area_alloc(ct->bysrc_size, !c->defer_hugepages);
	if (!ct->pool || !ct->bucket || !ct->bysrc ||
	    pthread_mutex_init(&ct->lock, NULL)) {
		area_free(ct->pool, ct->pool_size);
		area_free(ct->bucket, ct->bucket_size);
		area_free(ct->bysrc, ct->bysrc_size);
		free(ct);
		return NULL;
	}
	if (getrandom(&ct->seed, sizeof(ct->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(ct->seed)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ct->seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
			   (uint64_t)(uintptr_t)ct;
	}
	return ct;
}

void qt_ct_free(struct qt_ct *ct)
{
	if (!ct)
		return;
	pthread_mutex_destroy(&ct->lock);
	area_free(ct->pool, ct->pool_size);
	area_free(ct->bucket, ct->bucket_size);
	area_free(ct->bysrc, ct->bysrc_size);
	free(ct->acct);
	free(ct->labels);
	free(ct);
}

void qt_ct_hugepages(struct qt_ct *ct)
{
#ifdef MADV_HUGEPAGE
	if (ct->pool_size >= HUGE_MIN)
		madvise(ct->pool, ct->pool_size, MADV_HUGEPAGE);
	if (ct->bucket_size >= HUGE_MIN)
		madvise(ct->bucket, ct->bucket_size, MADV_HUGEPAGE);
	if (ct->bysrc_size >= HUGE_MIN)
		madvise(ct->bysrc, ct->bysrc_size, MADV_HUGEPAGE);
#endif
}

void qt_ct_lock(struct qt_ct *ct)
{
	pthread_mutex_lock(&ct->lock);
}

void qt_ct_unlock(struct qt_ct *ct)
{
	pthread_mutex_unlock(&ct->lock);
}

/* A packet refused before its tracker ran: counted as the kernel's
 * handler that refuses it would count it. */
static void count_refused(struct qt_ct *ct, const struct qt_pkt *p)
{
	if (qt_ct_proto_at(p->family == AF_INET6, p->proto)->errors_first)
		ct->st.error++;
	else
		ct->st.invalid++;
}

void qt_ct_count_bad_checksum(struct qt_ct *ct, const struct qt_pkt *p)
{
	count_refused(ct, p);
}

const struct qt_ct_stats *qt_ct_stats(const struct qt_ct *ct)
{
	/* count is kept apart; the copy here is for readers of stats */
	((struct qt_ct *)ct)->st.count = ct->count;
	return &ct->st;
}

uint32_t qt_ct_count(const struct qt_ct *ct)
{
	return ct->count;
}

const struct qt_ct_config *qt_ct_config(const struct qt_ct *ct)
{
	return &ct->cfg;
}

const char *qt_ct_state_name(enum qt_ct_state s)
{
	static const char *const names[] = {
		[QT_CT_INVALID] = "INVALID",
		[QT_CT_NEW] = "NEW",
		[QT_CT_ESTABLISHED] = "ESTABLISHED",
		[QT_CT_RELATED] = "RELATED",
		[QT_CT_UNTRACKED] = "UNTRACKED",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

struct qt_ct_entry *qt_ct_find(struct qt_ct *ct, const struct qt_ct_tuple *t,
			       enum qt_ct_dir *dir)
{
	unsigned d = 0;
	struct qt_ct_entry *e = lookup(ct, t, &d);
	if (e && dir)
		*dir = (enum qt_ct_dir)d;
	return e;
}

void qt_ct_each(struct qt_ct *ct,
		bool (*fn)(struct qt_ct_entry *e, void *user), void *user)
{
	/* by pool index: fn may delete the entry it is given */
	for (uint32_t i = 0; i < ct->used; i++) {
		struct qt_ct_entry *e = &ct->pool[i];
		if ((e->status & QT_IPS_CONFIRMED) && !fn(e, user))
			return;
	}
}

void qt_ct_delete(struct qt_ct *ct, struct qt_ct_entry *e)
{
	entry_remove(ct, e);
}

bool qt_ct_confirm(struct qt_ct *ct, struct qt_ct_entry *e, uint64_t now)
{
	if (e->status & QT_IPS_CONFIRMED)
		return true;
	if (e->status & QT_CTS_UNHASHED)
		return false;
	if (e->status & QT_CTS_REPLY_CLASH) {
		ct->st.insert_failed++;
		ct->st.drop++;
		return false;
	}
	if (!ct->wsec_set) {
		ct->wsec = now / NS_PER_SEC;
		ct->wsec_set = true;
	}
	list_del(ct, &ct->uhead, &ct->utail, e);
	e->status |= QT_IPS_CONFIRMED;
	wheel_link(ct, e);
	return true;
}

void qt_ct_set_forget_hook(struct qt_ct *ct,
			   void (*fn)(const struct qt_ct_entry *e, void *user),
			   void *user)
{
	ct->forget = fn;
	ct->forget_user = user;
}

void qt_ct_offload_revoke(struct qt_ct *ct, struct qt_ct_entry *e)
{
	if ((e->status & QT_CTS_OFFLOADED) && ct->forget)
		ct->forget(e, ct->forget_user);
	e->status = (e->status & ~QT_CTS_OFFLOAD_MASK) | QT_CTS_OFFLOAD_NO;
}

void qt_ct_allow_reply_clash(struct qt_ct *ct, bool on)
{
	ct->reply_clash_ok = on;
}

bool qt_ct_tuple_taken(const struct qt_ct *ct, const struct qt_ct_tuple *t,
		       const struct qt_ct_entry *ignore)
{
	uint32_t l = ct->bucket[thash(ct, t) & ct->hmask];
	while (l) {
		uint32_t n = l - 1;
		const struct qt_ct_entry *e = &ct->pool[n >> 1];
		if (e != ignore && qt_ct_tuple_eq(&e->t[n & 1], t))
			return true;
		l = e->hnext[n & 1];
	}
	return false;
}

void qt_ct_set_reply(struct qt_ct *ct, struct qt_ct_entry *e,
		     const struct qt_ct_tuple *r)
{
	if (!(e->status & QT_CTS_REPLY_CLASH))
		hash_del(ct, e, QT_CT_REPLY);
	e->t[QT_CT_REPLY] = *r;
	if (qt_ct_tuple_taken(ct, r, e)) {
		e->status |= QT_CTS_REPLY_CLASH;
		return;
	}
	e->status &= ~QT_CTS_REPLY_CLASH;
	hash_add(ct, e, QT_CT_REPLY);
}

void qt_ct_restore_prepare(struct qt_ct *ct, uint32_t n)
{
#ifdef MADV_POPULATE_WRITE
	if (ct->pool_size < HUGE_MIN || n > ct->max - ct->used)
		return;
	/* page-aligned: the area is mapped, so its start is */
	size_t page = 4096;
	size_t from = (size_t)ct->used * sizeof(*ct->pool) / page * page;
	size_t to = ((size_t)ct->used + n) * sizeof(*ct->pool);
	if (to > ct->pool_size)
		to = ct->pool_size;
	if (to > from)
		madvise((char *)ct->pool + from, to - from, MADV_POPULATE_WRITE);
#else
	(void)ct;
	(void)n;
#endif
}

void qt_ct_prefetch_tuple(const struct qt_ct *ct, const struct qt_ct_tuple *t,
			  unsigned stage)
{
	const uint32_t *b = &ct->bucket[thash(ct, t) & ct->hmask];
	if (stage == 0) {
		__builtin_prefetch(b, 1);
		return;
	}
	if (*b)
		__builtin_prefetch(&ct->pool[(*b - 1) >> 1]);
}

struct qt_ct_entry *qt_ct_restore(struct qt_ct *ct,
				  const struct qt_ct_entry *src, uint64_t now)
{
	unsigned d;
	if (!(src->status & QT_IPS_CONFIRMED) ||
	    lookup(ct, &src->t[QT_CT_ORIG], &d) ||
	    lookup(ct, &src->t[QT_CT_REPLY], &d))
		return NULL;
	struct qt_ct_entry *e = entry_alloc(ct);
	if (!e)
		return NULL;
	e->t[QT_CT_ORIG] = src->t[QT_CT_ORIG];
	e->t[QT_CT_REPLY] = src->t[QT_CT_REPLY];
	/* offload marks are the daemon's before: its kernel maps are gone */
	/* counts and labels come after, if the daemon before kept them
	 * (qt_ct_restore_ext) */
	e->status = src->status & ~(QT_CTS_BYSRC | QT_CTS_OFFLOAD_MASK |
				    QT_CTS_ACCT | QT_CTS_LABELS);
	e->mark = src->mark;
	e->masq_ifindex = src->masq_ifindex;
	e->expires = src->expires;
	e->id = src->id;
	e->p = src->p;
	/* ids stay unique in the new table */
	if (ct->next_id < e->id)
		ct->next_id = e->id;
	if (!ct->wsec_set) {
		ct->wsec = now / NS_PER_SEC;
		ct->wsec_set = true;
	}
	hash_add(ct, e, QT_CT_ORIG);
	hash_add(ct, e, QT_CT_REPLY);
	wheel_link(ct, e);
	if (e->status & QT_IPS_SRC_NAT)
		qt_ct_bysrc_add(ct, e);
	return e;
}

void qt_ct_abandon(struct qt_ct *ct, struct qt_ct_entry *e)
{
	if (!(e->status & QT_IPS_CONFIRMED))
		entry_remove(ct, e);
}

void qt_ct_unhash(struct qt_ct *ct, struct qt_ct_entry *e)
{
	if (e->status & (QT_IPS_CONFIRMED | QT_CTS_UNHASHED))
		return;
	hash_del(ct, e, QT_CT_ORIG);
	if (!(e->status & QT_CTS_REPLY_CLASH))
		hash_del(ct, e, QT_CT_REPLY);
	e->status |= QT_CTS_UNHASHED;
}

void qt_ct_set_closing(struct qt_ct *ct, struct qt_ct_entry *e, uint64_t now)
{
	if (!(e->status & QT_IPS_CONFIRMED) ||
	    e->t[QT_CT_ORIG].proto != IPPROTO_TCP ||
	    e->p.tcp.state == QT_TCP_CLOSE)
		return;
	e->p.tcp.state = QT_TCP_CLOSE;
	uint64_t before = e->expires;
	e->expires = now + (uint64_t)ct->cfg.to.tcp[QT_TCP_CLOSE] * NS_PER_SEC;
	/* moved earlier: into its slot now (qt_ct_in's rule) */
	if (e->expires < before && ceil_sec(e->expires) < e->wslot) {
		wheel_unlink(ct, e);
		wheel_link(ct, e);
	}
}

/* Visit one entry of the slot being expired: remove it if due, move it
 * if its timeout went later into another slot. true: removed. */
static bool expire_visit(struct qt_ct *ct, struct qt_ct_entry *e, uint64_t now)
{
	if (e->expires <= now) {
		entry_remove(ct, e);
		ct->st.expired++;
		return true;
	}
	uint64_t s = ceil_sec(e->expires);
	if ((s & WHEEL_MASK) != (ct->wsec & WHEEL_MASK)) {
		wheel_unlink(ct, e);
		wheel_link(ct, e);
	} else {
		/* a later round of this slot: stays */
		e->wslot = (uint32_t)s;
	}
	return false;
}

unsigned qt_ct_expire(struct qt_ct *ct, uint64_t now, unsigned budget)
{
	unsigned removed = 0, visits = 0;
	uint64_t now_s = now / NS_PER_SEC;

	/* unconfirmed entries left behind, oldest first */
	while (ct->uhead && visits < budget) {
		struct qt_ct_entry *e = &ct->pool[ct->uhead - 1];
		if ((uint64_t)e->wslot > now_s)
			break;
		entry_remove(ct, e);
		ct->st.expired++;
		removed++;
		visits++;
	}

	if (!ct->wsec_set) {
		ct->wsec = now_s;
		ct->wsec_set = true;
	}
	unsigned steps = 0;
	while (ct->wsec <= now_s && visits < budget && steps < WHEEL_STEPS_MAX) {
		uint32_t slot = (uint32_t)ct->wsec & WHEEL_MASK;
		if (!ct->wcur)
			ct->wcur = ct->whead[slot];
		while (ct->wcur && visits < budget) {
			struct qt_ct_entry *e = &ct->pool[ct->wcur - 1];
			ct->wcur = e->wnext;
			/* removing the next one walks its two chains:
			 * start loading them while this one is done */
			if (ct->wcur) {
				const struct qt_ct_entry *n = &ct->pool[ct->wcur - 1];
				__builtin_prefetch(&ct->bucket[thash(ct, &n->t[0]) & ct->hmask], 1);
				__builtin_prefetch(&ct->bucket[thash(ct, &n->t[1]) & ct->hmask], 1);
				if (n->wnext)
					__builtin_prefetch(&ct->pool[n->wnext - 1], 1);
			}
			visits++;
			removed += expire_visit(ct, e, now);
		}
		if (ct->wcur)
			break;          /* budget spent in this slot */
		ct->wsec++;
		steps++;
	}
	return removed;
}

/* ---- the packet path ---- */

void qt_ct_prefetch(const struct qt_ct *ct, const struct qt_pkt *p,
		    unsigned stage)
{
	struct qt_ct_tuple t;
	if (!qt_ct_tuple_of(p, &t))
		return;
	const uint32_t *b = &ct->bucket[thash(ct, &t) & ct->hmask];
	if (stage == 0) {
		__builtin_prefetch(b);
		return;
	}
	uint32_t l = *b;
	if (l) {
		const struct qt_ct_entry *e = &ct->pool[(l - 1) >> 1];
		/* the entry's lines: links and tuples, then status,
		 * timeout and the protocol state, which reaches the third
		 * line only for TCP (conntrack_entry.h) */
		__builtin_prefetch(e, 1);
		__builtin_prefetch((const uint8_t *)e + 64, 1);
		if (t.proto == IPPROTO_TCP)
			__builtin_prefetch((const uint8_t *)e + 128, 1);
	}
}

static void set_invalid(struct qt_ct_verdict *v)
{
	v->e = NULL;
	v->state = QT_CT_INVALID;
	v->dir = QT_CT_ORIG;
}

/* A tracker's timeout for e, from now. */
static void apply_timeout(struct qt_ct_entry *e, uint64_t now,
			  uint32_t secs)
{
	if (secs != QT_CT_TIMEOUT_KEEP)
		e->expires = now + (uint64_t)secs * NS_PER_SEC;
}

/* Make room for one entry when the table is full, as the kernel's
 * early_drop(): in the buckets from the new tuple's on, entries that
 * expired are removed and confirmed entries not ASSURED are evicted. */
static bool early_drop(struct qt_ct *ct, const struct qt_ct_tuple *t,
		       uint64_t now)
{
	uint32_t h = thash(ct, t);
	bool room = false;
	for (unsigned k = 0; k < EVICTION_RANGE && !room; k++) {
		uint32_t *head = &ct->bucket[(h + k) & ct->hmask];
again:
		for (uint32_t l = *head; l; ) {
			uint32_t n = l - 1;
			struct qt_ct_entry *e = &ct->pool[n >> 1];
			l = e->hnext[n & 1];
			if (!(e->status & QT_IPS_CONFIRMED))
				continue;
			if (e->expires <= now) {
				ct->st.expired++;
			} else if (!(e->status & QT_IPS_ASSURED)) {
				ct->st.early_drop++;
			} else {
				continue;
			}
			/* the chain changed under the walk: start it again */
			entry_remove(ct, e);
			room = true;
			goto again;
		}
	}
	return room;
}

int qt_ct_acct_enable(struct qt_ct *ct)
{
	if (ct->acct)
		return 0;
	ct->acct = calloc(ct->max ? ct->max : 1, sizeof(*ct->acct));
	return ct->acct ? 0 : -1;
}

bool qt_ct_acct_get(const struct qt_ct *ct, const struct qt_ct_entry *e,
		    struct qt_ct_acct *out)
{
	if (!ct->acct || !(e->status & QT_CTS_ACCT))
		return false;
	*out = ct->acct[idx_of(ct, e)];
	return true;
}

int qt_ct_labels_enable(struct qt_ct *ct)
{
	if (ct->labels)
		return 0;
	ct->labels = calloc(ct->max ? ct->max : 1, sizeof(*ct->labels));
	return ct->labels ? 0 : -1;
}

bool qt_ct_labels_get(const struct qt_ct *ct, const struct qt_ct_entry *e,
		      uint8_t *out)
{
	if (!ct->labels || !(e->status & QT_CTS_LABELS))
		return false;
	memcpy(out, ct->labels[idx_of(ct, e)], 16);
	return true;
}

void qt_ct_labels_set(struct qt_ct *ct, const struct qt_ct_entry *e,
		      const uint8_t *v)
{
	if (!ct->labels || !(e->status & QT_CTS_LABELS))
		return;
	uint8_t *l = ct->labels[idx_of(ct, e)];
	for (unsigned i = 0; i < 16; i++)
		l[i] |= v[i];
}

bool qt_ct_ext_on(const struct qt_ct *ct)
{
	return ct->acct || ct->labels;
}

bool qt_ct_restore_ext(struct qt_ct *ct, struct qt_ct_entry *e,
		       const struct qt_ct_acct *acct, const uint8_t *labels)
{
	bool ok = true;
	if (acct) {
		if (qt_ct_acct_enable(ct) == 0) {
			e->status |= QT_CTS_ACCT;
			ct->acct[idx_of(ct, e)] = *acct;
		} else {
			ok = false;
		}
	}
	if (labels) {
		if (qt_ct_labels_enable(ct) == 0) {
			e->status |= QT_CTS_LABELS;
			memcpy(ct->labels[idx_of(ct, e)], labels, 16);
		} else {
			ok = false;
		}
	}
	return ok;
}

/* The kernel's nf_ct_acct_update: the packet's length (skb->len at
 * conntrack, the IP packet) in its direction. */
static void acct_add(struct qt_ct *ct, struct qt_ct_entry *e,
		     const struct qt_pkt *p, enum qt_ct_dir dir)
{
	if (!ct->acct || !(e->status & QT_CTS_ACCT))
		return;
	struct qt_ct_acct *a = &ct->acct[idx_of(ct, e)];
	a->packets[dir]++;
	a->bytes[dir] += p->ip_len;
}

/* A new entry for the packet's tuple t (its zone's original id in
 * t->zone), in zone z. */
static void ct_new(struct qt_ct *ct, const struct qt_pkt *p,
		   const struct qt_ct_tuple *t, const struct qt_ct_zone *z,
		   uint64_t now, struct qt_ct_verdict *v)
{
	struct qt_ct_entry *e = entry_alloc(ct);
	if (!e && early_drop(ct, t, now))
		e = entry_alloc(ct);
	if (!e) {
		ct->st.drop++;
		set_invalid(v);
		v->table_full = true;
		return;
	}
	e->t[QT_CT_ORIG] = *t;
	qt_ct_invert(t, &e->t[QT_CT_REPLY]);
	e->t[QT_CT_REPLY].zone = qt_ct_zone_id(z, QT_CT_REPLY);
	struct qt_ct_step s = qt_ct_proto_at(t->ip6, t->proto)->new_conn(e, p,
									 &ct->cfg,
									 now);
	apply_timeout(e, now, s.timeout);
	if (s.verdict != QT_CT_TRACK_OK) {
		entry_free(ct, e);
		ct->st.invalid++;
		set_invalid(v);
		return;
	}
	/* The reply tuple taken by another connection: one whose reply NAT
	 * made this packet's inverse (a local socket on the address and
	 * port a client behind it was mapped to). With NAT the binding
	 * chooses another (the kernel's get_unique_tuple for the null
	 * binding too); without, the packet is refused, as the kernel's
	 * confirmation refuses the clash. Zones of one direction make
	 * such clashes without NAT (a reply tuple in the default zone
	 * that an unzoned connection holds): there the entry is made all
	 * the same, so that the rules after conntrack see the packet NEW
	 * before its confirmation fails, as in the kernel. */
	unsigned d;
	bool clash = lookup(ct, &e->t[QT_CT_REPLY], &d) != NULL;
	if (e->t[QT_CT_ORIG].zone | e->t[QT_CT_REPLY].zone)
		ct->zoned = true;
	if (clash && !ct->reply_clash_ok && !ct->zoned) {
		entry_free(ct, e);
		ct->st.insert_failed++;
		ct->st.drop++;
		set_invalid(v);
		v->table_full = true;
		return;
	}
	e->id = ++ct->next_id;
	/* NAT offload's kernel maps are keyed by addresses and ports
	 * alone: a connection outside the default zone is rewritten
	 * here, where its zone tells it from its twins */
	if (e->t[QT_CT_ORIG].zone | e->t[QT_CT_REPLY].zone)
		e->status |= QT_CTS_OFFLOAD_NO;
	if (ct->labels) {
		e->status |= QT_CTS_LABELS;
		memset(ct->labels[idx_of(ct, e)], 0, 16);
	}
	if (ct->acct) {
		e->status |= QT_CTS_ACCT;
		memset(&ct->acct[idx_of(ct, e)], 0, sizeof(*ct->acct));
		acct_add(ct, e, p, QT_CT_ORIG);
	}
	e->wslot = (uint32_t)(now / NS_PER_SEC + UNCONFIRMED_SECS);
	hash_add(ct, e, QT_CT_ORIG);
	if (clash)
		e->status |= QT_CTS_REPLY_CLASH;
	else
		hash_add(ct, e, QT_CT_REPLY);
	list_add_tail(ct, &ct->uhead, &ct->utail, e);
	v->e = e;
	v->dir = QT_CT_ORIG;
	v->state = QT_CT_NEW;
	v->created = true;
}

/* An error quoting the packet q: RELATED to that packet's connection,
 * if tracked and if the error goes where that direction's packets go
 * (the kernel's nf_conntrack_inet_error()); INVALID otherwise. The
 * quoted tuple is seen from the quoting side: looked up inverted, and a
 * tuple with no inverse (an ICMP error quoting an error) quotes
 * nothing. */
static void related(struct qt_ct *ct, const struct qt_pkt *p,
		    const struct qt_ct_quote *q, const struct qt_ct_zone *z,
		    uint64_t now, struct qt_ct_verdict *v)
{
	struct qt_ct_tuple in, inv;
	unsigned d = 0;
	struct qt_ct_entry *e = NULL;
	memset(&in, 0, sizeof(in));
	in.src = q->src;
	in.dst = q->dst;
	in.ip6 = q->ip6;
	in.proto = q->proto;
	/* in the error's zone, by its original id only (the kernel's
	 * nf_conntrack_find_get there) */
	if (qt_ct_proto_at(q->ip6, q->proto)->tuple(q->l4, q->l4_len, &in) &&
	    qt_ct_invert(&in, &inv)) {
		inv.zone = qt_ct_zone_id(z, QT_CT_ORIG);
		e = lookup_zone(ct, &inv, z, &d);
	}
	if (e && (e->status & QT_IPS_CONFIRMED) && e->expires <= now)
		e = NULL;               /* expired: the wheel removes it */
	union qt_ct_addr to;
	qt_ct_addr_from(&to, &p->daddr, q->ip6);
	if (!e || memcmp(&e->t[d].dst, &to, sizeof(to))) {
		ct->st.error++;
		set_invalid(v);
		return;
	}
	v->e = e;
	v->dir = (enum qt_ct_dir)d;
	v->state = QT_CT_RELATED;
}

void qt_ct_in(struct qt_ct *ct, const struct qt_pkt *p, uint64_t now,
	      struct qt_ct_verdict *v)
{
	qt_ct_in_zone(ct, p, NULL, now, v);
}

void qt_ct_in_zone(struct qt_ct *ct, const struct qt_pkt *p,
		   const struct qt_ct_zone *z, uint64_t now,
		   struct qt_ct_verdict *v)
{
	memset(v, 0, sizeof(*v));
	struct qt_ct_tuple t;
	if (!qt_ct_tuple_of(p, &t)) {
		/* an ICMP packet too short for its header is the ICMP
		 * error check's ("short packet"), the rest "can't get
		 * tuple" */
		count_refused(ct, p);
		set_invalid(v);
		return;
	}
	const struct qt_ct_proto *pr = qt_ct_proto_at(t.ip6, t.proto);
	if (pr->error) {
		struct qt_ct_quote q;
		switch (pr->error(p, &t, &q)) {
		case QT_CT_ERR_NONE:
			break;
		case QT_CT_ERR_BAD:
			ct->st.error++;
			set_invalid(v);
			return;
		case QT_CT_ERR_QUOTES:
			related(ct, p, &q, z, now, v);
			return;
		case QT_CT_ERR_UNTRACKED:
			v->state = QT_CT_UNTRACKED;
			return;
		}
	}

	unsigned d = 0;
	struct qt_ct_entry *e = lookup_pkt(ct, &t, z, &d);
	if (e && (e->status & QT_IPS_CONFIRMED) && e->expires <= now) {
		entry_remove(ct, e);
		ct->st.expired++;
		e = NULL;
	}
	if (!e) {
		ct_new(ct, p, &t, z, now, v);
		return;
	}

	enum qt_ct_dir dir = (enum qt_ct_dir)d;
	enum qt_ct_state state = dir == QT_CT_REPLY ||
		(e->status & QT_IPS_SEEN_REPLY) ? QT_CT_ESTABLISHED : QT_CT_NEW;
	uint64_t before = e->expires;
	struct qt_ct_step s = pr->packet(e, p, dir, &ct->cfg, now);
	if (s.verdict == QT_CT_TRACK_REOPEN) {
		/* a SYN reopening a closed connection: start again (the
		 * kernel's -NF_REPEAT) */
		entry_remove(ct, e);
		ct_new(ct, p, &t, z, now, v);
		return;
	}
	apply_timeout(e, now, s.timeout);
	if (s.verdict != QT_CT_TRACK_OK) {
		ct->st.invalid++;
		set_invalid(v);
		return;
	}
	if (dir == QT_CT_REPLY)
		e->status |= QT_IPS_SEEN_REPLY;
	acct_add(ct, e, p, dir);
	/* a timeout moved earlier than its wheel slot moves now; later
	 * ones move when the slot comes round */
	if ((e->status & QT_IPS_CONFIRMED) && e->expires < before &&
	    ceil_sec(e->expires) < e->wslot) {
		wheel_unlink(ct, e);
		wheel_link(ct, e);
	}
	v->e = e;
	v->dir = dir;
	v->state = state;
}
