/* The ruleset's requests of the wire protocol (ipc/protocol.h: command,
 * restore, save) applied to a model, as the daemon runs them and as the
 * client parses them before it asks the daemon. */
#ifndef QT_REQUEST_H
#define QT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "counters.h"
#include "model.h"
#include "protocol.h"

/* Run a request against *rs (replaced when a transaction commits).
 * Returns the exit status; *changed tells whether *rs changed. Counters
 * are read and rule counters set through cnt->io; the policy counters
 * the request sets are left in cnt->pending for the caller to apply
 * once it keeps the new ruleset (qt_policy_pending_apply). */
int qt_request_run(struct qt_ruleset **rs, const char *req, size_t len,
		   const struct qt_counter_view *cnt, struct qt_buf *out,
		   struct qt_buf *err, bool *changed);

/* A request taken as far as it goes without the firewall's state, as
 * iptables parses its command line before it asks the kernel anything:
 * the words parsed (a restore as --test), help and version answered.
 * *answered: the status and output are the final answer (an error, help,
 * version); else the request needs the daemon. */
int qt_request_offline(const char *req, size_t len, struct qt_buf *out,
		       struct qt_buf *err, bool *answered);

#endif
