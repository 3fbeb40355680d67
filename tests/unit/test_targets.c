/* The engine side of the targets LOG, REJECT, MARK, CLASSIFY, TCPMSS,
 * CT and NOTRACK: rules typed as iptables commands, packets built as
 * bytes, each target run on them through its .target function with an engine
 * environment that records what it was asked to log or send.
 *
 * LOG lines are compared with lines the kernel printed
 * (tests/unit/log_vectors.txt); REJECT replies with extensions/lib/reject.c's
 * (itself checked against the kernel) and their checksums verified
 * here; TCPMSS results with what the kernel made of the same packets
 * (tests/unit/gen_tcpmss_vectors.py: Linux 6.18, iptables-nft 1.8.9,
 * rules in mangle POSTROUTING of a namespace, packets sent from a raw
 * socket through a veth pair and captured on the far side; the vectors
 * below are its output), checksums recomputed here independently. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "eval.h"
#include "links.h"
#include "reject.h"
#include "ext.h"
#include "qt_test.h"
#include "tap.h"

/* ---- helpers ---- */

static struct qt_ruleset *rulesets[128];
static unsigned nrulesets;

/* The target of the only rule `iptables -t TABLE -A CHAIN RULE` makes. */
static const struct qt_ext_inst *target_of(const char *table, const char *chain,
					   const char *rule)
{
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "-t %s -A %s %s", table, chain, rule);
	qt_test_cmd(&rs, cmd, &r);
	is_int(r.status, 0, "iptables %s", cmd);
	if (r.status)
		printf("#   %s", qt_buf_str(&r.err));
	qt_test_result_free(&r);
	if (nrulesets < sizeof(rulesets) / sizeof(rulesets[0]))
		rulesets[nrulesets++] = rs;
	for (unsigned t = 0; t < QT_NTABLES; t++) {
		struct qt_table *tb = rs->tables[t];
		struct qt_chain *c = tb ? qt_table_chain(tb, chain) : NULL;
		if (c && c->nrules)
			return qt_test_run(&c->rules[0]->target);
	}
	return NULL;
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

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's complement sum of 16-bit words (odd byte padded), folded. */
static uint32_t sum16(uint32_t s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static bool ip_csum_ok(const uint8_t *ip)
{
	return sum16(0, ip, (size_t)(ip[0] & 15) * 4) == 0xffff;
}

/* TCP or UDP checksum over the pseudo-header and the segment. */
static bool l4_csum_ok(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4, n = rd16(ip + 2) - ihl;
	uint32_t s = sum16(0, ip + 12, 8) + ip[9] + (uint32_t)n;
	return sum16(s, ip + ihl, n) == 0xffff;
}

/* What the environment was asked to do. */
struct record {
	int logs, sends;
	int level;
	char line[2048];
	uint8_t pkt[1024];
	uint32_t len;
};

static void rec_log(void *user, int level, const char *line)
{
	struct record *r = user;
	r->logs++;
	r->level = level;
	snprintf(r->line, sizeof(r->line), "%s", line);
}

static int rec_send(void *user, const uint8_t *pkt, uint32_t len)
{
	struct record *r = user;
	r->sends++;
	r->len = len < sizeof(r->pkt) ? len : (uint32_t)sizeof(r->pkt);
	memcpy(r->pkt, pkt, r->len);
	return 0;
}

static struct qt_engine_env rec_env(struct record *r)
{
	memset(r, 0, sizeof(*r));
	struct qt_engine_env env = {
		.log = rec_log, .log_user = r,
		.send = rec_send, .send_user = r,
	};
	return env;
}

/* Build an IPv4 packet: header (no options) + l4 bytes, with a valid IP
 * checksum; the l4 checksum is filled for TCP/UDP when csum is set. */
static uint32_t build(uint8_t *b, uint8_t proto, const char *src,
		      const char *dst, const uint8_t *l4, uint32_t n, bool csum)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)((20 + n) >> 8);
	b[3] = (uint8_t)(20 + n);
	b[4] = 0x10;
	b[5] = 0x92;
	b[6] = 0x40;
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	uint16_t c = (uint16_t)~sum16(0, b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	memcpy(b + 20, l4, n);
	if (csum && (proto == 6 || proto == 17)) {
		uint8_t *ck = b + 20 + (proto == 6 ? 16 : 6);
		ck[0] = ck[1] = 0;
		uint32_t s = sum16(0, b + 12, 8) + proto + n;
		c = (uint16_t)~sum16(s, b + 20, n);
		ck[0] = (uint8_t)(c >> 8);
		ck[1] = (uint8_t)c;
	}
	return 20 + n;
}

/* ---- MARK ---- */

enum op { XSET, SET, AND, OR, XOR };

static void test_mark(void)
{
	static const struct {
		const char *opt;
		enum op op;
		uint32_t v, m;
	} cases[] = {
		{ "--set-xmark 0x5/0xf", XSET, 0x5, 0xf },
		{ "--set-xmark 0x5", XSET, 0x5, 0xffffffff },
		{ "--set-xmark 0xff00/0xf0f0", XSET, 0xff00, 0xf0f0 },
		{ "--set-mark 0x5/0xf", SET, 0x5, 0xf },
		{ "--set-mark 0x30/0x10", SET, 0x30, 0x10 },
		{ "--set-mark 48", SET, 48, 0xffffffff },
		{ "--and-mark 0xf0f0", AND, 0xf0f0, 0 },
		{ "--or-mark 0x100", OR, 0x100, 0 },
		{ "--xor-mark 0x11", XOR, 0x11, 0 },
	};
	static const uint32_t marks[] = { 0, 0xffffffff, 0x12345678, 0xa5a5a5a5 };
	uint8_t pkt[64];
	uint8_t udp[8] = { 0x13, 0x88, 0x00, 0x35, 0x00, 0x08 };
	uint32_t n = build(pkt, 17, "10.0.0.1", "10.0.0.2", udp, 8, true);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rule[128];
		snprintf(rule, sizeof(rule), "-j MARK %s", cases[i].opt);
		const struct qt_ext_inst *t = target_of("mangle", "PREROUTING", rule);
		if (!t)
			continue;
		for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
			uint32_t m = marks[k], v = cases[i].v, want = 0;
			switch (cases[i].op) {
			case XSET: want = (m & ~cases[i].m) ^ v; break;
			case SET: want = (m & ~cases[i].m) | v; break;
			case AND: want = m & v; break;
			case OR: want = m | v; break;
			case XOR: want = m ^ v; break;
			}
			struct qt_eval ev;
			qt_eval_init(&ev, pkt, n, n, n, QT_HOOK_PRE_ROUTING, NULL);
			ev.mark = m;
			int vd = t->ext->target(t, &ev);
			ok(vd == QT_XT_CONTINUE && ev.mark == want && ev.mark_changed,
			   "MARK %s on 0x%x gives 0x%x (got 0x%x)", cases[i].opt,
			   m, want, ev.mark);
		}
	}
}

/* ---- CLASSIFY ---- */

/* The priority set whatever it was, in both families, the packet's
 * bytes and mark untouched, the walk going on. */
static void test_classify(void)
{
	static const struct { const char *arg; uint32_t want; } cases[] = {
		{ "1:2", 0x10002 }, { "ffff:ffff", 0xffffffff },
		{ "0:0", 0 }, { "10000:12345", 0x2345 },
	};
	static const uint32_t before[] = { 0, 0x10002, 0xdeadbeef };
	uint8_t pkt[64], copy[64];
	uint8_t udp[8] = { 0x13, 0x88, 0x00, 0x35, 0x00, 0x08 };
	uint32_t n = build(pkt, 17, "10.0.0.1", "10.0.0.2", udp, 8, true);
	memcpy(copy, pkt, n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rule[128];
		snprintf(rule, sizeof(rule), "-j CLASSIFY --set-class %s",
			 cases[i].arg);
		const struct qt_ext_inst *t = target_of("mangle", "FORWARD", rule);
		if (!t)
			continue;
		for (size_t k = 0; k < sizeof(before) / sizeof(before[0]); k++) {
			struct qt_eval ev;
			qt_eval_init(&ev, pkt, n, n, n, QT_HOOK_FORWARD, NULL);
			ev.priority = before[k];
			ev.mark = 7;
			int vd = t->ext->target(t, &ev);
			ok(vd == QT_XT_CONTINUE && ev.priority == cases[i].want &&
			   ev.mark == 7 && !ev.mark_changed && !ev.rewritten &&
			   !memcmp(pkt, copy, n),
			   "CLASSIFY %s on priority 0x%x gives 0x%x (got 0x%x)",
			   cases[i].arg, before[k], cases[i].want, ev.priority);
		}
	}
}

/* ---- CT, NOTRACK ---- */

static void test_ct(void)
{
	static const struct {
		const char *rule;
		bool untracked;
	} cases[] = {
		{ "-j CT --notrack", true },
		{ "-j NOTRACK", true },
		{ "-j CT --zone 5", false },
		{ "-j CT --ctevents new,related", false },
	};
	uint8_t pkt[64];
	uint8_t udp[8] = { 0x13, 0x88, 0x00, 0x35, 0x00, 0x08 };
	uint32_t n = build(pkt, 17, "10.0.0.1", "10.0.0.2", udp, 8, true);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct qt_ext_inst *t = target_of("raw", "PREROUTING",
							cases[i].rule);
		if (!t)
			continue;
		struct qt_eval ev;
		qt_eval_init(&ev, pkt, n, n, n, QT_HOOK_PRE_ROUTING, NULL);
		int vd = t->ext->target(t, &ev);
		ok(vd == QT_XT_CONTINUE && ev.untracked == cases[i].untracked &&
		   !ev.rewritten && !ev.mark_changed,
		   "%s: continue, untracked %d", cases[i].rule, cases[i].untracked);
	}
}

/* ---- REJECT ---- */

static void reject_case(const char *rule, uint8_t proto, const uint8_t *l4,
			uint32_t l4n, bool good_csum, unsigned hook,
			bool not_ready, bool want_reply, const char *what)
{
	const char *chain = hook == QT_HOOK_LOCAL_OUT ? "OUTPUT" : "INPUT";
	const struct qt_ext_inst *t = target_of("filter", chain, rule);
	if (!t)
		return;
	uint8_t pkt[1500], want[QT_REJECT_MAX];
	uint32_t n = build(pkt, proto, "10.0.0.1", "10.0.0.2", l4, l4n, true);
	if (!good_csum)
		pkt[20 + (proto == 6 ? 16 : 6)] ^= 0x55;
	struct record r;
	struct qt_engine_env env = rec_env(&r);
	struct qt_eval ev;
	qt_eval_init(&ev, pkt, n, n, n, hook, &env);
	ev.csum_not_ready = not_ready;
	int vd = t->ext->target(t, &ev);
	is_int(vd, QT_XT_DROP, "REJECT %s: dropped", what);
	is_int(r.sends, want_reply ? 1 : 0, "REJECT %s: %s", what,
	       want_reply ? "one reply" : "no reply");
	if (!want_reply || r.sends != 1)
		return;

	/* what extensions/lib/reject.c builds for the same packet */
	/* extensions/REJECT.c's data: with, kind (REJ_*), icmp_code */
	const uint8_t *d = t->data;
	struct qt_reject_env renv = { .ttl = 64, .csum_ok = true };
	struct qt_pkt p;
	qt_pkt_parse_ipv4(&p, pkt, n);
	size_t wn = qt_reject_build(&p, (enum qt_reject_kind)d[1], d[2], &renv,
				    want, sizeof(want));
	ok(wn == r.len && !memcmp(want, r.pkt, wn),
	   "REJECT %s: the reply is qt_reject_build's", what);
	ok(ip_csum_ok(r.pkt), "REJECT %s: reply IP checksum", what);
	ok(r.pkt[8] == 64, "REJECT %s: reply TTL 64", what);
	if (r.pkt[9] == 6) {
		ok(l4_csum_ok(r.pkt), "REJECT %s: reset's TCP checksum", what);
		ok(r.pkt[33] & 0x04, "REJECT %s: RST set", what);
	} else {
		size_t ihl = (size_t)(r.pkt[0] & 15) * 4;
		ok(sum16(0, r.pkt + ihl, r.len - ihl) == 0xffff,
		   "REJECT %s: ICMP checksum", what);
		ok(r.pkt[ihl] == 3 && r.pkt[ihl + 1] == d[2],
		   "REJECT %s: ICMP type 3 code %u", what, d[2]);
		ok(!memcmp(r.pkt + ihl + 8, pkt, 28),
		   "REJECT %s: quotes the packet", what);
	}
}

static void test_reject(void)
{
	uint8_t syn[20] = { 0x9c, 0x40, 0x00, 0x16, 0x07, 0x5b, 0xcd, 0x15,
			    0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0 };
	uint8_t udp[13] = { 0x14, 0xe9, 0x00, 0x35, 0x00, 0x0d, 0, 0,
			    'h', 'e', 'l', 'l', 'o' };

	reject_case("-p tcp -j REJECT --reject-with tcp-reset", 6, syn, 20,
		    true, QT_HOOK_LOCAL_IN, false, true, "tcp-reset");
	reject_case("-p udp -j REJECT", 17, udp, 13, true, QT_HOOK_LOCAL_IN,
		    false, true, "default port-unreach");
	reject_case("-j REJECT --reject-with icmp-host-prohibited", 17, udp,
		    13, true, QT_HOOK_LOCAL_IN, false, true, "host-prohibited");
	reject_case("-j REJECT --reject-with admin-prohib", 6, syn, 20, true,
		    QT_HOOK_LOCAL_IN, false, true, "admin-prohibited on tcp");
	/* a bad checksum gets no answer, unless the kernel vouches for it */
	reject_case("-p udp -j REJECT", 17, udp, 13, false, QT_HOOK_LOCAL_IN,
		    false, false, "bad udp checksum at INPUT");
	reject_case("-p udp -j REJECT", 17, udp, 13, false, QT_HOOK_LOCAL_OUT,
		    false, true, "bad udp checksum at OUTPUT (local)");
	reject_case("-p udp -j REJECT", 17, udp, 13, false, QT_HOOK_LOCAL_IN,
		    true, true, "checksum not ready at INPUT");
	reject_case("-p tcp -j REJECT --reject-with tcp-reset", 6, syn, 20,
		    false, QT_HOOK_LOCAL_IN, false, false, "bad tcp checksum");

	/* no sender: dropped all the same */
	const struct qt_ext_inst *t = target_of("filter", "INPUT", "-j REJECT");
	if (t) {
		uint8_t pkt[64];
		uint32_t n = build(pkt, 17, "10.0.0.1", "10.0.0.2", udp, 13, true);
		struct qt_engine_env env = { 0 };
		struct qt_eval ev;
		qt_eval_init(&ev, pkt, n, n, n, QT_HOOK_LOCAL_IN, &env);
		is_int(t->ext->target(t, &ev), QT_XT_DROP, "REJECT without send: drop");
		qt_eval_init(&ev, pkt, n, n, n, QT_HOOK_LOCAL_IN, NULL);
		is_int(t->ext->target(t, &ev), QT_XT_DROP, "REJECT without env: drop");
		is_int(t->ext->copy_need(t), 576, "REJECT copy_need 576");
	}
}

/* ---- LOG ---- */

struct log_case {
	const char *rule, *in, *out;
	unsigned hook;
	int indev;              /* -1: lo's index */
	const char *hwaddr;     /* hex, "" none */
	uint32_t mark;
	int uid, gid;           /* -1: no socket */
	const char *packet, *want;
	int level;
};

static void log_run(const struct log_case *c, const struct qt_links *links,
		    const char *what)
{
	const char *chain = c->hook == QT_HOOK_LOCAL_OUT ? "OUTPUT" : "PREROUTING";
	const struct qt_ext_inst *t = target_of("raw", chain, c->rule);
	if (!t)
		return;
	uint8_t pkt[2048];
	uint32_t n = (uint32_t)unhex(c->packet, pkt, sizeof(pkt));
	struct record r;
	struct qt_engine_env env = rec_env(&r);
	env.links = links;
	struct qt_eval ev;
	qt_eval_init(&ev, pkt, n, n, n, c->hook, &env);
	ev.in = c->in;
	ev.out = c->out;
	ev.indev = c->indev < 0 ? qt_links_index(links, "lo") : c->indev;
	ev.hwaddr_len = (uint8_t)unhex(c->hwaddr, ev.hwaddr, sizeof(ev.hwaddr));
	ev.mark = c->mark;
	if (c->uid >= 0) {
		ev.has_uid = ev.has_gid = true;
		ev.uid = (uint32_t)c->uid;
		ev.gid = (uint32_t)c->gid;
	}
	int vd = t->ext->target(t, &ev);
	is_int(vd, QT_XT_CONTINUE, "LOG %s: continue", what);
	is_int(r.logs, 1, "LOG %s: one line", what);
	is_str(r.line, c->want, "LOG %s: the kernel's line", what);
	is_int(r.level, c->level, "LOG %s: level %d", what, c->level);
	ok(!ev.rewritten && ev.mark == c->mark, "LOG %s: packet untouched", what);
}

/* Lines from tests/unit/log_vectors.txt (records named in each case). */
static const char *const syn_pkt =
	"4500003c109240004006158e0a4d00010a4d00029c400016075bcd1500000000"
	"a002faf0c7aa0000020405b40402080a000000010000000001030307";
static const char *const udp_pkt =
	"45000021109200004011559e0a4d00010a4d000214e90035000d924768656c6c6f";
static const char *const udp6_pkt =
	"60000000000d114020010db800770000000000000000000120010db8"
	"00770000000000000000000214e90035000d4a8168656c6c6f";
static const char *const lo_pkt =
	"450000211092000040116c387f0000017f00000114e90035000da8e168656c6c6f";

/* The first ARPHRD_ETHER interface of this namespace, if any. */
static int find_ether(const struct qt_links *l, uint8_t mac[6])
{
	for (int i = 1; i < 4096; i++) {
		uint8_t a[8];
		unsigned len = 0, type = 0;
		if (qt_links_hwaddr(l, i, a, &len, &type) == 0 && type == 1 &&
		    len == 6) {
			memcpy(mac, a, 6);
			return i;
		}
	}
	return 0;
}

/* The interface's address as /sys prints it, independently of links. */
static bool sys_mac(const char *name, char *out, size_t n)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok_ = fgets(out, (int)n, f) != NULL;
	fclose(f);
	out[strcspn(out, "\n")] = 0;
	return ok_;
}

static void test_log(void)
{
	/* no links table: the MAC field is printed empty (see LOG.c) */
	struct log_case mark = {
		"-i qthgB0 -j LOG --log-prefix \"qthg-51 \"", "qthgB0", "",
		QT_HOOK_PRE_ROUTING, 7, "02000000770a", 0x2a, -1, -1, udp_pkt,
		"qthg-51 IN=qthgB0 OUT= MAC= SRC=10.77.0.1 DST=10.77.0.2 LEN=33 "
		"TOS=0x00 PREC=0x00 TTL=64 ID=4242 PROTO=UDP SPT=5353 DPT=53 "
		"LEN=13 MARK=0x2a ", 4,
	};
	log_run(&mark, NULL, "record 'mark' without links (MAC empty)");

	struct log_case uid = {
		"-o qthgA0 -j LOG --log-prefix \"qthg-55 \" --log-uid", "",
		"qthgA0", QT_HOOK_LOCAL_OUT, 0, "", 0, 1234, 4321, udp_pkt,
		"qthg-55 IN= OUT=qthgA0 SRC=10.77.0.1 DST=10.77.0.2 LEN=33 "
		"TOS=0x00 PREC=0x00 TTL=64 ID=4242 PROTO=UDP SPT=5353 DPT=53 "
		"LEN=13 UID=1234 GID=4321 ", 4,
	};
	log_run(&uid, NULL, "record 'out uid 1234/4321'");
	uid.rule = "-o qthgA0 -j LOG --log-prefix \"qthg-55 \"";
	uid.want = "qthg-55 IN= OUT=qthgA0 SRC=10.77.0.1 DST=10.77.0.2 LEN=33 "
		"TOS=0x00 PREC=0x00 TTL=64 ID=4242 PROTO=UDP SPT=5353 DPT=53 "
		"LEN=13 ";
	log_run(&uid, NULL, "socket known but no --log-uid");

	struct log_case seq = {
		"-o qthgA0 -j LOG --log-prefix \"qthg-1 \" --log-level info "
		"--log-tcp-sequence --log-tcp-options", "", "qthgA0",
		QT_HOOK_LOCAL_OUT, 0, "", 0, -1, -1, syn_pkt,
		"qthg-1 IN= OUT=qthgA0 SRC=10.77.0.1 DST=10.77.0.2 LEN=60 "
		"TOS=0x00 PREC=0x00 TTL=64 ID=4242 DF PROTO=TCP SPT=40000 DPT=22 "
		"SEQ=123456789 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 "
		"OPT (020405B40402080A000000010000000001030307) ", 6,
	};
	log_run(&seq, NULL, "tcp sequence and options, level info");

	struct qt_rtnl_watch *links_feed = qt_rtnl_feed_open(&qt_links_feed);
	ok(links_feed != NULL, "the namespace's links");
	if (!links_feed)
		return;
	struct qt_links *links = qt_rtnl_feed_table(links_feed);
	struct log_case lo = {
		"-i lo -j LOG --log-prefix \"qthg-58 \"", "lo", "",
		QT_HOOK_PRE_ROUTING, -1, "000000000000", 0, -1, -1, lo_pkt,
		"qthg-58 IN=lo OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00 "
		"SRC=127.0.0.1 DST=127.0.0.1 LEN=33 TOS=0x00 PREC=0x00 TTL=64 "
		"ID=4242 PROTO=UDP SPT=5353 DPT=53 LEN=13 ", 4,
	};
	log_run(&lo, links, "record 'lo'");
	lo.rule = "-i lo -j LOG --log-prefix \"qthg-59 \" --log-macdecode";
	lo.want = "qthg-59 IN=lo OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00 "
		"SRC=127.0.0.1 DST=127.0.0.1 LEN=33 TOS=0x00 PREC=0x00 TTL=64 "
		"ID=4242 PROTO=UDP SPT=5353 DPT=53 LEN=13 ";
	log_run(&lo, links, "record 'lo macdecode' (no decoding on loopback)");

	/* an unknown input interface: no address to rebuild from */
	mark.indev = 999999;
	log_run(&mark, links, "unknown input interface (MAC empty)");

	/* An Ethernet interface, if this namespace has one: unicast to its
	 * own MAC, broadcast and multicast to the group addresses. */
	uint8_t own[6];
	int eth = find_ether(links, own);
	char addr[64];
	const char *name = eth ? qt_links_name(links, eth) : "";
	if (!eth || !sys_mac(name, addr, sizeof(addr))) {
		printf("ok %d # skip no Ethernet interface here\n", ++tap_n);
		qt_rtnl_watch_close(links_feed);
		return;
	}
	static const struct {
		const char *dst_hex, *mac;
	} dsts[] = {
		{ "0a4d0002", NULL },               /* unicast: own address */
		{ "ffffffff", "ff:ff:ff:ff:ff:ff" },
		{ "e0812a05", "01:00:5e:01:2a:05" }, /* 224.129.42.5 */
		{ "efff0001", "01:00:5e:7f:00:01" }, /* 239.255.0.1 */
	};
	for (size_t i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		char pkt[128], want[512], rule[128], dstip[32];
		uint8_t d[4];
		snprintf(pkt, sizeof(pkt), "%.32s%s%s", udp_pkt, dsts[i].dst_hex,
			 udp_pkt + 40);
		unhex(dsts[i].dst_hex, d, 4);
		snprintf(dstip, sizeof(dstip), "%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
		const char *dmac = dsts[i].mac ? dsts[i].mac : addr;
		snprintf(rule, sizeof(rule), "-i %s -j LOG", name);
		snprintf(want, sizeof(want),
			 "IN=%s OUT= MAC=%s:02:00:00:00:77:0a:08:00 SRC=10.77.0.1 "
			 "DST=%s LEN=33 TOS=0x00 PREC=0x00 TTL=64 ID=4242 PROTO=UDP "
			 "SPT=5353 DPT=53 LEN=13 ", name, dmac, dstip);
		struct log_case e = {
			rule, name, "", QT_HOOK_PRE_ROUTING, eth, "02000000770a",
			0, -1, -1, pkt, want, 4,
		};
		log_run(&e, links, dstip);
		snprintf(rule, sizeof(rule), "-i %s -j LOG --log-macdecode", name);
		snprintf(want, sizeof(want),
			 "IN=%s OUT= MACSRC=02:00:00:00:77:0a MACDST=%s "
			 "MACPROTO=0800 SRC=10.77.0.1 DST=%s LEN=33 TOS=0x00 "
			 "PREC=0x00 TTL=64 ID=4242 PROTO=UDP SPT=5353 DPT=53 "
			 "LEN=13 ", name, dmac, dstip);
		log_run(&e, links, "macdecode");
	}

	/* IPv6 (record 'udp' of log6_vectors.txt): ethertype 86dd, and a
	 * multicast group's frame went to 33:33 + its last 32 bits. */
	static const struct {
		const char *dst_hex, *dst_text, *mac;
	} dsts6[] = {
		{ "20010db8007700000000000000000002",
		  "2001:0db8:0077:0000:0000:0000:0000:0002", NULL },
		{ "ff020000000000000000000000010003",
		  "ff02:0000:0000:0000:0000:0000:0001:0003", "33:33:00:01:00:03" },
		{ "ff0e00000000000000000000deadbeef",
		  "ff0e:0000:0000:0000:0000:0000:dead:beef", "33:33:de:ad:be:ef" },
	};
	for (size_t i = 0; i < sizeof(dsts6) / sizeof(dsts6[0]); i++) {
		char pkt[256], want[512], rule[128];
		snprintf(pkt, sizeof(pkt), "%.48s%s%s", udp6_pkt,
			 dsts6[i].dst_hex, udp6_pkt + 80);
		const char *dmac = dsts6[i].mac ? dsts6[i].mac : addr;
		snprintf(rule, sizeof(rule), "-i %s -j LOG", name);
		snprintf(want, sizeof(want),
			 "IN=%s OUT= MAC=%s:02:00:00:00:77:0a:86:dd "
			 "SRC=2001:0db8:0077:0000:0000:0000:0000:0001 DST=%s "
			 "LEN=53 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=UDP SPT=5353 "
			 "DPT=53 LEN=13 ", name, dmac, dsts6[i].dst_text);
		struct log_case e = {
			rule, name, "", QT_HOOK_PRE_ROUTING, eth, "02000000770a",
			0, -1, -1, pkt, want, 4,
		};
		log_run(&e, links, dsts6[i].dst_text);
		snprintf(rule, sizeof(rule), "-i %s -j LOG --log-macdecode", name);
		snprintf(want, sizeof(want),
			 "IN=%s OUT= MACSRC=02:00:00:00:77:0a MACDST=%s "
			 "MACPROTO=86dd "
			 "SRC=2001:0db8:0077:0000:0000:0000:0000:0001 DST=%s "
			 "LEN=53 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=UDP SPT=5353 "
			 "DPT=53 LEN=13 ", name, dmac, dsts6[i].dst_text);
		log_run(&e, links, "IPv6 macdecode");
	}
	qt_rtnl_watch_close(links_feed);
}

/* ---- TCPMSS ---- */

/* From tests/unit/gen_tcpmss_vectors.py: name, packet sent, packet the
 * kernel let out (rules: dport 1111 "--tcp-flags SYN,RST SYN -j TCPMSS
 * --set-mss 1000", 2222 "-j TCPMSS --set-mss 1000" (no SYN match: the
 * kernel rewrites an ACK too), 3333 "--clamp-mss-to-pmtu" on a 1400-byte
 * MTU veth, 4444 "--set-mss 100"). */
static const struct {
	const char *name, *in, *out;
} mss_vec[] = {
	{ "syn mss1460 set1000",
	  "4500003c10924000400615620a6300010a6300029c400457075bcd1500000000a002faf0c33d0000020405b40402080a000000010000000001030307",
	  "4500003c10924000400615620a6300010a6300029c400457075bcd1500000000a002faf0c5090000020403e80402080a000000010000000001030307" },
	{ "syn mss900 set1000",
	  "4500002c10924000400615720a6300010a6300029c400457075bcd15000000006002faf01595000002040384",
	  "4500002c10924000400615720a6300010a6300029c400457075bcd15000000006002faf01595000002040384" },
	{ "syn noopt set1000",
	  "4500002810924000400615760a6300010a6300029c400457075bcd15000000005002faf02b210000",
	  "4500002c10924000400615720a6300010a6300029c400457075bcd15000000006002faf01701000002040218" },
	{ "syn sackts noopt set1000",
	  "45000034109240004006156a0a6300010a6300029c400457075bcd15000000008002faf0ef0700000402080a0000000100000000",
	  "4500003810924000400615660a6300010a6300029c400457075bcd15000000009002faf0dae70000020402180402080a0000000100000000" },
	{ "syn data noopt",
	  "4500002d10924000400615710a6300010a6300029c400457075bcd15000000005002faf0e749000068656c6c6f",
	  "4500002d10924000400615710a6300010a6300029c400457075bcd15000000005002faf0e749000068656c6c6f" },
	{ "syn badcsum mss1460",
	  "4500002c10924000400615720a6300010a6300029c400457075bcd15000000006002faf001510000020405b4",
	  "4500002c10924000400615720a6300010a6300029c400457075bcd15000000006002faf0031d0000020403e8" },
	{ "ack noopt nosynmatch",
	  "4500002810924000400615760a6300010a6300029c4008ae075bcd15000000005010faf026bc0000",
	  "4500002c10924000400615720a6300010a6300029c4008ae075bcd15000000006010faf0129c000002040218" },
	{ "ack mss1460 nosynmatch",
	  "4500002c10924000400615720a6300010a6300029c4008ae075bcd15000000006010faf00f000000020405b4",
	  "4500002c10924000400615720a6300010a6300029c4008ae075bcd15000000006010faf010cc0000020403e8" },
	{ "syn mss1460 clamp",
	  "4500002c10924000400615720a6300010a6300029c400d05075bcd15000000006002faf00ab70000020405b4",
	  "4500002c10924000400615720a6300010a6300029c400d05075bcd15000000006002faf00b1b000002040550" },
	{ "syn noopt clamp",
	  "4500002810924000400615760a6300010a6300029c400d05075bcd15000000005002faf022730000",
	  "4500002c10924000400615720a6300010a6300029c400d05075bcd15000000006002faf00e53000002040218" },
	{ "syn mss1460 set100",
	  "4500002c10924000400615720a6300010a6300029c40115c075bcd15000000006002faf006600000020405b4",
	  "4500002c10924000400615720a6300010a6300029c40115c075bcd15000000006002faf00bb0000002040064" },
};

static const char *mss_rule(uint16_t dport)
{
	switch (dport) {
	case 1111: return "-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1000";
	case 2222: return "-p tcp -j TCPMSS --set-mss 1000";
	case 3333: return "-p tcp -j TCPMSS --clamp-mss-to-pmtu";
	default: return "-p tcp -j TCPMSS --set-mss 100";
	}
}

static uint32_t sys_mtu(const char *name)
{
	char path[128];
	unsigned v = 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", name);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%u", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Run the rule's target on in (cap bytes of room); the result in buf. */
static int mss_run(const struct qt_ext_inst *t, uint8_t *buf, uint32_t n,
		   uint32_t cap, bool not_ready, const char *out,
		   struct qt_eval *ev)
{
	qt_eval_init(ev, buf, n, cap, n, QT_HOOK_POST_ROUTING, NULL);
	ev->csum_not_ready = not_ready;
	ev->out = out;
	ev->outdev = 1;
	ev->now_ns = 5000000000ull;
	return t->ext->target(t, ev);
}

static void test_tcpmss(void)
{
	uint32_t lo_mtu = sys_mtu("lo");
	for (size_t i = 0; i < sizeof(mss_vec) / sizeof(mss_vec[0]); i++) {
		uint8_t in[128], want[128], buf[256];
		char got[600];
		uint32_t n = (uint32_t)unhex(mss_vec[i].in, in, sizeof(in));
		uint32_t wn = (uint32_t)unhex(mss_vec[i].out, want, sizeof(want));
		uint16_t dport = rd16(in + 22);
		const struct qt_ext_inst *tc = target_of("mangle", "POSTROUTING",
							 mss_rule(dport));
		if (!tc)
			continue;
		/* as a program hands it: with its state */
		struct qt_ext_inst *t = qt_test_run(tc);
		is_int(t ? 0 : -1, 0, "TCPMSS state");
		if (!t)
			continue;
		bool clamp = dport == 3333;
		/* clamping here sees lo's MTU, not the recorded 1400 */
		if (clamp && rd16(in + 2) > 40 && in[40] == 2) {
			uint32_t mss = lo_mtu - 40 < rd16(in + 42) ?
				lo_mtu - 40 : rd16(in + 42);
			memcpy(want, in, n);
			want[42] = (uint8_t)(mss >> 8);
			want[43] = (uint8_t)mss;
			wn = n;
			ok(mss == rd16(in + 42), "lo's MTU %u leaves MSS %u", lo_mtu, mss);
		}
		struct qt_eval ev;
		memcpy(buf, in, n);
		int vd = mss_run(t, buf, n, sizeof(buf), false, clamp ? "lo" : "x",
				 &ev);
		char wanthex[600];
		tohex(buf, ev.len, got);
		tohex(want, wn, wanthex);
		is_int(vd, QT_XT_CONTINUE, "TCPMSS %s: continue", mss_vec[i].name);
		is_str(got, wanthex, "TCPMSS %s: %s", mss_vec[i].name,
		       clamp ? "as the kernel would with lo's MTU" :
		       "the kernel's bytes");
		ok(ev.rewritten == (n != wn || memcmp(in, want, n) != 0),
		   "TCPMSS %s: rewritten flag", mss_vec[i].name);
		bool in_ok = l4_csum_ok(in);
		ok(ip_csum_ok(buf) && l4_csum_ok(buf) == in_ok,
		   "TCPMSS %s: checksums %s afterwards", mss_vec[i].name,
		   in_ok ? "valid" : "still as wrong");
		if (ev.rewritten)
			ok(ev.pkt.ip_len == ev.len &&
			   ev.pkt.tcp_doff == (buf[32] >> 4) * 4,
			   "TCPMSS %s: headers re-read", mss_vec[i].name);

		/* "checksum not ready": the field holds the pseudo-header's
		 * sum only; the result must carry the full checksum */
		if (in_ok && !clamp) {
			memcpy(buf, in, n);
			uint32_t s = sum16(0, in + 12, 8) + 6 + (n - 20);
			s = (s & 0xffff) + (s >> 16);
			buf[36] = (uint8_t)(s >> 8);
			buf[37] = (uint8_t)s;
			vd = mss_run(t, buf, n, sizeof(buf), true, "x", &ev);
			if (ev.rewritten) {
				tohex(buf, ev.len, got);
				is_str(got, mss_vec[i].out,
				       "TCPMSS %s, checksum not ready: the kernel's "
				       "bytes, checksum completed", mss_vec[i].name);
				ok(!ev.csum_not_ready,
				   "TCPMSS %s: checksum now complete", mss_vec[i].name);
			} else {
				ok(ev.csum_not_ready && !memcmp(buf + 20, in + 20, 16),
				   "TCPMSS %s, checksum not ready: untouched",
				   mss_vec[i].name);
			}
		}

		/* no room to grow: left as it was */
		memcpy(buf, in, n);
		mss_run(t, buf, n, n, false, clamp ? "lo" : "x", &ev);
		if (wn > n)
			ok(!ev.rewritten && ev.len == n && !memcmp(buf, in, n),
			   "TCPMSS %s: without room, unchanged", mss_vec[i].name);
		qt_test_run_free(t);
	}

	const struct qt_ext_inst *t = target_of("mangle", "POSTROUTING",
						mss_rule(1111));
	if (!t)
		return;
	uint8_t in[128], buf[256];
	uint32_t n = (uint32_t)unhex(mss_vec[0].in, in, sizeof(in));
	struct qt_eval ev;

	/* a non-first fragment: no TCP header to look at */
	memcpy(buf, in, n);
	buf[6] = 0x00;
	buf[7] = 0x10;
	is_int(mss_run(t, buf, n, sizeof(buf), false, "x", &ev), QT_XT_CONTINUE,
	       "TCPMSS fragment: continue");
	ok(!ev.rewritten && !memcmp(buf + 20, in + 20, n - 20),
	   "TCPMSS fragment: unchanged");

	/* a data offset beyond the segment: the kernel drops it */
	memcpy(buf, in, n);
	buf[32] = 0xf0;
	is_int(mss_run(t, buf, n, sizeof(buf), false, "x", &ev), QT_XT_DROP,
	       "TCPMSS data offset past the end: drop");
	buf[32] = 0x40;
	is_int(mss_run(t, buf, n, sizeof(buf), false, "x", &ev), QT_XT_DROP,
	       "TCPMSS data offset below 5: drop");

	/* other protocols pass untouched */
	uint8_t udp[8] = { 0x13, 0x88, 0x00, 0x35, 0x00, 0x08 };
	n = build(buf, 17, "10.0.0.1", "10.0.0.2", udp, 8, true);
	is_int(mss_run(t, buf, n, sizeof(buf), false, "x", &ev), QT_XT_CONTINUE,
	       "TCPMSS udp: continue");
	ok(!ev.rewritten, "TCPMSS udp: unchanged");
	is_int(t->ext->copy_need(t), 0xffff, "TCPMSS copy_need 0xffff");

	/* clamping towards an interface whose MTU cannot be read: drop */
	const struct qt_ext_inst *c = target_of("mangle", "POSTROUTING",
						mss_rule(3333));
	if (c) {
		n = (uint32_t)unhex(mss_vec[0].in, buf, sizeof(buf));
		is_int(mss_run(c, buf, n, sizeof(buf), false, "no-such-if0", &ev),
		       QT_XT_DROP, "TCPMSS clamp, unknown MTU: drop");
	}
}

int main(void)
{
	test_mark();
	test_classify();
	test_ct();
	test_reject();
	test_log();
	test_tcpmss();
	for (unsigned i = 0; i < nrulesets; i++)
		qt_ruleset_free(rulesets[i]);
	return done_testing();
}
