/* The handover snapshot's encoding (daemon/snapshot.h): fixed-width
 * integers in the machine's own order (a snapshot never leaves the
 * machine: it is refused on another boot), strings as a 16-bit length
 * and bytes. The reader never reads past its end: a short read sets
 * bad and returns zeros, so a parser checks bad once after a record. */
#ifndef QT_SNAP_CODEC_H
#define QT_SNAP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

static inline void qt_snap_put(struct qt_buf *b, const void *p, size_t n)
{
	qt_buf_put(b, (const char *)p, n);
}
static inline void qt_snap_u8(struct qt_buf *b, uint8_t v) { qt_snap_put(b, &v, 1); }
static inline void qt_snap_u16(struct qt_buf *b, uint16_t v) { qt_snap_put(b, &v, 2); }
static inline void qt_snap_u32(struct qt_buf *b, uint32_t v) { qt_snap_put(b, &v, 4); }
static inline void qt_snap_u64(struct qt_buf *b, uint64_t v) { qt_snap_put(b, &v, 8); }
static inline void qt_snap_str(struct qt_buf *b, const char *s, size_t n)
{
	qt_snap_u16(b, (uint16_t)n);
	qt_snap_put(b, s, n);
}

struct qt_snap_rd {
	const uint8_t *p, *end;
	bool bad;
};

static inline const void *qt_snap_get(struct qt_snap_rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const void *at = r->p;
	r->p += n;
	return at;
}
#define QT_SNAP_GET_INT(name, type) \
	static inline type qt_snap_get_##name(struct qt_snap_rd *r) \
	{ \
		type v = 0; \
		const void *p = qt_snap_get(r, sizeof(v)); \
		if (p) \
			memcpy(&v, p, sizeof(v)); \
		return v; \
	}
QT_SNAP_GET_INT(u8, uint8_t)
QT_SNAP_GET_INT(u16, uint16_t)
QT_SNAP_GET_INT(u32, uint32_t)
QT_SNAP_GET_INT(u64, uint64_t)
#undef QT_SNAP_GET_INT

/* A string: *s points into the image (not NUL-terminated), *n its
 * length. */
static inline bool qt_snap_get_str(struct qt_snap_rd *r, const char **s,
				   size_t *n)
{
	*n = qt_snap_get_u16(r);
	*s = qt_snap_get(r, *n);
	return !r->bad;
}

#endif
