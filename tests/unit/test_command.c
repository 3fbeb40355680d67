/* The command layer against facts observed from iptables-nft 1.8.9. */
#include <stdlib.h>

#include "qt_test.h"
#include "request.h"
#include "tap.h"

static struct qt_ruleset *rs;

static void expect(const char *cmd, int status, const char *err_first_line)
{
	struct qt_test_result r;
	qt_test_cmd(&rs, cmd, &r);
	is_int(r.status, status, "status of: iptables %s", cmd);
	if (err_first_line) {
		const char *e = qt_buf_str(&r.err);
		const char *nl = strchr(e, '\n');
		char line[512];
		size_t n = nl ? (size_t)(nl - e) : strlen(e);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, e, n);
		line[n] = '\0';
		is_str(line, err_first_line, "message of: iptables %s", cmd);
	}
	qt_test_result_free(&r);
}

int main(void)
{
	struct qt_buf b;
	qt_buf_init(&b);
	rs = qt_ruleset_new(0);

	expect("-N foo", 0, NULL);
	expect("-A INPUT -s 10.0.0.1,10.0.0.2 -p tcp --dport 22 -j foo", 0, NULL);
	expect("-I INPUT -s 1.1.1.1,2.2.2.2 -j ACCEPT", 0, NULL);
	expect("-A INPUT -s 10.11.12.13/255.0.255.0 ! -i eth+ -f -j RETURN", 0, NULL);
	is_str(qt_test_save(rs, &b),
	       "*filter\n"
	       ":INPUT ACCEPT [0:0]\n"
	       ":FORWARD ACCEPT [0:0]\n"
	       ":OUTPUT ACCEPT [0:0]\n"
	       ":foo - [0:0]\n"
	       "-A INPUT -s 2.2.2.2/32 -j ACCEPT\n"
	       "-A INPUT -s 1.1.1.1/32 -j ACCEPT\n"
	       "-A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j foo\n"
	       "-A INPUT -s 10.0.0.2/32 -p tcp -m tcp --dport 22 -j foo\n"
	       "-A INPUT -s 10.0.12.0/255.0.255.0 ! -i eth+ -f -j RETURN\n"
	       "COMMIT\n",
	       "save after -A/-I with address lists, masks, negation");

	/* errors, with iptables-nft 1.8.9's exit codes and first lines */
	expect("-A INPUT --foo", 2, "iptables v1.8.9 (qtables): unknown option \"--foo\"");
	expect("-A INPUT -s", 2, "iptables v1.8.9 (qtables): option \"-s\" requires an argument");
	expect("-A FOO -j ACCEPT", 1, "iptables: No chain/target/match by that name.");
	expect("-D INPUT -p udp -j ACCEPT", 1,
	       "iptables: Bad rule (does a matching rule exist in that chain?).");
	expect("-t bogus -L", 3, "iptables v1.8.9 (qtables): table 'bogus' does not exist");
	expect("-A INPUT -o eth0", 2, "iptables v1.8.9 (qtables): Can't use -o with INPUT");
	expect("-D INPUT 9", 1, "iptables: Index of deletion too big.");
	expect("-X foo", 4, "iptables v1.8.9 (qtables):  CHAIN_DEL failed (Device or resource busy): chain foo");
	expect("-P foo DROP", 1, "iptables: Bad built-in chain name.");
	expect("-t nat -A PREROUTING -j DROP", 2, "iptables v1.8.9 (qtables): ");
	expect("-A INPUT -j NOPE", 2, "iptables v1.8.9 (qtables): Chain 'NOPE' does not exist");
	expect("-A INPUT -m nope", 2, "iptables v1.8.9 (qtables): Couldn't load match `nope':No such file or directory");
	expect("-A INPUT -s 1.2.3.4.5", 2, "iptables v1.8.9 (qtables): host/network `1.2.3.4.5' not found");
	expect("-I INPUT 99 -j ACCEPT", 1, "iptables: Index of insertion too big.");
	expect("-A INPUT -A INPUT", 2, "iptables v1.8.9 (qtables): Cannot use -A with -A");
	expect("-N foo", 1, "iptables: Chain already exists.");
	expect("-N ACCEPT", 2, "iptables v1.8.9 (qtables): chain name may not clash with target name");
	expect("-L -x -v -n INPUT 2", 2, "Bad argument `INPUT'");
	expect("-A INPUT ! ! -s 1.1.1.1", 2, "iptables v1.8.9 (qtables): multiple consecutive ! not allowed");
	expect("-A INPUT !", 2, "iptables v1.8.9 (qtables): nothing appropriate following !");
	expect("", 2, "iptables v1.8.9 (qtables): no command specified");
	expect("-D INPUT 0", 2, "iptables v1.8.9 (qtables): Invalid rule number `0'");
	expect("-L -s 1.2.3.4", 2, "iptables v1.8.9 (qtables): Illegal option `-s' with this command");

	/* delete by meaning: another spelling of the same rule */
	expect("-D INPUT -s 10.0.0.1 -p 6 --dport ssh -j foo", 0, NULL);
	expect("-C INPUT -s 10.0.0.1 -p tcp --dport 22 -j foo", 1, NULL);
	expect("-C INPUT -s 10.0.0.2 -p tcp --dport 22 -j foo", 0, NULL);

	/* a failed command changes nothing */
	const char *before = strdup(qt_test_save(rs, &b));
	expect("-A INPUT -s 1.1.1.1,nonexistent.invalid -j ACCEPT", 2, NULL);
	is_str(qt_test_save(rs, &b), before, "failed command left the ruleset alone");
	free((void *)before);

	/* A NUL byte ends what iptables-restore sees of its line. */
	{
		static const char text[] = "*filter\n-N x\0 ignored\n:\0abc\nCOMMIT\n";
		struct qt_buf req, out, err;
		bool changed;
		qt_buf_init(&req);
		qt_buf_init(&out);
		qt_buf_init(&err);
		qt_buf_puts(&req, "#qtables 1 restore iptables-restore\n");
		qt_buf_put(&req, text, sizeof(text) - 1);
		int st = qt_request_run(&rs, qt_buf_str(&req), req.len, NULL,
					&out, &err, &changed);
		is_int(st, 2, "restore with NUL bytes: status");
		is_str(qt_buf_str(&err),
		       "iptables-restore v1.8.9 (qtables): iptables-restore: line 3 chain name invalid\n"
		       "Error occurred at line: 3\n"
		       "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n",
		       "restore with NUL bytes: the chain line is empty, as iptables sees it");
		qt_buf_free(&req);
		qt_buf_free(&out);
		qt_buf_free(&err);
	}

	qt_buf_free(&b);
	qt_ruleset_free(rs);
	return done_testing();
}
