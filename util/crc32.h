/* CRC-32 as zlib, gzip and Python's zlib.crc32 compute it (polynomial
 * 0xEDB88320, reflected, inverted in and out), so a state file's
 * trailer can be checked with any of them. */
#ifndef QT_CRC32_H
#define QT_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc of what came before (0 to start) continued over n bytes of p. */
uint32_t qt_crc32(uint32_t crc, const void *p, size_t n);
/* CRC-32C (Castagnoli), SCTP's checksum, continued the same way. */
uint32_t qt_crc32c(uint32_t crc, const void *p, size_t n);

#endif
