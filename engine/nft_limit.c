/* nft's limit and quota statements (see nft_limit.h). */
#include "nft_limit.h"

#include <string.h>

int qt_nft_limit_init(struct qt_nft_sstate *st, const struct nft_stmt *s)
{
	memset(st, 0, sizeof(*st));
	qt_spin_init(&st->lock);
	st->bytes = s->bytes_unit != NULL;
	st->rate = s->rate;
	if (nft_limit_params(s->rate, nft_limit_unit_seconds(s->unit),
			     s->burst, st->bytes, &st->tokens_max,
			     &st->cost) != 0)
		return -1;
	return 0;
}

bool qt_nft_limit_take(struct qt_nft_sstate *st, uint64_t len,
		       uint64_t now_ns)
{
	/* the kernel's u64 product, wrapping as it does */
	uint64_t cost = st->bytes ? st->cost * len / st->rate : st->cost;
	bool ok;
	qt_spin_lock(&st->lock);
	if (!st->started) {
		/* the bucket starts full, as at the kernel's init */
		st->started = true;
		st->tokens = st->tokens_max;
		st->last_ns = now_ns;
	}
	uint64_t tokens = st->tokens + (now_ns > st->last_ns
					? now_ns - st->last_ns : 0);
	if (tokens > st->tokens_max)
		tokens = st->tokens_max;
	if (now_ns > st->last_ns)
		st->last_ns = now_ns;
	ok = tokens >= cost;
	st->tokens = ok ? tokens - cost : tokens;
	qt_spin_unlock(&st->lock);
	return ok;
}

bool qt_nft_quota_take(struct qt_nft_sstate *st, uint64_t quota, bool over,
		       uint64_t len)
{
	uint64_t used = __atomic_add_fetch(&st->consumed, len,
					   __ATOMIC_RELAXED);
	return (used > quota) == over;
}
