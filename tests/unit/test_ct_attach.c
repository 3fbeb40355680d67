/* REJECT's replies and the connection they refuse (engine/ct_glue.c's
 * notes, conntrack.h's qt_ct_unhash): the reply, met at OUTPUT, is
 * RELATED to the rejected packet's connection in the reply direction,
 * with its mark, as the kernel's nf_ct_attach makes it; the dropped
 * packet's unconfirmed entry is found by no other packet, held only
 * until its reply has been judged (or a short wait is over), never
 * confirmed; what is held is bounded. */
#include "nat_harness.h"

/* The replies REJECT sent, in order. */
static struct hpkt sent[4];
static unsigned nsent, nsent_all;

static int capture(void *user, const uint8_t *pkt, uint32_t len)
{
	(void)user;
	if (nsent < 4 && len <= sizeof(sent[0].b)) {
		memcpy(sent[nsent].b, pkt, len);
		sent[nsent].len = len;
		nsent++;
	}
	nsent_all++;
	return 0;
}

static const char *const rules[] = {
	"-t mangle -A PREROUTING -p tcp -j CONNMARK --set-mark 7",
	"-P OUTPUT DROP",
	"-A OUTPUT -p tcp -m conntrack --ctstate RELATED --ctdir REPLY -m connmark --mark 7 -j ACCEPT",
	"-A OUTPUT -p icmp -m conntrack --ctstate RELATED --ctdir REPLY -j ACCEPT",
	"-A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset",
	"-A INPUT -p udp -j REJECT",
	NULL,
};

static uint32_t count(struct harness *h)
{
	return qt_ct_count(qt_ctg_shard(h->ctg));
}

/* k from the client to the firewall: PREROUTING, INPUT. */
static int to_fw(struct harness *h, struct hpkt *k)
{
	int v = h_hook(h, k, QT_HOOK_PRE_ROUTING, 1, 0, false);
	if (v == QT_XT_ACCEPT)
		v = h_hook(h, k, QT_HOOK_LOCAL_IN, 1, 0, false);
	return v;
}

/* A packet of the firewall's own: OUTPUT, POSTROUTING. */
static int from_fw(struct harness *h, struct hpkt *k)
{
	int v = h_hook(h, k, QT_HOOK_LOCAL_OUT, 0, 1, false);
	if (v == QT_XT_ACCEPT)
		v = h_hook(h, k, QT_HOOK_POST_ROUTING, 0, 1, false);
	return v;
}

static void reset(void)
{
	struct harness h;
	h_start(&h, rules);
	h.env.send = capture;
	nsent = 0;
	struct hpkt syn, again;
	h_tcp(&syn, "10.0.1.2", 40000, "10.0.1.1", 8080, 0x02, 1000, 0);
	again = syn;
	is_int(to_fw(&h, &syn), QT_XT_DROP, "the SYN is rejected");
	is_int((int)nsent, 1, "a reset sent");
	is_int((int)count(&h), 1, "its unconfirmed entry is held for the reset");
	ok(!h_entry(&h, IPPROTO_TCP, "10.0.1.2", 40000, "10.0.1.1", 8080),
	   "where no packet finds it");
	/* the SYN sent again meanwhile is a connection of its own */
	is_int(to_fw(&h, &again), QT_XT_DROP, "the SYN sent again is rejected");
	is_int((int)nsent, 2, "another reset");
	is_int((int)count(&h), 2, "its own entry held as well");

	is_int(from_fw(&h, &sent[0]), QT_XT_ACCEPT,
	       "the reset leaves: RELATED, reply direction, the ct mark 7");
	is_int((int)count(&h), 1, "its entry goes once it has left");
	is_int(from_fw(&h, &sent[1]), QT_XT_ACCEPT, "the second reset leaves");
	is_int((int)count(&h), 0, "nothing stays: no connection was confirmed");
	struct hpkt rst = sent[0];
	is_int(from_fw(&h, &rst), QT_XT_DROP,
	       "the same reset a third time belongs to nothing: INVALID");
	is_int((int)count(&h), 0, "and leaves nothing");
	h_stop(&h);
}

static void icmp(void)
{
	struct harness h;
	h_start(&h, rules);
	h.env.send = capture;
	nsent = 0;
	struct hpkt d;
	h_udp(&d, "10.0.1.2", 40000, "10.0.1.1", 5001);
	is_int(to_fw(&h, &d), QT_XT_DROP, "the datagram is rejected");
	is_int((int)nsent, 1, "a port unreachable sent");
	is_int(sent[0].b[20], 3, "an ICMP destination unreachable");
	is_int(from_fw(&h, &sent[0]), QT_XT_ACCEPT, "it leaves as RELATED");
	is_int((int)count(&h), 0, "nothing stays");
	/* a reply that never comes back: let go after a short wait */
	nsent = 0;
	h_udp(&d, "10.0.1.2", 40001, "10.0.1.1", 5001);
	is_int(to_fw(&h, &d), QT_XT_DROP, "another rejected");
	is_int((int)count(&h), 1, "held");
	h.now += 3 * NS_PER_S;
	is_int(from_fw(&h, &sent[0]), QT_XT_DROP,
	       "its reply seconds late: the wait was over, INVALID");
	is_int((int)count(&h), 0, "and the held entry is gone");
	h_stop(&h);
}

/* A flood of rejected SYNs whose resets never come back (the kernel's
 * queue full): what is held stays bounded. */
static void bounded(void)
{
	struct harness h;
	h_start(&h, rules);
	h.env.send = capture;
	nsent_all = 0;
	struct hpkt syn;
	for (unsigned i = 0; i < 3000; i++) {
		h_tcp(&syn, "10.0.1.2", (uint16_t)(10000 + i), "10.0.1.1", 8080,
		      0x02, 1000 + i, 0);
		to_fw(&h, &syn);
	}
	is_int((int)nsent_all, 3000, "3000 resets sent");
	ok(count(&h) <= 1024, "at most 1024 entries held (%u)", count(&h));
	/* the table keeps working: a reset of the last SYN still leaves */
	h_tcp(&syn, "10.0.1.2", 9999, "10.0.1.1", 8080, 0x02, 5, 0);
	nsent = 0;
	to_fw(&h, &syn);
	is_int(from_fw(&h, &sent[0]), QT_XT_ACCEPT, "a fresh reset still leaves");
	h_stop(&h);
}

/* The table alone: an unhashed entry is found by nothing, cannot be
 * confirmed, and goes when abandoned. */
static void unhash(void)
{
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	struct qt_ct *ct = qt_ct_new(&c, 64);
	struct hpkt k;
	h_udp(&k, "10.0.1.2", 40000, "10.0.1.1", 53);
	struct qt_pkt p;
	qt_pkt_parse_ipv4(&p, k.b, k.len);
	uint64_t now = 100 * NS_PER_S;
	struct qt_ct_verdict v;
	qt_ct_in(ct, &p, now, &v);
	ok(v.created && v.e, "a new entry");
	struct qt_ct_entry *e = v.e;
	qt_ct_unhash(ct, e);
	struct qt_ct_tuple t;
	enum qt_ct_dir d;
	qt_ct_tuple_of(&p, &t);
	ok(!qt_ct_find(ct, &t, &d), "unhashed: not found");
	ok(!qt_ct_confirm(ct, e, now), "and cannot be confirmed");
	qt_ct_in(ct, &p, now, &v);
	ok(v.created && v.e && v.e != e, "the same tuple makes another entry");
	ok(qt_ct_confirm(ct, v.e, now), "which is confirmed");
	is_int((int)qt_ct_count(ct), 2, "two entries");
	qt_ct_abandon(ct, e);
	is_int((int)qt_ct_count(ct), 1, "the unhashed one abandoned");
	ok(qt_ct_find(ct, &t, &d) == v.e, "the confirmed one is still found");
	qt_ct_free(ct);
}

/* A reset for a segment of an established connection: the connection
 * goes to CLOSE with CLOSE's timeout (nf_ct_set_closing), the reset
 * itself is RELATED and not tracked. */
static void closing(void)
{
	static const char *const fwd[] = {
		"-A FORWARD -p tcp --dport 80 --tcp-flags PSH PSH -j REJECT --reject-with tcp-reset",
		"-P OUTPUT DROP",
		"-A OUTPUT -m conntrack --ctstate RELATED --ctdir REPLY -j ACCEPT",
		NULL,
	};
	struct harness h;
	h_start(&h, fwd);
	h.env.send = capture;
	nsent = 0;
	struct hpkt k;
	h_tcp(&k, "10.0.1.2", 40000, "10.0.2.2", 80, 0x02, 1000, 0);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "SYN");
	h_tcp(&k, "10.0.2.2", 80, "10.0.1.2", 40000, 0x12, 5000, 1001);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "SYN-ACK");
	h_tcp(&k, "10.0.1.2", 40000, "10.0.2.2", 80, 0x10, 1001, 5001);
	is_int(h_forward(&h, &k), QT_XT_ACCEPT, "ACK");
	struct qt_ct_entry *e = h_entry(&h, IPPROTO_TCP, "10.0.1.2", 40000,
					"10.0.2.2", 80);
	ok(e && e->p.tcp.state == QT_TCP_ESTABLISHED, "established");
	h_tcp(&k, "10.0.1.2", 40000, "10.0.2.2", 80, 0x18, 1001, 5001);
	is_int(h_forward(&h, &k), QT_XT_DROP, "a data segment rejected");
	is_int((int)nsent, 1, "a reset sent");
	ok(e && e->p.tcp.state == QT_TCP_CLOSE, "the connection is CLOSE");
	ok(e && e->expires == h.now + 10 * NS_PER_S, "with CLOSE's 10 s");
	is_int(from_fw(&h, &sent[0]), QT_XT_ACCEPT, "the reset leaves as RELATED");
	ok(h_entry(&h, IPPROTO_TCP, "10.0.1.2", 40000, "10.0.2.2", 80) == e,
	   "the connection stays until its timeout");
	h_stop(&h);
}

int main(void)
{
	closing();
	reset();
	icmp();
	bounded();
	unhash();
	return done_testing();
}
