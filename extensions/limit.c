/* -m limit: a token bucket, --limit RATE and --limit-burst N.
 * avg is the kernel's: the time between packets in 1/10000 s
 * (XT_LIMIT_SCALE). iptables-nft 1.8.9 hands the kernel an nft limit
 * (packets per second, minute, hour or day) and reads it back, so avg is
 * kept as that round trip leaves it: `--limit 999/min` is 1000/min and
 * `--limit 10000/min` is 166/sec, exactly as iptables-nft lists them. A
 * burst of 0 is the default 5, as the kernel's nft limit stores it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "eval.h"
#include "ratelimit.h"
#include "spinlock.h"
#include "ext.h"

#define LIMIT_SCALE 10000u
#define LIMIT_DEFAULT_AVG (LIMIT_SCALE * 3600u / 3u)   /* 3/hour */
#define LIMIT_DEFAULT_BURST 5u
#define LIMIT_BURST_MAX 10000u

struct limit_data {
	uint32_t avg;          /* 1/10000 s between packets */
	uint32_t burst;
};

enum { O_LIMIT, O_BURST };

static const struct qt_ext_opt limit_opts[] = {
	{ .name = "limit", .id = O_LIMIT, .type = QT_OT_RAW },
	/* 0 is the default (limit_parse) */
	{ .name = "limit-burst", .id = O_BURST, .type = QT_OT_UINT,
	  .max = LIMIT_BURST_MAX, QT_PUT(struct limit_data, burst) },
	{ .name = NULL },
};

/* Units from the longest: the period of one packet in LIMIT_SCALE. */
static const struct {
	const char *name;
	uint32_t mult;
} units[] = {
	{ "day", LIMIT_SCALE * 24 * 60 * 60 },
	{ "hour", LIMIT_SCALE * 60 * 60 },
	{ "min", LIMIT_SCALE * 60 },
	{ "sec", LIMIT_SCALE },
};
#define NUNITS (sizeof(units) / sizeof(units[0]))

/* The longest unit in which avg is still a whole-ish count (iptables'
 * choice when it prints a rate or builds the nft limit). */
static size_t unit_of(uint32_t avg)
{
	size_t i;
	for (i = 1; i < NUNITS; i++)
		if (avg > units[i].mult ||
		    units[i].mult / avg < units[i].mult % avg)
			break;
	return i - 1;
}

static void limit_init(struct qt_ext_inst *in)
{
	struct limit_data *d = in->data;
	d->avg = LIMIT_DEFAULT_AVG;
	d->burst = LIMIT_DEFAULT_BURST;
}

/* "N[/second|minute|hour|day]" (any prefix of the unit); N as atoi. */
static int parse_rate(const char *arg, uint32_t *avg, struct qt_ctx *ctx)
{
	uint32_t mult = 1;
	const char *slash = strchr(arg, '/');
	if (slash) {
		const char *u = slash + 1;
		size_t n = strlen(u);
		if (n == 0)
			goto bad;
		if (!strncasecmp(u, "second", n))
			mult = 1;
		else if (!strncasecmp(u, "minute", n))
			mult = 60;
		else if (!strncasecmp(u, "hour", n))
			mult = 60 * 60;
		else if (!strncasecmp(u, "day", n))
			mult = 24 * 60 * 60;
		else
			goto bad;
	}
	/* atoi: base 10, int-sized, then taken as unsigned */
	uint32_t r = (uint32_t)(int)strtol(arg, NULL, 10);
	if (r == 0)
		goto bad;
	*avg = LIMIT_SCALE * mult / r;
	if (*avg == 0)
		return qt_param_error(ctx, "Rate too fast \"%s\"", arg);
	return 0;
bad:
	return qt_param_error(ctx, "bad rate \"%s\"'", arg);
}

/* What the nft limit expression keeps: a whole number per unit. */
static uint32_t nft_round_trip(uint32_t avg)
{
	uint32_t mult = units[unit_of(avg)].mult;
	uint32_t rate = mult / avg;
	return mult / rate;
}

static int limit_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	struct limit_data *d = in->data;
	if (a->opt->id == O_BURST) {
		if (d->burst == 0)
			d->burst = LIMIT_DEFAULT_BURST;
		return 0;
	}
	if (parse_rate(a->arg, &d->avg, ctx))
		return -1;
	d->avg = nft_round_trip(d->avg);
	return 0;
}

static void put_rate(struct qt_buf *b, uint32_t avg)
{
	size_t u = unit_of(avg);
	qt_buf_printf(b, "%u/%s", units[u].mult / avg, units[u].name);
}

static void limit_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct limit_data *d = in->data;
	qt_buf_puts(b, " --limit ");
	put_rate(b, d->avg);
	if (d->burst != LIMIT_DEFAULT_BURST)
		qt_buf_printf(b, " --limit-burst %u", d->burst);
}

static void limit_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct limit_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " limit: avg ");
	put_rate(b, d->avg);
	qt_buf_printf(b, " burst %u", d->burst);
}

/* ---- engine ----
 * iptables-nft 1.8.9 installs -m limit as nft's limit expression
 * ("limit rate R/unit burst B packets"), so the bucket is nft_limit's:
 * nanoseconds of credit, full when the rule is made. The rule's one
 * bucket is shared by every queue thread, hence the lock. */
struct limit_state {
	qt_spinlock lock;
	struct qt_rl_nft b;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int limit_state_new(const struct qt_ext_inst *in,
			   const struct qt_engine_env *env, void **state)
{
	const struct limit_data *d = in->data;
	struct limit_state *s;
	uint64_t rate, unit;
	(void)env;

	if (d->avg == 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	qt_spin_init(&s->lock);
	qt_rl_nft_from_xt(d->avg, &rate, &unit);
	/* the burst as the rule stores it (0 is nft's default 5) */
	if (qt_rl_nft_init(&s->b, rate, unit, d->burst, mono_ns())) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static void limit_state_free(void *state)
{
	free(state);
}

static void limit_state_save(const void *state, struct qt_buf *b)
{
	const struct limit_state *s = state;
	if (s)
		qt_buf_put(b, (const char *)&s->b, sizeof(s->b));
}

/* The bucket goes on where it was, if the rule's rate is the same. */
static int limit_state_load(void *state, const void *p, size_t len)
{
	struct limit_state *s = state;
	struct qt_rl_nft b;
	if (!s || len != sizeof(b))
		return -1;
	memcpy(&b, p, sizeof(b));
	if (b.cost != s->b.cost || b.tokens_max != s->b.tokens_max ||
	    b.tokens > b.tokens_max)
		return -1;
	s->b = b;
	return 0;
}

static bool limit_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	struct limit_state *s = qt_ext_state(in);
	uint64_t now;
	bool pass;

	if (!s)
		return false;
	qt_spin_lock(&s->lock);
	/* threads stamp their bursts independently: a packet judged after
	 * a later-stamped one must not look like a wrapped, huge refill */
	now = ev->now_ns > s->b.last ? ev->now_ns : s->b.last;
	pass = qt_rl_nft_take(&s->b, now);
	qt_spin_unlock(&s->lock);
	/* -m limit takes no '!': nothing to invert */
	return pass;
}

static const struct qt_ext limit_match = {
	.name = "limit",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct limit_data),
	.opts = limit_opts,
	.init = limit_init,
	.parse = limit_parse,
	.save = limit_save,
	.print = limit_print,
	.match = limit_match_fn,
	.state_new = limit_state_new,
	.state_free = limit_state_free,
	.state_save = limit_state_save,
	.state_load = limit_state_load,
	.help =
		"--limit avg\t\t\tmax average match rate: default 3/hour\n"
		"                                [Packets per second unless followed by \n"
		"                                /sec /minute /hour /day postfixes]\n"
		"--limit-burst number\t\tnumber to match in a burst, default 5\n",
};
QT_EXT_REGISTER(limit_match)
