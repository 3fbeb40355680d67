/* -m connbytes: a connection's packets, bytes or average packet size so
 * far, in one direction or both, in a range (xt_connbytes, both
 * families). Facts from iptables-nft 1.8.9: all three options are
 * mandatory; --connbytes is a 64-bit "from[:to]" whose missing end is
 * the largest number, a from above to is refused ("A should be less
 * than B"); '!' is stored by swapping the ends, so "! --connbytes 5:5"
 * is "--connbytes 5:5"; a to of 0 or the largest number is not written
 * ("--connbytes 0:0" saves as "--connbytes 0"). The kernel turns
 * conntrack accounting on for such a rule; the engine does the same
 * (ct_acct), and a connection made before that counts nothing and
 * never matches, as one without the kernel's acct extension. */
#include <string.h>

#include "ct_entry.h"
#include "ext.h"

enum { CB_PKTS, CB_BYTES, CB_AVGPKT };          /* XT_CONNBYTES_* */
enum { CB_DIR_ORIG, CB_DIR_REPLY, CB_DIR_BOTH };   /* XT_CONNBYTES_DIR_* */

struct connbytes_data {
	uint64_t from, to;      /* from > to: inverted */
	uint8_t what;           /* CB_PKTS ... */
	uint8_t dir;            /* CB_DIR_* */
	uint8_t pad[6];
};

enum { O_CONNBYTES, O_DIR, O_MODE };

static const struct qt_opt_choice dirs[] = {
	{ "original", CB_DIR_ORIG }, { "reply", CB_DIR_REPLY },
	{ "both", CB_DIR_BOTH }, { NULL, 0 },
};

static const struct qt_opt_choice modes[] = {
	{ "packets", CB_PKTS }, { "bytes", CB_BYTES },
	{ "avgpkt", CB_AVGPKT }, { NULL, 0 },
};

/* In iptables' order: the mandatory options are missed in it. */
static const struct qt_ext_opt connbytes_opts[] = {
	{ .name = "connbytes", .id = O_CONNBYTES, .type = QT_OT_URANGE,
	  .flags = QT_OPT_MAND | QT_OPT_INVERT, .max = UINT64_MAX },
	{ .name = "connbytes-dir", .id = O_DIR, .type = QT_OT_CHOICE,
	  .flags = QT_OPT_MAND, .choices = dirs,
	  .bad = "Unknown --connbytes-dir `%s'",
	  QT_PUT(struct connbytes_data, dir) },
	{ .name = "connbytes-mode", .id = O_MODE, .type = QT_OT_CHOICE,
	  .flags = QT_OPT_MAND, .choices = modes,
	  .bad = "Unknown --connbytes-mode `%s'",
	  QT_PUT(struct connbytes_data, what) },
	{ .name = NULL },
};

static int connbytes_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			   struct qt_ctx *ctx)
{
	struct connbytes_data *d = in->data;
	if (a->opt->id != O_CONNBYTES)
		return 0;
	d->from = a->val.range[0];
	d->to = a->nvals == 2 ? a->val.range[1] : UINT64_MAX;
	if (d->to < d->from)
		return qt_param_error(ctx, "%ju should be less than %ju",
				      (uintmax_t)d->from, (uintmax_t)d->to);
	if (a->invert) {
		uint64_t x = d->from;
		d->from = d->to;
		d->to = x;
	}
	return 0;
}

static void put(const struct connbytes_data *d, struct qt_buf *b,
		const char *prefix)
{
	static const char *const what[] = { "packets", "bytes", "avgpkt" };
	static const char *const dir[] = { "original", "reply", "both" };
	uint64_t from = d->from, to = d->to;
	if (from > to) {
		qt_buf_puts(b, " !");
		from = d->to;
		to = d->from;
	}
	qt_buf_printf(b, " %sconnbytes %ju", prefix, (uintmax_t)from);
	if (to && to < UINT64_MAX)
		qt_buf_printf(b, ":%ju", (uintmax_t)to);
	qt_buf_printf(b, " %s %s", *prefix ? "--connbytes-mode"
					 : "connbytes mode",
		      d->what < 3 ? what[d->what] : "unknown");
	qt_buf_printf(b, " %s %s", *prefix ? "--connbytes-dir"
					 : "connbytes direction",
		      d->dir < 3 ? dir[d->dir] : "unknown");
}

static void connbytes_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	put(in->data, b, "--");
}

static void connbytes_print(const struct qt_ext_inst *in, struct qt_buf *b,
			    bool numeric)
{
	(void)numeric;
	put(in->data, b, "");
}

/* ---- engine: xt_connbytes (connbytes_mt) ----
 * No entry (INVALID, UNTRACKED) or one without counts: no match. The
 * counts include the packet judged (conntrack counted it on its way
 * in) and, as in the kernel, no packet of the connection tracked after
 * it (ev->ct_counted); a packet not tracked here (a reply a target
 * sent) reads them as they are. avgpkt is bytes / packets, 0 before
 * any packet. */
static bool connbytes_match_pkt(const struct qt_ext_inst *in,
				struct qt_eval *ev)
{
	const struct connbytes_data *d = in->data;
	const struct qt_ct_entry *e = qt_ctv_entry(ev);
	struct qt_ct_acct a;
	if (!e || !qt_eval_ct_acct(ev, e, &a))
		return false;
	uint64_t pk = 0, by = 0;
	for (unsigned i = 0; i < 2; i++)
		if (d->dir == CB_DIR_BOTH || d->dir == i) {
			pk += a.packets[i];
			by += a.bytes[i];
		}
	uint64_t what = d->what == CB_PKTS ? pk
			: d->what == CB_BYTES ? by : pk ? by / pk : 0;
	if (d->to >= d->from)
		return what >= d->from && what <= d->to;
	return what < d->to || what > d->from;
}

static const struct qt_ext connbytes_match = {
	.name = "connbytes",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct connbytes_data),
	.opts = connbytes_opts,
	.parse = connbytes_parse,
	.save = connbytes_save,
	.print = connbytes_print,
	.match = connbytes_match_pkt,
	.conntrack = true,
	.ct_acct = true,
	.help =
		" [!] --connbytes from:[to]\n"
		"     --connbytes-dir [original, reply, both]\n"
		"     --connbytes-mode [packets, bytes, avgpkt]\n",
};
QT_EXT_REGISTER(connbytes_match)
