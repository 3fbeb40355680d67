/* -m pkttype: the link-layer packet type (the kernel's PACKET_* of the
 * skb). Names are matched whole, ignoring case; "host", "bcast" and
 * "mcast" are iptables' aliases. */
#include <linux/if_packet.h>
#include <strings.h>

#include "../parser/ext.h"

struct pkttype_data {
	uint8_t type;          /* PACKET_HOST ... PACKET_OTHERHOST */
	uint8_t invert;
};

enum { O_PKTTYPE };

static const struct qt_ext_opt pkttype_opts[] = {
	{ "pkt-type", O_PKTTYPE, QT_ARG_REQ, QT_OPT_INVERT },
	{ NULL, 0, QT_ARG_NONE, 0 },
};

/* The printed name of a type is its first entry. */
static const struct {
	const char *name;
	uint8_t type;
} pkttypes[] = {
	{ "unicast", PACKET_HOST },
	{ "broadcast", PACKET_BROADCAST },
	{ "multicast", PACKET_MULTICAST },
	{ "otherhost", PACKET_OTHERHOST },
	{ "host", PACKET_HOST },
	{ "bcast", PACKET_BROADCAST },
	{ "mcast", PACKET_MULTICAST },
};
#define NTYPES (sizeof(pkttypes) / sizeof(pkttypes[0]))

static int pkttype_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			 struct qt_ctx *ctx)
{
	struct pkttype_data *d = in->data;
	for (size_t i = 0; i < NTYPES; i++)
		if (!strcasecmp(pkttypes[i].name, a->arg)) {
			d->type = pkttypes[i].type;
			d->invert = a->invert;
			return 0;
		}
	return qt_param_error(ctx, "Bad packet type '%s'", a->arg);
}

static int pkttype_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			 struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (1u << O_PKTTYPE)))
		return qt_param_error(ctx,
			"pkttype: option \"--pkt-type\" must be specified\n");
	return 0;
}

static void put_type(struct qt_buf *b, uint8_t type)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (pkttypes[i].type == type) {
			qt_buf_puts(b, pkttypes[i].name);
			return;
		}
	qt_buf_printf(b, "%u", type);
}

static void pkttype_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct pkttype_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --pkt-type " : " --pkt-type ");
	put_type(b, d->type);
}

static void pkttype_print(const struct qt_ext_inst *in, struct qt_buf *b,
			  bool numeric)
{
	const struct pkttype_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->invert ? " PKTTYPE != " : " PKTTYPE = ");
	put_type(b, d->type);
}

static const struct qt_ext pkttype_match = {
	.name = "pkttype",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct pkttype_data),
	.opts = pkttype_opts,
	.parse = pkttype_parse,
	.check = pkttype_check,
	.save = pkttype_save,
	.print = pkttype_print,
	.help =
		"[!] --pkt-type packettype    match packet type\n"
		"Valid packet types:\n"
		"\tunicast       \t\tto us\n"
		"\tbroadcast     \t\tto all\n"
		"\tmulticast     \t\tto group\n"
		"\totherhost     \t\tto someone else\n"
		"\n",
};
QT_EXT_REGISTER(pkttype_match)
