/* ipset(8)'s help texts. */
#ifndef QT_IPSET_HELP_H
#define QT_IPSET_HELP_H

#include <stdbool.h>

#include "buf.h"

/* The usage (commands and options). */
void qt_ipset_help_usage(struct qt_buf *out);
/* `ipset help`: the usage, then the set types kept. */
void qt_ipset_help_types(struct qt_buf *out);
/* `ipset help TYPE`: the usage, then TYPE's options; false (nothing
 * written) when TYPE is not a type kept. */
bool qt_ipset_help_type(struct qt_buf *out, const char *type);

#endif
