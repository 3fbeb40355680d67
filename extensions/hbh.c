/* -m hbh: the IPv6 hop-by-hop options header: its length in bytes and the
 * options it carries in order (extensions/lib/ip6_opts.c, shared with
 * -m dst). */
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "ip6_exthdr.h"
#include "ip6_opts.h"

enum { O_LEN, O_OPTS };

static const struct qt_ext_opt hbh_opts[] = {
	{ .name = "hbh-len", .id = O_LEN, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(struct qt_ip6_opts, hdrlen),
	  QT_INV(struct qt_ip6_opts, invflags, QT_IP6_OPTS_INV_LEN) },
	{ .name = "hbh-opts", .id = O_OPTS, .type = QT_OT_RAW },
	{ .name = NULL },
};

static int hbh_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct qt_ip6_opts *o = in->data;
	if (a->opt->id == O_LEN) {
		o->flags |= QT_IP6_OPTS_LEN;
		return 0;
	}
	return qt_ip6_opts_parse(o, a->arg, "hbh", "PAD0 has not got length", ctx);
}

static void hbh_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	qt_ip6_opts_save(in->data, "hbh", b);
}

static void hbh_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	(void)numeric;
	qt_ip6_opts_print(in->data, "hbh", b);
}

/* ---- engine: ip6t_hbh (hbh_mt6) on the hop-by-hop options header */
static bool hbh_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	return qt_ip6_opts_match(in->data, IPPROTO_HOPOPTS, ev);
}

static const struct qt_ext hbh_match = {
	.name = "hbh",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = sizeof(struct qt_ip6_opts),
	.opts = hbh_opts,
	.parse = hbh_parse,
	.save = hbh_save,
	.print = hbh_print,
	.match = hbh_match_pkt,
	.copy_need = qt_ip6_chain_copy_need,
	.help =
		"[!] --hbh-len length            total length of this header\n"
		"  --hbh-opts TYPE[:LEN][,TYPE[:LEN]...] \n"
		"                                Options and its length (list, max: 16)\n",
};
QT_EXT_REGISTER(hbh_match)
