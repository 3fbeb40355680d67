/* Printers: the model back into iptables' text, byte for byte. */
#ifndef QT_PRINT_H
#define QT_PRINT_H

#include <stdbool.h>
#include "buf.h"
#include "counters.h"
#include "model.h"

/* -L format bits (iptables' FMT_*). */
#define QT_FMT_NUMERIC     0x0001
#define QT_FMT_NOCOUNTS    0x0002
#define QT_FMT_KILOMEGAGIGA 0x0004
#define QT_FMT_OPTIONS     0x0008
#define QT_FMT_NOTABLE     0x0010
#define QT_FMT_NOTARGET    0x0020
#define QT_FMT_VIA         0x0040
#define QT_FMT_NONEWLINE   0x0080
#define QT_FMT_LINENUMBERS 0x0100

/* The rule after "-A CHAIN": " -s 10.0.0.0/8 -p tcp -m tcp --dport 22
 * -j ACCEPT"; with counters, " -c PKTS BYTES" before the target (-S -v). */
void qt_rule_save(struct qt_buf *b, const struct qt_rule *r,
		  const struct qt_counters *counters);
/* The same in the state file's spelling (quote.h): every string reads
 * back as itself, whatever it holds. */
void qt_rule_save_state(struct qt_buf *b, const struct qt_rule *r);
/* Counters come from v (counters.h; NULL: all zero). */
/* "*name" and the chain lines (":NAME POLICY [p:b]") of a table. */
void qt_table_save_head(struct qt_buf *b, const struct qt_table *t,
			const struct qt_counter_view *v);
/* One table in restore format, "*name" to "COMMIT". */
void qt_table_save(struct qt_buf *b, const struct qt_table *t,
		   const struct qt_counter_view *v, bool counters);
/* -S: all chains (chain == NULL), one chain, or one rule (rulenum > 0). */
void qt_list_rules(struct qt_buf *b, const struct qt_table *t,
		   const struct qt_chain *chain, unsigned rulenum,
		   const struct qt_counter_view *v, bool counters);
/* -L: as -S, in the table form. */
void qt_list_table(struct qt_buf *b, const struct qt_table *t,
		   const struct qt_chain *chain, unsigned rulenum,
		   const struct qt_counter_view *v, unsigned format);
/* The line `iptables -v -A ...` prints for each rule it adds (also -I,
 * -R, -D and -C). */
void qt_rule_print_cmd(struct qt_buf *b, const struct qt_rule *r);
/* Protocol name as save prints it ("tcp", "gre"), or NULL for a number. */
const char *qt_proto_name(uint16_t proto, bool numeric);
/* xtables_print_num */
void qt_print_num(struct qt_buf *b, uint64_t n, unsigned format);

#endif
