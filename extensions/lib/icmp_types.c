#include "icmp_types.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "TYPE" or "TYPE/CODE", numbers in any C base. iptables' wording: no
 * number or one above 255 is an unknown type/code (quoting the whole
 * argument), anything else left over an "unknown character". */
static int parse_numeric(const struct qt_icmp_family *f, const char *arg,
			 struct qt_icmp_sel s, struct qt_ctx *ctx)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 0);
	if (end == arg || v > 0xFF)
		return qt_param_error(ctx, "Unknown %s type `%s'", f->word, arg);
	*s.type = (uint8_t)v;
	s.code[0] = 0;
	s.code[1] = 0xFF;
	if (*end == '/') {
		const char *c = end + 1;
		v = strtoul(c, &end, 0);
		if (end == c || v > 0xFF)
			return qt_param_error(ctx, "Unknown %s code `%s'",
					      f->word, arg);
		s.code[0] = s.code[1] = (uint8_t)v;
	}
	if (*end)
		return qt_param_error(ctx, "unknown character %c", *end);
	return 0;
}

int qt_icmp_parse(const struct qt_icmp_family *f, const char *arg,
		  struct qt_icmp_sel s, struct qt_ctx *ctx)
{
	size_t len = strlen(arg);
	const struct qt_icmp_name *found = NULL;
	for (size_t i = 0; i < f->nnames; i++) {
		if (strncasecmp(f->names[i].name, arg, len))
			continue;
		if (found)
			return qt_param_error(ctx,
				"Ambiguous %s type `%s': `%s' or `%s'?",
				f->word, arg, found->name, f->names[i].name);
		found = &f->names[i];
	}
	if (!found)
		return parse_numeric(f, arg, s, ctx);
	*s.type = found->type;
	s.code[0] = found->min;
	s.code[1] = found->max;
	return 0;
}

bool qt_icmp_all_codes(const uint8_t code[2])
{
	return code[0] == 0 && code[1] == 0xFF;
}

void qt_icmp_print(const struct qt_icmp_family *f, uint8_t type,
		   const uint8_t code[2], bool invert, bool numeric,
		   struct qt_buf *b)
{
	for (size_t i = 0; !numeric && i < f->nnames; i++) {
		const struct qt_icmp_name *n = &f->names[i];
		if (n->type == type && n->min == code[0] && n->max == code[1]) {
			qt_buf_printf(b, " %s%s", invert ? "!" : "", n->name);
			return;
		}
	}
	if (invert)
		qt_buf_puts(b, " !");
	qt_buf_printf(b, "type %u", type);
	if (code[0] == code[1])
		qt_buf_printf(b, " code %u", code[0]);
	else if (!qt_icmp_all_codes(code))
		qt_buf_printf(b, " codes %u-%u", code[0], code[1]);
}
