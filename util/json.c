/* See json.h. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ---- */

void qt_json_put_strn(struct qt_buf *b, const char *s, size_t n)
{
	qt_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': qt_buf_puts(b, "\\\""); break;
		case '\\': qt_buf_puts(b, "\\\\"); break;
		case '\b': qt_buf_puts(b, "\\b"); break;
		case '\f': qt_buf_puts(b, "\\f"); break;
		case '\n': qt_buf_puts(b, "\\n"); break;
		case '\r': qt_buf_puts(b, "\\r"); break;
		case '\t': qt_buf_puts(b, "\\t"); break;
		default:
			if (c < 0x20)
				qt_buf_printf(b, "\\u%04X", c);
			else
				qt_buf_putc(b, (char)c);
		}
	}
	qt_buf_putc(b, '"');
}

void qt_json_put_str(struct qt_buf *b, const char *s)
{
	qt_json_put_strn(b, s, strlen(s));
}

/* ---- reading ---- */

#define MAX_DEPTH 2048       /* jansson's JSON_PARSER_MAX_DEPTH */

struct rd {
	const char *p, *end;
	int line, col;
	struct qt_json_error *err;
	bool failed;
};

static int fail(struct rd *r, const char *msg)
{
	if (!r->failed) {
		r->failed = true;
		if (r->err) {
			r->err->line = r->line;
			r->err->column = r->col;
			snprintf(r->err->text, sizeof(r->err->text), "%s", msg);
		}
	}
	return -1;
}

static int peekc(const struct rd *r)
{
	return r->p < r->end ? (unsigned char)*r->p : -1;
}

static void adv(struct rd *r)
{
	if (r->p >= r->end)
		return;
	if (*r->p == '\n') {
		r->line++;
		r->col = 0;
	} else {
		r->col++;
	}
	r->p++;
}

static void skip_ws(struct rd *r)
{
	for (int c; (c = peekc(r)) == ' ' || c == '\t' || c == '\n' ||
		    c == '\r';)
		adv(r);
}

static struct qt_json *node(enum qt_json_type t)
{
	struct qt_json *v = calloc(1, sizeof(*v));
	if (!v)
		abort();
	v->type = t;
	return v;
}

void qt_json_free(struct qt_json *v)
{
	if (!v)
		return;
	for (unsigned i = 0; i < v->n; i++) {
		qt_json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static bool literal(struct rd *r, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n))
		return false;
	for (size_t i = 0; i < n; i++)
		adv(r);
	return true;
}

/* The length of the valid UTF-8 sequence at p (0: invalid). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void put_utf8(struct qt_buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		qt_buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		qt_buf_putc(b, (char)(0xc0 | cp >> 6));
		qt_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		qt_buf_putc(b, (char)(0xe0 | cp >> 12));
		qt_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		qt_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		qt_buf_putc(b, (char)(0xf0 | cp >> 18));
		qt_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		qt_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		qt_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

static int hex4(struct rd *r, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int c = peekc(r);
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return fail(r, "invalid escape");
		*v = *v << 4 | d;
		adv(r);
	}
	return 0;
}

/* A string after its opening quote, into out. */
static int read_string(struct rd *r, struct qt_buf *out)
{
	for (;;) {
		int c = peekc(r);
		if (c < 0)
			return fail(r, "premature end of input");
		if (c == '"') {
			adv(r);
			return 0;
		}
		if (c < 0x20)
			return fail(r, "control character in string");
		if (c == '\\') {
			adv(r);
			c = peekc(r);
			const char *simple = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
			const char *k = c > 0 ? strchr(simple, c) : NULL;
			if (k) {
				qt_buf_putc(out, to[k - simple]);
				adv(r);
				continue;
			}
			if (c != 'u')
				return fail(r, "invalid escape");
			adv(r);
			uint32_t cp;
			if (hex4(r, &cp) < 0)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				uint32_t lo;
				if (!literal(r, "\\u") || hex4(r, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return fail(r, "invalid Unicode "
						    "surrogate pair");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return fail(r, "invalid Unicode low surrogate");
			}
			if (!cp)
				return fail(r, "\\u0000 is not allowed without "
					    "JSON_ALLOW_NUL");
			put_utf8(out, cp);
			continue;
		}
		size_t n = utf8_len((const unsigned char *)r->p,
				    (const unsigned char *)r->end);
		if (!n)
			return fail(r, "unable to decode byte");
		qt_buf_put(out, r->p, n);
		for (size_t i = 0; i < n; i++)
			adv(r);
	}
}

static struct qt_json *read_value(struct rd *r, int depth);

static struct qt_json *read_number(struct rd *r)
{
	const char *start = r->p;
	bool real = false;
	if (peekc(r) == '-')
		adv(r);
	if (peekc(r) == '0') {
		adv(r);
	} else if (peekc(r) >= '1' && peekc(r) <= '9') {
		while (peekc(r) >= '0' && peekc(r) <= '9')
			adv(r);
	} else {
		fail(r, "invalid token");
		return NULL;
	}
	if (peekc(r) == '.') {
		real = true;
		adv(r);
		if (!(peekc(r) >= '0' && peekc(r) <= '9')) {
			fail(r, "invalid token");
			return NULL;
		}
		while (peekc(r) >= '0' && peekc(r) <= '9')
			adv(r);
	}
	if (peekc(r) == 'e' || peekc(r) == 'E') {
		real = true;
		adv(r);
		if (peekc(r) == '+' || peekc(r) == '-')
			adv(r);
		if (!(peekc(r) >= '0' && peekc(r) <= '9')) {
			fail(r, "invalid token");
			return NULL;
		}
		while (peekc(r) >= '0' && peekc(r) <= '9')
			adv(r);
	}
	char buf[512];
	size_t n = (size_t)(r->p - start);
	if (n >= sizeof(buf)) {
		fail(r, "too big number");
		return NULL;
	}
	memcpy(buf, start, n);
	buf[n] = '\0';
	errno = 0;
	struct qt_json *v;
	if (real) {
		double d = strtod(buf, NULL);
		if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) {
			fail(r, "real number overflow");
			return NULL;
		}
		v = node(QT_JSON_REAL);
		v->r = d;
	} else {
		long long i = strtoll(buf, NULL, 10);
		if (errno == ERANGE) {
			fail(r, "too big integer");
			return NULL;
		}
		v = node(QT_JSON_INTEGER);
		v->i = i;
	}
	return v;
}

static void push_item(struct qt_json *v, char *key, struct qt_json *item)
{
	if (v->type == QT_JSON_OBJECT)
		for (unsigned i = 0; i < v->n; i++)
			if (!strcmp(v->keys[i], key)) {
				/* a repeated key: the last value, in the
				 * first one's place */
				qt_json_free(v->items[i]);
				v->items[i] = item;
				free(key);
				return;
			}
	struct qt_json **items = realloc(v->items, (v->n + 1) * sizeof(*items));
	if (!items)
		abort();
	v->items = items;
	if (v->type == QT_JSON_OBJECT) {
		char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			abort();
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
}

static char *take_buf(struct qt_buf *b)
{
	char *s = strdup(qt_buf_str(b));
	if (!s)
		abort();
	qt_buf_free(b);
	return s;
}

static struct qt_json *read_container(struct rd *r, int depth, bool object)
{
	struct qt_json *v = node(object ? QT_JSON_OBJECT : QT_JSON_ARRAY);
	adv(r);
	skip_ws(r);
	char close = object ? '}' : ']';
	if (peekc(r) == close) {
		adv(r);
		return v;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(r);
		if (object) {
			if (peekc(r) != '"') {
				fail(r, "string or '}' expected");
				goto bad;
			}
			adv(r);
			struct qt_buf k;
			qt_buf_init(&k);
			if (read_string(r, &k) < 0) {
				qt_buf_free(&k);
				goto bad;
			}
			key = take_buf(&k);
			skip_ws(r);
			if (peekc(r) != ':') {
				free(key);
				fail(r, "':' expected");
				goto bad;
			}
			adv(r);
		}
		struct qt_json *item = read_value(r, depth + 1);
		if (!item) {
			free(key);
			goto bad;
		}
		push_item(v, key, item);
		skip_ws(r);
		if (peekc(r) == ',') {
			adv(r);
			continue;
		}
		if (peekc(r) == close) {
			adv(r);
			return v;
		}
		fail(r, object ? "'}' expected" : "']' expected");
		goto bad;
	}
bad:
	qt_json_free(v);
	return NULL;
}

static struct qt_json *read_value(struct rd *r, int depth)
{
	if (depth > MAX_DEPTH) {
		fail(r, "maximum parsing depth reached");
		return NULL;
	}
	skip_ws(r);
	int c = peekc(r);
	if (c == '{' || c == '[')
		return read_container(r, depth, c == '{');
	if (c == '"') {
		adv(r);
		struct qt_buf s;
		qt_buf_init(&s);
		if (read_string(r, &s) < 0) {
			qt_buf_free(&s);
			return NULL;
		}
		struct qt_json *v = node(QT_JSON_STRING);
		v->s = take_buf(&s);
		return v;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return read_number(r);
	if (literal(r, "true"))
		return node(QT_JSON_TRUE);
	if (literal(r, "false"))
		return node(QT_JSON_FALSE);
	if (literal(r, "null"))
		return node(QT_JSON_NULL);
	fail(r, c < 0 ? "unexpected end of input" : "invalid token");
	return NULL;
}

struct qt_json *qt_json_parse(const char *text, size_t len,
			      struct qt_json_error *err)
{
	struct rd r = { text, text + len, 1, 0, err, false };
	skip_ws(&r);
	if (peekc(&r) != '{' && peekc(&r) != '[') {
		fail(&r, "'[' or '{' expected");
		return NULL;
	}
	struct qt_json *v = read_value(&r, 1);
	if (!v)
		return NULL;
	skip_ws(&r);
	if (r.p != r.end) {
		fail(&r, "end of file expected");
		qt_json_free(v);
		return NULL;
	}
	return v;
}

void qt_json_dump(const struct qt_json *v, struct qt_buf *b)
{
	switch (v->type) {
	case QT_JSON_OBJECT:
	case QT_JSON_ARRAY:
		qt_buf_putc(b, v->type == QT_JSON_OBJECT ? '{' : '[');
		for (unsigned i = 0; i < v->n; i++) {
			if (i)
				qt_buf_puts(b, ", ");
			if (v->type == QT_JSON_OBJECT) {
				qt_json_put_str(b, v->keys[i]);
				qt_buf_puts(b, ": ");
			}
			qt_json_dump(v->items[i], b);
		}
		qt_buf_putc(b, v->type == QT_JSON_OBJECT ? '}' : ']');
		return;
	case QT_JSON_STRING:
		qt_json_put_str(b, v->s);
		return;
	case QT_JSON_INTEGER:
		qt_buf_printf(b, "%lld", v->i);
		return;
	case QT_JSON_REAL: {
		/* the shortest that reads back, with a point or exponent
		 * as jansson writes it */
		char num[64];
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(num, sizeof(num), "%.*g", prec, v->r);
			if (strtod(num, NULL) == v->r)
				break;
		}
		qt_buf_puts(b, num);
		if (!strpbrk(num, ".eEn"))
			qt_buf_puts(b, ".0");
		return;
	}
	case QT_JSON_TRUE:
		qt_buf_puts(b, "true");
		return;
	case QT_JSON_FALSE:
		qt_buf_puts(b, "false");
		return;
	case QT_JSON_NULL:
		qt_buf_puts(b, "null");
		return;
	}
}

const struct qt_json *qt_json_get(const struct qt_json *v, const char *key)
{
	if (!v || v->type != QT_JSON_OBJECT)
		return NULL;
	for (unsigned i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return v->items[i];
	return NULL;
}

const char *qt_json_type_name(enum qt_json_type t)
{
	static const char *const names[] = {
		"object", "array", "string", "integer", "real", "true",
		"false", "null",
	};
	return names[t];
}
