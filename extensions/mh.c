/* -m mh: the Mobility Header's type (a range), by number or name
 * (a case-insensitive prefix: the first name it begins unless one is
 * exactly it). A protocol match: the kernel wants -p mobility-header
 * (135). */
#include <errno.h>
#include <strings.h>
#include <string.h>
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "model.h"

#define MH_INV_TYPE 0x01
#define IPPROTO_MH_ 135

struct mh_data {
	uint8_t types[2];
	uint8_t invflags;
	uint8_t pad;
};

enum { O_MH_TYPE };

static const struct qt_ext_opt mh_opts[] = {
	{ .name = "mh-type", .id = O_MH_TYPE, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT, QT_INV(struct mh_data, invflags, MH_INV_TYPE) },
	{ .name = NULL },
};

/* libip6t_mh's names, in its order. */
static const struct { const char *name; uint8_t type; } mh_names[] = {
	{ "binding-refresh-request", 0 }, { "brr", 0 },
	{ "home-test-init", 1 }, { "hoti", 1 },
	{ "careof-test-init", 2 }, { "coti", 2 },
	{ "home-test", 3 }, { "hot", 3 },
	{ "careof-test", 4 }, { "cot", 4 },
	{ "binding-update", 5 }, { "bu", 5 },
	{ "binding-acknowledgement", 6 }, { "ba", 6 },
	{ "binding-error", 7 }, { "be", 7 },
};
#define NNAMES (sizeof(mh_names) / sizeof(mh_names[0]))

static int name_to_type(const char *name, uint8_t *type, struct qt_ctx *ctx)
{
	size_t namelen = strlen(name), match = NNAMES;
	for (size_t i = 0; i < NNAMES; i++)
		if (!strncasecmp(mh_names[i].name, name, namelen) &&
		    (match == NNAMES || strlen(mh_names[i].name) == namelen))
			match = i;
	if (match != NNAMES) {
		*type = mh_names[match].type;
		return 0;
	}
	uint64_t v;
	if (!qt_strtoul(name, NULL, 0, 255, &v))
		return qt_param_error(ctx, "Invalid MH type `%s'", name);
	*type = (uint8_t)v;
	return 0;
}

static void mh_init(struct qt_ext_inst *in)
{
	struct mh_data *d = in->data;
	d->types[1] = 0xFF;
}

static int mh_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		    struct qt_ctx *ctx)
{
	struct mh_data *d = in->data;
	char buf[256];
	size_t n = strlen(a->arg);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, a->arg, n);
	buf[n] = '\0';
	char *cp = strchr(buf, ':');
	if (!cp) {
		if (name_to_type(buf, &d->types[0], ctx))
			return -1;
		d->types[1] = d->types[0];
		return 0;
	}
	*cp++ = '\0';
	d->types[0] = 0;
	d->types[1] = 0xFF;
	if (buf[0] && name_to_type(buf, &d->types[0], ctx))
		return -1;
	if (cp[0] && name_to_type(cp, &d->types[1], ctx))
		return -1;
	if (d->types[0] > d->types[1])
		return qt_param_error(ctx, "Invalid MH type range (min > max)");
	return 0;
}

static int mh_kcheck(const struct qt_ext_inst *in,
		     const struct qt_rule_env *env)
{
	(void)in;
	return qt_rule_proto_is(env->rule, IPPROTO_MH_) ? 0 : EINVAL;
}

static void put_type(struct qt_buf *b, uint8_t type, bool numeric)
{
	for (size_t i = 0; !numeric && i < NNAMES; i++)
		if (mh_names[i].type == type) {
			qt_buf_puts(b, mh_names[i].name);
			return;
		}
	qt_buf_printf(b, "%u", type);
}

static void mh_print(const struct qt_ext_inst *in, struct qt_buf *b,
		     bool numeric)
{
	const struct mh_data *d = in->data;
	bool inv = d->invflags & MH_INV_TYPE;
	qt_buf_puts(b, " mh");
	if (d->types[0] != 0 || d->types[1] != 0xFF || inv) {
		qt_buf_printf(b, " %s", inv ? "!" : "");
		put_type(b, d->types[0], numeric);
		if (d->types[0] != d->types[1]) {
			qt_buf_puts(b, ":");
			put_type(b, d->types[1], numeric);
		}
	}
}

static void mh_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct mh_data *d = in->data;
	if (d->types[0] == 0 && d->types[1] == 0xFF)
		return;
	if (d->invflags & MH_INV_TYPE)
		qt_buf_puts(b, " !");
	if (d->types[0] == d->types[1])
		qt_buf_printf(b, " --mh-type %u", d->types[0]);
	else
		qt_buf_printf(b, " --mh-type %u:%u", d->types[0], d->types[1]);
}

/* ---- engine: ip6t_mh (mh_mt6) ----
 * A non-first fragment does not match; a header of fewer than its 6
 * fixed bytes, or whose payload protocol is not "no next header"
 * (RFC 6275), drops the packet; then the type in range. */
static bool mh_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct mh_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (p->family != AF_INET6 || p->frag_off)
		return false;
	if (!p->l4 || p->l4_len < 6 || p->l4[0] != IPPROTO_NONE) {
		ev->hotdrop = true;
		return false;
	}
	uint8_t t = p->l4[2];
	return (t >= d->types[0] && t <= d->types[1]) ^
	       !!(d->invflags & MH_INV_TYPE);
}

static const struct qt_ext mh_match = {
	.name = "mh",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = sizeof(struct mh_data),
	.opts = mh_opts,
	.init = mh_init,
	.parse = mh_parse,
	.kcheck = mh_kcheck,
	.save = mh_save,
	.print = mh_print,
	.match = mh_match_pkt,
	.help =
		"[!] --mh-type type[:type]\tmatch mh type\n"
		"Valid MH types:\n"
		"binding-refresh-request (brr)\n"
		"home-test-init (hoti)\n"
		"careof-test-init (coti)\n"
		"home-test (hot)\n"
		"careof-test (cot)\n"
		"binding-update (bu)\n"
		"binding-acknowledgement (ba)\n"
		"binding-error (be)\n",
};
QT_EXT_REGISTER(mh_match)
