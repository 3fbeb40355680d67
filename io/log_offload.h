/* Log offload: the kernel logs to netlink groups, or to the audit log,
 * what the engine tagged (engine/nflog_tag.h has the tag and why).
 *
 * qtablesd's own nft table of a family (QT_LOGOFF_TABLE, ip and ip6)
 * holds a base chain at each hook the family's program queues, at
 * priority -149, right after the steering's queue (mangle, -150)
 * (at a hook not queued, a mark set by others is never taken for a
 * tag), which looks the tag bits
 * of the mark up in a verdict map: each tag a program can give (its
 * first slot, second slot or none, drop or not) goes to a chain of one
 * rule that takes the tag out of the mark (the mark the rules left,
 * which the log message carries and everything after sees), logs with
 * the first slot's parameters then the second's, and accepts or drops.
 * An audit slot's statement is nft's `log level audit` (nft_log), for
 * iptables' -j AUDIT too: the record xt_AUDIT writes is the same, its
 * --type never in it, and nft's JSON input has no xt target to give.
 * A packet whose tag bits name nothing (tagged by a program replaced
 * just now) has them cleared and goes on. OUTPUT's chain is a route
 * chain: a packet whose mark it restores is routed again.
 *
 * Lifecycle (daemon/datapath.c): installed, or replaced in one nft
 * transaction, before a program that logs is swapped in (a commit
 * whose table cannot be installed fails); deleted when a program logs
 * no more, at stop and at a handover (the next daemon installs its own
 * before its first verdict); a table a killed daemon left is deleted at
 * start. */
#ifndef QT_LOG_OFFLOAD_H
#define QT_LOG_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "nflog_tag.h"

#define QT_LOGOFF_TABLE "qtables_log"
#define QT_LOGOFF_NFT "/usr/sbin/nft"
/* the priority of its base chains: right after the queue's (-150) */
#define QT_LOGOFF_PRIO (-149)

/* The nft script (its JSON input, whose strings can hold any prefix,
 * where its text has no escape for a double quote) that makes the
 * family's table anew from slots, with base chains at the hooks of
 * hookmask (bit per NF_INET_* hook: those queued, the only ones where a
 * packet can carry a tag of ours; a hook not queued must not take a
 * mark set by others for one), or, slots NULL, deletes it (whether or
 * not it is there), appended to out. */
void qt_logoff_script(bool ip6, const struct qt_nflog_slots *slots,
		      uint8_t hookmask, struct qt_buf *out);
/* Run it through nft: 0, or -1 with nft's message in err. */
int qt_logoff_table(const char *nft, bool ip6,
		    const struct qt_nflog_slots *slots, uint8_t hookmask,
		    char *err, size_t errlen);
/* Is the family's table there (asked over netlink)? false when the
 * question cannot be asked. */
bool qt_logoff_present(bool ip6);
/* Delete the tables of both families when either is there (asked over
 * netlink first: no nft process when none is). 0, or -1. */
int qt_logoff_remove_all(const char *nft, char *err, size_t errlen);

#endif
