/* The engine side of tos, dscp, ecn, TOS, DSCP, ECN and TTL: rules
 * typed as iptables/ip6tables commands, packets built here as bytes,
 * each match asked for a verdict and each target run on the packet.
 * The header checksum of a rewritten IPv4 packet must hold, a TCP
 * checksum updated for the flags must hold too (or stay wrong by as
 * much as it was), a partial one is completed, and a packet the copy
 * holds only in part is left alone (it would be cut if handed back). */
#include <arpa/inet.h>
#include <stdlib.h>

#include "csum.h"
#include "eval.h"
#include "ext.h"
#include "qt_test.h"
#include "tap.h"

static uint8_t buf[2048];
static uint32_t blen;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t sum(const uint8_t *p, size_t n)
{
	return qt_csum_fold(qt_csum_add(0, p, n));
}

/* An IPv4 packet (TOS tos, TTL ttl) of protocol proto carrying
 * body[0..n), the header checksum filled. */
static void pkt4(uint8_t tos, uint8_t ttl, uint8_t proto, const uint8_t *body,
		 uint32_t n)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x45;
	buf[1] = tos;
	put16(buf + 2, (uint16_t)(20 + n));
	put16(buf + 4, 0x1234);
	buf[8] = ttl;
	buf[9] = proto;
	inet_pton(AF_INET, "10.0.0.1", buf + 12);
	inet_pton(AF_INET, "10.0.0.2", buf + 16);
	put16(buf + 10, (uint16_t)~sum(buf, 20));
	if (n)
		memcpy(buf + 20, body, n);
	blen = 20 + n;
}

/* An IPv6 packet of traffic class tc and flow label 0xabcde. */
static void pkt6(uint8_t tc, uint8_t proto, const uint8_t *body, uint32_t n)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = (uint8_t)(0x60 | tc >> 4);
	buf[1] = (uint8_t)((tc & 0x0f) << 4 | 0x0a);
	buf[2] = 0xbc;
	buf[3] = 0xde;
	put16(buf + 4, (uint16_t)n);
	buf[6] = proto;
	buf[7] = 64;
	inet_pton(AF_INET6, "2001:db8::1", buf + 8);
	inet_pton(AF_INET6, "2001:db8::2", buf + 24);
	if (n)
		memcpy(buf + 40, body, n);
	blen = 40 + n;
}

/* A TCP header with flags (ECE 0x40, CWR 0x80), its checksum whole. */
static uint8_t tcp[24];
static void tcp_hdr(uint8_t flags)
{
	memset(tcp, 0, sizeof(tcp));
	put16(tcp, 1234);
	put16(tcp + 2, 80);
	tcp[12] = 0x50;
	tcp[13] = flags;
	put16(tcp + 14, 512);
	memcpy(tcp + 20, "data", 4);
}

/* Does the TCP checksum of the IPv4 packet in buf hold? */
static bool tcp4_ok(void)
{
	uint8_t ph[12];
	memcpy(ph, buf + 12, 8);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	put16(ph + 10, (uint16_t)(blen - 20));
	uint32_t s = qt_csum_add(0, ph, 12);
	return qt_csum_fold(qt_csum_add(s, buf + 20, blen - 20)) == 0xffff;
}

static void tcp4_fill(void)
{
	qt_csum_l4_whole(buf, buf + 20, blen - 20, IPPROTO_TCP, 16, false);
}

static struct qt_ruleset *rs;

/* The match named ext (or the target, ext NULL) of "CMD" typed into a
 * fresh ruleset of family. */
static struct qt_ext_inst *rule(uint8_t family, unsigned table,
				const char *chain, const char *cmd,
				const char *ext)
{
	struct qt_test_result r;
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	rs = qt_ruleset_new(family);
	if (qt_test_cmd(&rs, cmd, &r) != 0) {
		printf("# %s: %s", cmd, r.err.data ? r.err.data : "");
		qt_test_result_free(&r);
		ok(0, "rule refused: %s", cmd);
		return NULL;
	}
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(rs->tables[table], chain);
	struct qt_rule *ru = c->rules[c->nrules - 1];
	struct qt_ext_inst *in = ext ? NULL : &ru->target;
	for (unsigned i = 0; ext && i < ru->nmatches; i++)
		if (!strcmp(ru->matches[i].ext->name, ext))
			in = &ru->matches[i];
	return in ? qt_test_run(in) : NULL;
}

static int match_of(uint8_t family, const char *cmd, const char *ext)
{
	struct qt_ext_inst *in = rule(family, QT_TABLE_FILTER, "INPUT", cmd,
				      ext);
	if (!in)
		return -1;
	struct qt_eval ev;
	qt_eval_init(&ev, buf, blen, sizeof(buf), blen, QT_HOOK_LOCAL_IN, NULL);
	return in->ext->match(in, &ev);
}

static struct qt_eval ev;

/* Run the mangle target of "-t mangle -A FORWARD ARGS" on buf, the
 * queue's copy copylen bytes, the checksum partial or not. */
static int target_of(uint8_t family, const char *args, uint32_t copylen,
		     bool partial)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "-t mangle -A FORWARD %s", args);
	struct qt_ext_inst *in = rule(family, QT_TABLE_MANGLE, "FORWARD", cmd,
				      NULL);
	if (!in)
		return -1;
	qt_eval_init(&ev, buf, copylen, sizeof(buf), blen, QT_HOOK_FORWARD,
		     NULL);
	ev.csum_not_ready = partial;
	return in->ext->target(in, &ev);
}

static void test_matches(void)
{
	static const uint8_t udp[8] = { 0x04, 0xd2, 0x00, 0x35, 0, 8, 0, 0 };
	pkt4(0x12, 64, IPPROTO_UDP, udp, 8);
	is_int(match_of(AF_INET, "-A INPUT -m tos --tos Minimize-Delay", "tos"), 0,
	       "tos 0x12 is not Minimize-Delay (0x10/0x3f)");
	is_int(match_of(AF_INET, "-A INPUT -m tos --tos 0x12/0x3f", "tos"), 1,
	       "tos 0x12 == 0x12/0x3f");
	is_int(match_of(AF_INET, "-A INPUT -m tos --tos 0x12", "tos"), 1,
	       "tos 0x12 == 0x12/0xff");
	is_int(match_of(AF_INET, "-A INPUT -m tos --tos 0x10/0xf0", "tos"), 1,
	       "tos 0x12 & 0xf0 == 0x10");
	is_int(match_of(AF_INET, "-A INPUT -m tos ! --tos 0x10/0xf0", "tos"), 0,
	       "! tos 0x10/0xf0");
	buf[1] = 0xb9;
	is_int(match_of(AF_INET, "-A INPUT -m dscp --dscp-class EF", "dscp"), 1,
	       "dscp EF with ECN bits 01");
	is_int(match_of(AF_INET, "-A INPUT -m dscp ! --dscp 0x2e", "dscp"), 0,
	       "! dscp 0x2e");
	is_int(match_of(AF_INET, "-A INPUT -m ecn --ecn-ip-ect 1", "ecn"), 1,
	       "ecn ect 1");
	is_int(match_of(AF_INET, "-A INPUT -m ecn ! --ecn-ip-ect 1", "ecn"), 0,
	       "! ecn ect 1");

	pkt6(0xba, IPPROTO_UDP, udp, 8);
	is_int(match_of(AF_INET6, "-A INPUT -m dscp --dscp 0x2e", "dscp"), 1,
	       "IPv6 dscp from the traffic class");
	is_int(match_of(AF_INET6, "-A INPUT -m tos --tos 0xba", "tos"), 1,
	       "IPv6 tos is the traffic class");
	is_int(match_of(AF_INET6, "-A INPUT -m ecn --ecn-ip-ect 2", "ecn"), 1,
	       "IPv6 ecn ect 2");

	tcp_hdr(0x40 | 0x02);
	pkt4(0, 64, IPPROTO_TCP, tcp, 24);
	is_int(match_of(AF_INET, "-A INPUT -p tcp -m ecn --ecn-tcp-ece", "ecn"), 1,
	       "ECE set");
	is_int(match_of(AF_INET, "-A INPUT -p tcp -m ecn --ecn-tcp-cwr", "ecn"), 0,
	       "CWR not set");
	is_int(match_of(AF_INET, "-A INPUT -p tcp -m ecn ! --ecn-tcp-cwr --ecn-tcp-ece",
			"ecn"), 1, "! CWR and ECE");
	is_int(match_of(AF_INET, "-A INPUT -p tcp -m ecn --ecn-tcp-ece --ecn-ip-ect 1",
			"ecn"), 0, "ECE but not ect 1");
	pkt6(0, IPPROTO_TCP, tcp, 24);
	is_int(match_of(AF_INET6, "-A INPUT -p tcp -m ecn --ecn-tcp-ece ! --ecn-tcp-cwr",
			"ecn"), 1, "IPv6: ECE, not CWR");
	/* non-first fragments: IPv4's flags read from the payload where
	 * the TCP header would be, IPv6's from offset 0, the IPv6 header
	 * (nf_tables' transport offset is left at 0 for them) */
	pkt4(0, 64, IPPROTO_TCP, tcp, 24);
	put16(buf + 6, 3);
	is_int(match_of(AF_INET, "-A INPUT -p tcp -m ecn --ecn-tcp-ece", "ecn"), 1,
	       "IPv4 non-first fragment: ECE read from its payload");
	uint8_t fr[8 + 24] = { IPPROTO_TCP, 0, 0, 3 << 3 | 1, 0, 0, 0, 7 };
	memcpy(fr + 8, tcp, 24);
	pkt6(0, IPPROTO_FRAGMENT, fr, sizeof(fr));
	is_int(match_of(AF_INET6, "-A INPUT -p tcp -m ecn --ecn-tcp-ece", "ecn"), 0,
	       "IPv6 non-first fragment: no ECE in byte 13 of its IPv6 header");
	buf[13] = 0x40;
	is_int(match_of(AF_INET6, "-A INPUT -p tcp -m ecn --ecn-tcp-ece", "ecn"), 1,
	       "IPv6 non-first fragment: ECE's bit in byte 13 of its IPv6 header");
	/* a TCP header cut short does not match (xt_ecn's match_tcp) */
	pkt4(0, 64, IPPROTO_TCP, tcp, 12);
	is_int(match_of(AF_INET, "-A INPUT -p tcp -m ecn ! --ecn-tcp-ece", "ecn"), 0,
	       "short TCP header: no match");
}

static void test_targets4(void)
{
	static const uint8_t udp[12] = { 0x04, 0xd2, 0x00, 0x35, 0, 12, 0x12, 0x34,
					 'a', 'b', 'c', 'd' };
	static const struct { const char *args; uint8_t from, to; } tos[] = {
		{ "-j TOS --set-tos 0x10", 0xff, 0x10 },
		{ "-j TOS --set-tos Minimize-Cost", 0xc3, 0xc2 },
		{ "-j TOS --and-tos 0x0f", 0xbb, 0x0b },
		{ "-j TOS --or-tos 0x12", 0x01, 0x13 },
		{ "-j TOS --xor-tos 0xff", 0x0f, 0xf0 },
		{ "-j TOS --set-tos 0x12/0x12", 0x12, 0x12 },
		{ "-j DSCP --set-dscp-class EF", 0x03, 0xbb },
		{ "-j DSCP --set-dscp 0", 0xfe, 0x02 },
		{ "-j ECN --ecn-ip-ect 3", 0xb8, 0xbb },
		{ "-j ECN --ecn-ip-ect 0", 0x13, 0x10 },
	};
	for (size_t i = 0; i < sizeof(tos) / sizeof(tos[0]); i++) {
		pkt4(tos[i].from, 64, IPPROTO_UDP, udp, 12);
		is_int(target_of(AF_INET, tos[i].args, blen, false),
		       QT_XT_CONTINUE, "%s: continue", tos[i].args);
		is_int(buf[1], tos[i].to, "%s: 0x%02x -> 0x%02x", tos[i].args,
		       tos[i].from, tos[i].to);
		ok(sum(buf, 20) == 0xffff, "%s: header checksum holds", tos[i].args);
		ok(ev.rewritten == (tos[i].from != tos[i].to),
		   "%s: handed back when changed", tos[i].args);
		ok(ev.pkt.tos == tos[i].to, "%s: later rules see it", tos[i].args);
	}
	/* a header checksum that borrows when the DS field rises */
	for (unsigned id = 0; id < 0x10000; id++) {
		pkt4(0x00, 64, IPPROTO_UDP, udp, 12);
		put16(buf + 4, (uint16_t)id);
		put16(buf + 10, 0);
		put16(buf + 10, (uint16_t)~sum(buf, 20));
		if (buf[10] || buf[11] > 0x10)
			continue;
		unsigned before = buf[11];
		target_of(AF_INET, "-j DSCP --set-dscp-class EF", blen, false);
		ok(buf[1] == 0xb8 && sum(buf, 20) == 0xffff,
		   "DSCP EF over the checksum 0x00%02x: holds", before);
		break;
	}

	static const struct { const char *args; uint8_t from, to; } ttl[] = {
		{ "-j TTL --ttl-set 5", 64, 5 }, { "-j TTL --ttl-inc 200", 100, 255 },
		{ "-j TTL --ttl-dec 5", 3, 0 }, { "-j TTL --ttl-dec 1", 64, 63 },
		{ "-j TTL --ttl-set 7", 7, 7 },
	};
	for (size_t i = 0; i < sizeof(ttl) / sizeof(ttl[0]); i++) {
		pkt4(0, ttl[i].from, IPPROTO_UDP, udp, 12);
		target_of(AF_INET, ttl[i].args, blen, false);
		is_int(buf[8], ttl[i].to, "%s: %u -> %u", ttl[i].args,
		       ttl[i].from, ttl[i].to);
		ok(sum(buf, 20) == 0xffff, "%s: header checksum holds", ttl[i].args);
		ok(ev.rewritten == (ttl[i].from != ttl[i].to),
		   "%s: handed back when changed", ttl[i].args);
	}

	/* ECN's TCP flags: the checksum updated (kept wrong when wrong) */
	tcp_hdr(0xc0 | 0x02);
	pkt4(0, 64, IPPROTO_TCP, tcp, 24);
	tcp4_fill();
	target_of(AF_INET, "-p tcp -j ECN --ecn-tcp-remove", blen, false);
	is_int(buf[33], 0x02, "ECN --ecn-tcp-remove: ECE and CWR cleared");
	ok(tcp4_ok(), "ECN --ecn-tcp-remove: TCP checksum holds");
	tcp_hdr(0x02);
	pkt4(0x02, 64, IPPROTO_TCP, tcp, 24);
	tcp4_fill();
	buf[36] ^= 0x5a;    /* wrong on purpose */
	target_of(AF_INET, "-p tcp -j ECN --ecn-tcp-cwr 1 --ecn-ip-ect 1", blen, false);
	is_int(buf[33], 0x82, "ECN --ecn-tcp-cwr 1: CWR set");
	is_int(buf[1], 0x01, "ECN --ecn-ip-ect 1");
	ok(sum(buf, 20) == 0xffff, "ECN: header checksum holds");
	buf[36] ^= 0x5a;
	ok(tcp4_ok(), "ECN: a wrong TCP checksum stays wrong by as much");
	/* a partial checksum (the pseudo-header's sum in the field) is
	 * made whole: handed back, the packet loses its partial mark */
	tcp_hdr(0x40 | 0x10);
	pkt4(0, 64, IPPROTO_TCP, tcp, 24);
	put16(buf + 36, 0x1111);
	target_of(AF_INET, "-j TTL --ttl-set 9", blen, true);
	ok(tcp4_ok() && !ev.csum_not_ready, "TTL on a partial checksum: completed");
	tcp_hdr(0x40 | 0x10);
	pkt4(0, 64, IPPROTO_TCP, tcp, 24);
	put16(buf + 36, 0x1111);
	target_of(AF_INET, "-p tcp -j ECN --ecn-tcp-ece 0", blen, true);
	ok(buf[33] == 0x10 && tcp4_ok(), "ECN on a partial checksum: completed");
	/* the copy holds part of the packet: left alone */
	pkt4(0, 64, IPPROTO_UDP, udp, 12);
	target_of(AF_INET, "-j TTL --ttl-set 9", 24, false);
	ok(buf[8] == 64 && !ev.rewritten, "TTL on a cut copy: left alone");
	target_of(AF_INET, "-j DSCP --set-dscp 9", 24, false);
	ok(buf[1] == 0 && !ev.rewritten, "DSCP on a cut copy: left alone");
	/* a TCP packet too short for its header: ECN drops it as the kernel */
	pkt4(0, 64, IPPROTO_TCP, tcp, 10);
	is_int(target_of(AF_INET, "-p tcp -j ECN --ecn-tcp-remove", blen, false),
	       QT_XT_DROP, "ECN: TCP header cut short: dropped");
}

static void test_targets6(void)
{
	static const uint8_t udp[8] = { 0x04, 0xd2, 0x00, 0x35, 0, 8, 0, 0 };
	static const struct { const char *args; uint8_t from, to; } tc[] = {
		{ "-j TOS --set-tos 0x10", 0xff, 0x10 },
		{ "-j TOS --xor-tos 0xff", 0x0f, 0xf0 },
		{ "-j DSCP --set-dscp-class EF", 0x03, 0xbb },
		{ "-j DSCP --set-dscp 0x3f", 0x01, 0xfd },
	};
	for (size_t i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		pkt6(tc[i].from, IPPROTO_UDP, udp, 8);
		target_of(AF_INET6, tc[i].args, blen, false);
		uint8_t now = (uint8_t)(buf[0] << 4 | buf[1] >> 4);
		is_int(now, tc[i].to, "IPv6 %s: 0x%02x -> 0x%02x", tc[i].args,
		       tc[i].from, tc[i].to);
		ok(buf[0] >> 4 == 6 && (buf[1] & 0x0f) == 0x0a && buf[2] == 0xbc &&
		   buf[3] == 0xde, "IPv6 %s: version and flow label kept",
		   tc[i].args);
	}
}

int main(void)
{
	test_matches();
	test_targets4();
	test_targets6();
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
