/* The statements limit, quota and log as nft 1.0.6 reads them: its
 * grammar (limit_stmt, quota_stmt, log_stmt), its evaluation's
 * refusals, and the kernel's (nft_limit_init, nft_quota_do_init) that
 * nft reports for the statement. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_json_print.h"
#include "nft_print.h"
#include "nft_run_priv.h"

static const char *const time_units[] = { "second", "minute", "hour",
					  "day", "week" };
static const char *const byte_units[] = { "bytes", "kbytes", "mbytes" };

/* The shift of a byte unit's name (kbytes: 10), -1: none. */
static int byte_shift(const char *w, size_t n)
{
	for (int i = 0; i < 3; i++)
		if (strlen(byte_units[i]) == n && !strncmp(w, byte_units[i], n))
			return 10 * i;
	return -1;
}

static int wrong_format(struct cur *c, const struct nft_tok *a,
			const struct nft_tok *b)
{
	struct nft_loc e = nr_tok_end(b);
	return nr_error_span(c->r, &a->loc, &e, "Wrong rate format");
}

/* v << shift in v; false when it does not fit */
static bool shift_bytes(uint64_t *v, int shift)
{
	if (shift && *v > (UINT64_MAX >> shift))
		return false;
	*v <<= shift;
	return true;
}

/* limit_rate_pkts (NUM / UNIT) or limit_rate_bytes (NUM UNIT / UNIT, or
 * NUM "UNIT/UNIT"): the slash and the words around it may be one word
 * or several ("1 kbytes / second", "10/ second"). */
int nr_parse_limit(struct cur *c, struct nft_stmt *s)
{
	if (!nr_at(c, "rate"))
		return nr_unexpected(c, "rate");
	c->i++;
	if (nr_at(c, "over")) {
		s->over = true;
		c->i++;
	}
	struct nft_tok *num = nr_peek(c);
	if (!num || num->kind != NT_WORD)
		return nr_unexpected(c, "number");
	char *end;
	errno = 0;
	s->rate = strtoull(num->text, &end, 10);
	if (end == num->text || errno)
		return nr_unexpected(c, "number");
	if (*end && *end != '/')
		return nr_unexpected(c, NULL);
	c->i++;
	/* the text after the number up to the time unit, and the tokens
	 * the byte unit and the time unit end in */
	char u[64];
	snprintf(u, sizeof(u), "%s", end);
	struct nft_tok *bytes_tok = NULL, *unit_tok = num;
	struct nft_tok *t;
	if (!*u) {
		t = nr_peek(c);
		if (!t || t->kind != NT_WORD)
			return nr_unexpected(c, NULL);
		snprintf(u, sizeof(u), "%s", t->text);
		unit_tok = t;
		c->i++;
		if (u[0] != '/')
			bytes_tok = t;
		/* NUM "kbytes/" is a rate nft cannot read */
		if (bytes_tok && u[strlen(u) - 1] == '/')
			return wrong_format(c, num, t);
	}
	if (!strchr(u, '/')) {
		t = nr_peek(c);
		if (bytes_tok && t && t->kind == NT_WORD && t->text[0] == '/' &&
		    byte_shift(u, strlen(u)) >= 0) {
			size_t l = strlen(u);
			snprintf(u + l, sizeof(u) - l, "%s", t->text);
			unit_tok = t;
			c->i++;
		} else {
			/* nft reads NUM STRING as a rate and refuses it */
			return wrong_format(c, num, unit_tok);
		}
	}
	char *slash = strchr(u, '/');
	if (!slash[1]) {
		t = nr_peek(c);
		if (!t || t->kind != NT_WORD)
			return nr_unexpected(c, NULL);
		size_t l = strlen(u);
		snprintf(u + l, sizeof(u) - l, "%s", t->text);
		unit_tok = t;
		c->i++;
	}
	if (slash != u) {
		int sh = byte_shift(u, (size_t)(slash - u));
		if (sh < 0)
			return wrong_format(c, num, bytes_tok ? bytes_tok
							      : unit_tok);
		if (!shift_bytes(&s->rate, sh))
			return wrong_format(c, num, unit_tok);
		s->bytes_unit = byte_units[0];
	}
	const char *unit = slash + 1;
	for (size_t i = 0; i < 5; i++)
		if (!strcmp(unit, time_units[i]))
			s->unit = time_units[i];
	if (!s->unit) {
		/* the unit after the slash is the token nft did not want */
		struct nft_loc a = unit_tok->loc, b = nr_tok_end(unit_tok);
		a.col = b.col - (int)strlen(unit) + 1;
		if (a.col < unit_tok->loc.col)
			a.col = unit_tok->loc.col;
		return nr_error_span(c->r, &a, &b, "syntax error, unexpected "
				  "string");
	}
	s->burst = s->bytes_unit ? 0 : 5;
	if (!nr_at(c, "burst"))
		return 0;
	struct nft_tok *bt = nr_peek(c);
	c->i++;
	struct nft_tok *bn = nr_peek(c);
	if (nr_parse_u64(c, &s->burst) < 0)
		return -1;
	struct nft_tok *bu = nr_peek(c);
	if (!s->bytes_unit) {
		if (nr_at(c, "bytes"))
			/* a keyword of nft's, which bison names so */
			return nr_error_tok(c->r, bu, "syntax error, unexpected "
					    "bytes, expecting packets");
		if (!nr_at(c, "packets"))
			return nr_unexpected(c, "packets");
		c->i++;
		if (!s->burst) {
			struct nft_loc e = nr_tok_end(bu);
			return nr_error_span(c->r, &bt->loc, &e, "packet limit "
					     "burst must be > 0");
		}
		return 0;
	}
	if (!bu || bu->kind != NT_WORD || nr_tok_is(bu, "packets")) {
		char d[16];
		snprintf(d, sizeof(d), "%s", !bu ? nr_end_desc(c)
			 : bu->kind == NT_WORD ? "packets" : "string");
		if (!bu || bu->kind == NT_WORD) {
			const struct nft_loc *l = bu ? &bu->loc : &c->end;
			struct nft_loc e = bu ? nr_tok_end(bu) : c->end;
			return nr_error_span(c->r, l, &e, "syntax error, "
					     "unexpected %s, expecting string "
					     "or bytes", d);
		}
		return nr_unexpected(c, "string or bytes");
	}
	/* data_unit_parse reads the unit's name up to a slash */
	const char *sl = strchr(bu->text, '/');
	int sh = byte_shift(bu->text, sl ? (size_t)(sl - bu->text)
					 : strlen(bu->text));
	if (sh < 0 || !shift_bytes(&s->burst, sh))
		return wrong_format(c, bn, bu);
	c->i++;
	return 0;
}

/* The kernel's refusal of a limit statement (first: its "limit"). */
int nr_check_limit(struct cur *c, const struct nft_stmt *s,
		   const struct nft_tok *first)
{
	uint64_t max, cost;
	int e = nft_limit_params(s->rate, nft_limit_unit_seconds(s->unit),
				 s->burst, s->bytes_unit != NULL, &max, &cost);
	if (!e)
		return 0;
	struct nft_loc b = nr_tok_end(&c->it->toks[c->i - 1]);
	return nr_error_span(c->r, &first->loc, &b, "Could not process rule: "
			     "%s", e == EINVAL ? "Invalid argument"
			     : "Value too large for defined data type");
}

/* N UNIT of a quota in bytes (quota_unit: bytes, or a string as
 * data_unit_parse reads it) */
static int quota_bytes(struct cur *c, uint64_t *v,
		       const struct nft_tok *first)
{
	if (nr_parse_u64(c, v) < 0)
		return -1;
	struct nft_tok *u = nr_peek(c);
	if (!u || u->kind != NT_WORD) {
		if (!u) {
			struct nft_loc e = c->end;
			return nr_error_span(c->r, &c->end, &e, "syntax error, "
					     "unexpected %s, expecting "
					     "string or bytes", nr_end_desc(c));
		}
		return nr_unexpected(c, "string or bytes");
	}
	const char *sl = strchr(u->text, '/');
	int sh = byte_shift(u->text, sl ? (size_t)(sl - u->text)
				       : strlen(u->text));
	if (sh < 0 || !shift_bytes(v, sh))
		/* nft's place is the whole statement */
		return wrong_format(c, first, u);
	c->i++;
	return 0;
}

/* nft_quota_do_init's refusal: NULL or its message */
static const char *quota_refusal(const struct nft_stmt *s)
{
	return s->quota_bytes > INT64_MAX || s->quota_used > INT64_MAX
	       ? "Value too large for defined data type"
	       : s->quota_used > s->quota_bytes ? "Invalid argument" : NULL;
}

static int quota_args(struct cur *c, struct nft_stmt *s,
		      const struct nft_tok *first)
{
	if (nr_at(c, "over") || nr_at(c, "until")) {
		s->quota_over = nr_at(c, "over");
		c->i++;
	}
	if (quota_bytes(c, &s->quota_bytes, first) < 0)
		return -1;
	if (nr_at(c, "used")) {
		c->i++;
		if (quota_bytes(c, &s->quota_used, first) < 0)
			return -1;
	}
	return 0;
}

/* quota [over|until] N UNIT [used N UNIT] (after "quota") */
int nr_parse_quota(struct cur *c, struct nft_stmt *s,
		   const struct nft_tok *first)
{
	if (quota_args(c, s, first) < 0)
		return -1;
	const char *why = quota_refusal(s);
	if (why) {
		struct nft_loc b = nr_tok_end(&c->it->toks[c->i - 1]);
		return nr_error_span(c->r, &first->loc, &b,
				     "Could not process rule: %s", why);
	}
	return 0;
}

static const char *const log_levels[] = {
	"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
	"audit",
};

/* a number nft keeps in as many bits as mask holds (a group of 65536
 * is group 0) */
static int log_u32(struct cur *c, uint32_t *v, uint32_t mask)
{
	uint64_t n;
	if (nr_parse_u64(c, &n) < 0)
		return -1;
	*v = (uint32_t)n & mask;
	return 0;
}

/* flags tcp sequence[,options] | ip options | skuid | ether | all */
static int log_flags(struct cur *c, struct nft_stmt *s)
{
	if (nr_at(c, "all")) {
		s->log_flags |= NFT_LOG_ALL;
	} else if (nr_at(c, "skuid")) {
		s->log_flags |= NFT_LOG_UID;
	} else if (nr_at(c, "ether")) {
		s->log_flags |= NFT_LOG_MACDECODE;
	} else if (nr_at(c, "ip")) {
		c->i++;
		if (!nr_at(c, "options"))
			return nr_unexpected(c, "options");
		s->log_flags |= NFT_LOG_IPOPT;
	} else if (nr_at(c, "tcp")) {
		for (;;) {
			c->i++;
			if (nr_at(c, "sequence"))
				s->log_flags |= NFT_LOG_TCPSEQ;
			else if (nr_at(c, "options"))
				s->log_flags |= NFT_LOG_TCPOPT;
			else
				/* bison's name of nft's "sequence" */
				return nr_unexpected(c, "seq or options");
			if (!nr_tok_is(nr_peek_at(c, 1), ","))
				break;
			c->i++;
		}
	} else {
		return nr_unexpected(c, NULL);
	}
	c->i++;
	return 0;
}

/* log's arguments (after "log", first) and stmt_evaluate_log */
int nr_parse_log(struct cur *c, struct nft_stmt *s,
		 const struct nft_tok *first)
{
	bool has_level = false;
	for (;;) {
		if (nr_at(c, "prefix")) {
			c->i++;
			struct nft_tok *t = nr_peek(c);
			if (!t || (t->kind != NT_STRING &&
				   (t->kind != NT_WORD || nr_is_keyword(t->text))))
				return nr_unexpected(c, "string or quoted string "
						  "or string with a trailing "
						  "asterisk");
			free(s->prefix);
			s->prefix = nr_xstrdup(t->text);
			c->i++;
		} else if (nr_at(c, "level")) {
			c->i++;
			struct nft_tok *t = nr_peek(c);
			if (!t)
				return nr_unexpected(c, "string");
			s->level = -1;
			for (int i = 0; i < 9; i++)
				if (!strcmp(t->text, log_levels[i]))
					s->level = i;
			if (s->level < 0)
				return nr_error_tok(c->r, t, "invalid log level");
			has_level = true;
			c->i++;
		} else if (nr_at(c, "group")) {
			c->i++;
			if (log_u32(c, &s->group, 0xffff) < 0)
				return -1;
			s->has_group = true;
		} else if (nr_at(c, "snaplen")) {
			c->i++;
			if (log_u32(c, &s->snaplen, UINT32_MAX) < 0)
				return -1;
			s->has_snaplen = true;
		} else if (nr_at(c, "queue-threshold")) {
			c->i++;
			if (log_u32(c, &s->qthreshold, 0xffff) < 0)
				return -1;
			s->has_qthreshold = true;
		} else if (nr_at(c, "flags")) {
			c->i++;
			if (log_flags(c, s) < 0)
				return -1;
		} else {
			break;
		}
	}
	if (s->has_group || s->has_snaplen || s->has_qthreshold) {
		if (has_level)
			return nr_error_tok(c->r, first, "level and group are "
					    "mutually exclusive");
		if (s->log_flags)
			return nr_error_tok(c->r, first, "flags and group are "
					    "mutually exclusive");
	}
	if (s->level == 8 && (s->prefix || s->log_flags))
		return nr_error_tok(c->r, first, "log level audit doesn't "
				    "support any further options");
	/* what the kernel keeps and lists back (nft_log_dump): snaplen and
	 * queue-threshold only with a group, a queue-threshold of 0 (65536
	 * wrapped into its 16 bits) not at all */
	if (!s->has_group)
		s->has_snaplen = s->has_qthreshold = false;
	if (s->has_qthreshold && (s->qthreshold & 0xffff) == 0)
		s->has_qthreshold = false;
	return 0;
}

/* ---- named counters, quotas and limits ---- */

/* An object's values from the tokens at c on (one line of its block,
 * or what follows its name in a command). */
static int obj_values(struct cur *c, struct nft_stmt *st,
		      const struct nft_tok *first)
{
	switch (st->kind) {
	case NFT_S_COUNTER:
		/* nft's counter_config: packets and bytes in any order */
		while (nr_at(c, "packets") || nr_at(c, "bytes")) {
			bool pk = nr_at(c, "packets");
			c->i++;
			if (nr_parse_u64(c, pk ? &st->packets : &st->bytes) < 0)
				return -1;
		}
		break;
	case NFT_S_QUOTA:
		if (quota_args(c, st, first) < 0)
			return -1;
		break;
	default:
		if (nr_parse_limit(c, st) < 0)
			return -1;
		break;
	}
	return nr_expect_end(c);
}

/* The kernel's refusal of an object: placed over the whole command */
static int obj_refusal(struct cur *c, const struct nft_stmt *st)
{
	const char *why = NULL;
	if (st->kind == NFT_S_QUOTA) {
		why = quota_refusal(st);
	} else if (st->kind == NFT_S_LIMIT) {
		uint64_t max, cost;
		int e = nft_limit_params(st->rate,
					 nft_limit_unit_seconds(st->unit),
					 st->burst, st->bytes_unit != NULL,
					 &max, &cost);
		why = !e ? NULL : e == EINVAL ? "Invalid argument"
		      : "Value too large for defined data type";
	}
	if (!why)
		return 0;
	/* nft's place runs a character past the command */
	struct nft_loc b = nr_tok_end(&c->it->toks[c->it->n - 1]);
	b.col++;
	return nr_error_span(c->r, &c->it->toks[0].loc, &b,
			     "Could not process rule: %s", why);
}

/* NAME [{ VALUES }] or NAME VALUES after "counter", "quota", "limit"
 * (kw); into st with its kind set. */
static int obj_spec(struct cur *c, struct nft_stmt *st,
		    const struct nft_tok *kw)
{
	struct nft_tok *blk = nr_peek(c);
	if (!blk || blk->kind != NT_GROUP) {
		if (!blk && st->kind != NFT_S_COUNTER)
			return nr_unexpected(c, st->kind == NFT_S_QUOTA
						? "number" : "rate or '{'");
		if (!blk)
			return 0;
		/* nft places a quota's unit from a character into the
		 * name on */
		struct nft_tok at = c->it->toks[c->i - 1];
		at.loc.col++;
		(void)kw;
		return obj_values(c, st, &at);
	}
	c->i++;
	if (nr_expect_end(c) < 0)
		return -1;
	const struct nft_group *g = blk->group;
	bool any = false;
	for (unsigned i = 0; i < g->n; i++) {
		struct cur b = { c->r, &g->items[i], 0, g->close, false };
		if (!nr_peek(&b))
			continue;
		if (any || obj_values(&b, st, nr_peek(&b)) < 0)
			return any ? nr_unexpected(&b, NULL) : -1;
		any = true;
	}
	/* an empty block: a limit of rate 0, a quota of 0 bytes */
	return 0;
}

static enum nft_stmt_kind obj_kind(const struct nft_tok *t)
{
	return nr_tok_is(t, "counter") ? NFT_S_COUNTER
	       : nr_tok_is(t, "quota") ? NFT_S_QUOTA : NFT_S_LIMIT;
}

/* add|create: a new object, or an add of one there: a quota takes the
 * new values (the kernel's quota updates), a counter or limit stays */
static int obj_declare(struct run *r, struct nft_table *t,
		       const struct nft_tok *kw, const struct nft_tok *name,
		       const struct nft_stmt *st, bool create)
{
	struct nft_obj *o = nft_obj_find(t, st->kind, name->text);
	if (o && create)
		return nr_error_tok(r, name, "Could not process rule: File "
				    "exists");
	if (o) {
		if (st->kind == NFT_S_QUOTA) {
			o->st.quota_bytes = st->quota_bytes;
			o->st.quota_over = st->quota_over;
			r->changed = true;
		} else {
			/* the kernel has nothing to do: no generation */
			r->idle++;
		}
		return 0;
	}
	(void)kw;
	o = nft_obj_add(t, st->kind, name->text);
	o->st = *st;
	r->changed = true;
	nr_echo_note(r, ECHO_OBJ, t, o->name, o->handle, false);
	if (r->o->echo)
		r->echo[r->necho - 1].obj_kind = st->kind;
	return 0;
}

int nr_table_obj(struct run *r, struct nft_table *t, struct cur *c)
{
	struct nft_tok *kw = nr_peek(c);
	struct nft_stmt st;
	memset(&st, 0, sizeof(st));
	st.kind = obj_kind(kw);
	st.level = -1;
	c->i++;
	struct nft_tok *name = nr_take_spec_name(c);
	if (!name)
		return -1;
	if (obj_spec(c, &st, kw) < 0 || obj_refusal(c, &st) < 0)
		return -1;
	return obj_declare(r, t, kw, name, &st, false);
}

/* nft's cache misses an object: an object of any kind and table with a
 * name like it, or the kernel's miss */
static int no_obj(struct run *r, const struct nft_tok *name)
{
	const struct nft_table *ht = NULL;
	const struct nft_obj *hit = NULL;
	unsigned best = ~0u;
	/* one of the name of another kind is the nearest */
	for (unsigned i = 0; i < r->rs->ntables; i++)
		for (unsigned k = 0; k < r->rs->tables[i].nobjs; k++)
			if (best && !strcmp(name->text,
					    r->rs->tables[i].objs[k].name)) {
				ht = &r->rs->tables[i];
				hit = &ht->objs[k];
				best = 0;
			}
	for (unsigned i = 0; best && i < r->rs->ntables; i++)
		for (unsigned k = 0; k < r->rs->tables[i].nobjs; k++)
			if (nr_similar(name->text, r->rs->tables[i].objs[k].name,
				       &best)) {
				ht = &r->rs->tables[i];
				hit = &ht->objs[k];
			}
	if (!hit)
		return nr_error_tok(r, name, ENOENT_KERNEL);
	return nr_error_tok(r, name, "No such file or directory; did you mean "
			    "obj \xe2\x80\x98%s\xe2\x80\x99 in table %s "
			    "\xe2\x80\x98%s\xe2\x80\x99?", hit->name,
			    nft_family_name(ht->family), ht->name);
}

/* delete counter|quota|limit FAMILY TABLE handle N: the kernel finds
 * the object by its kind and handle */
static int del_obj_handle(struct run *r, struct cur *c, struct nft_table *t,
			  enum nft_stmt_kind kind)
{
	c->i++;
	struct nft_tok *ht = nr_peek(c);
	uint64_t h;
	if (nr_parse_u64(c, &h) < 0 || nr_expect_end(c) < 0)
		return -1;
	for (unsigned i = 0; i < t->nobjs; i++) {
		struct nft_obj *o = &t->objs[i];
		if (o->st.kind != kind || o->handle != h)
			continue;
		if (nft_obj_refs(t, o))
			return nr_error_tok(r, ht, "Could not process rule: "
					    "Device or resource busy");
		nft_obj_delete(t, o);
		r->changed = true;
		return 0;
	}
	return nr_error_tok(r, ht, ENOENT_KERNEL);
}

int nr_cmd_obj(struct run *r, struct cur *c, const struct nft_tok *kw,
	       bool add, bool create, bool del, bool list)
{
	struct nft_table *t = nr_table_of(r, c, !add && !list);
	if (!t)
		return -1;
	if (del && nr_at(c, "handle"))
		return del_obj_handle(r, c, t, obj_kind(kw));
	struct nft_tok *name = nr_take_spec_name(c);
	if (!name)
		return -1;
	struct nft_stmt st;
	memset(&st, 0, sizeof(st));
	st.kind = obj_kind(kw);
	st.level = -1;
	if (add)
		return obj_spec(c, &st, kw) < 0 || obj_refusal(c, &st) < 0
		       ? -1 : obj_declare(r, t, kw, name, &st, create);
	if (nr_expect_end(c) < 0)
		return -1;
	struct nft_obj *o = nft_obj_find(t, st.kind, name->text);
	if (list) {
		if (!o)
			return nr_error_tok(r, name, "No such file or directory");
		struct nft_print_opts po = { .handles = r->o->handles,
				     .stateless = r->o->stateless };
		if (r->o->json)
			nft_json_objs(r->rs, -1, t, o, st.kind, r->out);
		else
			nft_print_objs(r->rs, -1, t, o, st.kind, &po, r->out);
		return 0;
	}
	if (!del)
		return nr_unexpected(c, NULL);
	if (!o)
		return no_obj(r, name);
	if (nft_obj_refs(t, o))
		return nr_error_tok(r, name, "Could not process rule: Device "
				    "or resource busy");
	nft_obj_delete(t, o);
	r->changed = true;
	return 0;
}

int nr_parse_obj_ref(struct cur *c, struct nft_table *tb, struct nft_stmt *s)
{
	c->i++;
	struct nft_tok *n = nr_peek(c);
	if (!n || (n->kind != NT_STRING &&
		   (n->kind != NT_WORD || nr_is_keyword(n->text))))
		/* nft reads an expression there: it expects nothing */
		return nr_unexpected(c, NULL);
	/* the object's name as a constant of nft's string type, which
	 * holds 255 bytes and the NUL */
	if (strlen(n->text) >= 256)
		return nr_error_tok(c->r, n, "String exceeds maximum length "
				    "of 256");
	if (!nft_obj_find(tb, s->kind, n->text))
		return nr_error_tok(c->r, n, ENOENT_KERNEL);
	s->obj_name = nr_xstrdup(n->text);
	c->i++;
	return 0;
}

int nr_reset_objs(struct run *r, int family, struct nft_table *t,
		  struct nft_obj *o, enum nft_stmt_kind kind)
{
	struct nft_print_opts po = { .handles = r->o->handles,
				     .stateless = r->o->stateless };
	if (r->o->json)
		nft_json_objs(r->rs, family, t, o, kind, r->out);
	/* listed: the tables that hold one of the kind */
	for (unsigned i = 0; !r->o->json && i < r->rs->ntables; i++) {
		struct nft_table *x = &r->rs->tables[i];
		bool any = false;
		for (unsigned k = 0; k < x->nobjs; k++)
			any |= x->objs[k].st.kind == kind;
		if (any && (!t || x == t))
			nft_print_objs(r->rs, family, x, o, kind, &po, r->out);
	}
	for (unsigned i = 0; i < r->rs->ntables; i++) {
		struct nft_table *x = &r->rs->tables[i];
		if ((family >= 0 && (int)x->family != family) || (t && x != t))
			continue;
		for (unsigned k = 0; k < x->nobjs; k++) {
			struct nft_obj *y = &x->objs[k];
			if (y->st.kind != kind || (o && y != o))
				continue;
			y->st.packets = y->st.bytes = y->st.quota_used = 0;
			/* the engine zeroes its runtime at the commit */
			y->resets++;
			r->changed = true;
		}
	}
	return 0;
}
