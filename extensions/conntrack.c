/* -m conntrack: state, status, protocol, tuple addresses and ports,
 * expiry and direction of the packet's connection (xt_conntrack
 * revision 3). Values are kept as the kernel keeps them: an address and
 * its 128-bit mask (in iptables' rules a given /N fills the first word
 * only, no mask at all is all ones, so the two never compare equal; in
 * ip6tables' the address and the mask are IPv6's), port ranges in host
 * order with high 0 meaning "just low", flag words XT_CONNTRACK_*.
 * Messages and quirks are iptables-nft 1.8.9's. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "ct_entry.h"
#include "proto_names.h"
#include "xtypes.h"

/* The kernel's XT_CONNTRACK_* match and invert flags. */
#define CT_STATE        (1u << 0)
#define CT_PROTO        (1u << 1)
#define CT_ORIGSRC      (1u << 2)
#define CT_ORIGDST      (1u << 3)
#define CT_REPLSRC      (1u << 4)
#define CT_REPLDST      (1u << 5)
#define CT_STATUS       (1u << 6)
#define CT_EXPIRES      (1u << 7)
#define CT_ORIGSRC_PORT (1u << 8)
#define CT_ORIGDST_PORT (1u << 9)
#define CT_REPLSRC_PORT (1u << 10)
#define CT_REPLDST_PORT (1u << 11)
#define CT_DIRECTION    (1u << 12)  /* inverted: REPLY */

/* XT_CONNTRACK_STATE_* bits */
#define CS_INVALID     (1u << 0)
#define CS_ESTABLISHED (1u << 1)
#define CS_RELATED     (1u << 2)
#define CS_NEW         (1u << 3)
#define CS_SNAT        (1u << 6)
#define CS_DNAT        (1u << 7)
#define CS_UNTRACKED   (1u << 8)

struct ct_addr {
	uint32_t addr[4];      /* network order, not masked (IPv4: the
	                          first word, the rest zero) */
	uint32_t mask[4];      /* union nf_inet_addr */
};

struct conntrack_data {
	struct ct_addr tuple[4];   /* origsrc, origdst, replsrc, repldst */
	uint16_t port[4][2];       /* same order: low, high */
	uint32_t expires[2];       /* seconds, min and max */
	uint16_t match_flags;
	uint16_t invert_flags;
	uint16_t state_mask;
	uint16_t status_mask;      /* IPS_* */
	uint8_t l4proto;
	uint8_t ip6;               /* an ip6tables rule's: IPv6 tuples */
	uint8_t pad[2];
};

enum {
	O_STATE, O_PROTO, O_ORIGSRC, O_ORIGDST, O_REPLSRC, O_REPLDST,
	O_ORIGSRCPORT, O_ORIGDSTPORT, O_REPLSRCPORT, O_REPLDSTPORT,
	O_STATUS, O_EXPIRE, O_DIR,
};

/* The kernel's flag of each option, in match_flags and invert_flags. */
static const uint16_t opt_flag[] = {
	[O_STATE] = CT_STATE, [O_PROTO] = CT_PROTO,
	[O_ORIGSRC] = CT_ORIGSRC, [O_ORIGDST] = CT_ORIGDST,
	[O_REPLSRC] = CT_REPLSRC, [O_REPLDST] = CT_REPLDST,
	[O_ORIGSRCPORT] = CT_ORIGSRC_PORT, [O_ORIGDSTPORT] = CT_ORIGDST_PORT,
	[O_REPLSRCPORT] = CT_REPLSRC_PORT, [O_REPLDSTPORT] = CT_REPLDST_PORT,
	[O_STATUS] = CT_STATUS, [O_EXPIRE] = CT_EXPIRES,
	[O_DIR] = CT_DIRECTION,
};

#define D struct conntrack_data
#define OPT(n, o, flag) \
	{ .name = n, .id = o, .type = QT_OT_RAW, .flags = QT_OPT_INVERT, \
	  QT_INV(D, invert_flags, flag) }
static const struct qt_ext_opt conntrack_opts[] = {
	OPT("ctstate", O_STATE, CT_STATE),
	OPT("ctproto", O_PROTO, CT_PROTO),
	OPT("ctorigsrc", O_ORIGSRC, CT_ORIGSRC),
	OPT("ctorigdst", O_ORIGDST, CT_ORIGDST),
	OPT("ctreplsrc", O_REPLSRC, CT_REPLSRC),
	OPT("ctrepldst", O_REPLDST, CT_REPLDST),
	OPT("ctorigsrcport", O_ORIGSRCPORT, CT_ORIGSRC_PORT),
	OPT("ctorigdstport", O_ORIGDSTPORT, CT_ORIGDST_PORT),
	OPT("ctreplsrcport", O_REPLSRCPORT, CT_REPLSRC_PORT),
	OPT("ctrepldstport", O_REPLDSTPORT, CT_REPLDST_PORT),
	OPT("ctstatus", O_STATUS, CT_STATUS),
	{ .name = "ctexpire", .id = O_EXPIRE, .type = QT_OT_URANGE,
	  .flags = QT_OPT_INVERT, QT_PUT(D, expires),
	  QT_INV(D, invert_flags, CT_EXPIRES) },
	/* REPLY is the inverted direction */
	{ .name = "ctdir", .id = O_DIR, .type = QT_OT_CHOICE,
	  .flags = QT_OPT_NOCASE, .choices = (const struct qt_opt_choice[]) {
		{ "ORIGINAL", 0 }, { "REPLY", CT_DIRECTION }, { NULL, 0 } } },
	{ .name = NULL },
};
#undef OPT
#undef D

/* Names in print order. */
static const struct { const char *name; uint16_t bit; } ctstate_names[] = {
	{ "INVALID", CS_INVALID }, { "NEW", CS_NEW }, { "RELATED", CS_RELATED },
	{ "ESTABLISHED", CS_ESTABLISHED }, { "UNTRACKED", CS_UNTRACKED },
	{ "SNAT", CS_SNAT }, { "DNAT", CS_DNAT },
};
static const struct { const char *name; uint16_t bit; } ctstatus_names[] = {
	{ "EXPECTED", 1 }, { "SEEN_REPLY", 2 }, { "ASSURED", 4 },
	{ "CONFIRMED", 8 },
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const tuple_opt[4] = {
	"ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst",
};
static const char *const port_opt[4] = {
	"ctorigsrcport", "ctorigdstport", "ctreplsrcport", "ctrepldstport",
};

static bool one_ctstate(const char *s, size_t len, uint16_t *mask)
{
	for (size_t i = 0; i < NELEM(ctstate_names); i++)
		if (xt_item_is(s, len, ctstate_names[i].name)) {
			*mask |= ctstate_names[i].bit;
			return true;
		}
	return false;
}

static bool one_ctstatus(const char *s, size_t len, uint16_t *mask)
{
	if (xt_item_is(s, len, "NONE"))
		return true;
	for (size_t i = 0; i < NELEM(ctstatus_names); i++)
		if (xt_item_is(s, len, ctstatus_names[i].name)) {
			*mask |= ctstatus_names[i].bit;
			return true;
		}
	return false;
}

/* "A,B,C": a bad or empty item is quoted with everything after it. */
static int parse_list(const char *arg, const char *what, uint16_t *mask,
		      bool (*one)(const char *, size_t, uint16_t *),
		      struct qt_ctx *ctx)
{
	const char *s = arg, *comma;
	*mask = 0;
	while ((comma = strchr(s, ',')) != NULL) {
		if (comma == s || !one(s, (size_t)(comma - s), mask))
			return qt_param_error(ctx, "Bad %s \"%s\"", what, s);
		s = comma + 1;
	}
	if (*s == '\0' || !one(s, strlen(s), mask))
		return qt_param_error(ctx, "Bad %s \"%s\"", what, s);
	return 0;
}

/* A protocol as xtables_parse_protocol reads it: a number, "all", a
 * name from the protocols database, or one iptables knows itself. */
static int parse_proto(const char *s, uint8_t *out, struct qt_ctx *ctx)
{
	uint64_t v = 0;
	if (qt_strtoul(s, NULL, 0, 255, &v)) {
		*out = (uint8_t)v;
		return 0;
	}
	if (strcmp(s, "all") == 0) {
		*out = 0;
		return 0;
	}
	struct protoent *pe = getprotobyname(s);
	if (pe) {
		*out = (uint8_t)pe->p_proto;
		return 0;
	}
	int known = qt_proto_known_number(s);
	if (known >= 0) {
		*out = (uint8_t)known;
		return 0;
	}
	return qt_param_error(ctx, "unknown protocol \"%s\" specified", s);
}

/* An IPv6 host as xtables' host type reads one in ip6tables: numeric,
 * or a name whose first IPv6 answer is taken. */
static int parse_host6(struct qt_ctx *ctx, const char *s, uint32_t addr[4])
{
	if (inet_pton(AF_INET6, s, addr) == 1)
		return 0;
	struct addrinfo hints = { .ai_family = AF_INET6 };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(s, NULL, &hints, &res);
	if (rc != 0)
		return qt_param_error(ctx, "getaddrinfo: %s\n", gai_strerror(rc));
	memcpy(addr, &((const struct sockaddr_in6 *)(const void *)res->ai_addr)
			      ->sin6_addr, 16);
	freeaddrinfo(res);
	return 0;
}

/* "HOST[/MASK]" (xtables' hostmask type): the host resolved, the address
 * kept unmasked; of the rule's family. */
static int parse_hostmask(const char *arg, const char *opt, bool ip6,
			  struct ct_addr *t, struct qt_ctx *ctx)
{
	char buf[1024];
	uint32_t addr[4] = { 0 };
	snprintf(buf, sizeof(buf), "%s", arg);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (ip6 ? parse_host6(ctx, buf, addr)
		: qt_opt_parse_host(ctx, buf, &addr[0]))
		return -1;
	unsigned plen = QT_PLEN_FULL;
	if (slash && qt_opt_parse_plen_fam(ctx, "conntrack", opt, slash + 1,
					   ip6 ? AF_INET6 : AF_INET, &plen))
		return -1;
	memcpy(t->addr, addr, sizeof(addr));
	qt_plen_mask(plen, t->mask);
	return 0;
}

/* A port (getaddrinfo's service lookup, so a number is taken modulo
 * 65536 as iptables-nft 1.8.9 does) or range "A:B"; an empty side is
 * 0 or 65535. */
static int parse_port_one(const char *s, uint16_t *out, struct qt_ctx *ctx)
{
	struct addrinfo *res = NULL;
	int port = -1;
	if (getaddrinfo(NULL, s, NULL, &res) == 0) {
		for (struct addrinfo *p = res; p; p = p->ai_next) {
			if (p->ai_family == AF_INET6) {
				port = ((const struct sockaddr_in6 *)(const void *)p->ai_addr)->sin6_port;
				break;
			}
			if (p->ai_family == AF_INET) {
				port = ((const struct sockaddr_in *)(const void *)p->ai_addr)->sin_port;
				break;
			}
		}
		freeaddrinfo(res);
	}
	if (port < 0)
		return qt_param_error(ctx,
			"Port \"%s\" does not resolve to anything.\n", s);
	*out = ntohs((uint16_t)port);
	return 0;
}

static int parse_port_range(const char *arg, const char *opt, uint16_t p[2],
			    struct qt_ctx *ctx)
{
	const char *s = arg;
	for (unsigned i = 0;; i++) {
		if (i == 2)
			return qt_param_error(ctx,
				"conntrack: Too many components for option \"--%s\" (max: 2)\n",
				opt);
		const char *colon = strchr(s, ':');
		size_t len = colon ? (size_t)(colon - s) : strlen(s);
		char buf[256];
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (buf[0] == '\0')
			p[i] = i == 0 ? 0 : 0xFFFF;
		else if (parse_port_one(buf, &p[i], ctx))
			return -1;
		if (i == 0)
			p[1] = p[0];
		if (!colon)
			return 0;
		s = colon + 1;
	}
}

static int conntrack_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			   struct qt_ctx *ctx)
{
	struct conntrack_data *d = in->data;
	int id = a->opt->id;

	d->match_flags |= opt_flag[id];
	switch (id) {
	case O_STATE:
		return parse_list(a->arg, "ctstate", &d->state_mask,
				  one_ctstate, ctx);
	case O_PROTO:
		return parse_proto(a->arg, &d->l4proto, ctx);
	case O_ORIGSRC:
	case O_ORIGDST:
	case O_REPLSRC:
	case O_REPLDST:
		return parse_hostmask(a->arg, tuple_opt[id - O_ORIGSRC], d->ip6,
				      &d->tuple[id - O_ORIGSRC], ctx);
	case O_ORIGSRCPORT:
	case O_ORIGDSTPORT:
	case O_REPLSRCPORT:
	case O_REPLDSTPORT:
		return parse_port_range(a->arg, port_opt[id - O_ORIGSRCPORT],
					d->port[id - O_ORIGSRCPORT], ctx);
	case O_STATUS:
		return parse_list(a->arg, "ctstatus", &d->status_mask,
				  one_ctstatus, ctx);
	case O_DIR:
		d->invert_flags |= (uint16_t)a->val.u;
		return 0;
	}
	return 0;
}

static void conntrack_init(struct qt_ext_inst *in)
{
	struct conntrack_data *d = in->data;
	d->ip6 = in->family == AF_INET6;
}

static int conntrack_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			   struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx, "conntrack: At least one option is required");
	return 0;
}

static void put_names(struct qt_buf *b, uint16_t mask, bool status)
{
	bool first = true;
	size_t n = status ? NELEM(ctstatus_names) : NELEM(ctstate_names);
	for (size_t i = 0; i < n; i++) {
		uint16_t bit = status ? ctstatus_names[i].bit : ctstate_names[i].bit;
		if (mask & bit) {
			qt_buf_puts(b, first ? " " : ",");
			qt_buf_puts(b, status ? ctstatus_names[i].name
					      : ctstate_names[i].name);
			first = false;
		}
	}
	if (first)
		qt_buf_puts(b, " NONE");
}

/* Address with its mask as iptables prints it: no "/32", "/N" for a
 * prefix, the dotted mask otherwise; -L names the host unless -n, and
 * says "anywhere" for 0.0.0.0 whatever the mask. IPv6 alike: no
 * "/128", "/N", or the mask in full. */
static void put_tuple(struct qt_buf *b, const struct ct_addr *t, bool ip6,
		      bool numeric)
{
	qt_buf_putc(b, ' ');
	if (ip6) {
		union qt_addr a, m;
		memcpy(&a.v6, t->addr, 16);
		memcpy(&m.v6, t->mask, 16);
		qt_addr_list_form_fam(b, AF_INET6, &a, &m, numeric);
		return;
	}
	if (!numeric && t->addr[0] == 0) {
		qt_buf_puts(b, "anywhere");
		return;
	}
	if (numeric) {
		xt_put_ip(b, t->addr[0]);
	} else {
		struct in_addr a = { .s_addr = t->addr[0] };
		qt_addr_list_form(b, a, qt_cidr_to_mask(32), false);
	}
	int cidr = qt_mask_to_cidr((struct in_addr){ .s_addr = t->mask[0] });
	if (cidr < 0) {
		qt_buf_putc(b, '/');
		xt_put_ip(b, t->mask[0]);
	} else if (cidr != 32) {
		qt_buf_printf(b, "/%d", cidr);
	}
}

/* save (prefix "--") and -L (no prefix) share one layout */
static void dump(const struct conntrack_data *d, struct qt_buf *b,
		 const char *pfx, bool numeric)
{
	uint16_t f = d->match_flags, inv = d->invert_flags;
#define NOT(bit) do { if (inv & (bit)) qt_buf_puts(b, " !"); } while (0)
	if (f & CT_STATE) {
		NOT(CT_STATE);
		qt_buf_printf(b, " %sctstate", pfx);
		put_names(b, d->state_mask, false);
	}
	if (f & CT_PROTO) {
		NOT(CT_PROTO);
		qt_buf_printf(b, " %sctproto %u", pfx, d->l4proto);
	}
	for (int i = 0; i < 4; i++)
		if (f & (CT_ORIGSRC << i)) {
			NOT(CT_ORIGSRC << i);
			qt_buf_printf(b, " %s%s", pfx, tuple_opt[i]);
			put_tuple(b, &d->tuple[i], d->ip6, numeric);
		}
	for (int i = 0; i < 4; i++)
		if (f & (CT_ORIGSRC_PORT << i)) {
			const uint16_t *p = d->port[i];
			NOT(CT_ORIGSRC_PORT << i);
			if (p[1] == 0 || p[0] == p[1])
				qt_buf_printf(b, " %s%s %u", pfx, port_opt[i], p[0]);
			else
				qt_buf_printf(b, " %s%s %u:%u", pfx, port_opt[i],
					      p[0], p[1]);
		}
	if (f & CT_STATUS) {
		NOT(CT_STATUS);
		qt_buf_printf(b, " %sctstatus", pfx);
		put_names(b, d->status_mask, true);
	}
	if (f & CT_EXPIRES) {
		NOT(CT_EXPIRES);
		if (d->expires[0] == d->expires[1])
			qt_buf_printf(b, " %sctexpire %u", pfx, d->expires[0]);
		else
			qt_buf_printf(b, " %sctexpire %u:%u", pfx, d->expires[0],
				      d->expires[1]);
	}
	if (f & CT_DIRECTION)
		qt_buf_printf(b, " %sctdir %s", pfx,
			      inv & CT_DIRECTION ? "REPLY" : "ORIGINAL");
#undef NOT
}

static void conntrack_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	dump(in->data, b, "--", true);
}

static void conntrack_print(const struct qt_ext_inst *in, struct qt_buf *b,
			    bool numeric)
{
	dump(in->data, b, "", numeric);
}

/* ---- engine side: xt_conntrack's conntrack_mt() for revision 3 ---- */

/* "failed" for a condition: its test XOR "not inverted" (the kernel's
 * `cond ^ !(invert_flags & FLAG)`, true means the rule does not match). */
static bool fails(const struct conntrack_data *d, uint16_t flag, bool cond)
{
	return cond != !(d->invert_flags & flag);
}

static bool port_in(const uint16_t p[2], uint16_t port)
{
	return port >= p[0] && port <= p[1];
}

static bool conntrack_match_fn(const struct qt_ext_inst *in,
			       struct qt_eval *ev)
{
	const struct conntrack_data *d = in->data;
	uint16_t f = d->match_flags;
	enum qt_ct_state s = qt_ctv_state(ev);
	const struct qt_ct_entry *e = qt_ctv_entry(ev);

	if (f & CT_STATE) {
		unsigned bit = s == QT_CT_UNTRACKED ? CS_UNTRACKED
			     : s == QT_CT_INVALID ? CS_INVALID
			     : qt_ctv_statebit(s);
		if (e && (e->status & QT_IPS_SRC_NAT))
			bit |= CS_SNAT;
		if (e && (e->status & QT_IPS_DST_NAT))
			bit |= CS_DNAT;
		if (fails(d, CT_STATE, (d->state_mask & bit) != 0))
			return false;
	}
	/* without an entry only --ctstate can say yes */
	if (!e)
		return f & CT_STATE;
	if ((f & CT_DIRECTION) &&
	    fails(d, CT_DIRECTION, ev->ct_dir == QT_CT_ORIG))
		return false;
	/* addresses: ((ct ^ given) & mask) == 0, IPv4 uses the first word,
	 * IPv6 all four (the rule's family decides, as par->family does) */
	unsigned words = d->ip6 ? 4 : 1;
	for (int i = 0; i < 4; i++) {
		uint16_t bit = (uint16_t)(CT_ORIGSRC << i);
		if (!(f & bit))
			continue;
		const struct qt_ct_tuple *t = &e->t[i < 2 ? QT_CT_ORIG : QT_CT_REPLY];
		const union qt_ct_addr *a = i % 2 == 0 ? &t->src : &t->dst;
		uint32_t diff = 0;
		for (unsigned w = 0; w < words; w++)
			diff |= (a->all[w] ^ d->tuple[i].addr[w]) &
				d->tuple[i].mask[w];
		if (fails(d, bit, diff == 0))
			return false;
	}
	if ((f & CT_PROTO) &&
	    fails(d, CT_PROTO, e->t[QT_CT_ORIG].proto == d->l4proto))
		return false;
	/* ports (rev 3: ranges, the inversion inside port_match) */
	for (int i = 0; i < 4; i++) {
		uint16_t bit = (uint16_t)(CT_ORIGSRC_PORT << i);
		if (!(f & bit))
			continue;
		const struct qt_ct_tuple *t = &e->t[i < 2 ? QT_CT_ORIG : QT_CT_REPLY];
		uint16_t port = i % 2 == 0 ? t->sport : t->dport;
		if (port_in(d->port[i], port) == !!(d->invert_flags & bit))
			return false;
	}
	if ((f & CT_STATUS) &&
	    fails(d, CT_STATUS, (d->status_mask & e->status) != 0))
		return false;
	if (f & CT_EXPIRES) {
		uint32_t left = qt_ct_seconds_left(e, ev->now_ns);
		if (fails(d, CT_EXPIRES,
			  left >= d->expires[0] && left <= d->expires[1]))
			return false;
	}
	return true;
}

static const struct qt_ext conntrack_match = {
	.name = "conntrack",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct conntrack_data),
	.opts = conntrack_opts,
	.init = conntrack_init,
	.parse = conntrack_parse,
	.check = conntrack_check,
	.save = conntrack_save,
	.print = conntrack_print,
	.match = conntrack_match_fn,
	.conntrack = true,
	.help =
		"[!] --ctstate {INVALID|ESTABLISHED|NEW|RELATED|UNTRACKED|SNAT|DNAT}[,...]\n"
		"                               State(s) to match\n"
		"[!] --ctproto proto            Protocol to match; by number or name, e.g. \"tcp\"\n"
		"[!] --ctorigsrc address[/mask]\n"
		"[!] --ctorigdst address[/mask]\n"
		"[!] --ctreplsrc address[/mask]\n"
		"[!] --ctrepldst address[/mask]\n"
		"                               Original/Reply source/destination address\n"
		"[!] --ctorigsrcport port\n"
		"[!] --ctorigdstport port\n"
		"[!] --ctreplsrcport port\n"
		"[!] --ctrepldstport port\n"
		"                               TCP/UDP/SCTP orig./reply source/destination port\n"
		"[!] --ctstatus {NONE|EXPECTED|SEEN_REPLY|ASSURED|CONFIRMED}[,...]\n"
		"                               Status(es) to match\n"
		"[!] --ctexpire time[:time]     Match remaining lifetime in seconds against\n"
		"                               value or range of values (inclusive)\n"
		"    --ctdir {ORIGINAL|REPLY}   Flow direction of packet\n",
};
QT_EXT_REGISTER(conntrack_match)
