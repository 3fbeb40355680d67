/* What nf_tables checks of a table's jumps and gotos, as summaries of
 * its jump graph kept with the table: the hooks each chain runs at
 * (those of the built-in chains that reach it) and whether a built-in
 * chain reaches a user chain QT_JUMP_LIMIT levels down or a loop.
 *
 * The summaries are made in one walk of the table when they are out of
 * date (the table's gen moved past graph_gen) and kept up to date by
 * the command that adds a jump (qt_jump_graph_added), so that each rule
 * of a restore costs what its own jump reaches, not the whole table: a
 * restore of N jumps into chains the built-in ones reach would
 * otherwise walk the table N times. */
#ifndef QT_JUMP_GRAPH_H
#define QT_JUMP_GRAPH_H

#include <stdbool.h>

#include "model.h"

/* nf_tables' limit on nested user chains (NFT_JUMP_STACK_SIZE). */
#define QT_JUMP_LIMIT 16

/* Are the summaries those of the table as it is? */
bool qt_jump_graph_fresh(const struct qt_table *t);

/* Makes them so (a walk of the table when they are not). */
void qt_jump_graph_sync(struct qt_table *t);

/* The hooks chain c of t runs at: a built-in chain's own; a user
 * chain's, of every built-in chain reaching it (nf_tables checks a user
 * chain's rules for each base chain that reaches it). */
unsigned qt_jump_graph_hooks(struct qt_table *t, const struct qt_chain *c);

/* Does a built-in chain reach a user chain QT_JUMP_LIMIT levels below
 * it, or a loop of user chains (EMLINK when the batch commits)? */
bool qt_jump_graph_too_deep(struct qt_table *t);

/* Rules r (one or more copies) went into chain `from`, and nothing else
 * changed in t since the summaries were fresh: takes r's jump in,
 * walking only what it reaches. */
void qt_jump_graph_added(struct qt_table *t, const struct qt_chain *from,
			 const struct qt_rule *r);

/* The indices of chain `start` and of every chain it reaches by jumps
 * and gotos, ascending (a malloc'd array for the caller to free);
 * returns how many. */
unsigned qt_jump_graph_reach(struct qt_table *t, unsigned start,
			     unsigned **out);

#endif
