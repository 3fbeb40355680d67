/* Who may talk to qtablesd: the kernel decides, with the check it applies
 * to iptables-nft itself.
 *
 * Every nfnetlink message is refused with EPERM unless the process that
 * created the sending socket held CAP_NET_ADMIN over the socket's network
 * namespace when it created it (nfnetlink_rcv: netlink_net_capable, which
 * looks at the socket file's credentials). A client therefore creates a
 * NETLINK_NETFILTER socket and passes it to the daemon with its request
 * (SCM_RIGHTS); the daemon checks that the socket belongs to its own
 * network namespace and sends a harmless request (nf_tables' GETGEN)
 * through it. The answer rests on credentials the kernel captured before
 * the peer could exec anything: a peer that connects and then execs a
 * setuid program, or holds capabilities only inside a user namespace of
 * its own, is refused exactly as iptables would be. Nothing is read from
 * /proc. */
#ifndef QT_PEER_AUTH_H
#define QT_PEER_AUTH_H

#include <stdbool.h>
#include <sys/types.h>

/* The proof a client passes: a new NETLINK_NETFILTER socket, or -1. */
int qt_peer_proof_open(void);

/* 1 when the kernel accepts nfnetlink requests from nlfd's creator, 0 when
 * it refuses them (EPERM), -1 when it cannot tell (not a netfilter netlink
 * socket, no answer). Never blocks: the kernel answers within the send. */
int qt_peer_proof_capable(int nlfd);

/* The network namespace a socket belongs to, as (dev, ino) of its nsfs
 * inode; -1 when the kernel does not say. */
int qt_socket_netns(int fd, dev_t *dev, ino_t *ino);

/* The daemon's decision on a proof passed by a peer: true only for a
 * netfilter netlink socket of the network namespace (dev, ino) whose
 * creator the kernel grants CAP_NET_ADMIN over it. */
bool qt_peer_proof_accepted(int nlfd, dev_t dev, ino_t ino);

#endif
