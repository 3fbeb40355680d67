/* The extension registry and helpers every extension shares. */
#include "ext.h"

#include <errno.h>
#include <inttypes.h>
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

const struct qt_ext *qt_ext_find_fam(const char *name, enum qt_ext_kind kind,
				     uint8_t family)
{
	for (size_t i = 0; i < nregistered; i++)
		if (registry[i]->kind == kind &&
		    (!registry[i]->family || registry[i]->family == family) &&
		    (!strcmp(registry[i]->name, name) ||
		     (registry[i]->alias && !strcmp(registry[i]->alias, name))))
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
	if (!s || *s == '-' || *s == '+')
		return false;
	return qt_parse_uint_any(s, min, max, out);
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

/* VALUE[/MASK] of MARK and CONNMARK (the xtables markmask type) with
 * their messages; the mask is all ones when absent. */
int qt_parse_markmask(const char *ext, const char *arg, const char *opt,
		      uint32_t *val, uint32_t *mask, struct qt_ctx *ctx)
{
	const char *s = arg;
	char *end;
	uintmax_t v;
	errno = 0;
	v = strtoumax(s, &end, 0);
	if (end == s || errno || v > UINT32_MAX ||
	    s[strspn(s, " \t\n\v\f\r")] == '-')
		goto bad;
	*val = (uint32_t)v;
	*mask = UINT32_MAX;
	if (*end == '/') {
		s = end + 1;
		v = strtoumax(s, &end, 0);
		if (end == s || errno || v > UINT32_MAX ||
		    s[strspn(s, " \t\n\v\f\r")] == '-')
			goto bad;
		*mask = (uint32_t)v;
	}
	if (*end)
		return qt_param_error(ctx,
			"%s: trailing garbage after value for option \"--%s\".\n",
			ext, opt);
	return 0;
bad:
	return qt_param_error(ctx,
		"%s: bad integer value for option \"--%s\", or out of range.\n",
		ext, opt);
}
