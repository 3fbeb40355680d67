/* Counters through the interface the parser is given (counters.h). */
#include "counters.h"

#include <stdlib.h>
#include <string.h>

static const struct qt_counters zero;

struct qt_counters qt_cnt_rule(const struct qt_counter_view *v,
			       const struct qt_rule *r)
{
	if (!v || !v->io)
		return zero;
	return v->io->rule_get(v->io->user, r);
}

void qt_cnt_rule_set(const struct qt_counter_view *v, struct qt_rule *r,
		     struct qt_counters c)
{
	if (v && v->io)
		v->io->rule_set(v->io->user, r, c);
}

struct qt_counters qt_cnt_policy(const struct qt_counter_view *v,
				 enum qt_table_id t, enum qt_hook h)
{
	if (!v)
		return zero;
	if (v->pending && v->pending->set[t][h])
		return v->pending->c[t][h];
	if (!v->io)
		return zero;
	return v->io->policy_get(v->io->user, t, h);
}

void qt_cnt_policy_set(const struct qt_counter_view *v, enum qt_table_id t,
		       enum qt_hook h, struct qt_counters c)
{
	if (!v || !v->pending)
		return;
	v->pending->set[t][h] = true;
	v->pending->c[t][h] = c;
}

void qt_cnt_policy_zero_table(const struct qt_counter_view *v,
			      enum qt_table_id t)
{
	for (int h = 0; h < QT_NHOOKS; h++)
		qt_cnt_policy_set(v, t, (enum qt_hook)h, zero);
}

void qt_policy_pending_merge(struct qt_policy_pending *dst,
			     const struct qt_policy_pending *src)
{
	for (int t = 0; t < QT_NTABLES; t++)
		for (int h = 0; h < QT_NHOOKS; h++)
			if (src->set[t][h]) {
				dst->set[t][h] = true;
				dst->c[t][h] = src->c[t][h];
			}
}

void qt_policy_pending_apply(const struct qt_policy_pending *p,
			     const struct qt_counter_io *io)
{
	if (!io)
		return;
	for (int t = 0; t < QT_NTABLES; t++)
		for (int h = 0; h < QT_NHOOKS; h++)
			if (p->set[t][h])
				io->policy_set(io->user, (enum qt_table_id)t,
					       (enum qt_hook)h, p->c[t][h]);
}

/* ---- the rule map: open addressing on the rule's address ---- */

struct slot {
	struct qt_rule *r;          /* NULL: empty */
	void *v;
	bool mark;
};

struct qt_rule_map {
	struct slot *s;
	size_t cap;                 /* a power of two */
	size_t n;
};

static size_t hash_ptr(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

struct qt_rule_map *qt_rule_map_new(void)
{
	struct qt_rule_map *m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	m->cap = 64;
	m->s = calloc(m->cap, sizeof(*m->s));
	if (!m->s)
		abort();
	return m;
}

void qt_rule_map_free(struct qt_rule_map *m, void (*free_val)(void *))
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].r) {
			if (free_val)
				free_val(m->s[i].v);
			qt_rule_unref(m->s[i].r);
		}
	free(m->s);
	free(m);
}

static struct slot *find(const struct qt_rule_map *m, const struct qt_rule *r)
{
	for (size_t i = hash_ptr(r, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->s[i].r == r)
			return &m->s[i];
		if (!m->s[i].r)
			return NULL;
	}
}

void *qt_rule_map_get(const struct qt_rule_map *m, const struct qt_rule *r)
{
	struct slot *s = find(m, r);
	return s ? s->v : NULL;
}

static void insert(struct slot *tab, size_t cap, struct slot e)
{
	size_t i = hash_ptr(e.r, cap);
	while (tab[i].r)
		i = (i + 1) & (cap - 1);
	tab[i] = e;
}

static void resize(struct qt_rule_map *m, size_t cap)
{
	struct slot *n = calloc(cap, sizeof(*n));
	if (!n)
		abort();
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].r)
			insert(n, cap, m->s[i]);
	free(m->s);
	m->s = n;
	m->cap = cap;
}

void qt_rule_map_put(struct qt_rule_map *m, struct qt_rule *r, void *v)
{
	if ((m->n + 1) * 2 > m->cap)
		resize(m, m->cap * 2);
	insert(m->s, m->cap, (struct slot){ .r = qt_rule_ref(r), .v = v });
	m->n++;
}

void qt_rule_map_mark(struct qt_rule_map *m, const struct qt_rule *r)
{
	struct slot *s = find(m, r);
	if (s)
		s->mark = true;
}

void qt_rule_map_mark_ruleset(struct qt_rule_map *m,
			      const struct qt_ruleset *rs)
{
	for (int ti = 0; rs && ti < QT_NTABLES; ti++) {
		const struct qt_table *t = rs->tables[ti];
		for (unsigned ci = 0; t && ci < t->nchains; ci++) {
			const struct qt_chain *c = t->chains[ci];
			for (unsigned k = 0; k < c->nrules; k++)
				qt_rule_map_mark(m, c->rules[k]);
		}
	}
}

void qt_rule_map_sweep(struct qt_rule_map *m, void (*free_val)(void *))
{
	size_t kept = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].r && m->s[i].mark)
			kept++;
	size_t cap = 64;
	while (kept * 2 > cap)
		cap *= 2;
	struct slot *n = calloc(cap, sizeof(*n));
	if (!n)
		abort();
	for (size_t i = 0; i < m->cap; i++) {
		struct slot e = m->s[i];
		if (!e.r)
			continue;
		if (e.mark) {
			e.mark = false;
			insert(n, cap, e);
		} else {
			if (free_val)
				free_val(e.v);
			qt_rule_unref(e.r);
		}
	}
	free(m->s);
	m->s = n;
	m->cap = cap;
	m->n = kept;
}

void qt_rule_map_each(const struct qt_rule_map *m,
		      void (*fn)(void *user, struct qt_rule *r, void *v),
		      void *user)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].r)
			fn(user, m->s[i].r, m->s[i].v);
}

size_t qt_rule_map_count(const struct qt_rule_map *m)
{
	return m->n;
}

/* ---- the plain store ---- */

struct qt_counter_mem {
	struct qt_rule_map *rules;      /* values: struct qt_counters */
	struct qt_counters pol[QT_NTABLES][QT_NHOOKS];
	struct qt_counter_io io;
};

static struct qt_counters mem_rule_get(void *u, const struct qt_rule *r)
{
	struct qt_counter_mem *m = u;
	const struct qt_counters *c = qt_rule_map_get(m->rules, r);
	return c ? *c : zero;
}

static void mem_rule_set(void *u, struct qt_rule *r, struct qt_counters c)
{
	struct qt_counter_mem *m = u;
	struct qt_counters *p = qt_rule_map_get(m->rules, r);
	if (!p) {
		p = malloc(sizeof(*p));
		if (!p)
			abort();
		qt_rule_map_put(m->rules, r, p);
	}
	*p = c;
}

static struct qt_counters mem_policy_get(void *u, enum qt_table_id t,
					 enum qt_hook h)
{
	struct qt_counter_mem *m = u;
	return m->pol[t][h];
}

static void mem_policy_set(void *u, enum qt_table_id t, enum qt_hook h,
			   struct qt_counters c)
{
	struct qt_counter_mem *m = u;
	m->pol[t][h] = c;
}

struct qt_counter_mem *qt_counter_mem_new(void)
{
	struct qt_counter_mem *m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	m->rules = qt_rule_map_new();
	m->io = (struct qt_counter_io){
		.user = m, .rule_get = mem_rule_get, .rule_set = mem_rule_set,
		.policy_get = mem_policy_get, .policy_set = mem_policy_set,
	};
	return m;
}

void qt_counter_mem_free(struct qt_counter_mem *m)
{
	if (!m)
		return;
	qt_rule_map_free(m->rules, free);
	free(m);
}

const struct qt_counter_io *qt_counter_mem_io(struct qt_counter_mem *m)
{
	return &m->io;
}

void qt_counter_mem_sweep(struct qt_counter_mem *m,
			  struct qt_ruleset *const *keep, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		qt_rule_map_mark_ruleset(m->rules, keep[i]);
	qt_rule_map_sweep(m->rules, free);
}
