/* Port allocation (engine/nat.c, the kernel's get_unique_tuple and
 * nf_nat_l4proto_unique_tuple): a tuple in use is never given again;
 * many clients behind one address get distinct ports, the first its
 * own; a clash with an existing connection is resolved; --random-fully
 * is not sequential; an exhausted range drops; DNAT's port ranges,
 * shifted port maps and address ranges choose as the kernel does. */
#include "nat_harness.h"

#define SYN 0x02

static void many_clients(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j SNAT --to-source 10.0.2.1",
		NULL });
	enum { N = 300 };
	static uint16_t got[N];
	bool all_ok = true, fresh = true;
	for (int i = 0; i < N; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.1.%d", 2 + i % 250);
		struct hpkt k;
		/* clients 252 and on reuse addresses with another port */
		h_tcp(&k, src, (uint16_t)(i < 250 ? 40000 : 40001), "10.0.2.2",
		      80, SYN, 1, 0);
		all_ok &= h_forward(&h, &k) == QT_XT_ACCEPT &&
			  h_saddr(&k) == h_ip("10.0.2.1") && h_l4_ok(k.b);
		got[i] = h_sport(&k);
		for (int j = 0; j < i; j++)
			fresh &= got[j] != got[i];
		fresh &= got[i] >= 1024;
	}
	ok(all_ok, "%d connections translated, checksums hold", N);
	ok(fresh, "every source port distinct, in 1024-65535");
	is_int(got[0], 40000, "the first keeps its port");
	is_int(got[250], 40001, "so does the first with another port");
	/* replies find their client */
	bool back = true;
	for (int i = 0; i < N; i += 37) {
		struct hpkt k;
		h_tcp(&k, "10.0.2.2", 80, "10.0.2.1", got[i], SYN | 0x10, 9, 2);
		char want[32];
		snprintf(want, sizeof(want), "10.0.1.%d", 2 + i % 250);
		back &= h_forward(&h, &k) == QT_XT_ACCEPT &&
			h_daddr(&k) == h_ip(want) &&
			h_dport(&k) == (i < 250 ? 40000 : 40001);
	}
	ok(back, "replies reach their clients");
	h_stop(&h);
}

static void low_ports(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j SNAT --to-source 10.0.2.1",
		NULL });
	struct hpkt k;
	bool ok1 = true, ok2 = true;
	for (int i = 0; i < 20; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.1.%d", 2 + i);
		h_udp(&k, src, 123, "10.0.2.2", 123);
		h_forward(&h, &k);
		ok1 &= i == 0 ? h_sport(&k) == 123
			      : h_sport(&k) >= 1 && h_sport(&k) <= 511;
		h_udp(&k, src, 700, "10.0.2.2", 123);
		h_forward(&h, &k);
		ok2 &= i == 0 ? h_sport(&k) == 700
			      : h_sport(&k) >= 600 && h_sport(&k) <= 1023;
	}
	ok(ok1, "a port below 512 stays below 512");
	ok(ok2, "a port in 512-1023 goes to 600-1023");
	h_stop(&h);
}

static void clash_with_local(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -s 10.0.1.0/24 -j SNAT --to-source 10.0.2.1",
		NULL });
	struct hpkt k;
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	h_forward(&h, &k);
	is_int(h_sport(&k), 5000, "the client mapped to 10.0.2.1:5000");
	/* a socket of the firewall itself on that address and port: its
	 * reply would be the client's; the null binding moves it */
	h_udp(&k, "10.0.2.1", 5000, "10.0.2.2", 53);
	is_int(h_hook(&h, &k, QT_HOOK_LOCAL_OUT, 0, 2, false), QT_XT_ACCEPT,
	       "OUTPUT");
	is_int(h_hook(&h, &k, QT_HOOK_POST_ROUTING, 0, 2, false), QT_XT_ACCEPT,
	       "POSTROUTING: the clash resolved, not dropped");
	ok(h_saddr(&k) == h_ip("10.0.2.1") && h_sport(&k) != 5000 &&
	   h_sport(&k) >= 1024 && h_l4_ok(k.b), "moved to port %u",
	   h_sport(&k));
	uint16_t moved = h_sport(&k);
	h_udp(&k, "10.0.2.2", 53, "10.0.2.1", 5000);
	h_forward(&h, &k);
	ok(h_daddr(&k) == h_ip("10.0.1.2") && h_dport(&k) == 5000,
	   "the reply to port 5000 still reaches the client");
	h_udp(&k, "10.0.2.2", 53, "10.0.2.1", moved);
	is_int(h_hook(&h, &k, QT_HOOK_PRE_ROUTING, 2, 0, false), QT_XT_ACCEPT,
	       "the local socket's reply");
	is_int(h_dport(&k), 5000, "back to port 5000");
	ok(h_l4_ok(k.b), "checksum holds");
	h_stop(&h);
}

static void random_fully(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE --random-fully",
		NULL });
	enum { N = 200 };
	uint16_t p[N];
	unsigned kept = 0, next = 0;
	for (int i = 0; i < N; i++) {
		struct hpkt k;
		h_udp(&k, "10.0.1.2", (uint16_t)(30000 + i), "10.0.2.2", 53);
		h_forward(&h, &k);
		p[i] = h_sport(&k);
		kept += p[i] == 30000 + i;
		if (i && p[i] == (uint16_t)(p[i - 1] + 1))
			next++;
	}
	ok(kept < 3, "free ports are not kept (%u kept)", kept);
	ok(next < 3, "not sequential (%u followed on)", next);
	/* spread over 1024-65535: each quarter has some */
	unsigned q[4] = { 0 };
	for (int i = 0; i < N; i++)
		q[(p[i] - 1024) * 4 / (65536 - 1024)]++;
	ok(q[0] > 20 && q[1] > 20 && q[2] > 20 && q[3] > 20,
	   "spread: %u %u %u %u", q[0], q[1], q[2], q[3]);
	h_stop(&h);
}

static void exhausted(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -p udp -j SNAT --to-source 10.0.2.1:1000-1003",
		NULL });
	unsigned ok_n = 0;
	uint16_t seen[4] = { 0 };
	for (int i = 0; i < 5; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.1.%d", 2 + i);
		struct hpkt k;
		h_udp(&k, src, 7000, "10.0.2.2", 53);
		if (h_forward(&h, &k) == QT_XT_ACCEPT) {
			if (ok_n < 4)
				seen[ok_n] = h_sport(&k);
			ok_n++;
		}
	}
	is_int((int)ok_n, 4, "four ports, four connections; the fifth dropped");
	bool in = true;
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			in &= seen[i] >= 1000 && seen[i] <= 1003 &&
			      (i == j || seen[i] != seen[j]);
	ok(in, "each port of the range once");
	h_stop(&h);
}

/* A connection through SNAT: handshake, one segment, then reset by
 * the client (CLOSE); the mapped port, 0 when not translated. */
static uint16_t closed_conn(struct harness *h, const char *src, uint32_t c)
{
	struct hpkt k;
	h_tcp(&k, src, 7000, "10.0.2.2", 80, SYN, c, 0);
	if (h_forward(h, &k) != QT_XT_ACCEPT)
		return 0;
	uint16_t p = h_sport(&k);
	h_tcp(&k, "10.0.2.2", 80, "10.0.2.1", p, SYN | 0x10, 9000, c + 1);
	h_forward(h, &k);
	h_tcp(&k, src, 7000, "10.0.2.2", 80, 0x10, c + 1, 9001);
	h_forward(h, &k);
	h_tcp(&k, src, 7000, "10.0.2.2", 80, 0x04 | 0x10, c + 5, 9001);
	h_forward(h, &k);
	return p;
}

/* nf_nat_used_tuple_harder: with every port of the range held, a new TCP
 * connection takes the tuple of a closed one of source NAT whose
 * sequence numbers it is past; not of one it is not past. */
static void closing_evicted(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.0.2.1:1000-1003",
		NULL });
	bool all = true, closed = true;
	for (int i = 0; i < 4; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.1.%d", 2 + i);
		uint16_t p = closed_conn(&h, src, 1000);
		all &= p >= 1000 && p <= 1003;
		struct qt_ct_entry *e = h_entry(&h, IPPROTO_TCP, src, 7000,
						"10.0.2.2", 80);
		closed &= e && e->p.tcp.state == QT_TCP_CLOSE;
	}
	ok(all, "four connections hold the four ports");
	ok(closed, "each reset: CLOSE");
	struct hpkt k;
	h_tcp(&k, "10.0.1.20", 7000, "10.0.2.2", 80, SYN, 500, 0);
	is_int(h_forward(&h, &k), QT_XT_DROP,
	       "a SYN behind their sequence numbers: no port, dropped");
	h_tcp(&k, "10.0.1.21", 7000, "10.0.2.2", 80, SYN, 100000, 0);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT,
	       "a SYN past their sequence numbers is translated");
	uint16_t p = h_sport(&k);
	ok(p >= 1000 && p <= 1003, "to a port of the range (%u)", p);
	unsigned left = 0;
	for (int i = 0; i < 4; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.1.%d", 2 + i);
		left += h_entry(&h, IPPROTO_TCP, src, 7000, "10.0.2.2", 80) != NULL;
	}
	is_int(left, 3, "the closed connection that held it is gone");
	h_tcp(&k, "10.0.2.2", 80, "10.0.2.1", p, SYN | 0x10, 7, 100001);
	h_forward(&h, &k);
	ok(h_daddr(&k) == h_ip("10.0.1.21") && h_dport(&k) == 7000,
	   "its reply reaches the new client");
	/* established ones are never taken */
	h_tcp(&k, "10.0.1.21", 7000, "10.0.2.2", 80, 0x10, 100001, 8);
	h_forward(&h, &k);
	h_tcp(&k, "10.0.1.22", 7000, "10.0.2.2", 80, SYN, 200000, 0);
	h_forward(&h, &k);
	h_tcp(&k, "10.0.1.23", 7000, "10.0.2.2", 80, SYN, 300000, 0);
	h_forward(&h, &k);
	h_tcp(&k, "10.0.1.24", 7000, "10.0.2.2", 80, SYN, 400000, 0);
	h_forward(&h, &k);
	h_tcp(&k, "10.0.1.25", 7000, "10.0.2.2", 80, SYN, 500000, 0);
	is_int(h_forward(&h, &k), QT_XT_DROP,
	       "once no closed one is left, the next SYN is dropped");
	ok(h_entry(&h, IPPROTO_TCP, "10.0.1.21", 7000, "10.0.2.2", 80) &&
	   h_entry(&h, IPPROTO_TCP, "10.0.1.22", 7000, "10.0.2.2", 80),
	   "connections not closing stay");
	h_stop(&h);
}

static void dnat_ports(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A PREROUTING -p tcp --dport 80:90 -j DNAT --to-destination 10.0.2.2:85-88",
		"-t nat -A PREROUTING -p tcp --dport 1000:1999 -j DNAT --to-destination 10.0.2.2:2000-2999/1000",
		"-t nat -A PREROUTING -p udp -j DNAT --to-destination 10.0.2.10-10.0.2.20",
		"-t nat -A PREROUTING -p icmp -j DNAT --to-destination 10.0.2.10-10.0.2.20 --persistent",
		NULL });
	struct hpkt k;
	h_tcp(&k, "10.0.1.2", 40000, "10.0.1.1", 86, SYN, 1, 0);
	h_forward(&h, &k);
	is_int(h_dport(&k), 86, "a port in the range is kept");
	h_tcp(&k, "10.0.1.2", 40000, "10.0.1.1", 80, SYN, 1, 0);
	h_forward(&h, &k);
	is_int(h_dport(&k), 85, "else the first of the range (offset 0)");
	h_tcp(&k, "10.0.1.2", 40001, "10.0.1.1", 1234, SYN, 1, 0);
	h_forward(&h, &k);
	is_int(h_dport(&k), 2234, "the shifted map: 1234 -> 2234");
	/* the address of a range: the kernel's jhash2 of the addresses;
	 * one client always gets the same one, per destination */
	h_udp(&k, "10.0.1.2", 5000, "10.0.1.1", 53);
	h_forward(&h, &k);
	uint32_t a1 = ntohl(h_daddr(&k));
	h_udp(&k, "10.0.1.2", 5001, "10.0.1.1", 53);
	h_forward(&h, &k);
	ok(a1 >= ntohl(h_ip("10.0.2.10")) && a1 <= ntohl(h_ip("10.0.2.20")) &&
	   ntohl(h_daddr(&k)) == a1, "the same address for one client");
	unsigned spread = 0;
	uint32_t first = 0;
	for (int i = 2; i < 40; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.1.%d", i);
		h_echo(&k, src, "10.0.3.3", 8, 9);
		h_forward(&h, &k);
		if (i == 2)
			first = h_daddr(&k);
		spread += h_daddr(&k) != first;
	}
	ok(spread > 10, "clients spread over the range (%u moved)", spread);
	h_stop(&h);
}

static void jhash_vectors(void)
{
	/* lookup3's hashword() on published inputs: these are the values
	 * Bob Jenkins' own driver prints (0 words with initval 0 is the
	 * initial state folded) */
	uint32_t k[4] = { 0, 0, 0, 0 };
	is_int((int)qt_nat_jhash2(k, 0, 0), (int)0xdeadbeefu, "no words");
	/* the same as the byte-wise lookup3 of 4 zero words (hashlittle
	 * on 16 zero bytes gives this too on little-endian machines) */
	uint32_t a = qt_nat_jhash2(k, 4, 0), b = qt_nat_jhash2(k, 4, 1);
	ok(a != b, "the initval changes the hash");
}

int main(void)
{
	many_clients();
	low_ports();
	clash_with_local();
	random_fully();
	exhausted();
	closing_evicted();
	dnat_ports();
	jhash_vectors();
	return done_testing();
}
