/* nft -j's input: a JSON document of libnftables' commands
 * ({"nftables": [{"add": {"rule": {...}}}, ...]}), or, when the text is
 * no JSON at all, nft's own language, as nft 1.0.6 falls back to it.
 *
 * The commands of the document are read whole first (a document that
 * does not describe commands the model holds is refused with the
 * messages of nft's JSON parser, and nothing is applied), then spelled
 * in nft's language and run by nft_run as one transaction: the same
 * checks, handles and atomicity as -f, with the errors of evaluation
 * reported as nft reports them for JSON (no place in the input). */
#ifndef QT_NFT_JSON_RUN_H
#define QT_NFT_JSON_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "nft_model.h"
#include "nft_run.h"

/* As nft_run (o->json is taken as set). */
int nft_json_input_run(struct nft_ruleset **rs, const char *text, size_t len,
		       const struct nft_run_opts *o, struct qt_buf *out,
		       struct qt_buf *err, bool *changed);

/* The document as nft's language, for the tests: 0, or -1 with nft's
 * messages in err (name: the input's name in them, NULL: none). */
int nft_json_translate(const char *text, size_t len, const char *name,
		       struct qt_buf *cmds, struct qt_buf *err);

#endif
