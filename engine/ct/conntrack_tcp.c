/* The TCP connection tracker: the kernel's nf_conntrack_proto_tcp
 * semantics (states, transition table, van Rooij's window tracking with
 * window scaling and SACK, the loose pickup and be_liberal switches, the
 * RST checks, retransmission counting and the per-state timeouts),
 * written from the kernel's documented behaviour and checked against
 * the running kernel (tests/unit/tcp_ct_vectors.txt).
 *
 * Nothing here allocates or keeps global state: everything lives in the
 * entry (struct qt_ct_tcp), so the table code owns locking; timeouts are
 * returned to it, read from the configuration (conntrack_config.h). */
#include <netinet/in.h>
#include <string.h>

#include "conntrack_tracker.h"

/* ip_ct_tcp_state.flags and ip_ct_tcp.last_flags: the kernel's values. */
#define F_WINDOW_SCALE  0x01  /* the SYN offered window scaling */
#define F_SACK_PERM     0x02  /* the SYN offered SACK */
#define F_CLOSE_INIT    0x04  /* this side sent the first FIN */
#define F_BE_LIBERAL    0x08  /* no window checks for this side */
#define F_DATA_UNACK    0x10  /* sent data the peer has not acked */
#define F_MAXACK_SET    0x20  /* td_maxack is valid */
#define F_CHALLENGE_ACK 0x40  /* last_flags: a SYN in LAST_ACK may draw an
                                 RFC 5961 challenge ACK */
#define F_SIMUL_OPEN    0x80  /* last_flags: simultaneous open seen */

/* How far below the receiver's end an ACK may lie (MAXACKWINCONST). */
#define MAXACKWINCONST 66000u
#define TCP_MAX_WSCALE 14

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

/* The flag index of the transition table, in the kernel's order. */
enum { I_SYN, I_SYNACK, I_FIN, I_ACK, I_RST, I_NONE, I_MAX };

#define sNO QT_TCP_NONE
#define sSS QT_TCP_SYN_SENT
#define sSR QT_TCP_SYN_RECV
#define sES QT_TCP_ESTABLISHED
#define sFW QT_TCP_FIN_WAIT
#define sCW QT_TCP_CLOSE_WAIT
#define sLA QT_TCP_LAST_ACK
#define sTW QT_TCP_TIME_WAIT
#define sCL QT_TCP_CLOSE
#define sS2 QT_TCP_SYN_SENT2
#define sIV QT_TCP_MAX
#define sIG QT_TCP_IGNORE

/* tcp_conntracks[direction][flag index][old state] = new state. */
static const uint8_t tcp_conntracks[2][I_MAX][QT_TCP_MAX] = {
	{ /* ORIGINAL */
/*	         sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
/* syn */      { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
/* synack */   { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
/* fin */      { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/* ack */      { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
/* rst */      { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/* none */     { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
	{ /* REPLY */
/*	         sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
/* syn */      { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
/* synack */   { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
/* fin */      { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/* ack */      { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
/* rst */      { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/* none */     { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
};

/* tcp_valid_flags: the flag combinations (ECE, CWR and PSH masked off)
 * the kernel accepts at all. */
static const bool tcp_valid_flags[256] = {
	[TH_SYN] = true,
	[TH_SYN | TH_URG] = true,
	[TH_SYN | TH_ACK] = true,
	[TH_RST] = true,
	[TH_RST | TH_ACK] = true,
	[TH_FIN | TH_ACK] = true,
	[TH_FIN | TH_ACK | TH_URG] = true,
	[TH_ACK] = true,
	[TH_ACK | TH_URG] = true,
};

static const char *const state_names[QT_TCP_MAX] = {
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
};

const char *qt_ct_tcp_state_name(unsigned s)
{
	return s < QT_TCP_MAX ? state_names[s] : "UNKNOWN";
}

static inline bool before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool after(uint32_t a, uint32_t b)
{
	return before(b, a);
}

static unsigned flag_index(uint8_t fl)
{
	if (fl & TH_RST)
		return I_RST;
	if (fl & TH_SYN)
		return (fl & TH_ACK) ? I_SYNACK : I_SYN;
	if (fl & TH_FIN)
		return I_FIN;
	if (fl & TH_ACK)
		return I_ACK;
	return I_NONE;
}

/* Segment length as the kernel counts it: data, plus one each for SYN
 * and FIN. The IP total length says how much data there is, even when
 * the queue copied less. */
static uint32_t seq_plus_len(const struct qt_pkt *p)
{
	uint32_t data = p->ip_len - p->ihl - p->tcp_doff;
	return p->tcp_seq + data + ((p->tcp_flags & TH_SYN) ? 1 : 0) +
	       ((p->tcp_flags & TH_FIN) ? 1 : 0);
}

/* tcp_error(): a whole header with a valid flag combination. */
static bool tcp_header_ok(const struct qt_pkt *p)
{
	if (p->proto != IPPROTO_TCP || !p->l4_ok || p->tcp_doff < 20)
		return false;
	if ((uint32_t)p->ip_len - p->ihl < p->tcp_doff)
		return false;
	return tcp_valid_flags[p->tcp_flags & ~(TH_ECE | TH_CWR | TH_PSH)];
}

/* Walks the options of a header (parse_l4 made sure they were copied);
 * fn sees each whole option and returns false to stop. */
static void each_option(const struct qt_pkt *p,
			bool (*fn)(uint8_t kind, uint8_t size,
				   const uint8_t *opt, void *user),
			void *user)
{
	const uint8_t *ptr = p->l4 + 20;
	int length = p->tcp_doff - 20;

	while (length > 0) {
		uint8_t kind = *ptr++;
		if (kind == 0)          /* EOL */
			return;
		if (kind == 1) {        /* NOP */
			length--;
			continue;
		}
		if (length < 2)
			return;
		uint8_t size = *ptr++;
		if (size < 2 || size > length)
			return;         /* silly or partial option */
		if (!fn(kind, size, ptr, user))
			return;
		ptr += size - 2;
		length -= size;
	}
}

static bool syn_option(uint8_t kind, uint8_t size, const uint8_t *opt,
		       void *user)
{
	struct qt_ct_tcp_dir *d = user;
	if (kind == 4 && size == 2) {
		d->flags |= F_SACK_PERM;
	} else if (kind == 3 && size == 3) {
		d->td_scale = opt[0] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : opt[0];
		d->flags |= F_WINDOW_SCALE;
	}
	return true;
}

/* tcp_options(): window scale and SACK-permitted of a SYN. Only the
 * liberal flag survives when there are options at all. */
static void tcp_options(const struct qt_pkt *p, struct qt_ct_tcp_dir *d)
{
	if (p->tcp_doff == 20)
		return;
	d->td_scale = 0;
	d->flags &= F_BE_LIBERAL;
	each_option(p, syn_option, d);
}

static bool sack_option(uint8_t kind, uint8_t size, const uint8_t *opt,
			void *user)
{
	uint32_t *sack = user;
	if (kind != 5 || size < 10 || (size - 2) % 8)
		return true;
	for (int i = 0; i < size - 2; i += 8) {
		const uint8_t *r = opt + i + 4;  /* right edge of the block */
		uint32_t v = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 |
			     (uint32_t)r[2] << 8 | r[3];
		if (after(v, *sack))
			*sack = v;
	}
	return false;
}

/* tcp_sack(): the highest right edge of the SACK blocks. */
static void tcp_sack(const struct qt_pkt *p, uint32_t *sack)
{
	static const uint8_t ts_only[4] = { 1, 1, 8, 10 };
	if (p->tcp_doff == 20)
		return;
	if (p->tcp_doff == 32 && !memcmp(p->l4 + 20, ts_only, 4))
		return;                 /* the usual timestamp-only header */
	each_option(p, sack_option, sack);
}

/* The first SYN (or SYN/ACK) seen from this side. */
static void tcp_init_sender(struct qt_ct_tcp_dir *sender,
			    struct qt_ct_tcp_dir *receiver,
			    const struct qt_pkt *p, uint32_t end,
			    uint32_t win, enum qt_ct_dir dir)
{
	sender->td_end = sender->td_maxend = end;
	sender->td_maxwin = win == 0 ? 1 : win;
	tcp_options(p, sender);
	/* RFC 1323: scaling only when both sides offer it. */
	if (dir == QT_CT_REPLY &&
	    !((sender->flags & F_WINDOW_SCALE) &&
	      (receiver->flags & F_WINDOW_SCALE))) {
		sender->td_scale = 0;
		receiver->td_scale = 0;
	}
}

enum win_verdict { W_ACCEPT, W_IGNORE, W_INVALID };

/* A failed check: fine after all when this side (or the whole tracker)
 * is liberal. */
static enum win_verdict win_fail(const struct qt_ct_tcp_dir *sender,
				 const struct qt_ct_config *c,
				 enum win_verdict v)
{
	if ((sender->flags & F_BE_LIBERAL) || c->tcp_be_liberal)
		return W_ACCEPT;
	return v;
}

static uint32_t maxackwindow(const struct qt_ct_tcp_dir *d)
{
	return d->td_maxwin > MAXACKWINCONST ? d->td_maxwin : MAXACKWINCONST;
}

/* tcp_in_window(): van Rooij's four bounds.
 *   I   seq + len <= sender.td_maxend      (in the receiver's window)
 *   II  ack <= receiver.td_end             (acks only data that was sent)
 *   III seq + len >= sender.td_end - receiver.td_maxwin
 *   IV  ack >= receiver.td_end - MAXACKWINDOW(sender)
 * then the bounds move with the packet. */
static enum win_verdict tcp_in_window(struct qt_ct_tcp *st, enum qt_ct_dir dir,
				      unsigned index, const struct qt_pkt *p,
				      const struct qt_ct_config *c)
{
	struct qt_ct_tcp_dir *sender = &st->seen[dir];
	struct qt_ct_tcp_dir *receiver = &st->seen[!dir];
	uint8_t fl = p->tcp_flags;
	uint32_t seq = p->tcp_seq;
	uint32_t ack = p->tcp_ack, sack = p->tcp_ack;
	uint16_t win_raw = p->tcp_window;
	uint32_t win = win_raw;
	uint32_t end = seq_plus_len(p);
	uint32_t swin;

	if (receiver->flags & F_SACK_PERM)
		tcp_sack(p, &sack);

	if (sender->td_maxwin == 0) {
		if (fl & TH_SYN) {
			tcp_init_sender(sender, receiver, p, end, win, dir);
			if (!(fl & TH_ACK))
				return W_ACCEPT;        /* simultaneous open */
		} else {
			/* mid-stream: take what the packet says */
			sender->td_end = end;
			swin = win << sender->td_scale;
			sender->td_maxwin = swin == 0 ? 1 : swin;
			sender->td_maxend = end + sender->td_maxwin;
			if (receiver->td_maxwin == 0) {
				/* nothing seen the other way yet: let
				 * bounds III and IV pass until then */
				receiver->td_end = receiver->td_maxend = sack;
			} else if (sack == receiver->td_end + 1) {
				receiver->td_end++;     /* keepalive reply */
			}
		}
	} else if ((fl & TH_SYN) && after(end, sender->td_end) &&
		   (st->state == QT_TCP_SYN_SENT ||
		    st->state == QT_TCP_SYN_RECV)) {
		/* a new SYN (or SYN/ACK) with a higher sequence: start
		 * this side over */
		tcp_init_sender(sender, receiver, p, end, win, dir);
		if (dir == QT_CT_REPLY && !(fl & TH_ACK))
			return W_ACCEPT;
	}

	if (!(fl & TH_ACK)) {
		ack = sack = receiver->td_end;  /* as if it acked everything */
	} else if ((fl & (TH_ACK | TH_RST)) == (TH_ACK | TH_RST) && ack == 0) {
		ack = sack = receiver->td_end;  /* broken stacks */
	}

	if ((fl & TH_RST) && seq == 0 && st->state == QT_TCP_SYN_SENT)
		seq = end = sender->td_end;     /* RST answering a SYN */

	if (!before(seq, sender->td_maxend + 1)) {
		uint32_t overshot = end - sender->td_maxend + 1;
		bool ack_ok = after(sack, receiver->td_end -
				    maxackwindow(sender) - 1);
		bool in_recv_win = receiver->td_maxwin &&
			after(end, sender->td_end - receiver->td_maxwin - 1);

		if (in_recv_win && ack_ok && overshot <= receiver->td_maxwin &&
		    before(sack, receiver->td_end + 1)) {
			/* more than the window allows, but otherwise
			 * fine: remember the data so its ACK passes */
			sender->td_end = end;
			sender->flags |= F_DATA_UNACK;
			return win_fail(sender, c, W_IGNORE);
		}
		return win_fail(sender, c, W_INVALID);   /* SEQ over bound */
	}

	if (!before(sack, receiver->td_end + 1))
		return win_fail(sender, c, W_INVALID);   /* ACK over bound */

	if (receiver->td_maxwin &&
	    !after(end, sender->td_end - receiver->td_maxwin - 1))
		return win_fail(sender, c, W_IGNORE);    /* old data again */

	if (!after(sack, receiver->td_end - maxackwindow(sender) - 1))
		return win_fail(sender, c, W_IGNORE);    /* ACK far too old */

	if (!(fl & TH_SYN))
		win <<= sender->td_scale;

	/* the sender's side */
	swin = win + (sack - ack);
	if (sender->td_maxwin < swin)
		sender->td_maxwin = swin;
	if (after(end, sender->td_end)) {
		sender->td_end = end;
		sender->flags |= F_DATA_UNACK;
	}
	if (fl & TH_ACK) {
		if (!(sender->flags & F_MAXACK_SET)) {
			sender->td_maxack = ack;
			sender->flags |= F_MAXACK_SET;
		} else if (after(ack, sender->td_maxack)) {
			sender->td_maxack = ack;
		}
	}

	/* the receiver's side */
	if (receiver->td_maxwin != 0 && after(end, sender->td_maxend))
		receiver->td_maxwin += end - sender->td_maxend;
	if (after(sack + win, receiver->td_maxend - 1)) {
		receiver->td_maxend = sack + win;
		if (win == 0)
			receiver->td_maxend++;
	}
	if (ack == receiver->td_end)
		receiver->flags &= ~F_DATA_UNACK;

	/* retransmissions of the same ACK segment */
	if (index == I_ACK) {
		if (st->last_dir == dir && st->last_seq == seq &&
		    st->last_ack == ack && st->last_end == end &&
		    st->last_win == win_raw) {
			if (st->retrans < UINT8_MAX)
				st->retrans++;
		} else {
			st->last_dir = (uint8_t)dir;
			st->last_seq = seq;
			st->last_ack = ack;
			st->last_end = end;
			st->last_win = win_raw;
			st->retrans = 0;
		}
	}
	return W_ACCEPT;
}

static bool can_early_drop(const struct qt_ct_tcp *st)
{
	switch (st->state) {
	case QT_TCP_FIN_WAIT:
	case QT_TCP_LAST_ACK:
	case QT_TCP_TIME_WAIT:
	case QT_TCP_CLOSE:
	case QT_TCP_CLOSE_WAIT:
		return true;
	default:
		return false;
	}
}

static bool established(const struct qt_ct_entry *e)
{
	return e->p.tcp.state == QT_TCP_ESTABLISHED &&
	       (e->status & QT_IPS_ASSURED);
}

/* nf_tcp_handle_invalid(): an out-of-window FIN or RST answering the
 * other side's FIN or RST shortens an assured connection's life to the
 * unacknowledged timeout, so a dead one does not linger for days.
 * Returns the packet's INVALID verdict with that timeout, if any. */
static struct qt_ct_step handle_invalid(struct qt_ct_entry *e,
					enum qt_ct_dir dir, unsigned index,
					const struct qt_ct_config *c,
					uint64_t now)
{
	struct qt_ct_tcp *st = &e->p.tcp;
	uint32_t timeout = QT_CT_TIMEOUT_KEEP;

	if (!(e->status & QT_IPS_ASSURED) || (index != I_RST && index != I_FIN))
		return qt_ct_step(QT_CT_TRACK_INVALID, timeout);
	if (st->last_dir != dir &&
	    (st->last_index == I_FIN || st->last_index == I_RST)) {
		uint32_t left = qt_ct_seconds_left(e, now);
		uint32_t unack = c->to.tcp[QT_TCP_UNACK];
		if (left >= 120 && left > unack)
			timeout = unack;
	} else {
		st->last_index = (uint8_t)index;
		st->last_dir = (uint8_t)dir;
	}
	return qt_ct_step(QT_CT_TRACK_INVALID, timeout);
}

static struct qt_ct_step keep(void)
{
	return qt_ct_step(QT_CT_TRACK_OK, QT_CT_TIMEOUT_KEEP);
}

static struct qt_ct_step invalid(void)
{
	return qt_ct_step(QT_CT_TRACK_INVALID, QT_CT_TIMEOUT_KEEP);
}

/* The body of nf_conntrack_tcp_packet() once the header is known
 * good. */
static struct qt_ct_step tcp_track(struct qt_ct_entry *e,
				   const struct qt_pkt *p, enum qt_ct_dir dir,
				   const struct qt_ct_config *c, uint64_t now)
{
	struct qt_ct_tcp *st = &e->p.tcp;
	const uint32_t *to = c->to.tcp;
	unsigned index = flag_index(p->tcp_flags);
	unsigned old_state = st->state;
	unsigned new_state = tcp_conntracks[dir][index][old_state];
	uint32_t timeout;

	switch (new_state) {
	case QT_TCP_SYN_SENT:
		if (old_state < QT_TCP_TIME_WAIT)
			break;
		/* A SYN on a closed or aborted connection opens a new
		 * one: the entry goes and the packet is looked up again. */
		if (((st->seen[dir].flags | st->seen[!dir].flags) &
		     F_CLOSE_INIT) ||
		    (st->last_dir == dir && st->last_index == I_RST))
			return qt_ct_step(QT_CT_TRACK_REOPEN,
					  QT_CT_TIMEOUT_KEEP);
		/* fall through */
	case QT_TCP_IGNORE:
		/* The entry may be out of sync with the endpoints: let
		 * these through without changing anything, but remember
		 * them. A SYN/ACK answering an ignored SYN gets us back in
		 * sync from what was remembered. */
		if (index == I_SYNACK && st->last_index == I_SYN &&
		    st->last_dir != dir && p->tcp_ack == st->last_end) {
			struct qt_ct_tcp_dir *ld = &st->seen[st->last_dir];
			old_state = QT_TCP_SYN_SENT;
			new_state = QT_TCP_SYN_RECV;
			ld->td_end = st->last_end;
			ld->td_maxend = st->last_end;
			ld->td_maxwin = st->last_win == 0 ? 1 : st->last_win;
			ld->td_scale = st->last_wscale;
			st->last_flags &= ~F_CHALLENGE_ACK;
			ld->flags = st->last_flags;
			memset(&st->seen[dir], 0, sizeof(st->seen[dir]));
			break;
		}
		st->last_index = (uint8_t)index;
		st->last_dir = (uint8_t)dir;
		st->last_seq = p->tcp_seq;
		st->last_end = seq_plus_len(p);
		st->last_win = p->tcp_window;
		if (index == I_SYN && dir == QT_CT_ORIG) {
			struct qt_ct_tcp_dir seen;
			memset(&seen, 0, sizeof(seen));
			st->last_flags = 0;
			st->last_wscale = 0;
			tcp_options(p, &seen);
			if (seen.flags & F_WINDOW_SCALE) {
				st->last_flags |= F_WINDOW_SCALE;
				st->last_wscale = seen.td_scale;
			}
			if (seen.flags & F_SACK_PERM)
				st->last_flags |= F_SACK_PERM;
			/* a SYN in LAST_ACK may draw a challenge ACK that
			 * must not count as the last FIN's ACK */
			if (old_state == QT_TCP_LAST_ACK)
				st->last_flags |= F_CHALLENGE_ACK;
		}
		/* maybe a challenge ACK answering the SYN */
		if (old_state == QT_TCP_SYN_SENT && index == I_ACK &&
		    dir == QT_CT_REPLY)
			st->last_ack = p->tcp_ack;
		return keep();
	case QT_TCP_MAX:
		return invalid();
	case QT_TCP_TIME_WAIT:
		/* RFC 5961 challenge ACK to a SYN in LAST_ACK: not the
		 * ACK of the last FIN */
		if (old_state == QT_TCP_LAST_ACK && index == I_ACK &&
		    st->last_dir != dir && st->last_index == I_SYN &&
		    (st->last_flags & F_CHALLENGE_ACK)) {
			st->last_flags &= ~F_CHALLENGE_ACK;
			return keep();
		}
		break;
	case QT_TCP_SYN_SENT2:
		/* the table alone cannot follow a simultaneous open */
		st->last_flags |= F_SIMUL_OPEN;
		break;
	case QT_TCP_SYN_RECV:
		if (dir == QT_CT_REPLY && index == I_ACK &&
		    (st->last_flags & F_SIMUL_OPEN))
			new_state = QT_TCP_ESTABLISHED;
		break;
	case QT_TCP_CLOSE:
		if (index != I_RST)
			break;
		/* closing: the tuple may be reused already, the window
		 * data is stale */
		if (can_early_drop(st))
			goto in_window;
		if ((st->seen[!dir].flags & F_MAXACK_SET) &&
		    st->last_index != I_SYN) {
			uint32_t seq = p->tcp_seq;
			/* answering a SYN we let through */
			if (seq == 0 && !established(e))
				break;
			if (before(seq, st->seen[!dir].td_maxack))
				return invalid();       /* RST below the ACKs */
			if (!established(e) || seq == st->seen[!dir].td_maxack)
				break;
			/* the RST closing a train of our own segments */
			if (st->last_index == I_ACK && st->last_dir == dir &&
			    seq == st->last_end)
				break;
			/* not exact: stay, so a challenge ACK can follow */
			new_state = old_state;
		}
		if ((((e->status & QT_IPS_SEEN_REPLY) &&
		      st->last_index == I_SYN) ||
		     (!(e->status & QT_IPS_ASSURED) &&
		      st->last_index == I_ACK)) &&
		    p->tcp_ack == st->last_end) {
			/* RST to a SYN or ACK we let through while out of
			 * sync: skip the window checks */
			goto in_window;
		}
		/* RST answering a challenge ACK we let through */
		if (old_state == QT_TCP_SYN_SENT && st->last_index == I_ACK &&
		    st->last_dir == QT_CT_REPLY && p->tcp_seq == st->last_ack)
			goto in_window;
		break;
	default:
		break;
	}

	switch (tcp_in_window(st, dir, index, p, c)) {
	case W_IGNORE:
		return keep();
	case W_INVALID:
		return handle_invalid(e, dir, index, c, now);
	case W_ACCEPT:
		break;
	}
in_window:
	st->last_index = (uint8_t)index;
	st->last_dir = (uint8_t)dir;
	st->state = (uint8_t)new_state;
	if (old_state != new_state && new_state == QT_TCP_FIN_WAIT)
		st->seen[dir].flags |= F_CLOSE_INIT;

	if (st->retrans >= c->tcp_max_retrans &&
	    to[new_state] > to[QT_TCP_RETRANS])
		timeout = to[QT_TCP_RETRANS];
	else if (index == I_RST)
		timeout = to[QT_TCP_CLOSE];
	else if (((st->seen[0].flags | st->seen[1].flags) & F_DATA_UNACK) &&
		 to[new_state] > to[QT_TCP_UNACK])
		timeout = to[QT_TCP_UNACK];
	else if (st->last_win == 0 && to[new_state] > to[QT_TCP_RETRANS])
		timeout = to[QT_TCP_RETRANS];
	else
		timeout = to[new_state];

	if (!(e->status & QT_IPS_SEEN_REPLY)) {
		/* only a RST came back: no connection worth keeping. The
		 * kernel kills the entry but the packet stays valid; a
		 * timeout of 0 does both (the table drops an entry it
		 * finds expired). */
		if (p->tcp_flags & TH_RST)
			return qt_ct_step(QT_CT_TRACK_OK, 0);
		/* a retransmitted SYN does not renew the timeout (port
		 * reuse would keep the entry alive forever) */
		if (index == I_SYN && old_state == QT_TCP_SYN_SENT)
			return keep();
		/* picked up mid-stream, nothing back yet: short timeout */
		if (new_state == QT_TCP_ESTABLISHED &&
		    timeout > to[QT_TCP_UNACK])
			timeout = to[QT_TCP_UNACK];
	} else if (!(e->status & QT_IPS_ASSURED) &&
		   (old_state == QT_TCP_SYN_RECV ||
		    old_state == QT_TCP_ESTABLISHED) &&
		   new_state == QT_TCP_ESTABLISHED) {
		e->status |= QT_IPS_ASSURED;
	}
	return qt_ct_step(QT_CT_TRACK_OK, timeout);
}

static struct qt_ct_step tcp_new(struct qt_ct_entry *e,
				 const struct qt_pkt *p,
				 const struct qt_ct_config *c, uint64_t now)
{
	struct qt_ct_tcp *st = &e->p.tcp;

	if (!tcp_header_ok(p))
		return invalid();
	unsigned index = flag_index(p->tcp_flags);
	unsigned ns = tcp_conntracks[QT_CT_ORIG][index][QT_TCP_NONE];
	if (ns >= QT_TCP_MAX)
		return invalid();

	memset(st, 0, sizeof(*st));
	struct qt_ct_tcp_dir *d = &st->seen[QT_CT_ORIG];
	d->td_end = seq_plus_len(p);
	d->td_maxwin = p->tcp_window == 0 ? 1 : p->tcp_window;
	if (ns == QT_TCP_SYN_SENT) {
		d->td_maxend = d->td_end;
		tcp_options(p, d);
	} else if (!c->tcp_loose) {
		return invalid();       /* no pickup of connections */
	} else {
		/* mid-stream: its history is lost, assume SACK and do not
		 * check windows (scaling is unknown) */
		d->td_maxend = d->td_end + d->td_maxwin;
		st->seen[0].flags = st->seen[1].flags =
			F_SACK_PERM | F_BE_LIBERAL;
	}
	st->last_index = I_NONE;
	/* (from NONE no transition reopens: a first packet cannot be
	 * told to start over) */
	struct qt_ct_step s = tcp_track(e, p, QT_CT_ORIG, c, now);
	if (s.verdict == QT_CT_TRACK_REOPEN)
		s.verdict = QT_CT_TRACK_INVALID;
	return s;
}

static struct qt_ct_step tcp_packet(struct qt_ct_entry *e,
				    const struct qt_pkt *p, enum qt_ct_dir dir,
				    const struct qt_ct_config *c, uint64_t now)
{
	if (!tcp_header_ok(p))
		return invalid();
	return tcp_track(e, p, dir, c, now);
}

static bool tcp_checksummed(const struct qt_pkt *p)
{
	(void)p;
	return true;
}

static unsigned tcp_state_of(const union qt_ct_proto_state *ps)
{
	return ps->tcp.state;
}

/* A state handed over must index the transition table. */
static bool tcp_state_sane(const union qt_ct_proto_state *ps)
{
	return ps->tcp.state < QT_TCP_MAX && ps->tcp.last_dir <= 1;
}

const struct qt_ct_proto qt_ct_proto_tcp = {
	.num = IPPROTO_TCP, .name = "tcp", .ports = true,
	.tuple = qt_ct_ports_tuple, .invert = qt_ct_ports_invert,
	.checksummed = tcp_checksummed,
	.new_conn = tcp_new, .packet = tcp_packet,
	.state_names = state_names, .nstates = QT_TCP_MAX,
	.state_of = tcp_state_of, .state_sane = tcp_state_sane,
};
