/* -m length: the packet's length in an inclusive range. The argument is
 * read as xtables reads 16-bit range options: numbers in any C base, an
 * empty side taking 0 or 65535, min > max accepted. */
#include "eval.h"
#include "ext.h"

struct length_data {
	uint16_t min, max;
	uint8_t invert;
	uint8_t pad[3];
};

enum { O_LENGTH };

/* "a", "a:b", ":b", "a:": xtables' 16-bit range type */
static const struct qt_ext_opt length_opts[] = {
	{ .name = "length", .id = O_LENGTH, .type = QT_OT_URANGE,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND,
	  QT_PUT_RANGE(struct length_data, min),
	  QT_INV(struct length_data, invert, 1) },
	{ .name = NULL },
};

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
	.save = length_save,
	.print = length_print,
	.match = length_match_pkt,
	.help =
		"[!] --length length[:length]    Match packet length against value or range\n"
		"                                of values (inclusive)\n",
};
QT_EXT_REGISTER(length_match)
