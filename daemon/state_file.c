/* Saving and loading the committed ruleset. */
#define _GNU_SOURCE
#include "state_file.h"
#include "nft_view.h"
#include "set_view.h"

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

#include "ctx.h"
#include "explain.h"
#include "print.h"
#include "quote.h"
#include "restore.h"
#include "crc32.h"

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

/* One per family: each file is rendered from its own ruleset. */
static struct text_cache caches[2];

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
	qt_rule_save_state(scratch, r);
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
	cache_free(&caches[0]);
	cache_free(&caches[1]);
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

static const char header[] =
	"# qtablesd state file: restore with iptables-restore -c; "
	"the last line checks the rest\n";
/* The IPv6 ruleset's file (qt_state_path6) says which program reads it. */
static const char header6[] =
	"# qtablesd state file: restore with ip6tables-restore -c; "
	"the last line checks the rest\n";

static const char *header_of(uint8_t family, size_t *len)
{
	const char *h = family == AF_INET6 ? header6 : header;
	*len = strlen(h);
	return h;
}
static const char trailer_fmt[] =
	"# qtablesd end: %u tables, %zu bytes, crc32 %08x\n";

/* The table blocks as qt_save_run(rs, NULL, counters, no header) prints
 * them, but with the rules' text from the cache, in the state spelling.
 * The cache is rebuilt to hold exactly the rules of rs. Returns the
 * number of tables. */
static unsigned render_tables(struct qt_ruleset *rs,
			      const struct qt_counter_view *v, struct qt_buf *b)
{
	size_t nrules = 0;
	unsigned ntables = 0;
	for (int i = 0; i < QT_NTABLES; i++)
		for (unsigned k = 0; rs->tables[i] && k < rs->tables[i]->nchains; k++)
			nrules += rs->tables[i]->chains[k]->nrules;
	struct text_cache *cache = &caches[rs->family == AF_INET6];
	struct text_cache next = { .cap = 64 };
	while (next.cap < 2 * nrules)
		next.cap *= 2;
	next.v = calloc(next.cap, sizeof(*next.v));
	if (!next.v)
		abort();
	struct qt_buf scratch, name;
	qt_buf_init(&scratch);
	qt_buf_init(&name);

	for (int i = 0; i < QT_NTABLES; i++) {
		const struct qt_table *t = rs->tables[i];
		if (!t)
			continue;
		ntables++;
		qt_table_save_head(b, t, v);
		for (unsigned k = 0; k < t->nchains; k++) {
			const struct qt_chain *c = t->chains[k];
			/* ":NAME" lines split at blanks only, which no chain
			 * name holds; after -A a '"' would open a quote */
			qt_buf_reset(&name);
			qt_quote_set_state_spelling(true);
			qt_put_name(&name, c->name);
			qt_quote_set_state_spelling(false);
			for (unsigned j = 0; j < c->nrules; j++) {
				struct qt_rule *r = c->rules[j];
				struct text_entry *e =
					cache_take(&next, cache, r, &scratch);
				struct qt_counters rc = qt_cnt_rule(v, r);
				qt_buf_putc(b, '[');
				put_u64(b, rc.pkts);
				qt_buf_putc(b, ':');
				put_u64(b, rc.bytes);
				qt_buf_put(b, "] -A ", 5);
				qt_buf_put(b, qt_buf_str(&name), name.len);
				qt_buf_put(b, e->text, e->len);
				qt_buf_putc(b, '\n');
			}
		}
		qt_buf_puts(b, "COMMIT\n");
	}
	qt_buf_free(&scratch);
	qt_buf_free(&name);
	cache_free(cache);       /* what is left: rules no longer in rs */
	*cache = next;
	return ntables;
}

void qt_state_render(struct qt_ruleset *rs, const struct qt_counter_view *v,
		     struct qt_buf *b)
{
	size_t start = b->len, hlen;
	const char *h = header_of(rs->family, &hlen);
	qt_buf_put(b, h, hlen);
	/* the accounting objects, before the rules that count into them,
	 * as comments iptables-restore passes over (parser/restore.h) */
	for (unsigned i = 0; i < rs->nacct; i++)
		qt_restore_put_acct(b, &rs->acct[i]);
	/* the sets, before the rules that name them (with the IPv4
	 * rules: ipset's family inet6 is not there yet) */
	if (rs->family == AF_INET)
		qt_set_view_render(b);
	/* nft's tables, as comment lines iptables-restore passes over */
	if (rs->family == AF_INET)
		qt_nft_view_render(b);
	unsigned ntables = render_tables(rs, v, b);
	size_t n = b->len - start;
	qt_buf_printf(b, trailer_fmt, ntables, n,
		      qt_crc32(0, b->data + start, n));
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

int qt_state_write(const char *path, struct qt_ruleset *rs,
		   const struct qt_counter_view *v, struct qt_buf *err)
{
	char dir[512], tmp[600];
	if (strlen(path) >= sizeof(dir) - 8) {
		qt_buf_printf(err, "qtablesd: state file name too long: %s\n",
			      path);
		return -1;
	}
	struct qt_buf text;
	qt_buf_init(&text);
	qt_state_render(rs, v, &text);

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

/* The lines that open a table block ("*filter"): a state file carries
 * no newline inside a word, so each line start is one. */
static unsigned count_tables(const char *p, size_t n)
{
	unsigned t = 0;
	const char *end = p + n;
	while (p < end) {
		if (*p == '*')
			t++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		p = nl + 1;
	}
	return t;
}

/* What restore said, on one line: its lines joined, the "Try ... -h"
 * advice left out. */
static void one_line(struct qt_buf *why, const struct qt_buf *msg)
{
	const char *p = qt_buf_str(msg), *end = p + msg->len;
	bool first = true;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && strncmp(p, "Try `", 5)) {
			if (!first)
				qt_buf_puts(why, " / ");
			qt_buf_put(why, p, n);
			first = false;
		}
		p += n + 1;
	}
}

/* The daemon's lines of the explained form (explain.h): each names
 * the program, as its other lines do. */
#define EXPLAIN_PREFIX "qtablesd: "

static int restore_text(const char *text, size_t len, bool escapes,
			uint8_t family, const char *name, struct qt_ruleset **rs,
			const struct qt_counter_view *v, struct qt_buf *why,
			struct qt_buf *explained)
{
	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	struct qt_ctx ctx;
	qt_ctx_init(&ctx, "qtablesd", &out, &err);
	struct qt_explain x;
	qt_explain_init(&x, false);
	if (explained && name)
		ctx.explain = &x;
	struct qt_restore_opts o = { .counters = true, .state_escapes = escapes };
	bool changed;
	/* the sets first: rules name them (the sets are kept with the
	 * IPv4 rules; ipset's family inet6 is not there yet) */
	if (family == AF_INET && qt_set_view_load(text, len, why) < 0) {
		qt_buf_free(&out);
		qt_buf_free(&err);
		return -1;
	}
	if (family == AF_INET && qt_nft_view_load(text, len, why) < 0) {
		qt_set_view_settle(false);
		qt_buf_free(&out);
		qt_buf_free(&err);
		return -1;
	}
	*rs = qt_ruleset_new(family);
	int st = qt_restore_run(rs, text, len, &o, v, &ctx, &changed);
	/* the file's sets and nft tables with its rules, or none */
	if (family == AF_INET) {
		qt_set_view_settle(st == 0);
		qt_nft_view_settle(st == 0);
	}
	if (st) {
		qt_buf_puts(why, "does not restore: ");
		one_line(why, &err);
		qt_ruleset_free(*rs);
		*rs = NULL;
		if (ctx.explain)
			qt_explain_render_text(explained, &x, name, text, len,
					       EXPLAIN_PREFIX);
	}
	qt_explain_free(&x);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return st ? -1 : 0;
}

int qt_state_parse(const char *text, size_t len, bool plain_ok,
		   struct qt_ruleset **rs, const struct qt_counter_view *v,
		   struct qt_buf *why)
{
	return qt_state_parse_explained(text, len, plain_ok, NULL, rs, v, why,
					NULL);
}

static int parse_family(const char *text, size_t len, bool plain_ok,
			uint8_t family, const char *name,
			struct qt_ruleset **rs, const struct qt_counter_view *v,
			struct qt_buf *why, struct qt_buf *explained);

int qt_state_parse_explained(const char *text, size_t len, bool plain_ok,
			     const char *name, struct qt_ruleset **rs,
			     const struct qt_counter_view *v, struct qt_buf *why,
			     struct qt_buf *explained)
{
	return parse_family(text, len, plain_ok, AF_INET, name, rs, v, why,
			    explained);
}

static int parse_family(const char *text, size_t len, bool plain_ok,
			uint8_t family, const char *name,
			struct qt_ruleset **rs, const struct qt_counter_view *v,
			struct qt_buf *why, struct qt_buf *explained)
{
	size_t hlen;
	const char *h = header_of(family, &hlen);
	bool has_header = len >= hlen && !memcmp(text, h, hlen);
	*rs = NULL;
	if (!has_header && plain_ok)
		return restore_text(text, len, false, family, name, rs, v, why,
				    explained);
	if (len == 0) {
		qt_buf_puts(why, "is empty (a whole state file ends with its "
			    "trailer line)");
		return -1;
	}
	/* the last line, which must be the trailer, newline and all */
	size_t start = 0;
	if (text[len - 1] == '\n') {
		const char *nl = len > 1 ? memrchr(text, '\n', len - 1) : NULL;
		start = nl ? (size_t)(nl + 1 - text) : 0;
	}
	unsigned ntables = 0, crc = 0;
	size_t nbytes = 0;
	char line[128], again[128];
	size_t llen = len - start;
	bool trailer = false;
	if (text[len - 1] == '\n' && llen < sizeof(line)) {
		memcpy(line, text + start, llen);
		line[llen] = '\0';
		trailer = sscanf(line, "# qtablesd end: %u tables, %zu bytes, "
				 "crc32 %8x", &ntables, &nbytes, &crc) == 3;
		/* nothing but the trailer as the writer spells it */
		snprintf(again, sizeof(again), trailer_fmt, ntables, nbytes, crc);
		trailer = trailer && !strcmp(again, line);
	}
	if (!trailer) {
		if (has_header)
			qt_buf_puts(why, "is cut short or damaged: its last "
				    "line is not the trailer");
		else
			qt_buf_puts(why, "has no trailer line: written by an "
				    "older qtablesd or by hand, or cut short "
				    "(if its rules are whole, --state-recover "
				    "with its own name loads it once)");
		return -1;
	}
	if (!has_header) {
		qt_buf_puts(why, "is damaged: its first line is not the "
			    "header");
		return -1;
	}
	if (nbytes != start) {
		qt_buf_printf(why, "is damaged: its trailer counts %zu bytes, "
			      "%zu come before it", nbytes, start);
		return -1;
	}
	uint32_t sum = qt_crc32(0, text, start);
	if (sum != crc) {
		qt_buf_printf(why, "is damaged: its checksum is %08x, its "
			      "trailer says %08x", sum, crc);
		return -1;
	}
	unsigned found = count_tables(text, start);
	if (found != ntables) {
		qt_buf_printf(why, "is damaged: its trailer counts %u tables, "
			      "it holds %u", ntables, found);
		return -1;
	}
	return restore_text(text, start, true, family, name, rs, v, why,
			    explained);
}

/* The whole file into text. A file that is not a regular one (a
 * directory, a FIFO, a device) is refused rather than read: what it
 * gives is not a ruleset that was written. */
static int read_whole(const char *path, struct qt_buf *text, bool *missing,
		      struct qt_buf *why)
{
	*missing = false;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*missing = true;
			qt_buf_puts(why, "does not exist");
		} else {
			qt_buf_printf(why, "cannot be opened: %s",
				      strerror(errno));
		}
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		qt_buf_printf(why, "cannot be read: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		qt_buf_puts(why, S_ISDIR(st.st_mode) ? "is a directory"
						     : "is not a regular file");
		close(fd);
		return -1;
	}
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			qt_buf_printf(why, "cannot be read: %s", strerror(errno));
			close(fd);
			return -1;
		}
		qt_buf_put(text, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

static int load_family(const char *path, uint8_t family, bool fallback,
		       bool missing_ok, struct qt_ruleset **rs,
		       const struct qt_counter_view *v, struct qt_buf *err,
		       struct qt_buf *explained)
{
	struct qt_buf text, why;
	qt_buf_init(&text);
	qt_buf_init(&why);
	bool missing;
	*rs = NULL;
	int rc = read_whole(path, &text, &missing, &why);
	if (rc < 0 && missing && missing_ok) {
		/* the first start: nothing was committed yet */
		*rs = qt_ruleset_new(family);
		rc = 0;
	} else if (rc == 0) {
		rc = parse_family(qt_buf_str(&text), text.len, fallback,
				  family, path, rs, v, &why, explained);
	}
	if (rc < 0)
		qt_buf_printf(err, "%s %s %s", fallback ? "recovery file"
			      : "state file", path, qt_buf_str(&why));
	qt_buf_free(&text);
	qt_buf_free(&why);
	return rc;
}

static int load(const char *path, bool fallback, bool missing_ok,
		struct qt_ruleset **rs, const struct qt_counter_view *v,
		struct qt_buf *err, struct qt_buf *explained)
{
	return load_family(path, AF_INET, fallback, missing_ok, rs, v, err,
			   explained);
}

const char *qt_state_path6(const char *path, char *buf, size_t n)
{
	size_t l = strlen(path);
	int w;
	if (l >= 3 && !strcmp(path + l - 3, ".v4"))
		w = snprintf(buf, n, "%.*s.v6", (int)(l - 3), path);
	else
		w = snprintf(buf, n, "%s.v6", path);
	return w >= 0 && (size_t)w < n ? buf : NULL;
}

int qt_state_parse6(const char *text, size_t len, struct qt_ruleset **rs,
		    const struct qt_counter_view *v, struct qt_buf *why)
{
	return parse_family(text, len, false, AF_INET6, NULL, rs, v, why,
			    NULL);
}

int qt_state_load6(const char *path, bool plain_ok, struct qt_ruleset **rs,
		   const struct qt_counter_view *v, struct qt_buf *err)
{
	return load_family(path, AF_INET6, plain_ok, true, rs, v, err, NULL);
}

int qt_state_load(const char *path, struct qt_ruleset **rs,
		  const struct qt_counter_view *v, struct qt_buf *err)
{
	return load(path, false, true, rs, v, err, NULL);
}

int qt_state_load_fallback(const char *path, struct qt_ruleset **rs,
			   const struct qt_counter_view *v, struct qt_buf *err,
			   struct qt_buf *explained)
{
	return load(path, true, false, rs, v, err, explained);
}

int qt_state_start(const char *path, const char *recover,
		   struct qt_ruleset **rs, const struct qt_counter_view *v,
		   struct qt_buf *err)
{
	struct qt_buf why, explained;
	qt_buf_init(&why);
	qt_buf_init(&explained);
	int rc = -1;
	*rs = NULL;
	if (!path && !recover) {
		*rs = qt_ruleset_new(AF_INET);
		return 0;
	}
	/* with a recovery file, a missing state file is not "nothing
	 * committed yet" but one more reason to use it; a file that does
	 * not restore is shown at its line after the message */
	if (path && load(path, false, !recover, rs, v, &why, &explained) == 0) {
		rc = 0;
		goto out;
	}
	if (!recover) {
		qt_buf_printf(err, "qtablesd: not starting: %s (--state-recover "
			      "FILE starts from another file)\n%s",
			      qt_buf_str(&why), qt_buf_str(&explained));
		goto out;
	}
	if (path)
		qt_buf_printf(err, "qtablesd: %s; starting from %s "
			      "(--state-recover)\n%s", qt_buf_str(&why), recover,
			      qt_buf_str(&explained));
	qt_buf_reset(&why);
	qt_buf_reset(&explained);
	/* nothing of the file that failed counts */
	if (v && v->pending)
		memset(v->pending, 0, sizeof(*v->pending));
	if (qt_state_load_fallback(recover, rs, v, &why, &explained) < 0) {
		qt_buf_printf(err, "qtablesd: not starting: %s\n%s",
			      qt_buf_str(&why), qt_buf_str(&explained));
		goto out;
	}
	/* written at once, so that the next start needs no recovery */
	if (path && qt_state_write(path, *rs, v, &why) < 0) {
		qt_buf_printf(err, "%sqtablesd: not starting: the recovered "
			      "ruleset cannot be written to %s\n",
			      qt_buf_str(&why), path);
		qt_ruleset_free(*rs);
		*rs = NULL;
		goto out;
	}
	rc = 0;
out:
	qt_buf_free(&why);
	qt_buf_free(&explained);
	return rc;
}
