/* The two spellings of strings in saved rules (quote.h). */
#include "quote.h"

#include <string.h>

static _Thread_local bool state_spelling;

bool qt_quote_state_spelling(void)
{
	return state_spelling;
}

void qt_quote_set_state_spelling(bool on)
{
	state_spelling = on;
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* A rule line splits words at blanks, and a '"' anywhere opens a quoted
 * part; every other byte but the line's end stands for itself. */
bool qt_word_is_bare(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '"' || is_control(c))
			return false;
	}
	return true;
}

static void put_escaped(struct qt_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	if (c == '"' || c == '\\') {
		qt_buf_putc(b, '\\');
		qt_buf_putc(b, (char)c);
	} else if (c == '\n') {
		qt_buf_put(b, "\\n", 2);
	} else if (is_control(c)) {
		char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
		qt_buf_put(b, e, 4);
	} else {
		qt_buf_putc(b, (char)c);
	}
}

void qt_put_state_quoted(struct qt_buf *b, const char *s, size_t n)
{
	qt_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++)
		put_escaped(b, (unsigned char)s[i]);
	qt_buf_putc(b, '"');
}

void qt_put_name(struct qt_buf *b, const char *s)
{
	size_t n = strlen(s);
	if (!state_spelling || qt_word_is_bare(s, n))
		qt_buf_put(b, s, n);
	else
		qt_put_state_quoted(b, s, n);
}

void qt_save_string(struct qt_buf *b, const char *s)
{
	static const char plain[] = "_-0123456789"
		"abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t n = strspn(s, plain);
	if (n > 0 && s[n] == '\0') {
		qt_buf_putc(b, ' ');
		qt_buf_puts(b, s);
		return;
	}
	qt_buf_puts(b, " \"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\'')
			qt_buf_put(b, "\\'", 2);
		else if (state_spelling || c == '"' || c == '\\')
			put_escaped(b, c);
		else
			qt_buf_putc(b, (char)c);
	}
	qt_buf_putc(b, '"');
}
