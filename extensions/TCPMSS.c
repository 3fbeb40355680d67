/* -j TCPMSS: rewrite the MSS option of TCP SYN packets. Facts of
 * iptables-nft 1.8.9 (libxt_TCPMSS, the kernel's xt_TCPMSS): one of the
 * two options is required (the last one given wins); the kernel wants
 * -p tcp and, for --clamp-mss-to-pmtu added to a built-in chain, the
 * FORWARD, OUTPUT or POSTROUTING hook. It cannot see the SYN match under
 * nf_tables, so none is needed. */
#include <errno.h>

#include <string.h>

#include "../parser/ext.h"
#include "../parser/model.h"

#define MSS_CLAMP_PMTU 0xFFFF

struct tcpmss_data {
	uint16_t mss;   /* MSS_CLAMP_PMTU: the path MTU minus 40 */
};

enum { O_SET_MSS, O_CLAMP };

static const struct qt_ext_opt tcpmss_opts[] = {
	{ "set-mss", O_SET_MSS, QT_ARG_REQ, 0 },
	{ "clamp-mss-to-pmtu", O_CLAMP, QT_ARG_NONE, 0 },
	{ NULL, 0, QT_ARG_NONE, 0 },
};

/* A number as xtables_strtoul reads it: any C base, blanks and '+'
 * taken, '-' refused (strtoul alone would take "-0"), nothing after. */
static bool read_uint(const char *s, uint64_t max, uint64_t *out)
{
	return s[strspn(s, " \t\n\v\f\r")] != '-' &&
	       qt_parse_uint_any(s, 0, max, out);
}

static int tcpmss_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct tcpmss_data *d = in->data;
	uint64_t v;
	if (a->opt->id == O_CLAMP) {
		d->mss = MSS_CLAMP_PMTU;
		return 0;
	}
	/* 65535 minus the 20-byte TCP header */
	if (!read_uint(a->arg, 65515, &v))
		return qt_param_error(ctx,
			"TCPMSS: bad value for option \"--set-mss\", or out of range (0-65515).\n");
	d->mss = (uint16_t)v;
	return 0;
}

static int tcpmss_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx,
			"TCPMSS target: At least one parameter is required");
	return 0;
}

static int tcpmss_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	const struct tcpmss_data *d = in->data;
	unsigned ok = 1u << QT_HOOK_FORWARD | 1u << QT_HOOK_LOCAL_OUT |
		      1u << QT_HOOK_POST_ROUTING;
	if (!qt_rule_proto_is(env->rule, 6))
		return EINVAL;
	/* xt_TCPMSS checks this in its checkentry, which sees the hook of
	 * a built-in chain only: in user chains clamping is never refused */
	if (d->mss == MSS_CLAMP_PMTU && (env->base_hooks & ~ok))
		return EINVAL;
	return 0;
}

static void tcpmss_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct tcpmss_data *d = in->data;
	if (d->mss == MSS_CLAMP_PMTU)
		qt_buf_puts(b, " --clamp-mss-to-pmtu");
	else
		qt_buf_printf(b, " --set-mss %u", d->mss);
}

static void tcpmss_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct tcpmss_data *d = in->data;
	(void)numeric;
	if (d->mss == MSS_CLAMP_PMTU)
		qt_buf_puts(b, " TCPMSS clamp to PMTU");
	else
		qt_buf_printf(b, " TCPMSS set %u", d->mss);
}

static const struct qt_ext tcpmss_target = {
	.name = "TCPMSS",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct tcpmss_data),
	.opts = tcpmss_opts,
	.parse = tcpmss_parse,
	.check = tcpmss_check,
	.kcheck = tcpmss_kcheck,
	.save = tcpmss_save,
	.print = tcpmss_print,
	.help =
		"  --set-mss value               explicitly set MSS option to specified value\n"
		"  --clamp-mss-to-pmtu           automatically clamp MSS value to (path_MTU - 20)\n",
	.help_header = "TCPMSS target mutually-exclusive options:",
};
QT_EXT_REGISTER(tcpmss_target)
