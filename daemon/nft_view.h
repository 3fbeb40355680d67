/* nft(8)'s requests to qtablesd: the nftables ruleset (parser/
 * nft_model.h) the daemon keeps beside iptables' rules, changed all or
 * nothing per request, and its lines in the state file. The rules are
 * held and listed, not enforced: the engine does not run them yet. */
#ifndef QT_NFT_VIEW_H
#define QT_NFT_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* One QT_IPC_NFT request; *changed when the ruleset changed (the
 * caller writes the state file). Returns nft's exit code. */
int qt_nft_view_request(const char *req, size_t len, struct qt_buf *out,
			struct qt_buf *err, bool *changed);

/* Whether there is anything to persist. */
bool qt_nft_view_empty(void);
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
