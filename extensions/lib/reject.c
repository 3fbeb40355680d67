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

size_t qt_reject_build(const struct qt_pkt *p, enum qt_reject_kind kind,
		       uint8_t icmp_code, const struct qt_reject_env *env,
		       uint8_t *out, size_t cap)
{
	static const struct qt_reject_env defaults;
	if (!env)
		env = &defaults;
	if (p->family != AF_INET || !p->data || p->len < 20)
		return 0;
	return kind == QT_REJECT_TCP_RESET ? tcp_reset(p, env, out, cap) :
					     icmp_unreach(p, icmp_code, env, out, cap);
}
