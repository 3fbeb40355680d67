/* -m comment: text kept with the rule, never matched on. Like iptables
 * 1.8.9, a comment longer than 255 bytes is cut to 255. */
#include "ext.h"

#define COMMENT_MAX 256        /* including the NUL */

struct comment_data {
	char text[COMMENT_MAX];  /* zero-filled after the text */
};

enum { O_COMMENT };

static const struct qt_ext_opt comment_opts[] = {
	{ .name = "comment", .id = O_COMMENT, .type = QT_OT_STRING,
	  .flags = QT_OPT_MAND, QT_PUT(struct comment_data, text) },
	{ .name = NULL },
};

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

/* The engine refuses a match with no engine side, so a comment needs
 * one that always matches. */
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
	.save = comment_save,
	.print = comment_print,
	.match = comment_match_pkt,
	.help =
		"--comment COMMENT             Attach a comment to a rule\n",
};
QT_EXT_REGISTER(comment_match)
