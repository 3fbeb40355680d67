/* nft(8)'s requests to qtablesd: the nftables ruleset (parser/
 * nft_model.h) the daemon keeps beside iptables' rules, changed all or
 * nothing per request, and its lines in the state file. Its base
 * chains are enforced: every change compiles both families' programs
 * again (daemon/datapath.h, engine/nft_exec.h), and a change the engine
 * cannot run is not applied. */
#ifndef QT_NFT_VIEW_H
#define QT_NFT_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* One QT_IPC_NFT request; *changed when the ruleset changed (the
 * caller writes the state file). Returns nft's exit code. With before
 * (not NULL), the ruleset the request replaced is handed there, for
 * qt_nft_view_put_back, or NULL when none was; the caller frees it. */
struct nft_ruleset;
int qt_nft_view_request(const char *req, size_t len, struct qt_buf *out,
			struct qt_buf *err, bool *changed,
			struct nft_ruleset **before);

/* The ruleset in force (NULL: none yet), which the engine compiles at
 * every commit (daemon/datapath.c), and the store of its rules'
 * runtimes. */
struct qt_nft_store;
const struct nft_ruleset *qt_nft_view_ruleset(void);
struct qt_nft_store *qt_nft_view_store(void);
/* The counters packets counted, into the ruleset's counter statements
 * (before anything reads or lists them). */
void qt_nft_view_sync(void);
/* A copy of the ruleset in force, to put back with
 * qt_nft_view_put_back (which takes it) when a change cannot run. */
struct nft_ruleset *qt_nft_view_save(void);
void qt_nft_view_put_back(struct nft_ruleset *before);

/* Whether there is anything to persist. */
bool qt_nft_view_empty(void);
/* Has a table a set that packets fill or whose elements expire (its
 * elements change between commits)? */
bool qt_nft_view_dynamic(void);
/* The state file's lines: "#nft " and each line of `nft list ruleset`,
 * then "#nft-handles " lines that give every object its handle back
 * (parser/nft_state.h). */
void qt_nft_view_render(struct qt_buf *b);
/* The ruleset of a state file's text is made and kept aside until
 * qt_nft_view_settle: -1 with the reason in why when it does not load
 * (nothing changed then). */
int qt_nft_view_load(const char *text, size_t len, struct qt_buf *why);
/* keep: the loaded ruleset replaces the daemon's; else it is dropped. */
void qt_nft_view_settle(bool keep);

#endif
