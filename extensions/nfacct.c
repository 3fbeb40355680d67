/* -m nfacct --nfacct-name NAME: count the packet into an extended
 * accounting object (the kernel's xt_nfacct, nfnetlink_acct), made
 * beforehand with nfacct(8) (`nfacct add NAME`, qtables' nfacct
 * program; kube-proxy counts its drops so). Facts of iptables-nft
 * 1.8.9 and Linux 6.18:
 *  - the option is mandatory, once, not inverted; a name is cut to 31
 *    bytes (the kernel's NFACCT_NAME_MAX) and may not be empty;
 *  - the object must exist when the rule is added, else "RULE_APPEND
 *    failed (No such file or directory)" and exit 4; an object that
 *    rules count into cannot be deleted (EBUSY);
 *  - save and -S print "--nfacct-name  NAME" and -L "nfacct-name  NAME"
 *    with two blanks (libxt_nfacct's own blank, then that of
 *    xtables_save_string, which also quotes);
 *  - every rule that reaches the match counts the packet (skb->len) into
 *    the object; the match matches unless the object has a quota not
 *    yet passed (nfnl_acct_overquota: counting stays on after it). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acct_cells.h"
#include "eval.h"
#include "ext.h"
#include "model.h"
#include "quote.h"

struct nfacct_data {
	char name[QT_ACCT_NAME_MAX];  /* first: model.c finds users by it */
};

enum { O_NAME };

static const struct qt_ext_opt nfacct_opts[] = {
	{ .name = "nfacct-name", .id = O_NAME, .type = QT_OT_STRING,
	  .flags = QT_OPT_MAND, .min = 1, QT_PUT(struct nfacct_data, name) },
	{ .name = NULL },
};

/* nfacct_mt_checkentry: the object is looked up by name. */
static int nfacct_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	const struct nfacct_data *d = in->data;
	if (env->ruleset && !qt_ruleset_acct_find(env->ruleset, d->name))
		return ENOENT;
	return 0;
}

static void nfacct_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct nfacct_data *d = in->data;
	qt_buf_puts(b, " --nfacct-name ");
	qt_save_string(b, d->name);
}

static void nfacct_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct nfacct_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " nfacct-name ");
	qt_save_string(b, d->name);
}

/* ---- engine: the rule holds a reference to its object's cell ---- */

static int nfacct_state_new(const struct qt_ext_inst *in,
			    const struct qt_engine_env *env, void **state)
{
	const struct nfacct_data *d = in->data;
	(void)env;
	struct qt_acct_cell *c = qt_acct_get(d->name);
	if (!c)
		return -1;
	*state = c;
	return 0;
}

static void nfacct_state_free(void *state)
{
	qt_acct_put(state);
}

/* The handover carries the object's counters with each rule counting
 * into it (each rule the same values: loading twice changes nothing). */
static void nfacct_state_save(const void *state, struct qt_buf *b)
{
	struct qt_acct_cell *c = (struct qt_acct_cell *)state;
	uint64_t v[3];
	bool over;
	if (!c)
		return;
	qt_acct_read(c, false, &v[0], &v[1], &over);
	v[2] = over;
	qt_buf_put(b, (const char *)v, sizeof(v));
}

static int nfacct_state_load(void *state, const void *p, size_t len)
{
	struct qt_acct_cell *c = state;
	uint64_t v[3];
	if (!c || len != sizeof(v))
		return -1;
	memcpy(v, p, sizeof(v));
	atomic_store(&c->pkts, v[0]);
	atomic_store(&c->bytes, v[1]);
	atomic_store(&c->overquota, v[2] != 0);
	return 0;
}

static bool nfacct_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	struct qt_acct_cell *c = qt_ext_state(in);
	if (!c)
		return true;
	return qt_acct_count(c, ev->orig_len);
}

static const struct qt_ext nfacct_match = {
	.name = "nfacct",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct nfacct_data),
	.opts = nfacct_opts,
	.kcheck = nfacct_kcheck,
	.save = nfacct_save,
	.print = nfacct_print,
	.match = nfacct_match_fn,
	.state_new = nfacct_state_new,
	.state_free = nfacct_state_free,
	.state_save = nfacct_state_save,
	.state_load = nfacct_state_load,
	.help = " --nfacct-name STRING\t\tName of accouting area\n",
};
QT_EXT_REGISTER(nfacct_match)
