/* Benchmark, not a test: what keeping the state file durable costs on
 * its own, step by step, as daemon/state_file.c writes it: write the
 * text to NAME.tmp, fdatasync, close, rename over NAME, fsync the
 * directory. Prints the median and the largest time of each step over
 * ROUNDS writes of BYTES bytes in DIR, and the same writes without the
 * two syncs beside them (rounds alternate the two). Asserts nothing.
 *
 *   bench_state_sync DIR [BYTES [ROUNDS]]     (defaults 123000 31) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { S_WRITE, S_DATASYNC, S_RENAME, S_DIRSYNC, NSTEPS };
static const char *const step_name[NSTEPS] = {
	"open+write", "fdatasync", "close+rename", "fsync(dir)"
};

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One write of the file; t[step] its times (ms). */
static int save(const char *dir, const char *path, const char *tmp,
		const char *text, size_t n, int sync, double *t)
{
	double t0 = now_ms();
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n)
		return -1;
	double t1 = now_ms();
	if (sync && fdatasync(fd) < 0)
		return -1;
	double t2 = now_ms();
	if (close(fd) < 0 || rename(tmp, path) < 0)
		return -1;
	double t3 = now_ms();
	if (sync) {
		int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0 || fsync(d) < 0)
			return -1;
		close(d);
	}
	double t4 = now_ms();
	t[S_WRITE] = t1 - t0;
	t[S_DATASYNC] = t2 - t1;
	t[S_RENAME] = t3 - t2;
	t[S_DIRSYNC] = t4 - t3;
	return 0;
}

static void print_row(const char *name, double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	printf("  %-14s median %8.3f ms  max %8.3f ms\n", name, v[n / 2],
	       v[n - 1]);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_state_sync DIR [BYTES [ROUNDS]]\n");
		return 2;
	}
	const char *dir = argv[1];
	size_t bytes = argc > 2 ? (size_t)atol(argv[2]) : 123000;
	unsigned rounds = argc > 3 ? (unsigned)atoi(argv[3]) : 31;
	if (!bytes || !rounds)
		return 2;
	char path[4096], tmp[4200];
	snprintf(path, sizeof(path), "%s/rules.v4", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	char *text = malloc(bytes);
	for (size_t i = 0; i < bytes; i++)
		text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	double *t[2][NSTEPS + 1];
	for (int s = 0; s < 2; s++)
		for (int k = 0; k <= NSTEPS; k++)
			t[s][k] = calloc(rounds, sizeof(double));
	for (unsigned r = 0; r < rounds; r++)
		for (int o = 0; o < 2; o++) {
			int sync = r % 2 ? o : !o;
			double st[NSTEPS];
			if (save(dir, path, tmp, text, bytes, sync, st) < 0) {
				perror("bench_state_sync");
				return 1;
			}
			double all = 0;
			for (int k = 0; k < NSTEPS; k++) {
				t[sync][k][r] = st[k];
				all += st[k];
			}
			t[sync][NSTEPS][r] = all;
		}
	printf("state file of %zu bytes in %s, %u rounds\n", bytes, dir, rounds);
	for (int s = 1; s >= 0; s--) {
		printf("%s:\n", s ? "durable (as qtablesd saves)" : "no syncs");
		for (int k = 0; k < NSTEPS; k++)
			if (s || (k != S_DATASYNC && k != S_DIRSYNC))
				print_row(step_name[k], t[s][k], rounds);
		print_row("the whole save", t[s][NSTEPS], rounds);
	}
	unlink(path);
	return 0;
}
