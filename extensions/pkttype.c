/* -m pkttype: the link-layer packet type (the kernel's PACKET_* of the
 * skb). Names are matched whole, ignoring case; "host", "bcast" and
 * "mcast" are iptables' aliases. */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <strings.h>

#include "ext.h"
#include "model.h"
#include "host_addrs.h"
#include "eval.h"

struct pkttype_data {
	uint8_t type;          /* PACKET_HOST ... PACKET_OTHERHOST */
	uint8_t invert;
};

enum { O_PKTTYPE };

/* The printed name of a type is its first entry. */
static const struct qt_opt_choice pkttypes[] = {
	{ "unicast", PACKET_HOST },
	{ "broadcast", PACKET_BROADCAST },
	{ "multicast", PACKET_MULTICAST },
	{ "otherhost", PACKET_OTHERHOST },
	{ "host", PACKET_HOST },
	{ "bcast", PACKET_BROADCAST },
	{ "mcast", PACKET_MULTICAST },
	{ NULL, 0 },
};

static const struct qt_ext_opt pkttype_opts[] = {
	{ .name = "pkt-type", .id = O_PKTTYPE, .type = QT_OT_CHOICE,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND | QT_OPT_NOCASE,
	  .choices = pkttypes, .bad = "Bad packet type '%s'",
	  QT_PUT(struct pkttype_data, type),
	  QT_INV(struct pkttype_data, invert, 1) },
	{ .name = NULL },
};

static void put_type(struct qt_buf *b, uint8_t type)
{
	for (size_t i = 0; pkttypes[i].name; i++)
		if (pkttypes[i].value == type) {
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

/* NFQUEUE does not tell us skb->pkt_type, so it is derived from what
 * the kernel sets it from, checked against xt_pkttype in a namespace
 * (rules with counters, UDP to unicast, subnet broadcast, 255.255.255.255
 * and multicast addresses):
 *  - received packets (PREROUTING, INPUT): the driver set it from the
 *    destination MAC, which the queue does not give; the IP destination
 *    stands in: 255.255.255.255 or a broadcast address of the namespace
 *    (qt_addrs_type() says BROADCAST) -> broadcast, 224.0.0.0/4 ->
 *    multicast, else unicast. Looped-back copies of our own broadcasts
 *    and multicasts are PACKET_LOOPBACK, for which xt_pkttype says
 *    multicast for a multicast destination, else broadcast: the same
 *    answer. OTHERHOST never reaches the IPv4 hooks (ip_rcv drops it).
 *    Not modelled: a unicast IP in a broadcast/multicast frame, or a
 *    broadcast IP in a unicast frame: qtablesd has the queues tell the
 *    frame's type instead (ev->l2_known), which is exact; this is for
 *    the replay driver and a daemon without those queues.
 *  - FORWARD, OUTPUT, POSTROUTING: always unicast. ip_forward() drops
 *    anything but PACKET_HOST, and locally made packets keep pkt_type 0
 *    (PACKET_HOST) through OUTPUT and POSTROUTING, even to broadcast and
 *    multicast addresses (the kernel counted them "unicast" there). */
static uint8_t derive_type(const struct qt_eval *ev)
{
	uint32_t dst = ntohl(ev->pkt.daddr.v4.s_addr);

	if (ev->hook != QT_HOOK_PRE_ROUTING && ev->hook != QT_HOOK_LOCAL_IN)
		return PACKET_HOST;
	if ((dst & 0xf0000000u) == 0xe0000000u)
		return PACKET_MULTICAST;
	if (dst == 0xffffffffu)
		return PACKET_BROADCAST;
	if (ev->env && ev->env->addrs &&
	    qt_addrs_type(ev->env->addrs, ev->pkt.daddr.v4, 0) == RTN_BROADCAST)
		return PACKET_BROADCAST;
	return PACKET_HOST;
}

static bool pkttype_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct pkttype_data *d = in->data;
	/* told by the queue when the engine can (exact: the steering rule
	 * asks the kernel's own pkttype, loopback mapping included) */
	uint8_t type = ev->l2_known ? ev->l2_type : derive_type(ev);
	return (type == d->type) ^ !!d->invert;
}

static const struct qt_ext pkttype_match = {
	.name = "pkttype",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct pkttype_data),
	.opts = pkttype_opts,
	.save = pkttype_save,
	.print = pkttype_print,
	.match = pkttype_match_fn,
	.l2type = true,
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
