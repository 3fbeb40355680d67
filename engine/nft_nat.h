/* nftables' nat chains on the engine's NAT (engine/nat.h): the snat,
 * dnat, masquerade and redirect statements of `type nat` base chains,
 * as the kernel's nft_nat, nft_masq and nft_redir expressions run
 * them.
 *
 * Kernel semantics reproduced (checked with nft 1.0.6 on kernel 6.18
 * where a packet shows them):
 *  - A nat base chain is no hook of its own. The nat core registers one
 *    hook per nat hook and family (nf_nat_register_fn) at the nat
 *    priorities, dstnat -100 at prerouting and output, srcnat 100 at
 *    input and postrouting, and nf_nat_inet_fn walks the nat chains of
 *    that hook from there, in ascending priority (at equal priority the
 *    one registered later first). So a filter chain at -95 already sees
 *    the address a nat chain at -90, or at -150, translated. iptables'
 *    nat table is such a chain too (iptables-nft makes it an nft chain
 *    at -100/100), walked among the others by its priority.
 *  - Only a connection's first packet (not yet confirmed) walks them,
 *    and only while its binding for the hook's manip type is not made:
 *    the chain or rule that makes it ends the walk at that hook
 *    (nf_nat_initialized), so later nat chains there never see the
 *    connection. A chain that accepts without binding hands the packet
 *    to the next nat chain; one that drops drops it. A connection no
 *    chain bound gets the null binding. Every later packet, both
 *    directions, is rewritten from the binding (nf_nat_packet).
 *  - Any nat chain of a family registers the nat core at all four
 *    hooks of that family (an inet chain: both families), so a
 *    connection gets its null bindings there too. But a nat chain does
 *    not turn connection tracking on; a nat statement (or a ct
 *    expression) anywhere in a table does, for the table's families
 *    (nf_ct_netns_get at the expression's init). Without tracking the
 *    nat hooks see no connection and walk no nat chain: a drop there
 *    drops nothing, a counter counts nothing.
 *  - The statement ends the rule with the binding's verdict (accept;
 *    drop when masquerade finds no address). In an inet table `dnat ip
 *    to ...` does nothing for an IPv6 packet and `dnat ip6 to ...`
 *    nothing for an IPv4 one (nft_nat_inet_eval compares the
 *    families): the rule goes on with its next statement; masquerade,
 *    redirect and a bare `dnat to :PORT` work in both.
 *
 * The statements run as the targets SNAT, DNAT, MASQUERADE and REDIRECT
 * of extensions/NAT.c do, on a range built from the statement's
 * addresses, ports and flags (random, fully-random, persistent): the
 * same binding, address choice and port search as iptables' rules.
 * `dnat to KEY map {...}` (a nat map, anonymous or named) looks its
 * key up (engine/nft_expr.h's qt_nft_x_index) and runs the element's
 * range; a key the map lacks breaks the rule. The walk of
 * the nat chains with iptables' nat table is engine/program.c's
 * nat_step. */
#ifndef QT_NFT_NAT_H
#define QT_NFT_NAT_H

#include <stdint.h>

#include "buf.h"
#include "eval.h"
#include "ext.h"
#include "nft_model.h"

/* The instance statement s (NFT_S_NAT) runs as in a program of family
 * (AF_INET, AF_INET6): run gets SNAT, DNAT, MASQUERADE or REDIRECT with
 * the statement's range. 0: made; 1: s names the other family and does
 * nothing here (run left empty); -1: it cannot run (message in err). */
int qt_nft_nat_inst(struct qt_ext_run *run, const struct nft_stmt *s,
		    uint8_t family, struct qt_buf *err);

/* A nat map's values (elements el[0..n), as the key's lookup indexes
 * them) as ranges of base, the statement's instance (its flags: random,
 * persistent): *out one per element, an address or a range and the
 * port or ports when the value has them, as nft_nat_eval loads them
 * from the map's registers. 0: made; 1: the map's values are of the
 * other family (the statement does nothing here, as nft_nat_inet_eval
 * skips it); -1: it cannot run (message in err). */
int qt_nft_nat_map_ranges(const struct nft_stmt *s, const struct nft_table *t,
			  const struct qt_ext_inst *base, uint8_t family,
			  const struct nft_elem *el, unsigned n,
			  struct qt_nat_range **out, struct qt_buf *err);

/* What tells two nat statements apart (a rule's runtime signature). */
uint32_t qt_nft_nat_sig(const struct nft_stmt *s);

/* Fail closed: 0 when every nat statement t's base chains reach sits
 * under a nat chain of a hook its kind works on (the front end refuses
 * the others as nft does), else -1 with a message in err. */
int qt_nft_nat_check(const struct nft_table *t, struct qt_buf *err);

#endif
