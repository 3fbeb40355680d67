/* qtables-conntrack (daemon/ct_view.c): lines in conntrack(8)'s format
 * for entries built by hand, the filters, the command line's messages
 * and exit codes, and -L/-D/-F/-C/-S on a real table filled by packets.
 * The expected lines are the ones conntrack-tools 1.4.7 printed for the
 * kernel's table for the same connections. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "ct_view.h"
#include "protocol.h"
#include "packet.h"
#include "tap.h"

#define SEC UINT64_C(1000000000)
static const uint64_t NOW = 1000 * SEC;

static uint32_t ip(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static struct qt_ct_entry entry(uint8_t proto, const char *src,
				const char *dst, uint16_t sport,
				uint16_t dport, uint32_t secs)
{
	struct qt_ct_entry e;
	memset(&e, 0, sizeof(e));
	e.t[0].src.ip = ip(src);
	e.t[0].dst.ip = ip(dst);
	e.t[0].sport = sport;
	e.t[0].dport = dport;
	e.t[0].proto = proto;
	e.t[1].src = e.t[0].dst;
	e.t[1].dst = e.t[0].src;
	e.t[1].sport = dport;
	e.t[1].dport = sport;
	e.t[1].proto = proto;
	e.status = QT_IPS_CONFIRMED;
	e.expires = NOW + (uint64_t)secs * SEC;
	return e;
}

static const char *fmt(const struct qt_ct_entry *e)
{
	static struct qt_buf b;
	qt_buf_free(&b);
	qt_buf_init(&b);
	qt_ct_view_format(e, NOW, &b);
	return qt_buf_str(&b);
}

/* An IPv6 entry: the tuples of entry() with IPv6 addresses. */
static struct qt_ct_entry entry6(uint8_t proto, const char *src,
				 const char *dst, uint16_t sport,
				 uint16_t dport, uint32_t secs)
{
	struct qt_ct_entry e = entry(proto, "0.0.0.0", "0.0.0.0", sport,
				     dport, secs);
	for (int d = 0; d < 2; d++) {
		inet_pton(AF_INET6, d ? dst : src, e.t[d].src.b);
		inet_pton(AF_INET6, d ? src : dst, e.t[d].dst.b);
		e.t[d].ip6 = 1;
	}
	return e;
}

/* As conntrack -L shows the kernel's IPv6 entries (conntrack-tools
 * 1.4.7, flows made in a network namespace). */
static void test_format6(void)
{
	struct qt_ct_entry t = entry6(6, "2001:db8::1", "2001:db8::1", 45742,
				      8080, 119);
	t.status |= QT_IPS_SEEN_REPLY | QT_IPS_ASSURED;
	t.p.tcp.state = QT_TCP_TIME_WAIT;
	is_str(fmt(&t), "tcp      6 119 TIME_WAIT src=2001:db8::1 dst=2001:db8::1 "
	       "sport=45742 dport=8080 src=2001:db8::1 dst=2001:db8::1 "
	       "sport=8080 dport=45742 [ASSURED] mark=0 use=1\n", "IPv6 tcp");
	struct qt_ct_entry u = entry6(17, "2001:db8::1", "2001:db8:0:1::2",
				      40965, 9999, 29);
	is_str(fmt(&u), "udp      17 29 src=2001:db8::1 dst=2001:db8:0:1::2 "
	       "sport=40965 dport=9999 [UNREPLIED] src=2001:db8:0:1::2 "
	       "dst=2001:db8::1 sport=9999 dport=40965 mark=0 use=1\n",
	       "IPv6 udp unreplied");
	struct qt_ct_entry i = entry6(58, "2001:db8::1", "2001:db8::1", 5620,
				      128 << 8, 28);
	i.t[1].sport = 5620;
	i.t[1].dport = 129 << 8;
	i.status |= QT_IPS_SEEN_REPLY;
	is_str(fmt(&i), "icmpv6   58 28 src=2001:db8::1 dst=2001:db8::1 type=128 "
	       "code=0 id=5620 src=2001:db8::1 dst=2001:db8::1 type=129 code=0 "
	       "id=5620 mark=0 use=1\n", "IPv6 icmpv6 echo");

	struct qt_ct_entry v4 = entry(17, "10.9.0.1", "10.9.0.2", 1, 2, 29);
	struct qt_ct_filter f = { .family = AF_INET6 };
	ok(qt_ct_filter_match(&f, &u) && !qt_ct_filter_match(&f, &v4),
	   "-f ipv6: IPv6 entries only");
	f.family = AF_INET;
	ok(!qt_ct_filter_match(&f, &u) && qt_ct_filter_match(&f, &v4),
	   "-f ipv4: IPv4 entries only");
	f = (struct qt_ct_filter){ 0 };
	ok(qt_ct_filter_match(&f, &u) && qt_ct_filter_match(&f, &v4),
	   "no -f: both families, as conntrack -L");
}

static void test_format(void)
{
	struct qt_ct_entry t = entry(6, "10.0.1.2", "10.0.2.2", 40000, 80,
				     431999);
	t.status |= QT_IPS_SEEN_REPLY | QT_IPS_ASSURED;
	t.p.tcp.state = QT_TCP_ESTABLISHED;
	is_str(fmt(&t), "tcp      6 431999 ESTABLISHED src=10.0.1.2 dst=10.0.2.2 "
	       "sport=40000 dport=80 src=10.0.2.2 dst=10.0.1.2 sport=80 "
	       "dport=40000 [ASSURED] mark=0 use=1\n", "tcp established");

	t.status = QT_IPS_CONFIRMED;
	t.p.tcp.state = QT_TCP_SYN_SENT;
	t.mark = 7;
	t.expires = NOW + 119 * SEC;
	is_str(fmt(&t), "tcp      6 119 SYN_SENT src=10.0.1.2 dst=10.0.2.2 "
	       "sport=40000 dport=80 [UNREPLIED] src=10.0.2.2 dst=10.0.1.2 "
	       "sport=80 dport=40000 mark=7 use=1\n", "tcp syn_sent, mark");

	struct qt_ct_entry u = entry(17, "10.9.0.1", "10.9.0.2", 44398, 5353, 29);
	is_str(fmt(&u), "udp      17 29 src=10.9.0.1 dst=10.9.0.2 sport=44398 "
	       "dport=5353 [UNREPLIED] src=10.9.0.2 dst=10.9.0.1 sport=5353 "
	       "dport=44398 mark=0 use=1\n", "udp unreplied");
	u.status |= QT_IPS_SEEN_REPLY;
	is_str(fmt(&u), "udp      17 29 src=10.9.0.1 dst=10.9.0.2 sport=44398 "
	       "dport=5353 src=10.9.0.2 dst=10.9.0.1 sport=5353 "
	       "dport=44398 mark=0 use=1\n", "udp seen reply");

	/* ICMP: sport holds the id, dport type << 8 | code */
	struct qt_ct_entry i = entry(1, "10.9.0.1", "10.9.0.2", 732, 8 << 8, 29);
	i.t[1].sport = 732;
	i.t[1].dport = 0;
	i.status |= QT_IPS_SEEN_REPLY;
	is_str(fmt(&i), "icmp     1 29 src=10.9.0.1 dst=10.9.0.2 type=8 code=0 "
	       "id=732 src=10.9.0.2 dst=10.9.0.1 type=0 code=0 id=732 mark=0 "
	       "use=1\n", "icmp echo");

	struct qt_ct_entry g = entry(47, "10.0.1.2", "10.0.2.2", 0, 0, 599);
	is_str(fmt(&g), "gre      47 599 src=10.0.1.2 dst=10.0.2.2 [UNREPLIED] "
	       "src=10.0.2.2 dst=10.0.1.2 mark=0 use=1\n", "gre (generic)");
	g.t[0].proto = g.t[1].proto = 4;
	is_str(fmt(&g), "unknown  4 599 src=10.0.1.2 dst=10.0.2.2 [UNREPLIED] "
	       "src=10.0.2.2 dst=10.0.1.2 mark=0 use=1\n", "unknown protocol");
}

static void test_filter(void)
{
	struct qt_ct_entry t = entry(6, "10.0.1.2", "10.0.2.2", 40000, 80, 10);
	t.status |= QT_IPS_SEEN_REPLY | QT_IPS_ASSURED;
	t.p.tcp.state = QT_TCP_ESTABLISHED;
	t.mark = 0x15;
	struct qt_ct_entry u = entry(17, "10.0.1.2", "10.0.2.2", 5000, 53, 10);
	struct qt_ct_filter f = { .has = 0 };
	ok(qt_ct_filter_match(&f, &t) && qt_ct_filter_match(&f, &u), "no filter");
	f.has = QT_CTF_PROTO;
	f.proto = 17;
	ok(!qt_ct_filter_match(&f, &t) && qt_ct_filter_match(&f, &u), "-p udp");
	f = (struct qt_ct_filter){ .has = QT_CTF_ADDR(0),
				   .addr = { ip("10.0.1.0") },
				   .mask = { ip("255.255.255.0") } };
	ok(qt_ct_filter_match(&f, &t), "-s 10.0.1.0/24");
	f.addr[0] = ip("10.0.2.0");
	ok(!qt_ct_filter_match(&f, &t), "-s 10.0.2.0/24");
	f = (struct qt_ct_filter){ .has = QT_CTF_ADDR(3),
				   .addr = { 0, 0, 0, ip("10.0.1.2") },
				   .mask = { 0, 0, 0, 0xffffffffu } };
	ok(qt_ct_filter_match(&f, &t), "-q (reply dst)");
	f = (struct qt_ct_filter){ .has = QT_CTF_PORT(1), .port = { 0, 80 } };
	ok(qt_ct_filter_match(&f, &t) && !qt_ct_filter_match(&f, &u), "--dport 80");
	f = (struct qt_ct_filter){ .has = QT_CTF_PORT(2), .port = { 0, 0, 80 } };
	ok(qt_ct_filter_match(&f, &t), "--reply-port-src 80");
	f = (struct qt_ct_filter){ .has = QT_CTF_MARK, .mark = 5,
				   .mark_mask = 0xf };
	ok(qt_ct_filter_match(&f, &t) && !qt_ct_filter_match(&f, &u),
	   "-m 5/0xf");
	f = (struct qt_ct_filter){ .has = QT_CTF_STATUS,
				   .status_set = QT_IPS_ASSURED };
	ok(qt_ct_filter_match(&f, &t) && !qt_ct_filter_match(&f, &u),
	   "-u ASSURED");
	f = (struct qt_ct_filter){ .has = QT_CTF_STATUS,
				   .status_clear = QT_IPS_SEEN_REPLY };
	ok(!qt_ct_filter_match(&f, &t) && qt_ct_filter_match(&f, &u),
	   "-u UNREPLIED");
	f = (struct qt_ct_filter){ .has = QT_CTF_STATE, .proto = 6,
				   .state = QT_TCP_ESTABLISHED };
	ok(qt_ct_filter_match(&f, &t) && !qt_ct_filter_match(&f, &u),
	   "--state ESTABLISHED");
	f.state = QT_TCP_TIME_WAIT;
	ok(!qt_ct_filter_match(&f, &t), "--state TIME_WAIT");
	f = (struct qt_ct_filter){ .family = AF_INET6 };
	ok(!qt_ct_filter_match(&f, &t), "-f ipv6");
}

/* --src-nat, --dst-nat, --any-nat: conntrack's filter_nat. */
static void test_nat_filter(void)
{
	/* source NAT keeping the port; destination NAT with a port;
	 * both, source port changed; none; a ping whose id was kept */
	struct qt_ct_entry s = entry(17, "10.0.1.2", "10.0.2.2", 5000, 53, 10);
	s.t[1].dst.ip = ip("10.0.2.1");
	struct qt_ct_entry d = entry(6, "10.0.1.2", "10.0.1.1", 4000, 80, 10);
	d.t[1].src.ip = ip("10.0.2.2");
	d.t[1].sport = 8080;
	struct qt_ct_entry b = entry(6, "10.0.1.3", "10.0.1.1", 4001, 80, 10);
	b.t[1].src.ip = ip("10.0.2.2");
	b.t[1].dst.ip = ip("10.0.2.1");
	b.t[1].dport = 6000;
	struct qt_ct_entry n = entry(6, "10.0.1.2", "10.0.2.2", 4002, 80, 10);
	struct qt_ct_entry i = entry(1, "10.0.1.2", "10.0.2.2", 7, 8 << 8, 10);
	i.t[1].dport = 0;
	const struct qt_ct_entry *all[] = { &s, &d, &b, &n, &i };
	struct {
		struct qt_ct_filter f;
		const char *want, *what;
	} cases[] = {
		{ { .has = QT_CTF_NAT_SRC }, "10100", "--src-nat" },
		{ { .has = QT_CTF_NAT_SRC | QT_CTF_NAT_IP(0),
		    .nat_ip = { ip("10.0.2.1") } }, "10100", "--src-nat 10.0.2.1" },
		{ { .has = QT_CTF_NAT_SRC | QT_CTF_NAT_IP(0) | QT_CTF_NAT_PORT(0),
		    .nat_ip = { ip("10.0.2.1") }, .nat_port = { 6000 } },
		  "00100", "--src-nat 10.0.2.1:6000" },
		{ { .has = QT_CTF_NAT_SRC | QT_CTF_NAT_IP(0) | QT_CTF_NAT_PORT(0),
		    .nat_ip = { ip("10.0.2.1") }, .nat_port = { 5000 } },
		  "00000", "--src-nat 10.0.2.1:5000 (a port kept is no match)" },
		{ { .has = QT_CTF_NAT_DST }, "01100", "--dst-nat" },
		{ { .has = QT_CTF_NAT_DST | QT_CTF_NAT_IP(1) | QT_CTF_NAT_PORT(1),
		    .nat_ip = { 0, ip("10.0.2.2") }, .nat_port = { 0, 8080 } },
		  "01000", "--dst-nat 10.0.2.2:8080 (the port must be one translated)" },
		{ { .has = QT_CTF_NAT_SRC | QT_CTF_NAT_DST }, "00100",
		  "--src-nat --dst-nat: both" },
		{ { .has = QT_CTF_NAT_ANY }, "11100", "--any-nat" },
		{ { .has = QT_CTF_NAT_ANY | QT_CTF_NAT_IP(0) | QT_CTF_NAT_IP(1),
		    .nat_ip = { ip("10.0.2.2"), ip("10.0.2.2") } }, "01100",
		  "--any-nat 10.0.2.2" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char got[6] = { 0 };
		for (int e = 0; e < 5; e++)
			got[e] = qt_ct_filter_match(&cases[c].f, all[e]) ? '1' : '0';
		is_str(got, cases[c].want, "%s", cases[c].what);
	}
}

/* An IPv6 address asked for: conntrack 1.4.7 lists IPv6 entries (the
 * command line sets -f ipv6) translated so, whatever the address, and
 * compares the port (as the kernel's conntrack answers). */
static void test_nat_filter6(void)
{
	/* source NAT of an IPv6 flow; the same flow untranslated; an
	 * IPv4 flow whose reply address has the IPv6 one's first bytes */
	struct qt_ct_entry s = entry6(17, "2001:db8:1::2", "2001:db8:2::2",
				      5000, 53, 10);
	inet_pton(AF_INET6, "2001:db8:2::1", s.t[1].dst.b);
	struct qt_ct_entry n = entry6(17, "2001:db8:1::2", "2001:db8:2::2",
				      5001, 53, 10);
	struct qt_ct_entry v4 = entry(17, "10.0.1.2", "10.0.2.2", 5000, 53, 10);
	v4.t[1].dst.ip = ip("32.1.13.184");
	struct qt_ct_filter f = { .has = QT_CTF_NAT_SRC | QT_CTF_NAT_IP(0),
				  .nat_v6 = { true }, .family = AF_INET6 };
	ok(qt_ct_filter_match(&f, &s) && !qt_ct_filter_match(&f, &n) &&
	   !qt_ct_filter_match(&f, &v4), "--src-nat 2001:db8:2::9");
	f.has |= QT_CTF_NAT_PORT(0);
	f.nat_port[0] = 5000;
	ok(!qt_ct_filter_match(&f, &s), "--src-nat [2001:db8:2::9]:5000 "
	   "(a port kept is no match)");
	s.t[1].dport = 6000;
	f.nat_port[0] = 6000;
	ok(qt_ct_filter_match(&f, &s), "--src-nat [2001:db8:2::9]:6000");
}

/* The program on no table (nshards 0): messages and exit codes. */
static int run(struct qt_ct *const *shards, unsigned n, const char *line,
	       struct qt_buf *out, struct qt_buf *err)
{
	char *copy = strdup(line), *argv[32], *save = NULL;
	int argc = 0;
	for (char *w = strtok_r(copy, " ", &save); w && argc < 32;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	qt_buf_reset(out);
	qt_buf_reset(err);
	int rc = qt_ct_view_run(shards, n, "qtables-conntrack", argc, argv,
				NOW, out, err);
	free(copy);
	return rc;
}

#define HINT "\nTry `qtables-conntrack -h' or 'qtables-conntrack --help' " \
	     "for more information.\n"
#define PFX "qtables-conntrack v1.4.7 (qtables): "

/* Zones as conntrack -L showed the kernel's entries made in zone 1,
 * original zone 2, reply zone 3 and none (nft's ct zone set, ct
 * original|reply zone set), and which each of -w, --orig-zone and
 * --reply-zone found there: a zone not shown reads 0. */
static void test_zones(void)
{
	struct qt_ct_entry z[4];
	for (int i = 0; i < 4; i++)
		z[i] = entry(17, "10.77.0.1", "10.77.0.2",
			     (uint16_t)(4001 + i), 5000, 29);
	z[0].t[0].zone = z[0].t[1].zone = 1;
	z[1].t[0].zone = 2;
	z[2].t[1].zone = 3;
	is_str(fmt(&z[0]), "udp      17 29 src=10.77.0.1 dst=10.77.0.2 "
	       "sport=4001 dport=5000 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 "
	       "sport=5000 dport=4001 mark=0 zone=1 use=1\n",
	       "zone 1: after the mark");
	is_str(fmt(&z[1]), "udp      17 29 src=10.77.0.1 dst=10.77.0.2 "
	       "sport=4002 dport=5000 zone-orig=2 [UNREPLIED] src=10.77.0.2 "
	       "dst=10.77.0.1 sport=5000 dport=4002 mark=0 use=1\n",
	       "original zone 2: after the original tuple");
	is_str(fmt(&z[2]), "udp      17 29 src=10.77.0.1 dst=10.77.0.2 "
	       "sport=4003 dport=5000 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 "
	       "sport=5000 dport=4003 zone-reply=3 mark=0 use=1\n",
	       "reply zone 3: after the reply tuple");
	z[1].status |= QT_IPS_SEEN_REPLY | QT_IPS_ASSURED;
	z[1].t[1].zone = 0;
	ok(strstr(fmt(&z[1]), "dport=5000 zone-orig=2 src=10.77.0.2") != NULL,
	   "replied: no [UNREPLIED] after zone-orig");
	static const struct { int i; uint16_t v; const char *found; } q[] = {
		{ 0, 1, "1000" }, { 0, 0, "0111" }, { 0, 2, "0000" },
		{ 1, 2, "0100" }, { 1, 0, "1011" }, { 1, 1, "0000" },
		{ 2, 3, "0010" }, { 2, 0, "1101" }, { 2, 1, "0000" },
	};
	static const char *const names[] = { "-w", "--orig-zone",
					     "--reply-zone" };
	for (size_t k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
		struct qt_ct_filter f = { .has = QT_CTF_ZONE(q[k].i) };
		f.zone[q[k].i] = q[k].v;
		char got[5] = { 0 };
		for (int i = 0; i < 4; i++)
			got[i] = qt_ct_filter_match(&f, &z[i]) ? '1' : '0';
		is_str(got, q[k].found, "%s %u finds what conntrack -L found",
		       names[q[k].i], q[k].v);
	}
	struct qt_ct_filter both = { .has = QT_CTF_ZONE(0) | QT_CTF_ZONE(1),
				     .zone = { 1, 1 } };
	ok(!qt_ct_filter_match(&both, &z[0]), "-w 1 --orig-zone 1: none");
}

static void test_cmdline(void)
{
	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	static const struct { const char *line; int rc; const char *err; } v[] = {
		{ "-L", 0, PFX "0 flow entries have been shown.\n" },
		{ "-L conntrack -p tcp --state ESTABLISHED", 0,
		  PFX "0 flow entries have been shown.\n" },
		{ "-L expect", 0, PFX "0 expectations have been shown.\n" },
		{ "-D -p udp --dport 1", 1,
		  PFX "0 flow entries have been deleted.\n" },
		{ "-F", 0, PFX "connection tracking table has been emptied.\n" },
		{ "-L -X", 2, PFX "unknown option `-X'" HINT },
		{ "-L -w 1", 0, PFX "0 flow entries have been shown.\n" },
		{ "-L --orig-zone abc --reply-zone -1", 0,
		  PFX "0 flow entries have been shown.\n" },
		{ "-D --zone 7", 1, PFX "0 flow entries have been deleted.\n" },
		{ "-C -w 1", 2, PFX "Illegal option `--zone' with this command"
		  HINT },
		{ "-F --reply-zone 1", 2,
		  PFX "Illegal option `--reply-zone' with this command" HINT },
		{ "-L -w", 2, PFX "option `-w' requires an argument" HINT },
		{ "-L -D", 2, PFX "Invalid commands combination" HINT },
		{ "-S -S", 2, PFX "Invalid commands combination" HINT },
		{ "-L extra", 2, PFX "unknown type `extra'" HINT },
		{ "-L -p foo", 2, PFX "`foo' unsupported protocol" HINT },
		{ "-L -s bad", 2, PFX "Invalid IP address `bad'" HINT },
		{ "-L --src-nat 2001:db8::1", 0,
		  PFX "0 flow entries have been shown.\n" },
		{ "-L -f ipv6 --any-nat [2001:db8::1]:80", 0,
		  PFX "0 flow entries have been shown.\n" },
		{ "-L --src-nat [2001:db8::1]", 2,
		  PFX "Invalid IP address `[2001:db8::1]'" HINT },
		{ "-L --src-nat [::1", 2,
		  PFX "No closing ']' around IPv6 address" HINT },
		{ "-L --dst-nat [::1]:", 2,
		  PFX "No port specified after `:'" HINT },
		{ "-L --src-nat 2001:db8::zz", 2,
		  PFX "Invalid IP address `2001:db8::zz'" HINT },
		{ "-L -f ipv6 --src-nat 10.0.0.1", 2,
		  PFX "mismatched address family" HINT },
		{ "-L --src-nat ::1 -f ipv4", 2,
		  PFX "mismatched address family" HINT },
		{ "-L -s 1.1.1.1 --src-nat ::1", 2,
		  PFX "mismatched address family" HINT },
		{ "-L -s 10.9.0.1/33", 2, PFX "Invalid netmask" HINT },
		{ "-L -u FOO", 2, PFX "Bad parameter `FOO'" HINT },
		{ "-L -u CONFIRMED", 2, PFX "Bad parameter `CONFIRMED'" HINT },
		{ "-L -p tcp --state FOO", 2, PFX "unknown TCP state `FOO'" HINT },
		{ "-L -p tcp --state established", 2,
		  PFX "unknown TCP state `established'" HINT },
		{ "-L --state ESTABLISHED", 2, PFX "unknown option `--state'" HINT },
		{ "-L --sport 5353", 2, PFX "unknown option `--sport'" HINT },
		{ "-L -p icmp --sport 1", 2, PFX "unknown option `--sport'" HINT },
		{ "-L --orig-port-src 5 -p tcp", 2,
		  PFX "unknown option `--orig-port-src'" HINT },
		{ "-L --src", 2, PFX "option `--src' requires an argument" HINT },
		{ "-C -p tcp", 2,
		  PFX "Illegal option `--protonum' with this command" HINT },
		{ "-C -s 1.2.3.4", 2,
		  PFX "Illegal option `--src' with this command" HINT },
		{ "-S -d 1.1.1.1", 2,
		  PFX "Illegal option `--dst' with this command" HINT },
		{ "-F -r 1.1.1.1", 2,
		  PFX "Illegal option `--reply-src' with this command" HINT },
		{ "-C -m 1", 2, PFX "Illegal option `--mark' with this command" HINT },
		{ "-C -u ASSURED", 2,
		  PFX "Illegal option `--status' with this command" HINT },
		{ "-C -f ipv4", 2,
		  PFX "Illegal option `--family' with this command" HINT },
		{ "-p tcp", 2,
		  PFX "Illegal option `--protonum' with this command" HINT },
		{ "-L -f foo", 2, PFX "`foo' unsupported protocol" HINT },
		{ "-L --proto tcp -u ASSURED,SEEN_REPLY -m 0/0xff", 0,
		  PFX "0 flow entries have been shown.\n" },
		{ "-L -p TCP --sport=80 --reply-port-dst 80", 0,
		  PFX "0 flow entries have been shown.\n" },
		{ "-L -p icmp --icmp-type 8 --icmp-code 0 --icmp-id 5", 0,
		  PFX "0 flow entries have been shown.\n" },
		{ "-L -p tcp --sport 65536", 2, PFX "Bad parameter `65536'" HINT },
		{ "-L --s 1.2.3.4", 2, PFX "option `--s' is ambiguous" HINT },
		{ "-C", 0, "" },
		{ "-S", 0, "" },
		{ "-V", 0, "" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int rc = run(NULL, 0, v[i].line, &out, &err);
		is_int(rc, v[i].rc, "'%s' exit code", v[i].line);
		is_str(qt_buf_str(&err), v[i].err, "'%s' stderr", v[i].line);
	}
	run(NULL, 0, "-C", &out, &err);
	is_str(qt_buf_str(&out), "0\n", "-C on no table");
	run(NULL, 0, "-V", &out, &err);
	is_str(qt_buf_str(&out), "qtables-conntrack v1.4.7 (qtables)\n", "-V");
	is_int(run(NULL, 0, "-h", &out, &err), 0, "-h");
	ok(strstr(qt_buf_str(&out), "Usage: qtables-conntrack [commands]") != NULL,
	   "-h prints the usage");
	is_int(run(NULL, 0, "", &out, &err), 0, "no arguments: help");
	ok(out.len > 0, "no arguments: help text");

	/* the request as the client builds it and the daemon reads it */
	struct qt_buf req;
	qt_buf_init(&req);
	char *args[] = { "-L", "-p", "udp" }, *bad[] = { "a\nb" };
	ok(qt_ipc_conntrack(&req, "qtables-conntrack", 3, args) == 0,
	   "encode");
	is_str(qt_buf_str(&req), "#qtables 1 conntrack qtables-conntrack\n"
	       "-L\n-p\nudp\n", "request text");
	struct qt_ipc_header h;
	ok(qt_ipc_parse(req.data, req.len, &h) == 0 &&
	   h.kind == QT_IPC_CONNTRACK, "recognised");
	ok(qt_ipc_parse("#qtables 1 stats qtables\n", 25, &h) == 0 &&
	   h.kind != QT_IPC_CONNTRACK, "stats is not one");
	qt_buf_reset(&out);
	qt_buf_reset(&err);
	is_int(qt_ct_view_request(NULL, req.data, req.len, &out, &err), 0,
	       "request without an engine");
	is_str(qt_buf_str(&err), PFX "0 flow entries have been shown.\n",
	       "request's summary");
	qt_buf_reset(&req);
	ok(qt_ipc_conntrack(&req, "qtables-conntrack", 1, bad) < 0,
	   "newline refused");
	qt_buf_free(&req);
	qt_buf_free(&out);
	qt_buf_free(&err);
}


/* ---- on a real table, filled by packets ---- */

static uint8_t pkt_buf[128];

/* An IPv4 packet: proto 6 (flags given), 17, or 1 (echo type, id). */
static void feed(struct qt_ct *ct, uint64_t now, uint8_t proto,
		 const char *src, const char *dst, uint16_t sport,
		 uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	uint8_t *b = pkt_buf;
	memset(b, 0, sizeof(pkt_buf));
	unsigned l4 = proto == 6 ? 20 : 8;
	b[0] = 0x45;
	b[2] = 0;
	b[3] = (uint8_t)(20 + l4);
	b[8] = 64;
	b[9] = proto;
	uint32_t s = ip(src), d = ip(dst);
	memcpy(b + 12, &s, 4);
	memcpy(b + 16, &d, 4);
	uint8_t *t = b + 20;
	if (proto == 1) {
		t[0] = (uint8_t)sport;       /* type */
		t[4] = (uint8_t)(dport >> 8); /* id */
		t[5] = (uint8_t)dport;
	} else {
		t[0] = (uint8_t)(sport >> 8);
		t[1] = (uint8_t)sport;
		t[2] = (uint8_t)(dport >> 8);
		t[3] = (uint8_t)dport;
		if (proto == 17) {
			t[5] = 8;
		} else {
			uint32_t ns = htonl(seq), na = htonl(ack);
			memcpy(t + 4, &ns, 4);
			memcpy(t + 8, &na, 4);
			t[12] = 5 << 4;
			t[13] = flags;
			t[14] = 0xff;       /* window 65535 */
			t[15] = 0xff;
		}
	}
	struct qt_pkt p;
	qt_pkt_parse_ipv4(&p, b, 20 + l4);
	struct qt_ct_verdict v;
	qt_ct_in(ct, &p, now, &v);
	if (v.created)
		qt_ct_confirm(ct, v.e, now);
}

#define SYN 0x02
#define ACK 0x10

static void test_table(void)
{
	struct qt_ct_config cfg;
	qt_ct_config_default(&cfg);
	struct qt_ct *ct[2] = { qt_ct_new(&cfg, 64), qt_ct_new(&cfg, 64) };
	ok(ct[0] && ct[1], "two tables");
	if (!ct[0] || !ct[1])
		return;
	/* a TCP handshake, then data acknowledged: ESTABLISHED, ASSURED */
	feed(ct[0], NOW, 6, "10.0.1.2", "10.0.2.2", 40000, 80, SYN, 100, 0);
	feed(ct[0], NOW, 6, "10.0.2.2", "10.0.1.2", 80, 40000, SYN | ACK, 500, 101);
	feed(ct[0], NOW, 6, "10.0.1.2", "10.0.2.2", 40000, 80, ACK, 101, 501);
	/* UDP one way; ICMP echo there and back */
	feed(ct[1], NOW, 17, "10.0.1.2", "10.0.2.2", 5000, 53, 0, 0, 0);
	feed(ct[1], NOW, 1, "10.0.1.2", "10.0.2.2", 8, 77, 0, 0, 0);
	feed(ct[1], NOW, 1, "10.0.2.2", "10.0.1.2", 0, 77, 0, 0, 0);

	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	uint64_t later = NOW + SEC;
	int rc = qt_ct_view_run(ct, 2, "qtables-conntrack", 1,
				(char *[]){ "-L" }, later, &out, &err);
	is_int(rc, 0, "-L");
	is_str(qt_buf_str(&out),
	       "tcp      6 431999 ESTABLISHED src=10.0.1.2 dst=10.0.2.2 "
	       "sport=40000 dport=80 src=10.0.2.2 dst=10.0.1.2 sport=80 "
	       "dport=40000 [ASSURED] mark=0 use=1\n"
	       "udp      17 29 src=10.0.1.2 dst=10.0.2.2 sport=5000 dport=53 "
	       "[UNREPLIED] src=10.0.2.2 dst=10.0.1.2 sport=53 dport=5000 "
	       "mark=0 use=1\n"
	       "icmp     1 29 src=10.0.1.2 dst=10.0.2.2 type=8 code=0 id=77 "
	       "src=10.0.2.2 dst=10.0.1.2 type=0 code=0 id=77 mark=0 use=1\n",
	       "-L lines");
	is_str(qt_buf_str(&err), PFX "3 flow entries have been shown.\n",
	       "-L summary");

	is_int(run(ct, 2, "-L -p udp --dport 53", &out, &err), 0, "-L -p udp");
	ok(!strncmp(qt_buf_str(&out), "udp ", 4) &&
	   !strchr(qt_buf_str(&out), '\n')[1], "only the udp line");
	run(ct, 2, "-L -u SEEN_REPLY", &out, &err);
	is_str(qt_buf_str(&err), PFX "2 flow entries have been shown.\n",
	       "-u SEEN_REPLY: tcp and icmp");
	run(ct, 2, "-L -p tcp --state SYN_SENT", &out, &err);
	is_str(qt_buf_str(&out), "", "--state SYN_SENT: none");
	run(ct, 2, "-C", &out, &err);
	is_str(qt_buf_str(&out), "3\n", "-C");

	is_int(run(ct, 2, "-D -p icmp", &out, &err), 0, "-D -p icmp");
	ok(!strncmp(qt_buf_str(&out), "icmp     1 ", 11), "-D prints it");
	is_str(qt_buf_str(&err), PFX "1 flow entries have been deleted.\n",
	       "-D summary");
	run(ct, 2, "-C", &out, &err);
	is_str(qt_buf_str(&out), "2\n", "-C after -D");
	is_int(run(ct, 2, "-D -p icmp", &out, &err), 1, "-D of nothing: 1");

	/* -S: the table's own counters, a line per table; an ICMP type
	 * the kernel does not know is counted as error */
	feed(ct[1], NOW, 1, "10.0.1.2", "10.0.2.2", 40, 1, 0, 0, 0);
	run(ct, 2, "-S", &out, &err);
	struct qt_buf want;
	qt_buf_init(&want);
	for (unsigned s = 0; s < 2; s++) {
		const struct qt_ct_stats *st = qt_ct_stats(ct[s]);
		qt_buf_printf(&want, "cpu=%u   \tfound=%llu invalid=%llu "
			      "insert=%llu insert_failed=%llu drop=%llu "
			      "early_drop=%llu error=%llu search_restart=%llu "
			      "clash_resolve=0 chaintoolong=0 \n", s,
			      (unsigned long long)st->found,
			      (unsigned long long)st->invalid,
			      (unsigned long long)st->insert,
			      (unsigned long long)st->insert_failed,
			      (unsigned long long)st->drop,
			      (unsigned long long)st->early_drop,
			      (unsigned long long)st->error,
			      (unsigned long long)st->search_restart);
	}
	is_str(qt_buf_str(&out), qt_buf_str(&want), "-S: a line per table");
	ok(strstr(qt_buf_str(&out), "\ncpu=1   \tfound=") &&
	   strstr(strstr(qt_buf_str(&out), "\ncpu=1"), " error=1 "),
	   "-S: the second table's error");
	qt_buf_free(&want);

	/* an entry due but not yet reaped is not shown */
	run(ct, 2, "-L", &out, &err);
	ok(strstr(qt_buf_str(&out), "udp") != NULL, "udp before its timeout");
	qt_buf_reset(&out);
	qt_buf_reset(&err);
	qt_ct_view_run(ct, 2, "qtables-conntrack", 1, (char *[]){ "-L" },
		       NOW + 31 * SEC, &out, &err);
	ok(strstr(qt_buf_str(&out), "udp") == NULL, "udp after its timeout");

	is_int(run(ct, 2, "-F", &out, &err), 0, "-F");
	is_str(qt_buf_str(&err),
	       PFX "connection tracking table has been emptied.\n", "-F message");
	run(ct, 2, "-C", &out, &err);
	is_str(qt_buf_str(&out), "0\n", "-C after -F");
	qt_buf_free(&out);
	qt_buf_free(&err);
	qt_ct_free(ct[0]);
	qt_ct_free(ct[1]);
}

int main(void)
{
	test_format();
	test_format6();
	test_filter();
	test_nat_filter();
	test_nat_filter6();
	test_zones();
	test_cmdline();
	test_table();
	return done_testing();
}
