/* cmd/graph: the dot text of a small table (nodes with policies, jump
 * and goto edges with their labels, escaping, cutting), and
 * cmd/completion_words: the lists the bash completion reads. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "completion_words.h"
#include "ctx.h"
#include "graph.h"
#include "restore.h"
#include "tap.h"

static const char rules[] =
	"*filter\n"
	":INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
	":a - [0:0]\n:b-q - [0:0]\n"
	"-A INPUT -p tcp -m tcp --dport 22 -j a\n"
	"-A INPUT -j ACCEPT\n"
	"-A INPUT -s 10.0.0.0/8 -m comment --comment \"x\\\"y 0123456789012345678901234567890123\" -g b-q\n"
	"-A a -j b-q\n"
	"COMMIT\n";

static const char want[] =
	"digraph \"filter\" {\n"
	"\trankdir=LR;\n"
	"\tlabel=\"filter\";\n"
	"\tnode [shape=box, fontname=\"monospace\"];\n"
	"\tedge [fontname=\"monospace\", fontsize=10];\n"
	"\t\"INPUT\" [label=\"INPUT\\npolicy DROP\\n3 rules\", style=bold];\n"
	"\t\"FORWARD\" [label=\"FORWARD\\npolicy ACCEPT\\n0 rules\", style=bold];\n"
	"\t\"OUTPUT\" [label=\"OUTPUT\\npolicy ACCEPT\\n0 rules\", style=bold];\n"
	"\t\"a\" [label=\"a\\n1 rule\", style=rounded];\n"
	"\t\"b-q\" [label=\"b-q\\n0 rules\", style=rounded];\n"
	"\t\"INPUT\" -> \"a\" [label=\"#1 -p tcp -m tcp --dport 22\"];\n"
	"\t\"INPUT\" -> \"b-q\" [label=\"#3 -s 10.0.0.0/8 -m comment --comment \\\"x\\\\\\\"y 0123...\", style=dashed];\n"
	"\t\"a\" -> \"b-q\" [label=\"#1\"];\n"
	"}\n";

static bool has_line(const struct qt_buf *b, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = qt_buf_str(b); p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

int main(void)
{
	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	struct qt_ctx ctx;
	struct qt_restore_opts o = { 0 };
	bool changed;
	qt_ctx_init(&ctx, "qtables-restore", &out, &err);
	is_int(qt_restore_run(&rs, rules, strlen(rules), &o, NULL, &ctx, &changed), 0,
	       "the ruleset loads");
	qt_buf_reset(&out);
	qt_graph_dot(&out, qt_ruleset_table_view(rs, QT_TABLE_FILTER));
	is_str(qt_buf_str(&out), want, "dot text");

	qt_buf_reset(&out);
	qt_graph_dot(&out, qt_ruleset_table_view(rs, QT_TABLE_RAW));
	ok(has_line(&out, "\t\"PREROUTING\" [label=\"PREROUTING\\npolicy ACCEPT\\n0 rules\", style=bold];") &&
	   !strstr(qt_buf_str(&out), "->"), "a table not created yet: built-ins, no edges");

	qt_buf_reset(&out);
	is_int(qt_completion_words("tables", &out), 0, "tables");
	ok(has_line(&out, "filter") && has_line(&out, "nat") && has_line(&out, "raw"),
	   "table names");
	qt_buf_reset(&out);
	is_int(qt_completion_words("match:tcp", &out), 0, "match:tcp");
	ok(has_line(&out, "--dport") && has_line(&out, "--tcp-flags") &&
	   has_line(&out, "--syn"), "tcp's options");
	qt_buf_reset(&out);
	is_int(qt_completion_words("targets", &out), 0, "targets");
	ok(has_line(&out, "LOG") && has_line(&out, "REJECT") && !has_line(&out, "tcp"),
	   "targets, no matches among them");
	qt_buf_reset(&out);
	is_int(qt_completion_words("options:qtables", &out), 0, "options:qtables");
	ok(has_line(&out, "--append") && has_line(&out, "-A") &&
	   has_line(&out, "--line-numbers") && !has_line(&out, "-0"),
	   "command options, letters only for the short ones");
	qt_buf_reset(&out);
	is_int(qt_completion_words("match:nosuch", &out), -1, "unknown extension");
	is_int(qt_completion_words("whatever", &out), -1, "unknown list");

	qt_ruleset_free(rs);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return done_testing();
}
