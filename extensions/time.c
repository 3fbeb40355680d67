/* -m time: date range, time of day, days of the month and of the week
 * (xt_time). Values are the kernel's: dates in seconds since the epoch
 * (UTC), times of day in seconds, day sets as bitmaps with bit N for day
 * N (bit 0 unused unless typed), flags XT_TIME_*. iptables 1.8.9 saves
 * the default --datestop (2038-01-19T03:14:07) and has other quirks kept
 * here, such as "11st" in -L. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "eval.h"
#include "xtypes.h"

#define T_LOCAL_TZ   0x01          /* XT_TIME_LOCAL_TZ */
#define T_CONTIGUOUS 0x02          /* XT_TIME_CONTIGUOUS */
#define T_MAX_DAYTIME (24 * 60 * 60 - 1)
#define T_ALL_MONTHDAYS 0xFFFFFFFEu
#define T_ALL_WEEKDAYS 0xFEu
#define T_DEFAULT_DATESTOP 0x7FFFFFFFu

struct time_data {
	uint32_t date_start;
	uint32_t date_stop;
	uint32_t daytime_start;
	uint32_t daytime_stop;
	uint32_t monthdays_match;
	uint8_t weekdays_match;
	uint8_t flags;
	uint8_t pad[2];
};

enum {
	O_DATESTART, O_DATESTOP, O_TIMESTART, O_TIMESTOP, O_WEEKDAYS,
	O_MONTHDAYS, O_LOCALTZ, O_UTC, O_KERNELTZ, O_CONTIGUOUS,
};
#define D struct time_data
static const struct qt_ext_opt time_opts[] = {
	{ .name = "datestart", .id = O_DATESTART, .type = QT_OT_RAW },
	{ .name = "datestop", .id = O_DATESTOP, .type = QT_OT_RAW },
	{ .name = "timestart", .id = O_TIMESTART, .type = QT_OT_RAW },
	{ .name = "timestop", .id = O_TIMESTOP, .type = QT_OT_RAW },
	{ .name = "weekdays", .id = O_WEEKDAYS, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT },
	{ .name = "monthdays", .id = O_MONTHDAYS, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT },
	/* --kerneltz, with a warning (parse) */
	{ .name = "localtz", .id = O_LOCALTZ, .type = QT_OT_BITS,
	  .value = T_LOCAL_TZ, QT_PUT(D, flags), .excl = QT_BIT(O_UTC) },
	/* UTC is the default, and the others exclude it */
	{ .name = "utc", .id = O_UTC, .excl = QT_BIT(O_KERNELTZ) },
	{ .name = "kerneltz", .id = O_KERNELTZ, .type = QT_OT_BITS,
	  .value = T_LOCAL_TZ, QT_PUT(D, flags) },
	{ .name = "contiguous", .id = O_CONTIGUOUS, .type = QT_OT_BITS,
	  .value = T_CONTIGUOUS, QT_PUT(D, flags) },
	{ .name = NULL },
};
#undef D

static const char *const week_days[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};

static void time_init(struct qt_ext_inst *in)
{
	struct time_data *d = in->data;
	d->date_stop = T_DEFAULT_DATESTOP;
	d->daytime_stop = T_MAX_DAYTIME;
	d->monthdays_match = T_ALL_MONTHDAYS;
	d->weekdays_match = T_ALL_WEEKDAYS;
}

static int bad_date(const char *s, struct qt_ctx *ctx)
{
	return qt_param_error(ctx,
		"Invalid date \"%s\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]",
		s);
}

/* "YYYY[-MM[-DD[Thh[:mm[:ss]]]]]" in UTC. Fields are only bounded
 * above (month 0 is December of the year before), as in iptables. */
static int parse_date(const char *s, uint32_t *out, struct qt_ctx *ctx)
{
	unsigned long year, month = 1, day = 1, hour = 0, minute = 0, second = 0;
	char *e;
	year = strtoul(s, &e, 10);
	if ((*e != '-' && *e != '\0') || year < 1970 || year > 2038)
		return bad_date(s, ctx);
	if (*e == '-') {
		month = strtoul(e + 1, &e, 10);
		if ((*e != '-' && *e != '\0') || month > 12)
			return bad_date(s, ctx);
		if (*e == '-') {
			day = strtoul(e + 1, &e, 10);
			if ((*e != 'T' && *e != '\0') || day > 31)
				return bad_date(s, ctx);
			if (*e == 'T') {
				hour = strtoul(e + 1, &e, 10);
				if ((*e != ':' && *e != '\0') || hour > 23)
					return bad_date(s, ctx);
				if (*e == ':') {
					minute = strtoul(e + 1, &e, 10);
					if ((*e != ':' && *e != '\0') || minute > 59)
						return bad_date(s, ctx);
					if (*e == ':') {
						second = strtoul(e + 1, &e, 10);
						if (*e != '\0' || second > 59)
							return bad_date(s, ctx);
					}
				}
			}
		}
	}
	struct tm tm = {
		.tm_year = (int)year - 1900, .tm_mon = (int)month - 1,
		.tm_mday = (int)day, .tm_hour = (int)hour,
		.tm_min = (int)minute, .tm_sec = (int)second,
	};
	time_t t = timegm(&tm);
	if (t < 0) {
		/* iptables' perror() shows a stale errno */
		qt_buf_puts(ctx->err, "mktime: No such file or directory\n");
		return qt_error(ctx, QT_OTHER_PROBLEM, "mktime returned an error");
	}
	*out = (uint32_t)t;
	return 0;
}

/* "hh:mm[:ss]"; the message quotes the field that went wrong onwards. */
static int parse_daytime(const char *s, uint32_t *out, struct qt_ctx *ctx)
{
	unsigned long hour, minute, second = 0;
	char *e;
	hour = strtoul(s, &e, 10);
	if (*e != ':' || hour > 23)
		goto bad;
	s = e + 1;
	minute = strtoul(s, &e, 10);
	if ((*e != ':' && *e != '\0') || minute > 59)
		goto bad;
	if (*e == ':') {
		s = e + 1;
		second = strtoul(s, &e, 10);
		if (*e != '\0' || second > 59)
			goto bad;
	}
	*out = (uint32_t)(hour * 3600 + minute * 60 + second);
	return 0;
bad:
	return qt_param_error(ctx,
		"invalid time \"%s\" specified, should be hh:mm[:ss] format and within the boundaries",
		s);
}

/* The next comma-separated item, cut to size-1 characters (iptables
 * reads items into a small buffer); false at the end of the list. */
static bool next_item(char *item, size_t size, const char **arg)
{
	const char *s = *arg;
	if (s == NULL || *s == '\0')
		return false;
	size_t n = strcspn(s, ",");
	size_t k = n < size - 1 ? n : size - 1;
	memcpy(item, s, k);
	item[k] = '\0';
	*arg = s[n] == ',' ? s + n + 1 : s + n;
	return true;
}

static int parse_monthdays(const char *arg, uint32_t *out, struct qt_ctx *ctx)
{
	char item[3];
	uint32_t days = 0;
	while (next_item(item, sizeof(item), &arg)) {
		char *e;
		unsigned long v = strtoul(item, &e, 0);
		if ((*e != ',' && *e != '\0') || v > 31)
			return qt_param_error(ctx,
				"%s is not a valid day for --monthdays", item);
		days |= 1u << v;
	}
	*out = days;
	return 0;
}

static int parse_weekdays(const char *arg, uint8_t *out, struct qt_ctx *ctx)
{
	char item[4];
	uint8_t days = 0;
	while (next_item(item, sizeof(item), &arg)) {
		char *e;
		unsigned long v = strtoul(item, &e, 0);
		if (*e == '\0') {
			if (v == 0)
				return qt_param_error(ctx,
					"No, the week does NOT begin with Sunday.");
			/* iptables shifts an int: only 1..7 land in the byte,
			 * and the count wraps at 32 */
			days |= (uint8_t)(1u << ((unsigned)v & 31));
			continue;
		}
		bool valid = false;
		for (unsigned i = 0; i < 7; i++)
			if (strncmp(item, week_days[i], 2) == 0) {
				days |= (uint8_t)(1u << (i + 1));
				valid = true;
			}
		if (!valid)
			return qt_param_error(ctx,
				"%s is not a valid day specifier", item);
	}
	*out = days;
	return 0;
}

static int time_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct time_data *d = in->data;
	switch (a->opt->id) {
	case O_DATESTART:
		return parse_date(a->arg, &d->date_start, ctx);
	case O_DATESTOP:
		return parse_date(a->arg, &d->date_stop, ctx);
	case O_TIMESTART:
		return parse_daytime(a->arg, &d->daytime_start, ctx);
	case O_TIMESTOP:
		return parse_daytime(a->arg, &d->daytime_stop, ctx);
	case O_WEEKDAYS:
		if (parse_weekdays(a->arg, &d->weekdays_match, ctx))
			return -1;
		if (a->invert)
			d->weekdays_match ^= T_ALL_WEEKDAYS;
		return 0;
	case O_MONTHDAYS:
		if (parse_monthdays(a->arg, &d->monthdays_match, ctx))
			return -1;
		if (a->invert)
			d->monthdays_match ^= T_ALL_MONTHDAYS;
		return 0;
	case O_LOCALTZ:
		qt_buf_puts(ctx->err,
			"WARNING: --localtz is being replaced by --kerneltz, since \"local\" is ambiguous. Note the kernel timezone has caveats - see manpage for details.\n");
		return 0;
	}
	return 0;
}

static int time_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		      struct qt_ctx *ctx)
{
	const struct time_data *d = in->data;
	(void)env;
	if ((d->flags & T_CONTIGUOUS) && d->daytime_start < d->daytime_stop)
		return qt_param_error(ctx,
			"time: --contiguous only makes sense when stoptime is smaller than starttime");
	return 0;
}

static void put_daytime(struct qt_buf *b, uint32_t t)
{
	qt_buf_printf(b, "%02u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
}

static void put_date(struct qt_buf *b, uint32_t date, char sep)
{
	time_t t = date;
	struct tm tm;
	gmtime_r(&t, &tm);
	qt_buf_printf(b, "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900,
		      tm.tm_mon + 1, tm.tm_mday, sep, tm.tm_hour, tm.tm_min,
		      tm.tm_sec);
}

static void put_weekdays(struct qt_buf *b, uint8_t days)
{
	bool first = true;
	for (unsigned i = 1; i <= 7; i++)
		if (days & (1u << i)) {
			if (!first)
				qt_buf_putc(b, ',');
			qt_buf_puts(b, week_days[i - 1]);
			first = false;
		}
}

/* save: "1,15"; -L: "1st,15th" with iptables' suffixes (11st...). */
static void put_monthdays(struct qt_buf *b, uint32_t days, bool human)
{
	static const char *const suffix[] = { "th", "st", "nd", "rd" };
	bool first = true;
	for (unsigned i = 1; i <= 31; i++)
		if (days & (1u << i)) {
			if (!first)
				qt_buf_putc(b, ',');
			qt_buf_printf(b, "%u", i);
			if (human)
				qt_buf_puts(b, suffix[i % 10 <= 3 ? i % 10 : 0]);
			first = false;
		}
}

static void time_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct time_data *d = in->data;
	if (d->daytime_start != 0 || d->daytime_stop != T_MAX_DAYTIME) {
		qt_buf_puts(b, " --timestart ");
		put_daytime(b, d->daytime_start);
		qt_buf_puts(b, " --timestop ");
		put_daytime(b, d->daytime_stop);
	}
	if (d->monthdays_match != T_ALL_MONTHDAYS) {
		qt_buf_puts(b, " --monthdays ");
		put_monthdays(b, d->monthdays_match, false);
	}
	if (d->weekdays_match != T_ALL_WEEKDAYS) {
		qt_buf_puts(b, " --weekdays ");
		put_weekdays(b, d->weekdays_match);
	}
	if (d->date_start != 0) {
		qt_buf_puts(b, " --datestart ");
		put_date(b, d->date_start, 'T');
	}
	if (d->date_stop != 0) {
		qt_buf_puts(b, " --datestop ");
		put_date(b, d->date_stop, 'T');
	}
	if (d->flags & T_LOCAL_TZ)
		qt_buf_puts(b, " --kerneltz");
	if (d->flags & T_CONTIGUOUS)
		qt_buf_puts(b, " --contiguous");
}

static void time_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct time_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " TIME");
	if (d->daytime_start != 0 || d->daytime_stop != T_MAX_DAYTIME) {
		qt_buf_puts(b, " from ");
		put_daytime(b, d->daytime_start);
		qt_buf_puts(b, " to ");
		put_daytime(b, d->daytime_stop);
	}
	if (d->weekdays_match != T_ALL_WEEKDAYS) {
		qt_buf_puts(b, " on ");
		put_weekdays(b, d->weekdays_match);
	}
	if (d->monthdays_match != T_ALL_MONTHDAYS) {
		qt_buf_puts(b, " on ");
		put_monthdays(b, d->monthdays_match, true);
	}
	if (d->date_start != 0) {
		qt_buf_puts(b, " starting from ");
		put_date(b, d->date_start, ' ');
	}
	if (d->date_stop != T_DEFAULT_DATESTOP) {
		qt_buf_puts(b, " until date");
		if (d->date_stop != 0) {
			qt_buf_putc(b, ' ');
			put_date(b, d->date_stop, ' ');
		}
	}
	if (!(d->flags & T_LOCAL_TZ))
		qt_buf_puts(b, " UTC");
	if (d->flags & T_CONTIGUOUS)
		qt_buf_puts(b, " contiguous");
}


/* ---- engine: xt_time (time_mt), step by step ----
 * The kernel's seconds since the epoch (ev->wall), moved by sys_tz with
 * --kerneltz; outside date_start..date_stop no match; the time of day
 * in range, or for timestop < timestart (and equal) outside the gap
 * timestop..timestart; with --contiguous the early part of such a
 * window counts as the day before for the day checks; then the weekday
 * (1 = Monday) and the day of the month. */
#define T_SECONDS_PER_DAY 86400

struct time_state {
	int64_t tz_shift;       /* seconds subtracted: 60 * tz_minuteswest */
};

/* The kernel's sys_tz, as settimeofday() set it: the raw system call,
 * since glibc's gettimeofday() no longer reports a time zone. */
static int time_state_new(const struct qt_ext_inst *in,
			  const struct qt_engine_env *env, void **state)
{
	const struct time_data *d = in->data;
	struct time_state *st = calloc(1, sizeof(*st));
	struct timezone tz = { 0, 0 };
	(void)env;
	if (!st)
		return -1;
	if (d->flags & T_LOCAL_TZ) {
#ifdef SYS_gettimeofday
		if (syscall(SYS_gettimeofday, NULL, &tz) != 0)
			tz.tz_minuteswest = 0;
#else
		gettimeofday(NULL, &tz);
#endif
		st->tz_shift = 60 * (int64_t)tz.tz_minuteswest;
	}
	*state = st;
	return 0;
}

static void time_state_free(void *state)
{
	free(state);
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* localtime_3: the kernel finds the year by walking down from 2039
 * (a later date counts as 2039) and the month by days since New Year. */
static unsigned month_day(uint64_t dse)
{
	static const uint16_t since_ny[12] = {
		0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334,
	};
	unsigned year = 2039;
	uint64_t first = 0;     /* days from the epoch to 1 Jan of year */
	for (unsigned y = 1970; y < year; y++)
		first += leap(y) ? 366 : 365;
	while (year > 1970 && first > dse) {
		year--;
		first -= leap(year) ? 366 : 365;
	}
	uint64_t w = dse - first;
	unsigned i = 11;
	/* February 29 shifts the later months by one */
	while (i > 0 && since_ny[i] + (uint64_t)(leap(year) && i >= 2) > w)
		i--;
	return (unsigned)(w - since_ny[i] - (uint64_t)(leap(year) && i >= 2) + 1);
}

static bool time_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct time_data *d = in->data;
	const struct time_state *st = qt_ext_state(in);
	int64_t stamp = (int64_t)ev->wall.tv_sec;
	if (st)
		stamp -= st->tz_shift;
	if (stamp < (int64_t)d->date_start || stamp > (int64_t)d->date_stop)
		return false;
	uint32_t daytime = (uint32_t)((uint64_t)stamp % T_SECONDS_PER_DAY);
	if (d->daytime_start < d->daytime_stop) {
		if (daytime < d->daytime_start || daytime > d->daytime_stop)
			return false;
	} else {
		if (daytime < d->daytime_start && daytime > d->daytime_stop)
			return false;
		if ((d->flags & T_CONTIGUOUS) && daytime <= d->daytime_stop)
			stamp -= T_SECONDS_PER_DAY;
	}
	uint64_t dse = (uint64_t)stamp / T_SECONDS_PER_DAY;
	unsigned weekday = (unsigned)((4 + dse - 1) % 7 + 1);
	if (!(d->weekdays_match & (1u << weekday)))
		return false;
	if (d->monthdays_match != T_ALL_MONTHDAYS) {
		/* x86 shifts by the count mod 32, as the kernel's 1 << day */
		unsigned mday = month_day(dse);
		if (!(d->monthdays_match & (1u << (mday & 31))))
			return false;
	}
	return true;
}

static const struct qt_ext time_match = {
	.name = "time",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct time_data),
	.opts = time_opts,
	.init = time_init,
	.parse = time_parse,
	.check = time_check,
	.save = time_save,
	.print = time_print,
	.match = time_match_pkt,
	.state_new = time_state_new,
	.state_free = time_state_free,
	.help =
		"    --datestart time     Start and stop time, to be given in ISO 8601\n"
		"    --datestop time      (YYYY[-MM[-DD[Thh[:mm[:ss]]]]])\n"
		"    --timestart time     Start and stop daytime (hh:mm[:ss])\n"
		"    --timestop time      (between 00:00:00 and 23:59:59)\n"
		"[!] --monthdays value    List of days on which to match, separated by comma\n"
		"                         (Possible days: 1 to 31; defaults to all)\n"
		"[!] --weekdays value     List of weekdays on which to match, sep. by comma\n"
		"                         (Possible days: Mon,Tue,Wed,Thu,Fri,Sat,Sun or 1 to 7\n"
		"                         Defaults to all weekdays.)\n"
		"    --kerneltz           Work with the kernel timezone instead of UTC\n",
};
QT_EXT_REGISTER(time_match)
