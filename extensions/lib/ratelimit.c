/* Token-bucket arithmetic of xt_limit, nft_limit and xt_hashlimit (see
 * ratelimit.h). Widths and rounding follow the kernel's on purpose:
 * xt_limit's credits are 32-bit and wrap, the others are 64-bit. */
#include <stddef.h>

#include "ratelimit.h"

#define NSEC_PER_SEC 1000000000ull
#define DAY_S (24u * 60u * 60u)

uint64_t qt_rl_ns_to_jiffies(uint64_t ns, unsigned hz)
{
	return ns / (NSEC_PER_SEC / hz);
}

/* The largest power of two not above x (1 for 0), as the kernel's
 * POW2_BELOW32/64 macros compute it. */
static uint64_t pow2_below(uint64_t x)
{
	uint64_t p = 1;
	while (x >> 1) {
		x >>= 1;
		p <<= 1;
	}
	return p;
}

/* ---- xt_limit ---- */

/* 1/10000 s to credits, in 32 bits: dividing first when the product
 * would overflow, as the kernel does. */
static uint32_t limit_credits(uint32_t user, uint32_t hz, uint32_t cpj)
{
	if (user > UINT32_MAX / (hz * cpj))
		return (user / QT_RL_LIMIT_SCALE) * hz * cpj;
	return (user * hz * cpj) / QT_RL_LIMIT_SCALE;
}

int qt_rl_limit_init(struct qt_rl_limit *s, uint32_t avg, uint32_t burst,
		     unsigned hz, uint64_t now)
{
	uint32_t cpj = (uint32_t)pow2_below(UINT32_MAX / ((uint32_t)hz * DAY_S));
	/* avg * burst is a 32-bit product in the kernel: it may wrap */
	uint32_t full = limit_credits(avg * burst, hz, cpj);
	uint32_t cost = limit_credits(avg, hz, cpj);

	if (burst == 0 || full < cost)
		return -1;
	s->prev = now;
	s->credit = full;
	s->credit_cap = full;
	s->cost = cost;
	s->cpj = cpj;
	return 0;
}

bool qt_rl_limit_take(struct qt_rl_limit *s, uint64_t now)
{
	/* the refill is a 32-bit quantity: a very long idle time wraps */
	uint32_t add = (uint32_t)((now - s->prev) * s->cpj);
	uint32_t credit = s->credit + add;
	bool pass = false;

	s->prev = now;
	if (credit > s->credit_cap)
		credit = s->credit_cap;
	if (credit >= s->cost) {
		credit -= s->cost;
		pass = true;
	}
	s->credit = credit;
	return pass;
}

/* ---- nft_limit ---- */

void qt_rl_nft_from_xt(uint32_t avg, uint64_t *rate, uint64_t *unit_s)
{
	static const uint32_t mult[] = {
		QT_RL_LIMIT_SCALE * DAY_S, QT_RL_LIMIT_SCALE * 3600u,
		QT_RL_LIMIT_SCALE * 60u, QT_RL_LIMIT_SCALE,
	};
	size_t i;

	/* the longest unit in which the rate is still (nearly) whole */
	for (i = 1; i < sizeof(mult) / sizeof(mult[0]); i++)
		if (avg > mult[i] || mult[i] / avg < mult[i] % avg)
			break;
	*rate = mult[i - 1] / avg;
	*unit_s = mult[i - 1] / QT_RL_LIMIT_SCALE;
}

int qt_rl_nft_init(struct qt_rl_nft *s, uint64_t rate, uint64_t unit_s,
		   uint32_t burst, uint64_t now_ns)
{
	uint64_t nsecs, per;

	if (rate == 0 || unit_s > UINT64_MAX / NSEC_PER_SEC)
		return -1;
	nsecs = unit_s * NSEC_PER_SEC;
	if (burst == 0)
		burst = QT_RL_NFT_BURST_DEFAULT;
	if (rate > UINT64_MAX - burst)
		return -1;
	per = nsecs / rate;
	if (per != 0 && burst > UINT64_MAX / per)
		return -1;
	s->cost = per;
	s->tokens_max = per * burst;
	s->tokens = s->tokens_max;
	s->last = now_ns;
	return 0;
}

bool qt_rl_nft_take(struct qt_rl_nft *s, uint64_t now_ns)
{
	uint64_t tokens = s->tokens + (now_ns - s->last);

	if (tokens > s->tokens_max)
		tokens = s->tokens_max;
	s->last = now_ns;
	if ((int64_t)(tokens - s->cost) >= 0) {
		s->tokens = tokens - s->cost;
		return true;
	}
	s->tokens = tokens;
	return false;
}

/* ---- xt_hashlimit ---- */

static uint64_t hl_cpj(unsigned hz)
{
	return pow2_below(UINT64_MAX / ((uint64_t)hz * DAY_S));
}

static uint64_t hl_cpj_bytes(unsigned hz)
{
	return pow2_below(UINT32_MAX / hz);
}

/* 1/1e6 s to credits; the constants are divided first. */
static uint64_t hl_credits(uint64_t user, unsigned hz)
{
	uint64_t k = (uint64_t)hz * hl_cpj(hz);

	if (QT_RL_HL_SCALE >= k)
		return user / (QT_RL_HL_SCALE / k);
	return user * (k / QT_RL_HL_SCALE);
}

static uint32_t hl_credits_byte(uint32_t user, unsigned hz)
{
	return (uint32_t)(((uint64_t)user * hz * hl_cpj_bytes(hz)) >> 32);
}

int qt_rl_hash_check(const struct qt_rl_hcfg *c)
{
	if (c->mode & QT_RL_HL_BYTES)
		return hl_credits_byte((uint32_t)c->avg, c->hz) == 0 ? -1 : 0;
	if (c->burst == 0 ||
	    hl_credits(c->avg * c->burst, c->hz) < hl_credits(c->avg, c->hz))
		return -1;
	return 0;
}

void qt_rl_hash_init(struct qt_rl_hash *h, const struct qt_rl_hcfg *c,
		     uint64_t now)
{
	*h = (struct qt_rl_hash){ .prev = now };
	if (c->mode & QT_RL_HL_RATE_MATCH) {
		if (c->mode & QT_RL_HL_BYTES) {
			uint32_t cost = (uint32_t)c->avg;
			uint64_t r = cost ? UINT32_MAX / cost : UINT32_MAX;
			h->rate = (r - 1) << QT_RL_HL_BYTE_SHIFT;
			h->burst = c->burst ? c->burst * h->rate : h->rate;
		} else {
			h->rate = c->avg ? QT_RL_HL_SCALE / c->avg : 0;
			h->burst = c->burst + h->rate;
		}
		h->interval = c->interval;
	} else if (c->mode & QT_RL_HL_BYTES) {
		h->credit = hl_cpj_bytes(c->hz) * c->hz;
		h->cost = hl_credits_byte((uint32_t)c->avg, c->hz);
		h->credit_cap = c->burst;
	} else {
		h->credit = hl_credits(c->avg * c->burst, c->hz);
		h->cost = hl_credits(c->avg, c->hz);
		h->credit_cap = h->credit;
	}
}

static void hash_refill(struct qt_rl_hash *h, const struct qt_rl_hcfg *c,
			uint64_t now)
{
	uint64_t delta = now - h->prev, cap;

	if (delta == 0)
		return;
	if (c->mode & QT_RL_HL_RATE_MATCH) {
		uint64_t interval = (uint64_t)h->interval * c->hz;
		if (delta < interval)
			return;
		h->prev = now;
		/* the window just ended was over the rate: refuse the next */
		h->prev_window = h->current_rate * interval > delta * h->rate;
		h->current_rate = 0;
		return;
	}
	h->prev = now;
	if (c->mode & QT_RL_HL_BYTES) {
		uint64_t old = h->credit;
		cap = hl_cpj_bytes(c->hz) * c->hz;
		h->credit += hl_cpj_bytes(c->hz) * delta;
		if (old >= h->credit) {
			h->credit = cap;
			return;
		}
	} else {
		h->credit += delta * hl_cpj(c->hz);
		cap = h->credit_cap;
	}
	if (h->credit > cap)
		h->credit = cap;
}

/* Bytes mode: a packet costs its 16-byte chunks; an empty bucket is
 * refilled whole while refills (the burst) last. */
static uint64_t hash_byte_cost(struct qt_rl_hash *h, unsigned hz, uint32_t len)
{
	uint64_t full = hl_cpj_bytes(hz) * hz;
	uint64_t cost = (uint64_t)((len >> QT_RL_HL_BYTE_SHIFT) + 1) * h->cost;

	if (cost > full)
		cost = full;
	if (h->credit < cost && h->credit_cap) {
		h->credit_cap--;
		h->credit = full;
	}
	return (uint32_t)cost;
}

bool qt_rl_hash_match(struct qt_rl_hash *h, const struct qt_rl_hcfg *c,
		      uint64_t now, uint32_t len, bool fresh)
{
	bool under = false;
	uint64_t cost;

	if (!fresh)
		hash_refill(h, c, now);
	if (c->mode & QT_RL_HL_RATE_MATCH) {
		h->current_rate += (c->mode & QT_RL_HL_BYTES) ? len : 1;
		under = !h->prev_window && h->current_rate <= h->burst;
	} else {
		cost = (c->mode & QT_RL_HL_BYTES) ? hash_byte_cost(h, c->hz, len)
						  : h->cost;
		if (h->credit >= cost) {
			h->credit -= cost;
			under = true;
		}
	}
	return (c->mode & QT_RL_HL_INVERT) ? !under : under;
}
