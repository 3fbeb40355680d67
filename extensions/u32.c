/* -m u32: tests on 32-bit words read from the packet (xt_u32, in both
 * families). Facts from iptables-nft 1.8.9 and the kernel's xt_u32.h:
 *
 *   tests    := location "=" value | tests "&&" location "=" value
 *   value    := range | value "," range
 *   range    := number | number ":" number
 *   location := number | location operator number
 *   operator := "&" | "<<" | ">>" | "@"
 *
 * At most 10 tests, 10 numbers in a location and 10 ranges in a value
 * (XT_U32_MAXSIZE). Numbers are unsigned 32-bit in any C base, blanks
 * may stand before any token, a range's low end may be above its high
 * end (it then holds nothing). The save and -L forms print every
 * number in hex with no blanks: "0x0>>0x1c=0x4&&0x8&0xff=0x6,0x11".
 * Errors name the offset in the argument where the parser stood. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "ext.h"

#define U32_MAXSIZE 10         /* XT_U32_MAXSIZE */

/* The operator before a location's number (the first has none). */
enum { U32_AND, U32_SHL, U32_SHR, U32_AT };

struct u32_test {
	uint32_t num[U32_MAXSIZE];
	uint8_t op[U32_MAXSIZE];   /* op[i] applies num[i], i >= 1 */
	uint32_t min[U32_MAXSIZE], max[U32_MAXSIZE];
	uint8_t nnums, nvalues;
};

struct u32_data {
	struct u32_test t[U32_MAXSIZE];
	uint8_t ntests;
	uint8_t invert;
};

enum { O_U32 };

static const struct qt_ext_opt u32_opts[] = {
	{ .name = "u32", .id = O_U32, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND,
	  QT_INV(struct u32_data, invert, 1) },
	{ .name = NULL },
};

/* The parser's place in the argument, as its messages count it. */
struct u32_scan {
	const char *start, *p;
	struct qt_ctx *ctx;
};

static unsigned at_char(const struct u32_scan *s)
{
	return (unsigned)(s->p - s->start);
}

static void skip_blanks(struct u32_scan *s)
{
	while (isspace((unsigned char)*s->p))
		s->p++;
}

/* A number where the scan stands (blanks before it taken, as strtoul
 * takes them; the message names the place before them). */
static int number(struct u32_scan *s, uint32_t *out)
{
	const char *end;
	uint64_t v;
	if (!qt_strtoul(s->p, &end, 0, UINT32_MAX, &v))
		return qt_param_error(s->ctx,
			"u32: at char %u: not a number or out of range",
			at_char(s));
	s->p = end;
	*out = (uint32_t)v;
	return 0;
}

static int fail_at(struct u32_scan *s, const char *what)
{
	return qt_param_error(s->ctx, "u32: at char %u: %s", at_char(s), what);
}

/* One operator after a location's first number: its code, the scan
 * after it; -1 when the text holds none. */
static int operator(struct u32_scan *s, uint8_t *op)
{
	switch (*s->p) {
	case '&':
		*op = U32_AND;
		break;
	case '@':
		*op = U32_AT;
		break;
	case '<':
	case '>': {
		char c = *s->p++;
		if (*s->p != c)
			return fail_at(s, c == '<' ? "a second '<' was expected"
					 : "a second '>' was expected");
		*op = c == '<' ? U32_SHL : U32_SHR;
		break;
	}
	default:
		return fail_at(s, "operator expected");
	}
	s->p++;
	return 0;
}

/* A location up to its '=' (the scan after the '='). */
static int location(struct u32_scan *s, struct u32_test *t)
{
	for (;;) {
		skip_blanks(s);
		if (*s->p == '\0')
			return qt_param_error(s->ctx,
				"u32: abrupt end of input after location specifier");
		if (*s->p == '=') {
			if (t->nnums == 0)
				return fail_at(s, "location spec missing");
			s->p++;
			return 0;
		}
		if (t->nnums > 0 && operator(s, &t->op[t->nnums]) < 0)
			return -1;
		if (t->nnums == U32_MAXSIZE) {
			uint32_t ignored;
			if (number(s, &ignored) < 0)
				return -1;
			return fail_at(s, "too many operators");
		}
		if (number(s, &t->num[t->nnums]) < 0)
			return -1;
		t->nnums++;
	}
}

/* A value list up to "&&" (1, the scan after the first '&') or the
 * end (0). */
static int values(struct u32_scan *s, struct u32_test *t)
{
	for (;;) {
		skip_blanks(s);
		if (*s->p == '\0') {
			if (t->nvalues == 0)
				return qt_param_error(s->ctx,
					"u32: test ended with no value specified");
			return 0;
		}
		if (*s->p == '&') {
			s->p++;
			if (*s->p != '&')
				return fail_at(s, "a second '&' was expected");
			if (t->nvalues == 0)
				return fail_at(s, "value spec missing");
			return 1;
		}
		if (t->nvalues > 0) {
			if (*s->p != ',')
				return fail_at(s, "expected \",\" or \"&&\"");
			s->p++;
		}
		uint32_t lo, hi;
		if (number(s, &lo) < 0)
			return -1;
		skip_blanks(s);
		hi = lo;
		if (*s->p == ':') {
			s->p++;
			if (number(s, &hi) < 0)
				return -1;
		}
		if (t->nvalues == U32_MAXSIZE)
			return fail_at(s, "too many \",\"s");
		t->min[t->nvalues] = lo;
		t->max[t->nvalues] = hi;
		t->nvalues++;
	}
}

static int u32_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct u32_data *d = in->data;
	struct u32_scan s = { .start = a->arg, .p = a->arg, .ctx = ctx };
	uint8_t invert = d->invert;

	memset(d, 0, sizeof(*d));
	d->invert = invert;
	for (;;) {
		/* an 11th test is read before it is refused (where it ends:
		 * at the end, or at the second '&' of the "&&" after it) */
		struct u32_test extra = { .nnums = 0 };
		struct u32_test *t = d->ntests < U32_MAXSIZE ? &d->t[d->ntests]
							      : &extra;
		if (location(&s, t) < 0)
			return -1;
		int more = values(&s, t);
		if (more < 0)
			return -1;
		if (d->ntests == U32_MAXSIZE)
			return fail_at(&s, "too many \"&&\"s");
		d->ntests++;
		if (!more)
			return 0;
		s.p++;
	}
}

/* u32_mt_checkentry: a shift by 32 or more is refused (the kernel
 * took it for undefined behaviour on the packet path). */
static int u32_kcheck(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env)
{
	const struct u32_data *d = in->data;
	(void)env;
	for (unsigned i = 0; i < d->ntests; i++)
		for (unsigned k = 1; k < d->t[i].nnums; k++)
			if ((d->t[i].op[k] == U32_SHL || d->t[i].op[k] == U32_SHR)
			    && d->t[i].num[k] >= 32)
				return EINVAL;
	return 0;
}

static void put_expr(struct qt_buf *b, const struct u32_data *d)
{
	static const char *const ops[] = { "&", "<<", ">>", "@" };
	qt_buf_putc(b, '"');
	for (unsigned i = 0; i < d->ntests; i++) {
		const struct u32_test *t = &d->t[i];
		if (i > 0)
			qt_buf_puts(b, "&&");
		for (unsigned k = 0; k < t->nnums; k++) {
			if (k > 0)
				qt_buf_puts(b, ops[t->op[k] & 3]);
			qt_buf_printf(b, "0x%x", t->num[k]);
		}
		qt_buf_putc(b, '=');
		for (unsigned k = 0; k < t->nvalues; k++) {
			if (k > 0)
				qt_buf_putc(b, ',');
			if (t->min[k] == t->max[k])
				qt_buf_printf(b, "0x%x", t->min[k]);
			else
				qt_buf_printf(b, "0x%x:0x%x", t->min[k], t->max[k]);
		}
	}
	qt_buf_putc(b, '"');
}

static void u32_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct u32_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --u32 " : " --u32 ");
	put_expr(b, d);
}

static void u32_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct u32_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->invert ? " u32 ! " : " u32 ");
	put_expr(b, d);
}

/* ---- engine: xt_u32 (u32_match_it) ----
 * Offsets count from the network header, where skb->data stands at the
 * hooks; the packet's length is skb->len (the IP total length: the
 * queue's orig_len). A word that does not lie whole inside the packet,
 * or an '@' whose base overflows, ends the match false, before '!'
 * turns it. '@' adds the value read so far to the base and reads the
 * word at base + number. Shifts by 32 or more never get here (kcheck
 * refuses them as the kernel does); the mask only keeps C defined. A
 * word past what the queue copied but inside the packet (one longer
 * than the copy range) cannot be read: the packet is dropped rather
 * than judged on a guess. */
static bool read_word(const struct qt_eval *ev, uint32_t off, uint32_t *val,
		      bool *unknown)
{
	if ((uint64_t)off + 4 > ev->len) {
		*unknown = true;
		return false;
	}
	const uint8_t *p = ev->data + off;
	*val = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
	return true;
}

static bool test_holds(const struct u32_test *t, const struct qt_eval *ev,
		       bool *unknown)
{
	uint32_t len = ev->orig_len, at = 0, val;
	uint32_t pos = t->num[0];

	if (len < 4 || pos > len - 4)
		return false;
	if (!read_word(ev, pos, &val, unknown))
		return false;
	for (unsigned i = 1; i < t->nnums; i++) {
		uint32_t n = t->num[i];
		switch (t->op[i]) {
		case U32_AND:
			val &= n;
			break;
		case U32_SHL:
			val <<= n & 31;
			break;
		case U32_SHR:
			val >>= n & 31;
			break;
		default:
			if (at + val < at)
				return false;
			at += val;
			if (at + 4 < at || len < at + 4 || n > len - at - 4)
				return false;
			if (!read_word(ev, at + n, &val, unknown))
				return false;
			break;
		}
	}
	for (unsigned k = 0; k < t->nvalues; k++)
		if (t->min[k] <= val && val <= t->max[k])
			return true;
	return false;
}

static bool u32_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct u32_data *d = in->data;
	bool unknown = false;
	for (unsigned i = 0; i < d->ntests; i++) {
		if (!test_holds(&d->t[i], ev, &unknown)) {
			if (unknown) {
				ev->hotdrop = true;
				return false;
			}
			return d->invert;
		}
	}
	return !d->invert;
}

/* Any byte of the packet may be read: the queue copies it all. */
static uint32_t u32_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext u32_match = {
	.name = "u32",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct u32_data),
	.opts = u32_opts,
	.parse = u32_parse,
	.kcheck = u32_kcheck,
	.save = u32_save,
	.print = u32_print,
	.match = u32_match_pkt,
	.copy_need = u32_copy_need,
	.help =
		"[!] --u32 tests\n"
		"\t\ttests := location \"=\" value | tests \"&&\" location \"=\" value\n"
		"\t\tvalue := range | value \",\" range\n"
		"\t\trange := number | number \":\" number\n"
		"\t\tlocation := number | location operator number\n"
		"\t\toperator := \"&\" | \"<<\" | \">>\" | \"@\"\n",
};
QT_EXT_REGISTER(u32_match)
