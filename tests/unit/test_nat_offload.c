/* NAT offload (io/nat_offload.c): the elements a bound connection puts
 * in the kernel's maps (keys as the packets look at each hook, target
 * chains writing what engine/nat_pkt.c rewrites, the port map keyed by
 * the new address), which connections qualify, the nfnetlink batch
 * that carries them with the chains' messages and nft's expressions,
 * the table's script, and the lifecycle on a connection table: wanted
 * -> pending -> offloaded, forgotten -> removed, refused -> never
 * offloaded, a chain made with its first element and deleted with its
 * last. As root, in a network namespace of its own, the batches go to
 * the kernel and the maps and chains are read back with nft. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conntrack.h"
#include "nat_offload.h"
#include "tap.h"

static struct qt_ct_tuple tup(uint8_t proto, const char *s, uint16_t sp,
			      const char *d, uint16_t dp)
{
	struct qt_ct_tuple t;
	memset(&t, 0, sizeof(t));
	if (strchr(s, ':')) {
		inet_pton(AF_INET6, s, t.src.b);
		inet_pton(AF_INET6, d, t.dst.b);
		t.ip6 = 1;
	} else {
		inet_pton(AF_INET, s, &t.src.ip);
		inet_pton(AF_INET, d, &t.dst.ip);
	}
	t.sport = sp;
	t.dport = dp;
	t.proto = proto;
	return t;
}

static const uint32_t BOUND = QT_IPS_CONFIRMED | QT_IPS_SRC_NAT_DONE |
			      QT_IPS_DST_NAT_DONE;

/* client 10.0.1.2:40000 -> 10.0.1.1:80, DNAT to 10.0.2.2:8080 */
static struct qt_ct_entry dnat_entry(void)
{
	struct qt_ct_entry e;
	memset(&e, 0, sizeof(e));
	e.t[QT_CT_ORIG] = tup(IPPROTO_TCP, "10.0.1.2", 40000, "10.0.1.1", 80);
	e.t[QT_CT_REPLY] = tup(IPPROTO_TCP, "10.0.2.2", 8080, "10.0.1.2", 40000);
	e.status = BOUND | QT_IPS_DST_NAT;
	e.id = 7;
	return e;
}

/* An element's key as bytes: the test's own layout. */
static void key4(uint8_t *k, const char *s, const char *d, uint8_t proto,
		 uint16_t sp, uint16_t dp)
{
	memset(k, 0, QT_NATOFF_KEY_MAX);
	inet_pton(AF_INET, s, k);
	inet_pton(AF_INET, d, k + 4);
	k[8] = proto;
	k[12] = (uint8_t)(sp >> 8);
	k[13] = (uint8_t)sp;
	k[16] = (uint8_t)(dp >> 8);
	k[17] = (uint8_t)dp;
}

static const struct qt_natoff_elem *find(const struct qt_natoff_elem *el,
					 unsigned n, enum qt_natoff_map m)
{
	for (unsigned i = 0; i < n; i++)
		if (el[i].map == m)
			return &el[i];
	return NULL;
}

/* el has key and jumps to the chain named chain, or, chain NULL,
 * gives port */
static bool elem_is(const struct qt_natoff_elem *el, const uint8_t *key,
		    const char *chain, int port)
{
	if (!el || el->klen != 20 || memcmp(el->key, key, 20))
		return false;
	if (chain) {
		char name[QT_NATOFF_CHAIN_NAME];
		qt_natoff_chain_name(&el->chain, name, sizeof(name));
		if (strcmp(name, chain))
			printf("# chain %s, not %s\n", name, chain);
		return !strcmp(name, chain);
	}
	return el->vlen == 2 && el->val[0] == (uint8_t)(port >> 8) &&
	       el->val[1] == (uint8_t)port;
}

/* the element of map m whose key is k */
static const struct qt_natoff_elem *find_key(const struct qt_natoff_elem *el,
					     unsigned n, enum qt_natoff_map m,
					     const uint8_t *k)
{
	for (unsigned i = 0; i < n; i++)
		if (el[i].map == m && !memcmp(el[i].key, k, 20))
			return &el[i];
	return NULL;
}

static void elements(void)
{
	struct qt_natoff_elem el[QT_NATOFF_ELEMS_MAX];
	uint8_t k[QT_NATOFF_KEY_MAX];
	struct qt_ct_entry e = dnat_entry();
	ok(qt_natoff_eligible(&e), "a bound DNAT connection qualifies");
	unsigned n = qt_natoff_elems(&e, el);
	is_int(n, 2, "DNAT with a new port: an element each way");
	key4(k, "10.0.1.2", "10.0.1.1", IPPROTO_TCP, 40000, 80);
	ok(elem_is(find(el, n, QT_NATOFF_DST), k, "d_tcp_10.0.2.2_8080", 0),
	   "original direction at PREROUTING: its tuple -> the service's "
	   "address and port, constants");
	key4(k, "10.0.2.2", "10.0.1.2", IPPROTO_TCP, 8080, 40000);
	ok(elem_is(find(el, n, QT_NATOFF_SRC), k, "s_tcp_10.0.1.1_80", 0),
	   "reply at POSTROUTING: source back to the address and port asked "
	   "for");
	ok(!find(el, n, QT_NATOFF_DST_PORT) && !find(el, n, QT_NATOFF_SRC_PORT),
	   "no port map for a service's side");

	/* DNAT keeping the port, and MASQUERADE: both manips each way */
	e.t[QT_CT_REPLY] = tup(IPPROTO_UDP, "10.0.2.2", 80, "10.0.2.1", 61000);
	e.t[QT_CT_ORIG].proto = IPPROTO_UDP;
	e.status |= QT_IPS_SRC_NAT;
	n = qt_natoff_elems(&e, el);
	is_int(n, 6, "DNAT + MASQUERADE with a new source port: six");
	key4(k, "10.0.1.2", "10.0.1.1", IPPROTO_UDP, 40000, 80);
	ok(elem_is(find_key(el, n, QT_NATOFF_DST, k), k, "d_udp_10.0.2.2", 0),
	   "the port kept: the address alone");
	key4(k, "10.0.1.2", "10.0.2.2", IPPROTO_UDP, 40000, 80);
	ok(elem_is(find_key(el, n, QT_NATOFF_SRC, k), k,
		   "s_udp_10.0.2.1_pmap", 0),
	   "original at POSTROUTING keyed as PREROUTING left it; a client's "
	   "new port from the port map");
	key4(k, "10.0.2.1", "10.0.2.2", IPPROTO_UDP, 40000, 80);
	ok(elem_is(find(el, n, QT_NATOFF_SRC_PORT), k, NULL, 61000),
	   "its port element keyed with the new source");
	key4(k, "10.0.2.2", "10.0.2.1", IPPROTO_UDP, 80, 61000);
	ok(elem_is(find_key(el, n, QT_NATOFF_DST, k), k,
		   "d_udp_10.0.1.2_pmap", 0), "reply at PREROUTING: to the client");
	key4(k, "10.0.2.2", "10.0.1.2", IPPROTO_UDP, 80, 61000);
	ok(elem_is(find(el, n, QT_NATOFF_DST_PORT), k, NULL, 40000),
	   "and its port back, keyed with the client's address");
	key4(k, "10.0.2.2", "10.0.1.2", IPPROTO_UDP, 80, 40000);
	ok(elem_is(find_key(el, n, QT_NATOFF_SRC, k), k, "s_udp_10.0.1.1", 0),
	   "reply at POSTROUTING: the address asked for, the port kept");

	/* MASQUERADE keeping the port: no port map */
	e.t[QT_CT_ORIG] = tup(IPPROTO_TCP, "10.0.1.2", 40000, "10.0.2.2", 80);
	e.t[QT_CT_REPLY] = tup(IPPROTO_TCP, "10.0.2.2", 80, "10.0.2.1", 40000);
	e.status = BOUND | QT_IPS_SRC_NAT;
	n = qt_natoff_elems(&e, el);
	ok(n == 2 && el[0].map == QT_NATOFF_SRC &&
	   el[0].chain.write == QT_NATOFF_W_ADDR &&
	   el[1].map == QT_NATOFF_DST && el[1].chain.write == QT_NATOFF_W_ADDR,
	   "MASQUERADE keeping the port: the addresses alone");

	/* IPv6: 44-byte keys, 16-byte addresses */
	struct qt_ct_entry e6;
	memset(&e6, 0, sizeof(e6));
	e6.t[0] = tup(IPPROTO_TCP, "fd00:1::2", 40000, "fd00:1::1", 80);
	e6.t[1] = tup(IPPROTO_TCP, "fd00:2::2", 80, "fd00:1::2", 40000);
	e6.status = BOUND | QT_IPS_DST_NAT;
	n = qt_natoff_elems(&e6, el);
	ok(n == 2 && el[0].klen == 44 && el[0].ip6 && el[0].chain.ip6 &&
	   el[0].key[32] == IPPROTO_TCP && el[0].key[36] == 40000 >> 8,
	   "IPv6: two elements, 44-byte keys");
	char name[QT_NATOFF_CHAIN_NAME];
	qt_natoff_chain_name(&el[0].chain, name, sizeof(name));
	is_str(name, "d_tcp_fd00-2--2", "an IPv6 chain's name: '-' for ':'");

	/* what does not qualify */
	e = dnat_entry();
	e.status &= ~QT_IPS_DST_NAT;
	ok(!qt_natoff_eligible(&e), "the null binding: nothing to offload");
	e = dnat_entry();
	e.status &= ~QT_IPS_CONFIRMED;
	ok(!qt_natoff_eligible(&e), "not confirmed yet");
	e = dnat_entry();
	e.status &= ~QT_IPS_SRC_NAT_DONE;
	ok(!qt_natoff_eligible(&e), "the source binding not made yet");
	e = dnat_entry();
	e.t[0].proto = e.t[1].proto = IPPROTO_ICMP;
	ok(!qt_natoff_eligible(&e), "ICMP stays in user space");
	e.t[0].proto = e.t[1].proto = IPPROTO_SCTP;
	ok(!qt_natoff_eligible(&e), "SCTP stays in user space");
	e = dnat_entry();
	e.status |= QT_CTS_OFFLOAD_NO;
	ok(!qt_natoff_eligible(&e), "refused once: never again");
	e = dnat_entry();
	e.status |= QT_CTS_OFFLOADED;
	ok(!qt_natoff_eligible(&e), "offloaded already");
}

struct seen {
	unsigned msgs, elems;
	uint16_t types[16];
	char names[16][64];          /* set or chain */
	uint8_t fam[16];
	uint16_t flags[16];
	unsigned klen, vlen;
	uint32_t verdict;
	char vchain[64];
	char exprs[16][160];         /* a rule's expressions' names */
	uint32_t writes[4][5];       /* payload writes: base offset len
					csum_type csum_off */
	uint32_t wflags[4];
	unsigned nwrites;
	char lookup[32];
};

static int elem_cb(const struct nlattr *a, void *data)
{
	struct seen *s = data;
	if (mnl_attr_get_type(a) != NFTA_LIST_ELEM)
		return MNL_CB_OK;
	s->elems++;
	struct nlattr *in;
	mnl_attr_for_each_nested(in, a) {
		struct nlattr *v = mnl_attr_get_payload(in);
		if (mnl_attr_get_type(in) == NFTA_SET_ELEM_KEY)
			s->klen = mnl_attr_get_payload_len(v);
		if (mnl_attr_get_type(in) != NFTA_SET_ELEM_DATA)
			continue;
		s->vlen = mnl_attr_get_payload_len(v);
		if (mnl_attr_get_type(v) != NFTA_DATA_VERDICT)
			continue;
		struct nlattr *x;
		mnl_attr_for_each_nested(x, v) {
			if (mnl_attr_get_type(x) == NFTA_VERDICT_CODE)
				s->verdict = ntohl(mnl_attr_get_u32(x));
			if (mnl_attr_get_type(x) == NFTA_VERDICT_CHAIN)
				snprintf(s->vchain, sizeof(s->vchain), "%s",
					 mnl_attr_get_str(x));
		}
	}
	return MNL_CB_OK;
}

/* a rule's expressions: their names in order, payload writes, the
 * lookup's set */
static void rule_exprs(const struct nlattr *list, struct seen *s, unsigned i)
{
	const struct nlattr *x;
	mnl_attr_for_each_nested(x, list) {
		const struct nlattr *a, *data = NULL;
		const char *name = "";
		mnl_attr_for_each_nested(a, x) {
			if (mnl_attr_get_type(a) == NFTA_EXPR_NAME)
				name = mnl_attr_get_str(a);
			if (mnl_attr_get_type(a) == NFTA_EXPR_DATA)
				data = a;
		}
		size_t l = strlen(s->exprs[i]);
		snprintf(s->exprs[i] + l, sizeof(s->exprs[i]) - l, "%s%s",
			 l ? " " : "", name);
		if (!data)
			continue;
		uint32_t w[8] = { 0 };
		bool write = false;
		mnl_attr_for_each_nested(a, data) {
			uint16_t t = mnl_attr_get_type(a);
			if (!strcmp(name, "lookup") && t == NFTA_LOOKUP_SET)
				snprintf(s->lookup, sizeof(s->lookup), "%s",
					 mnl_attr_get_str(a));
			if (strcmp(name, "payload") || t == 0 || t > 8)
				continue;
			w[t - 1] = ntohl(mnl_attr_get_u32(a));
			write |= t == NFTA_PAYLOAD_SREG;
		}
		if (write && s->nwrites < 4) {
			uint32_t *o = s->writes[s->nwrites];
			o[0] = w[NFTA_PAYLOAD_BASE - 1];
			o[1] = w[NFTA_PAYLOAD_OFFSET - 1];
			o[2] = w[NFTA_PAYLOAD_LEN - 1];
			o[3] = w[NFTA_PAYLOAD_CSUM_TYPE - 1];
			o[4] = w[NFTA_PAYLOAD_CSUM_OFFSET - 1];
			s->wflags[s->nwrites++] = w[NFTA_PAYLOAD_CSUM_FLAGS - 1];
		}
	}
}

static void parse(const uint8_t *buf, size_t len, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	int left = (int)len;
	unsigned i = 0;
	for (; mnl_nlmsg_ok(h, left) && i < 16; h = mnl_nlmsg_next(h, &left), i++) {
		s->types[i] = h->nlmsg_type & 0xff;
		if (h->nlmsg_type >> 8 != NFNL_SUBSYS_NFTABLES)
			s->types[i] = h->nlmsg_type;
		s->flags[i] = h->nlmsg_flags;
		const struct nfgenmsg *g = mnl_nlmsg_get_payload(h);
		s->fam[i] = g->nfgen_family;
		const struct nlattr *a;
		bool rule = (h->nlmsg_type & 0xff) == NFT_MSG_NEWRULE;
		bool chain = (h->nlmsg_type & 0xff) == NFT_MSG_NEWCHAIN ||
			     (h->nlmsg_type & 0xff) == NFT_MSG_DELCHAIN;
		mnl_attr_for_each(a, h, sizeof(*g)) {
			uint16_t t = mnl_attr_get_type(a);
			if ((!rule && !chain && t == NFTA_SET_ELEM_LIST_SET) ||
			    (rule && t == NFTA_RULE_CHAIN) ||
			    (chain && t == NFTA_CHAIN_NAME))
				snprintf(s->names[i], sizeof(s->names[i]), "%s",
					 mnl_attr_get_str(a));
			if (!rule && !chain && t == NFTA_SET_ELEM_LIST_ELEMENTS)
				mnl_attr_parse_nested(a, elem_cb, s);
			if (rule && t == NFTA_RULE_EXPRESSIONS)
				rule_exprs(a, s, i);
		}
	}
	s->msgs = i;
}

static void batch(void)
{
	struct qt_natoff_elem el[QT_NATOFF_ELEMS_MAX];
	struct qt_natoff_chain ch[2];
	struct qt_ct_entry e = dnat_entry();
	unsigned n = qt_natoff_elems(&e, el), nmsg;
	ch[0] = el[0].chain;
	ch[1] = el[1].chain;
	static uint8_t buf[65536];
	size_t len = qt_natoff_batch(buf, sizeof(buf), 100, true, ch, 2, el, n,
				     &nmsg);
	ok(len > 0 && nmsg == 6, "two chains and two maps, six messages");
	struct seen s;
	parse(buf, len, &s);
	is_int(s.msgs, 8, "begin, six, end");
	ok(s.types[0] == NFNL_MSG_BATCH_BEGIN && s.types[7] == NFNL_MSG_BATCH_END,
	   "a batch");
	ok(s.types[1] == NFT_MSG_NEWCHAIN && s.types[2] == NFT_MSG_NEWRULE &&
	   s.types[3] == NFT_MSG_NEWCHAIN && s.types[4] == NFT_MSG_NEWRULE &&
	   s.types[5] == NFT_MSG_NEWSETELEM && s.types[6] == NFT_MSG_NEWSETELEM,
	   "the chains first, then the elements that jump to them");
	ok((s.flags[5] & NLM_F_ACK) && (s.flags[5] & NLM_F_CREATE) &&
	   (s.flags[2] & NLM_F_APPEND) && s.fam[1] == NFPROTO_IPV4,
	   "acknowledged, created, family ip");
	is_str(s.names[1], "d_tcp_10.0.2.2_8080", "the chain's name");
	is_str(s.names[2], "d_tcp_10.0.2.2_8080", "its rule");
	/* nft --debug=netlink of `ip daddr set 10.0.2.2 tcp dport set 8080` */
	is_str(s.exprs[2], "immediate payload meta cmp immediate payload",
	       "nft's expressions for the address and the port");
	ok(s.nwrites == 4 &&
	   s.writes[0][0] == NFT_PAYLOAD_NETWORK_HEADER &&
	   s.writes[0][1] == 16 && s.writes[0][2] == 4 &&
	   s.writes[0][3] == NFT_PAYLOAD_CSUM_INET && s.writes[0][4] == 10 &&
	   s.wflags[0] == NFT_PAYLOAD_L4CSUM_PSEUDOHDR,
	   "daddr written with the header checksum and the pseudo header's");
	ok(s.writes[1][0] == NFT_PAYLOAD_TRANSPORT_HEADER &&
	   s.writes[1][1] == 2 && s.writes[1][2] == 2 &&
	   s.writes[1][3] == NFT_PAYLOAD_CSUM_INET && s.writes[1][4] == 16 &&
	   s.wflags[1] == 0, "dport with TCP's checksum");
	ok(s.writes[2][1] == 12 && s.writes[3][1] == 0,
	   "the reply's chain writes the source");
	is_str(s.names[5], "dst_vmap", "maps in order");
	is_str(s.names[6], "src_vmap", "the last map");
	ok(s.elems == 2 && s.klen == 20 && s.verdict == (uint32_t)NFT_GOTO &&
	   !strcmp(s.vchain, "s_tcp_10.0.1.1_80"),
	   "each element with its key and a goto its chain");

	len = qt_natoff_batch(buf, sizeof(buf), 1, false, ch, 2, el, n, &nmsg);
	parse(buf, len, &s);
	ok(nmsg == 4 && s.types[1] == NFT_MSG_DELSETELEM &&
	   s.types[2] == NFT_MSG_DELSETELEM && s.types[3] == NFT_MSG_DELCHAIN &&
	   s.types[4] == NFT_MSG_DELCHAIN && !strcmp(s.names[4],
						      "s_tcp_10.0.1.1_80"),
	   "removal: DELSETELEM, then DELCHAIN");
	len = qt_natoff_batch(buf, sizeof(buf), 1, false, NULL, 0, el, n, &nmsg);
	ok(nmsg == 2, "removal keeping the chains");

	/* a client's chain: the port from the map, keyed after the
	 * address's write */
	e.t[QT_CT_ORIG] = tup(IPPROTO_UDP, "10.0.1.2", 40000, "10.0.2.2", 80);
	e.t[QT_CT_REPLY] = tup(IPPROTO_UDP, "10.0.2.2", 80, "10.0.2.1", 61000);
	e.status = BOUND | QT_IPS_SRC_NAT;
	n = qt_natoff_elems(&e, el);
	ch[0] = el[0].chain;
	len = qt_natoff_batch(buf, sizeof(buf), 1, true, ch, 1, el, n, &nmsg);
	parse(buf, len, &s);
	is_str(s.names[1], "s_udp_10.0.2.1_pmap", "a client's chain");
	is_str(s.exprs[2], "immediate payload meta cmp payload payload meta "
	       "payload payload lookup payload",
	       "nft's expressions for `udp sport set KEY map @src_port`");
	ok(!strcmp(s.lookup, "src_port") && s.nwrites == 2 &&
	   s.writes[1][1] == 0 && s.writes[1][4] == 6,
	   "the port map looked up, sport written with UDP's checksum");
	ok(qt_natoff_batch(buf, 100, 1, true, ch, 1, el, n, &nmsg) == 0,
	   "a buffer too small: nothing");
}

static void script(void)
{
	char buf[4096];
	ok(qt_natoff_script(false, true, buf, sizeof(buf)) > 0 &&
	   strstr(buf, "delete table ip qtables_nat\n") &&
	   strstr(buf, "map dst_port { type ipv4_addr . ipv4_addr . "
		       "inet_proto . inet_service . inet_service : "
		       "inet_service; }") &&
	   strstr(buf, "type filter hook prerouting priority -100;") &&
	   strstr(buf, "type route hook output priority -100;") &&
	   strstr(buf, "type filter hook postrouting priority 100;") &&
	   strstr(buf, "map dst_vmap { type ipv4_addr . ipv4_addr . "
		       "inet_proto . inet_service . inet_service : verdict; }") &&
	   strstr(buf, "policy accept;\n\t\tip saddr . ip daddr . meta "
		       "l4proto . th sport . th dport vmap @src_vmap\n\t}"),
	   "the table's script");
	ok(qt_natoff_script(true, false, buf, sizeof(buf)) > 0 &&
	   !strcmp(buf, "table ip6 qtables_nat\ndelete table ip6 "
		   "qtables_nat\n"), "its removal");
	ok(qt_natoff_script(false, true, buf, 64) < 0, "too long: -1");
}

/* nft's listing of a map (or what: "chain") in this namespace */
static char *list_what(const char *what, const char *fam, const char *map)
{
	char cmd[256];
	static char out[8192];
	snprintf(cmd, sizeof(cmd), "%s list %s %s %s %s 2>&1", QT_NATOFF_NFT,
		 what, fam, QT_NATOFF_TABLE, map);
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	out[n] = 0;
	if (p)
		pclose(p);
	return out;
}

static char *list_map(const char *fam, const char *map)
{
	return list_what("map", fam, map);
}

static void lifecycle(bool kernel)
{
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	struct qt_ct *ct = qt_ct_new(&c, 64);
	char err[256];
	struct qt_ct_entry src = dnat_entry();
	struct qt_ct_entry *e = qt_ct_restore(ct, &src, 1);
	ok(e != NULL, "an entry");
	struct qt_natoff *o = qt_natoff_open(ct, true, false, err, sizeof(err));
	ok(o != NULL, "a context: %s", o ? "" : err);
	if (!o || !e)
		return;
	qt_ct_lock(ct);
	qt_natoff_want(o, e);
	ok(e->status & QT_CTS_OFFLOAD_PENDING, "wanted: pending");
	qt_natoff_want(o, e);
	int rc = qt_natoff_sync(o);
	if (kernel) {
		ok(rc == 0 && (e->status & QT_CTS_OFFLOADED) &&
		   !(e->status & QT_CTS_OFFLOAD_PENDING),
		   "the kernel took it: offloaded");
		const char *l = list_map("ip", "dst_vmap");
		ok(strstr(l, "10.0.1.2 . 10.0.1.1 . tcp . 40000 . 80 : goto "
			  "d_tcp_10.0.2.2_8080"),
		   "nft lists the element as it was meant");
		l = list_map("ip", "src_vmap");
		ok(strstr(l, "10.0.2.2 . 10.0.1.2 . tcp . 8080 . 40000 : goto "
			  "s_tcp_10.0.1.1_80"), "and the reply's");
		l = list_what("chain", "ip", "d_tcp_10.0.2.2_8080");
		ok(strstr(l, "\t\tip daddr set 10.0.2.2 tcp dport set 8080\n"),
		   "nft lists the chain's rule in its own words");
	} else {
		ok(rc < 0 && (e->status & QT_CTS_OFFLOAD_NO) &&
		   !(e->status & QT_CTS_OFFLOADED),
		   "no table: refused, never offloaded");
		ok(strstr(qt_natoff_take_error(o), "adding elements") != NULL,
		   "the refusal's message");
		e->status &= ~QT_CTS_OFFLOAD_MASK;
		e->status |= QT_CTS_OFFLOADED;   /* as if it had been taken */
	}
	is_int(qt_natoff_stats(o)->offloaded + qt_natoff_stats(o)->refused, 1,
	       "wanted twice, counted once");
	ok(!qt_natoff_forgets_wait(o), "nothing to remove yet");
	qt_ct_delete(ct, e);
	ok(qt_natoff_forgets_wait(o), "deleted: its removal waits");
	if (kernel) {
		ok(qt_natoff_sync_forgets(o) == 0 && !qt_natoff_forgets_wait(o),
		   "removed");
		const char *l = list_map("ip", "dst_vmap");
		ok(!strstr(l, "10.0.1.1 . tcp") && !strstr(list_map("ip",
		   "src_vmap"), "8080"), "the maps are empty again");
		ok(strstr(list_what("chain", "ip", "d_tcp_10.0.2.2_8080"),
			  "No such file"), "and the chains gone with their "
		   "last element");
	}
	/* pending, then gone before the batch: nothing is added */
	e = qt_ct_restore(ct, &src, 1);
	qt_natoff_want(o, e);
	qt_ct_delete(ct, e);
	ok(!qt_natoff_forgets_wait(o) || !kernel,
	   "a pending entry that goes queues no removal");
	if (kernel) {
		ok(qt_natoff_sync(o) == 0 &&
		   !strstr(list_map("ip", "dst_vmap"), "10.0.1.1 . tcp"),
		   "and adds nothing");
		/* two connections through one chain: it stays while one
		 * is left */
		struct qt_ct_entry a2 = dnat_entry();
		a2.t[QT_CT_ORIG].sport = a2.t[QT_CT_REPLY].dport = 40001;
		a2.id = 11;
		struct qt_ct_entry *p1 = qt_ct_restore(ct, &src, 1);
		struct qt_ct_entry *p2 = qt_ct_restore(ct, &a2, 1);
		qt_natoff_want(o, p1);
		qt_natoff_want(o, p2);
		ok(qt_natoff_sync(o) == 0 && (p2->status & QT_CTS_OFFLOADED),
		   "two connections, one service");
		qt_ct_delete(ct, p1);
		qt_natoff_sync_forgets(o);
		ok(strstr(list_what("chain", "ip", "d_tcp_10.0.2.2_8080"),
			  "dport set 8080") != NULL,
		   "one gone: the chain stays for the other");
		qt_ct_delete(ct, p2);
		ok(qt_natoff_sync_forgets(o) == 0 &&
		   strstr(list_what("chain", "ip", "d_tcp_10.0.2.2_8080"),
			  "No such file"), "both gone: so is the chain");
		/* a handover's entries: refilled, marks of before cleared */
		struct qt_ct_entry h = dnat_entry();
		h.status |= QT_CTS_OFFLOADED;
		e = qt_ct_restore(ct, &h, 1);
		ok(e && !(e->status & QT_CTS_OFFLOAD_MASK),
		   "restored without the marks of the daemon before");
		ok(qt_natoff_refill(o) == 0 && (e->status & QT_CTS_OFFLOADED) &&
		   strstr(list_map("ip", "dst_vmap"), "10.0.1.1 . tcp") &&
		   strstr(list_what("chain", "ip", "s_tcp_10.0.1.1_80"),
			  "ip saddr set 10.0.1.1 tcp sport set 80"),
		   "refilled, its chains made");
		/* an element the kernel holds already with another value:
		 * the batch is refused whole */
		struct qt_ct_entry x = dnat_entry();
		x.t[QT_CT_REPLY] = tup(IPPROTO_TCP, "10.0.2.3", 8080,
				       "10.0.1.2", 40000);
		x.t[QT_CT_ORIG].sport = 40000;
		x.id = 9;
		qt_ct_delete(ct, e);
		qt_natoff_sync_forgets(o);
		e = qt_ct_restore(ct, &src, 1);
		qt_natoff_want(o, e);
		qt_natoff_sync(o);
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "%s add element ip %s dst_vmap "
			 "'{ 10.0.1.2 . 10.0.1.9 . tcp . 1 . 2 : accept }'",
			 QT_NATOFF_NFT, QT_NATOFF_TABLE);
		ok(system(cmd) == 0, "an element of someone else's");
		x.t[QT_CT_ORIG] = tup(IPPROTO_TCP, "10.0.1.2", 1, "10.0.1.9", 2);
		x.t[QT_CT_REPLY] = tup(IPPROTO_TCP, "10.0.2.4", 2, "10.0.1.2", 1);
		struct qt_ct_entry *y = qt_ct_restore(ct, &x, 1);
		qt_natoff_want(o, y);
		ok(qt_natoff_sync(o) < 0 && (y->status & QT_CTS_OFFLOAD_NO),
		   "a clash: refused, rewritten in user space");
		ok(strstr(list_what("chain", "ip", "d_tcp_10.0.2.4"),
			  "No such file") != NULL,
		   "the refused batch's chain is not there");
		/* its chain was not counted: the next that needs it makes it */
		snprintf(cmd, sizeof(cmd), "%s delete element ip %s dst_vmap "
			 "'{ 10.0.1.2 . 10.0.1.9 . tcp . 1 . 2 }'",
			 QT_NATOFF_NFT, QT_NATOFF_TABLE);
		ok(system(cmd) == 0, "the other element gone");
		qt_ct_delete(ct, y);
		qt_natoff_sync_forgets(o);
		x.id = 12;
		y = qt_ct_restore(ct, &x, 1);
		qt_natoff_want(o, y);
		ok(qt_natoff_sync(o) == 0 && (y->status & QT_CTS_OFFLOADED) &&
		   strstr(list_what("chain", "ip", "d_tcp_10.0.2.4"),
			  "\t\tip daddr set 10.0.2.4\n"),
		   "offloaded again, its chain made");
		/* an element gone behind our back: its removal is refused,
		 * the maps are flushed and the chains deleted with them */
		snprintf(cmd, sizeof(cmd), "%s delete element ip %s dst_vmap "
			 "'{ 10.0.1.2 . 10.0.1.9 . tcp . 1 . 2 }'",
			 QT_NATOFF_NFT, QT_NATOFF_TABLE);
		ok(system(cmd) == 0, "an element deleted by someone else");
		qt_ct_delete(ct, y);
		ok(qt_natoff_sync_forgets(o) < 0 &&
		   qt_natoff_stats(o)->flushes == 1, "refused: flushed");
		ok(!(e->status & QT_CTS_OFFLOAD_MASK),
		   "the other entry rewritten in user space again");
		ok(strstr(list_what("chain", "ip", "d_tcp_10.0.2.2_8080"),
			  "No such file") &&
		   !strstr(list_map("ip", "src_vmap"), "goto"),
		   "its chains and elements gone too");
		qt_natoff_want(o, e);
		ok(qt_natoff_sync(o) == 0 && (e->status & QT_CTS_OFFLOADED) &&
		   strstr(list_what("chain", "ip", "d_tcp_10.0.2.2_8080"),
			  "dport set 8080"), "and offloaded again, chains made");
	}
	qt_ct_unlock(ct);
	qt_natoff_close(o);
	qt_ct_free(ct);
}

int main(void)
{
	elements();
	batch();
	script();
	/* the kernel's side in a namespace of our own, when we may */
	bool kernel = geteuid() == 0 && unshare(CLONE_NEWNET) == 0 &&
		      access(QT_NATOFF_NFT, X_OK) == 0;
	char err[256];
	if (kernel && qt_natoff_table(QT_NATOFF_NFT, false, true, err,
				      sizeof(err)) < 0) {
		printf("# %s\n", err);
		kernel = false;
	}
	if (!kernel)
		printf("# not root or no nft: the kernel's side is not tried\n");
	lifecycle(kernel);
	return done_testing();
}
