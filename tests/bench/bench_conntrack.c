/* In-process benchmark of the connection table (engine/ct/conntrack.c):
 * prints numbers, asserts nothing.
 *
 *   bench_conntrack [CONNS [BUDGET [SECONDS]]]   (1000000, 256, 2)
 *
 * For UDP and for TCP: CONNS
 * connections are made (first packet, confirm, reply, and for UDP a
 * packet 3 s later so they are ASSURED streams; TCP: the three-way
 * handshake), then packets of those established connections are judged
 * by qt_ct_in() on one core for SECONDS, in a scattered order over all
 * connections (the shard's lock taken per burst of 64, as the engine
 * does): packets per second of wall time, and per second of the
 * thread's CPU time (steadier on a shared machine). Memory: the process's resident size
 * (/proc/self/statm) before and after making the connections, divided by
 * CONNS. Expiry: the clock is moved past every timeout and
 * qt_ct_expire(BUDGET) is called until the table is empty: the longest
 * call and the total. Then UDP again, made and judged one packet at a
 * time with accounting on (the per-direction packet and byte counts
 * connbytes and nft's ct bytes read) and off, three rounds each,
 * alternately: the ratio of the medians' CPU time per packet. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conntrack.h"
#include "packet.h"

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
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

static long rss_bytes(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * sysconf(_SC_PAGESIZE);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* A packet template: parsed once, then only addresses and ports are
 * patched (in the bytes and in the parsed fields the tuple is read
 * from), so the loop measures the table and not the building. */
struct tpl {
	uint8_t b[64];
	struct qt_pkt p;
};

enum { ORIG, REPLY };
static const uint32_t SERVER = 0xc0a80101;     /* 192.168.1.1 */

/* connection i: client 10.x.y.z from i / 16, port 1024 + i % 16 */
static void patch(struct tpl *t, uint32_t i, int dir, uint8_t proto)
{
	uint32_t client = 0x0a000000u | (i >> 4);
	uint16_t cport = (uint16_t)(1024 + (i & 15));
	uint16_t sport = proto == IPPROTO_TCP ? 80 : 53;
	uint32_t src = dir == ORIG ? client : SERVER;
	uint32_t dst = dir == ORIG ? SERVER : client;
	put32(t->b + 12, src);
	put32(t->b + 16, dst);
	put16(t->b + 20, dir == ORIG ? cport : sport);
	put16(t->b + 22, dir == ORIG ? sport : cport);
	t->p.saddr.v4.s_addr = htonl(src);
	t->p.daddr.v4.s_addr = htonl(dst);
	t->p.sport = dir == ORIG ? cport : sport;
	t->p.dport = dir == ORIG ? sport : cport;
}

static void mk_udp(struct tpl *t)
{
	memset(t, 0, sizeof(*t));
	t->b[0] = 0x45;
	put16(t->b + 2, 20 + 8 + 4);
	t->b[8] = 64;
	t->b[9] = IPPROTO_UDP;
	put16(t->b + 24, 12);
	qt_pkt_parse_ipv4(&t->p, t->b, 32);
}

static void mk_tcp(struct tpl *t, uint8_t flags, uint32_t seq, uint32_t ack)
{
	memset(t, 0, sizeof(*t));
	t->b[0] = 0x45;
	put16(t->b + 2, 40);
	t->b[8] = 64;
	t->b[9] = IPPROTO_TCP;
	put32(t->b + 24, seq);
	put32(t->b + 28, ack);
	t->b[32] = 5 << 4;
	t->b[33] = flags;
	put16(t->b + 34, 65535);
	qt_pkt_parse_ipv4(&t->p, t->b, 40);
}

/* Packets of established connections in the scattered order, the lock
 * taken per burst of 64. prefetch: as an engine would for a burst,
 * qt_ct_prefetch() stage 0 sixteen packets ahead and stage 1 eight
 * packets ahead of the packet being judged. */
#define BURST 64
static double lookups(const char *name, struct qt_ct *ct, struct tpl *d,
		    const uint32_t *order, uint32_t n, uint64_t now,
		    double secs, uint8_t proto, bool prefetch)
{
	struct qt_ct_verdict v;
	uint64_t pkts = 0, est = 0;
	uint64_t l0 = mono(), l1, c0 = cpu();
	uint32_t k = 0;
	struct tpl ahead;
	memcpy(&ahead, d, sizeof(ahead));
	ahead.p.data = ahead.b;
	ahead.p.l4 = ahead.b + 20;
	do {
		qt_ct_lock(ct);
		for (unsigned j = 0; j < BURST; j++) {
			if (prefetch) {
				patch(&ahead, order[(k + 16) % n], ORIG, proto);
				qt_ct_prefetch(ct, &ahead.p, 0);
				patch(&ahead, order[(k + 8) % n], ORIG, proto);
				qt_ct_prefetch(ct, &ahead.p, 1);
			}
			patch(d, order[k], ORIG, proto);
			if (++k == n)
				k = 0;
			qt_ct_in(ct, &d->p, now, &v);
			est += v.state == QT_CT_ESTABLISHED;
		}
		qt_ct_unlock(ct);
		pkts += BURST;
		l1 = mono();
	} while ((pkts & 0xfff) || l1 - l0 < (uint64_t)(secs * 1e9));
	double mpps = pkts / ((double)(l1 - l0) / 1e3);
	double cpu_mpps = pkts / ((double)(cpu() - c0) / 1e3);
	printf("%s: %.2f Mpps on one core, %s (%llu packets of established "
	       "connections, %llu ESTABLISHED, %u tracked; %.2f Mpps of the "
	       "thread's CPU time)\n", name, mpps,
	       prefetch ? "bursts with qt_ct_prefetch" : "one packet at a time",
	       (unsigned long long)pkts, (unsigned long long)est,
	       qt_ct_count(ct), cpu_mpps);
	return cpu_mpps;
}

/* acct: counts on before the connections are made; *cpu_mpps: the
 * packets per second of CPU time of the loop that judges one packet at
 * a time, as the engine does (NULL: the whole run, expiry included). */
static int run(const char *name, uint8_t proto, uint32_t n, unsigned budget,
	       double secs, bool acct, double *cpu_mpps)
{
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	struct qt_ct *ct = qt_ct_new(&c, n);
	if (!ct || (acct && qt_ct_acct_enable(ct) < 0)) {
		fprintf(stderr, "bench: qt_ct_new(%u) failed\n", n);
		return 1;
	}
	struct tpl a, b, d;    /* orig, reply, (tcp) final ack */
	if (proto == IPPROTO_UDP) {
		mk_udp(&a);
		mk_udp(&b);
		mk_udp(&d);
	} else {
		mk_tcp(&a, 0x02, 1000, 0);            /* SYN */
		mk_tcp(&b, 0x12, 5000, 1001);         /* SYN ACK */
		mk_tcp(&d, 0x10, 1001, 5001);         /* ACK */
	}
	uint64_t t0 = 1000 * S;
	struct qt_ct_verdict v;
	long rss0 = rss_bytes();
	uint64_t c0 = mono();
	uint32_t made = 0;
	qt_ct_lock(ct);
	for (uint32_t i = 0; i < n; i++) {
		patch(&a, i, ORIG, proto);
		qt_ct_in(ct, &a.p, t0, &v);
		if (!v.created)
			continue;
		qt_ct_confirm(ct, v.e, t0);
		made++;
		patch(&b, i, REPLY, proto);
		qt_ct_in(ct, &b.p, t0, &v);
		patch(&d, i, ORIG, proto);
		qt_ct_in(ct, &d.p, t0 + 3 * S, &v);
	}
	qt_ct_unlock(ct);
	uint64_t c1 = mono();
	long rss1 = rss_bytes();
	printf("%s: %u connections made in %.2f s (%.2f M/s); entry %zu bytes\n",
	       name, made, (double)(c1 - c0) / 1e9,
	       made / ((double)(c1 - c0) / 1e3), sizeof(struct qt_ct_entry));
	printf("%s: memory %.1f bytes per connection (RSS %+ld KiB for %u)\n",
	       name, (double)(rss1 - rss0) / (made ? made : 1),
	       (rss1 - rss0) / 1024, made);

	/* the lookup loop: a scattered order over all connections */
	uint32_t *order = malloc(sizeof(*order) * n);
	if (!order)
		return 1;
	for (uint32_t i = 0; i < n; i++)
		order[i] = (uint32_t)(((uint64_t)i * 2654435761u) % n);
	uint64_t now = t0 + 4 * S;
	if (cpu_mpps) {
		*cpu_mpps = lookups(name, ct, &d, order, n, now, secs, proto,
				    false);
		free(order);
		qt_ct_free(ct);
		return 0;
	}
	lookups(name, ct, &d, order, n, now, secs, proto, false);
	lookups(name, ct, &d, order, n, now, secs, proto, true);
	free(order);

	/* expiry: everything due */
	now += (uint64_t)(proto == IPPROTO_TCP ? c.to.tcp[QT_TCP_ESTABLISHED]
					       : c.to.udp_stream) * S + 10 * S;
	/* wall time per call, and the thread's CPU time (a call the
	 * machine preempted looks long on the wall clock only) */
	uint64_t longest = 0, longest_cpu = 0, total = 0, calls = 0;
	uint64_t removed = 0, over1ms = 0;
	while (qt_ct_count(ct)) {
		uint64_t e0 = mono(), u0 = cpu();
		qt_ct_lock(ct);
		removed += qt_ct_expire(ct, now, budget);
		qt_ct_unlock(ct);
		uint64_t u1 = cpu() - u0;
		uint64_t e1 = mono() - e0;
		total += e1;
		over1ms += e1 > 1000000;
		if (e1 > longest)
			longest = e1;
		if (u1 > longest_cpu)
			longest_cpu = u1;
		if (++calls > 100ull * n)
			break;
	}
	printf("%s: expiry of %llu: %llu calls of budget %u, longest %.3f ms "
	       "(CPU %.3f ms), %llu calls over 1 ms, total %.1f ms\n", name,
	       (unsigned long long)removed, (unsigned long long)calls, budget,
	       longest / 1e6, longest_cpu / 1e6, (unsigned long long)over1ms,
	       total / 1e6);
	qt_ct_free(ct);
	return 0;
}

static double median3(const double *v)
{
	double a = v[0], b = v[1], c = v[2];
	if (a > b) { double t = a; a = b; b = t; }
	if (b > c) { double t = b; b = c; c = t; }
	return a > b ? a : b;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
	unsigned budget = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 256;
	double secs = argc > 3 ? atof(argv[3]) : 2;
	if (!n || !budget)
		return 2;
	int rc = run("udp", IPPROTO_UDP, n, budget, secs, false, NULL);
	rc |= run("tcp", IPPROTO_TCP, n, budget, secs, false, NULL);
	/* accounting's cost: three rounds each way, alternately; the
	 * medians' ratio */
	double on[3], off[3];
	for (int i = 0; i < 3 && !rc; i++) {
		rc |= run("udp, counts off", IPPROTO_UDP, n, budget, secs,
			  false, &off[i]);
		rc |= run("udp, counts on", IPPROTO_UDP, n, budget, secs,
			  true, &on[i]);
	}
	if (!rc) {
		double a = median3(on), b = median3(off);
		printf("accounting: %.2f Mpps of CPU time with the counts, "
		       "%.2f without: %.2fx the CPU time per packet\n", a, b,
		       b / a);
	}
	return rc;
}
