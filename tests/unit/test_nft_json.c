/* parser/nft_json_print and nft_json_run: the model listed in
 * libnftables' JSON as nft 1.0.6 lists it (the expected documents below
 * are the real nft's, listing the same ruleset), and nft -j's input: a
 * JSON document applied as one transaction, refused whole with nft's
 * messages, and text that is no JSON read as nft's language. */
#include <stdlib.h>
#include <string.h>

#include "nft_json_print.h"
#include "nft_json_run.h"
#include "nft_model.h"
#include "nft_run.h"
#include "tap.h"

static const char *const want_ruleset =
	       "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_na"
	       "me\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"table\":"
	       " {\"family\": \"inet\", \"name\": \"t\", \"handle\": 1}}, {\"set\": "
	       "{\"family\": \"inet\", \"name\": \"s\", \"table\": \"t\", \"type\": "
	       "\"ipv4_addr\", \"handle\": 3, \"flags\": [\"interval\"], \"elem\": ["
	       "{\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": 8}}, \"192.168.1.1\"]"
	       "}}, {\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \""
	       "in\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"pr"
	       "io\": 0, \"policy\": \"drop\"}}, {\"chain\": {\"family\": \"inet\", "
	       "\"table\": \"t\", \"name\": \"c\", \"handle\": 2}}, {\"rule\": {\"fa"
	       "mily\": \"inet\", \"table\": \"t\", \"chain\": \"in\", \"handle\": 4"
	       ", \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\""
	       "protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}}, {\"cou"
	       "nter\": {\"packets\": 0, \"bytes\": 0}}, {\"accept\": null}]}}, {\"r"
	       "ule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"in\", \""
	       "handle\": 6, \"comment\": \"web\", \"expr\": [{\"match\": {\"op\": \""
	       "==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"sa"
	       "ddr\"}}, \"right\": {\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": 8"
	       "}}}}, {\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protoc"
	       "ol\": \"tcp\", \"field\": \"dport\"}}, \"right\": {\"set\": [80, 443"
	       "]}}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"inet\", \"tab"
	       "le\": \"t\", \"chain\": \"in\", \"handle\": 7, \"expr\": [{\"match\""
	       ": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \""
	       "field\": \"saddr\"}}, \"right\": \"@s\"}}, {\"drop\": null}]}}, {\"r"
	       "ule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"in\", \""
	       "handle\": 8, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"pa"
	       "yload\": {\"protocol\": \"udp\", \"field\": \"dport\"}}, \"right\": "
	       "{\"range\": [1000, 2000]}}}, {\"log\": {\"prefix\": \"x \", \"level\""
	       ": \"info\"}}, {\"limit\": {\"rate\": 5, \"burst\": 5, \"per\": \"sec"
	       "ond\"}}, {\"reject\": {\"type\": \"icmpx\", \"expr\": \"port-unreach"
	       "able\"}}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"c"
	       "hain\": \"in\", \"handle\": 9, \"expr\": [{\"match\": {\"op\": \"in\""
	       ", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"establishe"
	       "d\", \"related\"]}}, {\"accept\": null}]}}, {\"rule\": {\"family\": "
	       "\"inet\", \"table\": \"t\", \"chain\": \"in\", \"handle\": 10, \"exp"
	       "r\": [{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \""
	       "iifname\"}}, \"right\": \"lo\"}}, {\"accept\": null}]}}, {\"rule\": "
	       "{\"family\": \"inet\", \"table\": \"t\", \"chain\": \"in\", \"handle"
	       "\": 11, \"expr\": [{\"mangle\": {\"key\": {\"meta\": {\"key\": \"mar"
	       "k\"}}, \"value\": 1}}, {\"notrack\": null}]}}, {\"rule\": {\"family\""
	       ": \"inet\", \"table\": \"t\", \"chain\": \"in\", \"handle\": 12, \"e"
	       "xpr\": [{\"jump\": {\"target\": \"c\"}}]}}, {\"rule\": {\"family\": "
	       "\"inet\", \"table\": \"t\", \"chain\": \"c\", \"handle\": 13, \"expr"
	       "\": [{\"return\": null}]}}]}\n";
static const char *const want_chain_s =
	       "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_na"
	       "me\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"chain\":"
	       " {\"family\": \"inet\", \"table\": \"t\", \"name\": \"in\", \"handle"
	       "\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"pol"
	       "icy\": \"drop\"}}, {\"rule\": {\"family\": \"inet\", \"table\": \"t\""
	       ", \"chain\": \"in\", \"handle\": 4, \"expr\": [{\"match\": {\"op\": "
	       "\"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \""
	       "dport\"}}, \"right\": 22}}, {\"counter\": null}, {\"accept\": null}]"
	       "}}, {\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \""
	       "in\", \"handle\": 6, \"comment\": \"web\", \"expr\": [{\"match\": {\""
	       "op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", \"field"
	       "\": \"saddr\"}}, \"right\": {\"prefix\": {\"addr\": \"10.0.0.0\", \""
	       "len\": 8}}}}, {\"match\": {\"op\": \"==\", \"left\": {\"payload\": {"
	       "\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": {\"set\": "
	       "[80, 443]}}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"inet\""
	       ", \"table\": \"t\", \"chain\": \"in\", \"handle\": 7, \"expr\": [{\""
	       "match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"i"
	       "p\", \"field\": \"saddr\"}}, \"right\": \"@s\"}}, {\"drop\": null}]}"
	       "}, {\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \""
	       "in\", \"handle\": 8, \"expr\": [{\"match\": {\"op\": \"==\", \"left\""
	       ": {\"payload\": {\"protocol\": \"udp\", \"field\": \"dport\"}}, \"ri"
	       "ght\": {\"range\": [1000, 2000]}}}, {\"log\": {\"prefix\": \"x \", \""
	       "level\": \"info\"}}, {\"limit\": {\"rate\": 5, \"burst\": 5, \"per\""
	       ": \"second\"}}, {\"reject\": {\"type\": \"icmpx\", \"expr\": \"port-"
	       "unreachable\"}}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"t"
	       "\", \"chain\": \"in\", \"handle\": 9, \"expr\": [{\"match\": {\"op\""
	       ": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"es"
	       "tablished\", \"related\"]}}, {\"accept\": null}]}}, {\"rule\": {\"fa"
	       "mily\": \"inet\", \"table\": \"t\", \"chain\": \"in\", \"handle\": 1"
	       "0, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"k"
	       "ey\": \"iifname\"}}, \"right\": \"lo\"}}, {\"accept\": null}]}}, {\""
	       "rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"in\", "
	       "\"handle\": 11, \"expr\": [{\"mangle\": {\"key\": {\"meta\": {\"key\""
	       ": \"mark\"}}, \"value\": 1}}, {\"notrack\": null}]}}, {\"rule\": {\""
	       "family\": \"inet\", \"table\": \"t\", \"chain\": \"in\", \"handle\":"
	       " 12, \"expr\": [{\"jump\": {\"target\": \"c\"}}]}}]}\n";
static const char *const want_set =
	       "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_na"
	       "me\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"set\": {"
	       "\"family\": \"inet\", \"name\": \"s\", \"table\": \"t\", \"type\": \""
	       "ipv4_addr\", \"handle\": 3, \"flags\": [\"interval\"], \"elem\": [{\""
	       "prefix\": {\"addr\": \"10.0.0.0\", \"len\": 8}}, \"192.168.1.1\"]}}]"
	       "}\n";
static const char *const ruleset_src =
	       "table inet t {\n	set s { type ipv4_addr; flags interval; elements = "
	       "{ 10.0.0.0/8, 192.168.1.1 }; }\n	chain in { type filter hook input p"
	       "riority 0; policy drop;\n		tcp dport 22 counter accept\n		ip saddr 1"
	       "0.0.0.0/8 tcp dport { 80, 443 } accept comment \"web\"\n		ip saddr @"
	       "s drop\n		udp dport 1000-2000 log prefix \"x \" level info limit rat"
	       "e 5/second reject with icmpx port-unreachable\n		ct state establishe"
	       "d,related accept\n		iifname \"lo\" accept\n		meta mark set 0x1 notra"
	       "ck\n		jump c\n	}\n	chain c { return; }\n}\n";

/* maps, concatenations, element comments, numgen, fib, jhash, bitwise
 * operations, set updates, ct count and nat, as nft 1.0.6 lists this
 * ruleset with -j */
static const char *const maps_src =
	"table ip k {\n"
	"\tmap m { type ipv4_addr . inet_proto . inet_service : verdict; comment \"vm\"; elements = { 1.2.3.4 . tcp . 80 comment \"x\" : drop, 5.6.7.8 . udp . 53 : goto c }; }\n"
	"\tset aff { type ipv4_addr; flags dynamic,timeout; timeout 3h; }\n"
	"\tchain c { }\n"
	"\tchain n {\n"
	"\t\tip daddr . meta l4proto . th dport vmap @m\n"
	"\t\tnumgen random mod 2 vmap { 0 : goto c, 1 : jump c }\n"
	"\t\tfib saddr type local jump c\n"
	"\t\tmark and 0x4000 == 0 return\n"
	"\t\tmeta mark set meta mark or 0x4000\n"
	"\t\tupdate @aff { ip saddr }\n"
	"\t\tct count over 10 drop\n"
	"\t\tjhash ip saddr . ip daddr mod 2 seed 0xdead vmap { 0 : drop, 1 : accept }\n"
	"\t\tip saddr . tcp dport { 1.2.3.4 . 22 }\n"
	"\t\tmasquerade random,persistent\n"
	"\t\tmeta l4proto tcp dnat to 10.180.0.1:80\n"
	"\t\ttcp dport 1 snat to 1.2.3.4-1.2.3.8:80-90 fully-random\n"
	"\t\tredirect\n"
	"\t\tdnat ip to ip daddr . tcp dport map { 1.2.3.4 . 80 : 5.6.7.8 . 8080 }\n"
	"\t}\n"
	"}\n";
static const char *const want_maps_ruleset =
	       "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_"
	       "name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"tabl"
	       "e\": {\"family\": \"ip\", \"name\": \"k\", \"handle\": 1}}, {\"map"
	       "\": {\"family\": \"ip\", \"name\": \"m\", \"table\": \"k\", \"type"
	       "\": [\"ipv4_addr\", \"inet_proto\", \"inet_service\"], \"handle\":"
	       " 3, \"comment\": \"vm\", \"map\": \"verdict\", \"elem\": [[{\"conc"
	       "at\": [\"5.6.7.8\", \"udp\", 53]}, {\"goto\": {\"target\": \"c\"}}"
	       "], [{\"elem\": {\"val\": {\"concat\": [\"1.2.3.4\", \"tcp\", 80]},"
	       " \"comment\": \"x\"}}, {\"drop\": null}]]}}, {\"set\": {\"family\""
	       ": \"ip\", \"name\": \"aff\", \"table\": \"k\", \"type\": \"ipv4_ad"
	       "dr\", \"handle\": 4, \"size\": 65535, \"flags\": [\"timeout\"], \""
	       "timeout\": 10800}}, {\"chain\": {\"family\": \"ip\", \"table\": \""
	       "k\", \"name\": \"c\", \"handle\": 1}}, {\"chain\": {\"family\": \""
	       "ip\", \"table\": \"k\", \"name\": \"n\", \"handle\": 2}}, {\"rule\""
	       ": {\"family\": \"ip\", \"table\": \"k\", \"chain\": \"n\", \"handl"
	       "e\": 5, \"expr\": [{\"vmap\": {\"key\": {\"concat\": [{\"payload\""
	       ": {\"protocol\": \"ip\", \"field\": \"daddr\"}}, {\"meta\": {\"key"
	       "\": \"l4proto\"}}, {\"payload\": {\"protocol\": \"th\", \"field\":"
	       " \"dport\"}}]}, \"data\": \"@m\"}}]}}, {\"rule\": {\"family\": \"i"
	       "p\", \"table\": \"k\", \"chain\": \"n\", \"handle\": 7, \"expr\": "
	       "[{\"vmap\": {\"key\": {\"numgen\": {\"mode\": \"random\", \"mod\":"
	       " 2, \"offset\": 0}}, \"data\": {\"set\": [[0, {\"goto\": {\"target"
	       "\": \"c\"}}], [1, {\"jump\": {\"target\": \"c\"}}]]}}}]}}, {\"rule"
	       "\": {\"family\": \"ip\", \"table\": \"k\", \"chain\": \"n\", \"han"
	       "dle\": 8, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"fib"
	       "\": {\"result\": \"type\", \"flags\": [\"saddr\"]}}, \"right\": \""
	       "local\"}}, {\"jump\": {\"target\": \"c\"}}]}}, {\"rule\": {\"famil"
	       "y\": \"ip\", \"table\": \"k\", \"chain\": \"n\", \"handle\": 9, \""
	       "expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"&\": [{\"meta\""
	       ": {\"key\": \"mark\"}}, 16384]}, \"right\": 0}}, {\"return\": null"
	       "}]}}, {\"rule\": {\"family\": \"ip\", \"table\": \"k\", \"chain\":"
	       " \"n\", \"handle\": 10, \"expr\": [{\"mangle\": {\"key\": {\"meta\""
	       ": {\"key\": \"mark\"}}, \"value\": {\"|\": [{\"meta\": {\"key\": \""
	       "mark\"}}, 16384]}}}]}}, {\"rule\": {\"family\": \"ip\", \"table\":"
	       " \"k\", \"chain\": \"n\", \"handle\": 11, \"expr\": [{\"set\": {\""
	       "op\": \"update\", \"elem\": {\"payload\": {\"protocol\": \"ip\", \""
	       "field\": \"saddr\"}}, \"set\": \"@aff\"}}]}}, {\"rule\": {\"family"
	       "\": \"ip\", \"table\": \"k\", \"chain\": \"n\", \"handle\": 12, \""
	       "expr\": [{\"ct count\": {\"val\": 10, \"inv\": true}}, {\"drop\": "
	       "null}]}}, {\"rule\": {\"family\": \"ip\", \"table\": \"k\", \"chai"
	       "n\": \"n\", \"handle\": 14, \"expr\": [{\"vmap\": {\"key\": {\"jha"
	       "sh\": {\"mod\": 2, \"seed\": 57005, \"expr\": {\"concat\": [{\"pay"
	       "load\": {\"protocol\": \"ip\", \"field\": \"saddr\"}}, {\"payload\""
	       ": {\"protocol\": \"ip\", \"field\": \"daddr\"}}]}}}, \"data\": {\""
	       "set\": [[0, {\"drop\": null}], [1, {\"accept\": null}]]}}}]}}, {\""
	       "rule\": {\"family\": \"ip\", \"table\": \"k\", \"chain\": \"n\", \""
	       "handle\": 16, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\""
	       "concat\": [{\"payload\": {\"protocol\": \"ip\", \"field\": \"saddr"
	       "\"}}, {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}"
	       "]}, \"right\": {\"set\": [{\"concat\": [\"1.2.3.4\", 22]}]}}}]}}, "
	       "{\"rule\": {\"family\": \"ip\", \"table\": \"k\", \"chain\": \"n\""
	       ", \"handle\": 17, \"expr\": [{\"masquerade\": {\"flags\": [\"rando"
	       "m\", \"persistent\"]}}]}}, {\"rule\": {\"family\": \"ip\", \"table"
	       "\": \"k\", \"chain\": \"n\", \"handle\": 18, \"expr\": [{\"match\""
	       ": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"l4proto\"}}, \""
	       "right\": \"tcp\"}}, {\"dnat\": {\"addr\": \"10.180.0.1\", \"port\""
	       ": 80}}]}}, {\"rule\": {\"family\": \"ip\", \"table\": \"k\", \"cha"
	       "in\": \"n\", \"handle\": 19, \"expr\": [{\"match\": {\"op\": \"==\""
	       ", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dpo"
	       "rt\"}}, \"right\": 1}}, {\"snat\": {\"addr\": {\"range\": [\"1.2.3"
	       ".4\", \"1.2.3.8\"]}, \"port\": {\"range\": [80, 90]}, \"flags\": \""
	       "fully-random\"}}]}}, {\"rule\": {\"family\": \"ip\", \"table\": \""
	       "k\", \"chain\": \"n\", \"handle\": 20, \"expr\": [{\"redirect\": n"
	       "ull}]}}, {\"rule\": {\"family\": \"ip\", \"table\": \"k\", \"chain"
	       "\": \"n\", \"handle\": 22, \"expr\": [{\"dnat\": {\"family\": \"ip"
	       "\", \"addr\": {\"map\": {\"key\": {\"concat\": [{\"payload\": {\"p"
	       "rotocol\": \"ip\", \"field\": \"daddr\"}}, {\"payload\": {\"protoc"
	       "ol\": \"tcp\", \"field\": \"dport\"}}]}, \"data\": {\"set\": [[{\""
	       "concat\": [\"1.2.3.4\", 80]}, {\"concat\": [\"5.6.7.8\", 8080]}]]}"
	       "}}}}]}}]}\n";
static const char *const want_maps =
	       "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_"
	       "name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"map\""
	       ": {\"family\": \"ip\", \"name\": \"m\", \"table\": \"k\", \"type\""
	       ": [\"ipv4_addr\", \"inet_proto\", \"inet_service\"], \"handle\": 3"
	       ", \"comment\": \"vm\", \"map\": \"verdict\", \"elem\": [[{\"concat"
	       "\": [\"5.6.7.8\", \"udp\", 53]}, {\"goto\": {\"target\": \"c\"}}],"
	       " [{\"elem\": {\"val\": {\"concat\": [\"1.2.3.4\", \"tcp\", 80]}, \""
	       "comment\": \"x\"}}, {\"drop\": null}]]}}]}\n";
static const char *const want_sets_only =
	       "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_"
	       "name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"set\""
	       ": {\"family\": \"ip\", \"name\": \"aff\", \"table\": \"k\", \"type"
	       "\": \"ipv4_addr\", \"handle\": 4, \"size\": 65535, \"flags\": [\"t"
	       "imeout\"], \"timeout\": 10800}}]}\n";

static struct nft_ruleset *rs;
static struct qt_buf out, err;

static int run_json(const char *text, const char *file)
{
	struct nft_run_opts o = { .json = true, .file = file };
	bool changed;
	qt_buf_reset(&out);
	qt_buf_reset(&err);
	return nft_json_input_run(&rs, text, strlen(text), &o, &out, &err,
				  &changed);
}

static const char *tables_text(void)
{
	static struct qt_buf b;
	qt_buf_free(&b);
	qt_buf_init(&b);
	nft_json_tables(rs, -1, &b);
	return qt_buf_str(&b);
}

static const char *translated(const char *doc)
{
	static struct qt_buf b;
	qt_buf_free(&b);
	qt_buf_init(&b);
	qt_buf_reset(&err);
	if (nft_json_translate(doc, strlen(doc), "in.json", &b, &err) < 0)
		return NULL;
	return qt_buf_str(&b);
}

int main(void)
{
	qt_buf_init(&out);
	qt_buf_init(&err);
	rs = nft_ruleset_new();
	struct nft_run_opts o = { 0 };
	bool changed;
	is_int(nft_run(&rs, ruleset_src, strlen(ruleset_src), &o, &out, &err,
		       &changed), 0, "the ruleset loads");

	struct qt_buf b;
	qt_buf_init(&b);
	struct nft_print_opts po = { 0 };
	nft_json_ruleset(rs, -1, &po, &b);
	is_str(qt_buf_str(&b), want_ruleset, "list ruleset as nft -j lists it");
	qt_buf_reset(&b);
	struct nft_table *t = nft_table_find(rs, NFT_F_INET, "t");
	struct nft_print_opts stateless = { .stateless = true };
	nft_json_chain(t, nft_chain_find(t, "in"), &stateless, &b);
	is_str(qt_buf_str(&b), want_chain_s, "list chain -s: counters null");
	qt_buf_reset(&b);
	nft_json_set(t, nft_set_find(t, "s"), &b);
	is_str(qt_buf_str(&b), want_set, "list set");
	qt_buf_reset(&b);
	nft_json_ruleset(rs, NFT_F_IP, &po, &b);
	is_str(qt_buf_str(&b), "{\"nftables\": [{\"metainfo\": {\"version\": "
	       "\"1.0.6\", \"release_name\": \"Lester Gooch #5\", "
	       "\"json_schema_version\": 1}}]}\n", "another family: metainfo alone");

	/* nft 1.0.6 prints freed memory for a dormant table's flag: the
	 * flag as the schema has it */
	t->dormant = true;
	qt_buf_reset(&b);
	nft_json_tables(rs, -1, &b);
	is_str(qt_buf_str(&b), "{\"nftables\": [{\"metainfo\": {\"version\": "
	       "\"1.0.6\", \"release_name\": \"Lester Gooch #5\", "
	       "\"json_schema_version\": 1}}, {\"table\": {\"family\": \"inet\", "
	       "\"name\": \"t\", \"handle\": 1, \"flags\": \"dormant\"}}]}\n",
	       "a dormant table's flag");
	t->dormant = false;
	qt_buf_free(&b);

	struct nft_ruleset *mrs = nft_ruleset_new();
	is_int(nft_run(&mrs, maps_src, strlen(maps_src), &o, &out, &err,
		       &changed), 0, "a ruleset of maps and nat loads");
	qt_buf_init(&b);
	nft_json_ruleset(mrs, -1, &po, &b);
	is_str(qt_buf_str(&b), want_maps_ruleset,
	       "its maps, elements and statements as nft -j lists them");
	qt_buf_reset(&b);
	nft_json_maps(mrs, -1, &b);
	is_str(qt_buf_str(&b), want_maps, "list maps: the maps alone");
	qt_buf_reset(&b);
	nft_json_sets(mrs, -1, &b);
	is_str(qt_buf_str(&b), want_sets_only, "list sets: no map among them");
	qt_buf_free(&b);
	nft_ruleset_free(mrs);

	/* input */
	nft_ruleset_free(rs);
	rs = nft_ruleset_new();
	is_int(run_json("{\"nftables\": [{\"add\": {\"table\": {\"family\": "
			"\"ip\", \"name\": \"t\"}}}, {\"chain\": {\"family\": "
			"\"ip\", \"table\": \"t\", \"name\": \"c\", \"type\": "
			"\"filter\", \"hook\": \"input\", \"prio\": 0, "
			"\"policy\": \"drop\"}}, {\"add\": {\"rule\": {\"family\": "
			"\"ip\", \"table\": \"t\", \"chain\": \"c\", \"comment\": "
			"\"ssh\", \"expr\": [{\"match\": {\"op\": \"==\", "
			"\"left\": {\"payload\": {\"protocol\": \"tcp\", "
			"\"field\": \"dport\"}}, \"right\": {\"set\": [22, "
			"{\"range\": [1000, 2000]}]}}}, {\"accept\": null}]}}}]}",
			"/dev/stdin"), 0, "a document of commands is applied");
	is_str(qt_buf_str(&err), "", "without a message");
	qt_buf_init(&b);
	struct nft_print_opts ph = { .handles = true };
	nft_json_ruleset(rs, -1, &ph, &b);
	ok(strstr(qt_buf_str(&b), "{\"rule\": {\"family\": \"ip\", \"table\": "
		  "\"t\", \"chain\": \"c\", \"handle\": 3, \"comment\": \"ssh\", "
		  "\"expr\": [{\"match\": {\"op\": \"==\", \"left\": "
		  "{\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, "
		  "\"right\": {\"set\": [22, {\"range\": [1000, 2000]}]}}}, "
		  "{\"accept\": null}]}}") != NULL,
	   "and listed back as it was written");
	ok(strstr(qt_buf_str(&b), "\"type\": \"filter\", \"hook\": \"input\", "
		  "\"prio\": 0, \"policy\": \"drop\"") != NULL,
	   "a bare object is an add (nft's own listing reads back)");
	qt_buf_free(&b);

	const char *before = strdup(tables_text());
	is_int(run_json("{\"nftables\": [{\"add\": {\"table\": {\"family\": "
			"\"ip\", \"name\": \"a\"}}}, {\"add\": {\"rule\": "
			"{\"family\": \"ip\", \"table\": \"t\", \"chain\": \"c\", "
			"\"expr\": [{\"jump\": {\"target\": \"zz\"}}]}}}]}",
			"/dev/stdin"), 1, "a command that fails fails the document");
	is_str(qt_buf_str(&err), "internal:0:0-0: Error: Could not process "
	       "rule: No such file or directory\n\n",
	       "with nft's message for JSON input (no place)");
	is_str(tables_text(), before, "and nothing of it is applied");

	is_int(run_json("{\"nftables\": [{\"add\": {\"table\": {\"family\": "
			"\"ip\", \"name\": \"a\"}}}, {\"add\": {\"rule\": "
			"{\"family\": \"ip\", \"table\": \"t\", \"chain\": \"c\", "
			"\"expr\": [{\"bogus\": 1}]}}}]}", "/dev/stdin"), 1,
	       "an unknown statement fails the document");
	is_str(qt_buf_str(&err),
	       "internal:0:0-0: Error: Unknown statement object 'bogus'.\n\n"
	       "internal:0:0-0: Error: Parsing expr array at index 0 failed.\n\n"
	       "internal:0:0-0: Error: Parsing command array at index 1 failed.\n\n",
	       "each level of the document says where");
	is_str(tables_text(), before, "before anything is applied");
	free((void *)before);

	is_int(run_json("{\"nftables\": [{\"add\": {\"table\": {\"family\": "
			"\"ip\"}}}]}", "/tmp/in.json"), 1, "a missing key");
	is_str(qt_buf_str(&err),
	       "/tmp/in.json:1:4-4: Error: Object item not found: name\n"
	       "{\"nftables\": [{\"add\": {\"table\": {\"family\": \"ip\"}}}]}\n"
	       "   ^\n"
	       "internal:0:0-0: Error: Parsing command array at index 0 failed.\n\n",
	       "is reported at the column of nft's unpack format, on the "
	       "document's line");
	is_int(run_json("{}", "/dev/stdin"), 1, "no nftables key");
	is_str(qt_buf_str(&err), "/dev/stdin:1:4-4: Error: Object item not "
	       "found: nftables\n\n", "standard input is not read again");

	is_int(run_json("add table ip6 native\n", "/tmp/x"), 0,
	       "text that is no JSON is nft's language");
	ok(strstr(tables_text(), "\"ip6\", \"name\": \"native\"") != NULL,
	   "and is applied");
	is_int(run_json("list tables\n", "/tmp/x"), 0, "a listing in it");
	is_str(qt_buf_str(&out), tables_text(), "is printed as JSON");

	is_str(translated("{\"nftables\": [{\"insert\": {\"rule\": {\"family\": "
			  "\"inet\", \"table\": \"f\", \"chain\": \"c\", \"expr\": "
			  "[{\"match\": {\"op\": \"in\", \"left\": {\"ct\": "
			  "{\"key\": \"state\"}}, \"right\": [\"established\", "
			  "\"related\"]}}, {\"match\": {\"op\": \"!=\", \"left\": "
			  "{\"payload\": {\"protocol\": \"ip\", \"field\": "
			  "\"saddr\"}}, \"right\": {\"prefix\": {\"addr\": "
			  "\"10.0.0.0\", \"len\": 8}}}}, {\"limit\": {\"rate\": 1, "
			  "\"burst\": 0, \"per\": \"second\", \"rate_unit\": "
			  "\"mbytes\", \"inv\": true}}, {\"log\": {\"prefix\": "
			  "\"x y\", \"level\": \"info\"}}, {\"reject\": {\"type\": "
			  "\"icmpx\", \"expr\": \"no-route\"}}]}}}]}"),
	       "insert rule inet \"f\" \"c\" ct state established,related "
	       "ip saddr != 10.0.0.0/8 limit rate over 1 mbytes/second "
	       "log prefix \"x y\" level info reject with icmpx no-route\n",
	       "rule expressions spelled in nft's language");
	ok(translated("{\"nftables\": [{\"add\": {\"rule\": {\"family\": \"ip\", "
		      "\"table\": \"t\", \"chain\": \"c\", \"comment\": "
		      "\"a\\\"b\", \"expr\": []}}}]}") == NULL,
	   "a string nft's language cannot hold is refused");
	ok(strstr(qt_buf_str(&err), "holds a quote") != NULL, "saying why");

	ok(translated("{\"nftables\": [{\"add\": {\"rule\": {\"family\": \"ip\", "
		      "\"table\": \"t\", \"chain\": \"c\", \"expr\": [{\"meter\": "
		      "{\"name\": \"m\"}}]}}}]}") == NULL,
	   "a statement the model lacks is refused");
	ok(strstr(qt_buf_str(&err), "does not hold the 'meter' statement")
	   != NULL, "by name, not as an unknown one");
	is_str(translated("{\"nftables\": [{\"add\": {\"rule\": {\"family\": "
			  "\"ip\", \"table\": \"t\", \"chain\": \"c\", \"expr\": "
			  "[{\"dnat\": {\"addr\": {\"map\": {\"key\": {\"payload\": "
			  "{\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"data\": "
			  "\"@nm\"}}}}]}}}]}"),
	       "add rule ip \"t\" \"c\" dnat to ip saddr map @nm\n",
	       "a nat map by name");
	ok(translated("{\"nftables\": [{\"add\": {\"rule\": {\"family\": \"ip\", "
		      "\"table\": \"t\", \"chain\": \"c\", \"expr\": [{\"dnat\": "
		      "{\"addr\": {\"map\": {\"key\": {\"payload\": {\"protocol\": "
		      "\"ip\", \"field\": \"saddr\"}}}}}}]}}}]}") == NULL,
	   "a nat map without data is refused");
	ok(strstr(qt_buf_str(&err), "Object item not found: data") &&
	   strstr(qt_buf_str(&err), "Invalid nat addr."), "as nft says it");

	is_str(translated("{\"nftables\": [{\"map\": {\"family\": \"ip\", "
			  "\"name\": \"m\", \"table\": \"k\", \"type\": "
			  "[\"ipv4_addr\", \"inet_proto\", \"inet_service\"], "
			  "\"handle\": 3, \"comment\": \"vm\", \"map\": \"verdict\", "
			  "\"elem\": [[{\"elem\": {\"val\": {\"concat\": [\"1.2.3.4\", "
			  "\"tcp\", 80]}, \"timeout\": 30, \"expires\": 20, "
			  "\"comment\": \"x\"}}, {\"drop\": null}], [{\"concat\": "
			  "[\"5.6.7.8\", \"udp\", 53]}, {\"goto\": {\"target\": "
			  "\"c\"}}]]}}]}"),
	       "add map ip \"k\" \"m\" { type ipv4_addr . inet_proto . "
	       "inet_service : verdict; elements = { 1.2.3.4 . tcp . 80 timeout "
	       "30s comment \"x\" : drop, 5.6.7.8 . udp . 53 : goto \"c\" }; }\n",
	       "a verdict map of a concatenated key, its elements with what "
	       "they carry (not the kernel's countdown, nor the map's comment, "
	       "which nft does not read)");
	is_str(translated("{\"nftables\": [{\"rule\": {\"family\": \"ip\", "
			  "\"table\": \"k\", \"chain\": \"n\", \"expr\": ["
			  "{\"vmap\": {\"key\": {\"concat\": [{\"payload\": "
			  "{\"protocol\": \"ip\", \"field\": \"daddr\"}}, "
			  "{\"meta\": {\"key\": \"l4proto\"}}]}, \"data\": \"@m\"}}, "
			  "{\"match\": {\"op\": \"==\", \"left\": {\"&\": "
			  "[{\"meta\": {\"key\": \"mark\"}}, 16384]}, \"right\": 0}}, "
			  "{\"match\": {\"op\": \"==\", \"left\": {\"fib\": "
			  "{\"result\": \"oif\", \"flags\": [\"saddr\", \"iif\"]}}, "
			  "\"right\": false}}, "
			  "{\"mangle\": {\"key\": {\"meta\": {\"key\": \"mark\"}}, "
			  "\"value\": {\"|\": [{\"meta\": {\"key\": \"mark\"}}, "
			  "16384]}}}, "
			  "{\"set\": {\"op\": \"add\", \"elem\": {\"elem\": {\"val\": "
			  "{\"payload\": {\"protocol\": \"ip\", \"field\": "
			  "\"saddr\"}}, \"timeout\": 10}}, \"set\": \"@aff\"}}, "
			  "{\"ct count\": {\"val\": 10, \"inv\": true}}, "
			  "{\"vmap\": {\"key\": {\"jhash\": {\"mod\": 2, \"seed\": "
			  "57005, \"expr\": {\"payload\": {\"protocol\": \"ip\", "
			  "\"field\": \"saddr\"}}}}, \"data\": {\"set\": [[0, "
			  "{\"drop\": null}], [1, {\"accept\": null}]]}}}, "
			  "{\"vmap\": {\"key\": {\"numgen\": {\"mode\": \"random\", "
			  "\"mod\": 2, \"offset\": 0}}, \"data\": {\"set\": [[0, "
			  "{\"jump\": {\"target\": \"c\"}}]]}}}, "
			  "{\"snat\": {\"addr\": {\"range\": [\"1.2.3.4\", "
			  "\"1.2.3.8\"]}, \"port\": {\"range\": [80, 90]}, "
			  "\"flags\": [\"random\", \"persistent\"]}}, "
			  "{\"dnat\": {\"family\": \"ip\", \"addr\": {\"map\": "
			  "{\"key\": {\"payload\": {\"protocol\": \"ip\", "
			  "\"field\": \"daddr\"}}, \"data\": {\"set\": [[\"1.2.3.4\", "
			  "{\"concat\": [\"5.6.7.8\", 8080]}]]}}}}}, "
			  "{\"redirect\": null}]}}]}"),
	       "add rule ip \"k\" \"n\" ip daddr . meta l4proto vmap @m "
	       "meta mark & 16384 == 0 fib saddr . iif oif missing "
	       "meta mark set meta mark | 16384 add @aff { ip saddr timeout 10s } "
	       "ct count over 10 jhash ip saddr mod 2 seed 0xdead vmap "
	       "{ 0 : drop, 1 : accept } numgen random mod 2 vmap "
	       "{ 0 : jump \"c\" } snat to 1.2.3.4-1.2.3.8:80-90 random,persistent "
	       "dnat ip to ip daddr map { 1.2.3.4 : 5.6.7.8 . 8080 } redirect\n",
	       "concatenations, bitwise operations, fib, set updates, ct "
	       "count, jhash, numgen, vmap and nat in nft's language");
	ok(translated("{\"nftables\": [{\"add\": {\"rule\": {\"family\": \"ip\", "
		      "\"table\": \"t\", \"chain\": \"c\", \"expr\": [{\"accept\": "
		      "null, \"drop\": null}]}}}]}") == NULL,
	   "a statement of two keys is refused");
	is_str(qt_buf_str(&err), "internal:0:0-0: Error: Malformed object (too "
	       "many properties): '{\"accept\": null, \"drop\": null}'.\n\n"
	       "internal:0:0-0: Error: Parsing expr array at index 0 failed.\n\n"
	       "internal:0:0-0: Error: Parsing command array at index 0 failed.\n\n",
	       "showing it as jansson dumps it");

	nft_ruleset_free(rs);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return done_testing();
}
