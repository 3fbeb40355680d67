/* -m mark: (nfmark & mask) == value. iptables-nft 1.8.9 builds a native
 * meta mark expression; value and mask are kept as given (0x7/0x3 stays
 * so), and a mask of all ones is not printed. */
#include <errno.h>
#include <stdlib.h>

#include "eval.h"
#include "ext.h"

struct mark_data {
	uint32_t mark;
	uint32_t mask;         /* 0xffffffff when not given */
	uint8_t invert;
	uint8_t pad[3];
};

enum { O_MARK };

static const struct qt_ext_opt mark_opts[] = {
	{ .name = "mark", .id = O_MARK, .arg = QT_ARG_REQ, .flags = QT_OPT_INVERT },
	{ .name = NULL },
};

/* One 32-bit number, any C base, leading blanks and sign as strtoul
 * takes them; *end is what follows it. */
static bool read_u32(const char *s, uint32_t *v, char **end)
{
	errno = 0;
	unsigned long long x = strtoull(s, end, 0);
	if (*end == s || errno == ERANGE || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static int mark_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct mark_data *d = in->data;
	char *end;
	uint32_t v, m = UINT32_MAX;
	if (!read_u32(a->arg, &v, &end))
		goto bad;
	if (*end == '/') {
		if (!read_u32(end + 1, &m, &end))
			goto bad;
	}
	if (*end != '\0')
		return qt_param_error(ctx,
			"mark: trailing garbage after value for option \"--mark\".\n");
	d->mark = v;
	d->mask = m;
	d->invert = a->invert;
	return 0;
bad:
	return qt_param_error(ctx,
		"mark: bad integer value for option \"--mark\", or out of range.\n");
}

static int mark_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		      struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (1u << O_MARK)))
		return qt_param_error(ctx,
			"mark: option \"--mark\" must be specified\n");
	return 0;
}

static void put_mark(struct qt_buf *b, const struct mark_data *d)
{
	qt_buf_printf(b, "0x%x", d->mark);
	if (d->mask != UINT32_MAX)
		qt_buf_printf(b, "/0x%x", d->mask);
}

static void mark_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct mark_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --mark " : " --mark ");
	put_mark(b, d);
}

static void mark_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct mark_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->invert ? " mark match ! " : " mark match ");
	put_mark(b, d);
}


/* ---- engine: the native "meta mark & mask == value" (or !=). */
static bool mark_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct mark_data *d = in->data;
	return ((ev->mark & d->mask) == d->mark) != !!d->invert;
}

static const struct qt_ext mark_match = {
	.name = "mark",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct mark_data),
	.opts = mark_opts,
	.init = NULL,
	.parse = mark_parse,
	.check = mark_check,
	.save = mark_save,
	.print = mark_print,
	.match = mark_match_pkt,
	.help =
		"[!] --mark value[/mask]    Match nfmark value with optional mask\n",
};
QT_EXT_REGISTER(mark_match)
