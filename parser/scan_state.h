/* State shared by the scanner and the grammar of one parse. */
#ifndef QT_SCAN_STATE_H
#define QT_SCAN_STATE_H

#include <stdbool.h>
#include "buf.h"
#include "words.h"

struct qt_scan_state {
	/* scanner side */
	int line, col;            /* position of the next character */
	struct qt_buf acc;        /* the word being assembled */
	bool pending;             /* acc holds a word (possibly empty "") */
	struct qt_loc word_loc;   /* where the pending word began */
	bool started;             /* start token already returned */
	bool error_reported;
	bool escapes;             /* the state file's \n and \xHH */
	/* grammar side */
	const struct qt_restore_sink *sink;
	struct qt_words words;    /* words of the current line */
	char *counters;           /* "[p:b]" prefix of the current line */
	/* argv mode: words come from here instead of the scanner */
	int argc;
	char *const *argv;
	int argi;
};

#endif
