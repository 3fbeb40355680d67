/* -m connlimit: the number of connections of an address group
 * (xt_connlimit revision 1). The mask is a prefix length; without
 * --connlimit-mask it is the full 128 bits (shown as 32 for IPv4, but a
 * different rule for -D than an explicit 32, as in iptables). */
#include "xtypes.h"

#define CL_INVERT 0x01         /* XT_CONNLIMIT_INVERT: "above" */
#define CL_DADDR  0x02         /* XT_CONNLIMIT_DADDR */

struct connlimit_data {
	uint32_t limit;
	uint32_t flags;        /* CL_* */
	uint8_t plen;          /* 0..32, or XT_PLEN_FULL */
	uint8_t pad[3];
};

enum { O_UPTO, O_ABOVE, O_MASK, O_SADDR, O_DADDR };
#define B(o) (1u << (o))

static const struct qt_ext_opt connlimit_opts[] = {
	{ "connlimit-upto", O_UPTO, QT_ARG_REQ, QT_OPT_INVERT },
	{ "connlimit-above", O_ABOVE, QT_ARG_REQ, QT_OPT_INVERT },
	{ "connlimit-mask", O_MASK, QT_ARG_REQ, 0 },
	{ "connlimit-saddr", O_SADDR, QT_ARG_NONE, 0 },
	{ "connlimit-daddr", O_DADDR, QT_ARG_NONE, 0 },
	{ NULL, 0, QT_ARG_NONE, 0 },
};

static const struct xt_dep connlimit_deps[] = {
	{ "connlimit-upto", O_UPTO, false, B(O_ABOVE), 0 },
	{ "connlimit-above", O_ABOVE, false, B(O_UPTO), 0 },
	{ "connlimit-mask", O_MASK, false, 0, 0 },
	{ "connlimit-saddr", O_SADDR, false, B(O_DADDR), 0 },
	{ "connlimit-daddr", O_DADDR, false, B(O_SADDR), 0 },
	{ NULL, 0, false, 0, 0 },
};

static void connlimit_init(struct qt_ext_inst *in)
{
	struct connlimit_data *d = in->data;
	d->plen = XT_PLEN_FULL;
}

static int connlimit_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			   struct qt_ctx *ctx)
{
	struct connlimit_data *d = in->data;
	uint64_t v = 0;
	unsigned plen = 0;
	switch (a->opt->id) {
	case O_UPTO:
	case O_ABOVE:
		if (xt_uint(ctx, "connlimit", a->opt->name, a->arg, 0,
			    UINT32_MAX, &v))
			return -1;
		d->limit = (uint32_t)v;
		/* "! --connlimit-upto" is --connlimit-above and back */
		if ((a->opt->id == O_ABOVE) != a->invert)
			d->flags |= CL_INVERT;
		else
			d->flags &= ~(uint32_t)CL_INVERT;
		return 0;
	case O_MASK:
		if (xt_parse_plen(ctx, "connlimit", "connlimit-mask", a->arg, &plen))
			return -1;
		d->plen = (uint8_t)plen;
		return 0;
	case O_SADDR:
		d->flags &= ~(uint32_t)CL_DADDR;
		return 0;
	case O_DADDR:
		d->flags |= CL_DADDR;
		return 0;
	}
	return 0;
}

static int connlimit_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			   struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (B(O_UPTO) | B(O_ABOVE))))
		return qt_param_error(ctx,
			"You must specify \"--connlimit-above\" or \"--connlimit-upto\".");
	return xt_fcheck(in, "connlimit", connlimit_deps, ctx);
}

/* The prefix as iptables prints it for IPv4: the bits of the first word. */
static unsigned shown_plen(const struct connlimit_data *d)
{
	return d->plen > 32 ? 32 : d->plen;
}

static void connlimit_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct connlimit_data *d = in->data;
	qt_buf_printf(b, " --connlimit-%s %u --connlimit-mask %u --connlimit-%s",
		      d->flags & CL_INVERT ? "above" : "upto", d->limit,
		      shown_plen(d), d->flags & CL_DADDR ? "daddr" : "saddr");
}

static void connlimit_print(const struct qt_ext_inst *in, struct qt_buf *b,
			    bool numeric)
{
	const struct connlimit_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " #conn %s/%u %s %u",
		      d->flags & CL_DADDR ? "dst" : "src", shown_plen(d),
		      d->flags & CL_INVERT ? ">" : "<=", d->limit);
}

static const struct qt_ext connlimit_match = {
	.name = "connlimit",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct connlimit_data),
	.opts = connlimit_opts,
	.init = connlimit_init,
	.parse = connlimit_parse,
	.check = connlimit_check,
	.save = connlimit_save,
	.print = connlimit_print,
	.help =
		"  --connlimit-upto n     match if the number of existing connections is 0..n\n"
		"  --connlimit-above n    match if the number of existing connections is >n\n"
		"  --connlimit-mask n     group hosts using prefix length (default: max len)\n"
		"  --connlimit-saddr      select source address for grouping\n"
		"  --connlimit-daddr      select destination addresses for grouping\n",
};
QT_EXT_REGISTER(connlimit_match)
