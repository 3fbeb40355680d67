/* See nft_types.h. */
#include "nft_types.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* proto, name, base, offset, bits, type, dependency, l4, short, bare */
static const struct nft_field fields[] = {
	{ "ip", "length", NFT_B_NETWORK, 16, 16, NFT_T_INTEGER, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "id", NFT_B_NETWORK, 32, 16, NFT_T_INTEGER, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "ttl", NFT_B_NETWORK, 64, 8, NFT_T_INTEGER, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "protocol", NFT_B_NETWORK, 72, 8, NFT_T_PROTO, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "checksum", NFT_B_NETWORK, 80, 16, NFT_T_INTEGER, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "saddr", NFT_B_NETWORK, 96, 32, NFT_T_IPV4, NFT_DEP_IPV4, 0, false, false },
	{ "ip", "daddr", NFT_B_NETWORK, 128, 32, NFT_T_IPV4, NFT_DEP_IPV4, 0, false, false },
	{ "ip6", "length", NFT_B_NETWORK, 32, 16, NFT_T_INTEGER, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "nexthdr", NFT_B_NETWORK, 48, 8, NFT_T_PROTO, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "hoplimit", NFT_B_NETWORK, 56, 8, NFT_T_INTEGER, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "saddr", NFT_B_NETWORK, 64, 128, NFT_T_IPV6, NFT_DEP_IPV6, 0, false, false },
	{ "ip6", "daddr", NFT_B_NETWORK, 192, 128, NFT_T_IPV6, NFT_DEP_IPV6, 0, false, false },
	{ "tcp", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "sequence", NFT_B_TRANSPORT, 32, 32, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "ackseq", NFT_B_TRANSPORT, 64, 32, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "flags", NFT_B_TRANSPORT, 104, 8, NFT_T_TCP_FLAG, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "window", NFT_B_TRANSPORT, 112, 16, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "checksum", NFT_B_TRANSPORT, 128, 16, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "tcp", "urgptr", NFT_B_TRANSPORT, 144, 16, NFT_T_INTEGER, NFT_DEP_L4, TCP, false, false },
	{ "udp", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_L4, UDP, false, false },
	{ "udp", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_L4, UDP, false, false },
	{ "udp", "length", NFT_B_TRANSPORT, 32, 16, NFT_T_INTEGER, NFT_DEP_L4, UDP, false, false },
	{ "udp", "checksum", NFT_B_TRANSPORT, 48, 16, NFT_T_INTEGER, NFT_DEP_L4, UDP, false, false },
	{ "sctp", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_L4, SCTP, false, false },
	{ "sctp", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_L4, SCTP, false, false },
	{ "dccp", "sport", NFT_B_TRANSPORT, 0, 16, NFT_T_SERVICE, NFT_DEP_L4, DCCP, false, false },
	{ "dccp", "dport", NFT_B_TRANSPORT, 16, 16, NFT_T_SERVICE, NFT_DEP_L4, DCCP, false, false },
	{ "icmp", "type", NFT_B_TRANSPORT, 0, 8, NFT_T_ICMP_TYPE, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "code", NFT_B_TRANSPORT, 8, 8, NFT_T_ICMP_CODE, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "checksum", NFT_B_TRANSPORT, 16, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "id", NFT_B_TRANSPORT, 32, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMP, false, false },
	{ "icmp", "sequence", NFT_B_TRANSPORT, 48, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMP, false, false },
	{ "icmpv6", "type", NFT_B_TRANSPORT, 0, 8, NFT_T_ICMPV6_TYPE, NFT_DEP_L4, ICMPV6, false, false },
	{ "icmpv6", "code", NFT_B_TRANSPORT, 8, 8, NFT_T_ICMPV6_CODE, NFT_DEP_L4, ICMPV6, false, false },
	{ "icmpv6", "checksum", NFT_B_TRANSPORT, 16, 16, NFT_T_INTEGER, NFT_DEP_L4, ICMPV6, false, false },
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
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct nft_field *f = &fields[i];
		if (strcmp(f->name, name))
			continue;
		if (proto ? !strcmp(f->proto, proto) : f->meta_bare_ok)
			return f;
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

int nft_proto_number(const char *name)
{
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

int nft_val_parse(const struct nft_dtype *t, const char *w, struct nft_val *v,
		  struct qt_buf *err)
{
	memset(v, 0, sizeof(*v));
	unsigned bytes = (t->bits + 7) / 8;
	uint64_t max = t->bits >= 64 ? UINT64_MAX : (1ull << t->bits) - 1;
	uint64_t n;
	int rc;
	switch (t->id) {
	case NFT_T_IPV4:
	case NFT_T_IPV6: {
		bool v6 = t->id == NFT_T_IPV6;
		uint8_t other[16];
		v->len = v6 ? 16 : 4;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, w, v->b) == 1)
			return 0;
		/* an address of the other family: getaddrinfo's answer */
		qt_buf_printf(err, "Could not resolve hostname: %s",
			      inet_pton(v6 ? AF_INET : AF_INET6, w, other) == 1
			      ? "Address family for hostname not supported"
			      : "Name or service not known");
		return -1;
	}
	case NFT_T_IFNAME:
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
	default:
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
	qt_buf_printf(b, "%" PRIu64, x);
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
