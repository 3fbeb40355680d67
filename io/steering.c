/* Kernel steering rules through iptables-nft-restore --noflush. */
#define _GNU_SOURCE
#include "steering.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct hook_chain { const char *builtin, *ours; };

static const struct hook_chain mangle_chains[] = {
	{ "PREROUTING", "QTABLES-PRE" },
	{ "INPUT", "QTABLES-IN" },
	{ "FORWARD", "QTABLES-FWD" },
	{ "OUTPUT", "QTABLES-OUT" },
	{ "POSTROUTING", "QTABLES-POST" },
};
static const struct hook_chain raw_chains[] = {
	{ "PREROUTING", "QTABLES-RAW-PRE" },
	{ "OUTPUT", "QTABLES-RAW-OUT" },
};

void qt_steer_config_default(struct qt_steer_config *c, uint16_t queue)
{
	memset(c, 0, sizeof(*c));
	c->queue_first = c->queue_last = queue;
	c->notrack = true;
}

uint16_t qt_steer_l2_bcast(const struct qt_steer_config *c)
{
	return c->l2_first;
}

uint16_t qt_steer_l2_mcast(const struct qt_steer_config *c)
{
	return (uint16_t)(c->l2_first + (c->queue_last - c->queue_first) + 1);
}

struct out { char *buf; size_t len, cap; bool full; };

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->full)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

static bool ours(const char *name, size_t n)
{
	size_t p = strlen(QT_STEER_PREFIX);
	return n >= p && strncmp(name, QT_STEER_PREFIX, p) == 0;
}

/* Ours in table `table` of the save text `cur`: the jumps to our chains
 * (as -D lines), then our chains (-F, then -X unless declared again). */
static void remove_table(struct out *o, const char *cur, const char *table,
			 const struct hook_chain *keep, size_t nkeep)
{
	bool in = false;
	const char *l = cur;
	for (int pass = 0; pass < 3; pass++, l = cur, in = false) {
		while (l && *l) {
			const char *e = strchr(l, '\n');
			size_t n = e ? (size_t)(e - l) : strlen(l);
			if (l[0] == '*')
				in = n - 1 == strlen(table) && !strncmp(l + 1, table, n - 1);
			else if (in && pass == 0 && n > 3 && !strncmp(l, "-A ", 3) &&
				 !ours(l + 3, n - 3)) {
				const char *j = memmem(l, n, " -j " QT_STEER_PREFIX, 12);
				const char *g = memmem(l, n, " -g " QT_STEER_PREFIX, 12);
				if (j || g)
					put(o, "-D %.*s\n", (int)(n - 3), l + 3);
			} else if (in && pass > 0 && l[0] == ':' && ours(l + 1, n - 1)) {
				size_t cn = strcspn(l + 1, " \n");
				bool kept = false;
				for (size_t k = 0; k < nkeep; k++)
					if (strlen(keep[k].ours) == cn &&
					    !strncmp(keep[k].ours, l + 1, cn))
						kept = true;
				/* Declared chains are flushed by their ':' line. */
				if (!kept)
					put(o, "-%c %.*s\n", pass == 1 ? 'F' : 'X',
					    (int)cn, l + 1);
			}
			l = e ? e + 1 : NULL;
		}
	}
}

static void table(struct out *o, const struct qt_steer_config *c,
		  const char *cur, const char *name,
		  const struct hook_chain *all, size_t n, const char *target,
		  const char *const *before, unsigned mask)
{
	/* the chains of the hooks asked for (mask: bit per entry) */
	struct hook_chain hc[5];
	size_t keep = 0, start = o->len;
	for (size_t i = 0; c && i < n && i < 5; i++)
		if (mask & (1u << i))
			hc[keep++] = all[i];
	put(o, "*%s\n", name);
	size_t head = o->len;
	for (size_t i = 0; i < keep; i++)
		put(o, ":%s - [0:0]\n", hc[i].ours);
	remove_table(o, cur ? cur : "", name, hc, keep);
	for (size_t i = 0; i < keep; i++) {
		for (const char *const *b = before; b && *b; b++)
			put(o, "-A %s %s\n", hc[i].ours, *b);
		put(o, "-A %s %s\n", hc[i].ours, target);
		put(o, "-I %s 1 -j %s\n", hc[i].builtin, hc[i].ours);
	}
	/* Nothing to do here: leave the table alone (not even create it). */
	if (!o->full && o->len == head) {
		o->len = start;
		o->buf[start] = 0;
		return;
	}
	put(o, "COMMIT\n");
}

/* "[match]-j NFQUEUE ..." for queues first.. (as many as c's main
 * queues; balanced as they are). */
static void queue_target(char *buf, size_t len, const char *match,
			 uint16_t first, const struct qt_steer_config *c)
{
	unsigned n = (unsigned)(c->queue_last - c->queue_first);
	if (n)
		snprintf(buf, len, "%s-j NFQUEUE --queue-balance %u:%u%s", match,
			 first, first + n, c->bypass ? " --queue-bypass" : "");
	else
		snprintf(buf, len, "%s-j NFQUEUE --queue-num %u%s", match, first,
			 c->bypass ? " --queue-bypass" : "");
}

/* One family's script: hooks and defrag are that family's. */
static int script(const struct qt_steer_config *c, unsigned hooks_of_family,
		  bool defrag, const char *current, char *buf, size_t len)
{
	struct out o = { buf, 0, len, false };
	char target[96] = "", host[128], bcast[128], mcast[128];
	const char *l2[4] = { NULL };
	if (len == 0)
		return -1;
	buf[0] = 0;
	if (c) {
		queue_target(target, sizeof(target), "", c->queue_first, c);
		if (c->l2) {
			/* unicast first: most packets meet one rule, as
			 * without these; anything else (none at the IPv4
			 * hooks) falls through to the main queues */
			queue_target(host, sizeof(host),
				     "-m pkttype --pkt-type unicast ",
				     c->queue_first, c);
			queue_target(bcast, sizeof(bcast),
				     "-m pkttype --pkt-type broadcast ",
				     qt_steer_l2_bcast(c), c);
			queue_target(mcast, sizeof(mcast),
				     "-m pkttype --pkt-type multicast ",
				     qt_steer_l2_mcast(c), c);
			l2[0] = host;
			l2[1] = bcast;
			l2[2] = mcast;
		}
	}
	unsigned hooks = c && c->hooks_set ? hooks_of_family : 0x1f;
	table(&o, c, current, "mangle", mangle_chains,
	      sizeof(mangle_chains) / sizeof(mangle_chains[0]), target, l2,
	      hooks);
	/* raw: with notrack off, still remove an earlier install's chains.
	 * Kept for every queued packet: PREROUTING sees what arrives,
	 * OUTPUT what is sent from here. */
	/* A rule that uses conntrack (and only counts) makes the kernel
	 * reassemble fragments before the hooks, as it does for a ruleset
	 * of its own that tracks connections; the packets stay untracked
	 * in the kernel all the same. */
	const char *const defrag_rule[] = { "-m conntrack --ctstate UNTRACKED",
					    NULL };
	table(&o, c && c->notrack ? c : NULL, current, "raw", raw_chains,
	      sizeof(raw_chains) / sizeof(raw_chains[0]), "-j CT --notrack",
	      c && defrag ? defrag_rule : NULL, 0x3);
	return o.full ? -1 : (int)o.len;
}

int qt_steer_script(const struct qt_steer_config *c, const char *current,
		    char *buf, size_t len)
{
	return script(c, c ? c->hooks : 0, c && c->defrag, current, buf, len);
}

int qt_steer_script6(const struct qt_steer_config *c, const char *current,
		     char *buf, size_t len)
{
	return script(c, c ? c->hooks6 : 0, c && c->defrag6, current, buf,
		      len);
}

int qt_steer_run_tool(const char *path, char *const argv[],
		      const char *input, char **output)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, status = -1;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	*output = NULL;
	if (!buf || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		goto done;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	int e = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	if (e) {
		snprintf(buf, cap, "cannot run %s: %s\n", path, strerror(e));
		goto done;
	}
	/* Our scripts are a few KiB: write them before reading. A child
	 * that exits early gives EPIPE, which its status explains. */
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	for (size_t off = 0, n = input ? strlen(input) : 0; off < n;) {
		ssize_t w = write(in[1], input + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(in[1]);
	in[1] = -1;
	struct timespec zero = { 0, 0 };
	while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (;;) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(out[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = 0;
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			goto done;
	status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
done:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	*output = buf;
	return status;
}

static void first_line(char *err, size_t errlen, const char *what, const char *msg)
{
	size_t n = msg ? strcspn(msg, "\n") : 0;
	snprintf(err, errlen, "%s: %.*s", what, (int)n, msg ? msg : "");
}

static int apply(const struct qt_steer_config *c, bool v6,
		 const char *restore, const char *save, char *err,
		 size_t errlen)
{
	char *cur = NULL, *msg = NULL, *script = NULL;
	char *save_argv[] = { (char *)save, NULL };
	char *restore_argv[] = { (char *)restore, (char *)"--noflush", NULL };
	int rc = -1;

	int st = qt_steer_run_tool(save, save_argv, NULL, &cur);
	if (st != 0) {
		first_line(err, errlen, save, cur);
		goto out;
	}
	size_t len = strlen(cur) + 8192;
	script = malloc(len);
	if (!script || (v6 ? qt_steer_script6(c, cur, script, len)
			   : qt_steer_script(c, cur, script, len)) < 0) {
		snprintf(err, errlen, "steering script too long");
		goto out;
	}
	st = qt_steer_run_tool(restore, restore_argv, script, &msg);
	if (st != 0) {
		first_line(err, errlen, restore, msg);
		goto out;
	}
	rc = 0;
out:
	free(cur);
	free(msg);
	free(script);
	return rc;
}

static int apply4(const struct qt_steer_config *c,
		  const struct qt_steer_config *paths, char *err, size_t errlen)
{
	return apply(c, false,
		     paths && paths->restore ? paths->restore : QT_STEER_RESTORE,
		     paths && paths->save ? paths->save : QT_STEER_SAVE,
		     err, errlen);
}

static int apply6(const struct qt_steer_config *c,
		  const struct qt_steer_config *paths, char *err, size_t errlen)
{
	return apply(c, true,
		     paths && paths->restore6 ? paths->restore6
					      : QT_STEER_RESTORE6,
		     paths && paths->save6 ? paths->save6 : QT_STEER_SAVE6,
		     err, errlen);
}

int qt_steer_install_families(const struct qt_steer_config *c,
			      unsigned which, char *err, size_t errlen)
{
	if ((which & QT_STEER_V4) && apply4(c, c, err, errlen) < 0)
		return -1;
	if ((which & QT_STEER_V6) && apply6(c, c, err, errlen) < 0)
		return -1;
	return 0;
}

int qt_steer_install(const struct qt_steer_config *c, char *err, size_t errlen)
{
	if (apply4(c, c, err, errlen) < 0)
		return -1;
	/* a failure here leaves IPv4's steering in place: its queues
	 * then judge nothing, which is closed, as a failed start is */
	return apply6(c, c, err, errlen);
}

int qt_steer_remove(const struct qt_steer_config *c, char *err, size_t errlen)
{
	/* both, even when one fails: the other's chains go all the same */
	int r4 = apply4(NULL, c, err, errlen);
	char msg6[256];
	int r6 = apply6(NULL, c, msg6, sizeof(msg6));
	if (r6 < 0 && r4 == 0)
		snprintf(err, errlen, "%s", msg6);
	return r4 < 0 || r6 < 0 ? -1 : 0;
}
