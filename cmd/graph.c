/* The dot printer of `qtables -L --graph` (see graph.h). */
#include "graph.h"

#include <string.h>

#include "print.h"

/* A dot string literal: quotes and backslashes escaped. */
static void put_quoted(struct qt_buf *b, const char *s, size_t n)
{
	qt_buf_puts(b, "\"");
	for (size_t i = 0; i < n && s[i]; i++) {
		if (s[i] == '"' || s[i] == '\\')
			qt_buf_puts(b, "\\");
		qt_buf_put(b, &s[i], 1);
	}
	qt_buf_puts(b, "\"");
}

static void put_id(struct qt_buf *b, const char *name)
{
	put_quoted(b, name, strlen(name));
}

/* The rule's matches as -S prints them, without the jump or goto that
 * ends them (the edge says where it goes) */
static void match_text(struct qt_buf *b, const struct qt_rule *r)
{
	struct qt_buf s;
	qt_buf_init(&s);
	qt_rule_save(&s, r, false);
	const char *text = qt_buf_str(&s);
	size_t n = s.len;
	const char *tail = r->verdict == QT_V_GOTO ? " -g " : " -j ";
	for (size_t i = n; i-- > 0;)
		if (!strncmp(text + i, tail, 4)) {
			n = i;
			break;
		}
	while (n && *text == ' ') {
		text++;
		n--;
	}
	if (n > QT_GRAPH_LABEL_MAX) {
		qt_buf_put(b, text, QT_GRAPH_LABEL_MAX - 3);
		qt_buf_puts(b, "...");
	} else {
		qt_buf_put(b, text, n);
	}
	qt_buf_free(&s);
}

static void chain_node(struct qt_buf *out, const struct qt_chain *c)
{
	struct qt_buf label;
	qt_buf_init(&label);
	if (c->builtin)
		qt_buf_printf(&label, "%s\npolicy %s", c->name,
			      qt_verdict_name(c->policy));
	else
		qt_buf_printf(&label, "%s", c->name);
	qt_buf_printf(&label, "\n%u rule%s", c->nrules,
		      c->nrules == 1 ? "" : "s");
	qt_buf_puts(out, "\t");
	put_id(out, c->name);
	qt_buf_puts(out, " [label=");
	/* dot's own line break in a label is the two characters \n */
	qt_buf_puts(out, "\"");
	for (const char *p = qt_buf_str(&label); *p; p++) {
		if (*p == '\n')
			qt_buf_puts(out, "\\n");
		else if (*p == '"' || *p == '\\')
			qt_buf_printf(out, "\\%c", *p);
		else
			qt_buf_put(out, p, 1);
	}
	qt_buf_puts(out, "\"");
	qt_buf_puts(out, c->builtin ? ", style=bold" : ", style=rounded");
	qt_buf_puts(out, "];\n");
	qt_buf_free(&label);
}

void qt_graph_dot(struct qt_buf *out, const struct qt_table *t)
{
	const char *tname = qt_table_def(t->id)->name;
	qt_buf_puts(out, "digraph ");
	put_id(out, tname);
	qt_buf_puts(out, " {\n\trankdir=LR;\n\tlabel=");
	put_id(out, tname);
	qt_buf_puts(out, ";\n\tnode [shape=box, fontname=\"monospace\"];\n"
		    "\tedge [fontname=\"monospace\", fontsize=10];\n");
	for (unsigned ci = 0; ci < t->nchains; ci++)
		chain_node(out, t->chains[ci]);
	for (unsigned ci = 0; ci < t->nchains; ci++) {
		const struct qt_chain *c = t->chains[ci];
		for (unsigned ri = 0; ri < c->nrules; ri++) {
			const struct qt_rule *r = c->rules[ri];
			if (r->verdict != QT_V_JUMP && r->verdict != QT_V_GOTO)
				continue;
			struct qt_buf label;
			qt_buf_init(&label);
			qt_buf_printf(&label, "#%u", ri + 1);
			size_t at = label.len;
			qt_buf_puts(&label, " ");
			match_text(&label, r);
			if (label.len == at + 1)
				label.len = at;   /* no matches: the number alone */
			qt_buf_puts(out, "\t");
			put_id(out, c->name);
			qt_buf_puts(out, " -> ");
			put_id(out, r->jump);
			qt_buf_puts(out, " [label=");
			put_quoted(out, qt_buf_str(&label), label.len);
			if (r->verdict == QT_V_GOTO)
				qt_buf_puts(out, ", style=dashed");
			qt_buf_puts(out, "];\n");
			qt_buf_free(&label);
		}
	}
	qt_buf_puts(out, "}\n");
}
