/* Compiling nftables' base chains and walking them (see nft_exec.h). */
#include "nft_exec.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "conntrack_entry.h"
#include "counters.h"
#include "ext.h"
#include "model.h"
#include "nft_ct.h"
#include "nft_expr.h"
#include "nft_nat.h"
#include "nft_payload.h"
#include "nft_dynset.h"
#include "nft_limit.h"
#include "nflog_tag.h"
#include "set_store.h"

/* Jumps deeper than this drop the packet (the kernel's nf_tables
 * stack is 16 deep). */
#define NFT_STACK 16
#define STORE_BUCKETS 1024

/* ---- the runtime store ---- */

struct nft_rt {
	struct nft_rt *next;
	uint8_t family;
	uint64_t table, rule;
	uint32_t sig;
	unsigned refs;
	unsigned n;                 /* the rule's statements */
	struct qt_counters *cnt;    /* per statement (counter ones used) */
	struct qt_ext_run *run;     /* per statement (log, reject, ...) */
	struct nft_rt_shared *sh;   /* limit and quota; NULL: none */
	struct nft_ort **ort;       /* per statement: the named object a
				       counter, quota or limit names */
};

/* A named counter, quota or limit's runtime, by table and object
 * handle, held by the rules that name it (a new one starts from what
 * the model holds: what it was given, or what the engine read back). */
struct nft_ort {
	struct nft_ort *next;
	struct qt_nft_store *store;
	uint64_t table, handle;
	unsigned refs;
	uint32_t resets;            /* the object's, as last seen */
	struct qt_counters cnt;
	struct qt_nft_sstate st;
};

/* A reset of the object since: its counts and use start again. */
static void ort_reset(struct nft_ort *o, const struct nft_obj *ob)
{
	if (o->resets == ob->resets)
		return;
	o->resets = ob->resets;
	__atomic_store_n(&o->cnt.pkts, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&o->cnt.bytes, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&o->st.consumed, 0, __ATOMIC_RELAXED);
}

/* The state of a rule's limits and quotas, one per statement, shared
 * by its runtimes of both families in an inet table. */
struct nft_rt_shared {
	unsigned refs;
	struct qt_nft_sstate st[];
};

struct qt_nft_store {
	struct nft_rt *b[STORE_BUCKETS];
	unsigned count;
	/* the sets packets change (engine/nft_dynset.h) */
	struct qt_dynsets *dyn;
	/* named objects' runtimes */
	struct nft_ort *objs;
	unsigned nobjs;
};

static void ort_put(struct nft_ort *o)
{
	if (!o || --o->refs)
		return;
	struct nft_ort **pp = &o->store->objs;
	while (*pp && *pp != o)
		pp = &(*pp)->next;
	if (*pp)
		*pp = o->next;
	o->store->nobjs--;
	free(o);
}

/* The runtime of object ob of table t, a new reference. */
static struct nft_ort *ort_get(struct qt_nft_store *s,
			       const struct nft_table *t,
			       const struct nft_obj *ob)
{
	for (struct nft_ort *o = s->objs; o; o = o->next)
		if (o->table == t->handle && o->handle == ob->handle) {
			o->refs++;
			return o;
		}
	struct nft_ort *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->store = s;
	o->table = t->handle;
	o->handle = ob->handle;
	o->resets = ob->resets;
	o->refs = 1;
	o->cnt.pkts = ob->st.packets;
	o->cnt.bytes = ob->st.bytes;
	if (ob->st.kind == NFT_S_LIMIT &&
	    qt_nft_limit_init(&o->st, &ob->st) < 0) {
		free(o);
		return NULL;
	}
	o->st.consumed = ob->st.quota_used;
	o->next = s->objs;
	s->objs = o;
	s->nobjs++;
	return o;
}

/* What named objects counted and used, into the model. */
static void objs_sync(const struct qt_nft_store *s, struct nft_table *t)
{
	for (unsigned i = 0; i < t->nobjs; i++) {
		struct nft_obj *ob = &t->objs[i];
		for (const struct nft_ort *o = s->objs; o; o = o->next) {
			if (o->table != t->handle || o->handle != ob->handle)
				continue;
			ob->st.packets = __atomic_load_n(&o->cnt.pkts,
							 __ATOMIC_RELAXED);
			ob->st.bytes = __atomic_load_n(&o->cnt.bytes,
						       __ATOMIC_RELAXED);
			uint64_t u = __atomic_load_n(&o->st.consumed,
						     __ATOMIC_RELAXED);
			if (ob->st.kind == NFT_S_QUOTA)
				ob->st.quota_used = u < ob->st.quota_bytes
						    ? u : ob->st.quota_bytes;
			break;
		}
	}
}

struct qt_nft_store *qt_nft_store_new(void)
{
	struct qt_nft_store *s = calloc(1, sizeof(struct qt_nft_store));
	if (s && !(s->dyn = qt_dynsets_new())) {
		free(s);
		s = NULL;
	}
	return s;
}

static void rt_free(struct nft_rt *rt)
{
	for (unsigned i = 0; i < rt->n; i++) {
		struct qt_ext_run *r = &rt->run[i];
		if (r->state && r->in.ext->state_free)
			r->in.ext->state_free(r->state);
		free(r->in.data);
	}
	free(rt->run);
	free(rt->cnt);
	if (rt->sh && !--rt->sh->refs)
		free(rt->sh);
	for (unsigned i = 0; rt->ort && i < rt->n; i++)
		ort_put(rt->ort[i]);
	free(rt->ort);
	free(rt);
}

void qt_nft_store_free(struct qt_nft_store *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < STORE_BUCKETS; i++)
		while (s->b[i]) {
			struct nft_rt *rt = s->b[i];
			s->b[i] = rt->next;
			rt_free(rt);
		}
	qt_dynsets_free(s->dyn);
	free(s);
}

unsigned qt_nft_store_count(const struct qt_nft_store *s)
{
	return s ? s->count + s->nobjs + qt_dynsets_count(s->dyn) : 0;
}

static unsigned bucket(uint64_t table, uint64_t rule)
{
	uint64_t h = (table * 0x9e3779b97f4a7c15ull) ^ (rule * 0xc2b2ae3d27d4eb4full);
	return (unsigned)(h >> 32) % STORE_BUCKETS;
}

static void rt_put(struct qt_nft_store *s, struct nft_rt *rt)
{
	if (!rt || --rt->refs)
		return;
	struct nft_rt **pp = &s->b[bucket(rt->table, rt->rule)];
	while (*pp && *pp != rt)
		pp = &(*pp)->next;
	if (*pp)
		*pp = rt->next;
	s->count--;
	rt_free(rt);
}

/* What a rule's quotas consumed: one state for both families. */
static void rule_sync_quotas(const struct qt_nft_store *s,
			     const struct nft_table *t, struct nft_rule *r)
{
	for (const struct nft_rt *rt = s->b[bucket(t->handle, r->handle)];
	     rt; rt = rt->next) {
		if (rt->table != t->handle || rt->rule != r->handle ||
		    rt->n != r->n || !rt->sh)
			continue;
		for (unsigned i = 0; i < r->n; i++)
			if (r->stmts[i].kind == NFT_S_QUOTA) {
				/* the kernel lists no more than the quota */
				uint64_t u = __atomic_load_n(
					&rt->sh->st[i].consumed,
					__ATOMIC_RELAXED);
				r->stmts[i].quota_used =
					u < r->stmts[i].quota_bytes
					? u : r->stmts[i].quota_bytes;
			}
		return;
	}
}

void qt_nft_store_sync(const struct qt_nft_store *s, struct nft_ruleset *rs)
{
	if (!s || !rs)
		return;
	qt_dynsets_sync(s->dyn, rs, qt_set_now_ms());
	for (unsigned ti = 0; ti < rs->ntables; ti++) {
		struct nft_table *t = &rs->tables[ti];
		objs_sync(s, t);
		for (unsigned ci = 0; ci < t->nchains; ci++) {
			struct nft_chain *c = &t->chains[ci];
			for (unsigned ri = 0; ri < c->nrules; ri++) {
				struct nft_rule *r = &c->rules[ri];
				bool found = false;
				uint64_t pk[64] = { 0 }, by[64] = { 0 };
				unsigned n = r->n < 64 ? r->n : 64;
				for (const struct nft_rt *rt =
				     s->b[bucket(t->handle, r->handle)];
				     rt; rt = rt->next) {
					if (rt->table != t->handle ||
					    rt->rule != r->handle || rt->n != r->n)
						continue;
					found = true;
					for (unsigned i = 0; i < n; i++) {
						pk[i] += __atomic_load_n(&rt->cnt[i].pkts,
									 __ATOMIC_RELAXED);
						by[i] += __atomic_load_n(&rt->cnt[i].bytes,
									 __ATOMIC_RELAXED);
					}
				}
				for (unsigned i = 0; found && i < n; i++)
					if (r->stmts[i].kind == NFT_S_COUNTER) {
						r->stmts[i].packets = pk[i];
						r->stmts[i].bytes = by[i];
					}
				rule_sync_quotas(s, t, r);
			}
		}
	}
}

/* What identifies a rule's runtime beyond its handle: the statements
 * that keep state or are built into instances (a rule replaced under
 * the same handle with other ones starts afresh). */
static uint32_t rule_sig(const struct nft_rule *r)
{
	uint32_t h = 2166136261u;
#define MIX(x) do { h ^= (uint32_t)(x); h *= 16777619u; } while (0)
	MIX(r->n);
	for (unsigned i = 0; i < r->n; i++) {
		const struct nft_stmt *s = &r->stmts[i];
		MIX(s->kind);
		switch (s->kind) {
		case NFT_S_COUNTER:
			for (const char *p = s->obj_name; p && *p; p++)
				MIX(*p);
			break;
		case NFT_S_LOG:
			MIX(s->level);
			MIX(s->log_flags);
			MIX(s->has_group);
			MIX(s->group);
			MIX(s->has_snaplen ? s->snaplen + 1 : 0);
			MIX(s->has_qthreshold ? s->qthreshold + 1 : 0);
			for (const char *p = s->prefix; p && *p; p++)
				MIX(*p);
			break;
		case NFT_S_QUOTA:
			for (const char *p = s->obj_name; p && *p; p++)
				MIX(*p);
			MIX(s->quota_bytes);
			MIX(s->quota_bytes >> 32);
			MIX(s->quota_over);
			break;
		case NFT_S_LIMIT:
			MIX(s->rate);
			MIX(s->rate >> 32);
			MIX(s->burst);
			MIX(s->over);
			MIX(s->bytes_unit != NULL);
			for (const char *p = s->obj_name; p && *p; p++)
				MIX(*p);
			for (const char *p = s->unit; p && *p; p++)
				MIX(*p);
			break;
		case NFT_S_REJECT:
			MIX(s->reject);
			MIX(s->code);
			break;
		case NFT_S_NAT:
			MIX(qt_nft_nat_sig(s));
			break;
		case NFT_S_CT_COUNT:
			MIX(s->count);
			MIX(s->over);
			break;
		case NFT_S_SET_UPDATE:
			MIX(s->has_count);
			MIX(s->count);
			MIX(s->count_over);
			break;
		default:
			break;
		}
	}
#undef MIX
	return h;
}

/* ---- extension instances for log, reject and limit ---- */

struct opt_word {
	const char *name, *arg;
};

static int make_inst(struct qt_ext_run *run, const char *name,
		     enum qt_ext_kind kind, uint8_t family,
		     const struct opt_word *opts, unsigned nopts,
		     const struct qt_engine_env *env, struct qt_buf *err)
{
	const struct qt_ext *x = qt_ext_find_fam(name, kind, family);
	if (!x) {
		qt_buf_printf(err, "Error: qtables has no %s to run\n", name);
		return -1;
	}
	memset(run, 0, sizeof(*run));
	run->in.ext = x;
	run->in.family = family;
	run->in.data = calloc(1, x->data_size ? x->data_size : 1);
	if (!run->in.data) {
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	if (x->init)
		x->init(&run->in);
	struct qt_buf out, msg;
	qt_buf_init(&out);
	qt_buf_init(&msg);
	struct qt_ctx ctx = { .prog = "nft", .out = &out, .err = &msg };
	struct qt_rule *rule = qt_rule_new(family);
	int rc = 0;
	for (unsigned i = 0; rc == 0 && i < nopts; i++) {
		const struct qt_ext_opt *o = x->opts;
		while (o && o->name && strcmp(o->name, opts[i].name))
			o++;
		if (!o || !o->name) {
			rc = -1;
			break;
		}
		struct qt_opt_arg a = { .opt = o, .arg = opts[i].arg,
					.rule = rule };
		rc = qt_opt_parse(&run->in, &a, &ctx);
	}
	if (rc == 0 && x->state_new &&
	    x->state_new(&run->in, env, &run->state) < 0)
		rc = -1;
	if (rc < 0)
		qt_buf_printf(err, "Error: qtables cannot run this %s: %s\n",
			      name, msg.len ? qt_buf_str(&msg) : "refused");
	qt_rule_unref(rule);
	qt_buf_free(&out);
	qt_buf_free(&msg);
	if (rc < 0) {
		free(run->in.data);
		memset(run, 0, sizeof(*run));
	}
	return rc;
}

static const char *const icmp_names[] = {
	[0] = "icmp-net-unreachable", [1] = "icmp-host-unreachable",
	[2] = "icmp-proto-unreachable", [3] = "icmp-port-unreachable",
	[9] = "icmp-net-prohibited", [10] = "icmp-host-prohibited",
	[13] = "icmp-admin-prohibited",
};
static const char *const icmp6_names[] = {
	[0] = "icmp6-no-route", [1] = "icmp6-adm-prohibited",
	[3] = "icmp6-addr-unreachable", [4] = "icmp6-port-unreachable",
	[5] = "icmp6-policy-fail", [6] = "icmp6-reject-route",
};

/* reject's type as REJECT's --reject-with for family; NULL: none. The
 * icmpx codes are nft's family-neutral ones (nft_reject_icmpx_*). */
static const char *reject_with(const struct nft_stmt *s, uint8_t family)
{
	bool v6 = family == AF_INET6;
	unsigned code = s->code;
	switch (s->reject) {
	case NFT_R_TCP_RESET:
		return "tcp-reset";
	case NFT_R_DEFAULT:
		return v6 ? "icmp6-port-unreachable" : "icmp-port-unreachable";
	case NFT_R_ICMP:
		if (v6)
			return NULL;
		return code < sizeof(icmp_names) / sizeof(icmp_names[0])
		       ? icmp_names[code] : NULL;
	case NFT_R_ICMPV6:
		if (!v6)
			return NULL;
		return code < sizeof(icmp6_names) / sizeof(icmp6_names[0])
		       ? icmp6_names[code] : NULL;
	case NFT_R_ICMPX: {
		/* no-route, port-unreachable, host-unreachable,
		 * admin-prohibited */
		static const char *const x4[] = {
			"icmp-net-unreachable", "icmp-port-unreachable",
			"icmp-host-unreachable", "icmp-admin-prohibited" };
		static const char *const x6[] = {
			"icmp6-no-route", "icmp6-port-unreachable",
			"icmp6-addr-unreachable", "icmp6-adm-prohibited" };
		return code < 4 ? (v6 ? x6 : x4)[code] : NULL;
	}
	}
	return NULL;
}

/* log as the LOG target writes its line: nft's flags are LOG's
 * options. With a group, as NFLOG: nfnetlink_log's messages are the
 * kernel's, which logs what the engine tags (engine/nflog_tag.h).
 * Level audit is the kernel's audit log: the engine has no way to it. */
static int make_log_inst(struct qt_ext_run *run, const struct nft_stmt *s,
			 uint8_t family, const struct qt_engine_env *env,
			 struct qt_buf *err)
{
	static const struct { unsigned bit; const char *opt; } flags[] = {
		{ NFT_LOG_TCPSEQ, "log-tcp-sequence" },
		{ NFT_LOG_TCPOPT, "log-tcp-options" },
		{ NFT_LOG_IPOPT, "log-ip-options" },
		{ NFT_LOG_UID, "log-uid" },
		{ NFT_LOG_MACDECODE, "log-macdecode" },
	};
	if (s->has_group) {
		/* the kernel logs it (engine/nflog_tag.h): NFLOG notes it */
		char g[16], sl[16], th[16];
		struct opt_word gw[4];
		unsigned k = 0;
		snprintf(g, sizeof(g), "%u", s->group);
		gw[k++] = (struct opt_word){ "nflog-group", g };
		if (s->prefix && *s->prefix)
			gw[k++] = (struct opt_word){ "nflog-prefix", s->prefix };
		if (s->has_snaplen) {
			snprintf(sl, sizeof(sl), "%u", s->snaplen);
			gw[k++] = (struct opt_word){ "nflog-size", sl };
		}
		if (s->has_qthreshold) {
			snprintf(th, sizeof(th), "%u", s->qthreshold);
			gw[k++] = (struct opt_word){ "nflog-threshold", th };
		}
		return make_inst(run, "NFLOG", QT_EXT_TARGET, family, gw, k,
				 env, err);
	}
	if (s->level == 8) {
		/* the kernel writes the audit record (engine/nflog_tag.h):
		 * AUDIT notes it, its --type in no record */
		struct opt_word aw[] = { { "type", "accept" } };
		return make_inst(run, "AUDIT", QT_EXT_TARGET, family, aw, 1,
				 env, err);
	}
	struct opt_word w[2 + sizeof(flags) / sizeof(flags[0])];
	unsigned n = 0;
	char lv[16];
	if (s->prefix)
		w[n++] = (struct opt_word){ "log-prefix", s->prefix };
	snprintf(lv, sizeof(lv), "%d", s->level < 0 ? 4 : s->level);
	w[n++] = (struct opt_word){ "log-level", lv };
	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
		if (s->log_flags & flags[k].bit)
			w[n++] = (struct opt_word){ flags[k].opt, NULL };
	return make_inst(run, "LOG", QT_EXT_TARGET, family, w, n, env, err);
}

/* The rule's limit and quota states: its sibling's of the other family
 * (an inet rule), or new ones. */
/* The named objects the rule's statements name, a reference each. */
static int make_rt_objs(struct qt_nft_store *st, struct nft_rt *rt,
			const struct nft_table *t, const struct nft_rule *r,
			struct qt_buf *err)
{
	for (unsigned i = 0; i < r->n; i++) {
		const struct nft_stmt *s = &r->stmts[i];
		if (!s->obj_name)
			continue;
		const struct nft_obj *ob = nft_obj_find(
			(struct nft_table *)t, s->kind, s->obj_name);
		if (!ob) {
			qt_buf_printf(err, "Error: no %s %s\n",
				      nft_obj_kind_name(s->kind), s->obj_name);
			return -1;
		}
		if (!rt->ort && !(rt->ort = calloc(r->n, sizeof(*rt->ort)))) {
			qt_buf_printf(err, "Error: out of memory\n");
			return -1;
		}
		if (!(rt->ort[i] = ort_get(st, t, ob))) {
			qt_buf_printf(err, "Error: qtables cannot run this "
				      "%s\n", nft_obj_kind_name(s->kind));
			return -1;
		}
	}
	return 0;
}

static int make_rt_shared(struct qt_nft_store *st, struct nft_rt *rt,
			  const struct nft_rule *r, struct qt_buf *err)
{
	bool any = false;
	for (unsigned i = 0; i < r->n; i++)
		any |= (r->stmts[i].kind == NFT_S_LIMIT ||
			r->stmts[i].kind == NFT_S_QUOTA) &&
		       !r->stmts[i].obj_name && !r->stmts[i].obj_map;
	if (!any)
		return 0;
	for (struct nft_rt *o = st->b[bucket(rt->table, rt->rule)]; o;
	     o = o->next)
		if (o != rt && o->table == rt->table && o->rule == rt->rule &&
		    o->sig == rt->sig && o->family != rt->family && o->sh) {
			rt->sh = o->sh;
			rt->sh->refs++;
			return 0;
		}
	rt->sh = calloc(1, sizeof(*rt->sh) + r->n * sizeof(rt->sh->st[0]));
	if (!rt->sh) {
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	rt->sh->refs = 1;
	for (unsigned i = 0; i < r->n; i++) {
		const struct nft_stmt *s = &r->stmts[i];
		if (s->obj_name || s->obj_map)
			continue;
		if (s->kind == NFT_S_QUOTA)
			rt->sh->st[i].consumed = s->quota_used;
		else if (s->kind == NFT_S_LIMIT &&
			 qt_nft_limit_init(&rt->sh->st[i], s) < 0) {
			qt_buf_printf(err, "Error: qtables cannot run this "
				      "limit\n");
			return -1;
		}
	}
	return 0;
}

/* Does a compare before statement upto settle the other family (meta
 * nfproto, or a field of the other's header, as nft's dependency for
 * an inet table's reject with icmp or icmpv6): the statement is never
 * reached in family. */
static bool other_family_before(const struct nft_rule *r, unsigned upto,
				uint8_t family)
{
	for (unsigned i = 0; i < upto; i++) {
		const struct nft_stmt *s = &r->stmts[i];
		if (s->kind != NFT_S_MATCH || s->lhs != NFT_L_FIELD ||
		    !s->field || s->ncat || s->set_name || s->vmap ||
		    s->bitop != NFT_BIT_NONE)
			continue;
		const struct nft_field *f = s->field;
		if ((f->dep == NFT_DEP_IPV4 && family != AF_INET) ||
		    (f->dep == NFT_DEP_IPV6 && family != AF_INET6))
			return true;
		if (!strcmp(f->proto, "meta") && !strcmp(f->name, "nfproto") &&
		    s->op == NFT_OP_EQ && !s->braces && s->nelems == 1 &&
		    s->elems[0].kind == NFT_E_VALUE &&
		    s->elems[0].lo.b[0] != family)
			return true;
	}
	return false;
}

static int make_rt_insts(struct nft_rt *rt, const struct nft_rule *r,
			 uint8_t family, const struct qt_engine_env *env,
			 struct qt_buf *err)
{
	for (unsigned i = 0; i < r->n; i++) {
		const struct nft_stmt *s = &r->stmts[i];
		char a[64];
		if (s->kind == NFT_S_LOG) {
			if (make_log_inst(&rt->run[i], s, family, env, err) < 0)
				return -1;
		} else if (s->kind == NFT_S_REJECT) {
			const char *with = reject_with(s, family);
			/* nothing to make where it is never reached */
			if (!with && other_family_before(r, i, family))
				continue;
			if (!with) {
				qt_buf_printf(err, "Error: qtables cannot run "
					      "this reject type in this "
					      "family\n");
				return -1;
			}
			struct opt_word w = { "reject-with", with };
			if (make_inst(&rt->run[i], "REJECT", QT_EXT_TARGET,
				      family, &w, 1, env, err) < 0)
				return -1;
		} else if (s->kind == NFT_S_NAT) {
			if (qt_nft_nat_inst(&rt->run[i], s, family, err) < 0)
				return -1;
		} else if (s->kind == NFT_S_CT_COUNT) {
			/* nft_connlimit counts the rule's connections as
			 * one group: xt_connlimit with a mask of 0 */
			snprintf(a, sizeof(a), "%u", s->count);
			struct opt_word w[2] = {
				{ s->over ? "connlimit-above" : "connlimit-upto", a },
				{ "connlimit-mask", "0" } };
			if (make_inst(&rt->run[i], "connlimit", QT_EXT_MATCH,
				      family, w, 2, env, err) < 0)
				return -1;
		} else if (s->kind == NFT_S_SET_UPDATE && s->has_count) {
			/* ct count in a set update counts per element: the
			 * connections of the key's address, as connlimit
			 * groups them by a /32 */
			bool v4 = s->field && !s->ncat &&
				  s->field->dep == NFT_DEP_IPV4 &&
				  s->field->bits == 32 &&
				  (!strcmp(s->field->name, "saddr") ||
				   !strcmp(s->field->name, "daddr"));
			if (!v4) {
				qt_buf_printf(err, "Error: qtables cannot run "
					      "ct count in a set keyed by "
					      "other than ip saddr or ip "
					      "daddr\n");
				return -1;
			}
			snprintf(a, sizeof(a), "%u", s->count);
			struct opt_word w[3] = {
				{ s->count_over ? "connlimit-above"
						: "connlimit-upto", a },
				{ "connlimit-mask", "32" },
				{ s->field->name[0] == 's' ? "connlimit-saddr"
							   : "connlimit-daddr",
				  NULL } };
			if (make_inst(&rt->run[i], "connlimit", QT_EXT_MATCH,
				      family, w, 3, env, err) < 0)
				return -1;
		}
	}
	return 0;
}

static struct nft_rt *rt_get(struct qt_nft_store *s, uint8_t family,
			     const struct nft_table *t,
			     const struct nft_rule *r,
			     const struct qt_engine_env *env,
			     struct qt_buf *err)
{
	uint32_t sig = rule_sig(r);
	unsigned bi = bucket(t->handle, r->handle);
	for (struct nft_rt *rt = s->b[bi]; rt; rt = rt->next)
		if (rt->family == family && rt->table == t->handle &&
		    rt->rule == r->handle && rt->sig == sig) {
			rt->refs++;
			return rt;
		}
	struct nft_rt *rt = calloc(1, sizeof(*rt));
	unsigned n = r->n ? r->n : 1;
	if (rt) {
		rt->cnt = calloc(n, sizeof(*rt->cnt));
		rt->run = calloc(n, sizeof(*rt->run));
	}
	if (!rt || !rt->cnt || !rt->run) {
		if (rt) {
			free(rt->cnt);
			free(rt->run);
		}
		free(rt);
		qt_buf_printf(err, "Error: out of memory\n");
		return NULL;
	}
	rt->family = family;
	rt->table = t->handle;
	rt->rule = r->handle;
	rt->sig = sig;
	rt->n = r->n;
	if (make_rt_insts(rt, r, family, env, err) < 0 ||
	    make_rt_shared(s, rt, r, err) < 0 ||
	    make_rt_objs(s, rt, t, r, err) < 0) {
		rt_free(rt);
		return NULL;
	}
	/* the counts the rule was given (typed, or the state file's) are
	 * the runtime's start; an inet rule's belong to one family */
	bool own = family == AF_INET || t->family == NFT_F_IP6;
	for (unsigned i = 0; own && i < r->n; i++)
		if (r->stmts[i].kind == NFT_S_COUNTER) {
			rt->cnt[i].pkts = r->stmts[i].packets;
			rt->cnt[i].bytes = r->stmts[i].bytes;
		}
	rt->refs = 1;
	rt->next = s->b[bi];
	s->b[bi] = rt;
	s->count++;
	return rt;
}

/* ---- compiled form ---- */

enum skind {
	CS_MATCH, CS_COUNTER, CS_VERDICT, CS_EXT_TARGET, CS_EXT_MATCH,
	CS_MARK_SET, CS_CTMARK_SET, CS_NOTRACK, CS_X, CS_MARK_SET_X,
	CS_CTLABEL_SET,
	CS_CTMARK_SET_X,
	CS_CTZONE_SET, CS_CTZONE_SET_X,  /* value, or x's */
	CS_SET_UPDATE, CS_LIMIT, CS_QUOTA,
	CS_PAYLOAD_SET,
	CS_PRIO_SET, CS_PRIO_SET_X,  /* meta priority set: value, or x's */
	CS_NAT_MAP,                 /* a nat statement's map: x, nat */
	CS_OBJ_MAP,                 /* counter|quota|limit name KEY map:
	                               x, objs */
	CS_NOP                      /* does nothing in this family */
};

struct celem {
	uint8_t lo[NFT_VAL_MAX], hi[NFT_VAL_MAX];
};

/* An element of a map of named objects: its object's runtime (a
 * reference the program holds) and its values. */
struct cobj {
	struct nft_ort *o;
	bool invert;                /* limit over, quota over */
	uint64_t quota;
};

struct cstmt {
	uint8_t kind;
	/* matches: a field compared with one value, range or prefix */
	struct qt_nft_part f;
	uint8_t op;                 /* enum nft_op */
	bool flags;                 /* bitmask: (v & elem) != 0 */
	uint8_t cmplen;             /* names: bytes compared ("eth*": 3);
	                               0: all */
	struct celem *el;
	/* sets, maps, concatenations, bitwise, numgen, jhash, fib
	 * (engine/nft_expr.h) */
	struct qt_nft_x *x;
	/* mark and ct mark set from a field */
	struct qt_nft_xset xset;
	/* counter */
	struct qt_counters *cnt;
	/* verdicts */
	uint8_t verdict;
	uint32_t chain;
	/* extensions */
	const struct qt_ext_inst *ext;
	bool invert;                /* limit ... over, quota over */
	/* limit and quota: their state; quota: its bytes */
	struct qt_nft_sstate *st;
	uint64_t quota;
	/* mark set, ct zone set */
	uint32_t value;
	uint8_t zdir;               /* ct zone set: QT_CT_ZONE_DIR_* */
	/* a dynamic set: looked up (match) or changed (set update) */
	struct qt_dynset *dyn;
	struct qt_dynset_op *dop;
	/* a header field rewritten */
	struct qt_nft_pset *pset;
	/* a nat map: the range of each element x finds */
	struct qt_nat_range *nat;
	/* a map of named objects: the object of each element x finds */
	struct cobj *objs;
	unsigned nobjs;
	uint8_t okind;              /* enum nft_stmt_kind */
};

struct crule {
	struct cstmt *s;
	unsigned n;
};

struct cchain {
	struct crule *rules;
	uint32_t n;
	struct qt_cls *cls;
};

struct cbase {
	uint32_t chain;             /* index in chains */
	unsigned hook;              /* enum qt_hook */
	int prio;
	uint64_t rank;
	bool drop;
	bool nat;                   /* type nat: walked by nat_step */
};

struct qt_nft_prog {
	struct qt_nft_store *store;
	struct cchain *chains;
	uint32_t nchains;
	struct cbase *bases;
	unsigned nbases;
	struct nft_rt **rts;        /* references held */
	unsigned nrts, caprts;
	struct qt_dynset **dyns;    /* references held */
	unsigned ndyns, capdyns;
	bool uses_ct, wants_l2, iface_keys, wants_owner;
	bool uses_acct;             /* ct bytes, packets, avgpkt */
	bool uses_labels;           /* ct label set */
	bool src6_keys, dst6_keys;  /* a classifier indexes IPv6 words 1-3 */
	struct qt_nflog_used nflog; /* log group statements' parameters */
	const char *mark_user;      /* a statement that sets or matches
	                               the mark bits log group takes */
};

/* ---- compiling ---- */

/* ct [original|reply] zone set V: a number, a map's value or numgen /
 * jhash (the kernel loads 16 bits of the register: the number's low
 * ones). */
static int compile_zone_set(struct cstmt *cs, const struct nft_stmt *s,
			    uint64_t *slot, const struct nft_table *t,
			    uint8_t family, struct qt_buf *err)
{
	int dir = nft_ct_info(s->field)->dir;
	cs->zdir = (uint8_t)(dir == NFT_CT_DIR_ORIG ? QT_CT_ZONE_DIR_ORIG
			     : dir == NFT_CT_DIR_REPLY ? QT_CT_ZONE_DIR_REPL
			     : QT_CT_ZONE_DIR_BOTH);
	if (s->lhs != NFT_L_FIELD) {
		cs->x = qt_nft_x_compile_num(s, slot, family, err);
		cs->kind = CS_CTZONE_SET_X;
		return cs->x ? 0 : -1;
	}
	if (s->value_map) {
		cs->x = qt_nft_x_compile_map(s, t, err);
		cs->kind = CS_CTZONE_SET_X;
		return cs->x ? 0 : -1;
	}
	if (s->src || s->nelems != 1 || s->bitop != NFT_BIT_NONE) {
		qt_buf_printf(err, "Error: qtables cannot run ct zone set "
			      "from this value; ");
		return -1;
	}
	const struct nft_val *v = &s->elems[0].lo;
	uint32_t x = 0;
	for (unsigned k = 0; k < v->len && k < 4; k++)
		x = x << 8 | v->b[k];
	cs->value = x;
	cs->kind = CS_CTZONE_SET;
	return 0;
}


static int hook_of(enum nft_hook h)
{
	switch (h) {
	case NFT_H_PREROUTING: return QT_HOOK_PRE_ROUTING;
	case NFT_H_INPUT: return QT_HOOK_LOCAL_IN;
	case NFT_H_FORWARD: return QT_HOOK_FORWARD;
	case NFT_H_OUTPUT: return QT_HOOK_LOCAL_OUT;
	case NFT_H_POSTROUTING: return QT_HOOK_POST_ROUTING;
	default: return -1;
	}
}

static bool family_takes(enum nft_family f, uint8_t family)
{
	return f == NFT_F_INET || (f == NFT_F_IP && family == AF_INET) ||
	       (f == NFT_F_IP6 && family == AF_INET6);
}

static int where(const struct nft_table *t, const struct nft_chain *c,
		 struct qt_buf *err)
{
	qt_buf_printf(err, "in chain %s %s %s: the rules of qtables' nft "
		      "are enforced, and this one cannot be\n",
		      nft_family_name(t->family), t->name, c->name);
	return -1;
}

static int compile_match(struct cstmt *cs, const struct nft_stmt *s,
			 const struct nft_table *t, uint64_t *slot,
			 uint8_t family, struct qt_buf *err)
{
	const struct nft_field *f = s->field;
	/* ! of a set's elements: no lookup here tests flags */
	if (s->op == NFT_OP_NEG && qt_nft_x_wanted(s))
		goto unsupported;
	if (qt_nft_x_wanted(s)) {
		cs->kind = CS_X;
		cs->x = qt_nft_x_compile(s, t, slot, family, err);
		return cs->x ? 0 : -1;
	}
	const struct nft_dtype *dt = nft_dtype_get(f->type);
	cs->kind = CS_MATCH;
	cs->op = (uint8_t)s->op;
	if (qt_nft_part_compile(&cs->f, f) < 0 || s->nelems != 1 ||
	    s->elems[0].catchall)
		goto unsupported;
	const struct nft_elem *el = s->elems;
	/* a bitmask's value: without an operator any of its flags set,
	 * with ! none; with == and != the number (nft 1.0.6's cmp). tcp
	 * flags compare as written: their "any of" is a mask */
	cs->flags = dt->bitmask && dt->id != NFT_T_TCP_FLAG &&
		    el[0].kind == NFT_E_VALUE &&
		    ((s->op == NFT_OP_EQ && !s->exact) || s->op == NFT_OP_NEG);
	if (s->op == NFT_OP_NEG) {
		if (!cs->flags)
			goto unsupported;
		cs->op = NFT_OP_NE;
	}
	cs->el = calloc(1, sizeof(*cs->el));
	if (!cs->el) {
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	const struct nft_val *lo = &el[0].lo;
	const struct nft_val *hi = el[0].kind == NFT_E_VALUE ? &el[0].lo
							      : &el[0].hi;
	struct nft_val top;
	if (el[0].kind == NFT_E_PREFIX) {
		nft_val_prefix(lo, el[0].plen, true, &top);
		hi = &top;
	}
	/* values are held big-endian (numbers: aligned to the field's
	 * end) or as zero-padded names: compared as bytes */
	bool name = f->type == NFT_T_IFNAME;
	if (name && (lo->len > cs->f.len || hi->len > cs->f.len))
		goto unsupported;
	qt_nft_val_fit(cs->el[0].lo, cs->f.len, lo, name);
	qt_nft_val_fit(cs->el[0].hi, cs->f.len, hi, name);
	/* an interface name ending in '*' is a prefix, as nft reads it */
	if (name) {
		const uint8_t *n = cs->el[0].lo;
		size_t l = strnlen((const char *)n, IFNAMSIZ);
		if (l && n[l - 1] == '*' && !(l >= 2 && n[l - 2] == '\\')) {
			if (s->op != NFT_OP_EQ && s->op != NFT_OP_NE)
				goto unsupported;
			cs->cmplen = (uint8_t)(l - 1);
		}
	}
	return 0;
unsupported:
	qt_nft_part_refuse(f, err);
	return -1;
}

/* A link-layer compare nft adds before a field and leaves out of its
 * listing (ether type 8021q before vlan id): when the field it guards
 * cannot run either, the refusal names the field the rule shows. */
static int refuse_shown(const struct nft_rule *r, unsigned i,
			struct qt_buf *err)
{
	const struct nft_stmt *s = &r->stmts[i];
	if (!s->hidden || !s->field || s->field->base != NFT_B_LINK)
		return 0;
	while (i + 1 < r->n && r->stmts[i].hidden)
		i++;
	const struct nft_stmt *w = &r->stmts[i];
	struct qt_nft_part part;
	if (w == s || w->kind != NFT_S_MATCH || w->lhs != NFT_L_FIELD ||
	    !w->field || w->field->base != NFT_B_LINK ||
	    qt_nft_part_compile(&part, w->field) == 0)
		return 0;
	qt_nft_part_refuse(w->field, err);
	return -1;
}

static int rts_push(struct qt_nft_prog *p, struct nft_rt *rt)
{
	if (p->nrts == p->caprts) {
		unsigned cap = p->caprts ? 2 * p->caprts : 16;
		struct nft_rt **n = realloc(p->rts, cap * sizeof(*n));
		if (!n)
			return -1;
		p->rts = n;
		p->caprts = cap;
	}
	p->rts[p->nrts++] = rt;
	return 0;
}

/* The runtime of named set name when packets change it or it expires
 * (engine/nft_dynset.h), held by the program; *out NULL for a set the
 * walk holds as sorted elements. */
static int dyn_ref(struct qt_nft_prog *p, const struct nft_table *t,
		   const char *name, struct qt_dynset **out, struct qt_buf *err)
{
	*out = NULL;
	const struct nft_set *set = nft_set_find((struct nft_table *)t, name);
	if (!set || !qt_dynset_wanted(t, set))
		return 0;
	for (unsigned i = 0; i < set->nelems; i++)
		if (set->elems[i].catchall) {
			qt_buf_printf(err, "Error: qtables cannot run the "
				      "catch-all element of a set that "
				      "packets fill; ");
			return -1;
		}
	if (p->ndyns == p->capdyns) {
		unsigned cap = p->capdyns ? 2 * p->capdyns : 8;
		struct qt_dynset **n = realloc(p->dyns, cap * sizeof(*n));
		if (!n) {
			qt_buf_printf(err, "Error: out of memory\n");
			return -1;
		}
		p->dyns = n;
		p->capdyns = cap;
	}
	struct qt_dynset *d = qt_dynset_get(p->store->dyn, t, set,
					    qt_set_now_ms(), err);
	if (!d)
		return -1;
	p->dyns[p->ndyns++] = d;
	*out = d;
	return 0;
}

/* cs loads field f as a key of d: the field as a match reads it; a
 * concatenation (s->ncat) through a key of its parts (cs->x). */
static int compile_dyn_key(struct cstmt *cs, const struct nft_stmt *s,
			   const struct nft_field *f,
			   const struct qt_dynset *d, struct qt_buf *err)
{
	cs->kind = CS_MATCH;
	if (s->ncat) {
		cs->x = qt_nft_x_compile_key(s, err);
		if (!cs->x)
			return -1;
		if (qt_nft_x_keylen(cs->x) != qt_dynset_keylen(d)) {
			qt_buf_printf(err, "Error: qtables cannot use this "
				      "concatenation as this set's key; ");
			return -1;
		}
		return 0;
	}
	if (qt_nft_part_compile(&cs->f, f) < 0 ||
	    cs->f.len != qt_dynset_keylen(d)) {
		qt_buf_printf(err, "Error: qtables cannot use %s %s as this "
			      "set's key; ", f->proto, f->name);
		return -1;
	}
	return 0;
}

static int compile_set_update(struct qt_nft_prog *p, struct cstmt *cs,
			      const struct nft_stmt *s, struct qt_ext_run *run,
			      const struct nft_table *t, struct qt_buf *err)
{
	struct qt_dynset *d = NULL;
	if (dyn_ref(p, t, s->set_name, &d, err) < 0)
		return -1;
	if (!d) {
		qt_buf_printf(err, "Error: no set %s to update; ", s->set_name);
		return -1;
	}
	if (compile_dyn_key(cs, s, s->field, d, err) < 0)
		return -1;
	cs->kind = CS_SET_UPDATE;
	cs->dyn = d;
	cs->dop = calloc(1, sizeof(*cs->dop));
	if (!cs->dop) {
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	cs->dop->kind = !strcmp(s->set_op, "add") ? QT_DYN_ADD
			: !strcmp(s->set_op, "update") ? QT_DYN_UPDATE
						       : QT_DYN_DELETE;
	cs->dop->timeout_ms = s->timeout_ms;
	cs->dop->counter = s->has_counter;
	cs->dop->quota = s->has_quota;
	cs->dop->quota_over = s->quota_over;
	cs->dop->quota_bytes = s->quota_bytes;
	cs->dop->count = s->has_count;
	cs->dop->count_over = s->count_over;
	cs->dop->count_n = s->count;
	if (s->has_count) {
		cs->ext = &run->in;
		p->uses_ct = true;
	}
	if (s->has_limit &&
	    qt_dynset_op_limit(cs->dop, s->rate,
			       nft_limit_unit_seconds(s->unit), s->burst,
			       s->bytes_unit != NULL, s->over) < 0) {
		qt_buf_printf(err, "Error: qtables cannot run this limit in a "
			      "set update; ");
		return -1;
	}
	return 0;
}

/* Whether a field of s is meta skuid or skgid. */
static bool stmt_reads_owner(const struct nft_stmt *s)
{
	const struct nft_field *f[2 + 2 * NFT_CONCAT_MAX];
	unsigned n = 0;
	f[n++] = s->field;
	f[n++] = s->src;
	for (unsigned i = 0; i < s->ncat; i++)
		f[n++] = s->cat[i];
	for (unsigned i = 0; i < s->nhkeys; i++)
		f[n++] = s->hkeys[i];
	for (unsigned i = 0; i < n; i++)
		if (f[i] && f[i]->base == NFT_B_META &&
		    (f[i]->type == NFT_T_UID || f[i]->type == NFT_T_GID))
			return true;
	return false;
}

/* dnat to KEY map { KEY : ADDR [. PORT] }: the key's lookup and each
 * element's range (engine/nft_nat.h); nothing in the family its values
 * are not of. slot: the rule's word numgen inc counts in. */
static int compile_nat_map(struct cstmt *cs, const struct nft_stmt *s,
			   const struct nft_table *t, uint64_t *slot,
			   uint8_t family, struct qt_buf *err)
{
	const struct nft_elem *el = NULL;
	unsigned n = 0;
	cs->x = qt_nft_x_compile_index(s, t, slot, family, &el, &n, err);
	if (!cs->x)
		return -1;
	int rc = qt_nft_nat_map_ranges(s, t, cs->ext, family, el, n,
				       &cs->nat, err);
	if (rc < 0)
		return -1;
	cs->kind = rc ? CS_NOP : CS_NAT_MAP;
	return 0;
}

/* counter|quota|limit name KEY map { KEY : "name" } (or map @m): the
 * key's lookup and each element's object, whose kind is the
 * statement's. slot: the rule's word numgen inc counts in. */
static int compile_obj_map(struct qt_nft_prog *p, struct cstmt *cs,
			   const struct nft_stmt *s, const struct nft_table *t,
			   uint64_t *slot, uint8_t family, struct qt_buf *err)
{
	const struct nft_elem *el = NULL;
	unsigned n = 0;
	cs->x = qt_nft_x_compile_index(s, t, slot, family, &el, &n, err);
	if (!cs->x)
		return -1;
	cs->kind = CS_OBJ_MAP;
	cs->okind = (uint8_t)s->kind;
	cs->objs = calloc(n ? n : 1, sizeof(*cs->objs));
	if (!cs->objs) {
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		char name[NFT_VAL_MAX];
		size_t len = strnlen((const char *)el[i].data.b,
				     el[i].data.len);
		memcpy(name, el[i].data.b, len);
		name[len] = '\0';
		const struct nft_obj *ob = nft_obj_find(
			(struct nft_table *)t, s->kind, name);
		if (el[i].kind != NFT_E_VALUE || !ob) {
			qt_buf_printf(err, "Error: qtables cannot run this "
				      "map of %ss; ",
				      nft_obj_kind_name(s->kind));
			return -1;
		}
		struct cobj *co = &cs->objs[cs->nobjs];
		if (!(co->o = ort_get(p->store, t, ob))) {
			qt_buf_printf(err, "Error: qtables cannot run this "
				      "%s; ", nft_obj_kind_name(s->kind));
			return -1;
		}
		cs->nobjs++;
		ort_reset(co->o, ob);
		co->invert = s->kind == NFT_S_LIMIT ? ob->st.over
						    : ob->st.quota_over;
		co->quota = ob->st.quota_bytes;
	}
	return 0;
}

/* A mark value of a statement (nft keeps values in network order). */
static uint32_t val32(const struct nft_val *v)
{
	uint32_t x = 0;
	for (unsigned k = 0; k < v->len && k < 4; k++)
		x = x << 8 | v->b[k];
	return x;
}

/* Does s set or match the mark bits log group takes (QT_NFLOG_MASK)?
 * A value the engine cannot bound (from another field, a map, a hash)
 * counts as setting them; a match against a named set too. */
static const char *stmt_mark_bits(const struct nft_stmt *s)
{
	const struct nft_field *f = s->field;
	if (!f || f->type != NFT_T_MARK ||
	    (f->base != NFT_B_META && f->base != NFT_B_CT))
		return NULL;
	bool ct = f->base == NFT_B_CT;
	if (s->kind == NFT_S_SET_FIELD) {
		/* the connection's mark reaches the packet's through
		 * meta mark set ct mark, which sets from another field */
		const char *what = ct ? "ct mark set" : "meta mark set";
		if (s->lhs != NFT_L_FIELD || s->value_map)
			return what;
		if (s->src) {
			/* MARK set MARK and/or/xor C */
			if (s->src->type != NFT_T_MARK || s->shift_op ||
			    (!ct && s->src != f) ||
			    (s->bitop != NFT_BIT_AND &&
			     (val32(&s->mask) & QT_NFLOG_MASK)))
				return what;
			return NULL;
		}
		for (unsigned i = 0; i < s->nelems; i++)
			if (val32(&s->elems[i].lo) & QT_NFLOG_MASK)
				return what;
		return NULL;
	}
	if (ct || s->kind != NFT_S_MATCH || s->ncat)
		return NULL;
	if (s->set_name)
		return "meta mark";
	uint32_t m = s->bitop == NFT_BIT_AND ? val32(&s->mask) : ~0u;
	for (unsigned i = 0; i < s->nelems; i++) {
		const struct nft_elem *e = &s->elems[i];
		if (e->catchall)
			continue;
		if ((val32(&e->lo) & m & QT_NFLOG_MASK) ||
		    (e->kind != NFT_E_VALUE && (val32(&e->hi) & m &
						QT_NFLOG_MASK)))
			return "meta mark";
	}
	return NULL;
}

static int compile_rule(struct qt_nft_prog *p, struct crule *cr,
			const struct nft_rule *r, const struct nft_table *t,
			const struct nft_chain *c, uint8_t family,
			const struct qt_engine_env *env, struct qt_buf *err)
{
	struct nft_rt *rt = rt_get(p->store, family, t, r, env, err);
	if (!rt)
		return where(t, c, err);
	if (rts_push(p, rt) < 0) {
		rt_put(p->store, rt);
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	cr->n = r->n;
	cr->s = calloc(r->n ? r->n : 1, sizeof(*cr->s));
	if (!cr->s) {
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	for (unsigned i = 0; i < r->n; i++) {
		const struct nft_stmt *s = &r->stmts[i];
		struct cstmt *cs = &cr->s[i];
		if (stmt_reads_owner(s))
			p->wants_owner = true;
		if (qt_nft_stmt_reads_acct(s))
			p->uses_acct = true;
		if (!p->mark_user)
			p->mark_user = stmt_mark_bits(s);
		switch (s->kind) {
		case NFT_S_MATCH: {
			if (refuse_shown(r, i, err) < 0)
				return where(t, c, err);
			struct qt_dynset *d = NULL;
			if (s->set_name && s->lhs == NFT_L_FIELD &&
			    !s->vmap && s->bitop == NFT_BIT_NONE &&
			    s->op != NFT_OP_NEG &&
			    dyn_ref(p, t, s->set_name, &d, err) < 0)
				return where(t, c, err);
			if (d) {
				if (compile_dyn_key(cs, s, s->field, d, err) < 0)
					return where(t, c, err);
				cs->op = (uint8_t)s->op;
				cs->flags = false;
				cs->dyn = d;
			} else if (compile_match(cs, s, t, &rt->cnt[i].pkts, family,
						 err) < 0) {
				return where(t, c, err);
			}
			if (cs->x ? qt_nft_x_uses_ct(cs->x)
				  : cs->f.src >= QT_NFT_SRC_CTSTATE)
				p->uses_ct = true;
			if (cs->x ? qt_nft_x_uses_pkttype(cs->x)
				  : cs->f.src == QT_NFT_SRC_PKTTYPE)
				p->wants_l2 = true;
			break;
		}
		case NFT_S_SET_UPDATE:
			if (compile_set_update(p, cs, s, &rt->run[i], t, err) < 0)
				return where(t, c, err);
			if (cs->x ? qt_nft_x_uses_ct(cs->x)
				  : cs->f.src >= QT_NFT_SRC_CTSTATE)
				p->uses_ct = true;
			if (cs->x ? qt_nft_x_uses_pkttype(cs->x)
				  : cs->f.src == QT_NFT_SRC_PKTTYPE)
				p->wants_l2 = true;
			break;
		case NFT_S_CT_COUNT:
			cs->kind = CS_EXT_MATCH;
			cs->ext = &rt->run[i].in;
			p->uses_ct = true;
			break;
		case NFT_S_COUNTER:
			if (s->obj_map) {
				if (compile_obj_map(p, cs, s, t,
						    &rt->cnt[i].pkts, family,
						    err) < 0)
					return where(t, c, err);
				break;
			}
			cs->kind = CS_COUNTER;
			cs->cnt = &rt->cnt[i];
			if (s->obj_name) {
				cs->cnt = &rt->ort[i]->cnt;
				ort_reset(rt->ort[i], nft_obj_find(
					(struct nft_table *)t, s->kind,
					s->obj_name));
			}
			break;
		case NFT_S_VERDICT:
			cs->kind = CS_VERDICT;
			cs->verdict = (uint8_t)s->verdict;
			if (s->verdict == NFT_V_JUMP || s->verdict == NFT_V_GOTO) {
				unsigned ci = 0;
				while (ci < t->nchains &&
				       strcmp(t->chains[ci].name, s->chain))
					ci++;
				if (ci == t->nchains || t->chains[ci].base) {
					qt_buf_printf(err, "Error: no chain %s "
						      "to jump to; ", s->chain);
					return where(t, c, err);
				}
				cs->chain = ci;
			}
			break;
		case NFT_S_REJECT:
			/* the other family's reject: never reached here */
			cs->kind = rt->run[i].in.ext ? CS_EXT_TARGET : CS_NOP;
			cs->ext = &rt->run[i].in;
			p->wants_l2 |= cs->kind == CS_EXT_TARGET;
			break;
		case NFT_S_LOG:
			cs->kind = CS_EXT_TARGET;
			cs->ext = &rt->run[i].in;
			if (cs->ext->ext && cs->ext->ext->nflog)
				qt_nflog_note(&p->nflog,
					      cs->ext->ext->nflog(cs->ext));
			break;
		case NFT_S_LIMIT:
		case NFT_S_QUOTA: {
			if (s->obj_map) {
				if (compile_obj_map(p, cs, s, t,
						    &rt->cnt[i].pkts, family,
						    err) < 0)
					return where(t, c, err);
				break;
			}
			/* a named one's values are its object's */
			const struct nft_stmt *v = s;
			if (s->obj_name) {
				const struct nft_obj *ob = nft_obj_find(
					(struct nft_table *)t, s->kind,
					s->obj_name);
				v = &ob->st;
				cs->st = &rt->ort[i]->st;
				ort_reset(rt->ort[i], ob);
			} else {
				cs->st = &rt->sh->st[i];
			}
			cs->kind = s->kind == NFT_S_LIMIT ? CS_LIMIT : CS_QUOTA;
			cs->invert = s->kind == NFT_S_LIMIT ? v->over
							    : v->quota_over;
			cs->quota = v->quota_bytes;
			break;
		}
		case NFT_S_SET_FIELD:
			if (nft_ct_info(s->field) &&
			    nft_ct_info(s->field)->key == NFT_CTK_EVENT) {
				/* the events the connection reports: only
				 * ever to listeners, and the engine's tracker
				 * has none (qtables-conntrack has no -E), so
				 * the mask changes nothing */
				cs->kind = CS_NOP;
				break;
			}
			if (nft_ct_info(s->field) &&
			    nft_ct_info(s->field)->key == NFT_CTK_ZONE) {
				if (compile_zone_set(cs, s, &rt->cnt[i].pkts, t,
						     family, err) < 0)
					return where(t, c, err);
				p->uses_ct = true;
				if (cs->x && qt_nft_x_uses_pkttype(cs->x))
					p->wants_l2 = true;
				break;
			}
			if (s->field && s->field->type == NFT_T_CTLABEL &&
			    !s->src && s->nelems == 1) {
				/* ct label set N: the bits or'ed in */
				cs->kind = CS_CTLABEL_SET;
				cs->el = calloc(1, sizeof(*cs->el));
				if (!cs->el) {
					qt_buf_printf(err, "Error: out of memory\n");
					return -1;
				}
				qt_nft_val_fit(cs->el->lo, 16, &s->elems[0].lo,
					       false);
				p->uses_ct = p->uses_labels = true;
				break;
			}
			if (s->field && (s->field->base == NFT_B_NETWORK ||
					 s->field->base == NFT_B_TRANSPORT)) {
				cs->pset = malloc(sizeof(*cs->pset));
				if (!cs->pset) {
					qt_buf_printf(err, "Error: out of "
						      "memory\n");
					return -1;
				}
				if (qt_nft_pset_compile(cs->pset, s, err) < 0)
					return where(t, c, err);
				cs->kind = CS_PAYLOAD_SET;
				break;
			}
			/* meta priority set: skb->priority, set as the
			 * mark is (a value, a map's, a field's with a
			 * bitwise operation, numgen or a hash) */
			bool prio = s->field && s->field->base == NFT_B_META &&
				    s->field->type == NFT_T_TCHANDLE;
			if (!s->field ||
			    (s->field->type != NFT_T_MARK && !prio) ||
			    (!s->src && s->lhs == NFT_L_FIELD &&
			     (s->nelems != 1 ||
					 s->bitop != NFT_BIT_NONE))) {
				if (s->field && s->field->base == NFT_B_META &&
				    s->field->type != NFT_T_MARK && !prio)
					qt_buf_printf(err, "Error: qtables cannot run "
						      "meta %s set; ",
						      s->field->name);
				else
					qt_buf_printf(err, "Error: qtables cannot "
						      "set this field; ");
				return where(t, c, err);
			}
			bool ctm = s->field->base == NFT_B_CT;
			enum skind set_x = ctm ? CS_CTMARK_SET_X :
					   prio ? CS_PRIO_SET_X : CS_MARK_SET_X;
			if (s->lhs != NFT_L_FIELD) {
				cs->x = qt_nft_x_compile_num(s, &rt->cnt[i].pkts,
							     family, err);
				if (!cs->x)
					return where(t, c, err);
				cs->kind = set_x;
				if (ctm || qt_nft_x_uses_ct(cs->x))
					p->uses_ct = true;
				break;
			}
			if (s->value_map) {
				cs->x = qt_nft_x_compile_map(s, t, err);
				if (!cs->x)
					return where(t, c, err);
				cs->kind = set_x;
				if (ctm || qt_nft_x_uses_ct(cs->x))
					p->uses_ct = true;
				if (qt_nft_x_uses_pkttype(cs->x))
					p->wants_l2 = true;
				break;
			}
			if (s->src) {
				/* from a field, with a bitwise operation */
				if (qt_nft_xset_compile(&cs->xset, s, err) < 0)
					return where(t, c, err);
				cs->kind = set_x;
				if (ctm || cs->xset.src.src >= QT_NFT_SRC_CTSTATE)
					p->uses_ct = true;
				break;
			}
			cs->kind = ctm ? CS_CTMARK_SET :
				   prio ? CS_PRIO_SET : CS_MARK_SET;
			if (ctm)
				p->uses_ct = true;
			{
				const struct nft_val *v = &s->elems[0].lo;
				uint32_t x = 0;
				for (unsigned k = 0; k < v->len && k < 4; k++)
					x = x << 8 | v->b[k];
				cs->value = x;
			}
			break;
		case NFT_S_NOTRACK:
			cs->kind = CS_NOTRACK;
			p->uses_ct = true;
			break;
		case NFT_S_NAT:
			/* nft_nat.h: the NAT targets, or nothing in the
			 * other family of an inet table */
			cs->kind = rt->run[i].in.ext ? CS_EXT_TARGET : CS_NOP;
			cs->ext = &rt->run[i].in;
			if (s->nat_map && cs->ext->ext &&
			    compile_nat_map(cs, s, t, &rt->cnt[i].pkts, family,
					    err) < 0)
				return where(t, c, err);
			if (cs->x && qt_nft_x_uses_ct(cs->x))
				p->uses_ct = true;
			if (cs->x && qt_nft_x_uses_pkttype(cs->x))
				p->wants_l2 = true;
			break;
		default:
			qt_buf_printf(err, "Error: qtables cannot run this "
				      "statement; ");
			return where(t, c, err);
		}
	}
	return 0;
}

/* Two matches on one field: their intersection, or any when it is
 * empty (the walk then finds no match). */
static void cls_narrow(struct qt_cls_range *k, int f, uint32_t lo,
		       uint32_t hi)
{
	if (lo > hi)
		return;
	if (lo < k->lo[f]) lo = k->lo[f];
	if (hi > k->hi[f]) hi = k->hi[f];
	if (lo <= hi) {
		k->lo[f] = lo;
		k->hi[f] = hi;
	}
}

static uint32_t be32_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* An IPv6 address range [lo, hi] (a value, a prefix or a range) as
 * the classifier's four words: the words before the first that
 * differs are one value each, that one is the range between its two
 * words, and the words after it can take any value; so every address
 * of the range is inside the four, as the iptables program's masks
 * give them for a prefix. */
static void cls_range6(struct qt_cls_range *k, bool src, const uint8_t *lo,
		       const uint8_t *hi)
{
	static const int sf[4] = { QT_CLS_SRC, QT_CLS_SRC1, QT_CLS_SRC2,
				   QT_CLS_SRC3 };
	static const int df[4] = { QT_CLS_DST, QT_CLS_DST1, QT_CLS_DST2,
				   QT_CLS_DST3 };
	for (unsigned w = 0; w < 4; w++) {
		uint32_t l = be32_at(lo + 4 * w), h = be32_at(hi + 4 * w);
		cls_narrow(k, src ? sf[w] : df[w], l, h);
		if (l != h)
			break;
	}
}

/* The classifier's ranges of a rule: from the matches it starts with
 * (a counter or any other action before a match sees every packet). */
static void cls_range(const struct crule *cr, uint8_t family,
		      struct qt_cls_range *k)
{
	qt_cls_range_any(k);
	for (unsigned i = 0; i < cr->n; i++) {
		const struct cstmt *s = &cr->s[i];
		if (s->kind != CS_MATCH)
			return;
		/* a lookup in a set packets fill holds no range */
		if (s->dyn || s->flags || s->cmplen || s->op != NFT_OP_EQ)
			continue;
		const struct celem *e = &s->el[0];
		int f = -1;
		uint32_t lo = 0, hi = 0;
		if (s->f.src == QT_NFT_SRC_NET && s->f.dep == 6 &&
		    family == AF_INET6 && s->f.len == 16 &&
		    (s->f.off == 8 || s->f.off == 24)) {
			if (memcmp(e->lo, e->hi, 16) <= 0)
				cls_range6(k, s->f.off == 8, e->lo, e->hi);
			continue;
		}
		if (s->f.src == QT_NFT_SRC_NET && s->f.dep == 4 &&
		    family == AF_INET && s->f.len == 4 &&
		    (s->f.off == 12 || s->f.off == 16)) {
			f = s->f.off == 12 ? QT_CLS_SRC : QT_CLS_DST;
			lo = (uint32_t)e->lo[0] << 24 | (uint32_t)e->lo[1] << 16 |
			     (uint32_t)e->lo[2] << 8 | e->lo[3];
			hi = (uint32_t)e->hi[0] << 24 | (uint32_t)e->hi[1] << 16 |
			     (uint32_t)e->hi[2] << 8 | e->hi[3];
		} else if ((s->f.src == QT_NFT_SRC_L4PROTO ||
			    (s->f.src == QT_NFT_SRC_NET && s->f.dep == 4 &&
			     s->f.off == 9)) && s->f.len == 1) {
			f = QT_CLS_PROTO;
			lo = e->lo[0];
			hi = e->hi[0];
		} else if (s->f.src == QT_NFT_SRC_TH && s->f.len == 2 &&
			   (s->f.l4 == IPPROTO_TCP || s->f.l4 == IPPROTO_UDP ||
			    s->f.l4 == IPPROTO_SCTP) &&
			   (s->f.off == 0 || s->f.off == 2)) {
			f = s->f.off == 0 ? QT_CLS_SPORT : QT_CLS_DPORT;
			lo = (uint32_t)e->lo[0] << 8 | e->lo[1];
			hi = (uint32_t)e->hi[0] << 8 | e->hi[1];
			k->lo[QT_CLS_PROTO] = k->hi[QT_CLS_PROTO] = (uint32_t)s->f.l4;
		} else if ((s->f.src == QT_NFT_SRC_IIFNAME ||
			    s->f.src == QT_NFT_SRC_OIFNAME) &&
			   !memcmp(e->lo, e->hi, IFNAMSIZ)) {
			char name[IFNAMSIZ + 1] = { 0 };
			memcpy(name, e->lo, IFNAMSIZ);
			f = s->f.src == QT_NFT_SRC_IIFNAME ? QT_CLS_IN : QT_CLS_OUT;
			lo = hi = qt_cls_iface_key(name);
		}
		if (f >= 0)
			cls_narrow(k, f, lo, hi);
	}
}

/* Chains reachable from the table's base chains (those the engine
 * walks): only their rules must be runnable. */
struct reach_walk {
	const struct nft_table *t;
	bool *reach;
};

static void mark_reach(const struct nft_table *t, unsigned ci, bool *reach);

static void reach_name(const char *name, void *user)
{
	struct reach_walk *w = user;
	for (unsigned k = 0; k < w->t->nchains; k++)
		if (!strcmp(w->t->chains[k].name, name))
			mark_reach(w->t, k, w->reach);
}

static void mark_reach(const struct nft_table *t, unsigned ci, bool *reach)
{
	if (reach[ci])
		return;
	reach[ci] = true;
	const struct nft_chain *c = &t->chains[ci];
	struct reach_walk w = { t, reach };
	for (unsigned ri = 0; ri < c->nrules; ri++)
		for (unsigned si = 0; si < c->rules[ri].n; si++) {
			const struct nft_stmt *s = &c->rules[ri].stmts[si];
			/* a verdict map's jumps and gotos too */
			if (s->kind == NFT_S_MATCH)
				qt_nft_x_targets(s, t, reach_name, &w);
			if (s->kind != NFT_S_VERDICT ||
			    (s->verdict != NFT_V_JUMP && s->verdict != NFT_V_GOTO))
				continue;
			reach_name(s->chain, &w);
		}
}

static int compile_table(struct qt_nft_prog *p, const struct nft_table *t,
			 uint8_t family, const struct qt_engine_env *env,
			 struct qt_buf *err)
{
	bool *reach = calloc(t->nchains ? t->nchains : 1, sizeof(bool));
	if (!reach) {
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	unsigned nbase = 0;
	for (unsigned ci = 0; ci < t->nchains; ci++) {
		const struct nft_chain *c = &t->chains[ci];
		if (!c->base || t->dormant)
			continue;
		if (hook_of(c->hook) < 0) {
			qt_buf_printf(err, "Error: qtables cannot run chains "
				      "at hook %s; ", nft_hook_name(c->hook));
			free(reach);
			return where(t, c, err);
		}
		nbase++;
		mark_reach(t, ci, reach);
	}
	if (!nbase) {
		free(reach);
		return 0;
	}
	if (qt_nft_nat_check(t, err) < 0) {
		free(reach);
		return -1;
	}
	uint32_t first = p->nchains;
	struct cchain *nc = realloc(p->chains, (p->nchains + t->nchains) *
				    sizeof(*nc));
	struct cbase *nb = realloc(p->bases, (p->nbases + nbase) * sizeof(*nb));
	if (nc)
		p->chains = nc;
	if (nb)
		p->bases = nb;
	if (!nc || !nb) {
		free(reach);
		qt_buf_printf(err, "Error: out of memory\n");
		return -1;
	}
	memset(&p->chains[first], 0, t->nchains * sizeof(*nc));
	p->nchains += t->nchains;
	int rc = 0;
	for (unsigned ci = 0; rc == 0 && ci < t->nchains; ci++) {
		const struct nft_chain *c = &t->chains[ci];
		struct cchain *cc = &p->chains[first + ci];
		if (!reach[ci])
			continue;
		cc->rules = calloc(c->nrules ? c->nrules : 1, sizeof(*cc->rules));
		struct qt_cls_range *kr = calloc(c->nrules ? c->nrules : 1,
						 sizeof(*kr));
		if (!cc->rules || !kr) {
			free(kr);
			qt_buf_printf(err, "Error: out of memory\n");
			rc = -1;
			break;
		}
		cc->n = c->nrules;
		for (unsigned ri = 0; rc == 0 && ri < c->nrules; ri++) {
			rc = compile_rule(p, &cc->rules[ri], &c->rules[ri], t,
					  c, family, env, err);
			if (rc == 0) {
				for (unsigned si = 0; si < cc->rules[ri].n; si++) {
					struct cstmt *cs = &cc->rules[ri].s[si];
					if (cs->kind == CS_VERDICT &&
					    (cs->verdict == NFT_V_JUMP ||
					     cs->verdict == NFT_V_GOTO))
						cs->chain += first;
					if (cs->x)
						qt_nft_x_rebase(cs->x, first);
				}
				cls_range(&cc->rules[ri], family, &kr[ri]);
			}
		}
		if (rc == 0) {
			cc->cls = qt_cls_build(kr, c->nrules);
			if (!cc->cls) {
				qt_buf_printf(err, "Error: out of memory\n");
				rc = -1;
			} else {
				if (qt_cls_has_group(cc->cls, QT_CLS_IN) ||
				    qt_cls_has_group(cc->cls, QT_CLS_OUT))
					p->iface_keys = true;
				for (int w = 0; w < 3; w++) {
					p->src6_keys |= qt_cls_has_group(
						cc->cls, QT_CLS_SRC1 + w);
					p->dst6_keys |= qt_cls_has_group(
						cc->cls, QT_CLS_DST1 + w);
				}
			}
		}
		free(kr);
		if (rc == 0 && c->base) {
			struct cbase *b = &p->bases[p->nbases++];
			b->chain = first + ci;
			b->hook = (unsigned)hook_of(c->hook);
			b->prio = c->prio;
			b->rank = t->handle << 20 | (c->handle & 0xfffff);
			b->drop = c->policy_drop;
			b->nat = c->type == NFT_CT_NAT;
		}
	}
	free(reach);
	return rc;
}

/* Whether a ct expression or statement, or a nat statement, is anywhere
 * in the table: the kernel turns connection tracking (and with it
 * defragmentation) on for the family when such a rule is added, reached
 * by packets or not. A nat chain alone does not: without tracking its
 * rules never run (nft_nat.h). */
static bool table_tracks(const struct nft_table *t)
{
	for (unsigned ci = 0; ci < t->nchains; ci++) {
		const struct nft_chain *c = &t->chains[ci];
		for (unsigned ri = 0; ri < c->nrules; ri++)
			for (unsigned si = 0; si < c->rules[ri].n; si++) {
				const struct nft_stmt *s = &c->rules[ri].stmts[si];
				if (s->kind == NFT_S_NOTRACK ||
				    s->kind == NFT_S_NAT ||
				    s->kind == NFT_S_CT_COUNT ||
				    qt_nft_stmt_reads_ct(s))
					return true;
			}
	}
	return false;
}

/* A set with timeouts no rule looks up forgets its elements all the
 * same, and its listing gives their time left: its runtime is held as
 * a lookup's would be, once it has elements (a runtime's slots are
 * allocated whole). One that cannot run so (a map, an interval set
 * packets fill) is left to its rules, which refuse it. */
static void hold_timeout_sets(struct qt_nft_prog *p, const struct nft_table *t)
{
	for (unsigned si = 0; si < t->nsets; si++) {
		const struct nft_set *s = &t->sets[si];
		bool expires = (s->flags & NFT_SET_TIMEOUT) || s->timeout_ms;
		for (unsigned i = 0; !expires && i < s->nelems; i++)
			expires = s->elems[i].timeout_ms || s->elems[i].expires_ms;
		if (s->map || !s->nelems || !expires ||
		    !qt_dynset_wanted(t, s))
			continue;
		struct qt_dynset *d;
		struct qt_buf junk;
		qt_buf_init(&junk);
		(void)dyn_ref(p, t, s->name, &d, &junk);
		qt_buf_free(&junk);
	}
}

struct qt_nft_prog *qt_nft_compile(const struct nft_ruleset *rs,
				   uint8_t family,
				   const struct qt_engine_env *env,
				   struct qt_nft_store *store,
				   struct qt_buf *err)
{
	struct qt_nft_prog *p = calloc(1, sizeof(*p));
	if (!p) {
		qt_buf_printf(err, "Error: out of memory\n");
		return NULL;
	}
	p->store = store;
	for (unsigned ti = 0; rs && ti < rs->ntables; ti++) {
		const struct nft_table *t = &rs->tables[ti];
		if (!family_takes(t->family, family)) {
			/* arp, bridge and netdev: packets the engine never
			 * sees; a base chain there would judge nothing */
			bool other = t->family != NFT_F_IP &&
				     t->family != NFT_F_IP6 &&
				     t->family != NFT_F_INET;
			for (unsigned ci = 0; other && ci < t->nchains; ci++)
				if (t->chains[ci].base && !t->dormant) {
					qt_buf_printf(err, "Error: qtables "
						      "cannot run base chains "
						      "of family %s; ",
						      nft_family_name(t->family));
					where(t, &t->chains[ci], err);
					qt_nft_prog_free(p);
					return NULL;
				}
			continue;
		}
		if (table_tracks(t))
			p->uses_ct = true;
		if (compile_table(p, t, family, env, err) < 0) {
			qt_nft_prog_free(p);
			return NULL;
		}
		hold_timeout_sets(p, t);
	}
	return p;
}

void qt_nft_prog_free(struct qt_nft_prog *p)
{
	if (!p)
		return;
	for (uint32_t ci = 0; ci < p->nchains; ci++) {
		struct cchain *cc = &p->chains[ci];
		for (uint32_t ri = 0; cc->rules && ri < cc->n; ri++) {
			struct crule *cr = &cc->rules[ri];
			for (unsigned si = 0; cr->s && si < cr->n; si++) {
				free(cr->s[si].el);
				free(cr->s[si].pset);
				qt_nft_x_free(cr->s[si].x);
				free(cr->s[si].dop);
				free(cr->s[si].nat);
				for (unsigned k = 0; k < cr->s[si].nobjs; k++)
					ort_put(cr->s[si].objs[k].o);
				free(cr->s[si].objs);
			}
			free(cr->s);
		}
		free(cc->rules);
		qt_cls_free(cc->cls);
	}
	for (unsigned i = 0; i < p->nrts; i++)
		rt_put(p->store, p->rts[i]);
	free(p->rts);
	for (unsigned i = 0; i < p->ndyns; i++)
		qt_dynset_put(p->store->dyn, p->dyns[i]);
	free(p->dyns);
	free(p->chains);
	free(p->bases);
	free(p);
}

bool qt_nft_holds_sets(const struct qt_nft_prog *p)
{
	return p && p->ndyns;
}

unsigned qt_nft_nbase(const struct qt_nft_prog *p)
{
	return p ? p->nbases : 0;
}

void qt_nft_base_info(const struct qt_nft_prog *p, unsigned i,
		      unsigned *hook, int *prio, uint64_t *rank)
{
	*hook = p->bases[i].hook;
	*prio = p->bases[i].prio;
	*rank = p->bases[i].rank;
}

bool qt_nft_base_nat(const struct qt_nft_prog *p, unsigned i)
{
	return p->bases[i].nat;
}

bool qt_nft_uses_ct(const struct qt_nft_prog *p)
{
	return p && p->uses_ct;
}

bool qt_nft_uses_acct(const struct qt_nft_prog *p)
{
	return p && p->uses_acct;
}

bool qt_nft_uses_labels(const struct qt_nft_prog *p)
{
	return p && p->uses_labels;
}

bool qt_nft_wants_l2type(const struct qt_nft_prog *p)
{
	return p && p->wants_l2;
}

const struct qt_nflog_used *qt_nft_nflog(const struct qt_nft_prog *p)
{
	return p ? &p->nflog : NULL;
}

const char *qt_nft_mark_user(const struct qt_nft_prog *p)
{
	return p ? p->mark_user : NULL;
}

bool qt_nft_wants_owner(const struct qt_nft_prog *p)
{
	return p && p->wants_owner;
}

bool qt_nft_iface_keys(const struct qt_nft_prog *p)
{
	return p && p->iface_keys;
}

bool qt_nft_src6_keys(const struct qt_nft_prog *p)
{
	return p && p->src6_keys;
}

bool qt_nft_dst6_keys(const struct qt_nft_prog *p)
{
	return p && p->dst6_keys;
}

void qt_nft_describe_base(const struct qt_nft_prog *p, unsigned i, char *buf,
			  unsigned len)
{
	snprintf(buf, len, "?");
	if (p && i < p->nbases)
		qt_cls_describe(p->chains[p->bases[i].chain].cls, buf, len);
}

/* ---- walking ---- */

/* The key of a set packets fill: a field, or a concatenation's parts. */
static bool dyn_key(const struct cstmt *s, const struct qt_eval *ev,
		    uint8_t *v)
{
	return s->x ? qt_nft_x_key(s->x, ev, v) : qt_nft_part_load(&s->f, ev, v);
}

static bool match(const struct cstmt *s, const struct qt_eval *ev)
{
	uint8_t v[NFT_VAL_MAX];
	if (!dyn_key(s, ev, v))
		return false;
	if (s->dyn) {
		bool in = qt_dynset_lookup(s->dyn, v, ev->now_ns);
		return s->op == NFT_OP_NE ? !in : in;
	}
	unsigned n = s->f.len;
	if (s->flags) {
		bool any = false;
		for (unsigned i = 0; i < n; i++)
			any |= (v[i] & s->el[0].lo[i]) != 0;
		return s->op == NFT_OP_NE ? !any : any;
	}
	if (s->op == NFT_OP_LT || s->op == NFT_OP_GT ||
	    s->op == NFT_OP_LE || s->op == NFT_OP_GE) {
		int c = memcmp(v, s->el[0].lo, n);
		switch (s->op) {
		case NFT_OP_LT: return c < 0;
		case NFT_OP_GT: return c > 0;
		case NFT_OP_LE: return c <= 0;
		default: return c >= 0;
		}
	}
	if (s->cmplen) {
		bool eq = memcmp(v, s->el[0].lo, s->cmplen) == 0;
		return s->op == NFT_OP_NE ? !eq : eq;
	}
	bool in = memcmp(v, s->el[0].lo, n) >= 0 &&
		  memcmp(v, s->el[0].hi, n) <= 0;
	return s->op == NFT_OP_NE ? !in : in;
}

enum { R_NEXT, R_ACCEPT, R_DROP, R_RETURN, R_JUMP, R_GOTO };

/* nft_ct_set_zone_eval: a packet not yet tracked gets a zone template
 * (the first stays). One that conntrack has seen keeps its entry; one
 * it left without (INVALID, UNTRACKED) gets the template all the same,
 * which no later conntrack reads: the packet reads as NEW from then on,
 * at its later hooks too, with no entry for other ct keys to read (as
 * checked against the kernel). */
static void zone_set(struct qt_eval *ev, uint16_t zone, uint8_t dir)
{
	if (!ev->ct_valid) {
		qt_eval_ct_template(ev, zone, dir, false, false);
		return;
	}
	if (ev->ct || ev->ct_state == QT_CT_NEW)
		return;
	ev->ct_state = QT_CT_NEW;
}

static int verdict_of(uint8_t v)
{
	switch (v) {
	case NFT_V_ACCEPT: return R_ACCEPT;
	case NFT_V_DROP: return R_DROP;
	case NFT_V_RETURN: return R_RETURN;
	case NFT_V_JUMP: return R_JUMP;
	case NFT_V_GOTO: return R_GOTO;
	default: return R_NEXT;
	}
}

static int run_rule(const struct crule *r, struct qt_eval *ev,
		    uint32_t *chain)
{
	for (unsigned i = 0; i < r->n; i++) {
		const struct cstmt *s = &r->s[i];
		switch (s->kind) {
		case CS_MATCH:
			if (!match(s, ev))
				return R_NEXT;
			break;
		case CS_X: {
			uint8_t v = 0;
			switch (qt_nft_x_run(s->x, ev, &v, chain)) {
			case QT_NFT_X_NO:
				return R_NEXT;
			case QT_NFT_X_VERDICT:
				/* a map's continue goes on to the rule's
				 * next statement, as the kernel's verdict
				 * register left at NFT_CONTINUE does */
				if (v == NFT_V_CONTINUE)
					break;
				return verdict_of(v);
			}
			break;
		}
		case CS_COUNTER:
			__atomic_fetch_add(&s->cnt->pkts, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&s->cnt->bytes, ev->orig_len,
					   __ATOMIC_RELAXED);
			break;
		case CS_EXT_MATCH:
			if (s->ext->ext->match(s->ext, ev) == s->invert)
				return R_NEXT;
			break;
		case CS_LIMIT:
			if (qt_nft_limit_take(s->st, ev->orig_len, ev->now_ns) ==
			    s->invert)
				return R_NEXT;
			break;
		case CS_QUOTA:
			if (!qt_nft_quota_take(s->st, s->quota, s->invert,
					       ev->orig_len))
				return R_NEXT;
			break;
		case CS_EXT_TARGET: {
			int v = s->ext->ext->target(s->ext, ev);
			if (v == QT_XT_DROP)
				return R_DROP;
			if (v == QT_XT_ACCEPT)
				return R_ACCEPT;
			break;
		}
		case CS_PAYLOAD_SET:
			if (!qt_nft_pset_run(s->pset, ev))
				return R_NEXT;
			break;
		case CS_OBJ_MAP: {
			/* no element of the key: the kernel's objref
			 * lookup breaks the rule */
			int32_t k = qt_nft_x_index(s->x, ev);
			if (k < 0 || (uint32_t)k >= s->nobjs)
				return R_NEXT;
			struct cobj *co = &s->objs[k];
			if (s->okind == NFT_S_COUNTER) {
				__atomic_fetch_add(&co->o->cnt.pkts, 1,
						   __ATOMIC_RELAXED);
				__atomic_fetch_add(&co->o->cnt.bytes,
						   ev->orig_len,
						   __ATOMIC_RELAXED);
			} else if (s->okind == NFT_S_LIMIT) {
				if (qt_nft_limit_take(&co->o->st, ev->orig_len,
						      ev->now_ns) == co->invert)
					return R_NEXT;
			} else if (!qt_nft_quota_take(&co->o->st, co->quota,
						      co->invert,
						      ev->orig_len)) {
				return R_NEXT;
			}
			break;
		}
		case CS_NAT_MAP: {
			int32_t k = qt_nft_x_index(s->x, ev);
			if (k < 0)
				return R_NEXT;
			struct qt_ext_inst in = *s->ext;
			in.data = &s->nat[k];
			int v = in.ext->target(&in, ev);
			if (v == QT_XT_DROP)
				return R_DROP;
			if (v == QT_XT_ACCEPT)
				return R_ACCEPT;
			break;
		}
		case CS_MARK_SET:
			ev->mark = s->value;
			ev->mark_changed = true;
			break;
		case CS_CTMARK_SET: {
			struct qt_ct_entry *e = qt_nft_ct_entry(ev);
			if (e)
				e->mark = s->value;
			break;
		}
		case CS_CTLABEL_SET: {
			const struct qt_ct_entry *e = qt_nft_ct_entry(ev);
			if (e && ev->ct_shard)
				qt_ct_labels_set(ev->ct_shard, e, s->el->lo);
			break;
		}
		case CS_PRIO_SET:
			ev->priority = s->value;
			break;
		case CS_MARK_SET_X:
		case CS_CTMARK_SET_X:
		case CS_PRIO_SET_X: {
			uint32_t m;
			if (!(s->x ? qt_nft_x_value(s->x, ev, &m)
				   : qt_nft_xset_value(&s->xset, ev, &m)))
				return R_NEXT;
			if (s->kind == CS_MARK_SET_X) {
				ev->mark = m;
				ev->mark_changed = true;
			} else if (s->kind == CS_PRIO_SET_X) {
				ev->priority = m;
			} else {
				struct qt_ct_entry *e = qt_nft_ct_entry(ev);
				if (e)
					e->mark = m;
			}
			break;
		}
		case CS_NOTRACK:
			/* nft_notrack_eval: a packet with a template or
			 * an entry keeps it */
			if (!ev->ct_tmpl && !ev->ct_valid)
				ev->untracked = true;
			break;
		case CS_CTZONE_SET:
		case CS_CTZONE_SET_X: {
			uint32_t z = s->value;
			if (s->kind == CS_CTZONE_SET_X &&
			    !qt_nft_x_value(s->x, ev, &z))
				return R_NEXT;
			zone_set(ev, (uint16_t)z, s->zdir);
			break;
		}
		case CS_SET_UPDATE: {
			/* a key the packet lacks, a full set or an
			 * element's limit breaks the rule */
			uint8_t v[NFT_VAL_MAX];
			if (!dyn_key(s, ev, v) ||
			    !qt_dynset_update(s->dyn, s->dop, v, ev->orig_len,
					      ev->now_ns))
				return R_NEXT;
			/* ct count of the element: its address's
			 * connections */
			if (s->ext && !s->ext->ext->match(s->ext, ev))
				return R_NEXT;
			break;
		}
		case CS_NOP:
			break;
		case CS_VERDICT:
			*chain = s->chain;
			return verdict_of(s->verdict);
		}
		if (ev->hotdrop)
			return R_DROP;
	}
	return R_NEXT;
}

int qt_nft_eval_base(const struct qt_nft_prog *p, unsigned i,
		     struct qt_eval *ev, const uint32_t *key, unsigned ports)
{
	const struct cbase *b = &p->bases[i];
	struct frame {
		const struct cchain *ch;
		struct qt_cls_cand cand;
	} stack[NFT_STACK], cur;
	unsigned depth = 0;
	cur.ch = &p->chains[b->chain];
	qt_cls_lookup(cur.ch->cls, key, ports, &cur.cand);
	for (;;) {
		for (uint32_t ri; (ri = qt_cls_next(&cur.cand)) != UINT32_MAX;) {
			uint32_t to = 0;
			switch (run_rule(&cur.ch->rules[ri], ev, &to)) {
			case R_NEXT:
				continue;
			case R_ACCEPT:
				return QT_XT_ACCEPT;
			case R_DROP:
				return QT_XT_DROP;
			case R_RETURN:
				goto chain_end;
			case R_JUMP:
				if (depth == NFT_STACK)
					return QT_XT_DROP;
				stack[depth++] = cur;
				/* fall through */
			case R_GOTO:
				cur.ch = &p->chains[to];
				qt_cls_lookup(cur.ch->cls, key, ports, &cur.cand);
				continue;
			}
		}
chain_end:
		if (depth == 0)
			break;
		cur = stack[--depth];
	}
	return b->drop ? QT_XT_DROP : QT_XT_ACCEPT;
}
