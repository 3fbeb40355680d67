#define _GNU_SOURCE     /* memmem */
#include "acct_view.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct_cells.h"
#include "kernel_acct.h"
#include "protocol.h"

/* The words of a request, one a line. */
struct words {
	char **v;
	unsigned n;
};

static void words_free(struct words *w)
{
	for (unsigned i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
}

static int words_read(const char *body, size_t len, struct words *w)
{
	memset(w, 0, sizeof(*w));
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char **v = realloc(w->v, (w->n + 1) * sizeof(*v));
		char *s = malloc(n + 1);
		if (!v || !s) {
			free(v == w->v ? NULL : v);
			free(s);
			return -1;
		}
		w->v = v;
		memcpy(s, p, n);
		s[n] = '\0';
		w->v[w->n++] = s;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* A name as the kernel keeps it: cut to NFACCT_NAME_MAX - 1 bytes. */
static void set_name(char dst[QT_ACCT_NAME_MAX], const char *src)
{
	size_t n = strnlen(src, QT_ACCT_NAME_MAX - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int fail_errno(struct qt_buf *err, int e)
{
	qt_buf_printf(err, "%s: error: %s\n", QT_NFACCT_PROG, strerror(e));
	return 1;
}

static void show(const struct qt_acct_obj *o, bool reset, bool xml,
		 struct qt_buf *out)
{
	uint64_t pkts = 0, bytes = 0;
	bool over = false;
	struct qt_acct_cell *c = qt_acct_find(o->name);
	if (c)
		qt_acct_read(c, reset, &pkts, &bytes, &over);
	if (xml) {
		qt_buf_printf(out, "<obj><name>%s</name><pkts>%.20" PRIu64
			      "</pkts><bytes>%.20" PRIu64 "</bytes></obj>\n",
			      o->name, pkts, bytes);
	} else if (o->mode == QT_ACCT_NO_QUOTA) {
		qt_buf_printf(out, "{ pkts = %.20" PRIu64 ", bytes = %.20"
			      PRIu64 " } = %s;\n", pkts, bytes, o->name);
	} else {
		qt_buf_printf(out, "{ pkts = %.20" PRIu64 ", bytes = %.20"
			      PRIu64 ", quota = %.20" PRIu64 ", mode = %s, "
			      "overquota = %s } = %s;\n", pkts, bytes, o->quota,
			      o->mode == QT_ACCT_QUOTA_PKTS ? "packet" : "byte",
			      over ? "yes" : "no", o->name);
	}
}

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<nfacct>\n"
#define XML_TAIL "</nfacct>\n"

/* The client checked the words: "list" ["reset"] ["xml"], "get" NAME
 * ["reset"] ["xml"] (in that order, each at most once). */
static void flags_of(const struct words *w, unsigned from, bool *reset,
		     bool *xml)
{
	*reset = *xml = false;
	for (unsigned i = from; i < w->n; i++) {
		if (!strcmp(w->v[i], "reset"))
			*reset = true;
		else if (!strcmp(w->v[i], "xml"))
			*xml = true;
	}
}

/* Counters a restore gives the objects it makes, set once the daemon
 * defined them (qt_acct_view_apply_restored). */
struct restored {
	char name[QT_ACCT_NAME_MAX];
	uint64_t pkts, bytes;
};
static struct restored *restored;
static unsigned nrestored;

static int add_restored(const char *name, uint64_t pkts, uint64_t bytes)
{
	struct restored *v = realloc(restored, (nrestored + 1) * sizeof(*v));
	if (!v)
		return -1;
	restored = v;
	memset(&v[nrestored], 0, sizeof(*v));
	set_name(v[nrestored].name, name);
	v[nrestored].pkts = pkts;
	v[nrestored].bytes = bytes;
	nrestored++;
	return 0;
}

void qt_acct_view_apply_restored(void)
{
	for (unsigned i = 0; i < nrestored; i++) {
		struct qt_acct_cell *c = qt_acct_find(restored[i].name);
		if (c) {
			atomic_store(&c->pkts, restored[i].pkts);
			atomic_store(&c->bytes, restored[i].bytes);
		}
	}
	free(restored);
	restored = NULL;
	nrestored = 0;
}

/* nfacct restore: "{ pkts = N, bytes = N } = NAME;" lines, as list
 * prints objects without a quota. The objects before a bad line are
 * made (each one is its own request to the kernel). */
static int do_restore(struct qt_ruleset *rs, const struct words *w,
		      struct qt_buf *err, bool *changed)
{
	for (unsigned i = 1; i < w->n; i++) {
		char *line = w->v[i];
		char *semi = strchr(line, ';');
		if (!semi) {
			qt_buf_printf(err, "%s: invalid line\n", QT_NFACCT_PROG);
			return 1;
		}
		*semi = '\0';
		unsigned long long pkts, bytes;
		char name[512];
		if (sscanf(line, "{ pkts = %llu, bytes = %llu } = %511s",
			   &pkts, &bytes, name) != 3) {
			qt_buf_printf(err, "%s: error reading input\n",
				      QT_NFACCT_PROG);
			return 1;
		}
		struct qt_acct_obj o = { .mode = QT_ACCT_NO_QUOTA };
		set_name(o.name, name);
		if (qt_ruleset_acct_find(rs, o.name))
			return fail_errno(err, EBUSY);
		qt_ruleset_acct_add(rs, &o);
		if (add_restored(o.name, pkts, bytes) < 0)
			return fail_errno(err, ENOMEM);
		*changed = true;
	}
	return 0;
}

static int run(struct qt_ruleset *rs, const struct words *w,
	       struct qt_buf *out, struct qt_buf *err, bool *changed)
{
	const char *cmd = w->n ? w->v[0] : "";
	bool reset, xml;
	if (!strcmp(cmd, "list")) {
		flags_of(w, 1, &reset, &xml);
		if (xml)
			qt_buf_puts(out, XML_HEAD);
		for (unsigned i = 0; i < rs->nacct; i++)
			show(&rs->acct[i], reset, xml, out);
		if (xml)
			qt_buf_puts(out, XML_TAIL);
		return 0;
	}
	if (w->n < 2)
		return fail_errno(err, EINVAL);
	const char *name = w->v[1];
	const struct qt_acct_obj *o = qt_ruleset_acct_find(rs, name);
	if (!strcmp(cmd, "get")) {
		if (!o)
			return fail_errno(err, ENOENT);
		flags_of(w, 2, &reset, &xml);
		if (xml)
			qt_buf_puts(out, XML_HEAD);
		show(o, reset, xml, out);
		if (xml)
			qt_buf_puts(out, XML_TAIL);
		return 0;
	}
	if (!strcmp(cmd, "add")) {
		/* an object of that name: the kernel keeps it (no
		 * NLM_F_REPLACE from nfacct) and says it is busy */
		if (o)
			return fail_errno(err, EBUSY);
		struct qt_acct_obj n = { .mode = QT_ACCT_NO_QUOTA };
		set_name(n.name, name);
		if (w->n == 4) {
			n.mode = !strcmp(w->v[2], "packet") ? QT_ACCT_QUOTA_PKTS
							     : QT_ACCT_QUOTA_BYTES;
			n.quota = strtoull(w->v[3], NULL, 10);
		}
		qt_ruleset_acct_add(rs, &n);
		*changed = true;
		return 0;
	}
	if (!strcmp(cmd, "delete")) {
		if (!o)
			return fail_errno(err, ENOENT);
		if (qt_ruleset_acct_in_use(rs, name))
			return fail_errno(err, EBUSY);
		qt_ruleset_acct_del(rs, name);
		*changed = true;
		return 0;
	}
	return fail_errno(err, EINVAL);
}

int qt_acct_view_request(struct qt_ruleset **rs, const char *req, size_t len,
			 struct qt_buf *out, struct qt_buf *err, bool *changed)
{
	struct qt_ipc_header h;
	struct words w;
	*changed = false;
	if (qt_ipc_parse(req, len, &h) < 0 ||
	    words_read(h.body, h.body_len, &w) < 0) {
		qt_buf_printf(err, "%s: malformed request\n", QT_NFACCT_PROG);
		return 1;
	}
	struct qt_ruleset *work = qt_ruleset_clone(*rs);
	int st;
	if (w.n && !strcmp(w.v[0], "flush")) {
		/* the objects no rule counts into; the others stay, and
		 * that is no error (nfnl_acct_del of every object) */
		for (unsigned i = work->nacct; i-- > 0;)
			if (!qt_ruleset_acct_in_use(work, work->acct[i].name)) {
				qt_ruleset_acct_del(work, work->acct[i].name);
				*changed = true;
			}
		st = 0;
	} else if (w.n && !strcmp(w.v[0], "restore")) {
		st = do_restore(work, &w, err, changed);
	} else {
		st = run(work, &w, out, err, changed);
	}
	words_free(&w);
	if (*changed) {
		qt_ruleset_free(*rs);
		*rs = work;
	} else {
		qt_ruleset_free(work);
	}
	return st;
}

bool qt_acct_view_adopt_kernel(struct qt_ruleset *rs, const char *req,
			       size_t len)
{
	static const char opt[] = "nfacct-name";
	struct qt_acct_obj *k;
	unsigned n;
	bool added = false;
	if (!memmem(req, len, opt, sizeof(opt) - 1) ||
	    qt_kernel_acct_list(&k, &n) < 0)
		return false;   /* without them the rule fails as before */
	for (unsigned i = 0; i < n; i++)
		if (!qt_ruleset_acct_find(rs, k[i].name)) {
			qt_ruleset_acct_add(rs, &k[i]);
			added = true;
		}
	free(k);
	return added;
}
