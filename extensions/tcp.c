/* -m tcp (also loaded implicitly by -p tcp): ports, flags, options.
 * Parsing and messages follow libxt_tcp of iptables 1.8.9, which checks
 * repeats itself ("Only one `--source-port' allowed"). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ext.h"
#include "model.h"
#include "port_match.h"
#include "xtypes.h"

#define INV_SRCPT  QT_PORTS_INV_SRC
#define INV_DSTPT  QT_PORTS_INV_DST
#define INV_FLAGS  0x04
#define INV_OPTION 0x08

struct tcp_data {
	uint16_t spts[2];      /* first: struct qt_ports_head */
	uint16_t dpts[2];
	uint8_t option;
	uint8_t flg_mask;
	uint8_t flg_cmp;
	uint8_t invflags;
};

enum { O_SPORT, O_DPORT, O_SYN, O_FLAGS, O_OPTION };

static const struct qt_ext_opt tcp_opts[] = {
	{ .name = "source-port", .id = O_SPORT, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "sport", .id = O_SPORT, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "destination-port", .id = O_DPORT, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "dport", .id = O_DPORT, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "syn", .id = O_SYN, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "tcp-flags", .id = O_FLAGS, .arg = QT_ARG_REQ2, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "tcp-option", .id = O_OPTION, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = NULL },
};

/* Flag names in the order iptables prints them. */
static const struct {
	const char *name;
	uint8_t flag;
} flag_names[] = {
	{ "FIN", 0x01 }, { "SYN", 0x02 }, { "RST", 0x04 }, { "PSH", 0x08 },
	{ "ACK", 0x10 }, { "URG", 0x20 }, { "ALL", 0x3F }, { "NONE", 0 },
};

static void tcp_init(struct qt_ext_inst *in)
{
	struct tcp_data *d = in->data;
	d->spts[1] = d->dpts[1] = 0xFFFF;
}

static int parse_flag_list(const char *s, uint8_t *out, struct qt_ctx *ctx)
{
	char buf[256];
	uint8_t f = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
			if (!strcasecmp(flag_names[i].name, tok))
				break;
		if (i == sizeof(flag_names) / sizeof(flag_names[0]))
			return qt_param_error(ctx, "Unknown TCP flag `%s'", tok);
		f |= flag_names[i].flag;
	}
	*out = f;
	return 0;
}

static int tcp_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct tcp_data *d = in->data;
	uint32_t before = in->seen;

	switch (a->opt->id) {
	case O_SPORT:
		if (before & (1u << O_SPORT))
			return qt_param_error(ctx, "Only one `--source-port' allowed");
		if (qt_port_range_parse(a->arg, "tcp", d->spts, ctx))
			return -1;
		if (a->invert)
			d->invflags |= INV_SRCPT;
		return 0;
	case O_DPORT:
		if (before & (1u << O_DPORT))
			return qt_param_error(ctx,
				"Only one `--destination-port' allowed");
		if (qt_port_range_parse(a->arg, "tcp", d->dpts, ctx))
			return -1;
		if (a->invert)
			d->invflags |= INV_DSTPT;
		return 0;
	case O_SYN:
	case O_FLAGS:
		if (before & ((1u << O_SYN) | (1u << O_FLAGS)))
			return qt_param_error(ctx,
				"Only one of `--syn' or `--tcp-flags'  allowed");
		if (a->opt->id == O_SYN) {
			d->flg_mask = 0x17; /* SYN,RST,ACK,FIN */
			d->flg_cmp = 0x02;
		} else {
			if (!a->arg2)
				return qt_param_error(ctx, "--tcp-flags requires two args.");
			if (parse_flag_list(a->arg, &d->flg_mask, ctx) ||
			    parse_flag_list(a->arg2, &d->flg_cmp, ctx))
				return -1;
		}
		if (a->invert)
			d->invflags |= INV_FLAGS;
		return 0;
	case O_OPTION: {
		uint64_t v;
		if (before & (1u << O_OPTION))
			return qt_param_error(ctx, "Only one `--tcp-option' allowed");
		if (!qt_strtoul(a->arg, NULL, 1, 255, &v))
			return qt_param_error(ctx, "Bad TCP option \"%s\"", a->arg);
		d->option = (uint8_t)v;
		if (a->invert)
			d->invflags |= INV_OPTION;
		return 0;
	}
	}
	return 0;
}

static bool tcp_has_more(const void *data)
{
	const struct tcp_data *d = data;
	return d->option || d->flg_mask;
}

/* With options iptables-nft builds native expressions and checks only
 * the protocol number; a bare -m tcp stays xt_tcp, bound to -p tcp. */
static const struct qt_port_match tcp_ports = {
	.proto = IPPROTO_TCP,
	.needs_proto = "TCP match requires '-p tcp'",
	.inv_off = offsetof(struct tcp_data, invflags),
	.has_more = tcp_has_more,
};

static int tcp_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		     struct qt_ctx *ctx)
{
	return qt_port_match_check(&tcp_ports, in, env, ctx);
}

static bool tcp_is_noop(const struct qt_ext_inst *in)
{
	return qt_port_match_is_noop(&tcp_ports, in);
}

static int tcp_kcheck(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env)
{
	return qt_port_match_kcheck(&tcp_ports, in, env);
}

static void put_flags(struct qt_buf *b, uint8_t flags)
{
	bool any = false;
	while (flags) {
		size_t i = 0;
		while (!(flags & flag_names[i].flag))
			i++;
		if (any)
			qt_buf_putc(b, ',');
		qt_buf_puts(b, flag_names[i].name);
		any = true;
		flags &= (uint8_t)~flag_names[i].flag;
	}
	if (!any)
		qt_buf_puts(b, "NONE");
}

static void tcp_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct tcp_data *d = in->data;
	qt_port_range_save(b, "sport", d->spts, d->invflags & INV_SRCPT);
	qt_port_range_save(b, "dport", d->dpts, d->invflags & INV_DSTPT);
	if (d->option || (d->invflags & INV_OPTION)) {
		if (d->invflags & INV_OPTION)
			qt_buf_puts(b, " !");
		qt_buf_printf(b, " --tcp-option %u", d->option);
	}
	if (d->flg_mask || (d->invflags & INV_FLAGS)) {
		if (d->invflags & INV_FLAGS)
			qt_buf_puts(b, " !");
		qt_buf_puts(b, " --tcp-flags ");
		put_flags(b, d->flg_mask);
		qt_buf_putc(b, ' ');
		put_flags(b, d->flg_cmp);
	}
}

static void tcp_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct tcp_data *d = in->data;
	qt_buf_puts(b, " tcp");
	qt_port_range_print(b, "spt", d->spts, d->invflags & INV_SRCPT, "tcp",
			    numeric);
	qt_port_range_print(b, "dpt", d->dpts, d->invflags & INV_DSTPT, "tcp",
			    numeric);
	if (d->option || (d->invflags & INV_OPTION))
		qt_buf_printf(b, " option=%s%u",
			      (d->invflags & INV_OPTION) ? "!" : "", d->option);
	if (d->flg_mask || (d->invflags & INV_FLAGS)) {
		qt_buf_printf(b, " flags:%s", (d->invflags & INV_FLAGS) ? "!" : "");
		if (numeric) {
			qt_buf_printf(b, "0x%02X/0x%02X", d->flg_mask, d->flg_cmp);
		} else {
			put_flags(b, d->flg_mask);
			qt_buf_putc(b, '/');
			put_flags(b, d->flg_cmp);
		}
	}
}


/* ---- engine ----
 * iptables-nft 1.8.9 gives the kernel xt_tcp only for a bare -m tcp or
 * with --tcp-option; ports and flags otherwise become native payload
 * expressions (flags only when the mask is not empty), which never drop
 * a packet (xtypes.h). Both are followed here; the facts were checked
 * on the kernel (tests/unit/test_match_headers.c). */

/* xt_tcpudp's tcp_find_option: options are walked with the kernel's
 * loose rules (EOL and NOP step one byte, a length of 0 steps one byte,
 * nothing stops at EOL); a declared header the packet does not hold
 * drops it. */
static bool find_option(const struct qt_pkt *p, uint8_t option,
			uint32_t optlen, bool invert, bool *hotdrop)
{
	if (!optlen)
		return invert;
	if (20 + optlen > p->l4_len) {
		*hotdrop = true;
		return false;
	}
	const uint8_t *op = p->l4 + 20;
	for (uint32_t i = 0; i < optlen;) {
		if (op[i] == option)
			return !invert;
		if (op[i] < 2 || i + 1 >= optlen)
			i++;     /* a length past the end ends the walk too */
		else
			i += op[i + 1] ? op[i + 1] : 1;
	}
	return invert;
}

/* xt_tcp (tcp_mt): non-first fragments never match, offset 1 is dropped
 * ("evil" flag-rewriting fragment); an unreadable header is dropped. */
static bool xt_tcp_match(const struct tcp_data *d, struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	if (p->frag_off) {
		if (p->frag_off == 1)
			ev->hotdrop = true;
		return false;
	}
	if (p->l4_len < 20) {
		ev->hotdrop = true;
		return false;
	}
	const uint8_t *th = p->l4;
	uint16_t sp = (uint16_t)(th[0] << 8 | th[1]);
	uint16_t dp = (uint16_t)(th[2] << 8 | th[3]);
	if (!qt_port_match_ports(&tcp_ports, d, sp, dp))
		return false;
	if (((th[13] & d->flg_mask) == d->flg_cmp) == !!(d->invflags & INV_FLAGS))
		return false;
	if (d->option) {
		uint32_t doff = (uint32_t)(th[12] >> 4) * 4;
		if (doff < 20) {
			ev->hotdrop = true;
			return false;
		}
		return find_option(p, d->option, doff - 20,
				   d->invflags & INV_OPTION, &ev->hotdrop);
	}
	return true;
}

static bool tcp_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct tcp_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (!p->l4)
		return false;    /* not a parsed IPv4 packet */
	if (d->option || qt_port_match_bare(&tcp_ports, d))
		return xt_tcp_match(d, ev);
	/* native: only the bytes each check reads (see xtypes.h) */
	if (d->flg_mask) {
		if (p->l4_len < 14)
			return false;
		if (((p->l4[13] & d->flg_mask) == d->flg_cmp) ==
		    !!(d->invflags & INV_FLAGS))
			return false;
	}
	return xt_nft_ports_match(p, d->spts, d->invflags & INV_SRCPT,
				  d->dpts, d->invflags & INV_DSTPT);
}

static void tcp_classify(const struct qt_ext_inst *in, struct qt_class_key *k)
{
	const struct tcp_data *d = in->data;
	xt_class_ports(k, (in->seen & (1u << O_SPORT)) && !(d->invflags & INV_SRCPT),
		       d->spts,
		       (in->seen & (1u << O_DPORT)) && !(d->invflags & INV_DSTPT),
		       d->dpts);
}

static const struct qt_ext tcp_match = {
	.name = "tcp",
	.kind = QT_EXT_MATCH,
	.proto = 6,
	.data_size = sizeof(struct tcp_data),
	.opts = tcp_opts,
	.init = tcp_init,
	.parse = tcp_parse,
	.check = tcp_check,
	.is_noop = tcp_is_noop,
	.kcheck = tcp_kcheck,
	.save = tcp_save,
	.print = tcp_print,
	.match = tcp_match_pkt,
	.classify = tcp_classify,
	.help =
		"[!] --tcp-flags mask comp\tmatch when TCP flags & mask == comp\n"
		"\t\t\t\t(Flags: SYN ACK FIN RST URG PSH ALL NONE)\n"
		"[!] --syn\t\t\tmatch when only SYN flag set\n"
		"\t\t\t\t(equivalent to --tcp-flags SYN,RST,ACK,FIN SYN)\n"
		"[!] --source-port port[:port]\n"
		" --sport ...\n"
		"\t\t\t\tmatch source port(s)\n"
		"[!] --destination-port port[:port]\n"
		" --dport ...\n"
		"\t\t\t\tmatch destination port(s)\n"
		"[!] --tcp-option number        match if TCP option set\n",
};
QT_EXT_REGISTER(tcp_match)
