#include "qt_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "request.h"

/* ---- instances as the engine hands them ---- */

struct run_node {
	struct qt_ext_run run;      /* first: &node->run.in is handed out */
	struct run_node *next;
};

static struct run_node *runs;

static void run_node_free(struct run_node *n)
{
	if (n->run.state && n->run.in.ext->state_free)
		n->run.in.ext->state_free(n->run.state);
	free(n);
}

void qt_test_runs_free(void)
{
	while (runs) {
		struct run_node *n = runs;
		runs = n->next;
		run_node_free(n);
	}
}

struct qt_ext_inst *qt_test_run(const struct qt_ext_inst *in)
{
	struct run_node *n = calloc(1, sizeof(*n));
	if (!n)
		abort();
	n->run.in = *in;
	if (in->ext->state_new &&
	    in->ext->state_new(in, NULL, &n->run.state) < 0) {
		free(n);
		return NULL;
	}
	if (!runs)
		atexit(qt_test_runs_free);
	n->next = runs;
	runs = n;
	return &n->run.in;
}

void qt_test_run_free(struct qt_ext_inst *run)
{
	for (struct run_node **pp = &runs; *pp; pp = &(*pp)->next)
		if (&(*pp)->run.in == run) {
			struct run_node *n = *pp;
			*pp = n->next;
			run_node_free(n);
			return;
		}
}

/* Counters as a daemon without a datapath keeps them: one plain store
 * for the tests' rulesets (keyed by rule); an empty ruleset starts a
 * new one, whose tables count from zero anyway. */
static struct qt_counter_mem *counters;

static const struct qt_counter_io *counter_io(const struct qt_ruleset *rs)
{
	bool empty = true;
	for (int i = 0; i < QT_NTABLES; i++)
		if (rs->tables[i])
			empty = false;
	if (empty || !counters) {
		qt_counter_mem_free(counters);
		counters = qt_counter_mem_new();
	}
	return qt_counter_mem_io(counters);
}

static int run_req(struct qt_ruleset **rs, const char *req, size_t len,
		   struct qt_buf *out, struct qt_buf *err)
{
	bool changed;
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = {
		.io = counter_io(*rs), .pending = &pending,
	};
	int st = qt_request_run(rs, req, len, &cnt, out, err, &changed);
	if (changed)
		qt_policy_pending_apply(&pending, cnt.io);
	return st;
}

static int run(struct qt_ruleset **rs, struct qt_buf *req,
	       struct qt_test_result *res)
{
	qt_buf_init(&res->out);
	qt_buf_init(&res->err);
	res->status = run_req(rs, qt_buf_str(req), req->len, &res->out,
			      &res->err);
	qt_buf_free(req);
	return res->status;
}

int qt_test_cmd(struct qt_ruleset **rs, const char *words,
		struct qt_test_result *res)
{
	struct qt_buf req;
	qt_buf_init(&req);
	qt_buf_printf(&req, "#qtables 1 command %s\n%s\n",
		      (*rs)->family == AF_INET6 ? "ip6tables ipv6" : "iptables",
		      words);
	return run(rs, &req, res);
}

int qt_test_restore(struct qt_ruleset **rs, const char *text,
		    const char *flags, struct qt_test_result *res)
{
	struct qt_buf req;
	qt_buf_init(&req);
	qt_buf_printf(&req, "#qtables 1 restore %s %s\n%s",
		      (*rs)->family == AF_INET6 ? "ip6tables-restore ipv6"
						: "iptables-restore", flags, text);
	return run(rs, &req, res);
}

const char *qt_test_save(struct qt_ruleset *rs, struct qt_buf *b)
{
	struct qt_buf req, out, err;
	qt_buf_init(&req);
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_buf_reset(b);
	qt_buf_puts(&req, rs->family == AF_INET6
		    ? "#qtables 1 save ip6tables-save ipv6\n"
		    : "#qtables 1 save iptables-save\n");
	run_req(&rs, qt_buf_str(&req), req.len, &out, &err);
	/* drop the "# Generated/Completed" lines: they carry the time */
	const char *p = qt_buf_str(&out);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		if (*p != '#')
			qt_buf_put(b, p, n);
		p += n;
	}
	qt_buf_free(&req);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return qt_buf_str(b);
}

void qt_test_result_free(struct qt_test_result *res)
{
	qt_buf_free(&res->out);
	qt_buf_free(&res->err);
}
