/* The SCTP tracker (engine/ct/conntrack_sctp.c) through the connection
 * table: an association's states from INIT to SHUTDOWN COMPLETE with
 * their timeouts, the verification tags, the packets the kernel's
 * nf_conntrack_proto_sctp finds INVALID, heartbeats of an association
 * set up elsewhere, and the CRC-32C. Packets built here, a fake clock.
 * The same facts were checked against the kernel (6.18) by
 * tests/compat/run-ctdiff.sh (QT_CTDIFF_ONLY=sctp). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "crc32.h"
#include "csum.h"
#include "packet.h"
#include "tap.h"

#define S 1000000000ull

enum { DATA = 0, INIT = 1, INIT_ACK = 2, SACK = 3, HEARTBEAT = 4,
       HEARTBEAT_ACK = 5, ABORT = 6, SHUTDOWN = 7, SHUTDOWN_ACK = 8,
       COOKIE_ECHO = 10, COOKIE_ACK = 11, SHUTDOWN_COMPLETE = 14 };

#define END (-1)
#define T_FLAG 0x01     /* ABORT, SHUTDOWN COMPLETE: the peer's tag */

struct pk {
	uint8_t b[256];
	struct qt_pkt p;
};

static uint32_t ip(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static uint32_t A, B;

/* An SCTP packet from the client (c: A:1000 -> B:5000) or the server,
 * with tag vtag and chunks given as (type, flags) pairs up to END; INIT
 * and INIT ACK carry itag as their initiate tag. A correct CRC-32C. */
static struct qt_pkt *sctp(struct pk *k, bool c, uint32_t vtag,
			   uint32_t itag, ...)
{
	uint8_t *l4 = k->b + 20;
	uint32_t n = 12;
	memset(k->b, 0, sizeof(k->b));
	put16(l4, c ? 1000 : 5000);
	put16(l4 + 2, c ? 5000 : 1000);
	put32(l4 + 4, vtag);
	va_list ap;
	va_start(ap, itag);
	for (int t; (t = va_arg(ap, int)) != END;) {
		int flags = va_arg(ap, int);
		uint16_t len = t == INIT || t == INIT_ACK ? 20 : 8;
		l4[n] = (uint8_t)t;
		l4[n + 1] = (uint8_t)flags;
		put16(l4 + n + 2, len);
		if (t == INIT || t == INIT_ACK)
			put32(l4 + n + 4, itag);
		n += len;
	}
	va_end(ap);
	uint32_t crc = qt_crc32c(0, l4, n);
	l4[8] = (uint8_t)crc;
	l4[9] = (uint8_t)(crc >> 8);
	l4[10] = (uint8_t)(crc >> 16);
	l4[11] = (uint8_t)(crc >> 24);
	k->b[0] = 0x45;
	put16(k->b + 2, (uint16_t)(20 + n));
	k->b[8] = 64;
	k->b[9] = IPPROTO_SCTP;
	memcpy(k->b + 12, c ? &A : &B, 4);
	memcpy(k->b + 16, c ? &B : &A, 4);
	qt_pkt_parse_ipv4(&k->p, k->b, 20 + n);
	return &k->p;
}

static struct qt_ct *ct;
static uint64_t now = 100 * S;
static struct qt_ct_verdict v;

/* The packet through the table (confirmed when it made an entry); the
 * state it was given. */
static enum qt_ct_state in(const struct qt_pkt *p)
{
	now += S / 10;
	qt_ct_in(ct, p, now, &v);
	if (v.created)
		qt_ct_confirm(ct, v.e, now);
	return v.state;
}

static const char *state_name(void)
{
	struct qt_ct_entry *e = v.e;
	return e ? qt_ct_entry_state_name(e) : "(none)";
}

static uint32_t left(void)
{
	return v.e ? qt_ct_seconds_left(v.e, now) : 0;
}

static void fresh(void)
{
	if (ct)
		qt_ct_free(ct);
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	ct = qt_ct_new(&c, 64);
}

#define CT 0x1111u      /* the client's tag */
#define ST 0x2222u      /* the server's tag */

static void handshake(void)
{
	struct pk k;
	in(sctp(&k, true, 0, CT, INIT, 0, END));
	in(sctp(&k, false, CT, ST, INIT_ACK, 0, END));
	in(sctp(&k, true, ST, 0, COOKIE_ECHO, 0, END));
	in(sctp(&k, false, CT, 0, COOKIE_ACK, 0, END));
}

static void test_association(void)
{
	struct pk k;
	fresh();
	is_int(in(sctp(&k, true, 0, CT, INIT, 0, END)), QT_CT_NEW, "INIT: NEW");
	is_str(state_name(), "CLOSED", "INIT: CLOSED");
	is_int((int)left(), 10, "INIT: the CLOSED timeout (10 s)");
	now += 3 * S;
	is_int(in(sctp(&k, true, 0, CT, INIT, 0, END)), QT_CT_NEW,
	       "INIT again: NEW");
	is_int((int)left(), 6, "INIT again on CLOSED: timeout not renewed");
	is_int(in(sctp(&k, false, CT, ST, INIT_ACK, 0, END)), QT_CT_ESTABLISHED,
	       "INIT ACK: ESTABLISHED (a reply)");
	is_str(state_name(), "COOKIE_WAIT", "INIT ACK: COOKIE_WAIT");
	is_int((int)left(), 3, "COOKIE_WAIT: 3 s");
	ok(!(v.e->status & QT_IPS_ASSURED), "not assured yet");
	is_int(in(sctp(&k, true, ST, 0, COOKIE_ECHO, 0, DATA, 0, END)),
	       QT_CT_ESTABLISHED, "COOKIE ECHO with DATA");
	is_str(state_name(), "COOKIE_ECHOED", "COOKIE_ECHOED");
	is_int(in(sctp(&k, false, CT, 0, COOKIE_ACK, 0, END)),
	       QT_CT_ESTABLISHED, "COOKIE ACK");
	is_str(state_name(), "ESTABLISHED", "ESTABLISHED");
	ok(v.e->status & QT_IPS_ASSURED, "assured");
	is_int((int)left(), 210, "ESTABLISHED: 210 s");
	is_int(in(sctp(&k, true, ST, 0, DATA, 0, END)), QT_CT_ESTABLISHED,
	       "DATA with the server's tag");
	is_int(in(sctp(&k, false, CT, 0, SACK, 0, END)), QT_CT_ESTABLISHED,
	       "SACK with the client's tag");
	is_int(in(sctp(&k, true, CT, 0, DATA, 0, END)), QT_CT_INVALID,
	       "DATA with the client's own tag: INVALID");
	is_int(in(sctp(&k, false, ST, 0, SACK, 0, END)), QT_CT_INVALID,
	       "SACK with the server's own tag: INVALID");
	is_int(in(sctp(&k, true, ST, 0, SHUTDOWN, 0, END)), QT_CT_ESTABLISHED,
	       "SHUTDOWN by the client");
	is_str(state_name(), "SHUTDOWN_SENT", "SHUTDOWN_SENT");
	is_int((int)left(), 3, "SHUTDOWN_SENT: 3 s");
	in(sctp(&k, false, CT, 0, SHUTDOWN_ACK, 0, END));
	is_str(state_name(), "SHUTDOWN_ACK_SENT", "SHUTDOWN_ACK_SENT");
	is_int(in(sctp(&k, true, ST, 0, SHUTDOWN_COMPLETE, 0, END)),
	       QT_CT_ESTABLISHED, "SHUTDOWN COMPLETE");
	is_str(state_name(), "CLOSED", "CLOSED");
	is_int((int)left(), 10, "CLOSED: 10 s");

	/* the server shuts down */
	fresh();
	handshake();
	in(sctp(&k, false, CT, 0, SHUTDOWN, 0, END));
	is_str(state_name(), "SHUTDOWN_RECD", "SHUTDOWN by the server: RECD");
	in(sctp(&k, true, ST, 0, SHUTDOWN_ACK, 0, END));
	is_str(state_name(), "SHUTDOWN_ACK_SENT", "then SHUTDOWN_ACK_SENT");
	is_int(in(sctp(&k, false, ST, 0, SHUTDOWN_COMPLETE, T_FLAG,
		       END)), QT_CT_ESTABLISHED,
	       "SHUTDOWN COMPLETE with T and the peer's tag");
	is_str(state_name(), "CLOSED", "CLOSED");
}

static void test_invalid(void)
{
	struct pk k;
	fresh();
	is_int(in(sctp(&k, true, 7, CT, INIT, 0, END)), QT_CT_INVALID,
	       "INIT in a packet with a tag");
	ok(!v.e, "no entry");
	is_int(in(sctp(&k, true, CT, 0, DATA, 0, END)), QT_CT_INVALID,
	       "DATA with no association");
	is_int(in(sctp(&k, true, 0, 0, ABORT, 0, END)), QT_CT_INVALID,
	       "ABORT out of the blue");
	is_int(in(sctp(&k, false, 0, 0, COOKIE_ACK, 0, END)), QT_CT_INVALID,
	       "COOKIE ACK out of the blue");
	is_int(in(sctp(&k, true, 0, CT, INIT, 0, DATA, 0, END)), QT_CT_INVALID,
	       "INIT not alone");
	is_int(in(sctp(&k, true, 0, 0, END)), QT_CT_INVALID, "no chunk");
	struct qt_pkt *p = sctp(&k, true, 0, CT, INIT, 0, END);
	k.b[20 + 12 + 2] = 0;
	k.b[20 + 12 + 3] = 0;
	is_int(in(p), QT_CT_INVALID, "a chunk of length 0");
	fresh();
	in(sctp(&k, true, 0, CT, INIT, 0, END));
	is_int(in(sctp(&k, true, ST, 0, DATA, 0, COOKIE_ECHO, 0, END)),
	       QT_CT_INVALID, "COOKIE ECHO not first");
	is_int(in(sctp(&k, false, 0, ST, INIT, 0, END)), QT_CT_ESTABLISHED,
	       "an INIT from the server (collision) is taken");
	is_int(in(sctp(&k, false, CT ^ 1, ST, INIT_ACK, 0, END)),
	       QT_CT_INVALID, "INIT ACK with a wrong tag");
	is_int(in(sctp(&k, false, CT, 0, ABORT, 0, END)), QT_CT_ESTABLISHED,
	       "ABORT with the right tag");
	is_str(state_name(), "CLOSED", "ABORT: CLOSED");

	fresh();
	handshake();
	is_int(in(sctp(&k, true, ST ^ 1, 0, ABORT, 0, END)), QT_CT_INVALID,
	       "ABORT with a wrong tag");
	is_int(in(sctp(&k, true, CT, 0, ABORT, T_FLAG, END)),
	       QT_CT_ESTABLISHED, "ABORT with T and its own tag");
	is_str(state_name(), "CLOSED", "CLOSED");

	/* the CRC-32C */
	fresh();
	p = sctp(&k, true, 0, CT, INIT, 0, END);
	k.b[20 + 8] ^= 1;
	ok(!qt_pkt_csum_holds(p), "a CRC-32C that fails");
	p = sctp(&k, true, 0, CT, INIT, 0, END);
	ok(qt_pkt_csum_holds(p), "a CRC-32C that holds");
}

static void test_heartbeat(void)
{
	struct pk k;
	fresh();
	is_int(in(sctp(&k, true, 0x4444, 0, HEARTBEAT, 0, END)), QT_CT_NEW,
	       "HEARTBEAT with no association: NEW");
	is_str(state_name(), "HEARTBEAT_SENT", "HEARTBEAT_SENT");
	is_int((int)left(), 30, "HEARTBEAT_SENT: 30 s");
	is_int(in(sctp(&k, true, 0x9999, 0, DATA, 0, END)), QT_CT_INVALID,
	       "DATA with another tag");
	is_int(in(sctp(&k, false, 0x5555, 0, HEARTBEAT_ACK, 0, END)),
	       QT_CT_ESTABLISHED, "HEARTBEAT ACK learns the reply's tag");
	is_str(state_name(), "ESTABLISHED", "ESTABLISHED");
	ok(v.e->status & QT_IPS_ASSURED, "assured");
	is_int(in(sctp(&k, false, 0x5555, 0, DATA, 0, END)), QT_CT_ESTABLISHED,
	       "DATA with the learnt tag");
	/* a restarted peer: a HEARTBEAT with a new tag is let through
	 * without renewing the timeout, its ACK from the other side takes
	 * the new tags */
	now += 50 * S;
	is_int(in(sctp(&k, true, 0x6666, 0, HEARTBEAT, 0, END)),
	       QT_CT_ESTABLISHED, "HEARTBEAT with a new tag: let through");
	is_int(in(sctp(&k, true, 0x6666, 0, HEARTBEAT_ACK, 0, END)),
	       QT_CT_INVALID, "its ACK from the same side: INVALID");
	is_int(in(sctp(&k, false, 0x7777, 0, HEARTBEAT_ACK, 0, END)),
	       QT_CT_ESTABLISHED, "its ACK from the other side");
	is_int(in(sctp(&k, false, 0x7777, 0, DATA, 0, END)), QT_CT_ESTABLISHED,
	       "DATA with the new tag");
	is_int(in(sctp(&k, false, 0x5555, 0, DATA, 0, END)), QT_CT_INVALID,
	       "DATA with the old tag");
}

int main(void)
{
	A = ip("10.0.1.2");
	B = ip("10.0.2.2");
	test_association();
	test_invalid();
	test_heartbeat();
	qt_ct_free(ct);
	return done_testing();
}
