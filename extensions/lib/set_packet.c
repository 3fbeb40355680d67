#include "set_packet.h"

#include <netinet/in.h>
#include <string.h>

int qt_set_ref_parse(const struct qt_opt_arg *a, char name[QT_SET_NAME_MAX],
		     uint8_t *dims, uint8_t *src, uint8_t family,
		     struct qt_ctx *ctx)
{
	if (!a->arg2)
		return qt_param_error(ctx, "--%s requires two args.",
				      a->opt->name);
	if (strlen(a->arg) > QT_SET_NAME_MAX - 1)
		return qt_param_error(ctx, "setname `%s' too long, max %d "
				      "characters.", a->arg,
				      QT_SET_NAME_MAX - 1);
	const struct qt_set *set = qt_sets_known() ? qt_sets_find(a->arg)
						   : NULL;
	if (qt_sets_known() && !set)
		return qt_param_error(ctx, "Set %s doesn't exist.\n", a->arg);
	uint8_t want = family == AF_INET6 ? AF_INET6 : AF_INET;
	if (set && set->o.family != want)
		return qt_param_error(ctx, "The protocol family of set %s is "
				      "%s, which is not applicable.", a->arg,
				      set->o.family == AF_INET6 ? "IPv6"
								: "IPv4");
	strcpy(name, a->arg);
	*dims = 0;
	*src = 0;
	const char *p = a->arg2;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (*dims == QT_SET_RULE_DIMS)
			return qt_param_error(ctx, "Can't be more src/dst "
					      "options than %i.",
					      QT_SET_RULE_DIMS);
		if (n == 3 && !strncmp(p, "src", 3))
			*src |= (uint8_t)(1u << *dims);
		else if (!(n == 3 && !strncmp(p, "dst", 3)))
			return qt_param_error(ctx, "You must spefify "
					      "(the comma separated list of) "
					      "'src' or 'dst'.");
		(*dims)++;
		if (!p[n])
			break;
		p += n + 1;
	}
	return 0;
}

static bool has_ports(const struct qt_pkt *p)
{
	return p->l4_ok && (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP ||
			    p->proto == IPPROTO_SCTP ||
			    p->proto == IPPROTO_UDPLITE);
}

bool qt_set_packet_key(const struct qt_set *s, unsigned ndims, unsigned src,
		       const struct qt_pkt *p, struct qt_set_key *k)
{
	if (ndims < s->type->ndims || p->family != s->o.family)
		return false;
	uint8_t host = p->family == AF_INET6 ? 128 : 32;
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
			k->cidr = host;
		} else {
			k->ip2 = *a;
			k->cidr2 = host;
		}
		first_ip = false;
	}
	return true;
}
