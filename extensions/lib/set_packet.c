#include "set_packet.h"

#include <netinet/in.h>
#include <string.h>

static bool has_ports(const struct qt_pkt *p)
{
	return p->l4_ok && (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP ||
			    p->proto == IPPROTO_SCTP ||
			    p->proto == IPPROTO_UDPLITE);
}

bool qt_set_packet_key(const struct qt_set *s, unsigned ndims, unsigned src,
		       const struct qt_pkt *p, struct qt_set_key *k)
{
	if (ndims < s->type->ndims)
		return false;
	memset(k, 0, sizeof(*k));
	bool first_ip = true;
	for (unsigned i = 0; i < s->type->ndims; i++) {
		bool from_src = src & (1u << i);
		if (s->type->dims[i] == QT_SD_PORT) {
			if (!has_ports(p))
				return false;
			/* bitmap:port holds TCP and UDP ports alike */
			if (s->type->bitmap && p->proto != IPPROTO_TCP &&
			    p->proto != IPPROTO_UDP)
				return false;
			k->port = from_src ? p->sport : p->dport;
			k->proto = s->type->bitmap ? 0 : p->proto;
			continue;
		}
		const union qt_addr *a = from_src ? &p->saddr : &p->daddr;
		if (first_ip) {
			k->ip = *a;
			k->cidr = 32;
		} else {
			k->ip2 = *a;
			k->cidr2 = 32;
		}
		first_ip = false;
	}
	return true;
}
