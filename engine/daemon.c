/* The daemon's control loop: one transaction at a time, applied whole or
 * not at all, persisted before the reply says it succeeded. */
#define _GNU_SOURCE
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../parser/ctx.h"
#include "../parser/model.h"
#include "../parser/request.h"
#include "control.h"
#include "ct_view.h"
#include "recent_lists.h"
#include "reload.h"
#include "sd_notify.h"
#include "state_file.h"
#include "stats_view.h"

struct daemon {
	const struct qt_daemon_opts *o;
	struct qt_ruleset *rs;
	struct qt_engine *engine;   /* NULL: --no-datapath */
	unsigned long requests, refused, state_errors;
};

static void refuse(int fd, uid_t uid)
{
	struct qt_buf out, err, rep;
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_buf_init(&rep);
	qt_buf_printf(&err,
		"qtablesd: permission denied: changing or reading the firewall "
		"needs uid 0 or CAP_NET_ADMIN (you are uid %u)\n", (unsigned)uid);
	qt_reply_encode(&rep, QT_RESOURCE_PROBLEM, &out, &err);
	qt_control_write_all(fd, qt_buf_str(&rep), rep.len);
	qt_buf_free(&out);
	qt_buf_free(&err);
	qt_buf_free(&rep);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A change that cannot be applied whole: the ruleset from before the
 * request comes back (and, when the engine already runs the new one, goes
 * back into the engine). */
static void roll_back(struct daemon *d, struct qt_ruleset **before,
		      struct qt_buf *err, const char *why, bool recommit)
{
	qt_buf_printf(err, "qtablesd: the change was not applied, as %s\n",
		      why);
	qt_ruleset_free(d->rs);
	d->rs = *before;
	*before = NULL;
	if (recommit && d->engine)
		qt_engine_commit(d->engine, d->rs, err);
}

static bool is_stats(const struct qt_buf *req)
{
	static const char hdr[] = "#qtables 1 stats ";
	return req->len >= sizeof(hdr) - 1 &&
	       memcmp(qt_buf_str(req), hdr, sizeof(hdr) - 1) == 0;
}

/* "#qtables 1 recent PROG [NAME]": the lists of -m recent, as
 * /proc/net/xt_recent shows and edits them (engine/recent_lists.h). */
static bool is_recent(const struct qt_buf *req)
{
	static const char hdr[] = "#qtables 1 recent ";
	return req->len >= sizeof(hdr) - 1 &&
	       memcmp(qt_buf_str(req), hdr, sizeof(hdr) - 1) == 0;
}

/* One client at a time: none may hold the others up for longer. */
#define REQUEST_TIMEOUT_MS 30000

static void serve_one(struct daemon *d, int fd)
{
	uid_t uid = (uid_t)-1;
	struct timespec t0;
	double t_read = 0, t_run = 0, t_save = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!qt_control_peer_allowed(fd, &uid)) {
		d->refused++;
		refuse(fd, uid);
		return;
	}
	struct qt_buf req, out, err, rep;
	qt_buf_init(&req);
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_buf_init(&rep);
	int status;
	/* the client refuses input over QT_REQUEST_MAX itself; the slack is
	 * for the header line in front of it */
	if (qt_control_read_all(fd, &req, QT_REQUEST_MAX + 4096,
				REQUEST_TIMEOUT_MS) < 0) {
		qt_buf_printf(&err, "qtablesd: request refused: %s\n",
			      errno == EFBIG ? "larger than 64 MiB" :
			      errno == ETIMEDOUT ? "not received in time"
						 : strerror(errno));
		status = QT_OTHER_PROBLEM;
	} else if (is_stats(&req)) {
		t_read = ms_since(&t0);
		status = qt_stats_request(d->engine, qt_buf_str(&req), req.len,
					  &out, &err);
	} else if (qt_ct_view_is_request(qt_buf_str(&req), req.len)) {
		/* qtables-conntrack: the engine's connection tables */
		t_read = ms_since(&t0);
		status = qt_ct_view_request(d->engine, qt_buf_str(&req),
					    req.len, &out, &err);
	} else if (is_recent(&req)) {
		t_read = ms_since(&t0);
		status = qt_recent_request(qt_buf_str(&req), req.len, &out,
					   &err);
	} else {
		bool changed = false;
		t_read = ms_since(&t0);
		/* the policy counters packets are counting, for -L, save, -Z */
		if (d->engine)
			qt_engine_policy_to_model(d->engine, d->rs);
		/* kept so that a ruleset that cannot be run or persisted is
		 * not applied either: memory, engine and disk never
		 * disagree */
		struct qt_ruleset *before =
			d->o->state_path || d->engine ? qt_ruleset_clone(d->rs)
						      : NULL;
		status = qt_request_run(&d->rs, qt_buf_str(&req), req.len, &out,
					&err, &changed);
		t_run = ms_since(&t0);
		if (changed && d->engine &&
		    qt_engine_commit(d->engine, d->rs, &err) < 0) {
			roll_back(d, &before, &err, "the engine cannot run it",
				  false);
			changed = false;
			status = QT_RESOURCE_PROBLEM;
		}
		if (changed && d->o->state_path &&
		    qt_state_write(d->o->state_path, d->rs, &err) < 0) {
			d->state_errors++;
			/* the old ruleset ran before: it compiles again */
			roll_back(d, &before, &err, "it could not be saved", true);
			changed = false;
			status = QT_RESOURCE_PROBLEM;
		}
		if (changed && d->engine)
			qt_engine_policy_from_model(d->engine, d->rs);
		t_save = ms_since(&t0);
		qt_ruleset_free(before);
	}
	if (status < 0 || status > 255)
		status = QT_OTHER_PROBLEM;   /* an exit code, whatever went wrong */
	d->requests++;
	qt_reply_encode(&rep, status, &out, &err);
	qt_control_write_all(fd, qt_buf_str(&rep), rep.len);
	if (d->o->timing)
		/* cumulative: read, then run, then saved, then replied */
		fprintf(stderr, "qtablesd: timing: request %lu: %zu bytes, "
			"status %d, read %.3f run %.3f saved %.3f replied %.3f ms\n",
			d->requests, req.len, status, t_read, t_run, t_save,
			ms_since(&t0));
	qt_buf_free(&req);
	qt_buf_free(&out);
	qt_buf_free(&err);
	qt_buf_free(&rep);
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f);
}

int qt_daemon_run(const struct qt_daemon_opts *o)
{
	struct daemon d = { .o = o };
	struct qt_buf err;
	qt_buf_init(&err);

	if (o->state_path && qt_state_load(o->state_path, &d.rs, &err) < 0) {
		fputs(qt_buf_str(&err), stderr);
		qt_buf_free(&err);
		qt_ruleset_free(d.rs);
		return 1;
	}
	if (!d.rs)
		d.rs = qt_ruleset_new(AF_INET);

	int lfd = qt_control_listen();
	if (lfd < 0) {
		fprintf(stderr, "qtablesd: cannot listen on @%s: %s%s\n",
			qt_control_name(), strerror(errno),
			errno == EADDRINUSE ? " (another qtablesd runs in this "
					      "network namespace)" : "");
		qt_ruleset_free(d.rs);
		return 1;
	}

	int ready[2] = { -1, -1 };
	if (o->background) {
		if (pipe(ready) < 0)
			return 1;
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid > 0) {
			/* wait until the child is set up, then report */
			char c;
			close(ready[1]);
			ssize_t n = read(ready[0], &c, 1);
			return n == 1 ? 0 : 1;
		}
		close(ready[0]);
		setsid();
	}
	/* blocked before any thread starts, so that every thread
	 * inherits the mask and signals reach only the signalfd */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* the datapath after the fork (threads do not survive one), before
	 * stderr is let go (its errors are worth reading) */
	if (o->datapath) {
		struct qt_buf eerr;
		qt_buf_init(&eerr);
		d.engine = qt_engine_start(&o->engine, d.rs, &eerr);
		if (!d.engine) {
			fputs(qt_buf_str(&eerr), stderr);
			qt_buf_free(&eerr);
			/* a parent waiting is told by the pipe closing */
			close(lfd);
			qt_ruleset_free(d.rs);
			return 1;
		}
		qt_buf_free(&eerr);
	}
	if (o->background) {
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			/* a daemon keeps no terminal or pipe of its parent open */
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			if (nul > 2)
				close(nul);
		}
	}
	if (o->pidfile && write_pidfile(o->pidfile) < 0)
		fprintf(stderr, "qtablesd: cannot write %s: %s\n", o->pidfile,
			strerror(errno));

	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	if (ready[1] >= 0) {
		if (write(ready[1], "r", 1) != 1)
			return 1;
		close(ready[1]);
	}
	/* the saved ruleset runs and the steering is in place */
	qt_sd_notifyf("READY=1\nMAINPID=%d\nSTATUS=ruleset loaded, steering "
		      "in place", (int)getpid());
	int wfd = qt_watchdog_open();

	for (;;) {
		struct pollfd pf[3] = {
			{ .fd = lfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = wfd, .events = POLLIN },
		};
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGHUP)
					break;
				qt_reload_state(o->state_path, &d.rs, d.engine);
			}
		}
		if (pf[2].revents & POLLIN)
			qt_watchdog_tick(wfd, d.engine);
		if (pf[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0) {
				serve_one(&d, cfd);
				close(cfd);
			}
		}
	}
	qt_sd_notify("STOPPING=1");
	close(lfd);
	close(sfd);
	if (wfd >= 0)
		close(wfd);
	/* removes the steering rules: with fail-closed, traffic stops here
	 * until a daemon binds the queue again only if rules remain; they
	 * do not, so the namespace is back to the kernel's own tables */
	qt_engine_stop(d.engine);
	if (o->pidfile)
		unlink(o->pidfile);
	qt_ruleset_free(d.rs);
	qt_state_forget();
	qt_buf_free(&err);
	return 0;
}
