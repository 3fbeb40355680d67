/* The packet memory between hooks (engine/ct_glue.c) under a flood the
 * kernel's queue cannot hold: packets remembered at PREROUTING whose
 * later hooks never come (the kernel dropped them between hooks) must
 * not cost a packet in flight its memory. A DNATed packet forgotten
 * there reaches FORWARD looking like neither of its connection's tuples:
 * INVALID, and a stateful FORWARD chain drops it. */
#include "nat_harness.h"

/* The flow's packet number i: a UDP datagram to the firewall's DNATed
 * port, its IP id i (the only field that tells two apart). */
static void flood_pkt(struct hpkt *k, uint32_t i)
{
	h_udp(k, "10.0.1.2", 40000, "10.0.1.1", 9000);
	h_put16(k->b + 4, (uint16_t)i);
	h_ip_fill(k->b);
}

static void flood(void)
{
	static const char *const rules[] = {
		"-t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 9000 -j DNAT --to-destination 10.0.2.2",
		"-P FORWARD DROP",
		"-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
		"-A FORWARD -d 10.0.2.2 -p udp --dport 9000 -m conntrack --ctstate NEW -j ACCEPT",
		NULL,
	};
	struct harness h;
	h_start(&h, rules);
	struct hpkt k;
	uint32_t id = 1;
	flood_pkt(&k, id++);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "the flow's first packet passes");
	ok(h_daddr(&k) == h_ip("10.0.2.2"), "translated");

	/* a long flood seen at PREROUTING only */
	for (int i = 0; i < 60000; i++) {
		flood_pkt(&k, id++);
		h_hook(&h, &k, QT_HOOK_PRE_ROUTING, 1, 0, false);
	}
	/* then packets in flight while more are dropped between hooks */
	int lost = 0, invalid = 0;
	for (int n = 0; n < 200; n++) {
		struct hpkt x;
		flood_pkt(&x, id++);
		int v = h_hook(&h, &x, QT_HOOK_PRE_ROUTING, 1, 0, false);
		for (int i = 0; i < 1000; i++) {
			flood_pkt(&k, id++);
			h_hook(&h, &k, QT_HOOK_PRE_ROUTING, 1, 0, false);
		}
		if (v == QT_XT_ACCEPT)
			v = h_hook(&h, &x, QT_HOOK_FORWARD, 1, 2, false);
		if (v == QT_XT_ACCEPT)
			v = h_hook(&h, &x, QT_HOOK_POST_ROUTING, 0, 2, false);
		lost += v != QT_XT_ACCEPT;
		invalid += h_daddr(&x) != h_ip("10.0.2.2");
	}
	is_int(lost, 0, "no packet in flight dropped after 260,000 lost between hooks");
	is_int(invalid, 0, "every one translated");
	h_stop(&h);
}

/* Identical packets in flight together (a peer's RSTs answering
 * segments that crossed its close: IP id 0, the same seq): they share
 * one memory, and the first to reach its last hook must leave it to the
 * others. Translated at PREROUTING, a twin that lost it would look like
 * neither tuple at FORWARD (INVALID: dropped by the policy) and be left
 * untranslated at POSTROUTING. */
static void twins(void)
{
	static const char *const rules[] = {
		"-t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 9000 -j DNAT --to-destination 10.0.2.2",
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE",
		"-P FORWARD DROP",
		"-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
		"-A FORWARD -d 10.0.2.2 -p udp --dport 9000 -m conntrack --ctstate NEW -j ACCEPT",
		NULL,
	};
	struct harness h;
	h_start(&h, rules);
	struct hpkt a, b, c;
	flood_pkt(&a, 1);
	is_int(h_forward(&h, &a), QT_XT_ACCEPT, "twins: the flow's first packet passes");
	flood_pkt(&a, 2);
	b = a;
	c = a;
	/* three at PREROUTING, then each through the rest in turn */
	struct hpkt *tw[3] = { &a, &b, &c };
	int v[3], wrong = 0;
	for (int i = 0; i < 3; i++)
		v[i] = h_hook(&h, tw[i], QT_HOOK_PRE_ROUTING, 1, 0, false);
	for (int i = 0; i < 3; i++) {
		if (v[i] == QT_XT_ACCEPT)
			v[i] = h_hook(&h, tw[i], QT_HOOK_FORWARD, 1, 2, false);
		if (v[i] == QT_XT_ACCEPT)
			v[i] = h_hook(&h, tw[i], QT_HOOK_POST_ROUTING, 0, 2, false);
		if (v[i] != QT_XT_ACCEPT || h_daddr(tw[i]) != h_ip("10.0.2.2") ||
		    h_saddr(tw[i]) != h_ip("10.0.2.1")) {
			wrong++;
			printf("#   twin %d: verdict %d\n", i, v[i]);
		}
	}
	is_int(wrong, 0, "three twins in flight: each passes, both addresses translated");
	/* the slot is free once the last has left: a later twin is a new
	 * packet, remembered afresh */
	flood_pkt(&a, 2);
	is_int(h_forward(&h, &a), QT_XT_ACCEPT, "a twin after them passes");
	ok(h_saddr(&a) == h_ip("10.0.2.1"), "and is translated");
	h_stop(&h);
}

/* Connections' first packets (NEW, their entries unconfirmed: only the
 * memory of them tells their later hooks what they are) reach FORWARD
 * and POSTROUTING in another order than they left PREROUTING, with
 * gaps (packets dropped between hooks, others gone to INPUT): each is
 * still recalled as itself, the one next in line or not. Forgotten, a
 * DNATed one would be INVALID at FORWARD and dropped by the policy. */
static void out_of_line(void)
{
	static const char *const rules[] = {
		"-t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 9000 -j DNAT --to-destination 10.0.2.2",
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE",
		"-P FORWARD DROP",
		"-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
		"-A FORWARD -d 10.0.2.2 -p udp --dport 9000 -m conntrack --ctstate NEW -j ACCEPT",
		NULL,
	};
	enum { N = 96 };
	struct harness h;
	h_start(&h, rules);
	static struct hpkt k[N];
	int v[N];
	for (int i = 0; i < N; i++) {
		h_udp(&k[i], "10.0.1.2", (uint16_t)(20000 + i), "10.0.1.1", 9000);
		h_put16(k[i].b + 4, (uint16_t)(7 * i + 1));
		h_ip_fill(k[i].b);
		v[i] = h_hook(&h, &k[i], QT_HOOK_PRE_ROUTING, 1, 0, false);
	}
	int wrong = 0;
	for (int j = 0; j < N; j++) {
		/* mostly in turn; every 4th pair swapped, every 5th and a
		 * run of 12 lost between hooks, the last 8 in reverse */
		int i = j >= N - 8 ? 2 * N - 9 - j : (j / 2) % 4 == 3 ? j ^ 1 : j;
		if (i % 5 == 2 || (i >= 40 && i < 52))
			continue;
		if (v[i] == QT_XT_ACCEPT)
			v[i] = h_hook(&h, &k[i], QT_HOOK_FORWARD, 1, 2, false);
		if (v[i] == QT_XT_ACCEPT)
			v[i] = h_hook(&h, &k[i], QT_HOOK_POST_ROUTING, 0, 2, false);
		/* its own connection's bindings: the source port kept */
		if (v[i] != QT_XT_ACCEPT || h_daddr(&k[i]) != h_ip("10.0.2.2") ||
		    h_saddr(&k[i]) != h_ip("10.0.2.1") ||
		    h_sport(&k[i]) != 20000 + i) {
			wrong++;
			printf("#   packet %d: verdict %d, source port %u\n", i,
			       v[i], h_sport(&k[i]));
		}
	}
	is_int(wrong, 0, "first packets out of line and with gaps: each passes, translated as its own connection");
	h_stop(&h);
}

int main(void)
{
	flood();
	twins();
	out_of_line();
	return done_testing();
}
