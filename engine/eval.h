/* What a match or a target sees of the packet being judged, and what it
 * may do to it: the engine side of the extension API (parser/ext.h has
 * the hooks: match, target, state_new/state_free, copy_need, classify).
 *
 * One struct qt_eval per packet per hook, filled by the engine (or the
 * replay driver) before the tables are walked. Matches read it; targets
 * may change mark, packet bytes and the flags below. Nothing here is
 * shared between threads except env, which is read-only on the packet
 * path. */
#ifndef QT_EVAL_H
#define QT_EVAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "model.h"
#include "nflog_tag.h"
#include "packet.h"

struct qt_addrs;
struct qt_links;
struct qt_ct;
struct qt_ct_entry;

/* Link-layer packet types: the kernel's PACKET_HOST, PACKET_BROADCAST,
 * PACKET_MULTICAST values. */
enum qt_l2_type { QT_L2_HOST = 0, QT_L2_BROADCAST = 1, QT_L2_MULTICAST = 2 };

/* What a target tells the walk. */
enum qt_xt_verdict {
	QT_XT_CONTINUE,        /* go on with the next rule (MARK, LOG, ...) */
	QT_XT_ACCEPT,          /* this table accepts: go to the next table */
	QT_XT_DROP,            /* the packet is dropped (REJECT after its reply) */
};

/* Daemon-wide services, read-only on the packet path. Any may be NULL
 * (the replay driver and unit tests run without a kernel): matches and
 * targets then do the most harmless thing (no reply sent, no line
 * written, addrtype UNICAST) and say so by counting in stats. */
struct qt_engine_env {
	const struct qt_addrs *addrs;  /* addrtype, pkttype, LOG's MAC */
	const struct qt_links *links;  /* ifindex -> name, MAC, type */
	/* LOG: one finished line (no newline) at a syslog level. */
	void (*log)(void *user, int level, const char *line);
	void *log_user;
	/* REJECT: send a crafted IPv4 packet (IP header first). 0 or -errno. */
	int (*send)(void *user, const uint8_t *pkt, uint32_t len);
	void *send_user;
	unsigned hz;                   /* the kernel's CONFIG_HZ (jiffies) */
};

struct qt_eval {
	struct qt_pkt pkt;          /* the parsed headers (util/packet.h) */
	uint8_t *data;              /* the packet, IP header first; targets
	                               may rewrite it in place */
	uint32_t len;               /* bytes at data: the queue's copy */
	uint32_t cap;               /* bytes data can hold (a target may
	                               grow the packet up to this) */
	uint32_t orig_len;          /* the packet's real length (skb->len):
	                               what byte counters count */
	uint8_t hook;               /* enum qt_hook (parser/model.h) */
	int indev, outdev;          /* ifindex; 0 when none */
	const char *in, *out;       /* their names; "" when none */
	uint32_t mark;              /* the packet mark (skb->mark) */
	bool has_uid, has_gid;      /* local sockets (OUTPUT) */
	uint32_t uid, gid;
	uint32_t priority;          /* skb->priority (NFQA_PRIORITY) */
	uint8_t hwaddr[8];          /* link-layer source (NFQA_HWADDR) */
	uint8_t hwaddr_len;         /* 0: none */
	uint64_t now_ns;            /* CLOCK_MONOTONIC of the burst */
	struct timespec wall;       /* CLOCK_REALTIME of the burst (-m time) */

	/* Set by targets. */
	bool mark_changed;          /* the verdict carries ev->mark */
	bool rewritten;             /* data/len changed, checksums already
	                               fixed by the target: send it back */
	bool kernel_nat;            /* NAT rewrote data for the walk only:
	                               the connection is offloaded, the
	                               kernel's maps rewrite the packet
	                               itself (io/nat_offload.h), so the
	                               verdict need not carry it (rewritten
	                               is then left as other targets set it) */
	bool csum_not_ready;        /* NFQA_SKB_CSUMNOTREADY: the transport
	                               checksum is partial; a target that
	                               rewrites must complete it */
	bool gso;                   /* NFQA_SKB_GSO: one packet of several
	                               segments still to be made; each gets
	                               its checksum when it is */
	bool csum_unverified;       /* NFQA_SKB_CSUM_NOTVERIFIED: the kernel has
	                               not verified the transport checksum
	                               (conntrack does at PREROUTING) */
	bool untracked;             /* raw table: CT --notrack / NOTRACK */
	/* A template before tracking (the kernel's ct template on the
	 * skb: CT in raw, nft's ct zone set): the zone the connection is
	 * looked for and made in. The first one set stays (the kernel's
	 * xt_CT and nft_ct_set_zone_eval leave a packet that has one). */
	bool ct_tmpl;
	bool ct_zone_mark;          /* CT --zone mark: the id is the
	                               packet's mark when it is tracked */
	uint8_t ct_zone_dir;        /* QT_CT_ZONE_DIR_* */
	uint16_t ct_zone;
	/* Log statements the kernel writes met (NFLOG, AUDIT), in order: the
	 * kernel logs them (engine/nflog_tag.h); nflog_over counts those
	 * met beyond QT_NFLOG_HITS. */
	const struct qt_nflog *nflog[QT_NFLOG_HITS];
	uint8_t nflog_n, nflog_over;
	uint8_t nflog_rewritten;    /* bit k: the k-th met the packet
	                               rewritten already (NAT, payload
	                               set...), for the walk or for good */
	/* The frame's link-layer type (skb->pkt_type) when the engine
	 * knows it (the queue told: see io/steering.h); else matches
	 * derive it from the IP destination. */
	bool l2_known;
	uint8_t l2_type;            /* enum qt_l2_type */
	/* Connection tracking (engine/ct/conntrack.h), filled by the engine
	 * before the tables are walked when the ruleset uses it: */
	bool ct_valid;              /* the fields below are set */
	uint8_t ct_state;           /* enum qt_ct_state */
	uint8_t ct_dir;             /* enum qt_ct_dir */
	struct qt_ct_entry *ct;     /* the entry (NULL: INVALID without one,
	                               UNTRACKED); its shard's lock is held
	                               by this thread while the packet is
	                               judged, so targets may change ct->mark */
	struct qt_ct *ct_shard;     /* the table the entry lives in */
	/* The connection's packet and byte counts per direction as its
	 * tracking left them for this packet (its own pass counted, the
	 * passes of its connection's later packets not), read at each of
	 * the packet's hooks: the kernel runs a packet through its hooks
	 * to completion, so a rule after conntrack sees only the packets
	 * before it counted, where here a later packet may be tracked
	 * while this one waits for its next hook. ct_counted: set (the
	 * entry counts and the packet was tracked here). */
	bool ct_counted;
	uint64_t ct_packets[2], ct_bytes[2];
	/* Called by the walk where the kernel runs conntrack: after the raw
	 * table at PREROUTING and OUTPUT (priority -200), when the program
	 * uses connection tracking. It fills the ct_* fields; setting
	 * hotdrop there drops the packet (table full). */
	void (*ct_in)(struct qt_eval *ev, void *user);
	void *ct_user;
	/* Set with ct_in at every hook: a target that sent a reply about
	 * the packet (REJECT) hands it over (len bytes, IP header first),
	 * so that the reply is judged with the packet's connection, as
	 * the kernel's nf_ct_attach does (RELATED to it). NULL: none. */
	void (*ct_attach)(struct qt_eval *ev, const uint8_t *reply,
			  uint32_t len, void *user);
	bool hotdrop;               /* set by a match: drop the packet now
	                               (the kernel's par->hotdrop, e.g. a
	                               TCP header that cannot be read) */

	const struct qt_engine_env *env;
};

/* Fill ev for a packet of len bytes at data (real length orig_len) at
 * hook; everything else zero/empty. The header fields are parsed (as
 * IPv6 when the version nibble says 6, else as IPv4); a
 * packet that does not parse still gets judged (only rules without
 * header conditions can match it, as in the kernel where such a packet
 * never reaches the tables: the caller decides, see qt_engine). Returns
 * the parse status. */
int qt_eval_init(struct qt_eval *ev, uint8_t *data, uint32_t len,
		 uint32_t cap, uint32_t orig_len, unsigned hook,
		 const struct qt_engine_env *env);

/* The instance a match or target function is handed on the packet
 * path: the engine's view of the model's instance (the same ext and
 * data) with the state the engine keeps for it (engine/rt_store.h). */
struct qt_ext_run {
	struct qt_ext_inst in;      /* first: &run->in is what is handed */
	void *state;                /* made by ext->state_new; NULL: none */
};

/* The state of the instance a match or target function was handed. */
static inline void *qt_ext_state(const struct qt_ext_inst *in)
{
	return ((const struct qt_ext_run *)(const void *)in)->state;
}

/* Give a packet not yet tracked a zone template (CT in raw, or nft's
 * ct zone set before conntrack), as the kernel does: only a packet with
 * none (the first one stays); xt_CT leaves an untracked packet so
 * (keep_untracked), nft_ct_set_zone_eval tracks it after all. dir:
 * QT_CT_ZONE_DIR_* (engine/ct/conntrack_entry.h); mark: the id is the
 * packet's mark when conntrack runs. */
static inline void qt_eval_ct_template(struct qt_eval *ev, uint16_t zone,
				       uint8_t dir, bool mark,
				       bool keep_untracked)
{
	if (ev->ct_valid || ev->ct_tmpl || (keep_untracked && ev->untracked))
		return;
	ev->untracked = false;
	ev->ct_tmpl = true;
	ev->ct_zone = zone;
	ev->ct_zone_dir = dir;
	ev->ct_zone_mark = mark;
}

struct qt_ct_acct;

/* The packet and byte counts per direction that e (the packet's entry)
 * held when this packet was tracked: the packet's own copy when its
 * tracking made one (ct_counted), else the entry's counts as they are
 * (a packet not tracked here, such as a reply a target sent). false:
 * the entry counts nothing (made before accounting was on). What
 * xt_connbytes and nft's ct packets/bytes/avgpkt read. */
bool qt_eval_ct_acct(const struct qt_eval *ev, const struct qt_ct_entry *e,
		     struct qt_ct_acct *out);

/* A log statement the kernel writes (to a netlink group or the audit
 * log) met: noted for the verdict's tag (engine/nflog_tag.h), with
 * whether the packet was rewritten by then; beyond QT_NFLOG_HITS only
 * counted. */
static inline void qt_eval_nflog(struct qt_eval *ev, const struct qt_nflog *p)
{
	if (ev->nflog_n < QT_NFLOG_HITS) {
		if (ev->rewritten || ev->kernel_nat)
			ev->nflog_rewritten |= (uint8_t)(1u << ev->nflog_n);
		ev->nflog[ev->nflog_n++] = p;
	} else if (ev->nflog_over < UINT8_MAX) {
		ev->nflog_over++;
	}
}

/* Header-field constraints a match states for the classifier (see
 * engine/classify.c): a packet can only match if its field is inside the
 * range. A match sets only what holds whatever else it checks and only
 * when not inverted. Ports are the two 16-bit words at the transport
 * offset of a TCP/UDP packet (of a non-first fragment too, as
 * iptables-nft's payload loads read them): a packet without them (other
 * protocols, fewer than 4 bytes) matches no rule that sets a port range
 * here. */
struct qt_class_key {
	bool sport_set, dport_set;
	uint16_t sport[2], dport[2];  /* inclusive */
};

#endif
