/* -j LOG: a kernel-log line per packet. Facts from iptables-nft 1.8.9
 * (libxt_LOG): levels by syslog name or number 0-7 (default 4, not
 * saved), the prefix cut to 29 bytes, newlines refused; -L prints the
 * level by name, -L -n prints "flags N level N". Valid in every table. */
#include <string.h>

#include "../parser/ext.h"
#include "../parser/model.h"

/* The kernel's NF_LOG_* bits: the engine reads them as they are. */
#define LOG_TCPSEQ    0x01
#define LOG_TCPOPT    0x02
#define LOG_IPOPT     0x04
#define LOG_UID       0x08
#define LOG_MACDECODE 0x20

#define PREFIX_MAX 29

struct log_data {
	uint8_t level;
	uint8_t flags;                 /* LOG_* */
	char prefix[PREFIX_MAX + 1];   /* zero-padded */
};

enum { O_LEVEL, O_PREFIX, O_TCPSEQ, O_TCPOPT, O_IPOPT, O_UID, O_MACDECODE };

static const struct qt_ext_opt log_opts[] = {
	{ "log-level", O_LEVEL, QT_ARG_REQ, 0 },
	{ "log-prefix", O_PREFIX, QT_ARG_REQ, 0 },
	{ "log-tcp-sequence", O_TCPSEQ, QT_ARG_NONE, 0 },
	{ "log-tcp-options", O_TCPOPT, QT_ARG_NONE, 0 },
	{ "log-ip-options", O_IPOPT, QT_ARG_NONE, 0 },
	{ "log-uid", O_UID, QT_ARG_NONE, 0 },
	{ "log-macdecode", O_MACDECODE, QT_ARG_NONE, 0 },
	{ NULL, 0, QT_ARG_NONE, 0 },
};

/* Names read (xtables' syslog levels) and names -L prints: not the same
 * words ("warning" is read, "warn" printed). */

/* A number as xtables_strtoul reads it: any C base, blanks and '+'
 * taken, '-' refused (strtoul alone would take "-0"), nothing after. */
static bool read_uint(const char *s, uint64_t max, uint64_t *out)
{
	return s[strspn(s, " \t\n\v\f\r")] != '-' &&
	       qt_parse_uint_any(s, 0, max, out);
}

static const struct {
	const char *name;
	uint8_t level;
} level_in[] = {
	{ "emerg", 0 }, { "panic", 0 }, { "alert", 1 }, { "crit", 2 },
	{ "error", 3 }, { "warning", 4 }, { "notice", 5 }, { "info", 6 },
	{ "debug", 7 },
};
static const char *const level_out[8] = {
	"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
};

/* Flag bits in the order save and -L print them. */
static const struct {
	uint8_t bit;
	const char *name;     /* -L word; save adds "--log-" */
} flag_names[] = {
	{ LOG_TCPSEQ, "tcp-sequence" }, { LOG_TCPOPT, "tcp-options" },
	{ LOG_IPOPT, "ip-options" }, { LOG_UID, "uid" },
	{ LOG_MACDECODE, "macdecode" },
};
#define N_FLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static void log_init(struct qt_ext_inst *in)
{
	struct log_data *d = in->data;
	d->level = 4;
}

static int log_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct log_data *d = in->data;
	uint64_t v;

	switch (a->opt->id) {
	case O_LEVEL:
		if (read_uint(a->arg, 7, &v)) {
			d->level = (uint8_t)v;
			return 0;
		}
		for (size_t i = 0; i < sizeof(level_in) / sizeof(level_in[0]); i++)
			if (!strcmp(level_in[i].name, a->arg)) {
				d->level = level_in[i].level;
				return 0;
			}
		return qt_param_error(ctx, "log level \"%s\" unknown\n", a->arg);
	case O_PREFIX: {
		if (!*a->arg)
			return qt_param_error(ctx,
				"Argument must have a minimum length of 1 characters\n");
		/* the whole argument is checked, though only 29 bytes stay */
		if (strchr(a->arg, '\n'))
			return qt_param_error(ctx,
				"Newlines not allowed in --log-prefix");
		memset(d->prefix, 0, sizeof(d->prefix));
		size_t n = strlen(a->arg);
		memcpy(d->prefix, a->arg, n < PREFIX_MAX ? n : PREFIX_MAX);
		return 0;
	}
	case O_TCPSEQ: d->flags |= LOG_TCPSEQ; return 0;
	case O_TCPOPT: d->flags |= LOG_TCPOPT; return 0;
	case O_IPOPT: d->flags |= LOG_IPOPT; return 0;
	case O_UID: d->flags |= LOG_UID; return 0;
	case O_MACDECODE: d->flags |= LOG_MACDECODE; return 0;
	}
	return 0;
}

static void log_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct log_data *d = in->data;
	if (d->prefix[0]) {
		qt_buf_puts(b, " --log-prefix");
		qt_save_string(b, d->prefix);
	}
	if (d->level != 4)
		qt_buf_printf(b, " --log-level %u", d->level);
	for (size_t i = 0; i < N_FLAGS; i++)
		if (d->flags & flag_names[i].bit)
			qt_buf_printf(b, " --log-%s", flag_names[i].name);
}

static void log_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct log_data *d = in->data;
	qt_buf_puts(b, " LOG");
	if (numeric) {
		qt_buf_printf(b, " flags %u level %u", d->flags, d->level);
	} else {
		qt_buf_printf(b, " level %s", level_out[d->level & 7]);
		for (size_t i = 0; i < N_FLAGS; i++)
			if (d->flags & flag_names[i].bit)
				qt_buf_printf(b, " %s", flag_names[i].name);
	}
	if (d->prefix[0])
		qt_buf_printf(b, " prefix \"%s\"", d->prefix);
}

static const struct qt_ext log_target = {
	.name = "LOG",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct log_data),
	.opts = log_opts,
	.init = log_init,
	.parse = log_parse,
	.save = log_save,
	.print = log_print,
	.help =
		" --log-level level\t\tLevel of logging (numeric or see syslog.conf)\n"
		" --log-prefix prefix\t\tPrefix log messages with this prefix.\n"
		" --log-tcp-sequence\t\tLog TCP sequence numbers.\n"
		" --log-tcp-options\t\tLog TCP options.\n"
		" --log-ip-options\t\tLog IP options.\n"
		" --log-uid\t\t\tLog UID owning the local socket.\n"
		" --log-macdecode\t\tDecode MAC addresses and protocol.\n",
};
QT_EXT_REGISTER(log_target)
