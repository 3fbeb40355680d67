#include "csum.h"

#include "crc32.h"

#include <netinet/in.h>
#include <string.h>

/* Summed as host-order 32-bit words, sixteen bytes at a time: the one's
 * complement sum of byte-swapped words is the byte-swapped sum (RFC
 * 1071, 2.B), so the folded 16 bits are swapped once at the end. A
 * rewritten GSO packet is summed whole (64 KiB); word by word this is
 * several times faster than byte pairs. */
uint32_t qt_csum_add(uint32_t sum, const uint8_t *b, size_t len)
{
	uint64_t s0 = 0, s1 = 0;
	size_t i = 0;
	/* 32-bit words into 64-bit sums: no carry is lost below 2^60
	 * bytes */
	for (; i + 16 <= len; i += 16) {
		uint32_t w[4];
		memcpy(w, b + i, sizeof(w));
		s0 += (uint64_t)w[0] + w[1];
		s1 += (uint64_t)w[2] + w[3];
	}
	for (; i + 4 <= len; i += 4) {
		uint32_t w;
		memcpy(&w, b + i, sizeof(w));
		s0 += w;
	}
	for (; i + 2 <= len; i += 2) {
		uint16_t h;
		memcpy(&h, b + i, sizeof(h));
		s1 += h;
	}
	if (i < len) {
		/* the odd last byte is the high half of a word padded with
		 * zero, in network order */
		uint8_t pad[2] = { b[i], 0 };
		uint16_t h;
		memcpy(&h, pad, sizeof(h));
		s1 += h;
	}
	uint64_t s = s0 + s1;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	uint16_t v = (uint16_t)s;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = (uint16_t)(v << 8 | v >> 8);
#endif
	uint64_t t = (uint64_t)sum + v;
	return (uint32_t)((t & 0xffffffffu) + (t >> 32));
}

uint16_t qt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void qt_csum_replace2(uint8_t *check, uint16_t from, uint16_t to)
{
	uint32_t s = (uint16_t)~get16(check);
	s += (uint16_t)~from;
	s += to;
	uint16_t r = (uint16_t)~qt_csum_fold(s);
	check[0] = (uint8_t)(r >> 8);
	check[1] = (uint8_t)r;
}

void qt_csum_l4_whole(const uint8_t *ip, uint8_t *th, uint32_t n,
		      uint8_t proto, unsigned at, bool zero_ffff)
{
	bool ip6 = ip[0] >> 4 == 6;
	th[at] = th[at + 1] = 0;
	uint32_t s = ip6 ? qt_csum_add(0, ip + 8, 32) : qt_csum_add(0, ip + 12, 8);
	s += proto + n;
	s = qt_csum_add(s, th, n);
	uint16_t c = (uint16_t)~qt_csum_fold(s);
	if (zero_ffff && c == 0)
		c = 0xffff;
	th[at] = (uint8_t)(c >> 8);
	th[at + 1] = (uint8_t)c;
}

void qt_csum_replace4(uint8_t *check, const uint8_t *from, const uint8_t *to)
{
	uint32_t s = (uint16_t)~get16(check);
	s += (uint16_t)~get16(from);
	s += (uint16_t)~get16(from + 2);
	s += get16(to);
	s += get16(to + 2);
	uint16_t r = (uint16_t)~qt_csum_fold(s);
	check[0] = (uint8_t)(r >> 8);
	check[1] = (uint8_t)r;
}

/* The table of the reflected polynomial 0x82f63b78, made once (it is
 * the same for every thread: a race only writes the same values). */
/* IPv6 (nf_ip6_checksum): the transport bytes and the pseudo-header
 * of RFC 8200 8.1 (addresses, upper-layer length, next header); the
 * IPv6 header and its extension headers are not covered. */
static bool csum6_holds(const struct qt_pkt *p)
{
	uint32_t hdr = (uint32_t)(p->l4 - p->data);
	uint32_t n = p->ip_len > hdr ? p->ip_len - hdr : 0;
	if (p->l4_len != n)
		return true;    /* part of it was not copied: cannot tell */
	uint32_t s = qt_csum_add(0, p->l4, n);
	s = qt_csum_add(s, p->data + 8, 32);
	s += (n >> 16) + (n & 0xffff);
	s += p->proto;
	return qt_csum_fold(s) == 0xffff;
}

bool qt_pkt_csum_holds(const struct qt_pkt *p)
{
	if (p->family == AF_INET6 && p->proto != IPPROTO_SCTP)
		return !p->l4 || csum6_holds(p);
	/* no transport bytes at all: the header and pseudo-header alone */
	uint32_t hdr = p->family == AF_INET6 && p->l4 ? (uint32_t)(p->l4 - p->data)
						      : p->ihl;
	uint32_t n = p->ip_len > hdr ? p->ip_len - hdr : 0;
	if (n && (!p->l4 || p->l4_len != n))
		return true;    /* part of it was not copied: cannot tell */
	if (p->proto == IPPROTO_SCTP) {
		/* CRC-32C of the SCTP packet with its checksum field as 0,
		 * stored least significant byte first */
		static const uint8_t zero[4];
		if (n < 12)
			return true;    /* the tracker's length check decides */
		uint32_t c = qt_crc32c(0, p->l4, 8);
		c = qt_crc32c(c, zero, 4);
		c = qt_crc32c(c, p->l4 + 12, n - 12);
		const uint8_t *f = p->l4 + 8;
		return c == ((uint32_t)f[0] | (uint32_t)f[1] << 8 |
			     (uint32_t)f[2] << 16 | (uint32_t)f[3] << 24);
	}
	uint32_t s = qt_csum_add(0, p->data, p->ihl);
	if (n)
		s = qt_csum_add(s, p->l4, n);
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		s = qt_csum_add(s, p->data + 12, 8);
		s += p->proto + n;
	}
	return qt_csum_fold(s) == 0xffff;
}
