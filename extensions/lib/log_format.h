/* The text of a -j LOG line for an IPv4 or IPv6 packet, byte for byte as
 * Linux's nf_log (nf_log_syslog.c) prints it, so tools that parse kernel
 * firewall logs read ours unchanged. Checked against lines the kernel
 * itself printed (tests/unit/log_vectors.txt and log6_vectors.txt,
 * Linux 6.18). */
#ifndef QT_LOG_FORMAT_H
#define QT_LOG_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "packet.h"

/* The kernel's NF_LOG_* bits, as extensions/LOG.c stores them. */
#define QT_LOG_TCPSEQ    0x01
#define QT_LOG_TCPOPT    0x02
#define QT_LOG_IPOPT     0x04
#define QT_LOG_UID       0x08
#define QT_LOG_MACDECODE 0x20

#define QT_LOG_PREFIX_MAX 29

/* The rule's LOG data (the same layout as extensions/LOG.c's). */
struct qt_log_opts {
	uint8_t level;                        /* syslog level, for the caller */
	uint8_t flags;                        /* QT_LOG_* */
	char prefix[QT_LOG_PREFIX_MAX + 1];   /* NUL-terminated or full */
};

/* What the kernel knows beside the packet. */
struct qt_log_meta {
	const char *in, *out;    /* interface names; NULL or "" when none */
	/* The link header as received (only printed when there is an input
	 * interface); mac_len is the device's header length, 0 for none. */
	const uint8_t *mac;
	uint32_t mac_len;
	bool mac_ether;          /* Ethernet device: --log-macdecode decodes */
	bool has_sock;           /* a local socket owns it: uid/gid known */
	uint32_t uid, gid;       /* the socket file's fsuid/fsgid */
	uint32_t mark;           /* printed when non-zero */
};

/* Append the line (no newline, the kernel's trailing blank kept) to b.
 * The packet's bytes are p->data, up to the smaller of p->len and its
 * total length (IPv6: 40 + payload length); p->family picks the layout.
 * A copy shorter than the packet logs as truncated. */
void qt_log_format(struct qt_buf *b, const struct qt_pkt *p,
		   const struct qt_log_meta *m, const struct qt_log_opts *o);

#endif
