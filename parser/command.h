/* One iptables command: words -> parsed command -> applied to a ruleset.
 * This is iptables' do_parse and do_command, with the model in place of
 * the kernel. */
#ifndef QT_COMMAND_H
#define QT_COMMAND_H

#include <stdbool.h>

#include "counters.h"
#include "ctx.h"
#include "model.h"
#include "words.h"

struct qt_cmd_env {
	/* restore mode: the table of the current "*table" block; -t is then
	 * refused as iptables-restore refuses it. NULL on the command line. */
	const char *restore_table;
	/* restore --test: no kernel would see the rules, so what only the
	 * kernel refuses (extensions' kcheck) passes, as with iptables-nft */
	bool no_kernel;
	/* counters: listed, zeroed, set (-c) through this (may be NULL:
	 * all zero) */
	const struct qt_counter_view *cnt;
	/* set by the call: the ruleset was changed */
	bool changed;
	/* set by the call: the command only read (lists) */
	bool read_only;
};

/* Run one command. Returns the exit status (also in ctx->status);
 * output goes to ctx->out, errors to ctx->err. On error the ruleset may
 * be partly changed: callers run commands on a copy (see qt_txn). */
int qt_command_run(struct qt_ruleset *rs, const struct qt_words *words,
		   struct qt_cmd_env *env, struct qt_ctx *ctx);

/* The long options of the command line by index, without "--", and
 * the short letter each stands for (0 for none); NULL past the last.
 * For shell completion. */
const char *qt_command_option(unsigned i, char *letter);

/* iptables -h text. */
void qt_command_help(struct qt_buf *b, const char *prog, uint8_t family);

#endif
