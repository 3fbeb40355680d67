/* Named sets of typed elements: the engine's sets, which ipset(8)
 * makes and fills (and, later, nft's named sets), and which rules look
 * packets up in (-m set, -j SET).
 *
 * A set has a type: one to three dimensions, each an address, a network
 * (address and prefix) or a port (with its protocol). An element is a
 * fixed-size key (struct qt_set_key) with an optional timeout, packet
 * and byte counters and comment.
 *
 * Memory: a set's index and its element slots (maxelem of them) are
 * allocated when it is made, never on the packet path; both are one
 * calloc each, so pages are touched only as elements fill them.
 * Lookup: the index is an open-addressing table (linear probing, at
 * most half full) whose probes read one 8-byte word per entry, eight to
 * a cache line: the key itself where the set's keys fit (IPv4 sets
 * with at most two dimensions: address, port, protocol, prefix length,
 * and the nomatch flag), else a 64-bit fingerprint checked against the
 * slot. So a lookup in a big set costs one cache miss where a chained
 * table costs two or three: an element without timeout or counters is
 * decided by its entry alone. A big index lies on huge pages.
 * A set with a network dimension probes once per prefix length present
 * in it (at most 33, or 129 in a set of family inet6), most specific
 * first, never scanning elements.
 *
 * Families: a set holds IPv4 or IPv6 addresses (ipset's family inet /
 * inet6), never both; a key's addresses are of its set's family.
 *
 * Threads: the control thread makes, changes, renames and destroys sets
 * (the registry is its own); queue threads look packets up and (SET
 * target) add or delete single elements. Each set has a spinlock held
 * for one element operation only (a probe, an insert, a removal, a
 * chunk of slots while listing), so a control request never holds a
 * packet up for more than one such step. Counters are atomics. */
#ifndef QT_SET_STORE_H
#define QT_SET_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr_types.h"
#include "spinlock.h"

#define QT_SET_NAME_MAX 32          /* IPSET_MAXNAMELEN, with the NUL */
#define QT_SET_MAX_SETS 256         /* ipset's default max_sets */
#define QT_SET_MAX_DIMS 3
#define QT_SET_COMMENT_MAX 255      /* IPSET_MAX_COMMENT_SIZE */
#define QT_SET_TIMEOUT_MAX 2147483u /* UINT_MAX / 1000 / 2 (seconds) */
#define QT_SET_CIDRS 129            /* prefix lengths 0..128 */

/* What one dimension of a type holds. */
enum qt_set_dim {
	QT_SD_IP,     /* an address */
	QT_SD_NET,    /* an address with a prefix length */
	QT_SD_PORT,   /* a port with its protocol */
};

struct qt_set_type {
	const char *name;           /* "hash:ip" */
	uint8_t revision;           /* the kernel's newest, as ipset lists it */
	uint8_t ndims;
	enum qt_set_dim dims[QT_SET_MAX_DIMS];
	bool bitmap;                /* bitmap:port: a range, no hash */
};

/* The type called name, or NULL. */
const struct qt_set_type *qt_set_type_find(const char *name);

/* An element. Made with memset 0 first: keys compare and hash as
 * bytes. For networks the address is masked to cidr. */
struct qt_set_key {
	union qt_addr ip;           /* first address dimension */
	union qt_addr ip2;          /* the second (hash:ip,port,ip) */
	uint16_t port;              /* host order */
	uint8_t proto;              /* IPPROTO_*; 0 with no port dimension */
	uint8_t cidr;               /* of ip: 32 (128) for a host, for nets
	                               1..32 (1..128) */
	uint8_t cidr2;
	uint8_t pad[3];
};

/* What a set is made with. */
struct qt_set_opts {
	uint8_t family;             /* AF_INET or AF_INET6 */
	uint32_t hashsize;          /* what was asked for (listed) */
	uint32_t maxelem;
	bool has_timeout;
	uint32_t timeout;           /* default element timeout (0: none) */
	bool counters, comment;
	uint16_t port_from, port_to; /* bitmap:port */
	bool has_initval;           /* the hash seed given (restore) */
	uint32_t initval;
};

struct qt_set_elem;

/* A set's index is two arrays of nents entries: ekey[i], the entry's
 * key word (0: empty), read by every probe, and eslot[i], its element's
 * slot, read only when the element itself must be: a probe of a big
 * set touches 8 bytes an entry, eight to a cache line. */
#define QT_SET_SLOT 0x7fffffffu
#define QT_SET_ENT_NOMATCH 0x80000000u   /* in eslot */

struct qt_set {
	char name[QT_SET_NAME_MAX];
	const struct qt_set_type *type;
	struct qt_set_opts o;
	uint32_t initval;           /* the hash seed (listed, as ipset's) */
	unsigned index;             /* in the registry: the listing order */
	/* Engine references (rules compiled against it), control thread:
	 * a set destroyed while one is held is freed at the last put. */
	unsigned refs;
	bool destroyed;

	qt_spinlock lock;           /* everything below */
	bool compact;               /* keys fit an entry (see above) */
	uint32_t nents;             /* a power of two, >= 2 * maxelem */
	uint64_t *ekey;             /* see above */
	uint32_t *eslot;            /* slot index + 1 (QT_SET_SLOT bits),
	                               QT_SET_ENT_NOMATCH */
	struct qt_set_elem *slots;  /* maxelem of them */
	uint32_t fresh;             /* slots below were handed out once */
	uint32_t freelist;          /* slot index + 1 */
	uint32_t nelems;
	uint32_t cidr_count[QT_SET_CIDRS]; /* elements per prefix length of ip */
};

/* Per-element options of an add. */
struct qt_set_elem_opts {
	bool has_timeout;
	uint32_t timeout;           /* seconds; 0: never expires */
	bool has_packets, has_bytes;
	uint64_t packets, bytes;
	const char *comment;        /* NULL: none */
	bool nomatch;               /* hash:net's nomatch flag */
};

/* What one element holds, as listed. */
struct qt_set_elem_view {
	struct qt_set_key key;
	bool has_timeout;
	bool expiring;              /* it has a time to go */
	uint32_t remaining;         /* seconds, rounded down, at least 1;
	                               0: permanent */
	uint64_t packets, bytes;
	bool nomatch;
	char comment[QT_SET_COMMENT_MAX + 1];
};

/* A new empty set: NULL when out of memory. */
struct qt_set *qt_set_new(const char *name, const struct qt_set_type *type,
			  const struct qt_set_opts *o);
void qt_set_free(struct qt_set *s);

/* The elements. now_ms is CLOCK_MONOTONIC in milliseconds; an element
 * past its time counts as absent (and is replaced by an add).
 * qt_set_add: 0, -EEXIST (there and !exist; with exist its timeout,
 * counters and comment are set again), -ENOSPC (maxelem reached).
 * qt_set_del: 0 or -ENOENT. */
int qt_set_add(struct qt_set *s, const struct qt_set_key *k,
	       const struct qt_set_elem_opts *eo, bool exist, uint64_t now_ms);
int qt_set_del(struct qt_set *s, const struct qt_set_key *k, uint64_t now_ms);
/* Does the type have a network dimension (its elements take nomatch)? */
bool qt_set_type_has_net(const struct qt_set_type *t);
/* Is the key (exactly) in the set? A nomatch element is there but
 * tests as absent (*nomatch tells it; NULL: not wanted). */
bool qt_set_has(struct qt_set *s, const struct qt_set_key *k, uint64_t now_ms,
		bool *nomatch);
/* Conditions on the counters of the element found (-m set's
 * --packets-gt ...), checked before the packet is counted. */
enum qt_set_cnt_op { QT_SET_CNT_NONE, QT_SET_CNT_EQ, QT_SET_CNT_NE,
		     QT_SET_CNT_LT, QT_SET_CNT_GT };
struct qt_set_cond {
	uint8_t packets_op, bytes_op;   /* enum qt_set_cnt_op */
	uint64_t packets, bytes;
};

/* The packet path: is k in the set, networks matched by prefix (k's
 * cidr ignored), and do the element's counters meet cond (NULL: no
 * condition)? When it is and count is true, the element counts one
 * packet of len bytes. Copies the element's counters out when wanted
 * (NULL: not). The most specific element found decides: one flagged
 * nomatch gives QT_SET_NOMATCH (counted as a hit would be). */
enum qt_set_result { QT_SET_MISS, QT_SET_HIT, QT_SET_NOMATCH };
enum qt_set_result qt_set_lookup(struct qt_set *s, const struct qt_set_key *k,
		   uint64_t now_ms, const struct qt_set_cond *cond, bool count,
		   uint64_t len, uint64_t *pkts, uint64_t *bytes);
/* Every element, expired ones dropped, in slot order; fn returns
 * nonzero to stop. The lock is held over chunks of slots, never over
 * fn. */
void qt_set_foreach(struct qt_set *s, uint64_t now_ms,
		    int (*fn)(void *ctx, const struct qt_set_elem_view *e),
		    void *ctx);
void qt_set_flush(struct qt_set *s);
/* Removes expired elements; the number left. */
uint32_t qt_set_gc(struct qt_set *s, uint64_t now_ms);
/* Bytes the set takes (listed as "Size in memory"). */
size_t qt_set_memsize(const struct qt_set *s);
/* Exchanges two sets' types, options and elements; names, registry
 * places and references stay (ipset swap: rules naming a now see b's
 * elements). */
void qt_set_swap(struct qt_set *a, struct qt_set *b);

/* A reference for a rule's engine state / its release. */
void qt_set_get(struct qt_set *s);
void qt_set_put(struct qt_set *s);
/* Takes the set out of the registry and frees it once no engine
 * reference is left. */
void qt_set_destroy(struct qt_set *s);

/* The registry of the process's sets, by name, in index order (a new
 * set takes the lowest free index, as the kernel's ip_set_list). The
 * control thread's. */
struct qt_set *qt_sets_find(const char *name);
/* -EEXIST (name taken), -ENOSPC (full), else 0 with s->index set. */
int qt_sets_insert(struct qt_set *s);
/* Out of the registry (not freed). */
void qt_sets_remove(struct qt_set *s);
/* old takes the place (and index) of cur in the registry, cur leaves
 * it (not freed). */
void qt_sets_replace(struct qt_set *cur, struct qt_set *old);
/* The set at index i, or NULL. */
struct qt_set *qt_sets_at(unsigned i);
/* Are this process's sets the ones rules will run against (qtablesd,
 * tests)? A client parsing a rule offline holds none: names are then
 * not checked (true unless set otherwise). */
bool qt_sets_known(void);
void qt_sets_set_known(bool known);
/* Destroys every set (tests, shutdown). */
void qt_sets_clear(void);

/* CLOCK_MONOTONIC in milliseconds (the control thread's "now"). */
uint64_t qt_set_now_ms(void);

#endif
