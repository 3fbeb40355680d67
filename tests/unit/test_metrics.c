/* daemon/metrics: the Prometheus text and JSON renderings of the same
 * families, with label values that need escaping. */
#include <stdlib.h>

#include "metrics.h"
#include "tap.h"

int main(void)
{
	struct qt_metrics *m = qt_metrics_new();
	qt_metrics_family(m, "qtables_x_total", QT_COUNTER, "a \\ help\nline");
	qt_metrics_sample(m, 7, "queue", "0", "name", "a\"b\\c\nd", NULL);
	qt_metrics_sample(m, 18446744073709551615ull, NULL);
	qt_metrics_family(m, "qtables_g", QT_GAUGE, "gauge");

	struct qt_buf out;
	qt_buf_init(&out);
	ok(qt_metrics_render(m, QT_METRICS_PROMETHEUS, &out) == 0, "prometheus");
	is_str(qt_buf_str(&out),
	       "# HELP qtables_x_total a \\\\ help\\nline\n"
	       "# TYPE qtables_x_total counter\n"
	       "qtables_x_total{queue=\"0\",name=\"a\\\"b\\\\c\\nd\"} 7\n"
	       "qtables_x_total 18446744073709551615\n"
	       "# HELP qtables_g gauge\n"
	       "# TYPE qtables_g gauge\n",
	       "prometheus text, escaped");
	qt_buf_reset(&out);
	ok(qt_metrics_render(m, QT_METRICS_JSON, &out) == 0, "json");
	is_str(qt_buf_str(&out),
	       "{\"format\": \"qtables-stats\", \"version\": 1, \"metrics\": [\n"
	       "  {\"name\": \"qtables_x_total\", \"type\": \"counter\", "
	       "\"help\": \"a \\\\ help\\u000aline\", \"samples\": [\n"
	       "    {\"labels\": {\"queue\": \"0\", \"name\": \"a\\\"b\\\\c\\u000ad\"}, \"value\": 7},\n"
	       "    {\"labels\": {}, \"value\": 18446744073709551615}]},\n"
	       "  {\"name\": \"qtables_g\", \"type\": \"gauge\", \"help\": \"gauge\", "
	       "\"samples\": []}\n"
	       "]}\n",
	       "json, escaped");
	qt_buf_free(&out);
	qt_metrics_free(m);
	return done_testing();
}
