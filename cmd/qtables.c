/* qtables, qtables-save, qtables-restore (and their iptables names):
 * one program chosen by argv[0]. It turns its arguments into a request,
 * lets qtablesd do the work, and prints the reply. Only
 * `qtables-restore --test` works without the daemon. */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "peer_auth.h"
#include "ctx.h"
#include "completion_words.h"
#include "graph.h"
#include "kernel_fallback.h"
#include "request.h"
#include "ipset.h"
#include "json.h"
#include "restore.h"
#include "set_store.h"

/* Sends req; the reply's standard output goes to captured when it is
 * not NULL, else to stdout; its standard error to stderr. */
static int ask_daemon(const char *prog, const struct qt_buf *req,
		      struct qt_buf *captured)
{
	struct qt_buf rep;
	qt_buf_init(&rep);
	if (qt_control_call(qt_buf_str(req), req->len, &rep) < 0) {
		fprintf(stderr,
			"%s v%s (%s): cannot reach qtablesd in this network "
			"namespace (@%s): %s\n", prog, QT_IPTABLES_VERSION,
			QT_BACKEND, qt_control_name(), strerror(errno));
		qt_buf_free(&rep);
		return 1;
	}
	int status;
	const char *out, *err;
	size_t olen, elen;
	if (qt_reply_decode(qt_buf_str(&rep), rep.len, &status, &out, &olen,
			    &err, &elen) < 0) {
		fprintf(stderr, "%s: malformed reply from qtablesd\n", prog);
		qt_buf_free(&rep);
		return 1;
	}
	if (captured) {
		qt_buf_put(captured, out, olen);
	} else {
		fwrite(out, 1, olen, stdout);
		fflush(stdout);
	}
	fwrite(err, 1, elen, stderr);
	qt_buf_free(&rep);
	return status;
}

static int call_daemon(const char *prog, const struct qt_buf *req)
{
	return ask_daemon(prog, req, NULL);
}

/* iptables asks the kernel for the ruleset's generation before it reads
 * or changes anything; without CAP_NET_ADMIN over this network namespace
 * the kernel refuses that. The daemon makes the same check on its side
 * (ipc/peer_auth.h): this one only gives iptables' own message. */
static bool refused_by_kernel(void)
{
	int nl = qt_peer_proof_open();
	if (nl < 0)
		return false;   /* the daemon decides */
	int r = qt_peer_proof_capable(nl);
	close(nl);
	return r == 0;
}

static int permission_denied(const char *prog)
{
	fprintf(stderr, "%s v%s (%s): Could not fetch rule set generation id: "
		"Permission denied (you must be root)\n", prog,
		QT_IPTABLES_VERSION, QT_BACKEND);
	return QT_RESOURCE_PROBLEM;
}

/* Runs req as far as it goes without the daemon (parsing, help,
 * version). True when that was the whole answer: printed, *status set.
 * With show_out its standard output is printed in any case (what
 * restore --test -v prints of the comments it reads). */
static bool answer_offline(const struct qt_buf *req, int *status,
			   bool show_out)
{
	struct qt_buf out, err;
	bool answered;
	qt_buf_init(&out);
	qt_buf_init(&err);
	*status = qt_request_offline(qt_buf_str(req), req->len, &out, &err,
				     &answered);
	if (answered || show_out) {
		fwrite(qt_buf_str(&out), 1, out.len, stdout);
		fflush(stdout);
	}
	if (answered)
		fwrite(qt_buf_str(&err), 1, err.len, stderr);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return answered;
}

/* The line of the first COMMIT, 0 when there is none. */
static unsigned first_commit_line(const char *s, size_t len)
{
	unsigned line = 1;
	for (size_t i = 0; i < len; line++) {
		size_t e = i;
		while (e < len && s[e] != '\n')
			e++;
		size_t a = i, b = e;
		while (a < b && (s[a] == ' ' || s[a] == '\t'))
			a++;
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' ||
				 s[b - 1] == '\r'))
			b--;
		if (b - a == 6 && !memcmp(s + a, "COMMIT", 6))
			return line;
		i = e + 1;
	}
	return 0;
}

static int read_input(const char *path, struct qt_buf *b, const char *prog)
{
	FILE *f = path ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "%s: Can't open %s: %s\n", prog, path,
			strerror(errno));
		return -1;
	}
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > QT_IPC_MAX) {
			fprintf(stderr, "%s: input larger than 64 MiB\n", prog);
			if (f != stdin)
				fclose(f);
			return -1;
		}
		qt_buf_put(b, chunk, n);
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

/* The options of qtables-restore and qtables-save (getopt_long's tables;
 * --completion-words lists them too). */
static const char restore_letters[] = "bcvVthnM:T:wW46";
static const struct option restore_opts[] = {
	{ "counters", no_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "test", no_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "noflush", no_argument, NULL, 'n' },
	{ "modprobe", required_argument, NULL, 'M' },
	{ "table", required_argument, NULL, 'T' },
	{ "wait", optional_argument, NULL, 'w' },
	{ "wait-interval", optional_argument, NULL, 'W' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ NULL, 0, NULL, 0 },
};

static const char save_letters[] = "bcdt:M:f:V46";
static const struct option save_opts[] = {
	{ "counters", no_argument, NULL, 'c' },
	{ "dump", no_argument, NULL, 'd' },
	{ "table", required_argument, NULL, 't' },
	{ "modprobe", required_argument, NULL, 'M' },
	{ "file", required_argument, NULL, 'f' },
	{ "version", no_argument, NULL, 'V' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ NULL, 0, NULL, 0 },
};

static int restore_main(const char *prog, int argc, char **argv)
{
	/* under the qtables name also --explain (qtables' own: errors
	 * that point) */
	size_t n = sizeof(restore_opts) / sizeof(restore_opts[0]) - 1;
	struct option opts[sizeof(restore_opts) / sizeof(restore_opts[0]) + 1];
	memcpy(opts, restore_opts, sizeof(restore_opts));
	if (!strcmp(prog, "qtables-restore"))
		opts[n++] = (struct option){ "explain", no_argument, NULL, 'e' };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	bool counters = false, test = false, noflush = false, explain = false;
	unsigned verbose = 0;
	const char *table = NULL;
	int c;
	while ((c = getopt_long(argc, argv, restore_letters, opts, NULL)) != -1) {
		switch (c) {
		case 'e': explain = true; break;
		case 'c': counters = true; break;
		case 't': test = true; break;
		case 'n': noflush = true; break;
		case 'v': verbose++; break;
		case 'T': table = optarg; break;
		case 'w': case 'W':
			/* as iptables-nft-restore: the lock wait takes its
			 * value as the next word (kube-proxy's "-w 5 -W
			 * 100000"), never glued to the letter, and ignores it */
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optind++;
			break;
		case 'b': case 'M':
			break;
		case '4': case '6':
			/* ip6tables-nft-restore 1.8.9 knows neither (its
			 * getopt string lacks them); iptables-restore keeps
			 * taking -4 as it always did here */
			if (c == '6' || qt_ipc_prog_family(prog) == AF_INET6) {
				fprintf(stderr, "%s: invalid option -- '%c'\n"
					"Try `%s -h' for more information.\n",
					prog, c, prog);
				return 1;
			}
			break;
		case 'V':
			printf("%s v%s (%s)\n", prog, QT_IPTABLES_VERSION, QT_BACKEND);
			return 0;
		case 'h':
			printf("Usage: %s [-c] [-v] [-V] [-t] [-h] [-n] [-T table] "
			       "[-M command] [-4] [-6] [file]\n"
			       "\t   [ --counters ]\n\t   [ --verbose ]\n"
			       "\t   [ --version]\n\t   [ --test ]\n"
			       "\t   [ --help ]\n\t   [ --noflush ]\n"
			       "\t   [ --table=<TABLE> ]\n"
			       "\t   [ --modprobe=<command> ]\n"
			       "\t   [ --ipv4 ]\n\t   [ --ipv6 ]\n", prog);
			return 0;
		default:
			fprintf(stderr, "Try `%s -h' for more information.\n", prog);
			return 1;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "Unknown arguments found on commandline\n");
		return 1;
	}
	struct qt_buf input, req;
	qt_buf_init(&input);
	qt_buf_init(&req);
	const char *file = optind < argc ? argv[optind] : NULL;
	if (explain && file && !strcmp(file, "-"))
		file = NULL;   /* the usual name of standard input */
	if (read_input(file, &input, prog) < 0)
		return 1;
	qt_ipc_restore(&req, prog, noflush, counters, test, verbose, table,
		       explain ? (file ? file : "<stdin>") : NULL,
		       qt_buf_str(&input), input.len);
	int status;
	bool refused = refused_by_kernel();
	if (test || refused) {
		/* --test needs no daemon: check against an empty ruleset, as
		 * a boot script may run it before qtablesd starts; a file
		 * that does not parse is refused so whatever the user */
		if (answer_offline(&req, &status, test))
			goto out;
	}
	if (refused) {
		/* as iptables-nft-restore: a file that parses fails where
		 * the kernel is first asked, at the first COMMIT with
		 * --test, at the start without */
		unsigned commit = first_commit_line(qt_buf_str(&input),
						    input.len);
		if (!commit) {
			status = 0;
		} else if (test) {
			fprintf(stderr, "%s: line %u failed: Permission denied "
				"(you must be root).\n", prog, commit);
			status = QT_OTHER_PROBLEM;
		} else {
			status = permission_denied(prog);
		}
	} else if (test) {
		status = 0;
	} else {
		status = call_daemon(prog, &req);
	}
out:
	qt_buf_free(&input);
	qt_buf_free(&req);
	return status;
}

static int save_main(const char *prog, int argc, char **argv)
{
	bool counters = false;
	const char *table = NULL, *file = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, save_letters, save_opts,
				NULL)) != -1) {
		switch (c) {
		case 'c': counters = true; break;
		case 't': table = optarg; break;
		case 'f': file = optarg; break;
		case 'b': case 'd': case 'M': break;
		case '4': case '6':
			if (c == '6' || qt_ipc_prog_family(prog) == AF_INET6) {
				optopt = c;
				goto invalid;
			}
			break;
		case 'V':
			printf("%s v%s (%s)\n", prog, QT_IPTABLES_VERSION, QT_BACKEND);
			return 0;
		default:
		invalid:
			fprintf(stderr, "%s: invalid option -- '%c'\n"
				"Look at manual page `%s.8' for more information.\n",
				prog, optopt ? optopt : '?',
				qt_ipc_prog_family(prog) == AF_INET6
				? "ip6tables-save" : "iptables-save");
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "Unknown arguments found on commandline\n");
		return 1;
	}
	if (file && !freopen(file, "w", stdout)) {
		fprintf(stderr, "Failed to redirect output to file: %s\n",
			strerror(errno));
		return 1;
	}
	struct qt_buf req;
	qt_buf_init(&req);
	qt_ipc_save(&req, prog, counters, table);
	int status = refused_by_kernel() ? permission_denied(prog)
					 : call_daemon(prog, &req);
	qt_buf_free(&req);
	return status;
}

static int graph_usage(const char *prog, const char *why)
{
	fprintf(stderr, "%s: --graph: %s (usage: %s -L --graph [-t TABLE])\n",
		prog, why, prog);
	return QT_PARAMETER_PROBLEM;
}

/* `qtables -L --graph [-t TABLE]`: the table as the daemon saves it,
 * read back into the model here and printed as dot (cmd/graph.h). Only
 * -L, the table and -n (dot has no names to resolve) go with it. */
static int graph_main(const char *prog, int argc, char **argv)
{
	const char *table = "filter";
	bool list = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--graph") || !strcmp(a, "-n") ||
		    !strcmp(a, "--numeric"))
			continue;
		if (!strcmp(a, "-L") || !strcmp(a, "--list")) {
			list = true;
		} else if (!strcmp(a, "-t") || !strcmp(a, "--table")) {
			if (++i == argc)
				return graph_usage(prog, "-t needs a table name");
			table = argv[i];
		} else if (!strncmp(a, "--table=", 8)) {
			table = a + 8;
		} else if (!strncmp(a, "-t", 2)) {
			table = a + 2;
		} else {
			char why[192];
			snprintf(why, sizeof(why), "`%.64s' does not go with it%s",
				 a, a[0] != '-' ?
				 " (the whole table is drawn, not one chain)" : "");
			return graph_usage(prog, why);
		}
	}
	if (!list)
		return graph_usage(prog, "it is an option of -L");
	int id = qt_table_lookup(table);
	if (id < 0) {
		char why[128];
		snprintf(why, sizeof(why), "no table named `%.64s'", table);
		return graph_usage(prog, why);
	}
	if (refused_by_kernel())
		return permission_denied(prog);
	struct qt_buf req, saved, out, err;
	qt_buf_init(&req);
	qt_buf_init(&saved);
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_ipc_save(&req, prog, false, table);
	int status = ask_daemon(prog, &req, &saved);
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	if (status == 0 && rs) {
		/* what the daemon saved reads back as itself */
		struct qt_ctx ctx;
		struct qt_restore_opts o = { .only_table = table };
		bool changed;
		qt_ctx_init(&ctx, prog, &out, &err);
		status = qt_restore_run(&rs, qt_buf_str(&saved), saved.len, &o,
					NULL, &ctx, &changed);
		fwrite(qt_buf_str(&err), 1, err.len, stderr);
	} else if (!rs) {
		fprintf(stderr, "%s: out of memory\n", prog);
		status = QT_RESOURCE_PROBLEM;
	}
	if (status == 0) {
		qt_buf_free(&out);
		qt_buf_init(&out);
		qt_graph_dot(&out, qt_ruleset_table_view(rs, (enum qt_table_id)id));
		fwrite(qt_buf_str(&out), 1, out.len, stdout);
	}
	qt_ruleset_free(rs);
	qt_buf_free(&req);
	qt_buf_free(&saved);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return status;
}

static bool has_word(int argc, char **argv, const char *word)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], word))
			return true;
	return false;
}

static int command_main(const char *prog, int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-V") ||
			  !strcmp(argv[1], "--version"))) {
		/* answered here: a version check must work without a daemon */
		printf("%s v%s (%s)\n", prog, QT_IPTABLES_VERSION, QT_BACKEND);
		return 0;
	}
	struct qt_buf req;
	qt_buf_init(&req);
	/* qtables' own: errors that point, at the words of the command */
	bool explain = !strcmp(prog, "qtables") && argc >= 2 &&
		       !strcmp(argv[1], "--explain");
	if (explain) {
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	if (!strcmp(prog, "qtables") && argc >= 2 &&
	    !strcmp(argv[1], "--stats")) {
		/* qtables' own: the datapath's counters (not an iptables
		 * option, so only under the qtables name); -o json or
		 * prometheus for machines */
		const char *fmt = "text";
		if (argc == 4 && (!strcmp(argv[2], "-o") ||
				  !strcmp(argv[2], "--output")))
			fmt = argv[3];
		else if (argc != 2)
			fmt = "";
		if (!qt_ipc_stats_format_known(fmt)) {
			fprintf(stderr, "%s: --stats [-o text|json|prometheus]\n",
				prog);
			qt_buf_free(&req);
			return 2;
		}
		qt_ipc_stats(&req, prog, fmt);
		int status = refused_by_kernel() ? permission_denied(prog)
						 : call_daemon(prog, &req);
		qt_buf_free(&req);
		return status;
	}
	if (!strcmp(prog, "qtables") && has_word(argc, argv, "--graph")) {
		/* qtables' own, as --stats */
		qt_buf_free(&req);
		return graph_main(prog, argc, argv);
	}
	if (!strcmp(prog, "qtables") && (argc == 2 || argc == 3) &&
	    !strcmp(argv[1], "--recent")) {
		/* qtables' own: /proc/net/xt_recent/NAME of the daemon's
		 * -m recent lists. Edits ("+addr", "-addr", "/") come on
		 * stdin when it is not a terminal; no input shows the list;
		 * no NAME lists the names */
		if (qt_ipc_recent(&req, prog, argc == 3 ? argv[2] : NULL) < 0 ||
		    (argc == 3 && !isatty(STDIN_FILENO) &&
		     read_input(NULL, &req, prog) < 0)) {
			qt_buf_free(&req);
			return 2;
		}
		int status = refused_by_kernel() ? permission_denied(prog)
						 : call_daemon(prog, &req);
		qt_buf_free(&req);
		return status;
	}
	if (qt_ipc_command(&req, prog, explain, argc - 1, argv + 1) < 0) {
		fprintf(stderr, "%s v%s (%s): an argument contains a newline, "
			"which qtables cannot carry\n", prog, QT_IPTABLES_VERSION,
			QT_BACKEND);
		qt_buf_free(&req);
		return 2;
	}
	int status;
	if (!answer_offline(&req, &status, false))
		status = refused_by_kernel() ? permission_denied(prog)
					     : call_daemon(prog, &req);
	qt_buf_free(&req);
	return status;
}

/* qtables-conntrack: conntrack(8)'s command line, carried to the daemon,
 * which runs it on the engine's connection tables (daemon/ct_view.c). */
static int conntrack_main(const char *prog, int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-V") ||
			  !strcmp(argv[1], "--version"))) {
		printf("%s v%s (%s)\n", prog, QT_CONNTRACK_VERSION, QT_BACKEND);
		return 0;
	}
	struct qt_buf req;
	qt_buf_init(&req);
	if (qt_ipc_conntrack(&req, prog, argc - 1, argv + 1) < 0) {
		fprintf(stderr, "%s v%s (%s): an argument contains a newline, "
			"which qtables cannot carry\n", prog,
			QT_CONNTRACK_VERSION, QT_BACKEND);
		qt_buf_free(&req);
		return 2;
	}
	int status;
	if (refused_by_kernel()) {
		/* conntrack(8)'s words for the same refusal */
		fprintf(stderr, "%s v%s (%s): Operation failed: sorry, you must "
			"be root or get CAP_NET_ADMIN capability to do this\n",
			prog, QT_CONNTRACK_VERSION, QT_BACKEND);
		status = QT_OTHER_PROBLEM;
	} else {
		status = call_daemon(prog, &req);
	}
	qt_buf_free(&req);
	return status;
}

/* nfacct: nfacct(8)'s commands on qtablesd's accounting objects. The
 * words are checked here as nfacct 1.0.2 checks them, before it asks
 * the kernel; the daemon does the rest (daemon/acct_view.c). */
#define NFACCT "nfacct v1.0.2"

/* argv[0] as the program was called */
static void nfacct_usage(FILE *f, const char *argv0)
{
	fprintf(f, "Usage: %s command [parameters]...\n", argv0);
}

static int nfacct_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", NFACCT, msg);
	return 1;
}

/* The words after "list" or "get NAME": each a prefix of "reset" or
 * "xml" (nfacct compares only the letters given), sent spelled out. */
static int nfacct_flags(int argc, char **argv, int from)
{
	for (int i = from; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (!strncmp(argv[i], "reset", n))
			argv[i] = "reset";
		else if (!strncmp(argv[i], "xml", n))
			argv[i] = "xml";
		else
			return nfacct_error("unknown argument");
	}
	return 0;
}

static int nfacct_main(int argc, char **argv)
{
	if (argc < 2) {
		nfacct_usage(stderr, argv[0]);
		return 1;
	}
	const char *cmd = argv[1];
	int words = argc - 1;
	char *restore_words[4096];
	struct qt_buf lines;
	qt_buf_init(&lines);
	if (!strcmp(cmd, "list")) {
		if (nfacct_flags(argc, argv, 2))
			return 1;
	} else if (!strcmp(cmd, "get")) {
		if (argc < 3)
			return nfacct_error("missing object name");
		if (nfacct_flags(argc, argv, 3))
			return 1;
	} else if (!strcmp(cmd, "add")) {
		if (argc < 3)
			return nfacct_error("missing object name");
		if (argc == 4)
			return nfacct_error("missing quota value");
		if (argc > 5)
			return nfacct_error("too many arguments");
		if (argc == 5) {
			if (strcmp(argv[3], "byte") && strcmp(argv[3], "packet"))
				return nfacct_error("argument must \"byte\" or "
						    "\"packet\"");
			char *end;
			errno = 0;
			unsigned long long q = strtoull(argv[4], &end, 10);
			if (end == argv[4])
				return nfacct_error("error reading quota");
			(void)q;
		}
	} else if (!strcmp(cmd, "delete")) {
		if (argc < 3)
			return nfacct_error("missing object name");
		if (argc > 3)
			return nfacct_error("too many arguments");
	} else if (!strcmp(cmd, "flush")) {
		if (argc > 2)
			return nfacct_error("too many arguments");
	} else if (!strcmp(cmd, "restore")) {
		/* the lines of standard input go as the words after it */
		if (read_input(NULL, &lines, "nfacct") < 0)
			return 1;
		restore_words[0] = "restore";
		words = 1;
		char *s = (char *)qt_buf_str(&lines);
		for (char *save = NULL, *l = strtok_r(s, "\n", &save);
		     l && words < (int)(sizeof(restore_words) /
					sizeof(restore_words[0]));
		     l = strtok_r(NULL, "\n", &save))
			restore_words[words++] = l;
	} else if (!strcmp(cmd, "version")) {
		printf("%s: utility for the Netfilter extended accounting "
		       "infrastructure\n(qtables: the accounting objects of "
		       "qtablesd)\n", NFACCT);
		return 0;
	} else if (!strcmp(cmd, "help")) {
		printf("%s: utility for the Netfilter extended accounting "
		       "infrastructure\n", NFACCT);
		nfacct_usage(stdout, argv[0]);
		fputs("\nCommands:\n"
		      "  list [reset]\t\tList the accounting object table (and reset)\n"
		      "  add object-name\tAdd new accounting object to table\n"
		      "  delete object-name\tDelete existing accounting object\n"
		      "  get object-name\tGet existing accounting object\n"
		      "  flush\t\t\tFlush accounting object table\n"
		      "  restore\t\tRestore accounting object table reading 'list' output from stdin\n"
		      "  monitor\t\tListens for quota attainment notifications\n"
		      "  version\t\tDisplay version and disclaimer\n"
		      "  help\t\t\tDisplay this help message\n", stdout);
		return 0;
	} else if (!strcmp(cmd, "monitor")) {
		/* qtablesd sends no quota notifications */
		return nfacct_error("monitor: qtablesd does not notify quota "
				    "attainment");
	} else {
		fprintf(stderr, "%s: Unknown command: %s\n", NFACCT, cmd);
		nfacct_usage(stderr, argv[0]);
		return 1;
	}
	struct qt_buf req;
	qt_buf_init(&req);
	int status;
	if (qt_ipc_nfacct(&req, "nfacct", words,
			  !strcmp(cmd, "restore") ? restore_words : argv + 1) < 0) {
		status = nfacct_error("an argument contains a newline, which "
				      "qtables cannot carry");
	} else if (refused_by_kernel()) {
		status = nfacct_error("error: Operation not permitted");
	} else {
		status = call_daemon("nfacct", &req);
	}
	qt_buf_free(&req);
	qt_buf_free(&lines);
	return status;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* qtables' own options, beyond iptables' (command_main) */
static const char *const own_options[] = { "--stats", "--recent", "--graph" };

static void getopt_words(const struct option *o, const char *letters,
			 struct qt_buf *out)
{
	for (; o->name; o++)
		qt_buf_printf(out, "--%s\n", o->name);
	for (; *letters; letters++)
		if (*letters != ':')
			qt_buf_printf(out, "-%c\n", *letters);
}

/* `PROG --completion-words WHAT`, hidden: the words the bash completion
 * offers (completion_words.h), under every name of the program */
static int completion_words(const char *what)
{
	struct qt_buf out;
	qt_buf_init(&out);
	int st = 0;
	if (!strcmp(what, "options:qtables-save")) {
		getopt_words(save_opts, save_letters, &out);
	} else if (!strcmp(what, "options:qtables-restore")) {
		getopt_words(restore_opts, restore_letters, &out);
	} else if (!strcmp(what, "own:qtables")) {
		for (size_t i = 0; i < sizeof(own_options) / sizeof(own_options[0]); i++)
			qt_buf_printf(&out, "%s\n", own_options[i]);
	} else if (qt_completion_words(what, &out) < 0) {
		fprintf(stderr, "qtables: --completion-words: nothing known "
			"as `%s'\n", what);
		st = QT_PARAMETER_PROBLEM;
	}
	fwrite(qt_buf_str(&out), 1, out.len, stdout);
	qt_buf_free(&out);
	return st;
}

/* ipset: ipset(8)'s command lines on qtablesd's sets (parser/ipset.h
 * runs them there); restore's input is read here and sent along. */
static int ipset_main(int argc, char **argv)
{
	const char *file = NULL;
	bool restore = false;
	char **words = calloc((size_t)argc, sizeof(*words));
	int nwords = 0;
	if (!words)
		return 1;
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		const char *n = w[0] == '-' ? w + 1 + (w[1] == '-') : "";
		if ((!strcmp(n, "file") || !strcmp(n, "f")) && i + 1 < argc) {
			file = argv[++i];
			continue;
		}
		if (!strcmp(w, "restore") || !strcmp(w, "-R") ||
		    !strcmp(w, "--restore"))
			restore = true;
		words[nwords++] = argv[i];
	}
	struct qt_buf input, req;
	qt_buf_init(&input);
	qt_buf_init(&req);
	int status;
	if (qt_ipset_is_help(nwords, words)) {
		/* as ipset's own: printed by the program, daemon or not */
		struct qt_buf err;
		struct qt_ipset_env env = { .now_ms = 0 };
		bool changed;
		qt_buf_init(&err);
		status = qt_ipset_run(nwords, words, &env, &input, &err,
				      &changed);
		fwrite(qt_buf_str(&input), 1, input.len, stdout);
		fwrite(qt_buf_str(&err), 1, err.len, stderr);
		qt_buf_free(&err);
	} else if (restore && read_input(file, &input, "ipset") < 0) {
		status = 1;
	} else if (qt_ipc_ipset(&req, "ipset", nwords, words,
				restore ? qt_buf_str(&input) : NULL,
				input.len) < 0) {
		fprintf(stderr, "ipset v7.17: an argument is empty or holds a "
			"newline, which qtablesd cannot be sent\n");
		status = 2;
	} else if (refused_by_kernel()) {
		fprintf(stderr, "ipset v7.17: Kernel error received: Operation "
			"not permitted\n");
		status = 1;
	} else {
		status = call_daemon("ipset", &req);
	}
	qt_buf_free(&input);
	qt_buf_free(&req);
	free(words);
	return status;
}

/* nft: nft(8)'s command line or file on qtablesd's nftables ruleset
 * (parser/nft_run.h runs it there); a file is read here and sent with
 * its name. */
#define NFT_VERSION_LINE "nftables v1.0.6 (Lester Gooch #5)"

static int nft_usage(FILE *f, const char *name)
{
	fprintf(f, "Usage: %s [ options ] [ cmds... ]\n\n"
		"Options (general):\n"
		"  -h, --help                      Show this help\n"
		"  -v, --version                   Show version information\n\n"
		"Options (ruleset input handling):\n"
		"  -f, --file <filename>           Read input from <filename>\n"
		"  -c, --check                     Check commands validity "
		"without actually applying the changes.\n\n"
		"Options (ruleset list formatting):\n"
		"  -a, --handle                    Output rule handle.\n"
		"  -s, --stateless                 Omit stateful information "
		"of ruleset.\n"
		"  -n, --numeric                   Print fully numerical "
		"output.\n\n"
		"Options (command output formatting):\n"
		"  -e, --echo                      Echo what has been added, "
		"inserted or replaced.\n"
		"  -j, --json                      Format output in JSON\n",
		name);
	return f == stderr;
}

/* nft -j reads a file as JSON first and, when it is no JSON, reads it
 * again as nft's language; standard input read once cannot be read
 * again (a pipe): nft then reads nothing the second time, and so does
 * this. */
static void nft_json_stdin_once(struct qt_buf *text)
{
	struct stat st;
	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
		return;
	struct qt_json *doc = qt_json_parse(qt_buf_str(text), text->len, NULL);
	if (!doc)
		qt_buf_reset(text);
	qt_json_free(doc);
}

/* Short flags written together (-ea, -je) as getopt takes them: each
 * letter one of the flags; false when a letter is none. */
static bool nft_short_flags(const char *a, struct qt_ipc_nft_flags *f)
{
	if (a[0] != '-' || a[1] == '-' || !a[1] || !a[2])
		return false;
	for (const char *p = a + 1; *p; p++)
		if (!strchr("acsjen", *p))
			return false;
	for (const char *p = a + 1; *p; p++) {
		f->check |= *p == 'c';
		f->handles |= *p == 'a';
		f->stateless |= *p == 's';
		f->json |= *p == 'j';
		f->echo |= *p == 'e';
	}
	return true;
}

static int nft_main(int argc, char **argv)
{
	const char *file = NULL;
	struct qt_ipc_nft_flags fl = { 0 };
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (nft_short_flags(a, &fl))
			continue;
		if (!strcmp(a, "-f") || !strcmp(a, "--file")) {
			if (++i >= argc) {
				fprintf(stderr, "nft: option requires an "
					"argument -- 'f'\n");
				return 1;
			}
			file = argv[i];
		} else if (!strcmp(a, "-c") || !strcmp(a, "--check")) {
			fl.check = true;
		} else if (!strcmp(a, "-a") || !strcmp(a, "--handle")) {
			fl.handles = true;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--stateless")) {
			fl.stateless = true;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			fl.json = true;
		} else if (!strcmp(a, "-e") || !strcmp(a, "--echo")) {
			fl.echo = true;
		} else if (!strcmp(a, "-n") || !strcmp(a, "-nn") ||
			   !strcmp(a, "-nnn") || !strcmp(a, "--numeric")) {
			/* qtables lists numbers where nft would (ports,
			 * addresses): nothing to change */
		} else if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
			puts(NFT_VERSION_LINE);
			return 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			return nft_usage(stdout, "nft");
		} else {
			fprintf(stderr, "nft: qtables does not support the "
				"option %s\n", a);
			return 1;
		}
	}
	struct qt_buf text, req;
	qt_buf_init(&text);
	qt_buf_init(&req);
	int status = 1;
	const char *name = NULL;
	char cwd[4096];
	if (file) {
		FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
		name = strcmp(file, "-") ? file : "/dev/stdin";
		if (!f) {
			fprintf(stderr, "internal:0:0-0: Error: Could not open "
				"file \"%s\": %s\n\n", file, strerror(errno));
			goto out;
		}
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			qt_buf_put(&text, chunk, n);
		if (f != stdin)
			fclose(f);
		else if (fl.json)
			nft_json_stdin_once(&text);
	} else {
		if (i >= argc) {
			fputs("nft: no command specified\n", stderr);
			goto out;
		}
		for (int k = i; k < argc; k++) {
			if (k > i)
				qt_buf_putc(&text, ' ');
			qt_buf_puts(&text, argv[k]);
		}
		qt_buf_putc(&text, '\n');
	}
	qt_ipc_nft(&req, "nft", &fl, name,
		   getcwd(cwd, sizeof(cwd)), qt_buf_str(&text), text.len);
	if (refused_by_kernel()) {
		fputs("Error: Could not process rule: Operation not "
		      "permitted\n", stderr);
		status = 1;
	} else {
		status = call_daemon("nft", &req);
	}
out:
	qt_buf_free(&text);
	qt_buf_free(&req);
	return status;
}

/* -V and -h say who answers, and need no ruleset: qtables answers them
 * itself under every name, kernel fallback or not. */
static bool asks_identity(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version") ||
		    !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	bool ipt = strncmp(base, "iptables", 8) == 0 || strncmp(base, "ip6tables", 9) == 0;
	/* the sets are the daemon's: rules naming one are checked there */
	qt_sets_set_known(false);
	/* ip6tables*, qtables6*: the same programs for the IPv6 ruleset */
	bool v6 = qt_ipc_prog_family(base) == AF_INET6;
	const char *cmd_name = ipt ? (v6 ? "ip6tables" : "iptables")
				   : (v6 ? "qtables6" : "qtables");
	char restore_name[32], save_name[32];
	snprintf(restore_name, sizeof(restore_name), "%s-restore", cmd_name);
	snprintf(save_name, sizeof(save_name), "%s-save", cmd_name);
	if (argc == 3 && !strcmp(argv[1], "--completion-words"))
		return completion_words(argv[2]);
	/* under iptables' names, a namespace no qtablesd serves (a
	 * container's, where dockerd makes its DNS rules) gets the kernel's
	 * iptables-nft; see kernel_fallback.h for when */
	if (ipt && !asks_identity(argc, argv) && qt_should_fall_back()) {
		qt_exec_kernel_iptables(base, argv);
		fprintf(stderr, "%s: no qtablesd in this network namespace, "
			"and %s cannot be run: %s\n", base, QT_KERNEL_XTABLES,
			strerror(errno));
		return 1;
	}
	if (!strcmp(base, "qtables-conntrack"))
		return conntrack_main(base, argc, argv);
	if (!strcmp(base, "nfacct") || !strcmp(base, "qtables-nfacct"))
		return nfacct_main(argc, argv);
	if (!strcmp(base, "ipset") || !strcmp(base, "qtables-ipset"))
		return ipset_main(argc, argv);
	if (!strcmp(base, "nft") || !strcmp(base, "qtables-nft"))
		return nft_main(argc, argv);
	if (ends_with(base, "-restore"))
		return restore_main(restore_name, argc, argv);
	if (ends_with(base, "-save"))
		return save_main(save_name, argc, argv);
	return command_main(cmd_name, argc, argv);
}
