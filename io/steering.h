/* The kernel side of steering: qtables' own chains in the mangle table,
 * jumped to from the five built-in chains, each sending every packet to
 * NFQUEUE; and in raw, CT --notrack so kernel conntrack stays out of the
 * way. The same chains for each family: IPv4's through
 * iptables-nft-restore, IPv6's through ip6tables-nft-restore, each
 * installed and removed in one atomic --noflush transaction. */
#ifndef QT_STEERING_H
#define QT_STEERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QT_STEER_RESTORE "/usr/sbin/iptables-nft-restore"
#define QT_STEER_SAVE "/usr/sbin/iptables-nft-save"
#define QT_STEER_RESTORE6 "/usr/sbin/ip6tables-nft-restore"
#define QT_STEER_SAVE6 "/usr/sbin/ip6tables-nft-save"

/* The families of one install (qt_steer_install_families). */
#define QT_STEER_V4 0x1
#define QT_STEER_V6 0x2
#define QT_STEER_PREFIX "QTABLES-"

struct qt_steer_config {
	uint16_t queue_first, queue_last; /* last > first: --queue-balance */
	bool bypass;                      /* --queue-bypass (fail-open) */
	bool notrack;                     /* raw CT --notrack */
	/* The hooks to queue at, bit per NF_INET_* hook (PREROUTING 0 ..
	 * POSTROUTING 4), when hooks_set; else all five. */
	bool hooks_set;
	uint8_t hooks;
	/* The kernel reassembles fragments before the hooks (it does when
	 * a ruleset tracks connections): a counting conntrack rule in raw. */
	bool defrag;
	/* IPv6: its hooks and defrag as hooks and defrag are IPv4's (the
	 * queues, bypass, notrack and the link-layer queues are shared:
	 * one engine judges both families) */
	uint8_t hooks6;
	bool defrag6;
	/* The link-layer packet type (skb->pkt_type), which NFQUEUE does
	 * not hand over, told by the queue instead: broadcast frames go to
	 * queues l2_first.., multicast frames to the next as many, one per
	 * main queue and chosen by the same balancing hash (so a flow's
	 * packets meet one thread whatever their frame); unicast frames
	 * (tried first) and the rest to the main queues, as before. */
	bool l2;
	uint16_t l2_first;
	const char *restore;              /* NULL: QT_STEER_RESTORE */
	const char *save;                 /* NULL: QT_STEER_SAVE */
	const char *restore6;             /* NULL: QT_STEER_RESTORE6 */
	const char *save6;                /* NULL: QT_STEER_SAVE6 */
};

void qt_steer_config_default(struct qt_steer_config *c, uint16_t queue);

/* The link-layer queues of c: broadcast frames' first queue, multicast
 * frames' first queue (each c->queue_last - c->queue_first + 1 long). */
uint16_t qt_steer_l2_bcast(const struct qt_steer_config *c);
uint16_t qt_steer_l2_mcast(const struct qt_steer_config *c);

/* The restore text that removes what `current` (an iptables-nft-save
 * text) holds of ours, then installs c (c NULL: remove only). Returns
 * the length, or -1 when it does not fit in len. The IPv4 one;
 * qt_steer_script6 the same for IPv6 (ip6tables-nft-save's text, c's
 * hooks6 and defrag6). */
int qt_steer_script(const struct qt_steer_config *c, const char *current,
		    char *buf, size_t len);
int qt_steer_script6(const struct qt_steer_config *c, const char *current,
		     char *buf, size_t len);

/* Install (replacing any earlier install) / remove, both families. 0,
 * or -1 with a message in err. A failed install leaves what it did:
 * steered packets with no daemon to judge them are dropped (closed),
 * where taking steering out would let them pass. */
int qt_steer_install(const struct qt_steer_config *c, char *err, size_t errlen);
int qt_steer_remove(const struct qt_steer_config *c, char *err, size_t errlen);
/* Install c for the families in which (QT_STEER_V4 | QT_STEER_V6)
 * only: a commit of one family leaves the other's steering alone. */
int qt_steer_install_families(const struct qt_steer_config *c,
			      unsigned which, char *err, size_t errlen);

/* Run path argv with input on its stdin; its stdout and stderr go to
 * *output (malloc'd, NUL-terminated). Returns the exit status, or -1.
 * (The steering's tools, and nft for the NAT offload's table.) */
int qt_steer_run_tool(const char *path, char *const argv[],
		      const char *input, char **output);

#endif
