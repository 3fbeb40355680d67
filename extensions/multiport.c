/* -m multiport: up to 15 ports (a range counts two) for source,
 * destination or either. iptables 1.8.9 writes revision 1 (ranges), checks
 * -p while parsing (it needs the protocol to look service names up), and
 * so wants -p before the multiport option. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "ext.h"
#include "model.h"
#include "proto_names.h"

#define MULTI_PORTS 15

enum mp_flags { MP_SOURCE = 1, MP_DESTINATION, MP_EITHER };

struct multiport_data {
	uint8_t flags;             /* enum mp_flags */
	uint8_t count;             /* entries used in ports[] */
	uint8_t invert;
	uint8_t proto;             /* the rule's -p, for -L's service names */
	uint16_t ports[MULTI_PORTS];
	uint8_t pflags[MULTI_PORTS]; /* 1: ports[i]..ports[i+1] is a range */
	uint8_t pad;
};

enum { O_SOURCE, O_DEST, O_BOTH };

static const struct qt_ext_opt multiport_opts[] = {
	/* repeats and combinations are checked here: iptables' messages
	 * name the long option whichever alias was typed */
	{ .name = "source-ports", .id = O_SOURCE, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "sports", .id = O_SOURCE, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "destination-ports", .id = O_DEST, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "dports", .id = O_DEST, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = "ports", .id = O_BOTH, .type = QT_OT_RAW, .flags = QT_OPT_INVERT | QT_OPT_MULTI },
	{ .name = NULL },
};

static const char *const long_names[] = {
	[O_SOURCE] = "source-ports",
	[O_DEST] = "destination-ports",
	[O_BOTH] = "ports",
};

/* The protocols multiport works with, by the name services use. */
static const char *proto_name(uint16_t proto)
{
	return proto < 256 ? qt_proto_port_name((uint8_t)proto) : NULL;
}

static int parse_port(const char *s, const char *proto, uint16_t *out,
		      struct qt_ctx *ctx)
{
	int v = qt_port_parse(s, proto);
	if (v < 0)
		return qt_param_error(ctx, "invalid port/service `%s' specified", s);
	*out = (uint16_t)v;
	return 0;
}

/* "p[,a:b]...": each range takes two slots; a range must have a < b. */
static int parse_list(const char *arg, const char *proto,
		      struct multiport_data *d, struct qt_ctx *ctx)
{
	char *buf = strdup(arg);
	if (!buf)
		abort();
	char *item = buf;
	unsigned i = 0;
	int rc = -1;
	for (; item && i < MULTI_PORTS; i++) {
		char *next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		char *hi = strchr(item, ':');
		if (hi) {
			if (i == MULTI_PORTS - 1) {
				qt_param_error(ctx, "too many ports specified");
				goto out;
			}
			*hi++ = '\0';
		}
		if (parse_port(item, proto, &d->ports[i], ctx))
			goto out;
		if (hi) {
			d->pflags[i] = 1;
			i++;
			if (parse_port(hi, proto, &d->ports[i], ctx))
				goto out;
			if (d->ports[i - 1] >= d->ports[i]) {
				qt_param_error(ctx, "invalid portrange specified");
				goto out;
			}
		}
		item = next;
	}
	if (item) {
		qt_param_error(ctx, "too many ports specified");
		goto out;
	}
	d->count = (uint8_t)i;
	rc = 0;
out:
	free(buf);
	return rc;
}

static int multiport_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			   struct qt_ctx *ctx)
{
	struct multiport_data *d = in->data;
	int id = a->opt->id;
	const struct qt_rule *r = a->rule;

	if (in->seen & (1u << id))
		return qt_param_error(ctx,
			"multiport: option \"--%s\" can only be used once.\n",
			long_names[id]);
	if (!r->proto)
		return qt_param_error(ctx,
			"multiport needs `-p tcp', `-p udp', `-p udplite', "
			"`-p sctp' or `-p dccp'");
	const char *proto = proto_name(r->proto);
	if (!proto || (r->invflags & QT_INV_PROTO))
		return qt_param_error(ctx,
			"multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP");
	if (parse_list(a->arg, proto, d, ctx))
		return -1;
	d->flags = id == O_SOURCE ? MP_SOURCE
		 : id == O_DEST ? MP_DESTINATION : MP_EITHER;
	d->invert = a->invert;
	return 0;
}

static int multiport_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			   struct qt_ctx *ctx)
{
	struct multiport_data *d = in->data;
	if (!in->seen)
		return qt_param_error(ctx, "multiport expection an option");
	/* iptables checks exclusions after parsing, in its table order */
	for (int id = O_SOURCE; id <= O_BOTH; id++) {
		if (!(in->seen & (1u << id)))
			continue;
		for (int other = O_SOURCE; other <= O_BOTH; other++)
			if (other != id && (in->seen & (1u << other)))
				return qt_param_error(ctx,
					"multiport: option \"--%s\" cannot be used "
					"together with \"--%s\".\n",
					long_names[id], long_names[other]);
	}
	d->proto = (uint8_t)env->rule->proto;
	return 0;
}

static void put_ports(const struct multiport_data *d, struct qt_buf *b,
		      bool numeric)
{
	const char *proto = proto_name(d->proto);
	for (unsigned i = 0; i < d->count; i++) {
		if (i)
			qt_buf_putc(b, ',');
		if (numeric || !proto)
			qt_buf_printf(b, "%u", d->ports[i]);
		else
			qt_port_print(b, d->ports[i], proto, false);
		if (d->pflags[i]) {
			i++;
			qt_buf_putc(b, ':');
			if (numeric || !proto)
				qt_buf_printf(b, "%u", d->ports[i]);
			else
				qt_port_print(b, d->ports[i], proto, false);
		}
	}
}

static void multiport_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct multiport_data *d = in->data;
	static const char *const opt[] = {
		[MP_SOURCE] = "sports", [MP_DESTINATION] = "dports",
		[MP_EITHER] = "ports",
	};
	if (d->flags < MP_SOURCE || d->flags > MP_EITHER)
		return;
	qt_buf_printf(b, "%s --%s ", d->invert ? " !" : "", opt[d->flags]);
	put_ports(d, b, true);
}

static void multiport_print(const struct qt_ext_inst *in, struct qt_buf *b,
			    bool numeric)
{
	const struct multiport_data *d = in->data;
	static const char *const what[] = {
		[MP_SOURCE] = "sports", [MP_DESTINATION] = "dports",
		[MP_EITHER] = "ports",
	};
	qt_buf_puts(b, " multiport ");
	if (d->flags >= MP_SOURCE && d->flags <= MP_EITHER)
		qt_buf_printf(b, "%s ", what[d->flags]);
	if (d->invert)
		qt_buf_puts(b, " !");
	put_ports(d, b, numeric);
}


/* ---- engine: xt_multiport revision 1 (multiport_mt) ----
 * A non-first fragment does not match; a first fragment without the
 * four port bytes is dropped. The list is walked in order, a range
 * taking two slots; the first hit decides. */
static bool multiport_match_pkt(const struct qt_ext_inst *in,
				struct qt_eval *ev)
{
	const struct multiport_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (!p->l4 || p->frag_off)
		return false;
	if (p->l4_len < 4) {
		ev->hotdrop = true;
		return false;
	}
	uint16_t src = (uint16_t)(p->l4[0] << 8 | p->l4[1]);
	uint16_t dst = (uint16_t)(p->l4[2] << 8 | p->l4[3]);
	for (unsigned i = 0; i < d->count && i < MULTI_PORTS; i++) {
		uint16_t lo = d->ports[i], hi = lo;
		if (d->pflags[i] && i + 1 < MULTI_PORTS)
			hi = d->ports[++i];
		bool s = src >= lo && src <= hi;
		bool t = dst >= lo && dst <= hi;
		if ((d->flags == MP_SOURCE && s) ||
		    (d->flags == MP_DESTINATION && t) ||
		    (d->flags == MP_EITHER && (s || t)))
			return !d->invert;
	}
	return d->invert;
}

static const struct qt_ext multiport_match = {
	.name = "multiport",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct multiport_data),
	.opts = multiport_opts,
	.parse = multiport_parse,
	.check = multiport_check,
	.save = multiport_save,
	.print = multiport_print,
	.match = multiport_match_pkt,
	.help =
		"[!] --source-ports port[,port:port,port...]\n"
		" --sports ...\n"
		"\t\t\t\tmatch source port(s)\n"
		"[!] --destination-ports port[,port:port,port...]\n"
		" --dports ...\n"
		"\t\t\t\tmatch destination port(s)\n"
		"[!] --ports port[,port:port,port]\n"
		"\t\t\t\tmatch both source and destination port(s)\n",
};
QT_EXT_REGISTER(multiport_match)
