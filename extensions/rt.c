/* -m rt: the IPv6 routing header: its type, segments left (a range),
 * length in bytes, and for type 0 the reserved field and the addresses
 * it lists (in order and all, or --rt-0-not-strict: in order among
 * others). Facts from ip6tables-nft 1.8.9: --rt-type takes any 32-bit
 * number (one above 255 never matches), the type-0 options want
 * "--rt-type 0" given before them, a full segments range is not saved
 * even with '!' but listed. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "ip6_exthdr.h"

/* The kernel's struct ip6t_rt flags and invflags. */
#define RT_TYP 0x01
#define RT_SGS 0x02
#define RT_LEN 0x04
#define RT_RES 0x08
#define RT_FST 0x10
#define RT_FST_NSTRICT 0x20
#define RT_INV_TYP 0x01
#define RT_INV_SGS 0x02
#define RT_INV_LEN 0x04
#define RT_HOPS 16

struct rt_data {
	uint32_t rt_type;
	uint32_t sl_lo, sl_hi;
	uint32_t hdrlen;
	uint8_t flags, invflags;
	uint8_t addrnr;
	uint8_t pad;
	uint8_t addrs[RT_HOPS][16];
};

enum { O_RT_TYPE, O_RT_SEGSLEFT, O_RT_LEN, O_RT0RES, O_RT0ADDRS,
       O_RT0NSTRICT };

static const struct qt_ext_opt rt_opts[] = {
	{ .name = "rt-type", .id = O_RT_TYPE, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(struct rt_data, rt_type),
	  QT_INV(struct rt_data, invflags, RT_INV_TYP) },
	{ .name = "rt-segsleft", .id = O_RT_SEGSLEFT, .type = QT_OT_URANGE,
	  .flags = QT_OPT_INVERT, QT_PUT_RANGE(struct rt_data, sl_lo),
	  QT_INV(struct rt_data, invflags, RT_INV_SGS) },
	{ .name = "rt-len", .id = O_RT_LEN, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(struct rt_data, hdrlen),
	  QT_INV(struct rt_data, invflags, RT_INV_LEN) },
	{ .name = "rt-0-res", .id = O_RT0RES, .type = QT_OT_NONE },
	{ .name = "rt-0-addrs", .id = O_RT0ADDRS, .type = QT_OT_RAW },
	{ .name = "rt-0-not-strict", .id = O_RT0NSTRICT, .type = QT_OT_NONE },
	{ .name = NULL },
};

static void rt_init(struct qt_ext_inst *in)
{
	struct rt_data *d = in->data;
	d->sl_hi = 0xFFFFFFFFu;
}

static bool type0_given(const struct rt_data *d)
{
	return (d->flags & RT_TYP) && d->rt_type == 0 &&
	       !(d->invflags & RT_INV_TYP);
}

static int parse_addrs(struct rt_data *d, const char *arg, struct qt_ctx *ctx)
{
	char buf[1024];
	size_t n = strlen(arg);
	if (n >= sizeof(buf))
		return qt_param_error(ctx, "too many addresses specified");
	memcpy(buf, arg, n + 1);
	char *cp = buf, *next;
	unsigned i;
	for (i = 0; cp && i < RT_HOPS; cp = next, i++) {
		next = strchr(cp, ',');
		if (next)
			*next++ = '\0';
		if (inet_pton(AF_INET6, cp, d->addrs[i]) != 1)
			return qt_param_error(ctx, "bad address: %s", cp);
	}
	if (cp)
		return qt_param_error(ctx, "too many addresses specified");
	d->addrnr = (uint8_t)i;
	return 0;
}

static int rt_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		    struct qt_ctx *ctx)
{
	struct rt_data *d = in->data;
	switch (a->opt->id) {
	case O_RT_TYPE:
		d->flags |= RT_TYP;
		break;
	case O_RT_SEGSLEFT:
		d->flags |= RT_SGS;
		break;
	case O_RT_LEN:
		d->flags |= RT_LEN;
		break;
	case O_RT0RES:
		if (!type0_given(d))
			return qt_param_error(ctx,
				"`--rt-type 0' required before `--rt-0-res'");
		d->flags |= RT_RES;
		break;
	case O_RT0ADDRS:
		if (!type0_given(d))
			return qt_param_error(ctx,
				"`--rt-type 0' required before `--rt-0-addrs'");
		if (parse_addrs(d, a->arg, ctx))
			return -1;
		d->flags |= RT_FST;
		break;
	case O_RT0NSTRICT:
		if (!(in->seen & QT_BIT(O_RT0ADDRS)))
			return qt_param_error(ctx,
				"`--rt-0-addr ...' required before `--rt-0-not-strict'");
		d->flags |= RT_FST_NSTRICT;
		break;
	}
	return 0;
}

static void put_addrs(const struct rt_data *d, struct qt_buf *b)
{
	char s[INET6_ADDRSTRLEN];
	for (unsigned i = 0; i < d->addrnr && i < RT_HOPS; i++) {
		inet_ntop(AF_INET6, d->addrs[i], s, sizeof(s));
		qt_buf_printf(b, "%s%s", i ? "," : "", s);
	}
}

static void rt_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct rt_data *d = in->data;
	if (d->flags & RT_TYP)
		qt_buf_printf(b, " %s--rt-type %u",
			      d->invflags & RT_INV_TYP ? "! " : "", d->rt_type);
	if (!(d->sl_lo == 0 && d->sl_hi == 0xFFFFFFFFu)) {
		qt_buf_printf(b, " %s--rt-segsleft ",
			      d->invflags & RT_INV_SGS ? "! " : "");
		if (d->sl_lo != d->sl_hi)
			qt_buf_printf(b, "%u:%u", d->sl_lo, d->sl_hi);
		else
			qt_buf_printf(b, "%u", d->sl_lo);
	}
	if (d->flags & RT_LEN)
		qt_buf_printf(b, " %s--rt-len %u",
			      d->invflags & RT_INV_LEN ? "! " : "", d->hdrlen);
	if (d->flags & RT_RES)
		qt_buf_puts(b, " --rt-0-res");
	if (d->flags & RT_FST) {
		qt_buf_puts(b, " --rt-0-addrs ");
		put_addrs(d, b);
	}
	if (d->flags & RT_FST_NSTRICT)
		qt_buf_puts(b, " --rt-0-not-strict");
}

static void rt_print(const struct qt_ext_inst *in, struct qt_buf *b,
		     bool numeric)
{
	const struct rt_data *d = in->data;
	bool inv = d->invflags & RT_INV_SGS;
	(void)numeric;
	qt_buf_puts(b, " rt");
	if (d->flags & RT_TYP)
		qt_buf_printf(b, " type:%s%d", d->invflags & RT_INV_TYP ? "!" : "",
			      (int)d->rt_type);
	if (d->sl_lo != 0 || d->sl_hi != 0xFFFFFFFFu || inv) {
		if (d->sl_lo == d->sl_hi)
			qt_buf_printf(b, " segsleft:%s%u", inv ? "!" : "", d->sl_lo);
		else
			qt_buf_printf(b, " segslefts:%s%u:%u", inv ? "!" : "",
				      d->sl_lo, d->sl_hi);
	}
	if (d->flags & RT_LEN)
		qt_buf_printf(b, " length:%s%u",
			      d->invflags & RT_INV_LEN ? "!" : "", d->hdrlen);
	if (d->flags & RT_RES)
		qt_buf_puts(b, " reserved");
	if (d->flags & RT_FST) {
		qt_buf_puts(b, " 0-addrs ");
		put_addrs(d, b);
	}
	if (d->flags & RT_FST_NSTRICT)
		qt_buf_puts(b, " 0-not-strict");
}

/* ---- engine: ip6t_rt (rt_mt6) ----
 * The routing header as ipv6_find_hdr finds it (none: no match; a
 * chain or header the copy does not hold: dropped); a header longer
 * than the packet does not match. Then segments left, length and type;
 * the reserved word; and the type-0 addresses, strictly the whole list
 * in order, or (not strict) the given ones in order among the
 * header's. */
static bool rt_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct rt_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	uint32_t ptr;
	enum qt_ip6_find f = qt_ip6_find_hdr(p, IPPROTO_ROUTING, &ptr);
	if (f != QT_IP6_FOUND || !qt_ip6_have(p, ptr, 4)) {
		if (f != QT_IP6_NOENT)
			ev->hotdrop = true;
		return false;
	}
	const uint8_t *rh = p->data + ptr;
	uint32_t hdrlen = qt_ip6_optlen(rh);
	if (p->ip_len - ptr < hdrlen)
		return false;
	bool ret = ((rh[3] >= d->sl_lo && rh[3] <= d->sl_hi) ^
		    !!(d->invflags & RT_INV_SGS)) &&
		   (!(d->flags & RT_LEN) ||
		    ((d->hdrlen == hdrlen) ^ !!(d->invflags & RT_INV_LEN))) &&
		   (!(d->flags & RT_TYP) ||
		    ((d->rt_type == rh[2]) ^ !!(d->invflags & RT_INV_TYP)));
	if (ret && (d->flags & RT_RES)) {
		if (!qt_ip6_have(p, ptr + 4, 4)) {
			ev->hotdrop = true;
			return false;
		}
		ret = !(rh[4] | rh[5] | rh[6] | rh[7]);
	}
	if (!(d->flags & RT_FST))
		return ret;
	unsigned room = (hdrlen - 8) / 16, n = d->addrnr, temp, i = 0;
	if (n > room)
		return false;
	for (temp = 0; temp < (d->flags & RT_FST_NSTRICT ? room : n); temp++) {
		uint32_t at = ptr + 8 + temp * 16;
		if (!qt_ip6_have(p, at, 16)) {
			ev->hotdrop = true;
			return false;
		}
		bool eq = !memcmp(p->data + at, d->addrs[d->flags & RT_FST_NSTRICT ? i : temp], 16);
		if (d->flags & RT_FST_NSTRICT) {
			if (eq)
				i++;
			if (i == n)
				break;
		} else if (!eq) {
			break;
		}
	}
	if (d->flags & RT_FST_NSTRICT)
		return i == n ? ret : false;
	return temp == n && temp == room ? ret : false;
}

static const struct qt_ext rt_match = {
	.name = "rt",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = sizeof(struct rt_data),
	.opts = rt_opts,
	.init = rt_init,
	.parse = rt_parse,
	.save = rt_save,
	.print = rt_print,
	.match = rt_match_pkt,
	.copy_need = qt_ip6_chain_copy_need,
	.help =
		"[!] --rt-type type             match the type\n"
		"[!] --rt-segsleft num[:num]    match the Segments Left field (range)\n"
		"[!] --rt-len length            total length of this header\n"
		" --rt-0-res                    check the reserved field too (type 0)\n"
		" --rt-0-addrs ADDR[,ADDR...]   Type=0 addresses (list, max: 16)\n"
		" --rt-0-not-strict             List of Type=0 addresses not a strict list\n",
};
QT_EXT_REGISTER(rt_match)
