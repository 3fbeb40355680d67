/* iptables-restore's order of errors in a table block, as iptables-nft
 * 1.8.9 reports them: every line of the block is read first (an error
 * of reading is shown at its line), the ruleset is asked only at the
 * COMMIT (its errors in the order of the commands; a jump to a missing
 * chain named at the COMMIT's line), and what the kernel refuses comes
 * after all of that. Facts observed with iptables-nft-restore. */
#include <stdlib.h>
#include <string.h>

#include "qt_test.h"
#include "restore.h"
#include "tap.h"

#define TRY "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n"
#define PFX "iptables-restore v1.8.9 (qtables): "

/* Restore text into a fresh ruleset with the -N foo/-A INPUT -j foo of
 * setup; checks the status and the whole standard error. */
static void expect(const char *text, const char *flags, int status,
		   const char *err, const char *what)
{
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	qt_test_cmd(&rs, "-N foo", &r);
	qt_test_result_free(&r);
	qt_test_cmd(&rs, "-A INPUT -j foo", &r);
	qt_test_result_free(&r);
	qt_test_restore(&rs, text, flags, &r);
	is_int(r.status, status, "%s: status", what);
	is_str(qt_buf_str(&r.err), err, "%s: message", what);
	qt_test_result_free(&r);
	qt_ruleset_free(rs);
}

int main(void)
{
	expect("*filter\n-A INPUT -j NOPE\n-A INPUT -j ACCEPT\nCOMMIT\n", "", 2,
	       PFX "Chain 'NOPE' does not exist\nError occurred at line: 4\n" TRY,
	       "a jump to a missing chain is reported at the COMMIT");
	expect("*filter\n:A - [0:0]\n-A A -j B\n:B - [0:0]\nCOMMIT\n", "", 2,
	       PFX "Chain 'B' does not exist\nError occurred at line: 5\n" TRY,
	       "the chain made after the jump comes too late");
	expect("*nat\n:A - [0:0]\n-A A -j NOPE\n-A A -j ACCEPT\n\n# c\n-A A -j RETURN\nCOMMIT\n",
	       "noflush", 2,
	       PFX "Chain 'NOPE' does not exist\nError occurred at line: 8\n" TRY,
	       "blank and comment lines count");
	expect("*filter\n-A INPUT -j NOPE\n-A INPUT --bogus\nCOMMIT\n", "", 2,
	       PFX "unknown option \"--bogus\"\nError occurred at line: 3\n" TRY,
	       "a later line that does not read wins");
	expect("*filter\n-A INPUT -j NOPE -m state\nCOMMIT\n", "", 2,
	       PFX "state: option \"--state\" must be specified\n\nError occurred at line: 2\n" TRY,
	       "the match's own check comes before the jump's");
	expect("*filter\n-A NOCHAIN -j ACCEPT\n-A INPUT --bogus\nCOMMIT\n", "", 2,
	       PFX "unknown option \"--bogus\"\nError occurred at line: 3\n" TRY,
	       "a missing chain is found at the COMMIT too");
	expect("*filter\n-A NOCHAIN -j ACCEPT\n-A INPUT -j NOPE\nCOMMIT\n", "", 1,
	       "iptables-restore: line 2 failed: No chain/target/match by that name.\n",
	       "the ruleset's errors come in the order of the commands");
	expect("*filter\n-D INPUT -j ACCEPT\n-N foo\nCOMMIT\n", "", 1,
	       "iptables-restore: line 2 failed: Bad rule (does a matching rule exist in that chain?).\n",
	       "the first of two errors of the ruleset");
	expect("*filter\n-A INPUT -j NOPE\n-A INPUT -j ACCEPT\n", "", 1,
	       "iptables-restore: COMMIT expected at line 4\n",
	       "a block without COMMIT never asks the ruleset");
	expect("*filter\n-A INPUT -j NOPE\n*nat\nCOMMIT\n", "", 2,
	       "Bad argument `*nat'\nError occurred at line: 3\n" TRY,
	       "a table line inside the block");
	expect("*filter\n-X foo\n-A INPUT --bogus\nCOMMIT\n", "noflush", 2,
	       PFX "unknown option \"--bogus\"\nError occurred at line: 3\n" TRY,
	       "the kernel's refusal waits for the reading");
	expect("*filter\n-X foo\nCOMMIT\n", "noflush", 4,
	       PFX "\nline 2: CHAIN_DEL failed (Device or resource busy): chain foo\n",
	       "the kernel's refusal at its own line");
	expect("*filter\n-A INPUT -j DNAT --to-destination 1.2.3.4\n-A INPUT -j NOPE\nCOMMIT\n",
	       "", 2,
	       PFX "Chain 'NOPE' does not exist\nError occurred at line: 4\n" TRY,
	       "the ruleset's error comes before the kernel's");
	expect("*filter\n-X foo\n-X foo\nCOMMIT\n", "noflush", 1,
	       "iptables-restore: line 3 failed: No chain/target/match by that name.\n",
	       "what the kernel refuses is gone for the commands after it");
	expect("*filter\n-X foo\n-A INPUT -j foo\nCOMMIT\n", "noflush", 2,
	       PFX "Chain 'foo' does not exist\nError occurred at line: 4\n" TRY,
	       "a jump to the chain deleted before");
	expect("*filter\n-X foo\n-A INPUT -j DNAT --to-destination 1.2.3.4\nCOMMIT\n",
	       "noflush", 4,
	       PFX "\nline 2: CHAIN_DEL failed (Device or resource busy): chain foo\n"
	       "line 3: RULE_APPEND failed (Invalid argument): rule in chain INPUT\n",
	       "every refusal of the kernel, a line each");
	expect("*filter\n-A INPUT -j NOPE\n:INPUT BOGUS [0:0]\nCOMMIT\n", "noflush", 2,
	       PFX "Chain 'NOPE' does not exist\nError occurred at line: 4\n" TRY,
	       "a bad policy is found when the block is prepared");
	expect("*filter\n:INPUT BOGUS [0:0]\n-A INPUT --bogus\nCOMMIT\n", "noflush", 2,
	       PFX "unknown option \"--bogus\"\nError occurred at line: 3\n" TRY,
	       "a bad policy waits for the reading");
	expect("*filter\n:INPUT BOGUS [0:0]\nCOMMIT\n", "noflush", 1,
	       "iptables-restore: line 2 failed: Bad policy name.\n",
	       "a bad policy at its line");
	expect("*filter\n:a - [0:0]\n:b - [0:0]\n-A a -j b\n-A b -j a\n-A INPUT -j a\n"
	       "-A INPUT -j DNAT --to-destination 1.2.3.4\nCOMMIT\n", "noflush", 4,
	       PFX "\nline 7: RULE_APPEND failed (Invalid argument): rule in chain INPUT\n",
	       "a loop is found only when nothing else failed");
	expect("*filter\n-A INPUT -j NOPE\nCOMMIT\n", "test", 0, "",
	       "--test asks no ruleset");
	expect("*filter\n-A INPUT -j ACCEPT\nCOMMIT\n*nat\n-A NOPE -j ACCEPT\n-A OUTPUT --bogus\nCOMMIT\n",
	       "", 2,
	       PFX "unknown option \"--bogus\"\nError occurred at line: 6\n" TRY,
	       "the second block's reading after the first's COMMIT");

	/* the block that failed changes nothing, the one before stays */
	{
		struct qt_ruleset *rs = qt_ruleset_new(0);
		struct qt_test_result r;
		struct qt_buf b;
		qt_buf_init(&b);
		qt_test_restore(&rs, "*filter\n:K - [0:0]\n-A K -j ACCEPT\nCOMMIT\n"
				"*nat\n:N - [0:0]\n-A N -j NOPE\nCOMMIT\n", "", &r);
		is_int(r.status, 2, "a failed second block: status");
		qt_test_result_free(&r);
		is_str(qt_test_save(rs, &b),
		       "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
		       ":OUTPUT ACCEPT [0:0]\n:K - [0:0]\n-A K -j ACCEPT\nCOMMIT\n",
		       "a failed second block: the first is committed");
		qt_buf_free(&b);
		qt_ruleset_free(rs);
	}

	/* -X of every chain: the busy ones in the order they were made */
	{
		struct qt_ruleset *rs = qt_ruleset_new(0);
		struct qt_test_result r;
		const char *setup[] = { "-N mmm", "-A INPUT -j mmm", "-N zzz",
					"-A INPUT -j zzz", "-N aaa", "-A INPUT -j aaa",
					"-E zzz yyy" };
		for (unsigned i = 0; i < sizeof(setup) / sizeof(setup[0]); i++) {
			qt_test_cmd(&rs, setup[i], &r);
			qt_test_result_free(&r);
		}
		qt_test_cmd(&rs, "-X", &r);
		is_str(qt_buf_str(&r.err),
		       "iptables v1.8.9 (qtables):  CHAIN_DEL failed (Device or resource busy): chain mmm\n",
		       "-X: the first busy chain made, not the first by name");
		qt_test_result_free(&r);
		qt_test_restore(&rs, "*filter\n-X\nCOMMIT\n", "noflush", &r);
		is_str(qt_buf_str(&r.err),
		       PFX "\nline 2: CHAIN_DEL failed (Device or resource busy): chain mmm\n"
		       "line 2: CHAIN_DEL failed (Device or resource busy): chain yyy\n"
		       "line 2: CHAIN_DEL failed (Device or resource busy): chain aaa\n",
		       "restore -X: every busy chain, in that order (a rename keeps it)");
		qt_test_result_free(&r);
		qt_ruleset_free(rs);
	}

	/* iptables-save -t TABLE: a table no command made yet is shown as
	 * -S shows it; an unknown name is refused in iptables-nft's words */
	{
		struct qt_ruleset *rs = qt_ruleset_new(0);
		struct qt_buf out, err;
		struct qt_ctx ctx;
		qt_buf_init(&out);
		qt_buf_init(&err);
		qt_ctx_init(&ctx, "iptables-save", &out, &err);
		is_int(qt_save_run(rs, "nat", NULL, false, false, &ctx), 0,
		       "save -t nat of no nat table: status");
		is_str(qt_buf_str(&out),
		       "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
		       ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n",
		       "save -t nat of no nat table: its built-in chains");
		qt_buf_reset(&out);
		is_int(qt_save_run(rs, NULL, NULL, false, false, &ctx), 0,
		       "save of no table: status");
		is_str(qt_buf_str(&out), "", "save of no table: nothing");
		is_int(qt_save_run(rs, "bogus", NULL, false, false, &ctx), 1,
		       "save -t bogus: status");
		is_str(qt_buf_str(&err), "Table `bogus' does not exist\n",
		       "save -t bogus: message");
		qt_buf_free(&out);
		qt_buf_free(&err);
		qt_ruleset_free(rs);
	}
	return done_testing();
}
