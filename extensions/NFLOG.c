/* -j NFLOG (and nft's `log group N`): the packet to nfnetlink_log's
 * group N. Facts of iptables-nft 1.8.9 (libxt_NFLOG, which iptables-nft
 * turns into nft's log expression): --nflog-group 0-65535 (0 not
 * saved), --nflog-prefix cut to 127 bytes (nft's limit), newlines
 * refused, --nflog-size 0-4294967295 (saved when given, 0 too),
 * --nflog-threshold 0-65535 (0 not saved), --nflog-range accepted with
 * a warning and dropped (it never worked), not with --nflog-size.
 * Save and -L print prefix, group, size, threshold in that order.
 *
 * Engine side: the packet notes the statement; the kernel logs it after
 * the verdict (engine/nflog_tag.h, io/log_offload.h). */
#include <string.h>

#include "eval.h"
#include "ext.h"
#include "nflog_tag.h"
#include "quote.h"

enum { O_GROUP, O_PREFIX, O_RANGE, O_SIZE, O_THRESHOLD };

struct nflog_data {
	struct qt_nflog p;          /* first: what the kernel is given */
	uint32_t range;             /* read and dropped */
};

#define D struct nflog_data
static const struct qt_ext_opt nflog_opts[] = {
	{ .name = "nflog-group", .id = O_GROUP, .type = QT_OT_UINT,
	  QT_PUT(D, p.group) },
	{ .name = "nflog-prefix", .id = O_PREFIX, .type = QT_OT_STRING,
	  .min = 1, QT_PUT(D, p.prefix) },
	{ .name = "nflog-range", .id = O_RANGE, .type = QT_OT_UINT,
	  .excl = QT_BIT(O_SIZE), QT_PUT(D, range) },
	{ .name = "nflog-size", .id = O_SIZE, .type = QT_OT_UINT,
	  .excl = QT_BIT(O_RANGE), QT_PUT(D, p.snaplen) },
	{ .name = "nflog-threshold", .id = O_THRESHOLD, .type = QT_OT_UINT,
	  QT_PUT(D, p.threshold) },
	{ .name = NULL },
};
#undef D

static int nflog_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	struct nflog_data *d = in->data;
	switch (a->opt->id) {
	case O_PREFIX:
		if (strchr(a->arg, '\n'))
			return qt_param_error(ctx,
				"Newlines not allowed in --log-prefix");
		break;
	case O_RANGE:
		qt_buf_puts(ctx->err, "warn: --nflog-range has never worked "
			    "and is no longer supported, please use "
			    "--nflog-size instead\n");
		d->range = 0;
		break;
	case O_SIZE:
		d->p.has_snaplen = true;
		break;
	}
	return 0;
}

static void nflog_options(const struct nflog_data *d, struct qt_buf *b,
			  const char *dash)
{
	if (d->p.prefix[0]) {
		qt_buf_printf(b, " %snflog-prefix", dash);
		qt_save_string(b, d->p.prefix);
	}
	if (d->p.group)
		qt_buf_printf(b, " %snflog-group %u", dash, d->p.group);
	if (d->p.has_snaplen)
		qt_buf_printf(b, " %snflog-size %u", dash, d->p.snaplen);
	if (d->p.threshold)
		qt_buf_printf(b, " %snflog-threshold %u", dash, d->p.threshold);
}

static void nflog_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	nflog_options(in->data, b, "--");
}

static void nflog_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	(void)numeric;
	/* -L: the options after the target column, which names NFLOG */
	nflog_options(in->data, b, "");
}

static int nflog_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct nflog_data *d = in->data;
	qt_eval_nflog(ev, &d->p);
	return QT_XT_CONTINUE;
}

static const struct qt_nflog *nflog_params(const struct qt_ext_inst *in)
{
	const struct nflog_data *d = in->data;
	return &d->p;
}

static const struct qt_ext nflog_target = {
	.name = "NFLOG",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct nflog_data),
	.opts = nflog_opts,
	.parse = nflog_parse,
	.save = nflog_save,
	.print = nflog_print,
	.target = nflog_target_fn,
	.nflog = nflog_params,
	.help =
		" --nflog-group NUM\t\tNETLINK group used for logging\n"
		" --nflog-range NUM\t\tThis option has no effect, use --nflog-size\n"
		" --nflog-size NUM\t\tNumber of bytes to copy\n"
		" --nflog-threshold NUM\t\tMessage threshold of in-kernel queue\n"
		" --nflog-prefix STRING\t\tPrefix string for log messages\n",
};
QT_EXT_REGISTER(nflog_target)
