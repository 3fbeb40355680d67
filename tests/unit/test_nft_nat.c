/* engine/nft_nat: nft's nat chains on the engine's NAT. The statements
 * compiled into the ranges of the NAT targets (addresses, ranges, ports,
 * flags, the family of an inet statement, nat maps); packets
 * judged hook by hook as the daemon judges them: dnat, snat with a port
 * range, masquerade and redirect bind a connection at its first packet
 * and every later packet of both directions is rewritten; the nat
 * chains of a hook walked in priority order with iptables' nat table
 * until one binds (the later ones never see the connection), an accept
 * without a binding handing on, a drop dropping; a nat chain runs at
 * the nat priority whatever its own (a filter chain at -95 sees what a
 * nat chain at -90 made); jumps into regular chains; IPv6. */
#include <linux/rtnetlink.h>

#include "nat_harness6.h"
#include "nft_exec.h"
#include "nft_model.h"
#include "nft_nat.h"
#include "nft_run.h"

#define SYN 0x02
#define ACK 0x10

static struct nft_ruleset *nrs;
static struct qt_nft_store *nstore;
static struct qt_buf err;

static int nft(const char *text)
{
	struct nft_run_opts o = { 0 };
	struct qt_buf out, e;
	bool changed;
	qt_buf_init(&out);
	qt_buf_init(&e);
	int st = nft_run(&nrs, text, strlen(text), &o, &out, &e, &changed);
	if (st)
		printf("# nft: %s", qt_buf_str(&e));
	qt_buf_free(&out);
	qt_buf_free(&e);
	return st;
}

/* h's program compiled again with the nft ruleset of family: 0 or -1
 * (err says why). */
static int attach(struct harness *h, uint8_t family)
{
	qt_buf_reset(&err);
	qt_prog_free(h->prog);
	h->prog = qt_prog_compile(h->rs, &h->env, h->store, &err);
	if (!h->prog)
		return -1;
	struct qt_nft_prog *np = qt_nft_compile(nrs, family, &h->env, nstore,
						&err);
	if (!np || qt_prog_attach_nft(h->prog, np, &err) < 0) {
		qt_prog_free(h->prog);
		h->prog = NULL;
		return -1;
	}
	return 0;
}

static void start(struct harness *h, const char *const *ipt,
		  const char *text)
{
	h_start(h, ipt);
	if (nft("flush ruleset\n") || nft(text))
		printf("# the nft ruleset was refused\n");
	if (attach(h, AF_INET) < 0)
		printf("# attach: %s", qt_buf_str(&err));
}

/* The counter of rule ri of a chain, after a sync. */
static long counted(const char *table, const char *chain, unsigned ri)
{
	qt_nft_store_sync(nstore, nrs);
	for (unsigned ti = 0; ti < nrs->ntables; ti++) {
		struct nft_table *t = &nrs->tables[ti];
		if (strcmp(t->name, table))
			continue;
		struct nft_chain *c = nft_chain_find(t, chain);
		if (!c || ri >= c->nrules)
			return -1;
		for (unsigned i = 0; i < c->rules[ri].n; i++)
			if (c->rules[ri].stmts[i].kind == NFT_S_COUNTER)
				return (long)c->rules[ri].stmts[i].packets;
	}
	return -1;
}

/* The nat statement of the first rule of chain c in table t. */
static const struct nft_stmt *first_nat(const char *t, const char *c)
{
	for (unsigned ti = 0; ti < nrs->ntables; ti++) {
		struct nft_table *tb = &nrs->tables[ti];
		struct nft_chain *ch = strcmp(tb->name, t) ? NULL
				       : nft_chain_find(tb, c);
		if (!ch || !ch->nrules)
			continue;
		for (unsigned i = 0; i < ch->rules[0].n; i++)
			if (ch->rules[0].stmts[i].kind == NFT_S_NAT)
				return &ch->rules[0].stmts[i];
	}
	return NULL;
}

static void compiled_ranges(void)
{
	nft("flush ruleset\n");
	is_int(nft("table ip n {\n"
		   " chain pre { type nat hook prerouting priority dstnat;\n"
		   "  tcp dport 80 dnat to 10.0.0.1-10.0.0.5:1000-2000 "
		   "random,persistent\n }\n"
		   " chain post { type nat hook postrouting priority srcnat;\n"
		   "  meta l4proto udp masquerade to :3000-3999 fully-random\n"
		   " }\n"
		   " chain out { type nat hook output priority -100;\n"
		   "  tcp dport 1 redirect to :8080\n }\n"
		   " chain in { type nat hook input priority 100;\n"
		   "  snat to 10.9.9.9\n }\n"
		   "}\n"), 0, "the four statements");
	struct qt_ext_run run;
	const struct qt_nat_range *r;
	is_int(qt_nft_nat_inst(&run, first_nat("n", "pre"), AF_INET, &err), 0,
	       "dnat made");
	r = run.in.data;
	ok(!strcmp(run.in.ext->name, "DNAT"), "as DNAT");
	ok(r->min_addr == h_ip("10.0.0.1") && r->max_addr == h_ip("10.0.0.5"),
	   "the address range");
	ok(r->min_port == 1000 && r->max_port == 2000, "the port range");
	is_int((int)r->flags, QT_NAT_MAP_IPS | QT_NAT_PROTO_SPECIFIED |
	       QT_NAT_PROTO_RANDOM | QT_NAT_PERSISTENT, "and the flags");
	free(run.in.data);
	is_int(qt_nft_nat_inst(&run, first_nat("n", "post"), AF_INET, &err),
	       0, "masquerade made");
	r = run.in.data;
	ok(!strcmp(run.in.ext->name, "MASQUERADE"), "as MASQUERADE");
	ok(r->min_port == 3000 && r->max_port == 3999 &&
	   r->flags == (QT_NAT_PROTO_SPECIFIED | QT_NAT_PROTO_RANDOM_FULLY),
	   "ports and fully-random, no address");
	free(run.in.data);
	is_int(qt_nft_nat_inst(&run, first_nat("n", "out"), AF_INET, &err), 0,
	       "redirect made");
	r = run.in.data;
	ok(!strcmp(run.in.ext->name, "REDIRECT") && r->min_port == 8080 &&
	   r->max_port == 8080 && r->flags == QT_NAT_PROTO_SPECIFIED,
	   "as REDIRECT to 8080");
	free(run.in.data);
	is_int(qt_nft_nat_inst(&run, first_nat("n", "in"), AF_INET, &err), 0,
	       "snat made");
	r = run.in.data;
	ok(!strcmp(run.in.ext->name, "SNAT") && r->min_addr == r->max_addr &&
	   r->min_addr == h_ip("10.9.9.9") && r->flags == QT_NAT_MAP_IPS,
	   "as SNAT to one address");
	free(run.in.data);
	is_int(qt_nft_nat_inst(&run, first_nat("n", "in"), AF_INET6, &err),
	       1, "an IPv4 address does nothing in the IPv6 program");
	ok(run.in.ext == NULL, "no instance then");

	/* inet: masquerade in both families, `ip to` in IPv4's only */
	nft("flush ruleset\n");
	is_int(nft("table inet n { chain post { type nat hook postrouting "
		   "priority srcnat;\n snat ip to 10.0.2.9\n masquerade\n}\n}\n"),
	       0, "an inet table");
	struct harness h;
	h6_start(&h, (const char *const[]){ NULL });
	is_int(attach(&h, AF_INET6), 0, "compiled in the IPv6 program");
	struct hpkt k;
	h6_udp(&k, "fd00:1::2", 5000, "fd00:2::2", 53);
	is_int(h6_forward(&h, &k), QT_XT_ACCEPT, "IPv6 forwarded");
	ok(h6_is(h6_saddr(&k), "fd00:2::1"),
	   "snat ip skipped, masquerade took eth1's address");
	h_stop(&h);

	/* a nat map: the element the key finds, its address and port;
	 * a key the map lacks breaks the rule (its values are intervals
	 * once one is, so the single address is a range of one: the
	 * kernel refuses a single value among intervals) */
	nft("flush ruleset\n");
	is_int(nft("table ip n { chain pre { type nat hook prerouting priority "
		   "dstnat;\n dnat ip to ip saddr . tcp dport map { 10.0.1.2 . 80 "
		   ": 10.0.2.2 . 8080, 10.0.1.3 . 80 : 10.0.2.0/24 . 9000-9001 }"
		   "\n}\n}\n"), 1, "single and interval values: refused");
	is_int(nft("table ip n { chain pre { type nat hook prerouting priority "
		   "dstnat;\n dnat ip to ip saddr . tcp dport map { 10.0.1.2 . 80 "
		   ": 10.0.2.2-10.0.2.2 . 8080, 10.0.1.3 . 80 : 10.0.2.0/24 . "
		   "9000-9001 }\n}\n}\n"), 0, "a nat map");
	h_start(&h, (const char *const[]){ NULL });
	is_int(attach(&h, AF_INET), 0, "compiled");
	h_tcp(&k, "10.0.1.2", 40000, "10.0.1.1", 80, SYN, 1000, 0);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "a key of the map");
	ok(h_daddr(&k) == h_ip("10.0.2.2") && h_dport(&k) == 8080,
	   "to its element's address and port");
	h_tcp(&k, "10.0.1.3", 40000, "10.0.1.1", 80, SYN, 1000, 0);
	h_forward(&h, &k);
	ok((h_daddr(&k) & htonl(0xffffff00)) == h_ip("10.0.2.0") &&
	   (h_dport(&k) == 9000 || h_dport(&k) == 9001),
	   "a prefix and a port range");
	h_tcp(&k, "10.0.1.2", 40001, "10.0.1.1", 81, SYN, 1000, 0);
	h_forward(&h, &k);
	ok(h_daddr(&k) == h_ip("10.0.1.1") && h_dport(&k) == 81,
	   "no element: untouched");
	h_stop(&h);
	/* inet: a map of IPv4 values does nothing for IPv6 packets */
	nft("flush ruleset\n");
	is_int(nft("table inet n { chain pre { type nat hook prerouting "
		   "priority dstnat;\n dnat ip to udp dport map { 80 : 10.0.2.2 "
		   "}\n}\n}\n"), 0, "an inet nat map");
	h_start(&h, (const char *const[]){ NULL });
	is_int(attach(&h, AF_INET), 0, "compiled in the IPv4 program");
	h_udp(&k, "10.0.1.2", 5000, "10.0.1.1", 80);
	h_forward(&h, &k);
	ok(h_daddr(&k) == h_ip("10.0.2.2"), "IPv4: to the map's address");
	h_stop(&h);
	h6_start(&h, (const char *const[]){ NULL });
	is_int(attach(&h, AF_INET6), 0, "compiled in the IPv6 program");
	h6_udp(&k, "fd00:1::2", 5000, "fd00:2::2", 80);
	h6_forward(&h, &k);
	ok(h6_is(h6_daddr(&k), "fd00:2::2"), "IPv6: the map skipped");
	h_stop(&h);
	/* prefix: the element's network, the host part kept */
	nft("flush ruleset\n");
	is_int(nft("table ip n { chain post { type nat hook postrouting "
		   "priority srcnat;\n snat ip prefix to ip saddr map { "
		   "10.0.1.0/24 : 10.9.8.0/24 }\n}\n}\n"), 0,
	       "snat ip prefix to a map");
	h_start(&h, (const char *const[]){ NULL });
	is_int(attach(&h, AF_INET), 0, "compiled");
	h_udp(&k, "10.0.1.7", 5000, "10.0.2.2", 53);
	h_forward(&h, &k);
	ok(h_saddr(&k) == h_ip("10.9.8.7"), "10.0.1.7 as 10.9.8.7");
	h_stop(&h);
}

static void dnat_port_forward(void)
{
	struct harness h;
	start(&h, (const char *const[]){ NULL },
	      "table ip n {\n"
	      " chain pre { type nat hook prerouting priority dstnat;\n"
	      "  ip daddr 10.0.1.1 tcp dport 80 counter dnat to 10.0.2.2:8080\n"
	      " }\n}\n");
	struct hpkt k;
	h_tcp(&k, "10.0.1.2", 40000, "10.0.1.1", 80, SYN, 1000, 0);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "SYN forwarded");
	ok(h_daddr(&k) == h_ip("10.0.2.2") && h_dport(&k) == 8080,
	   "to 10.0.2.2:8080");
	ok(h_saddr(&k) == h_ip("10.0.1.2") && h_sport(&k) == 40000,
	   "source kept");
	ok(h_ip_ok(k.b) && h_l4_ok(k.b), "checksums hold");
	struct qt_ct_entry *e = h_entry(&h, IPPROTO_TCP, "10.0.1.2", 40000,
					"10.0.1.1", 80);
	ok(e && (e->status & QT_IPS_DST_NAT) && !(e->status & QT_IPS_SRC_NAT) &&
	   (e->status & QT_IPS_SRC_NAT_DONE),
	   "bound for the destination, the null binding for the source");
	h_tcp(&k, "10.0.2.2", 8080, "10.0.1.2", 40000, SYN | ACK, 5000, 1001);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "SYN-ACK forwarded");
	ok(h_saddr(&k) == h_ip("10.0.1.1") && h_sport(&k) == 80 &&
	   h_l4_ok(k.b), "the reply from 10.0.1.1:80");
	for (int i = 0; i < 3; i++) {
		h_tcp(&k, "10.0.1.2", 40000, "10.0.1.1", 80, ACK, 1001, 5001);
		h_forward(&h, &k);
	}
	ok(h_daddr(&k) == h_ip("10.0.2.2") && h_dport(&k) == 8080,
	   "later packets rewritten from the binding");
	is_int((int)counted("n", "pre", 0), 1,
	       "the nat chain saw the first packet only");
	h_tcp(&k, "10.0.1.2", 40001, "10.0.1.1", 81, SYN, 1000, 0);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "another port");
	ok(h_daddr(&k) == h_ip("10.0.1.1") && h_dport(&k) == 81,
	   "untouched (null binding)");
	h_stop(&h);
}

static void snat_port_range(void)
{
	struct harness h;
	start(&h, (const char *const[]){ NULL },
	      "table ip n {\n"
	      " chain post { type nat hook postrouting priority srcnat;\n"
	      "  oifname \"eth1\" meta l4proto udp snat to 10.0.2.1:2000-2099\n"
	      " }\n}\n");
	bool all_in = true, distinct = true;
	uint16_t seen[20];
	for (unsigned i = 0; i < 20; i++) {
		struct hpkt k;
		h_udp(&k, "10.0.1.2", (uint16_t)(5000 + i), "10.0.2.2", 53);
		if (h_forward(&h, &k) != QT_XT_ACCEPT ||
		    h_saddr(&k) != h_ip("10.0.2.1"))
			all_in = false;
		seen[i] = h_sport(&k);
		all_in &= seen[i] >= 2000 && seen[i] <= 2099;
		for (unsigned j = 0; j < i; j++)
			distinct &= seen[j] != seen[i];
	}
	ok(all_in, "20 flows from 10.0.2.1, ports in 2000-2099");
	ok(distinct, "each its own port");
	struct hpkt k;
	h_udp(&k, "10.0.2.2", 53, "10.0.2.1", seen[3]);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "a reply");
	ok(h_daddr(&k) == h_ip("10.0.1.2") && h_dport(&k) == 5003 &&
	   h_l4_ok(k.b), "back to 10.0.1.2:5003");
	h_stop(&h);
}

static void masquerade_and_redirect(void)
{
	struct harness h;
	start(&h, (const char *const[]){ NULL },
	      "table ip n {\n"
	      " chain pre { type nat hook prerouting priority dstnat;\n"
	      "  iifname \"eth0\" tcp dport 3128 redirect to :8080\n }\n"
	      " chain post { type nat hook postrouting priority srcnat;\n"
	      "  oifname \"eth1\" masquerade\n }\n}\n");
	struct hpkt k;
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 53);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "forwarded");
	ok(h_saddr(&k) == h_ip("10.0.2.1"), "masqueraded to eth1's address");
	h_udp(&k, "10.0.2.2", 53, "10.0.2.1", h_sport(&k));
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "the reply");
	ok(h_daddr(&k) == h_ip("10.0.1.2") && h_dport(&k) == 5000,
	   "back to the client");
	h_tcp(&k, "10.0.1.2", 40000, "10.9.9.9", 3128, SYN, 1, 0);
	is_int(h_hook(&h, &k, QT_HOOK_PRE_ROUTING, 1, 0, false), QT_XT_ACCEPT,
	       "PREROUTING");
	ok(h_daddr(&k) == h_ip("10.0.1.1") && h_dport(&k) == 8080,
	   "redirected to eth0's address, port 8080");
	is_int(h_hook(&h, &k, QT_HOOK_LOCAL_IN, 1, 0, false), QT_XT_ACCEPT,
	       "INPUT");
	ok(h_saddr(&k) == h_ip("10.0.1.2") && h_sport(&k) == 40000,
	   "its source kept");
	h_stop(&h);
}

/* dnat at output (a local connection), snat at input (delivered to a
 * local socket with another source) */
static void local_hooks(void)
{
	struct harness h;
	start(&h, (const char *const[]){ NULL },
	      "table ip n {\n"
	      " chain out { type nat hook output priority -100;\n"
	      "  ip daddr 10.9.9.9 udp dport 53 dnat to 10.0.2.2:5353\n }\n"
	      " chain in { type nat hook input priority 100;\n"
	      "  ip saddr 10.0.1.2 snat to 10.0.1.77\n }\n}\n");
	struct hpkt k;
	h_udp(&k, "10.0.2.1", 6000, "10.9.9.9", 53);
	is_int(h_hook(&h, &k, QT_HOOK_LOCAL_OUT, 0, 2, false), QT_XT_ACCEPT,
	       "OUTPUT");
	ok(h_daddr(&k) == h_ip("10.0.2.2") && h_dport(&k) == 5353 &&
	   h_l4_ok(k.b), "dnat at output: to 10.0.2.2:5353");
	is_int(h_hook(&h, &k, QT_HOOK_POST_ROUTING, 0, 2, false), QT_XT_ACCEPT,
	       "POSTROUTING");
	h_udp(&k, "10.0.2.2", 5353, "10.0.2.1", 6000);
	h_hook(&h, &k, QT_HOOK_PRE_ROUTING, 2, 0, false);
	is_int(h_hook(&h, &k, QT_HOOK_LOCAL_IN, 2, 0, false), QT_XT_ACCEPT,
	       "the reply, INPUT");
	ok(h_saddr(&k) == h_ip("10.9.9.9") && h_sport(&k) == 53,
	   "comes from the address asked");
	h_udp(&k, "10.0.1.2", 7000, "10.0.1.1", 9);
	h_hook(&h, &k, QT_HOOK_PRE_ROUTING, 1, 0, false);
	is_int(h_hook(&h, &k, QT_HOOK_LOCAL_IN, 1, 0, false), QT_XT_ACCEPT,
	       "INPUT");
	ok(h_saddr(&k) == h_ip("10.0.1.77") && h_sport(&k) == 7000 &&
	   h_l4_ok(k.b), "snat at input: from 10.0.1.77");
	h_stop(&h);
}

static void beside_iptables(void)
{
	/* iptables' nat table at -100 binds first: the nft chain at -90
	 * never sees the connection; the one at -110 does and accepts
	 * without binding, which hands it on */
	struct harness h;
	const char *nftr =
		"table ip t {\n"
		" chain early { type nat hook prerouting priority -110;\n"
		"  ip daddr 10.0.1.1 counter accept\n }\n"
		" chain late { type nat hook prerouting priority -90;\n"
		"  ip daddr 10.0.1.1 counter dnat to 10.0.2.3\n }\n}\n";
	start(&h, (const char *const[]){
		"-t nat -A PREROUTING -d 10.0.1.1 -j DNAT "
		"--to-destination 10.0.2.2", NULL }, nftr);
	struct hpkt k;
	h_udp(&k, "10.0.1.2", 5000, "10.0.1.1", 53);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "forwarded");
	ok(h_daddr(&k) == h_ip("10.0.2.2"), "iptables' DNAT bound it");
	is_int((int)counted("t", "early", 0), 1, "the chain at -110 saw it");
	is_int((int)counted("t", "late", 0), 0,
	       "the chain at -90 did not: the binding ended the walk");
	is_int((int)h_nat_count(&h, "PREROUTING", 1), 1,
	       "iptables' rule matched");
	h_stop(&h);

	/* the nft chain before iptables' binds: iptables' rule never runs */
	start(&h, (const char *const[]){
		"-t nat -A PREROUTING -d 10.0.1.1 -j DNAT "
		"--to-destination 10.0.2.2", NULL },
	      "table ip t { chain first { type nat hook prerouting priority "
	      "-110;\n ip daddr 10.0.1.1 counter dnat to 10.0.2.3\n}\n}\n");
	h_udp(&k, "10.0.1.2", 5000, "10.0.1.1", 53);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "forwarded");
	ok(h_daddr(&k) == h_ip("10.0.2.3"), "the nft chain's dnat bound it");
	is_int((int)h_nat_count(&h, "PREROUTING", 1), 0,
	       "iptables' nat rule never saw it");
	h_stop(&h);

	/* a drop in a nat chain drops; the nat walk runs at -100 whatever
	 * the chain's priority: a filter chain at -95 sees the new address */
	start(&h, (const char *const[]){ NULL },
	      "table ip t {\n"
	      " chain n { type nat hook prerouting priority -90;\n"
	      "  udp dport 9 drop\n  ip daddr 10.0.1.1 dnat to 10.0.2.3\n }\n"
	      " chain f { type filter hook prerouting priority -95;\n"
	      "  ip daddr 10.0.2.3 counter\n  ip daddr 10.0.1.1 counter\n }\n"
	      "}\n");
	h_udp(&k, "10.0.1.2", 5000, "10.0.1.1", 9);
	is_int(h_forward(&h, &k), QT_XT_DROP, "a drop in the nat chain drops");
	h_udp(&k, "10.0.1.2", 5001, "10.0.1.1", 53);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "another is forwarded");
	is_int((int)counted("t", "f", 0), 1,
	       "the filter chain at -95 saw the translated address");
	is_int((int)counted("t", "f", 1), 0, "never the original one");
	h_stop(&h);
}

/* A nat chain does not turn tracking on: without a nat statement or a
 * ct expression in the table its rules never run. */
static void untracked(void)
{
	struct harness h;
	start(&h, (const char *const[]){ NULL },
	      "table ip t { chain n { type nat hook postrouting priority 100;\n"
	      "  counter\n  udp dport 9 drop\n}\n}\n");
	ok(!qt_prog_uses_ct(h.prog), "no tracking");
	struct hpkt k;
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 9);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "the drop does not run");
	is_int((int)counted("t", "n", 0), 0, "nor the counter");
	h_stop(&h);
	start(&h, (const char *const[]){ NULL },
	      "table ip t { chain n { type nat hook postrouting priority 100;\n"
	      "  counter\n  udp dport 9 drop\n}\n}\n"
	      "table ip u { chain x { ct state new counter\n}\n}\n");
	ok(qt_prog_uses_ct(h.prog), "a ct expression anywhere: tracking");
	h_udp(&k, "10.0.1.2", 5000, "10.0.2.2", 9);
	is_int(h_forward(&h, &k), QT_XT_DROP, "then the nat chain drops");
	is_int((int)counted("t", "n", 0), 1, "and counts");
	h_stop(&h);
}

/* kube-proxy's shape: dnat in a regular chain jumped to from the nat
 * prerouting chain; masquerade (fully-random) in postrouting */
static void jumps(void)
{
	struct harness h;
	start(&h, (const char *const[]){ NULL },
	      "table ip kube-proxy {\n"
	      " chain nat-prerouting { type nat hook prerouting priority "
	      "dstnat;\n  jump services\n }\n"
	      " chain services {\n  ip daddr 172.30.0.10 tcp dport 80 "
	      "goto service-x\n }\n"
	      " chain service-x {\n  jump endpoint-x\n }\n"
	      " chain endpoint-x {\n  meta l4proto tcp dnat to 10.0.2.3:80\n }\n"
	      " chain nat-postrouting { type nat hook postrouting priority "
	      "srcnat;\n  ip daddr 10.0.2.3 masquerade fully-random\n }\n}\n");
	struct hpkt k;
	h_tcp(&k, "10.0.1.2", 40000, "172.30.0.10", 80, SYN, 1, 0);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "forwarded");
	ok(h_daddr(&k) == h_ip("10.0.2.3") && h_dport(&k) == 80,
	   "to the endpoint");
	ok(h_saddr(&k) == h_ip("10.0.2.1"), "masqueraded");
	ok(h_l4_ok(k.b) && h_ip_ok(k.b), "checksums hold");
	h_tcp(&k, "10.0.2.3", 80, "10.0.2.1", h_sport(&k), SYN | ACK, 9, 2);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "the reply");
	ok(h_saddr(&k) == h_ip("172.30.0.10") && h_daddr(&k) ==
	   h_ip("10.0.1.2") && h_dport(&k) == 40000 && h_sport(&k) == 80,
	   "from the service to the client");
	h_stop(&h);
}

static void ipv6(void)
{
	nft("flush ruleset\n");
	is_int(nft("table ip6 n { chain pre { type nat hook prerouting "
		   "priority dstnat;\n tcp dport 80 dnat to fd00:2::2\n}\n"
		   "}\n"), 0, "an ip6 nat chain");
	struct harness h;
	h6_start(&h, (const char *const[]){ NULL });
	is_int(attach(&h, AF_INET6), 0, "compiled");
	struct hpkt k;
	h6_tcp(&k, "fd00:1::2", 40000, "fd00:1::1", 80, SYN, 1000, 0, false);
	is_int(h6_forward(&h, &k), QT_XT_ACCEPT, "SYN forwarded");
	ok(h6_is(h6_daddr(&k), "fd00:2::2") && h6_dport(&k) == 80 &&
	   h6_l4_ok(k.b), "to [fd00:2::2]:80");
	h6_tcp(&k, "fd00:2::2", 80, "fd00:1::2", 40000, SYN | ACK, 5, 1001,
	       false);
	is_int(h6_forward(&h, &k), QT_XT_ACCEPT, "the reply");
	ok(h6_is(h6_saddr(&k), "fd00:1::1") && h6_sport(&k) == 80 &&
	   h6_l4_ok(k.b), "from [fd00:1::1]:80");
	h_stop(&h);
}

int main(void)
{
	qt_buf_init(&err);
	nrs = nft_ruleset_new();
	nstore = qt_nft_store_new();
	compiled_ranges();
	dnat_port_forward();
	snat_port_range();
	masquerade_and_redirect();
	local_hooks();
	beside_iptables();
	untracked();
	jumps();
	ipv6();
	is_int((int)qt_nft_store_count(nstore), 0,
	       "runtimes freed with the programs");
	qt_nft_store_free(nstore);
	nft_ruleset_free(nrs);
	qt_buf_free(&err);
	return done_testing();
}
