/* ct's keys in rules: reading `ct [DIR] KEY` and settling what the
 * rule's context decides (an address's family, a port's protocol), as
 * nft's evaluation does. */
#include "nft_run_ct.h"

#include <string.h>

#include "nft_ct.h"

const struct nft_field *nr_ct_selector(struct cur *c)
{
	unsigned at = c->i;              /* "ct" */
	const char *w[3] = { NULL, NULL, NULL };
	for (unsigned k = 0; k < 3; k++) {
		struct nft_tok *t = nr_peek_at(c, k + 1);
		if (!t || t->kind != NT_WORD)
			break;
		w[k] = t->text;
	}
	unsigned used;
	int why;
	const struct nft_field *f = nft_ct_field(w, 3, &used, &why);
	if (!f) {
		c->i = at + 1 + (unsigned)why;
		nr_unexpected(c, NULL);
		return NULL;
	}
	const struct nft_ct_info *in = nft_ct_info(f);
	if (in && in->dir != NFT_CT_DIR_NONE && used == 2 &&
	    strcmp(w[0], "original") && strcmp(w[0], "reply")) {
		/* ct bytes original: nft's parser reads on to the end of
		 * the statement and stops there */
		while (nr_peek(c))
			c->i++;
		nr_unexpected(c, NULL);
		return NULL;
	}
	c->i = at + 1 + used;
	return f;
}

static bool single_value(const struct nft_stmt *s)
{
	return s->kind == NFT_S_MATCH && s->op == NFT_OP_EQ && !s->braces &&
	       !s->set_name && s->nelems == 1 && !s->bitop && !s->ncat &&
	       s->lhs == NFT_L_FIELD && s->elems[0].kind == NFT_E_VALUE;
}

/* The network family the statements before settle on: 4, 6 or 0; *at
 * the meta nfproto that settled it (-1: none). */
static int l3_of(const struct nft_table *tb, const struct rule_build *rb,
		 int *at)
{
	*at = -1;
	if (tb->family == NFT_F_IP)
		return 4;
	if (tb->family == NFT_F_IP6)
		return 6;
	int l3 = 0;
	for (unsigned i = 0; i < rb->rule.n; i++) {
		const struct nft_stmt *s = &rb->rule.stmts[i];
		if (s->kind != NFT_S_MATCH || s->lhs != NFT_L_FIELD)
			continue;
		if (s->field->dep == NFT_DEP_IPV4)
			l3 = 4;
		else if (s->field->dep == NFT_DEP_IPV6)
			l3 = 6;
		else if (!strcmp(s->field->proto, "meta") &&
			 !strcmp(s->field->name, "nfproto") && single_value(s)) {
			l3 = s->elems[0].lo.b[0] == 2 ? 4
			     : s->elems[0].lo.b[0] == 10 ? 6 : 0;
			*at = (int)i;
		}
	}
	return l3;
}

/* Whether a statement before settles the transport protocol (ct
 * protocol does only where the network family is known). */
static bool l4_of(const struct nft_table *tb, const struct rule_build *rb)
{
	int at;
	for (unsigned i = 0; i < rb->rule.n; i++) {
		const struct nft_stmt *s = &rb->rule.stmts[i];
		if (s->kind != NFT_S_MATCH || s->lhs != NFT_L_FIELD)
			continue;
		const struct nft_field *f = s->field;
		if (f->dep == NFT_DEP_L4)
			return true;
		if (f->base == NFT_B_CT && !l3_of(tb, rb, &at))
			continue;
		if ((!strcmp(f->name, "l4proto") || !strcmp(f->name, "protocol") ||
		     !strcmp(f->name, "nexthdr")) && single_value(s))
			return true;
	}
	return false;
}

int nr_ct_settle(struct cur *c, const struct nft_table *tb,
		 struct rule_build *rb, unsigned start,
		 const struct nft_field **f, bool alone)
{
	const struct nft_ct_info *in = nft_ct_info(*f);
	if (!in)
		return 0;
	int at;
	/* an inet table's meta nfproto just before ct protocol is its
	 * dependency, which nft's listing leaves out */
	if (in->key == NFT_CTK_PROTOCOL && alone && l3_of(tb, rb, &at) &&
	    at >= 0 && (unsigned)at + 1 == rb->rule.n)
		rb->rule.stmts[at].hidden = true;
	struct nft_loc a = c->it->toks[start].loc;
	struct nft_loc b = nr_tok_end(&c->it->toks[c->i - 1]);
	if (in->unresolved) {
		if (!alone)
			return nr_error_span(c->r, &a, &b, "specify either ip "
					     "or ip6 for address matching");
		int l3 = l3_of(tb, rb, &at);
		if (!l3) {
			nr_error_span(c->r, &a, &b, "cannot determine ip "
				      "protocol version, use \"ip %s\" or "
				      "\"ip6 %s\" instead", in->keyword,
				      in->keyword);
			struct nft_tok *v = nr_peek(c);
			if (v)
				nr_error_tok(c->r, v, "Can't parse symbolic "
					     "invalid expressions");
			return -1;
		}
		/* the meta nfproto that settled it: its dependency */
		if (at >= 0)
			rb->rule.stmts[at].hidden = true;
		*f = nft_ct_resolve(*f, l3 == 6);
		return 0;
	}
	if ((in->key == NFT_CTK_PROTO_SRC || in->key == NFT_CTK_PROTO_DST) &&
	    !l4_of(tb, rb)) {
		struct nft_tok *v = nr_peek(c);
		if (!v)
			return nr_unexpected(c, NULL);
		return nr_error_tok(c->r, v, "Can't parse symbolic invalid "
				    "expressions");
	}
	return 0;
}

/* nft folds constants: ct mark set 0x11 xor 0x1331 is ct mark set
 * 0x1320; a bitmask's values or'ed: ct event set new | related, new or
 * destroy, new,destroy */
int nr_fold_set_value(struct cur *c, const struct nft_dtype *ty,
		      struct nft_elem *e)
{
	for (;;) {
		enum nft_bitop op = NFT_BIT_NONE;
		if (nr_at(c, "and") || nr_at(c, "&"))
			op = NFT_BIT_AND;
		else if (nr_at(c, "or") || nr_at(c, "|") ||
			 (ty->bitmask && nr_at(c, ",")))
			op = NFT_BIT_OR;
		else if (nr_at(c, "xor") || nr_at(c, "^"))
			op = NFT_BIT_XOR;
		if (op == NFT_BIT_NONE || e->kind != NFT_E_VALUE)
			return 0;
		c->i++;
		struct nft_tok *v = nr_peek(c);
		struct nft_elem more;
		if (!v)
			return nr_unexpected(c, NULL);
		if (nr_parse_value_word(c, v, ty, &more) < 0)
			return -1;
		if (more.kind != NFT_E_VALUE || more.lo.len != e->lo.len)
			return nr_unexpected(c, NULL);
		for (unsigned i = 0; i < e->lo.len; i++)
			e->lo.b[i] = op == NFT_BIT_AND ? e->lo.b[i] & more.lo.b[i]
				     : op == NFT_BIT_OR ? e->lo.b[i] | more.lo.b[i]
				     : e->lo.b[i] ^ more.lo.b[i];
		c->i++;
	}
}

/* nft folds a compare of FIELD xor C with a value into one of FIELD
 * with the value xor C: ct mark xor 0x23 == 0x11 is ct mark 0x32 */
void nr_fold_xor(struct nft_stmt *s)
{
	if (s->kind != NFT_S_MATCH || s->lhs != NFT_L_FIELD ||
	    s->bitop != NFT_BIT_XOR || s->nelems != 1 || s->braces ||
	    s->set_name || s->ncat || s->vmap ||
	    s->elems[0].kind != NFT_E_VALUE ||
	    (s->op != NFT_OP_EQ && s->op != NFT_OP_NE) ||
	    s->elems[0].lo.len != s->mask.len)
		return;
	for (unsigned i = 0; i < s->mask.len; i++)
		s->elems[0].lo.b[i] ^= s->mask.b[i];
	s->bitop = NFT_BIT_NONE;
}

/* After a mark set's source: << N or >> N. Without parentheses a shift
 * binds to the value before it (meta mark | 0x10 << 8 is meta mark |
 * 0x1000, as nft folds it). */
int nr_parse_shift(struct cur *c, struct nft_stmt *s, bool paren,
		   unsigned src_at, unsigned src_end)
{
	bool left = nr_at(c, "<<");
	if (!left && !nr_at(c, ">>"))
		return 0;
	c->i++;
	uint64_t n;
	if (nr_parse_u64(c, &n) < 0)
		return -1;
	if (n >= 32) {
		struct nft_tok *v = &c->it->toks[c->i - 1];
		struct mark m[2] = {
			{ c->it->toks[src_at].loc,
			  nr_tok_end(&c->it->toks[src_end - 1]), '~' },
			{ v->loc, nr_tok_end(v), '^' },
		};
		return nr_error_multi(c->r, m, 2, "%s shift of %llu bits is "
				      "undefined for type of 32 bits width",
				      left ? "Left" : "Right",
				      (unsigned long long)n);
	}
	if (s->bitop && !paren) {
		uint32_t m = 0;
		for (unsigned i = 0; i < s->mask.len && i < 4; i++)
			m = m << 8 | s->mask.b[i];
		m = left ? m << n : m >> n;
		for (unsigned i = 0; i < s->mask.len && i < 4; i++)
			s->mask.b[i] = (uint8_t)(m >> (8 * (s->mask.len - 1 - i)));
		return nr_parse_shift(c, s, paren, src_at, src_end);
	}
	if (s->shift_op)
		return nr_unexpected(c, NULL);
	s->shift_op = left ? 1 : 2;
	s->shift = (uint32_t)n;
	return 0;
}
