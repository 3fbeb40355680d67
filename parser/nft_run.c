/* See nft_run.h. The tree of nft_tree.h is read here: commands, the
 * blocks of tables, chains and sets, and rules whose statements come
 * from the tables of nft_types.h. */
#include "nft_run.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_json_print.h"
#include "nft_print.h"
#include "nft_tree.h"
#include "nft_run_elem.h"
#include "nft_run_expr.h"
#include "nft_ct.h"
#include "nft_run_ct.h"
#include "nft_run_priv.h"

#define MAX_INCLUDE_DEPTH 16

/* ---- error messages as nft prints them ---- */

static const char *line_of(const struct nft_src *s, int line, size_t *len)
{
	const char *p = s->text, *end = s->text + s->len;
	for (int l = 1; l < line && p < end; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((nl ? nl : end) - p);
	return p;
}

static int error_marks(struct run *r, const struct mark *m, unsigned nm,
		       const char *fmt, va_list ap)
{
	const struct mark *main = &m[nm - 1];
	const struct nft_src *s = &r->srcs[main->a.src];
	if (s->name)
		qt_buf_printf(r->err, "%s:%d:%d-%d: ", s->name, main->a.line,
			      main->a.col, main->b.col);
	qt_buf_puts(r->err, "Error: ");
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!strncmp(msg, "Could not process rule:", 23))
		r->kernel_stage = true;
	qt_buf_printf(r->err, "%s\n", msg);
	size_t len;
	const char *line = line_of(s, main->a.line, &len);
	qt_buf_put(r->err, line, len);
	qt_buf_putc(r->err, '\n');
	int width = main->b.col;
	for (unsigned i = 0; i < nm; i++)
		if (m[i].b.col > width)
			width = m[i].b.col;
	char *caret = calloc((size_t)width + 1, 1);
	if (!caret)
		return -1;
	for (int i = 0; i < width; i++)
		caret[i] = (size_t)i < len && line[i] == '\t' ? '\t' : ' ';
	for (unsigned k = 0; k < nm; k++)
		/* a place before the line's start (none known) marks
		 * from its start */
		for (int i = m[k].a.col > 0 ? m[k].a.col - 1 : 0;
		     i < m[k].b.col && i < width; i++)
			caret[i] = m[k].ind;
	int end = width;
	while (end > 0 && caret[end - 1] == ' ')
		end--;
	qt_buf_put(r->err, caret, (size_t)end);
	qt_buf_putc(r->err, '\n');
	free(caret);
	return -1;
}

/* one mark from a to b, on a's line only */
static int error_span_v(struct run *r, const struct nft_loc *a,
			const struct nft_loc *b, const char *fmt, va_list ap)
{
	struct mark m = { *a, *b, '^' };
	if (m.b.line != m.a.line)
		m.b = m.a;
	return error_marks(r, &m, 1, fmt, ap);
}

__attribute__((format(printf, 4, 5)))
int nr_error_span(struct run *r, const struct nft_loc *a,
		      const struct nft_loc *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_span_v(r, a, b, fmt, ap);
	va_end(ap);
	return -1;
}

__attribute__((format(printf, 4, 5)))
int nr_error_multi(struct run *r, const struct mark *m, unsigned nm,
		       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_marks(r, m, nm, fmt, ap);
	va_end(ap);
	return -1;
}

struct nft_loc nr_tok_end(const struct nft_tok *t)
{
	struct nft_loc l = t->loc;
	if (t->kind == NT_GROUP)
		return t->group->close;
	l.line = t->loc.end_line;
	l.col = t->loc.end_col;
	return l;
}

__attribute__((format(printf, 3, 4)))
int nr_error_tok(struct run *r, const struct nft_tok *t,
		     const char *fmt, ...)
{
	struct nft_loc b = nr_tok_end(t);
	va_list ap;
	va_start(ap, fmt);
	error_span_v(r, &t->loc, &b, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- a cursor over a statement's tokens ---- */

struct nft_tok *nr_peek(struct cur *c)
{
	return c->i < c->it->n ? &c->it->toks[c->i] : NULL;
}

struct nft_tok *nr_peek_at(struct cur *c, unsigned k)
{
	return c->i + k < c->it->n ? &c->it->toks[c->i + k] : NULL;
}

bool nr_tok_is(const struct nft_tok *t, const char *w)
{
	return t && (t->kind == NT_WORD || t->kind == NT_PUNCT ||
		     t->kind == NT_OP) && !strcmp(t->text, w);
}

bool nr_at(struct cur *c, const char *w)
{
	return nr_tok_is(nr_peek(c), w);
}

static const char *const keywords[] = {
	"ip", "ip6", "inet", "arp", "bridge", "netdev", "table", "chain",
	"rule", "set", "map", "element", "elements", "ruleset", "tables",
	"chains", "sets", "counter", "accept", "drop", "continue", "return",
	"jump", "goto", "reject", "log", "limit", "notrack", "comment",
	"tcp", "udp", "sctp", "dccp", "icmp", "icmpv6", "th", "meta", "ct",
	"handle", "position", "index", "type", "typeof", "hook", "priority",
	"policy", "flags", "size", "timeout", "mark", "iif", "oif",
	"iifname", "oifname", "add", "create", "insert", "replace", "delete",
	"flush", "list", "define", "include", "quota", "rename",
};

bool nr_is_keyword(const char *w)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(*keywords); i++)
		if (!strcmp(keywords[i], w))
			return true;
	return false;
}

bool nft_name_reads_back(const char *name, bool after_at)
{
	if (!*name || (!after_at && nr_is_keyword(name)))
		return false;
	size_t n = strlen(name);
	char *text = malloc(n + 2);
	if (!text)
		return false;
	text[0] = '@';
	memcpy(text + 1, name, n + 1);
	const char *from = after_at ? text : text + 1;
	struct nft_scan s;
	bool same = false;
	if (nft_tree_parse(from, strlen(from), 0, &s) == 0 && s.root &&
	    s.root->n == 1) {
		const struct nft_item *it = &s.root->items[0];
		unsigned k = after_at ? 1 : 0;
		same = it->n == k + 1 && it->toks[k].kind == NT_WORD &&
		       !strcmp(it->toks[k].text, name);
	}
	nft_group_free(s.root);
	free(text);
	return same;
}

/* How bison names a token in "unexpected X". */
static void tok_desc(const struct nft_tok *t, char *buf, size_t n)
{
	if (!t) {
		snprintf(buf, n, "newline");
		return;
	}
	switch (t->kind) {
	case NT_STRING:
		snprintf(buf, n, "quoted string");
		return;
	case NT_GROUP:
		snprintf(buf, n, "'{'");
		return;
	case NT_OP:
	case NT_PUNCT: {
		/* bison names the tokens nft declares with a name by it,
		 * the single characters it takes literally quoted */
		static const char *const named[][2] = {
			{ ",", "comma" }, { ":", "colon" },
			{ ";", "semicolon" }, { "/", "/" },
		};
		for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
			if (!strcmp(t->text, named[i][0])) {
				snprintf(buf, n, "%s", named[i][1]);
				return;
			}
		snprintf(buf, n, "'%s'", t->text);
		return;
	}
	case NT_WORD:
		break;
	}
	const char *p = t->text;
	while (*p >= '0' && *p <= '9')
		p++;
	if (!*p)
		snprintf(buf, n, "number");
	else if (nr_is_keyword(t->text) || !strcmp(t->text, "mod") ||
		 !strcmp(t->text, "seed") || !strcmp(t->text, "offset"))
		/* (mod, seed and offset are nft's tokens, though names
		 * may be spelt so) */
		snprintf(buf, n, "%s", t->text);
	else
		snprintf(buf, n, "string");
}

/* The character of src at l. */
static char nr_src_char(const struct nft_src *src, const struct nft_loc *l)
{
	size_t len;
	const char *line = line_of(src, l->line, &len);
	return l->col >= 1 && (size_t)l->col <= len ? line[l->col - 1] : '\n';
}

const char *nr_end_desc(const struct cur *c)
{
	const struct nft_item *it = c->it;
	if (it && it->terminated && it->term.line == c->end.line &&
	    it->term.col == c->end.col &&
	    nr_src_char(&c->r->srcs[it->term.src], &it->term) == ';')
		return "semicolon";
	return "newline";
}

int nr_unexpected(struct cur *c, const char *expecting)
{
	struct nft_tok *t = nr_peek(c);
	char d[64];
	if (t)
		tok_desc(t, d, sizeof(d));
	else
		snprintf(d, sizeof(d), "%s", nr_end_desc(c));
	/* in a chain block a rule ends at a newline or ';' alone */
	if (c->block && expecting &&
	    !strcmp(expecting, "end of file or newline or semicolon"))
		expecting = "newline or semicolon";
	const char *sep = expecting ? ", expecting " : "";
	if (!t || t->kind == NT_GROUP) {
		/* bison's token is the "{" alone, not the block */
		const struct nft_loc *l = t ? &t->loc : &c->end;
		return nr_error_span(c->r, l, l, "syntax error, unexpected %s%s%s",
				     d, sep, expecting ? expecting : "");
	}
	return nr_error_tok(c->r, t, "syntax error, unexpected %s%s%s", d, sep,
			 expecting ? expecting : "");
}

/* A name (table, chain, set): a word that is no keyword. A quoted
 * string only in the commands JSON input is said in and in qtables'
 * own listing (the state file), which quote what nft's words cannot
 * say; nft's parser takes none (expecting: what it says it expected
 * there). */
struct nft_tok *nr_take_name_as(struct cur *c, const char *expecting)
{
	struct nft_tok *t = nr_peek(c);
	bool quoted_ok = c->r->o &&
			 (c->r->o->from_json || c->r->o->own_listing);
	if (!t || !((t->kind == NT_WORD && !nr_is_keyword(t->text)) ||
		    (t->kind == NT_STRING && quoted_ok))) {
		nr_unexpected(c, expecting);
		return NULL;
	}
	c->i++;
	return t;
}

struct nft_tok *nr_take_name(struct cur *c)
{
	return nr_take_name_as(c, "string");
}

/* nft's limits on names (the kernel's NFT_NAME_MAXLEN, 256 bytes with
 * the terminating NUL): a longer name of a table, chain, set or object
 * is refused by nft's parser; one of exactly 256 by the kernel (its
 * ERANGE), or, for a listing, by the cache nft fills first. lookup:
 * the name is only looked up in that cache (a set's name in an element
 * command), which does not find it. */
#define NFT_NAME_MAX 256

static int check_name_len(struct cur *c, const struct nft_tok *t, bool lookup)
{
	size_t n = strlen(t->text);
	if (n > NFT_NAME_MAX)
		return nr_error_tok(c->r, t, "name too long, %d characters "
				    "maximum allowed", NFT_NAME_MAX);
	if (n < NFT_NAME_MAX || lookup)
		return 0;
	if (c->it->n && nr_tok_is(&c->it->toks[0], "list")) {
		qt_buf_puts(c->r->err, "netlink: Error: cache initialization "
			    "failed: Numerical result out of range\n");
		return -1;
	}
	return nr_error_tok(c->r, t, "Could not process rule: Numerical "
			    "result out of range");
}

struct nft_tok *nr_take_spec_name_as(struct cur *c, const char *expecting)
{
	struct nft_tok *t = nr_take_name_as(c, expecting);
	return t && check_name_len(c, t, false) < 0 ? NULL : t;
}

struct nft_tok *nr_take_spec_name(struct cur *c)
{
	return nr_take_spec_name_as(c, "string");
}

/* A name an element command looks its set (and table) up by. */
static struct nft_tok *take_lookup_name(struct cur *c)
{
	struct nft_tok *t = nr_take_name(c);
	return t && check_name_len(c, t, true) < 0 ? NULL : t;
}

/* nft's limit on comments (NFTNL_UDATA_COMMENT_MAXLEN), checked by its
 * parser. */
#define NFT_COMMENT_MAX 128

int nr_check_comment(struct run *r, const struct nft_tok *t)
{
	if (strlen(t->text) <= NFT_COMMENT_MAX)
		return 0;
	return nr_error_tok(r, t, "comment too long, %d characters maximum "
			    "allowed", NFT_COMMENT_MAX);
}

int nr_expect_end(struct cur *c)
{
	if (!nr_peek(c))
		return 0;
	return nr_unexpected(c, "end of file or newline or semicolon");
}

/* ---- names and suggestions ---- */

/* The distance nft's misspelling check measures: an edit distance
 * with transpositions whose characters are read one place on (the
 * first ones never compared, the terminating NULs compared). Kept as
 * nft computes it, since it decides which names nft suggests. */
static unsigned distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), w = lb + 1;
	unsigned *d = calloc((la + 1) * w, sizeof(*d));
	if (!d)
		return ~0u;
#define D(i, j) d[(i) * w + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned sub = a[i] != b[j];
			unsigned best = D(i - 1, j - 1) + sub;
			if (D(i - 1, j) + 1 < best)
				best = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < best)
				best = D(i, j - 1) + 1;
			if (i > 1 && j > 1 && a[i] == b[j - 1] &&
			    a[i - 1] == b[j] && D(i - 2, j - 2) + sub < best)
				best = D(i - 2, j - 2) + sub;
			D(i, j) = best;
		}
	unsigned r = D(la, lb);
#undef D
	free(d);
	return r;
}

bool nr_is_number(const struct nft_tok *t)
{
	const char *p = t->text;
	while (*p >= '0' && *p <= '9')
		p++;
	return t->kind == NT_WORD && *t->text && !*p;
}

/* Close enough to suggest, by nft's thresholds. */
bool nr_similar(const char *a, const char *b, unsigned *best)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t max = la > lb ? la : lb, min = la < lb ? la : lb;
	if (max <= 1 || !strcmp(a, b))
		return false;
	unsigned limit = max - min <= 1 ? (unsigned)((max + 2) / 3)
					: (unsigned)((max + 4) / 3);
	if (!limit)
		limit = 1;
	unsigned d = distance(a, b);
	if (d > limit || d >= *best)
		return false;
	*best = d;
	return true;
}

static int no_table(struct run *r, const struct nft_tok *name, bool kernel)
{
	const struct nft_table *hit = NULL;
	unsigned best = ~0u;
	for (unsigned i = 0; i < r->rs->ntables; i++)
		if (nr_similar(name->text, r->rs->tables[i].name, &best))
			hit = &r->rs->tables[i];
	if (hit)
		return nr_error_tok(r, name, "No such file or directory; did you "
				 "mean table \xe2\x80\x98%s\xe2\x80\x99 in family %s?",
				 hit->name, nft_family_name(hit->family));
	return nr_error_tok(r, name, "%s", kernel ? ENOENT_KERNEL
						: "No such file or directory");
}

/* No KIND named as marked (a to b) in table t: plain, or where t
 * holds one of a name near it (hit), nft's question */
static int no_in_table(struct run *r, const struct nft_table *t,
		       const struct nft_loc *a, const struct nft_loc *b,
		       const char *kind, const char *hit, const char *plain)
{
	if (hit)
		return nr_error_span(r, a, b, "No such file or directory; did "
				     "you mean %s \xe2\x80\x98%s\xe2\x80\x99 in "
				     "table %s \xe2\x80\x98%s\xe2\x80\x99?", kind,
				     hit, nft_family_name(t->family), t->name);
	return nr_error_span(r, a, b, "%s", plain);
}

static int no_chain(struct run *r, const struct nft_table *t,
		    const struct nft_tok *name, const char *plain)
{
	const char *hit = NULL;
	unsigned best = ~0u;
	for (unsigned i = 0; i < t->nchains; i++)
		if (nr_similar(name->text, t->chains[i].name, &best))
			hit = t->chains[i].name;
	struct nft_loc b = nr_tok_end(name);
	return no_in_table(r, t, &name->loc, &b, "chain", hit, plain);
}

/* no set name in t, marked from a to b: nft looks for a set of a
 * name near it in every table (in the order listed) */
static int no_set_at(struct run *r, const struct nft_table *t,
		     const struct nft_loc *a, const struct nft_loc *b,
		     const char *name, const char *plain)
{
	const char *hit = NULL;
	const struct nft_table *ht = t;
	unsigned best = ~0u;
	for (unsigned k = 0; k < r->rs->ntables; k++) {
		const struct nft_table *x = &r->rs->tables[k];
		for (unsigned i = 0; i < x->nsets; i++)
			if (nr_similar(name, x->sets[i].name, &best)) {
				hit = x->sets[i].name;
				ht = x;
			}
	}
	return no_in_table(r, ht, a, b, "set", hit, plain);
}

static int no_set(struct run *r, const struct nft_table *t,
		  const struct nft_tok *name, const char *plain)
{
	struct nft_loc b = nr_tok_end(name);
	return no_set_at(r, t, &name->loc, &b, name->text, plain);
}

/* [family] NAME */
static int take_family(struct cur *c)
{
	struct nft_tok *t = nr_peek(c);
	if (t && t->kind == NT_WORD) {
		int f = nft_family_parse(t->text);
		if (f >= 0) {
			c->i++;
			return f;
		}
	}
	return NFT_F_IP;
}

/* ---- values ---- */

/* An IPv6 address with a colon and more after it in a rule
 * (1:2:3:4:5:6:7:8:9): nft's scanner ends the address before that
 * colon, which its grammar then finds where the rule should end. */
static int ip6_colon_after(struct cur *c, const struct nft_tok *t)
{
	const struct nft_tok *first = &c->it->toks[0];
	size_t at = nr_ip6_scan_end(t->text);
	if (!at || t->text[at] != ':' ||
	    !(nr_tok_is(first, "add") || nr_tok_is(first, "insert") ||
	      nr_tok_is(first, "replace") || nr_tok_is(first, "create")))
		return 0;
	struct nft_loc l = t->loc;
	l.col += (int)at;
	l.end_line = l.line;
	l.end_col = l.col;
	return nr_error_span(c->r, &l, &l, "syntax error, unexpected colon, "
			     "expecting end of file or newline or semicolon");
}

unsigned nr_field_width(const struct nft_field *f)
{
	const struct nft_dtype *ty = nft_dtype_get(f->type);
	return (ty->id == NFT_T_INTEGER || ty->id == NFT_T_RAW) &&
	       f->bits < ty->bits ? f->bits : 0;
}

/* a number as nft reads one (0x.., 0.., decimal): 0, or -1 if w is
 * something else */
static int word_uint(const char *w, size_t n, uint64_t *x)
{
	char buf[64], *end;
	if (!n || n >= sizeof(buf) || *w < '0' || *w > '9')
		return -1;
	memcpy(buf, w, n);
	buf[n] = '\0';
	errno = 0;
	*x = strtoull(buf, &end, 0);
	return *end || errno ? -1 : 0;
}

int nr_check_width(struct run *r, const struct nft_tok *t, unsigned bits)
{
	if (!bits || bits >= 64 || t->kind != NT_WORD)
		return 0;
	uint64_t max = (1ull << bits) - 1;
	const char *w = t->text, *d = strchr(w, '-');
	size_t n = d ? (size_t)(d - w) : strlen(w);
	uint64_t lo, hi;
	struct nft_loc a = t->loc, b = nr_tok_end(t);
	if (word_uint(w, n, &lo) < 0)
		return 0;
	if (!d || a.line != b.line) {
		if (d || lo <= max)
			return 0;
		hi = lo;
	} else if (lo > max) {
		/* the caret under the end that is too wide */
		b.col = a.col + (int)n - 1;
		hi = lo;
	} else {
		if (word_uint(d + 1, strlen(d + 1), &hi) < 0 || hi <= max)
			return 0;
		a.col += (int)n + 1;
	}
	return nr_error_span(r, &a, &b, "Value %llu exceeds valid range "
			     "0-%llu", (unsigned long long)hi,
			     (unsigned long long)max);
}

/* The length of an IPv4 address that starts w and is followed by a
 * prefix or a range, else 0. */
static size_t leading_ipv4(const char *w)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		size_t d = 0;
		while (w[i] >= '0' && w[i] <= '9' && d < 3) {
			i++;
			d++;
		}
		if (!d || (part < 3 && w[i++] != '.'))
			return 0;
	}
	return w[i] == '/' || w[i] == '-' ? i : 0;
}

int nr_parse_value_word(struct cur *c, const struct nft_tok *t,
			    const struct nft_dtype *ty, struct nft_elem *e)
{
	struct qt_buf msg;
	qt_buf_init(&msg);
	memset(e, 0, sizeof(*e));
	e->kind = NFT_E_VALUE;
	int rc = 0;
	const char *w = t->text;
	if (t->kind != NT_WORD && t->kind != NT_STRING) {
		qt_buf_free(&msg);
		return nr_unexpected(c, NULL);
	}
	if (ty->id == NFT_T_IPV6 && t->kind == NT_WORD &&
	    ip6_colon_after(c, t) < 0) {
		qt_buf_free(&msg);
		return -1;
	}
	const char *slash = t->kind == NT_WORD ? strchr(w, '/') : NULL;
	/* a mark takes a prefix too (meta mark 0xffffff00/24: the kernel
	 * masks and compares), though its ranges list as ranges */
	if (slash && (ty->prefixable || ty->id == NFT_T_MARK)) {
		char addr[64];
		size_t n = (size_t)(slash - w);
		char *end;
		unsigned long plen = strtoul(slash + 1, &end, 10);
		if (n >= sizeof(addr) || *end || !slash[1]) {
			rc = nr_error_tok(c->r, t, "syntax error, unexpected "
				       "string");
			goto out;
		}
		memcpy(addr, w, n);
		addr[n] = '\0';
		if (nft_val_parse(ty, addr, &e->lo, &msg) < 0) {
			rc = nr_error_tok(c->r, t, "%s", qt_buf_str(&msg));
			goto out;
		}
		if (plen > ty->bits) {
			rc = nr_error_tok(c->r, t, "Prefix length %lu is invalid "
				       "for type of %u bits width", plen,
				       ty->bits);
			goto out;
		}
		e->kind = NFT_E_PREFIX;
		e->plen = (uint8_t)plen;
		struct nft_val v = e->lo;
		nft_val_prefix(&v, (unsigned)plen, false, &e->lo);
		nft_val_prefix(&v, (unsigned)plen, true, &e->hi);
		goto out;
	}
	if (nft_val_parse(ty, w, &e->lo, &msg) == 0)
		goto out;
	/* a range: the first '-' that splits it into two values */
	for (const char *d = strchr(w, '-'); t->kind == NT_WORD && d;
	     d = strchr(d + 1, '-')) {
		char lo[128];
		size_t n = (size_t)(d - w);
		if (!n || n >= sizeof(lo))
			continue;
		memcpy(lo, w, n);
		lo[n] = '\0';
		/* a name and what follows its '-' are one word to nft's
		 * scanner, which a classid reads as none: never a range
		 * (a word with a colon after it is its syntax error) */
		if (ty->id == NFT_T_TCHANDLE &&
		    (isalpha((unsigned char)lo[0]) || lo[0] == '_') &&
		    !strchr(lo, ':'))
			continue;
		struct qt_buf junk;
		qt_buf_init(&junk);
		bool ok = nft_val_parse(ty, lo, &e->lo, &junk) == 0 &&
			  nft_val_parse(ty, d + 1, &e->hi, &junk) == 0;
		qt_buf_free(&junk);
		if (!ok)
			continue;
		if (nft_val_cmp(&e->lo, &e->hi) > 0) {
			rc = nr_error_tok(c->r, t, "Range has zero or negative "
				       "size");
			goto out;
		}
		e->kind = NFT_E_RANGE;
		goto out;
	}
	/* (a classid's major of up to 4 hex digits is no name) */
	const char *name_colon = strchr(w, ':');
	size_t hex = strspn(w, "0123456789abcdefABCDEF");
	if (ty->id == NFT_T_TCHANDLE && t->kind == NT_WORD && name_colon &&
	    (isalpha((unsigned char)*w) || *w == '_') &&
	    !(hex && hex <= 4 && w[hex] == ':') &&
	    t->loc.line == t->loc.end_line) {
		/* nft's scanner reads a name (a classid's none) up to
		 * the colon, which its grammar then finds where the rule
		 * should end */
		struct nft_loc l = t->loc;
		l.col += (int)(name_colon - w);
		l.end_col = l.col;
		rc = nr_error_span(c->r, &l, &l, "syntax error, unexpected "
				   "colon, expecting end of file or newline "
				   "or semicolon");
		goto out;
	}
	if (ty->id == NFT_T_ETHERADDR && t->kind == NT_WORD &&
	    strlen(w) > 17 && w[17] == ':' && t->loc.line == t->loc.end_line) {
		/* nft's scanner reads the address, then a colon */
		struct nft_loc l = t->loc;
		l.col += 17;
		l.end_col = l.col;
		rc = nr_error_span(c->r, &l, &l, "syntax error, unexpected "
				   "colon, expecting end of file or newline "
				   "or semicolon");
		goto out;
	}
	size_t a4 = t->kind == NT_WORD ? leading_ipv4(w) : 0;
	if (a4 && t->loc.line == t->loc.end_line) {
		/* nft's scanner reads the address alone (1.2.3.0/24,
		 * 1.2.3.0-1.2.3.5), and marks it alone */
		struct nft_loc b = t->loc;
		b.col = t->loc.col + (int)a4 - 1;
		rc = nr_error_span(c->r, &t->loc, &b, "%s", qt_buf_str(&msg));
		goto out;
	}
	rc = nr_error_tok(c->r, t, "%s", qt_buf_str(&msg));
out:
	qt_buf_free(&msg);
	return rc;
}

/* Element arrays built here start empty and are only pushed to: their
 * capacity is the power of two at or above their count (see
 * nft_tree.c), so 10,000 elements are not copied 10,000 times. */
void nr_push_elem(struct nft_elem **v, unsigned *n, const struct nft_elem *e)
{
	if (!*n || !(*n & (*n - 1))) {
		struct nft_elem *x = realloc(*v, (*n ? 2 * (size_t)*n : 1) *
						 sizeof(*x));
		if (!x)
			abort();
		*v = x;
	}
	(*v)[(*n)++] = *e;
}

/* ---- rules ---- */

struct nft_stmt *nr_add_stmt(struct rule_build *rb, enum nft_stmt_kind k,
				 const struct nft_tok *first)
{
	struct nft_rule *r = &rb->rule;
	struct nft_stmt *v = realloc(r->stmts, (r->n + 1) * sizeof(*v));
	struct span *s = realloc(rb->spans, (r->n + 1) * sizeof(*s));
	if (!v || !s)
		abort();
	r->stmts = v;
	rb->spans = s;
	memset(&v[r->n], 0, sizeof(*v));
	v[r->n].kind = k;
	v[r->n].level = -1;
	s[r->n].a = first->loc;
	s[r->n].b = s[r->n].end = nr_tok_end(first);
	return &v[r->n++];
}

void nr_stmt_end(struct rule_build *rb, struct cur *c)
{
	if (c->i > 0)
		rb->spans[rb->rule.n - 1].b = rb->spans[rb->rule.n - 1].end =
			nr_tok_end(&c->it->toks[c->i - 1]);
}

char *nr_xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

int nr_parse_u64(struct cur *c, uint64_t *v)
{
	struct nft_tok *t = nr_peek(c);
	char *end;
	if (!t || t->kind != NT_WORD || !(*t->text >= '0' && *t->text <= '9'))
		return nr_unexpected(c, "number");
	errno = 0;
	*v = strtoull(t->text, &end, 0);
	if (*end || errno)
		return nr_unexpected(c, "number");
	c->i++;
	return 0;
}

static const char *l4_desc_name(int p);
static bool is_l4_ctx_key(const struct nft_table *tb,
			  const struct nft_field *f);
static bool single_eq(const struct nft_stmt *s);
static int check_protocols(struct run *r, const struct nft_table *tb,
			   const struct rule_build *rb, unsigned upto);

/* The protocols a rule has settled on before statement upto, as nft's
 * evaluation carries them from left to right, and the statements that
 * settled them (-1: none, or the table's family). */
struct proto_ctx {
	int l3;                      /* 0, 4 or 6 */
	int l3_at;
	int l4;                      /* -1: none */
	int l4_at;
};

static void rule_proto_ctx(const struct nft_table *tb,
			   const struct rule_build *rb, unsigned upto,
			   struct proto_ctx *x)
{
	x->l3 = tb->family == NFT_F_IP ? 4 : tb->family == NFT_F_IP6 ? 6 : 0;
	x->l3_at = x->l4 = x->l4_at = -1;
	for (unsigned i = 0; i < upto; i++) {
		const struct nft_stmt *s = &rb->rule.stmts[i];
		if (s->kind != NFT_S_MATCH || s->lhs != NFT_L_FIELD)
			continue;
		const struct nft_field *f = s->field;
		/* where the family was settled: a meta nfproto compare,
		 * else the first header of the family (one of the family
		 * settled leaves it where it was) */
		int l3 = 0;
		bool meta = false;
		if (f->dep == NFT_DEP_IPV4 || f->dep == NFT_DEP_IPV6)
			l3 = f->dep == NFT_DEP_IPV4 ? 4 : 6;
		if (!strcmp(f->proto, "meta") && !strcmp(f->name, "nfproto") &&
		    single_eq(s) && (s->elems[0].lo.b[0] == 2 ||
				     s->elems[0].lo.b[0] == 10)) {
			l3 = s->elems[0].lo.b[0] == 2 ? 4 : 6;
			meta = true;
		}
		if (l3 && (meta || l3 != x->l3 || x->l3_at < 0)) {
			x->l3 = l3;
			x->l3_at = (int)i;
		}
		if (f->dep == NFT_DEP_L4) {
			x->l4 = f->l4proto;
			x->l4_at = (int)i;
		}
		if (is_l4_ctx_key(tb, f) && single_eq(s)) {
			x->l4 = s->elems[0].lo.b[0];
			x->l4_at = (int)i;
		}
	}
}

/* A dependency as nft marks it in an error: a field alone, a compare
 * of meta (nfproto, l4proto) or of a protocol key whole. */
static struct mark dep_mark(const struct nft_table *tb,
			    const struct rule_build *rb, int at)
{
	const struct nft_stmt *s = &rb->rule.stmts[at];
	const struct span *sp = &rb->spans[at];
	bool whole = !strcmp(s->field->proto, "meta") ||
		     is_l4_ctx_key(tb, s->field);
	return (struct mark){ sp->a, whole ? sp->end : sp->b, '~' };
}

/* An inet rule's reject with the port-unreachable of the family it
 * settled on is its default reject (what a listing of one reads back
 * as): one the walk runs for either family. */
static void default_of_family(struct nft_stmt *s, bool by_family, int l3)
{
	if (by_family || !l3)
		return;
	if ((s->reject == NFT_R_ICMP && l3 == 4 && s->code == 3) ||
	    (s->reject == NFT_R_ICMPV6 && l3 == 6 && s->code == 4)) {
		s->reject = NFT_R_DEFAULT;
		s->code = 0;
		s->reject_l3 = (uint8_t)l3;
	}
}

static int parse_reject(struct cur *c, const struct nft_table *tb,
			struct rule_build *rb, const struct nft_tok *reject)
{
	struct nft_stmt *s = &rb->rule.stmts[rb->rule.n - 1];
	/* nft evaluates the statements before reject first */
	if (check_protocols(c->r, tb, rb, rb->rule.n - 1) < 0)
		return -1;
	struct proto_ctx x;
	rule_proto_ctx(tb, rb, rb->rule.n - 1, &x);
	bool by_family = tb->family == NFT_F_IP || tb->family == NFT_F_IP6;
	s->reject = NFT_R_DEFAULT;
	if (!nr_at(c, "with")) {
		/* the kernel answers what the rule settled on with
		 * icmp's or icmpv6's port-unreachable, nft lists it so */
		if (!by_family && x.l3)
			s->reject_l3 = (uint8_t)x.l3;
		return 0;
	}
	c->i++;
	enum nft_dtype_id codes;
	if (nr_at(c, "tcp")) {
		c->i++;
		if (!nr_at(c, "reset"))
			return nr_unexpected(c, "reset");
		c->i++;
		s->reject = NFT_R_TCP_RESET;
		if (l4_desc_name(x.l4) && x.l4 != 6) {
			struct mark m[2] = {
				dep_mark(tb, rb, x.l4_at),
				{ reject->loc, nr_tok_end(reject), '^' },
			};
			return nr_error_multi(c->r, m, 2, "you cannot use tcp "
					   "reset with this protocol");
		}
		return 0;
	} else if (nr_at(c, "icmp")) {
		s->reject = NFT_R_ICMP;
		codes = NFT_T_ICMP_CODE;
	} else if (nr_at(c, "icmpv6")) {
		s->reject = NFT_R_ICMPV6;
		codes = NFT_T_ICMPV6_CODE;
	} else if (nr_at(c, "icmpx")) {
		s->reject = NFT_R_ICMPX;
		codes = NFT_T_ICMPX_CODE;
	} else {
		return nr_unexpected(c, NULL);
	}
	struct nft_tok *kind = nr_peek(c);
	c->i++;
	if (nr_at(c, "type"))
		c->i++;
	struct nft_tok *t = nr_peek(c);
	if (!t)
		return nr_unexpected(c, NULL);
	struct nft_elem e;
	if (nr_parse_value_word(c, t, nft_dtype_get(codes), &e) < 0)
		return -1;
	s->code = e.lo.b[0];
	c->i++;
	(void)kind;
	struct mark m[2] = {
		{ reject->loc, nr_tok_end(reject), '~' },
		{ t->loc, nr_tok_end(t), '^' },
	};
	if (s->reject == NFT_R_ICMPX && by_family)
		return nr_error_multi(c->r, m, 2, "abstracted ICMP "
				   "unreachable not supported");
	if ((s->reject == NFT_R_ICMP && x.l3 == 6) ||
	    (s->reject == NFT_R_ICMPV6 && x.l3 == 4)) {
		if (!by_family && x.l3_at >= 0)
			m[0] = dep_mark(tb, rb, x.l3_at);
		/* nft names the pair in this order whichever it is */
		return nr_error_multi(c->r, m, 2, "conflicting protocols "
				   "specified: ip vs ip6");
	}
	default_of_family(s, by_family, x.l3);
	return 0;
}

/* The bridge's port names: the kernel refuses them in other families. */
static bool bridge_only(const struct nft_table *tb, const struct nft_field *f)
{
	return tb->family != NFT_F_BRIDGE && f->base == NFT_B_META &&
	       (!strcmp(f->name, "ibrname") || !strcmp(f->name, "obrname"));
}

/* meta keys a statement sets besides the mark (nft's meta set): the
 * tc priority and the packet type */
static bool meta_settable(const struct nft_field *f)
{
	return f->base == NFT_B_META &&
	       (f->type == NFT_T_TCHANDLE || f->type == NFT_T_PKTTYPE);
}

/* FIELD set SRC [OP VALUE]: nft takes a source of the field's type,
 * or an integer (numgen, meta length, a header's number with an
 * operation on it), but a header's number alone only of the field's
 * width; anything else is its "datatype mismatch" over the statement
 * (tokens from start), the source's expression (from at) marked. 0 or
 * -1 (the error reported). */
static int set_src_mismatch(struct cur *c, const struct nft_field *f,
			    const struct nft_field *src, bool op,
			    unsigned start, unsigned at)
{
	const struct nft_dtype *want = nft_dtype_get(f->type);
	const struct nft_dtype *has = nft_dtype_get(src->type);
	bool integer = has->id == NFT_T_INTEGER || has->id == NFT_T_RAW;
	bool header = src->base != NFT_B_META && src->base != NFT_B_CT;
	if (src->type == f->type ||
	    (integer && (op || !header || src->bits == want->bits)))
		return 0;
	struct mark m[2] = {
		{ c->it->toks[start].loc, nr_tok_end(&c->it->toks[c->i - 1]),
		  '~' },
		{ c->it->toks[at].loc, nr_tok_end(&c->it->toks[c->i - 1]),
		  '^' },
	};
	if (integer)
		return nr_error_multi(c->r, m, 2, "datatype mismatch: expected "
				      "%s, expression has type integer with "
				      "length %u", want->desc, src->bits);
	return nr_error_multi(c->r, m, 2, "datatype mismatch: expected %s, "
			      "expression has type %s", want->desc, has->desc);
}

/* PROTO FIELD, meta KEY, ct KEY, or a bare meta key: the field, or
 * NULL (with an error when err). */
/* @th,OFFSET,LENGTH and @nh,...: a raw payload. th's ports are its
 * named fields, as nft lists them. */
static const struct nft_field *raw_selector(struct cur *c)
{
	struct nft_tok *at = nr_peek(c), *w[5];
	for (unsigned k = 0; k < 5; k++) {
		w[k] = nr_peek_at(c, 1 + k);
		if (!w[k] || ((k % 2) ? !nr_tok_is(w[k], ",")
				      : w[k]->kind != NT_WORD)) {
			c->i += 1 + k;
			nr_unexpected(c, !k ? "string or ll or nh or th"
					 : (k % 2) ? "comma" : "number");
			return NULL;
		}
	}
	enum nft_base base;
	if (!strcmp(w[0]->text, "th"))
		base = NFT_B_TRANSPORT;
	else if (!strcmp(w[0]->text, "nh"))
		base = NFT_B_NETWORK;
	else {
		nr_error_tok(c->r, w[0], "qtables cannot run a raw payload "
			     "of base %s", w[0]->text);
		return NULL;
	}
	char *e1, *e2;
	unsigned long off = strtoul(w[2]->text, &e1, 10);
	unsigned long len = strtoul(w[4]->text, &e2, 10);
	if (*e1 || *e2) {
		c->i += *e1 ? 3 : 5;
		nr_unexpected(c, "number");
		return NULL;
	}
	const struct nft_field *f = off <= 0xffff && len <= 32
		? nft_field_raw(base, (unsigned)off, (unsigned)len) : NULL;
	if (!f) {
		struct nft_loc b = nr_tok_end(w[4]);
		nr_error_span(c->r, &at->loc, &b, "qtables cannot run a raw "
			      "payload that is not whole bytes, at most 32 "
			      "bits");
		return NULL;
	}
	c->i += 6;
	if (base == NFT_B_TRANSPORT && len == 16 && (off == 0 || off == 16))
		return nft_field_find("th", off ? "dport" : "sport");
	return f;
}

const struct nft_field *nr_parse_selector(struct cur *c)
{
	struct nft_tok *t = nr_peek(c);
	if (nr_tok_is(t, "@"))
		return raw_selector(c);
	if (!t || t->kind != NT_WORD)
		return NULL;
	if (!strcmp(t->text, "ct"))
		return nr_ct_selector(c);
	if (!strcmp(t->text, "sctp") && nr_tok_is(nr_peek_at(c, 1), "chunk"))
		return nr_sctp_selector(c);
	if (nft_field_proto_known(t->text)) {
		struct nft_tok *f = nr_peek_at(c, 1);
		c->i++;
		if (!f || f->kind != NT_WORD) {
			nr_unexpected(c, NULL);
			return NULL;
		}
		const struct nft_field *fd = nft_field_find(t->text, f->text);
		if (!fd) {
			nr_unexpected(c, NULL);
			return NULL;
		}
		c->i++;
		return fd;
	}
	const struct nft_field *fd = nft_field_find(NULL, t->text);
	if (fd)
		c->i++;
	return fd;
}

static const char *const op_words[] = { "==", "!=", "<", ">", "<=", ">=",
					"!" };
/* the same as nft's keywords */
static const char *const op_names[] = { "eq", "ne", "lt", "gt", "le", "ge" };

/* The operator t names as a word (eq, ne, ...), or -1. */
static int op_name(const struct nft_tok *t)
{
	for (int i = 0; t && t->kind == NT_WORD && i < 6; i++)
		if (!strcmp(t->text, op_names[i]))
			return i;
	return -1;
}

/* A range word A-B of meta hour or day whose end is not after its start:
 * nft takes it as the day (week) wrapping, the range the other way
 * round and the compare inverted (1), and an empty one as a range of
 * one value (-1); -2 for days' names joined by '-', which nft cannot
 * parse; 0 for any other word. */
static int day_range_word(const struct nft_tok *t, const struct nft_dtype *ty,
			  struct nft_elem *e)
{
	if (t->kind != NT_WORD)
		return 0;
	/* nft reads Friday-Monday as one word, no day's name */
	if (ty->id == NFT_T_DAY && strchr(t->text, '-'))
		for (const char *p = t->text; *p; p++)
			if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
				return -2;
	for (const char *d = strchr(t->text, '-'); d; d = strchr(d + 1, '-')) {
		char lo[64];
		size_t n = (size_t)(d - t->text);
		if (!n || n >= sizeof(lo))
			continue;
		memcpy(lo, t->text, n);
		lo[n] = '\0';
		struct qt_buf junk;
		qt_buf_init(&junk);
		memset(e, 0, sizeof(*e));
		bool ok = nft_val_parse(ty, lo, &e->lo, &junk) == 0 &&
			  nft_val_parse(ty, d + 1, &e->hi, &junk) == 0;
		qt_buf_free(&junk);
		if (!ok)
			continue;
		int cmp = nft_val_cmp(&e->lo, &e->hi);
		if (cmp < 0)
			return 0;
		e->kind = NFT_E_RANGE;
		if (!cmp)
			return -1;
		struct nft_val x = e->lo;
		e->lo = e->hi;
		e->hi = x;
		return 1;
	}
	return 0;
}

int nr_parse_match(struct cur *c, const struct nft_table *tb,
		       struct nft_stmt *s, struct nft_loc sel_a,
		       struct nft_loc sel_b)
{
	const struct nft_dtype *ty = nft_dtype_get(s->field->type);
	struct nft_tok *t = nr_peek(c);
	s->op = NFT_OP_EQ;
	if (t && (t->kind == NT_OP || nr_tok_is(t, "!"))) {
		int op = -1;
		for (int i = 0; i < 7; i++)
			if (!strcmp(t->text, op_words[i]))
				op = i;
		/* ! tests a bitmask's flags */
		if (op < 0 || (op == NFT_OP_NEG && !ty->bitmask))
			return nr_unexpected(c, NULL);
		s->op = (enum nft_op)op;
		s->exact = op == NFT_OP_EQ && ty->bitmask;
		c->i++;
		t = nr_peek(c);
	} else if (op_name(t) >= 0) {
		s->op = (enum nft_op)op_name(t);
		c->i++;
		t = nr_peek(c);
	}
	if (!t)
		return nr_unexpected(c, NULL);
	if (nr_tok_is(t, "@")) {
		struct nft_tok *n = nr_peek_at(c, 1);
		if (!n || n->kind != NT_WORD || nr_is_number(n)) {
			c->i++;
			return nr_unexpected(c, "string");
		}
		struct nft_table *mt = (struct nft_table *)tb;
		struct nft_set *set = nft_set_find(mt, n->text);
		if (!set) {
			struct nft_loc b = nr_tok_end(n);
			return no_set_at(c->r, tb, &t->loc, &b, n->text,
					 "No such file or directory");
		}
		if (set->type->id != ty->id || set->nktypes > 1) {
			char have[256];
			nr_key_desc(set->nktypes > 1 ? set->ktypes : &set->type,
				    set->nktypes > 1 ? set->nktypes : 1, have,
				    sizeof(have));
			struct mark m[2] = {
				{ sel_a, sel_b, '~' },
				{ t->loc, nr_tok_end(n), '^' },
			};
			return nr_error_multi(c->r, m, 2, "datatype mismatch, "
					   "expected %s, expression has type %s",
					   ty->desc, have);
		}
		s->set_name = nr_xstrdup(n->text);
		c->i += 2;
		return 0;
	}
	if (t->kind == NT_GROUP) {
		s->braces = true;
		c->i++;
		return nr_parse_group_elems_w(c->r, t, ty,
					      nr_field_width(s->field),
					      &s->elems, &s->nelems);
	}
	struct nft_elem e;
	if (ty->id == NFT_T_HOUR || ty->id == NFT_T_DAY) {
		int w = day_range_word(t, ty, &e);
		if (w == -2)
			return nr_error_tok(c->r, t, "Could not parse %s",
					    ty->desc);
		if (w) {
			if (w > 0)
				s->op = s->op == NFT_OP_EQ ? NFT_OP_NE : NFT_OP_EQ;
			c->i++;
			goto have;
		}
	}
	if (nr_check_width(c->r, t, nr_field_width(s->field)) < 0 ||
	    nr_parse_value_word(c, t, ty, &e) < 0)
		return -1;
	c->i++;
	/* "A"-"B": a range of quoted values (meta hour "10:00"-"11:00"),
	 * or A - B spaced */
	struct nft_tok *dash = nr_peek(c), *hi_tok = nr_peek_at(c, 1);
	if ((t->kind == NT_STRING ||
	     (t->kind == NT_WORD && e.kind == NFT_E_VALUE)) &&
	    dash && dash->kind == NT_WORD &&
	    !strcmp(dash->text, "-") && hi_tok &&
	    (hi_tok->kind == NT_STRING || hi_tok->kind == NT_WORD)) {
		struct nft_elem hi;
		if (nr_parse_value_word(c, hi_tok, ty, &hi) < 0)
			return -1;
		int cmp = nft_val_cmp(&e.lo, &hi.lo);
		bool day = ty->id == NFT_T_HOUR || ty->id == NFT_T_DAY;
		if (cmp > 0 && day) {
			/* across midnight (or the week's end): outside the
			 * range the other way round, as nft turns it */
			e.hi = e.lo;
			e.lo = hi.lo;
			s->op = s->op == NFT_OP_EQ ? NFT_OP_NE : NFT_OP_EQ;
		} else if (cmp > 0) {
			struct nft_loc b = nr_tok_end(hi_tok);
			return nr_error_span(c->r, &t->loc, &b, "Range has zero "
					     "or negative size");
		} else {
			e.hi = hi.lo;
		}
		e.kind = NFT_E_RANGE;
		c->i += 2;
	}
have:
	/* a bitmask's values: a,b,c */
	while (ty->bitmask && nr_at(c, ",")) {
		c->i++;
		struct nft_tok *n = nr_peek(c);
		struct nft_elem more;
		if (!n)
			return nr_unexpected(c, NULL);
		if (nr_parse_value_word(c, n, ty, &more) < 0)
			return -1;
		for (unsigned i = 0; i < e.lo.len; i++)
			e.lo.b[i] |= more.lo.b[i];
		c->i++;
	}
	nr_push_elem(&s->elems, &s->nelems, &e);
	return 0;
}

/* The transport protocols nft describes (its proto_desc names): a
 * rule that settles on one of them and then reads another's header
 * contradicts itself. Protocols without a description (gre) settle
 * nothing. */
static const char *l4_desc_name(int p)
{
	switch (p) {
	case 1: return "icmp";
	case 2: return "igmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 33: return "dccp";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "icmpv6";
	case 108: return "comp";
	case 132: return "sctp";
	case 136: return "udplite";
	default: return NULL;
	}
}

/* Does f read the transport protocol: meta l4proto, and in a family
 * that carries its header, ip protocol or ip6 nexthdr. */
static bool is_l4_ctx_key(const struct nft_table *tb,
			  const struct nft_field *f)
{
	if (!strcmp(f->proto, "meta") && !strcmp(f->name, "l4proto"))
		return true;
	if (tb->family == NFT_F_IP || tb->family == NFT_F_INET) {
		if (!strcmp(f->proto, "ip") && !strcmp(f->name, "protocol"))
			return true;
	}
	if (tb->family == NFT_F_IP6 || tb->family == NFT_F_INET)
		return !strcmp(f->proto, "ip6") && !strcmp(f->name, "nexthdr");
	return false;
}

static bool is_l4_key(const struct nft_table *tb, const struct nft_field *f)
{
	if (!strcmp(f->proto, "meta") && !strcmp(f->name, "l4proto"))
		return true;
	if (tb->family == NFT_F_IP)
		return !strcmp(f->proto, "ip") && !strcmp(f->name, "protocol");
	if (tb->family == NFT_F_IP6)
		return !strcmp(f->proto, "ip6") && !strcmp(f->name, "nexthdr");
	return false;
}

static bool single_eq(const struct nft_stmt *s)
{
	return s->kind == NFT_S_MATCH && s->op == NFT_OP_EQ && !s->braces &&
	       !s->set_name && s->nelems == 1 && !s->bitop && !s->ncat &&
	       s->lhs == NFT_L_FIELD &&
	       s->elems[0].kind == NFT_E_VALUE;
}

static void drop_stmt(struct rule_build *rb, unsigned i)
{
	struct nft_rule *r = &rb->rule;
	nft_elems_free(r->stmts[i].elems, r->stmts[i].nelems);
	free(r->stmts[i].set_name);
	free(r->stmts[i].chain);
	free(r->stmts[i].prefix);
	memmove(&r->stmts[i], &r->stmts[i + 1], (r->n - i - 1) * sizeof(*r->stmts));
	memmove(&rb->spans[i], &rb->spans[i + 1], (r->n - i - 1) * sizeof(*rb->spans));
	r->n--;
}

/* A compare of meta KEY with one byte, before statement at. */
static void insert_dep(struct rule_build *rb, unsigned at, const char *key,
		       uint8_t value, bool hidden)
{
	struct nft_rule *r = &rb->rule;
	struct nft_stmt *v = realloc(r->stmts, (r->n + 1) * sizeof(*v));
	struct span *sp = realloc(rb->spans, (r->n + 1) * sizeof(*sp));
	if (!v || !sp)
		abort();
	r->stmts = v;
	rb->spans = sp;
	memmove(&v[at + 1], &v[at], (r->n - at) * sizeof(*v));
	memmove(&sp[at + 1], &sp[at], (r->n - at) * sizeof(*sp));
	r->n++;
	struct nft_stmt *s = &v[at];
	memset(s, 0, sizeof(*s));
	s->kind = NFT_S_MATCH;
	s->level = -1;
	s->field = nft_field_find("meta", key);
	s->op = NFT_OP_EQ;
	s->hidden = hidden;
	struct nft_elem e;
	memset(&e, 0, sizeof(e));
	e.kind = NFT_E_VALUE;
	e.lo.len = 1;
	e.lo.b[0] = value;
	nr_push_elem(&s->elems, &s->nelems, &e);
}

/* reject's dependencies, as nft adds them and as its listing leaves
 * them out: tcp reset needs tcp (listed in an inet table, hidden in ip
 * and ip6, where a compare of the protocol just before it is hidden
 * too), an icmp or icmpv6 type of an inet table its family (hidden,
 * and so is a meta nfproto the rule compares before it). A statement
 * that is no compare ends the run in which nft's listing looks for
 * them. */
static void settle_reject(const struct nft_table *tb, struct rule_build *rb)
{
	struct nft_rule *ru = &rb->rule;
	int net_dep = -1, l4_dep = -1;
	for (unsigned i = 0; i < ru->n; i++) {
		struct nft_stmt *s = &ru->stmts[i];
		if (s->kind == NFT_S_MATCH) {
			if (s->lhs == NFT_L_FIELD && single_eq(s) &&
			    tb->family == NFT_F_INET &&
			    !strcmp(s->field->proto, "meta") &&
			    !strcmp(s->field->name, "nfproto"))
				net_dep = (int)i;
			if (s->lhs == NFT_L_FIELD && single_eq(s) &&
			    is_l4_ctx_key(tb, s->field))
				l4_dep = (int)i;
			continue;
		}
		if (s->kind == NFT_S_REJECT) {
			struct proto_ctx x;
			rule_proto_ctx(tb, rb, i, &x);
			bool inet = tb->family == NFT_F_INET;
			enum nft_reject_kind k = s->reject;
			/* nft puts what it adds first in the rule; its
			 * listing hides it when compares alone follow */
			bool only_cmp = true;
			for (unsigned j = 0; j < i; j++)
				if (ru->stmts[j].kind != NFT_S_MATCH)
					only_cmp = false;
			if (k == NFT_R_TCP_RESET && x.l4 != 6) {
				insert_dep(rb, 0, "l4proto", 6,
					   !inet && only_cmp);
				i++;
				if (net_dep >= 0)
					net_dep++;
			} else if (k == NFT_R_TCP_RESET && !inet && l4_dep >= 0 &&
				   ru->stmts[l4_dep].elems[0].lo.b[0] == 6) {
				ru->stmts[l4_dep].hidden = true;
			}
			if (inet && k != NFT_R_ICMPX && net_dep >= 0)
				ru->stmts[net_dep].hidden = true;
			if (inet && (k == NFT_R_ICMP || k == NFT_R_ICMPV6) &&
			    !x.l3) {
				insert_dep(rb, 0, "nfproto",
					   k == NFT_R_ICMP ? 2 : 10, only_cmp);
				i++;
				default_of_family(&ru->stmts[i], false,
						  k == NFT_R_ICMP ? 4 : 6);
			}
		}
		net_dep = l4_dep = -1;
	}
}

static int icmp_type_conflict(struct run *r, const struct rule_build *rb,
			      unsigned i);

/* == { A, B, ... }: a compare with an anonymous set of protocols */
static bool l4_set_of(const struct nft_stmt *s)
{
	if (s->kind != NFT_S_MATCH || s->op != NFT_OP_EQ || !s->braces ||
	    s->set_name || s->nelems < 2 || s->bitop || s->ncat ||
	    s->lhs != NFT_L_FIELD)
		return false;
	for (unsigned k = 0; k < s->nelems; k++)
		if (s->elems[k].kind != NFT_E_VALUE)
			return false;
	return true;
}

/* nft's evaluation of the compares before statement upto, left to
 * right: the family of each header and protocols that contradict
 * each other. */
static int check_protocols(struct run *r, const struct nft_table *tb,
			   const struct rule_build *rb, unsigned upto)
{
	const struct nft_rule *ru = &rb->rule;
	/* the protocols the rule has settled on so far, as nft's
	 * evaluation carries them from left to right: the network layer
	 * (an inet table's ip or ip6) and the transport layer */
	int l4 = -1;
	enum nft_proto_dep l3 = NFT_DEP_NONE;
	int l3_at = -1;                  /* the statement that settled l3 */
	int l4_set = -1;                 /* a compare with a set of them */
	for (unsigned i = 0; i < upto; i++) {
		const struct nft_stmt *s = &ru->stmts[i];
		if (s->kind != NFT_S_MATCH)
			continue;
		const struct nft_field *f = s->field;
		/* the family a field needs (ct original ip saddr: ip) */
		const char *fam = f->dep == NFT_DEP_IPV4 ? "ip"
				  : f->dep == NFT_DEP_IPV6 ? "ip6" : f->proto;
		if ((tb->family == NFT_F_IP && f->dep == NFT_DEP_IPV6) ||
		    (tb->family == NFT_F_IP6 && f->dep == NFT_DEP_IPV4))
			return nr_error_span(r, &rb->spans[i].a, &rb->spans[i].b,
					  "conflicting protocols specified: "
					  "%s vs. %s",
					  nft_family_name(tb->family), fam);
		if (tb->family != NFT_F_INET && !strcmp(f->proto, "meta") &&
		    !strcmp(f->name, "nfproto"))
			return nr_error_span(r, &rb->spans[i].a, &rb->spans[i].b,
					  "meta nfproto is only useful in the "
					  "inet family");
		if (tb->family == NFT_F_INET &&
		    (f->dep == NFT_DEP_IPV4 || f->dep == NFT_DEP_IPV6)) {
			/* a ct key: nft marks what settled the family too */
			if (l3 != NFT_DEP_NONE && l3 != f->dep &&
			    f->base == NFT_B_CT && l3_at >= 0) {
				struct mark m[2] = {
					{ rb->spans[l3_at].a, rb->spans[l3_at].end, '~' },
					{ rb->spans[i].a, rb->spans[i].b, '^' },
				};
				return nr_error_multi(r, m, 2, "conflicting "
						      "protocols specified: "
						      "%s vs. %s",
						      l3 == NFT_DEP_IPV4 ? "ip"
									 : "ip6",
						      fam);
			}
			if (l3 != NFT_DEP_NONE && l3 != f->dep)
				return nr_error_span(r, &rb->spans[i].a,
						  &rb->spans[i].b,
						  "conflicting protocols "
						  "specified: %s vs. %s",
						  l3 == NFT_DEP_IPV4 ? "ip" : "ip6",
						  fam);
			l3 = f->dep;
			l3_at = (int)i;
		}
		if (tb->family == NFT_F_INET && !strcmp(f->proto, "meta") &&
		    !strcmp(f->name, "nfproto") && single_eq(s)) {
			l3 = s->elems[0].lo.b[0] == 2 ? NFT_DEP_IPV4
			     : s->elems[0].lo.b[0] == 10 ? NFT_DEP_IPV6
			     : NFT_DEP_NONE;
			l3_at = (int)i;
		}
		if (f->dep == NFT_DEP_L4 && l4_desc_name(l4) &&
		    l4 != f->l4proto)
			return nr_error_span(r, &rb->spans[i].a, &rb->spans[i].b,
					  "conflicting protocols specified: "
					  "%s vs. %s", l4_desc_name(l4),
					  f->proto);
		/* a set of protocols settles them all: another's header
		 * after it conflicts with the first of the others */
		if (f->dep == NFT_DEP_L4 && l4_set >= 0) {
			const struct nft_stmt *p = &ru->stmts[l4_set];
			for (unsigned k = 0; k < p->nelems; k++) {
				int v = p->elems[k].lo.b[0];
				if (v != f->l4proto && l4_desc_name(v))
					return nr_error_span(r, &rb->spans[i].a,
						&rb->spans[i].b, "conflicting "
						"protocols specified: %s vs. %s",
						l4_desc_name(v), f->proto);
			}
		}
		if (icmp_type_conflict(r, rb, i) < 0)
			return -1;
		if (f->dep == NFT_DEP_L4) {
			l4 = f->l4proto;
			l4_set = -1;
		}
		if (is_l4_ctx_key(tb, f) && single_eq(s))
			l4 = s->elems[0].lo.b[0];
		if (is_l4_ctx_key(tb, f) && l4_set_of(s)) {
			l4 = -1;
			l4_set = (int)i;
		}
	}
	return 0;
}

int nr_check_protocols(struct run *r, const struct nft_table *tb,
		       const struct rule_build *rb, unsigned upto)
{
	return check_protocols(r, tb, rb, upto);
}

static const struct nft_icmp_dep *icmp_dep_of(const struct nft_stmt *s)
{
	if ((s->kind != NFT_S_MATCH && s->kind != NFT_S_SET_FIELD) ||
	    s->lhs != NFT_L_FIELD || !s->field)
		return NULL;
	return nft_icmp_dep_of(s->field);
}

/* A compare that settles the message type of nft's evaluation: == one
 * type or a set of them (its last as written). */
static int icmp_type_settled(const struct nft_stmt *p, const char *proto)
{
	if (p->kind != NFT_S_MATCH || p->lhs != NFT_L_FIELD ||
	    strcmp(p->field->proto, proto) ||
	    strcmp(p->field->name, "type") || p->op != NFT_OP_EQ ||
	    p->set_name || p->bitop || !p->nelems ||
	    (!single_eq(p) && !l4_set_of(p)))
		return -1;
	const struct nft_val *v = &p->elems[p->nelems - 1].lo;
	return (int)nft_icmp_ctx_type(proto, v->b[v->len - 1]);
}

/* The message type nft's evaluation holds before statement i: the
 * last compare that settled it, or the type another field's
 * dependency compared (-1: none yet). *at: the compare, -1 for a
 * dependency. */
static int icmp_ctx_before(const struct nft_rule *ru, unsigned i,
			   const char *proto, int *at)
{
	int ctx = -1;
	*at = -1;
	for (unsigned k = 0; k < i; k++) {
		const struct nft_stmt *p = &ru->stmts[k];
		int t = icmp_type_settled(p, proto);
		if (t >= 0) {
			ctx = t;
			*at = (int)k;
			continue;
		}
		const struct nft_icmp_dep *o = icmp_dep_of(p);
		if (o && !strcmp(o->proto, proto) && ctx < 0) {
			ctx = o->need;
			*at = -1;
		}
	}
	return ctx;
}

/* A field of one message type after a compare with another type:
 * nft's "incompatible icmp match" (-1). A state file's listing is
 * nft's, whose sets are sorted: it is read back as it was accepted. */
static int icmp_type_conflict(struct run *r, const struct rule_build *rb,
			      unsigned i)
{
	const struct nft_rule *ru = &rb->rule;
	const struct nft_icmp_dep *d = icmp_dep_of(&ru->stmts[i]);
	if (!d || (r->o && r->o->own_listing))
		return 0;
	int at;
	int have = icmp_ctx_before(ru, i, d->proto, &at);
	if (have >= 0 && !nft_icmp_dep_fits(d, (unsigned)have))
		return nr_error_span(r, &rb->spans[i].a, &rb->spans[i].b,
				     "incompatible icmp match: rule has %d, "
				     "need %u", have, d->need);
	return 0;
}

/* Each such field gets its type compare, unless a compare of the type
 * before it settled the type (a compare with the one type it needs is
 * then the dependency, and left out of the listing as nft leaves it
 * out); after a != the dependency is added all the same. */
static void settle_icmp_deps(struct rule_build *rb)
{
	struct nft_rule *ru = &rb->rule;
	for (unsigned i = 0; i < ru->n; i++) {
		const struct nft_icmp_dep *d = icmp_dep_of(&ru->stmts[i]);
		if (!d)
			continue;
		int at;
		int ctx = icmp_ctx_before(ru, i, d->proto, &at);
		if (ctx >= 0) {
			struct nft_stmt *p = at >= 0 ? &ru->stmts[at] : NULL;
			if (p && !d->two && single_eq(p) &&
			    p->elems[0].lo.b[p->elems[0].lo.len - 1] == d->type[0])
				p->hidden = true;
			continue;
		}
		insert_dep(rb, i, "l4proto", 0, !d->two);
		struct nft_stmt *t = &ru->stmts[i];
		t->field = nft_field_find(d->proto, "type");
		t->elems[0].lo.b[0] = d->type[0];
		if (d->two) {
			struct nft_elem e = t->elems[0];
			e.lo.b[0] = d->type[1];
			nr_push_elem(&t->elems, &t->nelems, &e);
			t->braces = true;
		}
		i++;
	}
}

static bool reads_link(const struct nft_stmt *s)
{
	if ((s->kind != NFT_S_MATCH && s->kind != NFT_S_SET_FIELD) ||
	    s->lhs != NFT_L_FIELD || !s->field)
		return false;
	bool any = s->field->base == NFT_B_LINK;
	for (unsigned i = 0; i < s->ncat; i++)
		any |= s->cat[i]->base == NFT_B_LINK;
	return any;
}

/* meta iiftype ether, as the dependency compares it */
static bool iiftype_ether(const struct nft_stmt *s, const struct nft_val *e)
{
	return s->kind == NFT_S_MATCH && s->lhs == NFT_L_FIELD && s->field &&
	       !strcmp(s->field->proto, "meta") &&
	       !strcmp(s->field->name, "iiftype") && single_eq(s) &&
	       !s->bitop && !nft_val_cmp(&s->elems[0].lo, e);
}

/* Whether a statement reads a vlan field; *key: one that is not vlan
 * type (after which nft's listing leaves out ether type 8021q). */
static bool reads_vlan(const struct nft_stmt *s, bool *key)
{
	if (!reads_link(s))
		return false;
	bool any = false;
	for (unsigned i = 0; i <= s->ncat; i++) {
		const struct nft_field *f = i ? s->cat[i - 1] : s->field;
		if (strcmp(f->proto, "vlan"))
			continue;
		any = true;
		*key |= strcmp(f->name, "type") != 0;
	}
	return any;
}

/* a compare of ether type with one value */
static bool ether_type_is(const struct nft_stmt *s, const struct nft_val *e)
{
	return s->kind == NFT_S_MATCH && s->lhs == NFT_L_FIELD && s->field &&
	       !strcmp(s->field->proto, "ether") &&
	       !strcmp(s->field->name, "type") && single_eq(s) &&
	       s->op == NFT_OP_EQ && !s->bitop &&
	       !nft_val_cmp(&s->elems[0].lo, e);
}

static int dtype_val(enum nft_dtype_id t, const char *w, struct nft_val *v)
{
	struct qt_buf junk;
	qt_buf_init(&junk);
	int rc = nft_val_parse(nft_dtype_get(t), w, v, &junk);
	qt_buf_free(&junk);
	return rc;
}

/* A link-layer field in an ip, ip6 or inet table: the link-layer
 * header is ether's only when the packet came in on an Ethernet
 * device, which nft compares first (meta iiftype ether) and does not
 * list. A vlan field, in any family, needs ether type 8021q before
 * it, once a rule (unless the rule compares it just before): nft lists
 * that compare only when no vlan field but vlan type follows it, and
 * never in an arp table. */
static void settle_link_deps(const struct nft_table *tb,
			     struct rule_build *rb)
{
	bool l3 = tb->family == NFT_F_IP || tb->family == NFT_F_IP6 ||
		  tb->family == NFT_F_INET;
	struct nft_val ether, q;
	if (dtype_val(NFT_T_ARPHRD, "ether", &ether) < 0 ||
	    dtype_val(NFT_T_ETHERTYPE, "8021q", &q) < 0)
		return;
	struct nft_rule *ru = &rb->rule;
	int vdep = -1;
	for (unsigned i = 0; i < ru->n; i++) {
		if (!reads_link(&ru->stmts[i]))
			continue;
		bool key = false;
		if (reads_vlan(&ru->stmts[i], &key)) {
			if (vdep >= 0)
				continue;
			if (i && ether_type_is(&ru->stmts[i - 1], &q)) {
				vdep = (int)i - 1;
				continue;
			}
			insert_dep(rb, i, "iiftype", 0, true);
			struct nft_stmt *d = &ru->stmts[i];
			d->field = nft_field_find("ether", "type");
			d->elems[0].lo = q;
			vdep = (int)i;
		}
		if (!l3)
			continue;
		if (i && iiftype_ether(&ru->stmts[i - 1], &ether)) {
			ru->stmts[i - 1].hidden = true;
			continue;
		}
		insert_dep(rb, i, "iiftype", 0, true);
		ru->stmts[i].elems[0].lo = ether;
		if (vdep == (int)i)
			vdep++;
		i++;
	}
	if (vdep < 0)
		return;
	bool key = false;
	for (unsigned i = (unsigned)vdep + 1; i < ru->n; i++)
		reads_vlan(&ru->stmts[i], &key);
	ru->stmts[vdep].hidden = key || tb->family == NFT_F_ARP;
}

/* An address and'ed with a mask of leading ones and compared with a
 * value inside it is a prefix, as nft lists it: ip saddr & 255.255.0.0
 * == 10.1.0.0 is ip saddr 10.1.0.0/16. */
static void settle_masked_prefixes(struct rule_build *rb)
{
	struct nft_rule *ru = &rb->rule;
	for (unsigned i = 0; i < ru->n; i++) {
		struct nft_stmt *s = &ru->stmts[i];
		if (s->kind != NFT_S_MATCH || s->lhs != NFT_L_FIELD ||
		    s->ncat || s->bitop != NFT_BIT_AND || s->braces ||
		    s->set_name || s->nelems != 1 || s->vmap ||
		    s->elems[0].kind != NFT_E_VALUE ||
		    (s->op != NFT_OP_EQ && s->op != NFT_OP_NE) ||
		    !nft_dtype_get(s->field->type)->prefixable)
			continue;
		const struct nft_val *m = &s->mask, *v = &s->elems[0].lo;
		if (m->len != v->len)
			continue;
		unsigned plen = 0, bits = (unsigned)m->len * 8u;
		while (plen < bits && m->b[plen / 8] & (0x80u >> (plen % 8)))
			plen++;
		bool prefix = true;
		for (unsigned k = plen; k < bits; k++)
			if ((m->b[k / 8] | v->b[k / 8]) & (0x80u >> (k % 8)))
				prefix = false;
		if (!prefix)
			continue;
		struct nft_elem *e = &s->elems[0];
		s->bitop = NFT_BIT_NONE;
		if (plen == bits)
			continue;
		e->kind = NFT_E_PREFIX;
		e->plen = (uint8_t)plen;
		struct nft_val lo = e->lo;
		nft_val_prefix(&lo, plen, false, &e->lo);
		nft_val_prefix(&lo, plen, true, &e->hi);
		s->bitop = NFT_BIT_NONE;
	}
}

/* What nft's evaluation checks and what its listing leaves out: the
 * family of each header, protocols that contradict each other, the
 * dependencies the listing does not show, anonymous sets of one
 * element, sorted sets, statements after a verdict. */
/* v + 1 (big-endian), false when it overflows */
static bool val_next(const struct nft_val *v, struct nft_val *out)
{
	*out = *v;
	for (unsigned i = v->len; i-- > 0;)
		if (++out->b[i])
			return true;
	return false;
}

/* An anonymous set with a range in it is an interval set, whose
 * elements nft merges where they overlap or touch (tcp dport { 1, 2,
 * 5-6, 7 } lists as { 1-2, 5-7 }); e is sorted. */
static void merge_intervals(struct nft_elem *e, unsigned *n)
{
	/* the catch-all element, sorted last, merges with none */
	if (*n && e[*n - 1].catchall) {
		unsigned m = *n - 1;
		struct nft_elem all = e[m];
		merge_intervals(e, &m);
		e[m] = all;
		*n = m + 1;
		return;
	}
	bool ranges = false;
	for (unsigned i = 0; i < *n; i++)
		ranges |= e[i].kind != NFT_E_VALUE || e[i].has_data;
	if (!ranges || e[0].has_data)
		return;
	unsigned k = 0;
	for (unsigned i = 1; i < *n; i++) {
		struct nft_elem *cur = &e[k], *nx = &e[i];
		const struct nft_val *hi = cur->kind == NFT_E_VALUE ? &cur->lo
								     : &cur->hi;
		const struct nft_val *nhi = nx->kind == NFT_E_VALUE ? &nx->lo
								   : &nx->hi;
		struct nft_val after;
		if (!val_next(hi, &after) || nft_val_cmp(&nx->lo, &after) <= 0) {
			if (nft_val_cmp(nhi, hi) > 0)
				cur->hi = *nhi;
			else if (cur->kind == NFT_E_VALUE)
				cur->hi = cur->lo;
			cur->kind = NFT_E_RANGE;
			nft_elem_clear(nx);
			continue;
		}
		e[++k] = *nx;
	}
	*n = k + 1;
}

static int settle_rule(struct run *r, const struct nft_table *tb,
		       struct rule_build *rb)
{
	struct nft_rule *ru = &rb->rule;
	if (check_protocols(r, tb, rb, ru->n) < 0)
		return -1;
	for (unsigned i = 0; i < ru->n; i++) {
		struct nft_stmt *s = &ru->stmts[i];
		if (s->kind != NFT_S_MATCH)
			continue;
		const struct nft_field *f = s->field;
		if (s->braces) {
			/* one element written: no set; two that are one:
			 * a set of one (a verdict map stays a map) */
			unsigned written = s->nelems;
			struct nft_set key;
			memset(&key, 0, sizeof(key));
			key.type = nft_dtype_get(f->type);
			key.nktypes = 1 + s->ncat;
			key.ktypes[0] = key.type;
			for (unsigned k = 0; k < s->ncat; k++)
				key.ktypes[k + 1] = nft_dtype_get(s->cat[k]->type);
			bool one = written == 1 && !s->vmap && !s->ncat &&
				   !s->elems[0].catchall;
			/* a set's one-value range is that value; the
			 * element written alone is a match as written */
			if (!one)
				nft_elems_single(s->elems, s->nelems);
			nft_anon_sort(&key, s->elems, &s->nelems);
			if (!s->vmap && !s->ncat && !key.type->host_order)
				merge_intervals(s->elems, &s->nelems);
			if (one)
				s->braces = false;
		}
		/* a prefix of the whole width is its address (a range of
		 * one stays a range) */
		if (!s->braces && s->nelems == 1 &&
		    s->elems[0].kind == NFT_E_PREFIX)
			nft_elems_single(s->elems, 1);
	}
	for (unsigned i = 1; i < ru->n; i++) {
		struct nft_stmt *s = &ru->stmts[i], *p = &ru->stmts[i - 1];
		if (s->kind != NFT_S_MATCH || !single_eq(p))
			continue;
		const struct nft_field *f = s->field;
		if (f->dep == NFT_DEP_L4 && is_l4_key(tb, p->field) &&
		    p->elems[0].lo.b[0] == f->l4proto) {
			drop_stmt(rb, i - 1);
			i--;
		} else if (tb->family == NFT_F_INET && f->base != NFT_B_CT &&
			   (f->dep == NFT_DEP_IPV4 || f->dep == NFT_DEP_IPV6) &&
			   !strcmp(p->field->name, "nfproto") &&
			   p->elems[0].lo.b[0] == (f->dep == NFT_DEP_IPV4 ? 2 : 10)) {
			drop_stmt(rb, i - 1);
			i--;
		}
	}
	/* meta protocol of the table's own family (ip in ip, ip6 in ip6)
	 * before another statement: nft's listing takes it for that
	 * statement's dependency and leaves it out (it always holds) */
	for (unsigned i = 0; i + 1 < ru->n; i++) {
		const struct nft_stmt *p = &ru->stmts[i];
		if (!single_eq(p) || p->field->type != NFT_T_ETHERTYPE ||
		    p->field->base != NFT_B_META)
			continue;
		unsigned et = (unsigned)p->elems[0].lo.b[0] << 8 |
			      p->elems[0].lo.b[1];
		if ((tb->family == NFT_F_IP && et == 0x0800) ||
		    (tb->family == NFT_F_IP6 && et == 0x86dd)) {
			drop_stmt(rb, i);
			i--;
		}
	}
	/* nft merges adjacent compares of neighbouring fields of one
	 * header into one; its listing splits them in header order */
	for (unsigned i = 1; i < ru->n; i++) {
		struct nft_stmt *a = &ru->stmts[i - 1], *b = &ru->stmts[i];
		if (!single_eq(a) || !single_eq(b) ||
		    strcmp(a->field->proto, b->field->proto) ||
		    a->field->base == NFT_B_META || a->field->base == NFT_B_CT ||
		    a->field->base == NFT_B_SCTP_CHUNK ||
		    a->field->offset != b->field->offset + b->field->bits ||
		    a->field->bits % 8 || b->field->bits % 8)
			continue;
		struct nft_stmt tmp = *a;
		*a = *b;
		*b = tmp;
		struct span sp = rb->spans[i - 1];
		rb->spans[i - 1] = rb->spans[i];
		rb->spans[i] = sp;
		i = 0;
	}
	settle_icmp_deps(rb);
	settle_link_deps(tb, rb);
	settle_masked_prefixes(rb);
	settle_reject(tb, rb);
	for (unsigned i = 0; i < ru->n; i++) {
		struct nft_stmt *s = &ru->stmts[i];
		/* nft 1.0.6's terminal statements: verdicts, reject and
		 * the nat statements; a verdict map is none: statements
		 * after it run when the map's verdict is continue */
		bool terminal = s->kind == NFT_S_REJECT ||
				s->kind == NFT_S_VERDICT || s->kind == NFT_S_NAT;
		if (terminal && i + 1 < ru->n) {
			/* a counter's place is its keyword, as nft's
			 * counter statement holds it */
			struct nft_loc nb = rb->spans[i + 1].b;
			if (ru->stmts[i + 1].kind == NFT_S_COUNTER) {
				nb = rb->spans[i + 1].a;
				nb.col += (int)strlen("counter") - 1;
			}
			struct mark m[2] = {
				{ rb->spans[i].a, rb->spans[i].b, '~' },
				{ rb->spans[i + 1].a, nb, '^' },
			};
			return nr_error_multi(r, m, 2, "Statement after "
					   "terminal statement has no effect");
		}
	}
	return 0;
}

static void build_free(struct rule_build *rb)
{
	nft_rule_clear(&rb->rule);
	free(rb->spans);
	rb->spans = NULL;
}

/* A word that starts with a character no statement can start with
 * (":80", "%x", "/x"): nft's scanner makes that character a token of
 * its own, which bison refuses at once; after a statement the rule
 * could have ended there. True after that message. */
static bool stray_char(struct cur *c, const struct nft_tok *t, bool after)
{
	static const char *const names[][2] = {
		{ ":", "colon" }, { "/", "/" }, { "%", "junk" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (t->text[0] != names[i][0][0])
			continue;
		nr_error_span(c->r, &t->loc, &t->loc, "syntax error, "
			      "unexpected %s%s", names[i][1],
			      !after ? "" : c->block
			      ? ", expecting newline or semicolon"
			      : ", expecting end of file or newline or "
				"semicolon");
		return true;
	}
	return false;
}

/* The statements from the cursor to the end of the statement list. */
static int parse_rule(struct cur *c, struct nft_table *tb,
		      struct rule_build *rb)
{
	memset(rb, 0, sizeof(*rb));
	struct nft_tok *t;
	while ((t = nr_peek(c))) {
		struct nft_stmt *s;
		if (rb->rule.comment)
			return nr_unexpected(c, "end of file or newline or "
					  "semicolon");
		/* @th,...: a raw payload */
		if (t->kind != NT_WORD && !nr_tok_is(t, "@"))
			return nr_unexpected(c, NULL);
		const char *w = t->text;
		if ((!strcmp(w, "counter") || !strcmp(w, "quota") ||
		     !strcmp(w, "limit")) &&
		    nr_tok_is(nr_peek_at(c, 1), "name")) {
			s = nr_add_stmt(rb, w[0] == 'c' ? NFT_S_COUNTER
					: w[0] == 'q' ? NFT_S_QUOTA : NFT_S_LIMIT, t);
			c->i++;
			struct nft_tok *k = nr_peek_at(c, 1);
			/* name KEY map ...: the object the key finds */
			if (k && k->kind == NT_WORD &&
			    (nft_field_proto_known(k->text) ||
			     nft_field_find(NULL, k->text) ||
			     !strcmp(k->text, "ct"))) {
				c->i++;
				if (nr_parse_obj_map(c, tb, s) < 0)
					return -1;
			} else if (nr_parse_obj_ref(c, tb, s) < 0) {
				return -1;
			}
		} else if (!strcmp(w, "counter")) {
			s = nr_add_stmt(rb, NFT_S_COUNTER, t);
			c->i++;
			/* nft's counter_args: packets and bytes in any
			 * order, each as often as given (the last counts) */
			for (;;) {
				bool pk = nr_at(c, "packets");
				if (!pk && !nr_at(c, "bytes"))
					break;
				c->i++;
				if (nr_parse_u64(c, pk ? &s->packets
						       : &s->bytes) < 0)
					return -1;
			}
		} else if (!strcmp(w, "accept") || !strcmp(w, "drop") ||
			   !strcmp(w, "continue") || !strcmp(w, "return")) {
			s = nr_add_stmt(rb, NFT_S_VERDICT, t);
			s->verdict = !strcmp(w, "accept") ? NFT_V_ACCEPT
				     : !strcmp(w, "drop") ? NFT_V_DROP
				     : !strcmp(w, "continue") ? NFT_V_CONTINUE
				     : NFT_V_RETURN;
			c->i++;
		} else if (!strcmp(w, "jump") || !strcmp(w, "goto")) {
			s = nr_add_stmt(rb, NFT_S_VERDICT, t);
			s->verdict = w[0] == 'j' ? NFT_V_JUMP : NFT_V_GOTO;
			c->i++;
			/* nft's grammar has an anonymous chain there */
			struct nft_tok *n = nr_take_name_as(c, "'{'");
			if (!n)
				return -1;
			if (!nft_chain_find(tb, n->text))
				return nr_error_tok(c->r, n, ENOENT_KERNEL);
			s->chain = nr_xstrdup(n->text);
		} else if (!strcmp(w, "reject")) {
			nr_add_stmt(rb, NFT_S_REJECT, t);
			c->i++;
			if (parse_reject(c, tb, rb, t) < 0)
				return -1;
			if (tb->family != NFT_F_IP && tb->family != NFT_F_IP6 &&
			    tb->family != NFT_F_INET)
				/* this kernel has no reject of bridge,
				 * netdev or arp */
				return nr_error_tok(c->r, t, ENOENT_KERNEL);
		} else if (!strcmp(w, "log")) {
			s = nr_add_stmt(rb, NFT_S_LOG, t);
			c->i++;
			if (nr_parse_log(c, s, t) < 0)
				return -1;
		} else if (!strcmp(w, "limit")) {
			s = nr_add_stmt(rb, NFT_S_LIMIT, t);
			c->i++;
			if (nr_parse_limit(c, s) < 0 ||
			    nr_check_limit(c, s, t) < 0)
				return -1;
		} else if (!strcmp(w, "quota")) {
			s = nr_add_stmt(rb, NFT_S_QUOTA, t);
			c->i++;
			if (nr_parse_quota(c, s, t) < 0)
				return -1;
		} else if (!strcmp(w, "notrack")) {
			nr_add_stmt(rb, NFT_S_NOTRACK, t);
			c->i++;
		} else if (!strcmp(w, "comment")) {
			if (!rb->rule.n)
				return nr_unexpected(c, NULL);
			c->i++;
			struct nft_tok *n = nr_peek(c);
			if (!n || (n->kind != NT_STRING && n->kind != NT_WORD))
				return nr_unexpected(c, "string");
			if (nr_check_comment(c->r, n) < 0)
				return -1;
			rb->rule.comment = nr_xstrdup(n->text);
			c->i++;
			continue;
		} else {
			int ext = nr_parse_stmt_ext(c, tb, rb);
			if (ext < 0)
				return -1;
			if (ext > 0) {
				nr_stmt_end(rb, c);
				continue;
			}
			unsigned start = c->i;
			const struct nft_field *f = nr_parse_selector(c);
			if (!f) {
				if (c->i != start)
					return -1;
				if (stray_char(c, t, rb->rule.n > 0))
					return -1;
				/* a word nft does not know starts an
				 * expression that has no right side */
				c->i++;
				return nr_unexpected(c, NULL);
			}
			if (nr_ct_settle(c, tb, rb, start, &f,
					 !nr_at(c, ".") && !nr_at(c, "set")) < 0)
				return -1;
			if (nr_at(c, "set") && (f->base == NFT_B_NETWORK ||
						f->base == NFT_B_TRANSPORT)) {
				s = nr_add_stmt(rb, NFT_S_SET_FIELD, t);
				s->field = f;
				c->i++;
				if (nr_parse_payload_set(c, s) < 0)
					return -1;
			} else if (nr_at(c, "set") && (f->type == NFT_T_MARK ||
						       meta_settable(f) ||
						       nft_ct_settable(f))) {
				s = nr_add_stmt(rb, NFT_S_SET_FIELD, t);
				s->field = f;
				c->i++;
				/* FIELD set FIELD2 OP VALUE, (FIELD2 OP
				 * VALUE) << N */
				bool paren = nr_at(c, "(") && f->type == NFT_T_MARK;
				c->i += paren;
				unsigned at_src = c->i;
				if (!paren) {
					int nv = nr_parse_num_value(c, s);
					if (nv < 0)
						return -1;
					if (nv) {
						nr_stmt_end(rb, c);
						continue;
					}
				}
				const struct nft_field *src = nr_parse_selector(c);
				if (paren && !src)
					return c->i == at_src ? nr_unexpected(c, NULL)
							      : -1;
				if (src && nr_ct_settle(c, tb, rb, at_src, &src,
							false) < 0)
					return -1;
				if (src) {
					s->src = src;
					int m = nr_parse_value_map(c, tb, s,
								   start,
								   at_src);
					if (m < 0)
						return -1;
					if (m) {
						nr_stmt_end(rb, c);
						continue;
					}
					int b = nr_parse_bitop(c, s, src);
					if (b < 0)
						return -1;
					/* a mask on a map's key of one
					 * field: ip6 saddr and ::ffff map
					 * { ... } */
					if (b && !paren && nr_at(c, "map") &&
					    (m = nr_parse_value_map(
							c, tb, s, start,
							at_src)) != 0) {
						if (m < 0)
							return -1;
						nr_stmt_end(rb, c);
						continue;
					}
					unsigned src_end = c->i;
					if (paren) {
						/* a shift in them binds to
						 * the value */
						if (nr_parse_shift(c, s, false,
								   at_src, src_end) < 0)
							return -1;
						if (!nr_at(c, ")"))
							return nr_unexpected(c, "')'");
						c->i++;
					}
					if (nr_parse_shift(c, s, paren, at_src,
							   src_end) < 0)
						return -1;
					if (set_src_mismatch(c, f, src, b, start,
							     at_src) < 0)
						return -1;
					nr_stmt_end(rb, c);
					continue;
				}
				if (c->i != at_src)
					return -1;
				struct nft_tok *v = nr_peek(c);
				struct nft_elem e;
				if (!v || v->kind == NT_GROUP)
					return nr_unexpected(c, NULL);
				if (nr_parse_value_word(c, v, nft_dtype_get(f->type),
						     &e) < 0)
					return -1;
				c->i++;
				if (nr_fold_set_value(c, nft_dtype_get(f->type),
						      &e) < 0)
					return -1;
				nr_push_elem(&s->elems, &s->nelems, &e);
			} else {
				s = nr_add_stmt(rb, NFT_S_MATCH, t);
				s->field = f;
				if (nr_at(c, ".")) {
					/* the parts after the first */
					struct nft_tok *dot = nr_peek(c);
					c->i++;
					unsigned st = c->i;
					const struct nft_field *g;
					for (;;) {
						g = nr_parse_selector(c);
						if (!g)
							return c->i == st ?
							       nr_unexpected(c, NULL) : -1;
						if (nr_ct_settle(c, tb, rb, st, &g,
								 false) < 0)
							return -1;
						if (s->ncat + 1 >= NFT_CONCAT_MAX)
							return nr_error_tok(c->r, dot,
									    "too many concatenated fields");
						s->cat[s->ncat++] = g;
						if (!nr_at(c, "."))
							break;
						c->i++;
						st = c->i;
					}
				}
				if (nr_parse_bitop(c, s, f) < 0)
					return -1;
				rb->spans[rb->rule.n - 1].b =
					nr_tok_end(&c->it->toks[c->i - 1]);
				struct span sel = rb->spans[rb->rule.n - 1];
				/* nft evaluates a field (its family, its
				 * protocol, its message type) before its
				 * value */
				if (!s->ncat &&
				    check_protocols(c->r, tb, rb, rb->rule.n) < 0)
					return -1;
				if (nr_parse_rhs(c, tb, s, sel.a, sel.b) < 0)
					return -1;
				nr_fold_xor(s);
				nr_stmt_end(rb, c);
				if (bridge_only(tb, f))
					return nr_error_span(c->r, &sel.a, &sel.b,
							     "Could not process rule: "
							     "Operation not supported");
				/* errors about the field point at it alone */
				rb->spans[rb->rule.n - 1].b = sel.b;
				continue;
			}
		}
		nr_stmt_end(rb, c);
	}
	if (!rb->rule.n)
		return nr_unexpected(c, NULL);
	return settle_rule(c->r, tb, rb);
}

/* ---- tables, chains, sets ---- */

static struct nft_table *find_table_tok(struct run *r, int family,
					const struct nft_tok *name,
					bool kernel)
{
	struct nft_table *t = nft_table_find(r->rs, family, name->text);
	if (!t)
		no_table(r, name, kernel);
	return t;
}

/* type T hook H [device D] priority P: the chain made a base chain */
static int parse_chain_type(struct cur *c, struct nft_table *tb,
			    struct nft_chain *ch)
{
	struct nft_tok *type_tok = nr_peek(c);
	c->i++;
	struct nft_tok *t = nr_peek(c);
	if (!t || t->kind != NT_WORD)
		return nr_unexpected(c, "string");
	int type = !strcmp(t->text, "filter") ? NFT_CT_FILTER
		   : !strcmp(t->text, "nat") ? NFT_CT_NAT
		   : !strcmp(t->text, "route") ? NFT_CT_ROUTE : -1;
	if (type < 0 && c->r->o->from_json)
		/* nft -j sends the type as it is: the kernel knows none
		 * of that name */
		return nr_error_tok(c->r, t, ENOENT_KERNEL);
	if (type < 0)
		return nr_error_tok(c->r, t, "unknown chain type");
	c->i++;
	if (!nr_at(c, "hook"))
		return nr_unexpected(c, "hook");
	c->i++;
	t = nr_peek(c);
	if (!t || t->kind != NT_WORD)
		return nr_unexpected(c, "string");
	int hook = nft_hook_parse(t->text);
	if (hook < 0 || (hook == NFT_H_INGRESS && tb->family != NFT_F_INET &&
			 tb->family != NFT_F_NETDEV))
		return nr_error_tok(c->r, t, "unknown chain hook");
	c->i++;
	if (!nr_at(c, "priority"))
		return nr_unexpected(c, "priority");
	struct nft_tok *pt = nr_peek(c);
	c->i++;
	t = nr_peek(c);
	if (!t)
		return nr_unexpected(c, NULL);
	int prio = 0;
	char *end;
	long v = strtol(t->text, &end, 10);
	struct nft_loc last = nr_tok_end(t);
	if (t->kind == NT_WORD && !*end && end != t->text) {
		prio = (int)v;
		c->i++;
	} else if (t->kind == NT_WORD &&
		   nft_prio_name_value(tb->family, (enum nft_hook)hook, t->text,
				       &prio) == 0) {
		c->i++;
		struct nft_tok *sign = nr_peek(c), *num = nr_peek_at(c, 1);
		if ((nr_tok_is(sign, "+") || nr_tok_is(sign, "-")) && num &&
		    num->kind == NT_WORD) {
			long off = strtol(num->text, &end, 10);
			if (*end)
				return nr_error_tok(c->r, num, "syntax error, "
						 "unexpected string");
			prio += sign->text[0] == '-' ? -(int)off : (int)off;
			last = nr_tok_end(num);
			c->i += 2;
		}
	} else {
		return nr_error_span(c->r, &pt->loc, &last, "invalid priority "
				  "expression value in this context.");
	}
	if (hook == NFT_H_INGRESS)
		return nr_error_span(c->r, &type_tok->loc, &last, "Missing `device' "
				  "in this chain definition");
	ch->base = true;
	ch->type = (enum nft_chain_type)type;
	ch->hook = (enum nft_hook)hook;
	ch->prio = prio;
	return nr_expect_end(c);
}

static int parse_policy(struct cur *c, struct nft_chain *ch)
{
	c->i++;
	struct nft_tok *t = nr_peek(c);
	if (nr_at(c, "accept"))
		ch->policy_drop = false;
	else if (nr_at(c, "drop"))
		ch->policy_drop = true;
	else
		return nr_unexpected(c, NULL);
	(void)t;
	c->i++;
	return nr_expect_end(c);
}

/* comment "TEXT" of a table, chain or set block: its text kept in *dst */
static int block_comment(struct cur *c, char **dst)
{
	c->i++;
	struct nft_tok *v = nr_peek(c);
	if (!v || (v->kind != NT_STRING && v->kind != NT_WORD))
		return nr_unexpected(c, "string");
	if (nr_check_comment(c->r, v) < 0)
		return -1;
	c->i++;
	if (nr_expect_end(c) < 0)
		return -1;
	free(*dst);
	*dst = nr_xstrdup(v->text);
	return 0;
}

static const struct nft_tok *item_first(const struct nft_item *it)
{
	return it->n ? &it->toks[0] : NULL;
}

/* "}" right after a statement that needs its terminator */
static int check_terminated(struct run *r, const struct nft_group *g,
			    unsigned i)
{
	if (g->items[i].terminated)
		return 0;
	struct nft_loc l = g->close;
	return nr_error_span(r, &l, &l, "syntax error, unexpected '}', "
			  "expecting newline or semicolon");
}

/* The parts of a chain block that describe the chain (type, policy). */
static int chain_block_head(struct run *r, struct nft_table *tb,
			    struct nft_chain *ch, const struct nft_group *g)
{
	for (unsigned i = 0; i < g->n; i++) {
		struct nft_item *it = &g->items[i];
		struct cur c = { r, it, 0, g->close, false };
		if (nr_at(&c, "type")) {
			if (parse_chain_type(&c, tb, ch) < 0)
				return -1;
		} else if (nr_at(&c, "comment")) {
			if (block_comment(&c, &ch->comment) < 0)
				return -1;
		} else if (nr_at(&c, "policy")) {
			if (!ch->base) {
				struct nft_loc b = nr_tok_end(&it->toks[it->n - 1]);
				return nr_error_span(r, &item_first(it)->loc, &b,
						  "Could not process rule: "
						  "Operation not supported");
			}
			if (parse_policy(&c, ch) < 0)
				return -1;
		} else if (check_terminated(r, g, i) < 0) {
			return -1;
		}
	}
	return 0;
}

/* The kernel refuses the rule or element that puts a nat statement or
 * a reject or a fib expression where it cannot run (nft_table_nat_valid,
 * nft_table_reject_valid, nft_table_fib_valid): the whole command is
 * marked. */
static int nat_check(struct run *r, const struct nft_table *tb,
		     const struct nft_item *it)
{
	if ((nft_table_nat_valid(tb) && nft_table_reject_valid(tb) &&
	     nft_table_fib_valid(tb)) || !it->n)
		return 0;
	/* nft's mark of a command (add rule, add element) takes its end
	 * too: the newline in a file, the end of input on the command
	 * line; a rule in a chain's block is marked alone */
	struct nft_loc b = nr_tok_end(&it->toks[it->n - 1]);
	if (it->n > 1 && (nr_tok_is(&it->toks[1], "rule") ||
			  nr_tok_is(&it->toks[1], "element")))
		b.col++;
	return nr_error_span(r, &it->toks[0].loc, &b, "Could not process "
			     "rule: Operation not supported");
}

static int add_rule_at(struct run *r, struct nft_table *tb,
		       struct nft_chain *ch, struct cur *c, unsigned at_index,
		       bool insert)
{
	struct rule_build rb;
	if (parse_rule(c, tb, &rb) < 0) {
		/* the kernel numbered the rule and its anonymous sets
		 * before it refused them */
		if (r->kernel_stage)
			tb->next_handle += nft_rule_anon_sets(&rb.rule) + 1;
		build_free(&rb);
		return -1;
	}
	nft_rule_insert(tb, ch, at_index, &rb.rule);
	free(rb.spans);
	r->changed = true;
	nr_echo_note(r, ECHO_RULE, tb, ch->name, ch->rules[at_index].handle,
		     insert);
	if (nat_check(r, tb, c->it) < 0) {
		/* the kernel's check fails at the commit, and the batch
		 * goes in once more before it is refused: a second
		 * handle is gone (as the oracle's kernel numbers) */
		tb->next_handle++;
		return -1;
	}
	return 0;
}

/* The rules of a chain block. */
static int chain_block_rules(struct run *r, struct nft_table *tb,
			     const char *chain, const struct nft_group *g)
{
	for (unsigned i = 0; i < g->n; i++) {
		struct nft_item *it = &g->items[i];
		struct cur c = { r, it, 0, it->terminated ? it->term : g->close,
				 true };
		if (nr_at(&c, "type") || nr_at(&c, "policy") ||
		    nr_at(&c, "comment") || !it->n)
			continue;
		struct nft_chain *ch = nft_chain_find(tb, chain);
		if (add_rule_at(r, tb, ch, &c, ch->nrules, false) < 0)
			return -1;
	}
	return 0;
}

int nr_parse_duration(const char *w, uint64_t *ms)
{
	*ms = 0;
	const char *p = w;
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		unsigned long long n = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		uint64_t mul;
		if (!strncmp(end, "ms", 2)) {
			mul = 1;
			end += 2;
		} else if (*end == 'd') {
			mul = 86400000;
			end++;
		} else if (*end == 'h') {
			mul = 3600000;
			end++;
		} else if (*end == 'm') {
			mul = 60000;
			end++;
		} else if (*end == 's' || !*end) {
			mul = 1000;
			end += *end == 's';
		} else {
			return -1;
		}
		*ms += n * mul;
		p = end;
	}
	return 0;
}

int nr_objmap_check(struct run *r, struct nft_table *tb,
		    enum nft_stmt_kind kind, const struct nft_tok *g,
		    const struct nft_elem *e, unsigned n,
		    const struct span *spans)
{
	if (kind == NFT_S_MATCH)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		char name[NFT_VAL_MAX];
		size_t len = strnlen((const char *)e[i].data.b, e[i].data.len);
		memcpy(name, e[i].data.b, len);
		name[len] = '\0';
		if (e[i].catchall || !e[i].has_data ||
		    nft_obj_find(tb, kind, name))
			continue;
		if (spans)
			return nr_error_span(r, &spans[i].a, &spans[i].b,
					     ENOENT_KERNEL);
		return nr_error_tok(r, g, ENOENT_KERNEL);
	}
	return 0;
}

static const char *const set_flag_words[] = {
	"constant", "interval", NULL, NULL, "timeout", "dynamic",
};

/* The element list of a set: with interval set, ranges and prefixes
 * stay; else they are refused. */
static int set_elems_from(struct run *r, struct nft_table *tb,
			  struct nft_set *s, bool keys_only,
			  const struct nft_tok *g, struct nft_elem **v,
			  unsigned *n, struct span **spans)
{
	struct elem_shape sh;
	nr_set_shape(s, tb, &sh);
	sh.data_optional = keys_only;
	struct span *own = NULL;
	sh.spans = spans ? spans : &own;
	int rc = nr_parse_elems(r, g, &sh, v, n);
	/* a map of intervals takes no single value: the kernel's
	 * EINVAL, at the first element that has one in the order nft
	 * sends them (by key) */
	int single = -1;
	for (unsigned i = 0; !rc && !keys_only && s->data_interval && i < *n;
	     i++)
		if ((*v)[i].has_data && !(*v)[i].data_range &&
		    (single < 0 ||
		     nft_val_cmp(&(*v)[i].lo, &(*v)[single].lo) < 0))
			single = (int)i;
	if (single >= 0)
		rc = nr_error_span(r, &(*sh.spans)[single].a,
				   &(*sh.spans)[single].b, "Could not "
				   "process rule: Invalid argument");
	free(own);
	if (rc < 0)
		return -1;
	if (!keys_only && nr_objmap_check(r, tb, s->obj_kind, g, *v, *n,
					  spans ? *spans : NULL) < 0)
		return -1;
	for (unsigned i = 0; i < *n; i++)
		if ((*v)[i].kind != NFT_E_VALUE &&
		    !(s->flags & NFT_SET_INTERVAL)) {
			/* the element's token: the i-th value of the group */
			const struct nft_tok *et = g;
			unsigned k = 0;
			for (unsigned it = 0; it < g->group->n; it++)
				for (unsigned j = 0; j < g->group->items[it].n; j++) {
					const struct nft_tok *x =
						&g->group->items[it].toks[j];
					if (!nr_tok_is(x, ",") && k++ == i)
						et = x;
				}
			return nr_error_tok(r, et, "You must add 'flags interval' "
					 "to your set declaration if you want "
					 "to add %s elements",
					 (*v)[i].kind == NFT_E_PREFIX ? "prefix"
								       : "range");
		}
	nft_elems_single(*v, *n);
	for (unsigned i = 0; s->nktypes <= 1 && i < *n; i++)
		if ((*v)[i].kind == NFT_E_RANGE) {
			int p = nft_val_prefix_len(&(*v)[i].lo, &(*v)[i].hi);
			if (p >= 0 && s->type->prefixable) {
				(*v)[i].kind = NFT_E_PREFIX;
				(*v)[i].plen = (uint8_t)p;
			}
		}
	return 0;
}

/* type A [. B ...] [: D]: the key's types and, in a map, the data's */
static int set_type(struct cur *c, struct nft_set *s, bool fresh, bool map)
{
	const struct nft_dtype *kt[NFT_CONCAT_MAX], *dt = NULL, *dt2 = NULL;
	unsigned nk = 0;
	bool has_data = false, data_interval = false;
	enum nft_stmt_kind ok = NFT_S_MATCH;
	for (;;) {
		struct nft_tok *v = nr_peek(c);
		if (!v || v->kind != NT_WORD)
			return nr_unexpected(c, "string");
		/* a map of named objects: type ... : counter */
		if (has_data && (!strcmp(v->text, "counter") ||
				 !strcmp(v->text, "quota") ||
				 !strcmp(v->text, "limit"))) {
			ok = v->text[0] == 'c' ? NFT_S_COUNTER
			     : v->text[0] == 'q' ? NFT_S_QUOTA : NFT_S_LIMIT;
			dt = nft_dtype_get(NFT_T_OBJNAME);
			c->i++;
			break;
		}
		if (has_data && !data_interval && !strcmp(v->text, "interval")) {
			data_interval = true;
			c->i++;
			continue;
		}
		const struct nft_dtype *ty = nft_dtype_by_name(v->text);
		if (!ty && !(has_data && !strcmp(v->text, "verdict")))
			return nr_error_tok(c->r, v, "unknown datatype %s",
					    v->text);
		c->i++;
		if (has_data) {
			dt = ty;
			/* an address and a port: a nat map's value */
			struct nft_tok *p = nr_peek_at(c, 1);
			if (ty && (ty->id == NFT_T_IPV4 || ty->id == NFT_T_IPV6) &&
			    nr_at(c, ".") && p && nr_tok_is(p, "inet_service")) {
				dt2 = nft_dtype_get(NFT_T_SERVICE);
				c->i += 2;
			}
			break;
		}
		if (nk == NFT_CONCAT_MAX)
			return nr_error_tok(c->r, v, "too many concatenated "
					    "types");
		kt[nk++] = ty;
		if (nr_at(c, ".")) {
			c->i++;
			continue;
		}
		if (map && nr_at(c, ":")) {
			c->i++;
			has_data = true;
			continue;
		}
		if (map && !nr_peek(c) && c->it->terminated) {
			/* a map's type ends with its value's */
			const struct nft_loc *l = &c->it->term;
			const struct nft_src *src = &c->r->srcs[l->src];
			bool semi = nr_src_char(src, l) == ';';
			return nr_error_span(c->r, l, l, "syntax error, "
					     "unexpected %s, expecting colon "
					     "or .", semi ? "semicolon"
							  : "newline");
		}
		break;
	}
	if (!fresh)
		return 0;
	s->type = kt[0];
	s->nktypes = nk;
	for (unsigned i = 0; i < nk; i++)
		s->ktypes[i] = kt[i];
	s->map = has_data;
	s->data_type = dt;
	s->data_type2 = dt2;
	s->data_interval = data_interval;
	s->obj_kind = ok;
	return 0;
}

static int set_block(struct run *r, struct nft_table *tb, struct nft_set *s,
		     const struct nft_tok *name, const struct nft_tok *gt,
		     bool fresh, bool map, bool in_block)
{
	const struct nft_group *g = gt->group;
	struct nft_tok *elems = NULL;
	for (unsigned i = 0; i < g->n; i++) {
		struct nft_item *it = &g->items[i];
		struct cur c = { r, it, 0, g->close, false };
		struct nft_tok *t = nr_peek(&c);
		if (!t)
			continue;
		c.i++;
		struct nft_tok *v = nr_peek(&c);
		if (nr_tok_is(t, "type")) {
			if (set_type(&c, s, fresh, map) < 0) {
				/* nft goes on and finds the set without a
				 * key: from its '{' to the last terminator */
				const struct nft_item *last = &g->items[g->n - 1];
				struct nft_loc end = last->terminated
						     ? last->term : g->close;
				struct nft_loc a = in_block ? name->loc
							    : gt->loc;
				if (in_block)
					end = nr_tok_end(name);
				if (fresh)
					nr_error_span(r, &a, &end,
						      "set definition does not "
						      "specify key");
				return -1;
			}
		} else if (nr_tok_is(t, "comment")) {
			c.i--;
			if (block_comment(&c, &s->comment) < 0)
				return -1;
			continue;
		} else if (nr_tok_is(t, "typeof")) {
			const struct nft_field *f = nr_parse_selector(&c);
			if (!f)
				return c.i == 1 ? nr_unexpected(&c, NULL) : -1;
			/* typeof A [. B ...] [: C | : verdict] */
			const struct nft_field *cat[NFT_CONCAT_MAX - 1];
			const struct nft_field *data = NULL;
			unsigned ncat = 0;
			bool has_data = false;
			while (nr_at(&c, ".")) {
				c.i++;
				unsigned st = c.i;
				const struct nft_field *g = nr_parse_selector(&c);
				if (!g)
					return c.i == st ? nr_unexpected(&c, NULL)
							 : -1;
				if (ncat + 1 >= NFT_CONCAT_MAX)
					return nr_error_tok(r, &c.it->toks[st],
							    "too many concatenated "
							    "fields");
				cat[ncat++] = g;
			}
			if (map && nr_at(&c, ":")) {
				c.i++;
				has_data = true;
				if (nr_at(&c, "verdict")) {
					c.i++;
				} else {
					unsigned st = c.i;
					data = nr_parse_selector(&c);
					if (!data)
						return c.i == st
						       ? nr_unexpected(&c, NULL) : -1;
				}
			}
			if (fresh) {
				s->typeof_field = f;
				s->type = nft_dtype_get(f->type);
				memcpy(s->typeof_cat, cat, ncat * sizeof(*cat));
				s->ntypeof_cat = ncat;
				s->typeof_data = data;
				s->ktypes[0] = s->type;
				for (unsigned k = 0; k < ncat; k++)
					s->ktypes[k + 1] = nft_dtype_get(cat[k]->type);
				s->nktypes = 1 + ncat;
				s->map = has_data;
				s->data_type = data ? nft_dtype_get(data->type)
						    : NULL;
			}
		} else if (nr_tok_is(t, "flags")) {
			for (;;) {
				struct nft_tok *f = nr_peek(&c);
				int bit = -1;
				for (int k = 0; f && k < 6; k++)
					if (set_flag_words[k] &&
					    !strcmp(f->text, set_flag_words[k]))
						bit = k;
				if (bit < 0)
					return nr_unexpected(&c, NULL);
				s->flags |= 1u << bit;
				c.i++;
				if (!nr_at(&c, ","))
					break;
				c.i++;
			}
		} else if (nr_tok_is(t, "size")) {
			uint64_t n;
			if (nr_parse_u64(&c, &n) < 0)
				return -1;
			s->size = (uint32_t)n;
		} else if (nr_tok_is(t, "timeout")) {
			if (!v || nr_parse_duration(v->text, &s->timeout_ms) < 0)
				return nr_unexpected(&c, NULL);
			c.i++;
		} else if (nr_tok_is(t, "elements")) {
			if (!nr_at(&c, "="))
				return nr_unexpected(&c, "'='");
			c.i++;
			elems = nr_peek(&c);
			if (!elems || elems->kind != NT_GROUP)
				return nr_unexpected(&c, "'{'");
			c.i++;
		} else {
			c.i--;
			return nr_unexpected(&c, NULL);
		}
		if (nr_expect_end(&c) < 0)
			return -1;
	}
	if (!s->type) {
		struct nft_loc l = g->close;
		return nr_error_span(r, &l, &l, "%s definition does not specify "
				  "key", map ? "map" : "set");
	}
	if (map && !s->map) {
		struct nft_loc l = g->close;
		return nr_error_span(r, &l, &l, "map definition does not "
				     "specify data type");
	}
	if (elems) {
		struct nft_elem *v = NULL;
		unsigned n = 0;
		struct span *spans = NULL;
		int rc = set_elems_from(r, tb, s, false, elems, &v, &n,
					s->obj_kind ? &spans : NULL);
		free(spans);
		if (!rc) {
			nr_echo_note_elems(r, tb, s, v, n);
			nft_set_add_elems(s, v, n);
			free(v);
		} else {
			nft_elems_free(v, n);
		}
		if (rc)
			return -1;
	}
	return 0;
}

/* add set / a set inside a table block: NAME { ... } */
static int declare_set(struct run *r, struct nft_table *tb,
		       const struct nft_tok *cmd, const struct nft_tok *name,
		       const struct nft_tok *g, bool create, bool map,
		       bool in_block)
{
	struct nft_set *s = nft_set_find(tb, name->text);
	if (s && create)
		return nr_error_tok(r, name, "Could not process rule: File exists");
	if (!g || g->kind != NT_GROUP) {
		struct nft_loc l = nr_tok_end(name);
		l.col++;
		return nr_error_span(r, &l, &l, "syntax error, unexpected "
				  "newline, expecting '{'");
	}
	bool fresh = !s;
	if (!s)
		s = nft_set_add(tb, name->text);
	r->changed = true;
	/* noted before its elements, told as the set stands after them */
	nr_echo_note(r, ECHO_SET, tb, s->name, 0, false);
	if (set_block(r, tb, s, name, g, fresh, map, in_block) < 0)
		return -1;
	if ((s->flags & NFT_SET_INTERVAL) && (s->flags & NFT_SET_DYNAMIC)) {
		/* no set backend of the kernel keeps intervals and takes
		 * elements from the packet path (nft_select_set_ops):
		 * nft marks the set in a block, the command and its end
		 * on the command line */
		struct nft_loc a = cmd ? cmd->loc : name->loc;
		struct nft_loc b = cmd ? nr_tok_end(g) : nr_tok_end(name);
		if (cmd)
			b.col++;
		/* refused before the kernel numbers the set */
		if (fresh)
			tb->next_handle--;
		return nr_error_span(r, &a, &b, "Could not process rule: "
				     "Operation not supported");
	}
	return 0;
}

/* The hooks each type of chain may sit on, as the kernel's chain
 * types of ip, ip6 and inet declare them (hook_mask). */
static const unsigned type_hooks[] = {
	[NFT_CT_FILTER] = 1u << NFT_H_PREROUTING | 1u << NFT_H_INPUT |
			  1u << NFT_H_FORWARD | 1u << NFT_H_OUTPUT |
			  1u << NFT_H_POSTROUTING | 1u << NFT_H_INGRESS,
	[NFT_CT_NAT] = 1u << NFT_H_PREROUTING | 1u << NFT_H_INPUT |
		       1u << NFT_H_OUTPUT | 1u << NFT_H_POSTROUTING,
	[NFT_CT_ROUTE] = 1u << NFT_H_OUTPUT,
};

/* The kernel's answer to a chain's type, hook and priority (was: the
 * chain before the command, fresh: there was none): a type on a hook
 * it does not take, or a base chain's hook or priority changed, is
 * EOPNOTSUPP, marked over the command (cmd; in a block the chain's
 * name); a regular chain given a hook, or a base chain another type,
 * EEXIST at the name. */
static int chain_kernel_check(struct run *r, const struct nft_chain *ch,
			      const struct nft_chain *was, bool fresh,
			      const struct nft_tok *cmd,
			      const struct nft_tok *name,
			      const struct nft_tok *g)
{
	if (!ch->base)
		return 0;
	struct nft_loc a = cmd ? cmd->loc : name->loc;
	struct nft_loc b = cmd ? nr_tok_end(g) : nr_tok_end(name);
	if (cmd)
		b.col++;
	if (!fresh && !was->base)
		return nr_error_tok(r, name, "Could not process rule: File "
				    "exists");
	if (fresh ? !(type_hooks[ch->type] & 1u << ch->hook)
		  : ch->hook != was->hook || ch->prio != was->prio)
		return nr_error_span(r, &a, &b, "Could not process rule: "
				     "Operation not supported");
	if (!fresh && ch->type != was->type)
		return nr_error_tok(r, name, "Could not process rule: File "
				    "exists");
	return 0;
}

static int declare_chain(struct run *r, struct nft_table *tb,
			 const struct nft_tok *cmd, const struct nft_tok *name,
			 const struct nft_tok *g, bool create)
{
	struct nft_chain *ch = nft_chain_find(tb, name->text);
	if (ch && create)
		return nr_error_tok(r, name, "Could not process rule: File exists");
	bool fresh = !ch;
	if (!ch)
		ch = nft_chain_add(tb, name->text);
	struct nft_chain was = *ch;
	r->changed = true;
	nr_echo_note(r, ECHO_CHAIN, tb, ch->name, 0, false);
	if (g && (chain_block_head(r, tb, ch, g->group) < 0 ||
		  chain_kernel_check(r, ch, &was, fresh, cmd, name, g) < 0)) {
		/* refused before the kernel numbers the chain */
		if (fresh)
			tb->next_handle--;
		return -1;
	}
	return 0;
}

/* A table block: chains first, then sets, then the rules, the order
 * in which nft sends them (and so the order of their handles). Its
 * comment is kept only by the add that makes the table: the kernel
 * leaves a table's comment alone when it updates the table. */
static int table_block(struct run *r, struct nft_table *tb,
		       const struct nft_group *g, bool fresh)
{
	for (int pass = 0; pass < 3; pass++)
		for (unsigned i = 0; i < g->n; i++) {
			struct nft_item *it = &g->items[i];
			struct cur c = { r, it, 0, g->close, false };
			struct nft_tok *t = nr_peek(&c);
			if (!t)
				continue;
			if (pass == 0 && check_terminated(r, g, i) < 0)
				return -1;
			if (nr_tok_is(t, "comment")) {
				if (pass)
					continue;
				char *comment = NULL;
				if (block_comment(&c, &comment) < 0)
					return -1;
				if (fresh) {
					free(tb->comment);
					tb->comment = comment;
				} else {
					free(comment);
				}
				r->changed = true;
				continue;
			}
			if (nr_tok_is(t, "flags")) {
				if (pass)
					continue;
				c.i++;
				if (!nr_at(&c, "dormant"))
					return nr_unexpected(&c, NULL);
				tb->dormant = true;
				c.i++;
				if (nr_expect_end(&c) < 0)
					return -1;
				r->changed = true;
				continue;
			}
			if (nr_tok_is(t, "counter") || nr_tok_is(t, "quota") ||
			    nr_tok_is(t, "limit")) {
				if (pass == 1 && nr_table_obj(r, tb, &c) < 0)
					return -1;
				continue;
			}
			if (!nr_tok_is(t, "chain") && !nr_tok_is(t, "set") &&
			    !nr_tok_is(t, "map"))
				return pass ? 0 : nr_unexpected(&c, NULL);
			bool chain = nr_tok_is(t, "chain");
			bool map = nr_tok_is(t, "map");
			c.i++;
			struct nft_tok *name = nr_take_spec_name(&c);
			if (!name)
				return -1;
			struct nft_tok *blk = nr_peek(&c);
			if (blk && blk->kind == NT_GROUP)
				c.i++;
			else
				blk = NULL;
			if (nr_expect_end(&c) < 0)
				return -1;
			if (chain && pass == 0 &&
			    declare_chain(r, tb, NULL, name, blk, false) < 0)
				return -1;
			if (!chain && pass == 1 &&
			    declare_set(r, tb, NULL, name, blk, false, map, true) < 0)
				return -1;
			if (chain && pass == 2 && blk &&
			    chain_block_rules(r, tb, name->text, blk->group) < 0)
				return -1;
		}
	return 0;
}

/* ---- commands ---- */

enum verb { V_ADD, V_CREATE, V_INSERT, V_REPLACE, V_DELETE, V_DESTROY,
	    V_FLUSH, V_LIST, V_GET, V_RENAME };

/* The { ... } an add or create may end with: taken, NULL where there
 * is none (another verb's braces are left to its syntax error) */
static struct nft_tok *take_block(struct cur *c, enum verb v)
{
	struct nft_tok *blk = nr_peek(c);
	if (!blk || blk->kind != NT_GROUP || (v != V_ADD && v != V_CREATE))
		return NULL;
	c->i++;
	return blk;
}

static int cmd_table(struct run *r, struct cur *c, enum verb v)
{
	int fam = take_family(c);
	if (v == V_DELETE && nr_at(c, "handle")) {
		c->i++;
		struct nft_tok *ht = nr_peek(c);
		uint64_t h;
		if (nr_parse_u64(c, &h) < 0)
			return -1;
		for (unsigned i = 0; i < r->rs->ntables; i++)
			if ((int)r->rs->tables[i].family == fam &&
			    r->rs->tables[i].handle == h) {
				nft_table_delete(r->rs, &r->rs->tables[i]);
				r->changed = true;
				return nr_expect_end(c);
			}
		return nr_error_tok(r, ht, ENOENT_KERNEL);
	}
	const char *want = v == V_DELETE ? "handle or string" : "string";
	struct nft_tok *name = nr_take_spec_name_as(c, want);
	if (!name)
		return -1;
	struct nft_tok *blk = take_block(c, v);
	if (nr_expect_end(c) < 0)
		return -1;
	struct nft_table *t = nft_table_find(r->rs, fam, name->text);
	switch (v) {
	case V_ADD:
	case V_CREATE:
		if (fam != NFT_F_IP && fam != NFT_F_IP6 && fam != NFT_F_INET &&
		    fam != NFT_F_ARP && fam != NFT_F_BRIDGE &&
		    fam != NFT_F_NETDEV)
			return nr_error_tok(r, name, "unknown family");
		if (t && v == V_CREATE)
			return nr_error_tok(r, name, "Could not process rule: "
					 "File exists");
		bool fresh = !t;
		if (!t) {
			t = nft_table_add(r->rs, (enum nft_family)fam,
					  name->text);
			nr_echo_note(r, ECHO_TABLE, t, NULL, 0, false);
		} else if (!blk && !t->dormant) {
			r->idle++;
		}
		/* nft sends a table's flags with every add: one without
		 * "flags dormant" wakes a dormant table */
		t->dormant = false;
		r->changed = true;
		return blk ? table_block(r, t, blk->group, fresh) : 0;
	case V_DELETE:
	case V_DESTROY:
		if (!t)
			return v == V_DESTROY ? 0 : no_table(r, name, true);
		nft_table_delete(r->rs, t);
		r->changed = true;
		return 0;
	case V_FLUSH:
		if (!t)
			return nr_error_tok(r, name, ENOENT_KERNEL);
		nft_table_flush(t);
		r->changed = true;
		return 0;
	case V_LIST:
		if (!t)
			return nr_error_tok(r, name, "No such file or directory");
		{
			struct nft_print_opts po = {
				.handles = r->o->handles,
				.stateless = r->o->stateless };
			if (r->o->json)
				nft_json_table(t, &po, r->out);
			else
				nft_print_table(t, &po, r->out);
		}
		return 0;
	default:
		return nr_unexpected(c, NULL);
	}
}

/* [family] TABLE NAME: the table (NULL after an error). The object's
 * name after the table is read first: a keyword there is a syntax
 * error before the table is looked up. */
static struct nft_table *table_of(struct run *r, struct cur *c, bool kernel,
				  struct nft_tok **tname, bool lookup,
				  const char *want)
{
	int fam = take_family(c);
	struct nft_tok *tn = lookup ? take_lookup_name(c)
				    : nr_take_spec_name(c);
	if (!tn)
		return NULL;
	if (tname)
		*tname = tn;
	struct nft_tok *next = nr_peek(c);
	if (!nr_at(c, "handle") && next && !(next->kind == NT_WORD &&
					  !nr_is_keyword(next->text)) &&
	    next->kind != NT_STRING) {
		nr_unexpected(c, want);
		return NULL;
	}
	return find_table_tok(r, fam, tn, kernel);
}

struct nft_table *nr_table_of(struct run *r, struct cur *c, bool must,
			       const char *want)
{
	return table_of(r, c, must, NULL, false, want);
}

static int cmd_chain(struct run *r, struct cur *c, enum verb v)
{
	struct nft_table *t = table_of(r, c, v == V_DELETE || v == V_FLUSH,
				       NULL, false, v == V_DELETE
						    ? "handle or string"
						    : "string");
	if (!t)
		return -1;
	struct nft_chain *ch = NULL;
	struct nft_tok *name = NULL;
	if (v == V_DELETE && nr_at(c, "handle")) {
		c->i++;
		name = nr_peek(c);
		uint64_t h;
		if (nr_parse_u64(c, &h) < 0)
			return -1;
		ch = nft_chain_by_handle(t, h);
	} else {
		name = nr_take_spec_name_as(c, v == V_DELETE
						  ? "handle or string" : "string");
		if (!name)
			return -1;
		ch = nft_chain_find(t, name->text);
	}
	struct nft_tok *blk = take_block(c, v);
	if (nr_expect_end(c) < 0)
		return -1;
	struct nft_print_opts po = { .handles = r->o->handles,
				     .stateless = r->o->stateless };
	switch (v) {
	case V_ADD:
	case V_CREATE:
		if (declare_chain(r, t, &c->it->toks[0], name, blk,
				  v == V_CREATE) < 0)
			return -1;
		return blk ? chain_block_rules(r, t, name->text, blk->group) : 0;
	case V_DELETE:
	case V_DESTROY:
		if (!ch)
			return v == V_DESTROY ? 0 : no_chain(r, t, name,
							     ENOENT_KERNEL);
		if (nft_chain_refs(t, ch->name))
			return nr_error_tok(r, name, "Could not process rule: "
					 "Device or resource busy");
		nft_chain_delete(t, ch);
		r->changed = true;
		return 0;
	case V_FLUSH:
		if (!ch)
			return nr_error_tok(r, name, ENOENT_KERNEL);
		if (!ch->nrules)
			r->idle++;
		while (ch->nrules)
			nft_rule_delete(ch, ch->nrules - 1);
		r->changed = true;
		return 0;
	case V_LIST:
		if (!ch)
			return nr_error_tok(r, name, "No such file or directory");
		if (r->o->json)
			nft_json_chain(t, ch, &po, r->out);
		else
			nft_print_one_chain(t, ch, &po, r->out);
		return 0;
	default:
		return nr_unexpected(c, NULL);
	}
}

static int cmd_rule(struct run *r, struct cur *c, enum verb v)
{
	struct nft_table *t = table_of(r, c, true, NULL, false, "string");
	if (!t)
		return -1;
	struct nft_tok *cname = nr_take_spec_name(c);
	if (!cname)
		return -1;
	struct nft_chain *ch = nft_chain_find(t, cname->text);
	if (!ch && (v == V_ADD || v == V_CREATE || v == V_INSERT)) {
		/* nft evaluates the rule before the kernel finds no
		 * chain: an error of its own comes first; the kernel
		 * made the rule's anonymous sets before */
		struct cur probe = *c;
		if (nr_at(&probe, "handle") || nr_at(&probe, "position") ||
		    nr_at(&probe, "index"))
			probe.i += 2;
		struct rule_build rb;
		memset(&rb, 0, sizeof(rb));
		struct qt_buf *real = r->err;
		struct qt_buf mine;
		qt_buf_init(&mine);
		r->err = &mine;
		bool any = nr_peek(&probe) != NULL;
		int prc = any ? parse_rule(&probe, t, &rb) : 0;
		r->err = real;
		bool own = prc < 0 && !r->kernel_stage;
		r->kernel_stage = false;
		if (any && !prc)
			t->next_handle += nft_rule_anon_sets(&rb.rule);
		build_free(&rb);
		if (own)
			qt_buf_put(r->err, qt_buf_str(&mine), mine.len);
		qt_buf_free(&mine);
		if (own)
			return -1;
	}
	if (!ch)
		return no_chain(r, t, cname, ENOENT_KERNEL);
	int at_index = -1;
	bool by_handle = false;
	struct nft_tok *where = nr_peek(c);
	if (nr_at(c, "handle") || nr_at(c, "position") || nr_at(c, "index")) {
		bool index = nr_at(c, "index");
		by_handle = true;
		c->i++;
		struct nft_tok *num = nr_peek(c);
		uint64_t n;
		if (nr_parse_u64(c, &n) < 0)
			return -1;
		if (index)
			at_index = n < ch->nrules ? (int)n : -1;
		else
			at_index = nft_rule_index(ch, n);
		if (at_index < 0 && v != V_DELETE && v != V_DESTROY) {
			/* the kernel made the rule's anonymous sets before
			 * it found no rule there */
			struct rule_build rb;
			struct qt_buf *real = r->err;
			struct qt_buf junk;
			qt_buf_init(&junk);
			r->err = &junk;
			struct cur probe = *c;
			parse_rule(&probe, t, &rb);
			r->err = real;
			r->kernel_stage = false;
			t->next_handle += nft_rule_anon_sets(&rb.rule);
			build_free(&rb);
			qt_buf_free(&junk);
		}
		if (at_index < 0 && !nr_tok_is(where, "handle")) {
			struct nft_loc b = nr_tok_end(num);
			return nr_error_span(r, &where->loc, &b, ENOENT_KERNEL);
		}
		if (at_index < 0)
			return nr_error_tok(r, num, ENOENT_KERNEL);
	}
	switch (v) {
	case V_ADD:
	case V_CREATE:
		return add_rule_at(r, t, ch, c, by_handle ? (unsigned)at_index + 1
							 : ch->nrules, false);
	case V_INSERT:
		return add_rule_at(r, t, ch, c, by_handle ? (unsigned)at_index
							 : 0, true);
	case V_REPLACE: {
		if (!by_handle)
			return nr_unexpected(c, "handle");
		struct rule_build rb;
		if (parse_rule(c, t, &rb) < 0) {
			build_free(&rb);
			return -1;
		}
		/* the rule keeps its handle; its anonymous sets take
		 * new ones */
		uint64_t handle = ch->rules[at_index].handle;
		/* the kernel tells of the old rule's end, then of the new */
		nr_echo_note_delrule(r, t, ch, &ch->rules[at_index]);
		nft_rule_delete(ch, (unsigned)at_index);
		nft_rule_insert(t, ch, (unsigned)at_index, &rb.rule);
		t->next_handle--;
		ch->rules[at_index].handle = handle;
		free(rb.spans);
		r->changed = true;
		nr_echo_note(r, ECHO_RULE, t, ch->name, handle, false);
		return 0;
	}
	case V_DELETE:
	case V_DESTROY:
		if (!by_handle)
			return nr_unexpected(c, "handle");
		if (nr_expect_end(c) < 0)
			return -1;
		nft_rule_delete(ch, (unsigned)at_index);
		r->changed = true;
		return 0;
	default:
		return nr_unexpected(c, NULL);
	}
}

static int cmd_set(struct run *r, struct cur *c, enum verb v, bool map)
{
	/* nft's cache misses the table first, but for a delete, which
	 * goes to the kernel */
	/* nft 1.0.6 deletes a set, not a map, by its handle too */
	const char *want = v == V_DELETE && !map ? "handle or string"
						 : "string";
	struct nft_table *t = table_of(r, c, v == V_DELETE ||
					     v == V_DESTROY, NULL, false, want);
	if (!t)
		return -1;
	struct nft_tok *name = nr_take_spec_name_as(c, want);
	if (!name)
		return -1;
	struct nft_tok *blk = take_block(c, v);
	if ((v == V_ADD || v == V_CREATE) && !blk)
		return nr_unexpected(c, "'{'");
	if (nr_expect_end(c) < 0)
		return -1;
	struct nft_set *s = nft_set_find(t, name->text);
	/* a map is no set to `list set`, nor a set a map (the kernel
	 * deletes either by name) */
	if (s && s->map != map && v == V_LIST)
		s = NULL;
	switch (v) {
	case V_ADD:
	case V_CREATE:
		return declare_set(r, t, &c->it->toks[0], name, blk,
				   v == V_CREATE, map, false);
	case V_DELETE:
	case V_DESTROY:
		if (!s)
			return v == V_DESTROY ? 0 : no_set(r, t, name,
							   ENOENT_KERNEL);
		if (nft_set_refs(t, s->name))
			return nr_error_tok(r, name, "Could not process rule: "
					 "Device or resource busy");
		nft_set_delete(t, s);
		r->changed = true;
		return 0;
	case V_FLUSH:
		if (!s)
			return no_set(r, t, name, "No such file or directory");
		nft_elems_free(s->elems, s->nelems);
		s->elems = NULL;
		s->nelems = 0;
		r->changed = true;
		return 0;
	case V_LIST:
		if (!s)
			return nr_error_tok(r, name, "No such file or directory");
		{
			struct nft_print_opts po = {
				.handles = r->o->handles,
				.stateless = r->o->stateless };
			if (r->o->json)
				nft_json_set(t, s, r->out);
			else
				nft_print_one_set(t, s, &po, r->out);
		}
		return 0;
	default:
		return nr_unexpected(c, NULL);
	}
}

/* ---- intervals that meet ---- */

static const struct nft_elem *by_lo_base;

static int by_lo(const void *a, const void *b)
{
	const struct nft_elem *x = &by_lo_base[*(const unsigned *)a];
	const struct nft_elem *y = &by_lo_base[*(const unsigned *)b];
	int c = nft_val_cmp(&x->lo, &y->lo);
	if (c)
		return c;
	return *(const unsigned *)a < *(const unsigned *)b ? -1 : 1;
}

/* The indexes of v[0..n) in the order of their low ends. */
static unsigned *order_by_lo(const struct nft_elem *v, unsigned n)
{
	unsigned *o = malloc(((size_t)n + 1) * sizeof(*o));
	if (!o)
		abort();
	for (unsigned i = 0; i < n; i++)
		o[i] = i;
	by_lo_base = v;
	qsort(o, n, sizeof(*o), by_lo);
	by_lo_base = NULL;
	return o;
}

static bool same_interval(const struct nft_elem *a, const struct nft_elem *b)
{
	return !nft_val_cmp(&a->lo, &b->lo) && !nft_val_cmp(&a->hi, &b->hi);
}

static const struct nft_val *elem_hi(const struct nft_elem *e)
{
	return e->kind == NFT_E_VALUE ? &e->lo : &e->hi;
}

/* An element added to an interval set that meets another of the same
 * command (nft: conflicting intervals specified) or one the set holds
 * (interval overlaps with an existing one) is refused, as nft refuses
 * it; the same interval again is no change. Keys in network byte order
 * only, one part: their bytes compare as their values. */
int nr_interval_conflicts(struct run *r, const struct nft_dtype *ty,
			  const struct nft_elem *e, unsigned n,
			  const struct span *sp)
{
	if (!ty || ty->host_order || !n || !sp)
		return 0;
	unsigned *o = order_by_lo(e, n);
	/* the element with the highest end so far, in order of low ends */
	unsigned top = o[0];
	for (unsigned k = 1; k < n; k++) {
		const struct nft_elem *x = &e[o[k]];
		if (nft_val_cmp(&x->lo, elem_hi(&e[top])) <= 0 &&
		    !same_interval(x, &e[top])) {
			/* nft marks the one that comes first in order */
			unsigned a = top, b = o[k];
			struct mark m[2] = {
				{ sp[a].a, sp[a].b, '~' },
				{ sp[b].a, sp[b].b, '^' },
			};
			free(o);
			return nr_error_multi(r, m, 2, "conflicting intervals "
					      "specified");
		}
		if (nft_val_cmp(elem_hi(x), elem_hi(&e[top])) > 0)
			top = o[k];
	}
	free(o);
	return 0;
}

static int interval_overlap(struct run *r, const struct nft_set *s,
			    const struct nft_elem *e, unsigned n,
			    const struct span *sp)
{
	if (!(s->flags & NFT_SET_INTERVAL) || s->nktypes > 1 || !s->type ||
	    s->type->host_order || !n || !sp)
		return 0;
	if (nr_interval_conflicts(r, s->type, e, n, sp) < 0)
		return -1;
	if (!s->nelems)
		return 0;
	/* the set's: in order of low ends, each with the highest end up
	 * to it */
	unsigned *o = order_by_lo(s->elems, s->nelems);
	unsigned *maxi = malloc((size_t)s->nelems * sizeof(*maxi));
	if (!maxi)
		abort();
	for (unsigned k = 0; k < s->nelems; k++) {
		maxi[k] = o[k];
		if (k && nft_val_cmp(elem_hi(&s->elems[maxi[k - 1]]),
				     elem_hi(&s->elems[o[k]])) > 0)
			maxi[k] = maxi[k - 1];
	}
	int rc = 0;
	for (unsigned i = 0; i < n && !rc; i++) {
		/* the last of the set's starting at or below i's end */
		unsigned lo = 0, hi = s->nelems;
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			if (nft_val_cmp(&s->elems[o[mid]].lo, elem_hi(&e[i])) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!lo)
			continue;
		const struct nft_elem *m = &s->elems[maxi[lo - 1]];
		if (nft_val_cmp(elem_hi(m), &e[i].lo) < 0 ||
		    same_interval(m, &e[i]))
			continue;
		rc = nr_error_span(r, &sp[i].a, &sp[i].b, "interval overlaps "
				   "with an existing one");
	}
	free(maxi);
	free(o);
	return rc;
}

/* Does set element x hold e: its value, or a range within x's,
 * part by part in a concatenation? */
static bool elem_holds(const struct nft_set *s, const struct nft_elem *x,
		       const struct nft_elem *e)
{
	if (x->catchall || e->catchall)
		return x->catchall && e->catchall;
	unsigned nk = s->nktypes > 1 ? s->nktypes : 1, off = 0;
	for (unsigned k = 0; k < nk; k++) {
		const struct nft_dtype *kt = nk > 1 ? s->ktypes[k] : s->type;
		unsigned len = nk > 1 ? (kt->bits + 7) / 8 : e->lo.len;
		struct nft_elem xp, ep;
		nft_elem_key_part(x, off, len, &xp);
		nft_elem_key_part(e, off, len, &ep);
		if (nft_val_cmp(&ep.lo, &xp.lo) < 0 ||
		    nft_val_cmp(&ep.hi, &xp.hi) > 0)
			return false;
		off += nk > 1 ? nft_concat_part_len(kt) : len;
	}
	return true;
}

/* get element: the set as `list set` shows it, with the element that
 * holds each one asked for (once per asking, in the set's order), in
 * text even under -j as nft 1.0.6; one the set lacks is the kernel's
 * ENOENT over the command (it an item of it) */
static int get_elems(struct run *r, const struct nft_table *t,
		     const struct nft_set *s, const struct nft_elem *e,
		     unsigned n, const struct nft_item *it)
{
	unsigned *times = calloc(s->nelems ? s->nelems : 1, sizeof(*times));
	if (!times)
		abort();
	for (unsigned i = 0; i < n; i++) {
		unsigned k = 0;
		while (k < s->nelems && !elem_holds(s, &s->elems[k], &e[i]))
			k++;
		if (k == s->nelems) {
			free(times);
			struct nft_loc b = nr_tok_end(&it->toks[it->n - 1]);
			b.col++;
			return nr_error_span(r, &it->toks[0].loc, &b,
					     ENOENT_KERNEL);
		}
		times[k]++;
	}
	struct nft_set got = *s;
	got.elems = calloc(n ? n : 1, sizeof(*got.elems));
	if (!got.elems)
		abort();
	got.nelems = 0;
	for (unsigned k = 0; k < s->nelems; k++)
		for (unsigned j = 0; j < times[k]; j++)
			got.elems[got.nelems++] = s->elems[k];
	struct nft_print_opts po = { .handles = r->o->handles,
				     .stateless = r->o->stateless };
	nft_print_one_set(t, &got, &po, r->out);
	free(got.elems);
	free(times);
	return 0;
}

static int cmd_element(struct run *r, struct cur *c, enum verb v)
{
	/* a missing table is nft's cache miss, whatever the verb */
	struct nft_table *t = table_of(r, c, false, NULL, true, "string");
	if (!t)
		return -1;
	struct nft_tok *name = take_lookup_name(c);
	if (!name)
		return -1;
	struct nft_set *s = nft_set_find(t, name->text);
	if (!s)
		return no_set(r, t, name, "No such file or directory");
	struct nft_tok *g = nr_peek(c);
	if (!g || g->kind != NT_GROUP)
		return nr_unexpected(c, "'{' or '$'");
	c->i++;
	if (nr_expect_end(c) < 0)
		return -1;
	struct nft_elem *e = NULL;
	unsigned n = 0;
	struct span *spans = NULL;
	int rc = set_elems_from(r, t, s, v == V_DELETE || v == V_DESTROY ||
				v == V_GET, g, &e, &n, &spans);
	if (!rc && v == V_GET)
		rc = get_elems(r, t, s, e, n, c->it);
	if (!rc && (v == V_ADD || v == V_CREATE || v == V_INSERT))
		rc = interval_overlap(r, s, e, n, spans);
	if (!rc && v == V_CREATE) {
		/* create refuses an element the set holds (NLM_F_EXCL):
		 * the whole command, as the kernel's transaction */
		int had = nft_set_present(s, e, n);
		if (had >= 0)
			rc = nr_error_span(r, &spans[had].a, &spans[had].b,
					   "Could not process rule: File exists");
	}
	if (!rc && (v == V_ADD || v == V_CREATE || v == V_INSERT)) {
		nr_echo_note_elems(r, t, s, e, n);
		nft_set_take_elems(s, e, n);
		free(spans);
		r->changed = true;
		return nat_check(r, t, c->it);
	} else if (!rc && v == V_GET) {
		/* told by get_elems */
	} else if (!rc && (v == V_DELETE || v == V_DESTROY)) {
		int missing = nft_set_missing(s, e, n);
		if (missing >= 0) {
			/* the first element not there */
			unsigned i = (unsigned)missing;
			rc = v == V_DESTROY ? 0 : -1;
			if (rc)
				nr_error_span(r, &spans[i].a, &spans[i].b,
					      ENOENT_KERNEL);
		} else {
			nft_set_del_elems(s, e, n);
			r->changed = true;
		}
	} else if (!rc) {
		rc = nr_unexpected(c, NULL);
	}
	nft_elems_free(e, n);
	free(spans);
	return rc;
}

/* list counters|quotas|limits table [FAMILY] NAME: the objects of
 * that kind in one table */
static int list_table_objs(struct run *r, struct cur *c, const char *what)
{
	c->i++;
	int fam = take_family(c);
	struct nft_tok *name = nr_take_spec_name(c);
	if (!name || nr_expect_end(c) < 0)
		return -1;
	const struct nft_table *t = nft_table_find(r->rs, fam, name->text);
	if (!t)
		return nr_error_tok(r, name, "No such file or directory");
	enum nft_stmt_kind kind = what[0] == 'c' ? NFT_S_COUNTER
				  : what[0] == 'q' ? NFT_S_QUOTA : NFT_S_LIMIT;
	struct nft_print_opts po = { .handles = r->o->handles,
				     .stateless = r->o->stateless };
	if (r->o->json)
		nft_json_objs(r->rs, -1, t, NULL, kind, r->out);
	else
		nft_print_objs(r->rs, -1, t, NULL, kind, &po, r->out);
	return 0;
}

static int cmd_list_many(struct run *r, struct cur *c, const char *what)
{
	int fam = -1;
	struct nft_tok *t = nr_peek(c);
	if (nr_tok_is(t, "table") &&
	    (!strcmp(what, "counters") || !strcmp(what, "quotas") ||
	     !strcmp(what, "limits")))
		return list_table_objs(r, c, what);
	if (t && t->kind == NT_WORD) {
		fam = nft_family_parse(t->text);
		if (fam < 0)
			return nr_unexpected(c, NULL);
		c->i++;
	}
	if (nr_expect_end(c) < 0)
		return -1;
	struct nft_print_opts po = { .handles = r->o->handles,
				     .stateless = r->o->stateless };
	if (r->o->json) {
		if (!strcmp(what, "ruleset"))
			nft_json_ruleset(r->rs, fam, &po, r->out);
		else if (!strcmp(what, "tables"))
			nft_json_tables(r->rs, fam, r->out);
		else if (!strcmp(what, "chains"))
			nft_json_chains(r->rs, fam, r->out);
		else if (!strcmp(what, "counters") || !strcmp(what, "quotas") ||
			 !strcmp(what, "limits"))
			nft_json_objs(r->rs, fam, NULL, NULL, what[0] == 'c'
				      ? NFT_S_COUNTER : what[0] == 'q'
				      ? NFT_S_QUOTA : NFT_S_LIMIT, r->out);
		else if (!strcmp(what, "maps"))
			nft_json_maps(r->rs, fam, r->out);
		else
			nft_json_sets(r->rs, fam, r->out);
		return 0;
	}
	if (!strcmp(what, "ruleset")) {
		nft_print_ruleset(r->rs, fam, &po, r->out);
	} else if (!strcmp(what, "tables")) {
		for (unsigned i = 0; i < r->rs->ntables; i++)
			if (fam < 0 || (int)r->rs->tables[i].family == fam)
				qt_buf_printf(r->out, "table %s %s\n",
					      nft_family_name(r->rs->tables[i].family),
					      r->rs->tables[i].name);
	} else if (!strcmp(what, "chains")) {
		nft_print_chains(r->rs, fam, &po, r->out);
	} else if (!strcmp(what, "counters") || !strcmp(what, "quotas") ||
		   !strcmp(what, "limits")) {
		nft_print_objs(r->rs, fam, NULL, NULL, what[0] == 'c'
			       ? NFT_S_COUNTER : what[0] == 'q' ? NFT_S_QUOTA
			       : NFT_S_LIMIT, &po, r->out);
	} else if (!strcmp(what, "maps")) {
		nft_print_maps(r->rs, fam, &po, r->out);
	} else {
		nft_print_sets(r->rs, fam, &po, r->out);
	}
	return 0;
}

static int flush_ruleset(struct run *r, struct cur *c)
{
	int fam = -1;
	struct nft_tok *t = nr_peek(c);
	if (t && t->kind == NT_WORD) {
		fam = nft_family_parse(t->text);
		if (fam < 0)
			return nr_unexpected(c, NULL);
		c->i++;
	}
	if (nr_expect_end(c) < 0)
		return -1;
	for (unsigned i = r->rs->ntables; i-- > 0;)
		if (fam < 0 || (int)r->rs->tables[i].family == fam)
			nft_table_delete(r->rs, &r->rs->tables[i]);
	r->changed = true;
	return 0;
}

/* rename chain [FAMILY] TABLE CHAIN NEWNAME: the chain and every jump
 * and goto to it (nft's rename: NEWCHAIN with the chain's handle). A
 * missing chain is nft's cache miss; the kernel's refusals mark the
 * whole command. */
static int cmd_rename(struct run *r, struct cur *c)
{
	if (!nr_at(c, "chain"))
		return nr_unexpected(c, "chain");
	c->i++;
	struct nft_table *t = table_of(r, c, false, NULL, false, "string");
	if (!t)
		return -1;
	struct nft_tok *name = nr_take_spec_name(c);
	if (!name)
		return -1;
	struct nft_tok *to = nr_take_name(c);
	if (!to || nr_expect_end(c) < 0)
		return -1;
	struct nft_chain *ch = nft_chain_find(t, name->text);
	if (!ch)
		return no_chain(r, t, name, "No such file or directory");
	/* nft's mark of a command takes its end too */
	struct nft_loc a = c->it->toks[0].loc, b = nr_tok_end(to);
	b.col++;
	if (strlen(to->text) >= NFT_NAME_MAX)
		return nr_error_span(r, &a, &b, "Could not process rule: "
				     "Numerical result out of range");
	if (nft_chain_find(t, to->text))
		return nr_error_span(r, &a, &b, "Could not process rule: "
				     "File exists");
	nft_chain_rename(t, ch, to->text);
	r->changed = true;
	return 0;
}

static const char *const verbs[] = {
	"add", "create", "insert", "replace", "delete", "destroy", "flush",
	"list", "get", "rename",
};

static int run_group(struct run *r, struct nft_group *g);

static int do_include(struct run *r, struct cur *c)
{
	struct nft_tok *t = nr_peek(c);
	if (!t || t->kind != NT_STRING)
		return nr_unexpected(c, "quoted string");
	c->i++;
	if (nr_expect_end(c) < 0)
		return -1;
	char path[4096];
	if (t->text[0] == '/' || !r->o->cwd)
		snprintf(path, sizeof(path), "%s", t->text);
	else
		snprintf(path, sizeof(path), "%s/%s", r->o->cwd, t->text);
	if (r->depth >= MAX_INCLUDE_DEPTH || r->nsrcs >= MAX_SRCS)
		return nr_error_tok(r, t, "Include nested too deeply, max %d "
				 "levels", MAX_INCLUDE_DEPTH);
	FILE *f = fopen(path, "r");
	if (!f) {
		/* up to the end of the statement, its terminator included */
		struct nft_loc b = nr_tok_end(t);
		b.col++;
		return nr_error_span(r, &c->it->toks[0].loc, &b,
				  "File not found: %s", path);
	}
	struct qt_buf text;
	qt_buf_init(&text);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		qt_buf_put(&text, buf, n);
	fclose(f);
	unsigned src = r->nsrcs++;
	r->srcs[src].name = strdup(path);
	r->srcs[src].len = text.len;
	r->srcs[src].text = malloc(text.len + 1);
	if (!r->srcs[src].name || !r->srcs[src].text)
		abort();
	memcpy(r->srcs[src].text, qt_buf_str(&text), text.len + 1);
	qt_buf_free(&text);
	struct nft_scan s;
	if (nft_tree_parse(r->srcs[src].text, r->srcs[src].len, src, &s) < 0)
		return nr_error_span(r, &s.err_loc, &s.err_loc, "%s", s.err_msg);
	r->trees[src] = s.root;
	r->depth++;
	int rc = run_group(r, s.root);
	r->depth--;
	return rc;
}

static int do_define(struct run *r, struct cur *c)
{
	struct nft_tok *name = nr_take_name(c);
	if (!name)
		return -1;
	if (!nr_at(c, "="))
		return nr_unexpected(c, "'='");
	c->i++;
	if (!nr_peek(c))
		return nr_unexpected(c, NULL);
	for (unsigned k = 0; k < r->ndefs; k++)
		if (!strcmp(r->defs[k].name, name->text))
			return nr_error_tok(r, name, "redefinition of symbol '%s'",
					 name->text);
	struct def *d = realloc(r->defs, (r->ndefs + 1) * sizeof(*d));
	if (!d)
		abort();
	r->defs = d;
	/* the tokens' texts stay in their tree until the run ends */
	unsigned n = c->it->n - c->i;
	d[r->ndefs].name = name->text;
	d[r->ndefs].val.toks = malloc(n * sizeof(struct nft_tok));
	if (!d[r->ndefs].val.toks)
		abort();
	memcpy(d[r->ndefs].val.toks, &c->it->toks[c->i],
	       n * sizeof(struct nft_tok));
	d[r->ndefs].val.n = n;
	r->ndefs++;
	return 0;
}

/* $NAME replaced by its definition: a new token list sharing texts. */
/* The groups expansion made (their tokens' texts belong to the tree):
 * freed once the statement has run. */
static void scratch_push(struct run *r, struct nft_group *g)
{
	struct nft_group **v = realloc(r->scratch,
				       (r->nscratch + 1) * sizeof(*v));
	if (!v)
		abort();
	r->scratch = v;
	r->scratch[r->nscratch++] = g;
}

static void scratch_free(struct run *r)
{
	for (unsigned i = 0; i < r->nscratch; i++) {
		struct nft_group *g = r->scratch[i];
		for (unsigned k = 0; k < g->n; k++)
			free(g->items[k].toks);
		free(g->items);
		free(g);
	}
	free(r->scratch);
	r->scratch = NULL;
	r->nscratch = 0;
}

static int expand_vars(struct run *r, struct nft_item *it,
		       struct nft_item *out)
{
	out->toks = NULL;
	out->n = 0;
	out->terminated = it->terminated;
	out->term = it->term;
	for (unsigned i = 0; i < it->n; i++) {
		struct nft_tok *t = &it->toks[i];
		if (t->kind == NT_GROUP) {
			/* definitions reach into blocks too */
			struct nft_group *g = nft_group_new();
			scratch_push(r, g);
			g->close = t->group->close;
			for (unsigned k = 0; k < t->group->n; k++) {
				struct nft_item *x = calloc(1, sizeof(*x));
				if (!x)
					abort();
				if (expand_vars(r, &t->group->items[k], x) < 0) {
					free(x);
					free(out->toks);
					out->toks = NULL;
					return -1;
				}
				nft_group_push(g, x);
			}
			struct nft_tok copy = *t;
			copy.group = g;
			nft_item_push(out, &copy);
			continue;
		}
		if (nr_tok_is(t, "$") && i + 1 < it->n &&
		    it->toks[i + 1].kind == NT_WORD) {
			struct nft_tok *n = &it->toks[i + 1];
			const struct def *d = NULL;
			for (unsigned k = r->ndefs; k-- > 0;)
				if (!strcmp(r->defs[k].name, n->text)) {
					d = &r->defs[k];
					break;
				}
			if (!d) {
				free(out->toks);
				out->toks = NULL;
				return nr_error_tok(r, n, "unknown identifier '%s'",
						 n->text);
			}
			for (unsigned k = 0; k < d->val.n; k++)
				nft_item_push(out, &d->val.toks[k]);
			i++;
			continue;
		}
		nft_item_push(out, t);
	}
	return 0;
}

/* reset counters|quotas [FAMILY] [table [FAMILY] NAME], reset
 * counter|quota [FAMILY] TABLE NAME: the ruleset holds no counter or
 * quota objects, so the lists are empty and a named one is not there. */
/* reset counters|quotas [FAMILY | table [FAMILY] NAME], reset
 * counter|quota [FAMILY] TABLE NAME: the objects listed as they were,
 * then zeroed */
static int cmd_reset(struct run *r, struct cur *c)
{
	bool many = nr_at(c, "counters") || nr_at(c, "quotas");
	if (!many && !nr_at(c, "counter") && !nr_at(c, "quota"))
		return nr_unexpected(c, "counter or counters or quotas or quota");
	enum nft_stmt_kind kind = nr_peek(c)->text[0] == 'c' ? NFT_S_COUNTER
							     : NFT_S_QUOTA;
	c->i++;
	int fam = -1;
	struct nft_tok *f = nr_peek(c);
	if (f && f->kind == NT_WORD && nft_family_parse(f->text) >= 0 &&
	    (many || nr_peek_at(c, 1))) {
		fam = nft_family_parse(f->text);
		c->i++;
	}
	struct nft_table *t = NULL;
	if (many) {
		if (fam < 0 && nr_at(c, "table")) {
			c->i++;
			fam = take_family(c);
			struct nft_tok *name = nr_take_name(c);
			if (!name)
				return -1;
			t = nft_table_find(r->rs, fam, name->text);
			if (!t)
				return nr_error_tok(r, name, "No such file or "
						    "directory");
		}
		if (nr_expect_end(c) < 0)
			return -1;
		return nr_reset_objs(r, fam, t, NULL, kind);
	}
	if (fam < 0)
		fam = NFT_F_IP;
	struct nft_tok *name = nr_take_name(c);
	if (!name)
		return -1;
	t = nft_table_find(r->rs, fam, name->text);
	if (!t)
		return nr_error_tok(r, name, "No such file or directory");
	struct nft_tok *on = nr_take_name(c);
	if (!on)
		return -1;
	if (nr_expect_end(c) < 0)
		return -1;
	struct nft_obj *o = nft_obj_find(t, kind, on->text);
	if (o)
		return nr_reset_objs(r, fam, t, o, kind);
	struct nft_loc b = nr_tok_end(&c->it->toks[c->it->n - 1]);
	if (!r->srcs[b.src].name)
		b.col++;
	return nr_error_span(r, &c->it->toks[0].loc, &b, ENOENT_KERNEL);
}

/* The ruleset the batch changes, made when its first command runs: a
 * copy of the one it found, or, when that command is `flush ruleset`,
 * an empty one straight away (what the flush leaves of any copy: the
 * handle counter), so that reloading a big ruleset does not copy the
 * old one only to free the copy. */
static struct nft_ruleset *working_copy(const struct run *r,
					const struct nft_item *it)
{
	if (it->n == 2 && nr_tok_is(&it->toks[0], "flush") &&
	    nr_tok_is(&it->toks[1], "ruleset")) {
		struct nft_ruleset *e = nft_ruleset_new();
		e->table_handle = r->before->table_handle;
		return e;
	}
	return nft_ruleset_clone(r->before);
}

static int run_item(struct run *r, struct nft_item *it, struct nft_loc end)
{
	struct cur c = { r, it, 0, end, false };
	struct nft_tok *t = nr_peek(&c);
	if (!t)
		return 0;
	if (nr_tok_is(t, "define")) {
		c.i++;
		return do_define(r, &c);
	}
	if (nr_tok_is(t, "include")) {
		c.i++;
		return do_include(r, &c);
	}
	if (!r->rs)
		r->rs = working_copy(r, it);
	if (nr_tok_is(t, "reset")) {
		c.i++;
		return cmd_reset(r, &c);
	}
	if (nr_tok_is(t, "table")) {
		r->batch++;
		return cmd_table(r, &(struct cur){ r, it, 1, end, false }, V_ADD);
	}
	int v = -1;
	for (int i = 0; i < (int)(sizeof(verbs) / sizeof(*verbs)); i++)
		if (nr_tok_is(t, verbs[i]))
			v = i;
	if (v < 0)
		return nr_unexpected(&c, NULL);
	if (v != V_LIST && v != V_GET)
		r->batch++;
	c.i++;
	struct nft_tok *o = nr_peek(&c);
	if (!o)
		return nr_unexpected(&c, NULL);
	if (v == V_GET && !nr_tok_is(o, "element"))
		return nr_unexpected(&c, "element");
	if (v == V_RENAME)
		return cmd_rename(r, &c);
	if (nr_tok_is(o, "ruleset") && (v == V_FLUSH || v == V_LIST)) {
		c.i++;
		return v == V_FLUSH ? flush_ruleset(r, &c)
				    : cmd_list_many(r, &c, "ruleset");
	}
	if (v == V_LIST && (nr_tok_is(o, "tables") || nr_tok_is(o, "chains") ||
			    nr_tok_is(o, "sets") || nr_tok_is(o, "maps") ||
			    nr_tok_is(o, "counters") || nr_tok_is(o, "quotas") ||
			    nr_tok_is(o, "limits"))) {
		c.i++;
		return cmd_list_many(r, &c, o->text);
	}
	c.i++;
	if (nr_tok_is(o, "table"))
		return cmd_table(r, &c, (enum verb)v);
	if (nr_tok_is(o, "chain"))
		return cmd_chain(r, &c, (enum verb)v);
	if (nr_tok_is(o, "rule"))
		return cmd_rule(r, &c, (enum verb)v);
	if (nr_tok_is(o, "set") || nr_tok_is(o, "map"))
		return cmd_set(r, &c, (enum verb)v, nr_tok_is(o, "map"));
	if (nr_tok_is(o, "element"))
		return cmd_element(r, &c, (enum verb)v);
	if ((nr_tok_is(o, "counter") || nr_tok_is(o, "quota") ||
	     nr_tok_is(o, "limit")) &&
	    (v == V_ADD || v == V_CREATE || v == V_DELETE || v == V_LIST))
		return nr_cmd_obj(r, &c, o, v == V_ADD || v == V_CREATE,
				  v == V_CREATE, v == V_DELETE, v == V_LIST);
	/* "add TABLE CHAIN ..." is "add rule ..." */
	c.i--;
	if (v == V_ADD || v == V_INSERT || v == V_REPLACE || v == V_DELETE)
		return cmd_rule(r, &c, (enum verb)v);
	return nr_unexpected(&c, NULL);
}

/* Does the statement (its blocks included) name a definition? */
static bool has_vars(const struct nft_item *it)
{
	for (unsigned i = 0; i < it->n; i++) {
		const struct nft_tok *t = &it->toks[i];
		if (t->kind == NT_GROUP) {
			for (unsigned k = 0; k < t->group->n; k++)
				if (has_vars(&t->group->items[k]))
					return true;
		} else if (nr_tok_is(t, "$")) {
			return true;
		}
	}
	return false;
}

static int run_group(struct run *r, struct nft_group *g)
{
	for (unsigned i = 0; i < g->n; i++) {
		/* a statement naming no definition runs as parsed: a
		 * copy of a long element list would cost more than
		 * reading it */
		struct nft_item x = g->items[i];
		bool copy = has_vars(&x);
		if (copy && expand_vars(r, &g->items[i], &x) < 0)
			return -1;
		struct nft_loc end = g->close;
		if (x.n) {
			end = nr_tok_end(&x.toks[x.n - 1]);
			end.col++;
		}
		int rc = run_item(r, &x, end);
		if (copy)
			free(x.toks);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void fix_syntax_msg(char *msg)
{
	/* bison's "expecting" lists are not nft's: keep what it found */
	char *e = strstr(msg, ", expecting");
	if (e)
		*e = '\0';
}

int nft_run(struct nft_ruleset **rs, const char *text, size_t len,
	    const struct nft_run_opts *o, struct qt_buf *out,
	    struct qt_buf *err, bool *changed)
{
	struct run r = { 0 };
	if (o->replaced)
		*o->replaced = NULL;
	r.o = o;
	r.out = out;
	r.err = err;
	r.rs = NULL;                 /* working_copy() */
	r.before = *rs;
	r.srcs[0].name = o->file ? strdup(o->file) : NULL;
	r.srcs[0].text = malloc(len + 1);
	if (!r.srcs[0].text)
		abort();
	memcpy(r.srcs[0].text, text, len);
	r.srcs[0].text[len] = '\0';
	r.srcs[0].len = len;
	r.nsrcs = 1;
	struct nft_scan s;
	int rc;
	size_t out_mark = out->len;
	if (nft_tree_parse(text, len, 0, &s) < 0) {
		fix_syntax_msg(s.err_msg);
		rc = nr_error_span(&r, &s.err_loc, &s.err_loc, "%s", s.err_msg);
	} else {
		r.trees[0] = s.root;
		rc = run_group(&r, s.root);
	}
	/* the batch went in: a new generation, and -e tells what it
	 * made (in JSON without the generation) */
	uint64_t gen = 0;
	bool went_in = rc == 0 && !o->check && r.batch > r.idle;
	if (went_in && o->generation)
		gen = ++*o->generation;
	if (went_in)
		nr_echo_render(&r, gen);
	nr_echo_free(&r);
	*changed = false;
	/* -c sends the batch to the kernel too, which numbers it
	 * before it discards it */
	if (r.rs && ((rc && r.kernel_stage) || (!rc && o->check))) {
		/* the kernel's counters moved on for what it numbered
		 * before the transaction failed */
		(*rs)->table_handle = r.rs->table_handle;
		for (unsigned i = 0; i < (*rs)->ntables; i++) {
			struct nft_table *t = &(*rs)->tables[i];
			struct nft_table *w = nft_table_find(r.rs, t->family,
							     t->name);
			if (w && w->handle == t->handle &&
			    w->next_handle != t->next_handle) {
				t->next_handle = w->next_handle;
				*changed = true;
			}
		}
		*changed = *changed || r.rs->table_handle != 0;
	}
	if (rc == 0 && !o->check && r.changed && r.rs) {
		if (o->replaced)
			*o->replaced = *rs;
		else
			nft_ruleset_free(*rs);
		*rs = r.rs;
		r.rs = NULL;
		*changed = true;
	}
	if (rc)
		qt_buf_truncate(out, out_mark);
	nft_ruleset_free(r.rs);
	for (unsigned i = 0; i < r.nsrcs; i++) {
		free(r.srcs[i].name);
		free(r.srcs[i].text);
		nft_group_free(r.trees[i]);
	}
	scratch_free(&r);
	for (unsigned i = 0; i < r.ndefs; i++)
		free(r.defs[i].val.toks);
	free(r.defs);
	return rc ? 1 : 0;
}
