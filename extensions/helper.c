/* -m helper: the conntrack helper of the connection that expected this
 * one (xt_helper, both families). Facts from iptables-nft 1.8.9:
 * --helper is mandatory, cut to 29 characters, saved quoted as
 * iptables quotes strings and listed as 'helper match [! ]"NAME"'
 * (unescaped). qtablesd runs no conntrack helpers and so makes no
 * expected connections: a ruleset using the match is refused at commit
 * rather than judged against connections the kernel would have made. */
#include "ext.h"

struct helper_data {
	uint8_t invert;
	char name[30];
	uint8_t pad;
};

enum { O_HELPER };

static const struct qt_ext_opt helper_opts[] = {
	{ .name = "helper", .id = O_HELPER, .type = QT_OT_STRING,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND,
	  QT_PUT(struct helper_data, name),
	  QT_INV(struct helper_data, invert, 1) },
	{ .name = NULL },
};

static void helper_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct helper_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --helper" : " --helper");
	qt_save_string(b, d->name);
}

static void helper_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct helper_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " helper match %s\"%s\"", d->invert ? "! " : "",
		      d->name);
}

static const struct qt_ext helper_match = {
	.name = "helper",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct helper_data),
	.opts = helper_opts,
	.save = helper_save,
	.print = helper_print,
	.cannot_run = "qtables runs no conntrack helpers, so no connection "
		      "is expected by one",
	.help = "[!] --helper string        Match helper identified by string\n",
};
QT_EXT_REGISTER(helper_match)
