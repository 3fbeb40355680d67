/* In-process benchmark of the engine's walk (qt_prog_eval): rulesets of
 * 10, 20 and 10,000 rules in one chain, compiled as qtablesd compiles
 * them, judged on pre-built packets on one core. Prints packets/s per
 * case, the cost ratio 10,000 rules / 10 rules, and the cost of IPv6
 * over IPv4 for the same shape at 20 and 10,000 rules; asserts
 * nothing.
 *
 *   bench_engine [ROUNDS [MS_PER_SAMPLE [SHAPE[/RULES[/KIND]],...]]]
 *                                          (defaults 9, 30, every case)
 *
 * SHAPE[/RULES[/KIND]] (KIND miss or last; several separated by
 * commas) keeps only those cases, e.g. to profile one under perf record
 * or count its instructions (bench_engine.sh --instructions); ratios
 * print where both sides ran.
 *
 * Shapes (FORWARD chain, policy ACCEPT):
 *   blocklist  -s 10.X.Y.Z/32 -p tcp --dport P -j DROP (distinct
 *              sources, a mix of ten ports)
 *   ports      -p tcp --dport N -j ACCEPT (distinct ports)
 *   mixed      four kinds in turn: -p tcp --sport P -j DROP, -s
 *              NET/24 -i eth0 -p tcp --dport P:P+9 -j ACCEPT, -d HOST
 *              -p udp --dport P -j ACCEPT, and the blocklist line
 *              (last)
 *   blocklist6 the blocklist in ip6tables: -s 2001:db8:X:Y::/64 -p tcp
 *              --dport P -j DROP
 *   prefix4    -s 10.X.Y.0/24 -j DROP (distinct networks)
 *   prefix6    -s 2001:db8:X::/48 -j DROP (distinct /48s of one /32)
 *   nftprefix4 prefix4 as nft rules: ip saddr 10.X.Y.0/24 drop, in a
 *              table ip's base chain at the forward hook
 *   nftprefix6 prefix6 as nft rules: ip6 saddr 2001:db8:X::/48 drop,
 *              in a table ip6's
 * Packets: "miss" match no rule (the whole chain is consulted, the
 * worst case), "last" match only the last rule. All cases are measured
 * in every round, interleaved, and the median sample is reported. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "eval.h"
#include "program.h"
#include "ctx.h"
#include "model.h"
#include "restore.h"
#include "nft_exec.h"
#include "nft_model.h"
#include "nft_run.h"

#define NPKT 256           /* distinct packets per case, cycled */
#define BIG 10000
#define SMALL 10
#define NSIZES 3
static const uint32_t sizes[NSIZES] = { SMALL, 20, BIG };

enum shape { SH_BLOCK, SH_PORTS, SH_MIXED, SH_BLOCK6, SH_PREFIX4,
	     SH_PREFIX6, SH_NFT_PREFIX4, SH_NFT_PREFIX6, NSHAPES };
static const char *const shape_name[NSHAPES] = { "blocklist", "ports", "mixed",
	"blocklist6", "prefix4", "prefix6", "nftprefix4", "nftprefix6" };
/* The IPv4 shape each IPv6 one is compared with (-1: none). */
static const int v4_twin[NSHAPES] = { -1, -1, -1, SH_BLOCK, -1, SH_PREFIX4,
				      -1, SH_NFT_PREFIX4 };

static bool is_v6(enum shape s)
{
	return s == SH_BLOCK6 || s == SH_PREFIX6 || s == SH_NFT_PREFIX6;
}

static bool is_nft(enum shape s)
{
	return s == SH_NFT_PREFIX4 || s == SH_NFT_PREFIX6;
}

/* The shape whose packets an nft shape takes. */
static enum shape packets_of(enum shape s)
{
	return s == SH_NFT_PREFIX4 ? SH_PREFIX4
	       : s == SH_NFT_PREFIX6 ? SH_PREFIX6 : s;
}

/* distinct 16-bit network numbers for i < 65536 (an odd multiplier) */
static uint32_t net_of(uint32_t i)
{
	return (i * 40503u) & 0xffff;
}
static const uint16_t common_ports[10] = { 22, 23, 25, 80, 443, 445, 1433,
					   3306, 3389, 8080 };

/* distinct, scattered 24-bit host numbers: an odd multiplier is a
 * bijection modulo 2^24 */
static uint32_t host_of(uint32_t i)
{
	return (i * 2654435761u) & 0xffffff;
}

/* Rule i of n of a shape. The mixed shape's kinds go round so that
 * the last rule is always of kind 0 (a blocklist line). */
static void rule_text(struct qt_buf *b, enum shape s, uint32_t i, uint32_t n)
{
	uint32_t h = host_of(i);
	uint16_t p = common_ports[i % 10];
	switch (s) {
	case SH_BLOCK:
		qt_buf_printf(b, "-A FORWARD -s 10.%u.%u.%u/32 -p tcp --dport %u "
			      "-j DROP\n", h >> 16, (h >> 8) & 255, h & 255, p);
		break;
	case SH_PORTS:
		qt_buf_printf(b, "-A FORWARD -p tcp --dport %u -j ACCEPT\n",
			      1024 + i);
		break;
	case SH_MIXED:
		switch ((n - 1 - i) % 4) {
		case 0:
			qt_buf_printf(b, "-A FORWARD -s 10.%u.%u.%u/32 -p tcp "
				      "--dport %u -j DROP\n", h >> 16,
				      (h >> 8) & 255, h & 255, p);
			break;
		case 1:
			qt_buf_printf(b, "-A FORWARD -d 172.16.%u.%u/32 -p udp "
				      "--dport %u -j ACCEPT\n", (h >> 8) & 255,
				      h & 255, 1024 + i);
			break;
		case 2:
			qt_buf_printf(b, "-A FORWARD -s 10.%u.%u.0/24 -i eth0 -p "
				      "tcp --dport %u:%u -j ACCEPT\n", h >> 16,
				      (h >> 8) & 255, 2000 + i % 5000,
				      2009 + i % 5000);
			break;
		default:
			qt_buf_printf(b, "-A FORWARD -p tcp --sport %u -j DROP\n",
				      20000 + i);
			break;
		}
		break;
	case SH_BLOCK6:
		qt_buf_printf(b, "-A FORWARD -s 2001:db8:%x:%x::/64 -p tcp "
			      "--dport %u -j DROP\n", h >> 12, h & 0xfff, p);
		break;
	case SH_PREFIX4:
		qt_buf_printf(b, "-A FORWARD -s 10.%u.%u.0/24 -j DROP\n",
			      net_of(i) >> 8, net_of(i) & 255);
		break;
	case SH_PREFIX6:
		qt_buf_printf(b, "-A FORWARD -s 2001:db8:%x::/48 -j DROP\n",
			      net_of(i));
		break;
	default:
		break;
	}
}

static struct qt_ruleset *build(enum shape s, uint32_t n)
{
	struct qt_buf t, out, err;
	qt_buf_init(&t);
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_buf_puts(&t, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
		    ":OUTPUT ACCEPT [0:0]\n");
	for (uint32_t i = 0; !is_nft(s) && i < n; i++)
		rule_text(&t, s, i, n);
	qt_buf_puts(&t, "COMMIT\n");
	struct qt_ctx ctx;
	qt_ctx_init(&ctx, is_v6(s) ? "ip6tables-restore" : "iptables-restore",
		    &out, &err);
	struct qt_restore_opts o = { 0 };
	struct qt_ruleset *rs = qt_ruleset_new(is_v6(s) ? AF_INET6 : AF_INET);
	bool changed;
	if (qt_restore_run(&rs, qt_buf_str(&t), t.len, &o, NULL, &ctx,
			   &changed)) {
		fprintf(stderr, "bench_engine: restore failed: %s",
			qt_buf_str(&err));
		exit(1);
	}
	qt_buf_free(&t);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return rs;
}

/* The nft shapes' rules, compiled and attached to p (the program of
 * an empty iptables ruleset); what the base chain's classifier holds
 * into split. */
static void attach_nft(struct qt_prog *p, enum shape s, uint32_t n,
		       const struct qt_engine_env *env,
		       struct qt_nft_store *store, char *split, unsigned len)
{
	struct qt_buf t, out, err;
	qt_buf_init(&t);
	qt_buf_init(&out);
	qt_buf_init(&err);
	bool v6 = is_v6(s);
	qt_buf_printf(&t, "table %s f {\nchain fwd { type filter hook forward "
		      "priority 0; policy accept;\n", v6 ? "ip6" : "ip");
	for (uint32_t i = 0; i < n; i++)
		if (v6)
			qt_buf_printf(&t, "ip6 saddr 2001:db8:%x::/48 drop\n",
				      net_of(i));
		else
			qt_buf_printf(&t, "ip saddr 10.%u.%u.0/24 drop\n",
				      net_of(i) >> 8, net_of(i) & 255);
	qt_buf_puts(&t, "}\n}\n");
	struct nft_ruleset *rs = nft_ruleset_new();
	struct nft_run_opts o = { 0 };
	bool changed;
	struct qt_nft_prog *np = NULL;
	if (nft_run(&rs, qt_buf_str(&t), t.len, &o, &out, &err, &changed) ||
	    !(np = qt_nft_compile(rs, v6 ? AF_INET6 : AF_INET, env, store,
				  &err))) {
		fprintf(stderr, "bench_engine: nft: %s", qt_buf_str(&err));
		exit(1);
	}
	qt_nft_describe_base(np, 0, split, len);
	if (qt_prog_attach_nft(p, np, &err) < 0) {
		fprintf(stderr, "bench_engine: nft: %s", qt_buf_str(&err));
		exit(1);
	}
	nft_ruleset_free(rs);
	qt_buf_free(&t);
	qt_buf_free(&out);
	qt_buf_free(&err);
}

/* ---- packets ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A TCP (or UDP) packet of 40 (28) bytes. */
static void mkpkt(uint8_t *b, uint8_t proto, uint32_t src, uint32_t dst,
		  uint16_t sport, uint16_t dport)
{
	uint16_t len = proto == IPPROTO_TCP ? 40 : 28;
	memset(b, 0, 40);
	b[0] = 0x45;
	put16(b + 2, len);
	b[8] = 64;
	b[9] = proto;
	uint32_t s = htonl(src), d = htonl(dst);
	memcpy(b + 12, &s, 4);
	memcpy(b + 16, &d, 4);
	put16(b + 20, sport);
	put16(b + 22, dport);
	if (proto == IPPROTO_TCP) {
		b[32] = 5 << 4;
		b[33] = 0x10;      /* ACK */
	} else {
		put16(b + 24, 8);
	}
}

/* An IPv6 TCP packet of 60 bytes from 2001:db8:W2:W3::j (W2 and W3
 * the second and third 16-bit groups given), to 2001:db8:ffff::2. */
static void mkpkt6(uint8_t *b, uint16_t w2, uint16_t w3, uint32_t j,
		   uint16_t sport, uint16_t dport)
{
	memset(b, 0, 64);
	b[0] = 0x60;
	put16(b + 4, 20);
	b[6] = IPPROTO_TCP;
	b[7] = 64;
	put16(b + 8, 0x2001);
	put16(b + 10, 0x0db8);
	put16(b + 12, w2);
	put16(b + 14, w3);
	put16(b + 22, (uint16_t)j);
	put16(b + 24, 0x2001);
	put16(b + 26, 0x0db8);
	put16(b + 28, 0xffff);
	b[39] = 2;
	put16(b + 40, sport);
	put16(b + 42, dport);
	b[52] = 5 << 4;
	b[53] = 0x10;
}

/* Packet j of a case: "miss" matches no rule of the shape; "last" only
 * rule n-1 (for the mixed shape: the last rule, -p tcp --sport). Its
 * length. */
static uint32_t case_packet(uint8_t *b, enum shape s, uint32_t n, bool last,
			    uint32_t j)
{
	uint32_t i = n - 1, h = host_of(i);
	uint32_t outside = 0xc0a80000 | (j & 0xffff);   /* 192.168/16 */
	switch (packets_of(s)) {
	case SH_BLOCK:
		if (last)
			mkpkt(b, IPPROTO_TCP, 0x0a000000 | h, 0x0a020202,
			      (uint16_t)(40000 + j), common_ports[i % 10]);
		else
			mkpkt(b, IPPROTO_TCP, outside, 0x0a020202,
			      (uint16_t)(40000 + j), common_ports[j % 10]);
		break;
	case SH_PORTS:
		mkpkt(b, IPPROTO_TCP, outside, 0x0a020202, (uint16_t)(40000 + j),
		      (uint16_t)(last ? 1024 + i : 30000 + j));
		break;
	case SH_MIXED:
		/* sources outside 10/8, ports no rule names (the sport rules
		 * take 20000..29999, the udp ones 1024..11023); the last rule
		 * is a blocklist line */
		if (last)
			mkpkt(b, IPPROTO_TCP, 0x0a000000 | h, 0xac100000 | j,
			      (uint16_t)(40000 + j), common_ports[i % 10]);
		else
			mkpkt(b, j & 1 ? IPPROTO_UDP : IPPROTO_TCP, outside,
			      0xac100000 | (j & 0xffff), (uint16_t)(40000 + j % 1000),
			      (uint16_t)(60000 + j % 1000));
		break;
	case SH_BLOCK6:
		/* a miss: a /64 of 2001:db8:ffff::/48, which no rule's
		 * (h >> 12 < 0x1000) is */
		if (last)
			mkpkt6(b, (uint16_t)(h >> 12), (uint16_t)(h & 0xfff), j,
			       (uint16_t)(40000 + j), common_ports[i % 10]);
		else
			mkpkt6(b, 0xffff, (uint16_t)j, j, (uint16_t)(40000 + j),
			       common_ports[j % 10]);
		return 60;
	case SH_PREFIX4:
		mkpkt(b, IPPROTO_TCP, last ? 0x0a000000 | net_of(i) << 8 | (j & 255)
				      : outside, 0x0a020202,
		      (uint16_t)(40000 + j), 80);
		break;
	case SH_PREFIX6:
		/* a miss: outside 2001:db8::/32 */
		mkpkt6(b, (uint16_t)(last ? net_of(i) : j), 0, j,
		       (uint16_t)(40000 + j), 80);
		if (!last)
			put16(b + 10, 0x0db9);
		return 60;
	default:
		break;
	}
	return 40;
}

struct bcase {
	enum shape shape;
	uint32_t rules;
	bool last;
	struct qt_prog *prog;
	struct qt_eval ev[NPKT];
	uint8_t pkt[NPKT][64];
	double *mpps;        /* per round */
	int want;            /* the verdict every packet must get */
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, unsigned n)
{
	double *c = malloc(n * sizeof(*c));
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_d);
	double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/* The fastest sample: on a machine shared with other work, other work
 * only ever adds time, so the best of many samples is the steadiest
 * figure of what the code itself costs. */
static double best(const double *v, unsigned n)
{
	double m = 0;
	for (unsigned i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* Every qt_prog_eval call made (bench_engine.sh --instructions divides
 * the instructions counted in it by this). */
static uint64_t evals;

/* Judge the case's packets for about ms milliseconds: Mpps. */
static double sample(struct bcase *c, double ms)
{
	uint64_t done = 0;
	double t0 = now_s(), t;
	volatile int sink = 0;
	do {
		for (unsigned j = 0; j < NPKT; j++)
			sink += qt_prog_eval(c->prog, &c->ev[j], NULL);
		done += NPKT;
		t = now_s();
	} while (t - t0 < ms / 1000);
	(void)sink;
	evals += done;
	return (double)done / (t - t0) / 1e6;
}

/* Does the filter keep this case? Items separated by commas, each
 * SHAPE, SHAPE/RULES or SHAPE/RULES/KIND (KIND miss or last); NULL
 * keeps every case. last < 0: either kind. */
static bool wanted(const char *only, enum shape s, uint32_t n, int last)
{
	if (!only)
		return true;
	for (const char *f = only; *f; f += *f == ',') {
		size_t item = strcspn(f, ","), len = strcspn(f, "/,");
		bool ok = len == strlen(shape_name[s]) &&
			  !strncmp(f, shape_name[s], len);
		if (ok && len < item) {
			char *end;
			ok = (uint32_t)strtoul(f + len + 1, &end, 10) == n;
			if (ok && last >= 0 && *end == '/')
				ok = !strncmp(end + 1, last ? "last" : "miss", 4);
		}
		if (ok)
			return true;
		f += item;
	}
	return false;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 9;
	double ms = argc > 2 ? atof(argv[2]) : 30;
	const char *only = argc > 3 ? argv[3] : NULL;
	if (!rounds || ms <= 0) {
		fprintf(stderr, "usage: bench_engine [ROUNDS [MS_PER_SAMPLE "
			"[SHAPE[/RULES[/KIND]],...]]]\n");
		return 2;
	}
	/* one core: stay on the one we started on */
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	int cpu = sched_getcpu();
	CPU_SET(cpu < 0 ? 0 : cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	struct qt_engine_env env = { .hz = 250 };
	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_nft_store *nstore = qt_nft_store_new();
	struct bcase *cs = calloc(NSHAPES * NSIZES * 2, sizeof(*cs));
	unsigned nc = 0;
	char split[NSHAPES][NSIZES][96];
	struct qt_ruleset *rsets[NSHAPES][NSIZES];
	struct qt_prog *progs[NSHAPES][NSIZES];
	double compile_ms[NSHAPES][NSIZES];
	for (int s = 0; s < NSHAPES; s++)
		for (int big = 0; big < NSIZES; big++) {
			uint32_t n = sizes[big];
			rsets[s][big] = NULL;
			if (!wanted(only, (enum shape)s, n, -1))
				continue;
			struct qt_ruleset *rs = rsets[s][big] = build((enum shape)s, n);
			struct qt_buf err;
			qt_buf_init(&err);
			double t0 = now_s();
			struct qt_prog *p = qt_prog_compile(rs, &env, store, &err);
			if (!p) {
				fprintf(stderr, "bench_engine: compile: %s",
					qt_buf_str(&err));
				return 1;
			}
			if (is_nft((enum shape)s))
				attach_nft(p, (enum shape)s, n, &env, nstore,
					   split[s][big], sizeof(split[s][big]));
			else
				qt_prog_describe_chain(p, QT_TABLE_FILTER, "FORWARD",
						       split[s][big],
						       sizeof(split[s][big]));
			compile_ms[s][big] = (now_s() - t0) * 1e3;
			qt_buf_free(&err);
			progs[s][big] = p;
			for (int last = 0; last < 2; last++) {
				if (!wanted(only, (enum shape)s, n, last))
					continue;
				struct bcase *c = &cs[nc++];
				c->shape = (enum shape)s;
				c->rules = n;
				c->last = last;
				c->prog = p;
				c->mpps = calloc(rounds, sizeof(double));
				c->want = last && s != SH_PORTS ? QT_XT_DROP
								: QT_XT_ACCEPT;
				for (unsigned j = 0; j < NPKT; j++) {
					uint32_t len = case_packet(c->pkt[j], c->shape,
								   n, last, j);
					qt_eval_init(&c->ev[j], c->pkt[j], len, 64,
						     len, QT_HOOK_FORWARD, &env);
					c->ev[j].in = "eth1";
					c->ev[j].out = "eth2";
					/* the packets must really be what they
					 * claim: a wrong verdict would time
					 * something else */
					int v = qt_prog_eval(p, &c->ev[j], NULL);
					evals++;
					if (v != c->want) {
						fprintf(stderr, "bench_engine: %s/%u/%s "
							"packet %u judged %d\n",
							shape_name[s], n,
							last ? "last" : "miss", j, v);
						return 1;
					}
				}
			}
		}

	/* warm up, then rounds: every case once per round */
	for (unsigned i = 0; i < nc; i++)
		sample(&cs[i], ms / 3);
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned i = 0; i < nc; i++)
			cs[i].mpps[r] = sample(&cs[i], ms);

	printf("engine walk, one core (cpu %d), %u rounds of %.0f ms, median\n",
	       cpu, rounds, ms);
	printf("%-10s %6s %5s %9s %8s %10s  %s\n", "shape", "rules",
	       "pkts", "Mpps", "ns/pkt", "compile",
	       "classifier (field:rules/longest list ...)");
	for (unsigned i = 0; i < nc; i++) {
		struct bcase *c = &cs[i];
		double m = median(c->mpps, rounds);
		int big = c->rules == BIG ? 2 : c->rules == SMALL ? 0 : 1;
		printf("%-10s %6u %5s %9.2f %8.1f %8.1fms  %s\n",
		       shape_name[c->shape], c->rules, c->last ? "last" : "miss",
		       m, 1e3 / m, compile_ms[c->shape][big],
		       split[c->shape][big]);
	}
	printf("\ncost ratio 10000/10 rules (target <= 1.5x, and >= 2 Mpps):\n");
	for (unsigned i = 0; i < nc; i++) {
		struct bcase *c = &cs[i];
		if (c->rules != SMALL)
			continue;
		for (unsigned k = 0; k < nc; k++) {
			struct bcase *b = &cs[k];
			if (b->rules != BIG || b->shape != c->shape ||
			    b->last != c->last)
				continue;
			double ms_ = median(c->mpps, rounds), mb = median(b->mpps, rounds);
			printf("ratio %-10s %-4s %5.2fx  (%.2f -> %.2f Mpps)%s\n",
			       shape_name[c->shape], c->last ? "last" : "miss",
			       ms_ / mb, ms_, mb,
			       ms_ / mb <= 1.5 && mb >= 2 ? "" : "  MISSED");
		}
	}
	printf("\ncost ratio IPv6/IPv4, same shape and size (ns per packet; "
	       "target <= 1.2x):\n");
	for (unsigned i = 0; i < nc; i++) {
		struct bcase *c = &cs[i];
		if (c->rules == SMALL || v4_twin[c->shape] < 0)
			continue;
		for (unsigned k = 0; k < nc; k++) {
			struct bcase *b = &cs[k];
			if ((int)b->shape != v4_twin[c->shape] ||
			    b->rules != c->rules || b->last != c->last)
				continue;
			double m6 = median(c->mpps, rounds), m4 = median(b->mpps, rounds);
			printf("v6/v4 %-10s %5u %-4s %5.2fx  (%.2f vs %.2f Mpps; "
			       "best samples %.2fx)\n",
			       shape_name[c->shape], c->rules,
			       c->last ? "last" : "miss", m4 / m6, m6, m4,
			       best(b->mpps, rounds) / best(c->mpps, rounds));
		}
	}
	printf("\n%llu packets judged in all\n", (unsigned long long)evals);
	for (unsigned i = 0; i < nc; i++)
		free(cs[i].mpps);
	for (int s = 0; s < NSHAPES; s++)
		for (int big = 0; big < NSIZES; big++)
			if (rsets[s][big]) {
				qt_prog_free(progs[s][big]);
				qt_ruleset_free(rsets[s][big]);
			}
	free(cs);
	qt_nft_store_free(nstore);
	qt_rt_store_free(store);
	return 0;
}
