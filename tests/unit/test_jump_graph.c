/* parser/jump_graph: the summaries kept up to date jump by jump agree,
 * after every change of random tables (loops, dangling jumps, long
 * paths, jumps to built-in chains included), with a plain walk of the
 * table as it is: the hooks reaching each chain, whether a built-in
 * chain reaches 16 levels of user chains or a loop, and what a chain
 * reaches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "jump_graph.h"
#include "tap.h"

#define NUSER 20

static unsigned long rnd_state = 1;
static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)(rnd_state >> 33) % n;
}

/* ---- the plain walks, as the checks were written before summaries ---- */

static void mark(const struct qt_table *t, int i, bool *seen)
{
	if (i < 0 || seen[i])
		return;
	seen[i] = true;
	const struct qt_chain *c = t->chains[i];
	for (unsigned k = 0; k < c->nrules; k++) {
		const struct qt_rule *r = c->rules[k];
		if (r->verdict == QT_V_JUMP || r->verdict == QT_V_GOTO)
			mark(t, qt_table_chain_index(t, r->jump), seen);
	}
}

static unsigned plain_hooks(const struct qt_table *t, unsigned i)
{
	if (t->chains[i]->builtin)
		return 1u << t->chains[i]->hook;
	unsigned hooks = 0;
	bool seen[64];
	for (unsigned b = 0; b < t->nbuiltin; b++) {
		memset(seen, 0, sizeof(seen));
		mark(t, (int)b, seen);
		if (seen[i])
			hooks |= 1u << t->chains[b]->hook;
	}
	return hooks;
}

static int height(const struct qt_table *t, int i, int *h)
{
	if (h[i] == -1)
		return QT_JUMP_LIMIT;
	if (h[i] >= 0)
		return h[i];
	h[i] = -1;
	int best = 0;
	const struct qt_chain *c = t->chains[i];
	for (unsigned k = 0; k < c->nrules && best < QT_JUMP_LIMIT; k++) {
		const struct qt_rule *r = c->rules[k];
		if (r->verdict != QT_V_JUMP && r->verdict != QT_V_GOTO)
			continue;
		int j = qt_table_chain_index(t, r->jump);
		if (j < 0 || t->chains[j]->builtin)
			continue;
		int d = height(t, j, h) + 1;
		if (d > best)
			best = d > QT_JUMP_LIMIT ? QT_JUMP_LIMIT : d;
	}
	h[i] = best;
	return best;
}

static bool plain_too_deep(const struct qt_table *t)
{
	int h[64];
	for (unsigned i = 0; i < t->nchains; i++)
		h[i] = -2;
	for (unsigned b = 0; b < t->nbuiltin; b++)
		if (height(t, (int)b, h) >= QT_JUMP_LIMIT)
			return true;
	return false;
}

/* ---- random changes, made as command.c makes them ---- */

static void name_of(unsigned u, char *out)
{
	snprintf(out, QT_CHAIN_MAXNAMELEN + 1, "c%u", u);
}

/* A target name: mostly the next user chain (long paths), else any
 * chain, a built-in one, or one that may not exist. */
static void pick_target(const struct qt_table *t, const struct qt_chain *from,
			char *out)
{
	unsigned k = rnd(10);
	if (k < 4 && !from->builtin && from->name[0] == 'c') {
		name_of((unsigned)atoi(from->name + 1) + 1, out);
		return;
	}
	if (k < 6) {
		snprintf(out, QT_CHAIN_MAXNAMELEN + 1, "%s", t->chains[rnd(t->nbuiltin)]->name);
		return;
	}
	name_of(rnd(NUSER + 1), out);
}

static struct qt_rule *rule_to(const char *to)
{
	struct qt_rule *r = qt_rule_new(AF_INET);
	if (to) {
		r->verdict = rnd(3) ? QT_V_JUMP : QT_V_GOTO;
		snprintf(r->jump, sizeof(r->jump), "%s", to);
	} else {
		r->verdict = QT_V_ACCEPT;
	}
	return r;
}

static bool is_jump(const struct qt_rule *r)
{
	return r->verdict == QT_V_JUMP || r->verdict == QT_V_GOTO;
}

static void change(struct qt_table *t)
{
	char name[QT_CHAIN_MAXNAMELEN + 1];
	struct qt_chain *c = t->chains[rnd(t->nchains)];
	unsigned op = rnd(20);
	if (op < 2) {
		name_of(rnd(NUSER), name);
		if (!qt_table_chain(t, name))
			qt_table_add_chain(t, name);
	} else if (op < 3) {
		if (!c->builtin)
			qt_table_del_chain(t, (unsigned)qt_table_chain_index(t, c->name));
	} else if (op < 4) {
		name_of(rnd(NUSER), name);
		if (!c->builtin && !qt_table_chain(t, name))
			qt_table_rename_chain(t, (unsigned)qt_table_chain_index(t, c->name),
					      name);
	} else if (op < 5) {
		qt_chain_flush(c);
	} else if (op < 7) {
		if (c->nrules)
			qt_chain_delete(c, rnd(c->nrules));
	} else {
		bool jump = rnd(8);
		if (jump)
			pick_target(t, c, name);
		struct qt_rule *r = rule_to(jump ? name : NULL);
		/* as do_rule_cmd: -A, -I, or -R of a rule that is no jump */
		bool replace = op < 9 && c->nrules;
		unsigned pos = c->nrules ? rnd(c->nrules) : 0;
		bool follow = qt_jump_graph_fresh(t) &&
			      (!replace || !is_jump(c->rules[pos]));
		if (replace)
			qt_chain_replace(c, pos, r);
		else
			qt_chain_insert(c, op < 13 ? 0 : c->nrules, r);
		if (follow)
			qt_jump_graph_added(t, c, r);
	}
}

/* The summaries against the plain walks; false on the first difference. */
static bool agree(struct qt_table *t, unsigned trial, unsigned step)
{
	if (qt_jump_graph_too_deep(t) != plain_too_deep(t)) {
		printf("# trial %u step %u: too deep %d, walk says %d\n", trial, step,
		     qt_jump_graph_too_deep(t), plain_too_deep(t));
		return false;
	}
	for (unsigned i = 0; i < t->nchains; i++) {
		unsigned got = qt_jump_graph_hooks(t, t->chains[i]);
		unsigned want = plain_hooks(t, i);
		if (got != want) {
			printf("# trial %u step %u: hooks of %s %#x, walk says %#x\n",
			     trial, step, t->chains[i]->name, got, want);
			return false;
		}
	}
	unsigned start = rnd(t->nchains);
	bool seen[64] = { false };
	mark(t, (int)start, seen);
	unsigned *list;
	unsigned n = qt_jump_graph_reach(t, start, &list);
	unsigned k = 0;
	bool same = true;
	for (unsigned i = 0; i < t->nchains; i++)
		if (seen[i] && (k >= n || list[k++] != i))
			same = false;
	free(list);
	if (!same || k != n) {
		printf("# trial %u step %u: what %s reaches differs\n", trial, step,
		     t->chains[start]->name);
		return false;
	}
	return true;
}

static void trials(enum qt_table_id id, unsigned ntrials, unsigned nsteps)
{
	unsigned bad = 0, deep = 0, incremental = 0;
	for (unsigned trial = 0; trial < ntrials && !bad; trial++) {
		struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
		struct qt_table *t = qt_ruleset_table(rs, id, true);
		for (unsigned step = 0; step < nsteps && !bad; step++) {
			change(t);
			incremental += qt_jump_graph_fresh(t);
			/* look only now and then: changes pile up between
			 * looks as in a restore block */
			if (rnd(3) == 0) {
				if (!agree(t, trial, step))
					bad++;
				deep += t->graph_deep;
			}
			if (rnd(50) == 0) {
				/* a transaction's copy keeps what is known */
				struct qt_ruleset *copy = qt_ruleset_clone(rs);
				qt_ruleset_free(rs);
				rs = copy;
				t = rs->tables[id];
			}
		}
		qt_ruleset_free(rs);
	}
	ok(!bad, "%s: summaries agree with plain walks over %u random tables",
	   qt_table_def(id)->name, ntrials);
	/* the trials must have met what they are there for */
	ok(deep > 0, "%s: some tables were too deep (%u looks)",
	   qt_table_def(id)->name, deep);
	ok(incremental > ntrials * nsteps / 4,
	   "%s: most changes were followed without a walk (%u)",
	   qt_table_def(id)->name, incremental);
}

int main(void)
{
	trials(QT_TABLE_FILTER, 300, 300);
	trials(QT_TABLE_NAT, 300, 300);
	return done_testing();
}
