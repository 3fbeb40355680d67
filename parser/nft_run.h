/* nft's commands on a ruleset: the text of a command line or of a file
 * (`nft -f`) is parsed, checked and applied to a copy of the ruleset;
 * only when every command succeeds does the copy replace it (nft's
 * transaction: all or nothing). Errors are printed as nft prints
 * them: the message, the line of input and carets under the part at
 * fault. */
#ifndef QT_NFT_RUN_H
#define QT_NFT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "nft_model.h"

/* The handles of the rules a run made, in the order of its commands
 * (JSON input's echo: nft_json_run.h). */
struct nft_made {
	uint64_t *rule_handles;
	unsigned n;
};

struct nft_run_opts {
	bool check;          /* -c: parse and check, change nothing */
	bool handles;        /* -a */
	bool echo;           /* -e */
	bool stateless;      /* -s */
	bool json;           /* -j: listings in JSON (nft_json_print.h) */
	const char *file;    /* -f: the input's name (messages); NULL: the
				command line */
	const char *cwd;     /* where relative includes are looked up */
	/* Set: the ruleset a change replaced is handed to the caller
	 * here (NULL when none was) instead of freed, so that a caller
	 * who may have to put it back needs no copy made beforehand. */
	struct nft_ruleset **replaced;
	long pid;            /* -e: the process the batch came from */
	uint64_t *generation;   /* the ruleset's generation: each batch
				   that goes in adds one (NULL: not kept) */
	struct nft_made *made;  /* NULL: not wanted */
	bool from_json;      /* the commands nft_json_input_run made of
				JSON input, which nft sends as they are
				where it would check the text (a chain's
				type) */
	bool own_listing;    /* qtables' own listing read back (the state
				file): what nft lists but does not read, a
				set element's quota, is taken */
};

/* Does name, printed as it is (after an '@': a set's), read back as the
 * same name? Not when it holds what nft's words cannot (blanks, commas,
 * '#'...) or is a keyword; a name from JSON input can (the kernel takes
 * any). */
bool nft_name_reads_back(const char *name, bool after_at);

/* Returns nft's exit code (0, or 1 on an error). *rs is replaced when
 * the input changed it; *changed says so. */
int nft_run(struct nft_ruleset **rs, const char *text, size_t len,
	    const struct nft_run_opts *o, struct qt_buf *out,
	    struct qt_buf *err, bool *changed);

#endif
