/* See nft_state.h. */
#include "nft_state.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void nft_state_handles(const struct nft_ruleset *rs, struct qt_buf *b)
{
	qt_buf_printf(b, "nft-handles %" PRIu64 "\n", rs->table_handle);
	for (unsigned i = 0; i < rs->ntables; i++) {
		const struct nft_table *t = &rs->tables[i];
		/* a name with a blank (JSON input's) in double quotes,
		 * which no name holds */
		const char *q = strpbrk(t->name, " \t") ? "\"" : "";
		qt_buf_printf(b, "nft-handles %s %s%s%s %" PRIu64 " %" PRIu64,
			      nft_family_name(t->family), q, t->name, q,
			      t->handle, t->next_handle);
		for (unsigned s = 0; s < t->nsets; s++)
			qt_buf_printf(b, " %" PRIu64, t->sets[s].handle);
		for (unsigned c = 0; c < t->nchains; c++) {
			const struct nft_chain *ch = &t->chains[c];
			qt_buf_printf(b, " %" PRIu64, ch->handle);
			for (unsigned r = 0; r < ch->nrules; r++)
				qt_buf_printf(b, " %" PRIu64, ch->rules[r].handle);
		}
		/* named objects' after a word of their own: a file
		 * without them reads as before */
		if (t->nobjs)
			qt_buf_puts(b, " objs");
		for (unsigned o = 0; o < t->nobjs; o++)
			qt_buf_printf(b, " %" PRIu64, t->objs[o].handle);
		qt_buf_putc(b, '\n');
	}
}

static int next_u64(const char **p, uint64_t *v)
{
	char *end;
	while (**p == ' ')
		(*p)++;
	if (**p < '0' || **p > '9')
		return -1;
	*v = strtoull(*p, &end, 10);
	*p = end;
	return 0;
}

static int next_word(const char **p, char *buf, size_t n)
{
	while (**p == ' ')
		(*p)++;
	bool quoted = **p == '"';
	if (quoted)
		(*p)++;
	size_t k = 0;
	while (**p && **p != '\n' &&
	       (quoted ? **p != '"' : **p != ' ')) {
		if (k + 1 >= n)
			return -1;
		buf[k++] = *(*p)++;
	}
	if (quoted && *(*p)++ != '"')
		return -1;
	buf[k] = '\0';
	return k ? 0 : -1;
}

int nft_state_apply_handles(struct nft_ruleset *rs, const char *line)
{
	const char *p = line;
	char fam[16], name[256];
	uint64_t v;
	if (strncmp(p, "nft-handles ", 12))
		return -1;
	p += 12;
	const char *q = p;
	if (next_u64(&q, &v) == 0 && (*q == '\n' || !*q)) {
		rs->table_handle = v;
		return 0;
	}
	if (next_word(&p, fam, sizeof(fam)) < 0 ||
	    next_word(&p, name, sizeof(name)) < 0)
		return -1;
	struct nft_table *t = nft_table_find(rs, nft_family_parse(fam), name);
	if (!t || next_u64(&p, &t->handle) < 0 ||
	    next_u64(&p, &t->next_handle) < 0)
		return -1;
	for (unsigned s = 0; s < t->nsets; s++)
		if (next_u64(&p, &t->sets[s].handle) < 0)
			return -1;
	for (unsigned c = 0; c < t->nchains; c++) {
		struct nft_chain *ch = &t->chains[c];
		if (next_u64(&p, &ch->handle) < 0)
			return -1;
		for (unsigned r = 0; r < ch->nrules; r++)
			if (next_u64(&p, &ch->rules[r].handle) < 0)
				return -1;
	}
	while (*p == ' ')
		p++;
	if (!strncmp(p, "objs", 4)) {
		p += 4;
		for (unsigned o = 0; o < t->nobjs; o++)
			if (next_u64(&p, &t->objs[o].handle) < 0)
				return -1;
	}
	return 0;
}
