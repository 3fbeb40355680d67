/* REJECT's replies, as the kernel builds them (see reject.h). */
#include "reject.h"
#include "csum.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Protocols the kernel answers without checking a checksum: UDP without
 * one, those with other integrity checks, those with partial checksums. */
static bool csum_skipped(const struct qt_pkt *p)
{
	switch (p->proto) {
	case IPPROTO_UDP:
		return p->l4_len >= 8 && get16(p->l4 + 6) == 0;
	case IPPROTO_GRE:
	case IPPROTO_AH:
	case IPPROTO_ESP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
	case IPPROTO_DCCP:
		return true;
	default:
		return false;
	}
}

static bool dst_is_group(const struct qt_pkt *p, const struct qt_reject_env *env)
{
	uint8_t a = p->data[16];
	bool all = p->data[16] == 255 && p->data[17] == 255 &&
		   p->data[18] == 255 && p->data[19] == 255;
	return env->dst_bcast || all || (a & 0xf0) == 0xe0;
}

/* The reply's IPv4 header; tot and check filled by the caller. */
static void ip_header(uint8_t *o, const struct qt_pkt *p, uint8_t tos,
		      uint16_t id, uint16_t frag, uint8_t ttl, uint8_t proto,
		      const uint8_t *saddr, size_t tot)
{
	o[0] = 0x45;
	o[1] = tos;
	put16(o + 2, (uint16_t)tot);
	put16(o + 4, id);
	put16(o + 6, frag);
	o[8] = ttl;
	o[9] = proto;
	o[10] = o[11] = 0;
	memcpy(o + 12, saddr, 4);
	memcpy(o + 16, p->data + 12, 4);
	put16(o + 10, (uint16_t)~qt_csum_fold(qt_csum_add(0, o, 20)));
}

static size_t tcp_reset(const struct qt_pkt *p, const struct qt_reject_env *env,
			uint8_t *o, size_t cap)
{
	if (p->proto != IPPROTO_TCP || p->frag_off || !p->l4_ok)
		return 0;
	if (p->tcp_flags & 0x04) /* never answer a reset */
		return 0;
	if (!env->csum_ok && !qt_pkt_csum_holds(p))
		return 0;
	if (dst_is_group(p, env) || cap < 40)
		return 0;

	ip_header(o, p, 0, 0, 0x4000, env->ttl ? env->ttl : 64, IPPROTO_TCP,
		  p->data + 16, 40);
	uint8_t *t = o + 20;
	memset(t, 0, 20);
	put16(t, p->dport);
	put16(t + 2, p->sport);
	if (p->tcp_flags & 0x10) { /* ACK: take its number, no ACK of ours */
		put32(t + 4, p->tcp_ack);
		t[13] = 0x04;
	} else {
		/* from the IP length: the queue may have copied less */
		uint32_t data = p->ip_len - p->ihl - p->tcp_doff;
		uint32_t ack = p->tcp_seq + data + (p->tcp_flags & 0x02 ? 1 : 0) +
			       (p->tcp_flags & 0x01 ? 1 : 0);
		put32(t + 8, ack);
		t[13] = 0x14;
	}
	t[12] = 5 << 4;
	uint32_t s = qt_csum_add(0, o + 12, 8);
	s += IPPROTO_TCP + 20;
	s = qt_csum_add(s, t, 20);
	put16(t + 16, (uint16_t)~qt_csum_fold(s));
	return 40;
}

/* ICMP types that are errors, or unknown (taken as errors): never
 * answered with an error. */
static bool icmp_is_error(uint8_t type)
{
	return type > 18 || type == 3 || type == 4 || type == 5 ||
	       type == 11 || type == 12;
}

static size_t icmp_unreach(const struct qt_pkt *p, uint8_t code,
			   const struct qt_reject_env *env, uint8_t *o,
			   size_t cap)
{
	if (p->frag_off)
		return 0;
	if (!env->csum_ok && !csum_skipped(p) && !qt_pkt_csum_holds(p))
		return 0;
	if (env->l2_not_host || dst_is_group(p, env))
		return 0;
	if (p->proto == IPPROTO_ICMP &&
	    (p->l4_len < 1 || icmp_is_error(p->l4[0])))
		return 0;

	/* the offending packet from its IP header, as much as fits in 576 */
	size_t quote = p->ip_len < p->len ? p->ip_len : p->len;
	if (quote > QT_REJECT_MAX - 28)
		quote = QT_REJECT_MAX - 28;
	size_t tot = 28 + quote;
	if (cap < tot)
		return 0;
	const uint8_t *src = env->icmp_saddr.s_addr ?
		(const uint8_t *)&env->icmp_saddr.s_addr : p->data + 16;
	ip_header(o, p, (uint8_t)((p->tos & 0x1e) | 0xc0), env->ip_id, 0,
		  env->ttl ? env->ttl : 64, IPPROTO_ICMP, src, tot);
	uint8_t *ic = o + 20;
	memset(ic, 0, 8);
	ic[0] = 3;
	ic[1] = code;
	memcpy(ic + 8, p->data, quote);
	put16(ic + 2, (uint16_t)~qt_csum_fold(qt_csum_add(0, ic, 8 + quote)));
	return tot;
}

/* ---- IPv6: nf_reject_ipv6's nf_send_reset6 and icmp6_send ---- */

/* Not an address a reply may go to or come from: unspecified,
 * multicast, IPv4-mapped (ipv6_addr_type() without IPV6_ADDR_UNICAST). */
static bool ip6_not_unicast(const uint8_t *a)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	return a[0] == 0xff || memcmp(a, zero, 16) == 0 ||
	       memcmp(a, mapped, 12) == 0;
}

/* The reply's IPv6 header. */
static void ip6_header(uint8_t *o, uint32_t flowlabel, uint16_t plen,
		       uint8_t nh, uint8_t hlim, const uint8_t *saddr,
		       const uint8_t *daddr)
{
	put32(o, 6u << 28 | (flowlabel & 0xfffff));
	put16(o + 4, plen);
	o[6] = nh;
	o[7] = hlim;
	memcpy(o + 8, saddr, 16);
	memcpy(o + 24, daddr, 16);
}

/* The transport checksum over IPv6's pseudo-header and n bytes at l4. */
static uint16_t csum6(const uint8_t *ip6, const uint8_t *l4, uint32_t n)
{
	uint32_t s = qt_csum_add(0, ip6 + 8, 32);
	s += (n >> 16) + (n & 0xffff) + ip6[6];
	return (uint16_t)~qt_csum_fold(qt_csum_add(s, l4, n));
}

static size_t tcp_reset6(const struct qt_pkt *p, const struct qt_reject_env *env,
			 uint8_t *o, size_t cap)
{
	if (ip6_not_unicast(p->data + 8) || ip6_not_unicast(p->data + 24))
		return 0;
	if (p->proto != IPPROTO_TCP || p->frag_off || !p->l4_ok)
		return 0;
	if (p->tcp_flags & 0x04) /* never answer a reset */
		return 0;
	if (!env->csum_ok && !qt_pkt_csum_holds(p))
		return 0;
	if (cap < 60)
		return 0;

	ip6_header(o, 0, 20, IPPROTO_TCP, env->ttl ? env->ttl : 64,
		   p->data + 24, p->data + 8);
	uint8_t *t = o + 40;
	memset(t, 0, 20);
	put16(t, p->dport);
	put16(t + 2, p->sport);
	if (p->tcp_flags & 0x10) { /* ACK: take its number, no ACK of ours */
		put32(t + 4, p->tcp_ack);
		t[13] = 0x04;
	} else {
		/* the segment's length from the payload length: the queue
		 * may have copied less */
		uint32_t seg = p->ip_len - (uint32_t)(p->l4 - p->data);
		uint32_t ack = p->tcp_seq + seg - p->tcp_doff +
			       (p->tcp_flags & 0x02 ? 1 : 0) +
			       (p->tcp_flags & 0x01 ? 1 : 0);
		put32(t + 8, ack);
		t[13] = 0x14;
	}
	t[12] = 5 << 4;
	put16(t + 16, csum6(o, t, 20));
	return 60;
}

/* Protocols whose checksum icmp6_send's caller leaves unchecked (as
 * csum_skipped for IPv4; AH is an extension header here, walked over). */
static bool csum_skipped6(const struct qt_pkt *p)
{
	if (p->proto == IPPROTO_UDP)
		return p->l4_len >= 8 && get16(p->l4 + 6) == 0;
	return p->proto == IPPROTO_GRE || p->proto == IPPROTO_ESP ||
	       p->proto == IPPROTO_SCTP || p->proto == IPPROTO_UDPLITE ||
	       p->proto == IPPROTO_DCCP;
}

/* icmp6_send's error of type, code and info (the word after the
 * checksum) about p. reject: nf_reject_ipv6's conditions first (the
 * transport header there, its checksum holding). */
static size_t icmp6_error(const struct qt_pkt *p, uint8_t type, uint8_t code,
			  uint32_t info, bool reject,
			  const struct qt_reject_env *env, uint8_t *o,
			  size_t cap)
{
	/* the transport header must be there: not a non-first fragment,
	 * not NO_NEXT_HEADER, not a chain the copy cut, not past the end */
	if (reject && (p->frag_off || p->proto == IPPROTO_NONE ||
		       p->exthdr_cut || !p->l4 ||
		       (uint32_t)(p->l4 - p->data) >= p->ip_len))
		return 0;
	if (reject && !env->csum_ok && !csum_skipped6(p) &&
	    !qt_pkt_csum_holds(p))
		return 0;
	/* to a group, or a frame that was not ours: no error; from an
	 * address that names no single node: no error either */
	if (env->l2_not_host || p->data[24] == 0xff)
		return 0;
	static const uint8_t zero[16];
	if (p->data[8] == 0xff || memcmp(p->data + 8, zero, 16) == 0)
		return 0;
	/* never an error about an error (types below 128) */
	if (p->proto == IPPROTO_ICMPV6 &&
	    (p->l4_len < 1 || !(p->l4[0] & 0x80)))
		return 0;

	/* the offending packet from its IPv6 header, as much as fits in
	 * IPv6's minimum MTU */
	size_t quote = p->ip_len < p->len ? p->ip_len : p->len;
	if (quote > QT_REJECT6_MAX - 48)
		quote = QT_REJECT6_MAX - 48;
	size_t tot = 48 + quote;
	if (cap < tot)
		return 0;
	const uint8_t *src = memcmp(&env->icmp_saddr6, zero, 16) ?
		(const uint8_t *)&env->icmp_saddr6 : p->data + 24;
	ip6_header(o, env->flowlabel, (uint16_t)(8 + quote), IPPROTO_ICMPV6,
		   env->ttl ? env->ttl : 64, src, p->data + 8);
	uint8_t *ic = o + 40;
	memset(ic, 0, 8);
	ic[0] = type;
	ic[1] = code;
	put32(ic + 4, info);
	memcpy(ic + 8, p->data, quote);
	put16(ic + 2, csum6(o, ic, (uint32_t)(8 + quote)));
	return tot;
}

size_t qt_icmp6_error_build(const struct qt_pkt *p, uint8_t type,
			    uint8_t code, uint32_t info,
			    const struct qt_reject_env *env, uint8_t *out,
			    size_t cap)
{
	static const struct qt_reject_env defaults;
	if (!env)
		env = &defaults;
	if (p->family != AF_INET6 || !p->data || p->len < 40)
		return 0;
	return icmp6_error(p, type, code, info, false, env, out, cap);
}

size_t qt_reject_build(const struct qt_pkt *p, enum qt_reject_kind kind,
		       uint8_t icmp_code, const struct qt_reject_env *env,
		       uint8_t *out, size_t cap)
{
	static const struct qt_reject_env defaults;
	if (!env)
		env = &defaults;
	if (p->family == AF_INET6) {
		if (!p->data || p->len < 40)
			return 0;
		/* destination unreachable */
		return kind == QT_REJECT_TCP_RESET ?
			tcp_reset6(p, env, out, cap) :
			icmp6_error(p, 1, icmp_code, 0, true, env, out, cap);
	}
	if (p->family != AF_INET || !p->data || p->len < 20)
		return 0;
	return kind == QT_REJECT_TCP_RESET ? tcp_reset(p, env, out, cap) :
					     icmp_unreach(p, icmp_code, env, out, cap);
}
