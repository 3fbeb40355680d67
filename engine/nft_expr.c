/* nft's keys, lookups, verdict maps, numgen, jhash, fib and bitwise
 * operations on the packet path (see nft_expr.h). */
#include "nft_expr.h"
#include "nft_dynset.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "conntrack.h"
#include "conntrack_entry.h"
#include "nft_ct.h"
#include "nft_sctp.h"
#include "host_addrs.h"
#include "host_links.h"
#include "nat.h"
#include "nft_lookup.h"

/* ---- fields ---- */

/* The kernel's sys_tz (minutes west of UTC), which its meta day moves
 * the clock by: the raw system call, since glibc's gettimeofday() no
 * longer reports a time zone. */
static int16_t sys_tz_minutes(void)
{
	struct timezone tz = { 0, 0 };
	if (syscall(SYS_gettimeofday, NULL, &tz) != 0)
		return 0;
	return (int16_t)tz.tz_minuteswest;
}

/* meta random: the kernel's get_random_u32() per evaluation; here a
 * per-thread xorshift64* seeded from getrandom. */
static uint32_t meta_random(void)
{
	static _Thread_local uint64_t st;
	if (!st) {
		if (getrandom(&st, sizeof(st), GRND_NONBLOCK) != (ssize_t)sizeof(st))
			st = (uint64_t)random() << 32 ^ (uint64_t)random();
		st |= 1;
	}
	st ^= st >> 12;
	st ^= st << 25;
	st ^= st >> 27;
	return (uint32_t)((st * 0x2545f4914f6cdd1dull) >> 32);
}

static bool link_type(const struct qt_eval *ev, int ifindex, uint8_t *v)
{
	unsigned type;
	if (!ifindex || !ev->env || !ev->env->links ||
	    qt_links_hwaddr(ev->env->links, ifindex, NULL, NULL, &type) < 0)
		return false;
	v[0] = (uint8_t)(type >> 8);
	v[1] = (uint8_t)type;
	return true;
}

static bool link_group(const struct qt_eval *ev, int ifindex, uint8_t *v)
{
	uint32_t g;
	if (!ifindex || !ev->env || !ev->env->links ||
	    qt_links_group(ev->env->links, ifindex, &g) < 0)
		return false;
	v[0] = (uint8_t)(g >> 24);
	v[1] = (uint8_t)(g >> 16);
	v[2] = (uint8_t)(g >> 8);
	v[3] = (uint8_t)g;
	return true;
}


/* ct's keys beyond state, status and mark: what the tracker knows.
 * It keeps no helpers (ct helper finds none). Bytes and packets are counted once a rule reads
 * them, labels kept once a rule sets them (engine/ct/conntrack.h). */
static int ct_part_compile(struct qt_nft_part *p, const struct nft_field *f)
{
	const struct nft_ct_info *in = nft_ct_info(f);
	if (!in || in->unresolved)
		return -1;
	static const struct { enum nft_ct_key key; enum qt_nft_src src; }
	k[] = {
		{ NFT_CTK_DIRECTION, QT_NFT_SRC_CTDIR },
		{ NFT_CTK_EXPIRATION, QT_NFT_SRC_CTEXPIRE },
		{ NFT_CTK_L3PROTO, QT_NFT_SRC_CTL3PROTO },
		{ NFT_CTK_PROTOCOL, QT_NFT_SRC_CTPROTO },
		{ NFT_CTK_SADDR, QT_NFT_SRC_CTSADDR },
		{ NFT_CTK_DADDR, QT_NFT_SRC_CTDADDR },
		{ NFT_CTK_PROTO_SRC, QT_NFT_SRC_CTPSRC },
		{ NFT_CTK_PROTO_DST, QT_NFT_SRC_CTPDST },
		{ NFT_CTK_ZONE, QT_NFT_SRC_CTZONE },
		{ NFT_CTK_BYTES, QT_NFT_SRC_CTBYTES },
		{ NFT_CTK_PACKETS, QT_NFT_SRC_CTPKTS },
		{ NFT_CTK_AVGPKT, QT_NFT_SRC_CTAVGPKT },
		{ NFT_CTK_ID, QT_NFT_SRC_CTID },
		{ NFT_CTK_HELPER, QT_NFT_SRC_CTHELPER },
		{ NFT_CTK_LABEL, QT_NFT_SRC_CTLABEL },
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (k[i].key == in->key) {
			p->src = (uint8_t)k[i].src;
			/* the kernel reads a tuple of the original
			 * direction when none is named */
			p->off = (uint16_t)(in->dir == NFT_CT_DIR_NONE ? 2
					    : in->dir);
			return 0;
		}
	return -1;
}

int qt_nft_part_compile(struct qt_nft_part *p, const struct nft_field *f)
{
	memset(p, 0, sizeof(*p));
	p->l4 = -1;
	p->len = (uint8_t)((f->bits + 7) / 8);
	switch (f->base) {
	case NFT_B_NETWORK:
	case NFT_B_TRANSPORT:
		if ((f->offset % 8 || f->bits % 8) &&
		    (f->offset % 8 + f->bits > 32))
			return -1;
		p->src = f->base == NFT_B_NETWORK ? QT_NFT_SRC_NET
						  : QT_NFT_SRC_TH;
		p->off = (uint16_t)(f->offset / 8);
		if (f->offset % 8 || f->bits % 8) {
			p->bits = (uint8_t)f->bits;
			p->bitoff = (uint8_t)(f->offset % 8);
		}
		break;
	case NFT_B_META: {
		static const struct { const char *name; enum qt_nft_src src; }
		m[] = {
			{ "l4proto", QT_NFT_SRC_L4PROTO },
			{ "nfproto", QT_NFT_SRC_NFPROTO },
			{ "iifname", QT_NFT_SRC_IIFNAME },
			{ "oifname", QT_NFT_SRC_OIFNAME },
			{ "iif", QT_NFT_SRC_IIF }, { "oif", QT_NFT_SRC_OIF },
			{ "mark", QT_NFT_SRC_MARK },
			{ "pkttype", QT_NFT_SRC_PKTTYPE },
			{ "length", QT_NFT_SRC_LEN },
			{ "protocol", QT_NFT_SRC_PROTOCOL },
			{ "skuid", QT_NFT_SRC_SKUID },
			{ "skgid", QT_NFT_SRC_SKGID },
			{ "iiftype", QT_NFT_SRC_IIFTYPE },
			{ "oiftype", QT_NFT_SRC_OIFTYPE },
			{ "iifgroup", QT_NFT_SRC_IIFGROUP },
			{ "oifgroup", QT_NFT_SRC_OIFGROUP },
			{ "random", QT_NFT_SRC_RANDOM },
			{ "time", QT_NFT_SRC_TIME },
			{ "day", QT_NFT_SRC_DAY },
			{ "hour", QT_NFT_SRC_HOUR },
			{ "priority", QT_NFT_SRC_PRIORITY },
		};
		unsigned i = 0;
		/* numgen, jhash and fib are fields of no protocol */
		if (strcmp(f->proto, "meta"))
			return -1;
		while (i < sizeof(m) / sizeof(m[0]) && strcmp(m[i].name, f->name))
			i++;
		if (i == sizeof(m) / sizeof(m[0]))
			return -1;
		p->src = (uint8_t)m[i].src;
		if (p->src == QT_NFT_SRC_DAY)
			p->tz_min = sys_tz_minutes();
		break;
	}
	case NFT_B_LINK:
		/* the queue gives no more of the link-layer header than
		 * its source (ether daddr and type are refused) */
		if (f->offset != 48 || f->bits != 48)
			return -1;
		p->src = QT_NFT_SRC_ETHER_SADDR;
		break;
	case NFT_B_SCTP_CHUNK:
		p->src = QT_NFT_SRC_SCTP_CHUNK;
		if (nft_sctp_chunk_type(f) < 0)
			return -1;
		p->chunk = (uint8_t)nft_sctp_chunk_type(f);
		p->present = f->type == NFT_T_BOOLEAN;
		if (!p->present)
			p->off = (uint16_t)(f->offset / 8);
		break;
	case NFT_B_CT:
		if (!strcmp(f->name, "state"))
			p->src = QT_NFT_SRC_CTSTATE;
		else if (!strcmp(f->name, "status"))
			p->src = QT_NFT_SRC_CTSTATUS;
		else if (!strcmp(f->name, "mark"))
			p->src = QT_NFT_SRC_CTMARK;
		else if (ct_part_compile(p, f) < 0)
			return -1;
		break;
	default:
		return -1;
	}
	if (f->dep == NFT_DEP_IPV4)
		p->dep = 4;
	else if (f->dep == NFT_DEP_IPV6)
		p->dep = 6;
	else if (f->dep == NFT_DEP_L4)
		p->l4 = f->l4proto;
	return 0;
}

void qt_nft_part_refuse(const struct nft_field *f, struct qt_buf *err)
{
	/* what the kernel reads of its own state: no queue attribute nor
	 * table of the daemon's holds it */
	static const char *const unseen[][2] = {
		{ "cpu", "the CPU that handles the packet" },
		{ "cgroup", "the socket's net_cls class" },
		{ "rtclassid", "the route's realm" },
		{ "sdif", "the VRF slave device" },
		{ "sdifname", "the VRF slave device" },
	};
	if (f->base == NFT_B_META && !strcmp(f->proto, "meta"))
		for (size_t i = 0; i < sizeof(unseen) / sizeof(*unseen); i++)
			if (!strcmp(unseen[i][0], f->name)) {
				qt_buf_printf(err, "Error: qtables cannot run meta "
					      "%s (%s is not known in user "
					      "space); ", f->name, unseen[i][1]);
				return;
			}
	qt_buf_printf(err, "Error: qtables cannot match %s %s here; ",
		      f->proto, f->name);
}

void qt_nft_val_fit(uint8_t *out, unsigned n, const struct nft_val *v,
		    bool name)
{
	if (name || v->len <= n) {
		memcpy(out + (name ? 0 : n - v->len), v->b, v->len);
		return;
	}
	unsigned extra = v->len - n;
	for (unsigned i = 0; i < extra; i++)
		if (v->b[i]) {
			memset(out, 0xff, n);
			return;
		}
	memcpy(out, v->b + extra, n);
}

static void put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* The kernel's NF_CT_STATE_* bits of the packet's state. */
static uint32_t ct_state_bits(const struct qt_eval *ev)
{
	/* before conntrack a template reads as its IP_CT_NEW */
	if (!ev->ct_valid)
		return ev->untracked ? 64u : ev->ct_tmpl ? 8u : 1u;
	switch (ev->ct_state) {
	case QT_CT_NEW: return 8u;
	case QT_CT_ESTABLISHED: return 2u;
	case QT_CT_RELATED: return 4u;
	case QT_CT_UNTRACKED: return 64u;
	default: return 1u;
	}
}

struct qt_ct_entry *qt_nft_ct_entry(const struct qt_eval *ev)
{
	if (!ev->ct_valid)
		return NULL;
	switch (ev->ct_state) {
	case QT_CT_NEW:
	case QT_CT_ESTABLISHED:
	case QT_CT_RELATED:
		return ev->ct;
	default:
		return NULL;
	}
}

/* The packet's link-layer type as meta pkttype reads it: what the queue
 * told, else from the destination address. */
static uint8_t pkttype(const struct qt_eval *ev)
{
	if (ev->l2_known)
		return ev->l2_type;
	const struct qt_pkt *p = &ev->pkt;
	if (p->family == AF_INET6)
		return p->daddr.v6.s6_addr[0] == 0xff ? QT_L2_MULTICAST
						       : QT_L2_HOST;
	uint32_t d = ntohl(p->daddr.v4.s_addr);
	if (d == 0xffffffffu)
		return QT_L2_BROADCAST;
	if ((d >> 28) == 0xe)
		return QT_L2_MULTICAST;
	return QT_L2_HOST;
}

/* As the kernel's nft_ct_get_eval: no connection (invalid, untracked)
 * breaks the rule. v holds zeros for s->len bytes (no labels: left
 * so); nothing beyond them is written. */
static bool ct_load(const struct qt_nft_part *s, const struct qt_eval *ev,
		    uint8_t *v)
{
	const struct qt_ct_entry *e = qt_nft_ct_entry(ev);
	if (!e)
		return false;
	const struct qt_ct_tuple *t = &e->t[s->off == 1 ? QT_CT_REPLY
							: QT_CT_ORIG];
	switch (s->src) {
	case QT_NFT_SRC_CTDIR:
		v[0] = ev->ct_dir == QT_CT_REPLY;
		return true;
	case QT_NFT_SRC_CTEXPIRE: {
		/* an unconfirmed entry's timeout is still relative in the
		 * kernel, which its jiffies then leave below zero: 0 */
		uint64_t ms = 0;
		if ((e->status & QT_IPS_CONFIRMED) && e->expires > ev->now_ns)
			ms = (e->expires - ev->now_ns) / 1000000u;
		put_be32(v, ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
		return true;
	}
	case QT_NFT_SRC_CTL3PROTO:
		v[0] = t->ip6 ? 10 : 2;
		return true;
	case QT_NFT_SRC_CTPROTO:
		v[0] = t->proto;
		return true;
	case QT_NFT_SRC_CTSADDR:
	case QT_NFT_SRC_CTDADDR: {
		const union qt_ct_addr *a = s->src == QT_NFT_SRC_CTSADDR
					    ? &t->src : &t->dst;
		if ((s->len == 16) != (t->ip6 != 0))
			return false;
		memcpy(v, a->b, s->len);
		return true;
	}
	case QT_NFT_SRC_CTPSRC:
	case QT_NFT_SRC_CTPDST: {
		uint16_t port = s->src == QT_NFT_SRC_CTPSRC ? t->sport : t->dport;
		v[0] = (uint8_t)(port >> 8);
		v[1] = (uint8_t)port;
		return true;
	}
	case QT_NFT_SRC_CTID:
		put_be32(v, e->id);
		return true;
	case QT_NFT_SRC_CTBYTES:
	case QT_NFT_SRC_CTPKTS:
	case QT_NFT_SRC_CTAVGPKT: {
		/* as tracking left them for this packet; an entry made
		 * before accounting was on counts nothing, as one without
		 * the kernel's acct extension */
		struct qt_ct_acct a;
		uint64_t pk = 0, by = 0, x;
		if (qt_eval_ct_acct(ev, e, &a)) {
			for (unsigned d = 0; d < 2; d++)
				if (s->off == 2 || s->off == d) {
					pk += a.packets[d];
					by += a.bytes[d];
				}
		}
		x = s->src == QT_NFT_SRC_CTBYTES ? by
		    : s->src == QT_NFT_SRC_CTPKTS ? pk : pk ? by / pk : 0;
		for (unsigned i = 0; i < 8; i++)
			v[i] = (uint8_t)(x >> (56 - 8 * i));
		return true;
	}
	case QT_NFT_SRC_CTZONE: {
		/* a direction's id; none named: the zone's id, which
		 * the tuples hold in the directions it applies to (and
		 * the default's 0 in the other) */
		uint16_t z = s->off == 2 ? e->t[QT_CT_ORIG].zone |
					   e->t[QT_CT_REPLY].zone
				       : t->zone;
		v[0] = (uint8_t)(z >> 8);
		v[1] = (uint8_t)z;
		return true;
	}
	case QT_NFT_SRC_CTHELPER:
		return false;
	case QT_NFT_SRC_CTLABEL:
		/* an entry without labels reads none set */
		if (ev->ct_shard)
			(void)qt_ct_labels_get(ev->ct_shard, e, v);
		return true;
	default:
		return true;
	}
}


/* The bits of a field narrower than its bytes, from the bytes that
 * hold them, right-aligned into its len bytes. */
static bool load_bits(const struct qt_nft_part *s, const uint8_t *h,
		      uint32_t hlen, uint8_t *v)
{
	unsigned span = (s->bitoff + s->bits + 7u) / 8u;
	if ((uint32_t)s->off + span > hlen)
		return false;
	uint32_t x = 0;
	for (unsigned i = 0; i < span; i++)
		x = x << 8 | h[s->off + i];
	x >>= span * 8u - s->bitoff - s->bits;
	x &= (uint32_t)((1ull << s->bits) - 1);
	for (unsigned i = 0; i < s->len; i++)
		v[s->len - 1 - i] = (uint8_t)(x >> (8 * i));
	return true;
}

/* The first n (at most 4) bytes of v big-endian, as a field of n
 * bytes holds a 32-bit value. */
static void put_be32_n(uint8_t *d, uint32_t v, unsigned n)
{
	uint8_t b[4];
	put_be32(b, v);
	memcpy(d, b, n < 4 ? n : 4);
}

/* The kernel's walk of SCTP's chunks (nft_exthdr's sctp operation):
 * from the end of the 12-byte common header, chunk by chunk (type,
 * flags, 16-bit length, padded to 4 bytes), to the first of the type;
 * a chunk of length 0 ends the walk. A presence test loads 1 or 0; a
 * field must lie within the chunk's length and the chunk within the
 * packet, else the rule breaks. A packet of another protocol has no
 * chunks (nft adds no dependency: sctp chunk data missing matches it),
 * nor has a fragment but the first. */
static bool sctp_chunk_read(const struct qt_nft_part *s,
			    const struct qt_pkt *p, uint8_t *v)
{
	const uint8_t *ch = NULL;
	uint32_t clen = 0;
	if (p->l4 && !p->frag_off && p->proto == IPPROTO_SCTP)
		for (uint32_t at = 12; at + 4 <= p->l4_len;) {
			const uint8_t *h = p->l4 + at;
			uint32_t n = (uint32_t)h[2] << 8 | h[3];
			if (!n)
				break;
			if (h[0] == s->chunk) {
				if (!s->present && at + n > p->l4_len)
					break;
				ch = h;
				clen = n;
				break;
			}
			at += (n + 3u) & ~3u;
		}
	if (s->present) {
		v[0] = ch != NULL;
		return true;
	}
	if (!ch || (uint32_t)s->off + s->len > clen)
		return false;
	memcpy(v, ch + s->off, s->len);
	return true;
}

/* The field's bytes into v, which is zeroed for its s->len bytes:
 * nothing is written beyond them, so that the parts of a concatenation
 * are loaded in place. */
static bool part_read(const struct qt_nft_part *s, const struct qt_eval *ev,
		      uint8_t *v)
{
	const struct qt_pkt *p = &ev->pkt;
	if (s->dep == 4 && p->family != AF_INET)
		return false;
	if (s->dep == 6 && p->family != AF_INET6)
		return false;
	if (s->l4 >= 0 && qt_pkt_tproto(p) != s->l4)
		return false;
	uint32_t thlen;
	const uint8_t *th = qt_pkt_th(p, &thlen);
	switch (s->src) {
	case QT_NFT_SRC_NET:
		if (s->bits)
			return p->data && load_bits(s, p->data, p->len, v);
		if (!p->data || (uint32_t)s->off + s->len > p->len)
			return false;
		memcpy(v, p->data + s->off, s->len);
		return true;
	case QT_NFT_SRC_TH:
		/* transport fields: the first fragment's header only */
		if (s->bits)
			return th && !p->frag_off &&
			       load_bits(s, th, thlen, v);
		if (!th || p->frag_off || (uint32_t)s->off + s->len > thlen)
			return false;
		memcpy(v, th + s->off, s->len);
		return true;
	case QT_NFT_SRC_SCTP_CHUNK:
		return sctp_chunk_read(s, p, v);
	case QT_NFT_SRC_ETHER_SADDR:
		/* no link-layer header (sent from here): the kernel's
		 * load breaks the rule */
		if (ev->hwaddr_len != 6)
			return false;
		memcpy(v, ev->hwaddr, 6);
		return true;
	case QT_NFT_SRC_L4PROTO:
		if (p->no_tproto)
			return false;
		put_be32_n(v, (uint32_t)qt_pkt_tproto(p) << 24, s->len);
		return true;
	case QT_NFT_SRC_NFPROTO:
		put_be32_n(v, (p->family == AF_INET6 ? 10u : 2u) << 24, s->len);
		return true;
	case QT_NFT_SRC_IIFNAME:
	case QT_NFT_SRC_OIFNAME: {
		const char *n = s->src == QT_NFT_SRC_IIFNAME ? ev->in : ev->out;
		if (!n || !*n)
			return false;
		size_t l = strnlen(n, IFNAMSIZ);
		memcpy(v, n, l < s->len ? l : s->len);
		return true;
	}
	case QT_NFT_SRC_IIF:
	case QT_NFT_SRC_OIF: {
		int idx = s->src == QT_NFT_SRC_IIF ? ev->indev : ev->outdev;
		if (!idx)
			return false;
		put_be32_n(v, (uint32_t)idx, s->len);
		return true;
	}
	case QT_NFT_SRC_MARK:
		put_be32_n(v, ev->mark, s->len);
		return true;
	case QT_NFT_SRC_PKTTYPE:
		put_be32_n(v, (uint32_t)pkttype(ev) << 24, s->len);
		return true;
	case QT_NFT_SRC_LEN:
		put_be32_n(v, ev->orig_len, s->len);
		return true;
	case QT_NFT_SRC_PROTOCOL:
		/* skb->protocol: what the packet is in these families */
		v[0] = p->family == AF_INET6 ? 0x86 : 0x08;
		v[1] = p->family == AF_INET6 ? 0xdd : 0x00;
		return true;
	case QT_NFT_SRC_SKUID:
		/* the queue gives the owner exactly when the kernel's
		 * meta sees a full socket with a file */
		if (!ev->has_uid)
			return false;
		put_be32(v, ev->uid);
		return true;
	case QT_NFT_SRC_SKGID:
		if (!ev->has_gid)
			return false;
		put_be32(v, ev->gid);
		return true;
	case QT_NFT_SRC_IIFTYPE:
		return link_type(ev, ev->indev, v);
	case QT_NFT_SRC_OIFTYPE:
		return link_type(ev, ev->outdev, v);
	case QT_NFT_SRC_IIFGROUP:
		return link_group(ev, ev->indev, v);
	case QT_NFT_SRC_OIFGROUP:
		return link_group(ev, ev->outdev, v);
	case QT_NFT_SRC_RANDOM:
		put_be32(v, meta_random());
		return true;
	case QT_NFT_SRC_TIME: {
		uint64_t ns = (uint64_t)ev->wall.tv_sec * 1000000000ull +
			      (uint64_t)ev->wall.tv_nsec;
		for (unsigned i = 0; i < 8; i++)
			v[i] = (uint8_t)(ns >> (56 - 8 * i));
		return true;
	}
	case QT_NFT_SRC_DAY: {
		int64_t secs = (int64_t)ev->wall.tv_sec - 60 * (int64_t)s->tz_min;
		v[0] = (uint8_t)((4 + (uint64_t)secs / 86400) % 7);
		return true;
	}
	case QT_NFT_SRC_PRIORITY:
		put_be32(v, ev->priority);
		return true;
	case QT_NFT_SRC_HOUR:
		/* UTC, as the kernel's time64_to_tm(secs, 0) */
		put_be32(v, (uint32_t)((uint64_t)ev->wall.tv_sec % 86400));
		return true;
	case QT_NFT_SRC_CTSTATE:
		put_be32_n(v, ct_state_bits(ev), s->len);
		return true;
	case QT_NFT_SRC_CTDIR:
	case QT_NFT_SRC_CTEXPIRE:
	case QT_NFT_SRC_CTL3PROTO:
	case QT_NFT_SRC_CTPROTO:
	case QT_NFT_SRC_CTSADDR:
	case QT_NFT_SRC_CTDADDR:
	case QT_NFT_SRC_CTPSRC:
	case QT_NFT_SRC_CTPDST:
	case QT_NFT_SRC_CTZONE:
	case QT_NFT_SRC_CTBYTES:
	case QT_NFT_SRC_CTPKTS:
	case QT_NFT_SRC_CTAVGPKT:
	case QT_NFT_SRC_CTID:
	case QT_NFT_SRC_CTHELPER:
	case QT_NFT_SRC_CTLABEL:
		return ct_load(s, ev, v);
	case QT_NFT_SRC_CTSTATUS:
	case QT_NFT_SRC_CTMARK: {
		const struct qt_ct_entry *e = qt_nft_ct_entry(ev);
		if (!e)
			return false;
		put_be32_n(v, s->src == QT_NFT_SRC_CTMARK ? e->mark : e->status,
			   s->len);
		return true;
	}
	}
	return false;
}

bool qt_nft_part_load(const struct qt_nft_part *s, const struct qt_eval *ev,
		      uint8_t *v)
{
	memset(v, 0, NFT_VAL_MAX);
	return part_read(s, ev, v);
}

static bool is_acct(const struct nft_field *f)
{
	const struct nft_ct_info *in = nft_ct_info(f);
	return in && (in->key == NFT_CTK_BYTES || in->key == NFT_CTK_PACKETS ||
		      in->key == NFT_CTK_AVGPKT);
}

bool qt_nft_stmt_reads_acct(const struct nft_stmt *s)
{
	if (is_acct(s->field) || is_acct(s->src))
		return true;
	for (unsigned i = 0; i < s->ncat; i++)
		if (is_acct(s->cat[i]))
			return true;
	for (unsigned i = 0; i < s->nhkeys; i++)
		if (is_acct(s->hkeys[i]))
			return true;
	return false;
}

bool qt_nft_stmt_reads_ct(const struct nft_stmt *s)
{
	if ((s->field && s->field->base == NFT_B_CT) ||
	    (s->src && s->src->base == NFT_B_CT))
		return true;
	for (unsigned i = 0; i < s->ncat; i++)
		if (s->cat[i]->base == NFT_B_CT)
			return true;
	for (unsigned i = 0; i < s->nhkeys; i++)
		if (s->hkeys[i]->base == NFT_B_CT)
			return true;
	return false;
}

/* ---- compiled matches ---- */

enum key_kind {
	K_FIELDS, K_NUMGEN_RANDOM, K_NUMGEN_INC, K_JHASH, K_FIB_TYPE,
	K_FIB_OIF, K_FIB_OIFNAME
};

enum { FIB_COMPARE, FIB_EXISTS, FIB_MISSING };

struct qt_nft_x {
	uint8_t kind;               /* enum key_kind */
	/* the fields read (K_FIELDS, K_JHASH): each at its offset in
	 * the key, padded to 32-bit words when there are several */
	struct qt_nft_part parts[NFT_CONCAT_MAX];
	uint8_t poff[NFT_CONCAT_MAX];
	unsigned nparts;
	uint8_t flen;               /* bytes the fields make */
	bool word;                  /* packed, read by load_word */
	uint8_t klen;               /* the key's bytes */
	/* a bitwise operation on the key (one field) */
	uint8_t bitop;
	uint8_t mask[NFT_VAL_MAX];
	/* numgen, jhash */
	uint32_t mod, offset, seed;
	uint64_t *counter;
	/* fib */
	unsigned fib_flags;
	uint8_t fib_test;           /* FIB_EXISTS, FIB_MISSING: no compare */
	/* the compare */
	uint8_t op;                 /* enum nft_op */
	struct qt_nft_lookup *lk;   /* a set or map; else lo/hi */
	uint8_t lo[NFT_VAL_MAX], hi[NFT_VAL_MAX];
	/* a verdict map: its lookup answers the verdict and the chain
	 * (vmap_values), the chain counted from chain_base */
	uint32_t chain_base;
	bool vmap;
	/* a map of values (mark set ... map): per element */
	uint32_t *values;
	/* the catch-all element (`*`): what a key the lookup misses
	 * finds, a set's match, a verdict map's verdict (as vmap_values
	 * packs it) or a map's value in def */
	bool has_def;
	uint32_t def;
	bool uses_ct, uses_pkttype;
};

bool qt_nft_x_wanted(const struct nft_stmt *s)
{
	return s->lhs != NFT_L_FIELD || s->ncat || s->vmap || s->braces ||
	       s->set_name || s->bitop != NFT_BIT_NONE;
}

static const struct nft_set *find_set(const struct nft_table *t,
				      const char *name)
{
	for (unsigned i = 0; i < t->nsets; i++)
		if (!strcmp(t->sets[i].name, name))
			return &t->sets[i];
	return NULL;
}

void qt_nft_x_targets(const struct nft_stmt *s, const struct nft_table *t,
		      void (*fn)(const char *chain, void *user), void *user)
{
	if (!s->vmap)
		return;
	const struct nft_elem *el = s->elems;
	unsigned n = s->nelems;
	if (s->set_name) {
		const struct nft_set *set = find_set(t, s->set_name);
		el = set ? set->elems : NULL;
		n = set ? set->nelems : 0;
	}
	for (unsigned i = 0; i < n; i++)
		if (el[i].has_data && el[i].chain &&
		    (el[i].verdict == NFT_V_JUMP || el[i].verdict == NFT_V_GOTO))
			fn(el[i].chain, user);
}

static int refuse(struct qt_buf *err, const char *what)
{
	qt_buf_printf(err, "Error: qtables cannot run %s; ", what);
	return -1;
}

/* The fields of the key: s->field and s->cat[], or jhash's. */
static int compile_fields(struct qt_nft_x *x, const struct nft_field *const *f,
			  unsigned n, struct qt_buf *err)
{
	unsigned off = 0;
	for (unsigned i = 0; i < n; i++) {
		if (qt_nft_part_compile(&x->parts[i], f[i]) < 0) {
			qt_nft_part_refuse(f[i], err);
			return -1;
		}
		/* a part's element bytes are as long as its type's */
		if (n > 1 && nft_dtype_get(f[i]->type)->bits != f[i]->bits)
			return refuse(err, "this field in a concatenation");
		if (x->parts[i].src >= QT_NFT_SRC_CTSTATE)
			x->uses_ct = true;
		if (x->parts[i].src == QT_NFT_SRC_PKTTYPE)
			x->uses_pkttype = true;
		x->poff[i] = (uint8_t)off;
		off += n > 1 ? (x->parts[i].len + 3u) / 4 * 4 : x->parts[i].len;
		if (off > QT_NFT_KEY_MAX)
			return refuse(err, "keys this long");
	}
	x->nparts = n;
	x->flen = (uint8_t)off;
	return 0;
}

static int compile_key(struct qt_nft_x *x, const struct nft_stmt *s,
		       uint64_t *slot, uint8_t family, struct qt_buf *err)
{
	switch (s->lhs) {
	case NFT_L_FIELD: {
		const struct nft_field *f[NFT_CONCAT_MAX];
		f[0] = s->field;
		for (unsigned i = 0; i < s->ncat; i++)
			f[i + 1] = s->cat[i];
		x->kind = K_FIELDS;
		if (compile_fields(x, f, 1 + s->ncat, err) < 0)
			return -1;
		x->klen = x->flen;
		if (s->bitop != NFT_BIT_NONE) {
			if (s->ncat)
				return refuse(err, "a bitwise operation on a "
					      "concatenation");
			x->bitop = (uint8_t)s->bitop;
			qt_nft_val_fit(x->mask, x->klen, &s->mask, false);
		}
		return 0;
	}
	case NFT_L_NUMGEN:
		if (!s->mod)
			return refuse(err, "numgen mod 0");
		x->kind = s->numgen_inc ? K_NUMGEN_INC : K_NUMGEN_RANDOM;
		x->mod = s->mod;
		x->offset = s->offset;
		x->counter = slot;
		x->klen = 4;
		return 0;
	case NFT_L_JHASH:
		if (!s->mod)
			return refuse(err, "jhash mod 0");
		x->kind = K_JHASH;
		if (compile_fields(x, s->hkeys, s->nhkeys, err) < 0)
			return -1;
		x->mod = s->mod;
		x->offset = s->offset;
		if (s->has_seed) {
			x->seed = s->seed;
		} else {
			/* the kernel draws a seed for the rule: one the
			 * rule's runtime keeps across commits */
			if (!*slot) {
				uint64_t r = 0;
				if (getrandom(&r, sizeof(r), GRND_NONBLOCK) !=
				    (ssize_t)sizeof(r))
					r = (uint64_t)random() << 31 ^
					    (uint64_t)random();
				*slot = r | 1ull << 62;
			}
			x->seed = (uint32_t)*slot;
		}
		x->klen = 4;
		return 0;
	case NFT_L_SYMHASH:
		/* the kernel's flow hash (skb_get_hash), whose key and
		 * boot-time seed user space does not know */
		return refuse(err, "symhash (the kernel's flow hash of the "
			      "packet is not known in user space)");
	case NFT_L_FIB:
		/* IPv4 and IPv6 alike: the packet's family picks the
		 * lookup */
		(void)family;
		x->kind = s->fib_result == NFT_FIB_R_TYPE ? K_FIB_TYPE
			  : s->fib_result == NFT_FIB_R_OIF ? K_FIB_OIF
			  : K_FIB_OIFNAME;
		x->fib_flags = s->fib_flags;
		x->klen = x->kind == K_FIB_OIFNAME ? IFNAMSIZ : 4;
		return 0;
	}
	return refuse(err, "this expression");
}

/* The elements into lookup keys: one field's values fitted to its
 * length (prefixes to their ends), or a concatenation's as the model
 * lays them out (parts at the key's offsets). */
static void elem_key(const struct qt_nft_x *x, const struct nft_elem *e,
		     bool name, struct qt_nft_lkey *k)
{
	memset(k, 0, sizeof(*k));
	const struct nft_val *hi = e->kind == NFT_E_VALUE ? &e->lo : &e->hi;
	struct nft_val top;
	if (e->kind == NFT_E_PREFIX && x->nparts == 1) {
		nft_val_prefix(&e->lo, e->plen, true, &top);
		hi = &top;
	}
	if (x->kind == K_FIELDS && x->nparts > 1) {
		memcpy(k->lo, e->lo.b, e->lo.len < x->klen ? e->lo.len : x->klen);
		memcpy(k->hi, hi->b, hi->len < x->klen ? hi->len : x->klen);
		return;
	}
	qt_nft_val_fit(k->lo, x->klen, &e->lo, name);
	qt_nft_val_fit(k->hi, x->klen, hi, name);
}

static bool is_wildcard(const uint8_t *n)
{
	size_t l = strnlen((const char *)n, IFNAMSIZ);
	return l && n[l - 1] == '*' && !(l >= 2 && n[l - 2] == '\\');
}

static int chain_index(const struct nft_table *t, const char *name,
		       uint32_t *out, struct qt_buf *err)
{
	for (unsigned ci = 0; ci < t->nchains; ci++)
		if (!strcmp(t->chains[ci].name, name) && !t->chains[ci].base) {
			*out = ci;
			return 0;
		}
	qt_buf_printf(err, "Error: no chain %s to jump to; ", name);
	return -1;
}

/* A verdict map's answers: the verdict in the low byte, the chain of a
 * jump or goto (its index in the table) above it. */
#define VMAP_CHAIN_MAX (UINT32_C(1) << 22)

static int vmap_values(const struct nft_table *t, const struct nft_elem *el,
		       unsigned nel, uint32_t *vals, struct qt_buf *err)
{
	for (unsigned i = 0; i < nel; i++) {
		uint32_t ci = 0;
		if (!el[i].has_data)
			return refuse(err, "a verdict map element without "
				      "a verdict");
		if ((el[i].verdict == NFT_V_JUMP || el[i].verdict == NFT_V_GOTO) &&
		    chain_index(t, el[i].chain, &ci, err) < 0)
			return -1;
		if (ci >= VMAP_CHAIN_MAX)
			return refuse(err, "a verdict map of this many chains");
		vals[i] = ci << 8 | (uint8_t)el[i].verdict;
	}
	return 0;
}

/* A concatenation whose fields' bytes fit in 8 (ipv4_addr .
 * inet_proto . inet_service: 4 + 1 + 2) is looked up by those bytes
 * alone, not by the 32-bit words the kernel's registers pad each part
 * to: one word to hash and compare for the packet's key and the
 * elements'. Only exact elements whose padding is zero (a packet's
 * always is), so that the packed keys match as the padded ones do. */
static void pack_keys(struct qt_nft_x *x, const struct nft_elem *el,
		      struct qt_nft_lkey *keys, unsigned nel)
{
	if (x->kind != K_FIELDS || x->nparts < 2 || x->bitop != NFT_BIT_NONE ||
	    x->klen <= 8)
		return;
	unsigned sig = 0;
	for (unsigned i = 0; i < x->nparts; i++)
		sig += x->parts[i].len;
	if (sig > 8)
		return;
	for (unsigned i = 0; i < nel; i++) {
		if (el[i].kind != NFT_E_VALUE ||
		    memcmp(keys[i].lo, keys[i].hi, x->klen))
			return;
		for (unsigned p = 0; p < x->nparts; p++) {
			unsigned end = p + 1 < x->nparts ? x->poff[p + 1] : x->klen;
			for (unsigned b = x->poff[p] + x->parts[p].len; b < end; b++)
				if (keys[i].lo[b])
					return;
		}
	}
	uint8_t off[NFT_CONCAT_MAX];
	for (unsigned p = 0, o = 0; p < x->nparts; o += x->parts[p++].len)
		off[p] = (uint8_t)o;
	for (unsigned i = 0; i < nel; i++) {
		uint8_t k[8] = { 0 };
		for (unsigned p = 0; p < x->nparts; p++)
			memcpy(k + off[p], keys[i].lo + x->poff[p], x->parts[p].len);
		memset(keys[i].lo, 0, x->klen);
		memcpy(keys[i].lo, k, 8);
		memcpy(keys[i].hi, k, 8);
	}
	memcpy(x->poff, off, x->nparts);
	x->flen = x->klen = 8;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x->word = true;
	for (unsigned p = 0; p < x->nparts; p++) {
		const struct qt_nft_part *q = &x->parts[p];
		if (!(((q->src == QT_NFT_SRC_NET || q->src == QT_NFT_SRC_TH) &&
		       (q->len == 1 || q->len == 2 || q->len == 4)) ||
		      (q->src == QT_NFT_SRC_L4PROTO && q->len == 1)))
			x->word = false;
	}
#endif
}

static int compile_elems_of(struct qt_nft_x *x, const struct nft_stmt *s,
			    const struct nft_table *t, bool name,
			    const struct nft_elem *el, unsigned nel,
			    struct qt_buf *err);

/* The elements of s: compared (one value or range), looked up (a set),
 * or a map's keys with their verdicts (vmap) or values (value_map, the
 * key read by key_field). */
static int compile_elems(struct qt_nft_x *x, const struct nft_stmt *s,
			 const struct nft_table *t,
			 const struct nft_field *key_field, struct qt_buf *err)
{
	const struct nft_elem *el = s->elems;
	unsigned nel = s->nelems;
	bool set_like = s->braces || s->set_name || s->vmap || s->value_map;
	if (s->set_name) {
		const struct nft_set *set = find_set(t, s->set_name);
		if (!set)
			return refuse(err, "a lookup in a set that is not "
				      "there");
		/* a set packets fill or whose elements expire is looked
		 * up through its runtime (engine/nft_dynset.h), which
		 * takes one field's key: in this form it is refused
		 * rather than judged by the elements of its commit */
		if ((set->flags & NFT_SET_TIMEOUT) || qt_dynset_wanted(t, set))
			return refuse(err, "a set that packets fill or whose "
				      "elements expire in this lookup yet");
		if (s->vmap && (!set->map || set->data_type))
			return refuse(err, "a verdict map of no verdicts");
		if (s->value_map && (!set->map || !set->data_type))
			return refuse(err, "a map of no values");
		el = set->elems;
		nel = set->nelems;
	}
	bool name = key_field->type == NFT_T_IFNAME &&
		    (x->kind == K_FIB_OIFNAME ||
		     (x->kind == K_FIELDS && x->nparts == 1));
	/* the catch-all element answers a miss: the others are looked
	 * up without it */
	const struct nft_elem *def = NULL;
	struct nft_elem *rest = NULL;
	for (unsigned i = 0; i < nel; i++)
		if (el[i].catchall)
			def = &el[i];
	if (def && !set_like)
		return refuse(err, "the catch-all element in this compare");
	if (def) {
		rest = malloc((nel ? nel : 1) * sizeof(*rest));
		if (!rest)
			return refuse(err, "this: out of memory");
		unsigned k = 0;
		for (unsigned i = 0; i < nel; i++)
			if (!el[i].catchall)
				rest[k++] = el[i];
		x->has_def = true;
		int rc = 0;
		if (s->vmap)
			rc = vmap_values(t, def, 1, &x->def, err);
		else if (s->value_map && !def->has_data)
			rc = refuse(err, "a map element without a value");
		else if (s->value_map) {
			uint8_t v[4] = { 0 };
			qt_nft_val_fit(v, 4, &def->data, false);
			x->def = get_be32(v);
		}
		if (rc < 0) {
			free(rest);
			return -1;
		}
		int r2 = compile_elems_of(x, s, t, name, rest, k, err);
		free(rest);
		return r2;
	}
	return compile_elems_of(x, s, t, name, el, nel, err);
}

static int compile_elems_of(struct qt_nft_x *x, const struct nft_stmt *s,
			    const struct nft_table *t, bool name,
			    const struct nft_elem *el, unsigned nel,
			    struct qt_buf *err)
{
	bool set_like = s->braces || s->set_name || s->vmap || s->value_map;
	if (!set_like) {
		if (nel != 1)
			return refuse(err, "this compare");
		struct qt_nft_lkey k;
		elem_key(x, &el[0], name, &k);
		if (name && is_wildcard(k.lo))
			return refuse(err, "an interface wildcard here");
		memcpy(x->lo, k.lo, x->klen);
		memcpy(x->hi, k.hi, x->klen);
		return 0;
	}
	struct qt_nft_lkey *keys = calloc(nel ? nel : 1, sizeof(*keys));
	if (!keys)
		return refuse(err, "this: out of memory");
	for (unsigned i = 0; i < nel; i++) {
		if (name && el[i].lo.len > x->klen) {
			free(keys);
			return refuse(err, "an interface name this long");
		}
		elem_key(x, &el[i], name, &keys[i]);
		if (name && is_wildcard(keys[i].lo)) {
			free(keys);
			return refuse(err, "interface wildcards in a set");
		}
	}
	pack_keys(x, el, keys, nel);
	uint8_t plens[NFT_CONCAT_MAX];
	for (unsigned i = 0; i < x->nparts; i++)
		plens[i] = (uint8_t)(i + 1 < x->nparts
				     ? x->poff[i + 1] - x->poff[i]
				     : x->klen - x->poff[i]);
	bool concat = x->kind == K_FIELDS && x->nparts > 1;
	bool map = s->vmap || s->value_map;
	if (s->vmap) {
		/* the verdict and its chain kept in the slot beside the
		 * key: a hit reads no array of its own */
		uint32_t *vals = calloc(nel ? nel : 1, sizeof(*vals));
		int rc = vals ? vmap_values(t, el, nel, vals, err) : -1;
		if (!rc)
			x->lk = qt_nft_lookup_build_map(
				x->klen, keys, nel, concat ? plens : NULL,
				concat ? x->nparts : 0, vals);
		free(vals);
		free(keys);
		if (rc < 0)
			return vals ? -1 : refuse(err, "this map: out of memory");
		if (!x->lk)
			return refuse(err, "this map: out of memory");
		x->vmap = true;
		return 0;
	}
	x->lk = qt_nft_lookup_build(x->klen, keys, nel, concat ? plens : NULL,
				    concat ? x->nparts : 0, !map);
	free(keys);
	if (!x->lk)
		return refuse(err, "this set: out of memory");
	if (s->value_map) {
		x->values = calloc(nel ? nel : 1, sizeof(*x->values));
		if (!x->values)
			return refuse(err, "this map: out of memory");
		for (unsigned i = 0; i < nel; i++) {
			uint8_t v[4] = { 0 };
			if (!el[i].has_data)
				return refuse(err, "a map element without a "
					      "value");
			qt_nft_val_fit(v, 4, &el[i].data, false);
			x->values[i] = get_be32(v);
		}
		return 0;
	}
	return 0;
}

struct qt_nft_x *qt_nft_x_compile(const struct nft_stmt *s,
				  const struct nft_table *t, uint64_t *slot,
				  uint8_t family, struct qt_buf *err)
{
	struct qt_nft_x *x = calloc(1, sizeof(*x));
	if (!x) {
		refuse(err, "this: out of memory");
		return NULL;
	}
	x->op = (uint8_t)s->op;
	if (compile_key(x, s, slot, family, err) < 0)
		goto fail;
	if (s->lhs == NFT_L_FIB && !s->nelems && !s->set_name && !s->braces &&
	    !s->vmap) {
		/* fib ... oif missing / exists */
		if (x->kind == K_FIB_TYPE) {
			refuse(err, "fib's type with missing or exists");
			goto fail;
		}
		x->kind = K_FIB_OIF;
		x->klen = 4;
		x->fib_test = s->fib_exists ? FIB_EXISTS : FIB_MISSING;
		return x;
	}
	if (compile_elems(x, s, t, s->field, err) < 0)
		goto fail;
	return x;
fail:
	qt_nft_x_free(x);
	return NULL;
}

void qt_nft_x_free(struct qt_nft_x *x)
{
	if (!x)
		return;
	qt_nft_lookup_free(x->lk);
	free(x->values);
	free(x);
}

void qt_nft_x_rebase(struct qt_nft_x *x, uint32_t first)
{
	x->chain_base += first;
}

bool qt_nft_x_uses_ct(const struct qt_nft_x *x)
{
	return x->uses_ct;
}

bool qt_nft_x_uses_pkttype(const struct qt_nft_x *x)
{
	return x->uses_pkttype;
}

/* The kernel's reciprocal_scale: v spread over [0, n). */
static uint32_t scale(uint32_t v, uint32_t n)
{
	return (uint32_t)(((uint64_t)v * n) >> 32);
}

/* Per thread, as the kernel's per-CPU prandom state: xorshift64*. */
static uint32_t thread_random(uint64_t seed)
{
	static _Thread_local uint64_t st;
	if (!st)
		st = (seed ^ (uint64_t)(uintptr_t)&st) | 1;
	st ^= st >> 12;
	st ^= st << 25;
	st ^= st >> 27;
	return (uint32_t)((st * 0x2545f4914f6cdd1dull) >> 32);
}

/* numgen inc: the kernel's nft_ng_inc_gen, the counter going round
 * mod; several threads judge packets, so a compare-and-swap. */
static uint32_t next_inc(uint64_t *c, uint32_t mod)
{
	uint64_t o = __atomic_load_n(c, __ATOMIC_RELAXED), n;
	do {
		/* the kernel's counter starts at mod - 1: the first
		 * packet gets 0; held here as count + 1 (0: not yet) */
		uint32_t cur = o ? (uint32_t)(o - 1) % mod : mod - 1;
		n = (uint64_t)(cur + 1 < mod ? cur + 1 : 0) + 1;
	} while (!__atomic_compare_exchange_n(c, &o, n, false,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return (uint32_t)(n - 1);
}

/* A packed key (pack_keys) of header fields and the protocol, as
 * part_read reads them, put together in a register and stored as one
 * word: the lookup's load of the word then takes it from that store,
 * where a word loaded over the narrower stores of each part waits for
 * them to reach the cache. Little-endian: byte i of the key is bits
 * 8i to 8i + 7. */
static bool load_word(const struct qt_nft_x *x, const struct qt_eval *ev,
		      uint8_t *key)
{
	const struct qt_pkt *p = &ev->pkt;
	uint64_t k = 0;
	for (unsigned i = 0; i < x->nparts; i++) {
		const struct qt_nft_part *s = &x->parts[i];
		if ((s->dep == 4 && p->family != AF_INET) ||
		    (s->dep == 6 && p->family != AF_INET6) ||
		    (s->l4 >= 0 && qt_pkt_tproto(p) != s->l4))
			return false;
		const uint8_t *src;
		uint64_t w;
		if (s->src == QT_NFT_SRC_NET) {
			if (!p->data || (uint32_t)s->off + s->len > p->len)
				return false;
			src = p->data + s->off;
		} else if (s->src == QT_NFT_SRC_TH) {
			uint32_t thlen;
			const uint8_t *th = qt_pkt_th(p, &thlen);
			if (!th || p->frag_off ||
			    (uint32_t)s->off + s->len > thlen)
				return false;
			src = th + s->off;
		} else {
			if (p->no_tproto)
				return false;
			k |= (uint64_t)qt_pkt_tproto(p) << (8 * x->poff[i]);
			continue;
		}
		if (s->len == 4) {
			uint32_t v;
			memcpy(&v, src, 4);
			w = v;
		} else if (s->len == 2) {
			uint16_t v;
			memcpy(&v, src, 2);
			w = v;
		} else {
			w = src[0];
		}
		k |= w << (8 * x->poff[i]);
	}
	memcpy(key, &k, 8);
	return true;
}

static bool load_fields(const struct qt_nft_x *x, const struct qt_eval *ev,
			uint8_t *key)
{
	if (x->word)
		return load_word(x, ev, key);
	/* each part read in place: no copy of each through a buffer of
	 * its own (kube-proxy's maps have three parts a packet). A short
	 * key is zeroed by a fixed 16 bytes (key holds NFT_VAL_MAX): a
	 * length known only here becomes a string store whose start-up
	 * costs more than the whole lookup of a small set. */
	if (x->flen <= 16)
		memset(key, 0, 16);
	else
		memset(key, 0, x->flen);
	for (unsigned i = 0; i < x->nparts; i++)
		if (!part_read(&x->parts[i], ev, key + x->poff[i]))
			return false;
	return true;
}

static uint32_t fib_type(const struct qt_nft_x *x, const struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	struct in_addr a = x->fib_flags & NFT_FIB_DADDR ? p->daddr.v4
							 : p->saddr.v4;
	int dev = x->fib_flags & NFT_FIB_IIF ? ev->indev
		  : x->fib_flags & NFT_FIB_OIF ? ev->outdev : 0;
	if (ev->env && ev->env->addrs)
		return qt_addrs_type(ev->env->addrs, a, dev);
	/* without the host's routes: what needs none */
	uint32_t h = ntohl(a.s_addr);
	if (h == 0 || h == 0xffffffffu)
		return RTN_BROADCAST;
	if ((h & 0xf0000000u) == 0xe0000000u)
		return RTN_MULTICAST;
	return RTN_UNICAST;
}

/* nft_fib4_eval: the device the route to daddr (or back to saddr)
 * leaves by, or with iif or oif given that device when the route uses
 * it; 0 when there is none (no route, a local one, one that fails). */
static int fib_oif(const struct qt_nft_x *x, const struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	const struct qt_engine_env *env = ev->env;
	int dev = x->fib_flags & NFT_FIB_OIF ? ev->outdev
		  : x->fib_flags & NFT_FIB_IIF ? ev->indev : -1;
	/* a packet looped back on the host: its own device */
	if (ev->hook == QT_HOOK_PRE_ROUTING && env && env->links &&
	    ev->indev && qt_links_flags(env->links, ev->indev) & IFF_LOOPBACK)
		return ev->indev;
	uint32_t s = ntohl(p->saddr.v4.s_addr), d = ntohl(p->daddr.v4.s_addr);
	if (!(s & 0xff000000u) &&
	    (d == 0xffffffffu || (d & 0xffffff00u) == 0xe0000000u))
		return ev->indev ? ev->indev : ev->outdev;
	unsigned type;
	int oif;
	struct in_addr a = x->fib_flags & NFT_FIB_DADDR ? p->daddr.v4
							 : p->saddr.v4;
	if (!env || !env->addrs ||
	    qt_addrs_route_of(env->addrs, a, &type, &oif) < 0)
		return 0;
	switch (type) {
	case RTN_UNICAST: case RTN_BROADCAST: case RTN_ANYCAST:
	case RTN_MULTICAST:
		break;
	default:        /* local; blackhole, unreachable, prohibit, throw
			   (the lookup fails): no result */
		return 0;
	}
	if (dev < 0)
		return oif;
	return dev && oif == dev ? dev : 0;
}

/* nft_fib6_flowi_init: the address looked up (daddr, or saddr back)
 * and the device a link-local one is looked up on (else 0). */
static const struct in6_addr *fib6_addr(const struct qt_nft_x *x,
					const struct qt_eval *ev, int dev,
					int *oif)
{
	const struct qt_pkt *p = &ev->pkt;
	const struct in6_addr *a = x->fib_flags & NFT_FIB_DADDR ? &p->daddr.v6
							       : &p->saddr.v6;
	*oif = 0;
	if (IN6_IS_ADDR_LINKLOCAL(a))
		*oif = dev > 0 ? dev : ev->indev ? ev->indev : ev->outdev;
	return a;
}

/* __nft_fib6_eval_type: RTN_LOCAL for an address of iif or oif when
 * given; else the route's answer: a failing one (blackhole, prohibit,
 * unreachable, throw, none) its error's type, anycast, a local route
 * when no device was given; else multicast, loopback (local) or
 * unicast by the address itself. */
static uint32_t fib6_type(const struct qt_nft_x *x, const struct qt_eval *ev)
{
	int dev = x->fib_flags & NFT_FIB_IIF ? ev->indev
		  : x->fib_flags & NFT_FIB_OIF ? ev->outdev : 0;
	int oif;
	const struct in6_addr *a = fib6_addr(x, ev, dev, &oif);
	const struct qt_addrs *ad = ev->env ? ev->env->addrs : NULL;
	uint32_t ret = 0;
	if (dev && ad && qt_addrs_dev_has6(ad, a, dev))
		ret = RTN_LOCAL;
	unsigned type;
	int rdev;
	bool anycast;
	if (!ad || qt_addrs_route6_of(ad, a, oif, &type, &rdev, &anycast) < 0)
		return RTN_UNREACHABLE;
	switch (type) {
	case RTN_BLACKHOLE: return RTN_BLACKHOLE;      /* -EINVAL */
	case RTN_PROHIBIT: return RTN_PROHIBIT;        /* -EACCES */
	case RTN_UNREACHABLE: case RTN_THROW: return RTN_UNREACHABLE;
	default: break;
	}
	if (anycast)
		ret = RTN_ANYCAST;
	else if (!dev && type == RTN_LOCAL)
		ret = RTN_LOCAL;
	if (ret)
		return ret;
	if (a->s6_addr[0] == 0xff)
		return RTN_MULTICAST;
	if (IN6_IS_ADDR_LOOPBACK(a))
		return RTN_LOCAL;
	return RTN_UNICAST;
}

/* nft_fib6_eval: the device of the route, or with iif or oif given
 * that device when the route uses it; 0 when there is none (no route,
 * a failing, anycast or local one). */
static int fib6_oif(const struct qt_nft_x *x, const struct qt_eval *ev)
{
	const struct qt_engine_env *env = ev->env;
	int dev = x->fib_flags & NFT_FIB_IIF ? ev->indev
		  : x->fib_flags & NFT_FIB_OIF ? ev->outdev : -1;
	/* a packet looped back on the host: its own device */
	if (ev->hook == QT_HOOK_PRE_ROUTING && env && env->links &&
	    ev->indev && qt_links_flags(env->links, ev->indev) & IFF_LOOPBACK)
		return ev->indev;
	int oif;
	const struct in6_addr *a = fib6_addr(x, ev, dev > 0 ? dev : 0, &oif);
	unsigned type;
	int rdev;
	bool anycast;
	if (!env || !env->addrs ||
	    qt_addrs_route6_of(env->addrs, a, oif, &type, &rdev, &anycast) < 0)
		return 0;
	if ((type != RTN_UNICAST && type != RTN_MULTICAST) || anycast)
		return 0;
	if (dev < 0)
		return rdev;
	return dev && rdev == dev ? dev : 0;
}

static bool load_key(const struct qt_nft_x *x, const struct qt_eval *ev,
		     uint8_t *key)
{
	switch (x->kind) {
	case K_FIELDS:
		if (!load_fields(x, ev, key))
			return false;
		for (unsigned i = 0; x->bitop != NFT_BIT_NONE && i < x->klen; i++)
			key[i] = x->bitop == NFT_BIT_AND ? key[i] & x->mask[i]
			       : x->bitop == NFT_BIT_OR ? key[i] | x->mask[i]
			       : key[i] ^ x->mask[i];
		return true;
	case K_NUMGEN_RANDOM:
		put_be32(key, scale(thread_random(ev->now_ns), x->mod) +
			 x->offset);
		return true;
	case K_NUMGEN_INC:
		put_be32(key, next_inc(x->counter, x->mod) + x->offset);
		return true;
	case K_JHASH: {
		uint8_t in[NFT_VAL_MAX];
		if (!load_fields(x, ev, in))
			return false;
		put_be32(key, scale(qt_nat_jhash(in, x->flen, x->seed), x->mod) +
			 x->offset);
		return true;
	}
	case K_FIB_TYPE:
		if (ev->pkt.family != AF_INET && ev->pkt.family != AF_INET6)
			return false;
		put_be32(key, ev->pkt.family == AF_INET6 ? fib6_type(x, ev)
							 : fib_type(x, ev));
		return true;
	case K_FIB_OIF:
	case K_FIB_OIFNAME: {
		if (ev->pkt.family != AF_INET && ev->pkt.family != AF_INET6)
			return false;
		int oif = ev->pkt.family == AF_INET6 ? fib6_oif(x, ev)
						     : fib_oif(x, ev);
		if (x->kind == K_FIB_OIF) {
			put_be32(key, (uint32_t)oif);
			return true;
		}
		memset(key, 0, IFNAMSIZ);
		const struct qt_links *l = ev->env ? ev->env->links : NULL;
		if (oif && l) {
			/* copied inside a read section of its own */
			unsigned tok = qt_links_read_begin(l);
			const char *n = qt_links_name_in_section(l, oif);
			memcpy(key, n, strnlen(n, IFNAMSIZ));
			qt_links_read_end(l, tok);
		}
		return true;
	}
	}
	return false;
}

int qt_nft_x_run(const struct qt_nft_x *x, const struct qt_eval *ev,
		 uint8_t *verdict, uint32_t *chain)
{
	uint8_t key[NFT_VAL_MAX];
	if (!load_key(x, ev, key))
		return QT_NFT_X_NO;
	bool in;
	if (x->fib_test) {
		in = memcmp(key, "\0\0\0\0", 4) != 0;
		return in == (x->fib_test == FIB_EXISTS) ? QT_NFT_X_YES
							 : QT_NFT_X_NO;
	}
	if (x->lk) {
		int32_t i = qt_nft_lookup_find(x->lk, key);
		if (i < 0 && x->has_def)
			i = (int32_t)x->def;     /* 0 for a set */
		if (x->vmap) {
			if (i < 0)
				return QT_NFT_X_NO;
			*verdict = (uint8_t)i;
			*chain = x->chain_base + ((uint32_t)i >> 8);
			return QT_NFT_X_VERDICT;
		}
		in = i >= 0;
	} else {
		int c = memcmp(key, x->lo, x->klen);
		switch (x->op) {
		case NFT_OP_LT: return c < 0 ? QT_NFT_X_YES : QT_NFT_X_NO;
		case NFT_OP_GT: return c > 0 ? QT_NFT_X_YES : QT_NFT_X_NO;
		case NFT_OP_LE: return c <= 0 ? QT_NFT_X_YES : QT_NFT_X_NO;
		case NFT_OP_GE: return c >= 0 ? QT_NFT_X_YES : QT_NFT_X_NO;
		default: break;
		}
		in = c >= 0 && memcmp(key, x->hi, x->klen) <= 0;
	}
	if (x->op == NFT_OP_NE)
		in = !in;
	return in ? QT_NFT_X_YES : QT_NFT_X_NO;
}

/* ---- mark set from a map ---- */

struct qt_nft_x *qt_nft_x_compile_map(const struct nft_stmt *s,
				      const struct nft_table *t,
				      struct qt_buf *err)
{
	struct qt_nft_x *x = calloc(1, sizeof(*x));
	if (!x) {
		refuse(err, "this: out of memory");
		return NULL;
	}
	const struct nft_field *f[NFT_CONCAT_MAX];
	f[0] = s->src;
	for (unsigned i = 0; i < s->ncat; i++)
		f[i + 1] = s->cat[i];
	x->kind = K_FIELDS;
	if (!s->src || compile_fields(x, f, 1 + s->ncat, err) < 0)
		goto fail;
	x->klen = x->flen;
	if (s->bitop != NFT_BIT_NONE) {
		/* the key masked: one field's */
		if (s->ncat) {
			refuse(err, "a bitwise operation on a concatenation");
			goto fail;
		}
		x->bitop = (uint8_t)s->bitop;
		qt_nft_val_fit(x->mask, x->klen, &s->mask, false);
	}
	if (compile_elems(x, s, t, s->src, err) < 0)
		goto fail;
	return x;
fail:
	qt_nft_x_free(x);
	return NULL;
}

struct qt_nft_x *qt_nft_x_compile_num(const struct nft_stmt *s,
				      uint64_t *slot, uint8_t family,
				      struct qt_buf *err)
{
	struct qt_nft_x *x = calloc(1, sizeof(*x));
	if (!x) {
		refuse(err, "this: out of memory");
		return NULL;
	}
	bool num = s->lhs == NFT_L_NUMGEN || s->lhs == NFT_L_JHASH ||
		   s->lhs == NFT_L_SYMHASH;
	if (!num || compile_key(x, s, slot, family, err) < 0) {
		if (!num)
			refuse(err, "this value");
		qt_nft_x_free(x);
		return NULL;
	}
	return x;
}

bool qt_nft_x_value(const struct qt_nft_x *x, const struct qt_eval *ev,
		    uint32_t *out)
{
	uint8_t key[NFT_VAL_MAX];
	if (!x->lk) {
		/* numgen or jhash: the number itself */
		if (!load_key(x, ev, key))
			return false;
		*out = get_be32(key);
		return true;
	}
	if (!load_key(x, ev, key))
		return false;
	int32_t i = qt_nft_lookup_find(x->lk, key);
	if (i < 0 && x->has_def) {
		*out = x->def;
		return true;
	}
	if (i < 0)
		return false;
	*out = x->values[i];
	return true;
}

/* ---- mark set from a field ---- */

int qt_nft_xset_compile(struct qt_nft_xset *x, const struct nft_stmt *s,
			struct qt_buf *err)
{
	memset(x, 0, sizeof(*x));
	if (!s->src || qt_nft_part_compile(&x->src, s->src) < 0 ||
	    x->src.len != 4)
		return refuse(err, "a mark set from this field");
	uint8_t m[4] = { 0 };
	qt_nft_val_fit(m, 4, &s->mask, false);
	x->op = (uint8_t)s->bitop;
	x->mask = get_be32(m);
	x->shift_op = s->shift_op;
	x->shift = (uint8_t)s->shift;
	return 0;
}

bool qt_nft_xset_value(const struct qt_nft_xset *x, const struct qt_eval *ev,
		       uint32_t *out)
{
	uint8_t v[NFT_VAL_MAX];
	if (!qt_nft_part_load(&x->src, ev, v))
		return false;
	uint32_t a = get_be32(v);
	switch (x->op) {
	case NFT_BIT_AND: a &= x->mask; break;
	case NFT_BIT_OR: a |= x->mask; break;
	case NFT_BIT_XOR: a ^= x->mask; break;
	default: break;
	}
	if (x->shift_op == 1)
		a <<= x->shift;
	else if (x->shift_op == 2)
		a >>= x->shift;
	*out = a;
	return true;
}

/* ---- the element a key finds: nat maps ---- */

struct qt_nft_x *qt_nft_x_compile_index(const struct nft_stmt *s,
					const struct nft_table *t,
					uint64_t *slot, uint8_t family,
					const struct nft_elem **elems,
					unsigned *nelems, struct qt_buf *err)
{
	struct qt_nft_x *x = calloc(1, sizeof(*x));
	struct qt_nft_lkey *keys = NULL;
	if (!x) {
		refuse(err, "this: out of memory");
		return NULL;
	}
	if (compile_key(x, s, slot, family, err) < 0)
		goto fail;
	if (x->kind != K_FIELDS && x->kind != K_NUMGEN_INC &&
	    x->kind != K_NUMGEN_RANDOM && x->kind != K_JHASH) {
		refuse(err, "this key in a map");
		goto fail;
	}
	const struct nft_elem *el = s->elems;
	unsigned nel = s->nelems;
	if (s->set_name) {
		const struct nft_set *set = find_set(t, s->set_name);
		if (!set) {
			refuse(err, "a lookup in a map that is not there");
			goto fail;
		}
		/* elements packets add or that expire are not in the
		 * commit's copy: refused rather than judged by it */
		if ((set->flags & NFT_SET_TIMEOUT) || qt_dynset_wanted(t, set)) {
			refuse(err, "a map that packets fill or whose "
			       "elements expire in this lookup yet");
			goto fail;
		}
		if (!set->map || !set->data_type) {
			refuse(err, "a map of no values");
			goto fail;
		}
		el = set->elems;
		nel = set->nelems;
	}
	for (unsigned i = 0; i < nel; i++)
		if (el[i].catchall) {
			refuse(err, "the catch-all element of a nat map");
			goto fail;
		}
	bool name = s->field && s->field->type == NFT_T_IFNAME &&
		    x->kind == K_FIELDS && x->nparts == 1;
	keys = calloc(nel ? nel : 1, sizeof(*keys));
	if (!keys) {
		refuse(err, "this map: out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < nel; i++) {
		if (name && el[i].lo.len > x->klen) {
			refuse(err, "an interface name this long");
			goto fail;
		}
		elem_key(x, &el[i], name, &keys[i]);
		if (name && is_wildcard(keys[i].lo)) {
			refuse(err, "interface wildcards in a map");
			goto fail;
		}
	}
	uint8_t plens[NFT_CONCAT_MAX];
	for (unsigned i = 0; i < x->nparts; i++)
		plens[i] = (uint8_t)(i + 1 < x->nparts
				     ? x->poff[i + 1] - x->poff[i]
				     : x->klen - x->poff[i]);
	bool concat = x->kind == K_FIELDS && x->nparts > 1;
	x->lk = qt_nft_lookup_build(x->klen, keys, nel, concat ? plens : NULL,
				    concat ? x->nparts : 0, false);
	if (!x->lk) {
		refuse(err, "this map: out of memory");
		goto fail;
	}
	free(keys);
	*elems = el;
	*nelems = nel;
	return x;
fail:
	free(keys);
	qt_nft_x_free(x);
	return NULL;
}

int32_t qt_nft_x_index(const struct qt_nft_x *x, const struct qt_eval *ev)
{
	uint8_t key[NFT_VAL_MAX];
	if (!load_key(x, ev, key))
		return -1;
	return qt_nft_lookup_find(x->lk, key);
}

/* ---- a key alone: sets that packets fill ---- */

struct qt_nft_x *qt_nft_x_compile_key(const struct nft_stmt *s,
				      struct qt_buf *err)
{
	struct qt_nft_x *x = calloc(1, sizeof(*x));
	if (!x) {
		refuse(err, "this: out of memory");
		return NULL;
	}
	const struct nft_field *f[NFT_CONCAT_MAX];
	f[0] = s->field;
	for (unsigned i = 0; i < s->ncat; i++)
		f[i + 1] = s->cat[i];
	x->kind = K_FIELDS;
	if (s->lhs != NFT_L_FIELD || s->bitop != NFT_BIT_NONE) {
		refuse(err, "this key of a set that packets fill");
		qt_nft_x_free(x);
		return NULL;
	}
	if (compile_fields(x, f, 1 + s->ncat, err) < 0) {
		qt_nft_x_free(x);
		return NULL;
	}
	x->klen = x->flen;
	return x;
}

unsigned qt_nft_x_keylen(const struct qt_nft_x *x)
{
	return x->klen;
}

bool qt_nft_x_key(const struct qt_nft_x *x, const struct qt_eval *ev,
		  uint8_t *key)
{
	return load_key(x, ev, key);
}
