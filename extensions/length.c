/* -m length: the packet's length in an inclusive range. The argument is
 * read as xtables reads 16-bit range options: numbers in any C base, an
 * empty side taking 0 or 65535, min > max accepted. */
#include <errno.h>
#include <stdlib.h>

#include "eval.h"
#include "ext.h"

struct length_data {
	uint16_t min, max;
	uint8_t invert;
	uint8_t pad[3];
};

enum { O_LENGTH };

static const struct qt_ext_opt length_opts[] = {
	{ .name = "length", .id = O_LENGTH, .arg = QT_ARG_REQ, .flags = QT_OPT_INVERT },
	{ .name = NULL },
};

/* "a", "a:b", ":b", "a:", ":" or "" into v[0..1]; *n = parts read. */
static int parse_range16(const char *arg, uint16_t v[2], unsigned *n,
			 struct qt_ctx *ctx)
{
	const char *p = arg;
	*n = 0;
	for (;;) {
		unsigned long long x;
		char *end;
		if (*n == 2)
			return qt_param_error(ctx,
				"length: Too many components for option \"--length\" (max: 2)\n");
		if (*p == '\0' || *p == ':') {
			end = (char *)p;
			x = *n == 1 ? 0xFFFF : 0;
		} else {
			errno = 0;
			x = strtoull(p, &end, 0);
			if (end == p || errno == ERANGE || x > 0xFFFF)
				return qt_param_error(ctx,
					"length: bad value for option \"--length\" near \"%s\", or out of range (0-65535).\n",
					p);
			if (*end != '\0' && *end != ':')
				return qt_param_error(ctx,
					"length: Argument to \"--length\" has unexpected characters near \"%s\".\n",
					end);
		}
		v[(*n)++] = (uint16_t)x;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

static int length_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct length_data *d = in->data;
	uint16_t v[2];
	unsigned n;
	if (parse_range16(a->arg, v, &n, ctx))
		return -1;
	d->min = v[0];
	d->max = n >= 2 ? v[1] : v[0];
	d->invert = a->invert;
	return 0;
}

static int length_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (1u << O_LENGTH)))
		return qt_param_error(ctx,
			"length: option \"--length\" must be specified\n");
	return 0;
}

static void put_range(struct qt_buf *b, const struct length_data *d)
{
	if (d->min == d->max)
		qt_buf_printf(b, "%u", d->min);
	else
		qt_buf_printf(b, "%u:%u", d->min, d->max);
}

static void length_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct length_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --length " : " --length ");
	put_range(b, d);
}

static void length_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct length_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->invert ? " length !" : " length ");
	put_range(b, d);
}


/* ---- engine: xt_length (length_mt): the IP total length field, not
 * the bytes the queue copied. */
static bool length_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct length_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (!p->l4)
		return false;    /* not a parsed IPv4 packet */
	return (p->ip_len >= d->min && p->ip_len <= d->max) != !!d->invert;
}

static const struct qt_ext length_match = {
	.name = "length",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct length_data),
	.opts = length_opts,
	.parse = length_parse,
	.check = length_check,
	.save = length_save,
	.print = length_print,
	.match = length_match_pkt,
	.help =
		"[!] --length length[:length]    Match packet length against value or range\n"
		"                                of values (inclusive)\n",
};
QT_EXT_REGISTER(length_match)
