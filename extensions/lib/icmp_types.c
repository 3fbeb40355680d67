#include "icmp_types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"

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

int qt_icmp_match_parse(const struct qt_icmp_family *f,
			struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct qt_icmp_match *d = in->data;
	if (qt_icmp_parse(f, a->arg, (struct qt_icmp_sel){ &d->type, d->code },
			  ctx))
		return -1;
	d->invert = a->invert;
	return 0;
}

/* The option is the match's only one, which it must be given. */
int qt_icmp_match_check(const struct qt_icmp_family *f,
			const struct qt_ext_inst *in, struct qt_ctx *ctx)
{
	if (!(in->seen & 1u))
		return qt_param_error(ctx,
				      "%s: option \"--%s\" must be specified\n",
				      f->ext, f->opt);
	return 0;
}

int qt_icmp_match_kcheck(const struct qt_icmp_family *f,
			 const struct qt_rule_env *env)
{
	return qt_rule_proto_is(env->rule, f->proto) ? 0 : EINVAL;
}

void qt_icmp_match_save(const struct qt_icmp_family *f,
			const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct qt_icmp_match *d = in->data;
	if (d->invert)
		qt_buf_puts(b, " !");
	if (f->any && d->type == 0xFF && qt_icmp_all_codes(d->code))
		qt_buf_printf(b, " --%s any", f->opt);
	else if (qt_icmp_all_codes(d->code))
		qt_buf_printf(b, " --%s %u", f->opt, d->type);
	else
		qt_buf_printf(b, " --%s %u/%u", f->opt, d->type, d->code[0]);
}

void qt_icmp_match_print(const struct qt_icmp_family *f,
			 const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct qt_icmp_match *d = in->data;
	qt_buf_printf(b, " %s", f->proto_word);
	qt_icmp_print(f, d->type, d->code, d->invert, numeric, b);
}

/* icmp_match, icmp6_match: a non-first fragment does not match; a
 * first fragment without the 8-byte header is dropped; type and code
 * in range (ICMP's type 255, "any", every type and code:
 * icmp_type_code_match), '!' inverting the whole. */
bool qt_icmp_match_pkt(const struct qt_icmp_family *f,
		       const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct qt_icmp_match *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (!p->l4 || p->frag_off)
		return false;
	if (p->l4_len < 8) {
		ev->hotdrop = true;
		return false;
	}
	uint8_t type = p->l4[0], code = p->l4[1];
	bool m = (f->any && d->type == 0xFF) ||
		 (type == d->type && code >= d->code[0] && code <= d->code[1]);
	return m != !!d->invert;
}
