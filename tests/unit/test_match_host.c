/* The engine side of -m mac, pkttype, addrtype and owner: rules typed as
 * iptables commands, packets built as bytes, each match asked directly.
 * Expected answers are the kernel's (see the comments in each extension
 * for how they were checked); addrtype and pkttype also run against the
 * address cache of the current namespace (read-only). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "qt_test.h"
#include "tap.h"
#include "addrs.h"
#include "eval.h"
#include "links.h"
#include "ext.h"

static uint8_t pkt[64];

/* A UDP packet src -> dst (ports 1000 -> 53) in pkt; ev set up for it. */
static void build(struct qt_eval *ev, const char *src, const char *dst,
		  unsigned hook, const struct qt_engine_env *env)
{
	struct in_addr s, d;
	memset(pkt, 0, sizeof(pkt));
	inet_pton(AF_INET, src, &s);
	inet_pton(AF_INET, dst, &d);
	pkt[0] = 0x45;
	pkt[3] = 28;
	pkt[8] = 64;
	pkt[9] = IPPROTO_UDP;
	memcpy(pkt + 12, &s, 4);
	memcpy(pkt + 16, &d, 4);
	pkt[20] = 1000 >> 8; pkt[21] = 1000 & 0xff;
	pkt[23] = 53;
	pkt[25] = 8;
	qt_eval_init(ev, pkt, 28, sizeof(pkt), 28, hook, env);
}

/* -1: the rule was refused or has no such match. */
static int run(const char *table, const char *chain, const char *rule,
	       const char *ext, struct qt_eval *ev)
{
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	struct qt_test_result res;
	char cmd[512];
	int ret = -1;

	snprintf(cmd, sizeof(cmd), "-t %s -A %s %s", table, chain, rule);
	if (qt_test_cmd(&rs, cmd, &res) == 0) {
		struct qt_table *t = rs->tables[!strcmp(table, "mangle") ? QT_TABLE_MANGLE
								      : QT_TABLE_FILTER];
		int ci = t ? qt_table_chain_index(t, chain) : -1;
		if (ci >= 0 && t->chains[ci]->nrules == 1) {
			struct qt_rule *r = t->chains[ci]->rules[0];
			for (unsigned i = 0; i < r->nmatches; i++)
				if (!strcmp(r->matches[i].ext->name, ext) &&
				    r->matches[i].ext->match) {
					/* as a program hands it */
					struct qt_ext_inst *m =
						qt_test_run(&r->matches[i]);
					ret = m ? m->ext->match(m, ev) : -1;
				}
		}
	} else {
		printf("# %s: %s", cmd, res.err.data ? res.err.data : "?");
	}
	qt_test_result_free(&res);
	qt_test_runs_free();
	qt_ruleset_free(rs);
	return ret;
}

#define M(table, chain, rule, ext, ev, want) \
	is_int(run(table, chain, rule, ext, ev), want, "%s %s: %s", chain, rule, (want) ? "match" : "no match")

static void test_mac(const struct qt_links *links)
{
	static const uint8_t a[6] = { 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc };
	struct qt_engine_env env = { .links = links };
	struct qt_eval ev;
	int lo = 0, eth = 0;

	build(&ev, "10.0.0.1", "10.0.0.2", QT_HOOK_LOCAL_IN, NULL);
	ev.indev = 7;
	memcpy(ev.hwaddr, a, 6);
	ev.hwaddr_len = 6;
	M("filter", "INPUT", "-m mac --mac-source 00:11:22:AA:BB:CC", "mac", &ev, 1);
	M("filter", "INPUT", "-m mac ! --mac-source 00:11:22:aa:bb:cc", "mac", &ev, 0);
	M("filter", "INPUT", "-m mac --mac-source 00:11:22:aa:bb:cd", "mac", &ev, 0);
	M("filter", "INPUT", "-m mac ! --mac-source 00:11:22:aa:bb:cd", "mac", &ev, 1);
	M("filter", "INPUT", "-m mac --mac-source 01:11:22:aa:bb:cc", "mac", &ev, 0);
	/* no source address: no match either way */
	ev.hwaddr_len = 0;
	M("filter", "INPUT", "-m mac --mac-source 00:11:22:aa:bb:cc", "mac", &ev, 0);
	M("filter", "INPUT", "-m mac ! --mac-source 00:11:22:aa:bb:cd", "mac", &ev, 0);
	ev.hwaddr_len = 6;
	ev.indev = 0;
	M("filter", "INPUT", "-m mac ! --mac-source 00:11:22:aa:bb:cd", "mac", &ev, 0);

	/* With the interface list: loopback is not Ethernet (xt_mac checks
	 * the device type; the queue still gives lo's zero address). */
	if (!links) {
		printf("ok %d # SKIP no interface list\n", ++tap_n);
		return;
	}
	for (int i = 1; i < 4096 && (!lo || !eth); i++) {
		unsigned type, len;
		uint8_t hw[8];
		if (qt_links_hwaddr(links, i, hw, &len, &type) < 0)
			continue;
		if (type == ARPHRD_LOOPBACK && !lo)
			lo = i;
		if (type == ARPHRD_ETHER && len == 6 && !eth)
			eth = i;
	}
	build(&ev, "127.0.0.1", "127.0.0.1", QT_HOOK_LOCAL_IN, &env);
	ev.hwaddr_len = 6;
	if (lo) {
		ev.indev = lo;
		M("filter", "INPUT", "-m mac --mac-source 00:00:00:00:00:00", "mac", &ev, 0);
		M("filter", "INPUT", "-m mac ! --mac-source 00:11:22:aa:bb:cd", "mac", &ev, 0);
	}
	if (eth) {
		ev.indev = eth;
		memcpy(ev.hwaddr, a, 6);
		M("filter", "INPUT", "-m mac --mac-source 00:11:22:aa:bb:cc", "mac", &ev, 1);
		M("filter", "INPUT", "-m mac ! --mac-source 00:11:22:aa:bb:cd", "mac", &ev, 1);
	} else {
		printf("ok %d # SKIP no Ethernet device here\n", ++tap_n);
	}
}

static void test_pkttype(const struct qt_addrs *addrs)
{
	struct qt_engine_env env = { .addrs = addrs };
	struct qt_eval ev;
	struct in_addr b;

	build(&ev, "10.0.0.1", "10.0.0.2", QT_HOOK_LOCAL_IN, NULL);
	M("filter", "INPUT", "-m pkttype --pkt-type unicast", "pkttype", &ev, 1);
	M("filter", "INPUT", "-m pkttype --pkt-type host", "pkttype", &ev, 1);
	M("filter", "INPUT", "-m pkttype ! --pkt-type unicast", "pkttype", &ev, 0);
	M("filter", "INPUT", "-m pkttype --pkt-type broadcast", "pkttype", &ev, 0);
	M("filter", "INPUT", "-m pkttype ! --pkt-type broadcast", "pkttype", &ev, 1);
	M("filter", "INPUT", "-m pkttype --pkt-type otherhost", "pkttype", &ev, 0);
	build(&ev, "10.0.0.1", "255.255.255.255", QT_HOOK_PRE_ROUTING, NULL);
	M("mangle", "PREROUTING", "-m pkttype --pkt-type broadcast", "pkttype", &ev, 1);
	M("mangle", "PREROUTING", "-m pkttype --pkt-type unicast", "pkttype", &ev, 0);
	M("mangle", "PREROUTING", "-m pkttype ! --pkt-type multicast", "pkttype", &ev, 1);
	build(&ev, "10.0.0.1", "224.1.2.3", QT_HOOK_LOCAL_IN, NULL);
	M("filter", "INPUT", "-m pkttype --pkt-type multicast", "pkttype", &ev, 1);
	M("filter", "INPUT", "-m pkttype --pkt-type mcast", "pkttype", &ev, 1);
	M("filter", "INPUT", "-m pkttype --pkt-type broadcast", "pkttype", &ev, 0);
	build(&ev, "10.0.0.1", "239.255.255.255", QT_HOOK_LOCAL_IN, NULL);
	M("filter", "INPUT", "-m pkttype --pkt-type multicast", "pkttype", &ev, 1);
	/* locally made and forwarded packets are PACKET_HOST */
	build(&ev, "10.0.0.1", "255.255.255.255", QT_HOOK_LOCAL_OUT, NULL);
	M("filter", "OUTPUT", "-m pkttype --pkt-type unicast", "pkttype", &ev, 1);
	M("filter", "OUTPUT", "-m pkttype --pkt-type broadcast", "pkttype", &ev, 0);
	build(&ev, "10.0.0.1", "224.1.2.3", QT_HOOK_POST_ROUTING, NULL);
	M("mangle", "POSTROUTING", "-m pkttype --pkt-type multicast", "pkttype", &ev, 0);
	M("mangle", "POSTROUTING", "-m pkttype --pkt-type unicast", "pkttype", &ev, 1);
	build(&ev, "10.0.0.1", "224.1.2.3", QT_HOOK_FORWARD, NULL);
	M("filter", "FORWARD", "-m pkttype ! --pkt-type unicast", "pkttype", &ev, 0);

	/* A subnet broadcast: lo's 127.255.255.255 in the local table. */
	inet_pton(AF_INET, "127.255.255.255", &b);
	if (!addrs || qt_addrs_type(addrs, b, 0) != RTN_BROADCAST) {
		printf("ok %d # SKIP no broadcast route for lo here\n", ++tap_n);
		return;
	}
	build(&ev, "127.0.0.1", "127.255.255.255", QT_HOOK_LOCAL_IN, &env);
	M("filter", "INPUT", "-m pkttype --pkt-type broadcast", "pkttype", &ev, 1);
	M("filter", "INPUT", "-m pkttype --pkt-type unicast", "pkttype", &ev, 0);
	build(&ev, "127.0.0.1", "127.255.255.255", QT_HOOK_LOCAL_IN, NULL);
	M("filter", "INPUT", "-m pkttype --pkt-type broadcast", "pkttype", &ev, 0);
	build(&ev, "127.0.0.1", "127.0.0.1", QT_HOOK_LOCAL_IN, &env);
	M("filter", "INPUT", "-m pkttype --pkt-type unicast", "pkttype", &ev, 1);
	build(&ev, "127.0.0.1", "127.255.255.255", QT_HOOK_LOCAL_OUT, &env);
	M("filter", "OUTPUT", "-m pkttype --pkt-type broadcast", "pkttype", &ev, 0);
}

static void test_addrtype(const struct qt_addrs *addrs, int lo)
{
	struct qt_engine_env env = { .addrs = addrs };
	struct qt_eval ev;

	/* no address cache: only the fixed types */
	build(&ev, "10.0.0.1", "255.255.255.255", QT_HOOK_LOCAL_IN, NULL);
	M("filter", "INPUT", "-m addrtype --src-type UNICAST", "addrtype", &ev, 1);
	M("filter", "INPUT", "-m addrtype ! --src-type UNICAST", "addrtype", &ev, 0);
	M("filter", "INPUT", "-m addrtype --src-type LOCAL", "addrtype", &ev, 0);
	M("filter", "INPUT", "-m addrtype ! --src-type LOCAL,BROADCAST", "addrtype", &ev, 1);
	M("filter", "INPUT", "-m addrtype --dst-type BROADCAST", "addrtype", &ev, 1);
	M("filter", "INPUT", "-m addrtype --dst-type LOCAL,BROADCAST", "addrtype", &ev, 1);
	M("filter", "INPUT", "-m addrtype ! --dst-type BROADCAST", "addrtype", &ev, 0);
	M("filter", "INPUT", "-m addrtype --src-type UNICAST --dst-type BROADCAST", "addrtype", &ev, 1);
	M("filter", "INPUT", "-m addrtype --src-type UNICAST --dst-type MULTICAST", "addrtype", &ev, 0);
	M("filter", "INPUT", "-m addrtype --src-type LOCAL --dst-type BROADCAST", "addrtype", &ev, 0);
	M("filter", "INPUT", "-m addrtype ! --src-type LOCAL ! --dst-type MULTICAST", "addrtype", &ev, 1);
	build(&ev, "0.0.0.0", "224.0.0.251", QT_HOOK_LOCAL_IN, NULL);
	M("filter", "INPUT", "-m addrtype --src-type BROADCAST --dst-type MULTICAST", "addrtype", &ev, 1);
	M("filter", "INPUT", "-m addrtype --dst-type UNICAST", "addrtype", &ev, 0);

	if (!addrs || !lo) {
		printf("ok %d # SKIP no address cache\n", ++tap_n);
		return;
	}
	/* the current namespace: 127.0.0.1 is LOCAL on lo */
	build(&ev, "127.0.0.1", "127.0.0.1", QT_HOOK_LOCAL_IN, &env);
	ev.indev = lo;
	M("filter", "INPUT", "-m addrtype --dst-type LOCAL", "addrtype", &ev, 1);
	M("filter", "INPUT", "-m addrtype ! --dst-type LOCAL", "addrtype", &ev, 0);
	M("filter", "INPUT", "-m addrtype --src-type LOCAL --dst-type LOCAL", "addrtype", &ev, 1);
	M("filter", "INPUT", "-m addrtype --dst-type UNICAST", "addrtype", &ev, 0);
	M("filter", "INPUT", "-m addrtype --dst-type LOCAL --limit-iface-in", "addrtype", &ev, 1);
	/* looked up on another device, a local address is UNICAST */
	ev.indev = lo + 100000;
	M("filter", "INPUT", "-m addrtype --dst-type LOCAL --limit-iface-in", "addrtype", &ev, 0);
	M("filter", "INPUT", "-m addrtype --dst-type UNICAST --limit-iface-in", "addrtype", &ev, 1);
	M("filter", "INPUT", "-m addrtype --dst-type LOCAL", "addrtype", &ev, 1);
	build(&ev, "127.0.0.1", "127.0.0.1", QT_HOOK_LOCAL_OUT, &env);
	ev.outdev = lo;
	M("filter", "OUTPUT", "-m addrtype --src-type LOCAL --limit-iface-out", "addrtype", &ev, 1);
	ev.outdev = lo + 100000;
	M("filter", "OUTPUT", "-m addrtype --src-type LOCAL --limit-iface-out", "addrtype", &ev, 0);
	M("filter", "OUTPUT", "-m addrtype ! --src-type LOCAL --limit-iface-out", "addrtype", &ev, 1);
	build(&ev, "127.0.0.1", "255.255.255.255", QT_HOOK_LOCAL_OUT, &env);
	M("filter", "OUTPUT", "-m addrtype --dst-type BROADCAST", "addrtype", &ev, 1);
}

static void test_owner(void)
{
	struct qt_eval ev;

	build(&ev, "10.0.0.1", "10.0.0.2", QT_HOOK_LOCAL_OUT, NULL);
	ev.has_uid = ev.has_gid = true;
	ev.uid = 1000;
	ev.gid = 100;
	M("filter", "OUTPUT", "-m owner --uid-owner 1000", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --uid-owner 999", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner ! --uid-owner 1000", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner ! --uid-owner 999", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --uid-owner 500-1000", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --uid-owner 1000:2000", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --uid-owner 1001-2000", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner ! --uid-owner 1001-2000", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --gid-owner 100", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --gid-owner 101-200", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner ! --gid-owner 101-200", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --gid-owner 100 --suppl-groups", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --gid-owner 5 --suppl-groups", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner --uid-owner 1000 --gid-owner 100", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --uid-owner 1000 --gid-owner 5", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner --uid-owner 1000 ! --gid-owner 5", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --socket-exists", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner ! --socket-exists", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner ! --socket-exists ! --uid-owner 5", "owner", &ev, 0);
	M("mangle", "POSTROUTING", "-m owner --uid-owner 1000", "owner", &ev, 1);

	/* no socket (forwarded, or the kernel's own): only all-inverted
	 * rules match, as xt_owner (checked with the kernel) */
	ev.has_uid = ev.has_gid = false;
	ev.uid = ev.gid = 0;
	M("filter", "OUTPUT", "-m owner --uid-owner 0", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner ! --uid-owner 0", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner ! --uid-owner 5", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner --gid-owner 0", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner --socket-exists", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner ! --socket-exists", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner ! --uid-owner 0 ! --gid-owner 0", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner ! --uid-owner 0 --gid-owner 0", "owner", &ev, 0);
	M("filter", "OUTPUT", "-m owner ! --socket-exists ! --uid-owner 0", "owner", &ev, 1);
	M("filter", "OUTPUT", "-m owner ! --gid-owner 0 --suppl-groups", "owner", &ev, 0);
	M("mangle", "POSTROUTING", "-m owner ! --socket-exists", "owner", &ev, 1);
}

int main(void)
{
	struct qt_rtnl_watch *addrs_feed = qt_rtnl_feed_open(&qt_addrs_feed);
	struct qt_rtnl_watch *links_feed = qt_rtnl_feed_open(&qt_links_feed);
	struct qt_addrs *addrs = addrs_feed ? qt_rtnl_feed_table(addrs_feed) : NULL;
	struct qt_links *links = links_feed ? qt_rtnl_feed_table(links_feed) : NULL;
	int lo = (int)if_nametoindex("lo");

	if (!addrs)
		printf("# the addresses feed: %s\n", strerror(errno));
	if (!links)
		printf("# the links feed: %s\n", strerror(errno));
	test_mac(links);
	test_pkttype(addrs);
	test_addrtype(addrs, lo);
	test_owner();
	qt_rtnl_watch_close(links_feed);
	qt_rtnl_watch_close(addrs_feed);
	return done_testing();
}
