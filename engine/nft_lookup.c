/* The lookup of nft's sets and maps (see nft_lookup.h). */
#include "nft_lookup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
	 * then the element's index + 1 (0: an empty slot), in buckets of
	 * bslots slots (one cache line where the stride allows) */
	uint8_t *slots;
	uint32_t cap, stride, nexact;
	uint32_t bslots, nbuckets;
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

/* Buckets start on cache lines, so that one whose slots fill a line
 * costs one miss. */
static uint8_t *slots_alloc(size_t bytes)
{
	size_t align = bytes < HUGE_ALIGN / 2 ? 64 : HUGE_ALIGN;
	size_t n = (bytes + align - 1) / align * align;
	uint8_t *p = aligned_alloc(align, n);
	if (!p)
		return NULL;
	if (align == HUGE_ALIGN)
		madvise(p, n, MADV_HUGEPAGE);
	memset(p, 0, n);
	return p;
}

/* 64-bit words of the key mixed by multiplication; klen is fixed per
 * table, so the tail is read the same way for every key. */
static inline __attribute__((always_inline)) uint32_t
key_hash(const uint8_t *k, unsigned klen)
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

/* A hash's home bucket: the hash scaled to the number of buckets (any
 * number, not only a power of two). */
static inline uint32_t home(const struct qt_nft_lookup *l, uint32_t h)
{
	return (uint32_t)(((uint64_t)h * l->nbuckets) >> 32);
}

/* The buckets are probed in turn from the key's home bucket; a key
 * goes into the first empty slot met, so a lookup that meets an empty
 * slot knows the key is not further on. */
static void hash_put(struct qt_nft_lookup *l, const uint8_t *key,
		     int32_t idx)
{
	if (l->keys_only && is_zero(key, l->klen)) {
		l->nexact += !l->has_zero;
		l->has_zero = true;
		return;
	}
	for (uint32_t b = home(l, key_hash(key, l->klen));;
	     b = b + 1 < l->nbuckets ? b + 1 : 0) {
		for (uint32_t j = 0; j < l->bslots; j++) {
			uint8_t *s = l->slots +
				     ((size_t)b * l->bslots + j) * l->stride;
			bool empty;
			if (l->keys_only) {
				empty = is_zero(s, l->klen);
			} else {
				uint32_t v;
				memcpy(&v, s + l->stride - 4, 4);
				empty = !v;
			}
			if (empty) {
				memcpy(s, key, l->klen);
				if (!l->keys_only) {
					uint32_t v = (uint32_t)idx + 1;
					memcpy(s + l->stride - 4, &v, 4);
				}
				l->nexact++;
				return;
			}
			/* the same key twice: the first element answers */
			if (key_eq(s, key, l->klen))
				return;
		}
	}
}

static struct qt_nft_lookup *build(unsigned klen, const struct qt_nft_lkey *e,
				   uint32_t n, const uint8_t *parts,
				   unsigned nparts, bool merge,
				   const uint32_t *vals)
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
	l->keys_only = merge;
	l->stride = (klen + 3) / 4 * 4 + (merge ? 0 : 4);
	/* an 8-byte key with its value: four to a cache line, not
	 * buckets of 48 bytes that straddle two */
	if (!merge && l->stride == 12)
		l->stride = 16;
	/* a bucket: as many slots (a power of two) as a cache line holds */
	l->bslots = 1;
	while (2 * l->bslots * l->stride <= 64)
		l->bslots *= 2;
	/* Big buckets stay short of full at a higher load than small
	 * ones (at 4/7 full, 3% of 16-slot buckets are; at 1/3 full, 3%
	 * of 4-slot ones): the table as small as keeps a lookup to one
	 * bucket, so more of a big set stays in the cache. */
	uint64_t want = l->bslots >= 16 ? (uint64_t)nex * 7 / 4
			: l->bslots >= 8 ? 2 * (uint64_t)nex
			: 3 * (uint64_t)nex;
	uint64_t nb = (want + l->bslots - 1) / l->bslots;
	l->nbuckets = nb > 1 ? (uint32_t)nb : 1;
	l->cap = l->nbuckets * l->bslots;
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
		int32_t v = vals ? (int32_t)vals[i] : (int32_t)i;
		if (!memcmp(e[i].lo, e[i].hi, klen)) {
			hash_put(l, e[i].lo, v);
			continue;
		}
		memcpy(r[k].lo, e[i].lo, klen);
		memcpy(r[k].hi, e[i].hi, klen);
		r[k++].idx = v;
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

struct qt_nft_lookup *qt_nft_lookup_build(unsigned klen,
					  const struct qt_nft_lkey *e,
					  uint32_t n, const uint8_t *parts,
					  unsigned nparts, bool merge)
{
	return build(klen, e, n, parts, nparts, merge, NULL);
}

struct qt_nft_lookup *qt_nft_lookup_build_map(unsigned klen,
					      const struct qt_nft_lkey *e,
					      uint32_t n, const uint8_t *parts,
					      unsigned nparts,
					      const uint32_t *vals)
{
	for (uint32_t i = 0; i < n; i++)
		if (vals[i] > INT32_MAX - 1)
			return NULL;
	return build(klen, e, n, parts, nparts, false, vals);
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

/* One bucket of a lookup table, every slot compared, none skipped: what
 * the bucket answers does not decide how far the scan goes, so the
 * branches of a lookup do not wait for its cache miss (misses of
 * consecutive packets overlap) and the common case, an answer in the
 * home bucket, is one predictable branch. With klen a constant the
 * compares are a few word operations (vector ones for 4-byte keys).
 * found: the slot's value (a map) or 1 (a set); empty: a slot was. */
static inline __attribute__((always_inline)) void
bucket_scan(const uint8_t *b,
	    const uint8_t *key, unsigned klen, unsigned bslots,
	    unsigned stride, bool keys_only, uint32_t *found, bool *empty)
{
	uint32_t f = 0;
	bool e = false;
#ifdef __SSE2__
	/* the two shapes measured most, sixteen 4-byte keys and four
	 * 12-byte keys with their values, a few vector compares */
	if (keys_only && klen == 4 && bslots == 16) {
		uint32_t k;
		memcpy(&k, key, 4);
		__m128i kv = _mm_set1_epi32((int)k), z = _mm_setzero_si128();
		__m128i eq = z, em = z;
		for (unsigned j = 0; j < 4; j++) {
			__m128i w = _mm_load_si128((const __m128i *)(b + 16 * j));
			eq = _mm_or_si128(eq, _mm_cmpeq_epi32(w, kv));
			em = _mm_or_si128(em, _mm_cmpeq_epi32(w, z));
		}
		*found = _mm_movemask_epi8(eq) != 0;
		*empty = _mm_movemask_epi8(em) != 0;
		return;
	}
	if (!keys_only && klen == 12 && stride == 16 && bslots == 4) {
		/* from registers: a copy through the stack would stall the
		 * vector load on the narrower stores before it */
		uint64_t k0;
		uint32_t k1;
		memcpy(&k0, key, 8);
		memcpy(&k1, key + 8, 4);
		__m128i kv = _mm_set_epi64x((long long)k1, (long long)k0);
		for (unsigned j = 0; j < 4; j++) {
			__m128i w = _mm_load_si128((const __m128i *)(b + 16 * j));
			unsigned m = (unsigned)_mm_movemask_epi8(
				_mm_cmpeq_epi8(w, kv));
			uint32_t v;
			memcpy(&v, b + 16 * j + 12, 4);
			f = (m & 0xfff) == 0xfff && v ? v : f;
			e |= !v;
		}
		*found = f;
		*empty = e;
		return;
	}
#endif
	for (unsigned j = 0; j < bslots; j++) {
		const uint8_t *s = b + j * stride;
		bool eq = key_eq(s, key, klen);
		if (keys_only) {
			f |= eq;
			e |= is_zero(s, klen);
		} else {
			uint32_t v;
			memcpy(&v, s + stride - 4, 4);
			f = eq && v ? v : f;
			e |= !v;
		}
	}
	*found = f;
	*empty = e;
}

/* The index of the element holding key, as hash_put left it (a set: 0
 * for any key it holds), or -1. */
static inline __attribute__((always_inline)) int32_t
table_find(const struct qt_nft_lookup *l, const uint8_t *key, unsigned klen,
	   unsigned bslots, unsigned stride, bool keys_only)
{
	if (keys_only && is_zero(key, klen))
		return l->has_zero ? 0 : -1;
	for (uint32_t b = home(l, key_hash(key, klen));;
	     b = b + 1 < l->nbuckets ? b + 1 : 0) {
		uint32_t found;
		bool empty;
		bucket_scan(l->slots + (size_t)b * bslots * stride, key,
			    klen, bslots, stride, keys_only, &found, &empty);
		if (found)
			return keys_only ? 0 : (int32_t)(found - 1);
		if (empty)
			return -1;
	}
}

/* The shapes of the usual tables with their sizes as constants: IPv4
 * and 8-byte sets, IPv6 sets, maps of 4-byte keys, of 8-byte ones
 * (address . protocol . port packed) and of a concatenation of three
 * words; others in general. */
static int32_t hash_find(const struct qt_nft_lookup *l, const uint8_t *key)
{
	if (l->keys_only) {
		switch (l->klen) {
		case 4: return table_find(l, key, 4, 16, 4, true);
		case 8: return table_find(l, key, 8, 8, 8, true);
		case 16: return table_find(l, key, 16, 4, 16, true);
		default: break;
		}
	} else {
		switch (l->klen) {
		case 4: return table_find(l, key, 4, 8, 8, false);
		case 8: return table_find(l, key, 8, 4, 16, false);
		case 12: return table_find(l, key, 12, 4, 16, false);
		default: break;
		}
	}
	return table_find(l, key, l->klen, l->bslots, l->stride, l->keys_only);
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
