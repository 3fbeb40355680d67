#include "set_store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

/* One slot. Its fields other than the counters change only under the
 * set's lock. */
struct qt_set_elem {
	struct qt_set_key key;
	uint32_t next;              /* slot index + 1 in its bucket / free list */
	bool used;
	bool nomatch;
	uint64_t expires_ms;        /* 0: never */
	_Atomic uint64_t packets, bytes;
	char *comment;
};

static const struct qt_set_type types[] = {
	{ "hash:ip", 6, 1, { QT_SD_IP }, false },
	{ "hash:net", 7, 1, { QT_SD_NET }, false },
	{ "hash:ip,port", 7, 2, { QT_SD_IP, QT_SD_PORT }, false },
	{ "hash:net,port", 8, 2, { QT_SD_NET, QT_SD_PORT }, false },
	{ "hash:ip,port,ip", 6, 3, { QT_SD_IP, QT_SD_PORT, QT_SD_IP }, false },
	{ "bitmap:port", 3, 1, { QT_SD_PORT }, true },
};

const struct qt_set_type *qt_set_type_find(const char *name)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

uint64_t qt_set_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

bool qt_set_type_has_net(const struct qt_set_type *t)
{
	for (unsigned i = 0; i < t->ndims; i++)
		if (t->dims[i] == QT_SD_NET)
			return true;
	return false;
}

static bool has_net(const struct qt_set *s)
{
	return qt_set_type_has_net(s->type);
}

static unsigned host_cidr(const struct qt_set *s)
{
	return s->o.family == AF_INET6 ? 128 : 32;
}

static unsigned cidr_slot(unsigned cidr)
{
	return cidr < QT_SET_CIDRS ? cidr : QT_SET_CIDRS - 1;
}

/* splitmix64's finaliser: every bit of x reaches every bit out. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A key's index words: its entry's key word and the hash giving its
 * home. The key word is the compact key (the address, port, protocol
 * and prefix length of an IPv4 set with at most two dimensions: exact;
 * an IPv4 prefix length fits the low 6 bits of its byte, which leaves
 * EK_USED, so that no entry in use is 0, and EK_NOMATCH, the element's
 * flag), or a hash of the whole key, seeded, with its low bit set. */
#define EK_USED 0x80u
#define EK_NOMATCH 0x40u

struct ikey {
	uint64_t ck;
	uint32_t h;
};

static uint64_t seed_of(const struct qt_set *s)
{
	return (uint64_t)s->initval * 0x9e3779b97f4a7c15ull;
}

static struct ikey index_key(const struct qt_set *s, const struct qt_set_key *k)
{
	uint64_t seed = seed_of(s);
	if (s->compact) {
		uint64_t ck = (uint64_t)ntohl(k->ip.v4.s_addr) << 32 |
			      (uint64_t)k->port << 16 | (uint64_t)k->proto << 8 |
			      (k->cidr & 0x3fu);
		return (struct ikey){ ck | EK_USED, (uint32_t)mix64(ck ^ seed) };
	}
	uint64_t w[sizeof(*k) / 8], x = seed;
	memcpy(w, k, sizeof(w));
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		x = mix64(x ^ w[i]);
	return (struct ikey){ x | 1u, (uint32_t)(x >> 32) };
}

/* The home hash of an entry in use, from its key word alone. */
static uint32_t home_of(const struct qt_set *s, uint64_t ek)
{
	if (s->compact)
		return (uint32_t)mix64((ek & ~(uint64_t)(EK_USED | EK_NOMATCH)) ^
				       seed_of(s));
	return (uint32_t)(ek >> 32);
}

/* The index: zeroed pages from the kernel, touched only as entries
 * fill them; a big one on huge pages where they are had, so that
 * lookups spread over megabytes do not miss the TLB as well as the
 * cache. */
#define HUGE_BYTES (2u << 20)

static void *index_alloc(size_t bytes)
{
	if (bytes < 2 * HUGE_BYTES)
		return calloc(1, bytes);
	size_t len = bytes + HUGE_BYTES;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uintptr_t a = ((uintptr_t)p + HUGE_BYTES - 1) & ~(uintptr_t)(HUGE_BYTES - 1);
	size_t head = a - (uintptr_t)p;
	if (head)
		munmap(p, head);
	munmap((uint8_t *)a + bytes, HUGE_BYTES - head);
	(void)madvise((void *)a, bytes, MADV_HUGEPAGE);
	return (void *)a;
}

/* Zeroes the index; a mapped one gives its pages back (the kernel
 * hands out zeroed ones again where entries fill it). */
static void index_clear(void *p, size_t bytes)
{
	if (bytes < 2 * HUGE_BYTES || madvise(p, bytes, MADV_DONTNEED) < 0)
		memset(p, 0, bytes);
}

static void index_free(void *p, size_t bytes)
{
	if (!p)
		return;
	if (bytes < 2 * HUGE_BYTES)
		free(p);
	else
		munmap(p, bytes);
}

struct qt_set *qt_set_new(const char *name, const struct qt_set_type *type,
			  const struct qt_set_opts *o)
{
	struct qt_set *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	strncpy(s->name, name, QT_SET_NAME_MAX - 1);
	s->type = type;
	s->o = *o;
	qt_spin_init(&s->lock);
	if (o->has_initval)
		s->initval = o->initval;
	else if (getrandom(&s->initval, sizeof(s->initval), 0) != sizeof(s->initval))
		s->initval = (uint32_t)qt_set_now_ms() * 2654435761u;
	/* the index at most half full: short probes, hits and misses */
	uint64_t ne = 64;
	while (ne < 2 * (uint64_t)o->maxelem)
		ne <<= 1;
	if (o->maxelem > QT_SET_SLOT / 2) {
		free(s);
		return NULL;
	}
	s->nents = (uint32_t)ne;
	s->compact = o->family != AF_INET6 && !(type->ndims == 3);
	s->ekey = index_alloc(ne * sizeof(*s->ekey));
	s->eslot = index_alloc(ne * sizeof(*s->eslot));
	s->slots = calloc(o->maxelem ? o->maxelem : 1, sizeof(*s->slots));
	if (!s->ekey || !s->eslot || !s->slots) {
		index_free(s->ekey, ne * sizeof(*s->ekey));
		index_free(s->eslot, ne * sizeof(*s->eslot));
		free(s->slots);
		free(s);
		return NULL;
	}
	return s;
}

static void free_comments(struct qt_set *s)
{
	for (uint32_t i = 0; i < s->fresh; i++) {
		free(s->slots[i].comment);
		s->slots[i].comment = NULL;
	}
}

void qt_set_free(struct qt_set *s)
{
	if (!s)
		return;
	free_comments(s);
	index_free(s->ekey, s->nents * sizeof(*s->ekey));
	index_free(s->eslot, s->nents * sizeof(*s->eslot));
	free(s->slots);
	free(s);
}

void qt_set_get(struct qt_set *s)
{
	s->refs++;
}

void qt_set_put(struct qt_set *s)
{
	if (s && --s->refs == 0 && s->destroyed)
		qt_set_free(s);
}

void qt_set_destroy(struct qt_set *s)
{
	qt_sets_remove(s);
	if (s->refs)
		s->destroyed = true;
	else
		qt_set_free(s);
}

static bool expired(const struct qt_set_elem *e, uint64_t now_ms)
{
	return e->expires_ms && e->expires_ms <= now_ms;
}

/* The index entry of k (entry index + 1); 0 when absent. Under the
 * lock. */
static uint32_t find_at(const struct qt_set *s, const struct qt_set_key *k,
			struct ikey ik)
{
	uint32_t m = s->nents - 1;
	/* the nomatch flag is no part of the key */
	uint64_t mask = s->compact ? ~(uint64_t)EK_NOMATCH : ~(uint64_t)0;
	for (uint32_t i = ik.h & m;; i = (i + 1) & m) {
		uint64_t ek = s->ekey[i];
		if (!ek)
			return 0;
		if ((ek & mask) != ik.ck)
			continue;
		if (s->compact ||
		    !memcmp(&s->slots[(s->eslot[i] & QT_SET_SLOT) - 1].key, k,
			    sizeof(*k)))
			return i + 1;
	}
}

static uint32_t find(const struct qt_set *s, const struct qt_set_key *k)
{
	return find_at(s, k, index_key(s, k));
}

static struct qt_set_elem *slot_of(const struct qt_set *s, uint32_t ent)
{
	return &s->slots[(s->eslot[ent - 1] & QT_SET_SLOT) - 1];
}

/* Empties entry i and moves later entries of its run back, so that
 * every entry stays reachable from its home (linear probing's deletion
 * without tombstones). */
static void ent_remove(struct qt_set *s, uint32_t i)
{
	uint32_t m = s->nents - 1;
	for (uint32_t j = (i + 1) & m; s->ekey[j]; j = (j + 1) & m) {
		uint32_t home = home_of(s, s->ekey[j]) & m;
		/* j stays when its home lies cyclically in (i, j] */
		bool stays = i <= j ? home > i && home <= j
				    : home > i || home <= j;
		if (!stays) {
			s->ekey[i] = s->ekey[j];
			s->eslot[i] = s->eslot[j];
			i = j;
		}
	}
	s->ekey[i] = 0;
	s->eslot[i] = 0;
}

/* Removes the element of entry ent (index + 1). Under the lock; the
 * comment is handed back for freeing outside it. */
static char *unlink_slot(struct qt_set *s, uint32_t ent)
{
	uint32_t i = s->eslot[ent - 1] & QT_SET_SLOT;
	struct qt_set_elem *e = &s->slots[i - 1];
	ent_remove(s, ent - 1);
	char *c = e->comment;
	e->comment = NULL;
	e->used = false;
	e->next = s->freelist;
	s->freelist = i;
	s->nelems--;
	s->cidr_count[cidr_slot(e->key.cidr)]--;
	return c;
}

static void set_opts(struct qt_set *s, struct qt_set_elem *e,
		     const struct qt_set_elem_opts *eo, char *comment,
		     uint64_t now_ms)
{
	uint32_t t = s->o.has_timeout ? s->o.timeout : 0;
	if (eo && eo->has_timeout)
		t = eo->timeout;
	e->expires_ms = s->o.has_timeout && t ? now_ms + (uint64_t)t * 1000u : 0;
	atomic_store(&e->packets, eo && eo->has_packets ? eo->packets : 0);
	atomic_store(&e->bytes, eo && eo->has_bytes ? eo->bytes : 0);
	e->comment = comment;
	e->nomatch = eo && eo->nomatch && has_net(s);
}

/* The entry's nomatch bit follows its element's flag. */
static void ent_sync(struct qt_set *s, uint32_t ent, const struct qt_set_elem *e)
{
	uint32_t *es = &s->eslot[ent - 1];
	*es = (*es & QT_SET_SLOT) | (e->nomatch ? QT_SET_ENT_NOMATCH : 0);
	if (s->compact) {
		uint64_t *ek = &s->ekey[ent - 1];
		*ek = (*ek & ~(uint64_t)EK_NOMATCH) | (e->nomatch ? EK_NOMATCH : 0);
	}
}

int qt_set_add(struct qt_set *s, const struct qt_set_key *k,
	       const struct qt_set_elem_opts *eo, bool exist, uint64_t now_ms)
{
	/* the comment is copied before the lock: nothing allocates under it */
	char *comment = NULL;
	if (eo && eo->comment && s->o.comment) {
		comment = strndup(eo->comment, QT_SET_COMMENT_MAX);
		if (!comment)
			return -ENOMEM;
	}
	char *old = NULL;
	int rc = 0;
	qt_spin_lock(&s->lock);
	uint32_t ent = find(s, k);
	if (ent) {
		struct qt_set_elem *e = slot_of(s, ent);
		if (!expired(e, now_ms) && !exist) {
			rc = -EEXIST;
		} else {
			old = e->comment;
			set_opts(s, e, eo, comment, now_ms);
			ent_sync(s, ent, e);
			comment = NULL;
		}
		goto out;
	}
	uint32_t i;
	if (s->freelist) {
		i = s->freelist;
		s->freelist = s->slots[i - 1].next;
	} else if (s->fresh < s->o.maxelem) {
		i = ++s->fresh;
	} else {
		rc = -ENOSPC;
		goto out;
	}
	struct qt_set_elem *e = &s->slots[i - 1];
	e->key = *k;
	e->used = true;
	set_opts(s, e, eo, comment, now_ms);
	comment = NULL;
	struct ikey ik = index_key(s, k);
	uint32_t m = s->nents - 1, at = ik.h & m;
	while (s->ekey[at])
		at = (at + 1) & m;
	s->ekey[at] = ik.ck;
	s->eslot[at] = i;
	ent_sync(s, at + 1, e);
	s->nelems++;
	s->cidr_count[cidr_slot(k->cidr)]++;
out:
	qt_spin_unlock(&s->lock);
	free(old);
	free(comment);
	return rc;
}

int qt_set_del(struct qt_set *s, const struct qt_set_key *k, uint64_t now_ms)
{
	char *c = NULL;
	int rc = -ENOENT;
	qt_spin_lock(&s->lock);
	uint32_t ent = find(s, k);
	if (ent) {
		bool was_live = !expired(slot_of(s, ent), now_ms);
		c = unlink_slot(s, ent);
		if (was_live)
			rc = 0;
	}
	qt_spin_unlock(&s->lock);
	free(c);
	return rc;
}

bool qt_set_has(struct qt_set *s, const struct qt_set_key *k, uint64_t now_ms,
		bool *nomatch)
{
	qt_spin_lock(&s->lock);
	uint32_t ent = find(s, k);
	bool r = ent && !expired(slot_of(s, ent), now_ms);
	bool nm = r && slot_of(s, ent)->nomatch;
	qt_spin_unlock(&s->lock);
	if (nomatch)
		*nomatch = nm;
	return r && !nm;
}

/* a to its first cidr bits, in a set of family */
static void mask_addr(union qt_addr *a, unsigned cidr, uint8_t family)
{
	if (family != AF_INET6) {
		a->v4.s_addr &= cidr ? htonl(~0u << (32 - cidr)) : 0;
		return;
	}
	for (unsigned w = 0; w < 4; w++) {
		unsigned bits = cidr > 32 * w ? cidr - 32 * w : 0;
		uint32_t m = bits >= 32 ? ~0u : bits ? ~0u << (32 - bits) : 0;
		a->v6.s6_addr32[w] &= htonl(m);
	}
}

static bool cnt_meets(uint8_t op, uint64_t have, uint64_t want)
{
	switch (op) {
	case QT_SET_CNT_EQ: return have == want;
	case QT_SET_CNT_NE: return have != want;
	case QT_SET_CNT_LT: return have < want;
	case QT_SET_CNT_GT: return have > want;
	default: return true;
	}
}

/* Prefix lengths whose probes are started together. */
#define PROBE_BATCH 4

enum qt_set_result qt_set_lookup(struct qt_set *s, const struct qt_set_key *k,
		   uint64_t now_ms, const struct qt_set_cond *cond, bool count,
		   uint64_t len, uint64_t *pkts, uint64_t *bytes)
{
	struct qt_set_key probe = *k;
	bool net = has_net(s);
	enum qt_set_result hit = QT_SET_MISS;
	/* the prefix lengths to probe, most specific first (as the
	 * kernel's hash:net), a batch at a time: each probe of a big set
	 * is a cache miss, so the batch's home entries are fetched
	 * together and their misses overlap instead of following one
	 * another */
	struct qt_set_key keys[PROBE_BATCH];
	struct ikey iks[PROBE_BATCH];
	unsigned nb = 0, bi = 0;
	int c = net ? (int)host_cidr(s) : 0;
	qt_spin_lock(&s->lock);
	for (;;) {
		if (bi == nb) {
			nb = bi = 0;
			for (; c >= 0 && nb < PROBE_BATCH; c--) {
				if (net && !s->cidr_count[c])
					continue;
				keys[nb] = probe;
				if (net) {
					mask_addr(&keys[nb].ip, (unsigned)c,
						  s->o.family);
					keys[nb].cidr = (uint8_t)c;
				}
				iks[nb] = index_key(s, &keys[nb]);
				__builtin_prefetch(&s->ekey[iks[nb].h &
							    (s->nents - 1)]);
				nb++;
			}
			if (!nb)
				break;
		}
		uint32_t ent = find_at(s, &keys[bi], iks[bi]);
		bi++;
		if (!ent)
			continue;
		/* the entry alone decides an element without timeout or
		 * counters to read: its slot stays out of the cache */
		if (!s->o.has_timeout && !cond && !count && !pkts && !bytes) {
			bool nm = s->compact
				  ? (s->ekey[ent - 1] & EK_NOMATCH) != 0
				  : (s->eslot[ent - 1] & QT_SET_ENT_NOMATCH) != 0;
			hit = nm ? QT_SET_NOMATCH : QT_SET_HIT;
			break;
		}
		struct qt_set_elem *e = slot_of(s, ent);
		if (expired(e, now_ms))
			continue;
		/* the element found decides, as the kernel's: its counters
		 * as they were before this packet */
		if (cond && (!cnt_meets(cond->packets_op,
					atomic_load(&e->packets), cond->packets) ||
			     !cnt_meets(cond->bytes_op, atomic_load(&e->bytes),
					cond->bytes)))
			break;
		hit = e->nomatch ? QT_SET_NOMATCH : QT_SET_HIT;
		if (count) {
			atomic_fetch_add_explicit(&e->packets, 1,
						  memory_order_relaxed);
			atomic_fetch_add_explicit(&e->bytes, len,
						  memory_order_relaxed);
		}
		if (pkts)
			*pkts = atomic_load(&e->packets);
		if (bytes)
			*bytes = atomic_load(&e->bytes);
		break;
	}
	qt_spin_unlock(&s->lock);
	return hit;
}

#define CHUNK 64

void qt_set_foreach(struct qt_set *s, uint64_t now_ms,
		    int (*fn)(void *ctx, const struct qt_set_elem_view *e),
		    void *ctx)
{
	struct qt_set_elem_view *v = malloc(CHUNK * sizeof(*v));
	if (!v)
		return;
	for (uint32_t base = 0;; base += CHUNK) {
		unsigned n = 0;
		qt_spin_lock(&s->lock);
		uint32_t end = s->fresh;
		for (uint32_t i = base; i < end && i < base + CHUNK; i++) {
			struct qt_set_elem *e = &s->slots[i];
			if (!e->used || expired(e, now_ms))
				continue;
			struct qt_set_elem_view *o = &v[n++];
			o->key = e->key;
			o->has_timeout = s->o.has_timeout;
			o->expiring = e->expires_ms != 0;
			/* whole seconds, at least 1 while it lives (the
			 * kernel's ip_set_timeout_get) */
			o->remaining = e->expires_ms
				? (uint32_t)((e->expires_ms - now_ms) / 1000u) : 0;
			if (o->expiring && !o->remaining)
				o->remaining = 1;
			o->packets = atomic_load(&e->packets);
			o->bytes = atomic_load(&e->bytes);
			o->nomatch = e->nomatch;
			o->comment[0] = '\0';
			if (e->comment)
				strcpy(o->comment, e->comment);
		}
		qt_spin_unlock(&s->lock);
		for (unsigned j = 0; j < n; j++)
			if (fn(ctx, &v[j])) {
				free(v);
				return;
			}
		if (base + CHUNK >= end)
			break;
	}
	free(v);
}

void qt_set_flush(struct qt_set *s)
{
	qt_spin_lock(&s->lock);
	uint32_t fresh = s->fresh;
	index_clear(s->ekey, s->nents * sizeof(*s->ekey));
	index_clear(s->eslot, s->nents * sizeof(*s->eslot));
	memset(s->cidr_count, 0, sizeof(s->cidr_count));
	s->fresh = 0;
	s->freelist = 0;
	s->nelems = 0;
	char **cs = NULL;
	/* the comments leave with the slots; freed after the lock */
	size_t nc = 0;
	for (uint32_t i = 0; i < fresh; i++)
		if (s->slots[i].comment)
			nc++;
	if (nc)
		cs = malloc(nc * sizeof(*cs));
	nc = 0;
	for (uint32_t i = 0; i < fresh; i++) {
		if (s->slots[i].comment && cs)
			cs[nc++] = s->slots[i].comment;
		else
			free(s->slots[i].comment);
		memset(&s->slots[i], 0, sizeof(s->slots[i]));
	}
	qt_spin_unlock(&s->lock);
	for (size_t i = 0; i < nc; i++)
		free(cs[i]);
	free(cs);
}

uint32_t qt_set_gc(struct qt_set *s, uint64_t now_ms)
{
	/* one removal per hold of the lock, its comment freed after */
	for (uint32_t i = 0;; i++) {
		char *c = NULL;
		qt_spin_lock(&s->lock);
		bool more = i < s->fresh;
		if (more) {
			struct qt_set_elem *e = &s->slots[i];
			uint32_t ent = e->used && expired(e, now_ms)
				       ? find(s, &e->key) : 0;
			if (ent)
				c = unlink_slot(s, ent);
		}
		qt_spin_unlock(&s->lock);
		free(c);
		if (!more)
			break;
	}
	return s->nelems;
}

size_t qt_set_memsize(const struct qt_set *s)
{
	size_t comments = 0;
	for (uint32_t i = 0; i < s->fresh; i++)
		if (s->slots[i].comment)
			comments += strlen(s->slots[i].comment) + 1;
	return sizeof(*s) + s->nents * (sizeof(*s->ekey) + sizeof(*s->eslot)) +
	       (size_t)s->nelems * sizeof(struct qt_set_elem) + comments;
}

void qt_set_swap(struct qt_set *a, struct qt_set *b)
{
	if (a == b)
		return;
	/* in index order, so that two swaps never wait on each other */
	struct qt_set *first = a->index < b->index ? a : b;
	struct qt_set *second = first == a ? b : a;
	qt_spin_lock(&first->lock);
	qt_spin_lock(&second->lock);
#define SWAP(f) do { __typeof__(a->f) t_ = a->f; a->f = b->f; b->f = t_; } while (0)
	SWAP(type);
	SWAP(o);
	SWAP(initval);
	SWAP(compact);
	SWAP(nents);
	SWAP(ekey);
	SWAP(eslot);
	SWAP(slots);
	SWAP(fresh);
	SWAP(freelist);
	SWAP(nelems);
#undef SWAP
	uint32_t cc[QT_SET_CIDRS];
	memcpy(cc, a->cidr_count, sizeof(cc));
	memcpy(a->cidr_count, b->cidr_count, sizeof(cc));
	memcpy(b->cidr_count, cc, sizeof(cc));
	qt_spin_unlock(&second->lock);
	qt_spin_unlock(&first->lock);
}

/* ---- the registry ---- */

static struct qt_set *registry[QT_SET_MAX_SETS];
static bool known = true;

bool qt_sets_known(void)
{
	return known;
}

void qt_sets_set_known(bool k)
{
	known = k;
}

struct qt_set *qt_sets_find(const char *name)
{
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++)
		if (registry[i] && !strncmp(registry[i]->name, name,
					    QT_SET_NAME_MAX))
			return registry[i];
	return NULL;
}

int qt_sets_insert(struct qt_set *s)
{
	if (qt_sets_find(s->name))
		return -EEXIST;
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++)
		if (!registry[i]) {
			registry[i] = s;
			s->index = i;
			return 0;
		}
	return -ENOSPC;
}

void qt_sets_remove(struct qt_set *s)
{
	if (s->index < QT_SET_MAX_SETS && registry[s->index] == s)
		registry[s->index] = NULL;
}

void qt_sets_replace(struct qt_set *cur, struct qt_set *old)
{
	registry[cur->index] = old;
	old->index = cur->index;
	cur->index = QT_SET_MAX_SETS;
}

struct qt_set *qt_sets_at(unsigned i)
{
	return i < QT_SET_MAX_SETS ? registry[i] : NULL;
}

void qt_sets_clear(void)
{
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++)
		if (registry[i])
			qt_set_destroy(registry[i]);
}
