/* Entry points that run the scanner and grammar. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scan_state.h"
#include "grammar.h"

typedef void *yyscan_t;
int qt_yylex_init_extra(struct qt_scan_state *extra, yyscan_t *scanner);
int qt_yylex_destroy(yyscan_t scanner);
struct yy_buffer_state *qt_yy_scan_bytes(const char *bytes, int len,
					 yyscan_t scanner);
int qt_yyparse(void *scanner, struct qt_scan_state *ps);
int qt_yylex_real(QT_YYSTYPE *lval, QT_YYLTYPE *lloc, yyscan_t scanner);
struct qt_scan_state *qt_yyget_extra(yyscan_t scanner);

/* The lexer the grammar sees: a start token selecting the input kind,
 * then either argv words or the flex scanner's tokens. */
int qt_yylex(QT_YYSTYPE *lval, QT_YYLTYPE *lloc, void *scanner)
{
	struct qt_scan_state *s = qt_yyget_extra(scanner);
	if (!s->started) {
		s->started = true;
		lloc->first_line = lloc->last_line = 1;
		lloc->first_column = lloc->last_column = 1;
		return s->argv ? T_START_ARGV : T_START_RESTORE;
	}
	if (s->argv) {
		if (s->argi >= s->argc)
			return 0;
		const char *w = s->argv[s->argi];
		lval->str.s = strdup(w);
		if (!lval->str.s)
			abort();
		lval->str.n = strlen(w);
		lloc->first_line = lloc->last_line = 0;
		lloc->first_column = lloc->last_column = s->argi + 1;
		s->argi++;
		return T_WORD;
	}
	return qt_yylex_real(lval, lloc, scanner);
}

static void state_init(struct qt_scan_state *s)
{
	memset(s, 0, sizeof(*s));
	s->line = 1;
	s->col = 1;
	qt_buf_init(&s->acc);
	qt_words_init(&s->words);
}

static void state_free(struct qt_scan_state *s)
{
	qt_buf_free(&s->acc);
	qt_words_free(&s->words);
	free(s->counters);
}

/* A line that a NUL byte cut short: iptables-restore reads it as a C
 * string, so the line ends there without its newline. A quote still open
 * then does not take the newline in, as it does at a line's real end:
 * its word is what it held so far, or no word at all if that is nothing.
 * Rewrites line[0..n) (room for one byte more) so that the scanner reads
 * the same words before the newline, and returns its new length. */
static size_t end_cut_line(char *line, size_t n)
{
	size_t i = 0;
	if (n == 0 || line[0] == '#' || line[0] == '*' || line[0] == ':')
		return n;   /* no quotes in these */
	if (line[0] == '[') {
		const char *rb = memchr(line, ']', n);
		if (!rb)
			return n;
		i = (size_t)(rb - line) + 1;
	}
	bool open = false, escaped = false;
	size_t held = 0, open_at = 0;
	for (; i < n; i++) {
		char c = line[i];
		if (open) {
			if (escaped) {
				escaped = false;
				held++;
			} else if (c == '\\') {
				escaped = true;
			} else if (c == '"') {
				open = false;   /* a closing quote ends the word */
				held = 0;
			} else {
				held++;
			}
		} else if (c == '"') {
			open = true;
			open_at = i;
		} else if (c == ' ' || c == '\t') {
			held = 0;
		} else {
			held++;
		}
	}
	if (!open)
		return n;
	if (held == 0)
		return open_at;
	if (escaped)
		n--;            /* a backslash that escaped nothing */
	line[n] = '"';
	return n + 1;
}

int qt_parse_restore(const char *text, size_t len,
		     const struct qt_restore_sink *sink)
{
	struct qt_scan_state s;
	yyscan_t scanner;
	state_init(&s);
	s.sink = sink;
	s.escapes = sink->state_escapes;
	if (qt_yylex_init_extra(&s, &scanner))
		return -1;
	/* iptables-restore reads lines as C strings: a NUL byte ends what
	 * it sees of its line. Cut the rest of such lines, and give a last
	 * line without its newline one, so it still counts as a line; both
	 * end as end_cut_line says. */
	char *copy = NULL;
	const char *in = text;
	size_t n = len;
	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len)) {
		copy = malloc(len + 2);
		if (!copy)
			abort();
		size_t o = 0, line = 0;
		bool cut = false;
		for (size_t i = 0; i < len; i++) {
			if (text[i] == '\n') {
				cut = false;
			} else if (text[i] == '\0' && !cut) {
				cut = true;
				o = line + end_cut_line(copy + line, o - line);
			}
			if (!cut)
				copy[o++] = text[i];
			if (text[i] == '\n')
				line = o;
		}
		if (o == 0 || copy[o - 1] != '\n') {
			/* a last line without newline ends as a cut one */
			if (!cut)
				o = line + end_cut_line(copy + line, o - line);
			copy[o++] = '\n';
		}
		in = copy;
		n = o;
	}
	int rc = -1;
	if (n <= (size_t)__INT_MAX__) {
		qt_yy_scan_bytes(in, (int)n, scanner);
		rc = qt_yyparse(scanner, &s) ? -1 : 0;
	}
	qt_yylex_destroy(scanner);
	free(copy);
	state_free(&s);
	return rc;
}

int qt_parse_argv(int argc, char *const *argv, struct qt_words *out)
{
	struct qt_scan_state s;
	yyscan_t scanner;
	static const struct qt_restore_sink no_sink;
	state_init(&s);
	s.sink = &no_sink;
	s.argc = argc;
	s.argv = argv;
	if (qt_yylex_init_extra(&s, &scanner))
		return -1;
	int rc = qt_yyparse(scanner, &s) ? -1 : 0;
	qt_yylex_destroy(scanner);
	*out = s.words;
	qt_words_init(&s.words);
	state_free(&s);
	return rc;
}
