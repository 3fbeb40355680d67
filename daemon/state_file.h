/* The committed ruleset on disk, so a restart loses nothing.
 *
 * The file is iptables-restore input with counters (iptables-restore -c
 * loads it), between two comment lines: a header saying what it is, and
 * a trailer with the number of tables, the number of bytes before the
 * trailer and their CRC-32:
 *
 *   # qtablesd state file: restore with iptables-restore -c; the last line checks the rest
 *   *filter
 *   ...
 *   COMMIT
 *   # qtablesd end: 1 tables, 4242 bytes, crc32 0a1b2c3d
 *
 * Strings are written in the state spelling (parser/quote.h), so the
 * file reads back as the very ruleset it was written from. A file that
 * is unreadable, empty, cut short, damaged or without trailer is refused
 * whole: the daemon does not start from it.
 *
 * The IPv6 ruleset has a file of its own beside it (qt_state_path6),
 * ip6tables-restore input in the same form, written when that ruleset
 * commits; the IPv4 file stays exactly what it was before there were
 * two families. */
#ifndef QT_STATE_FILE_H
#define QT_STATE_FILE_H

#include <stdbool.h>
#include "buf.h"
#include "counters.h"
#include "model.h"

/* Where the state lives when --state is not given: /var/lib/qtables/
 * rules.v4 in the initial network namespace, /var/lib/qtables/netns/
 * NAME.v4 in a namespace named by `ip netns`, and nowhere (NULL) in an
 * unnamed one. The result is static storage. */
const char *qt_state_default_path(void);

/* The IPv6 file of the state file path: "rules.v4" -> "rules.v6",
 * any other name gets ".v6" appended. Into buf; NULL if too long. */
const char *qt_state_path6(const char *path, char *buf, size_t n);
/* Load the IPv6 file as qt_state_load loads the IPv4 one (missing:
 * an empty IPv6 ruleset); with plain_ok also restore text without
 * header and trailer, as SIGHUP takes the IPv4 file. */
int qt_state_load6(const char *path, bool plain_ok, struct qt_ruleset **rs,
		   const struct qt_counter_view *v, struct qt_buf *err);

/* The checks and the restore of qt_state_load6 on text in memory (a
 * state file's text, header and trailer included). */
int qt_state_parse6(const char *text, size_t len, struct qt_ruleset **rs,
		    const struct qt_counter_view *v, struct qt_buf *why);

/* Counters: written as v gives them (the store, and the policy
 * counters a request set that are not applied yet); loaded into v (rule
 * counters into v->io, policy counters into v->pending for the caller
 * to apply once it keeps the ruleset). v may be NULL: zeros, dropped. */

/* Write rs atomically (temporary file, fsync, rename); its family
 * picks the header. -1 on error with
 * the reason in err. */
int qt_state_write(const char *path, struct qt_ruleset *rs,
		   const struct qt_counter_view *v, struct qt_buf *err);
/* Frees what qt_state_write keeps between calls (the rendered rules). */
void qt_state_forget(void);
/* The file's text for rs, header and trailer included (what
 * qt_state_write writes). */
void qt_state_render(struct qt_ruleset *rs, const struct qt_counter_view *v,
		     struct qt_buf *out);

/* Load path into a new ruleset *rs. A missing file gives an empty
 * ruleset. -1 when the file cannot be trusted to be the ruleset last
 * committed: err gets one line "state file PATH REASON" (no program
 * name, no newline) and *rs is NULL. */
int qt_state_load(const char *path, struct qt_ruleset **rs,
		  const struct qt_counter_view *v, struct qt_buf *err);
/* The file named by --state-recover: a state file (checked as above),
 * or restore input without header and trailer (iptables-save output),
 * which is taken as it is. A missing file is an error. When its rules
 * do not restore, explained (may be NULL) gets the error at its line
 * (explain.h), each line starting "qtablesd: ". */
int qt_state_load_fallback(const char *path, struct qt_ruleset **rs,
			   const struct qt_counter_view *v, struct qt_buf *err,
			   struct qt_buf *explained);
/* The ruleset qtablesd starts with: the state file at path (NULL:
 * --no-state), or when that cannot be loaded the file recover names
 * (--state-recover; NULL: none), which is then written to path at once.
 * -1 when there is none to start from, with err saying why (and that a
 * warning when the state file was passed over), a file whose rules do
 * not restore followed by its error at its line (explain.h). Lines for
 * stderr, each naming the program. */
int qt_state_start(const char *path, const char *recover,
		   struct qt_ruleset **rs, const struct qt_counter_view *v,
		   struct qt_buf *err);
/* The checks and the restore of qt_state_load on text in memory: with
 * plain_ok, text without header and trailer is restored as it is. */
int qt_state_parse(const char *text, size_t len, bool plain_ok,
		   struct qt_ruleset **rs, const struct qt_counter_view *v,
		   struct qt_buf *why);
/* The same, with the error of rules that do not restore shown at its
 * line in explained, the file called name there. */
int qt_state_parse_explained(const char *text, size_t len, bool plain_ok,
			     const char *name, struct qt_ruleset **rs,
			     const struct qt_counter_view *v, struct qt_buf *why,
			     struct qt_buf *explained);

#endif
