/* The engine side of state, conntrack, connmark, CONNMARK and connlimit:
 * rules typed as iptables commands, a packet built here, and the
 * connection tracking fields (ev->ct_*) set by hand with an entry this
 * test fills in, as the engine's tracker would (no table needed).
 *
 * Expected values are the kernel's formulas written out independently
 * (xt_state, xt_conntrack rev 3, xt_connmark, xt_CONNMARK rev 2,
 * xt_connlimit over nf_conncount). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "eval.h"
#include "ext.h"
#include "qt_test.h"
#include "tap.h"

static uint8_t buf[256];
static uint32_t blen;

static uint32_t ip(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* TCP (flags) or UDP from src:sp to dst:dp; frag: fragment offset. */
static void pkt(uint8_t proto, const char *src, const char *dst,
		uint16_t sp, uint16_t dp, uint16_t frag)
{
	memset(buf, 0, sizeof(buf));
	uint32_t l4 = proto == IPPROTO_TCP ? 20 : 8;
	blen = 20 + l4;
	buf[0] = 0x45;
	buf[3] = (uint8_t)blen;
	buf[6] = (uint8_t)(frag >> 8);
	buf[7] = (uint8_t)frag;
	buf[8] = 64;
	buf[9] = proto;
	inet_pton(AF_INET, src, buf + 12);
	inet_pton(AF_INET, dst, buf + 16);
	buf[20] = (uint8_t)(sp >> 8);
	buf[21] = (uint8_t)sp;
	buf[22] = (uint8_t)(dp >> 8);
	buf[23] = (uint8_t)dp;
	if (proto == IPPROTO_TCP) {
		buf[32] = 5 << 4;
		buf[33] = 0x02;
	} else {
		buf[25] = 8;
	}
}

/* ---- rules ---- */

static struct qt_ruleset *rs;
static uint8_t family;       /* of the rulesets rule() makes: 0 or AF_INET6 */

/* "-A INPUT ..." into a fresh ruleset (ip6tables' when family says); the match named ext, or the
 * target when ext is NULL; its engine state made. */
static struct qt_ext_inst *rule(const char *cmd, const char *ext)
{
	struct qt_test_result r;
	struct qt_ext_inst *in = NULL;
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	rs = qt_ruleset_new(family);
	if (qt_test_cmd(&rs, cmd, &r) != 0) {
		printf("# %s: %s", cmd, r.err.data ? r.err.data : "");
		qt_test_result_free(&r);
		return NULL;
	}
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(rs->tables[QT_TABLE_FILTER], "INPUT");
	struct qt_rule *ru = c->rules[c->nrules - 1];
	if (!ext)
		in = &ru->target;
	for (unsigned i = 0; ext && i < ru->nmatches; i++)
		if (!strcmp(ru->matches[i].ext->name, ext))
			in = &ru->matches[i];
	return in ? qt_test_run(in) : NULL;
}

/* ---- the connection and the packet's view of it ---- */

#define NS 1000000000ull
#define NOW (1000 * NS)

static struct qt_ct_entry E;

/* 10.0.0.1:1234 -> 10.0.0.2:80 TCP, replies from 10.0.0.2:80 (or as
 * NAT rewrote them when the test changes t[1]). */
static void entry(void)
{
	memset(&E, 0, sizeof(E));
	E.t[0] = (struct qt_ct_tuple){ .src.ip = ip("10.0.0.1"), .dst.ip = ip("10.0.0.2"),
				       .sport = 1234, .dport = 80, .proto = 6 };
	E.t[1] = (struct qt_ct_tuple){ .src.ip = ip("10.0.0.2"), .dst.ip = ip("10.0.0.1"),
				       .sport = 80, .dport = 1234, .proto = 6 };
	E.status = QT_IPS_CONFIRMED | QT_IPS_SEEN_REPLY | QT_IPS_ASSURED;
	E.expires = NOW + 150 * NS + NS / 2;     /* 150 s left */
	E.id = 7;
	E.p.tcp.state = QT_TCP_ESTABLISHED;
}

/* How the packet is seen: valid (conntrack ran), state, direction and
 * whether the entry is attached. */
struct view {
	bool valid;
	enum qt_ct_state state;
	enum qt_ct_dir dir;
	struct qt_ct_entry *e;
	bool untracked;
	uint32_t mark;
};

static struct qt_eval ev;

static void eval_for(const struct view *v)
{
	qt_eval_init(&ev, buf, blen, sizeof(buf), blen, QT_HOOK_LOCAL_IN, NULL);
	ev.now_ns = NOW;
	ev.mark = v->mark;
	ev.untracked = v->untracked;
	ev.ct_valid = v->valid;
	ev.ct_state = (uint8_t)v->state;
	ev.ct_dir = (uint8_t)v->dir;
	ev.ct = v->e;
}

static int judge(const struct qt_ext_inst *in, const struct view *v)
{
	if (!in)
		return -1;
	eval_for(v);
	return in->ext->match(in, &ev);
}

static const struct view V_NEW = { true, QT_CT_NEW, QT_CT_ORIG, &E, false, 0 };
static const struct view V_EST = { true, QT_CT_ESTABLISHED, QT_CT_ORIG, &E, false, 0 };
static const struct view V_EST_REPLY = { true, QT_CT_ESTABLISHED, QT_CT_REPLY, &E, false, 0 };
static const struct view V_REL = { true, QT_CT_RELATED, QT_CT_ORIG, &E, false, 0 };
/* INVALID of a known connection: the kernel attaches no entry */
static const struct view V_INV_E = { true, QT_CT_INVALID, QT_CT_ORIG, &E, false, 0 };
static const struct view V_INV = { true, QT_CT_INVALID, QT_CT_ORIG, NULL, false, 0 };
static const struct view V_UNTR = { true, QT_CT_UNTRACKED, QT_CT_ORIG, NULL, false, 0 };
/* raw table: conntrack not run yet; after CT --notrack */
static const struct view V_RAW = { false, QT_CT_INVALID, QT_CT_ORIG, NULL, false, 0 };
static const struct view V_RAW_NOTRACK = { false, QT_CT_INVALID, QT_CT_ORIG, NULL, true, 0 };
/* NEW but the entry went away meanwhile (ev->ct NULL) */
static const struct view V_NEW_GONE = { true, QT_CT_NEW, QT_CT_ORIG, NULL, false, 0 };

#define M(in, v, want, what) is_int(judge(in, v), want, "%s", what)

static void test_state(void)
{
	struct qt_ext_inst *in;

	entry();
	pkt(IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 1234, 80, 0);
	in = rule("-A INPUT -m state --state NEW", "state");
	ok(in && in->ext->conntrack, "state: .conntrack set");
	M(in, &V_NEW, 1, "state NEW: NEW");
	M(in, &V_EST, 0, "state NEW: ESTABLISHED");
	M(in, &V_REL, 0, "state NEW: RELATED");
	M(in, &V_INV_E, 0, "state NEW: INVALID");
	M(in, &V_UNTR, 0, "state NEW: UNTRACKED");
	M(in, &V_NEW_GONE, 1, "state NEW: NEW, entry gone");

	in = rule("-A INPUT -m state --state ESTABLISHED,RELATED", "state");
	M(in, &V_EST, 1, "state EST,REL: ESTABLISHED");
	M(in, &V_EST_REPLY, 1, "state EST,REL: ESTABLISHED reply");
	M(in, &V_REL, 1, "state EST,REL: RELATED");
	M(in, &V_NEW, 0, "state EST,REL: NEW");
	M(in, &V_INV, 0, "state EST,REL: INVALID");

	in = rule("-A INPUT -m state --state INVALID", "state");
	M(in, &V_INV, 1, "state INVALID: INVALID");
	M(in, &V_INV_E, 1, "state INVALID: INVALID of a known connection");
	M(in, &V_RAW, 1, "state INVALID: before conntrack (raw)");
	M(in, &V_RAW_NOTRACK, 0, "state INVALID: raw after --notrack");
	M(in, &V_UNTR, 0, "state INVALID: UNTRACKED");
	M(in, &V_NEW, 0, "state INVALID: NEW");

	in = rule("-A INPUT -m state --state UNTRACKED", "state");
	M(in, &V_UNTR, 1, "state UNTRACKED: UNTRACKED");
	M(in, &V_RAW_NOTRACK, 1, "state UNTRACKED: raw after --notrack");
	M(in, &V_RAW, 0, "state UNTRACKED: raw, tracked");
	M(in, &V_EST, 0, "state UNTRACKED: ESTABLISHED");

	in = rule("-A INPUT -m state ! --state ESTABLISHED,RELATED", "state");
	M(in, &V_NEW, 1, "! state EST,REL: NEW");
	M(in, &V_INV, 1, "! state EST,REL: INVALID");
	M(in, &V_UNTR, 1, "! state EST,REL: UNTRACKED");
	M(in, &V_EST, 0, "! state EST,REL: ESTABLISHED");
	M(in, &V_REL, 0, "! state EST,REL: RELATED");
}

static void test_conntrack(void)
{
	struct qt_ext_inst *in;

	entry();
	pkt(IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 1234, 80, 0);

	in = rule("-A INPUT -m conntrack --ctstate NEW,ESTABLISHED", "conntrack");
	ok(in && in->ext->conntrack, "conntrack: .conntrack set");
	M(in, &V_NEW, 1, "ctstate NEW,EST: NEW");
	M(in, &V_EST_REPLY, 1, "ctstate NEW,EST: EST reply");
	M(in, &V_REL, 0, "ctstate NEW,EST: RELATED");
	M(in, &V_INV_E, 0, "ctstate NEW,EST: INVALID");
	M(in, &V_NEW_GONE, 1, "ctstate NEW,EST: NEW, entry gone (state only)");
	in = rule("-A INPUT -m conntrack --ctstate INVALID,UNTRACKED", "conntrack");
	M(in, &V_INV, 1, "ctstate INV,UNTR: INVALID");
	M(in, &V_UNTR, 1, "ctstate INV,UNTR: UNTRACKED");
	M(in, &V_RAW, 1, "ctstate INV,UNTR: raw");
	M(in, &V_RAW_NOTRACK, 1, "ctstate INV,UNTR: raw after --notrack");
	M(in, &V_EST, 0, "ctstate INV,UNTR: EST");
	in = rule("-A INPUT -m conntrack ! --ctstate INVALID", "conntrack");
	M(in, &V_INV, 0, "! ctstate INVALID: INVALID");
	M(in, &V_UNTR, 1, "! ctstate INVALID: UNTRACKED (no entry, state passed)");
	M(in, &V_EST, 1, "! ctstate INVALID: EST");

	/* SNAT / DNAT from the status bits */
	in = rule("-A INPUT -m conntrack --ctstate SNAT", "conntrack");
	M(in, &V_EST, 0, "ctstate SNAT: no NAT");
	E.status |= QT_IPS_SRC_NAT;
	M(in, &V_EST, 1, "ctstate SNAT: SRC_NAT");
	M(in, &V_INV_E, 0, "ctstate SNAT: INVALID (no entry)");
	in = rule("-A INPUT -m conntrack --ctstate DNAT", "conntrack");
	M(in, &V_EST, 0, "ctstate DNAT: SRC_NAT only");
	E.status |= QT_IPS_DST_NAT;
	M(in, &V_EST, 1, "ctstate DNAT: DST_NAT");
	in = rule("-A INPUT -m conntrack ! --ctstate SNAT", "conntrack");
	M(in, &V_EST, 0, "! ctstate SNAT: SRC_NAT");
	M(in, &V_INV, 1, "! ctstate SNAT: INVALID");
	entry();

	/* without --ctstate nothing matches a packet without entry */
	in = rule("-A INPUT -m conntrack --ctproto tcp", "conntrack");
	M(in, &V_EST, 1, "ctproto tcp: tcp");
	M(in, &V_INV_E, 0, "ctproto tcp: INVALID");
	M(in, &V_UNTR, 0, "ctproto tcp: UNTRACKED");
	M(in, &V_NEW_GONE, 0, "ctproto tcp: entry gone");
	in = rule("-A INPUT -m conntrack ! --ctproto udp", "conntrack");
	M(in, &V_EST, 1, "! ctproto udp: tcp");
	M(in, &V_UNTR, 0, "! ctproto udp: UNTRACKED");
	in = rule("-A INPUT -m conntrack --ctproto udp", "conntrack");
	M(in, &V_EST, 0, "ctproto udp: tcp");
	in = rule("-A INPUT -m conntrack --ctstate UNTRACKED --ctproto tcp", "conntrack");
	M(in, &V_UNTR, 1, "ctstate UNTRACKED --ctproto: only the state counts");

	/* addresses with masks; the reply tuple as NAT made it */
	E.t[1].src.ip = ip("192.168.1.5");
	in = rule("-A INPUT -m conntrack --ctorigsrc 10.0.0.0/24", "conntrack");
	M(in, &V_EST, 1, "ctorigsrc /24: inside");
	E.t[0].src.ip = ip("10.0.1.1");
	M(in, &V_EST, 0, "ctorigsrc /24: outside");
	E.t[0].src.ip = ip("10.0.0.1");
	in = rule("-A INPUT -m conntrack ! --ctorigsrc 10.0.0.0/24", "conntrack");
	M(in, &V_EST, 0, "! ctorigsrc /24: inside");
	in = rule("-A INPUT -m conntrack --ctorigdst 10.0.0.2", "conntrack");
	M(in, &V_EST, 1, "ctorigdst host: equal");
	in = rule("-A INPUT -m conntrack --ctorigdst 10.0.0.3", "conntrack");
	M(in, &V_EST, 0, "ctorigdst host: other");
	in = rule("-A INPUT -m conntrack --ctreplsrc 192.168.1.5", "conntrack");
	M(in, &V_EST, 1, "ctreplsrc: NATed reply source");
	in = rule("-A INPUT -m conntrack --ctreplsrc 10.0.0.2", "conntrack");
	M(in, &V_EST, 0, "ctreplsrc: the original destination");
	in = rule("-A INPUT -m conntrack ! --ctreplsrc 10.0.0.2", "conntrack");
	M(in, &V_EST, 1, "! ctreplsrc: the original destination");
	in = rule("-A INPUT -m conntrack --ctrepldst 10.0.0.0/255.255.255.0", "conntrack");
	M(in, &V_EST, 1, "ctrepldst dotted mask: inside");
	E.t[1].dst.ip = ip("10.0.7.2");
	M(in, &V_EST, 0, "ctrepldst dotted mask: outside");
	E.t[1].dst.ip = ip("10.0.0.99");
	M(in, &V_EST, 1, "ctrepldst dotted mask: only the host byte differs");
	/* a mask that is not a prefix is the whole address (iptables) */
	in = rule("-A INPUT -m conntrack --ctrepldst 10.0.0.0/255.255.0.255", "conntrack");
	M(in, &V_EST, 0, "ctrepldst non-prefix mask: whole address");
	in = rule("-A INPUT -m conntrack --ctorigsrc 0.0.0.0/0", "conntrack");
	M(in, &V_EST, 1, "ctorigsrc /0: anything");
	M(in, &V_INV, 0, "ctorigsrc /0: no entry");
	entry();

	/* ports, ranges in revision 3 */
	in = rule("-A INPUT -m conntrack --ctorigsrcport 1234", "conntrack");
	M(in, &V_EST, 1, "ctorigsrcport 1234");
	in = rule("-A INPUT -m conntrack --ctorigsrcport 1235", "conntrack");
	M(in, &V_EST, 0, "ctorigsrcport 1235");
	in = rule("-A INPUT -m conntrack --ctorigdstport 80:90", "conntrack");
	M(in, &V_EST, 1, "ctorigdstport 80:90: 80");
	E.t[0].dport = 91;
	M(in, &V_EST, 0, "ctorigdstport 80:90: 91");
	E.t[0].dport = 90;
	M(in, &V_EST, 1, "ctorigdstport 80:90: 90");
	in = rule("-A INPUT -m conntrack ! --ctorigdstport 80:90", "conntrack");
	M(in, &V_EST, 0, "! ctorigdstport 80:90: 90");
	E.t[0].dport = 79;
	M(in, &V_EST, 1, "! ctorigdstport 80:90: 79");
	entry();
	in = rule("-A INPUT -m conntrack --ctreplsrcport 80", "conntrack");
	M(in, &V_EST, 1, "ctreplsrcport 80");
	E.t[1].sport = 8080;
	M(in, &V_EST, 0, "ctreplsrcport 80: redirected to 8080");
	in = rule("-A INPUT -m conntrack --ctrepldstport 1000:2000", "conntrack");
	M(in, &V_EST, 1, "ctrepldstport 1000:2000: 1234");
	in = rule("-A INPUT -m conntrack ! --ctrepldstport 1000:2000", "conntrack");
	M(in, &V_EST, 0, "! ctrepldstport 1000:2000: 1234");
	in = rule("-A INPUT -m conntrack --ctrepldstport :1000", "conntrack");
	M(in, &V_EST, 0, "ctrepldstport :1000: 1234");
	in = rule("-A INPUT -m conntrack --ctrepldstport 1234:", "conntrack");
	M(in, &V_EST, 1, "ctrepldstport 1234:: 1234");
	entry();

	/* status: any of the bits; NONE is no bit, so never */
	E.status = QT_IPS_CONFIRMED;
	in = rule("-A INPUT -m conntrack --ctstatus ASSURED", "conntrack");
	M(in, &V_EST, 0, "ctstatus ASSURED: confirmed only");
	E.status |= QT_IPS_ASSURED;
	M(in, &V_EST, 1, "ctstatus ASSURED: assured");
	in = rule("-A INPUT -m conntrack --ctstatus SEEN_REPLY,EXPECTED", "conntrack");
	M(in, &V_EST, 0, "ctstatus SEEN_REPLY,EXPECTED: neither");
	E.status |= QT_IPS_EXPECTED;
	M(in, &V_EST, 1, "ctstatus SEEN_REPLY,EXPECTED: expected");
	in = rule("-A INPUT -m conntrack ! --ctstatus SEEN_REPLY", "conntrack");
	M(in, &V_EST, 1, "! ctstatus SEEN_REPLY: not seen");
	E.status |= QT_IPS_SEEN_REPLY;
	M(in, &V_EST, 0, "! ctstatus SEEN_REPLY: seen");
	in = rule("-A INPUT -m conntrack --ctstatus CONFIRMED", "conntrack");
	M(in, &V_EST, 1, "ctstatus CONFIRMED");
	E.status &= ~QT_IPS_CONFIRMED;
	M(in, &V_NEW, 0, "ctstatus CONFIRMED: unconfirmed");
	in = rule("-A INPUT -m conntrack --ctstatus NONE", "conntrack");
	M(in, &V_EST, 0, "ctstatus NONE: never");
	E.status = 0;
	M(in, &V_EST, 0, "ctstatus NONE: never, even without bits");
	in = rule("-A INPUT -m conntrack ! --ctstatus NONE", "conntrack");
	M(in, &V_EST, 1, "! ctstatus NONE: always with an entry");
	M(in, &V_INV, 0, "! ctstatus NONE: not without one");
	entry();

	/* expiry: whole seconds left (150.5 -> 150) */
	in = rule("-A INPUT -m conntrack --ctexpire 100:150", "conntrack");
	M(in, &V_EST, 1, "ctexpire 100:150: 150 left");
	in = rule("-A INPUT -m conntrack --ctexpire 150", "conntrack");
	M(in, &V_EST, 1, "ctexpire 150: 150 left");
	in = rule("-A INPUT -m conntrack --ctexpire 151:200", "conntrack");
	M(in, &V_EST, 0, "ctexpire 151:200: 150 left");
	in = rule("-A INPUT -m conntrack ! --ctexpire 151:200", "conntrack");
	M(in, &V_EST, 1, "! ctexpire 151:200: 150 left");
	in = rule("-A INPUT -m conntrack ! --ctexpire 0:150", "conntrack");
	M(in, &V_EST, 0, "! ctexpire 0:150: 150 left");
	in = rule("-A INPUT -m conntrack --ctexpire 0", "conntrack");
	E.expires = NOW - NS;
	M(in, &V_EST, 1, "ctexpire 0: already due");
	entry();

	/* direction */
	in = rule("-A INPUT -m conntrack --ctdir ORIGINAL", "conntrack");
	M(in, &V_EST, 1, "ctdir ORIGINAL: original");
	M(in, &V_EST_REPLY, 0, "ctdir ORIGINAL: reply");
	M(in, &V_INV, 0, "ctdir ORIGINAL: no entry");
	in = rule("-A INPUT -m conntrack --ctdir REPLY", "conntrack");
	M(in, &V_EST, 0, "ctdir REPLY: original");
	M(in, &V_EST_REPLY, 1, "ctdir REPLY: reply");

	/* all together */
	in = rule("-A INPUT -m conntrack --ctstate ESTABLISHED --ctproto tcp "
		  "--ctorigsrc 10.0.0.1 --ctrepldst 10.0.0.1 --ctorigdstport 80 "
		  "--ctstatus ASSURED --ctexpire 1:432000 --ctdir REPLY", "conntrack");
	M(in, &V_EST_REPLY, 1, "all options: match");
	M(in, &V_EST, 0, "all options: wrong direction");
	E.status &= ~QT_IPS_ASSURED;
	M(in, &V_EST_REPLY, 0, "all options: not assured");
	entry();
}

/* ip6tables' tuple addresses: all 128 bits (masked) compared, where an
 * IPv4 rule compares the first word only. */
static void test_conntrack6(void)
{
	struct qt_ext_inst *in;

	entry();
	inet_pton(AF_INET6, "2001:db8::1", E.t[0].src.b);
	inet_pton(AF_INET6, "2001:db8:0:1::2", E.t[0].dst.b);
	E.t[1].src = E.t[0].dst;
	E.t[1].dst = E.t[0].src;
	E.t[0].ip6 = E.t[1].ip6 = 1;
	family = AF_INET6;

	in = rule("-A INPUT -m conntrack --ctorigsrc 2001:db8::1", "conntrack");
	M(in, &V_EST, 1, "ip6 ctorigsrc: the whole address");
	in = rule("-A INPUT -m conntrack --ctorigsrc 2001:db8::2", "conntrack");
	M(in, &V_EST, 0, "ip6 ctorigsrc: the last word differs");
	in = rule("-A INPUT -m conntrack --ctorigdst 2001:db8::/64", "conntrack");
	M(in, &V_EST, 0, "ip6 ctorigdst 2001:db8::/64: the fourth word differs");
	in = rule("-A INPUT -m conntrack --ctorigdst 2001:db8::/48", "conntrack");
	M(in, &V_EST, 1, "ip6 ctorigdst 2001:db8::/48");
	in = rule("-A INPUT -m conntrack ! --ctreplsrc 2001:db8:0:1::/64", "conntrack");
	M(in, &V_EST, 0, "ip6 ! ctreplsrc: it is in the prefix");
	in = rule("-A INPUT -m conntrack --ctrepldst 2001:db8::1 --ctreplsrc ::/0", "conntrack");
	M(in, &V_EST, 1, "ip6 ctrepldst, ctreplsrc ::/0");
	in = rule("-A INPUT -m conntrack --ctorigsrc 2001:db8::1/ffff::ff", "conntrack");
	M(in, &V_EST, 1, "ip6 a mask that is no prefix: the whole address");
	family = 0;
	entry();
}

static void test_connmark(void)
{
	struct qt_ext_inst *in;

	entry();
	pkt(IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 1234, 80, 0);
	in = rule("-A INPUT -m connmark --mark 5", "connmark");
	ok(in && in->ext->conntrack, "connmark: .conntrack set");
	E.mark = 5;
	M(in, &V_EST, 1, "connmark 5: 5");
	E.mark = 0x105;
	M(in, &V_EST, 0, "connmark 5: 0x105");
	M(in, &V_INV, 0, "connmark 5: no entry");
	in = rule("-A INPUT -m connmark --mark 5/0xff", "connmark");
	M(in, &V_EST, 1, "connmark 5/0xff: 0x105");
	M(in, &V_INV_E, 0, "connmark 5/0xff: INVALID of the connection");
	in = rule("-A INPUT -m connmark ! --mark 5/0xff", "connmark");
	M(in, &V_EST, 0, "! connmark 5/0xff: 0x105");
	E.mark = 0x106;
	M(in, &V_EST, 1, "! connmark 5/0xff: 0x106");
	M(in, &V_INV, 0, "! connmark: no entry never matches");
	M(in, &V_UNTR, 0, "! connmark: untracked never matches");
}

/* ---- CONNMARK ---- */

struct cm_case {
	const char *opts;
	uint32_t ct, mark;           /* before */
	uint32_t want_ct, want_mark; /* after, the kernel's formulas */
	bool restore;
};

static void test_CONNMARK(void)
{
	const uint32_t C = 0x12345678, P = 0xabcdef01;
	const struct cm_case cases[] = {
		/* set: ct = (ct & ~ctmask) ^ ctmark, then shifted */
		{ "--set-xmark 0x5/0xff", C, P, (C & ~0xffu) ^ 5, P, false },
		{ "--set-xmark 0xf0f0", C, P, (C & 0) ^ 0xf0f0, P, false },
		{ "--set-xmark 0x11/0x10", C, P, (C & ~0x10u) ^ 0x11, P, false },
		/* --set-mark V/M: zero M, OR in V */
		{ "--set-mark 0x5/0xf", C, P, (C & ~0xfu) | 5, P, false },
		{ "--set-mark 0x30/0xf", C, P, (C & ~0xfu) | 0x30, P, false },
		{ "--set-mark 7", C, P, 7, P, false },
		{ "--and-mark 0xff00", C, P, C & 0xff00, P, false },
		{ "--or-mark 0x80000001", C, P, C | 0x80000001, P, false },
		{ "--xor-mark 0xffff", C, P, C ^ 0xffff, P, false },
		{ "--set-xmark 0x1/0xffffffff --left-shift-mark 4", C, P, 0x10, P, false },
		{ "--set-xmark 0x100/0xf00 --right-shift-mark 8", C, P,
		  ((C & ~0xf00u) ^ 0x100) >> 8, P, false },
		/* save: ct = (ct & ~ctmask) ^ shift(mark & nfmask) */
		{ "--save-mark", C, P, P, P, false },
		{ "--save-mark --mask 0xff", C, P, (C & ~0xffu) | (P & 0xff), P, false },
		{ "--save-mark --nfmask 0xf0 --ctmask 0x0f", C, P,
		  (C & ~0x0fu) ^ (P & 0xf0), P, false },
		{ "--save-mark --nfmask 0xff00 --ctmask 0xff --right-shift-mark 8", C, P,
		  (C & ~0xffu) ^ ((P & 0xff00) >> 8), P, false },
		{ "--save-mark --nfmask 0xff --ctmask 0xff00 --left-shift-mark 8", C, P,
		  (C & ~0xff00u) ^ ((P & 0xff) << 8), P, false },
		/* restore: mark = (mark & ~nfmask) ^ shift(ct & ctmask) */
		{ "--restore-mark", C, P, C, C, true },
		{ "--restore-mark --mask 0xff", C, P, C, (P & ~0xffu) | (C & 0xff), true },
		{ "--restore-mark --ctmask 0xf0 --nfmask 0x0f", C, P, C,
		  (P & ~0x0fu) ^ (C & 0xf0), true },
		{ "--restore-mark --ctmask 0xff --nfmask 0xff00 --left-shift-mark 8", C, P, C,
		  (P & ~0xff00u) ^ ((C & 0xff) << 8), true },
		{ "--restore-mark --ctmask 0xff000000 --nfmask 0xff --right-shift-mark 24", C, P, C,
		  (P & ~0xffu) ^ ((C & 0xff000000) >> 24), true },
	};
	char cmd[256];

	entry();
	pkt(IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 1234, 80, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cm_case *c = &cases[i];
		snprintf(cmd, sizeof(cmd), "-A INPUT -j CONNMARK %s", c->opts);
		struct qt_ext_inst *t = rule(cmd, NULL);
		if (!t) {
			ok(0, "CONNMARK %s: rule", c->opts);
			continue;
		}
		if (i == 0)
			ok(t->ext->conntrack, "CONNMARK: .conntrack set");
		struct view v = V_EST;
		v.mark = c->mark;
		E.mark = c->ct;
		eval_for(&v);
		int vd = t->ext->target(t, &ev);
		is_int(vd, QT_XT_CONTINUE, "CONNMARK %s: continue", c->opts);
		is_int((long long)E.mark, (long long)c->want_ct, "CONNMARK %s: ctmark", c->opts);
		is_int((long long)ev.mark, (long long)c->want_mark, "CONNMARK %s: mark", c->opts);
		is_int(ev.mark_changed, c->restore, "CONNMARK %s: mark_changed", c->opts);

		/* no entry: nothing at all */
		const struct view *none[] = { &V_INV, &V_INV_E, &V_UNTR, &V_RAW };
		bool same = true;
		for (size_t j = 0; j < 4; j++) {
			v = *none[j];
			v.mark = c->mark;
			E.mark = c->ct;
			eval_for(&v);
			t->ext->target(t, &ev);
			same = same && E.mark == c->ct && ev.mark == c->mark &&
			       !ev.mark_changed;
		}
		ok(same, "CONNMARK %s: without entry nothing changes", c->opts);
	}
}

/* ---- connlimit ---- */

#define NCONN 16
static struct qt_ct_entry C[NCONN];
static uint32_t next_id = 100;

/* Connection i: TCP from src:1000+i to dst:80, NEW, not confirmed. */
static struct qt_ct_entry *conn(int i, const char *src, const char *dst)
{
	struct qt_ct_entry *e = &C[i];
	memset(e, 0, sizeof(*e));
	e->t[0] = (struct qt_ct_tuple){ .src.ip = ip(src), .dst.ip = ip(dst),
		.sport = (uint16_t)(1000 + i), .dport = 80, .proto = 6 };
	e->id = next_id++;
	e->p.tcp.state = QT_TCP_SYN_SENT;
	return e;
}

static uint64_t cl_now = NOW;
static bool hot;

/* A packet of e (NULL: one without entry, state given) judged. */
static int cl_judge(struct qt_ext_inst *in, struct qt_ct_entry *e,
		    enum qt_ct_state st, const char *src, const char *dst)
{
	if (!in)
		return -1;
	struct view v = { true, st, QT_CT_ORIG, e, false, 0 };
	pkt(IPPROTO_TCP, src, dst, e ? e->t[0].sport : 999, 80, 0);
	eval_for(&v);
	ev.now_ns = cl_now;
	int m = in->ext->match(in, &ev);
	hot = ev.hotdrop;
	return m;
}

#define A "10.0.0.1"
#define D "10.0.0.2"
#define CL(in, i, want, what) do { \
	is_int(cl_judge(in, &C[i], QT_CT_NEW, A, D), want, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)

static void confirm(int i) { C[i].status |= QT_IPS_CONFIRMED; }

static void test_connlimit(void)
{
	struct qt_ext_inst *in, *in2;

	in = rule("-A INPUT -p tcp --syn -m connlimit --connlimit-above 2", "connlimit");
	ok(in && in->ext->conntrack && qt_ext_state(in), "connlimit: .conntrack, state made");
	conn(0, A, D);
	CL(in, 0, 0, "above 2: 1st connection (1)");
	confirm(0);
	conn(1, A, D);
	CL(in, 1, 0, "above 2: 2nd connection (2)");
	confirm(1);
	CL(in, 1, 0, "above 2: 2nd connection again, not counted twice");
	conn(2, A, D);
	CL(in, 2, 1, "above 2: 3rd connection (3)");
	/* the 3rd was rejected: its entry goes (slot reused: id changes) */
	C[2].id = next_id++;
	conn(3, A, D);
	CL(in, 3, 1, "above 2: 4th connection (3: 1, 2 and 4)");
	confirm(3);
	C[0].p.tcp.state = QT_TCP_TIME_WAIT;
	CL(in, 3, 0, "above 2: 1st in TIME_WAIT (2)");
	C[0].p.tcp.state = QT_TCP_ESTABLISHED;
	CL(in, 3, 0, "above 2: a TIME_WAIT connection left the list for good");
	conn(4, A, D);
	CL(in, 4, 1, "above 2: 5th (3: 2, 4, 5)");
	C[4].id = next_id++;
	C[1].p.tcp.state = QT_TCP_CLOSE;
	conn(5, A, D);
	CL(in, 5, 0, "above 2: 2nd CLOSE, 5th gone (2: 4, 6)");
	confirm(5);
	C[3].status |= QT_IPS_DYING;
	conn(6, A, D);
	CL(in, 6, 0, "above 2: 4th dying (2: 6, 7)");
	confirm(6);
	/* another address is another count */
	conn(7, "10.0.0.9", D);
	is_int(cl_judge(in, &C[7], QT_CT_NEW, "10.0.0.9", D), 0, "above 2: other source (1)");
	/* the current connection counts even in TIME_WAIT */
	conn(8, A, D);
	C[8].p.tcp.state = QT_TCP_TIME_WAIT;
	CL(in, 8, 1, "above 2: own connection in TIME_WAIT counts (3)");
	C[8].id = next_id++;
	/* a packet without entry counts itself, and is not kept */
	is_int(cl_judge(in, NULL, QT_CT_INVALID, A, D), 1, "above 2: no entry (2 + itself)");
	ok(!hot, "above 2: no entry: not dropped");
	is_int(cl_judge(in, NULL, QT_CT_UNTRACKED, A, D), 1, "above 2: untracked (2 + itself)");
	CL(in, 6, 0, "above 2: no-entry packets were not kept (2)");
	/* INVALID of a known connection: the kernel has no entry either */
	is_int(cl_judge(in, &C[6], QT_CT_INVALID, A, D), 1,
	       "above 2: INVALID packet of a counted connection counts anew (3)");
	/* a packet without tuple and without entry is dropped */
	{
		struct view v = { true, QT_CT_INVALID, QT_CT_ORIG, NULL, false, 0 };
		pkt(IPPROTO_TCP, A, D, 1, 80, 100);
		eval_for(&v);
		is_int(in->ext->match(in, &ev), 0, "connlimit: later fragment without entry");
		ok(ev.hotdrop, "connlimit: later fragment without entry: dropped");
	}

	/* in flight: another packet's unconfirmed entry counts for 2
	 * jiffies (8 ms at HZ 250) */
	in = rule("-A INPUT -p tcp --syn -m connlimit --connlimit-upto 1", "connlimit");
	conn(0, A, D);
	CL(in, 0, 1, "upto 1: 1st (1)");
	conn(1, A, D);
	cl_now += 1000000;
	CL(in, 1, 0, "upto 1: 2nd 1 ms later, 1st still in flight (2)");
	cl_now += 10000000;
	conn(2, A, D);
	CL(in, 2, 1, "upto 1: 3rd 11 ms later, both unconfirmed ones gone (1)");
	confirm(2);
	cl_now += 10 * NS;
	conn(3, A, D);
	CL(in, 3, 0, "upto 1: confirmed ones stay (2)");
	cl_now = NOW;

	/* ! --connlimit-upto is --connlimit-above */
	in = rule("-A INPUT -p tcp -m connlimit ! --connlimit-upto 1", "connlimit");
	conn(0, A, D);
	confirm(0);
	CL(in, 0, 0, "! upto 1: 1");
	conn(1, A, D);
	CL(in, 1, 1, "! upto 1: 2");

	/* masks and destination grouping */
	in = rule("-A INPUT -p tcp -m connlimit --connlimit-above 1 --connlimit-mask 24", "connlimit");
	conn(0, "10.0.0.1", D);
	confirm(0);
	is_int(cl_judge(in, &C[0], QT_CT_NEW, "10.0.0.1", D), 0, "mask 24: 10.0.0.1 (1)");
	conn(1, "10.0.0.200", D);
	is_int(cl_judge(in, &C[1], QT_CT_NEW, "10.0.0.200", D), 1, "mask 24: 10.0.0.200 (2)");
	conn(2, "10.0.1.1", D);
	is_int(cl_judge(in, &C[2], QT_CT_NEW, "10.0.1.1", D), 0, "mask 24: 10.0.1.1 (1)");

	in2 = rule("-A INPUT -p tcp -m connlimit --connlimit-upto 1 --connlimit-daddr", "connlimit");
	conn(0, "10.0.0.1", "10.9.9.9");
	confirm(0);
	is_int(cl_judge(in2, &C[0], QT_CT_NEW, "10.0.0.1", "10.9.9.9"), 1, "daddr: 1st to 10.9.9.9");
	conn(1, "10.0.0.5", "10.9.9.9");
	is_int(cl_judge(in2, &C[1], QT_CT_NEW, "10.0.0.5", "10.9.9.9"), 0, "daddr: 2nd to 10.9.9.9, other source");
	conn(2, "10.0.0.5", "10.9.9.8");
	is_int(cl_judge(in2, &C[2], QT_CT_NEW, "10.0.0.5", "10.9.9.8"), 1, "daddr: to 10.9.9.8");

	/* UDP entries are not closed by a TCP state byte */
	in = rule("-A INPUT -m connlimit --connlimit-above 1", "connlimit");
	conn(0, A, D);
	C[0].t[0].proto = 17;
	C[0].p.tcp.state = QT_TCP_TIME_WAIT;
	confirm(0);
	CL(in, 0, 0, "udp: 1");
	conn(1, A, D);
	CL(in, 1, 1, "udp: the udp connection still counts (2)");
}

/* The key table is bounded: a new address when it is full is dropped
 * (the kernel's allocation failure), until gone connections free room. */
#define NFILL 16384
static void test_connlimit_full(void)
{
	static struct qt_ct_entry F[NFILL + 1];
	struct qt_ext_inst *in = rule("-A INPUT -m connlimit --connlimit-above 5", "connlimit");
	char src[32];
	int bad = 0;
	for (int i = 0; i <= NFILL; i++) {
		snprintf(src, sizeof(src), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		F[i].t[0] = (struct qt_ct_tuple){ .src.ip = ip(src), .dst.ip = ip(D),
			.sport = 1, .dport = 80, .proto = 6 };
		F[i].id = next_id++;
		F[i].p.tcp.state = QT_TCP_ESTABLISHED;
		F[i].status = QT_IPS_CONFIRMED;
		struct view v = { true, QT_CT_NEW, QT_CT_ORIG, &F[i], false, 0 };
		pkt(IPPROTO_TCP, src, D, 1, 80, 0);
		eval_for(&v);
		bool m = in->ext->match(in, &ev);
		if (i < NFILL && (m || ev.hotdrop))
			bad++;
		if (i == NFILL) {
			ok(!m && ev.hotdrop, "connlimit full: a new address is dropped");
			/* half the connections go: room is found again */
			for (int j = 0; j < NFILL / 2; j++)
				F[j].id = next_id++;
			eval_for(&v);
			m = in->ext->match(in, &ev);
			ok(!m && !ev.hotdrop, "connlimit full: room after connections went");
		}
	}
	is_int(bad, 0, "connlimit full: %d addresses counted", NFILL);
}

int main(void)
{
	test_state();
	test_conntrack();
	test_conntrack6();
	test_connmark();
	test_CONNMARK();
	test_connlimit();
	test_connlimit_full();
	ok(qt_ext_find("CT", QT_EXT_TARGET)->conntrack, "CT: .conntrack set");
	ok(qt_ext_find("NOTRACK", QT_EXT_TARGET)->conntrack, "NOTRACK: .conntrack set");
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
