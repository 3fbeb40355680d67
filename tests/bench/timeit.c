/* timeit N [-i FILE] [-q] -- CMD ARGS...: run CMD N times and print
 * "median MIN MAX" wall-clock milliseconds on one line, the first run
 * too ("first F"). Only the command is timed: no shell, and nothing but
 * fork+exec+wait around it, so a 1 ms difference shows. -i feeds FILE
 * to each run's standard input; -q sends its standard output to
 * /dev/null. A run that exits non-zero is reported on stderr and makes
 * timeit exit 1 (the numbers are printed anyway). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		goto usage;
	int n = atoi(argv[1]);
	const char *input = NULL;
	int quiet = 0, i = 2;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-i") && i + 1 < argc)
			input = argv[++i];
		else if (!strcmp(argv[i], "-q"))
			quiet = 1;
		else
			goto usage;
	}
	if (n < 1 || i + 1 >= argc)
		goto usage;
	char **cmd = argv + i + 1;
	double *t = calloc((size_t)n, sizeof(*t));
	int failed = 0;
	for (int k = 0; k < n; k++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			if (input) {
				int fd = open(input, O_RDONLY);
				if (fd < 0 || dup2(fd, 0) < 0)
					_exit(126);
			}
			if (quiet) {
				int fd = open("/dev/null", O_WRONLY);
				if (fd < 0 || dup2(fd, 1) < 0)
					_exit(126);
			}
			execvp(cmd[0], cmd);
			_exit(127);
		}
		int st;
		waitpid(pid, &st, 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[k] = (double)(b.tv_sec - a.tv_sec) * 1e3 +
		       (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "timeit: run %d of %s: status %d\n", k + 1,
				cmd[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			failed = 1;
		}
	}
	double first = t[0];
	qsort(t, (size_t)n, sizeof(*t), cmp);
	double med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	printf("%.3f %.3f %.3f first %.3f\n", med, t[0], t[n - 1], first);
	free(t);
	return failed;
usage:
	fprintf(stderr, "usage: timeit N [-i FILE] [-q] -- CMD ARGS...\n");
	return 2;
}
