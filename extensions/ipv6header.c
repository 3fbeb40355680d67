/* -m ipv6header: which extension headers a packet carries: exactly
 * the set given, or (--soft) at least those. Names as ip6tables reads
 * them: the system's protocol names first (getprotobyname, as
 * libip6t_ipv6header does; "hopopt" or "ip" is hop-by-hop), then its
 * own short names and numbers; printed by the system's names and its
 * own where the system has none (0, 255). */
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "ip6_exthdr.h"

/* The kernel's MASK_* bits (ip6t_ipv6header.h). */
#define MASK_HOPOPTS  128
#define MASK_DSTOPTS  64
#define MASK_ROUTING  32
#define MASK_FRAGMENT 16
#define MASK_AH       8
#define MASK_ESP      4
#define MASK_NONE     2
#define MASK_PROTO    1

struct ipv6header_data {
	uint8_t matchflags, invflags, modeflag;
};

enum { O_HEADER, O_SOFT };

static const struct qt_ext_opt ipv6header_opts[] = {
	{ .name = "header", .id = O_HEADER, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND },
	{ .name = "soft", .id = O_SOFT, .type = QT_OT_NONE, .value = 1,
	  QT_PUT(struct ipv6header_data, modeflag) },
	{ .name = NULL },
};

/* libip6t_ipv6header's own names, in its order (the first of a number
 * is the one printed when the system has none). */
static const struct { const char *name; uint8_t num; } chain_protos[] = {
	{ "hop-by-hop", IPPROTO_HOPOPTS }, { "protocol", IPPROTO_RAW },
	{ "hop", IPPROTO_HOPOPTS }, { "dst", IPPROTO_DSTOPTS },
	{ "route", IPPROTO_ROUTING }, { "frag", IPPROTO_FRAGMENT },
	{ "auth", IPPROTO_AH }, { "esp", IPPROTO_ESP },
	{ "none", IPPROTO_NONE }, { "prot", IPPROTO_RAW },
	{ "0", IPPROTO_HOPOPTS }, { "60", IPPROTO_DSTOPTS },
	{ "43", IPPROTO_ROUTING }, { "44", IPPROTO_FRAGMENT },
	{ "51", IPPROTO_AH }, { "50", IPPROTO_ESP },
	{ "59", IPPROTO_NONE }, { "255", IPPROTO_RAW },
};
#define NPROTOS (sizeof(chain_protos) / sizeof(chain_protos[0]))

/* The header bits from high to low and the protocol of each. */
static const uint8_t bit_proto[8] = {
	IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT,
	IPPROTO_AH, IPPROTO_ESP, IPPROTO_NONE, IPPROTO_RAW,
};

static int name_to_mask(const char *s, uint8_t *mask, struct qt_ctx *ctx)
{
	int proto = -1;
	const struct protoent *pe = getprotobyname(s);
	if (pe) {
		proto = pe->p_proto;
	} else {
		for (size_t i = 0; i < NPROTOS; i++)
			if (!strcmp(s, chain_protos[i].name)) {
				proto = chain_protos[i].num;
				break;
			}
		if (proto < 0)
			return qt_param_error(ctx,
				"unknown header `%s' specified", s);
	}
	for (unsigned b = 0; b < 8; b++)
		if (bit_proto[b] == proto) {
			*mask |= (uint8_t)(0x80 >> b);
			return 0;
		}
	return qt_param_error(ctx, "unknown header `%d' specified", proto);
}

static int ipv6header_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			    struct qt_ctx *ctx)
{
	struct ipv6header_data *d = in->data;
	if (a->opt->id != O_HEADER)
		return 0;
	char buf[1024];
	size_t n = strlen(a->arg);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, a->arg, n);
	buf[n] = '\0';
	uint8_t mask = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (name_to_mask(t, &mask, ctx))
			return -1;
	if (!mask)
		return qt_param_error(ctx,
			"ip6t_ipv6header: cannot parse header names");
	d->matchflags = mask;
	if (a->invert)
		d->invflags |= 0xFF;
	return 0;
}

static void put_names(uint8_t flags, struct qt_buf *b)
{
	bool first = true;
	for (unsigned i = 0; i < 8; i++) {
		if (!(flags & (0x80 >> i)))
			continue;
		uint8_t proto = bit_proto[i];
		const char *name = NULL;
		if (proto) {
			const struct protoent *pe = getprotobynumber(proto);
			if (pe)
				name = pe->p_name;
		}
		for (size_t k = 0; !name && k < NPROTOS; k++)
			if (chain_protos[k].num == proto)
				name = chain_protos[k].name;
		qt_buf_printf(b, "%s%s", first ? "" : ",", name);
		first = false;
	}
}

static void ipv6header_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct ipv6header_data *d = in->data;
	qt_buf_printf(b, " %s--header ", d->invflags ? "! " : "");
	put_names(d->matchflags, b);
	if (d->modeflag)
		qt_buf_puts(b, " --soft");
}

static void ipv6header_print(const struct qt_ext_inst *in, struct qt_buf *b,
			     bool numeric)
{
	const struct ipv6header_data *d = in->data;
	qt_buf_printf(b, " ipv6header flags:%s", d->invflags ? "!" : "");
	if (numeric)
		qt_buf_printf(b, "0x%02X", d->matchflags);
	else
		put_names(d->matchflags, b);
	if (d->modeflag)
		qt_buf_puts(b, " soft");
}

/* ---- engine: ip6t_ipv6header (ipv6header_mt6) ----
 * Its own walk, not ipv6_find_hdr's: every extension header in the
 * chain, past a non-first fragment too, ESP and "no next header"
 * ending it, anything else being the protocol. A chain the copy ends
 * inside (while the packet goes on) cannot be known: dropped, as the
 * kernel drops a header it cannot read. */
static bool ipv6header_match_pkt(const struct qt_ext_inst *in,
				 struct qt_eval *ev)
{
	const struct ipv6header_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (p->family != AF_INET6 || p->len < 40)
		return false;
	uint8_t nh = p->data[6];
	uint32_t skblen = p->ip_len, ptr = 40;
	int64_t len = (int64_t)skblen - ptr;
	uint8_t temp = 0;
	for (;;) {
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		    nh != IPPROTO_FRAGMENT && nh != IPPROTO_AH &&
		    nh != IPPROTO_NONE && nh != IPPROTO_DSTOPTS &&
		    nh != IPPROTO_ESP)
			break;
		if (nh == IPPROTO_NONE) {
			temp |= MASK_NONE;
			break;
		}
		if (len < 2)
			return false;
		if (nh == IPPROTO_ESP) {
			temp |= MASK_ESP;
			break;
		}
		if (!qt_ip6_have(p, ptr, 2)) {
			ev->hotdrop = true;
			return false;
		}
		const uint8_t *h = p->data + ptr;
		uint32_t hdrlen = nh == IPPROTO_FRAGMENT ? 8 :
				  nh == IPPROTO_AH ? qt_ip6_authlen(h) :
				  qt_ip6_optlen(h);
		switch (nh) {
		case IPPROTO_HOPOPTS: temp |= MASK_HOPOPTS; break;
		case IPPROTO_ROUTING: temp |= MASK_ROUTING; break;
		case IPPROTO_FRAGMENT: temp |= MASK_FRAGMENT; break;
		case IPPROTO_AH: temp |= MASK_AH; break;
		default: temp |= MASK_DSTOPTS; break;
		}
		nh = h[0];
		len -= hdrlen;
		ptr += hdrlen;
		if (ptr > skblen)
			break;
	}
	if (nh != IPPROTO_NONE && nh != IPPROTO_ESP)
		temp |= MASK_PROTO;
	if (d->modeflag)
		return !((temp ^ d->matchflags ^ d->invflags) & d->matchflags);
	if (d->invflags)
		return temp != d->matchflags;
	return temp == d->matchflags;
}

static const struct qt_ext ipv6header_match = {
	.name = "ipv6header",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = sizeof(struct ipv6header_data),
	.opts = ipv6header_opts,
	.parse = ipv6header_parse,
	.save = ipv6header_save,
	.print = ipv6header_print,
	.match = ipv6header_match_pkt,
	.copy_need = qt_ip6_chain_copy_need,
	.help =
		"[!] --header headers     Type of header to match, by name\n"
		"                         names: hop,dst,route,frag,auth,esp,none,prot\n"
		"                    long names: hop-by-hop,ipv6-opts,ipv6-route,\n"
		"                                ipv6-frag,ah,esp,ipv6-nonxt,protocol\n"
		"                       numbers: 0,60,43,44,51,50,59\n"
		"--soft                    The header CONTAINS the specified extensions\n",
};
QT_EXT_REGISTER(ipv6header_match)
