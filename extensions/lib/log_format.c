/* -j LOG lines as nf_log prints them. The kernel reads every header
 * through bounds-checked copies of the whole packet and says
 * "INCOMPLETE"/"TRUNCATED" where a read fails; this file does the same
 * over the packet bytes, so it reads what the kernel reads (a TCP header
 * with a bad data offset, the packet quoted in an ICMP error) rather than
 * what struct qt_pkt trusted. Facts observed from Linux 6.18. */
#include "log_format.h"

#include <string.h>
#include <sys/socket.h>

/* The packet as the kernel's skb: bytes and length. Offsets and the
 * lengths printed are unsigned 32-bit as in the kernel (which prints a
 * wrapped count when an inner header claims more than there is). */
struct view {
	const uint8_t *d;
	uint32_t len;
};

static bool have(const struct view *v, uint32_t off, uint32_t n)
{
	return off <= v->len && n <= v->len - off;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_ip4(struct qt_buf *b, const char *key, const uint8_t *a)
{
	qt_buf_printf(b, "%s=%u.%u.%u.%u ", key, a[0], a[1], a[2], a[3]);
}

static void incomplete(struct qt_buf *b, const struct view *v, uint32_t off)
{
	qt_buf_printf(b, "INCOMPLETE [%u bytes] ", v->len - off);
}

static void put_hex(struct qt_buf *b, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		qt_buf_printf(b, "%02X", p[i]);
}

#define IP_CE     0x8000
#define IP_DF     0x4000
#define IP_MF     0x2000
#define IP_OFFSET 0x1fff

/* false: the header was incomplete and the line ends here (the kernel
 * then prints neither UID nor MARK). */
static bool dump_tcp(struct qt_buf *b, const struct view *v, bool fragment,
		     uint32_t off, uint8_t flags)
{
	qt_buf_puts(b, "PROTO=TCP ");
	if (fragment)
		return true;
	if (!have(v, off, 20)) {
		incomplete(b, v, off);
		return false;
	}
	const uint8_t *th = v->d + off;
	qt_buf_printf(b, "SPT=%u DPT=%u ", rd16(th), rd16(th + 2));
	if (flags & QT_LOG_TCPSEQ)
		qt_buf_printf(b, "SEQ=%u ACK=%u ", rd32(th + 4), rd32(th + 8));
	qt_buf_printf(b, "WINDOW=%u ", rd16(th + 14));
	/* byte 12: data offset, three reserved bits, then AE (AccECN) */
	qt_buf_printf(b, "RES=0x%02x ", (th[12] & 0x0e) << 2);
	if (th[12] & 0x01)
		qt_buf_puts(b, "AE ");
	static const char *const names[8] = {
		"CWR ", "ECE ", "URG ", "ACK ", "PSH ", "RST ", "SYN ", "FIN ",
	};
	for (int i = 0; i < 8; i++)
		if (th[13] & (0x80 >> i))
			qt_buf_puts(b, names[i]);
	qt_buf_printf(b, "URGP=%u ", rd16(th + 18));

	uint32_t doff = (uint32_t)(th[12] >> 4) * 4;
	if ((flags & QT_LOG_TCPOPT) && doff > 20) {
		if (!have(v, off + 20, doff - 20)) {
			qt_buf_puts(b, "OPT (TRUNCATED)");
			return false;
		}
		qt_buf_puts(b, "OPT (");
		put_hex(b, th + 20, doff - 20);
		qt_buf_puts(b, ") ");
	}
	return true;
}

static bool dump_udp(struct qt_buf *b, const struct view *v, uint8_t proto,
		     bool fragment, uint32_t off)
{
	qt_buf_puts(b, proto == IPPROTO_UDP ? "PROTO=UDP " : "PROTO=UDPLITE ");
	if (fragment)
		return true;
	if (!have(v, off, 8)) {
		incomplete(b, v, off);
		return false;
	}
	const uint8_t *uh = v->d + off;
	qt_buf_printf(b, "SPT=%u DPT=%u LEN=%u ", rd16(uh), rd16(uh + 2),
		      rd16(uh + 4));
	return true;
}

/* Bytes an ICMP message of each type needs from its start before the
 * kernel decodes it: header plus quoted IP header, or the fixed fields. */
static const uint8_t icmp_required[19] = {
	[0] = 4, [3] = 28, [4] = 28, [5] = 28, [8] = 4, [11] = 28,
	[12] = 28, [13] = 20, [14] = 20, [17] = 12, [18] = 12,
};

static void dump_ip(struct qt_buf *b, const struct view *v, uint32_t iphoff,
		    const struct qt_log_meta *m, uint8_t flags);

static void dump_icmp(struct qt_buf *b, const struct view *v, uint32_t iphoff,
		      uint32_t off, bool fragment,
		      const struct qt_log_meta *m, uint8_t flags)
{
	qt_buf_puts(b, "PROTO=ICMP ");
	if (fragment)
		return;
	if (!have(v, off, 8)) {
		incomplete(b, v, off);
		return;
	}
	const uint8_t *ic = v->d + off;
	uint8_t type = ic[0], code = ic[1];
	qt_buf_printf(b, "TYPE=%u CODE=%u ", type, code);
	if (type < sizeof(icmp_required) && icmp_required[type] &&
	    v->len - off < icmp_required[type]) {
		incomplete(b, v, off);
		return;
	}
	switch (type) {
	case 0:   /* echo reply */
	case 8:   /* echo */
		qt_buf_printf(b, "ID=%u SEQ=%u ", rd16(ic + 4), rd16(ic + 6));
		break;
	case 12:  /* parameter problem: the pointer, no quoted packet */
		qt_buf_printf(b, "PARAMETER=%u ", ic[4]);
		break;
	case 5:   /* redirect */
		put_ip4(b, "GATEWAY", ic + 4);
		/* fall through */
	case 3:   /* destination unreachable */
	case 4:   /* source quench */
	case 11:  /* time exceeded */
		/* the quoted packet, one level deep only */
		if (iphoff == 0) {
			qt_buf_puts(b, "[");
			dump_ip(b, v, off + 8, m, flags);
			qt_buf_puts(b, "] ");
		}
		if (type == 3 && code == 4)
			qt_buf_printf(b, "MTU=%u ", rd16(ic + 6));
		break;
	default:
		break;
	}
}

static void dump_ip(struct qt_buf *b, const struct view *v, uint32_t iphoff,
		    const struct qt_log_meta *m, uint8_t flags)
{
	if (!have(v, iphoff, 20)) {
		qt_buf_puts(b, "TRUNCATED");
		return;
	}
	const uint8_t *ih = v->d + iphoff;
	uint32_t ihl = (uint32_t)(ih[0] & 0x0f) * 4;
	uint16_t fo = rd16(ih + 6);
	uint8_t proto = ih[9];
	bool fragment = fo & IP_OFFSET;

	put_ip4(b, "SRC", ih + 12);
	put_ip4(b, "DST", ih + 16);
	/* TOS without the ECN bits and without the precedence */
	qt_buf_printf(b, "LEN=%u TOS=0x%02X PREC=0x%02X TTL=%u ID=%u ",
		      rd16(ih + 2), ih[1] & 0x1e, ih[1] & 0xe0, ih[8],
		      rd16(ih + 4));
	if (fo & IP_CE)
		qt_buf_puts(b, "CE ");
	if (fo & IP_DF)
		qt_buf_puts(b, "DF ");
	if (fo & IP_MF)
		qt_buf_puts(b, "MF ");
	if (fragment)
		qt_buf_printf(b, "FRAG:%u ", fo & IP_OFFSET);

	if ((flags & QT_LOG_IPOPT) && ihl > 20) {
		if (!have(v, iphoff + 20, ihl - 20)) {
			qt_buf_puts(b, "TRUNCATED");
			return;
		}
		qt_buf_puts(b, "OPT (");
		put_hex(b, ih + 20, ihl - 20);
		qt_buf_puts(b, ") ");
	}

	uint32_t off = iphoff + ihl;
	switch (proto) {
	case IPPROTO_TCP:
		if (!dump_tcp(b, v, fragment, off, flags))
			return;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		if (!dump_udp(b, v, proto, fragment, off))
			return;
		break;
	case IPPROTO_ICMP:
		dump_icmp(b, v, iphoff, off, fragment, m, flags);
		break;
	case IPPROTO_AH:
		/* a non-first AH fragment prints no protocol at all */
		if (fragment)
			break;
		qt_buf_puts(b, "PROTO=AH ");
		if (!have(v, off, 12)) {
			incomplete(b, v, off);
			break;
		}
		qt_buf_printf(b, "SPI=0x%x ", rd32(v->d + off + 4));
		break;
	case IPPROTO_ESP:
		qt_buf_puts(b, "PROTO=ESP ");
		if (fragment)
			break;
		if (!have(v, off, 8)) {
			incomplete(b, v, off);
			break;
		}
		qt_buf_printf(b, "SPI=0x%x ", rd32(v->d + off));
		break;
	default:
		qt_buf_printf(b, "PROTO=%u ", proto);
		break;
	}

	if (iphoff != 0)
		return;
	if ((flags & QT_LOG_UID) && m->has_sock)
		qt_buf_printf(b, "UID=%u GID=%u ", m->uid, m->gid);
	if (m->mark)
		qt_buf_printf(b, "MARK=0x%x ", m->mark);
}

/* ---- IPv6 (nf_log_syslog.c's dump_ipv6_packet) ---- */

static void put_ip6(struct qt_buf *b, const char *key, const uint8_t *a)
{
	/* %pI6: eight groups of four hex digits, never shortened */
	qt_buf_printf(b, "%s=", key);
	for (int i = 0; i < 16; i += 2)
		qt_buf_printf(b, i ? ":%02x%02x" : "%02x%02x", a[i], a[i + 1]);
	qt_buf_puts(b, " ");
}

/* The extension headers the kernel's walk steps over (nf_ip6_ext_hdr(),
 * NO_NEXT_HEADER aside: it ends the walk and prints as a protocol). */
static bool ip6_ext_hdr(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_ESP ||
	       nh == IPPROTO_AH || nh == IPPROTO_DSTOPTS;
}

static void dump_ip6(struct qt_buf *b, const struct view *v, uint32_t ip6off,
		     const struct qt_log_meta *m, uint8_t flags, bool recurse);

/* false: the line ends here (the kernel returns before UID and MARK). */
static bool dump_icmp6(struct qt_buf *b, const struct view *v, uint32_t off,
		       bool fragment, const struct qt_log_meta *m,
		       uint8_t flags, bool recurse)
{
	qt_buf_puts(b, "PROTO=ICMPv6 ");
	if (fragment)
		return true;
	if (!have(v, off, 8)) {
		incomplete(b, v, off);
		return false;
	}
	const uint8_t *ic = v->d + off;
	uint8_t type = ic[0];
	qt_buf_printf(b, "TYPE=%u CODE=%u ", type, ic[1]);
	switch (type) {
	case 128: /* echo request */
	case 129: /* echo reply */
		qt_buf_printf(b, "ID=%u SEQ=%u ", rd16(ic + 4), rd16(ic + 6));
		break;
	case 4:   /* parameter problem: the pointer, then the quoted packet */
		qt_buf_printf(b, "POINTER=%08x ", rd32(ic + 4));
		/* fall through */
	case 1:   /* destination unreachable */
	case 2:   /* packet too big */
	case 3:   /* time exceeded */
		/* the quoted packet, one level deep only */
		if (recurse) {
			qt_buf_puts(b, "[");
			dump_ip6(b, v, off + 8, m, flags, false);
			qt_buf_puts(b, "] ");
		}
		if (type == 2)
			qt_buf_printf(b, "MTU=%u ", rd32(ic + 4));
		break;
	default:
		break;
	}
	return true;
}

/* One extension header; false: the line ends here. *fragment is set by a
 * non-first fragment header, *hdrlen to the header's length. */
static bool dump_ip6_ext(struct qt_buf *b, const struct view *v, uint8_t nh,
			 uint32_t ptr, uint8_t flags, bool *fragment,
			 uint32_t *hdrlen)
{
	bool opt = flags & QT_LOG_IPOPT;
	const uint8_t *h = v->d + ptr;

	switch (nh) {
	case IPPROTO_FRAGMENT:
		qt_buf_puts(b, "FRAG:");
		if (!have(v, ptr, 8)) {
			qt_buf_puts(b, "TRUNCATED ");
			return false;
		}
		qt_buf_printf(b, "%u ", rd16(h + 2) & 0xfff8);
		if (h[3] & 0x01)
			qt_buf_puts(b, "INCOMPLETE ");
		qt_buf_printf(b, "ID:%08x ", rd32(h + 4));
		if (rd16(h + 2) & 0xfff8)
			*fragment = true;
		*hdrlen = 8;
		return true;
	case IPPROTO_AH:
		if (opt) {
			qt_buf_puts(b, "AH ");
			if (*fragment) {
				qt_buf_puts(b, ")");
				return false;
			}
			if (!have(v, ptr, 12)) {
				qt_buf_printf(b, "INCOMPLETE [%u bytes] )",
					      v->len - ptr);
				return false;
			}
			qt_buf_printf(b, "SPI=0x%x ", rd32(h + 4));
		}
		*hdrlen = ((uint32_t)h[1] + 2) << 2;
		return true;
	case IPPROTO_ESP:
		/* the rest is encrypted: the line ends after its SPI */
		if (opt) {
			qt_buf_puts(b, "ESP ");
			if (*fragment) {
				qt_buf_puts(b, ")");
				return false;
			}
			if (!have(v, ptr, 8)) {
				qt_buf_printf(b, "INCOMPLETE [%u bytes] )",
					      v->len - ptr);
				return false;
			}
			qt_buf_printf(b, "SPI=0x%x )", rd32(h));
		}
		return false;
	default:  /* hop-by-hop, routing, destination options */
		if (*fragment) {
			if (opt)
				qt_buf_puts(b, ")");
			return false;
		}
		*hdrlen = ((uint32_t)h[1] + 1) << 3;
		return true;
	}
}

static void dump_ip6(struct qt_buf *b, const struct view *v, uint32_t ip6off,
		     const struct qt_log_meta *m, uint8_t flags, bool recurse)
{
	if (!have(v, ip6off, 40)) {
		qt_buf_puts(b, "TRUNCATED");
		return;
	}
	const uint8_t *ih = v->d + ip6off;
	uint32_t first = rd32(ih);
	put_ip6(b, "SRC", ih + 8);
	put_ip6(b, "DST", ih + 24);
	qt_buf_printf(b, "LEN=%u TC=%u HOPLIMIT=%u FLOWLBL=%u ",
		      rd16(ih + 4) + 40u, (first >> 20) & 0xff, ih[7],
		      first & 0xfffff);

	bool fragment = false;
	uint32_t ptr = ip6off + 40;
	uint8_t nh = ih[6];
	while (ip6_ext_hdr(nh)) {
		/* every extension header starts with next header, length */
		if (!have(v, ptr, 2)) {
			qt_buf_puts(b, "TRUNCATED");
			return;
		}
		if (flags & QT_LOG_IPOPT)
			qt_buf_puts(b, "OPT ( ");
		uint32_t hdrlen = 0;
		if (!dump_ip6_ext(b, v, nh, ptr, flags, &fragment, &hdrlen))
			return;
		if (flags & QT_LOG_IPOPT)
			qt_buf_puts(b, ") ");
		nh = v->d[ptr];
		ptr += hdrlen;
	}

	switch (nh) {
	case IPPROTO_TCP:
		if (!dump_tcp(b, v, fragment, ptr, flags))
			return;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		if (!dump_udp(b, v, nh, fragment, ptr))
			return;
		break;
	case IPPROTO_ICMPV6:
		if (!dump_icmp6(b, v, ptr, fragment, m, flags, recurse))
			return;
		break;
	default:
		qt_buf_printf(b, "PROTO=%u ", nh);
		break;
	}

	if (!recurse)
		return;
	if ((flags & QT_LOG_UID) && m->has_sock)
		qt_buf_printf(b, "UID=%u GID=%u ", m->uid, m->gid);
	if (m->mark)
		qt_buf_printf(b, "MARK=0x%x ", m->mark);
}

static void dump_mac(struct qt_buf *b, const struct qt_log_meta *m,
		     uint8_t flags)
{
	const uint8_t *h = m->mac;
	if ((flags & QT_LOG_MACDECODE) && m->mac_ether && h && m->mac_len >= 14) {
		qt_buf_printf(b, "MACSRC=%02x:%02x:%02x:%02x:%02x:%02x ",
			      h[6], h[7], h[8], h[9], h[10], h[11]);
		qt_buf_printf(b, "MACDST=%02x:%02x:%02x:%02x:%02x:%02x ",
			      h[0], h[1], h[2], h[3], h[4], h[5]);
		qt_buf_printf(b, "MACPROTO=%04x ", rd16(h + 12));
		return;
	}
	qt_buf_puts(b, "MAC=");
	for (uint32_t i = 0; h && i < m->mac_len; i++)
		qt_buf_printf(b, i ? ":%02x" : "%02x", h[i]);
	qt_buf_puts(b, " ");
}

static void format_line(struct qt_buf *b, const struct qt_pkt *p,
			const struct qt_log_meta *m,
			const struct qt_log_opts *o)
{
	const char *in = m->in ? m->in : "";
	const char *out = m->out ? m->out : "";

	qt_buf_put(b, o->prefix, strnlen(o->prefix, sizeof(o->prefix)));
	qt_buf_printf(b, "IN=%s OUT=%s ", in, out);
	if (*in)
		dump_mac(b, m, o->flags);

	struct view v = { p->data, p->len };
	if (p->family == AF_INET6) {
		if (p->ip_len >= 40 && p->ip_len < v.len)
			v.len = p->ip_len;   /* trimmed to the payload length */
		dump_ip6(b, &v, 0, m, o->flags, true);
		return;
	}
	if (p->ip_len >= 20 && p->ip_len < v.len)
		v.len = p->ip_len;   /* the kernel trims to the total length */
	dump_ip(b, &v, 0, m, o->flags);
}

/* The kernel writes a line into a buffer of 1018 characters (nf_log's
 * S_SIZE less its terminator), the first two of them printk's level
 * mark, and drops what does not fit: an ICMPv6 error quoting a packet
 * of many extension headers makes a longer one. */
#define LOG_LINE_MAX 1016

void qt_log_format(struct qt_buf *b, const struct qt_pkt *p,
		   const struct qt_log_meta *m, const struct qt_log_opts *o)
{
	size_t start = b->len;
	format_line(b, p, m, o);
	if (b->len - start > LOG_LINE_MAX)
		qt_buf_truncate(b, start + LOG_LINE_MAX);
}
