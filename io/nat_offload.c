/* NAT offload: the elements of a bound connection, qtables' nft table,
 * and the nfnetlink batches that fill it (see nat_offload.h). */
#define _GNU_SOURCE
#include "nat_offload.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
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
/* Room for ADD_MAX connections' elements and a new chain for each of
 * them (a chain's two messages take under 1 KiB). */
#define BUF_SIZE (512 * 1024)
/* How long a batch's acknowledgements are waited for. */
#define ACK_WAIT_MS 2000

static const char *const map_names[QT_NATOFF_NMAPS] = {
	"dst_vmap", "dst_port", "src_vmap", "src_port",
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

static struct qt_natoff_elem *add_elem(struct qt_natoff_elem *out,
				       unsigned *n, enum qt_natoff_map m,
				       const struct qt_ct_tuple *keyt)
{
	struct qt_natoff_elem *el = &out[(*n)++];
	memset(el, 0, sizeof(*el));
	el->map = (uint8_t)m;
	el->ip6 = keyt->ip6;
	el->klen = put_key(el->key, keyt);
	return el;
}

/* One manip of a direction's packet, now looking like *cur: the
 * verdict map's element, its target chain writing the new address, and
 * the port when it changes: a service's side (service) as a constant,
 * a client's from a port map element keyed by the tuple with the new
 * address. *cur then looks as the packet leaves. */
static void manip_elems(struct qt_ct_tuple *cur,
			const struct qt_ct_tuple *target, bool dst,
			bool service, struct qt_natoff_elem *out, unsigned *n)
{
	union qt_ct_addr *a = dst ? &cur->dst : &cur->src;
	const union qt_ct_addr *na = dst ? &target->dst : &target->src;
	uint16_t *port = dst ? &cur->dport : &cur->sport;
	uint16_t np = dst ? target->dport : target->sport;
	size_t alen = cur->ip6 ? 16 : 4;
	if (!memcmp(a, na, sizeof(*a)) && *port == np)
		return;
	struct qt_natoff_elem *v = add_elem(out, n, dst ? QT_NATOFF_DST
							: QT_NATOFF_SRC, cur);
	struct qt_natoff_chain *c = &v->chain;
	c->ip6 = cur->ip6;
	c->proto = cur->proto;
	c->dst = dst;
	memcpy(c->addr, na->b, alen);
	c->write = *port == np ? QT_NATOFF_W_ADDR
		   : service ? QT_NATOFF_W_PORT : QT_NATOFF_W_PORTMAP;
	if (c->write == QT_NATOFF_W_PORT)
		c->port = np;
	*a = *na;
	if (c->write == QT_NATOFF_W_PORTMAP) {
		struct qt_natoff_elem *p = add_elem(
			out, n, dst ? QT_NATOFF_DST_PORT : QT_NATOFF_SRC_PORT,
			cur);
		p->vlen = 2;
		p->val[0] = (uint8_t)(np >> 8);
		p->val[1] = (uint8_t)np;
	}
	*port = np;
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

void qt_natoff_chain_name(const struct qt_natoff_chain *c, char *buf,
			  size_t len)
{
	char a[INET6_ADDRSTRLEN], tail[8] = "pmap";
	inet_ntop(c->ip6 ? AF_INET6 : AF_INET, c->addr, a, sizeof(a));
	for (char *p = a; *p; p++)
		if (*p == ':')
			*p = '-';
	if (c->write == QT_NATOFF_W_PORT)
		snprintf(tail, sizeof(tail), "%u", c->port);
	snprintf(buf, len, "%s_%s_%s%s%s", c->dst ? "d" : "s",
		 c->proto == IPPROTO_TCP ? "tcp" : "udp", a,
		 c->write == QT_NATOFF_W_ADDR ? "" : "_",
		 c->write == QT_NATOFF_W_ADDR ? "" : tail);
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
		/* the service's side: the original's destination, the
		 * reply's source */
		if (applies(e, (enum qt_ct_dir)d, true))
			manip_elems(&cur, &target, true, d == QT_CT_ORIG,
				    out, &n);
		if (applies(e, (enum qt_ct_dir)d, false))
			manip_elems(&cur, &target, false, d == QT_CT_REPLY,
				    out, &n);
	}
	return n;
}

/* ---- the chains' counts ----
 *
 * Every thread's context adds and removes elements that jump to the
 * same chains: a chain is counted once per process, by the elements
 * the kernel holds that jump to it, and made and deleted in the batch
 * that adds its first and removes its last. The lock is held from a
 * batch's counting to its acknowledgement, so that no two batches
 * disagree about whether a chain is there (the kernel's commits are
 * one at a time anyway). */

struct creg {
	struct creg *next;
	char name[QT_NATOFF_CHAIN_NAME];
	uint8_t ip6;
	bool there;                  /* the kernel has it */
	bool listed;                 /* in the batch being built */
	unsigned refs;               /* elements the kernel has */
	int delta;                   /* the batch's change of refs */
};

#define CREG_BUCKETS 1024
static pthread_mutex_t creg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct creg *creg_tab[CREG_BUCKETS];

static unsigned creg_hash(const char *name, uint8_t ip6)
{
	uint32_t h = 2166136261u ^ ip6;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h % CREG_BUCKETS;
}

static struct creg *creg_find(const char *name, uint8_t ip6, bool make)
{
	struct creg **at = &creg_tab[creg_hash(name, ip6)];
	for (struct creg *r = *at; r; r = r->next)
		if (r->ip6 == ip6 && !strcmp(r->name, name))
			return r;
	if (!make)
		return NULL;
	struct creg *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->ip6 = ip6;
	r->next = *at;
	*at = r;
	return r;
}

/* Drop the entries the kernel does not have and no batch counts. */
static void creg_prune(void)
{
	for (unsigned b = 0; b < CREG_BUCKETS; b++) {
		for (struct creg **at = &creg_tab[b]; *at;) {
			struct creg *r = *at;
			if (!r->there && !r->refs && !r->delta && !r->listed) {
				*at = r->next;
				free(r);
			} else {
				at = &r->next;
			}
		}
	}
}

/* The chains of the families in fam (1: ip, 2: ip6) are gone. */
static void chains_forget(unsigned fam)
{
	pthread_mutex_lock(&creg_lock);
	for (unsigned b = 0; b < CREG_BUCKETS; b++)
		for (struct creg *r = creg_tab[b]; r; r = r->next)
			if (fam & (r->ip6 ? 2u : 1u))
				r->there = false, r->refs = 0, r->delta = 0;
	creg_prune();
	pthread_mutex_unlock(&creg_lock);
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
			 map_names[m], tkey, port ? "inet_service" : "verdict");
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
	/* one rule for every protocol: a packet that is neither TCP nor
	 * UDP has a tuple no element has (a fragment's transport fields
	 * are not read: the rule ends there) */
	for (size_t c = 0; c < sizeof(chains) / sizeof(chains[0]); c++) {
		snprintf(line, sizeof(line), "\tchain %s {\n\t\ttype %s hook %s "
			 "priority %d; policy accept;\n\t\t%s vmap @%s\n\t}\n",
			 chains[c].name, chains[c].type, chains[c].hook,
			 chains[c].prio, key,
			 map_names[chains[c].dst ? QT_NATOFF_DST : QT_NATOFF_SRC]);
		put(&o, line);
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
	/* made anew or deleted: no chain of before is left */
	chains_forget(ip6 ? 2 : 1);
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
	chains_forget(3);
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

/* ---- a target chain's rule: nft's own expressions for its text ---- */

static void put_be32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	mnl_attr_put_u32(nlh, type, htonl(v));
}

struct expr { struct nlattr *elem, *data; };

static struct expr expr_start(struct nlmsghdr *nlh, const char *name)
{
	struct expr x;
	x.elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, name);
	x.data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	return x;
}

static void expr_end(struct nlmsghdr *nlh, struct expr x)
{
	mnl_attr_nest_end(nlh, x.data);
	mnl_attr_nest_end(nlh, x.elem);
}

static void put_meta_l4proto(struct nlmsghdr *nlh, uint32_t dreg)
{
	struct expr x = expr_start(nlh, "meta");
	put_be32(nlh, NFTA_META_KEY, NFT_META_L4PROTO);
	put_be32(nlh, NFTA_META_DREG, dreg);
	expr_end(nlh, x);
}

static void put_cmp_eq(struct nlmsghdr *nlh, uint32_t sreg, const void *data,
		       uint16_t len)
{
	struct expr x = expr_start(nlh, "cmp");
	put_be32(nlh, NFTA_CMP_SREG, sreg);
	put_be32(nlh, NFTA_CMP_OP, NFT_CMP_EQ);
	struct nlattr *d = mnl_attr_nest_start(nlh, NFTA_CMP_DATA);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, data);
	mnl_attr_nest_end(nlh, d);
	expr_end(nlh, x);
}

static void put_immediate(struct nlmsghdr *nlh, uint32_t dreg,
			  const void *data, uint16_t len)
{
	struct expr x = expr_start(nlh, "immediate");
	put_be32(nlh, NFTA_IMMEDIATE_DREG, dreg);
	struct nlattr *d = mnl_attr_nest_start(nlh, NFTA_IMMEDIATE_DATA);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, data);
	mnl_attr_nest_end(nlh, d);
	expr_end(nlh, x);
}

static void put_load(struct nlmsghdr *nlh, uint32_t dreg, uint32_t base,
		     uint32_t off, uint32_t len)
{
	struct expr x = expr_start(nlh, "payload");
	put_be32(nlh, NFTA_PAYLOAD_DREG, dreg);
	put_be32(nlh, NFTA_PAYLOAD_BASE, base);
	put_be32(nlh, NFTA_PAYLOAD_OFFSET, off);
	put_be32(nlh, NFTA_PAYLOAD_LEN, len);
	expr_end(nlh, x);
}

static void put_write(struct nlmsghdr *nlh, uint32_t sreg, uint32_t base,
		      uint32_t off, uint32_t len, uint32_t csum_type,
		      uint32_t csum_off, uint32_t csum_flags)
{
	struct expr x = expr_start(nlh, "payload");
	put_be32(nlh, NFTA_PAYLOAD_SREG, sreg);
	put_be32(nlh, NFTA_PAYLOAD_BASE, base);
	put_be32(nlh, NFTA_PAYLOAD_OFFSET, off);
	put_be32(nlh, NFTA_PAYLOAD_LEN, len);
	put_be32(nlh, NFTA_PAYLOAD_CSUM_TYPE, csum_type);
	put_be32(nlh, NFTA_PAYLOAD_CSUM_OFFSET, csum_off);
	put_be32(nlh, NFTA_PAYLOAD_CSUM_FLAGS, csum_flags);
	expr_end(nlh, x);
}

static void put_lookup(struct nlmsghdr *nlh, const char *set, uint32_t sreg,
		       uint32_t dreg)
{
	struct expr x = expr_start(nlh, "lookup");
	mnl_attr_put_strz(nlh, NFTA_LOOKUP_SET, set);
	put_be32(nlh, NFTA_LOOKUP_SREG, sreg);
	put_be32(nlh, NFTA_LOOKUP_DREG, dreg);
	expr_end(nlh, x);
}

/* The expressions nft 1.0.6 sends for the chain's text (`nft
 * --debug=netlink`, registers and checksum flags as it picks them):
 * `ip daddr set 10.0.2.2` (IPv4's header checksum and the transport
 * checksum's pseudo header fixed; IPv6 has only the latter), then,
 * after the protocol's check nft puts before a transport field's
 * write, `udp dport set 80` or `udp dport set ip saddr . ip daddr .
 * meta l4proto . th sport . th dport map @dst_port` (the key read
 * after the address's write: it has the new address). */
static void put_chain_exprs(struct nlmsghdr *nlh,
			    const struct qt_natoff_chain *c)
{
	const uint32_t alen = c->ip6 ? 16 : 4;
	const uint32_t soff = c->ip6 ? 8 : 12;      /* saddr's offset */
	const uint32_t poff = c->dst ? 2 : 0;
	const uint32_t pcsum = c->proto == IPPROTO_TCP ? 16 : 6;
	struct nlattr *list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	put_immediate(nlh, NFT_REG_1, c->addr, (uint16_t)alen);
	put_write(nlh, NFT_REG_1, NFT_PAYLOAD_NETWORK_HEADER,
		  c->dst ? soff + alen : soff, alen,
		  c->ip6 ? NFT_PAYLOAD_CSUM_NONE : NFT_PAYLOAD_CSUM_INET,
		  c->ip6 ? 0 : 10, NFT_PAYLOAD_L4CSUM_PSEUDOHDR);
	if (c->write != QT_NATOFF_W_ADDR) {
		put_meta_l4proto(nlh, NFT_REG_1);
		put_cmp_eq(nlh, NFT_REG_1, &c->proto, 1);
	}
	if (c->write == QT_NATOFF_W_PORT) {
		uint8_t be[2] = { (uint8_t)(c->port >> 8), (uint8_t)c->port };
		put_immediate(nlh, NFT_REG_1, be, 2);
	} else if (c->write == QT_NATOFF_W_PORTMAP) {
		put_load(nlh, NFT_REG_1, NFT_PAYLOAD_NETWORK_HEADER, soff, alen);
		put_load(nlh, c->ip6 ? NFT_REG_2 : NFT_REG32_01,
			 NFT_PAYLOAD_NETWORK_HEADER, soff + alen, alen);
		put_meta_l4proto(nlh, c->ip6 ? NFT_REG_3 : NFT_REG32_02);
		put_load(nlh, c->ip6 ? NFT_REG32_09 : NFT_REG32_03,
			 NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
		put_load(nlh, c->ip6 ? NFT_REG32_10 : NFT_REG_2,
			 NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
		put_lookup(nlh, map_names[c->dst ? QT_NATOFF_DST_PORT
						 : QT_NATOFF_SRC_PORT],
			   NFT_REG_1, NFT_REG_1);
	}
	if (c->write != QT_NATOFF_W_ADDR)
		put_write(nlh, NFT_REG_1, NFT_PAYLOAD_TRANSPORT_HEADER, poff, 2,
			  NFT_PAYLOAD_CSUM_INET, pcsum, 0);
	mnl_attr_nest_end(nlh, list);
}

/* The bytes one element takes at most in a message: key, and a port
 * or a verdict with its chain's name. */
#define ELEM_ROOM (4 + 4 + 4 + QT_NATOFF_KEY_MAX + 4 + 4 + 4 + 8 + 4 + \
		   QT_NATOFF_CHAIN_NAME)
/* A message's head: netlink and nfnetlink headers, table and set
 * names, the list's nest. */
#define MSG_ROOM (16 + 4 + 4 + 16 + 4 + 12 + 4 + 16)
/* A chain's messages: NEWCHAIN (or DELCHAIN) and NEWRULE, whose
 * expressions take under 700 bytes. */
#define CHAIN_ROOM 1024

static void put_chain_msgs(struct mnl_nlmsg_batch *b, uint32_t *seq,
			   bool add, const struct qt_natoff_chain *c,
			   unsigned *nmsg)
{
	char name[QT_NATOFF_CHAIN_NAME];
	uint8_t fam = c->ip6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	qt_natoff_chain_name(c, name, sizeof(name));
	struct nlmsghdr *nlh = msg_head(
		mnl_nlmsg_batch_current(b), (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 |
		(add ? NFT_MSG_NEWCHAIN : NFT_MSG_DELCHAIN)),
		(uint16_t)(NLM_F_ACK | (add ? NLM_F_CREATE : 0)), (*seq)++,
		fam, 0);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, QT_NATOFF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name);
	mnl_nlmsg_batch_next(b);
	(*nmsg)++;
	if (!add)
		return;
	nlh = msg_head(mnl_nlmsg_batch_current(b),
		       NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE,
		       NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, (*seq)++, fam, 0);
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, QT_NATOFF_TABLE);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, name);
	put_chain_exprs(nlh, c);
	mnl_nlmsg_batch_next(b);
	(*nmsg)++;
}

static void put_elem_data(struct nlmsghdr *nlh, const struct qt_natoff_elem *e)
{
	struct nlattr *dn = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
	if (e->map == QT_NATOFF_DST || e->map == QT_NATOFF_SRC) {
		char name[QT_NATOFF_CHAIN_NAME];
		qt_natoff_chain_name(&e->chain, name, sizeof(name));
		struct nlattr *v = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
		put_be32(nlh, NFTA_VERDICT_CODE, (uint32_t)NFT_GOTO);
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, name);
		mnl_attr_nest_end(nlh, v);
	} else {
		mnl_attr_put(nlh, NFTA_DATA_VALUE, e->vlen, e->val);
	}
	mnl_attr_nest_end(nlh, dn);
}

size_t qt_natoff_batch(uint8_t *buf, size_t cap, uint32_t seq, bool add,
		       const struct qt_natoff_chain *ch, unsigned nch,
		       const struct qt_natoff_elem *el, unsigned n,
		       unsigned *nmsg)
{
	*nmsg = 0;
	size_t used = MNL_ALIGN(sizeof(struct nlmsghdr) +
				sizeof(struct nfgenmsg));
	if ((!n && !nch) || cap < 2 * used + (size_t)nch * CHAIN_ROOM + 8)
		return 0;
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, cap);
	if (!b)
		return 0;
	msg_head(mnl_nlmsg_batch_current(b), NFNL_MSG_BATCH_BEGIN, 0, seq++,
		 AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
	/* made before the elements that jump to them */
	for (unsigned c = 0; add && c < nch; c++)
		put_chain_msgs(b, &seq, true, &ch[c], nmsg);
	used = mnl_nlmsg_batch_size(b) + (add ? 0 : (size_t)nch * CHAIN_ROOM);
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
			if (used + need > cap) {
				*nmsg = 0;
				return 0;
			}
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
				if (add)
					put_elem_data(nlh, &el[i]);
				mnl_attr_nest_end(nlh, one);
			}
			mnl_attr_nest_end(nlh, list);
			used += MNL_ALIGN(nlh->nlmsg_len);
			mnl_nlmsg_batch_next(b);
			(*nmsg)++;
		}
	}
	/* deleted once nothing jumps to them */
	for (unsigned c = 0; !add && c < nch; c++)
		put_chain_msgs(b, &seq, false, &ch[c], nmsg);
	msg_head(mnl_nlmsg_batch_current(b), NFNL_MSG_BATCH_END, 0, seq,
		 AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
	size_t len = mnl_nlmsg_batch_size(b);
	mnl_nlmsg_batch_stop(b);
	return len;
}

/* ---- the context ---- */

/* The elements of one batch, at most: an addition's or a removal's. */
#define TOUCH_MAX (ADD_MAX * QT_NATOFF_ELEMS_MAX > DEL_MAX ? \
		   ADD_MAX * QT_NATOFF_ELEMS_MAX : DEL_MAX)

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
	/* a batch's chains to make or delete, and the counts it changes */
	struct qt_natoff_chain chains[TOUCH_MAX];
	struct qt_natoff_chain tchain[TOUCH_MAX];
	struct creg *touched[TOUCH_MAX];
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
			   const struct qt_natoff_chain *ch, unsigned nch,
			   const struct qt_natoff_elem *el, unsigned n);

/* Send one batch and wait for every message's acknowledgement: 0, or
 * -errno of the first refusal (the kernel then applied none of it).
 * The time it took is counted. */
static int send_batch(struct qt_natoff *o, bool add,
		      const struct qt_natoff_chain *ch, unsigned nch,
		      const struct qt_natoff_elem *el, unsigned n)
{
	uint64_t t0 = mono_us();
	int rc = send_batch_wait(o, add, ch, nch, el, n);
	uint64_t d = mono_us() - t0;
	o->st.wait_us += d;
	if (d > o->st.wait_max_us)
		o->st.wait_max_us = d;
	return rc;
}

static int send_batch_wait(struct qt_natoff *o, bool add,
			   const struct qt_natoff_chain *ch, unsigned nch,
			   const struct qt_natoff_elem *el, unsigned n)
{
	unsigned nmsg;
	uint32_t first = o->seq;
	size_t len = qt_natoff_batch(o->buf, BUF_SIZE, first, add, ch, nch,
				     el, n, &nmsg);
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

static bool is_vmap(const struct qt_natoff_elem *e)
{
	return e->map == QT_NATOFF_DST || e->map == QT_NATOFF_SRC;
}

/* One batch of additions or removals with the chains it makes (the
 * first element jumping to one) or deletes (the last going), counted
 * once the kernel took it. 0, or -errno. */
static int send_counted(struct qt_natoff *o, bool add,
			const struct qt_natoff_elem *el, unsigned n)
{
	unsigned nch = 0, nt = 0;
	int err = 0;
	pthread_mutex_lock(&creg_lock);
	for (unsigned i = 0; i < n && nt < TOUCH_MAX; i++) {
		if (!is_vmap(&el[i]))
			continue;
		char name[QT_NATOFF_CHAIN_NAME];
		qt_natoff_chain_name(&el[i].chain, name, sizeof(name));
		struct creg *r = creg_find(name, el[i].ip6, add);
		if (!r) {
			if (add)
				err = -ENOMEM;
			continue;
		}
		if (!r->listed) {
			r->listed = true;
			o->tchain[nt] = el[i].chain;
			o->touched[nt++] = r;
			if (add && !r->there)
				o->chains[nch++] = el[i].chain;
		}
		r->delta += add ? 1 : -1;
	}
	for (unsigned t = 0; !add && t < nt; t++) {
		struct creg *r = o->touched[t];
		if (r->there && (long)r->refs + r->delta <= 0)
			o->chains[nch++] = o->tchain[t];
	}
	if (!err)
		err = send_batch(o, add, o->chains, nch, el, n);
	for (unsigned t = 0; t < nt; t++) {
		struct creg *r = o->touched[t];
		r->listed = false;
		if (!err) {
			long refs = (long)r->refs + r->delta;
			r->refs = refs > 0 ? (unsigned)refs : 0;
			r->there = add || r->refs;
		}
		r->delta = 0;
	}
	creg_prune();
	pthread_mutex_unlock(&creg_lock);
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
 * refused leaves the maps not knowing what they hold) and their chains
 * deleted, in one batch, and every entry rewritten here again. */
static int flush_all(struct qt_natoff *o)
{
	o->st.flushes++;
	pthread_mutex_lock(&creg_lock);
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(o->buf, BUF_SIZE);
	uint32_t first = o->seq;
	unsigned nmsg = 0, nt = 0;
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
	/* the chains the buffer has room for; one it has not stays, with
	 * no element, for the next that jumps to it */
	for (unsigned k = 0; k < CREG_BUCKETS; k++) {
		for (struct creg *r = creg_tab[k]; r; r = r->next) {
			if (!r->there || !o->fam[r->ip6] || nt == TOUCH_MAX ||
			    mnl_nlmsg_batch_size(b) + 512 > BUF_SIZE)
				continue;
			struct nlmsghdr *nlh = msg_head(
				mnl_nlmsg_batch_current(b),
				NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_DELCHAIN,
				NLM_F_ACK, o->seq++,
				r->ip6 ? NFPROTO_IPV6 : NFPROTO_IPV4, 0);
			mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE,
					  QT_NATOFF_TABLE);
			mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, r->name);
			mnl_nlmsg_batch_next(b);
			nmsg++;
			o->touched[nt++] = r;
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
	int err = 0;
	if (mnl_socket_sendto(o->nl, o->buf, len) < 0)
		err = -1;
	unsigned acks = 0;
	while (!err && acks < nmsg) {
		ssize_t r = mnl_socket_recvfrom(o->nl, o->buf, BUF_SIZE);
		if (r < 0) {
			err = -1;
			break;
		}
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
	if (!err) {
		for (unsigned k = 0; k < CREG_BUCKETS; k++)
			for (struct creg *r = creg_tab[k]; r; r = r->next)
				if (o->fam[r->ip6])
					r->refs = 0;
		for (unsigned t = 0; t < nt; t++)
			o->touched[t]->there = false;
		creg_prune();
	}
	pthread_mutex_unlock(&creg_lock);
	return err ? -1 : 0;
}

int qt_natoff_sync_forgets(struct qt_natoff *o)
{
	if (!o || !o->h.ndel)
		return 0;
	int err = send_counted(o, false, o->del, o->h.ndel);
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
	int err = send_counted(o, true, o->work, n);
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
