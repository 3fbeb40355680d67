/* nfacct(8) on qtablesd's accounting objects: the daemon's side of the
 * nfacct program (cmd/qtables.c, which checks the words as nfacct 1.0.2
 * does and carries them here: ipc/protocol.h, qt_ipc_nfacct). The
 * objects are the ruleset's (parser/model.h: made, deleted and saved
 * with it), their counters the engine's (extensions/lib/acct_cells.h).
 * Messages and formats are those of nfacct 1.0.2 on the kernel's
 * nfnetlink_acct. */
#ifndef QT_ACCT_VIEW_H
#define QT_ACCT_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "model.h"

#define QT_NFACCT_PROG "nfacct v1.0.2"

/* One request on *rs: add, delete and flush change it (*rs replaced,
 * *changed set; the caller commits and saves it, and defines the
 * objects in the registry). list and get read the counters. Returns
 * the exit status. */
int qt_acct_view_request(struct qt_ruleset **rs, const char *req, size_t len,
			 struct qt_buf *out, struct qt_buf *err, bool *changed);

/* A request (iptables command or restore) that names an accounting
 * object: the kernel's objects rs lacks are added to it (programs such
 * as kube-proxy make theirs over netlink, in the kernel, then name them
 * in rules; iptables finds them there). true when some were added. */
bool qt_acct_view_adopt_kernel(struct qt_ruleset *rs, const char *req,
			       size_t len);

/* Counters to set once the objects a restore made are defined. */
void qt_acct_view_apply_restored(void);

#endif
