/* Requests and replies between the programs and the daemon. */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "ctx.h"
#include "explain.h"
#include "restore.h"
#include "words.h"

/* The longest header line: room for an input's name (PATH_MAX) escaped. */
#define HEADER_MAX 16384

static void put_quoted(struct qt_buf *b, const char *w)
{
	qt_buf_putc(b, '"');
	for (; *w; w++) {
		if (*w == '"' || *w == '\\')
			qt_buf_putc(b, '\\');
		qt_buf_putc(b, *w);
	}
	qt_buf_putc(b, '"');
}

int qt_request_command(struct qt_buf *b, const char *prog, bool explain,
		       int argc, char *const *argv)
{
	qt_buf_printf(b, "#qtables 1 command %s%s\n", prog,
		      explain ? " explain" : "");
	for (int i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n'))
			return -1;
		if (i)
			qt_buf_putc(b, ' ');
		put_quoted(b, argv[i]);
	}
	qt_buf_putc(b, '\n');
	return 0;
}

/* The name of the input in a header word: what could end the word or
 * the line, and '%' itself, as %HH. A name too long for the header is
 * shown by its end. */
static void put_name(struct qt_buf *b, const char *name)
{
	size_t n = strlen(name);
	if (n > 4096)
		name += n - 4096;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7f || c == '%')
			qt_buf_printf(b, "%%%02X", c);
		else
			qt_buf_putc(b, (char)c);
	}
}

void qt_request_restore(struct qt_buf *b, const char *prog, bool noflush,
			bool counters, bool test, const char *table,
			const char *explain, const char *text, size_t len)
{
	qt_buf_printf(b, "#qtables 1 restore %s%s%s%s", prog,
		      noflush ? " noflush" : "", counters ? " counters" : "",
		      test ? " test" : "");
	if (table)
		qt_buf_printf(b, " table=%s", table);
	if (explain) {
		qt_buf_puts(b, " explain=");
		put_name(b, explain);
	}
	qt_buf_putc(b, '\n');
	qt_buf_put(b, text, len);
}

void qt_request_save(struct qt_buf *b, const char *prog, bool counters,
		     const char *table)
{
	qt_buf_printf(b, "#qtables 1 save %s%s", prog,
		      counters ? " counters" : "");
	if (table)
		qt_buf_printf(b, " table=%s", table);
	qt_buf_putc(b, '\n');
}

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
		       struct qt_ctx *ctx, bool *changed, bool offline,
		       bool *read_only, bool explain)
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
	struct qt_cmd_env env = { .restore_table = NULL, .no_kernel = offline };
	struct qt_explain x;
	qt_explain_init(&x, true);
	if (explain)
		ctx->explain = &x;
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
	} else {
		qt_ruleset_free(work);
	}
	return st;
}

static bool has_flag(const char *hdr, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = hdr; (p = strstr(p, flag)); p += n)
		if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* The name after " explain=" (decoded into buf), or NULL. */
static const char *explain_opt(const char *hdr, char *buf, size_t n)
{
	const char *p = strstr(hdr, " explain=");
	if (!p)
		return NULL;
	size_t k = 0;
	for (p += 9; *p && *p != ' ' && k + 1 < n; p++) {
		unsigned v;
		if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1 && v) {
			buf[k++] = (char)v;
			p += 2;
		} else {
			buf[k++] = *p;
		}
	}
	buf[k] = '\0';
	return buf;
}

static const char *table_opt(const char *hdr, char *buf, size_t n)
{
	const char *p = strstr(hdr, " table=");
	if (!p)
		return NULL;
	p += 7;
	size_t k = strcspn(p, " ");
	if (k >= n)
		k = n - 1;
	memcpy(buf, p, k);
	buf[k] = '\0';
	return buf;
}

static int run(struct qt_ruleset **rs, const char *req, size_t len,
	       struct qt_buf *out, struct qt_buf *err, bool *changed,
	       bool offline, bool *read_only)
{
	struct qt_ctx ctx;
	char hdr[HEADER_MAX], name[HEADER_MAX];
	char mode[16], prog[64], tbuf[64];
	*changed = false;
	const char *nl = memchr(req, '\n', len);
	size_t hlen = nl ? (size_t)(nl - req) : len;
	if (hlen >= sizeof(hdr)) {
		qt_ctx_init(&ctx, "qtables", out, err);
		return qt_error(&ctx, QT_OTHER_PROBLEM, "malformed request");
	}
	memcpy(hdr, req, hlen);
	hdr[hlen] = '\0';
	if (sscanf(hdr, "#qtables 1 %15s %63s", mode, prog) != 2) {
		qt_ctx_init(&ctx, "qtables", out, err);
		return qt_error(&ctx, QT_OTHER_PROBLEM, "malformed request");
	}
	static char progname[64];
	snprintf(progname, sizeof(progname), "%s", prog);
	qt_ctx_init(&ctx, progname, out, err);
	const char *body = nl ? nl + 1 : req + len;
	size_t blen = len - (size_t)(body - req);

	if (!strcmp(mode, "command"))
		return run_command(rs, body, blen, &ctx, changed, offline,
				   read_only, has_flag(hdr, "explain"));
	if (!strcmp(mode, "restore")) {
		struct qt_restore_opts o = {
			.noflush = has_flag(hdr, "noflush"),
			.counters = has_flag(hdr, "counters"),
			.test = offline || has_flag(hdr, "test"),
			.only_table = table_opt(hdr, tbuf, sizeof(tbuf)),
		};
		const char *shown = explain_opt(hdr, name, sizeof(name));
		struct qt_explain x;
		qt_explain_init(&x, true);
		if (shown)
			ctx.explain = &x;
		int st = qt_restore_run(rs, body, blen, &o, &ctx, changed);
		ctx.explain = NULL;
		if (shown)
			qt_explain_render_text(err, &x, shown, body, blen, "");
		qt_explain_free(&x);
		return st;
	}
	if (!strcmp(mode, "save"))
		return qt_save_run(*rs, table_opt(hdr, tbuf, sizeof(tbuf)),
				   has_flag(hdr, "counters"), true, &ctx);
	return qt_error(&ctx, QT_OTHER_PROBLEM, "unknown request `%s'", mode);
}

int qt_request_run(struct qt_ruleset **rs, const char *req, size_t len,
		   struct qt_buf *out, struct qt_buf *err, bool *changed)
{
	return run(rs, req, len, out, err, changed, false, NULL);
}

int qt_request_offline(const char *req, size_t len, struct qt_buf *out,
		       struct qt_buf *err, bool *answered)
{
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	bool changed, read_only = false;
	int st = run(&rs, req, len, out, err, &changed, true, &read_only);
	qt_ruleset_free(rs);
	*answered = st != 0 || read_only;
	return st;
}

void qt_reply_encode(struct qt_buf *b, int status, const struct qt_buf *out,
		     const struct qt_buf *err)
{
	qt_buf_printf(b, "#qtables-reply %d %zu %zu\n", status, out->len,
		      err->len);
	qt_buf_put(b, qt_buf_str(out), out->len);
	qt_buf_put(b, qt_buf_str(err), err->len);
}

int qt_reply_decode(const char *rep, size_t len, int *status,
		    const char **out, size_t *outlen, const char **err,
		    size_t *errlen)
{
	const char *nl = memchr(rep, '\n', len);
	if (!nl)
		return -1;
	char hdr[128];
	size_t hl = (size_t)(nl - rep);
	if (hl >= sizeof(hdr))
		return -1;
	memcpy(hdr, rep, hl);
	hdr[hl] = '\0';
	if (sscanf(hdr, "#qtables-reply %d %zu %zu", status, outlen, errlen) != 3)
		return -1;
	size_t body = len - hl - 1;
	if (*outlen > body || *errlen > body - *outlen)
		return -1;
	*out = nl + 1;
	*err = nl + 1 + *outlen;
	return 0;
}
