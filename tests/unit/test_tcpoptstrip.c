/* The engine side of TCPOPTSTRIP: rules typed as iptables/ip6tables
 * commands, segments built here as bytes with their options, the
 * target run on them. The options are walked as xt_TCPOPTSTRIP walks
 * them (EOL ends nothing, a length of 0 steps one byte, an option
 * running past the header ends the walk, the header's last byte is
 * never read as a kind), each listed option's bytes become NOPs, and
 * the checksum holds after (stays wrong by as much as it was; is
 * completed when partial). Malformed headers drop, non-first
 * fragments and short copies are left alone. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "csum.h"
#include "eval.h"
#include "ext.h"
#include "qt_test.h"
#include "tap.h"

static uint8_t buf[2048];
static uint32_t blen, thoff;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* An IPv4 packet carrying a TCP header with opts[0..n) (n a multiple
 * of 4) and payload bytes of data, its checksums whole. */
static void seg4(const uint8_t *opts, uint32_t n, uint32_t payload)
{
	memset(buf, 0, sizeof(buf));
	thoff = 20;
	blen = 20 + 20 + n + payload;
	buf[0] = 0x45;
	put16(buf + 2, (uint16_t)blen);
	buf[8] = 64;
	buf[9] = IPPROTO_TCP;
	inet_pton(AF_INET, "10.0.0.1", buf + 12);
	inet_pton(AF_INET, "10.0.0.2", buf + 16);
	put16(buf + 10, (uint16_t)~qt_csum_fold(qt_csum_add(0, buf, 20)));
	uint8_t *th = buf + thoff;
	put16(th, 40000);
	put16(th + 2, 80);
	th[12] = (uint8_t)((20 + n) / 4 << 4);
	th[13] = 0x02;
	put16(th + 14, 64240);
	memcpy(th + 20, opts, n);
	for (uint32_t i = 0; i < payload; i++)
		th[20 + n + i] = (uint8_t)(i * 7 + 3);
	qt_csum_l4_whole(buf, th, blen - thoff, IPPROTO_TCP, 16, false);
}

/* The same over IPv6, with a destination options header of 8 bytes
 * before the segment. */
static void seg6(const uint8_t *opts, uint32_t n)
{
	memset(buf, 0, sizeof(buf));
	thoff = 48;
	blen = 48 + 20 + n;
	buf[0] = 0x60;
	put16(buf + 4, (uint16_t)(blen - 40));
	buf[6] = IPPROTO_DSTOPTS;
	buf[7] = 64;
	inet_pton(AF_INET6, "2001:db8::1", buf + 8);
	inet_pton(AF_INET6, "2001:db8::2", buf + 24);
	buf[40] = IPPROTO_TCP;      /* next header; length 0: 8 bytes */
	buf[42] = 1;                /* PadN of 4 */
	buf[43] = 4;
	uint8_t *th = buf + thoff;
	put16(th, 40000);
	put16(th + 2, 443);
	th[12] = (uint8_t)((20 + n) / 4 << 4);
	th[13] = 0x12;
	memcpy(th + 20, opts, n);
	qt_csum_l4_whole(buf, th, blen - thoff, IPPROTO_TCP, 16, false);
}

/* What the TCP checksum of the packet sums to over its pseudo-header
 * and segment: 0xffff when it holds. */
static uint16_t tcp_sum(void)
{
	uint8_t ph[40];
	uint32_t n = blen - thoff, s;
	if ((buf[0] >> 4) == 4) {
		memcpy(ph, buf + 12, 8);
		ph[8] = 0;
		ph[9] = IPPROTO_TCP;
		put16(ph + 10, (uint16_t)n);
		s = qt_csum_add(0, ph, 12);
	} else {
		memcpy(ph, buf + 8, 32);
		s = qt_csum_add(0, ph, 32);
		s += n + IPPROTO_TCP;
	}
	return qt_csum_fold(qt_csum_add(s, buf + thoff, n));
}

static struct qt_ruleset *rs;
static struct qt_eval ev;

/* Run the target of "-t mangle -A FORWARD -p tcp -j TCPOPTSTRIP ARGS"
 * on buf, the queue's copy copylen bytes (0: all), the checksum
 * partial or not. */
static int strip(uint8_t family, const char *args, uint32_t copylen,
		 bool partial)
{
	char cmd[256];
	struct qt_test_result r;
	snprintf(cmd, sizeof(cmd),
		 "-t mangle -A FORWARD -p tcp -j TCPOPTSTRIP %s", args);
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	rs = qt_ruleset_new(family);
	if (qt_test_cmd(&rs, cmd, &r) != 0) {
		printf("# %s: %s", cmd, r.err.data ? r.err.data : "");
		qt_test_result_free(&r);
		ok(0, "rule refused: %s", cmd);
		return -1;
	}
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(rs->tables[QT_TABLE_MANGLE],
					    "FORWARD");
	struct qt_ext_inst *in = qt_test_run(&c->rules[c->nrules - 1]->target);
	qt_eval_init(&ev, buf, copylen ? copylen : blen, sizeof(buf), blen,
		     QT_HOOK_FORWARD, NULL);
	ev.csum_not_ready = partial;
	return in->ext->target(in, &ev);
}

/* The options after the run equal want[0..n). */
static bool opts_are(const uint8_t *want, uint32_t n)
{
	return !memcmp(buf + thoff + 20, want, n);
}

/* Linux's SYN: MSS 1460, SACK permitted, timestamps, NOP, wscale 7. */
static const uint8_t linux_syn[20] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0,
	1, 3, 3, 7,
};

static void test_names(void)
{
	seg4(linux_syn, 20, 0);
	is_int(strip(AF_INET, "--strip-options sack-permitted,timestamp", 0,
		     false), QT_XT_CONTINUE, "SYN: continue");
	static const uint8_t w1[20] = { 2, 4, 0x05, 0xb4, 1, 1, 1, 1, 1, 1,
					 1, 1, 1, 1, 1, 1, 1, 3, 3, 7 };
	ok(opts_are(w1, 20), "sack-permitted and timestamp are NOPs");
	ok(ev.rewritten, "marked rewritten");
	is_int(tcp_sum(), 0xffff, "checksum holds");

	seg4(linux_syn, 20, 0);
	strip(AF_INET, "--strip-options mss,wscale", 0, false);
	static const uint8_t w2[20] = { 1, 1, 1, 1, 4, 2, 8, 10, 0, 0, 0x12,
					 0x34, 0, 0, 0, 0, 1, 1, 1, 1 };
	ok(opts_are(w2, 20), "mss and wscale (at an odd offset) are NOPs");
	is_int(tcp_sum(), 0xffff, "checksum holds over odd bytes");

	seg4(linux_syn, 20, 0);
	strip(AF_INET, "--strip-options sack,md5,30", 0, false);
	ok(opts_are(linux_syn, 20) && !ev.rewritten,
	   "none listed there: untouched, not rewritten");

	seg4(linux_syn, 20, 0);
	strip(AF_INET, "", 0, false);
	ok(opts_are(linux_syn, 20) && !ev.rewritten, "empty map: untouched");
}

static void test_kinds(void)
{
	/* md5 (19, 18 bytes), kind 30 of 6, SACK blocks, EOL padding */
	uint8_t o[40] = { 19, 18 };
	for (int i = 2; i < 18; i++)
		o[i] = (uint8_t)(0xa0 + i);
	o[18] = 30; o[19] = 6; o[20] = 0xde; o[21] = 0xad; o[22] = 0xbe;
	o[23] = 0xef;
	o[24] = 1; o[25] = 1; o[26] = 5; o[27] = 10;
	for (int i = 28; i < 36; i++)
		o[i] = (uint8_t)(0x10 + i);
	o[36] = 0; o[37] = 0; o[38] = 0; o[39] = 0;
	seg4(o, 40, 100);
	strip(AF_INET, "--strip-options 19,30", 0, false);
	uint8_t w[40];
	memcpy(w, o, 40);
	memset(w, 1, 24);
	ok(opts_are(w, 40), "md5 and 30 stripped, SACK kept (with data)");
	is_int(tcp_sum(), 0xffff, "checksum holds");
	seg4(o, 40, 100);
	strip(AF_INET, "--strip-options sack", 0, false);
	memcpy(w, o, 40);
	memset(w + 26, 1, 10);
	ok(opts_are(w, 40), "SACK blocks stripped at an even offset");
	is_int(tcp_sum(), 0xffff, "checksum holds");
}

static void test_walk(void)
{
	/* EOL ends nothing: the MSS after it is still found */
	static const uint8_t eol[8] = { 0, 2, 4, 5, 0xb4, 0, 0, 0 };
	seg4(eol, 8, 0);
	strip(AF_INET, "--strip-options mss", 0, false);
	static const uint8_t weol[8] = { 0, 1, 1, 1, 1, 0, 0, 0 };
	ok(opts_are(weol, 8), "an option after EOL is stripped too");
	is_int(tcp_sum(), 0xffff, "checksum holds");

	/* a length of 0 steps one byte: the listed kind's byte alone */
	static const uint8_t zero[8] = { 5, 0, 2, 4, 5, 0xb4, 0, 0 };
	seg4(zero, 8, 0);
	strip(AF_INET, "--strip-options sack,mss", 0, false);
	static const uint8_t wzero[8] = { 1, 0, 1, 1, 1, 1, 0, 0 };
	ok(opts_are(wzero, 8), "length 0: one byte stripped, walk goes on");
	is_int(tcp_sum(), 0xffff, "checksum holds");

	/* a length of 1 of a listed kind: that byte */
	static const uint8_t one[4] = { 30, 1, 30, 1 };
	seg4(one, 4, 0);
	strip(AF_INET, "--strip-options 30", 0, false);
	static const uint8_t wone[4] = { 1, 1, 1, 1 };
	ok(opts_are(wone, 4), "length 1: one byte each");

	/* an option running past the header ends the walk untouched */
	static const uint8_t past[8] = { 8, 10, 1, 2, 3, 4, 2, 4 };
	seg4(past, 8, 0);
	strip(AF_INET, "--strip-options timestamp,mss", 0, false);
	ok(opts_are(past, 8) && !ev.rewritten,
	   "an option past the header: walk ends, nothing stripped");
	static const uint8_t past2[8] = { 2, 4, 5, 0xb4, 1, 8, 10, 0 };
	seg4(past2, 8, 0);
	strip(AF_INET, "--strip-options timestamp,mss", 0, false);
	static const uint8_t wpast2[8] = { 1, 1, 1, 1, 1, 8, 10, 0 };
	ok(opts_are(wpast2, 8), "what comes before such an option is stripped");

	/* the last byte is never read as a kind */
	static const uint8_t last[4] = { 1, 1, 1, 19 };
	seg4(last, 4, 0);
	strip(AF_INET, "--strip-options md5", 0, false);
	ok(opts_are(last, 4) && !ev.rewritten,
	   "a kind in the header's last byte is not stripped");

	/* an option's length reaching exactly the header's end */
	static const uint8_t exact[4] = { 1, 30, 3, 9 };
	seg4(exact, 4, 0);
	strip(AF_INET, "--strip-options 30", 0, false);
	static const uint8_t wexact[4] = { 1, 1, 1, 1 };
	ok(opts_are(wexact, 4), "an option ending at the header's end");
	is_int(tcp_sum(), 0xffff, "checksum holds");
}

static void test_checksums(void)
{
	/* wrong by 0x1111: still wrong by as much after */
	seg4(linux_syn, 20, 0);
	uint8_t *th = buf + thoff;
	put16(th + 16, (uint16_t)(get16(th + 16) + 0x1111));
	uint16_t before = tcp_sum();
	strip(AF_INET, "--strip-options timestamp", 0, false);
	is_int(tcp_sum(), before, "a wrong checksum stays wrong by as much");

	/* a checksum field of 0xffff is never the result */
	seg4(linux_syn, 20, 0);
	put16(th + 16, 0xffff);
	strip(AF_INET, "--strip-options wscale", 0, false);
	ok(get16(th + 16) != 0xffff, "the updated field is never 0xffff");

	/* partial: the pseudo-header's sum only; completed */
	seg4(linux_syn, 20, 0);
	put16(th + 16, 0x1234);
	strip(AF_INET, "--strip-options timestamp", 0, true);
	is_int(tcp_sum(), 0xffff, "a partial checksum is completed");
	ok(!ev.csum_not_ready, "and no longer partial");
	seg4(linux_syn, 20, 0);
	put16(th + 16, 0x1234);
	strip(AF_INET, "--strip-options md5", 0, true);
	is_int(get16(th + 16), 0x1234, "nothing stripped: partial left as is");
}

static void test_malformed(void)
{
	uint8_t *th = buf + thoff;
	seg4(linux_syn, 20, 0);
	th[12] = 0x40;
	is_int(strip(AF_INET, "", 0, false), QT_XT_DROP,
	       "data offset 4: dropped (empty map too)");
	seg4(linux_syn, 20, 0);
	th[12] = 0xb0;
	is_int(strip(AF_INET, "--strip-options mss", 0, false), QT_XT_DROP,
	       "header longer than the packet: dropped");
	seg4(linux_syn, 20, 0);
	blen = 20 + 16;
	put16(buf + 2, (uint16_t)blen);
	is_int(strip(AF_INET, "--strip-options mss", 0, false), QT_XT_DROP,
	       "16 bytes of TCP header: dropped");

	/* a non-first fragment: its payload is no TCP header */
	seg4(linux_syn, 20, 0);
	put16(buf + 6, 0x0003);
	put16(buf + 10, 0);
	put16(buf + 10, (uint16_t)~qt_csum_fold(qt_csum_add(0, buf, 20)));
	is_int(strip(AF_INET, "--strip-options mss", 0, false), QT_XT_CONTINUE,
	       "non-first fragment: continue");
	ok(opts_are(linux_syn, 20), "and unchanged");
	put16(buf + 6, 0x0003);
	th[12] = 0x40;
	is_int(strip(AF_INET, "--strip-options mss", 0, false), QT_XT_CONTINUE,
	       "non-first fragment with a bad offset byte: not dropped");

	/* a copy shorter than the packet is left (it would be cut) */
	seg4(linux_syn, 20, 200);
	is_int(strip(AF_INET, "--strip-options mss", 80, false),
	       QT_XT_CONTINUE, "short copy: continue");
	ok(opts_are(linux_syn, 20) && !ev.rewritten, "and unchanged");
}

static void test_ipv6(void)
{
	seg6(linux_syn, 20);
	is_int(strip(AF_INET6, "--strip-options sack-permitted,timestamp,wscale",
		     0, false), QT_XT_CONTINUE, "IPv6: continue");
	static const uint8_t w[20] = { 2, 4, 0x05, 0xb4, 1, 1, 1, 1, 1, 1,
					1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	ok(opts_are(w, 20), "IPv6: options after the extension header");
	is_int(tcp_sum(), 0xffff, "IPv6 checksum holds");
	ok(buf[42] == 1 && buf[43] == 4, "the extension header untouched");

	seg6(linux_syn, 20);
	buf[thoff + 12] = 0xf0;
	is_int(strip(AF_INET6, "--strip-options mss", 0, false), QT_XT_DROP,
	       "IPv6: header past the packet dropped");
}

int main(void)
{
	test_names();
	test_kinds();
	test_walk();
	test_checksums();
	test_malformed();
	test_ipv6();
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
