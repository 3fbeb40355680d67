/* The hash of HMARK and cluster against values the kernel produced, and
 * the engine side of both on packets built as bytes.
 *
 * The kernel's values were read in a pair of namespaces (no qtables):
 * UDP datagrams from SRC:SPORT to 10.200.0.1:DPORT through
 *   -t mangle -A PREROUTING -j HMARK --hmark-tuple src,dst,sport,dport
 *      --hmark-mod 0xffffffff --hmark-offset 1 --hmark-rnd RND
 * (the mark is then the whole jhash_3words(lower address, higher
 * address, higher port << 16 | lower port, RND): scaled by 2^32 - 1 it
 * loses one, the offset gives it back), and through nft's
 *   meta mark set jhash ip saddr mod 4294967295 seed SEED offset 1
 * (jhash over the 4 bytes of the address, which is jhash_1word of the
 * address as loaded from memory, what xt_cluster hashes), each mark
 * read off counting rules of the datagram's length and one mark bit. */
#include <arpa/inet.h>
#include <string.h>

#include "eval.h"
#include "ext.h"
#include "nat.h"
#include "qt_test.h"
#include "tap.h"

struct kcase {
	const char *src;
	uint16_t sport, dport;
	uint32_t h3[2];            /* HMARK with rnd 0, 0xdeadbeef */
	uint32_t h1[2];            /* nft jhash ip saddr seed 0, 5 */
};

static const struct kcase kcases[] = {
	{ "10.165.77.102", 42660, 3165, { 0xe33f5b80, 0xf1f99a02 },
	  { 0x08465de2, 0x069db28c } },
	{ "10.37.48.94", 38194, 3802, { 0xdff57b13, 0x68841b4b },
	  { 0xe1cea89e, 0x9cd1afb0 } },
	{ "10.109.19.23", 28420, 27406, { 0x5029e22c, 0xee278568 },
	  { 0xe8a9547b, 0xd90f5d35 } },
	{ "10.35.123.24", 36114, 27822, { 0xdd74488a, 0x243cca41 },
	  { 0x433df73e, 0x21712942 } },
	{ "10.30.63.243", 14631, 41329, { 0xdbbb72ec, 0xaf15e224 },
	  { 0x5d4ffac0, 0x1daf9c59 } },
	{ "10.31.203.13", 63980, 14489, { 0xe1b4af38, 0x191c4cf5 },
	  { 0x6a4380d3, 0x30507d39 } },
	{ "10.23.68.75", 27469, 9454, { 0x896919c4, 0x631e3f21 },
	  { 0xdd31faa5, 0x632b5383 } },
	{ "10.60.157.144", 53486, 44696, { 0xf9008957, 0x4ec4892a },
	  { 0x2a8fa409, 0x06ec267a } },
};
#define NCASES (sizeof(kcases) / sizeof(kcases[0]))
static const uint32_t rnds[2] = { 0, 0xdeadbeef };
static const uint32_t seeds[2] = { 0, 5 };

static uint32_t host_addr(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

static void jhash_vectors(void)
{
	uint32_t dst = host_addr("10.200.0.1");
	for (unsigned i = 0; i < NCASES; i++) {
		const struct kcase *k = &kcases[i];
		uint32_t src = host_addr(k->src);
		uint16_t hi = k->sport > k->dport ? k->sport : k->dport;
		uint16_t lo = k->sport > k->dport ? k->dport : k->sport;
		uint32_t w[3] = { src < dst ? src : dst, src < dst ? dst : src,
				  (uint32_t)hi << 16 | lo };
		for (unsigned r = 0; r < 2; r++)
			is_int(qt_nat_jhash2(w, 3, rnds[r]), k->h3[r],
			       "jhash_3words of %s:%u rnd 0x%x as the kernel's",
			       k->src, k->sport, rnds[r]);
		struct in_addr a;
		inet_pton(AF_INET, k->src, &a);
		uint32_t word = a.s_addr;   /* as loaded from memory */
		for (unsigned s = 0; s < 2; s++)
			is_int(qt_nat_jhash2(&word, 1, seeds[s]), k->h1[s],
			       "jhash_1word of %s seed %u as the kernel's",
			       k->src, seeds[s]);
	}
}

static uint8_t buf[2048];
static uint32_t blen;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 header at p: protocol proto, total length n. */
static void ip4(uint8_t *p, const char *src, const char *dst, uint8_t proto,
		uint16_t n)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, n);
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
}

static void udp4(const char *src, uint16_t sp, const char *dst, uint16_t dp)
{
	memset(buf, 0, sizeof(buf));
	ip4(buf, src, dst, IPPROTO_UDP, 28);
	put16(buf + 20, sp);
	put16(buf + 22, dp);
	put16(buf + 24, 8);
	blen = 28;
}

static struct qt_ruleset *rs;

/* The first match or the target of "-t mangle -A PREROUTING ARGS". */
static struct qt_ext_inst *rule(const char *args, bool target)
{
	char cmd[512];
	struct qt_test_result r;
	snprintf(cmd, sizeof(cmd), "-t mangle -A PREROUTING %s", args);
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	rs = qt_ruleset_new(AF_INET);
	if (qt_test_cmd(&rs, cmd, &r) != 0) {
		printf("# %s: %s", cmd, r.err.data ? r.err.data : "");
		qt_test_result_free(&r);
		return NULL;
	}
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(rs->tables[QT_TABLE_MANGLE],
					    "PREROUTING");
	struct qt_rule *ru = c->rules[c->nrules - 1];
	return qt_test_run(target ? &ru->target : &ru->matches[0]);
}

static struct qt_eval ev;

/* HMARK ARGS on buf (the queue's copy copylen bytes): the verdict. */
static int hmark(const char *args, uint32_t copylen)
{
	char a[400];
	snprintf(a, sizeof(a), "-j HMARK %s", args);
	struct qt_ext_inst *in = rule(a, true);
	if (!in)
		return -1;
	qt_eval_init(&ev, buf, copylen, sizeof(buf), blen,
		     QT_HOOK_PRE_ROUTING, NULL);
	ev.mark = 0x77;
	return in->ext->target(in, &ev);
}

static void hmark_packets(void)
{
	for (unsigned i = 0; i < NCASES; i++) {
		const struct kcase *k = &kcases[i];
		udp4(k->src, k->sport, "10.200.0.1", k->dport);
		for (unsigned r = 0; r < 2; r++) {
			char args[200];
			snprintf(args, sizeof(args),
				 "--hmark-tuple src,dst,sport,dport --hmark-mod 0xffffffff --hmark-offset 1 --hmark-rnd 0x%x",
				 rnds[r]);
			int v = hmark(args, blen);
			ok(v == QT_XT_CONTINUE && ev.mark_changed &&
			   ev.mark == k->h3[r],
			   "HMARK of %s:%u rnd 0x%x: the kernel's mark (0x%x)",
			   k->src, k->sport, rnds[r], ev.mark);
		}
	}

	/* an ICMP error's quoted header: the mark of the quoted datagram
	 * (addresses and ports the other way round hash the same) */
	const struct kcase *k = &kcases[0];
	udp4("10.200.0.1", k->dport, k->src, k->sport);
	uint8_t quoted[28];
	memcpy(quoted, buf, 28);
	memset(buf, 0, sizeof(buf));
	ip4(buf, "192.0.2.9", "10.200.0.1", IPPROTO_ICMP, 20 + 8 + 28);
	buf[20] = 3;
	buf[21] = 3;
	memcpy(buf + 28, quoted, 28);
	blen = 56;
	const char *a0 = "--hmark-tuple src,dst,sport,dport --hmark-mod 0xffffffff --hmark-offset 1 --hmark-rnd 0";
	ok(hmark(a0, blen) == QT_XT_CONTINUE && ev.mark == k->h3[0],
	   "an ICMP error hashes the datagram it quotes");
	/* the queue's copy ends inside the quoted header: unknown, dropped */
	ok(hmark(a0, 40) == QT_XT_DROP, "a copy cut inside the quoted header drops");
	/* the packet itself ends there: the kernel leaves the mark */
	buf[3] = 40;
	blen = 40;
	ok(hmark(a0, blen) == QT_XT_CONTINUE && !ev.mark_changed &&
	   ev.mark == 0x77, "an error quoting a header cut short leaves the mark");

	/* --hmark-tuple ct without a connection: the mark stays */
	udp4(k->src, k->sport, "10.200.0.1", k->dport);
	ok(hmark("--hmark-tuple ct,src --hmark-mod 10 --hmark-rnd 1", blen) ==
	   QT_XT_CONTINUE && !ev.mark_changed && ev.mark == 0x77,
	   "--hmark-tuple ct without a connection leaves the mark");
	/* nothing masked in: one value whatever the packet, offset added */
	ok(hmark("--hmark-tuple ct --hmark-mod 1 --hmark-rnd 1 --hmark-offset 9",
		 blen) == QT_XT_CONTINUE && ev.mark == 0x77,
	   "no connection: no mark even with nothing to hash");
	udp4("10.1.1.1", 1, "10.2.2.2", 2);
	ok(hmark("--hmark-proto-mask 0 --hmark-mod 1 --hmark-rnd 1 --hmark-offset 9",
		 blen) == QT_XT_CONTINUE && ev.mark == 9,
	   "mod 1: the offset alone");
}

/* Packets of random bytes under IPv4 and IPv6 headers of random
 * lengths, copies cut at random: HMARK never reads past the copy (the
 * bytes after it are poisoned with a pattern whose reading would show
 * as a mark that differs from the uncut copy's), and drops only a
 * packet whose copy is cut. */
static uint32_t rng = 12345;
static uint32_t rnd32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void random_packets(void)
{
	static const char *const args[] = {
		"--hmark-tuple src,dst,sport,dport,proto --hmark-mod 0xffffffff --hmark-rnd 3",
		"--hmark-tuple spi,src --hmark-spi 1 --hmark-mod 1000 --hmark-rnd 4",
	};
	static const uint8_t protos[] = { 1, 6, 17, 50, 51, 58, 0, 43, 44, 60, 59, 132 };
	unsigned bad = 0, drops_cut = 0, drops_whole = 0, n = 0;
	for (unsigned a = 0; a < 2; a++) {
		char cmd[200];
		snprintf(cmd, sizeof(cmd), "-j HMARK %s", args[a]);
		for (int fam = 4; fam <= 6; fam += 2) {
			struct qt_ext_inst *in;
			if (fam == 6) {
				qt_test_runs_free();
				qt_ruleset_free(rs);
				rs = qt_ruleset_new(AF_INET6);
				struct qt_test_result r;
				char c6[300];
				snprintf(c6, sizeof(c6), "-t mangle -A PREROUTING %s", cmd);
				if (qt_test_cmd(&rs, c6, &r) != 0) {
					qt_test_result_free(&r);
					ok(0, "ip6tables rule refused");
					continue;
				}
				qt_test_result_free(&r);
				struct qt_chain *c = qt_table_chain(
					rs->tables[QT_TABLE_MANGLE], "PREROUTING");
				in = qt_test_run(&c->rules[0]->target);
			} else {
				in = rule(cmd, true);
			}
			for (unsigned i = 0; i < 1500 && in; i++) {
				uint32_t len = 20 + rnd32() % 180;
				for (uint32_t k = 0; k < len; k++)
					buf[k] = (uint8_t)rnd32();
				if (fam == 4) {
					buf[0] = (uint8_t)(0x40 | (5 + rnd32() % 3));
					buf[6] = rnd32() % 4 ? 0 : buf[6];
					buf[9] = protos[rnd32() % sizeof(protos)];
					put16(buf + 2, (uint16_t)len);
				} else {
					if (len < 40)
						len = 40 + len;
					buf[0] = 0x60;
					buf[6] = protos[rnd32() % sizeof(protos)];
					put16(buf + 4, (uint16_t)(len - 40));
				}
				blen = len;
				uint32_t cut = len - rnd32() % (len + 1) / 2;
				qt_eval_init(&ev, buf, len, sizeof(buf), len,
					     QT_HOOK_PRE_ROUTING, NULL);
				int v = in->ext->target(in, &ev);
				uint32_t whole = ev.mark;
				bool marked = ev.mark_changed;
				memset(buf + cut, 0xa5, sizeof(buf) - cut);
				qt_eval_init(&ev, buf, cut, sizeof(buf), len,
					     QT_HOOK_PRE_ROUTING, NULL);
				int w = in->ext->target(in, &ev);
				n++;
				if (v != QT_XT_CONTINUE)
					drops_whole++;
				if (w == QT_XT_DROP)
					drops_cut += cut < len ? 1 : 1000;
				else if (w != QT_XT_CONTINUE ||
					 ev.mark_changed != marked ||
					 (marked && ev.mark != whole))
					bad++;
			}
		}
	}
	if (bad || drops_whole)
		printf("# %u differ, %u whole copies dropped\n", bad, drops_whole);
	ok(n == 6000 && !bad && !drops_whole && drops_cut < 1000,
	   "%u random packets: a whole copy never dropped, a cut one dropped (%u) or hashed as whole",
	   n, drops_cut);
}

static void cluster_without_connection(void)
{
	udp4("10.1.1.1", 1, "10.2.2.2", 2);
	for (int inv = 0; inv < 2; inv++) {
		struct qt_ext_inst *in = rule(inv ?
			"-m cluster --cluster-total-nodes 2 ! --cluster-local-nodemask 3 --cluster-hash-seed 1" :
			"-m cluster --cluster-total-nodes 2 --cluster-local-nodemask 3 --cluster-hash-seed 1",
			false);
		if (!in) {
			ok(0, "cluster rule refused");
			continue;
		}
		qt_eval_init(&ev, buf, blen, sizeof(buf), blen,
			     QT_HOOK_PRE_ROUTING, NULL);
		ok(!in->ext->match(in, &ev),
		   "a packet without a connection never matches%s",
		   inv ? ", '!' or not" : "");
	}
}

int main(void)
{
	jhash_vectors();
	hmark_packets();
	cluster_without_connection();
	random_packets();
	qt_test_runs_free();
	if (rs)
		qt_ruleset_free(rs);
	return done_testing();
}
