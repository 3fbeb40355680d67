/* The context one command or one restore transaction runs in: who is
 * speaking (program name for messages), where output goes, and the exit
 * status iptables would return. Library code reports errors here and
 * returns; it never prints or exits by itself. */
#ifndef QT_CTX_H
#define QT_CTX_H

#include <stdbool.h>
#include "buf.h"
#include "words.h"

struct qt_explain;   /* explain.h */

/* iptables' exit codes (xtables.h enum xtables_exittype). */
enum qt_status {
	QT_OK = 0,
	QT_OTHER_PROBLEM = 1,
	QT_PARAMETER_PROBLEM = 2,
	QT_VERSION_PROBLEM = 3,
	QT_RESOURCE_PROBLEM = 4,
};

/* Where the word being read was written, for errors that point
 * (explain.h). The readers of a command line or a restore file keep
 * ctx->at current as they go, one store of eight bytes per word; it is
 * looked at only when an error is reported. All zero: ctx->at_loc. */
struct qt_at {
	unsigned word;             /* 1 + index in ctx->words; 0: none */
	unsigned short off, len;   /* bytes of the word at fault; len 0: all */
};

#define QT_IPTABLES_VERSION "1.8.9"
#define QT_BACKEND "qtables"
/* The version conntrack(8) prints; ours says "(qtables)" after it. */
#define QT_CONNTRACK_VERSION "1.4.7"

/* The stage of iptables-nft's work an error raised now belongs to.
 * iptables-nft-restore reads a table block line by line but looks at
 * the ruleset only at the block's COMMIT, so there the errors of the
 * later stages come after every error of reading the block (restore.c
 * holds them until its COMMIT). */
enum qt_stage {
	QT_STAGE_PARSE = 0,   /* reading the command: reported at once */
	QT_STAGE_JUMP,        /* a jump to a chain that is not there: a
	                         parameter problem reported at the line
	                         being read, the COMMIT */
	QT_STAGE_PREPARE,     /* what the ruleset refuses: "line N failed" */
	QT_STAGE_KERNEL,      /* what the kernel refuses in the batch */
	QT_STAGE_VALIDATE,    /* what the kernel finds when it checks the
	                         whole table at the end of a batch that
	                         passed (loops, depth): only if nothing
	                         else failed */
};

struct qt_ctx {
	const char *prog;      /* "iptables", "qtables-restore", ... */
	struct qt_buf *out;
	struct qt_buf *err;
	int status;            /* 0 until an error is reported */
	int restore_line;      /* > 0 inside a restore file: adds the
	                          "Error occurred at line: N" line */
	/* The command's words and the place being read in them (or in the
	 * restore line), for explain; NULL and zero when not known. */
	const struct qt_words *words;
	struct qt_at at;
	struct qt_loc at_loc;  /* a token of a restore line when at.word is 0;
	                          line 0: the line being read, all of it */
	/* Set by a caller that wants the first error located (explain.h);
	 * NULL otherwise, and then nothing is recorded. */
	struct qt_explain *explain;
	/* Set by the command as it goes from reading to applying; read
	 * after an error (restore.c). */
	enum qt_stage stage;
	/* Set by iptables-restore: what only the kernel refuses is reported
	 * but the command is applied to the model all the same, as
	 * iptables-nft prepares a whole block before the kernel sees any
	 * of it (later commands are judged on that), and the block then
	 * fails at its COMMIT. */
	bool kernel_later;
};

void qt_ctx_init(struct qt_ctx *c, const char *prog, struct qt_buf *out,
		 struct qt_buf *err);

/* "PROG v1.8.9 (qtables): MSG\n" then the "Try `PROG -h'..." line;
 * status 2. Always returns -1 so callers can `return qt_param_error(..)`. */
int qt_param_error(struct qt_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "PROG v1.8.9 (qtables): MSG\n" with the given status, no "Try" line. */
int qt_error(struct qt_ctx *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The form iptables uses for failures of the ruleset operation itself:
 * "PROG: MSG.\n" with status 1 (e.g. "Bad rule (does ...)"). */
int qt_op_error(struct qt_ctx *c, const char *msg);
/* Text written to stderr as is, without the version prefix (iptables'
 * "Bad argument `x'" and similar); adds the "Try" line; status 2. */
int qt_tryhelp_error(struct qt_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One more line of the error already reported (a kernel that refuses
 * several messages of one batch): text written as it is, the status and
 * the explained record unchanged. Nothing when no error was reported. */
void qt_error_more(struct qt_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An error in a form of its own (iptables-restore's "PROG: line N
 * failed"): text written as it is, with status; msg is what the
 * explained form shows as its message. */
int qt_raw_error(struct qt_ctx *c, int status, const char *msg,
		 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
