/* What ip6tables' DNPT and SNPT targets share (extensions/DNPT.c,
 * extensions/SNPT.c): RFC 6296's stateless, checksum-neutral IPv6
 * prefix translation as the kernel's ip6t_NPT does it, and the options,
 * checks and printers of iptables 1.8.9's libip6t_DNPT/libip6t_SNPT,
 * which are the same for both but for the name. */
#ifndef QT_NPT_H
#define QT_NPT_H

#include <stdbool.h>
#include <stdint.h>

#include "ext.h"

struct qt_eval;

/* The rule's data (struct ip6t_npt_tginfo): the prefixes as given (the
 * host bits are not cleared: the kernel refuses a prefix that has
 * them), their lengths, and the adjustment made from them. */
struct qt_npt_data {
	uint8_t src_pfx[16];
	uint8_t dst_pfx[16];
	uint8_t src_len, dst_len;
	/* One's complement sum of src_pfx's words minus dst_pfx's (host
	 * order), set by qt_npt_check once both prefixes are known. */
	uint16_t adjustment;
};

enum { QT_NPT_O_SRC, QT_NPT_O_DST };

extern const struct qt_ext_opt qt_npt_opts[];

/* --src-pfx / --dst-pfx: ADDR[/LEN] as xtables' hostmask type reads
 * it for IPv6 (a name's first IPv6 address; a prefix length or an
 * IPv6 mask; 128 when absent). */
int qt_npt_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		 struct qt_ctx *ctx);
/* The generic checks (both options are mandatory), then the
 * adjustment. */
int qt_npt_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		 struct qt_ctx *ctx);
/* ip6t_npt_checkentry and the target's registration: the mangle
 * table, only the hooks given (a bit per enum qt_hook), prefixes of at
 * most 64 bits without host bits. 0 or EINVAL. */
int qt_npt_kcheck(const struct qt_ext_inst *in, const struct qt_rule_env *env,
		  unsigned hooks);
void qt_npt_save(const struct qt_ext_inst *in, struct qt_buf *b);
/* -L: " NAME src-pfx A/N dst-pfx B/M". */
void qt_npt_print(const struct qt_ext_inst *in, struct qt_buf *b,
		  const char *name);

/* The adjustment of two prefixes (ip6t_npt_checkentry). */
uint16_t qt_npt_adjustment(const uint8_t src_pfx[16],
			   const uint8_t dst_pfx[16]);
/* ip6t_npt_map_pfx: addr's first max(src_len, dst_len) bits become
 * dst_pfx's, and one 16-bit word after them takes the adjustment so
 * that the one's complement sum of the address, and with it every
 * checksum over a pseudo-header, stays the same: bits 48-63 for a
 * prefix of up to 48 bits, else the first word of bits 64-127 that is
 * not 0xffff. A result of 0xffff is written as 0 (the same value in
 * one's complement). false, addr partly rewritten, when all those
 * words are 0xffff: the kernel drops such a packet. */
bool qt_npt_map(const struct qt_npt_data *d, uint8_t addr[16]);

/* The target on a packet: the source (SNPT) or destination (DNPT)
 * address of an IPv6 packet mapped; a transport checksum the queue
 * left partial is completed first, as a packet handed back loses that
 * state. With prefixes of one length the mapping leaves every checksum
 * valid; with two lengths the bits between them change unadjusted and
 * the transport checksum goes wrong, as it does in the kernel. QT_XT_CONTINUE, or QT_XT_DROP when the address cannot be
 * mapped or the queue's copy is not the whole packet. */
int qt_npt_target(const struct qt_ext_inst *in, struct qt_eval *ev,
		  bool source);

#endif
