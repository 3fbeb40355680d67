/* Small-packet UDP load for the end-to-end benchmark (bench_e2e.sh).
 *
 *   udp_flood send ADDR PORT SECONDS [PAYLOAD [PPS]]
 *                                                flood ADDR:PORT (sendmmsg;
 *                                                ADDR IPv4 or IPv6), or
 *                                                send PPS datagrams a
 *                                                second (0: as fast as
 *                                                it can)
 *   udp_flood recv PORT SECONDS                  count what arrives (both
 *                                                families)
 *
 * The sender sends PAYLOAD-byte datagrams (default 18: a 64-byte Ethernet
 * frame with its FCS; 84 bytes over IPv6) as fast as it can for SECONDS, in batches of 64 per
 * system call; a python loop would measure python. Paced (PPS), a batch
 * leaves when the rate says it is due, so a path that keeps up with the
 * rate sees the same packets whatever it costs, and its cost per packet
 * can be read from the CPU time it takes. It prints "sent N pps P cpu_us
 * C", C being its own CPU time (user and system: the sending and, on a
 * veth, the receiving side's softirq up to the first queue).
 * The receiver counts datagrams (recvmmsg) until SECONDS have passed or
 * the flow has been idle for 0.5 s after it started, and prints
 * "received N seconds S kpps K", S being first to last datagram: the
 * rate the path delivered, not counting the time before the flood. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXPAYLOAD 1472

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long num(const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *s == 0 || *end || v < min || v > max) {
		fprintf(stderr, "udp_flood: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int do_send(const char *addr, int port, double secs, int payload,
		   long pps)
{
	static char buf[MAXPAYLOAD];
	/* an IPv4 or an IPv6 address: the same flood of either family */
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	struct sockaddr *sa = (struct sockaddr *)&sin;
	socklen_t salen = sizeof(sin);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) != 1) {
			fprintf(stderr, "udp_flood: bad address '%s'\n", addr);
			return 2;
		}
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	}
	int fd = socket(sa->sa_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, sa, salen) < 0) {
		perror("udp_flood: socket");
		return 1;
	}
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = (size_t)payload;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long long sent = 0;
	double t0 = now(), t;
	/* the clock is read every batch: cheap next to 64 sends */
	while ((t = now()) - t0 < secs) {
		if (pps > 0) {
			double due = t0 + (double)sent / (double)pps;
			if (due > t) {
				struct timespec d = {
					(time_t)(due - t),
					(long)((due - t - (double)(time_t)(due - t)) * 1e9)
				};
				nanosleep(&d, NULL);
				continue;
			}
		}
		int n = sendmmsg(fd, msg, BATCH, 0);
		if (n > 0)
			sent += (unsigned)n;
		else if (n < 0 && errno != ENOBUFS && errno != EAGAIN &&
			 errno != ECONNREFUSED && errno != EINTR) {
			perror("udp_flood: sendmmsg");
			return 1;
		}
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("sent %llu pps %.0f cpu_us %lld\n", sent, (double)sent / (t - t0),
	       (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	close(fd);
	return 0;
}

static int do_recv(int port, double secs)
{
	static char buf[BATCH][64];
	/* IPv6's wildcard with IPV6_V6ONLY off: datagrams of both families */
	struct sockaddr_in6 sin = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				    .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	int one = 1, zero = 0, rcvbuf = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("udp_flood: bind");
		return 1;
	}
	struct timeval tv = { 0, 100000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < BATCH; i++) {
		/* only the count matters: datagrams are truncated to 64 bytes */
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	unsigned long long got = 0;
	double start = now(), first = 0, last = 0, t;
	while ((t = now()) - start < secs) {
		if (got && t - last > 0.5)
			break;
		int n = recvmmsg(fd, msg, BATCH, 0, NULL);
		if (n <= 0)
			continue;
		t = now();
		if (!got)
			first = t;
		got += (unsigned)n;
		last = t;
	}
	double span = last - first;
	printf("received %llu seconds %.3f kpps %.1f\n", got, span,
	       span > 0 ? (double)got / span / 1e3 : 0.0);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && argc <= 7 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], (int)num(argv[3], 1, 65535),
			       (double)num(argv[4], 1, 3600),
			       argc >= 6 ? (int)num(argv[5], 0, MAXPAYLOAD) : 18,
			       argc == 7 ? num(argv[6], 0, 100000000) : 0);
	if (argc == 4 && strcmp(argv[1], "recv") == 0)
		return do_recv((int)num(argv[2], 1, 65535), (double)num(argv[3], 1, 3600));
	fprintf(stderr, "usage: udp_flood send ADDR PORT SECONDS [PAYLOAD [PPS]]\n"
			"       udp_flood recv PORT SECONDS\n");
	return 2;
}
