/* See proto_names.h. */
#include "proto_names.h"

#include <string.h>
#include <strings.h>

enum {
	XT = 1 << 0,      /* xtables_chain_protos: iptables knows it */
	CT = 1 << 1,      /* libnetfilter_conntrack prints the name */
	PORTS = 1 << 2,   /* its tuples carry ports */
};

static const struct {
	uint16_t num;
	const char *name;
	unsigned what;
} protos[] = {
	/* in xtables_chain_protos' order: its lookups stop at the first */
	{ 6, "tcp", XT | CT | PORTS },
	{ 132, "sctp", XT | CT | PORTS },
	{ 17, "udp", XT | CT | PORTS },
	{ 136, "udplite", XT | CT | PORTS },
	{ 1, "icmp", XT | CT },
	{ 58, "icmpv6", XT | CT },
	{ 50, "esp", XT },
	{ 51, "ah", XT },
	{ 135, "mh", XT },
	{ 0, "all", XT },
	{ 33, "dccp", CT | PORTS },
	{ 47, "gre", CT },
};

#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

static const char *find(uint16_t num, unsigned what)
{
	for (size_t i = 0; i < NPROTOS; i++)
		if (protos[i].num == num && (protos[i].what & what))
			return protos[i].name;
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

const char *qt_proto_ct_name(uint8_t num)
{
	const char *n = find(num, CT);
	return n ? n : "unknown";
}

int qt_proto_ct_number(const char *name)
{
	for (size_t i = 0; i < NPROTOS; i++)
		if ((protos[i].what & CT) && !strcasecmp(protos[i].name, name))
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
