/* sctp chunk CHUNK [FIELD]: the selector of nft's sctp chunk
 * expression (parser/nft_sctp.h); without a field the chunk's presence,
 * which the match compares with exists or missing. */
#include <string.h>

#include "nft_run_priv.h"
#include "nft_sctp.h"

const struct nft_field *nr_sctp_selector(struct cur *c)
{
	c->i += 2;                   /* sctp chunk */
	struct nft_tok *t = nr_peek(c);
	if (!t || t->kind != NT_WORD || !nft_sctp_chunk_known(t->text)) {
		nr_unexpected(c, NULL);
		return NULL;
	}
	c->i++;
	struct nft_tok *f = nr_peek(c);
	const struct nft_field *fd = NULL;
	if (f && f->kind == NT_WORD)
		fd = nft_sctp_chunk_field(t->text, f->text);
	if (fd) {
		c->i++;
		/* the kernel sets no chunk's field; nft marks the
		 * expression from the chunk's name */
		if (nr_at(c, "set")) {
			struct nft_loc b = nr_tok_end(f);
			nr_error_span(c->r, &t->loc, &b, "Could not process "
				      "rule: Operation not supported");
			return NULL;
		}
		return fd;
	}
	/* a field of another chunk type: a keyword nft's grammar does
	 * not expect here */
	if (f && f->kind == NT_WORD && nft_sctp_field_known(f->text)) {
		nr_error_tok(c->r, f, "syntax error, unexpected %s", f->text);
		return NULL;
	}
	return nft_sctp_chunk_field(t->text, NULL);
}
