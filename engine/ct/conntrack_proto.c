/* The trackers by protocol number, and tuples, names and checksums
 * through them (conntrack_proto.h). */
#include "conntrack_proto.h"

#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "csum.h"

const struct qt_ct_proto *const qt_ct_protos[256] = {
	[IPPROTO_ICMP] = &qt_ct_proto_icmp,
	[IPPROTO_TCP] = &qt_ct_proto_tcp,
	[IPPROTO_UDP] = &qt_ct_proto_udp,
	[IPPROTO_DCCP] = &qt_ct_proto_dccp,
	[IPPROTO_GRE] = &qt_ct_proto_gre,
	[IPPROTO_ICMPV6] = &qt_ct_proto_icmpv6_in_ipv4,
	[IPPROTO_SCTP] = &qt_ct_proto_sctp,
	[IPPROTO_UDPLITE] = &qt_ct_proto_udplite,
};

const struct qt_ct_proto *qt_ct_proto_by_name(const char *name)
{
	for (unsigned i = 0; i < 256; i++)
		if (qt_ct_protos[i] && !strcasecmp(name, qt_ct_protos[i]->name))
			return qt_ct_protos[i];
	return NULL;
}

bool qt_ct_tuple_of(const struct qt_pkt *p, struct qt_ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	/* l4_ok: parsed, first fragment (the kernel defragments before
	 * conntrack; we cannot, so later fragments have no tuple),
	 * transport header whole */
	if ((p->family != AF_INET && p->family != AF_INET6) || !p->l4 ||
	    !p->l4_ok || p->frag_off)
		return false;
	bool ip6 = p->family == AF_INET6;
	if (ip6) {
		memcpy(t->src.b, &p->saddr.v6, 16);
		memcpy(t->dst.b, &p->daddr.v6, 16);
		t->ip6 = 1;
	} else {
		t->src.ip = p->saddr.v4.s_addr;
		t->dst.ip = p->daddr.v4.s_addr;
	}
	t->proto = p->proto;
	return qt_ct_proto_at(ip6, p->proto)->tuple(p->l4, p->l4_len, t);
}

bool qt_ct_invert(const struct qt_ct_tuple *t, struct qt_ct_tuple *out)
{
	struct qt_ct_tuple r;
	memset(&r, 0, sizeof(r));
	r.src = t->dst;
	r.dst = t->src;
	r.proto = t->proto;
	r.ip6 = t->ip6;
	/* the zone stays: a caller that knows the other direction's
	 * (the tracker making an entry) sets it */
	r.zone = t->zone;
	bool ok = qt_ct_proto_at(t->ip6, t->proto)->invert(t, &r);
	*out = r;
	return ok;
}

const char *qt_ct_proto_name(uint8_t proto)
{
	return qt_ct_proto_of(proto)->name;
}

const char *qt_ct_entry_state_name(const struct qt_ct_entry *e)
{
	const struct qt_ct_proto *pr = qt_ct_proto_at(e->t[QT_CT_ORIG].ip6,
						      e->t[QT_CT_ORIG].proto);
	if (!pr->state_of)
		return NULL;
	unsigned s = pr->state_of(&e->p);
	return s < pr->nstates ? pr->state_names[s] : "UNKNOWN";
}

bool qt_ct_proto_state_sane(uint8_t proto, const union qt_ct_proto_state *ps)
{
	const struct qt_ct_proto *pr = qt_ct_proto_of(proto);
	return !pr->state_sane || pr->state_sane(ps);
}

/* tcp_error, udp_error, icmp_error */
bool qt_ct_checksum_fails(const struct qt_ct_config *c, const struct qt_pkt *p,
			  bool at_prerouting, bool unverified)
{
	if (!c->checksum || !at_prerouting || !unverified)
		return false;
	/* a fragment is tracked only once reassembled; no transport bytes:
	 * the trackers' own length checks find it INVALID */
	if (p->frag_off || p->more_frags || p->ip_len <= p->ihl || !p->l4)
		return false;
	const struct qt_ct_proto *pr = qt_ct_proto_at(p->family == AF_INET6,
						      p->proto);
	if (!pr->checksummed || !pr->checksummed(p))
		return false;
	return !qt_pkt_csum_holds(p);
}
