/* util/csum.c: qt_csum_add against the checksum written out as RFC 1071
 * defines it (16-bit big-endian words, the odd last byte padded with
 * zero), over every length and alignment up to a few hundred bytes,
 * GSO-sized buffers, running sums carried between calls, and the
 * extremes (all zero, all ones). */
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
	return done_testing();
}
