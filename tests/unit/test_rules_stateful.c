/* The state, conntrack, recent, limit, hashlimit, connlimit, string,
 * time and connmark matches: each rule is parsed, saved, restored from
 * that save text and saved again (the two saves must be the same text),
 * and the saved line is the one iptables-nft 1.8.9 prints. Errors are
 * checked against its messages and exit codes. */
#include <stdlib.h>

#include "qt_test.h"
#include "tap.h"

struct rt_case {
	const char *table;
	const char *rule;      /* after "-A CHAIN" */
	const char *saved;     /* the rule's save line after "-A CHAIN " */
};

static const struct rt_case cases[] = {
	/* state: kernel bits printed in iptables' order */
	{ "filter", "-m state --state ESTABLISHED,NEW,INVALID,RELATED,UNTRACKED",
	  "-m state --state INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED" },
	{ "filter", "-m state ! --state new", "-m state ! --state NEW" },
	/* conntrack */
	{ "filter", "-m conntrack --ctstate NEW,SNAT --ctproto tcp --ctorigsrc 4.4.4.4/16 --ctrepldst 1.2.3.4/255.255.255.0 --ctorigsrcport 5: --ctreplsrcport 1:65536 --ctstatus NONE,ASSURED --ctexpire 5:5 --ctdir reply",
	  "-m conntrack --ctstate NEW,SNAT --ctproto 6 --ctorigsrc 4.4.4.4/16 --ctrepldst 1.2.3.4/24 --ctorigsrcport 5:65535 --ctreplsrcport 1 --ctstatus ASSURED --ctexpire 5 --ctdir REPLY" },
	{ "filter", "-m conntrack ! --ctstate INVALID ! --ctstatus NONE ! --ctexpire :7",
	  "-m conntrack ! --ctstate INVALID ! --ctstatus NONE ! --ctexpire 0:7" },
	{ "filter", "-m conntrack --ctorigdst 2.2.2.2/33", "-m conntrack --ctorigdst 2.2.2.2" },
	/* recent: its defaults are always saved */
	{ "filter", "-m recent --set",
	  "-m recent --set --name DEFAULT --mask 255.255.255.255 --rsource" },
	{ "filter", "-m recent ! --rcheck --seconds 10 --reap --hitcount 5 --rttl --name foo --rdest --mask 255.255.0.0",
	  "-m recent ! --rcheck --seconds 10 --reap --hitcount 5 --rttl --name foo --mask 255.255.0.0 --rdest" },
	/* limit: what the nft limit expression keeps */
	{ "filter", "-m limit", "-m limit --limit 3/hour" },
	{ "filter", "-m limit --limit 3/day", "-m limit --limit 3/day" },
	{ "filter", "-m limit --limit 999/min --limit-burst 7",
	  "-m limit --limit 1000/min --limit-burst 7" },
	{ "filter", "-m limit --limit 10000/minute", "-m limit --limit 166/sec" },
	{ "filter", "-m limit --limit 24/d --limit-burst 0", "-m limit --limit 1/hour" },
	/* hashlimit */
	{ "filter", "-m hashlimit --hashlimit 5/s --hashlimit-name a",
	  "-m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a" },
	{ "filter", "-m hashlimit ! --hashlimit-upto 60/min --hashlimit-name a --hashlimit-mode dstport,srcip --hashlimit-srcmask 24 --hashlimit-htable-size 100 --hashlimit-htable-max 200 --hashlimit-htable-gcinterval 300 --hashlimit-rate-match --hashlimit-rate-interval 3",
	  "-m hashlimit --hashlimit-above 1/sec --hashlimit-burst 5 --hashlimit-mode srcip,dstport --hashlimit-name a --hashlimit-htable-size 100 --hashlimit-htable-max 200 --hashlimit-htable-gcinterval 300 --hashlimit-htable-expire 60000 --hashlimit-srcmask 24 --hashlimit-rate-match --hashlimit-rate-interval 3" },
	{ "filter", "-m hashlimit --hashlimit-upto 4kb/s --hashlimit-burst 400kb --hashlimit-name b",
	  "-m hashlimit --hashlimit-upto 4kb/s --hashlimit-burst 400kb --hashlimit-name b" },
	{ "filter", "-m hashlimit --hashlimit-upto 1000b/s --hashlimit-name c",
	  "-m hashlimit --hashlimit-upto 992b/s --hashlimit-name c" },
	{ "filter", "-m hashlimit --hashlimit-upto 4096mb/s --hashlimit-name d",
	  "-m hashlimit --hashlimit-upto 4581298432b/s --hashlimit-name d" },
	/* connlimit */
	{ "filter", "-m connlimit --connlimit-upto 0",
	  "-m connlimit --connlimit-upto 0 --connlimit-mask 32 --connlimit-saddr" },
	{ "filter", "-m connlimit ! --connlimit-upto 5 --connlimit-mask 255.255.0.0 --connlimit-daddr",
	  "-m connlimit --connlimit-above 5 --connlimit-mask 16 --connlimit-daddr" },
	/* string */
	{ "filter", "-m string --algo bm --from 0 --to 65535 --string test",
	  "-m string --string \"test\" --algo bm" },
	/* a '|' that ends a hex block lets the next character through as
	 * it is: here a backslash that would otherwise escape */
	{ "filter", "-m string ! --hex-string \"a|41 42|\\\\\\\"\" --algo kmp --icase --from 2 --to 9",
	  "-m string ! --string \"aAB\\\\\\\"\" --algo kmp --from 2 --to 9 --icase" },
	{ "filter", "-m string --hex-string \"|41|\\\\\" --algo bm",
	  "-m string --hex-string \"|415c|\" --algo bm" },
	{ "filter", "-m string --hex-string \"|0a 0a|\" --algo bm",
	  "-m string --hex-string \"|0a0a|\" --algo bm" },
	/* time: the default --datestop is saved */
	{ "filter", "-m time --timestart 1:2:3", "-m time --timestart 01:02:03 --timestop 23:59:59 --datestop 2038-01-19T03:14:07" },
	{ "filter", "-m time --timestart 22:00 --timestop 02:00 --weekdays Sun,Mon --monthdays 31,1 --datestart 2001-02-30 --datestop 2012-09-08T09:06:05 --kerneltz --contiguous",
	  "-m time --timestart 22:00:00 --timestop 02:00:00 --monthdays 1,31 --weekdays Mon,Sun --datestart 2001-03-02T00:00:00 --datestop 2012-09-08T09:06:05 --kerneltz --contiguous" },
	{ "filter", "-m time ! --weekdays Sat,Sun ! --monthdays 5",
	  "-m time --monthdays 1,2,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31 --weekdays Mon,Tue,Wed,Thu,Fri --datestop 2038-01-19T03:14:07" },
	/* connmark */
	{ "mangle", "-m connmark --mark 0xffffffff/0xffffffff", "-m connmark --mark 0xffffffff" },
	{ "mangle", "-m connmark ! --mark 010/0", "-m connmark ! --mark 0x8/0x0" },
};

static struct qt_ruleset *rs;

/* The "-A CHAIN ..." line of a save text, or "" */
static const char *rule_line(const char *save, char *buf, size_t n)
{
	const char *p = strstr(save, "\n-A ");
	buf[0] = '\0';
	if (!p)
		return buf;
	p++;
	const char *nl = strchr(p, '\n');
	size_t len = nl ? (size_t)(nl - p) : strlen(p);
	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

static void round_trip(const struct rt_case *c)
{
	struct qt_test_result r;
	struct qt_buf b1, b2, cmd;
	char line[2048], want[2048];
	const char *chain = strcmp(c->table, "mangle") ? "INPUT" : "PREROUTING";

	qt_buf_init(&b1);
	qt_buf_init(&b2);
	qt_buf_init(&cmd);
	qt_ruleset_free(rs);
	rs = qt_ruleset_new(0);
	qt_buf_printf(&cmd, "-t %s -A %s %s", c->table, chain, c->rule);
	qt_test_cmd(&rs, qt_buf_str(&cmd), &r);
	is_int(r.status, 0, "accepted: %s", c->rule);
	if (r.status)
		printf("#   %s", qt_buf_str(&r.err));
	qt_test_result_free(&r);
	qt_buf_reset(&cmd);
	qt_buf_printf(&cmd, "-t %s -C %s %s", c->table, chain, c->rule);
	qt_test_cmd(&rs, qt_buf_str(&cmd), &r);
	is_int(r.status, 0, "-C finds it by the same words: %s", c->rule);
	qt_test_result_free(&r);

	const char *s1 = qt_test_save(rs, &b1);
	snprintf(want, sizeof(want), "-A %s %s", chain, c->saved);
	is_str(rule_line(s1, line, sizeof(line)), want, "saved as iptables does: %s", c->rule);

	/* restore the save text into an empty ruleset and save again */
	qt_ruleset_free(rs);
	rs = qt_ruleset_new(0);
	qt_test_restore(&rs, s1, "", &r);
	is_int(r.status, 0, "its save text restores: %s", c->rule);
	qt_test_result_free(&r);
	is_str(qt_test_save(rs, &b2), s1, "save, restore, save is stable: %s", c->rule);

	/* the restored rule is the one its save line names for -D (not
	 * always the first spelling's: iptables' defaults are wider than
	 * their saved form, e.g. recent's 128-bit mask) */
	qt_buf_reset(&cmd);
	qt_buf_printf(&cmd, "-t %s -D %s %s", c->table, chain,
		      c->saved);
	qt_test_cmd(&rs, qt_buf_str(&cmd), &r);
	is_int(r.status, 0, "-D by its saved spelling: %s", c->saved);
	qt_test_result_free(&r);

	qt_buf_free(&b1);
	qt_buf_free(&b2);
	qt_buf_free(&cmd);
}

/* The whole of stderr for "iptables -A INPUT RULE", and the status. */
static void expect_err(const char *rule, int status, const char *err)
{
	struct qt_test_result r;
	struct qt_buf cmd;
	qt_buf_init(&cmd);
	qt_buf_printf(&cmd, "-A INPUT %s", rule);
	qt_test_cmd(&rs, qt_buf_str(&cmd), &r);
	is_int(r.status, status, "status of: %s", rule);
	is_str(qt_buf_str(&r.err), err, "message of: %s", rule);
	qt_test_result_free(&r);
	qt_buf_free(&cmd);
}

#define V "iptables v1.8.9 (qtables): "
#define TRY "Try `iptables -h' or 'iptables --help' for more information.\n"

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		round_trip(&cases[i]);

	qt_ruleset_free(rs);
	rs = qt_ruleset_new(0);
	expect_err("-m state", 2, V "state: option \"--state\" must be specified\n\n" TRY);
	expect_err("-m state --state NEW,foo", 2, V "Bad state \"foo\"\n" TRY);
	expect_err("-m state --state NEW,", 2,
		   V "\"--state\" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED\n" TRY);
	expect_err("-m conntrack", 2, V "conntrack: At least one option is required\n" TRY);
	expect_err("-m conntrack --ctexpire 5:4294967296", 2,
		   V "conntrack: bad value for option \"--ctexpire\" near \"4294967296\", or out of range (0-4294967295).\n\n" TRY);
	expect_err("-m conntrack --ctorigsrc 1.1.1.1/x", 2,
		   V "conntrack: bad value for option \"--ctorigsrc\", neither a valid network mask nor valid CIDR (0-32).\n\n" TRY);
	expect_err("-m recent", 2,
		   V "recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'\n" TRY);
	expect_err("-m recent --set --rttl", 2,
		   V "recent: option \"--rttl\" cannot be used together with \"--set\".\n\n" TRY);
	expect_err("-m recent --rcheck --reap", 2,
		   V "recent: option \"--reap\" also requires \"--seconds\".\n\n" TRY);
	/* what only the kernel refuses */
	expect_err("-m recent --set --seconds 5", 4,
		   V " RULE_APPEND failed (Invalid argument): rule in chain INPUT\n");
	expect_err("-m recent --rcheck --hitcount 65536", 4,
		   V " RULE_APPEND failed (Invalid argument): rule in chain INPUT\n");
	expect_err("-m limit --limit 10001/s", 2, V "Rate too fast \"10001/s\"\n" TRY);
	expect_err("-m limit --limit 10/x", 2, V "bad rate \"10/x\"'\n" TRY);
	expect_err("-m limit --limit-burst 10001", 2,
		   V "limit: bad value for option \"--limit-burst\", or out of range (0-10000).\n\n" TRY);
	expect_err("-m hashlimit", 2, V "You have to specify --hashlimit\n" TRY);
	expect_err("-m hashlimit --hashlimit-upto 1/s", 2,
		   V "hashlimit: option \"--hashlimit-name\" must be specified\n\n" TRY);
	expect_err("-m hashlimit --hashlimit-name a --hashlimit-upto 1/s --hashlimit 2/s", 2,
		   V "hashlimit: option \"--hashlimit-upto\" can only be used once.\n\n" TRY);
	expect_err("-m hashlimit --hashlimit-name a --hashlimit-upto 10mb/s --hashlimit-burst 10", 2,
		   V "burst cannot be smaller than 10486704b\n" TRY);
	expect_err("-m hashlimit --hashlimit-name a --hashlimit-upto 1/day", 4,
		   V " RULE_APPEND failed (Numerical result out of range): rule in chain INPUT\n");
	expect_err("-m connlimit --connlimit-mask 24", 2,
		   V "You must specify \"--connlimit-above\" or \"--connlimit-upto\".\n" TRY);
	expect_err("-m connlimit --connlimit-above 5 --connlimit-daddr --connlimit-saddr", 2,
		   V "connlimit: option \"--connlimit-saddr\" cannot be used together with \"--connlimit-daddr\".\n\n" TRY);
	expect_err("-m string --string foo", 2, V "string: option \"--algo\" must be specified\n\n" TRY);
	expect_err("-m string --algo bm --hex-string |41", 2, V "Invalid hex block\n" TRY);
	expect_err("-m string --string a --algo wrong", 4,
		   V " RULE_APPEND failed (No such file or directory): rule in chain INPUT\n");
	expect_err("-m time --timestart 01:60", 2,
		   V "invalid time \"60\" specified, should be hh:mm[:ss] format and within the boundaries\n" TRY);
	expect_err("-m time --monthdays 4294967296", 2,
		   V "42 is not a valid day for --monthdays\n" TRY);
	expect_err("-m time --contiguous", 2,
		   V "time: --contiguous only makes sense when stoptime is smaller than starttime\n" TRY);
	expect_err("-m time --kerneltz --utc", 2,
		   V "time: option \"--utc\" cannot be used together with \"--kerneltz\".\n\n" TRY);
	expect_err("-m connmark --mark 5x", 2,
		   V "connmark: trailing garbage after value for option \"--mark\".\n\n" TRY);
	expect_err("-m connmark --mark 4294967296", 2,
		   V "connmark: bad integer value for option \"--mark\", or out of range.\n\n" TRY);

	/* a default written out is another rule for the kernel: iptables
	 * keeps recent's default mask 128 bits wide */
	struct qt_test_result r;
	qt_test_cmd(&rs, "-A INPUT -m recent --set", &r);
	qt_test_result_free(&r);
	qt_test_cmd(&rs, "-C INPUT -m recent --set --mask 255.255.255.255", &r);
	is_int(r.status, 1, "-C: an explicit --mask is not recent's default");
	qt_test_result_free(&r);
	qt_test_cmd(&rs, "-C INPUT -m recent --set --name DEFAULT --rsource", &r);
	is_int(r.status, 0, "-C: recent's default name and side are");
	qt_test_result_free(&r);

	/* one hashlimit table per name: rate matching must agree */
	qt_test_cmd(&rs, "-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name t", &r);
	qt_test_result_free(&r);
	expect_err("-m hashlimit --hashlimit-upto 1/s --hashlimit-name t --hashlimit-rate-match", 4,
		   V " RULE_APPEND failed (Invalid argument): rule in chain INPUT\n");

	qt_ruleset_free(rs);
	return done_testing();
}
