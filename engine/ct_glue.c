/* Connection tracking around the walk (see ct_glue.h). */
#include "ct_glue.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* Packets between their first and last hook at once: at most what the
 * kernel's queue holds (1024 by default) and a burst, at each of a
 * packet's two or three hooks. A packet is remembered in a ring of
 * MEM_LIVE slots, the next one in turn, and found through an index of
 * MEM_SLOTS entries (its key's hash and its slot), in the first free
 * entry of MEM_PROBES from its hash; it is forgotten at its last hook.
 * A packet in flight is not pushed out by another whose hash meets it:
 * such a packet, rewritten by NAT, could no longer be told by its
 * header at its later hooks (a DNATed packet matches neither of its
 * connection's tuples there).
 * A packet the kernel drops between two hooks (its queue full under a
 * flood) never reaches its last hook: its slot is taken over when the
 * ring comes round, once MEM_LIVE packets have been remembered after
 * it, far more than can be in flight at once.
 * The ring is written in turn and read near where it was last written,
 * so the lines a packet's hooks touch are warm; the index, 8 bytes an
 * entry, a line for all the probes of a hash: a packet costs a cold
 * line or two, where slots at a random hash cost three. A packet
 * rewritten at a hook moves in the index only, its slot staying. */
#define MEM_SLOTS 32768
#define MEM_PROBES 8
#define MEM_LIVE 8192
/* Slots looked at from the one after the packet last found at a hook
 * before the index is asked (mem_find). */
#define NEXT_SCAN 8
/* Entries expired per burst, and per idle wake-up: bounded so that
 * expiring a million connections never holds packets up for long. */
#define EXPIRE_BURST 256
#define EXPIRE_IDLE 2048

/* Replies a target sent about a packet (REJECT's), waiting to come back
 * through OUTPUT: the kernel attaches the rejected packet's connection
 * to its reply (nf_ct_attach), so the reply is RELATED to it in OUTPUT
 * and POSTROUTING, its mark and zone, even though that connection is
 * never confirmed. The reply is sent through a raw socket and queued to
 * this thread again, a burst later: a note keyed by how it will look
 * then says which connection it belongs to. NOTE_SLOTS notes of
 * NOTE_PROBES probes from the hash, the oldest taken over when all are
 * busy: at most that many dropped connections are kept waiting for
 * their replies, a reply is known for at most NOTE_TTL (one lost on
 * the way, the kernel's queue full, never comes), and what a stale
 * note still holds goes when its slot is next met or, at the latest,
 * with the table's unconfirmed entries (UNCONFIRMED_SECS). */
#define NOTE_SLOTS 1024
#define NOTE_PROBES 8
#define NOTE_TTL (2 * 1000000000ull)

/* IPv6: the whole addresses, the flow label and the fragment header's
 * identification in place of the IPv4 id (nothing else forwarding
 * leaves alone tells two packets of a flow apart); a multiple of eight
 * bytes, hashed as words. */
struct pkt_key {
	union qt_ct_addr saddr, daddr;
	uint32_t id;               /* IPv4: ip_id; IPv6: the fragment id */
	uint32_t flowlabel;
	uint16_t ip_len, frag_off;
	uint8_t proto, nl4, family, pad;
	uint8_t l4[8];
};
_Static_assert(sizeof(struct pkt_key) % 8 == 0, "hashed as words");

struct mem {
	struct pkt_key k;
	struct qt_ct_entry *e;
	uint32_t id;               /* e->id when remembered */
	uint32_t seq;              /* the memory's count when remembered:
	                              its slot is seq % MEM_LIVE */
	uint32_t ixi;              /* its index entry */
	uint32_t h;                /* its key's hash */
	bool twin;                 /* another packet remembered at once
	                              had a key of the same hash */
	bool used;
	uint8_t state, dir;
	bool created;
	bool local;                /* its first hook was OUTPUT */
	uint8_t hook;              /* the last hook it was judged at */
	bool owns;                 /* a REJECT reply holding e, which its
	                              dropped packet left unconfirmed: e
	                              goes when the reply is done */
	bool counted;              /* acct holds e's counts as tracking
	                              left them for this packet */
	struct qt_ct_acct acct;
};

/* An index entry: the hash of the key its packet is known by now (the
 * low bit set; 0: none), and the packet's seq, which names its slot.
 * It stands while that slot still holds that packet. */
struct mem_ix {
	uint32_t h;
	uint32_t seq;
};

struct note {
	struct pkt_key k;          /* the reply's, id and flow label 0 */
	bool used;
	bool owns;                 /* e is unconfirmed and held for it */
	uint8_t dir;               /* the reply's direction in e */
	struct qt_ct_entry *e;
	uint32_t id;               /* e->id */
	uint64_t at;               /* when it was sent */
};

struct qt_ctg {
	struct qt_ct *ct;
	struct mem_ix ix[MEM_SLOTS];
	struct mem mem[MEM_LIVE];
	/* at each later hook: the slot after the packet last found there */
	uint32_t next[QT_NHOOKS];
	/* the slot taken for the packet being judged, indexed once its
	 * key is final (its hook done: a rewrite would move it at once),
	 * or before the index is next asked */
	struct mem *unindexed;
	uint32_t seq;              /* packets remembered (wraps) */
	struct qt_ctg_stats st;
	uint64_t now;
	/* the packet being judged at PREROUTING/OUTPUT */
	struct mem *cur;
	bool nat;                  /* the program translates addresses */
	struct note notes[NOTE_SLOTS];
	uint32_t notes_used;
	struct note *cur_note;     /* the reply sent about the packet
	                              being judged */
};

void qt_ctg_acct_on(struct qt_ctg *g)
{
	/* without memory for the counts entries count nothing */
	(void)qt_ct_acct_enable(g->ct);
}

void qt_ctg_labels_on(struct qt_ctg *g)
{
	/* without memory for them entries have no labels */
	(void)qt_ct_labels_enable(g->ct);
}

struct qt_ctg *qt_ctg_new(const struct qt_ct_config *c, uint32_t max)
{
	struct qt_ctg *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->ct = qt_ct_new(c, max);
	if (!g->ct) {
		free(g);
		return NULL;
	}
	return g;
}

void qt_ctg_free(struct qt_ctg *g)
{
	if (!g)
		return;
	qt_ct_free(g->ct);
	free(g);
}

struct qt_ct *qt_ctg_shard(struct qt_ctg *g)
{
	return g->ct;
}

void qt_ctg_burst_begin(struct qt_ctg *g, uint64_t now)
{
	g->now = now;
	qt_ct_lock(g->ct);
	qt_ct_expire(g->ct, now, EXPIRE_BURST);
}

void qt_ctg_burst_end(struct qt_ctg *g)
{
	qt_ct_unlock(g->ct);
}

void qt_ctg_idle(struct qt_ctg *g, uint64_t now)
{
	qt_ct_lock(g->ct);
	qt_ct_expire(g->ct, now, EXPIRE_IDLE);
	qt_ct_unlock(g->ct);
}

static void key_of_pkt(const struct qt_pkt *p, struct pkt_key *k)
{
	memset(k, 0, sizeof(*k));
	bool ip6 = p->family == AF_INET6;
	qt_ct_addr_from(&k->saddr, &p->saddr, ip6);
	qt_ct_addr_from(&k->daddr, &p->daddr, ip6);
	k->id = ip6 ? p->frag_id : p->ip_id;
	k->flowlabel = p->flowlabel;
	k->family = p->family;
	k->ip_len = (uint16_t)p->ip_len;
	k->frag_off = p->frag_off;
	k->proto = p->proto;
	if (p->l4) {
		uint32_t n = p->l4_len < 8 ? p->l4_len : 8;
		memcpy(k->l4, p->l4, n);
		k->nl4 = (uint8_t)n;
	}
}

static void key_of(const struct qt_eval *ev, struct pkt_key *k)
{
	key_of_pkt(&ev->pkt, k);
}

static uint32_t key_hash(const struct pkt_key *k)
{
	uint64_t h = 0x6a09e667f3bcc909ull;
	for (size_t i = 0; i < sizeof(*k); i += 8) {
		uint64_t w;
		memcpy(&w, (const uint8_t *)k + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return (uint32_t)(h >> 32);
}

/* Any hook: for mem_find's before. */
#define ANY_HOOK 0xff

/* An entry held for a reply is let go once the reply is done (or its
 * wait is over): it was never confirmed. */
static void let_go(struct qt_ctg *g, struct qt_ct_entry *e, uint32_t id)
{
	if (e && e->id == id) {
		qt_ct_abandon(g->ct, e);
		g->st.abandoned++;
	}
}

static uint32_t ix_tag(uint32_t h)
{
	return h | 1;
}

/* The packet entry x names, or NULL when its slot holds it no more
 * (forgotten at its last hook, or the ring came round). */
static struct mem *ix_mem(struct qt_ctg *g, const struct mem_ix *x)
{
	if (!x->h || (uint32_t)(g->seq - x->seq) >= MEM_LIVE)
		return NULL;
	struct mem *m = &g->mem[x->seq & (MEM_LIVE - 1)];
	return m->used && m->seq == x->seq ? m : NULL;
}

static void ix_settle(struct qt_ctg *g);

/* The slot remembering the packet with key k that was last judged at a
 * hook before `before` (a packet's hooks come in rising numbers:
 * PREROUTING, INPUT or FORWARD, POSTROUTING; OUTPUT, POSTROUTING), or
 * NULL. Two identical packets may be in flight at once (a datagram
 * sent again, IP id 0): each has a slot, and the kernel hands them
 * over in the order they came, so the older one is the one that comes
 * to this hook first. */
static struct mem *mem_find(struct qt_ctg *g, const struct pkt_key *k,
			    unsigned before)
{
	ix_settle(g);
	uint32_t h = key_hash(k), tag = ix_tag(h);
	/* The kernel's queue hands packets on in the order it took them:
	 * the one at a hook is most often the next remembered after the
	 * one found there last, or a few further on (packets gone to the
	 * other hook, or dropped on the way). Found so only when no other
	 * packet with a key of its hash was remembered beside it (twin):
	 * then it is the only one with its key, the one the index finds. */
	if (before < QT_NHOOKS) {
		for (uint32_t i = 0; i < NEXT_SCAN; i++) {
			uint32_t s = g->next[before] + i;
			uint32_t age = g->seq - s;
			if (age - 1 >= MEM_LIVE - 1)
				break;
			struct mem *m = &g->mem[s & (MEM_LIVE - 1)];
			if (m->used && m->seq == s && m->h == h && !m->twin &&
			    m->hook < before &&
			    !memcmp(&m->k, k, sizeof(*k)))
				return m;
		}
	}
	struct mem *best = NULL;
	for (uint32_t i = 0; i < MEM_PROBES; i++) {
		const struct mem_ix *x = &g->ix[(h + i) & (MEM_SLOTS - 1)];
		if (x->h != tag)
			continue;
		struct mem *m = ix_mem(g, x);
		if (!m || memcmp(&m->k, k, sizeof(*k)) ||
		    (before != ANY_HOOK && m->hook >= before))
			continue;
		if (!best || (uint32_t)(g->seq - m->seq) >
			     (uint32_t)(g->seq - best->seq))
			best = m;
	}
	return best;
}

/* The index entry of m, if it still names m: 0 now. So a probe meets
 * a free entry where a packet went, and looks at no slot for it. */
static void ix_drop(struct qt_ctg *g, const struct mem *m)
{
	struct mem_ix *x = &g->ix[m->ixi];
	if (x->h && x->seq == m->seq)
		x->h = 0;
}

/* A slot is freed by its packet's last hook, or when the ring comes
 * round. */
static void mem_free(struct qt_ctg *g, struct mem *m)
{
	if (!m->used)
		return;
	if (m->owns)
		let_go(g, m->e, m->id);
	if (g->unindexed == m)
		g->unindexed = NULL;
	else
		ix_drop(g, m);
	m->owns = false;
	m->used = false;
}

/* Index m (remembered, its key set) under its key: the first free probe
 * (or one whose packet is not remembered any more), else the oldest of
 * its probes, whose packet is forgotten. Never the entry of an
 * identical packet still remembered: that one is another packet in
 * flight, with a connection of its own to settle. */
static void ix_put(struct qt_ctg *g, struct mem *m)
{
	uint32_t h = key_hash(&m->k), tag = ix_tag(h);
	struct mem_ix *x = NULL, *oldest = NULL;
	struct mem *om = NULL;
	for (uint32_t i = 0; i < MEM_PROBES; i++) {
		struct mem_ix *c = &g->ix[(h + i) & (MEM_SLOTS - 1)];
		if (x && c->h != tag)
			continue;
		struct mem *cm = ix_mem(g, c);
		if (!cm) {
			if (!x)
				x = c;
			continue;
		}
		if (c->h == tag) {
			/* every probe is looked at for these: the two are
			 * told apart by the index only (mem_find) */
			cm->twin = true;
			m->twin = true;
		}
		if (!x && (!oldest || (uint32_t)(g->seq - c->seq) >
				      (uint32_t)(g->seq - oldest->seq))) {
			oldest = c;
			om = cm;
		}
	}
	if (!x) {
		x = oldest;
		mem_free(g, om);
		g->st.forgotten++;
	}
	x->h = tag;
	x->seq = m->seq;
	m->ixi = (uint32_t)(x - g->ix);
	m->h = h;
}

/* The slot not indexed yet, indexed now: before the index is asked. */
static void ix_settle(struct qt_ctg *g)
{
	struct mem *m = g->unindexed;
	if (m) {
		g->unindexed = NULL;
		ix_put(g, m);
	}
}

/* A slot for a packet with key k: the ring's next, whose packet, if it
 * is still remembered, is forgotten; indexed under k. Zeroed but for
 * the key and its count. */
static struct mem *mem_take(struct qt_ctg *g, const struct pkt_key *k)
{
	ix_settle(g);
	struct mem *m = &g->mem[g->seq & (MEM_LIVE - 1)];
	mem_free(g, m);
	memset(m, 0, sizeof(*m));
	m->k = *k;
	m->used = true;
	m->seq = g->seq;
	g->unindexed = m;
	return m;
}

/* ---- replies sent about a packet (NOTE_SLOTS) ---- */

static bool note_stale(const struct qt_ctg *g, const struct note *n)
{
	return g->now - n->at >= NOTE_TTL;
}

static void note_free(struct qt_ctg *g, struct note *n)
{
	if (n->owns)
		let_go(g, n->e, n->id);
	n->used = false;
	n->owns = false;
	g->notes_used--;
}

/* A reply is known by its key without the IPv4 id and the flow label:
 * the raw socket's kernel picks an id for a reply sent with 0. */
static void note_key_strip(struct pkt_key *k)
{
	k->id = 0;
	k->flowlabel = 0;
}

/* The note of the reply with key k, the oldest if several (identical
 * resets for a SYN sent again), or NULL; stale ones met are let go. */
static struct note *note_find(struct qt_ctg *g, const struct pkt_key *k)
{
	uint32_t h = key_hash(k);
	struct note *best = NULL;
	for (uint32_t i = 0; i < NOTE_PROBES; i++) {
		struct note *n = &g->notes[(h + i) & (NOTE_SLOTS - 1)];
		if (!n->used || memcmp(&n->k, k, sizeof(*k)))
			continue;
		if (note_stale(g, n))
			note_free(g, n);
		else if (!best || n->at < best->at)
			best = n;
	}
	return best;
}

/* A note for the reply with key k: a free probe (stale ones are let
 * go), else the oldest, taken over. */
static struct note *note_take(struct qt_ctg *g, const struct pkt_key *k)
{
	uint32_t h = key_hash(k);
	struct note *n = NULL, *oldest = NULL;
	for (uint32_t i = 0; !n && i < NOTE_PROBES; i++) {
		struct note *c = &g->notes[(h + i) & (NOTE_SLOTS - 1)];
		if (c->used && note_stale(g, c))
			note_free(g, c);
		if (!c->used)
			n = c;
		else if (!oldest || c->at < oldest->at)
			oldest = c;
	}
	if (!n) {
		n = oldest;
		note_free(g, n);
	}
	memset(n, 0, sizeof(*n));
	n->k = *k;
	n->used = true;
	g->notes_used++;
	return n;
}

/* A target sent reply (len bytes, IP header first) about the packet
 * being judged: noted with the packet's connection, the reply's
 * direction the other one (the kernel's nf_ct_attach: IP_CT_RELATED_REPLY
 * for a packet of the original direction). A packet without a
 * connection (INVALID, UNTRACKED) has nothing to attach. */
static void ct_attach(struct qt_eval *ev, const uint8_t *reply, uint32_t len,
		      void *user)
{
	struct qt_ctg *g = user;
	struct qt_ct_entry *e = ev->ct;
	if (!ev->ct_valid || !e || !len)
		return;
	struct qt_pkt p;
	enum qt_pkt_status st = reply[0] >> 4 == 6
				? qt_pkt_parse_ipv6(&p, reply, len)
				: qt_pkt_parse_ipv4(&p, reply, len);
	if (st != QT_PKT_OK)
		return;
	struct pkt_key k;
	key_of_pkt(&p, &k);
	note_key_strip(&k);
	struct note *n = note_take(g, &k);
	n->e = e;
	n->id = e->id;
	n->dir = ev->ct_dir == QT_CT_ORIG ? QT_CT_REPLY : QT_CT_ORIG;
	n->at = g->now;
	g->cur_note = n;
	/* REJECT's only TCP reply is a reset */
	if (p.proto == IPPROTO_TCP)
		qt_ct_set_closing(g->ct, e, g->now);
}

static void set_ev(struct qt_ctg *g, struct qt_eval *ev, const struct mem *m)
{
	ev->ct_valid = true;
	ev->ct_state = m->state;
	ev->ct_dir = m->dir;
	/* the entry is the one remembered only while it was not reused */
	ev->ct = m->e && m->e->id == m->id ? m->e : NULL;
	ev->ct_shard = g->ct;
	ev->ct_counted = m->counted && ev->ct;
	if (ev->ct_counted) {
		memcpy(ev->ct_packets, m->acct.packets, sizeof(ev->ct_packets));
		memcpy(ev->ct_bytes, m->acct.bytes, sizeof(ev->ct_bytes));
	}
}

/* A packet of ours coming back in through the loopback device (sent
 * from here to a local address): the kernel keeps the connection the
 * packet got at OUTPUT (nf_conntrack_in: "previously seen"), tracks it
 * no second time, and its NAT stays done. So is it here: its last hook
 * (POSTROUTING) remembered it as it left, rewritten or not. */
static bool looped_back(struct qt_ctg *g, struct qt_eval *ev,
			const struct pkt_key *k)
{
	struct mem *m;
	if (ev->hook != QT_HOOK_PRE_ROUTING || strcmp(ev->in, "lo") ||
	    !(m = mem_find(g, k, ANY_HOOK)) || !m->local)
		return false;
	g->st.recalled++;
	g->cur = m;
	m->hook = (uint8_t)ev->hook;
	set_ev(g, ev, m);
	return true;
}

/* A reply a target of ours sent (ct_attach) leaving through OUTPUT:
 * it has its connection already, as in the kernel, where conntrack
 * sees the attached one and tracks nothing ("previously seen"); the
 * raw table's NOTRACK leaves such a packet alone too. It takes over
 * the hold on a connection its dropped packet left unconfirmed, which
 * it keeps until its last hook. */
static bool attached_reply(struct qt_ctg *g, struct qt_eval *ev,
			   const struct pkt_key *k, struct mem *m)
{
	struct pkt_key nk = *k;
	note_key_strip(&nk);
	struct note *n = note_find(g, &nk);
	if (!n)
		return false;
	if (n->e->id != n->id) {
		/* the connection went meanwhile (deleted, expired) */
		note_free(g, n);
		return false;
	}
	m->state = QT_CT_RELATED;
	m->dir = n->dir;
	m->e = n->e;
	m->id = n->id;
	m->owns = n->owns;
	n->owns = false;
	note_free(g, n);
	set_ev(g, ev, m);
	return true;
}

static void ct_in(struct qt_eval *ev, void *user)
{
	struct qt_ctg *g = user;
	struct pkt_key k;
	key_of(ev, &k);
	if (looped_back(g, ev, &k))
		return;
	struct mem *m = mem_take(g, &k);
	g->seq++;
	m->local = ev->hook == QT_HOOK_LOCAL_OUT;
	m->hook = (uint8_t)ev->hook;
	m->counted = false;
	g->cur = m;
	g->st.remembered++;
	if (ev->hook == QT_HOOK_LOCAL_OUT && g->notes_used &&
	    attached_reply(g, ev, &k, m))
		return;
	if (ev->untracked) {
		m->state = QT_CT_UNTRACKED;
		set_ev(g, ev, m);
		return;
	}
	if (qt_ct_checksum_fails(qt_ct_config(g->ct), &ev->pkt,
				 ev->hook == QT_HOOK_PRE_ROUTING,
				 ev->csum_unverified)) {
		/* INVALID before the table is asked: nothing is created or
		 * advanced by it */
		qt_ct_count_bad_checksum(g->ct, &ev->pkt);
		m->state = QT_CT_INVALID;
		set_ev(g, ev, m);
		return;
	}
	struct qt_ct_verdict v;
	struct qt_ct_zone z = {
		/* --zone mark: the mark as conntrack sees it (u16) */
		.id = ev->ct_zone_mark ? (uint16_t)ev->mark : ev->ct_zone,
		.dir = ev->ct_zone_dir,
	};
	qt_ct_allow_reply_clash(g->ct, g->nat);
	qt_ct_in_zone(g->ct, &ev->pkt, ev->ct_tmpl ? &z : NULL, g->now, &v);
	if (v.table_full) {
		g->st.table_full++;
		mem_free(g, m);
		ev->hotdrop = true;
		return;
	}
	m->state = (uint8_t)v.state;
	m->dir = (uint8_t)v.dir;
	m->e = v.e;
	m->id = v.e ? v.e->id : 0;
	m->created = v.created;
	m->counted = v.e && qt_ct_acct_get(g->ct, v.e, &m->acct);
	set_ev(g, ev, m);
}

void qt_ctg_prepare(struct qt_ctg *g, struct qt_eval *ev, bool nat)
{
	g->cur = NULL;
	g->cur_note = NULL;
	g->nat = nat;
	ev->ct_attach = ct_attach;
	ev->ct_user = g;
	if (ev->hook == QT_HOOK_PRE_ROUTING || ev->hook == QT_HOOK_LOCAL_OUT) {
		ev->ct_in = ct_in;
		ev->ct_user = g;
		return;
	}
	struct pkt_key k;
	key_of(ev, &k);
	struct mem *m = mem_find(g, &k, ev->hook);
	if (m) {
		g->st.recalled++;
		g->cur = m;
		g->next[ev->hook] = m->seq + 1;
		/* its index entry goes at its last hook, after the walk */
		if (ev->hook == QT_HOOK_POST_ROUTING ||
		    ev->hook == QT_HOOK_LOCAL_IN)
			__builtin_prefetch(&g->ix[m->ixi], 1);
		m->hook = (uint8_t)ev->hook;
		set_ev(g, ev, m);
		return;
	}
	/* not remembered (memory overwritten, or the packet was queued
	 * before its first hook was): ask the table, as a packet of a
	 * known connection would be answered */
	struct qt_ct_tuple t;
	enum qt_ct_dir dir = QT_CT_ORIG;
	struct qt_ct_entry *e = qt_ct_tuple_of(&ev->pkt, &t)
				? qt_ct_find(g->ct, &t, &dir) : NULL;
	ev->ct_valid = true;
	ev->ct_shard = g->ct;
	ev->ct = e;
	ev->ct_dir = (uint8_t)dir;
	ev->ct_state = !e ? QT_CT_INVALID
		     : dir == QT_CT_REPLY || (e->status & QT_IPS_SEEN_REPLY)
		       ? QT_CT_ESTABLISHED : QT_CT_NEW;
}

bool qt_ctg_nat_may_rewrite(struct qt_ctg *g, const struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	/* no nat step at FORWARD */
	if (ev->hook == QT_HOOK_FORWARD)
		return false;
	if (!p->l4_ok || p->frag_off || p->more_frags || p->frag_hdr ||
	    (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP))
		return true;
	/* a SYN may open the connection anew (a closed one's tuple) */
	if (p->proto == IPPROTO_TCP && (p->tcp_flags & 0x02))
		return true;
	/* a UDP checksum of 0 takes an offloaded connection back here
	 * (engine/nat_pkt.c: the kernel would break it) */
	if (p->proto == IPPROTO_UDP && !ev->csum_not_ready && p->l4_len >= 8 &&
	    !p->l4[6] && !p->l4[7])
		return true;
	struct pkt_key k;
	key_of(ev, &k);
	const struct mem *m = NULL;
	if (ev->hook == QT_HOOK_PRE_ROUTING && !strcmp(ev->in, "lo"))
		m = mem_find(g, &k, ANY_HOOK);
	else if (ev->hook != QT_HOOK_PRE_ROUTING &&
		 ev->hook != QT_HOOK_LOCAL_OUT)
		m = mem_find(g, &k, ev->hook);
	const struct qt_ct_entry *e;
	if (m) {
		e = m->e && m->e->id == m->id ? m->e : NULL;
	} else {
		struct qt_ct_tuple t;
		enum qt_ct_dir dir;
		e = qt_ct_tuple_of(p, &t) ? qt_ct_find(g->ct, &t, &dir) : NULL;
	}
	/* not yet tracked, or due to go: its next packet may be a new
	 * connection's */
	if (!e || e->expires <= g->now || (e->status & QT_IPS_DYING))
		return true;
	if (e->status & QT_CTS_OFFLOADED)
		return false;
	uint32_t done = QT_IPS_SRC_NAT_DONE | QT_IPS_DST_NAT_DONE;
	return (e->status & done) != done || (e->status & QT_IPS_NAT_MASK);
}

/* A packet rewritten at this hook (NAT, TCPMSS) reaches its later hooks
 * with other header fields: it is remembered under what it looks like
 * now. */
static struct mem *rekey(struct qt_ctg *g, struct mem *m,
			 const struct qt_eval *ev)
{
	struct pkt_key k;
	key_of(ev, &k);
	if (!memcmp(&m->k, &k, sizeof(k)))
		return m;
	/* the same slot, and its age: it is the same packet */
	if (g->unindexed == m) {
		m->k = k;
		return m;
	}
	ix_drop(g, m);
	m->k = k;
	ix_put(g, m);
	return m;
}

/* A packet's last hook: where its entry is confirmed. */
static bool last_hook(unsigned hook)
{
	return hook == QT_HOOK_LOCAL_IN || hook == QT_HOOK_POST_ROUTING;
}

static int settle(struct qt_ctg *g, struct mem *m, const struct qt_eval *ev,
		  int verdict)
{
	if (!m || !m->e || m->e->id != m->id)
		return verdict;
	if (!m->created) {
		/* A packet behind the one that made its entry, which the
		 * kernel dropped between two hooks (its queue full under a
		 * burst, a neighbour never resolved) and so never reached
		 * the hook that confirms. The kernel gives each packet an
		 * unconfirmed entry of its own, and the first that leaves
		 * its last hook confirms one: so does this packet here, or
		 * every packet of the flow would stay NEW and untouched by
		 * the kernel's NAT maps until the entry is dropped. */
		if (verdict != QT_XT_DROP && last_hook(ev->hook) &&
		    !(m->e->status & (QT_IPS_CONFIRMED | QT_CTS_UNHASHED |
				      QT_CTS_REPLY_CLASH)) &&
		    qt_ct_confirm(g->ct, m->e, g->now))
			g->st.confirmed++;
		return verdict;
	}
	if (verdict == QT_XT_DROP) {
		struct note *n = g->cur_note;
		if (n && n->used && n->e == m->e && n->id == m->id) {
			/* its REJECT's reply is still to be judged with it */
			qt_ct_unhash(g->ct, m->e);
			n->owns = true;
		} else {
			qt_ct_abandon(g->ct, m->e);
			g->st.abandoned++;
		}
		m->created = false;
		m->e = NULL;
		return verdict;
	}
	if (last_hook(ev->hook)) {
		m->created = false;
		if (!qt_ct_confirm(g->ct, m->e, g->now)) {
			/* its reply tuple clashes with another
			 * connection's: the kernel drops it here */
			qt_ct_abandon(g->ct, m->e);
			g->st.abandoned++;
			m->e = NULL;
			return QT_XT_DROP;
		}
		g->st.confirmed++;
	}
	return verdict;
}

int qt_ctg_done(struct qt_ctg *g, struct qt_eval *ev, int verdict)
{
	struct mem *m = g->cur;
	g->cur = NULL;
	/* a template given after conntrack to a packet without an entry
	 * (nft's ct zone set): it reads NEW at its later hooks too */
	if (m && !m->e && ev->ct_valid && !ev->ct)
		m->state = ev->ct_state;
	/* the packet's last hook (or its end): its slot is free again; one
	 * of ours leaving through lo keeps it until it comes back in */
	bool ends = ev->hook == QT_HOOK_LOCAL_IN ||
		    (ev->hook == QT_HOOK_POST_ROUTING && m &&
		     !(m->local && ev->out && !strcmp(ev->out, "lo")));
	/* a packet that ends here is looked for no more: not rekeyed */
	if (m && !ends && (ev->rewritten || ev->kernel_nat) &&
	    verdict != QT_XT_DROP)
		m = rekey(g, m, ev);
	int v = settle(g, m, ev, verdict);
	g->cur_note = NULL;
	if (m && (v == QT_XT_DROP || ends))
		mem_free(g, m);
	ix_settle(g);
	return v;
}

const struct qt_ctg_stats *qt_ctg_stats(const struct qt_ctg *g)
{
	return &g->st;
}
