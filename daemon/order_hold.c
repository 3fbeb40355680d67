/* Keeping a flow's order while its packets are sent back (see
 * order_hold.h). */
#include "order_hold.h"

#include <stdlib.h>
#include <string.h>

/* Flows held at once, per queue thread, and packets out per flow: a
 * flow's packets queued while its first one is out (one trip through
 * the kernel's queue, at most its length: 1024 by default). */
#define FLOWS 64
#define PER_FLOW 256
/* The bytes of a packet that tell it from its flow's others: IP and
 * transport headers with options (ids, lengths, seq, ack, timestamps)
 * and the first payload bytes. */
#define IDENT_BYTES 128

struct ent {
	uint64_t ident;
	uint64_t seq;           /* when it was last sent back */
};

struct flow {
	uint64_t key;
	uint64_t seen_ns;       /* held since, or last one came back */
	uint32_t s, n;          /* its packets out: e[s..s+n), in the
	                           order they first came */
	struct ent e[PER_FLOW];
};

struct qt_hold {
	unsigned nact, nspare;
	struct flow *act[FLOWS];
	struct flow *spare[FLOWS];
	uint64_t seq;
	/* the packet the last qt_hold_arrive let be judged as its flow's
	 * first out: sent back again, it keeps its place */
	bool popped;
	uint64_t popped_flow, popped_ident;
	struct qt_hold_stats st;
	struct flow pool[FLOWS];
};

static uint64_t fnv(uint64_t h, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static bool has_ports(uint8_t proto)
{
	/* TCP, UDP, DCCP, SCTP, UDP-Lite: ports in the first 4 bytes */
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 ||
	       proto == 136;
}

void qt_hold_pkt_of(const uint8_t *b, uint32_t len, uint32_t orig_len,
		    uint16_t queue, uint8_t hook, struct qt_hold_pkt *k)
{
	uint8_t tag[4] = { hook, (uint8_t)queue, (uint8_t)(queue >> 8), 0 };
	uint64_t h = 0xcbf29ce484222325ull;
	if (len >= 20 && b[0] >> 4 == 4) {
		uint32_t ihl = (b[0] & 15u) * 4;
		bool frag = ((b[6] << 8 | b[7]) & 0x3fff) != 0;
		tag[3] = b[9];
		h = fnv(h, b + 12, 8);
		if (!frag && has_ports(b[9]) && ihl >= 20 && len >= ihl + 4)
			h = fnv(h, b + ihl, 4);
	} else if (len >= 40 && b[0] >> 4 == 6) {
		tag[3] = b[6];
		h = fnv(h, b + 8, 32);
		if (has_ports(b[6]) && len >= 44)
			h = fnv(h, b + 40, 4);
	} else if (len) {
		/* unreadable: one flow of its own per hook and queue */
		tag[3] = 0xff;
	}
	h = fnv(h, tag, sizeof(tag));
	k->flow = mix(h);
	uint8_t ol[4] = { (uint8_t)orig_len, (uint8_t)(orig_len >> 8),
			  (uint8_t)(orig_len >> 16), (uint8_t)(orig_len >> 24) };
	h = fnv(h, ol, sizeof(ol));
	h = fnv(h, b, len < IDENT_BYTES ? len : IDENT_BYTES);
	k->ident = mix(h);
}

struct qt_hold *qt_hold_new(void)
{
	struct qt_hold *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	for (unsigned i = 0; i < FLOWS; i++)
		h->spare[h->nspare++] = &h->pool[i];
	return h;
}

void qt_hold_free(struct qt_hold *h)
{
	free(h);
}

bool qt_hold_any(const struct qt_hold *h)
{
	return h->nact != 0;
}

const struct qt_hold_stats *qt_hold_stats(const struct qt_hold *h)
{
	return &h->st;
}

static void release(struct qt_hold *h, unsigned i)
{
	struct flow *f = h->act[i];
	h->act[i] = h->act[--h->nact];
	h->spare[h->nspare++] = f;
}

/* The held flow of key (NULL: none), letting go of those expired on
 * the way. */
static struct flow *find(struct qt_hold *h, uint64_t key, uint64_t now)
{
	struct flow *found = NULL;
	for (unsigned i = 0; i < h->nact;) {
		struct flow *f = h->act[i];
		if (now - f->seen_ns > QT_HOLD_NS) {
			h->st.expired++;
			h->st.lost += f->n;
			release(h, i);
			continue;
		}
		if (f->key == key)
			found = f;
		i++;
	}
	return found;
}

static struct flow *take(struct qt_hold *h, uint64_t key, uint64_t now)
{
	if (!h->nspare)
		return NULL;
	struct flow *f = h->spare[--h->nspare];
	f->key = key;
	f->seen_ns = now;
	f->s = f->n = 0;
	h->act[h->nact++] = f;
	return f;
}

static void drop_flow(struct qt_hold *h, struct flow *f)
{
	for (unsigned i = 0; i < h->nact; i++)
		if (h->act[i] == f) {
			release(h, i);
			return;
		}
}

static bool append(struct flow *f, uint64_t ident, uint64_t seq)
{
	if (f->n == PER_FLOW)
		return false;
	if (f->s + f->n == PER_FLOW) {
		memmove(f->e, f->e + f->s, f->n * sizeof(f->e[0]));
		f->s = 0;
	}
	f->e[f->s + f->n++] = (struct ent){ ident, seq };
	return true;
}

enum qt_hold_act qt_hold_arrive(struct qt_hold *h, const struct qt_hold_pkt *k,
				uint64_t now)
{
	h->popped = false;
	if (!h->nact)
		return QT_HOLD_JUDGE;
	struct flow *f = find(h, k->flow, now);
	if (!f)
		return QT_HOLD_JUDGE;
	struct ent *e = f->e + f->s;
	uint32_t i = 0;
	while (i < f->n && e[i].ident != k->ident)
		i++;
	if (i == f->n) {
		/* a later packet: its turn comes after those out */
		if (!append(f, k->ident, ++h->seq)) {
			h->st.overflow++;
			return QT_HOLD_JUDGE;
		}
		h->st.held++;
		return QT_HOLD_REPEAT;
	}
	/* one sent back came back: those before it sent back before its
	 * last trip are gone (the kernel's queue keeps the order of the
	 * verdicts); those sent back after it are still out */
	f->seen_ns = now;
	uint64_t seq = e[i].seq;
	uint32_t w = 0;
	for (uint32_t j = 0; j < i; j++) {
		if (e[j].seq > seq)
			e[w++] = e[j];
		else
			h->st.lost++;
	}
	if (w < i) {
		memmove(e + w, e + i, (f->n - i) * sizeof(e[0]));
		f->n -= i - w;
	}
	if (w) {
		/* an earlier one is still out: this one goes round again */
		e[w].seq = ++h->seq;
		h->st.held++;
		return QT_HOLD_REPEAT;
	}
	/* the first of its flow out: judged now */
	f->s++;
	if (!--f->n)
		drop_flow(h, f);
	h->popped = true;
	h->popped_flow = k->flow;
	h->popped_ident = k->ident;
	return QT_HOLD_JUDGE;
}

bool qt_hold_sent_back(struct qt_hold *h, const struct qt_hold_pkt *k,
		       uint64_t now)
{
	bool first = h->popped && h->popped_flow == k->flow &&
		     h->popped_ident == k->ident;
	h->popped = false;
	struct flow *f = find(h, k->flow, now);
	if (!f && !(f = take(h, k->flow, now))) {
		h->st.overflow++;
		return false;
	}
	if (!first || !f->n) {
		if (append(f, k->ident, ++h->seq))
			return true;
		h->st.overflow++;
		return false;
	}
	/* the first of its flow again, ahead of those out behind it */
	if (f->n == PER_FLOW) {
		h->st.overflow++;
		return false;
	}
	if (!f->s) {
		memmove(f->e + 1, f->e, f->n * sizeof(f->e[0]));
		f->s = 1;
	}
	f->e[--f->s] = (struct ent){ k->ident, ++h->seq };
	f->n++;
	return true;
}
