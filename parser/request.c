/* The ruleset requests (command, restore, save) applied to a model. */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "ctx.h"
#include "explain.h"
#include "restore.h"
#include "words.h"

/* The single command line of a command request. */
struct one_line {
	struct qt_words words;
	bool got;
};

static int take_line(void *u, struct qt_words *w, const char *counters,
		     struct qt_loc loc)
{
	struct one_line *l = u;
	(void)counters;
	(void)loc;
	if (l->got)
		return -1;
	l->got = true;
	for (unsigned i = 0; i < w->n; i++)
		qt_words_push(&l->words, w->v[i].text, strlen(w->v[i].text),
			      w->v[i].loc);
	return 0;
}

static int refuse_table(void *u, const char *n, struct qt_loc l)
{
	(void)u; (void)n; (void)l;
	return -1;
}

static int refuse_chain(void *u, struct qt_words *w, struct qt_loc l)
{
	(void)u; (void)w; (void)l;
	return -1;
}

static int refuse_commit(void *u, struct qt_loc l)
{
	(void)u; (void)l;
	return -1;
}

static int run_command(struct qt_ruleset **rs, const char *body, size_t len,
		       const struct qt_counter_view *cnt, struct qt_ctx *ctx,
		       bool *changed, bool offline, bool *read_only,
		       bool explain)
{
	struct one_line l = { .got = false };
	qt_words_init(&l.words);
	struct qt_restore_sink sink = {
		.user = &l, .table = refuse_table, .chain = refuse_chain,
		.commit = refuse_commit, .rule = take_line,
	};
	if (qt_parse_restore(body, len, &sink) && !l.got) {
		qt_words_free(&l.words);
		return qt_error(ctx, QT_OTHER_PROBLEM, "malformed request");
	}
	/* A failing command must change nothing: run it on a copy. */
	struct qt_ruleset *work = qt_ruleset_clone(*rs);
	struct qt_explain x;
	qt_explain_init(&x, true);
	if (explain)
		ctx->explain = &x;
	/* ... and its policy counters too, taken only with the copy */
	struct qt_policy_pending pending = { 0 };
	if (cnt && cnt->pending)
		pending = *cnt->pending;
	struct qt_counter_view view = {
		.io = cnt ? cnt->io : NULL, .pending = &pending,
	};
	struct qt_cmd_env env = {
		.restore_table = NULL, .no_kernel = offline, .cnt = &view,
	};
	int st = qt_command_run(work, &l.words, &env, ctx);
	ctx->explain = NULL;
	qt_explain_render_words(ctx->err, &x, &l.words);
	qt_explain_free(&x);
	if (read_only)
		*read_only = env.read_only;
	qt_words_free(&l.words);
	if (st == 0 && env.changed && !env.read_only) {
		qt_ruleset_free(*rs);
		*rs = work;
		*changed = true;
		if (cnt && cnt->pending)
			*cnt->pending = pending;
	} else {
		qt_ruleset_free(work);
	}
	return st;
}

static int run(struct qt_ruleset **rs, const char *req, size_t len,
	       const struct qt_counter_view *cnt, struct qt_buf *out,
	       struct qt_buf *err, bool *changed, bool offline,
	       bool *read_only)
{
	struct qt_ctx ctx;
	struct qt_ipc_header h;
	char tbuf[64];
	char name[QT_IPC_HEADER_MAX];
	*changed = false;
	if (qt_ipc_parse(req, len, &h) < 0) {
		qt_ctx_init(&ctx, "qtables", out, err);
		return qt_error(&ctx, QT_OTHER_PROBLEM, "malformed request");
	}
	static char progname[64];
	snprintf(progname, sizeof(progname), "%s", h.prog);
	qt_ctx_init(&ctx, progname, out, err);

	/* the caller hands the ruleset of the request's family */
	if ((h.kind == QT_IPC_COMMAND || h.kind == QT_IPC_RESTORE ||
	     h.kind == QT_IPC_SAVE) && qt_ipc_family(&h) != (*rs)->family)
		return qt_error(&ctx, QT_OTHER_PROBLEM,
				"request for another family's ruleset");
	switch (h.kind) {
	case QT_IPC_COMMAND:
		return run_command(rs, h.body, h.body_len, cnt, &ctx, changed,
				   offline, read_only,
				   qt_ipc_has_word(&h, "explain"));
	case QT_IPC_RESTORE: {
		char vbuf[16];
		const char *v = qt_ipc_word_value(&h, "verbose", vbuf,
						  sizeof(vbuf));
		struct qt_restore_opts o = {
			.verbose = v ? (unsigned)strtoul(v, NULL, 10) : 0,
			.noflush = qt_ipc_has_word(&h, "noflush"),
			.counters = qt_ipc_has_word(&h, "counters"),
			.test = offline || qt_ipc_has_word(&h, "test"),
			.only_table = qt_ipc_word_value(&h, "table", tbuf,
							sizeof(tbuf)),
		};
		const char *shown = qt_ipc_word_decoded(&h, "explain", name,
							sizeof(name));
		struct qt_explain x;
		qt_explain_init(&x, true);
		if (shown)
			ctx.explain = &x;
		int st = qt_restore_run(rs, h.body, h.body_len, &o, cnt, &ctx,
					changed);
		ctx.explain = NULL;
		if (shown)
			qt_explain_render_text(err, &x, shown, h.body, h.body_len, "");
		qt_explain_free(&x);
		return st;
	}
	case QT_IPC_SAVE:
		return qt_save_run(*rs, qt_ipc_word_value(&h, "table", tbuf,
							  sizeof(tbuf)),
				   cnt, qt_ipc_has_word(&h, "counters"), true,
				   &ctx);
	default:
		return qt_error(&ctx, QT_OTHER_PROBLEM,
				"not a request for the ruleset");
	}
}

int qt_request_run(struct qt_ruleset **rs, const char *req, size_t len,
		   const struct qt_counter_view *cnt, struct qt_buf *out,
		   struct qt_buf *err, bool *changed)
{
	return run(rs, req, len, cnt, out, err, changed, false, NULL);
}

int qt_request_offline(const char *req, size_t len, struct qt_buf *out,
		       struct qt_buf *err, bool *answered)
{
	struct qt_ipc_header h;
	struct qt_ruleset *rs = qt_ruleset_new(
		qt_ipc_parse(req, len, &h) == 0 ? qt_ipc_family(&h) : AF_INET);
	struct qt_counter_mem *mem = qt_counter_mem_new();
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = {
		.io = qt_counter_mem_io(mem), .pending = &pending,
	};
	bool changed, read_only = false;
	int st = run(&rs, req, len, &cnt, out, err, &changed, true, &read_only);
	qt_ruleset_free(rs);
	qt_counter_mem_free(mem);
	*answered = st != 0 || read_only;
	return st;
}
