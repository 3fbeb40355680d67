/* In-process benchmark of named-set lookups: the cost of a packet judged
 * by one rule "-m set --match-set NAME src -j DROP" when the set holds
 * 10 elements and when it holds 100,000, and of the bare lookup
 * (qt_set_lookup) beside it. Prints ns per packet and per lookup and the
 * ratios big/small, measured side by side (interleaved rounds, median);
 * asserts nothing. Times are the thread's CPU time (time spent waiting
 * for a core while other programs run is left out).
 *
 *   bench_sets [ROUNDS [MS_PER_SAMPLE [CASE]]]  (defaults 9, 30, all)
 *
 * CASE (TYPE[/ELEMS[/hit|miss]], e.g. hash:ip/100000/hit) measures only
 * the cases it names, to profile one under perf record.
 *
 * Each packet is parsed into one reused qt_eval and judged, as a queue
 * thread does. Types: hash:ip (hosts) and hash:net (a mix of /16, /24 and /32
 * networks, so a lookup probes three prefix lengths). Packets: 16,384
 * distinct ones per case, cycled, so that the elements a big set's
 * packets touch do not all stay in the cache (a few hundred would);
 * "hit" packets come from elements spread over the whole set, "miss"
 * ones from 192.168/16, which no element covers. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctx.h"
#include "eval.h"
#include "model.h"
#include "program.h"
#include "restore.h"
#include "set_store.h"

#define NPKT 16384
#define BIG 100000
#define SMALL 10

enum kind { K_IP, K_NET, NKINDS };
static const char *const kind_name[NKINDS] = { "hash:ip", "hash:net" };

/* Element i of a set of kind k: distinct addresses in 10/8 spread over
 * it (an odd multiplier), networks of three lengths in turn. */
static uint32_t elem_addr(uint32_t i)
{
	return 0x0a000000 | ((i * 2654435761u) & 0x00ffffff);
}

static uint8_t elem_cidr(enum kind k, uint32_t i)
{
	static const uint8_t cidrs[3] = { 32, 24, 16 };
	return k == K_IP ? 32 : cidrs[i % 3];
}

static uint32_t mask(uint8_t cidr)
{
	return cidr ? ~(uint32_t)0 << (32 - cidr) : 0;
}

static struct qt_set *make_set(enum kind k, uint32_t n, const char *name)
{
	struct qt_set_opts o = { .family = AF_INET, .hashsize = 1024,
				 .maxelem = n < 65536 ? 65536 : 2 * n };
	struct qt_set *s = qt_set_new(name, qt_set_type_find(kind_name[k]), &o);
	if (!s || qt_sets_insert(s)) {
		fprintf(stderr, "bench_sets: cannot make set %s\n", name);
		exit(1);
	}
	struct qt_set_elem_opts eo = { 0 };
	for (uint32_t i = 0; i < n; i++) {
		struct qt_set_key key;
		memset(&key, 0, sizeof(key));
		uint8_t c = elem_cidr(k, i);
		key.ip.v4.s_addr = htonl(elem_addr(i) & mask(c));
		key.cidr = c;
		/* a network may repeat one made before: fine */
		qt_set_add(s, &key, &eo, true, 0);
	}
	return s;
}

static struct qt_ruleset *build(const char *set)
{
	struct qt_buf t, out, err;
	qt_buf_init(&t);
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_buf_printf(&t, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
		      ":OUTPUT ACCEPT [0:0]\n-A FORWARD -m set --match-set %s "
		      "src -j DROP\nCOMMIT\n", set);
	struct qt_ctx ctx;
	qt_ctx_init(&ctx, "iptables-restore", &out, &err);
	struct qt_restore_opts o = { 0 };
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	bool changed;
	if (qt_restore_run(&rs, qt_buf_str(&t), t.len, &o, NULL, &ctx,
			   &changed)) {
		fprintf(stderr, "bench_sets: restore failed: %s",
			qt_buf_str(&err));
		exit(1);
	}
	qt_buf_free(&t);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return rs;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void mkpkt(uint8_t *b, uint32_t src, uint16_t sport)
{
	memset(b, 0, 40);
	b[0] = 0x45;
	put16(b + 2, 40);
	b[8] = 64;
	b[9] = IPPROTO_TCP;
	uint32_t s = htonl(src), d = htonl(0x0a020202);
	memcpy(b + 12, &s, 4);
	memcpy(b + 16, &d, 4);
	put16(b + 20, sport);
	put16(b + 22, 80);
	b[32] = 5 << 4;
	b[33] = 0x10;
}

struct bcase {
	enum kind kind;
	uint32_t n;
	bool hit;
	struct qt_set *set;
	struct qt_prog *prog;
	uint8_t (*pkt)[40];
	struct qt_set_key *keys;   /* NPKT: the bare lookups' */
	double *pkt_ns, *lookup_ns;  /* per round */
};

/* The thread's CPU time: on a shared machine the time this process
 * waits for a core is not a cost of the lookup. */
static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
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

/* Does the filter (NULL: none) keep case c? */
static bool wanted(const char *only, const struct bcase *c)
{
	char name[48];
	snprintf(name, sizeof(name), "%s/%u/%s", kind_name[c->kind], c->n,
		 c->hit ? "hit" : "miss");
	return !only || !strncmp(name, only, strlen(only));
}

static const struct qt_engine_env env = { .hz = 250 };

/* Parse packet j into ev as a queue thread does (one qt_eval, reused). */
static void load(struct qt_eval *ev, struct bcase *c, unsigned j)
{
	qt_eval_init(ev, c->pkt[j], 40, 40, 40, QT_HOOK_FORWARD, &env);
	ev->in = "eth1";
	ev->out = "eth2";
}

/* ns per packet parsed and judged, over about ms milliseconds */
static double sample_pkts(struct bcase *c, double ms)
{
	uint64_t done = 0;
	double t0 = now_s(), t;
	volatile int sink = 0;
	struct qt_eval ev;
	do {
		for (unsigned j = 0; j < NPKT; j++) {
			load(&ev, c, j);
			sink += qt_prog_eval(c->prog, &ev, NULL);
		}
		done += NPKT;
		t = now_s();
	} while (t - t0 < ms / 1000);
	(void)sink;
	return (t - t0) * 1e9 / (double)done;
}

/* ns per bare lookup */
static double sample_lookups(struct bcase *c, double ms)
{
	uint64_t done = 0;
	double t0 = now_s(), t;
	volatile int sink = 0;
	do {
		for (unsigned j = 0; j < NPKT; j++)
			sink += (int)qt_set_lookup(c->set, &c->keys[j], 0, NULL,
						   false, 0, NULL, NULL);
		done += NPKT;
		t = now_s();
	} while (t - t0 < ms / 1000);
	(void)sink;
	return (t - t0) * 1e9 / (double)done;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 9;
	double ms = argc > 2 ? atof(argv[2]) : 30;
	const char *only = argc > 3 ? argv[3] : NULL;
	if (!rounds || ms <= 0) {
		fprintf(stderr, "usage: bench_sets [ROUNDS [MS_PER_SAMPLE "
			"[TYPE[/ELEMS[/hit|miss]]]]]\n");
		return 2;
	}
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	int cpu = sched_getcpu();
	CPU_SET(cpu < 0 ? 0 : cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	struct qt_rt_store *store = qt_rt_store_new();
	struct bcase cs[NKINDS * 4];
	unsigned nc = 0;
	struct qt_ruleset *rsets[NKINDS * 2];
	unsigned nrs = 0;
	for (int k = 0; k < NKINDS; k++)
		for (int big = 0; big < 2; big++) {
			uint32_t n = big ? BIG : SMALL;
			char name[32];
			snprintf(name, sizeof(name), "s%d_%u", k, n);
			struct qt_set *set = make_set((enum kind)k, n, name);
			struct qt_ruleset *rs = rsets[nrs++] = build(name);
			struct qt_buf err;
			qt_buf_init(&err);
			struct qt_prog *p = qt_prog_compile(rs, &env, store, &err);
			if (!p) {
				fprintf(stderr, "bench_sets: compile: %s",
					qt_buf_str(&err));
				return 1;
			}
			qt_buf_free(&err);
			for (int hit = 0; hit < 2; hit++) {
				struct bcase *c = &cs[nc++];
				*c = (struct bcase){ .kind = (enum kind)k, .n = n, .hit = hit,
						    .set = set, .prog = p };
				c->pkt = calloc(NPKT, sizeof(*c->pkt));
				c->keys = calloc(NPKT, sizeof(*c->keys));
				c->pkt_ns = calloc(rounds, sizeof(double));
				c->lookup_ns = calloc(rounds, sizeof(double));
				uint32_t rnd = 12345;
				for (unsigned j = 0; j < NPKT; j++) {
					rnd = rnd * 1103515245u + 12345u;
					uint32_t i = (rnd >> 8) % n;
					/* a host of element i's network */
					uint32_t src = hit ? elem_addr(i)
							   : 0xc0a80000 | (j & 0xffff);
					mkpkt(c->pkt[j], src, (uint16_t)(40000 + j % 20000));
					c->keys[j].ip.v4.s_addr = htonl(src);
					c->keys[j].cidr = 32;
					int want = hit ? QT_XT_DROP : QT_XT_ACCEPT;
					struct qt_eval ev;
					load(&ev, c, j);
					int v = qt_prog_eval(p, &ev, NULL);
					if (v != want) {
						fprintf(stderr, "bench_sets: %s/%u/%s "
							"packet %u judged %d\n",
							kind_name[k], n,
							hit ? "hit" : "miss", j, v);
						return 1;
					}
				}
			}
		}

	for (unsigned i = 0; i < nc; i++) {
		if (!wanted(only, &cs[i]))
			continue;
		sample_pkts(&cs[i], ms / 3);
		sample_lookups(&cs[i], ms / 3);
	}
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned i = 0; i < nc; i++) {
			if (!wanted(only, &cs[i]))
				continue;
			cs[i].pkt_ns[r] = sample_pkts(&cs[i], ms);
			cs[i].lookup_ns[r] = sample_lookups(&cs[i], ms);
		}

	printf("named sets, one core (cpu %d), %u rounds of %.0f ms, median\n",
	       cpu, rounds, ms);
	printf("%-9s %7s %5s %12s %12s %12s\n", "type", "elems", "pkts",
	       "ns/packet", "ns/lookup", "bytes");
	for (unsigned i = 0; i < nc; i++) {
		struct bcase *c = &cs[i];
		if (!wanted(only, c))
			continue;
		printf("%-9s %7u %5s %12.1f %12.1f %12zu\n", kind_name[c->kind],
		       c->n, c->hit ? "hit" : "miss", median(c->pkt_ns, rounds),
		       median(c->lookup_ns, rounds), qt_set_memsize(c->set));
	}
	printf("\ncost ratio %u/%u elements (target <= 1.5x per packet):\n",
	       BIG, SMALL);
	for (unsigned i = 0; i < nc; i++) {
		struct bcase *s = &cs[i];
		if (s->n != SMALL || !wanted(only, s))
			continue;
		for (unsigned k = 0; k < nc; k++) {
			struct bcase *b = &cs[k];
			if (b->n != BIG || b->kind != s->kind ||
			    b->hit != s->hit || !wanted(only, b))
				continue;
			double rp = median(b->pkt_ns, rounds) / median(s->pkt_ns, rounds);
			double rl = median(b->lookup_ns, rounds) /
				    median(s->lookup_ns, rounds);
			printf("ratio %-9s %-4s packet %5.2fx  lookup %5.2fx%s\n",
			       kind_name[s->kind], s->hit ? "hit" : "miss", rp, rl,
			       rp <= 1.5 ? "" : "  MISSED");
		}
	}
	for (unsigned i = 0; i < nc; i++) {
		free(cs[i].pkt);
		free(cs[i].keys);
		free(cs[i].pkt_ns);
		free(cs[i].lookup_ns);
		if (i % 2)
			qt_prog_free(cs[i].prog);
	}
	for (unsigned i = 0; i < nrs; i++)
		qt_ruleset_free(rsets[i]);
	qt_sets_clear();
	qt_rt_store_free(store);
	return 0;
}
