/* -m set --match-set NAME FLAGS: is the packet's address (port, ...)
 * in a set made with ipset(8) (sets/set_store.h)? Facts of iptables-nft
 * 1.8.9 with ipset 7.17 (libxt_set revision 4):
 *  - FLAGS is "src" or "dst" per dimension, comma-separated, at most
 *    six; a missing FLAGS word is "--match-set requires two args.";
 *  - the set must exist when the rule is parsed: "Set NAME doesn't
 *    exist." and a blank line, exit 2;
 *  - save, -S: " --match-set NAME FLAGS" ('!' before it); -L:
 *    " match-set NAME FLAGS" ("! match-set" inverted);
 *  - dimensions beyond the set's own are ignored; a packet without
 *    ports does not match a set with a port dimension;
 *  - the matching element counts the packet (the kernel's default
 *    --update-counters). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "eval.h"
#include "ext.h"
#include "set_packet.h"
#include "set_store.h"


struct set_data {
	char name[QT_SET_NAME_MAX];  /* first: the daemon finds users by it */
	uint8_t dims;                /* words of FLAGS */
	uint8_t src;                 /* bit per dimension: src */
	uint8_t invert;
	uint8_t return_nomatch;      /* a nomatch element matches, a plain
	                                one does not (types with networks) */
	uint8_t no_update;           /* ! --update-counters */
	uint8_t no_subupdate;        /* ! --update-subcounters (kept) */
	struct qt_set_cond cond;     /* --packets-*, --bytes-* */
};

enum { O_MATCH_SET, O_NOMATCH, O_UPDATE, O_SUBUPDATE, O_PKT_EQ, O_PKT_LT,
       O_PKT_GT, O_BYTES_EQ, O_BYTES_LT, O_BYTES_GT };

#define PKT_OPS (QT_BIT(O_PKT_EQ) | QT_BIT(O_PKT_LT) | QT_BIT(O_PKT_GT))
#define BYTES_OPS (QT_BIT(O_BYTES_EQ) | QT_BIT(O_BYTES_LT) | QT_BIT(O_BYTES_GT))

static const struct qt_ext_opt set_opts[] = {
	{ .name = "match-set", .id = O_MATCH_SET, .type = QT_OT_RAW,
	  .arg = QT_ARG_REQ2, .flags = QT_OPT_MAND | QT_OPT_INVERT },
	{ .name = "return-nomatch", .id = O_NOMATCH, .type = QT_OT_NONE,
	  .flags = QT_OPT_INVERT,
	  .value = 1, QT_PUT(struct set_data, return_nomatch) },
	{ .name = "update-counters", .id = O_UPDATE, .type = QT_OT_NONE,
	  .flags = QT_OPT_INVERT },
	{ .name = "update-subcounters", .id = O_SUBUPDATE, .type = QT_OT_NONE,
	  .flags = QT_OPT_INVERT },
	{ .name = "packets-eq", .id = O_PKT_EQ, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(struct set_data, cond.packets) },
	{ .name = "packets-lt", .flags = QT_OPT_INVERT, .id = O_PKT_LT, .type = QT_OT_UINT,
	  QT_PUT(struct set_data, cond.packets) },
	{ .name = "packets-gt", .flags = QT_OPT_INVERT, .id = O_PKT_GT, .type = QT_OT_UINT,
	  QT_PUT(struct set_data, cond.packets) },
	{ .name = "bytes-eq", .id = O_BYTES_EQ, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(struct set_data, cond.bytes) },
	{ .name = "bytes-lt", .flags = QT_OPT_INVERT, .id = O_BYTES_LT, .type = QT_OT_UINT,
	  QT_PUT(struct set_data, cond.bytes) },
	{ .name = "bytes-gt", .flags = QT_OPT_INVERT, .id = O_BYTES_GT, .type = QT_OT_UINT,
	  QT_PUT(struct set_data, cond.bytes) },
	{ .name = NULL },
};

/* The counter options: one of each kind; only -eq may be inverted. */
static int counter_opt(struct set_data *d, struct qt_ext_inst *in,
		       const struct qt_opt_arg *a, struct qt_ctx *ctx)
{
	int id = a->opt->id;
	bool pkts = id >= O_PKT_EQ && id <= O_PKT_GT;
	uint32_t before = in->seen & ~QT_BIT(id);
	if (before & (pkts ? PKT_OPS : BYTES_OPS))
		return qt_param_error(ctx, "only one of the --%s-[eq|lt|gt] is "
				      "allowed", pkts ? "packets" : "bytes");
	int k = pkts ? id - O_PKT_EQ : id - O_BYTES_EQ;
	if (a->invert && k != 0)
		return qt_param_error(ctx, "--%s option cannot be inverted",
				      a->opt->name);
	uint8_t op = k == 0 ? (a->invert ? QT_SET_CNT_NE : QT_SET_CNT_EQ)
			    : k == 1 ? QT_SET_CNT_LT : QT_SET_CNT_GT;
	if (pkts)
		d->cond.packets_op = op;
	else
		d->cond.bytes_op = op;
	return 0;
}

static int set_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct set_data *d = in->data;
	switch (a->opt->id) {
	case O_MATCH_SET:
		break;
	case O_UPDATE:
		d->no_update = a->invert;
		return 0;
	case O_SUBUPDATE:
		d->no_subupdate = a->invert;
		return 0;
	case O_NOMATCH:
		if (a->invert)
			return qt_param_error(ctx, "--return-nomatch flag cannot "
					      "be inverted");
		return 0;
	default:
		return counter_opt(d, in, a, ctx);
	}
	if (qt_set_ref_parse(a, d->name, &d->dims, &d->src, in->family, ctx))
		return -1;
	d->invert = a->invert;
	return 0;
}

static void put_flags(const struct set_data *d, struct qt_buf *b)
{
	for (unsigned i = 0; i < d->dims; i++)
		qt_buf_printf(b, "%s%s", i ? "," : "",
			      d->src & (1u << i) ? "src" : "dst");
}

static void put_cond(struct qt_buf *b, const char *pre, const char *what,
		     uint8_t op, uint64_t v)
{
	static const char *const ops[] = { "", "eq", "eq", "lt", "gt" };
	if (op == QT_SET_CNT_NONE)
		return;
	qt_buf_printf(b, " %s%s%s-%s %llu", op == QT_SET_CNT_NE ? "! " : "",
		      pre, what, ops[op], (unsigned long long)v);
}

/* The options after --match-set, in libxt_set's order; pre is "--" for
 * save, "" for -L. */
static void put_rest(const struct set_data *d, struct qt_buf *b,
		     const char *pre)
{
	if (d->return_nomatch)
		qt_buf_printf(b, " %sreturn-nomatch", pre);
	if (d->no_update)
		qt_buf_printf(b, " ! %supdate-counters", pre);
	if (d->no_subupdate)
		qt_buf_printf(b, " ! %supdate-subcounters", pre);
	put_cond(b, pre, "packets", d->cond.packets_op, d->cond.packets);
	put_cond(b, pre, "bytes", d->cond.bytes_op, d->cond.bytes);
}

static void set_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct set_data *d = in->data;
	qt_buf_printf(b, "%s --match-set %s ", d->invert ? " !" : "",
		      d->name);
	put_flags(d, b);
	put_rest(d, b, "--");
}

static void set_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct set_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " %smatch-set %s ", d->invert ? "! " : "", d->name);
	put_flags(d, b);
	put_rest(d, b, "");
}

/* ---- engine: the rule holds a reference to its set ---- */

static int set_state_new(const struct qt_ext_inst *in,
			 const struct qt_engine_env *env, void **state)
{
	const struct set_data *d = in->data;
	(void)env;
	struct qt_set *s = qt_sets_find(d->name);
	if (!s)
		return -1;
	qt_set_get(s);
	*state = s;
	return 0;
}

static void set_state_free(void *state)
{
	qt_set_put(state);
}

static bool set_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct set_data *d = in->data;
	struct qt_set *s = qt_ext_state(in);
	struct qt_set_key k;
	enum qt_set_result res = QT_SET_MISS;
	/* a rule asking fewer dimensions than the set has cannot match */
	if (s && qt_set_packet_key(s, d->dims, d->src, &ev->pkt, &k))
		res = qt_set_lookup(s, &k, ev->now_ns / 1000000u,
				    d->cond.packets_op || d->cond.bytes_op
				    ? &d->cond : NULL,
				    s->o.counters && !d->no_update,
				    ev->orig_len, NULL, NULL);
	/* the kernel's ip_set_test: --return-nomatch swaps what a found
	 * element means, in types that can hold nomatch */
	bool hit = res == QT_SET_HIT;
	if (d->return_nomatch && s && qt_set_type_has_net(s->type))
		hit = res == QT_SET_NOMATCH;
	return hit != (d->invert != 0);
}

static const struct qt_ext set_match = {
	.name = "set",
	.kind = QT_EXT_MATCH,
	.family = 0,
	.data_size = sizeof(struct set_data),
	.opts = set_opts,
	.parse = set_parse,
	.save = set_save,
	.print = set_print,
	.match = set_match_fn,
	.state_new = set_state_new,
	.state_free = set_state_free,
	.help = " [!] --match-set name flags [--return-nomatch]\n"
		"   [! --update-counters] [! --update-subcounters]\n"
		"   [[!] --packets-eq value | --packets-lt value | --packets-gt value\n"
		"   [[!] --bytes-eq value | --bytes-lt value | --bytes-gt value\n"
		"\t\t 'name' is the set name from to match,\n"
		"\t\t 'flags' are the comma separated list of\n"
		"\t\t 'src' and 'dst' specifications.\n",
};
QT_EXT_REGISTER(set_match)
