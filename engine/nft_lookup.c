/* The lookup of nft's sets and maps (see nft_lookup.h). */
#include "nft_lookup.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Tables this big go on huge pages where the kernel gives them (one
 * TLB entry instead of hundreds: a lookup in a big set then costs one
 * cache miss, not a page walk as well). */
#define HUGE_ALIGN (2u << 20)

struct range {
	uint8_t lo[QT_NFT_KEY_MAX], hi[QT_NFT_KEY_MAX];
	int32_t idx;
};

struct qt_nft_lookup {
	unsigned klen;
	/* the hash table: cap slots of stride bytes, each the key and
	 * then the element's index + 1 (0: an empty slot) */
	uint8_t *slots;
	uint32_t cap, mask, stride, nexact;
	/* a set's slots hold the key alone (half the memory of an IPv4
	 * set's table): an all-zero slot is empty, and the all-zero key
	 * is kept aside */
	bool keys_only, has_zero;
	size_t slots_bytes;
	/* one-part ranges, sorted by lo and disjoint in a set */
	struct range *sorted;
	uint32_t nsorted;
	/* concatenations with a range in a part: checked part by part */
	struct range *linear;
	uint32_t nlinear;
	uint8_t parts[QT_NFT_KEY_MAX / 4];
	unsigned nparts;
};

/* Keys of the usual lengths compared with a length the compiler knows
 * (no call). */
static inline bool key_eq(const uint8_t *a, const uint8_t *b, unsigned klen)
{
	switch (klen) {
	case 1: return a[0] == b[0];
	case 2: return !memcmp(a, b, 2);
	case 4: return !memcmp(a, b, 4);
	case 8: return !memcmp(a, b, 8);
	case 12: return !memcmp(a, b, 12);
	case 16: return !memcmp(a, b, 16);
	default: return !memcmp(a, b, klen);
	}
}

static uint8_t *slots_alloc(size_t bytes)
{
	if (bytes < HUGE_ALIGN / 2)
		return calloc(1, bytes);
	size_t n = (bytes + HUGE_ALIGN - 1) / HUGE_ALIGN * HUGE_ALIGN;
	uint8_t *p = aligned_alloc(HUGE_ALIGN, n);
	if (!p)
		return NULL;
	madvise(p, n, MADV_HUGEPAGE);
	memset(p, 0, n);
	return p;
}

/* 64-bit words of the key mixed by multiplication; klen is fixed per
 * table, so the tail is read the same way for every key. */
static uint32_t key_hash(const uint8_t *k, unsigned klen)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ klen;
	unsigned i = 0;
	for (; i + 8 <= klen; i += 8) {
		uint64_t w;
		memcpy(&w, k + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	if (i < klen) {
		uint64_t w = 0;
		memcpy(&w, k + i, klen - i);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 29;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static int range_cmp(const void *x, const void *y)
{
	return memcmp(((const struct range *)x)->lo,
		      ((const struct range *)y)->lo, QT_NFT_KEY_MAX);
}

/* Sort by the low end; a set's overlapping (or nested) ranges become
 * one, so that the last range starting at or below a key is the only
 * one that can hold it. */
static uint32_t sort_ranges(struct range *r, uint32_t n, bool merge)
{
	if (n < 2)
		return n;
	qsort(r, n, sizeof(*r), range_cmp);
	if (!merge)
		return n;
	uint32_t k = 0;
	for (uint32_t i = 1; i < n; i++) {
		struct range *cur = &r[k];
		if (memcmp(r[i].lo, cur->hi, QT_NFT_KEY_MAX) <= 0) {
			if (memcmp(r[i].hi, cur->hi, QT_NFT_KEY_MAX) > 0)
				memcpy(cur->hi, r[i].hi, QT_NFT_KEY_MAX);
			continue;
		}
		r[++k] = r[i];
	}
	return k + 1;
}

static bool is_zero(const uint8_t *k, unsigned klen)
{
	for (unsigned i = 0; i < klen; i++)
		if (k[i])
			return false;
	return true;
}

static void hash_put(struct qt_nft_lookup *l, const uint8_t *key,
		     int32_t idx)
{
	if (l->keys_only && is_zero(key, l->klen)) {
		l->nexact += !l->has_zero;
		l->has_zero = true;
		return;
	}
	uint32_t at = key_hash(key, l->klen) & l->mask;
	for (;;) {
		uint8_t *s = l->slots + (size_t)at * l->stride;
		if (l->keys_only) {
			if (is_zero(s, l->klen)) {
				memcpy(s, key, l->klen);
				l->nexact++;
				return;
			}
			if (key_eq(s, key, l->klen))
				return;
			at = (at + 1) & l->mask;
			continue;
		}
		uint32_t v;
		memcpy(&v, s + l->stride - 4, 4);
		if (!v) {
			memcpy(s, key, l->klen);
			v = (uint32_t)idx + 1;
			memcpy(s + l->stride - 4, &v, 4);
			l->nexact++;
			return;
		}
		/* the same key twice: the first element answers */
		if (key_eq(s, key, l->klen))
			return;
		at = (at + 1) & l->mask;
	}
}

struct qt_nft_lookup *qt_nft_lookup_build(unsigned klen,
					  const struct qt_nft_lkey *e,
					  uint32_t n, const uint8_t *parts,
					  unsigned nparts, bool merge)
{
	if (klen > QT_NFT_KEY_MAX || nparts > QT_NFT_KEY_MAX / 4)
		return NULL;
	struct qt_nft_lookup *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->klen = klen;
	l->nparts = nparts > 1 ? nparts : 1;
	if (nparts > 1)
		memcpy(l->parts, parts, nparts);
	else
		l->parts[0] = (uint8_t)klen;
	uint32_t nex = 0, nrange = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!memcmp(e[i].lo, e[i].hi, klen))
			nex++;
		else
			nrange++;
	}
	l->cap = 16;
	while (l->cap < 2 * (uint64_t)nex)
		l->cap *= 2;
	l->mask = l->cap - 1;
	l->keys_only = merge;
	l->stride = (klen + 3) / 4 * 4 + (merge ? 0 : 4);
	l->slots_bytes = (size_t)l->cap * l->stride;
	l->slots = slots_alloc(l->slots_bytes);
	struct range *r = calloc(nrange ? nrange : 1, sizeof(*r));
	if (!l->slots || !r) {
		free(r);
		qt_nft_lookup_free(l);
		return NULL;
	}
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!memcmp(e[i].lo, e[i].hi, klen)) {
			hash_put(l, e[i].lo, (int32_t)i);
			continue;
		}
		memcpy(r[k].lo, e[i].lo, klen);
		memcpy(r[k].hi, e[i].hi, klen);
		r[k++].idx = (int32_t)i;
	}
	if (l->nparts > 1) {
		l->linear = r;
		l->nlinear = nrange;
	} else {
		l->sorted = r;
		l->nsorted = sort_ranges(r, nrange, merge);
	}
	return l;
}

void qt_nft_lookup_free(struct qt_nft_lookup *l)
{
	if (!l)
		return;
	free(l->slots);
	free(l->sorted);
	free(l->linear);
	free(l);
}

/* In a set: 0 for any key it holds (an index of the elements that
 * have it is all a set's lookup needs). */
static int32_t set_find(const struct qt_nft_lookup *l, const uint8_t *key)
{
	if (is_zero(key, l->klen))
		return l->has_zero ? 0 : -1;
	uint32_t at = key_hash(key, l->klen) & l->mask;
	for (;;) {
		const uint8_t *s = l->slots + (size_t)at * l->stride;
		if (key_eq(s, key, l->klen))
			return 0;
		if (is_zero(s, l->klen))
			return -1;
		at = (at + 1) & l->mask;
	}
}

static int32_t hash_find(const struct qt_nft_lookup *l, const uint8_t *key)
{
	if (l->keys_only)
		return set_find(l, key);
	uint32_t at = key_hash(key, l->klen) & l->mask;
	for (;;) {
		const uint8_t *s = l->slots + (size_t)at * l->stride;
		uint32_t v;
		memcpy(&v, s + l->stride - 4, 4);
		if (!v)
			return -1;
		if (key_eq(s, key, l->klen))
			return (int32_t)(v - 1);
		at = (at + 1) & l->mask;
	}
}

static int32_t sorted_find(const struct qt_nft_lookup *l, const uint8_t *key)
{
	if (!l->nsorted)
		return -1;
	uint32_t lo = 0, hi = l->nsorted;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (memcmp(l->sorted[mid].lo, key, l->klen) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	const struct range *r = &l->sorted[lo];
	if (memcmp(key, r->lo, l->klen) >= 0 && memcmp(key, r->hi, l->klen) <= 0)
		return r->idx;
	return -1;
}

static int32_t linear_find(const struct qt_nft_lookup *l, const uint8_t *key)
{
	for (uint32_t i = 0; i < l->nlinear; i++) {
		const struct range *r = &l->linear[i];
		unsigned off = 0, p = 0;
		for (; p < l->nparts; p++) {
			unsigned len = l->parts[p];
			if (memcmp(key + off, r->lo + off, len) < 0 ||
			    memcmp(key + off, r->hi + off, len) > 0)
				break;
			off += len;
		}
		if (p == l->nparts)
			return r->idx;
	}
	return -1;
}

int32_t qt_nft_lookup_find(const struct qt_nft_lookup *l, const uint8_t *key)
{
	int32_t i = l->nexact ? hash_find(l, key) : -1;
	if (i < 0)
		i = sorted_find(l, key);
	if (i < 0 && l->nlinear)
		i = linear_find(l, key);
	return i;
}

void qt_nft_lookup_shape(const struct qt_nft_lookup *l, uint32_t *exact,
			 uint32_t *sorted, uint32_t *linear)
{
	*exact = l->nexact;
	*sorted = l->nsorted;
	*linear = l->nlinear;
}
