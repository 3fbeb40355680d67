/* Option value readers with the semantics and messages of iptables 1.8.9's
 * generic option types (xtoptions), shared by the state, conntrack,
 * recent, limit, hashlimit, connlimit, string, time and connmark
 * matches. Header-only: each helper is small, and a file that does not
 * use one pays nothing. */
#ifndef QT_XTYPES_H
#define QT_XTYPES_H

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "addr.h"
#include "ext.h"

/* An unsigned number as iptables reads one (xtables_strtoul): any C base,
 * leading blanks and '+' taken, a '-' refused; end gets what follows
 * (when end is NULL nothing may follow). */
static inline bool xt_strtoul(const char *s, const char **end, uint64_t min,
			      uint64_t max, uint64_t *out)
{
	const char *p = s;
	char *e;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 0);
	if (e == s || errno == ERANGE || v < min || v > max)
		return false;
	if (end)
		*end = e;
	else if (*e != '\0')
		return false;
	*out = v;
	return true;
}

/* An integer option out of range: "EXT: bad value for option "--OPT",
 * or out of range (MIN-MAX)." with iptables' empty line after it. */
static inline int xt_range_error(struct qt_ctx *ctx, const char *ext,
				 const char *opt, uint64_t min, uint64_t max)
{
	return qt_param_error(ctx,
		"%s: bad value for option \"--%s\", or out of range (%llu-%llu).\n",
		ext, opt, (unsigned long long)min, (unsigned long long)max);
}

static inline int xt_uint(struct qt_ctx *ctx, const char *ext, const char *opt,
			  const char *arg, uint64_t min, uint64_t max,
			  uint64_t *out)
{
	if (!xt_strtoul(arg, NULL, min, max, out))
		return xt_range_error(ctx, ext, opt, min, max);
	return 0;
}

/* What the generic layer checks once the rule is read, in the order of
 * the extension's option table (xtables_options_fcheck): a mandatory
 * option missing, an excluded pair, a missing companion. */
struct xt_dep {
	const char *name;   /* NULL ends the table; same as in the options */
	int id;
	bool mand;
	uint32_t excl;      /* option ids (bits) this one excludes */
	uint32_t also;      /* option ids (bits) this one needs */
};

/* An option's name in messages: the first spelling with its id. */
static inline const char *xt_opt_name(const struct qt_ext_inst *in, int id)
{
	for (const struct qt_ext_opt *o = in->ext->opts; o && o->name; o++)
		if (o->id == id)
			return o->name;
	return "?";
}

static inline int xt_fcheck(const struct qt_ext_inst *in, const char *ext,
			    const struct xt_dep *deps, struct qt_ctx *ctx)
{
	for (const struct xt_dep *d = deps; d->name; d++) {
		bool seen = in->seen & (1u << d->id);
		if (d->mand && !seen)
			return qt_param_error(ctx,
				"%s: option \"--%s\" must be specified\n",
				ext, d->name);
		if (!seen)
			continue;
		for (int i = 0; i < 32; i++) {
			if ((d->excl & (1u << i)) && (in->seen & (1u << i)))
				return qt_param_error(ctx,
					"%s: option \"--%s\" cannot be used together with \"--%s\".\n",
					ext, d->name, xt_opt_name(in, i));
		}
		for (int i = 0; i < 32; i++) {
			if ((d->also & (1u << i)) && !(in->seen & (1u << i)))
				return qt_param_error(ctx,
					"%s: option \"--%s\" also requires \"--%s\".\n",
					ext, d->name, xt_opt_name(in, i));
		}
	}
	return 0;
}

/* A prefix length or dotted mask (xtables' plen type). A number above 32
 * or a mask that is not contiguous is taken without complaint and leaves
 * the full width of an address, 128 bits, as iptables does. */
#define XT_PLEN_FULL 128
static inline int xt_parse_plen(struct qt_ctx *ctx, const char *ext,
				const char *opt, const char *arg,
				unsigned *plen)
{
	uint64_t v;
	struct in_addr m;
	if (xt_strtoul(arg, NULL, 0, 32, &v)) {
		*plen = (unsigned)v;
		return 0;
	}
	if (inet_aton(arg, &m)) {
		int c = qt_mask_to_cidr(m);
		*plen = c < 0 ? XT_PLEN_FULL : (unsigned)c;
		return 0;
	}
	return qt_param_error(ctx,
		"%s: bad value for option \"--%s\", neither a valid network mask nor valid CIDR (%u-%u).\n",
		ext, opt, 0, 32);
}

/* The kernel's 128-bit mask (union nf_inet_addr, network order) of a
 * prefix length; an IPv4 rule uses the first word. */
static inline void xt_plen_mask(unsigned plen, uint32_t mask[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned bits = plen > 32u * i ? plen - 32u * i : 0;
		mask[i] = bits >= 32 ? 0xffffffffu
			: bits == 0 ? 0 : htonl(0xffffffffu << (32 - bits));
	}
}

/* One host (xtables' host type): a name is resolved with getaddrinfo,
 * whose first IPv4 answer is taken; its failure is iptables' message. */
static inline int xt_parse_host(struct qt_ctx *ctx, const char *arg,
				struct in_addr *out)
{
	struct addrinfo hints = { .ai_family = AF_INET };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(arg, NULL, &hints, &res);
	if (rc != 0)
		return qt_param_error(ctx, "getaddrinfo: %s\n", gai_strerror(rc));
	*out = ((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

/* A dotted quad for printing (network order). */
static inline void xt_put_ip(struct qt_buf *b, uint32_t addr_be)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = addr_be };
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	qt_buf_puts(b, buf);
}

/* Case-insensitive match of one list item (len bytes) against a name. */
static inline bool xt_item_is(const char *item, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(item, name, len) == 0;
}


/* iptables-nft 1.8.9 turns an inverted port range from 0 into the
 * range above it: "! --dport 0:100" is stored and listed as
 * "--dport 101:65535", and "! --dport 0:65535" checks nothing at all
 * (a single "! --sport 0" stays). Returns true when the option is left
 * checking nothing that way. */
static inline bool xt_nft_port_invert_fold(uint16_t p[2], uint8_t *inv,
					   uint8_t bit)
{
	if (!(*inv & bit) || p[0] != 0 || p[1] == 0)
		return false;
	*inv &= (uint8_t)~bit;
	if (p[1] == 0xFFFF)
		return true;
	p[0] = (uint16_t)(p[1] + 1);
	p[1] = 0xFFFF;
	return false;
}

/* Both port options of a tcp/udp match folded that way; true when one
 * of them was left checking nothing (the caller then drops the match
 * if nothing else is left in it). */
static inline bool xt_nft_ports_fold(uint16_t s[2], uint16_t d[2],
				     uint8_t *inv, uint8_t sbit, uint8_t dbit)
{
	bool es = xt_nft_port_invert_fold(s, inv, sbit);
	bool ed = xt_nft_port_invert_fold(d, inv, dbit);
	return es || ed;
}

/* ---- engine side, shared by tcp and udp ---- */
#include "eval.h"

/* A big-endian 16-bit field at off in the transport header, if the
 * packet has those bytes (l4_len counts up to the IP total length). */
static inline bool xt_l4_get16(const struct qt_pkt *p, uint32_t off,
			       uint16_t *v)
{
	if (!p->l4 || off + 2 > p->l4_len)
		return false;
	*v = (uint16_t)(p->l4[off] << 8 | p->l4[off + 1]);
	return true;
}

/* The port checks iptables-nft 1.8.9 builds as native nf_tables
 * expressions for -m tcp / -m udp (add_nft_tcpudp). Facts checked on
 * the kernel (6.18, see test_match_a.c):
 *  - a full range 0:65535 emits nothing, even inverted;
 *  - one port on each side with the same inversion is one 32-bit
 *    compare, so "! --sport A ! --dport B" means "not (A and B)";
 *  - a load that cannot be made fails the rule, never drops the packet;
 *  - the fast payload load needs only the bytes it reads and ignores
 *    the fragment offset: a non-first fragment is matched on the bytes
 *    at the transport offset, and 4 bytes of a TCP header (or a data
 *    offset below 5) are enough for --dport. The classifier reads ports
 *    the same way (engine/program.c). */
static inline bool xt_nft_ports_match(const struct qt_pkt *p,
				      const uint16_t s[2], bool inv_s,
				      const uint16_t d[2], bool inv_d)
{
	uint16_t sp, dp;
	if (s[0] && s[0] == s[1] && d[0] && d[0] == d[1] && inv_s == inv_d) {
		if (!xt_l4_get16(p, 0, &sp) || !xt_l4_get16(p, 2, &dp))
			return false;
		return (sp == s[0] && dp == d[0]) != inv_s;
	}
	if (s[0] || s[1] != 0xFFFF) {
		if (!xt_l4_get16(p, 0, &sp))
			return false;
		if ((sp >= s[0] && sp <= s[1]) == inv_s)
			return false;
	}
	if (d[0] || d[1] != 0xFFFF) {
		if (!xt_l4_get16(p, 2, &dp))
			return false;
		if ((dp >= d[0] && dp <= d[1]) == inv_d)
			return false;
	}
	return true;
}

/* Classifier ranges of a port option given without '!'. */
static inline void xt_class_ports(struct qt_class_key *k, bool given_s,
				  const uint16_t s[2], bool given_d,
				  const uint16_t d[2])
{
	if (given_s) {
		k->sport_set = true;
		k->sport[0] = s[0];
		k->sport[1] = s[1];
	}
	if (given_d) {
		k->dport_set = true;
		k->dport[0] = d[0];
		k->dport[1] = d[1];
	}
}

#endif
