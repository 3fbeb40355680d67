/* nft's nat statements as the NAT targets of extensions/NAT.c (see
 * nft_nat.h). */
#include "nft_nat.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ext.h"

/* The target each kind of statement is, as the kernel's nft_nat,
 * nft_masq and nft_redir expressions call what xt_nat, xt_MASQUERADE
 * and xt_REDIRECT call. */
static const char *const target_of[] = {
	[NFT_NAT_SNAT] = "SNAT", [NFT_NAT_DNAT] = "DNAT",
	[NFT_NAT_MASQ] = "MASQUERADE", [NFT_NAT_REDIR] = "REDIRECT",
};

/* The family an address makes the statement's: 0 when it has none
 * (then it works in both, as the kernel's NFPROTO_INET nat does). */
static uint8_t stmt_family(const struct nft_stmt *s)
{
	if (!s->nat_has_addr)
		return 0;
	return s->addr_lo.len == 16 ? AF_INET6 : AF_INET;
}

/* nft_nat_setup_addr / _proto and the flags, as nf_nat_range2 */
static void make_range(const struct nft_stmt *s, uint8_t family,
		       struct qt_nat_range *r)
{
	memset(r, 0, sizeof(*r));
	r->family = family == AF_INET6 ? AF_INET6 : 0;
	if (s->nat_has_addr) {
		r->flags |= QT_NAT_MAP_IPS;
		if (family == AF_INET6) {
			memcpy(r->min_addr6, s->addr_lo.b, 16);
			memcpy(r->max_addr6, s->addr_hi.b, 16);
		} else {
			memcpy(&r->min_addr, s->addr_lo.b, 4);
			memcpy(&r->max_addr, s->addr_hi.b, 4);
		}
	}
	if (s->nat_has_port) {
		r->flags |= QT_NAT_PROTO_SPECIFIED;
		r->min_port = s->port_lo;
		r->max_port = s->nat_port_range ? s->port_hi : s->port_lo;
	}
	if (s->nat_flags & NFT_NAT_RANDOM)
		r->flags |= QT_NAT_PROTO_RANDOM;
	if (s->nat_flags & NFT_NAT_FULLY_RANDOM)
		r->flags |= QT_NAT_PROTO_RANDOM_FULLY;
	if (s->nat_flags & NFT_NAT_PERSISTENT)
		r->flags |= QT_NAT_PERSISTENT;
}

int qt_nft_nat_inst(struct qt_ext_run *run, const struct nft_stmt *s,
		    uint8_t family, struct qt_buf *err)
{
	memset(run, 0, sizeof(*run));
	/* a map's family is its values' (qt_nft_nat_map_ranges) */
	uint8_t sf = s->nat_map ? 0 : stmt_family(s);
	if (sf && sf != family)
		return 1;
	if ((unsigned)s->nat >= sizeof(target_of) / sizeof(target_of[0])) {
		qt_buf_printf(err, "Error: qtables cannot run this nat "
			      "statement; ");
		return -1;
	}
	/* prefix: the network mapped, the host part kept, as NETMAP
	 * does (nf_nat_core's NF_NAT_RANGE_NETMAP); by the hook's manip,
	 * which a snat's and a dnat's hooks decide alike */
	const char *name = s->nat_prefix ? "NETMAP" : target_of[s->nat];
	const struct qt_ext *x = qt_ext_find_fam(name, QT_EXT_TARGET, family);
	if (!x || !x->target || x->data_size != sizeof(struct qt_nat_range)) {
		qt_buf_printf(err, "Error: qtables has no %s to run; ", name);
		return -1;
	}
	struct qt_nat_range *r = calloc(1, sizeof(*r));
	if (!r) {
		qt_buf_printf(err, "Error: out of memory; ");
		return -1;
	}
	make_range(s, family, r);
	run->in.ext = x;
	run->in.family = family;
	run->in.data = r;
	return 0;
}

uint32_t qt_nft_nat_sig(const struct nft_stmt *s)
{
	uint32_t h = 2166136261u;
#define MIX(x) do { h ^= (uint32_t)(x); h *= 16777619u; } while (0)
	MIX(s->nat);
	MIX(s->nat_flags);
	MIX(s->nat_map);
	MIX(s->nat_prefix);
	MIX(s->nat_has_addr << 3 | s->nat_has_port << 2 |
	    s->nat_addr_range << 1 | s->nat_port_range);
	MIX(s->addr_lo.len);
	for (unsigned i = 0; i < s->addr_lo.len; i++) {
		MIX(s->addr_lo.b[i]);
		MIX(s->addr_hi.b[i]);
	}
	MIX(s->port_lo);
	MIX(s->port_hi);
#undef MIX
	return h;
}

int qt_nft_nat_check(const struct nft_table *t, struct qt_buf *err)
{
	if (nft_table_nat_valid(t))
		return 0;
	qt_buf_printf(err, "Error: qtables cannot run a nat statement "
		      "outside a nat chain of its hook in table %s %s\n",
		      nft_family_name(t->family), t->name);
	return -1;
}

/* The family of a map's values: the named map's type, else the first
 * element's value (an IPv4 address takes 4 bytes, with a port 6; an
 * IPv6 one 16 and 18); 0 for ports alone (2 bytes), of either. */
static uint8_t map_family(const struct nft_stmt *s, const struct nft_table *t,
			  const struct nft_elem *el, unsigned n)
{
	if (s->set_name) {
		const struct nft_set *set =
			nft_set_find((struct nft_table *)t, s->set_name);
		if (set && set->data_type)
			return set->data_type->id == NFT_T_SERVICE ? 0
			       : set->data_type->id == NFT_T_IPV6 ? AF_INET6
								 : AF_INET;
	}
	if (n && el[0].has_data)
		return el[0].data.len == 2 ? 0
		       : el[0].data.len >= 16 ? AF_INET6 : AF_INET;
	return t->family == NFT_F_IP6 ? AF_INET6 : AF_INET;
}

static uint16_t be16_at(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

int qt_nft_nat_map_ranges(const struct nft_stmt *s, const struct nft_table *t,
			  const struct qt_ext_inst *base, uint8_t family,
			  const struct nft_elem *el, unsigned n,
			  struct qt_nat_range **out, struct qt_buf *err)
{
	*out = NULL;
	uint8_t mf = map_family(s, t, el, n);
	if (mf && mf != family)
		return 1;
	/* ports alone: no address (their values are 2 bytes) */
	unsigned alen = !mf ? 0 : mf == AF_INET6 ? 16 : 4;
	struct qt_nat_range *r = calloc(n ? n : 1, sizeof(*r));
	if (!r) {
		qt_buf_printf(err, "Error: out of memory; ");
		return -1;
	}
	const struct qt_nat_range *b = base->data;
	for (unsigned i = 0; i < n; i++) {
		const struct nft_elem *e = &el[i];
		const struct nft_val *hi = e->data_range ? &e->data_hi
							 : &e->data;
		if (!e->has_data || (e->data.len != alen &&
				     e->data.len != alen + 2) ||
		    (!alen && e->data.len != 2)) {
			free(r);
			qt_buf_printf(err, "Error: qtables cannot run this "
				      "nat map's values; ");
			return -1;
		}
		r[i] = *b;
		if (alen == 16) {
			r[i].flags |= QT_NAT_MAP_IPS;
			memcpy(r[i].min_addr6, e->data.b, 16);
			memcpy(r[i].max_addr6, hi->b, 16);
		} else if (alen == 4) {
			r[i].flags |= QT_NAT_MAP_IPS;
			memcpy(&r[i].min_addr, e->data.b, 4);
			memcpy(&r[i].max_addr, hi->b, 4);
		}
		if (e->data.len == alen + 2) {
			r[i].flags |= QT_NAT_PROTO_SPECIFIED;
			r[i].min_port = be16_at(e->data.b + alen);
			r[i].max_port = be16_at(hi->b + alen);
		}
	}
	*out = r;
	return 0;
}
