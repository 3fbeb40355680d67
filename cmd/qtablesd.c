/* qtablesd: argument handling only; the daemon lives in engine/. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "handover.h"
#include "state_file.h"
#include "ctx.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qtablesd [--daemon] [--state FILE | --no-state]\n"
		"                [--state-recover FILE] [--pidfile FILE]\n"
		"                [--timing] [--queues N[-M]] [--fail-open]\n"
		"                [--l2-queues N|off] [--log-stderr] [--no-syslog]\n"
		"                [--no-datapath] [--no-nat-offload]\n"
		"                [--handover] [--handover-wait SECONDS]\n"
		"  --daemon       fork into the background once listening\n"
		"  --state FILE   where the committed ruleset is kept\n"
		"                 (default /var/lib/qtables/rules.v4, per namespace)\n"
		"  --no-state     keep nothing on disk\n"
		"  --state-recover FILE  when the state file is missing, unreadable,\n"
		"                 cut short or damaged, start from FILE instead (a\n"
		"                 state file, or iptables-save output) and write it\n"
		"                 to the state file; without it qtablesd refuses to\n"
		"                 start from such a file\n"
		"  --pidfile FILE write the daemon's PID here\n"
		"  --timing       print how long each request took to stderr\n"
		"  --queues N[-M] NFQUEUE numbers, one thread each; several are\n"
		"                 steered with --queue-balance N:M (default 0)\n"
		"  --queue-balance N:M  the same as --queues N-M\n"
		"  --fail-open    let packets pass while no daemon listens or the\n"
		"                 queue is full (default: they are dropped)\n"
		"  --l2-queues N|off  queues that tell broadcast and multicast\n"
		"                 frames apart, for -m pkttype, LOG and REJECT:\n"
		"                 twice as many as --queues, from N (default:\n"
		"                 the last ones, 65534-65535 for one queue); off:\n"
		"                 derive the frame's type from the IP destination\n"
		"  --log-stderr   write -j LOG lines to stderr too\n"
		"  --no-syslog    do not write -j LOG lines to the system log\n"
		"                 (journal, else syslog, else /dev/kmsg)\n"
		"  --no-datapath  judge no packets: the rules are only kept\n"
		"  --no-nat-offload  rewrite every translated packet here and\n"
		"                 hand it back whole (default: the kernel rewrites\n"
		"                 the packets of bound TCP and UDP connections\n"
		"                 from maps qtablesd fills, table ip/ip6\n"
		"                 qtables_nat)\n"
		"  --ct-max N     connections tracked at most (default: the\n"
		"                 kernel's nf_conntrack_max)\n"
		"  --ct NAME=VALUE  a connection tracking setting by its sysctl\n"
		"                 name, e.g. tcp_timeout_established=3600,\n"
		"                 udp_timeout=10, tcp_loose=0, tcp_be_liberal=1\n"
		"  --handover     take the queues, connections and counters over\n"
		"                 from the qtablesd running in this namespace,\n"
		"                 which then exits leaving the steering in place\n"
		"  --handover-wait SECONDS  after SIGTERM, keep the queues bound\n"
		"                 and the steering in place this long for the next\n"
		"                 qtablesd (a restart), then remove the steering\n"
		"                 (default %u; 0: remove it at once)\n",
		QT_HANDOVER_WAIT_DEFAULT);
}

/* "N", "N-M" or "N:M" into a queue range; false when malformed. */
static bool parse_queues(const char *s, struct qt_engine_opts *e)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b = a;
	if (end == s || a > 65535)
		return false;
	if (*end == '-' || *end == ':') {
		const char *t = end + 1;
		b = strtoul(t, &end, 10);
		if (end == t || b > 65535 || b < a)
			return false;
	}
	if (*end)
		return false;
	e->queue_first = (uint16_t)a;
	e->queue_last = (uint16_t)b;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "state", required_argument, NULL, 's' },
		{ "no-state", no_argument, NULL, 'S' },
		{ "state-recover", required_argument, NULL, 'R' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "timing", no_argument, NULL, 't' },
		{ "queues", required_argument, NULL, 'q' },
		{ "queue-balance", required_argument, NULL, 'q' },
		{ "fail-open", no_argument, NULL, 'o' },
		{ "l2-queues", required_argument, NULL, '2' },
		{ "log-stderr", no_argument, NULL, 'l' },
		{ "no-syslog", no_argument, NULL, 'L' },
		{ "no-datapath", no_argument, NULL, 'D' },
		{ "no-nat-offload", no_argument, NULL, 'N' },
		{ "ct-max", required_argument, NULL, 'M' },
		{ "ct", required_argument, NULL, 'C' },
		{ "handover", no_argument, NULL, 'H' },
		{ "handover-wait", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct qt_daemon_opts o = {
		.state_path = qt_state_default_path(),
		.datapath = true,
		.engine = { .steer = true, .log_syslog = true },
		.handover_wait = QT_HANDOVER_WAIT_DEFAULT,
	};
	qt_ct_config_default(&o.engine.ct);
	int c;
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.background = true; break;
		case 's': o.state_path = optarg; break;
		case 'S': o.state_path = NULL; break;
		case 'R': o.state_recover = optarg; break;
		case 'p': o.pidfile = optarg; break;
		case 't': o.timing = true; break;
		case 'q':
			if (!parse_queues(optarg, &o.engine)) {
				fprintf(stderr, "qtablesd: bad queue numbers "
					"\"%s\" (N or N-M, 0..65535)\n", optarg);
				return 2;
			}
			break;
		case 'o': o.engine.fail_open = true; break;
		case 'N': o.engine.nat_offload_off = true; break;
		case '2': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (!strcmp(optarg, "off")) {
				o.engine.l2_off = true;
			} else if (end != optarg && !*end && n <= 65535) {
				o.engine.l2_set = true;
				o.engine.l2_first = (uint16_t)n;
			} else {
				fprintf(stderr, "qtablesd: bad --l2-queues \"%s\" "
					"(a queue number or off)\n", optarg);
				return 2;
			}
			break;
		}
		case 'l': o.engine.log_stderr = true; break;
		case 'L': o.engine.log_syslog = false; break;
		case 'D': o.datapath = false; break;
		case 'M': {
			char kv[64];
			snprintf(kv, sizeof(kv), "max=%s", optarg);
			if (qt_ct_config_set(&o.engine.ct, kv) < 0) {
				fprintf(stderr, "qtablesd: bad --ct-max \"%s\"\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'C':
			if (qt_ct_config_set(&o.engine.ct, optarg) < 0) {
				fprintf(stderr, "qtablesd: bad --ct setting \"%s\" "
					"(NAME=VALUE with a conntrack sysctl "
					"name)\n", optarg);
				return 2;
			}
			break;
		case 'H': o.handover = true; break;
		case 'W': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (end == optarg || *end || n > 86400) {
				fprintf(stderr, "qtablesd: bad --handover-wait "
					"\"%s\" (seconds, 0..86400)\n", optarg);
				return 2;
			}
			o.handover_wait = (unsigned)n;
			break;
		}
		case 'V':
			printf("qtablesd v%s (%s)\n", QT_IPTABLES_VERSION, QT_BACKEND);
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return qt_daemon_run(&o);
}
