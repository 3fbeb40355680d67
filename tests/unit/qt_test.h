/* Run iptables commands and restore texts in-process against a ruleset,
 * exactly as qtablesd does, and capture what they print. */
#ifndef QT_TEST_H
#define QT_TEST_H

#include "buf.h"
#include "model.h"

struct qt_test_result {
	int status;
	struct qt_buf out;
	struct qt_buf err;
};

/* "iptables WORDS..." with WORDS split as a restore line is (quotes).
 * *rs is replaced only when the command succeeds, as in the daemon. */
int qt_test_cmd(struct qt_ruleset **rs, const char *words,
		struct qt_test_result *res);
/* iptables-restore of text (flags: "", "noflush", "counters" ...). */
int qt_test_restore(struct qt_ruleset **rs, const char *text,
		    const char *flags, struct qt_test_result *res);
/* iptables-save without the comment lines. */
const char *qt_test_save(struct qt_ruleset *rs, struct qt_buf *b);
void qt_test_result_free(struct qt_test_result *res);

/* What a program hands match and target functions for the instance in:
 * the engine's view of it (engine/eval.h) with its state made as a
 * compile makes it (no engine env). NULL when state_new fails. The view
 * uses in's data: keep the rule while using it. Freed (state included)
 * by qt_test_run_free, or at exit. */
struct qt_ext_inst *qt_test_run(const struct qt_ext_inst *in);
void qt_test_run_free(struct qt_ext_inst *run);
/* Every view made, as freeing their rules' ruleset frees them in the
 * daemon (shared states such as named lists and tables then go). */
void qt_test_runs_free(void);

#endif
