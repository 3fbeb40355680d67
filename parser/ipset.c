/* ipset(8)'s commands on the engine's sets; see ipset.h. Facts of ipset
 * 7.17 on Linux 6.18, asked of the real program:
 *  - messages are "ipset v7.17: TEXT"; usage errors (exit 2) add "Try
 *    `ipset help' for more information."; what the kernel refuses
 *    exits 1; in restore a refusal says "Error in line N: ";
 *  - options (-exist, -quiet, -output, -name, -terse, -sorted,
 *    -resolve) may come before or after the command, with one or two
 *    dashes;
 *  - hashsize is rounded up to a power of two, at least 64; timeouts
 *    are at most 2147483 seconds; a remaining timeout is listed in
 *    whole seconds rounded down;
 *  - `test` answers on stderr: "Warning: E is in set S." (0) or "E is
 *    NOT in set S." (1). */
#include "ipset.h"
#include "ipset_help.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PROG "ipset " QT_IPSET_VERSION ": "
#define TRY "Try `ipset help' for more information.\n"

enum { ST_OK = 0, ST_KERNEL = 1, ST_USAGE = 2 };

/* What one command line asked, besides its words. */
struct cmd_opts {
	bool exist, quiet, names_only, terse;
	/* OUT_DEFAULT: plain for list, save lines for save */
	enum { OUT_DEFAULT, OUT_PLAIN, OUT_SAVE, OUT_XML } output;
};

/* Where messages go and how they are framed (restore: the line). */
struct run {
	const struct qt_ipset_env *env;
	struct qt_buf *out, *err;
	bool *changed;
	unsigned line;              /* restore: the line number; 0: none */
};

static int kfail(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int kfail(struct run *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->line)
		qt_buf_printf(r->err, PROG "Error in line %u: %s\n", r->line,
			      msg);
	else
		qt_buf_printf(r->err, PROG "%s\n", msg);
	return ST_KERNEL;
}

static int ufail(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ufail(struct run *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	qt_buf_printf(r->err, PROG "%s\n" TRY, msg);
	return ST_USAGE;
}

/* ---- numbers, names, elements ---- */

static bool read_u32(const char *s, uint32_t *v)
{
	char *end;
	if (!*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 0);
	if (*end || errno || n > UINT32_MAX)
		return false;
	*v = (uint32_t)n;
	return true;
}

/* ipset's range check of a number: "'N' is out of range A-B". */
static int number(struct run *r, const char *s, uint64_t lo, uint64_t hi,
		  uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 0);
	if (!*s || *end || errno || *s == '-')
		return kfail(r, "Syntax error: '%s' is invalid as number", s);
	if (n < lo || n > hi)
		return kfail(r, "Syntax error: '%s' is out of range %" PRIu64
			     "-%" PRIu64, s, lo, hi);
	*v = n;
	return 0;
}

static int parse_ip(struct run *r, const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1)
		return kfail(r, "Syntax error: cannot parse %s: resolving to "
			     "IPv4 address failed", s);
	return 0;
}

static int parse_ip6(struct run *r, const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		return kfail(r, "Syntax error: cannot parse %s: resolving to "
			     "IPv6 address failed", s);
	return 0;
}

static bool addr_is_zero(const union qt_addr *a)
{
	static const union qt_addr zero;
	return !memcmp(a, &zero, sizeof(*a));
}

static unsigned host_plen(const struct qt_set *s)
{
	return s->o.family == AF_INET6 ? 128 : 32;
}

static const struct { const char *name; uint8_t proto; } protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ "sctp", IPPROTO_SCTP }, { "udplite", IPPROTO_UDPLITE },
};

static const char *proto_name(uint8_t p)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == p)
			return protos[i].name;
	return "tcp";
}

/* "[proto:]port" of a hash:*,port element; tcp when no protocol. */
static int parse_port(struct run *r, const char *s, struct qt_set_key *k,
		      bool with_proto)
{
	const char *colon = with_proto ? strchr(s, ':') : NULL;
	k->proto = with_proto ? IPPROTO_TCP : 0;
	if (colon) {
		size_t n = (size_t)(colon - s);
		bool known = false;
		for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (strlen(protos[i].name) == n &&
			    !strncmp(protos[i].name, s, n)) {
				k->proto = protos[i].proto;
				known = true;
			}
		if (!known)
			return kfail(r, "Syntax error: cannot parse '%.*s' as "
				     "a protocol", (int)n, s);
		s = colon + 1;
	}
	uint32_t v;
	if (!read_u32(s, &v) || v > 65535)
		return kfail(r, "Syntax error: cannot parse '%s' as a %sport",
			     s, with_proto ? "" : "");
	k->port = (uint16_t)v;
	return 0;
}

/* One element of set s from its text; for a hash:ip address given as
 * a range or CIDR, *last gets the range's end (else ip itself). */
static int parse_elem(struct run *r, const struct qt_set *s, const char *text,
		      struct qt_set_key *k, uint32_t *first, uint32_t *last)
{
	char buf[256];
	memset(k, 0, sizeof(*k));
	if (strlen(text) >= sizeof(buf))
		return kfail(r, "Syntax error: cannot parse %s: resolving to "
			     "IPv4 address failed", text);
	strcpy(buf, text);
	char *parts[QT_SET_MAX_DIMS] = { buf };
	unsigned n = 1;
	for (char *p = buf; *p && n <= QT_SET_MAX_DIMS; p++)
		if (*p == ',') {
			*p = '\0';
			if (n < QT_SET_MAX_DIMS)
				parts[n] = p + 1;
			n++;
		}
	const struct qt_set_type *t = s->type;
	if (n < t->ndims)
		return kfail(r, "Syntax error: %s element is missing from %s.",
			     n == 1 ? "Second" : "Third", text);
	if (n > t->ndims)
		return kfail(r, "Syntax error: Elem separator in %s, but "
			     "settype %s supports none.", text, t->name);
	*first = *last = 0;
	bool first_ip = true;
	for (unsigned d = 0; d < t->ndims; d++) {
		char *w = parts[d];
		if (t->dims[d] == QT_SD_PORT) {
			if (parse_port(r, w, k, !t->bitmap))
				return ST_KERNEL;
			if (t->bitmap && (k->port < s->o.port_from ||
					  k->port > s->o.port_to))
				return kfail(r, "Element is out of the range "
					     "of the set");
			continue;
		}
		union qt_addr *a = first_ip ? &k->ip : &k->ip2;
		uint8_t *cidr = first_ip ? &k->cidr : &k->cidr2;
		char whole[sizeof(buf)];
		strcpy(whole, w);
		char *slash = strchr(w, '/');
		char *dash = strchr(w, '-');
		unsigned plen = host_plen(s);
		if (slash) {
			*slash = '\0';
			uint64_t v;
			if (number(r, slash + 1, 0, plen, &v))
				return ST_KERNEL;
			plen = (unsigned)v;
		}
		if (s->o.family == AF_INET6) {
			/* no ranges and no CIDR blocks of hosts in IPv6 */
			if (dash || (t->dims[d] != QT_SD_NET && plen != 128))
				return kfail(r, "Syntax error: plain IP address "
					     "must be supplied: %s", whole);
			if (parse_ip6(r, w, &a->v6))
				return ST_KERNEL;
			if (t->dims[d] == QT_SD_NET) {
				if (plen == 0)
					return kfail(r, "The value of the CIDR "
						     "parameter of the IP "
						     "address is invalid");
				for (unsigned i = 0; i < 16; i++) {
					unsigned b = plen > 8 * i ? plen - 8 * i : 0;
					a->v6.s6_addr[i] &= (uint8_t)(b >= 8 ? 0xff
						: (0xff00 >> b) & 0xff);
				}
			}
			*cidr = (uint8_t)plen;
			first_ip = false;
			continue;
		}
		if (dash && first_ip && t->dims[d] == QT_SD_IP) {
			*dash = '\0';
			struct in_addr lo, hi;
			if (parse_ip(r, w, &lo) || parse_ip(r, dash + 1, &hi))
				return ST_KERNEL;
			*first = ntohl(lo.s_addr);
			*last = ntohl(hi.s_addr);
			if (*first > *last)
				return kfail(r, "Syntax error: %s is greater "
					     "than %s", w, dash + 1);
			a->v4 = lo;
			*cidr = 32;
			first_ip = false;
			continue;
		}
		if (parse_ip(r, w, &a->v4))
			return ST_KERNEL;
		if (t->dims[d] == QT_SD_NET) {
			if (plen == 0)
				return kfail(r, "The value of the CIDR parameter "
					     "of the IP address is invalid");
			a->v4.s_addr &= htonl(~0u << (32 - plen));
			*cidr = (uint8_t)plen;
		} else {
			uint32_t m = plen ? ~0u << (32 - plen) : 0;
			uint32_t h = ntohl(a->v4.s_addr);
			if (first_ip) {
				*first = h & m;
				*last = (h & m) | ~m;
				a->v4.s_addr = htonl(*first);
			} else if (plen != 32) {
				return kfail(r, "Syntax error: plain IP "
					     "address must be supplied: %s",
					     whole);
			}
			*cidr = 32;
		}
		if (first_ip && t->dims[d] != QT_SD_IP)
			*first = *last = 0;
		first_ip = false;
	}
	return 0;
}

void qt_ipset_put_key(struct qt_buf *b, const struct qt_set *s,
		      const struct qt_set_key *k)
{
	char a[INET6_ADDRSTRLEN];
	bool first_ip = true;
	for (unsigned d = 0; d < s->type->ndims; d++) {
		if (d)
			qt_buf_putc(b, ',');
		if (s->type->dims[d] == QT_SD_PORT) {
			if (s->type->bitmap)
				qt_buf_printf(b, "%u", k->port);
			else
				qt_buf_printf(b, "%s:%u", proto_name(k->proto),
					      k->port);
			continue;
		}
		const union qt_addr *ip = first_ip ? &k->ip : &k->ip2;
		uint8_t cidr = first_ip ? k->cidr : k->cidr2;
		inet_ntop(s->o.family == AF_INET6 ? AF_INET6 : AF_INET, ip,
			  a, sizeof(a));
		qt_buf_puts(b, a);
		if (s->type->dims[d] == QT_SD_NET && cidr != host_plen(s))
			qt_buf_printf(b, "/%u", cidr);
		first_ip = false;
	}
}

/* ---- listing ---- */

static void put_header(struct qt_buf *b, const struct qt_set *s,
		       bool with_initval)
{
	if (s->type->bitmap) {
		qt_buf_printf(b, "range %u-%u", s->o.port_from, s->o.port_to);
	} else {
		qt_buf_printf(b, "family %s hashsize %u maxelem %u",
			      s->o.family == AF_INET6 ? "inet6" : "inet",
			      s->o.hashsize, s->o.maxelem);
	}
	if (s->o.has_timeout)
		qt_buf_printf(b, " timeout %u", s->o.timeout);
	if (s->o.counters)
		qt_buf_puts(b, " counters");
	if (s->o.comment)
		qt_buf_puts(b, " comment");
	if (!s->type->bitmap) {
		qt_buf_puts(b, " bucketsize 12");
		if (with_initval)
			qt_buf_printf(b, " initval 0x%08x", s->initval);
	}
}

/* The header as -output xml writes it: one tag per word of the plain
 * header, flags as empty tags. */
static void put_header_xml(struct qt_buf *b, const struct qt_set *s)
{
	if (s->type->bitmap)
		qt_buf_printf(b, "<range>%u-%u</range>", s->o.port_from,
			      s->o.port_to);
	else
		qt_buf_printf(b, "<family>%s</family><hashsize>%u</hashsize>"
			      "<maxelem>%u</maxelem>",
			      s->o.family == AF_INET6 ? "inet6" : "inet",
			      s->o.hashsize, s->o.maxelem);
	if (s->o.has_timeout)
		qt_buf_printf(b, "<timeout>%u</timeout>", s->o.timeout);
	if (s->o.counters)
		qt_buf_puts(b, "<counters/>");
	if (s->o.comment)
		qt_buf_puts(b, "<comment/>");
	if (!s->type->bitmap)
		qt_buf_printf(b, "<bucketsize>12</bucketsize>"
			      "<initval>0x%08x</initval>", s->initval);
}

/* ipset writes the element's text and comment as they are, unescaped */
static void put_elem_xml(struct qt_buf *b, const struct qt_set *s,
			 const struct qt_set_elem_view *e)
{
	qt_buf_puts(b, "<member><elem>");
	qt_ipset_put_key(b, s, &e->key);
	qt_buf_puts(b, "</elem>");
	if (s->o.has_timeout)
		qt_buf_printf(b, "<timeout>%u</timeout>", e->remaining);
	if (e->nomatch)
		qt_buf_puts(b, "<nomatch/>");
	if (s->o.counters)
		qt_buf_printf(b, "<packets>%" PRIu64 "</packets><bytes>%" PRIu64
			      "</bytes>", e->packets, e->bytes);
	if (s->o.comment && e->comment[0])
		qt_buf_printf(b, "<comment>\"%s\"</comment>", e->comment);
	qt_buf_puts(b, "</member>\n");
}

/* ipset quotes a comment in double quotes, as it is. */
static void put_elem_opts(struct qt_buf *b, const struct qt_set *s,
			  const struct qt_set_elem_view *e)
{
	if (s->o.has_timeout)
		qt_buf_printf(b, " timeout %u", e->remaining);
	if (e->nomatch)
		qt_buf_puts(b, " nomatch");
	if (s->o.counters)
		qt_buf_printf(b, " packets %" PRIu64 " bytes %" PRIu64,
			      e->packets, e->bytes);
	if (s->o.comment && e->comment[0])
		qt_buf_printf(b, " comment \"%s\"", e->comment);
}

struct list_ctx {
	struct qt_buf *b;
	const struct qt_set *s;
	bool save;
	bool xml;
	bool state;                 /* qt_ipset_save_all */
};

static int list_elem(void *ctx, const struct qt_set_elem_view *e)
{
	struct list_ctx *c = ctx;
	if (c->xml) {
		put_elem_xml(c->b, c->s, e);
		return 0;
	}
	if (c->save)
		qt_buf_printf(c->b, "add %s ", c->s->name);
	qt_ipset_put_key(c->b, c->s, &e->key);
	put_elem_opts(c->b, c->s, e);
	qt_buf_putc(c->b, '\n');
	return 0;
}

static void list_set(struct run *r, struct qt_set *s,
		     const struct cmd_opts *o, bool first)
{
	struct qt_buf *b = r->out;
	uint64_t now = r->env->now_ms;
	bool xml = o->output == OUT_XML;
	if (o->names_only) {
		qt_buf_printf(b, xml ? "<ipset name=\"%s\"/>\n" : "%s\n",
			      s->name);
		return;
	}
	/* expired elements are not counted */
	qt_set_gc(s, now);
	struct list_ctx c = { .b = b, .s = s, .save = o->output == OUT_SAVE,
			      .xml = xml };
	unsigned refs = r->env->refs ? r->env->refs(r->env->ctx, s->name) : 0;
	if (xml) {
		qt_buf_printf(b, "<ipset name=\"%s\">\n<type>%s</type>\n"
			      "<revision>%u</revision>\n<header>", s->name,
			      s->type->name, s->type->revision);
		put_header_xml(b, s);
		qt_buf_printf(b, "\n<memsize>%zu</memsize>\n<references>%u"
			      "</references>\n<numentries>%u</numentries>\n"
			      "</header>\n", qt_set_memsize(s), refs, s->nelems);
		if (!o->terse) {
			qt_buf_puts(b, "<members>\n");
			qt_set_foreach(s, now, list_elem, &c);
			qt_buf_puts(b, "</members>\n");
		}
		qt_buf_puts(b, "</ipset>\n");
		return;
	}
	if (o->output == OUT_SAVE) {
		qt_buf_printf(b, "create %s %s ", s->name, s->type->name);
		put_header(b, s, true);
		qt_buf_putc(b, '\n');
		if (!o->terse)
			qt_set_foreach(s, now, list_elem, &c);
		return;
	}
	if (!first)
		qt_buf_putc(b, '\n');
	qt_buf_printf(b, "Name: %s\nType: %s\nRevision: %u\nHeader: ", s->name,
		      s->type->name, s->type->revision);
	put_header(b, s, true);
	qt_buf_printf(b, "\nSize in memory: %zu\nReferences: %u\n"
		      "Number of entries: %u\n", qt_set_memsize(s), refs,
		      s->nelems);
	if (o->terse)
		return;
	qt_buf_puts(b, "Members:\n");
	qt_set_foreach(s, now, list_elem, &c);
}

static int cmd_list(struct run *r, const char *name, const struct cmd_opts *o)
{
	bool xml = o->output == OUT_XML;
	if (name) {
		struct qt_set *s = qt_sets_find(name);
		if (!s)
			return kfail(r, "The set with the given name does not "
				     "exist");
		if (xml)
			qt_buf_puts(r->out, "<ipsets>\n");
		list_set(r, s, o, true);
		if (xml)
			qt_buf_puts(r->out, "</ipsets>\n");
		return ST_OK;
	}
	if (xml)
		qt_buf_puts(r->out, "<ipsets>\n");
	bool first = true;
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++) {
		struct qt_set *s = qt_sets_at(i);
		if (s) {
			list_set(r, s, o, first);
			first = false;
		}
	}
	if (xml)
		qt_buf_puts(r->out, "</ipsets>\n");
	return ST_OK;
}

void qt_ipset_save_all(struct qt_buf *out, uint64_t now_ms)
{
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++) {
		struct qt_set *s = qt_sets_at(i);
		if (!s)
			continue;
		qt_buf_printf(out, "create %s %s ", s->name, s->type->name);
		put_header(out, s, true);
		qt_buf_putc(out, '\n');
		struct list_ctx c = { .b = out, .s = s, .save = true,
				      .state = true };
		qt_set_foreach(s, now_ms, list_elem, &c);
	}
}

/* ---- create ---- */

static int check_name(struct run *r, const char *name)
{
	if (strlen(name) > QT_SET_NAME_MAX - 1)
		return kfail(r, "Syntax error: setname '%s' is longer than %d "
			     "characters", name, QT_SET_NAME_MAX - 1);
	return 0;
}

static bool same_set(const struct qt_set *s, const struct qt_set_type *t,
		     const struct qt_set_opts *o)
{
	return s->type == t && s->o.hashsize == o->hashsize &&
	       s->o.maxelem == o->maxelem &&
	       s->o.has_timeout == o->has_timeout &&
	       s->o.timeout == o->timeout && s->o.counters == o->counters &&
	       s->o.comment == o->comment && s->o.port_from == o->port_from &&
	       s->o.port_to == o->port_to;
}

static int cmd_create(struct run *r, int argc, char **argv,
		      const struct cmd_opts *co)
{
	if (argc < 1)
		return ufail(r, "Missing mandatory argument to command create");
	if (argc < 2)
		return ufail(r, "Missing second mandatory argument to command "
			     "create");
	const char *name = argv[0];
	if (check_name(r, name))
		return ST_KERNEL;
	const struct qt_set_type *t = qt_set_type_find(argv[1]);
	if (!t)
		return kfail(r, "Syntax error: typename '%s' is unknown",
			     argv[1]);
	struct qt_set_opts o = { .family = AF_INET, .hashsize = 1024,
				 .maxelem = 65536 };
	bool has_range = false;
	for (int i = 2; i < argc; i++) {
		const char *w = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
		bool takes = !strcmp(w, "family") || !strcmp(w, "hashsize") ||
			     !strcmp(w, "maxelem") || !strcmp(w, "timeout") ||
			     !strcmp(w, "bucketsize") || !strcmp(w, "range") ||
			     !strcmp(w, "initval");
		if (takes && t->bitmap != !strcmp(w, "range") &&
		    strcmp(w, "timeout"))
			return ufail(r, "Unknown argument: `%s'", w);
		if (takes && !v)
			return ufail(r, "Missing mandatory argument of option "
				     "`%s'", w);
		if (!t->bitmap && (!strcmp(w, "-4") || !strcmp(w, "-6"))) {
			o.family = w[1] == '6' ? AF_INET6 : AF_INET;
			continue;
		}
		if (!strcmp(w, "family")) {
			if (!strcmp(v, "inet6"))
				o.family = AF_INET6;
			else if (!strcmp(v, "inet"))
				o.family = AF_INET;
			else
				return kfail(r, "Syntax error: unknown inet "
					     "family %s", v);
		} else if (!strcmp(w, "hashsize")) {
			if (number(r, v, 0, UINT32_MAX, &n))
				return ST_KERNEL;
			uint32_t h = 64;
			while (h < n && h < (1u << 31))
				h <<= 1;
			o.hashsize = h;
		} else if (!strcmp(w, "maxelem")) {
			if (number(r, v, 0, UINT32_MAX, &n))
				return ST_KERNEL;
			o.maxelem = (uint32_t)n;
		} else if (!strcmp(w, "timeout")) {
			if (number(r, v, 0, QT_SET_TIMEOUT_MAX, &n))
				return ST_KERNEL;
			o.has_timeout = true;
			o.timeout = (uint32_t)n;
		} else if (!strcmp(w, "bucketsize")) {
			if (number(r, v, 0, 255, &n))
				return ST_KERNEL;
		} else if (!strcmp(w, "initval")) {
			if (number(r, v, 0, UINT32_MAX, &n))
				return ST_KERNEL;
			o.initval = (uint32_t)n;
			o.has_initval = true;
		} else if (!strcmp(w, "range")) {
			struct qt_set_key k;
			char lo[64];
			const char *dash = strchr(v, '-');
			snprintf(lo, sizeof(lo), "%.*s",
				 dash ? (int)(dash - v) : (int)strlen(v), v);
			if (parse_port(r, lo, &k, false))
				return ST_KERNEL;
			o.port_from = k.port;
			o.port_to = k.port;
			if (dash) {
				if (parse_port(r, dash + 1, &k, false))
					return ST_KERNEL;
				o.port_to = k.port;
			}
			if (o.port_from > o.port_to) {
				uint16_t x = o.port_from;
				o.port_from = o.port_to;
				o.port_to = x;
			}
			has_range = true;
		} else if (!strcmp(w, "counters")) {
			o.counters = true;
			continue;
		} else if (!strcmp(w, "comment")) {
			o.comment = true;
			continue;
		} else {
			return ufail(r, "Unknown argument: `%s'", w);
		}
		i++;
	}
	if (t->bitmap) {
		if (!has_range)
			return ufail(r, "Syntax error: Missing mandatory "
				     "option(s) to command create: range");
		o.hashsize = 0;
		o.maxelem = (uint32_t)(o.port_to - o.port_from) + 1;
	}
	struct qt_set *old = qt_sets_find(name);
	if (old) {
		if (co->exist && same_set(old, t, &o))
			return ST_OK;
		return kfail(r, "Set cannot be created: set with the same name "
			     "already exists");
	}
	struct qt_set *s = qt_set_new(name, t, &o);
	if (!s)
		return kfail(r, "Cannot allocate memory");
	if (qt_sets_insert(s) < 0) {
		qt_set_free(s);
		return kfail(r, "Set cannot be created: the maximal number of "
			     "sets is reached");
	}
	*r->changed = true;
	return ST_OK;
}

/* ---- add, del, test ---- */

static int elem_opts(struct run *r, const struct qt_set *s, int argc,
		     char **argv, struct qt_set_elem_opts *eo)
{
	memset(eo, 0, sizeof(*eo));
	/* every option but the nomatch flag takes a value */
	for (int i = 0; i < argc; i += 2) {
		const char *w = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
		if (!strcmp(w, "nomatch") && qt_set_type_has_net(s->type)) {
			eo->nomatch = true;
			i--;
			continue;
		}
		if (strcmp(w, "timeout") && strcmp(w, "packets") &&
		    strcmp(w, "bytes") && strcmp(w, "comment"))
			return ufail(r, "Unknown argument: `%s'", w);
		if (!v)
			return ufail(r, "Missing mandatory argument of option "
				     "`%s'", w);
		if (!strcmp(w, "timeout")) {
			if (number(r, v, 0, QT_SET_TIMEOUT_MAX, &n))
				return ST_KERNEL;
			if (!s->o.has_timeout)
				return kfail(r, "Timeout cannot be used: set was "
					     "created without timeout support");
			eo->has_timeout = true;
			eo->timeout = (uint32_t)n;
		} else if (!strcmp(w, "packets") || !strcmp(w, "bytes")) {
			if (number(r, v, 0, UINT64_MAX, &n))
				return ST_KERNEL;
			if (!s->o.counters)
				return kfail(r, "Packet/byte counters cannot be "
					     "used: set was created without "
					     "counter support");
			if (w[0] == 'p') {
				eo->has_packets = true;
				eo->packets = n;
			} else {
				eo->has_bytes = true;
				eo->bytes = n;
			}
		} else {
			if (!s->o.comment)
				return kfail(r, "Comment cannot be used: set was "
					     "created without comment support");
			if (strlen(v) > QT_SET_COMMENT_MAX)
				return kfail(r, "Syntax error: Comment is too "
					     "long!");
			eo->comment = v;
		}
	}
	return 0;
}

enum elem_cmd { E_ADD, E_DEL, E_TEST };

static int cmd_elem(struct run *r, enum elem_cmd c, int argc, char **argv,
		    const struct cmd_opts *co)
{
	static const char *const names[] = { "add", "del", "test" };
	if (argc < 1)
		return ufail(r, "Missing mandatory argument to command %s",
			     names[c]);
	if (argc < 2)
		return ufail(r, "Missing second mandatory argument to command "
			     "%s", names[c]);
	struct qt_set *s = qt_sets_find(argv[0]);
	if (!s)
		return kfail(r, "The set with the given name does not exist");
	struct qt_set_key k;
	uint32_t first = 0, last = 0;
	if (parse_elem(r, s, argv[1], &k, &first, &last))
		return ST_KERNEL;
	struct qt_set_elem_opts eo;
	if (elem_opts(r, s, argc - 2, argv + 2, &eo))
		return r->err->len && strstr(qt_buf_str(r->err), TRY)
		       ? ST_USAGE : ST_KERNEL;
	uint64_t now = r->env->now_ms;
	bool range = first != last;
	if (c == E_TEST) {
		if (range)
			return kfail(r, "Syntax error: IP/CIDR, range is not "
				     "supported by test");
		struct qt_buf e;
		qt_buf_init(&e);
		qt_ipset_put_key(&e, s, &k);
		bool nomatch = false;
		bool in = qt_set_has(s, &k, now, &nomatch);
		if (!in && !nomatch && s->type->dims[0] == QT_SD_NET &&
		    k.cidr == host_plen(s))
			/* a host in a network set: as a packet would be */
			in = qt_set_lookup(s, &k, now, NULL, false, 0, NULL,
					   NULL) == QT_SET_HIT;
		if (!co->quiet)
			qt_buf_printf(r->err, in ? "Warning: %s is in set %s.\n"
						 : "%s is NOT in set %s.\n",
				      qt_buf_str(&e), s->name);
		qt_buf_free(&e);
		return in ? ST_OK : ST_KERNEL;
	}
	/* hash:ip and hash:ip,port keep no all-zero address (a range
	 * starting there fails before its first element); hash:ip,port,ip
	 * does */
	if (!s->type->bitmap && s->type->dims[0] == QT_SD_IP &&
	    s->type->ndims < 3 && addr_is_zero(&k.ip))
		return kfail(r, s->type->ndims == 1
			     ? "Null-valued element, cannot be stored in a "
			       "hash type of set"
			     : "Kernel error received: Invalid argument");
	/* a range or CIDR goes element by element, as the kernel's: up
	 * to the first that fails */
	for (uint64_t h = first;; h++) {
		if (range || first)
			k.ip.v4.s_addr = htonl((uint32_t)h);
		int rc = c == E_ADD ? qt_set_add(s, &k, &eo, co->exist, now)
				    : qt_set_del(s, &k, now);
		if (rc == 0)
			*r->changed = true;
		else if (rc == -ENOSPC)
			return kfail(r, "Hash is full, cannot add more "
				     "elements");
		else if (rc == -ENOMEM)
			return kfail(r, "Cannot allocate memory");
		else if (!co->exist)
			return kfail(r, c == E_ADD
				     ? "Element cannot be added to the set: "
				       "it's already added"
				     : "Element cannot be deleted from the "
				       "set: it's not added");
		if (h >= last)
			break;
	}
	return ST_OK;
}

/* ---- destroy, flush, rename, swap ---- */

static unsigned refs_of(struct run *r, const struct qt_set *s)
{
	return r->env->refs ? r->env->refs(r->env->ctx, s->name) : 0;
}

static int cmd_destroy(struct run *r, const char *name)
{
	if (name) {
		struct qt_set *s = qt_sets_find(name);
		if (!s)
			return kfail(r, "The set with the given name does not "
				     "exist");
		if (refs_of(r, s))
			return kfail(r, "Set cannot be destroyed: it is in use "
				     "by a kernel component");
		qt_set_destroy(s);
		*r->changed = true;
		return ST_OK;
	}
	/* all or none, as the kernel checks every set first */
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++) {
		struct qt_set *s = qt_sets_at(i);
		if (s && refs_of(r, s))
			return kfail(r, "Set cannot be destroyed: it is in use "
				     "by a kernel component");
	}
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++) {
		struct qt_set *s = qt_sets_at(i);
		if (s) {
			qt_set_destroy(s);
			*r->changed = true;
		}
	}
	return ST_OK;
}

static int cmd_flush(struct run *r, const char *name)
{
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++) {
		struct qt_set *s = name ? qt_sets_find(name) : qt_sets_at(i);
		if (!s && name)
			return kfail(r, "The set with the given name does not "
				     "exist");
		if (s) {
			qt_set_flush(s);
			*r->changed = true;
		}
		if (name)
			break;
	}
	return ST_OK;
}

static int cmd_rename(struct run *r, int argc, char **argv)
{
	if (argc < 1)
		return ufail(r, "Missing mandatory argument to command rename");
	if (argc < 2)
		return ufail(r, "Missing second mandatory argument to command "
			     "rename");
	if (check_name(r, argv[1]))
		return ST_KERNEL;
	struct qt_set *s = qt_sets_find(argv[0]);
	if (!s)
		return kfail(r, "The set with the given name does not exist");
	if (refs_of(r, s))
		return kfail(r, "Set cannot be renamed: it is in use by another "
			     "system");
	if (qt_sets_find(argv[1]))
		return kfail(r, "Set cannot be renamed: a set with the new name "
			     "already exists");
	strncpy(s->name, argv[1], QT_SET_NAME_MAX - 1);
	*r->changed = true;
	return ST_OK;
}

static int cmd_swap(struct run *r, int argc, char **argv)
{
	if (argc < 1)
		return ufail(r, "Missing mandatory argument to command swap");
	if (argc < 2)
		return ufail(r, "Missing second mandatory argument to command "
			     "swap");
	struct qt_set *a = qt_sets_find(argv[0]);
	if (!a)
		return kfail(r, "The set with the given name does not exist");
	struct qt_set *b = qt_sets_find(argv[1]);
	if (!b)
		return kfail(r, "Sets cannot be swapped: the second set does "
			     "not exist");
	if (a->type != b->type || a->o.family != b->o.family)
		return kfail(r, "The sets cannot be swapped: their type does "
			     "not match");
	qt_set_swap(a, b);
	*r->changed = true;
	return ST_OK;
}

/* ---- the command line ---- */

enum cmd { C_NONE, C_CREATE, C_ADD, C_DEL, C_TEST, C_DESTROY, C_LIST,
	   C_SAVE, C_RESTORE, C_FLUSH, C_RENAME, C_SWAP, C_VERSION, C_HELP };

static const struct { const char *name, *alias, *letter; enum cmd c; } cmds[] = {
	{ "create", "n", "-N", C_CREATE }, { "add", NULL, "-A", C_ADD },
	{ "del", NULL, "-D", C_DEL }, { "test", NULL, "-T", C_TEST },
	{ "destroy", "x", "-X", C_DESTROY }, { "list", NULL, "-L", C_LIST },
	{ "save", NULL, "-S", C_SAVE }, { "restore", NULL, "-R", C_RESTORE },
	{ "flush", NULL, "-F", C_FLUSH }, { "rename", "e", "-E", C_RENAME },
	{ "swap", "w", "-W", C_SWAP }, { "version", NULL, "-V", C_VERSION },
	{ "help", NULL, "-h", C_HELP },
};

static enum cmd find_cmd(const char *w)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(w, cmds[i].name) ||
		    (cmds[i].alias && !strcmp(w, cmds[i].alias)) ||
		    !strcmp(w, cmds[i].letter) ||
		    (w[0] == '-' && w[1] == '-' && !strcmp(w + 2, cmds[i].name)))
			return cmds[i].c;
	if (!strcmp(w, "-v"))
		return C_VERSION;
	if (!strcmp(w, "-help"))
		return C_HELP;
	return C_NONE;
}

/* A global option (one or two dashes); its argument, if any, taken.
 * 1: it was one; 0: not an option; an error reported: -1 (a usage
 * error, exit 2), -2 (exit 1). */
static int global_opt(struct run *r, int argc, char **argv, int *i,
		      struct cmd_opts *o)
{
	const char *w = argv[*i];
	if (w[0] != '-' || !w[1])
		return 0;
	const char *n = w + 1 + (w[1] == '-');
	if (!strcmp(n, "exist") || !strcmp(n, "!"))
		o->exist = true;
	else if (!strcmp(n, "quiet") || !strcmp(n, "q"))
		o->quiet = true;
	else if (!strcmp(n, "name") || !strcmp(n, "n"))
		o->names_only = true;
	else if (!strcmp(n, "terse") || !strcmp(n, "t"))
		o->terse = true;
	else if (!strcmp(n, "sorted") || !strcmp(n, "s") ||
		 !strcmp(n, "resolve") || !strcmp(n, "r"))
		;   /* elements are listed in one order already; no names */
	else if (!strcmp(n, "output") || !strcmp(n, "o")) {
		if (*i + 1 >= argc) {
			ufail(r, "Missing mandatory argument of option `%s'", n);
			return -1;
		}
		const char *v = argv[++*i];
		if (!strcmp(v, "plain"))
			o->output = OUT_PLAIN;
		else if (!strcmp(v, "save"))
			o->output = OUT_SAVE;
		else if (!strcmp(v, "xml"))
			o->output = OUT_XML;
		else {
			kfail(r, "Syntax error: unknown output mode '%s'", v);
			return -2;
		}
	} else
		return 0;
	return 1;
}

static int run_words(struct run *r, int argc, char **argv, bool in_restore,
		     bool restore_exist)
{
	struct cmd_opts o = { .exist = restore_exist };
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0, st;
	enum cmd c = C_NONE;
	if (!rest)
		return kfail(r, "Cannot allocate memory");
	for (int i = 0; i < argc; i++) {
		int g = global_opt(r, argc, argv, &i, &o);
		if (g < 0) {
			st = g == -1 ? ST_USAGE : ST_KERNEL;
			goto out;
		}
		if (g)
			continue;
		if (c == C_NONE) {
			c = find_cmd(argv[i]);
			if (c == C_NONE) {
				st = ufail(r, "No command specified: unknown "
					   "argument %s", argv[i]);
				goto out;
			}
			continue;
		}
		rest[nrest++] = argv[i];
	}
	if (c == C_NONE) {
		st = ufail(r, "No command specified.");
		goto out;
	}
	const char *name = nrest ? rest[0] : NULL;
	switch (c) {
	case C_CREATE:
		st = cmd_create(r, nrest, rest, &o);
		break;
	case C_ADD:
		st = cmd_elem(r, E_ADD, nrest, rest, &o);
		break;
	case C_DEL:
		st = cmd_elem(r, E_DEL, nrest, rest, &o);
		break;
	case C_TEST:
		st = cmd_elem(r, E_TEST, nrest, rest, &o);
		break;
	case C_SAVE:
		if (o.output == OUT_DEFAULT)
			o.output = OUT_SAVE;
		/* fall through */
	case C_LIST:
		st = nrest > 1 ? ufail(r, "Unknown argument: `%s'", rest[1])
			       : cmd_list(r, name, &o);
		break;
	case C_DESTROY:
		st = nrest > 1 ? ufail(r, "Unknown argument: `%s'", rest[1])
			       : cmd_destroy(r, name);
		break;
	case C_FLUSH:
		st = nrest > 1 ? ufail(r, "Unknown argument: `%s'", rest[1])
			       : cmd_flush(r, name);
		break;
	case C_RENAME:
		st = cmd_rename(r, nrest, rest);
		break;
	case C_SWAP:
		st = cmd_swap(r, nrest, rest);
		break;
	case C_VERSION:
		qt_buf_puts(r->out, "ipset " QT_IPSET_VERSION
			    ", protocol version: 7\n");
		st = ST_OK;
		break;
	case C_HELP:
		if (!name) {
			qt_ipset_help_types(r->out);
			st = ST_OK;
		} else if (qt_ipset_help_type(r->out, name)) {
			st = ST_OK;
		} else {
			qt_ipset_help_usage(r->out);
			st = ufail(r, "Unknown settype: `%s'", name);
		}
		break;
	case C_RESTORE:
		st = in_restore ? ufail(r, "Restore command is not supported "
					"in restore mode")
				: ufail(r, "Restore input is read by the "
					"client");
		break;
	default:
		st = ufail(r, "No command specified.");
		break;
	}
out:
	free(rest);
	return st;
}

bool qt_ipset_is_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		enum cmd c = find_cmd(argv[i]);
		if (c != C_NONE)
			return c == C_HELP;
	}
	return false;
}

int qt_ipset_run(int argc, char **argv, const struct qt_ipset_env *env,
		 struct qt_buf *out, struct qt_buf *err, bool *changed)
{
	struct run r = { .env = env, .out = out, .err = err,
			 .changed = changed };
	*changed = false;
	return run_words(&r, argc, argv, false, false);
}

/* One restore line into words: blanks separate, double quotes keep a
 * comment's blanks (as ipset's own restore reads it). */
static int split_line(char *line, char **w, int max)
{
	int n = 0;
	char *p = line;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n == max)
			return -1;
		if (*p == '"') {
			w[n++] = ++p;
			while (*p && *p != '"')
				p++;
		} else {
			w[n++] = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
		}
		if (*p)
			*p++ = '\0';
	}
	return n;
}

int qt_ipset_restore(const char *text, size_t len, bool exist,
		     const struct qt_ipset_env *env, struct qt_buf *out,
		     struct qt_buf *err, bool *changed)
{
	struct run r = { .env = env, .out = out, .err = err,
			 .changed = changed };
	*changed = false;
	const char *p = text, *end = text + len;
	int st = ST_OK;
	while (p < end && st == ST_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = strndup(p, n);
		p = nl ? nl + 1 : end;
		r.line++;
		if (!line)
			return kfail(&r, "Cannot allocate memory");
		char *words[64];
		int nw = split_line(line, words, 64);
		if (nw < 0)
			st = ufail(&r, "Line %u is too long to restore", r.line);
		else if (nw > 0 && words[0][0] != '#' &&
			 strcmp(words[0], "COMMIT"))
			st = run_words(&r, nw, words, true, exist);
		free(line);
	}
	return st;
}
