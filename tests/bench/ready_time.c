/* ready_time NETNS_PATH TIMEOUT_MS -- QTABLESD ARGS...: start QTABLESD in
 * the network namespace at NETNS_PATH under a notification socket of our
 * own (standing in for the service manager), print the milliseconds from
 * fork to the READY=1 datagram, then stop it (SIGTERM; SIGKILL after 5 s)
 * and print the CPU milliseconds (user + system) it used in all, which
 * a busy machine inflates far less than the wall time: "READY_MS CPU_MS".
 * The namespace is entered in the child before exec, so nothing but
 * fork+exec is timed besides the daemon's own start. Exits 1 when the
 * daemon dies or says nothing within TIMEOUT_MS. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Does the datagram hold the line READY=1? */
static int says_ready(const char *msg)
{
	for (const char *p = msg; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "READY=1", 7) && (p[7] == '\n' || p[7] == '\0'))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: ready_time NETNS_PATH TIMEOUT_MS -- "
			"QTABLESD ARGS...\n");
		return 2;
	}
	int timeout = atoi(argv[2]);
	char path[108];
	snprintf(path, sizeof(path), "/tmp/qtready.%d.sock", (int)getpid());
	unlink(path);
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("ready_time: notification socket");
		return 1;
	}
	int nsfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		perror(argv[1]);
		return 1;
	}
	double t0 = now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		if (setns(nsfd, CLONE_NEWNET) < 0) {
			perror("ready_time: setns");
			_exit(127);
		}
		setenv("NOTIFY_SOCKET", path, 1);
		execv(argv[4], argv + 4);
		perror(argv[4]);
		_exit(127);
	}
	double ready = -1;
	char msg[4096];
	while (ready < 0) {
		int left = timeout - (int)(now_ms() - t0);
		struct pollfd p = { .fd = s, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t n = recv(s, msg, sizeof(msg) - 1, 0);
		if (n < 0)
			continue;
		msg[n] = '\0';
		if (says_ready(msg))
			ready = now_ms() - t0;
	}
	kill(pid, SIGTERM);
	int st;
	struct rusage ru;
	double stop = now_ms();
	pid_t w;
	while ((w = wait4(pid, &st, WNOHANG, &ru)) == 0 ||
	       (w < 0 && errno == EINTR)) {
		if (now_ms() - stop > 5000) {
			kill(pid, SIGKILL);
			while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
				;
			break;
		}
		usleep(1000);
	}
	unlink(path);
	if (ready < 0) {
		fprintf(stderr, "ready_time: no READY=1 within %d ms\n", timeout);
		return 1;
	}
	double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
		     ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
	printf("%.1f %.1f\n", ready, cpu);
	return 0;
}
