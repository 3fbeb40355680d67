/* The SCTP tracker, as the kernel's nf_conntrack_proto_sctp.c (Linux
 * 6.x) tracks an association: its states (CLOSED, COOKIE_WAIT,
 * COOKIE_ECHOED, ESTABLISHED, SHUTDOWN_SENT, SHUTDOWN_RECD,
 * SHUTDOWN_ACK_SENT, HEARTBEAT_SENT), moved by each chunk of a packet
 * through one table per direction; the verification tags of both
 * directions, learnt from INIT and INIT ACK (or from a HEARTBEAT when
 * the association was not seen being set up) and checked on every
 * packet (RFC 9260 section 8.5, with the exceptions of 8.5.1); and the
 * packets it finds INVALID:
 *  - chunks the kernel's basic checks refuse: none at all, a chunk of
 *    length 0, COOKIE ECHO or COOKIE ACK not first, INIT, INIT ACK or
 *    SHUTDOWN COMPLETE not alone;
 *  - a first packet with ABORT, SHUTDOWN COMPLETE or COOKIE ACK (out of
 *    the blue), with a chunk that does not open anything (DATA, SACK
 *    ...), or an INIT whose packet has a tag;
 *  - a tag that is not the direction's, a move the table forbids, an
 *    INIT or INIT ACK cut short, an INIT ACK whose tag disagrees.
 * Chunks are walked up to the end of the packet's copy (the queue copies
 * a tracking ruleset's packets up to 1500 bytes; control chunks come
 * first). The entry's state changes chunk by chunk as in the kernel: a
 * chunk found INVALID leaves the moves of those before it. */
#include "conntrack_tracker.h"

#include <netinet/in.h>
#include <string.h>

#include "sctp_chunks.h"

#define sNO QT_SCTP_NONE
#define sCL QT_SCTP_CLOSED
#define sCW QT_SCTP_COOKIE_WAIT
#define sCE QT_SCTP_COOKIE_ECHOED
#define sES QT_SCTP_ESTABLISHED
#define sSS QT_SCTP_SHUTDOWN_SENT
#define sSR QT_SCTP_SHUTDOWN_RECD
#define sSA QT_SCTP_SHUTDOWN_ACK_SENT
#define sHS QT_SCTP_HEARTBEAT_SENT
#define sIV QT_SCTP_MAX          /* INVALID */

/* The chunks that move the state, as rows of the table. */
enum {
	R_INIT, R_INIT_ACK, R_ABORT, R_SHUTDOWN, R_SHUTDOWN_ACK, R_ERROR,
	R_COOKIE_ECHO, R_COOKIE_ACK, R_SHUTDOWN_COMPLETE, R_HEARTBEAT,
	R_HEARTBEAT_ACK, R_NROWS
};

/* The kernel's sctp_conntracks: [direction][chunk row][state]. */
static const uint8_t moves[2][R_NROWS][QT_SCTP_MAX] = {
	[QT_CT_ORIG] = {
		/*                     sNO  sCL  sCW  sCE  sES  sSS  sSR  sSA  sHS */
		[R_INIT]            = { sCL, sCL, sCW, sCE, sES, sCL, sCL, sSA, sCW },
		[R_INIT_ACK]        = { sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL },
		[R_ABORT]           = { sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
		[R_SHUTDOWN]        = { sCL, sCL, sCW, sCE, sSS, sSS, sSR, sSA, sCL },
		[R_SHUTDOWN_ACK]    = { sSA, sCL, sCW, sCE, sES, sSA, sSA, sSA, sSA },
		[R_ERROR]           = { sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL },
		[R_COOKIE_ECHO]     = { sCL, sCL, sCE, sCE, sES, sSS, sSR, sSA, sCL },
		[R_COOKIE_ACK]      = { sCL, sCL, sCW, sES, sES, sSS, sSR, sSA, sCL },
		[R_SHUTDOWN_COMPLETE] = { sCL, sCL, sCW, sCE, sES, sSS, sSR, sCL, sCL },
		[R_HEARTBEAT]       = { sHS, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS },
		[R_HEARTBEAT_ACK]   = { sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS },
	},
	[QT_CT_REPLY] = {
		/*                     sNO  sCL  sCW  sCE  sES  sSS  sSR  sSA  sHS */
		[R_INIT]            = { sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sIV },
		[R_INIT_ACK]        = { sIV, sCW, sCW, sCE, sES, sSS, sSR, sSA, sIV },
		[R_ABORT]           = { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sIV },
		[R_SHUTDOWN]        = { sIV, sCL, sCW, sCE, sSR, sSS, sSR, sSA, sIV },
		[R_SHUTDOWN_ACK]    = { sIV, sCL, sCW, sCE, sES, sSA, sSA, sSA, sIV },
		[R_ERROR]           = { sIV, sCL, sCW, sCL, sES, sSS, sSR, sSA, sIV },
		[R_COOKIE_ECHO]     = { sIV, sCL, sCE, sCE, sES, sSS, sSR, sSA, sIV },
		[R_COOKIE_ACK]      = { sIV, sCL, sCW, sES, sES, sSS, sSR, sSA, sIV },
		[R_SHUTDOWN_COMPLETE] = { sIV, sCL, sCW, sCE, sES, sSS, sSR, sCL, sIV },
		[R_HEARTBEAT]       = { sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS },
		[R_HEARTBEAT_ACK]   = { sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sES },
	},
};

/* A chunk type's row; -1: the chunk leaves the state as it is. */
static int row_of(uint8_t type)
{
	switch (type) {
	case QT_SCTP_CID_INIT: return R_INIT;
	case QT_SCTP_CID_INIT_ACK: return R_INIT_ACK;
	case QT_SCTP_CID_ABORT: return R_ABORT;
	case QT_SCTP_CID_SHUTDOWN: return R_SHUTDOWN;
	case QT_SCTP_CID_SHUTDOWN_ACK: return R_SHUTDOWN_ACK;
	case QT_SCTP_CID_ERROR: return R_ERROR;
	case QT_SCTP_CID_COOKIE_ECHO: return R_COOKIE_ECHO;
	case QT_SCTP_CID_COOKIE_ACK: return R_COOKIE_ACK;
	case QT_SCTP_CID_SHUTDOWN_COMPLETE: return R_SHUTDOWN_COMPLETE;
	case QT_SCTP_CID_HEARTBEAT: return R_HEARTBEAT;
	case QT_SCTP_CID_HEARTBEAT_ACK: return R_HEARTBEAT_ACK;
	}
	return -1;
}

static unsigned next_state(enum qt_ct_dir dir, unsigned cur, uint8_t type)
{
	int r = row_of(type);
	return r < 0 ? cur : moves[dir][r][cur];
}

static const char *const state_names[QT_SCTP_MAX] = {
	[QT_SCTP_NONE] = "NONE",
	[QT_SCTP_CLOSED] = "CLOSED",
	[QT_SCTP_COOKIE_WAIT] = "COOKIE_WAIT",
	[QT_SCTP_COOKIE_ECHOED] = "COOKIE_ECHOED",
	[QT_SCTP_ESTABLISHED] = "ESTABLISHED",
	[QT_SCTP_SHUTDOWN_SENT] = "SHUTDOWN_SENT",
	[QT_SCTP_SHUTDOWN_RECD] = "SHUTDOWN_RECD",
	[QT_SCTP_SHUTDOWN_ACK_SENT] = "SHUTDOWN_ACK_SENT",
	[QT_SCTP_HEARTBEAT_SENT] = "HEARTBEAT_SENT",
};

/* The chunk types of a packet, one bit each. */
struct chunk_map {
	uint32_t w[256 / 32];
};

static bool has(const struct chunk_map *m, uint8_t type)
{
	return m->w[type / 32] & (1u << (type % 32));
}

/* The transport bytes the walks read: up to the IP total length, as
 * far as the queue copied them. */
struct sctp_pkt {
	const uint8_t *l4;
	uint32_t n;
	uint32_t vtag;            /* of the common header */
};

/* do_basic_checks(): true when the chunks pass; m gets their types. */
static bool basic_checks(const struct sctp_pkt *sp, struct chunk_map *m)
{
	memset(m, 0, sizeof(*m));
	bool alone = false;      /* a chunk that must be the only one seen */
	unsigned count = 0;
	struct qt_sctp_chunk c;
	for (uint32_t off = QT_SCTP_HDR_LEN;
	     off < sp->n && qt_sctp_chunk_at(sp->l4, sp->n, off, &c);
	     off = qt_sctp_chunk_next(&c), count++) {
		if (c.type == QT_SCTP_CID_INIT ||
		    c.type == QT_SCTP_CID_INIT_ACK ||
		    c.type == QT_SCTP_CID_SHUTDOWN_COMPLETE)
			alone = true;
		bool first_only = alone || c.type == QT_SCTP_CID_COOKIE_ACK ||
				  c.type == QT_SCTP_CID_COOKIE_ECHO;
		if ((first_only && count) || !c.len)
			return false;
		m->w[c.type / 32] |= 1u << (c.type % 32);
	}
	return count > 0;
}

/* sctp_new(): can this packet start an entry? Sets the tags it tells. */
static bool new_ok(struct qt_ct_sctp *s, const struct sctp_pkt *sp)
{
	struct qt_sctp_chunk c;
	for (uint32_t off = QT_SCTP_HDR_LEN;
	     off < sp->n && qt_sctp_chunk_at(sp->l4, sp->n, off, &c);
	     off = qt_sctp_chunk_next(&c)) {
		unsigned ns = next_state(QT_CT_ORIG, QT_SCTP_NONE, c.type);
		if (ns == QT_SCTP_NONE || ns == QT_SCTP_MAX)
			return false;
		uint32_t tag;
		switch (c.type) {
		case QT_SCTP_CID_INIT:
			/* 8.5.1 (A): an INIT's packet has tag 0 */
			if (sp->vtag)
				return false;
			if (!qt_sctp_init_tag(sp->l4, sp->n, &c, &tag))
				return false;
			s->vtag[QT_CT_REPLY] = tag;
			break;
		case QT_SCTP_CID_HEARTBEAT:
			/* a path of an association set up elsewhere */
			s->vtag[QT_CT_ORIG] = sp->vtag;
			break;
		case QT_SCTP_CID_SHUTDOWN_ACK:
			/* out of the blue: a SHUTDOWN COMPLETE answers with
			 * the same tag (8.4 (5)) */
			s->vtag[QT_CT_REPLY] = sp->vtag;
			break;
		}
		s->state = QT_SCTP_NONE;
	}
	return true;
}

/* The tag check of 8.5.1 for ABORT and SHUTDOWN COMPLETE: the
 * direction's own tag, or with the T flag the other direction's. */
static bool tag_fits_t(const struct qt_ct_sctp *s, const struct sctp_pkt *sp,
		       const struct qt_sctp_chunk *c, enum qt_ct_dir dir)
{
	enum qt_ct_dir d = (c->flags & QT_SCTP_FLAG_T) ? !dir : dir;
	return sp->vtag == s->vtag[d];
}

static struct qt_ct_step invalid(void)
{
	return qt_ct_step(QT_CT_TRACK_INVALID, QT_CT_TIMEOUT_KEEP);
}

/* nf_conntrack_sctp_packet(), for a packet of e in direction dir; first:
 * the packet that makes the entry. */
static struct qt_ct_step sctp_track(struct qt_ct_entry *e,
				    const struct qt_pkt *p, enum qt_ct_dir dir,
				    const struct qt_ct_config *cfg, bool first)
{
	struct qt_ct_sctp *s = &e->p.sctp;
	if (!p->l4_ok || p->l4_len < QT_SCTP_HDR_LEN)
		return invalid();       /* "short packet" */
	struct sctp_pkt sp = { p->l4, p->l4_len, p->sctp_vtag };
	struct chunk_map m;
	if (!basic_checks(&sp, &m))
		return invalid();
	if (first) {
		/* out-of-the-blue packets that must not open anything */
		if (has(&m, QT_SCTP_CID_ABORT) ||
		    has(&m, QT_SCTP_CID_SHUTDOWN_COMPLETE) ||
		    has(&m, QT_SCTP_CID_COOKIE_ACK))
			return invalid();
		memset(s, 0, sizeof(*s));
		if (!new_ok(s, &sp))
			return invalid();
	}

	/* 8.5: the tag, unless a chunk has rules of its own for it */
	if (!has(&m, QT_SCTP_CID_INIT) &&
	    !has(&m, QT_SCTP_CID_SHUTDOWN_COMPLETE) &&
	    !has(&m, QT_SCTP_CID_COOKIE_ECHO) &&
	    !has(&m, QT_SCTP_CID_ABORT) &&
	    !has(&m, QT_SCTP_CID_SHUTDOWN_ACK) &&
	    !has(&m, QT_SCTP_CID_HEARTBEAT) &&
	    !has(&m, QT_SCTP_CID_HEARTBEAT_ACK) &&
	    sp.vtag != s->vtag[dir])
		return invalid();

	unsigned old_state, new_state = QT_SCTP_NONE;
	bool ignore = false;      /* valid, but the timeout is not renewed */
	struct qt_sctp_chunk c;
	for (uint32_t off = QT_SCTP_HDR_LEN;
	     off < sp.n && qt_sctp_chunk_at(sp.l4, sp.n, off, &c);
	     off = qt_sctp_chunk_next(&c)) {
		switch (c.type) {
		case QT_SCTP_CID_INIT:
			if (sp.vtag != 0)
				return invalid();            /* 8.5.1 (A) */
			break;
		case QT_SCTP_CID_ABORT:
		case QT_SCTP_CID_SHUTDOWN_COMPLETE:
			if (!tag_fits_t(s, &sp, &c, dir))
				return invalid();            /* (B), (C) */
			break;
		case QT_SCTP_CID_COOKIE_ECHO:
			if (sp.vtag != s->vtag[dir])
				return invalid();            /* (D) */
			break;
		case QT_SCTP_CID_COOKIE_ACK:
			s->init[dir] = s->init[!dir] = 0;
			break;
		case QT_SCTP_CID_HEARTBEAT:
			if (s->vtag[dir] == 0) {
				s->vtag[dir] = sp.vtag;
			} else if (sp.vtag != s->vtag[dir]) {
				/* maybe a restarted peer: let its ACK say */
				if (has(&m, QT_SCTP_CID_DATA) || ignore)
					return invalid();
				s->hb_vtag_failed = 1;
				s->last_dir = (uint8_t)dir;
				ignore = true;
				continue;
			} else {
				s->hb_vtag_failed = 0;
			}
			break;
		case QT_SCTP_CID_HEARTBEAT_ACK:
			if (s->vtag[dir] == 0) {
				s->vtag[dir] = sp.vtag;
			} else if (sp.vtag != s->vtag[dir]) {
				if (has(&m, QT_SCTP_CID_DATA) || ignore)
					return invalid();
				if (!s->hb_vtag_failed || s->last_dir == dir)
					return invalid();
				/* the answer to that HEARTBEAT: new tags */
				s->hb_vtag_failed = 0;
				s->vtag[dir] = sp.vtag;
				s->vtag[!dir] = 0;
			} else {
				s->hb_vtag_failed = 0;
			}
			break;
		}

		old_state = s->state;
		new_state = next_state(dir, old_state, c.type);
		if (new_state == QT_SCTP_MAX)
			return invalid();

		uint32_t tag;
		if (c.type == QT_SCTP_CID_INIT) {
			if (!qt_sctp_init_tag(sp.l4, sp.n, &c, &tag))
				return invalid();
			/* a stale or retransmitted INIT (the peer's tag
			 * again) is not a new INIT of this direction */
			if (old_state == QT_SCTP_NONE || s->vtag[!dir] != tag) {
				if (s->init[dir] && s->init[!dir])
					s->init[!dir] = 0;
				s->init[dir] = 1;
			}
			s->vtag[!dir] = tag;
			/* an INIT on a closed entry keeps its timeout, so
			 * that retransmitted INITs cannot keep it alive */
			if (new_state == QT_SCTP_CLOSED &&
			    old_state == QT_SCTP_CLOSED && !first)
				ignore = true;
		} else if (c.type == QT_SCTP_CID_INIT_ACK) {
			if (!qt_sctp_init_tag(sp.l4, sp.n, &c, &tag))
				return invalid();
			uint32_t v = s->vtag[!dir];
			if (!s->init[!dir] && v && v != tag)
				return invalid();
			if (s->init[dir] && s->init[!dir] && v != tag)
				return invalid();            /* collision */
			s->vtag[!dir] = tag;
		}

		s->state = (uint8_t)new_state;
		if (old_state != new_state &&
		    new_state == QT_SCTP_ESTABLISHED)
			e->status |= QT_IPS_ASSURED;
	}
	if (ignore)
		return qt_ct_step(QT_CT_TRACK_OK, QT_CT_TIMEOUT_KEEP);
	/* NONE is never left after a valid packet's first chunk; the
	 * kernel gives it the CLOSED timeout */
	if (new_state == QT_SCTP_NONE)
		new_state = QT_SCTP_CLOSED;
	return qt_ct_step(QT_CT_TRACK_OK, cfg->to.sctp[new_state]);
}

static struct qt_ct_step sctp_new(struct qt_ct_entry *e, const struct qt_pkt *p,
				  const struct qt_ct_config *c, uint64_t now)
{
	(void)now;
	return sctp_track(e, p, QT_CT_ORIG, c, true);
}

static struct qt_ct_step sctp_packet(struct qt_ct_entry *e,
				     const struct qt_pkt *p,
				     enum qt_ct_dir dir,
				     const struct qt_ct_config *c, uint64_t now)
{
	(void)now;
	return sctp_track(e, p, dir, c, false);
}

/* Every SCTP packet carries a CRC32c (sctp_error checks it). */
static bool sctp_checksummed(const struct qt_pkt *p)
{
	(void)p;
	return true;
}

static unsigned sctp_state_of(const union qt_ct_proto_state *ps)
{
	return ps->sctp.state;
}

/* A state handed over must index the transition table. */
static bool sctp_state_sane(const union qt_ct_proto_state *ps)
{
	return ps->sctp.state < QT_SCTP_MAX && ps->sctp.last_dir <= 1 &&
	       ps->sctp.init[0] <= 1 && ps->sctp.init[1] <= 1;
}

const struct qt_ct_proto qt_ct_proto_sctp = {
	.num = IPPROTO_SCTP, .name = "sctp", .ports = true,
	.tuple = qt_ct_ports_tuple, .invert = qt_ct_ports_invert,
	.checksummed = sctp_checksummed,
	.new_conn = sctp_new, .packet = sctp_packet,
	.state_names = state_names, .nstates = QT_SCTP_MAX,
	.state_of = sctp_state_of, .state_sane = sctp_state_sane,
};
