/* Compiling a ruleset (engine/program.c) with a nat table: its targets
 * have an engine side; any built-in chain of nat makes the program
 * translate (all four NAT hooks bind and rewrite, as iptables-nft
 * registers them all), which needs connection tracking and whole
 * packets from the queue; a ruleset without one does neither. */
#include <stdio.h>
#include <string.h>

#include "program.h"
#include "rt_store.h"
#include "qt_test.h"
#include "tap.h"

static struct qt_prog *compile(const char *const *cmds, struct qt_rt_store *store,
			       struct qt_ruleset **rsp, struct qt_buf *msg)
{
	struct qt_ruleset *rs = qt_ruleset_new(0);
	for (const char *const *c = cmds; *c; c++) {
		struct qt_test_result r;
		qt_test_cmd(&rs, *c, &r);
		is_int(r.status, 0, "iptables %s", *c);
		qt_test_result_free(&r);
	}
	*rsp = rs;
	return qt_prog_compile(rs, NULL, store, msg);
}

static void check(const char *what, const char *const *cmds, bool nat)
{
	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_ruleset *rs;
	struct qt_buf msg;
	qt_buf_init(&msg);
	struct qt_prog *p = compile(cmds, store, &rs, &msg);
	ok(p != NULL, "%s: compiles", what);
	is_str(qt_buf_str(&msg), "", "%s: no message", what);
	if (p) {
		ok(qt_prog_nat(p) == nat, "%s: translates: %d", what, nat);
		if (nat) {
			ok(qt_prog_uses_ct(p), "%s: tracks connections", what);
			is_int(qt_prog_copy_range(p), 0xffff,
			       "%s: whole packets", what);
			ok(!qt_prog_rewrites(p), "%s: rewrites in place", what);
		}
	}
	qt_prog_free(p);
	qt_buf_free(&msg);
	qt_ruleset_free(rs);
	qt_rt_store_free(store);
}

int main(void)
{
	check("NAT targets", (const char *const[]){
		"-t nat -A POSTROUTING -j SNAT --to-source 1.1.1.1",
		"-t nat -A PREROUTING -p tcp -j DNAT --to-destination 2.2.2.2:80",
		"-t nat -A POSTROUTING -j MASQUERADE",
		"-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 8080",
		"-t nat -A INPUT -j NETMAP --to 10.0.0.0/8",
		"-A INPUT -j ACCEPT", NULL }, true);
	check("an empty nat chain", (const char *const[]){
		"-t nat -P OUTPUT ACCEPT", NULL }, true);
	check("a user chain of nat only", (const char *const[]){
		"-t nat -N x", NULL }, false);
	check("no nat table", (const char *const[]){
		"-A INPUT -j ACCEPT", NULL }, false);
	return done_testing();
}
