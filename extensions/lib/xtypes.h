/* Small helpers shared by several extensions: printing an address,
 * list items, iptables-nft's folding of inverted port ranges (used by
 * port_match.c), and reading ports on the packet path. Option arguments are read by the generic
 * option layer (parser/ext_opt.c), not here. Header-only: each helper
 * is small, and a file that does not use one pays nothing. */
#ifndef QT_XTYPES_H
#define QT_XTYPES_H

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "addr.h"
#include "ext.h"

/* A dotted quad for printing (network order). */
static inline void xt_put_ip(struct qt_buf *b, uint32_t addr_be)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = addr_be };
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	qt_buf_puts(b, buf);
}

/* Case-insensitive match of one list item (len bytes) against a name. */
static inline bool xt_item_is(const char *item, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(item, name, len) == 0;
}


/* iptables-nft 1.8.9 turns an inverted port range from 0 into the
 * range above it: "! --dport 0:100" is stored and listed as
 * "--dport 101:65535", and "! --dport 0:65535" checks nothing at all
 * (a single "! --sport 0" stays). Returns true when the option is left
 * checking nothing that way. */
static inline bool xt_nft_port_invert_fold(uint16_t p[2], uint8_t *inv,
					   uint8_t bit)
{
	if (!(*inv & bit) || p[0] != 0 || p[1] == 0)
		return false;
	*inv &= (uint8_t)~bit;
	if (p[1] == 0xFFFF)
		return true;
	p[0] = (uint16_t)(p[1] + 1);
	p[1] = 0xFFFF;
	return false;
}

/* Both port options of a tcp/udp match folded that way; true when one
 * of them was left checking nothing (the caller then drops the match
 * if nothing else is left in it). */
static inline bool xt_nft_ports_fold(uint16_t s[2], uint16_t d[2],
				     uint8_t *inv, uint8_t sbit, uint8_t dbit)
{
	bool es = xt_nft_port_invert_fold(s, inv, sbit);
	bool ed = xt_nft_port_invert_fold(d, inv, dbit);
	return es || ed;
}

/* ---- engine side, shared by tcp and udp ---- */
#include "eval.h"

/* A big-endian 16-bit field at off in the transport header, if the
 * packet has those bytes (l4_len counts up to the IP total length). */
static inline bool xt_l4_get16(const struct qt_pkt *p, uint32_t off,
			       uint16_t *v)
{
	if (!p->l4 || off + 2 > p->l4_len)
		return false;
	*v = (uint16_t)(p->l4[off] << 8 | p->l4[off + 1]);
	return true;
}

/* The port checks iptables-nft 1.8.9 builds as native nf_tables
 * expressions for -m tcp / -m udp (add_nft_tcpudp). Facts checked on
 * the kernel (6.18, see tests/unit/test_match_headers.c):
 *  - a full range 0:65535 emits nothing, even inverted;
 *  - one port on each side with the same inversion is one 32-bit
 *    compare, so "! --sport A ! --dport B" means "not (A and B)";
 *  - a load that cannot be made fails the rule, never drops the packet;
 *  - the fast payload load needs only the bytes it reads and ignores
 *    the fragment offset: a non-first fragment is matched on the bytes
 *    at the transport offset, and 4 bytes of a TCP header (or a data
 *    offset below 5) are enough for --dport. The classifier reads ports
 *    the same way (engine/program.c). */
static inline bool xt_nft_ports_match(const struct qt_pkt *p,
				      const uint16_t s[2], bool inv_s,
				      const uint16_t d[2], bool inv_d)
{
	uint16_t sp, dp;
	if (s[0] && s[0] == s[1] && d[0] && d[0] == d[1] && inv_s == inv_d) {
		if (!xt_l4_get16(p, 0, &sp) || !xt_l4_get16(p, 2, &dp))
			return false;
		return (sp == s[0] && dp == d[0]) != inv_s;
	}
	if (s[0] || s[1] != 0xFFFF) {
		if (!xt_l4_get16(p, 0, &sp))
			return false;
		if ((sp >= s[0] && sp <= s[1]) == inv_s)
			return false;
	}
	if (d[0] || d[1] != 0xFFFF) {
		if (!xt_l4_get16(p, 2, &dp))
			return false;
		if ((dp >= d[0] && dp <= d[1]) == inv_d)
			return false;
	}
	return true;
}

/* Classifier ranges of a port option given without '!'. */
static inline void xt_class_ports(struct qt_class_key *k, bool given_s,
				  const uint16_t s[2], bool given_d,
				  const uint16_t d[2])
{
	if (given_s) {
		k->sport_set = true;
		k->sport[0] = s[0];
		k->sport[1] = s[1];
	}
	if (given_d) {
		k->dport_set = true;
		k->dport[0] = d[0];
		k->dport[1] = d[1];
	}
}

#endif
