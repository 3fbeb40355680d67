/* parser/nft_run: nft's inputs applied to a ruleset and listed back as
 * nft 1.0.6 lists them (the listings and messages below are the real
 * nft's); a failing input changes nothing; the state file's handle
 * lines give a reloaded ruleset its handles back. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_model.h"
#include "nft_print.h"
#include "nft_run.h"
#include "nft_state.h"
#include "tap.h"

static struct nft_ruleset *rs;
static struct qt_buf out, err;

static int run(const char *text)
{
	struct nft_run_opts o = { 0 };
	bool changed;
	qt_buf_reset(&out);
	qt_buf_reset(&err);
	return nft_run(&rs, text, strlen(text), &o, &out, &err, &changed);
}

static const char *listing(bool handles)
{
	static struct qt_buf b;
	struct nft_print_opts o = { .handles = handles };
	qt_buf_free(&b);
	qt_buf_init(&b);
	nft_print_ruleset(rs, -1, &o, &b);
	return qt_buf_str(&b);
}

int main(void)
{
	qt_buf_init(&out);
	qt_buf_init(&err);
	rs = nft_ruleset_new();

	is_int(run("table inet t {\n"
		   "  set s { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 1.2.3.4 } ; }\n"
		   "  chain c { type filter hook input priority 0; policy drop;\n"
		   "    tcp dport { 80, 22 } counter accept\n"
		   "    ip saddr 10.0.0.0/8 ip protocol tcp tcp dport 22 drop\n"
		   "    ct state related,established accept\n"
		   "    meta l4proto icmp icmp type echo-request limit rate 5/second accept\n"
		   "    reject with icmpx type admin-prohibited\n"
		   "  }\n"
		   "  chain n { type nat hook postrouting priority srcnat + 1; }\n"
		   "}\n"), 0, "a table block is taken");
	is_str(listing(true),
	       "table inet t { # handle 1\n"
	       "\tset s { # handle 3\n"
	       "\t\ttype ipv4_addr\n"
	       "\t\tflags interval\n"
	       "\t\telements = { 1.2.3.4, 10.0.0.0/8 }\n"
	       "\t}\n"
	       "\n"
	       "\tchain c { # handle 1\n"
	       "\t\ttype filter hook input priority filter; policy drop;\n"
	       "\t\ttcp dport { 22, 80 } counter packets 0 bytes 0 accept # handle 5\n"
	       "\t\tip saddr 10.0.0.0/8 ip protocol tcp tcp dport 22 drop # handle 6\n"
	       "\t\tct state established,related accept # handle 7\n"
	       "\t\ticmp type echo-request limit rate 5/second accept # handle 8\n"
	       "\t\treject with icmpx admin-prohibited # handle 9\n"
	       "\t}\n"
	       "\n"
	       "\tchain n { # handle 2\n"
	       "\t\ttype nat hook postrouting priority srcnat + 1; policy accept;\n"
	       "\t}\n"
	       "}\n", "listed as nft lists it, handles as the kernel gives them");

	char *before = strdup(listing(true));
	is_int(run("add rule inet t c accept\nadd rule inet t nosuch accept\n"), 1,
	       "a failing input fails whole");
	is_str(qt_buf_str(&err),
	       "Error: Could not process rule: No such file or directory\n"
	       "add rule inet t nosuch accept\n"
	       "                ^^^^^^\n", "nft's message, line and carets");
	is_str(listing(true), before, "and changes nothing");
	free(before);

	is_int(run("add rule inet t cx accept\n"), 1, "a misspelt chain");
	is_str(qt_buf_str(&err),
	       "Error: No such file or directory; did you mean chain \xe2\x80\x98"
	       "c\xe2\x80\x99 in table inet \xe2\x80\x98t\xe2\x80\x99?\n"
	       "add rule inet t cx accept\n"
	       "                ^^\n", "is named as nft names it");

	is_int(run("add rule inet t c ip6 saddr ::1 accept\ndelete rule inet t c handle 5\n"),
	       0, "add and delete in one input");
	/* the state file's way: the listing read back, then its handles */
	struct qt_buf h;
	qt_buf_init(&h);
	nft_state_handles(rs, &h);
	char *text = strdup(listing(false));
	char *with = strdup(listing(true));
	nft_ruleset_free(rs);
	rs = nft_ruleset_new();
	is_int(run(text), 0, "the listing reads back");
	int bad = 0;
	for (char *line = strtok(h.data, "\n"); line; line = strtok(NULL, "\n"))
		bad += nft_state_apply_handles(rs, line) < 0;
	is_int(bad, 0, "its handle lines fit it");
	is_str(listing(true), with, "and it is the same ruleset, handles and all");
	is_int(run("add table inet u\n"), 0, "a table after the reload");
	ok(strstr(listing(true), "table inet u { # handle 2\n") != NULL,
	   "takes the next table handle");
	free(text);
	free(with);
	qt_buf_free(&h);

	/* IPv4 addresses listed as inet_ntop writes them: every octet
	 * value in every place */
	struct qt_buf t;
	qt_buf_init(&t);
	qt_buf_puts(&t, "flush ruleset\ntable ip a { set s { type ipv4_addr; "
		    "elements = { ");
	for (unsigned x = 0; x < 256; x++)
		qt_buf_printf(&t, "%s%u.%u.%u.%u", x ? ", " : "", x, 255 - x,
			      (x * 7) % 256, (x * 13 + 5) % 256);
	qt_buf_puts(&t, " }\n}\n}\n");
	is_int(run(qt_buf_str(&t)), 0, "256 addresses");
	if (err.len)
		printf("# %s", qt_buf_str(&err));
	const char *l = listing(false);
	int missing = 0;
	for (unsigned x = 0; x < 256; x++) {
		char want[24];
		struct in_addr a = { htonl(x << 24 | (255 - x) << 16 |
					   ((x * 7) % 256) << 8 |
					   ((x * 13 + 5) % 256)) };
		char ntop[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a, ntop, sizeof(ntop));
		bool found = false;
		for (const char *end = ",\n "; *end && !found; end++) {
			snprintf(want, sizeof(want), " %s%c", ntop, *end);
			found = strstr(l, want) != NULL;
		}
		missing += !found;
	}
	is_int(missing, 0, "each listed as inet_ntop writes it");
	qt_buf_free(&t);

	/* icmp fields nft lists as another field or a raw payload: the
	 * listing is a state file's, and reads back to the same rule */
	nft_ruleset_free(rs);
	rs = nft_ruleset_new();
	is_int(run("add table ip i\nadd chain ip i c\n"
		   "add rule ip i c icmp type {8,3} icmp mtu 5\n"
		   "add rule ip i c icmp type {3,8} icmp sequence 6\n"
		   "add rule ip i c icmp type {3,8} icmp id 7\n"
		   "add rule ip i c icmp type != 5 icmp gateway 8\n"), 0,
	       "icmp fields after sets of types");
	const char *want_icmp =
		"table ip i {\n"
		"\tchain c {\n"
		"\t\ticmp type { destination-unreachable, echo-request } icmp mtu 5\n"
		"\t\ticmp type { destination-unreachable, echo-request } icmp mtu 6\n"
		"\t\ticmp type { destination-unreachable, echo-request } @th,32,16 0x7\n"
		"\t\ticmp type != redirect icmp gateway 8\n"
		"\t}\n"
		"}\n";
	is_str(listing(false), want_icmp, "listed as nft 1.0.6 lists them");
	char *saved = strdup(listing(false));
	is_int(run(saved), 1, "typed, the listing's first rule conflicts");
	ok(!strncmp(qt_buf_str(&err), "Error: incompatible icmp match: rule "
		    "has 8, need 3\n", 50), "as nft says");
	nft_ruleset_free(rs);
	rs = nft_ruleset_new();
	{
		struct nft_run_opts o = { .own_listing = true };
		bool changed;
		qt_buf_reset(&err);
		is_int(nft_run(&rs, saved, strlen(saved), &o, &out, &err,
			       &changed), 0, "a state file's listing reads back");
	}
	is_str(listing(false), want_icmp, "to the same rules");
	const struct nft_rule *gw = &rs->tables[0].chains[0].rules[3];
	ok(gw->n == 3 && gw->stmts[1].hidden &&
	   gw->stmts[1].elems[0].lo.b[0] == 5,
	   "after icmp type != gateway's dependency is there, unlisted");
	free(saved);
	ok(nft_field_raw(NFT_B_TRANSPORT, 32, 16) ==
	   nft_field_raw(NFT_B_TRANSPORT, 32, 16), "a raw place, one field");
	ok(!nft_field_raw(NFT_B_TRANSPORT, 3, 5), "not whole bytes: none");
	is_int(run("add rule ip i c @th,3,5 1\n"), 1, "and refused");

	/* FIELD set SRC: a source of another type is nft's datatype
	 * mismatch, an operation on it or not; an integer is taken (a
	 * header's alone only of the field's width); a raw source is
	 * listed as written */
	is_int(run("flush ruleset\nadd table ip p\nadd chain ip p c\n"), 0,
	       "a chain for set statements");
	is_int(run("add rule ip p c meta priority set meta mark\n"), 1,
	       "priority from the mark: refused");
	is_str(qt_buf_str(&err),
	       "Error: datatype mismatch: expected TC classid, expression has type packet mark\n"
	       "add rule ip p c meta priority set meta mark\n"
	       "                ~~~~~~~~~~~~~~~~~~^^^^^^^^^\n", "as nft tells it");
	is_int(run("add rule ip p c meta mark set ip saddr and 0xff\n"), 1,
	       "the mark from an address, masked: refused");
	is_str(qt_buf_str(&err),
	       "Error: datatype mismatch: expected packet mark, expression has type IPv4 address\n"
	       "add rule ip p c meta mark set ip saddr and 0xff\n"
	       "                ~~~~~~~~~~~~~~^^^^^^^^^^^^^^^^^\n",
	       "the operation under the carets");
	is_int(run("add rule ip p c meta priority set @nh,0,16\n"), 1,
	       "16 header bits alone: refused");
	is_str(qt_buf_str(&err),
	       "Error: datatype mismatch: expected TC classid, expression has type integer with length 16\n"
	       "add rule ip p c meta priority set @nh,0,16\n"
	       "                ~~~~~~~~~~~~~~~~~~^^^^^^^^\n", "by their length");
	is_int(run("add rule ip p c meta priority set meta length\n"
		   "add rule ip p c meta priority set ip ttl and 0xf\n"
		   "add rule ip p c meta mark set @nh,0,32\n"
		   "add rule ip p c meta priority set meta priority | 0:1\n"), 0,
	       "integers and the field's own type taken");
	is_str(listing(false),
	       "table ip p {\n\tchain c {\n"
	       "\t\tmeta priority set meta length\n"
	       "\t\tmeta priority set ip ttl & 15\n"
	       "\t\tmeta mark set @nh,0,32\n"
	       "\t\tmeta priority set meta priority | 0:1\n"
	       "\t}\n}\n", "listed as nft lists them");

	/* a classid is read as nft reads one: a word without a colon by
	 * strtoull(w, NULL, 0) cut to 32 bits (a name is none) */
	is_int(run("flush chain ip p c\n"
		   "add rule ip p c meta priority set foo\n"
		   "add rule ip p c meta priority set 0x100000001\n"
		   "add rule ip p c meta priority set 99999999999999999999\n"
		   "add rule ip p c meta priority { abc, 7, 4294967296 }\n"
		   "add rule ip p c meta priority none-root\n"
		   "add rule ip p c meta priority bcad:dada-bcad:dadc\n"), 0,
	       "classids of words and numbers past 32 bits");
	is_str(listing(false),
	       "table ip p {\n\tchain c {\n"
	       "\t\tmeta priority set none\n"
	       "\t\tmeta priority set 0:1\n"
	       "\t\tmeta priority set root\n"
	       "\t\tmeta priority { none, 0:7 }\n"
	       "\t\tmeta priority none\n"
	       "\t\tmeta priority bcad:dada-bcad:dadc\n"
	       "\t}\n}\n", "listed as nft lists them");
	is_int(run("add rule ip p c meta priority none-1:2\n"), 1,
	       "a name, then a colon: refused");
	is_str(qt_buf_str(&err),
	       "Error: syntax error, unexpected colon, expecting end of file or newline or semicolon\n"
	       "add rule ip p c meta priority none-1:2\n"
	       "                                    ^\n", "at the colon");

	nft_ruleset_free(rs);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return done_testing();
}
