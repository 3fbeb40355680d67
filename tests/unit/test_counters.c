/* Counters through the interface the parser is given (parser/counters.h),
 * with a plain store as a daemon without a datapath keeps them: set by
 * -c and restore --counters, zeroed by -Z and -P, read by -S -v; kept by
 * a rule that stays the same to the user (a renamed jump); and the
 * policy counters of a request that fails are not set, as the chains
 * they belong to are thrown away with it. */
#include <string.h>

#include "qt_test.h"
#include "tap.h"

static struct qt_ruleset *rs;

static const char *run(const char *cmd)
{
	static struct qt_buf out;
	struct qt_test_result r;
	qt_buf_free(&out);
	qt_buf_init(&out);
	qt_test_cmd(&rs, cmd, &r);
	qt_buf_puts(&out, qt_buf_str(&r.out));
	if (r.status)
		qt_buf_printf(&out, "status %d", r.status);
	qt_test_result_free(&r);
	return qt_buf_str(&out);
}

static int restore(const char *text, const char *flags)
{
	struct qt_test_result r;
	int st = qt_test_restore(&rs, text, flags, &r);
	qt_test_result_free(&r);
	return st;
}

int main(void)
{
	rs = qt_ruleset_new(0);
	is_int(restore("*filter\n:INPUT DROP [5:50]\n:FORWARD ACCEPT [0:0]\n"
		       ":OUTPUT ACCEPT [0:0]\n:a - [0:0]\n"
		       "[3:30] -A INPUT -j a\n[1:10] -A a -j ACCEPT\nCOMMIT\n",
		       "counters"), 0, "restore --counters");
	is_str(run("-S -v"),
	       "-P INPUT DROP -c 5 50\n-P FORWARD ACCEPT -c 0 0\n"
	       "-P OUTPUT ACCEPT -c 0 0\n-N a\n-A INPUT -c 3 30 -j a\n"
	       "-A a -c 1 10 -j ACCEPT\n",
	       "restored counters listed");

	/* a restore whose second block fails sets the first block's */
	is_int(restore("*filter\n:INPUT DROP [7:70]\n:FORWARD ACCEPT [0:0]\n"
		       ":OUTPUT ACCEPT [0:0]\n:a - [0:0]\nCOMMIT\n"
		       "*filter\n:INPUT DROP [9:90]\n-A BOGUS -j ACCEPT\nCOMMIT\n",
		       "counters"), 1, "second block refused");
	is_str(run("-S INPUT -v"), "-P INPUT DROP -c 7 70\n",
	       "the committed block's policy counters, not the refused one's");
	is_int(restore("*nat\n:PREROUTING ACCEPT [9:90]\n-A BOGUS -j ACCEPT\n"
		       "COMMIT\n", "counters"), 1, "a refused block of its own");
	is_str(run("-t nat -S PREROUTING -v"), "-P PREROUTING ACCEPT -c 0 0\n",
	       "sets no policy counters");

	is_str(run("-P INPUT FOO"), "status 1", "a bad policy fails");
	is_str(run("-S INPUT -v"), "-P INPUT DROP -c 7 70\n",
	       "and sets no counters");
	is_str(run("-A INPUT -c 4 40 -j a"), "", "-A -c");
	is_str(run("-E a b"), "", "rename the chain jumped to");
	is_str(run("-S INPUT -v"),
	       "-P INPUT DROP -c 7 70\n-A INPUT -c 4 40 -j b\n",
	       "the renamed jump keeps its counters");
	is_str(run("-Z INPUT"), "", "-Z INPUT");
	is_str(run("-S INPUT -v"), "-P INPUT DROP -c 0 0\n-A INPUT -c 0 0 -j b\n",
	       "zeroed");
	is_str(run("-A INPUT -c 2 20 -j b"), "", "-A -c again");
	is_str(run("-P INPUT DROP"), "", "-P");
	is_str(run("-S INPUT -v"), "-P INPUT DROP -c 0 0\n"
	       "-A INPUT -c 0 0 -j b\n-A INPUT -c 2 20 -j b\n",
	       "-P zeroes the policy counters only");
	qt_ruleset_free(rs);
	return done_testing();
}
