/* The daemon's counters as data, for machines: `qtables --stats -o json`
 * and `-o prometheus` (the text exposition format, version 0.0.4). The
 * engine adds families (name, type, help) and their samples (labels,
 * value); one renderer per format turns the same list into text, so the
 * two can never disagree. Built on the control thread, never on the
 * packet path. The JSON's shape is tests/schema/stats.schema.json. */
#ifndef QT_METRICS_H
#define QT_METRICS_H

#include <stdint.h>

#include "buf.h"

enum qt_metric_type { QT_COUNTER, QT_GAUGE };

enum qt_metrics_format { QT_METRICS_JSON, QT_METRICS_PROMETHEUS };

#define QT_METRIC_LABELS 3

struct qt_metrics;

struct qt_metrics *qt_metrics_new(void);
void qt_metrics_free(struct qt_metrics *m);

/* Start a family; the samples added next belong to it. The name is
 * Prometheus' (qtables_..., counters ending in _total). */
void qt_metrics_family(struct qt_metrics *m, const char *name,
		       enum qt_metric_type type, const char *help);
/* A sample of the current family: up to QT_METRIC_LABELS pairs of label
 * name and value, then NULL. */
void qt_metrics_sample(struct qt_metrics *m, uint64_t value, ...)
	__attribute__((sentinel));

/* Render everything. -1 when memory ran out while building (the output
 * would be incomplete). */
int qt_metrics_render(const struct qt_metrics *m, enum qt_metrics_format f,
		      struct qt_buf *out);

#endif
