/* Element lists of sets and maps (nft_run_elem.c), for the runner. */
#ifndef QT_NFT_RUN_ELEM_H
#define QT_NFT_RUN_ELEM_H

#include "nft_run_priv.h"

/* What an element list is read as. */
struct elem_shape {
	const struct nft_dtype *kt[NFT_CONCAT_MAX];   /* the key's parts */
	unsigned kbits[NFT_CONCAT_MAX];  /* a part's field narrower than
					    its type: its bits (0: none) */
	unsigned nk;
	bool data;                   /* a map: ':' and a value follow */
	bool data_optional;          /* deleting from a map: keys alone */
	const struct nft_dtype *dt;  /* the value's type; NULL: a verdict */
	unsigned dbits;              /* its field's, as kbits */
	const struct nft_dtype *dt2; /* a second part the value may have
					(nat maps: address . port) */
	bool single;                 /* a named map's values without
					"interval": no range or prefix */
	bool extras;                 /* timeout, expires, comment */
	struct nft_table *tb;        /* where verdicts' chains are */
	/* when set: each element's key, as written (for messages) */
	struct span **spans;
};

/* "concatenation of (A, B)" or "A": how nft names a key type */
void nr_key_desc(const struct nft_dtype *const *kt, unsigned nk, char *buf,
		 size_t n);

/* A statement a dynamic set's element carries (limit, counter, quota,
 * ct count) into e: *took when one was there; -1 after an error.
 * Unless listed (a set update's statement, or qtables' own listing
 * read back), what nft lists but does not read is its error: a quota,
 * a byte limit without a burst. */
int nr_parse_elem_stmt(struct cur *c, struct nft_elem *e, bool listed,
		       bool *took);

void nr_set_shape(const struct nft_set *s, struct nft_table *tb,
		  struct elem_shape *sh);
/* The elements of brace group g: 0, or -1 after an error (*v then
 * holds what was read: the caller frees it). */
int nr_parse_elems(struct run *r, const struct nft_tok *g,
		   const struct elem_shape *sh, struct nft_elem **v,
		   unsigned *n);

#endif
