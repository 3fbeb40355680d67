/* The grammar of iptables' two inputs: a restore file (tables, chains,
 * command lines, COMMIT) and the words of one command. It builds located
 * word lists and hands each line to a sink; what the words of a command
 * mean is decided by command.c with the extensions' option tables, so the
 * grammar stays the same when an extension is added. */
%define api.pure full
%define api.prefix {qt_yy}
%locations
%define parse.error verbose
%param {void *scanner}
%parse-param {struct qt_scan_state *ps}

%code requires {
#include "scan_state.h"
}

%union {
	struct { char *s; size_t n; } str;
}

%code {
#include <stdlib.h>
#include <string.h>

int qt_yylex(QT_YYSTYPE *lval, QT_YYLTYPE *lloc, void *scanner);

static void qt_yyerror(QT_YYLTYPE *lloc, void *scanner,
		       struct qt_scan_state *ps, const char *msg)
{
	(void)scanner;
	if (ps->error_reported || !ps->sink || !ps->sink->syntax_error)
		return;
	struct qt_loc l = { lloc->first_line, lloc->first_column };
	ps->sink->syntax_error(ps->sink->user, l, msg);
	ps->error_reported = true;
}

static void push_word(struct qt_scan_state *ps, char *s, size_t n,
		      const QT_YYLTYPE *lloc)
{
	struct qt_loc l = { lloc->first_line, lloc->first_column };
	qt_words_push(&ps->words, s, n, l);
	free(s);
}

static struct qt_loc loc_of(const QT_YYLTYPE *lloc)
{
	struct qt_loc l = { lloc->first_line, lloc->first_column };
	return l;
}

static void end_line(struct qt_scan_state *ps)
{
	qt_words_free(&ps->words);
	free(ps->counters);
	ps->counters = NULL;
}
}

%token <str> T_WORD T_COUNTERS
%token T_NL T_COMMIT T_TABLESTART T_CHAINSTART T_ERROR
%token T_START_RESTORE T_START_ARGV
%destructor { free($$.s); } <str>

%%

start
	: T_START_RESTORE file
	| T_START_ARGV argv_words
	;

argv_words
	: %empty
	| argv_words T_WORD      { push_word(ps, $2.s, $2.n, &@2); }
	;

file
	: %empty
	| file line              { end_line(ps); }
	;

words
	: T_WORD                 { push_word(ps, $1.s, $1.n, &@1); }
	| words T_WORD           { push_word(ps, $2.s, $2.n, &@2); }
	;

line
	: T_NL
	| T_TABLESTART T_NL
		{ if (ps->sink->table(ps->sink->user, NULL, loc_of(&@1)))
			YYABORT; }
	| T_TABLESTART words T_NL
		{ if (ps->sink->table(ps->sink->user, ps->words.v[0].text,
				      loc_of(&@1)))
			YYABORT; }
	| T_CHAINSTART T_NL
		{ if (ps->sink->chain(ps->sink->user, &ps->words, loc_of(&@1)))
			YYABORT; }
	| T_CHAINSTART words T_NL
		{ if (ps->sink->chain(ps->sink->user, &ps->words, loc_of(&@1)))
			YYABORT; }
	| T_COMMIT T_NL
		{ if (ps->sink->commit(ps->sink->user, loc_of(&@1)))
			YYABORT; }
	| words T_NL
		{ if (ps->sink->rule(ps->sink->user, &ps->words, NULL,
				     loc_of(&@1)))
			YYABORT; }
	| T_COUNTERS T_NL
		{ ps->counters = $1.s;
		  if (ps->sink->rule(ps->sink->user, &ps->words, ps->counters,
				     loc_of(&@1)))
			YYABORT; }
	| T_COUNTERS words T_NL
		{ ps->counters = $1.s;
		  if (ps->sink->rule(ps->sink->user, &ps->words, ps->counters,
				     loc_of(&@1)))
			YYABORT; }
	;

%%
