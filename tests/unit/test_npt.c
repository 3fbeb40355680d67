/* DNPT and SNPT (extensions/DNPT.c, SNPT.c, extensions/lib/npt.c):
 * the translation against RFC 6296's own example, against addresses
 * mapped by the RFC's algorithm as written in
 * tests/unit/gen_npt_vectors.py (sums modulo 0xffff, not folding), and
 * against what the kernel's ip6t_NPT made of the same packets (Linux
 * 6.18, ip6tables-nft 1.8.9; the script checks the two agree before it
 * prints a case). Then what the target does to a packet: checksums
 * left valid, a partial checksum completed, a short copy dropped. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "eval.h"
#include "ext.h"
#include "npt.h"
#include "qt_test.h"
#include "tap.h"

static struct qt_ruleset *rs;

/* The target of "ip6tables -t mangle -A CHAIN -j T ..." as a program
 * hands it. */
static struct qt_ext_inst *target(const char *chain, const char *rule)
{
	struct qt_test_result r;
	char cmd[512];
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	rs = qt_ruleset_new(AF_INET6);
	snprintf(cmd, sizeof(cmd), "-t mangle -A %s %s", chain, rule);
	int st = qt_test_cmd(&rs, cmd, &r);
	is_int(st, 0, "ip6tables %s", cmd);
	if (st)
		printf("#   %s", qt_buf_str(&r.err));
	qt_test_result_free(&r);
	if (st)
		return NULL;
	struct qt_chain *c = qt_table_chain(rs->tables[QT_TABLE_MANGLE], chain);
	return qt_test_run(&c->rules[c->nrules - 1]->target);
}

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	for (; s[0] && s[1] && n < max; s += 2) {
		unsigned v;
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = 0;
}

static uint32_t sum16(uint32_t s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Does the transport checksum of the IPv6 packet (no extension
 * headers) hold? */
static bool l4_csum_ok(const uint8_t *p, size_t n)
{
	uint32_t s = sum16(0, p + 8, 32);
	s += (uint32_t)(n - 40) + p[6];
	return sum16(s, p + 40, n - 40) == 0xffff;
}

/* ---- RFC 6296, section 3.6's example ---- */

static void test_rfc_example(void)
{
	/* internal fd01:203:405::/48 seen outside as 2001:db8:1::/48:
	 * the subnet 0x0001 becomes 0xd550 */
	struct qt_npt_data d = { .src_len = 48, .dst_len = 48 };
	uint8_t a[16], want[16];
	inet_pton(AF_INET6, "fd01:203:405::", d.src_pfx);
	inet_pton(AF_INET6, "2001:db8:1::", d.dst_pfx);
	d.adjustment = qt_npt_adjustment(d.src_pfx, d.dst_pfx);
	inet_pton(AF_INET6, "fd01:203:405:1::1234", a);
	inet_pton(AF_INET6, "2001:db8:1:d550::1234", want);
	ok(qt_npt_map(&d, a) && !memcmp(a, want, 16),
	   "RFC 6296 example: fd01:203:405:1::1234 -> 2001:db8:1:d550::1234");
	/* and back, with the prefixes swapped */
	struct qt_npt_data r = { .src_len = 48, .dst_len = 48 };
	memcpy(r.src_pfx, d.dst_pfx, 16);
	memcpy(r.dst_pfx, d.src_pfx, 16);
	r.adjustment = qt_npt_adjustment(r.src_pfx, r.dst_pfx);
	inet_pton(AF_INET6, "fd01:203:405:1::1234", want);
	ok(qt_npt_map(&r, a) && !memcmp(a, want, 16),
	   "RFC 6296 example: and back to fd01:203:405:1::1234");
}

/* ---- packets through the kernel (gen_npt_vectors.py) ---- */

static const char *const rules[] = {
	"-j DNPT --src-pfx 2001:db8:1::/48 --dst-pfx fd01:203:405::/48",
	"-j DNPT --src-pfx 2001:db8:2:3::/64 --dst-pfx fd00:aaaa:bbbb:cccc::/64",
	"-j DNPT --src-pfx 2001:db8:3:400::/56 --dst-pfx fd00:3:4:5f0::/60",
	"-j DNPT --src-pfx 2001:db8::/32 --dst-pfx fd44:4400::/40",
	"-j SNPT --src-pfx fd01:203:405::/48 --dst-pfx 2001:db8:1::/48",
	"-j SNPT --src-pfx fd03:1:2:3::/64 --dst-pfx 2001:db8:a:b::/64",
};

/* rule, packet sent, packet the kernel let out ("": dropped) */
static const struct {
	unsigned rule;
	const char *in, *out;
} vec[] = {
	{ 0, "60000000000e1140fd99000000000000000000000000000120010db80001000100000000000012349c401b58000ef7de6e7074303030",
	  "60000000000e1140fd990000000000000000000000000001fd01020304052ab100000000000012349c401b58000ef7de6e7074303030" },
	{ 0, "60000000000e1140fd99000000000000000000000000000120010db80001ffff00000000000000019c401b59000e0a116e7074303031",
	  "60000000000e1140fd990000000000000000000000000001fd01020304052ab000000000000000019c401b59000e0a116e7074303031" },
	{ 0, "60000000001a0640fd99000000000000000000000000000120010db800010000ffffffffffffffff9c401b5a00000001000000005002faf0bf2800006e7074303032",
	  "60000000001a0640fd990000000000000000000000000001fd01020304052ab0ffffffffffffffff9c401b5a00000001000000005002faf0bf2800006e7074303032" },
	{ 1, "60000000000e1140fd99000000000000000000000000000120010db80002000300000000000000019c401b5b000e0a096e7074303033",
	  "60000000000e1140fd990000000000000000000000000001fd00aaaabbbbccccfd890000000000019c401b5b000e0a096e7074303033" },
	{ 1, "60000000001a0640fd99000000000000000000000000000120010db800020003ffff0000000000019c401b5c00000001000000005002faf0bf1f00006e7074303034",
	  "60000000001a0640fd990000000000000000000000000001fd00aaaabbbbccccfffffd89000000019c401b5c00000001000000005002faf0bf1f00006e7074303034" },
	{ 1, "60000000000e3a40fd99000000000000000000000000000120010db800020003ffffffff00010002800026271b5d00016e7074303035",
	  "60000000000e3a40fd990000000000000000000000000001fd00aaaabbbbccccfffffffffd8a0002800026271b5d00016e7074303035" },
	{ 1, "60000000000e1140fd99000000000000000000000000000120010db800020003ffffffffffff00079c401b5e000e09fd6e7074303036",
	  "60000000000e1140fd990000000000000000000000000001fd00aaaabbbbccccfffffffffffffd909c401b5e000e09fd6e7074303036" },
	{ 1, "60000000000e1140fd99000000000000000000000000000120010db800020003ffffffffffffffff9c401b5f000e0a026e7074303037",
	  "" },
	{ 2, "60000000000e1140fd99000000000000000000000000000120010db8000304ab00010002000300049c401b60000e054d6e7074303038",
	  "60000000000e1140fd990000000000000000000000000001fd000003000405fb2ec50002000300049c401b60000e054d6e7074303038" },
	{ 2, "60000000001a0640fd99000000000000000000000000000120010db8000304ffffff0000000000019c401b6100000001000000005002faf0ba1800006e7074303039",
	  "60000000001a0640fd990000000000000000000000000001fd000003000405ffffff2ec4000000019c401b6100000001000000005002faf0ba1800006e7074303039" },
	{ 3, "60000000000e1140fd99000000000000000000000000000120010db80004000500060007000800099c401b62000e08e46e7074303130",
	  "60000000000e1140fd990000000000000000000000000001fd4444000004ec7800060007000800099c401b62000e08e46e7074303130" },
	{ 3, "60000000000e3a40fd99000000000000000000000000000120010db8ffffffff00000000000000008000252d1b6300016e7074303131",
	  "60000000000e3a40fd990000000000000000000000000001fd44440000ffec7300000000000000008000252d1b6300016e7074303131" },
	{ 4, "60000000000e1140fd010203040500010000000000001234fd9900000000000000000000000000029c401b64000e21806e7074303132",
	  "60000000000e114020010db80001d5500000000000001234fd9900000000000000000000000000029c401b64000e21806e7074303132" },
	{ 4, "60000000001a0640fd010203040500020000000000000009fd9900000000000000000000000000029c401b6500000001000000005002faf0e8c000006e7074303133",
	  "60000000001a064020010db80001d5510000000000000009fd9900000000000000000000000000029c401b6500000001000000005002faf0e8c000006e7074303133" },
	{ 5, "60000000000e1140fd030001000200030000000000000001fd9900000000000000000000000000029c401b66000e39b06e7074303134",
	  "60000000000e114020010db8000a000bcf3b000000000001fd9900000000000000000000000000029c401b66000e39b06e7074303134" },
	{ 5, "60000000000e1140fd03000100020003fffffffffffffffffd9900000000000000000000000000029c401b67000e39af6e7074303135",
	  "" },
	{ 5, "60000000000e3a40fd03000100020003fffffffffffffffefd990000000000000000000000000002800055d21b6800016e7074303136",
	  "60000000000e3a4020010db8000a000bffffffffffffcf3afd990000000000000000000000000002800055d21b6800016e7074303136" },
	{ 0, "60000000000e1140fd99000000000000000000000000000120010db80001d54f00000000000000059c401b69000e33a76e7074303137",
	  "60000000000e1140fd990000000000000000000000000001fd0102030405000000000000000000059c401b69000e33a76e7074303137" },
};

static int run(const struct qt_ext_inst *t, uint8_t *buf, uint32_t n,
	       uint32_t orig, bool not_ready, unsigned hook, struct qt_eval *ev)
{
	qt_eval_init(ev, buf, n, n, orig, hook, NULL);
	ev->csum_not_ready = not_ready;
	return t->ext->target(t, ev);
}

static void test_kernel_vectors(void)
{
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		uint8_t in[256], want[256], buf[256];
		char got[600];
		uint32_t n = (uint32_t)unhex(vec[i].in, in, sizeof(in));
		uint32_t wn = (uint32_t)unhex(vec[i].out, want, sizeof(want));
		bool snpt = vec[i].rule >= 4;
		unsigned hook = snpt ? QT_HOOK_POST_ROUTING : QT_HOOK_PRE_ROUTING;
		const struct qt_ext_inst *t =
			target(snpt ? "POSTROUTING" : "PREROUTING",
			       rules[vec[i].rule]);
		if (!t)
			continue;
		struct qt_eval ev;
		memcpy(buf, in, n);
		int vd = run(t, buf, n, n, false, hook, &ev);
		if (!wn) {
			is_int(vd, QT_XT_DROP, "vector %zu (%s): dropped as the "
			       "kernel drops it", i, rules[vec[i].rule]);
			continue;
		}
		tohex(buf, n, got);
		is_int(vd, QT_XT_CONTINUE, "vector %zu: continues", i);
		is_str(got, vec[i].out, "vector %zu (%s): the kernel's bytes", i,
		       rules[vec[i].rule]);
		/* the kernel adjusts for the prefixes, not for the bits
		 * between two lengths, which it overwrites: where they
		 * change, its checksum goes wrong too */
		bool same_len = vec[i].rule != 2 && vec[i].rule != 3;
		bool kernel_ok = l4_csum_ok(want, wn);
		ok(!same_len || kernel_ok,
		   "vector %zu: the kernel's checksum valid", i);
		ok(ev.rewritten && l4_csum_ok(buf, n) == kernel_ok,
		   "vector %zu: rewritten, transport checksum %s", i,
		   kernel_ok ? "still valid" : "as wrong as the kernel's");
		char a[INET6_ADDRSTRLEN], w[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, snpt ? &ev.pkt.saddr.v6 : &ev.pkt.daddr.v6,
			  a, sizeof(a));
		inet_ntop(AF_INET6, buf + (snpt ? 8 : 24), w, sizeof(w));
		is_str(a, w, "vector %zu: later rules see the new address", i);

		/* "checksum not ready": the field holds the pseudo-header's
		 * sum; the packet handed back must carry the whole checksum,
		 * the one the kernel's stack would have completed */
		unsigned at = in[6] == 6 ? 16 : in[6] == 17 ? 6 : 0;
		if (at) {
			memcpy(buf, in, n);
			uint32_t s = sum16(0, in + 8, 32) + (n - 40) + in[6];
			s = sum16(s, (const uint8_t *)"", 0);
			buf[40 + at] = (uint8_t)(s >> 8);
			buf[41 + at] = (uint8_t)s;
			run(t, buf, n, n, true, hook, &ev);
			tohex(buf, n, got);
			is_str(got, vec[i].out, "vector %zu, checksum not ready: "
			       "completed to the kernel's bytes", i);
			ok(!ev.csum_not_ready, "vector %zu: checksum now complete",
			   i);
		}

		/* a copy shorter than the packet cannot go back whole */
		memcpy(buf, in, n);
		vd = run(t, buf, n, n + 100, false, hook, &ev);
		ok(vd == QT_XT_DROP && !ev.rewritten,
		   "vector %zu: a short copy is dropped, not cut", i);
	}
}

/* Every interface identifier word 0xffff is what fails; a word
 * summing to 0xffff is written 0 (checked above against the kernel);
 * an IPv4 packet is not the target's. */
static void test_edges(void)
{
	const struct qt_ext_inst *t = target("PREROUTING", rules[1]);
	if (!t)
		return;
	uint8_t p[40] = { 0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 17 };
	struct qt_eval ev;
	int vd = run(t, p, 40, 40, false, QT_HOOK_PRE_ROUTING, &ev);
	ok(vd == QT_XT_CONTINUE && !ev.rewritten, "IPv4 packet left alone");

	/* a /0 to /0 rule maps nothing and adjusts by 0: the address
	 * keeps its value (0xffff words become 0) */
	struct qt_npt_data z = { 0 };
	uint8_t a[16], want[16];
	inet_pton(AF_INET6, "2001:db8:1:ffff::1", a);
	inet_pton(AF_INET6, "2001:db8:1:0::1", want);
	ok(qt_npt_map(&z, a) && !memcmp(a, want, 16),
	   "::/0 to ::/0: 0xffff written as 0, nothing else changes");
}

int main(void)
{
	test_rfc_example();
	test_kernel_vectors();
	test_edges();
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
