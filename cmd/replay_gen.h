/* Synthetic IPv4 packets for qtables-replay --gen: protocols, address
 * and port ranges from a spec string, drawn from a seeded generator so
 * the same spec and seed always give the same packets. */
#ifndef QT_REPLAY_GEN_H
#define QT_REPLAY_GEN_H

#include <stdint.h>

#include "buf.h"

#define QT_GEN_MAX_PROTOS 8

struct qt_gen {
	uint8_t protos[QT_GEN_MAX_PROTOS];
	unsigned nprotos;
	uint32_t src[2], dst[2];       /* host order, inclusive */
	uint16_t sport[2], dport[2];
	uint16_t payload[2];           /* payload bytes */
	uint8_t ttl[2];
	uint8_t tcp_flags[QT_GEN_MAX_PROTOS];  /* TCP flag sets to draw */
	unsigned nflags;
	uint32_t rate;                 /* packets per second (timestamps) */
	uint64_t state;                /* the generator */
};

/* Defaults, then "key=value,..." (see qtables-replay(8)); seed the
 * generator. 0, or -1 with a message in err. */
int qt_gen_setup(struct qt_gen *g, const char *spec, uint64_t seed,
		 struct qt_buf *err);

/* Packet i (0-based) into buf (at least 1600 bytes): its length;
 * *ts_ns its timestamp. */
uint32_t qt_gen_packet(struct qt_gen *g, uint64_t i, uint8_t *buf,
		       uint64_t *ts_ns);

#endif
