/* `qtables --completion-words WHAT` (hidden, for the bash completion in
 * scripts/bash-completion/qtables): words the shell offers, one per
 * line, read from the program's own tables so that they can never go
 * stale. WHAT is
 *
 *   tables                  the table names
 *   matches, targets        the extensions (-m NAME, -j NAME)
 *   match:NAME, target:NAME that extension's options ("--dport")
 *   options:qtables         the command line's options ("--append", "-A")
 *   options:qtables-conntrack  conntrack(8)'s
 *
 * (the options of save and restore are their getopt tables in
 * cmd/qtables.c). Needs no daemon. */
#ifndef QT_COMPLETION_WORDS_H
#define QT_COMPLETION_WORDS_H

#include "buf.h"

/* 0, or -1 when WHAT is not one of the above (an unknown extension
 * included). */
int qt_completion_words(const char *what, struct qt_buf *out);

#endif
