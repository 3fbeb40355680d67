/* NAT offload (io/nat_offload.c): the elements a bound connection puts
 * in the kernel's maps (keys as the packets look at each hook, values
 * as engine/nat_pkt.c rewrites them, the port map keyed by the new
 * address), which connections qualify, the nfnetlink batch that
 * carries them, the table's script, and the lifecycle on a connection
 * table: wanted -> pending -> offloaded, forgotten -> removed, refused
 * -> never offloaded. As root, in a network namespace of its own, the
 * batches go to the kernel and the maps are read back with nft. */
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

static bool elem_is(const struct qt_natoff_elem *el, const uint8_t *key,
		    const char *addr, int port)
{
	if (!el || el->klen != 20 || memcmp(el->key, key, 20))
		return false;
	if (addr) {
		uint8_t a[4];
		inet_pton(AF_INET, addr, a);
		return el->vlen == 4 && !memcmp(el->val, a, 4);
	}
	return el->vlen == 2 && el->val[0] == (uint8_t)(port >> 8) &&
	       el->val[1] == (uint8_t)port;
}

static void elements(void)
{
	struct qt_natoff_elem el[QT_NATOFF_ELEMS_MAX];
	uint8_t k[QT_NATOFF_KEY_MAX];
	struct qt_ct_entry e = dnat_entry();
	ok(qt_natoff_eligible(&e), "a bound DNAT connection qualifies");
	unsigned n = qt_natoff_elems(&e, el);
	is_int(n, 4, "DNAT with a new port: four elements");
	key4(k, "10.0.1.2", "10.0.1.1", IPPROTO_TCP, 40000, 80);
	ok(elem_is(find(el, n, QT_NATOFF_DST_ADDR), k, "10.0.2.2", 0),
	   "original direction at PREROUTING: its tuple -> new destination");
	key4(k, "10.0.1.2", "10.0.2.2", IPPROTO_TCP, 40000, 80);
	ok(elem_is(find(el, n, QT_NATOFF_DST_PORT), k, NULL, 8080),
	   "the port map keyed with the new address");
	key4(k, "10.0.2.2", "10.0.1.2", IPPROTO_TCP, 8080, 40000);
	ok(elem_is(find(el, n, QT_NATOFF_SRC_ADDR), k, "10.0.1.1", 0),
	   "reply at POSTROUTING: source back to the address asked for");
	key4(k, "10.0.1.1", "10.0.1.2", IPPROTO_TCP, 8080, 40000);
	ok(elem_is(find(el, n, QT_NATOFF_SRC_PORT), k, NULL, 80),
	   "and its port, keyed with the new source");

	/* DNAT keeping the port, and MASQUERADE: both manips each way */
	e.t[QT_CT_REPLY] = tup(IPPROTO_UDP, "10.0.2.2", 80, "10.0.2.1", 61000);
	e.t[QT_CT_ORIG].proto = IPPROTO_UDP;
	e.status |= QT_IPS_SRC_NAT;
	n = qt_natoff_elems(&e, el);
	is_int(n, 6, "DNAT + MASQUERADE with a new source port: six");
	key4(k, "10.0.1.2", "10.0.2.2", IPPROTO_UDP, 40000, 80);
	const struct qt_natoff_elem *s = NULL;
	for (unsigned i = 0; i < n; i++)
		if (el[i].map == QT_NATOFF_SRC_ADDR && !memcmp(el[i].key, k, 20))
			s = &el[i];
	ok(elem_is(s, k, "10.0.2.1", 0),
	   "original at POSTROUTING keyed as PREROUTING left it");
	key4(k, "10.0.2.2", "10.0.2.1", IPPROTO_UDP, 80, 61000);
	const struct qt_natoff_elem *d = find(el, n, QT_NATOFF_DST_ADDR);
	for (unsigned i = 0; i < n; i++)
		if (el[i].map == QT_NATOFF_DST_ADDR && !memcmp(el[i].key, k, 20))
			d = &el[i];
	ok(elem_is(d, k, "10.0.1.2", 0), "reply at PREROUTING: to the client");
	unsigned ports = 0;
	for (unsigned i = 0; i < n; i++)
		ports += el[i].map == QT_NATOFF_DST_PORT ||
			 el[i].map == QT_NATOFF_SRC_PORT;
	is_int(ports, 2, "only the source port changes: one port element each way");

	/* IPv6: 44-byte keys, 16-byte addresses */
	struct qt_ct_entry e6;
	memset(&e6, 0, sizeof(e6));
	e6.t[0] = tup(IPPROTO_TCP, "fd00:1::2", 40000, "fd00:1::1", 80);
	e6.t[1] = tup(IPPROTO_TCP, "fd00:2::2", 80, "fd00:1::2", 40000);
	e6.status = BOUND | QT_IPS_DST_NAT;
	n = qt_natoff_elems(&e6, el);
	ok(n == 2 && el[0].klen == 44 && el[0].vlen == 16 && el[0].ip6 &&
	   el[0].key[32] == IPPROTO_TCP && el[0].key[36] == 40000 >> 8,
	   "IPv6: two elements, 44-byte keys");

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
	unsigned msgs, elems, acks;
	uint16_t types[16];
	char sets[16][32];
	uint8_t fam[16];
	uint16_t flags[16];
	unsigned klen, vlen;
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
		if (mnl_attr_get_type(in) == NFTA_SET_ELEM_DATA)
			s->vlen = mnl_attr_get_payload_len(v);
	}
	return MNL_CB_OK;
}

static void batch(void)
{
	struct qt_natoff_elem el[QT_NATOFF_ELEMS_MAX];
	struct qt_ct_entry e = dnat_entry();
	unsigned n = qt_natoff_elems(&e, el), nmsg;
	static uint8_t buf[65536];
	size_t len = qt_natoff_batch(buf, sizeof(buf), 100, true, el, n, &nmsg);
	ok(len > 0 && nmsg == 4, "four maps, four messages");
	struct seen s = { 0 };
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	int left = (int)len;
	unsigned i = 0;
	for (; mnl_nlmsg_ok(h, left) && i < 16; h = mnl_nlmsg_next(h, &left), i++) {
		s.types[i] = h->nlmsg_type;
		s.flags[i] = h->nlmsg_flags;
		const struct nfgenmsg *g = mnl_nlmsg_get_payload(h);
		s.fam[i] = g->nfgen_family;
		const struct nlattr *a;
		mnl_attr_for_each(a, h, sizeof(*g)) {
			if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_SET)
				snprintf(s.sets[i], sizeof(s.sets[i]), "%s",
					 mnl_attr_get_str(a));
			if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
				mnl_attr_parse_nested(a, elem_cb, &s);
		}
	}
	s.msgs = i;
	is_int(s.msgs, 6, "begin, four, end");
	ok(s.types[0] == NFNL_MSG_BATCH_BEGIN && s.types[5] == NFNL_MSG_BATCH_END,
	   "a batch");
	ok(s.types[1] == (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWSETELEM) &&
	   (s.flags[1] & NLM_F_ACK) && (s.flags[1] & NLM_F_CREATE) &&
	   s.fam[1] == NFPROTO_IPV4, "NEWSETELEM, acknowledged, family ip");
	is_str(s.sets[1], "dst_addr", "maps in order");
	is_str(s.sets[4], "src_port", "the last map");
	ok(s.elems == 4 && s.klen == 20 && s.vlen == 2,
	   "each element with its key and value");
	len = qt_natoff_batch(buf, sizeof(buf), 1, false, el, n, &nmsg);
	h = mnl_nlmsg_next((const struct nlmsghdr *)buf, &(int){ (int)len });
	ok(nmsg == 4 && h->nlmsg_type ==
	   (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_DELSETELEM),
	   "removal: DELSETELEM");
	ok(qt_natoff_batch(buf, 100, 1, true, el, n, &nmsg) == 0,
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
	   strstr(buf, "meta l4proto udp ip saddr set ip saddr . ip daddr . "
		       "meta l4proto . th sport . th dport map @src_addr udp "
		       "sport set"), "the table's script");
	ok(qt_natoff_script(true, false, buf, sizeof(buf)) > 0 &&
	   !strcmp(buf, "table ip6 qtables_nat\ndelete table ip6 "
		   "qtables_nat\n"), "its removal");
	ok(qt_natoff_script(false, true, buf, 64) < 0, "too long: -1");
}

/* nft's listing of a map in this namespace */
static char *list_map(const char *fam, const char *map)
{
	char cmd[256];
	static char out[8192];
	snprintf(cmd, sizeof(cmd), "%s list map %s %s %s 2>&1", QT_NATOFF_NFT,
		 fam, QT_NATOFF_TABLE, map);
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	out[n] = 0;
	if (p)
		pclose(p);
	return out;
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
	struct qt_natoff *o = qt_natoff_open(ct, true, kernel, err, sizeof(err));
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
		const char *l = list_map("ip", "dst_addr");
		ok(strstr(l, "10.0.1.2 . 10.0.1.1 . tcp . 40000 . 80 : 10.0.2.2"),
		   "nft lists the element as it was meant");
		l = list_map("ip", "src_port");
		ok(strstr(l, "10.0.1.1 . 10.0.1.2 . tcp . 8080 . 40000 : 80"),
		   "and the reply's port");
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
		const char *l = list_map("ip", "dst_addr");
		ok(!strstr(l, "10.0.1.1 . tcp") && !strstr(list_map("ip",
		   "src_port"), "8080"), "the maps are empty again");
	}
	/* pending, then gone before the batch: nothing is added */
	e = qt_ct_restore(ct, &src, 1);
	qt_natoff_want(o, e);
	qt_ct_delete(ct, e);
	ok(!qt_natoff_forgets_wait(o) || !kernel,
	   "a pending entry that goes queues no removal");
	if (kernel) {
		ok(qt_natoff_sync(o) == 0 &&
		   !strstr(list_map("ip", "dst_addr"), "10.0.1.1 . tcp"),
		   "and adds nothing");
		/* a handover's entries: refilled, marks of before cleared */
		struct qt_ct_entry h = dnat_entry();
		h.status |= QT_CTS_OFFLOADED;
		e = qt_ct_restore(ct, &h, 1);
		ok(e && !(e->status & QT_CTS_OFFLOAD_MASK),
		   "restored without the marks of the daemon before");
		ok(qt_natoff_refill(o) == 0 && (e->status & QT_CTS_OFFLOADED) &&
		   strstr(list_map("ip", "dst_addr"), "10.0.1.1 . tcp"),
		   "refilled");
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
		snprintf(cmd, sizeof(cmd), "%s add element ip %s dst_addr "
			 "'{ 10.0.1.2 . 10.0.1.9 . tcp . 1 . 2 : 10.0.2.3 }'",
			 QT_NATOFF_NFT, QT_NATOFF_TABLE);
		ok(system(cmd) == 0, "an element of someone else's");
		x.t[QT_CT_ORIG] = tup(IPPROTO_TCP, "10.0.1.2", 1, "10.0.1.9", 2);
		x.t[QT_CT_REPLY] = tup(IPPROTO_TCP, "10.0.2.4", 2, "10.0.1.2", 1);
		struct qt_ct_entry *y = qt_ct_restore(ct, &x, 1);
		qt_natoff_want(o, y);
		ok(qt_natoff_sync(o) < 0 && (y->status & QT_CTS_OFFLOAD_NO),
		   "a clash: refused, rewritten in user space");
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
