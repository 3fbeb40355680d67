/* The extension registry and helpers every extension shares. */
#include "ext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define QT_MAX_EXTS 128

static const struct qt_ext *registry[QT_MAX_EXTS];
static size_t nregistered;

void qt_ext_register(const struct qt_ext *ext)
{
	/* Constructors run before main(); a full registry is a build bug
	 * that the registry unit test catches, so just refuse quietly. */
	if (nregistered < QT_MAX_EXTS)
		registry[nregistered++] = ext;
}

const struct qt_ext *qt_ext_find(const char *name, enum qt_ext_kind kind)
{
	for (size_t i = 0; i < nregistered; i++)
		if (registry[i]->kind == kind &&
		    strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const struct qt_ext *qt_ext_at(size_t i)
{
	return i < nregistered ? registry[i] : NULL;
}

int qt_ext_bad_value(struct qt_ctx *ctx, const char *ext, const char *opt,
		     const char *arg)
{
	return qt_param_error(ctx, "%s: Bad value for \"%s\" option: \"%s\"",
			      ext, opt, arg);
}

bool qt_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool qt_parse_uint_any(const char *s, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
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
		if (*s == '"' || *s == '\\' || *s == '\'')
			qt_buf_putc(b, '\\');
		qt_buf_putc(b, *s);
	}
	qt_buf_putc(b, '"');
}
