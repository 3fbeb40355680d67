/* Summaries of a table's jump graph (jump_graph.h). The walks keep
 * their own stack: a table may chain thousands of user chains one
 * below the other. */
#include "jump_graph.h"

#include <stdlib.h>
#include <string.h>

/* A stack of (chain index, value) pairs. */
struct walk {
	struct step { unsigned chain, value; } *v;
	size_t n, cap;
};

static void push(struct walk *w, unsigned chain, unsigned value)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = realloc(w->v, w->cap * sizeof(*w->v));
		if (!w->v)
			abort();
	}
	w->v[w->n++] = (struct step){ chain, value };
}

/* The chain rule r jumps or goes to, -1 for none (or one not there). */
static int jump_of(const struct qt_table *t, const struct qt_rule *r)
{
	if (r->verdict != QT_V_JUMP && r->verdict != QT_V_GOTO)
		return -1;
	return qt_table_chain_index(t, r->jump);
}

/* Adds hooks m to chain `start` and every chain it reaches. A chain
 * that has them already is not walked again: whatever a chain reaches
 * has at least its hooks. */
static void spread_hooks(struct qt_table *t, unsigned start, unsigned m)
{
	struct walk w = { 0 };
	push(&w, start, 0);
	while (w.n) {
		struct qt_chain *c = t->chains[w.v[--w.n].chain];
		if ((c->reach_hooks & m) == m)
			continue;
		c->reach_hooks |= (uint8_t)m;
		for (unsigned k = 0; k < c->nrules; k++) {
			int j = jump_of(t, c->rules[k]);
			if (j >= 0 && (t->chains[j]->reach_hooks & m) != m)
				push(&w, (unsigned)j, 0);
		}
	}
	free(w.v);
}

/* User chain `start` is `depth` levels below a built-in chain: raises
 * its depth and that of the user chains below it. A loop raises the
 * depths around it until they reach the limit, as a path that long. */
static void deepen(struct qt_table *t, unsigned start, unsigned depth)
{
	struct walk w = { 0 };
	push(&w, start, depth);
	while (w.n && !t->graph_deep) {
		struct step s = w.v[--w.n];
		struct qt_chain *c = t->chains[s.chain];
		if (s.value <= c->depth)
			continue;
		c->depth = (uint8_t)(s.value < QT_JUMP_LIMIT ? s.value
							       : QT_JUMP_LIMIT);
		if (c->depth >= QT_JUMP_LIMIT) {
			t->graph_deep = true;
			break;
		}
		for (unsigned k = 0; k < c->nrules; k++) {
			int j = jump_of(t, c->rules[k]);
			if (j >= 0 && !t->chains[j]->builtin &&
			    t->chains[j]->depth < c->depth + 1u)
				push(&w, (unsigned)j, c->depth + 1u);
		}
	}
	free(w.v);
}

/* A jump from chain `from` to chain index j: its part of the
 * summaries. */
static void take_jump(struct qt_table *t, const struct qt_chain *from,
		      unsigned j)
{
	if (from->reach_hooks)
		spread_hooks(t, j, from->reach_hooks);
	/* heights count user chains only: a jump to a built-in chain is
	 * refused, and one from it starts at level 1 */
	if (t->graph_deep || t->chains[j]->builtin)
		return;
	if (from->builtin)
		deepen(t, j, 1);
	else if (from->depth)
		deepen(t, j, from->depth + 1u);
}

bool qt_jump_graph_fresh(const struct qt_table *t)
{
	return t->graph_gen == t->gen;
}

void qt_jump_graph_sync(struct qt_table *t)
{
	if (qt_jump_graph_fresh(t))
		return;
	for (unsigned i = 0; i < t->nchains; i++) {
		t->chains[i]->reach_hooks = 0;
		t->chains[i]->depth = 0;
	}
	t->graph_deep = false;
	for (unsigned b = 0; b < t->nbuiltin; b++)
		spread_hooks(t, b, 1u << t->chains[b]->hook);
	for (unsigned b = 0; b < t->nbuiltin && !t->graph_deep; b++) {
		const struct qt_chain *c = t->chains[b];
		for (unsigned k = 0; k < c->nrules && !t->graph_deep; k++) {
			int j = jump_of(t, c->rules[k]);
			if (j >= 0 && !t->chains[j]->builtin)
				deepen(t, (unsigned)j, 1);
		}
	}
	t->graph_gen = t->gen;
}

unsigned qt_jump_graph_hooks(struct qt_table *t, const struct qt_chain *c)
{
	if (c->builtin)
		return 1u << c->hook;
	qt_jump_graph_sync(t);
	return c->reach_hooks;
}

bool qt_jump_graph_too_deep(struct qt_table *t)
{
	qt_jump_graph_sync(t);
	return t->graph_deep;
}

void qt_jump_graph_added(struct qt_table *t, const struct qt_chain *from,
			 const struct qt_rule *r)
{
	int j = jump_of(t, r);
	if (j >= 0)
		take_jump(t, from, (unsigned)j);
	t->graph_gen = t->gen;
}

static int by_index(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

unsigned qt_jump_graph_reach(struct qt_table *t, unsigned start,
			     unsigned **out)
{
	unsigned long mark = ++t->visit_epoch;
	unsigned n = 0, cap = 16;
	unsigned *list = malloc(cap * sizeof(*list));
	struct walk w = { 0 };
	if (!list)
		abort();
	t->chains[start]->visit = mark;
	push(&w, start, 0);
	while (w.n) {
		unsigned i = w.v[--w.n].chain;
		if (n == cap) {
			cap *= 2;
			list = realloc(list, cap * sizeof(*list));
			if (!list)
				abort();
		}
		list[n++] = i;
		const struct qt_chain *c = t->chains[i];
		for (unsigned k = 0; k < c->nrules; k++) {
			int j = jump_of(t, c->rules[k]);
			if (j >= 0 && t->chains[j]->visit != mark) {
				t->chains[j]->visit = mark;
				push(&w, (unsigned)j, 0);
			}
		}
	}
	free(w.v);
	qsort(list, n, sizeof(*list), by_index);
	*out = list;
	return n;
}
