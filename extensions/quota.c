/* -m quota: match while the rule's byte quota lasts, as the kernel's
 * xt_quota does. Each packet that fits takes its length (skb->len, the
 * IP packet) from what is left and matches; the first packet that does
 * not fit empties the quota, so no packet matches after it, however
 * small ('!' turns this around). The rules keep the quota given: -L,
 * -S and save print it, never what is left (iptables-nft reads back the
 * rule's data, while the kernel counts in a state of its own). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "ext.h"

#define QUOTA_INVERT 0x1

struct quota_data {
	uint64_t quota;            /* bytes */
	uint32_t flags;            /* QUOTA_INVERT */
	uint32_t pad;
};

enum { O_QUOTA };

static const struct qt_ext_opt quota_opts[] = {
	{ .name = "quota", .id = O_QUOTA, .type = QT_OT_UINT,
	  .flags = QT_OPT_MAND | QT_OPT_INVERT,
	  QT_PUT(struct quota_data, quota),
	  QT_INV(struct quota_data, flags, QUOTA_INVERT) },
	{ .name = NULL },
};

static void quota_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct quota_data *d = in->data;
	qt_buf_printf(b, "%s --quota %ju", d->flags & QUOTA_INVERT ? " !" : "",
		      (uintmax_t)d->quota);
}

/* iptables' -L shows no '!' for quota */
static void quota_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct quota_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " quota: %ju bytes", (uintmax_t)d->quota);
}

/* ---- engine ----
 * What is left of the quota is the rule's state, shared by every queue
 * thread and taken with compare-and-swap (the kernel takes a lock for
 * the same step): a packet either fits and takes its bytes, or empties
 * it. It carries over commits that keep the rule and goes to the next
 * daemon with the handover. */
struct quota_state {
	_Alignas(64) _Atomic uint64_t left;
	uint64_t quota;         /* the rule's, so that a handed-over state
	                           cannot land on a rule with another */
};

static int quota_state_new(const struct qt_ext_inst *in,
			   const struct qt_engine_env *env, void **state)
{
	const struct quota_data *d = in->data;
	struct quota_state *s;
	(void)env;
	s = aligned_alloc(_Alignof(struct quota_state), sizeof(*s));
	if (!s)
		return -1;
	atomic_init(&s->left, d->quota);
	s->quota = d->quota;
	*state = s;
	return 0;
}

static void quota_state_free(void *state)
{
	free(state);
}

/* What is left, and the quota it was left of. */
static void quota_state_save(const void *state, struct qt_buf *b)
{
	const struct quota_state *s = state;
	uint64_t v[2];
	if (!s)
		return;
	v[0] = atomic_load_explicit(&s->left, memory_order_relaxed);
	v[1] = s->quota;
	qt_buf_put(b, (const char *)v, sizeof(v));
}

static int quota_state_load(void *state, const void *p, size_t len)
{
	struct quota_state *s = state;
	uint64_t v[2];
	if (!s || len != sizeof(v))
		return -1;
	memcpy(v, p, sizeof(v));
	if (v[1] != s->quota || v[0] > s->quota)
		return -1;
	atomic_store_explicit(&s->left, v[0], memory_order_relaxed);
	return 0;
}

static bool quota_take(struct quota_state *s, uint64_t len)
{
	uint64_t old = atomic_load_explicit(&s->left, memory_order_relaxed);
	uint64_t next;
	bool fits;
	do {
		fits = old >= len;
		next = fits ? old - len : 0;
		if (next == old)
			break;  /* empty already: nothing to write */
	} while (!atomic_compare_exchange_weak_explicit(&s->left, &old, next,
			memory_order_relaxed, memory_order_relaxed));
	return fits;
}

static bool quota_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct quota_data *d = in->data;
	struct quota_state *s = qt_ext_state(in);
	if (!s)
		return false;
	return quota_take(s, ev->orig_len) != !!(d->flags & QUOTA_INVERT);
}

static const struct qt_ext quota_match = {
	.name = "quota",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct quota_data),
	.opts = quota_opts,
	.save = quota_save,
	.print = quota_print,
	.match = quota_match_fn,
	.state_new = quota_state_new,
	.state_free = quota_state_free,
	.state_save = quota_state_save,
	.state_load = quota_state_load,
	.help = "[!] --quota quota\t\tquota (bytes)\n",
};
QT_EXT_REGISTER(quota_match)
