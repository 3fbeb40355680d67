/* NAT66 (engine/nat.c, nat_pkt.c, extensions/NAT.c, NETMAP.c): ip6tables'
 * nat table on IPv6 packets judged hook by hook. Addresses and ports
 * rewritten in both directions from the binding, the transport
 * checksums (which cover IPv6's addresses through the pseudo-header)
 * checked with the test's own whole sums, a transport header behind an
 * extension header found, ICMPv6 echo ids translated, ICMPv6 errors
 * quoting a translated connection rewritten inside and out, ports of
 * several clients kept distinct, MASQUERADE's and REDIRECT's address
 * chosen from the host's IPv6 addresses, NETMAP keeping the host part,
 * and the ranges read and printed as ip6tables-nft 1.8.9 does. */
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "host_links.h"
#include "nat_harness6.h"

static void dnat_tcp(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A PREROUTING -p tcp -d fd00:1::1 --dport 80 "
		"-j DNAT --to-destination [fd00:2::2]:8080",
		NULL });
	struct hpkt k;
	h6_tcp(&k, "fd00:1::2", 40000, "fd00:1::1", 80, 0x02, 1000, 0, false);
	is_int(h6_forward(&h, &k), QT_XT_ACCEPT, "SYN forwarded");
	ok(h6_is(h6_daddr(&k), "fd00:2::2") && h6_dport(&k) == 8080,
	   "destination rewritten to [fd00:2::2]:8080");
	ok(h6_is(h6_saddr(&k), "fd00:1::2") && h6_sport(&k) == 40000,
	   "source kept");
	ok(h6_l4_ok(k.b), "TCP checksum holds");
	is_int(k.b[7], 64, "hop limit untouched");

	h6_tcp(&k, "fd00:2::2", 8080, "fd00:1::2", 40000, 0x12, 5000, 1001,
	       false);
	is_int(h6_forward(&h, &k), QT_XT_ACCEPT, "SYN-ACK forwarded");
	ok(h6_is(h6_saddr(&k), "fd00:1::1") && h6_sport(&k) == 80,
	   "the reply comes from the address and port asked");
	ok(h6_l4_ok(k.b), "and its checksum holds");

	/* a later packet with a hop-by-hop header first: the transport
	 * header is found behind it */
	h6_tcp(&k, "fd00:1::2", 40000, "fd00:1::1", 80, 0x10, 1001, 5001, true);
	is_int(h6_forward(&h, &k), QT_XT_ACCEPT, "ACK with hop-by-hop");
	ok(h6_is(h6_daddr(&k), "fd00:2::2") && h6_dport(&k) == 8080 &&
	   h6_l4_ok(k.b), "rewritten past the extension header");
	is_int(h_nat_count(&h, "PREROUTING", 1), 1,
	       "the nat chain saw the first packet only");

	struct qt_ct_tuple t;
	memset(&t, 0, sizeof(t));
	h6_ip("fd00:1::2", t.src.b);
	h6_ip("fd00:1::1", t.dst.b);
	t.sport = 40000;
	t.dport = 80;
	t.proto = IPPROTO_TCP;
	t.ip6 = 1;
	enum qt_ct_dir d;
	const struct qt_ct_entry *e = qt_ct_find(qt_ctg_shard(h.ctg), &t, &d);
	ok(e && d == QT_CT_ORIG, "the connection by its original tuple");
	if (e) {
		ok(h6_is(e->t[QT_CT_REPLY].src.b, "fd00:2::2") &&
		   e->t[QT_CT_REPLY].sport == 8080 &&
		   h6_is(e->t[QT_CT_REPLY].dst.b, "fd00:1::2"),
		   "its reply tuple is the server's");
		ok(e->status & QT_IPS_DST_NAT, "marked DNAT");
	}
	h_stop(&h);
}

static void partial_csum(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -p udp "
		"-j SNAT --to-source [2001:db8:2::7]:7000",
		NULL });
	/* the queue's "checksum not ready": the field holds only the
	 * pseudo-header's sum; it is made whole over the new addresses */
	struct hpkt k;
	h6_udp(&k, "fd00:1::2", 5000, "2001:db8:2::2", 53);
	uint32_t n = 13, s = h_sum(0, k.b + 8, 32) + IPPROTO_UDP + n;
	h_put16(k.b + 46, h_sum(s, NULL, 0));
	int v = h_hook(&h, &k, QT_HOOK_PRE_ROUTING, 1, 0, true);
	if (v == QT_XT_ACCEPT)
		v = h_hook(&h, &k, QT_HOOK_POST_ROUTING, 0, 2, true);
	is_int(v, QT_XT_ACCEPT, "a partial UDP checksum passes");
	ok(h6_is(h6_saddr(&k), "2001:db8:2::7") && h6_sport(&k) == 7000,
	   "source rewritten");
	ok(h6_l4_ok(k.b), "its checksum made whole");
	h_stop(&h);
}

/* A UDP datagram from client ADDR port SP through SNAT to a range of
 * IPv6 addresses and ports: the source the server sees. */
static void snat_ports(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -p udp "
		"-j SNAT --to-source [2001:db8:2::10-2001:db8:2::1f]:20000-20009",
		NULL });
	uint8_t seen[16][16];
	uint16_t ports[16];
	bool in_range = true, distinct = true, csum = true;
	char src[64];
	for (unsigned i = 0; i < 16; i++) {
		struct hpkt k;
		/* eight clients, two sockets each on the same port */
		snprintf(src, sizeof(src), "fd00:1::%x", 2 + i / 2);
		h6_udp(&k, src, (uint16_t)(5000 + i % 2), "2001:db8:2::2", 53);
		if (h6_forward(&h, &k) != QT_XT_ACCEPT) {
			in_range = false;
			continue;
		}
		memcpy(seen[i], h6_saddr(&k), 16);
		ports[i] = h6_sport(&k);
		uint8_t lo[16], hi[16];
		h6_ip("2001:db8:2::10", lo);
		h6_ip("2001:db8:2::1f", hi);
		in_range &= memcmp(seen[i], lo, 16) >= 0 &&
			    memcmp(seen[i], hi, 16) <= 0 &&
			    ports[i] >= 20000 && ports[i] <= 20009;
		csum &= h6_l4_ok(k.b);
		for (unsigned j = 0; j < i; j++)
			distinct &= memcmp(seen[j], seen[i], 16) ||
				    ports[j] != ports[i];
	}
	ok(in_range, "every source in the address and port range");
	ok(distinct, "no two connections share a source address and port");
	ok(csum, "checksums hold");
	/* the address depends on the client only (jhash2 of the
	 * addresses): one client's two sockets share it */
	ok(!memcmp(seen[0], seen[1], 16) && !memcmp(seen[6], seen[7], 16),
	   "one client, one address");
	h_stop(&h);
}

/* --persistent hashes the source only: a client keeps its address for
 * every destination; --random and --random-fully change a port that is
 * free, which a plain SNAT keeps. */
static void flags(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -p udp --dport 53 "
		"-j SNAT --to-source 2001:db8:2::10-2001:db8:2::ff --persistent",
		"-t nat -A POSTROUTING -o eth1 -p udp --dport 54 "
		"-j SNAT --to-source 2001:db8:2::10-2001:db8:2::ff --random",
		"-t nat -A POSTROUTING -o eth1 -p udp --dport 55 "
		"-j SNAT --to-source 2001:db8:2::10-2001:db8:2::ff --random-fully",
		"-t nat -A POSTROUTING -o eth1 -p udp --dport 56 "
		"-j SNAT --to-source 2001:db8:2::10-2001:db8:2::ff",
		NULL });
	bool same = true, kept = true, moved = true;
	char src[64], dst[64];
	for (unsigned i = 0; i < 8; i++) {
		uint8_t first[16];
		snprintf(src, sizeof(src), "fd00:1::%x", 2 + i);
		for (unsigned j = 0; j < 4; j++) {
			struct hpkt k;
			snprintf(dst, sizeof(dst), "2001:db8:2:%x::2", 1 + j);
			h6_udp(&k, src, 5000, dst, 53);
			h6_forward(&h, &k);
			if (!j)
				memcpy(first, h6_saddr(&k), 16);
			same &= !memcmp(first, h6_saddr(&k), 16);
		}
		struct hpkt k;
		/* ports of their own: a source port mapped already keeps
		 * its mapping (find_appropriate_src) */
		h6_udp(&k, src, 6000, "2001:db8:2::2", 54);
		h6_forward(&h, &k);
		moved &= h6_sport(&k) != 6000;
		h6_udp(&k, src, 7000, "2001:db8:2::2", 55);
		h6_forward(&h, &k);
		moved &= h6_sport(&k) != 7000;
		h6_udp(&k, src, 8000, "2001:db8:2::2", 56);
		h6_forward(&h, &k);
		kept &= h6_sport(&k) == 8000;
	}
	ok(same, "--persistent: one address per client for every destination");
	ok(moved, "--random, --random-fully: a free port changed");
	ok(kept, "without them: a free port kept");
	h_stop(&h);
}

static void echo_id(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j SNAT --to-source 2001:db8:2::5",
		NULL });
	struct hpkt a, b;
	h6_echo(&a, "fd00:1::2", "2001:db8:2::2", 128, 77);
	h6_echo(&b, "fd00:1::3", "2001:db8:2::2", 128, 77);
	is_int(h6_forward(&h, &a), QT_XT_ACCEPT, "first echo request");
	is_int(h6_forward(&h, &b), QT_XT_ACCEPT, "second, same id");
	ok(h6_is(h6_saddr(&a), "2001:db8:2::5") &&
	   h6_is(h6_saddr(&b), "2001:db8:2::5"), "both from the SNAT address");
	is_int(h_get16(a.b + 44), 77, "the first keeps its id");
	uint16_t id2 = h_get16(b.b + 44);
	ok(id2 != 77, "the second gets another id (%u)", id2);
	ok(h6_l4_ok(a.b) && h6_l4_ok(b.b), "ICMPv6 checksums hold");
	/* the replies go back to each client with its own id */
	struct hpkt r;
	h6_echo(&r, "2001:db8:2::2", "2001:db8:2::5", 129, id2);
	is_int(h6_forward(&h, &r), QT_XT_ACCEPT, "echo reply");
	ok(h6_is(h6_daddr(&r), "fd00:1::3") && h_get16(r.b + 44) == 77 &&
	   h6_l4_ok(r.b), "back to the second client with id 77");
	h_stop(&h);
}

static void icmp_error(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A PREROUTING -p udp -d fd00:1::1 --dport 53 "
		"-j DNAT --to-destination [fd00:2::2]:5353",
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE",
		NULL });
	struct hpkt k;
	h6_udp(&k, "fd00:1::2", 40000, "fd00:1::1", 53);
	is_int(h6_forward(&h, &k), QT_XT_ACCEPT, "datagram forwarded");
	ok(h6_is(h6_saddr(&k), "fd00:2::1") && h6_is(h6_daddr(&k), "fd00:2::2") &&
	   h6_dport(&k) == 5353, "both ends translated");
	uint16_t sp = h6_sport(&k);
	/* the server's port is closed: its error quotes what it got */
	struct hpkt err;
	h6_icmp_err(&err, "fd00:2::2", "fd00:2::1", &k);
	is_int(h6_forward(&h, &err), QT_XT_ACCEPT, "the error is RELATED, passes");
	ok(h6_is(h6_saddr(&err), "fd00:1::1") && h6_is(h6_daddr(&err), "fd00:1::2"),
	   "outer header: from the address asked to the client");
	const uint8_t *in = err.b + 48;
	ok(h6_is(in + 8, "fd00:1::2") && h6_is(in + 24, "fd00:1::1"),
	   "quoted header as the client sent it");
	ok(h_get16(in + 40) == 40000 && h_get16(in + 42) == 53,
	   "quoted ports as the client sent them");
	(void)sp;
	ok(h6_l4_ok(err.b), "the ICMPv6 checksum holds");
	/* the quoted UDP checksum holds too (updated with its header) */
	uint32_t n = 13, s = h_sum(0, in + 8, 32) + IPPROTO_UDP + n;
	is_int(h_sum(s, in + 40, n), 0xffff, "the quoted UDP checksum holds");
	/* an error with a bad checksum is dropped, as the kernel drops it */
	h6_udp(&k, "fd00:1::2", 40000, "fd00:1::1", 53);
	h6_forward(&h, &k);
	h6_icmp_err(&err, "fd00:2::2", "fd00:2::1", &k);
	err.b[42] ^= 1;
	is_int(h6_forward(&h, &err), QT_XT_DROP, "bad ICMPv6 checksum: dropped");
	h_stop(&h);
}

/* MASQUERADE: the out-interface's address for the destination by the
 * longest prefix shared with it; a link-local address never for a
 * global destination; a tentative one never. */
static void masquerade(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE",
		NULL });
	struct hpkt k;
	h6_udp(&k, "fd00:1::2", 6000, "2001:db8:2::2", 53);
	h6_forward(&h, &k);
	ok(h6_is(h6_saddr(&k), "2001:db8:2::1"), "2001:db8:2::2: 2001:db8:2::1");
	h6_udp(&k, "fd00:1::2", 6001, "fd00:2::2", 53);
	h6_forward(&h, &k);
	ok(h6_is(h6_saddr(&k), "fd00:2::1"), "fd00:2::2: fd00:2::1");
	h6_udp(&k, "fd00:1::2", 6002, "2a00::1", 53);
	h6_forward(&h, &k);
	/* 2a00:: shares 2 bits with 2001:db8::, none with fd00:: */
	ok(h6_is(h6_saddr(&k), "2001:db8:2::1"), "elsewhere: the longest prefix");
	h6_udp(&k, "fd00:1::2", 6003, "fe80::99", 53);
	h6_forward(&h, &k);
	ok(h6_is(h6_saddr(&k), "fe80::2"), "a link-local destination: fe80::2");

	/* only a tentative global address and a link-local one: the
	 * link-local one, of a scope too small but the only one there */
	struct qt_addrs_addr ad[2] = {
		{ .ifindex = 2, .family = AF_INET6, .plen = 64,
		  .scope = RT_SCOPE_LINK },
		{ .ifindex = 2, .family = AF_INET6, .plen = 64,
		  .flags = IFA_F_TENTATIVE },
	};
	h6_ip("fe80::2", ad[0].a6.s6_addr);
	h6_ip("2001:db8:2::1", ad[1].a6.s6_addr);
	qt_addrs_publish(h.addrs, NULL, 0, ad, 2);
	h6_udp(&k, "fd00:1::2", 6004, "2001:db8:2::2", 53);
	h6_forward(&h, &k);
	ok(h6_is(h6_saddr(&k), "fe80::2"), "tentative addresses are not chosen");
	qt_addrs_publish(h.addrs, NULL, 0, NULL, 0);
	h6_udp(&k, "fd00:1::2", 6005, "2001:db8:2::2", 53);
	is_int(h6_forward(&h, &k), QT_XT_DROP, "no address at all: dropped");
	h_stop(&h);
}

/* The kernel's masquerade notifier: an address removed from the
 * interface takes the connections mapped to it along; those of another
 * address stay. */
static void masq_forget(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE",
		NULL });
	struct hpkt k;
	h6_udp(&k, "fd00:1::2", 6000, "2001:db8:2::2", 53);
	h6_forward(&h, &k);
	h6_udp(&k, "fd00:1::2", 6001, "fd00:2::2", 53);
	h6_forward(&h, &k);
	struct qt_links *l = qt_links_new();
	struct qt_link ln[2] = {
		{ .ifindex = 1, .flags = IFF_UP, .name = "eth0" },
		{ .ifindex = 2, .flags = IFF_UP, .name = "eth1" },
	};
	qt_links_publish(l, ln, 2);
	struct qt_addrs_addr gone = { .ifindex = 2, .family = AF_INET6,
				      .plen = 64 };
	h6_ip("2001:db8:2::1", gone.a6.s6_addr);
	struct qt_ct *ct = qt_ctg_shard(h.ctg);
	is_int(qt_nat_masq_forget(ct, l, &gone, 1), 1,
	       "2001:db8:2::1 removed: its one connection goes");
	is_int(qt_nat_masq_forget(ct, l, &gone, 1), 0, "and only that one");
	gone.ifindex = 1;
	h6_ip("fd00:2::1", gone.a6.s6_addr);
	is_int(qt_nat_masq_forget(ct, l, &gone, 1), 0,
	       "the same address on another interface: none");
	ln[1].flags = 0;
	qt_links_publish(l, ln, 2);
	is_int(qt_nat_masq_forget(ct, l, NULL, 0), 1,
	       "eth1 down: the other goes");
	qt_links_free(l);
	h_stop(&h);
}

static void redirect(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080",
		"-t nat -A OUTPUT -p tcp --dport 81 -j REDIRECT --to-ports 8081",
		NULL });
	struct hpkt k;
	h6_tcp(&k, "fd00:2::2", 40000, "2001:db8:9::9", 80, 0x02, 1, 0, false);
	is_int(h_hook(&h, &k, QT_HOOK_PRE_ROUTING, 2, 0, false), QT_XT_ACCEPT,
	       "PREROUTING by eth1");
	ok(h6_is(h6_daddr(&k), "fe80::2") && h6_dport(&k) == 8080 &&
	   h6_l4_ok(k.b), "to eth1's first address, port 8080");
	h6_tcp(&k, "fd00:1::1", 40001, "2001:db8:9::9", 81, 0x02, 1, 0, false);
	is_int(h_hook(&h, &k, QT_HOOK_LOCAL_OUT, 0, 2, false), QT_XT_ACCEPT,
	       "OUTPUT");
	ok(h6_is(h6_daddr(&k), "::1") && h6_dport(&k) == 8081 && h6_l4_ok(k.b),
	   "a local packet to [::1]:8081");
	h_stop(&h);
}

static void netmap(void)
{
	struct harness h;
	h6_start(&h, (const char *const[]){
		"-t nat -A PREROUTING -d 2001:db8:100::/64 "
		"-j NETMAP --to fd00:2::/64",
		"-t nat -A POSTROUTING -s fd00:1::/64 -o eth1 "
		"-j NETMAP --to 2001:db8:1:0:abcd::/80",
		NULL });
	struct hpkt k;
	h6_udp(&k, "fd00:1::1:2:3", 7000, "2001:db8:100::42:1", 53);
	is_int(h6_forward(&h, &k), QT_XT_ACCEPT, "forwarded");
	ok(h6_is(h6_daddr(&k), "fd00:2::42:1"), "destination prefix mapped");
	ok(h6_is(h6_saddr(&k), "2001:db8:1:0:abcd:1:2:3"),
	   "source into the /80, host part kept");
	ok(h6_sport(&k) == 7000 && h6_dport(&k) == 53 && h6_l4_ok(k.b),
	   "ports kept, checksum holds");
	h_stop(&h);
}

/* What a rule saves as (ip6tables -S), or the error. */
static void saves_as(const char *rule, const char *want)
{
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET6);
	struct qt_test_result r;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "-t nat -A PREROUTING %s", rule);
	qt_test_cmd(&rs, cmd, &r);
	if (r.status) {
		is_str(qt_buf_str(&r.err), want, "%s", rule);
	} else {
		qt_test_result_free(&r);
		qt_test_cmd(&rs, "-t nat -S PREROUTING", &r);
		const char *out = qt_buf_str(&r.out);
		const char *line = strstr(out, "\n-A ");
		char got[256] = "";
		if (line)
			snprintf(got, sizeof(got), "%.*s",
				 (int)strcspn(line + 1, "\n"), line + 1);
		is_str(got, want, "%s", rule);
	}
	qt_test_result_free(&r);
	qt_ruleset_free(rs);
}

static void ranges(void)
{
	/* as ip6tables-nft 1.8.9 saves and refuses them */
	saves_as("-p tcp -j DNAT --to-destination [2001:db8::1]:80",
		 "-A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::1]:80");
	saves_as("-p tcp -j DNAT --to-destination 2001:db8::1-2001:db8::9",
		 "-A PREROUTING -p tcp -j DNAT --to-destination 2001:db8::1-2001:db8::9");
	saves_as("-j DNAT --to-destination [1::2]",
		 "-A PREROUTING -j DNAT --to-destination 1::2");
	saves_as("-p tcp -j DNAT --to-destination []:80",
		 "-A PREROUTING -p tcp -j DNAT --to-destination :80");
	saves_as("-p tcp -j DNAT --to-destination [::]:80",
		 "-A PREROUTING -p tcp -j DNAT --to-destination [::]:80");
	saves_as("-p tcp -j DNAT --to-destination [2001:db8::1]80",
		 "-A PREROUTING -p tcp -j DNAT --to-destination 2001:db8::1");
	saves_as("-p tcp -j DNAT --to-destination [2001:db8::1",
		 "ip6tables v1.8.9 (qtables): Invalid address format\n"
		 "Try `ip6tables -h' or 'ip6tables --help' for more information.\n");
	saves_as("-p tcp -j DNAT --to-destination [2001:db8::1]-[2001:db8::5]:80",
		 "ip6tables v1.8.9 (qtables): Port `db8::5]:80' not valid\n"
		 "Try `ip6tables -h' or 'ip6tables --help' for more information.\n");
	saves_as("-p tcp -j DNAT --to-destination 1.2.3.4",
		 "ip6tables v1.8.9 (qtables): Bad IP address \"1.2.3.4\"\n"
		 "Try `ip6tables -h' or 'ip6tables --help' for more information.\n");
	saves_as("-j NETMAP --to 2001:db8:1::5/48",
		 "-A PREROUTING -j NETMAP --to 2001:db8:1::/48");
	saves_as("-j NETMAP --to dead::beef/ffff:ffff::",
		 "-A PREROUTING -j NETMAP --to dead::/32");
	saves_as("-j NETMAP --to ::1/ffff:0:ffff::",
		 "-A PREROUTING -j NETMAP --to ::1/128");
}

int main(void)
{
	dnat_tcp();
	partial_csum();
	snat_ports();
	flags();
	echo_id();
	icmp_error();
	masquerade();
	masq_forget();
	redirect();
	netmap();
	ranges();
	return done_testing();
}
