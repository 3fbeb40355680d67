/* -m mac: the Ethernet source address. The kernel allows it only where a
 * packet has come in from a device: PREROUTING, INPUT, FORWARD. */
#include <errno.h>
#include <net/if_arp.h>
#include <string.h>

#include "ext.h"
#include "model.h"
#include "eval.h"
#include "host_links.h"

#define ETH_LEN 6

struct mac_data {
	uint8_t addr[ETH_LEN];
	uint8_t invert;
	uint8_t pad;
};

enum { O_MAC_SOURCE };

static const struct qt_ext_opt mac_opts[] = {
	{ .name = "mac-source", .id = O_MAC_SOURCE, .type = QT_OT_ETHERMAC,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND, QT_PUT(struct mac_data, addr),
	  QT_INV(struct mac_data, invert, 1) },
	{ .name = NULL },
};

static int mac_kcheck(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env)
{
	(void)in;
	unsigned ok = (1u << QT_HOOK_PRE_ROUTING) | (1u << QT_HOOK_LOCAL_IN) |
		      (1u << QT_HOOK_FORWARD);
	return (env->hooks & ~ok) ? EINVAL : 0;
}

static void put_mac(struct qt_buf *b, const uint8_t a[ETH_LEN])
{
	qt_buf_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x",
		      a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void mac_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct mac_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --mac-source " : " --mac-source ");
	put_mac(b, d->addr);
}

static void mac_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct mac_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->invert ? " MAC ! " : " MAC ");
	put_mac(b, d->addr);
}

/* As xt_mac: no match, inverted or not, unless the packet came in on an
 * Ethernet device with a MAC header. The queue hands us the source
 * address (NFQA_HWADDR) only for packets with an incoming device; it
 * also does so for loopback (an all-zero address), which xt_mac refuses
 * by the device type, so the device's type is checked when known. */
static bool mac_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct mac_data *d = in->data;
	unsigned type;

	if (ev->hwaddr_len != ETH_LEN || !ev->indev)
		return false;
	if (ev->env && ev->env->links &&
	    qt_links_hwaddr(ev->env->links, ev->indev, NULL, NULL, &type) == 0 &&
	    type != ARPHRD_ETHER)
		return false;
	return (memcmp(ev->hwaddr, d->addr, ETH_LEN) == 0) ^ !!d->invert;
}

static const struct qt_ext mac_match = {
	.name = "mac",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct mac_data),
	.opts = mac_opts,
	.kcheck = mac_kcheck,
	.save = mac_save,
	.print = mac_print,
	.match = mac_match_fn,
	.help =
		"[!] --mac-source XX:XX:XX:XX:XX:XX\n"
		"\t\t\t\tMatch source MAC address\n",
};
QT_EXT_REGISTER(mac_match)
