/* The ICMP tracker (the kernel's nf_conntrack_proto_icmp.c): queries
 * and their replies (echo, timestamp, information, address mask) as
 * pseudo-connections keyed by the echo id, alive icmp_timeout; errors
 * are not tracked but checked here, before any lookup, for the
 * connection they quote (the table then finds it: RELATED). */
#include "conntrack_tracker.h"

#include <netinet/in.h>
#include <string.h>

#define ICMP_ECHOREPLY      0
#define ICMP_DEST_UNREACH   3
#define ICMP_SOURCE_QUENCH  4
#define ICMP_REDIRECT       5
#define ICMP_ECHO           8
#define ICMP_TIME_EXCEEDED  11
#define ICMP_PARAMETERPROB  12
#define ICMP_TIMESTAMP      13
#define ICMP_TIMESTAMPREPLY 14
#define ICMP_INFO_REQUEST   15
#define ICMP_INFO_REPLY     16
#define ICMP_ADDRESS        17
#define ICMP_ADDRESSREPLY   18
#define NR_ICMP_TYPES       18

/* The type of the other direction, plus one (0: none): the kernel's
 * invmap. */
static const uint8_t icmp_invmap[ICMP_ADDRESSREPLY + 1] = {
	[ICMP_ECHO] = ICMP_ECHOREPLY + 1,
	[ICMP_ECHOREPLY] = ICMP_ECHO + 1,
	[ICMP_TIMESTAMP] = ICMP_TIMESTAMPREPLY + 1,
	[ICMP_TIMESTAMPREPLY] = ICMP_TIMESTAMP + 1,
	[ICMP_INFO_REQUEST] = ICMP_INFO_REPLY + 1,
	[ICMP_INFO_REPLY] = ICMP_INFO_REQUEST + 1,
	[ICMP_ADDRESS] = ICMP_ADDRESSREPLY + 1,
	[ICMP_ADDRESSREPLY] = ICMP_ADDRESS + 1,
};

/* The types that may start a connection (the kernel's valid_new). */
static bool icmp_valid_new(unsigned type)
{
	return type == ICMP_ECHO || type == ICMP_TIMESTAMP ||
	       type == ICMP_INFO_REQUEST || type == ICMP_ADDRESS;
}

/* icmp_is_err(): destination unreachable, source quench, redirect, time
 * exceeded, parameter problem. */
static bool icmp_is_error(unsigned type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

static bool icmp_tuple(const uint8_t *l4, uint32_t n, struct qt_ct_tuple *t)
{
	/* the kernel reads the whole 8-byte header, and takes the echo id
	 * field whatever the type */
	if (n < 8)
		return false;
	t->sport = qt_ct_get16(l4 + 4);
	t->dport = (uint16_t)(l4[0] << 8 | l4[1]);
	return true;
}

static bool icmp_invert(const struct qt_ct_tuple *t, struct qt_ct_tuple *out)
{
	unsigned type = t->dport >> 8;
	bool paired = type < sizeof(icmp_invmap) && icmp_invmap[type];
	if (paired)
		type = icmp_invmap[type] - 1u;
	out->sport = t->sport;
	out->dport = (uint16_t)(type << 8 | (t->dport & 0xff));
	return paired;
}

/* nf_conntrack_icmpv4_error(): an unknown type is refused; an error
 * is taken apart down to the packet it quotes (the IP header after
 * the 8-byte ICMP header: ipv4_get_l4proto), whose tuple the table
 * makes with that protocol's tracker. */
static enum qt_ct_error icmp_error(const struct qt_pkt *p,
				   const struct qt_ct_tuple *t,
				   struct qt_ct_quote *q)
{
	unsigned type = t->dport >> 8;
	if (type > NR_ICMP_TYPES)
		return QT_CT_ERR_BAD;
	if (!icmp_is_error(type))
		return QT_CT_ERR_NONE;
	const uint8_t *ip = p->l4 + 8;
	uint32_t n = p->l4_len - 8;
	if (n < 20)
		return QT_CT_ERR_BAD;
	uint32_t ihl = (ip[0] & 0x0fu) * 4;
	/* fragments may be quoted; only a first one has a tuple */
	if (qt_ct_get16(ip + 6) & 0x1fff)
		return QT_CT_ERR_BAD;
	if (ihl < 20 || ihl > n)
		return QT_CT_ERR_BAD;
	memset(&q->src, 0, sizeof(q->src));
	memset(&q->dst, 0, sizeof(q->dst));
	memcpy(&q->src.ip, ip + 12, 4);
	memcpy(&q->dst.ip, ip + 16, 4);
	q->ip6 = 0;
	q->proto = ip[9];
	q->l4 = ip + ihl;
	q->l4_len = n - ihl;
	return QT_CT_ERR_QUOTES;
}

static struct qt_ct_step icmp_packet(struct qt_ct_entry *e,
				     const struct qt_pkt *p, enum qt_ct_dir dir,
				     const struct qt_ct_config *c, uint64_t now)
{
	(void)p;
	(void)dir;
	(void)now;
	/* an entry can only stand for a request the kernel lets start one
	 * ("icmp: can't create new conn"): a lone reply or an unknown
	 * type is INVALID */
	if (!icmp_valid_new(e->t[QT_CT_ORIG].dport >> 8))
		return qt_ct_step(QT_CT_TRACK_INVALID, QT_CT_TIMEOUT_KEEP);
	return qt_ct_step(QT_CT_TRACK_OK, c->to.icmp);
}

static struct qt_ct_step icmp_new(struct qt_ct_entry *e,
				  const struct qt_pkt *p,
				  const struct qt_ct_config *c, uint64_t now)
{
	return icmp_packet(e, p, QT_CT_ORIG, c, now);
}

static bool always(const struct qt_pkt *p)
{
	(void)p;
	return true;
}

const struct qt_ct_proto qt_ct_proto_icmp = {
	.num = IPPROTO_ICMP, .name = "icmp", .errors_first = true,
	.tuple = icmp_tuple, .invert = icmp_invert, .error = icmp_error,
	.checksummed = always,
	.new_conn = icmp_new, .packet = icmp_packet,
};
