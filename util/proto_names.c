/* See proto_names.h. */
#include "proto_names.h"

#include <string.h>

enum {
	XT = 1 << 0,      /* xtables_chain_protos: iptables knows it */
	PORTS = 1 << 1,   /* its tuples carry ports */
};

static const struct {
	uint16_t num;
	const char *name;
	unsigned what;
} protos[] = {
	/* in xtables_chain_protos' order: its lookups stop at the first */
	{ 6, "tcp", XT | PORTS },
	{ 132, "sctp", XT | PORTS },
	{ 17, "udp", XT | PORTS },
	{ 136, "udplite", XT | PORTS },
	{ 1, "icmp", XT },
	{ 58, "icmpv6", XT },
	{ 50, "esp", XT },
	{ 51, "ah", XT },
	{ 135, "mh", XT },
	/* xtables_chain_protos' other names of 58 and 135, after the ones
	 * found by number here; iptables takes them as names */
	{ 58, "ipv6-icmp", XT },
	{ 135, "ipv6-mh", XT },
	{ 0, "all", XT },
	{ 33, "dccp", PORTS },
};

#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

static const char *find(uint16_t num, unsigned what)
{
	for (size_t i = 0; i < NPROTOS; i++)
		if (protos[i].num == num && (protos[i].what & what))
			return protos[i].name;
	return NULL;
}

const char *qt_proto_known_at(unsigned i)
{
	for (size_t k = 0; k < NPROTOS; k++)
		if ((protos[k].what & XT) && !i--)
			return protos[k].name;
	return NULL;
}

const char *qt_proto_known_name(uint16_t num)
{
	return find(num, XT);
}

int qt_proto_known_number(const char *name)
{
	for (size_t i = 0; i < NPROTOS; i++)
		if ((protos[i].what & XT) && !strcmp(protos[i].name, name))
			return protos[i].num;
	return -1;
}

bool qt_proto_has_ports(uint8_t num)
{
	return find(num, PORTS) != NULL;
}

const char *qt_proto_port_name(uint8_t num)
{
	return find(num, PORTS);
}
