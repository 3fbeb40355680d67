#include "csum.h"

#include <netinet/in.h>

uint32_t qt_csum_add(uint32_t sum, const uint8_t *b, size_t len)
{
	uint64_t s = sum;
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (i < len)
		s += (uint32_t)b[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
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
static uint32_t crc32c_table[256];
static bool crc32c_ready;

uint32_t qt_crc32c(const uint8_t *b, size_t len)
{
	if (!__atomic_load_n(&crc32c_ready, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
			crc32c_table[i] = c;
		}
		__atomic_store_n(&crc32c_ready, true, __ATOMIC_RELEASE);
	}
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < len; i++)
		c = crc32c_table[(c ^ b[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

bool qt_pkt_csum_holds(const struct qt_pkt *p)
{
	/* no transport bytes at all: the header and pseudo-header alone */
	uint32_t n = p->ip_len > p->ihl ? p->ip_len - p->ihl : 0;
	if (n && (!p->l4 || p->l4_len != n))
		return true;    /* part of it was not copied: cannot tell */
	uint32_t s = qt_csum_add(0, p->data, p->ihl);
	if (n)
		s = qt_csum_add(s, p->l4, n);
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		s = qt_csum_add(s, p->data + 12, 8);
		s += p->proto + n;
	}
	return qt_csum_fold(s) == 0xffff;
}
