/* Target extensions (REJECT LOG MARK CONNMARK SNAT DNAT MASQUERADE
 * REDIRECT CT NOTRACK TCPMSS CLASSIFY) against facts observed from iptables-nft
 * 1.8.9: each rule's save text, that text restored and saved again
 * unchanged, -D by the saved spelling, and messages for bad values and
 * for a target the kernel would refuse in that table or chain. */
#include <stdio.h>
#include <stdlib.h>

#include "qt_test.h"
#include "tap.h"

/* The first line of what a command printed to stderr. */
static const char *first_line(const struct qt_buf *err, char *line, size_t n)
{
	const char *e = qt_buf_str(err);
	size_t len = strcspn(e, "\n");
	if (len >= n)
		len = n - 1;
	memcpy(line, e, len);
	line[len] = '\0';
	return line;
}

/* `iptables -t TABLE -A CHAIN RULE` saves as "-A CHAIN WANT"; the save
 * restored into an empty ruleset saves the same; -D with WANT removes it. */
static void roundtrip(const char *table, const char *chain, const char *rule,
		      const char *want)
{
	struct qt_ruleset *rs = qt_ruleset_new(0), *rs2 = qt_ruleset_new(0);
	struct qt_test_result r;
	struct qt_buf b, line;
	char cmd[512];

	qt_buf_init(&b);
	qt_buf_init(&line);
	snprintf(cmd, sizeof(cmd), "-t %s -A %s %s", table, chain, rule);
	qt_test_cmd(&rs, cmd, &r);
	is_int(r.status, 0, "iptables %s", cmd);
	qt_test_result_free(&r);

	char *saved = strdup(qt_test_save(rs, &b));
	qt_buf_printf(&line, "\n-A %s %s\n", chain, want ? want : rule);
	ok(strstr(saved, qt_buf_str(&line)) != NULL, "saved as: -A %s %s", chain,
	   want ? want : rule);
	if (!strstr(saved, qt_buf_str(&line)))
		printf("#   save was:\n%s", saved);

	qt_test_restore(&rs2, saved, "", &r);
	is_int(r.status, 0, "the save restores: %s", want ? want : rule);
	qt_test_result_free(&r);
	is_str(qt_test_save(rs2, &b), saved, "and saves again the same: %s",
	       want ? want : rule);

	snprintf(cmd, sizeof(cmd), "-t %s -D %s %s", table, chain,
		 want ? want : rule);
	qt_test_cmd(&rs2, cmd, &r);
	is_int(r.status, 0, "-D by the saved spelling: %s", cmd);
	qt_test_result_free(&r);

	free(saved);
	qt_buf_free(&line);
	qt_buf_free(&b);
	qt_ruleset_free(rs);
	qt_ruleset_free(rs2);
}

/* A command after setup (NULL, or commands that must succeed, NULL at
 * the end) on an empty ruleset: its status and first stderr line. */
static void expect_after(const char *const *setup, const char *cmd,
			 int status, const char *err)
{
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	char line[512];
	for (; setup && *setup; setup++) {
		qt_test_cmd(&rs, *setup, &r);
		is_int(r.status, 0, "iptables %s", *setup);
		qt_test_result_free(&r);
	}
	qt_test_cmd(&rs, cmd, &r);
	is_int(r.status, status, "status of: iptables %s", cmd);
	if (err)
		is_str(first_line(&r.err, line, sizeof(line)), err,
		       "message of: iptables %s", cmd);
	qt_test_result_free(&r);
	qt_ruleset_free(rs);
}

static void expect(const char *cmd, int status, const char *err)
{
	expect_after(NULL, cmd, status, err);
}

#define SETUP(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define PFX "iptables v1.8.9 (qtables): "
#define KERNEL(op, chain) PFX " " op " failed (Invalid argument): rule in chain " chain

/* The -L text of a table after some commands. */
static void listing(const char *const *cmds, const char *list, const char *want)
{
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	for (; *cmds; cmds++) {
		qt_test_cmd(&rs, *cmds, &r);
		is_int(r.status, 0, "iptables %s", *cmds);
		qt_test_result_free(&r);
	}
	qt_test_cmd(&rs, list, &r);
	is_str(qt_buf_str(&r.out), want, "iptables %s", list);
	qt_test_result_free(&r);
	qt_ruleset_free(rs);
}

static void test_reject(void)
{
	roundtrip("filter", "INPUT", "-j REJECT",
		  "-j REJECT --reject-with icmp-port-unreachable");
	roundtrip("filter", "FORWARD", "-j REJECT --reject-with net-prohib",
		  "-j REJECT --reject-with icmp-net-prohibited");
	/* a case-insensitive prefix, first in iptables' table order */
	roundtrip("filter", "OUTPUT", "-j REJECT --reject-with P",
		  "-j REJECT --reject-with icmp-proto-unreachable");
	roundtrip("filter", "INPUT", "-p tcp -j REJECT --reject-with tcp-rst",
		  "-p tcp -j REJECT --reject-with tcp-reset");
	expect("-A INPUT -j REJECT --reject-with foo", 2,
	       PFX "unknown reject type \"foo\"");
	expect("-A INPUT -j REJECT --reject-with echo", 2,
	       "--reject-with echo-reply no longer supported");
	expect("-A INPUT -j REJECT --reject-with tcp-reset", 4,
	       KERNEL("RULE_APPEND", "INPUT"));
	expect("-I INPUT ! -p tcp -j REJECT --reject-with tcp-reset", 4,
	       KERNEL("RULE_INSERT", "INPUT"));
	expect("-t mangle -A INPUT -j REJECT", 4, KERNEL("RULE_APPEND", "INPUT"));
	expect("-A INPUT -j REJECT --reject-with host-unreach --reject-with host-unreach",
	       2, PFX "REJECT: option \"--reject-with\" can only be used once.");
	/* -D of a rule the kernel would refuse: it cannot exist */
	expect_after(SETUP("-A INPUT -j ACCEPT"),
		     "-D INPUT -j REJECT --reject-with tcp-reset", 1,
	       "iptables: Bad rule (does a matching rule exist in that chain?).");
}

static void test_log(void)
{
	roundtrip("filter", "INPUT", "-j LOG", NULL);
	roundtrip("filter", "INPUT", "-j LOG --log-prefix \"test: \" --log-level alert",
		  "-j LOG --log-prefix \"test: \" --log-level 1");
	roundtrip("filter", "INPUT",
		  "-j LOG --log-macdecode --log-uid --log-ip-options --log-tcp-options --log-tcp-sequence --log-level warning",
		  "-j LOG --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode");
	roundtrip("nat", "PREROUTING", "-j LOG --log-prefix \"a\\\"b\\\\c\" --log-level 0x7",
		  "-j LOG --log-prefix \"a\\\"b\\\\c\" --log-level 7");
	/* 29 bytes stay of a longer prefix */
	roundtrip("raw", "OUTPUT", "-j LOG --log-prefix 1234567890123456789012345678901234",
		  "-j LOG --log-prefix 12345678901234567890123456789");
	expect("-A INPUT -j LOG --log-level 8", 2, PFX "log level \"8\" unknown");
	expect("-A INPUT -j LOG --log-level warn", 2, PFX "log level \"warn\" unknown");
	expect("-A INPUT -j LOG --log-prefix", 2,
	       PFX "option \"--log-prefix\" requires an argument");
	expect("-A INPUT -j LOG --log-prefix \"\"", 2,
	       PFX "Argument must have a minimum length of 1 characters");
	static const char *const cmds[] = {
		"-A INPUT -j LOG --log-level 3 --log-uid --log-prefix x", NULL,
	};
	listing(cmds, "-L INPUT",
		"Chain INPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"LOG        all  --  anywhere             anywhere             LOG level err uid prefix \"x\"\n");
	listing(cmds, "-L INPUT -n",
		"Chain INPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"LOG        0    --  0.0.0.0/0            0.0.0.0/0            LOG flags 8 level 3 prefix \"x\"\n");
}

static void test_mark(void)
{
	roundtrip("filter", "INPUT", "-j MARK --set-xmark 0xfeedcafe/0xfeedcafe", NULL);
	roundtrip("filter", "INPUT", "-j MARK --set-xmark 4294967295",
		  "-j MARK --set-xmark 0xffffffff/0xffffffff");
	roundtrip("mangle", "PREROUTING", "-j MARK --set-mark 0x10/0xf0",
		  "-j MARK --set-xmark 0x10/0xf0");
	roundtrip("mangle", "PREROUTING", "-j MARK --and-mark 5",
		  "-j MARK --set-xmark 0x0/0xfffffffa");
	roundtrip("mangle", "PREROUTING", "-j MARK --or-mark 5",
		  "-j MARK --set-xmark 0x5/0x5");
	roundtrip("mangle", "PREROUTING", "-j MARK --xor-mark 5",
		  "-j MARK --set-xmark 0x5/0x0");
	expect("-A INPUT -j MARK", 2,
	       PFX "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required");
	expect("-A INPUT -j MARK --set-xmark 4294967296", 2,
	       PFX "MARK: bad integer value for option \"--set-xmark\", or out of range.");
	expect("-A INPUT -j MARK --set-mark 1/2/3", 2,
	       PFX "MARK: trailing garbage after value for option \"--set-mark\".");
	expect("-A INPUT -j MARK --and-mark 5/6", 2,
	       PFX "MARK: bad value for option \"--and-mark\", or out of range (0-4294967295).");
	expect("-A INPUT -j MARK --xor-mark 1 --or-mark 2 --and-mark 3", 2,
	       PFX "MARK: option \"--and-mark\" cannot be used together with \"--or-mark\".");
	static const char *const cmds[] = {
		"-A INPUT -j MARK --set-mark 0", "-A INPUT -j MARK --or-mark 3",
		"-A INPUT -j MARK --set-mark 7", "-A INPUT -j MARK --set-xmark 3/1",
		NULL,
	};
	listing(cmds, "-S INPUT",
		"-P INPUT ACCEPT\n"
		"-A INPUT -j MARK --set-xmark 0x0/0xffffffff\n"
		"-A INPUT -j MARK --set-xmark 0x3/0x3\n"
		"-A INPUT -j MARK --set-xmark 0x7/0xffffffff\n"
		"-A INPUT -j MARK --set-xmark 0x3/0x1\n");
	listing(cmds, "-L INPUT -n",
		"Chain INPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"MARK       0    --  0.0.0.0/0            0.0.0.0/0            MARK and 0x0\n"
		"MARK       0    --  0.0.0.0/0            0.0.0.0/0            MARK or 0x3\n"
		"MARK       0    --  0.0.0.0/0            0.0.0.0/0            MARK set 0x7\n"
		"MARK       0    --  0.0.0.0/0            0.0.0.0/0            MARK xset 0x3/0x1\n");
}

/* --set-class MAJOR:MINOR as libxt_CLASSIFY reads it (sscanf's "%x:%x",
 * each half cut to 16 bits); the saves are iptables-nft 1.8.9's. */
static void test_classify(void)
{
	static const struct { const char *arg, *save; } cases[] = {
		{ "1:2", "0001:0002" }, { "0000:ffff", "0000:ffff" },
		{ "0000:ffffffff", "0000:ffff" }, { "1:-1", "0001:ffff" },
		{ "10000:1", "0000:0001" }, { "0x10:0x20", "0010:0020" },
		{ "A:B", "000a:000b" }, { "1:2x", "0001:0002" },
		{ "1:2:3", "0001:0002" }, { "-1:2", "ffff:0002" },
		{ "+1:2", "0001:0002" }, { "0x:1", "0000:0001" },
		{ "1:0x", "0001:0000" }, { "fffff:1", "ffff:0001" },
		{ "4294967295:1", "7295:0001" }, { "1:4294967296", "0001:7296" },
		{ "11111111111111111111:1", "ffff:0001" },
		{ "-ffffffffffffffffffff:1", "ffff:0001" },
		{ "0X1F:0Xa", "001f:000a" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rule[128], want[128];
		snprintf(rule, sizeof(rule), "-j CLASSIFY --set-class %s",
			 cases[i].arg);
		snprintf(want, sizeof(want), "-j CLASSIFY --set-class %s",
			 cases[i].save);
		roundtrip("mangle", "POSTROUTING", rule, want);
	}
	roundtrip("filter", "FORWARD", "-j CLASSIFY --set-class 0001:0002", NULL);
	roundtrip("nat", "OUTPUT", "-j CLASSIFY --set-class 0001:0002", NULL);
	roundtrip("raw", "OUTPUT", "-j CLASSIFY --set-class 0001:0002", NULL);
	static const char *const bad[] = {
		"1", "1:", ":1", "", "1 :2", "0x-1:2", "-:1", "+:1", "0x0x1:1",
		"x1:1", "0xg:1", "1:-", "- 1:2",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char cmd[128], msg[128];
		snprintf(cmd, sizeof(cmd),
			 "-t mangle -A POSTROUTING -j CLASSIFY --set-class \"%s\"",
			 bad[i]);
		snprintf(msg, sizeof(msg), PFX "Bad class value \"%s\"", bad[i]);
		expect(cmd, 2, msg);
	}
	expect("-t mangle -A POSTROUTING -j CLASSIFY", 2,
	       PFX "CLASSIFY: option \"--set-class\" must be specified");
	expect("-t mangle -A POSTROUTING -j CLASSIFY --set-class 1:2 --set-class 1:3", 2,
	       PFX "CLASSIFY: option \"--set-class\" can only be used once.");
	expect("-t mangle -A POSTROUTING -j CLASSIFY ! --set-class 1:2", 2,
	       PFX "CLASSIFY: option \"--set-class\" cannot be inverted.");
	/* xt_CLASSIFY's hooks: OUTPUT, FORWARD, POSTROUTING in any table */
	expect("-t mangle -A PREROUTING -j CLASSIFY --set-class 1:2", 4,
	       KERNEL("RULE_APPEND", "PREROUTING"));
	expect("-t mangle -A INPUT -j CLASSIFY --set-class 1:2", 4,
	       KERNEL("RULE_APPEND", "INPUT"));
	expect("-t nat -A PREROUTING -j CLASSIFY --set-class 1:2", 4,
	       KERNEL("RULE_APPEND", "PREROUTING"));
	expect("-t filter -A INPUT -j CLASSIFY --set-class 1:2", 4,
	       KERNEL("RULE_APPEND", "INPUT"));
	expect_after(SETUP("-t mangle -N c", "-t mangle -A c -j CLASSIFY --set-class 1:2"),
		     "-t mangle -A INPUT -j c", 4, KERNEL("RULE_APPEND", "INPUT"));
	expect_after(SETUP("-t mangle -N c", "-t mangle -A c -j CLASSIFY --set-class 1:2"),
		     "-t mangle -A FORWARD -j c", 0, NULL);
	static const char *const cmds[] = {
		"-t mangle -A POSTROUTING -j CLASSIFY --set-class 1:2",
		"-t mangle -A POSTROUTING -p udp -j CLASSIFY --set-class ffff:ffff",
		"-t mangle -A POSTROUTING -j CLASSIFY --set-class 0:0",
		NULL,
	};
	listing(cmds, "-t mangle -L POSTROUTING -n",
		"Chain POSTROUTING (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"CLASSIFY   0    --  0.0.0.0/0            0.0.0.0/0            CLASSIFY set 1:2\n"
		"CLASSIFY   17   --  0.0.0.0/0            0.0.0.0/0            CLASSIFY set ffff:ffff\n"
		"CLASSIFY   0    --  0.0.0.0/0            0.0.0.0/0            CLASSIFY set 0:0\n");
}

static void test_connmark(void)
{
	roundtrip("mangle", "PREROUTING", "-j CONNMARK --restore-mark",
		  "-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff");
	roundtrip("mangle", "FORWARD", "-j CONNMARK --save-mark --nfmask 0xfffffff --ctmask 0xffffffff",
		  NULL);
	roundtrip("mangle", "OUTPUT", "-j CONNMARK --set-mark 1 --mask 3",
		  "-j CONNMARK --set-xmark 0x1/0x3");
	roundtrip("mangle", "OUTPUT", "-j CONNMARK --mask 3 --set-mark 1",
		  "-j CONNMARK --set-xmark 0x1/0xffffffff");
	roundtrip("mangle", "POSTROUTING",
		  "-j CONNMARK --save-mark --right-shift-mark 3 --left-shift-mark 2",
		  "-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --left-shift-mark 2");
	expect("-A INPUT -j CONNMARK", 2, PFX "CONNMARK target: No operation specified");
	expect("-A INPUT -j CONNMARK --set-xmark 1 --save-mark --and-mark 2", 2,
	       PFX "CONNMARK: option \"--set-xmark\" cannot be used together with \"--save-mark\".");
	expect("-A INPUT -j CONNMARK --save-mark --nfmask 1 --mask 3", 2,
	       PFX "CONNMARK: option \"--nfmask\" cannot be used together with \"--mask\".");
	expect("-A INPUT -j CONNMARK --save-mark --left-shift-mark 33", 2,
	       PFX "CONNMARK: bad value for option \"--left-shift-mark\", or out of range (0-32).");
	expect("-A INPUT -j CONNMARK --save-mark --left-shift-mark 32", 4,
	       KERNEL("RULE_APPEND", "INPUT"));
	static const char *const cmds[] = {
		"-t mangle -A INPUT -j CONNMARK --save-mark --ctmask 0xff",
		"-t mangle -A INPUT -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xf",
		"-t mangle -A INPUT -j CONNMARK --and-mark 5 --right-shift-mark 4",
		NULL,
	};
	listing(cmds, "-t mangle -L INPUT",
		"Chain INPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"CONNMARK   all  --  anywhere             anywhere             CONNMARK save nfmask 0xffffffff ctmask ~0xff\n"
		"CONNMARK   all  --  anywhere             anywhere             CONNMARK restore ctmask 0xf nfmask ~0xff\n"
		"CONNMARK   all  --  anywhere             anywhere             CONNMARK and 0x5 right-shift-mark 4\n");
}

static void test_snat_dnat(void)
{
	roundtrip("nat", "POSTROUTING", "-j SNAT --to-source 1.1.1.1-1.1.1.10", NULL);
	roundtrip("nat", "POSTROUTING",
		  "-j SNAT --persistent --random-fully --random --to-source 1.1.1.1",
		  "-j SNAT --to-source 1.1.1.1 --random --random-fully --persistent");
	roundtrip("nat", "INPUT", "-p tcp -j SNAT --to-source 1.1.1.1:http",
		  "-p tcp -j SNAT --to-source 1.1.1.1:80");
	roundtrip("nat", "POSTROUTING", "-p udp -j SNAT --to-source :53-60", NULL);
	roundtrip("nat", "PREROUTING",
		  "-p tcp -j DNAT --to-destination 1.1.1.1-1.1.1.10:1000-2000/ftp --random",
		  "-p tcp -j DNAT --to-destination 1.1.1.1-1.1.1.10:1000-2000/21 --random");
	roundtrip("nat", "OUTPUT", "-p icmp -j DNAT --to-destination 10.0.0.1:7-7",
		  "-p icmp -j DNAT --to-destination 10.0.0.1:7");
	expect("-t nat -A POSTROUTING -j SNAT", 2,
	       PFX "SNAT: option \"--to-source\" must be specified");
	expect("-t nat -A POSTROUTING -j SNAT --to-source 1.1.1.1:1025-65535", 2,
	       PFX "Need TCP, UDP, SCTP or DCCP with port specification");
	/* the protocol must come before the target's option */
	expect("-t nat -A POSTROUTING -j SNAT --to-source 1.1.1.1:80 -p tcp", 2,
	       PFX "Need TCP, UDP, SCTP or DCCP with port specification");
	expect("-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.1.1.1:2000-1000", 2,
	       PFX "Port range `1000' funky");
	expect("-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.1.1.1:80:90", 2,
	       PFX "Bad IP address \"1.1.1.1:80:90\"");
	expect("-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.1.1.1:1000/5", 2,
	       PFX "Garbage after port value: `/5'");
	expect("-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.1.1.1:1-2/0", 2,
	       PFX "Port `0' not valid");
	expect("-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.1.1.1:echo-ssh", 2,
	       PFX "Port `echo-ssh' not valid");
	expect("-t nat -A PREROUTING -j DNAT --to-destination 1.1.1.1 --random-fully", 2,
	       PFX "unknown option \"--random-fully\"");
	expect("-t nat -A PREROUTING -j SNAT --to-source 1.1.1.1", 4,
	       KERNEL("RULE_APPEND", "PREROUTING"));
	expect("-t nat -A POSTROUTING -j DNAT --to-destination 1.1.1.1", 4,
	       KERNEL("RULE_APPEND", "POSTROUTING"));
	expect("-A INPUT -j DNAT --to-destination 1.1.1.1", 4,
	       KERNEL("RULE_APPEND", "INPUT"));
	/* user chains: the table is checked, hooks only once jumped to */
	expect_after(SETUP("-N x"), "-A x -j DNAT --to-destination 1.1.1.1", 4,
		     KERNEL("RULE_APPEND", "x"));
	expect_after(SETUP("-t nat -N x"),
		     "-t nat -A x -j DNAT --to-destination 1.1.1.1", 0, NULL);
	expect_after(SETUP("-t nat -N x", "-t nat -N y",
			   "-t nat -A POSTROUTING -j x", "-t nat -A x -j y"),
		     "-t nat -A y -j DNAT --to-destination 1.1.1.1", 4,
		     KERNEL("RULE_APPEND", "y"));
	expect_after(SETUP("-t nat -N x", "-t nat -A x -j SNAT --to-source 1.1.1.1"),
		     "-t nat -I PREROUTING -g x", 4,
		     KERNEL("RULE_INSERT", "PREROUTING"));
	static const char *const cmds[] = {
		"-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.1.1.1:1000-2000/1000 --random",
		"-t nat -A PREROUTING -p tcp -j DNAT --to-destination :99 --persistent",
		NULL,
	};
	/* SNAT checks a base port but keeps none: "/0", as iptables-nft */
	listing(cmds, "-t nat -S",
		"-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n"
		"-A PREROUTING -p tcp -j DNAT --to-destination :99 --persistent\n"
		"-A POSTROUTING -p tcp -j SNAT --to-source 1.1.1.1:1000-2000/0 --random\n");
	listing(cmds, "-t nat -L POSTROUTING -n",
		"Chain POSTROUTING (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"SNAT       6    --  0.0.0.0/0            0.0.0.0/0            to:1.1.1.1:1000-2000/0 random\n");
}

static void test_masquerade_redirect(void)
{
	roundtrip("nat", "POSTROUTING", "-j MASQUERADE", NULL);
	roundtrip("nat", "POSTROUTING", "-j MASQUERADE --random-fully --random",
		  "-j MASQUERADE --random --random-fully");
	roundtrip("nat", "POSTROUTING", "-p udp -j MASQUERADE --to-ports 1024-65535", NULL);
	roundtrip("nat", "PREROUTING", "-p tcp -j REDIRECT --to-ports ssh",
		  "-p tcp -j REDIRECT --to-ports 22");
	roundtrip("nat", "OUTPUT", "-p udp -j REDIRECT --to-ports 0-0 --random",
		  "-p udp -j REDIRECT --to-ports 0 --random");
	roundtrip("nat", "OUTPUT", "-j REDIRECT", NULL);
	expect("-t nat -A POSTROUTING -j MASQUERADE --to-ports 5", 2,
	       PFX "Need TCP, UDP, SCTP or DCCP with port specification");
	expect("-t nat -D POSTROUTING -j MASQUERADE --to-ports 5", 2,
	       PFX "Need TCP, UDP, SCTP or DCCP with port specification");
	expect("-t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 10:20", 2,
	       PFX "Invalid port:port syntax - use dash");
	expect("-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1024-65536", 2,
	       PFX "Port `65536' not valid");
	expect("-t nat -A OUTPUT -j MASQUERADE", 4, KERNEL("RULE_APPEND", "OUTPUT"));
	expect("-t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 42-1234/567", 2,
	       PFX "Shifted portmap ranges not supported with this kernel");
	expect("-t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 10-ssh", 2,
	       PFX "Port `ssh' not valid");
	expect("-t nat -A POSTROUTING -j REDIRECT", 4, KERNEL("RULE_APPEND", "POSTROUTING"));
	static const char *const cmds[] = {
		"-t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 10-20/5 --random",
		"-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 42-1234",
		NULL,
	};
	listing(cmds, "-t nat -L",
		"Chain PREROUTING (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"\n"
		"Chain INPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"\n"
		"Chain OUTPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"REDIRECT   tcp  --  anywhere             anywhere             redir ports 42-1234\n"
		"\n"
		"Chain POSTROUTING (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"MASQUERADE  tcp  --  anywhere             anywhere             masq ports: 10-20/0 random\n");
}

static void test_ct_notrack(void)
{
	roundtrip("raw", "PREROUTING", "-j CT --notrack", NULL);
	roundtrip("raw", "PREROUTING", "-j CT", NULL);
	roundtrip("raw", "OUTPUT",
		  "-j CT --ctevents mark,new --expevents new --zone-orig 6 --zone-reply 5",
		  "-j CT --ctevents new,mark --expevents new --zone 5");
	roundtrip("raw", "OUTPUT", "-j CT --zone MARK --zone-reply 5",
		  "-j CT --zone-reply mark");
	/* with --notrack the kernel checks no helper */
	roundtrip("raw", "OUTPUT", "-j CT --notrack --helper ftp --timeout tt", NULL);
	roundtrip("raw", "PREROUTING", "-j NOTRACK", NULL);
	expect("-t raw -A PREROUTING -j CT --zone 65536", 2,
	       PFX "Cannot parse 65536 as a zone ID");
	expect("-t raw -A PREROUTING -j CT --ctevents new,", 2,
	       PFX "Unknown event type \"\"");
	expect("-t raw -A PREROUTING -j CT --expevents related", 2,
	       PFX "Unknown event type \"related\"");
	expect("-t raw -A PREROUTING -j CT --helper ftp", 4,
	       PFX " RULE_APPEND failed (No such file or directory): rule in chain PREROUTING");
	expect("-t raw -A PREROUTING -j CT --timeout t", 4,
	       KERNEL("RULE_APPEND", "PREROUTING"));
	expect("-t mangle -A PREROUTING -j CT --notrack", 4,
	       KERNEL("RULE_APPEND", "PREROUTING"));
	expect("-A INPUT -j NOTRACK", 4, KERNEL("RULE_APPEND", "INPUT"));
	expect("-t raw -A PREROUTING -j NOTRACK --notrack", 2,
	       PFX "unknown option \"--notrack\"");
	/* NOTRACK is a rule of its own: listed with CT's name, not deleted
	 * by "-j CT --notrack" */
	static const char *const cmds[] = {
		"-t raw -A OUTPUT -j NOTRACK", "-t raw -A OUTPUT -j CT --notrack --zone 5",
		NULL,
	};
	listing(cmds, "-t raw -L OUTPUT",
		"Chain OUTPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"CT         all  --  anywhere             anywhere             NOTRACK\n"
		"CT         all  --  anywhere             anywhere             CT notrack zone 5\n");
	expect_after(SETUP("-t raw -A OUTPUT -j NOTRACK"),
		     "-t raw -D OUTPUT -j CT --notrack", 1,
	       "iptables: Bad rule (does a matching rule exist in that chain?).");
}

static void test_tcpmss(void)
{
	roundtrip("mangle", "FORWARD",
		  "-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 42", NULL);
	roundtrip("mangle", "POSTROUTING", "-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu",
		  "-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --clamp-mss-to-pmtu");
	/* nf_tables hides the SYN match from the kernel: none is needed */
	roundtrip("mangle", "PREROUTING", "-p tcp -j TCPMSS --clamp-mss-to-pmtu --set-mss 0x10",
		  "-p tcp -j TCPMSS --set-mss 16");
	expect("-t mangle -A FORWARD -p tcp -j TCPMSS", 2,
	       PFX "TCPMSS target: At least one parameter is required");
	expect("-t mangle -A FORWARD -p tcp -j TCPMSS --set-mss 65516", 2,
	       PFX "TCPMSS: bad value for option \"--set-mss\", or out of range (0-65515).");
	expect("-t mangle -A FORWARD -p udp -j TCPMSS --set-mss 5", 4,
	       KERNEL("RULE_APPEND", "FORWARD"));
	expect("-t mangle -A INPUT -p tcp -j TCPMSS --clamp-mss-to-pmtu", 4,
	       KERNEL("RULE_APPEND", "INPUT"));
	/* the kernel checks the clamping hooks only in a built-in chain */
	expect_after(SETUP("-t mangle -N m", "-t mangle -A INPUT -j m"),
		     "-t mangle -A m -p tcp -j TCPMSS --clamp-mss-to-pmtu", 0, NULL);
}

/* Restore: the kernel's refusal names the line; --test passes it. */
static void test_restore(void)
{
	static const char text[] =
		"*filter\n"
		"-A INPUT -j ACCEPT\n"
		"-A INPUT -j DNAT --to-destination 1.1.1.1\n"
		"COMMIT\n";
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	qt_test_restore(&rs, text, "", &r);
	is_int(r.status, 4, "restore of DNAT in filter");
	is_str(qt_buf_str(&r.err),
	       "iptables-restore v1.8.9 (qtables): \n"
	       "line 3: RULE_APPEND failed (Invalid argument): rule in chain INPUT\n",
	       "its message");
	qt_test_result_free(&r);
	qt_test_restore(&rs, text, "test", &r);
	is_int(r.status, 0, "restore --test of DNAT in filter (no kernel asked)");
	qt_test_result_free(&r);
	qt_ruleset_free(rs);
}

int main(void)
{
	test_reject();
	test_log();
	test_mark();
	test_connmark();
	test_snat_dnat();
	test_masquerade_redirect();
	test_ct_notrack();
	test_tcpmss();
	test_classify();
	test_restore();
	return done_testing();
}
