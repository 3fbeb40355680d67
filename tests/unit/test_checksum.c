/* The engine side of -j CHECKSUM --checksum-fill (extensions/CHECKSUM.c):
 * packets built as bytes with the checksum field as a sending stack
 * leaves it for the card (the pseudo-header's sum only), run through the
 * target; the result checked by summing the packet independently. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "csum.h"
#include "eval.h"
#include "ext.h"
#include "qt_test.h"
#include "tap.h"

static struct qt_ruleset *rs;

static const struct qt_ext_inst *checksum_target(void)
{
	struct qt_test_result r;
	rs = qt_ruleset_new(0);
	qt_test_cmd(&rs, "-t mangle -A POSTROUTING -j CHECKSUM --checksum-fill", &r);
	is_int(r.status, 0, "the rule is taken");
	qt_test_result_free(&r);
	struct qt_chain *c = qt_table_chain(rs->tables[QT_TABLE_MANGLE], "POSTROUTING");
	return c && c->nrules ? qt_test_run(&c->rules[0]->target) : NULL;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 packet 10.0.1.2 -> 10.0.2.2 with n transport bytes at l4, its
 * transport checksum field (at csum_at) holding what a stack leaves for
 * the card: the pseudo-header's folded sum, not complemented. */
static uint32_t build(uint8_t *pkt, uint8_t proto, const uint8_t *l4,
		      uint32_t n, unsigned csum_at)
{
	static const uint8_t ip[20] = { 0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 0,
					0, 0, 10, 0, 1, 2, 10, 0, 2, 2 };
	memcpy(pkt, ip, 20);
	pkt[9] = proto;
	put16(pkt + 2, (uint16_t)(20 + n));
	put16(pkt + 10, (uint16_t)~qt_csum_fold(qt_csum_add(0, pkt, 20)));
	memcpy(pkt + 20, l4, n);
	if (csum_at) {
		uint32_t s = qt_csum_add(0, pkt + 12, 8) + proto + n;
		put16(pkt + 20 + csum_at, qt_csum_fold(s));
	}
	return 20 + n;
}

/* The target on the packet; its verdict and whether it was rewritten. */
static int run(const struct qt_ext_inst *t, uint8_t *pkt, uint32_t n,
	       bool not_ready, bool gso, bool *rewritten)
{
	struct qt_eval ev;
	qt_eval_init(&ev, pkt, n, n, n, QT_HOOK_POST_ROUTING, NULL);
	ev.csum_not_ready = not_ready;
	ev.gso = gso;
	int v = t->ext->target(t, &ev);
	*rewritten = ev.rewritten;
	ok(!ev.csum_not_ready || !ev.rewritten,
	   "a rewritten packet is no longer partial");
	return v;
}

static bool csum_holds(const uint8_t *pkt, uint32_t n)
{
	struct qt_pkt p;
	qt_pkt_parse_ipv4(&p, pkt, n);
	return qt_pkt_csum_holds(&p);
}

int main(void)
{
	const struct qt_ext_inst *t = checksum_target();
	if (!t)
		return done_testing();
	uint8_t pkt[256], copy[256];
	bool rw;

	/* UDP 4000 -> 67, "dhcp" */
	const uint8_t udp[12] = { 0x0f, 0xa0, 0, 67, 0, 12, 0, 0,
				  'd', 'h', 'c', 'p' };
	uint32_t n = build(pkt, IPPROTO_UDP, udp, sizeof(udp), 6);
	ok(!csum_holds(pkt, n), "UDP: the partial sum does not hold as it is");
	is_int(run(t, pkt, n, true, false, &rw), QT_XT_CONTINUE,
	       "UDP: the walk goes on");
	ok(rw, "UDP: handed back with the verdict");
	ok(csum_holds(pkt, n), "UDP: the filled checksum holds");

	/* the same bytes not marked partial: left as they are */
	n = build(pkt, IPPROTO_UDP, udp, sizeof(udp), 6);
	memcpy(copy, pkt, n);
	run(t, pkt, n, false, false, &rw);
	ok(!rw && !memcmp(pkt, copy, n), "UDP not partial: untouched");
	/* a GSO packet gets its checksums per segment later */
	run(t, pkt, n, true, true, &rw);
	ok(!rw && !memcmp(pkt, copy, n), "GSO: untouched");

	/* a TCP SYN with options */
	const uint8_t tcp[24] = { 0x9c, 0x40, 0x1a, 0x2e, 1, 2, 3, 4, 0, 0, 0, 0,
				  0x60, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
				  2, 4, 0x05, 0xb4 };
	n = build(pkt, IPPROTO_TCP, tcp, sizeof(tcp), 16);
	run(t, pkt, n, true, false, &rw);
	ok(rw && csum_holds(pkt, n), "TCP: the filled checksum holds");

	/* a datagram whose sum comes to 0 gets 0xffff (0 is "no checksum") */
	uint8_t z[12];
	memcpy(z, udp, sizeof(z));
	n = build(pkt, IPPROTO_UDP, z, sizeof(z), 0);
	uint32_t s = qt_csum_add(0, pkt + 12, 8) + IPPROTO_UDP + sizeof(z);
	s = qt_csum_add(s, pkt + 20, sizeof(z) - 2);
	/* the last two payload bytes chosen so that the whole sums to ~0 */
	put16(z + 10, (uint16_t)~qt_csum_fold(s));
	n = build(pkt, IPPROTO_UDP, z, sizeof(z), 6);
	run(t, pkt, n, true, false, &rw);
	is_int(get16(pkt + 26), 0xffff, "UDP summing to 0: 0xffff");

	/* ICMP is never partial in a stack's hands: another protocol is
	 * left, wherever its checksum would be */
	const uint8_t icmp[8] = { 8, 0, 0, 0, 0, 1, 0, 1 };
	n = build(pkt, IPPROTO_ICMP, icmp, sizeof(icmp), 0);
	memcpy(copy, pkt, n);
	run(t, pkt, n, true, false, &rw);
	ok(!rw && !memcmp(pkt, copy, n), "ICMP: untouched");

	/* a copy shorter than the packet cannot be handed back */
	n = build(pkt, IPPROTO_UDP, udp, sizeof(udp), 6);
	memcpy(copy, pkt, n);
	struct qt_eval ev;
	qt_eval_init(&ev, pkt, 28, 28, n, QT_HOOK_POST_ROUTING, NULL);
	ev.csum_not_ready = true;
	t->ext->target(t, &ev);
	ok(!ev.rewritten && !memcmp(pkt, copy, n), "cut copy: untouched");

	qt_test_runs_free();
	qt_ruleset_free(rs);
	return done_testing();
}
