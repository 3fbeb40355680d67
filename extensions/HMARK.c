/* -j HMARK: the packet mark set to a hash of the packet's addresses,
 * ports (or SPI) and protocol, scaled into --hmark-mod values from
 * --hmark-offset (xt_HMARK, both families). Facts of iptables-nft
 * 1.8.9: --hmark-mod and --hmark-rnd are mandatory, what is hashed
 * comes from --hmark-tuple (src,dst,sport,dport,spi,proto: each a
 * full mask; ct: the connection's tuple instead of the packet's) or
 * from the fine-grained masks, and what is not given is masked out.
 * Valid in every table and chain.
 *
 * The data block is the kernel's xt_hmark_info, with the port words
 * held in host order as (source << 16 | destination): the address
 * masks as the kernel's (a tuple's src/dst sets all 16 bytes, a
 * prefix its length's worth), flags one bit per option id. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "ct_entry.h"
#include "eval.h"
#include "ext.h"
#include "ip6_exthdr.h"
#include "nat.h"

/* Ids as iptables numbers them: the kernel's flag bits are 1 << id. */
enum {
	O_SADDR_MASK, O_DADDR_MASK, O_SPI, O_SPI_MASK, O_SPORT, O_DPORT,
	O_SPORT_MASK, O_DPORT_MASK, O_PROTO_MASK, O_RND, O_MODULUS,
	O_OFFSET, O_CT, O_TYPE,
};
#define F(id) QT_BIT(id)
/* What --hmark-tuple (or its fine-grained options) may give: one of
 * them, or ct, must be there. */
#define F_PKT (F(O_SADDR_MASK) | F(O_DADDR_MASK) | F(O_SPI_MASK) | \
	       F(O_SPORT_MASK) | F(O_DPORT_MASK) | F(O_PROTO_MASK) | \
	       F(O_SPORT) | F(O_DPORT) | F(O_SPI))

struct hmark_data {
	uint32_t src_mask[4];      /* network order */
	uint32_t dst_mask[4];
	uint32_t port_mask;        /* sport mask << 16 | dport mask */
	uint32_t port_set;         /* the same, ORed in */
	uint32_t flags;            /* F(id) of each option given */
	uint16_t proto_mask;
	uint16_t pad;
	uint32_t rnd, mod, offset;
};

#define HM struct hmark_data
static const struct qt_ext_opt hmark_opts[] = {
	{ .name = "hmark-tuple", .id = O_TYPE, .type = QT_OT_RAW },
	{ .name = "hmark-src-prefix", .id = O_SADDR_MASK, .type = QT_OT_PLEN },
	{ .name = "hmark-dst-prefix", .id = O_DADDR_MASK, .type = QT_OT_PLEN },
	{ .name = "hmark-sport-mask", .id = O_SPORT_MASK, .type = QT_OT_UINT,
	  .max = 0xffff },
	{ .name = "hmark-dport-mask", .id = O_DPORT_MASK, .type = QT_OT_UINT,
	  .max = 0xffff },
	{ .name = "hmark-spi-mask", .id = O_SPI_MASK, .type = QT_OT_UINT,
	  .max = 0xffffffff, QT_PUT(HM, port_mask) },
	{ .name = "hmark-sport", .id = O_SPORT, .type = QT_OT_UINT,
	  .max = 0xffff },
	{ .name = "hmark-dport", .id = O_DPORT, .type = QT_OT_UINT,
	  .max = 0xffff },
	{ .name = "hmark-spi", .id = O_SPI, .type = QT_OT_UINT,
	  .max = 0xffffffff, QT_PUT(HM, port_set) },
	{ .name = "hmark-proto-mask", .id = O_PROTO_MASK, .type = QT_OT_UINT,
	  QT_PUT(HM, proto_mask) },
	{ .name = "hmark-rnd", .id = O_RND, .type = QT_OT_UINT,
	  QT_PUT(HM, rnd) },
	{ .name = "hmark-mod", .id = O_MODULUS, .type = QT_OT_UINT, .min = 1,
	  .flags = QT_OPT_MAND, QT_PUT(HM, mod) },
	{ .name = "hmark-offset", .id = O_OFFSET, .type = QT_OT_UINT,
	  QT_PUT(HM, offset) },
	{ .name = NULL },
};
#undef HM

/* One --hmark-tuple word (len bytes at w): iptables compares it with
 * strncasecmp over the word's length, so a prefix names the first
 * type it begins ("s" is src, "sp" sport). */
static bool tuple_word(struct qt_ext_inst *in, const char *w, size_t len)
{
	struct hmark_data *d = in->data;
	static const struct { const char *name; int id; } types[] = {
		{ "ct", O_CT }, { "src", O_SADDR_MASK }, { "dst", O_DADDR_MASK },
		{ "sport", O_SPORT_MASK }, { "dport", O_DPORT_MASK },
		{ "proto", O_PROTO_MASK }, { "spi", O_SPI_MASK },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strncasecmp(w, types[i].name, len))
			continue;
		switch (types[i].id) {
		case O_SADDR_MASK: memset(d->src_mask, 0xff, 16); break;
		case O_DADDR_MASK: memset(d->dst_mask, 0xff, 16); break;
		case O_SPORT_MASK: d->port_mask |= 0xffff0000u; break;
		case O_DPORT_MASK: d->port_mask |= 0xffffu; break;
		case O_PROTO_MASK: d->proto_mask = 0xffff; break;
		case O_SPI_MASK:   d->port_mask = 0xffffffffu; break;
		}
		d->flags |= F(types[i].id);
		/* iptables marks the option as given: its own option after
		 * this is "can only be used once" */
		in->seen |= F(types[i].id);
		return true;
	}
	return false;
}

static int parse_tuple(struct qt_ext_inst *in, const char *arg,
		       struct qt_ctx *ctx)
{
	const char *comma;
	while ((comma = strchr(arg, ',')) != NULL) {
		if (comma == arg || !tuple_word(in, arg, (size_t)(comma - arg)))
			return qt_param_error(ctx, "Bad type \"%s\"", arg);
		arg = comma + 1;
	}
	if (!*arg)
		return qt_param_error(ctx,
			"\"--hmark-tuple\" requires a list of types with no spaces, e.g. src,dst,sport,dport,proto");
	if (!tuple_word(in, arg, strlen(arg)))
		return qt_param_error(ctx, "Bad type \"%s\"", arg);
	return 0;
}

static int hmark_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	struct hmark_data *d = in->data;
	uint32_t v = (uint32_t)a->val.u;
	switch (a->opt->id) {
	case O_TYPE:
		return parse_tuple(in, a->arg, ctx);
	case O_SADDR_MASK:
		qt_plen_mask(a->val.plen, d->src_mask);
		break;
	case O_DADDR_MASK:
		qt_plen_mask(a->val.plen, d->dst_mask);
		break;
	case O_SPORT_MASK:
		d->port_mask = (d->port_mask & 0xffffu) | v << 16;
		break;
	case O_DPORT_MASK:
		d->port_mask = (d->port_mask & 0xffff0000u) | v;
		break;
	case O_SPORT:
		d->port_set = (d->port_set & 0xffffu) | v << 16;
		break;
	case O_DPORT:
		d->port_set = (d->port_set & 0xffff0000u) | v;
		break;
	}
	d->flags |= F(a->opt->id);
	return 0;
}

static int hmark_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		       struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & F(O_MODULUS)))
		return qt_param_error(ctx, "--hmark-mod is mandatory");
	if (!(in->seen & F(O_RND)))
		return qt_param_error(ctx, "--hmark-rnd is mandatory");
	if ((in->seen & F(O_SPI_MASK)) &&
	    (in->seen & (F(O_SPORT_MASK) | F(O_DPORT_MASK))))
		return qt_param_error(ctx,
			"you cannot use --hmark-spi-mask and --hmark-?port-mask,at the same time");
	if (!(in->seen & (F_PKT | F(O_CT))))
		return qt_param_error(ctx,
			"you have to specify --hmark-tuple at least");
	return 0;
}

/* xt_HMARK's checkentry: an SPI to OR in and ports to OR in exclude
 * each other. */
static int hmark_kcheck(const struct qt_ext_inst *in,
			const struct qt_rule_env *env)
{
	const struct hmark_data *d = in->data;
	(void)env;
	if ((d->flags & F(O_SPI)) && (d->flags & (F(O_SPORT) | F(O_DPORT))))
		return EINVAL;
	return 0;
}

/* The prefix length of a mask, as iptables counts it for the rule's
 * family (only the first word for IPv4). */
static unsigned mask_len(const uint32_t m[4], bool ip6)
{
	unsigned n = 0;
	for (unsigned i = 0; i < (ip6 ? 4u : 1u); i++)
		n += (unsigned)__builtin_popcount(m[i]);
	return n;
}

static void hmark_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct hmark_data *d = in->data;
	bool ip6 = in->family == AF_INET6;
	uint32_t f = d->flags;
	if (f & F(O_SADDR_MASK))
		qt_buf_printf(b, " --hmark-src-prefix %u", mask_len(d->src_mask, ip6));
	if (f & F(O_DADDR_MASK))
		qt_buf_printf(b, " --hmark-dst-prefix %u", mask_len(d->dst_mask, ip6));
	if (f & F(O_SPORT_MASK))
		qt_buf_printf(b, " --hmark-sport-mask 0x%04x", d->port_mask >> 16);
	if (f & F(O_DPORT_MASK))
		qt_buf_printf(b, " --hmark-dport-mask 0x%04x", d->port_mask & 0xffff);
	if (f & F(O_SPI_MASK))
		qt_buf_printf(b, " --hmark-spi-mask 0x%08x", d->port_mask);
	if (f & F(O_SPORT))
		qt_buf_printf(b, " --hmark-sport 0x%04x", d->port_set >> 16);
	if (f & F(O_DPORT))
		qt_buf_printf(b, " --hmark-dport 0x%04x", d->port_set & 0xffff);
	if (f & F(O_SPI))
		qt_buf_printf(b, " --hmark-spi 0x%08x", d->port_set);
	if (f & F(O_PROTO_MASK))
		qt_buf_printf(b, " --hmark-proto-mask 0x%02x", d->proto_mask);
	if (f & F(O_RND))
		qt_buf_printf(b, " --hmark-rnd 0x%08x", d->rnd);
	if (f & F(O_MODULUS))
		qt_buf_printf(b, " --hmark-mod %u", d->mod);
	if (f & F(O_OFFSET))
		qt_buf_printf(b, " --hmark-offset %u", d->offset);
	if (f & F(O_CT))
		qt_buf_puts(b, " --hmark-tuple ct");
}

/* -L: each item with a trailing space, as iptables prints them; an
 * IPv6 prefix of 128 prints as nothing between its two spaces
 * (iptables skips the "/" of a text that is empty for /128). */
static void put_prefix(struct qt_buf *b, const char *what,
		       const uint32_t m[4], bool ip6)
{
	unsigned n = mask_len(m, ip6);
	if (ip6 && n == 128)
		qt_buf_printf(b, "%s  ", what);
	else
		qt_buf_printf(b, "%s %u ", what, n);
}

static void hmark_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct hmark_data *d = in->data;
	bool ip6 = in->family == AF_INET6;
	uint32_t f = d->flags;
	(void)numeric;
	qt_buf_puts(b, " HMARK ");
	if (f & F(O_MODULUS))
		qt_buf_printf(b, "mod %u ", d->mod);
	if (f & F(O_OFFSET))
		qt_buf_printf(b, "+ 0x%x ", d->offset);
	if (f & F(O_CT))
		qt_buf_puts(b, "ct, ");
	if (f & F(O_SADDR_MASK))
		put_prefix(b, "src-prefix", d->src_mask, ip6);
	if (f & F(O_DADDR_MASK))
		put_prefix(b, "dst-prefix", d->dst_mask, ip6);
	if (f & F(O_SPORT_MASK))
		qt_buf_printf(b, "sport-mask 0x%x ", d->port_mask >> 16);
	if (f & F(O_DPORT_MASK))
		qt_buf_printf(b, "dport-mask 0x%x ", d->port_mask & 0xffff);
	if (f & F(O_SPI_MASK))
		qt_buf_printf(b, "spi-mask 0x%x ", d->port_mask);
	if (f & F(O_SPORT))
		qt_buf_printf(b, "sport 0x%x ", d->port_set >> 16);
	if (f & F(O_DPORT))
		qt_buf_printf(b, "dport 0x%x ", d->port_set & 0xffff);
	if (f & F(O_SPI))
		qt_buf_printf(b, "spi 0x%x ", d->port_set);
	if (f & F(O_PROTO_MASK))
		qt_buf_printf(b, "proto-mask 0x%x ", d->proto_mask);
	if (f & F(O_RND))
		qt_buf_printf(b, "rnd 0x%x ", d->rnd);
}

/* ---- engine: xt_HMARK's hash ----
 * The tuple: both addresses masked (IPv6: the four masked words XORed
 * into one), the two 16-bit words at the transport header (ports, or
 * ESP's SPI in halves, AH's SPI past its first four bytes) masked,
 * ORed with the set values and put larger first, and the protocol.
 * The hash is jhash_3words(lower address, higher address, ports, rnd)
 * XOR the masked protocol, scaled by the modulus (the kernel's
 * reciprocal_scale) plus the offset. */

struct hm_tuple {
	uint32_t src, dst;         /* host order */
	uint32_t ports;
	uint8_t proto;
};

/* Bytes of the packet as the kernel's skb_header_pointer reads them:
 * up to end (the packet's length); past the queue's copy (have) the
 * answer is unknown and `cut` says so. */
struct hm_rd {
	const uint8_t *d;
	uint32_t have, end;
	bool cut;
};

static const uint8_t *rd(struct hm_rd *r, uint32_t off, uint32_t n)
{
	if (off + n < off || off + n > r->end)
		return NULL;
	if (off + n > r->have) {
		r->cut = true;
		return NULL;
	}
	return r->d + off;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t masked_ports(uint32_t w, const struct hmark_data *d)
{
	uint32_t hp = (w & d->port_mask) | d->port_set;
	uint32_t s = hp >> 16, t = hp & 0xffff;
	return t > s ? t << 16 | s : s << 16 | t;
}

/* The kernel's proto_ports_offset. */
static int ports_offset(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: case IPPROTO_UDP: case IPPROTO_DCCP:
	case IPPROTO_ESP: case IPPROTO_SCTP: case IPPROTO_UDPLITE:
		return 0;
	case IPPROTO_AH:
		return 4;
	default:
		return -1;
	}
}

static void set_ports(struct hm_rd *r, uint32_t off, struct hm_tuple *t,
		      const struct hmark_data *d)
{
	int po = ports_offset(t->proto);
	const uint8_t *p;
	if (po < 0 || !(p = rd(r, off + (uint32_t)po, 4)))
		return;
	t->ports = masked_ports(be32(p), d);
}

static uint32_t fold6(const uint8_t *a, const uint32_t m[4])
{
	uint32_t x = 0;
	for (unsigned i = 0; i < 4; i++)
		x ^= be32(a + 4 * i) & ntohl(m[i]);
	return x;
}

/* -1: the kernel leaves the mark (an ICMP error whose quoted header
 * cannot be read). */
static int tuple_ipv4(struct hm_rd *r, struct hm_tuple *t,
		      const struct hmark_data *d)
{
	const uint8_t *ip = r->d;
	uint32_t nh = 0, ihl = (ip[0] & 15u) * 4;
	if (ip[9] == IPPROTO_ICMP) {
		const uint8_t *ic = rd(r, ihl, 8);
		/* the error types: unreachable, source quench, redirect,
		 * time exceeded, parameter problem */
		if (ic && ic[0] <= 18 && (ic[0] == 3 || ic[0] == 4 ||
		    ic[0] == 5 || ic[0] == 11 || ic[0] == 12)) {
			nh = ihl + 8;
			if (!(ip = rd(r, nh, 20)))
				return -1;
		}
	}
	t->src = be32(ip + 12) & ntohl(d->src_mask[0]);
	t->dst = be32(ip + 16) & ntohl(d->dst_mask[0]);
	t->proto = ip[9];
	if (t->proto == IPPROTO_ICMP)
		return 0;
	if ((ip[6] << 8 | ip[7]) & 0x3fff)   /* MF or an offset */
		return 0;
	set_ports(r, nh + (ip[0] & 15u) * 4, t, d);
	return 0;
}

#define FH_FRAG 1u
#define FH_AUTH 2u

static bool ext_hdr(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_AH ||
	       nh == IPPROTO_NONE || nh == IPPROTO_DSTOPTS;
}

/* The kernel's ipv6_find_hdr(skb, off, -1, NULL, flags) with
 * IP6_FH_F_AUTH: the transport protocol (AH's own when there is one),
 * its offset into *off; an *off not 0 starts at the IPv6 header there.
 * Negative: -ENOENT or -EBADMSG. */
static int find_hdr6(struct hm_rd *r, uint32_t *off, unsigned *flags)
{
	uint32_t start = 40;
	uint8_t nh = r->d[6];
	if (*off) {
		const uint8_t *ip = rd(r, *off, 40);
		if (!ip || ip[0] >> 4 != 6)
			return -2;
		start = *off + 40;
		nh = ip[6];
	}
	for (unsigned guard = 0; guard < 4096; guard++) {
		if (!ext_hdr(nh) || nh == IPPROTO_NONE)
			break;
		const uint8_t *h = rd(r, start, 2);
		uint32_t hlen;
		if (!h)
			return -2;
		if (nh == IPPROTO_ROUTING && !rd(r, start, 4))
			return -2;
		if (nh == IPPROTO_FRAGMENT) {
			*flags |= FH_FRAG;
			const uint8_t *fo = rd(r, start + 2, 2);
			if (!fo)
				return -2;
			if ((fo[0] << 8 | fo[1]) & ~7) {
				if (!ext_hdr(h[0]) || h[0] == IPPROTO_NONE)
					return h[0];
				return -1;
			}
			hlen = 8;
		} else if (nh == IPPROTO_AH) {
			if (*flags & FH_AUTH)
				break;
			hlen = qt_ip6_authlen(h);
		} else {
			hlen = qt_ip6_optlen(h);
		}
		nh = h[0];
		start += hlen;
	}
	*off = start;
	return nh;
}

static int tuple_ipv6(struct hm_rd *r, struct hm_tuple *t,
		      const struct hmark_data *d)
{
	const uint8_t *ip = r->d;
	unsigned flags = FH_AUTH;
	uint32_t off = 0;
	int nh = find_hdr6(r, &off, &flags);
	if (nh < 0)
		return 0;     /* the kernel hashes the empty tuple */
	if (!(flags & FH_FRAG) && nh == IPPROTO_ICMPV6) {
		/* an error (type 1..127) quotes the packet: its tuple */
		const uint8_t *ic = rd(r, off, 8);
		if (ic && ic[0] && ic[0] < 128) {
			off += 8;
			if (!(ip = rd(r, off, 40)))
				return -1;
			flags = FH_AUTH;
			nh = find_hdr6(r, &off, &flags);
			if (nh < 0)
				return -1;
		}
	}
	t->src = fold6(ip + 8, d->src_mask);
	t->dst = fold6(ip + 24, d->dst_mask);
	t->proto = (uint8_t)nh;
	if (t->proto == IPPROTO_ICMPV6 || (flags & FH_FRAG))
		return 0;
	set_ports(r, off, t, d);
	return 0;
}

static uint32_t addr_masked(const union qt_ct_addr *a, const uint32_t m[4],
			    bool ip6)
{
	if (!ip6)
		return ntohl(a->ip & m[0]);
	uint32_t x = 0;
	for (unsigned i = 0; i < 4; i++)
		x ^= a->all[i] & m[i];
	return ntohl(x);
}

/* --hmark-tuple ct: the connection's original source and reply source
 * (the addresses and ports after NAT), ICMP without ports. -1: no
 * connection (the kernel's nf_ct_get gave none), the mark is left. */
static int tuple_ct(const struct qt_eval *ev, struct hm_tuple *t,
		    const struct hmark_data *d)
{
	const struct qt_ct_entry *e = qt_ctv_entry(ev);
	if (!e) {
		/* a template before tracking (CT in raw) is an entry of
		 * no family to the kernel: the empty tuple */
		return !ev->ct_valid && !ev->untracked && ev->ct_tmpl ? 0 : -1;
	}
	const struct qt_ct_tuple *o = &e->t[QT_CT_ORIG], *rp = &e->t[QT_CT_REPLY];
	t->src = addr_masked(&o->src, d->src_mask, o->ip6);
	t->dst = addr_masked(&rp->src, d->dst_mask, o->ip6);
	t->proto = o->proto;
	if (t->proto != IPPROTO_ICMP)
		t->ports = masked_ports((uint32_t)o->sport << 16 | rp->sport, d);
	return 0;
}

static uint32_t hmark_hash(const struct hm_tuple *t, const struct hmark_data *d)
{
	uint32_t w[3] = { t->src, t->dst, t->ports };
	if (w[1] < w[0]) {
		w[0] = t->dst;
		w[1] = t->src;
	}
	uint32_t h = qt_nat_jhash2(w, 3, d->rnd) ^ (t->proto & d->proto_mask);
	return (uint32_t)(((uint64_t)h * d->mod) >> 32) + d->offset;
}

static int hmark_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct hmark_data *d = in->data;
	struct hm_tuple t = { 0, 0, 0, 0 };
	int rc;
	if (d->flags & F(O_CT)) {
		rc = tuple_ct(ev, &t, d);
	} else {
		bool ip6 = ev->pkt.family == AF_INET6;
		/* what the kernel reads up to is skb->len: the IP length
		 * after ip_rcv's trim, and also where that field says 0
		 * (a BIG TCP packet) */
		uint32_t end = ev->orig_len ? ev->orig_len : ev->pkt.ip_len;
		struct hm_rd r = { ev->data, ev->len < end ? ev->len : end,
				   end, false };
		if (r.have < (ip6 ? 40u : 20u))
			return r.have < r.end ? QT_XT_DROP : QT_XT_CONTINUE;
		rc = ip6 ? tuple_ipv6(&r, &t, d) : tuple_ipv4(&r, &t, d);
		/* the queue's copy ends before bytes the kernel reads: the
		 * mark cannot be known, so the packet goes no further */
		if (r.cut)
			return QT_XT_DROP;
	}
	if (rc < 0)
		return QT_XT_CONTINUE;
	ev->mark = hmark_hash(&t, d);
	ev->mark_changed = true;
	return QT_XT_CONTINUE;
}

/* An ICMP error's quoted header and ports (IPv4: 60 + 8 + 60 + 8); an
 * IPv6 header chain as the extension-header matches copy it. */
static uint32_t hmark_copy_need(const struct qt_ext_inst *in)
{
	const struct hmark_data *d = in->data;
	if (d->flags & F(O_CT))
		return 0;
	return in->family == AF_INET6 ? QT_IP6_CHAIN_COPY : 136;
}

/* The marks it may set: offset .. offset + mod - 1. */
static bool hmark_bits_fn(const struct qt_ext_inst *in, uint32_t bits)
{
	const struct hmark_data *d = in->data;
	uint64_t top = (uint64_t)d->offset + d->mod - 1;
	if (top > 0xffffffffu)
		return bits != 0;
	uint32_t reach = (uint32_t)top;
	reach |= reach >> 1; reach |= reach >> 2; reach |= reach >> 4;
	reach |= reach >> 8; reach |= reach >> 16;
	return (reach & bits) != 0;
}

static const struct qt_ext hmark_target = {
	.name = "HMARK",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct hmark_data),
	.opts = hmark_opts,
	.parse = hmark_parse,
	.check = hmark_check,
	.kcheck = hmark_kcheck,
	.save = hmark_save,
	.print = hmark_print,
	.target = hmark_target_fn,
	.copy_need = hmark_copy_need,
	.mark_bits = hmark_bits_fn,
	.help_header = "HMARK target options, i.e. modify hash calculation by:",
	.help =
		"  --hmark-tuple [src|dst|sport|dport|spi|proto|ct][,...]\n"
		"  --hmark-mod value\t\t    nfmark modulus value\n"
		"  --hmark-offset value\t\t    Last action add value to nfmark\n\n"
		"  --hmark-rnd\t\t\t    Random see for hashing\n"
		" Alternatively, fine tuning of what will be included in hash calculation\n"
		"  --hmark-src-prefix length\t    Source address mask CIDR prefix\n"
		"  --hmark-dst-prefix length\t    Dest address mask CIDR prefix\n"
		"  --hmark-sport-mask value\t    Mask src port with value\n"
		"  --hmark-dport-mask value\t    Mask dst port with value\n"
		"  --hmark-spi-mask value\t    For esp and ah AND spi with value\n"
		"  --hmark-sport value\t\t    OR src port with value\n"
		"  --hmark-dport value\t\t    OR dst port with value\n"
		"  --hmark-spi value\t\t    For esp and ah OR spi with value\n"
		"  --hmark-proto-mask value\t    Mask Protocol with value\n",
};
QT_EXT_REGISTER(hmark_target)
