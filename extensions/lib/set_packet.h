/* A packet's key for a set (sets/set_store.h) as -m set and -j SET
 * read it: per dimension of the set's type, the source or destination
 * address or port the rule's flags name. */
#ifndef QT_SET_PACKET_H
#define QT_SET_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"
#include "set_store.h"

/* The rule's flags: ndims words, bit i of src set for "src". False when
 * the rule names fewer dimensions than the set has, or the packet lacks
 * a part the set needs (ports). */
bool qt_set_packet_key(const struct qt_set *s, unsigned ndims, unsigned src,
		       const struct qt_pkt *p, struct qt_set_key *k);

#endif
