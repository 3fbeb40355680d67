/* Counter families and their JSON and Prometheus renderings (see
 * metrics.h). */
#define _GNU_SOURCE
#include "metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_ 64
#define LABEL_MAX 48
#define HELP_MAX 160

struct sample {
	unsigned family;
	unsigned nlabels;
	char key[QT_METRIC_LABELS][NAME_MAX_];
	char val[QT_METRIC_LABELS][LABEL_MAX];
	uint64_t value;
};

struct family {
	char name[NAME_MAX_];
	char help[HELP_MAX];
	enum qt_metric_type type;
};

struct qt_metrics {
	struct family *fam;
	unsigned nfam, capfam;
	struct sample *smp;
	unsigned nsmp, capsmp;
	bool oom;
};

struct qt_metrics *qt_metrics_new(void)
{
	return calloc(1, sizeof(struct qt_metrics));
}

void qt_metrics_free(struct qt_metrics *m)
{
	if (!m)
		return;
	free(m->fam);
	free(m->smp);
	free(m);
}

static bool grow(void **p, unsigned *cap, unsigned n, size_t size)
{
	if (n < *cap)
		return true;
	unsigned c = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, (size_t)c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

static void copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void qt_metrics_family(struct qt_metrics *m, const char *name,
		       enum qt_metric_type type, const char *help)
{
	if (!grow((void **)&m->fam, &m->capfam, m->nfam, sizeof(*m->fam))) {
		m->oom = true;
		return;
	}
	struct family *f = &m->fam[m->nfam++];
	copy(f->name, sizeof(f->name), name);
	copy(f->help, sizeof(f->help), help);
	f->type = type;
}

void qt_metrics_sample(struct qt_metrics *m, uint64_t value, ...)
{
	if (!m->nfam || !grow((void **)&m->smp, &m->capsmp, m->nsmp,
			      sizeof(*m->smp))) {
		m->oom = true;
		return;
	}
	struct sample *s = &m->smp[m->nsmp++];
	s->family = m->nfam - 1;
	s->nlabels = 0;
	s->value = value;
	va_list ap;
	va_start(ap, value);
	const char *k;
	while ((k = va_arg(ap, const char *)) && s->nlabels < QT_METRIC_LABELS) {
		const char *v = va_arg(ap, const char *);
		copy(s->key[s->nlabels], NAME_MAX_, k);
		copy(s->val[s->nlabels], LABEL_MAX, v ? v : "");
		s->nlabels++;
	}
	va_end(ap);
}

/* ---- Prometheus text format ---- */

/* HELP escapes backslash and newline; label values also the quote */
static void prom_escape(struct qt_buf *out, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			qt_buf_printf(out, "\\\\");
		else if (*s == '\n')
			qt_buf_printf(out, "\\n");
		else if (*s == '"' && quote)
			qt_buf_printf(out, "\\\"");
		else
			qt_buf_put(out, s, 1);
	}
}

static void render_prometheus(const struct qt_metrics *m, struct qt_buf *out)
{
	for (unsigned fi = 0; fi < m->nfam; fi++) {
		const struct family *f = &m->fam[fi];
		qt_buf_printf(out, "# HELP %s ", f->name);
		prom_escape(out, f->help, false);
		qt_buf_printf(out, "\n# TYPE %s %s\n", f->name,
			      f->type == QT_COUNTER ? "counter" : "gauge");
		for (unsigned si = 0; si < m->nsmp; si++) {
			const struct sample *s = &m->smp[si];
			if (s->family != fi)
				continue;
			qt_buf_printf(out, "%s", f->name);
			for (unsigned l = 0; l < s->nlabels; l++) {
				qt_buf_printf(out, "%s%s=\"", l ? "," : "{",
					      s->key[l]);
				prom_escape(out, s->val[l], true);
				qt_buf_printf(out, "\"");
			}
			qt_buf_printf(out, "%s %llu\n", s->nlabels ? "}" : "",
				      (unsigned long long)s->value);
		}
	}
}

/* ---- JSON ---- */

static void json_string(struct qt_buf *out, const char *s)
{
	qt_buf_printf(out, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			qt_buf_printf(out, "\\%c", c);
		else if (c < 0x20)
			qt_buf_printf(out, "\\u%04x", c);
		else
			qt_buf_put(out, s, 1);
	}
	qt_buf_printf(out, "\"");
}

static void render_json(const struct qt_metrics *m, struct qt_buf *out)
{
	qt_buf_printf(out, "{\"format\": \"qtables-stats\", \"version\": 1, "
		      "\"metrics\": [");
	for (unsigned fi = 0; fi < m->nfam; fi++) {
		const struct family *f = &m->fam[fi];
		qt_buf_printf(out, "%s\n  {\"name\": ", fi ? "," : "");
		json_string(out, f->name);
		qt_buf_printf(out, ", \"type\": \"%s\", \"help\": ",
			      f->type == QT_COUNTER ? "counter" : "gauge");
		json_string(out, f->help);
		qt_buf_printf(out, ", \"samples\": [");
		bool first = true;
		for (unsigned si = 0; si < m->nsmp; si++) {
			const struct sample *s = &m->smp[si];
			if (s->family != fi)
				continue;
			qt_buf_printf(out, "%s\n    {\"labels\": {", first ? "" : ",");
			first = false;
			for (unsigned l = 0; l < s->nlabels; l++) {
				qt_buf_printf(out, "%s", l ? ", " : "");
				json_string(out, s->key[l]);
				qt_buf_printf(out, ": ");
				json_string(out, s->val[l]);
			}
			qt_buf_printf(out, "}, \"value\": %llu}",
				      (unsigned long long)s->value);
		}
		qt_buf_printf(out, "]}");
	}
	qt_buf_printf(out, "\n]}\n");
}

int qt_metrics_render(const struct qt_metrics *m, enum qt_metrics_format f,
		      struct qt_buf *out)
{
	if (m->oom)
		return -1;
	if (f == QT_METRICS_JSON)
		render_json(m, out);
	else
		render_prometheus(m, out);
	return 0;
}
