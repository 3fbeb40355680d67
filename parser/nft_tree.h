/* nft's input as a tree of located tokens (nft_scanner.l and
 * nft_grammar.y build it; nft_parse.c reads it).
 *
 * The grammar knows only what every nft input shares: statements end at
 * a newline or a semicolon, and braces nest. A statement is a list of
 * tokens; a token is a word, a quoted string, an operator, a punctuation
 * mark or a brace group holding statements of its own. What the words
 * mean (commands, blocks, expressions) is decided on this tree, where
 * the tables of fields, types and statements are data, and where every
 * token carries the place nft's error messages point at. */
#ifndef QT_NFT_TREE_H
#define QT_NFT_TREE_H

#include <stdbool.h>
#include <stddef.h>

/* An input: the command line or a file (messages name it). */
struct nft_src {
	char *name;        /* NULL: the command line */
	char *text;
	size_t len;
};

struct nft_loc {
	unsigned src;      /* index into the parse's sources */
	int line, col;     /* 1-based, first character */
	int end_line, end_col;   /* last character */
};

enum nft_tok_kind { NT_WORD, NT_STRING, NT_OP, NT_PUNCT, NT_GROUP };

struct nft_group;

struct nft_tok {
	enum nft_tok_kind kind;
	char *text;                /* NT_GROUP: "{" */
	struct nft_loc loc;        /* group: its "{" */
	struct nft_group *group;   /* NT_GROUP */
};

/* One statement: its tokens up to the terminator. */
struct nft_item {
	struct nft_tok *toks;
	unsigned n;
	bool terminated;           /* a newline or ';' ended it */
	struct nft_loc term;       /* that terminator (when terminated) */
};

/* Blocks of token texts, freed all at once with the tree. */
struct nft_arena;

struct nft_group {
	struct nft_item *items;
	unsigned n;
	struct nft_loc close;      /* its "}" (or the end of input) */
	struct nft_arena *arena;   /* the root: every token's text */
};

/* What the scanner and the grammar share. */
struct nft_scan {
	unsigned src;
	int line, col;
	/* the token before was '@' (after, was_at): a set's name
	 * follows, which ends where nft's identifiers end */
	bool at, was_at;
	struct nft_group *root;
	struct nft_arena *arena;   /* texts, the root's once parsed */
	/* tokens between the grammar's reductions, for reuse */
#define NFT_SCAN_SPARE 16
	struct nft_tok *spare[NFT_SCAN_SPARE];
	unsigned nspare;
	/* the first syntax error, if any */
	bool failed;
	struct nft_loc err_loc;
	char err_msg[160];
};

/* Parse text into a tree: 0, or -1 with the first error in s. */
int nft_tree_parse(const char *text, size_t len, unsigned src,
		   struct nft_scan *s);
void nft_group_free(struct nft_group *g);

/* Builders the grammar and the scanner call. */
char *nft_arena_dup(struct nft_arena **a, const char *p, size_t n);
struct nft_group *nft_group_new(void);
void nft_group_push(struct nft_group *g, struct nft_item *it);
void nft_item_push(struct nft_item *it, const struct nft_tok *t);
void nft_item_free(struct nft_item *it);

#endif
