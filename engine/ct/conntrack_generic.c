/* The generic tracker (the kernel's nf_conntrack_proto_generic.c): one
 * entry per address pair and protocol, alive generic_timeout after its
 * last packet in either direction. It also serves the protocols
 * conntrack(8) names but qtables has no tracker of its own for (DCCP,
 * whose tuples carry ports; GRE; ICMPv6 inside IPv4), and holds
 * the tuple of every protocol with ports. */
#include "conntrack_tracker.h"

#include <netinet/in.h>

bool qt_ct_ports_tuple(const uint8_t *l4, uint32_t n, struct qt_ct_tuple *t)
{
	if (n < 4)
		return false;
	t->sport = qt_ct_get16(l4);
	t->dport = qt_ct_get16(l4 + 2);
	return true;
}

bool qt_ct_ports_invert(const struct qt_ct_tuple *t, struct qt_ct_tuple *out)
{
	out->sport = t->dport;
	out->dport = t->sport;
	return true;
}

static bool no_ports(const uint8_t *l4, uint32_t n, struct qt_ct_tuple *t)
{
	(void)l4;
	(void)n;
	(void)t;
	return true;
}

static struct qt_ct_step generic_packet(struct qt_ct_entry *e,
					const struct qt_pkt *p,
					enum qt_ct_dir dir,
					const struct qt_ct_config *c,
					uint64_t now)
{
	(void)e;
	(void)p;
	(void)dir;
	(void)now;
	return qt_ct_step(QT_CT_TRACK_OK, c->to.generic);
}

static struct qt_ct_step generic_new(struct qt_ct_entry *e,
				     const struct qt_pkt *p,
				     const struct qt_ct_config *c, uint64_t now)
{
	return generic_packet(e, p, QT_CT_ORIG, c, now);
}

#define GENERIC(num_, name_, ports_, tuple_) {                         \
	.num = num_, .name = name_, .ports = ports_, .tuple = tuple_,   \
	.invert = qt_ct_ports_invert,                                   \
	.new_conn = generic_new, .packet = generic_packet,              \
}

const struct qt_ct_proto qt_ct_proto_generic =
	GENERIC(0, "unknown", false, no_ports);
const struct qt_ct_proto qt_ct_proto_dccp =
	GENERIC(IPPROTO_DCCP, "dccp", true, qt_ct_ports_tuple);
const struct qt_ct_proto qt_ct_proto_gre =
	GENERIC(IPPROTO_GRE, "gre", false, no_ports);
const struct qt_ct_proto qt_ct_proto_icmpv6_in_ipv4 =
	GENERIC(IPPROTO_ICMPV6, "icmpv6", false, no_ports);
