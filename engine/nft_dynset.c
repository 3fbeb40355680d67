/* nft's dynamic sets and sets with timeouts (see nft_dynset.h). */
#include "nft_dynset.h"

#include <stdlib.h>
#include <string.h>

#include "spinlock.h"

/* Expired slots a packet operation looks at for collection. */
#define GC_STEP 2
#define NSEC_MS 1000000ull

struct dyn_slot {
	uint8_t key[QT_DYNSET_KEY];
	uint64_t expires_ms;        /* 0: never */
	uint64_t timeout_ms;        /* listed: 0, the set's */
	uint32_t gen;               /* the registry's generation at its add */
	uint32_t next;              /* free list: slot index + 1 */
	bool used;
	/* the element's limit, as nft_limit: tokens in nanoseconds */
	bool limit, over, limit_bytes;
	uint64_t rate, unit_s, burst;
	uint64_t cost_ns, max_ns, tokens, last_ns;
	/* its counter and quota */
	bool counter, quota, quota_over;
	uint64_t packets, bytes, quota_bytes, quota_used;
	/* ct count, for the listing */
	bool count, count_over;
	uint32_t count_n;
};

/* An element of an interval set with timeouts: its first and last key,
 * sorted by the first (nft's intervals do not overlap). One that
 * expired stays until a sync or a compile drops it, so a reconcile
 * does not bring it back from the model's listing. */
struct dyn_range {
	uint8_t lo[QT_DYNSET_KEY], hi[QT_DYNSET_KEY];
	uint64_t expires_ms;        /* 0: never */
};

struct dyn_ent {
	uint32_t slot;              /* slot index + 1; 0: empty */
	uint32_t h;                 /* the key's hash: its home */
};

struct qt_dynset {
	struct qt_dynset *next;     /* the registry's list */
	struct qt_dynsets *reg;
	uint64_t table, handle;
	unsigned refs;
	unsigned keylen;
	bool name_key;              /* interface names: zero-padded */
	bool has_timeout;           /* flags timeout: elements expire */
	uint64_t timeout_ms;        /* the set's default */
	uint32_t size;
	/* the keys the last sync wrote into the model (sorted): one the
	 * model still has that the runtime lost since went by a packet's
	 * delete or its expiry, and is not added back */
	uint8_t (*synced)[QT_DYNSET_KEY];
	uint32_t nsynced;

	qt_spinlock lock;           /* everything below */
	uint32_t nents;             /* a power of two, >= 2 * size */
	struct dyn_ent *ents;
	struct dyn_slot *slots;     /* size of them */
	uint32_t fresh, freelist, nelems, gc_at;
	/* an interval set: its ranges (no slots, no index); packets
	 * only look up, commits and expiry change them */
	bool interval;
	struct dyn_range *ranges;
	uint32_t nranges;
};

struct qt_dynsets {
	struct qt_dynset *list;
	unsigned count;
	/* elements packets add carry cur; a sync copies those up to
	 * synced into the model and moves cur on */
	_Atomic uint32_t cur;
	uint32_t synced;
};

struct qt_dynsets *qt_dynsets_new(void)
{
	struct qt_dynsets *r = calloc(1, sizeof(*r));
	if (r)
		atomic_store(&r->cur, 1);
	return r;
}

static void dyn_free(struct qt_dynset *d)
{
	free(d->synced);
	free(d->ranges);
	free(d->ents);
	free(d->slots);
	free(d);
}

void qt_dynsets_free(struct qt_dynsets *r)
{
	if (!r)
		return;
	while (r->list) {
		struct qt_dynset *d = r->list;
		r->list = d->next;
		dyn_free(d);
	}
	free(r);
}

unsigned qt_dynsets_count(const struct qt_dynsets *r)
{
	return r ? r->count : 0;
}

static bool updates_set(const struct nft_table *t, const char *name)
{
	for (unsigned ci = 0; ci < t->nchains; ci++) {
		const struct nft_chain *c = &t->chains[ci];
		for (unsigned ri = 0; ri < c->nrules; ri++)
			for (unsigned si = 0; si < c->rules[ri].n; si++) {
				const struct nft_stmt *s = &c->rules[ri].stmts[si];
				if (s->kind == NFT_S_SET_UPDATE &&
				    !strcmp(s->set_name, name))
					return true;
			}
	}
	return false;
}

bool qt_dynset_wanted(const struct nft_table *t, const struct nft_set *s)
{
	if (s->flags & (NFT_SET_TIMEOUT | NFT_SET_DYNAMIC) || s->timeout_ms)
		return true;
	for (unsigned i = 0; i < s->nelems; i++)
		if (s->elems[i].timeout_ms || s->elems[i].expires_ms)
			return true;
	return updates_set(t, s->name);
}

unsigned qt_dynset_keylen(const struct qt_dynset *d)
{
	return d->keylen;
}

/* ---- the index ---- */

static uint32_t hash_key(const struct qt_dynset *d, const uint8_t *k)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < d->keylen; i++) {
		x ^= k[i];
		x *= 0x100000001b3ull;
	}
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return (uint32_t)x;
}

/* The entry of k (index + 1), 0 when absent. Under the lock. */
static uint32_t find(const struct qt_dynset *d, const uint8_t *k, uint32_t h)
{
	uint32_t m = d->nents - 1;
	for (uint32_t i = h & m;; i = (i + 1) & m) {
		const struct dyn_ent *en = &d->ents[i];
		if (!en->slot)
			return 0;
		if (en->h == h &&
		    !memcmp(d->slots[en->slot - 1].key, k, d->keylen))
			return i + 1;
	}
}

/* Linear probing's deletion without tombstones: later entries of the
 * run move back so each stays reachable from its home. */
static void ent_remove(struct qt_dynset *d, uint32_t i)
{
	uint32_t m = d->nents - 1;
	for (uint32_t j = (i + 1) & m; d->ents[j].slot; j = (j + 1) & m) {
		uint32_t home = d->ents[j].h & m;
		bool stays = i <= j ? home > i && home <= j
				    : home > i || home <= j;
		if (!stays) {
			d->ents[i] = d->ents[j];
			i = j;
		}
	}
	d->ents[i] = (struct dyn_ent){ 0 };
}

static void unlink_ent(struct qt_dynset *d, uint32_t ent)
{
	uint32_t si = d->ents[ent - 1].slot;
	struct dyn_slot *e = &d->slots[si - 1];
	ent_remove(d, ent - 1);
	e->used = false;
	e->next = d->freelist;
	d->freelist = si;
	d->nelems--;
}

static bool expired(const struct dyn_slot *e, uint64_t now_ms)
{
	return e->expires_ms && e->expires_ms <= now_ms;
}

/* A new element's slot, indexed: NULL when the set is full. */
static struct dyn_slot *insert(struct qt_dynset *d, const uint8_t *k,
			       uint32_t h)
{
	uint32_t si;
	if (d->freelist) {
		si = d->freelist;
		d->freelist = d->slots[si - 1].next;
	} else if (d->fresh < d->size) {
		si = ++d->fresh;
	} else {
		return NULL;
	}
	struct dyn_slot *e = &d->slots[si - 1];
	memset(e, 0, sizeof(*e));
	memcpy(e->key, k, d->keylen);
	e->used = true;
	uint32_t m = d->nents - 1, at = h & m;
	while (d->ents[at].slot)
		at = (at + 1) & m;
	d->ents[at] = (struct dyn_ent){ si, h };
	d->nelems++;
	return e;
}

/* Removes expired elements among the next few slots. Under the lock. */
static void gc_step(struct qt_dynset *d, uint64_t now_ms)
{
	for (unsigned n = 0; n < GC_STEP && d->fresh; n++) {
		if (d->gc_at >= d->fresh)
			d->gc_at = 0;
		struct dyn_slot *e = &d->slots[d->gc_at++];
		if (!e->used || !expired(e, now_ms))
			continue;
		uint32_t ent = find(d, e->key, hash_key(d, e->key));
		if (ent)
			unlink_ent(d, ent);
	}
}

/* ---- keys of the model ---- */

/* A model value as the walk's key bytes (fit() of the walk: numbers
 * aligned to the end, names zero-padded). */
static void key_of(const struct qt_dynset *d, const struct nft_val *v,
		   uint8_t *k)
{
	memset(k, 0, QT_DYNSET_KEY);
	unsigned n = v->len < d->keylen ? v->len : d->keylen;
	if (d->name_key)
		memcpy(k, v->b, n);
	else
		memcpy(k + d->keylen - n, v->b + v->len - n, n);
}

static void val_of(const struct qt_dynset *d, const uint8_t *k,
		   struct nft_val *v)
{
	memset(v, 0, sizeof(*v));
	v->len = (uint8_t)(d->name_key ? strnlen((const char *)k, d->keylen)
				       : d->keylen);
	memcpy(v->b, k, v->len);
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, QT_DYNSET_KEY);
}

/* ---- making and reconciling ---- */

static void elem_stmts(struct dyn_slot *e, const struct qt_dynset_op *op)
{
	e->counter = op->counter;
	e->quota = op->quota;
	e->quota_over = op->quota_over;
	e->quota_bytes = op->quota_bytes;
	e->count = op->count;
	e->count_over = op->count_over;
	e->count_n = op->count_n;
}

static void elem_limit(struct dyn_slot *e, const struct qt_dynset_op *op,
		       uint64_t now_ns)
{
	e->limit = true;
	e->over = op->over;
	e->limit_bytes = op->bytes;
	e->rate = op->rate;
	e->unit_s = op->unit_s;
	e->burst = op->burst;
	e->cost_ns = op->cost_ns;
	e->max_ns = op->max_ns;
	e->tokens = op->max_ns;
	e->last_ns = now_ns;
}

int qt_dynset_op_limit(struct qt_dynset_op *op, uint64_t rate,
		       uint64_t unit_s, uint64_t burst, bool bytes,
		       bool over)
{
	if (!unit_s || nft_limit_params(rate, unit_s, burst, bytes,
					&op->max_ns, &op->cost_ns) != 0)
		return -1;
	op->limit = true;
	op->over = over;
	op->bytes = bytes;
	op->rate = rate;
	op->unit_s = unit_s;
	op->burst = burst || bytes ? burst : 5;
	return 0;
}

/* The model's elements into d: those it lacks are added; those the
 * model lost since the last sync go (a packet's add after it stays). */
/* ---- interval sets with timeouts ---- */

static int range_cmp(const void *a, const void *b)
{
	return memcmp(((const struct dyn_range *)a)->lo,
		      ((const struct dyn_range *)b)->lo, QT_DYNSET_KEY);
}

/* Model element m as a range. */
static void range_of(const struct qt_dynset *d, const struct nft_elem *m,
		     struct dyn_range *x)
{
	key_of(d, &m->lo, x->lo);
	if (m->kind == NFT_E_VALUE)
		memcpy(x->hi, x->lo, QT_DYNSET_KEY);
	else
		key_of(d, &m->hi, x->hi);
	x->expires_ms = 0;
}

/* The range of d starting at lo and ending at hi (index + 1), 0 when
 * there is none. Under the lock. */
static uint32_t range_find(const struct qt_dynset *d,
			   const struct dyn_range *x)
{
	if (!d->nranges)
		return 0;       /* bsearch's array may not be NULL */
	const struct dyn_range *r = bsearch(x, d->ranges, d->nranges,
					    sizeof(*d->ranges), range_cmp);
	if (!r || memcmp(r->hi, x->hi, QT_DYNSET_KEY))
		return 0;
	return (uint32_t)(r - d->ranges) + 1;
}

/* The model's elements as d's ranges: one d has keeps its time (or
 * stays gone once expired); a new one gets the time the model lists
 * (a state file's) or its timeout. */
static int reconcile_ranges(struct qt_dynset *d, const struct nft_set *s,
			    uint64_t now_ms, struct qt_buf *err)
{
	struct dyn_range *nr = calloc(s->nelems ? s->nelems : 1, sizeof(*nr));
	if (!nr) {
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	uint32_t n = 0;
	qt_spin_lock(&d->lock);
	for (unsigned i = 0; i < s->nelems; i++) {
		const struct nft_elem *m = &s->elems[i];
		struct dyn_range x;
		range_of(d, m, &x);
		uint32_t at = range_find(d, &x);
		if (at) {
			x.expires_ms = d->ranges[at - 1].expires_ms;
		} else {
			uint64_t t = m->timeout_ms ? m->timeout_ms
						   : d->timeout_ms;
			x.expires_ms = m->expires_ms ? now_ms + m->expires_ms
				       : t ? now_ms + t : 0;
		}
		if (x.expires_ms && x.expires_ms <= now_ms)
			continue;
		nr[n++] = x;
	}
	qsort(nr, n, sizeof(*nr), range_cmp);
	struct dyn_range *old = d->ranges;
	d->ranges = nr;
	d->nranges = n;
	qt_spin_unlock(&d->lock);
	free(old);
	return 0;
}

/* Keeps the model's elements whose ranges live, each with its time
 * left. */
static void sync_ranges(struct qt_dynset *d, struct nft_set *s,
			uint64_t now_ms)
{
	unsigned n = 0;
	qt_spin_lock(&d->lock);
	uint32_t k = 0;
	for (uint32_t i = 0; i < d->nranges; i++)
		if (!d->ranges[i].expires_ms || d->ranges[i].expires_ms > now_ms)
			d->ranges[k++] = d->ranges[i];
	d->nranges = k;
	for (unsigned i = 0; i < s->nelems; i++) {
		struct nft_elem *m = &s->elems[i];
		struct dyn_range x;
		range_of(d, m, &x);
		uint32_t at = range_find(d, &x);
		if (!at) {
			free(m->comment);
			free(m->chain);
			continue;
		}
		uint64_t e = d->ranges[at - 1].expires_ms;
		m->expires_ms = e ? e - now_ms : 0;
		s->elems[n++] = *m;
	}
	qt_spin_unlock(&d->lock);
	s->nelems = n;
}

static bool range_lookup(struct qt_dynset *d, const uint8_t *key,
			 uint64_t now_ms)
{
	uint8_t k[QT_DYNSET_KEY] = { 0 };
	memcpy(k, key, d->keylen);
	bool in = false;
	qt_spin_lock(&d->lock);
	/* the last range starting at or before the key */
	uint32_t lo = 0, hi = d->nranges;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (memcmp(d->ranges[mid].lo, k, QT_DYNSET_KEY) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		const struct dyn_range *r = &d->ranges[lo - 1];
		in = memcmp(k, r->hi, QT_DYNSET_KEY) <= 0 &&
		     (!r->expires_ms || r->expires_ms > now_ms);
	}
	qt_spin_unlock(&d->lock);
	return in;
}

static int reconcile(struct qt_dynset *d, const struct nft_set *s,
		     bool fresh_rt, uint64_t now_ms, struct qt_buf *err)
{
	if (d->interval)
		return reconcile_ranges(d, s, now_ms, err);
	struct qt_dynsets *r = d->reg;
	uint8_t (*keys)[QT_DYNSET_KEY] =
		malloc((s->nelems ? s->nelems : 1) * sizeof(*keys));
	if (!keys) {
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	for (unsigned i = 0; i < s->nelems; i++)
		key_of(d, &s->elems[i].lo, keys[i]);
	qsort(keys, s->nelems, sizeof(*keys), key_cmp);
	uint32_t synced = r->synced;
	for (uint32_t i = 0; !fresh_rt; i++) {
		qt_spin_lock(&d->lock);
		bool more = i < d->fresh;
		if (more) {
			struct dyn_slot *e = &d->slots[i];
			uint8_t k[QT_DYNSET_KEY] = { 0 };
			memcpy(k, e->key, d->keylen);
			if (e->used && e->gen <= synced &&
			    !bsearch(k, keys, s->nelems, sizeof(*keys), key_cmp)) {
				uint32_t ent = find(d, e->key,
						    hash_key(d, e->key));
				if (ent)
					unlink_ent(d, ent);
			}
		}
		qt_spin_unlock(&d->lock);
		if (!more)
			break;
	}
	free(keys);
	for (unsigned i = 0; i < s->nelems; i++) {
		const struct nft_elem *m = &s->elems[i];
		uint8_t k[QT_DYNSET_KEY];
		key_of(d, &m->lo, k);
		bool was_synced = d->synced &&
				  bsearch(k, d->synced, d->nsynced,
					  sizeof(*d->synced), key_cmp);
		/* the time it has left: as the model lists it (a state
		 * file's, or typed), else its timeout */
		uint64_t exp = 0;
		if (d->has_timeout) {
			uint64_t t = m->timeout_ms ? m->timeout_ms : d->timeout_ms;
			if (m->expires_ms)
				exp = now_ms + m->expires_ms;
			else if (t)
				exp = now_ms + t;
			if (exp && exp <= now_ms)
				continue;
		}
		uint32_t h = hash_key(d, k);
		qt_spin_lock(&d->lock);
		uint32_t ent = find(d, k, h);
		if (ent && expired(&d->slots[d->ents[ent - 1].slot - 1],
				   now_ms)) {
			unlink_ent(d, ent);
			ent = 0;
		}
		/* gone from the runtime since the model had it from it */
		struct dyn_slot *e = ent || was_synced ? NULL : insert(d, k, h);
		if (e) {
			e->expires_ms = exp;
			e->timeout_ms = m->timeout_ms;
			/* what it carries, as listed (a state file's) */
			struct qt_dynset_op op = {
				.kind = QT_DYN_ADD, .counter = m->has_counter,
				.quota = m->has_quota,
				.quota_over = m->quota_over,
				.quota_bytes = m->quota_bytes,
				.count = m->has_count,
				.count_over = m->count_over,
				.count_n = m->count,
			};
			elem_stmts(e, &op);
			e->packets = m->packets;
			e->bytes = m->bytes;
			e->quota_used = m->quota_used;
			if (m->has_limit &&
			    qt_dynset_op_limit(&op, m->limit_rate,
					       m->limit_unit_s, m->limit_burst,
					       m->limit_bytes,
					       m->limit_over) == 0)
				elem_limit(e, &op, now_ms * NSEC_MS);
		}
		qt_spin_unlock(&d->lock);
		if (!ent && !e && !was_synced) {
			qt_buf_printf(err, "Error: set %s is full (size %u)\n",
				      s->name, d->size);
			return -1;
		}
	}
	return 0;
}

/* A concatenation's key: its parts, each padded to 32-bit words as the
 * model's elements and the walk's keys hold them. */
static unsigned concat_keylen(const struct nft_set *s)
{
	unsigned len = 0;
	for (unsigned i = 0; i < s->nktypes; i++) {
		const struct nft_field *f = !s->typeof_field ? NULL
					    : i ? s->typeof_cat[i - 1]
						: s->typeof_field;
		unsigned bits = f ? f->bits : s->ktypes[i]->bits;
		len += (bits + 31) / 32 * 4;
	}
	return len;
}

/* Interface names (wildcards) are not ranges of bytes. */
static bool d_name(const struct nft_dtype *dt)
{
	return dt && dt->id == NFT_T_IFNAME;
}

static struct qt_dynset *dyn_new(struct qt_dynsets *r,
				 const struct nft_table *t,
				 const struct nft_set *s, struct qt_buf *err)
{
	const struct nft_dtype *dt = s->type;
	unsigned bits = s->typeof_field ? s->typeof_field->bits
					: dt ? dt->bits : 0;
	unsigned keylen = (bits + 7) / 8;
	bool cat = s->nktypes > 1;
	if (cat)
		keylen = concat_keylen(s);
	bool interval = s->flags & NFT_SET_INTERVAL;
	const char *no = s->map ? "maps"
		       : interval && cat
			 ? "concatenated interval sets that expire"
		       : interval && updates_set(t, s->name)
			 ? "interval sets that packets fill"
		       : !keylen || keylen > QT_DYNSET_KEY || (interval && d_name(dt))
			 ? "dynamic sets of this type" : NULL;
	if (no) {
		qt_buf_printf(err, "Error: qtables cannot run %s yet; ", no);
		return NULL;
	}
	struct qt_dynset *d = calloc(1, sizeof(*d));
	if (!d) {
		qt_buf_printf(err, "Error: out of memory\n");
		return NULL;
	}
	d->reg = r;
	d->table = t->handle;
	d->handle = s->handle;
	d->keylen = keylen;
	/* a concatenation's parts are whole words, a name's padded: the
	 * model's bytes as they are */
	d->name_key = !cat && dt && dt->id == NFT_T_IFNAME;
	d->has_timeout = s->flags & NFT_SET_TIMEOUT || s->timeout_ms;
	for (unsigned i = 0; !d->has_timeout && i < s->nelems; i++)
		d->has_timeout = s->elems[i].timeout_ms != 0;
	d->timeout_ms = s->timeout_ms;
	/* the kernel's default for a set without a size: 65535 once the
	 * rules fill it (nft lists it), unbounded otherwise, which a
	 * runtime of fixed memory cannot be */
	d->size = s->size ? s->size : 65535;
	if (d->size < s->nelems)
		d->size = s->nelems;
	if (interval) {
		d->interval = true;
		qt_spin_init(&d->lock);
		return d;
	}
	uint64_t ne = 64;
	while (ne < 2 * (uint64_t)d->size)
		ne <<= 1;
	d->nents = (uint32_t)ne;
	qt_spin_init(&d->lock);
	d->ents = calloc(ne, sizeof(*d->ents));
	d->slots = calloc(d->size, sizeof(*d->slots));
	if (!d->ents || !d->slots) {
		dyn_free(d);
		qt_buf_printf(err, "Error: out of memory\n");
		return NULL;
	}
	return d;
}

struct qt_dynset *qt_dynset_get(struct qt_dynsets *r,
				const struct nft_table *t,
				const struct nft_set *s, uint64_t now_ms,
				struct qt_buf *err)
{
	struct qt_dynset *d = r->list;
	while (d && (d->table != t->handle || d->handle != s->handle))
		d = d->next;
	bool fresh_rt = !d;
	if (!d) {
		d = dyn_new(r, t, s, err);
		if (!d)
			return NULL;
	} else {
		/* a set's timeout and size change only with the set */
		d->timeout_ms = s->timeout_ms;
	}
	if (reconcile(d, s, fresh_rt, now_ms, err) < 0) {
		if (fresh_rt)
			dyn_free(d);
		return NULL;
	}
	if (fresh_rt) {
		d->next = r->list;
		r->list = d;
		r->count++;
	}
	d->refs++;
	return d;
}

void qt_dynset_put(struct qt_dynsets *r, struct qt_dynset *d)
{
	if (!d || --d->refs)
		return;
	struct qt_dynset **pp = &r->list;
	while (*pp && *pp != d)
		pp = &(*pp)->next;
	if (*pp)
		*pp = d->next;
	r->count--;
	dyn_free(d);
}

unsigned qt_dynset_count(struct qt_dynset *d, uint64_t now_ms)
{
	unsigned n = 0;
	qt_spin_lock(&d->lock);
	for (uint32_t i = 0; d->interval && i < d->nranges; i++)
		n += !d->ranges[i].expires_ms ||
		     d->ranges[i].expires_ms > now_ms;
	for (uint32_t i = 0; i < d->fresh; i++)
		n += d->slots[i].used && !expired(&d->slots[i], now_ms);
	qt_spin_unlock(&d->lock);
	return n;
}

/* ---- the packet path ---- */

bool qt_dynset_lookup(struct qt_dynset *d, const uint8_t *key,
		      uint64_t now_ns)
{
	uint64_t now_ms = now_ns / NSEC_MS;
	if (d->interval)
		return range_lookup(d, key, now_ms);
	uint32_t h = hash_key(d, key);
	qt_spin_lock(&d->lock);
	uint32_t ent = find(d, key, h);
	bool in = ent && !expired(&d->slots[d->ents[ent - 1].slot - 1], now_ms);
	qt_spin_unlock(&d->lock);
	return in;
}

/* nft_limit_eval: true when a packet of len bytes is within the
 * rate. */
static bool limit_take(struct dyn_slot *e, uint64_t len, uint64_t now_ns)
{
	/* bytes: the kernel's u64 product, wrapping as it does */
	uint64_t cost = e->limit_bytes ? e->cost_ns * len / e->rate
				       : e->cost_ns;
	uint64_t tokens = e->tokens + (now_ns > e->last_ns
				       ? now_ns - e->last_ns : 0);
	if (tokens > e->max_ns)
		tokens = e->max_ns;
	e->last_ns = now_ns > e->last_ns ? now_ns : e->last_ns;
	if (tokens >= cost) {
		e->tokens = tokens - cost;
		return true;
	}
	e->tokens = tokens;
	return false;
}

/* The element's statements for a packet of len bytes (nft_limit,
 * nft_counter, nft_quota in turn): whether the rule goes on. */
static bool elem_eval(struct dyn_slot *e, uint64_t len, uint64_t now_ns)
{
	if (e->limit && limit_take(e, len, now_ns) == e->over)
		return false;
	if (e->counter) {
		e->packets++;
		e->bytes += len;
	}
	if (e->quota) {
		/* over once what it consumed, this packet included, passes
		 * the quota (nft_overquota) */
		e->quota_used += len;
		if ((e->quota_used > e->quota_bytes) != e->quota_over)
			return false;
	}
	return true;
}

bool qt_dynset_update(struct qt_dynset *d, const struct qt_dynset_op *op,
		      const uint8_t *key, uint64_t len, uint64_t now_ns)
{
	uint64_t now_ms = now_ns / NSEC_MS;
	/* no rule fills an interval set (refused when compiled) */
	if (d->interval)
		return false;
	uint32_t h = hash_key(d, key);
	bool go = true;
	qt_spin_lock(&d->lock);
	gc_step(d, now_ms);
	uint32_t ent = find(d, key, h);
	struct dyn_slot *e = ent ? &d->slots[d->ents[ent - 1].slot - 1] : NULL;
	if (e && expired(e, now_ms)) {
		unlink_ent(d, ent);
		e = NULL;
	}
	uint64_t t = op->timeout_ms ? op->timeout_ms : d->timeout_ms;
	if (op->kind == QT_DYN_DELETE) {
		if (e)
			unlink_ent(d, ent);
	} else if (!e) {
		e = insert(d, key, h);
		if (!e) {
			go = false;         /* full: the update fails */
		} else {
			e->gen = atomic_load_explicit(&d->reg->cur,
						      memory_order_relaxed);
			if (d->has_timeout && t)
				e->expires_ms = now_ms + t;
			if (op->timeout_ms && op->timeout_ms != d->timeout_ms)
				e->timeout_ms = op->timeout_ms;
			elem_stmts(e, op);
			if (op->limit)
				elem_limit(e, op, now_ns);
		}
	} else if (op->kind == QT_DYN_UPDATE && e->expires_ms && t) {
		e->expires_ms = now_ms + t;
	}
	if (go && e && op->kind != QT_DYN_DELETE)
		go = elem_eval(e, len, now_ns);
	qt_spin_unlock(&d->lock);
	return go;
}

/* ---- listing ---- */

/* The model's elements by key, for sync to keep what they carry
 * beyond the key (comments). */
struct mkey {
	uint8_t key[QT_DYNSET_KEY];
	unsigned i;
};

static const struct nft_elem *model_elem(const struct nft_set *s,
					 const struct mkey *idx,
					 const uint8_t *k)
{
	struct mkey want = { .i = 0 };
	memcpy(want.key, k, QT_DYNSET_KEY);
	const struct mkey *m = bsearch(&want, idx, s->nelems, sizeof(*idx),
				       key_cmp);
	return m ? &s->elems[m->i] : NULL;
}

static void sync_set(struct qt_dynset *d, struct nft_set *s, uint64_t now_ms)
{
	if (d->interval) {
		sync_ranges(d, s, now_ms);
		return;
	}
	qt_spin_lock(&d->lock);
	/* room for what packets add while the slots are read */
	unsigned cap = d->nelems + 64;
	qt_spin_unlock(&d->lock);
	struct nft_elem *out = calloc(cap, sizeof(*out));
	struct mkey *idx = malloc((s->nelems ? s->nelems : 1) * sizeof(*idx));
	if (!out || !idx) {
		free(out);
		free(idx);
		return;
	}
	for (unsigned i = 0; i < s->nelems; i++) {
		key_of(d, &s->elems[i].lo, idx[i].key);
		idx[i].i = i;
	}
	qsort(idx, s->nelems, sizeof(*idx), key_cmp);
	unsigned n = 0;
	for (uint32_t i = 0;; i++) {
		struct dyn_slot snap;
		qt_spin_lock(&d->lock);
		bool more = i < d->fresh;
		bool live = false;
		if (more) {
			struct dyn_slot *e = &d->slots[i];
			if (e->used && expired(e, now_ms)) {
				uint32_t ent = find(d, e->key,
						    hash_key(d, e->key));
				if (ent)
					unlink_ent(d, ent);
			} else if (e->used) {
				snap = *e;
				live = true;
			}
		}
		qt_spin_unlock(&d->lock);
		if (!more)
			break;
		if (!live || n == cap)
			continue;
		struct nft_elem *o = &out[n++];
		uint8_t k[QT_DYNSET_KEY] = { 0 };
		memcpy(k, snap.key, d->keylen);
		const struct nft_elem *m = model_elem(s, idx, k);
		if (m) {
			*o = *m;
			o->comment = m->comment ? strdup(m->comment) : NULL;
			o->chain = NULL;
		} else {
			o->kind = NFT_E_VALUE;
			val_of(d, snap.key, &o->lo);
		}
		o->timeout_ms = snap.timeout_ms;
		o->expires_ms = snap.expires_ms ? snap.expires_ms - now_ms : 0;
		o->has_counter = snap.counter;
		o->packets = snap.packets;
		o->bytes = snap.bytes;
		o->has_quota = snap.quota;
		o->quota_over = snap.quota_over;
		o->quota_bytes = snap.quota_bytes;
		/* counted past the quota, listed at most at it (as the
		 * kernel's dump caps it) */
		o->quota_used = snap.quota_used < snap.quota_bytes
				? snap.quota_used : snap.quota_bytes;
		o->has_count = snap.count;
		o->count_over = snap.count_over;
		o->count = snap.count_n;
		o->has_limit = snap.limit;
		o->limit_over = snap.over;
		o->limit_bytes = snap.limit_bytes;
		o->limit_rate = snap.rate;
		o->limit_unit_s = snap.unit_s;
		o->limit_burst = snap.burst;
	}
	free(idx);
	nft_elems_free(s->elems, s->nelems);
	s->elems = out;
	s->nelems = n;
	/* what the model now has from the runtime */
	uint8_t (*keys)[QT_DYNSET_KEY] = malloc((n ? n : 1) * sizeof(*keys));
	for (unsigned i = 0; keys && i < n; i++)
		key_of(d, &out[i].lo, keys[i]);
	if (keys)
		qsort(keys, n, sizeof(*keys), key_cmp);
	free(d->synced);
	d->synced = keys;
	d->nsynced = keys ? n : 0;
	nft_set_sort(s, s->elems, &s->nelems);
}

void qt_dynsets_sync(struct qt_dynsets *r, struct nft_ruleset *rs,
		     uint64_t now_ms)
{
	if (!r)
		return;
	/* elements added from here on are the next sync's */
	r->synced = atomic_fetch_add(&r->cur, 1);
	for (unsigned ti = 0; rs && ti < rs->ntables; ti++) {
		struct nft_table *t = &rs->tables[ti];
		for (unsigned si = 0; si < t->nsets; si++) {
			struct qt_dynset *d = r->list;
			while (d && (d->table != t->handle ||
				     d->handle != t->sets[si].handle))
				d = d->next;
			if (d)
				sync_set(d, &t->sets[si], now_ms);
		}
	}
}
