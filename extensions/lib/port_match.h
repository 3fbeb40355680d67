/* What the tcp, udp and sctp matches (and any other port match built
 * the same way) share: their data starts with a source and a destination
 * port range, inversion bits QT_PORTS_INV_SRC/DST sit in one byte of it,
 * and iptables-nft 1.8.9 treats them alike: a match with ports becomes a
 * native expression that only wants the protocol number given (even
 * inverted), ports that fold to nothing drop the match, and a match with
 * nothing at all stays the kernel's xt match bound to a plain -p. A
 * match iptables-nft never makes native (sctp) is the kernel's xt match
 * whatever it holds: its ranges stay as given and it is always bound to
 * a plain -p. */
#ifndef QT_PORT_MATCH_H
#define QT_PORT_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ext.h"

#define QT_PORTS_INV_SRC 0x01
#define QT_PORTS_INV_DST 0x02

/* The first members of such a match's data. */
struct qt_ports_head {
	uint16_t spts[2];      /* inclusive; 0:65535 when not given */
	uint16_t dpts[2];
};

struct qt_port_match {
	uint16_t proto;              /* IPPROTO_* the match is bound to */
	const char *needs_proto;     /* iptables' message when -p is not it */
	size_t inv_off;              /* offset of the inversion byte */
	/* Options other than ports are set (NULL: the match has none). */
	bool (*has_more)(const void *data);
	/* iptables-nft 1.8.9 has no native expression for the match: it is
	 * always the kernel's xt match (no folding, no needs_proto
	 * message, the kernel's protocol binding even with ports). */
	bool xt_only;
};

static inline bool qt_ports_all(const struct qt_ports_head *h)
{
	return h->spts[0] == 0 && h->spts[1] == 0xFFFF && h->dpts[0] == 0 &&
	       h->dpts[1] == 0xFFFF;
}

/* No port given, no inversion, nothing else set (inline: the packet
 * path asks it). */
static inline bool qt_port_match_bare(const struct qt_port_match *pm,
				      const void *data)
{
	return qt_ports_all(data) && !((const uint8_t *)data)[pm->inv_off] &&
	       !(pm->has_more && pm->has_more(data));
}
/* The parse-time check: the protocol, then iptables-nft's folding of
 * inverted ranges from 0 (stored folded, as iptables-nft lists them). */
int qt_port_match_check(const struct qt_port_match *pm,
			struct qt_ext_inst *in,
			const struct qt_rule_env *env, struct qt_ctx *ctx);
/* True when the options fold to nothing left to check. */
bool qt_port_match_is_noop(const struct qt_port_match *pm,
			   const struct qt_ext_inst *in);
/* The kernel's check of a bare match: EINVAL unless -p is the protocol. */
int qt_port_match_kcheck(const struct qt_port_match *pm,
			 const struct qt_ext_inst *in,
			 const struct qt_rule_env *env);

/* The kernel's xt port check of a packet's ports (host order): each
 * range holds the port, or does not when inverted. */
bool qt_port_match_ports(const struct qt_port_match *pm, const void *data,
			 uint16_t sport, uint16_t dport);

#endif
