/* The expressions and statements of nft rules beyond a field compared
 * with values: numgen, jhash and fib, concatenations, bitwise
 * operations, verdict maps, the nat statements, set updates from the
 * packet path and ct count. */
#include "nft_run_expr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_run_elem.h"

/* What numgen, jhash and fib read, as fields of no header: the match
 * code compares them as it compares fields. */
static const struct nft_field numgen_field = {
	"numgen", "", NFT_B_META, 0, 32, NFT_T_INTEGER, NFT_DEP_NONE, 0,
	false, false
};
static const struct nft_field jhash_field = {
	"jhash", "", NFT_B_META, 0, 32, NFT_T_INTEGER, NFT_DEP_NONE, 0,
	false, false
};
static const struct nft_field fib_type_field = {
	"fib", "type", NFT_B_META, 0, 32, NFT_T_FIB_ADDRTYPE, NFT_DEP_NONE, 0,
	false, false
};
static const struct nft_field fib_oif_field = {
	"fib", "oif", NFT_B_META, 0, 32, NFT_T_IFINDEX, NFT_DEP_NONE, 0,
	false, false
};
static const struct nft_field fib_oifname_field = {
	"fib", "oifname", NFT_B_META, 0, 128, NFT_T_IFNAME, NFT_DEP_NONE, 0,
	false, false
};

static int parse_u32_word(struct cur *c, uint32_t *v)
{
	uint64_t x;
	if (nr_parse_u64(c, &x) < 0)
		return -1;
	if (x > UINT32_MAX) {
		c->i--;
		return nr_error_tok(c->r, nr_peek(c), "value too large");
	}
	*v = (uint32_t)x;
	return 0;
}

/* numgen random|inc mod N [offset M] */
static int parse_numgen(struct cur *c, struct nft_stmt *s)
{
	s->lhs = NFT_L_NUMGEN;
	s->field = &numgen_field;
	if (nr_at(c, "inc"))
		s->numgen_inc = true;
	else if (!nr_at(c, "random"))
		return nr_unexpected(c, "random or inc");
	c->i++;
	if (!nr_at(c, "mod"))
		return nr_unexpected(c, "mod");
	c->i++;
	if (parse_u32_word(c, &s->mod) < 0)
		return -1;
	if (nr_at(c, "offset")) {
		c->i++;
		if (parse_u32_word(c, &s->offset) < 0)
			return -1;
	}
	return 0;
}

/* f [. g ...]: the first field in s->field, the others in s->cat */
static int parse_concat_fields(struct cur *c, struct nft_stmt *s)
{
	while (nr_at(c, ".")) {
		c->i++;
		unsigned start = c->i;
		const struct nft_field *f = nr_parse_selector(c);
		if (!f)
			return c->i == start ? nr_unexpected(c, NULL) : -1;
		if (s->ncat + 1 >= NFT_CONCAT_MAX)
			return nr_error_tok(c->r, &c->it->toks[start],
					    "too many concatenated fields");
		s->cat[s->ncat++] = f;
	}
	return 0;
}

/* jhash FIELD [. FIELD] mod N [seed S] [offset M] */
static int parse_jhash(struct cur *c, struct nft_stmt *s)
{
	unsigned start = c->i;
	const struct nft_field *f = nr_parse_selector(c);
	if (!f)
		return c->i == start ? nr_unexpected(c, NULL) : -1;
	struct nft_stmt keys;
	memset(&keys, 0, sizeof(keys));
	keys.field = f;
	if (parse_concat_fields(c, &keys) < 0)
		return -1;
	s->lhs = NFT_L_JHASH;
	s->hkeys[0] = f;
	for (unsigned i = 0; i < keys.ncat; i++)
		s->hkeys[i + 1] = keys.cat[i];
	s->nhkeys = 1 + keys.ncat;
	s->field = &jhash_field;
	if (!nr_at(c, "mod"))
		return nr_unexpected(c, "mod");
	c->i++;
	if (parse_u32_word(c, &s->mod) < 0)
		return -1;
	if (nr_at(c, "seed")) {
		c->i++;
		if (parse_u32_word(c, &s->seed) < 0)
			return -1;
		s->has_seed = true;
	}
	if (nr_at(c, "offset")) {
		c->i++;
		if (parse_u32_word(c, &s->offset) < 0)
			return -1;
	}
	return 0;
}

/* symhash mod N [offset M]: the kernel's flow hash of the packet */
static int parse_symhash(struct cur *c, struct nft_stmt *s)
{
	s->lhs = NFT_L_SYMHASH;
	if (!nr_at(c, "mod"))
		return nr_unexpected(c, "mod");
	c->i++;
	if (parse_u32_word(c, &s->mod) < 0)
		return -1;
	if (nr_at(c, "offset")) {
		c->i++;
		if (parse_u32_word(c, &s->offset) < 0)
			return -1;
	}
	return 0;
}

int nr_parse_num_value(struct cur *c, struct nft_stmt *s)
{
	int (*parse)(struct cur *, struct nft_stmt *) =
		nr_at(c, "numgen") ? parse_numgen : nr_at(c, "jhash") ?
		parse_jhash : nr_at(c, "symhash") ? parse_symhash : NULL;
	if (!parse)
		return 0;
	c->i++;
	struct nft_stmt v;
	memset(&v, 0, sizeof(v));
	if (parse(c, &v) < 0)
		return -1;
	s->lhs = v.lhs;
	s->mod = v.mod;
	s->offset = v.offset;
	s->numgen_inc = v.numgen_inc;
	s->seed = v.seed;
	s->has_seed = v.has_seed;
	memcpy(s->hkeys, v.hkeys, sizeof(s->hkeys));
	s->nhkeys = v.nhkeys;
	return 1;
}

static const struct { const char *name; unsigned flag; } fib_inputs[] = {
	{ "saddr", NFT_FIB_SADDR }, { "daddr", NFT_FIB_DADDR },
	{ "mark", NFT_FIB_MARK }, { "iif", NFT_FIB_IIF },
	{ "oif", NFT_FIB_OIF },
};

/* fib saddr|daddr [. mark|iif|oif ...] type|oif|oifname: the result is
 * then compared, or tested with missing/exists */
static int parse_fib(struct cur *c, struct nft_stmt *s)
{
	s->lhs = NFT_L_FIB;
	struct nft_tok *other = NULL;     /* the first input no address */
	struct nft_loc first = c->it->toks[c->i].loc, last = first;
	for (;;) {
		unsigned flag = 0;
		for (size_t i = 0; i < sizeof(fib_inputs) / sizeof(*fib_inputs);
		     i++)
			if (nr_at(c, fib_inputs[i].name))
				flag = fib_inputs[i].flag;
		if (!flag)
			return nr_unexpected(c, NULL);
		if (!other && (flag & (NFT_FIB_SADDR | NFT_FIB_DADDR)) == 0)
			other = nr_peek(c);
		s->fib_flags |= flag;
		last = nr_tok_end(nr_peek(c));
		c->i++;
		if (!nr_at(c, "."))
			break;
		c->i++;
	}
	if (nr_at(c, "type")) {
		s->fib_result = NFT_FIB_R_TYPE;
		s->field = &fib_type_field;
	} else if (nr_at(c, "oif")) {
		s->fib_result = NFT_FIB_R_OIF;
		s->field = &fib_oif_field;
	} else if (nr_at(c, "oifname")) {
		s->fib_result = NFT_FIB_R_OIFNAME;
		s->field = &fib_oifname_field;
	} else {
		return nr_unexpected(c, NULL);
	}
	c->i++;
	if (!(s->fib_flags & (NFT_FIB_SADDR | NFT_FIB_DADDR))) {
		c->i--;
		return nr_error_tok(c->r, other ? other : nr_peek(c),
				    "fib: need either saddr or daddr");
	}
	/* nft's checks of the inputs, under all of them */
	if (s->fib_flags & NFT_FIB_SADDR && s->fib_flags & NFT_FIB_DADDR)
		return nr_error_span(c->r, &first, &last, "fib: saddr and "
				     "daddr are mutually exclusive");
	if (s->fib_flags & NFT_FIB_IIF && s->fib_flags & NFT_FIB_OIF)
		return nr_error_span(c->r, &first, &last, "fib: iif and oif "
				     "are mutually exclusive");
	return 0;
}

static const char *const nat_flag_words[] = {
	"random", "fully-random", "persistent",
};

static int parse_nat_flags(struct cur *c, struct nft_stmt *s)
{
	for (;;) {
		unsigned flag = 0;
		for (unsigned i = 0; i < 3; i++)
			if (nr_at(c, nat_flag_words[i]))
				flag = 1u << i;
		if (!flag)
			return 0;
		s->nat_flags |= flag;
		c->i++;
		if (!nr_at(c, ","))
			return 0;
		c->i++;
	}
}

static int parse_port_range(const char *w, uint16_t *lo, uint16_t *hi,
			    bool *range)
{
	char *end;
	errno = 0;
	unsigned long a = strtoul(w, &end, 10), b = a;
	if (end == w || a > 65535)
		return -1;
	*range = false;
	if (*end == '-') {
		const char *p = end + 1;
		b = strtoul(p, &end, 10);
		if (end == p || b > 65535 || b < a)
			return -1;
		*range = true;
	}
	if (*end)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* Is a transport protocol known before statement i of the rule? */
static bool l4_known(const struct nft_rule *ru, unsigned i)
{
	for (unsigned k = 0; k < i; k++) {
		const struct nft_stmt *s = &ru->stmts[k];
		if (s->kind != NFT_S_MATCH || s->lhs != NFT_L_FIELD)
			continue;
		if (s->field->dep == NFT_DEP_L4)
			return true;
		if ((!strcmp(s->field->name, "l4proto") ||
		     !strcmp(s->field->name, "protocol") ||
		     !strcmp(s->field->name, "nexthdr")) && s->op == NFT_OP_EQ)
			return true;
	}
	return false;
}

static void lhs_shape(const struct nft_stmt *s, struct elem_shape *sh);
static bool same_key(const struct elem_shape *a, const struct nft_set *s);
static int ref_mismatch(struct cur *c, const struct elem_shape *sh,
			const struct nft_set *set, struct nft_loc a,
			struct nft_loc b, const struct nft_tok *t,
			struct nft_loc e, bool map);

/* The values of a nat statement's named map: addresses of its family
 * (alone or with a port), ports alone where ports is set */
static int nat_map_data(struct cur *c, const struct nft_set *set,
			const struct nft_tok *kw, struct nft_loc from,
			struct nft_loc end, bool ports, bool v6)
{
	const struct nft_dtype *want = nft_dtype_get(
		ports ? NFT_T_SERVICE : v6 ? NFT_T_IPV6 : NFT_T_IPV4);
	if (!set->map ||
	    (set->data_type && set->data_type->id == want->id &&
	     (!ports || !set->data_type2)))
		return 0;
	struct mark m[2] = {
		{ kw->loc, nr_tok_end(kw), '~' },
		{ from, end, '^' },
	};
	return nr_error_multi(c->r, m, 2, "datatype mismatch: expected %s, "
			      "expression has type %s", want->desc,
			      set->data_type ? set->data_type->desc
					     : "netfilter verdict");
}

/* ... map @NAME: a named map of addresses, or of addresses and ports
 * (a value with a port needs a transport protocol as an anonymous
 * one's does). Its key must fit the key written (from to the token
 * before "map"), and without ports its values must be addresses of
 * the statement's family, alone or with a port. */
static int nat_named_map(struct cur *c, const struct nft_table *tb,
			 struct rule_build *rb, struct nft_stmt *s,
			 const struct nft_tok *kw, struct nft_loc from,
			 bool ports, bool v6)
{
	struct nft_tok *at_tok = &c->it->toks[c->i];
	struct nft_loc at = at_tok->loc;
	struct nft_loc key_end = nr_tok_end(&c->it->toks[c->i - 2]);
	c->i++;
	struct nft_tok *n = nr_peek(c);
	if (!n || n->kind != NT_WORD || nr_is_number(n))
		return nr_unexpected(c, "string");
	struct nft_set *set = nft_set_find((struct nft_table *)tb, n->text);
	struct nft_loc end = nr_tok_end(n);
	if (!set) {
		/* nft evaluates a nat map's data twice: it says it twice */
		nr_error_span(c->r, &at, &end, "No such file or directory");
		return nr_error_span(c->r, &at, &end, "No such file or "
				     "directory");
	}
	c->i++;
	if (s->lhs == NFT_L_FIELD && set->map) {
		struct elem_shape sh;
		lhs_shape(s, &sh);
		if (!same_key(&sh, set))
			return ref_mismatch(c, &sh, set, from, key_end, at_tok,
					    end, true);
	}
	/* values of addresses are checked before a port's protocol, a
	 * map of ports after it */
	if (!ports && nat_map_data(c, set, kw, from, end, ports, v6) < 0)
		return -1;
	s->nat_map = true;
	s->set_name = nr_xstrdup(n->text);
	bool l4 = s->lhs == NFT_L_FIELD && s->field->dep == NFT_DEP_L4;
	for (unsigned i = 0; i < s->ncat; i++)
		l4 |= s->cat[i]->dep == NFT_DEP_L4;
	bool port = ports || set->data_type2 ||
		    (set->data_type && set->data_type->id == NFT_T_SERVICE);
	if (port && !l4 && !l4_known(&rb->rule, rb->rule.n - 1)) {
		struct mark m[2] = {
			{ kw->loc, nr_tok_end(kw), '~' },
			{ from, end, '^' },
		};
		return nr_error_multi(c->r, m, 2, "transport protocol "
				      "mapping is only valid after "
				      "transport protocol match");
	}
	return ports ? nat_map_data(c, set, kw, from, end, ports, v6) : 0;
}

/* The network protocol the rule's statements before i settle (an ip
 * or ip6 header field, meta nfproto): 4, 6, or 0 for none, as nft's
 * protocol context holds it for a nat statement in an inet table. */
static int l3_known(const struct nft_rule *ru, unsigned i)
{
	int l3 = 0;
	for (unsigned k = 0; k < i; k++) {
		const struct nft_stmt *s = &ru->stmts[k];
		if (s->kind != NFT_S_MATCH || s->lhs != NFT_L_FIELD)
			continue;
		if (s->field->dep == NFT_DEP_IPV4)
			l3 = 4;
		else if (s->field->dep == NFT_DEP_IPV6)
			l3 = 6;
		else if (!strcmp(s->field->name, "nfproto") &&
			 s->op == NFT_OP_EQ && !s->braces && s->nelems == 1 &&
			 s->elems[0].kind == NFT_E_VALUE)
			l3 = s->elems[0].lo.b[s->elems[0].lo.len - 1] ==
			     10 /* NFPROTO_IPV6 */ ? 6 : 4;
	}
	return l3;
}

/* A nat map's elements e (spans: where each key was written) as nft
 * and the kernel take them. */
static int nat_map_check(struct cur *c, const struct rule_build *rb,
			 struct nft_stmt *s, const struct nft_tok *kw,
			 struct nft_loc from, const struct nft_tok *g,
			 const struct elem_shape *sh, bool ports,
			 const struct span *spans)
{
	nft_elems_single(s->elems, s->nelems);
	/* a value with a port needs a transport protocol matched first */
	bool port = ports;
	for (unsigned i = 0; i < s->nelems; i++)
		port |= s->elems[i].data.len > (sh->dt->bits + 7) / 8;
	/* a key of tcp dport brings its own protocol match, but not to a
	 * map of ports alone: nft looks for it before the key */
	bool l4 = !ports && s->lhs == NFT_L_FIELD &&
		  s->field->dep == NFT_DEP_L4;
	for (unsigned i = 0; !ports && i < s->ncat; i++)
		l4 |= s->cat[i]->dep == NFT_DEP_L4;
	if (port && !l4 && !l4_known(&rb->rule, rb->rule.n - 1)) {
		struct mark m[2] = {
			{ kw->loc, nr_tok_end(kw), '~' },
			{ from, g->group->close, '^' },
		};
		return nr_error_multi(c->r, m, 2, "transport protocol "
				      "mapping is only valid after "
				      "transport protocol match");
	}
	/* one value that is an interval makes the map's data intervals,
	 * and the kernel refuses a single value among them: EINVAL at
	 * the first such element written */
	int single = -1;
	bool ranges = false;
	for (unsigned i = 0; i < s->nelems; i++) {
		ranges |= s->elems[i].data_range;
		if (!s->elems[i].data_range && single < 0)
			single = (int)i;
	}
	if (ranges && single >= 0)
		return nr_error_span(c->r, &spans[single].a, &spans[single].b,
				     "Could not process rule: Invalid "
				     "argument");
	return 0;
}

/* to KEY map { KEY : ADDR [. PORT], ... } */
static int parse_nat_map(struct cur *c, const struct nft_table *tb,
			 struct rule_build *rb, struct nft_stmt *s,
			 const struct nft_tok *kw, bool ports, bool v6)
{
	unsigned start = c->i;
	struct nft_loc from = c->it->toks[c->i].loc;
	if (nr_at(c, "numgen") || nr_at(c, "jhash")) {
		/* the key a number: numgen or jhash's */
		bool ng = nr_at(c, "numgen");
		c->i++;
		if ((ng ? parse_numgen(c, s) : parse_jhash(c, s)) < 0)
			return -1;
	} else {
		const struct nft_field *f = nr_parse_selector(c);
		if (!f)
			return c->i == start ? nr_unexpected(c, NULL) : -1;
		s->field = f;
		if (parse_concat_fields(c, s) < 0)
			return -1;
	}
	const struct nft_field *f = s->field;
	if (!nr_at(c, "map"))
		return nr_unexpected(c, "map");
	c->i++;
	if (nr_at(c, "@"))
		return nat_named_map(c, tb, rb, s, kw, from, ports, v6);
	struct nft_tok *g = nr_peek(c);
	if (!g || g->kind != NT_GROUP)
		return nr_unexpected(c, "'{'");
	c->i++;
	struct elem_shape sh;
	memset(&sh, 0, sizeof(sh));
	sh.kt[0] = nft_dtype_get(f->type);
	sh.kbits[0] = nr_field_width(f);
	sh.nk = 1 + s->ncat;
	for (unsigned i = 0; i < s->ncat; i++) {
		sh.kt[i + 1] = nft_dtype_get(s->cat[i]->type);
		sh.kbits[i + 1] = nr_field_width(s->cat[i]);
	}
	sh.data = true;
	sh.dt = nft_dtype_get(v6 ? NFT_T_IPV6 : NFT_T_IPV4);
	sh.dt2 = nft_dtype_get(NFT_T_SERVICE);
	if (ports) {
		/* :KEY map { KEY : PORT }: values of ports alone */
		sh.dt = sh.dt2;
		sh.dt2 = NULL;
	}
	s->nat_map = true;
	s->braces = true;
	struct span *spans = NULL;
	sh.spans = &spans;
	int rc = nr_parse_elems(c->r, g, &sh, &s->elems, &s->nelems);
	if (!rc)
		rc = nat_map_check(c, rb, s, kw, from, g, &sh, ports, spans);
	free(spans);
	if (rc < 0)
		return -1;
	struct nft_set key;
	memset(&key, 0, sizeof(key));
	key.type = sh.kt[0];
	key.nktypes = sh.nk;
	nft_anon_sort(&key, s->elems, &s->nelems);
	return 0;
}

/* KEY map ADDRS:PORT[-PORT]: the map's addresses, one port (or
 * range) for them all, after a transport protocol as any port; the
 * colon may stand apart (ADDRS : PORT) */
static int nat_map_port(struct cur *c, struct rule_build *rb,
			struct nft_stmt *s, const struct nft_tok *kw)
{
	struct nft_tok *t = nr_peek(c);
	if (!t || t->kind != NT_WORD || t->text[0] != ':' ||
	    t->text[1] == ':')
		return 0;
	const char *port = t->text + 1;
	if (!*port) {
		c->i++;
		t = nr_peek(c);
		if (!t || t->kind != NT_WORD || !isdigit((unsigned char)t->text[0]))
			return nr_unexpected(c, NULL);
		port = t->text;
	}
	bool l4 = l4_known(&rb->rule, rb->rule.n - 1) ||
		  (s->lhs == NFT_L_FIELD && s->field->dep == NFT_DEP_L4);
	for (unsigned i = 0; s->lhs == NFT_L_FIELD && i < s->ncat; i++)
		l4 |= s->cat[i]->dep == NFT_DEP_L4;
	if (!l4) {
		struct nft_loc a = t->loc, b = nr_tok_end(t);
		a.col += port != t->text;
		struct mark m[2] = {
			{ kw->loc, nr_tok_end(kw), '~' },
			{ a, b, '^' },
		};
		return nr_error_multi(c->r, m, 2, "transport protocol mapping "
				      "is only valid after transport protocol "
				      "match");
	}
	if (parse_port_range(port, &s->port_lo, &s->port_hi,
			     &s->nat_port_range) < 0)
		return nr_error_tok(c->r, t, "syntax error, unexpected string");
	s->nat_has_port = true;
	c->i++;
	return 0;
}

/* ADDR[-ADDR][:PORT[-PORT]] or :PORT[-PORT] */
static int parse_nat_to(struct cur *c, const struct nft_table *tb,
			struct rule_build *rb, struct nft_stmt *s,
			const struct nft_tok *kw, bool addr_ok, bool v6,
			bool fam_given, bool fam_written)
{
	struct nft_tok *t = nr_peek(c);
	if (!t || t->kind != NT_WORD)
		return nr_unexpected(c, NULL);
	if (addr_ok && (nft_field_proto_known(t->text) ||
			!strcmp(t->text, "numgen") || !strcmp(t->text, "jhash"))) {
		/* values of addresses: of the family written in inet */
		/* an evaluation's error: the compares before come
		 * first */
		if (!fam_given && tb->family == NFT_F_INET &&
		    nr_check_protocols(c->r, tb, rb, rb->rule.n - 1) < 0)
			return -1;
		if (!fam_given && tb->family == NFT_F_INET)
			return nr_error_tok(c->r, kw, "ip or ip6 must be "
					    "specified with address for inet "
					    "tables.");
		if (parse_nat_map(c, tb, rb, s, kw, false, v6) < 0)
			return -1;
		return nat_map_port(c, rb, s, kw);
	}
	if (t->text[0] == ':' && nft_field_proto_known(t->text + 1)) {
		/* :tcp dport map { ... }: the key read past the colon */
		char *text = t->text;
		struct nft_loc loc = t->loc;
		t->text = text + 1;
		t->loc.col++;
		int rc = parse_nat_map(c, tb, rb, s, kw, true, v6);
		t->text = text;
		t->loc = loc;
		return rc;
	}
	const char *w = t->text;
	const char *colon = strrchr(w, ':');
	if (fam_written && w[0] == ':' && w[1] != ':') {
		/* a family names an address: no port alone */
		struct nft_loc l = t->loc;
		return nr_error_span(c->r, &l, &l, "syntax error, unexpected "
				     "colon");
	}
	if (w[0] == '[') {
		/* [ADDR]:PORT, [ADDR]-[ADDR]:PORT */
		const char *close = strrchr(w, ']');
		colon = close && close[1] == ':' ? close + 1 : NULL;
	} else if (colon && strchr(w, ':') != colon) {
		/* two colons or more: an IPv6 address without a port */
		colon = NULL;
	}
	size_t alen = colon ? (size_t)(colon - w) : strlen(w);
	if (alen) {
		if (!addr_ok)
			return nr_unexpected(c, NULL);
		/* an evaluation's error: the compares before come
		 * first */
		if (!fam_given && tb->family == NFT_F_INET &&
		    nr_check_protocols(c->r, tb, rb, rb->rule.n - 1) < 0)
			return -1;
		if (!fam_given && tb->family == NFT_F_INET)
			return nr_error_tok(c->r, kw, "ip or ip6 must be "
					    "specified with address for inet "
					    "tables.");
		char a[128];
		if (alen >= sizeof(a))
			return nr_error_tok(c->r, t, "syntax error, unexpected "
					    "string");
		/* the brackets go: [A]-[B] is A-B */
		size_t n = 0;
		for (size_t i = 0; i < alen; i++)
			if (w[i] != '[' && w[i] != ']')
				a[n++] = w[i];
		a[n] = '\0';
		char *ap = a;
		/* an address of the other family: nft's resolver's word */
		uint8_t other[16];
		char *dash = strchr(ap, '-');
		if (dash && v6)
			dash = NULL;
		if (dash)
			*dash = '\0';
		bool wrong = inet_pton(v6 ? AF_INET : AF_INET6, ap, other) == 1;
		if (dash)
			*dash = '-';
		if (wrong) {
			/* the first address, as written */
			const char *end = w + alen;
			const char *d = memchr(w + 1, '-', alen - 1);
			if (d && !(v6 && w[0] != '['))
				end = d;
			struct nft_loc b = t->loc;
			b.col += (int)(end - w) - 1;
			return nr_error_span(c->r, &t->loc, &b, "Could not "
					     "resolve hostname: Address family "
					     "for hostname not supported");
		}
		const struct nft_dtype *ty = nft_dtype_get(v6 ? NFT_T_IPV6
							     : NFT_T_IPV4);
		struct nft_tok sub = *t;
		sub.text = ap;
		struct nft_elem e;
		if (nr_parse_value_word(c, &sub, ty, &e) < 0)
			return -1;
		s->nat_has_addr = true;
		s->addr_lo = e.lo;
		s->addr_hi = e.kind == NFT_E_VALUE ? e.lo : e.hi;
		s->nat_addr_range = e.kind != NFT_E_VALUE;
	}
	if (colon) {
		/* nft looks for the protocol before it reads the port */
		bool l4 = l4_known(&rb->rule, rb->rule.n - 1);
		if (l4 && parse_port_range(colon + 1, &s->port_lo, &s->port_hi,
					   &s->nat_port_range) < 0)
			return nr_error_tok(c->r, t, "syntax error, unexpected "
					    "string");
		s->nat_has_port = true;
		if (!l4) {
			struct nft_loc a = t->loc, b = nr_tok_end(t);
			a.col += (int)(colon - w) + 1;
			struct mark m[2] = {
				{ kw->loc, nr_tok_end(kw), '~' },
				{ a, b, '^' },
			};
			return nr_error_multi(c->r, m, 2, "transport protocol "
					      "mapping is only valid after "
					      "transport protocol match");
		}
	}
	c->i++;
	return 0;
}

/* A word nft's grammar reads as a value (a symbol, a number, an
 * address), which starts a relational expression that needs a right
 * side. */
static bool nat_value_word(const struct nft_tok *t)
{
	static const char *const words[] = { "to", "saddr", "daddr",
					     "sport", "dport", "map" };
	if (!t || t->kind != NT_WORD)
		return false;
	if ((t->text[0] >= '0' && t->text[0] <= '9') || strchr(t->text, ':'))
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (!strcmp(t->text, words[i]))
			return false;
	return !nr_is_keyword(t->text) && !nft_field_proto_known(t->text);
}

/* the statements a relational expression's right side cannot be */
static bool nat_stmt_word(const struct nft_tok *t)
{
	static const char *const words[] = {
		"accept", "drop", "continue", "return", "jump", "goto",
		"queue", "counter", "log", "limit", "quota", "reject", "snat",
		"dnat", "masquerade", "redirect", "notrack",
	};
	for (size_t i = 0; t && i < sizeof(words) / sizeof(*words); i++)
		if (!strcmp(t->text, words[i]))
			return true;
	return false;
}

/* snat ip daddr 1.2.3.4 to 5.6.7.8: nft's grammar takes the field
 * (ip daddr) for the address, without "to", and what follows for
 * statements of their own, a value and its right side each; nft's
 * error is that of the first that does not parse, else its
 * evaluation's (the family, or a statement after snat). sel: the
 * first token of the field; 0 when the words are not such a field (or
 * a map's key), the parse going on as before. */
static int nat_field_addr(struct cur *c, const struct nft_table *tb,
			  const struct nft_tok *kw, unsigned sel,
			  bool fam_given)
{
	unsigned i = c->i;
	const struct nft_tok *t = &c->it->toks[i];
	if (i >= c->it->n)
		return 0;
	if (sel == i) {
		const struct nft_tok *f = nr_peek_at(c, 1);
		if (t->kind != NT_WORD || !f || f->kind != NT_WORD ||
		    !nft_field_find(t->text, f->text))
			return 0;
		i += 2;
	} else {
		/* ip (read as the family) daddr */
		if (t->kind != NT_WORD ||
		    !nft_field_find(c->it->toks[sel].text, t->text))
			return 0;
		i++;
	}
	/* . more fields of a concatenation */
	while (i + 2 < c->it->n && nr_tok_is(&c->it->toks[i], ".") &&
	       nft_field_find(c->it->toks[i + 1].text,
			      c->it->toks[i + 2].text))
		i += 3;
	bool map = i < c->it->n && nr_tok_is(&c->it->toks[i], "map");
	if (i < c->it->n && !map && (nr_tok_is(&c->it->toks[i], ".") ||
				     nr_tok_is(&c->it->toks[i], ":")))
		return 0;
	if (i < c->it->n && nr_tok_is(&c->it->toks[i], "to"))
		return nr_error_tok(c->r, &c->it->toks[i], "syntax error, "
				    "unexpected to, expecting end of file or "
				    "newline or semicolon");
	if ((i >= c->it->n || map) && tb->family == NFT_F_INET && !fam_given)
		return nr_error_tok(c->r, kw, "ip or ip6 must be specified "
				    "with address for inet tables.");
	/* FIELD map { ... }: the address, as with "to" */
	if (map)
		return 1;
	if (i >= c->it->n)
		return 0;
	unsigned first = i, first_end = i;
	while (i < c->it->n && nat_value_word(&c->it->toks[i])) {
		const struct nft_tok *v = &c->it->toks[i];
		const char *colon = strchr(v->text, ':');
		if (colon && !strchr(colon + 1, ':') &&
		    v->loc.line == v->loc.end_line) {
			/* 1.2.3.5:80: the scanner's address, then a
			 * colon */
			struct nft_loc l = v->loc;
			l.col += (int)(colon - v->text);
			l.end_col = l.col;
			return nr_error_span(c->r, &l, &l, "syntax error, "
					     "unexpected colon");
		}
		c->i = ++i;
		if (i >= c->it->n || nat_stmt_word(&c->it->toks[i]))
			return nr_unexpected(c, NULL);
		if (first_end == first)
			first_end = i;
		i++;
	}
	if (tb->family == NFT_F_INET && !fam_given)
		return nr_error_tok(c->r, kw, "ip or ip6 must be specified "
				    "with address for inet tables.");
	if (first_end == first)
		return 0;
	struct mark m[2] = {
		{ kw->loc, nr_tok_end(kw), '~' },
		{ c->it->toks[first].loc, nr_tok_end(&c->it->toks[first_end]),
		  '^' },
	};
	return nr_error_multi(c->r, m, 2, "Statement after terminal "
			      "statement has no effect");
}

static int parse_nat(struct cur *c, const struct nft_table *tb,
		     struct rule_build *rb, struct nft_stmt *s,
		     const struct nft_tok *kw)
{
	const char *w = kw->text;
	s->nat = !strcmp(w, "snat") ? NFT_NAT_SNAT
		 : !strcmp(w, "dnat") ? NFT_NAT_DNAT
		 : !strcmp(w, "masquerade") ? NFT_NAT_MASQ : NFT_NAT_REDIR;
	bool addr = s->nat == NFT_NAT_SNAT || s->nat == NFT_NAT_DNAT;
	/* the address family: written (ip, ip6), else the table's */
	bool v6 = tb->family == NFT_F_IP6, fam_given = false, written = false;
	if (addr && (nr_at(c, "ip") || nr_at(c, "ip6"))) {
		bool ip6 = nr_at(c, "ip6");
		/* nft's parser sees a port alone first */
		struct nft_tok *to = nr_peek_at(c, 1), *port = nr_peek_at(c, 2);
		if (to && nr_tok_is(to, "to") && port && port->kind == NT_WORD &&
		    port->text[0] == ':' && port->text[1] != ':') {
			struct nft_loc l = port->loc;
			return nr_error_span(c->r, &l, &l, "syntax error, "
					     "unexpected colon");
		}
		if ((tb->family == NFT_F_IP6 && !ip6) ||
		    (tb->family == NFT_F_IP && ip6))
			return nr_error_tok(c->r, kw, "conflicting protocols "
					    "specified: %s vs. %s. You must "
					    "specify ip or ip6 family in nat "
					    "statement",
					    nft_family_name(tb->family),
					    ip6 ? "ip6" : "ip");
		v6 = ip6;
		fam_given = written = true;
		c->i++;
		struct nft_tok *after = nr_peek_at(c, 1);
		if (nr_at(c, "prefix") && after && nr_tok_is(after, "to")) {
			s->nat_prefix = true;
			c->i++;
		}
	} else if (addr && tb->family == NFT_F_INET &&
		   l3_known(&rb->rule, rb->rule.n - 1)) {
		/* the family a match before settled */
		v6 = l3_known(&rb->rule, rb->rule.n - 1) == 6;
		fam_given = true;
	}
	if (addr && !nr_at(c, "to")) {
		unsigned sel = written ? c->i - 1 : c->i;
		int rc = nat_field_addr(c, tb, kw, sel, fam_given && !written);
		if (rc < 0)
			return -1;
		if (rc > 0 && written) {
			/* the family word was the field's protocol */
			c->i = sel;
			written = false;
			fam_given = tb->family != NFT_F_INET;
			v6 = tb->family == NFT_F_IP6;
		}
	}
	if (nr_at(c, "to") || (addr && nr_peek(c) &&
				nr_peek(c)->kind == NT_WORD)) {
		c->i += nr_at(c, "to");
		if (parse_nat_to(c, tb, rb, s, kw, addr, v6, fam_given,
				 written) < 0)
			return -1;
	} else if (addr) {
		return nr_unexpected(c, "to");
	}
	if (parse_nat_flags(c, s) < 0)
		return -1;
	/* the flags end the statement: an address after them is none */
	struct nft_tok *to = nr_peek(c);
	if (s->nat_flags && to && nr_tok_is(to, "to"))
		return nr_error_tok(c->r, to, "syntax error, unexpected to, "
				    "expecting end of file or newline or "
				    "semicolon");
	return 0;
}

/* add|update|delete @SET { KEY [. KEY] [timeout T] [limit ...] } */
static int parse_set_update(struct cur *c, struct nft_table *tb,
			    struct nft_stmt *s, const struct nft_tok *kw)
{
	snprintf(s->set_op, sizeof(s->set_op), "%s", kw->text);
	c->i++;                                  /* the '@' */
	struct nft_tok *n = nr_peek(c);
	if (!n || n->kind != NT_WORD)
		return nr_unexpected(c, "string");
	struct nft_set *set = nft_set_find(tb, n->text);
	if (!set) {
		struct nft_loc a = c->it->toks[c->i - 1].loc,
			       b = nr_tok_end(n);
		return nr_error_span(c->r, &a, &b, "No such file or directory");
	}
	c->i++;
	struct nft_tok *g = nr_peek(c);
	if (!g || g->kind != NT_GROUP || g->group->n != 1)
		return nr_unexpected(c, "'{'");
	c->i++;
	struct cur in = { c->r, &g->group->items[0], 0, g->group->close,
			  false };
	unsigned start = in.i;
	const struct nft_field *f = nr_parse_selector(&in);
	if (!f)
		return in.i == start ? nr_unexpected(&in, NULL) : -1;
	s->field = f;
	if (parse_concat_fields(&in, s) < 0)
		return -1;
	if (nr_at(&in, "timeout")) {
		in.i++;
		struct nft_tok *v = nr_peek(&in);
		if (!v || nr_parse_duration(v->text, &s->timeout_ms) < 0)
			return nr_unexpected(&in, NULL);
		in.i++;
	}
	/* the statements each element gets: limit, counter, quota, ct
	 * count */
	for (;;) {
		if (nr_at(&in, "limit")) {
			in.i++;
			if (nr_parse_limit(&in, s) < 0)
				return -1;
			s->has_limit = true;
			continue;
		}
		struct nft_elem e;
		memset(&e, 0, sizeof(e));
		bool took;
		if (nr_parse_elem_stmt(&in, &e, true, &took) < 0)
			return -1;
		if (!took)
			break;
		s->has_counter |= e.has_counter;
		if (e.has_quota) {
			s->has_quota = true;
			s->quota_over = e.quota_over;
			s->quota_bytes = e.quota_bytes;
		}
		if (e.has_count) {
			s->has_count = true;
			s->count_over = e.count_over;
			s->count = e.count;
		}
	}
	if (nr_expect_end(&in) < 0)
		return -1;
	s->set_name = nr_xstrdup(n->text);
	/* a set the packet path fills gets the kernel's default size; one
	 * made in the same transaction is made dynamic too, one that was
	 * there stays as it is, and the kernel refuses a limit on it */
	const struct nft_table *old = nft_table_find(
		(struct nft_ruleset *)c->r->before, (int)tb->family, tb->name);
	bool fresh = !old || !nft_set_find((struct nft_table *)old,
					   set->name);
	if (fresh)
		set->flags |= NFT_SET_DYNAMIC;
	if (set->flags & NFT_SET_INTERVAL) {
		/* no kernel set backend keeps intervals that packets fill
		 * (nft_select_set_ops) */
		struct nft_loc a = kw->loc, b = nr_tok_end(g);
		return nr_error_span(c->r, &a, &b, "Could not process rule: "
				     "Operation not supported");
	}
	if ((s->has_limit || s->has_counter || s->has_quota || s->has_count) &&
	    !(set->flags & NFT_SET_DYNAMIC)) {
		struct nft_loc a = kw->loc, b = nr_tok_end(g);
		return nr_error_span(c->r, &a, &b, "Could not process rule: "
				     "Invalid argument");
	}
	if (!set->size)
		set->size = 65535;
	return 0;
}

int nr_parse_stmt_ext(struct cur *c, struct nft_table *tb,
		      struct rule_build *rb)
{
	struct nft_tok *t = nr_peek(c);
	const char *w = t->text;
	struct nft_stmt *s;
	if (!strcmp(w, "numgen") || !strcmp(w, "jhash") || !strcmp(w, "fib")) {
		s = nr_add_stmt(rb, NFT_S_MATCH, t);
		c->i++;
		int rc = w[0] == 'n' ? parse_numgen(c, s)
			 : w[0] == 'j' ? parse_jhash(c, s) : parse_fib(c, s);
		if (rc < 0)
			return -1;
		rb->spans[rb->rule.n - 1].b = nr_tok_end(&c->it->toks[c->i - 1]);
		if (s->lhs == NFT_L_FIB && (nr_at(c, "missing") ||
					    nr_at(c, "exists"))) {
			s->fib_exists = nr_at(c, "exists");
			c->i++;
			return 1;
		}
		struct span sel = rb->spans[rb->rule.n - 1];
		if (nr_parse_rhs(c, tb, s, sel.a, sel.b) < 0)
			return -1;
		return 1;
	}
	if (!strcmp(w, "ct") && nr_tok_is(nr_peek_at(c, 1), "count")) {
		s = nr_add_stmt(rb, NFT_S_CT_COUNT, t);
		c->i += 2;
		if (nr_at(c, "over")) {
			s->over = true;
			c->i++;
		}
		if (parse_u32_word(c, &s->count) < 0)
			return -1;
		return 1;
	}
	if (!strcmp(w, "snat") || !strcmp(w, "dnat") ||
	    !strcmp(w, "masquerade") || !strcmp(w, "redirect")) {
		s = nr_add_stmt(rb, NFT_S_NAT, t);
		c->i++;
		return parse_nat(c, tb, rb, s, t) < 0 ? -1 : 1;
	}
	if ((!strcmp(w, "add") || !strcmp(w, "update") ||
	     !strcmp(w, "delete")) && nr_tok_is(nr_peek_at(c, 1), "@")) {
		s = nr_add_stmt(rb, NFT_S_SET_UPDATE, t);
		c->i++;
		return parse_set_update(c, tb, s, t) < 0 ? -1 : 1;
	}
	return 0;
}

int nr_parse_payload_set(struct cur *c, struct nft_stmt *s)
{
	const struct nft_field *f = s->field;
	struct nft_tok *v = nr_peek(c);
	if (!v || (v->kind != NT_WORD && v->kind != NT_STRING))
		return nr_unexpected(c, NULL);
	struct nft_elem e;
	if (nr_parse_value_word(c, v, nft_dtype_get(f->type), &e) < 0)
		return -1;
	if (e.kind != NFT_E_VALUE)
		return nr_unexpected(c, NULL);
	c->i++;
	/* a bitmask's values: a,b,c or a | b | c (as it is listed) */
	while (nft_dtype_get(f->type)->bitmask &&
	       (nr_at(c, ",") || nr_at(c, "|"))) {
		c->i++;
		struct nft_tok *n = nr_peek(c);
		struct nft_elem more;
		if (!n)
			return nr_unexpected(c, NULL);
		if (nr_parse_value_word(c, n, nft_dtype_get(f->type), &more) < 0)
			return -1;
		for (unsigned i = 0; i < e.lo.len; i++)
			e.lo.b[i] |= more.lo.b[i];
		c->i++;
	}
	/* a number wider than the field: nft's range error */
	if (f->bits < 64 && e.lo.len <= 8) {
		uint64_t x = 0;
		for (unsigned i = 0; i < e.lo.len; i++)
			x = x << 8 | e.lo.b[i];
		uint64_t max = (1ull << f->bits) - 1;
		if (x > max)
			return nr_error_tok(c->r, v, "Value %llu exceeds valid "
					    "range 0-%llu", (unsigned long long)x,
					    (unsigned long long)max);
	}
	nr_push_elem(&s->elems, &s->nelems, &e);
	return 0;
}

/* tcp flags' operands: a flag, several joined by ',' or '|', in
 * parentheses or not, or a number; or'ed into out (one byte) */
static int parse_flag_expr(struct cur *c, const struct nft_dtype *ty,
			   struct nft_val *out)
{
	bool paren = nr_at(c, "(");
	c->i += paren;
	memset(out, 0, sizeof(*out));
	out->len = 1;
	for (;;) {
		struct nft_tok *v = nr_peek(c);
		struct nft_elem e;
		if (!v || (v->kind != NT_WORD && v->kind != NT_STRING))
			return nr_unexpected(c, NULL);
		if (nr_parse_value_word(c, v, ty, &e) < 0)
			return -1;
		if (e.kind != NFT_E_VALUE)
			return nr_unexpected(c, NULL);
		out->b[0] |= e.lo.b[e.lo.len - 1];
		c->i++;
		if (!nr_at(c, "|") && !nr_at(c, ","))
			break;
		c->i++;
	}
	if (paren) {
		if (!nr_at(c, ")"))
			return nr_unexpected(c, NULL);
		c->i++;
	}
	return 0;
}

static bool op_word(struct cur *c, enum nft_op *op)
{
	static const char *const w[] = { "==", "!=", "<", ">", "<=", ">=" };
	for (int i = 0; i < 6; i++)
		if (nr_at(c, w[i])) {
			*op = (enum nft_op)i;
			return true;
		}
	return false;
}

int nr_parse_flags_match(struct cur *c, const struct nft_table *tb,
			 struct nft_stmt *s, struct nft_loc sel_a,
			 struct nft_loc sel_b)
{
	const struct nft_dtype *ty = nft_dtype_get(s->field->type);
	struct nft_val v, m;
	struct nft_elem e;
	memset(&e, 0, sizeof(e));
	e.kind = NFT_E_VALUE;
	if (nr_at(c, "!")) {
		/* ! FLAGS: none of them set */
		struct nft_tok *bang = nr_peek(c);
		c->i++;
		unsigned at = c->i;
		if (parse_flag_expr(c, ty, &m) < 0)
			return -1;
		if (s->bitop) {
			/* located at the binary expression, as nft's */
			struct mark mk[2] = {
				{ c->it->toks[at].loc,
				  nr_tok_end(&c->it->toks[c->i - 1]), '~' },
				{ sel_a, sel_b, '^' },
			};
			(void)bang;
			return nr_error_multi(c->r, mk, 2, "cannot combine "
					      "negation with binary expression");
		}
		s->bitop = NFT_BIT_AND;
		s->mask = m;
		s->op = NFT_OP_EQ;
		e.lo.len = 1;
		nr_push_elem(&s->elems, &s->nelems, &e);
		return 0;
	}
	unsigned start = c->i;
	enum nft_op op = NFT_OP_EQ;
	bool explicit_op = op_word(c, &op);
	c->i += explicit_op;
	struct nft_tok *t = nr_peek(c);
	if (!t || t->kind == NT_GROUP || nr_tok_is(t, "@")) {
		c->i = start;
		return nr_parse_match(c, tb, s, sel_a, sel_b);
	}
	if (parse_flag_expr(c, ty, &v) < 0)
		return -1;
	s->op = op;
	if (nr_at(c, "/")) {
		/* VALUE / MASK: the flags of the mask, compared */
		c->i++;
		if (parse_flag_expr(c, ty, &m) < 0)
			return -1;
		s->bitop = NFT_BIT_AND;
		s->mask = m;
	} else if (!explicit_op && !s->bitop) {
		/* FLAGS alone: any of them set */
		s->bitop = NFT_BIT_AND;
		s->mask = v;
		s->op = NFT_OP_NE;
		v.b[0] = 0;
	}
	/* a mask of every flag is none */
	if (s->bitop == NFT_BIT_AND && s->mask.b[s->mask.len - 1] == 0xff &&
	    s->mask.len == 1)
		s->bitop = NFT_BIT_NONE;
	e.lo = v;
	nr_push_elem(&s->elems, &s->nelems, &e);
	return 0;
}

static const char *const bitop_words[][2] = {
	{ "", "" }, { "and", "&" }, { "or", "|" }, { "xor", "^" },
};

int nr_parse_bitop(struct cur *c, struct nft_stmt *s,
		   const struct nft_field *f)
{
	int op = 0;
	for (int i = 1; i < 4; i++)
		if (nr_at(c, bitop_words[i][0]) || nr_at(c, bitop_words[i][1]))
			op = i;
	if (!op)
		return 0;
	c->i++;
	if (f->type == NFT_T_TCP_FLAG) {
		/* & (fin | syn) */
		if (parse_flag_expr(c, nft_dtype_get(f->type), &s->mask) < 0)
			return -1;
		s->bitop = (enum nft_bitop)op;
		return 1;
	}
	struct nft_tok *v = nr_peek(c);
	if (!v)
		return nr_unexpected(c, NULL);
	struct nft_elem e;
	/* a mask wider than the field: nft's range error, as a value's */
	if (nr_check_width(c->r, v, nr_field_width(f)) < 0 ||
	    nr_parse_value_word(c, v, nft_dtype_get(f->type), &e) < 0)
		return -1;
	c->i++;
	s->bitop = (enum nft_bitop)op;
	s->mask = e.lo;
	return 1;
}

/* The concatenated type of a statement's left side. */
static void lhs_shape(const struct nft_stmt *s, struct elem_shape *sh)
{
	memset(sh, 0, sizeof(*sh));
	sh->kt[0] = nft_dtype_get(s->field->type);
	sh->kbits[0] = nr_field_width(s->field);
	sh->nk = 1 + s->ncat;
	for (unsigned i = 0; i < s->ncat; i++) {
		sh->kt[i + 1] = nft_dtype_get(s->cat[i]->type);
		sh->kbits[i + 1] = nr_field_width(s->cat[i]);
	}
}

static bool same_key(const struct elem_shape *a, const struct nft_set *s)
{
	unsigned nk = s->nktypes > 1 ? s->nktypes : 1;
	if (a->nk != nk)
		return false;
	for (unsigned i = 0; i < nk; i++)
		if (a->kt[i]->id != (nk > 1 ? s->ktypes[i] : s->type)->id)
			return false;
	return true;
}

/* "@NAME" at t: the set NAME of tb, *e the end of the reference; NULL
 * after nft's message where no name follows '@' or tb holds no such
 * set */
static struct nft_set *set_ref(struct cur *c, const struct nft_table *tb,
			       const struct nft_tok *t, struct nft_loc *e)
{
	struct nft_tok *n = nr_peek_at(c, 1);
	if (!n || n->kind != NT_WORD || nr_is_number(n)) {
		c->i++;
		nr_unexpected(c, "string");
		return NULL;
	}
	struct nft_set *set = nft_set_find((struct nft_table *)tb, n->text);
	*e = nr_tok_end(n);
	if (!set) {
		nr_error_span(c->r, &t->loc, e, "No such file or directory");
		return NULL;
	}
	return set;
}

/* A left side of shape sh (marked from a to b) against the key of the
 * set referenced from t to e that it does not fit: nft's datatype
 * mismatch, as a map's key (map) or as a match's right side */
static int ref_mismatch(struct cur *c, const struct elem_shape *sh,
			const struct nft_set *set, struct nft_loc a,
			struct nft_loc b, const struct nft_tok *t,
			struct nft_loc e, bool map)
{
	char lhs[256], key[256];
	struct elem_shape ss;
	nr_set_shape(set, NULL, &ss);
	nr_key_desc(sh->kt, sh->nk, lhs, sizeof(lhs));
	nr_key_desc(ss.kt, ss.nk, key, sizeof(key));
	struct mark m[2] = { { a, b, '~' }, { t->loc, e, '^' } };
	if (map)
		return nr_error_multi(c->r, m, 2, "datatype mismatch, map "
				      "expects %s, mapping expression has "
				      "type %s", key, lhs);
	return nr_error_multi(c->r, m, 2, "datatype mismatch, expected %s, "
			      "expression has type %s", lhs, key);
}

/* A map of values (a verdict map with vmap) where the statement
 * needs one: nft's "Expression is not a map" under the reference for
 * a set or a map of objects */
static bool not_a_map(struct cur *c, const struct nft_set *set,
		      const struct nft_tok *t, struct nft_loc e)
{
	if (set->map && set->obj_kind == NFT_S_MATCH)
		return false;
	nr_error_span(c->r, &t->loc, &e, "Expression is not a map");
	return true;
}

/* A map's values of another type than the statement takes: marked
 * over the statement from a, the map from m to e */
static int data_mismatch(struct cur *c, const struct nft_dtype *want,
			 const struct nft_set *set, struct nft_loc a,
			 struct nft_loc m, struct nft_loc e)
{
	struct mark mk[2] = { { a, e, '~' }, { m, e, '^' } };
	return nr_error_multi(c->r, mk, 2, "datatype mismatch: expected %s, "
			      "expression has type %s",
			      want ? want->desc : "netfilter verdict",
			      set->data_type ? set->data_type->desc
					     : "netfilter verdict");
}

int nr_parse_value_map(struct cur *c, const struct nft_table *tb,
		       struct nft_stmt *s, unsigned stmt_at, unsigned at)
{
	if (!nr_at(c, ".") && !nr_at(c, "map"))
		return 0;
	struct nft_stmt key;
	memset(&key, 0, sizeof(key));
	key.field = s->src;
	struct nft_loc a = c->it->toks[at].loc;
	if (parse_concat_fields(c, &key) < 0)
		return -1;
	memcpy(s->cat, key.cat, sizeof(s->cat));
	s->ncat = key.ncat;
	if (!nr_at(c, "map"))
		return nr_unexpected(c, "map");
	struct nft_loc b = nr_tok_end(&c->it->toks[c->i - 1]);
	c->i++;
	struct elem_shape sh;
	lhs_shape(&key, &sh);
	sh.data = true;
	sh.dt = nft_dtype_get(s->field->type);
	s->value_map = true;
	struct nft_tok *t = nr_peek(c);
	if (nr_tok_is(t, "@")) {
		struct nft_loc e;
		struct nft_set *set = set_ref(c, tb, t, &e);
		if (!set || not_a_map(c, set, t, e))
			return -1;
		if (!same_key(&sh, set))
			return ref_mismatch(c, &sh, set, a, b, t, e, true);
		if (!set->data_type || set->data_type->id != sh.dt->id)
			return data_mismatch(c, sh.dt, set,
					     c->it->toks[stmt_at].loc, a, e);
		s->set_name = nr_xstrdup(set->name);
		c->i += 2;
		return 1;
	}
	if (!t || t->kind != NT_GROUP)
		return nr_unexpected(c, "'{'");
	s->braces = true;
	sh.tb = (struct nft_table *)tb;
	c->i++;
	if (nr_parse_elems(c->r, t, &sh, &s->elems, &s->nelems) < 0)
		return -1;
	nft_elems_single(s->elems, s->nelems);
	/* listed in the kernel's order, as an anonymous set's */
	struct nft_set ks;
	memset(&ks, 0, sizeof(ks));
	ks.type = sh.kt[0];
	ks.nktypes = sh.nk;
	memcpy(ks.ktypes, sh.kt, sh.nk * sizeof(*ks.ktypes));
	nft_anon_sort(&ks, s->elems, &s->nelems);
	return 1;
}

int nr_parse_obj_map(struct cur *c, struct nft_table *tb,
		     struct nft_stmt *s)
{
	unsigned at = c->i;
	const struct nft_field *f = nr_parse_selector(c);
	if (!f)
		return c->i == at ? nr_unexpected(c, "string") : -1;
	s->field = f;
	s->lhs = NFT_L_FIELD;
	if (parse_concat_fields(c, s) < 0)
		return -1;
	if (!nr_at(c, "map"))
		return nr_unexpected(c, "map");
	struct nft_loc a = c->it->toks[at].loc;
	struct nft_loc b = nr_tok_end(&c->it->toks[c->i - 1]);
	c->i++;
	struct elem_shape sh;
	lhs_shape(s, &sh);
	sh.data = true;
	sh.dt = nft_dtype_get(NFT_T_OBJNAME);
	s->obj_map = true;
	struct nft_tok *t = nr_peek(c);
	if (nr_tok_is(t, "@")) {
		struct nft_loc e;
		struct nft_set *set = set_ref(c, tb, t, &e);
		if (!set)
			return -1;
		if (set->obj_kind == NFT_S_MATCH)
			return nr_error_span(c->r, &t->loc, &e, "Expression is "
					     "not a map with objects");
		if (!same_key(&sh, set))
			return ref_mismatch(c, &sh, set, a, b, t, e, true);
		/* the kernel runs the map's objects, whatever the
		 * statement said (and nft lists them so) */
		s->kind = set->obj_kind;
		s->set_name = nr_xstrdup(set->name);
		c->i += 2;
		return 0;
	}
	if (!t || t->kind != NT_GROUP)
		return nr_unexpected(c, "'{'");
	s->braces = true;
	c->i++;
	struct span *spans = NULL;
	sh.spans = &spans;
	sh.tb = tb;
	int rc = nr_parse_elems(c->r, t, &sh, &s->elems, &s->nelems);
	if (!rc)
		rc = nr_objmap_check(c->r, tb, s->kind, t, s->elems,
				     s->nelems, spans);
	free(spans);
	nft_elems_single(s->elems, s->nelems);
	if (rc < 0)
		return -1;
	struct nft_set ks;
	memset(&ks, 0, sizeof(ks));
	ks.type = sh.kt[0];
	ks.nktypes = sh.nk;
	memcpy(ks.ktypes, sh.kt, sh.nk * sizeof(*ks.ktypes));
	nft_anon_sort(&ks, s->elems, &s->nelems);
	return 0;
}

/* An anonymous set's or map's elements: those that meet are nft's
 * conflicting intervals. */
static int parse_anon_elems(struct cur *c, const struct nft_tok *g,
			    struct elem_shape *sh, struct nft_stmt *s)
{
	struct span *spans = NULL;
	sh->spans = &spans;
	int rc = nr_parse_elems(c->r, g, sh, &s->elems, &s->nelems);
	sh->spans = NULL;
	if (!rc && sh->nk == 1)
		rc = nr_interval_conflicts(c->r, sh->kt[0], s->elems,
					   s->nelems, spans);
	free(spans);
	return rc;
}

int nr_parse_rhs(struct cur *c, const struct nft_table *tb,
		 struct nft_stmt *s, struct nft_loc sel_a, struct nft_loc sel_b)
{
	struct elem_shape sh;
	lhs_shape(s, &sh);
	struct nft_tok *t = nr_peek(c);
	bool vmap = nr_tok_is(t, "vmap");
	/* numgen, jhash and fib need a right side */
	if (s->lhs != NFT_L_FIELD && !vmap && t && t->kind == NT_WORD &&
	    nr_is_keyword(t->text))
		return nr_unexpected(c, NULL);
	if (!vmap && s->ncat == 0 && s->lhs == NFT_L_FIELD &&
	    s->field->type == NFT_T_TCP_FLAG)
		return nr_parse_flags_match(c, tb, s, sel_a, sel_b);
	if (!vmap && s->ncat == 0)
		return nr_parse_match(c, tb, s, sel_a, sel_b);
	s->op = NFT_OP_EQ;
	if (vmap) {
		s->vmap = true;
		c->i++;
		t = nr_peek(c);
	}
	if (!t)
		return nr_unexpected(c, NULL);
	if (nr_tok_is(t, "@")) {
		struct nft_loc e;
		struct nft_set *set = set_ref(c, tb, t, &e);
		if (!set || (vmap && not_a_map(c, set, t, e)))
			return -1;
		if (!same_key(&sh, set))
			return ref_mismatch(c, &sh, set, sel_a, sel_b, t, e,
					    vmap);
		if (vmap && set->data_type)
			return data_mismatch(c, NULL, set, sel_a, sel_a, e);
		s->set_name = nr_xstrdup(set->name);
		c->i += 2;
		return 0;
	}
	if (t->kind == NT_GROUP) {
		s->braces = true;
		sh.data = vmap;
		sh.tb = (struct nft_table *)tb;
		c->i++;
		return parse_anon_elems(c, t, &sh, s);
	}
	if (vmap)
		return nr_unexpected(c, NULL);
	/* a concatenation of values: a . b . c, which nft refuses */
	struct nft_tok *first = t;
	struct nft_elem e;
	memset(&e, 0, sizeof(e));
	unsigned off = 0;
	for (unsigned k = 0; k < sh.nk; k++) {
		if (k) {
			if (!nr_at(c, "."))
				return nr_unexpected(c, NULL);
			c->i++;
		}
		struct nft_tok *v = nr_peek(c);
		struct nft_elem p;
		if (!v)
			return nr_unexpected(c, NULL);
		if (nr_check_width(c->r, v, sh.kbits[k]) < 0 ||
		    nr_parse_value_word(c, v, sh.kt[k], &p) < 0)
			return -1;
		memcpy(e.lo.b + off, p.lo.b, p.lo.len);
		off += nft_concat_part_len(sh.kt[k]);
		c->i++;
	}
	e.lo.len = (uint8_t)off;
	struct mark m[2] = {
		{ first->loc, nr_tok_end(&c->it->toks[c->i - 1]), '~' },
		{ sel_a, sel_b, '^' },
	};
	return nr_error_multi(c->r, m, 2, "Use concatenations with sets and "
			      "maps, not singleton values");
}
