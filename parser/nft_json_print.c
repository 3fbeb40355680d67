/* See nft_json_print.h. Values are rendered from their listed text
 * (nft_val_print), so symbols, names and numbers are the ones the
 * text listing shows; JSON only decides which of them are numbers. */
#include "nft_json_print.h"
#include "nft_print.h"
#include "nft_ct.h"
#include "nft_sctp.h"

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

/* {"WHAT": {"family": F, "K1": V1[, "K2": V2]: an object's first
 * keys, its names in the order nft lists them */
static void head(struct qt_buf *b, const char *what, const struct nft_table *t,
		 const char *k1, const char *v1, const char *k2,
		 const char *v2)
{
	qt_buf_printf(b, "{\"%s\": {", what);
	key_str(b, "family", nft_family_name(t->family));
	qt_buf_puts(b, ", ");
	key_str(b, k1, v1);
	if (k2) {
		qt_buf_puts(b, ", ");
		key_str(b, k2, v2);
	}
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
	case NFT_T_INT16: case NFT_T_INT64:
	case NFT_T_INT4: case NFT_T_INT20:
	case NFT_T_INT1: case NFT_T_INT3: case NFT_T_INT12:
	case NFT_T_INT8: case NFT_T_BE16: case NFT_T_RAW:
		qt_buf_printf(b, "%" PRIu64, val_uint(v));
		return;
	case NFT_T_BOOLEAN:
		qt_buf_puts(b, val_uint(v) ? "true" : "false");
		return;
	case NFT_T_RELTIME:
		/* nft's JSON has whole seconds of a time */
		qt_buf_printf(b, "%" PRIu64, val_uint(v) / 1000);
		return;
	case NFT_T_INVALID: {
		char w[48];
		snprintf(w, sizeof(w), "0x%" PRIx64 " [invalid type]",
			 val_uint(v));
		qt_json_put_strn(b, w, strlen(w));
		return;
	}
	case NFT_T_ETHERADDR: {
		struct qt_buf m;
		qt_buf_init(&m);
		nft_val_print(t, v, &m);
		qt_json_put_strn(b, qt_buf_str(&m), m.len);
		qt_buf_free(&m);
		return;
	}
	case NFT_T_CTHELPER:
	case NFT_T_IFNAME:
	case NFT_T_OBJNAME:
		qt_json_put_strn(b, (const char *)v->b,
				 strnlen((const char *)v->b, v->len));
		return;
	case NFT_T_IFINDEX: {
		/* a string, the device's name or the number of none */
		struct qt_buf n;
		qt_buf_init(&n);
		nft_val_print(t, v, &n);
		const char *p = qt_buf_str(&n);
		size_t len = n.len;
		if (len >= 2 && p[0] == '"')
			qt_json_put_strn(b, p + 1, len - 2);
		else
			qt_json_put_strn(b, p, len);
		qt_buf_free(&n);
		return;
	}
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
	} else if (t->id == NFT_T_REALM) {
		/* a realm without a name: its number as a string */
		qt_json_put_strn(b, s, n);
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

/* an end of a range, numeric as nft_val_print_range_end */
static void put_range_end(const struct nft_dtype *t, const struct nft_val *v,
			  struct qt_buf *b)
{
	/* nft's JSON lists a protocol's number there, other symbols as
	 * names */
	if (t->id != NFT_T_PROTO) {
		put_value(t, v, b);
		return;
	}
	struct qt_buf text;
	qt_buf_init(&text);
	nft_val_print_range_end(t, v, &text);
	if (all_digits(qt_buf_str(&text)))
		qt_buf_puts(b, qt_buf_str(&text));
	else
		put_value(t, v, b);
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
	put_range_end(t, &e->lo, b);
	qt_buf_puts(b, ", ");
	put_range_end(t, &e->hi, b);
	qt_buf_puts(b, "]}");
}

static const char *const verdicts[] = {
	"accept", "drop", "continue", "return", "jump", "goto",
};

static void put_verdict(enum nft_verdict v, const char *chain,
			struct qt_buf *b)
{
	if (chain) {
		qt_buf_printf(b, "{\"%s\": {", verdicts[v]);
		key_str(b, "target", chain);
		qt_buf_puts(b, "}}");
	} else {
		qt_buf_printf(b, "{\"%s\": null}", verdicts[v]);
	}
}

/* A key of nk parts (kt): one value, or a concatenation whose parts
 * sit one after the other, each padded to 32-bit words. */
static void put_key(const struct nft_dtype *const *kt, unsigned nk,
		    const struct nft_elem *e, bool in_set, struct qt_buf *b)
{
	if (e->catchall) {
		qt_buf_puts(b, "\"*\"");
		return;
	}
	if (nk <= 1) {
		put_elem(kt[0], e, in_set, b);
		return;
	}
	qt_buf_puts(b, "{\"concat\": [");
	unsigned off = 0;
	for (unsigned k = 0; k < nk; k++) {
		struct nft_elem p;
		nft_elem_key_part(e, off, (kt[k]->bits + 7) / 8, &p);
		if (k)
			qt_buf_puts(b, ", ");
		put_elem(kt[k], &p, true, b);
		off += nft_concat_part_len(kt[k]);
	}
	qt_buf_puts(b, "]}");
}

static void put_limit_body(const struct nft_stmt *s, struct qt_buf *b);

/* a quota's bytes as nft's JSON gives them: a number and its unit */
static void put_qbytes(const char *k, uint64_t v, struct qt_buf *b)
{
	static const char *const units[] = { "bytes", "kbytes", "mbytes" };
	unsigned u = 0;
	while (u < 2 && v && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	qt_buf_printf(b, "\"%s\": %" PRIu64 ", \"%s_unit\": \"%s\"", k, v, k,
		      units[u]);
}

/* The statements of a dynamic set's element (state: with what they
 * counted) or of the set update that gives them: as the objects of a
 * "stmt" list ({"limit": {...}}, ...) or, keys: as keys of the
 * element's object (, "limit": {...}). */
static void put_elem_stmts(const struct nft_elem *e, bool state, bool keys,
			   struct qt_buf *b)
{
	const char *open = keys ? "" : "{", *close = keys ? "" : "}";
	const char *sep = keys ? ", " : "";
	if (e->has_limit) {
		struct nft_stmt l;
		memset(&l, 0, sizeof(l));
		l.rate = e->limit_rate;
		l.burst = e->limit_burst;
		l.unit = nft_limit_unit_name(e->limit_unit_s);
		l.over = e->limit_over;
		l.bytes_unit = e->limit_bytes ? "bytes" : NULL;
		qt_buf_printf(b, "%s%s\"limit\": ", sep, open);
		put_limit_body(&l, b);
		qt_buf_puts(b, close);
		sep = ", ";
	}
	if (e->has_counter) {
		if (state)
			qt_buf_printf(b, "%s%s\"counter\": {\"packets\": %" PRIu64
				      ", \"bytes\": %" PRIu64 "}%s", sep, open,
				      e->packets, e->bytes, close);
		else
			qt_buf_printf(b, "%s%s\"counter\": null%s", sep, open,
				      close);
		sep = ", ";
	}
	if (e->has_quota) {
		qt_buf_printf(b, "%s%s\"quota\": {", sep, open);
		put_qbytes("val", e->quota_bytes, b);
		if (e->quota_over)
			qt_buf_puts(b, ", \"inv\": true");
		if (state && e->quota_used) {
			qt_buf_puts(b, ", ");
			put_qbytes("used", e->quota_used, b);
		}
		qt_buf_printf(b, "}%s", close);
		sep = ", ";
	}
	if (e->has_count)
		qt_buf_printf(b, "%s%s\"ct count\": {\"val\": %u%s}%s", sep,
			      open, e->count,
			      e->count_over ? ", \"inv\": true" : "", close);
}

/* A set's element: its key, wrapped with what it carries (timeout,
 * expiry and comment in seconds and text) when it carries anything. */
static void put_set_elem(const struct nft_dtype *const *kt, unsigned nk,
			 const struct nft_elem *e, struct qt_buf *b)
{
	bool stmts = e->has_limit || e->has_counter || e->has_quota ||
		     e->has_count;
	if (!e->timeout_ms && !e->expires_ms && !e->comment && !stmts) {
		put_key(kt, nk, e, true, b);
		return;
	}
	qt_buf_puts(b, "{\"elem\": {\"val\": ");
	put_key(kt, nk, e, true, b);
	if (e->timeout_ms)
		qt_buf_printf(b, ", \"timeout\": %" PRIu64,
			      e->timeout_ms / 1000);
	if (e->expires_ms)
		qt_buf_printf(b, ", \"expires\": %" PRIu64,
			      e->expires_ms / 1000);
	if (e->comment) {
		qt_buf_puts(b, ", ");
		key_str(b, "comment", e->comment);
	}
	put_elem_stmts(e, true, true, b);
	qt_buf_puts(b, "}}");
}

/* A map's value: a verdict, or data of type dt (a nat map's address,
 * or address . port). */
/* A part of a nat map's value (len bytes at off): a value, a prefix
 * or a range. */
static void put_data_part(const struct nft_dtype *t, const struct nft_elem *e,
			  unsigned off, unsigned len, struct qt_buf *b)
{
	struct nft_elem p;
	nft_elem_data_part(e, off, len, &p);
	put_elem(t, &p, true, b);
}

static void put_map_data(const struct nft_dtype *dt, const struct nft_elem *e,
			 struct qt_buf *b)
{
	if (!dt) {
		put_verdict(e->verdict, e->chain, b);
		return;
	}
	unsigned alen = (dt->bits + 7) / 8;
	if (e->data.len <= alen) {
		struct nft_elem p;
		nft_elem_data_whole(e, dt, &p);
		put_elem(dt, &p, true, b);
		return;
	}
	qt_buf_puts(b, "{\"concat\": [");
	put_data_part(dt, e, 0, alen, b);
	qt_buf_puts(b, ", ");
	put_data_part(nft_dtype_get(NFT_T_SERVICE), e,
		      nft_concat_part_len(dt), 2, b);
	qt_buf_puts(b, "]}");
}

/* Elements of a set (map false) or a map: `[key, ...]` or
 * `[[key, value], ...]`. */
static void put_elems_of(const struct nft_dtype *const *kt, unsigned nk,
			 bool map, const struct nft_dtype *dt,
			 const struct nft_elem *e, unsigned n, struct qt_buf *b)
{
	qt_buf_putc(b, '[');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			qt_buf_puts(b, ", ");
		if (map)
			qt_buf_putc(b, '[');
		put_set_elem(kt, nk, &e[i], b);
		if (map) {
			qt_buf_puts(b, ", ");
			put_map_data(dt, &e[i], b);
			qt_buf_putc(b, ']');
		}
	}
	qt_buf_putc(b, ']');
}

/* ---- statements ---- */

static void put_field(const struct nft_field *f, struct qt_buf *b)
{
	const struct nft_ct_info *in = nft_ct_info(f);
	if (in) {
		/* {"ct": {"key": "ip saddr", "dir": "original"}} */
		char k[32];
		/* an address settled by the rule's family is nft's key of
		 * no family (its listing names the family all the same) */
		bool fam = in->family && !in->generic;
		snprintf(k, sizeof(k), "%s%s%s", fam ? in->family : "",
			 fam ? " " : "", in->keyword);
		qt_buf_puts(b, "{\"ct\": {");
		key_str(b, "key", k);
		if (in->dir != NFT_CT_DIR_NONE) {
			qt_buf_puts(b, ", ");
			key_str(b, "dir", in->dir == NFT_CT_DIR_ORIG ? "original"
								     : "reply");
		}
		qt_buf_puts(b, "}}");
		return;
	}
	if (f->base == NFT_B_SCTP_CHUNK) {
		/* {"sctp chunk": {"name": "data", "field": "stream"}} */
		const char *chunk, *field;
		nft_sctp_chunk_names(f, &chunk, &field);
		qt_buf_puts(b, "{\"sctp chunk\": {");
		key_str(b, "name", chunk);
		if (field) {
			qt_buf_puts(b, ", ");
			key_str(b, "field", field);
		}
		qt_buf_puts(b, "}}");
		return;
	}
	if (f->base == NFT_B_META || f->base == NFT_B_CT) {
		qt_buf_printf(b, "{\"%s\": {", f->base == NFT_B_META ? "meta"
								      : "ct");
		key_str(b, "key", f->name);
		qt_buf_puts(b, "}}");
		return;
	}
	qt_buf_puts(b, "{\"payload\": {");
	if (nft_field_is_raw(f)) {
		key_str(b, "base", f->proto + 1);
		qt_buf_printf(b, ", \"offset\": %u, \"len\": %u}}", f->offset,
			      f->bits);
		return;
	}
	key_str(b, "protocol", f->proto);
	qt_buf_puts(b, ", ");
	key_str(b, "field", f->name);
	qt_buf_puts(b, "}}");
}

/* fields one after the other: one field, or their concatenation */
static void put_fields(const struct nft_field *first,
		       const struct nft_field *const *more, unsigned nmore,
		       struct qt_buf *b)
{
	if (!nmore) {
		put_field(first, b);
		return;
	}
	qt_buf_puts(b, "{\"concat\": [");
	put_field(first, b);
	for (unsigned i = 0; i < nmore; i++) {
		qt_buf_puts(b, ", ");
		put_field(more[i], b);
	}
	qt_buf_puts(b, "]}");
}

static const char *const ops[] = { "==", "!=", "<", ">", "<=", ">=", "!" };
static const char *const bitops[] = { "", "&", "|", "^" };
static const char *const log_levels[] = {
	"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
	"audit",
};
static const char *const fib_inputs[] = {
	"saddr", "daddr", "mark", "iif", "oif",
};
static const char *const fib_results[] = { "oif", "oifname", "type" };

/* field OP mask: {"&": [field, mask]} */
static void put_bitop(enum nft_bitop op, const struct nft_field *f,
		      const struct nft_val *mask, struct qt_buf *b)
{
	qt_buf_printf(b, "{\"%s\": [", bitops[op]);
	put_field(f, b);
	qt_buf_puts(b, ", ");
	put_value(nft_dtype_get(f->type), mask, b);
	qt_buf_puts(b, "]}");
}

/* A match's left side: a field, a concatenation, a bitwise operation
 * on a field, numgen, jhash or fib. */
static void put_lhs(const struct nft_stmt *s, struct qt_buf *b)
{
	switch (s->lhs) {
	case NFT_L_NUMGEN:
		qt_buf_printf(b, "{\"numgen\": {\"mode\": \"%s\", \"mod\": %u, "
			      "\"offset\": %u}}", s->numgen_inc ? "inc"
								: "random",
			      s->mod, s->offset);
		return;
	case NFT_L_JHASH:
		qt_buf_printf(b, "{\"jhash\": {\"mod\": %u", s->mod);
		if (s->has_seed)
			qt_buf_printf(b, ", \"seed\": %u", s->seed);
		if (s->offset)
			qt_buf_printf(b, ", \"offset\": %u", s->offset);
		qt_buf_puts(b, ", ");
		key(b, "expr");
		if (s->nhkeys)
			put_fields(s->hkeys[0], s->hkeys + 1, s->nhkeys - 1, b);
		qt_buf_puts(b, "}}");
		return;
	case NFT_L_SYMHASH:
		qt_buf_printf(b, "{\"symhash\": {\"mod\": %u", s->mod);
		if (s->offset)
			qt_buf_printf(b, ", \"offset\": %u", s->offset);
		qt_buf_puts(b, "}}");
		return;
	case NFT_L_FIB: {
		qt_buf_puts(b, "{\"fib\": {");
		key_str(b, "result", fib_results[s->fib_result]);
		bool first = true;
		for (unsigned i = 0; i < 5; i++)
			if (s->fib_flags & (1u << i)) {
				qt_buf_puts(b, first ? ", \"flags\": [" : ", ");
				qt_json_put_str(b, fib_inputs[i]);
				first = false;
			}
		if (!first)
			qt_buf_putc(b, ']');
		qt_buf_puts(b, "}}");
		return;
	}
	case NFT_L_FIELD:
		break;
	}
	if (s->bitop)
		put_bitop(s->bitop, s->field, &s->mask, b);
	else
		put_fields(s->field, s->cat, s->ncat, b);
}

static void put_set_ref(const char *name, struct qt_buf *b)
{
	char ref[300];
	snprintf(ref, sizeof(ref), "@%s", name);
	qt_json_put_str(b, ref);
}

/* {"key": LEFT, "data": "@NAME" or {"set": [[KEY, DATA], ...]}}: the
 * body of a map statement s (vmap, nat, mangle or named object map)
 * whose data are of type dt (NULL: verdicts) */
static void put_map_body(const struct nft_stmt *s, const struct nft_dtype *dt,
			 struct qt_buf *b)
{
	qt_buf_puts(b, "{\"key\": ");
	put_lhs(s, b);
	qt_buf_puts(b, ", \"data\": ");
	if (s->set_name) {
		put_set_ref(s->set_name, b);
	} else {
		const struct nft_dtype *kt[NFT_CONCAT_MAX] = {
			nft_dtype_get(s->field->type)
		};
		for (unsigned i = 0; i < s->ncat; i++)
			kt[i + 1] = nft_dtype_get(s->cat[i]->type);
		qt_buf_puts(b, "{\"set\": ");
		put_elems_of(kt, 1 + s->ncat, true, dt, s->elems, s->nelems,
			     b);
		qt_buf_putc(b, '}');
	}
	qt_buf_putc(b, '}');
}

/* tcp flags as nft's JSON writes them: a flag's name, several as an
 * array ({"|": [...]} in a set or a parenthesised mask), an exact
 * value of more than one flag as its number */
static void put_tcp_flags(uint8_t x, bool exact, bool pipe, struct qt_buf *b)
{
	const struct nft_dtype *t = nft_dtype_get(NFT_T_TCP_FLAG);
	struct nft_val v = { 1, { x } };
	bool several = x & (x - 1);
	if (exact && (several || !x)) {
		qt_buf_printf(b, "%u", x);
		return;
	}
	if (!pipe || !several) {
		put_value(t, &v, b);
		return;
	}
	/* a | b | c: nft's binary expressions, nested from the left */
	struct qt_buf text;
	qt_buf_init(&text);
	nft_val_print(t, &v, &text);
	const char *names = qt_buf_str(&text);
	unsigned n = 1;
	for (const char *p = names; *p; p++)
		n += *p == ',';
	for (unsigned i = 1; i < n; i++)
		qt_buf_puts(b, "{\"|\": [");
	unsigned i = 0;
	for (const char *p = names;; i++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (i)
			qt_buf_puts(b, ", ");
		put_word(b, p, len);
		if (i)
			qt_buf_puts(b, "]}");
		if (!comma)
			break;
		p = comma + 1;
	}
	qt_buf_free(&text);
}

static void put_tcp_flags_match(const struct nft_stmt *s, struct qt_buf *b)
{
	uint8_t m = s->mask.len ? s->mask.b[s->mask.len - 1] : 0;
	const struct nft_val *ev = s->nelems ? &s->elems[0].lo : NULL;
	uint8_t v = ev && ev->len ? ev->b[ev->len - 1] : 0;
	bool single = !s->braces && !s->set_name;
	/* & FLAGS == 0 is "!", & FLAGS != 0 is "in" FLAGS */
	bool test = s->bitop && single && !v && (s->op == NFT_OP_EQ ||
						  s->op == NFT_OP_NE);
	const char *op = !test ? ops[s->op] : s->op == NFT_OP_EQ ? "!" : "in";
	qt_buf_puts(b, "{\"match\": {");
	key_str(b, "op", op);
	qt_buf_puts(b, ", ");
	key(b, "left");
	if (s->bitop && !test) {
		qt_buf_printf(b, "{\"%s\": [", bitops[s->bitop]);
		put_field(s->field, b);
		qt_buf_puts(b, ", ");
		put_tcp_flags(m, false, !single, b);
		qt_buf_puts(b, "]}");
	} else {
		put_field(s->field, b);
	}
	qt_buf_puts(b, ", ");
	key(b, "right");
	if (s->set_name) {
		put_set_ref(s->set_name, b);
	} else if (s->braces) {
		qt_buf_puts(b, "{\"set\": [");
		for (unsigned i = 0; i < s->nelems; i++) {
			const struct nft_val *e = &s->elems[i].lo;
			if (i)
				qt_buf_puts(b, ", ");
			put_tcp_flags(e->b[e->len - 1], false, true, b);
		}
		qt_buf_puts(b, "]}");
	} else if (test) {
		put_tcp_flags(m, false, false, b);
	} else {
		put_tcp_flags(v, !s->bitop, false, b);
	}
	qt_buf_puts(b, "}}");
}

static void put_match(const struct nft_stmt *s, struct qt_buf *b)
{
	if (s->lhs == NFT_L_FIELD && !s->ncat && !s->vmap &&
	    s->field->type == NFT_T_TCP_FLAG) {
		put_tcp_flags_match(s, b);
		return;
	}
	const struct nft_dtype *kt[NFT_CONCAT_MAX] = {
		nft_dtype_get(s->field->type)
	};
	for (unsigned i = 0; i < s->ncat; i++)
		kt[i + 1] = nft_dtype_get(s->cat[i]->type);
	unsigned nk = 1 + s->ncat;
	if (s->vmap) {
		qt_buf_puts(b, "{\"vmap\": ");
		put_map_body(s, NULL, b);
		qt_buf_putc(b, '}');
		return;
	}
	/* a flag value compared without an operator tests for the flags
	 * (nft's implicit operator, listed as "in") */
	const char *op = s->op == NFT_OP_EQ && kt[0]->bitmask && !s->braces &&
			 !s->set_name && !s->bitop && !s->ncat && !s->exact &&
			 s->lhs == NFT_L_FIELD ? "in" : ops[s->op];
	qt_buf_puts(b, "{\"match\": {");
	key_str(b, "op", op);
	qt_buf_puts(b, ", ");
	key(b, "left");
	put_lhs(s, b);
	qt_buf_puts(b, ", ");
	key(b, "right");
	if (s->lhs == NFT_L_FIB && !s->nelems && !s->set_name)
		qt_buf_puts(b, s->fib_exists ? "true" : "false");
	else if (s->set_name)
		put_set_ref(s->set_name, b);
	else if (s->braces) {
		/* as the text listing: no type for a set of ct's ports */
		const struct nft_ct_info *in = nft_ct_info(s->field);
		if (nk == 1 && in && (in->key == NFT_CTK_PROTO_SRC ||
				      in->key == NFT_CTK_PROTO_DST))
			kt[0] = nft_dtype_get(NFT_T_INVALID);
		qt_buf_puts(b, "{\"set\": ");
		put_elems_of(kt, nk, false, NULL, s->elems, s->nelems, b);
		qt_buf_putc(b, '}');
	} else if (nk == 1 && kt[0]->bitmask &&
		   (s->exact || s->op == NFT_OP_NE)) {
		/* flags compared as a number: {"|": [a, b]} */
		struct qt_buf v;
		qt_buf_init(&v);
		put_key(kt, nk, &s->elems[0], false, &v);
		bool many = v.len && qt_buf_str(&v)[0] == '[';
		if (many && kt[0]->id == NFT_T_TCP_FLAG)
			/* as the text listing: several tcp flags a number */
			qt_buf_printf(b, "%u", s->elems[0].lo.b[0]);
		else
			qt_buf_printf(b, "%s%s%s", many ? "{\"|\": " : "",
				      qt_buf_str(&v), many ? "}" : "");
		qt_buf_free(&v);
	} else {
		put_key(kt, nk, &s->elems[0], false, b);
	}
	qt_buf_puts(b, "}}");
}

static const char *const nat_names[] = {
	"snat", "dnat", "masquerade", "redirect",
};
static const char *const nat_flag_names[] = {
	"random", "fully-random", "persistent",
};

/* {"dnat": {["family",] ["addr",] ["port",] ["flags"]}}, or null when
 * it has none of them */
static void put_nat(const struct nft_table *t, const struct nft_stmt *s,
		    struct qt_buf *b)
{
	bool v6 = s->nat_map ? t->family == NFT_F_IP6 : s->addr_lo.len == 16;
	const struct nft_set *set = s->set_name
		? nft_set_find((struct nft_table *)t, s->set_name) : NULL;
	/* a map's values: their family (an inet table's), or ports */
	bool ports = false;
	if (s->nat_map) {
		ports = s->nelems > 0;
		for (unsigned i = 0; i < s->nelems; i++)
			ports &= s->elems[i].data.len == 2;
		if (t->family == NFT_F_INET && s->nelems)
			v6 = s->elems[0].data.len >= 16;
		if (set) {
			ports = set->data_type &&
				set->data_type->id == NFT_T_SERVICE;
			if (t->family == NFT_F_INET)
				v6 = set->data_type &&
				     set->data_type->id == NFT_T_IPV6;
		}
	}
	const struct nft_dtype *at = nft_dtype_get(
		ports ? NFT_T_SERVICE : v6 ? NFT_T_IPV6 : NFT_T_IPV4);
	/* the family is named where the listing names it: a map whose
	 * values hold a port or a range, an address in an inet table, a
	 * prefix map */
	bool family = false;
	if (s->nat_map) {
		for (unsigned i = 0; i < s->nelems; i++)
			family |= s->elems[i].data.len > (at->bits + 7) / 8 ||
				  s->elems[i].data_range;
		family |= t->family == NFT_F_INET || s->nat_prefix;
		family |= set && (set->data_type2 ||
				  (set->flags & NFT_SET_INTERVAL));
		family &= !ports;
	} else {
		family = t->family == NFT_F_INET && s->nat_has_addr;
	}
	unsigned nflags = 0;
	for (unsigned i = 0; i < 3; i++)
		nflags += !!(s->nat_flags & (1u << i));
	if (!family && !s->nat_map && !s->nat_has_addr && !s->nat_has_port &&
	    !nflags) {
		qt_buf_printf(b, "{\"%s\": null}", nat_names[s->nat]);
		return;
	}
	qt_buf_printf(b, "{\"%s\": {", nat_names[s->nat]);
	const char *sep = "";
	if (family) {
		key_str(b, "family", v6 ? "ip6" : "ip");
		sep = ", ";
	}
	if (s->nat_map) {
		qt_buf_printf(b, "%s\"%s\": {\"map\": ", sep,
			      ports ? "port" : "addr");
		put_map_body(s, at, b);
		qt_buf_putc(b, '}');
		sep = ", ";
	} else if (s->nat_has_addr) {
		qt_buf_printf(b, "%s\"addr\": ", sep);
		int plen = s->nat_addr_range
			   ? nft_val_prefix_len(&s->addr_lo, &s->addr_hi) : -1;
		if (plen >= 0) {
			/* a range that is a prefix: one, as the text has it */
			qt_buf_puts(b, "{\"prefix\": {\"addr\": ");
			put_value(at, &s->addr_lo, b);
			qt_buf_printf(b, ", \"len\": %d}}", plen);
		} else if (s->nat_addr_range) {
			qt_buf_puts(b, "{\"range\": [");
			put_value(at, &s->addr_lo, b);
			qt_buf_puts(b, ", ");
			put_value(at, &s->addr_hi, b);
			qt_buf_puts(b, "]}");
		} else {
			put_value(at, &s->addr_lo, b);
		}
		sep = ", ";
	}
	if (s->nat_has_port) {
		qt_buf_printf(b, "%s\"port\": ", sep);
		if (s->nat_port_range)
			qt_buf_printf(b, "{\"range\": [%u, %u]}", s->port_lo,
				      s->port_hi);
		else
			qt_buf_printf(b, "%u", s->port_lo);
		sep = ", ";
	}
	/* prefix: the netmap flag among them, and its type flag */
	nflags += s->nat_prefix;
	if (nflags) {
		/* one flag is a string, several an array */
		qt_buf_printf(b, "%s\"flags\": %s", sep, nflags > 1 ? "[" : "");
		bool first = true;
		for (unsigned i = 0; i < 3; i++)
			if (s->nat_flags & (1u << i)) {
				if (!first)
					qt_buf_puts(b, ", ");
				qt_json_put_str(b, nat_flag_names[i]);
				first = false;
			}
		if (s->nat_prefix)
			qt_buf_printf(b, "%s\"netmap\"", first ? "" : ", ");
		if (nflags > 1)
			qt_buf_putc(b, ']');
	}
	if (s->nat_prefix)
		qt_buf_puts(b, ", \"type_flags\": \"prefix\"");
	qt_buf_puts(b, "}}");
}

/* add/update/delete @set { key [timeout T] [limit ...] } */
static void put_set_update(const struct nft_stmt *s, struct qt_buf *b)
{
	qt_buf_puts(b, "{\"set\": {");
	key_str(b, "op", s->set_op);
	qt_buf_puts(b, ", ");
	key(b, "elem");
	bool wrap = s->timeout_ms;
	if (wrap)
		qt_buf_puts(b, "{\"elem\": {\"val\": ");
	put_fields(s->field, s->cat, s->ncat, b);
	if (s->timeout_ms)
		qt_buf_printf(b, ", \"timeout\": %" PRIu64,
			      s->timeout_ms / 1000);
	if (wrap)
		qt_buf_puts(b, "}}");
	qt_buf_puts(b, ", ");
	key(b, "set");
	put_set_ref(s->set_name, b);
	/* what each element gets, as nft's "stmt" list */
	struct nft_elem e;
	memset(&e, 0, sizeof(e));
	e.has_limit = s->has_limit;
	e.limit_rate = s->rate;
	e.limit_burst = s->burst;
	e.limit_unit_s = nft_limit_unit_seconds(s->unit);
	e.limit_over = s->over;
	e.limit_bytes = s->bytes_unit != NULL;
	e.has_counter = s->has_counter;
	e.has_quota = s->has_quota;
	e.quota_over = s->quota_over;
	e.quota_bytes = s->quota_bytes;
	e.has_count = s->has_count;
	e.count_over = s->count_over;
	e.count = s->count;
	if (e.has_limit || e.has_counter || e.has_quota || e.has_count) {
		qt_buf_puts(b, ", \"stmt\": [");
		put_elem_stmts(&e, false, false, b);
		qt_buf_putc(b, ']');
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
	if (k == NFT_R_DEFAULT && s->reject_l3) {
		k = s->reject_l3 == 4 ? NFT_R_ICMP : NFT_R_ICMPV6;
		code = s->reject_l3 == 4 ? 3 : 4;
	} else if (k == NFT_R_DEFAULT) {
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
	if (!s->prefix && !level && !s->has_group && !s->has_snaplen &&
	    !s->has_qthreshold && !s->log_flags) {
		qt_buf_puts(b, "{\"log\": null}");
		return;
	}
	qt_buf_puts(b, "{\"log\": {");
	const char *sep = "";
	if (s->prefix) {
		key_str(b, "prefix", s->prefix);
		sep = ", ";
	}
	if (s->has_group) {
		qt_buf_printf(b, "%s\"group\": %u", sep, s->group);
		sep = ", ";
	}
	if (s->has_snaplen) {
		qt_buf_printf(b, "%s\"snaplen\": %u", sep, s->snaplen);
		sep = ", ";
	}
	if (s->has_qthreshold) {
		qt_buf_printf(b, "%s\"queue-threshold\": %u", sep,
			      s->qthreshold);
		sep = ", ";
	}
	if (level) {
		qt_buf_puts(b, sep);
		key_str(b, "level", log_levels[s->level]);
		sep = ", ";
	}
	static const struct { unsigned bit; const char *name; } flags[] = {
		{ NFT_LOG_TCPSEQ, "tcp sequence" },
		{ NFT_LOG_TCPOPT, "tcp options" },
		{ NFT_LOG_IPOPT, "ip options" },
		{ NFT_LOG_UID, "skuid" },
		{ NFT_LOG_MACDECODE, "ether" },
	};
	unsigned f = s->log_flags, n = 0;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		n += (f & flags[i].bit) != 0;
	if (n) {
		qt_buf_printf(b, "%s\"flags\": ", sep);
		if ((f & NFT_LOG_ALL) == NFT_LOG_ALL)
			qt_buf_puts(b, "\"all\"");
		if ((f & NFT_LOG_ALL) != NFT_LOG_ALL && n > 1)
			qt_buf_putc(b, '[');
		const char *fs = "";
		for (size_t i = 0; (f & NFT_LOG_ALL) != NFT_LOG_ALL &&
				   i < sizeof(flags) / sizeof(flags[0]); i++)
			if (f & flags[i].bit) {
				qt_buf_printf(b, "%s\"%s\"", fs, flags[i].name);
				fs = ", ";
			}
		if ((f & NFT_LOG_ALL) != NFT_LOG_ALL && n > 1)
			qt_buf_putc(b, ']');
	}
	qt_buf_puts(b, "}}");
}

/* limit's object: {"rate": ..., "burst": ..., "per": ...} */
static void put_limit_body(const struct nft_stmt *s, struct qt_buf *b)
{
	const char *ru = NULL, *bu = NULL;
	uint64_t rate = s->rate, burst = s->burst;
	if (s->bytes_unit) {
		rate = nft_bytes_split(s->rate, &ru);
		burst = nft_bytes_split(s->burst, &bu);
	}
	qt_buf_printf(b, "{\"rate\": %" PRIu64 ", \"burst\": %" PRIu64 ", ",
		      rate, burst);
	key_str(b, "per", s->unit);
	if (s->over)
		qt_buf_puts(b, ", \"inv\": true");
	if (s->bytes_unit) {
		qt_buf_puts(b, ", ");
		key_str(b, "rate_unit", ru);
		qt_buf_puts(b, ", ");
		key_str(b, "burst_unit", bu);
	}
	qt_buf_putc(b, '}');
}

/* {"counter": {"map": {"key": KEY, "data": {"set": [[K, "name"], ...]}}}}
 * or "data": "@m" */
static void put_obj_map(const struct nft_stmt *s, struct qt_buf *b)
{
	qt_buf_printf(b, "{\"%s\": {\"map\": ", nft_obj_kind_name(s->kind));
	put_map_body(s, nft_dtype_get(NFT_T_OBJNAME), b);
	qt_buf_puts(b, "}}");
}

static void put_stmt(const struct nft_table *t, const struct nft_stmt *s,
		     const struct nft_print_opts *o, struct qt_buf *b)
{
	switch (s->kind) {
	case NFT_S_NAT:
		put_nat(t, s, b);
		return;
	case NFT_S_SET_UPDATE:
		put_set_update(s, b);
		return;
	case NFT_S_CT_COUNT:
		qt_buf_printf(b, "{\"ct count\": {\"val\": %u%s}}", s->count,
			      s->over ? ", \"inv\": true" : "");
		return;
	case NFT_S_MATCH:
		put_match(s, b);
		return;
	case NFT_S_COUNTER:
		if (s->obj_map) {
			put_obj_map(s, b);
		} else if (s->obj_name) {
			qt_buf_puts(b, "{\"counter\": ");
			qt_json_put_str(b, s->obj_name);
			qt_buf_putc(b, '}');
		} else if (o->stateless)
			qt_buf_puts(b, "{\"counter\": null}");
		else
			qt_buf_printf(b, "{\"counter\": {\"packets\": %" PRIu64
				      ", \"bytes\": %" PRIu64 "}}", s->packets,
				      s->bytes);
		return;
	case NFT_S_VERDICT:
		put_verdict(s->verdict, s->chain, b);
		return;
	case NFT_S_REJECT:
		put_reject(t, s, b);
		return;
	case NFT_S_LOG:
		put_log(s, b);
		return;
	case NFT_S_QUOTA: {
		if (s->obj_map) {
			put_obj_map(s, b);
			return;
		}
		if (s->obj_name) {
			qt_buf_puts(b, "{\"quota\": ");
			qt_json_put_str(b, s->obj_name);
			qt_buf_putc(b, '}');
			return;
		}
		struct nft_elem e;
		memset(&e, 0, sizeof(e));
		e.has_quota = true;
		e.quota_over = s->quota_over;
		e.quota_bytes = s->quota_bytes;
		e.quota_used = s->quota_used;
		put_elem_stmts(&e, !o->stateless, false, b);
		return;
	}
	case NFT_S_LIMIT:
		if (s->obj_map) {
			put_obj_map(s, b);
			return;
		}
		if (s->obj_name) {
			qt_buf_puts(b, "{\"limit\": ");
			qt_json_put_str(b, s->obj_name);
			qt_buf_putc(b, '}');
			return;
		}
		qt_buf_puts(b, "{\"limit\": ");
		put_limit_body(s, b);
		qt_buf_putc(b, '}');
		return;
	case NFT_S_SET_FIELD:
		qt_buf_puts(b, "{\"mangle\": {");
		key(b, "key");
		put_field(s->field, b);
		qt_buf_puts(b, ", ");
		key(b, "value");
		if (s->lhs != NFT_L_FIELD) {
			put_lhs(s, b);
		} else if (s->value_map) {
			struct nft_stmt k = *s;
			k.field = s->src;
			k.lhs = NFT_L_FIELD;
			qt_buf_puts(b, "{\"map\": ");
			put_map_body(&k, nft_dtype_get(s->field->type), b);
			qt_buf_putc(b, '}');
		} else if (s->src) {
			if (s->shift_op)
				qt_buf_printf(b, "{\"%s\": [", s->shift_op == 1
					      ? "<<" : ">>");
			if (s->bitop == NFT_BIT_NONE)
				put_field(s->src, b);
			else
				put_bitop(s->bitop, s->src, &s->mask, b);
			if (s->shift_op)
				qt_buf_printf(b, ", %u]}", s->shift);
		}
		else if (s->field->type == NFT_T_TCP_FLAG)
			put_tcp_flags(s->elems[0].lo.b[s->elems[0].lo.len - 1],
				      false, true, b);
		else
			put_value(nft_dtype_get(s->field->type),
				  &s->elems[0].lo, b);
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
	head(b, "table", t, "name", t->name, NULL, NULL);
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
	head(b, s->map ? "map" : "set", t, "name", s->name, "table", t->name);
	qt_buf_puts(b, ", ");
	const struct nft_dtype *const *kt = s->nktypes > 1 ? s->ktypes
							  : &s->type;
	unsigned nk = s->nktypes > 1 ? s->nktypes : 1;
	/* a concatenated key's type is the array of its parts' */
	key(b, "type");
	if (nk > 1)
		qt_buf_putc(b, '[');
	for (unsigned i = 0; i < nk; i++) {
		if (i)
			qt_buf_puts(b, ", ");
		qt_json_put_str(b, kt[i]->name);
	}
	if (nk > 1)
		qt_buf_putc(b, ']');
	qt_buf_printf(b, ", \"handle\": %" PRIu64, s->handle);
	if (s->comment) {
		qt_buf_puts(b, ", ");
		key_str(b, "comment", s->comment);
	}
	if (s->map) {
		qt_buf_puts(b, ", ");
		char m[64];
		snprintf(m, sizeof(m), "%s%s", s->obj_kind
			 ? nft_obj_kind_name(s->obj_kind)
			 : s->data_type ? s->data_type->name : "verdict",
			 s->data_type2 ? " . inet_service" : "");
		key_str(b, "map", m);
	}
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
		put_elems_of(kt, nk, s->map, s->data_type, s->elems, s->nelems,
			     b);
	}
	qt_buf_puts(b, "}}");
}

static void put_chain(struct doc *d, const struct nft_table *t,
		      const struct nft_chain *c)
{
	item(d);
	struct qt_buf *b = d->b;
	head(b, "chain", t, "table", t->name, "name", c->name);
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
	head(b, "rule", t, "table", t->name, "chain", c->name);
	qt_buf_printf(b, ", \"handle\": %" PRIu64, r->handle);
	if (r->comment) {
		qt_buf_puts(b, ", ");
		key_str(b, "comment", r->comment);
	}
	qt_buf_puts(b, ", \"expr\": [");
	nft_print_stmts(t, r, o, ", ", put_stmt, b);
	qt_buf_puts(b, "]}}");
}

/* {"counter": {"family": F, "name": N, "table": T, "handle": H,
 * ...}}: a named object with what it holds (JSON lists the state even
 * with -s) */
static void put_obj(struct doc *d, const struct nft_table *t,
		    const struct nft_obj *ob)
{
	const struct nft_stmt *s = &ob->st;
	item(d);
	struct qt_buf *b = d->b;
	head(b, nft_obj_kind_name(s->kind), t, "name", ob->name, "table",
	     t->name);
	qt_buf_printf(b, ", \"handle\": %" PRIu64 ", ", ob->handle);
	switch (s->kind) {
	case NFT_S_COUNTER:
		qt_buf_printf(b, "\"packets\": %" PRIu64 ", \"bytes\": %"
			      PRIu64, s->packets, s->bytes);
		break;
	case NFT_S_QUOTA:
		qt_buf_printf(b, "\"bytes\": %" PRIu64 ", \"used\": %" PRIu64
			      ", \"inv\": %s", s->quota_bytes, s->quota_used,
			      s->quota_over ? "true" : "false");
		break;
	default: {
		const char *ru = NULL, *bu = NULL;
		uint64_t rate = s->rate, burst = s->burst;
		if (s->bytes_unit) {
			rate = nft_bytes_split(s->rate, &ru);
			burst = nft_bytes_split(s->burst, &bu);
		}
		qt_buf_printf(b, "\"rate\": %" PRIu64 ", ", rate);
		key_str(b, "per", s->unit);
		if (s->over)
			qt_buf_puts(b, ", \"inv\": true");
		if (ru) {
			qt_buf_puts(b, ", ");
			key_str(b, "rate_unit", ru);
		}
		/* a limit of bytes without a burst lists none */
		if (!ru || burst)
			qt_buf_printf(b, ", \"burst\": %" PRIu64, burst);
		if (ru && burst) {
			qt_buf_puts(b, ", ");
			key_str(b, "burst_unit", bu);
		}
		break;
	}
	}
	qt_buf_puts(b, "}}");
}

void nft_json_objs(const struct nft_ruleset *rs, int family,
		   const struct nft_table *only, const struct nft_obj *one,
		   enum nft_stmt_kind kind, struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	for (unsigned i = 0; i < rs->ntables; i++) {
		const struct nft_table *t = &rs->tables[i];
		if ((family >= 0 && (int)t->family != family) ||
		    (only && t != only))
			continue;
		for (unsigned k = 0; k < t->nobjs; k++)
			if (t->objs[k].st.kind == kind &&
			    (!one || &t->objs[k] == one))
				put_obj(&d, t, &t->objs[k]);
	}
	doc_end(&d);
}

static void put_table_full(struct doc *d, const struct nft_table *t,
			   const struct nft_print_opts *o)
{
	put_table(d, t);
	for (unsigned i = 0; i < t->nobjs; i++)
		put_obj(d, t, &t->objs[i]);
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

static void sets_of(const struct nft_ruleset *rs, int family, bool maps,
		    struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	for (unsigned i = 0; i < rs->ntables; i++)
		if (in_family(&rs->tables[i], family))
			for (unsigned s = 0; s < rs->tables[i].nsets; s++)
				if (rs->tables[i].sets[s].map == maps)
					put_set(&d, &rs->tables[i],
						&rs->tables[i].sets[s]);
	doc_end(&d);
}

void nft_json_sets(const struct nft_ruleset *rs, int family,
		   struct qt_buf *b)
{
	sets_of(rs, family, false, b);
}

void nft_json_maps(const struct nft_ruleset *rs, int family,
		   struct qt_buf *b)
{
	sets_of(rs, family, true, b);
}

void nft_json_counters(struct qt_buf *b)
{
	struct doc d;
	doc_begin(&d, b);
	doc_end(&d);
}

/* ---- nft -j -e: {"nftables": [{"add": {OBJECT}}, ...]}, no
 * metainfo ---- */

/* put_* write ", " and the object: the object alone */
static void obj_of(void (*put)(struct doc *, const void *, const void *,
			       const void *), const void *a, const void *b2,
		   const void *c, struct qt_buf *b)
{
	struct qt_buf tmp;
	qt_buf_init(&tmp);
	struct doc d = { &tmp };
	put(&d, a, b2, c);
	qt_buf_puts(b, qt_buf_str(&tmp) + 2);
	qt_buf_free(&tmp);
}

static void put_table_v(struct doc *d, const void *t, const void *u,
			const void *v)
{
	(void)u;
	(void)v;
	put_table(d, t);
}

static void put_chain_v(struct doc *d, const void *t, const void *c,
			const void *v)
{
	(void)v;
	put_chain(d, t, c);
}

static void put_set_v(struct doc *d, const void *t, const void *s,
		      const void *v)
{
	(void)v;
	put_set(d, t, s);
}

static void put_rule_v(struct doc *d, const void *t, const void *c,
		       const void *r)
{
	static const struct nft_print_opts o = { .handles = true };
	put_rule(d, t, c, r, &o);
}

void nft_json_echo_begin(struct qt_buf *b, bool first, const char *verb)
{
	qt_buf_puts(b, first ? "{\"nftables\": [" : ", ");
	qt_buf_printf(b, "{\"%s\": ", verb);
}

void nft_json_echo_table(const struct nft_table *t, struct qt_buf *b)
{
	obj_of(put_table_v, t, NULL, NULL, b);
	qt_buf_putc(b, '}');
}

void nft_json_echo_chain(const struct nft_table *t, const struct nft_chain *c,
			 struct qt_buf *b)
{
	obj_of(put_chain_v, t, c, NULL, b);
	qt_buf_putc(b, '}');
}

/* the kernel tells of the set without its elements */
static void put_obj_v(struct doc *d, const void *t, const void *o,
		      const void *u)
{
	(void)u;
	put_obj(d, t, o);
}

void nft_json_echo_obj(const struct nft_table *t, const struct nft_obj *o,
		       struct qt_buf *b)
{
	obj_of(put_obj_v, t, o, NULL, b);
	qt_buf_putc(b, '}');
}

void nft_json_echo_set(const struct nft_table *t, const struct nft_set *s,
		       struct qt_buf *b)
{
	struct nft_set bare = *s;
	bare.nelems = 0;
	obj_of(put_set_v, t, &bare, NULL, b);
	qt_buf_putc(b, '}');
}

void nft_json_echo_elem(const struct nft_table *t, const struct nft_set *s,
			const struct nft_elem *e, struct qt_buf *b)
{
	head(b, "element", t, "table", t->name, "name", s->name);
	qt_buf_puts(b, ", \"elem\": {\"set\": ");
	const struct nft_dtype *const *kt = s->nktypes > 1 ? s->ktypes
							  : &s->type;
	put_elems_of(kt, s->nktypes > 1 ? s->nktypes : 1, s->map,
		     s->data_type, e, 1, b);
	qt_buf_puts(b, "}}}}");
}

void nft_json_echo_rule(const struct nft_table *t, const struct nft_chain *c,
			const struct nft_rule *r, struct qt_buf *b)
{
	obj_of(put_rule_v, t, c, r, b);
	qt_buf_putc(b, '}');
}

void nft_json_echo_end(struct qt_buf *b)
{
	qt_buf_puts(b, "]}\n");
}
