/* Reloading the state file on SIGHUP (see reload.h). */
#define _GNU_SOURCE
#include "reload.h"

#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log_sink.h"
#include "sd_notify.h"
#include "state_file.h"

static void notify_reloading(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* MONOTONIC_USEC lets a manager match this to its reload request */
	qt_sd_notifyf("RELOADING=1\nMONOTONIC_USEC=%llu",
		      (unsigned long long)ts.tv_sec * 1000000ull +
		      (unsigned long long)ts.tv_nsec / 1000);
}

/* Each line on its own: a log line is one message. */
static void log_lines(int level, const char *s)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		int n = nl ? (int)(nl - s) : (int)strlen(s);
		qt_log_daemon(level, "%.*s", n, s);
		s += n + (nl != NULL);
	}
}

int qt_reload_state(const char *path, struct qt_ruleset **rs,
		    struct qt_rt_store *store, struct qt_engine *e)
{
	if (!path) {
		qt_log_daemon(LOG_WARNING, "qtablesd: SIGHUP: no state file to "
			      "read again (--no-state)");
		return -1;
	}
	notify_reloading();
	struct qt_buf err, explained;
	qt_buf_init(&err);
	qt_buf_init(&explained);
	struct qt_ruleset *fresh = NULL;
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = {
		.io = qt_rt_store_io(store), .pending = &pending,
	};
	/* a state file as qtablesd writes it (its trailer checked), or
	 * restore text an administrator put there (iptables-save output):
	 * a reload is asked for, and a file that fails changes nothing */
	int st = qt_state_load_fallback(path, &fresh, &cnt, &err, &explained);
	if (st == 0 && e)
		st = qt_engine_commit(e, fresh, &err);
	/* written back in the state file's own spelling, so that the next
	 * start finds it whole */
	if (st == 0 && qt_state_write(path, fresh, &cnt, &err) < 0)
		qt_log_daemon(LOG_ERR, "%sqtablesd: SIGHUP: %s runs but could "
			      "not be written back", qt_buf_str(&err), path);
	if (st < 0) {
		qt_ruleset_free(fresh);
		/* the reason is one line without its newline */
		qt_log_daemon(LOG_ERR, "qtablesd: SIGHUP: %s; %s not loaded; the "
			      "running ruleset stays", qt_buf_str(&err), path);
		log_lines(LOG_ERR, qt_buf_str(&explained));
	} else {
		qt_ruleset_free(*rs);
		*rs = fresh;
		if (!e)
			qt_policy_pending_apply(&pending, cnt.io);
		qt_log_daemon(LOG_INFO, "qtablesd: SIGHUP: %s loaded", path);
	}
	qt_buf_free(&err);
	qt_buf_free(&explained);
	qt_sd_notifyf("READY=1\nSTATUS=%s", st < 0
		      ? "reload failed; the previous ruleset runs"
		      : "ruleset loaded, steering in place");
	return st < 0 ? -1 : 0;
}
