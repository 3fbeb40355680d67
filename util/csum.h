/* Internet checksums as netfilter verifies them (nf_ip_checksum): used by
 * REJECT (the kernel answers no packet whose checksum fails) and by
 * connection tracking (a packet whose checksum fails at PREROUTING is
 * INVALID, while nf_conntrack_checksum is on). */
#ifndef QT_CSUM_H
#define QT_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* The Internet checksum of len bytes, folded, not complemented, added to
 * sum (a running 32-bit one's complement sum). */
uint32_t qt_csum_add(uint32_t sum, const uint8_t *b, size_t len);
uint16_t qt_csum_fold(uint32_t sum);

/* Incremental updates of a checksum field (network order, at check)
 * when data it covers changes (RFC 1624, eqn. 3; the kernel's
 * csum_replace2 and csum_replace4): a 16-bit word from -> to, or four
 * bytes (an IPv4 address, network order) from -> to. */
void qt_csum_replace2(uint8_t *check, uint16_t from, uint16_t to);
void qt_csum_replace4(uint8_t *check, const uint8_t *from, const uint8_t *to);

/* A transport checksum computed whole, as the kernel does when it
 * completes a partial one or a rewrite leaves none to update: the
 * pseudo-header of the IP header at ip (IPv4's addresses at ip + 12,
 * IPv6's at ip + 8, by its version), proto and the length n, then the
 * n bytes of the segment at th with its check field (th + at) taken as
 * 0. zero_ffff: a result of 0 is written 0xffff (UDP's 0 means no
 * checksum). */
void qt_csum_l4_whole(const uint8_t *ip, uint8_t *th, uint32_t n,
		      uint8_t proto, unsigned at, bool zero_ffff);

/* Does p's transport checksum hold, as the kernel checks a packet it has
 * not verified (CHECKSUM_NONE)? IPv4: it sums from the IP header on, as
 * the kernel does (a header changed on the way without its checksum
 * fixed fails), plus the pseudo-header for TCP and UDP; other protocols
 * (ICMP) must sum to zero by themselves. IPv6: the transport bytes and
 * the pseudo-header, for every protocol (ICMPv6's covers it too). SCTP
 * has a CRC-32C instead. true
 * when it cannot tell: the queue's
 * copy lacks part of the packet. (A UDP checksum of 0, "none", is the
 * caller's to skip: the kernel's users differ.) */
bool qt_pkt_csum_holds(const struct qt_pkt *p);

#endif
