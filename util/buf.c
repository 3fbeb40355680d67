/* Growable buffer; allocation failure aborts, as there is no sane
 * recovery for a firewall that cannot allocate a few bytes of text. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qt_buf_init(struct qt_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void qt_buf_free(struct qt_buf *b)
{
	free(b->data);
	qt_buf_init(b);
}

void qt_buf_reset(struct qt_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void qt_buf_truncate(struct qt_buf *b, size_t n)
{
	if (n >= b->len)
		return;
	b->len = n;
	b->data[n] = '\0';
}

static void reserve(struct qt_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		abort();
	b->data = p;
	b->cap = cap;
}

void qt_buf_put(struct qt_buf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void qt_buf_puts(struct qt_buf *b, const char *s)
{
	qt_buf_put(b, s, strlen(s));
}

void qt_buf_putc(struct qt_buf *b, char c)
{
	qt_buf_put(b, &c, 1);
}

void qt_buf_vprintf(struct qt_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void qt_buf_printf(struct qt_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	qt_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *qt_buf_str(const struct qt_buf *b)
{
	return b->data ? b->data : "";
}
