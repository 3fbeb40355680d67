/* See nft_types.h. */
/* strptime */
#define _GNU_SOURCE
#include "nft_types.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct nft_sym ct_states[] = {
	{ "invalid", 1 }, { "established", 2 }, { "related", 4 },
	{ "new", 8 }, { "untracked", 64 }, { NULL, 0 },
};
static const struct nft_sym ct_statuses[] = {
	{ "expected", 1 }, { "seen-reply", 2 }, { "assured", 4 },
	{ "confirmed", 8 }, { "snat", 16 }, { "dnat", 32 },
	{ "dying", 512 }, { NULL, 0 },
};
static const struct nft_sym icmp_types[] = {
	{ "echo-reply", 0 }, { "destination-unreachable", 3 },
	{ "source-quench", 4 }, { "redirect", 5 }, { "echo-request", 8 },
	{ "router-advertisement", 9 }, { "router-solicitation", 10 },
	{ "time-exceeded", 11 }, { "parameter-problem", 12 },
	{ "timestamp-request", 13 }, { "timestamp-reply", 14 },
	{ "info-request", 15 }, { "info-reply", 16 },
	{ "address-mask-request", 17 }, { "address-mask-reply", 18 },
	{ NULL, 0 },
};
static const struct nft_sym icmpv6_types[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 },
	{ "time-exceeded", 3 }, { "parameter-problem", 4 },
	{ "echo-request", 128 }, { "echo-reply", 129 },
	{ "mld-listener-query", 130 }, { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 }, { "mld-listener-reduction", 132 },
	{ "nd-router-solicit", 133 }, { "nd-router-advert", 134 },
	{ "nd-neighbor-solicit", 135 }, { "nd-neighbor-advert", 136 },
	{ "nd-redirect", 137 }, { "router-renumbering", 138 },
	{ "ind-neighbor-solicit", 141 }, { "ind-neighbor-advert", 142 },
	{ "mld2-listener-report", 143 }, { NULL, 0 },
};
static const struct nft_sym pkttypes[] = {
	{ "host", 0 }, { "unicast", 0 }, { "broadcast", 1 },
	{ "multicast", 2 }, { "other", 3 }, { NULL, 0 },
};
static const struct nft_sym nfprotos[] = {
	{ "ipv4", 2 }, { "ipv6", 10 }, { NULL, 0 },
};
static const struct nft_sym tcp_flags[] = {
	{ "fin", 1 }, { "syn", 2 }, { "rst", 4 }, { "psh", 8 },
	{ "ack", 16 }, { "urg", 32 }, { "ecn", 64 }, { "cwr", 128 },
	{ NULL, 0 },
};

static const struct nft_sym icmp_codes[] = {
	{ "net-unreachable", 0 }, { "host-unreachable", 1 },
	{ "prot-unreachable", 2 }, { "port-unreachable", 3 },
	{ "frag-needed", 4 }, { "net-prohibited", 9 },
	{ "host-prohibited", 10 }, { "admin-prohibited", 13 },
	{ NULL, 0 },
};
static const struct nft_sym icmpv6_codes[] = {
	{ "no-route", 0 }, { "admin-prohibited", 1 },
	{ "addr-unreachable", 3 }, { "port-unreachable", 4 },
	{ "policy-fail", 5 }, { "reject-route", 6 }, { NULL, 0 },
};
static const struct nft_sym icmpx_codes[] = {
	{ "no-route", 0 }, { "port-unreachable", 1 },
	{ "host-unreachable", 2 }, { "admin-prohibited", 3 }, { NULL, 0 },
};

/* the route types fib's `type` result reads (rtnetlink's RTN_*) */
static const struct nft_sym fib_addrtypes[] = {
	{ "unspec", 0 }, { "unicast", 1 }, { "local", 2 }, { "broadcast", 3 },
	{ "anycast", 4 }, { "multicast", 5 }, { "blackhole", 6 },
	{ "unreachable", 7 }, { "prohibit", 8 }, { NULL, 0 },
};

/* ethertypes as nft names them (vlan reads as 8021q) */
static const struct nft_sym ethertypes[] = {
	{ "ip", 0x0800 }, { "arp", 0x0806 }, { "ip6", 0x86dd },
	{ "8021q", 0x8100 }, { "8021ad", 0x88a8 }, { "vlan", 0x8100 },
	{ NULL, 0 },
};
/* the ARPHRD_* types nft names */
static const struct nft_sym arphrd_types[] = {
	{ "ether", 1 }, { "ppp", 512 }, { "ipip", 768 }, { "ipip6", 769 },
	{ "loopback", 772 }, { "sit", 776 }, { "ipgre", 778 }, { NULL, 0 },
};
static const struct nft_sym weekdays[] = {
	{ "Sunday", 0 }, { "Monday", 1 }, { "Tuesday", 2 },
	{ "Wednesday", 3 }, { "Thursday", 4 }, { "Friday", 5 },
	{ "Saturday", 6 }, { NULL, 0 },
};
static const struct nft_sym ct_dirs[] = {
	{ "original", 0 }, { "reply", 1 }, { NULL, 0 },
};
/* the kernel's IPCT_* event bits, as nft names them */
static const struct nft_sym ct_events[] = {
	{ "new", 1 }, { "related", 2 }, { "destroy", 4 }, { "reply", 8 },
	{ "assured", 16 }, { "protoinfo", 32 }, { "helper", 64 },
	{ "mark", 128 }, { "seqadj", 256 }, { "secmark", 512 },
	{ "label", 1024 }, { NULL, 0 },
};
/* RFC 2474, 2597, 3246, 5865, 8622 (lephb) */
static const struct nft_sym dscps[] = {
	{ "cs0", 0 }, { "cs1", 8 }, { "cs2", 16 }, { "cs3", 24 },
	{ "cs4", 32 }, { "cs5", 40 }, { "cs6", 48 }, { "cs7", 56 },
	{ "df", 0 }, { "be", 0 }, { "lephb", 1 },
	{ "af11", 10 }, { "af12", 12 }, { "af13", 14 },
	{ "af21", 18 }, { "af22", 20 }, { "af23", 22 },
	{ "af31", 26 }, { "af32", 28 }, { "af33", 30 },
	{ "af41", 34 }, { "af42", 36 }, { "af43", 38 },
	{ "va", 44 }, { "ef", 46 }, { NULL, 0 },
};
static const struct nft_sym ecns[] = {
	{ "not-ect", 0 }, { "ect1", 1 }, { "ect0", 2 }, { "ce", 3 },
	{ NULL, 0 },
};

/* nft's boolean type as a presence test lists it */
static const struct nft_sym bools[] = {
	{ "exists", 1 }, { "missing", 0 }, { NULL, 0 },
};

static const struct nft_dtype dtypes[NFT_T_NTYPES] = {
	[NFT_T_INTEGER] = { NFT_T_INTEGER, "integer", 32, false, false, false, NULL,
			    "integer" },
	[NFT_T_IPV4] = { NFT_T_IPV4, "ipv4_addr", 32, false, true, false, NULL,
			 "IPv4 address" },
	[NFT_T_IPV6] = { NFT_T_IPV6, "ipv6_addr", 128, false, true, false, NULL,
			 "IPv6 address" },
	[NFT_T_SERVICE] = { NFT_T_SERVICE, "inet_service", 16, false, false, false,
			    NULL, "internet network service" },
	[NFT_T_PROTO] = { NFT_T_PROTO, "inet_proto", 8, false, false, false, NULL,
			  "Internet protocol" },
	[NFT_T_MARK] = { NFT_T_MARK, "mark", 32, false, false, false, NULL,
			 "packet mark" },
	[NFT_T_IFNAME] = { NFT_T_IFNAME, "ifname", 128, false, false, true,
			   NULL, "network interface name" },
	[NFT_T_IFINDEX] = { NFT_T_IFINDEX, "iface_index", 32, false, false, false,
			    NULL, "network interface index" },
	[NFT_T_CTSTATE] = { NFT_T_CTSTATE, "ct_state", 32, true, false, false,
			    ct_states, "conntrack state" },
	[NFT_T_CTSTATUS] = { NFT_T_CTSTATUS, "ct_status", 32, true, false, false,
			     ct_statuses, "conntrack status" },
	[NFT_T_ICMP_TYPE] = { NFT_T_ICMP_TYPE, "icmp_type", 8, false, false, false,
			      icmp_types, "ICMP type" },
	[NFT_T_ICMPV6_TYPE] = { NFT_T_ICMPV6_TYPE, "icmpv6_type", 8, false,
				false, false, icmpv6_types, "ICMPv6 type" },
	[NFT_T_PKTTYPE] = { NFT_T_PKTTYPE, "pkt_type", 8, false, false, false,
			    pkttypes, "packet type" },
	[NFT_T_NFPROTO] = { NFT_T_NFPROTO, "nf_proto", 8, false, false, false,
			    nfprotos, "netfilter protocol" },
	[NFT_T_ICMP_CODE] = { NFT_T_ICMP_CODE, "icmp_code", 8, false, false,
			      false, icmp_codes, "icmp code" },
	[NFT_T_ICMPV6_CODE] = { NFT_T_ICMPV6_CODE, "icmpv6_code", 8, false,
				false, false, icmpv6_codes, "icmpv6 code" },
	[NFT_T_ICMPX_CODE] = { NFT_T_ICMPX_CODE, "icmpx_code", 8, false,
			       false, false, icmpx_codes, "icmpx code" },
	[NFT_T_TCP_FLAG] = { NFT_T_TCP_FLAG, "tcp_flag", 8, true, false, false,
			     tcp_flags, "TCP flag" },
	[NFT_T_FIB_ADDRTYPE] = { NFT_T_FIB_ADDRTYPE, "fib_addrtype", 32, false,
				 false, false, fib_addrtypes,
				 "fib address type" },
	[NFT_T_ETHERTYPE] = { NFT_T_ETHERTYPE, "ether_type", 16, false, false,
			      false, ethertypes, "Ethernet protocol" },
	[NFT_T_TCHANDLE] = { NFT_T_TCHANDLE, "classid", 32, false, false,
			     false, NULL, "TC classid" },
	[NFT_T_ARPHRD] = { NFT_T_ARPHRD, "iface_type", 16, false, false, false,
			   arphrd_types, "network interface type" },
	[NFT_T_UID] = { NFT_T_UID, "uid", 32, false, false, false, NULL,
			"user ID" },
	[NFT_T_GID] = { NFT_T_GID, "gid", 32, false, false, false, NULL,
			"group ID" },
	[NFT_T_DEVGROUP] = { NFT_T_DEVGROUP, "devgroup", 32, false, false,
			     false, NULL, "devgroup name" },
	[NFT_T_REALM] = { NFT_T_REALM, "realm", 32, false, false, false, NULL,
			  "routing realm" },
	[NFT_T_TIME] = { NFT_T_TIME, "time", 64, false, false, false, NULL,
			 "Relative time of packet reception" },
	[NFT_T_DAY] = { NFT_T_DAY, "day", 8, false, false, false, weekdays,
			"Day of week of packet reception" },
	[NFT_T_HOUR] = { NFT_T_HOUR, "hour", 32, false, false, false, NULL,
			 "Hour of day of packet reception" },
	[NFT_T_CTDIR] = { NFT_T_CTDIR, "ct_dir", 8, false, false, false,
			  ct_dirs, "conntrack direction" },
	[NFT_T_RELTIME] = { NFT_T_RELTIME, "time", 32, false, false, false, NULL,
			 "relative time" },
	[NFT_T_CTEVENT] = { NFT_T_CTEVENT, "ct_event", 32, true, false,
			    false, ct_events, "conntrack event bits" },
	[NFT_T_CTLABEL] = { NFT_T_CTLABEL, "ct_label", 128, true, false,
			    false, NULL, "conntrack label" },
	[NFT_T_CTHELPER] = { NFT_T_CTHELPER, "string", 128, false, false,
			     true, NULL, "string" },
	[NFT_T_INT16] = { NFT_T_INT16, "integer", 16, false, false, false,
			  NULL, "integer" },
	[NFT_T_INT64] = { NFT_T_INT64, "integer", 64, false, false, false,
			  NULL, "integer" },
	/* what nft 1.0.6 lists an anonymous set of ct proto-src or
	 * proto-dst with: the type it gave the set's key */
	[NFT_T_INVALID] = { NFT_T_INVALID, "invalid", 16, false, false, false,
			    NULL, "invalid" },
	[NFT_T_DSCP] = { NFT_T_DSCP, "dscp", 6, false, false, false, dscps,
			 "Differentiated Services Code Point" },
	[NFT_T_ECN] = { NFT_T_ECN, "ecn", 2, false, false, false, ecns,
			"Explicit Congestion Notification" },
	[NFT_T_INT4] = { NFT_T_INT4, "integer", 4, false, false, false, NULL,
			 "integer" },
	[NFT_T_INT20] = { NFT_T_INT20, "integer", 20, false, false, false,
			  NULL, "integer" },
	[NFT_T_BOOLEAN] = { NFT_T_BOOLEAN, "boolean", 8, false, false, false,
			    bools, "boolean type" },
	[NFT_T_INT8] = { NFT_T_INT8, "integer", 8, false, false, false, NULL,
			 "integer" },
	[NFT_T_BE16] = { NFT_T_BE16, "integer", 16, false, false, false,
			 NULL, "integer" },
	[NFT_T_RAW] = { NFT_T_RAW, "integer", 32, false, false, false, NULL,
			"integer" },
	[NFT_T_ETHERADDR] = { NFT_T_ETHERADDR, "ether_addr", 48, false, false,
			      false, NULL, "Ethernet address" },
	[NFT_T_INT1] = { NFT_T_INT1, "integer", 1, false, false, false, NULL,
			 "integer" },
	[NFT_T_INT3] = { NFT_T_INT3, "integer", 3, false, false, false, NULL,
			 "integer" },
	[NFT_T_INT12] = { NFT_T_INT12, "integer", 12, false, false, false,
			  NULL, "integer" },
	/* what the element of a map of counters, quotas or limits holds:
	 * its object's name (the model's values bound it) */
	[NFT_T_OBJNAME] = { NFT_T_OBJNAME, "string", 8 * (NFT_VAL_MAX - 1),
			    false, false, true, NULL, "string" },
};

const struct nft_dtype *nft_dtype_get(enum nft_dtype_id id)
{
	return &dtypes[id];
}

const struct nft_dtype *nft_dtype_by_name(const char *name)
{
	for (int i = 0; i < NFT_T_NTYPES; i++)
		if (!strcmp(dtypes[i].name, name))
			return &dtypes[i];
	return NULL;
}

#define TCP 6
#define UDP 17
#define ICMP 1
#define ICMPV6 58
#define SCTP 132
#define DCCP 33
#define UDPLITE 136

/* proto, name, base, offset, bits, type, dependency, l4, short, bare */
static const struct nft_field fields[] = {
	{ "ip", "version", NFT_B_NETWORK, 0, 4, NFT_T_INT4, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "hdrlength", NFT_B_NETWORK, 4, 4, NFT_T_INT4, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "dscp", NFT_B_NETWORK, 8, 6, NFT_T_DSCP, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "ecn", NFT_B_NETWORK, 14, 2, NFT_T_ECN, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "length", NFT_B_NETWORK, 16, 16, NFT_T_INTEGER, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "id", NFT_B_NETWORK, 32, 16, NFT_T_INTEGER, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "frag-off", NFT_B_NETWORK, 48, 16, NFT_T_INTEGER, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "ttl", NFT_B_NETWORK, 64, 8, NFT_T_INTEGER, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "protocol", NFT_B_NETWORK, 72, 8, NFT_T_PROTO, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "checksum", NFT_B_NETWORK, 80, 16, NFT_T_INTEGER, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "saddr", NFT_B_NETWORK, 96, 32, NFT_T_IPV4, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "daddr", NFT_B_NETWORK, 128, 32, NFT_T_IPV4, NFT_DEP_IPV4, 0, false, false },
	{ "ip6", "version", NFT_B_NETWORK, 0, 4, NFT_T_INT4, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "dscp", NFT_B_NETWORK, 4, 6, NFT_T_DSCP, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "ecn", NFT_B_NETWORK, 10, 2, NFT_T_ECN, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "flowlabel", NFT_B_NETWORK, 12, 20, NFT_T_INT20, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "length", NFT_B_NETWORK, 32, 16, NFT_T_INTEGER, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "nexthdr", NFT_B_NETWORK, 48, 8, NFT_T_PROTO, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "hoplimit", NFT_B_NETWORK, 56, 8, NFT_T_INTEGER, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "saddr", NFT_B_NETWORK, 64, 128, NFT_T_IPV6, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "daddr", NFT_B_NETWORK, 192, 128, NFT_T_IPV6, NFT_DEP_IPV6, 0, false, false },
	{ "tcp", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "sequence", NFT_B_TRANSPORT, 32, 32, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "ackseq", NFT_B_TRANSPORT, 64, 32, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "doff", NFT_B_TRANSPORT, 96, 4, NFT_T_INT4, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "reserved", NFT_B_TRANSPORT, 100, 4, NFT_T_INT4, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "flags", NFT_B_TRANSPORT, 104, 8, NFT_T_TCP_FLAG, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "window", NFT_B_TRANSPORT, 112, 16, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "checksum", NFT_B_TRANSPORT, 128, 16, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "urgptr", NFT_B_TRANSPORT, 144, 16, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "udp", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_L4, UDP, false, false },
	{ "udp", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_L4, UDP, false, false },
	{ "udp", "length", NFT_B_TRANSPORT, 32, 16, NFT_T_INTEGER, NFT_DEP_L4, UDP, false, false },
	{ "udp", "checksum", NFT_B_TRANSPORT, 48, 16, NFT_T_INTEGER, NFT_DEP_L4, UDP, false, false },
	{ "udplite", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_L4, UDPLITE, false, false },
	{ "udplite", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_L4, UDPLITE, false, false },
	{ "udplite", "csumcov", NFT_B_TRANSPORT, 32, 16, NFT_T_INTEGER, NFT_DEP_L4, UDPLITE, false, false },
	{ "udplite", "checksum", NFT_B_TRANSPORT, 48, 16, NFT_T_INTEGER, NFT_DEP_L4, UDPLITE, false, false },
	{ "sctp", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_L4, SCTP, false, false },
	{ "sctp", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_L4, SCTP, false, false },
	{ "sctp", "vtag", NFT_B_TRANSPORT, 32, 32, NFT_T_INTEGER, NFT_DEP_L4, SCTP, false, false },
	{ "sctp", "checksum", NFT_B_TRANSPORT, 64, 32, NFT_T_INTEGER, NFT_DEP_L4, SCTP, false, false },
	{ "dccp", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_L4, DCCP, false, false },
	{ "dccp", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_L4, DCCP, false, false },
	{ "ether", "daddr", NFT_B_LINK, 0, 48, NFT_T_ETHERADDR, NFT_DEP_NONE, 0, false, false },
	{ "ether", "saddr", NFT_B_LINK, 48, 48, NFT_T_ETHERADDR, NFT_DEP_NONE, 0, false, false },
	{ "ether", "type", NFT_B_LINK, 96, 16, NFT_T_ETHERTYPE, NFT_DEP_NONE, 0, false, false },
	/* after ether's header; cfi is dei's older name (nft_field_find) */
	{ "vlan", "pcp", NFT_B_LINK, 112, 3, NFT_T_INT3, NFT_DEP_NONE, 0, false, false },
	{ "vlan", "dei", NFT_B_LINK, 115, 1, NFT_T_INT1, NFT_DEP_NONE, 0, false, false },
	{ "vlan", "id", NFT_B_LINK, 116, 12, NFT_T_INT12, NFT_DEP_NONE, 0, false, false },
	{ "vlan", "type", NFT_B_LINK, 128, 16, NFT_T_ETHERTYPE, NFT_DEP_NONE, 0, false, false },
	{ "icmp", "type", NFT_B_TRANSPORT, 0, 8, NFT_T_ICMP_TYPE, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "code", NFT_B_TRANSPORT, 8, 8, NFT_T_ICMP_CODE, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "checksum", NFT_B_TRANSPORT, 16, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "id", NFT_B_TRANSPORT, 32, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "sequence", NFT_B_TRANSPORT, 48, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "gateway", NFT_B_TRANSPORT, 32, 32, NFT_T_INTEGER, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "mtu", NFT_B_TRANSPORT, 48, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMP, false, false },
	{ "icmpv6", "type", NFT_B_TRANSPORT, 0, 8, NFT_T_ICMPV6_TYPE, NFT_DEP_L4, ICMPV6, false, false },
	{ "icmpv6", "code", NFT_B_TRANSPORT, 8, 8, NFT_T_ICMPV6_CODE, NFT_DEP_L4, ICMPV6, false, false },
	{ "icmpv6", "checksum", NFT_B_TRANSPORT, 16, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMPV6, false, false },
	{ "icmpv6", "mtu", NFT_B_TRANSPORT, 32, 32, NFT_T_INTEGER, NFT_DEP_L4, ICMPV6, false, false },
	{ "icmpv6", "max-delay", NFT_B_TRANSPORT, 32, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMPV6, false, false },
	{ "icmpv6", "id", NFT_B_TRANSPORT, 32, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMPV6, false, false },
	{ "icmpv6", "sequence", NFT_B_TRANSPORT, 48, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMPV6, false, false },
	{ "th", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_NONE, 0, false, false },
	{ "th", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_NONE, 0, false, false },
	{ "meta", "l4proto", NFT_B_META, 0, 8, NFT_T_PROTO, NFT_DEP_NONE, 0, false, false },
	{ "meta", "nfproto", NFT_B_META, 0, 8, NFT_T_NFPROTO, NFT_DEP_NONE, 0, false, false },
	{ "meta", "iifname", NFT_B_META, 0, 128, NFT_T_IFNAME, NFT_DEP_NONE, 0, true, true },
	{ "meta", "oifname", NFT_B_META, 0, 128, NFT_T_IFNAME, NFT_DEP_NONE, 0, true, true },
	{ "meta", "iif", NFT_B_META, 0, 32, NFT_T_IFINDEX, NFT_DEP_NONE, 0, true, true },
	{ "meta", "oif", NFT_B_META, 0, 32, NFT_T_IFINDEX, NFT_DEP_NONE, 0, true, true },
	{ "meta", "mark", NFT_B_META, 0, 32, NFT_T_MARK, NFT_DEP_NONE, 0, false, true },
	{ "meta", "pkttype", NFT_B_META, 0, 8, NFT_T_PKTTYPE, NFT_DEP_NONE, 0, false, true },
	{ "meta", "length", NFT_B_META, 0, 32, NFT_T_INTEGER, NFT_DEP_NONE, 0, false, false },
	{ "meta", "protocol", NFT_B_META, 0, 16, NFT_T_ETHERTYPE, NFT_DEP_NONE, 0, false, false },
	{ "meta", "priority", NFT_B_META, 0, 32, NFT_T_TCHANDLE, NFT_DEP_NONE, 0, false, false },
	{ "meta", "iiftype", NFT_B_META, 0, 16, NFT_T_ARPHRD, NFT_DEP_NONE, 0, false, true },
	{ "meta", "oiftype", NFT_B_META, 0, 16, NFT_T_ARPHRD, NFT_DEP_NONE, 0, false, true },
	{ "meta", "skuid", NFT_B_META, 0, 32, NFT_T_UID, NFT_DEP_NONE, 0, false, true },
	{ "meta", "skgid", NFT_B_META, 0, 32, NFT_T_GID, NFT_DEP_NONE, 0, false, true },
	{ "meta", "iifgroup", NFT_B_META, 0, 32, NFT_T_DEVGROUP, NFT_DEP_NONE, 0, true, true },
	{ "meta", "oifgroup", NFT_B_META, 0, 32, NFT_T_DEVGROUP, NFT_DEP_NONE, 0, true, true },
	{ "meta", "rtclassid", NFT_B_META, 0, 32, NFT_T_REALM, NFT_DEP_NONE, 0, false, true },
	{ "meta", "cpu", NFT_B_META, 0, 32, NFT_T_INTEGER, NFT_DEP_NONE, 0, false, true },
	{ "meta", "cgroup", NFT_B_META, 0, 32, NFT_T_INTEGER, NFT_DEP_NONE, 0, false, true },
	{ "meta", "random", NFT_B_META, 0, 32, NFT_T_INTEGER, NFT_DEP_NONE, 0, false, false },
	{ "meta", "time", NFT_B_META, 0, 64, NFT_T_TIME, NFT_DEP_NONE, 0, false, false },
	{ "meta", "day", NFT_B_META, 0, 8, NFT_T_DAY, NFT_DEP_NONE, 0, false, false },
	{ "meta", "hour", NFT_B_META, 0, 32, NFT_T_HOUR, NFT_DEP_NONE, 0, false, false },
	{ "meta", "sdif", NFT_B_META, 0, 32, NFT_T_IFINDEX, NFT_DEP_NONE, 0, false, false },
	{ "meta", "sdifname", NFT_B_META, 0, 128, NFT_T_IFNAME, NFT_DEP_NONE, 0, false, false },
	{ "meta", "ibrname", NFT_B_META, 0, 128, NFT_T_IFNAME, NFT_DEP_NONE, 0, false, true },
	{ "meta", "obrname", NFT_B_META, 0, 128, NFT_T_IFNAME, NFT_DEP_NONE, 0, false, true },
	{ "ct", "state", NFT_B_CT, 0, 32, NFT_T_CTSTATE, NFT_DEP_NONE, 0, false, false },
	{ "ct", "status", NFT_B_CT, 0, 32, NFT_T_CTSTATUS, NFT_DEP_NONE, 0, false, false },
	{ "ct", "mark", NFT_B_CT, 0, 32, NFT_T_MARK, NFT_DEP_NONE, 0, false, false },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

const struct nft_field *nft_field_at(unsigned i)
{
	return i < NFIELDS ? &fields[i] : NULL;
}

const struct nft_field *nft_field_find(const char *proto, const char *name)
{
	if (proto && !strcmp(proto, "vlan") && !strcmp(name, "cfi"))
		name = "dei";
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct nft_field *f = &fields[i];
		if (strcmp(f->name, name))
			continue;
		if (proto ? !strcmp(f->proto, proto) : f->meta_bare_ok)
			return f;
	}
	return NULL;
}

/* Raw payloads' fields: made when first named, never freed (a rule
 * holds a pointer to its field), at most one per place. */
struct raw_field {
	struct nft_field f;
	struct raw_field *next;
};
static struct raw_field *raw_fields;
static pthread_mutex_t raw_lock = PTHREAD_MUTEX_INITIALIZER;

const struct nft_field *nft_field_raw(enum nft_base base, unsigned offset,
				      unsigned bits)
{
	if ((base != NFT_B_TRANSPORT && base != NFT_B_NETWORK) ||
	    offset % 8 || bits % 8 || !bits || bits > 32 || offset > 0xffff)
		return NULL;
	pthread_mutex_lock(&raw_lock);
	struct raw_field *r = raw_fields;
	while (r && (r->f.base != base || r->f.offset != offset ||
		     r->f.bits != bits))
		r = r->next;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			abort();
		r->f = (struct nft_field){
			base == NFT_B_TRANSPORT ? "@th" : "@nh", "", base,
			offset, bits, NFT_T_RAW, NFT_DEP_NONE, 0, false, false
		};
		r->next = raw_fields;
		raw_fields = r;
	}
	pthread_mutex_unlock(&raw_lock);
	return &r->f;
}

bool nft_field_is_raw(const struct nft_field *f)
{
	return f && f->proto[0] == '@';
}

static const struct nft_icmp_dep icmp_deps[] = {
	{ "icmp", "id", { 0, 8 }, true, 8 },
	{ "icmp", "sequence", { 0, 8 }, true, 8 },
	{ "icmp", "mtu", { 3, 0 }, false, 3 },
	{ "icmp", "gateway", { 5, 0 }, false, 5 },
	{ "icmpv6", "id", { 128, 129 }, true, 128 },
	{ "icmpv6", "sequence", { 128, 129 }, true, 128 },
	{ "icmpv6", "mtu", { 2, 0 }, false, 2 },
	{ "icmpv6", "max-delay", { 130, 0 }, false, 130 },
};
#define NICMP_DEPS (sizeof(icmp_deps) / sizeof(icmp_deps[0]))

const struct nft_icmp_dep *nft_icmp_dep_of(const struct nft_field *f)
{
	for (size_t i = 0; f && i < NICMP_DEPS; i++)
		if (!strcmp(icmp_deps[i].proto, f->proto) &&
		    !strcmp(icmp_deps[i].name, f->name))
			return &icmp_deps[i];
	return NULL;
}

unsigned nft_icmp_ctx_type(const char *proto, unsigned t)
{
	if (!strcmp(proto, "icmp") && t == 0)
		return 8;
	if (!strcmp(proto, "icmpv6") && t == 129)
		return 128;
	return t;
}

bool nft_icmp_dep_fits(const struct nft_icmp_dep *d, unsigned t)
{
	return t == d->type[0] || (d->two && t == d->type[1]);
}

const struct nft_field *nft_icmp_field_as(const struct nft_field *f,
					  unsigned t)
{
	const struct nft_icmp_dep *d = nft_icmp_dep_of(f);
	if (!d || nft_icmp_dep_fits(d, t))
		return f;
	for (size_t i = 0; i < NICMP_DEPS; i++) {
		const struct nft_field *g = nft_field_find(icmp_deps[i].proto,
							   icmp_deps[i].name);
		if (strcmp(icmp_deps[i].proto, f->proto) ||
		    g->offset != f->offset || g->bits != f->bits)
			continue;
		if (nft_icmp_dep_fits(&icmp_deps[i], t))
			return g;
	}
	return NULL;
}

bool nft_field_proto_known(const char *proto)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].proto, proto))
			return true;
	return false;
}

/* the protocols nft's grammar names itself, whatever /etc/protocols
 * calls them (comp is ipcomp there, icmpv6 ipv6-icmp) */
static const struct nft_sym proto_keywords[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 },
	{ "dccp", 33 }, { "esp", 50 }, { "ah", 51 }, { "icmpv6", 58 },
	{ "comp", 108 }, { "sctp", 132 }, { "udplite", 136 }, { NULL, 0 },
};

int nft_proto_number(const char *name)
{
	for (const struct nft_sym *k = proto_keywords; k->name; k++)
		if (!strcmp(k->name, name))
			return (int)k->value;
	char *end;
	errno = 0;
	unsigned long n = strtoul(name, &end, 0);
	if (*name && !*end && !errno)
		return n <= 255 ? (int)n : -1;
	struct protoent *p = getprotobyname(name);
	return p ? p->p_proto : -1;
}

static void put_uint(struct nft_val *v, unsigned bytes, uint64_t x)
{
	v->len = (uint8_t)bytes;
	for (unsigned i = 0; i < bytes; i++)
		v->b[bytes - 1 - i] = (uint8_t)(x >> (8 * i));
}

static uint64_t get_uint(const struct nft_val *v)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < v->len && i < 8; i++)
		x = x << 8 | v->b[i];
	return x;
}

static int parse_number(const char *w, uint64_t max, uint64_t *out,
			const struct nft_dtype *t, struct qt_buf *err)
{
	char *end;
	if (!*w || *w == '-')
		return 1;
	errno = 0;
	unsigned long long n = strtoull(w, &end, 0);
	if (*end)
		return 1;
	if (errno || n > max) {
		if (t->id == NFT_T_SERVICE)
			qt_buf_puts(err, "Service out of range");
		else
			qt_buf_printf(err, "Value %llu exceeds valid range 0-%"
				      PRIu64, n, max);
		return -1;
	}
	*out = n;
	return 0;
}

static const struct nft_sym *sym_find(const struct nft_sym *s, const char *w)
{
	for (; s && s->name; s++)
		if (!strcmp(s->name, w))
			return s;
	return NULL;
}

/* iproute2's name files (/etc/iproute2/group, rt_realms): lines of
 * NUMBER NAME, '#' comments. By name (*v set, true) or by value (the
 * name into out, true). */
static bool rt_names(const char *file, const char *name, uint64_t *v,
		     char *out, size_t outlen)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/etc/iproute2/%s", file);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool hit = false;
	while (!hit && fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		char *end;
		unsigned long long n = strtoull(p, &end, 0);
		if (end == p || (*end != ' ' && *end != '\t'))
			continue;
		while (*end == ' ' || *end == '\t')
			end++;
		size_t l = strcspn(end, " \t\r\n#");
		if (!l)
			continue;
		if (name) {
			if (strlen(name) == l && !strncmp(end, name, l)) {
				*v = n;
				hit = true;
			}
		} else if (n == *v && l < outlen) {
			memcpy(out, end, l);
			out[l] = '\0';
			hit = true;
		}
	}
	fclose(f);
	return hit;
}

static const char *rt_names_file(enum nft_dtype_id id)
{
	return id == NFT_T_DEVGROUP ? "group" : "rt_realms";
}

/* The local time's offset from UTC at t (seconds east). */
static long gmtoff_at(time_t t)
{
	struct tm tm;
	return localtime_r(&t, &tm) ? tm.tm_gmtoff : 0;
}

/* A date as nft reads it: YYYY-MM-DD [HH:MM[:SS]] in local time, or
 * seconds since the epoch; ns since the epoch. */
static int parse_date(const char *w, uint64_t *ns)
{
	static const char *const fmts[] = {
		"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
	};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(*fmts); i++) {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(w, fmts[i], &tm);
		if (!end || *end)
			continue;
		time_t t = timegm(&tm);
		t -= gmtoff_at(t);
		if (t < 0)
			return -1;
		*ns = (uint64_t)t * 1000000000ull;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(w, &end, 10);
	if (!*w || *end || errno || *w == '-' || n > UINT64_MAX / 1000000000ull)
		return -1;
	*ns = n * 1000000000ull;
	return 0;
}

/* HH:MM[:SS] of local time as seconds since midnight UTC (what the
 * kernel compares), or seconds given as a number. */
static int parse_hour(const char *w, uint64_t *out)
{
	unsigned h, m, sec = 0;
	int n = 0;
	if ((sscanf(w, "%2u:%2u%n", &h, &m, &n) == 2 && !w[n]) ||
	    (sscanf(w, "%2u:%2u:%2u%n", &h, &m, &sec, &n) == 3 && !w[n])) {
		if (h > 23 || m > 59 || sec > 59)
			return -1;
		long x = (long)(h * 3600 + m * 60 + sec) - gmtoff_at(time(NULL));
		x %= 86400;
		if (x < 0)
			x += 86400;
		*out = (uint64_t)x;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long s = strtoull(w, &end, 10);
	if (!*w || *end || errno || *w == '-' || s > UINT32_MAX)
		return -1;
	*out = s;
	return 0;
}

/* meta's types that are no plain number or symbol: 0 (v set), 1 (not
 * one of these), -1 (err set). */
static int parse_meta_type(const struct nft_dtype *t, const char *w,
			   struct nft_val *v, struct qt_buf *err)
{
	uint64_t n;
	char *end;
	switch (t->id) {
	case NFT_T_TCHANDLE: {
		if (!strcmp(w, "root")) {
			put_uint(v, 4, 0xffffffffu);
			return 0;
		}
		if (!strcmp(w, "none")) {
			put_uint(v, 4, 0);
			return 0;
		}
		const char *colon = strchr(w, ':');
		if (!colon) {
			/* nft reads any other word with strtoull(w, NULL,
			 * 0) and keeps 32 bits: a name is none, a number
			 * past 32 bits its low bits, past 64 bits root */
			if (isalpha((unsigned char)*w) || *w == '_') {
				put_uint(v, 4, 0);
				return 0;
			}
			errno = 0;
			n = strtoull(w, &end, 0);
			if (!isdigit((unsigned char)*w) || *end)
				return 1;
			put_uint(v, 4, (uint32_t)n);
			return 0;
		}
		unsigned long maj = strtoul(w, &end, 16);
		if (end != colon || maj > 0xffff)
			break;
		unsigned long min = strtoul(colon + 1, &end, 16);
		if (end == colon + 1 || *end || min > 0xffff)
			break;
		put_uint(v, 4, (uint64_t)maj << 16 | min);
		return 0;
	}
	case NFT_T_UID:
	case NFT_T_GID:
		errno = 0;
		n = strtoull(w, &end, 0);
		if (*w && !*end && *w != '-') {
			if (errno || n > UINT32_MAX) {
				qt_buf_puts(err, "Value too large");
				return -1;
			}
			put_uint(v, 4, n);
			return 0;
		}
		if (t->id == NFT_T_UID) {
			struct passwd *pw = getpwnam(w);
			if (!pw) {
				qt_buf_puts(err, "User does not exist");
				return -1;
			}
			put_uint(v, 4, pw->pw_uid);
		} else {
			struct group *gr = getgrnam(w);
			if (!gr) {
				qt_buf_puts(err, "Group does not exist");
				return -1;
			}
			put_uint(v, 4, gr->gr_gid);
		}
		return 0;
	case NFT_T_DEVGROUP:
	case NFT_T_REALM:
		if (rt_names(rt_names_file(t->id), w, &n, NULL, 0)) {
			put_uint(v, 4, n);
			return 0;
		}
		return 1;
	case NFT_T_TIME:
		if (parse_date(w, &n) < 0) {
			qt_buf_puts(err, "Cannot parse date");
			return -1;
		}
		put_uint(v, 8, n);
		return 0;
	case NFT_T_HOUR:
		if (parse_hour(w, &n) < 0) {
			qt_buf_puts(err, "wrong time format");
			return -1;
		}
		put_uint(v, 4, n);
		return 0;
	case NFT_T_DAY: {
		const struct nft_sym *s = t->syms;
		for (; s->name; s++)
			if (!strcasecmp(s->name, w)) {
				put_uint(v, 1, s->value);
				return 0;
			}
		errno = 0;
		n = strtoull(w, &end, 0);
		if (*w && !*end && *w != '-') {
			if (errno || n > 6) {
				qt_buf_printf(err, "Value %llu exceeds valid "
					      "range 0-6", (unsigned long long)n);
				return -1;
			}
			put_uint(v, 1, n);
			return 0;
		}
		break;
	}
	default:
		return 1;
	}
	qt_buf_printf(err, "Could not parse %s", t->desc);
	return -1;
}

/* nft's time: 1d2h3m4s5ms, a bare number of seconds; held in ms, as
 * the kernel's ct expiration (32 bits) */
static int parse_time(const char *w, struct nft_val *v, struct qt_buf *err)
{
	uint64_t ms = 0;
	const char *p = w;
	if (!*p || *p == '-')
		goto bad;
	while (*p) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(p, &end, 10);
		if (end == p || errno)
			goto bad;
		uint64_t mul;
		if (!strncmp(end, "ms", 2)) {
			mul = 1;
			end += 2;
		} else if (*end == 'd' || *end == 'h' || *end == 'm' ||
			   *end == 's' || !*end) {
			mul = *end == 'd' ? 86400000 : *end == 'h' ? 3600000
			      : *end == 'm' ? 60000 : 1000;
			end += *end != '\0';
		} else {
			goto bad;
		}
		if (n > UINT64_MAX / mul || ms + n * mul < ms) {
			qt_buf_puts(err, "value too large");
			return -1;
		}
		ms += n * mul;
		p = end;
	}
	if (ms > UINT32_MAX) {
		qt_buf_puts(err, "value too large");
		return -1;
	}
	put_uint(v, 4, ms);
	return 0;
bad:
	qt_buf_printf(err, "Could not parse relative time");
	return -1;
}

/* a ct label: its bit number (labels by name live in
 * /etc/connlabel.conf, which qtables does not read) */
static int parse_label(const char *w, struct nft_val *v, struct qt_buf *err)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(w, &end, 0);
	if (!*w || *end || *w == '-') {
		qt_buf_printf(err, "/etc/connlabel.conf: could not parse "
			      "conntrack label \"%s\"", w);
		return -1;
	}
	if (errno || n >= 128) {
		qt_buf_printf(err, "%s: bit %lu out of range (128 max)", w, n);
		return -1;
	}
	v->len = 16;
	v->b[15 - n / 8] = (uint8_t)(1u << (n % 8));
	return 0;
}

int nft_val_parse(const struct nft_dtype *t, const char *w, struct nft_val *v,
		  struct qt_buf *err)
{
	memset(v, 0, sizeof(*v));
	unsigned bytes = (t->bits + 7) / 8;
	uint64_t max = t->bits >= 64 ? UINT64_MAX : (1ull << t->bits) - 1;
	uint64_t n;
	int rc = parse_meta_type(t, w, v, err);
	if (rc <= 0)
		return rc;
	switch (t->id) {
	case NFT_T_IPV4:
	case NFT_T_IPV6: {
		bool v6 = t->id == NFT_T_IPV6;
		uint8_t other[16];
		v->len = v6 ? 16 : 4;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, w, v->b) == 1)
			return 0;
		/* a number is an address too (0xff: 0.0.0.255), as the
		 * resolver reads it */
		struct in_addr a4;
		if (!v6 && *w >= '0' && *w <= '9' && !strchr(w, '.') &&
		    inet_aton(w, &a4)) {
			memcpy(v->b, &a4, 4);
			return 0;
		}
		/* the resolver nft asks for one family finds the
		 * other's address and says so */
		if (inet_pton(v6 ? AF_INET : AF_INET6, w, other) == 1)
			qt_buf_printf(err, "Could not resolve hostname: Address "
				      "family for hostname not supported");
		else
			qt_buf_printf(err, "Could not resolve hostname: Name or "
				      "service not known");
		return -1;
	}
	case NFT_T_RELTIME:
		return parse_time(w, v, err);
	case NFT_T_CTLABEL:
		return parse_label(w, v, err);
	case NFT_T_ETHERADDR: {
		unsigned o[6];
		char end;
		if (sscanf(w, "%2x:%2x:%2x:%2x:%2x:%2x%c", &o[0], &o[1], &o[2],
			   &o[3], &o[4], &o[5], &end) != 6 ||
		    strlen(w) > 17) {
			qt_buf_printf(err, "Could not parse %s", t->desc);
			return -1;
		}
		v->len = 6;
		for (int i = 0; i < 6; i++)
			v->b[i] = (uint8_t)o[i];
		return 0;
	}
	case NFT_T_OBJNAME:
		if (!*w || strlen(w) >= NFT_VAL_MAX - 1) {
			qt_buf_printf(err, !*w ? "Empty string is not allowed"
				      : "String exceeds maximum length of %u",
				      NFT_VAL_MAX - 1);
			return -1;
		}
		v->len = NFT_VAL_MAX - 1;
		memcpy(v->b, w, strlen(w));
		return 0;
	case NFT_T_CTHELPER:
	case NFT_T_IFNAME:
		if (!*w) {
			qt_buf_puts(err, "Empty string is not allowed");
			return -1;
		}
		if (strlen(w) >= IFNAMSIZ) {
			qt_buf_printf(err, "String exceeds maximum length of %u",
				      IFNAMSIZ);
			return -1;
		}
		v->len = IFNAMSIZ;
		memcpy(v->b, w, strlen(w));
		return 0;
	case NFT_T_IFINDEX: {
		unsigned idx = if_nametoindex(w);
		if (!idx) {
			/* a number names an index no device need have, as
			 * nft's ifindex_type_parse reads it */
			char *end;
			errno = 0;
			long x = strtol(w, &end, 10);
			if (!*w || *end || errno || x < 0 || x > INT_MAX) {
				qt_buf_printf(err, "Interface does not exist");
				return -1;
			}
			idx = (unsigned)x;
		}
		put_uint(v, 4, idx);
		return 0;
	}
	case NFT_T_SERVICE: {
		rc = parse_number(w, max, &n, t, err);
		if (rc <= 0) {
			if (!rc)
				put_uint(v, bytes, n);
			return rc;
		}
		struct servent *s = getservbyname(w, NULL);
		if (!s) {
			qt_buf_printf(err, "Could not resolve service: "
				      "Servname not supported for ai_socktype");
			return -1;
		}
		put_uint(v, 2, ntohs((uint16_t)s->s_port));
		return 0;
	}
	case NFT_T_PROTO: {
		int p = nft_proto_number(w);
		if (p < 0 && parse_number(w, UINT64_MAX, &n, t, err) == 0) {
			qt_buf_printf(err, "Protocol out of range");
			return -1;
		}
		if (p < 0) {
			qt_buf_printf(err, "Could not resolve protocol name");
			return -1;
		}
		put_uint(v, 1, (uint64_t)p);
		return 0;
	}
	default:
		break;
	}
	const struct nft_sym *s = sym_find(t->syms, w);
	if (s) {
		put_uint(v, bytes, s->value);
		return 0;
	}
	rc = parse_number(w, max, &n, t, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		qt_buf_printf(err, "Could not parse %s", t->desc);
		return -1;
	}
	put_uint(v, bytes, n);
	return 0;
}

static void print_syms_bitmask(const struct nft_dtype *t, uint64_t x,
			       struct qt_buf *b)
{
	bool first = true;
	for (const struct nft_sym *s = t->syms; s->name; s++) {
		if (s->value && (x & s->value) == s->value) {
			qt_buf_printf(b, "%s%s", first ? "" : ",", s->name);
			x &= ~s->value;
			first = false;
		}
	}
	if (x || first)
		qt_buf_printf(b, "%s0x%" PRIx64, first ? "" : ",", x);
}

/* Dotted quad, as inet_ntop writes it: listings and the state file
 * print every element of a set, and inet_ntop's formatting through
 * sprintf was most of their cost. */
static void put_ipv4(const uint8_t *a, struct qt_buf *b)
{
	char s[16];
	unsigned n = 0;
	for (unsigned i = 0; i < 4; i++) {
		unsigned x = a[i];
		if (i)
			s[n++] = '.';
		if (x >= 100)
			s[n++] = (char)('0' + x / 100);
		if (x >= 10)
			s[n++] = (char)('0' + x / 10 % 10);
		s[n++] = (char)('0' + x % 10);
	}
	qt_buf_put(b, s, n);
}

/* meta's types nft lists in words of their own; false for the rest */
static bool print_meta_type(const struct nft_dtype *t, const struct nft_val *v,
			    struct qt_buf *b)
{
	uint64_t x = get_uint(v);
	char name[128];
	struct tm tm;
	switch (t->id) {
	case NFT_T_TCHANDLE:
		if (x == 0xffffffffu)
			qt_buf_puts(b, "root");
		else if (!x)
			qt_buf_puts(b, "none");
		else
			qt_buf_printf(b, "%" PRIx64 ":%" PRIx64, x >> 16,
				      x & 0xffff);
		return true;
	case NFT_T_DEVGROUP:
	case NFT_T_REALM:
		if (rt_names(rt_names_file(t->id), NULL, &x, name, sizeof(name)))
			qt_buf_printf(b, "\"%s\"", name);
		else
			qt_buf_printf(b, "%" PRIu64, x);
		return true;
	case NFT_T_TIME: {
		time_t s = (time_t)(x / 1000000000ull);
		if (!localtime_r(&s, &tm))
			return false;
		strftime(name, sizeof(name), "%Y-%m-%d %H:%M:%S", &tm);
		qt_buf_printf(b, "\"%s\"", name);
		return true;
	}
	case NFT_T_ETHERTYPE:
		for (const struct nft_sym *s = t->syms; s->name; s++)
			if (s->value == x) {
				qt_buf_puts(b, s->name);
				return true;
			}
		qt_buf_printf(b, "0x%04" PRIx64, x);
		return true;
	case NFT_T_DAY:
		if (x > 6)
			return false;
		qt_buf_printf(b, "\"%s\"", t->syms[x].name);
		return true;
	case NFT_T_HOUR: {
		long s = (long)(x % 86400) + gmtoff_at(time(NULL));
		s %= 86400;
		if (s < 0)
			s += 86400;
		qt_buf_printf(b, "\"%02ld:%02ld", s / 3600, s / 60 % 60);
		if (s % 60)
			qt_buf_printf(b, ":%02ld", s % 60);
		qt_buf_putc(b, '"');
		return true;
	}
	default:
		return false;
	}
}

/* as nft's time_print: each unit that is not zero; nothing for 0 */
static void print_time(uint64_t ms, struct qt_buf *b)
{
	static const struct { uint64_t ms; const char *unit; } u[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" },
		{ 1000, "s" }, { 1, "ms" },
	};
	for (unsigned i = 0; i < 5; i++)
		if (ms / u[i].ms) {
			qt_buf_printf(b, "%" PRIu64 "%s", ms / u[i].ms, u[i].unit);
			ms %= u[i].ms;
		}
}

void nft_val_print(const struct nft_dtype *t, const struct nft_val *v,
		   struct qt_buf *b)
{
	char a[INET6_ADDRSTRLEN];
	uint64_t x;
	switch (t->id) {
	case NFT_T_IPV4:
		put_ipv4(v->b, b);
		return;
	case NFT_T_IPV6:
		qt_buf_puts(b, inet_ntop(AF_INET6, v->b, a, sizeof(a)));
		return;
	case NFT_T_RELTIME:
		print_time(get_uint(v), b);
		return;
	case NFT_T_INVALID:
		qt_buf_printf(b, "0x%" PRIx64 " [invalid type]", get_uint(v));
		return;
	case NFT_T_CTLABEL: {
		bool first = true;
		for (unsigned i = 0; i < 128 && i / 8 < v->len; i++)
			if (v->b[v->len - 1 - i / 8] & (1u << (i % 8))) {
				qt_buf_printf(b, "%s%u", first ? "" : ",", i);
				first = false;
			}
		if (first)
			qt_buf_puts(b, "0x0");
		return;
	}
	case NFT_T_ETHERADDR:
		for (unsigned i = 0; i < 6; i++)
			qt_buf_printf(b, "%s%02x", i ? ":" : "",
				      i < v->len ? v->b[i] : 0);
		return;
	case NFT_T_OBJNAME:
		qt_buf_printf(b, "\"%.*s\"", (int)strnlen((const char *)v->b,
							   v->len),
			      (const char *)v->b);
		return;
	case NFT_T_CTHELPER:
	case NFT_T_IFNAME:
		qt_buf_printf(b, "\"%.*s\"", (int)strnlen((const char *)v->b,
							   IFNAMSIZ),
			      (const char *)v->b);
		return;
	case NFT_T_IFINDEX: {
		char name[IF_NAMESIZE];
		x = get_uint(v);
		if (if_indextoname((unsigned)x, name))
			qt_buf_printf(b, "\"%s\"", name);
		else
			qt_buf_printf(b, "%" PRIu64, x);
		return;
	}
	case NFT_T_PROTO: {
		x = get_uint(v);
		struct protoent *p = getprotobynumber((int)x);
		if (p)
			qt_buf_puts(b, p->p_name);
		else
			qt_buf_printf(b, "%" PRIu64, x);
		return;
	}
	case NFT_T_MARK:
		qt_buf_printf(b, "0x%08" PRIx64, get_uint(v));
		return;
	case NFT_T_RAW:
		qt_buf_printf(b, "0x%" PRIx64, get_uint(v));
		return;
	default:
		if (print_meta_type(t, v, b))
			return;
		break;
	}
	x = get_uint(v);
	if (t->bitmask) {
		print_syms_bitmask(t, x, b);
		return;
	}
	for (const struct nft_sym *s = t->syms; s && s->name; s++)
		if (s->value == x) {
			qt_buf_puts(b, s->name);
			return;
		}
	/* nft prints the values of a byte without a name in hex */
	if (t->id == NFT_T_DSCP || t->id == NFT_T_ECN)
		qt_buf_printf(b, "0x%02" PRIx64, x);
	else
		qt_buf_printf(b, "%" PRIu64, x);
}

void nft_val_print_range_end(const struct nft_dtype *t,
			     const struct nft_val *v, struct qt_buf *b)
{
	if (t->id == NFT_T_PROTO || (t->syms && !t->bitmask) ||
	    t->id == NFT_T_DEVGROUP || t->id == NFT_T_REALM)
		qt_buf_printf(b, "%" PRIu64, get_uint(v));
	else
		nft_val_print(t, v, b);
}

void nft_val_div(struct nft_val *v, uint64_t d)
{
	put_uint(v, v->len, get_uint(v) / d);
}

unsigned nft_concat_part_len(const struct nft_dtype *t)
{
	return ((t->bits + 31) / 32) * 4;
}

int nft_val_cmp(const struct nft_val *a, const struct nft_val *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->b, b->b, n);
	return c ? c : (int)a->len - (int)b->len;
}

void nft_val_prefix(const struct nft_val *v, unsigned plen, bool ones,
		    struct nft_val *out)
{
	*out = *v;
	for (unsigned i = 0; i < (unsigned)v->len * 8u; i++) {
		if (i < plen)
			continue;
		uint8_t bit = (uint8_t)(0x80u >> (i % 8));
		if (ones)
			out->b[i / 8] |= bit;
		else
			out->b[i / 8] &= (uint8_t)~bit;
	}
}

int nft_val_prefix_len(const struct nft_val *lo, const struct nft_val *hi)
{
	unsigned bits = (unsigned)lo->len * 8u;
	for (unsigned p = 0; p <= bits; p++) {
		struct nft_val l, h;
		nft_val_prefix(lo, p, false, &l);
		nft_val_prefix(lo, p, true, &h);
		if (!nft_val_cmp(&l, lo) && !nft_val_cmp(&h, hi))
			return (int)p;
	}
	return -1;
}
