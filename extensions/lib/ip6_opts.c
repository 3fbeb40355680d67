/* -m hbh and -m dst: the option list, its printers, the match. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "ip6_exthdr.h"
#include "ip6_opts.h"

/* One number as libip6t_hbh's parse_opts_num reads it: strtoul, any C
 * base, its wrap-around of a leading '-' kept. */
static int opts_num(const char *s, const char *what, const char *name,
		    unsigned long *out, struct qt_ctx *ctx)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (end == s)
		return qt_param_error(ctx, "%s: no valid digits in %s `%s'",
				      name, what, s);
	if (v == ULONG_MAX && errno == ERANGE)
		return qt_param_error(ctx,
			"%s `%s' specified too big: would overflow", what, s);
	if (*s && *end)
		return qt_param_error(ctx, "%s: error parsing %s `%s'",
				      name, what, s);
	*out = v;
	return 0;
}

int qt_ip6_opts_parse(struct qt_ip6_opts *o, const char *arg,
		      const char *name, const char *pad0_msg,
		      struct qt_ctx *ctx)
{
	char buf[1024];
	size_t n = strlen(arg);
	if (n >= sizeof(buf))
		return qt_param_error(ctx, "too many addresses specified");
	memcpy(buf, arg, n + 1);
	char *cp = buf, *next = NULL;
	unsigned i;
	for (i = 0; i < QT_IP6_OPTS_MAX; i++) {
		next = strchr(cp, ',');
		if (next)
			*next++ = '\0';
		char *range = strchr(cp, ':');
		if (range) {
			if (i == QT_IP6_OPTS_MAX - 1)
				return qt_param_error(ctx, "too many ports specified");
			*range++ = '\0';
		}
		unsigned long v;
		if (opts_num(cp, "opt", name, &v, ctx))
			return -1;
		uint16_t opt = (uint16_t)((v & 0xFF) << 8);
		if (range) {
			if (opt == 0)
				return qt_param_error(ctx, "%s", pad0_msg);
			if (opts_num(range, "length", name, &v, ctx))
				return -1;
			opt |= (uint16_t)(v & 0xFF);
		} else {
			opt |= 0xFF;
		}
		o->opts[i] = opt;
		if (!next)
			break;
		cp = next;
	}
	if (next)
		return qt_param_error(ctx, "too many addresses specified");
	o->optsnr = (uint8_t)(i + 1);
	o->flags |= QT_IP6_OPTS_OPTS;
	return 0;
}

static void put_list(const struct qt_ip6_opts *o, struct qt_buf *b)
{
	for (unsigned i = 0; i < o->optsnr && i < QT_IP6_OPTS_MAX; i++) {
		qt_buf_printf(b, "%c%d", i ? ',' : ' ', o->opts[i] >> 8);
		if ((o->opts[i] & 0xFF) != 0xFF)
			qt_buf_printf(b, ":%d", o->opts[i] & 0xFF);
	}
}

void qt_ip6_opts_print(const struct qt_ip6_opts *o, const char *name,
		       struct qt_buf *b)
{
	qt_buf_printf(b, " %s", name);
	if (o->flags & QT_IP6_OPTS_LEN)
		qt_buf_printf(b, " length:%s%u",
			      o->invflags & QT_IP6_OPTS_INV_LEN ? "!" : "",
			      o->hdrlen);
	if (o->flags & QT_IP6_OPTS_OPTS) {
		qt_buf_puts(b, " opts");
		put_list(o, b);
	}
}

void qt_ip6_opts_save(const struct qt_ip6_opts *o, const char *name,
		      struct qt_buf *b)
{
	if (o->flags & QT_IP6_OPTS_LEN)
		qt_buf_printf(b, " %s--%s-len %u",
			      o->invflags & QT_IP6_OPTS_INV_LEN ? "! " : "",
			      name, o->hdrlen);
	if (o->flags & QT_IP6_OPTS_OPTS) {
		qt_buf_printf(b, " --%s-opts", name);
		put_list(o, b);
	}
}

/* As hbh_mt6: the header found as ipv6_find_hdr finds it (not there:
 * no match; not readable: dropped), a header longer than the packet
 * dropped; the length compared when asked; then the options
 * listed, in order from the header's first, each of the given type and
 * (unless any) length. A list longer than the header's options is
 * cut short by the header's end and does not match. */
bool qt_ip6_opts_match(const struct qt_ip6_opts *o, uint8_t type,
		       struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	uint32_t ptr;
	enum qt_ip6_find f = qt_ip6_find_hdr(p, type, &ptr);
	if (f != QT_IP6_FOUND || !qt_ip6_have(p, ptr, 2)) {
		if (f != QT_IP6_NOENT)
			ev->hotdrop = true;
		return false;
	}
	uint32_t skblen = p->ip_len;
	int32_t hdrlen = (int32_t)qt_ip6_optlen(p->data + ptr);
	/* a header longer than the packet: the kernel drops it (seen
	 * against kernel ip6tables-nft: run-packets6.sh's malformed
	 * chains) */
	if (skblen - ptr < (uint32_t)hdrlen) {
		ev->hotdrop = true;
		return false;
	}
	bool ret = !(o->flags & QT_IP6_OPTS_LEN) ||
		   ((o->hdrlen == (uint32_t)hdrlen) ^
		    !!(o->invflags & QT_IP6_OPTS_INV_LEN));
	if (!(o->flags & QT_IP6_OPTS_OPTS))
		return ret;
	ptr += 2;
	hdrlen -= 2;
	unsigned i;
	for (i = 0; i < o->optsnr && i < QT_IP6_OPTS_MAX; i++) {
		if (hdrlen < 1)
			break;
		if (!qt_ip6_have(p, ptr, 1)) {
			/* the kernel's skb_header_pointer would read it */
			ev->hotdrop = true;
			return false;
		}
		uint8_t t = p->data[ptr];
		if (t != o->opts[i] >> 8)
			return false;
		int32_t optlen;
		if (t) {
			if (hdrlen < 2)
				break;
			if (!qt_ip6_have(p, ptr + 1, 1)) {
				ev->hotdrop = true;
				return false;
			}
			uint8_t l = p->data[ptr + 1];
			uint8_t want = o->opts[i] & 0xFF;
			if (want != 0xFF && want != l)
				return false;
			optlen = l + 2;
		} else {
			optlen = 1;   /* Pad1 */
		}
		if (((int64_t)ptr > (int64_t)skblen - optlen ||
		     hdrlen < optlen) && i < (unsigned)o->optsnr - 1u)
			break;
		ptr += (uint32_t)optlen;
		hdrlen -= optlen;
	}
	return i == o->optsnr ? ret : false;
}
