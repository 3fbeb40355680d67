/* The DS field's names and rewrite (dsfield.h). */
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "csum.h"
#include "dsfield.h"
#include "ext.h"

struct ds_name {
	const char *name;
	uint8_t value;
};

/* libxt_tos_helper's table (RFC 1349's TOS values) */
static const struct ds_name tos_names[] = {
	{ "Minimize-Cost", 0x02 },
	{ "Maximize-Reliability", 0x04 },
	{ "Maximize-Throughput", 0x08 },
	{ "Minimize-Delay", 0x10 },
	{ "Normal-Service", 0x00 },
	{ NULL, 0 },
};

/* libxt_dscp_helper's classes, in its order (the first whose name
 * starts the argument wins) */
static const struct ds_name dscp_classes[] = {
	{ "CS0", 0x00 }, { "CS1", 0x08 }, { "CS2", 0x10 }, { "CS3", 0x18 },
	{ "CS4", 0x20 }, { "CS5", 0x28 }, { "CS6", 0x30 }, { "CS7", 0x38 },
	{ "BE", 0x00 },
	{ "AF11", 0x0a }, { "AF12", 0x0c }, { "AF13", 0x0e },
	{ "AF21", 0x12 }, { "AF22", 0x14 }, { "AF23", 0x16 },
	{ "AF31", 0x1a }, { "AF32", 0x1c }, { "AF33", 0x1e },
	{ "AF41", 0x22 }, { "AF42", 0x24 }, { "AF43", 0x26 },
	{ "EF", 0x2e },
	{ NULL, 0 },
};

int qt_tos_parse(struct qt_ctx *ctx, const char *arg, uint8_t def_mask,
		 uint8_t *value, uint8_t *mask)
{
	const char *end;
	uint64_t v, m = def_mask;
	if (qt_strtoul(arg, &end, 0, 255, &v)) {
		if (*end == '/' && !qt_strtoul(end + 1, &end, 0, 255, &m))
			return qt_param_error(ctx, "Illegal value: \"%s\"", arg);
		if (*end)
			return qt_param_error(ctx, "Illegal value: \"%s\"", arg);
		*value = (uint8_t)v;
		*mask = (uint8_t)m;
		return 0;
	}
	for (const struct ds_name *s = tos_names; s->name; s++)
		if (!strcasecmp(arg, s->name)) {
			*value = s->value;
			*mask = 0x3f;
			return 0;
		}
	return qt_param_error(ctx, "Symbolic name \"%s\" is unknown", arg);
}

const char *qt_tos_name(uint8_t value, uint8_t mask)
{
	if (mask != 0x3f)
		return NULL;
	for (const struct ds_name *s = tos_names; s->name; s++)
		if (s->value == value)
			return s->name;
	return NULL;
}

int qt_dscp_class(struct qt_ctx *ctx, const char *name)
{
	for (const struct ds_name *s = dscp_classes; s->name; s++)
		if (!strncasecmp(name, s->name, strlen(s->name)))
			return s->value;
	return qt_param_error(ctx, "Invalid DSCP value `%s'", name);
}

uint8_t qt_dsfield_get(const struct qt_eval *ev)
{
	if (ev->pkt.family == AF_INET6 && ev->len >= 2)
		return (uint8_t)((ev->data[0] << 4 | ev->data[1] >> 4) & 0xff);
	if (ev->pkt.family == AF_INET && ev->len >= 2)
		return ev->data[1];
	return 0;
}

bool qt_dsfield_writable(const struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	uint32_t hdr = p->family == AF_INET6 ? 40 : 20;
	if (p->family != AF_INET && p->family != AF_INET6)
		return false;
	return ev->len >= hdr && ev->orig_len <= ev->len;
}

void qt_dsfield_complete_l4(struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	if (!ev->csum_not_ready)
		return;
	ev->csum_not_ready = false;
	bool v6 = p->family == AF_INET6;
	uint32_t off = v6 ? (p->l4 ? (uint32_t)(p->l4 - p->data) : 0) : p->ihl;
	unsigned at = p->proto == IPPROTO_TCP ? 16 :
		      p->proto == IPPROTO_UDP ? 6 : 0;
	if (!at || off < (v6 ? 40u : 20u) || p->frag_off ||
	    p->ip_len > ev->len || p->ip_len < off + at + 2)
		return;
	qt_csum_l4_whole(ev->data, ev->data + off, p->ip_len - off, p->proto,
			 at, p->proto == IPPROTO_UDP);
}

bool qt_dsfield_change(struct qt_eval *ev, uint8_t keep, uint8_t value)
{
	uint8_t *ip = ev->data;
	uint8_t old = qt_dsfield_get(ev);
	uint8_t nv = (uint8_t)((old & keep) | value);
	if (nv == old)
		return false;
	if (ev->pkt.family == AF_INET6) {
		/* ipv6_change_dsfield: the class straddles bytes 0 and 1 */
		ip[0] = (uint8_t)((ip[0] & 0xf0) | nv >> 4);
		ip[1] = (uint8_t)((ip[1] & 0x0f) | (nv & 0x0f) << 4);
	} else {
		/* ipv4_change_dsfield's sum (the old byte added, the new
		 * one taken off, carries and borrows folded back) gives
		 * what csum_replace2 gives, for every checksum */
		qt_csum_replace2(ip + 10, old, nv);
		ip[1] = nv;
	}
	ev->pkt.tos = nv;
	qt_dsfield_complete_l4(ev);
	ev->rewritten = true;
	return true;
}
