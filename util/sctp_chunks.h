/* SCTP packets as the kernel reads them (RFC 9260): the 12-byte common
 * header (ports, verification tag, CRC32c) and the chunks after it,
 * each a 4-byte header (type, flags, length) and its value, padded to 4
 * bytes. The sctp match and the SCTP connection tracker walk the chunks
 * with these, each with the kernel's own rules for a chunk that does not
 * fit. Header-only: nothing here allocates or keeps state. */
#ifndef QT_SCTP_CHUNKS_H
#define QT_SCTP_CHUNKS_H

#include <stdbool.h>
#include <stdint.h>

#define QT_SCTP_HDR_LEN 12
#define QT_SCTP_CHUNK_HDR_LEN 4
/* The fixed part of INIT and INIT ACK after the chunk header: the
 * initiate tag first, then a_rwnd, stream counts and the initial TSN. */
#define QT_SCTP_INITHDR_LEN 16

/* Chunk types (SCTP_CID_*). */
enum qt_sctp_cid {
	QT_SCTP_CID_DATA = 0,
	QT_SCTP_CID_INIT = 1,
	QT_SCTP_CID_INIT_ACK = 2,
	QT_SCTP_CID_SACK = 3,
	QT_SCTP_CID_HEARTBEAT = 4,
	QT_SCTP_CID_HEARTBEAT_ACK = 5,
	QT_SCTP_CID_ABORT = 6,
	QT_SCTP_CID_SHUTDOWN = 7,
	QT_SCTP_CID_SHUTDOWN_ACK = 8,
	QT_SCTP_CID_ERROR = 9,
	QT_SCTP_CID_COOKIE_ECHO = 10,
	QT_SCTP_CID_COOKIE_ACK = 11,
	QT_SCTP_CID_ECN_ECNE = 12,
	QT_SCTP_CID_ECN_CWR = 13,
	QT_SCTP_CID_SHUTDOWN_COMPLETE = 14,
};

/* ABORT and SHUTDOWN COMPLETE: the tag is the peer's, not the
 * receiver's. */
#define QT_SCTP_FLAG_T 0x01

struct qt_sctp_chunk {
	uint32_t off;             /* of its header in the transport bytes */
	uint16_t len;             /* its length field (header included) */
	uint8_t type, flags;
};

static inline uint32_t qt_sctp_get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* The chunk whose header is at off of the transport bytes l4[0..n);
 * false when its 4-byte header is not all there. */
static inline bool qt_sctp_chunk_at(const uint8_t *l4, uint32_t n,
				    uint32_t off, struct qt_sctp_chunk *c)
{
	if (off > n || n - off < QT_SCTP_CHUNK_HDR_LEN)
		return false;
	c->off = off;
	c->type = l4[off];
	c->flags = l4[off + 1];
	c->len = (uint16_t)(l4[off + 2] << 8 | l4[off + 3]);
	return true;
}

/* Where the next chunk starts: the length rounded up to 4. A length of
 * 0 does not move on: each walker refuses it first, as the kernel does,
 * so every walk advances by at least 4 bytes a step. */
static inline uint32_t qt_sctp_chunk_next(const struct qt_sctp_chunk *c)
{
	return c->off + (((uint32_t)c->len + 3u) & ~3u);
}

/* The initiate tag of INIT or INIT ACK chunk c, if the transport bytes
 * hold the chunk's whole fixed part (the kernel reads it as one). */
static inline bool qt_sctp_init_tag(const uint8_t *l4, uint32_t n,
				    const struct qt_sctp_chunk *c,
				    uint32_t *tag)
{
	uint32_t at = c->off + QT_SCTP_CHUNK_HDR_LEN;
	if (at > n || n - at < QT_SCTP_INITHDR_LEN)
		return false;
	*tag = qt_sctp_get32(l4 + at);
	return true;
}

#endif
