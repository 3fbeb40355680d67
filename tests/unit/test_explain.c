/* Errors that point (parser/explain.h): the column and the marker of the
 * word at fault whatever the blanks, quotes and forms around it, the
 * near name offered (or none), the command line's joined words, the
 * daemon's form, and iptables' own text left as it was without the
 * request for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "model.h"
#include "request.h"
#include "state_file.h"
#include "qt_test.h"
#include "tap.h"

/* qtables-restore [--test] --explain of text named "rules.v4" against
 * *rs (a new ruleset when rs is NULL): what it writes to stderr. */
static const char *restore_in(struct qt_ruleset **rs, const char *text,
			      bool test, bool explain, struct qt_buf *err)
{
	struct qt_buf req, out;
	qt_buf_init(&req);
	qt_buf_init(&out);
	qt_buf_reset(err);
	qt_ipc_restore(&req, "qtables-restore", false, false, test, 0, NULL,
		       explain ? "rules.v4" : NULL, text, strlen(text));
	struct qt_ruleset *own = qt_ruleset_new(AF_INET);
	bool changed;
	qt_request_run(rs ? rs : &own, qt_buf_str(&req), req.len, NULL, &out,
		       err, &changed);
	qt_ruleset_free(own);
	qt_buf_free(&req);
	qt_buf_free(&out);
	return qt_buf_str(err);
}

static const char *restore(const char *text, struct qt_buf *err)
{
	return restore_in(NULL, text, true, true, err);
}

/* qtables [--explain] WORDS... (NULL-terminated) against *rs. */
static const char *command_in(struct qt_ruleset **rs, bool explain,
			      struct qt_buf *err, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	for (char *w; argc < 64 && (w = va_arg(ap, char *));)
		argv[argc++] = w;
	va_end(ap);
	struct qt_buf req, out;
	qt_buf_init(&req);
	qt_buf_init(&out);
	qt_buf_reset(err);
	qt_ipc_command(&req, "qtables", explain, argc, argv);
	bool changed;
	qt_request_run(rs, qt_buf_str(&req), req.len, NULL, &out, err,
		       &changed);
	qt_buf_free(&req);
	qt_buf_free(&out);
	return qt_buf_str(err);
}

static void columns(struct qt_buf *e)
{
	is_str(restore("*filter\n-A INPUT -p tcp --dprot 22 -j ACCEPT\nCOMMIT\n", e),
	       "rules.v4:2:17: unknown option \"--dprot\"\n"
	       "-A INPUT -p tcp --dprot 22 -j ACCEPT\n"
	       "                ^~~~~~~\n"
	       "did you mean '--dport'?\n",
	       "an unknown option: its line, column, marker, the option meant");
	is_str(restore("*filter\n-A   INPUT  -p  tcp    --dprot 22\nCOMMIT\n", e),
	       "rules.v4:2:24: unknown option \"--dprot\"\n"
	       "-A   INPUT  -p  tcp    --dprot 22\n"
	       "                       ^~~~~~~\n"
	       "did you mean '--dport'?\n",
	       "several blanks between words count as written");
	is_str(restore("*filter\n-A INPUT\t-p tcp\t\t--dprot 22\nCOMMIT\n", e),
	       "rules.v4:2:18: unknown option \"--dprot\"\n"
	       "-A INPUT\t-p tcp\t\t--dprot 22\n"
	       "        \t      \t\t^~~~~~~\n"
	       "did you mean '--dport'?\n",
	       "a tab counts one column and stays a tab in the marker line");
	is_str(restore("*filter\n-A INPUT -m comment --comment \"a  b\" -p tcp --dprot 1\nCOMMIT\n", e),
	       "rules.v4:2:45: unknown option \"--dprot\"\n"
	       "-A INPUT -m comment --comment \"a  b\" -p tcp --dprot 1\n"
	       "                                            ^~~~~~~\n"
	       "did you mean '--dport'?\n",
	       "a quoted word before is counted as written, quotes and all");
	is_str(restore("*filter\n-A INPUT -p \"tpc\" -j ACCEPT\nCOMMIT\n", e),
	       "rules.v4:2:13: unknown protocol \"tpc\" specified\n"
	       "-A INPUT -p \"tpc\" -j ACCEPT\n"
	       "            ^~~~~\n"
	       "did you mean 'tcp'?\n",
	       "a quoted word at fault: marked with its quotes");
	is_str(restore("*filter\n-A INPUT -p tcp --dport=2x2 -j ACCEPT\nCOMMIT\n", e),
	       "rules.v4:2:25: invalid port/service `2x2' specified\n"
	       "-A INPUT -p tcp --dport=2x2 -j ACCEPT\n"
	       "                        ^~~\n",
	       "--opt=value: a bad value is marked after the '='");
	is_str(restore("*filter\n-A INPUT -p tcp --dprot=22 -j ACCEPT\nCOMMIT\n", e),
	       "rules.v4:2:17: unknown option \"--dprot=22\"\n"
	       "-A INPUT -p tcp --dprot=22 -j ACCEPT\n"
	       "                ^~~~~~~\n"
	       "did you mean '--dport'?\n",
	       "--opt=value: an unknown option is marked up to the '='");
	is_str(restore("*filter\n-A INPUT -p tcp ! ! --syn\nCOMMIT\n", e),
	       "rules.v4:2:19: multiple consecutive ! not allowed\n"
	       "-A INPUT -p tcp ! ! --syn\n"
	       "                  ^\n",
	       "'!': the second of two");
	is_str(restore("*filter\n-A INPUT -p tcp --syn !\nCOMMIT\n", e),
	       "rules.v4:2:23: nothing appropriate following !\n"
	       "-A INPUT -p tcp --syn !\n"
	       "                      ^\n",
	       "'!' at the end of the line");
	is_str(restore("*filter\n-A INPUT -p tcp ! --syn ! -m tcp\nCOMMIT\n", e),
	       "rules.v4:2:27: unexpected ! flag before --match\n"
	       "-A INPUT -p tcp ! --syn ! -m tcp\n"
	       "                          ^~\n",
	       "'!' before -m: the -m refused");
	is_str(restore("*filter\n-A INPUT -nvQ\nCOMMIT\n", e),
	       "rules.v4:2:13: unknown option \"-Q\"\n"
	       "-A INPUT -nvQ\n"
	       "            ^\n",
	       "a letter of a cluster of short options");
	is_str(restore("*filter\n-A INPUT -m comment --comment h\xc3\xa9llo --dprot 1\nCOMMIT\n", e),
	       "rules.v4:2:38: unknown option \"--dprot\"\n"
	       "-A INPUT -m comment --comment h\xc3\xa9llo --dprot 1\n"
	       "                                    ^~~~~~~\n",
	       "UTF-8 before the word: the column counts bytes, the marker "
	       "characters");
	is_str(restore("*filter\n-A INPUT -m conntrack --ctstate NEW,BOGUS\nCOMMIT\n", e),
	       "rules.v4:2:33: Bad ctstate \"BOGUS\"\n"
	       "-A INPUT -m conntrack --ctstate NEW,BOGUS\n"
	       "                                ^~~~~~~~~\n",
	       "an extension's refusal of a value: the value");
	is_str(restore("*filter\n-A INPUT -m state --state NEW --state NEW\nCOMMIT\n", e),
	       "rules.v4:2:31: state: option \"--state\" can only be used once.\n"
	       "-A INPUT -m state --state NEW --state NEW\n"
	       "                              ^~~~~~~\n",
	       "an option given twice: the second");
}

static void restore_lines(struct qt_buf *e)
{
	is_str(restore("-A INPUT -j ACCEPT\n", e),
	       "rules.v4:1:1: line 1 failed\n"
	       "-A INPUT -j ACCEPT\n"
	       "^~~~~~~~~~~~~~~~~~\n",
	       "a rule before any table: the whole line");
	is_str(restore("# a comment\n*filter\n-A INPUT -j ACCEPT\n", e),
	       "rules.v4:2:1: COMMIT expected at line 4\n"
	       "*filter\n"
	       "^~~~~~~\n",
	       "no COMMIT: the block left open");
	is_str(restore("*filter\n*nat\nCOMMIT\n", e),
	       "rules.v4:2:1: Bad argument `*nat'\n"
	       "*nat\n"
	       "^~~~\n",
	       "a table inside a table");
	is_str(restore_in(NULL, "*filter\n:INPUT BOGUS [0:0]\nCOMMIT\n",
			  false, true, e),
	       "rules.v4:2:8: Bad policy name\n"
	       ":INPUT BOGUS [0:0]\n"
	       "       ^~~~~\n",
	       "a bad policy: the policy");
	is_str(restore("*filter\n[12] -A INPUT -j ACCEPT\nCOMMIT\n", e),
	       "rules.v4:2:1: Bad line 2: need ]\n"
	       "[12] -A INPUT -j ACCEPT\n"
	       "^~~~\n",
	       "counters that are not [p:b]");
}

static void suggestions(struct qt_buf *e)
{
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	is_str(restore("*filter\n-A INPUT -m conntrak --ctstate NEW\nCOMMIT\n", e),
	       "rules.v4:2:13: Couldn't load match `conntrak':No such file or directory\n"
	       "-A INPUT -m conntrak --ctstate NEW\n"
	       "            ^~~~~~~~\n"
	       "did you mean 'conntrack'?\n",
	       "a typo in a match's name");
	is_str(restore_in(&rs, "*filter\n-A INPUT -j ACCPET\nCOMMIT\n", false,
			  true, e),
	       "rules.v4:2:13: Chain 'ACCPET' does not exist\n"
	       "-A INPUT -j ACCPET\n"
	       "            ^~~~~~\n"
	       "did you mean 'ACCEPT'?\n",
	       "a typo in a target's name");
	ok(strstr(restore_in(&rs, "*filter\n-A INPUT -j REJCT\nCOMMIT\n", false,
			     true, e), "did you mean 'REJECT'?\n") != NULL,
	   "an extension target's name");
	ok(strstr(restore_in(&rs, "*filter\n:LOGDROP -\n-A INPUT -j LOGDRPO\nCOMMIT\n",
			     false, true, e), "did you mean 'LOGDROP'?\n") != NULL,
	   "a user chain's name");
	ok(strstr(restore_in(&rs, "*filter\n-A INPUT -j accept\nCOMMIT\n", false,
			     true, e), "did you mean 'ACCEPT'?\n") != NULL,
	   "a name in the wrong case");
	ok(strstr(restore("*filter\n-A INPUT --destinaton 1.2.3.4\nCOMMIT\n", e),
		  "did you mean '--destination'?\n") != NULL,
	   "a generic option");
	ok(strstr(restore("*filter\n-A INPUT -m state --stae NEW\nCOMMIT\n", e),
		  "did you mean '--state'?\n") != NULL,
	   "an option of a match loaded with -m");
	is_str(restore("*filter\n-A INPUT --dport 22\nCOMMIT\n", e),
	       "rules.v4:2:10: unknown option \"--dport\"\n"
	       "-A INPUT --dport 22\n"
	       "         ^~~~~~~\n"
	       "did you mean '-p tcp --dport'?\n",
	       "an option of a match not loaded: how to load it");
	is_str(restore("*filter\n-A INPUT -p tcp --frobnicate 1\nCOMMIT\n", e),
	       "rules.v4:2:17: unknown option \"--frobnicate\"\n"
	       "-A INPUT -p tcp --frobnicate 1\n"
	       "                ^~~~~~~~~~~~\n",
	       "nothing close to an option: no suggestion");
	ok(!strstr(restore("*filter\n-A INPUT -m xyzzy\nCOMMIT\n", e), "did you mean"),
	   "nothing close to a match: no suggestion");
	ok(!strstr(restore_in(&rs, "*filter\n-A INPUT -j XYZZY\nCOMMIT\n", false,
			      true, e), "did you mean"),
	   "nothing close to a target: no suggestion");
	ok(!strstr(restore("*filter\n-A INPUT -p tcp --do 1\nCOMMIT\n", e),
		   "did you mean"),
	   "a short word far from every name: no suggestion");
	qt_ruleset_free(rs);

	is_int(qt_edit_distance("dprot", 5, "dport", 5), 1, "a swap of neighbours is one edit");
	is_int(qt_edit_distance("kitten", 6, "sitting", 7), 3, "kitten/sitting: 3");
	is_int(qt_edit_distance("ACCEPT", 6, "accept", 6), 0, "case is ignored");
	is_int(qt_edit_distance("", 0, "abc", 3), 3, "from nothing: one per letter");
	struct qt_suggest sg;
	qt_suggest_init(&sg, "foo", 3);
	qt_suggest_offer(&sg, "tos");
	qt_suggest_offer(&sg, "foo");
	ok(qt_suggest_best(&sg) == NULL, "the cut-off: 'foo' is not 'tos', nor itself");
	qt_suggest_init(&sg, "conntrak", 8);
	qt_suggest_offer(&sg, "connmark");
	qt_suggest_offer(&sg, "conntrack");
	qt_suggest_offer(&sg, "connlimit");
	is_str(qt_suggest_best(&sg), "conntrack", "the nearest of several");
}

static void command_line(struct qt_buf *e)
{
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	is_str(command_in(&rs, true, e, "-A", "INPUT", "-m", "comment",
			  "--comment", "a b", "-p", "tcp", "--dprot", "22", NULL),
	       "<command line>:1:44: unknown option \"--dprot\"\n"
	       "-A INPUT -m comment --comment 'a b' -p tcp --dprot 22\n"
	       "                                           ^~~~~~~\n"
	       "did you mean '--dport'?\n",
	       "the words joined, quoted as a shell needs them");
	is_str(command_in(&rs, true, e, "-A", "INPUT", "-j", "ACCPET", NULL),
	       "<command line>:1:13: Chain 'ACCPET' does not exist\n"
	       "-A INPUT -j ACCPET\n"
	       "            ^~~~~~\n"
	       "did you mean 'ACCEPT'?\n",
	       "a target against the ruleset");
	is_str(command_in(&rs, true, e, "-A", "INPUT", "--source=1.2.3.400", NULL),
	       "<command line>:1:19: host/network `--source=1.2.3.400' not found\n"
	       "-A INPUT --source=1.2.3.400\n"
	       "                  ^~~~~~~~~\n",
	       "--opt=value on the command line");
	command_in(&rs, true, e, "-A", "INPUT", "-j", "DROP", NULL);
	is_str(command_in(&rs, true, e, "-D", "INPUT", "-j", "ACCEPT", NULL),
	       "<command line>:1:1: Bad rule (does a matching rule exist in that chain?)\n"
	       "-D INPUT -j ACCEPT\n"
	       "^~\n",
	       "a rule that is not there: the command");
	is_str(command_in(&rs, true, e, "-P", "INPUT", "DENY", NULL),
	       "<command line>:1:10: Bad policy name. Run `dmesg' for more information\n"
	       "-P INPUT DENY\n"
	       "         ^~~~\n",
	       "a bad policy");
	is_str(command_in(&rs, true, e, "-p", "tcp", NULL),
	       "<command line>:1:1: no command specified\n"
	       "-p tcp\n"
	       "^~~~~~\n",
	       "no command: the whole line");
	is_str(command_in(&rs, true, e, "-I", "INPUT", "5", "-j", "ACCEPT", NULL),
	       "<command line>:1:10: Index of insertion too big\n"
	       "-I INPUT 5 -j ACCEPT\n"
	       "         ^\n",
	       "a rule number too big");
	is_str(command_in(&rs, true, e, "-A", "INPUT", "-p", "tcp", "-o", "lo", NULL),
	       "<command line>:1:17: Can't use -o with INPUT\n"
	       "-A INPUT -p tcp -o lo\n"
	       "                ^~\n",
	       "an option the chain does not allow");
	ok(!strcmp(command_in(&rs, true, e, "-A", "INPUT", "-j", "ACCEPT", NULL), ""),
	   "no error: nothing explained");
	qt_ruleset_free(rs);
}

static void unchanged(struct qt_buf *e)
{
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	is_str(restore_in(NULL, "*filter\n-A INPUT -p tcp --dprot 22\nCOMMIT\n",
			  true, false, e),
	       "qtables-restore v1.8.9 (qtables): unknown option \"--dprot\"\n"
	       "Error occurred at line: 2\n"
	       "Try `qtables-restore -h' or 'qtables-restore --help' for more information.\n",
	       "without explain: iptables' text");
	is_str(restore_in(NULL, "*filter\n-A INPUT -j ACCEPT\n", true, false, e),
	       "qtables-restore: COMMIT expected at line 3\n",
	       "without explain: COMMIT expected");
	is_str(command_in(&rs, false, e, "-A", "INPUT", "-m", "foo", NULL),
	       "qtables v1.8.9 (qtables): Couldn't load match `foo':No such file or directory\n\n"
	       "Try `qtables -h' or 'qtables --help' for more information.\n",
	       "without explain: iptables' text of a command");
	is_str(command_in(&rs, true, e, "-A", "INPUT", "-i", "a/b", "-j", "NOPE", NULL),
	       "Warning: weird character in interface `a/b' ('/' and ' ' are not allowed by the kernel).\n"
	       "<command line>:1:20: Chain 'NOPE' does not exist\n"
	       "-A INPUT -i a/b -j NOPE\n"
	       "                   ^~~~\n",
	       "warnings before the error stay");
	qt_ruleset_free(rs);
}

/* The daemon's form: iptables' reason on one line as before, then the
 * explained lines, each naming the program. */
static void daemon_form(struct qt_buf *e)
{
	const char *text = "*filter\n-A INPUT -p tcp --dprot 22\nCOMMIT\n";
	struct qt_ruleset *rs;
	struct qt_buf why;
	qt_buf_init(&why);
	qt_buf_reset(e);
	ok(qt_state_parse_explained(text, strlen(text), true, "/etc/r.v4", &rs,
				    NULL, &why, e) < 0 && !rs,
	   "a plain restore file that does not restore is refused");
	is_str(qt_buf_str(&why),
	       "does not restore: qtablesd v1.8.9 (qtables): unknown option "
	       "\"--dprot\" / Error occurred at line: 2",
	       "the reason as before");
	is_str(qt_buf_str(e),
	       "qtablesd: /etc/r.v4:2:17: unknown option \"--dprot\"\n"
	       "qtablesd: -A INPUT -p tcp --dprot 22\n"
	       "qtablesd:                 ^~~~~~~\n"
	       "qtablesd: did you mean '--dport'?\n",
	       "then the error at its line");
	qt_buf_free(&why);
}

int main(void)
{
	struct qt_buf e;
	qt_buf_init(&e);
	columns(&e);
	restore_lines(&e);
	suggestions(&e);
	command_line(&e);
	unchanged(&e);
	daemon_form(&e);
	qt_buf_free(&e);
	return done_testing();
}
