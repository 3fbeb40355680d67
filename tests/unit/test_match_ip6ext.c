/* The engine side of ip6tables' extension-header matches and of hl,
 * HL and eui64: rules typed as ip6tables commands, IPv6 packets built
 * here as bytes with their chains of extension headers, each match
 * asked for a verdict. As the kernel's ip6t_* matches, a header that
 * is not there does not match, and one that cannot be read (the
 * queue's copy ends before or inside it, while the packet goes on)
 * drops the packet (hotdrop); -m srh never drops. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "eval.h"
#include "ext.h"
#include "qt_test.h"
#include "tap.h"

/* ---- packets ---- */

static uint8_t buf[2048];
static uint32_t blen;

/* An IPv6 packet: the fixed header (next header nh, hop limit 64)
 * followed by body[0..n). */
static void pkt6(uint8_t nh, const uint8_t *body, uint32_t n)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x60;
	buf[4] = (uint8_t)(n >> 8);
	buf[5] = (uint8_t)n;
	buf[6] = nh;
	buf[7] = 64;
	inet_pton(AF_INET6, "2001:db8::211:22ff:fe33:4455", buf + 8);
	inet_pton(AF_INET6, "2001:db8::2", buf + 24);
	if (n)
		memcpy(buf + 40, body, n);
	blen = 40 + n;
}

/* An IPv4 packet of protocol proto carrying body[0..n). */
static void pkt4(uint8_t proto, const uint8_t *body, uint32_t n)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x45;
	buf[3] = (uint8_t)(20 + n);
	buf[8] = 64;
	buf[9] = proto;
	inet_pton(AF_INET, "10.0.0.1", buf + 12);
	inet_pton(AF_INET, "10.0.0.2", buf + 16);
	if (n)
		memcpy(buf + 20, body, n);
	blen = 20 + n;
}

static const uint8_t UDP[8] = { 0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0, 0 };

/* ---- rules ---- */

static struct qt_ruleset *rs;
static struct qt_ext_inst *inst;

/* "ip6tables [-t TABLE] -A CHAIN ..." (or iptables with family 4) into a
 * fresh ruleset; inst = the match named ext, or the target if ext is
 * NULL. */
static struct qt_ext_inst *rule_fam(uint8_t family, unsigned table,
				    const char *chain, const char *cmd,
				    const char *ext)
{
	struct qt_test_result r;
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	rs = qt_ruleset_new(family);
	inst = NULL;
	if (qt_test_cmd(&rs, cmd, &r) != 0) {
		printf("# %s: %s", cmd, r.err.data ? r.err.data : "");
		qt_test_result_free(&r);
		ok(0, "rule refused: %s", cmd);
		return NULL;
	}
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(rs->tables[table], chain);
	struct qt_rule *ru = c->rules[c->nrules - 1];
	if (!ext)
		inst = &ru->target;
	for (unsigned i = 0; ext && i < ru->nmatches; i++)
		if (!strcmp(ru->matches[i].ext->name, ext))
			inst = &ru->matches[i];
	if (inst)
		inst = qt_test_run(inst);
	return inst;
}

static struct qt_ext_inst *rule(const char *cmd, const char *ext)
{
	return rule_fam(AF_INET6, QT_TABLE_FILTER, "INPUT", cmd, ext);
}

static bool hot;
static const uint8_t *hw;    /* the frame's source MAC, or NULL */

/* The match's verdict on buf as a copy of copylen bytes; hot = the
 * packet was dropped. */
static int judge_at(uint32_t copylen)
{
	struct qt_eval ev;
	if (!inst)
		return -1;
	qt_eval_init(&ev, buf, copylen, sizeof(buf), blen, QT_HOOK_LOCAL_IN,
		     NULL);
	if (hw) {
		memcpy(ev.hwaddr, hw, 6);
		ev.hwaddr_len = 6;
		ev.indev = 2;
	}
	bool m = inst->ext->match(inst, &ev);
	hot = ev.hotdrop;
	return m;
}

#define MATCH(what) do { is_int(judge_at(blen), 1, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)
#define NOMATCH(what) do { is_int(judge_at(blen), 0, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)
#define DROPPED_AT(n, what) do { is_int(judge_at(n), 0, "%s", what); \
	ok(hot, "%s: dropped", what); } while (0)
#define NOMATCH_AT(n, what) do { is_int(judge_at(n), 0, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)

/* ---- hl, HL ---- */

static void test_hl(void)
{
	pkt6(IPPROTO_UDP, UDP, 8);
	rule("-A INPUT -m hl --hl-lt 65", "hl");
	MATCH("hl 64 < 65");
	rule("-A INPUT -m hl --hl-gt 64", "hl");
	NOMATCH("hl 64 > 64");
	rule("-A INPUT -m hl ! --hl-eq 63", "hl");
	MATCH("hl 64 != 63");
	rule("-A INPUT -m hl --hl-eq 64", "hl");
	MATCH("hl 64 == 64");

	static const struct { const char *opt; uint8_t from, to; } cases[] = {
		{ "--hl-set 42", 64, 42 }, { "--hl-inc 200", 100, 255 },
		{ "--hl-inc 1", 1, 2 }, { "--hl-dec 5", 3, 0 },
		{ "--hl-dec 1", 64, 63 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "-t mangle -A PREROUTING -j HL %s",
			 cases[i].opt);
		struct qt_ext_inst *t = rule_fam(AF_INET6, QT_TABLE_MANGLE,
						 "PREROUTING", cmd, NULL);
		if (!t)
			continue;
		pkt6(IPPROTO_UDP, UDP, 8);
		buf[7] = cases[i].from;
		struct qt_eval ev;
		qt_eval_init(&ev, buf, blen, sizeof(buf), blen,
			     QT_HOOK_PRE_ROUTING, NULL);
		is_int(t->ext->target(t, &ev), QT_XT_CONTINUE, "HL %s: continue",
		       cases[i].opt);
		is_int(buf[7], cases[i].to, "HL %s: %u -> %u", cases[i].opt,
		       cases[i].from, cases[i].to);
		ok(ev.pkt.ttl == cases[i].to, "HL %s: later rules see it",
		   cases[i].opt);
		ok(ev.rewritten == (cases[i].from != cases[i].to),
		   "HL %s: sent back when changed", cases[i].opt);
	}
}

/* ---- frag ---- */

/* A fragment header (next header UDP) of offset fo (8-byte units), M
 * flag more, identification id, reserved bits res (the two below M). */
static void frag_pkt(uint16_t fo, bool more, uint32_t id, uint8_t res)
{
	uint8_t b[16] = { IPPROTO_UDP, 0 };
	uint16_t v = (uint16_t)(fo << 3 | (res & 3) << 1 | more);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	b[4] = (uint8_t)(id >> 24);
	b[5] = (uint8_t)(id >> 16);
	b[6] = (uint8_t)(id >> 8);
	b[7] = (uint8_t)id;
	memcpy(b + 8, UDP, 8);
	pkt6(IPPROTO_FRAGMENT, b, 16);
}

static void test_frag(void)
{
	rule("-A INPUT -m frag --fragid 1:42", "frag");
	frag_pkt(0, true, 5, 0);
	MATCH("frag id 5 in 1:42");
	frag_pkt(0, true, 50, 0);
	NOMATCH("frag id 50 not in 1:42");
	rule("-A INPUT -m frag ! --fragid 1:42", "frag");
	MATCH("frag id 50 not in ! 1:42");
	pkt6(IPPROTO_UDP, UDP, 8);
	NOMATCH("frag: no fragment header, even with '!'");

	rule("-A INPUT -m frag --fragfirst --fragmore", "frag");
	frag_pkt(0, true, 1, 0);
	MATCH("frag first with more");
	frag_pkt(3, true, 1, 0);
	NOMATCH("frag --fragfirst: offset 3");
	frag_pkt(0, false, 1, 0);
	NOMATCH("frag --fragmore: the last");
	rule("-A INPUT -m frag --fraglast", "frag");
	frag_pkt(7, false, 1, 0);
	MATCH("frag --fraglast: a non-first last fragment");
	frag_pkt(7, true, 1, 0);
	NOMATCH("frag --fraglast: more follow");
	rule("-A INPUT -m frag --fragres", "frag");
	frag_pkt(0, false, 1, 0);
	MATCH("frag --fragres: reserved zero");
	frag_pkt(0, false, 1, 2);
	NOMATCH("frag --fragres: reserved bits set");
	frag_pkt(0, false, 1, 0);
	buf[41] = 1;
	NOMATCH("frag --fragres: reserved byte set");
	rule("-A INPUT -m frag --fraglen 99", "frag");
	frag_pkt(0, false, 1, 0);
	MATCH("frag --fraglen: never compared, as in the kernel");

	/* hop-by-hop first, then the fragment header */
	uint8_t b[24] = { IPPROTO_FRAGMENT, 0, 1, 4, 0, 0, 0, 0,
			  IPPROTO_UDP, 0, 0, 0, 0, 0, 0, 9 };
	memcpy(b + 16, UDP, 8);
	pkt6(IPPROTO_HOPOPTS, b, 24);
	rule("-A INPUT -m frag --fragid 9", "frag");
	MATCH("frag: found behind hop-by-hop");
	DROPPED_AT(48, "frag: the copy ends before the fragment header");
	DROPPED_AT(44, "frag: the copy ends inside hop-by-hop");
	ok(inst->ext->copy_need && inst->ext->copy_need(inst) >= 1280,
	   "frag: the queue copies a chain of up to 1280 bytes");
}

/* ---- hbh, dst ---- */

/* An options header of type (next header UDP) holding PadN of 4 bytes
 * (8 bytes in all), or with pad1 a Pad1 and a PadN of 3. */
static void opts_pkt(uint8_t type, bool pad1)
{
	uint8_t b[16] = { IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0 };
	if (pad1) {
		b[2] = 0;
		b[3] = 1;
		b[4] = 3;
	}
	memcpy(b + 8, UDP, 8);
	pkt6(type, b, 16);
}

static void test_opts(void)
{
	static const struct { const char *name; uint8_t type, other; } hdrs[] = {
		{ "hbh", IPPROTO_HOPOPTS, IPPROTO_DSTOPTS },
		{ "dst", IPPROTO_DSTOPTS, IPPROTO_HOPOPTS },
	};
	for (size_t i = 0; i < 2; i++) {
		const char *n = hdrs[i].name;
		char cmd[128];
		opts_pkt(hdrs[i].type, false);
		snprintf(cmd, sizeof(cmd), "-A INPUT -m %s --%s-len 8", n, n);
		rule(cmd, n);
		MATCH(cmd);
		snprintf(cmd, sizeof(cmd), "-A INPUT -m %s ! --%s-len 16", n, n);
		rule(cmd, n);
		MATCH(cmd);
		snprintf(cmd, sizeof(cmd), "-A INPUT -m %s --%s-len 16", n, n);
		rule(cmd, n);
		NOMATCH(cmd);
		snprintf(cmd, sizeof(cmd), "-A INPUT -m %s --%s-opts 1:4", n, n);
		rule(cmd, n);
		MATCH(cmd);
		snprintf(cmd, sizeof(cmd), "-A INPUT -m %s --%s-opts 1", n, n);
		rule(cmd, n);
		MATCH(cmd);
		opts_pkt(hdrs[i].other, false);
		NOMATCH("the other options header is not this one");
		opts_pkt(hdrs[i].type, false);
		snprintf(cmd, sizeof(cmd), "-A INPUT -m %s --%s-opts 1:3", n, n);
		rule(cmd, n);
		NOMATCH(cmd);
		snprintf(cmd, sizeof(cmd), "-A INPUT -m %s --%s-opts 0,1:3", n, n);
		rule(cmd, n);
		NOMATCH(cmd);
		opts_pkt(hdrs[i].type, true);
		MATCH("Pad1 then PadN of 3");
		snprintf(cmd, sizeof(cmd), "-A INPUT -m %s --%s-opts 0,1,1", n, n);
		rule(cmd, n);
		NOMATCH("a list longer than the header's options");
		snprintf(cmd, sizeof(cmd), "-A INPUT -m %s", n);
		rule(cmd, n);
		MATCH(cmd);
		DROPPED_AT(40, "the copy ends before the header");
		pkt6(IPPROTO_UDP, UDP, 8);
		NOMATCH("no options header");
	}
}

/* ---- rt ---- */

/* A routing header of type with segments left sl and the addresses
 * given (16 bytes each), next header UDP. */
static void rt_pkt(uint8_t type, uint8_t sl, uint8_t last,
		   const char *const *addrs, unsigned n)
{
	uint8_t b[8 + 16 * 4 + 8] = { IPPROTO_UDP, (uint8_t)(2 * n), type, sl };
	b[4] = last;
	for (unsigned i = 0; i < n; i++)
		inet_pton(AF_INET6, addrs[i], b + 8 + 16 * i);
	memcpy(b + 8 + 16 * n, UDP, 8);
	pkt6(IPPROTO_ROUTING, b, 16 + 16 * n);
}

static void test_rt(void)
{
	static const char *const two[] = { "2001:db8::a", "2001:db8::b" };
	rt_pkt(0, 1, 0, two, 2);
	rule("-A INPUT -m rt --rt-type 0 --rt-segsleft 1 --rt-len 40 --rt-0-res", "rt");
	MATCH("rt type 0, segsleft 1, 40 bytes, reserved 0");
	buf[44] = 1;
	NOMATCH("rt --rt-0-res: reserved not zero");
	rt_pkt(0, 1, 0, two, 2);
	rule("-A INPUT -m rt ! --rt-type 0", "rt");
	NOMATCH("rt ! --rt-type 0");
	rule("-A INPUT -m rt --rt-segsleft 2:5", "rt");
	NOMATCH("rt segsleft 1 not in 2:5");
	rule("-A INPUT -m rt --rt-type 0 --rt-0-addrs 2001:db8::a,2001:db8::b", "rt");
	MATCH("rt addresses: the whole list");
	rule("-A INPUT -m rt --rt-type 0 --rt-0-addrs 2001:db8::a", "rt");
	NOMATCH("rt addresses strict: a part");
	rule("-A INPUT -m rt --rt-type 0 --rt-0-addrs 2001:db8::b --rt-0-not-strict", "rt");
	MATCH("rt addresses not strict: one of them");
	rule("-A INPUT -m rt --rt-type 0 --rt-0-addrs 2001:db8::b,2001:db8::a --rt-0-not-strict", "rt");
	NOMATCH("rt addresses not strict: out of order");
	DROPPED_AT(40 + 8 + 20, "rt addresses: the copy ends inside them");
	rule("-A INPUT -m rt --rt-type 256", "rt");
	NOMATCH("rt --rt-type 256 matches no header");
	pkt6(IPPROTO_UDP, UDP, 8);
	rule("-A INPUT -m rt", "rt");
	NOMATCH("rt: no routing header");
}

/* ---- ipv6header ---- */

static void test_ipv6header(void)
{
	/* hop-by-hop, fragment (non-first), UDP */
	uint8_t b[24] = { IPPROTO_FRAGMENT, 0, 1, 4, 0, 0, 0, 0,
			  IPPROTO_UDP, 0, 0, 0x18, 0, 0, 0, 9 };
	memcpy(b + 16, UDP, 8);
	pkt6(IPPROTO_HOPOPTS, b, 24);
	rule("-A INPUT -m ipv6header --header hop,frag,prot", "ipv6header");
	MATCH("ipv6header: exactly hop, frag, protocol (past a non-first fragment)");
	rule("-A INPUT -m ipv6header --header hop", "ipv6header");
	NOMATCH("ipv6header: hop alone is not the set");
	rule("-A INPUT -m ipv6header --header hop --soft", "ipv6header");
	MATCH("ipv6header --soft: hop among them");
	rule("-A INPUT -m ipv6header --header hop,auth --soft", "ipv6header");
	NOMATCH("ipv6header --soft: no AH");
	rule("-A INPUT -m ipv6header ! --header hop", "ipv6header");
	MATCH("ipv6header ! hop: not exactly hop");
	rule("-A INPUT -m ipv6header ! --header auth --soft", "ipv6header");
	MATCH("ipv6header ! auth --soft: no AH");
	rule("-A INPUT -m ipv6header --header hop,frag,prot", "ipv6header");
	DROPPED_AT(44, "ipv6header: the copy ends inside the chain");

	uint8_t esp[16] = { 0 };
	pkt6(IPPROTO_ESP, esp, 16);
	rule("-A INPUT -m ipv6header --header esp", "ipv6header");
	MATCH("ipv6header: ESP ends the chain");
	pkt6(IPPROTO_NONE, NULL, 0);
	rule("-A INPUT -m ipv6header --header none", "ipv6header");
	MATCH("ipv6header: no next header");
	pkt6(IPPROTO_UDP, UDP, 8);
	rule("-A INPUT -m ipv6header --header prot", "ipv6header");
	MATCH("ipv6header: a plain UDP packet is just a protocol");
}

/* ---- eui64 ---- */

static void test_eui64(void)
{
	static const uint8_t mac[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t other[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	pkt6(IPPROTO_UDP, UDP, 8);
	rule("-A INPUT -m eui64", "eui64");
	hw = mac;
	MATCH("eui64: the source's interface id from the MAC (u/l bit flipped)");
	hw = other;
	NOMATCH("eui64: another MAC");
	hw = NULL;
	NOMATCH("eui64: no MAC");
}

/* ---- ah ---- */

static void test_ah(void)
{
	/* AH of 24 bytes ((4 + 2) * 4), SPI 5, then UDP */
	uint8_t b[32] = { IPPROTO_UDP, 4, 0, 0, 0, 0, 0, 5 };
	memcpy(b + 24, UDP, 8);
	pkt6(IPPROTO_AH, b, 32);
	rule("-A INPUT -m ah --ahspi 5 --ahlen 24 --ahres", "ah");
	MATCH("ah6 spi 5, 24 bytes, reserved 0");
	buf[43] = 1;
	NOMATCH("ah6 --ahres: reserved set");
	buf[43] = 0;
	rule("-A INPUT -m ah --ahlen 20", "ah");
	NOMATCH("ah6 length 24 is not 20");
	rule("-A INPUT -m ah ! --ahspi 1:4", "ah");
	MATCH("ah6 spi 5 not in 1:4");
	DROPPED_AT(40 + 10, "ah6: the copy ends inside the header");
	pkt6(IPPROTO_UDP, UDP, 8);
	NOMATCH("ah6: no AH");

	pkt4(IPPROTO_AH, b, 32);
	rule_fam(AF_INET, QT_TABLE_FILTER, "INPUT",
		 "-A INPUT -p ah -m ah --ahspi 1:10", "ah");
	MATCH("ah4 spi 5 in 1:10");
	buf[27] = 11;
	NOMATCH("ah4 spi 11 not in 1:10");
	DROPPED_AT(20 + 8, "ah4: the copy ends inside the header");
	buf[6] = 0x00;
	buf[7] = 0x10;
	NOMATCH("ah4: a non-first fragment");
}

/* ---- mh ---- */

static void test_mh(void)
{
	/* binding update: payload proto 59, length, type 5 */
	uint8_t b[16] = { IPPROTO_NONE, 1, 5, 0 };
	pkt6(135, b, 16);
	rule("-A INPUT -p mobility-header -m mh --mh-type bu", "mh");
	MATCH("mh type 5 is binding-update");
	rule("-A INPUT -p mobility-header -m mh --mh-type 0:4", "mh");
	NOMATCH("mh type 5 not in 0:4");
	rule("-A INPUT -p mobility-header -m mh ! --mh-type 0:4", "mh");
	MATCH("mh type 5 in ! 0:4");
	buf[40] = IPPROTO_UDP;
	DROPPED_AT(blen, "mh: a payload protocol other than none");
	buf[40] = IPPROTO_NONE;
	DROPPED_AT(44, "mh: the copy ends inside its 6 bytes");
}

/* ---- srh ---- */

static void test_srh(void)
{
	static const char *const segs[] = { "2001:db8::1:0", "2001:db8::2:0",
					    "2001:db8::3:0" };
	/* segments left 1 of last entry 2: next is [0], previous [2] */
	rt_pkt(4, 1, 2, segs, 3);
	buf[47] = 7;       /* tag's second byte */
	rule("-A INPUT -m srh --srh-next-hdr 17 --srh-segs-left-eq 1 --srh-last-entry-gt 1", "srh");
	MATCH("srh next header, segments left, last entry");
	rule("-A INPUT -m srh --srh-hdr-len-lt 6", "srh");
	NOMATCH("srh hdr len 6 is not < 6");
	rule("-A INPUT -m srh --srh-hdr-len-lt 7", "srh");
	MATCH("srh hdr len 6 < 7");
	rule("-A INPUT -m srh --srh-nsid 2001:db8::1:0/112", "srh");
	MATCH("srh next SID is segment 0");
	rule("-A INPUT -m srh --srh-psid 2001:db8::3:0", "srh");
	MATCH("srh previous SID is segment 2");
	rule("-A INPUT -m srh --srh-lsid 2001:db8::2:0", "srh");
	NOMATCH("srh last SID is segment 0, not 1");
	rule("-A INPUT -m srh ! --srh-lsid 2001:db8::2:0", "srh");
	MATCH("srh ! last SID");
	uint16_t raw;
	memcpy(&raw, buf + 46, 2);
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "-A INPUT -m srh --srh-tag %u", raw);
	rule(cmd, "srh");
	MATCH("srh tag: the field as it lies in memory (the kernel's compare)");
	NOMATCH_AT(40 + 4, "srh: the copy ends inside the header: no match, no drop");
	rt_pkt(0, 1, 2, segs, 3);
	rule("-A INPUT -m srh", "srh");
	NOMATCH("srh: a type 0 routing header");
	rt_pkt(4, 3, 2, segs, 3);
	NOMATCH("srh: segments left beyond the last entry");
}

/* ---- iprange in ip6tables ---- */

static void test_iprange6(void)
{
	/* the source is 2001:db8::211:22ff:fe33:4455, the destination
	 * 2001:db8::2 */
	pkt6(IPPROTO_UDP, UDP, 8);
	rule("-A INPUT -m iprange --src-range 2001:db8::-2001:db8::ffff:ffff:ffff:ffff", "iprange");
	MATCH("iprange6 src in range (all 128 bits compared)");
	rule("-A INPUT -m iprange --src-range 2001:db8::-2001:db8::211:22ff:fe33:4454", "iprange");
	NOMATCH("iprange6 src one above the top");
	rule("-A INPUT -m iprange ! --dst-range 2001:db8::1-2001:db8::3", "iprange");
	NOMATCH("iprange6 ! dst: inside");
	rule("-A INPUT -m iprange --dst-range 2001:db7:ffff::-2001:db8::2", "iprange");
	MATCH("iprange6 dst across words, at the top");
	rule("-A INPUT -m iprange --dst-range 2001:db8::3-2001:db8::1", "iprange");
	NOMATCH("iprange6 reversed never matches");
	pkt4(IPPROTO_UDP, UDP, 8);
	rule("-A INPUT -m iprange --src-range ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "iprange");
	NOMATCH("iprange6 on an IPv4 packet");
}

int main(void)
{
	test_hl();
	test_frag();
	test_opts();
	test_rt();
	test_ipv6header();
	test_eui64();
	test_ah();
	test_mh();
	test_srh();
	test_iprange6();
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
