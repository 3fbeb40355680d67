/* REJECT's replies against the kernel's, recorded in reject_vectors.txt
 * (tests/unit/gen_reject_vectors.py: iptables-nft REJECT in a namespace,
 * packets sent and replies captured with scapy).
 *
 * Compared byte for byte, nothing masked. Two fields come from kernel
 * state the packet does not carry, and are given as inputs instead:
 * the IP ID of ICMP errors (hashed per destination; taken from the
 * recorded reply) and the TTL (the route's default, 64). The kernel's
 * resets always carry ID 0. Every checksum, ours and the kernel's, is
 * also verified independently. The recorded offending packet is the one
 * sent; a forwarded one reaches the FORWARD hook with its TTL lowered,
 * which the test does before handing it over, as it fills record-route
 * and timestamp options (see options_as_hooked). */
#include <arpa/inet.h>
#include <stdlib.h>

#include "packet.h"
#include "reject.h"
#include "tap.h"

static const struct { const char *name; uint8_t code; } codes[] = {
	{ "default", 3 }, { "icmp-net-unreachable", 0 },
	{ "icmp-host-unreachable", 1 }, { "icmp-proto-unreachable", 2 },
	{ "icmp-port-unreachable", 3 }, { "icmp-net-prohibited", 9 },
	{ "icmp-host-prohibited", 10 }, { "icmp-admin-prohibited", 13 },
};

static size_t unhex(const char *s, uint8_t *b, size_t cap)
{
	size_t n = 0;
	if (!strcmp(s, "-"))
		return 0;
	for (; s[0] && s[1] && n < cap; s += 2) {
		unsigned v;
		if (sscanf(s, "%2x", &v) != 1)
			return 0;
		b[n++] = (uint8_t)v;
	}
	return n;
}

/* Independent check: one's complement sum over a buffer, the RFC 1071 way. */
static uint16_t sum16(const uint8_t *b, size_t n, uint32_t start)
{
	uint32_t s = start;
	for (size_t i = 0; i < n; i++)
		s += i % 2 ? b[i] : (uint32_t)b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Are the IP header and transport checksums of reply r right? */
static int checksums_ok(const uint8_t *r, size_t n)
{
	if (n < 28 || sum16(r, 20, 0) != 0xffff)
		return 0;
	if (r[9] == IPPROTO_ICMP)
		return sum16(r + 20, n - 20, 0) == 0xffff;
	uint32_t pseudo = sum16(r + 12, 8, 0) + r[9] + (uint32_t)(n - 20);
	return sum16(r + 20, n - 20, pseudo) == 0xffff;
}

/* The kernel fills record-route and timestamp options on the way in
 * (ip_rcv_options) and leaves the header checksum stale; the hooks, and
 * so the engine's queue, see that. Time stamps: any value. */
static void options_as_hooked(uint8_t *b, const uint8_t *local)
{
	size_t hl = (size_t)(b[0] & 15) * 4;
	for (size_t i = 20; i < hl;) {
		uint8_t t = b[i];
		if (t == 0)
			break;
		if (t == 1 || i + 1 >= hl) {
			i++;
			continue;
		}
		uint8_t l = b[i + 1], ptr = i + 2 < hl ? b[i + 2] : 0;
		if (l < 2 || i + l > hl)
			break;
		if ((t == 7 || t == 68) && ptr + 3 <= l) {
			memcpy(b + i + ptr - 1, t == 7 ? local : (const uint8_t *)"\x01\x02\x03\x04", 4);
			b[i + 2] = (uint8_t)(ptr + 4);
		}
		i += l;
	}
}

static FILE *open_vectors(void)
{
	const char *dir = getenv("srcdir");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/unit/reject_vectors.txt", dir ? dir : ".");
	return fopen(path, "r");
}

static int run_vectors(void)
{
	FILE *f = open_vectors();
	ok(f != NULL, "vector file opens");
	if (!f)
		return 0;
	static char line[8192];
	static uint8_t in[2048], want[2048], got[2048];
	int count = 0, replies = 0;
	while (fgets(line, sizeof(line), f)) {
		char name[64], with[64], hook[8], l2[8], saddr[32], ih[4096], oh[4096];
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s %63s %7s %7s %31s %4095s %4095s", name, with,
			   hook, l2, saddr, ih, oh) != 7) {
			ok(0, "vector line parses: %.40s", line);
			continue;
		}
		count++;
		size_t n = unhex(ih, in, sizeof(in));
		size_t wn = unhex(oh, want, sizeof(want));
		if (!strcmp(hook, "fwd") && n >= 20) {
			/* the FORWARD hook sees the packet after ip_forward
			 * took one from its TTL: so does the engine's queue */
			in[8]--;
			in[10] = in[11] = 0;
			uint16_t c = (uint16_t)~sum16(in, (size_t)(in[0] & 15) * 4, 0);
			in[10] = (uint8_t)(c >> 8);
			in[11] = (uint8_t)c;
		}
		static const uint8_t here[4] = { 10, 77, 0, 2 };
		if (n >= 20)
			options_as_hooked(in, here);
		struct qt_pkt p;
		if (qt_pkt_parse_ipv4(&p, in, (uint32_t)n) != QT_PKT_OK) {
			ok(0, "%s: offending packet parses", name);
			continue;
		}
		enum qt_reject_kind kind = QT_REJECT_ICMP;
		int code = -1;
		if (!strcmp(with, "tcp-reset"))
			kind = QT_REJECT_TCP_RESET, code = 0;
		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
			if (!strcmp(with, codes[i].name))
				code = codes[i].code;
		ok(code >= 0, "%s: known reject type %s", name, with);

		struct qt_reject_env env = { .ttl = 64 };
		if (strcmp(saddr, "-"))
			inet_pton(AF_INET, saddr, &env.icmp_saddr);
		env.l2_not_host = strcmp(l2, "host") != 0;
		/* the recordings' only subnet broadcast address */
		env.dst_bcast = in[16] == 10 && in[17] == 77 && in[18] == 0 && in[19] == 255;
		if (wn >= 20 && kind == QT_REJECT_ICMP)
			env.ip_id = (uint16_t)(want[4] << 8 | want[5]);

		size_t gn = qt_reject_build(&p, kind, (uint8_t)code, &env, got, sizeof(got));
		if (!wn) {
			is_int(gn, 0, "%s: no reply, as the kernel", name);
			continue;
		}
		replies++;
		ok(checksums_ok(want, wn), "%s: the kernel's reply has right checksums", name);
		is_int(gn, wn, "%s: reply length", name);
		int same = gn == wn && !memcmp(got, want, wn);
		ok(same, "%s: reply identical to the kernel's", name);
		if (!same)
			for (size_t i = 0; i < gn && i < wn; i++)
				if (got[i] != want[i])
					printf("#   first difference at byte %zu: got %02x want %02x\n",
					       i, got[i], want[i]);
		ok(gn && checksums_ok(got, gn), "%s: our checksums verify", name);
	}
	fclose(f);
	ok(count >= 50 && replies >= 25, "enough vectors (%d, %d with a reply)", count, replies);
	return count;
}

/* ---- IPv6 (reject6_vectors.txt, gen_reject6_vectors.py) ---- */

static const struct { const char *name; uint8_t code; } codes6[] = {
	{ "default", 4 }, { "icmp6-no-route", 0 },
	{ "icmp6-adm-prohibited", 1 }, { "icmp6-addr-unreachable", 3 },
	{ "icmp6-port-unreachable", 4 }, { "icmp6-policy-fail", 5 },
	{ "icmp6-reject-route", 6 },
};

/* The transport checksum of an IPv6 reply (no extension headers). */
static int checksums6_ok(const uint8_t *r, size_t n)
{
	if (n < 48 || r[0] >> 4 != 6 || (size_t)(r[4] << 8 | r[5]) + 40 != n)
		return 0;
	uint32_t pseudo = sum16(r + 8, 32, 0) + r[6] + (uint32_t)(n - 40);
	return sum16(r + 40, n - 40, pseudo) == 0xffff;
}

static FILE *open_vectors6(void)
{
	const char *dir = getenv("srcdir");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/unit/reject6_vectors.txt", dir ? dir : ".");
	return fopen(path, "r");
}

static int run_vectors6(void)
{
	FILE *f = open_vectors6();
	ok(f != NULL, "IPv6 vector file opens");
	if (!f)
		return 0;
	static char line[8192];
	static uint8_t in[2048], want[2048], got[2048];
	int count = 0, replies = 0;
	while (fgets(line, sizeof(line), f)) {
		char name[64], with[64], hook[8], l2[8], saddr[64], ih[4096], oh[4096];
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s %63s %7s %7s %63s %4095s %4095s", name, with,
			   hook, l2, saddr, ih, oh) != 7) {
			ok(0, "vector line parses: %.40s", line);
			continue;
		}
		count++;
		size_t n = unhex(ih, in, sizeof(in));
		size_t wn = unhex(oh, want, sizeof(want));
		/* the FORWARD hook sees the hop limit ip6_forward lowered */
		if (!strcmp(hook, "fwd") && n >= 40)
			in[7]--;
		struct qt_pkt p;
		if (qt_pkt_parse_ipv6(&p, in, (uint32_t)n) != QT_PKT_OK) {
			ok(0, "%s: offending packet parses", name);
			continue;
		}
		enum qt_reject_kind kind = QT_REJECT_ICMP;
		int code = -1;
		if (!strcmp(with, "tcp-reset"))
			kind = QT_REJECT_TCP_RESET, code = 0;
		for (size_t i = 0; i < sizeof(codes6) / sizeof(codes6[0]); i++)
			if (!strcmp(with, codes6[i].name))
				code = codes6[i].code;
		ok(code >= 0, "%s: known reject type %s", name, with);

		struct qt_reject_env env = { .ttl = 64 };
		if (strcmp(saddr, "-"))
			inet_pton(AF_INET6, saddr, &env.icmp_saddr6);
		env.l2_not_host = strcmp(l2, "host") != 0;
		/* the flow label of ICMPv6 errors is the kernel's hash with
		 * a secret of its boot: taken from the recording */
		if (wn >= 40 && kind == QT_REJECT_ICMP)
			env.flowlabel = (uint32_t)(want[1] & 0x0f) << 16 |
					(uint32_t)want[2] << 8 | want[3];

		size_t gn = qt_reject_build(&p, kind, (uint8_t)code, &env, got, sizeof(got));
		if (!wn) {
			is_int(gn, 0, "%s: no reply, as the kernel", name);
			continue;
		}
		replies++;
		ok(checksums6_ok(want, wn), "%s: the kernel's reply has a right checksum", name);
		is_int(gn, wn, "%s: reply length", name);
		int same = gn == wn && !memcmp(got, want, wn);
		ok(same, "%s: reply identical to the kernel's", name);
		if (!same)
			for (size_t i = 0; i < gn && i < wn; i++)
				if (got[i] != want[i])
					printf("#   first difference at byte %zu: got %02x want %02x\n",
					       i, got[i], want[i]);
		ok(gn && checksums6_ok(got, gn), "%s: our checksum verifies", name);
	}
	fclose(f);
	ok(count >= 50 && replies >= 25, "enough IPv6 vectors (%d, %d with a reply)",
	   count, replies);
	return count;
}

static size_t ipv4(uint8_t *b, uint8_t proto, const uint8_t *l4, size_t l4len)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)((20 + l4len) >> 8);
	b[3] = (uint8_t)(20 + l4len);
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, "192.0.2.1", b + 12);
	inet_pton(AF_INET, "192.0.2.2", b + 16);
	memcpy(b + 20, l4, l4len);
	uint16_t c = (uint16_t)~sum16(b, 20, 0);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	return 20 + l4len;
}

/* Cases the recordings cannot hold: partial copies, small buffers, the
 * caller's knowledge of checksums. */
static void synthetic(void)
{
	uint8_t b[2048], r[2048];
	struct qt_pkt p;
	/* a UDP datagram with a wrong checksum */
	uint8_t udp[8 + 600] = { 0x30, 0x39, 0, 53, 0x02, 0x60, 0xde, 0xad };
	for (size_t i = 8; i < sizeof(udp); i++)
		udp[i] = (uint8_t)i;
	size_t n = ipv4(b, IPPROTO_UDP, udp, sizeof(udp));
	qt_pkt_parse_ipv4(&p, b, (uint32_t)n);
	is_int(qt_reject_build(&p, QT_REJECT_ICMP, 3, NULL, r, sizeof(r)), 0,
	       "bad UDP checksum: no error");
	struct qt_reject_env env = { .csum_ok = true };
	size_t rn = qt_reject_build(&p, QT_REJECT_ICMP, 3, &env, r, sizeof(r));
	is_int(rn, 576, "checksum vouched for by the kernel: error of 576 bytes");
	ok(rn && checksums_ok(r, rn) && r[8] == 64 && !memcmp(r + 28, b, 548),
	   "default TTL 64, quote from the IP header on");
	is_int(qt_reject_build(&p, QT_REJECT_ICMP, 3, &env, r, 575), 0,
	       "buffer too small: nothing");
	is_int(qt_reject_build(&p, QT_REJECT_TCP_RESET, 0, &env, r, sizeof(r)), 0,
	       "tcp-reset for UDP: nothing");

	/* the queue copied 100 bytes: the checksum cannot be checked, the
	 * quote is what there is */
	qt_pkt_parse_ipv4(&p, b, 100);
	rn = qt_reject_build(&p, QT_REJECT_ICMP, 3, NULL, r, sizeof(r));
	is_int(rn, 128, "partial copy: quote of the copied bytes");
	ok(rn && checksums_ok(r, rn) && !memcmp(r + 28, b, 100), "partial copy: quote, checksums");

	/* an ICMP packet cut before its type byte is not answered */
	uint8_t none[1] = { 0 };
	n = ipv4(b, IPPROTO_ICMP, none, 0);
	qt_pkt_parse_ipv4(&p, b, (uint32_t)n);
	is_int(qt_reject_build(&p, QT_REJECT_ICMP, 3, &env, r, sizeof(r)), 0,
	       "ICMP without a type: no error");

	/* reset: ACK number from the IP length when the copy is partial */
	uint8_t tcp[20 + 100] = { 0x30, 0x39, 0, 80, 0, 0, 0x10, 0, 0, 0, 0, 0, 0x50, 0x01 };
	n = ipv4(b, IPPROTO_TCP, tcp, sizeof(tcp));
	qt_pkt_parse_ipv4(&p, b, 60);
	rn = qt_reject_build(&p, QT_REJECT_TCP_RESET, 0, &env, r, sizeof(r));
	is_int(rn, 40, "reset to a partial copy");
	ok(rn == 40 && r[20 + 13] == 0x14 && r[28] == 0 && r[29] == 0 && r[30] == 0x10 &&
	   r[31] == 101 && checksums_ok(r, rn), "ack = seq + FIN + 100 bytes of data");
	is_int(qt_reject_build(&p, QT_REJECT_TCP_RESET, 0, &env, r, 39), 0,
	       "reset: buffer too small: nothing");
	env.dst_bcast = true;
	is_int(qt_reject_build(&p, QT_REJECT_TCP_RESET, 0, &env, r, sizeof(r)), 0,
	       "reset to a broadcast destination: nothing");
}

/* Random headers never crash, never overrun, and any reply is well formed. */
static void random_packets(void)
{
	uint8_t b[700], r[QT_REJECT_MAX];
	struct qt_reject_env env = { .csum_ok = true };
	int bad = 0, replies = 0;
	srand(7);
	for (int i = 0; i < 50000; i++) {
		size_t n = (size_t)(rand() % (int)sizeof(b));
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rand();
		if (n > 0)
			b[0] = (uint8_t)(0x45 + rand() % 3);
		if (n > 9)
			b[9] = (uint8_t[]){ IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 99 }[rand() % 4];
		if (n > 7 && rand() % 4) { /* mostly first fragments of right length */
			b[2] = (uint8_t)(n >> 8);
			b[3] = (uint8_t)n;
			b[6] &= 0x40;
			b[7] = 0;
		}
		struct qt_pkt p;
		if (qt_pkt_parse_ipv4(&p, b, (uint32_t)n) != QT_PKT_OK)
			continue;
		size_t cap = (size_t)(rand() % 2 ? sizeof(r) : (size_t)(rand() % 80));
		size_t rn = qt_reject_build(&p, (enum qt_reject_kind)(rand() % 2),
					    (uint8_t)(rand() % 16), &env, r, cap);
		if (rn) {
			replies++;
			if (rn > cap || !checksums_ok(r, rn))
				bad++;
		}
	}
	ok(bad == 0 && replies > 1000, "random packets: %d replies, %d malformed", replies, bad);
}

/* The same for IPv6: random extension header chains, the replies well
 * formed and never beyond the minimum MTU or the buffer. */
static void random_packets6(void)
{
	static uint8_t b[1500], r[QT_REJECT6_MAX];
	static const uint8_t next[] = { 0, 43, 44, 60, 51, 58, 6, 17, 59, 99 };
	struct qt_reject_env env = { .csum_ok = true };
	int bad = 0, replies = 0;
	srand(11);
	for (int i = 0; i < 50000; i++) {
		size_t n = (size_t)(rand() % (int)sizeof(b));
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rand();
		if (n > 0)
			b[0] = 0x60;
		if (n > 7) {
			b[4] = (uint8_t)((n - 40) >> 8);
			b[5] = (uint8_t)(n - 40);
			b[6] = next[rand() % sizeof(next)];
		}
		for (size_t k = 40; k + 1 < n && k < 80; k += 8) {
			b[k] = next[rand() % sizeof(next)];
			b[k + 1] = 0;
			if (k + 3 < n && rand() % 2)
				b[k + 2] = b[k + 3] = 0;   /* first fragments */
		}
		if (n > 24 && rand() % 4)
			b[8] = b[24] = 0x20;   /* mostly unicast */
		struct qt_pkt p;
		if (qt_pkt_parse_ipv6(&p, b, (uint32_t)n) != QT_PKT_OK)
			continue;
		size_t cap = (size_t)(rand() % 2 ? sizeof(r) : (size_t)(rand() % 100));
		size_t rn = qt_reject_build(&p, (enum qt_reject_kind)(rand() % 2),
					    (uint8_t)(rand() % 7), &env, r, cap);
		if (rn) {
			replies++;
			if (rn > cap || !checksums6_ok(r, rn))
				bad++;
		}
	}
	ok(bad == 0 && replies > 1000, "random IPv6 packets: %d replies, %d malformed",
	   replies, bad);
}

/* IPv6 cases the recordings cannot hold. */
static void synthetic6(void)
{
	static uint8_t b[1500], r[QT_REJECT6_MAX];
	struct qt_pkt p;
	memset(b, 0, sizeof(b));
	b[0] = 0x60;
	b[4] = (1400 - 40) >> 8;
	b[5] = (1400 - 40) & 0xff;
	b[6] = IPPROTO_UDP;
	b[7] = 64;
	inet_pton(AF_INET6, "2001:db8::1", b + 8);
	inet_pton(AF_INET6, "2001:db8::2", b + 24);
	b[40] = 0x30, b[41] = 0x39, b[43] = 53;
	b[44] = (1360 >> 8), b[45] = 1360 & 0xff;
	b[46] = 0xde, b[47] = 0xad;   /* a wrong checksum */
	struct qt_reject_env env = { .csum_ok = true };
	qt_pkt_parse_ipv6(&p, b, 1400);
	is_int(qt_reject_build(&p, QT_REJECT_ICMP, 4, NULL, r, sizeof(r)), 0,
	       "IPv6: bad UDP checksum: no error");
	size_t rn = qt_reject_build(&p, QT_REJECT_ICMP, 4, &env, r, sizeof(r));
	is_int(rn, 1280, "IPv6: checksum vouched for: error of 1280 bytes");
	ok(rn && checksums6_ok(r, rn) && r[7] == 64 && !memcmp(r + 48, b, 1232),
	   "IPv6: hop limit 64, quote from the IPv6 header on");
	is_int(qt_reject_build(&p, QT_REJECT_ICMP, 4, &env, r, 1279), 0,
	       "IPv6: buffer too small: nothing");
	/* the queue copied 100 bytes: the quote is what there is */
	qt_pkt_parse_ipv6(&p, b, 100);
	rn = qt_reject_build(&p, QT_REJECT_ICMP, 4, NULL, r, sizeof(r));
	is_int(rn, 148, "IPv6: partial copy: quote of the copied bytes");
	ok(rn && checksums6_ok(r, rn) && !memcmp(r + 48, b, 100),
	   "IPv6: partial copy: quote, checksum");
	/* a chosen source for errors (a forwarded packet's) */
	inet_pton(AF_INET6, "2001:db8::fe", &env.icmp_saddr6);
	rn = qt_reject_build(&p, QT_REJECT_ICMP, 4, &env, r, sizeof(r));
	uint8_t want[16];
	inet_pton(AF_INET6, "2001:db8::fe", want);
	ok(rn && !memcmp(r + 8, want, 16) && !memcmp(r + 24, b + 8, 16) &&
	   checksums6_ok(r, rn), "IPv6: the given source, to the sender");
	/* IPv4-mapped senders get nothing: not unicast to the kernel */
	b[6] = IPPROTO_TCP;
	memset(b + 8, 0, 16);
	b[18] = b[19] = 0xff;
	b[53] = 0x02;   /* SYN */
	b[52] = 0x50;
	qt_pkt_parse_ipv6(&p, b, 1400);
	is_int(qt_reject_build(&p, QT_REJECT_TCP_RESET, 0, &env, r, sizeof(r)), 0,
	       "IPv6: reset to an IPv4-mapped source: nothing");
}

int main(void)
{
	run_vectors();
	run_vectors6();
	synthetic();
	random_packets();
	synthetic6();
	random_packets6();
	return done_testing();
}
