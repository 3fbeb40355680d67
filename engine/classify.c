/* Building and looking up a chain's classifier (see classify.h). */
#include "classify.h"

#include <stdlib.h>
#include <string.h>

static const uint32_t field_max[QT_CLS_NFIELDS] = {
	[QT_CLS_SRC] = UINT32_MAX, [QT_CLS_DST] = UINT32_MAX,
	[QT_CLS_PROTO] = 255, [QT_CLS_SPORT] = 65535, [QT_CLS_DPORT] = 65535,
};

/* Chains this short are walked whole: a lookup would cost more than it
 * saves. */
#define LINEAR_MAX 4
/* A field whose lists would hold more than this many entries per rule
 * in total is not worth its memory (many rules that do not care about
 * it repeat in every interval). */
#define TOTAL_PER_RULE 16

struct qt_cls {
	unsigned refs;          /* programs sharing it (control thread) */
	enum qt_cls_field field;
	uint32_t nint;          /* elementary intervals */
	uint32_t *start;        /* [nint]: first value of each, ascending */
	uint32_t *off;          /* [nint + 1]: list k is ids[off[k]..off[k+1]) */
	uint32_t *ids;
	uint32_t *noport;       /* port fields: rules asking no ports */
	uint32_t nnoport;
	uint32_t longest;
};

void qt_cls_range_any(struct qt_cls_range *r)
{
	for (int f = 0; f < QT_CLS_NFIELDS; f++) {
		r->lo[f] = 0;
		r->hi[f] = field_max[f];
	}
}

/* LSD radix sort of n values, 11 bits a pass: a commit of 10,000 rules
 * sorts each field's boundaries, and qsort's calls cost milliseconds. */
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

/* The interval holding v: the last start <= v. */
static uint32_t find(const uint32_t *start, uint32_t nint, uint32_t v)
{
	uint32_t lo = 0, hi = nint;     /* start[lo] <= v < start[hi] */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (start[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

struct field_cost {
	uint32_t *start, nint;
	uint32_t *count;        /* per interval */
	uint64_t total;
	uint32_t longest;
};

static void cost_free(struct field_cost *c)
{
	free(c->start);
	free(c->count);
	memset(c, 0, sizeof(*c));
}

/* How long field f's lists would be, by a sweep over the sorted range
 * starts and ends: the elementary intervals start at 0 and at every lo
 * and hi + 1; a rule covers the intervals from its lo up to its hi. */
static int cost_of(const struct qt_cls_range *r, uint32_t n,
		   enum qt_cls_field f, struct field_cost *c)
{
	memset(c, 0, sizeof(*c));
	uint32_t *lo = malloc(((size_t)n + 1) * sizeof(*lo));
	uint32_t *end = malloc(((size_t)n + 1) * sizeof(*end));
	uint32_t *tmp = malloc(((size_t)n + 1) * sizeof(*tmp));
	c->start = malloc(((size_t)2 * n + 1) * sizeof(*c->start));
	c->count = malloc(((size_t)2 * n + 2) * sizeof(*c->count));
	if (!lo || !end || !tmp || !c->start || !c->count) {
		free(lo);
		free(end);
		free(tmp);
		cost_free(c);
		return -1;
	}
	uint32_t ne = 0;
	for (uint32_t i = 0; i < n; i++) {
		lo[i] = r[i].lo[f];
		if (r[i].hi[f] < field_max[f])
			end[ne++] = r[i].hi[f] + 1;
	}
	radix_sort(lo, tmp, n);
	radix_sort(end, tmp, ne);
	free(tmp);
	uint32_t i = 0, j = 0, k = 1;
	uint64_t active = 0;
	/* the interval from 0 exists even when no rule starts there */
	c->start[0] = 0;
	c->count[0] = 0;
	while (i < n || j < ne) {
		uint32_t v = j >= ne || (i < n && lo[i] <= end[j]) ? lo[i] : end[j];
		while (i < n && lo[i] == v) {
			active++;
			i++;
		}
		while (j < ne && end[j] == v) {
			active--;
			j++;
		}
		if (v == 0) {
			c->count[0] = (uint32_t)active;
			continue;
		}
		c->start[k] = v;
		c->count[k] = (uint32_t)active;
		k++;
	}
	c->nint = k;
	for (uint32_t x = 0; x < k; x++) {
		c->total += c->count[x];
		if (c->count[x] > c->longest)
			c->longest = c->count[x];
	}
	free(lo);
	free(end);
	return 0;
}

static bool is_port(enum qt_cls_field f)
{
	return f == QT_CLS_SPORT || f == QT_CLS_DPORT;
}

struct qt_cls *qt_cls_build_linear(uint32_t n)
{
	struct qt_cls *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->refs = 1;
	c->field = QT_CLS_LINEAR;
	c->nint = 1;
	c->start = calloc(1, sizeof(*c->start));
	c->off = calloc(2, sizeof(*c->off));
	c->ids = malloc(((size_t)n + 1) * sizeof(*c->ids));
	if (!c->start || !c->off || !c->ids) {
		qt_cls_free(c);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++)
		c->ids[i] = i;
	c->off[1] = n;
	c->longest = n;
	return c;
}

struct qt_cls *qt_cls_build(const struct qt_cls_range *r, uint32_t n)
{
	if (n <= LINEAR_MAX)
		return qt_cls_build_linear(n);

	struct field_cost best = { 0 };
	enum qt_cls_field bf = QT_CLS_LINEAR;
	for (int f = 0; f < QT_CLS_NFIELDS; f++) {
		struct field_cost c;
		if (cost_of(r, n, (enum qt_cls_field)f, &c) < 0) {
			cost_free(&best);
			return NULL;
		}
		bool fits = c.total <= (uint64_t)n * TOTAL_PER_RULE + 1024;
		bool better = bf == QT_CLS_LINEAR ? c.longest < n :
			      c.longest < best.longest ||
			      (c.longest == best.longest && c.total < best.total);
		if (fits && better) {
			cost_free(&best);
			best = c;
			bf = (enum qt_cls_field)f;
		} else {
			cost_free(&c);
		}
	}
	if (bf == QT_CLS_LINEAR)
		return qt_cls_build_linear(n);

	struct qt_cls *c = calloc(1, sizeof(*c));
	if (!c) {
		cost_free(&best);
		return NULL;
	}
	c->refs = 1;
	c->field = bf;
	c->nint = best.nint;
	c->start = best.start;
	c->longest = best.longest;
	c->off = malloc(((size_t)c->nint + 1) * sizeof(*c->off));
	c->ids = malloc((best.total + 1) * sizeof(*c->ids));
	c->noport = malloc(((size_t)n + 1) * sizeof(*c->noport));
	if (!c->off || !c->ids || !c->noport) {
		free(best.count);
		qt_cls_free(c);
		return NULL;
	}
	uint32_t pos = 0;
	for (uint32_t k = 0; k < c->nint; k++) {
		c->off[k] = pos;
		pos += best.count[k];
		best.count[k] = c->off[k];   /* now: next free slot */
	}
	c->off[c->nint] = pos;
	/* rules in order, so every list comes out ascending */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = find(c->start, c->nint, r[i].lo[bf]);
		uint32_t b = find(c->start, c->nint, r[i].hi[bf]);
		for (uint32_t k = a; k <= b; k++)
			c->ids[best.count[k]++] = i;
		if (is_port(bf) && r[i].lo[bf] == 0 &&
		    r[i].hi[bf] == field_max[bf])
			c->noport[c->nnoport++] = i;
	}
	free(best.count);
	return c;
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
	free(c->start);
	free(c->off);
	free(c->ids);
	free(c->noport);
	free(c);
}

const uint32_t *qt_cls_lookup(const struct qt_cls *c,
			      const uint32_t key[QT_CLS_NFIELDS],
			      bool has_ports, uint32_t *n)
{
	if (c->field == QT_CLS_LINEAR) {
		*n = c->off[1];
		return c->ids;
	}
	if (is_port(c->field) && !has_ports) {
		*n = c->nnoport;
		return c->noport;
	}
	uint32_t k = find(c->start, c->nint, key[c->field]);
	*n = c->off[k + 1] - c->off[k];
	return c->ids + c->off[k];
}

enum qt_cls_field qt_cls_field(const struct qt_cls *c)
{
	return c->field;
}

uint32_t qt_cls_longest(const struct qt_cls *c)
{
	return c->longest;
}
