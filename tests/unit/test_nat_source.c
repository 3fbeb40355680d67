/* The kernel's find_appropriate_src (engine/nat.c): a source address and
 * port already mapped by source NAT keep that mapping for a connection
 * to another destination, when the range holds it and it is free; not
 * under --random; a mapping outside the new rule's range is not taken;
 * a connection that goes leaves the by-source index with it. */
#include "nat_harness.h"

#define SYN 0x02

static uint16_t syn_port(struct harness *h, const char *src, uint16_t sp,
			 const char *dst, uint32_t *addr)
{
	struct hpkt k;
	h_tcp(&k, src, sp, dst, 80, SYN, 1, 0);
	if (h_forward(h, &k) != QT_XT_ACCEPT)
		return 0;
	if (addr)
		*addr = h_saddr(&k);
	return h_sport(&k);
}

static void port_range(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.0.2.1:20000-30000",
		NULL });
	uint16_t p1 = syn_port(&h, "10.0.1.2", 40000, "10.0.2.2", NULL);
	ok(p1 >= 20000 && p1 <= 30000, "first connection mapped to %u", p1);
	bool same = true;
	for (int i = 3; i < 20; i++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "10.0.2.%d", i);
		same &= syn_port(&h, "10.0.1.2", 40000, dst, NULL) == p1;
	}
	ok(same, "the same source port to other destinations: %u again", p1);
	uint16_t other = syn_port(&h, "10.0.1.2", 40001, "10.0.2.2", NULL);
	ok(other != p1 && other >= 20000 && other <= 30000,
	   "another source port, another mapping (%u)", other);
	/* the same mapping to the same destination would clash: a new one */
	uint16_t p2 = syn_port(&h, "10.0.1.3", 40000, "10.0.2.2", NULL);
	ok(p2 != p1, "another client's port 40000 is another mapping (%u)", p2);
	/* the connections go: the index forgets them */
	struct qt_ct *ct = qt_ctg_shard(h.ctg);
	for (int i = 2; i < 20; i++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "10.0.2.%d", i);
		struct qt_ct_entry *e = h_entry(&h, IPPROTO_TCP, "10.0.1.2",
						40000, dst, 80);
		if (e)
			qt_ct_delete(ct, e);
	}
	ok(!h_entry(&h, IPPROTO_TCP, "10.0.1.2", 40000, "10.0.2.2", 80),
	   "the first client's connections deleted");
	qt_nat_seed(7);
	uint16_t p3 = syn_port(&h, "10.0.1.2", 40000, "10.0.2.40", NULL);
	ok(p3 != p1 && p3 >= 20000 && p3 <= 30000,
	   "then a new mapping (%u, not %u)", p3, p1);
	h_stop(&h);
}

static void address_range(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -d 10.0.2.0/25 -j SNAT --to-source 10.0.2.200-10.0.2.250",
		"-t nat -A POSTROUTING -o eth1 -d 10.0.2.128/25 -j SNAT --to-source 10.0.2.100-10.0.2.110 --random",
		NULL });
	/* the address of a range is a hash of both addresses: without the
	 * index each destination would get its own */
	uint32_t a1 = 0, a;
	uint16_t p1 = syn_port(&h, "10.0.1.2", 40000, "10.0.2.2", &a1);
	bool same = true;
	for (int i = 3; i < 40; i++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "10.0.2.%d", i);
		uint16_t p = syn_port(&h, "10.0.1.2", 40000, dst, &a);
		same &= a == a1 && p == p1;
	}
	ok(same, "one client's address and port: one mapping for 38 "
	   "destinations");
	/* a mapping outside the range of the rule that now binds is not
	 * taken; nor under --random */
	unsigned inside = 0, kept = 0;
	for (int i = 130; i < 150; i++) {
		char dst[32];
		snprintf(dst, sizeof(dst), "10.0.2.%d", i);
		uint16_t p = syn_port(&h, "10.0.1.2", 40000, dst, &a);
		inside += ntohl(a) >= ntohl(h_ip("10.0.2.100")) &&
			  ntohl(a) <= ntohl(h_ip("10.0.2.110"));
		kept += p == p1;
	}
	is_int(inside, 20, "the other rule's range gives its own addresses");
	ok(kept < 3, "--random: ports not taken from the earlier mapping "
	   "(%u kept)", kept);
	h_stop(&h);
}

int main(void)
{
	port_range();
	address_range();
	return done_testing();
}
