/* -m iprange: source and/or destination address in an inclusive range.
 * iptables 1.8.9 writes revision 1; a single address means addr-addr and
 * a reversed range is accepted (it never matches). Addresses are numeric
 * only, in xtables' short forms ("10.1" = 10.1.0.0). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "addr.h"
#include "ext.h"

#define IPRANGE_SRC     0x01
#define IPRANGE_DST     0x02
#define IPRANGE_SRC_INV 0x10
#define IPRANGE_DST_INV 0x20

struct iprange_data {
	struct in_addr src_min, src_max;  /* network byte order */
	struct in_addr dst_min, dst_max;
	uint8_t flags;                    /* IPRANGE_* */
	uint8_t pad[3];
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

/* "a" or "a-b", split at the first '-'; the message quotes the part that
 * failed. */
static int parse_range(const char *arg, const char *opt, struct in_addr *lo,
		       struct in_addr *hi, struct qt_ctx *ctx)
{
	char *buf = strdup(arg);
	if (!buf)
		abort();
	char *dash = strchr(buf, '-');
	int rc = 0;
	if (dash)
		*dash = '\0';
	if (!qt_addr_numeric(buf, lo, false))
		rc = qt_ext_bad_value(ctx, "iprange", opt, buf);
	else if (dash && !qt_addr_numeric(dash + 1, hi, false))
		rc = qt_ext_bad_value(ctx, "iprange", opt, dash + 1);
	else if (!dash)
		*hi = *lo;
	free(buf);
	if (rc == 0 && ntohl(lo->s_addr) > ntohl(hi->s_addr)) {
		/* accepted, but iptables warns while parsing */
		char a[INET_ADDRSTRLEN], z[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, lo, a, sizeof(a));
		inet_ntop(AF_INET, hi, z, sizeof(z));
		qt_buf_printf(ctx->err,
			"xt_iprange: range %s-%s is reversed and will never match\n",
			a, z);
	}
	return rc;
}

static int iprange_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			 struct qt_ctx *ctx)
{
	struct iprange_data *d = in->data;
	if (a->opt->id == O_SRC_RANGE) {
		d->flags |= IPRANGE_SRC;
		return parse_range(a->arg, "--src-range", &d->src_min,
				   &d->src_max, ctx);
	}
	d->flags |= IPRANGE_DST;
	return parse_range(a->arg, "--dst-range", &d->dst_min, &d->dst_max,
			   ctx);
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

static void put_range(struct qt_buf *b, struct in_addr lo, struct in_addr hi)
{
	char a[INET_ADDRSTRLEN], z[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &lo, a, sizeof(a));
	inet_ntop(AF_INET, &hi, z, sizeof(z));
	qt_buf_printf(b, "%s-%s", a, z);
}

static void iprange_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct iprange_data *d = in->data;
	if (d->flags & IPRANGE_SRC) {
		qt_buf_puts(b, d->flags & IPRANGE_SRC_INV ? " ! --src-range "
							  : " --src-range ");
		put_range(b, d->src_min, d->src_max);
	}
	if (d->flags & IPRANGE_DST) {
		qt_buf_puts(b, d->flags & IPRANGE_DST_INV ? " ! --dst-range "
							  : " --dst-range ");
		put_range(b, d->dst_min, d->dst_max);
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
		put_range(b, d->src_min, d->src_max);
	}
	if (d->flags & IPRANGE_DST) {
		qt_buf_puts(b, " destination IP range ");
		if (d->flags & IPRANGE_DST_INV)
			qt_buf_puts(b, "! ");
		put_range(b, d->dst_min, d->dst_max);
	}
}


/* ---- engine: xt_iprange revision 1 (iprange_mt4) ----
 * Host-order compares; a reversed range never matches (inverted: it
 * always does). */
static bool in_range(struct in_addr a, struct in_addr lo, struct in_addr hi)
{
	uint32_t x = ntohl(a.s_addr);
	return x >= ntohl(lo.s_addr) && x <= ntohl(hi.s_addr);
}

static bool iprange_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct iprange_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (!p->l4)
		return false;    /* not a parsed IPv4 packet */
	if ((d->flags & IPRANGE_SRC) &&
	    in_range(p->saddr.v4, d->src_min, d->src_max) ==
	    !!(d->flags & IPRANGE_SRC_INV))
		return false;
	if ((d->flags & IPRANGE_DST) &&
	    in_range(p->daddr.v4, d->dst_min, d->dst_max) ==
	    !!(d->flags & IPRANGE_DST_INV))
		return false;
	return true;
}

static const struct qt_ext iprange_match = {
	.name = "iprange",
	.kind = QT_EXT_MATCH,
	.family = AF_INET,
	.data_size = sizeof(struct iprange_data),
	.opts = iprange_opts,
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
