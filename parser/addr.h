/* IPv4 addresses as iptables reads and prints them. */
#ifndef QT_ADDR_H
#define QT_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>

#include "buf.h"
#include "ctx.h"

struct qt_addr_list {
	struct in_addr *addr;  /* already masked */
	struct in_addr *mask;
	unsigned n;
};

/* "a[/m][,b[/m]...]": names resolved (all their addresses), masks as
 * prefix length or dotted quad, duplicates after masking dropped.
 * Errors in iptables' words ("host/network `x' not found"). */
int qt_addr_parse_list(const char *arg, struct qt_addr_list *out,
		       struct qt_ctx *ctx);
void qt_addr_list_free(struct qt_addr_list *l);

/* One dotted quad "a.b.c.d" (or the short forms xtables accepts:
 * "10" = 10.0.0.0, "10.1" = 10.1.0.0) into addr; false if not numeric. */
bool qt_addr_numeric(const char *s, struct in_addr *addr, bool is_mask);
/* Prefix length of a contiguous mask, -1 otherwise. */
int qt_mask_to_cidr(struct in_addr mask);
struct in_addr qt_cidr_to_mask(unsigned bits);

/* Save form: "10.0.0.0/8" or "10.0.12.0/255.0.255.0". */
void qt_addr_save(struct qt_buf *b, struct in_addr a, struct in_addr m);
/* -L form: numeric "10.0.0.1", "10.0.0.0/8", "0.0.0.0/0"; or the host
 * or network name when numeric is false (and "anywhere" for /0). */
void qt_addr_list_form(struct qt_buf *b, struct in_addr a, struct in_addr m,
		       bool numeric);

#endif
