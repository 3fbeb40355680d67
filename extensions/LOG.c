/* -j LOG: a kernel-log line per packet. Facts from iptables-nft 1.8.9
 * (libxt_LOG): levels by syslog name or number 0-7 (default 4, not
 * saved), the prefix cut to 29 bytes, newlines refused; -L prints the
 * level by name, -L -n prints "flags N level N". Valid in every table. */
#include <net/if_arp.h>
#include <string.h>

#include "host_addrs.h"
#include "eval.h"
#include "host_links.h"
#include "log_format.h"
#include "ext.h"
#include "model.h"

/* The kernel's NF_LOG_* bits: the engine reads them as they are. */
#define LOG_TCPSEQ    0x01
#define LOG_TCPOPT    0x02
#define LOG_IPOPT     0x04
#define LOG_UID       0x08
#define LOG_MACDECODE 0x20

#define PREFIX_MAX 29

struct log_data {
	uint8_t level;
	uint8_t flags;                 /* LOG_* */
	char prefix[PREFIX_MAX + 1];   /* zero-padded */
};

enum { O_LEVEL, O_PREFIX, O_TCPSEQ, O_TCPOPT, O_IPOPT, O_UID, O_MACDECODE };

#define D struct log_data
#define FLAG(n, o, bit) \
	{ .name = n, .id = o, .type = QT_OT_BITS, .value = bit, \
	  QT_PUT(D, flags) }
static const struct qt_ext_opt log_opts[] = {
	{ .name = "log-level", .id = O_LEVEL, .type = QT_OT_SYSLOGLEVEL,
	  QT_PUT(D, level) },
	/* cut to 29 bytes; newlines refused in the whole argument (parse) */
	{ .name = "log-prefix", .id = O_PREFIX, .type = QT_OT_STRING,
	  .min = 1, QT_PUT(D, prefix) },
	FLAG("log-tcp-sequence", O_TCPSEQ, LOG_TCPSEQ),
	FLAG("log-tcp-options", O_TCPOPT, LOG_TCPOPT),
	FLAG("log-ip-options", O_IPOPT, LOG_IPOPT),
	FLAG("log-uid", O_UID, LOG_UID),
	FLAG("log-macdecode", O_MACDECODE, LOG_MACDECODE),
	{ .name = NULL },
};
#undef FLAG
#undef D

/* The level names -L prints. */
static const char *const level_out[8] = {
	"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
};

/* Flag bits in the order save and -L print them. */
static const struct {
	uint8_t bit;
	const char *name;     /* -L word; save adds "--log-" */
} flag_names[] = {
	{ LOG_TCPSEQ, "tcp-sequence" }, { LOG_TCPOPT, "tcp-options" },
	{ LOG_IPOPT, "ip-options" }, { LOG_UID, "uid" },
	{ LOG_MACDECODE, "macdecode" },
};
#define N_FLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static void log_init(struct qt_ext_inst *in)
{
	struct log_data *d = in->data;
	d->level = 4;
}

static int log_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	(void)in;
	if (a->opt->id == O_PREFIX && strchr(a->arg, '\n'))
		return qt_param_error(ctx,
			"Newlines not allowed in --log-prefix");
	return 0;
}

static void log_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct log_data *d = in->data;
	if (d->prefix[0]) {
		qt_buf_puts(b, " --log-prefix");
		qt_save_string(b, d->prefix);
	}
	if (d->level != 4)
		qt_buf_printf(b, " --log-level %u", d->level);
	for (size_t i = 0; i < N_FLAGS; i++)
		if (d->flags & flag_names[i].bit)
			qt_buf_printf(b, " --log-%s", flag_names[i].name);
}

static void log_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct log_data *d = in->data;
	qt_buf_puts(b, " LOG");
	if (numeric) {
		qt_buf_printf(b, " flags %u level %u", d->flags, d->level);
	} else {
		qt_buf_printf(b, " level %s", level_out[d->level & 7]);
		for (size_t i = 0; i < N_FLAGS; i++)
			if (d->flags & flag_names[i].bit)
				qt_buf_printf(b, " %s", flag_names[i].name);
	}
	if (d->prefix[0])
		qt_buf_printf(b, " prefix \"%s\"", d->prefix);
}

/* ---- engine side ----
 *
 * The line is extensions/lib/log_format.c's, byte for byte the kernel's; this
 * part gathers what the kernel knows beside the packet.
 *
 * MAC=: the kernel prints the link header of the received frame, only
 * when there is an input interface: destination MAC, source MAC,
 * ethertype for Ethernet (and loopback, whose header is all zeros but
 * the ethertype). NFQUEUE hands over only the source (NFQA_HWADDR), so
 * the rest is rebuilt: the ethertype is IPv4's 0800 or IPv6's 86dd; the
 * destination is what the sender must have used to reach us:
 * ff:ff:ff:ff:ff:ff for a broadcast destination (255.255.255.255, or a
 * broadcast address of this namespace when env->addrs is there),
 * 01:00:5e + the low 23 bits for IPv4 multicast, 33:33 + the low 32 bits
 * for IPv6's, else the input interface's own address (env->links);
 * on loopback always its own all-zero address.
 * A frame sent to another unicast MAC that still reached the IP layer
 * (a bridge, macvlan tricks) would differ; such frames are rare.
 * A device with no Ethernet-style address (tun, ipip) prints "MAC= " as
 * the kernel does for a device without a link header. Without the
 * interface table (env->links NULL) the destination is unknown: rather
 * than print an address we made up, the field is printed empty ("MAC= "),
 * so parsers still find it. */

/* RTN_BROADCAST of <linux/rtnetlink.h>, whose PREFIX_MAX clashes with
 * ours. */
#define ADDR_BROADCAST 3

/* The received frame's Ethernet header, rebuilt; false when none. */
static bool rebuild_mac(const struct qt_eval *ev, uint8_t hdr[14],
			bool *ether)
{
	const struct qt_engine_env *env = ev->env;
	uint8_t own[8];
	unsigned alen = 0, type = 0;

	if (!env || !env->links || ev->hwaddr_len != 6 ||
	    qt_links_hwaddr(env->links, ev->indev, own, &alen, &type) < 0 ||
	    alen != 6)
		return false;
	bool v6 = ev->pkt.family == AF_INET6;
	const uint8_t *d = v6 ? (const uint8_t *)&ev->pkt.daddr.v6
			      : (const uint8_t *)&ev->pkt.daddr.v4;
	bool mcast = v6 ? d[0] == 0xff : (d[0] & 0xf0) == 0xe0;
	bool bcast;
	if (v6) {
		/* IPv6 has no broadcast; the queue's frame type still says
		 * whether a multicast address came in a unicast frame */
		bcast = false;
		if (ev->l2_known && ev->l2_type == QT_L2_HOST)
			mcast = false;
	} else if (ev->l2_known) {
		/* the queue told the frame's type: a unicast frame went to
		 * our address whatever the IP destination; a multicast frame
		 * to a unicast IP keeps the guess from the address */
		bcast = ev->l2_type == QT_L2_BROADCAST;
		if (ev->l2_type == QT_L2_HOST)
			mcast = false;
	} else {
		bcast = d[0] == 255 && d[1] == 255 && d[2] == 255 && d[3] == 255;
		if (!bcast && !mcast && env->addrs)
			bcast = qt_addrs_type(env->addrs, ev->pkt.daddr.v4,
					      ev->indev) == ADDR_BROADCAST;
	}
	if (type == ARPHRD_LOOPBACK) {
		/* lo's frames carry its all-zero address whatever the
		 * destination: it has no multicast or broadcast MAC */
		memcpy(hdr, own, 6);
	} else if (bcast) {
		memset(hdr, 0xff, 6);
	} else if (mcast && v6) {
		/* 33:33 and the group's last 32 bits (RFC 2464) */
		hdr[0] = 0x33;
		hdr[1] = 0x33;
		memcpy(hdr + 2, d + 12, 4);
	} else if (mcast) {
		hdr[0] = 0x01;
		hdr[1] = 0x00;
		hdr[2] = 0x5e;
		hdr[3] = d[1] & 0x7f;
		hdr[4] = d[2];
		hdr[5] = d[3];
	} else {
		memcpy(hdr, own, 6);
	}
	memcpy(hdr + 6, ev->hwaddr, 6);
	hdr[12] = v6 ? 0x86 : 0x08;
	hdr[13] = v6 ? 0xdd : 0x00;
	*ether = type == ARPHRD_ETHER;
	return true;
}

/* The line is built in a buffer of the calling thread, allocated at its
 * first LOG packet and reused after (a line is under the kernel's own
 * 1024-byte limit, so it never grows again). */
static _Thread_local struct qt_buf log_line;

static int log_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct log_data *d = in->data;
	const struct qt_engine_env *env = ev->env;
	uint8_t mac[14];
	struct qt_log_meta m = {
		.in = ev->in, .out = ev->out,
		.has_sock = ev->has_uid,
		.uid = ev->uid, .gid = ev->gid,
		.mark = ev->mark,
	};
	struct qt_log_opts o = { .level = d->level, .flags = d->flags };

	if (!env || !env->log)
		return QT_XT_CONTINUE;
	memcpy(o.prefix, d->prefix, sizeof(o.prefix));
	if (ev->in && *ev->in && rebuild_mac(ev, mac, &m.mac_ether)) {
		m.mac = mac;
		m.mac_len = sizeof(mac);
	}
	qt_buf_reset(&log_line);
	qt_log_format(&log_line, &ev->pkt, &m, &o);
	env->log(env->log_user, d->level, qt_buf_str(&log_line));
	return QT_XT_CONTINUE;
}

_Static_assert(sizeof(((struct log_data *)0)->prefix) ==
	       sizeof(((struct qt_log_opts *)0)->prefix),
	       "LOG prefix as extensions/lib/log_format.h has it");

/* --log-uid prints the socket's owner: the queue must hand it over. */
static bool log_wants_owner(const struct qt_ext_inst *in)
{
	const struct log_data *d = in->data;
	return d->flags & LOG_UID;
}

static const struct qt_ext log_target = {
	.name = "LOG",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct log_data),
	.opts = log_opts,
	.init = log_init,
	.parse = log_parse,
	.save = log_save,
	.print = log_print,
	.target = log_target_fn,
	.wants_owner = log_wants_owner,
	.l2type = true,
	.help =
		" --log-level level\t\tLevel of logging (numeric or see syslog.conf)\n"
		" --log-prefix prefix\t\tPrefix log messages with this prefix.\n"
		" --log-tcp-sequence\t\tLog TCP sequence numbers.\n"
		" --log-tcp-options\t\tLog TCP options.\n"
		" --log-ip-options\t\tLog IP options.\n"
		" --log-uid\t\t\tLog UID owning the local socket.\n"
		" --log-macdecode\t\tDecode MAC addresses and protocol.\n",
};
QT_EXT_REGISTER(log_target)
