/* The --stats request (see stats_view.h). */
#define _GNU_SOURCE
#include "stats_view.h"

#include <stdio.h>
#include <string.h>

#include "datapath.h"
#include "log_sink.h"
#include "metrics.h"
#include "protocol.h"

int qt_stats_request(struct qt_engine *e, const char *req, size_t len,
		     qt_stats_more_fn *more, void *ctx,
		     struct qt_buf *out, struct qt_buf *err)
{
	struct qt_ipc_header h;
	char fmt[32] = "";
	if (qt_ipc_parse(req, len, &h) == 0 &&
	    !*qt_ipc_first_word(&h, fmt, sizeof(fmt)))
		strcpy(fmt, "text");
	if (!qt_ipc_stats_format_known(fmt)) {
		qt_buf_printf(err, "qtables: --stats -o %s: not an output format "
			      "(text, json or prometheus)\n", fmt);
		return 2;
	}
	if (!strcmp(fmt, "text")) {
		if (e)
			qt_engine_stats(e, out);
		else
			qt_buf_printf(out, "engine: off (--no-datapath)\n");
		return 0;
	}
	struct qt_metrics *m = qt_metrics_new();
	if (!m) {
		qt_buf_printf(err, "qtablesd: out of memory\n");
		return 4;
	}
	qt_metrics_family(m, "qtables_datapath", QT_GAUGE,
			  "1 while the engine judges packets (0: --no-datapath)");
	qt_metrics_sample(m, e != NULL, NULL);
	if (e)
		qt_engine_metrics(e, m);
	qt_log_sink_metrics(m);
	if (more)
		more(ctx, m);
	int st = qt_metrics_render(m, strcmp(fmt, "json") ? QT_METRICS_PROMETHEUS
							 : QT_METRICS_JSON, out);
	qt_metrics_free(m);
	if (st < 0) {
		qt_buf_printf(err, "qtablesd: out of memory\n");
		return 4;
	}
	return 0;
}
