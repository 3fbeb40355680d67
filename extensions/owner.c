/* -m owner: the socket of a locally generated packet, by user and group
 * id ranges, existence, supplementary groups. Names are resolved when the
 * rule is made and saved as numbers. The kernel allows it only on the
 * output path (OUTPUT, POSTROUTING) and wants min <= max. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

#include "ext.h"
#include "model.h"
#include "eval.h"

#define OWNER_UID           0x01
#define OWNER_GID           0x02
#define OWNER_SOCKET        0x04
#define OWNER_SUPPL_GROUPS  0x08

struct owner_data {
	uint32_t uid_min, uid_max;
	uint32_t gid_min, gid_max;
	uint8_t match;         /* OWNER_* given */
	uint8_t invert;        /* OWNER_* given with '!' */
	uint8_t pad[2];
};

enum { O_UID, O_GID, O_SOCKET, O_SUPPL };

#define D struct owner_data
static const struct qt_ext_opt owner_opts[] = {
	{ .name = "uid-owner", .id = O_UID, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, QT_INV(D, invert, OWNER_UID) },
	{ .name = "gid-owner", .id = O_GID, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, QT_INV(D, invert, OWNER_GID) },
	{ .name = "socket-exists", .id = O_SOCKET, .type = QT_OT_BITS,
	  .value = OWNER_SOCKET, QT_PUT(D, match), .flags = QT_OPT_INVERT,
	  QT_INV(D, invert, OWNER_SOCKET) },
	/* only after --gid-owner (parse) */
	{ .name = "suppl-groups", .id = O_SUPPL, .type = QT_OT_BITS,
	  .value = OWNER_SUPPL_GROUPS, QT_PUT(D, match) },
	{ .name = NULL },
};
#undef D

/* "N", "N-M" or "N:M"; numbers as xtables reads them, up to 2^32-2 (-1
 * is the kernel's invalid id). */
static bool parse_id_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	const char *end;
	uint64_t v;
	if (!qt_strtoul(s, &end, 0, UINT32_MAX - 1, &v))
		return false;
	*lo = *hi = (uint32_t)v;
	if (*end == '-' || *end == ':') {
		if (!qt_strtoul(end + 1, &end, 0, UINT32_MAX - 1, &v))
			return false;
		*hi = (uint32_t)v;
	}
	return *end == '\0';
}

static int owner_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		       struct qt_ctx *ctx)
{
	struct owner_data *d = in->data;
	switch (a->opt->id) {
	case O_UID: {
		struct passwd *pw = getpwnam(a->arg);
		d->match |= OWNER_UID;
		if (pw)
			d->uid_min = d->uid_max = pw->pw_uid;
		else if (!parse_id_range(a->arg, &d->uid_min, &d->uid_max))
			return qt_ext_bad_value(ctx, "owner", "--uid-owner", a->arg);
		return 0;
	}
	case O_GID: {
		struct group *gr = getgrnam(a->arg);
		d->match |= OWNER_GID;
		if (gr)
			d->gid_min = d->gid_max = gr->gr_gid;
		else if (!parse_id_range(a->arg, &d->gid_min, &d->gid_max))
			return qt_ext_bad_value(ctx, "owner", "--gid-owner", a->arg);
		return 0;
	}
	case O_SUPPL:
		if (!(in->seen & QT_BIT(O_GID)))
			return qt_ext_bad_value(ctx, "owner", "--suppl-groups",
						"you need to use --gid-owner first");
		return 0;
	}
	return 0;
}

static int owner_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		       struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & ((1u << O_UID) | (1u << O_GID) | (1u << O_SOCKET))))
		return qt_param_error(ctx,
			"owner: At least one of --uid-owner, --gid-owner or --socket-exists is required");
	return 0;
}

static int owner_kcheck(const struct qt_ext_inst *in,
			const struct qt_rule_env *env)
{
	const struct owner_data *d = in->data;
	unsigned ok = (1u << QT_HOOK_LOCAL_OUT) | (1u << QT_HOOK_POST_ROUTING);
	if (env->hooks & ~ok)
		return EINVAL;
	if (((d->match & OWNER_UID) && d->uid_min > d->uid_max) ||
	    ((d->match & OWNER_GID) && d->gid_min > d->gid_max))
		return EINVAL;
	return 0;
}

static void put_range(struct qt_buf *b, uint32_t lo, uint32_t hi)
{
	if (lo == hi)
		qt_buf_printf(b, "%u", lo);
	else
		qt_buf_printf(b, "%u-%u", lo, hi);
}

static void owner_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct owner_data *d = in->data;
	if (d->match & OWNER_SOCKET)
		qt_buf_puts(b, d->invert & OWNER_SOCKET ? " ! --socket-exists"
							: " --socket-exists");
	if (d->match & OWNER_UID) {
		qt_buf_puts(b, d->invert & OWNER_UID ? " ! --uid-owner "
						     : " --uid-owner ");
		put_range(b, d->uid_min, d->uid_max);
	}
	if (d->match & OWNER_GID) {
		qt_buf_puts(b, d->invert & OWNER_GID ? " ! --gid-owner "
						     : " --gid-owner ");
		put_range(b, d->gid_min, d->gid_max);
	}
	if (d->match & OWNER_SUPPL_GROUPS)
		qt_buf_puts(b, " --suppl-groups");
}

static void owner_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct owner_data *d = in->data;
	if (d->match & OWNER_SOCKET)
		qt_buf_puts(b, d->invert & OWNER_SOCKET ? " ! owner socket exists"
							: " owner socket exists");
	if (d->match & OWNER_UID) {
		struct passwd *pw = NULL;
		qt_buf_puts(b, d->invert & OWNER_UID ? " ! owner UID match "
						     : " owner UID match ");
		if (!numeric && d->uid_min == d->uid_max)
			pw = getpwuid(d->uid_min);
		if (pw)
			qt_buf_puts(b, pw->pw_name);
		else
			put_range(b, d->uid_min, d->uid_max);
	}
	if (d->match & OWNER_GID) {
		struct group *gr = NULL;
		qt_buf_puts(b, d->invert & OWNER_GID ? " ! owner GID match "
						     : " owner GID match ");
		if (!numeric && d->gid_min == d->gid_max)
			gr = getgrgid(d->gid_min);
		if (gr)
			qt_buf_puts(b, gr->gr_name);
		else
			put_range(b, d->gid_min, d->gid_max);
	}
	if (d->match & OWNER_SUPPL_GROUPS)
		qt_buf_puts(b, " incl. suppl. groups");
}

/* As xt_owner (OWNER_* are the kernel's XT_OWNER_* bits). The queue
 * gives the socket's file credentials (fsuid/fsgid) exactly when the
 * kernel's match sees a socket with a file, so has_uid stands for
 * "socket exists". Without one the rule matches only when every option
 * given is inverted: checked with the kernel on forwarded packets in
 * POSTROUTING (`! --uid-owner 0` and `! --socket-exists` match, plain
 * ones, mixed ones and `! --gid-owner N --suppl-groups` do not).
 * --suppl-groups cannot be honoured: the queue gives only the primary
 * (fs)gid, so the gid range is matched against that alone. */
static bool owner_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct owner_data *d = in->data;
	uint8_t m = d->match, inv = d->invert & d->match;

	if (!ev->has_uid)
		return (m ^ inv) == 0;
	if (m & inv & OWNER_SOCKET)
		return false;
	if (m & OWNER_UID) {
		bool hit = ev->uid >= d->uid_min && ev->uid <= d->uid_max;
		if (hit == !!(inv & OWNER_UID))
			return false;
	}
	if (m & OWNER_GID) {
		bool hit = ev->has_gid && ev->gid >= d->gid_min &&
			   ev->gid <= d->gid_max;
		if (hit == !!(inv & OWNER_GID))
			return false;
	}
	return true;
}

static bool owner_wants_owner(const struct qt_ext_inst *in)
{
	(void)in;
	return true;
}

static const struct qt_ext owner_match = {
	.name = "owner",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct owner_data),
	.opts = owner_opts,
	.parse = owner_parse,
	.wants_owner = owner_wants_owner,
	.check = owner_check,
	.kcheck = owner_kcheck,
	.save = owner_save,
	.print = owner_print,
	.match = owner_match_fn,
	.help =
		"[!] --uid-owner userid[-userid]      Match local UID\n"
		"[!] --gid-owner groupid[-groupid]    Match local GID\n"
		"[!] --socket-exists                  Match if socket exists\n"
		"    --suppl-groups                   Also match supplementary groups set with --gid-owner\n",
};
QT_EXT_REGISTER(owner_match)
