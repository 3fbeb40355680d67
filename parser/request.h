/* The wire protocol between the qtables programs and qtablesd. A request
 * is restore-format text behind one header line:
 *
 *   #qtables 1 command iptables          then one line: the quoted words
 *   #qtables 1 restore iptables-restore noflush counters test table=T
 *   #qtables 1 save iptables-save counters table=T
 *
 * "explain" on a command, "explain=NAME" on a restore (NAME the file as
 * the user named it, with '%', blanks and control bytes as %HH) ask for
 * the first error in its explained form (explain.h) instead of
 * iptables' text.
 *
 * and the reply is "#qtables-reply STATUS OUTLEN ERRLEN\n" followed by
 * OUTLEN bytes of standard output and ERRLEN bytes of standard error.
 * Everything that crosses the socket can be read by a person. */
#ifndef QT_REQUEST_H
#define QT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "model.h"

#define QT_REQUEST_MAX (64u << 20)   /* a 64 MiB restore file is plenty */

/* Encoders used by the client. Return -1 if a word cannot be carried
 * (it contains a newline). */
int qt_request_command(struct qt_buf *b, const char *prog, bool explain,
		       int argc, char *const *argv);
/* explain: the name of the input for the explained form, or NULL. */
void qt_request_restore(struct qt_buf *b, const char *prog, bool noflush,
			bool counters, bool test, const char *table,
			const char *explain, const char *text, size_t len);
void qt_request_save(struct qt_buf *b, const char *prog, bool counters,
		     const char *table);

/* Run a request against *rs (replaced when a transaction commits).
 * Returns the exit status; *changed tells whether *rs changed. */
int qt_request_run(struct qt_ruleset **rs, const char *req, size_t len,
		   struct qt_buf *out, struct qt_buf *err, bool *changed);

/* A request taken as far as it goes without the firewall's state, as
 * iptables parses its command line before it asks the kernel anything:
 * the words parsed (a restore as --test), help and version answered.
 * *answered: the status and output are the final answer (an error, help,
 * version); else the request needs the daemon. */
int qt_request_offline(const char *req, size_t len, struct qt_buf *out,
		       struct qt_buf *err, bool *answered);

/* Reply framing. */
void qt_reply_encode(struct qt_buf *b, int status, const struct qt_buf *out,
		     const struct qt_buf *err);
/* Parses a whole reply; pointers point into the reply. */
int qt_reply_decode(const char *rep, size_t len, int *status,
		    const char **out, size_t *outlen, const char **err,
		    size_t *errlen);

#endif
