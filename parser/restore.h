/* iptables-restore and iptables-save over the model. */
#ifndef QT_RESTORE_H
#define QT_RESTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "counters.h"
#include "ctx.h"
#include "model.h"

struct qt_restore_opts {
	bool noflush;          /* -n: keep what the file does not mention */
	unsigned verbose;      /* -v, as often as given */
	bool counters;         /* -c: honour [p:b] */
	bool test;             /* -t: parse and check only */
	const char *only_table;/* -T: restore this table only */
	bool state_escapes;    /* \n and \xHH in quotes (qtablesd's state
	                          file, parser/quote.h) */
};

/* Apply a restore text. Each COMMIT replaces *rs with the table block's
 * result, so a failing block leaves everything before it committed and
 * nothing of itself, as iptables-nft-restore does; the policy counters
 * a committed block sets join cnt->pending. Returns the status. */
int qt_restore_run(struct qt_ruleset **rs, const char *text, size_t len,
		   const struct qt_restore_opts *o,
		   const struct qt_counter_view *cnt, struct qt_ctx *ctx,
		   bool *changed);

/* An accounting object (nfacct) as the state file keeps it: a comment
 * line "#nfacct NAME MODE QUOTA" (the name's blanks, '%' and bytes
 * outside printable ASCII as %HH; MODE "-", "byte" or "packet"), which
 * a restore with state_escapes reads back into the ruleset and
 * iptables-restore passes over. */
void qt_restore_put_acct(struct qt_buf *b, const struct qt_acct_obj *o);

/* iptables-save: all existing tables, or one (one that no command made
 * yet shows its built-in chains, as iptables-nft shows it). Returns the
 * exit status. */
int qt_save_run(struct qt_ruleset *rs, const char *table,
		const struct qt_counter_view *cnt, bool counters,
		bool header, struct qt_ctx *ctx);

#endif
