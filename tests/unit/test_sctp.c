/* The engine side of the sctp match (extensions/sctp.c) as the kernel's
 * xt_sctp decides: ports, the chunk walk of --chunk-types any, all and
 * only, chunk flags, and the packets it drops (a common header cut
 * short, a chunk header cut short, a chunk of length 0); rules typed as
 * iptables commands, packets built as bytes here. The drops, the walk
 * past a chunk longer than the packet and the 4-byte step of a length
 * of 1 were checked on the kernel (6.18, iptables-nft 1.8.9: rules in
 * FORWARD of a namespace, packets sent with scapy; a drop moves no
 * counter); the rest through tests/bats/sctp.bats with QT_ORACLE=1. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "eval.h"
#include "ext.h"
#include "qt_test.h"
#include "tap.h"

/* ---- packets ---- */

static uint8_t buf[2048];
static uint32_t blen;

/* An SCTP packet from sp to dp with the chunks given as bytes (each
 * chunk's header and value, as it should be on the wire); tot: the IP
 * total length field (0: the real length); frag: the fragment field. */
static void sctp_pkt_raw(uint16_t sp, uint16_t dp, const uint8_t *chunks,
			 uint32_t clen, uint16_t frag)
{
	memset(buf, 0, sizeof(buf));
	uint32_t l4len = 12 + clen;
	buf[0] = 0x45;
	buf[2] = (uint8_t)((20 + l4len) >> 8);
	buf[3] = (uint8_t)(20 + l4len);
	buf[6] = (uint8_t)(frag >> 8);
	buf[7] = (uint8_t)frag;
	buf[8] = 64;
	buf[9] = IPPROTO_SCTP;
	inet_pton(AF_INET, "10.0.0.1", buf + 12);
	inet_pton(AF_INET, "10.0.0.2", buf + 16);
	uint8_t *h = buf + 20;
	h[0] = (uint8_t)(sp >> 8);
	h[1] = (uint8_t)sp;
	h[2] = (uint8_t)(dp >> 8);
	h[3] = (uint8_t)dp;
	h[4] = 0x11;                 /* some verification tag */
	if (clen)
		memcpy(h + 12, chunks, clen);
	blen = 20 + l4len;
}

/* Chunks as (type, flags, value length) triples, each value zeros and
 * padded to 4 bytes; n triples. */
static void sctp_pkt(uint16_t sp, uint16_t dp, unsigned n, const int *tfl)
{
	uint8_t c[512];
	uint32_t off = 0;
	memset(c, 0, sizeof(c));
	for (unsigned i = 0; i < n; i++) {
		uint16_t len = (uint16_t)(4 + tfl[3 * i + 2]);
		c[off] = (uint8_t)tfl[3 * i];
		c[off + 1] = (uint8_t)tfl[3 * i + 1];
		c[off + 2] = (uint8_t)(len >> 8);
		c[off + 3] = (uint8_t)len;
		off += (len + 3u) & ~3u;
	}
	sctp_pkt_raw(sp, dp, c, off, 0);
}

#define PKT(sp, dp, ...) do { \
	static const int tfl_[] = { __VA_ARGS__ }; \
	sctp_pkt(sp, dp, sizeof(tfl_) / sizeof(tfl_[0]) / 3, tfl_); \
} while (0)

/* chunk types */
enum { DATA = 0, INIT = 1, INIT_ACK = 2, SACK = 3, HEARTBEAT = 4,
       ABORT = 6, SHUTDOWN = 7, COOKIE_ECHO = 10, SHUTDOWN_COMPLETE = 14,
       I_DATA = 64 };

/* ---- rules ---- */

static struct qt_ruleset *rs;
static struct qt_ext_inst *inst;

/* "-A INPUT ..." into a fresh ruleset; inst = its sctp match. */
static struct qt_ext_inst *rule(const char *cmd)
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
		if (!strcmp(ru->matches[i].ext->name, "sctp"))
			inst = &ru->matches[i];
	if (inst)
		inst = qt_test_run(inst);
	return inst;
}

static bool hot;

static int judge(void)
{
	struct qt_eval ev;
	if (!inst)
		return -1;
	qt_eval_init(&ev, buf, blen, sizeof(buf), blen, QT_HOOK_LOCAL_IN, NULL);
	bool m = inst->ext->match(inst, &ev);
	hot = ev.hotdrop;
	return m;
}

#define MATCH(what) do { is_int(judge(), 1, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)
#define NOMATCH(what) do { is_int(judge(), 0, "%s", what); \
	ok(!hot, "%s: not dropped", what); } while (0)
#define DROPPED(what) do { is_int(judge(), 0, "%s", what); \
	ok(hot, "%s: dropped", what); } while (0)

static void test_ports(void)
{
	struct qt_class_key k;

	ok(rule("-A INPUT -p sctp --dport 20:30 --sport 7") != NULL,
	   "sctp ports rule");
	PKT(7, 25, DATA, 0, 4);
	MATCH("dport in range, sport equal");
	PKT(7, 31, DATA, 0, 4);
	NOMATCH("dport above range");
	PKT(8, 25, DATA, 0, 4);
	NOMATCH("sport differs");
	memset(&k, 0, sizeof(k));
	inst->ext->classify(inst, &k);
	ok(k.sport_set && k.sport[0] == 7 && k.sport[1] == 7 && k.dport_set &&
	   k.dport[0] == 20 && k.dport[1] == 30, "classify: both ranges");
	is_int((int)inst->ext->copy_need(inst), 0,
	       "ports only: headers are enough");

	rule("-A INPUT -p sctp ! --dport 0:100");
	PKT(1, 100, DATA, 0, 4);
	NOMATCH("! --dport 0:100: 100");
	PKT(1, 101, DATA, 0, 4);
	MATCH("! --dport 0:100: 101 (kept as given, not folded)");
	memset(&k, 0, sizeof(k));
	inst->ext->classify(inst, &k);
	ok(!k.sport_set && !k.dport_set, "classify: nothing when inverted");

	rule("-A INPUT -p sctp ! --sport 0:65535");
	PKT(1, 1, DATA, 0, 4);
	NOMATCH("! --sport 0:65535 matches nothing");

	rule("-A INPUT -p sctp -m sctp");
	PKT(1, 1, DATA, 0, 4);
	MATCH("bare -p sctp");
	sctp_pkt_raw(1, 1, NULL, 0, 0);
	MATCH("bare -p sctp: no chunks needed");
	sctp_pkt_raw(1, 1, NULL, 0, 0);
	buf[3] = 20 + 11;
	blen = 20 + 11;
	DROPPED("common header one byte short");
	PKT(1, 1, DATA, 0, 4);
	buf[6] = 0x00;
	buf[7] = 0x01;
	NOMATCH("a non-first fragment");
}

static void test_chunks_any(void)
{
	rule("-A INPUT -p sctp --chunk-types any INIT,COOKIE_ECHO");
	is_int((int)inst->ext->copy_need(inst), 0xffff,
	       "chunk types: the whole packet is copied");
	PKT(1, 1, INIT, 0, 16);
	MATCH("any: INIT");
	PKT(1, 1, COOKIE_ECHO, 0, 8, DATA, 0, 20);
	MATCH("any: COOKIE_ECHO bundled with DATA");
	PKT(1, 1, DATA, 0, 20, SACK, 0, 12);
	NOMATCH("any: DATA and SACK");
	PKT(1, 1, DATA, 0, 5, SACK, 0, 1, INIT, 0, 3);
	MATCH("any: INIT third, after padded chunks");

	rule("-A INPUT -p sctp ! --chunk-types any INIT");
	PKT(1, 1, DATA, 0, 4);
	MATCH("! any INIT: DATA");
	PKT(1, 1, INIT, 0, 16);
	NOMATCH("! any INIT: INIT");
}

static void test_chunks_all_only(void)
{
	rule("-A INPUT -p sctp --chunk-types all DATA,SACK");
	PKT(1, 1, SACK, 0, 12, DATA, 0, 20);
	MATCH("all DATA,SACK: both");
	PKT(1, 1, DATA, 0, 20, DATA, 0, 20);
	NOMATCH("all DATA,SACK: DATA only");
	PKT(1, 1, HEARTBEAT, 0, 8, DATA, 0, 4, SACK, 0, 12);
	MATCH("all DATA,SACK: others besides");

	rule("-A INPUT -p sctp --chunk-types all ALL");
	PKT(1, 1, DATA, 0, 4, SACK, 0, 12);
	NOMATCH("all ALL: never every type");

	rule("-A INPUT -p sctp --chunk-types only DATA,SACK");
	PKT(1, 1, SACK, 0, 12, DATA, 0, 20);
	MATCH("only DATA,SACK: both");
	PKT(1, 1, DATA, 0, 20);
	MATCH("only DATA,SACK: DATA alone");
	PKT(1, 1, DATA, 0, 20, HEARTBEAT, 0, 8);
	NOMATCH("only DATA,SACK: HEARTBEAT too");

	rule("-A INPUT -p sctp --chunk-types only NONE");
	PKT(1, 1, DATA, 0, 4);
	NOMATCH("only NONE: any chunk");

	rule("-A INPUT -p sctp --chunk-types any ALL");
	PKT(1, 1, 200, 0, 4);
	MATCH("any ALL: an unknown type");
}

static void test_flags(void)
{
	rule("-A INPUT -p sctp --chunk-types any DATA:Be");
	PKT(1, 1, DATA, 0x02, 4);
	MATCH("DATA:Be: B set, E clear");
	PKT(1, 1, DATA, 0x03, 4);
	NOMATCH("DATA:Be: E set");
	PKT(1, 1, DATA, 0x00, 4);
	NOMATCH("DATA:Be: B clear");
	PKT(1, 1, DATA, 0x0e, 4);
	MATCH("DATA:Be: I and U not looked at");

	rule("-A INPUT -p sctp --chunk-types only DATA:E,SACK");
	PKT(1, 1, SACK, 0xff, 4, DATA, 0x01, 4);
	MATCH("only DATA:E,SACK: SACK's flags free");
	PKT(1, 1, SACK, 0, 4, DATA, 0x00, 4);
	NOMATCH("only DATA:E,SACK: a DATA without E");

	rule("-A INPUT -p sctp --chunk-types all ABORT:T,SHUTDOWN_COMPLETE:t");
	PKT(1, 1, ABORT, 0x01, 4, SHUTDOWN_COMPLETE, 0x00, 0);
	MATCH("all ABORT:T,SHUTDOWN_COMPLETE:t");
	PKT(1, 1, ABORT, 0x01, 4, SHUTDOWN_COMPLETE, 0x01, 0);
	NOMATCH("all ...: SHUTDOWN_COMPLETE with T does not count");

	/* libxt_sctp keeps I_DATA's flags under its name place (15), which
	 * is not its type (64): they never apply */
	rule("-A INPUT -p sctp --chunk-types any I_DATA:I");
	PKT(1, 1, I_DATA, 0x00, 4);
	MATCH("I_DATA:I: the flag is not looked at");
}

static void test_hotdrop(void)
{
	rule("-A INPUT -p sctp --chunk-types any INIT");
	sctp_pkt_raw(1, 1, NULL, 0, 0);
	DROPPED("no chunk at all");
	static const uint8_t zero_len[] = { 0, 0, 0, 0, 1, 0, 0, 4 };
	sctp_pkt_raw(1, 1, zero_len, sizeof(zero_len), 0);
	DROPPED("a chunk of length 0");
	static const uint8_t cut[] = { 0, 0, 0, 8, 0, 0, 0, 0, 1, 0 };
	sctp_pkt_raw(1, 1, cut, sizeof(cut), 0);
	DROPPED("the second chunk header cut short");
	static const uint8_t long_len[] = { 0, 0, 0x01, 0, 0, 0, 0, 0 };
	sctp_pkt_raw(1, 1, long_len, sizeof(long_len), 0);
	NOMATCH("a chunk longer than the packet ends the walk");
	static const uint8_t short_len[] = { 0, 0, 0, 1, 1, 0, 0, 4 };
	sctp_pkt_raw(1, 1, short_len, sizeof(short_len), 0);
	MATCH("a length of 1 steps 4 bytes on");

	rule("-A INPUT -p sctp ! --chunk-types any INIT");
	sctp_pkt_raw(1, 1, zero_len, sizeof(zero_len), 0);
	DROPPED("inverted: a chunk of length 0 still drops");

	rule("-A INPUT -p sctp --dport 9 --chunk-types any INIT");
	sctp_pkt_raw(1, 1, zero_len, sizeof(zero_len), 0);
	NOMATCH("ports decide first: no walk, no drop");
}

int main(void)
{
	test_ports();
	test_chunks_any();
	test_chunks_all_only();
	test_flags();
	test_hotdrop();
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
