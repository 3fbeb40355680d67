/* -j TCPOPTSTRIP: overwrite chosen TCP options with NOPs. Facts of
 * iptables-nft 1.8.9 (libxt_TCPOPTSTRIP) and the kernel's
 * xt_TCPOPTSTRIP, both families: --strip-options takes a comma list of
 * option kinds, by number (any C base, 2..255) or by one of six names;
 * it is kept as a 256-bit map, so save prints the kinds ascending as
 * numbers and -L as names where one exists (numbers under -n); an
 * empty map prints nothing. The kernel's checkentry wants the mangle
 * table and -p tcp (not inverted); every hook is allowed. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"
#include "dsfield.h"
#include "eval.h"
#include "ext.h"
#include "model.h"

struct tcpoptstrip_data {
	uint32_t bmap[8];     /* bit k: strip option kind k */
};

/* The names libxt_TCPOPTSTRIP reads and -L prints, in its order. */
static const struct {
	const char *name;
	uint8_t kind;
} optmap[] = {
	{ "wscale", 3 },
	{ "mss", 2 },
	{ "sack-permitted", 4 },
	{ "sack", 5 },
	{ "timestamp", 8 },
	{ "md5", 19 },
};
#define NOPTMAP (sizeof(optmap) / sizeof(optmap[0]))

enum { O_STRIP_OPTS };

static const struct qt_ext_opt tcpoptstrip_opts[] = {
	{ .name = "strip-options", .id = O_STRIP_OPTS, .type = QT_OT_RAW },
	{ .name = NULL },
};

static bool bit_test(const struct tcpoptstrip_data *d, unsigned k)
{
	return d->bmap[k >> 5] & (1u << (k & 31));
}

static int tcpoptstrip_parse(struct qt_ext_inst *in,
			     const struct qt_opt_arg *a, struct qt_ctx *ctx)
{
	struct tcpoptstrip_data *d = in->data;
	const char *s = a->arg;
	char item[256];
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		/* a longer item is no name and no number up to 255 */
		size_t cut = n < sizeof(item) ? n : sizeof(item) - 1;
		memcpy(item, s, cut);
		item[cut] = 0;
		uint64_t kind = 0;
		for (size_t i = 0; n == cut && i < NOPTMAP; i++)
			if (!strcmp(optmap[i].name, item))
				kind = optmap[i].kind;
		/* as parse_list: a name not found is read as a number */
		if (kind == 0 &&
		    (n != cut || !qt_strtoul(item, NULL, 0, 255, &kind)))
			return qt_param_error(ctx,
				"Bad TCP option value \"%.*s\"", (int)n, s);
		if (kind < 2)
			return qt_param_error(ctx,
				"Option value may not be 0 or 1");
		if (bit_test(d, (unsigned)kind))
			return qt_param_error(ctx,
				"Option \"%s\" already specified", item);
		d->bmap[kind >> 5] |= 1u << (kind & 31);
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

static int tcpoptstrip_kcheck(const struct qt_ext_inst *in,
			      const struct qt_rule_env *env)
{
	(void)in;
	if (strcmp(env->table, "mangle"))
		return EINVAL;
	return qt_rule_proto_is(env->rule, IPPROTO_TCP) ? 0 : EINVAL;
}

static void put_list(const struct tcpoptstrip_data *d, struct qt_buf *b,
		     bool numeric)
{
	bool first = true;
	for (unsigned k = 0; k < 256; k++) {
		if (!bit_test(d, k))
			continue;
		const char *name = NULL;
		for (size_t i = 0; !numeric && i < NOPTMAP; i++)
			if (optmap[i].kind == k)
				name = optmap[i].name;
		if (!first)
			qt_buf_puts(b, ",");
		first = false;
		if (name)
			qt_buf_puts(b, name);
		else
			qt_buf_printf(b, "%u", k);
	}
}

static bool map_empty(const struct tcpoptstrip_data *d)
{
	for (unsigned i = 0; i < 8; i++)
		if (d->bmap[i])
			return false;
	return true;
}

static void tcpoptstrip_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct tcpoptstrip_data *d = in->data;
	if (map_empty(d))
		return;
	qt_buf_puts(b, " --strip-options ");
	put_list(d, b, true);
}

static void tcpoptstrip_print(const struct qt_ext_inst *in, struct qt_buf *b,
			      bool numeric)
{
	const struct tcpoptstrip_data *d = in->data;
	if (map_empty(d))
		return;
	qt_buf_puts(b, " TCPOPTSTRIP options ");
	put_list(d, b, numeric);
}

/* ---- engine side: xt_TCPOPTSTRIP's tcpoptstrip_mangle_packet ----
 *
 * Where the segment starts: right after the IPv4 header, or after
 * IPv6's extension headers (ipv6_skip_exthdr: a chain it cannot read
 * drops the packet). Then, as the kernel:
 *  - a non-first fragment: unchanged;
 *  - fewer than 20 bytes of TCP header in the packet, a data offset
 *    below 5, or a header longer than the packet: dropped;
 *  - the options are walked from byte 20 while a kind byte and its
 *    length byte are both in the header (i < doff - 1): kinds 0 (EOL,
 *    which ends nothing here) and 1 and a length of 0 step one byte,
 *    any other length steps that many; an option that runs past the
 *    header ends the walk untouched; a kind in the map has all its
 *    bytes set to NOP.
 * Each byte changed updates the TCP checksum as the kernel does,
 * inet_proto_csum_replace2 of the byte in its half of a 16-bit word
 * (csum_replace4 arithmetic: a wrong checksum stays wrong by as much,
 * and the result is never 0xffff). When the queue says the checksum is
 * partial, the kernel leaves the field for the device; a packet handed
 * back loses that mark, so the whole checksum is computed instead. */

#define TCPOPT_NOP 1

static uint32_t opt_len(const uint8_t *th, uint32_t i)
{
	if (th[i] <= TCPOPT_NOP || th[i + 1] == 0)
		return 1;
	return th[i + 1];
}

/* One byte at offset at of the segment replaced: its word's change
 * folded into the checksum at th + 16. */
static void csum_byte(uint8_t *th, uint32_t at, uint8_t from, uint8_t to)
{
	uint8_t f[4] = { 0, 0, 0, 0 }, t[4] = { 0, 0, 0, 0 };
	unsigned k = at % 2 == 0 ? 2 : 3;
	f[k] = from;
	t[k] = to;
	qt_csum_replace4(th + 16, f, t);
}

static int tcpoptstrip_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct tcpoptstrip_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	bool v6 = p->family == AF_INET6;

	if (p->proto != IPPROTO_TCP || !qt_dsfield_writable(ev))
		return QT_XT_CONTINUE;
	/* a copy shorter than the packet cannot be handed back whole */
	if (ev->len < p->ip_len)
		return QT_XT_CONTINUE;
	if (v6 && p->exthdr_cut)
		return QT_XT_DROP;
	if (p->frag_off)
		return QT_XT_CONTINUE;
	uint32_t thoff = v6 ? (p->l4 ? (uint32_t)(p->l4 - p->data) : 0)
			    : p->ihl;
	if (v6 && thoff < 40)
		return QT_XT_DROP;
	uint32_t end = p->ip_len;
	if (thoff > end || end - thoff < 20)
		return QT_XT_DROP;
	uint8_t *th = ev->data + thoff;
	uint32_t hdrlen = (uint32_t)(th[12] >> 4) * 4;
	if (hdrlen < 20 || end - thoff < hdrlen)
		return QT_XT_DROP;

	bool partial = ev->csum_not_ready, changed = false;
	for (uint32_t i = 20, optl; i < hdrlen - 1; i += optl) {
		optl = opt_len(th, i);
		if (i + optl > hdrlen)
			break;
		if (!bit_test(d, th[i]))
			continue;
		for (uint32_t j = 0; j < optl && !partial; j++)
			csum_byte(th, i + j, th[i + j], TCPOPT_NOP);
		memset(th + i, TCPOPT_NOP, optl);
		changed = true;
	}
	if (changed) {
		ev->rewritten = true;
		qt_dsfield_complete_l4(ev);
	}
	return QT_XT_CONTINUE;
}

/* The packet goes back whole with the verdict. */
static uint32_t tcpoptstrip_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext tcpoptstrip_target = {
	.name = "TCPOPTSTRIP",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct tcpoptstrip_data),
	.opts = tcpoptstrip_opts,
	.parse = tcpoptstrip_parse,
	.kcheck = tcpoptstrip_kcheck,
	.save = tcpoptstrip_save,
	.print = tcpoptstrip_print,
	.target = tcpoptstrip_fn,
	.copy_need = tcpoptstrip_copy_need,
	.help =
		"  --strip-options value     strip specified TCP options denoted by value\n"
		"                            (separated by comma) from TCP header\n"
		"  Instead of the numeric value, you can also use the following names:\n"
		"    wscale            strip \"Window scale\" option\n"
		"    mss               strip \"Maximum Segment Size\" option\n"
		"    sack-permitted    strip \"SACK permitted\" option\n"
		"    sack              strip \"Selective ACK\" option\n"
		"    timestamp         strip \"Timestamp\" option\n"
		"    md5               strip \"MD5 signature\" option\n",
};
QT_EXT_REGISTER(tcpoptstrip_target)
