/* qtables-conntrack: conntrack(8)'s commands on the engine's tables.
 * See ct_view.h. Formats and messages are the ones conntrack-tools 1.4.7
 * prints for the kernel's table (checked against it in a namespace). */
#define _GNU_SOURCE
#include "ct_view.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctx.h"
#include "conntrack_proto.h"
#include "ct_options.h"
#include "datapath.h"
#include "protocol.h"

/* ---- names ---- */

/* Protocols whose tuples carry ports (conntrack(8) shows and filters
 * them). */
static bool has_ports(uint8_t p)
{
	return qt_ct_proto_of(p)->ports;
}

/* conntrack -u names: bits that must be set, or (UNREPLIED) clear. */
static const struct { const char *name; uint32_t set, clear; } statuses[] = {
	{ "EXPECTED", QT_IPS_EXPECTED, 0 },
	{ "ASSURED", QT_IPS_ASSURED, 0 },
	{ "SEEN_REPLY", QT_IPS_SEEN_REPLY, 0 },
	{ "FIXED_TIMEOUT", 1u << 10, 0 },
	{ "UNREPLIED", 0, QT_IPS_SEEN_REPLY },
};

/* ---- one line ---- */

static void put_tuple(struct qt_buf *out, const struct qt_ct_tuple *t)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = t->ip6 ? AF_INET6 : AF_INET;
	inet_ntop(af, t->src.b, s, sizeof(s));
	inet_ntop(af, t->dst.b, d, sizeof(d));
	qt_buf_printf(out, "src=%s dst=%s ", s, d);
	if (has_ports(t->proto))
		qt_buf_printf(out, "sport=%u dport=%u ", t->sport, t->dport);
	else if (t->proto == (t->ip6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
		qt_buf_printf(out, "type=%u code=%u id=%u ", t->dport >> 8,
			      t->dport & 0xffu, t->sport);
}

/* The zone conntrack(8) shows of e: of both directions (i 0, zone=),
 * of the original direction only (1, zone-orig=) or of the reply
 * only (2, zone-reply=); 0 where it shows none. A zone of both
 * directions is in both tuples, one of a single direction in its
 * tuple alone (the other holds the default's 0). */
static uint16_t zone_shown(const struct qt_ct_entry *e, int i)
{
	uint16_t zo = e->t[QT_CT_ORIG].zone, zr = e->t[QT_CT_REPLY].zone;
	if (i == 0)
		return zo == zr ? zo : 0;
	if (zo == zr)
		return 0;
	return i == 1 ? zo : zr;
}

void qt_ct_view_format(const struct qt_ct_entry *e, uint64_t now,
		       struct qt_buf *out)
{
	uint8_t p = e->t[QT_CT_ORIG].proto;
	const char *state = qt_ct_entry_state_name(e);
	qt_buf_printf(out, "%-8s %u %u ", qt_ct_proto_name(p), p,
		      qt_ct_seconds_left(e, now));
	if (state)
		qt_buf_printf(out, "%s ", state);
	/* a zone of both directions is the kernel's CTA_ZONE, shown
	 * after the mark; one of a single direction is in that
	 * direction's tuple (CTA_TUPLE_ZONE), shown after it */
	put_tuple(out, &e->t[QT_CT_ORIG]);
	if (zone_shown(e, 1))
		qt_buf_printf(out, "zone-orig=%u ", zone_shown(e, 1));
	if (!(e->status & QT_IPS_SEEN_REPLY))
		qt_buf_puts(out, "[UNREPLIED] ");
	put_tuple(out, &e->t[QT_CT_REPLY]);
	if (zone_shown(e, 2))
		qt_buf_printf(out, "zone-reply=%u ", zone_shown(e, 2));
	if (e->status & QT_IPS_ASSURED)
		qt_buf_puts(out, "[ASSURED] ");
	qt_buf_printf(out, "mark=%u ", e->mark);
	if (zone_shown(e, 0))
		qt_buf_printf(out, "zone=%u ", zone_shown(e, 0));
	qt_buf_puts(out, "use=1\n");
}

/* ---- filters ---- */

/* conntrack's filter_nat, for one kind k (0 source, 1 destination):
 * was the entry translated so (libnetfilter_conntrack's IS_SNAT/IS_SPAT,
 * IS_DNAT/IS_DPAT: the original tuple's and the reply's differ), and to
 * the address and port asked for? An address asked for decides; a port
 * then must match too; a port alone decides by itself. */
static bool nat_kind(const struct qt_ct_filter *f, const struct qt_ct_entry *e,
		     int k)
{
	const struct qt_ct_tuple *o = &e->t[QT_CT_ORIG], *r = &e->t[QT_CT_REPLY];
	const union qt_ct_addr *oa = k ? &o->dst : &o->src;
	const union qt_ct_addr *ra = k ? &r->src : &r->dst;
	bool ports = has_ports(o->proto);
	uint16_t op = k ? o->dport : o->sport, rp = k ? r->sport : r->dport;
	bool addr_nat = memcmp(oa, ra, sizeof(*oa)) != 0;
	bool port_nat = ports && op != rp;
	bool check_ip = (f->has & QT_CTF_NAT_IP(k)) && !f->nat_v6[k];
	bool check_port = f->has & QT_CTF_NAT_PORT(k);
	bool has = false;
	if (check_ip)
		has = addr_nat && !o->ip6 && ra->ip == f->nat_ip[k];
	if (check_port) {
		bool ret = port_nat && rp == f->nat_port[k];
		if (check_ip && has && !ret)
			has = false;
		if (!check_ip && ret)
			has = true;
	}
	if (!check_ip && !check_port && (addr_nat || port_nat))
		has = true;
	return has;
}

static bool nat_match(const struct qt_ct_filter *f, const struct qt_ct_entry *e)
{
	bool any = f->has & QT_CTF_NAT_ANY;
	bool src = any || (f->has & QT_CTF_NAT_SRC);
	bool dst = any || (f->has & QT_CTF_NAT_DST);
	bool has_src = src && nat_kind(f, e, 0);
	bool has_dst = dst && nat_kind(f, e, 1);
	if (any)
		return has_src || has_dst;
	if (src && dst)
		return has_src && has_dst;
	return src ? has_src : has_dst;
}

bool qt_ct_filter_match(const struct qt_ct_filter *f,
			const struct qt_ct_entry *e)
{
	const struct qt_ct_tuple *o = &e->t[QT_CT_ORIG], *r = &e->t[QT_CT_REPLY];
	if (f->family && f->family != (o->ip6 ? AF_INET6 : AF_INET))
		return false;
	if ((f->has & QT_CTF_PROTO) && o->proto != f->proto)
		return false;
	const uint32_t addrs[4] = { o->src.ip, o->dst.ip, r->src.ip, r->dst.ip };
	const uint16_t ports[4] = { o->sport, o->dport, r->sport, r->dport };
	for (int i = 0; i < 4; i++) {
		/* the address filters are IPv4's */
		if ((f->has & QT_CTF_ADDR(i)) &&
		    (o->ip6 || (addrs[i] & f->mask[i]) != (f->addr[i] & f->mask[i])))
			return false;
		if ((f->has & QT_CTF_PORT(i)) &&
		    (!has_ports(o->proto) || ports[i] != f->port[i]))
			return false;
	}
	if (f->has & (QT_CTF_ICMP_TYPE | QT_CTF_ICMP_CODE | QT_CTF_ICMP_ID)) {
		if (o->proto != 1)
			return false;
		if ((f->has & QT_CTF_ICMP_TYPE) && (o->dport >> 8) != f->icmp_type)
			return false;
		if ((f->has & QT_CTF_ICMP_CODE) &&
		    (o->dport & 0xffu) != f->icmp_code)
			return false;
		if ((f->has & QT_CTF_ICMP_ID) && o->sport != f->icmp_id)
			return false;
	}
	if ((f->has & QT_CTF_MARK) &&
	    (e->mark & f->mark_mask) != (f->mark & f->mark_mask))
		return false;
	if ((f->has & QT_CTF_STATUS) &&
	    ((e->status & f->status_set) != f->status_set ||
	     (e->status & f->status_clear)))
		return false;
	if ((f->has & QT_CTF_STATE) &&
	    (o->proto != f->proto ||
	     qt_ct_proto_of(o->proto)->state_of(&e->p) != f->state))
		return false;
	for (int i = 0; i < 3; i++)
		if ((f->has & QT_CTF_ZONE(i)) && zone_shown(e, i) != f->zone[i])
			return false;
	if ((f->has & (QT_CTF_NAT_SRC | QT_CTF_NAT_DST | QT_CTF_NAT_ANY)) &&
	    !nat_match(f, e))
		return false;
	return true;
}

/* ---- the command line ---- */



struct cmdline {
	const char *prog;
	struct qt_buf *out, *err;
	enum qt_ct_cmd cmd;
	const char *table;         /* "conntrack", "expect", ... */
	const char *first_filter;  /* canon name of the first filter given */
	struct qt_ct_filter f;
};

/* conntrack's exit_error(PARAMETER_PROBLEM, ...): the message and the
 * hint, exit status 2. */
__attribute__((format(printf, 2, 3)))
static int param_problem(struct cmdline *c, const char *fmt, ...)
{
	va_list ap;
	qt_buf_printf(c->err, "%s v%s (%s): ", c->prog, QT_CONNTRACK_VERSION,
		      QT_BACKEND);
	va_start(ap, fmt);
	qt_buf_vprintf(c->err, fmt, ap);
	va_end(ap);
	qt_buf_printf(c->err, "\nTry `%s -h' or '%s --help' for more "
		      "information.\n", c->prog, c->prog);
	return QT_PARAMETER_PROBLEM;
}

/* A whole unsigned number in [0, max] (base 0: 0x.. and 0.. too). */
static bool parse_num(const char *s, unsigned long max, unsigned long *v)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long n = strtoul(s, &end, 0);
	if (errno || *end || n > max)
		return false;
	*v = n;
	return true;
}

static int parse_addr(struct cmdline *c, int i, const char *s)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr a;
	if (n >= sizeof(buf))
		return param_problem(c, "Invalid IP address `%s'", s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return param_problem(c, "Invalid IP address `%s'", s);
	unsigned long len = 32;
	if (slash && !parse_num(slash + 1, 32, &len))
		return param_problem(c, "Invalid netmask");
	c->f.addr[i] = a.s_addr;
	c->f.mask[i] = len ? htonl(0xffffffffu << (32 - len)) : 0;
	c->f.has |= QT_CTF_ADDR(i);
	return 0;
}

static int parse_proto(struct cmdline *c, const char *s)
{
	unsigned long n;
	const struct qt_ct_proto *pr = qt_ct_proto_by_name(s);
	if (pr) {
		c->f.proto = pr->num;
		c->f.has |= QT_CTF_PROTO;
		return 0;
	}
	if (!parse_num(s, 255, &n))
		return param_problem(c, "`%s' unsupported protocol", s);
	c->f.proto = (uint8_t)n;
	c->f.has |= QT_CTF_PROTO;
	return 0;
}

static int parse_status(struct cmdline *c, const char *s)
{
	char *copy = strdup(s), *save = NULL;
	if (!copy)
		return param_problem(c, "out of memory");
	int rc = 0;
	for (char *w = strtok_r(copy, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
			if (!strcasecmp(w, statuses[i].name))
				break;
		if (i == sizeof(statuses) / sizeof(statuses[0])) {
			rc = param_problem(c, "Bad parameter `%s'", w);
			break;
		}
		c->f.status_set |= statuses[i].set;
		c->f.status_clear |= statuses[i].clear;
	}
	free(copy);
	if (!rc)
		c->f.has |= QT_CTF_STATUS;
	return rc;
}

static int parse_state(struct cmdline *c, const char *s)
{
	/* conntrack's names are case-sensitive; LISTEN is its old name of
	 * TCP's SYN_SENT2 (the same number) */
	const struct qt_ct_proto *pr = qt_ct_proto_of(c->f.proto);
	for (unsigned i = 0; i < pr->nstates; i++)
		if (!strcmp(s, pr->state_names[i])) {
			c->f.state = (uint8_t)i;
			c->f.has |= QT_CTF_STATE;
			return 0;
		}
	if (c->f.proto == IPPROTO_TCP && !strcmp(s, "LISTEN")) {
		c->f.state = QT_TCP_SYN_SENT2;
		c->f.has |= QT_CTF_STATE;
		return 0;
	}
	/* (conntrack 1.4.7 crashes on an unknown SCTP state; the message
	 * is the one its SCTP module means to print) */
	return param_problem(c, "unknown %s state `%s'",
			     c->f.proto == IPPROTO_TCP ? "TCP" : "SCTP", s);
}

/* conntrack's nat_parse: IP[:PORT] of --src-nat, --dst-nat (kind) or
 * --any-nat (both); no CIDR. An IPv6 address is written bare, or in
 * brackets before a port ([IP6]:PORT); it selects the family, and
 * conntrack 1.4.7 then filters by the port alone (checked against the
 * kernel's: any IPv6 address lists every entry translated so). */
static int parse_nat(struct cmdline *c, const struct qt_ct_opt *o, const char *v)
{
	static const unsigned kinds[] = { QT_CTF_NAT_SRC, QT_CTF_NAT_DST,
					  QT_CTF_NAT_ANY };
	c->f.has |= kinds[o->idx];
	if (!v || !*v)
		return 0;
	if (strchr(v, '/'))
		return param_problem(c, "CIDR notation unavailable for `--%s'",
				     o->canon);
	char ip[64];
	const char *colon = strchr(v, ':');
	const char *start = v;
	bool v6 = false;
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (!close)
			return param_problem(c, "No closing ']' around IPv6 "
					     "address");
		if (close[1] != ':')
			return param_problem(c, "Invalid IP address `%s'", v);
		start = v + 1;
		colon = close + 1;
		v6 = true;
	} else if (colon && strchr(colon + 1, ':')) {
		/* more than one colon: an IPv6 address, no port */
		colon = NULL;
		v6 = true;
	}
	size_t n = colon ? (size_t)(colon - start) : strlen(start);
	if (v[0] == '[')
		n--;
	struct in_addr a;
	uint8_t a6[16];
	if (n >= sizeof(ip))
		n = sizeof(ip) - 1;
	memcpy(ip, start, n);
	ip[n] = '\0';
	if (v6 ? inet_pton(AF_INET6, ip, a6) != 1
	       : inet_pton(AF_INET, ip, &a) != 1)
		return param_problem(c, "Invalid IP address `%s'", ip);
	unsigned long port = 0;
	if (colon) {
		if (!colon[1])
			return param_problem(c, "No port specified after `:'");
		if (!parse_num(colon + 1, 65535, &port))
			return param_problem(c, "Invalid port `%s'", colon + 1);
	}
	for (int k = 0; k < 2; k++) {
		if (o->idx != QT_CT_NAT_ANY && o->idx != k)
			continue;
		c->f.nat_v6[k] = v6;
		c->f.nat_ip[k] = v6 ? 0 : a.s_addr;
		c->f.has |= QT_CTF_NAT_IP(k);
		if (colon) {
			c->f.nat_port[k] = (uint16_t)port;
			c->f.has |= QT_CTF_NAT_PORT(k);
		} else {
			c->f.has &= ~QT_CTF_NAT_PORT(k);
		}
	}
	return 0;
}

static int take_value(struct cmdline *c, const struct qt_ct_opt *o, const char *v)
{
	unsigned long n;
	switch (o->id) {
	case QT_CTO_CMD:
		return 0;
	case QT_CTO_ADDR:
		return parse_addr(c, o->idx, v);
	case QT_CTO_PROTO:
		return parse_proto(c, v);
	case QT_CTO_FAMILY:
		if (!strcmp(v, "ipv4"))
			c->f.family = AF_INET;
		else if (!strcmp(v, "ipv6"))
			c->f.family = AF_INET6;
		else
			return param_problem(c, "`%s' unsupported protocol", v);
		return 0;
	case QT_CTO_MARK: {
		char buf[64];
		const char *slash = strchr(v, '/');
		size_t len = slash ? (size_t)(slash - v) : strlen(v);
		unsigned long m = 0xffffffffu;
		if (len >= sizeof(buf))
			return param_problem(c, "Bad parameter `%s'", v);
		memcpy(buf, v, len);
		buf[len] = '\0';
		if (!parse_num(buf, 0xffffffffu, &n) ||
		    (slash && !parse_num(slash + 1, 0xffffffffu, &m)))
			return param_problem(c, "Bad parameter `%s'", v);
		c->f.mark = (uint32_t)n;
		c->f.mark_mask = (uint32_t)m;
		c->f.has |= QT_CTF_MARK;
		return 0;
	}
	case QT_CTO_STATUS:
		return parse_status(c, v);
	case QT_CTO_ZONE:
		/* as conntrack 1.4.7 reads it: strtoul, no checks, kept
		 * to 16 bits ("abc" is 0, -1 is 65535) */
		c->f.zone[o->idx] = (uint16_t)strtoul(v, NULL, 0);
		c->f.has |= QT_CTF_ZONE(o->idx);
		return 0;
	case QT_CTO_PORT:
		if (!parse_num(v, 65535, &n))
			return param_problem(c, "Bad parameter `%s'", v);
		c->f.port[o->idx] = (uint16_t)n;
		c->f.has |= QT_CTF_PORT(o->idx);
		return 0;
	case QT_CTO_STATE:
		return parse_state(c, v);
	case QT_CTO_ICMP_TYPE:
	case QT_CTO_ICMP_CODE:
		if (!parse_num(v, 255, &n))
			return param_problem(c, "Bad parameter `%s'", v);
		if (o->id == QT_CTO_ICMP_TYPE) {
			c->f.icmp_type = (uint8_t)n;
			c->f.has |= QT_CTF_ICMP_TYPE;
		} else {
			c->f.icmp_code = (uint8_t)n;
			c->f.has |= QT_CTF_ICMP_CODE;
		}
		return 0;
	case QT_CTO_ICMP_ID:
		if (!parse_num(v, 65535, &n))
			return param_problem(c, "Bad parameter `%s'", v);
		c->f.icmp_id = (uint16_t)n;
		c->f.has |= QT_CTF_ICMP_ID;
		return 0;
	case QT_CTO_NAT:
		return parse_nat(c, o, v);
	}
	return 0;
}

/* Options of a protocol exist once -p named it. */
static bool available(const struct cmdline *c, const struct qt_ct_opt *o)
{
	bool p = c->f.has & QT_CTF_PROTO;
	switch (o->need) {
	case QT_CTN_ANY: return true;
	case QT_CTN_PORTS: return p && has_ports(c->f.proto);
	case QT_CTN_STATE: return p && (c->f.proto == IPPROTO_TCP ||
					c->f.proto == IPPROTO_SCTP);
	case QT_CTN_ICMP: return p && c->f.proto == 1;
	}
	return false;
}

/* A long option by its name or an unambiguous prefix (getopt_long). */
static const struct qt_ct_opt *find_long(const struct cmdline *c, const char *name,
				   size_t len, bool *ambiguous)
{
	const struct qt_ct_opt *hit = NULL;
	*ambiguous = false;
	for (size_t i = 0; i < qt_ct_nopts; i++) {
		if (!available(c, &qt_ct_opts[i]) || strncmp(qt_ct_opts[i].lng, name, len))
			continue;
		if (strlen(qt_ct_opts[i].lng) == len)
			return &qt_ct_opts[i];
		if (hit && hit->id == qt_ct_opts[i].id && hit->idx == qt_ct_opts[i].idx)
			continue;   /* two names of one option */
		if (hit)
			*ambiguous = true;
		hit = &qt_ct_opts[i];
	}
	return *ambiguous ? NULL : hit;
}

static const struct qt_ct_opt *find_short(const struct cmdline *c, char ch)
{
	for (size_t i = 0; i < qt_ct_nopts; i++)
		if (qt_ct_opts[i].sht == ch && available(c, &qt_ct_opts[i]))
			return &qt_ct_opts[i];
	return NULL;
}

static int parse_cmdline(struct cmdline *c, int argc, char *const *argv)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct qt_ct_opt *o;
		if (a[0] == '-' && a[1] == '-' && a[2]) {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			bool amb;
			o = find_long(c, a + 2, len, &amb);
			if (amb)
				return param_problem(c, "option `%s' is "
						     "ambiguous", a);
			if (!o)
				return param_problem(c, "unknown option `%s'", a);
			if (eq && !o->arg && !o->opt_arg)
				return param_problem(c, "option `--%s' doesn't "
						     "allow an argument", o->lng);
			if (eq)
				val = eq + 1;
		} else if (a[0] == '-' && a[1]) {
			o = find_short(c, a[1]);
			if (!o)
				return param_problem(c, "unknown option `-%c'",
						     a[1]);
			if (a[2]) {
				if (!o->arg && !o->opt_arg)
					return param_problem(c, "unknown option "
							     "`%s'", a);
				val = a + 2;
			}
		} else {
			return param_problem(c, "unknown type `%s'", a);
		}
		if (o->arg && !val) {
			if (i + 1 >= argc)
				return param_problem(c, "option `%s' requires an "
						     "argument", a);
			val = argv[++i];
		}
		/* an optional argument: conntrack 1.4.7 takes only the next
		 * word, when that is no option; one written on (--src-nat=IP,
		 * -nIP) it ignores, and the next word then too */
		if (o->opt_arg) {
			bool attached = val != NULL;
			val = NULL;
			if (!attached && i + 1 < argc && argv[i + 1][0] != '-')
				val = argv[++i];
		}
		if (o->id == QT_CTO_CMD) {
			if (c->cmd != QT_CTC_NONE)
				return param_problem(c, "Invalid commands "
						     "combination");
			c->cmd = (enum qt_ct_cmd)o->idx;
			if (c->cmd == QT_CTC_UNSUPPORTED)
				return param_problem(c, "`-%c' is not supported "
						     "on the engine's table",
						     o->sht);
			/* -L [table]: an optional word that is no option */
			if (i + 1 < argc && argv[i + 1][0] != '-' &&
			    (c->cmd == QT_CTC_LIST || c->cmd == QT_CTC_DELETE ||
			     c->cmd == QT_CTC_FLUSH || c->cmd == QT_CTC_COUNT)) {
				const char *t = argv[++i];
				if (strcmp(t, "conntrack") && strcmp(t, "expect") &&
				    strcmp(t, "dying") && strcmp(t, "unconfirmed"))
					return param_problem(c, "unknown type `%s'",
							     t);
				c->table = t;
			}
			continue;
		}
		if (!c->first_filter)
			c->first_filter = o->canon;
		int rc = take_value(c, o, val);
		if (rc)
			return rc;
	}
	if (c->first_filter && c->cmd != QT_CTC_LIST && c->cmd != QT_CTC_DELETE)
		return param_problem(c, "Illegal option `--%s' with this command",
				     c->first_filter);
	if ((c->f.has & QT_CTF_NAT_ANY) &&
	    (c->f.has & (QT_CTF_NAT_SRC | QT_CTF_NAT_DST)))
		return param_problem(c, "cannot specify `--src-nat' or "
				     "`--dst-nat' with `--any-nat'");
	/* a NAT address of the other family than -f's or the addresses'
	 * (which are IPv4) */
	for (int k = 0; k < 2; k++) {
		if (!(c->f.has & QT_CTF_NAT_IP(k)))
			continue;
		int af = c->f.nat_v6[k] ? AF_INET6 : AF_INET;
		bool addrs = c->f.has & (QT_CTF_ADDR(0) | QT_CTF_ADDR(1) |
					 QT_CTF_ADDR(2) | QT_CTF_ADDR(3));
		if ((c->f.family && c->f.family != af) ||
		    (addrs && af != AF_INET))
			return param_problem(c, "mismatched address family");
		if (af == AF_INET6)
			c->f.family = AF_INET6;
	}
	return 0;
}

/* ---- running ---- */

struct collect {
	const struct qt_ct_filter *f;
	uint64_t now;
	struct qt_ct_entry *v;
	size_t n, cap;
	bool nomem;
};

static bool collect_one(struct qt_ct_entry *e, void *user)
{
	struct collect *k = user;
	/* due but not yet reaped: gone already, as for the kernel */
	if (e->expires <= k->now || !qt_ct_filter_match(k->f, e))
		return true;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		struct qt_ct_entry *v = realloc(k->v, cap * sizeof(*v));
		if (!v) {
			k->nomem = true;
			return false;
		}
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = *e;
	return true;
}

/* The matching entries of every shard, copied under each shard's lock
 * (formatting happens after it is released, so a long listing holds no
 * queue thread up); with del they are removed in the same hold. */
static int gather(struct qt_ct *const *shards, unsigned nshards,
		  struct collect *k, bool del)
{
	for (unsigned s = 0; s < nshards; s++) {
		size_t first = k->n;
		qt_ct_lock(shards[s]);
		qt_ct_each(shards[s], collect_one, k);
		for (size_t i = first; del && i < k->n; i++) {
			enum qt_ct_dir dir;
			struct qt_ct_entry *e =
				qt_ct_find(shards[s], &k->v[i].t[QT_CT_ORIG], &dir);
			if (e)
				qt_ct_delete(shards[s], e);
		}
		qt_ct_unlock(shards[s]);
		if (k->nomem)
			return -1;
	}
	return 0;
}

static void help(struct cmdline *c)
{
	qt_buf_printf(c->out,
		"Command line interface for the connection tracking system "
		"(qtables' engine). Version %s\n"
		"Usage: %s [commands] [options]\n"
		"\n"
		"Commands:\n"
		"  -L [table] [options]\t\tList conntrack table\n"
		"  -D [table] parameters\t\tDelete conntrack entries\n"
		"  -F [table]\t\t\tFlush table\n"
		"  -C [table]\t\t\tShow counter\n"
		"  -S\t\t\t\tShow statistics (one line per queue thread)\n"
		"\n"
		"Tables: conntrack, expect, dying, unconfirmed\n"
		"\n"
		"Conntrack parameters and options:\n"
		"  -m, --mark mark\t\t\tMark (mark/mask)\n"
		"\n"
		"Common parameters and options:\n"
		"  -s, --src, --orig-src ip\t\tSource address from original "
		"direction\n"
		"  -d, --dst, --orig-dst ip\t\tDestination address from original "
		"direction\n"
		"  -r, --reply-src ip\t\tSource addres from reply direction\n"
		"  -q, --reply-dst ip\t\tDestination address from reply "
		"direction\n"
		"  -p, --protonum proto\t\tLayer 4 Protocol, eg. 'tcp'\n"
		"  -f, --family proto\t\tLayer 3 Protocol, eg. 'ipv4'\n"
		"  -u, --status status\t\tStatus, eg. ASSURED\n"
		"  -n, --src-nat ip\t\t\tsource NAT ip\n"
		"  -g, --dst-nat ip\t\t\tdestination NAT ip\n"
		"  -j, --any-nat ip\t\t\tsource or destination NAT ip\n"
		"  -w, --zone value\t\tConntrack zone\n"
		"  --orig-zone value\t\tZone for original direction\n"
		"  --reply-zone value\t\tZone for reply direction\n"
		"\n"
		"Protocol options (after -p):\n"
		"  --sport, --orig-port-src port\tSource port (tcp, udp, sctp, "
		"dccp, udplite)\n"
		"  --dport, --orig-port-dst port\tDestination port\n"
		"  --reply-port-src port\t\tSource port from reply direction\n"
		"  --reply-port-dst port\t\tDestination port from reply "
		"direction\n"
		"  --state state\t\t\tTCP state, eg. ESTABLISHED (-p tcp)\n"
		"  --icmp-type, --icmp-code, --icmp-id n\tICMP fields (-p icmp)\n"
		"\n", QT_CONNTRACK_VERSION, c->prog);
}

static void summary(struct cmdline *c, const char *what)
{
	qt_buf_printf(c->err, "%s v%s (%s): %s\n", c->prog,
		      QT_CONNTRACK_VERSION, QT_BACKEND, what);
}

int qt_ct_view_run(struct qt_ct *const *shards, unsigned nshards,
		   const char *prog, int argc, char *const *argv,
		   uint64_t now, struct qt_buf *out, struct qt_buf *err)
{
	struct cmdline c = { .prog = prog, .out = out, .err = err,
			     .cmd = QT_CTC_NONE, .table = "conntrack" };
	int rc = parse_cmdline(&c, argc, argv);
	if (rc)
		return rc;
	/* only the connection table is kept: the others are empty */
	bool empty = strcmp(c.table, "conntrack") != 0;
	if (empty)
		nshards = 0;
	char msg[128];
	switch (c.cmd) {
	case QT_CTC_NONE:
	case QT_CTC_HELP:
		help(&c);
		return 0;
	case QT_CTC_VERSION:
		qt_buf_printf(out, "%s v%s (%s)\n", prog, QT_CONNTRACK_VERSION,
			      QT_BACKEND);
		return 0;
	case QT_CTC_UNSUPPORTED:
		return QT_PARAMETER_PROBLEM;   /* refused while parsing */
	case QT_CTC_LIST:
	case QT_CTC_DELETE: {
		bool del = c.cmd == QT_CTC_DELETE;
		struct collect k = { .f = &c.f, .now = now };
		if (gather(shards, nshards, &k, del) < 0) {
			free(k.v);
			summary(&c, "Operation failed: not enough memory");
			return QT_OTHER_PROBLEM;
		}
		for (size_t i = 0; i < k.n; i++)
			qt_ct_view_format(&k.v[i], now, out);
		free(k.v);
		snprintf(msg, sizeof(msg), "%zu %s been %s.", k.n,
			 !strcmp(c.table, "expect") ? "expectations have"
						    : "flow entries have",
			 del ? "deleted" : "shown");
		summary(&c, msg);
		/* conntrack -D fails when nothing matched */
		return del && k.n == 0 ? QT_OTHER_PROBLEM : 0;
	}
	case QT_CTC_FLUSH: {
		struct qt_ct_filter all = { .has = 0 };
		struct collect k = { .f = &all, .now = UINT64_C(0) };
		if (gather(shards, nshards, &k, true) < 0) {
			free(k.v);
			summary(&c, "Operation failed: not enough memory");
			return QT_OTHER_PROBLEM;
		}
		free(k.v);
		summary(&c, !strcmp(c.table, "expect")
			    ? "expectation table has been emptied."
			    : "connection tracking table has been emptied.");
		return 0;
	}
	case QT_CTC_COUNT: {
		unsigned long long n = 0;
		for (unsigned s = 0; s < nshards; s++) {
			qt_ct_lock(shards[s]);
			n += qt_ct_count(shards[s]);
			qt_ct_unlock(shards[s]);
		}
		qt_buf_printf(out, "%llu\n", n);
		return 0;
	}
	case QT_CTC_STATS:
		for (unsigned s = 0; s < nshards; s++) {
			qt_ct_lock(shards[s]);
			struct qt_ct_stats st = *qt_ct_stats(shards[s]);
			qt_ct_unlock(shards[s]);
			/* the kernel's per-cpu line; the engine neither
			 * resolves clashes nor has chains to grow long */
			qt_buf_printf(out, "cpu=%-4u\tfound=%llu invalid=%llu "
				"insert=%llu insert_failed=%llu drop=%llu "
				"early_drop=%llu error=%llu search_restart=%llu "
				"clash_resolve=0 chaintoolong=0 \n", s,
				(unsigned long long)st.found,
				(unsigned long long)st.invalid,
				(unsigned long long)st.insert,
				(unsigned long long)st.insert_failed,
				(unsigned long long)st.drop,
				(unsigned long long)st.early_drop,
				(unsigned long long)st.error,
				(unsigned long long)st.search_restart);
		}
		return 0;
	}
	return 0;
}

int qt_ct_view_request(struct qt_engine *e, const char *req, size_t len,
		       struct qt_buf *out, struct qt_buf *err)
{
	/* the program's name in the header, then one argument per line */
	struct qt_ipc_header h;
	int argc = 0, rc;
	char **argv = NULL;
	if (qt_ipc_parse(req, len, &h) < 0 || h.kind != QT_IPC_CONNTRACK ||
	    memchr(req, '\0', len)) {
		qt_buf_printf(err, "qtablesd: malformed request\n");
		return QT_OTHER_PROBLEM;
	}
	const char *prog = h.prog;
	/* the body, NUL-terminated, cut into arguments in place */
	char *copy = malloc(h.body_len + 2);
	if (!copy) {
		qt_buf_printf(err, "qtablesd: out of memory\n");
		return QT_RESOURCE_PROBLEM;
	}
	copy[0] = '\n';
	memcpy(copy + 1, h.body, h.body_len);
	copy[h.body_len + 1] = '\0';
	char *nl = copy;
	for (char *q = nl + 1; *q; q++)
		argc += *q == '\n';
	argv = calloc((size_t)argc + 1, sizeof(*argv));
	if (!argv) {
		qt_buf_printf(err, "qtablesd: out of memory\n");
		rc = QT_RESOURCE_PROBLEM;
		goto done;
	}
	int n = 0;
	for (char *q = nl + 1; n < argc; n++) {
		char *end = strchr(q, '\n');
		*end = '\0';
		argv[n] = q;
		q = end + 1;
	}
	unsigned nshards = e ? qt_engine_ct_shards(e) : 0;
	struct qt_ct **shards = calloc(nshards ? nshards : 1, sizeof(*shards));
	if (!shards) {
		qt_buf_printf(err, "qtablesd: out of memory\n");
		rc = QT_RESOURCE_PROBLEM;
		goto done;
	}
	for (unsigned i = 0; i < nshards; i++)
		shards[i] = qt_engine_ct_shard(e, i);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	rc = qt_ct_view_run(shards, nshards, prog, argc, argv, now, out, err);
	free(shards);
done:
	free(argv);
	free(copy);
	return rc;
}
