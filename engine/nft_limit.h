/* nft's stateful statements limit and quota as the kernel runs them
 * (nft_limit.c, nft_quota.c): a token bucket in nanoseconds, of packets
 * or of bytes, and a quota of bytes consumed.
 *
 * One state per statement of a rule, shared by the rule's runtimes of
 * both families in an inet table (the kernel has one expression). The
 * bucket is taken under its own spinlock for a few instructions; the
 * quota is one atomic add. */
#ifndef QT_NFT_LIMIT_H
#define QT_NFT_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "nft_model.h"
#include "spinlock.h"

struct qt_nft_sstate {
	qt_spinlock lock;
	bool bytes, started;
	/* packets: one packet's cost; bytes: nanoseconds of a unit,
	 * a packet of len costing nsecs * len / rate */
	uint64_t cost, rate, tokens_max;
	uint64_t tokens, last_ns;
	uint64_t consumed;            /* quota */
};

/* A limit statement's bucket (full); -1 when the kernel refuses it. */
int qt_nft_limit_init(struct qt_nft_sstate *st, const struct nft_stmt *s);

/* nft_limit_eval: whether a packet of len bytes is within the rate
 * (its tokens taken then). */
bool qt_nft_limit_take(struct qt_nft_sstate *st, uint64_t len,
		       uint64_t now_ns);

/* nft_quota's eval: whether the rule goes on, the packet's len bytes
 * consumed either way (over: once they pass the quota; else until
 * then). */
bool qt_nft_quota_take(struct qt_nft_sstate *st, uint64_t quota, bool over,
		       uint64_t len);

#endif
