/* In-process benchmark of nft set and map lookups (engine/nft_lookup.c):
 * the cost of a packet judged by one nft rule when its named set holds
 * 10 elements, when it holds 100,000 (`ip saddr @s drop`, ipv4_addr),
 * and when the rule is kube-proxy's `ip daddr . meta l4proto . th dport
 * vmap @m` over 10,000 elements (and over 10, to tell what the map's
 * size costs from what its rule reads); and the bare lookup beside it.
 * Prints ns per packet and per lookup and the ratios against the
 * 10-element set, measured side by side (interleaved rounds in alternating order;
 * the medians of the times, and the median of each round's ratio);
 * asserts nothing.
 *
 *   bench_nft_sets [ROUNDS [MS_PER_SAMPLE]]      (defaults 9 and 30)
 *
 * Packets: 16,384 distinct ones per case, cycled, so that the elements
 * a big set's packets touch do not all stay in the cache; "hit" packets
 * carry keys of elements spread over the whole set, "miss" ones keys no
 * element has. The elements are put into the model directly (the
 * parser's speed is not what is measured). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eval.h"
#include "nft_exec.h"
#include "nft_lookup.h"
#include "nft_model.h"
#include "nft_run.h"
#include "program.h"
#include "rt_store.h"

#define NPKT 16384

enum kind { K_SET10, K_SET100K, K_VMAP10K, K_VMAP10, NKINDS };
static const char *const kind_name[NKINDS] = {
	"set 10", "set 100,000", "vmap 10,000", "vmap 10"
};
static const uint32_t kind_n[NKINDS] = { 10, 100000, 10000, 10 };

static bool is_vmap(enum kind k)
{
	return k == K_VMAP10K || k == K_VMAP10;
}

static uint32_t elem_addr(uint32_t i)
{
	return 0x0a000000 | ((i * 2654435761u) & 0x00ffffff);
}

static uint16_t elem_port(uint32_t i)
{
	return (uint16_t)(1000 + i % 50000);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The key of element i: an address, or address . tcp . port as the
 * kernel's registers hold them. */
static unsigned elem_key(enum kind k, uint32_t i, uint8_t *b)
{
	memset(b, 0, 12);
	put32(b, elem_addr(i));
	if (!is_vmap(k))
		return 4;
	b[4] = IPPROTO_TCP;
	put16(b + 8, elem_port(i));
	return 12;
}

/* The key as the compile looks it up: a vmap's address . protocol .
 * port packed into the 8 bytes of their values (engine/nft_expr.c). */
static unsigned lookup_key(enum kind k, uint32_t i, uint8_t *b)
{
	unsigned n = elem_key(k, i, b);
	if (!is_vmap(k))
		return n;
	b[5] = b[8];
	b[6] = b[9];
	memset(b + 7, 0, 5);
	return 8;
}

static struct nft_ruleset *build(enum kind k)
{
	struct nft_ruleset *rs = nft_ruleset_new();
	const char *text = is_vmap(k)
		? "table ip t {\n map m { type ipv4_addr . inet_proto . "
		  "inet_service : verdict; }\n chain fwd { type filter hook "
		  "forward priority 0;\n  ip daddr . meta l4proto . th dport "
		  "vmap @m\n }\n}\n"
		: "table ip t {\n set m { type ipv4_addr; }\n chain fwd { type "
		  "filter hook forward priority 0;\n  ip saddr @m drop\n }\n}\n";
	struct nft_run_opts o = { 0 };
	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	bool changed;
	if (nft_run(&rs, text, strlen(text), &o, &out, &err, &changed)) {
		fprintf(stderr, "bench_nft_sets: %s", qt_buf_str(&err));
		exit(1);
	}
	qt_buf_free(&out);
	qt_buf_free(&err);
	struct nft_set *s = nft_set_find(&rs->tables[0], "m");
	uint32_t n = kind_n[k];
	s->elems = calloc(n, sizeof(*s->elems));
	s->nelems = n;
	for (uint32_t i = 0; i < n; i++) {
		struct nft_elem *e = &s->elems[i];
		e->lo.len = (uint8_t)elem_key(k, i, e->lo.b);
		if (is_vmap(k)) {
			e->has_data = true;
			e->verdict = NFT_V_DROP;
		}
	}
	return rs;
}

static void mkpkt(uint8_t *b, enum kind k, uint32_t i, bool hit, unsigned j)
{
	memset(b, 0, 40);
	b[0] = 0x45;
	put16(b + 2, 40);
	b[8] = 64;
	b[9] = IPPROTO_TCP;
	uint32_t other = 0xc0a80000 | (j & 0xffff);
	uint32_t a = hit ? elem_addr(i) : other;
	put32(b + 12, is_vmap(k) ? 0x0a0b0c0d : a);
	put32(b + 16, is_vmap(k) ? a : 0x0a020202);
	put16(b + 20, (uint16_t)(40000 + j % 20000));
	put16(b + 22, is_vmap(k) ? elem_port(i) : 80);
	b[32] = 5 << 4;
	b[33] = 0x10;
}

struct bcase {
	enum kind kind;
	bool hit;
	struct qt_prog *prog;
	struct qt_nft_lookup *lk;
	unsigned klen;
	uint8_t (*pkt)[40];
	uint8_t (*keys)[12];
	double *pkt_ns, *lookup_ns;
};

/* The thread's CPU time: on a machine shared with other work, the time
 * the thread waited for a core is no cost of the lookups (the caches
 * others emptied meanwhile still are). */
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

static const struct qt_engine_env env = { .hz = 250 };

static void load(struct qt_eval *ev, struct bcase *c, unsigned j)
{
	qt_eval_init(ev, c->pkt[j], 40, 40, 40, QT_HOOK_FORWARD, &env);
	ev->in = "eth1";
	ev->out = "eth2";
}

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

static double sample_lookups(struct bcase *c, double ms)
{
	uint64_t done = 0;
	double t0 = now_s(), t;
	volatile int sink = 0;
	do {
		for (unsigned j = 0; j < NPKT; j++)
			sink += qt_nft_lookup_find(c->lk, c->keys[j]);
		done += NPKT;
		t = now_s();
	} while (t - t0 < ms / 1000);
	(void)sink;
	return (t - t0) * 1e9 / (double)done;
}

/* b against s: each round's ratio, of samples taken close together,
 * then their median (steadier on a busy machine than the ratio of two
 * medians). */
static void print_ratio(const struct bcase *b, const struct bcase *s,
			unsigned rounds, const char *against)
{
	double *rps = malloc(rounds * sizeof(double));
	double *rls = malloc(rounds * sizeof(double));
	for (unsigned r = 0; r < rounds; r++) {
		rps[r] = b->pkt_ns[r] / s->pkt_ns[r];
		rls[r] = b->lookup_ns[r] / s->lookup_ns[r];
	}
	double rp = median(rps, rounds), rl = median(rls, rounds);
	free(rps);
	free(rls);
	printf("ratio %-12s %-4s packet %5.2fx  lookup %5.2fx%s%s\n",
	       kind_name[b->kind], b->hit ? "hit" : "miss", rp, rl, against,
	       rp <= 1.5 ? "" : "  MISSED");
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 9;
	double ms = argc > 2 ? atof(argv[2]) : 30;
	if (!rounds || ms <= 0) {
		fprintf(stderr, "usage: bench_nft_sets [ROUNDS [MS_PER_SAMPLE]]\n");
		return 2;
	}
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	int cpu = sched_getcpu();
	CPU_SET(cpu < 0 ? 0 : cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_nft_store *nstore = qt_nft_store_new();
	struct nft_ruleset *rsets[NKINDS];
	double compile_ms[NKINDS];
	struct bcase cs[NKINDS * 2];
	unsigned nc = 0;
	for (int k = 0; k < NKINDS; k++) {
		rsets[k] = build((enum kind)k);
		struct qt_buf err;
		qt_buf_init(&err);
		struct qt_ruleset *irs = qt_ruleset_new(AF_INET);
		struct qt_prog *p = qt_prog_compile(irs, &env, store, &err);
		double t0 = now_s();
		struct qt_nft_prog *np = p ? qt_nft_compile(rsets[k], AF_INET,
							    &env, nstore, &err)
					   : NULL;
		compile_ms[k] = (now_s() - t0) * 1e3;
		if (!np || qt_prog_attach_nft(p, np, &err) < 0) {
			fprintf(stderr, "bench_nft_sets: compile: %s",
				qt_buf_str(&err));
			return 1;
		}
		qt_ruleset_free(irs);
		qt_buf_free(&err);
		/* the bare lookup, built as the compile builds it */
		uint32_t n = kind_n[k];
		struct qt_nft_lkey *lk = calloc(n, sizeof(*lk));
		unsigned klen = 0;
		uint32_t *vals = calloc(n, sizeof(*vals));
		for (uint32_t i = 0; i < n; i++) {
			klen = lookup_key((enum kind)k, i, lk[i].lo);
			memcpy(lk[i].hi, lk[i].lo, klen);
			vals[i] = NFT_V_DROP;
		}
		/* a vmap's answers are its verdicts, kept beside the keys */
		struct qt_nft_lookup *l = is_vmap((enum kind)k)
			? qt_nft_lookup_build_map(klen, lk, n, NULL, 0, vals)
			: qt_nft_lookup_build(klen, lk, n, NULL, 0, true);
		free(vals);
		free(lk);
		for (int hit = 0; hit < 2; hit++) {
			struct bcase *c = &cs[nc++];
			*c = (struct bcase){ .kind = (enum kind)k, .hit = hit,
					    .prog = p, .lk = l, .klen = klen };
			c->pkt = calloc(NPKT, sizeof(*c->pkt));
			c->keys = calloc(NPKT, sizeof(*c->keys));
			c->pkt_ns = calloc(rounds, sizeof(double));
			c->lookup_ns = calloc(rounds, sizeof(double));
			uint32_t rnd = 12345;
			for (unsigned j = 0; j < NPKT; j++) {
				rnd = rnd * 1103515245u + 12345u;
				uint32_t i = (rnd >> 8) % n;
				mkpkt(c->pkt[j], (enum kind)k, i, hit, j);
				lookup_key((enum kind)k, i, c->keys[j]);
				if (!hit)
					put32(c->keys[j], 0xc0a80000 | (j & 0xffff));
				struct qt_eval ev;
				load(&ev, c, j);
				int want = hit ? QT_XT_DROP : QT_XT_ACCEPT;
				int v = qt_prog_eval(p, &ev, NULL);
				if (v != want || (qt_nft_lookup_find(l, c->keys[j]) >= 0) != hit) {
					fprintf(stderr, "bench_nft_sets: %s %s "
						"packet %u judged %d\n",
						kind_name[k], hit ? "hit" : "miss",
						j, v);
					return 1;
				}
			}
		}
	}

	for (unsigned i = 0; i < nc; i++) {
		sample_pkts(&cs[i], ms / 3);
		sample_lookups(&cs[i], ms / 3);
	}
	/* rounds alternate their order (forward, then backward), so that
	 * a drift of the machine's speed weighs on every case alike */
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned o = 0; o < nc; o++) {
			unsigned i = r % 2 ? nc - 1 - o : o;
			cs[i].pkt_ns[r] = sample_pkts(&cs[i], ms);
			cs[i].lookup_ns[r] = sample_lookups(&cs[i], ms);
		}

	printf("nft sets and maps, one core (cpu %d), %u rounds of %.0f ms, "
	       "median\n", cpu, rounds, ms);
	printf("%-12s %5s %12s %12s\n", "case", "pkts", "ns/packet",
	       "ns/lookup");
	for (unsigned i = 0; i < nc; i++)
		printf("%-12s %5s %12.1f %12.1f\n", kind_name[cs[i].kind],
		       cs[i].hit ? "hit" : "miss", median(cs[i].pkt_ns, rounds),
		       median(cs[i].lookup_ns, rounds));
	/* what a commit that changes the set's elements costs: the
	 * nft program is compiled again, lookups built anew */
	for (int k = 0; k < NKINDS; k++)
		printf("compile (lookup built) %-12s %8.2f ms\n", kind_name[k],
		       compile_ms[k]);
	printf("\ncost ratio against the 10-element set, median of the rounds' "
	       "ratios (target <= 1.5x per packet):\n");
	for (unsigned i = 0; i < nc; i++) {
		struct bcase *b = &cs[i];
		if (b->kind == K_SET10 || b->kind == K_VMAP10)
			continue;
		print_ratio(b, &cs[b->hit], rounds, "");
	}
	/* the same rule over 10 elements: what the map's size costs,
	 * apart from what its rule reads (three fields, a verdict) */
	printf("\nvmap against the same vmap of 10 elements:\n");
	for (unsigned i = 0; i < nc; i++)
		if (cs[i].kind == K_VMAP10K)
			print_ratio(&cs[i], &cs[2 * K_VMAP10 + cs[i].hit], rounds,
				    " (vmap 10)");
	for (unsigned i = 0; i < nc; i++) {
		free(cs[i].pkt);
		free(cs[i].keys);
		free(cs[i].pkt_ns);
		free(cs[i].lookup_ns);
		if (i % 2) {
			qt_prog_free(cs[i].prog);
			qt_nft_lookup_free(cs[i].lk);
		}
	}
	for (int k = 0; k < NKINDS; k++)
		nft_ruleset_free(rsets[k]);
	qt_nft_store_free(nstore);
	qt_rt_store_free(store);
	return 0;
}
