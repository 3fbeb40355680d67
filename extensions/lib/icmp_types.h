/* What -m icmp and -m icmp6 share (libipt_icmp, libip6t_icmp6): an
 * ICMP type and code range given by name (a case-insensitive prefix of
 * a name in the family's table) or as TYPE[/CODE], the -L and -S words
 * for it, and the kernel's match of a packet. Each family brings its
 * table of names, in iptables' order (the order decides which two
 * names an ambiguity message shows and which name -L prints), the word
 * its messages use, its option and protocol, and whether type 255 is
 * "any". */
#ifndef QT_ICMP_TYPES_H
#define QT_ICMP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ctx.h"
#include "eval.h"
#include "ext.h"

struct qt_icmp_name {
	const char *name;
	uint8_t type, min, max;
};

struct qt_icmp_family {
	const char *word;                  /* "ICMP", "ICMPv6" */
	const struct qt_icmp_name *names;
	size_t nnames;
	const char *ext;                   /* "icmp", "icmp6": messages */
	const char *opt;                   /* "icmp-type", "icmpv6-type" */
	const char *proto_word;            /* -L's: "icmp", "ipv6-icmp" */
	uint16_t proto;                    /* the -p the kernel wants */
	bool any;                          /* type 255, all codes: any type */
};

/* A rule's match: the extension's data. */
struct qt_icmp_match {
	uint8_t type;
	uint8_t code[2];                   /* inclusive code range */
	uint8_t invert;
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

/* The callbacks of a family's match (its data a struct
 * qt_icmp_match, its one option's id 0): the option parsed, the option
 * required, the kernel's plain -p of the family's protocol, -S's words
 * (numbers, and "any" where the family has it), -L's words, and the
 * kernel's xt_icmp / ip6t_icmp6 match of a packet. */
int qt_icmp_match_parse(const struct qt_icmp_family *f,
			struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx);
int qt_icmp_match_check(const struct qt_icmp_family *f,
			const struct qt_ext_inst *in, struct qt_ctx *ctx);
int qt_icmp_match_kcheck(const struct qt_icmp_family *f,
			 const struct qt_rule_env *env);
void qt_icmp_match_save(const struct qt_icmp_family *f,
			const struct qt_ext_inst *in, struct qt_buf *b);
void qt_icmp_match_print(const struct qt_icmp_family *f,
			 const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric);
bool qt_icmp_match_pkt(const struct qt_icmp_family *f,
		       const struct qt_ext_inst *in, struct qt_eval *ev);

#endif
