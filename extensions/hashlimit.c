/* -m hashlimit: one token bucket per address/port group (xt_hashlimit
 * revision 3, the one iptables 1.8.9 uses). Values are the kernel's:
 * avg is the time between packets in 1/1000000 s, or in bytes mode
 * (--hashlimit-upto 4kb/s) the kernel's byte "cost"; burst is packets,
 * or in bytes mode a count of rate-sized chunks. Defaults that iptables
 * derives at the end of the rule (the expiry follows the unit the rate
 * was typed in) are resolved in check(), so the data block is final. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eval.h"
#include "ratelimit.h"
#include "spinlock.h"
#include "model.h"
#include "xtypes.h"

/* The kernel's XT_HASHLIMIT_* mode bits. */
#define HL_DIP        0x01
#define HL_DPT        0x02
#define HL_SIP        0x04
#define HL_SPT        0x08
#define HL_INVERT     0x10
#define HL_BYTES      0x20
#define HL_RATE_MATCH 0x40
#define HL_HASH (HL_DIP | HL_DPT | HL_SIP | HL_SPT)

#define HL_SCALE 1000000ull          /* XT_HASHLIMIT_SCALE_v2 */
#define HL_BURST 5u
#define HL_BURST_MAX 1000000u
#define HL_GCINTERVAL 1000u
#define HL_BYTE_EXPIRE 15u           /* seconds */
#define HL_BYTE_EXPIRE_BURST 60u
#define HL_BYTE_SHIFT 4
#define HL_NAME_LEN 255              /* with the NUL */

struct hashlimit_data {
	uint64_t avg;
	uint64_t burst;
	uint32_t mode;         /* HL_* */
	uint32_t size;         /* htable buckets, 0: the kernel's choice */
	uint32_t max;          /* htable entries, 0: the kernel's choice */
	uint32_t gc_interval;  /* ms */
	uint32_t expire;       /* ms */
	uint32_t interval;     /* seconds, rate-match */
	uint8_t srcmask;       /* prefix lengths; > 32 is refused by kcheck */
	uint8_t dstmask;
	char name[HL_NAME_LEN];
	uint8_t pad[3];
	/* Only between parse and check: the rate's unit in seconds, from
	 * which the default expiry comes; zeroed by check(). */
	uint32_t unit;
};

enum {
	O_UPTO, O_ABOVE, O_SRCMASK, O_DSTMASK, O_BURST, O_SIZE, O_MAX,
	O_GCINTERVAL, O_EXPIRE, O_MODE, O_NAME, O_RATEMATCH, O_RATEINTERVAL,
};
#define D struct hashlimit_data
#define UINT32_OPT(n, o, field) \
	{ .name = n, .id = o, .type = QT_OT_UINT, QT_PUT(D, field) }

static const struct qt_ext_opt hashlimit_opts[] = {
	/* "! --hashlimit-upto" is --hashlimit-above and back (parse) */
	{ .name = "hashlimit-upto", .id = O_UPTO, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, .excl = QT_BIT(O_ABOVE) },
	{ .name = "hashlimit-above", .id = O_ABOVE, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, .excl = QT_BIT(O_UPTO) },
	{ .name = "hashlimit", .id = O_UPTO },
	{ .name = "hashlimit-srcmask", .id = O_SRCMASK, .type = QT_OT_PLEN,
	  QT_PUT(D, srcmask) },
	{ .name = "hashlimit-dstmask", .id = O_DSTMASK, .type = QT_OT_PLEN,
	  QT_PUT(D, dstmask) },
	/* a count, or bytes with k/m for byte rates (parse) */
	{ .name = "hashlimit-burst", .id = O_BURST, .type = QT_OT_RAW },
	UINT32_OPT("hashlimit-htable-size", O_SIZE, size),
	UINT32_OPT("hashlimit-htable-max", O_MAX, max),
	UINT32_OPT("hashlimit-htable-gcinterval", O_GCINTERVAL, gc_interval),
	UINT32_OPT("hashlimit-htable-expire", O_EXPIRE, expire),
	{ .name = "hashlimit-mode", .id = O_MODE, .type = QT_OT_RAW },
	{ .name = "hashlimit-name", .id = O_NAME, .type = QT_OT_STRING,
	  .flags = QT_OPT_MAND, .min = 1, QT_PUT(D, name) },
	{ .name = "hashlimit-rate-match", .id = O_RATEMATCH,
	  .type = QT_OT_BITS, .value = HL_RATE_MATCH, QT_PUT(D, mode) },
	{ .name = "hashlimit-rate-interval", .id = O_RATEINTERVAL,
	  .type = QT_OT_RAW },
	{ .name = NULL },
};
#undef UINT32_OPT
#undef D

/* Packet rates, longest unit first: one packet's period in HL_SCALE. */
static const struct {
	const char *name;
	uint64_t mult;
} rates[] = {
	{ "day", HL_SCALE * 24 * 60 * 60 },
	{ "hour", HL_SCALE * 60 * 60 },
	{ "min", HL_SCALE * 60 },
	{ "sec", HL_SCALE },
};
#define NRATES (sizeof(rates) / sizeof(rates[0]))

static const struct {
	const char *name;
	uint64_t thresh;
} byte_units[] = {
	{ "m", 1024 * 1024 }, { "k", 1024 }, { "", 1 },
};

static void hashlimit_init(struct qt_ext_inst *in)
{
	struct hashlimit_data *d = in->data;
	d->burst = HL_BURST;
	d->gc_interval = HL_GCINTERVAL;
	/* the full address of the rule's family */
	d->srcmask = d->dstmask = in->family == AF_INET6 ? 128 : 32;
	d->interval = 1;
}

/* The kernel's byte cost of a rate in bytes per second, and back. */
static uint64_t bytes_to_cost(uint64_t bytes)
{
	return UINT32_MAX / ((bytes >> HL_BYTE_SHIFT) + 1);
}

static uint64_t cost_to_bytes(uint64_t cost)
{
	uint64_t r = cost ? UINT32_MAX / cost : UINT32_MAX;
	return (r - 1) << HL_BYTE_SHIFT;
}

static uint64_t unit_factor(char c)
{
	return c == 'm' ? 1024 * 1024 : c == 'k' ? 1024 : 1;
}

/* "N[k|m]b/s": true when the text is a byte rate. */
static bool parse_bytes(const char *arg, struct hashlimit_data *d)
{
	const char *mode = strstr(arg, "b/s");
	if (!mode || mode == arg)
		return false;
	uint64_t r = (uint64_t)atoll(arg);
	if (r == 0)
		return false;
	d->avg = bytes_to_cost(r * unit_factor(mode[-1]));
	d->unit = HL_BYTE_EXPIRE;
	return true;
}

/* "N[/second|minute|hour|day]" with any prefix of the unit. 0: not a
 * rate; -1: error reported. */
static int parse_rate(const char *arg, struct hashlimit_data *d,
		      struct qt_ctx *ctx)
{
	uint64_t mult = 1;
	const char *slash = strchr(arg, '/');
	if (slash) {
		const char *u = slash + 1;
		size_t n = strlen(u);
		if (n == 0)
			return 0;
		if (!strncasecmp(u, "second", n))
			mult = 1;
		else if (!strncasecmp(u, "minute", n))
			mult = 60;
		else if (!strncasecmp(u, "hour", n))
			mult = 60 * 60;
		else if (!strncasecmp(u, "day", n))
			mult = 24 * 60 * 60;
		else
			return 0;
	}
	uint64_t r = (uint64_t)atoll(arg);
	if (r == 0)
		return 0;
	uint64_t avg = HL_SCALE * mult / r;
	if (avg == 0)
		return qt_param_error(ctx, "Rate too fast \"%s\"", arg);
	d->avg = avg;
	d->unit = (uint32_t)mult;
	return 1;
}

/* "srcip,dstport,..."; empty items are skipped. */
static int parse_mode(const char *arg, uint32_t *mode, struct qt_ctx *ctx)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "dstip"))
			*mode |= HL_DIP;
		else if (!strcmp(tok, "srcip"))
			*mode |= HL_SIP;
		else if (!strcmp(tok, "srcport"))
			*mode |= HL_SPT;
		else if (!strcmp(tok, "dstport"))
			*mode |= HL_DPT;
		else
			return qt_ext_bad_value(ctx, "hashlimit",
						"--hashlimit-mode", arg);
	}
	return 0;
}

static int burst_error(struct qt_ctx *ctx)
{
	return qt_param_error(ctx,
		"bad value for option \"--hashlimit-burst\", or out of range (1-%u).",
		HL_BURST_MAX);
}

static int hashlimit_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			   struct qt_ctx *ctx)
{
	struct hashlimit_data *d = in->data;
	uint64_t v = 0;
	const char *end;

	switch (a->opt->id) {
	case O_UPTO:
	case O_ABOVE: {
		if ((a->opt->id == O_ABOVE) != a->invert)
			d->mode |= HL_INVERT;
		if (parse_bytes(a->arg, d)) {
			d->mode |= HL_BYTES;
			return 0;
		}
		int rc = parse_rate(a->arg, d, ctx);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return qt_ext_bad_value(ctx, "hashlimit",
				a->opt->id == O_UPTO ? "--hashlimit-upto"
						     : "--hashlimit-above",
				a->arg);
		return 0;
	}
	case O_BURST:
		if (!qt_strtoul(a->arg, &end, 1, UINT64_MAX, &v) ||
		    (*end == '\0' && v > HL_BURST_MAX))
			return burst_error(ctx);
		d->burst = v * unit_factor(*end);
		return 0;
	case O_MODE:
		return parse_mode(a->arg, &d->mode, ctx);
	case O_RATEINTERVAL:
		if (!qt_strtoul(a->arg, NULL, 1, INT32_MAX, &v))
			return qt_ext_bad_value(ctx, "hashlimit",
						"--hashlimit-rate-interval", a->arg);
		d->interval = (uint32_t)v;
		return 0;
	}
	return 0;
}

static int hashlimit_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			   struct qt_ctx *ctx)
{
	struct hashlimit_data *d = in->data;
	(void)env;
	if (!(in->seen & (QT_BIT(O_UPTO) | QT_BIT(O_ABOVE))))
		return qt_param_error(ctx, "You have to specify --hashlimit");
	if (!(in->seen & QT_BIT(O_EXPIRE)))
		d->expire = d->unit * 1000;
	d->unit = 0;
	if (d->mode & HL_BYTES) {
		uint64_t burst = 0, chunk = cost_to_bytes(d->avg);
		if (in->seen & QT_BIT(O_BURST)) {
			if (d->burst < chunk)
				return qt_param_error(ctx,
					"burst cannot be smaller than %llub",
					(unsigned long long)chunk);
			burst = d->burst / chunk + (d->burst % chunk ? 1 : 0);
			if (!(in->seen & QT_BIT(O_EXPIRE)))
				d->expire = HL_BYTE_EXPIRE_BURST * 1000;
		}
		d->burst = burst;
	} else if (d->burst > HL_BURST_MAX) {
		return burst_error(ctx);
	}
	return 0;
}

/* The kernel's credit arithmetic with HZ=250, the tick rate of the
 * kernels qtables is measured against (hashlimit_mt_check_common). */
#define HL_HZ_CPJ_PER_SCALE 137438953ull   /* HZ * CREDITS_PER_JIFFY / 1e6 */
#define HL_HZ_CPJ_BYTES 4194304000ull      /* HZ * CREDITS_PER_JIFFY_BYTES */

/* The kernel keeps one table per name, made by the first rule that
 * uses the name; a rule that disagrees with it about rate matching is
 * refused. */
static bool rate_match_conflict(const struct hashlimit_data *d,
				const struct qt_rule *r,
				const struct qt_ext_inst *stop)
{
	for (unsigned i = 0; i < r->nmatches; i++) {
		const struct qt_ext_inst *m = &r->matches[i];
		if (m == stop)
			return false;
		if (m->ext != stop->ext)
			continue;
		const struct hashlimit_data *o = m->data;
		if (!strcmp(o->name, d->name) &&
		    (o->mode & HL_RATE_MATCH) != (d->mode & HL_RATE_MATCH))
			return true;
	}
	return false;
}

static bool table_conflict(const struct qt_ext_inst *in,
			   const struct qt_rule_env *env)
{
	const struct hashlimit_data *d = in->data;
	const struct qt_ruleset *rs = env->ruleset;
	for (int t = 0; rs && t < QT_NTABLES; t++) {
		const struct qt_table *tab = rs->tables[t];
		for (unsigned c = 0; tab && c < tab->nchains; c++)
			for (unsigned k = 0; k < tab->chains[c]->nrules; k++)
				if (rate_match_conflict(d, tab->chains[c]->rules[k], in))
					return true;
	}
	return env->rule && rate_match_conflict(d, env->rule, in);
}

static int hashlimit_kcheck(const struct qt_ext_inst *in,
			    const struct qt_rule_env *env)
{
	const struct hashlimit_data *d = in->data;
	if (d->mode & HL_BYTES) {
		if (((d->avg * HL_HZ_CPJ_BYTES) >> 32) == 0)
			return EINVAL;
	} else if (d->burst == 0 ||
		   d->avg * d->burst * HL_HZ_CPJ_PER_SCALE <
		   d->avg * HL_HZ_CPJ_PER_SCALE) {
		/* the credit counter would wrap around */
		return ERANGE;
	}
	if (d->gc_interval == 0 || d->expire == 0)
		return EINVAL;
	unsigned full = in->family == AF_INET6 ? 128 : 32;
	if (d->srcmask > full || d->dstmask > full)
		return EINVAL;
	if (!strcmp(d->name, ".") || !strcmp(d->name, "..") ||
	    strchr(d->name, '/'))
		return EINVAL;
	if (table_conflict(in, env))
		return EINVAL;
	return 0;
}

/* A packet rate; returns its unit in ms (the default expiry). */
static uint32_t put_rate(struct qt_buf *b, uint64_t period)
{
	size_t i;
	if (period == 0) {
		qt_buf_puts(b, " inf");
		return 0;
	}
	for (i = 1; i < NRATES; i++)
		if (period > rates[i].mult ||
		    rates[i].mult / period < rates[i].mult % period)
			break;
	qt_buf_printf(b, " %llu/%s",
		      (unsigned long long)(rates[i - 1].mult / period),
		      rates[i - 1].name);
	return (uint32_t)(rates[i - 1].mult / HL_SCALE * 1000);
}

/* A byte rate and burst; returns the default expiry in ms. */
static uint32_t put_bytes(struct qt_buf *b, uint64_t avg, uint64_t burst,
			  const char *burst_word)
{
	uint64_t r = cost_to_bytes(avg);
	size_t i;
	for (i = 0; i < 2; i++)
		/* iptables' mask is 32 bits wide: high bits drop out */
		if (r >= byte_units[i].thresh &&
		    bytes_to_cost(r & (uint32_t)~(byte_units[i].thresh - 1)) == avg)
			break;
	qt_buf_printf(b, " %llu%sb/s",
		      (unsigned long long)(r / byte_units[i].thresh),
		      byte_units[i].name);
	if (burst == 0)
		return HL_BYTE_EXPIRE * 1000;
	r *= burst;
	for (i = 0; i < 2; i++)
		if (r >= byte_units[i].thresh)
			break;
	qt_buf_printf(b, " %s %llu%sb", burst_word,
		      (unsigned long long)(r / byte_units[i].thresh),
		      byte_units[i].name);
	return HL_BYTE_EXPIRE_BURST * 1000;
}

static void put_mode(struct qt_buf *b, uint32_t mode, char sep)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ HL_SIP, "srcip" }, { HL_SPT, "srcport" },
		{ HL_DIP, "dstip" }, { HL_DPT, "dstport" },
	};
	bool first = true;
	for (size_t i = 0; i < 4; i++)
		if (mode & names[i].bit) {
			qt_buf_putc(b, first ? ' ' : sep);
			qt_buf_puts(b, names[i].name);
			first = false;
		}
}

/* save and -L share the layout: pfx "--hashlimit-" or "" (and then
 * "htable-" stays), the -L rate counts the rate-match interval in */
static void dump(const struct qt_ext_inst *in, struct qt_buf *b, bool save)
{
	const struct hashlimit_data *d = in->data;
	const char *pfx = save ? "--hashlimit-" : "";
	uint32_t quantum;
	if (save)
		qt_buf_puts(b, d->mode & HL_INVERT ? " --hashlimit-above"
						   : " --hashlimit-upto");
	else
		qt_buf_puts(b, d->mode & HL_INVERT ? " limit: above"
						   : " limit: up to");
	if (d->mode & HL_BYTES) {
		quantum = put_bytes(b, d->avg, d->burst,
				    save ? "--hashlimit-burst" : "burst");
	} else {
		uint64_t period = save ? d->avg : d->avg * d->interval;
		quantum = put_rate(b, period);
		qt_buf_printf(b, " %sburst %llu", pfx,
			      (unsigned long long)d->burst);
	}
	if (d->mode & HL_HASH) {
		qt_buf_printf(b, " %smode", pfx);
		put_mode(b, d->mode, save ? ',' : '-');
	}
	if (save) {
		qt_buf_puts(b, " --hashlimit-name ");
		qt_put_name(b, d->name);
	}
	if (d->size)
		qt_buf_printf(b, " %shtable-size %u", pfx, d->size);
	if (d->max)
		qt_buf_printf(b, " %shtable-max %u", pfx, d->max);
	if (d->gc_interval != HL_GCINTERVAL)
		qt_buf_printf(b, " %shtable-gcinterval %u", pfx, d->gc_interval);
	if (d->expire != quantum)
		qt_buf_printf(b, " %shtable-expire %u", pfx, d->expire);
	unsigned full = in->family == AF_INET6 ? 128 : 32;
	if (d->srcmask != full)
		qt_buf_printf(b, " %ssrcmask %u", pfx, d->srcmask);
	if (d->dstmask != full)
		qt_buf_printf(b, " %sdstmask %u", pfx, d->dstmask);
	if (d->mode & HL_RATE_MATCH) {
		qt_buf_printf(b, " %srate-match", pfx);
		if (d->interval != 1)
			qt_buf_printf(b, " %srate-interval %u", pfx, d->interval);
	}
}

static void hashlimit_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	dump(in, b, true);
}

static void hashlimit_print(const struct qt_ext_inst *in, struct qt_buf *b,
			    bool numeric)
{
	(void)numeric;
	dump(in, b, false);
}

/* ---- engine ----
 * One hash table per --hashlimit-name, shared by every rule that names
 * it, as the kernel shares it (per namespace and family; the daemon
 * serves one namespace and IPv4 only, so the name is the key). The
 * first rule to use a name makes the table from its own options (rate,
 * burst, mode, masks, sizes, expiry); later rules with that name use
 * the table as it is and bring only their inversion, as in the kernel.
 * Tables are made and released on the control thread (state_new,
 * state_free) under the registry lock; packets take the table's lock.
 *
 * Time is the kernel's jiffies (ev->now_ns at env->hz, 250 without an
 * env). The kernel's garbage collector runs every gc-interval ms from
 * the table's creation and drops every entry whose expiry has passed;
 * an entry that is not dropped yet keeps its bucket even when it is
 * past its expiry. Instead of a timer, the same ticks are computed: an
 * entry is dead once a tick at or after its expiry has come. Dead
 * entries are unlinked when a lookup meets them, by a sweep of a few
 * buckets per packet, and all at once when the table is full (so
 * --hashlimit-htable-max counts what the kernel counts).
 *
 * No allocation on the packet path: the entry pool is allocated whole
 * when the table is made, min(htable-max, HL_POOL_MAX) entries. Pages
 * of the pool are only touched as entries are first used, so a large
 * pool costs little until traffic fills it. When the pool is smaller
 * than htable-max and full, a new flow is dropped as if the table were
 * full (the kernel would still allocate): a documented limit. */
#define HL_SIZE_MAX 1048576u      /* the kernel's HASHLIMIT_MAX_SIZE */
#define HL_POOL_MAX 65536u
#define HL_SWEEP_BUCKETS 2u
#define HL_HZ_DEFAULT 250u

struct hl_key {
	uint32_t src, dst;        /* masked, network order */
	uint16_t sport, dport;    /* network order */
};

struct hl_ent {
	struct hl_key key;
	uint32_t next;            /* chain or free list: index + 1, 0 ends */
	uint64_t expires;         /* jiffies */
	struct qt_rl_hash rl;
};

struct hl_table {
	struct hl_table *next;    /* registry */
	unsigned refs;
	struct hashlimit_data cfg; /* the options of the rule that made it */
	unsigned hz;
	uint32_t size, max, npool;
	uint64_t expire_j, gc_j;  /* jiffies */
	uint64_t t0;              /* creation: the first gc tick is t0 + gc_j */

	qt_spinlock lock;         /* everything below */
	uint64_t last_now;        /* latest time seen (clamps late stamps) */
	uint64_t swept_tick;      /* gc tick of the last full sweep */
	uint32_t count, used, free_head, sweep;
	uint32_t *heads;          /* size buckets: entry index + 1, 0 empty */
	struct hl_ent *pool;
};

static struct hl_table *hl_tables;
static qt_spinlock hl_reg_lock = QT_SPINLOCK_INIT;

static uint64_t msecs_to_jiffies(uint64_t ms, unsigned hz)
{
	if (1000 % hz == 0)
		return (ms + 1000 / hz - 1) / (1000 / hz);
	return (ms * hz + 999) / 1000;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* htable_create's default bucket count: RAM / 16384 / sizeof(list_head),
 * 8192 above 1 GiB of RAM, at least 16. */
static uint32_t default_size(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	uint64_t ram, size;

	if (pages <= 0 || psz <= 0)
		return 8192;
	ram = (uint64_t)pages * (uint64_t)psz;
	if (ram > (1ull << 30))
		return 8192;
	size = ram / 16384 / (2 * sizeof(void *));
	return size < 16 ? 16 : (uint32_t)size;
}

static uint32_t key_bucket(const struct hl_table *t, const struct hl_key *k)
{
	uint64_t h = ((uint64_t)k->src << 32 | k->dst) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)k->sport << 16 | k->dport) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebull;
	return (uint32_t)(((h >> 32) * t->size) >> 32);
}

static bool key_eq(const struct hl_key *a, const struct hl_key *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport;
}

/* The last gc tick at or before now; false when none has come yet. */
static bool gc_tick(const struct hl_table *t, uint64_t now, uint64_t *tick)
{
	if (now < t->t0 || now - t->t0 < t->gc_j)
		return false;
	*tick = t->t0 + (now - t->t0) / t->gc_j * t->gc_j;
	return true;
}

/* Between two packets an entry's expiry is fixed, so it was collected
 * iff some tick since its last packet came at or after its expiry. */
static bool ent_dead(const struct hl_table *t, const struct hl_ent *e,
		     uint64_t now)
{
	uint64_t tick;
	return gc_tick(t, now, &tick) && tick >= e->expires;
}

static void ent_release(struct hl_table *t, uint32_t idx)
{
	t->pool[idx].next = t->free_head;
	t->free_head = idx + 1;
	t->count--;
}

/* Drop the dead entries of one bucket. */
static void sweep_bucket(struct hl_table *t, uint32_t b, uint64_t now)
{
	uint32_t *link = &t->heads[b];

	while (*link) {
		uint32_t idx = *link - 1;
		struct hl_ent *e = &t->pool[idx];
		if (ent_dead(t, e, now)) {
			*link = e->next;
			ent_release(t, idx);
		} else {
			link = &e->next;
		}
	}
}

/* The kernel's collector run, done late: once per tick at most. */
static void sweep_all(struct hl_table *t, uint64_t now)
{
	uint64_t tick;

	if (!gc_tick(t, now, &tick) || tick <= t->swept_tick)
		return;
	t->swept_tick = tick;
	for (uint32_t b = 0; b < t->size; b++)
		sweep_bucket(t, b, now);
}

static struct hl_ent *ent_new(struct hl_table *t, uint32_t b, uint64_t now,
			      const struct hl_key *k)
{
	uint32_t idx;

	if (t->count >= t->max || (!t->free_head && t->used == t->npool))
		sweep_all(t, now);
	if (t->count >= t->max)
		return NULL;
	if (t->free_head) {
		idx = t->free_head - 1;
		t->free_head = t->pool[idx].next;
	} else if (t->used < t->npool) {
		idx = t->used++;
	} else {
		return NULL;
	}
	t->count++;
	t->pool[idx].key = *k;
	t->pool[idx].next = t->heads[b];
	t->heads[b] = idx + 1;
	return &t->pool[idx];
}

/* The entry for k, dead ones unlinked on the way; NULL when none. */
static struct hl_ent *ent_find(struct hl_table *t, uint32_t b, uint64_t now,
			       const struct hl_key *k)
{
	uint32_t *link = &t->heads[b];

	while (*link) {
		uint32_t idx = *link - 1;
		struct hl_ent *e = &t->pool[idx];
		if (key_eq(&e->key, k)) {
			if (!ent_dead(t, e, now))
				return e;
			*link = e->next;
			ent_release(t, idx);
			return NULL;
		}
		link = &e->next;
	}
	return NULL;
}

static uint32_t maskl(uint32_t a_be, unsigned plen)
{
	if (plen >= 32)         /* more is refused by kcheck */
		return a_be;
	return plen ? htonl(ntohl(a_be) & (uint32_t)(~0ull << (32 - plen))) : 0;
}

/* proto_ports_offset(): where the two 16-bit "ports" are, -1 none. */
static int ports_offset(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: case IPPROTO_UDP: case IPPROTO_DCCP:
	case IPPROTO_ESP: case IPPROTO_SCTP: case IPPROTO_UDPLITE:
		return 0;
	case IPPROTO_AH:
		return 4;
	}
	return -1;
}

/* hashlimit_init_dst(): -1 when the ports cannot be read (the kernel
 * then drops the packet). Like the kernel, the bytes after the IP header
 * are read even in a non-first fragment. */
static int make_key(const struct hashlimit_data *c, const struct qt_eval *ev,
		    struct hl_key *k)
{
	const struct qt_pkt *p = &ev->pkt;
	int poff;

	memset(k, 0, sizeof(*k));
	if (c->mode & HL_DIP)
		k->dst = maskl(p->daddr.v4.s_addr, c->dstmask);
	if (c->mode & HL_SIP)
		k->src = maskl(p->saddr.v4.s_addr, c->srcmask);
	if (!(c->mode & (HL_SPT | HL_DPT)))
		return 0;
	poff = ports_offset(p->proto);
	if (poff < 0)
		return 0;
	if (p->ihl == 0 || (uint64_t)p->ihl + (uint64_t)poff + 4 > ev->len)
		return -1;
	if (c->mode & HL_SPT)
		memcpy(&k->sport, ev->data + p->ihl + poff, 2);
	if (c->mode & HL_DPT)
		memcpy(&k->dport, ev->data + p->ihl + poff + 2, 2);
	return 0;
}

static struct hl_table *table_new(const struct hashlimit_data *d, unsigned hz)
{
	struct hl_table *t = calloc(1, sizeof(*t));
	uint32_t size = d->size, max = d->max;

	if (!t)
		return NULL;
	/* hashlimit_mt_check_common truncates, htable_create defaults */
	if (size > HL_SIZE_MAX)
		size = HL_SIZE_MAX;
	if (max > HL_SIZE_MAX)
		max = HL_SIZE_MAX;
	if (size == 0)
		size = default_size();
	if (max == 0)
		max = 8 * size;
	else if (max < size)
		max = size;
	t->cfg = *d;
	t->hz = hz;
	t->size = size;
	t->max = max;
	t->npool = max < HL_POOL_MAX ? max : HL_POOL_MAX;
	t->expire_j = msecs_to_jiffies(d->expire, hz);
	t->gc_j = msecs_to_jiffies(d->gc_interval, hz);
	if (t->gc_j == 0)
		t->gc_j = 1;
	t->t0 = qt_rl_ns_to_jiffies(mono_ns(), hz);
	t->last_now = t->t0;
	t->swept_tick = t->t0;
	qt_spin_init(&t->lock);
	t->heads = calloc(size, sizeof(*t->heads));
	t->pool = calloc(t->npool, sizeof(*t->pool));
	if (!t->heads || !t->pool) {
		free(t->heads);
		free(t->pool);
		free(t);
		return NULL;
	}
	t->refs = 1;
	return t;
}

static void table_free(struct hl_table *t)
{
	free(t->heads);
	free(t->pool);
	free(t);
}

static int hashlimit_state_new(const struct qt_ext_inst *in,
			       const struct qt_engine_env *env, void **state)
{
	const struct hashlimit_data *d = in->data;
	unsigned hz = env && env->hz ? env->hz : HL_HZ_DEFAULT;
	struct hl_table *t;
	int rc = 0;

	qt_spin_lock(&hl_reg_lock);
	for (t = hl_tables; t; t = t->next)
		if (!strcmp(t->cfg.name, d->name))
			break;
	if (t) {
		t->refs++;
	} else {
		struct qt_rl_hcfg c = {
			.avg = d->avg, .burst = d->burst, .mode = d->mode,
			.interval = d->interval, .hz = hz,
		};
		/* kcheck refused these already; a table cannot run them */
		if (qt_rl_hash_check(&c) || (t = table_new(d, hz)) == NULL) {
			rc = -1;
		} else {
			t->next = hl_tables;
			hl_tables = t;
		}
	}
	qt_spin_unlock(&hl_reg_lock);
	*state = rc ? NULL : t;
	return rc;
}

/* Handover: the table's clock and its live entries. Shared tables are
 * saved by each rule naming them; loading one twice gives the same. */
struct hl_saved {
	struct hashlimit_data cfg;
	uint32_t hz, size, max, count;
	uint64_t t0, last_now, swept_tick;
};

static void hashlimit_state_save(const void *state, struct qt_buf *b)
{
	struct hl_table *t = (struct hl_table *)state;
	struct hl_saved h;
	if (!t)
		return;
	qt_spin_lock(&t->lock);
	memset(&h, 0, sizeof(h));
	h.cfg = t->cfg;
	h.hz = t->hz;
	h.size = t->size;
	h.max = t->max;
	h.count = t->count;
	h.t0 = t->t0;
	h.last_now = t->last_now;
	h.swept_tick = t->swept_tick;
	qt_buf_put(b, (const char *)&h, sizeof(h));
	for (uint32_t k = 0; k < t->size; k++)
		for (uint32_t i = t->heads[k]; i; i = t->pool[i - 1].next)
			qt_buf_put(b, (const char *)&t->pool[i - 1],
				   sizeof(struct hl_ent));
	qt_spin_unlock(&t->lock);
}

static int hashlimit_state_load(void *state, const void *p, size_t len)
{
	struct hl_table *t = state;
	struct hl_saved h;
	if (!t || len < sizeof(h))
		return -1;
	memcpy(&h, p, sizeof(h));
	const struct hashlimit_data *a = &h.cfg, *c = &t->cfg;
	if (len != sizeof(h) + (size_t)h.count * sizeof(struct hl_ent) ||
	    h.count > t->npool || h.hz != t->hz || h.size != t->size ||
	    h.max != t->max || a->avg != c->avg || a->burst != c->burst ||
	    a->mode != c->mode || a->gc_interval != c->gc_interval ||
	    a->expire != c->expire || a->interval != c->interval ||
	    a->srcmask != c->srcmask || a->dstmask != c->dstmask ||
	    strncmp(a->name, c->name, sizeof(a->name)))
		return -1;
	const uint8_t *ents = (const uint8_t *)p + sizeof(h);
	qt_spin_lock(&t->lock);
	memset(t->heads, 0, (size_t)t->size * sizeof(*t->heads));
	t->count = t->used = t->free_head = t->sweep = 0;
	t->t0 = h.t0;
	t->last_now = h.last_now;
	t->swept_tick = h.swept_tick;
	for (uint32_t i = 0; i < h.count; i++) {
		struct hl_ent e;
		memcpy(&e, ents + (size_t)i * sizeof(e), sizeof(e));
		struct hl_ent *n = ent_new(t, key_bucket(t, &e.key), h.last_now,
					   &e.key);
		if (!n)
			break;
		n->expires = e.expires;
		n->rl = e.rl;
	}
	qt_spin_unlock(&t->lock);
	return 0;
}

static void hashlimit_state_free(void *state)
{
	struct hl_table *t = state, **pp;

	if (!t)
		return;
	qt_spin_lock(&hl_reg_lock);
	if (--t->refs == 0) {
		for (pp = &hl_tables; *pp; pp = &(*pp)->next)
			if (*pp == t) {
				*pp = t->next;
				break;
			}
	} else {
		t = NULL;
	}
	qt_spin_unlock(&hl_reg_lock);
	if (t)
		table_free(t);
}

static bool hashlimit_match_fn(const struct qt_ext_inst *in,
			       struct qt_eval *ev)
{
	const struct hashlimit_data *d = in->data;
	struct hl_table *t = qt_ext_state(in);
	struct qt_rl_hcfg c;
	struct hl_ent *e;
	struct hl_key k;
	uint64_t now;
	uint32_t b;
	bool fresh = false, res;

	if (!t)
		return false;
	if (make_key(&t->cfg, ev, &k) < 0) {
		ev->hotdrop = true;
		return false;
	}
	/* the table's rate and mode, the rule's own inversion */
	c = (struct qt_rl_hcfg){
		.avg = t->cfg.avg, .burst = t->cfg.burst,
		.mode = (t->cfg.mode & ~(uint32_t)HL_INVERT) |
			(d->mode & HL_INVERT),
		.interval = t->cfg.interval, .hz = t->hz,
	};
	b = key_bucket(t, &k);
	now = qt_rl_ns_to_jiffies(ev->now_ns, t->hz);

	qt_spin_lock(&t->lock);
	/* threads stamp bursts independently: never step back in time */
	if (now < t->last_now)
		now = t->last_now;
	t->last_now = now;
	for (uint32_t i = 0; i < HL_SWEEP_BUCKETS; i++) {
		sweep_bucket(t, t->sweep, now);
		t->sweep = t->sweep + 1 < t->size ? t->sweep + 1 : 0;
	}
	e = ent_find(t, b, now, &k);
	if (!e) {
		e = ent_new(t, b, now, &k);
		if (!e) {
			/* table full: the kernel drops the packet */
			qt_spin_unlock(&t->lock);
			ev->hotdrop = true;
			return false;
		}
		qt_rl_hash_init(&e->rl, &c, now);
		fresh = true;
	}
	e->expires = now + t->expire_j;
	res = qt_rl_hash_match(&e->rl, &c, now, ev->orig_len, fresh);
	qt_spin_unlock(&t->lock);
	return res;
}

/* Port modes read 4 bytes past the IP header (AH: 8). */
static uint32_t hashlimit_copy_need(const struct qt_ext_inst *in)
{
	const struct hashlimit_data *d = in->data;
	return (d->mode & (HL_SPT | HL_DPT)) ? 60 + 8 : 0;
}

static const struct qt_ext hashlimit_match = {
	.name = "hashlimit",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct hashlimit_data),
	.opts = hashlimit_opts,
	.init = hashlimit_init,
	.parse = hashlimit_parse,
	.check = hashlimit_check,
	.kcheck = hashlimit_kcheck,
	.save = hashlimit_save,
	.print = hashlimit_print,
	.match = hashlimit_match_fn,
	.state_new = hashlimit_state_new,
	.state_free = hashlimit_state_free,
	.state_save = hashlimit_state_save,
	.state_load = hashlimit_state_load,
	.copy_need = hashlimit_copy_need,
	.help =
		"  --hashlimit-upto <avg>           max average match rate\n"
		"                                   [Packets per second unless followed by \n"
		"                                   /sec /minute /hour /day postfixes]\n"
		"  --hashlimit-above <avg>          min average match rate\n"
		"  --hashlimit-mode <mode>          mode is a comma-separated list of\n"
		"                                   dstip,srcip,dstport,srcport (or none)\n"
		"  --hashlimit-srcmask <length>     source address grouping prefix length\n"
		"  --hashlimit-dstmask <length>     destination address grouping prefix length\n"
		"  --hashlimit-name <name>          name for /proc/net/ipt_hashlimit\n"
		"  --hashlimit-burst <num>\t    number to match in a burst, default 5\n"
		"  --hashlimit-htable-size <num>    number of hashtable buckets\n"
		"  --hashlimit-htable-max <num>     number of hashtable entries\n"
		"  --hashlimit-htable-gcinterval    interval between garbage collection runs\n"
		"  --hashlimit-htable-expire        after which time are idle entries expired?\n"
		"  --hashlimit-rate-match           rate match the flow without rate-limiting it\n"
		"  --hashlimit-rate-interval        interval in seconds for hashlimit-rate-match\n"
		"\n",
};
QT_EXT_REGISTER(hashlimit_match)
