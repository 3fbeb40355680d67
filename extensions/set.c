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

#define MAX_DIMS 6   /* IPSET_DIM_MAX */

struct set_data {
	char name[QT_SET_NAME_MAX];  /* first: the daemon finds users by it */
	uint8_t dims;                /* words of FLAGS */
	uint8_t src;                 /* bit per dimension: src */
	uint8_t invert;
};

enum { O_MATCH_SET };

static const struct qt_ext_opt set_opts[] = {
	{ .name = "match-set", .id = O_MATCH_SET, .type = QT_OT_RAW,
	  .arg = QT_ARG_REQ2, .flags = QT_OPT_MAND | QT_OPT_INVERT },
	{ .name = NULL },
};

static int set_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct set_data *d = in->data;
	if (!a->arg2)
		return qt_param_error(ctx, "--match-set requires two args.");
	if (strlen(a->arg) > QT_SET_NAME_MAX - 1)
		return qt_param_error(ctx, "setname `%s' too long, max %d "
				      "characters.", a->arg,
				      QT_SET_NAME_MAX - 1);
	if (qt_sets_known() && !qt_sets_find(a->arg))
		return qt_param_error(ctx, "Set %s doesn't exist.\n", a->arg);
	strcpy(d->name, a->arg);
	d->dims = 0;
	d->src = 0;
	const char *p = a->arg2;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (d->dims == MAX_DIMS)
			return qt_param_error(ctx, "Can't be more src/dst "
					      "options than %i.", MAX_DIMS);
		if (n == 3 && !strncmp(p, "src", 3))
			d->src |= (uint8_t)(1u << d->dims);
		else if (!(n == 3 && !strncmp(p, "dst", 3)))
			return qt_param_error(ctx, "You must spefify "
					      "(the comma separated list of) "
					      "'src' or 'dst'.");
		d->dims++;
		if (!p[n])
			break;
		p += n + 1;
	}
	d->invert = a->invert;
	return 0;
}

static void put_flags(const struct set_data *d, struct qt_buf *b)
{
	for (unsigned i = 0; i < d->dims; i++)
		qt_buf_printf(b, "%s%s", i ? "," : "",
			      d->src & (1u << i) ? "src" : "dst");
}

static void set_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct set_data *d = in->data;
	qt_buf_printf(b, "%s --match-set %s ", d->invert ? " !" : "",
		      d->name);
	put_flags(d, b);
}

static void set_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct set_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " %smatch-set %s ", d->invert ? "! " : "", d->name);
	put_flags(d, b);
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
	bool hit = false;
	/* a rule asking fewer dimensions than the set has cannot match */
	if (s && qt_set_packet_key(s, d->dims, d->src, &ev->pkt, &k))
		hit = qt_set_lookup(s, &k, ev->now_ns / 1000000u,
				    s->o.counters, ev->orig_len, NULL, NULL);
	return hit != (d->invert != 0);
}

static const struct qt_ext set_match = {
	.name = "set",
	.kind = QT_EXT_MATCH,
	.family = AF_INET,
	.data_size = sizeof(struct set_data),
	.opts = set_opts,
	.parse = set_parse,
	.save = set_save,
	.print = set_print,
	.match = set_match_fn,
	.state_new = set_state_new,
	.state_free = set_state_free,
	.help = " [!] --match-set name flags [--exist] [--timeout n]\n"
		"\t\t [--packets-eq value | --packets-lt value | --packets-gt value\n"
		"\t\t [--bytes-eq value | --bytes-lt value | --bytes-gt value\n"
		"\t\t [--return-nomatch] [--update-counters] [--update-subcounters]\n"
		"\t\t 'name' is the set name from to match,\n"
		"\t\t 'flags' are the comma separated list of\n"
		"\t\t 'src' and 'dst' specifications.\n",
};
QT_EXT_REGISTER(set_match)
