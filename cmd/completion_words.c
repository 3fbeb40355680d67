/* The word lists of --completion-words (see completion_words.h). */
#include "completion_words.h"

#include <string.h>
#include <sys/socket.h>

#include "command.h"
#include "ct_options.h"
#include "ext.h"
#include "model.h"

static bool usable(const struct qt_ext *e)
{
	/* IPv4 only, for now */
	return e->family == 0 || e->family == AF_INET;
}

static void extensions(enum qt_ext_kind kind, struct qt_buf *out)
{
	const struct qt_ext *e;
	for (size_t i = 0; (e = qt_ext_at(i)); i++)
		if (e->kind == kind && usable(e))
			qt_buf_printf(out, "%s\n", e->name);
}

static int extension_options(enum qt_ext_kind kind, const char *name,
			     struct qt_buf *out)
{
	/* the IPv4 one where both families have one of that name (ah) */
	const struct qt_ext *e = qt_ext_find_fam(name, kind, AF_INET);
	if (!e || !usable(e))
		return -1;
	for (const struct qt_ext_opt *o = e->opts; o && o->name; o++)
		qt_buf_printf(out, "--%s\n", o->name);
	return 0;
}

/* An option table as LONG/LETTER pairs: "--long" lines, then "-L"
 * lines */
static void options(const char *(*at)(unsigned, char *), struct qt_buf *out)
{
	char letter;
	const char *name;
	for (unsigned i = 0; (name = at(i, &letter)); i++)
		qt_buf_printf(out, "--%s\n", name);
	for (unsigned i = 0; (name = at(i, &letter)); i++)
		if (letter)
			qt_buf_printf(out, "-%c\n", letter);
}

static const char *conntrack_option(unsigned i, char *letter)
{
	if (i >= qt_ct_nopts)
		return NULL;
	*letter = qt_ct_opts[i].sht;
	return qt_ct_opts[i].lng;
}

int qt_completion_words(const char *what, struct qt_buf *out)
{
	if (!strcmp(what, "tables")) {
		for (int t = 0; t < QT_NTABLES; t++)
			qt_buf_printf(out, "%s\n", qt_table_def(t)->name);
		return 0;
	}
	if (!strcmp(what, "matches")) {
		extensions(QT_EXT_MATCH, out);
		return 0;
	}
	if (!strcmp(what, "targets")) {
		extensions(QT_EXT_TARGET, out);
		return 0;
	}
	if (!strncmp(what, "match:", 6))
		return extension_options(QT_EXT_MATCH, what + 6, out);
	if (!strncmp(what, "target:", 7))
		return extension_options(QT_EXT_TARGET, what + 7, out);
	if (!strcmp(what, "options:qtables")) {
		options(qt_command_option, out);
		return 0;
	}
	if (!strcmp(what, "options:qtables-conntrack")) {
		options(conntrack_option, out);
		return 0;
	}
	return -1;
}
