/* -m comment: text kept with the rule, never matched on. Like iptables
 * 1.8.9, a comment longer than 255 bytes is cut to 255. */
#include <string.h>

#include "ext.h"

#define COMMENT_MAX 256        /* including the NUL */

struct comment_data {
	char text[COMMENT_MAX];  /* zero-filled after the text */
};

enum { O_COMMENT };

static const struct qt_ext_opt comment_opts[] = {
	{ .name = "comment", .id = O_COMMENT, .arg = QT_ARG_REQ },
	{ .name = NULL },
};

static int comment_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			 struct qt_ctx *ctx)
{
	struct comment_data *d = in->data;
	size_t n = strlen(a->arg);
	(void)ctx;
	if (n > COMMENT_MAX - 1)
		n = COMMENT_MAX - 1;
	memset(d->text, 0, sizeof(d->text));
	memcpy(d->text, a->arg, n);
	return 0;
}

static int comment_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			 struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (1u << O_COMMENT)))
		return qt_param_error(ctx,
			"comment: option \"--comment\" must be specified\n");
	return 0;
}

static void comment_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct comment_data *d = in->data;
	qt_buf_puts(b, " --comment");
	qt_save_string(b, d->text);
}

static void comment_print(const struct qt_ext_inst *in, struct qt_buf *b,
			  bool numeric)
{
	const struct comment_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " /* %s */", d->text);
}

/* The engine takes a NULL match as "cannot judge yet" (the rule then
 * matches nothing), so a comment needs one that always matches. */
static bool comment_match_pkt(const struct qt_ext_inst *in,
			      struct qt_eval *ev)
{
	(void)in;
	(void)ev;
	return true;
}

static const struct qt_ext comment_match = {
	.name = "comment",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct comment_data),
	.opts = comment_opts,
	.parse = comment_parse,
	.check = comment_check,
	.save = comment_save,
	.print = comment_print,
	.match = comment_match_pkt,
	.help =
		"--comment COMMENT             Attach a comment to a rule\n",
};
QT_EXT_REGISTER(comment_match)
