/* The baseline of the datapath benchmarks: accept every queued packet.
 * Installs the steering rules, loops until SIGTERM/SIGINT, removes them
 * and prints its counters. Prints "ready" once packets are steered. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "nfq.h"
#include "steering.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nfq_accept_all [options]\n"
		"  -q, --queue N        queue number (default 0)\n"
		"  -B, --no-batch       one verdict message per packet\n"
		"  -o, --fail-open      --queue-bypass and the fail-open flag\n"
		"  -c, --copy-range N   bytes copied per packet (default 65535)\n"
		"  -b, --burst N        packets per receive (default 32)\n"
		"  -G, --no-gso         let the kernel segment GSO packets\n"
		"  -n, --no-steering    do not install steering rules\n"
		"  -H, --hooks LIST     queue only at these hooks (comma list of\n"
		"                       PREROUTING,INPUT,FORWARD,OUTPUT,POSTROUTING;\n"
		"                       default all: compare with qtablesd by giving\n"
		"                       the hooks its `qtables --stats` shows)\n"
		"  -r, --remove         only remove the steering rules, then exit\n");
}

static unsigned long num(const char *s, unsigned long max)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *s == 0 || *end || v > max) {
		fprintf(stderr, "nfq_accept_all: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* "INPUT,FORWARD" into a mask of hook bits. */
static int parse_hooks(const char *list)
{
	int m = 0;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *w = strtok_r(buf, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		unsigned h;
		for (h = 0; h < QT_HOOK_COUNT; h++)
			if (!strcmp(w, qt_nfq_hook_name(h)))
				break;
		if (h == QT_HOOK_COUNT) {
			fprintf(stderr, "nfq_accept_all: unknown hook '%s'\n", w);
			exit(2);
		}
		m |= 1 << h;
	}
	return m;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "no-batch", no_argument, NULL, 'B' },
		{ "fail-open", no_argument, NULL, 'o' },
		{ "copy-range", required_argument, NULL, 'c' },
		{ "burst", required_argument, NULL, 'b' },
		{ "no-gso", no_argument, NULL, 'G' },
		{ "no-steering", no_argument, NULL, 'n' },
		{ "hooks", required_argument, NULL, 'H' },
		{ "remove", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct qt_nfq_config nc;
	struct qt_steer_config sc;
	bool steer = true, remove_only = false;
	char err[512];
	int o;

	qt_nfq_config_default(&nc);
	int hooks = -1;
	while ((o = getopt_long(argc, argv, "q:Boc:b:GnrhH:", opts, NULL)) != -1) {
		switch (o) {
		case 'q': nc.queue = (uint16_t)num(optarg, 65535); break;
		case 'B': nc.batch = false; break;
		case 'o': nc.fail_open = true; break;
		case 'c': nc.copy_range = (uint32_t)num(optarg, 65535); break;
		case 'b': nc.burst = (uint32_t)num(optarg, 1024); break;
		case 'G': nc.gso = false; break;
		case 'n': steer = false; break;
		case 'H': hooks = parse_hooks(optarg); break;
		case 'r': remove_only = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || nc.burst == 0) {
		usage(stderr);
		return 2;
	}
	qt_steer_config_default(&sc, nc.queue);
	sc.bypass = nc.fail_open;
	if (hooks >= 0) {
		sc.hooks_set = true;
		sc.hooks = (uint8_t)hooks;
	}
	if (remove_only) {
		if (qt_steer_remove(&sc, err, sizeof(err)) < 0) {
			fprintf(stderr, "nfq_accept_all: %s\n", err);
			return 1;
		}
		return 0;
	}

	/* No SA_RESTART: a signal ends the blocking receive. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int e;
	struct qt_nfq *q = qt_nfq_open(&nc, &e);
	if (!q) {
		fprintf(stderr, "nfq_accept_all: queue %u: %s\n", nc.queue, strerror(e));
		return 1;
	}
	/* Bounds the wait when a signal lands just before the receive. */
	struct timeval tv = { 0, 200000 };
	setsockopt(qt_nfq_fd(q), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (steer && qt_steer_install(&sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "nfq_accept_all: %s\n", err);
		qt_nfq_close(q);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = 0;
	while (!stop) {
		const struct qt_nfq_pkt *p;
		int n = qt_nfq_recv(q, &p, true);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0) {
			fprintf(stderr, "nfq_accept_all: receive: %s\n", strerror(-n));
			rc = 1;
			break;
		}
		for (int i = 0; i < n; i++)
			qt_nfq_accept(q, p[i].queue, p[i].id);
		qt_nfq_flush(q);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (steer && qt_steer_remove(&sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "nfq_accept_all: %s\n", err);
		rc = 1;
	}
	const struct qt_nfq_stats *s = qt_nfq_stats(q);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("packets %llu\n", (unsigned long long)s->packets);
	for (unsigned h = 0; h < QT_HOOK_COUNT; h++)
		printf("hook %s %llu\n", qt_nfq_hook_name(h),
		       (unsigned long long)s->by_hook[h]);
	printf("receives %llu\nsends %llu\nbatches %llu\nbatched %llu\n"
	       "accepts %llu\ndrops %llu\ntruncated %llu\nbad %llu\n"
	       "nl_errors %llu\nsend_errors %llu\nseconds %.3f\n",
	       (unsigned long long)s->receives, (unsigned long long)s->sends,
	       (unsigned long long)s->batches, (unsigned long long)s->batched,
	       (unsigned long long)s->accepts, (unsigned long long)s->drops,
	       (unsigned long long)s->truncated, (unsigned long long)s->bad,
	       (unsigned long long)s->nl_errors, (unsigned long long)s->send_errors,
	       secs);
	qt_nfq_close(q);
	return rc;
}
