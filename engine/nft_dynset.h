/* nft's named sets that packets change or that forget: sets with
 * `flags dynamic` or `flags timeout` (or a timeout), and sets a rule
 * fills with `add @set { KEY }` / `update @set { KEY ... }` /
 * `delete @set { KEY }`.
 *
 * Design:
 *  - One runtime per set (table handle, set handle), kept in the nft
 *    store across commits: elements packets added survive a commit
 *    that leaves the set be, as the kernel keeps them. A set deleted
 *    and made again has a new handle, hence a new, empty runtime.
 *  - Memory: the set's `size` slots (the kernel's 65535 for a set the
 *    rules fill, when none is given) and an open-addressing index of
 *    twice as many entries, allocated when the runtime is made. The
 *    packet path never allocates: a full set refuses the add, and the
 *    statement then breaks the rule, as nft_dynset does.
 *  - Keys are the field's bytes as the walk loads them (big-endian
 *    numbers, zero-padded names), or a concatenation's parts each
 *    padded to 32-bit words as the model's elements hold them, at
 *    most QT_DYNSET_KEY bytes (two IPv6 addresses).
 *  - Threads: queue threads look up, add, refresh and delete single
 *    elements under the set's spinlock, held for one element
 *    operation; the control thread lists, reconciles and collects
 *    expired elements the same way, one element per hold.
 *  - Expiry: an element past its time is absent to lookups and is
 *    replaced by an add; each packet operation collects a few expired
 *    slots, and the control thread collects them when it lists.
 *  - Per-element statements, made from the statement that created the
 *    element and evaluated on each add/update of it as the kernel's
 *    are, in the order limit, counter, quota: a token bucket as
 *    nft_limit's (burst 5 packets unless given; of bytes, a packet
 *    costs its length), packet and byte
 *    counters, a quota of bytes. ct count is the walk's (a connlimit
 *    instance of the statement grouping by the key's address); the
 *    element only remembers it for the listing.
 *  - The model and the runtime: the model (parser/nft_model.h) is what
 *    commits change and what is listed and persisted; the runtime is
 *    what packets change. qt_dynsets_sync writes the runtime's live
 *    elements into the model (before each nft request and listing),
 *    and a compile reconciles the runtime with the model: an element
 *    the model no longer has is removed (flush set, delete element)
 *    unless a packet added it after the last sync; one the runtime
 *    lacks is added (add element, a state file). */
#ifndef QT_NFT_DYNSET_H
#define QT_NFT_DYNSET_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "nft_model.h"

#define QT_DYNSET_KEY 32

struct qt_dynsets;
struct qt_dynset;

struct qt_dynsets *qt_dynsets_new(void);
/* Only once no program holds a runtime. */
void qt_dynsets_free(struct qt_dynsets *r);
/* Runtimes held (tests). */
unsigned qt_dynsets_count(const struct qt_dynsets *r);

/* Does set s of table t run as a dynamic set here? */
bool qt_dynset_wanted(const struct nft_table *t, const struct nft_set *s);

/* The runtime of set s of table t, reconciled with s's elements, as a
 * reference. NULL with a message in err when the set cannot run so
 * (intervals, maps, too long a key). now_ms:
 * CLOCK_MONOTONIC in milliseconds. */
struct qt_dynset *qt_dynset_get(struct qt_dynsets *r,
				const struct nft_table *t,
				const struct nft_set *s, uint64_t now_ms,
				struct qt_buf *err);
void qt_dynset_put(struct qt_dynsets *r, struct qt_dynset *d);
/* Bytes of its keys. */
unsigned qt_dynset_keylen(const struct qt_dynset *d);
/* Live elements (tests). */
unsigned qt_dynset_count(struct qt_dynset *d, uint64_t now_ms);

enum qt_dynset_opkind { QT_DYN_ADD, QT_DYN_UPDATE, QT_DYN_DELETE };

/* What a set-update statement does, fixed at compile time. */
struct qt_dynset_op {
	uint8_t kind;               /* enum qt_dynset_opkind */
	uint64_t timeout_ms;        /* 0: the set's */
	bool limit;                 /* a new element gets a bucket */
	bool over, bytes;           /* bytes: rate and burst in bytes */
	uint64_t rate, unit_s, burst;
	uint64_t cost_ns, max_ns;   /* derived: per packet (bytes: per
				       rate bytes), the bucket */
	bool counter;               /* ... counters */
	bool quota, quota_over;     /* ... a quota */
	uint64_t quota_bytes;
	bool count, count_over;     /* listed: ct count [over] N */
	uint32_t count_n;
};

/* The statement's bucket figures from its rate, unit and burst (0: 5
 * packets, or none of bytes), as nft_limit_init's; -1 when the rate is
 * 0 or the figures overflow. */
int qt_dynset_op_limit(struct qt_dynset_op *op, uint64_t rate,
		       uint64_t unit_s, uint64_t burst, bool bytes,
		       bool over);

/* The packet path. key: keylen bytes. */
bool qt_dynset_lookup(struct qt_dynset *d, const uint8_t *key,
		      uint64_t now_ns);
/* Runs op for key, a packet of len bytes: true when the rule goes on,
 * false when it breaks (the set is full, or the element's limit or
 * quota says so). */
bool qt_dynset_update(struct qt_dynset *d, const struct qt_dynset_op *op,
		      const uint8_t *key, uint64_t len, uint64_t now_ns);

/* Writes every runtime's live elements into rs's sets (their expiry
 * as time left) and marks the moment: elements packets add later are
 * kept by the next reconcile. */
void qt_dynsets_sync(struct qt_dynsets *r, struct nft_ruleset *rs,
		     uint64_t now_ms);

#endif
