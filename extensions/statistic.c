/* -m statistic: a random share of the packets (--mode random
 * --probability P) or every Nth one (--mode nth --every N --packet P),
 * as the kernel's xt_statistic judges them and iptables 1.8.9 reads and
 * prints them.
 *
 * The data block is the kernel's matchinfo as iptables fills it: the
 * probability as a 31-bit fraction (P * 2^31, rounded to nearest, so 1
 * is 0x80000000), `every` one less than N. Options exclude one another
 * as iptables' table says; the check for the mode's own options runs
 * before the table's (mandatory --mode, --every needs --packet), which
 * is why a bare "-m statistic" is refused for its missing probability. */
#include <math.h>       /* isnan: a macro, no libm */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "eval.h"
#include "ext.h"

enum { MODE_RANDOM, MODE_NTH };
#define STAT_INVERT 0x1
#define PROB_ONE 0x80000000u   /* probability 1 as the kernel stores it */

/* The probability and `every` share their place, as in the kernel's
 * union: iptables checks a rule that gives both (refused anyway) with
 * whichever was written last, and its message depends on it. */
struct statistic_data {
	uint16_t mode;
	uint16_t flags;            /* STAT_INVERT */
	union {
		uint32_t probability;  /* random: P * 2^31 */
		uint32_t every;        /* nth: N - 1 */
	} u;
	uint32_t packet;           /* nth: P, 0 <= P <= every */
};

enum { O_MODE, O_PROBABILITY, O_EVERY, O_PACKET };

static const struct qt_opt_choice modes[] = {
	{ "random", MODE_RANDOM },
	{ "nth", MODE_NTH },
	{ NULL, 0 },
};

static const struct qt_ext_opt statistic_opts[] = {
	{ .name = "mode", .id = O_MODE, .type = QT_OT_CHOICE,
	  .flags = QT_OPT_MAND, .choices = modes, .bad = "Bad mode \"%s\"",
	  QT_PUT(struct statistic_data, mode) },
	/* a real number, read in the parse hook */
	{ .name = "probability", .id = O_PROBABILITY, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT,
	  .excl = QT_BIT(O_EVERY) | QT_BIT(O_PACKET),
	  QT_INV(struct statistic_data, flags, STAT_INVERT) },
	{ .name = "every", .id = O_EVERY, .type = QT_OT_UINT, .min = 1,
	  .flags = QT_OPT_INVERT, .excl = QT_BIT(O_PROBABILITY),
	  .also = QT_BIT(O_PACKET),
	  QT_PUT(struct statistic_data, u.every),
	  QT_INV(struct statistic_data, flags, STAT_INVERT) },
	{ .name = "packet", .id = O_PACKET, .type = QT_OT_UINT,
	  .excl = QT_BIT(O_PROBABILITY), .also = QT_BIT(O_EVERY),
	  QT_PUT(struct statistic_data, packet) },
	{ .name = NULL },
};

/* lround for 0 <= x <= 2^31 without libm: the integer part and the
 * fraction of x are both exact in a double, so this rounds as lround
 * does even where x + 0.5 would round up first. */
static uint32_t round_half_away(double x)
{
	uint32_t r = (uint32_t)x;
	return x - r >= 0.5 ? r + 1u : r;
}

/* iptables reads the probability with strtod and checks only that the
 * whole word was a number in [0, 1]: so "nan" passes the check (and is
 * stored as 0, what lround makes of it on the machines iptables runs
 * on), ".5", "5e-1" and hex floats are taken, an underflow is 0. */
static int parse_probability(const char *arg, uint32_t *out,
			     struct qt_ctx *ctx)
{
	char *end;
	double v = strtod(arg, &end);
	if (end == arg || *end != '\0' || v < 0 || v > 1)
		return qt_param_error(ctx,
			"statistic: bad value for option \"--probability\", or out of range (0-1).\n");
	*out = isnan(v) ? 0 : round_half_away(v * PROB_ONE);
	return 0;
}

static int statistic_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			   struct qt_ctx *ctx)
{
	struct statistic_data *d = in->data;
	switch (a->opt->id) {
	case O_PROBABILITY:
		return parse_probability(a->arg, &d->u.probability, ctx);
	case O_EVERY:
		d->u.every--;     /* the kernel counts 0..every */
		return 0;
	}
	return 0;
}

static int statistic_check(struct qt_ext_inst *in,
			   const struct qt_rule_env *env, struct qt_ctx *ctx)
{
	const struct statistic_data *d = in->data;
	(void)env;
	if (d->mode == MODE_RANDOM && !(in->seen & QT_BIT(O_PROBABILITY)))
		return qt_param_error(ctx,
			"--probability must be specified when using random mode");
	if (d->mode == MODE_NTH &&
	    !(in->seen & (QT_BIT(O_EVERY) | QT_BIT(O_PACKET))))
		return qt_param_error(ctx,
			"--every and --packet must be specified when using nth mode");
	if (d->packet > d->u.every)
		return qt_param_error(ctx,
			"the --packet p must be 0 <= p <= n-1");
	return 0;
}

/* prefix "--" for save, "" for -L; -L leaves out "packet 0" */
static void put_statistic(const struct statistic_data *d, struct qt_buf *b,
			  const char *prefix)
{
	const char *inv = d->flags & STAT_INVERT ? " !" : "";
	if (d->mode == MODE_RANDOM) {
		qt_buf_printf(b, " %smode random%s %sprobability %.11f", prefix,
			      inv, prefix, (double)d->u.probability / PROB_ONE);
		return;
	}
	qt_buf_printf(b, " %smode nth%s %severy %u", prefix, inv, prefix,
		      d->u.every + 1u);
	if (d->packet || *prefix)
		qt_buf_printf(b, " %spacket %u", prefix, d->packet);
}

static void statistic_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	put_statistic(in->data, b, "--");
}

static void statistic_print(const struct qt_ext_inst *in, struct qt_buf *b,
			    bool numeric)
{
	(void)numeric;
	qt_buf_puts(b, " statistic");
	put_statistic(in->data, b, "");
}

/* ---- engine ----
 * random: the kernel compares 31 random bits with the probability. The
 * bits come from a generator of the queue thread's own (splitmix64:
 * one add and three multiply-xor steps), seeded once per thread from
 * getrandom, so a packet costs no lock, no shared cache line and no
 * system call.
 * nth: one counter per rule shared by every queue thread, stepped with
 * compare-and-swap as the kernel steps it: it runs 0..every and the
 * packet that takes it from every back to 0 matches. It starts at
 * every - packet, so the packets numbered packet, packet + N, ... from
 * 0 match. The counter is the rule's state: it carries over commits
 * that keep the rule and goes to the next daemon with the handover. */

struct rng {
	uint64_t s;
	bool seeded;
};
static _Thread_local struct rng thread_rng;

static uint32_t rng_next31(void)
{
	struct rng *r = &thread_rng;
	if (!r->seeded) {
		uint64_t seed;
		if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(seed)) {
			/* no entropy yet (early boot): the thread's address
			 * and the clock still differ between threads */
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			seed = (uint64_t)(uintptr_t)r ^
			       ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec;
		}
		r->s = seed;
		r->seeded = true;
	}
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (uint32_t)(z >> 33);    /* the top 31 bits */
}

struct nth_state {
	_Alignas(64) _Atomic uint32_t count;
	uint32_t every;         /* the rule's N - 1, for a handed-over count */
};

static int statistic_state_new(const struct qt_ext_inst *in,
			       const struct qt_engine_env *env, void **state)
{
	const struct statistic_data *d = in->data;
	struct nth_state *s;
	(void)env;
	if (d->mode != MODE_NTH)
		return 0;       /* random: nothing kept */
	s = aligned_alloc(_Alignof(struct nth_state), sizeof(*s));
	if (!s)
		return -1;
	atomic_init(&s->count, d->u.every - d->packet);
	s->every = d->u.every;
	*state = s;
	return 0;
}

static void statistic_state_free(void *state)
{
	free(state);
}

static void statistic_state_save(const void *state, struct qt_buf *b)
{
	const struct nth_state *s = state;
	if (!s)
		return;
	uint32_t c = atomic_load_explicit(&s->count, memory_order_relaxed);
	qt_buf_put(b, (const char *)&c, sizeof(c));
}

static int statistic_state_load(void *state, const void *p, size_t len)
{
	struct nth_state *s = state;
	uint32_t c;
	if (!s || len != sizeof(c))
		return -1;
	memcpy(&c, p, sizeof(c));
	if (c > s->every)
		return -1;
	atomic_store_explicit(&s->count, c, memory_order_relaxed);
	return 0;
}

static bool nth_step(struct nth_state *s, uint32_t every)
{
	uint32_t old = atomic_load_explicit(&s->count, memory_order_relaxed);
	uint32_t next;
	do
		next = old == every ? 0 : old + 1;
	while (!atomic_compare_exchange_weak_explicit(&s->count, &old, next,
			memory_order_relaxed, memory_order_relaxed));
	return next == 0;
}

static bool statistic_match_fn(const struct qt_ext_inst *in,
			       struct qt_eval *ev)
{
	const struct statistic_data *d = in->data;
	bool hit;
	(void)ev;
	if (d->mode == MODE_RANDOM) {
		hit = rng_next31() < d->u.probability;
	} else {
		struct nth_state *s = qt_ext_state(in);
		if (!s)
			return false;
		hit = nth_step(s, d->u.every);
	}
	return hit != !!(d->flags & STAT_INVERT);
}

static const struct qt_ext statistic_match = {
	.name = "statistic",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct statistic_data),
	.opts = statistic_opts,
	.parse = statistic_parse,
	.check = statistic_check,
	.save = statistic_save,
	.print = statistic_print,
	.match = statistic_match_fn,
	.state_new = statistic_state_new,
	.state_free = statistic_state_free,
	.state_save = statistic_state_save,
	.state_load = statistic_state_load,
	.help =
		" --mode mode                    Match mode (random, nth)\n"
		" random mode:\n"
		"[!] --probability p\t\t Probability\n"
		" nth mode:\n"
		"[!] --every n\t\t\t Match every nth packet\n"
		" --packet p\t\t\t Initial counter value (0 <= p <= n-1, default 0)\n",
};
QT_EXT_REGISTER(statistic_match)
