/* -m eui64: the IPv6 source address's interface identifier is the one
 * made (modified EUI-64, RFC 4291) from the frame's source MAC. The
 * kernel allows it where a packet has come in from a device:
 * PREROUTING, INPUT, FORWARD. No options. */
#include <errno.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "host_links.h"
#include "model.h"

#define ETH_LEN 6

static const struct qt_ext_opt eui64_opts[] = {
	{ .name = NULL },
};

static int eui64_kcheck(const struct qt_ext_inst *in,
			const struct qt_rule_env *env)
{
	(void)in;
	unsigned ok = (1u << QT_HOOK_PRE_ROUTING) | (1u << QT_HOOK_LOCAL_IN) |
		      (1u << QT_HOOK_FORWARD);
	return (env->hooks & ~ok) ? EINVAL : 0;
}

/* libip6t_eui64 prints nothing for -L (nor for save). */
static void eui64_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	(void)in;
	(void)b;
	(void)numeric;
}

/* As ip6t_eui64: no match without an Ethernet source address (the queue
 * hands one over for packets that came in on a device; loopback's
 * all-zero one is refused by the device's type, as for -m mac); else
 * the MAC's three first bytes with the universal/local bit flipped,
 * ff:fe, its three last, against the source's last 64 bits. */
static bool eui64_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	unsigned type;
	(void)in;
	if (p->family != AF_INET6 || ev->hwaddr_len != ETH_LEN || !ev->indev)
		return false;
	if (ev->env && ev->env->links &&
	    qt_links_hwaddr(ev->env->links, ev->indev, NULL, NULL, &type) == 0 &&
	    type != ARPHRD_ETHER)
		return false;
	uint8_t eui64[8];
	memcpy(eui64, ev->hwaddr, 3);
	eui64[3] = 0xff;
	eui64[4] = 0xfe;
	memcpy(eui64 + 5, ev->hwaddr + 3, 3);
	eui64[0] ^= 0x02;
	return !memcmp(p->saddr.v6.s6_addr + 8, eui64, 8);
}

static const struct qt_ext eui64_match = {
	.name = "eui64",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = 0,
	.opts = eui64_opts,
	.kcheck = eui64_kcheck,
	.print = eui64_print,
	.match = eui64_match_fn,
};
QT_EXT_REGISTER(eui64_match)
