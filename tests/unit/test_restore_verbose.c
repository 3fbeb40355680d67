/* iptables-restore -v (parser/restore.c): what it prints, in-process.
 * The expected texts are what iptables-nft-restore 1.8.9 printed for
 * the same files in a namespace holding the same ruleset (the
 * differential corpus tests/compat/corpus_acct.txt asks it again). */
#include <stdio.h>
#include <string.h>

#include "qt_test.h"
#include "tap.h"

static void restore_prints(struct qt_ruleset **rs, const char *flags,
			   const char *text, int status, const char *want,
			   const char *what)
{
	struct qt_test_result r;
	qt_test_restore(rs, text, flags, &r);
	is_int(r.status, status, "%s: exit status", what);
	ok(!strcmp(qt_buf_str(&r.out), want), "%s: output", what);
	if (strcmp(qt_buf_str(&r.out), want))
		printf("#   got:\n%s#   want:\n%s", qt_buf_str(&r.out), want);
	qt_test_result_free(&r);
}

static void cmd(struct qt_ruleset **rs, const char *words)
{
	struct qt_test_result r;
	qt_test_cmd(rs, words, &r);
	is_int(r.status, 0, "iptables %s", words);
	qt_test_result_free(&r);
}

int main(void)
{
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	cmd(&rs, "-N z");
	cmd(&rs, "-N a");
	cmd(&rs, "-P INPUT DROP");

	restore_prints(&rs, "verbose=1",
		"# c1\n*filter\n# c2\n-A INPUT -j ACCEPT\nCOMMIT\n# c3\n", 0,
		"# c1\n# c2\n"
		"Flushing chain `INPUT'\nFlushing chain `FORWARD'\n"
		"Flushing chain `OUTPUT'\nFlushing chain `a'\n"
		"Flushing chain `z'\nDeleting chain `a'\nDeleting chain `z'\n"
		"ACCEPT  all opt -- in * out *  0.0.0.0/0  -> 0.0.0.0/0  \n"
		"# c3\n",
		"comments at once, the flush and the rule at COMMIT");

	/* the flush keeps the policy (the table is not deleted) */
	struct qt_test_result r;
	qt_test_cmd(&rs, "-S INPUT", &r);
	ok(strstr(qt_buf_str(&r.out), "-P INPUT DROP") != NULL,
	   "the policy survives restore -v");
	qt_test_result_free(&r);

	restore_prints(&rs, "verbose=1",
		"*nat\nCOMMIT\n", 0,
		"Flushing chain `PREROUTING'\nFlushing chain `INPUT'\n"
		"Flushing chain `OUTPUT'\nFlushing chain `POSTROUTING'\n",
		"a table that does not exist: its built-in chains");

	restore_prints(&rs, "verbose=1 noflush",
		"*filter\n-A INPUT -j ACCEPT\n-F INPUT\nCOMMIT\n", 0, "",
		"--noflush: no flush and no -v for the commands");

	restore_prints(&rs, "verbose=1 test",
		"# one\n*filter\n-A INPUT -j ACCEPT\n-S\nCOMMIT\n", 0,
		"# one\n", "--test: only the comments");

	restore_prints(&rs, "verbose=1",
		"*filter\n-A INPUT -j ACCEPT\n-A INPUT --bogus\nCOMMIT\n", 2,
		"", "a line refused while read: nothing of the block");

	restore_prints(&rs, "verbose=1",
		"*filter\n-A INPUT -j ACCEPT\n-A NOCHAIN -j ACCEPT\nCOMMIT\n", 1,
		"Flushing chain `INPUT'\nFlushing chain `FORWARD'\n"
		"Flushing chain `OUTPUT'\n"
		"ACCEPT  all opt -- in * out *  0.0.0.0/0  -> 0.0.0.0/0  \n"
		"ACCEPT  all opt -- in * out *  0.0.0.0/0  -> 0.0.0.0/0  \n",
		"a chain missing at COMMIT: up to the failing rule");

	restore_prints(&rs, "verbose=1",
		"*filter\n-A INPUT -j ACCEPT\n-A INPUT -j NOPE\nCOMMIT\n", 2,
		"Flushing chain `INPUT'\nFlushing chain `FORWARD'\n"
		"Flushing chain `OUTPUT'\n"
		"ACCEPT  all opt -- in * out *  0.0.0.0/0  -> 0.0.0.0/0  \n",
		"a jump to no chain: before the failing rule");

	qt_ruleset_free(rs);
	return done_testing();
}
