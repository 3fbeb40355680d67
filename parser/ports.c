/* Port and service parsing shared by tcp, udp, multiport and others,
 * and the NAT ranges of SNAT, DNAT, MASQUERADE and REDIRECT. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "ext.h"

int qt_port_parse(const char *s, const char *proto)
{
	uint64_t v;
	if (qt_parse_uint_any(s, 0, 65535, &v))
		return (int)v;
	struct servent *se = getservbyname(s, proto);
	if (se)
		return ntohs((uint16_t)se->s_port);
	return -1;
}

int qt_port_range_parse(const char *s, const char *proto, uint16_t ports[2],
			struct qt_ctx *ctx)
{
	char *buf = strdup(s);
	if (!buf)
		abort();
	char *colon = strchr(buf, ':');
	int a, b;
	if (!colon) {
		a = b = qt_port_parse(buf, proto);
		if (a < 0)
			goto bad_first;
	} else {
		*colon = '\0';
		a = buf[0] ? qt_port_parse(buf, proto) : 0;
		if (a < 0)
			goto bad_first;
		b = colon[1] ? qt_port_parse(colon + 1, proto) : 0xFFFF;
		if (b < 0) {
			qt_param_error(ctx, "invalid port/service `%s' specified",
				       colon + 1);
			free(buf);
			return -1;
		}
		if (a > b) {
			free(buf);
			return qt_param_error(ctx, "invalid portrange (min > max)");
		}
	}
	ports[0] = (uint16_t)a;
	ports[1] = (uint16_t)b;
	free(buf);
	return 0;
bad_first:
	qt_param_error(ctx, "invalid port/service `%s' specified", buf);
	free(buf);
	return -1;
}

void qt_port_print(struct qt_buf *b, uint16_t port, const char *proto,
		   bool numeric)
{
	struct servent *se;
	if (!numeric && (se = getservbyport(htons(port), proto)))
		qt_buf_puts(b, se->s_name);
	else
		qt_buf_printf(b, "%u", port);
}

/* ---- NAT ranges ---- */

/* xtables_strtoui: a number at the start of s (base 0, leading blanks
 * and '+' taken, '-' refused), its end in *end; false when there is no
 * number or it is out of [min, max]. */
static bool uint_prefix(const char *s, char **end, uintmax_t min,
			uintmax_t max, unsigned *out)
{
	if (s[strspn(s, " \t\n\v\f\r")] == '-')
		return false;
	errno = 0;
	uintmax_t v = strtoumax(s, end, 0);
	if (*end == s || errno || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* A service of any protocol (getservbyname(name, NULL)); -1 if none. */
static int service_port(const char *s)
{
	struct servent *se = getservbyname(s, NULL);
	return se ? ntohs((uint16_t)se->s_port) : -1;
}

int qt_nat_parse_ports(const char *arg, uint16_t proto, struct qt_nat_range *r,
		       struct qt_ctx *ctx)
{
	char *end;
	unsigned port, maxport, base;
	int sv;

	if (proto != 6 && proto != 17 && proto != 132 && proto != 33 &&
	    proto != 1)
		return qt_param_error(ctx,
			"Need TCP, UDP, SCTP or DCCP with port specification");
	r->flags |= QT_NAT_PROTO_SPECIFIED;

	if (!uint_prefix(arg, &end, 0, 65535, &port)) {
		/* a service name is the whole word */
		if ((sv = service_port(arg)) < 0)
			return qt_param_error(ctx, "Port `%s' not valid", arg);
		port = (unsigned)sv;
		end = (char *)"";
	}
	switch (*end) {
	case '\0':
		r->min_port = r->max_port = (uint16_t)port;
		return 0;
	case '-':
		arg = end + 1;
		break;
	case ':':
		return qt_param_error(ctx, "Invalid port:port syntax - use dash");
	default:
		return qt_param_error(ctx, "Garbage after port value: `%s'", end);
	}
	/* the upper end is numeric only */
	if (!uint_prefix(arg, &end, 0, 65535, &maxport))
		return qt_param_error(ctx, "Port `%s' not valid", arg);
	if (maxport < port)
		return qt_param_error(ctx, "Port range `%s' funky", arg);
	r->min_port = (uint16_t)port;
	r->max_port = (uint16_t)maxport;
	switch (*end) {
	case '\0':
		return 0;
	case '/':
		arg = end + 1;
		break;
	default:
		return qt_param_error(ctx, "Garbage after port range: `%s'", end);
	}
	/* the base: anything after its number is ignored, as in iptables */
	if (!uint_prefix(arg, &end, 1, 65535, &base)) {
		if ((sv = service_port(arg)) < 0)
			return qt_param_error(ctx, "Port `%s' not valid", arg);
		base = (unsigned)sv;
	}
	r->flags |= QT_NAT_PROTO_OFFSET;
	r->base_port = (uint16_t)base;
	return 0;
}

/* libxt_NAT's IPv6 reading: an address with ports is bracketed
 * ("[ADDR[-ADDR]]:PORTS", whatever follows the ']' up to a colon
 * ignored), one without may be bare; "[]:PORTS" maps no address. */
static int parse_to6(char *arg, uint16_t proto, struct qt_nat_range *r,
		     struct qt_ctx *ctx)
{
	char *start = strchr(arg, '['), *colon;
	if (!start) {
		start = arg;
		/* one colon is a port, more are an address */
		colon = strchr(arg, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;
	} else {
		start++;
		char *end = strchr(start, ']');
		if (!end)
			return qt_param_error(ctx, "Invalid address format");
		*end = '\0';
		colon = strchr(end + 1, ':');
	}
	if (colon) {
		if (qt_nat_parse_ports(colon + 1, proto, r, ctx))
			return -1;
		if (colon == arg || colon == arg + 2)
			return 0;
		*colon = '\0';
	}
	r->flags |= QT_NAT_MAP_IPS;
	char *dash = strchr(start, '-');
	if (colon && dash && dash > colon)
		dash = NULL;
	if (dash)
		*dash = '\0';
	if (inet_pton(AF_INET6, start, r->min_addr6) != 1)
		return qt_param_error(ctx, "Bad IP address \"%s\"", start);
	memcpy(r->max_addr6, r->min_addr6, 16);
	if (dash && inet_pton(AF_INET6, dash + 1, r->max_addr6) != 1)
		return qt_param_error(ctx, "Bad IP address \"%s\"", dash + 1);
	return 0;
}

int qt_nat_parse_to(const char *orig, uint16_t proto, struct qt_nat_range *r,
		    struct qt_ctx *ctx)
{
	char *arg = strdup(orig);
	int rc = -1;
	if (!arg)
		abort();
	if (r->family == AF_INET6) {
		rc = parse_to6(arg, proto, r, ctx);
		free(arg);
		return rc;
	}
	/* one colon separates the ports; more than one is no port at all
	 * (an IPv6 address in ip6tables), so the address check complains */
	char *colon = strchr(arg, ':');
	if (colon && strchr(colon + 1, ':'))
		colon = NULL;
	if (colon) {
		if (qt_nat_parse_ports(colon + 1, proto, r, ctx))
			goto out;
		/* no address: ":80" (and, as iptables' "[]:80" test has it,
		 * any two characters before the colon) */
		if (colon == arg || colon == arg + 2) {
			rc = 0;
			goto out;
		}
		*colon = '\0';
	}
	r->flags |= QT_NAT_MAP_IPS;
	char *dash = strchr(arg, '-');
	if (dash)
		*dash = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, arg, &a) != 1) {
		qt_param_error(ctx, "Bad IP address \"%s\"", arg);
		goto out;
	}
	r->min_addr = r->max_addr = a.s_addr;
	if (dash) {
		if (inet_pton(AF_INET, dash + 1, &a) != 1) {
			qt_param_error(ctx, "Bad IP address \"%s\"", dash + 1);
			goto out;
		}
		r->max_addr = a.s_addr;
	}
	rc = 0;
out:
	free(arg);
	return rc;
}

void qt_nat_range_put(struct qt_buf *b, const struct qt_nat_range *r,
		      bool ports_only)
{
	char s[INET_ADDRSTRLEN];
	if (!ports_only && (r->flags & QT_NAT_MAP_IPS) &&
	    r->family == AF_INET6) {
		/* brackets only where ports follow, as libxt_NAT prints */
		bool br = r->flags & QT_NAT_PROTO_SPECIFIED;
		char s6[INET6_ADDRSTRLEN];
		qt_buf_printf(b, "%s%s", br ? "[" : "",
			      inet_ntop(AF_INET6, r->min_addr6, s6, sizeof(s6)));
		if (memcmp(r->min_addr6, r->max_addr6, 16))
			qt_buf_printf(b, "-%s", inet_ntop(AF_INET6, r->max_addr6,
							  s6, sizeof(s6)));
		if (br)
			qt_buf_putc(b, ']');
	} else if (!ports_only && (r->flags & QT_NAT_MAP_IPS)) {
		struct in_addr a = { .s_addr = r->min_addr };
		qt_buf_puts(b, inet_ntop(AF_INET, &a, s, sizeof(s)));
		if (r->max_addr != r->min_addr) {
			a.s_addr = r->max_addr;
			qt_buf_printf(b, "-%s", inet_ntop(AF_INET, &a, s, sizeof(s)));
		}
	}
	if (r->flags & QT_NAT_PROTO_SPECIFIED) {
		qt_buf_printf(b, "%s%u", ports_only ? "" : ":", r->min_port);
		if (r->max_port != r->min_port)
			qt_buf_printf(b, "-%u", r->max_port);
		if (r->flags & QT_NAT_PROTO_OFFSET)
			qt_buf_printf(b, "/%u", r->base_port);
	}
}

void qt_port_range_save(struct qt_buf *b, const char *opt,
			const uint16_t p[2], bool inv)
{
	if (p[0] == 0 && p[1] == 0xFFFF)
		return;
	qt_port_range_save_given(b, opt, p, inv);
}

void qt_port_range_save_given(struct qt_buf *b, const char *opt,
			      const uint16_t p[2], bool inv)
{
	if (inv)
		qt_buf_puts(b, " !");
	if (p[0] != p[1])
		qt_buf_printf(b, " --%s %u:%u", opt, p[0], p[1]);
	else
		qt_buf_printf(b, " --%s %u", opt, p[0]);
}

void qt_port_range_print(struct qt_buf *b, const char *label,
			 const uint16_t p[2], bool inv, const char *proto,
			 bool numeric)
{
	if (p[0] == 0 && p[1] == 0xFFFF && !inv)
		return;
	qt_buf_printf(b, " %s", label);
	if (p[0] == p[1]) {
		qt_buf_printf(b, ":%s", inv ? "!" : "");
		qt_port_print(b, p[0], proto, numeric);
	} else {
		qt_buf_printf(b, "s:%s", inv ? "!" : "");
		qt_port_print(b, p[0], proto, numeric);
		qt_buf_putc(b, ':');
		qt_port_print(b, p[1], proto, numeric);
	}
}

void qt_nat_flags_put(struct qt_buf *b, uint32_t flags, const char *pre)
{
	if (flags & QT_NAT_PROTO_RANDOM)
		qt_buf_printf(b, " %srandom", pre);
	if (flags & QT_NAT_PROTO_RANDOM_FULLY)
		qt_buf_printf(b, " %srandom-fully", pre);
	if (flags & QT_NAT_PERSISTENT)
		qt_buf_printf(b, " %spersistent", pre);
}
