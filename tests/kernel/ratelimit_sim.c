/* Replays packet times through extensions/lib/ratelimit.c and prints how many
 * passed. stdin: "ns len" a line. args: xt|nft AVG BURST, or
 * hl AVG BURST MODE; a phase in ns shifts the jiffies grid. "check-xt
 * AVG BURST" / "check-hl AVG BURST MODE" print what checkentry says
 * (0 or -1). HZ comes from $RL_HZ (default 250). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

int main(int argc, char **argv)
{
	const char *hz_env = getenv("RL_HZ");
	unsigned hz = hz_env ? (unsigned)atoi(hz_env) : 250;

	if (argc == 4 && !strcmp(argv[1], "check-xt")) {
		struct qt_rl_limit l;
		printf("%d\n", qt_rl_limit_init(&l, (uint32_t)strtoul(argv[2], NULL, 10),
						(uint32_t)strtoul(argv[3], NULL, 10), hz, 0));
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "check-hl")) {
		struct qt_rl_hcfg c = { .avg = strtoull(argv[2], NULL, 10),
					.burst = strtoull(argv[3], NULL, 10),
					.mode = (uint32_t)strtoul(argv[4], NULL, 0), .hz = hz };
		printf("%d\n", qt_rl_hash_check(&c));
		return 0;
	}
	if (argc < 5 || (!strcmp(argv[1], "hl") && argc < 6)) {
		fprintf(stderr, "usage: %s xt|nft|hl PHASE_NS AVG BURST [MODE]\n", argv[0]);
		return 2;
	}
	const char *m = argv[1];
	uint64_t phase = strtoull(argv[2], NULL, 10);
	uint64_t avg = strtoull(argv[3], NULL, 10), burst = strtoull(argv[4], NULL, 10);
	struct qt_rl_hcfg c = { .avg = avg, .burst = burst, .interval = 1, .hz = hz };
	struct qt_rl_limit l;
	struct qt_rl_nft n;
	struct qt_rl_hash h;
	unsigned long long t, len;
	int first = 1, pass = 0;

	if (!strcmp(m, "hl"))
		c.mode = (uint32_t)strtoul(argv[5], NULL, 0);
	while (scanf("%llu %llu", &t, &len) == 2) {
		uint64_t j = qt_rl_ns_to_jiffies(t + phase, c.hz);
		if (!strcmp(m, "xt")) {
			if (first && qt_rl_limit_init(&l, (uint32_t)avg, (uint32_t)burst, c.hz, j))
				return 3;
			pass += qt_rl_limit_take(&l, j);
		} else if (!strcmp(m, "nft")) {
			uint64_t rate, unit;
			qt_rl_nft_from_xt((uint32_t)avg, &rate, &unit);
			if (first && qt_rl_nft_init(&n, rate, unit, (uint32_t)burst, t))
				return 3;
			pass += qt_rl_nft_take(&n, t);
		} else {
			if (first)
				qt_rl_hash_init(&h, &c, j);
			pass += qt_rl_hash_match(&h, &c, j, (uint32_t)len, first);
		}
		first = 0;
	}
	printf("%d\n", pass);
	return 0;
}
