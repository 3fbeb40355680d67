/* What -m icmp and -m icmp6 share (libipt_icmp, libip6t_icmp6): an
 * ICMP type and code range given by name (a case-insensitive prefix of
 * a name in the family's table) or as TYPE[/CODE], and the -L words
 * for it. Each family brings its table of names, in iptables' order
 * (the order decides which two names an ambiguity message shows and
 * which name -L prints), and the word its messages use. */
#ifndef QT_ICMP_TYPES_H
#define QT_ICMP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ctx.h"

struct qt_icmp_name {
	const char *name;
	uint8_t type, min, max;
};

struct qt_icmp_family {
	const char *word;                  /* "ICMP", "ICMPv6" */
	const struct qt_icmp_name *names;
	size_t nnames;
};

/* A rule's type and inclusive code range. */
struct qt_icmp_sel {
	uint8_t *type;
	uint8_t *code;                     /* [0], [1] */
};

/* arg as the family's match parses it; -1 with iptables' message. */
int qt_icmp_parse(const struct qt_icmp_family *f, const char *arg,
		  struct qt_icmp_sel s, struct qt_ctx *ctx);
/* Every code of the type. */
bool qt_icmp_all_codes(const uint8_t code[2]);
/* -L's words after the protocol: the name (unless numeric) or "type N
 * [code N | codes N-M]", '!' where iptables puts it. */
void qt_icmp_print(const struct qt_icmp_family *f, uint8_t type,
		   const uint8_t code[2], bool invert, bool numeric,
		   struct qt_buf *b);

#endif
