/* What an nft rule reads of a packet and how it compares it, beyond a
 * field compared with one value (engine/nft_exec.c runs that itself):
 *
 *  - fields: where a header, meta or ct field lives and how the packet
 *    path loads its bytes (struct qt_nft_part; nft_exec.c's compares use
 *    it too);
 *  - keys: one field, a concatenation (each part padded to 32-bit
 *    words, as the kernel's registers hold it), a field and a bitwise
 *    mask (and, or, xor), numgen (random, or a per-rule counter),
 *    jhash over fields (the kernel's jhash, reciprocal_scale'd to mod,
 *    plus offset) and fib, IPv4 (the address type of saddr or daddr, as
 *    inet_dev_addr_type answers it; the device of the route, as
 *    nft_fib4_eval finds it, from engine/host_addrs.h's local and main
 *    tables: no policy rules, a multipath route by its first nexthop)
 *    and IPv6 (the type and device as nft_fib6_eval_type and
 *    nft_fib6_eval find them: the addresses of iif or oif, then the
 *    route of the local table, else main's; failing routes by their
 *    error, anycast and local routes answering no device);
 *  - what a key is compared with: a value, a range, an anonymous set, a
 *    named set, or a verdict map (anonymous or named) whose element's
 *    verdict ends the rule: sets and maps are looked up through
 *    engine/nft_lookup.h (hash for exact keys, sorted ranges), built at
 *    compile time from the elements as they are at that commit (every
 *    change to a set's elements commits, and so compiles, again);
 *  - mark and ct mark set from a field with a bitwise operation (meta
 *    mark set meta mark or 0x4000, ct mark set meta mark and 0xffff),
 *    or from a map of values (meta mark set ip saddr map { ... }, ct
 *    mark set ip saddr . tcp dport map @m: a key the map lacks breaks
 *    the rule, as the kernel's lookup does).
 *
 * Numbers (numgen, jhash, fib's type) are held big-endian like every
 * other value here, so compares and ranges order them as numbers.
 * Nothing here allocates on the packet path. */
#ifndef QT_NFT_EXPR_H
#define QT_NFT_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "eval.h"
#include "nft_model.h"

/* Where a field's bytes come from. */
enum qt_nft_src {
	QT_NFT_SRC_NET, QT_NFT_SRC_TH, QT_NFT_SRC_L4PROTO, QT_NFT_SRC_NFPROTO,
	QT_NFT_SRC_IIFNAME, QT_NFT_SRC_OIFNAME, QT_NFT_SRC_IIF,
	QT_NFT_SRC_OIF, QT_NFT_SRC_MARK, QT_NFT_SRC_PKTTYPE, QT_NFT_SRC_LEN,
	/* meta's: skb->protocol, the socket's owner, the devices' ARPHRD
	 * type and group, a random number, the clock */
	QT_NFT_SRC_PROTOCOL, QT_NFT_SRC_SKUID, QT_NFT_SRC_SKGID,
	QT_NFT_SRC_IIFTYPE, QT_NFT_SRC_OIFTYPE, QT_NFT_SRC_IIFGROUP,
	QT_NFT_SRC_OIFGROUP, QT_NFT_SRC_RANDOM, QT_NFT_SRC_TIME,
	QT_NFT_SRC_DAY, QT_NFT_SRC_HOUR, QT_NFT_SRC_PRIORITY,
	/* a field of an SCTP chunk or its presence (chunk: its type) */
	QT_NFT_SRC_SCTP_CHUNK,
	/* ether saddr: the link-layer source the queue gives
	 * (NFQA_HWADDR), there when the kernel's link header is */
	QT_NFT_SRC_ETHER_SADDR,
	/* the ct fields last: src >= QT_NFT_SRC_CTSTATE needs tracking */
	QT_NFT_SRC_CTSTATE, QT_NFT_SRC_CTSTATUS, QT_NFT_SRC_CTMARK,
	/* the rest of ct's keys (parser/nft_ct.h); off holds the
	 * direction of those that take one (2: none) */
	QT_NFT_SRC_CTDIR, QT_NFT_SRC_CTEXPIRE, QT_NFT_SRC_CTL3PROTO,
	QT_NFT_SRC_CTPROTO, QT_NFT_SRC_CTSADDR, QT_NFT_SRC_CTDADDR,
	QT_NFT_SRC_CTPSRC, QT_NFT_SRC_CTPDST, QT_NFT_SRC_CTZONE,
	QT_NFT_SRC_CTBYTES, QT_NFT_SRC_CTPKTS, QT_NFT_SRC_CTAVGPKT,
	QT_NFT_SRC_CTID, QT_NFT_SRC_CTHELPER,
	QT_NFT_SRC_CTLABEL
};

struct qt_nft_part {
	uint8_t src;                /* enum qt_nft_src */
	uint8_t dep;                /* 0, 4: IPv4, 6: IPv6 */
	int16_t l4;                 /* -1: none; else the protocol needed */
	uint16_t off;               /* bytes into the header */
	uint8_t len;                /* bytes loaded */
	int16_t tz_min;             /* meta day: the kernel's sys_tz
				       (minutes west) at compile time */
	/* a field of whole bytes: 0; else its bits, which start bitoff
	 * bits into the byte at off (ip dscp, ip6 flowlabel) and are
	 * loaded right-aligned into len bytes */
	uint8_t bits, bitoff;
	uint8_t chunk;              /* QT_NFT_SRC_SCTP_CHUNK: the type */
	bool present;               /* ... and 1 or 0 for its presence */
};

/* The field as a part; -1 when the engine cannot load it. */
int qt_nft_part_compile(struct qt_nft_part *p, const struct nft_field *f);
/* "Error: qtables cannot match PROTO NAME here; " into err, with why
 * for the meta keys user space never sees. */
void qt_nft_part_refuse(const struct nft_field *f, struct qt_buf *err);
/* Its bytes into v (NFT_VAL_MAX, the rest zeroed); false when the
 * packet has none (the kernel's expression then breaks the rule). */
bool qt_nft_part_load(const struct qt_nft_part *p, const struct qt_eval *ev,
		      uint8_t *v);
/* A model value into a field's n bytes: numbers of a wider type lose
 * leading zero bytes (one too large is all ones), names are copied and
 * zero-padded. */
void qt_nft_val_fit(uint8_t *out, unsigned n, const struct nft_val *v,
		    bool name);
/* The connection whose ct fields the packet sees, or NULL. */
struct qt_ct_entry *qt_nft_ct_entry(const struct qt_eval *ev);

/* Whether s names a ct field anywhere (its field, a concatenation's
 * parts, a mark set's source, jhash's input). */
bool qt_nft_stmt_reads_ct(const struct nft_stmt *s);
/* Whether s reads ct bytes, packets or avgpkt (which turn the
 * tracker's accounting on, as the kernel's nf_conntrack_acct). */
bool qt_nft_stmt_reads_acct(const struct nft_stmt *s);

/* ---- matches the compare of nft_exec.c does not run ---- */

struct qt_nft_x;

/* Whether s (a match) needs a qt_nft_x: a set or map lookup, a
 * concatenation, a bitwise mask, numgen, jhash or fib. */
bool qt_nft_x_wanted(const struct nft_stmt *s);
/* Compile s of table t. slot: a word of the rule's runtime kept across
 * commits (numgen inc's counter, jhash's seed when none is given).
 * NULL with "Error: ...; " in err when the engine cannot run it. */
struct qt_nft_x *qt_nft_x_compile(const struct nft_stmt *s,
				  const struct nft_table *t, uint64_t *slot,
				  uint8_t family, struct qt_buf *err);
void qt_nft_x_free(struct qt_nft_x *x);
/* A verdict map's jump and goto targets are indices of t's chains:
 * add first (where the table's chains start in the program). */
void qt_nft_x_rebase(struct qt_nft_x *x, uint32_t first);
/* What it reads: */
bool qt_nft_x_uses_ct(const struct qt_nft_x *x);
bool qt_nft_x_uses_pkttype(const struct qt_nft_x *x);

enum qt_nft_x_result {
	QT_NFT_X_NO,                /* no match: the rule ends */
	QT_NFT_X_YES,               /* a match: the next statement */
	QT_NFT_X_VERDICT            /* a verdict map's verdict */
};
/* Run it; a verdict (enum nft_verdict) and for jump and goto the
 * chain's index in *verdict and *chain. */
int qt_nft_x_run(const struct qt_nft_x *x, const struct qt_eval *ev,
		 uint8_t *verdict, uint32_t *chain);

/* Chains a verdict map of s (its anonymous elements, or the named map's
 * as they are) names, called with each name. */
void qt_nft_x_targets(const struct nft_stmt *s, const struct nft_table *t,
		      void (*fn)(const char *chain, void *user), void *user);

/* ---- mark and ct mark set from a map: FIELD set KEY map { KEY : V } ---- */

/* s: a set-field statement with value_map. NULL with "Error: ...; " in
 * err when the engine cannot run it. Free with qt_nft_x_free. */
struct qt_nft_x *qt_nft_x_compile_map(const struct nft_stmt *s,
				      const struct nft_table *t,
				      struct qt_buf *err);
/* s: a set-field statement whose value is numgen or jhash (ct mark set
 * jhash ip saddr mod 2); slot as qt_nft_x_compile's. qt_nft_x_value
 * then gives the number. */
struct qt_nft_x *qt_nft_x_compile_num(const struct nft_stmt *s,
				      uint64_t *slot, uint8_t family,
				      struct qt_buf *err);
/* The value of the packet's key; false when the packet has no such
 * field or the map no such key (the kernel's lookup then breaks the
 * rule). */
bool qt_nft_x_value(const struct qt_nft_x *x, const struct qt_eval *ev,
		    uint32_t *out);

/* ---- the element a key finds (nat maps: dnat to KEY map { ... }) ---- */

/* s's key (its field and concatenation, numgen or jhash) and its
 * elements (anonymous, or the named map's as they are at this commit:
 * *elems and *nelems, the array the answers index). NULL with
 * "Error: ...; " in err when the engine cannot run it. Free with
 * qt_nft_x_free. */
struct qt_nft_x *qt_nft_x_compile_index(const struct nft_stmt *s,
					const struct nft_table *t,
					uint64_t *slot, uint8_t family,
					const struct nft_elem **elems,
					unsigned *nelems, struct qt_buf *err);
/* The index of the element the packet's key finds, or -1 (no such
 * field or no such key: the kernel's lookup breaks the rule then). */
int32_t qt_nft_x_index(const struct qt_nft_x *x, const struct qt_eval *ev);

/* ---- a key alone (a set packets fill: engine/nft_dynset.h) ---- */

/* s's field and concatenation as a key (parts padded to 32-bit words
 * as the model's elements hold them). NULL with "Error: ...; " in err
 * when the engine cannot load it. Free with qt_nft_x_free. */
struct qt_nft_x *qt_nft_x_compile_key(const struct nft_stmt *s,
				      struct qt_buf *err);
unsigned qt_nft_x_keylen(const struct qt_nft_x *x);
/* The packet's key into key (NFT_VAL_MAX bytes); false when the packet
 * has no such field. */
bool qt_nft_x_key(const struct qt_nft_x *x, const struct qt_eval *ev,
		  uint8_t *key);

/* ---- mark and ct mark set from a field with a bitwise operation ---- */

struct qt_nft_xset {
	struct qt_nft_part src;
	uint8_t op;                 /* enum nft_bitop */
	uint32_t mask;
	uint8_t shift_op;           /* then 1: <<, 2: >> shift */
	uint8_t shift;
};

/* NULL-free: 0, or -1 with "Error: ...; " in err. */
int qt_nft_xset_compile(struct qt_nft_xset *x, const struct nft_stmt *s,
			struct qt_buf *err);
/* The value to set; false when the packet has no such field. */
bool qt_nft_xset_value(const struct qt_nft_xset *x, const struct qt_eval *ev,
		       uint32_t *out);

#endif
