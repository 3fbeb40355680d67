/* -j CT: how the connection tracker treats the packet (raw table only).
 * Facts of iptables-nft 1.8.9 (libxt_CT revision 2, the kernel's xt_CT):
 * --zone, --zone-orig and --zone-reply share one zone id (the last value
 * wins; the direction bits add up, both meaning no direction); with
 * --notrack the kernel checks nothing else; otherwise a helper or timeout
 * policy must exist, and in qtables' kernel none does (as in a fresh
 * namespace: ENOENT for a helper, EINVAL for a timeout). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conntrack_entry.h"
#include "eval.h"
#include "ext.h"
#include "model.h"

/* The kernel's XT_CT_* flags. */
#define CT_NOTRACK       0x01
#define CT_ZONE_DIR_ORIG 0x02
#define CT_ZONE_DIR_REPL 0x04
#define CT_ZONE_MARK     0x08

/* The kernel hands back only the first 4 bytes of the timeout name
 * (xt_CT's usersize is that of revision 0), so that is what is listed. */
#define TIMEOUT_KEPT 4

struct ct_data {
	uint16_t flags;        /* CT_* */
	uint16_t zone;         /* as given, also under CT_ZONE_MARK: -D
	                          compares it as iptables-nft does */
	uint32_t ct_events;    /* bit per ct_event_names[] index */
	uint32_t exp_events;   /* bit per exp_event_names[] index */
	char helper[16];       /* zero-padded */
	char timeout[32];      /* zero-padded */
};

enum {
	O_NOTRACK, O_HELPER, O_TIMEOUT, O_CTEVENTS, O_EXPEVENTS,
	O_ZONE_ORIG, O_ZONE_REPLY, O_ZONE,
};

#define D struct ct_data
static const struct qt_ext_opt ct_opts[] = {
	{ .name = "notrack", .id = O_NOTRACK, .type = QT_OT_BITS,
	  .value = CT_NOTRACK, QT_PUT(D, flags) },
	{ .name = "helper", .id = O_HELPER, .type = QT_OT_STRING,
	  QT_PUT(D, helper) },
	{ .name = "timeout", .id = O_TIMEOUT, .type = QT_OT_STRING,
	  .off = offsetof(D, timeout), .size = TIMEOUT_KEPT + 1 },
	{ .name = "ctevents", .id = O_CTEVENTS, .type = QT_OT_RAW },
	{ .name = "expevents", .id = O_EXPEVENTS, .type = QT_OT_RAW },
	{ .name = "zone-orig", .id = O_ZONE_ORIG, .type = QT_OT_RAW },
	{ .name = "zone-reply", .id = O_ZONE_REPLY, .type = QT_OT_RAW },
	{ .name = "zone", .id = O_ZONE, .type = QT_OT_RAW },
	{ .name = NULL },
};
#undef D

/* Bit order is the kernel's (IPCT_*, IPEXP_*) and the print order. */
static const char *const ct_event_names[] = {
	"new", "related", "destroy", "reply", "assured", "protoinfo",
	"helper", "mark",
};
static const char *const exp_event_names[] = { "new" };

static int parse_events(const char *arg, const char *const *names,
			unsigned n, uint32_t *out, struct qt_ctx *ctx)
{
	uint32_t mask = 0;
	const char *p = arg;
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned i;
		for (i = 0; i < n; i++)
			if (strlen(names[i]) == len && !strncmp(names[i], p, len))
				break;
		if (i == n)
			return qt_param_error(ctx, "Unknown event type \"%.*s\"",
					      (int)len, p);
		mask |= 1u << i;
		if (!p[len])
			break;
		p += len + 1;
	}
	*out = mask;
	return 0;
}

static int ct_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		    struct qt_ctx *ctx)
{
	struct ct_data *d = in->data;
	uint64_t v;

	switch (a->opt->id) {
	case O_CTEVENTS:
		return parse_events(a->arg, ct_event_names, 8, &d->ct_events, ctx);
	case O_EXPEVENTS:
		return parse_events(a->arg, exp_event_names, 1, &d->exp_events,
				    ctx);
	case O_ZONE_ORIG:
	case O_ZONE_REPLY:
	case O_ZONE:
		if (!strcasecmp(a->arg, "mark"))
			d->flags |= CT_ZONE_MARK;
		else if (qt_strtoul(a->arg, NULL, 0, 65535, &v))
			d->zone = (uint16_t)v;
		else
			return qt_param_error(ctx, "Cannot parse %s as a zone ID",
					      a->arg);
		if (a->opt->id == O_ZONE_ORIG)
			d->flags |= CT_ZONE_DIR_ORIG;
		else if (a->opt->id == O_ZONE_REPLY)
			d->flags |= CT_ZONE_DIR_REPL;
		return 0;
	}
	return 0;
}

static int ct_kcheck(const struct qt_ext_inst *in,
		     const struct qt_rule_env *env)
{
	const struct ct_data *d = in->data;
	if (strcmp(env->table, "raw"))
		return EINVAL;
	if (d->flags & CT_NOTRACK)
		return 0;
	if (d->helper[0])
		return ENOENT;
	if (d->timeout[0])
		return EINVAL;
	return 0;
}

static void put_events(struct qt_buf *b, const char *word, uint32_t mask,
		       const char *const *names, unsigned n)
{
	if (!mask)
		return;
	qt_buf_printf(b, " %s ", word);
	bool first = true;
	for (unsigned i = 0; i < n; i++)
		if (mask & (1u << i)) {
			qt_buf_printf(b, "%s%s", first ? "" : ",", names[i]);
			first = false;
		}
}

static void put_all(const struct ct_data *d, struct qt_buf *b, const char *pre)
{
	if (d->flags & CT_NOTRACK)
		qt_buf_printf(b, " %snotrack", pre);
	if (d->helper[0]) {
		qt_buf_printf(b, " %shelper ", pre);
		qt_put_name(b, d->helper);
	}
	if (d->timeout[0]) {
		qt_buf_printf(b, " %stimeout ", pre);
		qt_put_name(b, d->timeout);
	}
	char word[16];
	snprintf(word, sizeof(word), "%sctevents", pre);
	put_events(b, word, d->ct_events, ct_event_names, 8);
	snprintf(word, sizeof(word), "%sexpevents", pre);
	put_events(b, word, d->exp_events, exp_event_names, 1);
	unsigned dir = d->flags & (CT_ZONE_DIR_ORIG | CT_ZONE_DIR_REPL);
	const char *sfx = dir == CT_ZONE_DIR_ORIG ? "-orig"
			: dir == CT_ZONE_DIR_REPL ? "-reply" : "";
	if (d->flags & CT_ZONE_MARK)
		qt_buf_printf(b, " %szone%s mark", pre, sfx);
	else if (d->zone)
		qt_buf_printf(b, " %szone%s %u", pre, sfx, d->zone);
}

static void ct_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	put_all(in->data, b, "--");
}

static void ct_print(const struct qt_ext_inst *in, struct qt_buf *b,
		     bool numeric)
{
	(void)numeric;
	qt_buf_puts(b, " CT");
	put_all(in->data, b, "");
}

/* As xt_CT: a packet that has a template or is untracked already is
 * left as it is. --notrack leaves it out of connection tracking; the
 * rest gives it a template, so it is tracked in the zone given (the
 * packet's mark with "mark"), in the directions given. Events are
 * only ever delivered to listeners, and the engine's tracker has none
 * (qtables-conntrack has no -E): --ctevents and --expevents change
 * nothing there. Helpers and timeout policies never get here (kcheck). */
static int ct_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct ct_data *d = in->data;
	if (ev->ct_tmpl || ev->untracked)
		return QT_XT_CONTINUE;
	if (d->flags & CT_NOTRACK) {
		ev->untracked = true;
		return QT_XT_CONTINUE;
	}
	unsigned dir = d->flags & (CT_ZONE_DIR_ORIG | CT_ZONE_DIR_REPL);
	qt_eval_ct_template(ev, d->zone,
			    dir == CT_ZONE_DIR_ORIG ? QT_CT_ZONE_DIR_ORIG
			    : dir == CT_ZONE_DIR_REPL ? QT_CT_ZONE_DIR_REPL
			    : QT_CT_ZONE_DIR_BOTH,
			    d->flags & CT_ZONE_MARK, true);
	return QT_XT_CONTINUE;
}

static const struct qt_ext ct_target = {
	.name = "CT",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct ct_data),
	.opts = ct_opts,
	.parse = ct_parse,
	.kcheck = ct_kcheck,
	.save = ct_save,
	.print = ct_print,
	.target = ct_target_fn,
	.conntrack = true,
	.help =
		" --notrack\t\t\tDon't track connection\n"
		" --helper name\t\t\tUse conntrack helper 'name' for connection\n"
		" --timeout name \t\tUse timeout policy 'name' for connection\n"
		" --ctevents event[,event...]\tGenerate specified conntrack events for connection\n"
		" --expevents event[,event...]\tGenerate specified expectation events for connection\n"
		" --zone {ID|mark}\t\tAssign/Lookup connection in zone ID/packet nfmark\n"
		" --zone-orig {ID|mark}\t\tSame as 'zone' option, but only applies to ORIGINAL direction\n"
		" --zone-reply {ID|mark} \tSame as 'zone' option, but only applies to REPLY direction\n",
};
QT_EXT_REGISTER(ct_target)
