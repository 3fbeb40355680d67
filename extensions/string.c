/* -m string: a byte pattern in the packet between two offsets, found
 * with the kernel's text search algorithm named by --algo (xt_string
 * revision 1). The pattern is kept as bytes: --string "AB" and
 * --hex-string "|4142|" are one rule. Save shows it as --string when
 * every byte is printable, else as --hex-string, like iptables. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <stdlib.h>

#include "xtypes.h"

#define STR_MAX_PATTERN 128    /* XT_STRING_MAX_PATTERN_SIZE */
#define STR_MAX_ALGO 16        /* XT_STRING_MAX_ALGO_NAME_SIZE, with NUL */
#define STR_INVERT 0x01        /* XT_STRING_FLAG_INVERT */
#define STR_ICASE  0x02        /* XT_STRING_FLAG_IGNORECASE */

struct string_data {
	uint16_t from_offset;
	uint16_t to_offset;
	char algo[STR_MAX_ALGO];
	char pattern[STR_MAX_PATTERN];
	uint8_t patlen;
	uint8_t flags;         /* STR_* */
};

enum { O_FROM, O_TO, O_ALGO, O_STRING, O_HEX, O_ICASE };

#define D struct string_data
static const struct qt_ext_opt string_opts[] = {
	{ .name = "from", .id = O_FROM, .type = QT_OT_UINT,
	  QT_PUT(D, from_offset) },
	{ .name = "to", .id = O_TO, .type = QT_OT_UINT, QT_PUT(D, to_offset) },
	/* cut to the kernel's size, as iptables does */
	{ .name = "algo", .id = O_ALGO, .type = QT_OT_STRING,
	  .flags = QT_OPT_MAND, QT_PUT(D, algo) },
	{ .name = "string", .id = O_STRING, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, QT_INV(D, flags, STR_INVERT),
	  .excl = QT_BIT(O_HEX) },
	{ .name = "hex-string", .id = O_HEX, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, QT_INV(D, flags, STR_INVERT),
	  .excl = QT_BIT(O_STRING) },
	{ .name = "icase", .id = O_ICASE, .type = QT_OT_BITS,
	  .value = STR_ICASE, QT_PUT(D, flags) },
	{ .name = NULL },
};
#undef D

static void string_init(struct qt_ext_inst *in)
{
	struct string_data *d = in->data;
	d->to_offset = UINT16_MAX;
}

static int too_long(const char *s, struct qt_ctx *ctx)
{
	return qt_param_error(ctx, "STRING too long \"%s\"", s);
}

/* Text with "|hex hex|" blocks and '\' escapes, read as iptables 1.8.9
 * reads it (its quirks included: a '|' that closes a block lets the
 * next character through as it is, even another '|'). */
static int parse_hex(const char *s, struct string_data *d, struct qt_ctx *ctx)
{
	size_t slen = strlen(s), i = 0, n = 0;
	bool hex = false, literal = false;

	if (slen == 0)
		return qt_param_error(ctx, "STRING must contain at least one char");
	while (i < slen) {
		if (n >= STR_MAX_PATTERN)
			return too_long(s, ctx);
		if (s[i] == '\\' && !hex) {
			literal = true;
		} else if (s[i] == '\\') {
			return qt_param_error(ctx, "Cannot include literals in hex data");
		} else if (s[i] == '|') {
			if (hex) {
				hex = false;
			} else {
				hex = true;
				while (s[i + 1] == ' ')
					i++;    /* blanks right after the '|' */
			}
			if (i + 1 >= slen)
				break;
			i++;
		}
		if (literal) {
			if (i + 1 >= slen)
				return qt_param_error(ctx,
					"Bad literal placement at end of string");
			d->pattern[n] = s[i + 1];
			i += 2;
			literal = false;
		} else if (hex) {
			if (i + 1 >= slen)
				return qt_param_error(ctx, "Odd number of hex digits");
			if (i + 2 >= slen)
				return qt_param_error(ctx, "Invalid hex block");
			for (int k = 0; k < 2; k++)
				if (!isxdigit((unsigned char)s[i + k]))
					return qt_param_error(ctx,
						"Invalid hex char '%c'", s[i + k]);
			char hx[3] = { s[i], s[i + 1], 0 };
			d->pattern[n] = (char)strtoul(hx, NULL, 16);
			i += s[i + 2] == ' ' ? 3 : 2;
		} else {
			d->pattern[n] = s[i];
			i++;
		}
		n++;
	}
	d->patlen = (uint8_t)n;
	return 0;
}

static int string_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct string_data *d = in->data;
	if (a->opt->id == O_HEX) {
		memset(d->pattern, 0, sizeof(d->pattern));
		return parse_hex(a->arg, d, ctx);
	}
	if (a->opt->id != O_STRING)
		return 0;
	size_t n = strlen(a->arg);
	if (n > STR_MAX_PATTERN)
		return too_long(a->arg, ctx);
	memset(d->pattern, 0, sizeof(d->pattern));
	memcpy(d->pattern, a->arg, n);
	d->patlen = (uint8_t)n;
	return 0;
}

static int string_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (QT_BIT(O_STRING) | QT_BIT(O_HEX))))
		return qt_param_error(ctx,
			"STRING match: You must specify `--string' or `--hex-string'");
	return 0;
}

/* string_mt_check and textsearch_prepare: bm and kmp are there; fsm
 * wants a token program no text makes. */
static int string_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	const struct string_data *d = in->data;
	(void)env;
	if (d->from_offset > d->to_offset)
		return EINVAL;
	if (d->patlen == 0)
		return EINVAL;
	if (!strcmp(d->algo, "fsm"))
		return EINVAL;
	if (strcmp(d->algo, "bm") && strcmp(d->algo, "kmp"))
		return ENOENT;
	return 0;
}

/* Hex when a byte is not printable, or when the last one is a '\'
 * (which the quoted form could not end with). */
static bool is_hex(const struct string_data *d)
{
	for (unsigned i = 0; i < d->patlen; i++)
		if (!isprint((unsigned char)d->pattern[i]))
			return true;
	return d->patlen && d->pattern[d->patlen - 1] == '\\';
}

static void put_pattern(struct qt_buf *b, const struct string_data *d)
{
	qt_buf_putc(b, '"');
	if (is_hex(d)) {
		qt_buf_putc(b, '|');
		for (unsigned i = 0; i < d->patlen; i++)
			qt_buf_printf(b, "%02x", (unsigned char)d->pattern[i]);
		qt_buf_putc(b, '|');
	} else {
		for (unsigned i = 0; i < d->patlen; i++) {
			char c = d->pattern[i];
			if (c == '"' || c == '\\')
				qt_buf_putc(b, '\\');
			qt_buf_putc(b, c);
		}
	}
	qt_buf_putc(b, '"');
}

static void string_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct string_data *d = in->data;
	if (d->flags & STR_INVERT)
		qt_buf_puts(b, " !");
	qt_buf_puts(b, is_hex(d) ? " --hex-string " : " --string ");
	put_pattern(b, d);
	qt_buf_puts(b, " --algo ");
	qt_put_name(b, d->algo);
	if (d->from_offset != 0)
		qt_buf_printf(b, " --from %u", d->from_offset);
	if (d->to_offset != UINT16_MAX)
		qt_buf_printf(b, " --to %u", d->to_offset);
	if (d->flags & STR_ICASE)
		qt_buf_puts(b, " --icase");
}

static void string_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct string_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->flags & STR_INVERT ? " STRING match ! " : " STRING match  ");
	put_pattern(b, d);
	qt_buf_printf(b, " ALGO name %s", d->algo);
	if (d->from_offset != 0)
		qt_buf_printf(b, " FROM %u", d->from_offset);
	if (d->to_offset != UINT16_MAX)
		qt_buf_printf(b, " TO %u", d->to_offset);
	if (d->flags & STR_ICASE)
		qt_buf_puts(b, " ICASE");
}


/* ---- engine: xt_string (string_mt) ----
 * skb_find_text(skb, from, to): the search starts at byte `from` of the
 * packet (counted from the IP header, where skb->data is at the IPv4
 * hooks) and runs to the packet's end; the first occurrence found
 * matches only if it ends by byte `to` (ret + patlen <= to - from). Both
 * bm and kmp find the leftmost occurrence, so one search serves both.
 * --icase folds with the kernel's toupper(), whose ctype table is
 * Latin-1: a-z and 0xDF-0xF6, 0xF8-0xFF are lower case and lose 0x20
 * (so 0xDF becomes 0xBF). Checked on the kernel (tests/unit/test_match_headers.c). */
struct string_state {
	uint8_t fold[256];      /* identity, or the kernel's toupper */
	uint8_t pat[STR_MAX_PATTERN]; /* the pattern, folded */
	uint8_t skip[256];      /* Horspool shift by folded last byte */
};

static bool kernel_islower(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}

static int string_state_new(const struct qt_ext_inst *in,
			    const struct qt_engine_env *env, void **state)
{
	const struct string_data *d = in->data;
	struct string_state *st = calloc(1, sizeof(*st));
	(void)env;
	if (!st)
		return -1;
	for (unsigned c = 0; c < 256; c++)
		st->fold[c] = (uint8_t)((d->flags & STR_ICASE) && kernel_islower(c)
					? c - 0x20 : c);
	unsigned m = d->patlen;
	for (unsigned i = 0; i < m; i++)
		st->pat[i] = st->fold[(uint8_t)d->pattern[i]];
	for (unsigned c = 0; c < 256; c++)
		st->skip[c] = (uint8_t)m;
	for (unsigned i = 0; m && i + 1 < m; i++)
		st->skip[st->pat[i]] = (uint8_t)(m - 1 - i);
	*state = st;
	return 0;
}

static void string_state_free(void *state)
{
	free(state);
}

static bool string_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct string_data *d = in->data;
	const struct string_state *st = qt_ext_state(in);
	bool invert = d->flags & STR_INVERT;
	uint32_t m = d->patlen;
	if (!st || m == 0)
		return false;
	/* the packet ends at its total length (skb->len after ip_rcv) */
	uint32_t len = ev->len;
	if (ev->pkt.l4 && ev->pkt.ip_len < len)
		len = ev->pkt.ip_len;
	uint32_t from = d->from_offset;
	/* the leftmost occurrence at or after from must end by to */
	uint32_t end = d->to_offset < len ? d->to_offset : len;
	const uint8_t *t = ev->data;
	for (uint32_t pos = from; pos + m <= end;) {
		uint32_t k = m;
		while (k > 0 && st->fold[t[pos + k - 1]] == st->pat[k - 1])
			k--;
		if (k == 0)
			return !invert;
		pos += st->skip[st->fold[t[pos + m - 1]]];
	}
	return invert;
}

/* The pattern may be anywhere in the payload: the queue copies it all. */
static uint32_t string_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext string_match = {
	.name = "string",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct string_data),
	.opts = string_opts,
	.init = string_init,
	.parse = string_parse,
	.check = string_check,
	.kcheck = string_kcheck,
	.save = string_save,
	.print = string_print,
	.match = string_match_pkt,
	.state_new = string_state_new,
	.state_free = string_state_free,
	.copy_need = string_copy_need,
	.help =
		"--from                       Offset to start searching from\n"
		"--to                         Offset to stop searching\n"
		"--algo                       Algorithm\n"
		"--icase                      Ignore case (default: 0)\n"
		"[!] --string string          Match a string in a packet\n"
		"[!] --hex-string string      Match a hex string in a packet\n",
};
QT_EXT_REGISTER(string_match)
