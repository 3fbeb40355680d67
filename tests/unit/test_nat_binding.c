/* NAT bindings (engine/nat.c, the nat walk in engine/program.c): the nat
 * table is walked by a connection's first packet only; the binding is
 * the reply tuple; every later packet, both directions, is rewritten
 * from it; a connection no rule bound gets the null binding; the
 * conntrack match sees the translation. */
#include "nat_harness.h"
#include "host_links.h"

#define SYN 0x02
#define ACK 0x10

static void dnat_tcp(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A PREROUTING -p tcp -d 10.0.1.1 --dport 80 "
		"-j DNAT --to-destination 10.0.2.2:8080",
		"-A FORWARD -m conntrack --ctstate DNAT --ctorigdst 10.0.1.1 "
		"--ctrepldst 10.0.1.2 -j ACCEPT",
		"-P FORWARD DROP", NULL });
	struct hpkt k;
	h_tcp(&k, "10.0.1.2", 40000, "10.0.1.1", 80, SYN, 1000, 0);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "SYN forwarded (--ctstate DNAT)");
	is_int((int)h_daddr(&k), (int)h_ip("10.0.2.2"), "destination 10.0.2.2");
	is_int(h_dport(&k), 8080, "port 8080");
	is_int(h_saddr(&k), h_ip("10.0.1.2"), "source kept");
	is_int(h_sport(&k), 40000, "source port kept");
	ok(h_ip_ok(k.b) && h_l4_ok(k.b), "checksums hold");

	struct qt_ct_entry *e = h_entry(&h, IPPROTO_TCP, "10.0.1.2", 40000,
					"10.0.1.1", 80);
	ok(e != NULL, "the entry");
	if (e) {
		const struct qt_ct_tuple *r = &e->t[QT_CT_REPLY];
		ok(r->src.ip == h_ip("10.0.2.2") && r->sport == 8080 &&
		   r->dst.ip == h_ip("10.0.1.2") && r->dport == 40000,
		   "the binding is the reply tuple");
		ok((e->status & QT_IPS_DST_NAT) && !(e->status & QT_IPS_SRC_NAT),
		   "DST_NAT only");
		ok((e->status & QT_IPS_DST_NAT_DONE) &&
		   (e->status & QT_IPS_SRC_NAT_DONE), "both manips done");
		ok(e->status & QT_IPS_CONFIRMED, "confirmed");
	}

	/* the reply, as the server sends it */
	h_tcp(&k, "10.0.2.2", 8080, "10.0.1.2", 40000, SYN | ACK, 5000, 1001);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "SYN-ACK forwarded");
	is_int(h_saddr(&k), h_ip("10.0.1.1"), "reply from 10.0.1.1");
	is_int(h_sport(&k), 80, "reply from port 80");
	ok(h_ip_ok(k.b) && h_l4_ok(k.b), "reply checksums hold");

	for (int i = 0; i < 3; i++) {
		h_tcp(&k, "10.0.1.2", 40000, "10.0.1.1", 80, ACK, 1001, 5001);
		is_int(h_forward(&h, &k), QT_XT_ACCEPT, "ACK %d forwarded", i);
		ok(h_daddr(&k) == h_ip("10.0.2.2") && h_dport(&k) == 8080 &&
		   h_l4_ok(k.b), "ACK %d rewritten, checksum holds", i);
	}
	is_int((int)h_nat_count(&h, "PREROUTING", 1), 1,
	       "the nat chain saw the first packet only");
	h_stop(&h);
}

static void null_binding(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -s 10.0.1.99 -j SNAT --to-source 10.0.2.1",
		NULL });
	struct hpkt k;
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	uint8_t before[64];
	memcpy(before, k.b, 64);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "forwarded");
	ok(!memcmp(before, k.b, 64), "untouched");
	struct qt_ct_entry *e = h_entry(&h, IPPROTO_UDP, "10.0.1.2", 5000,
					"10.0.2.2", 53);
	ok(e && !(e->status & QT_IPS_NAT_MASK) &&
	   (e->status & QT_IPS_SRC_NAT_DONE) && (e->status & QT_IPS_DST_NAT_DONE),
	   "the null binding: both done, nothing translated");
	is_int((int)h_nat_count(&h, "POSTROUTING", 1), 0, "no match");
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	h_forward(&h, &k);
	h_udp(&k, "10.0.2.2", 53, "10.0.1.2", 5000);
	h_forward(&h, &k);
	ok(h_daddr(&k) == h_ip("10.0.1.2") && h_dport(&k) == 5000,
	   "the reply untouched");
	h_stop(&h);
}

static void snat_both_ways(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j SNAT --to-source 10.0.2.1",
		"-A FORWARD -m conntrack --ctstate SNAT --ctreplsrc 10.0.2.2 "
		"--ctrepldst 10.0.2.1 --ctrepldstport 5000 -j ACCEPT",
		/* the first packet is translated after FORWARD */
		"-A FORWARD -o eth1 -m conntrack --ctstate NEW -j ACCEPT",
		"-P FORWARD DROP", NULL });
	struct hpkt k;
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "forwarded");
	ok(h_saddr(&k) == h_ip("10.0.2.1") && h_sport(&k) == 5000,
	   "source 10.0.2.1:5000 (port kept: free)");
	ok(h_ip_ok(k.b) && h_l4_ok(k.b), "checksums hold");
	h_udp(&k, "10.0.2.2", 53, "10.0.2.1", 5000);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "the reply forwarded");
	ok(h_daddr(&k) == h_ip("10.0.1.2") && h_dport(&k) == 5000,
	   "the reply to 10.0.1.2:5000");
	ok(h_ip_ok(k.b) && h_l4_ok(k.b), "checksums hold");
	/* the same packet again: the binding, not the walk */
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	h_forward(&h, &k);
	ok(h_saddr(&k) == h_ip("10.0.2.1"), "again translated");
	is_int((int)h_nat_count(&h, "POSTROUTING", 1), 1, "one walk");
	h_stop(&h);
}

static void masquerade_redirect(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE",
		"-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080",
		"-t nat -A OUTPUT -p udp --dport 53 -j REDIRECT --to-ports 5353",
		NULL });
	struct hpkt k;
	h_udp(&k, "10.0.1.2", 5001, "10.0.2.2", 53);
	h_forward(&h, &k);
	ok(h_saddr(&k) == h_ip("10.0.2.1"), "MASQUERADE: eth1's address");
	struct qt_ct_entry *e = h_entry(&h, IPPROTO_UDP, "10.0.1.2", 5001,
					"10.0.2.2", 53);
	ok(e && e->masq_ifindex == 2, "the entry remembers eth1");
	/* the address goes: so does the connection */
	struct qt_links *l = qt_links_new();
	struct qt_link up[2] = { { .ifindex = 1, .flags = IFF_UP },
				 { .ifindex = 2, .flags = IFF_UP } };
	qt_links_publish(l, up, 2);
	struct qt_addrs_addr ad[1] = { { .ifindex = 1, .a = { h_ip("10.0.1.1") } } };
	qt_addrs_publish(h.addrs, NULL, 0, ad, 1);
	struct qt_ct *ct = qt_ctg_shard(h.ctg);
	struct qt_addrs_addr gone2[1] = { { .ifindex = 2, .a = { h_ip("10.0.2.1") } } };
	is_int((int)qt_nat_masq_forget(ct, l, gone2, 1), 1, "forgotten");
	ok(!h_entry(&h, IPPROTO_UDP, "10.0.1.2", 5001, "10.0.2.2", 53),
	   "gone from the table");
	/* without an address of its own, eth1 lends another interface's
	 * (the kernel's inet_select_addr over its devices) */
	h_udp(&k, "10.0.1.2", 5002, "10.0.2.2", 53);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "no address on eth1: passes");
	ok(h_saddr(&k) == h_ip("10.0.1.1"), "with eth0's address");
	/* the kernel removes on an address removed from the connection's
	 * own interface, or that interface down: not because eth1 still
	 * has no address, nor for eth0's address going */
	is_int((int)qt_nat_masq_forget(ct, l, NULL, 0), 0,
	       "eth1 without an address: kept");
	struct qt_addrs_addr gone1[1] = { { .ifindex = 1, .a = { h_ip("10.0.1.1") } } };
	is_int((int)qt_nat_masq_forget(ct, l, gone1, 1), 0,
	       "eth0's address removed: kept (not its interface)");
	ok(h_entry(&h, IPPROTO_UDP, "10.0.1.2", 5002, "10.0.2.2", 53),
	   "still in the table");
	up[1].flags = 0;
	qt_links_publish(l, up, 2);
	is_int((int)qt_nat_masq_forget(ct, l, NULL, 0), 1, "eth1 down: forgotten");
	qt_links_free(l);
	/* and with no address anywhere it is dropped */
	qt_addrs_publish(h.addrs, NULL, 0, NULL, 0);
	h_udp(&k, "10.0.1.2", 5003, "10.0.2.2", 53);
	is_int(h_forward(&h, &k), QT_XT_DROP, "no address at all: dropped");
	qt_addrs_publish(h.addrs, NULL, 0, ad, 1);

	h_tcp(&k, "10.0.1.2", 40000, "10.0.2.2", 80, SYN, 1, 0);
	is_int(h_hook(&h, &k, QT_HOOK_PRE_ROUTING, 1, 0, false), QT_XT_ACCEPT,
	       "REDIRECT at PREROUTING");
	ok(h_daddr(&k) == h_ip("10.0.1.1") && h_dport(&k) == 8080,
	   "to eth0's address, port 8080");
	is_int(h_hook(&h, &k, QT_HOOK_LOCAL_IN, 1, 0, false), QT_XT_ACCEPT,
	       "INPUT");
	h_udp(&k, "10.0.2.1", 6000, "10.0.2.2", 53);
	is_int(h_hook(&h, &k, QT_HOOK_LOCAL_OUT, 0, 2, false), QT_XT_ACCEPT,
	       "REDIRECT at OUTPUT");
	ok(h_daddr(&k) == h_ip("127.0.0.1") && h_dport(&k) == 5353,
	   "to 127.0.0.1:5353");
	ok(h_ip_ok(k.b) && h_l4_ok(k.b), "checksums hold");
	h_stop(&h);
}

static void netmap(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A PREROUTING -d 10.0.3.0/24 -j NETMAP --to 10.0.2.0/24",
		"-t nat -A POSTROUTING -o eth1 -j NETMAP --to 10.9.0.0/16",
		NULL });
	struct hpkt k;
	h_echo(&k, "10.0.1.7", "10.0.3.2", 8, 77);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "forwarded");
	ok(h_daddr(&k) == h_ip("10.0.2.2"), "destination 10.0.2.2");
	ok(h_saddr(&k) == h_ip("10.9.1.7"), "source 10.9.1.7");
	ok(h_ip_ok(k.b) && h_l4_ok(k.b), "checksums hold");
	h_echo(&k, "10.0.2.2", "10.9.1.7", 0, 77);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "the reply forwarded");
	ok(h_saddr(&k) == h_ip("10.0.3.2") && h_daddr(&k) == h_ip("10.0.1.7"),
	   "the reply from 10.0.3.2 to 10.0.1.7");
	h_stop(&h);
}

int main(void)
{
	dnat_tcp();
	null_binding();
	snat_both_ways();
	masquerade_redirect();
	netmap();
	return done_testing();
}
