/* iptables-restore semantics on top of the grammar's line events. */
#include "restore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command.h"
#include "print.h"
#include "words.h"

#define MAX_ARGS 255        /* iptables-restore's MAX_ARGC */
#define MAX_PARAM_LEN 1023  /* its parameter buffer, 1024 with the NUL */

struct restore_state {
	struct qt_ruleset **committed;
	struct qt_ruleset *work;     /* the open table block's result */
	const struct qt_restore_opts *o;
	struct qt_ctx *ctx;
	enum qt_table_id table;
	bool in_table;
	bool skip;                   /* -T names another table */
	bool *changed;
	int last_line;
	struct qt_loc table_loc;     /* the open block's "*table" */
	/* counters: the request's, and the open block's view of them,
	 * whose policy sets join the request's at its COMMIT */
	const struct qt_counter_view *cnt;
	struct qt_policy_pending block_pending;
	struct qt_counter_view block;
	/* What the open block prints: iptables-nft prints it when the
	 * block's commands are prepared for the kernel, at COMMIT (or up
	 * to a command the kernel's side refuses), never for a block that
	 * fails while it is read or is only tested. */
	struct qt_buf block_out;
	struct qt_buf *out;          /* the request's standard output */
};

/* The line being read; errors not placed more precisely point at the
 * token at loc (col 0: the whole line). */
static void set_line(struct restore_state *st, struct qt_loc loc)
{
	st->ctx->restore_line = loc.line;
	st->last_line = loc.line;
	st->ctx->at = (struct qt_at){ 0 };
	st->ctx->at_loc = loc;
}

/* Errors from here on are about the token at loc. */
static void blame(struct restore_state *st, struct qt_loc loc)
{
	st->ctx->at = (struct qt_at){ 0 };
	st->ctx->at_loc = loc;
}

/* A line that makes no sense outside a table block. */
static int line_failed(struct restore_state *st, struct qt_loc loc)
{
	char msg[48];
	blame(st, loc);
	snprintf(msg, sizeof(msg), "line %d failed", loc.line);
	return qt_raw_error(st->ctx, QT_OTHER_PROBLEM, msg, "%s: %s\n",
			    st->ctx->prog, msg);
}

/* restore -v without --noflush: iptables-nft-restore empties the table
 * chain by chain and deletes its user chains, saying so for each chain
 * as it was before the block (the built-in ones whether the table
 * exists or not), in listing order. */
static void say_table_flush(struct restore_state *st, enum qt_table_id id)
{
	const struct qt_table *t = qt_ruleset_table_view(*st->committed, id);
	for (unsigned i = 0; i < t->nchains; i++)
		qt_buf_printf(&st->block_out, "Flushing chain `%s'\n",
			      t->chains[i]->name);
	for (unsigned i = 0; i < t->nchains; i++)
		if (!t->chains[i]->builtin)
			qt_buf_printf(&st->block_out, "Deleting chain `%s'\n",
				      t->chains[i]->name);
}

/* The open block's output goes to the request's output. */
static void block_output(struct restore_state *st)
{
	if (!st->o->test)
		qt_buf_put(st->out, qt_buf_str(&st->block_out),
			   st->block_out.len);
	qt_buf_reset(&st->block_out);
}

static const char *const acct_modes[] = {
	[QT_ACCT_NO_QUOTA] = "-", [QT_ACCT_QUOTA_BYTES] = "byte",
	[QT_ACCT_QUOTA_PKTS] = "packet",
};

void qt_restore_put_acct(struct qt_buf *b, const struct qt_acct_obj *o)
{
	qt_buf_puts(b, "#nfacct ");
	for (const char *p = o->name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7f || c == '%')
			qt_buf_printf(b, "%%%02X", c);
		else
			qt_buf_putc(b, (char)c);
	}
	qt_buf_printf(b, " %s %llu\n", acct_modes[o->mode < 3 ? o->mode : 0],
		      (unsigned long long)o->quota);
}

/* A state file's object line (qt_restore_put_acct); others are left. */
static void read_acct(struct restore_state *st, const char *text, size_t len)
{
	char line[256], name[QT_ACCT_NAME_MAX], mode[8];
	unsigned long long quota;
	if (len < 8 || len >= sizeof(line) || memcmp(text, "#nfacct ", 8))
		return;
	memcpy(line, text, len);
	line[len] = '\0';
	char enc[3 * QT_ACCT_NAME_MAX + 1];
	if (sscanf(line + 8, "%96s %7s %llu", enc, mode, &quota) != 3)
		return;
	size_t n = 0;
	for (const char *p = enc; *p && n + 1 < sizeof(name); p++) {
		unsigned v;
		if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1 && v) {
			name[n++] = (char)v;
			p += 2;
		} else {
			name[n++] = *p;
		}
	}
	name[n] = '\0';
	struct qt_acct_obj o = { .quota = quota };
	memcpy(o.name, name, n + 1);
	for (unsigned m = 0; m < 3; m++)
		if (!strcmp(mode, acct_modes[m]))
			o.mode = (uint8_t)m;
	if (!qt_ruleset_acct_find(*st->committed, o.name))
		qt_ruleset_acct_add(*st->committed, &o);
	if (st->work && !qt_ruleset_acct_find(st->work, o.name))
		qt_ruleset_acct_add(st->work, &o);
}

static void on_comment(void *u, const char *text, size_t len)
{
	struct restore_state *st = u;
	if (st->o->state_escapes)
		read_acct(st, text, len);
	if (st->o->verbose)
		qt_buf_put(st->out, text, len);
}

static int on_table(void *u, const char *name, struct qt_loc loc)
{
	struct restore_state *st = u;
	set_line(st, loc);
	if (st->in_table)
		return qt_tryhelp_error(st->ctx, "Bad argument `*%s'\n",
					name ? name : "");
	if (!name)
		return qt_param_error(st->ctx, "%s: line %d table name invalid",
				      st->ctx->prog, loc.line);
	int id = qt_table_lookup(name);
	if (id < 0)
		return qt_param_error(st->ctx,
			"%s: line %d table name '%s' invalid", st->ctx->prog,
			loc.line, name);
	st->in_table = true;
	st->table_loc = loc;
	st->table = (enum qt_table_id)id;
	st->skip = st->o->only_table && strcmp(st->o->only_table, name);
	if (st->skip)
		return 0;
	qt_buf_reset(&st->block_out);
	if (st->o->verbose && !st->o->noflush)
		say_table_flush(st, (enum qt_table_id)id);
	st->work = qt_ruleset_clone(*st->committed);
	if (st->cnt && st->cnt->pending)
		st->block_pending = *st->cnt->pending;
	else
		memset(&st->block_pending, 0, sizeof(st->block_pending));
	if (!st->o->noflush && st->o->verbose) {
		/* iptables-nft-restore -v empties the table chain by chain
		 * instead of deleting it: the built-in chains are made
		 * (all of them) and keep their policies, their counters
		 * start from zero, the user chains go */
		qt_cnt_policy_zero_table(&st->block, (enum qt_table_id)id);
		struct qt_table *t = qt_ruleset_table(st->work,
						      (enum qt_table_id)id, true);
		for (unsigned i = t->nchains; i-- > 0;) {
			if (t->chains[i]->builtin) {
				qt_chain_flush(t->chains[i]);
				t->chains[i]->present = true;
			} else {
				qt_table_del_chain(t, i);
			}
		}
	} else if (!st->o->noflush) {
		/* the table's chains go: new ones count from zero */
		qt_cnt_policy_zero_table(&st->block, (enum qt_table_id)id);
		/* iptables-nft-restore deletes the table: what the block
		 * declares or adds to makes it again */
		struct qt_ruleset *tmp = qt_ruleset_new(st->work->family);
		tmp->tables[id] = st->work->tables[id];
		st->work->tables[id] = NULL;
		qt_ruleset_free(tmp);
	}
	return 0;
}

static bool parse_counters(const char *s, struct qt_counters *c)
{
	unsigned long long p, b;
	char tail;
	if (sscanf(s, "[%llu:%llu]%c", &p, &b, &tail) != 2)
		return false;
	c->pkts = p;
	c->bytes = b;
	return true;
}

static int on_chain(void *u, struct qt_words *w, struct qt_loc loc)
{
	struct restore_state *st = u;
	struct qt_ctx *ctx = st->ctx;
	set_line(st, loc);
	if (!st->in_table)
		return line_failed(st, loc);
	if (w->n < 1)
		return qt_param_error(ctx, "%s: line %d chain name invalid",
				      ctx->prog, loc.line);
	const char *name = w->v[0].text;
	blame(st, w->v[0].loc);
	if (strlen(name) >= QT_CHAIN_MAXNAMELEN)
		return qt_param_error(ctx,
			"chain name `%s' too long (must be under %u chars)",
			name, QT_CHAIN_MAXNAMELEN);
	if (w->n < 2)
		return qt_param_error(ctx, "%s: line %d policy invalid",
				      ctx->prog, loc.line);
	blame(st, w->v[1].loc);
	if (st->skip)
		return 0;
	const char *policy = w->v[1].text;
	bool had = st->work->tables[st->table] != NULL;
	struct qt_table *t = qt_ruleset_table(st->work, st->table, true);
	if (!had)
		qt_cnt_policy_zero_table(&st->block, st->table);
	struct qt_chain *c = qt_table_chain(t, name);
	if (c && c->builtin) {
		struct qt_counters cnt = { 0, 0 };
		if (w->n >= 3)
			blame(st, w->v[2].loc);
		if (st->o->counters &&
		    (w->n < 3 || !parse_counters(w->v[2].text, &cnt)))
			return qt_param_error(ctx,
				"invalid policy counters for chain '%s'\n", name);
		if (!strcmp(policy, "ACCEPT"))
			c->policy = QT_V_ACCEPT;
		else if (!strcmp(policy, "DROP"))
			c->policy = QT_V_DROP;
		else if (strcmp(policy, "-") && !st->o->test) {
			blame(st, w->v[1].loc);
			return qt_op_error(ctx, "Bad policy name");
		}
		c->present = true;
		c->counts_policy = true;
		/* [0:0] without -c: the line sets them */
		qt_cnt_policy_set(&st->block, st->table, c->hook, cnt);
		return 0;
	}
	if (c)
		qt_chain_flush(c);   /* declaring a chain again empties it */
	else
		qt_table_add_chain(t, name);
	return 0;
}

static int on_commit(void *u, struct qt_loc loc)
{
	struct restore_state *st = u;
	set_line(st, loc);
	if (!st->in_table)
		return line_failed(st, loc);
	st->in_table = false;
	if (st->skip || !st->work)
		return 0;
	block_output(st);
	if (st->o->test) {
		qt_ruleset_free(st->work);
	} else {
		qt_ruleset_free(*st->committed);
		*st->committed = st->work;
		*st->changed = true;
		if (st->cnt && st->cnt->pending)
			*st->cnt->pending = st->block_pending;
	}
	st->work = NULL;
	return 0;
}

static int on_rule(void *u, struct qt_words *w, const char *counters,
		   struct qt_loc loc)
{
	struct restore_state *st = u;
	struct qt_ctx *ctx = st->ctx;
	set_line(st, loc);
	if (!st->in_table)
		return line_failed(st, (struct qt_loc){ loc.line, 0 });
	if (w->n > MAX_ARGS) {
		blame(st, w->v[MAX_ARGS].loc);
		return qt_param_error(ctx, "Parser cannot handle more arguments\n");
	}
	for (unsigned i = 0; i < w->n; i++)
		if (strlen(w->v[i].text) > MAX_PARAM_LEN) {
			blame(st, w->v[i].loc);
			return qt_param_error(ctx, "Parameter too long!");
		}
	if (st->skip)
		return 0;

	struct qt_words args;
	qt_words_init(&args);
	/* iptables-nft-restore hands its -v to each command unless it
	 * keeps the table (--noflush) */
	for (unsigned i = 0; !st->o->noflush && i < st->o->verbose; i++)
		qt_words_push(&args, "-v", 2, loc);
	if (counters) {
		/* "[PKTS:BYTES]": always checked for its shape; with -c the
		 * values go in front of the command as "-c PKTS BYTES", so
		 * the command parser judges them */
		size_t n = strlen(counters);
		const char *colon = strchr(counters, ':');
		if (n < 2 || counters[n - 1] != ']' || !colon ||
		    colon == counters + 1 || colon == counters + n - 2) {
			qt_words_free(&args);
			return qt_param_error(ctx, "Bad line %d: need ]", loc.line);
		}
		if (st->o->counters) {
			qt_words_push(&args, "-c", 2, loc);
			qt_words_push(&args, counters + 1,
				      (size_t)(colon - counters - 1), loc);
			qt_words_push(&args, colon + 1,
				      (size_t)(counters + n - 1 - colon - 1), loc);
		}
	}
	for (unsigned i = 0; i < w->n; i++)
		qt_words_push(&args, w->v[i].text, strlen(w->v[i].text), w->v[i].loc);
	struct qt_cmd_env env = {
		.restore_table = qt_table_def(st->table)->name,
		.no_kernel = st->o->test,
		.cnt = &st->block,
	};
	ctx->out = &st->block_out;
	int rc = qt_command_run(st->work, &args, &env, ctx);
	ctx->out = st->out;
	qt_words_free(&args);
	/* A command the kernel's side refuses fails when the block is
	 * prepared: what came before it (and its own words, for -A) was
	 * printed. One refused while it is read fails before anything. */
	if (rc && (ctx->status != QT_PARAMETER_PROBLEM || ctx->late_error))
		block_output(st);
	return rc ? -1 : 0;
}

static void on_syntax_error(void *u, struct qt_loc loc, const char *msg)
{
	struct restore_state *st = u;
	struct qt_ctx *ctx = st->ctx;
	ctx->restore_line = 0;
	blame(st, loc);
	qt_raw_error(ctx, QT_PARAMETER_PROBLEM, msg, "%s: <stdin>:%d:%d: %s\n",
		     ctx->prog, loc.line, loc.col, msg);
	ctx->restore_line = loc.line;
}

int qt_restore_run(struct qt_ruleset **rs, const char *text, size_t len,
		   const struct qt_restore_opts *o,
		   const struct qt_counter_view *cnt, struct qt_ctx *ctx,
		   bool *changed)
{
	struct restore_state st = {
		.committed = rs, .o = o, .ctx = ctx, .changed = changed,
		.cnt = cnt, .out = ctx->out,
	};
	qt_buf_init(&st.block_out);
	st.block.io = cnt ? cnt->io : NULL;
	st.block.pending = &st.block_pending;
	struct qt_restore_sink sink = {
		.user = &st,
		.table = on_table,
		.chain = on_chain,
		.commit = on_commit,
		.rule = on_rule,
		.comment = on_comment,
		.syntax_error = on_syntax_error,
		.state_escapes = o->state_escapes,
	};
	*changed = false;
	int rc = qt_parse_restore(text, len, &sink);
	if (rc == 0 && st.in_table) {
		/* the file ended inside a table block */
		int lines = 1;
		for (size_t i = 0; i < len; i++)
			if (text[i] == '\n')
				lines++;
		if (len && text[len - 1] != '\n')
			lines++;
		/* explained at the block that is not closed */
		ctx->restore_line = 0;
		blame(&st, (struct qt_loc){ st.table_loc.line, 0 });
		char msg[64];
		snprintf(msg, sizeof(msg), "COMMIT expected at line %d", lines);
		qt_raw_error(ctx, QT_OTHER_PROBLEM, msg, "%s: %s\n", ctx->prog,
			     msg);
	}
	if (rc && !ctx->status)
		ctx->status = QT_PARAMETER_PROBLEM;
	qt_ruleset_free(st.work);
	qt_buf_free(&st.block_out);
	ctx->restore_line = 0;
	return ctx->status;
}

static void now_string(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, "%a %b %e %H:%M:%S %Y", &tm);
}

int qt_save_run(struct qt_ruleset *rs, const char *table,
		const struct qt_counter_view *cnt, bool counters,
		bool header, struct qt_ctx *ctx)
{
	int only = -1;
	if (table) {
		only = qt_table_lookup(table);
		if (only < 0)
			return qt_raw_error(ctx, QT_OTHER_PROBLEM,
					    "Table does not exist",
					    "Table `%s' does not exist\n", table);
	}
	char when[64];
	now_string(when, sizeof(when));
	for (int i = 0; i < QT_NTABLES; i++) {
		/* A table named with -t is saved even before it exists, as
		 * its built-in chains with policy ACCEPT: iptables-nft-save
		 * -t mangle prints that in a fresh namespace, where a save of
		 * all tables prints nothing. */
		if ((only >= 0 && i != only) || (only < 0 && !rs->tables[i]))
			continue;
		if (header)
			qt_buf_printf(ctx->out,
				"# Generated by %s v%s (%s) on %s\n", ctx->prog,
				QT_IPTABLES_VERSION, QT_BACKEND, when);
		qt_table_save(ctx->out, qt_ruleset_table_view(rs, i), cnt,
			      counters);
		if (header)
			qt_buf_printf(ctx->out, "# Completed on %s\n", when);
	}
	return 0;
}
