/* The wire protocol between the qtables programs and qtablesd. A request
 * is a header line and a body:
 *
 *   #qtables 1 KIND PROG [WORD ...]\n BODY
 *
 * KIND is one of the table below; PROG is the name the client was run
 * as (messages carry it); the words and the body belong to the kind.
 * "explain" on a command, "explain=NAME" on a restore (NAME the input as
 * the user named it, with '%', blanks and control bytes as %HH) ask for
 * the first error in its explained form (parser/explain.h) instead of
 * iptables' text. "ipv6" on a command, restore or save addresses the
 * IPv6 ruleset (ip6tables); without it the request is for IPv4, as
 * every request was before there were two. The
 * reply is "#qtables-reply STATUS OUTLEN ERRLEN\n" followed by OUTLEN
 * bytes of standard output and ERRLEN bytes of standard error.
 * Everything that crosses the socket can be read by a person. */
#ifndef QT_PROTOCOL_H
#define QT_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define QT_IPC_MAX (64u << 20)   /* a 64 MiB restore file is plenty */

enum qt_ipc_kind {
	QT_IPC_COMMAND,   /* body: one line, the command's quoted words */
	QT_IPC_RESTORE,   /* words: noflush counters test verbose=N table=T;
	                     body: restore text */
	QT_IPC_SAVE,      /* words: counters table=T */
	QT_IPC_STATS,     /* word: the output format (qt_ipc_stats_formats) */
	QT_IPC_RECENT,    /* word: a -m recent list; body: its edits */
	QT_IPC_CONNTRACK, /* body: qtables-conntrack's arguments, one a line */
	QT_IPC_HANDOVER,  /* no PROG: the answer is the handover itself */
	QT_IPC_NFACCT,    /* body: nfacct(8)'s command and its words, one a
	                     line, checked by the client (restore: the
	                     lines it read) */
	QT_IPC_IPSET,     /* body: ipset(8)'s arguments, one a line, then
	                     an empty line and, for restore, its input */
	QT_IPC_NFT,       /* words: check handles stateless, file=NAME and
			     cwd=DIR (%HH as explain=); body: nft's input
			     (the command line's words joined by blanks,
			     or the file) */
	QT_IPC_NKINDS
};

/* The longest header line: room for an input's name (PATH_MAX) escaped. */
#define QT_IPC_HEADER_MAX 16384

/* A request's header, parsed. words and body point into the request. */
struct qt_ipc_header {
	enum qt_ipc_kind kind;
	char prog[64];
	const char *words;     /* after PROG, up to the newline */
	size_t words_len;
	const char *body;
	size_t body_len;
};

/* Start a request of kind k: the header line without its newline, so
 * that words can follow (prog NULL for the handover). */
void qt_ipc_begin(struct qt_buf *b, enum qt_ipc_kind k, const char *prog);

/* The family a client's name speaks for: AF_INET6 for ip6tables* and
 * qtables6*, else AF_INET. The encoders below add the word "ipv6" to
 * the requests of such a client. */
unsigned char qt_ipc_prog_family(const char *prog);
/* The family a request is for (its "ipv6" word). */
unsigned char qt_ipc_family(const struct qt_ipc_header *h);

/* Parse a request's header: 0, or -1 when it is not a request of this
 * protocol (unknown kind, no program name, a header past 512 bytes). */
int qt_ipc_parse(const char *req, size_t len, struct qt_ipc_header *h);

/* Is word among the header's words? */
bool qt_ipc_has_word(const struct qt_ipc_header *h, const char *word);
/* The value of the header's word NAME=VALUE into buf, cut to n - 1
 * bytes (NULL if absent). */
const char *qt_ipc_word_value(const struct qt_ipc_header *h, const char *name,
			      char *buf, size_t n);
/* The same with %HH decoded (the explain=NAME word). */
const char *qt_ipc_word_decoded(const struct qt_ipc_header *h, const char *name,
				char *buf, size_t n);
/* The header's first word into buf ("" if none). */
const char *qt_ipc_first_word(const struct qt_ipc_header *h, char *buf,
			      size_t n);

/* The encoders of the clients: -1 when a word cannot be carried (it
 * holds a newline). */
int qt_ipc_command(struct qt_buf *b, const char *prog, bool explain,
		   int argc, char *const *argv);
/* explain: the name of the input for the explained form, or NULL. */
void qt_ipc_restore(struct qt_buf *b, const char *prog, bool noflush,
		    bool counters, bool test, unsigned verbose, const char *table,
		    const char *explain, const char *text, size_t len);
void qt_ipc_save(struct qt_buf *b, const char *prog, bool counters,
		 const char *table);
int qt_ipc_conntrack(struct qt_buf *b, const char *prog, int argc,
		     char *const *argv);
/* The same for nfacct: -1 when a word holds a newline. */
int qt_ipc_nfacct(struct qt_buf *b, const char *prog, int argc,
		  char *const *argv);
/* ipset: the arguments, then the restore input (NULL: none). -1 when
 * an argument holds a newline. */
int qt_ipc_ipset(struct qt_buf *b, const char *prog, int argc,
		 char *const *argv, const char *input, size_t len);
/* nft: the input and how to take it (file: its name for messages,
 * NULL for the command line; cwd: where includes are read from). The
 * request carries the sender's process id, which -e prints. */
struct qt_ipc_nft_flags {
	bool check;          /* -c */
	bool handles;        /* -a */
	bool stateless;      /* -s */
	bool json;           /* -j: listings in JSON and JSON input read */
	bool echo;           /* -e */
};
void qt_ipc_nft(struct qt_buf *b, const char *prog,
		const struct qt_ipc_nft_flags *f, const char *file,
		const char *cwd, const char *text, size_t len);
/* The stats request's output formats; text is the default. */
bool qt_ipc_stats_format_known(const char *word);
void qt_ipc_stats(struct qt_buf *b, const char *prog, const char *format);
int qt_ipc_recent(struct qt_buf *b, const char *prog, const char *list);

/* Reply framing. */
void qt_reply_encode(struct qt_buf *b, int status, const struct qt_buf *out,
		     const struct qt_buf *err);
/* Parses a whole reply; pointers point into the reply. */
int qt_reply_decode(const char *rep, size_t len, int *status,
		    const char **out, size_t *outlen, const char **err,
		    size_t *errlen);

#endif
