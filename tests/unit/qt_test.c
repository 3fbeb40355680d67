#include "qt_test.h"

#include <stdio.h>
#include <string.h>

#include "request.h"

static int run(struct qt_ruleset **rs, struct qt_buf *req,
	       struct qt_test_result *res)
{
	bool changed;
	qt_buf_init(&res->out);
	qt_buf_init(&res->err);
	res->status = qt_request_run(rs, qt_buf_str(req), req->len, &res->out,
				     &res->err, &changed);
	qt_buf_free(req);
	return res->status;
}

int qt_test_cmd(struct qt_ruleset **rs, const char *words,
		struct qt_test_result *res)
{
	struct qt_buf req;
	qt_buf_init(&req);
	qt_buf_printf(&req, "#qtables 1 command iptables\n%s\n", words);
	return run(rs, &req, res);
}

int qt_test_restore(struct qt_ruleset **rs, const char *text,
		    const char *flags, struct qt_test_result *res)
{
	struct qt_buf req;
	qt_buf_init(&req);
	qt_buf_printf(&req, "#qtables 1 restore iptables-restore %s\n%s", flags,
		      text);
	return run(rs, &req, res);
}

const char *qt_test_save(struct qt_ruleset *rs, struct qt_buf *b)
{
	struct qt_buf req, out, err;
	bool changed;
	qt_buf_init(&req);
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_buf_reset(b);
	qt_buf_puts(&req, "#qtables 1 save iptables-save\n");
	qt_request_run(&rs, qt_buf_str(&req), req.len, &out, &err, &changed);
	/* drop the "# Generated/Completed" lines: they carry the time */
	const char *p = qt_buf_str(&out);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		if (*p != '#')
			qt_buf_put(b, p, n);
		p += n;
	}
	qt_buf_free(&req);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return qt_buf_str(b);
}

void qt_test_result_free(struct qt_test_result *res)
{
	qt_buf_free(&res->out);
	qt_buf_free(&res->err);
}
