/* The per-rule runtime kept across commits (rt_store.h). */
#include "rt_store.h"

#include <stdlib.h>
#include <string.h>

struct qt_rt_store {
	struct qt_rule_map *rules;  /* values: struct qt_rule_rt */
	struct qt_policy_counters pol;
	struct qt_counter_io io;
};

static void run_free(struct qt_ext_run *x)
{
	if (x->state && x->in.ext && x->in.ext->state_free)
		x->in.ext->state_free(x->state);
	x->state = NULL;
}

static void rt_free_states(struct qt_rule_rt *rt)
{
	for (unsigned i = 0; i < rt->nmatches; i++)
		run_free(&rt->matches[i]);
	run_free(&rt->target);
	rt->made = false;
}

static void rt_free(void *v)
{
	struct qt_rule_rt *rt = v;
	rt_free_states(rt);
	free(rt->matches);
	free(rt);
}

static struct qt_rule_rt *rt_new(struct qt_rule *r)
{
	struct qt_rule_rt *rt = calloc(1, sizeof(*rt));
	if (!rt)
		abort();
	rt->rule = r;
	rt->nmatches = r->nmatches;
	rt->matches = calloc(r->nmatches ? r->nmatches : 1,
			     sizeof(*rt->matches));
	if (!rt->matches)
		abort();
	/* the views share the model's data, which the store's reference
	 * on the rule keeps alive */
	for (unsigned i = 0; i < r->nmatches; i++)
		rt->matches[i].in = r->matches[i];
	if (r->verdict == QT_V_EXT)
		rt->target.in = r->target;
	return rt;
}

struct qt_rule_rt *qt_rt_find(const struct qt_rt_store *s,
			      const struct qt_rule *r)
{
	return qt_rule_map_get(s->rules, r);
}

struct qt_rule_rt *qt_rt_get(struct qt_rt_store *s, struct qt_rule *r)
{
	struct qt_rule_rt *rt = qt_rule_map_get(s->rules, r);
	if (!rt) {
		rt = rt_new(r);
		qt_rule_map_put(s->rules, r, rt);
	}
	return rt;
}

static int run_make(struct qt_ext_run *x, const struct qt_engine_env *env,
		    const char *how, struct qt_buf *err)
{
	const struct qt_ext *e = x->in.ext;
	if (!e || !e->state_new)
		return 0;
	if (e->state_new(&x->in, env, &x->state) < 0) {
		x->state = NULL;
		qt_buf_printf(err, "qtablesd: %s %s: cannot be set up for "
			      "the engine\n", how, e->name);
		return -1;
	}
	return 0;
}

int qt_rt_make(struct qt_rule_rt *rt, const struct qt_engine_env *env,
	       struct qt_buf *err)
{
	if (rt->made)
		return 0;
	for (unsigned i = 0; i < rt->nmatches; i++)
		if (run_make(&rt->matches[i], env, "-m", err) < 0) {
			rt_free_states(rt);
			return -1;
		}
	if (run_make(&rt->target, env, "-j", err) < 0) {
		rt_free_states(rt);
		return -1;
	}
	rt->made = true;
	return 0;
}

/* ---- counters for the parser ---- */

static struct qt_counters load(const struct qt_counters *c)
{
	return (struct qt_counters){
		.pkts = __atomic_load_n(&c->pkts, __ATOMIC_RELAXED),
		.bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED),
	};
}

static void store(struct qt_counters *c, struct qt_counters v)
{
	__atomic_store_n(&c->pkts, v.pkts, __ATOMIC_RELAXED);
	__atomic_store_n(&c->bytes, v.bytes, __ATOMIC_RELAXED);
}

static struct qt_counters io_rule_get(void *u, const struct qt_rule *r)
{
	const struct qt_rule_rt *rt = qt_rt_find(u, r);
	return rt ? load(&rt->cnt) : (struct qt_counters){ 0, 0 };
}

static void io_rule_set(void *u, struct qt_rule *r, struct qt_counters c)
{
	store(&qt_rt_get(u, r)->cnt, c);
}

static struct qt_counters io_policy_get(void *u, enum qt_table_id t,
					enum qt_hook h)
{
	struct qt_rt_store *s = u;
	return load(&s->pol.c[t][h]);
}

static void io_policy_set(void *u, enum qt_table_id t, enum qt_hook h,
			  struct qt_counters c)
{
	struct qt_rt_store *s = u;
	store(&s->pol.c[t][h], c);
}

struct qt_rt_store *qt_rt_store_new(void)
{
	struct qt_rt_store *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->rules = qt_rule_map_new();
	s->io = (struct qt_counter_io){
		.user = s, .rule_get = io_rule_get, .rule_set = io_rule_set,
		.policy_get = io_policy_get, .policy_set = io_policy_set,
	};
	return s;
}

void qt_rt_store_free(struct qt_rt_store *s)
{
	if (!s)
		return;
	qt_rule_map_free(s->rules, rt_free);
	free(s);
}

const struct qt_counter_io *qt_rt_store_io(struct qt_rt_store *s)
{
	return &s->io;
}

struct qt_policy_counters *qt_rt_store_policy(struct qt_rt_store *s)
{
	return &s->pol;
}

void qt_rt_store_mark(struct qt_rt_store *s, const struct qt_rule *r)
{
	qt_rule_map_mark(s->rules, r);
}

void qt_rt_store_mark_ruleset(struct qt_rt_store *s,
			      const struct qt_ruleset *rs)
{
	qt_rule_map_mark_ruleset(s->rules, rs);
}

void qt_rt_store_sweep(struct qt_rt_store *s)
{
	qt_rule_map_sweep(s->rules, rt_free);
}

size_t qt_rt_store_count(const struct qt_rt_store *s)
{
	return qt_rule_map_count(s->rules);
}
