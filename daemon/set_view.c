#include "set_view.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipset.h"
#include "protocol.h"
#include "set_store.h"

/* -m set and -j SET keep the set's name first in their data block
 * (extensions/set.c, extensions/SET.c); SET's del set follows its add
 * set's name and flags. */
#define SET_REF_SIZE (QT_SET_NAME_MAX + 2)
unsigned qt_set_view_refs(const struct qt_ruleset *rs, const char *name)
{
	unsigned n = 0;
	for (int t = 0; t < QT_NTABLES; t++) {
		const struct qt_table *tb = rs->tables[t];
		for (unsigned c = 0; tb && c < tb->nchains; c++) {
			const struct qt_chain *ch = tb->chains[c];
			for (unsigned i = 0; i < ch->nrules; i++) {
				const struct qt_rule *r = ch->rules[i];
				for (unsigned m = 0; m < r->nmatches; m++)
					if (!strcmp(r->matches[m].ext->name,
						    "set") &&
					    !strcmp(r->matches[m].data, name))
						n++;
				/* -j SET: the add set, then the del set */
				if (r->verdict == QT_V_EXT &&
				    !strcmp(r->target.ext->name, "SET")) {
					const char *t = r->target.data;
					n += !strcmp(t, name);
					n += !strcmp(t + SET_REF_SIZE, name);
				}
			}
		}
	}
	return n;
}

/* ctx: the rulesets of both families, NULL-terminated */
static unsigned refs_cb(void *ctx, const char *name)
{
	unsigned n = 0;
	for (const struct qt_ruleset *const *rs = ctx; *rs; rs++)
		n += qt_set_view_refs(*rs, name);
	return n;
}

int qt_set_view_request(const struct qt_ruleset *rs,
			const struct qt_ruleset *rs6, const char *req,
			size_t len, struct qt_buf *out, struct qt_buf *err,
			bool *changed)
{
	const struct qt_ruleset *users[3] = { rs, rs6, NULL };
	if (!rs) {
		users[0] = rs6;
		users[1] = NULL;
	}
	struct qt_ipc_header h;
	*changed = false;
	if (qt_ipc_parse(req, len, &h) < 0) {
		qt_buf_puts(err, "ipset " QT_IPSET_VERSION ": malformed "
			    "request\n");
		return 1;
	}
	/* the arguments, one a line, up to an empty line; then the input */
	char *body = strndup(h.body, h.body_len);
	char **argv = NULL;
	int argc = 0;
	const char *input = "";
	if (!body)
		return 1;
	char *p = body;
	while (*p) {
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (!*p) {
			input = nl + 1;
			break;
		}
		char **v = realloc(argv, (size_t)(argc + 1) * sizeof(*v));
		if (!v)
			break;
		argv = v;
		argv[argc++] = p;
		p = nl + 1;
	}
	struct qt_ipset_env env = { .refs = refs_cb, .ctx = (void *)users,
				    .now_ms = qt_set_now_ms() };
	bool restore = false, exist = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "restore") || !strcmp(argv[i], "-R") ||
		    !strcmp(argv[i], "--restore"))
			restore = true;
		else if (!strcmp(argv[i], "-exist") ||
			 !strcmp(argv[i], "--exist") || !strcmp(argv[i], "-!"))
			exist = true;
	}
	int st = restore ? qt_ipset_restore(input, strlen(input), exist, &env,
					    out, err, changed)
			 : qt_ipset_run(argc, argv, &env, out, err, changed);
	free(argv);
	free(body);
	return st;
}

unsigned qt_set_view_count(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++)
		n += qt_sets_at(i) != NULL;
	return n;
}

void qt_set_view_render(struct qt_buf *b)
{
	struct qt_buf s;
	qt_buf_init(&s);
	qt_ipset_save_all(&s, qt_set_now_ms());
	if (s.len) {
		qt_buf_printf(b, "#ipset-saved %lld\n", (long long)time(NULL));
		const char *p = qt_buf_str(&s), *end = p + s.len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
			qt_buf_puts(b, "#ipset ");
			qt_buf_put(b, p, n);
			p += n;
		}
	}
	qt_buf_free(&s);
}

/* The sets a load put aside, until it is settled. */
static struct qt_set *aside[QT_SET_MAX_SETS];
static bool pending;

void qt_set_view_settle(bool keep)
{
	if (!pending)
		return;
	pending = false;
	if (!keep) {
		qt_sets_clear();
		for (unsigned i = 0; i < QT_SET_MAX_SETS; i++)
			if (aside[i])
				qt_sets_insert(aside[i]);
		memset(aside, 0, sizeof(aside));
		return;
	}
	/* rules compiled against a set hold that very object: a set of
	 * the same name takes the file's contents in place (swap); the
	 * others go once no rule holds them */
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++) {
		struct qt_set *old = aside[i];
		aside[i] = NULL;
		if (!old)
			continue;
		struct qt_set *cur = qt_sets_find(old->name);
		if (cur) {
			qt_set_swap(cur, old);
			qt_sets_replace(cur, old);
			old = cur;   /* now holding what was */
		}
		old->index = QT_SET_MAX_SETS;
		if (old->refs)
			old->destroyed = true;
		else
			qt_set_free(old);
	}
}

int qt_set_view_load(const char *text, size_t len, struct qt_buf *why)
{
	struct qt_buf lines, out, err;
	qt_buf_init(&lines);
	qt_buf_init(&out);
	qt_buf_init(&err);
	long long saved = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (n > 7 && !memcmp(p, "#ipset ", 7))
			qt_buf_put(&lines, p + 7, n - 7);
		else if (n > 13 && !memcmp(p, "#ipset-saved ", 13))
			saved = strtoll(p + 13, NULL, 10);
		p += n;
	}
	/* the elements are put back as they were when the file was
	 * written: their timeouts ran on since */
	uint64_t now = qt_set_now_ms();
	long long passed = saved ? (long long)time(NULL) - saved : 0;
	uint64_t back = passed > 0 ? (uint64_t)passed * 1000u : 0;
	struct qt_ipset_env env = { .now_ms = back < now ? now - back : 1 };
	bool changed;
	/* the sets there step aside while the file's are made (the rules
	 * of the file are checked against these); qt_set_view_settle
	 * then keeps one or the other */
	if (pending)
		qt_set_view_settle(false);
	for (unsigned i = 0; i < QT_SET_MAX_SETS; i++) {
		aside[i] = qt_sets_at(i);
		if (aside[i])
			qt_sets_remove(aside[i]);
	}
	pending = true;
	int st = qt_ipset_restore(qt_buf_str(&lines), lines.len, false, &env,
				  &out, &err, &changed);
	if (st) {
		qt_buf_puts(why, "does not restore its sets: ");
		qt_buf_put(why, qt_buf_str(&err),
			   err.len && qt_buf_str(&err)[err.len - 1] == '\n'
			   ? err.len - 1 : err.len);
		qt_set_view_settle(false);
	}
	qt_buf_free(&lines);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return st ? -1 : 0;
}
