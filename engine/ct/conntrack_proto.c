/* Tuples and the protocol trackers other than TCP (engine/ct/conntrack.h):
 * UDP, ICMP (echo-like pairs, errors quoting a connection) and the
 * generic tracker, with the kernel's rules (nf_conntrack_proto_udp.c,
 * nf_conntrack_proto_icmp.c, nf_conntrack_proto_generic.c), plus the
 * configuration: the kernel's defaults and sysctl-named settings. */
#include "conntrack.h"
#include "csum.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NS_PER_SEC 1000000000ull

/* ---- ICMP types (the kernel's view) ---- */

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

/* ---- tuples ---- */

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Protocols whose tuple carries ports in the first four bytes (the
 * kernel's nf_ct_get_tuple_ports users). */
static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_DCCP;
}

/* The l4 part of a tuple from transport bytes l4[0..n). */
static bool l4_tuple(uint8_t proto, const uint8_t *l4, uint32_t n,
		     struct qt_ct_tuple *t)
{
	if (has_ports(proto)) {
		if (n < 4)
			return false;
		t->sport = get16(l4);
		t->dport = get16(l4 + 2);
	} else if (proto == IPPROTO_ICMP) {
		/* the kernel reads the whole 8-byte header, and takes the
		 * echo id field whatever the type */
		if (n < 8)
			return false;
		t->sport = get16(l4 + 4);
		t->dport = (uint16_t)(l4[0] << 8 | l4[1]);
	}
	return true;
}

bool qt_ct_tuple_of(const struct qt_pkt *p, struct qt_ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	/* l4_ok: parsed IPv4, first fragment (the kernel defragments
	 * before conntrack; we cannot, so later fragments have no tuple),
	 * transport header whole */
	if (p->family != AF_INET || !p->l4 || !p->l4_ok || p->frag_off)
		return false;
	t->src = p->saddr.v4.s_addr;
	t->dst = p->daddr.v4.s_addr;
	t->proto = p->proto;
	return l4_tuple(p->proto, p->l4, p->l4_len, t);
}

void qt_ct_invert(const struct qt_ct_tuple *t, struct qt_ct_tuple *out)
{
	struct qt_ct_tuple r;
	memset(&r, 0, sizeof(r));
	r.src = t->dst;
	r.dst = t->src;
	r.proto = t->proto;
	if (t->proto == IPPROTO_ICMP) {
		unsigned type = t->dport >> 8;
		/* types without a pair keep their type (such a tuple never
		 * makes an entry: the tracker refuses it) */
		if (type < sizeof(icmp_invmap) && icmp_invmap[type])
			type = icmp_invmap[type] - 1u;
		r.sport = t->sport;
		r.dport = (uint16_t)(type << 8 | (t->dport & 0xff));
	} else {
		r.sport = t->dport;
		r.dport = t->sport;
	}
	*out = r;
}

/* ---- UDP ---- */

bool qt_ct_udp_packet(struct qt_ct_entry *e, const struct qt_pkt *p,
		      enum qt_ct_dir dir, const struct qt_ct_config *c,
		      uint64_t now)
{
	(void)dir;
	/* udp_error(): the length field must fit what the IP header says
	 * (checksums are not verified: the packet was accepted by the
	 * stack before it was queued, and qtables sees no hook here) */
	if (!p->l4_ok || p->l4_len < 8)
		return false;
	/* (UDP-Lite's field is a checksum coverage, not a length) */
	if (e->t[QT_CT_ORIG].proto == IPPROTO_UDP) {
		uint32_t udplen = p->ip_len - p->ihl;
		uint16_t hlen = get16(p->l4 + 4);
		if (hlen > udplen || hlen < 8)
			return false;
	}

	/* the first packet: a reply more than 2 s later makes a stream */
	if (!(e->status & QT_IPS_CONFIRMED))
		e->p.udp_stream_ts = now + 2 * NS_PER_SEC;

	if (e->status & QT_IPS_SEEN_REPLY) {
		uint32_t to = c->to.udp;
		bool stream = false;
		/* "still active after two seconds? extend timeout" */
		if (now > e->p.udp_stream_ts) {
			to = c->to.udp_stream;
			stream = !(e->status & QT_IPS_ASSURED);
		}
		qt_ct_set_timeout(e, now, to);
		if (stream)
			e->status |= QT_IPS_ASSURED;
	} else {
		qt_ct_set_timeout(e, now, c->to.udp);
	}
	return true;
}

/* ---- ICMP ---- */

bool qt_ct_icmp_packet(struct qt_ct_entry *e, const struct qt_pkt *p,
		       enum qt_ct_dir dir, const struct qt_ct_config *c,
		       uint64_t now)
{
	(void)p;
	(void)dir;
	/* an entry can only stand for a request the kernel lets start one
	 * ("icmp: can't create new conn"): a lone reply or an unknown
	 * type is INVALID */
	if (!icmp_valid_new(e->t[QT_CT_ORIG].dport >> 8))
		return false;
	qt_ct_set_timeout(e, now, c->to.icmp);
	return true;
}

/* icmp_is_err() */
static bool icmp_is_error(unsigned type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

bool qt_ct_icmp_is_error(uint8_t type)
{
	return icmp_is_error(type);
}

bool qt_ct_icmp_error_inner(const struct qt_pkt *p, struct qt_ct_tuple *inner)
{
	memset(inner, 0, sizeof(*inner));
	if (p->family != AF_INET || !p->l4 || p->frag_off ||
	    p->proto != IPPROTO_ICMP || p->l4_len < 8 ||
	    !icmp_is_error(p->l4[0]))
		return false;
	/* the quoted IP header after the 8-byte ICMP header (the kernel's
	 * ipv4_get_l4proto + nf_ct_get_tuple) */
	const uint8_t *ip = p->l4 + 8;
	uint32_t n = p->l4_len - 8;
	if (n < 20)
		return false;
	uint32_t ihl = (ip[0] & 0x0fu) * 4;
	/* fragments may be quoted; only a first one has a tuple */
	if (get16(ip + 6) & 0x1fff)
		return false;
	if (ihl < 20 || ihl > n)
		return false;
	memcpy(&inner->src, ip + 12, 4);
	memcpy(&inner->dst, ip + 16, 4);
	inner->proto = ip[9];
	if (!l4_tuple(inner->proto, ip + ihl, n - ihl, inner))
		return false;
	/* the kernel looks the quoted tuple up inverted; an ICMP type
	 * without a pair (an error quoting an error) cannot be inverted */
	if (inner->proto == IPPROTO_ICMP) {
		unsigned type = inner->dport >> 8;
		if (type >= sizeof(icmp_invmap) || !icmp_invmap[type])
			return false;
	}
	return true;
}

/* ---- generic ---- */

bool qt_ct_generic_packet(struct qt_ct_entry *e, const struct qt_pkt *p,
			  enum qt_ct_dir dir, const struct qt_ct_config *c,
			  uint64_t now)
{
	(void)p;
	(void)dir;
	qt_ct_set_timeout(e, now, c->to.generic);
	return true;
}

/* ---- names ---- */

const char *qt_ct_state_name(enum qt_ct_state s)
{
	static const char *const names[] = {
		[QT_CT_INVALID] = "INVALID",
		[QT_CT_NEW] = "NEW",
		[QT_CT_ESTABLISHED] = "ESTABLISHED",
		[QT_CT_RELATED] = "RELATED",
		[QT_CT_UNTRACKED] = "UNTRACKED",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *qt_ct_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_UDPLITE: return "udplite";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_DCCP: return "dccp";
	case IPPROTO_GRE: return "gre";
	default: return "unknown";
	}
}

/* ---- checksums (tcp_error, udp_error, icmp_error) ---- */

bool qt_ct_checksum_fails(const struct qt_ct_config *c, const struct qt_pkt *p,
			  bool at_prerouting, bool unverified)
{
	if (!c->checksum || !at_prerouting || !unverified)
		return false;
	/* a fragment is tracked only once reassembled; no transport bytes:
	 * the trackers' own length checks find it INVALID */
	if (p->frag_off || p->more_frags || p->ip_len <= p->ihl || !p->l4)
		return false;
	switch (p->proto) {
	case IPPROTO_UDP:
		/* 0: sent without a checksum, nothing to check */
		if (p->l4_len >= 8 && p->l4[6] == 0 && p->l4[7] == 0)
			return false;
		break;
	case IPPROTO_TCP:
	case IPPROTO_ICMP:
		break;
	default:
		return false;
	}
	return !qt_pkt_csum_holds(p);
}

/* ---- configuration ---- */

void qt_ct_config_default(struct qt_ct_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max = 0;
	c->tcp_be_liberal = false;
	c->tcp_loose = true;
	c->tcp_max_retrans = 3;
	c->checksum = true;
	uint32_t *t = c->to.tcp;
	t[QT_TCP_SYN_SENT] = 120;
	t[QT_TCP_SYN_RECV] = 60;
	t[QT_TCP_ESTABLISHED] = 432000;
	t[QT_TCP_FIN_WAIT] = 120;
	t[QT_TCP_CLOSE_WAIT] = 60;
	t[QT_TCP_LAST_ACK] = 30;
	t[QT_TCP_TIME_WAIT] = 120;
	t[QT_TCP_CLOSE] = 10;
	t[QT_TCP_SYN_SENT2] = 120;
	t[QT_TCP_RETRANS] = 300;
	t[QT_TCP_UNACK] = 300;
	c->to.udp = 30;
	c->to.udp_stream = 120;
	c->to.icmp = 30;
	c->to.generic = 600;
}

/* The settable names, as the sysctls without "nf_conntrack_". */
enum kind { K_MAX, K_BOOL_LIBERAL, K_BOOL_LOOSE, K_BOOL_CHECKSUM, K_RETRANS,
	    K_TCP, K_UDP,
	    K_UDP_STREAM, K_ICMP, K_GENERIC };
static const struct {
	const char *name;
	enum kind kind;
	int tcp;
} settings[] = {
	{ "max", K_MAX, 0 },
	{ "tcp_be_liberal", K_BOOL_LIBERAL, 0 },
	{ "tcp_loose", K_BOOL_LOOSE, 0 },
	{ "checksum", K_BOOL_CHECKSUM, 0 },
	{ "tcp_max_retrans", K_RETRANS, 0 },
	{ "tcp_timeout_syn_sent", K_TCP, QT_TCP_SYN_SENT },
	{ "tcp_timeout_syn_recv", K_TCP, QT_TCP_SYN_RECV },
	{ "tcp_timeout_established", K_TCP, QT_TCP_ESTABLISHED },
	{ "tcp_timeout_fin_wait", K_TCP, QT_TCP_FIN_WAIT },
	{ "tcp_timeout_close_wait", K_TCP, QT_TCP_CLOSE_WAIT },
	{ "tcp_timeout_last_ack", K_TCP, QT_TCP_LAST_ACK },
	{ "tcp_timeout_time_wait", K_TCP, QT_TCP_TIME_WAIT },
	{ "tcp_timeout_close", K_TCP, QT_TCP_CLOSE },
	{ "tcp_timeout_max_retrans", K_TCP, QT_TCP_RETRANS },
	{ "tcp_timeout_unacknowledged", K_TCP, QT_TCP_UNACK },
	{ "udp_timeout", K_UDP, 0 },
	{ "udp_timeout_stream", K_UDP_STREAM, 0 },
	{ "icmp_timeout", K_ICMP, 0 },
	{ "generic_timeout", K_GENERIC, 0 },
};

int qt_ct_config_set(struct qt_ct_config *c, const char *name_value)
{
	const char *eq = strchr(name_value, '=');
	if (!eq || eq == name_value || !eq[1])
		return -1;
	size_t nlen = (size_t)(eq - name_value);
	const char *name = name_value;
	/* also accepted: the full sysctl name */
	static const char *const prefixes[] = { "net.netfilter.nf_conntrack_",
						"nf_conntrack_" };
	for (size_t i = 0; i < 2; i++) {
		size_t pl = strlen(prefixes[i]);
		if (nlen > pl && strncmp(name, prefixes[i], pl) == 0) {
			name += pl;
			nlen -= pl;
			break;
		}
	}
	const char *v = eq + 1;
	for (const char *q = v; *q; q++)
		if (*q < '0' || *q > '9')
			return -1;
	errno = 0;
	char *end;
	unsigned long long val = strtoull(v, &end, 10);
	if (errno || *end || val > UINT32_MAX)
		return -1;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (strlen(settings[i].name) != nlen ||
		    strncmp(settings[i].name, name, nlen) != 0)
			continue;
		switch (settings[i].kind) {
		case K_MAX: c->max = (uint32_t)val; break;
		case K_BOOL_LIBERAL:
		case K_BOOL_LOOSE:
		case K_BOOL_CHECKSUM:
			if (val > 1)
				return -1;
			if (settings[i].kind == K_BOOL_LIBERAL)
				c->tcp_be_liberal = val;
			else if (settings[i].kind == K_BOOL_LOOSE)
				c->tcp_loose = val;
			else
				c->checksum = val;
			break;
		case K_RETRANS: c->tcp_max_retrans = (uint32_t)val; break;
		case K_TCP:
			/* (SYN_SENT2 has no sysctl in the kernel either) */
			c->to.tcp[settings[i].tcp] = (uint32_t)val;
			break;
		case K_UDP: c->to.udp = (uint32_t)val; break;
		case K_UDP_STREAM: c->to.udp_stream = (uint32_t)val; break;
		case K_ICMP: c->to.icmp = (uint32_t)val; break;
		case K_GENERIC: c->to.generic = (uint32_t)val; break;
		}
		return 0;
	}
	return -1;
}
