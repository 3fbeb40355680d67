/* Errors that point (qtables-restore --explain, qtables --explain, the
 * daemon's log): the first error of a command or restore file, shown
 * where it was written,
 *
 *   FILE:LINE:COL: MESSAGE
 *   -A INPUT -p tcp --dprot 22 -j ACCEPT
 *                   ^~~~~~~
 *   did you mean '--dport'?
 *
 * MESSAGE is iptables' own, without the program's prefix and the "Try"
 * advice. COL is the byte column (1-based, a tab counts one) of the word
 * at fault; the marker line keeps the tabs of the line, so it lines up
 * whatever the terminal's tab width. The readers keep ctx->at current
 * (ctx.h); a record is made only when a caller set ctx->explain, and only
 * of the first error, as iptables reports only that. */
#ifndef QT_EXPLAIN_H
#define QT_EXPLAIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "ctx.h"
#include "words.h"

struct qt_explain {
	/* true: the explained form replaces iptables' text of the error,
	 * which is kept in plain (shown when the error cannot be placed) */
	bool quiet;
	bool set;               /* an error was recorded */
	struct qt_buf plain;
	struct qt_buf msg;      /* iptables' message alone */
	struct qt_buf hint;     /* what the user may have meant, or empty */
	struct qt_loc loc;      /* of the word; col 0: the whole line */
	int word;               /* index in the command's words, -1: none */
	unsigned off, len;      /* the part of the word at fault; len 0: all */
	char *text;             /* the word as read (NULL: none) */
};

void qt_explain_init(struct qt_explain *x, bool quiet);
void qt_explain_free(struct qt_explain *x);

/* Called by ctx.c for the first error: the message and where ctx->at
 * says the reader was. */
void qt_explain_record(struct qt_explain *x, const struct qt_ctx *c,
		       const char *fmt, va_list ap);
/* Moves the record (not the plain text) of from into to, which had
 * none; from is left without one. For an error held back and shown
 * later (restore.c). */
void qt_explain_take(struct qt_explain *to, struct qt_explain *from);
/* The message shown when it is not the text iptables formats (a netlink
 * batch's failure, written after "line N:"). Only when recorded. */
void qt_explain_message(struct qt_ctx *c, const char *msg);
/* "did you mean 'NAME'?": name is the word as the user should write it. */
void qt_explain_hint(struct qt_ctx *c, const char *name);

/* The nearest of a list of names to a word the user wrote, by edit
 * distance (insertions, deletions, substitutions and swaps of two
 * neighbours; case ignored), within a cut-off of a third of the longer
 * name (rounded up). None when nothing is that close. */
struct qt_suggest {
	const char *typed;
	size_t n;
	const char *best;
	unsigned dist;
};
void qt_suggest_init(struct qt_suggest *s, const char *typed, size_t n);
void qt_suggest_offer(struct qt_suggest *s, const char *name);
const char *qt_suggest_best(const struct qt_suggest *s);
/* The distance itself, or UINT_MAX past 64 bytes. */
unsigned qt_edit_distance(const char *a, size_t an, const char *b,
			  size_t bn);

/* The explained form of a restore text's error: name is the file as the
 * user named it, text all of it. Each output line starts with prefix
 * ("" or "qtablesd: " in the daemon's log). Writes iptables' text when
 * the error has no place in the text; nothing when none was recorded. */
void qt_explain_render_text(struct qt_buf *out, const struct qt_explain *x,
			    const char *name, const char *text, size_t len,
			    const char *prefix);
/* The same for the words of a command line: shown joined by blanks,
 * quoted as a shell would need them, as "<command line>", line 1. */
void qt_explain_render_words(struct qt_buf *out, const struct qt_explain *x,
			     const struct qt_words *w);

#endif
