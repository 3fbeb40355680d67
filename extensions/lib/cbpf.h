/* Classic BPF (struct sock_filter programs) as the kernel runs them for
 * xt_bpf: the checks bpf_prog_create makes before a program is taken
 * (bpf_check_classic), and an interpreter that gives what the kernel's
 * translation of the program returns on a packet. Pure: no packet
 * parsing, no engine state; the caller says what the packet and its
 * metadata are. */
#ifndef QT_CBPF_H
#define QT_CBPF_H

#include <stdbool.h>
#include <stdint.h>

/* One instruction, as struct sock_filter. */
struct qt_cbpf_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

#define QT_CBPF_MEMWORDS 16           /* BPF_MEMWORDS */

/* Offsets of loads that do not read the packet (linux/filter.h). */
#define QT_SKF_AD_OFF   0xfffff000u   /* -0x1000: ancillary data */
#define QT_SKF_NET_OFF  0xfff00000u   /* -0x100000: from the network header */
#define QT_SKF_LL_OFF   0xffe00000u   /* -0x200000: from the link-layer header */

/* The ancillary data (SKF_AD_*), offsets from QT_SKF_AD_OFF. */
enum {
	QT_SKF_AD_PROTOCOL = 0, QT_SKF_AD_PKTTYPE = 4, QT_SKF_AD_IFINDEX = 8,
	QT_SKF_AD_NLATTR = 12, QT_SKF_AD_NLATTR_NEST = 16, QT_SKF_AD_MARK = 20,
	QT_SKF_AD_QUEUE = 24, QT_SKF_AD_HATYPE = 28, QT_SKF_AD_RXHASH = 32,
	QT_SKF_AD_CPU = 36, QT_SKF_AD_ALU_XOR_X = 40, QT_SKF_AD_VLAN_TAG = 44,
	QT_SKF_AD_VLAN_TAG_PRESENT = 48, QT_SKF_AD_PAY_OFFSET = 52,
	QT_SKF_AD_RANDOM = 56, QT_SKF_AD_VLAN_TPID = 60,
};

/* The kernel's checks of a program of n instructions (n >= 1): 0 when
 * it takes it, else the index of the first instruction at fault (n for
 * a last instruction that is not a return, or a memory slot read before
 * every path to it has written it) plus one, negated: the kernel's
 * EINVAL in any case. */
int qt_cbpf_check(const struct qt_cbpf_insn *p, unsigned n);

/* What the kernel gives a program that user space is not told: NULL
 * when every load of the program can be answered from a queued packet
 * and its metadata, else why not (ancillary data such as the CPU, the
 * queue mapping or a random number, link-layer header loads, and
 * loads from SKF_NET_OFF past the first net_linear bytes: those read
 * the skb's linear data only, whose end depends on how the driver
 * built the skb, which the queue does not tell; the network header's
 * own bytes are always there). The program passed qt_cbpf_check. */
const char *qt_cbpf_unseen(const struct qt_cbpf_insn *p, unsigned n,
			   uint32_t net_linear);

/* The packet as the kernel's skb shows it to the program at a
 * netfilter hook: data from the network header. */
struct qt_cbpf_pkt {
	const uint8_t *data;
	uint32_t avail;       /* bytes at data */
	uint32_t len;         /* skb->len (what LEN loads); loads end at
	                         avail when it is less */
	uint16_t protocol;    /* skb->protocol, host order (ETH_P_IP...) */
	uint32_t mark;        /* skb->mark */
	int ifindex;          /* skb->dev's, 0: no device (OUTPUT) */
	bool cut;             /* set by qt_cbpf_run: a load inside the
	                         packet (len) but past avail, which the
	                         program could not be given: its result
	                         is no answer */
};

/* Run a checked program: what it returns (the kernel's
 * bpf_prog_run_save_cb; xt_bpf matches when it is not 0). A load past
 * the packet ends the program with 0, as does a division by an X of 0;
 * one past avail but inside len ends it too, with pkt->cut set. */
uint32_t qt_cbpf_run(const struct qt_cbpf_insn *p, unsigned n,
		     struct qt_cbpf_pkt *pkt);

#endif
