/* The nft ruleset in qtablesd's state file: the listing nft prints
 * (which nft -f reads back) and, since a listing read back numbers its
 * objects afresh, the handles as they were:
 *
 *   #nft-handles TABLES_LAST
 *   #nft-handles FAMILY NAME TABLE_HANDLE LAST H1 H2 ...
 *
 * TABLES_LAST is the last table handle given, LAST the table's; H1 ...
 * are the handles of its sets, then of each chain followed by its
 * rules, in the listing's order. */
#ifndef QT_NFT_STATE_H
#define QT_NFT_STATE_H

#include <stddef.h>

#include "buf.h"
#include "nft_model.h"

/* The handle lines of rs (each ends in a newline, without "#"). */
void nft_state_handles(const struct nft_ruleset *rs, struct qt_buf *b);
/* Put the handles of one such line back into rs: -1 when it does not
 * fit rs (a damaged file). */
int nft_state_apply_handles(struct nft_ruleset *rs, const char *line);

#endif
