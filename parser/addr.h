/* IPv4 and IPv6 addresses as iptables and ip6tables read and print
 * them. */
#ifndef QT_ADDR_H
#define QT_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>

#include "buf.h"
#include "ctx.h"

#include "addr_types.h"

struct qt_addr_list {
	uint8_t family;        /* AF_INET or AF_INET6 */
	union qt_addr *addr;   /* already masked */
	union qt_addr *mask;
	unsigned n;
};

/* "a[/m][,b[/m]...]" of family: names resolved (all their addresses),
 * masks as prefix length or as an address (dotted quad; IPv6 form),
 * duplicates after masking dropped. Errors in iptables' words
 * ("host/network `x' not found"). */
int qt_addr_parse_list(const char *arg, uint8_t family,
		       struct qt_addr_list *out, struct qt_ctx *ctx);
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

/* IPv6: prefix length of a contiguous mask, -1 otherwise. */
int qt_mask6_to_cidr(const struct in6_addr *mask);
struct in6_addr qt_cidr6_to_mask(unsigned bits);
/* Is the mask of family all zeros (matches any address)? */
bool qt_mask_is_zero(uint8_t family, const union qt_addr *m);

/* The save and -L forms above for either family. IPv6 as ip6tables
 * prints it: "2001:db8::/64", "::1/128", a mask that is no prefix as
 * an address; in -L "::1" without /128, and "anywhere" (not numeric)
 * for the address ::, whatever its mask. */
void qt_addr_save_fam(struct qt_buf *b, uint8_t family, const union qt_addr *a,
		      const union qt_addr *m);
void qt_addr_list_form_fam(struct qt_buf *b, uint8_t family,
			   const union qt_addr *a, const union qt_addr *m,
			   bool numeric);

#endif
