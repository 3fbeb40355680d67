/* Compiling a ruleset (engine/program.c): a target with no engine side
 * (SNAT, DNAT, MASQUERADE, REDIRECT) compiles in the nat table, which
 * no hook walks yet, and refuses the whole ruleset with a message in a
 * table that is walked, where its packets would otherwise pass as if
 * it had acted. No command puts such a rule there (the extensions'
 * kcheck refuses it on -A, in a restore and in the state file alike),
 * so the test moves a rule parsed in the nat table there itself. */
#include <stdio.h>
#include <string.h>

#include "program.h"
#include "rt_store.h"
#include "qt_test.h"
#include "tap.h"

/* A ruleset made by `iptables -t nat -N y` and `-t nat -A y -p tcp RULE`
 * (a chain no hook reaches takes every NAT target; -p tcp allows ports). */
static struct qt_ruleset *nat_rule(const char *rule)
{
	char cmd[256];
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	qt_test_cmd(&rs, "-t nat -N y", &r);
	qt_test_result_free(&r);
	snprintf(cmd, sizeof(cmd), "-t nat -A y -p tcp %s", rule);
	qt_test_cmd(&rs, cmd, &r);
	is_int(r.status, 0, "iptables %s", cmd);
	qt_test_result_free(&r);
	return rs;
}

/* Compile rs: the program's existence, and its message in *msg. */
static bool compiles(struct qt_ruleset *rs, struct qt_buf *msg)
{
	struct qt_rt_store *store = qt_rt_store_new();
	struct qt_prog *p = qt_prog_compile(rs, NULL, store, msg);
	qt_prog_free(p);
	qt_rt_store_free(store);
	return p != NULL;
}

static void nat_table_compiles(void)
{
	static const char *const cmds[] = {
		"-t nat -A POSTROUTING -j SNAT --to-source 1.1.1.1",
		"-t nat -A PREROUTING -p tcp -j DNAT --to-destination 2.2.2.2:80",
		"-t nat -A POSTROUTING -j MASQUERADE",
		"-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 8080",
		"-A INPUT -j ACCEPT",
		NULL,
	};
	struct qt_ruleset *rs = qt_ruleset_new(0);
	for (const char *const *c = cmds; *c; c++) {
		struct qt_test_result r;
		qt_test_cmd(&rs, *c, &r);
		is_int(r.status, 0, "iptables %s", *c);
		qt_test_result_free(&r);
	}
	struct qt_buf msg;
	qt_buf_init(&msg);
	ok(compiles(rs, &msg), "the nat table's targets compile (nat is not walked)");
	is_str(qt_buf_str(&msg), "", "no message");
	qt_buf_free(&msg);
	qt_ruleset_free(rs);
}

/* The rule `-j TARGET OPTIONS` moved from nat's chain y to chain of
 * table (a user chain when not built in). */
static void walked_table_refuses(enum qt_table_id table, const char *chain,
				 const char *target, const char *options)
{
	char rule[128];
	snprintf(rule, sizeof(rule), "-j %s%s", target, options);
	struct qt_ruleset *rs = nat_rule(rule);
	struct qt_chain *y = qt_table_chain(rs->tables[QT_TABLE_NAT], "y");
	struct qt_table *t = qt_ruleset_table(rs, table, true);
	struct qt_chain *c = qt_table_chain(t, chain);
	if (!c)
		c = qt_table_add_chain(t, chain);
	qt_chain_insert(c, 0, qt_rule_clone(y->rules[0]));
	qt_chain_flush(y);

	const char *tname = qt_table_def(table)->name;
	struct qt_buf msg, want;
	qt_buf_init(&msg);
	qt_buf_init(&want);
	qt_buf_printf(&want, "qtablesd: -j %s in table %s: the engine cannot "
		      "run this target\n", target, tname);
	ok(!compiles(rs, &msg), "%s in %s %s: not compiled", target, tname,
	   chain);
	is_str(qt_buf_str(&msg), qt_buf_str(&want), "%s in %s: the message",
	       target, tname);
	qt_buf_free(&msg);
	qt_buf_free(&want);
	qt_ruleset_free(rs);
}

int main(void)
{
	nat_table_compiles();
	walked_table_refuses(QT_TABLE_FILTER, "INPUT", "SNAT",
			     " --to-source 1.1.1.1");
	walked_table_refuses(QT_TABLE_FILTER, "FORWARD", "DNAT",
			     " --to-destination 1.1.1.1");
	walked_table_refuses(QT_TABLE_MANGLE, "POSTROUTING", "MASQUERADE", "");
	walked_table_refuses(QT_TABLE_RAW, "OUTPUT", "REDIRECT",
			     " --to-ports 1");
	/* a user chain is compiled whether or not anything jumps to it */
	walked_table_refuses(QT_TABLE_SECURITY, "x", "SNAT",
			     " --to-source 1.1.1.1");
	return done_testing();
}
