#include "spi_range.h"

void qt_spi_range_print(struct qt_buf *b, const char *lead, uint32_t lo,
			uint32_t hi, bool inv)
{
	if (lo == 0 && hi == 0xFFFFFFFFu && !inv)
		return;
	if (lo == hi)
		qt_buf_printf(b, "%sspi:%s%u", lead, inv ? "!" : "", lo);
	else
		qt_buf_printf(b, "%sspis:%s%u:%u", lead, inv ? "!" : "", lo, hi);
}
