/* The lookup of nft's sets and maps on the packet path, built once per
 * commit from the elements: which element holds a key.
 *
 * Keys have one length per lookup (a field's bytes, or a concatenation's
 * parts each padded to 32-bit words as the kernel's registers hold
 * them) and are compared as bytes (values are big-endian or zero-padded
 * names, so byte order is value order).
 *
 *  - Exact elements (lo == hi) go into an open-addressing hash table
 *    whose slots hold the key itself and, in a map, the element's
 *    index, in buckets of one cache line (sixteen IPv4 keys, four
 *    address . protocol . port keys with their index), probed bucket
 *    after bucket. A lookup compares every slot of its home bucket
 *    without branching on any, so it costs one hash and one cache line
 *    whatever the number of elements, and a miss costs what a hit does
 *    (a probe that stops at the first empty slot makes the branch on
 *    the slot's content unpredictable, and that mispredicted branch
 *    waits on the cache miss, so lookups of consecutive packets no
 *    longer overlap). The table is sized so that few buckets are full
 *    (a 16-slot bucket holds 4/7 of its slots on average).
 *  - Ranges of a one-part key (prefixes, a-b) are sorted by their low
 *    end; in a set, overlapping ones are merged (any of them says "in"),
 *    so a binary search finds the one interval that can hold a key.
 *  - Ranges of a concatenation (10.0.0.0/8 . 80-90: each part a range
 *    of its own, as the kernel's pipapo sets hold them) are checked part
 *    by part, one element after the other: linear in the number of such
 *    elements (exact concatenations of the same set stay in the hash).
 *
 * The answer is the element's index in the array it was built from, so a
 * map keeps its values in an array of its own. Nothing allocates after
 * the build; the structure is immutable and read by any number of
 * threads. */
#ifndef QT_NFT_LOOKUP_H
#define QT_NFT_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#define QT_NFT_KEY_MAX 64

struct qt_nft_lookup;

/* One element: its low and high keys (equal for an exact one). */
struct qt_nft_lkey {
	uint8_t lo[QT_NFT_KEY_MAX], hi[QT_NFT_KEY_MAX];
};

/* Build over n elements of klen bytes (at most QT_NFT_KEY_MAX). parts:
 * the byte length of each part of a concatenation (nparts > 1), or NULL
 * and 0 for one part. merge: a set (overlapping ranges merged, any index
 * of them answered); else a map (each range keeps its index). NULL when
 * out of memory. */
struct qt_nft_lookup *qt_nft_lookup_build(unsigned klen,
					  const struct qt_nft_lkey *e,
					  uint32_t n, const uint8_t *parts,
					  unsigned nparts, bool merge);
/* A map whose answer for element i is vals[i] (at most INT32_MAX - 1)
 * rather than i: a value kept in the slot beside its key costs no
 * further cache miss. NULL when out of memory or a value is too big. */
struct qt_nft_lookup *qt_nft_lookup_build_map(unsigned klen,
					      const struct qt_nft_lkey *e,
					      uint32_t n, const uint8_t *parts,
					      unsigned nparts,
					      const uint32_t *vals);
void qt_nft_lookup_free(struct qt_nft_lookup *l);

/* The index of an element holding key (klen bytes), or -1 (in a set,
 * built with merge, some index of one: 0 for an exact key; in a map
 * built with values, the element's value). */
int32_t qt_nft_lookup_find(const struct qt_nft_lookup *l,
			   const uint8_t *key);

/* Elements in the hash table, ranges searched by bisection, ranges
 * checked one by one (tests, benchmarks). */
void qt_nft_lookup_shape(const struct qt_nft_lookup *l, uint32_t *exact,
			 uint32_t *sorted, uint32_t *linear);

#endif
