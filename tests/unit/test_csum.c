/* util/csum.c: qt_csum_add against the checksum written out as RFC 1071
 * defines it (16-bit big-endian words, the odd last byte padded with
 * zero), over every length and alignment up to a few hundred bytes,
 * GSO-sized buffers, running sums carried between calls, and the
 * extremes (all zero, all ones); qt_csum_l4_whole against the
 * pseudo-header written out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "tap.h"

static uint16_t ref_fold(const uint8_t *b, size_t len, uint32_t start)
{
	uint64_t s = start;
	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < len ? b[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint8_t buf[65536 + 64];

int main(void)
{
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();

	int bad = 0;
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len < 300; len++)
			if (qt_csum_fold(qt_csum_add(0, buf + off, len)) !=
			    ref_fold(buf + off, len, 0))
				bad++;
	is_int(bad, 0, "every length below 300 at every alignment to 16");

	bad = 0;
	static const size_t big[] = { 1500, 1501, 9000, 65495, 65531, 65536 };
	for (size_t k = 0; k < sizeof(big) / sizeof(big[0]); k++)
		for (size_t off = 0; off < 3; off++)
			if (qt_csum_fold(qt_csum_add(0, buf + off, big[k])) !=
			    ref_fold(buf + off, big[k], 0))
				bad++;
	is_int(bad, 0, "GSO-sized buffers, aligned and not");

	/* a running sum: pseudo-header, then the segment, as NAT sums a
	 * TCP checksum whole */
	bad = 0;
	for (uint32_t start = 0; start < 0x30000; start += 0x1235) {
		uint32_t s = qt_csum_add(start, buf + 1, 8) + 6 + 999;
		s = qt_csum_add(s, buf + 100, 999);
		uint32_t r = ref_fold(buf + 1, 8, start) + 6u + 999u;
		if (qt_csum_fold(s) != ref_fold(buf + 100, 999, r))
			bad++;
	}
	is_int(bad, 0, "a running sum carried from call to call");
	uint32_t near = qt_csum_add(0xfffffff0u, buf, 64);
	is_int(qt_csum_fold(near), ref_fold(buf, 64, 0xfffffff0u),
	       "a running sum near 2^32 wraps around, not off");

	static uint8_t z[4096];
	is_int(qt_csum_fold(qt_csum_add(0, z, sizeof(z))), 0, "zeros sum to 0");
	memset(z, 0xff, sizeof(z));
	is_int(qt_csum_fold(qt_csum_add(0, z, sizeof(z))), 0xffff,
	       "ones sum to 0xffff (negative zero), never to 0");
	is_int(qt_csum_fold(qt_csum_add(0, z, 3)), 0xff00,
	       "odd length: the last byte is a word's high half (0xffff + 0xff00)");

	/* qt_csum_l4_whole against the pseudo-header written out (RFC 793,
	 * RFC 768, RFC 8200 8.1) and summed with the segment */
	for (int v6 = 0; v6 < 2; v6++) {
		bad = 0;
		for (uint32_t n = 8; n < 200; n += 7) {
			uint8_t pkt[40 + 200], ph[40];
			memcpy(pkt, buf + 3 * n, sizeof(pkt));
			pkt[0] = v6 ? 0x60 : 0x45;
			uint32_t hl = v6 ? 40 : 20, pl;
			if (v6) {
				memcpy(ph, pkt + 8, 32);
				ph[32] = ph[33] = 0;
				ph[34] = (uint8_t)(n >> 8);
				ph[35] = (uint8_t)n;
				ph[36] = ph[37] = ph[38] = 0;
				ph[39] = 6;
				pl = 40;
			} else {
				memcpy(ph, pkt + 12, 8);
				ph[8] = 0;
				ph[9] = 6;
				ph[10] = (uint8_t)(n >> 8);
				ph[11] = (uint8_t)n;
				pl = 12;
			}
			qt_csum_l4_whole(pkt, pkt + hl, n, 6, n >= 18 ? 16 : 6,
					 false);
			uint32_t r = ref_fold(ph, pl, 0);
			if (ref_fold(pkt + hl, n, r) != 0xffff)
				bad++;
		}
		is_int(bad, 0, v6 ? "a whole checksum over IPv6's pseudo-header "
				    "and the segment verifies"
				  : "a whole checksum over IPv4's pseudo-header "
				    "and the segment verifies");
	}
	/* a segment whose checksum comes out 0: one word raised by what
	 * the checksum was */
	uint8_t u[20 + 16];
	memcpy(u, buf + 500, sizeof(u));
	u[0] = 0x45;
	qt_csum_l4_whole(u, u + 20, 16, 17, 6, false);
	uint32_t w = ((uint32_t)u[28] << 8 | u[29]) + ((uint32_t)u[26] << 8 | u[27]);
	w = (w & 0xffff) + (w >> 16);
	u[28] = (uint8_t)(w >> 8);
	u[29] = (uint8_t)w;
	qt_csum_l4_whole(u, u + 20, 16, 17, 6, false);
	is_int(u[26] << 8 | u[27], 0, "a result of 0 written 0 (TCP's rule)");
	qt_csum_l4_whole(u, u + 20, 16, 17, 6, true);
	is_int(u[26] << 8 | u[27], 0xffff, "a result of 0 written 0xffff (UDP's rule)");
	return done_testing();
}
