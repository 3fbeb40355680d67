/* See nft_tree.h. */
#include "nft_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_grammar.h"

typedef void *yyscan_t;
int nft_yylex_init_extra(struct nft_scan *extra, yyscan_t *scanner);
int nft_yylex_destroy(yyscan_t scanner);
void *nft_yy_scan_bytes(const char *bytes, int len, yyscan_t scanner);
int nft_yyparse(void *scanner, struct nft_scan *ps);

struct nft_arena {
	struct nft_arena *next;
	size_t used, cap;
	char b[];
};

enum { ARENA_BLOCK = 64 * 1024 };

char *nft_arena_dup(struct nft_arena **a, const char *p, size_t n)
{
	struct nft_arena *h = *a;
	if (!h || h->cap - h->used < n + 1) {
		size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
		h = malloc(sizeof(*h) + cap);
		if (!h)
			abort();
		h->next = *a;
		h->used = 0;
		h->cap = cap;
		*a = h;
	}
	char *s = h->b + h->used;
	memcpy(s, p, n);
	s[n] = '\0';
	h->used += n + 1;
	return s;
}

static void arena_free(struct nft_arena *a)
{
	while (a) {
		struct nft_arena *next = a->next;
		free(a);
		a = next;
	}
}

struct nft_group *nft_group_new(void)
{
	struct nft_group *g = calloc(1, sizeof(*g));
	if (!g)
		abort();
	return g;
}

/* Token arrays are only ever pushed to, from empty: their capacity is
 * the power of two at or above their count, so that a realloc (to twice
 * the count) is needed only when the count is 0 or a power of two, and
 * a brace of 10,000 set elements copies O(n) tokens, not O(n^2). */
static size_t grown(unsigned n)
{
	return n == 0 ? 1 : (n & (n - 1)) ? 0 : 2 * (size_t)n;
}

void nft_group_push(struct nft_group *g, struct nft_item *it)
{
	size_t cap = grown(g->n);
	if (cap) {
		struct nft_item *v = realloc(g->items, cap * sizeof(*v));
		if (!v)
			abort();
		g->items = v;
	}
	g->items[g->n++] = *it;
	free(it);
}

void nft_item_push(struct nft_item *it, const struct nft_tok *t)
{
	size_t cap = grown(it->n);
	if (cap) {
		struct nft_tok *v = realloc(it->toks, cap * sizeof(*v));
		if (!v)
			abort();
		it->toks = v;
	}
	it->toks[it->n++] = *t;
}

static void item_clear(struct nft_item *it)
{
	/* texts are the root's arena's */
	for (unsigned i = 0; i < it->n; i++)
		if (it->toks[i].group)
			nft_group_free(it->toks[i].group);
	free(it->toks);
}

void nft_item_free(struct nft_item *it)
{
	if (!it)
		return;
	item_clear(it);
	free(it);
}

void nft_group_free(struct nft_group *g)
{
	if (!g)
		return;
	for (unsigned i = 0; i < g->n; i++)
		item_clear(&g->items[i]);
	free(g->items);
	arena_free(g->arena);
	free(g);
}

int nft_tree_parse(const char *text, size_t len, unsigned src,
		   struct nft_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->src = src;
	s->line = 1;
	s->col = 1;
	yyscan_t sc;
	if (nft_yylex_init_extra(s, &sc))
		return -1;
	nft_yy_scan_bytes(text, (int)len, sc);
	int rc = nft_yyparse(sc, s);
	nft_yylex_destroy(sc);
	while (s->nspare)
		free(s->spare[--s->nspare]);
	if (rc || s->failed) {
		nft_group_free(s->root);
		s->root = NULL;
		arena_free(s->arena);
		s->arena = NULL;
		if (!s->failed) {
			s->failed = true;
			snprintf(s->err_msg, sizeof(s->err_msg), "syntax error");
		}
		return -1;
	}
	if (!s->root) {
		arena_free(s->arena);
		s->arena = NULL;
	} else {
		s->root->arena = s->arena;
		s->arena = NULL;
		s->root->close.src = src;
		s->root->close.line = s->line;
		s->root->close.col = s->col;
	}
	return 0;
}
