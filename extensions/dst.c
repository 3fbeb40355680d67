/* -m dst: the IPv6 destination options header: its length in bytes and the
 * options it carries in order (extensions/lib/ip6_opts.c, shared with
 * -m hbh). */
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "ip6_exthdr.h"
#include "ip6_opts.h"

enum { O_LEN, O_OPTS };

static const struct qt_ext_opt dst_opts[] = {
	{ .name = "dst-len", .id = O_LEN, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(struct qt_ip6_opts, hdrlen),
	  QT_INV(struct qt_ip6_opts, invflags, QT_IP6_OPTS_INV_LEN) },
	{ .name = "dst-opts", .id = O_OPTS, .type = QT_OT_RAW },
	{ .name = NULL },
};

static int dst_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct qt_ip6_opts *o = in->data;
	if (a->opt->id == O_LEN) {
		o->flags |= QT_IP6_OPTS_LEN;
		return 0;
	}
	return qt_ip6_opts_parse(o, a->arg, "dst", "PAD0 hasn't got length", ctx);
}

static void dst_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	qt_ip6_opts_save(in->data, "dst", b);
}

static void dst_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	(void)numeric;
	qt_ip6_opts_print(in->data, "dst", b);
}

/* ---- engine: ip6t_hbh (hbh_mt6) on the destination options header */
static bool dst_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	return qt_ip6_opts_match(in->data, IPPROTO_DSTOPTS, ev);
}

static const struct qt_ext dst_match = {
	.name = "dst",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = sizeof(struct qt_ip6_opts),
	.opts = dst_opts,
	.parse = dst_parse,
	.save = dst_save,
	.print = dst_print,
	.match = dst_match_pkt,
	.copy_need = qt_ip6_chain_copy_need,
	.help =
		"[!] --dst-len length            total length of this header\n"
		"  --dst-opts TYPE[:LEN][,TYPE[:LEN]...]\n"
		"                                Options and its length (list, max: 16)\n",
};
QT_EXT_REGISTER(dst_match)
