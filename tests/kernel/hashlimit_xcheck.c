/* Sends UDP packets on a schedule from several source addresses and
 * judges the same packets, at the same times, with qtables' -m hashlimit
 * (extensions/hashlimit.c); prints "PASSED HOTDROPPED" of the engine so
 * tests/kernel/hashlimit_xcheck.sh can compare them with the kernel's
 * rule counters. Run inside a namespace whose lo holds the addresses.
 * Usage: hashlimit_xcheck "-A INPUT -m hashlimit ..." "ms:count:src:payload,..." */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "eval.h"
#include "qt_test.h"

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	struct qt_engine_env env = { .hz = 250 };
	int passed = 0, dropped = 0;

	if (argc != 3)
		return 2;
	if (getenv("RL_HZ"))
		env.hz = (unsigned)atoi(getenv("RL_HZ"));
	qt_test_cmd(&rs, argv[1], &r);
	if (r.status) {
		fprintf(stderr, "%s", qt_buf_str(&r.err));
		return 2;
	}
	qt_test_result_free(&r);
	struct qt_rule *rule = qt_table_chain(rs->tables[QT_TABLE_FILTER],
					      "INPUT")->rules[0];
	struct qt_ext_inst *in = NULL;
	for (unsigned i = 0; i < rule->nmatches; i++)
		if (!strcmp(rule->matches[i].ext->name, "hashlimit"))
			in = &rule->matches[i];
	if (!in || in->ext->state_new(in, &env))
		return 2;

	uint64_t t0 = mono();
	char *sched = strdup(argv[2]), *save = NULL;
	for (char *e = strtok_r(sched, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		unsigned ms, cnt, pl;
		char src[32];
		if (sscanf(e, "%u:%u:%31[^:]:%u", &ms, &cnt, src, &pl) != 4)
			return 2;
		while (mono() < t0 + ms * 1000000ull)
			usleep(200);
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET };
		inet_pton(AF_INET, src, &a.sin_addr);
		if (bind(s, (struct sockaddr *)&a, sizeof(a)))
			return 2;
		struct sockaddr_in d = { .sin_family = AF_INET, .sin_port = htons(9) };
		inet_pton(AF_INET, "10.0.0.254", &d.sin_addr);
		static uint8_t payload[1500], pkt[1600];
		for (unsigned i = 0; i < cnt; i++) {
			uint64_t now = mono();
			sendto(s, payload, pl, 0, (struct sockaddr *)&d, sizeof(d));
			/* the same datagram as the engine would get it */
			socklen_t al = sizeof(a);
			getsockname(s, (struct sockaddr *)&a, &al);
			uint16_t len = (uint16_t)(28 + pl), v;
			memset(pkt, 0, 28);
			pkt[0] = 0x45;
			v = htons(len); memcpy(pkt + 2, &v, 2);
			pkt[8] = 64; pkt[9] = IPPROTO_UDP;
			memcpy(pkt + 12, &a.sin_addr, 4);
			memcpy(pkt + 16, &d.sin_addr, 4);
			memcpy(pkt + 20, &a.sin_port, 2);
			memcpy(pkt + 22, &d.sin_port, 2);
			v = htons((uint16_t)(8 + pl)); memcpy(pkt + 24, &v, 2);
			struct qt_eval ev;
			qt_eval_init(&ev, pkt, len, sizeof(pkt), len,
				     QT_HOOK_LOCAL_IN, &env);
			ev.now_ns = now;
			if (in->ext->match(in, &ev))
				passed++;
			if (ev.hotdrop)
				dropped++;
		}
		close(s);
	}
	free(sched);
	printf("%d %d\n", passed, dropped);
	qt_ruleset_free(rs);
	return 0;
}
