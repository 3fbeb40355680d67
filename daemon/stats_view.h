/* `qtables --stats [-o text|json|prometheus]`: the daemon's answer. The
 * request (ipc/protocol.h) names the format; text is the default (what
 * qt_engine_stats writes), json and prometheus render the same counters
 * as metric families (daemon/metrics.h). */
#ifndef QT_STATS_VIEW_H
#define QT_STATS_VIEW_H

#include <stddef.h>

#include "buf.h"

struct qt_engine;
struct qt_metrics;

/* Adds the caller's own families (the daemon's control and state file
 * counters) to a json or prometheus answer. */
typedef void qt_stats_more_fn(void *ctx, struct qt_metrics *m);

/* Answer the request into out; e NULL: no datapath (--no-datapath).
 * more (may be NULL) adds families after the engine's and the log's.
 * Returns the exit status (2 with a message in err for an unknown
 * format). */
int qt_stats_request(struct qt_engine *e, const char *req, size_t len,
		     qt_stats_more_fn *more, void *ctx,
		     struct qt_buf *out, struct qt_buf *err);

#endif
