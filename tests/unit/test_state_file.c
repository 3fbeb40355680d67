/* The state file (daemon/state_file.c): whatever a commit accepts is
 * written so that it loads back as the identical ruleset, and a file
 * that is not whole (cut, emptied, damaged, unreadable, without
 * trailer) is refused with its reason. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "state_file.h"
#include "ctx.h"
#include "restore.h"
#include "qt_test.h"
#include "tap.h"

/* restore of len bytes (NUL bytes included) into a new ruleset, as
 * qtables-restore -c would; NULL when it is refused */
/* The counters of the last ruleset restore() made (each test restores,
 * then looks at that ruleset). */
static struct qt_counter_mem *cur;

static struct qt_counter_view view_of(struct qt_counter_mem *m,
				      struct qt_policy_pending *p)
{
	return (struct qt_counter_view){ .io = qt_counter_mem_io(m),
					 .pending = p };
}

static struct qt_ruleset *restore(const char *text, size_t len)
{
	qt_counter_mem_free(cur);
	cur = qt_counter_mem_new();
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = view_of(cur, &pending);
	struct qt_buf out, err;
	struct qt_ctx ctx;
	struct qt_restore_opts o = { .counters = true };
	bool changed;
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_ctx_init(&ctx, "iptables-restore", &out, &err);
	if (qt_restore_run(&rs, text, len, &o, &cnt, &ctx, &changed)) {
		if (getenv("QT_TEST_VERBOSE"))
			printf("# refused: %s", qt_buf_str(&err));
		qt_ruleset_free(rs);
		rs = NULL;
	} else {
		qt_policy_pending_apply(&pending, cnt.io);
	}
	qt_buf_free(&out);
	qt_buf_free(&err);
	return rs;
}

/* The same tables, chains (names, policies, counters) and rules
 * (meaning and counters), in the same order. */
static bool identical(const struct qt_ruleset *a,
		      const struct qt_counter_view *ca,
		      const struct qt_ruleset *b,
		      const struct qt_counter_view *cb)
{
	for (int i = 0; i < QT_NTABLES; i++) {
		const struct qt_table *x = a->tables[i], *y = b->tables[i];
		if (!x != !y)
			return false;
		if (!x)
			continue;
		if (x->nchains != y->nchains)
			return false;
		for (unsigned k = 0; k < x->nchains; k++) {
			const struct qt_chain *c = x->chains[k], *d = y->chains[k];
			if (strcmp(c->name, d->name) || c->builtin != d->builtin ||
			    c->policy != d->policy || c->nrules != d->nrules)
				return false;
			if (c->builtin) {
				struct qt_counters p = qt_cnt_policy(ca, i, c->hook),
						   q = qt_cnt_policy(cb, i, d->hook);
				if (p.pkts != q.pkts || p.bytes != q.bytes)
					return false;
			}
			for (unsigned j = 0; j < c->nrules; j++) {
				struct qt_counters p = qt_cnt_rule(ca, c->rules[j]),
						   q = qt_cnt_rule(cb, d->rules[j]);
				if (!qt_rule_equal(c->rules[j], d->rules[j]) ||
				    p.pkts != q.pkts || p.bytes != q.bytes)
					return false;
			}
		}
	}
	return true;
}

/* rs -> state text -> ruleset: identical, and written the same again */
static bool round_trip(struct qt_ruleset *rs, struct qt_buf *why)
{
	struct qt_buf t1, t2;
	struct qt_ruleset *back = NULL;
	bool same = false;
	qt_buf_init(&t1);
	qt_buf_init(&t2);
	struct qt_counter_view ca = view_of(cur, NULL);
	struct qt_counter_mem *mb = qt_counter_mem_new();
	struct qt_policy_pending pb = { 0 };
	struct qt_counter_view cb = view_of(mb, &pb);
	qt_state_render(rs, &ca, &t1);
	if (qt_state_parse(qt_buf_str(&t1), t1.len, false, &back, &cb,
			   why) == 0) {
		qt_policy_pending_apply(&pb, cb.io);
		qt_state_render(back, &cb, &t2);
		same = identical(rs, &ca, back, &cb) && t1.len == t2.len &&
		       !memcmp(qt_buf_str(&t1), qt_buf_str(&t2), t1.len);
		if (!same)
			qt_buf_printf(why, "read back as another ruleset:\n%s",
				      qt_buf_str(&t2));
	}
	if (!same)
		qt_buf_printf(why, "\nwritten:\n%s", qt_buf_str(&t1));
	qt_ruleset_free(back);
	qt_counter_mem_free(mb);
	qt_buf_free(&t1);
	qt_buf_free(&t2);
	return same;
}

/* Strings no name or text should be able to break the file with. */
static const char *const hostile[] = {
	"a b", "+ -j ACCEPT", "x\"y", "\"", "back\\slash", "end\\", "\\\"",
	"it's", "tab\there", "cr\rx", "ctl\x01\x1f\x7f", "-j", "!", "#x",
	"*filter", "COMMIT", "[1:2]", "\\n", "\\x41", "caf\xc3\xa9", "  ",
	"a\"b c\\d'e", "\xff\x80",
};

/* Each string option, as a restore line taking the string in iptables'
 * quoting ('"' and '\\' escaped inside double quotes). */
static const char *const options[] = {
	"-A INPUT -i \"%s\" -j ACCEPT",
	"-A FORWARD ! -o \"%s\"",
	"-A INPUT -m comment --comment \"%s\"",
	"-A INPUT -j LOG --log-prefix \"%s\"",
	"-A INPUT -m recent --set --name \"%s\"",
	"-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name \"%s\"",
	"-A INPUT -m string --algo bm --string \"%s\"",
};

static void iptables_quote(struct qt_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			qt_buf_putc(b, '\\');
		qt_buf_putc(b, *s);
	}
}

static void test_hostile_strings(void)
{
	unsigned accepted = 0, bad = 0;
	for (size_t o = 0; o < sizeof(options) / sizeof(*options); o++)
		for (size_t h = 0; h < sizeof(hostile) / sizeof(*hostile); h++) {
			struct qt_buf q, text, why;
			qt_buf_init(&q);
			qt_buf_init(&text);
			qt_buf_init(&why);
			iptables_quote(&q, hostile[h]);
			qt_buf_puts(&text, "*filter\n:INPUT DROP [7:8]\n");
			qt_buf_printf(&text, options[o], qt_buf_str(&q));
			qt_buf_puts(&text, "\nCOMMIT\n");
			struct qt_ruleset *rs = restore(qt_buf_str(&text), text.len);
			if (rs) {
				accepted++;
				if (!round_trip(rs, &why)) {
					bad++;
					printf("# %s\n# %s\n", qt_buf_str(&text),
					       qt_buf_str(&why));
				}
			}
			qt_ruleset_free(rs);
			qt_buf_free(&q);
			qt_buf_free(&text);
			qt_buf_free(&why);
		}
	ok(accepted > 100, "most hostile strings are accepted (%u)", accepted);
	is_int(bad, 0, "each accepted one loads back as the same ruleset");
}

/* Newlines enter a word through a quote left open at a line's end (as
 * in iptables); NUL bytes cut a line, as iptables-restore reads it. */
static void test_newlines_and_nul(void)
{
	static const struct {
		const char *text;
		size_t len;
	} cases[] = {
#define C(s) { s, sizeof(s) - 1 }
		C("*filter\n-A INPUT -m comment --comment \"two\n"
		  "-A INPUT -i \"e\n-A INPUT -m recent --set --name \"r\n"
		  "-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name \"h\n"
		  "-A FORWARD -o x\" y\n-A INPUT -m string --algo bm --string \"s\n"
		  "COMMIT\n"),
		C("*filter\n-A INPUT -i \"e\0 -j DROP\n"
		  "-A INPUT -m comment --comment \"abc\0zzz\n"
		  "-A INPUT -m recent --set --name \"a b\\\0\n"
		  "-A INPUT -m comment --comment x\"y\0\n"
		  "[1:2] -A OUTPUT -o \"q\0\nCOMMIT\n"),
#undef C
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct qt_buf why;
		qt_buf_init(&why);
		struct qt_ruleset *rs = restore(cases[i].text, cases[i].len);
		ok(rs != NULL, "case %zu restores", i);
		if (rs) {
			bool same = round_trip(rs, &why);
			ok(same, "case %zu loads back the same", i);
			if (!same)
				printf("# %s\n", qt_buf_str(&why));
		}
		qt_ruleset_free(rs);
		qt_buf_free(&why);
	}
	/* iptables-nft-restore 1.8.9 ends a NUL-cut line there: the open
	 * quote takes no newline in */
	struct qt_buf b;
	qt_buf_init(&b);
	struct qt_ruleset *rs = restore(cases[1].text, cases[1].len);
	is_str(rs ? qt_test_save(rs, &b) : NULL,
	       "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
	       ":OUTPUT ACCEPT [0:0]\n-A INPUT -i e\n"
	       "-A INPUT -m comment --comment abc\n"
	       "-A INPUT -m recent --set --name a b --mask 255.255.255.255 --rsource\n"
	       "-A INPUT -m comment --comment xy\n-A OUTPUT -o q\nCOMMIT\n",
	       "a NUL byte ends the line as iptables-nft reads it");
	qt_ruleset_free(rs);
	qt_buf_free(&b);
}

/* The state text of a small ruleset with one hostile name. */
static void sample(struct qt_buf *t)
{
	static const char text[] =
		"*filter\n:INPUT DROP [1:2]\n:web - [0:0]\n"
		"[3:4] -A INPUT -i \"+ -j ACCEPT\" -j web\n-A web -j ACCEPT\nCOMMIT\n"
		"*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j ACCEPT\nCOMMIT\n";
	struct qt_ruleset *rs = restore(text, sizeof(text) - 1);
	qt_buf_reset(t);
	struct qt_counter_view cnt = view_of(cur, NULL);
	qt_state_render(rs, &cnt, t);
	qt_ruleset_free(rs);
}

static bool refused(const char *text, size_t len, const char *reason)
{
	struct qt_buf why;
	struct qt_ruleset *rs = NULL;
	qt_buf_init(&why);
	int rc = qt_state_parse(text, len, false, &rs, NULL, &why);
	bool r = rc < 0 && !rs && strstr(qt_buf_str(&why), reason);
	if (!r)
		printf("# rc %d, reason '%s', wanted '%s'\n", rc,
		       qt_buf_str(&why), reason);
	qt_ruleset_free(rs);
	qt_buf_free(&why);
	return r;
}

static void test_trailer(void)
{
	struct qt_buf t;
	qt_buf_init(&t);
	sample(&t);
	const char *s = qt_buf_str(&t);
	ok(strstr(s, "-A INPUT -i \"+ -j ACCEPT\" -j web\n") != NULL,
	   "a name with blanks is quoted");
	const char *tr = strstr(s, "# qtablesd end: 2 tables, ");
	ok(tr && tr[strlen(tr) - 1] == '\n' && !strchr(tr, '\n')[1],
	   "the last line is the trailer, with 2 tables");
	char want[80];
	size_t body = tr ? (size_t)(tr - s) : 0;
	snprintf(want, sizeof(want), "%zu bytes, crc32 %08x\n", body,
		 qt_crc32(0, s, body));
	ok(tr && strstr(tr, want), "it counts the bytes before it and their CRC-32");

	/* cut at every byte: only the whole file loads (a file cut inside
	 * its header line looks like one of an older qtablesd) */
	size_t header_len = (size_t)(strchr(s, '\n') + 1 - s);
	unsigned loaded = 0, wrong_reason = 0;
	for (size_t n = 0; n < t.len; n++) {
		struct qt_buf why;
		struct qt_ruleset *rs = NULL;
		qt_buf_init(&why);
		if (qt_state_parse(s, n, false, &rs, NULL, &why) == 0)
			loaded++;
		else if (!strstr(qt_buf_str(&why), n == 0 ? "is empty" :
				 n < header_len ? "no trailer line" :
				 "cut short or damaged"))
			wrong_reason++, printf("# cut at %zu: %s\n", n,
					       qt_buf_str(&why));
		qt_ruleset_free(rs);
		qt_buf_free(&why);
	}
	is_int(loaded, 0, "no cut of the file loads, at a COMMIT neither");
	is_int(wrong_reason, 0, "each cut is told as such");

	struct qt_buf d;
	qt_buf_init(&d);
	/* a byte changed in the body */
	qt_buf_put(&d, s, t.len);
	char *p = strstr(d.data, "DROP");
	p[0] = 'X';
	ok(refused(d.data, d.len, "checksum"), "a changed byte is refused");
	/* a COMMIT block dropped with the counts left */
	qt_buf_reset(&d);
	qt_buf_put(&d, s, t.len);
	ok(refused(d.data, d.len - 2, "cut short"), "a trailer cut is refused");
	/* a table count that does not match (the CRC made right) */
	qt_buf_reset(&d);
	qt_buf_put(&d, s, body);
	qt_buf_printf(&d, "# qtablesd end: 3 tables, %zu bytes, crc32 %08x\n",
		      body, qt_crc32(0, s, body));
	ok(refused(d.data, d.len, "counts 3 tables, it holds 2"),
	   "a wrong table count is refused");
	/* anything after the trailer */
	qt_buf_reset(&d);
	qt_buf_put(&d, s, t.len);
	qt_buf_puts(&d, "*filter\nCOMMIT\n");
	ok(refused(d.data, d.len, "cut short or damaged"),
	   "lines after the trailer are refused");
	/* the file of an older qtablesd: iptables-save text, no trailer */
	static const char old[] = "*filter\n:INPUT DROP [0:0]\nCOMMIT\n";
	ok(refused(old, sizeof(old) - 1, "no trailer line"),
	   "a file without header and trailer is refused");
	struct qt_buf why;
	struct qt_ruleset *rs = NULL;
	qt_buf_init(&why);
	ok(qt_state_parse(old, sizeof(old) - 1, true, &rs, NULL, &why) == 0 && rs &&
	   rs->tables[QT_TABLE_FILTER],
	   "... and taken as it is as a recovery file");
	qt_ruleset_free(rs);
	rs = NULL;
	ok(qt_state_parse(s, t.len - 3, true, &rs, NULL, &why) < 0,
	   "a recovery file with a header must be whole too");
	qt_buf_free(&why);
	qt_buf_free(&d);
	qt_buf_free(&t);
}

/* \n and \xHH are the state file's only: iptables-restore input reads
 * them as letters. */
static void test_escapes_are_the_state_files(void)
{
	static const char text[] =
		"*filter\n-A INPUT -m comment --comment \"a\\nb\\x41\\x00\"\nCOMMIT\n";
	struct qt_ruleset *rs = restore(text, sizeof(text) - 1);
	struct qt_buf b;
	qt_buf_init(&b);
	is_str(rs ? qt_test_save(rs, &b) : NULL,
	       "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
	       ":OUTPUT ACCEPT [0:0]\n-A INPUT -m comment --comment anbx41x00\n"
	       "COMMIT\n", "restore input reads \\n and \\xHH as iptables does");
	qt_ruleset_free(rs);
	qt_buf_free(&b);
	ok(qt_crc32(0, "123456789", 9) == 0xcbf43926u, "CRC-32 check value");
}

static void test_files(void)
{
	char dir[] = "/tmp/qt-state-test.XXXXXX";
	char path[128], fifo[128], good[128], rec[128];
	struct qt_buf err, t;
	struct qt_ruleset *rs;
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	qt_buf_init(&err);
	qt_buf_init(&t);
	snprintf(path, sizeof(path), "%s/none.v4", dir);
	ok(qt_state_load(path, &rs, NULL, &err) == 0 && rs && !rs->tables[0],
	   "a missing file is an empty ruleset");
	qt_ruleset_free(rs);

	ok(qt_state_load(dir, &rs, NULL, &err) < 0 && !rs &&
	   strstr(qt_buf_str(&err), "is a directory") &&
	   strstr(qt_buf_str(&err), dir), "a directory is refused, by name");
	qt_buf_reset(&err);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	mkfifo(fifo, 0600);
	ok(qt_state_load(fifo, &rs, NULL, &err) < 0 &&
	   strstr(qt_buf_str(&err), "not a regular file"),
	   "a FIFO is refused (without waiting for a writer)");
	qt_buf_reset(&err);
	/* reading the start of one's own address space gives EIO */
	ok(qt_state_load("/proc/self/mem", &rs, NULL, &err) < 0 &&
	   strstr(qt_buf_str(&err), "cannot be read: Input/output error"),
	   "a read error is refused, not taken as the end");
	qt_buf_reset(&err);
	snprintf(path, sizeof(path), "%s/empty.v4", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ok(qt_state_load(path, &rs, NULL, &err) < 0 &&
	   strstr(qt_buf_str(&err), "is empty"), "an empty file is refused");
	qt_buf_reset(&err);

	/* --state-recover: the fallback is loaded and written back */
	sample(&t);
	snprintf(rec, sizeof(rec), "%s/rec.v4", dir);
	FILE *f = fopen(rec, "w");
	fputs("*filter\n:INPUT DROP [0:0]\n-A INPUT -i \"a b\" -j ACCEPT\nCOMMIT\n", f);
	fclose(f);
	ok(qt_state_start(path, NULL, &rs, NULL, &err) < 0 &&
	   strstr(qt_buf_str(&err), "qtablesd: not starting: state file ") &&
	   strstr(qt_buf_str(&err), "--state-recover"),
	   "no start without a recovery file");
	qt_buf_reset(&err);
	ok(qt_state_start(path, rec, &rs, NULL, &err) == 0 && rs &&
	   rs->tables[QT_TABLE_FILTER], "a start from the recovery file");
	printf("# %s", qt_buf_str(&err));
	qt_ruleset_free(rs);
	qt_buf_reset(&err);
	ok(qt_state_load(path, &rs, NULL, &err) == 0 && rs &&
	   rs->tables[QT_TABLE_FILTER] &&
	   !strcmp(rs->tables[QT_TABLE_FILTER]->chains[0]->rules[0]->iniface,
		   "a b"), "which was written to the state file");
	qt_ruleset_free(rs);
	snprintf(good, sizeof(good), "%s/missing-rec.v4", dir);
	ok(qt_state_start(dir, good, &rs, NULL, &err) < 0 &&
	   strstr(qt_buf_str(&err), "recovery file"),
	   "a missing recovery file is no start either");

	unlink(fifo);
	unlink(path);
	unlink(rec);
	rmdir(dir);
	qt_buf_free(&err);
	qt_buf_free(&t);
}

int main(void)
{
	test_hostile_strings();
	test_newlines_and_nul();
	test_trailer();
	test_escapes_are_the_state_files();
	test_files();
	qt_state_forget();
	return done_testing();
}
