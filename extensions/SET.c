/* -j SET --add-set NAME FLAGS / --del-set NAME FLAGS: put the packet's
 * address (port, ...) into a set made with ipset(8), or take it out
 * (the kernel's xt_SET, revision 3). Facts of iptables-nft 1.8.9 with
 * ipset 7.17:
 *  - at least one of --add-set, --del-set (--map-set is refused:
 *    qtables keeps no skb info in its sets); each takes NAME and FLAGS
 *    as -m set's --match-set does, the set must exist ("Set NAME
 *    doesn't exist.");
 *  - --exist: an element already there has its timeout set again;
 *    --timeout N: the added element's timeout (else the set's);
 *  - save, -S: " --add-set NAME FLAGS --del-set NAME FLAGS --exist
 *    --timeout N"; -L the same words without dashes;
 *  - each set named counts as a reference (ipset list); the target
 *    goes on with the next rule. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "ext.h"
#include "set_packet.h"
#include "set_store.h"


struct set_ref {
	char name[QT_SET_NAME_MAX];
	uint8_t dims, src;
};

struct SET_data {
	struct set_ref add;          /* first: the daemon finds users by it */
	struct set_ref del;          /* (its name right after) */
	uint8_t exist;
	uint8_t has_timeout;
	uint32_t timeout;
};

/* daemon/set_view.c counts the rules naming a set by these places */
_Static_assert(offsetof(struct SET_data, del) == QT_SET_NAME_MAX + 2,
	       "the del set's name follows the add set's name and flags");

enum { O_ADD, O_DEL, O_MAP, O_EXIST, O_TIMEOUT, O_MAP_MARK, O_MAP_PRIO,
       O_MAP_QUEUE };

static const struct qt_ext_opt SET_opts[] = {
	{ .name = "add-set", .id = O_ADD, .type = QT_OT_RAW,
	  .arg = QT_ARG_REQ2 },
	{ .name = "del-set", .id = O_DEL, .type = QT_OT_RAW,
	  .arg = QT_ARG_REQ2 },
	{ .name = "map-set", .id = O_MAP, .type = QT_OT_RAW,
	  .arg = QT_ARG_REQ2 },
	{ .name = "exist", .id = O_EXIST, .type = QT_OT_NONE, .value = 1,
	  QT_PUT(struct SET_data, exist) },
	{ .name = "timeout", .id = O_TIMEOUT, .type = QT_OT_UINT,
	  .max = QT_SET_TIMEOUT_MAX, QT_PUT(struct SET_data, timeout) },
	/* --map-set's flags: known, so that they are refused with a
	 * reason and not as unknown options */
	{ .name = "map-mark", .id = O_MAP_MARK, .type = QT_OT_NONE },
	{ .name = "map-prio", .id = O_MAP_PRIO, .type = QT_OT_NONE },
	{ .name = "map-queue", .id = O_MAP_QUEUE, .type = QT_OT_NONE },
	{ .name = NULL },
};

static int parse_ref(struct set_ref *r, const struct qt_opt_arg *a,
		     uint8_t family, struct qt_ctx *ctx)
{
	return qt_set_ref_parse(a, r->name, &r->dims, &r->src, family, ctx);
}

static int SET_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct SET_data *d = in->data;
	switch (a->opt->id) {
	case O_ADD:
		return parse_ref(&d->add, a, in->family, ctx);
	case O_DEL:
		return parse_ref(&d->del, a, in->family, ctx);
	case O_MAP:
		return qt_param_error(ctx, "You must specify flags `--map-mark' "
				      "or '--map-prio` or `--map-queue'");
	case O_TIMEOUT:
		d->has_timeout = 1;
		return 0;
	case O_MAP_MARK:
	case O_MAP_PRIO:
	case O_MAP_QUEUE:
		return qt_param_error(ctx, "--%s: qtables' sets keep no mark, "
				      "priority or queue to map (--map-set "
				      "is not supported)", a->opt->name);
	}
	return 0;
}

static int SET_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		     struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & (QT_BIT(O_ADD) | QT_BIT(O_DEL))))
		return qt_param_error(ctx, "You must specify either "
				      "`--add-set' or `--del-set' or "
				      "`--map-set'");
	return 0;
}

static void put_ref(struct qt_buf *b, const char *pre, const char *word,
		    const struct set_ref *r)
{
	qt_buf_printf(b, " %s%s %s ", pre, word, r->name);
	for (unsigned i = 0; i < r->dims; i++)
		qt_buf_printf(b, "%s%s", i ? "," : "",
			      r->src & (1u << i) ? "src" : "dst");
}

static void put_all(const struct qt_ext_inst *in, struct qt_buf *b,
		    const char *pre)
{
	const struct SET_data *d = in->data;
	if (d->add.name[0])
		put_ref(b, pre, "add-set", &d->add);
	if (d->del.name[0])
		put_ref(b, pre, "del-set", &d->del);
	if (d->exist)
		qt_buf_printf(b, " %sexist", pre);
	if (d->has_timeout)
		qt_buf_printf(b, " %stimeout %u", pre, d->timeout);
}

static void SET_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	put_all(in, b, "--");
}

static void SET_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	(void)numeric;
	put_all(in, b, "");
}

/* ---- engine: references to both sets ---- */

struct SET_state {
	struct qt_set *add, *del;
};

static void SET_state_free(void *state)
{
	struct SET_state *st = state;
	if (!st)
		return;
	if (st->add)
		qt_set_put(st->add);
	if (st->del)
		qt_set_put(st->del);
	free(st);
}

static int SET_state_new(const struct qt_ext_inst *in,
			 const struct qt_engine_env *env, void **state)
{
	const struct SET_data *d = in->data;
	(void)env;
	struct SET_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -1;
	if (d->add.name[0]) {
		st->add = qt_sets_find(d->add.name);
		if (st->add)
			qt_set_get(st->add);
	}
	if (d->del.name[0]) {
		st->del = qt_sets_find(d->del.name);
		if (st->del)
			qt_set_get(st->del);
	}
	if ((d->add.name[0] && !st->add) || (d->del.name[0] && !st->del)) {
		SET_state_free(st);
		return -1;
	}
	*state = st;
	return 0;
}

/* The packet path: one element added or deleted under the set's lock,
 * into a slot allocated when the set was made (no allocation here). */
static int SET_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct SET_data *d = in->data;
	struct SET_state *st = qt_ext_state(in);
	struct qt_set_key k;
	uint64_t now = ev->now_ns / 1000000u;
	if (!st)
		return QT_XT_CONTINUE;
	if (st->add && qt_set_packet_key(st->add, d->add.dims, d->add.src,
					 &ev->pkt, &k)) {
		struct qt_set_elem_opts eo = {
			.has_timeout = d->has_timeout != 0,
			.timeout = d->timeout,
		};
		qt_set_add(st->add, &k, &eo, d->exist != 0, now);
	}
	if (st->del && qt_set_packet_key(st->del, d->del.dims, d->del.src,
					 &ev->pkt, &k))
		qt_set_del(st->del, &k, now);
	return QT_XT_CONTINUE;
}

static const struct qt_ext SET_target = {
	.name = "SET",
	.kind = QT_EXT_TARGET,
	.family = 0,
	.data_size = sizeof(struct SET_data),
	.opts = SET_opts,
	.parse = SET_parse,
	.check = SET_check,
	.save = SET_save,
	.print = SET_print,
	.target = SET_target_fn,
	.state_new = SET_state_new,
	.state_free = SET_state_free,
	.help = " --add-set name flags [--exist] [--timeout n]\n"
		" --del-set name flags\n"
		" --map-set name flags [--map-mark] [--map-prio] [--map-queue]\n"
		"\t\tadd/del src/dst IP/port from/to named sets,\n"
		"\t\twhere flags are the comma separated list of\n"
		"\t\t'src' and 'dst' specifications.\n",
};
QT_EXT_REGISTER(SET_target)
