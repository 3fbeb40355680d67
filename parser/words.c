#include "words.h"

#include <stdlib.h>
#include <string.h>

void qt_words_init(struct qt_words *w)
{
	w->v = NULL;
	w->n = 0;
	w->cap = 0;
}

void qt_words_free(struct qt_words *w)
{
	for (unsigned i = 0; i < w->n; i++)
		free(w->v[i].text);
	free(w->v);
	qt_words_init(w);
}

void qt_words_push(struct qt_words *w, const char *text, size_t len,
		   struct qt_loc loc)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->v = realloc(w->v, w->cap * sizeof(*w->v));
		if (!w->v)
			abort();
	}
	char *t = malloc(len + 1);
	if (!t)
		abort();
	memcpy(t, text, len);
	t[len] = '\0';
	w->v[w->n].text = t;
	w->v[w->n].loc = loc;
	w->n++;
}
