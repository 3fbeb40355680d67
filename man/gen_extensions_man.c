/* Writes qtables-extensions(8) from its template and the extension
 * registry: each match and target gets its entry from the help text it
 * prints for `qtables -m NAME -h` (iptables' text), so a new extension
 * file is in the manual without an edit here or in the template.
 *
 *   gen_extensions_man TEMPLATE > qtables-extensions.8
 *
 * The template's lines "@MATCHES@" and "@TARGETS@" are replaced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ext.h"

/* Text as roff shows it verbatim: a backslash doubled, a line that
 * would read as a request ('.' or '\'' first) guarded. */
static void put_verbatim(const char *text)
{
	int bol = 1;
	for (const char *p = text; *p; p++) {
		if (bol && (*p == '.' || *p == '\''))
			fputs("\\&", stdout);
		if (*p == '\\')
			fputs("\\e", stdout);
		else if (*p == '-')
			fputs("\\-", stdout);
		else
			putchar(*p);
		bol = *p == '\n';
	}
	if (!bol)
		putchar('\n');
}

static int by_name(const void *a, const void *b)
{
	const struct qt_ext *x = *(const struct qt_ext *const *)a;
	const struct qt_ext *y = *(const struct qt_ext *const *)b;
	int c = strcmp(x->name, y->name);
	/* one name in both families (ah): iptables' first */
	return c ? c : (int)x->family - (int)y->family;
}

static void entries(enum qt_ext_kind kind)
{
	const struct qt_ext *list[256];
	size_t n = 0;
	for (size_t i = 0; qt_ext_at(i) && n < 256; i++)
		if (qt_ext_at(i)->kind == kind)
			list[n++] = qt_ext_at(i);
	qsort(list, n, sizeof(*list), by_name);
	for (size_t i = 0; i < n; i++) {
		const struct qt_ext *e = list[i];
		/* an extension of one family says whose it is */
		if (e->family == AF_INET6)
			printf(".TP\n.BR %s \" (ip6tables)\"\n", e->name);
		else if (e->family == AF_INET)
			printf(".TP\n.BR %s \" (iptables)\"\n", e->name);
		else
			printf(".TP\n.B %s\n", e->name);
		if (!e->help) {
			printf("No options.\n");
			continue;
		}
		printf(".nf\n");
		put_verbatim(e->help);
		printf(".fi\n");
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s TEMPLATE\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "@MATCHES@\n"))
			entries(QT_EXT_MATCH);
		else if (!strcmp(line, "@TARGETS@\n"))
			entries(QT_EXT_TARGET);
		else
			fputs(line, stdout);
	}
	fclose(f);
	return ferror(stdout) ? 1 : 0;
}
