/* io/links and engine/host_links: interfaces from rtnetlink, compared with `ip -o link` and
 * if_indextoname() in the current namespace (read-only), then, as root,
 * followed through a rename, an address change and a delete in a
 * namespace of our own (qtmb-l-PID, removed at exit). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "links.h"
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

static void put_mac(char *out, size_t sz, const uint8_t *a, unsigned n)
{
	size_t o = 0;
	out[0] = 0;
	for (unsigned i = 0; i < n && o + 3 < sz; i++)
		o += (size_t)snprintf(out + o, sz - o, "%s%02x", i ? ":" : "", a[i]);
}

/* Every line of `ip -o link`: same name, UP flag, type and address. */
static void compare_with_ip(struct qt_rtnl_watch *w)
{
	struct qt_links *l = qt_rtnl_feed_table(w);
	char line[2048];
	int n = 0;
	FILE *f = popen("ip -o link", "r");

	ok(f != NULL, "ip -o link runs");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int idx;
		char name[64], kind[64] = "", addr[128] = "", mine[128], sys[IF_NAMESIZE];
		uint8_t hw[8];
		unsigned len = 0, type = 0;
		char *p, *q;

		if (sscanf(line, "%d: %63[^:@ ]", &idx, name) != 2)
			continue;
		n++;
		/* Someone may change links in the current namespace meanwhile:
		 * what ip saw was notified before it listed it. */
		if (strcmp(qt_links_name(l, idx), name))
			qt_rtnl_feed_process(w);
		is_str(qt_links_name(l, idx), name, "ifindex %d is %s", idx, name);
		ok(if_indextoname((unsigned)idx, sys) && !strcmp(sys, qt_links_name(l, idx)),
		   "if_indextoname(%d) agrees", idx);
		is_int(qt_links_index(l, name), idx, "index of %s", name);
		p = strchr(line, '<');
		q = p ? strchr(p, '>') : NULL;
		if (p && q) {
			*q = 0;
			/* ",UP," inside "<...>" */
			char fl[512];
			snprintf(fl, sizeof(fl), ",%s,", p + 1);
			is_int(!!(qt_links_flags(l, idx) & IFF_UP), strstr(fl, ",UP,") != NULL,
			       "%s: IFF_UP as ip says", name);
			*q = '>';
		}
		p = strstr(line, "link/");
		if (!p || sscanf(p, "link/%63s %127s", kind, addr) < 1)
			continue;
		ok(qt_links_hwaddr(l, idx, hw, &len, &type) == 0, "%s: hwaddr known", name);
		if (!strcmp(kind, "ether")) {
			is_int(type, ARPHRD_ETHER, "%s: ARPHRD_ETHER", name);
			put_mac(mine, sizeof(mine), hw, len);
			is_str(mine, addr, "%s: MAC as ip says", name);
		} else if (!strcmp(kind, "loopback")) {
			is_int(type, ARPHRD_LOOPBACK, "%s: ARPHRD_LOOPBACK", name);
			put_mac(mine, sizeof(mine), hw, len);
			is_str(mine, addr, "%s: address as ip says", name);
		} else if (!strcmp(kind, "none")) {
			is_int(len, 0, "%s: no link-layer address", name);
		}
	}
	pclose(f);
	ok(n > 0, "ip listed %d interfaces", n);
}

static int round_(struct qt_rtnl_watch *w)
{
	struct pollfd p = { .fd = qt_rtnl_watch_fd(w), .events = POLLIN };
	if (poll(&p, 1, 2000) <= 0)
		return -2;
	return qt_rtnl_feed_process(w);
}

/* An owner thread publishing while the main thread is inside a read
 * section: it must wait for the section to end. */
static struct qt_rtnl_watch *shared;
static atomic_int processed;

static void *owner(void *arg)
{
	(void)arg;
	round_(shared);
	atomic_store(&processed, 1);
	return NULL;
}

int main(void)
{
	char cmd[256];
	struct qt_rtnl_watch *w;
	struct qt_links *l;
	int fd, qa, qb;

	w = qt_rtnl_feed_open(&qt_links_feed);
	ok(w != NULL, "the links feed: %s", w ? "ok" : strerror(errno));
	if (!w)
		return done_testing();
	l = qt_rtnl_feed_table(w);
	compare_with_ip(w);
	is_str(qt_links_name(l, 0), "", "ifindex 0 is unknown");
	is_str(qt_links_name(l, 0x7fffff00), "", "a huge ifindex is unknown");
	ok(qt_links_hwaddr(l, 0x7fffff00, NULL, NULL, NULL) == -1, "no hwaddr for it");
	is_int(qt_links_index(l, "no-such-if"), 0, "no index for an unknown name");
	qt_rtnl_watch_close(w);

	if (geteuid() != 0 || system("command -v ip >/dev/null") != 0) {
		printf("ok %d # SKIP namespace tests need root and ip\n", ++tap_n);
		return done_testing();
	}
	snprintf(ns, sizeof(ns), "qtmb-l-%ld", (long)getpid());
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
	/* Below, the ip children inherit our namespace. */
	ok(sh("ip link add qa type veth peer name qb && ip link set qb address 02:00:00:00:0b:01") == 0,
	   "veth pair made");
	qa = (int)if_nametoindex("qa");
	qb = (int)if_nametoindex("qb");
	w = qt_rtnl_feed_open(&qt_links_feed);
	ok(w != NULL && qa > 0 && qb > 0, "opened in the namespace (qa=%d qb=%d)", qa, qb);
	if (!w)
		return done_testing();
	l = qt_rtnl_feed_table(w);
	compare_with_ip(w);
	{
		uint8_t hw[8];
		unsigned len = 0, type = 0;
		char s[64];
		ok(qt_links_hwaddr(l, qb, hw, &len, &type) == 0, "qb known");
		put_mac(s, sizeof(s), hw, len);
		is_str(s, "02:00:00:00:0b:01", "qb's MAC");
		is_int(type, ARPHRD_ETHER, "qb is Ethernet");
	}
	ok(!(qt_links_flags(l, qa) & IFF_UP), "qa is down");
	is_int(qt_rtnl_feed_process(w), 0, "nothing pending: no update");

	uint64_t v = qt_links_version(l);
	sh("ip link set dev qa name qc");
	is_int(round_(w), 1, "rename: one round updates");
	ok(qt_links_version(l) > v, "new snapshot version");
	is_str(qt_links_name(l, qa), "qc", "qa is now called qc");
	is_int(qt_links_index(l, "qa"), 0, "no interface called qa");
	is_int(qt_links_index(l, "qc"), qa, "qc has qa's index");

	sh("ip link set dev qc up");
	is_int(round_(w), 1, "up: one round updates");
	ok(qt_links_flags(l, qa) & IFF_UP, "qc is up");

	sh("ip link set dev qb address 02:00:00:00:0b:02");
	is_int(round_(w), 1, "address change: one round updates");
	{
		uint8_t hw[8];
		unsigned len = 0;
		char s[64];
		qt_links_hwaddr(l, qb, hw, &len, NULL);
		put_mac(s, sizeof(s), hw, len);
		is_str(s, "02:00:00:00:0b:02", "qb's new MAC");
	}

	/* A name handed out inside a read section outlives an update. */
	{
		pthread_t t;
		unsigned tok = qt_links_read_begin(l);
		const char *name = qt_links_name(l, qa);
		char before[IF_NAMESIZE];
		snprintf(before, sizeof(before), "%s", name);
		sh("ip link set dev qc down && ip link set dev qc name qd");
		shared = w;
		ok(pthread_create(&t, NULL, owner, NULL) == 0, "owner thread started");
		usleep(300 * 1000);
		is_int(atomic_load(&processed), 0, "the update waits for the read section");
		is_str(name, before, "the name read in the section is still there");
		qt_links_read_end(l, tok);
		pthread_join(t, NULL);
		is_int(atomic_load(&processed), 1, "the update finished after the section");
		/* The rename may come in a second burst. */
		for (int i = 0; i < 3 && strcmp(qt_links_name(l, qa), "qd"); i++)
			round_(w);
		is_str(qt_links_name(l, qa), "qd", "then the new name is seen");
	}

	sh("ip link del qd");
	for (int i = 0; i < 3 && (*qt_links_name(l, qa) || *qt_links_name(l, qb)); i++)
		round_(w);
	is_str(qt_links_name(l, qa), "", "deleted: qd gone");
	is_str(qt_links_name(l, qb), "", "deleted: its peer gone");
	compare_with_ip(w);

	qt_rtnl_watch_close(w);
	cleanup();
	return done_testing();
}
