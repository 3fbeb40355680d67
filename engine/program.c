/* Compiling a ruleset into an engine program, and walking it for a
 * packet as netfilter walks its tables (see program.h). */
#include "program.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "nat.h"
#include "nflog_tag.h"
#include "nft_exec.h"

/* The tables each hook runs, in the kernel's priority order (raw -300,
 * mangle -150, nat dst -100, filter 0, security 50, nat src 100). The
 * nat table is walked only by a connection's first packet; its hooks
 * bind and rewrite (nat_step). */
static const int8_t hook_tables[QT_NHOOKS][QT_NTABLES + 1] = {
	[QT_HOOK_PRE_ROUTING] = { QT_TABLE_RAW, QT_TABLE_MANGLE, QT_TABLE_NAT,
				  -1 },
	[QT_HOOK_LOCAL_IN] = { QT_TABLE_MANGLE, QT_TABLE_FILTER,
			       QT_TABLE_SECURITY, QT_TABLE_NAT, -1 },
	[QT_HOOK_FORWARD] = { QT_TABLE_MANGLE, QT_TABLE_FILTER,
			      QT_TABLE_SECURITY, -1 },
	[QT_HOOK_LOCAL_OUT] = { QT_TABLE_RAW, QT_TABLE_MANGLE, QT_TABLE_NAT,
				QT_TABLE_FILTER, QT_TABLE_SECURITY, -1 },
	[QT_HOOK_POST_ROUTING] = { QT_TABLE_MANGLE, QT_TABLE_NAT, -1 },
};

/* Headers only: the largest IPv4 header and the largest TCP header. */
#define COPY_HEADERS 128
/* A ruleset that translates addresses: whole packets, which a rewrite
 * hands back (a shorter copy would cut them) and whose checksum it may
 * have to make whole. */
#define COPY_NAT 0xffff
/* A ruleset that tracks connections: whole packets up to an Ethernet
 * MTU, so that conntrack can verify checksums the kernel has not (it
 * does at PREROUTING). Larger unverified packets are rare (jumbo frames
 * from a NIC that does not check): taken as good. GSO packets come
 * verified or with partial checksums; only their first bytes are
 * copied. */
#define COPY_TRACKED 1500
/* Jumps deeper than this drop the packet (the kernel's nf_tables stack
 * is 16 deep; the model refuses loops, so only very deep chains of
 * jumps get here). */
#define STACK_DEPTH 64

enum kind { K_NONE, K_ACCEPT, K_DROP, K_RETURN, K_JUMP, K_GOTO, K_EXT };

struct crule {
	struct qt_rule *r;          /* reference held */
	struct qt_rule_rt *rt;      /* counters, matches and their state */
	/* The addresses pre-masked, as two 64-bit words holding the
	 * address's bytes as they lie in memory (network order), so that
	 * one comparison serves both families without a branch: an IPv4
	 * rule has its address in the first four bytes and zeros after
	 * them, masks included, so that the rest of a packet's address
	 * never counts. */
	uint64_t src[2], smsk[2], dst[2], dmsk[2];
	/* Which addresses are compared at all: not when the mask is all
	 * zero (no -s, or -s ::/0) and not inverted, where every packet
	 * would pass. */
	bool chk_src, chk_dst;
	uint8_t inv;
	uint8_t proto;
	bool any_proto;
	bool frag;
	uint8_t inlen, outlen;      /* bytes of the name compared; 0: any */
	char in[IFNAMSIZ], out[IFNAMSIZ];
	uint8_t kind;
	uint32_t jump;              /* chain index for K_JUMP / K_GOTO */
	const struct qt_ext_inst *target;
};

struct cchain {
	char name[QT_CHAIN_MAXNAMELEN + 1];
	struct crule *rules;
	uint32_t n;
	struct qt_cls *cls;
	struct qt_counters *pol;    /* built-in chains: policy counters */
	bool drop_policy;
};

struct ctable {
	struct cchain *chains;
	uint32_t n;
	uint32_t nbuiltin;          /* then user chains sorted by name */
	int32_t hook_chain[QT_NHOOKS];   /* -1: no built-in chain there */
};

/* One thing a hook runs: an iptables table, conntrack, or an nft base
 * chain, at its priority. */
enum step_kind { ST_TABLE, ST_CT, ST_NFT };

struct step {
	uint8_t kind;
	int8_t table;               /* ST_TABLE */
	unsigned base;              /* ST_NFT: the base chain's index */
	int prio;
	uint64_t rank;              /* equal priorities: later first */
};

struct qt_prog {
	uint8_t family;             /* the ruleset's: AF_INET or AF_INET6 */
	struct ctable tables[QT_NTABLES];
	bool present[QT_NTABLES];
	uint32_t copy_range;
	uint32_t copy_rules;        /* what the rules need, NAT aside */
	bool hook_used[QT_NHOOKS];
	bool rewrites;              /* a target may grow the packet */
	bool uses_ct;               /* a rule reads or changes conntrack */
	bool uses_acct;             /* a rule reads a connection's counts */
	bool uses_labels;           /* a rule sets a connection's labels */
	bool wants_owner;           /* a rule reads local packets' owner */
	bool wants_l2type;          /* a rule reads the frame's type */
	bool iface_keys;            /* a classifier may index interfaces */
	bool src6_keys, dst6_keys;  /* one may index the words 1-3 of an
	                               IPv6 source (destination) address */
	bool nat;                   /* the nat table has a built-in chain:
	                               its hooks bind and rewrite */
	/* nftables' base chains (engine/nft_exec.h), and per hook the
	 * order of everything that runs there once there are any */
	struct qt_nft_prog *nft;
	/* one of no base chains that holds the runtimes of sets with
	 * timeouts, which expire with no chain to look them up */
	struct qt_nft_prog *nft_sets;
	struct step *steps[QT_NHOOKS];
	unsigned nsteps[QT_NHOOKS];
	/* per nat hook, the nat chains its nat step walks: iptables' nat
	 * table and the nft base chains of type nat, in priority order
	 * (none: iptables' table alone) */
	struct step *nat_steps[QT_NHOOKS];
	unsigned nnat[QT_NHOOKS];
	/* log to a netlink group (engine/nflog_tag.h): the parameters
	 * used, the first rule part that sets or matches the mark bits it
	 * takes, and the slots (qt_prog_nflog_finish) */
	struct qt_nflog_used nflog;
	const char *mark_user;
	struct qt_nflog_slots nflog_slots;
};

/* ---- compiling ---- */

/* Tests compare the classified walk with the plain one. */
static bool linear_only;

void qt_prog_force_linear(bool on)
{
	linear_only = on;
}

/* iptables compares an interface name up to its '+' (a prefix), or the
 * whole name and its terminating NUL. */
static void iface_prep(const char *name, char *out, uint8_t *len)
{
	size_t n = strnlen(name, IFNAMSIZ - 1);
	memset(out, 0, IFNAMSIZ);
	memcpy(out, name, n);
	if (n == 0) {
		*len = 0;               /* any: "" never constrains */
		return;
	}
	if (name[n - 1] == '+') {
		*len = (uint8_t)(n - 1);
		out[n - 1] = '\0';
		/* "+" alone: a prefix of length 0 matches every name */
		return;
	}
	*len = (uint8_t)(n + 1);
}

/* 32-bit word w (network order) of an address held as two 64-bit
 * words. */
static uint32_t word_of(const uint64_t a[2], unsigned w)
{
	uint32_t v;
	memcpy(&v, (const uint8_t *)a + 4 * w, 4);
	return v;
}

/* A rule's address and mask as compiled: the net pre-masked; whether
 * it is compared at all. */
static bool addr_prep(const struct in6_addr *a, const struct in6_addr *m,
		      unsigned words, uint64_t net[2], uint64_t msk[2])
{
	uint32_t n32[4] = { 0 }, m32[4] = { 0 };
	for (unsigned w = 0; w < words; w++) {
		m32[w] = m->s6_addr32[w];
		n32[w] = a->s6_addr32[w] & m32[w];
	}
	memcpy(net, n32, 16);
	memcpy(msk, m32, 16);
	return (msk[0] | msk[1]) != 0;
}

static void cls_range_of(const struct crule *c, struct qt_cls_range *k)
{
	qt_cls_range_any(k);
	/* per 32-bit word: every value the masked word can take lies in
	 * [a & m, (a & m) | ~m], contiguous mask or not */
	static const enum qt_cls_field sf[4] = { QT_CLS_SRC, QT_CLS_SRC1,
						 QT_CLS_SRC2, QT_CLS_SRC3 };
	static const enum qt_cls_field df[4] = { QT_CLS_DST, QT_CLS_DST1,
						 QT_CLS_DST2, QT_CLS_DST3 };
	for (unsigned w = 0; w < 4; w++) {
		if (!(c->inv & QT_INV_SRCIP)) {
			uint32_t a = ntohl(word_of(c->src, w));
			uint32_t m = ntohl(word_of(c->smsk, w));
			k->lo[sf[w]] = a & m;
			k->hi[sf[w]] = (a & m) | ~m;
		}
		if (!(c->inv & QT_INV_DSTIP)) {
			uint32_t a = ntohl(word_of(c->dst, w));
			uint32_t m = ntohl(word_of(c->dmsk, w));
			k->lo[df[w]] = a & m;
			k->hi[df[w]] = (a & m) | ~m;
		}
	}
	if (!c->any_proto && !(c->inv & QT_INV_PROTO))
		k->lo[QT_CLS_PROTO] = k->hi[QT_CLS_PROTO] = c->proto;
	/* exact names only: "eth+" is a prefix, not one key */
	if (c->inlen && c->in[c->inlen - 1] == '\0' && !(c->inv & QT_INV_VIA_IN))
		k->lo[QT_CLS_IN] = k->hi[QT_CLS_IN] = qt_cls_iface_key(c->in);
	if (c->outlen && c->out[c->outlen - 1] == '\0' &&
	    !(c->inv & QT_INV_VIA_OUT))
		k->lo[QT_CLS_OUT] = k->hi[QT_CLS_OUT] = qt_cls_iface_key(c->out);
	struct qt_class_key ck = { 0 };
	bool sp = false, dp = false;
	uint16_t s[2] = { 0, 65535 }, d[2] = { 0, 65535 };
	for (unsigned i = 0; i < c->r->nmatches; i++) {
		const struct qt_ext_inst *m = &c->rt->matches[i].in;
		if (!m->ext->classify)
			continue;
		memset(&ck, 0, sizeof(ck));
		m->ext->classify(m, &ck);
		/* several matches: the packet must be in all ranges */
		if (ck.sport_set) {
			sp = true;
			if (ck.sport[0] > s[0]) s[0] = ck.sport[0];
			if (ck.sport[1] < s[1]) s[1] = ck.sport[1];
		}
		if (ck.dport_set) {
			dp = true;
			if (ck.dport[0] > d[0]) d[0] = ck.dport[0];
			if (ck.dport[1] < d[1]) d[1] = ck.dport[1];
		}
	}
	/* an empty intersection can match nothing; a range of its own
	 * would do, but it is rare enough to treat as "any" */
	if (sp && s[0] <= s[1]) {
		k->lo[QT_CLS_SPORT] = s[0];
		k->hi[QT_CLS_SPORT] = s[1];
	}
	if (dp && d[0] <= d[1]) {
		k->lo[QT_CLS_DPORT] = d[0];
		k->hi[QT_CLS_DPORT] = d[1];
	}
}

/* Whether the engine walks a table at some hook. */
static bool table_walked(int table)
{
	for (int h = 0; h < QT_NHOOKS; h++)
		for (const int8_t *x = hook_tables[h]; *x >= 0; x++)
			if (*x == table)
				return true;
	return false;
}

static int compile_rule(struct crule *c, struct qt_rule *r,
			const struct qt_table *t, struct qt_prog *p,
			const struct qt_engine_env *env,
			struct qt_rt_store *store, struct qt_buf *err)
{
	memset(c, 0, sizeof(*c));
	c->r = qt_rule_ref(r);
	c->rt = qt_rt_get(store, r);
	if (qt_rt_make(c->rt, env, err) < 0)
		return -1;
	unsigned words = r->family == AF_INET6 ? 4 : 1;
	c->inv = r->invflags;
	c->chk_src = addr_prep(&r->src.v6, &r->smsk.v6, words, c->src,
			       c->smsk) || (c->inv & QT_INV_SRCIP);
	c->chk_dst = addr_prep(&r->dst.v6, &r->dmsk.v6, words, c->dst,
			       c->dmsk) || (c->inv & QT_INV_DSTIP);
	c->proto = (uint8_t)r->proto;
	c->any_proto = r->proto == 0;
	c->frag = r->frag;
	iface_prep(r->iniface, c->in, &c->inlen);
	iface_prep(r->outiface, c->out, &c->outlen);
	bool walked = table_walked(t->id);
	for (unsigned i = 0; i < r->nmatches; i++) {
		struct qt_ext_inst *m = &r->matches[i];
		if (walked && m->ext->cannot_run) {
			qt_buf_printf(err, "Error: qtables cannot run -m %s: "
				      "%s\n", m->ext->name,
				      m->ext->cannot_run);
			return -1;
		}
		const char *why = m->ext->cannot_run_why ?
				  m->ext->cannot_run_why(m) : NULL;
		if (walked && why) {
			qt_buf_printf(err, "Error: qtables cannot run -m %s: "
				      "%s\n", m->ext->name, why);
			return -1;
		}
		if (walked && !m->ext->match) {
			qt_buf_printf(err, "qtablesd: -m %s in table %s: the "
				      "engine cannot judge packets with this "
				      "match\n", m->ext->name,
				      qt_table_def(t->id)->name);
			return -1;
		}
		p->uses_ct |= m->ext->conntrack;
		p->uses_acct |= m->ext->ct_acct;
		p->wants_l2type |= m->ext->l2type;
		if (!p->mark_user && m->ext->mark_bits &&
		    m->ext->mark_bits(m, QT_NFLOG_MASK))
			p->mark_user = m->ext->name;
		if (m->ext->wants_owner && m->ext->wants_owner(m))
			p->wants_owner = true;
		if (m->ext->copy_need) {
			uint32_t need = m->ext->copy_need(m);
			if (need > p->copy_range)
				p->copy_range = need;
			if (need > p->copy_rules)
				p->copy_rules = need;
		}
	}
	switch (r->verdict) {
	case QT_V_NONE: c->kind = K_NONE; break;
	case QT_V_ACCEPT: c->kind = K_ACCEPT; break;
	case QT_V_DROP: c->kind = K_DROP; break;
	case QT_V_RETURN: c->kind = K_RETURN; break;
	case QT_V_JUMP:
	case QT_V_GOTO: {
		int idx = qt_table_chain_index(t, r->jump);
		if (idx < 0) {
			qt_buf_printf(err, "qtablesd: jump to a missing chain "
				      "%s\n", r->jump);
			return -1;
		}
		c->kind = r->verdict == QT_V_JUMP ? K_JUMP : K_GOTO;
		c->jump = (uint32_t)idx;
		break;
	}
	case QT_V_EXT: {
		const struct qt_ext_inst *tg = &c->rt->target.in;
		/* a target with no engine side is only kept where no
		 * packet meets it: in a walked table its packets would
		 * pass as if it had acted, so such a ruleset is not run
		 * at all */
		if (walked && !tg->ext->target) {
			qt_buf_printf(err, "qtablesd: -j %s in table %s: the "
				      "engine cannot run this target\n",
				      tg->ext->name, qt_table_def(t->id)->name);
			return -1;
		}
		c->kind = K_EXT;
		c->target = tg;
		p->uses_ct |= tg->ext->conntrack;
		p->wants_l2type |= tg->ext->l2type;
		if (tg->ext->nflog)
			qt_nflog_note(&p->nflog, tg->ext->nflog(tg));
		if (!p->mark_user && tg->ext->mark_bits &&
		    tg->ext->mark_bits(tg, QT_NFLOG_MASK))
			p->mark_user = tg->ext->name;
		if (tg->ext->wants_owner && tg->ext->wants_owner(tg))
			p->wants_owner = true;
		if (tg->ext->copy_need) {
			uint32_t need = tg->ext->copy_need(tg);
			if (need > p->copy_range)
				p->copy_range = need;
			if (need > p->copy_rules)
				p->copy_rules = need;
			/* a target wanting whole packets rewrites them */
			if (need >= 0xffff)
				p->rewrites = true;
		}
		break;
	}
	}
	return 0;
}

/* The previous program's chain of the same name, if it holds exactly
 * the same rules: its classifier is shared rather than built again. */
static const struct cchain *same_chain(const struct ctable *pt,
				       const struct qt_chain *ch, uint32_t idx)
{
	const struct cchain *pc = NULL;
	if (!pt || !pt->chains)
		return NULL;
	if (ch->builtin) {
		if (idx < pt->nbuiltin && !strcmp(pt->chains[idx].name, ch->name))
			pc = &pt->chains[idx];
	} else {
		uint32_t lo = pt->nbuiltin, hi = pt->n;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			int c = strcmp(pt->chains[mid].name, ch->name);
			if (c == 0) {
				pc = &pt->chains[mid];
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	if (!pc || pc->n != ch->nrules || linear_only)
		return NULL;
	for (uint32_t i = 0; i < pc->n; i++)
		if (pc->rules[i].r != ch->rules[i])
			return NULL;
	return pc;
}

static int compile_chain(struct cchain *cc, const struct qt_chain *ch,
			 const struct qt_table *t, struct qt_prog *p,
			 const struct qt_engine_env *env,
			 struct qt_rt_store *store, const struct cchain *prev,
			 struct qt_buf *err)
{
	snprintf(cc->name, sizeof(cc->name), "%s", ch->name);
	cc->n = ch->nrules;
	cc->rules = calloc(ch->nrules ? ch->nrules : 1, sizeof(*cc->rules));
	struct qt_cls_range *kr = malloc((ch->nrules ? ch->nrules : 1) *
					 sizeof(*kr));
	if (!cc->rules || !kr) {
		free(kr);
		qt_buf_printf(err, "qtablesd: out of memory\n");
		return -1;
	}
	for (uint32_t i = 0; i < ch->nrules; i++) {
		if (compile_rule(&cc->rules[i], ch->rules[i], t, p, env,
				 store, err) < 0) {
			free(kr);
			return -1;
		}
		if (!prev)
			cls_range_of(&cc->rules[i], &kr[i]);
	}
	if (prev)
		cc->cls = qt_cls_ref(prev->cls);
	else
		cc->cls = linear_only ? qt_cls_build_linear(ch->nrules)
				      : qt_cls_build(kr, ch->nrules);
	free(kr);
	if (!cc->cls) {
		qt_buf_printf(err, "qtablesd: out of memory\n");
		return -1;
	}
	/* packets need interface keys only where a group indexes them */
	if (qt_cls_has_group(cc->cls, QT_CLS_IN) ||
	    qt_cls_has_group(cc->cls, QT_CLS_OUT))
		p->iface_keys = true;
	/* nor IPv6 addresses' words past the first */
	for (int w = 0; w < 3; w++) {
		p->src6_keys |= qt_cls_has_group(cc->cls, QT_CLS_SRC1 + w);
		p->dst6_keys |= qt_cls_has_group(cc->cls, QT_CLS_DST1 + w);
	}
	if (ch->builtin) {
		if (ch->counts_policy)
			cc->pol = &qt_rt_store_policy(store)->c[t->id][ch->hook];
		cc->drop_policy = ch->policy == QT_V_DROP;
	}
	return 0;
}

struct qt_prog *qt_prog_compile(struct qt_ruleset *rs,
				const struct qt_engine_env *env,
				struct qt_rt_store *store, struct qt_buf *err)
{
	return qt_prog_compile_from(rs, env, store, NULL, err);
}

struct qt_prog *qt_prog_compile_from(struct qt_ruleset *rs,
				     const struct qt_engine_env *env,
				     struct qt_rt_store *store,
				     const struct qt_prog *prev,
				     struct qt_buf *err)
{
	struct qt_prog *p = calloc(1, sizeof(*p));
	if (!p) {
		qt_buf_printf(err, "qtablesd: out of memory\n");
		return NULL;
	}
	p->family = rs->family;
	p->copy_range = p->copy_rules = COPY_HEADERS;
	for (int ti = 0; ti < QT_NTABLES; ti++) {
		struct ctable *ct = &p->tables[ti];
		for (int h = 0; h < QT_NHOOKS; h++)
			ct->hook_chain[h] = -1;
		const struct qt_table *t = rs->tables[ti];
		if (!t)
			continue;
		p->present[ti] = true;
		ct->n = t->nchains;
		ct->nbuiltin = t->nbuiltin;
		const struct ctable *pt = prev && prev->present[ti]
					  ? &prev->tables[ti] : NULL;
		ct->chains = calloc(t->nchains ? t->nchains : 1,
				    sizeof(*ct->chains));
		if (!ct->chains) {
			qt_buf_printf(err, "qtablesd: out of memory\n");
			qt_prog_free(p);
			return NULL;
		}
		for (uint32_t ci = 0; ci < t->nchains; ci++) {
			const struct qt_chain *ch = t->chains[ci];
			if (compile_chain(&ct->chains[ci], ch, t, p, env, store,
					  same_chain(pt, ch, ci), err) < 0) {
				qt_prog_free(p);
				return NULL;
			}
			/* A built-in chain iptables-nft has not created
			 * in the kernel yet sees no packets there: it
			 * neither counts nor judges them. */
			if (ch->builtin && ch->present) {
				ct->hook_chain[ch->hook] = (int32_t)ci;
				/* as iptables-nft: any built-in chain of
				 * nat registers the NAT hooks, all four */
				if (ti == QT_TABLE_NAT)
					p->nat = true;
				for (const int8_t *x = hook_tables[ch->hook];
				     *x >= 0; x++)
					if (*x == ti)
						p->hook_used[ch->hook] = true;
			}
		}
	}
	if (p->nat) {
		p->uses_ct = true;
		p->copy_range = COPY_NAT;
	}
	return p;
}

void qt_prog_free(struct qt_prog *p)
{
	if (!p)
		return;
	qt_nft_prog_free(p->nft);
	qt_nft_prog_free(p->nft_sets);
	for (int h = 0; h < QT_NHOOKS; h++) {
		free(p->steps[h]);
		free(p->nat_steps[h]);
	}
	for (int ti = 0; ti < QT_NTABLES; ti++) {
		struct ctable *ct = &p->tables[ti];
		for (uint32_t ci = 0; ci < ct->n; ci++) {
			struct cchain *cc = &ct->chains[ci];
			for (uint32_t i = 0; i < cc->n; i++)
				if (cc->rules[i].r)
					qt_rule_unref(cc->rules[i].r);
			free(cc->rules);
			qt_cls_free(cc->cls);
		}
		free(ct->chains);
	}
	free(p);
}

void qt_prog_mark(const struct qt_prog *p, struct qt_rt_store *store)
{
	for (int ti = 0; p && ti < QT_NTABLES; ti++) {
		const struct ctable *ct = &p->tables[ti];
		for (uint32_t ci = 0; ci < ct->n; ci++)
			for (uint32_t i = 0; i < ct->chains[ci].n; i++)
				if (ct->chains[ci].rules[i].r)
					qt_rt_store_mark(store,
						ct->chains[ci].rules[i].r);
	}
}

uint32_t qt_prog_copy_range(const struct qt_prog *p)
{
	if (p->uses_ct && p->copy_range < COPY_TRACKED)
		return COPY_TRACKED;
	return p->copy_range;
}

uint32_t qt_prog_copy_range_offloaded(const struct qt_prog *p)
{
	/* nft rules may load payload anywhere in the packet (@th,
	 * @ih), which the whole copy NAT asked for gave them */
	if (p->nft)
		return qt_prog_copy_range(p);
	if (p->uses_ct && p->copy_rules < COPY_TRACKED)
		return COPY_TRACKED;
	return p->copy_rules;
}

void qt_prog_describe_chain(const struct qt_prog *p, enum qt_table_id t,
			    const char *chain, char *buf, unsigned len)
{
	snprintf(buf, len, "?");
	if (!p->present[t])
		return;
	const struct ctable *ct = &p->tables[t];
	for (uint32_t i = 0; i < ct->n; i++)
		if (!strcmp(ct->chains[i].name, chain))
			qt_cls_describe(ct->chains[i].cls, buf, len);
}

bool qt_prog_wants_l2type(const struct qt_prog *p)
{
	return p->wants_l2type;
}

int qt_prog_nflog_finish(struct qt_prog *p, const struct qt_prog *prev,
			 struct qt_buf *err)
{
	if (!p->nflog.n)
		return 0;
	if (p->nflog.over) {
		qt_buf_printf(err, "Error: qtables cannot run log group with "
			      "more than %u different parameters (group, "
			      "prefix, snaplen, queue-threshold) in one "
			      "family\n", QT_NFLOG_SLOTS);
		return -1;
	}
	if (p->mark_user) {
		qt_buf_printf(err, "Error: qtables cannot run log group with "
			      "a rule that sets or matches mark bits 0x%08x "
			      "(%s): they tell the kernel what to log\n",
			      QT_NFLOG_MASK, p->mark_user);
		return -1;
	}
	return qt_nflog_assign(p->nflog.p, p->nflog.n,
			       prev ? &prev->nflog_slots : NULL,
			       &p->nflog_slots);
}

const struct qt_nflog_slots *qt_prog_nflog_slots(const struct qt_prog *p)
{
	return p && p->nflog.n ? &p->nflog_slots : NULL;
}

bool qt_prog_wants_owner(const struct qt_prog *p)
{
	return p->wants_owner;
}

bool qt_prog_uses_ct(const struct qt_prog *p)
{
	return p->uses_ct;
}

bool qt_prog_uses_acct(const struct qt_prog *p)
{
	return p->uses_acct;
}

bool qt_prog_uses_labels(const struct qt_prog *p)
{
	return p->uses_labels;
}

bool qt_prog_rewrites(const struct qt_prog *p)
{
	return p->rewrites;
}

bool qt_prog_nat(const struct qt_prog *p)
{
	return p->nat;
}

bool qt_prog_hook_used(const struct qt_prog *p, unsigned hook)
{
	return hook < QT_NHOOKS && p->hook_used[hook];
}

/* The priority iptables-nft gives each table at a hook (nat: dstnat
 * -100 before routing and for local output, srcnat 100 after), and
 * conntrack's (-200, where a packet enters: PREROUTING and OUTPUT). */
static int table_prio(int table, unsigned hook)
{
	switch (table) {
	case QT_TABLE_RAW: return -300;
	case QT_TABLE_MANGLE: return -150;
	case QT_TABLE_NAT:
		return hook == QT_HOOK_PRE_ROUTING || hook == QT_HOOK_LOCAL_OUT
		       ? -100 : 100;
	case QT_TABLE_FILTER: return 0;
	default: return 50;          /* security */
	}
}

/* Ascending priority. At equal priority the kernel runs the hook
 * registered last first (nf_hook_entries_grow inserts a new one before
 * those of its priority; seen with two nft chains on kernel 6.18): of
 * nft chains, the later table or chain (higher handles) first; iptables'
 * tables count as registered before any nft chain (they are there from
 * the start), so an nft chain of their priority runs before them.
 * Conntrack (-200) is registered when the first rule that needs it is
 * added, after the chains of that rule's table: it runs before an nft
 * chain of its priority (a chain made at -200 in a table added while
 * tracking is on already would run before it in the kernel). */
static int step_cmp(const void *a, const void *b)
{
	const struct step *x = a, *y = b;
	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	if ((x->kind == ST_CT) != (y->kind == ST_CT))
		return x->kind == ST_CT ? -1 : 1;
	if ((x->kind == ST_NFT) != (y->kind == ST_NFT))
		return x->kind == ST_NFT ? -1 : 1;
	if (x->kind == ST_NFT && x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return 0;
}

/* Sort n steps by step_cmp, stable (tables keep netfilter's order). */
static void sort_steps(struct step *st, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && step_cmp(&st[j - 1], &st[j]) > 0;
		     j--) {
			struct step t = st[j];
			st[j] = st[j - 1];
			st[j - 1] = t;
		}
}

/* The nat chains of each nat hook (engine/nft_nat.h): iptables' nat
 * table at its priority and the nft nat chains at theirs. Any nat
 * chain of the family registers the nat core at all four hooks, as an
 * iptables nat chain does. */
static int attach_nat(struct qt_prog *p, const struct qt_nft_prog *np,
		      struct qt_buf *err)
{
	unsigned nb = qt_nft_nbase(np);
	bool any = false;
	for (unsigned i = 0; i < nb; i++)
		any |= qt_nft_base_nat(np, i);
	if (!any)
		return 0;
	/* tracking is on only where a rule asks for it (a nat or ct
	 * statement: qt_nft_uses_ct); without it the nat hooks see no
	 * connection and walk nothing, as in the kernel */
	p->nat = true;
	p->copy_range = COPY_NAT;
	for (unsigned h = 0; h < QT_NHOOKS; h++) {
		if (h == QT_HOOK_FORWARD)
			continue;
		struct step *st = calloc(nb + 1, sizeof(*st));
		if (!st) {
			qt_buf_printf(err, "qtablesd: out of memory\n");
			return -1;
		}
		unsigned k = 0;
		st[k++] = (struct step){ .kind = ST_TABLE, .table = QT_TABLE_NAT,
					 .prio = table_prio(QT_TABLE_NAT, h) };
		for (unsigned i = 0; i < nb; i++) {
			unsigned hook;
			int prio;
			uint64_t rank;
			qt_nft_base_info(np, i, &hook, &prio, &rank);
			if (hook == h && qt_nft_base_nat(np, i))
				st[k++] = (struct step){ .kind = ST_NFT,
							 .base = i, .prio = prio,
							 .rank = rank };
		}
		sort_steps(st, k);
		p->nat_steps[h] = st;
		p->nnat[h] = k;
	}
	return 0;
}

int qt_prog_attach_nft(struct qt_prog *p, struct qt_nft_prog *np,
		       struct qt_buf *err)
{
	unsigned nb = qt_nft_nbase(np);
	/* conntrack is on with a ct rule anywhere, as in the kernel */
	p->uses_ct |= qt_nft_uses_ct(np);
	p->uses_acct |= qt_nft_uses_acct(np);
	p->uses_labels |= qt_nft_uses_labels(np);
	const struct qt_nflog_used *nu = qt_nft_nflog(np);
	for (unsigned i = 0; nu && i < nu->n; i++)
		qt_nflog_note(&p->nflog, nu->p[i]);
	if (nu)
		p->nflog.over += nu->over;
	if (!p->mark_user)
		p->mark_user = qt_nft_mark_user(np);
	if (!nb) {
		if (qt_nft_holds_sets(np))
			p->nft_sets = np;
		else
			qt_nft_prog_free(np);
		return 0;
	}
	p->nft = np;
	for (unsigned h = 0; h < QT_NHOOKS; h++) {
		unsigned n = QT_NTABLES + 1 + nb;
		struct step *st = calloc(n, sizeof(*st));
		if (!st) {
			qt_buf_printf(err, "qtablesd: out of memory\n");
			return -1;
		}
		unsigned k = 0;
		for (const int8_t *x = hook_tables[h]; *x >= 0; x++)
			st[k++] = (struct step){ .kind = ST_TABLE, .table = *x,
						 .prio = table_prio(*x, h) };
		if (h == QT_HOOK_PRE_ROUTING || h == QT_HOOK_LOCAL_OUT)
			st[k++] = (struct step){ .kind = ST_CT, .prio = -200 };
		for (unsigned i = 0; i < nb; i++) {
			unsigned hook;
			int prio;
			uint64_t rank;
			qt_nft_base_info(np, i, &hook, &prio, &rank);
			if (hook != h || qt_nft_base_nat(np, i))
				continue;
			st[k++] = (struct step){ .kind = ST_NFT, .base = i,
						 .prio = prio, .rank = rank };
			p->hook_used[h] = true;
		}
		sort_steps(st, k);
		p->steps[h] = st;
		p->nsteps[h] = k;
	}
	if (attach_nat(p, np, err) < 0)
		return -1;
	p->uses_ct |= qt_nft_uses_ct(np);
	p->wants_l2type |= qt_nft_wants_l2type(np);
	p->wants_owner |= qt_nft_wants_owner(np);
	p->iface_keys |= qt_nft_iface_keys(np);
	p->src6_keys |= qt_nft_src6_keys(np);
	p->dst6_keys |= qt_nft_dst6_keys(np);
	return 0;
}

/* ---- walking ---- */

static bool iface_match(const char *want, uint8_t len, const char *have)
{
	if (len == 0)
		return true;
	/* have is NUL-terminated and shorter than IFNAMSIZ; comparing len
	 * bytes includes the NUL of an exact name */
	return strncmp(want, have, len) == 0 &&
	       (want[len - 1] != '\0' || strlen(have) == (size_t)len - 1);
}

#define INV(c, f, cond) (!!(cond) ^ !!((c)->inv & (f)))

/* Whether address a, masked, is net: two 64-bit words whatever the
 * family (an IPv4 rule's mask is zero past its first four bytes, so
 * whatever follows an IPv4 packet's address never counts). */
_Static_assert(offsetof(struct qt_pkt, saddr) % 8 == 0 &&
	       offsetof(struct qt_pkt, daddr) % 8 == 0,
	       "a packet's addresses are read as aligned 64-bit words");
static inline bool addr_in(const union qt_addr *a, const uint64_t net[2],
			   const uint64_t msk[2])
{
	uint64_t w[2];
	memcpy(w, a, sizeof(w));
	return (((w[0] & msk[0]) ^ net[0]) | ((w[1] & msk[1]) ^ net[1])) == 0;
}

static bool base_match(const struct crule *c, const struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	if ((c->chk_src &&
	     INV(c, QT_INV_SRCIP, !addr_in(&p->saddr, c->src, c->smsk))) ||
	    (c->chk_dst &&
	     INV(c, QT_INV_DSTIP, !addr_in(&p->daddr, c->dst, c->dmsk))))
		return false;
	if (c->inlen && INV(c, QT_INV_VIA_IN, !iface_match(c->in, c->inlen,
							   ev->in)))
		return false;
	if (c->outlen && INV(c, QT_INV_VIA_OUT, !iface_match(c->out, c->outlen,
							     ev->out)))
		return false;
	/* -p is nft's meta l4proto: AH's own behind an AH header, and
	 * none to match, even inverted, where nf_tables finds none */
	if (!c->any_proto &&
	    (p->no_tproto ||
	     INV(c, QT_INV_PROTO, qt_pkt_tproto(p) != c->proto)))
		return false;
	/* -f: non-first fragments */
	if (c->frag && INV(c, QT_INV_FRAG, p->frag_off == 0))
		return false;
	return true;
}

static void count(struct qt_counters *k, uint32_t bytes)
{
	__atomic_fetch_add(&k->pkts, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&k->bytes, bytes, __ATOMIC_RELAXED);
}

struct frame {
	const struct cchain *ch;
	struct qt_cls_cand cand;
};

static void candidates(const struct cchain *ch, const uint32_t *key,
		       unsigned ports, struct frame *f)
{
	f->ch = ch;
	qt_cls_lookup(ch->cls, key, ports, &f->cand);
}

static int walk_table(const struct ctable *t, int32_t start,
		      struct qt_eval *ev, const uint32_t *key, unsigned ports,
		      struct qt_prog_stats *st)
{
	struct frame stack[STACK_DEPTH];
	unsigned depth = 0;
	struct frame cur;
	const struct cchain *base = &t->chains[start];
	candidates(base, key, ports, &cur);
	for (;;) {
		for (uint32_t ri; (ri = qt_cls_next(&cur.cand)) != UINT32_MAX;) {
			const struct crule *c = &cur.ch->rules[ri];
			if (st)
				st->rules_tried++;
			if (!base_match(c, ev))
				continue;
			const struct qt_rule_rt *rt = c->rt;
			bool ok = true;
			for (unsigned i = 0; i < rt->nmatches; i++) {
				const struct qt_ext_inst *m = &rt->matches[i].in;
				/* compile refused a match without one */
				if (!m->ext->match(m, ev)) {
					ok = false;
					break;
				}
			}
			if (ev->hotdrop)
				return QT_XT_DROP;
			if (!ok)
				continue;
			count(&c->rt->cnt, ev->orig_len);
			switch (c->kind) {
			case K_NONE:
				continue;
			case K_ACCEPT:
				return QT_XT_ACCEPT;
			case K_DROP:
				return QT_XT_DROP;
			case K_RETURN:
				goto chain_end;
			case K_JUMP:
				if (depth == STACK_DEPTH) {
					if (st)
						st->too_deep++;
					return QT_XT_DROP;
				}
				stack[depth++] = cur;
				/* fall through */
			case K_GOTO:
				candidates(&t->chains[c->jump], key, ports,
					   &cur);
				continue;
			case K_EXT: {
				const struct qt_ext_inst *tg = c->target;
				/* compile refused a target without one */
				int v = tg->ext->target(tg, ev);
				if (v != QT_XT_CONTINUE)
					return v;
				continue;
			}
			}
		}
chain_end:
		if (depth == 0)
			break;
		cur = stack[--depth];
	}
	/* off the end of the built-in chain (or RETURN from it): policy */
	if (base->pol)
		count(base->pol, ev->orig_len);
	return base->drop_policy ? QT_XT_DROP : QT_XT_ACCEPT;
}

/* The classifier's key of the packet as it is now; returns which ports
 * it holds. */
static inline __attribute__((always_inline)) unsigned
make_key(const struct qt_prog *p, const struct qt_eval *ev, uint32_t *key)
{
	const struct qt_pkt *pk = &ev->pkt;
	key[QT_CLS_SRC] = ntohl(pk->saddr.v4.s_addr);
	key[QT_CLS_DST] = ntohl(pk->daddr.v4.s_addr);
	/* an IPv6 address's other words only where a group reads them
	 * (the key's zeros are never read otherwise) */
	if (pk->family == AF_INET6) {
		if (p->src6_keys) {
			const uint32_t *s = pk->saddr.v6.s6_addr32;
			key[QT_CLS_SRC1] = ntohl(s[1]);
			key[QT_CLS_SRC2] = ntohl(s[2]);
			key[QT_CLS_SRC3] = ntohl(s[3]);
		}
		if (p->dst6_keys) {
			const uint32_t *d = pk->daddr.v6.s6_addr32;
			key[QT_CLS_DST1] = ntohl(d[1]);
			key[QT_CLS_DST2] = ntohl(d[2]);
			key[QT_CLS_DST3] = ntohl(d[3]);
		}
	}
	key[QT_CLS_PROTO] = pk->no_tproto ? pk->proto : (uint8_t)qt_pkt_tproto(pk);
	if (p->iface_keys) {
		key[QT_CLS_IN] = qt_cls_iface_key(ev->in ? ev->in : "");
		key[QT_CLS_OUT] = qt_cls_iface_key(ev->out ? ev->out : "");
	}
	/* Ports as iptables-nft's port checks read them: the bytes at the
	 * transport offset, also of a non-first fragment (its payload
	 * loads do not look at the fragment offset); each needs only its
	 * own two bytes. SCTP's ports sit where TCP's do (sctp's rules are
	 * xt_sctp, which refuses a non-first fragment itself; an SCTP
	 * packet too short to hold a port meets no sctp port rule, where
	 * the kernel's xt_sctp would drop it). */
	unsigned ports = 0;
	if ((pk->proto == IPPROTO_TCP || pk->proto == IPPROTO_UDP ||
	     pk->proto == IPPROTO_SCTP) && pk->l4 && !pk->ah_off) {
		if (pk->l4_len >= 2) {
			ports |= QT_CLS_HAS_SPORT;
			key[QT_CLS_SPORT] = (uint32_t)(pk->l4[0] << 8 | pk->l4[1]);
		}
		if (pk->l4_len >= 4) {
			ports |= QT_CLS_HAS_DPORT;
			key[QT_CLS_DPORT] = (uint32_t)(pk->l4[2] << 8 | pk->l4[3]);
		}
	}
	return ports;
}

/* The nat chains of the hook for a connection's first packet, in
 * priority order, until one binds it for manip m (nf_nat_inet_fn):
 * QT_XT_ACCEPT or the drop of a chain. */
static int nat_chains(const struct qt_prog *p, struct qt_eval *ev,
		      enum qt_nat_manip m, const uint32_t *key,
		      unsigned ports, struct qt_prog_stats *st)
{
	const struct ctable *t = &p->tables[QT_TABLE_NAT];
	int32_t start = t->hook_chain[ev->hook];
	if (!p->nnat[ev->hook])
		return start >= 0 ? walk_table(t, start, ev, key, ports, st)
				  : QT_XT_ACCEPT;
	const struct step *s = p->nat_steps[ev->hook];
	for (unsigned i = 0; i < p->nnat[ev->hook]; i++) {
		int v = QT_XT_ACCEPT;
		if (s[i].kind == ST_NFT)
			v = qt_nft_eval_base(p->nft, s[i].base, ev, key, ports);
		else if (start >= 0)
			v = walk_table(t, start, ev, key, ports, st);
		if (v == QT_XT_DROP)
			return QT_XT_DROP;
		if (qt_nat_done(ev->ct, m))
			break;
	}
	return QT_XT_ACCEPT;
}

/* The nat hook (the kernel's nf_nat_ipv4_fn): an ICMP error related to
 * a connection is translated with it; the first packet of a connection
 * walks the nat chains, and gets the null binding when none bound it;
 * then the packet is rewritten from the bindings. Packets without an
 * entry (INVALID, UNTRACKED) pass untouched. */
static __attribute__((noinline)) int
nat_step(const struct qt_prog *p, struct qt_eval *ev, const uint32_t *key,
	 unsigned ports, struct qt_prog_stats *st)
{
	struct qt_ct_entry *e = ev->ct;
	/* each family's program holds its own nat table (iptables' or
	 * ip6tables'): a packet of the other family passes untranslated */
	uint8_t fam = p->family == AF_INET6 ? AF_INET6 : AF_INET;
	if (!ev->ct_valid || !e || ev->pkt.family != fam)
		return QT_XT_ACCEPT;
	enum qt_ct_state s = (enum qt_ct_state)ev->ct_state;
	if (s != QT_CT_NEW && s != QT_CT_ESTABLISHED && s != QT_CT_RELATED)
		return QT_XT_ACCEPT;
	enum qt_nat_manip m = qt_nat_hook_manip(ev->hook);
	if (s == QT_CT_RELATED &&
	    ev->pkt.proto == (ev->pkt.family == AF_INET6 ? IPPROTO_ICMPV6
							: IPPROTO_ICMP))
		return qt_nat_icmp_reply(ev, m);
	if (s != QT_CT_ESTABLISHED && !qt_nat_done(e, m)) {
		if (nat_chains(p, ev, m, key, ports, st) == QT_XT_DROP)
			return QT_XT_DROP;
		if (!qt_nat_done(e, m) &&
		    qt_nat_null_binding(ev, m) == QT_XT_DROP)
			return QT_XT_DROP;
	}
	return qt_nat_packet(ev, m);
}

/* After the nat step (before: whether the packet was rewritten ahead
 * of it): a rewrite the kernel's maps make for an offloaded connection
 * (ev->kernel_nat) is the walk's view only, and leaves the verdict as
 * the other targets make it; any other rewrite is handed back. */
static inline void nat_after(struct qt_eval *ev, bool before)
{
	if (ev->kernel_nat)
		ev->rewritten = before;
	else
		ev->rewritten |= before;
}

/* One iptables table at the hook: 0 to go on, or the drop. */
static int run_table(const struct qt_prog *p, int table, struct qt_eval *ev,
		     uint32_t *key, unsigned *ports, struct qt_prog_stats *st)
{
	if (table == QT_TABLE_NAT) {
		if (!p->nat)
			return QT_XT_ACCEPT;
		bool before = ev->rewritten;
		ev->rewritten = false;
		int v = nat_step(p, ev, key, *ports, st);
		/* the tables after this one see the packet as it is now */
		if (ev->rewritten)
			*ports = make_key(p, ev, key);
		nat_after(ev, before);
		return v;
	}
	if (!p->present[table])
		return QT_XT_ACCEPT;
	const struct ctable *t = &p->tables[table];
	int32_t start = t->hook_chain[ev->hook];
	if (start < 0)
		return QT_XT_ACCEPT;
	return walk_table(t, start, ev, key, *ports, st);
}

/* The hook's tables, conntrack and nft base chains in priority order
 * (qt_prog_attach_nft). */
static __attribute__((noinline)) int
eval_steps(const struct qt_prog *p, struct qt_eval *ev, uint32_t *key,
	   unsigned ports, struct qt_prog_stats *st)
{
	const struct step *s = p->steps[ev->hook];
	for (unsigned i = 0; i < p->nsteps[ev->hook]; i++) {
		int v = QT_XT_ACCEPT;
		switch (s[i].kind) {
		case ST_CT:
			if (p->uses_ct && ev->ct_in) {
				ev->ct_in(ev, ev->ct_user);
				if (ev->hotdrop)
					return QT_XT_DROP;
			}
			break;
		case ST_TABLE:
			v = run_table(p, s[i].table, ev, key, &ports, st);
			break;
		case ST_NFT:
			v = qt_nft_eval_base(p->nft, s[i].base, ev, key, ports);
			break;
		}
		if (v == QT_XT_DROP)
			return QT_XT_DROP;
	}
	return QT_XT_ACCEPT;
}

int qt_prog_eval(const struct qt_prog *p, struct qt_eval *ev,
		 struct qt_prog_stats *st)
{
	if (st)
		st->evals++;
	if (ev->hook >= QT_NHOOKS)
		return QT_XT_ACCEPT;
	uint32_t key[QT_CLS_NFIELDS] = { 0 };
	unsigned ports = make_key(p, ev, key);
	if (p->nft)
		return eval_steps(p, ev, key, ports, st);
	bool ct_done = !(p->uses_ct && ev->ct_in &&
			 (ev->hook == QT_HOOK_PRE_ROUTING ||
			  ev->hook == QT_HOOK_LOCAL_OUT));
	for (const int8_t *x = hook_tables[ev->hook]; *x >= 0; x++) {
		/* conntrack runs between raw and mangle, as in the kernel */
		if (!ct_done && *x != QT_TABLE_RAW) {
			ct_done = true;
			ev->ct_in(ev, ev->ct_user);
			if (ev->hotdrop)
				return QT_XT_DROP;
		}
		if (*x == QT_TABLE_NAT) {
			if (!p->nat)
				continue;
			bool before = ev->rewritten;
			ev->rewritten = false;
			int v = nat_step(p, ev, key, ports, st);
			/* the tables after this one see the packet as it
			 * is now */
			if (ev->rewritten)
				ports = make_key(p, ev, key);
			nat_after(ev, before);
			if (v == QT_XT_DROP)
				return QT_XT_DROP;
			continue;
		}
		if (!p->present[*x])
			continue;
		const struct ctable *t = &p->tables[*x];
		int32_t start = t->hook_chain[ev->hook];
		if (start < 0)
			continue;
		if (walk_table(t, start, ev, key, ports, st) == QT_XT_DROP)
			return QT_XT_DROP;
	}
	/* a hook with only raw (or nothing after it) */
	if (!ct_done) {
		ev->ct_in(ev, ev->ct_user);
		if (ev->hotdrop)
			return QT_XT_DROP;
	}
	return QT_XT_ACCEPT;
}
