/* Saving and loading the committed ruleset. */
#define _GNU_SOURCE
#include "state_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../parser/ctx.h"
#include "../parser/print.h"
#include "../parser/restore.h"

static bool same_netns(const char *path, const struct stat *mine)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_ino == mine->st_ino &&
	       st.st_dev == mine->st_dev;
}

const char *qt_state_default_path(void)
{
	static char path[512];
	struct stat mine;
	if (stat("/proc/self/ns/net", &mine) < 0)
		return "/var/lib/qtables/rules.v4";
	if (same_netns("/proc/1/ns/net", &mine))
		return "/var/lib/qtables/rules.v4";
	DIR *d = opendir("/run/netns");
	if (!d)
		return NULL;
	struct dirent *e;
	const char *found = NULL;
	while ((e = readdir(d))) {
		char p[300];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/run/netns/%s", e->d_name);
		if (same_netns(p, &mine)) {
			snprintf(path, sizeof(path),
				 "/var/lib/qtables/netns/%s.v4", e->d_name);
			found = path;
			break;
		}
	}
	closedir(d);
	return found;
}

static int mkdirs(const char *dir)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* The text of each committed rule, kept between writes: rules are
 * immutable once committed, so a commit renders only the rules it added
 * and the state file costs a copy, not a save, of the whole ruleset.
 * Each entry holds a reference on its rule, so the address cannot be
 * reused by another rule while it is a key. */
struct text_entry {
	struct qt_rule *rule;      /* NULL: empty slot */
	char *text;
	size_t len;
	bool moved;                /* taken by the next cache: the slot stays
	                              (open addressing) but owns nothing */
};

struct text_cache {
	struct text_entry *v;
	size_t cap;                /* a power of two, or 0 */
	size_t n;
};

static struct text_cache cache;

static size_t slot_of(const struct text_cache *c, const struct qt_rule *r)
{
	uint64_t h = (uint64_t)(uintptr_t)r * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 20) & (c->cap - 1);
	while (c->v[i].rule && c->v[i].rule != r)
		i = (i + 1) & (c->cap - 1);
	return i;
}

/* Moves r's entry from old into c (rendering it if old has none) and
 * returns it. c has room: it is sized for the whole ruleset. */
static struct text_entry *cache_take(struct text_cache *c,
				     struct text_cache *old, struct qt_rule *r,
				     struct qt_buf *scratch)
{
	size_t i = slot_of(c, r);
	if (c->v[i].rule)
		return &c->v[i];   /* the same rule twice in the ruleset */
	struct text_entry *e = &c->v[i];
	if (old->cap) {
		size_t j = slot_of(old, r);
		if (old->v[j].rule && !old->v[j].moved) {
			*e = old->v[j];
			old->v[j].moved = true;  /* e owns the text and the ref */
			old->n--;
			c->n++;
			return e;
		}
	}
	qt_buf_reset(scratch);
	qt_rule_save(scratch, r, false);
	e->rule = qt_rule_ref(r);
	e->len = scratch->len;
	e->text = malloc(e->len + 1);
	if (!e->text)
		abort();
	memcpy(e->text, qt_buf_str(scratch), e->len + 1);
	c->n++;
	return e;
}

static void cache_free(struct text_cache *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->v[i].rule || c->v[i].moved)
			continue;
		free(c->v[i].text);
		qt_rule_unref(c->v[i].rule);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void qt_state_forget(void)
{
	cache_free(&cache);
}

static void put_u64(struct qt_buf *b, uint64_t v)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		qt_buf_putc(b, d[--n]);
}

/* What qt_save_run(rs, NULL, counters, no header) prints, byte for byte,
 * with the rules' text from the cache. The cache is rebuilt to hold
 * exactly the rules of rs. */
static void render(struct qt_ruleset *rs, struct qt_buf *b)
{
	size_t nrules = 0;
	for (int i = 0; i < QT_NTABLES; i++)
		for (unsigned k = 0; rs->tables[i] && k < rs->tables[i]->nchains; k++)
			nrules += rs->tables[i]->chains[k]->nrules;
	struct text_cache next = { .cap = 64 };
	while (next.cap < 2 * nrules)
		next.cap *= 2;
	next.v = calloc(next.cap, sizeof(*next.v));
	if (!next.v)
		abort();
	struct qt_buf scratch;
	qt_buf_init(&scratch);

	for (int i = 0; i < QT_NTABLES; i++) {
		const struct qt_table *t = rs->tables[i];
		if (!t)
			continue;
		qt_table_save_head(b, t);
		for (unsigned k = 0; k < t->nchains; k++) {
			const struct qt_chain *c = t->chains[k];
			size_t nlen = strlen(c->name);
			for (unsigned j = 0; j < c->nrules; j++) {
				struct qt_rule *r = c->rules[j];
				struct text_entry *e =
					cache_take(&next, &cache, r, &scratch);
				qt_buf_putc(b, '[');
				put_u64(b, r->cnt.pkts);
				qt_buf_putc(b, ':');
				put_u64(b, r->cnt.bytes);
				qt_buf_put(b, "] -A ", 5);
				qt_buf_put(b, c->name, nlen);
				qt_buf_put(b, e->text, e->len);
				qt_buf_putc(b, '\n');
			}
		}
		qt_buf_puts(b, "COMMIT\n");
	}
	qt_buf_free(&scratch);
	cache_free(&cache);      /* what is left: rules no longer in rs */
	cache = next;
}

/* fsync of the directory, so that the rename itself is on disk. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int qt_state_write(const char *path, struct qt_ruleset *rs, struct qt_buf *err)
{
	char dir[512], tmp[600];
	if (strlen(path) >= sizeof(dir) - 8) {
		qt_buf_printf(err, "qtablesd: state file name too long: %s\n",
			      path);
		return -1;
	}
	struct qt_buf text;
	qt_buf_init(&text);
	render(rs, &text);

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int rc = -1;
	const char *dname = dirname(dir);
	if (mkdirs(dname) < 0) {
		qt_buf_printf(err, "qtablesd: cannot create the directory of %s: %s\n",
			      path, strerror(errno));
		goto out;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		qt_buf_printf(err, "qtablesd: cannot write %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	const char *p = qt_buf_str(&text);
	size_t n = text.len;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			qt_buf_printf(err, "qtablesd: cannot write %s: %s\n", tmp,
				      strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
		p += w;
		n -= (size_t)w;
	}
	/* Durable before it replaces the old file: after a crash the state
	 * is the old ruleset or the new one, never half of either. */
	if (fdatasync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		qt_buf_printf(err, "qtablesd: cannot replace %s: %s\n", path,
			      strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* The new file is in place either way: failing here would roll
	 * back a ruleset the file already holds. */
	(void)sync_dir(dname);
	rc = 0;
out:
	qt_buf_free(&text);
	return rc;
}

int qt_state_load(const char *path, struct qt_ruleset **rs, struct qt_buf *err)
{
	*rs = qt_ruleset_new(AF_INET);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : (qt_buf_printf(err,
			"qtablesd: cannot read %s: %s\n", path, strerror(errno)), -1);
	struct qt_buf text, out;
	qt_buf_init(&text);
	qt_buf_init(&out);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		qt_buf_put(&text, chunk, n);
	fclose(f);
	struct qt_ctx ctx;
	qt_ctx_init(&ctx, "qtablesd", &out, err);
	struct qt_restore_opts o = { .counters = true };
	bool changed;
	int st = qt_restore_run(rs, qt_buf_str(&text), text.len, &o, &ctx,
				&changed);
	qt_buf_free(&text);
	qt_buf_free(&out);
	if (st) {
		qt_buf_printf(err, "qtablesd: %s: the saved ruleset above could not be restored\n",
			      path);
		return -1;
	}
	return 0;
}
