/* Two identical packets in flight at once (engine/ct_glue.c): a
 * retransmission (a resolver's same query from an unconnected socket,
 * IP id 0; a SYN sent again) that reaches PREROUTING while the first is
 * still between its hooks. The first packet's entry, unconfirmed, must
 * still be confirmed at its last hook; the second is NEW like it (not a
 * packet of an established connection) and translated alike, as the
 * kernel does when the two pass one after the other.
 * And a flow whose first packet the kernel dropped between hooks (its
 * queue full when a burst began): the next packet that leaves its last
 * hook confirms the entry, as the kernel confirms that packet's own. */
#include "nat_harness.h"

#define SYN 0x02

static void same_udp(struct hpkt *k)
{
	h_udp(k, "10.0.1.2", 40000, "10.0.1.1", 53);
	h_put16(k->b + 4, 0);
	h_ip_fill(k->b);
}

static void udp_twins(void)
{
	static const char *const rules[] = {
		"-t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 53 -j DNAT --to-destination 10.0.2.2",
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE",
		"-P FORWARD DROP",
		"-A FORWARD -m conntrack --ctstate ESTABLISHED -j DROP",
		"-A FORWARD -m conntrack --ctstate NEW -j ACCEPT",
		NULL,
	};
	struct harness h;
	h_start(&h, rules);
	struct hpkt a, b;
	same_udp(&a);
	same_udp(&b);
	int va = h_hook(&h, &a, QT_HOOK_PRE_ROUTING, 1, 0, false);
	int vb = h_hook(&h, &b, QT_HOOK_PRE_ROUTING, 1, 0, false);
	ok(va == QT_XT_ACCEPT && vb == QT_XT_ACCEPT, "both at PREROUTING");
	va = h_hook(&h, &a, QT_HOOK_FORWARD, 1, 2, false);
	vb = h_hook(&h, &b, QT_HOOK_FORWARD, 1, 2, false);
	ok(va == QT_XT_ACCEPT && vb == QT_XT_ACCEPT,
	   "both NEW at FORWARD (neither taken for an established one)");
	va = h_hook(&h, &a, QT_HOOK_POST_ROUTING, 0, 2, false);
	vb = h_hook(&h, &b, QT_HOOK_POST_ROUTING, 0, 2, false);
	ok(va == QT_XT_ACCEPT && vb == QT_XT_ACCEPT, "both at POSTROUTING");
	ok(h_daddr(&a) == h_ip("10.0.2.2") && h_daddr(&b) == h_ip("10.0.2.2") &&
	   h_saddr(&a) == h_ip("10.0.2.1") && h_saddr(&b) == h_ip("10.0.2.1") &&
	   h_sport(&a) == 40000 && h_sport(&b) == 40000,
	   "both translated alike");
	struct qt_ct_entry *e = h_entry(&h, IPPROTO_UDP, "10.0.1.2", 40000,
					"10.0.1.1", 53);
	ok(e && (e->status & QT_IPS_CONFIRMED), "the entry is confirmed");
	is_int(qt_ct_count(qt_ctg_shard(h.ctg)), 1, "one entry");
	/* the reply finds it, long after the unconfirmed would be gone */
	h.now += 10 * NS_PER_S;
	struct hpkt r;
	h_udp(&r, "10.0.2.2", 53, "10.0.2.1", 40000);
	int vr = h_forward(&h, &r);
	ok(vr == QT_XT_DROP && h_daddr(&r) == h_ip("10.0.1.2"),
	   "the reply is ESTABLISHED, translated back (and dropped by the "
	   "rule for that)");
	h_stop(&h);
}

static void syn_twins(void)
{
	static const char *const rules[] = {
		"-A FORWARD -m conntrack --ctstate ESTABLISHED -j DROP",
		NULL,
	};
	struct harness h;
	h_start(&h, rules);
	struct hpkt a, b;
	h_tcp(&a, "10.0.1.2", 40001, "10.0.2.2", 80, SYN, 100, 0);
	h_tcp(&b, "10.0.1.2", 40001, "10.0.2.2", 80, SYN, 100, 0);
	h_hook(&h, &a, QT_HOOK_PRE_ROUTING, 1, 0, false);
	h_hook(&h, &b, QT_HOOK_PRE_ROUTING, 1, 0, false);
	int va = h_hook(&h, &a, QT_HOOK_FORWARD, 1, 2, false);
	int vb = h_hook(&h, &b, QT_HOOK_FORWARD, 1, 2, false);
	ok(va == QT_XT_ACCEPT && vb == QT_XT_ACCEPT,
	   "a SYN and its copy: both NEW");
	h_hook(&h, &a, QT_HOOK_POST_ROUTING, 0, 2, false);
	h_hook(&h, &b, QT_HOOK_POST_ROUTING, 0, 2, false);
	struct qt_ct_entry *e = h_entry(&h, IPPROTO_TCP, "10.0.1.2", 40001,
					"10.0.2.2", 80);
	ok(e && (e->status & QT_IPS_CONFIRMED), "the entry is confirmed");
	h_stop(&h);
}

/* The packet that made the entry never comes back from FORWARD. */
static void first_lost(void)
{
	static const char *const rules[] = {
		"-t nat -A PREROUTING -d 10.0.1.1 -p udp --dport 9000 -j DNAT --to-destination 10.0.2.2",
		"-P FORWARD DROP",
		"-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT",
		"-A FORWARD -m conntrack --ctstate NEW -j ACCEPT",
		NULL,
	};
	struct harness h;
	h_start(&h, rules);
	struct hpkt a, b, c;
	h_udp(&a, "10.0.1.2", 40002, "10.0.1.1", 9000);
	h_udp(&b, "10.0.1.2", 40002, "10.0.1.1", 9000);
	h_put16(b.b + 4, 2);
	h_ip_fill(b.b);
	h_hook(&h, &a, QT_HOOK_PRE_ROUTING, 1, 0, false);
	h_hook(&h, &b, QT_HOOK_PRE_ROUTING, 1, 0, false);
	h_hook(&h, &b, QT_HOOK_FORWARD, 1, 2, false);
	int vb = h_hook(&h, &b, QT_HOOK_POST_ROUTING, 0, 2, false);
	ok(vb == QT_XT_ACCEPT && h_daddr(&b) == h_ip("10.0.2.2"),
	   "the second packet is translated and leaves");
	struct qt_ct_entry *e = h_entry(&h, IPPROTO_UDP, "10.0.1.2", 40002,
					"10.0.1.1", 9000);
	ok(e && (e->status & QT_IPS_CONFIRMED),
	   "it confirmed the entry its lost first packet made");
	is_int(qt_ct_count(qt_ctg_shard(h.ctg)), 1, "one entry");
	/* long after an unconfirmed entry would be dropped */
	h.now += 10 * NS_PER_S;
	h_udp(&c, "10.0.1.2", 40002, "10.0.1.1", 9000);
	h_put16(c.b + 4, 3);
	h_ip_fill(c.b);
	int vc = h_forward(&h, &c);
	ok(vc == QT_XT_ACCEPT && h_daddr(&c) == h_ip("10.0.2.2") &&
	   h_entry(&h, IPPROTO_UDP, "10.0.1.2", 40002, "10.0.1.1", 9000) == e,
	   "a later packet finds the same entry, translated alike");
	h_stop(&h);
}

int main(void)
{
	udp_twins();
	syn_twins();
	first_lost();
	return done_testing();
}
