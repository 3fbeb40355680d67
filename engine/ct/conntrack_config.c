/* The settings table and what is made of it (conntrack_config.h). The
 * defaults are the kernel's (nf_conntrack_proto_*.c and
 * nf_conntrack_standalone.c), checked against a fresh network
 * namespace's /proc/sys/net/netfilter by tests/unit/test_conntrack_config.c. */
#include "conntrack_config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define SYSCTL_PREFIX "net.netfilter.nf_conntrack_"

#define TO(field) offsetof(struct qt_ct_config, to.field)
#define TCP_TO(state) offsetof(struct qt_ct_config, to.tcp[QT_TCP_##state])
#define SCTP_TO(state) offsetof(struct qt_ct_config, to.sctp[QT_SCTP_##state])

/* A setting the kernel has as net.netfilter.nf_conntrack_NAME. */
#define SYSCTL(name, kind, proto, what, offset, def) \
	{ #name, SYSCTL_PREFIX #name, kind, proto, what, offset, def }

const struct qt_ct_setting qt_ct_settings[] = {
	SYSCTL(tcp_timeout_syn_sent, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, after a SYN (SYN_SENT)", TCP_TO(SYN_SENT), 120),
	SYSCTL(tcp_timeout_syn_recv, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, after the SYN/ACK (SYN_RECV)", TCP_TO(SYN_RECV), 60),
	SYSCTL(tcp_timeout_established, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, established (ESTABLISHED)", TCP_TO(ESTABLISHED), 432000),
	SYSCTL(tcp_timeout_fin_wait, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, after the first FIN (FIN_WAIT)", TCP_TO(FIN_WAIT), 120),
	SYSCTL(tcp_timeout_close_wait, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, once the first FIN is acknowledged (CLOSE_WAIT)",
	       TCP_TO(CLOSE_WAIT), 60),
	SYSCTL(tcp_timeout_last_ack, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, after the second FIN (LAST_ACK)", TCP_TO(LAST_ACK), 30),
	SYSCTL(tcp_timeout_time_wait, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, closed by both sides (TIME_WAIT)", TCP_TO(TIME_WAIT), 120),
	SYSCTL(tcp_timeout_close, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, after a RST (CLOSE)", TCP_TO(CLOSE), 10),
	/* the kernel has a timeout for SYN_SENT2 but no sysctl for it */
	{ "tcp_timeout_syn_sent2", NULL, QT_CTS_TIMEOUT, IPPROTO_TCP,
	  "TCP, simultaneous open (SYN_SENT2)", TCP_TO(SYN_SENT2), 120 },
	SYSCTL(tcp_timeout_max_retrans, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, at most, once a segment was retransmitted "
	       "tcp_max_retrans times or the receiver's window is 0",
	       TCP_TO(RETRANS), 300),
	SYSCTL(tcp_timeout_unacknowledged, QT_CTS_TIMEOUT, IPPROTO_TCP,
	       "TCP, at most, while data is unacknowledged, and for a "
	       "connection picked up mid-stream until the first reply",
	       TCP_TO(UNACK), 300),
	SYSCTL(udp_timeout, QT_CTS_TIMEOUT, IPPROTO_UDP,
	       "UDP and UDP-Lite", TO(udp), 30),
	SYSCTL(udp_timeout_stream, QT_CTS_TIMEOUT, IPPROTO_UDP,
	       "UDP and UDP-Lite streams (a packet more than 2 s after the "
	       "first, once a reply was seen)", TO(udp_stream), 120),
	SYSCTL(icmp_timeout, QT_CTS_TIMEOUT, IPPROTO_ICMP,
	       "ICMP queries (echo, timestamp, information, address mask)",
	       TO(icmp), 30),
	SYSCTL(icmpv6_timeout, QT_CTS_TIMEOUT, IPPROTO_ICMPV6,
	       "ICMPv6 queries (echo, node information)", TO(icmpv6), 30),
	SYSCTL(sctp_timeout_closed, QT_CTS_TIMEOUT, IPPROTO_SCTP,
	       "SCTP, after an INIT, an ABORT or the SHUTDOWN COMPLETE (CLOSED)",
	       SCTP_TO(CLOSED), 10),
	SYSCTL(sctp_timeout_cookie_wait, QT_CTS_TIMEOUT, IPPROTO_SCTP,
	       "SCTP, after the INIT ACK (COOKIE_WAIT)", SCTP_TO(COOKIE_WAIT), 3),
	SYSCTL(sctp_timeout_cookie_echoed, QT_CTS_TIMEOUT, IPPROTO_SCTP,
	       "SCTP, after the COOKIE ECHO (COOKIE_ECHOED)",
	       SCTP_TO(COOKIE_ECHOED), 3),
	SYSCTL(sctp_timeout_established, QT_CTS_TIMEOUT, IPPROTO_SCTP,
	       "SCTP, established (ESTABLISHED)", SCTP_TO(ESTABLISHED), 210),
	SYSCTL(sctp_timeout_shutdown_sent, QT_CTS_TIMEOUT, IPPROTO_SCTP,
	       "SCTP, after a SHUTDOWN from the originator (SHUTDOWN_SENT)",
	       SCTP_TO(SHUTDOWN_SENT), 3),
	SYSCTL(sctp_timeout_shutdown_recd, QT_CTS_TIMEOUT, IPPROTO_SCTP,
	       "SCTP, after a SHUTDOWN from the responder (SHUTDOWN_RECD)",
	       SCTP_TO(SHUTDOWN_RECD), 3),
	SYSCTL(sctp_timeout_shutdown_ack_sent, QT_CTS_TIMEOUT, IPPROTO_SCTP,
	       "SCTP, after the SHUTDOWN ACK (SHUTDOWN_ACK_SENT)",
	       SCTP_TO(SHUTDOWN_ACK_SENT), 3),
	SYSCTL(sctp_timeout_heartbeat_sent, QT_CTS_TIMEOUT, IPPROTO_SCTP,
	       "SCTP, a HEARTBEAT with no association seen (HEARTBEAT_SENT)",
	       SCTP_TO(HEARTBEAT_SENT), 30),
	SYSCTL(generic_timeout, QT_CTS_TIMEOUT, 0,
	       "Every other protocol", TO(generic), 600),
	SYSCTL(tcp_loose, QT_CTS_BOOL, IPPROTO_TCP,
	       "1: TCP connections already under way are picked up from any "
	       "packet, not only from a SYN",
	       offsetof(struct qt_ct_config, tcp_loose), 1),
	SYSCTL(tcp_be_liberal, QT_CTS_BOOL, IPPROTO_TCP,
	       "1: TCP packets outside the window are not INVALID",
	       offsetof(struct qt_ct_config, tcp_be_liberal), 0),
	SYSCTL(tcp_max_retrans, QT_CTS_COUNT, IPPROTO_TCP,
	       "Retransmissions of one segment after which "
	       "tcp_timeout_max_retrans applies",
	       offsetof(struct qt_ct_config, tcp_max_retrans), 3),
	SYSCTL(checksum, QT_CTS_BOOL, 0,
	       "1: a TCP, UDP, ICMP or SCTP packet whose checksum fails at "
	       "PREROUTING is INVALID, for packets the kernel has not "
	       "verified and that were copied whole; a tracking ruleset has "
	       "packets copied up to 1500 bytes",
	       offsetof(struct qt_ct_config, checksum), 1),
	SYSCTL(max, QT_CTS_TABLE_SIZE, 0,
	       "Connections tracked at most",
	       offsetof(struct qt_ct_config, max), 0),
};

const size_t qt_ct_nsettings = sizeof(qt_ct_settings) / sizeof(qt_ct_settings[0]);

static void put(struct qt_ct_config *c, const struct qt_ct_setting *s,
		uint32_t v)
{
	char *at = (char *)c + s->offset;
	if (s->kind == QT_CTS_BOOL)
		*(bool *)at = v != 0;
	else
		*(uint32_t *)at = v;
}

uint32_t qt_ct_setting_get(const struct qt_ct_config *c,
			   const struct qt_ct_setting *s)
{
	const char *at = (const char *)c + s->offset;
	if (s->kind == QT_CTS_BOOL)
		return *(const bool *)at;
	return *(const uint32_t *)at;
}

void qt_ct_config_default(struct qt_ct_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < qt_ct_nsettings; i++)
		put(c, &qt_ct_settings[i], qt_ct_settings[i].def);
}

const struct qt_ct_setting *qt_ct_setting_find(const char *name, size_t len)
{
	/* also accepted: the full sysctl name */
	static const char *const prefixes[] = { SYSCTL_PREFIX,
						"nf_conntrack_" };
	for (size_t i = 0; i < 2; i++) {
		size_t pl = strlen(prefixes[i]);
		if (len > pl && strncmp(name, prefixes[i], pl) == 0) {
			name += pl;
			len -= pl;
			break;
		}
	}
	for (size_t i = 0; i < qt_ct_nsettings; i++) {
		const struct qt_ct_setting *s = &qt_ct_settings[i];
		if (s->sysctl && strlen(s->name) == len &&
		    strncmp(s->name, name, len) == 0)
			return s;
	}
	return NULL;
}

int qt_ct_config_set(struct qt_ct_config *c, const char *name_value)
{
	const char *eq = strchr(name_value, '=');
	if (!eq || eq == name_value || !eq[1])
		return -1;
	const char *v = eq + 1;
	for (const char *q = v; *q; q++)
		if (*q < '0' || *q > '9')
			return -1;
	errno = 0;
	char *end;
	unsigned long long val = strtoull(v, &end, 10);
	if (errno || *end || val > UINT32_MAX)
		return -1;
	const struct qt_ct_setting *s =
		qt_ct_setting_find(name_value, (size_t)(eq - name_value));
	if (!s || (s->kind == QT_CTS_BOOL && val > 1))
		return -1;
	put(c, s, (uint32_t)val);
	return 0;
}
