/* The elements of sets and maps as nft reads them: a key, or the parts
 * of a concatenated key joined by '.', then what an element may carry
 * (timeout, expires, comment) and, in a map, ':' and its value (a
 * verdict, or a value of the map's data type). */
#include "nft_run_elem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const verdict_words[] = {
	"accept", "drop", "continue", "return", "jump", "goto",
};

void nr_set_shape(const struct nft_set *s, struct nft_table *tb,
		  struct elem_shape *sh)
{
	memset(sh, 0, sizeof(*sh));
	if (s->nktypes > 1) {
		sh->nk = s->nktypes;
		memcpy(sh->kt, s->ktypes, sizeof(sh->kt));
	} else {
		sh->nk = 1;
		sh->kt[0] = s->type;
	}
	/* typeof ip ttl: the field's width, not its type's */
	if (s->typeof_field) {
		sh->kbits[0] = nr_field_width(s->typeof_field);
		for (unsigned i = 0; i < s->ntypeof_cat; i++)
			sh->kbits[i + 1] = nr_field_width(s->typeof_cat[i]);
	}
	if (s->typeof_data)
		sh->dbits = nr_field_width(s->typeof_data);
	sh->data = s->map;
	sh->dt = s->data_type;
	sh->dt2 = s->data_type2;
	sh->single = s->map && !s->data_interval;
	sh->extras = true;
	sh->tb = tb;
}

/* Put part p of a concatenation at its place in e (lo and hi). */
static void put_part(const struct elem_shape *sh, unsigned k,
		     const struct nft_elem *p, struct nft_elem *e)
{
	unsigned off = 0;
	for (unsigned i = 0; i < k; i++)
		off += nft_concat_part_len(sh->kt[i]);
	unsigned len = nft_concat_part_len(sh->kt[k]);
	const struct nft_val *hi = p->kind == NFT_E_VALUE ? &p->lo : &p->hi;
	memcpy(e->lo.b + off, p->lo.b, p->lo.len);
	memcpy(e->hi.b + off, hi->b, hi->len);
	e->lo.len = e->hi.len = (uint8_t)(off + len);
	if (p->kind != NFT_E_VALUE)
		e->kind = NFT_E_RANGE;
}

static const char *const quota_units[] = { "bytes", "kbytes", "mbytes",
					   "gbytes" };

/* N UNIT of a quota, in bytes */
static int parse_quota_bytes(struct cur *c, uint64_t *v)
{
	if (nr_parse_u64(c, v) < 0)
		return -1;
	struct nft_tok *u = nr_peek(c);
	for (unsigned i = 0; u && u->kind == NT_WORD && i < 4; i++)
		if (!strcmp(u->text, quota_units[i])) {
			for (unsigned k = 0; k < i; k++)
				*v *= 1024;
			c->i++;
			return 0;
		}
	return nr_unexpected(c, NULL);
}

int nr_parse_elem_stmt(struct cur *c, struct nft_elem *e, bool listed,
		       bool *took)
{
	*took = false;
	struct nft_tok *t = nr_peek(c);
	if (nr_tok_is(t, "limit")) {
		c->i++;
		struct nft_stmt l;
		memset(&l, 0, sizeof(l));
		if (nr_parse_limit(c, &l) < 0)
			return -1;
		if (l.bytes_unit && !l.burst && !listed) {
			/* nft's check of an element's byte limit, marked
			 * where its (maybe absent) burst ends */
			struct nft_loc b = nr_tok_end(&c->it->toks[c->i - 1]);
			return nr_error_span(c->r, &b, &b, "limit burst must "
					     "be > 0");
		}
		e->has_limit = true;
		e->limit_over = l.over;
		e->limit_bytes = l.bytes_unit != NULL;
		e->limit_rate = l.rate;
		e->limit_unit_s = nft_limit_unit_seconds(l.unit);
		e->limit_burst = l.burst;
	} else if (nr_tok_is(t, "counter")) {
		c->i++;
		e->has_counter = true;
		if (nr_at(c, "packets")) {
			c->i++;
			if (nr_parse_u64(c, &e->packets) < 0)
				return -1;
			if (!nr_at(c, "bytes"))
				return nr_unexpected(c, "bytes");
			c->i++;
			if (nr_parse_u64(c, &e->bytes) < 0)
				return -1;
		}
	} else if (nr_tok_is(t, "quota") && !listed) {
		/* nft lists an element's quota, but its grammar has none */
		return nr_unexpected(c, "comma or '}'");
	} else if (nr_tok_is(t, "quota")) {
		c->i++;
		e->has_quota = true;
		if (nr_at(c, "over")) {
			e->quota_over = true;
			c->i++;
		}
		if (parse_quota_bytes(c, &e->quota_bytes) < 0)
			return -1;
		if (nr_at(c, "used")) {
			c->i++;
			if (parse_quota_bytes(c, &e->quota_used) < 0)
				return -1;
		}
	} else if (nr_tok_is(t, "ct") && nr_tok_is(nr_peek_at(c, 1), "count")) {
		c->i += 2;
		e->has_count = true;
		if (nr_at(c, "over")) {
			e->count_over = true;
			c->i++;
		}
		uint64_t n;
		if (nr_parse_u64(c, &n) < 0)
			return -1;
		if (n > UINT32_MAX) {
			c->i--;
			return nr_error_tok(c->r, nr_peek(c), "value too large");
		}
		e->count = (uint32_t)n;
	} else {
		return 0;
	}
	*took = true;
	return 0;
}

/* timeout T, expires T, comment "C" after a key, and what a dynamic
 * set's element carries (listed so, and read back from a state file) */
static int parse_extras(struct cur *c, struct nft_elem *e, bool *took)
{
	*took = false;
	struct nft_tok *t = nr_peek(c);
	int rc = nr_parse_elem_stmt(c, e, c->r->o && c->r->o->own_listing,
				    took);
	if (rc < 0 || *took)
		return rc;
	if (nr_tok_is(t, "timeout") || nr_tok_is(t, "expires")) {
		c->i++;
		struct nft_tok *v = nr_peek(c);
		uint64_t ms;
		if (!v || v->kind != NT_WORD || nr_parse_duration(v->text, &ms) < 0)
			return nr_unexpected(c, NULL);
		if (t->text[0] == 't')
			e->timeout_ms = ms;
		else
			e->expires_ms = ms;
		c->i++;
		*took = true;
	} else if (nr_tok_is(t, "comment")) {
		c->i++;
		struct nft_tok *v = nr_peek(c);
		if (!v || (v->kind != NT_STRING && v->kind != NT_WORD))
			return nr_unexpected(c, "string");
		if (nr_check_comment(c->r, v) < 0)
			return -1;
		free(e->comment);
		e->comment = nr_xstrdup(v->text);
		c->i++;
		*took = true;
	}
	return 0;
}

void nr_key_desc(const struct nft_dtype *const *kt, unsigned nk, char *buf,
		 size_t n)
{
	size_t k = 0;
	buf[0] = '\0';
	if (nk > 1)
		k += (size_t)snprintf(buf + k, n - k, "concatenation of (");
	for (unsigned i = 0; i < nk && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "",
				      kt[i]->desc);
	if (nk > 1 && k < n)
		snprintf(buf + k, n - k, ")");
}

enum want { W_KEY, W_AFTER_KEY, W_DATA, W_COMMA };

/* The element being read: its key's place in the input. */
struct elem_read {
	struct nft_elem e;
	struct span key;
	unsigned part;               /* key parts read */
};

static void push(const struct elem_shape *sh, struct elem_read *er,
		 struct nft_elem **v, unsigned *n, unsigned *cap)
{
	/* the elements and their spans grow together, doubling (the
	 * capacity stays a power of two at or above the count, as
	 * nr_push_elem keeps it) */
	if (*n == *cap) {
		size_t want = *cap ? 2 * (size_t)*cap : 1;
		struct nft_elem *x = realloc(*v, want * sizeof(*x));
		if (!x)
			abort();
		*v = x;
		if (sh->spans) {
			struct span *y = realloc(*sh->spans, want * sizeof(*y));
			if (!y)
				abort();
			*sh->spans = y;
		}
		*cap = (unsigned)want;
	}
	if (sh->spans)
		(*sh->spans)[*n] = er->key;
	(*v)[(*n)++] = er->e;
	memset(er, 0, sizeof(*er));
}

/* The capacity of arrays of n elements pushed one by one. */
static unsigned pushed_cap(unsigned n)
{
	unsigned c = 1;
	while (c < n)
		c *= 2;
	return n ? c : 0;
}

/* Room made at once for the elements of g (one more than its commas,
 * at most), so that a file's 10,000 elements are not copied at every
 * doubling on their way in. */
static unsigned reserve(const struct elem_shape *sh, const struct nft_group *g,
			struct nft_elem **v)
{
	size_t commas = 0;
	for (unsigned i = 0; i < g->n; i++)
		for (unsigned k = 0; k < g->items[i].n; k++) {
			const struct nft_tok *t = &g->items[i].toks[k];
			/* nr_tok_is(t, ","), without a call per token */
			commas += t->text && t->text[0] == ',' && !t->text[1] &&
				  nr_tok_is(t, ",");
		}
	if (commas < 64 || commas >= UINT32_MAX / 2)
		return 0;
	unsigned cap = pushed_cap((unsigned)commas + 1);
	struct nft_elem *x = realloc(*v, (size_t)cap * sizeof(*x));
	if (!x)
		abort();
	*v = x;
	if (sh->spans) {
		struct span *y = realloc(*sh->spans, (size_t)cap * sizeof(*y));
		if (!y)
			abort();
		*sh->spans = y;
	}
	return cap;
}

/* The key ended (',' '}' or ':'): is it whole, and has a map's element
 * its value? -1 after nft's message. */
static int key_done(struct run *r, const struct elem_shape *sh,
		    struct elem_read *er, bool value_next)
{
	if (er->part && er->part < sh->nk) {
		char want[256], have[256];
		nr_key_desc(sh->kt, sh->nk, want, sizeof(want));
		nr_key_desc(sh->kt, er->part, have, sizeof(have));
		return nr_error_span(r, &er->key.a, &er->key.b, "datatype "
				     "mismatch, expected %s, expression has "
				     "type %s", want, have);
	}
	if (!value_next && sh->data && !sh->data_optional)
		return nr_error_span(r, &er->key.a, &er->key.b, "Could not "
				     "process rule: Invalid argument");
	return 0;
}

static int parse_verdict_data(struct cur *c, const struct elem_shape *sh,
			      struct elem_read *er)
{
	struct nft_elem *e = &er->e;
	struct nft_tok *t = nr_peek(c);
	for (int v = 0; t && v < 6; v++) {
		if (!nr_tok_is(t, verdict_words[v]))
			continue;
		c->i++;
		e->has_data = true;
		e->verdict = (enum nft_verdict)v;
		if (v < NFT_V_JUMP)
			return 0;
		struct nft_tok *n = nr_take_name(c);
		if (!n)
			return -1;
		/* the kernel refuses the element: its key is marked */
		if (sh->tb && !nft_chain_find(sh->tb, n->text))
			return nr_error_span(c->r, &er->key.a, &er->key.b,
					     ENOENT_KERNEL);
		e->chain = nr_xstrdup(n->text);
		return 0;
	}
	return nr_unexpected(c, NULL);
}

/* A nat map value's port after its address, at off of v. */
static void put_data_part(struct nft_val *v, unsigned off,
			  const struct nft_val *p)
{
	memset(v->b + v->len, 0, off - v->len);
	memcpy(v->b + off, p->b, p->len);
	v->len = (uint8_t)(off + p->len);
}

/* PORT - PORT written apart: the range's high end (c after the low). */
static int nat_port_hi(struct cur *c, const struct nft_dtype *ty,
		       struct nft_elem *d)
{
	struct nft_tok *dash = nr_peek(c), *t = nr_peek_at(c, 1);
	if (d->kind != NFT_E_VALUE || !dash || !nr_tok_is(dash, "-") || !t ||
	    t->kind != NT_WORD)
		return 0;
	struct nft_elem h;
	if (nr_parse_value_word(c, t, ty, &h) < 0)
		return -1;
	c->i += 2;
	d->kind = NFT_E_RANGE;
	d->hi = h.lo;
	return 0;
}

/* Types whose values never hold a ':' as nft writes them: a word of
 * one with a colon in a map is KEY:VALUE written without spaces. */
static bool colon_free_type(const struct nft_dtype *ty)
{
	switch (ty->id) {
	case NFT_T_INTEGER: case NFT_T_IPV4: case NFT_T_SERVICE:
	case NFT_T_PROTO: case NFT_T_MARK: case NFT_T_INT16:
	case NFT_T_INT64: case NFT_T_RAW:
		return true;
	default:
		return false;
	}
}

static bool ip6_word(const char *w, size_t n)
{
	char a[INET6_ADDRSTRLEN + 1];
	uint8_t b[16];
	if (n >= sizeof(a))
		return false;
	memcpy(a, w, n);
	a[n] = '\0';
	return inet_pton(AF_INET6, a, b) == 1;
}

/* The longest IPv6 address a word starts with, as nft's scanner reads
 * one (an address of hex digits and colons, the longest that is one):
 * its length, 0 when the word is one address or starts with none. */
size_t nr_ip6_scan_end(const char *w)
{
	size_t n = strlen(w);
	if (strchr(w, '/') || strchr(w, '-') || ip6_word(w, n))
		return 0;
	for (size_t p = n; p-- > 2;)
		if (ip6_word(w, p))
			return p;
	return 0;
}

static bool all_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return n > 0;
}

/* Where nft's scanner ends a map's key written against what follows
 * (25:accept, 1.1.1.1:1, ::2:, ::1:acce|pt): after the longest IPv6
 * address, or at the first colon of a colon-free value (hex digits on
 * both sides of it are one word to nft: 22:1); 0 when it is one. */
static size_t key_end(const char *w, const struct nft_dtype *ty)
{
	if (ty->id == NFT_T_IPV6)
		return nr_ip6_scan_end(w);
	const char *colon = strchr(w, ':');
	if (!colon || colon == w || !colon_free_type(ty))
		return 0;
	size_t at = (size_t)(colon - w);
	if (all_hex(w, at) && all_hex(colon + 1, strlen(colon + 1)))
		return 0;
	return at;
}

/* Split the word at c (a map's key) where its key ends, at: KEY ':'
 * [VALUE] when a colon follows (three tokens, two when the colon ends
 * the word), else KEY REST. */
static void split_key(struct cur *c, size_t at)
{
	struct nft_item *it = c->it;
	struct nft_tok t = it->toks[c->i];
	bool colon = t.text[at] == ':';
	size_t skip = colon ? 1 : 0;
	bool rest = t.text[at + skip] != '\0';
	unsigned add = (colon ? 1 : 0) + (rest ? 1 : 0);
	struct nft_tok k = t, col = t, v = t;
	k.loc.end_line = t.loc.line;
	k.loc.end_col = t.loc.col + (int)at - 1;
	col.text = (char *)":";
	col.loc.col = col.loc.end_col = t.loc.col + (int)at;
	col.loc.end_line = t.loc.line;
	v.loc.col = t.loc.col + (int)(at + skip);
	/* the rest's own copy: the key's end is written over */
	v.text = t.text + at + skip;
	struct nft_group *root = c->r->trees[t.loc.src];
	if (!colon && root)
		v.text = nft_arena_dup(&root->arena, t.text + at,
				       strlen(t.text + at));
	else if (!colon)
		return;
	if (!at)
		add--;      /* no key: ':' in its place */
	for (unsigned i = 0; i < add; i++)
		nft_item_push(it, &t);
	memmove(&it->toks[c->i + 1 + add], &it->toks[c->i + 1],
		(it->n - add - c->i - 1) * sizeof(t));
	t.text[at] = '\0';
	unsigned j = c->i;
	if (at)
		it->toks[j++] = k;
	if (colon)
		it->toks[j++] = col;
	if (rest)
		it->toks[j] = v;
}

int nr_parse_elems(struct run *r, const struct nft_tok *g,
		   const struct elem_shape *sh, struct nft_elem **v,
		   unsigned *n)
{
	enum want want = W_KEY;
	/* nft takes commas after an element, one or several, also
	 * before the closing brace; never before the first element */
	bool any = false, nested = false;
	struct elem_read er;
	memset(&er, 0, sizeof(er));
	struct nft_elem *e = &er.e;
	struct nft_group *grp = g->group;
	unsigned cap = *n ? pushed_cap(*n) : reserve(sh, grp, v);
	for (unsigned i = 0; i < grp->n; i++) {
		struct cur c = { r, &grp->items[i], 0, grp->close, false };
		for (struct nft_tok *t; (t = nr_peek(&c));) {
			if (nested && !nr_tok_is(t, ",")) {
				nr_unexpected(&c, "comma or '}'");
				goto fail;
			}
			nested = false;
			if (nr_tok_is(t, ",") && (want == W_AFTER_KEY ||
						  want == W_COMMA)) {
				if (want == W_AFTER_KEY &&
				    key_done(r, sh, &er, false) < 0)
					goto fail;
				push(sh, &er, v, n, &cap);
				any = true;
				want = W_KEY;
				c.i++;
				continue;
			}
			if (nr_tok_is(t, ",") && want == W_KEY && any) {
				c.i++;
				continue;
			}
			if (want == W_AFTER_KEY && nr_tok_is(t, "|") &&
			    sh->nk == 1 && sh->kt[0]->id == NFT_T_TCP_FLAG &&
			    e->kind == NFT_E_VALUE) {
				/* tcp flags: syn | ack is one element */
				struct nft_tok *f = nr_peek_at(&c, 1);
				struct nft_elem more;
				c.i++;
				if (!f || (f->kind != NT_WORD &&
					   f->kind != NT_STRING))
					goto bad;
				if (nr_parse_value_word(&c, f, sh->kt[0],
							&more) < 0)
					goto fail;
				for (unsigned k = 0; k < e->lo.len &&
				     k < more.lo.len; k++)
					e->lo.b[k] |= more.lo.b[k];
				c.i++;
				continue;
			}
			if (want == W_AFTER_KEY) {
				if (nr_tok_is(t, ".") && er.part < sh->nk) {
					want = W_KEY;
					c.i++;
					continue;
				}
				bool took;
				if (sh->extras && parse_extras(&c, e, &took) < 0)
					goto fail;
				if (sh->extras && took)
					continue;
				if (sh->data && nr_tok_is(t, ":")) {
					if (key_done(r, sh, &er, true) < 0)
						goto fail;
					want = W_DATA;
					c.i++;
					continue;
				}
				if (sh->data && t->kind == NT_WORD &&
				    t->text[0] == ':' && t->text[1] &&
				    t->text[1] != ':') {
					/* KEY :VALUE */
					split_key(&c, 0);
					continue;
				}
				if (sh->data && er.part == sh->nk &&
				    t->kind == NT_WORD) {
					/* a whole key, then a word: nft wants
					 * the map's colon */
					nr_unexpected(&c, "colon");
					goto fail;
				}
				goto bad;
			}
			if (want == W_DATA) {
				if (!sh->dt) {
					if (parse_verdict_data(&c, sh, &er) < 0)
						goto fail;
				} else {
					struct nft_elem d;
					if (t->kind != NT_WORD && t->kind != NT_STRING)
						goto bad;
					if (nr_check_width(r, t, sh->dbits) < 0 ||
					    nr_parse_value_word(&c, t, sh->dt, &d) < 0)
						goto fail;
					if (sh->single && d.kind != NFT_E_VALUE) {
						nr_error_tok(r, t, "Value must be "
							     "a singleton");
						goto fail;
					}
					e->has_data = true;
					e->data = d.lo;
					e->data_hi = d.kind == NFT_E_VALUE ? d.lo
									   : d.hi;
					e->data_range = d.kind != NFT_E_VALUE;
					c.i++;
					if (sh->dt2 && nr_at(&c, ".")) {
						c.i++;
						struct nft_tok *t2 = nr_peek(&c);
						if (!t2 || (t2->kind != NT_WORD &&
							    t2->kind != NT_STRING))
							goto bad;
						if (nr_parse_value_word(&c, t2, sh->dt2,
									&d) < 0)
							goto fail;
						c.i++;
						if (nat_port_hi(&c, sh->dt2, &d) < 0)
							goto fail;
						unsigned off = nft_concat_part_len(sh->dt);
						put_data_part(&e->data, off, &d.lo);
						put_data_part(&e->data_hi, off,
							      d.kind == NFT_E_VALUE
							      ? &d.lo : &d.hi);
						e->data_range |= d.kind != NFT_E_VALUE;
					}
				}
				want = W_COMMA;
				continue;
			}
			if (want == W_KEY && t->kind == NT_GROUP && !sh->data &&
			    er.part == 0 && !nested) {
				/* a set's elements in braces among its
				 * elements: nft takes them as elements */
				if (nr_parse_elems(r, t, sh, v, n) < 0)
					goto fail;
				cap = pushed_cap(*n);
				any = true;
				nested = true;
				c.i++;
				continue;
			}
			if (want == W_KEY && er.part == 0 && nr_tok_is(t, "*")) {
				/* the catch-all element: a whole key */
				e->catchall = true;
				er.key.a = t->loc;
				er.key.b = nr_tok_end(t);
				er.part = sh->nk;
				want = W_AFTER_KEY;
				c.i++;
				continue;
			}
			if (want == W_COMMA || t->kind == NT_PUNCT ||
			    t->kind == NT_OP || t->kind == NT_GROUP)
				goto bad;
			if (er.part >= sh->nk)
				goto bad;
			size_t at;
			if (sh->data && er.part == sh->nk - 1 &&
			    t->kind == NT_WORD &&
			    (at = key_end(t->text, sh->kt[er.part])) > 0) {
				split_key(&c, at);
				t = nr_peek(&c);
			}
			struct nft_elem p;
			if (nr_check_width(r, t, sh->kbits[er.part]) < 0 ||
			    nr_parse_value_word(&c, t, sh->kt[er.part], &p) < 0)
				goto fail;
			c.i++;
			if (!er.part)
				er.key.a = t->loc;
			er.key.b = nr_tok_end(t);
			/* "A"-"B": a range of quoted values, or A - B
			 * spaced */
			struct nft_tok *dash = nr_peek(&c), *t2 = nr_peek_at(&c, 1);
			if ((t->kind == NT_STRING ||
			     (t->kind == NT_WORD && p.kind == NFT_E_VALUE)) &&
			    dash && dash->kind == NT_WORD &&
			    !strcmp(dash->text, "-") && t2 &&
			    (t2->kind == NT_STRING || t2->kind == NT_WORD)) {
				struct nft_elem hi;
				if (nr_parse_value_word(&c, t2, sh->kt[er.part],
							&hi) < 0)
					goto fail;
				if (nft_val_cmp(&p.lo, &hi.lo) > 0) {
					struct nft_loc b = nr_tok_end(t2);
					nr_error_span(r, &t->loc, &b, "Range has zero "
						      "or negative size");
					goto fail;
				}
				p.hi = hi.lo;
				p.kind = NFT_E_RANGE;
				c.i += 2;
				er.key.b = nr_tok_end(t2);
			}
			if (sh->nk == 1) {
				e->kind = p.kind;
				e->lo = p.lo;
				e->hi = p.hi;
				e->plen = p.plen;
			} else {
				put_part(sh, er.part, &p, e);
			}
			er.part++;
			want = W_AFTER_KEY;
			continue;
bad:
			nr_unexpected(&c, NULL);
fail:
			nft_elem_clear(e);
			return -1;
		}
	}
	if (want == W_AFTER_KEY) {
		if (key_done(r, sh, &er, false) < 0) {
			nft_elem_clear(e);
			return -1;
		}
		push(sh, &er, v, n, &cap);
		return 0;
	}
	if (want == W_COMMA) {
		push(sh, &er, v, n, &cap);
		return 0;
	}
	if (any)
		return 0;
	nft_elem_clear(e);
	struct nft_loc l = grp->close;
	return nr_error_span(r, &l, &l, "syntax error, unexpected '}'");
}

int nr_parse_group_elems(struct run *r, const struct nft_tok *g,
			 const struct nft_dtype *ty, struct nft_elem **v,
			 unsigned *n)
{
	struct elem_shape sh;
	memset(&sh, 0, sizeof(sh));
	sh.nk = 1;
	sh.kt[0] = ty;
	return nr_parse_elems(r, g, &sh, v, n);
}

int nr_parse_group_elems_w(struct run *r, const struct nft_tok *g,
			   const struct nft_dtype *ty, unsigned bits,
			   struct nft_elem **v, unsigned *n)
{
	struct elem_shape sh;
	memset(&sh, 0, sizeof(sh));
	sh.nk = 1;
	sh.kt[0] = ty;
	sh.kbits[0] = bits;
	return nr_parse_elems(r, g, &sh, v, n);
}
