/* What the parts of nft's command runner share (nft_run.c reads
 * commands, tables, chains and rules; nft_run_expr.c the expressions
 * and statements beyond plain matches; nft_run_elem.c the elements of
 * sets and maps): the run's state, a cursor over a statement's tokens,
 * and the error messages as nft prints them. Not for use outside the
 * runner. */
#ifndef QT_NFT_RUN_PRIV_H
#define QT_NFT_RUN_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "nft_model.h"
#include "nft_run.h"
#include "nft_tree.h"

#define ENOENT_KERNEL "Could not process rule: No such file or directory"
#define MAX_SRCS 64

struct def {
	char *name;
	struct nft_item val;         /* tokens borrowed from their tree */
};

/* -e: an object the batch made or a rule it replaced, noted as it is
 * made and printed from the ruleset the batch leaves (nft_run_echo.c) */
enum echo_kind { ECHO_TABLE, ECHO_CHAIN, ECHO_SET, ECHO_ELEM, ECHO_RULE,
		 ECHO_DELRULE, ECHO_OBJ };

struct echo_ev {
	enum echo_kind kind;
	enum nft_stmt_kind obj_kind; /* ECHO_OBJ: counter, quota, limit */
	enum nft_family family;
	char *table;
	char *name;                  /* chain or set */
	uint64_t handle;             /* rule */
	bool insert;                 /* rule: inserted, not added */
	struct nft_elem elem;        /* element */
	char *json;                  /* -j, a replaced rule: as it was */
};

struct run {
	struct nft_ruleset *rs;
	const struct nft_ruleset *before;   /* the ruleset the input found */
	const struct nft_run_opts *o;
	struct qt_buf *out, *err;
	struct nft_src srcs[MAX_SRCS];
	unsigned nsrcs;
	struct nft_group *trees[MAX_SRCS];
	struct def *defs;
	unsigned ndefs;
	struct nft_group **scratch;
	unsigned nscratch;
	bool changed;
	bool kernel_stage;           /* the error came from the kernel:
					the handles it gave stay given */
	int depth;
	struct echo_ev *echo;
	unsigned necho;
	unsigned batch;              /* commands that go to the kernel as
					a batch (no list) */
	unsigned idle;               /* of them, those that change nothing
					(add of a table there is) */
};


struct mark {
	struct nft_loc a, b;         /* first and last character */
	char ind;
};

struct cur {
	struct run *r;
	struct nft_item *it;
	unsigned i;
	struct nft_loc end;          /* where the statement ends */
	bool block;                  /* a rule of a chain block, which
					only a newline or ';' ends */
};

struct span {
	struct nft_loc a, b;
	struct nft_loc end;          /* the whole statement's (b: a match's
					field alone) */
};

struct rule_build {
	struct nft_rule rule;
	struct span *spans;          /* one per statement */
};

/* ---- errors: print nft's message with the line and its marks ---- */
__attribute__((format(printf, 4, 5)))
int nr_error_span(struct run *r, const struct nft_loc *a,
		  const struct nft_loc *b, const char *fmt, ...);
__attribute__((format(printf, 4, 5)))
int nr_error_multi(struct run *r, const struct mark *m, unsigned nm,
		   const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
int nr_error_tok(struct run *r, const struct nft_tok *t, const char *fmt,
		 ...);
/* "syntax error, unexpected X[, expecting E]" at the cursor */
int nr_unexpected(struct cur *c, const char *expecting);
/* bison's name of the token that ends the statement at c: newline,
 * or semicolon where a ';' ended it */
const char *nr_end_desc(const struct cur *c);
struct nft_loc nr_tok_end(const struct nft_tok *t);

/* ---- the cursor ---- */
struct nft_tok *nr_peek(struct cur *c);
struct nft_tok *nr_peek_at(struct cur *c, unsigned k);
bool nr_tok_is(const struct nft_tok *t, const char *w);
bool nr_at(struct cur *c, const char *w);
bool nr_is_keyword(const char *w);
/* A word of digits alone: nft's scanner reads a number there, no name
 * (so @5 is a syntax error) */
bool nr_is_number(const struct nft_tok *t);
struct nft_tok *nr_take_name(struct cur *c);
/* The same for a table, chain, set or object nft's parser reads as one
 * (its spec), within nft's limit on names. */
struct nft_tok *nr_take_spec_name(struct cur *c);
/* A comment longer than nft's parser takes: its message, -1. */
int nr_check_comment(struct run *r, const struct nft_tok *t);
int nr_expect_end(struct cur *c);
bool nr_similar(const char *a, const char *b, unsigned *best);
char *nr_xstrdup(const char *s);

/* ---- values and statements ---- */
int nr_parse_u64(struct cur *c, uint64_t *v);
int nr_parse_duration(const char *w, uint64_t *ms);
int nr_parse_value_word(struct cur *c, const struct nft_tok *t,
			const struct nft_dtype *ty, struct nft_elem *e);
size_t nr_ip6_scan_end(const char *w);
/* Elements of one command (spans: where each was written) of a one-part
 * key that meet: nft's "conflicting intervals specified" (-1). */
int nr_interval_conflicts(struct run *r, const struct nft_dtype *ty,
			  const struct nft_elem *e, unsigned n,
			  const struct span *sp);
void nr_push_elem(struct nft_elem **v, unsigned *n, const struct nft_elem *e);
int nr_parse_group_elems(struct run *r, const struct nft_tok *g,
			 const struct nft_dtype *ty, struct nft_elem **v,
			 unsigned *n);
/* The same, for a field narrower than its type (bits; 0: the type's):
 * a value wider is nft's "exceeds valid range" */
int nr_parse_group_elems_w(struct run *r, const struct nft_tok *g,
			   const struct nft_dtype *ty, unsigned bits,
			   struct nft_elem **v, unsigned *n);
/* nft's evaluation of the compares before statement upto (its
 * conflicting protocols): 0, or -1 after the error */
/* The objects a map's elements name (kind: its objects'; NFT_S_MATCH:
 * no such map) are there, or nft's error at the first that is not. */
/* counter|quota|limit name KEY map { KEY : "name", ... } or map @m,
 * the cursor after "name". */
int nr_parse_obj_map(struct cur *c, struct nft_table *tb,
		     struct nft_stmt *s);
int nr_objmap_check(struct run *r, struct nft_table *tb,
		    enum nft_stmt_kind kind, const struct nft_tok *g,
		    const struct nft_elem *e, unsigned n,
		    const struct span *spans);
int nr_check_protocols(struct run *r, const struct nft_table *tb,
		       const struct rule_build *rb, unsigned upto);
/* Bits of an integer field narrower than its type (ip ttl: 8), else 0 */
unsigned nr_field_width(const struct nft_field *f);
/* nft's "Value N exceeds valid range 0-M" (-1) when the number t
 * writes (or an end of its A-B) is wider than bits (0: no limit) */
int nr_check_width(struct run *r, const struct nft_tok *t, unsigned bits);
const struct nft_field *nr_parse_selector(struct cur *c);
/* nft_run_sctp.c: sctp chunk CHUNK [FIELD], at "sctp" */
const struct nft_field *nr_sctp_selector(struct cur *c);
int nr_parse_limit(struct cur *c, struct nft_stmt *s);
/* nft_run_stmt.c: the kernel's refusal of a limit statement; quota and
 * log after their keyword (first) */
int nr_check_limit(struct cur *c, const struct nft_stmt *s,
		   const struct nft_tok *first);
int nr_parse_quota(struct cur *c, struct nft_stmt *s,
		   const struct nft_tok *first);
int nr_parse_log(struct cur *c, struct nft_stmt *s,
		 const struct nft_tok *first);
/* named counters, quotas and limits: COUNTER NAME ... in a table's
 * block (c at the kind's word); the commands add, create, delete and
 * list of one (c after the kind's word kw); `name NAME` in a rule (c
 * at "name", s of the object's kind) */
int nr_table_obj(struct run *r, struct nft_table *t, struct cur *c);
int nr_cmd_obj(struct run *r, struct cur *c, const struct nft_tok *kw,
	       bool add, bool create, bool del, bool list);
int nr_parse_obj_ref(struct cur *c, struct nft_table *tb,
		     struct nft_stmt *s);
/* reset: the objects of kind (of family, of table t, or o alone)
 * listed, then their counts or use zeroed */
int nr_reset_objs(struct run *r, int family, struct nft_table *t,
		  struct nft_obj *o, enum nft_stmt_kind kind);
/* [FAMILY] TABLE at c: the table (must: as the kernel misses it) */
struct nft_table *nr_table_of(struct run *r, struct cur *c, bool must);
struct nft_stmt *nr_add_stmt(struct rule_build *rb, enum nft_stmt_kind k,
			     const struct nft_tok *first);
void nr_stmt_end(struct rule_build *rb, struct cur *c);

/* ---- -e ---- */
void nr_echo_note(struct run *r, enum echo_kind k, const struct nft_table *t,
		  const char *name, uint64_t handle, bool insert);
/* A rule about to be replaced. */
void nr_echo_note_delrule(struct run *r, const struct nft_table *t,
			  const struct nft_chain *c, const struct nft_rule *ru);
void nr_echo_note_elems(struct run *r, const struct nft_table *t,
			const struct nft_set *s, const struct nft_elem *e,
			unsigned n);
/* The notes as nft prints them and the generation line; then gone. */
void nr_echo_render(struct run *r, uint64_t generation);
void nr_echo_free(struct run *r);

#endif
