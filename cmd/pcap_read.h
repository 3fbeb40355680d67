/* A small reader of classic libpcap files (not pcapng) for
 * qtables-replay: both byte orders, micro- and nanosecond timestamps.
 * Every length in the file is checked before it is used, so a truncated
 * or hostile file gives an error message, never a crash or a huge
 * allocation. */
#ifndef QT_PCAP_READ_H
#define QT_PCAP_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

/* The largest record accepted (libpcap's own MAXIMUM_SNAPLEN). */
#define QT_PCAP_MAX_REC 262144u

/* The link types qtables-replay understands. */
#define QT_PCAP_LINK_ETHERNET 1
#define QT_PCAP_LINK_RAW      101
#define QT_PCAP_LINK_SLL      113
#define QT_PCAP_LINK_IPV4     228   /* raw IPv4 only */
#define QT_PCAP_LINK_IPV6     229   /* raw IPv6 only */
#define QT_PCAP_LINK_SLL2     276   /* Linux cooked v2 (tcpdump -i any) */

struct qt_pcap {
	FILE *f;
	const char *path;
	bool swap;             /* file written on the other byte order */
	bool nsec;             /* timestamps in nanoseconds */
	uint32_t linktype;
	uint32_t snaplen;
	uint64_t recno;        /* records read so far */
};

struct qt_pcap_rec {
	uint64_t ts_ns;        /* capture time, ns since the epoch */
	uint32_t caplen;       /* bytes in buf */
	uint32_t origlen;      /* bytes on the wire */
};

/* Open path and read its header. 0, or -1 with a message in err. */
int qt_pcap_open(struct qt_pcap *pc, const char *path, struct qt_buf *err);
void qt_pcap_close(struct qt_pcap *pc);

/* The next record into buf (cap bytes, at least QT_PCAP_MAX_REC).
 * 1: a record; 0: end of file; -1: malformed file, message in err. */
int qt_pcap_next(struct qt_pcap *pc, struct qt_pcap_rec *r, uint8_t *buf,
		 uint32_t cap, struct qt_buf *err);

#endif
