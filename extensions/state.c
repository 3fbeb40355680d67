/* -m state --state LIST: the connection tracking state of the packet.
 * States are kept as the kernel's xt_state bits; iptables prints them in
 * its own fixed order (INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED), which
 * is not the bit order. Messages are iptables-nft 1.8.9's. */
#include <string.h>

#include "ct_entry.h"
#include "xtypes.h"

/* The kernel's XT_STATE_* bits (1 << (ctinfo + 1), INVALID bit 0). */
#define ST_INVALID     0x01
#define ST_ESTABLISHED 0x02
#define ST_RELATED     0x04
#define ST_NEW         0x08
#define ST_UNTRACKED   0x40

struct state_data {
	uint32_t statemask;    /* ST_* */
	uint8_t invert;
	uint8_t pad[3];
};

enum { O_STATE };

static const struct qt_ext_opt state_opts[] = {
	{ .name = "state", .id = O_STATE, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND,
	  QT_INV(struct state_data, invert, 1) },
	{ .name = NULL },
};

/* Names in the order iptables prints them. */
static const struct {
	const char *name;
	uint32_t bit;
} state_names[] = {
	{ "INVALID", ST_INVALID }, { "NEW", ST_NEW },
	{ "RELATED", ST_RELATED }, { "ESTABLISHED", ST_ESTABLISHED },
	{ "UNTRACKED", ST_UNTRACKED },
};
#define NSTATES (sizeof(state_names) / sizeof(state_names[0]))

static bool one_state(const char *s, size_t len, uint32_t *mask)
{
	for (size_t i = 0; i < NSTATES; i++)
		if (xt_item_is(s, len, state_names[i].name)) {
			*mask |= state_names[i].bit;
			return true;
		}
	return false;
}

static int state_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	struct state_data *d = in->data;
	const char *s = a->arg, *comma;
	uint32_t mask = 0;

	/* a bad item is quoted with everything after it */
	while ((comma = strchr(s, ',')) != NULL) {
		if (comma == s || !one_state(s, (size_t)(comma - s), &mask))
			return qt_param_error(ctx, "Bad state \"%s\"", s);
		s = comma + 1;
	}
	if (*s == '\0')
		return qt_param_error(ctx,
			"\"--state\" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED");
	if (!one_state(s, strlen(s), &mask))
		return qt_param_error(ctx, "Bad state \"%s\"", s);
	d->statemask = mask;
	return 0;
}

static void put_states(struct qt_buf *b, uint32_t mask)
{
	bool first = true;
	for (size_t i = 0; i < NSTATES; i++)
		if (mask & state_names[i].bit) {
			qt_buf_puts(b, first ? " " : ",");
			qt_buf_puts(b, state_names[i].name);
			first = false;
		}
}

static void state_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct state_data *d = in->data;
	qt_buf_puts(b, d->invert ? " ! --state" : " --state");
	put_states(b, d->statemask);
}

static void state_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct state_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, d->invert ? " ! state" : " state");
	put_states(b, d->statemask);
}

/* xt_state: the packet's state bit against the mask; '!' was folded in
 * by iptables (the kernel sees the complement), the same thing. */
static bool state_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct state_data *d = in->data;
	enum qt_ct_state s = qt_ctv_state(ev);
	uint32_t bit = s == QT_CT_UNTRACKED ? ST_UNTRACKED
		     : s == QT_CT_INVALID ? ST_INVALID : qt_ctv_statebit(s);
	return ((d->statemask & bit) != 0) != (d->invert != 0);
}

static const struct qt_ext state_match = {
	.name = "state",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct state_data),
	.opts = state_opts,
	.parse = state_parse,
	.save = state_save,
	.print = state_print,
	.match = state_match_fn,
	.conntrack = true,
	.help =
		" [!] --state [INVALID|ESTABLISHED|NEW|RELATED|UNTRACKED][,...]\n"
		"\t\t\t\tState(s) to match\n",
};
QT_EXT_REGISTER(state_match)
