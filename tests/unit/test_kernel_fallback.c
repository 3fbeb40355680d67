/* ipc/kernel_fallback.c: when the iptables names exec the kernel's
 * iptables-nft instead of talking to qtablesd. The decision on every
 * combination of facts (the host's namespace never falls back); the
 * daemon probe against a listener of the test's own; as root, the
 * probes in a fresh network namespace, bare and then with a steering
 * chain made by nft. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "kernel_fallback.h"
#include "tap.h"

static const char *fact_name(enum qt_fact f)
{
	return f == QT_FACT_NO ? "no" : f == QT_FACT_YES ? "yes" : "unknown";
}

static void decisions(void)
{
	const enum qt_fact all[] = { QT_FACT_NO, QT_FACT_YES,
				     QT_FACT_UNKNOWN };
	for (int h = 0; h < 3; h++)
		for (int d = 0; d < 3; d++)
			for (int s = 0; s < 3; s++) {
				struct qt_ns_facts f = { all[h], all[d], all[s] };
				bool want = h == 0 && d == 0 && s == 0;
				ok(qt_fallback_to_kernel(&f) == want,
				   "host %s, daemon %s, steering %s: %s",
				   fact_name(all[h]), fact_name(all[d]),
				   fact_name(all[s]),
				   want ? "the kernel's iptables" : "qtablesd");
			}
}

static int listen_on(const char *name)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, name, strlen(name));
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				       1 + strlen(name))) < 0)
		return -1;
	return fd;
}

static void daemon_probe(void)
{
	char name[64];
	snprintf(name, sizeof(name), "qtables-test/fallback-%d", (int)getpid());
	setenv("QTABLES_SOCKET", name, 1);
	is_int(qt_probe_daemon(), QT_FACT_NO, "no socket: no daemon");
	int fd = listen_on(name);
	ok(fd >= 0, "bound %s", name);
	is_int(qt_probe_daemon(), QT_FACT_NO,
	       "bound but not listening: no daemon");
	ok(listen(fd, 1) == 0, "listening");
	is_int(qt_probe_daemon(), QT_FACT_YES, "a listener: a daemon");
	close(fd);
	is_int(qt_probe_daemon(), QT_FACT_NO, "closed again: no daemon");
	unsetenv("QTABLES_SOCKET");
}

/* In the host's namespace the answer is qtablesd whatever else holds. */
static void host_namespace(void)
{
	if (qt_probe_host_ns() != QT_FACT_YES) {
		ok(1, "# SKIP not run in PID 1's network namespace");
		return;
	}
	ok(!qt_should_fall_back(), "PID 1's namespace never falls back");
}

/* The child's exit code: bit 0 set when a bare namespace does not fall
 * back, bit 1 when steering is not seen, bit 2 when a namespace with
 * steering falls back. */
static int in_fresh_namespace(void)
{
	int bad = 0;
	if (qt_probe_host_ns() != QT_FACT_NO || qt_probe_daemon() != QT_FACT_NO ||
	    qt_probe_steering() != QT_FACT_NO || !qt_should_fall_back())
		bad |= 1;
	if (system("nft 'add table ip mangle; add chain ip mangle "
		   "QTABLES-PRE' >/dev/null 2>&1") != 0)
		return 8;
	if (qt_probe_steering() != QT_FACT_YES)
		bad |= 2;
	if (qt_should_fall_back())
		bad |= 4;
	if (system("nft 'delete table ip mangle; add table ip6 raw; add "
		   "chain ip6 raw QTABLES-RAW-OUT' >/dev/null 2>&1") != 0)
		return 8;
	if (qt_probe_steering() != QT_FACT_YES)
		bad |= 2;
	if (system("nft 'delete table ip6 raw; add table inet x; add chain "
		   "inet x QTABLES-PRE' >/dev/null 2>&1") != 0)
		return 8;
	/* only ip and ip6 tables hold qtables' chains */
	if (qt_probe_steering() != QT_FACT_NO)
		bad |= 2;
	return bad;
}

static void fresh_namespace(void)
{
	if (geteuid() != 0 || system("command -v nft >/dev/null") != 0) {
		ok(1, "# SKIP needs root and nft");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(16);
		_exit(in_fresh_namespace());
	}
	int ws = 0;
	waitpid(pid, &ws, 0);
	int rc = WIFEXITED(ws) ? WEXITSTATUS(ws) : 32;
	if (rc >= 8) {
		ok(0, "the namespace test could not run (%d)", rc);
		return;
	}
	ok(!(rc & 1), "a bare namespace of its own falls back");
	ok(!(rc & 2), "steering chains in ip and ip6 tables are seen, "
	   "in other families not");
	ok(!(rc & 4), "a namespace with steering but no daemon does not "
	   "fall back");
}

int main(void)
{
	decisions();
	daemon_probe();
	host_namespace();
	fresh_namespace();
	return done_testing();
}
