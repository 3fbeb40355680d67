/* A growable byte buffer: the one way text is built in qtables.
 * Printers append to it; the daemon sends it; nothing prints to stdout
 * directly, so every output can be captured, compared and tested. */
#ifndef QT_BUF_H
#define QT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct qt_buf {
	char *data;    /* always NUL-terminated when len > 0 or after init */
	size_t len;
	size_t cap;
};

void qt_buf_init(struct qt_buf *b);
void qt_buf_free(struct qt_buf *b);
void qt_buf_reset(struct qt_buf *b);
/* Keeps the first n bytes (n <= len). */
void qt_buf_truncate(struct qt_buf *b, size_t n);
void qt_buf_put(struct qt_buf *b, const char *s, size_t n);
void qt_buf_puts(struct qt_buf *b, const char *s);
void qt_buf_putc(struct qt_buf *b, char c);
void qt_buf_printf(struct qt_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void qt_buf_vprintf(struct qt_buf *b, const char *fmt, va_list ap);
/* The contents as a C string ("" when empty). */
const char *qt_buf_str(const struct qt_buf *b);

#endif
