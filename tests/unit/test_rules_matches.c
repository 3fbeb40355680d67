/* Matches udp, icmp, multiport, iprange, length, ttl, mac, pkttype,
 * addrtype, comment, mark, owner: each rule is added, saved, the save
 * restored into an empty ruleset and saved again (the two saves must be
 * equal, and the rule's line must be the one iptables-nft 1.8.9 prints);
 * then deleted by another spelling of the same meaning. Errors are
 * checked against the oracle's messages and exit codes. */
#include <stdlib.h>

#include "qt_test.h"
#include "tap.h"

struct rt_case {
	const char *table;
	const char *chain;
	const char *rule;      /* as typed */
	const char *saved;     /* the rule in save, after "-A CHAIN " */
	const char *again;     /* another spelling for -D, or NULL */
};

static const struct rt_case cases[] = {
	/* udp */
	{ "filter", "INPUT", "-p udp --dport 53 -j ACCEPT",
	  "-p udp -m udp --dport 53 -j ACCEPT", "-p 17 --dport domain -j ACCEPT" },
	{ "filter", "INPUT", "-p udp -m udp ! --sport 1024: --dport :99",
	  "-p udp -m udp ! --sport 1024:65535 --dport 0:99", NULL },
	{ "filter", "INPUT", "-p udp --sport 65537", "-p udp -m udp --sport 1",
	  "-p udp --source-port 1" },
	{ "filter", "INPUT", "-p udp -m udp", "-p udp -m udp", NULL },
	/* icmp */
	{ "filter", "INPUT", "-p icmp --icmp-type echo-request",
	  "-p icmp -m icmp --icmp-type 8", "-p icmp --icmp-type ping" },
	{ "filter", "INPUT", "-p icmp ! --icmp-type port-unreachable",
	  "-p icmp -m icmp ! --icmp-type 3/3", "-p icmp ! --icmp-type 3/3" },
	{ "filter", "INPUT", "-p icmp --icmp-type 255",
	  "-p icmp -m icmp --icmp-type any", NULL },
	{ "filter", "INPUT", "-p icmp --icmp-type 0x2a/7",
	  "-p icmp -m icmp --icmp-type 42/7", NULL },
	/* multiport */
	{ "filter", "INPUT", "-p tcp -m multiport --dports ssh,http:https",
	  "-p tcp -m multiport --dports 22,80:443",
	  "-p tcp -m multiport --destination-ports 22,80:443" },
	{ "filter", "INPUT", "-p udp -m multiport ! --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15",
	  "-p udp -m multiport ! --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", NULL },
	{ "filter", "INPUT", "-p sctp -m multiport --sports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15",
	  "-p sctp -m multiport --sports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15", NULL },
	/* iprange */
	{ "filter", "INPUT", "-m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 1.1.1",
	  "-m iprange --src-range 10.0.0.1-10.0.0.9 ! --dst-range 1.1.1.0-1.1.1.0",
	  "-m iprange ! --dst-range 1.1.1.0 --src-range 10.0.0.1-10.0.0.9" },
	/* length */
	{ "filter", "INPUT", "-m length --length :2", "-m length --length 0:2",
	  "-m length --length 0x0:2" },
	{ "filter", "INPUT", "-m length ! --length 010:", "-m length ! --length 8:65535", NULL },
	{ "filter", "INPUT", "-m length --length 7:7", "-m length --length 7", NULL },
	/* ttl */
	{ "filter", "INPUT", "-m ttl --ttl 64", "-m ttl --ttl-eq 64", "-m ttl --ttl-eq 0x40" },
	{ "filter", "INPUT", "-m ttl ! --ttl-eq 1", "-m ttl ! --ttl-eq 1", NULL },
	{ "filter", "INPUT", "-m ttl --ttl-gt 254", "-m ttl --ttl-gt 254", NULL },
	/* mac */
	{ "filter", "INPUT", "-m mac --mac-source AA:b:C:d:E:f",
	  "-m mac --mac-source aa:0b:0c:0d:0e:0f", "-m mac --mac-source aa:0b:0c:0d:0e:0f" },
	{ "mangle", "PREROUTING", "-m mac ! --mac-source 1:2:3:4:5:",
	  "-m mac ! --mac-source 01:02:03:04:05:00", NULL },
	/* pkttype */
	{ "filter", "INPUT", "-m pkttype --pkt-type host",
	  "-m pkttype --pkt-type unicast", "-m pkttype --pkt-type UNICAST" },
	{ "filter", "INPUT", "-m pkttype ! --pkt-type bcast",
	  "-m pkttype ! --pkt-type broadcast", NULL },
	/* addrtype */
	{ "filter", "INPUT", "-m addrtype --src-type local,unicast --limit-iface-in",
	  "-m addrtype --src-type UNICAST,LOCAL --limit-iface-in", NULL },
	{ "nat", "POSTROUTING", "-m addrtype ! --dst-type b,n --limit-iface-out",
	  "-m addrtype ! --dst-type BROADCAST,NAT --limit-iface-out", NULL },
	/* comment */
	{ "filter", "INPUT", "-p tcp --dport 22 -m comment --comment \"allow ssh\"",
	  "-p tcp -m tcp --dport 22 -m comment --comment \"allow ssh\"", NULL },
	{ "filter", "INPUT", "-m comment --comment \"a\\\"b'c\\\\d\"",
	  "-m comment --comment \"a\\\"b\\'c\\\\d\"", NULL },
	{ "filter", "INPUT", "-m comment --comment plain-1",
	  "-m comment --comment plain-1", NULL },
	/* mark */
	{ "filter", "INPUT", "-m mark --mark 4294967295",
	  "-m mark --mark 0xffffffff", "-m mark --mark 0xffffffff/0xffffffff" },
	{ "filter", "INPUT", "-m mark ! --mark 7/3", "-m mark ! --mark 0x7/0x3", NULL },
	/* owner */
	{ "filter", "OUTPUT", "-m owner --uid-owner root --gid-owner 0:10 --suppl-groups",
	  "-m owner --uid-owner 0 --gid-owner 0-10 --suppl-groups", NULL },
	{ "mangle", "POSTROUTING", "-m owner ! --socket-exists ! --uid-owner 1-2",
	  "-m owner ! --socket-exists ! --uid-owner 1-2",
	  "-m owner ! --uid-owner 1:2 ! --socket-exists" },
};

/* The "-A CHAIN ..." line of a save text, or "" when there is none. */
static const char *rule_line(const char *save, const char *chain, char *buf,
			     size_t n)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "-A %s ", chain);
	const char *p = strstr(save, prefix);
	buf[0] = '\0';
	if (!p)
		return buf;
	p += strlen(prefix);
	size_t len = strcspn(p, "\n");
	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

static void round_trip(const struct rt_case *c)
{
	struct qt_ruleset *rs = qt_ruleset_new(0), *rs2 = qt_ruleset_new(0);
	struct qt_test_result r;
	struct qt_buf s1, s2;
	char cmd[1024], line[1024];
	qt_buf_init(&s1);
	qt_buf_init(&s2);

	snprintf(cmd, sizeof(cmd), "-t %s -A %s %s", c->table, c->chain, c->rule);
	qt_test_cmd(&rs, cmd, &r);
	is_int(r.status, 0, "accepted: %s", cmd);
	if (r.status)
		printf("#   %s", qt_buf_str(&r.err));
	qt_test_result_free(&r);

	qt_test_save(rs, &s1);
	is_str(rule_line(qt_buf_str(&s1), c->chain, line, sizeof(line)),
	       c->saved, "saved as iptables does: %s", c->rule);

	qt_test_restore(&rs2, qt_buf_str(&s1), "", &r);
	is_int(r.status, 0, "save restores: %s", c->rule);
	qt_test_result_free(&r);
	is_str(qt_test_save(rs2, &s2), qt_buf_str(&s1),
	       "save -> restore -> save is stable: %s", c->rule);

	if (c->again) {
		snprintf(cmd, sizeof(cmd), "-t %s -D %s %s", c->table, c->chain,
			 c->again);
		qt_test_cmd(&rs2, cmd, &r);
		is_int(r.status, 0, "deleted by meaning: %s", cmd);
		qt_test_result_free(&r);
		qt_test_save(rs2, &s2);
		is_str(rule_line(qt_buf_str(&s2), c->chain, line, sizeof(line)),
		       "", "gone after -D: %s", c->again);
	}
	qt_buf_free(&s1);
	qt_buf_free(&s2);
	qt_ruleset_free(rs);
	qt_ruleset_free(rs2);
}

static struct qt_ruleset *ers;

/* The command fails with this status and this first line of stderr. */
static void expect_err(const char *cmd, int status, const char *msg)
{
	struct qt_test_result r;
	char line[512];
	qt_test_cmd(&ers, cmd, &r);
	is_int(r.status, status, "status of: iptables %s", cmd);
	const char *e = qt_buf_str(&r.err);
	size_t n = strcspn(e, "\n");
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, e, n);
	line[n] = '\0';
	is_str(line, msg, "message of: iptables %s", cmd);
	qt_test_result_free(&r);
}

#define P "iptables v1.8.9 (qtables): "

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		round_trip(&cases[i]);

	ers = qt_ruleset_new(0);
	expect_err("-A INPUT -p udp --sport -1", 2,
		   P "Port \"-1\" does not resolve to anything.");
	expect_err("-A INPUT -m udp --dport 1", 2, P "UDP match requires '-p udp'");
	expect_err("-A INPUT -p udp --dport 1 --destination-port 2", 2,
		   P "udp: option \"--destination-port\" can only be used once.");
	expect_err("-A INPUT -m udp", 4,
		   P " RULE_APPEND failed (Invalid argument): rule in chain INPUT");
	expect_err("-A INPUT -p icmp --icmp-type bogus", 2,
		   P "Unknown ICMP type `bogus'");
	expect_err("-A INPUT -p icmp --icmp-type 3/300", 2,
		   P "Unknown ICMP code `3/300'");
	expect_err("-A INPUT -p icmp --icmp-type echo", 2,
		   P "Ambiguous ICMP type `echo': `echo-reply' or `echo-request'?");
	expect_err("-A INPUT -p icmp -m icmp", 2,
		   P "icmp: option \"--icmp-type\" must be specified");
	expect_err("-I INPUT -m icmp --icmp-type 8", 4,
		   P " RULE_INSERT failed (Invalid argument): rule in chain INPUT");
	expect_err("-A INPUT -p tcp -m multiport --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
		   2, P "too many ports specified");
	expect_err("-A INPUT -p tcp -m multiport --ports 1024:65536", 2,
		   P "invalid port/service `65536' specified");
	expect_err("-A INPUT -p tcp -m multiport --ports 5:5", 2,
		   P "invalid portrange specified");
	expect_err("-A INPUT -m multiport --ports 5 -p tcp", 2,
		   P "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
	expect_err("-A INPUT -p icmp -m multiport --ports 5", 2,
		   P "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP");
	expect_err("-A INPUT -p tcp -m multiport --dports 1 --sports 2", 2,
		   P "multiport: option \"--source-ports\" cannot be used together with \"--destination-ports\".");
	expect_err("-A INPUT -p tcp -m multiport", 2, P "multiport expection an option");
	expect_err("-A INPUT -m iprange --src-range 1.1.1.1-foo", 2,
		   P "iprange: Bad value for \"--src-range\" option: \"foo\"");
	expect_err("-A INPUT -m iprange", 2,
		   P "iprange match: You must specify `--src-range' or `--dst-range'");
	expect_err("-A INPUT -m length --length 0:65536", 2,
		   P "length: bad value for option \"--length\" near \"65536\", or out of range (0-65535).");
	expect_err("-A INPUT -m length --length 5a", 2,
		   P "length: Argument to \"--length\" has unexpected characters near \"a\".");
	expect_err("-A INPUT -m ttl --ttl-eq 256", 2,
		   P "ttl: bad value for option \"--ttl-eq\", or out of range (0-255).");
	expect_err("-A INPUT -m ttl --ttl-gt 3 --ttl-eq 5", 2,
		   P "ttl: option \"--ttl-gt\" cannot be used together with \"--ttl-eq\".");
	expect_err("-A INPUT -m ttl", 2,
		   P "TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt");
	expect_err("-A INPUT -m mac --mac-source 42:01:02:03:04", 2,
		   P "Invalid MAC address specified.");
	expect_err("-A OUTPUT -m mac --mac-source 42:01:02:03:04:05", 4,
		   P " RULE_APPEND failed (Invalid argument): rule in chain OUTPUT");
	expect_err("-A INPUT -m pkttype --pkt-type wrong", 2,
		   P "Bad packet type 'wrong'");
	expect_err("-A INPUT -m addrtype --src-type ,LOCAL", 2,
		   P "addrtype: bad type `,LOCAL'");
	expect_err("-A INPUT -m addrtype --limit-iface-in", 2,
		   P "addrtype: you must specify --src-type or --dst-type");
	expect_err("-A INPUT -m addrtype --src-type LOCAL --limit-iface-out", 4,
		   P " RULE_APPEND failed (Invalid argument): rule in chain INPUT");
	expect_err("-A INPUT -m comment ! --comment x", 2,
		   P "comment: option \"--comment\" cannot be inverted.");
	expect_err("-A INPUT -m mark --mark 4294967296", 2,
		   P "mark: bad integer value for option \"--mark\", or out of range.");
	expect_err("-A INPUT -m mark --mark 1/2/3", 2,
		   P "mark: trailing garbage after value for option \"--mark\".");
	expect_err("-A OUTPUT -m owner --uid-owner nosuchuser-qt", 2,
		   P "owner: Bad value for \"--uid-owner\" option: \"nosuchuser-qt\"");
	expect_err("-A OUTPUT -m owner --suppl-groups", 2,
		   P "owner: Bad value for \"--suppl-groups\" option: \"you need to use --gid-owner first\"");
	expect_err("-A OUTPUT -m owner", 2,
		   P "owner: At least one of --uid-owner, --gid-owner or --socket-exists is required");
	expect_err("-A INPUT -m owner --uid-owner root", 4,
		   P " RULE_APPEND failed (Invalid argument): rule in chain INPUT");

	/* hooks follow jumps: a user chain reached from INPUT may not hold
	 * an owner match, nor may INPUT jump to one that does */
	expect_err("-N U", 0, "");
	expect_err("-A U -m owner --uid-owner 0", 0, "");
	expect_err("-A INPUT -j U", 4,
		   P " RULE_APPEND failed (Invalid argument): rule in chain INPUT");
	expect_err("-A OUTPUT -j U", 0, "");
	qt_ruleset_free(ers);
	return done_testing();
}
