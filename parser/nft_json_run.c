/* See nft_json_run.h. The document is read as nft's JSON parser reads
 * it: the keys each object must have are looked up in the order nft
 * looks them up, and a missing or mistyped one is reported with the
 * message of the JSON library nft uses, at the place that library
 * gives: the line of the document and the column of the key's value in
 * nft's unpack format (so "family" of "{s:s, s:s}" is column 4, "table"
 * column 9). Other refusals carry no place ("internal:0:0-0"). */
#include "nft_json_run.h"
#include "nft_ct.h"
#include "nft_sctp.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct tr {
	struct qt_buf *cmds;         /* the commands in nft's language */
	struct qt_buf *err;
	const char *name;            /* the input's name (messages) */
	const char *text;
	size_t len;
	/* nft's evaluation errors: told after the whole document was
	 * read, where it read without an error */
	struct qt_buf *later;
	size_t later_mark;           /* where the command read now began */
};

/* ---- messages ---- */

__attribute__((format(printf, 2, 3)))
static int internal(struct tr *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	qt_buf_printf(t->err, "internal:0:0-0: Error: %s\n\n", msg);
	return -1;
}

/* A message of the JSON library at column col of line 1: the line as
 * nft reads it again from the input (standard input cannot be read
 * again: an empty line), a caret under the column. */
__attribute__((format(printf, 3, 4)))
static int located(struct tr *t, int col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (t->name)
		qt_buf_printf(t->err, "%s:1:%d-%d: ", t->name, col, col);
	qt_buf_printf(t->err, "Error: %s\n", msg);
	if (t->name && !strcmp(t->name, "/dev/stdin")) {
		qt_buf_putc(t->err, '\n');
		return -1;
	}
	const char *nl = memchr(t->text, '\n', t->len);
	size_t n = nl ? (size_t)(nl - t->text) : t->len;
	qt_buf_put(t->err, t->text, n);
	qt_buf_putc(t->err, '\n');
	for (int i = 1; i < col; i++)
		qt_buf_putc(t->err, (size_t)(i - 1) < n &&
				    t->text[i - 1] == '\t' ? '\t' : ' ');
	qt_buf_puts(t->err, "^\n");
	return -1;
}

/* What jansson's unpack checks for one key: present (unless optional)
 * and of the type its format letter asks ('s' string, 'o' any, 'I'
 * integer, 'b' boolean). NULL and no message for an optional key that
 * is not there. */
static const struct qt_json *unpack(struct tr *t, const struct qt_json *obj,
				    const char *key, char kind, int col,
				    bool optional, bool *failed)
{
	const struct qt_json *v = qt_json_get(obj, key);
	if (!v) {
		if (!optional) {
			located(t, col, "Object item not found: %s", key);
			*failed = true;
		}
		return NULL;
	}
	bool fits = kind == 'o' ||
		    (kind == 's' && v->type == QT_JSON_STRING) ||
		    (kind == 'I' && v->type == QT_JSON_INTEGER) ||
		    (kind == 'b' && (v->type == QT_JSON_TRUE ||
				     v->type == QT_JSON_FALSE));
	if (!fits) {
		if (!optional) {
			static const char *const want[] = {
				['s'] = "string", ['I'] = "integer",
				['b'] = "true or false",
			};
			located(t, col, "Expected %s, got %s", want[(int)kind],
				qt_json_type_name(v->type));
			*failed = true;
		}
		return NULL;
	}
	return v;
}

/* The required keys of one unpack format as nft writes it ("{s:s, s:o}"):
 * each "s:K" of fmt takes a key's name and the place for its value from
 * the arguments, K its kind for unpack and its column the column of K
 * in fmt. The first key missing or mistyped ends the reading, as it
 * ends jansson's: -1 after its message. */
static int unpack_keys(struct tr *t, const struct qt_json *obj,
		       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool failed = false;
	for (const char *p = fmt; !failed && (p = strstr(p, "s:")); p += 3) {
		const char *key = va_arg(ap, const char *);
		const struct qt_json **out = va_arg(ap, const struct qt_json **);
		*out = unpack(t, obj, key, p[2], (int)(p - fmt) + 3, false,
			      &failed);
	}
	va_end(ap);
	return failed ? -1 : 0;
}

/* ---- words of nft's language ---- */

static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_.:/-*", *p)))
			return false;
	return true;
}

/* A string in double quotes: nft's language has no escapes, so a
 * string holding a quote or a line break cannot be said in it. */
static int put_quoted(struct tr *t, const char *s)
{
	if (strpbrk(s, "\"\n\r")) {
		return internal(t, "qtables cannot take the string '%s': it "
				"holds a quote or a line break", s);
	}
	qt_buf_printf(t->cmds, "\"%s\"", s);
	return 0;
}

static int put_name(struct tr *t, const char *s)
{
	qt_buf_putc(t->cmds, ' ');
	return put_quoted(t, s);
}

static const char *const families[] = {
	"ip", "ip6", "inet", "arp", "bridge", "netdev",
};

static int put_family(struct tr *t, const char *f)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(*families); i++)
		if (!strcmp(families[i], f)) {
			qt_buf_printf(t->cmds, " %s", f);
			return 0;
		}
	return internal(t, "Unknown family '%s'.", f);
}

/* ---- expressions ---- */

static int put_value(struct tr *t, const struct qt_json *v, bool in_range);

static int put_scalar(struct tr *t, const struct qt_json *v, bool bare)
{
	switch (v->type) {
	case QT_JSON_INTEGER:
		qt_buf_printf(t->cmds, "%lld", v->i);
		return 0;
	case QT_JSON_STRING:
		if (bare || plain_word(v->s)) {
			qt_buf_puts(t->cmds, v->s);
			return 0;
		}
		return put_quoted(t, v->s);
	default:
		return -1;
	}
}

static int put_value(struct tr *t, const struct qt_json *v, bool in_range)
{
	if (v->type == QT_JSON_INTEGER || v->type == QT_JSON_STRING)
		return put_scalar(t, v, in_range);
	if (v->type == QT_JSON_ARRAY && !in_range) {
		/* flags: a,b,c */
		if (!v->n)
			return -1;
		for (unsigned i = 0; i < v->n; i++) {
			if (i)
				qt_buf_putc(t->cmds, ',');
			if (put_scalar(t, v->items[i], false) < 0)
				return -1;
		}
		return 0;
	}
	if (v->type != QT_JSON_OBJECT || v->n != 1)
		return -1;
	const struct qt_json *x;
	if ((x = qt_json_get(v, "concat"))) {
		/* a . b . c: each part a value, a range or a prefix */
		if (x->type != QT_JSON_ARRAY || x->n < 2)
			return -1;
		for (unsigned i = 0; i < x->n; i++) {
			if (i)
				qt_buf_puts(t->cmds, " . ");
			if (x->items[i]->type == QT_JSON_ARRAY ||
			    put_value(t, x->items[i], false) < 0)
				return -1;
		}
		return 0;
	}
	if ((x = qt_json_get(v, "range"))) {
		if (x->type != QT_JSON_ARRAY || x->n != 2)
			return -1;
		if (put_scalar(t, x->items[0], true) < 0)
			return -1;
		qt_buf_putc(t->cmds, '-');
		return put_scalar(t, x->items[1], true);
	}
	if ((x = qt_json_get(v, "prefix"))) {
		const struct qt_json *a = qt_json_get(x, "addr"),
				    *l = qt_json_get(x, "len");
		if (!a || a->type != QT_JSON_STRING || !l ||
		    l->type != QT_JSON_INTEGER)
			return -1;
		qt_buf_printf(t->cmds, "%s/%lld", a->s, l->i);
		return 0;
	}
	return -1;
}

static int put_verdict_value(struct tr *t, const struct qt_json *v);

/* One element of a set or a map: a value, {"elem": {"val": ...,
 * "timeout": S, "comment": ...}} (nft's "expires" is the kernel's
 * countdown, not input), or a map's [key, value]. */
static int put_elem_item(struct tr *t, const struct qt_json *v)
{
	if (v->type == QT_JSON_ARRAY && v->n == 2) {
		if (put_elem_item(t, v->items[0]) < 0)
			return -1;
		qt_buf_puts(t->cmds, " : ");
		const struct qt_json *d = v->items[1];
		if (d->type == QT_JSON_OBJECT && d->n == 1 &&
		    put_verdict_value(t, d) == 0)
			return 0;
		return put_value(t, d, false);
	}
	const struct qt_json *e = v->type == QT_JSON_OBJECT && v->n == 1
				  ? qt_json_get(v, "elem") : NULL;
	if (!e)
		return put_value(t, v, false);
	const struct qt_json *val = qt_json_get(e, "val"),
			    *timeout = qt_json_get(e, "timeout"),
			    *comment = qt_json_get(e, "comment");
	if (!val || put_value(t, val, false) < 0)
		return -1;
	if (timeout && timeout->type == QT_JSON_INTEGER)
		qt_buf_printf(t->cmds, " timeout %llds", timeout->i);
	if (comment && comment->type == QT_JSON_STRING) {
		qt_buf_puts(t->cmds, " comment ");
		return put_quoted(t, comment->s);
	}
	return 0;
}

/* The right side of a match: a value, a set, a named set. */
static int put_rhs(struct tr *t, const struct qt_json *v)
{
	if (v->type == QT_JSON_TRUE || v->type == QT_JSON_FALSE) {
		/* fib ... oif exists / missing */
		qt_buf_puts(t->cmds, v->type == QT_JSON_TRUE ? "exists"
							     : "missing");
		return 0;
	}
	if (v->type == QT_JSON_STRING && v->s[0] == '@') {
		qt_buf_printf(t->cmds, "@%s", v->s + 1);
		return plain_word(v->s + 1) ? 0 : -1;
	}
	const struct qt_json *set = qt_json_get(v, "set");
	if (set && v->n == 1) {
		if (set->type != QT_JSON_ARRAY) {
			qt_buf_puts(t->cmds, "{ ");
			if (put_value(t, set, false) < 0)
				return -1;
			qt_buf_puts(t->cmds, " }");
			return 0;
		}
		if (!set->n)
			return -1;
		qt_buf_puts(t->cmds, "{ ");
		for (unsigned i = 0; i < set->n; i++) {
			if (i)
				qt_buf_puts(t->cmds, ", ");
			if (put_elem_item(t, set->items[i]) < 0)
				return -1;
		}
		qt_buf_puts(t->cmds, " }");
		return 0;
	}
	return put_value(t, v, false);
}

/* {"ct": {"key": "ip saddr", "dir": "original"}}: ct original ip saddr */
/* {"sctp chunk": {"name": CHUNK[, "field": FIELD]}}: sctp chunk CHUNK
 * [FIELD], without a field the chunk's presence (right: true, false) */
static int put_sctp_chunk(struct tr *t, const struct qt_json *o)
{
	bool failed = false;
	const struct qt_json *n = unpack(t, o, "name", 's', 4, false, &failed),
			    *f = unpack(t, o, "field", 's', 4, true, &failed);
	if (failed)
		return internal(t, "Invalid LHS of relational.");
	if (!nft_sctp_chunk_known(n->s)) {
		internal(t, "Unknown sctp chunk name '%s'.", n->s);
		return internal(t, "Invalid LHS of relational.");
	}
	if (f && !nft_sctp_chunk_field(n->s, f->s)) {
		internal(t, "Unknown sctp chunk field '%s'.", f->s);
		return internal(t, "Invalid LHS of relational.");
	}
	qt_buf_printf(t->cmds, "sctp chunk %s%s%s", n->s, f ? " " : "",
		      f ? f->s : "");
	return 0;
}

static int put_ct_key(struct tr *t, const struct qt_json *o)
{
	const struct qt_json *k = qt_json_get(o, "key"),
			    *d = qt_json_get(o, "dir");
	if (!k || k->type != QT_JSON_STRING ||
	    (d && d->type != QT_JSON_STRING))
		return internal(t, "Invalid LHS of relational.");
	if (d && strcmp(d->s, "original") && strcmp(d->s, "reply")) {
		internal(t, "Invalid direction '%s'.", d->s);
		return internal(t, "Invalid LHS of relational.");
	}
	char text[64];
	snprintf(text, sizeof(text), "%s%s%s", d ? d->s : "", d ? " " : "",
		 k->s);
	const char *w[3] = { NULL, NULL, NULL };
	unsigned n = 0;
	char *save = NULL;
	char copy[64];
	snprintf(copy, sizeof(copy), "%s", text);
	for (char *p = strtok_r(copy, " ", &save); p && n < 3;
	     p = strtok_r(NULL, " ", &save))
		w[n++] = p;
	unsigned used;
	int why;
	if (!nft_ct_field(w, n, &used, &why) || used != n) {
		internal(t, "Unknown ct key '%s'.", k->s);
		return internal(t, "Invalid LHS of relational.");
	}
	qt_buf_printf(t->cmds, "ct %s", text);
	return 0;
}

static int put_lhs(struct tr *t, const struct qt_json *v);

static const struct qt_json *int_key(const struct qt_json *o, const char *k)
{
	const struct qt_json *x = qt_json_get(o, k);
	return x && x->type == QT_JSON_INTEGER ? x : NULL;
}

/* fib, numgen, jhash: 1 when kind is none of them */
static int put_lhs_function(struct tr *t, const char *kind,
			    const struct qt_json *o)
{
	const struct qt_json *x;
	if (!strcmp(kind, "fib")) {
		const struct qt_json *r = qt_json_get(o, "result"),
				    *f = qt_json_get(o, "flags");
		if (!r || r->type != QT_JSON_STRING)
			return internal(t, "Invalid LHS of relational.");
		qt_buf_puts(t->cmds, "fib ");
		const struct qt_json *const *fl = &f;
		unsigned n = f ? 1 : 0;
		if (f && f->type == QT_JSON_ARRAY) {
			fl = (const struct qt_json *const *)f->items;
			n = f->n;
		}
		for (unsigned i = 0; i < n; i++) {
			if (fl[i]->type != QT_JSON_STRING ||
			    !plain_word(fl[i]->s))
				return internal(t, "Invalid fib flag.");
			qt_buf_printf(t->cmds, "%s%s", i ? " . " : "",
				      fl[i]->s);
		}
		qt_buf_printf(t->cmds, " %s", r->s);
		return plain_word(r->s) ? 0
		       : internal(t, "Invalid fib result '%s'.", r->s);
	}
	if (!strcmp(kind, "numgen")) {
		const struct qt_json *m = qt_json_get(o, "mode"),
				    *mod = int_key(o, "mod");
		if (!m || m->type != QT_JSON_STRING || !plain_word(m->s) ||
		    !mod)
			return internal(t, "Invalid LHS of relational.");
		qt_buf_printf(t->cmds, "numgen %s mod %lld", m->s, mod->i);
		if ((x = int_key(o, "offset")) && x->i)
			qt_buf_printf(t->cmds, " offset %lld", x->i);
		return 0;
	}
	if (!strcmp(kind, "jhash")) {
		const struct qt_json *mod = int_key(o, "mod"),
				    *e = qt_json_get(o, "expr");
		if (!mod || !e)
			return internal(t, "Invalid LHS of relational.");
		qt_buf_puts(t->cmds, "jhash ");
		if (put_lhs(t, e) < 0)
			return -1;
		qt_buf_printf(t->cmds, " mod %lld", mod->i);
		if ((x = int_key(o, "seed")))
			qt_buf_printf(t->cmds, " seed 0x%llx", x->i);
		if ((x = int_key(o, "offset")) && x->i)
			qt_buf_printf(t->cmds, " offset %lld", x->i);
		return 0;
	}
	return 1;
}

/* The left side: payload, meta or ct; their concatenation; a bitwise
 * operation on one; fib, numgen, jhash. */
static int put_lhs(struct tr *t, const struct qt_json *v)
{
	if (!v || v->type != QT_JSON_OBJECT || v->n != 1)
		return internal(t, "Invalid LHS of relational.");
	const char *kind = v->keys[0];
	const struct qt_json *o = v->items[0];
	if (!strcmp(kind, "concat")) {
		if (o->type != QT_JSON_ARRAY || o->n < 2)
			return internal(t, "Invalid LHS of relational.");
		for (unsigned i = 0; i < o->n; i++) {
			if (i)
				qt_buf_puts(t->cmds, " . ");
			if (put_lhs(t, o->items[i]) < 0)
				return -1;
		}
		return 0;
	}
	if (!strcmp(kind, "&") || !strcmp(kind, "|") || !strcmp(kind, "^")) {
		if (o->type != QT_JSON_ARRAY || o->n != 2)
			return internal(t, "Invalid LHS of relational.");
		if (put_lhs(t, o->items[0]) < 0)
			return -1;
		qt_buf_printf(t->cmds, " %s ", kind);
		if (put_scalar(t, o->items[1], false) < 0)
			return internal(t, "Invalid LHS of relational.");
		return 0;
	}
	int rc = put_lhs_function(t, kind, o);
	if (rc <= 0)
		return rc;
	if (!strcmp(kind, "payload") && qt_json_get(o, "base")) {
		/* a raw payload: @th,OFFSET,LENGTH */
		const struct qt_json *b = qt_json_get(o, "base"),
				    *off = qt_json_get(o, "offset"),
				    *len = qt_json_get(o, "len");
		if (b->type != QT_JSON_STRING || !off ||
		    off->type != QT_JSON_INTEGER || off->i < 0 || !len ||
		    len->type != QT_JSON_INTEGER || len->i < 0)
			return internal(t, "Invalid LHS of relational.");
		qt_buf_printf(t->cmds, "@%s,%lld,%lld", b->s, off->i, len->i);
		return 0;
	}
	if (!strcmp(kind, "payload")) {
		const struct qt_json *p = qt_json_get(o, "protocol"),
				    *f = qt_json_get(o, "field");
		if (!p || p->type != QT_JSON_STRING || !f ||
		    f->type != QT_JSON_STRING)
			return internal(t, "Invalid LHS of relational.");
		if (!nft_field_proto_known(p->s) || !strcmp(p->s, "meta") ||
		    !strcmp(p->s, "ct")) {
			internal(t, "Unknown payload protocol '%s'.", p->s);
			return internal(t, "Invalid LHS of relational.");
		}
		if (!nft_field_find(p->s, f->s)) {
			internal(t, "Unknown %s field '%s'.", p->s, f->s);
			return internal(t, "Invalid LHS of relational.");
		}
		qt_buf_printf(t->cmds, "%s %s", p->s, f->s);
		return 0;
	}
	if (!strcmp(kind, "ct"))
		return put_ct_key(t, o);
	if (!strcmp(kind, "sctp chunk"))
		return put_sctp_chunk(t, o);
	if (!strcmp(kind, "meta") || !strcmp(kind, "ct")) {
		const struct qt_json *k = qt_json_get(o, "key");
		if (!k || k->type != QT_JSON_STRING)
			return internal(t, "Invalid LHS of relational.");
		if (!nft_field_find(kind, k->s)) {
			internal(t, "Unknown %s key '%s'.", kind, k->s);
			return internal(t, "Invalid LHS of relational.");
		}
		qt_buf_printf(t->cmds, "%s %s", kind, k->s);
		return 0;
	}
	static const char *const elsewhere[] = {
		"<<", ">>", "exthdr", "tcp option", "rt",
		"hash", "socket", "osf", "ipsec", "dccp option", "symhash",
		"ip option",
	};
	for (size_t i = 0; i < sizeof(elsewhere) / sizeof(*elsewhere); i++)
		if (!strcmp(kind, elsewhere[i])) {
			internal(t, "qtables-nft does not hold the '%s' "
				 "expression yet.", kind);
			break;
		}
	return internal(t, "Invalid LHS of relational.");
}

static int stmt_match(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *l, *r, *op;
	if (unpack_keys(t, v, "{s:o, s:o, s:s}", "left", &l, "right", &r,
			"op", &op) < 0)
		return -1;
	static const char *const ops[] = {
		"==", "!=", "<", ">", "<=", ">=", "in",
	};
	size_t k = 0;
	while (k < sizeof(ops) / sizeof(*ops) && strcmp(ops[k], op->s))
		k++;
	if (k == sizeof(ops) / sizeof(*ops))
		return internal(t, "Unknown relational op '%s'.", op->s);
	if (put_lhs(t, l) < 0)
		return -1;
	/* a bitwise left side takes its operator written out */
	bool bitwise = l->type == QT_JSON_OBJECT && l->n == 1 &&
		       strchr("&|^", l->keys[0][0]) && !l->keys[0][1];
	if ((k > 0 && k < 6) || (k == 0 && bitwise))
		qt_buf_printf(t->cmds, " %s", ops[k]);
	qt_buf_putc(t->cmds, ' ');
	if (put_rhs(t, r) < 0)
		return internal(t, "Invalid RHS of relational.");
	return 0;
}

/* nft's names of expressions in JSON (json_parse_expr's table) */
static const char *const expr_types[] = {
	"concat", "set", "map", "prefix", "range", "payload", "exthdr",
	"tcp option", "ip option", "sctp chunk", "dccp option", "meta",
	"osf", "ipsec", "socket", "rt", "ct", "numgen", "jhash", "symhash",
	"fib", "|", "^", "&", ">>", "<<", "accept", "drop", "continue",
	"jump", "goto", "return", "elem",
};

/* An expression nft's JSON parser cannot read at all, with its
 * message: an object of more or fewer keys than one, or of a key that
 * names no expression. 0 for any other. */
static int expr_unreadable(struct tr *t, const struct qt_json *v)
{
	if (v->type != QT_JSON_OBJECT)
		return 0;
	if (v->n != 1) {
		struct qt_buf dump;
		qt_buf_init(&dump);
		qt_json_dump(v, &dump);
		int rc = internal(t, "Malformed object (too many properties): "
				  "'%s'.", qt_buf_str(&dump));
		qt_buf_free(&dump);
		return rc;
	}
	for (size_t i = 0; i < sizeof(expr_types) / sizeof(*expr_types); i++)
		if (!strcmp(v->keys[0], expr_types[i]))
			return 0;
	return internal(t, "Unknown expression type '%s'.", v->keys[0]);
}

/* A map's {"key": KEY, "data": DATA} as nft's JSON parser reads it
 * first: -1 after its messages where it is no object, lacks either, or
 * either cannot be read. Data that is no set and no @NAME is nft's
 * evaluation error, told later. */
static int map_readable(struct tr *t, const struct qt_json *map)
{
	if (map->type != QT_JSON_OBJECT)
		return located(t, 1, "Expected object, got %s",
			       qt_json_type_name(map->type));
	const struct qt_json *k, *d;
	if (unpack_keys(t, map, "{s:o, s:o}", "key", &k, "data", &d) < 0)
		return -1;
	if (expr_unreadable(t, k) < 0)
		return internal(t, "Illegal map expression key.");
	if (expr_unreadable(t, d) < 0)
		return internal(t, "Illegal map expression data.");
	bool ref = d->type == QT_JSON_STRING && d->s[0] == '@';
	bool set = d->type == QT_JSON_OBJECT && qt_json_get(d, "set");
	/* (one a command: its evaluation stops there) */
	if (!ref && !set && t->later && t->later->len == t->later_mark)
		qt_buf_puts(t->later, "internal:0:0-0: Error: Expression is "
			    "not a map\n\n");
	return 0;
}

/* {"key": KEY, "data": DATA} of a map: "KEY map DATA"; bad, the
 * message where either is missing or not read */
static int put_map(struct tr *t, const struct qt_json *map, const char *bad)
{
	const struct qt_json *k = qt_json_get(map, "key"),
			    *d = qt_json_get(map, "data");
	if (!k || !d || put_lhs(t, k) < 0)
		return internal(t, "%s", bad);
	qt_buf_puts(t->cmds, " map ");
	if (put_rhs(t, d) < 0)
		return internal(t, "%s", bad);
	return 0;
}

/* {"counter"|"quota"|"limit": {"map": {"key": KEY, "data": ...}}}: the
 * object the key finds; 1 when v is no such map */
static int stmt_obj_map(struct tr *t, const char *kind,
			const struct qt_json *v)
{
	const struct qt_json *map = v->type == QT_JSON_OBJECT && v->n == 1
				    ? qt_json_get(v, "map") : NULL;
	if (!map)
		return 1;
	if (map_readable(t, map) < 0)
		return internal(t, "Invalid %s reference.", kind);
	char bad[64];
	snprintf(bad, sizeof(bad), "Invalid %s statement", kind);
	qt_buf_printf(t->cmds, "%s name ", kind);
	return put_map(t, map, bad);
}

/* counter, quota and limit: their statements' words after the kind's
 * word (put_stmt writes it, and a named object's reference:
 * {"counter": "NAME"}) */
static int stmt_counter(struct tr *t, const struct qt_json *v)
{
	if (v->type == QT_JSON_NULL)
		return 0;
	const struct qt_json *p = qt_json_get(v, "packets"),
			    *b = qt_json_get(v, "bytes");
	if (p && b && p->type == QT_JSON_INTEGER && b->type == QT_JSON_INTEGER)
		qt_buf_printf(t->cmds, " packets %lld bytes %lld", p->i, b->i);
	else if (v->type != QT_JSON_OBJECT)
		return internal(t, "qtables holds no named counters");
	return 0;
}

static int stmt_verdict(struct tr *t, const char *verdict,
			const struct qt_json *v)
{
	qt_buf_puts(t->cmds, verdict);
	if (strcmp(verdict, "jump") && strcmp(verdict, "goto"))
		return 0;
	const struct qt_json *target;
	if (unpack_keys(t, v, "{s:s}", "target", &target) < 0)
		return -1;
	return put_name(t, target->s);
}

/* log's group, snaplen, queue-threshold and flags (a name or a list
 * of them) */
static int stmt_log_more(struct tr *t, const struct qt_json *v)
{
	static const char *const nums[] = { "group", "snaplen",
					    "queue-threshold" };
	for (size_t i = 0; i < 3; i++) {
		const struct qt_json *n = qt_json_get(v, nums[i]);
		if (n && n->type == QT_JSON_INTEGER)
			qt_buf_printf(t->cmds, " %s %lld", nums[i], n->i);
	}
	static const char *const flags[][2] = {
		{ "tcp sequence", "tcp sequence" },
		{ "tcp options", "tcp options" },
		{ "ip options", "ip options" }, { "skuid", "skuid" },
		{ "ether", "ether" }, { "all", "all" },
	};
	const struct qt_json *f = qt_json_get(v, "flags");
	if (!f)
		return 0;
	unsigned n = f->type == QT_JSON_ARRAY ? f->n : 1;
	for (unsigned i = 0; i < n; i++) {
		const struct qt_json *e = f->type == QT_JSON_ARRAY ? f->items[i]
								   : f;
		size_t k = 0;
		while (k < 6 && (e->type != QT_JSON_STRING ||
				 strcmp(flags[k][0], e->s)))
			k++;
		if (k == 6)
			return internal(t, "Unknown log flag '%s'.",
					e->type == QT_JSON_STRING ? e->s : "");
		qt_buf_printf(t->cmds, " flags %s", flags[k][1]);
	}
	return 0;
}

static int stmt_log(struct tr *t, const struct qt_json *v)
{
	qt_buf_puts(t->cmds, "log");
	if (v->type != QT_JSON_OBJECT)
		return 0;
	const struct qt_json *p = qt_json_get(v, "prefix"),
			    *l = qt_json_get(v, "level");
	if (p && p->type == QT_JSON_STRING) {
		qt_buf_puts(t->cmds, " prefix ");
		if (put_quoted(t, p->s) < 0)
			return -1;
	}
	if (l && l->type == QT_JSON_STRING) {
		static const char *const levels[] = {
			"emerg", "alert", "crit", "err", "warn", "notice",
			"info", "debug", "audit",
		};
		size_t k = 0;
		while (k < 9 && strcmp(levels[k], l->s))
			k++;
		if (k == 9)
			return internal(t, "Invalid log level '%s'.", l->s);
		qt_buf_printf(t->cmds, " level %s", l->s);
	}
	return stmt_log_more(t, v);
}

/* also a named limit's block: limit l { rate ... } */
static int stmt_limit(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *rate;
	if (unpack_keys(t, v, "{s:I}", "rate", &rate) < 0)
		return -1;
	const struct qt_json *per = qt_json_get(v, "per"),
			    *burst = qt_json_get(v, "burst"),
			    *unit = qt_json_get(v, "rate_unit"),
			    *bunit = qt_json_get(v, "burst_unit"),
			    *inv = qt_json_get(v, "inv");
	const char *u = unit && unit->type == QT_JSON_STRING &&
			strcmp(unit->s, "packets") ? unit->s : NULL;
	qt_buf_printf(t->cmds, " rate %s%lld",
		      inv && inv->type == QT_JSON_TRUE ? "over " : "", rate->i);
	if (u)
		qt_buf_printf(t->cmds, " %s", u);
	qt_buf_printf(t->cmds, "/%s", per && per->type == QT_JSON_STRING
					  ? per->s : "second");
	if (burst && burst->type == QT_JSON_INTEGER && !(u && !burst->i))
		qt_buf_printf(t->cmds, " burst %lld %s", burst->i,
			      !u ? "packets" : bunit && bunit->type ==
			      QT_JSON_STRING ? bunit->s : "bytes");
	return 0;
}

/* quota: {"val": N, "val_unit": U, "inv": B, "used": N, "used_unit": U} */
static int stmt_quota(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *val;
	if (unpack_keys(t, v, "{s:I}", "val", &val) < 0)
		return -1;
	const struct qt_json *vu = qt_json_get(v, "val_unit"),
			    *inv = qt_json_get(v, "inv"),
			    *used = qt_json_get(v, "used"),
			    *uu = qt_json_get(v, "used_unit");
	qt_buf_printf(t->cmds, " %s%lld %s",
		      inv && inv->type == QT_JSON_TRUE ? "over " : "", val->i,
		      vu && vu->type == QT_JSON_STRING ? vu->s : "bytes");
	if (used && used->type == QT_JSON_INTEGER)
		qt_buf_printf(t->cmds, " used %lld %s", used->i,
			      uu && uu->type == QT_JSON_STRING ? uu->s
							       : "bytes");
	return 0;
}

static int stmt_reject(struct tr *t, const struct qt_json *v)
{
	qt_buf_puts(t->cmds, "reject");
	if (v->type != QT_JSON_OBJECT)
		return 0;
	const struct qt_json *ty = qt_json_get(v, "type"),
			    *e = qt_json_get(v, "expr");
	if (!ty || ty->type != QT_JSON_STRING)
		return 0;
	if (!strcmp(ty->s, "tcp reset")) {
		qt_buf_puts(t->cmds, " with tcp reset");
		return 0;
	}
	if (strcmp(ty->s, "icmp") && strcmp(ty->s, "icmpv6") &&
	    strcmp(ty->s, "icmpx"))
		return internal(t, "Unknown reject type '%s'.", ty->s);
	if (!e)
		return 0;
	qt_buf_printf(t->cmds, " with %s ", ty->s);
	if (put_scalar(t, e, false) < 0)
		return internal(t, "Illegal reject expr");
	return 0;
}

static int stmt_mangle(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *k, *val;
	if (unpack_keys(t, v, "{s:o, s:o}", "key", &k, "value", &val) < 0)
		return -1;
	if (put_lhs(t, k) < 0)
		return -1;
	qt_buf_puts(t->cmds, " set ");
	if (val->type == QT_JSON_OBJECT && val->n == 1 &&
	    strchr("&|^", val->keys[0][0]) && !val->keys[0][1])
		return put_lhs(t, val);
	/* {"<<": [VALUE, N]}: ct mark set (meta mark | 0x10) << 8 */
	if (val->type == QT_JSON_OBJECT && val->n == 1 &&
	    (!strcmp(val->keys[0], "<<") || !strcmp(val->keys[0], ">>"))) {
		const struct qt_json *a = val->items[0];
		if (a->type != QT_JSON_ARRAY || a->n != 2 ||
		    a->items[1]->type != QT_JSON_INTEGER)
			return internal(t, "Invalid mangle statement value");
		const struct qt_json *in = a->items[0];
		bool op = in->type == QT_JSON_OBJECT && in->n == 1 &&
			  strchr("&|^", in->keys[0][0]) && !in->keys[0][1];
		qt_buf_puts(t->cmds, op ? "(" : "");
		if (put_lhs(t, in) < 0)
			return -1;
		qt_buf_printf(t->cmds, "%s %s %lld", op ? ")" : "", val->keys[0],
			      a->items[1]->i);
		return 0;
	}
	/* a field as it is: ct mark set meta mark; a number: numgen,
	 * jhash */
	if (val->type == QT_JSON_OBJECT && val->n == 1 &&
	    (!strcmp(val->keys[0], "meta") || !strcmp(val->keys[0], "ct") ||
	     !strcmp(val->keys[0], "payload") ||
	     !strcmp(val->keys[0], "numgen") ||
	     !strcmp(val->keys[0], "jhash")))
		return put_lhs(t, val);
	/* symhash {"mod": N, "offset": M}: a value only */
	if (val->type == QT_JSON_OBJECT && val->n == 1 &&
	    !strcmp(val->keys[0], "symhash")) {
		const struct qt_json *o = val->items[0],
				    *mod = int_key(o, "mod"), *x;
		if (!mod)
			return internal(t, "Invalid mangle statement value");
		qt_buf_printf(t->cmds, "symhash mod %lld", mod->i);
		if ((x = int_key(o, "offset")) && x->i)
			qt_buf_printf(t->cmds, " offset %lld", x->i);
		return 0;
	}
	/* {"map": {"key": KEY, "data": {"set": [...]} or "@NAME"}} */
	const struct qt_json *map = val->type == QT_JSON_OBJECT && val->n == 1
				    ? qt_json_get(val, "map") : NULL;
	if (map && map_readable(t, map) < 0)
		return internal(t, "Invalid mangle statement value");
	if (map)
		return put_map(t, map, "Invalid mangle statement value");
	if (put_value(t, val, false) < 0)
		return internal(t, "Invalid mangle statement value");
	return 0;
}

/* accept, drop, ..., jump/goto {"target": ...}: 1 when v is no
 * verdict */
static int put_verdict_value(struct tr *t, const struct qt_json *v)
{
	static const char *const verdicts[] = {
		"accept", "drop", "continue", "return", "jump", "goto",
	};
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(*verdicts); i++) {
		if (strcmp(v->keys[0], verdicts[i]))
			continue;
		qt_buf_puts(t->cmds, verdicts[i]);
		if (i < 4)
			return 0;
		const struct qt_json *target = qt_json_get(v->items[0],
							   "target");
		if (!target || target->type != QT_JSON_STRING)
			return internal(t, "Invalid verdict value.");
		return put_name(t, target->s);
	}
	return 1;
}

static int stmt_vmap(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *k, *d;
	if (unpack_keys(t, v, "{s:o, s:o}", "key", &k, "data", &d) < 0)
		return internal(t, "Illegal vmap statement.");
	if (put_lhs(t, k) < 0)
		return -1;
	qt_buf_puts(t->cmds, " vmap ");
	if (put_rhs(t, d) < 0)
		return internal(t, "Invalid vmap data.");
	return 0;
}

/* an IPv6 address or a range of them */
static bool v6_addr(const struct qt_json *a)
{
	const struct qt_json *r = a->type == QT_JSON_OBJECT
				  ? qt_json_get(a, "range") : NULL;
	if (r && r->type == QT_JSON_ARRAY && r->n)
		a = r->items[0];
	return a->type == QT_JSON_STRING && strchr(a->s, ':');
}

/* snat, dnat, masquerade, redirect: [family] [to addr[:port] | to
 * KEY map DATA] [flags] */
static int stmt_nat(struct tr *t, const char *kind, const struct qt_json *v)
{
	qt_buf_puts(t->cmds, kind);
	if (v->type != QT_JSON_OBJECT)
		return 0;
	const struct qt_json *fam = qt_json_get(v, "family"),
			    *addr = qt_json_get(v, "addr"),
			    *port = qt_json_get(v, "port"),
			    *flags = qt_json_get(v, "flags");
	if (fam && fam->type == QT_JSON_STRING && put_family(t, fam->s) < 0)
		return -1;
	if (addr || port)
		qt_buf_puts(t->cmds, " to ");
	const struct qt_json *map = addr && addr->type == QT_JSON_OBJECT
				    ? qt_json_get(addr, "map") : NULL;
	if (map) {
		if (map_readable(t, map) < 0)
			return internal(t, "Invalid nat addr.");
		if (put_map(t, map, "Invalid nat map.") < 0)
			return -1;
	} else if (addr) {
		if (port && v6_addr(addr))
			return internal(t, "qtables-nft does not hold an IPv6 "
					"nat address with a port yet.");
		if (put_value(t, addr, false) < 0)
			return internal(t, "Invalid nat address.");
	}
	if (port) {
		qt_buf_putc(t->cmds, ':');
		if (put_value(t, port, false) < 0)
			return internal(t, "Invalid nat port.");
	}
	if (flags) {
		qt_buf_putc(t->cmds, ' ');
		if (put_value(t, flags, false) < 0)
			return internal(t, "Invalid nat flags.");
	}
	return 0;
}

static int put_stmt(struct tr *t, const struct qt_json *s);

/* quota [over] N UNIT, as a set update's element statement */
static int elem_quota(struct tr *t, const struct qt_json *q)
{
	const struct qt_json *n = qt_json_get(q, "val"),
			    *u = qt_json_get(q, "val_unit"),
			    *inv = qt_json_get(q, "inv");
	if (!n || n->type != QT_JSON_INTEGER || n->i < 0)
		return internal(t, "Invalid quota value.");
	qt_buf_printf(t->cmds, "quota %s%lld %s",
		      inv && inv->type == QT_JSON_TRUE ? "over " : "", n->i,
		      u && u->type == QT_JSON_STRING ? u->s : "bytes");
	return 0;
}

/* add/update/delete @set { KEY [timeout S] [STMT...] } */
static int stmt_set(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *op, *e, *set;
	if (unpack_keys(t, v, "{s:s, s:o, s:s}", "op", &op, "elem", &e,
			"set", &set) < 0)
		return -1;
	if (strcmp(op->s, "add") && strcmp(op->s, "update") &&
	    strcmp(op->s, "delete"))
		return internal(t, "Unknown set statement op '%s'.", op->s);
	if (set->s[0] != '@' || !plain_word(set->s + 1))
		return internal(t, "Invalid set reference '%s'.", set->s);
	qt_buf_printf(t->cmds, "%s %s { ", op->s, set->s);
	const struct qt_json *w = e->type == QT_JSON_OBJECT && e->n == 1
				  ? qt_json_get(e, "elem") : NULL;
	if (w) {
		const struct qt_json *val = qt_json_get(w, "val"),
				    *to = int_key(w, "timeout");
		if (!val || put_lhs(t, val) < 0)
			return -1;
		if (to)
			qt_buf_printf(t->cmds, " timeout %llds", to->i);
		if (qt_json_get(w, "limit"))
			return internal(t, "qtables-nft does not take a set "
					"element's limit in JSON yet.");
	} else if (put_lhs(t, e) < 0) {
		return -1;
	}
	/* what each element gets: limit, counter, quota, ct count */
	const struct qt_json *st = qt_json_get(v, "stmt");
	for (unsigned i = 0; st && st->type == QT_JSON_ARRAY && i < st->n; i++) {
		const struct qt_json *x = st->items[i];
		qt_buf_putc(t->cmds, ' ');
		int rc = x->type == QT_JSON_OBJECT && x->n == 1 &&
			 !strcmp(x->keys[0], "quota")
			 ? elem_quota(t, x->items[0]) : put_stmt(t, x);
		if (rc < 0)
			return -1;
	}
	qt_buf_puts(t->cmds, " }");
	return 0;
}

static int stmt_ct_count(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *n;
	if (unpack_keys(t, v, "{s:I}", "val", &n) < 0)
		return -1;
	const struct qt_json *inv = qt_json_get(v, "inv");
	qt_buf_printf(t->cmds, "ct count %s%lld",
		      inv && inv->type == QT_JSON_TRUE ? "over " : "", n->i);
	return 0;
}

/* a named counter's block: counter c { packets N bytes M } */
static int block_counter(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *p = int_key(v, "packets"),
			    *b = int_key(v, "bytes");
	qt_buf_printf(t->cmds, " packets %lld bytes %lld", p ? p->i : 0,
		      b ? b->i : 0);
	return 0;
}

/* a named quota's block: quota q { [over] N bytes [used M bytes] } */
static int block_quota(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *inv = qt_json_get(v, "inv"),
			    *b = int_key(v, "bytes"), *u = int_key(v, "used");
	qt_buf_printf(t->cmds, " %s%lld bytes",
		      inv && inv->type == QT_JSON_TRUE ? "over " : "",
		      b ? b->i : 0);
	if (u && u->i)
		qt_buf_printf(t->cmds, " used %lld bytes", u->i);
	return 0;
}

/* The kinds of named objects: a statement of the kind either names
 * one ({"quota": "NAME"}) or holds its own; {"add": {"quota": {...}}}
 * makes one, its values in its block's words. */
static const struct named_kind {
	const char *kind;
	int (*stmt)(struct tr *, const struct qt_json *);
	int (*block)(struct tr *, const struct qt_json *);
} named_kinds[] = {
	{ "counter", stmt_counter, block_counter },
	{ "quota", stmt_quota, block_quota },
	{ "limit", stmt_limit, stmt_limit },
};

static const struct named_kind *named_kind(const char *kind)
{
	for (size_t i = 0; i < sizeof(named_kinds) / sizeof(*named_kinds);
	     i++)
		if (!strcmp(kind, named_kinds[i].kind))
			return &named_kinds[i];
	return NULL;
}

/* counter {"packets", "bytes"}, quota {"val"}, limit {"rate"}: the
 * statement's own form, which nft tries before a reference */
static bool stmt_form(const char *kind, const struct qt_json *v)
{
	if (!strcmp(kind, "counter"))
		return int_key(v, "packets") && int_key(v, "bytes");
	return int_key(v, !strcmp(kind, "quota") ? "val" : "rate") != NULL;
}

static int put_stmt(struct tr *t, const struct qt_json *s)
{
	if (s->n != 1) {
		struct qt_buf dump;
		qt_buf_init(&dump);
		qt_json_dump(s, &dump);
		int rc = internal(t, "Malformed object (too many properties): "
				  "'%s'.", qt_buf_str(&dump));
		qt_buf_free(&dump);
		return rc;
	}
	const char *kind = s->keys[0];
	const struct qt_json *v = s->items[0];
	static const char *const verdicts[] = {
		"accept", "drop", "continue", "return", "jump", "goto",
	};
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(*verdicts); i++)
		if (!strcmp(kind, verdicts[i]))
			return stmt_verdict(t, kind, v);
	const struct named_kind *nk = named_kind(kind);
	if (nk) {
		int m = stmt_obj_map(t, kind, v);
		if (m <= 0)
			return m;
		/* an object not of the statement's own form names an
		 * object by an expression */
		if (v->type == QT_JSON_OBJECT && !stmt_form(kind, v) &&
		    expr_unreadable(t, v) < 0)
			return internal(t, "Invalid %s reference.", kind);
		qt_buf_puts(t->cmds, kind);
		if (v->type != QT_JSON_STRING)
			return nk->stmt(t, v);
		qt_buf_puts(t->cmds, " name");
		return put_name(t, v->s);
	}
	if (!strcmp(kind, "match"))
		return stmt_match(t, v);
	if (!strcmp(kind, "log"))
		return stmt_log(t, v);
	if (!strcmp(kind, "reject"))
		return stmt_reject(t, v);
	if (!strcmp(kind, "mangle"))
		return stmt_mangle(t, v);
	if (!strcmp(kind, "notrack")) {
		qt_buf_puts(t->cmds, "notrack");
		return 0;
	}
	if (!strcmp(kind, "vmap"))
		return stmt_vmap(t, v);
	if (!strcmp(kind, "snat") || !strcmp(kind, "dnat") ||
	    !strcmp(kind, "masquerade") || !strcmp(kind, "redirect"))
		return stmt_nat(t, kind, v);
	if (!strcmp(kind, "set"))
		return stmt_set(t, v);
	if (!strcmp(kind, "ct count"))
		return stmt_ct_count(t, v);
	static const char *const elsewhere[] = {
		"flow", "fwd", "dup", "map", "meter", "queue",
		"ct helper", "ct timeout", "ct expectation", "tproxy",
		"synproxy", "reset", "secmark", "xt", "last",
	};
	for (size_t i = 0; i < sizeof(elsewhere) / sizeof(*elsewhere); i++)
		if (!strcmp(kind, elsewhere[i]))
			return internal(t, "qtables-nft does not hold the '%s' "
					"statement yet.", kind);
	return internal(t, "Unknown statement object '%s'.", kind);
}

/* ---- objects ---- */

enum op { OP_ADD, OP_REPLACE, OP_CREATE, OP_INSERT, OP_DELETE, OP_LIST,
	  OP_FLUSH };
static const char *const op_words[] = {
	"add", "replace", "create", "insert", "delete", "list", "flush",
};

/* "OP KIND FAMILY [TABLE] [NAME]": the words before an object's own */
static int put_head(struct tr *t, enum op op, const char *kind,
		    const struct qt_json *fam, const struct qt_json *tab,
		    const struct qt_json *name)
{
	qt_buf_printf(t->cmds, "%s %s", op_words[op], kind);
	if (put_family(t, fam->s) < 0 || (tab && put_name(t, tab->s) < 0))
		return -1;
	return name ? put_name(t, name->s) : 0;
}

/* A table or chain by its name, or one to delete by its handle:
 * put_head, then the handle's words where *name is NULL */
static int put_name_or_handle(struct tr *t, const struct qt_json *v,
			      enum op op, const char *kind,
			      const struct qt_json *fam,
			      const struct qt_json *tab,
			      const struct qt_json **name)
{
	bool failed = false;
	*name = unpack(t, v, "name", 's', 4, op == OP_DELETE, &failed);
	if (failed)
		return -1;
	const struct qt_json *h = qt_json_get(v, "handle");
	if (!*name && (!h || h->type != QT_JSON_INTEGER))
		return internal(t, "Either name or handle required to delete "
				"a %s.", kind);
	if (put_head(t, op, kind, fam, tab, *name) < 0)
		return -1;
	if (!*name)
		qt_buf_printf(t->cmds, " handle %lld", h->i);
	return 0;
}

static int obj_table(struct tr *t, const struct qt_json *v, enum op op)
{
	const struct qt_json *fam, *name;
	if (unpack_keys(t, v, "{s:s}", "family", &fam) < 0)
		return -1;
	return put_name_or_handle(t, v, op, "table", fam, NULL, &name);
}

static int obj_chain(struct tr *t, const struct qt_json *v, enum op op)
{
	const struct qt_json *fam, *tab, *name;
	if (unpack_keys(t, v, "{s:s, s:s}", "family", &fam, "table", &tab) < 0 ||
	    put_name_or_handle(t, v, op, "chain", fam, tab, &name) < 0)
		return -1;
	if (!name)
		return 0;
	const struct qt_json *type = qt_json_get(v, "type");
	if (op != OP_ADD && op != OP_CREATE)
		return 0;
	/* nft 1.0.6 makes a base chain only where type, hook and prio
	 * all unpack; any of them missing or of another type gives a
	 * regular chain, its policy unread */
	const struct qt_json *hook = qt_json_get(v, "hook"),
			     *prio = qt_json_get(v, "prio");
	if (!type || type->type != QT_JSON_STRING || !hook ||
	    hook->type != QT_JSON_STRING || !prio ||
	    prio->type != QT_JSON_INTEGER)
		return 0;
	static const char *const hooks[] = {
		"prerouting", "input", "forward", "postrouting", "output",
		"ingress", "egress",
	};
	size_t h = 0;
	while (h < sizeof(hooks) / sizeof(*hooks) && strcmp(hooks[h], hook->s))
		h++;
	if (h == sizeof(hooks) / sizeof(*hooks))
		return internal(t, "Invalid chain hook '%s'.", hook->s);
	qt_buf_printf(t->cmds, " { type %s hook %s priority %lld;", type->s,
		      hook->s, prio->i);
	const struct qt_json *pol = qt_json_get(v, "policy");
	if (pol && pol->type == QT_JSON_STRING) {
		if (strcmp(pol->s, "accept") && strcmp(pol->s, "drop"))
			return internal(t, "Unknown policy '%s'.", pol->s);
		qt_buf_printf(t->cmds, " policy %s;", pol->s);
	}
	qt_buf_puts(t->cmds, " }");
	return 0;
}

static int obj_rule(struct tr *t, const struct qt_json *v, enum op op)
{
	const struct qt_json *fam, *tab, *ch;
	if (unpack_keys(t, v, "{s:s, s:s, s:s}", "family", &fam, "table", &tab,
			"chain", &ch) < 0)
		return -1;
	const struct qt_json *expr = NULL, *h = NULL;
	if (op == OP_DELETE ? unpack_keys(t, v, "{s:I}", "handle", &h)
			    : unpack_keys(t, v, "{s:o}", "expr", &expr))
		return -1;
	if (put_head(t, op, "rule", fam, tab, ch) < 0)
		return -1;
	if (op == OP_DELETE) {
		qt_buf_printf(t->cmds, " handle %lld", h->i);
		return 0;
	}
	/* nft 1.0.6 places an added rule by "index" alone ("handle" and
	 * "position" are not read), an inserted one by "handle" or
	 * "index"; a replaced one needs its handle */
	const struct qt_json *where = qt_json_get(v, "handle");
	if (op == OP_REPLACE && (!where || where->type != QT_JSON_INTEGER))
		return internal(t, "Handle is required when replacing a rule.");
	if (op != OP_ADD && op != OP_CREATE && where &&
	    where->type == QT_JSON_INTEGER) {
		qt_buf_printf(t->cmds, " handle %lld", where->i);
	} else if ((where = qt_json_get(v, "index")) &&
		   where->type == QT_JSON_INTEGER) {
		qt_buf_printf(t->cmds, " index %lld", where->i);
	}
	for (unsigned i = 0; expr->type == QT_JSON_ARRAY && i < expr->n; i++) {
		const struct qt_json *s = expr->items[i];
		if (s->type != QT_JSON_OBJECT)
			return internal(t, "Unexpected expr array element of "
					"type %s, expected object.",
					qt_json_type_name(s->type));
		qt_buf_putc(t->cmds, ' ');
		if (put_stmt(t, s) < 0)
			return internal(t, "Parsing expr array at index %u "
					"failed.", i);
	}
	const struct qt_json *comment = qt_json_get(v, "comment");
	if (comment && comment->type == QT_JSON_STRING) {
		qt_buf_puts(t->cmds, " comment ");
		return put_quoted(t, comment->s);
	}
	return 0;
}

static int put_elems(struct tr *t, const struct qt_json *e)
{
	qt_buf_puts(t->cmds, "{ ");
	if (e->type != QT_JSON_ARRAY) {
		if (put_elem_item(t, e) < 0)
			return internal(t, "Invalid set elem expression.");
	} else {
		for (unsigned i = 0; i < e->n; i++) {
			if (i)
				qt_buf_puts(t->cmds, ", ");
			if (put_elem_item(t, e->items[i]) < 0)
				return internal(t, "Invalid set elem "
						"expression.");
		}
	}
	qt_buf_puts(t->cmds, " }");
	return 0;
}

static int set_or_map(struct tr *t, const struct qt_json *v, enum op op,
		      bool map)
{
	const struct qt_json *fam, *tab, *name;
	if (unpack_keys(t, v, "{s:s, s:s}", "family", &fam, "table", &tab) < 0 ||
	    unpack_keys(t, v, "{s:s}", "name", &name) < 0)
		return -1;
	if (put_head(t, op, map ? "map" : "set", fam, tab, name) < 0)
		return -1;
	if (op != OP_ADD && op != OP_CREATE)
		return 0;
	/* a concatenated key's type: the array of its parts' */
	const struct qt_json *type = qt_json_get(v, "type");
	const struct qt_json *const *parts = &type;
	unsigned nparts = 1;
	if (type && type->type == QT_JSON_ARRAY) {
		parts = (const struct qt_json *const *)type->items;
		nparts = type->n;
	}
	if (!type || !nparts)
		return internal(t, "Invalid set type.");
	qt_buf_puts(t->cmds, " { type ");
	for (unsigned i = 0; i < nparts; i++) {
		if (parts[i]->type != QT_JSON_STRING ||
		    !plain_word(parts[i]->s))
			return internal(t, "Invalid set type.");
		qt_buf_printf(t->cmds, "%s%s", i ? " . " : "", parts[i]->s);
	}
	const struct qt_json *x;
	if (map) {
		x = qt_json_get(v, "map");
		if (!x || x->type != QT_JSON_STRING || !plain_word(x->s))
			return internal(t, "Invalid map type.");
		qt_buf_printf(t->cmds, " : %s", x->s);
	}
	/* nft 1.0.6 reads no "comment" of a set or map (it lists one) */
	qt_buf_putc(t->cmds, ';');
	x = qt_json_get(v, "flags");
	if (x) {
		const struct qt_json *const *f = &x;
		unsigned n = 1;
		if (x->type == QT_JSON_ARRAY) {
			f = (const struct qt_json *const *)x->items;
			n = x->n;
		}
		for (unsigned i = 0; i < n; i++) {
			if (f[i]->type != QT_JSON_STRING)
				return internal(t, "Invalid set flag at index "
						"%u.", i);
			qt_buf_printf(t->cmds, "%s%s", i ? "," : " flags ",
				      f[i]->s);
		}
		if (n)
			qt_buf_putc(t->cmds, ';');
	}
	if ((x = qt_json_get(v, "size")) && x->type == QT_JSON_INTEGER)
		qt_buf_printf(t->cmds, " size %lld;", x->i);
	if ((x = qt_json_get(v, "timeout")) && x->type == QT_JSON_INTEGER)
		qt_buf_printf(t->cmds, " timeout %llds;", x->i);
	if ((x = qt_json_get(v, "elem"))) {
		qt_buf_puts(t->cmds, " elements = ");
		if (put_elems(t, x) < 0)
			return -1;
		qt_buf_putc(t->cmds, ';');
	}
	qt_buf_puts(t->cmds, " }");
	return 0;
}

static int obj_set(struct tr *t, const struct qt_json *v, enum op op)
{
	return set_or_map(t, v, op, false);
}

static int obj_map(struct tr *t, const struct qt_json *v, enum op op)
{
	return set_or_map(t, v, op, true);
}

static int obj_element(struct tr *t, const struct qt_json *v, enum op op)
{
	const struct qt_json *fam, *tab, *name, *elem;
	if (unpack_keys(t, v, "{s:s, s:s, s:s, s:o}", "family", &fam,
			"table", &tab, "name", &name, "elem", &elem) < 0)
		return -1;
	if (put_head(t, op, "element", fam, tab, name) < 0)
		return -1;
	qt_buf_putc(t->cmds, ' ');
	return put_elems(t, elem);
}

/* {"counter"|"quota"|"limit": {"family", "table", "name", values}}:
 * a named object, its values in the words of its own block */
static int obj_named(struct tr *t, const struct qt_json *v, enum op op,
		     const struct named_kind *nk)
{
	const struct qt_json *fam, *tab, *name;
	if (unpack_keys(t, v, "{s:s, s:s}", "family", &fam, "table", &tab) < 0)
		return -1;
	/* its name read apart: a delete may give a handle instead */
	const struct qt_json *h = qt_json_get(v, "handle");
	if (op == OP_DELETE && !qt_json_get(v, "name")) {
		if (!h || h->type != QT_JSON_INTEGER)
			return internal(t, "Either name or handle required to "
					"delete an object.");
		if (put_head(t, op, nk->kind, fam, tab, NULL) < 0)
			return -1;
		qt_buf_printf(t->cmds, " handle %lld", h->i);
		return 0;
	}
	if (unpack_keys(t, v, "{s:s}", "name", &name) < 0 ||
	    put_head(t, op, nk->kind, fam, tab, name) < 0)
		return -1;
	if (op != OP_ADD && op != OP_CREATE)
		return 0;
	qt_buf_puts(t->cmds, " {");
	if (nk->block(t, v) < 0)
		return -1;
	qt_buf_puts(t->cmds, " }");
	return 0;
}

typedef int (*obj_fn)(struct tr *, const struct qt_json *, enum op);

static const struct {
	const char *key;
	obj_fn fn;
} objects[] = {
	{ "table", obj_table }, { "chain", obj_chain }, { "rule", obj_rule },
	{ "set", obj_set }, { "map", obj_map }, { "element", obj_element },
};

/* add, create, delete (and a bare object, as nft takes its own
 * listing's objects): the first object kind the value holds. */
static int cmd_objects(struct tr *t, const struct qt_json *v, enum op op)
{
	if (v->type != QT_JSON_OBJECT)
		return internal(t, "Value of %s command must be object (got %s "
				"instead).", op_words[op],
				qt_json_type_name(v->type));
	/* the objects, then the named ones */
	size_t n = sizeof(objects) / sizeof(*objects),
	       named = sizeof(named_kinds) / sizeof(*named_kinds);
	for (size_t i = 0; i < n + named; i++) {
		const struct named_kind *nk = i < n ? NULL
					      : &named_kinds[i - n];
		const struct qt_json *o = qt_json_get(v, nk ? nk->kind
							  : objects[i].key);
		if (!o)
			continue;
		if (o->type != QT_JSON_OBJECT)
			return located(t, 1, "Expected object, got %s",
				       qt_json_type_name(o->type));
		return nk ? obj_named(t, o, op, nk) : objects[i].fn(t, o, op);
	}
	static const char *const elsewhere[] = {
		"flowtable", "ct helper", "ct timeout", "ct expectation",
		"secmark", "synproxy",
	};
	for (size_t i = 0; i < sizeof(elsewhere) / sizeof(*elsewhere); i++)
		if (qt_json_get(v, elsewhere[i]))
			return internal(t, "qtables-nft does not hold %s "
					"objects yet.", elsewhere[i]);
	return internal(t, "Unknown object passed to %s command.",
			op_words[op]);
}

/* insert and replace: a rule */
static int cmd_rule_only(struct tr *t, const struct qt_json *v, enum op op)
{
	const struct qt_json *r;
	if (unpack_keys(t, v, "{s:o}", "rule", &r) < 0)
		return -1;
	if (r->type != QT_JSON_OBJECT)
		return located(t, 1, "Expected object, got %s",
			       qt_json_type_name(r->type));
	return obj_rule(t, r, op);
}

static int cmd_list_flush(struct tr *t, const struct qt_json *v, enum op op)
{
	if (v->type != QT_JSON_OBJECT)
		return internal(t, "Value of %s command must be object (got %s "
				"instead).", op_words[op],
				qt_json_type_name(v->type));
	static const char *const many[] = {
		"ruleset", "tables", "chains", "sets", "maps", "counters",
		"quotas",
	};
	for (size_t i = 0; i < sizeof(many) / sizeof(*many); i++) {
		if (!qt_json_get(v, many[i]) || (op == OP_FLUSH && i))
			continue;
		qt_buf_printf(t->cmds, "%s %s", op_words[op], many[i]);
		const struct qt_json *f = qt_json_get(qt_json_get(v, many[i]),
						      "family");
		const struct qt_json *tb = qt_json_get(qt_json_get(v, many[i]),
						       "table");
		/* the objects of one table: nft reads its family and
		 * table */
		if (f && f->type == QT_JSON_STRING && tb &&
		    tb->type == QT_JSON_STRING && i >= 5) {
			qt_buf_puts(t->cmds, " table");
			return put_family(t, f->s) < 0 ? -1
						       : put_name(t, tb->s);
		}
		if (f && f->type == QT_JSON_STRING)
			return put_family(t, f->s);
		/* nft lists the tables of family ip when no family is
		 * given for them */
		if (!strcmp(many[i], "tables"))
			qt_buf_puts(t->cmds, " ip");
		return 0;
	}
	static const struct {
		const char *key;
		obj_fn fn;
	} one[] = {
		{ "table", obj_table }, { "chain", obj_chain },
		{ "set", obj_set }, { "map", obj_map },
	};
	for (size_t i = 0; i < sizeof(one) / sizeof(*one); i++) {
		const struct qt_json *o = qt_json_get(v, one[i].key);
		if (!o)
			continue;
		if (o->type != QT_JSON_OBJECT)
			return located(t, 1, "Expected object, got %s",
				       qt_json_type_name(o->type));
		return one[i].fn(t, o, op);
	}
	/* a named counter or quota: its family, table and name */
	for (size_t i = 0; op == OP_LIST && i < 2; i++) {
		const struct qt_json *o = qt_json_get(v, named_kinds[i].kind);
		if (!o)
			continue;
		if (o->type != QT_JSON_OBJECT)
			return located(t, 1, "Expected object, got %s",
				       qt_json_type_name(o->type));
		return obj_named(t, o, op, &named_kinds[i]);
	}
	return internal(t, "Unknown object passed to %s command.",
			op_words[op]);
}

/* {"rename": {"chain": {family, table, name, newname}}}: nft's one
 * rename */
static int cmd_rename(struct tr *t, const struct qt_json *v)
{
	const struct qt_json *ch, *fam, *tab, *name, *to;
	/* nft unpacks both levels with one format, {s:{s:s, s:s, s:s,
	 * s:s}}: the inner keys' columns are those they have there */
	if (unpack_keys(t, v, "{s:o}", "chain", &ch) < 0 ||
	    unpack_keys(t, ch, "{S:{s:s, s:s, s:s, s:s}}", "family", &fam,
			"table", &tab, "name", &name, "newname", &to) < 0)
		return -1;
	qt_buf_puts(t->cmds, "rename chain");
	if (put_family(t, fam->s) < 0 || put_name(t, tab->s) < 0 ||
	    put_name(t, name->s) < 0 || put_name(t, to->s) < 0)
		return -1;
	return 0;
}

static int command(struct tr *t, const struct qt_json *c)
{
	static const struct { const char *key; enum op op; } cmds[] = {
		{ "add", OP_ADD }, { "replace", OP_REPLACE },
		{ "create", OP_CREATE }, { "insert", OP_INSERT },
		{ "delete", OP_DELETE }, { "list", OP_LIST },
		{ "flush", OP_FLUSH },
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++) {
		const struct qt_json *v = qt_json_get(c, cmds[i].key);
		if (!v)
			continue;
		switch (cmds[i].op) {
		case OP_REPLACE:
		case OP_INSERT:
			return cmd_rule_only(t, v, cmds[i].op);
		case OP_LIST:
		case OP_FLUSH:
			return cmd_list_flush(t, v, cmds[i].op);
		default:
			return cmd_objects(t, v, cmds[i].op);
		}
	}
	if (qt_json_get(c, "rename"))
		return cmd_rename(t, qt_json_get(c, "rename"));
	if (qt_json_get(c, "reset"))
		return internal(t, "qtables-nft does not take the reset "
				"command yet.");
	return cmd_objects(t, c, OP_ADD);
}

static int translate(struct tr *t, const struct qt_json *doc)
{
	if (doc->type != QT_JSON_OBJECT)
		return located(t, 1, "Expected object, got %s",
			       qt_json_type_name(doc->type));
	const struct qt_json *cmds;
	if (unpack_keys(t, doc, "{s:o}", "nftables", &cmds) < 0)
		return -1;
	if (cmds->type != QT_JSON_ARRAY)
		return internal(t, "Value of property \"nftables\" must be an "
				"array.");
	for (unsigned i = 0; i < cmds->n; i++) {
		const struct qt_json *c = cmds->items[i];
		if (c->type != QT_JSON_OBJECT)
			return internal(t, "Unexpected command array element of "
					"type %s, expected object.",
					qt_json_type_name(c->type));
		if (qt_json_get(c, "metainfo"))
			continue;
		size_t mark = t->cmds->len;
		if (t->later)
			t->later_mark = t->later->len;
		if (command(t, c) < 0) {
			internal(t, "Parsing command array at index %u failed.",
				 i);
			/* nft evaluates the commands read before */
			if (t->later) {
				qt_buf_truncate(t->later, t->later_mark);
				qt_buf_put(t->err, qt_buf_str(t->later),
					   t->later->len);
			}
			return -1;
		}
		if (t->cmds->len != mark)
			qt_buf_putc(t->cmds, '\n');
	}
	if (t->later && t->later->len) {
		qt_buf_put(t->err, qt_buf_str(t->later), t->later->len);
		return -1;
	}
	return 0;
}

int nft_json_translate(const char *text, size_t len, const char *name,
		       struct qt_buf *cmds, struct qt_buf *err)
{
	struct qt_json *doc = qt_json_parse(text, len, NULL);
	if (!doc)
		return -1;
	struct tr t = { cmds, err, name, text, len, NULL, 0 };
	int rc = translate(&t, doc);
	qt_json_free(doc);
	return rc;
}

/* nft's message for JSON input: the first line of each error, no
 * place in the input. */
static void errors_without_place(const struct qt_buf *native,
				 struct qt_buf *err)
{
	const char *p = qt_buf_str(native), *end = p + native->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		const char *e = strstr(line, "Error: ");
		if (e)
			qt_buf_printf(err, "internal:0:0-0: Error: %s\n\n",
				      e + 7);
		p += n + 1;
	}
}

/* obj's "handle" (an integer, appended; one it has is set). */
static void set_handle(struct qt_json *obj, uint64_t h)
{
	for (unsigned i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], "handle") &&
		    obj->items[i]->type == QT_JSON_INTEGER) {
			obj->items[i]->i = (long long)h;
			return;
		}
	struct qt_json *v = calloc(1, sizeof(*v));
	struct qt_json **items = realloc(obj->items,
					 (obj->n + 1) * sizeof(*items));
	if (items)
		obj->items = items;
	char **keys = realloc(obj->keys, (obj->n + 1) * sizeof(*keys));
	if (keys)
		obj->keys = keys;
	char *k = strdup("handle");
	if (!v || !items || !keys || !k)
		abort();
	v->type = QT_JSON_INTEGER;
	v->i = (long long)h;
	obj->items[obj->n] = v;
	obj->keys[obj->n++] = k;
}

static void drop_key(struct qt_json *obj, const char *key)
{
	for (unsigned i = 0; i < obj->n; i++) {
		if (strcmp(obj->keys[i], key))
			continue;
		free(obj->keys[i]);
		qt_json_free(obj->items[i]);
		memmove(&obj->keys[i], &obj->keys[i + 1],
			(obj->n - i - 1) * sizeof(*obj->keys));
		memmove(&obj->items[i], &obj->items[i + 1],
			(obj->n - i - 1) * sizeof(*obj->items));
		obj->n--;
		return;
	}
}

static const char *str_of(const struct qt_json *o, const char *key,
			  const char *dflt)
{
	const struct qt_json *v = qt_json_get(o, key);
	return v && v->type == QT_JSON_STRING ? v->s : dflt;
}

/* nft -j -e of JSON input: the input again, each table, chain, set,
 * map and rule it made carrying the handle the kernel gave it. */
static void echo_input(struct qt_json *doc, struct nft_ruleset *rs,
		       const struct nft_made *made, struct qt_buf *out)
{
	const struct qt_json *cmds = qt_json_get(doc, "nftables");
	unsigned nrule = 0;
	for (unsigned i = 0; cmds && cmds->type == QT_JSON_ARRAY &&
			     i < cmds->n; i++) {
		const struct qt_json *c = cmds->items[i];
		if (c->type != QT_JSON_OBJECT || c->n != 1 ||
		    (strcmp(c->keys[0], "add") && strcmp(c->keys[0], "create") &&
		     strcmp(c->keys[0], "insert") &&
		     strcmp(c->keys[0], "replace")))
			continue;
		struct qt_json *what = c->items[0];
		if (what->type != QT_JSON_OBJECT || what->n != 1 ||
		    what->items[0]->type != QT_JSON_OBJECT)
			continue;
		const char *kind = what->keys[0];
		struct qt_json *obj = what->items[0];
		if (!strcmp(kind, "rule")) {
			if (nrule >= made->n)
				continue;
			uint64_t h = made->rule_handles[nrule++];
			if (strcmp(c->keys[0], "replace")) {
				set_handle(obj, h);
				continue;
			}
			/* nft 1.0.6 moves a replaced rule's handle out of
			 * the rule, beside it */
			drop_key(obj, "handle");
			set_handle(what, h);
			continue;
		}
		int fam = nft_family_parse(str_of(obj, "family", "ip"));
		bool table = !strcmp(kind, "table");
		struct nft_table *t = fam < 0 ? NULL
			: nft_table_find(rs, fam, str_of(obj, table ? "name"
							   : "table", ""));
		if (!t)
			continue;
		if (table) {
			set_handle(obj, t->handle);
		} else if (!strcmp(kind, "chain")) {
			struct nft_chain *ch = nft_chain_find(t,
						str_of(obj, "name", ""));
			if (ch)
				set_handle(obj, ch->handle);
		} else if (!strcmp(kind, "set") || !strcmp(kind, "map")) {
			struct nft_set *s = nft_set_find(t,
						str_of(obj, "name", ""));
			if (s)
				set_handle(obj, s->handle);
		}
	}
	/* nft writes it without a newline */
	qt_json_dump(doc, out);
}

int nft_json_input_run(struct nft_ruleset **rs, const char *text, size_t len,
		       const struct nft_run_opts *o, struct qt_buf *out,
		       struct qt_buf *err, bool *changed)
{
	struct nft_run_opts jo = *o;
	jo.json = true;
	struct qt_json *doc = qt_json_parse(text, len, NULL);
	if (!doc)
		return nft_run(rs, text, len, &jo, out, err, changed);
	struct qt_buf cmds, native, later;
	qt_buf_init(&cmds);
	qt_buf_init(&native);
	qt_buf_init(&later);
	struct tr t = { &cmds, err, o->file, text, len, &later, 0 };
	int rc = translate(&t, doc);
	qt_buf_free(&later);
	*changed = false;
	struct nft_made made = { NULL, 0 };
	if (rc == 0) {
		/* the commands carry no place in the input: their own
		 * text is what nft_run reads */
		jo.file = NULL;
		jo.from_json = true;
		/* -e shows the input with its handles, not the objects */
		jo.echo = false;
		if (o->echo)
			jo.made = &made;
		rc = nft_run(rs, qt_buf_str(&cmds), cmds.len, &jo, out,
			     &native, changed);
		errors_without_place(&native, err);
		if (rc == 0 && o->echo && !o->check)
			echo_input(doc, *rs, &made, out);
	} else {
		rc = 1;
	}
	free(made.rule_handles);
	qt_json_free(doc);
	qt_buf_free(&cmds);
	qt_buf_free(&native);
	return rc;
}
