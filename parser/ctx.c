/* Error reporting in iptables' exact formats. */
#include "ctx.h"

#include <stdio.h>

void qt_ctx_init(struct qt_ctx *c, const char *prog, struct qt_buf *out,
		 struct qt_buf *err)
{
	c->prog = prog;
	c->out = out;
	c->err = err;
	c->status = 0;
	c->restore_line = 0;
	c->restore_noflush_line = false;
}

static void tryhelp(struct qt_ctx *c)
{
	if (c->restore_line > 0)
		qt_buf_printf(c->err, "Error occurred at line: %d\n",
			      c->restore_line);
	qt_buf_printf(c->err,
		      "Try `%s -h' or '%s --help' for more information.\n",
		      c->prog, c->prog);
}

int qt_param_error(struct qt_ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->status)
		return -1; /* only the first error is reported, as iptables exits */
	qt_buf_printf(c->err, "%s v%s (%s): ", c->prog, QT_IPTABLES_VERSION,
		      QT_BACKEND);
	va_start(ap, fmt);
	qt_buf_vprintf(c->err, fmt, ap);
	va_end(ap);
	qt_buf_putc(c->err, '\n');
	tryhelp(c);
	c->status = QT_PARAMETER_PROBLEM;
	return -1;
}

int qt_error(struct qt_ctx *c, int status, const char *fmt, ...)
{
	va_list ap;
	if (c->status)
		return -1;
	qt_buf_printf(c->err, "%s v%s (%s): ", c->prog, QT_IPTABLES_VERSION,
		      QT_BACKEND);
	va_start(ap, fmt);
	qt_buf_vprintf(c->err, fmt, ap);
	va_end(ap);
	qt_buf_putc(c->err, '\n');
	c->status = status;
	return -1;
}

int qt_op_error(struct qt_ctx *c, const char *msg)
{
	if (c->status)
		return -1;
	if (c->restore_line > 0)
		qt_buf_printf(c->err, "%s: line %d failed: %s.\n", c->prog,
			      c->restore_line, msg);
	else
		qt_buf_printf(c->err, "%s: %s.\n", c->prog, msg);
	c->status = QT_OTHER_PROBLEM;
	return -1;
}

int qt_tryhelp_error(struct qt_ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->status)
		return -1;
	va_start(ap, fmt);
	qt_buf_vprintf(c->err, fmt, ap);
	va_end(ap);
	tryhelp(c);
	c->status = QT_PARAMETER_PROBLEM;
	return -1;
}
