/* A packet's key for a set (sets/set_store.h) as -m set and -j SET
 * read it: per dimension of the set's type, the source or destination
 * address or port the rule's flags name. */
#ifndef QT_SET_PACKET_H
#define QT_SET_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "ext.h"
#include "packet.h"
#include "set_store.h"

/* IPSET_DIM_MAX: words of a rule's FLAGS */
#define QT_SET_RULE_DIMS 6

/* A set named by a rule (-m set --match-set, -j SET --add-set/--del-set)
 * as libxt_set parses NAME FLAGS: the name (which must name a set where
 * the sets are known), and per word of FLAGS a dimension, bit i of
 * *src set for "src". Returns -1 with iptables' message in ctx. */
int qt_set_ref_parse(const struct qt_opt_arg *a, char name[QT_SET_NAME_MAX],
		     uint8_t *dims, uint8_t *src, uint8_t family,
		     struct qt_ctx *ctx);

/* The rule's flags: ndims words, bit i of src set for "src". False when
 * the rule names fewer dimensions than the set has, or the packet lacks
 * a part the set needs (ports). */
bool qt_set_packet_key(const struct qt_set *s, unsigned ndims, unsigned src,
		       const struct qt_pkt *p, struct qt_set_key *k);

#endif
