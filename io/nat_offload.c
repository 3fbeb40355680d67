/* NAT offload: the elements of a bound connection, qtables' nft table,
 * and the nfnetlink batches that fill it (see nat_offload.h). */
#define _GNU_SOURCE
#include "nat_offload.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "nft_table.h"

/* Connections whose additions one batch holds: with both directions'
 * elements, a batch stays well inside BUF_SIZE. A connection that
 * finds no room waits for a later packet. */
#define ADD_MAX 64
/* Elements of removals held before they are sent at once. */
#define DEL_MAX 512
#define BUF_SIZE (128 * 1024)
/* How long a batch's acknowledgements are waited for. */
#define ACK_WAIT_MS 2000

static const char *const map_names[QT_NATOFF_NMAPS] = {
	"dst_addr", "dst_port", "src_addr", "src_port",
};

const char *qt_natoff_map_name(enum qt_natoff_map m)
{
	return (unsigned)m < QT_NATOFF_NMAPS ? map_names[m] : "";
}

/* ---- elements ---- */

bool qt_natoff_eligible(const struct qt_ct_entry *e)
{
	const uint32_t done = QT_IPS_SRC_NAT_DONE | QT_IPS_DST_NAT_DONE;
	uint8_t p = e->t[QT_CT_ORIG].proto;
	return (p == IPPROTO_TCP || p == IPPROTO_UDP) &&
	       e->t[QT_CT_REPLY].proto == p &&
	       (e->status & QT_IPS_CONFIRMED) &&
	       (e->status & done) == done &&
	       (e->status & QT_IPS_NAT_MASK) &&
	       !(e->status & (QT_CTS_OFFLOAD_MASK | QT_IPS_DYING));
}

/* The key of a packet that looks like t: addresses, then the protocol
 * and the ports each in a 4-byte register (ports in network order). */
static uint8_t put_key(uint8_t *k, const struct qt_ct_tuple *t)
{
	size_t a = t->ip6 ? 16 : 4;
	memset(k, 0, QT_NATOFF_KEY_MAX);
	memcpy(k, t->src.b, a);
	memcpy(k + a, t->dst.b, a);
	k[2 * a] = t->proto;
	k[2 * a + 4] = (uint8_t)(t->sport >> 8);
	k[2 * a + 5] = (uint8_t)t->sport;
	k[2 * a + 8] = (uint8_t)(t->dport >> 8);
	k[2 * a + 9] = (uint8_t)t->dport;
	return (uint8_t)(2 * a + 12);
}

static void add_elem(struct qt_natoff_elem *out, unsigned *n,
		     enum qt_natoff_map m, const struct qt_ct_tuple *keyt,
		     const void *val, uint8_t vlen)
{
	struct qt_natoff_elem *el = &out[(*n)++];
	memset(el, 0, sizeof(*el));
	el->map = (uint8_t)m;
	el->ip6 = keyt->ip6;
	el->klen = put_key(el->key, keyt);
	el->vlen = vlen;
	memcpy(el->val, val, vlen);
}

/* One manip of a direction's packet, now looking like *cur: the
 * address element (always, when anything changes: the rule's port
 * statement comes after it and runs only when it found its key), then
 * the port element keyed by the tuple with the new address. *cur then
 * looks as the packet leaves. */
static void manip_elems(struct qt_ct_tuple *cur,
			const struct qt_ct_tuple *target, bool dst,
			struct qt_natoff_elem *out, unsigned *n)
{
	union qt_ct_addr *a = dst ? &cur->dst : &cur->src;
	const union qt_ct_addr *na = dst ? &target->dst : &target->src;
	uint16_t *port = dst ? &cur->dport : &cur->sport;
	uint16_t np = dst ? target->dport : target->sport;
	size_t alen = cur->ip6 ? 16 : 4;
	if (!memcmp(a, na, sizeof(*a)) && *port == np)
		return;
	add_elem(out, n, dst ? QT_NATOFF_DST_ADDR : QT_NATOFF_SRC_ADDR, cur,
		 na->b, (uint8_t)alen);
	*a = *na;
	if (*port != np) {
		uint8_t be[2] = { (uint8_t)(np >> 8), (uint8_t)np };
		add_elem(out, n, dst ? QT_NATOFF_DST_PORT : QT_NATOFF_SRC_PORT,
			 cur, be, 2);
		*port = np;
	}
}

/* Does the binding of this manip rewrite a packet of direction dir (as
 * engine/nat_pkt.c decides it)? */
static bool applies(const struct qt_ct_entry *e, enum qt_ct_dir dir,
		    bool dst)
{
	uint32_t bit = dst ? QT_IPS_DST_NAT : QT_IPS_SRC_NAT;
	if (dir == QT_CT_REPLY)
		bit ^= QT_IPS_NAT_MASK;
	return e->status & bit;
}

unsigned qt_natoff_elems(const struct qt_ct_entry *e,
			 struct qt_natoff_elem *out)
{
	unsigned n = 0;
	for (unsigned d = QT_CT_ORIG; d <= QT_CT_REPLY; d++) {
		/* a packet arrives as its direction's tuple; each manip
		 * makes it look like the inverse of the other direction */
		struct qt_ct_tuple cur = e->t[d], target;
		qt_ct_invert(&e->t[!d], &target);
		if (applies(e, (enum qt_ct_dir)d, true))
			manip_elems(&cur, &target, true, out, &n);
		if (applies(e, (enum qt_ct_dir)d, false))
			manip_elems(&cur, &target, false, out, &n);
	}
	return n;
}

/* ---- the table ---- */

struct out { char *buf; size_t len, cap; bool full; };

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->full || n >= o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n + 1);
	o->len += n;
}

int qt_natoff_script(bool ip6, bool install, char *buf, size_t len)
{
	struct out o = { buf, 0, len, len == 0 };
	const char *fam = ip6 ? "ip6" : "ip";
	const char *addr = ip6 ? "ipv6_addr" : "ipv4_addr";
	char line[1024], key[160], tkey[128];
	if (len)
		buf[0] = 0;
	/* declared first, so that the delete finds it either way */
	snprintf(line, sizeof(line), "table %s %s\ndelete table %s %s\n", fam,
		 QT_NATOFF_TABLE, fam, QT_NATOFF_TABLE);
	put(&o, line);
	if (!install)
		return o.full ? -1 : (int)o.len;
	snprintf(tkey, sizeof(tkey), "%s . %s . inet_proto . inet_service . "
		 "inet_service", addr, addr);
	snprintf(key, sizeof(key), "%s saddr . %s daddr . meta l4proto . th "
		 "sport . th dport", fam, fam);
	snprintf(line, sizeof(line), "table %s %s {\n", fam, QT_NATOFF_TABLE);
	put(&o, line);
	for (unsigned m = 0; m < QT_NATOFF_NMAPS; m++) {
		bool port = m == QT_NATOFF_DST_PORT || m == QT_NATOFF_SRC_PORT;
		snprintf(line, sizeof(line), "\tmap %s { type %s : %s; }\n",
			 map_names[m], tkey, port ? "inet_service" : addr);
		put(&o, line);
	}
	static const struct {
		const char *name, *type, *hook;
		int prio;
		bool dst;
	} chains[] = {
		/* after the queue (mangle, -150) at each hook */
		{ "pre", "filter", "prerouting", -100, true },
		{ "out", "route", "output", -100, true },
		{ "post", "filter", "postrouting", 100, false },
		{ "in", "filter", "input", 100, false },
	};
	for (size_t c = 0; c < sizeof(chains) / sizeof(chains[0]); c++) {
		const char *which = chains[c].dst ? "d" : "s";
		const char *mp = chains[c].dst ? "dst" : "src";
		snprintf(line, sizeof(line), "\tchain %s {\n\t\ttype %s hook %s "
			 "priority %d; policy accept;\n", chains[c].name,
			 chains[c].type, chains[c].hook, chains[c].prio);
		put(&o, line);
		static const char *const protos[] = { "tcp", "udp" };
		for (size_t p = 0; p < 2; p++) {
			snprintf(line, sizeof(line), "\t\tmeta l4proto %s %s "
				 "%saddr set %s map @%s_addr %s %sport set %s "
				 "map @%s_port\n", protos[p], fam, which, key,
				 mp, protos[p], which, key, mp);
			put(&o, line);
		}
		put(&o, "\t}\n");
	}
	put(&o, "}\n");
	return o.full ? -1 : (int)o.len;
}

int qt_natoff_table(const char *nft, bool ip6, bool install, char *err,
		    size_t errlen)
{
	char script[4096];
	if (qt_natoff_script(ip6, install, script, sizeof(script)) < 0) {
		snprintf(err, errlen, "nat offload: table script too long");
		return -1;
	}
	return qt_nft_table_run(nft, false, script, "", err, errlen);
}

int qt_natoff_remove_all(const char *nft, char *err, size_t errlen)
{
	/* asked first, so that the start of a daemon that never
	 * offloaded runs no nft process: a handover's gap in the traffic
	 * is that start */
	if (!qt_nft_table_there(QT_NATOFF_TABLE,
				QT_NFT_TABLE_IP | QT_NFT_TABLE_IP6, true))
		return 0;
	char script[512];
	int n = qt_natoff_script(false, false, script, sizeof(script));
	if (n < 0 || qt_natoff_script(true, false, script + n,
				      sizeof(script) - (size_t)n) < 0) {
		snprintf(err, errlen, "nat offload: table script too long");
		return -1;
	}
	return qt_nft_table_run(nft, false, script, "", err, errlen);
}

/* ---- batches ---- */

static struct nlmsghdr *msg_head(uint8_t *at, uint16_t type, uint16_t flags,
				 uint32_t seq, uint8_t family, uint16_t res)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res);
	return nlh;
}

/* The bytes one element takes at most in a message. */
#define ELEM_ROOM (4 + 4 + 4 + QT_NATOFF_KEY_MAX + 4 + 4 + 16 + 16)
/* A message's head: netlink and nfnetlink headers, table and set
 * names, the list's nest. */
#define MSG_ROOM (16 + 4 + 4 + 16 + 4 + 12 + 4 + 16)

size_t qt_natoff_batch(uint8_t *buf, size_t cap, uint32_t seq, bool add,
		       const struct qt_natoff_elem *el, unsigned n,
		       unsigned *nmsg)
{
	*nmsg = 0;
	if (!n || cap < 2 * MNL_NLMSG_HDRLEN + 8 + 2 * MSG_ROOM)
		return 0;
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, cap);
	if (!b)
		return 0;
	size_t used = 0;
	msg_head(mnl_nlmsg_batch_current(b), NFNL_MSG_BATCH_BEGIN, 0, seq++,
		 AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
	used += MNL_ALIGN(sizeof(struct nlmsghdr) + sizeof(struct nfgenmsg));
	uint16_t type = (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 |
				   (add ? NFT_MSG_NEWSETELEM
					: NFT_MSG_DELSETELEM));
	for (unsigned fam = 0; fam < 2; fam++) {
		for (unsigned m = 0; m < QT_NATOFF_NMAPS; m++) {
			unsigned k = 0;
			for (unsigned i = 0; i < n; i++)
				k += el[i].ip6 == fam && el[i].map == m;
			if (!k)
				continue;
			/* room for this message and the batch's end */
			size_t need = MSG_ROOM + (size_t)k * ELEM_ROOM +
				      2 * MNL_NLMSG_HDRLEN + 8;
			if (used + need > cap)
				return 0;
			struct nlmsghdr *nlh = msg_head(
				mnl_nlmsg_batch_current(b), type,
				(uint16_t)(NLM_F_ACK | (add ? NLM_F_CREATE : 0)),
				seq++, fam ? NFPROTO_IPV6 : NFPROTO_IPV4, 0);
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE,
					  QT_NATOFF_TABLE);
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET,
					  map_names[m]);
			struct nlattr *list = mnl_attr_nest_start(
				nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
			for (unsigned i = 0; i < n; i++) {
				if (el[i].ip6 != fam || el[i].map != m)
					continue;
				struct nlattr *one = mnl_attr_nest_start(
					nlh, NFTA_LIST_ELEM);
				struct nlattr *kn = mnl_attr_nest_start(
					nlh, NFTA_SET_ELEM_KEY);
				mnl_attr_put(nlh, NFTA_DATA_VALUE, el[i].klen,
					     el[i].key);
				mnl_attr_nest_end(nlh, kn);
				if (add) {
					struct nlattr *dn = mnl_attr_nest_start(
						nlh, NFTA_SET_ELEM_DATA);
					mnl_attr_put(nlh, NFTA_DATA_VALUE,
						     el[i].vlen, el[i].val);
					mnl_attr_nest_end(nlh, dn);
				}
				mnl_attr_nest_end(nlh, one);
			}
			mnl_attr_nest_end(nlh, list);
			used += MNL_ALIGN(nlh->nlmsg_len);
			mnl_nlmsg_batch_next(b);
			(*nmsg)++;
		}
	}
	msg_head(mnl_nlmsg_batch_current(b), NFNL_MSG_BATCH_END, 0, seq,
		 AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
	size_t len = mnl_nlmsg_batch_size(b);
	mnl_nlmsg_batch_stop(b);
	return len;
}

/* ---- the context ---- */

struct pending {
	struct qt_ct_entry *e;
	uint32_t id;
};

struct qt_natoff {
	struct qt_natoff_head h;     /* first: read inline */
	struct qt_ct *ct;
	struct mnl_socket *nl;
	uint32_t portid, seq;
	bool fam[2];                 /* the family's table is installed */
	struct pending add[ADD_MAX];
	unsigned nadd;
	struct qt_natoff_elem del[DEL_MAX];
	struct qt_natoff_elem work[ADD_MAX * QT_NATOFF_ELEMS_MAX];
	uint8_t *buf;
	struct qt_natoff_stats st;
	char error[256];
};

struct qt_natoff *qt_natoff_open(struct qt_ct *ct, bool ip4, bool ip6,
				 char *err, size_t errlen)
{
	struct qt_natoff *o = calloc(1, sizeof(*o));
	if (!o || !(o->buf = malloc(BUF_SIZE))) {
		free(o);
		snprintf(err, errlen, "nat offload: out of memory");
		return NULL;
	}
	o->ct = ct;
	o->fam[0] = ip4;
	o->fam[1] = ip6;
	o->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!o->nl || mnl_socket_bind(o->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "nat offload: netfilter netlink: %s",
			 strerror(errno));
		qt_natoff_close(o);
		return NULL;
	}
	struct timeval tv = { ACK_WAIT_MS / 1000, (ACK_WAIT_MS % 1000) * 1000 };
	setsockopt(mnl_socket_get_fd(o->nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	o->portid = mnl_socket_get_portid(o->nl);
	o->seq = 1;
	qt_ct_set_forget_hook(ct, qt_natoff_forget, o);
	return o;
}

void qt_natoff_close(struct qt_natoff *o)
{
	if (!o)
		return;
	if (o->ct)
		qt_ct_set_forget_hook(o->ct, NULL, NULL);
	if (o->nl)
		mnl_socket_close(o->nl);
	free(o->buf);
	free(o);
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

static int send_batch_wait(struct qt_natoff *o, bool add,
			   const struct qt_natoff_elem *el, unsigned n);

/* Send one batch and wait for every message's acknowledgement: 0, or
 * -errno of the first refusal (the kernel then applied none of it).
 * The time it took is counted. */
static int send_batch(struct qt_natoff *o, bool add,
		      const struct qt_natoff_elem *el, unsigned n)
{
	uint64_t t0 = mono_us();
	int rc = send_batch_wait(o, add, el, n);
	uint64_t d = mono_us() - t0;
	o->st.wait_us += d;
	if (d > o->st.wait_max_us)
		o->st.wait_max_us = d;
	return rc;
}

static int send_batch_wait(struct qt_natoff *o, bool add,
			   const struct qt_natoff_elem *el, unsigned n)
{
	unsigned nmsg;
	uint32_t first = o->seq;
	size_t len = qt_natoff_batch(o->buf, BUF_SIZE, first, add, el, n,
				     &nmsg);
	if (!nmsg)
		return n ? -EMSGSIZE : 0;
	o->seq += nmsg + 2;
	o->st.batches++;
	if (mnl_socket_sendto(o->nl, o->buf, len) < 0)
		return -errno;
	int err = 0;
	unsigned acks = 0;
	while (acks < nmsg) {
		ssize_t r = mnl_socket_recvfrom(o->nl, o->buf, BUF_SIZE);
		if (r < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		const struct nlmsghdr *h = (const struct nlmsghdr *)o->buf;
		int left = (int)r;
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			/* an earlier batch's late answers are not ours */
			if (h->nlmsg_seq < first || h->nlmsg_seq > first + nmsg)
				continue;
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			acks++;
			if (e->error && !err)
				err = e->error;
		}
	}
	return err;
}

static void note_error(struct qt_natoff *o, const char *what, int err)
{
	if (!o->error[0])
		snprintf(o->error, sizeof(o->error), "nat offload: %s: %s", what,
			 strerror(-err));
}

void qt_natoff_want(struct qt_natoff *o, struct qt_ct_entry *e)
{
	if (!o || !qt_natoff_eligible(e) || o->nadd == ADD_MAX ||
	    !o->fam[e->t[QT_CT_ORIG].ip6 ? 1 : 0])
		return;
	e->status |= QT_CTS_OFFLOAD_PENDING;
	o->add[o->nadd].e = e;
	o->add[o->nadd].id = e->id;
	o->nadd++;
}

void qt_natoff_forget(const struct qt_ct_entry *e, void *user)
{
	struct qt_natoff *o = user;
	struct qt_natoff_elem el[QT_NATOFF_ELEMS_MAX];
	unsigned n = qt_natoff_elems(e, el);
	if (o->h.ndel + n > DEL_MAX)
		qt_natoff_sync_forgets(o);
	memcpy(&o->del[o->h.ndel], el, n * sizeof(el[0]));
	o->h.ndel += n;
	o->st.forgotten++;
}

static bool unmark(struct qt_ct_entry *e, void *user)
{
	(void)user;
	e->status &= ~QT_CTS_OFFLOAD_MASK;
	return true;
}

/* Every map of the installed families emptied (a removal the kernel
 * refused leaves the maps not knowing what they hold), and every entry
 * rewritten here again. */
static int flush_all(struct qt_natoff *o)
{
	o->st.flushes++;
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(o->buf, BUF_SIZE);
	uint32_t first = o->seq;
	unsigned nmsg = 0;
	msg_head(mnl_nlmsg_batch_current(b), NFNL_MSG_BATCH_BEGIN, 0,
		 o->seq++, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
	for (unsigned fam = 0; fam < 2; fam++) {
		for (unsigned m = 0; o->fam[fam] && m < QT_NATOFF_NMAPS; m++) {
			/* a DELSETELEM without elements flushes the set */
			struct nlmsghdr *nlh = msg_head(
				mnl_nlmsg_batch_current(b),
				NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_DELSETELEM,
				NLM_F_ACK, o->seq++,
				fam ? NFPROTO_IPV6 : NFPROTO_IPV4, 0);
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE,
					  QT_NATOFF_TABLE);
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET,
					  map_names[m]);
			mnl_nlmsg_batch_next(b);
			nmsg++;
		}
	}
	msg_head(mnl_nlmsg_batch_current(b), NFNL_MSG_BATCH_END, 0, o->seq++,
		 AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
	size_t len = mnl_nlmsg_batch_size(b);
	mnl_nlmsg_batch_stop(b);
	qt_ct_each(o->ct, unmark, NULL);
	o->nadd = 0;
	o->h.ndel = 0;
	if (mnl_socket_sendto(o->nl, o->buf, len) < 0)
		return -1;
	unsigned acks = 0;
	int err = 0;
	while (acks < nmsg) {
		ssize_t r = mnl_socket_recvfrom(o->nl, o->buf, BUF_SIZE);
		if (r < 0)
			return -1;
		const struct nlmsghdr *h = (const struct nlmsghdr *)o->buf;
		int left = (int)r;
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_type != NLMSG_ERROR ||
			    h->nlmsg_seq <= first || h->nlmsg_seq > first + nmsg)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			acks++;
			if (e->error)
				err = e->error;
		}
	}
	return err ? -1 : 0;
}

int qt_natoff_sync_forgets(struct qt_natoff *o)
{
	if (!o || !o->h.ndel)
		return 0;
	int err = send_batch(o, false, o->del, o->h.ndel);
	o->h.ndel = 0;
	if (!err)
		return 0;
	note_error(o, "removing elements", err);
	if (flush_all(o) < 0) {
		/* nothing is left that could be trusted: no more offload
		 * (the entries are all rewritten here now) */
		o->fam[0] = o->fam[1] = false;
		note_error(o, "flushing the maps", -EIO);
	}
	return -1;
}

int qt_natoff_sync(struct qt_natoff *o)
{
	if (!o)
		return 0;
	int rc = qt_natoff_sync_forgets(o);
	if (!o->nadd)
		return rc;
	unsigned n = 0;
	for (unsigned i = 0; i < o->nadd; i++) {
		struct qt_ct_entry *e = o->add[i].e;
		/* gone (or made anew) since it was wanted: nothing to add */
		if (e->id != o->add[i].id || !(e->status & QT_CTS_OFFLOAD_PENDING)) {
			o->add[i].e = NULL;
			continue;
		}
		n += qt_natoff_elems(e, &o->work[n]);
	}
	int err = send_batch(o, true, o->work, n);
	for (unsigned i = 0; i < o->nadd; i++) {
		struct qt_ct_entry *e = o->add[i].e;
		if (!e)
			continue;
		e->status &= ~QT_CTS_OFFLOAD_PENDING;
		e->status |= err ? QT_CTS_OFFLOAD_NO : QT_CTS_OFFLOADED;
		if (err)
			o->st.refused++;
		else
			o->st.offloaded++;
	}
	o->nadd = 0;
	if (err) {
		note_error(o, "adding elements", err);
		return -1;
	}
	return rc;
}

static bool want_visit(struct qt_ct_entry *e, void *user)
{
	struct qt_natoff *o = user;
	e->status &= ~QT_CTS_OFFLOAD_MASK;
	qt_natoff_want(o, e);
	if (o->nadd == ADD_MAX)
		qt_natoff_sync(o);
	return true;
}

int qt_natoff_refill(struct qt_natoff *o)
{
	if (!o)
		return 0;
	unsigned before = (unsigned)o->st.refused;
	qt_ct_each(o->ct, want_visit, o);
	qt_natoff_sync(o);
	return o->st.refused != before ? -1 : 0;
}

const struct qt_natoff_stats *qt_natoff_stats(const struct qt_natoff *o)
{
	return &o->st;
}

const char *qt_natoff_take_error(struct qt_natoff *o)
{
	static _Thread_local char copy[256];
	snprintf(copy, sizeof(copy), "%s", o ? o->error : "");
	if (o)
		o->error[0] = 0;
	return copy;
}
