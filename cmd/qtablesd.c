/* qtablesd: argument handling only; the daemon lives in engine/. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../engine/daemon.h"
#include "../engine/state_file.h"
#include "../parser/ctx.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qtablesd [--daemon] [--state FILE | --no-state] [--pidfile FILE]\n"
		"                [--timing]\n"
		"  --daemon       fork into the background once listening\n"
		"  --state FILE   where the committed ruleset is kept\n"
		"                 (default /var/lib/qtables/rules.v4, per namespace)\n"
		"  --no-state     keep nothing on disk\n"
		"  --pidfile FILE write the daemon's PID here\n"
		"  --timing       print how long each request took to stderr\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "state", required_argument, NULL, 's' },
		{ "no-state", no_argument, NULL, 'S' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "timing", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct qt_daemon_opts o = { .state_path = qt_state_default_path() };
	int c;
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.background = true; break;
		case 's': o.state_path = optarg; break;
		case 'S': o.state_path = NULL; break;
		case 'p': o.pidfile = optarg; break;
		case 't': o.timing = true; break;
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
