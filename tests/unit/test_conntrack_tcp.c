/* The TCP connection tracker (engine/ct/conntrack_tcp.c) driven directly
 * through its function table, without the table code (the tracker
 * calls nothing of it): first the packet sequences the running kernel
 * answered (tests/unit/tcp_ct_vectors.txt, made by
 * gen_tcp_ct_vectors.py), replayed through a minimal stand-in for the
 * table's part (NEW/ESTABLISHED, SEEN_REPLY, destroy); then cases that
 * need time to pass, which the kernel run cannot show. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack_tracker.h"
#include "packet.h"
#include "tap.h"

#ifndef TCP_CT_VECTORS
#define TCP_CT_VECTORS "tests/unit/tcp_ct_vectors.txt"
#endif

#define NS 1000000000ull

/* ctstate names as xt_conntrack spells them (the table's own
 * qt_ct_state_name() is not linked here) */
static const char *ctname(enum qt_ct_state s)
{
	static const char *const n[] = { "INVALID", "NEW", "ESTABLISHED",
					 "RELATED", "UNTRACKED" };
	return (unsigned)s < 5 ? n[s] : "?";
}

/* The kernel's defaults (the vectors were made with them), but for the
 * two switches the vectors vary. */
static void config(struct qt_ct_config *c, bool loose, bool liberal)
{
	qt_ct_config_default(c);
	c->tcp_loose = loose;
	c->tcp_be_liberal = liberal;
}

/* ---- packets from the vectors' description ---- */

struct built {
	uint8_t buf[1600];
	struct qt_pkt p;
	enum qt_ct_dir dir;
};

static void put16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
}

/* "DIR FLAGS seq=N ack=N win=N [len=N] [opt=...]", as
 * gen_tcp_ct_vectors.py's build(). false if it cannot be read. */
static bool build(const char *desc, struct built *b)
{
	char tmp[256], dir[4], fl[16];
	unsigned long seq = 0, ack = 0, win = 0, len = 0;
	uint8_t opt[40];
	unsigned no = 0;

	snprintf(tmp, sizeof(tmp), "%s", desc);
	if (sscanf(tmp, "%3s %15s", dir, fl) != 2)
		return false;
	b->dir = dir[0] == 'R' ? QT_CT_REPLY : QT_CT_ORIG;
	uint8_t flags = 0;
	for (const char *f = fl; *f && *f != '-'; f++) {
		const char *all = "FSRPAUEC";
		const char *at = strchr(all, *f);
		if (!at)
			return false;
		flags |= (uint8_t)(1u << (at - all));
	}
	char *save = NULL;
	strtok_r(tmp, " ", &save);
	strtok_r(NULL, " ", &save);
	for (char *w = strtok_r(NULL, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		if (!strncmp(w, "seq=", 4))
			seq = strtoul(w + 4, NULL, 10);
		else if (!strncmp(w, "ack=", 4))
			ack = strtoul(w + 4, NULL, 10);
		else if (!strncmp(w, "win=", 4))
			win = strtoul(w + 4, NULL, 10);
		else if (!strncmp(w, "len=", 4))
			len = strtoul(w + 4, NULL, 10);
		else if (!strncmp(w, "opt=", 4)) {
			char *s2 = NULL;
			for (char *o = strtok_r(w + 4, ",", &s2); o;
			     o = strtok_r(NULL, ",", &s2)) {
				if (no > sizeof(opt) - 12)
					return false;
				if (!strcmp(o, "mss")) {
					opt[no++] = 2; opt[no++] = 4;
					put16(opt + no, 1460); no += 2;
				} else if (!strcmp(o, "sackok")) {
					opt[no++] = 4; opt[no++] = 2;
				} else if (!strcmp(o, "ts")) {
					opt[no++] = 8; opt[no++] = 10;
					put32(opt + no, 1); put32(opt + no + 4, 0);
					no += 8;
				} else if (!strncmp(o, "ws", 2)) {
					opt[no++] = 1; opt[no++] = 3; opt[no++] = 3;
					opt[no++] = (uint8_t)atoi(o + 2);
				} else if (!strncmp(o, "sack:", 5)) {
					unsigned long l, r;
					if (sscanf(o + 5, "%lu-%lu", &l, &r) != 2)
						return false;
					opt[no++] = 1; opt[no++] = 1;
					opt[no++] = 5; opt[no++] = 10;
					put32(opt + no, (uint32_t)l);
					put32(opt + no + 4, (uint32_t)r);
					no += 8;
				} else {
					return false;
				}
			}
		} else {
			return false;
		}
	}
	while (no % 4)
		opt[no++] = 0;
	uint32_t thl = 20 + no, tot = 20 + thl + (uint32_t)len;
	if (tot > sizeof(b->buf))
		return false;
	uint8_t *ip = b->buf, *th = b->buf + 20;
	memset(b->buf, 0, tot);
	ip[0] = 0x45;
	put16(ip + 2, tot);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	uint8_t a[4] = { 10, 78, 1, 1 }, z[4] = { 10, 78, 2, 2 };
	memcpy(ip + 12, b->dir == QT_CT_ORIG ? a : z, 4);
	memcpy(ip + 16, b->dir == QT_CT_ORIG ? z : a, 4);
	put16(th, b->dir == QT_CT_ORIG ? 30000 : 80);
	put16(th + 2, b->dir == QT_CT_ORIG ? 80 : 30000);
	put32(th + 4, (uint32_t)seq);
	put32(th + 8, (uint32_t)ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	put16(th + 14, (uint32_t)win);
	memcpy(th + 20, opt, no);
	memset(th + thl, 'd', len);
	return qt_pkt_parse_ipv4(&b->p, b->buf, tot) == QT_PKT_OK;
}

/* ---- the table's part, as nf_conntrack_in() does it ---- */

struct conn {
	struct qt_ct_entry e;
	bool have;
	struct qt_ct_config c;
	uint64_t now;
};

/* The table applies the timeout a tracker returns. */
static void apply(struct conn *k, struct qt_ct_step s)
{
	if (s.timeout != QT_CT_TIMEOUT_KEEP)
		k->e.expires = k->now + (uint64_t)s.timeout * NS;
}

static enum qt_ct_state feed(struct conn *k, const struct qt_pkt *p,
			     enum qt_ct_dir dir)
{
	if (k->have && k->e.expires <= k->now)
		k->have = false;        /* expired: the table drops it */
	if (k->have) {
		struct qt_ct_step s = qt_ct_proto_tcp.packet(&k->e, p, dir,
							     &k->c, k->now);
		if (s.verdict == QT_CT_TRACK_REOPEN) {
			k->have = false;        /* reopened: look up again */
		} else if (s.verdict != QT_CT_TRACK_OK) {
			apply(k, s);
			return QT_CT_INVALID;
		} else {
			apply(k, s);
			enum qt_ct_state s = QT_CT_ESTABLISHED;
			if (dir == QT_CT_ORIG &&
			    !(k->e.status & QT_IPS_SEEN_REPLY))
				s = QT_CT_NEW;
			if (dir == QT_CT_REPLY)
				k->e.status |= QT_IPS_SEEN_REPLY;
			return s;
		}
	}
	if (dir != QT_CT_ORIG)
		return QT_CT_INVALID;   /* the stand-in keeps one tuple */
	memset(&k->e, 0, sizeof(k->e));
	struct qt_ct_step s = qt_ct_proto_tcp.new_conn(&k->e, p, &k->c, k->now);
	if (s.verdict != QT_CT_TRACK_OK)
		return QT_CT_INVALID;
	apply(k, s);
	k->e.status |= QT_IPS_CONFIRMED;
	k->have = true;
	return QT_CT_NEW;
}

/* conntrack -L after the packet: an expired entry is gone */
static const char *entry_state(const struct conn *k)
{
	if (!k->have || k->e.expires <= k->now)
		return "none";
	return qt_ct_tcp_state_name(k->e.p.tcp.state);
}

static uint32_t left(const struct conn *k, uint64_t at)
{
	return k->have && k->e.expires > k->now ?
	       qt_ct_seconds_left(&k->e, at) : 0;
}

/* ---- the kernel's answers ---- */

static int replay_vectors(void)
{
	FILE *f = fopen(TCP_CT_VECTORS, "r");
	char line[512], name[128] = "", pkt[256] = "";
	struct conn k;
	int n = 0;

	ok(f != NULL, "open %s", TCP_CT_VECTORS);
	if (!f)
		return 0;
	memset(&k, 0, sizeof(k));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "name: ", 6)) {
			snprintf(name, sizeof(name), "%.127s", line + 6);
			k.have = false;
			k.now = 1000 * NS;
		} else if (!strncmp(line, "sysctl: ", 8)) {
			int lo = 1, li = 0;
			ok(sscanf(line + 8, "loose=%d liberal=%d", &lo, &li) == 2,
			   "%s: sysctl line", name);
			config(&k.c, lo, li);
		} else if (!strncmp(line, "pkt: ", 5)) {
			snprintf(pkt, sizeof(pkt), "%.255s", line + 5);
		} else if (!strncmp(line, "want: ", 6)) {
			char ws[16], we[16];
			unsigned wl, wa;
			struct built b;
			ok(sscanf(line + 6, "%15s %15s %u %u", ws, we, &wl,
				  &wa) == 4, "%s: want line", name);
			ok(build(pkt, &b), "%s: packet '%s' builds", name, pkt);
			k.now += NS / 1000;
			enum qt_ct_state s = feed(&k, &b.p, b.dir);
			/* the kernel's count was read a moment later */
			uint32_t l = left(&k, k.now + NS / 20);
			bool as = k.have && (k.e.status & QT_IPS_ASSURED);
			bool good = !strcmp(ctname(s), ws) &&
				    !strcmp(entry_state(&k), we) &&
				    l >= wl && l <= wl + 2 && as == (wa != 0);
			ok(good, "%s: %s -> %s %s %u %d (kernel: %s %s %u %u)",
			   name, pkt, ctname(s), entry_state(&k), l,
			   as, ws, we, wl, wa);
			n++;
		}
	}
	fclose(f);
	ok(n >= 100, "%d kernel answers replayed", n);
	return n;
}

/* ---- cases that need time ---- */

static void step(struct conn *k, const char *desc, enum qt_ct_state want,
		 const char *state, uint32_t timeout)
{
	struct built b;
	if (!build(desc, &b)) {
		ok(0, "build %s", desc);
		return;
	}
	enum qt_ct_state s = feed(k, &b.p, b.dir);
	is_str(ctname(s), ctname(want), "%s: ctstate",
	       desc);
	is_str(entry_state(k), state, "%s: entry state", desc);
	if (timeout)
		is_int(left(k, k->now), timeout, "%s: timeout", desc);
}

static void start(struct conn *k, bool loose, bool liberal)
{
	memset(k, 0, sizeof(*k));
	config(&k->c, loose, liberal);
	k->now = 5000 * NS;
}

static void handshake(struct conn *k, const char *copt, const char *sopt)
{
	char d[128];
	snprintf(d, sizeof(d), "O S seq=1000 ack=0 win=64240 opt=%s", copt);
	step(k, d, QT_CT_NEW, "SYN_SENT", 120);
	snprintf(d, sizeof(d), "R SA seq=50000 ack=1001 win=65160 opt=%s",
		 sopt);
	step(k, d, QT_CT_ESTABLISHED, "SYN_RECV", 60);
	step(k, "O A seq=1001 ack=50001 win=502", QT_CT_ESTABLISHED,
	     "ESTABLISHED", 432000);
}

static void timed_cases(void)
{
	struct conn k;

	/* a retransmitted SYN does not renew the timeout */
	start(&k, true, false);
	step(&k, "O S seq=1000 ack=0 win=64240 opt=mss", QT_CT_NEW,
	     "SYN_SENT", 120);
	k.now += 50 * NS;
	step(&k, "O S seq=1000 ack=0 win=64240 opt=mss", QT_CT_NEW,
	     "SYN_SENT", 70);

	/* window scale factors: both offered, kept; one side, none */
	start(&k, true, false);
	handshake(&k, "mss,ws7", "mss,ws9");
	is_int(k.e.p.tcp.seen[0].td_scale, 7, "client scale 7");
	is_int(k.e.p.tcp.seen[1].td_scale, 9, "server scale 9");
	start(&k, true, false);
	handshake(&k, "mss,ws7", "mss");
	is_int(k.e.p.tcp.seen[0].td_scale, 0, "scale dropped (server none)");
	start(&k, true, false);
	handshake(&k, "mss,ws20", "mss,ws20");
	is_int(k.e.p.tcp.seen[0].td_scale, 14, "scale capped at 14");
	/* with scale 7 the server's window 2000 is 256000 bytes */
	step(&k, "R A seq=50001 ack=1001 win=2000", QT_CT_ESTABLISHED,
	     "ESTABLISHED", 432000);
	step(&k, "O PA seq=1001 ack=50001 win=502 len=1400",
	     QT_CT_ESTABLISHED, "ESTABLISHED", 300);
	ok(k.e.p.tcp.seen[0].flags & 0x10, "data unacknowledged flag");
	step(&k, "R A seq=50001 ack=2401 win=2000", QT_CT_ESTABLISHED,
	     "ESTABLISHED", 432000);
	ok(!(k.e.p.tcp.seen[0].flags & 0x10), "acked: flag cleared");
	is_int(k.e.p.tcp.seen[0].td_maxend - 2401, 2000u << 14,
	       "receiver window scaled");

	/* loose off: nothing but a SYN starts a connection */
	start(&k, false, false);
	step(&k, "O A seq=1 ack=2 win=100", QT_CT_INVALID, "none", 0);
	/* loose on: an ACK picks it up, liberal both ways */
	start(&k, true, false);
	step(&k, "O A seq=1 ack=2 win=100", QT_CT_NEW, "ESTABLISHED", 300);
	ok((k.e.p.tcp.seen[0].flags & 0x08) && (k.e.p.tcp.seen[1].flags & 0x08),
	   "picked up: both sides liberal");
	step(&k, "O PA seq=99999 ack=2 win=100 len=5", QT_CT_NEW,
	     "ESTABLISHED", 300);

	/* an assured connection: FIN out of window answering the peer's
	 * FIN lowers the timeout to the unacknowledged one */
	start(&k, true, false);
	handshake(&k, "mss", "mss");
	step(&k, "R A seq=50001 ack=1001 win=509", QT_CT_ESTABLISHED,
	     "ESTABLISHED", 432000);
	/* a RST with an inexact seq keeps ESTABLISHED (challenge ACK) */
	step(&k, "R R seq=50005 ack=0 win=0", QT_CT_ESTABLISHED,
	     "ESTABLISHED", 10);
	/* garbage: header cut */
	struct built b;
	ok(build("O A seq=1001 ack=50001 win=502", &b), "build");
	b.p.l4_ok = false;
	struct qt_ct_step s = qt_ct_proto_tcp.packet(&k.e, &b.p, QT_CT_ORIG,
						     &k.c, k.now);
	ok(s.verdict == QT_CT_TRACK_INVALID &&
	   s.timeout == QT_CT_TIMEOUT_KEEP, "no TCP header: invalid");
	s = qt_ct_proto_tcp.new_conn(&k.e, &b.p, &k.c, k.now);
	ok(s.verdict == QT_CT_TRACK_INVALID, "no TCP header: no entry");

	/* the names conntrack -L prints */
	is_str(qt_ct_tcp_state_name(QT_TCP_SYN_SENT2), "SYN_SENT2", "name");
	is_str(qt_ct_tcp_state_name(QT_TCP_TIME_WAIT), "TIME_WAIT", "name");
}

int main(void)
{
	replay_vectors();
	timed_cases();
	return done_testing();
}
