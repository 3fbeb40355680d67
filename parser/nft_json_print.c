/* See nft_json_print.h. Values are rendered from their listed text
 * (nft_val_print), so symbols, names and numbers are the ones the
 * text listing shows; JSON only decides which of them are numbers. */
#include "nft_json_print.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* A document: `{"nftables": [metainfo, ...]}` and a newline. */
struct doc {
	struct qt_buf *b;
};

static void doc_begin(struct doc *d, struct qt_buf *b)
{
	d->b = b;
	qt_buf_puts(b, "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", "
		    "\"release_name\": \"Lester Gooch #5\", "
		    "\"json_schema_version\": 1}}");
}

static void doc_end(struct doc *d)
{
	qt_buf_puts(d->b, "]}\n");
}

/* ", " before the next item */
static void item(struct doc *d)
{
	qt_buf_puts(d->b, ", ");
}

static void key(struct qt_buf *b, const char *k)
{
	qt_json_put_str(b, k);
	qt_buf_puts(b, ": ");
}

static void key_str(struct qt_buf *b, const char *k, const char *v)
{
	key(b, k);
	qt_json_put_str(b, v);
}

static void head(struct qt_buf *b, const char *what, const struct nft_table *t)
{
	qt_buf_printf(b, "{\"%s\": {", what);
	key_str(b, "family", nft_family_name(t->family));
}

/* ---- values ---- */

static uint64_t val_uint(const struct nft_val *v)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < v->len && i < 8; i++)
		x = x << 8 | v->b[i];
	return x;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* One listed word: a number where it is all digits, else a string. */
static void put_word(struct qt_buf *b, const char *w, size_t n)
{
	char tmp[128];
	if (n < sizeof(tmp)) {
		memcpy(tmp, w, n);
		tmp[n] = '\0';
		if (all_digits(tmp)) {
			qt_buf_puts(b, tmp);
			return;
		}
		if (n > 2 && tmp[0] == '0' && tmp[1] == 'x') {
			qt_buf_printf(b, "%llu", strtoull(tmp, NULL, 16));
			return;
		}
	}
	qt_json_put_strn(b, w, n);
}

static void put_value(const struct nft_dtype *t, const struct nft_val *v,
		      struct qt_buf *b)
{
	switch (t->id) {
	case NFT_T_INTEGER: case NFT_T_SERVICE: case NFT_T_MARK:
		qt_buf_printf(b, "%" PRIu64, val_uint(v));
		return;
	case NFT_T_IFNAME:
		qt_json_put_strn(b, (const char *)v->b,
				 strnlen((const char *)v->b, v->len));
		return;
	default:
		break;
	}
	struct qt_buf text;
	qt_buf_init(&text);
	nft_val_print(t, v, &text);
	const char *s = qt_buf_str(&text);
	size_t n = text.len;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		qt_json_put_strn(b, s + 1, n - 2);
	} else if (t->bitmask && strchr(s, ',')) {
		/* several flags: an array of them */
		qt_buf_putc(b, '[');
		for (const char *p = s;;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			if (p != s)
				qt_buf_puts(b, ", ");
			put_word(b, p, len);
			if (!comma)
				break;
			p = comma + 1;
		}
		qt_buf_putc(b, ']');
	} else {
		put_word(b, s, n);
	}
	qt_buf_free(&text);
}

static void put_elem(const struct nft_dtype *t, const struct nft_elem *e,
		     bool in_set, struct qt_buf *b)
{
	if (e->kind == NFT_E_VALUE) {
		put_value(t, &e->lo, b);
		return;
	}
	int plen = e->kind == NFT_E_PREFIX ? e->plen
		   : in_set && t->prefixable ? nft_val_prefix_len(&e->lo, &e->hi)
		   : -1;
	if (plen >= 0) {
		qt_buf_puts(b, "{\"prefix\": {\"addr\": ");
		put_value(t, &e->lo, b);
		qt_buf_printf(b, ", \"len\": %d}}", plen);
		return;
	}
	qt_buf_puts(b, "{\"range\": [");
	put_value(t, &e->lo, b);
	qt_buf_puts(b, ", ");
	put_value(t, &e->hi, b);
	qt_buf_puts(b, "]}");
}

static void put_elems(const struct nft_dtype *t, const struct nft_elem *e,
		      unsigned n, struct qt_buf *b)
{
	qt_buf_putc(b, '[');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			qt_buf_puts(b, ", ");
		put_elem(t, &e[i], true, b);
	}
	qt_buf_putc(b, ']');
}

/* ---- statements ---- */

static void put_field(const struct nft_field *f, struct qt_buf *b)
{
	if (f->base == NFT_B_META || f->base == NFT_B_CT) {
		qt_buf_printf(b, "{\"%s\": {", f->base == NFT_B_META ? "meta"
								      : "ct");
		key_str(b, "key", f->name);
		qt_buf_puts(b, "}}");
		return;
	}
	qt_buf_puts(b, "{\"payload\": {");
	key_str(b, "protocol", f->proto);
	qt_buf_puts(b, ", ");
	key_str(b, "field", f->name);
	qt_buf_puts(b, "}}");
}

static const char *const ops[] = { "==", "!=", "<", ">", "<=", ">=" };
static const char *const verdicts[] = {
	"accept", "drop", "continue", "return", "jump", "goto",
};
static const char *const log_levels[] = {
	"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
	"audit",
};

static void put_match(const struct nft_stmt *s, struct qt_buf *b)
{
	const struct nft_dtype *t = nft_dtype_get(s->field->type);
	/* a flag value compared without an operator tests for the flags
	 * (nft's implicit operator, listed as "in") */
	const char *op = s->op == NFT_OP_EQ && t->bitmask && !s->braces &&
			 !s->set_name ? "in" : ops[s->op];
	qt_buf_puts(b, "{\"match\": {");
	key_str(b, "op", op);
	qt_buf_puts(b, ", ");
	key(b, "left");
	put_field(s->field, b);
	qt_buf_puts(b, ", ");
	key(b, "right");
	if (s->set_name) {
		char name[300];
		snprintf(name, sizeof(name), "@%s", s->set_name);
		qt_json_put_str(b, name);
	} else if (s->braces) {
		qt_buf_puts(b, "{\"set\": ");
		put_elems(t, s->elems, s->nelems, b);
		qt_buf_putc(b, '}');
	} else {
		put_elem(t, &s->elems[0], false, b);
	}
	qt_buf_puts(b, "}}");
}

/* reject without "with": the family's own port-unreachable */
static void put_reject(const struct nft_table *t, const struct nft_stmt *s,
		       struct qt_buf *b)
{
	enum nft_reject_kind k = s->reject;
	uint8_t code = s->code;
	if (k == NFT_R_TCP_RESET) {
		qt_buf_puts(b, "{\"reject\": {\"type\": \"tcp reset\"}}");
		return;
	}
	if (k == NFT_R_DEFAULT) {
		k = t->family == NFT_F_IP ? NFT_R_ICMP
		    : t->family == NFT_F_IP6 ? NFT_R_ICMPV6 : NFT_R_ICMPX;
		code = k == NFT_R_ICMP ? 3 : k == NFT_R_ICMPV6 ? 4 : 1;
	}
	enum nft_dtype_id ty = k == NFT_R_ICMP ? NFT_T_ICMP_CODE
			       : k == NFT_R_ICMPV6 ? NFT_T_ICMPV6_CODE
			       : NFT_T_ICMPX_CODE;
	qt_buf_puts(b, "{\"reject\": {");
	key_str(b, "type", k == NFT_R_ICMP ? "icmp" : k == NFT_R_ICMPV6
						     ? "icmpv6" : "icmpx");
	qt_buf_puts(b, ", ");
	key(b, "expr");
	struct nft_val v = { 1, { code } };
	put_value(nft_dtype_get(ty), &v, b);
	qt_buf_puts(b, "}}");
}

static void put_log(const struct nft_stmt *s, struct qt_buf *b)
{
	bool level = s->level >= 0 && s->level != 4;
	if (!s->prefix && !level) {
		qt_buf_puts(b, "{\"log\": null}");
		return;
	}
	qt_buf_puts(b, "{\"log\": {");
	if (s->prefix)
		key_str(b, "prefix", s->prefix);
	if (level) {
		if (s->prefix)
			qt_buf_puts(b, ", ");
		key_str(b, "level", log_levels[s->level]);
	}
	qt_buf_puts(b, "}}");
}

static void put_limit(const struct nft_stmt *s, struct qt_buf *b)
{
	qt_buf_printf(b, "{\"limit\": {\"rate\": %" PRIu64 ", \"burst\": %"
		      PRIu64 ", ", s->rate, s->burst);
	key_str(b, "per", s->unit);
	if (s->over)
		qt_buf_puts(b, ", \"inv\": true");
	if (s->bytes_unit) {
		qt_buf_puts(b, ", ");
		key_str(b, "rate_unit", s->bytes_unit);
		qt_buf_puts(b, ", \"burst_unit\": \"bytes\"");
	}
	qt_buf_puts(b, "}}");
}

static void put_stmt(const struct nft_table *t, const struct nft_stmt *s,
		     const struct nft_print_opts *o, struct qt_buf *b)
{
	switch (s->kind) {
	case NFT_S_NAT:
	case NFT_S_SET_UPDATE:
	case NFT_S_CT_COUNT:
		/* not rendered in JSON yet */
		qt_buf_puts(b, "null");
		return;
	case NFT_S_MATCH:
		put_match(s, b);
		return;
	case NFT_S_COUNTER:
		if (o->stateless)
			qt_buf_puts(b, "{\"counter\": null}");
		else
			qt_buf_printf(b, "{\"counter\": {\"packets\": %" PRIu64
				      ", \"bytes\": %" PRIu64 "}}", s->packets,
				      s->bytes);
		return;
	case NFT_S_VERDICT:
		if (s->chain) {
			qt_buf_printf(b, "{\"%s\": {", verdicts[s->verdict]);
			key_str(b, "target", s->chain);
			qt_buf_puts(b, "}}");
		} else {
			qt_buf_printf(b, "{\"%s\": null}", verdicts[s->verdict]);
		}
		return;
	case NFT_S_REJECT:
		if (s->implicit)
			qt_buf_puts(b, "{\"match\": {\"op\": \"==\", \"left\": "
				    "{\"meta\": {\"key\": \"l4proto\"}}, "
				    "\"right\": \"tcp\"}}, ");
		put_reject(t, s, b);
		return;
	case NFT_S_LOG:
		put_log(s, b);
		return;
	case NFT_S_LIMIT:
		put_limit(s, b);
		return;
	case NFT_S_SET_FIELD:
		qt_buf_puts(b, "{\"mangle\": {");
		key(b, "key");
		put_field(s->field, b);
		qt_buf_puts(b, ", ");
		key(b, "value");
		put_value(nft_dtype_get(s->field->type), &s->elems[0].lo, b);
		qt_buf_puts(b, "}}");
		return;
	case NFT_S_NOTRACK:
		qt_buf_puts(b, "{\"notrack\": null}");
		return;
	}
}

/* ---- objects ---- */

static void put_table(struct doc *d, const struct nft_table *t)
{
	item(d);
	struct qt_buf *b = d->b;
	head(b, "table", t);
	qt_buf_puts(b, ", ");
	key_str(b, "name", t->name);
	qt_buf_printf(b, ", \"handle\": %" PRIu64, t->handle);
	/* one flag is a string; nft 1.0.6 frees that string before it
	 * prints it (its output then holds whatever took the memory, or
	 * stops there), which nothing can be made to match */
	if (t->dormant)
		qt_buf_puts(b, ", \"flags\": \"dormant\"");
	qt_buf_puts(b, "}}");
}

static void put_set(struct doc *d, const struct nft_table *t,
		    const struct nft_set *s)
{
	item(d);
	struct qt_buf *b = d->b;
	head(b, "set", t);
	qt_buf_puts(b, ", ");
	key_str(b, "name", s->name);
	qt_buf_puts(b, ", ");
	key_str(b, "table", t->name);
	qt_buf_puts(b, ", ");
	key_str(b, "type", s->type->name);
	qt_buf_printf(b, ", \"handle\": %" PRIu64, s->handle);
	if (s->size)
		qt_buf_printf(b, ", \"size\": %u", s->size);
	/* the flags nft's JSON knows (not "dynamic") */
	static const struct { unsigned bit; const char *name; } flags[] = {
		{ NFT_SET_CONSTANT, "constant" },
		{ NFT_SET_INTERVAL, "interval" },
		{ NFT_SET_TIMEOUT, "timeout" },
	};
	/* a timeout of the set's own makes the kernel's set one with
	 * timeouts */
	unsigned have = s->flags | (s->timeout_ms ? NFT_SET_TIMEOUT : 0u);
	bool any = false;
	for (size_t i = 0; i < sizeof(flags) / sizeof(*flags); i++) {
		if (!(have & flags[i].bit))
			continue;
		qt_buf_puts(b, any ? ", " : ", \"flags\": [");
		qt_json_put_str(b, flags[i].name);
		any = true;
	}
	if (any)
		qt_buf_putc(b, ']');
	if (s->timeout_ms)
		qt_buf_printf(b, ", \"timeout\": %" PRIu64, s->timeout_ms / 1000);
	if (s->nelems) {
		qt_buf_puts(b, ", ");
		key(b, "elem");
		put_elems(s->type, s->elems, s->nelems, b);
	}
	qt_buf_puts(b, "}}");
}

static void put_chain(struct doc *d, const struct nft_table *t,
		      const struct nft_chain *c)
{
	item(d);
	struct qt_buf *b = d->b;
	head(b, "chain", t);
	qt_buf_puts(b, ", ");
	key_str(b, "table", t->name);
	qt_buf_puts(b, ", ");
	key_str(b, "name", c->name);
	qt_buf_printf(b, ", \"handle\": %" PRIu64, c->handle);
	if (c->base) {
		qt_buf_puts(b, ", ");
		key_str(b, "type", nft_chain_type_name(c->type));
		qt_buf_puts(b, ", ");
		key_str(b, "hook", nft_hook_name(c->hook));
		qt_buf_printf(b, ", \"prio\": %d, ", c->prio);
		key_str(b, "policy", c->policy_drop ? "drop" : "accept");
	}
	qt_buf_puts(b, "}}");
}

static void put_rule(struct doc *d, const struct nft_table *t,
		     const struct nft_chain *c, const struct nft_rule *r,
		     const struct nft_print_opts *o)
{
	item(d);
	struct qt_buf *b = d->b;
	head(b, "rule", t);
	qt_buf_puts(b, ", ");
	key_str(b, "table", t->name);
	qt_buf_puts(b, ", ");
	key_str(b, "chain", c->name);
	qt_buf_printf(b, ", \"handle\": %" PRIu64, r->handle);
	if (r->comment) {
		qt_buf_puts(b, ", ");
		key_str(b, "comment", r->comment);
	}
	qt_buf_puts(b, ", \"expr\": [");
	for (unsigned i = 0; i < r->n; i++) {
		if (i)
			qt_buf_puts(b, ", ");
		put_stmt(t, &r->stmts[i], o, b);
	}
	qt_buf_puts(b, "]}}");
}

static void put_table_full(struct doc *d, const struct nft_table *t,
			   const struct nft_print_opts *o)
{
	put_table(d, t);
	for (unsigned i = 0; i < t->nsets; i++)
		put_set(d, t, &t->sets[i]);
	for (unsigned i = 0; i < t->nchains; i++)
		put_chain(d, t, &t->chains[i]);
	for (unsigned i = 0; i < t->nchains; i++)
		for (unsigned k = 0; k < t->chains[i].nrules; k++)
			put_rule(d, t, &t->chains[i], &t->chains[i].rules[k], o);
}

static bool in_family(const struct nft_table *t, int family)
{
	return family < 0 || (int)t->family == family;
}

void nft_json_ruleset(const struct nft_ruleset *rs, int family,
		      const struct nft_print_opts *o, struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	for (unsigned i = 0; i < rs->ntables; i++)
		if (in_family(&rs->tables[i], family))
			put_table_full(&d, &rs->tables[i], o);
	doc_end(&d);
}

void nft_json_tables(const struct nft_ruleset *rs, int family,
		     struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	for (unsigned i = 0; i < rs->ntables; i++)
		if (in_family(&rs->tables[i], family))
			put_table(&d, &rs->tables[i]);
	doc_end(&d);
}

void nft_json_table(const struct nft_table *t, const struct nft_print_opts *o,
		    struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	put_table_full(&d, t, o);
	doc_end(&d);
}

void nft_json_chain(const struct nft_table *t, const struct nft_chain *c,
		    const struct nft_print_opts *o, struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	put_chain(&d, t, c);
	for (unsigned k = 0; k < c->nrules; k++)
		put_rule(&d, t, c, &c->rules[k], o);
	doc_end(&d);
}

void nft_json_set(const struct nft_table *t, const struct nft_set *s,
		  struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	put_set(&d, t, s);
	doc_end(&d);
}

void nft_json_chains(const struct nft_ruleset *rs, int family,
		     struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	for (unsigned i = 0; i < rs->ntables; i++)
		if (in_family(&rs->tables[i], family))
			for (unsigned c = 0; c < rs->tables[i].nchains; c++)
				put_chain(&d, &rs->tables[i],
					  &rs->tables[i].chains[c]);
	doc_end(&d);
}

void nft_json_sets(const struct nft_ruleset *rs, int family,
		   struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	for (unsigned i = 0; i < rs->ntables; i++)
		if (in_family(&rs->tables[i], family))
			for (unsigned s = 0; s < rs->tables[i].nsets; s++)
				put_set(&d, &rs->tables[i],
					&rs->tables[i].sets[s]);
	doc_end(&d);
}

void nft_json_counters(struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	doc_end(&d);
}
