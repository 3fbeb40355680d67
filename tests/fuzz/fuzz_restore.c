/* libFuzzer target for the restore parser and the request path the
 * daemon runs (qt_request_run), on top of a small committed ruleset.
 *
 * Input: text starting with "#qtables" is a whole request as a client
 * would send it; anything else is the body of a restore request. If the
 * first byte is below 0x10 it is not text but the restore flags (bit 0
 * noflush, 1 counters, 2 test, 3 -T filter), so text seeds stay readable.
 *
 * Besides crashes and leaks it checks two properties of whatever ruleset
 * a request leaves: it must save to text that restores to the same
 * ruleset (save, restore -c, save again: identical, but for iptables'
 * own newline case below), and qtablesd's state file of it must load
 * back as the identical ruleset, with no exception (every table, chain,
 * policy, counter and rule, compared as -D compares rules; written
 * again byte for byte the same). Build and run it with
 * tests/fuzz/run.sh. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "state_file.h"
#include "ctx.h"
#include "model.h"
#include "request.h"
#include "restore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_rules[] =
	"*filter\n"
	":INPUT DROP [1:2]\n"
	":FORWARD ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":web - [0:0]\n"
	"[3:4] -A INPUT -p tcp -m tcp --dport 80 -j web\n"
	"-A INPUT -s 10.0.0.0/8 -i lo -j ACCEPT\n"
	"-A web -j ACCEPT\n"
	"COMMIT\n"
	"*nat\n"
	":PREROUTING ACCEPT [0:0]\n"
	":INPUT ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":POSTROUTING ACCEPT [0:0]\n"
	"-A OUTPUT -d 192.0.2.1/32 -j ACCEPT\n"
	"COMMIT\n";

static struct qt_ruleset *base;

/* Counters as a daemon without a datapath keeps them, for every
 * ruleset of the run (keyed by rule). */
static struct qt_counter_view counters(struct qt_policy_pending *pending)
{
	static struct qt_counter_mem *mem;
	if (!mem)
		mem = qt_counter_mem_new();
	return (struct qt_counter_view){ .io = qt_counter_mem_io(mem),
					 .pending = pending };
}

static int run(struct qt_ruleset **rs, const char *req, size_t len,
	       struct qt_buf *out, struct qt_buf *err)
{
	bool changed;
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = counters(&pending);
	qt_buf_reset(out);
	qt_buf_reset(err);
	int st = qt_request_run(rs, req, len, &cnt, out, err, &changed);
	if (changed)
		qt_policy_pending_apply(&pending, cnt.io);
	return st;
}

static void fail(const char *what, const struct qt_buf *a,
		 const struct qt_buf *b)
{
	fprintf(stderr, "fuzz_restore: %s\n--- first:\n%s\n--- second:\n%s\n",
		what, qt_buf_str(a), qt_buf_str(b));
	abort();
}

static bool same_rulesets(const struct qt_ruleset *a, const struct qt_ruleset *b)
{
	struct qt_counter_view cnt = counters(NULL);
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
			for (unsigned j = 0; j < c->nrules; j++) {
				const struct qt_rule *r = c->rules[j], *q = d->rules[j];
				struct qt_counters x = qt_cnt_rule(&cnt, r),
						   y = qt_cnt_rule(&cnt, q);
				if (!qt_rule_equal(r, q) || x.pkts != y.pkts ||
				    x.bytes != y.bytes)
					return false;
			}
		}
	}
	return true;
}

/* The state file written and read back: the same ruleset, the same
 * text. */
static void check_state_round_trip(struct qt_ruleset *rs)
{
	struct qt_buf t1, t2, why;
	qt_buf_init(&t1);
	qt_buf_init(&t2);
	qt_buf_init(&why);
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = counters(&pending);
	qt_state_render(rs, &cnt, &t1);
	struct qt_ruleset *back = NULL;
	if (qt_state_parse(qt_buf_str(&t1), t1.len, false, &back, &cnt,
			   &why) != 0)
		fail("the state file does not load", &t1, &why);
	qt_state_render(back, &cnt, &t2);
	if (!same_rulesets(rs, back))
		fail("the state file loads as another ruleset", &t1, &t2);
	if (t1.len != t2.len || memcmp(qt_buf_str(&t1), qt_buf_str(&t2), t1.len))
		fail("the state file is not written the same again", &t1, &t2);
	qt_ruleset_free(back);
	/* what the cache holds refers to rules of these rulesets */
	qt_state_forget();
	qt_buf_free(&t1);
	qt_buf_free(&t2);
	qt_buf_free(&why);
}

/* Whether rs holds a string that iptables-nft-save's text cannot carry
 * (a name with a blank or a quote, which it prints bare; a newline,
 * which it prints as it is): the state file then quotes a word that
 * the save text does not hold as such. Only the state file round trip
 * applies to such a ruleset. */
static bool save_cannot_spell(struct qt_ruleset *rs, const struct qt_buf *save)
{
	struct qt_buf t, word;
	qt_buf_init(&t);
	qt_buf_init(&word);
	struct qt_counter_view cnt = counters(NULL);
	qt_state_render(rs, &cnt, &t);
	bool quoted = false, differs = false;
	const char *p = qt_buf_str(&t);
	for (size_t i = 0; i < t.len && !differs; i++) {
		if (p[i] == '\n') {
			quoted = false;   /* no word goes on past its line */
			continue;
		}
		if (quoted)
			qt_buf_putc(&word, p[i]);
		if (quoted && p[i] == '\\' && i + 1 < t.len) {
			qt_buf_putc(&word, p[++i]);
		} else if (p[i] == '"' && !quoted) {
			quoted = true;
			qt_buf_reset(&word);
			qt_buf_putc(&word, '"');
		} else if (p[i] == '"') {
			quoted = false;
			differs = !memmem(qt_buf_str(save), save->len,
					  qt_buf_str(&word), word.len);
		}
	}
	qt_state_forget();
	qt_buf_free(&t);
	qt_buf_free(&word);
	return differs;
}

/* save -c, restore -c into an empty ruleset, save -c again. */
static void check_round_trip(struct qt_ruleset *rs)
{
	static const char save_req[] = "#qtables 1 save iptables-save counters\n";
	struct qt_counter_view sv = counters(NULL);
	struct qt_buf s1, s2, out, err, req;
	qt_buf_init(&s1);
	qt_buf_init(&s2);
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_buf_init(&req);
	struct qt_ctx ctx;
	qt_ctx_init(&ctx, "iptables-save", &s1, &err);
	qt_save_run(rs, NULL, &sv, true, false, &ctx);

	struct qt_ruleset *copy = qt_ruleset_new(AF_INET);
	qt_ipc_restore(&req, "iptables-restore", false, true, false, 0, NULL,
			   NULL, qt_buf_str(&s1), s1.len);
	if (run(&copy, qt_buf_str(&req), req.len, &out, &err) != 0) {
		if (save_cannot_spell(rs, &s1))
			goto out;
		fail("saved ruleset does not restore", &s1, &err);
	}
	qt_buf_reset(&err);
	qt_ctx_init(&ctx, "iptables-save", &s2, &err);
	qt_save_run(copy, NULL, &sv, true, false, &ctx);
	if ((s1.len != s2.len || memcmp(qt_buf_str(&s1), qt_buf_str(&s2), s1.len)) &&
	    !save_cannot_spell(rs, &s1)) {
		/* One case is iptables' own: a quote left open runs to the end
		 * of the line and the word keeps the newline (iptables-nft
		 * saves `-o lo+` and a bare newline for it, as qtables does),
		 * which the next restore reads as a shorter word. The text
		 * must then be stable from the second save on. */
		struct qt_ruleset *again = qt_ruleset_new(AF_INET);
		struct qt_buf s3, req2;
		qt_buf_init(&s3);
		qt_buf_init(&req2);
		qt_ipc_restore(&req2, "iptables-restore", false, true, false,
				   0, NULL, NULL, qt_buf_str(&s2), s2.len);
		if (run(&again, qt_buf_str(&req2), req2.len, &out, &err) != 0)
			fail("save is not stable across restore", &s1, &s2);
		qt_buf_reset(&err);
		qt_ctx_init(&ctx, "iptables-save", &s3, &err);
		qt_save_run(again, NULL, &sv, true, false, &ctx);
		if (s2.len != s3.len || memcmp(qt_buf_str(&s2), qt_buf_str(&s3), s2.len))
			fail("save is not stable across two restores", &s2, &s3);
		qt_ruleset_free(again);
		qt_buf_free(&s3);
		qt_buf_free(&req2);
	}
	/* the other printers must cope with whatever was accepted (-n:
	 * name lookups would wait on a network there is none of) */
	(void)run(&copy, save_req, sizeof(save_req) - 1, &out, &err);
	static const char list_req[] =
		"#qtables 1 command iptables\n\"-L\" \"-n\" \"-v\" \"-x\" \"--line-numbers\"\n";
	(void)run(&copy, list_req, sizeof(list_req) - 1, &out, &err);
	static const char list_nat[] =
		"#qtables 1 command iptables\n\"-t\" \"nat\" \"-L\" \"-n\"\n";
	(void)run(&copy, list_nat, sizeof(list_nat) - 1, &out, &err);
	static const char s_req[] = "#qtables 1 command iptables\n\"-S\"\n";
	(void)run(&copy, s_req, sizeof(s_req) - 1, &out, &err);
out:
	qt_ruleset_free(copy);
	qt_buf_free(&s1);
	qt_buf_free(&s2);
	qt_buf_free(&out);
	qt_buf_free(&err);
	qt_buf_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base) {
		struct qt_buf req, out, err;
		qt_buf_init(&req);
		qt_buf_init(&out);
		qt_buf_init(&err);
		base = qt_ruleset_new(AF_INET);
		qt_ipc_restore(&req, "iptables-restore", false, true, false,
				   0, NULL, NULL, base_rules, sizeof(base_rules) - 1);
		if (run(&base, qt_buf_str(&req), req.len, &out, &err) != 0) {
			fprintf(stderr, "fuzz_restore: base ruleset: %s",
				qt_buf_str(&err));
			abort();
		}
		qt_buf_free(&req);
		qt_buf_free(&out);
		qt_buf_free(&err);
	}
	if (size > (1u << 20))
		return 0;   /* the daemon takes 64 MiB; 1 MiB finds the same bugs */

	struct qt_buf req, out, err;
	qt_buf_init(&req);
	qt_buf_init(&out);
	qt_buf_init(&err);
	const char *text = (const char *)data;
	if (size >= 8 && !memcmp(text, "#qtables", 8)) {
		qt_buf_put(&req, text, size);
	} else {
		unsigned flags = 0;
		if (size && data[0] < 0x10) {
			flags = data[0];
			text++;
			size--;
		}
		qt_ipc_restore(&req, "iptables-restore", flags & 1, flags & 2,
				   flags & 4, 0,
				   flags & 8 ? "filter" : NULL,
				   /* --test inputs are explained too */
				   flags & 4 ? "fuzz.v4" : NULL, text, size);
	}
	struct qt_ruleset *rs = qt_ruleset_clone(base);
	(void)run(&rs, qt_buf_str(&req), req.len, &out, &err);
	check_round_trip(rs);
	check_state_round_trip(rs);
	qt_ruleset_free(rs);
	qt_buf_free(&req);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return 0;
}
