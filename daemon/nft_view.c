/* See nft_view.h. */
#include "nft_view.h"

#include <stdlib.h>
#include <string.h>

#include "nft_dynset.h"
#include "nft_exec.h"
#include "nft_model.h"
#include "nft_json_run.h"
#include "nft_print.h"
#include "nft_run.h"
#include "nft_state.h"
#include "protocol.h"

static struct nft_ruleset *current;
static struct nft_ruleset *loaded;   /* a state file's, until settled */
/* The runtimes of the rules the engine runs: counters, limit buckets
 * (engine/nft_exec.h), for the daemon's whole life. */
static struct qt_nft_store *store;

const struct nft_ruleset *qt_nft_view_ruleset(void)
{
	return current;
}

struct qt_nft_store *qt_nft_view_store(void)
{
	if (!store)
		store = qt_nft_store_new();
	return store;
}

void qt_nft_view_sync(void)
{
	qt_nft_store_sync(store, current);
}

struct nft_ruleset *qt_nft_view_save(void)
{
	return current ? nft_ruleset_clone(current) : NULL;
}

/* The ruleset's generation as the kernel counts it: it starts at 1 and
 * is 2 after the first batch that changed something (nft -e prints it). */
static uint64_t generation = 1;

void qt_nft_view_put_back(struct nft_ruleset *before)
{
	nft_ruleset_free(current);
	current = before;
	/* the batch did not go in: as the kernel's aborted transaction,
	 * it made no generation */
	if (generation > 1)
		generation--;
}

static struct nft_ruleset *ruleset(void)
{
	if (!current)
		current = nft_ruleset_new();
	return current;
}

int qt_nft_view_request(const char *req, size_t len, struct qt_buf *out,
			struct qt_buf *err, bool *changed,
			struct nft_ruleset **before)
{
	struct qt_ipc_header h;
	*changed = false;
	if (qt_ipc_parse(req, len, &h) < 0) {
		qt_buf_puts(err, "Error: malformed request\n");
		return 1;
	}
	char file[4200], cwd[4200], pid[32];
	const char *pid_word = qt_ipc_word_decoded(&h, "pid", pid, sizeof(pid));
	struct nft_run_opts o = {
		.check = qt_ipc_has_word(&h, "check"),
		.handles = qt_ipc_has_word(&h, "handles"),
		.stateless = qt_ipc_has_word(&h, "stateless"),
		.json = qt_ipc_has_word(&h, "json"),
		.file = qt_ipc_word_decoded(&h, "file", file, sizeof(file)),
		.cwd = qt_ipc_word_decoded(&h, "cwd", cwd, sizeof(cwd)),
		.replaced = before,
		.echo = qt_ipc_has_word(&h, "echo"),
		.pid = pid_word ? strtol(pid_word, NULL, 10) : 0,
		.generation = &generation,
	};
	struct nft_ruleset *rs = ruleset();
	int st = o.json ? nft_json_input_run(&rs, h.body, h.body_len, &o, out,
					     err, changed)
			: nft_run(&rs, h.body, h.body_len, &o, out, err, changed);
	current = rs;
	return st;
}

bool qt_nft_view_empty(void)
{
	return !current || (!current->ntables && !current->table_handle);
}

bool qt_nft_view_dynamic(void)
{
	for (unsigned ti = 0; current && ti < current->ntables; ti++) {
		const struct nft_table *t = &current->tables[ti];
		for (unsigned si = 0; si < t->nsets; si++)
			if (qt_dynset_wanted(t, &t->sets[si]))
				return true;
	}
	return false;
}

static void prefix_lines(struct qt_buf *b, const char *prefix,
			 const struct qt_buf *text)
{
	const char *p = qt_buf_str(text), *end = p + text->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		qt_buf_puts(b, prefix);
		qt_buf_put(b, p, n);
		if (!nl)
			qt_buf_putc(b, '\n');
		p += n;
	}
}

void qt_nft_view_render(struct qt_buf *b)
{
	if (qt_nft_view_empty())
		return;
	/* the counters as packets counted them */
	qt_nft_view_sync();
	struct qt_buf text;
	qt_buf_init(&text);
	/* names nft's words cannot say in quotes, which qtables reads */
	struct nft_print_opts po = { .quote_names = true };
	nft_print_ruleset(current, -1, &po, &text);
	prefix_lines(b, "#nft ", &text);
	qt_buf_reset(&text);
	nft_state_handles(current, &text);
	prefix_lines(b, "#", &text);
	qt_buf_free(&text);
}

int qt_nft_view_load(const char *text, size_t len, struct qt_buf *why)
{
	struct qt_buf lines, handles, out, err;
	qt_buf_init(&lines);
	qt_buf_init(&handles);
	qt_buf_init(&out);
	qt_buf_init(&err);
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (n >= 5 && !memcmp(p, "#nft ", 5))
			qt_buf_put(&lines, p + 5, n - 5);
		else if (n > 13 && !memcmp(p, "#nft-handles ", 13))
			qt_buf_put(&handles, p + 1, n - 1);
		p += n;
	}
	nft_ruleset_free(loaded);
	loaded = NULL;
	if (!lines.len && !handles.len) {
		/* a file without nft tables (iptables-restore input of
		 * its own) leaves the daemon's as they are */
		qt_buf_free(&lines);
		qt_buf_free(&handles);
		qt_buf_free(&out);
		qt_buf_free(&err);
		return 0;
	}
	loaded = nft_ruleset_new();
	bool changed;
	struct nft_run_opts o = { .file = "state file", .own_listing = true };
	int st = nft_run(&loaded, qt_buf_str(&lines), lines.len, &o, &out,
			 &err, &changed);
	/* the handles as they were */
	for (const char *h = qt_buf_str(&handles); !st && *h;) {
		const char *nl = strchr(h, '\n');
		if (nft_state_apply_handles(loaded, h) < 0) {
			qt_buf_puts(&err, "its nft handles do not fit its "
				    "tables");
			st = 1;
		}
		h = nl ? nl + 1 : h + strlen(h);
	}
	if (st) {
		qt_buf_puts(why, "does not restore its nft tables: ");
		const char *e = qt_buf_str(&err);
		const char *nl = strchr(e, '\n');
		qt_buf_put(why, e, nl ? (size_t)(nl - e) : strlen(e));
		nft_ruleset_free(loaded);
		loaded = NULL;
	}
	qt_buf_free(&lines);
	qt_buf_free(&handles);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return st ? -1 : 0;
}

void qt_nft_view_settle(bool keep)
{
	if (!loaded)
		return;
	if (keep) {
		nft_ruleset_free(current);
		current = loaded;
	} else {
		nft_ruleset_free(loaded);
	}
	loaded = NULL;
}
