/* What the ah, esp and ipcomp matches print for their 32-bit SPI range
 * in -L, as iptables 1.8.9 does: nothing for the full range not
 * inverted, "spi:[!]N" for one value, "spis:[!]A:B" for a range. */
#ifndef QT_SPI_RANGE_H
#define QT_SPI_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* lead goes before the text when there is any (esp's " "). */
void qt_spi_range_print(struct qt_buf *b, const char *lead, uint32_t lo,
			uint32_t hi, bool inv);

#endif
