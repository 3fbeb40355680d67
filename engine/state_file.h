/* The committed ruleset on disk, so a restart loses nothing. */
#ifndef QT_STATE_FILE_H
#define QT_STATE_FILE_H

#include <stdbool.h>
#include "../parser/buf.h"
#include "../parser/model.h"

/* Where the state lives when --state is not given: /var/lib/qtables/
 * rules.v4 in the initial network namespace, /var/lib/qtables/netns/
 * NAME.v4 in a namespace named by `ip netns`, and nowhere (NULL) in an
 * unnamed one. The result is static storage. */
const char *qt_state_default_path(void);

/* Write rs atomically (temporary file, fsync, rename). -1 on error with
 * the reason in err. */
int qt_state_write(const char *path, struct qt_ruleset *rs,
		   struct qt_buf *err);
/* Frees what qt_state_write keeps between calls (the rendered rules). */
void qt_state_forget(void);
/* Load path into a new ruleset. A missing file gives an empty ruleset.
 * -1 with the reason in err when the file cannot be restored. */
int qt_state_load(const char *path, struct qt_ruleset **rs,
		  struct qt_buf *err);

#endif
