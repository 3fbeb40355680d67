/* io/addrs and engine/host_addrs: address types from rtnetlink, checked in a namespace of
 * our own against the kernel's own addrtype match (iptables-nft rules
 * with counters on OUTPUT, fed raw packets whose source is the address
 * under test). Needs root; skipped otherwise. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "addrs.h"
#include "tap.h"

static char ns[64];
static int have_ns;

static void cleanup(void)
{
	char cmd[128];
	if (!have_ns)
		return;
	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not delete %s\n", ns);
	have_ns = 0;
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		printf("# command failed (%d): %s\n", rc, cmd);
	return rc;
}

static const char *const names[] = {
	[RTN_UNSPEC] = "UNSPEC", [RTN_UNICAST] = "UNICAST", [RTN_LOCAL] = "LOCAL",
	[RTN_BROADCAST] = "BROADCAST", [RTN_ANYCAST] = "ANYCAST",
	[RTN_MULTICAST] = "MULTICAST", [RTN_BLACKHOLE] = "BLACKHOLE",
	[RTN_UNREACHABLE] = "UNREACHABLE", [RTN_PROHIBIT] = "PROHIBIT",
	[RTN_THROW] = "THROW", [RTN_NAT] = "NAT", [RTN_XRESOLVE] = "XRESOLVE",
};

static const char *tname(unsigned t)
{
	return t < sizeof(names) / sizeof(names[0]) && names[t] ? names[t] : "?";
}

static struct in_addr ip(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		a.s_addr = 0;
	return a;
}

/* Send one UDP packet src -> dst through OUTPUT, header written by us. */
static int send_from(const char *src, const char *dst)
{
	unsigned char p[28] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17 };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = ip(dst) };
	struct in_addr s = ip(src);
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), rc;

	if (fd < 0)
		return -1;
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &to.sin_addr, 4);
	p[21] = 1; p[23] = 2; p[25] = 8;   /* ports 1 -> 2, UDP length 8 */
	rc = sendto(fd, p, sizeof(p), 0, (struct sockaddr *)&to, sizeof(to)) == sizeof(p) ? 0 : -1;
	close(fd);
	return rc;
}

/* Which of our rules counted a packet: the type names from their
 * comments, prefix "o:" for the --limit-iface-out ones. */
static int kernel_types(const char *src, const char *dst, char *any, size_t anysz,
			char *oif, size_t oifsz)
{
	char line[512];
	FILE *f;

	any[0] = oif[0] = 0;
	if (sh("iptables-nft -Z OUTPUT") != 0 || send_from(src, dst) < 0)
		return -1;
	f = popen("iptables-nft -L OUTPUT -nvx", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long long pk;
		char *c = strstr(line, "/* ");
		if (sscanf(line, "%lld", &pk) != 1 || pk <= 0 || !c)
			continue;
		c += 3;
		char *e = strstr(c, " */");
		if (!e)
			continue;
		*e = 0;
		if (strncmp(c, "o:", 2) == 0)
			snprintf(oif + strlen(oif), oifsz - strlen(oif), "%s%s", *oif ? "," : "", c + 2);
		else
			snprintf(any + strlen(any), anysz - strlen(any), "%s%s", *any ? "," : "", c);
	}
	return pclose(f) == 0 ? 0 : -1;
}

static void cross_check(struct qt_addrs *a, const char *addr, const char *dst, int oifindex)
{
	char any[256], oif[256];
	if (kernel_types(addr, dst, any, sizeof(any), oif, sizeof(oif)) < 0) {
		ok(0, "kernel classified %s", addr);
		return;
	}
	is_str(tname(qt_addrs_type(a, ip(addr), 0)), any, "%s: same type as the kernel's addrtype", addr);
	is_str(tname(qt_addrs_type(a, ip(addr), oifindex)), oif,
	       "%s: same type as the kernel's addrtype --limit-iface-out", addr);
}

/* Wait for the notification socket, then one processing round. */
static int round_wait(struct qt_rtnl_watch *w, int ms)
{
	struct pollfd p = { .fd = qt_rtnl_watch_fd(w), .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return -2;
	return qt_rtnl_feed_process(w);
}

static int round_(struct qt_rtnl_watch *w)
{
	return round_wait(w, 2000);
}

#define TYPE(a, s, ifx, want) \
	is_str(tname(qt_addrs_type((a), ip(s), (ifx))), (want), "%s (ifindex %d) is %s", (s), (ifx), (want))

int main(void)
{
	static const char *const rtypes[] = { "UNICAST", "LOCAL", "BROADCAST", "ANYCAST",
		"MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT",
		"XRESOLVE", "UNSPEC" };
	static const char *const probe[] = { "127.0.0.1", "127.3.3.3", "127.255.255.255",
		"10.1.0.1", "10.1.0.255", "10.1.0.0", "10.1.0.7", "10.4.0.1", "224.0.0.1",
		"239.1.2.3", "10.9.1.1", "10.8.1.1", "10.7.1.1", "10.5.1.1", "10.6.1.1",
		"127.9.1.1", "0.1.2.3", "255.255.255.255", "8.8.8.8" };
	char cmd[512];
	int fd, d0, lo;
	struct qt_rtnl_watch *w;
	struct qt_addrs *a;

	if (geteuid() != 0 || system("command -v ip >/dev/null && command -v iptables-nft >/dev/null") != 0) {
		printf("1..0 # SKIP needs root, ip and iptables-nft\n");
		return 0;
	}
	snprintf(ns, sizeof(ns), "qthl-u-%ld", (long)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s", ns);
	if (sh(cmd) != 0) {
		ok(0, "create namespace %s", ns);
		return done_testing();
	}
	have_ns = 1;
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	snprintf(cmd, sizeof(cmd), "/var/run/netns/%s", ns);
	fd = open(cmd, O_RDONLY | O_CLOEXEC);
	ok(fd >= 0 && setns(fd, CLONE_NEWNET) == 0, "entered namespace %s", ns);
	if (fd >= 0)
		close(fd);

	/* Everything below runs in our namespace: the ip/iptables children
	 * inherit it. */
	ok(sh("ip link set lo up && ip link add d0 type veth peer name d1 &&"
	      " ip addr add 10.1.0.1/24 dev d0 && ip link set d0 up && ip link set d1 up &&"
	      " ip route add blackhole 10.9.0.0/16 && ip route add unreachable 10.8.0.0/16 &&"
	      " ip route add prohibit 10.7.0.0/16 && ip route add throw 10.5.0.0/16 &&"
	      " ip route add 10.6.0.0/16 dev d0 && ip route add unreachable 127.9.0.0/16 &&"
	      " ip route add anycast 10.4.0.1 dev d0 table local") == 0, "namespace set up");
	d0 = (int)if_nametoindex("d0");
	lo = (int)if_nametoindex("lo");
	ok(d0 > 0 && lo > 0, "interfaces d0=%d lo=%d", d0, lo);

	w = qt_rtnl_feed_open(&qt_addrs_feed);
	ok(w != NULL, "the addresses feed: %s", w ? "ok" : strerror(errno));
	if (!w)
		return done_testing();
	a = qt_rtnl_feed_table(w);

	TYPE(a, "127.0.0.1", 0, "LOCAL");
	TYPE(a, "127.3.3.3", 0, "LOCAL");
	TYPE(a, "10.1.0.1", 0, "LOCAL");
	TYPE(a, "10.1.0.255", 0, "BROADCAST");
	TYPE(a, "10.4.0.1", 0, "ANYCAST");
	TYPE(a, "224.0.0.1", 0, "MULTICAST");
	TYPE(a, "10.1.0.7", 0, "UNICAST");
	TYPE(a, "8.8.8.8", 0, "UNICAST");
	/* The kernel's addrtype never says BLACKHOLE etc.: its FIB lookup
	 * fails for those routes and the answer is UNICAST (checked below). */
	TYPE(a, "10.9.1.1", 0, "UNICAST");
	TYPE(a, "10.8.1.1", 0, "UNICAST");
	TYPE(a, "10.7.1.1", 0, "UNICAST");
	/* A main-table route more specific than local 127/8 shadows it. */
	TYPE(a, "127.9.1.1", 0, "UNICAST");
	TYPE(a, "0.0.0.0", 0, "BROADCAST");
	TYPE(a, "255.255.255.255", 0, "BROADCAST");
	TYPE(a, "10.1.0.1", d0, "LOCAL");
	TYPE(a, "10.1.0.1", lo, "UNICAST");
	TYPE(a, "127.0.0.1", lo, "LOCAL");
	TYPE(a, "127.0.0.1", d0, "UNICAST");
	{
		struct in_addr x;
		ok(qt_addrs_iface_addr(a, d0, &x) == 0 && x.s_addr == ip("10.1.0.1").s_addr,
		   "primary address of d0 is 10.1.0.1");
	}

	/* The kernel's own answers: one rule per type, with and without
	 * --limit-iface-out (the packets leave by d0). Only our UDP packets
	 * count, not ICMP errors sent back. 0.0.0.0 cannot be probed: the
	 * kernel fills in a zero source address. */
	int rules_ok = 1;
	for (size_t i = 0; i < sizeof(rtypes) / sizeof(rtypes[0]); i++) {
		snprintf(cmd, sizeof(cmd), "iptables-nft -A OUTPUT -p udp --sport 1 -m addrtype --src-type %s"
			 " -m comment --comment %s && iptables-nft -A OUTPUT -p udp --sport 1 -m addrtype"
			 " --src-type %s --limit-iface-out -m comment --comment o:%s",
			 rtypes[i], rtypes[i], rtypes[i], rtypes[i]);
		rules_ok &= sh(cmd) == 0;
	}
	ok(rules_ok, "addrtype rules in the kernel");
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		cross_check(a, probe[i], "10.1.0.7", d0);

	/* Changes follow within one notification round. */
	uint64_t v = qt_addrs_version(a);
	sh("ip addr add 10.2.0.1/24 dev d0");
	is_int(round_(w), 1, "address added: one round updates");
	ok(qt_addrs_version(a) > v, "new snapshot version");
	TYPE(a, "10.2.0.1", 0, "LOCAL");
	TYPE(a, "10.2.0.255", 0, "BROADCAST");
	cross_check(a, "10.2.0.1", "10.1.0.7", d0);
	cross_check(a, "10.2.0.255", "10.1.0.7", d0);
	sh("ip addr del 10.2.0.1/24 dev d0");
	is_int(round_(w), 1, "address removed: one round updates");
	TYPE(a, "10.2.0.1", 0, "UNICAST");
	TYPE(a, "10.2.0.255", 0, "UNICAST");
	cross_check(a, "10.2.0.1", "10.1.0.7", d0);
	/* a removal's last notifications may come a moment after its
	 * first on a loaded machine: read before asking with none */
	while (round_wait(w, 100) > 0)
		;
	is_int(qt_rtnl_feed_process(w), 0, "nothing pending: no update");

	sh("ip route add local 10.3.0.0/16 dev lo table local");
	is_int(round_(w), 1, "local route added: one round updates");
	TYPE(a, "10.3.7.7", 0, "LOCAL");
	cross_check(a, "10.3.7.7", "10.1.0.7", d0);

	/* A device going down drops its broadcast and anycast routes with no
	 * route notification; the link notification covers it. */
	sh("ip link set d0 down");
	is_int(round_(w), 1, "link down: one round updates");
	TYPE(a, "10.1.0.255", 0, "UNICAST");
	TYPE(a, "10.4.0.1", 0, "UNICAST");
	TYPE(a, "10.1.0.1", 0, "LOCAL");
	/* d0 is down: the kernel sees these leave by lo. */
	cross_check(a, "10.1.0.255", "127.0.0.2", lo);
	cross_check(a, "10.1.0.1", "127.0.0.2", lo);
	cross_check(a, "127.0.0.1", "127.0.0.2", lo);
	sh("ip link set d0 up");
	/* Link up and the kernel's route re-adds can come in two bursts. */
	for (int i = 0; i < 3 && qt_addrs_type(a, ip("10.1.0.255"), 0) != RTN_BROADCAST; i++)
		round_(w);
	TYPE(a, "10.1.0.255", 0, "BROADCAST");

	qt_rtnl_watch_close(w);
	cleanup();
	return done_testing();
}
