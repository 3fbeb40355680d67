/* RFC 6296 prefix translation for DNPT and SNPT. Facts of ip6tables-nft
 * 1.8.9 and kernel 6.18 (asked in a namespace): both options are
 * mandatory and given once, never inverted; an address without /LEN
 * is a /128; a prefix longer than 64 bits, one with host bits, a table
 * other than mangle or a hook the target is not registered for is the
 * kernel's EINVAL ("RULE_APPEND failed (Invalid argument)"); the two
 * lengths may differ. Save prints a prefix unless it is ::/0; -L always
 * prints both. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "csum.h"
#include "eval.h"
#include "host_addrs.h"
#include "npt.h"
#include "reject.h"

const struct qt_ext_opt qt_npt_opts[] = {
	{ .name = "src-pfx", .id = QT_NPT_O_SRC, .type = QT_OT_RAW,
	  .flags = QT_OPT_MAND },
	{ .name = "dst-pfx", .id = QT_NPT_O_DST, .type = QT_OT_RAW,
	  .flags = QT_OPT_MAND },
	{ .name = NULL },
};

/* ---- options ---- */

int qt_npt_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		 struct qt_ctx *ctx)
{
	struct qt_npt_data *d = in->data;
	bool src = a->opt->id == QT_NPT_O_SRC;
	char host[256];
	snprintf(host, sizeof(host), "%s", a->arg ? a->arg : "");
	char *slash = strchr(host, '/');
	if (slash)
		*slash++ = '\0';
	uint8_t addr[16];
	if (inet_pton(AF_INET6, host, addr) != 1) {
		struct addrinfo hints = { .ai_family = AF_INET6 };
		struct addrinfo *res = NULL;
		int rc = getaddrinfo(host, NULL, &hints, &res);
		if (rc != 0)
			return qt_param_error(ctx, "getaddrinfo: %s\n",
					      gai_strerror(rc));
		memcpy(addr, &((const struct sockaddr_in6 *)(const void *)
			       res->ai_addr)->sin6_addr, 16);
		freeaddrinfo(res);
	}
	unsigned plen = 128;
	if (slash && qt_opt_parse_plen_fam(ctx, in->ext->name, a->opt->name,
					   slash, AF_INET6, &plen))
		return -1;
	memcpy(src ? d->src_pfx : d->dst_pfx, addr, 16);
	*(src ? &d->src_len : &d->dst_len) = (uint8_t)plen;
	return 0;
}

int qt_npt_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		 struct qt_ctx *ctx)
{
	struct qt_npt_data *d = in->data;
	(void)env;
	if (qt_opt_fcheck(in, ctx))
		return -1;
	d->adjustment = qt_npt_adjustment(d->src_pfx, d->dst_pfx);
	return 0;
}

/* Are the bits of a after its first len bits all zero? */
static bool host_bits_clear(const uint8_t a[16], unsigned len)
{
	for (unsigned i = len; i < 128; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int qt_npt_kcheck(const struct qt_ext_inst *in, const struct qt_rule_env *env,
		  unsigned hooks)
{
	const struct qt_npt_data *d = in->data;
	if (strcmp(env->table, "mangle") || (env->hooks & ~hooks))
		return EINVAL;
	if (d->src_len > 64 || d->dst_len > 64 ||
	    !host_bits_clear(d->src_pfx, d->src_len) ||
	    !host_bits_clear(d->dst_pfx, d->dst_len))
		return EINVAL;
	return 0;
}

static void put_pfx(struct qt_buf *b, const uint8_t a[16], unsigned len)
{
	char t[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, a, t, sizeof(t));
	qt_buf_printf(b, "%s/%u", t, len);
}

static bool pfx_is_zero(const uint8_t a[16], unsigned len)
{
	static const uint8_t zero[16];
	return len == 0 && !memcmp(a, zero, 16);
}

void qt_npt_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct qt_npt_data *d = in->data;
	if (!pfx_is_zero(d->src_pfx, d->src_len)) {
		qt_buf_puts(b, " --src-pfx ");
		put_pfx(b, d->src_pfx, d->src_len);
	}
	if (!pfx_is_zero(d->dst_pfx, d->dst_len)) {
		qt_buf_puts(b, " --dst-pfx ");
		put_pfx(b, d->dst_pfx, d->dst_len);
	}
}

void qt_npt_print(const struct qt_ext_inst *in, struct qt_buf *b,
		  const char *name)
{
	const struct qt_npt_data *d = in->data;
	qt_buf_printf(b, " %s src-pfx ", name);
	put_pfx(b, d->src_pfx, d->src_len);
	qt_buf_puts(b, " dst-pfx ");
	put_pfx(b, d->dst_pfx, d->dst_len);
}

/* ---- the translation ---- */

static uint16_t word_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_word(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* a + b in 16-bit one's complement (end-around carry). */
static uint16_t ones_add(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

static uint16_t ones_sum(const uint8_t a[16])
{
	uint16_t s = 0;
	for (unsigned i = 0; i < 16; i += 2)
		s = ones_add(s, word_at(a + i));
	return s;
}

uint16_t qt_npt_adjustment(const uint8_t src_pfx[16],
			   const uint8_t dst_pfx[16])
{
	/* minus x is ~x in one's complement */
	return ones_add(ones_sum(src_pfx), (uint16_t)~ones_sum(dst_pfx));
}

bool qt_npt_map(const struct qt_npt_data *d, uint8_t addr[16])
{
	unsigned len = d->src_len > d->dst_len ? d->src_len : d->dst_len;
	for (unsigned i = 0; i < len && i < 128; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));
		addr[i / 8] = (uint8_t)((addr[i / 8] & ~bit) |
					(d->dst_pfx[i / 8] & bit));
	}
	unsigned w = 3;            /* bits 48-63 */
	if (len > 48) {
		for (w = 4; w < 8 && word_at(addr + 2 * w) == 0xffff; w++)
			;
		if (w == 8)
			return false;
	}
	uint16_t v = ones_add(word_at(addr + 2 * w), d->adjustment);
	put_word(addr + 2 * w, v == 0xffff ? 0 : v);
	return true;
}

/* The whole TCP or UDP checksum of an IPv6 packet whose checksum the
 * queue left partial (the pseudo-header's sum in the field): a packet
 * handed back with a verdict loses that state (nfqnl_mangle makes it
 * CHECKSUM_NONE). Other protocols are not offloaded and keep what they
 * have. */
static void complete_csum(struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	unsigned at;
	if (!p->l4_ok || p->frag_hdr)
		return;
	if (p->proto == IPPROTO_TCP)
		at = 16;
	else if (p->proto == IPPROTO_UDP)
		at = 6;
	else
		return;
	uint32_t off = (uint32_t)(p->l4 - ev->data);
	if (p->ip_len < off + at + 2 || p->ip_len > ev->len)
		return;
	qt_csum_l4_whole(ev->data, ev->data + off, p->ip_len - off, p->proto,
			 at, p->proto == IPPROTO_UDP);
}

/* ip6t_NPT on an address it cannot map: icmpv6_send's parameter
 * problem (erroneous header field, pointing at the address), about
 * the packet as the mapping left it (its prefix already written), from
 * the address the kernel picks on the way back to the sender. */
static void param_problem(struct qt_eval *ev, uint32_t field)
{
	const struct qt_engine_env *env = ev->env;
	if (!env || !env->send)
		return;
	struct qt_pkt p;
	qt_pkt_parse_ipv6(&p, ev->data, ev->len);
	struct qt_reject_env renv = {
		.ttl = 64,
		.l2_not_host = ev->l2_known && ev->l2_type != QT_L2_HOST,
	};
	if (env->addrs && ev->indev &&
	    !qt_addrs_local6(env->addrs, &p.daddr.v6, ev->indev))
		qt_addrs_source6(env->addrs, ev->indev, &p.saddr.v6,
				 &renv.icmp_saddr6);
	uint8_t buf[QT_REJECT6_MAX];
	/* parameter problem, erroneous header field */
	size_t n = qt_icmp6_error_build(&p, 4, 0, field, &renv, buf,
					sizeof(buf));
	if (n)
		env->send(env->send_user, buf, (uint32_t)n);
}

int qt_npt_target(const struct qt_ext_inst *in, struct qt_eval *ev,
		  bool source)
{
	const struct qt_npt_data *d = in->data;
	if (ev->pkt.family != AF_INET6 || ev->len < 40)
		return QT_XT_CONTINUE;
	/* the rewritten packet replaces the queued one: a part of it
	 * would cut it short (copy_need asks for all of it) */
	if (ev->len < ev->orig_len)
		return QT_XT_DROP;
	uint32_t field = source ? 8 : 24;
	uint8_t addr[16];
	memcpy(addr, ev->data + field, 16);
	if (!qt_npt_map(d, addr)) {
		/* the error quotes the packet as the kernel's holds it
		 * then: the prefix written, the checksum as it came */
		memcpy(ev->data + field, addr, 16);
		param_problem(ev, field);
		return QT_XT_DROP;
	}
	/* completed over the address as it was: what the kernel's stack
	 * completes later is the sum it started from, and it differs from
	 * the mapped address's when the two prefix lengths differ (the
	 * bits between them are overwritten without adjustment) */
	if (ev->csum_not_ready) {
		complete_csum(ev);
		ev->csum_not_ready = false;
	}
	memcpy(ev->data + field, addr, 16);
	qt_pkt_parse_ipv6(&ev->pkt, ev->data, ev->len);
	ev->rewritten = true;
	return QT_XT_CONTINUE;
}
