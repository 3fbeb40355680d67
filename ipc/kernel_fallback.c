/* The kernel's iptables-nft where no qtablesd serves the namespace. */
#define _GNU_SOURCE
#include "kernel_fallback.h"

#include "control.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define STEER_PREFIX "QTABLES-"
/* __SO_ACCEPTCON in /proc/net/unix's Flags column: a listening socket */
#define UNIX_LISTENING 0x10000u

bool qt_fallback_to_kernel(const struct qt_ns_facts *f)
{
	return f->host_ns == QT_FACT_NO && f->daemon == QT_FACT_NO &&
	       f->steering == QT_FACT_NO;
}

static enum qt_fact same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return QT_FACT_UNKNOWN;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
		? QT_FACT_YES : QT_FACT_NO;
}

enum qt_fact qt_probe_host_ns(void)
{
	enum qt_fact r = same_file("/proc/self/ns/net", "/proc/1/ns/net");
	if (r != QT_FACT_UNKNOWN)
		return r;
	/* PID 1's ns links need ptrace access to it, which a root without
	 * some of PID 1's capabilities lacks; its /proc/1/net does not.
	 * Each network namespace has proc entries of its own there, so
	 * one of them tells the namespaces apart as well. */
	return same_file("/proc/self/net/dev", "/proc/1/net/dev");
}

enum qt_fact qt_probe_daemon(void)
{
	FILE *f = fopen("/proc/net/unix", "re");
	if (!f)
		return QT_FACT_UNKNOWN;
	char want[128];
	snprintf(want, sizeof(want), "@%s", qt_control_name());
	enum qt_fact r = QT_FACT_NO;
	char line[512];
	bool header = true;
	while (fgets(line, sizeof(line), f)) {
		if (header) {
			header = false;
			continue;
		}
		/* Num RefCount Protocol Flags Type St Inode Path */
		unsigned flags;
		char path[256];
		if (sscanf(line, "%*s %*x %*x %x %*x %*x %*u %255s", &flags,
			   path) != 2)
			continue;
		if ((flags & UNIX_LISTENING) && !strcmp(path, want)) {
			r = QT_FACT_YES;
			break;
		}
	}
	if (ferror(f))
		r = QT_FACT_UNKNOWN;
	fclose(f);
	return r;
}

/* Whether one GETCHAIN answer names a chain of ours in an ip or ip6
 * table. */
static bool steering_chain(const struct nlmsghdr *nh)
{
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)))
		return false;
	const struct nfgenmsg *g = NLMSG_DATA(nh);
	if (g->nfgen_family != NFPROTO_IPV4 && g->nfgen_family != NFPROTO_IPV6)
		return false;
	const char *p = (const char *)g + NLMSG_ALIGN(sizeof(*g));
	const char *end = (const char *)nh + nh->nlmsg_len;
	while (p + sizeof(struct nlattr) <= end) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (a->nla_len < sizeof(*a) || p + a->nla_len > end)
			break;
		size_t n = a->nla_len - sizeof(*a);
		const char *v = p + sizeof(*a);
		if ((a->nla_type & NLA_TYPE_MASK) == NFTA_CHAIN_NAME &&
		    n >= strlen(STEER_PREFIX) &&
		    !strncmp(v, STEER_PREFIX, strlen(STEER_PREFIX)))
			return true;
		p += NLA_ALIGN(a->nla_len);
	}
	return false;
}

enum qt_fact qt_probe_steering(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			NETLINK_NETFILTER);
	if (fd < 0)
		return QT_FACT_UNKNOWN;
	/* the kernel answers a dump at once; a wait means something wrong */
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg g;
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETCHAIN;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = (uint32_t)getpid();
	req.g.nfgen_family = AF_UNSPEC;
	req.g.version = NFNETLINK_V0;
	enum qt_fact r = QT_FACT_UNKNOWN;
	if (send(fd, &req, sizeof(req), 0) < 0)
		goto out;
	static char buf[65536] __attribute__((aligned(4)));
	bool found = false;
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		if (fl != sizeof(from) || from.nl_pid != 0)
			continue;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		     NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != req.nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
				goto out;   /* changed while dumped: unknown */
			if (nh->nlmsg_type == NLMSG_ERROR)
				goto out;   /* EPERM and the like */
			if (nh->nlmsg_type == NLMSG_DONE) {
				r = found ? QT_FACT_YES : QT_FACT_NO;
				goto out;
			}
			if (steering_chain(nh))
				found = true;
		}
	}
out:
	close(fd);
	return r;
}

bool qt_should_fall_back(void)
{
	struct qt_ns_facts f = {
		QT_FACT_UNKNOWN, QT_FACT_UNKNOWN, QT_FACT_UNKNOWN
	};
	f.host_ns = qt_probe_host_ns();
	if (f.host_ns == QT_FACT_NO)
		f.daemon = qt_probe_daemon();
	if (f.daemon == QT_FACT_NO)
		f.steering = qt_probe_steering();
	return qt_fallback_to_kernel(&f);
}

int qt_exec_kernel_iptables(const char *name, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return -1;
	args[0] = (char *)name;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	execv(QT_KERNEL_XTABLES, args);
	int e = errno;
	free(args);
	errno = e;
	return -1;
}
