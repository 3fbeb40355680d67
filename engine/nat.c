/* NAT bindings: choosing the new tuple and storing it in the connection
 * (see nat.h). The packet rewriting is in nat_pkt.c. */
#include "nat.h"

#include <arpa/inet.h>

#include "host_addrs.h"
#include "host_links.h"
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* The kernel's NF_NAT_MAX_ATTEMPTS: candidates tried per round. */
#define MAX_ATTEMPTS 128
/* NF_NAT_HARDER_THRESH: within the last this many candidates of a round,
 * a TCP connection in TIME_WAIT or later may give its tuple up. */
#define HARDER_THRESH (MAX_ATTEMPTS / 4)
#define RANDOM_ALL (QT_NAT_PROTO_RANDOM | QT_NAT_PROTO_RANDOM_FULLY)

/* ---- randomness ---- */

static _Thread_local uint64_t rng;

void qt_nat_seed(uint64_t seed)
{
	rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

uint16_t qt_nat_random16(void)
{
	if (!rng) {
		uint64_t s = 0;
		if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			s = (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&rng;
		}
		qt_nat_seed(s);
	}
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint16_t)((rng * 0x2545f4914f6cdd1dull) >> 48);
}

/* ---- the kernel's jhash2 ---- */

static inline uint32_t rol32(uint32_t w, unsigned s)
{
	return w << s | w >> (32 - s);
}

#define JHASH_MIX(a, b, c) do { \
	a -= c; a ^= rol32(c, 4);  c += b; \
	b -= a; b ^= rol32(a, 6);  a += c; \
	c -= b; c ^= rol32(b, 8);  b += a; \
	a -= c; a ^= rol32(c, 16); c += b; \
	b -= a; b ^= rol32(a, 19); a += c; \
	c -= b; c ^= rol32(b, 4);  b += a; \
} while (0)

#define JHASH_FINAL(a, b, c) do { \
	c ^= b; c -= rol32(b, 14); \
	a ^= c; a -= rol32(c, 11); \
	b ^= a; b -= rol32(a, 25); \
	c ^= b; c -= rol32(b, 16); \
	a ^= c; a -= rol32(c, 4);  \
	b ^= a; b -= rol32(a, 14); \
	c ^= b; c -= rol32(b, 24); \
} while (0)

uint32_t qt_nat_jhash2(const uint32_t *k, uint32_t n, uint32_t initval)
{
	uint32_t a, b, c;
	a = b = c = 0xdeadbeefu + (n << 2) + initval;
	while (n > 3) {
		a += k[0];
		b += k[1];
		c += k[2];
		JHASH_MIX(a, b, c);
		n -= 3;
		k += 3;
	}
	switch (n) {
	case 3: c += k[2]; /* fall through */
	case 2: b += k[1]; /* fall through */
	case 1: a += k[0];
		JHASH_FINAL(a, b, c);
		break;
	default:
		break;
	}
	return c;
}

uint32_t qt_nat_jhash(const void *key, uint32_t len, uint32_t initval)
{
	const uint8_t *k = key;
	uint32_t a, b, c;
	a = b = c = 0xdeadbeefu + len + initval;
	/* whole words as the CPU reads them (little-endian here) */
	while (len > 12) {
		uint32_t w[3];
		memcpy(w, k, 12);
		a += w[0];
		b += w[1];
		c += w[2];
		JHASH_MIX(a, b, c);
		len -= 12;
		k += 12;
	}
	switch (len) {
	case 12: c += (uint32_t)k[11] << 24; /* fall through */
	case 11: c += (uint32_t)k[10] << 16; /* fall through */
	case 10: c += (uint32_t)k[9] << 8;   /* fall through */
	case 9:  c += k[8];                  /* fall through */
	case 8:  b += (uint32_t)k[7] << 24;  /* fall through */
	case 7:  b += (uint32_t)k[6] << 16;  /* fall through */
	case 6:  b += (uint32_t)k[5] << 8;   /* fall through */
	case 5:  b += k[4];                  /* fall through */
	case 4:  a += (uint32_t)k[3] << 24;  /* fall through */
	case 3:  a += (uint32_t)k[2] << 16;  /* fall through */
	case 2:  a += (uint32_t)k[1] << 8;   /* fall through */
	case 1:  a += k[0];
		JHASH_FINAL(a, b, c);
		break;
	default:
		break;
	}
	return c;
}

/* ---- choosing the tuple (nf_nat_core.c) ---- */

static bool proto_has_ports(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: case IPPROTO_UDP: case IPPROTO_UDPLITE:
	case IPPROTO_DCCP: case IPPROTO_SCTP:
		return true;
	default:
		return false;
	}
}

/* Would a connection whose packets look like t (original direction)
 * clash: is its reply held by another connection than e? */
static bool used_tuple(const struct qt_ct *ct, const struct qt_ct_tuple *t,
		       const struct qt_ct_entry *e)
{
	struct qt_ct_tuple r;
	qt_ct_invert(t, &r);
	return qt_ct_tuple_taken(ct, &r, e);
}

/* nf_nat_may_kill: a connection of source NAT that is closing (TIME_WAIT,
 * CLOSE) and not already going. */
static bool may_evict(const struct qt_ct_entry *o)
{
	return o->p.tcp.state >= QT_TCP_TIME_WAIT &&
	       !(o->status & QT_IPS_DYING) && (o->status & QT_IPS_SRC_NAT);
}

/* nf_nat_used_tuple_harder: used_tuple, but in the last attempts of a
 * round, for a new TCP connection (SYN_SENT), a closing connection of
 * source NAT that holds the reply is removed, so its tuple is free,
 * when the new one's sequence numbers are past the old one's (the
 * peer then takes the old one's late segments for old ones). */
static bool used_tuple_harder(struct qt_ct *ct, const struct qt_ct_tuple *t,
			      const struct qt_ct_entry *e,
			      uint32_t attempts_left)
{
	if (attempts_left > HARDER_THRESH || t->proto != IPPROTO_TCP ||
	    e->p.tcp.state != QT_TCP_SYN_SENT)
		return used_tuple(ct, t, e);
	struct qt_ct_tuple r;
	qt_ct_invert(t, &r);
	enum qt_ct_dir d;
	struct qt_ct_entry *o = qt_ct_find(ct, &r, &d);
	if (!o)
		return false;
	if (d == QT_CT_ORIG || o == e || !may_evict(o))
		return true;
	if ((int32_t)(e->p.tcp.seen[0].td_end - o->p.tcp.seen[0].td_end) <= 0)
		return true;
	qt_ct_delete(ct, o);
	return false;
}

/* The range's addresses as a tuple holds them (an IPv4 one in the
 * first word, the others zero). */
static void range_bounds(const struct qt_nat_range *r, bool ip6,
			 union qt_ct_addr *lo, union qt_ct_addr *hi)
{
	memset(lo, 0, sizeof(*lo));
	memset(hi, 0, sizeof(*hi));
	if (ip6) {
		memcpy(lo->b, r->min_addr6, 16);
		memcpy(hi->b, r->max_addr6, 16);
	} else {
		lo->ip = r->min_addr;
		hi->ip = r->max_addr;
	}
}

/* nf_nat_inet_in_range: network-order bytes compare as numbers do. */
static bool addr_in_range(const union qt_ct_addr *a, bool ip6,
			  const struct qt_nat_range *r)
{
	union qt_ct_addr lo, hi;
	range_bounds(r, ip6, &lo, &hi);
	size_t n = ip6 ? 16 : 4;
	return memcmp(a->b, lo.b, n) >= 0 && memcmp(a->b, hi.b, n) <= 0;
}

static bool l4_in_range(const struct qt_ct_tuple *t, enum qt_nat_manip m,
			const struct qt_nat_range *r)
{
	uint16_t v;
	if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6)
		v = t->sport;           /* the echo id, both directions */
	else if (proto_has_ports(t->proto))
		v = m == QT_NAT_MANIP_SRC ? t->sport : t->dport;
	else
		return true;
	return v >= r->min_port && v <= r->max_port;
}

/* nf_in_range: a source tuple the range already holds. */
static bool src_in_range(const struct qt_ct_tuple *t,
			 const struct qt_nat_range *r)
{
	if ((r->flags & QT_NAT_MAP_IPS) && !addr_in_range(&t->src, t->ip6, r))
		return false;
	if (!(r->flags & QT_NAT_PROTO_SPECIFIED))
		return true;
	return l4_in_range(t, QT_NAT_MANIP_SRC, r);
}

/* find_appropriate_src: a connection from the same source address and
 * port already mapped (by source NAT) gets the same mapping for another
 * destination, when the range holds it. */
static bool appropriate_src(const struct qt_ct *ct,
			    const struct qt_ct_tuple *t,
			    const struct qt_nat_range *r,
			    struct qt_ct_tuple *out)
{
	for (const struct qt_ct_entry *o = qt_ct_bysrc_next(ct, t, NULL); o;
	     o = qt_ct_bysrc_next(ct, t, o)) {
		/* the source part as the reply sees it; t's destination */
		struct qt_ct_tuple mapped;
		qt_ct_invert(&o->t[QT_CT_REPLY], &mapped);
		*out = *t;
		out->src = mapped.src;
		out->sport = mapped.sport;
		if (src_in_range(out, r))
			return true;
	}
	return false;
}

/* find_best_ips_proto: the address of the range a hash of the tuple's
 * addresses picks. An IPv6 range is walked word by word: a word below
 * the range's last is taken from the range's span there, the words
 * after it from their full span (so an address between two prefixes
 * may fall outside the range, as the kernel's may). */
static void best_ip(struct qt_ct_tuple *t, const struct qt_nat_range *r,
		    enum qt_nat_manip m)
{
	if (!(r->flags & QT_NAT_MAP_IPS))
		return;
	union qt_ct_addr *var = m == QT_NAT_MANIP_SRC ? &t->src : &t->dst;
	union qt_ct_addr lo, hi;
	range_bounds(r, t->ip6, &lo, &hi);
	if (!memcmp(lo.b, hi.b, sizeof(lo.b))) {
		*var = lo;
		return;
	}
	/* the kernel hashes the 16-byte address union (an IPv4 address
	 * in its first word), as the words lie in memory, seeded with
	 * the destination's last word */
	unsigned last = t->ip6 ? 3 : 0;
	bool persistent = r->flags & QT_NAT_PERSISTENT;
	uint32_t j = qt_nat_jhash2(t->src.all, 4,
				   persistent ? 0 : t->dst.all[last]);
	bool full = false;
	for (unsigned i = 0; i <= last; i++) {
		uint32_t minip = 0, dist = ~0u;
		if (!full) {
			minip = ntohl(lo.all[i]);
			dist = ntohl(hi.all[i]) - minip + 1;
		}
		var->all[i] = htonl(minip + (uint32_t)(((uint64_t)j * dist) >> 32));
		if (var->all[i] != hi.all[i])
			full = true;
		if (!persistent)
			j ^= t->dst.all[i];
	}
}

/* nf_nat_l4proto_unique_tuple: a port (ICMP id) that makes t free. */
static void unique_port(struct qt_ct *ct, const struct qt_ct_entry *e,
			struct qt_ct_tuple *t, const struct qt_nat_range *r,
			enum qt_nat_manip m)
{
	uint16_t *key;
	uint32_t min, size;
	if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) {
		key = &t->sport;
		if (!(r->flags & QT_NAT_PROTO_SPECIFIED)) {
			min = 0;
			size = 65536;
		} else {
			min = r->min_port;
			size = (uint32_t)(uint16_t)(r->max_port - r->min_port) + 1;
		}
	} else if (proto_has_ports(t->proto)) {
		key = m == QT_NAT_MANIP_SRC ? &t->sport : &t->dport;
		if (!(r->flags & QT_NAT_PROTO_SPECIFIED)) {
			/* a destination's port is never changed unasked */
			if (m == QT_NAT_MANIP_DST)
				return;
			if (*key < 1024) {
				/* ports below 512 stay below (credential
				 * passing), 512-1023 go to 600-1023 */
				min = *key < 512 ? 1 : 600;
				size = (*key < 512 ? 511 : 1023) - min + 1;
			} else {
				min = 1024;
				size = 65535 - 1024 + 1;
			}
		} else {
			uint32_t lo = r->min_port, hi = r->max_port;
			if (hi < lo) {
				uint32_t x = lo;
				lo = hi;
				hi = x;
			}
			min = lo;
			size = hi - lo + 1;
		}
	} else {
		return;
	}

	uint16_t off;
	if (r->flags & QT_NAT_PROTO_OFFSET)
		off = (uint16_t)(*key - r->base_port);
	else if ((r->flags & RANDOM_ALL) || m != QT_NAT_MANIP_DST)
		off = qt_nat_random16();
	else
		off = 0;

	uint32_t attempts = size < MAX_ATTEMPTS ? size : MAX_ATTEMPTS;
	for (;;) {
		for (uint32_t i = 0; i < attempts; i++, off++) {
			*key = (uint16_t)(min + off % size);
			if (!used_tuple_harder(ct, t, e, attempts - i))
				return;
		}
		/* nothing free from this offset: a new one, and a smaller
		 * window, so a full range costs a bounded search */
		if (attempts >= size || attempts < 16)
			return;
		attempts /= 2;
		off = qt_nat_random16();
	}
}

void qt_nat_unique_tuple(struct qt_ct *ct, const struct qt_ct_entry *e,
			 const struct qt_ct_tuple *cur,
			 const struct qt_nat_range *r, enum qt_nat_manip m,
			 struct qt_ct_tuple *out)
{
	/* 1: a source mapping keeps the tuple when the range holds it
	 * and nobody else uses it; else the mapping an earlier connection
	 * from the same source got, when that is in the range and free */
	if (m == QT_NAT_MANIP_SRC && !(r->flags & RANDOM_ALL)) {
		if (src_in_range(cur, r)) {
			if (!used_tuple(ct, cur, e)) {
				*out = *cur;
				return;
			}
		} else if (appropriate_src(ct, cur, r, out) &&
			   !used_tuple(ct, out, e)) {
			return;
		}
	}
	/* 2: the address */
	*out = *cur;
	best_ip(out, r, m);
	/* 3: the port, only changed when it must be */
	if (!(r->flags & RANDOM_ALL)) {
		if (r->flags & QT_NAT_PROTO_SPECIFIED) {
			if (!(r->flags & QT_NAT_PROTO_OFFSET) &&
			    l4_in_range(out, m, r) &&
			    (r->min_port == r->max_port ||
			     !used_tuple(ct, out, e)))
				return;
		} else if (!used_tuple(ct, out, e)) {
			return;
		}
	}
	unique_port(ct, e, out, r, m);
}

int qt_nat_setup(struct qt_eval *ev, const struct qt_nat_range *r,
		 enum qt_nat_manip m)
{
	struct qt_ct_entry *e = ev->ct;
	struct qt_ct *ct = ev->ct_shard;
	/* the kernel binds only before the entry is confirmed: a
	 * connection older than the nat rules stays as it is */
	if (!e || !ct || (e->status & QT_IPS_CONFIRMED) || qt_nat_done(e, m))
		return QT_XT_ACCEPT;
	/* what the packets look like now: the inverse of the reply, which
	 * holds an earlier binding of the other kind */
	struct qt_ct_tuple cur, nt;
	qt_ct_invert(&e->t[QT_CT_REPLY], &cur);
	qt_nat_unique_tuple(ct, e, &cur, r, m, &nt);
	if (!qt_ct_tuple_eq(&nt, &cur)) {
		struct qt_ct_tuple reply;
		qt_ct_invert(&nt, &reply);
		qt_ct_set_reply(ct, e, &reply);
		e->status |= m == QT_NAT_MANIP_SRC ? QT_IPS_SRC_NAT
						   : QT_IPS_DST_NAT;
		/* the kernel indexes every source binding; one that kept
		 * the tuple can never be another's appropriate source
		 * (that is looked for only outside the range holding it) */
		if (m == QT_NAT_MANIP_SRC)
			qt_ct_bysrc_add(ct, e);
	}
	e->status |= m == QT_NAT_MANIP_SRC ? QT_IPS_SRC_NAT_DONE
					   : QT_IPS_DST_NAT_DONE;
	return QT_XT_ACCEPT;
}

int qt_nat_null_binding(struct qt_eval *ev, enum qt_nat_manip m)
{
	const struct qt_ct_entry *e = ev->ct;
	if (!e)
		return QT_XT_ACCEPT;
	/* this address; the port as the protocol decides (the reply's, in
	 * case an earlier binding changed it) */
	const union qt_ct_addr *a = m == QT_NAT_MANIP_SRC
				    ? &e->t[QT_CT_REPLY].dst
				    : &e->t[QT_CT_REPLY].src;
	struct qt_nat_range r = { 0 };
	qt_nat_range_set_addr(&r, a, e->t[QT_CT_REPLY].ip6);
	return qt_nat_setup(ev, &r, m);
}

struct masq_walk {
	struct qt_ct *ct;
	const struct qt_links *l;
	const struct qt_addrs_addr *gone;
	size_t ngone;
	unsigned n;
};

static bool masq_gone(const struct masq_walk *w, const struct qt_ct_entry *e)
{
	if (!(qt_links_flags(w->l, e->masq_ifindex) & IFF_UP))
		return true;
	/* the address it was mapped to: where replies go */
	const struct qt_ct_tuple *r = &e->t[QT_CT_REPLY];
	for (size_t i = 0; i < w->ngone; i++)
		if (w->gone[i].ifindex == e->masq_ifindex &&
		    qt_addrs_addr_is(&w->gone[i], r->ip6, &r->dst))
			return true;
	return false;
}

static bool masq_visit(struct qt_ct_entry *e, void *user)
{
	struct masq_walk *w = user;
	if (!e->masq_ifindex || !(e->status & QT_IPS_SRC_NAT))
		return true;
	if (masq_gone(w, e)) {
		qt_ct_delete(w->ct, e);
		w->n++;
	}
	return true;
}

unsigned qt_nat_masq_forget(struct qt_ct *ct, const struct qt_links *l,
			    const struct qt_addrs_addr *gone, size_t ngone)
{
	struct masq_walk w = { ct, l, gone, ngone, 0 };
	qt_ct_each(ct, masq_visit, &w);
	return w.n;
}
