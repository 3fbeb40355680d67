/* Every tests/ext/NAME.t, offline: each line run in-process as qtablesd
 * runs it, against a ruleset of its own per file, with no kernel and no
 * root. A new extension's vector file is picked up by its name alone.
 *
 * For each test line and chain (format: shared/iptables-tests/README.md):
 * `-t TABLE -A CHAIN RULE`; OK must be accepted and saved as EXPECTED,
 * NOMATCH accepted, and both deleted again by `-D` (by meaning); FAIL
 * must be refused, with exactly the message of the "> " lines under it
 * (iptables-nft's, the backend's name aside). A FAIL line with no message
 * under it is one the real iptables-nft accepted here (the kernel's
 * limits decide): either answer passes. A line "%family 6" makes the
 * rest of the file ip6tables' (the vectors of libip6t_*.t). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "qt_test.h"
#include "tap.h"

#ifndef EXT_VECTORS_DIR
#error "EXT_VECTORS_DIR: the folder of the .t files"
#endif

struct lines {
	char **v;
	size_t n;
};

static int read_lines(const char *path, struct lines *l)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t k;
	memset(l, 0, sizeof(*l));
	while ((k = getline(&line, &cap, f)) >= 0) {
		while (k > 0 && (line[k - 1] == '\n' || line[k - 1] == '\r'))
			line[--k] = '\0';
		l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = strdup(line);
	}
	free(line);
	fclose(f);
	return 0;
}

static void free_lines(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The messages expected under line i ("> " lines), iptables-nft's backend
 * name replaced by ours; NULL when there are none. */
static char *expected_err(const struct lines *l, size_t i)
{
	struct qt_buf b;
	qt_buf_init(&b);
	for (size_t j = i + 1; j < l->n && !strncmp(l->v[j], "> ", 2); j++) {
		const char *s = l->v[j] + 2;
		const char *nft = strstr(s, "(nf_tables)");
		if (nft) {
			qt_buf_put(&b, s, (size_t)(nft - s));
			qt_buf_printf(&b, "(%s)%s", QT_BACKEND, nft + 11);
		} else {
			qt_buf_puts(&b, s);
		}
		qt_buf_putc(&b, '\n');
	}
	char *r = b.len ? strdup(qt_buf_str(&b)) : NULL;
	qt_buf_free(&b);
	return r;
}

static bool saved_has(struct qt_ruleset *rs, const char *want)
{
	struct qt_buf b;
	qt_buf_init(&b);
	const char *s = qt_test_save(rs, &b);
	bool found = false;
	size_t n = strlen(want);
	for (const char *p = s; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == n && !memcmp(p, want, n)) {
			found = true;
			break;
		}
		p = e ? e + 1 : NULL;
	}
	qt_buf_free(&b);
	return found;
}

static void trim_right(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
}

/* The kernel's refusal names the chain the rule was added to: the
 * vectors hold the message of the first chain of the line, so for the
 * others the name is the chain's own. A copy, to be freed. */
static char *for_chain(const char *want_err, const char *chain)
{
	const char *tag = ": rule in chain ";
	const char *p = want_err ? strstr(want_err, tag) : NULL;
	if (!p)
		return want_err ? strdup(want_err) : NULL;
	p += strlen(tag);
	const char *eol = strchr(p, '\n');
	char *r;
	if (asprintf(&r, "%.*s%s%s", (int)(p - want_err), want_err, chain,
		     eol ? eol : "") < 0)
		abort();
	return r;
}

/* One test line in one chain. */
static void run_case(struct qt_ruleset **rs, const char *file, size_t lineno,
		     const char *table, const char *chain, const char *rule,
		     const char *expected, const char *result,
		     const char *want_err)
{
	char *cmd, *del;
	if (asprintf(&cmd, "-t %s -A %s %s", table, chain, rule) < 0 ||
	    asprintf(&del, "-t %s -D %s %s", table, chain, rule) < 0)
		abort();
	struct qt_test_result r;
	qt_test_cmd(rs, cmd, &r);
	if (!strcmp(result, "FAIL")) {
		if (!want_err) {
			ok(1, "%s:%zu %s: either answer (%d)", file, lineno,
			   chain, r.status);
			if (r.status == 0) {
				struct qt_test_result d;
				qt_test_cmd(rs, del, &d);
				qt_test_result_free(&d);
			}
		} else {
			ok(r.status != 0 && !strcmp(qt_buf_str(&r.err), want_err),
			   "%s:%zu %s: refused as iptables-nft: %s", file,
			   lineno, chain, rule);
			if (r.status == 0 || strcmp(qt_buf_str(&r.err), want_err))
				printf("#   status %d\n#   got:  %s#   want: %s",
				       r.status, qt_buf_str(&r.err), want_err);
		}
		goto out;
	}
	bool good = r.status == 0;
	if (!good)
		printf("#   refused (%d): %s", r.status, qt_buf_str(&r.err));
	if (good && !strcmp(result, "OK")) {
		char *want;
		if (asprintf(&want, "-A %s %s", chain,
			     strcmp(expected, "=") ? expected : rule) < 0)
			abort();
		trim_right(want);
		if (!saved_has(*rs, want)) {
			struct qt_buf b;
			qt_buf_init(&b);
			printf("#   want: %s\n", want);
			const char *sv = qt_test_save(*rs, &b);
			for (const char *q = sv; q && *q;) {
				const char *e = strchr(q, '\n');
				int len = e ? (int)(e - q) : (int)strlen(q);
				printf("#   saved: %.*s\n", len, q);
				q = e ? e + 1 : NULL;
			}
			qt_buf_free(&b);
			good = false;
		}
		free(want);
	}
	if (r.status == 0) {
		struct qt_test_result d;
		if (qt_test_cmd(rs, del, &d) != 0) {
			printf("#   -D by meaning failed: %s", qt_buf_str(&d.err));
			good = false;
			char *flush;
			if (asprintf(&flush, "-t %s -F %s", table, chain) < 0)
				abort();
			struct qt_test_result fl;
			qt_test_cmd(rs, flush, &fl);
			qt_test_result_free(&fl);
			free(flush);
		}
		qt_test_result_free(&d);
	}
	ok(good, "%s:%zu %s: %s %s", file, lineno, chain, result, rule);
out:
	qt_test_result_free(&r);
	free(cmd);
	free(del);
}

static void run_file(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct lines l;
	if (read_lines(path, &l) < 0) {
		ok(0, "%s: readable", name);
		return;
	}
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	char table[32] = "filter";
	char chains[256] = "";
	for (size_t i = 0; i < l.n; i++) {
		char *s = l.v[i];
		if (!*s || *s == '#' || !strncmp(s, "> ", 2))
			continue;
		if (*s == ':') {
			snprintf(chains, sizeof(chains), "%s", s + 1);
			continue;
		}
		if (*s == '*') {
			snprintf(table, sizeof(table), "%s", s + 1);
			continue;
		}
		if (!strncmp(s, "%iptables ", 10)) {
			struct qt_test_result r;
			ok(qt_test_cmd(&rs, s + 10, &r) == 0, "%s:%zu setup %s",
			   name, i + 1, s + 10);
			qt_test_result_free(&r);
			continue;
		}
		if (!strcmp(s, "%family 6")) {
			qt_ruleset_free(rs);
			rs = qt_ruleset_new(AF_INET6);
			continue;
		}
		if (*s == '@' || *s == '%')
			continue;   /* external tools (nfct, nfacct): not ours */
		char *f[5] = { 0 };
		char *copy = strdup(s), *p = copy;
		for (int k = 0; k < 5 && p; k++) {
			f[k] = p;
			p = strchr(p, ';');
			if (p)
				*p++ = '\0';
		}
		const char *result = f[2];
		if (result && f[3] && !strcmp(f[3], "LEGACY"))
			result = f[4] && *f[4] ? f[4] : NULL;
		if (result && f[1]) {
			char *want_err = expected_err(&l, i);
			char *list = strdup(chains), *save = NULL;
			for (char *c = strtok_r(list, ",", &save); c;
			     c = strtok_r(NULL, ",", &save)) {
				char *want = for_chain(want_err, c);
				run_case(&rs, name, i + 1, table, c, f[0], f[1],
					 result, want);
				free(want);
			}
			free(list);
			free(want_err);
		}
		free(copy);
	}
	qt_ruleset_free(rs);
	free_lines(&l);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_vector_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 2 && !strcmp(e->d_name + n - 2, ".t");
}

int main(void)
{
	struct dirent **ents;
	int n = scandir(EXT_VECTORS_DIR, &ents, is_vector_file, by_name);
	ok(n > 0, "vector files in %s", EXT_VECTORS_DIR);
	for (int i = 0; i < n; i++) {
		run_file(EXT_VECTORS_DIR, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return done_testing();
}
