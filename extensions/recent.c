/* -m recent: a named list of recently seen addresses (xt_recent
 * revision 1). The defaults are part of the data so that save always
 * shows them (--name DEFAULT --mask 255.255.255.255 --rsource). The
 * default mask is all ones over 128 bits while --mask fills only the
 * first word, as in iptables, so the two spellings are different rules
 * for -D. What only the kernel refuses is in kcheck. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <string.h>

#include "eval.h"
#include "recent_lists.h"
#include "xtypes.h"

/* The kernel's XT_RECENT_* check_set bits. */
#define R_SET    0x01
#define R_CHECK  0x02
#define R_UPDATE 0x04
#define R_REMOVE 0x08
#define R_TTL    0x10
#define R_REAP   0x20

#define R_NAME_LEN 200          /* XT_RECENT_NAME_LEN, with the NUL */
#define R_MAX_NSTAMPS 65536     /* the kernel's limit on --hitcount */

struct recent_data {
	uint32_t seconds;
	uint32_t hit_count;
	uint8_t check_set;     /* R_* */
	uint8_t invert;
	uint8_t side;          /* 0 source, 1 destination (XT_RECENT_DEST) */
	uint8_t pad;
	char name[R_NAME_LEN];
	uint32_t mask[4];      /* union nf_inet_addr, network order */
};

enum {
	O_SET, O_RCHECK, O_UPDATE, O_REMOVE, O_SECONDS, O_REAP, O_HITCOUNT,
	O_RTTL, O_NAME, O_RSOURCE, O_RDEST, O_MASK,
};
#define ACTIONS (QT_BIT(O_SET) | QT_BIT(O_RCHECK) | QT_BIT(O_UPDATE) | \
		 QT_BIT(O_REMOVE))
#define D struct recent_data
#define ACTION(n, o, bit) \
	{ .name = n, .id = o, .flags = QT_OPT_INVERT, .type = QT_OT_BITS, \
	  .value = bit, QT_PUT(D, check_set), QT_INV(D, invert, 1), \
	  .excl = ACTIONS }

static const struct qt_ext_opt recent_opts[] = {
	ACTION("set", O_SET, R_SET),
	ACTION("rcheck", O_RCHECK, R_CHECK),
	ACTION("update", O_UPDATE, R_UPDATE),
	ACTION("remove", O_REMOVE, R_REMOVE),
	{ .name = "seconds", .id = O_SECONDS, .type = QT_OT_UINT, .min = 1,
	  QT_PUT(D, seconds) },
	{ .name = "reap", .id = O_REAP, .type = QT_OT_BITS, .value = R_REAP,
	  QT_PUT(D, check_set), .also = QT_BIT(O_SECONDS) },
	{ .name = "hitcount", .id = O_HITCOUNT, .type = QT_OT_UINT,
	  QT_PUT(D, hit_count) },
	{ .name = "rttl", .id = O_RTTL, .type = QT_OT_BITS, .value = R_TTL,
	  QT_PUT(D, check_set), .excl = QT_BIT(O_SET) | QT_BIT(O_REMOVE) },
	/* silently cut to the kernel's size, as iptables does */
	{ .name = "name", .id = O_NAME, .type = QT_OT_STRING, QT_PUT(D, name) },
	{ .name = "rsource", .id = O_RSOURCE, .value = 0, QT_PUT(D, side) },
	{ .name = "rdest", .id = O_RDEST, .value = 1, QT_PUT(D, side) },
	/* fills the first word of the 128-bit mask, in ip6tables all of
	 * it (recent_parse) */
	{ .name = "mask", .id = O_MASK, .type = QT_OT_RAW },
	{ .name = NULL },
};
#undef D

static void recent_init(struct qt_ext_inst *in)
{
	struct recent_data *d = in->data;
	strcpy(d->name, "DEFAULT");
	memset(d->mask, 0xff, sizeof(d->mask));
}

static int recent_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			struct qt_ctx *ctx)
{
	struct recent_data *d = in->data;
	(void)ctx;
	if (a->opt->id == O_MASK) {
		memset(d->mask, 0, sizeof(d->mask));
		if (in->family != AF_INET6)
			return qt_opt_parse_host(ctx, a->arg, &d->mask[0]);
		struct addrinfo hints = { .ai_family = AF_INET6 };
		struct addrinfo *res = NULL;
		int rc = getaddrinfo(a->arg, NULL, &hints, &res);
		if (rc != 0)
			return qt_param_error(ctx, "getaddrinfo: %s\n",
					      gai_strerror(rc));
		const struct sockaddr_in6 *sin6 = (const void *)res->ai_addr;
		memcpy(d->mask, &sin6->sin6_addr, sizeof(d->mask));
		freeaddrinfo(res);
	}
	return 0;
}

static int recent_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			struct qt_ctx *ctx)
{
	(void)env;
	if (!(in->seen & ACTIONS))
		return qt_param_error(ctx,
			"recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
	return 0;
}

/* recent_mt_check of the kernel. */
static int recent_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	const struct recent_data *d = in->data;
	(void)env;
	if ((d->check_set & (R_SET | R_REMOVE)) &&
	    (d->seconds || d->hit_count || (d->check_set & (R_TTL | R_REAP))))
		return EINVAL;
	if ((d->check_set & R_REAP) && !d->seconds)
		return EINVAL;
	if (d->hit_count >= R_MAX_NSTAMPS)
		return EINVAL;
	/* the name becomes a file under /proc/net/xt_recent */
	if (d->name[0] == '\0' || !strcmp(d->name, ".") ||
	    !strcmp(d->name, "..") || strchr(d->name, '/'))
		return EINVAL;
	return 0;
}

static const char *action_name(uint8_t cs, bool save)
{
	if (cs & R_SET)
		return save ? "set" : "SET";
	if (cs & R_CHECK)
		return save ? "rcheck" : "CHECK";
	if (cs & R_UPDATE)
		return save ? "update" : "UPDATE";
	return save ? "remove" : "REMOVE";
}

/* IPv4: the first word, dotted; ip6tables: the whole mask. */
static void put_mask(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct recent_data *d = in->data;
	char buf[INET6_ADDRSTRLEN];
	if (in->family == AF_INET6)
		qt_buf_puts(b, inet_ntop(AF_INET6, d->mask, buf, sizeof(buf)));
	else
		xt_put_ip(b, d->mask[0]);
}

static void recent_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct recent_data *d = in->data;
	if (d->invert)
		qt_buf_puts(b, " !");
	qt_buf_printf(b, " --%s", action_name(d->check_set, true));
	/* iptables prints these two as signed numbers */
	if (d->seconds)
		qt_buf_printf(b, " --seconds %d", (int)d->seconds);
	if (d->check_set & R_REAP)
		qt_buf_puts(b, " --reap");
	if (d->hit_count)
		qt_buf_printf(b, " --hitcount %d", (int)d->hit_count);
	if (d->check_set & R_TTL)
		qt_buf_puts(b, " --rttl");
	qt_buf_puts(b, " --name ");
	qt_put_name(b, d->name);
	/* A rule given no --mask holds all 16 bytes set, one given
	 * --mask 255.255.255.255 only the first 4, and -D tells them apart
	 * (as iptables does). The state file must keep which it was. */
	static const uint32_t unset[4] = { ~0u, ~0u, ~0u, ~0u };
	if (qt_quote_state_spelling() && !memcmp(d->mask, unset, sizeof(unset))) {
		qt_buf_puts(b, d->side ? " --rdest" : " --rsource");
		return;
	}
	qt_buf_puts(b, " --mask ");
	put_mask(in, b);
	qt_buf_puts(b, d->side ? " --rdest" : " --rsource");
}

static void recent_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct recent_data *d = in->data;
	(void)numeric;
	if (d->invert)
		qt_buf_puts(b, " !");
	qt_buf_printf(b, " recent: %s", action_name(d->check_set, false));
	if (d->seconds)
		qt_buf_printf(b, " seconds: %d", (int)d->seconds);
	if (d->check_set & R_REAP)
		qt_buf_puts(b, " reap");
	if (d->hit_count)
		qt_buf_printf(b, " hit_count: %d", (int)d->hit_count);
	if (d->check_set & R_TTL)
		qt_buf_puts(b, " TTL-Match");
	qt_buf_printf(b, " name: %s side: %s mask: ", d->name,
		      d->side ? "dest" : "source");
	put_mask(in, b);
}


/* ---- engine ----
 * The lists (extensions/lib/recent_lists.c) are per --name, shared by every
 * rule naming them and kept while one rule does (across commits). The
 * rule brings its own action, --seconds, --hitcount, --rttl, --reap,
 * side, mask and inversion, as in the kernel. */
static int recent_state_new(const struct qt_ext_inst *in,
			    const struct qt_engine_env *env, void **state)
{
	const struct recent_data *d = in->data;

	*state = qt_recent_get(d->name, d->hit_count, env ? env->hz : 0);
	return *state ? 0 : -1;
}

static void recent_state_free(void *state)
{
	qt_recent_put(state);
}

static bool recent_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct recent_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	struct qt_recent_args a = {
		.seconds = d->seconds, .hit_count = d->hit_count,
		.check_set = d->check_set, .invert = d->invert != 0,
	};
	uint32_t addr;
	uint8_t ttl = p->ttl;

	struct qt_recent_list *list = qt_ext_state(in);
	if (!list)
		return false;
	addr = (d->side ? p->daddr.v4.s_addr : p->saddr.v4.s_addr) &
	       d->mask[0];
	/* "use TTL as seen before forwarding": with an output device and
	 * no local socket (forwarded, or sent by the kernel itself) the
	 * kernel adds one back; a local socket shows as a uid here */
	if ((ev->outdev || (ev->out && ev->out[0])) && !ev->has_uid)
		ttl++;
	return qt_recent_packet(list, &a, addr, ttl, ev->now_ns,
				&ev->hotdrop);
}

static const struct qt_ext recent_match = {
	.name = "recent",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct recent_data),
	.opts = recent_opts,
	.init = recent_init,
	.parse = recent_parse,
	.check = recent_check,
	.kcheck = recent_kcheck,
	.save = recent_save,
	.print = recent_print,
	.match = recent_match_fn,
	.state_new = recent_state_new,
	.state_free = recent_state_free,
	.help =
		"[!] --set                       Add source address to list, always matches.\n"
		"[!] --rcheck                    Match if source address in list.\n"
		"[!] --update                    Match if source address in list, also update last-seen time.\n"
		"[!] --remove                    Match if source address in list, also removes that address from list.\n"
		"    --seconds seconds           For check and update commands above.\n"
		"                                Specifies that the match will only occur if source address last seen within\n"
		"                                the last 'seconds' seconds.\n"
		"    --reap                      Purge entries older then 'seconds'.\n"
		"                                Can only be used in conjunction with the seconds option.\n"
		"    --hitcount hits             For check and update commands above.\n"
		"                                Specifies that the match will only occur if source address seen hits times.\n"
		"                                May be used in conjunction with the seconds option.\n"
		"    --rttl                      For check and update commands above.\n"
		"                                Specifies that the match will only occur if the source address and the TTL\n"
		"                                match between this packet and the one which was set.\n"
		"                                Useful if you have problems with people spoofing their source address in order\n"
		"                                to DoS you via this module.\n"
		"    --name name                 Name of the recent list to be used.  DEFAULT used if none given.\n"
		"    --rsource                   Match/Save the source address of each packet in the recent list table (default).\n"
		"    --rdest                     Match/Save the destination address of each packet in the recent list table.\n"
		"    --mask netmask              Netmask that will be applied to this recent list.\n"
		"xt_recent by: Stephen Frost <sfrost@snowman.net>.\n",
};
QT_EXT_REGISTER(recent_match)
