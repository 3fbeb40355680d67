/* Slots of log statements (see nflog_tag.h). */
#include "nflog_tag.h"

#include <string.h>

bool qt_nflog_same(const struct qt_nflog *a, const struct qt_nflog *b)
{
	return a->audit == b->audit && a->group == b->group && a->threshold == b->threshold &&
	       a->has_snaplen == b->has_snaplen &&
	       (!a->has_snaplen || a->snaplen == b->snaplen) &&
	       !strcmp(a->prefix, b->prefix);
}

void qt_nflog_note(struct qt_nflog_used *u, const struct qt_nflog *x)
{
	for (unsigned i = 0; i < u->n; i++)
		if (qt_nflog_same(u->p[i], x))
			return;
	if (u->n < QT_NFLOG_SLOTS)
		u->p[u->n++] = x;
	else
		u->over++;
}

unsigned qt_nflog_slot_of(const struct qt_nflog_slots *s,
			  const struct qt_nflog *x)
{
	for (unsigned i = 0; i < QT_NFLOG_SLOTS; i++)
		if (s->slot[i] && (s->slot[i] == x ||
				   qt_nflog_same(s->slot[i], x)))
			return i + 1;
	return 0;
}

unsigned qt_nflog_count(const struct qt_nflog_slots *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < QT_NFLOG_SLOTS; i++)
		n += s->slot[i] != NULL;
	return n;
}

int qt_nflog_assign(const struct qt_nflog *const *used, unsigned n,
		    const struct qt_nflog_slots *prev,
		    struct qt_nflog_slots *out)
{
	memset(out, 0, sizeof(*out));
	if (n > QT_NFLOG_SLOTS)
		return -1;
	bool placed[QT_NFLOG_SLOTS] = { false };
	/* what the running program has keeps its slot */
	for (unsigned k = 0; k < n && prev; k++) {
		unsigned s = qt_nflog_slot_of(prev, used[k]);
		if (s && !out->slot[s - 1]) {
			out->slot[s - 1] = used[k];
			placed[k] = true;
		}
	}
	/* the rest: slots free in both first, then any free one */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned k = 0; k < n; k++) {
			if (placed[k])
				continue;
			for (unsigned i = 0; i < QT_NFLOG_SLOTS; i++) {
				if (out->slot[i] ||
				    (pass == 0 && prev && prev->slot[i]))
					continue;
				out->slot[i] = used[k];
				placed[k] = true;
				break;
			}
		}
	return 0;
}
