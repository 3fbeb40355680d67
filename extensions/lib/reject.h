/* REJECT's reply: the TCP reset or ICMP (ICMPv6) destination-unreachable
 * the kernel's REJECT target would send for an offending IPv4 (IPv6)
 * packet, built into a caller's buffer. Facts observed on kernel 6.18
 * with iptables-nft and ip6tables-nft 1.8.9 (tests/unit/reject_vectors.txt
 * and reject6_vectors.txt hold the recordings). */
#ifndef QT_REJECT_H
#define QT_REJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* Same values as extensions/REJECT.c's REJ_* kinds. */
enum qt_reject_kind { QT_REJECT_ICMP = 0, QT_REJECT_TCP_RESET = 1 };

/* ICMP errors never exceed this (header, ICMP header, quote). */
#define QT_REJECT_MAX 576
/* ICMPv6 errors never exceed IPv6's minimum MTU (icmp6_send). */
#define QT_REJECT6_MAX 1280

/* What the kernel takes from state the packet does not carry. */
struct qt_reject_env {
	uint8_t ttl;            /* the route's hop limit; 0 means 64 */
	uint16_t ip_id;         /* ID of ICMP errors (the kernel's is hashed state;
				 * its resets always carry 0) */
	struct in_addr icmp_saddr; /* source of ICMP errors; 0.0.0.0 means the
				 * packet's destination (right for local delivery;
				 * forwarded: the address routing picks towards
				 * the sender) */
	bool csum_ok;           /* the kernel vouched for the transport checksum
				 * (locally generated, checksum not ready or
				 * already verified): skip verifying it */
	bool dst_bcast;         /* destination is a broadcast address here */
	bool l2_not_host;       /* the frame was link-layer broadcast/multicast */
	/* IPv6 */
	struct in6_addr icmp_saddr6; /* source of ICMPv6 errors; :: means the
				 * packet's destination (right for local
				 * delivery) */
	uint32_t flowlabel;     /* of ICMPv6 errors: the kernel's is a hash of
				 * the flow with a secret of its boot (resets
				 * carry 0) */
};

/* Build the reply for p into out (cap bytes). kind and icmp_code as in the
 * rule's REJECT data (for IPv6 the code of ICMPv6 destination
 * unreachable). Returns the reply's length, or 0 when the kernel
 * would send nothing (or cap is too small). env may be NULL (defaults). */
size_t qt_reject_build(const struct qt_pkt *p, enum qt_reject_kind kind,
		       uint8_t icmp_code, const struct qt_reject_env *env,
		       uint8_t *out, size_t cap);

/* The ICMPv6 error of type, code and info (the word after the checksum:
 * a parameter problem's pointer) icmp6_send sends about p when a target
 * raises it (ip6t_NPT's parameter problem): its rules on whom to answer
 * and the quote, with no check of the transport header or checksum.
 * Returns its length, or 0 when the kernel would send nothing. */
size_t qt_icmp6_error_build(const struct qt_pkt *p, uint8_t type,
			    uint8_t code, uint32_t info,
			    const struct qt_reject_env *env, uint8_t *out,
			    size_t cap);

#endif
