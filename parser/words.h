/* Located words: what the scanner and grammar hand to the command layer.
 * A restore file becomes a sequence of line events (table, chain, rule,
 * COMMIT); the words of one command (argv, or one rule line) become a
 * qt_words list that command.c interprets with the extensions' option
 * tables. */
#ifndef QT_WORDS_H
#define QT_WORDS_H

#include <stdbool.h>
#include <stddef.h>

struct qt_loc {
	int line;   /* 1-based; for argv: 0 */
	int col;    /* 1-based column; for argv: index of the word */
};

struct qt_word {
	char *text;
	struct qt_loc loc;
};

struct qt_words {
	struct qt_word *v;
	unsigned n;
	unsigned cap;
};

void qt_words_init(struct qt_words *w);
void qt_words_free(struct qt_words *w);
void qt_words_push(struct qt_words *w, const char *text, size_t len,
		   struct qt_loc loc);

/* What a restore file says, line by line. Each callback returns 0 to go
 * on, or -1 to stop parsing (the callee has reported the error). */
struct qt_restore_sink {
	void *user;
	int (*table)(void *user, const char *name, struct qt_loc loc);
	/* ":NAME POLICY [p:b]": the words after the colon, split on blanks */
	int (*chain)(void *user, struct qt_words *words, struct qt_loc loc);
	int (*commit)(void *user, struct qt_loc loc);
	/* A command line; counters is "[p:b]" when the line starts with one */
	int (*rule)(void *user, struct qt_words *words, const char *counters,
		    struct qt_loc loc);
	/* A comment line, its newline included when it has one. May be
	 * NULL. */
	void (*comment)(void *user, const char *text, size_t len);
	/* A problem the scanner found (unterminated quote, NUL byte ...). */
	void (*syntax_error)(void *user, struct qt_loc loc, const char *msg);
	/* Inside double quotes \n is a newline and \xHH (01 to ff) a byte,
	 * as qtablesd's state file writes them (parser/quote.h); without,
	 * they are the letters, as iptables-restore reads them. */
	bool state_escapes;
};

/* Parse a whole restore text. Returns 0, or -1 after a callback or the
 * scanner stopped it. */
int qt_parse_restore(const char *text, size_t len,
		     const struct qt_restore_sink *sink);

/* The words of one command (argv without argv[0]), run through the same
 * grammar so every word carries a location (its index). */
int qt_parse_argv(int argc, char *const *argv, struct qt_words *out);

#endif
