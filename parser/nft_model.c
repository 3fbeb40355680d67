/* See nft_model.h. */
#include "nft_model.h"
#include <errno.h>

#include <stdlib.h>
#include <string.h>

static const char *const families[NFT_NFAMILIES] = {
	"ip", "ip6", "inet", "arp", "bridge", "netdev",
};
static const char *const hooks[] = {
	"prerouting", "input", "forward", "output", "postrouting", "ingress",
};
static const char *const chain_types[] = { "filter", "nat", "route" };

const char *nft_family_name(enum nft_family f)
{
	return families[f];
}

int nft_family_parse(const char *name)
{
	for (int i = 0; i < NFT_NFAMILIES; i++)
		if (!strcmp(families[i], name))
			return i;
	return -1;
}

const char *nft_hook_name(enum nft_hook h)
{
	return hooks[h];
}

int nft_hook_parse(const char *name)
{
	for (int i = 0; i < (int)(sizeof(hooks) / sizeof(*hooks)); i++)
		if (!strcmp(hooks[i], name))
			return i;
	return -1;
}

const char *nft_chain_type_name(enum nft_chain_type t)
{
	return chain_types[t];
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void *xdup(const void *p, size_t n)
{
	if (!p || !n)
		return NULL;
	void *d = xmalloc(n);
	memcpy(d, p, n);
	return d;
}

/* Grow an array by one slot; returns the new slot, zeroed. */
static void *grow(void *arrp, unsigned *n, size_t size)
{
	void **arr = arrp;
	char *v = realloc(*arr, (*n + 1) * size);
	if (!v)
		abort();
	*arr = v;
	memset(v + *n * size, 0, size);
	return v + (*n)++ * size;
}

struct nft_ruleset *nft_ruleset_new(void)
{
	return xmalloc(sizeof(struct nft_ruleset));
}

void nft_elem_clear(struct nft_elem *e)
{
	free(e->comment);
	free(e->chain);
	e->comment = NULL;
	e->chain = NULL;
}

void nft_elems_free(struct nft_elem *e, unsigned n)
{
	/* no stores into memory about to be freed, and no call for the
	 * strings most elements lack (a flush frees 10,000s of them) */
	for (unsigned i = 0; i < n; i++) {
		if (e[i].comment)
			free(e[i].comment);
		if (e[i].chain)
			free(e[i].chain);
	}
	free(e);
}

static void elem_part(const uint8_t *lo, const uint8_t *hi, unsigned off,
		      unsigned len, struct nft_elem *p)
{
	memset(p, 0, sizeof(*p));
	p->lo.len = p->hi.len = (uint8_t)len;
	memcpy(p->lo.b, lo + off, len);
	memcpy(p->hi.b, hi + off, len);
	p->kind = nft_val_cmp(&p->lo, &p->hi) ? NFT_E_RANGE : NFT_E_VALUE;
}

void nft_elem_key_part(const struct nft_elem *e, unsigned off, unsigned len,
		       struct nft_elem *p)
{
	elem_part(e->lo.b, e->kind == NFT_E_VALUE ? e->lo.b : e->hi.b, off,
		  len, p);
}

void nft_elem_data_part(const struct nft_elem *e, unsigned off, unsigned len,
			struct nft_elem *p)
{
	if (e->data.len < off + len)
		len = e->data.len > off ? e->data.len - off : 0;
	elem_part(e->data.b, e->data_range ? e->data_hi.b : e->data.b, off,
		  len, p);
}

void nft_elems_single(struct nft_elem *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].kind != NFT_E_VALUE && !e[i].catchall &&
		    !nft_val_cmp(&e[i].lo, &e[i].hi)) {
			e[i].kind = NFT_E_VALUE;
			e[i].plen = 0;
		}
}

void nft_elem_data_whole(const struct nft_elem *e, const struct nft_dtype *t,
			 struct nft_elem *p)
{
	nft_elem_data_part(e, 0, (t->bits + 7) / 8, p);
	if (e->data_range && p->kind == NFT_E_VALUE && t->prefixable) {
		p->kind = NFT_E_PREFIX;
		p->plen = (uint8_t)t->bits;
	}
}

struct nft_elem *nft_elems_dup(const struct nft_elem *e, unsigned n)
{
	struct nft_elem *d = xdup(e, n * sizeof(*e));
	for (unsigned i = 0; i < n; i++) {
		d[i].comment = xstrdup(e[i].comment);
		d[i].chain = xstrdup(e[i].chain);
	}
	return d;
}

static void stmt_clear(struct nft_stmt *s)
{
	nft_elems_free(s->elems, s->nelems);
	free(s->set_name);
	free(s->chain);
	free(s->prefix);
	free(s->obj_name);
}

void nft_rule_clear(struct nft_rule *r)
{
	for (unsigned i = 0; i < r->n; i++)
		stmt_clear(&r->stmts[i]);
	free(r->stmts);
	free(r->comment);
	memset(r, 0, sizeof(*r));
}

static void chain_clear(struct nft_chain *c)
{
	for (unsigned i = 0; i < c->nrules; i++)
		nft_rule_clear(&c->rules[i]);
	free(c->rules);
	free(c->name);
	free(c->comment);
}

static void set_clear(struct nft_set *s)
{
	nft_elems_free(s->elems, s->nelems);
	free(s->name);
	free(s->comment);
}

static void table_clear(struct nft_table *t)
{
	for (unsigned i = 0; i < t->nchains; i++)
		chain_clear(&t->chains[i]);
	for (unsigned i = 0; i < t->nsets; i++)
		set_clear(&t->sets[i]);
	for (unsigned i = 0; i < t->nobjs; i++)
		free(t->objs[i].name);
	free(t->objs);
	free(t->chains);
	free(t->sets);
	free(t->name);
	free(t->comment);
}

void nft_ruleset_flush(struct nft_ruleset *rs)
{
	for (unsigned i = 0; i < rs->ntables; i++)
		table_clear(&rs->tables[i]);
	free(rs->tables);
	rs->tables = NULL;
	rs->ntables = 0;
}

void nft_ruleset_free(struct nft_ruleset *rs)
{
	if (!rs)
		return;
	nft_ruleset_flush(rs);
	free(rs);
}

static void stmt_copy(struct nft_stmt *d, const struct nft_stmt *s)
{
	*d = *s;
	d->elems = nft_elems_dup(s->elems, s->nelems);
	d->set_name = xstrdup(s->set_name);
	d->chain = xstrdup(s->chain);
	d->prefix = xstrdup(s->prefix);
	d->obj_name = xstrdup(s->obj_name);
}

static void rule_copy(struct nft_rule *d, const struct nft_rule *s)
{
	*d = *s;
	d->stmts = xmalloc(s->n * sizeof(*s->stmts));
	for (unsigned i = 0; i < s->n; i++)
		stmt_copy(&d->stmts[i], &s->stmts[i]);
	d->comment = xstrdup(s->comment);
}

static void table_copy(struct nft_table *d, const struct nft_table *s)
{
	*d = *s;
	d->name = xstrdup(s->name);
	d->comment = xstrdup(s->comment);
	d->chains = xmalloc(s->nchains * sizeof(*s->chains));
	for (unsigned i = 0; i < s->nchains; i++) {
		const struct nft_chain *sc = &s->chains[i];
		struct nft_chain *dc = &d->chains[i];
		*dc = *sc;
		dc->name = xstrdup(sc->name);
		dc->comment = xstrdup(sc->comment);
		dc->rules = xmalloc(sc->nrules * sizeof(*sc->rules));
		for (unsigned r = 0; r < sc->nrules; r++)
			rule_copy(&dc->rules[r], &sc->rules[r]);
	}
	d->sets = xmalloc(s->nsets * sizeof(*s->sets));
	for (unsigned i = 0; i < s->nsets; i++) {
		d->sets[i] = s->sets[i];
		d->sets[i].name = xstrdup(s->sets[i].name);
		d->sets[i].comment = xstrdup(s->sets[i].comment);
		d->sets[i].elems = nft_elems_dup(s->sets[i].elems,
						 s->sets[i].nelems);
	}
	d->objs = xdup(s->objs, s->nobjs * sizeof(*s->objs));
	for (unsigned i = 0; i < s->nobjs; i++)
		d->objs[i].name = xstrdup(s->objs[i].name);
}

struct nft_ruleset *nft_ruleset_clone(const struct nft_ruleset *rs)
{
	struct nft_ruleset *d = nft_ruleset_new();
	*d = *rs;
	d->tables = xmalloc(rs->ntables * sizeof(*rs->tables));
	for (unsigned i = 0; i < rs->ntables; i++)
		table_copy(&d->tables[i], &rs->tables[i]);
	return d;
}

struct nft_table *nft_table_find(struct nft_ruleset *rs, int family,
				 const char *name)
{
	for (unsigned i = 0; i < rs->ntables; i++)
		if ((int)rs->tables[i].family == family &&
		    !strcmp(rs->tables[i].name, name))
			return &rs->tables[i];
	return NULL;
}

struct nft_table *nft_table_add(struct nft_ruleset *rs,
				enum nft_family family, const char *name)
{
	struct nft_table *t = grow(&rs->tables, &rs->ntables, sizeof(*t));
	t->family = family;
	t->name = xstrdup(name);
	t->handle = ++rs->table_handle;
	return t;
}

void nft_table_delete(struct nft_ruleset *rs, struct nft_table *t)
{
	unsigned i = (unsigned)(t - rs->tables);
	table_clear(t);
	memmove(t, t + 1, (rs->ntables - i - 1) * sizeof(*t));
	rs->ntables--;
}

void nft_table_flush(struct nft_table *t)
{
	for (unsigned i = 0; i < t->nchains; i++) {
		struct nft_chain *c = &t->chains[i];
		for (unsigned r = 0; r < c->nrules; r++)
			nft_rule_clear(&c->rules[r]);
		free(c->rules);
		c->rules = NULL;
		c->nrules = 0;
	}
	for (unsigned i = 0; i < t->nsets; i++) {
		nft_elems_free(t->sets[i].elems, t->sets[i].nelems);
		t->sets[i].elems = NULL;
		t->sets[i].nelems = 0;
	}
}

struct nft_chain *nft_chain_find(struct nft_table *t, const char *name)
{
	for (unsigned i = 0; i < t->nchains; i++)
		if (!strcmp(t->chains[i].name, name))
			return &t->chains[i];
	return NULL;
}

struct nft_chain *nft_chain_by_handle(struct nft_table *t, uint64_t h)
{
	for (unsigned i = 0; i < t->nchains; i++)
		if (t->chains[i].handle == h)
			return &t->chains[i];
	return NULL;
}

struct nft_chain *nft_chain_add(struct nft_table *t, const char *name)
{
	struct nft_chain *c = grow(&t->chains, &t->nchains, sizeof(*c));
	c->name = xstrdup(name);
	c->handle = ++t->next_handle;
	return c;
}

void nft_chain_delete(struct nft_table *t, struct nft_chain *c)
{
	unsigned i = (unsigned)(c - t->chains);
	chain_clear(c);
	memmove(c, c + 1, (t->nchains - i - 1) * sizeof(*c));
	t->nchains--;
}

static bool nat_hook_ok(enum nft_nat_kind k, const struct nft_chain *base)
{
	if (base->type != NFT_CT_NAT)
		return false;
	/* nft_masq_validate takes postrouting only, nft_nat_validate
	 * input too for snat */
	if (k == NFT_NAT_MASQ)
		return base->hook == NFT_H_POSTROUTING;
	if (k == NFT_NAT_SNAT)
		return base->hook == NFT_H_POSTROUTING ||
		       base->hook == NFT_H_INPUT;
	return base->hook == NFT_H_PREROUTING || base->hook == NFT_H_OUTPUT;
}

/* Whether statement s may run under base chain base. */
typedef bool (*stmt_ok_fn)(const struct nft_stmt *s,
			   const struct nft_chain *base);

static bool walk_stmts(const struct nft_table *t,
		       const struct nft_chain *base, unsigned ci, bool *seen,
		       stmt_ok_fn ok);

static bool walk_elems(const struct nft_table *t,
		       const struct nft_chain *base, const struct nft_elem *e,
		       unsigned n, bool *seen, stmt_ok_fn ok)
{
	for (unsigned i = 0; i < n; i++) {
		if (!e[i].chain)
			continue;
		const struct nft_chain *c =
			nft_chain_find((struct nft_table *)t, e[i].chain);
		if (c && !walk_stmts(t, base, (unsigned)(c - t->chains), seen,
				     ok))
			return false;
	}
	return true;
}

static bool walk_stmts(const struct nft_table *t,
		       const struct nft_chain *base, unsigned ci, bool *seen,
		       stmt_ok_fn ok)
{
	if (seen[ci])
		return true;
	seen[ci] = true;
	const struct nft_chain *ch = &t->chains[ci];
	for (unsigned r = 0; r < ch->nrules; r++)
		for (unsigned k = 0; k < ch->rules[r].n; k++) {
			const struct nft_stmt *s = &ch->rules[r].stmts[k];
			if (!ok(s, base))
				return false;
			if (s->kind == NFT_S_VERDICT && s->chain) {
				const struct nft_chain *c = nft_chain_find(
					(struct nft_table *)t, s->chain);
				if (c && !walk_stmts(t, base,
						     (unsigned)(c - t->chains),
						     seen, ok))
					return false;
			}
			if (s->kind != NFT_S_MATCH || !s->vmap)
				continue;
			if (!walk_elems(t, base, s->elems, s->nelems, seen, ok))
				return false;
			const struct nft_set *m = s->set_name
				? nft_set_find((struct nft_table *)t, s->set_name)
				: NULL;
			if (m && !walk_elems(t, base, m->elems, m->nelems, seen,
					     ok))
				return false;
		}
	return true;
}

/* Whether every statement each base chain reaches passes ok. */
static bool table_walk(const struct nft_table *t, stmt_ok_fn ok)
{
	bool *seen = xmalloc(t->nchains * sizeof(*seen));
	bool good = true;
	for (unsigned b = 0; good && b < t->nchains; b++) {
		if (!t->chains[b].base)
			continue;
		memset(seen, 0, t->nchains * sizeof(*seen));
		good = walk_stmts(t, &t->chains[b], b, seen, ok);
	}
	free(seen);
	return good;
}

static bool nat_ok(const struct nft_stmt *s, const struct nft_chain *base)
{
	return s->kind != NFT_S_NAT || nat_hook_ok(s->nat, base);
}

bool nft_table_nat_valid(const struct nft_table *t)
{
	return table_walk(t, nat_ok);
}

/* nft_reject_validate: prerouting, input, forward and output (this
 * kernel's, 6.18) */
static bool reject_ok(const struct nft_stmt *s, const struct nft_chain *base)
{
	return s->kind != NFT_S_REJECT || base->hook != NFT_H_POSTROUTING;
}

/* nft_fib_validate (this kernel's, 6.18): the device of the route at
 * prerouting, input and forward; the address type by iif there too, by
 * oif at forward, output and postrouting, by neither at any hook. */
static bool fib_ok(const struct nft_stmt *s, const struct nft_chain *base)
{
	if (s->kind != NFT_S_MATCH || s->lhs != NFT_L_FIB)
		return true;
	enum nft_hook h = base->hook;
	bool in_side = h == NFT_H_PREROUTING || h == NFT_H_INPUT ||
		       h == NFT_H_FORWARD;
	bool out_side = h == NFT_H_FORWARD || h == NFT_H_OUTPUT ||
			h == NFT_H_POSTROUTING;
	if (s->fib_result != NFT_FIB_R_TYPE)
		return in_side;
	if (s->fib_flags & NFT_FIB_IIF)
		return in_side;
	if (s->fib_flags & NFT_FIB_OIF)
		return out_side;
	return true;
}

bool nft_table_fib_valid(const struct nft_table *t)
{
	return table_walk(t, fib_ok);
}

bool nft_table_reject_valid(const struct nft_table *t)
{
	return table_walk(t, reject_ok);
}

unsigned nft_rule_anon_sets(const struct nft_rule *r)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->n; i++)
		n += (r->stmts[i].kind == NFT_S_MATCH ||
		      r->stmts[i].kind == NFT_S_NAT ||
		      r->stmts[i].kind == NFT_S_SET_FIELD ||
		      r->stmts[i].obj_map) &&
		     r->stmts[i].braces;
	return n;
}

void nft_rule_insert(struct nft_table *t, struct nft_chain *c, unsigned at,
		     struct nft_rule *r)
{
	t->next_handle += nft_rule_anon_sets(r);
	r->handle = ++t->next_handle;
	grow(&c->rules, &c->nrules, sizeof(*r));
	memmove(&c->rules[at + 1], &c->rules[at],
		(c->nrules - 1 - at) * sizeof(*r));
	c->rules[at] = *r;
	memset(r, 0, sizeof(*r));
}

int nft_rule_index(const struct nft_chain *c, uint64_t handle)
{
	for (unsigned i = 0; i < c->nrules; i++)
		if (c->rules[i].handle == handle)
			return (int)i;
	return -1;
}

void nft_rule_delete(struct nft_chain *c, unsigned at)
{
	nft_rule_clear(&c->rules[at]);
	memmove(&c->rules[at], &c->rules[at + 1],
		(c->nrules - at - 1) * sizeof(*c->rules));
	c->nrules--;
}

static unsigned elem_refs(const struct nft_elem *e, unsigned n,
			  const char *name)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		k += e[i].chain && !strcmp(e[i].chain, name);
	return k;
}

/* A jump or goto of a rule, or of an element of an anonymous or a
 * named verdict map, as the kernel counts a chain's uses. */
unsigned nft_chain_refs(const struct nft_table *t, const char *name)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->nchains; i++)
		for (unsigned r = 0; r < t->chains[i].nrules; r++) {
			const struct nft_rule *ru = &t->chains[i].rules[r];
			for (unsigned s = 0; s < ru->n; s++) {
				const struct nft_stmt *st = &ru->stmts[s];
				n += st->kind == NFT_S_VERDICT && st->chain &&
				     !strcmp(st->chain, name);
				n += elem_refs(st->elems, st->nelems, name);
			}
		}
	for (unsigned i = 0; i < t->nsets; i++)
		n += elem_refs(t->sets[i].elems, t->sets[i].nelems, name);
	return n;
}

static void elem_rename(struct nft_elem *e, unsigned n, const char *from,
			const char *to)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].chain && !strcmp(e[i].chain, from)) {
			free(e[i].chain);
			e[i].chain = xstrdup(to);
		}
}

void nft_chain_rename(struct nft_table *t, struct nft_chain *c,
		      const char *to)
{
	char *from = c->name;
	for (unsigned i = 0; i < t->nchains; i++)
		for (unsigned r = 0; r < t->chains[i].nrules; r++) {
			struct nft_rule *ru = &t->chains[i].rules[r];
			for (unsigned s = 0; s < ru->n; s++) {
				struct nft_stmt *st = &ru->stmts[s];
				if (st->kind == NFT_S_VERDICT && st->chain &&
				    !strcmp(st->chain, from)) {
					free(st->chain);
					st->chain = xstrdup(to);
				}
				elem_rename(st->elems, st->nelems, from, to);
			}
		}
	for (unsigned i = 0; i < t->nsets; i++)
		elem_rename(t->sets[i].elems, t->sets[i].nelems, from, to);
	c->name = xstrdup(to);
	free(from);
}

struct nft_set *nft_set_find(struct nft_table *t, const char *name)
{
	for (unsigned i = 0; i < t->nsets; i++)
		if (!strcmp(t->sets[i].name, name))
			return &t->sets[i];
	return NULL;
}

struct nft_set *nft_set_add(struct nft_table *t, const char *name)
{
	struct nft_set *s = grow(&t->sets, &t->nsets, sizeof(*s));
	s->name = xstrdup(name);
	s->handle = ++t->next_handle;
	return s;
}

void nft_set_delete(struct nft_table *t, struct nft_set *s)
{
	unsigned i = (unsigned)(s - t->sets);
	set_clear(s);
	memmove(s, s + 1, (t->nsets - i - 1) * sizeof(*s));
	t->nsets--;
}

unsigned nft_set_refs(const struct nft_table *t, const char *name)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->nchains; i++)
		for (unsigned r = 0; r < t->chains[i].nrules; r++) {
			const struct nft_rule *ru = &t->chains[i].rules[r];
			for (unsigned s = 0; s < ru->n; s++)
				n += ru->stmts[s].set_name &&
				     !strcmp(ru->stmts[s].set_name, name);
		}
	return n;
}

/* strings are compared as nft holds them: little-endian numbers */
static bool cmp_host_order;

/* A concatenation's parts that nft holds as host-order numbers (marks,
 * ct's state, status, direction, zone, ...): the key it sorts as one
 * little-endian number has their bytes the other way round from ours.
 * NULL: none. */
static const struct nft_set *cmp_swap;

static bool host_number(const struct nft_dtype *t)
{
	switch (t->id) {
	case NFT_T_MARK: case NFT_T_CTSTATE: case NFT_T_CTSTATUS:
	case NFT_T_CTDIR: case NFT_T_CTEVENT: case NFT_T_RELTIME:
	case NFT_T_INT16: case NFT_T_INT64:
		return true;
	default:
		return false;
	}
}

static const struct nft_set *swap_of(const struct nft_set *s)
{
	if (s->nktypes < 2)
		return NULL;
	bool any = false;
	for (unsigned k = 0; k < s->nktypes; k++) {
		if (k >= NFT_CONCAT_MAX || !s->ktypes[k])
			return NULL;
		any |= host_number(s->ktypes[k]);
	}
	return any ? s : NULL;
}

static void swap_parts(const struct nft_val *in, struct nft_val *out)
{
	*out = *in;
	unsigned off = 0;
	for (unsigned k = 0; k < cmp_swap->nktypes; k++) {
		const struct nft_dtype *t = cmp_swap->ktypes[k];
		unsigned bytes = (t->bits + 7) / 8;
		if (host_number(t) && off + bytes <= out->len)
			for (unsigned i = 0; i < bytes; i++)
				out->b[off + i] = in->b[off + bytes - 1 - i];
		off += nft_concat_part_len(t);
	}
}

/* tcp flags are listed in the order of their bits read from the
 * lowest, greatest first (fin | ack, fin, syn | ack, syn, rst, ...) */
static bool cmp_flag_order;

static uint8_t bit_reversed(uint8_t x)
{
	uint8_t r = 0;
	for (int i = 0; i < 8; i++)
		r = (uint8_t)(r << 1 | ((x >> i) & 1));
	return r;
}

static int val_cmp(const struct nft_val *a, const struct nft_val *b)
{
	if (cmp_flag_order && a->len == 1 && b->len == 1)
		return (int)bit_reversed(b->b[0]) - (int)bit_reversed(a->b[0]);
	struct nft_val sa, sb;
	if (cmp_swap) {
		swap_parts(a, &sa);
		swap_parts(b, &sb);
		a = &sa;
		b = &sb;
	}
	if (!cmp_host_order)
		return nft_val_cmp(a, b);
	for (unsigned i = a->len; i-- > 0;)
		if (a->b[i] != b->b[i])
			return (int)a->b[i] - (int)b->b[i];
	return 0;
}

static int elem_cmp(const void *a, const void *b)
{
	const struct nft_elem *x = a, *y = b;
	if (x->catchall || y->catchall)
		return (int)x->catchall - (int)y->catchall;
	int c = val_cmp(&x->lo, &y->lo);
	if (c)
		return c;
	const struct nft_val *xh = x->kind == NFT_E_VALUE ? &x->lo : &x->hi;
	const struct nft_val *yh = y->kind == NFT_E_VALUE ? &y->lo : &y->hi;
	return val_cmp(xh, yh);
}

static void sort_elems(bool host_order, struct nft_elem *e, unsigned *n)
{
	if (!*n)
		return;
	cmp_host_order = host_order;
	/* already in order without repeats (a list written or generated
	 * in order, a set's elements with later ones after them): a file
	 * of thousands of elements need not be sorted again */
	unsigned sorted = 1;
	while (sorted < *n && elem_cmp(&e[sorted - 1], &e[sorted]) < 0)
		sorted++;
	if (sorted == *n)
		return;
	qsort(e, *n, sizeof(*e), elem_cmp);
	unsigned k = 1;
	for (unsigned i = 1; i < *n; i++) {
		if (elem_cmp(&e[k - 1], &e[i]))
			e[k++] = e[i];
		else
			nft_elem_clear(&e[i]);
	}
	*n = k;
}

void nft_elems_sort(const struct nft_dtype *t, struct nft_elem *e,
		    unsigned *n)
{
	cmp_swap = NULL;
	cmp_flag_order = t->id == NFT_T_TCP_FLAG;
	sort_elems(t->host_order, e, n);
}

static bool set_host_order(const struct nft_set *s)
{
	return s->nktypes > 1 || s->type->host_order;
}

/* A set of concatenated intervals lists its elements in the order they
 * came (the kernel's pipapo keeps them so). */
static bool keeps_order(const struct nft_set *s)
{
	return s->nktypes > 1 && (s->flags & NFT_SET_INTERVAL);
}

void nft_set_sort(const struct nft_set *s, struct nft_elem *e, unsigned *n)
{
	cmp_swap = swap_of(s);
	cmp_flag_order = s->nktypes <= 1 && s->type &&
			 s->type->id == NFT_T_TCP_FLAG;
	if (!keeps_order(s))
		sort_elems(set_host_order(s), e, n);
	cmp_swap = NULL;
}

void nft_anon_sort(struct nft_set *key, struct nft_elem *e, unsigned *n)
{
	for (unsigned i = 0; key->nktypes > 1 && i < *n; i++)
		if (e[i].kind != NFT_E_VALUE)
			key->flags |= NFT_SET_INTERVAL;
	nft_set_sort(key, e, n);
}

static struct nft_elem *set_lookup(const struct nft_set *s, unsigned upto,
				   const struct nft_elem *e)
{
	cmp_host_order = set_host_order(s);
	cmp_swap = swap_of(s);
	cmp_flag_order = s->nktypes <= 1 && s->type &&
			 s->type->id == NFT_T_TCP_FLAG;
	if (!upto)
		return NULL;
	if (!keeps_order(s))
		return bsearch(e, s->elems, upto, sizeof(*e), elem_cmp);
	for (unsigned i = 0; i < upto; i++)
		if (!elem_cmp(&s->elems[i], e))
			return &s->elems[i];
	return NULL;
}

int nft_set_missing(const struct nft_set *s, const struct nft_elem *e,
		    unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!set_lookup(s, s->nelems, &e[i]))
			return (int)i;
	return -1;
}

int nft_set_present(const struct nft_set *s, const struct nft_elem *e,
		    unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (set_lookup(s, s->nelems, &e[i]))
			return (int)i;
	return -1;
}

/* An element already there stays as it is (the kernel keeps it). */
void nft_set_add_elems(struct nft_set *s, const struct nft_elem *e,
		       unsigned n)
{
	if (!n)
		return;
	/* room for them all at once: a file adds thousands in one go */
	struct nft_elem *v = realloc(s->elems, (s->nelems + n) * sizeof(*v));
	if (!v)
		abort();
	s->elems = v;
	unsigned had = s->nelems;
	for (unsigned i = 0; i < n; i++) {
		/* a set that keeps its order is not sorted (nor deduped)
		 * after: the new elements are looked at too */
		if (set_lookup(s, keeps_order(s) ? s->nelems : had, &e[i])) {
			struct nft_elem dup = e[i];
			nft_elem_clear(&dup);
			continue;
		}
		s->elems[s->nelems++] = e[i];
	}
	nft_set_sort(s, s->elems, &s->nelems);
}

void nft_set_take_elems(struct nft_set *s, struct nft_elem *e, unsigned n)
{
	/* (a set that keeps its order drops repeats as they are added) */
	if (s->nelems || !n || keeps_order(s)) {
		nft_set_add_elems(s, e, n);
		free(e);
		return;
	}
	/* a file that makes a set and fills it: thousands of elements,
	 * not copied once more */
	free(s->elems);
	s->elems = e;
	s->nelems = n;
	nft_set_sort(s, s->elems, &s->nelems);
}

int nft_set_del_elems(struct nft_set *s, const struct nft_elem *e,
		      unsigned n)
{
	if (nft_set_missing(s, e, n) >= 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct nft_elem *f = set_lookup(s, s->nelems, &e[i]);
		if (!f)
			continue;
		unsigned at = (unsigned)(f - s->elems);
		nft_elem_clear(f);
		memmove(f, f + 1, (s->nelems - at - 1) * sizeof(*f));
		s->nelems--;
	}
	return 0;
}

static const struct {
	const char *name;
	uint64_t seconds;
} limit_units[] = {
	{ "second", 1 }, { "minute", 60 }, { "hour", 3600 },
	{ "day", 86400 }, { "week", 604800 },
};

uint64_t nft_limit_unit_seconds(const char *unit)
{
	for (size_t i = 0; unit && i < sizeof(limit_units) /
					 sizeof(limit_units[0]); i++)
		if (!strcmp(limit_units[i].name, unit))
			return limit_units[i].seconds;
	return 0;
}

const char *nft_limit_unit_name(uint64_t seconds)
{
	for (size_t i = 0; i < sizeof(limit_units) / sizeof(limit_units[0]);
	     i++)
		if (limit_units[i].seconds == seconds)
			return limit_units[i].name;
	return "second";
}

uint64_t nft_bytes_split(uint64_t v, const char **unit)
{
	static const char *const units[] = { "bytes", "kbytes", "mbytes" };
	unsigned u = 0;
	while (u < 2 && v && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	*unit = units[u];
	return v;
}

int nft_limit_params(uint64_t rate, uint64_t unit_s, uint64_t burst,
		     bool bytes, uint64_t *tokens_max, uint64_t *cost)
{
	uint64_t nsecs, with_burst, t;
	if (!rate)
		return EINVAL;
	if (__builtin_mul_overflow(unit_s, (uint64_t)1000000000, &nsecs))
		return EOVERFLOW;
	/* the burst travels as 32 bits */
	burst &= 0xffffffffu;
	if (!bytes && !burst)
		burst = 5;
	if (__builtin_add_overflow(rate, burst, &with_burst))
		return EOVERFLOW;
	if (!bytes) {
		*cost = nsecs / rate;
		if (__builtin_mul_overflow(*cost, burst, tokens_max))
			return EOVERFLOW;
		return 0;
	}
	/* a packet's cost is nsecs * len / rate, at its time */
	*cost = nsecs;
	if (__builtin_mul_overflow(nsecs, with_burst, &t))
		return EOVERFLOW;
	*tokens_max = t / rate;
	return 0;
}

struct nft_obj *nft_obj_find(struct nft_table *t, enum nft_stmt_kind kind,
			     const char *name)
{
	for (unsigned i = 0; i < t->nobjs; i++)
		if (t->objs[i].st.kind == kind && !strcmp(t->objs[i].name, name))
			return &t->objs[i];
	return NULL;
}

struct nft_obj *nft_obj_add(struct nft_table *t, enum nft_stmt_kind kind,
			    const char *name)
{
	struct nft_obj *o = grow(&t->objs, &t->nobjs, sizeof(*o));
	o->name = xstrdup(name);
	o->handle = ++t->next_handle;
	o->st.kind = kind;
	o->st.level = -1;
	return o;
}

void nft_obj_delete(struct nft_table *t, struct nft_obj *o)
{
	unsigned i = (unsigned)(o - t->objs);
	free(o->name);
	memmove(o, o + 1, (t->nobjs - i - 1) * sizeof(*o));
	t->nobjs--;
}

/* Does the element list name object name (a map of objects' data)? */
static unsigned elems_name(const struct nft_elem *e, unsigned ne,
			   const char *name)
{
	unsigned n = 0;
	size_t len = strlen(name);
	for (unsigned i = 0; i < ne; i++)
		n += e[i].has_data && len < e[i].data.len &&
		     !memcmp(e[i].data.b, name, len) && !e[i].data.b[len];
	return n;
}

unsigned nft_obj_refs(const struct nft_table *t, const struct nft_obj *o)
{
	unsigned n = 0;
	/* a map of objects of its kind: each element naming it */
	for (unsigned si = 0; si < t->nsets; si++)
		if (t->sets[si].obj_kind == o->st.kind)
			n += elems_name(t->sets[si].elems, t->sets[si].nelems,
					o->name);
	for (unsigned ci = 0; ci < t->nchains; ci++)
		for (unsigned ri = 0; ri < t->chains[ci].nrules; ri++) {
			const struct nft_rule *r = &t->chains[ci].rules[ri];
			for (unsigned i = 0; i < r->n; i++) {
				const struct nft_stmt *s = &r->stmts[i];
				n += s->kind == o->st.kind && s->obj_name &&
				     !strcmp(s->obj_name, o->name);
				if (s->kind == o->st.kind && s->obj_map)
					n += elems_name(s->elems, s->nelems,
							o->name);
			}
		}
	return n;
}

const char *nft_obj_kind_name(enum nft_stmt_kind kind)
{
	return kind == NFT_S_COUNTER ? "counter"
	       : kind == NFT_S_QUOTA ? "quota" : "limit";
}
