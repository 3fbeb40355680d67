/* Layer-4 protocol names: the one table of the names each program of
 * the netfilter family prints or knows without /etc/protocols. */
#ifndef QT_PROTO_NAMES_H
#define QT_PROTO_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* The names iptables knows itself (xtables_chain_protos, "all" for 0),
 * so that /etc/protocols need not be read: NULL for another number. */
const char *qt_proto_known_name(uint16_t num);
/* The number of such a name (case as given), or -1. */
int qt_proto_known_number(const char *name);

/* The name conntrack(8) prints (libnetfilter_conntrack's list), or
 * "unknown". */
const char *qt_proto_ct_name(uint8_t num);

/* The number of such a name, any case, or -1. */
int qt_proto_ct_number(const char *name);

/* Tuples of this protocol carry ports (tcp, udp, udplite, sctp, dccp). */
bool qt_proto_has_ports(uint8_t num);
/* The name services use for it ("tcp" ...) when it has ports, else NULL. */
const char *qt_proto_port_name(uint8_t num);

#endif
