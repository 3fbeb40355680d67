/* -m tos: the DS field (IPv4's TOS byte, IPv6's traffic class) under a
 * mask equal to a value, or with '!' not (xt_tos revision 1, both
 * families). "--tos NUM" takes the mask 0xff, a TOS name the mask 0x3f
 * (the ECN bits left out); -L names the value when the mask is 0x3f. */
#include "dsfield.h"
#include "eval.h"
#include "ext.h"

struct tos_data {
	uint8_t value;
	uint8_t mask;
	uint8_t invert;
};

enum { O_TOS };

static const struct qt_ext_opt tos_opts[] = {
	{ .name = "tos", .id = O_TOS, .type = QT_OT_RAW,
	  .flags = QT_OPT_MAND | QT_OPT_INVERT,
	  QT_INV(struct tos_data, invert, 1) },
	{ .name = NULL },
};

static int tos_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct tos_data *d = in->data;
	return qt_tos_parse(ctx, a->arg, 0xff, &d->value, &d->mask);
}

static void tos_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct tos_data *d = in->data;
	qt_buf_printf(b, "%s --tos 0x%02x/0x%02x", d->invert ? " !" : "",
		      d->value, d->mask);
}

static void tos_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct tos_data *d = in->data;
	const char *name = numeric ? NULL : qt_tos_name(d->value, d->mask);
	qt_buf_printf(b, " tos match%s", d->invert ? "!" : "");
	if (name)
		qt_buf_printf(b, " %s", name);
	else
		qt_buf_printf(b, "0x%02x/0x%02x", d->value, d->mask);
}

/* ---- engine: xt_dscp's tos_mt ---- */
static bool tos_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct tos_data *d = in->data;
	return ((qt_dsfield_get(ev) & d->mask) == d->value) ^ (d->invert != 0);
}

static const struct qt_ext tos_match = {
	.name = "tos",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct tos_data),
	.opts = tos_opts,
	.parse = tos_parse,
	.save = tos_save,
	.print = tos_print,
	.match = tos_match_pkt,
	.help =
		"[!] --tos value[/mask]    Match Type of Service/Priority field value\n"
		"[!] --tos symbol          Match TOS field (IPv4 only) by symbol\n"
		"                          Accepted symbolic names for value are:\n"
		"                          (0x10) 16 Minimize-Delay\n"
		"                          (0x08)  8 Maximize-Throughput\n"
		"                          (0x04)  4 Maximize-Reliability\n"
		"                          (0x02)  2 Minimize-Cost\n"
		"                          (0x00)  0 Normal-Service\n"
		"\n",
};
QT_EXT_REGISTER(tos_match)
