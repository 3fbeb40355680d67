#include "set_store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

static uint32_t mix(uint32_t h, uint32_t w)
{
	w *= 0xcc9e2d51u;
	w = (w << 15) | (w >> 17);
	w *= 0x1b873593u;
	h ^= w;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64u;
}

static uint32_t hash_key(const struct qt_set *s, const struct qt_set_key *k)
{
	uint32_t w[sizeof(*k) / 4];
	memcpy(w, k, sizeof(w));
	uint32_t h = s->initval;
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		h = mix(h, w[i]);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h & (s->nbuckets - 1);
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
	/* about two slots per bucket when full */
	uint32_t nb = 64;
	while (nb < o->maxelem / 2 && nb < (1u << 24))
		nb <<= 1;
	s->nbuckets = nb;
	s->buckets = calloc(nb, sizeof(*s->buckets));
	s->slots = calloc(o->maxelem ? o->maxelem : 1, sizeof(*s->slots));
	if (!s->buckets || !s->slots) {
		free(s->buckets);
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
	free(s->buckets);
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

/* The slot of k (index + 1) and the link pointing at it; 0 when absent.
 * Under the lock. */
static uint32_t find(struct qt_set *s, const struct qt_set_key *k,
		     uint32_t **link)
{
	uint32_t *l = &s->buckets[hash_key(s, k)];
	while (*l) {
		struct qt_set_elem *e = &s->slots[*l - 1];
		if (!memcmp(&e->key, k, sizeof(*k))) {
			if (link)
				*link = l;
			return *l;
		}
		l = &e->next;
	}
	return 0;
}

/* Unlinks slot i (index + 1) reached through link. Under the lock; the
 * comment is handed back for freeing outside it. */
static char *unlink_slot(struct qt_set *s, uint32_t *link, uint32_t i)
{
	struct qt_set_elem *e = &s->slots[i - 1];
	*link = e->next;
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
	uint32_t *link;
	uint32_t i = find(s, k, &link);
	if (i) {
		struct qt_set_elem *e = &s->slots[i - 1];
		if (!expired(e, now_ms) && !exist) {
			rc = -EEXIST;
		} else {
			old = e->comment;
			set_opts(s, e, eo, comment, now_ms);
			comment = NULL;
		}
		goto out;
	}
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
	uint32_t *b = &s->buckets[hash_key(s, k)];
	e->next = *b;
	*b = i;
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
	uint32_t *link;
	uint32_t i = find(s, k, &link);
	if (i) {
		bool was_live = !expired(&s->slots[i - 1], now_ms);
		c = unlink_slot(s, link, i);
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
	uint32_t i = find(s, k, NULL);
	bool r = i && !expired(&s->slots[i - 1], now_ms);
	bool nm = r && s->slots[i - 1].nomatch;
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

enum qt_set_result qt_set_lookup(struct qt_set *s, const struct qt_set_key *k,
		   uint64_t now_ms, const struct qt_set_cond *cond, bool count,
		   uint64_t len, uint64_t *pkts, uint64_t *bytes)
{
	struct qt_set_key probe = *k;
	bool net = has_net(s);
	enum qt_set_result hit = QT_SET_MISS;
	qt_spin_lock(&s->lock);
	/* most specific prefix first, as the kernel's hash:net */
	for (int c = net ? (int)host_cidr(s) : 0; c >= 0; c--) {
		if (net) {
			if (!s->cidr_count[c])
				continue;
			probe.ip = k->ip;
			mask_addr(&probe.ip, (unsigned)c, s->o.family);
			probe.cidr = (uint8_t)c;
		}
		uint32_t i = find(s, &probe, NULL);
		if (!i)
			continue;
		struct qt_set_elem *e = &s->slots[i - 1];
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
	memset(s->buckets, 0, s->nbuckets * sizeof(*s->buckets));
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
	for (uint32_t b = 0; b < s->nbuckets; b++) {
		for (;;) {
			char *c = NULL;
			bool removed = false;
			qt_spin_lock(&s->lock);
			for (uint32_t *l = &s->buckets[b]; *l;
			     l = &s->slots[*l - 1].next)
				if (expired(&s->slots[*l - 1], now_ms)) {
					c = unlink_slot(s, l, *l);
					removed = true;
					break;
				}
			qt_spin_unlock(&s->lock);
			free(c);
			if (!removed)
				break;
		}
	}
	return s->nelems;
}

size_t qt_set_memsize(const struct qt_set *s)
{
	size_t comments = 0;
	for (uint32_t i = 0; i < s->fresh; i++)
		if (s->slots[i].comment)
			comments += strlen(s->slots[i].comment) + 1;
	return sizeof(*s) + s->nbuckets * sizeof(*s->buckets) +
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
	SWAP(nbuckets);
	SWAP(buckets);
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
