/* The engine side of tcp, udp, icmp, multiport, iprange, length, ttl,
 * comment, mark, string and time: rules typed as iptables commands,
 * packets built as bytes here, each match asked for a verdict.
 *
 * Where the kernel's behaviour was not obvious it was checked on the
 * kernel (6.18, iptables-nft 1.8.9): the rule in mangle PREROUTING of a
 * namespace (before defragmentation) followed by a rule counting all,
 * packets sent with scapy over a veth pair; "dropped" means neither
 * counter moved (the match's hotdrop). Those facts are noted "kernel:". */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "eval.h"
#include "ext.h"
#include "qt_test.h"
#include "tap.h"

/* ---- packets ---- */

static uint8_t buf[2048];
static uint32_t blen;

/* An IPv4 header with l4 after it; tot is the total length field (0:
 * the real length). */
static void ip_pkt(uint8_t proto, uint16_t frag, const uint8_t *l4,
		   uint32_t l4len, uint16_t tot)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x45;
	if (!tot)
		tot = (uint16_t)(20 + l4len);
	buf[2] = (uint8_t)(tot >> 8);
	buf[3] = (uint8_t)tot;
	buf[6] = (uint8_t)(frag >> 8);
	buf[7] = (uint8_t)frag;
	buf[8] = 64;
	buf[9] = proto;
	inet_pton(AF_INET, "10.0.0.1", buf + 12);
	inet_pton(AF_INET, "10.0.0.2", buf + 16);
	memcpy(buf + 20, l4, l4len);
	blen = 20 + l4len;
}

static void set_ttl(uint8_t ttl) { buf[8] = ttl; }
static void set_addrs(const char *s, const char *d)
{
	inet_pton(AF_INET, s, buf + 12);
	inet_pton(AF_INET, d, buf + 16);
}

/* A TCP header (doff in 32-bit words) with options; returns its length. */
static uint32_t tcp_hdr(uint8_t *h, uint16_t sp, uint16_t dp, uint8_t flags,
			uint8_t doff, const uint8_t *opt, uint32_t optlen)
{
	memset(h, 0, 20);
	h[0] = (uint8_t)(sp >> 8);
	h[1] = (uint8_t)sp;
	h[2] = (uint8_t)(dp >> 8);
	h[3] = (uint8_t)dp;
	h[12] = (uint8_t)(doff << 4);
	h[13] = flags;
	if (optlen)
		memcpy(h + 20, opt, optlen);
	return 20 + optlen;
}

static void tcp_pkt(uint16_t sp, uint16_t dp, uint8_t flags)
{
	uint8_t h[20];
	ip_pkt(IPPROTO_TCP, 0, h, tcp_hdr(h, sp, dp, flags, 5, NULL, 0), 0);
}

static void tcp_opt_pkt(const uint8_t *opt, uint32_t optlen, uint8_t doff)
{
	uint8_t h[80];
	ip_pkt(IPPROTO_TCP, 0, h, tcp_hdr(h, 1234, 80, 0x02, doff, opt, optlen), 0);
}

static void udp_pkt(uint16_t sp, uint16_t dp, const char *payload)
{
	uint8_t h[512];
	size_t n = strlen(payload);
	memset(h, 0, 8);
	h[0] = (uint8_t)(sp >> 8);
	h[1] = (uint8_t)sp;
	h[2] = (uint8_t)(dp >> 8);
	h[3] = (uint8_t)dp;
	h[5] = (uint8_t)(8 + n);
	memcpy(h + 8, payload, n);
	ip_pkt(IPPROTO_UDP, 0, h, (uint32_t)(8 + n), 0);
}

static void icmp_pkt(uint8_t type, uint8_t code)
{
	uint8_t h[8] = { type, code, 0, 0, 0, 0, 0, 0 };
	ip_pkt(IPPROTO_ICMP, 0, h, 8, 0);
}

/* ---- rules ---- */

static struct qt_ruleset *rs;
static struct qt_ext_inst *inst;

/* "-A INPUT ..." into a fresh ruleset; inst = its match named ext. */
static struct qt_ext_inst *rule(const char *cmd, const char *ext)
{
	struct qt_test_result r;
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	rs = qt_ruleset_new(0);
	inst = NULL;
	if (qt_test_cmd(&rs, cmd, &r) != 0) {
		printf("# %s: %s", cmd, r.err.data ? r.err.data : "");
		qt_test_result_free(&r);
		return NULL;
	}
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(rs->tables[QT_TABLE_FILTER], "INPUT");
	struct qt_rule *ru = c->rules[c->nrules - 1];
	for (unsigned i = 0; i < ru->nmatches; i++)
		if (!strcmp(ru->matches[i].ext->name, ext))
			inst = &ru->matches[i];
	if (inst)
		inst = qt_test_run(inst);
	return inst;
}

static bool hot;

/* The match's verdict on buf; hot = the packet was dropped. */
static int judge_at(uint32_t copylen, const struct timespec *wall,
		    uint32_t mark)
{
	struct qt_eval ev;
	if (!inst)
		return -1;
	qt_eval_init(&ev, buf, copylen, sizeof(buf), blen, QT_HOOK_LOCAL_IN,
		     NULL);
	if (wall)
		ev.wall = *wall;
	ev.mark = mark;
	bool m = inst->ext->match ? inst->ext->match(inst, &ev) : true;
	hot = ev.hotdrop;
	return m;
}

static int judge(void)
{
	return judge_at(blen, NULL, 0);
}

#define MATCH(what) do { is_int(judge(), 1, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)
#define NOMATCH(what) do { is_int(judge(), 0, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)
#define DROPPED(what) do { is_int(judge(), 0, "%s", what); \
	ok(hot, "%s: dropped", what); } while (0)

static void test_tcp(void)
{
	struct qt_class_key k;

	rule("-A INPUT -p tcp --dport 20:30 --tcp-flags SYN,ACK SYN", "tcp");
	tcp_pkt(1000, 25, 0x02);
	MATCH("tcp dport in range, SYN");
	tcp_pkt(1000, 31, 0x02);
	NOMATCH("tcp dport above range");
	tcp_pkt(1000, 19, 0x02);
	NOMATCH("tcp dport below range");
	tcp_pkt(1000, 20, 0x12);
	NOMATCH("tcp SYN+ACK against SYN,ACK SYN");
	tcp_pkt(1000, 30, 0x0a);
	MATCH("tcp SYN+PSH: PSH outside the mask");
	memset(&k, 0, sizeof(k));
	inst->ext->classify(inst, &k);
	ok(!k.sport_set && k.dport_set && k.dport[0] == 20 && k.dport[1] == 30,
	   "tcp classify: dport 20:30 only");

	rule("-A INPUT -p tcp ! --sport 1000:2000 --syn", "tcp");
	tcp_pkt(999, 1, 0x02);
	MATCH("tcp ! --sport: outside");
	tcp_pkt(1500, 1, 0x02);
	NOMATCH("tcp ! --sport: inside");
	tcp_pkt(999, 1, 0x12);
	NOMATCH("tcp --syn: SYN+ACK");
	tcp_pkt(999, 1, 0x2a);
	MATCH("tcp --syn: SYN+URG+PSH");
	memset(&k, 0, sizeof(k));
	inst->ext->classify(inst, &k);
	ok(!k.sport_set && !k.dport_set, "tcp classify: nothing for ! --sport");

	rule("-A INPUT -p tcp ! --syn", "tcp");
	tcp_pkt(1, 1, 0x10);
	MATCH("tcp ! --syn: ACK");
	tcp_pkt(1, 1, 0x02);
	NOMATCH("tcp ! --syn: SYN");

	/* kernel: one port on each side with the same '!' is one 32-bit
	 * compare: "! --sport 1 ! --dport 2" matched sport 1 dport 3 */
	rule("-A INPUT -p tcp ! --sport 1 ! --dport 2", "tcp");
	tcp_pkt(1, 3, 0);
	MATCH("tcp combined inverted ports: one side differs");
	tcp_pkt(1, 2, 0);
	NOMATCH("tcp combined inverted ports: both equal");
	tcp_pkt(5, 5, 0);
	MATCH("tcp combined inverted ports: both differ");

	/* Native ports and flags never drop. kernel: its payload loads need
	 * only their own bytes and ignore the fragment offset: a fragment
	 * at offset 1 holding "dport 80" at the transport offset matched
	 * --dport 80 and --tcp-flags SYN SYN, a 10-byte TCP header matched
	 * --dport 80; qtables does the same (extensions/lib/xtypes.h), and the
	 * classifier reads ports the same way (engine/program.c). */
	uint8_t h[60];
	uint32_t n = tcp_hdr(h, 1234, 80, 0x02, 5, NULL, 0);
	rule("-A INPUT -p tcp --dport 80", "tcp");
	ip_pkt(IPPROTO_TCP, 1, h, n, 0);
	MATCH("tcp --dport on a non-first fragment (native)");
	ip_pkt(IPPROTO_TCP, 0, h, 10, 0);
	MATCH("tcp --dport on a 10-byte TCP header (native)");
	ip_pkt(IPPROTO_TCP, 0, h, 3, 0);
	NOMATCH("tcp --dport on a 3-byte TCP header (native)");
	rule("-A INPUT -p tcp --dport 81", "tcp");
	ip_pkt(IPPROTO_TCP, 1, h, n, 0);
	NOMATCH("tcp --dport 81 on a fragment holding 80");
	rule("-A INPUT -p tcp --tcp-flags SYN NONE", "tcp");
	ip_pkt(IPPROTO_TCP, 0, h, 10, 0);
	NOMATCH("tcp flags on a 10-byte TCP header: no byte 13, no drop");

	/* kernel: a bare -m tcp and --tcp-option are xt_tcp: non-first
	 * fragments do not match, offset 1 is dropped, a short header is
	 * dropped */
	rule("-A INPUT -p tcp --tcp-option 2", "tcp");
	ip_pkt(IPPROTO_TCP, 1, h, n, 0);
	DROPPED("tcp-option: fragment offset 1");
	ip_pkt(IPPROTO_TCP, 2, h, n, 0);
	NOMATCH("tcp-option: fragment offset 2");
	ip_pkt(IPPROTO_TCP, 0, h, 10, 0);
	DROPPED("tcp-option: 10-byte header");
	rule("-A INPUT -p tcp -m tcp", "tcp");
	ip_pkt(IPPROTO_TCP, 0, h, 10, 0);
	DROPPED("bare tcp: 10-byte header");
	ip_pkt(IPPROTO_TCP, 0, h, n, 0);
	MATCH("bare tcp: whole header");
	ip_pkt(IPPROTO_TCP, 0x2000, h, n, 0);
	MATCH("bare tcp: first fragment (MF set)");

	/* tcp-option walking; kernel: each case below as noted */
	const uint8_t o1[] = { 8, 0, 0, 2 };     /* len 0 steps 1, EOL steps 1 */
	rule("-A INPUT -p tcp --tcp-option 2", "tcp");
	tcp_opt_pkt(o1, 4, 6);
	MATCH("tcp-option after a zero length and EOL (kernel: matched)");
	rule("-A INPUT -p tcp --tcp-option 3", "tcp");
	tcp_opt_pkt(o1, 4, 6);
	NOMATCH("tcp-option 3 absent (kernel: no match)");
	rule("-A INPUT -p tcp ! --tcp-option 3", "tcp");
	tcp_opt_pkt(o1, 4, 6);
	MATCH("! tcp-option 3 absent (kernel: matched)");
	const uint8_t o2[] = { 3, 6, 2, 0, 0, 0, 2, 0 };
	const uint8_t o3[] = { 3, 7, 2, 0, 0, 0, 2, 0 };
	rule("-A INPUT -p tcp --tcp-option 2", "tcp");
	tcp_opt_pkt(o2, 8, 7);
	MATCH("tcp-option found after a skip (kernel: matched)");
	tcp_opt_pkt(o3, 8, 7);
	NOMATCH("tcp-option inside a skipped option (kernel: no match)");
	const uint8_t o4[] = { 1, 1, 1, 5 };
	rule("-A INPUT -p tcp --tcp-option 5", "tcp");
	tcp_opt_pkt(o4, 4, 6);
	MATCH("tcp-option in the last byte (kernel: matched)");
	rule("-A INPUT -p tcp --tcp-option 2", "tcp");
	tcp_opt_pkt(o4, 4, 8);
	DROPPED("tcp-option: doff beyond the packet (kernel: dropped)");
	tcp_opt_pkt(o4, 4, 4);
	DROPPED("tcp-option: doff 4 (kernel: dropped)");
	rule("-A INPUT -p tcp ! --tcp-option 2", "tcp");
	tcp_opt_pkt(NULL, 0, 5);
	MATCH("! tcp-option without options (kernel: matched)");
	rule("-A INPUT -p tcp --sport 1 --tcp-option 2", "tcp");
	tcp_opt_pkt(o4, 4, 4);
	NOMATCH("tcp-option after a port mismatch: no drop (kernel: none)");
	rule("-A INPUT -p tcp --dport 80", "tcp");
	tcp_opt_pkt(o4, 4, 4);
	MATCH("native --dport, doff 4: no drop (kernel: matched)");
	tcp_opt_pkt(o4, 4, 6);
	MATCH("native --dport, doff 6");

	/* not IPv4 at all */
	memset(buf, 0, 40);
	blen = 40;
	NOMATCH("tcp on garbage");
}

static void test_udp(void)
{
	struct qt_class_key k;
	rule("-A INPUT -p udp --sport 53 --dport 1024:", "udp");
	udp_pkt(53, 5000, "");
	MATCH("udp sport and dport range");
	udp_pkt(53, 1023, "");
	NOMATCH("udp dport below");
	udp_pkt(54, 5000, "");
	NOMATCH("udp sport differs");
	memset(&k, 0, sizeof(k));
	inst->ext->classify(inst, &k);
	ok(k.sport_set && k.sport[0] == 53 && k.sport[1] == 53 && k.dport_set &&
	   k.dport[0] == 1024 && k.dport[1] == 65535, "udp classify");

	rule("-A INPUT -p udp ! --dport 53", "udp");
	udp_pkt(1, 53, "");
	NOMATCH("udp ! --dport 53: 53");
	udp_pkt(1, 54, "");
	MATCH("udp ! --dport 53: 54");
	memset(&k, 0, sizeof(k));
	inst->ext->classify(inst, &k);
	ok(!k.sport_set && !k.dport_set, "udp classify: nothing inverted");

	/* kernel: "! --sport 0:65535" emits nothing: it matched sport 5;
	 * qtables takes the match out of the rule, as iptables-nft lists
	 * it ("-A INPUT -p udp") */
	ok(rule("-A INPUT -p udp ! --sport 0:65535", "udp") == NULL,
	   "udp ! --sport 0:65535: no match left in the rule");
	/* kernel: a reversed range never holds a port; inverted it always */
	rule("-A INPUT -p udp --sport 10:5", "udp");
	udp_pkt(7, 6, "");
	NOMATCH("udp reversed range");
	rule("-A INPUT -p udp ! --sport 10:5", "udp");
	udp_pkt(7, 6, "");
	MATCH("udp ! reversed range");

	uint8_t h[8] = { 0x04, 0xd2, 0x00, 0x50, 0, 8, 0, 0 };
	rule("-A INPUT -p udp --dport 80", "udp");
	ip_pkt(IPPROTO_UDP, 1, h, 8, 0);
	MATCH("udp --dport on a fragment (kernel: matched)");
	ip_pkt(IPPROTO_UDP, 0, h, 4, 0);
	MATCH("udp --dport with 4 header bytes (kernel: matched)");
	ip_pkt(IPPROTO_UDP, 0, h, 3, 0);
	NOMATCH("udp --dport with 3 header bytes (kernel: no match)");
	rule("-A INPUT -p udp --sport 1000:2000", "udp");
	ip_pkt(IPPROTO_UDP, 0, h, 3, 0);
	MATCH("udp --sport with 3 header bytes (kernel: matched)");
	ip_pkt(IPPROTO_UDP, 0, h, 8, 0);
	MATCH("udp --sport with the whole header");

	/* kernel: bare -m udp is xt_udp: short header dropped, fragments
	 * (offset 1 too) just do not match */
	rule("-A INPUT -p udp -m udp", "udp");
	ip_pkt(IPPROTO_UDP, 0, h, 4, 0);
	DROPPED("bare udp: 4-byte header");
	ip_pkt(IPPROTO_UDP, 1, h, 8, 0);
	NOMATCH("bare udp: fragment offset 1");
	ip_pkt(IPPROTO_UDP, 0, h, 8, 0);
	MATCH("bare udp: whole header");
}

static void test_icmp(void)
{
	rule("-A INPUT -p icmp --icmp-type echo-request", "icmp");
	icmp_pkt(8, 0);
	MATCH("icmp echo-request");
	icmp_pkt(8, 7);
	MATCH("icmp echo-request, any code");
	icmp_pkt(0, 0);
	NOMATCH("icmp echo-reply");
	rule("-A INPUT -p icmp ! --icmp-type 3/3", "icmp");
	icmp_pkt(3, 3);
	NOMATCH("icmp ! 3/3: 3/3");
	icmp_pkt(3, 1);
	MATCH("icmp ! 3/3: 3/1");
	rule("-A INPUT -p icmp --icmp-type any", "icmp");
	icmp_pkt(42, 9);
	MATCH("icmp any");
	rule("-A INPUT -p icmp ! --icmp-type any", "icmp");
	icmp_pkt(42, 9);
	NOMATCH("icmp ! any");

	uint8_t h[8] = { 8, 0, 0, 0, 0, 0, 0, 0 };
	rule("-A INPUT -p icmp --icmp-type 8", "icmp");
	ip_pkt(IPPROTO_ICMP, 1, h, 8, 0);
	NOMATCH("icmp fragment");
	ip_pkt(IPPROTO_ICMP, 0, h, 4, 0);
	DROPPED("icmp 4-byte header");
}

static void test_multiport(void)
{
	rule("-A INPUT -p tcp -m multiport --dports 22,80:90,443", "multiport");
	tcp_pkt(1, 22, 0);
	MATCH("multiport single port");
	tcp_pkt(1, 85, 0);
	MATCH("multiport range");
	tcp_pkt(1, 91, 0);
	NOMATCH("multiport past range");
	tcp_pkt(22, 1, 0);
	NOMATCH("multiport --dports: source port");
	rule("-A INPUT -p udp -m multiport --sports 1:5", "multiport");
	udp_pkt(5, 1000, "");
	MATCH("multiport --sports");
	udp_pkt(1000, 5, "");
	NOMATCH("multiport --sports: destination port");
	rule("-A INPUT -p tcp -m multiport --ports 7,100:200", "multiport");
	tcp_pkt(7, 1, 0);
	MATCH("multiport --ports: source");
	tcp_pkt(1, 150, 0);
	MATCH("multiport --ports: destination range");
	tcp_pkt(1, 2, 0);
	NOMATCH("multiport --ports: neither");
	rule("-A INPUT -p tcp -m multiport ! --dports 22,80", "multiport");
	tcp_pkt(1, 22, 0);
	NOMATCH("multiport ! listed");
	tcp_pkt(1, 23, 0);
	MATCH("multiport ! not listed");

	uint8_t h[20];
	uint32_t n = tcp_hdr(h, 1, 22, 0, 5, NULL, 0);
	rule("-A INPUT -p tcp -m multiport --dports 22", "multiport");
	ip_pkt(IPPROTO_TCP, 1, h, n, 0);
	NOMATCH("multiport fragment");
	ip_pkt(IPPROTO_TCP, 0, h, 3, 0);
	DROPPED("multiport 3-byte header");
	ip_pkt(IPPROTO_TCP, 0, h, 4, 0);
	MATCH("multiport 4-byte header is enough");
}

static void test_iprange(void)
{
	rule("-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 1.1.1.1",
	     "iprange");
	udp_pkt(1, 1, "");
	set_addrs("10.0.0.9", "1.1.1.2");
	MATCH("iprange src at top, dst not excluded");
	set_addrs("10.0.0.10", "1.1.1.2");
	NOMATCH("iprange src above");
	set_addrs("10.0.0.1", "1.1.1.1");
	NOMATCH("iprange dst excluded");
	rule("-A INPUT -m iprange --dst-range 9.255.255.255-11.0.0.0", "iprange");
	set_addrs("1.1.1.1", "10.200.0.1");
	MATCH("iprange across bytes (host order)");
	rule("-A INPUT -m iprange --src-range 10.0.0.9-10.0.0.1", "iprange");
	set_addrs("10.0.0.5", "1.1.1.1");
	NOMATCH("iprange reversed never matches");
}

static void test_length_ttl(void)
{
	rule("-A INPUT -m length --length 28:30", "length");
	udp_pkt(1, 1, "");
	MATCH("length 28 in 28:30");
	udp_pkt(1, 1, "abc");
	NOMATCH("length 31");
	/* the total length field counts, not the bytes copied */
	udp_pkt(1, 1, "ab");
	is_int(judge_at(24, NULL, 0), 1, "length: copy shorter than packet");
	rule("-A INPUT -m length ! --length 28", "length");
	udp_pkt(1, 1, "");
	NOMATCH("! length 28: 28");
	udp_pkt(1, 1, "x");
	MATCH("! length 28: 29");

	rule("-A INPUT -m ttl --ttl-eq 64", "ttl");
	udp_pkt(1, 1, "");
	MATCH("ttl eq 64");
	set_ttl(63);
	NOMATCH("ttl eq 64: 63");
	rule("-A INPUT -m ttl ! --ttl-eq 64", "ttl");
	set_ttl(64);
	NOMATCH("ttl ! eq 64: 64");
	set_ttl(63);
	MATCH("ttl ! eq 64: 63");
	rule("-A INPUT -m ttl --ttl-lt 10", "ttl");
	set_ttl(9);
	MATCH("ttl lt 10: 9");
	set_ttl(10);
	NOMATCH("ttl lt 10: 10");
	rule("-A INPUT -m ttl --ttl-gt 10", "ttl");
	set_ttl(11);
	MATCH("ttl gt 10: 11");
	set_ttl(10);
	NOMATCH("ttl gt 10: 10");
}

static void test_comment_mark(void)
{
	rule("-A INPUT -m comment --comment hello", "comment");
	udp_pkt(1, 1, "");
	MATCH("comment always matches");

	rule("-A INPUT -m mark --mark 0x10/0xf0", "mark");
	is_int(judge_at(blen, NULL, 0x1f), 1, "mark 0x1f & 0xf0 == 0x10");
	is_int(judge_at(blen, NULL, 0x20), 0, "mark 0x20");
	rule("-A INPUT -m mark ! --mark 5", "mark");
	is_int(judge_at(blen, NULL, 5), 0, "! mark 5: 5");
	is_int(judge_at(blen, NULL, 0x105), 1, "! mark 5: 0x105 (full mask)");
}

static void test_string(void)
{
	/* payload at byte 28 of the packet: "xxABCD" at 30..33, again at
	 * 36..39. kernel: offsets count from the IP header; a match must
	 * end by --to: each of these was checked with bm and kmp */
	static const struct {
		const char *opts;
		int want;
	} c[] = {
		{ "--from 30 --to 34", 1 }, { "--from 30 --to 33", 0 },
		{ "--from 31 --to 40", 1 }, { "--from 31 --to 39", 0 },
		{ "--from 0 --to 33", 0 }, { "--from 0 --to 39", 1 },
		{ "--from 36 --to 40", 1 }, { "--from 37", 0 },
		{ "--from 40", 0 }, { "", 1 },
	};
	const char *algos[] = { "bm", "kmp" };
	char cmd[256];
	for (unsigned a = 0; a < 2; a++)
		for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			snprintf(cmd, sizeof(cmd),
				 "-A INPUT -m string --algo %s --string ABCD %s",
				 algos[a], c[i].opts);
			rule(cmd, "string");
			udp_pkt(1, 1, "xxABCDxxABCD");
			is_int(judge(), c[i].want, "string %s %s", algos[a],
			       c[i].opts);
		}
	rule("-A INPUT -m string --algo bm ! --string ABCD", "string");
	udp_pkt(1, 1, "xxABCD");
	NOMATCH("! string present");
	udp_pkt(1, 1, "xxABCE");
	MATCH("! string absent");
	/* only the bytes copied are searched */
	rule("-A INPUT -m string --algo kmp --string ABCD", "string");
	udp_pkt(1, 1, "xxxxxxABCD");
	is_int(judge_at(36, NULL, 0), 0, "string beyond the copy");
	is_int(judge_at(38, NULL, 0), 1, "string within the copy");
	/* bytes past the IP total length are not the packet's */
	udp_pkt(1, 1, "xxxxxxABCD");
	buf[3] = 36;
	NOMATCH("string past the total length");

	rule("-A INPUT -m string --algo bm --string abc --icase", "string");
	udp_pkt(1, 1, "zzxABCzz");
	MATCH("string --icase ASCII");
	rule("-A INPUT -m string --algo bm --string abc", "string");
	NOMATCH("string without --icase");
	/* kernel: toupper() is Latin-1: 0xE0 folds to 0xC0, 0xDF to 0xBF,
	 * 0xF7 stays (bm and kmp alike) */
	rule("-A INPUT -m string --algo kmp --hex-string |e0| --icase", "string");
	udp_pkt(1, 1, "zz\xc0zz");
	MATCH("string --icase 0xe0 vs 0xc0");
	rule("-A INPUT -m string --algo bm --hex-string |bf| --icase", "string");
	udp_pkt(1, 1, "zz\xdfzz");
	MATCH("string --icase 0xbf vs 0xdf");
	rule("-A INPUT -m string --algo bm --hex-string |f7| --icase", "string");
	udp_pkt(1, 1, "zz\xd7zz");
	NOMATCH("string --icase 0xf7 vs 0xd7");
	rule("-A INPUT -m string --algo bm --hex-string \"|00 01 02|\"", "string");
	uint8_t h[16] = { 0, 1, 0, 1, 0, 9, 0, 0, 7, 0, 0, 1, 2, 5, 0, 0 };
	ip_pkt(IPPROTO_UDP, 0, h, 16, 0);
	MATCH("string hex with NULs, after a partial match");
	ok(inst->ext->copy_need && inst->ext->copy_need(inst) == 0xffff,
	   "string wants whole packets");
}

/* 2026-11-18 (a Wednesday) at hh:mm:ss UTC. */
static struct timespec at(int day, int h, int m, int s)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = day,
			 .tm_hour = h, .tm_min = m, .tm_sec = s };
	struct timespec ts = { .tv_sec = timegm(&tm), .tv_nsec = 0 };
	return ts;
}

static int when(struct timespec t)
{
	return judge_at(blen, &t, 0);
}

static void test_time(void)
{
	udp_pkt(1, 1, "");
	rule("-A INPUT -m time --timestart 08:00 --timestop 17:00", "time");
	is_int(when(at(18, 8, 0, 0)), 1, "time 08:00 start inclusive");
	is_int(when(at(18, 17, 0, 0)), 1, "time 17:00 stop inclusive");
	is_int(when(at(18, 17, 0, 1)), 0, "time 17:00:01");
	is_int(when(at(18, 7, 59, 59)), 0, "time 07:59:59");

	rule("-A INPUT -m time --timestart 23:00 --timestop 01:00 --weekdays Wed",
	     "time");
	is_int(when(at(18, 23, 30, 0)), 1, "wrap: Wed 23:30");
	is_int(when(at(18, 0, 30, 0)), 1, "wrap: Wed 00:30 (no --contiguous)");
	is_int(when(at(19, 0, 30, 0)), 0, "wrap: Thu 00:30 (no --contiguous)");
	is_int(when(at(18, 12, 0, 0)), 0, "wrap: Wed noon in the gap");
	is_int(when(at(18, 1, 0, 0)), 1, "wrap: 01:00 inclusive");
	is_int(when(at(18, 1, 0, 1)), 0, "wrap: 01:00:01");

	/* kernel (checked at 22:28 on a Sunday with --timestart 23:30
	 * --timestop 23:00): --weekdays Sat --contiguous matched, Sun
	 * --contiguous did not, and the reverse without --contiguous */
	rule("-A INPUT -m time --timestart 23:00 --timestop 01:00 --weekdays Wed --contiguous",
	     "time");
	is_int(when(at(18, 23, 30, 0)), 1, "contiguous: Wed 23:30");
	is_int(when(at(19, 0, 30, 0)), 1, "contiguous: Thu 00:30 counts as Wed");
	is_int(when(at(18, 0, 30, 0)), 0, "contiguous: Wed 00:30 counts as Tue");

	/* timestart == timestop takes the wrapping branch, whose gap
	 * (t < start && t > stop) is empty: every second matches */
	rule("-A INPUT -m time --timestart 12:00 --timestop 12:00", "time");
	is_int(when(at(18, 3, 0, 0)), 1, "start == stop matches all day");

	rule("-A INPUT -m time --monthdays 18 --weekdays Wed", "time");
	is_int(when(at(18, 3, 0, 0)), 1, "monthday 18, Wednesday");
	is_int(when(at(17, 3, 0, 0)), 0, "monthday 17");
	rule("-A INPUT -m time ! --monthdays 18", "time");
	is_int(when(at(18, 3, 0, 0)), 0, "! monthday 18 on the 18th");
	is_int(when(at(19, 3, 0, 0)), 1, "! monthday 18 on the 19th");
	/* 2000-02-29 01:00 UTC, a Tuesday */
	struct timespec leap = { .tv_sec = 951782400 + 3600, .tv_nsec = 0 };
	rule("-A INPUT -m time --monthdays 29 --weekdays Tue", "time");
	is_int(when(leap), 1, "2000-02-29: day 29, Tuesday");
	rule("-A INPUT -m time --monthdays 1", "time");
	is_int(when(leap), 0, "2000-02-29 is not day 1");
	leap.tv_sec += 86400;
	is_int(when(leap), 1, "2000-03-01 is day 1");

	/* --kerneltz: the kernel's sys_tz, read when the rule is compiled */
	struct timezone tz = { 0, 0 };
	syscall(SYS_gettimeofday, NULL, &tz);
	rule("-A INPUT -m time --timestart 10:00 --timestop 10:00:01 --kerneltz",
	     "time");
	struct timespec t = at(18, 10, 0, 0);
	t.tv_sec += 60 * (time_t)tz.tz_minuteswest;
	is_int(when(t), 1, "kerneltz: 10:00 local (minuteswest %d)",
	       tz.tz_minuteswest);
	t.tv_sec += 7200;
	is_int(when(t), 0, "kerneltz: 12:00 local");

	rule("-A INPUT -m time --datestart 2026-11-18 --datestop 2026-11-18T12:00",
	     "time");
	is_int(when(at(18, 0, 0, 0)), 1, "datestart inclusive");
	is_int(when(at(18, 12, 0, 0)), 1, "datestop inclusive");
	is_int(when(at(18, 12, 0, 1)), 0, "after datestop");
	is_int(when(at(17, 23, 59, 59)), 0, "before datestart");
}

int main(void)
{
	test_tcp();
	test_udp();
	test_icmp();
	test_multiport();
	test_iprange();
	test_length_ttl();
	test_comment_mark();
	test_string();
	test_time();
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
