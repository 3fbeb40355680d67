/* NFQUEUE message parsing and verdict encoding (no socket), and the
 * steering restore scripts. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "nfq.h"
#include "steering.h"
#include "tap.h"

struct seen { int type; uint16_t queue; uint32_t id, verdict, mark; bool has_mark; uint32_t plen; uint8_t p0; const uint8_t *pdata; bool has_prio; uint32_t prio; };

/* Decode the verdict messages in buf into s[]; returns how many. */
static int decode(const void *buf, size_t len, struct seen *s, int max)
{
	int n = 0, left = (int)len;
	for (const struct nlmsghdr *m = buf; mnl_nlmsg_ok(m, left) && n < max;
	     m = mnl_nlmsg_next(m, &left)) {
		struct nlattr *a[NFQA_MAX + 1] = { 0 };
		memset(&s[n], 0, sizeof(s[n]));
		s[n].type = m->nlmsg_type & 0xff;
		s[n].queue = ntohs(((const struct nfgenmsg *)mnl_nlmsg_get_payload(m))->res_id);
		if (nfq_nlmsg_parse(m, a) < 0 || !a[NFQA_VERDICT_HDR])
			return -1;
		const struct nfqnl_msg_verdict_hdr *v = mnl_attr_get_payload(a[NFQA_VERDICT_HDR]);
		s[n].id = ntohl(v->id);
		s[n].verdict = ntohl(v->verdict);
		if (a[NFQA_MARK]) {
			s[n].has_mark = true;
			s[n].mark = ntohl(mnl_attr_get_u32(a[NFQA_MARK]));
		}
		/* libnetfilter_queue's parser predates NFQA_PRIORITY */
		const struct nlattr *pa;
		mnl_attr_for_each(pa, m, sizeof(struct nfgenmsg))
			if (mnl_attr_get_type(pa) == NFQA_PRIORITY) {
				s[n].has_prio = true;
				s[n].prio = ntohl(mnl_attr_get_u32(pa));
			}
		if (a[NFQA_PAYLOAD]) {
			s[n].plen = mnl_attr_get_payload_len(a[NFQA_PAYLOAD]);
			s[n].p0 = *(const uint8_t *)mnl_attr_get_payload(a[NFQA_PAYLOAD]);
			s[n].pdata = mnl_attr_get_payload(a[NFQA_PAYLOAD]);
		}
		n++;
	}
	return n;
}

static void test_parse(void)
{
	char buf[4096];
	uint8_t payload[40] = { 0x45 };
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 5);
	struct nfqnl_msg_packet_hdr h = { htonl(42), htons(0x0800), 2 };
	struct qt_nfq_pkt p;

	mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(h), &h);
	mnl_attr_put_u32(nlh, NFQA_MARK, htonl(0x70));
	mnl_attr_put_u32(nlh, NFQA_IFINDEX_INDEV, htonl(3));
	mnl_attr_put_u32(nlh, NFQA_IFINDEX_OUTDEV, htonl(4));
	mnl_attr_put(nlh, NFQA_PAYLOAD, sizeof(payload), payload);
	mnl_attr_put_u32(nlh, NFQA_CAP_LEN, htonl(1500));
	mnl_attr_put_u32(nlh, NFQA_SKB_INFO, htonl(NFQA_SKB_CSUMNOTREADY));
	mnl_attr_put_u32(nlh, NFQA_UID, htonl(1000));

	is_int(qt_nfq_parse(nlh, &p), 0, "packet message parses");
	is_int(p.queue, 5, "queue number from the message");
	is_int(p.id, 42, "packet id");
	is_int(p.hook, QT_HOOK_FWD, "hook");
	is_int(p.hw_proto, 0x0800, "hw protocol");
	is_int(p.mark, 0x70, "mark");
	is_int(p.indev, 3, "indev");
	is_int(p.outdev, 4, "outdev");
	is_int(p.len, 40, "payload length");
	ok(p.payload && p.payload[0] == 0x45, "payload points at the packet");
	is_int(p.orig_len, 1500, "original length from CAP_LEN");
	ok(p.csum_not_ready, "checksum not ready");
	ok(!p.gso, "not GSO");
	ok(p.has_uid && p.uid == 1000, "uid");
	ok(!p.has_gid, "no gid");

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 5);
	mnl_attr_put(nlh, NFQA_PAYLOAD, sizeof(payload), payload);
	is_int(qt_nfq_parse(nlh, &p), -EINVAL, "no packet header: rejected");

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, 5);
	mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(h), &h);
	is_int(qt_nfq_parse(nlh, &p), -EINVAL, "not a packet message: rejected");

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 5);
	mnl_attr_put(nlh, NFQA_PACKET_HDR, 4, &h);
	is_int(qt_nfq_parse(nlh, &p), -EINVAL, "short packet header: rejected");

	/* an attribute claiming more bytes than the message holds */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 5);
	mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(h), &h);
	struct nlattr *mark = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, NFQA_MARK, htonl(1));
	mark->nla_len = 64;
	is_int(qt_nfq_parse(nlh, &p), -EINVAL, "attribute past the message: rejected");
	mark->nla_len = 2;
	is_int(qt_nfq_parse(nlh, &p), -EINVAL, "attribute shorter than its header: rejected");

	/* a u32 attribute cut to 2 bytes is ignored; a repeated one: the last */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, 5);
	mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(h), &h);
	uint16_t two = 7;
	mnl_attr_put(nlh, NFQA_MARK, sizeof(two), &two);
	mnl_attr_put_u32(nlh, NFQA_IFINDEX_INDEV, htonl(3));
	mnl_attr_put_u32(nlh, NFQA_IFINDEX_INDEV, htonl(9));
	is_int(qt_nfq_parse(nlh, &p), 0, "short mark: message still parses");
	is_int(p.mark, 0, "short mark: ignored");
	is_int(p.indev, 9, "repeated attribute: the last one counts");
}

static void test_verdicts(void)
{
	struct qt_nfq_config c;
	struct seen s[16];
	size_t len;
	uint8_t newpkt[60] = { 0x46 };

	qt_nfq_config_default(&c);
	c.queue = 7;
	struct qt_nfq *q = qt_nfq_alloc(&c);
	ok(q != NULL, "alloc without a socket");
	if (!q)
		return;
	qt_nfq_accept(q, 5, 1);
	qt_nfq_accept(q, 5, 2);
	qt_nfq_accept(q, 5, 3);
	qt_nfq_drop(q, 5, 4);
	qt_nfq_accept(q, 5, 5);
	qt_nfq_verdict(q, 5, 6, NF_ACCEPT, true, 9, NULL, 0);
	qt_nfq_verdict(q, 5, 7, NF_ACCEPT, false, 0, newpkt, sizeof(newpkt));
	qt_nfq_accept(q, 5, 8);
	qt_nfq_accept(q, 5, 9);
	const void *b = qt_nfq_pending(q, &len);
	int n = decode(b, len, s, 16);
	is_int(n, 6, "six verdict messages");
	if (n == 6) {
		ok(s[0].type == NFQNL_MSG_VERDICT_BATCH && s[0].id == 3 &&
		   s[0].verdict == NF_ACCEPT, "accepts 1-3: one batch up to 3");
		ok(s[1].type == NFQNL_MSG_VERDICT && s[1].id == 4 &&
		   s[1].verdict == NF_DROP, "drop 4: a single verdict after the batch");
		ok(s[2].type == NFQNL_MSG_VERDICT && s[2].id == 5 &&
		   s[2].verdict == NF_ACCEPT, "a run of one accept: a single verdict");
		ok(s[3].id == 6 && s[3].has_mark && s[3].mark == 9 && !s[3].plen,
		   "accept with a mark: single, carries it");
		ok(s[4].id == 7 && s[4].plen == sizeof(newpkt) && s[4].p0 == 0x46 &&
		   !s[4].has_mark, "accept with a new payload: single, carries it");
		ok(s[5].type == NFQNL_MSG_VERDICT_BATCH && s[5].id == 9,
		   "trailing accepts: a batch");
	}
	const struct qt_nfq_stats *st = qt_nfq_stats(q);
	is_int(st->batches, 2, "batches counted");
	is_int(st->batched, 5, "batched accepts counted");
	is_int(st->accepts, 3, "single accepts counted");
	is_int(st->drops, 1, "drops counted");
	is_int(st->marks, 1, "marks counted");
	is_int(st->rewrites, 1, "rewrites counted");
	qt_nfq_flush(q);
	qt_nfq_pending(q, &len);
	is_int(len, 0, "flush empties the buffer");
	is_int(qt_nfq_verdict(q, 5, 10, NF_ACCEPT, false, 0, newpkt, 1u << 20),
	       -EMSGSIZE, "a payload beyond the buffer is refused");
	qt_nfq_close(q);

	c.batch = false;
	q = qt_nfq_alloc(&c);
	if (!q)
		return;
	qt_nfq_accept(q, 5, 1);
	qt_nfq_accept(q, 5, 2);
	b = qt_nfq_pending(q, &len);
	n = decode(b, len, s, 16);
	ok(n == 2 && s[0].type == NFQNL_MSG_VERDICT && s[0].id == 1 &&
	   s[1].type == NFQNL_MSG_VERDICT && s[1].id == 2,
	   "without batching: one verdict per packet");
	qt_nfq_close(q);

	/* packets of several queues on one socket: ids count per queue, so
	 * a run of accepts never spans two queues */
	c.batch = true;
	q = qt_nfq_alloc(&c);
	if (!q)
		return;
	qt_nfq_accept(q, 7, 1);
	qt_nfq_accept(q, 7, 2);
	qt_nfq_accept(q, 8, 1);
	qt_nfq_drop(q, 9, 1);
	qt_nfq_accept(q, 7, 3);
	qt_nfq_accept(q, 7, 4);
	b = qt_nfq_pending(q, &len);
	n = decode(b, len, s, 16);
	is_int(n, 4, "two queues: four messages");
	if (n == 4) {
		ok(s[0].type == NFQNL_MSG_VERDICT_BATCH && s[0].queue == 7 && s[0].id == 2,
		   "queue 7's first run: a batch up to 2, sent to queue 7");
		ok(s[1].type == NFQNL_MSG_VERDICT && s[1].queue == 8 && s[1].id == 1 &&
		   s[1].verdict == NF_ACCEPT, "queue 8's packet: its own verdict");
		ok(s[2].queue == 9 && s[2].id == 1 && s[2].verdict == NF_DROP,
		   "a drop goes to its queue");
		ok(s[3].type == NFQNL_MSG_VERDICT_BATCH && s[3].queue == 7 && s[3].id == 4,
		   "queue 7 again: a new run");
	}
	qt_nfq_close(q);
}

/* Verdicts with order classes: a burst as NAT makes it, plain accepts
 * mixed with rewritten packets, drops and marks. What may pass the run
 * of accepts does, and the run leaves as one batch after it; what may
 * not (an accept of its class waits) ends the run first. */
static void test_verdicts_ordered(void)
{
	struct qt_nfq_config c;
	struct seen s[16];
	size_t len;
	uint8_t newpkt[60] = { 0x45, 1 };
	enum { A = 11, B = 22, C = 33 };   /* three flows' classes */

	qt_nfq_config_default(&c);
	c.copy_range = 2048;
	struct qt_nfq *q = qt_nfq_alloc(&c);
	if (!q)
		return;
	qt_nfq_accept_in(q, 5, 1, A);
	qt_nfq_accept_in(q, 5, 2, A);
	qt_nfq_verdict_in(q, 5, 3, NF_ACCEPT, false, 0, newpkt, sizeof(newpkt), B);
	qt_nfq_accept_in(q, 5, 4, A);
	qt_nfq_verdict_in(q, 5, 5, NF_DROP, false, 0, NULL, 0, C);
	qt_nfq_verdict_in(q, 5, 6, NF_ACCEPT, true, 9, NULL, 0, B);
	qt_nfq_accept_in(q, 5, 7, C);
	const void *b = qt_nfq_pending(q, &len);
	int n = decode(b, len, s, 16);
	is_int(n, 4, "mixed burst: four messages");
	if (n == 4) {
		ok(s[0].type == NFQNL_MSG_VERDICT && s[0].id == 3 &&
		   s[0].plen == sizeof(newpkt), "rewritten 3 passes the accepts of another class");
		ok(s[1].id == 5 && s[1].verdict == NF_DROP, "then drop 5");
		ok(s[2].id == 6 && s[2].has_mark && s[2].mark == 9, "then the mark of 6");
		ok(s[3].type == NFQNL_MSG_VERDICT_BATCH && s[3].id == 7 &&
		   s[3].verdict == NF_ACCEPT, "accepts 1, 2, 4 and 7: one batch up to 7, last");
	}
	const struct qt_nfq_stats *st = qt_nfq_stats(q);
	ok(st->batches == 1 && st->batched == 4 && st->accepts == 2,
	   "one batch of four; single accepts: the rewritten and the marked");
	qt_nfq_flush(q);

	/* a verdict of a class the run holds ends the run first: its
	 * packet stays behind the earlier ones of its flow */
	qt_nfq_accept_in(q, 5, 11, A);
	qt_nfq_accept_in(q, 5, 12, B);
	qt_nfq_verdict_in(q, 5, 13, NF_ACCEPT, false, 0, newpkt, sizeof(newpkt), A);
	qt_nfq_accept_in(q, 5, 14, B);
	qt_nfq_verdict_in(q, 5, 15, NF_ACCEPT, false, 0, newpkt, sizeof(newpkt), A);
	b = qt_nfq_pending(q, &len);
	n = decode(b, len, s, 16);
	is_int(n, 4, "same class: four messages");
	if (n == 4) {
		ok(s[0].type == NFQNL_MSG_VERDICT_BATCH && s[0].id == 12,
		   "accepts 11-12 go first: 11 is of 13's class");
		ok(s[1].id == 13 && s[1].plen == sizeof(newpkt), "then rewritten 13");
		ok(s[2].id == 15 && s[2].plen == sizeof(newpkt),
		   "rewritten 15 passes accept 14 (another class)");
		ok(s[3].type == NFQNL_MSG_VERDICT && s[3].id == 14 &&
		   !s[3].plen, "accept 14 last, a single verdict");
	}
	qt_nfq_flush(q);

	/* the class of the plain calls keeps order with every class */
	qt_nfq_accept_in(q, 5, 21, A);
	qt_nfq_accept_in(q, 5, 22, B);
	qt_nfq_drop(q, 5, 23);
	qt_nfq_accept(q, 5, 24);
	qt_nfq_verdict_in(q, 5, 25, NF_DROP, false, 0, NULL, 0, C);
	b = qt_nfq_pending(q, &len);
	n = decode(b, len, s, 16);
	ok(n == 4 && s[0].type == NFQNL_MSG_VERDICT_BATCH && s[0].id == 22 &&
	   s[1].id == 23 && s[1].verdict == NF_DROP && s[2].id == 24 &&
	   s[2].verdict == NF_ACCEPT && s[3].id == 25 && s[3].verdict == NF_DROP,
	   "unclassed verdicts keep their order with every class");
	qt_nfq_flush(q);

	/* a large payload (a GSO packet rewritten) ends the run first,
	 * however classed: its packets should not wait behind its copy */
	static uint8_t gso[16000];
	gso[0] = 0x45;
	qt_nfq_accept_in(q, 5, 26, A);
	qt_nfq_verdict_in(q, 5, 27, NF_ACCEPT, false, 0, newpkt, sizeof(newpkt), B);
	qt_nfq_verdict_in(q, 5, 28, NF_ACCEPT, false, 0, gso, sizeof(gso), B);
	qt_nfq_accept_in(q, 5, 29, A);
	b = qt_nfq_pending(q, &len);
	n = decode(b, len, s, 16);
	ok(n == 4 && s[0].id == 27 && s[0].plen == sizeof(newpkt) &&
	   s[1].id == 26 && s[1].type == NFQNL_MSG_VERDICT && !s[1].plen &&
	   s[2].id == 28 && s[2].plen == sizeof(gso) && s[3].id == 29,
	   "a small rewrite passes the run, a 16,000-byte one waits behind it");
	qt_nfq_flush(q);

	/* a run of one queue passed, then another queue's accept: the run
	 * goes before the new one begins */
	qt_nfq_accept_in(q, 7, 1, A);
	qt_nfq_verdict_in(q, 7, 2, NF_ACCEPT, false, 0, newpkt, sizeof(newpkt), B);
	qt_nfq_accept_in(q, 8, 1, A);
	qt_nfq_accept_in(q, 8, 2, A);
	b = qt_nfq_pending(q, &len);
	n = decode(b, len, s, 16);
	ok(n == 3 && s[0].queue == 7 && s[0].id == 2 && s[0].plen &&
	   s[1].queue == 7 && s[1].id == 1 && s[1].type == NFQNL_MSG_VERDICT &&
	   s[2].queue == 8 && s[2].id == 2 && s[2].type == NFQNL_MSG_VERDICT_BATCH,
	   "two queues: rewritten 7/2, accept 7/1, batch 8/2");
	qt_nfq_flush(q);

	/* verdicts that fill a datagram (copied payloads fill sbuf): the
	 * run they passed leaves in it, never in a later one without them */
	static uint8_t big[1800];
	big[0] = 0x45;
	uint64_t batches = st->batches;
	qt_nfq_accept_in(q, 5, 31, A);
	qt_nfq_accept_in(q, 5, 32, A);
	uint32_t id = 33;
	while (st->batches == batches && id < 60)
		qt_nfq_verdict_in(q, 5, id++, NF_ACCEPT, false, 0, big, sizeof(big), B);
	ok(id > 36 && id < 60 && st->batches == batches + 1,
	   "a full datagram ends with the batch of the run the rewrites passed");
	qt_nfq_accept_in(q, 5, id, A);
	b = qt_nfq_pending(q, &len);
	n = decode(b, len, s, 16);
	ok(n == 2 && s[0].id == id - 1 && s[0].plen == sizeof(big) &&
	   s[1].id == id && s[1].type == NFQNL_MSG_VERDICT,
	   "the next datagram: the last rewrite, then the accept after it alone");
	qt_nfq_close(q);
}

/* Verdicts with a priority (CLASSIFY, meta priority set): the
 * attribute NFQA_PRIORITY, alone or with a mark and a payload; an
 * accept that sets nothing stays in the run of accepts. */
static void test_verdicts_priority(void)
{
	struct qt_nfq_config c;
	struct seen s[16];
	size_t len;
	uint8_t newpkt[60] = { 0x45, 2 };

	qt_nfq_config_default(&c);
	struct qt_nfq *q = qt_nfq_alloc(&c);
	if (!q)
		return;
	struct qt_nfq_meta none = { .set_mark = false };
	struct qt_nfq_meta prio = { .set_priority = true, .priority = 0x10002 };
	struct qt_nfq_meta zero = { .set_priority = true, .priority = 0 };
	struct qt_nfq_meta both = { .set_mark = true, .mark = 7,
				    .set_priority = true,
				    .priority = 0xffffffffu };
	qt_nfq_verdict_meta_in(q, 5, 1, NF_ACCEPT, &none, NULL, 0, 1);
	qt_nfq_verdict_meta_in(q, 5, 2, NF_ACCEPT, &none, NULL, 0, 1);
	qt_nfq_verdict_meta_in(q, 5, 3, NF_ACCEPT, &prio, NULL, 0, 2);
	qt_nfq_verdict_meta_in(q, 5, 4, NF_ACCEPT, &zero, NULL, 0, 2);
	qt_nfq_verdict_meta_in(q, 5, 5, NF_ACCEPT, &both, newpkt,
			       sizeof(newpkt), 2);
	qt_nfq_verdict_in(q, 5, 6, NF_ACCEPT, true, 3, NULL, 0, 2);
	const void *b = qt_nfq_pending(q, &len);
	int n = decode(b, len, s, 16);
	is_int(n, 5, "priorities: five messages");
	if (n == 5) {
		ok(s[0].id == 3 && s[0].type == NFQNL_MSG_VERDICT &&
		   s[0].has_prio && s[0].prio == 0x10002 && !s[0].has_mark &&
		   !s[0].plen, "3: the priority 1:2 alone");
		ok(s[1].id == 4 && s[1].has_prio && s[1].prio == 0,
		   "4: priority 0 (none) is sent when asked for");
		ok(s[2].id == 5 && s[2].has_prio && s[2].prio == 0xffffffffu &&
		   s[2].has_mark && s[2].mark == 7 &&
		   s[2].plen == sizeof(newpkt) && s[2].p0 == 0x45,
		   "5: priority, mark and payload in one verdict");
		ok(s[3].id == 6 && s[3].has_mark && !s[3].has_prio,
		   "6: a mark alone carries no priority");
		ok(s[4].id == 2 && s[4].type == NFQNL_MSG_VERDICT_BATCH &&
		   !s[4].has_prio, "1-2: accepts without one stay a batch");
	}
	is_int(qt_nfq_stats(q)->priorities, 3, "priorities counted");
	qt_nfq_close(q);
}

/* A datagram as the kernel queues a packet: id, hook, payload. */
static size_t packet_msg(char *buf, uint16_t queue, uint32_t id,
			 const uint8_t *payload, uint32_t len)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_PACKET, queue);
	struct nfqnl_msg_packet_hdr h = { .packet_id = htonl(id),
					  .hw_protocol = htons(0x0800), .hook = 0 };
	mnl_attr_put(nlh, NFQA_PACKET_HDR, sizeof(h), &h);
	mnl_attr_put(nlh, NFQA_PAYLOAD, len, payload);
	return nlh->nlmsg_len;
}

/* Verdicts for a burst whose packets are rewritten where they were
 * received (the payload sent from the receive slot, not copied), mixed
 * with accepts, a drop and a payload copied from elsewhere: every
 * message in the order given, each carrying its own packet's bytes. */
static void test_verdicts_in_place(void)
{
	struct qt_nfq_config c;
	qt_nfq_config_default(&c);
	c.burst = 8;
	c.copy_range = 2048;
	struct qt_nfq *q = qt_nfq_alloc(&c);
	ok(q != NULL, "alloc without a socket");
	if (!q)
		return;
	enum { N = 7 };
	static char dg[N][4096];
	const void *dgs[N];
	size_t lens[N];
	uint8_t want[N + 1][2048];
	uint32_t wlen[N + 1];
	for (uint32_t id = 1; id <= N; id++) {
		uint8_t pl[2048];
		wlen[id] = 40 + id * 7;      /* odd lengths: padding between */
		for (uint32_t i = 0; i < wlen[id]; i++)
			pl[i] = (uint8_t)(id * 16 + i);
		lens[id - 1] = packet_msg(dg[id - 1], 5, id, pl, wlen[id]);
		dgs[id - 1] = dg[id - 1];
		memcpy(want[id], pl, wlen[id]);
	}
	const struct qt_nfq_pkt *pk;
	int n = qt_nfq_feed(q, dgs, lens, N, &pk);
	is_int(n, N, "seven packets taken");
	if (n != N) {
		qt_nfq_close(q);
		return;
	}
	ok(pk[0].room >= pk[0].len + 64, "room to grow after a packet received");
	/* 2, 4 and 6 rewritten where they are (4 grows by 3 bytes), 7 with
	 * a payload from elsewhere */
	static const uint8_t other[33] = { 0x45, 7, 7, 7 };
	for (int i = 0; i < N; i++) {
		uint32_t id = pk[i].id;
		uint8_t *d = (uint8_t *)(uintptr_t)pk[i].payload;
		uint32_t len = pk[i].len;
		switch (id) {
		case 2: case 4: case 6:
			if (id == 4) {
				memset(d + len, 0xee, 3);
				memset(want[id] + len, 0xee, 3);
				len += 3;
				wlen[id] = len;
			}
			d[1] = want[id][1] = (uint8_t)(0xa0 + id);
			qt_nfq_verdict(q, pk[i].queue, id, NF_ACCEPT, false, 0, d, len);
			break;
		case 5:
			qt_nfq_drop(q, pk[i].queue, id);
			break;
		case 7:
			qt_nfq_verdict(q, pk[i].queue, id, NF_ACCEPT, true, 3, other,
				       sizeof(other));
			memcpy(want[id], other, sizeof(other));
			wlen[id] = sizeof(other);
			break;
		default:
			qt_nfq_accept(q, pk[i].queue, id);
		}
	}
	/* sent from where it is: a change before the flush is what goes */
	((uint8_t *)(uintptr_t)pk[5].payload)[2] = want[6][2] = 0x5a;
	size_t len;
	const uint8_t *b = qt_nfq_pending(q, &len);
	struct seen s[16];
	n = b ? decode(b, len, s, 16) : -1;
	is_int(n, N, "one message per packet (no two accepts in a row)");
	int wrong = 0;
	for (int i = 0; i < n && n == N; i++) {
		uint32_t id = (uint32_t)i + 1;
		bool rewritten = id == 2 || id == 4 || id == 6 || id == 7;
		if (s[i].id != id || s[i].type != NFQNL_MSG_VERDICT ||
		    s[i].verdict != (id == 5 ? NF_DROP : NF_ACCEPT) ||
		    (rewritten ? s[i].plen != wlen[id] ||
				 memcmp(s[i].pdata, want[id], wlen[id])
			       : s[i].plen != 0) ||
		    s[i].has_mark != (id == 7)) {
			wrong++;
			printf("#   message %d: id %u, payload %u bytes\n", i,
			       s[i].id, s[i].plen);
		}
	}
	is_int(wrong, 0, "in order, each with its packet's rewritten bytes");
	is_int(qt_nfq_stats(q)->rewrites, 4, "four rewrites counted");
	/* the next burst reuses the slots: what points there leaves first */
	qt_nfq_feed(q, dgs, lens, 1, &pk);
	qt_nfq_pending(q, &len);
	is_int(len, 0, "a new burst sends what pointed into the slots first");
	qt_nfq_close(q);
}

static void test_steering(void)
{
	struct qt_steer_config c;
	char buf[8192];

	qt_steer_config_default(&c, 3);
	ok(qt_steer_script(&c, "", buf, sizeof(buf)) > 0, "install script");
	is_str(buf,
	       "*mangle\n"
	       ":QTABLES-PRE - [0:0]\n:QTABLES-IN - [0:0]\n:QTABLES-FWD - [0:0]\n"
	       ":QTABLES-OUT - [0:0]\n:QTABLES-POST - [0:0]\n"
	       "-A QTABLES-PRE -j NFQUEUE --queue-num 3\n-I PREROUTING 1 -j QTABLES-PRE\n"
	       "-A QTABLES-IN -j NFQUEUE --queue-num 3\n-I INPUT 1 -j QTABLES-IN\n"
	       "-A QTABLES-FWD -j NFQUEUE --queue-num 3\n-I FORWARD 1 -j QTABLES-FWD\n"
	       "-A QTABLES-OUT -j NFQUEUE --queue-num 3\n-I OUTPUT 1 -j QTABLES-OUT\n"
	       "-A QTABLES-POST -j NFQUEUE --queue-num 3\n-I POSTROUTING 1 -j QTABLES-POST\n"
	       "COMMIT\n"
	       "*raw\n:QTABLES-RAW-PRE - [0:0]\n:QTABLES-RAW-OUT - [0:0]\n"
	       "-A QTABLES-RAW-PRE -j CT --notrack\n-I PREROUTING 1 -j QTABLES-RAW-PRE\n"
	       "-A QTABLES-RAW-OUT -j CT --notrack\n-I OUTPUT 1 -j QTABLES-RAW-OUT\n"
	       "COMMIT\n", "install: chains, queue rules, jumps first, notrack");

	c.queue_last = 5;
	c.bypass = true;
	c.notrack = false;
	qt_steer_script(&c, "", buf, sizeof(buf));
	ok(strstr(buf, "-A QTABLES-FWD -j NFQUEUE --queue-balance 3:5 --queue-bypass\n") &&
	   !strstr(buf, "*raw"), "balance, bypass, no notrack");

	/* the frame's type told by the queue: broadcast frames first, then
	 * multicast, then the rest; as many queues each, balanced alike */
	c.l2 = true;
	c.l2_first = 6;
	is_int(qt_steer_l2_bcast(&c), 6, "broadcast queues from 6");
	is_int(qt_steer_l2_mcast(&c), 9, "multicast queues after them (3 each)");
	qt_steer_script(&c, "", buf, sizeof(buf));
	ok(strstr(buf, "-A QTABLES-PRE -m pkttype --pkt-type unicast -j NFQUEUE "
		       "--queue-balance 3:5 --queue-bypass\n"
		       "-A QTABLES-PRE -m pkttype --pkt-type broadcast -j NFQUEUE "
		       "--queue-balance 6:8 --queue-bypass\n"
		       "-A QTABLES-PRE -m pkttype --pkt-type multicast -j NFQUEUE "
		       "--queue-balance 9:11 --queue-bypass\n"
		       "-A QTABLES-PRE -j NFQUEUE --queue-balance 3:5 --queue-bypass\n") != NULL,
	   "link-layer queues: unicast to the main queues first (most packets meet "
	   "one rule), broadcast, multicast, then the rest to the main queues");
	qt_steer_config_default(&c, 3);
	c.l2 = true;
	c.l2_first = 4;
	qt_steer_script(&c, "", buf, sizeof(buf));
	ok(strstr(buf, "-A QTABLES-IN -m pkttype --pkt-type unicast -j NFQUEUE --queue-num 3\n"
		       "-A QTABLES-IN -m pkttype --pkt-type broadcast -j NFQUEUE --queue-num 4\n"
		       "-A QTABLES-IN -m pkttype --pkt-type multicast -j NFQUEUE --queue-num 5\n"
		       "-A QTABLES-IN -j NFQUEUE --queue-num 3\n") != NULL,
	   "one queue: one of each");

	const char *cur =
		"# Generated\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j QTABLES-X\nCOMMIT\n"
		"*mangle\n:PREROUTING ACCEPT [0:0]\n:QTABLES-PRE - [0:0]\n:QTABLES-OLD - [0:0]\n"
		"-A PREROUTING -i lo -j ACCEPT\n-A PREROUTING -j QTABLES-PRE\n"
		"-A FORWARD -g QTABLES-OLD\n-A QTABLES-PRE -j NFQUEUE --queue-num 0\nCOMMIT\n"
		"*raw\n:PREROUTING ACCEPT [0:0]\n:QTABLES-RAW-PRE - [0:0]\n"
		"-A PREROUTING -j QTABLES-RAW-PRE\n-A QTABLES-RAW-PRE -j CT --notrack\nCOMMIT\n";
	ok(qt_steer_script(NULL, cur, buf, sizeof(buf)) > 0, "remove script");
	is_str(buf,
	       "*mangle\n-D PREROUTING -j QTABLES-PRE\n-D FORWARD -g QTABLES-OLD\n"
	       "-F QTABLES-PRE\n-F QTABLES-OLD\n-X QTABLES-PRE\n-X QTABLES-OLD\nCOMMIT\n"
	       "*raw\n-D PREROUTING -j QTABLES-RAW-PRE\n-F QTABLES-RAW-PRE\n"
	       "-X QTABLES-RAW-PRE\nCOMMIT\n",
	       "remove: only our jumps and chains, in mangle and raw");

	qt_steer_config_default(&c, 0);
	qt_steer_script(&c, cur, buf, sizeof(buf));
	ok(strstr(buf, "-D PREROUTING -j QTABLES-PRE\n") &&
	   strstr(buf, "-X QTABLES-OLD\n") && !strstr(buf, "-X QTABLES-PRE\n") &&
	   !strstr(buf, "-F QTABLES-PRE\n"),
	   "reinstall: old jumps go, kept chains are redeclared, stale ones removed");

	is_int(qt_steer_script(NULL, "*mangle\n:INPUT ACCEPT [0:0]\nCOMMIT\n", buf,
			       sizeof(buf)), 0, "nothing installed: empty script");
	is_int(qt_steer_script(&c, "", buf, 64), -1, "too small a buffer: -1");

	/* IPv6: the same chains, with its own hooks and defrag */
	qt_steer_config_default(&c, 2);
	c.hooks_set = true;
	c.hooks = 0x02;                 /* IPv4: INPUT only */
	c.hooks6 = 0x1f;                /* IPv6: every hook (it tracks) */
	c.defrag6 = true;
	qt_steer_script6(&c, "", buf, sizeof(buf));
	ok(strstr(buf, "-A QTABLES-PRE -j NFQUEUE --queue-num 2\n") &&
	   strstr(buf, "-A QTABLES-POST -j NFQUEUE --queue-num 2\n") &&
	   strstr(buf, "-A QTABLES-RAW-PRE -m conntrack --ctstate UNTRACKED\n"
		       "-A QTABLES-RAW-PRE -j CT --notrack\n") != NULL,
	   "IPv6 script: its hooks, and the defrag rule before notrack");
	qt_steer_script(&c, "", buf, sizeof(buf));
	ok(strstr(buf, "-A QTABLES-IN -j NFQUEUE --queue-num 2\n") &&
	   !strstr(buf, "QTABLES-PRE -j NFQUEUE") && !strstr(buf, "UNTRACKED"),
	   "IPv4 script of the same config: its own hooks, no defrag");
	c.hooks6 = 0;
	c.defrag6 = false;
	qt_steer_script6(&c, "", buf, sizeof(buf));
	ok(!strstr(buf, "*mangle") && strstr(buf, "*raw\n") != NULL,
	   "IPv6 with no hook used: notrack only, mangle untouched");
}

int main(void)
{
	test_parse();
	test_verdicts();
	test_verdicts_ordered();
	test_verdicts_priority();
	test_verdicts_in_place();
	test_steering();
	return done_testing();
}
