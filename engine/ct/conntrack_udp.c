/* The UDP and UDP-Lite tracker (the kernel's nf_conntrack_proto_udp.c):
 * udp_timeout until a packet comes more than 2 s after the first one
 * with a reply seen; then the entry is a stream, assured, with
 * udp_timeout_stream. */
#include "conntrack_tracker.h"

#include <netinet/in.h>

static struct qt_ct_step udp_track(struct qt_ct_entry *e,
				   const struct qt_pkt *p,
				   const struct qt_ct_config *c, uint64_t now,
				   bool lite)
{
	/* udp_error(): the length field must fit what the IP header says
	 * (UDP-Lite's field is a checksum coverage, not a length) */
	if (!p->l4_ok || p->l4_len < 8)
		return qt_ct_step(QT_CT_TRACK_INVALID, QT_CT_TIMEOUT_KEEP);
	if (!lite) {
		uint32_t udplen = p->ip_len - p->ihl;
		uint16_t hlen = qt_ct_get16(p->l4 + 4);
		if (hlen > udplen || hlen < 8)
			return qt_ct_step(QT_CT_TRACK_INVALID,
					  QT_CT_TIMEOUT_KEEP);
	}

	/* the first packet: a reply more than 2 s later makes a stream */
	if (!(e->status & QT_IPS_CONFIRMED))
		qt_ct_set_udp_stream_ts(&e->p, now + 2 * QT_CT_NS_PER_SEC);

	if (!(e->status & QT_IPS_SEEN_REPLY))
		return qt_ct_step(QT_CT_TRACK_OK, c->to.udp);
	/* "still active after two seconds? extend timeout" */
	if (now > qt_ct_udp_stream_ts(&e->p)) {
		e->status |= QT_IPS_ASSURED;
		return qt_ct_step(QT_CT_TRACK_OK, c->to.udp_stream);
	}
	return qt_ct_step(QT_CT_TRACK_OK, c->to.udp);
}

static struct qt_ct_step udp_packet(struct qt_ct_entry *e,
				    const struct qt_pkt *p, enum qt_ct_dir dir,
				    const struct qt_ct_config *c, uint64_t now)
{
	(void)dir;
	return udp_track(e, p, c, now, false);
}

static struct qt_ct_step udp_new(struct qt_ct_entry *e, const struct qt_pkt *p,
				 const struct qt_ct_config *c, uint64_t now)
{
	return udp_track(e, p, c, now, false);
}

static struct qt_ct_step udplite_packet(struct qt_ct_entry *e,
					const struct qt_pkt *p,
					enum qt_ct_dir dir,
					const struct qt_ct_config *c,
					uint64_t now)
{
	(void)dir;
	return udp_track(e, p, c, now, true);
}

static struct qt_ct_step udplite_new(struct qt_ct_entry *e,
				     const struct qt_pkt *p,
				     const struct qt_ct_config *c, uint64_t now)
{
	return udp_track(e, p, c, now, true);
}

/* A checksum of 0: sent without one, nothing to check. */
static bool udp_checksummed(const struct qt_pkt *p)
{
	return !(p->l4_len >= 8 && p->l4[6] == 0 && p->l4[7] == 0);
}

const struct qt_ct_proto qt_ct_proto_udp = {
	.num = IPPROTO_UDP, .name = "udp", .ports = true,
	.tuple = qt_ct_ports_tuple, .invert = qt_ct_ports_invert,
	.checksummed = udp_checksummed,
	.new_conn = udp_new, .packet = udp_packet,
};

/* UDP-Lite's checksum, which covers a part of the datagram its header
 * names, is not checked here; the kernel checks it. */
const struct qt_ct_proto qt_ct_proto_udplite = {
	.num = IPPROTO_UDPLITE, .name = "udplite", .ports = true,
	.tuple = qt_ct_ports_tuple, .invert = qt_ct_ports_invert,
	.new_conn = udplite_new, .packet = udplite_packet,
};
