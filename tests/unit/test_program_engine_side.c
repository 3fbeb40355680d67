/* A match or target without an engine side cannot be compiled into a
 * table the engine walks (the nat table too, since NAT is done): the
 * commit fails with a message naming it, instead of the rule silently
 * matching nothing or accepting. */
#include <stdio.h>
#include <string.h>

#include "ext.h"
#include "program.h"
#include "rt_store.h"
#include "qt_test.h"
#include "tap.h"

static const struct qt_ext_opt no_opts[] = { { .name = NULL } };

static void put_nothing(const struct qt_ext_inst *in, struct qt_buf *b)
{
	(void)in;
	(void)b;
}

static void print_nothing(const struct qt_ext_inst *in, struct qt_buf *b,
			  bool numeric)
{
	(void)in;
	(void)b;
	(void)numeric;
}

static const struct qt_ext bare_match = {
	.name = "qtbare", .kind = QT_EXT_MATCH, .opts = no_opts,
	.save = put_nothing, .print = print_nothing,
};
QT_EXT_REGISTER(bare_match)

static const struct qt_ext bare_target = {
	.name = "QTBARE", .kind = QT_EXT_TARGET, .opts = no_opts,
	.save = put_nothing, .print = print_nothing,
};
QT_EXT_REGISTER(bare_target)

/* Compile a ruleset holding these rules; the compile error (or "") in
 * why. */
static bool compiles(const char *const *cmds, char *why, size_t n)
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
	snprintf(why, n, "%s", qt_buf_str(&err));
	bool ok = p != NULL;
	qt_prog_free(p);
	qt_rt_store_free(store);
	qt_buf_free(&err);
	qt_ruleset_free(rs);
	return ok;
}

int main(void)
{
	char why[256];
	ok(!compiles((const char *const[]){ "-A INPUT -m qtbare -j ACCEPT",
					    NULL }, why, sizeof(why)),
	   "a match without an engine side in filter: refused");
	is_str(why, "qtablesd: -m qtbare in table filter: the engine cannot "
	       "judge packets with this match\n", "named");
	ok(!compiles((const char *const[]){ "-t mangle -A PREROUTING -j QTBARE",
					    NULL }, why, sizeof(why)),
	   "a target without an engine side in mangle: refused");
	is_str(why, "qtablesd: -j QTBARE in table mangle: the engine cannot "
	       "run this target\n", "named");
	ok(compiles((const char *const[]){
		"-t nat -A POSTROUTING -o eth0 -j MASQUERADE",
		"-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2",
		"-t nat -A POSTROUTING -j SNAT --to-source 10.0.0.1",
		"-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 8080",
		"-t nat -A OUTPUT -j NETMAP --to 10.1.0.0/16", NULL },
		why, sizeof(why)), "the NAT targets have an engine side");
	ok(!compiles((const char *const[]){ "-t nat -A OUTPUT -j QTBARE",
					    NULL }, why, sizeof(why)),
	   "a target without an engine side in nat: refused");
	is_str(why, "qtablesd: -j QTBARE in table nat: the engine cannot "
	       "run this target\n", "named");
	ok(compiles((const char *const[]){ "-A INPUT -m comment --comment x -j ACCEPT",
					   NULL }, why, sizeof(why)),
	   "every match of the tree has an engine side (comment)");
	return done_testing();
}
