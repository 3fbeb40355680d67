/* Ruleset model: construction, copy-on-write transactions, chain order. */
#include "model.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);
	if (!p)
		abort();
	return p;
}

static void *xrealloc(void *p, size_t sz)
{
	p = realloc(p, sz ? sz : 1);
	if (!p)
		abort();
	return p;
}

/* Built-in chains per table, in the order iptables lists them. */
static const struct qt_table_def table_defs[QT_NTABLES] = {
	[QT_TABLE_MANGLE] = { "mangle", 5, {
		{ "PREROUTING", QT_HOOK_PRE_ROUTING },
		{ "INPUT", QT_HOOK_LOCAL_IN },
		{ "FORWARD", QT_HOOK_FORWARD },
		{ "OUTPUT", QT_HOOK_LOCAL_OUT },
		{ "POSTROUTING", QT_HOOK_POST_ROUTING } } },
	[QT_TABLE_SECURITY] = { "security", 3, {
		{ "INPUT", QT_HOOK_LOCAL_IN },
		{ "FORWARD", QT_HOOK_FORWARD },
		{ "OUTPUT", QT_HOOK_LOCAL_OUT } } },
	[QT_TABLE_RAW] = { "raw", 2, {
		{ "PREROUTING", QT_HOOK_PRE_ROUTING },
		{ "OUTPUT", QT_HOOK_LOCAL_OUT } } },
	[QT_TABLE_FILTER] = { "filter", 3, {
		{ "INPUT", QT_HOOK_LOCAL_IN },
		{ "FORWARD", QT_HOOK_FORWARD },
		{ "OUTPUT", QT_HOOK_LOCAL_OUT } } },
	[QT_TABLE_NAT] = { "nat", 4, {
		{ "PREROUTING", QT_HOOK_PRE_ROUTING },
		{ "INPUT", QT_HOOK_LOCAL_IN },
		{ "OUTPUT", QT_HOOK_LOCAL_OUT },
		{ "POSTROUTING", QT_HOOK_POST_ROUTING } } },
};

const struct qt_table_def *qt_table_def(enum qt_table_id id)
{
	return &table_defs[id];
}

int qt_table_lookup(const char *name)
{
	for (int i = 0; i < QT_NTABLES; i++)
		if (strcmp(table_defs[i].name, name) == 0)
			return i;
	return -1;
}

const char *qt_verdict_name(enum qt_verdict v)
{
	switch (v) {
	case QT_V_ACCEPT: return "ACCEPT";
	case QT_V_DROP: return "DROP";
	case QT_V_RETURN: return "RETURN";
	default: return "";
	}
}

/* ---- rules ---- */

struct qt_rule *qt_rule_new(uint8_t family)
{
	struct qt_rule *r = xcalloc(1, sizeof(*r));
	r->refcnt = 1;
	r->family = family;
	return r;
}

struct qt_rule *qt_rule_ref(struct qt_rule *r)
{
	r->refcnt++;
	return r;
}

static void inst_free(struct qt_ext_inst *in)
{
	free(in->data);
	in->data = NULL;
}

void qt_rule_unref(struct qt_rule *r)
{
	if (!r || --r->refcnt > 0)
		return;
	for (unsigned i = 0; i < r->nmatches; i++)
		inst_free(&r->matches[i]);
	free(r->matches);
	inst_free(&r->target);
	free(r);
}

static void inst_copy(struct qt_ext_inst *dst, const struct qt_ext_inst *src)
{
	*dst = *src;
	if (src->ext && src->data) {
		dst->data = xcalloc(1, src->ext->data_size);
		memcpy(dst->data, src->data, src->ext->data_size);
	}
}

struct qt_rule *qt_rule_clone(const struct qt_rule *r)
{
	struct qt_rule *c = xcalloc(1, sizeof(*c));
	*c = *r;
	c->refcnt = 1;
	c->matches = xcalloc(r->nmatches, sizeof(*c->matches));
	for (unsigned i = 0; i < r->nmatches; i++)
		inst_copy(&c->matches[i], &r->matches[i]);
	inst_copy(&c->target, &r->target);
	return c;
}

static void inst_init(struct qt_ext_inst *in, const struct qt_ext *ext,
		      uint8_t family)
{
	memset(in, 0, sizeof(*in));
	in->ext = ext;
	in->family = family;
	in->data = xcalloc(1, ext->data_size);
	if (ext->init)
		ext->init(in);
}

struct qt_ext_inst *qt_rule_add_match(struct qt_rule *r,
				      const struct qt_ext *ext)
{
	r->matches = xrealloc(r->matches,
			      (r->nmatches + 1) * sizeof(*r->matches));
	struct qt_ext_inst *in = &r->matches[r->nmatches++];
	inst_init(in, ext, r->family);
	return in;
}

void qt_rule_del_match(struct qt_rule *r, unsigned i)
{
	if (i >= r->nmatches)
		return;
	inst_free(&r->matches[i]);
	memmove(&r->matches[i], &r->matches[i + 1],
		(r->nmatches - i - 1) * sizeof(*r->matches));
	r->nmatches--;
}

void qt_rule_set_target(struct qt_rule *r, const struct qt_ext *ext)
{
	inst_free(&r->target);
	inst_init(&r->target, ext, r->family);
	r->verdict = QT_V_EXT;
}

bool qt_rule_proto_is(const struct qt_rule *r, uint16_t proto)
{
	return r->proto == proto && !(r->invflags & QT_INV_PROTO);
}

static bool inst_equal(const struct qt_ext_inst *a, const struct qt_ext_inst *b)
{
	if (a->ext != b->ext)
		return false;
	if (!a->ext)
		return true;
	return memcmp(a->data, b->data, a->ext->data_size) == 0;
}

bool qt_rule_equal(const struct qt_rule *a, const struct qt_rule *b)
{
	if (a->family != b->family || a->proto != b->proto ||
	    a->frag != b->frag || a->invflags != b->invflags ||
	    memcmp(&a->src, &b->src, sizeof(a->src)) ||
	    memcmp(&a->smsk, &b->smsk, sizeof(a->smsk)) ||
	    memcmp(&a->dst, &b->dst, sizeof(a->dst)) ||
	    memcmp(&a->dmsk, &b->dmsk, sizeof(a->dmsk)) ||
	    strcmp(a->iniface, b->iniface) || strcmp(a->outiface, b->outiface))
		return false;
	if (a->nmatches != b->nmatches || a->verdict != b->verdict)
		return false;
	for (unsigned i = 0; i < a->nmatches; i++)
		if (!inst_equal(&a->matches[i], &b->matches[i]))
			return false;
	if ((a->verdict == QT_V_JUMP || a->verdict == QT_V_GOTO) &&
	    strcmp(a->jump, b->jump))
		return false;
	if (a->verdict == QT_V_EXT && !inst_equal(&a->target, &b->target))
		return false;
	return true;
}

/* ---- chains ---- */

static struct qt_chain *chain_new(const char *name)
{
	struct qt_chain *c = xcalloc(1, sizeof(*c));
	strncpy(c->name, name, QT_CHAIN_MAXNAMELEN);
	c->present = true;
	return c;
}

static struct qt_chain *chain_clone(const struct qt_chain *src)
{
	struct qt_chain *c = xcalloc(1, sizeof(*c));
	*c = *src;
	c->cap = src->nrules;
	c->rules = xcalloc(c->cap, sizeof(*c->rules));
	for (unsigned i = 0; i < src->nrules; i++)
		c->rules[i] = qt_rule_ref(src->rules[i]);
	return c;
}

/* The table changed: summaries made of it before are out of date. */
static void changed(struct qt_table *t)
{
	if (t)
		t->gen++;
}

void qt_chain_flush(struct qt_chain *c)
{
	if (c->nrules)
		changed(c->table);
	for (unsigned i = 0; i < c->nrules; i++)
		qt_rule_unref(c->rules[i]);
	c->nrules = 0;
}

static void chain_free(struct qt_chain *c)
{
	qt_chain_flush(c);
	free(c->rules);
	free(c);
}

void qt_chain_insert(struct qt_chain *c, unsigned pos, struct qt_rule *r)
{
	changed(c->table);
	if (c->nrules == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->rules = xrealloc(c->rules, c->cap * sizeof(*c->rules));
	}
	if (pos > c->nrules)
		pos = c->nrules;
	memmove(&c->rules[pos + 1], &c->rules[pos],
		(c->nrules - pos) * sizeof(*c->rules));
	c->rules[pos] = r;
	c->nrules++;
}

void qt_chain_delete(struct qt_chain *c, unsigned pos)
{
	changed(c->table);
	qt_rule_unref(c->rules[pos]);
	memmove(&c->rules[pos], &c->rules[pos + 1],
		(c->nrules - pos - 1) * sizeof(*c->rules));
	c->nrules--;
}

void qt_chain_replace(struct qt_chain *c, unsigned pos, struct qt_rule *r)
{
	changed(c->table);
	qt_rule_unref(c->rules[pos]);
	c->rules[pos] = r;
}

/* ---- tables ---- */

static struct qt_table *table_new(enum qt_table_id id)
{
	const struct qt_table_def *d = &table_defs[id];
	struct qt_table *t = xcalloc(1, sizeof(*t));
	t->id = id;
	t->gen = 1;
	t->nbuiltin = d->nbuiltin;
	t->nchains = d->nbuiltin;
	t->chains = xcalloc(t->nchains, sizeof(*t->chains));
	for (unsigned i = 0; i < d->nbuiltin; i++) {
		struct qt_chain *c = chain_new(d->builtin[i].name);
		c->builtin = true;
		c->present = false;
		c->hook = d->builtin[i].hook;
		c->policy = QT_V_ACCEPT;
		c->table = t;
		t->chains[i] = c;
	}
	return t;
}

static void table_free(struct qt_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->nchains; i++)
		chain_free(t->chains[i]);
	free(t->chains);
	free(t);
}

static struct qt_table *table_clone(const struct qt_table *src)
{
	struct qt_table *t = xcalloc(1, sizeof(*t));
	*t = *src;
	t->chains = xcalloc(t->nchains, sizeof(*t->chains));
	for (unsigned i = 0; i < src->nchains; i++) {
		t->chains[i] = chain_clone(src->chains[i]);
		t->chains[i]->table = t;
	}
	return t;
}

int qt_table_chain_index(const struct qt_table *t, const char *name)
{
	for (unsigned i = 0; i < t->nbuiltin; i++)
		if (strcmp(t->chains[i]->name, name) == 0)
			return (int)i;
	/* user chains are sorted: binary search */
	unsigned lo = t->nbuiltin, hi = t->nchains;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = strcmp(t->chains[mid]->name, name);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct qt_chain *qt_table_chain(const struct qt_table *t, const char *name)
{
	int i = qt_table_chain_index(t, name);
	return i < 0 ? NULL : t->chains[i];
}

static unsigned user_insert_pos(const struct qt_table *t, const char *name)
{
	unsigned lo = t->nbuiltin, hi = t->nchains;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (strcmp(t->chains[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void table_put_chain(struct qt_table *t, struct qt_chain *c)
{
	unsigned pos = user_insert_pos(t, c->name);
	t->chains = xrealloc(t->chains, (t->nchains + 1) * sizeof(*t->chains));
	memmove(&t->chains[pos + 1], &t->chains[pos],
		(t->nchains - pos) * sizeof(*t->chains));
	t->chains[pos] = c;
	t->nchains++;
}

struct qt_chain *qt_table_add_chain(struct qt_table *t, const char *name)
{
	struct qt_chain *c = chain_new(name);
	c->seq = ++t->last_seq;
	c->table = t;
	table_put_chain(t, c);
	changed(t);
	return c;
}

static struct qt_chain *table_take_chain(struct qt_table *t, unsigned idx)
{
	struct qt_chain *c = t->chains[idx];
	memmove(&t->chains[idx], &t->chains[idx + 1],
		(t->nchains - idx - 1) * sizeof(*t->chains));
	t->nchains--;
	return c;
}

void qt_table_del_chain(struct qt_table *t, unsigned idx)
{
	changed(t);
	chain_free(table_take_chain(t, idx));
}

void qt_table_rename_chain(struct qt_table *t, unsigned idx,
			   const char *newname)
{
	changed(t);
	struct qt_chain *c = table_take_chain(t, idx);
	memset(c->name, 0, sizeof(c->name));
	strncpy(c->name, newname, QT_CHAIN_MAXNAMELEN);
	table_put_chain(t, c);
}

unsigned qt_table_chain_refs(const struct qt_table *t, const char *name)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->nchains; i++) {
		const struct qt_chain *c = t->chains[i];
		for (unsigned j = 0; j < c->nrules; j++) {
			const struct qt_rule *r = c->rules[j];
			if ((r->verdict == QT_V_JUMP || r->verdict == QT_V_GOTO) &&
			    strcmp(r->jump, name) == 0)
				n++;
		}
	}
	return n;
}

/* ---- rulesets ---- */

/* Stand-in tables for listing tables that do not exist yet. One set per
 * process is enough: they are never modified. */
static struct qt_table *empty_views[QT_NTABLES];

struct qt_ruleset *qt_ruleset_new(uint8_t family)
{
	struct qt_ruleset *rs = xcalloc(1, sizeof(*rs));
	rs->family = family ? family : AF_INET;
	return rs;
}

void qt_ruleset_free(struct qt_ruleset *rs)
{
	if (!rs)
		return;
	for (int i = 0; i < QT_NTABLES; i++)
		table_free(rs->tables[i]);
	free(rs->acct);
	free(rs);
}

struct qt_ruleset *qt_ruleset_clone(const struct qt_ruleset *rs)
{
	struct qt_ruleset *c = xcalloc(1, sizeof(*c));
	c->family = rs->family;
	for (int i = 0; i < QT_NTABLES; i++)
		if (rs->tables[i])
			c->tables[i] = table_clone(rs->tables[i]);
	if (rs->nacct) {
		c->acct = xcalloc(rs->nacct, sizeof(*c->acct));
		memcpy(c->acct, rs->acct, rs->nacct * sizeof(*c->acct));
		c->nacct = rs->nacct;
	}
	return c;
}

const struct qt_acct_obj *qt_ruleset_acct_find(const struct qt_ruleset *rs,
					       const char *name)
{
	for (unsigned i = 0; i < rs->nacct; i++)
		if (!strncmp(rs->acct[i].name, name, QT_ACCT_NAME_MAX - 1))
			return &rs->acct[i];
	return NULL;
}

void qt_ruleset_acct_add(struct qt_ruleset *rs, const struct qt_acct_obj *o)
{
	struct qt_acct_obj *v = realloc(rs->acct, (rs->nacct + 1) * sizeof(*v));
	if (!v)
		abort();
	rs->acct = v;
	rs->acct[rs->nacct++] = *o;
}

void qt_ruleset_acct_del(struct qt_ruleset *rs, const char *name)
{
	for (unsigned i = 0; i < rs->nacct; i++)
		if (!strncmp(rs->acct[i].name, name, QT_ACCT_NAME_MAX - 1)) {
			memmove(&rs->acct[i], &rs->acct[i + 1],
				(rs->nacct - i - 1) * sizeof(*rs->acct));
			rs->nacct--;
			return;
		}
}

/* -m nfacct's data block begins with the object's name (extensions/
 * nfacct.c, the kernel's xt_nfacct_match_info). */
bool qt_ruleset_acct_in_use(const struct qt_ruleset *rs, const char *name)
{
	for (int t = 0; t < QT_NTABLES; t++) {
		const struct qt_table *tb = rs->tables[t];
		for (unsigned c = 0; tb && c < tb->nchains; c++)
			for (unsigned r = 0; r < tb->chains[c]->nrules; r++) {
				const struct qt_rule *ru = tb->chains[c]->rules[r];
				for (unsigned m = 0; m < ru->nmatches; m++)
					if (!strcmp(ru->matches[m].ext->name, "nfacct") &&
					    !strncmp(ru->matches[m].data, name,
						     QT_ACCT_NAME_MAX - 1))
						return true;
			}
	}
	return false;
}

struct qt_table *qt_ruleset_table(struct qt_ruleset *rs, enum qt_table_id id,
				  bool create)
{
	if (!rs->tables[id] && create)
		rs->tables[id] = table_new(id);
	return rs->tables[id];
}

const struct qt_table *qt_ruleset_table_view(struct qt_ruleset *rs,
					     enum qt_table_id id)
{
	if (rs->tables[id])
		return rs->tables[id];
	if (!empty_views[id])
		empty_views[id] = table_new(id);
	return empty_views[id];
}
