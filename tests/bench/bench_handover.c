/* In-process benchmark of the handover of the connection tables
 * (daemon/snapshot.c): prints numbers, asserts nothing.
 *
 *   bench_handover [CONNS [TABLES]]   (1000000, 1)
 *
 * CONNS established TCP connections (window data and all) are put in
 * TABLES connection tables as the queue threads' (spread evenly), then
 * handed over as qtablesd does it: the snapshot encoded, written to a
 * sealed memory file (the one passed to the next daemon), mapped by the
 * reader, checked whole and loaded into fresh tables. Each step's wall
 * time and the total, the image's size, and a check that every
 * connection came back. Target (issue): the whole under 1 s for a
 * million connections. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conntrack.h"
#include "snapshot.h"

#define S 1000000000ull

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

static double ms(uint64_t a, uint64_t b)
{
	return (double)(b - a) / 1e6;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
	unsigned nt = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
	if (nt == 0 || nt > 64 || n == 0) {
		fprintf(stderr, "usage: bench_handover [CONNS [TABLES 1..64]]\n");
		return 2;
	}
	struct qt_ct_config cfg;
	qt_ct_config_default(&cfg);
	struct qt_ct *from[64], *to[64];
	uint32_t per = n / nt + 1;
	for (unsigned t = 0; t < nt; t++) {
		from[t] = qt_ct_new(&cfg, per);
		/* as qtablesd makes tables a handover fills */
		struct qt_ct_config dc = cfg;
		dc.defer_hugepages = true;
		to[t] = qt_ct_new(&dc, per);
		if (!from[t] || !to[t]) {
			fprintf(stderr, "bench_handover: out of memory\n");
			return 1;
		}
	}
	uint64_t now = mono();
	for (uint32_t i = 0; i < n; i++) {
		struct qt_ct_entry e;
		memset(&e, 0, sizeof(e));
		e.t[0].src.ip = htonl(0x0a000000 | (i >> 16));
		e.t[0].dst.ip = htonl(0x0b000000 | (i & 0xffff));
		e.t[0].sport = (uint16_t)(1024 + (i % 60000));
		e.t[0].dport = 443;
		e.t[0].proto = IPPROTO_TCP;
		qt_ct_invert(&e.t[0], &e.t[1]);
		e.status = QT_IPS_CONFIRMED | QT_IPS_SEEN_REPLY | QT_IPS_ASSURED;
		e.id = i + 1;
		e.expires = now + (uint64_t)(432000 - (i % 1000)) * S;
		e.p.tcp.state = QT_TCP_ESTABLISHED;
		e.p.tcp.seen[0].td_end = i;
		e.p.tcp.seen[1].td_end = ~i;
		e.p.tcp.seen[0].td_maxwin = e.p.tcp.seen[1].td_maxwin = 65535;
		if (!qt_ct_restore(from[i % nt], &e, now)) {
			fprintf(stderr, "bench_handover: table full at %u\n", i);
			return 1;
		}
	}
	struct qt_snap_src src = { .shards = from, .nshards = nt };
	struct qt_buf err;
	qt_buf_init(&err);

	uint64_t c0 = cpu();
	uint64_t t0 = mono();
	int fd = qt_snap_encode_fd(&src, t0);
	uint64_t t1 = mono();
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror("bench_handover: memory file");
		return 1;
	}
	size_t len = (size_t)st.st_size;
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return 1;
	uint64_t t2 = mono();
	struct qt_snap_src dst = { .shards = to, .nshards = nt };
	struct qt_snap_counts c;
	int rc = qt_snap_decode(map, len, &dst, mono(), &c, &err);
	uint64_t t3 = mono();
	uint64_t c3 = cpu();

	uint64_t back = 0;
	for (unsigned t = 0; t < nt; t++)
		back += qt_ct_count(to[t]);
	printf("connections: %u in %u table%s, image %.1f MB (%zu bytes per "
	       "connection)\n", n, nt, nt == 1 ? "" : "s",
	       (double)len / 1e6, len / n);
	printf("encode into the memory file %.1f ms, map %.1f ms, check and "
	       "load %.1f ms\n", ms(t0, t1), ms(t1, t2), ms(t2, t3));
	printf("handover total: %.1f ms (CPU time %.1f ms); loaded %s: %llu of %u connections%s\n",
	       ms(t0, t3), ms(c0, c3), rc == 0 ? "ok" : "REFUSED", (unsigned long long)back,
	       n, back == n ? "" : " (MISSING SOME)");
	fputs(qt_buf_str(&err), stdout);
	return rc == 0 && back == n ? 0 : 1;
}
