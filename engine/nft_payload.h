/* nft's payload statement (ip dscp set af23, tcp dport set 22): a
 * header field of the packet rewritten, its checksums fixed as the
 * kernel's nft_payload_set_eval fixes them. */
#ifndef QT_NFT_PAYLOAD_H
#define QT_NFT_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "eval.h"
#include "nft_expr.h"
#include "nft_model.h"

struct qt_nft_pset {
	struct qt_nft_part f;       /* where the field is */
	uint32_t bits;              /* the value (fields of up to 32 bits) */
	uint8_t val[16];            /* wider ones: the bytes (addresses) */
	uint8_t csum_off;           /* the header's checksum: its offset */
	bool csum;                  /* the header has an Internet checksum
	                               the kernel updates (IPv4's, TCP's,
	                               UDP's, ICMP's, ICMPv6's) */
	bool pseudo;                /* the field is in the transport
	                               checksum's pseudo-header (IPv4
	                               saddr, daddr, protocol; IPv6 saddr,
	                               daddr) */
};

/* s (NFT_S_SET_FIELD of a header field) compiled; -1 with "qtables
 * cannot run ..." in err for what the engine does not rewrite as the
 * kernel does (SCTP's CRC, DCCP, UDP-Lite, th). */
int qt_nft_pset_compile(struct qt_nft_pset *ps, const struct nft_stmt *s,
			struct qt_buf *err);
/* Rewrite ev's packet; false when it has no such field (the kernel's
 * expression then breaks the rule). */
bool qt_nft_pset_run(const struct qt_nft_pset *ps, struct qt_eval *ev);

#endif
