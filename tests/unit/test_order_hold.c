/* daemon/order_hold: a flow's packets judged in the order they first
 * came while some are sent back (NF_REPEAT) to be queued again: the
 * steps one by one, then a simulated kernel queue (sent back packets go
 * to its tail, new ones arrive between bursts, some come cut short,
 * some sent back are lost) checked for order and for nothing held for
 * ever. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "order_hold.h"
#include "tap.h"

/* An IPv4 TCP packet of 10.0.1.2:sport -> 10.0.2.2:80, IP id and seq
 * as given. */
static void tcp4(uint8_t *b, uint16_t sport, uint16_t ipid, uint32_t seq)
{
	memset(b, 0, 60);
	b[0] = 0x45;
	b[2] = 0x05, b[3] = 0xdc;
	b[4] = (uint8_t)(ipid >> 8), b[5] = (uint8_t)ipid;
	b[6] = 0x40;
	b[8] = 64, b[9] = 6;
	b[12] = 10, b[14] = 1, b[15] = 2;
	b[16] = 10, b[18] = 2, b[19] = 2;
	b[20] = (uint8_t)(sport >> 8), b[21] = (uint8_t)sport;
	b[23] = 80;
	b[24] = (uint8_t)(seq >> 24), b[25] = (uint8_t)(seq >> 16);
	b[26] = (uint8_t)(seq >> 8), b[27] = (uint8_t)seq;
	b[32] = 0x50, b[33] = 0x10;
}

static struct qt_hold_pkt key(uint16_t sport, uint16_t ipid, uint32_t seq)
{
	uint8_t b[60];
	struct qt_hold_pkt k;
	tcp4(b, sport, ipid, seq);
	qt_hold_pkt_of(b, sizeof(b), 1500, 0, 0, &k);
	return k;
}

static void keys(void)
{
	uint8_t b[60];
	struct qt_hold_pkt a, k;
	tcp4(b, 1000, 1, 100);
	qt_hold_pkt_of(b, sizeof(b), 1500, 0, 0, &a);
	qt_hold_pkt_of(b, sizeof(b), 1500, 0, 0, &k);
	ok(a.flow == k.flow && a.ident == k.ident, "the same bytes: the same packet");
	qt_hold_pkt_of(b, 40, 1500, 0, 0, &k);
	ok(a.flow == k.flow && a.ident != k.ident,
	   "a shorter copy of it: its flow, another packet");
	qt_hold_pkt_of(b, sizeof(b), 9000, 0, 0, &k);
	ok(a.flow == k.flow && a.ident != k.ident, "another length: another packet");
	qt_hold_pkt_of(b, sizeof(b), 1500, 0, 4, &k);
	ok(a.flow != k.flow, "another hook: another flow");
	qt_hold_pkt_of(b, sizeof(b), 1500, 1, 0, &k);
	ok(a.flow != k.flow, "another queue: another flow");
	k = key(1000, 2, 100);
	ok(a.flow == k.flow && a.ident != k.ident, "another IP id: another packet");
	k = key(1000, 1, 1548);
	ok(a.flow == k.flow && a.ident != k.ident, "another seq: another packet");
	k = key(1001, 1, 100);
	ok(a.flow != k.flow, "another port: another flow");
	/* a fragment has no ports: one flow with its host pair's others */
	tcp4(b, 1000, 1, 100);
	b[6] = 0x20;
	qt_hold_pkt_of(b, sizeof(b), 1500, 0, 0, &a);
	tcp4(b, 2000, 1, 100);
	b[6] = 0x20;
	qt_hold_pkt_of(b, sizeof(b), 1500, 0, 0, &k);
	ok(a.flow == k.flow, "fragments: their addresses and protocol");
	qt_hold_pkt_of(b, 0, 0, 0, 0, &k);
	ok(1, "an empty packet is read without harm");
}

static void steps(void)
{
	struct qt_hold *h = qt_hold_new();
	struct qt_hold_pkt p = key(1000, 1, 100), q = key(1000, 2, 1548),
			   r = key(1000, 3, 2996), o = key(2000, 1, 100);
	uint64_t now = 1000;
	ok(!qt_hold_any(h), "nothing held at first");
	is_int(qt_hold_arrive(h, &p, now), QT_HOLD_JUDGE, "P: judged");
	ok(qt_hold_sent_back(h, &p, now), "P sent back (cut short)");
	ok(qt_hold_any(h), "its flow is held");
	is_int(qt_hold_arrive(h, &q, now), QT_HOLD_REPEAT, "Q, after P: sent back");
	is_int(qt_hold_arrive(h, &o, now), QT_HOLD_JUDGE, "another flow's: judged");
	is_int(qt_hold_arrive(h, &p, now), QT_HOLD_JUDGE, "P back: judged");
	is_int(qt_hold_arrive(h, &r, now), QT_HOLD_REPEAT,
	       "R, new while Q is out: sent back");
	is_int(qt_hold_arrive(h, &q, now), QT_HOLD_JUDGE, "Q back: judged");
	is_int(qt_hold_arrive(h, &r, now), QT_HOLD_JUDGE, "R back: judged");
	ok(!qt_hold_any(h), "the flow is let go once none is out");
	is_int((long long)qt_hold_stats(h)->held, 2, "two sent back to keep order");

	/* P comes back cut short again: it stays first */
	is_int(qt_hold_arrive(h, &p, now), QT_HOLD_JUDGE, "P: judged");
	ok(qt_hold_sent_back(h, &p, now), "P sent back");
	is_int(qt_hold_arrive(h, &q, now), QT_HOLD_REPEAT, "Q: sent back");
	is_int(qt_hold_arrive(h, &p, now), QT_HOLD_JUDGE, "P back");
	ok(qt_hold_sent_back(h, &p, now), "P sent back again (cut short again)");
	is_int(qt_hold_arrive(h, &q, now), QT_HOLD_REPEAT,
	       "Q, back before P's second trip: round again");
	is_int(qt_hold_arrive(h, &p, now), QT_HOLD_JUDGE, "P back: judged");
	is_int(qt_hold_arrive(h, &q, now), QT_HOLD_JUDGE, "then Q");
	ok(!qt_hold_any(h), "let go");
	is_int((long long)qt_hold_stats(h)->lost, 0, "none lost");

	/* P lost: Q, sent back after it, comes back first */
	is_int(qt_hold_arrive(h, &p, now), QT_HOLD_JUDGE, "P: judged");
	ok(qt_hold_sent_back(h, &p, now), "P sent back");
	is_int(qt_hold_arrive(h, &q, now), QT_HOLD_REPEAT, "Q: sent back");
	is_int(qt_hold_arrive(h, &q, now), QT_HOLD_JUDGE,
	       "Q back before P: P is gone, Q judged");
	is_int((long long)qt_hold_stats(h)->lost, 1, "P counted lost");
	ok(!qt_hold_any(h), "let go");
	is_int(qt_hold_arrive(h, &p, now), QT_HOLD_JUDGE,
	       "P after all (a late copy): judged");

	/* P lost and nothing else of its flow: let go after QT_HOLD_NS */
	ok(qt_hold_sent_back(h, &p, now), "P sent back");
	is_int(qt_hold_arrive(h, &q, now + QT_HOLD_NS), QT_HOLD_REPEAT,
	       "Q within the wait: sent back");
	is_int(qt_hold_arrive(h, &r, now + QT_HOLD_NS + 1), QT_HOLD_JUDGE,
	       "R after the wait: judged");
	is_int((long long)qt_hold_stats(h)->expired, 1, "the flow expired");
	ok(!qt_hold_any(h), "let go");
	is_int(qt_hold_arrive(h, &q, now + QT_HOLD_NS + 2), QT_HOLD_JUDGE,
	       "Q back after: judged");
	qt_hold_free(h);

	/* more flows than the table holds: the rest is sent back unheld */
	h = qt_hold_new();
	unsigned fails = 0, n = 200;
	for (unsigned i = 0; i < n; i++) {
		struct qt_hold_pkt k = key((uint16_t)(3000 + i), 1, 1);
		fails += !qt_hold_sent_back(h, &k, now);
	}
	ok(fails > 0 && fails < n, "a full table says so (%u of %u not held)",
	   fails, n);
	is_int((long long)qt_hold_stats(h)->overflow, fails, "counted");
	qt_hold_free(h);
}

/* ---- a simulated queue ---- */

struct spkt {
	uint16_t flow;          /* sport */
	uint32_t n;             /* its place in its flow */
	bool cut;               /* comes cut short (until sent back once) */
};

#define SIM_FLOWS 6
#define QCAP 4096

static struct spkt queue_[QCAP];
static unsigned qh, qt_;

static void enqueue(struct spkt s)
{
	if (qt_ - qh < QCAP)
		queue_[qt_++ % QCAP] = s;
}

static struct qt_hold_pkt skey(const struct spkt *s)
{
	return key(s->flow, (uint16_t)s->n, s->n * 1448u);
}

/* one run: bursts of up to 8, new packets between them; every packet
 * of a flow's first ncut comes cut short once; a packet sent back is
 * lost with probability lose/100. Fails on a packet judged before an
 * earlier one of its flow that is not lost. */
static void simulate(unsigned seed, unsigned lose, unsigned ncut,
		     unsigned *reordered, unsigned *judged, unsigned *held,
		     unsigned *missing)
{
	unsigned arrived = 0, nlost = 0;
	struct qt_hold *h = qt_hold_new();
	uint32_t next[SIM_FLOWS] = { 0 }, done[SIM_FLOWS] = { 0 };
	bool lost_[SIM_FLOWS][400];
	memset(lost_, 0, sizeof(lost_));
	uint64_t now = 1;
	srand(seed);
	qh = qt_ = 0;
	*reordered = *judged = 0;
	for (unsigned round = 0; round < 3000; round++) {
		/* arrivals */
		unsigned na = round < 400 ? (unsigned)(rand() % 4) : 0;
		for (unsigned a = 0; a < na; a++) {
			unsigned f = (unsigned)rand() % SIM_FLOWS;
			if (next[f] >= 400)
				continue;
			struct spkt s = { (uint16_t)(5000 + f), next[f],
					  next[f] < ncut };
			next[f]++;
			arrived++;
			enqueue(s);
		}
		/* a burst; sent back ones go to the tail after it */
		struct spkt back[8];
		unsigned nb = 0;
		for (unsigned i = 0; i < 8 && qh < qt_; i++) {
			struct spkt s = queue_[qh++ % QCAP];
			struct qt_hold_pkt k = skey(&s);
			unsigned f = s.flow - 5000u;
			if (qt_hold_arrive(h, &k, now) == QT_HOLD_REPEAT) {
				back[nb++] = s;
				continue;
			}
			if (s.cut) {
				qt_hold_sent_back(h, &k, now);
				s.cut = false;
				back[nb++] = s;
				continue;
			}
			(*judged)++;
			/* every earlier one of its flow judged or lost */
			for (uint32_t e = done[f]; e < s.n; e++)
				if (!lost_[f][e])
					(*reordered)++;
			if (s.n + 1 > done[f])
				done[f] = s.n + 1;
		}
		for (unsigned i = 0; i < nb; i++) {
			if ((unsigned)rand() % 100 < lose) {
				lost_[back[i].flow - 5000u][back[i].n] = true;
				nlost++;
				continue;
			}
			enqueue(back[i]);
		}
		now += 1000;
	}
	*held = (unsigned)qt_hold_stats(h)->held;
	/* every packet judged or lost: none held for ever */
	*missing = arrived - nlost - *judged;
	ok(qh == qt_, "seed %u: the queue drained (%u left)", seed, qt_ - qh);
	qt_hold_free(h);
}

static void simulated(void)
{
	unsigned reordered, judged, held, missing;
	simulate(1, 0, 0, &reordered, &judged, &held, &missing);
	ok(reordered == 0 && !missing && judged > 300,
	   "nothing sent back: in order (%u judged)", judged);
	is_int(held, 0, "none held");
	for (unsigned seed = 2; seed < 7; seed++) {
		simulate(seed, 0, 30, &reordered, &judged, &held, &missing);
		ok(reordered == 0 && held > 0 && !missing,
		   "seed %u: 30 cut short per flow: %u judged, %u held, "
		   "%u out of order", seed, judged, held, reordered);
	}
	for (unsigned seed = 7; seed < 12; seed++) {
		simulate(seed, 20, 60, &reordered, &judged, &held, &missing);
		ok(reordered == 0 && held > 0 && !missing,
		   "seed %u: a fifth of those sent back lost: %u judged, "
		   "%u held, %u out of order", seed, judged, held, reordered);
	}
}

int main(void)
{
	keys();
	steps();
	simulated();
	return done_testing();
}
