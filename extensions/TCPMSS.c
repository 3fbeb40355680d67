/* -j TCPMSS: rewrite the MSS option of TCP SYN packets. Facts of
 * iptables-nft 1.8.9 (libxt_TCPMSS, the kernel's xt_TCPMSS): one of the
 * two options is required (the last one given wins); the kernel wants
 * -p tcp and, for --clamp-mss-to-pmtu added to a built-in chain, the
 * FORWARD, OUTPUT or POSTROUTING hook. It cannot see the SYN match under
 * nf_tables, so none is needed. Over IPv6 (ip6t_TCPMSS) the segment
 * starts after the extension headers, the clamp takes 60 bytes of
 * headers off the MTU and the default MSS put in an option-less SYN is
 * 1220, not 536; the IPv6 header has no checksum, only its payload
 * length grows. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csum.h"
#include "eval.h"
#include "ext.h"
#include "model.h"

#define MSS_CLAMP_PMTU 0xFFFF

struct tcpmss_data {
	uint16_t mss;   /* MSS_CLAMP_PMTU: the path MTU minus the
	                   IP and TCP headers (40, IPv6 60) */
};

enum { O_SET_MSS, O_CLAMP };

static const struct qt_ext_opt tcpmss_opts[] = {
	/* 65535 minus the 20-byte TCP header */
	{ .name = "set-mss", .id = O_SET_MSS, .type = QT_OT_UINT,
	  .max = 65515, QT_PUT(struct tcpmss_data, mss) },
	{ .name = "clamp-mss-to-pmtu", .id = O_CLAMP, .value = MSS_CLAMP_PMTU,
	  QT_PUT(struct tcpmss_data, mss) },
	{ .name = NULL },
};

static int tcpmss_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
			struct qt_ctx *ctx)
{
	(void)env;
	if (!in->seen)
		return qt_param_error(ctx,
			"TCPMSS target: At least one parameter is required");
	return 0;
}

static int tcpmss_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	const struct tcpmss_data *d = in->data;
	unsigned ok = 1u << QT_HOOK_FORWARD | 1u << QT_HOOK_LOCAL_OUT |
		      1u << QT_HOOK_POST_ROUTING;
	if (!qt_rule_proto_is(env->rule, 6))
		return EINVAL;
	/* xt_TCPMSS checks this in its checkentry, which sees the hook of
	 * a built-in chain only: in user chains clamping is never refused */
	if (d->mss == MSS_CLAMP_PMTU && (env->base_hooks & ~ok))
		return EINVAL;
	return 0;
}

static void tcpmss_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct tcpmss_data *d = in->data;
	if (d->mss == MSS_CLAMP_PMTU)
		qt_buf_puts(b, " --clamp-mss-to-pmtu");
	else
		qt_buf_printf(b, " --set-mss %u", d->mss);
}

static void tcpmss_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct tcpmss_data *d = in->data;
	(void)numeric;
	if (d->mss == MSS_CLAMP_PMTU)
		qt_buf_puts(b, " TCPMSS clamp to PMTU");
	else
		qt_buf_printf(b, " TCPMSS set %u", d->mss);
}

/* ---- engine side: xt_TCPMSS's tcpmss_mangle_packet and tcpmss_tg4 ----
 *
 * As in the kernel, the target looks at any TCP packet it is given: it
 * does not test the SYN flag itself (xt_TCPMSS only demands a SYN match
 * in the rule under iptables-legacy; under nf_tables that check is
 * skipped, so a rule without one rewrites whatever it sees).
 *  - a non-first fragment, or another protocol: unchanged;
 *  - a TCP header that is cut short or has a bad data offset: dropped;
 *  - an MSS option (kind 2, length 4) in the header: lowered to the
 *    rule's value, never raised;
 *  - no MSS option, no payload and room in the data offset: a 4-byte
 *    option is inserted right after the fixed header with
 *    min(value, 536) (RFC 1122's default MSS), the packet grows by 4.
 * Checksums are updated incrementally as the kernel does (a packet with
 * a wrong TCP checksum keeps it wrong by the same amount). When the
 * queue said "checksum not ready", the TCP checksum field holds only
 * the pseudo-header's partial sum and the kernel finishes it after the
 * verdict; but a packet handed back with a verdict is marked as having
 * no checksum at all (nfqnl_mangle), so the full TCP checksum is
 * computed over the whole segment here instead.
 *
 * --clamp-mss-to-pmtu: the kernel takes min(route MTU towards the
 * destination, MTU of the route back to the source) minus 40. The
 * route's MTU is not visible to us; the output interface's MTU is used
 * (and the input interface's, when there is one, for the way back),
 * read from /sys/class/net/NAME/mtu and cached per rule for a second so
 * the packet path does at most one small sysfs read per interface per
 * second. A route with a lower "mtu" attribute than its device is not
 * honoured. An MTU that cannot be read or is <= 40: dropped, as the
 * kernel drops for an unknown path MTU.
 *
 * Compared with the kernel (Linux 6.18, iptables-nft 1.8.9,
 * tests/unit/gen_tcpmss_vectors.py): a SYN with MSS 1460 sent through a
 * veth pair in a namespace with `-t mangle -A POSTROUTING -p tcp
 * --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1000`, captured on the far
 * side, equals byte for byte what this target makes of the same packet;
 * so do an MSS below the value (unchanged), SYNs without the option
 * (536 inserted, before other options), a SYN with data (unchanged), a
 * wrong checksum (kept wrong), an ACK under a rule without the SYN match
 * (rewritten and grown: the kernel does it too) and clamping on a
 * 1400-byte MTU (1360). tests/unit/test_targets.c holds the vectors. */

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOLEN_MSS 4
#define MSS_DEFAULT 536   /* RFC 1122 */
#define MSS_DEFAULT6 1220 /* IPv6: its minimum MTU 1280 minus 60 */
#define MTU_TTL_NS 1000000000ull
#define MTU_SLOTS 8

struct mtu_slot {
	int ifindex;
	uint32_t mtu;        /* 0: unreadable */
	uint64_t at_ns;      /* ev->now_ns when read */
};

struct tcpmss_state {
	pthread_mutex_t lock;
	struct mtu_slot slot[MTU_SLOTS];
	unsigned next;       /* round-robin replacement */
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The whole TCP checksum of a segment of n bytes at th, over either
 * family's pseudo-header. */
static void tcp_csum_full(const uint8_t *ip, uint8_t *th, uint32_t n)
{
	qt_csum_l4_whole(ip, th, n, IPPROTO_TCP, 16, false);
}

static uint32_t mtu_read(const char *name)
{
	char path[64], text[16];
	if (!name || !*name || strchr(name, '/') ||
	    snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", name) >=
	    (int)sizeof(path))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = 0;
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	return end != text && v <= UINT32_MAX ? (uint32_t)v : 0;
}

/* The MTU of an interface, cached in st for a second (st may be NULL:
 * read every time). */
static uint32_t mtu_of(struct tcpmss_state *st, int ifindex,
		       const char *name, uint64_t now)
{
	if (!st)
		return mtu_read(name);
	uint32_t mtu;
	pthread_mutex_lock(&st->lock);
	struct mtu_slot *sl = NULL;
	for (unsigned i = 0; i < MTU_SLOTS; i++)
		if (st->slot[i].ifindex == ifindex && st->slot[i].at_ns) {
			sl = &st->slot[i];
			break;
		}
	if (sl && now - sl->at_ns < MTU_TTL_NS) {
		mtu = sl->mtu;
	} else {
		if (!sl) {
			sl = &st->slot[st->next];
			st->next = (st->next + 1) % MTU_SLOTS;
		}
		mtu = mtu_read(name);
		sl->ifindex = ifindex;
		sl->mtu = mtu;
		sl->at_ns = now ? now : 1;
	}
	pthread_mutex_unlock(&st->lock);
	return mtu;
}

static int tcpmss_state_new(const struct qt_ext_inst *in,
			    const struct qt_engine_env *env, void **state)
{
	const struct tcpmss_data *d = in->data;
	(void)env;
	if (d->mss != MSS_CLAMP_PMTU)
		return 0;
	struct tcpmss_state *st = calloc(1, sizeof(*st));
	if (!st || pthread_mutex_init(&st->lock, NULL)) {
		free(st);
		return -1;
	}
	*state = st;
	return 0;
}

static void tcpmss_state_free(void *state)
{
	struct tcpmss_state *st = state;
	if (!st)
		return;
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* The kernel's optlen(): a bad length steps one byte. */
static uint32_t opt_step(const uint8_t *opt, uint32_t i)
{
	if (opt[i] <= TCPOPT_NOP || opt[i + 1] == 0)
		return 1;
	return opt[i + 1];
}

static int tcpmss_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct tcpmss_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	uint8_t *ip = ev->data;
	bool v6 = p->family == AF_INET6;
	/* where the segment starts: after IPv6's extension headers */
	uint32_t thoff = v6 ? (p->l4 ? (uint32_t)(p->l4 - p->data) : 0)
			    : p->ihl;

	if (p->proto != IPPROTO_TCP || p->frag_off)
		return QT_XT_CONTINUE;
	/* ip6t_TCPMSS drops what ipv6_skip_exthdr cannot walk */
	if (v6 && (p->exthdr_cut || thoff < 40 || thoff > p->ip_len))
		return QT_XT_DROP;
	if (!v6 && (p->ihl < 20 || p->ip_len < p->ihl))
		return QT_XT_CONTINUE;
	/* A copy shorter than the packet cannot be handed back whole (the
	 * queue would cut the packet): leave it (copy_need asks for all). */
	if (ev->len < p->ip_len || ev->orig_len > ev->len)
		return QT_XT_CONTINUE;

	uint32_t len = p->ip_len - thoff;    /* the TCP segment */
	uint8_t *th = ip + thoff;
	/* the IP and TCP headers the clamp takes off the MTU */
	uint32_t minlen = v6 ? 60 : 40;
	if (len < 20)
		return QT_XT_DROP;
	uint32_t hdrlen = (uint32_t)(th[12] >> 4) * 4;
	if (len < hdrlen || hdrlen < 20)
		return QT_XT_DROP;

	uint16_t newmss;
	if (d->mss == MSS_CLAMP_PMTU) {
		uint32_t mtu = ev->outdev ?
			mtu_of(qt_ext_state(in), ev->outdev, ev->out,
			       ev->now_ns) : 0;
		if (ev->indev && mtu) {
			uint32_t back = mtu_of(qt_ext_state(in), ev->indev, ev->in,
					       ev->now_ns);
			if (back < mtu)
				mtu = back;
		}
		if (mtu <= minlen)
			return QT_XT_DROP;
		newmss = (uint16_t)(mtu - minlen);
	} else {
		newmss = d->mss;
	}

	bool partial = ev->csum_not_ready;
	for (uint32_t i = 20; i + TCPOLEN_MSS <= hdrlen; i += opt_step(th, i)) {
		if (th[i] != TCPOPT_MSS || th[i + 1] != TCPOLEN_MSS)
			continue;
		uint16_t oldmss = get16(th + i + 2);
		/* never raised, even by --set-mss */
		if (oldmss <= newmss)
			return QT_XT_CONTINUE;
		put16(th + i + 2, newmss);
		if (partial)
			tcp_csum_full(ip, th, len);
		else
			qt_csum_replace2(th + 16, oldmss, newmss);
		ev->csum_not_ready = false;
		ev->rewritten = true;
		return QT_XT_CONTINUE;
	}

	/* No MSS option. Payload after the header would have to move (and
	 * the SYN might grow too big): left alone; so is a full header. */
	if (len > hdrlen || hdrlen >= 60)
		return QT_XT_CONTINUE;
	/* The kernel grows the buffer; we can only use what ev->cap gives. */
	if (ev->cap < p->ip_len + TCPOLEN_MSS || p->ip_len + TCPOLEN_MSS > 0xffff)
		return QT_XT_CONTINUE;
	uint16_t dflt = v6 ? MSS_DEFAULT6 : MSS_DEFAULT;
	if (newmss > dflt)
		newmss = dflt;

	uint8_t *opt = th + 20;
	memmove(opt + TCPOLEN_MSS, opt, len - 20);
	opt[0] = TCPOPT_MSS;
	opt[1] = TCPOLEN_MSS;
	put16(opt + 2, newmss);
	uint16_t old_doff = get16(th + 12);
	th[12] = (uint8_t)(th[12] + (TCPOLEN_MSS / 4 << 4));
	if (partial) {
		tcp_csum_full(ip, th, len + TCPOLEN_MSS);
	} else {
		/* pseudo-header length, the new option word, the offset */
		qt_csum_replace2(th + 16, (uint16_t)len,
			     (uint16_t)(len + TCPOLEN_MSS));
		qt_csum_replace2(th + 16, 0, get16(opt));
		qt_csum_replace2(th + 16, 0, get16(opt + 2));
		qt_csum_replace2(th + 16, old_doff, get16(th + 12));
	}
	uint16_t tot = (uint16_t)p->ip_len, ntot = (uint16_t)(tot + TCPOLEN_MSS);
	if (v6) {
		put16(ip + 4, (uint16_t)(ntot - 40));
	} else {
		put16(ip + 2, ntot);
		qt_csum_replace2(ip + 10, tot, ntot);
	}
	ev->len = ntot;
	ev->orig_len = ntot;
	ev->csum_not_ready = false;
	ev->rewritten = true;
	/* the headers moved: what later rules read must follow */
	if (v6)
		qt_pkt_parse_ipv6(&ev->pkt, ev->data, ev->len);
	else
		qt_pkt_parse_ipv4(&ev->pkt, ev->data, ev->len);
	return QT_XT_CONTINUE;
}

/* The option may have to be inserted: the whole packet is needed. */
static uint32_t tcpmss_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext tcpmss_target = {
	.name = "TCPMSS",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct tcpmss_data),
	.opts = tcpmss_opts,
	.check = tcpmss_check,
	.kcheck = tcpmss_kcheck,
	.save = tcpmss_save,
	.print = tcpmss_print,
	.target = tcpmss_target_fn,
	.state_new = tcpmss_state_new,
	.state_free = tcpmss_state_free,
	.copy_need = tcpmss_copy_need,
	.help =
		"  --set-mss value               explicitly set MSS option to specified value\n"
		"  --clamp-mss-to-pmtu           automatically clamp MSS value to (path_MTU - 20)\n",
	.help_header = "TCPMSS target mutually-exclusive options:",
};
QT_EXT_REGISTER(tcpmss_target)
