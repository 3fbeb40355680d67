/* -m udp (also loaded implicitly by -p udp): source and destination port
 * ranges. Facts from iptables-nft 1.8.9: ports are read as a service or
 * number the way getaddrinfo() reads them (base 10, wrapping to 16 bits),
 * "a:b" is not checked for a <= b, and a udp match with ports becomes a
 * native nf_tables expression, whose builder only wants "-p udp" (even
 * inverted) while a udp match without ports goes to the kernel, which
 * wants a plain -p udp. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <errno.h>

#include "ext.h"
#include "model.h"
#include "port_match.h"
#include "xtypes.h"

#define INV_SRCPT QT_PORTS_INV_SRC
#define INV_DSTPT QT_PORTS_INV_DST

struct udp_data {
	uint16_t spts[2];      /* first: struct qt_ports_head */
	uint16_t dpts[2];
	uint8_t invflags;      /* INV_* */
	uint8_t pad[3];        /* explicit, so memcmp sees zeros */
};

enum { O_SPORT, O_DPORT };

#define D struct udp_data
static const struct qt_ext_opt udp_opts[] = {
	{ .name = "source-port", .id = O_SPORT, .type = QT_OT_PORTRANGE,
	  .flags = QT_OPT_INVERT, QT_PUT(D, spts),
	  QT_INV(D, invflags, INV_SRCPT) },
	{ .name = "sport", .id = O_SPORT },
	{ .name = "destination-port", .id = O_DPORT, .type = QT_OT_PORTRANGE,
	  .flags = QT_OPT_INVERT, QT_PUT(D, dpts),
	  QT_INV(D, invflags, INV_DSTPT) },
	{ .name = "dport", .id = O_DPORT },
	{ .name = NULL },
};
#undef D

static void udp_init(struct qt_ext_inst *in)
{
	struct udp_data *d = in->data;
	d->spts[1] = d->dpts[1] = 0xFFFF;
}

/* the native expression wants the protocol number only, '!' not looked
 * at; without ports it is xt_udp in the kernel, bound to -p udp */
static const struct qt_port_match udp_ports = {
	.proto = IPPROTO_UDP,
	.needs_proto = "UDP match requires '-p udp'",
	.inv_off = offsetof(struct udp_data, invflags),
};

static int udp_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		     struct qt_ctx *ctx)
{
	return qt_port_match_check(&udp_ports, in, env, ctx);
}

static bool udp_is_noop(const struct qt_ext_inst *in)
{
	return qt_port_match_is_noop(&udp_ports, in);
}

static int udp_kcheck(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env)
{
	return qt_port_match_kcheck(&udp_ports, in, env);
}

static void udp_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct udp_data *d = in->data;
	qt_port_range_save(b, "sport", d->spts, d->invflags & INV_SRCPT);
	qt_port_range_save(b, "dport", d->dpts, d->invflags & INV_DSTPT);
}

static void udp_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct udp_data *d = in->data;
	qt_buf_puts(b, " udp");
	qt_port_range_print(b, "spt", d->spts, d->invflags & INV_SRCPT, "udp",
			    numeric);
	qt_port_range_print(b, "dpt", d->dpts, d->invflags & INV_DSTPT, "udp",
			    numeric);
}


/* ---- engine ----
 * With ports the rule is iptables-nft's native payload compare
 * (xtypes.h: never dropped; a whole header wanted).
 * Without, it is xt_udp (udp_mt), checked on the kernel: a non-first
 * fragment does not match (offset 1 included: no drop, unlike tcp), a
 * first fragment without its 8-byte header is dropped. */
static bool udp_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct udp_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (!p->l4)
		return false;    /* not a parsed IPv4 packet */
	if (!qt_port_match_bare(&udp_ports, d))
		return xt_nft_ports_match(p, d->spts, d->invflags & INV_SRCPT,
					  d->dpts, d->invflags & INV_DSTPT);
	if (p->frag_off)
		return false;
	if (p->l4_len < 8) {
		ev->hotdrop = true;
		return false;
	}
	return true;
}

static void udp_classify(const struct qt_ext_inst *in, struct qt_class_key *k)
{
	const struct udp_data *d = in->data;
	xt_class_ports(k, (in->seen & (1u << O_SPORT)) && !(d->invflags & INV_SRCPT),
		       d->spts,
		       (in->seen & (1u << O_DPORT)) && !(d->invflags & INV_DSTPT),
		       d->dpts);
}

static const struct qt_ext udp_match = {
	.name = "udp",
	.kind = QT_EXT_MATCH,
	.proto = IPPROTO_UDP,
	.data_size = sizeof(struct udp_data),
	.opts = udp_opts,
	.init = udp_init,
	.check = udp_check,
	.is_noop = udp_is_noop,
	.kcheck = udp_kcheck,
	.save = udp_save,
	.print = udp_print,
	.match = udp_match_pkt,
	.classify = udp_classify,
	.help =
		"[!] --source-port port[:port]\n"
		" --sport ...\n"
		"\t\t\t\tmatch source port(s)\n"
		"[!] --destination-port port[:port]\n"
		" --dport ...\n"
		"\t\t\t\tmatch destination port(s)\n",
};
QT_EXT_REGISTER(udp_match)
