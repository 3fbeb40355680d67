/* Strings in saved rules, in two spellings.
 *
 * iptables-save prints names (interfaces, chains, recent and hashlimit
 * lists, conntrack helpers) bare and a few free texts (comment, LOG
 * prefix) in double quotes escaping only '"', '\\' and '\''. A name with
 * a blank or a quote, or a text with a newline, then reads back as other
 * words; qtables-save prints the same bytes, as it must.
 *
 * qtablesd's state file must read back as the ruleset it was written
 * from, whatever a commit accepted, so while it is rendered
 * (qt_rule_save_state) the same printers use the state spelling: a
 * string that restore would not read back as one word is put in double
 * quotes, with '"' and '\\' escaped as iptables-restore reads them, a
 * newline as \n and any other control byte as \xHH. Only qtables'
 * reader of the state file (qt_restore_opts.state_escapes) takes those
 * two; iptables-restore reads them as the letters n and xHH. */
#ifndef QT_QUOTE_H
#define QT_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* True while a state file is being rendered (this thread only). */
bool qt_quote_state_spelling(void);
void qt_quote_set_state_spelling(bool on);

/* A name after its option: s as it is for save, and quoted when it
 * needs to be for the state file. No leading space. */
void qt_put_name(struct qt_buf *b, const char *s);
/* A free text as iptables' xtables_save_string prints it, leading space
 * included; with the state escapes for the state file. */
void qt_save_string(struct qt_buf *b, const char *s);
/* n bytes in double quotes with the state escapes, whatever the
 * spelling. */
void qt_put_state_quoted(struct qt_buf *b, const char *s, size_t n);
/* Whether s (n bytes) reads back as itself when written bare in a rule
 * line. */
bool qt_word_is_bare(const char *s, size_t n);

#endif
