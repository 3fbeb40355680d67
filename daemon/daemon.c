/* The daemon's control loop: one transaction at a time, applied whole or
 * not at all, persisted before the reply says it succeeded. */
#define _GNU_SOURCE
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
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

#include "counters.h"
#include "ctx.h"
#include "model.h"
#include "request.h"
#include "control.h"
#include "control_server.h"
#include "ct_view.h"
#include "handover.h"
#include "metrics.h"
#include "recent_lists.h"
#include "reload.h"
#include "acct_cells.h"
#include "acct_view.h"
#include "nft_model.h"
#include "nft_view.h"
#include "set_view.h"
#include "sd_notify.h"
#include "state_file.h"
#include "stats_view.h"

struct daemon {
	const struct qt_daemon_opts *o;
	struct qt_ruleset *rs;
	/* The IPv6 ruleset (ip6tables): committed and persisted on its
	 * own (its file beside the state file, qt_state_path6), run by
	 * the same engine as a program of its own; its counters and
	 * extension state in a store of their own (store6), as the IPv4
	 * rules' are in store. */
	struct qt_ruleset *rs6;
	struct qt_rt_store *store6;
	const char *state6;         /* NULL: no persistence */
	char state6_buf[PATH_MAX];
	/* counters and extension state by rule, and policy counters: the
	 * engine counts into it; without one (--no-datapath) it holds
	 * what was set (-c, restore --counters, the state file) */
	struct qt_rt_store *store;
	struct qt_engine *engine;   /* NULL: --no-datapath */
	struct qt_control_server *ctl;
	unsigned long requests, state_errors;
	int lfd;                    /* the listening socket (also ctl's) */
	bool handed_over;           /* the next daemon has everything */
	bool restart;               /* stopped by SIGTERM: a holder waits */
};

/* Runtimes of rules in neither the ruleset nor the running program are
 * freed (a commit has waited for the queue threads to leave the
 * programs before). */
static void sweep(struct daemon *d)
{
	qt_rt_store_mark_ruleset(d->store, d->rs);
	if (d->rs6)
		qt_rt_store_mark_ruleset(d->store6, d->rs6);
	if (d->engine)
		qt_engine_mark(d->engine);
	qt_rt_store_sweep(d->store);
	qt_rt_store_sweep(d->store6);
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

/* The daemon's own lines follow the engine's in the text form of the
 * stats; json and prometheus get them as families (control_metrics). */
static bool stats_is_text(const struct qt_ipc_header *h)
{
	char fmt[16];
	qt_ipc_first_word(h, fmt, sizeof(fmt));
	return !fmt[0] || !strcmp(fmt, "text");
}

static void control_stats(struct daemon *d, struct qt_buf *out)
{
	const struct qt_control_counters *c = qt_control_server_counters(d->ctl);
	qt_buf_printf(out, "control: %lu requests, %lu connections, %lu refused "
		      "(no CAP_NET_ADMIN), %lu timed out, %lu evicted (idle, "
		      "over %d open), %lu too large\n", d->requests, c->accepted,
		      c->refused, c->timed_out, c->evicted,
		      QT_CONTROL_MAX_CONNS, c->too_large);
}

/* The counters of control_stats and the state file's, as metric
 * families: the same numbers as the text. */
static void control_metrics(void *ctx, struct qt_metrics *m)
{
	const struct daemon *d = ctx;
	const struct qt_control_counters *c = qt_control_server_counters(d->ctl);
	qt_metrics_family(m, "qtables_control_requests_total", QT_COUNTER,
			  "control requests answered");
	qt_metrics_sample(m, d->requests, NULL);
	qt_metrics_family(m, "qtables_control_connections_total", QT_COUNTER,
			  "control connections accepted");
	qt_metrics_sample(m, c->accepted, NULL);
	qt_metrics_family(m, "qtables_control_turned_away_total", QT_COUNTER,
			  "control connections closed unanswered, by reason");
	qt_metrics_sample(m, c->refused, "reason", "refused", NULL);
	qt_metrics_sample(m, c->timed_out, "reason", "timed_out", NULL);
	qt_metrics_sample(m, c->evicted, "reason", "evicted", NULL);
	qt_metrics_sample(m, c->too_large, "reason", "too_large", NULL);
	qt_metrics_family(m, "qtables_control_connections_max", QT_GAUGE,
			  "control connections open at most (idle ones are "
			  "evicted beyond)");
	qt_metrics_sample(m, QT_CONTROL_MAX_CONNS, NULL);
	qt_metrics_family(m, "qtables_state_file_write_failures_total",
			  QT_COUNTER, "rulesets not applied as the state file "
			  "could not be written");
	qt_metrics_sample(m, d->state_errors, NULL);
}

/* The state file written again for what packets and time changed in the
 * sets since the last commit (element counters, timeouts left; nft's
 * sets that packets fill). */
static void persist_sets(struct daemon *d)
{
	struct qt_buf err;
	qt_buf_init(&err);
	struct qt_counter_view cnt = { .io = qt_rt_store_io(d->store) };
	if (d->o->state_path &&
	    (qt_set_view_count() || qt_nft_view_dynamic()) &&
	    qt_state_write(d->o->state_path, d->rs, &cnt, &err) < 0) {
		d->state_errors++;
		fputs(qt_buf_str(&err), stderr);
	}
	qt_buf_free(&err);
}

/* A failed state-file write after an ipset change: the sets go back to
 * what they were (rendered before the change), into the very set
 * objects rules hold, as a commit that cannot be kept changes nothing. */
static void undo_sets(const struct qt_buf *before)
{
	struct qt_buf why;
	qt_buf_init(&why);
	if (qt_set_view_load(qt_buf_str(before), before->len, &why) == 0)
		qt_set_view_settle(true);
	else
		fprintf(stderr, "qtablesd: the sets could not be put back after "
			"a failed write: %s\n", qt_buf_str(&why));
	qt_buf_free(&why);
}

/* A ruleset request for IPv6 (ip6tables*): run, kept only when the
 * engine runs it and its file could be written, as the IPv4 ruleset
 * is; a commit changes the IPv6 program only. */
static int serve_v6(struct daemon *d, const struct qt_buf *req,
		    struct qt_buf *out, struct qt_buf *err)
{
	bool changed = false;
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = {
		.io = qt_rt_store_io(d->store6), .pending = &pending,
	};
	struct qt_ruleset *before = d->state6 || d->engine
				    ? qt_ruleset_clone(d->rs6) : NULL;
	size_t held = qt_rt_store_count(d->store6);
	int status = qt_request_run(&d->rs6, qt_buf_str(req), req->len, &cnt,
				    out, err, &changed);
	const char *why = NULL;
	bool recommit = false;
	if (changed && d->engine &&
	    qt_engine_commit(d->engine, d->rs6, err) < 0) {
		why = "the engine cannot run it";
	} else if (changed && d->state6 &&
		   qt_state_write(d->state6, d->rs6, &cnt, err) < 0) {
		d->state_errors++;
		why = "it could not be saved";
		recommit = true;        /* the old ruleset ran before */
	}
	if (why) {
		qt_buf_printf(err, "qtablesd: the change was not applied, as "
			      "%s\n", why);
		qt_ruleset_free(d->rs6);
		d->rs6 = before;
		before = NULL;
		if (recommit && d->engine)
			qt_engine_commit(d->engine, d->rs6, err);
		changed = false;
		status = QT_RESOURCE_PROBLEM;
	}
	if (changed)
		qt_policy_pending_apply(&pending, cnt.io);
	qt_ruleset_free(before);
	if (changed || qt_rt_store_count(d->store6) != held)
		sweep(d);
	return status;
}

/* One complete request from a peer the kernel vouched for. Requests come
 * one at a time: a transaction never meets another half-way. */
static void serve_request(void *ctx, const struct qt_peer *peer,
			  struct qt_buf *req, struct qt_buf *rep)
{
	struct daemon *d = ctx;
	struct timespec t0;
	double t_read = 0, t_run = 0, t_save = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	int status;
	struct qt_ipc_header h;
	bool parsed = qt_ipc_parse(qt_buf_str(req), req->len, &h) == 0;
	enum qt_ipc_kind kind = parsed ? h.kind : QT_IPC_COMMAND;
	if (kind == QT_IPC_STATS) {
		t_read = ms_since(&t0);
		status = qt_stats_request(d->engine, qt_buf_str(req), req->len,
					  control_metrics, d, &out, &err);
		if (status == 0 && stats_is_text(&h)) {
			control_stats(d, &out);
			qt_buf_printf(&out, "state file: writes failed %lu\n",
				      d->state_errors);
		}
	} else if (kind == QT_IPC_CONNTRACK) {
		/* qtables-conntrack: the engine's connection tables */
		t_read = ms_since(&t0);
		status = qt_ct_view_request(d->engine, qt_buf_str(req),
					    req->len, &out, &err);
	} else if (kind == QT_IPC_HANDOVER) {
		/* the answer is the handover itself, on the peer's socket;
		 * after it, or after a failure that left no engine, this
		 * daemon stops */
		struct qt_engine_opts eo = d->o->engine;
		eo.store = d->store;
		eo.store6 = d->store6;
		eo.rs6 = d->rs6;
		/* the sets' counters and timeouts as they are now: the next
		 * daemon reads them from the state file */
		persist_sets(d);
		d->engine = qt_handover_give(d->engine, &eo, d->rs,
					     d->lfd, peer->fd, &d->handed_over);
		d->requests++;
		if (d->handed_over || (d->o->datapath && !d->engine))
			qt_control_server_stop(d->ctl);
		qt_buf_free(&out);
		qt_buf_free(&err);
		return;
	} else if (kind == QT_IPC_IPSET) {
		/* ipset(8): the sets change without a commit (the rules
		 * hold them by reference); what changed is persisted */
		bool changed = false;
		t_read = ms_since(&t0);
		/* the sets as they are, to go back to when what the request
		 * changes cannot be kept */
		struct qt_buf before;
		qt_buf_init(&before);
		if (d->o->state_path)
			qt_set_view_render(&before);
		status = qt_set_view_request(d->rs, d->rs6, qt_buf_str(req),
					     req->len,
					     &out, &err, &changed);
		t_run = ms_since(&t0);
		struct qt_counter_view cnt = { .io = qt_rt_store_io(d->store) };
		if (changed && d->o->state_path &&
		    qt_state_write(d->o->state_path, d->rs, &cnt, &err) < 0) {
			d->state_errors++;
			status = QT_RESOURCE_PROBLEM;
			undo_sets(&before);
		}
		qt_buf_free(&before);
		t_save = ms_since(&t0);
	} else if (kind == QT_IPC_NFT) {
		/* nft(8): its tables are held beside iptables' rules and
		 * persisted with them; the engine runs their base chains,
		 * so a change it cannot run is not applied (fail closed) */
		bool changed = false;
		t_read = ms_since(&t0);
		qt_nft_view_sync();
		/* the ruleset replaced, to put back if the engine cannot
		 * run the new one (handed over, not copied beforehand) */
		struct nft_ruleset *before = NULL;
		status = qt_nft_view_request(qt_buf_str(req), req->len, &out,
					     &err, &changed,
					     d->engine ? &before : NULL);
		if (changed && d->engine &&
		    qt_engine_commit_nft(d->engine, d->rs, d->rs6, &err) < 0) {
			if (before)
				qt_nft_view_put_back(before);
			before = NULL;
			/* nothing went in: no echo of what was made */
			qt_buf_reset(&out);
			/* the ruleset before ran: it compiles again */
			struct qt_buf again;
			qt_buf_init(&again);
			qt_engine_commit_nft(d->engine, d->rs, d->rs6, &again);
			qt_buf_free(&again);
			changed = false;
			status = 1;
		}
		nft_ruleset_free(before);
		t_run = ms_since(&t0);
		struct qt_counter_view cnt = { .io = qt_rt_store_io(d->store) };
		if (changed && d->o->state_path &&
		    qt_state_write(d->o->state_path, d->rs, &cnt, &err) < 0) {
			d->state_errors++;
			status = 1;
		}
		t_save = ms_since(&t0);
	} else if (kind == QT_IPC_RECENT) {
		/* the lists of -m recent, as /proc/net/xt_recent shows and
		 * edits them (extensions/lib/recent_lists.h) */
		t_read = ms_since(&t0);
		status = qt_recent_request(qt_buf_str(req), req->len, &out,
					   &err);
	} else if (parsed && kind != QT_IPC_NFACCT &&
		   qt_ipc_family(&h) == AF_INET6) {
		t_read = ms_since(&t0);
		status = serve_v6(d, req, &out, &err);
		t_run = t_save = ms_since(&t0);
	} else {
		bool changed = false;
		t_read = ms_since(&t0);
		/* counters are read from where packets count them; the
		 * policy counters the request sets wait in pending until
		 * its ruleset is kept */
		struct qt_policy_pending pending = { 0 };
		struct qt_counter_view cnt = {
			.io = qt_rt_store_io(d->store), .pending = &pending,
		};
		/* kept so that a ruleset that cannot be run or persisted is
		 * not applied either: memory, engine and disk never
		 * disagree */
		struct qt_ruleset *before =
			d->o->state_path || d->engine ? qt_ruleset_clone(d->rs)
						      : NULL;
		size_t held = qt_rt_store_count(d->store);
		bool adopted = kind != QT_IPC_NFACCT &&
			       qt_acct_view_adopt_kernel(d->rs,
							 qt_buf_str(req),
							 req->len);
		if (kind == QT_IPC_NFACCT)
			/* nfacct(8): the accounting objects are the
			 * ruleset's, committed and saved with it */
			status = qt_acct_view_request(&d->rs, qt_buf_str(req),
						      req->len, &out, &err,
						      &changed);
		else
			status = qt_request_run(&d->rs, qt_buf_str(req),
						req->len, &cnt, &out, &err,
						&changed);
		/* the objects adopted stay, whatever the request did */
		changed = changed || adopted;
		t_run = ms_since(&t0);
		if (changed && d->engine &&
		    qt_engine_commit(d->engine, d->rs, &err) < 0) {
			roll_back(d, &before, &err, "the engine cannot run it",
				  false);
			changed = false;
			status = QT_RESOURCE_PROBLEM;
		}
		if (changed && d->o->state_path &&
		    qt_state_write(d->o->state_path, d->rs, &cnt, &err) < 0) {
			d->state_errors++;
			/* the old ruleset ran before: it compiles again */
			roll_back(d, &before, &err, "it could not be saved", true);
			changed = false;
			status = QT_RESOURCE_PROBLEM;
		}
		if (changed)
			qt_policy_pending_apply(&pending, cnt.io);
		/* the objects as the ruleset kept has them, and the counters
		 * a restore of nfacct gave the ones it made */
		qt_acct_define(d->rs);
		qt_acct_view_apply_restored();
		t_save = ms_since(&t0);
		qt_ruleset_free(before);
		/* a request that only read leaves nothing to free */
		if (changed || qt_rt_store_count(d->store) != held)
			sweep(d);
	}
	if (status < 0 || status > 255)
		status = QT_OTHER_PROBLEM;   /* an exit code, whatever went wrong */
	d->requests++;
	qt_reply_encode(rep, status, &out, &err);
	if (d->o->timing)
		/* cumulative: dispatched, then run, then saved, then
		 * encoded (the reply is sent by the event loop) */
		fprintf(stderr, "qtablesd: timing: request %lu: %zu bytes, "
			"status %d, read %.3f run %.3f saved %.3f replied %.3f ms\n",
			d->requests, req->len, status, t_read, t_run, t_save,
			ms_since(&t0));
	qt_buf_free(&out);
	qt_buf_free(&err);
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f);
}

/* A daemon that handed over leaves the next one's pidfile alone. */
static bool pidfile_is_mine(const char *path)
{
	FILE *f = fopen(path, "r");
	int pid = 0;
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid == (int)getpid();
}

/* The IPv6 ruleset at start (and SIGHUP): its file, as the IPv4 one
 * is loaded; without persistence, what the daemon before handed over
 * (ho; NULL on SIGHUP), or empty. A file that cannot be trusted refuses
 * the start as the IPv4 file does; on SIGHUP it only leaves the running
 * ruleset in place. */
static int load_v6(struct daemon *d, const struct qt_handover *ho)
{
	/* SIGHUP without persistence: nothing to read again, the running
	 * ruleset stays (qt_reload_state says so for both) */
	if (!d->state6 && d->rs6)
		return -1;
	struct qt_ruleset *rs = NULL;
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = {
		.io = qt_rt_store_io(d->store6), .pending = &pending,
	};
	struct qt_buf err;
	qt_buf_init(&err);
	struct qt_buf handed;
	qt_buf_init(&handed);
	int got = !d->state6 && ho ? qt_handover_text6(ho, &handed, &err) : 0;
	if (got > 0 && qt_state_parse6(qt_buf_str(&handed), handed.len, &rs,
				       &cnt, &err) < 0)
		got = -1;
	qt_buf_free(&handed);
	if (got < 0) {
		fprintf(stderr, "qtablesd: not starting: the IPv6 ruleset "
			"handed over: %s\n", qt_buf_str(&err));
		qt_buf_free(&err);
		return -1;
	}
	/* handed over (got 1): taken as it ran, its counters from the
	 * snapshot */
	if (got == 0 && !d->state6) {
		rs = qt_ruleset_new(AF_INET6);
	} else if (got == 0 && qt_state_load6(d->state6, d->rs6 != NULL, &rs,
					      &cnt, &err) < 0) {
		/* on SIGHUP the running ruleset stays, as for IPv4 */
		fprintf(stderr, "qtablesd: %s%s\n", d->rs6 ? "SIGHUP: "
			: "not starting: ", qt_buf_str(&err));
		qt_buf_free(&err);
		return -1;
	}
	/* a running engine takes it, or it is not loaded */
	if (d->engine && qt_engine_commit(d->engine, rs, &err) < 0) {
		fprintf(stderr, "qtablesd: SIGHUP: %s%s not loaded; the "
			"running IPv6 ruleset stays\n", qt_buf_str(&err),
			d->state6);
		qt_buf_free(&err);
		qt_ruleset_free(rs);
		return -1;
	}
	/* a reload writes the file back in its own spelling, so that the
	 * next start finds it whole */
	if (d->rs6 && qt_state_write(d->state6, rs, &cnt, &err) < 0)
		fprintf(stderr, "%sqtablesd: SIGHUP: %s loaded but could not "
			"be written back\n", qt_buf_str(&err), d->state6);
	qt_buf_free(&err);
	/* as for IPv4 (reload.c): a running engine's counters go on */
	if (!d->engine)
		qt_policy_pending_apply(&pending, cnt.io);
	qt_ruleset_free(d->rs6);
	d->rs6 = rs;
	return 0;
}

int qt_daemon_run(const struct qt_daemon_opts *o)
{
	struct daemon d = { .o = o };
	struct qt_buf err;
	qt_buf_init(&err);
	/* A commit builds and frees megabytes (the ruleset's working copy,
	 * a set's parsed elements, the state file's text). Given back to
	 * the kernel after each commit, that memory was faulted in again
	 * page by page by the next, which cost more than the work itself
	 * (a set of 10,000 elements: most of an nft -f, on a virtual
	 * machine). The heap keeps what it freed, up to 256 MB, and blocks
	 * below 32 MB come from it rather than from mappings of their own;
	 * the packet path allocates nothing either way. */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	if (o->state_path) {
		d.state6 = qt_state_path6(o->state_path, d.state6_buf,
					  sizeof(d.state6_buf));
		if (!d.state6) {
			fprintf(stderr, "qtablesd: state file name too long: "
				"%s\n", o->state_path);
			return 1;
		}
	}
	d.store = qt_rt_store_new();
	d.store6 = qt_rt_store_new();
	if (!d.store || !d.store6) {
		fprintf(stderr, "qtablesd: out of memory\n");
		return 1;
	}

	/* what the daemon before hands over, before the state file is
	 * read: its last commit is on disk by then */
	struct qt_handover ho;
	if (qt_handover_take(o->handover, &ho, &err) < 0) {
		fputs(qt_buf_str(&err), stderr);
		qt_buf_reset(&err);
	}
	if (!o->datapath)
		qt_handover_drop_queues(&ho);
	/* a state that cannot be trusted leaves the kernel's rules (and
	 * the steering of a daemon that died or handed over) as they are,
	 * so the namespace stays as closed as it was */
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = {
		.io = qt_rt_store_io(d.store), .pending = &pending,
	};
	int loaded = qt_state_start(o->state_path, o->state_recover, &d.rs,
				    &cnt, &err);
	fputs(qt_buf_str(&err), stderr);
	qt_buf_reset(&err);
	if (loaded < 0) {
		qt_buf_free(&err);
		qt_rt_store_free(d.store);
		qt_rt_store_free(d.store6);
		return 1;
	}
	qt_policy_pending_apply(&pending, cnt.io);
	if (load_v6(&d, &ho) < 0) {
		qt_ruleset_free(d.rs);
		qt_rt_store_free(d.store);
		qt_rt_store_free(d.store6);
		return 1;
	}
	/* the accounting objects of the state file exist before its rules
	 * are compiled into a program */
	qt_acct_define(d.rs);
	sweep(&d);

	int lfd = ho.lfd >= 0 ? ho.lfd : qt_control_listen();
	if (ho.lfd >= 0)   /* the event loop never waits in accept */
		fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	ho.lfd = -1;
	d.lfd = lfd;
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
		struct qt_engine_opts eo = o->engine;
		eo.store = d.store;
		eo.store6 = d.store6;
		eo.rs6 = d.rs6;
		qt_handover_engine_opts(&ho, &eo, d.rs);
		d.engine = qt_engine_start(&eo, d.rs, &eerr);
		ho.nq = 0;      /* the engine owns the queue sockets now */
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
	/* the client refuses input over QT_IPC_MAX itself; the slack is
	 * for the header line in front of it */
	d.ctl = qt_control_server_new(lfd, QT_IPC_MAX + 4096,
				      serve_request, &d);
	if (sfd < 0 || !d.ctl) {
		fprintf(stderr, "qtablesd: cannot serve @%s: %s\n",
			qt_control_name(), strerror(errno));
		qt_engine_stop(d.engine);
		qt_ruleset_free(d.rs);
		return 1;
	}

	if (ready[1] >= 0) {
		if (write(ready[1], "r", 1) != 1)
			return 1;
		close(ready[1]);
	}
	/* the saved ruleset runs and the steering is in place */
	qt_sd_notifyf("READY=1\nMAINPID=%d\nSTATUS=ruleset loaded, steering "
		      "in place", (int)getpid());
	int wfd = qt_watchdog_open();
	if (wfd >= 0)
		qt_control_server_watch(d.ctl, wfd);

	for (;;) {
		int sig = qt_control_server_run(d.ctl, sfd, -1);
		if (sig == SIGTERM || sig == SIGINT) {
			/* SIGTERM is how service managers stop for a
			 * restart; SIGINT (^C) is a stop */
			d.restart = sig == SIGTERM;
			break;
		}
		if (sig == SIGHUP) {
			qt_reload_state(o->state_path, &d.rs, d.store,
					d.engine);
			(void)load_v6(&d, NULL);
			qt_acct_define(d.rs);
			sweep(&d);
			continue;
		}
		if (sig == QT_CONTROL_WATCHED) {
			qt_watchdog_tick(wfd, d.engine);
			continue;
		}
		if (sig < 0)   /* handed over, or a failed handover left no
				  engine, or the loop broke */
			break;
	}
	qt_sd_notify("STOPPING=1");
	if (!d.handed_over)
		persist_sets(&d);
	if (d.restart && o->handover_wait && d.engine)
		qt_handover_leave_holder(d.engine, d.rs, d.rs6,
					 o->handover_wait);
	qt_handover_close(&ho);
	qt_control_server_free(d.ctl);   /* closes the listening socket */
	close(sfd);
	if (wfd >= 0)
		close(wfd);
	/* removes the steering rules: with fail-closed, traffic stops here
	 * until a daemon binds the queue again only if rules remain; they
	 * do not, so the namespace is back to the kernel's own tables */
	qt_engine_stop(d.engine);
	if (o->pidfile && pidfile_is_mine(o->pidfile))
		unlink(o->pidfile);
	qt_ruleset_free(d.rs);
	qt_ruleset_free(d.rs6);
	qt_rt_store_free(d.store);
	qt_rt_store_free(d.store6);
	qt_state_forget();
	qt_buf_free(&err);
	return 0;
}
