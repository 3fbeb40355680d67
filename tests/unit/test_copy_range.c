/* How much of each packet the queue copies for a ruleset
 * (qt_prog_copy_range): headers only, unless a rule needs payload
 * (string, REJECT's quote, TCPMSS), or the ruleset tracks connections
 * (whole packets up to 1500 bytes, so that conntrack can verify the
 * checksums the kernel has not). */
#include <stdio.h>

#include "program.h"
#include "qt_test.h"
#include "tap.h"

/* The copy range of a filter table holding these rules (one per line). */
static unsigned range_of(const char *const *cmds)
{
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	for (; *cmds; cmds++) {
		qt_test_cmd(&rs, *cmds, &r);
		if (r.status)
			printf("# %s: %s", *cmds, qt_buf_str(&r.err));
		qt_test_result_free(&r);
	}
	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_buf err;
	qt_buf_init(&err);
	struct qt_prog *p = qt_prog_compile(rs, NULL, store, &err);
	unsigned range = p ? qt_prog_copy_range(p) : 0;
	qt_prog_free(p);
	qt_rt_store_free(store);
	qt_buf_free(&err);
	qt_ruleset_free(rs);
	return range;
}

int main(void)
{
	is_int(range_of((const char *const[]){ "-A INPUT -p tcp --dport 22 -j ACCEPT", NULL }),
	       128, "headers only");
	is_int(range_of((const char *const[]){ "-A INPUT -m state --state INVALID -j DROP", NULL }),
	       1500, "state: whole packets up to 1500 bytes");
	is_int(range_of((const char *const[]){ "-A INPUT -m conntrack --ctstate NEW", NULL }),
	       1500, "conntrack: the same");
	is_int(range_of((const char *const[]){ "-A INPUT -j CONNMARK --set-mark 1", NULL }),
	       1500, "CONNMARK tracks too");
	unsigned s = range_of((const char *const[]){
		"-A INPUT -m string --algo bm --string abc --to 4000", NULL });
	ok(s >= 4000, "string --to 4000: at least 4000 (got %u)", s);
	unsigned both = range_of((const char *const[]){
		"-A INPUT -m string --algo bm --string abc --to 4000",
		"-A INPUT -m state --state NEW", NULL });
	is_int(both, s, "tracking never shrinks what a rule needs");
	return done_testing();
}
