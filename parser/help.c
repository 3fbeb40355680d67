/* iptables -h: the text tools and people expect, as data. "%1$s" is the
 * program name. */
#include "command.h"

#include <netinet/in.h>

static const char help_text[] =
	"\n"
	"Usage: %1$s -[ACD] chain rule-specification [options]\n"
	"       %1$s -I chain [rulenum] rule-specification [options]\n"
	"       %1$s -R chain rulenum rule-specification [options]\n"
	"       %1$s -D chain rulenum [options]\n"
	"       %1$s -[LS] [chain [rulenum]] [options]\n"
	"       %1$s -[FZ] [chain] [options]\n"
	"       %1$s -[NX] chain\n"
	"       %1$s -E old-chain-name new-chain-name\n"
	"       %1$s -P chain target [options]\n"
	"       %1$s -h (print this help information)\n"
	"\n"
	"Commands:\n"
	"Either long or short options are allowed.\n"
	"  --append  -A chain		Append to chain\n"
	"  --check   -C chain		Check for the existence of a rule\n"
	"  --delete  -D chain		Delete matching rule from chain\n"
	"  --delete  -D chain rulenum\n"
	"				Delete rule rulenum (1 = first) from chain\n"
	"  --insert  -I chain [rulenum]\n"
	"				Insert in chain as rulenum (default 1=first)\n"
	"  --replace -R chain rulenum\n"
	"				Replace rule rulenum (1 = first) in chain\n"
	"  --list    -L [chain [rulenum]]\n"
	"				List the rules in a chain or all chains\n"
	"  --list-rules -S [chain [rulenum]]\n"
	"				Print the rules in a chain or all chains\n"
	"  --flush   -F [chain]		Delete all rules in  chain or all chains\n"
	"  --zero    -Z [chain [rulenum]]\n"
	"				Zero counters in chain or all chains\n"
	"  --new     -N chain		Create a new user-defined chain\n"
	"  --delete-chain\n"
	"            -X [chain]		Delete a user-defined chain\n"
	"  --policy  -P chain target\n"
	"				Change policy on chain to target\n"
	"  --rename-chain\n"
	"            -E old-chain new-chain\n"
	"				Change chain name, (moving any references)\n"
	"\n"
	"Options:\n"
	"%2$s"
	"[!] --protocol	-p proto	protocol: by number or name, eg. `tcp'\n"
	"[!] --source	-s address[/mask][...]\n"
	"				source specification\n"
	"[!] --destination -d address[/mask][...]\n"
	"				destination specification\n"
	"[!] --in-interface -i input name[+]\n"
	"				network interface name ([+] for wildcard)\n"
	" --jump	-j target\n"
	"				target for rule (may load target extension)\n"
	"  --goto      -g chain\n"
	"			       jump to chain with no return\n"
	"  --match	-m match\n"
	"				extended match (may load extension)\n"
	"  --numeric	-n		numeric output of addresses and ports\n"
	"[!] --out-interface -o output name[+]\n"
	"				network interface name ([+] for wildcard)\n"
	"  --table	-t table	table to manipulate (default: `filter')\n"
	"  --verbose	-v		verbose mode\n"
	"  --wait	-w [seconds]	maximum wait to acquire xtables lock before give up\n"
	"  --line-numbers		print line numbers when listing\n"
	"  --exact	-x		expand numbers (display exact values)\n"
	"%3$s"
	"  --modprobe=<command>		try to insert modules using this command\n"
	"  --set-counters -c PKTS BYTES	set the counter during insert/append\n"
	"[!] --version	-V		print package version.\n";

/* What differs between iptables' and ip6tables' texts. */
static const char family4_v4[] =
	"    --ipv4	-4		Nothing (line is ignored by ip6tables-restore)\n"
	"    --ipv6	-6		Error (line is ignored by %s-restore)\n";
static const char family4_v6[] =
	"    --ipv4	-4		Error (line is ignored by ip6tables-restore)\n"
	"    --ipv6	-6		Nothing (line is ignored by iptables-restore)\n";
static const char fragment_v4[] =
	"[!] --fragment	-f		match second or further fragments only\n";

void qt_command_help(struct qt_buf *b, const char *prog, uint8_t family)
{
	bool v6 = family == AF_INET6;
	qt_buf_printf(b, "%s v%s (%s)\n", prog, QT_IPTABLES_VERSION, QT_BACKEND);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	struct qt_buf fam;
	qt_buf_init(&fam);
	if (v6)
		qt_buf_puts(&fam, family4_v6);
	else
		qt_buf_printf(&fam, family4_v4, prog);
	qt_buf_printf(b, help_text, prog, qt_buf_str(&fam),
		      v6 ? "" : fragment_v4);
	qt_buf_free(&fam);
#pragma GCC diagnostic pop
}
