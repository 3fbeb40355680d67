/* Errors that point: the record of the first error, the nearest name,
 * and the explained form (see explain.h). Everything here runs only
 * after an error, and only when a caller asked for the explained form. */
#include "explain.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void qt_explain_init(struct qt_explain *x, bool quiet)
{
	memset(x, 0, sizeof(*x));
	x->quiet = quiet;
	x->word = -1;
	qt_buf_init(&x->plain);
	qt_buf_init(&x->msg);
	qt_buf_init(&x->hint);
}

void qt_explain_free(struct qt_explain *x)
{
	qt_buf_free(&x->plain);
	qt_buf_free(&x->msg);
	qt_buf_free(&x->hint);
	free(x->text);
	x->text = NULL;
}

/* iptables' messages carry the newlines and blanks of its output around
 * them ("\n\nThe \"nat\" table ...\n\n", " RULE_APPEND failed"). */
static void put_trimmed(struct qt_buf *b, const char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	qt_buf_put(b, s, n);
}

void qt_explain_record(struct qt_explain *x, const struct qt_ctx *c,
		       const char *fmt, va_list ap)
{
	struct qt_buf raw;
	qt_buf_init(&raw);
	qt_buf_vprintf(&raw, fmt, ap);
	qt_buf_reset(&x->msg);
	put_trimmed(&x->msg, qt_buf_str(&raw));
	qt_buf_free(&raw);
	qt_buf_reset(&x->hint);
	free(x->text);
	x->text = NULL;
	x->set = true;
	x->word = -1;
	x->off = c->at.off;
	x->len = c->at.len;
	x->loc = c->at_loc;
	if (c->at.word && c->words && c->at.word <= c->words->n) {
		const struct qt_word *w = &c->words->v[c->at.word - 1];
		x->word = (int)c->at.word - 1;
		x->loc = w->loc;
		x->text = strdup(w->text);
		if (!x->text)
			abort();
	}
	if (x->loc.line <= 0 && c->restore_line > 0) {
		/* nothing more precise: the line being read */
		x->loc.line = c->restore_line;
		x->loc.col = 0;
	}
}

void qt_explain_take(struct qt_explain *to, struct qt_explain *from)
{
	struct qt_buf m = to->msg, h = to->hint;
	free(to->text);
	to->set = from->set;
	to->msg = from->msg;
	to->hint = from->hint;
	to->loc = from->loc;
	to->word = from->word;
	to->off = from->off;
	to->len = from->len;
	to->text = from->text;
	/* from keeps to's (empty) buffers: each still owns one pair */
	qt_buf_reset(&m);
	qt_buf_reset(&h);
	from->msg = m;
	from->hint = h;
	from->text = NULL;
	from->set = false;
	from->word = -1;
	from->off = from->len = 0;
	from->loc = (struct qt_loc){ 0, 0 };
}

void qt_explain_message(struct qt_ctx *c, const char *msg)
{
	if (!c->explain || !c->explain->set)
		return;
	qt_buf_reset(&c->explain->msg);
	put_trimmed(&c->explain->msg, msg);
}

void qt_explain_hint(struct qt_ctx *c, const char *name)
{
	if (!c->explain || !c->explain->set)
		return;
	qt_buf_reset(&c->explain->hint);
	qt_buf_puts(&c->explain->hint, name);
}

/* ---- the nearest name ---- */

#define MAX_NAME 64

unsigned qt_edit_distance(const char *a, size_t an, const char *b, size_t bn)
{
	if (an > MAX_NAME || bn > MAX_NAME)
		return UINT_MAX;
	/* three rows of the optimal string alignment distance: i-2, i-1, i */
	unsigned rows[3][MAX_NAME + 1];
	unsigned *pp = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= bn; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= an; i++) {
		cur[0] = (unsigned)i;
		int ca = tolower((unsigned char)a[i - 1]);
		for (size_t j = 1; j <= bn; j++) {
			int cb = tolower((unsigned char)b[j - 1]);
			unsigned best = prev[j - 1] + (ca != cb);
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    cb == tolower((unsigned char)a[i - 2]) &&
			    pp[j - 2] + 1 < best)
				best = pp[j - 2] + 1;
			cur[j] = best;
		}
		unsigned *t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[bn];
}

void qt_suggest_init(struct qt_suggest *s, const char *typed, size_t n)
{
	s->typed = typed;
	s->n = n;
	s->best = NULL;
	s->dist = UINT_MAX;
}

void qt_suggest_offer(struct qt_suggest *s, const char *name)
{
	size_t n = strlen(name);
	if (n == s->n && !memcmp(name, s->typed, n))
		return;   /* the word itself: no typo to correct */
	unsigned d = qt_edit_distance(s->typed, s->n, name, n);
	/* a third of the longer name, rounded up: "dprot" -> "dport" (1),
	 * "conntrak" -> "conntrack" (1), but not "foo" -> "tos" (2) */
	size_t longer = n > s->n ? n : s->n;
	if (d > (longer + 2) / 3 || d >= s->n)
		return;
	if (d < s->dist) {
		s->best = name;
		s->dist = d;
	}
}

const char *qt_suggest_best(const struct qt_suggest *s)
{
	return s->best;
}

/* ---- the explained form ---- */

/* Line number line (1-based) of text, up to its newline (or a NUL byte,
 * where iptables-restore stops reading the line). */
static bool find_line(const char *text, size_t len, int line,
		      const char **start, size_t *n)
{
	size_t i = 0;
	for (int l = 1; l < line; l++) {
		const char *nl = memchr(text + i, '\n', len - i);
		if (!nl)
			return false;
		i = (size_t)(nl - text) + 1;
	}
	if (i >= len && line > 1)
		return false;   /* past the last line */
	size_t e = i;
	while (e < len && text[e] != '\n' && text[e] != '\0')
		e++;
	*start = text + i;
	*n = e - i;
	return true;
}

/* Where the word that starts at byte i of a rule line ends, as the
 * scanner reads it: up to a blank, or just past a closing quote. */
static size_t word_end(const char *line, size_t n, size_t i)
{
	while (i < n && line[i] != ' ' && line[i] != '\t') {
		if (line[i] == '"') {
			for (i++; i < n && line[i] != '"'; i++)
				if (line[i] == '\\' && i + 1 < n)
					i++;
			return i < n ? i + 1 : n;
		}
		i++;
	}
	return i;
}

static bool utf8_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* Each line of s behind prefix. */
static void put_lines(struct qt_buf *out, const char *prefix, const char *s)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		qt_buf_puts(out, prefix);
		qt_buf_put(out, s, n);
		qt_buf_putc(out, '\n');
		s += n + (nl != NULL);
	}
}

/* The four lines, the word at fault being bytes [s, e) of line. */
static void emit(struct qt_buf *out, const struct qt_explain *x,
		 const char *prefix, const char *name, int lineno,
		 const char *line, size_t n, size_t s, size_t e)
{
	qt_buf_printf(out, "%s%s:%d:%zu: ", prefix, name, lineno, s + 1);
	const char *msg = qt_buf_str(&x->msg);
	const char *nl = strchr(msg, '\n');
	if (nl) {
		/* a message of several lines: the first after the place */
		qt_buf_put(out, msg, (size_t)(nl - msg) + 1);
		put_lines(out, prefix, nl + 1);
	} else {
		qt_buf_puts(out, msg);
		qt_buf_putc(out, '\n');
	}
	qt_buf_puts(out, prefix);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		/* control bytes would act on the terminal: shown as '?' */
		qt_buf_putc(out, c == '\t' || (c >= 0x20 && c != 0x7f)
			    ? (char)c : '?');
	}
	qt_buf_putc(out, '\n');
	qt_buf_puts(out, prefix);
	for (size_t i = 0; i < s && i < n; i++)
		if (!utf8_cont(line[i]))
			qt_buf_putc(out, line[i] == '\t' ? '\t' : ' ');
	qt_buf_putc(out, '^');
	for (size_t i = s + 1; i < e && i < n; i++)
		if (!utf8_cont(line[i]))
			qt_buf_putc(out, '~');
	qt_buf_putc(out, '\n');
	if (x->hint.len)
		qt_buf_printf(out, "%sdid you mean '%s'?\n", prefix,
			      qt_buf_str(&x->hint));
}

/* The whole line, blanks around it left out. */
static void whole_line(const char *line, size_t n, size_t *s, size_t *e)
{
	size_t a = 0, b = n;
	while (a < b && (line[a] == ' ' || line[a] == '\t'))
		a++;
	while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t' ||
			 line[b - 1] == '\r'))
		b--;
	*s = a;
	*e = b;
}

void qt_explain_render_text(struct qt_buf *out, const struct qt_explain *x,
			    const char *name, const char *text, size_t len,
			    const char *prefix)
{
	if (!x->set)
		return;
	const char *line;
	size_t n;
	if (x->loc.line <= 0 || !find_line(text, len, x->loc.line, &line, &n)) {
		if (x->quiet)
			qt_buf_put(out, qt_buf_str(&x->plain), x->plain.len);
		return;
	}
	size_t s, e;
	if (x->loc.col <= 0) {
		whole_line(line, n, &s, &e);
	} else {
		s = (size_t)x->loc.col - 1;
		if (s > n)
			s = n;
		e = word_end(line, n, s);
		/* a part of the word ("--dprot" of "--dprot=22", a letter of
		 * "-nvQ") where the line holds the word as it was read */
		size_t part = (size_t)x->off + x->len;
		if (x->len && x->text && part <= strlen(x->text) &&
		    part <= e - s && !memcmp(line + s, x->text, part)) {
			s += x->off;
			e = s + x->len;
		}
	}
	emit(out, x, prefix, name, x->loc.line, line, n, s, e);
}

/* A word as a shell would need it to read it back as one word: bare, or
 * in single quotes. Returns whether it was quoted. */
static bool put_shell_word(struct qt_buf *b, const char *w)
{
	bool bare = *w != '\0';
	for (const char *p = w; *p && bare; p++)
		bare = isalnum((unsigned char)*p) || strchr("_@%+=:,./-!^", *p) ||
		       ((unsigned char)*p & 0x80);
	if (bare) {
		qt_buf_puts(b, w);
		return false;
	}
	qt_buf_putc(b, '\'');
	for (const char *p = w; *p; p++) {
		if (*p == '\'')
			qt_buf_puts(b, "'\\''");
		else
			qt_buf_putc(b, *p);
	}
	qt_buf_putc(b, '\'');
	return true;
}

void qt_explain_render_words(struct qt_buf *out, const struct qt_explain *x,
			     const struct qt_words *w)
{
	if (!x->set)
		return;
	struct qt_buf line;
	qt_buf_init(&line);
	size_t s = 0, e = 0;
	bool placed = false;
	for (unsigned i = 0; i < w->n; i++) {
		if (i)
			qt_buf_putc(&line, ' ');
		size_t start = line.len;
		bool quoted = put_shell_word(&line, w->v[i].text);
		if ((int)i != x->word)
			continue;
		placed = true;
		s = start;
		e = line.len;
		size_t part = (size_t)x->off + x->len;
		if (!quoted && x->len && part <= strlen(w->v[i].text)) {
			s = start + x->off;
			e = s + x->len;
		}
	}
	if (!placed)
		whole_line(qt_buf_str(&line), line.len, &s, &e);
	emit(out, x, "", "<command line>", 1, qt_buf_str(&line), line.len, s, e);
	qt_buf_free(&line);
}
