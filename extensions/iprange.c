/* -m iprange: source and/or destination address in an inclusive range.
 * iptables 1.8.9 writes revision 1; a single address means addr-addr and
 * a reversed range is accepted (it never matches). Addresses are numeric
 * only, in xtables' short forms ("10.1" = 10.1.0.0) for IPv4; in
 * ip6tables' rules IPv6 addresses as inet_pton reads them. */
#include <arpa/inet.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "addr.h"
#include "ext.h"

#define IPRANGE_SRC     0x01
#define IPRANGE_DST     0x02
#define IPRANGE_SRC_INV 0x10
#define IPRANGE_DST_INV 0x20

/* One address of either family, network byte order (IPv4: the first
 * four bytes, the rest zero), so that bytes compare as numbers do. */
struct iprange_addr {
	uint8_t b[16];
};

struct iprange_data {
	struct iprange_addr src_min, src_max;
	struct iprange_addr dst_min, dst_max;
	uint8_t flags;                    /* IPRANGE_* */
	uint8_t ip6;                      /* an ip6tables rule's */
	uint8_t pad[2];
};

enum { O_SRC_RANGE, O_DST_RANGE };

static const struct qt_ext_opt iprange_opts[] = {
	{ .name = "src-range", .id = O_SRC_RANGE, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT,
	  QT_INV(struct iprange_data, flags, IPRANGE_SRC_INV) },
	{ .name = "dst-range", .id = O_DST_RANGE, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT,
	  QT_INV(struct iprange_data, flags, IPRANGE_DST_INV) },
	{ .name = NULL },
};

/* One address of the rule's family. */
static bool parse_addr(const char *s, bool ip6, struct iprange_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ip6)
		return inet_pton(AF_INET6, s, a->b) == 1;
	struct in_addr v4;
	if (!qt_addr_numeric(s, &v4, false))
		return false;
	memcpy(a->b, &v4, 4);
	return true;
}

static void put_addr(struct qt_buf *b, const struct iprange_addr *a, bool ip6)
{
	char s[INET6_ADDRSTRLEN];
	inet_ntop(ip6 ? AF_INET6 : AF_INET, a->b, s, sizeof(s));
	qt_buf_puts(b, s);
}

/* "a" or "a-b", split at the first '-'; the message quotes the part that
 * failed. */
static int parse_range(const char *arg, const char *opt, bool ip6,
		       struct iprange_addr *lo, struct iprange_addr *hi,
		       struct qt_ctx *ctx)
{
	char *buf = strdup(arg);
	if (!buf)
		abort();
	char *dash = strchr(buf, '-');
	int rc = 0;
	if (dash)
		*dash = '\0';
	if (!parse_addr(buf, ip6, lo))
		rc = qt_ext_bad_value(ctx, "iprange", opt, buf);
	else if (dash && !parse_addr(dash + 1, ip6, hi))
		rc = qt_ext_bad_value(ctx, "iprange", opt, dash + 1);
	else if (!dash)
		*hi = *lo;
	free(buf);
	if (rc == 0 && memcmp(lo->b, hi->b, ip6 ? 16 : 4) > 0) {
		/* accepted, but iptables warns while parsing */
		qt_buf_puts(ctx->err, "xt_iprange: range ");
		put_addr(ctx->err, lo, ip6);
		qt_buf_putc(ctx->err, '-');
		put_addr(ctx->err, hi, ip6);
		qt_buf_puts(ctx->err, " is reversed and will never match\n");
	}
	return rc;
}

static void iprange_init(struct qt_ext_inst *in)
{
	struct iprange_data *d = in->data;
	d->ip6 = in->family == AF_INET6;
}

static int iprange_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			 struct qt_ctx *ctx)
{
	struct iprange_data *d = in->data;
	if (a->opt->id == O_SRC_RANGE) {
		d->flags |= IPRANGE_SRC;
		return parse_range(a->arg, "--src-range", d->ip6, &d->src_min,
				   &d->src_max, ctx);
	}
	d->flags |= IPRANGE_DST;
	return parse_range(a->arg, "--dst-range", d->ip6, &d->dst_min,
			   &d->dst_max, ctx);
}

static int iprange_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			 struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx,
			"iprange match: You must specify `--src-range' or `--dst-range'");
	return 0;
}

static void put_range(struct qt_buf *b, const struct iprange_data *d,
		      const struct iprange_addr *lo,
		      const struct iprange_addr *hi)
{
	put_addr(b, lo, d->ip6);
	qt_buf_putc(b, '-');
	put_addr(b, hi, d->ip6);
}

static void iprange_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct iprange_data *d = in->data;
	if (d->flags & IPRANGE_SRC) {
		qt_buf_puts(b, d->flags & IPRANGE_SRC_INV ? " ! --src-range "
							  : " --src-range ");
		put_range(b, d, &d->src_min, &d->src_max);
	}
	if (d->flags & IPRANGE_DST) {
		qt_buf_puts(b, d->flags & IPRANGE_DST_INV ? " ! --dst-range "
							  : " --dst-range ");
		put_range(b, d, &d->dst_min, &d->dst_max);
	}
}

static void iprange_print(const struct qt_ext_inst *in, struct qt_buf *b,
			  bool numeric)
{
	const struct iprange_data *d = in->data;
	(void)numeric;
	if (d->flags & IPRANGE_SRC) {
		qt_buf_puts(b, " source IP range ");
		if (d->flags & IPRANGE_SRC_INV)
			qt_buf_puts(b, "! ");
		put_range(b, d, &d->src_min, &d->src_max);
	}
	if (d->flags & IPRANGE_DST) {
		qt_buf_puts(b, " destination IP range ");
		if (d->flags & IPRANGE_DST_INV)
			qt_buf_puts(b, "! ");
		put_range(b, d, &d->dst_min, &d->dst_max);
	}
}


/* ---- engine: xt_iprange revision 1 (iprange_mt4, iprange_mt6) ----
 * Compares as numbers (bytes in network order compare the same way);
 * a reversed range never matches (inverted: it always does). An
 * address is read as big-endian words, two of 64 bits for IPv6, rather
 * than through memcmp's call and byte loop. */
static uint64_t be64_at(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return be64toh(v);
}

/* a < b: -1, a == b: 0, a > b: 1 */
static int addr_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (n == 4) {
		uint32_t x, y;
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		x = ntohl(x);
		y = ntohl(y);
		return (x > y) - (x < y);
	}
	uint64_t x = be64_at(a), y = be64_at(b);
	if (x == y) {
		x = be64_at(a + 8);
		y = be64_at(b + 8);
	}
	return (x > y) - (x < y);
}

static bool in_range(const void *a, const struct iprange_addr *lo,
		     const struct iprange_addr *hi, size_t n)
{
	return addr_cmp(a, lo->b, n) >= 0 && addr_cmp(a, hi->b, n) <= 0;
}

static bool iprange_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct iprange_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	size_t n = d->ip6 ? 16 : 4;
	if (d->ip6 ? p->family != AF_INET6 || p->len < 40
		   : p->family != AF_INET || !p->l4)
		return false;    /* not a parsed packet of the rule's family */
	if ((d->flags & IPRANGE_SRC) &&
	    in_range(&p->saddr, &d->src_min, &d->src_max, n) ==
	    !!(d->flags & IPRANGE_SRC_INV))
		return false;
	if ((d->flags & IPRANGE_DST) &&
	    in_range(&p->daddr, &d->dst_min, &d->dst_max, n) ==
	    !!(d->flags & IPRANGE_DST_INV))
		return false;
	return true;
}

static const struct qt_ext iprange_match = {
	.name = "iprange",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct iprange_data),
	.opts = iprange_opts,
	.init = iprange_init,
	.parse = iprange_parse,
	.check = iprange_check,
	.save = iprange_save,
	.print = iprange_print,
	.match = iprange_match_pkt,
	.help =
		"[!] --src-range ip[-ip]    Match source IP in the specified range\n"
		"[!] --dst-range ip[-ip]    Match destination IP in the specified range\n",
};
QT_EXT_REGISTER(iprange_match)
