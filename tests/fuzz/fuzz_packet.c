/* libFuzzer target for the packet path: the IPv4 and IPv6 parsers
 * (qt_pkt_parse_ipv4, qt_pkt_parse_ipv6: by the version nibble) and the
 * walk of IPv4 packets (qt_prog_eval) over a fixed ruleset
 * that uses every stateless match and the targets LOG, REJECT, TCPMSS,
 * TCPOPTSTRIP,
 * MARK, CT and NOTRACK, in all five hooks (and HMARK in two).
 *
 * Input: byte 0 picks the hook (low 3 bits, modulo 5) and flags (bit 3
 * an input interface, bit 4 an output interface, bit 5 a socket owner,
 * bit 6 a hardware address in bytes 3..8, bit 7 "checksum not ready");
 * byte 1 is the initial mark and advances the clock by that many
 * milliseconds (limit, hashlimit); byte 2's low 6 bits are the room
 * the packet may grow by. The rest is the packet, IP header first,
 * copied into a buffer of exactly its length plus that room, so any
 * write or read past it is caught by ASan.
 *
 * Besides crashes it checks: the parser's pointers stay inside the
 * packet; every REJECT reply is a well-formed IPv4 packet with correct
 * IP and ICMP/TCP checksums and at most 576 bytes; LOG lines are
 * strings of sane length; a packet a target rewrote still parses, and
 * its checksums are still right if they were right before. Build and
 * run it with tests/fuzz/run.sh SECONDS packet. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "program.h"
#include "reject.h"
#include "csum.h"
#include "ctx.h"
#include "model.h"
#include "restore.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules[] =
	"*raw\n"
	":PREROUTING ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	"-A PREROUTING -p udp -m udp --dport 53 -j CT --notrack\n"
	"-A PREROUTING -p tcp -m tcp --dport 22 -j NOTRACK\n"
	"-A OUTPUT -m length --length 1000:65535 -j CT --notrack\n"
	"COMMIT\n"
	"*mangle\n"
	":PREROUTING ACCEPT [0:0]\n"
	":INPUT ACCEPT [0:0]\n"
	":FORWARD ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":POSTROUTING ACCEPT [0:0]\n"
	":mk - [0:0]\n"
	"-A PREROUTING -m mac --mac-source 02:00:00:00:00:01 -j MARK --or-mark 0x200\n"
	"-A PREROUTING -j mk\n"
	"-A OUTPUT -j mk\n"
	"-A FORWARD -j HMARK --hmark-tuple src,dst,sport,dport,proto --hmark-mod 1000 --hmark-rnd 1\n"
	"-A POSTROUTING -j HMARK --hmark-tuple spi,dst --hmark-spi 4 --hmark-mod 7 --hmark-rnd 2 --hmark-offset 1\n"
	"-A mk -m mark --mark 0x1/0x1 -j MARK --xor-mark 0x3\n"
	"-A mk -p tcp -m tcp --tcp-flags SYN,ACK SYN -j MARK --or-mark 0x10\n"
	"-A mk -p tcp -m tcp --tcp-option 2 -j MARK --and-mark 0xfff0\n"
	"-A mk -p udp -m multiport --ports 53,123,1000:2000 -j MARK --set-xmark 0x20/0xf0\n"
	"-A mk -m iprange --src-range 10.0.0.0-10.255.255.255 --dst-range 192.168.0.1-192.168.0.200 -j MARK --set-mark 0x40\n"
	"-A mk -m ttl --ttl-lt 5 -j RETURN\n"
	"-A mk -m pkttype --pkt-type broadcast -j MARK --set-mark 0x80\n"
	"-A mk -m addrtype --dst-type LOCAL -j MARK --or-mark 0x100\n"
	"-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 536\n"
	"-A POSTROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\n"
	"-A OUTPUT -p tcp -m tcp --tcp-flags SYN,RST SYN -m length --length 40:60 -j TCPMSS --set-mss 1200\n"
	"-A PREROUTING -p tcp -j TCPOPTSTRIP --strip-options wscale,sack-permitted,sack,timestamp,md5,30\n"
	"COMMIT\n"
	"*filter\n"
	":INPUT DROP [0:0]\n"
	":FORWARD DROP [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":chk - [0:0]\n"
	":logs - [0:0]\n"
	":rej - [0:0]\n"
	"-A INPUT -j chk\n"
	"-A FORWARD -j chk\n"
	"-A OUTPUT -j chk\n"
	"-A INPUT -j logs\n"
	"-A FORWARD -j logs\n"
	"-A OUTPUT -j logs\n"
	"-A OUTPUT -m owner --uid-owner 0-100 --gid-owner 5 -j ACCEPT\n"
	"-A OUTPUT -m owner --socket-exists -j rej\n"
	"-A INPUT -j rej\n"
	"-A FORWARD -g rej\n"
	"-A chk -f\n"
	"-A chk -p tcp -m tcp --sport 1:1023 --dport 1024:65535 ! --tcp-flags FIN,SYN,RST,PSH,ACK,URG ACK\n"
	"-A chk -p tcp -m tcp ! --tcp-option 8\n"
	"-A chk -p udp -m udp ! --sport 53 --dport 0:100\n"
	"-A chk -p icmp -m icmp --icmp-type echo-request\n"
	"-A chk -p icmp -m icmp --icmp-type 3/4\n"
	"-A chk -p icmp -m icmp ! --icmp-type any\n"
	"-A chk -m string --string \"GET /\" --algo bm --from 20 --to 200\n"
	"-A chk -m string --hex-string \"|de ad be ef|\" --algo kmp --icase\n"
	"-A chk -m string --string \"xyz\" --algo kmp --icase --to 65535\n"
	"-A chk -p tcp -m multiport --dports 80,443,8000:8100\n"
	"-A chk -p udp -m multiport ! --sports 1:10,20\n"
	"-A chk -m length ! --length 20:1500\n"
	"-A chk -m ttl --ttl-gt 200\n"
	"-A chk -m ttl ! --ttl-eq 64\n"
	"-A chk -m iprange ! --src-range 1.1.1.1-1.1.1.100\n"
	"-A chk -m comment --comment \"counting only\"\n"
	"-A chk -m time --timestart 08:00 --timestop 18:00 --weekdays Mon,Tue\n"
	"-A chk -m limit --limit 100/sec --limit-burst 5\n"
	"-A chk -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 3 --hashlimit-mode srcip,dstport --hashlimit-name fz\n"
	"-A chk -m u32 --u32 \"0 >> 22 & 0x3C @ 12 >> 26 & 0x3C @ 0 = 0x47455420\"\n"
	"-A chk -m u32 ! --u32 \"0 & 0xFFFF >> 2 << 2 @ 0 @ 0xFFFFFFF0 = 0:1 && 6 & 0xFF = 17\"\n"
	"-A chk -m u32 --u32 \"4 & 0x3FFF = 0 && 0 >> 22 & 0x3C @ 0 >> 31 << 31 @ 4 = 1:0x10,7\"\n"
	"-A chk -s 10.0.0.0/8 ! -d 10.1.0.0/16 -i eth+ -j RETURN\n"
	"-A chk ! -p tcp -o lo\n"
	"-A logs -p tcp -m tcp --tcp-flags ALL SYN -j LOG --log-prefix \"syn \" --log-level 6 --log-tcp-options --log-tcp-sequence --log-ip-options --log-uid\n"
	"-A logs -p icmp -j LOG --log-ip-options\n"
	"-A logs -m ttl --ttl-eq 3 -j LOG --log-prefix \"t3 \" --log-macdecode\n"
	"-A logs -f -j LOG\n"
	"-A rej -p tcp -m tcp --dport 1:1000 -j REJECT --reject-with tcp-reset\n"
	"-A rej -p udp -m length --length 0:300 -j REJECT --reject-with icmp-port-unreachable\n"
	"-A rej -p icmp -m icmp --icmp-type 8 -j REJECT --reject-with icmp-host-prohibited\n"
	"-A rej -m ttl --ttl-eq 7 -j REJECT --reject-with icmp-net-unreachable\n"
	"-A rej -m ttl --ttl-eq 8 -j REJECT --reject-with icmp-host-unreachable\n"
	"-A rej -m ttl --ttl-eq 9 -j REJECT --reject-with icmp-proto-unreachable\n"
	"-A rej -m ttl --ttl-eq 10 -j REJECT --reject-with icmp-net-prohibited\n"
	"-A rej -m ttl --ttl-eq 11 -j REJECT --reject-with icmp-admin-prohibited\n"
	"-A rej -m ttl --ttl-eq 12 -j REJECT\n"
	"-A rej -m ttl --ttl-eq 13 -j DROP\n"
	"-A rej -m ttl --ttl-eq 14 -j RETURN\n"
	"-A rej -j ACCEPT\n"
	"COMMIT\n";

static struct qt_ruleset *rs;
static struct qt_prog *prog;
static struct qt_rt_store *store;
static uint64_t clock_ns = 1700000000000000000ull;

static void fail(const char *what, const uint8_t *b, uint32_t len)
{
	fprintf(stderr, "fuzz_packet: %s (%u bytes):", what, len);
	for (uint32_t i = 0; i < len && i < 128; i++)
		fprintf(stderr, " %02x", b[i]);
	fputc('\n', stderr);
	abort();
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The transport checksum of an IPv4 packet whose ihl..tot bytes are all
 * there: true when right (the folded sum is all ones; qt_csum_fold does
 * not complement). */
static bool l4_csum_ok(const uint8_t *b, uint32_t ihl, uint32_t tot)
{
	uint8_t proto = b[9];
	uint32_t s = qt_csum_add(0, b + ihl, tot - ihl);
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		uint8_t ph[12];
		memcpy(ph, b + 12, 8);
		ph[8] = 0;
		ph[9] = proto;
		ph[10] = (uint8_t)((tot - ihl) >> 8);
		ph[11] = (uint8_t)(tot - ihl);
		s = qt_csum_add(s, ph, sizeof(ph));
	}
	return qt_csum_fold(s) == 0xffff;
}

static bool ip_csum_ok(const uint8_t *b, uint32_t ihl)
{
	return qt_csum_fold(qt_csum_add(0, b, ihl)) == 0xffff;
}

static void on_log(void *user, int level, const char *line)
{
	(void)user;
	if (level < 0 || level > 7)
		fail("LOG level out of range", (const uint8_t *)line, 0);
	size_t n = strlen(line);
	if (n == 0 || n > 2048)
		fail("LOG line of absurd length", (const uint8_t *)line,
		     (uint32_t)(n > 128 ? 128 : n));
}

static int on_send(void *user, const uint8_t *b, uint32_t len)
{
	(void)user;
	if (len < 28 || len > QT_REJECT_MAX)
		fail("REJECT reply of bad length", b, len);
	if (b[0] != 0x45 || get16(b + 2) != len)
		fail("REJECT reply: bad IP header", b, len);
	if (!ip_csum_ok(b, 20))
		fail("REJECT reply: bad IP checksum", b, len);
	if (b[9] != IPPROTO_ICMP && b[9] != IPPROTO_TCP)
		fail("REJECT reply: neither ICMP nor TCP", b, len);
	if (b[9] == IPPROTO_TCP && len != 40)
		fail("REJECT reset of bad length", b, len);
	if (!l4_csum_ok(b, 20, len))
		fail("REJECT reply: bad ICMP/TCP checksum", b, len);
	return 0;
}

static const struct qt_engine_env env = {
	.log = on_log, .send = on_send, .hz = 250,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	struct qt_ctx ctx;
	qt_ctx_init(&ctx, "iptables-restore", &out, &err);
	struct qt_restore_opts o = { 0 };
	bool changed;
	rs = qt_ruleset_new(AF_INET);
	if (qt_restore_run(&rs, rules, sizeof(rules) - 1, &o, NULL, &ctx,
			   &changed)) {
		fprintf(stderr, "fuzz_packet: ruleset: %s", qt_buf_str(&err));
		abort();
	}
	store = qt_rt_store_new();
	prog = qt_prog_compile(rs, &env, store, &err);
	if (!prog) {
		fprintf(stderr, "fuzz_packet: compile: %s", qt_buf_str(&err));
		abort();
	}
	qt_buf_free(&out);
	qt_buf_free(&err);
	return 0;
}

/* The parser's results must point inside the packet. */
static void check_parse(const uint8_t *d, uint32_t len)
{
	struct qt_pkt p;
	/* an IPv6 packet (version 6) goes through the IPv6 parser; the
	 * walk below is IPv4's, which refuses it */
	bool v6 = len && (d[0] >> 4) == 6;
	if ((v6 ? qt_pkt_parse_ipv6(&p, d, len) : qt_pkt_parse_ipv4(&p, d, len))
	    != QT_PKT_OK)
		return;
	const uint8_t *end = d + len;
	if (p.ihl < 20 || p.ihl > len)
		fail("parser: ihl outside the packet", d, len);
	if (p.l4 && (p.l4 < d + p.ihl || p.l4 > end ||
		     p.l4_len > (uint32_t)(end - p.l4)))
		fail("parser: transport header outside the packet", d, len);
	if (p.payload && (p.payload < d || p.payload > end ||
			  p.payload_len > (uint32_t)(end - p.payload)))
		fail("parser: payload outside the packet", d, len);
	if (p.l4_ok && p.frag_off)
		fail("parser: ports of a non-first fragment", d, len);
	if (p.proto == IPPROTO_TCP && p.l4_ok &&
	    (p.tcp_doff < 20 || p.tcp_doff > p.l4_len))
		fail("parser: TCP header length", d, len);
	if (p.nexthdrs > QT_PKT_MAX_EXTHDRS)
		fail("parser: more extension headers than its bound", d, len);
	for (unsigned i = 0; i < p.nexthdrs; i++)
		if (p.exthdr[i].off < 40 || p.exthdr[i].off + 8u > len ||
		    (p.l4 && d + p.exthdr[i].off >= p.l4))
			fail("parser: an extension header outside the chain", d, len);
	if (!v6 && (p.nexthdrs || p.frag_hdr))
		fail("parser: IPv6 headers in an IPv4 packet", d, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || size > 65535 + 9)
		return 0;
	uint8_t f = data[0], b1 = data[1], grow = data[2] & 0x3f;
	size_t hdr = 3;
	uint8_t hw[6] = { 0 };
	if (f & 0x40) {
		if (size < 9)
			return 0;
		memcpy(hw, data + 3, 6);
		hdr = 9;
	}
	uint32_t len = (uint32_t)(size - hdr);
	if (len > 65535)
		return 0;
	uint8_t *buf = malloc(len + grow ? len + grow : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + hdr, len);
	check_parse(buf, len);

	/* what the packet's checksums were before the walk */
	struct qt_pkt p0;
	bool whole = false, ip_ok = false, l4_ok = false;
	/* an IPv6 packet (the walk is IPv4's, but both-family targets
	 * such as TCPOPTSTRIP take the packet as the version nibble says):
	 * a rewrite must leave it parsing as it did */
	bool v6 = len && buf[0] >> 4 == 6;
	enum qt_pkt_status st6 = v6 ? qt_pkt_parse_ipv6(&p0, buf, len) :
				      QT_PKT_OK;
	if (qt_pkt_parse_ipv4(&p0, buf, len) == QT_PKT_OK) {
		whole = p0.ip_len <= len && !p0.frag_off && !p0.more_frags;
		ip_ok = ip_csum_ok(buf, p0.ihl);
		l4_ok = whole && p0.proto == IPPROTO_TCP &&
			l4_csum_ok(buf, p0.ihl, p0.ip_len);
	}

	struct qt_eval ev;
	qt_eval_init(&ev, buf, len, len + grow, len, (f & 7) % QT_NHOOKS, &env);
	if (f & 0x08) {
		ev.indev = 2;
		ev.in = "eth0";
	}
	if (f & 0x10) {
		ev.outdev = 1;
		ev.out = "lo";
	}
	if (f & 0x20) {
		ev.has_uid = ev.has_gid = true;
		ev.uid = b1;
		ev.gid = 5;
	}
	if (f & 0x40) {
		memcpy(ev.hwaddr, hw, 6);
		ev.hwaddr_len = 6;
	}
	ev.csum_not_ready = f & 0x80;
	ev.mark = b1;
	clock_ns += (uint64_t)b1 * 1000000u;
	ev.now_ns = clock_ns;
	ev.wall.tv_sec = (time_t)(clock_ns / 1000000000u);

	int v = qt_prog_eval(prog, &ev, NULL);
	if (v != QT_XT_ACCEPT && v != QT_XT_DROP)
		fail("verdict neither ACCEPT nor DROP", buf, len);
	if (ev.len > ev.cap || ev.data != buf)
		fail("a target grew the packet past its room", buf, len);
	if (ev.rewritten && v6) {
		struct qt_pkt p1;
		if (qt_pkt_parse_ipv6(&p1, buf, ev.len) != st6)
			fail("rewritten IPv6 packet parses otherwise", buf, ev.len);
	} else if (ev.rewritten) {
		struct qt_pkt p1;
		if (qt_pkt_parse_ipv4(&p1, buf, ev.len) != QT_PKT_OK)
			fail("rewritten packet does not parse", buf, ev.len);
		if (ip_ok && !ip_csum_ok(buf, p1.ihl))
			fail("rewrite broke the IP checksum", buf, ev.len);
		if (l4_ok && !ev.csum_not_ready && p1.ip_len <= ev.len &&
		    !l4_csum_ok(buf, p1.ihl, p1.ip_len))
			fail("rewrite broke the TCP checksum", buf, ev.len);
	}
	free(buf);
	return 0;
}
