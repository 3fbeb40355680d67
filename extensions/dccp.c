/* -m dccp (also loaded implicitly by -p dccp): ports, packet types and
 * an option (xt_dccp, both families, bound by the kernel to -p dccp).
 * Facts from iptables-nft 1.8.9: it has no native expression for dccp,
 * so the match is always the kernel's, its ranges kept as given (a:b
 * with a > b taken, "--dport 0:65535" saved but not listed); each
 * option once; --dccp-types is a list of names in any case, INVALID
 * standing for every type from 10 on, an empty list taken as no type;
 * --dccp-option is 1..255. -L prints the types by name (INVALID once)
 * or, with -n, by number. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eval.h"
#include "ext.h"
#include "model.h"
#include "port_match.h"

/* xt_dccp's flags and invflags bits (the ports' are port_match's). */
#define DCCP_SRC_PORTS  QT_PORTS_INV_SRC
#define DCCP_DEST_PORTS QT_PORTS_INV_DST
#define DCCP_TYPE       0x04
#define DCCP_OPTION     0x08

#define DCCP_PKT_INVALID 10

struct dccp_data {
	uint16_t spts[2];      /* first: struct qt_ports_head */
	uint16_t dpts[2];
	uint16_t typemask;     /* bit per packet type */
	uint8_t flags;         /* options given (DCCP_*) */
	uint8_t invflags;      /* options inverted (DCCP_*) */
	uint8_t option;
	uint8_t pad[3];
};

enum { O_SPORT, O_DPORT, O_TYPES, O_OPTION };

#define D struct dccp_data
static const struct qt_ext_opt dccp_opts[] = {
	{ .name = "source-port", .id = O_SPORT, .type = QT_OT_PORTRANGE,
	  .flags = QT_OPT_INVERT, QT_PUT(D, spts),
	  QT_INV(D, invflags, DCCP_SRC_PORTS) },
	{ .name = "sport", .id = O_SPORT },
	{ .name = "destination-port", .id = O_DPORT, .type = QT_OT_PORTRANGE,
	  .flags = QT_OPT_INVERT, QT_PUT(D, dpts),
	  QT_INV(D, invflags, DCCP_DEST_PORTS) },
	{ .name = "dport", .id = O_DPORT },
	{ .name = "dccp-types", .id = O_TYPES, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, QT_INV(D, invflags, DCCP_TYPE) },
	{ .name = "dccp-option", .id = O_OPTION, .type = QT_OT_UINT,
	  .min = 1, .max = 255, .flags = QT_OPT_INVERT, QT_PUT(D, option),
	  QT_INV(D, invflags, DCCP_OPTION) },
	{ .name = NULL },
};
#undef D

/* libxt_dccp's names, by type number. */
static const char *const type_names[] = {
	"REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ",
	"CLOSE", "RESET", "SYNC", "SYNCACK", "INVALID",
};
#define NTYPE_NAMES (sizeof(type_names) / sizeof(type_names[0]))

static void dccp_init(struct qt_ext_inst *in)
{
	struct dccp_data *d = in->data;
	d->spts[1] = d->dpts[1] = 0xFFFF;
}

static int parse_types(struct dccp_data *d, const char *list,
		       struct qt_ctx *ctx)
{
	char *buf = strdup(list);
	if (!buf)
		return qt_param_error(ctx, "%s", strerror(ENOMEM));
	int rc = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		unsigned i;
		for (i = 0; i < NTYPE_NAMES; i++)
			if (!strcasecmp(type_names[i], t))
				break;
		if (i == NTYPE_NAMES) {
			rc = qt_param_error(ctx, "Unknown DCCP type `%s'", t);
			break;
		}
		/* INVALID: every type from 10 on */
		d->typemask |= i == DCCP_PKT_INVALID
				       ? (uint16_t)~((1u << DCCP_PKT_INVALID) - 1)
				       : (uint16_t)(1u << i);
	}
	free(buf);
	return rc;
}

static int dccp_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct dccp_data *d = in->data;
	switch (a->opt->id) {
	case O_SPORT:
		d->flags |= DCCP_SRC_PORTS;
		return 0;
	case O_DPORT:
		d->flags |= DCCP_DEST_PORTS;
		return 0;
	case O_TYPES:
		d->flags |= DCCP_TYPE;
		return parse_types(d, a->arg, ctx);
	case O_OPTION:
		d->flags |= DCCP_OPTION;
		return 0;
	}
	return 0;
}

/* Always the kernel's xt_dccp, bound to -p dccp. */
static const struct qt_port_match dccp_ports = {
	.proto = IPPROTO_DCCP,
	.inv_off = offsetof(struct dccp_data, invflags),
	.xt_only = true,
};

static int dccp_kcheck(const struct qt_ext_inst *in,
		       const struct qt_rule_env *env)
{
	return qt_port_match_kcheck(&dccp_ports, in, env);
}

/* " REQUEST,RESET" or " 0,7": libxt_dccp's print_types, which stops
 * at INVALID by name and numbers every type of it. */
static void put_types(struct qt_buf *b, uint16_t types, bool numeric)
{
	bool first = true;
	qt_buf_putc(b, ' ');
	for (unsigned i = 0; i < 16; i++) {
		if (!(types & (1u << i)))
			continue;
		if (!first)
			qt_buf_putc(b, ',');
		first = false;
		if (numeric) {
			qt_buf_printf(b, "%u", i);
		} else {
			qt_buf_puts(b, type_names[i < DCCP_PKT_INVALID
						  ? i : DCCP_PKT_INVALID]);
			if (i >= DCCP_PKT_INVALID)
				break;
		}
	}
}

static void dccp_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct dccp_data *d = in->data;
	if (d->flags & DCCP_SRC_PORTS)
		qt_port_range_save_given(b, "sport", d->spts,
					 d->invflags & DCCP_SRC_PORTS);
	if (d->flags & DCCP_DEST_PORTS)
		qt_port_range_save_given(b, "dport", d->dpts,
					 d->invflags & DCCP_DEST_PORTS);
	if (d->flags & DCCP_TYPE) {
		qt_buf_puts(b, d->invflags & DCCP_TYPE ? " ! --dccp-types"
						       : " --dccp-types");
		put_types(b, d->typemask, false);
	}
	if (d->flags & DCCP_OPTION)
		qt_buf_printf(b, "%s --dccp-option %u",
			      d->invflags & DCCP_OPTION ? " !" : "", d->option);
}

static void dccp_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct dccp_data *d = in->data;
	qt_buf_puts(b, " dccp");
	if (d->flags & DCCP_SRC_PORTS)
		qt_port_range_print(b, "spt", d->spts,
				    d->invflags & DCCP_SRC_PORTS, "dccp",
				    numeric);
	if (d->flags & DCCP_DEST_PORTS)
		qt_port_range_print(b, "dpt", d->dpts,
				    d->invflags & DCCP_DEST_PORTS, "dccp",
				    numeric);
	if (d->flags & DCCP_TYPE) {
		if (d->invflags & DCCP_TYPE)
			qt_buf_puts(b, " !");
		put_types(b, d->typemask, numeric);
	}
	if ((d->flags & DCCP_OPTION) &&
	    (d->option || (d->invflags & DCCP_OPTION)))
		qt_buf_printf(b, " option=%s%u",
			      d->invflags & DCCP_OPTION ? "!" : "", d->option);
}

/* ---- engine: xt_dccp (dccp_mt) ----
 * A non-first fragment never matches; a packet without the 12-byte
 * generic header drops; then each condition given, inverted as asked.
 * The option walk (dccp_find_option) runs over the header's options,
 * after the type's own fields: a data offset below them or options the
 * packet does not hold drop it (inverted or not: a drop is a drop). */

/* __dccp_hdr_len: the generic header (16 bytes with the extended
 * sequence number, X set), and the fields of the type. */
static uint32_t dccp_hdr_len(const uint8_t *h)
{
	uint32_t len = (h[8] & 1) ? 16 : 12;
	switch ((h[8] >> 1) & 0xF) {
	case 2:                 /* DATA */
		return len;
	case 3: case 4: case 5: case 6: case 8: case 9:
		return len + 8; /* ack number */
	case 0:                 /* REQUEST: service code */
		return len + 4;
	default:                /* RESPONSE, RESET, the rest */
		return len + 12;
	}
}

static bool find_option(uint8_t option, const uint8_t *h, uint32_t len,
			bool *hotdrop)
{
	uint32_t optoff = dccp_hdr_len(h);
	uint32_t doff = h[4] * 4u;
	if (doff < optoff) {
		*hotdrop = true;
		return false;
	}
	uint32_t optlen = doff - optoff;
	if (!optlen)
		return false;
	if (doff > len) {
		*hotdrop = true;
		return false;
	}
	const uint8_t *op = h + optoff;
	for (uint32_t i = 0; i < optlen;) {
		if (op[i] == option)
			return true;
		if (op[i] < 2 || i + 1 >= optlen)
			i++;    /* a step past the end ends the walk too */
		else
			i += op[i + 1] ? op[i + 1] : 1;
	}
	return false;
}

static bool check(const struct dccp_data *d, unsigned bit, bool cond)
{
	return !(d->flags & bit) || (cond != !!(d->invflags & bit));
}

static bool dccp_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct dccp_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	uint32_t len;
	const uint8_t *h = qt_pkt_th(p, &len);
	if (!h || p->frag_off)
		return false;
	if (len < 12) {
		ev->hotdrop = true;
		return false;
	}
	uint16_t sp = (uint16_t)(h[0] << 8 | h[1]);
	uint16_t dp = (uint16_t)(h[2] << 8 | h[3]);
	if (!check(d, DCCP_SRC_PORTS, sp >= d->spts[0] && sp <= d->spts[1]) ||
	    !check(d, DCCP_DEST_PORTS, dp >= d->dpts[0] && dp <= d->dpts[1]) ||
	    !check(d, DCCP_TYPE, d->typemask & (1u << ((h[8] >> 1) & 0xF))))
		return false;
	if (!(d->flags & DCCP_OPTION))
		return true;
	bool m = find_option(d->option, h, len, &ev->hotdrop);
	return !ev->hotdrop && m != !!(d->invflags & DCCP_OPTION);
}

/* The options may lie past the headers the queue copies. */
static uint32_t dccp_copy_need(const struct qt_ext_inst *in)
{
	const struct dccp_data *d = in->data;
	return (d->flags & DCCP_OPTION) ? 0xffff : 0;
}

static const struct qt_ext dccp_match = {
	.name = "dccp",
	.kind = QT_EXT_MATCH,
	.proto = IPPROTO_DCCP,
	.data_size = sizeof(struct dccp_data),
	.opts = dccp_opts,
	.init = dccp_init,
	.parse = dccp_parse,
	.kcheck = dccp_kcheck,
	.save = dccp_save,
	.print = dccp_print,
	.match = dccp_match_pkt,
	.copy_need = dccp_copy_need,
	.help_header = "dccp match options",
	.help =
		"[!] --source-port port[:port]                          match source port(s)\n"
		" --sport ...\n"
		"[!] --destination-port port[:port]                     match destination port(s)\n"
		" --dport ...\n"
		"[!] --dccp-types type[,...]                            match when packet is one of the given types\n"
		"[!] --dccp-option option                               match if option (by number!) is set\n",
};
QT_EXT_REGISTER(dccp_match)
