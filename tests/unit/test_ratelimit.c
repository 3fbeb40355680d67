/* Token buckets: simulated time sequences whose outcomes were worked
 * out by hand from the kernel's arithmetic (HZ=250 unless said). */
#include "ratelimit.h"
#include "tap.h"

#define HZ 250u
#define NS 1000000000ull

/* n packets at one instant: how many pass */
static int limit_burst(struct qt_rl_limit *s, uint64_t t, int n)
{
	int pass = 0;
	for (int i = 0; i < n; i++)
		pass += qt_rl_limit_take(s, t);
	return pass;
}

static int nft_burst(struct qt_rl_nft *s, uint64_t t, int n)
{
	int pass = 0;
	for (int i = 0; i < n; i++)
		pass += qt_rl_nft_take(s, t);
	return pass;
}

static int hash_burst(struct qt_rl_hash *h, const struct qt_rl_hcfg *c,
		      uint64_t t, int n, uint32_t len)
{
	int pass = 0;
	for (int i = 0; i < n; i++)
		pass += qt_rl_hash_match(h, c, t, len, false);
	return pass;
}

static void test_xt_limit(void)
{
	struct qt_rl_limit s;
	/* --limit 10/minute --limit-burst 3: avg 60000 (1/10000 s) */
	is_int(qt_rl_limit_init(&s, 60000, 3, HZ, 1000), 0, "limit 10/min burst 3 accepted");
	is_int(s.cpj, 128, "HZ=250: 128 credits per jiffy");
	is_int(s.cost, 192000, "cost: 6 s of credits");
	is_int(s.credit, 576000, "bucket starts full: 3 packets");
	is_int(limit_burst(&s, 1000, 10), 3, "10 packets at t=0: 3 pass");
	is_int(limit_burst(&s, 1000 + 1499, 1), 0, "5.996 s later: still empty");
	is_int(limit_burst(&s, 1000 + 1500, 2), 1, "6 s: exactly one more passes");
	is_int(limit_burst(&s, 1000 + 3000, 1), 1, "12 s: one more");
	is_int(limit_burst(&s, 1000 + 3000 + 100000, 5), 3, "long idle: refill capped at the burst");

	/* the same rule under HZ=100: 256 credits a jiffy, 6 s = 600 jiffies */
	qt_rl_limit_init(&s, 60000, 3, 100, 0);
	is_int(s.cpj, 256, "HZ=100: 256 credits per jiffy");
	is_int(limit_burst(&s, 0, 5), 3, "HZ=100: burst of 3");
	is_int(limit_burst(&s, 599, 1), 0, "HZ=100: 599 jiffies not enough");
	is_int(limit_burst(&s, 600, 1), 1, "HZ=100: 600 jiffies = 6 s");

	/* the kernel multiplies avg by burst in 32 bits: 1/day burst 5 wraps */
	is_int(qt_rl_limit_init(&s, 864000000u, 5, HZ, 0), -1, "1/day burst 5 overflows: refused");
	is_int(qt_rl_limit_init(&s, 864000000u, 2, HZ, 0), -1, "1/day burst 2: credits wrap too");
	is_int(qt_rl_limit_init(&s, 864000000u, 1, HZ, 0), 0, "1/day burst 1 fits");
	is_int(qt_rl_limit_init(&s, 60000, 0, HZ, 0), -1, "burst 0 refused");

	/* 1/sec (avg 10000): rounding is exact, 250 jiffies per packet */
	qt_rl_limit_init(&s, 10000, 1, HZ, 50);
	is_int(limit_burst(&s, 50, 2), 1, "1/sec burst 1: one at once");
	is_int(limit_burst(&s, 299, 1), 0, "249 jiffies: no");
	/* the failed probe at 299 kept its refill: one jiffy more is enough */
	is_int(limit_burst(&s, 300, 1), 1, "250 jiffies after the pass: one");
}

static void test_nft_limit(void)
{
	struct qt_rl_nft s;
	uint64_t rate, unit;

	qt_rl_nft_from_xt(60000, &rate, &unit);
	ok(rate == 10 && unit == 60, "avg 60000 goes to the kernel as 10/minute");
	qt_rl_nft_from_xt(12000000, &rate, &unit);
	ok(rate == 3 && unit == 3600, "the default 3/hour stays 3/hour");
	qt_rl_nft_from_xt(60, &rate, &unit);
	ok(rate == 166 && unit == 1, "10000/minute becomes 166/second");
	qt_rl_nft_from_xt(864000000u, &rate, &unit);
	ok(rate == 1 && unit == 86400, "1/day");

	is_int(qt_rl_nft_init(&s, 10, 60, 3, 5 * NS), 0, "nft limit 10/min burst 3");
	is_int(s.cost, 6 * NS, "cost 6 s in ns");
	is_int(s.tokens_max, 18 * NS, "bucket 18 s");
	is_int(nft_burst(&s, 5 * NS, 10), 3, "10 packets at t=0: 3 pass");
	is_int(nft_burst(&s, 11 * NS - 1, 1), 0, "1 ns short of 6 s: none");
	is_int(nft_burst(&s, 11 * NS, 2), 1, "6 s: one passes");
	is_int(nft_burst(&s, 17 * NS, 1), 1, "12 s: one more");
	is_int(nft_burst(&s, 1000 * NS, 9), 3, "long idle: capped at the burst");

	is_int(qt_rl_nft_init(&s, 10, 1, 0, 0), 0, "burst 0 given");
	is_int(nft_burst(&s, 0, 9), 5, "burst 0 is the kernel's 5");
	is_int(qt_rl_nft_init(&s, 0, 1, 5, 0), -1, "rate 0 refused");

	/* xt_limit and nft_limit differ on a sub-jiffy scale only: 10/sec */
	qt_rl_nft_init(&s, 10, 1, 2, 0);
	is_int(nft_burst(&s, 0, 3), 2, "10/sec burst 2: 2 at once");
	is_int(nft_burst(&s, 150000000, 3), 1, "150 ms: 1 (50 ms left over)");
	is_int(nft_burst(&s, 200000000, 3), 1, "200 ms: 50 ms left + 50 ms = one");
	is_int(nft_burst(&s, 250000000, 3), 0, "250 ms: only 50 ms");
}

static void test_hashlimit_packets(void)
{
	struct qt_rl_hash h;
	/* --hashlimit-upto 10/min --hashlimit-burst 3: avg 6000000 (1/1e6 s) */
	struct qt_rl_hcfg c = { .avg = 6000000, .burst = 3, .hz = HZ };

	is_int(qt_rl_hash_check(&c), 0, "hashlimit 10/min burst 3 accepted");
	qt_rl_hash_init(&h, &c, 10);
	is_int(h.cost, 6000000ull * 137438953ull, "cost in the kernel's credits");
	is_int(h.credit, 3 * h.cost, "entry starts full");
	ok(qt_rl_hash_match(&h, &c, 10, 60, true), "the packet that made the entry passes");
	is_int(hash_burst(&h, &c, 10, 9, 60), 2, "then 2 of 9 more");
	/* 2^39 credits a jiffy: 1499 jiffies fall short of 6 s, 1500 suffice */
	is_int(hash_burst(&h, &c, 10 + 1499, 1, 60), 0, "1499 jiffies: none");
	is_int(hash_burst(&h, &c, 10 + 1500, 2, 60), 1, "1500 jiffies: one");

	/* --hashlimit-above: the same bucket, inverted */
	c.mode = QT_RL_HL_INVERT;
	qt_rl_hash_init(&h, &c, 0);
	ok(!qt_rl_hash_match(&h, &c, 0, 60, true), "above: the first packet does not match");
	is_int(hash_burst(&h, &c, 0, 5, 60), 3, "above: 3 of the next 5 match");

	c = (struct qt_rl_hcfg){ .avg = 6000000, .burst = 0, .hz = HZ };
	is_int(qt_rl_hash_check(&c), -1, "burst 0 refused");
	/* 1/day: avg * burst * 137438953 overflows 64 bits from burst 2 */
	c = (struct qt_rl_hcfg){ .avg = 86400000000ull, .burst = 2, .hz = HZ };
	is_int(qt_rl_hash_check(&c), -1, "1/day burst 2: credit overflow refused");
	c.burst = 1;
	is_int(qt_rl_hash_check(&c), 0, "1/day burst 1 fits");
}

static void test_hashlimit_bytes(void)
{
	struct qt_rl_hash h;
	/* --hashlimit-upto 1kb/s: cost UINT32_MAX / (1024/16 + 1) */
	struct qt_rl_hcfg c = { .avg = 4294967295u / 65, .burst = 0,
				.mode = QT_RL_HL_BYTES, .hz = HZ };

	is_int(qt_rl_hash_check(&c), 0, "1kb/s accepted");
	qt_rl_hash_init(&h, &c, 0);
	is_int(h.cost, 64527752, "a 16-byte chunk's credits");
	is_int(h.credit, 4194304000ull, "a full second of bytes");
	/* 100 bytes = 7 chunks; 9 fit in a full bucket */
	ok(qt_rl_hash_match(&h, &c, 0, 100, true), "first packet passes");
	is_int(hash_burst(&h, &c, 0, 9, 100), 8, "9 packets of 100 bytes in all");
	is_int(hash_burst(&h, &c, 19, 1, 100), 0, "19 jiffies: short");
	is_int(hash_burst(&h, &c, 20, 1, 100), 1, "20 jiffies: enough for 7 chunks");
	/* a packet is charged at most a full second */
	qt_rl_hash_init(&h, &c, 0);
	ok(qt_rl_hash_match(&h, &c, 0, 65535, true), "a huge packet passes a full bucket");
	ok(!qt_rl_hash_match(&h, &c, 0, 20, false), "and empties it");

	/* a burst of 1: one whole refill when the bucket runs dry */
	c.burst = 1;
	qt_rl_hash_init(&h, &c, 0);
	is_int(hash_burst(&h, &c, 0, 30, 100), 18, "burst 1: twice 9 packets");
	is_int(hash_burst(&h, &c, 0, 1, 100), 0, "the burst is spent for good");

	/* rate too high: the cost rounds to 0 credits */
	c.avg = 1;
	is_int(qt_rl_hash_check(&c), -1, "a cost of 0 credits refused");
}

static void test_hashlimit_rate_match(void)
{
	struct qt_rl_hash h;
	/* --hashlimit-upto 2/sec --hashlimit-rate-match (interval 1 s) */
	struct qt_rl_hcfg c = { .avg = 500000, .burst = 5, .interval = 1,
				.mode = QT_RL_HL_RATE_MATCH, .hz = HZ };

	qt_rl_hash_init(&h, &c, 0);
	is_int(h.rate, 2, "rate 2 per interval");
	is_int(h.burst, 7, "burst + rate");
	ok(qt_rl_hash_match(&h, &c, 0, 60, true), "first passes");
	is_int(hash_burst(&h, &c, 0, 9, 60), 6, "7 in the first window");
	is_int(hash_burst(&h, &c, 249, 3, 60), 0, "same window: none");
	is_int(hash_burst(&h, &c, 250, 1, 60), 0, "next window: previous was over the rate");
	is_int(hash_burst(&h, &c, 500, 3, 60), 3, "after a quiet window: pass again");
	is_int(hash_burst(&h, &c, 1000, 1, 60), 1, "3 in 2 s is under 2/s");
}

int main(void)
{
	is_int(qt_rl_ns_to_jiffies(6 * NS, HZ), 1500, "6 s = 1500 jiffies at HZ=250");
	test_xt_limit();
	test_nft_limit();
	test_hashlimit_packets();
	test_hashlimit_bytes();
	test_hashlimit_rate_match();
	return done_testing();
}
