/* The grammar of nft's language as a tree of statements and brace
 * groups (nft_tree.h); nft_parse.c gives the words their meaning. */
%define api.pure full
%define api.prefix {nft_yy}
%locations
%define parse.error verbose
%param {void *scanner}
%parse-param {struct nft_scan *ps}

%code requires {
#include "nft_tree.h"
}

%union {
	char *s;
	struct nft_group *grp;
	struct nft_item *item;
	struct nft_tok *tok;
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nft_yylex(NFT_YYSTYPE *lval, NFT_YYLTYPE *lloc, void *scanner);

static struct nft_loc loc_of(const struct nft_scan *ps, const NFT_YYLTYPE *l)
{
	struct nft_loc r = { ps->src, l->first_line, l->first_column,
			     l->last_line, l->last_column };
	return r;
}

static void nft_yyerror(NFT_YYLTYPE *lloc, void *scanner,
			struct nft_scan *ps, const char *msg)
{
	(void)scanner;
	if (ps->failed)
		return;
	ps->failed = true;
	ps->err_loc = loc_of(ps, lloc);
	snprintf(ps->err_msg, sizeof(ps->err_msg), "%s", msg);
}

/* A token lives from its reduction until its statement takes a copy:
 * the few alive at once are reused, not allocated per token (a value
 * held by value in the parser's stack costs more in its copies). */
static struct nft_tok *tok_new(struct nft_scan *ps, enum nft_tok_kind k,
			       char *s, struct nft_loc l, struct nft_group *g)
{
	struct nft_tok *t = ps->nspare ? ps->spare[--ps->nspare]
				       : malloc(sizeof(*t));
	if (!t)
		abort();
	t->kind = k;
	t->text = s;
	t->loc = l;
	t->group = g;
	return t;
}

static void tok_release(struct nft_scan *ps, struct nft_tok *t)
{
	if (ps->nspare < NFT_SCAN_SPARE)
		ps->spare[ps->nspare++] = t;
	else
		free(t);
}

static struct nft_item *item_new(void)
{
	struct nft_item *it = calloc(1, sizeof(*it));
	if (!it)
		abort();
	return it;
}

}

%token NFT_NL NFT_SEMI NFT_LBRACE NFT_RBRACE
%token <s> NFT_WORD NFT_STRING NFT_BADSTRING NFT_OP NFT_PUNCT
%type <grp> seq items
%type <item> toks
%type <tok> tok

/* texts are in the scan's arena (nft_tree.h), freed with the tree */
%destructor { nft_group_free($$); } <grp>
%destructor { nft_item_free($$); } <item>
%destructor { if ($$) { nft_group_free($$->group); tok_release(ps, $$); } } <tok>

%%

input: seq                  { ps->root = $1; }
     ;

seq: items                  { $$ = $1; }
   | items toks             { $2->terminated = false;
			      nft_group_push($1, $2); $$ = $1; }
   ;

items: %empty               { $$ = nft_group_new(); }
     | items sep            { $$ = $1; }
     | items toks sep       { $2->terminated = true;
			      $2->term = loc_of(ps, &@3);
			      nft_group_push($1, $2); $$ = $1; }
     ;

sep: NFT_NL | NFT_SEMI ;

toks: tok                   { $$ = item_new(); nft_item_push($$, $1);
			      tok_release(ps, $1); }
    | toks tok              { $$ = $1; nft_item_push($$, $2);
			      tok_release(ps, $2); }
    ;

tok: NFT_WORD               { $$ = tok_new(ps, NT_WORD, $1, loc_of(ps, &@1), NULL); }
   | NFT_STRING             { $$ = tok_new(ps, NT_STRING, $1, loc_of(ps, &@1), NULL); }
   | NFT_OP                 { $$ = tok_new(ps, NT_OP, $1, loc_of(ps, &@1), NULL); }
   | NFT_PUNCT              { $$ = tok_new(ps, NT_PUNCT, $1, loc_of(ps, &@1), NULL); }
   | NFT_BADSTRING          { (void)$1; $$ = NULL; nft_yyerror(&@1, scanner, ps,
				"unterminated quoted string"); YYERROR; }
   | NFT_LBRACE seq NFT_RBRACE {
			      $2->close = loc_of(ps, &@3);
			      /* a text, never NULL: code that compares a
			         token's text before its kind must not fault
			         on a group */
			      $$ = tok_new(ps, NT_GROUP, (char *)"{",
					   loc_of(ps, &@1), $2); }
   ;
