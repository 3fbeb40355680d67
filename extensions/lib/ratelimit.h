/* Token buckets with the kernel's integer arithmetic, as pure functions
 * over a small state and a time the caller supplies, so -m limit and
 * -m hashlimit pass exactly the packets the kernel would.
 *
 * Three buckets, because the kernel has three:
 *  - xt_limit (legacy -m limit): time in jiffies, credits per jiffy.
 *  - nft_limit: what iptables-nft 1.8.9 actually installs for -m limit
 *    (it turns avg/burst into an nft "limit rate R/unit burst B
 *    packets"); time in nanoseconds, tokens are nanoseconds.
 *  - xt_hashlimit revision 3 (iptables-nft keeps it as an xt match):
 *    time in jiffies; packet, byte and rate-match modes.
 * Times are unsigned and only differences matter; jiffies wrap is not
 * modelled (64-bit). qt_rl_ns_to_jiffies() converts a monotonic clock.
 * HZ is a parameter: the kernel's CONFIG_HZ changes the rounding. */
#ifndef QT_RATELIMIT_H
#define QT_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define QT_RL_LIMIT_SCALE 10000u        /* XT_LIMIT_SCALE: avg unit 1/10000 s */
#define QT_RL_HL_SCALE 1000000ull       /* hashlimit v2+: avg unit 1/1e6 s */
#define QT_RL_HL_BYTE_SHIFT 4
#define QT_RL_NFT_BURST_DEFAULT 5u

/* hashlimit mode bits, as the kernel's (and extensions/hashlimit.c's) */
#define QT_RL_HL_INVERT     0x10
#define QT_RL_HL_BYTES      0x20
#define QT_RL_HL_RATE_MATCH 0x40

uint64_t qt_rl_ns_to_jiffies(uint64_t ns, unsigned hz);

/* ---- xt_limit ---- */
struct qt_rl_limit {
	uint64_t prev;          /* jiffies of the last refill */
	uint32_t credit;
	uint32_t credit_cap;
	uint32_t cost;
	uint32_t cpj;           /* credits per jiffy for this HZ */
};

/* avg in 1/10000 s, burst in packets (struct limit_data). Returns 0, or
 * -1 where the kernel's checkentry refuses the rule (ERANGE). */
int qt_rl_limit_init(struct qt_rl_limit *s, uint32_t avg, uint32_t burst,
		     unsigned hz, uint64_t now);
/* One packet at time now: true when it is within the limit. */
bool qt_rl_limit_take(struct qt_rl_limit *s, uint64_t now);

/* ---- nft_limit (packets) ---- */
struct qt_rl_nft {
	uint64_t last;          /* ns */
	uint64_t tokens;        /* ns of credit */
	uint64_t tokens_max;
	uint64_t cost;          /* ns per packet */
};

/* What iptables-nft sends for -m limit's avg (1/10000 s): the rate per
 * unit and the unit in seconds. */
void qt_rl_nft_from_xt(uint32_t avg, uint64_t *rate, uint64_t *unit_s);
/* rate packets per unit_s seconds, burst packets (0: the kernel's 5).
 * Returns -1 where the kernel refuses (rate 0, overflow). */
int qt_rl_nft_init(struct qt_rl_nft *s, uint64_t rate, uint64_t unit_s,
		   uint32_t burst, uint64_t now_ns);
bool qt_rl_nft_take(struct qt_rl_nft *s, uint64_t now_ns);

/* ---- xt_hashlimit revision 3, one bucket (one hash entry) ---- */
struct qt_rl_hcfg {
	uint64_t avg;           /* hashlimit_data.avg: 1/1e6 s, or byte cost */
	uint64_t burst;         /* packets, or byte chunks (see hashlimit.c) */
	uint32_t mode;          /* QT_RL_HL_* bits */
	uint32_t interval;      /* s, rate-match only */
	unsigned hz;
};

struct qt_rl_hash {
	uint64_t prev;          /* jiffies */
	uint64_t credit;
	uint64_t credit_cap;    /* bytes mode: refills left */
	uint64_t cost;
	uint64_t rate;          /* rate-match */
	uint64_t burst;
	uint64_t current_rate;
	uint32_t interval;
	bool prev_window;
};

/* The kernel's checkentry test of the rate: 0 or -1 (refused). */
int qt_rl_hash_check(const struct qt_rl_hcfg *c);
/* A new entry, created by a packet at now (that packet is then matched
 * with qt_rl_hash_match(..., fresh = true)). */
void qt_rl_hash_init(struct qt_rl_hash *h, const struct qt_rl_hcfg *c,
		     uint64_t now);
/* One packet of len bytes (skb->len: the IP total length). Returns the
 * match result, inversion (--hashlimit-above) included. fresh: the
 * entry was just made by this packet (no refill). */
bool qt_rl_hash_match(struct qt_rl_hash *h, const struct qt_rl_hcfg *c,
		      uint64_t now, uint32_t len, bool fresh);

#endif
