/* The generic option layer: an extension declares its options as data
 * (struct qt_ext_opt) and this file reads each argument, stores it in
 * the extension's data block and, once the rule is read, checks the
 * table's mandatory options, exclusions and companions, with the
 * messages and order of iptables 1.8.9's xtoptions. An extension keeps
 * code only for what is special about it (its parse and check hooks). */
#include "addr.h"
#include "ext.h"
#include "model.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "addr.h"

enum qt_arg_kind qt_opt_arg_kind(const struct qt_ext_opt *o)
{
	if (o->arg != QT_ARG_NONE)
		return o->arg;
	return o->type == QT_OT_NONE || o->type == QT_OT_BITS ? QT_ARG_NONE
							      : QT_ARG_REQ;
}

const struct qt_ext_opt *qt_opt_canon(const struct qt_ext *ext,
				      const struct qt_ext_opt *o)
{
	for (const struct qt_ext_opt *c = ext->opts; c && c->name; c++)
		if (c->id == o->id)
			return c;
	return o;
}

const char *qt_opt_name(const struct qt_ext *ext, int id)
{
	for (const struct qt_ext_opt *o = ext->opts; o && o->name; o++)
		if (o->id == id)
			return o->name;
	return "?";
}

bool qt_strtoul(const char *s, const char **end, uint64_t min, uint64_t max,
		uint64_t *out)
{
	const char *p = s;
	char *e;
	/* strtoumax takes "-1" as its largest value; iptables refuses it */
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-')
		return false;
	errno = 0;
	uintmax_t v = strtoumax(s, &e, 0);
	if (e == s || errno == ERANGE || v < min || v > max)
		return false;
	if (end)
		*end = e;
	else if (*e != '\0')
		return false;
	*out = v;
	return true;
}

int qt_opt_range_error(struct qt_ctx *ctx, const char *ext, const char *opt,
		       uint64_t min, uint64_t max)
{
	return qt_param_error(ctx,
		"%s: bad value for option \"--%s\", or out of range (%ju-%ju).\n",
		ext, opt, (uintmax_t)min, (uintmax_t)max);
}

/* IPv6 (ip6tables' rules): 0..128 or an IPv6 mask. */
static int parse_plen6(struct qt_ctx *ctx, const char *ext, const char *opt,
		       const char *arg, unsigned *plen)
{
	uint64_t v;
	struct in6_addr m;
	if (qt_strtoul(arg, NULL, 0, 128, &v)) {
		*plen = (unsigned)v;
		return 0;
	}
	if (inet_pton(AF_INET6, arg, &m) == 1) {
		int c = qt_mask6_to_cidr(&m);
		*plen = c < 0 ? QT_PLEN_FULL : (unsigned)c;
		return 0;
	}
	return qt_param_error(ctx,
		"%s: bad value for option \"--%s\", neither a valid network mask nor valid CIDR (%u-%u).\n",
		ext, opt, 0, 128);
}

int qt_opt_parse_plen_fam(struct qt_ctx *ctx, const char *ext, const char *opt,
			  const char *arg, uint8_t family, unsigned *plen)
{
	if (family == AF_INET6)
		return parse_plen6(ctx, ext, opt, arg, plen);
	return qt_opt_parse_plen(ctx, ext, opt, arg, plen);
}

int qt_opt_parse_plen(struct qt_ctx *ctx, const char *ext, const char *opt,
		      const char *arg, unsigned *plen)
{
	uint64_t v;
	struct in_addr m;
	if (qt_strtoul(arg, NULL, 0, 32, &v)) {
		*plen = (unsigned)v;
		return 0;
	}
	if (inet_aton(arg, &m)) {
		int c = qt_mask_to_cidr(m);
		*plen = c < 0 ? QT_PLEN_FULL : (unsigned)c;
		return 0;
	}
	return qt_param_error(ctx,
		"%s: bad value for option \"--%s\", neither a valid network mask nor valid CIDR (%u-%u).\n",
		ext, opt, 0, 32);
}

void qt_plen_mask(unsigned plen, uint32_t mask[4])
{
	for (unsigned i = 0; i < 4; i++) {
		unsigned bits = plen > 32u * i ? plen - 32u * i : 0;
		mask[i] = bits >= 32 ? 0xffffffffu
			: bits == 0 ? 0 : htonl(0xffffffffu << (32 - bits));
	}
}

int qt_opt_parse_host(struct qt_ctx *ctx, const char *arg, uint32_t *addr)
{
	struct addrinfo hints = { .ai_family = AF_INET };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(arg, NULL, &hints, &res);
	if (rc != 0)
		return qt_param_error(ctx, "getaddrinfo: %s\n", gai_strerror(rc));
	*addr = ((const struct sockaddr_in *)(const void *)res->ai_addr)
			->sin_addr.s_addr;
	freeaddrinfo(res);
	return 0;
}

/* ---- storing into the data block ---- */

static uint64_t width_max(size_t size)
{
	return size >= 8 || size == 0 ? UINT64_MAX
				      : (UINT64_C(1) << (8 * size)) - 1;
}

static void put_uint(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	case 8: memcpy(p, &v, 8); break;
	}
}

static uint64_t get_uint(const void *p, size_t size)
{
	uint8_t a; uint16_t b; uint32_t c; uint64_t d = 0;
	switch (size) {
	case 1: memcpy(&a, p, 1); return a;
	case 2: memcpy(&b, p, 2); return b;
	case 4: memcpy(&c, p, 4); return c;
	case 8: memcpy(&d, p, 8); return d;
	}
	return 0;
}

/* "a[:b]" as xtables reads its UINT*RC types. */
static int parse_range(const char *ename, const struct qt_ext_opt *o,
		       const char *arg, uint64_t lmax, struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	const char *p = arg;
	a->nvals = 0;
	for (;;) {
		uint64_t x;
		const char *end;
		if (a->nvals == 2)
			return qt_param_error(ctx,
				"%s: Too many components for option \"--%s\" (max: 2)\n",
				ename, o->name);
		if (*p == '\0' || *p == ':') {
			end = p;
			x = a->nvals == 1 ? lmax : 0;
		} else {
			if (!qt_strtoul(p, &end, 0, lmax, &x))
				return qt_param_error(ctx,
					"%s: bad value for option \"--%s\" near \"%s\", or out of range (0-%ju).\n",
					ename, o->name, p, (uintmax_t)lmax);
			if (*end != '\0' && *end != ':')
				return qt_param_error(ctx,
					"%s: Argument to \"--%s\" has unexpected characters near \"%s\".\n",
					ename, o->name, end);
		}
		a->val.range[a->nvals++] = x;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	if (a->nvals == 1)
		a->val.range[1] = a->val.range[0];
	return 0;
}

/* Six ':'-separated parts, each read as strtoul reads base 16 and at
 * most two characters long (so "1", "-6" and even "" pass, as in
 * xtables, and the byte is what the value truncates to). */
static bool parse_mac(const char *s, uint8_t out[6])
{
	for (int i = 0; i < 6; i++) {
		char *end;
		unsigned long v = strtoul(s, &end, 16);
		if (end - s > 2 || *end != (i < 5 ? ':' : '\0'))
			return false;
		out[i] = (uint8_t)v;
		s = end + 1;
	}
	return true;
}

/* xtables' syslog level names (not those LOG prints: "warning" is read,
 * "warn" printed). */
static const struct qt_opt_choice syslog_levels[] = {
	{ "emerg", 0 }, { "panic", 0 }, { "alert", 1 }, { "crit", 2 },
	{ "error", 3 }, { "warning", 4 }, { "notice", 5 }, { "info", 6 },
	{ "debug", 7 }, { NULL, 0 },
};

static int parse_sysloglevel(const char *arg, uint64_t *out,
			     struct qt_ctx *ctx)
{
	if (qt_strtoul(arg, NULL, 0, 7, out))
		return 0;
	for (const struct qt_opt_choice *c = syslog_levels; c->name; c++)
		if (!strcmp(c->name, arg)) {
			*out = c->value;
			return 0;
		}
	return qt_param_error(ctx, "log level \"%s\" unknown\n", arg);
}

/* A port as xtables_getportbyname finds it: through getaddrinfo, which
 * takes a number (strtoul, base 10, truncated to 16 bits) or a service
 * of any socket type. -1 when it resolves to nothing. */
static int resolve_port(const char *s)
{
	struct addrinfo *res = NULL;
	int port = -1;
	if (getaddrinfo(NULL, s, NULL, &res) != 0)
		return -1;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET6) {
			port = ntohs(((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_port);
			break;
		}
		if (ai->ai_family == AF_INET) {
			port = ntohs(((struct sockaddr_in *)(void *)ai->ai_addr)->sin_port);
			break;
		}
	}
	freeaddrinfo(res);
	return port;
}

/* xtables' PORTRC: "a", "a:b", ":b", "a:", ":" or "" (an empty part
 * keeps its default: 0 before the colon, 65535 after it). */
static int parse_portrange(const char *ename, const char *oname,
			   const char *arg, uint16_t p[2], struct qt_ctx *ctx)
{
	char *buf = strdup(arg);
	if (!buf)
		abort();
	unsigned n = 0;
	int rc = 0;
	p[0] = 0;
	p[1] = 0xFFFF;
	char *rest = buf;
	for (;;) {
		char *colon = strchr(rest, ':');
		if (colon)
			*colon = '\0';
		if (n == 2) {
			rc = qt_param_error(ctx,
				"%s: Too many components for option \"--%s\" (max: 2)\n",
				ename, oname);
			break;
		}
		if (*rest) {
			int v = resolve_port(rest);
			if (v < 0) {
				rc = qt_param_error(ctx,
					"Port \"%s\" does not resolve to anything.\n",
					rest);
				break;
			}
			p[n] = (uint16_t)v;
		}
		n++;
		if (!colon)
			break;
		rest = colon + 1;
	}
	if (rc == 0 && n == 1)
		p[1] = p[0];
	free(buf);
	return rc;
}

/* Read the argument by type, into a->val and the option's place. */
static int read_value(struct qt_ext_inst *in, const struct qt_ext_opt *o,
		      struct qt_opt_arg *a, struct qt_ctx *ctx)
{
	const char *ename = in->ext->name;
	uint8_t *place = (uint8_t *)in->data + o->off;
	uint64_t lmax;

	switch (o->type) {
	case QT_OT_NONE:
	case QT_OT_BITS:
		a->val.u = o->value;
		if (o->size && o->type == QT_OT_BITS)
			put_uint(place, o->size,
				 get_uint(place, o->size) | o->value);
		else if (o->size)
			put_uint(place, o->size, o->value);
		return 0;
	case QT_OT_RAW:
		return 0;
	case QT_OT_UINT:
		lmax = o->max ? o->max : width_max(o->size);
		if (!qt_strtoul(a->arg, NULL, o->min, lmax, &a->val.u))
			return qt_opt_range_error(ctx, ename, o->name, o->min,
						  lmax);
		if (o->size)
			put_uint(place, o->size, a->val.u);
		return 0;
	case QT_OT_URANGE:
		lmax = o->max ? o->max : width_max(o->size / 2);
		if (parse_range(ename, o, a->arg, lmax, a, ctx))
			return -1;
		if (o->size) {
			put_uint(place, o->size / 2, a->val.range[0]);
			put_uint(place + o->size / 2, o->size / 2,
				 a->val.range[1]);
		}
		return 0;
	case QT_OT_STRING: {
		size_t z = strlen(a->arg);
		if (o->min && z < o->min)
			return qt_param_error(ctx,
				"Argument must have a minimum length of %ju characters\n",
				(uintmax_t)o->min);
		if (o->max && z > o->max)
			return qt_param_error(ctx,
				"Argument must have a maximum length of %ju characters\n",
				(uintmax_t)o->max);
		if (o->size) {
			/* cut silently to the kernel's size, as iptables */
			if (z >= o->size)
				z = o->size - 1u;
			memset(place, 0, o->size);
			memcpy(place, a->arg, z);
		}
		return 0;
	}
	case QT_OT_CHOICE:
		for (const struct qt_opt_choice *c = o->choices; c && c->name;
		     c++) {
			bool same = o->flags & QT_OPT_NOCASE
				? !strcasecmp(c->name, a->arg)
				: !strcmp(c->name, a->arg);
			if (!same)
				continue;
			a->val.u = c->value;
			if (o->size)
				put_uint(place, o->size, c->value);
			return 0;
		}
		if (!o->bad)
			return qt_param_error(ctx,
				"%s: Bad value for \"--%s\" option: \"%s\"",
				ename, o->name, a->arg);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		return qt_param_error(ctx, o->bad, a->arg);
#pragma GCC diagnostic pop
	case QT_OT_HOST:
		if (qt_opt_parse_host(ctx, a->arg, &a->val.addr))
			return -1;
		if (o->size)
			memcpy(place, &a->val.addr, 4);
		return 0;
	case QT_OT_PLEN:
		if (qt_opt_parse_plen_fam(ctx, ename, o->name, a->arg,
					  a->rule ? a->rule->family : AF_INET,
					  &a->val.plen))
			return -1;
		if (o->size)
			put_uint(place, o->size, a->val.plen);
		return 0;
	case QT_OT_MARKMASK:
		if (qt_parse_markmask(ename, a->arg, o->name, &a->val.mark[0],
				      &a->val.mark[1], ctx))
			return -1;
		if (o->size)
			memcpy(place, a->val.mark, 8);
		return 0;
	case QT_OT_SYSLOGLEVEL:
		if (parse_sysloglevel(a->arg, &a->val.u, ctx))
			return -1;
		if (o->size)
			put_uint(place, o->size, a->val.u);
		return 0;
	case QT_OT_PORTRANGE:
		if (parse_portrange(ename, o->name, a->arg, a->val.ports, ctx))
			return -1;
		if (o->size)
			memcpy(place, a->val.ports, 4);
		return 0;
	case QT_OT_ETHERMAC:
		if (!parse_mac(a->arg, a->val.mac))
			return qt_param_error(ctx, "Invalid MAC address specified.");
		if (o->size)
			memcpy(place, a->val.mac, 6);
		return 0;
	}
	return 0;
}

int qt_opt_parse(struct qt_ext_inst *in, struct qt_opt_arg *a,
		 struct qt_ctx *ctx)
{
	const struct qt_ext_opt *o = qt_opt_canon(in->ext, a->opt);
	const char *ename = in->ext->name;
	uint32_t bit = QT_BIT(o->id);
	if ((in->seen & bit) &&
	    (!(o->flags & QT_OPT_MULTI) || (o->excl & bit)))
		return qt_param_error(ctx,
			"%s: option \"--%s\" can only be used once.\n", ename,
			o->name);
	if (a->invert && !(o->flags & QT_OPT_INVERT))
		return qt_param_error(ctx,
			"%s: option \"--%s\" cannot be inverted.\n", ename,
			o->name);
	a->nvals = 1;
	if (a->arg && a->has_value_at)
		ctx->at = a->value_at;
	if (read_value(in, o, a, ctx))
		return -1;
	if (a->invert && o->inv_bit) {
		uint8_t *p = (uint8_t *)in->data + o->inv_off;
		put_uint(p, o->inv_size, get_uint(p, o->inv_size) | o->inv_bit);
	}
	/* the hook sees in->seen as it was before this option, so it can
	 * tell a repeat of a QT_OPT_MULTI option */
	if (in->ext->parse && in->ext->parse(in, a, ctx))
		return -1;
	in->seen |= bit;
	if (a->invert)
		in->inverted |= bit;
	return ctx->status ? -1 : 0;
}

int qt_opt_fcheck(const struct qt_ext_inst *in, struct qt_ctx *ctx)
{
	const struct qt_ext *ext = in->ext;
	for (const struct qt_ext_opt *o = ext->opts; o && o->name; o++) {
		if (qt_opt_canon(ext, o) != o)
			continue;
		bool seen = in->seen & QT_BIT(o->id);
		if ((o->flags & QT_OPT_MAND) && !seen)
			return qt_param_error(ctx,
				"%s: option \"--%s\" must be specified\n",
				ext->name, o->name);
		if (!seen)
			continue;
		for (int i = 0; i < 32; i++)
			if (i != o->id && (o->excl & QT_BIT(i)) &&
			    (in->seen & QT_BIT(i)))
				return qt_param_error(ctx,
					"%s: option \"--%s\" cannot be used together with \"--%s\".\n",
					ext->name, o->name, qt_opt_name(ext, i));
		for (int i = 0; i < 32; i++)
			if ((o->also & QT_BIT(i)) && !(in->seen & QT_BIT(i)))
				return qt_param_error(ctx,
					"%s: option \"--%s\" also requires \"--%s\".\n",
					ext->name, o->name, qt_opt_name(ext, i));
	}
	return 0;
}

int qt_opt_final(struct qt_ext_inst *in, const struct qt_rule_env *env,
		 struct qt_ctx *ctx)
{
	if (in->ext->check && in->ext->check(in, env, ctx))
		return -1;
	if (ctx->status)
		return -1;
	return qt_opt_fcheck(in, ctx);
}
