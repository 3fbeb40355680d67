/* -m mac: the Ethernet source address. The kernel allows it only where a
 * packet has come in from a device: PREROUTING, INPUT, FORWARD. */
#include <errno.h>
#include <net/if_arp.h>
#include <stdlib.h>
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
	{ .name = "mac-source", .id = O_MAC_SOURCE, .arg = QT_ARG_REQ, .flags = QT_OPT_INVERT },
	{ .name = NULL },
};

/* Six ':'-separated parts, each read as strtoul reads base 16 and at
 * most two characters long (so "1", "-6" and even "" pass, as in
 * xtables, and the byte is what the value truncates to). */
static bool parse_mac(const char *s, uint8_t out[ETH_LEN])
{
	for (int i = 0; i < ETH_LEN; i++) {
		char *end;
		unsigned long v = strtoul(s, &end, 16);
		if (end - s > 2 || *end != (i < ETH_LEN - 1 ? ':' : '\0'))
			return false;
		out[i] = (uint8_t)v;
		s = end + 1;
	}
	return true;
}

static int mac_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct mac_data *d = in->data;
	if (!parse_mac(a->arg, d->addr))
		return qt_param_error(ctx, "Invalid MAC address specified.");
	d->invert = a->invert;
	return 0;
}

static int mac_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		     struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (1u << O_MAC_SOURCE)))
		return qt_param_error(ctx,
			"mac: option \"--mac-source\" must be specified\n");
	return 0;
}

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
	.parse = mac_parse,
	.check = mac_check,
	.kcheck = mac_kcheck,
	.save = mac_save,
	.print = mac_print,
	.match = mac_match_fn,
	.help =
		"[!] --mac-source XX:XX:XX:XX:XX:XX\n"
		"\t\t\t\tMatch source MAC address\n",
};
QT_EXT_REGISTER(mac_match)
