/* The IP header's DS field (IPv4's TOS byte, IPv6's traffic class):
 * the names iptables gives its values (the TOS names of RFC 1349 and
 * the DSCP classes of RFC 2474/2597/3246), and the rewrite the
 * kernel's TOS and DSCP targets do, with IPv4's header checksum
 * mended as the kernel mends it. Shared by -m tos, -m dscp,
 * -j TOS, -j DSCP and -j ECN. */
#ifndef QT_DSFIELD_H
#define QT_DSFIELD_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "eval.h"

/* A TOS value and mask as iptables' XTTYPE_TOSMASK reads it: a number
 * (any C base, at most 255) with an optional "/MASK" (def_mask when
 * absent), or one of the five TOS names, case-insensitive, whose mask
 * is 0x3f (the ECN bits are left out). iptables' messages. */
int qt_tos_parse(struct qt_ctx *ctx, const char *arg, uint8_t def_mask,
		 uint8_t *value, uint8_t *mask);
/* The TOS name of value under mask 0x3f; NULL for any other pair. */
const char *qt_tos_name(uint8_t value, uint8_t mask);
/* A DSCP class name (CS0..CS7, BE, AF11..AF43, EF) as libxt_dscp's
 * helper reads it: its first letters, case-insensitive (so "ef1"
 * is EF); -1 and iptables' message when none fits. */
int qt_dscp_class(struct qt_ctx *ctx, const char *name);

/* The DS field of the packet ev judges (0 when it is neither family). */
uint8_t qt_dsfield_get(const struct qt_eval *ev);
/* Write (field & keep) | value into the packet's DS field: IPv4's
 * header checksum updated as ipv4_change_dsfield does, IPv6's header
 * has none. Marks ev rewritten when the
 * byte changes (true then); the caller has checked the header is in
 * the copy. A packet whose transport checksum the queue says is partial
 * gets it completed: handed back, it loses that mark. */
bool qt_dsfield_change(struct qt_eval *ev, uint8_t keep, uint8_t value);
/* The transport checksum of a packet handed back rewritten while the
 * queue said it was partial: completed over the whole segment (TCP,
 * UDP), as the kernel would have after the hook. */
void qt_dsfield_complete_l4(struct qt_eval *ev);
/* May a target of this family rewrite ev's packet and hand it back:
 * the IP header (20 or 40 bytes) in the copy and the copy the whole
 * packet (a shorter one would cut it). */
bool qt_dsfield_writable(const struct qt_eval *ev);

#endif
