/* How much of each packet the queue copies for a ruleset
 * (qt_prog_copy_range): headers only, unless a rule needs payload
 * (string, REJECT's quote, TCPMSS), or the ruleset tracks connections
 * (whole packets up to 1500 bytes, so that conntrack can verify the
 * checksums the kernel has not). With a nat table whole packets
 * (a rewrite hands the packet back), and, when the kernel rewrites
 * translated connections (qt_prog_copy_range_offloaded), what the rules
 * need as without it. */
#include <stdbool.h>
#include <stdio.h>

#include "program.h"
#include "qt_test.h"
#include "tap.h"

/* The copy range of a ruleset holding these rules (one per line; -t
 * as iptables): qt_prog_copy_range, or with offloaded
 * qt_prog_copy_range_offloaded. */
static unsigned range_in(const char *const *cmds, bool offloaded)
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
	unsigned range = !p ? 0 : offloaded ? qt_prog_copy_range_offloaded(p)
					    : qt_prog_copy_range(p);
	qt_prog_free(p);
	qt_rt_store_free(store);
	qt_buf_free(&err);
	qt_ruleset_free(rs);
	return range;
}

static unsigned range_of(const char *const *cmds)
{
	return range_in(cmds, false);
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

	const char *const dnat[] = {
		"-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1",
		NULL };
	is_int(range_in(dnat, false), 0xffff, "a nat table: whole packets");
	is_int(range_in(dnat, true), 1500,
	       "a nat table, the kernel translating: as tracking alone");
	const char *const masq_string[] = {
		"-t nat -A POSTROUTING -o eth0 -j MASQUERADE",
		"-A FORWARD -m string --algo bm --string abc --to 4000", NULL };
	is_int(range_in(masq_string, true), s,
	       "a nat table, the kernel translating: what a rule reads stays");
	const char *const filter[] = {
		"-A INPUT -m state --state NEW", "-A INPUT -j REJECT", NULL };
	is_int(range_in(filter, true), range_in(filter, false),
	       "no nat table: the same either way");
	return done_testing();
}
