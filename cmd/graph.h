/* `qtables -L --graph [-t TABLE]`: a table's chains and the jumps and
 * gotos between them as Graphviz dot. Built-in chains are bold boxes
 * with their policy, user chains rounded boxes; an edge goes from the
 * chain holding a rule to the chain it jumps to (solid) or goes to
 * (dashed), labelled with the rule's number and its matches, shortened.
 * Verdicts (ACCEPT, DROP, RETURN, extension targets) are not nodes: the
 * picture is the chain structure. */
#ifndef QT_GRAPH_H
#define QT_GRAPH_H

#include "buf.h"
#include "model.h"

/* The longest match text on an edge label before it is cut ("..."). */
#define QT_GRAPH_LABEL_MAX 48

void qt_graph_dot(struct qt_buf *out, const struct qt_table *t);

#endif
