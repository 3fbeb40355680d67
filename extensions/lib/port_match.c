/* See port_match.h. */
#include "port_match.h"

#include <errno.h>

#include "model.h"
#include "xtypes.h"

static uint8_t inv_of(const struct qt_port_match *pm, const void *data)
{
	return ((const uint8_t *)data)[pm->inv_off];
}

int qt_port_match_check(const struct qt_port_match *pm,
			struct qt_ext_inst *in,
			const struct qt_rule_env *env, struct qt_ctx *ctx)
{
	struct qt_ports_head *h = in->data;
	uint8_t *inv = (uint8_t *)in->data + pm->inv_off;
	if (pm->xt_only)
		return 0;      /* the kernel checks; nothing is folded */
	if (!qt_port_match_bare(pm, in->data) && env->rule->proto != pm->proto)
		return qt_param_error(ctx, "%s", pm->needs_proto);
	xt_nft_ports_fold(h->spts, h->dpts, inv, QT_PORTS_INV_SRC,
			  QT_PORTS_INV_DST);
	return 0;
}

bool qt_port_match_is_noop(const struct qt_port_match *pm,
			   const struct qt_ext_inst *in)
{
	if (pm->xt_only || qt_port_match_bare(pm, in->data))
		return false;
	if (pm->has_more && pm->has_more(in->data))
		return false;
	struct qt_ports_head h = *(const struct qt_ports_head *)in->data;
	uint8_t inv = inv_of(pm, in->data);
	if (!xt_nft_ports_fold(h.spts, h.dpts, &inv, QT_PORTS_INV_SRC,
			       QT_PORTS_INV_DST))
		return false;
	return qt_ports_all(&h) && !inv;
}

int qt_port_match_kcheck(const struct qt_port_match *pm,
			 const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	if ((pm->xt_only || qt_port_match_bare(pm, in->data)) &&
	    !qt_rule_proto_is(env->rule, pm->proto))
		return EINVAL;
	return 0;
}

bool qt_port_match_ports(const struct qt_port_match *pm, const void *data,
			 uint16_t sport, uint16_t dport)
{
	const struct qt_ports_head *h = data;
	uint8_t inv = inv_of(pm, data);
	if ((sport >= h->spts[0] && sport <= h->spts[1]) ==
	    !!(inv & QT_PORTS_INV_SRC))
		return false;
	return (dport >= h->dpts[0] && dport <= h->dpts[1]) !=
	       !!(inv & QT_PORTS_INV_DST);
}
