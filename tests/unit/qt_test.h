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

#endif
