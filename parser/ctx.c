/* Error reporting in iptables' exact formats. */
#include "ctx.h"

#include <stdio.h>

#include "explain.h"

void qt_ctx_init(struct qt_ctx *c, const char *prog, struct qt_buf *out,
		 struct qt_buf *err)
{
	c->prog = prog;
	c->out = out;
	c->err = err;
	c->status = 0;
	c->restore_line = 0;
	c->words = NULL;
	c->at = (struct qt_at){ 0 };
	c->at_loc = (struct qt_loc){ 0, 0 };
	c->explain = NULL;
	c->stage = QT_STAGE_PARSE;
	c->kernel_later = false;
}

/* Where the text of an error goes: standard error, or, when the caller
 * shows the explained form instead, the record's copy of it. */
static struct qt_buf *err_text(struct qt_ctx *c)
{
	return c->explain && c->explain->quiet ? &c->explain->plain : c->err;
}

static void record(struct qt_ctx *c, const char *fmt, va_list ap)
{
	if (c->explain)
		qt_explain_record(c->explain, c, fmt, ap);
}

static void tryhelp(struct qt_ctx *c)
{
	if (c->restore_line > 0)
		qt_buf_printf(err_text(c), "Error occurred at line: %d\n",
			      c->restore_line);
	qt_buf_printf(err_text(c),
		      "Try `%s -h' or '%s --help' for more information.\n",
		      c->prog, c->prog);
}

int qt_param_error(struct qt_ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->status)
		return -1; /* only the first error is reported, as iptables exits */
	va_start(ap, fmt);
	record(c, fmt, ap);
	va_end(ap);
	qt_buf_printf(err_text(c), "%s v%s (%s): ", c->prog,
		      QT_IPTABLES_VERSION, QT_BACKEND);
	va_start(ap, fmt);
	qt_buf_vprintf(err_text(c), fmt, ap);
	va_end(ap);
	qt_buf_putc(err_text(c), '\n');
	tryhelp(c);
	c->status = QT_PARAMETER_PROBLEM;
	return -1;
}

int qt_error(struct qt_ctx *c, int status, const char *fmt, ...)
{
	va_list ap;
	if (c->status)
		return -1;
	va_start(ap, fmt);
	record(c, fmt, ap);
	va_end(ap);
	qt_buf_printf(err_text(c), "%s v%s (%s): ", c->prog,
		      QT_IPTABLES_VERSION, QT_BACKEND);
	va_start(ap, fmt);
	qt_buf_vprintf(err_text(c), fmt, ap);
	va_end(ap);
	qt_buf_putc(err_text(c), '\n');
	c->status = status;
	return -1;
}

static void record_msg(struct qt_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void record_msg(struct qt_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(c, fmt, ap);
	va_end(ap);
}

int qt_op_error(struct qt_ctx *c, const char *msg)
{
	if (c->status)
		return -1;
	record_msg(c, "%s", msg);
	if (c->restore_line > 0)
		qt_buf_printf(err_text(c), "%s: line %d failed: %s.\n", c->prog,
			      c->restore_line, msg);
	else
		qt_buf_printf(err_text(c), "%s: %s.\n", c->prog, msg);
	c->status = QT_OTHER_PROBLEM;
	return -1;
}

int qt_tryhelp_error(struct qt_ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->status)
		return -1;
	va_start(ap, fmt);
	record(c, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	qt_buf_vprintf(err_text(c), fmt, ap);
	va_end(ap);
	tryhelp(c);
	c->status = QT_PARAMETER_PROBLEM;
	return -1;
}

void qt_error_more(struct qt_ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (!c->status)
		return;
	va_start(ap, fmt);
	qt_buf_vprintf(err_text(c), fmt, ap);
	va_end(ap);
}

int qt_raw_error(struct qt_ctx *c, int status, const char *msg,
		 const char *fmt, ...)
{
	va_list ap;
	if (c->status)
		return -1;
	record_msg(c, "%s", msg);
	va_start(ap, fmt);
	qt_buf_vprintf(err_text(c), fmt, ap);
	va_end(ap);
	c->status = status;
	return -1;
}
