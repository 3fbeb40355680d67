/* MASQUERADE's source (extensions/NAT.c, engine/host_addrs.c): the
 * kernel's inet_select_addr(out, rt_nexthop(rt, daddr), universe): of
 * the out-interface's primary addresses the first whose subnet holds
 * the next hop (the route's gateway, else the destination itself),
 * else the first; addresses of link or host scope never. */
#include <linux/rtnetlink.h>

#include "nat_harness.h"

/* eth1 (2) holds 10.0.2.1/24, then 10.0.3.1/24 and 10.0.4.1/24; a link
 * scope 169.254.0.1/16 first of all; the default route goes by
 * 10.0.3.254; 10.9.0.0/16 by 10.0.4.254; eth0 (1) 10.0.1.1/24. */
static void two_subnets(struct harness *h)
{
	struct qt_addrs_addr ad[] = {
		{ .ifindex = 1, .a = { h_ip("10.0.1.1") },
		  .peer = { h_ip("10.0.1.1") }, .plen = 24 },
		{ .ifindex = 2, .a = { h_ip("169.254.0.1") },
		  .peer = { h_ip("169.254.0.1") }, .plen = 16,
		  .scope = RT_SCOPE_LINK },
		{ .ifindex = 2, .a = { h_ip("10.0.2.1") },
		  .peer = { h_ip("10.0.2.1") }, .plen = 24 },
		{ .ifindex = 2, .a = { h_ip("10.0.3.1") },
		  .peer = { h_ip("10.0.3.1") }, .plen = 24 },
		{ .ifindex = 2, .a = { h_ip("10.0.4.1") },
		  .peer = { h_ip("10.0.4.1") }, .plen = 24 },
	};
	struct qt_addrs_route rt[] = {
		{ .dst = 0, .mask = 0, .len = 0, .type = RTN_UNICAST,
		  .oif = 2, .gw = ntohl(h_ip("10.0.3.254")) },
		{ .dst = ntohl(h_ip("10.9.0.0")), .mask = 0xffff0000u,
		  .len = 16, .type = RTN_UNICAST, .oif = 2,
		  .gw = ntohl(h_ip("10.0.4.254")) },
		{ .dst = ntohl(h_ip("10.0.2.0")), .mask = 0xffffff00u,
		  .len = 24, .type = RTN_UNICAST, .oif = 2 },
		{ .dst = ntohl(h_ip("10.0.3.0")), .mask = 0xffffff00u,
		  .len = 24, .type = RTN_UNICAST, .oif = 2 },
		{ .dst = ntohl(h_ip("10.0.4.0")), .mask = 0xffffff00u,
		  .len = 24, .type = RTN_UNICAST, .oif = 2 },
		/* the local table's route of an own address: not a next hop */
		{ .dst = ntohl(h_ip("10.0.3.1")), .mask = 0xffffffffu,
		  .len = 32, .type = RTN_LOCAL, .oif = 2, .local = 1 },
	};
	qt_addrs_publish(h->addrs, rt, sizeof(rt) / sizeof(rt[0]), ad,
			 sizeof(ad) / sizeof(ad[0]));
}

static uint32_t masq_from(struct harness *h, const char *dst, uint16_t sp)
{
	struct hpkt k;
	h_udp(&k, "10.0.1.2", sp, dst, 53);
	if (h_forward(h, &k) != QT_XT_ACCEPT)
		return 0;
	return h_saddr(&k);
}

static void source_choice(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE",
		NULL });
	two_subnets(&h);
	ok(masq_from(&h, "10.0.2.2", 5000) == h_ip("10.0.2.1"),
	   "on-link in the first subnet: its address");
	ok(masq_from(&h, "10.0.3.2", 5001) == h_ip("10.0.3.1"),
	   "on-link in the second subnet: the second address");
	ok(masq_from(&h, "10.0.4.9", 5002) == h_ip("10.0.4.1"),
	   "in the third: the third");
	ok(masq_from(&h, "8.8.8.8", 5003) == h_ip("10.0.3.1"),
	   "by the default route's gateway 10.0.3.254: 10.0.3.1");
	ok(masq_from(&h, "10.9.1.1", 5004) == h_ip("10.0.4.1"),
	   "by 10.0.4.254: 10.0.4.1");
	/* a destination that matches the local /32 route is routed by
	 * main's /24 for the next hop */
	ok(masq_from(&h, "10.0.3.1", 5005) == h_ip("10.0.3.1"),
	   "the local table's routes are no next hops");
	h_stop(&h);
}

static void no_match(void)
{
	struct harness h;
	h_start(&h, (const char *const[]){
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE",
		NULL });
	two_subnets(&h);
	/* no route at all: the destination is the next hop; no subnet
	 * holds it: the first universe address, not the link scope one */
	struct qt_addrs_addr ad[] = {
		{ .ifindex = 2, .a = { h_ip("169.254.0.1") },
		  .peer = { h_ip("169.254.0.1") }, .plen = 16,
		  .scope = RT_SCOPE_LINK },
		{ .ifindex = 2, .a = { h_ip("10.0.2.1") },
		  .peer = { h_ip("10.0.2.1") }, .plen = 24 },
		{ .ifindex = 2, .a = { h_ip("10.0.3.1") },
		  .peer = { h_ip("10.0.3.1") }, .plen = 24 },
	};
	qt_addrs_publish(h.addrs, NULL, 0, ad, 3);
	ok(masq_from(&h, "192.0.2.7", 6000) == h_ip("10.0.2.1"),
	   "no subnet holds the next hop: the first address");
	ok(masq_from(&h, "169.254.3.3", 6001) == h_ip("10.0.2.1"),
	   "a link scope address is never chosen");
	struct qt_addrs_addr only_link[] = {
		{ .ifindex = 2, .a = { h_ip("169.254.0.1") },
		  .peer = { h_ip("169.254.0.1") }, .plen = 16,
		  .scope = RT_SCOPE_LINK },
	};
	qt_addrs_publish(h.addrs, NULL, 0, only_link, 1);
	is_int(masq_from(&h, "169.254.3.3", 6002), 0,
	       "only a link scope address anywhere: dropped");
	h_stop(&h);
}

int main(void)
{
	source_choice();
	no_match();
	return done_testing();
}
