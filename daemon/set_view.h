/* ipset(8)'s requests to qtablesd: its commands run on the engine's
 * sets (parser/ipset.h) with the ruleset telling which sets rules name;
 * and the sets' lines in the state file. */
#ifndef QT_SET_VIEW_H
#define QT_SET_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "model.h"

/* One QT_IPC_IPSET request, with the IPv4 and IPv6 rulesets (either
 * may be NULL) telling which sets rules use. *changed when a set or
 * element changed (the caller writes the state file). Returns the exit
 * code. */
int qt_set_view_request(const struct qt_ruleset *rs,
			const struct qt_ruleset *rs6, const char *req,
			size_t len, struct qt_buf *out, struct qt_buf *err,
			bool *changed);
/* The rules of rs that name the set (-m set, -j SET). */
unsigned qt_set_view_refs(const struct qt_ruleset *rs, const char *name);

/* How many sets there are. */
unsigned qt_set_view_count(void);
/* The state file's lines for the sets: "#ipset-saved SECONDS" (the
 * wall clock, so that timeouts go on running while no daemon does),
 * then "#ipset " and each line of ipset save. */
void qt_set_view_render(struct qt_buf *b);
/* The sets of a state file's text are made, the daemon's put aside
 * until qt_set_view_settle: -1 with the reason in why when a line does
 * not restore (nothing is changed then). */
int qt_set_view_load(const char *text, size_t len, struct qt_buf *why);
/* keep: the loaded sets replace the daemon's (into the same set
 * objects where the names meet); else the daemon's come back. */
void qt_set_view_settle(bool keep);

#endif
