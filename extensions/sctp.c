/* -m sctp (also loaded implicitly by -p sctp): ports and chunk types.
 * Facts from iptables-nft 1.8.9 and the kernel's xt_sctp:
 *  - iptables-nft has no native expression for sctp: every sctp match
 *    is the kernel's xt_sctp, bound to a plain -p sctp, with its ranges
 *    kept as given ("! --dport 0:100" stays, "--sport 0:65535" is saved);
 *  - ports are read as libxt_sctp reads them (a number in any C base or
 *    an sctp service; "a:b" with a <= b), each option once;
 *  - --chunk-types takes a match type (all, any, only in any case) and a
 *    list of chunk names, each with optional flag letters: upper case
 *    wants the flag set, lower case clear. At most four chunk types may
 *    carry flags. libxt_sctp records a chunk's flags under its place in
 *    its name table, not under its type: the two agree for DATA to
 *    SHUTDOWN_COMPLETE, and the flags of I_DATA are kept (so rules
 *    differ by them) but never apply and are not printed. This file
 *    stores them the same way, so -D and -C compare as iptables does. */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ext.h"
#include "model.h"
#include "port_match.h"
#include "sctp_chunks.h"
#include "xtypes.h"

/* xt_sctp's flags and invflags bits (the ports' are port_match's). */
#define SCTP_SRC_PORTS   QT_PORTS_INV_SRC
#define SCTP_DEST_PORTS  QT_PORTS_INV_DST
#define SCTP_CHUNK_TYPES 0x04

/* xt_sctp's chunk match types. */
#define MATCH_ANY  0x01
#define MATCH_ALL  0x02
#define MATCH_ONLY 0x04

#define NUM_FLAGS 4        /* chunk types with flags, at most */

struct sctp_data {
	uint16_t spts[2];            /* first: struct qt_ports_head */
	uint16_t dpts[2];
	uint32_t chunkmap[256 / 32]; /* bit per chunk type */
	uint8_t match_type;          /* MATCH_* */
	uint8_t flags;               /* options given (SCTP_*) */
	uint8_t invflags;            /* options inverted (SCTP_*) */
	uint8_t flag_count;
	/* per chunk with flags: libxt_sctp's name-table place (0xFF
	 * unused), the flags wanted set, the flags looked at */
	uint8_t flag_chunk[NUM_FLAGS];
	uint8_t flag_set[NUM_FLAGS];
	uint8_t flag_mask[NUM_FLAGS];
};

enum { O_SPORT, O_DPORT, O_CHUNKS };

#define D struct sctp_data
static const struct qt_ext_opt sctp_opts[] = {
	{ .name = "source-port", .id = O_SPORT, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT | QT_OPT_MULTI,
	  QT_INV(D, invflags, SCTP_SRC_PORTS) },
	{ .name = "sport", .id = O_SPORT },
	{ .name = "destination-port", .id = O_DPORT, .type = QT_OT_RAW,
	  .flags = QT_OPT_INVERT | QT_OPT_MULTI,
	  QT_INV(D, invflags, SCTP_DEST_PORTS) },
	{ .name = "dport", .id = O_DPORT },
	{ .name = "chunk-types", .id = O_CHUNKS, .type = QT_OT_RAW,
	  .arg = QT_ARG_REQ2, .flags = QT_OPT_INVERT | QT_OPT_MULTI,
	  QT_INV(D, invflags, SCTP_CHUNK_TYPES) },
	{ .name = NULL },
};
#undef D

/* libxt_sctp's chunk names, in its order (the place a chunk's flags are
 * recorded under), with the letters of the flags each chunk may carry,
 * from bit 7 down to bit 0 ('-': none there). */
static const struct {
	const char *name;
	uint8_t type;
	const char *flags;
} chunk_names[] = {
	{ "DATA", 0, "----IUBE" },
	{ "INIT", 1, "--------" },
	{ "INIT_ACK", 2, "--------" },
	{ "SACK", 3, "--------" },
	{ "HEARTBEAT", 4, "--------" },
	{ "HEARTBEAT_ACK", 5, "--------" },
	{ "ABORT", 6, "-------T" },
	{ "SHUTDOWN", 7, "--------" },
	{ "SHUTDOWN_ACK", 8, "--------" },
	{ "ERROR", 9, "--------" },
	{ "COOKIE_ECHO", 10, "--------" },
	{ "COOKIE_ACK", 11, "--------" },
	{ "ECN_ECNE", 12, "--------" },
	{ "ECN_CWR", 13, "--------" },
	{ "SHUTDOWN_COMPLETE", 14, "-------T" },
	{ "I_DATA", 64, "----IUBE" },
	{ "RE_CONFIG", 130, "--------" },
	{ "PAD", 132, "--------" },
	{ "ASCONF", 193, "--------" },
	{ "ASCONF_ACK", 128, "--------" },
	{ "FORWARD_TSN", 192, "--------" },
	{ "I_FORWARD_TSN", 194, "--------" },
};
#define NCHUNK_NAMES (sizeof(chunk_names) / sizeof(chunk_names[0]))

static bool map_has(const uint32_t *map, unsigned type)
{
	return map[type / 32] & (1u << (type % 32));
}

static bool map_all(const uint32_t *map)
{
	for (unsigned i = 0; i < 256 / 32; i++)
		if (map[i] != UINT32_MAX)
			return false;
	return true;
}

static bool map_none(const uint32_t *map)
{
	for (unsigned i = 0; i < 256 / 32; i++)
		if (map[i])
			return false;
	return true;
}

static void sctp_init(struct qt_ext_inst *in)
{
	struct sctp_data *d = in->data;
	d->spts[1] = d->dpts[1] = 0xFFFF;
	memset(d->flag_chunk, 0xFF, sizeof(d->flag_chunk));
}

/* One flag letter of chunk name place i (libxt_sctp's bookkeeping:
 * letters of one chunk add up, a set flag is never cleared again). */
static int add_flag(struct sctp_data *d, unsigned i, char letter,
		    struct qt_ctx *ctx)
{
	const char *at = strchr(chunk_names[i].flags,
				toupper((unsigned char)letter));
	if (!at)
		return qt_param_error(ctx, "Invalid flags for chunk type %u", i);
	uint8_t bit = (uint8_t)(1u << (7 - (at - chunk_names[i].flags)));
	unsigned k;
	for (k = 0; k < d->flag_count; k++)
		if (d->flag_chunk[k] == i)
			break;
	if (k == d->flag_count) {
		if (k == NUM_FLAGS)
			return qt_param_error(ctx,
				"Number of chunk types with flags exceeds currently allowed limit. Increasing this limit involves changing IPT_NUM_SCTP_FLAGS and recompiling both the kernel space and user space modules");
		d->flag_chunk[k] = (uint8_t)i;
		d->flag_count++;
	}
	d->flag_mask[k] |= bit;
	if (isupper((unsigned char)letter))
		d->flag_set[k] |= bit;
	return 0;
}

/* "NAME[:FLAGS]" */
static int parse_chunk(struct sctp_data *d, char *item, struct qt_ctx *ctx)
{
	char *letters = strchr(item, ':');
	if (letters)
		*letters++ = '\0';
	unsigned i;
	for (i = 0; i < NCHUNK_NAMES; i++)
		if (!strcasecmp(chunk_names[i].name, item))
			break;
	if (i == NCHUNK_NAMES)
		return qt_param_error(ctx, "Unknown sctp chunk `%s'", item);
	d->chunkmap[chunk_names[i].type / 32] |=
		1u << (chunk_names[i].type % 32);
	for (; letters && *letters; letters++)
		if (add_flag(d, i, *letters, ctx))
			return -1;
	return 0;
}

static int parse_chunk_types(struct sctp_data *d, const char *type,
			     const char *list, struct qt_ctx *ctx)
{
	static const struct qt_opt_choice types[] = {
		{ "any", MATCH_ANY }, { "all", MATCH_ALL },
		{ "only", MATCH_ONLY }, { NULL, 0 },
	};
	const struct qt_opt_choice *t = types;
	while (t->name && strcasecmp(t->name, type))
		t++;
	if (!t->name)
		return qt_param_error(ctx,
			"Match type has to be one of \"ALL\", \"ANY\" or \"ONLY\"");
	d->match_type = (uint8_t)t->value;
	if (!strcasecmp(list, "ALL")) {
		memset(d->chunkmap, 0xFF, sizeof(d->chunkmap));
		return 0;
	}
	if (!strcasecmp(list, "NONE"))
		return 0;
	char *buf = strdup(list);
	if (!buf)
		return qt_param_error(ctx, "%s", strerror(ENOMEM));
	int rc = 0;
	for (char *save = NULL, *item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save))
		if ((rc = parse_chunk(d, item, ctx)) != 0)
			break;
	free(buf);
	return rc;
}

static int sctp_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		      struct qt_ctx *ctx)
{
	struct sctp_data *d = in->data;
	bool again = in->seen & QT_BIT(a->opt->id);
	switch (a->opt->id) {
	case O_SPORT:
		if (again)
			return qt_param_error(ctx, "Only one `--source-port' allowed");
		d->flags |= SCTP_SRC_PORTS;
		return qt_port_range_parse(a->arg, "sctp", d->spts, ctx);
	case O_DPORT:
		if (again)
			return qt_param_error(ctx,
				"Only one `--destination-port' allowed");
		d->flags |= SCTP_DEST_PORTS;
		return qt_port_range_parse(a->arg, "sctp", d->dpts, ctx);
	case O_CHUNKS:
		if (again)
			return qt_param_error(ctx, "Only one `--chunk-types' allowed");
		if (!a->arg2)
			return qt_param_error(ctx, "--chunk-types requires two args");
		d->flags |= SCTP_CHUNK_TYPES;
		return parse_chunk_types(d, a->arg, a->arg2, ctx);
	}
	return 0;
}

/* Every sctp match is xt_sctp in the kernel (xt_only), bound to
 * -p sctp. */
static const struct qt_port_match sctp_ports = {
	.proto = IPPROTO_SCTP,
	.inv_off = offsetof(struct sctp_data, invflags),
	.xt_only = true,
};

static int sctp_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		      struct qt_ctx *ctx)
{
	return qt_port_match_check(&sctp_ports, in, env, ctx);
}

static bool sctp_is_noop(const struct qt_ext_inst *in)
{
	return qt_port_match_is_noop(&sctp_ports, in);
}

static int sctp_kcheck(const struct qt_ext_inst *in,
		       const struct qt_rule_env *env)
{
	return qt_port_match_kcheck(&sctp_ports, in, env);
}

/* ":IUbe", as libxt_sctp prints the flags of the chunk of type t */
static void put_flags(const struct sctp_data *d, unsigned t, struct qt_buf *b)
{
	for (unsigned k = 0; k < d->flag_count; k++) {
		if (d->flag_chunk[k] != t || !d->flag_mask[k])
			continue;
		qt_buf_putc(b, ':');
		for (int bit = 7; bit >= 0; bit--) {
			if (!(d->flag_mask[k] & (1u << bit)))
				continue;
			char c = chunk_names[t].flags[7 - bit];
			qt_buf_putc(b, (d->flag_set[k] & (1u << bit))
					       ? c : (char)tolower((unsigned char)c));
		}
	}
}

static void put_chunks(const struct sctp_data *d, struct qt_buf *b,
		       bool numeric)
{
	qt_buf_puts(b, d->match_type == MATCH_ALL ? " all"
		       : d->match_type == MATCH_ONLY ? " only" : " any");
	if (map_none(d->chunkmap)) {
		qt_buf_puts(b, " NONE");
		return;
	}
	if (map_all(d->chunkmap)) {
		qt_buf_puts(b, " ALL");
		return;
	}
	bool first = true;
	for (unsigned t = 0; t < 256; t++) {
		if (!map_has(d->chunkmap, t))
			continue;
		qt_buf_putc(b, first ? ' ' : ',');
		first = false;
		if (numeric) {
			qt_buf_printf(b, "0x%04X", t);
		} else {
			for (size_t i = 0; i < NCHUNK_NAMES; i++)
				if (chunk_names[i].type == t)
					qt_buf_puts(b, chunk_names[i].name);
		}
		/* flags are looked up by type among name places: only the
		 * places that equal their type (below 15) ever print */
		if (t < NCHUNK_NAMES)
			put_flags(d, t, b);
	}
}

static void sctp_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct sctp_data *d = in->data;
	if (d->flags & SCTP_SRC_PORTS)
		qt_port_range_save_given(b, "sport", d->spts,
					 d->invflags & SCTP_SRC_PORTS);
	if (d->flags & SCTP_DEST_PORTS)
		qt_port_range_save_given(b, "dport", d->dpts,
					 d->invflags & SCTP_DEST_PORTS);
	if (d->flags & SCTP_CHUNK_TYPES) {
		if (d->invflags & SCTP_CHUNK_TYPES)
			qt_buf_puts(b, " !");
		qt_buf_puts(b, " --chunk-types");
		put_chunks(d, b, false);
	}
}

static void sctp_print(const struct qt_ext_inst *in, struct qt_buf *b,
		       bool numeric)
{
	const struct sctp_data *d = in->data;
	qt_buf_puts(b, " sctp");
	qt_port_range_print(b, "spt", d->spts, d->invflags & SCTP_SRC_PORTS,
			    "sctp", numeric);
	qt_port_range_print(b, "dpt", d->dpts, d->invflags & SCTP_DEST_PORTS,
			    "sctp", numeric);
	if (d->flags & SCTP_CHUNK_TYPES) {
		if (d->invflags & SCTP_CHUNK_TYPES)
			qt_buf_puts(b, " !");
		put_chunks(d, b, numeric);
	}
}


/* ---- engine ----
 * xt_sctp (sctp_mt): a non-first fragment never matches; a packet
 * without its 12-byte common header is dropped; ports, then the chunks
 * when --chunk-types is given. The chunks are walked to the end of the
 * packet (the queue copies it whole: sctp_copy_need); a chunk header
 * that is cut short or a chunk of length 0 drops the packet. */

/* xt_sctp's match_flags: the chunk's flags, where the rule names some
 * for its type (a name place, see the top of this file). */
static bool flags_fit(const struct sctp_data *d, uint8_t type, uint8_t flags)
{
	for (unsigned k = 0; k < d->flag_count; k++)
		if (d->flag_chunk[k] == type)
			return (flags & d->flag_mask[k]) == d->flag_set[k];
	return true;
}

/* xt_sctp's match_packet, the chunks from the transport offset 12 on. */
static bool chunks_match(const struct sctp_data *d, const struct qt_pkt *p,
			 bool *hotdrop)
{
	uint32_t left[256 / 32];     /* ALL: the types not seen yet */
	memcpy(left, d->chunkmap, sizeof(left));
	uint32_t off = QT_SCTP_HDR_LEN;
	do {
		struct qt_sctp_chunk c;
		if (!qt_sctp_chunk_at(p->l4, p->l4_len, off, &c) || !c.len) {
			*hotdrop = true;
			return false;
		}
		off = qt_sctp_chunk_next(&c);
		if (!map_has(d->chunkmap, c.type)) {
			if (d->match_type == MATCH_ONLY)
				return false;
			continue;
		}
		bool fit = flags_fit(d, c.type, c.flags);
		switch (d->match_type) {
		case MATCH_ANY:
			if (fit)
				return true;
			break;
		case MATCH_ALL:
			if (fit)
				left[c.type / 32] &= ~(1u << (c.type % 32));
			break;
		case MATCH_ONLY:
			if (!fit)
				return false;
			break;
		}
	} while (off < p->l4_len);
	if (d->match_type == MATCH_ALL)
		return map_none(left);
	return d->match_type == MATCH_ONLY;
}

static bool sctp_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct sctp_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	if (!p->l4)
		return false;    /* not a parsed IPv4 packet */
	if (p->frag_off)
		return false;
	if (p->l4_len < QT_SCTP_HDR_LEN) {
		ev->hotdrop = true;
		return false;
	}
	uint16_t sp = (uint16_t)(p->l4[0] << 8 | p->l4[1]);
	uint16_t dp = (uint16_t)(p->l4[2] << 8 | p->l4[3]);
	if (!qt_port_match_ports(&sctp_ports, d, sp, dp))
		return false;
	if (!(d->flags & SCTP_CHUNK_TYPES))
		return true;
	bool m = chunks_match(d, p, &ev->hotdrop);
	/* a drop is a drop, inverted or not (nft_compat stops there) */
	return !ev->hotdrop && m != !!(d->invflags & SCTP_CHUNK_TYPES);
}

/* The chunk walk reads the whole packet. */
static uint32_t sctp_copy_need(const struct qt_ext_inst *in)
{
	const struct sctp_data *d = in->data;
	return (d->flags & SCTP_CHUNK_TYPES) ? 0xffff : 0;
}

static void sctp_classify(const struct qt_ext_inst *in, struct qt_class_key *k)
{
	const struct sctp_data *d = in->data;
	xt_class_ports(k, (d->flags & SCTP_SRC_PORTS) &&
			       !(d->invflags & SCTP_SRC_PORTS), d->spts,
		       (d->flags & SCTP_DEST_PORTS) &&
			       !(d->invflags & SCTP_DEST_PORTS), d->dpts);
}

static const struct qt_ext sctp_match = {
	.name = "sctp",
	.kind = QT_EXT_MATCH,
	.proto = IPPROTO_SCTP,
	.data_size = sizeof(struct sctp_data),
	.opts = sctp_opts,
	.init = sctp_init,
	.parse = sctp_parse,
	.check = sctp_check,
	.is_noop = sctp_is_noop,
	.kcheck = sctp_kcheck,
	.save = sctp_save,
	.print = sctp_print,
	.match = sctp_match_pkt,
	.copy_need = sctp_copy_need,
	.classify = sctp_classify,
	.help_header = "sctp match options",
	.help =
		"[!] --source-port port[:port]                          match source port(s)\n"
		" --sport ...\n"
		"[!] --destination-port port[:port]                     match destination port(s)\n"
		" --dport ...\n"
		"[!] --chunk-types (all|any|none) (chunktype[:flags])+\tmatch if all, any or none of\n"
		"\t\t\t\t\t\t        chunktypes are present\n"
		"chunktypes - DATA INIT INIT_ACK SACK HEARTBEAT HEARTBEAT_ACK ABORT SHUTDOWN SHUTDOWN_ACK ERROR COOKIE_ECHO COOKIE_ACK ECN_ECNE ECN_CWR SHUTDOWN_COMPLETE ASCONF ASCONF_ACK FORWARD_TSN ALL NONE\n",
};
QT_EXT_REGISTER(sctp_match)
