/* What -m hbh and -m dst share: the hop-by-hop and the destination
 * options headers have one layout, and ip6tables reads, prints and the
 * kernel (ip6t_hbh.c, one match for both) matches them alike. */
#ifndef QT_IP6_OPTS_H
#define QT_IP6_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "ctx.h"

struct qt_eval;

/* The kernel's struct ip6t_opts, pointer-free. */
#define QT_IP6_OPTS_MAX 16
#define QT_IP6_OPTS_LEN  0x01     /* flags */
#define QT_IP6_OPTS_OPTS 0x02
#define QT_IP6_OPTS_INV_LEN 0x01  /* invflags */

struct qt_ip6_opts {
	uint32_t hdrlen;           /* bytes, as ipv6_optlen() */
	uint8_t flags, invflags;
	uint8_t optsnr;
	uint8_t pad;
	uint16_t opts[QT_IP6_OPTS_MAX]; /* type << 8 | length (0xFF: any) */
};

/* "TYPE[:LEN][,TYPE[:LEN]...]" as libip6t_hbh/libip6t_dst read it;
 * name is "hbh" or "dst" (their messages differ only by it and by
 * pad0_msg). 0, or -1 with ctx set. */
int qt_ip6_opts_parse(struct qt_ip6_opts *o, const char *arg,
		      const char *name, const char *pad0_msg,
		      struct qt_ctx *ctx);
/* " hbh length:!42 opts 1:2,3" (-L) */
void qt_ip6_opts_print(const struct qt_ip6_opts *o, const char *name,
		       struct qt_buf *b);
/* " ! --hbh-len 42 --hbh-opts 1:2,3" (save) */
void qt_ip6_opts_save(const struct qt_ip6_opts *o, const char *name,
		      struct qt_buf *b);
/* ip6t_hbh's hbh_mt6 for the header of type (IPPROTO_HOPOPTS or
 * IPPROTO_DSTOPTS). */
bool qt_ip6_opts_match(const struct qt_ip6_opts *o, uint8_t type,
		       struct qt_eval *ev);

#endif
