/* Saving and loading the committed ruleset. */
#define _GNU_SOURCE
#include "state_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../parser/ctx.h"
#include "../parser/restore.h"

static bool same_netns(const char *path, const struct stat *mine)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_ino == mine->st_ino &&
	       st.st_dev == mine->st_dev;
}

const char *qt_state_default_path(void)
{
	static char path[512];
	struct stat mine;
	if (stat("/proc/self/ns/net", &mine) < 0)
		return "/var/lib/qtables/rules.v4";
	if (same_netns("/proc/1/ns/net", &mine))
		return "/var/lib/qtables/rules.v4";
	DIR *d = opendir("/run/netns");
	if (!d)
		return NULL;
	struct dirent *e;
	const char *found = NULL;
	while ((e = readdir(d))) {
		char p[300];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/run/netns/%s", e->d_name);
		if (same_netns(p, &mine)) {
			snprintf(path, sizeof(path),
				 "/var/lib/qtables/netns/%s.v4", e->d_name);
			found = path;
			break;
		}
	}
	closedir(d);
	return found;
}

static int mkdirs(const char *dir)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int qt_state_write(const char *path, struct qt_ruleset *rs, struct qt_buf *err)
{
	struct qt_buf text, dummy;
	struct qt_ctx ctx;
	qt_buf_init(&text);
	qt_buf_init(&dummy);
	qt_ctx_init(&ctx, "qtablesd", &text, &dummy);
	qt_save_run(rs, NULL, true, false, &ctx);
	qt_buf_free(&dummy);

	char dir[512], tmp[600];
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int rc = -1;
	if (mkdirs(dirname(dir)) < 0) {
		qt_buf_printf(err, "qtablesd: cannot create the directory of %s: %s\n",
			      path, strerror(errno));
		goto out;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		qt_buf_printf(err, "qtablesd: cannot write %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	const char *p = qt_buf_str(&text);
	size_t n = text.len;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			qt_buf_printf(err, "qtablesd: cannot write %s: %s\n", tmp,
				      strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
		p += w;
		n -= (size_t)w;
	}
	/* Durable before it replaces the old file: after a crash the state
	 * is the old ruleset or the new one, never half of either. */
	if (fdatasync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		qt_buf_printf(err, "qtablesd: cannot replace %s: %s\n", path,
			      strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	qt_buf_free(&text);
	return rc;
}

int qt_state_load(const char *path, struct qt_ruleset **rs, struct qt_buf *err)
{
	*rs = qt_ruleset_new(AF_INET);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : (qt_buf_printf(err,
			"qtablesd: cannot read %s: %s\n", path, strerror(errno)), -1);
	struct qt_buf text, out;
	qt_buf_init(&text);
	qt_buf_init(&out);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		qt_buf_put(&text, chunk, n);
	fclose(f);
	struct qt_ctx ctx;
	qt_ctx_init(&ctx, "qtablesd", &out, err);
	struct qt_restore_opts o = { .counters = true };
	bool changed;
	int st = qt_restore_run(rs, qt_buf_str(&text), text.len, &o, &ctx,
				&changed);
	qt_buf_free(&text);
	qt_buf_free(&out);
	if (st) {
		qt_buf_printf(err, "qtablesd: %s: the saved ruleset above could not be restored\n",
			      path);
		return -1;
	}
	return 0;
}
