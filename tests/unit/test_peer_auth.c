/* ipc/peer_auth.c: the kernel's CAP_NET_ADMIN verdict on a socket,
 * taken from its creator's credentials at creation, whatever the process
 * holding it later is. Needs root (as `make check` runs in CI); without
 * it the checks are skipped. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "peer_auth.h"
#include "tap.h"

/* A proof socket made by a child that first did `become` (drop to uid
 * 65534, or enter a user + network namespace of its own), passed back. */
enum become { AS_NOBODY, IN_OWN_NAMESPACES };

static int proof_from_child(enum become how)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		int rc;
		if (how == AS_NOBODY)
			rc = setresgid(65534, 65534, 65534) ||
			     setresuid(65534, 65534, 65534);
		else
			rc = unshare(CLONE_NEWUSER | CLONE_NEWNET);
		/* the proof the client sends, made here after the change
		 * (a failed change would leave root's: the checks fail) */
		_exit(rc == 0 && qt_control_send_with_proof(sv[1], "p", 1) == 0
		      ? 0 : 1);
	}
	close(sv[1]);
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	char ctl[CMSG_SPACE(sizeof(int))] __attribute__((aligned(8)));
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	int fd = -1;
	if (recvmsg(sv[0], &m, 0) == 1) {
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		if (cm && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	}
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return fd;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return 0;
	}
	int own = qt_peer_proof_open();
	ok(own >= 0, "a netfilter netlink socket opens");
	is_int(qt_peer_proof_capable(own), 1, "root's own socket: capable");
	dev_t dev;
	ino_t ino;
	ok(qt_socket_netns(own, &dev, &ino) == 0, "its namespace is known");
	struct stat self;
	ok(stat("/proc/self/ns/net", &self) == 0 && self.st_ino == ino &&
	   self.st_dev == dev, "it is ours");
	ok(qt_peer_proof_accepted(own, dev, ino), "accepted");
	ok(!qt_peer_proof_accepted(own, dev, ino + 1),
	   "refused for another namespace");

	/* made by uid 65534, now held by root: the creator counts */
	int nobody = proof_from_child(AS_NOBODY);
	ok(nobody >= 0, "uid 65534 passed its socket");
	is_int(qt_peer_proof_capable(nobody), 0, "uid 65534's socket: EPERM");
	ok(!qt_peer_proof_accepted(nobody, dev, ino), "refused");

	/* root of a user namespace of its own, in a network namespace of
	 * its own: capable there, but that is not ours */
	int foreign = proof_from_child(IN_OWN_NAMESPACES);
	ok(foreign >= 0, "a socket from the peer's own namespaces");
	ok(!qt_peer_proof_accepted(foreign, dev, ino), "refused");

	/* not a netfilter netlink socket at all */
	int sv[2];
	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "a unix socket");
	is_int(qt_peer_proof_capable(sv[0]), -1, "no verdict from it");
	int route = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	is_int(qt_peer_proof_capable(route), -1, "nor from rtnetlink");

	/* a socket connected elsewhere gets no answer from the kernel */
	int other = qt_peer_proof_open();
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = 4242 };
	connect(other, (struct sockaddr *)&to, sizeof(to));
	ok(qt_peer_proof_capable(other) != 1, "connected elsewhere: no verdict");

	close(own);
	close(nobody);
	close(foreign);
	close(sv[0]);
	close(sv[1]);
	close(route);
	close(other);
	return done_testing();
}
