/* ipset(8)'s language on the engine's sets (sets/set_store.h): the
 * commands create, add, del, test, list, save, restore, flush, destroy,
 * rename, swap and version, their options and element syntax, and
 * their output and messages as ipset 7.17 prints them, with its exit
 * codes (0; 1 what the kernel refused; 2 a usage error). */
#ifndef QT_IPSET_H
#define QT_IPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "set_store.h"

#define QT_IPSET_VERSION "v7.17"

/* What the commands need from the ruleset. */
struct qt_ipset_env {
	/* The rules naming the set (-m set, -j SET): listed as its
	 * References; a set with any cannot be destroyed. */
	unsigned (*refs)(void *ctx, const char *name);
	void *ctx;
	uint64_t now_ms;            /* CLOCK_MONOTONIC */
};

/* One command line (argv without the program name). *changed when a
 * set or element changed. Returns the exit code. */
/* Is the command of these words help (-h, --help): answered by the
 * program itself, with no sets (qt_ipset_run with any env)? */
bool qt_ipset_is_help(int argc, char **argv);
int qt_ipset_run(int argc, char **argv, const struct qt_ipset_env *env,
		 struct qt_buf *out, struct qt_buf *err, bool *changed);
/* ipset restore: text holds the commands, one a line; exist is the
 * -exist of the command line. Stops at the first error, the lines
 * before it applied. */
int qt_ipset_restore(const char *text, size_t len, bool exist,
		     const struct qt_ipset_env *env, struct qt_buf *out,
		     struct qt_buf *err, bool *changed);
/* Every set and element in ipset save's format, remaining timeouts and
 * counters and each set's initval included. */
void qt_ipset_save_all(struct qt_buf *out, uint64_t now_ms);
/* An element in ipset's text ("1.2.3.4,tcp:80", "10.0.0.0/8"). */
void qt_ipset_put_key(struct qt_buf *b, const struct qt_set *s,
		      const struct qt_set_key *k);

#endif
