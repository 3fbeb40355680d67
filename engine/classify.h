/* The classifier of one chain: for a packet's header fields, the
 * ascending list of rules that can match it, so that walking a chain
 * costs what its candidate rules cost, not what all its rules cost.
 *
 * Each rule states, per field, the inclusive range a packet must be in
 * for the rule to possibly match (the full range when it does not care,
 * or when its condition is inverted: an inverted range is not a range).
 * The classifier picks the one field that splits the chain best (the
 * smallest longest candidate list), cuts that field's value space into
 * elementary intervals at the rules' boundaries, and stores for each
 * interval the rules covering it, in rule order. A lookup is one binary
 * search. The candidate list is a superset of the matching rules: the
 * engine still runs every condition of every candidate, in order, so
 * first-match semantics, jumps and RETURN are untouched.
 *
 * Port fields: a packet without TCP/UDP ports (other protocols, a
 * transport part too short) gets the rules that do not ask for ports. */
#ifndef QT_CLASSIFY_H
#define QT_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

enum qt_cls_field {
	QT_CLS_SRC,        /* IPv4 source, host order */
	QT_CLS_DST,
	QT_CLS_PROTO,
	QT_CLS_SPORT,
	QT_CLS_DPORT,
	QT_CLS_NFIELDS,
	QT_CLS_LINEAR = QT_CLS_NFIELDS,  /* no field: every rule */
};

struct qt_cls_range {
	uint32_t lo[QT_CLS_NFIELDS], hi[QT_CLS_NFIELDS];
};

/* The full range of each field (what "does not care" is). */
void qt_cls_range_any(struct qt_cls_range *r);

struct qt_cls;

/* Build over n rules' ranges. NULL only when out of memory. */
struct qt_cls *qt_cls_build(const struct qt_cls_range *rules, uint32_t n);
/* Another user of c (programs sharing an unchanged chain); free()
 * drops one. Control thread only. */
struct qt_cls *qt_cls_ref(struct qt_cls *c);
/* Every rule for every packet (what short chains get). */
struct qt_cls *qt_cls_build_linear(uint32_t n);
void qt_cls_free(struct qt_cls *c);

/* The candidates for a packet: key[] per field; has_ports false when the
 * packet has no TCP/UDP ports. Returns the list, *n its length. */
const uint32_t *qt_cls_lookup(const struct qt_cls *c,
			      const uint32_t key[QT_CLS_NFIELDS],
			      bool has_ports, uint32_t *n);

/* The field chosen (QT_CLS_LINEAR when none helps) and the longest list:
 * for tests and the benchmark's report. */
enum qt_cls_field qt_cls_field(const struct qt_cls *c);
uint32_t qt_cls_longest(const struct qt_cls *c);

#endif
