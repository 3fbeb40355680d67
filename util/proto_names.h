/* Layer-4 protocol names iptables knows without /etc/protocols, and the
 * protocols whose tuples carry ports. (conntrack(8)'s names are those of
 * the connection tracker's protocols: engine/ct/conntrack_proto.h.) */
#ifndef QT_PROTO_NAMES_H
#define QT_PROTO_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* The names iptables knows itself (xtables_chain_protos, "all" for 0),
 * so that /etc/protocols need not be read: NULL for another number. */
const char *qt_proto_known_name(uint16_t num);
/* The number of such a name (case as given), or -1. */
int qt_proto_known_number(const char *name);
/* The i-th of those names, NULL past the last (for suggestions). */
const char *qt_proto_known_at(unsigned i);

/* Tuples of this protocol carry ports (tcp, udp, udplite, sctp, dccp). */
bool qt_proto_has_ports(uint8_t num);
/* The name services use for it ("tcp" ...) when it has ports, else NULL. */
const char *qt_proto_port_name(uint8_t num);

#endif
