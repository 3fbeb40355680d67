/* The kernel's own CAP_NET_ADMIN check, asked through a peer's socket. */
#define _GNU_SOURCE
#include "peer_auth.h"

#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int qt_peer_proof_open(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
}

/* A sequence number no other party can guess in advance, so a message
 * some other process sends to the socket is not taken for the answer. */
static uint32_t fresh_seq(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
		     (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 32);
	x ^= x >> 29;
	return (uint32_t)x | 1;
}

int qt_peer_proof_capable(int nlfd)
{
	int v;
	socklen_t vl = sizeof(v);
	if (getsockopt(nlfd, SOL_SOCKET, SO_DOMAIN, &v, &vl) < 0 ||
	    v != AF_NETLINK)
		return -1;
	vl = sizeof(v);
	if (getsockopt(nlfd, SOL_SOCKET, SO_PROTOCOL, &v, &vl) < 0 ||
	    v != NETLINK_NETFILTER)
		return -1;

	struct {
		struct nlmsghdr nh;
		struct nfgenmsg g;
	} req;
	memset(&req, 0, sizeof(req));
	uint32_t seq = fresh_seq();
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = seq;
	req.g.nfgen_family = AF_UNSPEC;
	req.g.version = NFNETLINK_V0;
	/* Sent without an address: a message sent to an explicit address
	 * is judged by the sender's capabilities alone (NETLINK_SKB_DST),
	 * one sent to the socket's default destination, the kernel, by
	 * those of the socket's creator too. A socket the peer connected
	 * elsewhere gets no answer from the kernel and is refused. */
	if (send(nlfd, &req, sizeof(req), MSG_DONTWAIT) < 0)
		return -1;

	/* The kernel handles the request inside sendto and queues its
	 * answer before returning, so whatever is not there now will not
	 * come: no waiting, a peer cannot hold the daemon up this way. */
	for (int tries = 0; tries < 8; tries++) {
		char buf[8192] __attribute__((aligned(4)));
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(nlfd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;   /* EAGAIN: no answer was queued */
		if (fl != sizeof(from) || from.nl_pid != 0)
			continue;   /* not from the kernel */
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		     NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type != NLMSG_ERROR)
				continue;   /* the generation itself; the ack follows */
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return -1;
			const struct nlmsgerr *e = NLMSG_DATA(nh);
			if (e->error == -EPERM)
				return 0;
			/* anything else got past the capability check */
			return 1;
		}
	}
	return -1;
}

int qt_socket_netns(int fd, dev_t *dev, ino_t *ino)
{
	int ns = ioctl(fd, SIOCGSKNS);
	if (ns < 0)
		return -1;
	struct stat st;
	int rc = fstat(ns, &st);
	close(ns);
	if (rc < 0)
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

bool qt_peer_proof_accepted(int nlfd, dev_t dev, ino_t ino)
{
	dev_t d;
	ino_t i;
	/* a socket made in a namespace of the peer's own is no proof over
	 * ours, whatever it may do there */
	if (qt_socket_netns(nlfd, &d, &i) < 0 || d != dev || i != ino)
		return false;
	return qt_peer_proof_capable(nlfd) == 1;
}
