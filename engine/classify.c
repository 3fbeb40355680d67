/* Building and looking up a chain's classifier (see classify.h). */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t field_max[QT_CLS_NFIELDS] = {
	[QT_CLS_SRC] = UINT32_MAX, [QT_CLS_DST] = UINT32_MAX,
	[QT_CLS_PROTO] = 255, [QT_CLS_SPORT] = 65535, [QT_CLS_DPORT] = 65535,
	[QT_CLS_IN] = UINT32_MAX, [QT_CLS_OUT] = UINT32_MAX,
	[QT_CLS_SRC1] = UINT32_MAX, [QT_CLS_SRC2] = UINT32_MAX,
	[QT_CLS_SRC3] = UINT32_MAX, [QT_CLS_DST1] = UINT32_MAX,
	[QT_CLS_DST2] = UINT32_MAX, [QT_CLS_DST3] = UINT32_MAX,
};
static const char *const field_name[QT_CLS_NFIELDS] = {
	"src", "dst", "proto", "sport", "dport", "in", "out",
	"src1", "src2", "src3", "dst1", "dst2", "dst3",
};

uint32_t qt_cls_iface_key(const char *name)
{
	/* the name as two zero-padded words, multiplied and folded: a
	 * handful of instructions, once per packet and interface */
	uint8_t b[16] = { 0 };
	memcpy(b, name, strnlen(name, 15));
	uint64_t x, y;
	memcpy(&x, b, 8);
	memcpy(&y, b + 8, 8);
	uint64_t h = (x ^ (y * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

/* Fewer rules than this are walked whole: a lookup would cost more than
 * it saves. */
#define LINEAR_MAX 8
/* A group whose lists would hold more than this many entries per rule in
 * total (heavily overlapping ranges) is not worth its memory. */
#define TOTAL_PER_RULE 16
/* Groups with at least this many intervals get a direct index on the
 * top 16 bits of the field (the whole value for ports): the search then
 * runs only among the intervals of that slice, usually one or a few,
 * instead of through a large array with its cache misses. 256 KiB per
 * such group. */
#define TOP_MIN_INTERVALS 128
#define TOP_SLOTS 65536

struct group {
	enum qt_cls_field field;
	uint32_t nrules;
	uint32_t nint;          /* elementary intervals */
	uint32_t *start;        /* [nint]: first value of each, ascending */
	unsigned shift;         /* value >> shift indexes top */
	uint32_t *top;          /* [TOP_SLOTS + 1]: the interval holding
	                           slot << shift; NULL for small groups */
	uint32_t *off;          /* [nint + 1]: list k is ids[off[k]..off[k+1]) */
	uint32_t *ids;          /* rule indices of the chain */
	uint32_t longest;
};

struct qt_cls {
	unsigned refs;          /* programs sharing it (control thread) */
	unsigned ngroups;
	struct group g[QT_CLS_MAXGROUPS];
	uint32_t nrest;
	uint32_t *rest;         /* rules of no group, ascending */
};

void qt_cls_range_any(struct qt_cls_range *r)
{
	for (int f = 0; f < QT_CLS_NFIELDS; f++) {
		r->lo[f] = 0;
		r->hi[f] = field_max[f];
	}
}

static bool constrains(const struct qt_cls_range *r, enum qt_cls_field f)
{
	return r->lo[f] != 0 || r->hi[f] != field_max[f];
}

/* LSD radix sort of n values, 11 bits a pass: a commit of 10,000 rules
 * sorts boundaries several times, and qsort's calls cost milliseconds. */
static void radix_sort(uint32_t *v, uint32_t *tmp, uint32_t n)
{
	uint32_t *src = v, *dst = tmp;
	for (unsigned shift = 0; shift < 33; shift += 11) {
		uint32_t cnt[2049] = { 0 };
		for (uint32_t i = 0; i < n; i++)
			cnt[((src[i] >> shift) & 2047) + 1]++;
		for (unsigned k = 1; k < 2049; k++)
			cnt[k] += cnt[k - 1];
		for (uint32_t i = 0; i < n; i++)
			dst[cnt[(src[i] >> shift) & 2047]++] = src[i];
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	/* three passes: the result is in tmp */
	memcpy(v, src, (size_t)n * sizeof(*v));
}

/* The intervals of field f over the rules idx[0..m) and how many rules
 * cover each: a sweep over the sorted range starts and ends (intervals
 * start at 0 and at every lo and hi + 1). */
struct sweep {
	uint32_t *start, *count, nint;
	uint64_t total;
	uint32_t longest;
};

static void sweep_free(struct sweep *s)
{
	free(s->start);
	free(s->count);
	memset(s, 0, sizeof(*s));
}

static int sweep(const struct qt_cls_range *r, const uint32_t *idx,
		 uint32_t m, enum qt_cls_field f, struct sweep *s)
{
	memset(s, 0, sizeof(*s));
	uint32_t *lo = malloc(((size_t)m + 1) * sizeof(*lo));
	uint32_t *end = malloc(((size_t)m + 1) * sizeof(*end));
	uint32_t *tmp = malloc(((size_t)m + 1) * sizeof(*tmp));
	s->start = malloc(((size_t)2 * m + 1) * sizeof(*s->start));
	s->count = malloc(((size_t)2 * m + 1) * sizeof(*s->count));
	if (!lo || !end || !tmp || !s->start || !s->count) {
		free(lo);
		free(end);
		free(tmp);
		sweep_free(s);
		return -1;
	}
	uint32_t ne = 0;
	for (uint32_t i = 0; i < m; i++) {
		const struct qt_cls_range *x = &r[idx[i]];
		lo[i] = x->lo[f];
		if (x->hi[f] < field_max[f])
			end[ne++] = x->hi[f] + 1;
	}
	radix_sort(lo, tmp, m);
	radix_sort(end, tmp, ne);
	free(tmp);
	uint32_t i = 0, j = 0, k = 1;
	uint64_t active = 0;
	s->start[0] = 0;        /* the interval from 0 always exists */
	s->count[0] = 0;
	while (i < m || j < ne) {
		uint32_t v = j >= ne || (i < m && lo[i] <= end[j]) ? lo[i] : end[j];
		while (i < m && lo[i] == v) {
			active++;
			i++;
		}
		while (j < ne && end[j] == v) {
			active--;
			j++;
		}
		if (v == 0) {
			s->count[0] = (uint32_t)active;
			continue;
		}
		s->start[k] = v;
		s->count[k] = (uint32_t)active;
		k++;
	}
	s->nint = k;
	for (uint32_t x = 0; x < k; x++) {
		s->total += s->count[x];
		if (s->count[x] > s->longest)
			s->longest = s->count[x];
	}
	free(lo);
	free(end);
	return 0;
}

/* The interval holding v: the last start <= v. */
static uint32_t find(const struct group *g, uint32_t v)
{
	uint32_t a = 0, b = g->nint;        /* start[a] <= v < start[b] */
	if (g->top) {
		uint32_t t = v >> g->shift;
		a = g->top[t];
		b = g->top[t + 1] + 1;
		if (b > g->nint)
			b = g->nint;
	}
	while (b - a > 1) {
		uint32_t mid = a + (b - a) / 2;
		if (g->start[mid] <= v)
			a = mid;
		else
			b = mid;
	}
	return a;
}

static void group_free(struct group *g)
{
	free(g->start);
	free(g->top);
	free(g->off);
	free(g->ids);
	memset(g, 0, sizeof(*g));
}

/* Group g of field f over the rules idx[0..m) (ascending), from their
 * sweep s (whose arrays it takes). */
static int group_build(struct group *g, const struct qt_cls_range *r,
		       const uint32_t *idx, uint32_t m, enum qt_cls_field f,
		       struct sweep *s)
{
	memset(g, 0, sizeof(*g));
	g->field = f;
	g->nrules = m;
	g->nint = s->nint;
	g->start = s->start;
	g->longest = s->longest;
	uint32_t *fill = s->count;
	s->start = s->count = NULL;
	g->off = malloc(((size_t)g->nint + 1) * sizeof(*g->off));
	g->ids = malloc((s->total + 1) * sizeof(*g->ids));
	if (!g->off || !g->ids) {
		free(fill);
		group_free(g);
		return -1;
	}
	if (g->nint >= TOP_MIN_INTERVALS && field_max[f] > 255) {
		g->shift = field_max[f] > 65535 ? 16 : 0;
		uint32_t *top = malloc((TOP_SLOTS + 1) * sizeof(*top));
		if (!top) {
			free(fill);
			group_free(g);
			return -1;
		}
		/* one pass: slots in order, intervals in order */
		uint32_t k = 0;
		for (uint32_t t = 0; t < TOP_SLOTS; t++) {
			uint32_t v = t << g->shift;
			while (k + 1 < g->nint && g->start[k + 1] <= v)
				k++;
			top[t] = k;
		}
		top[TOP_SLOTS] = g->nint - 1;
		g->top = top;
	}
	uint32_t pos = 0;
	for (uint32_t k = 0; k < g->nint; k++) {
		g->off[k] = pos;
		pos += fill[k];
		fill[k] = g->off[k];    /* now: the next free slot */
	}
	g->off[g->nint] = pos;
	/* rules in order, so every list comes out ascending */
	for (uint32_t i = 0; i < m; i++) {
		uint32_t a = find(g, r[idx[i]].lo[f]);
		uint32_t b = find(g, r[idx[i]].hi[f]);
		for (uint32_t k = a; k <= b; k++)
			g->ids[fill[k]++] = idx[i];
	}
	free(fill);
	return 0;
}

struct qt_cls *qt_cls_build_linear(uint32_t n)
{
	struct qt_cls *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->refs = 1;
	c->rest = malloc(((size_t)n + 1) * sizeof(*c->rest));
	if (!c->rest) {
		free(c);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++)
		c->rest[i] = i;
	c->nrest = n;
	return c;
}

/* Greedy grouping: while enough rules are left, take the field whose
 * group would leave the fewest candidates per packet, reckoning its
 * longest list plus a 32nd of the rules it leaves to later groups (they
 * usually split as well); stop when no field does better than walking
 * the rest. */
struct qt_cls *qt_cls_build(const struct qt_cls_range *r, uint32_t n)
{
	struct qt_cls *c = qt_cls_build_linear(n);
	if (!c || n <= LINEAR_MAX)
		return c;
	uint32_t *sub = malloc(((size_t)n + 1) * sizeof(*sub));
	if (!sub) {
		qt_cls_free(c);
		return NULL;
	}
	while (c->ngroups < QT_CLS_MAXGROUPS && c->nrest > LINEAR_MAX) {
		uint32_t left = c->nrest;
		uint64_t best_cost = left;
		int bf = -1;
		struct sweep best = { 0 };
		for (int f = 0; f < QT_CLS_NFIELDS; f++) {
			uint32_t m = 0;
			for (uint32_t i = 0; i < left; i++)
				if (constrains(&r[c->rest[i]], (enum qt_cls_field)f))
					sub[m++] = c->rest[i];
			if (m == 0)
				continue;
			struct sweep s;
			if (sweep(r, sub, m, (enum qt_cls_field)f, &s) < 0)
				goto oom;
			uint64_t cost = s.longest + (uint64_t)(left - m) / 32;
			bool fits = s.total <= (uint64_t)m * TOTAL_PER_RULE + 1024;
			if (fits && cost < best_cost) {
				sweep_free(&best);
				best = s;
				best_cost = cost;
				bf = f;
			} else {
				sweep_free(&s);
			}
		}
		if (bf < 0)
			break;
		/* split the rest: the group's rules, and what stays */
		uint32_t m = 0, keep = 0;
		for (uint32_t i = 0; i < left; i++) {
			uint32_t x = c->rest[i];
			if (constrains(&r[x], (enum qt_cls_field)bf))
				sub[m++] = x;
			else
				c->rest[keep++] = x;
		}
		c->nrest = keep;
		if (group_build(&c->g[c->ngroups], r, sub, m,
				(enum qt_cls_field)bf, &best) < 0) {
			sweep_free(&best);
			goto oom;
		}
		c->ngroups++;
	}
	free(sub);
	return c;
oom:
	free(sub);
	qt_cls_free(c);
	return NULL;
}

struct qt_cls *qt_cls_ref(struct qt_cls *c)
{
	c->refs++;
	return c;
}

void qt_cls_free(struct qt_cls *c)
{
	if (!c || --c->refs > 0)
		return;
	for (unsigned i = 0; i < c->ngroups; i++)
		group_free(&c->g[i]);
	free(c->rest);
	free(c);
}

/* The port a group indexes, as a QT_CLS_HAS_* bit; 0 for other fields. */
static unsigned port_bit(enum qt_cls_field f)
{
	return f == QT_CLS_SPORT ? QT_CLS_HAS_SPORT
	     : f == QT_CLS_DPORT ? QT_CLS_HAS_DPORT : 0;
}

void qt_cls_lookup(const struct qt_cls *c, const uint32_t key[QT_CLS_NFIELDS],
		   unsigned ports, struct qt_cls_cand *out)
{
	unsigned k = 0;
	for (unsigned i = 0; i < c->ngroups; i++) {
		const struct group *g = &c->g[i];
		unsigned need = port_bit(g->field);
		if (need && !(ports & need))
			continue;       /* every rule here wants that port */
		uint32_t x = find(g, key[g->field]);
		uint32_t n = g->off[x + 1] - g->off[x];
		if (n == 0)
			continue;
		out->l[k] = g->ids + g->off[x];
		out->n[k] = n;
		out->pos[k] = 0;
		k++;
	}
	if (c->nrest) {
		out->l[k] = c->rest;
		out->n[k] = c->nrest;
		out->pos[k] = 0;
		k++;
	}
	out->k = k;
}

void qt_cls_describe(const struct qt_cls *c, char *buf, unsigned len)
{
	unsigned used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < c->ngroups && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s:%u/%u",
				 i ? " " : "", field_name[c->g[i].field],
				 c->g[i].nrules, c->g[i].longest);
		if (w < 0)
			return;
		used += (unsigned)w;
	}
	if (used < len)
		snprintf(buf + used, len - used, "%sany:%u",
			 c->ngroups ? " " : "", c->nrest);
}

bool qt_cls_has_group(const struct qt_cls *c, enum qt_cls_field f)
{
	for (unsigned i = 0; i < c->ngroups; i++)
		if (c->g[i].field == f)
			return true;
	return false;
}

enum qt_cls_field qt_cls_field(const struct qt_cls *c)
{
	enum qt_cls_field f = QT_CLS_LINEAR;
	uint32_t most = 0;
	for (unsigned i = 0; i < c->ngroups; i++)
		if (c->g[i].nrules > most) {
			most = c->g[i].nrules;
			f = c->g[i].field;
		}
	return f;
}

uint32_t qt_cls_longest(const struct qt_cls *c)
{
	uint32_t t = c->nrest;
	for (unsigned i = 0; i < c->ngroups; i++)
		t += c->g[i].longest;
	return t;
}
