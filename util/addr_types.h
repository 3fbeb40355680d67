/* An address of either family, as rules hold it and packets carry it. */
#ifndef QT_ADDR_TYPES_H
#define QT_ADDR_TYPES_H

#include <netinet/in.h>

union qt_addr {
	struct in_addr v4;
	struct in6_addr v6;
};

#endif
