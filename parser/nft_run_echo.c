/* nft -e: the objects a batch made, printed as nft 1.0.6 prints the
 * kernel's notifications of them once the batch is in: each object
 * as the ruleset holds it after the batch, then the generation the
 * batch made. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nft_json_print.h"
#include "nft_print.h"
#include "nft_run_priv.h"

static struct echo_ev *note(struct run *r)
{
	struct echo_ev *v = realloc(r->echo, (r->necho + 1) * sizeof(*v));
	if (!v)
		abort();
	r->echo = v;
	memset(&v[r->necho], 0, sizeof(*v));
	return &v[r->necho++];
}

void nr_echo_note(struct run *r, enum echo_kind k, const struct nft_table *t,
		  const char *name, uint64_t handle, bool insert)
{
	if (k == ECHO_RULE && r->o->made) {
		struct nft_made *m = r->o->made;
		uint64_t *v = realloc(m->rule_handles,
				      (m->n + 1) * sizeof(*v));
		if (!v)
			abort();
		m->rule_handles = v;
		v[m->n++] = handle;
	}
	if (!r->o->echo)
		return;
	struct echo_ev *e = note(r);
	e->kind = k;
	e->family = t->family;
	e->table = nr_xstrdup(t->name);
	e->name = name ? nr_xstrdup(name) : NULL;
	e->handle = handle;
	e->insert = insert;
}

void nr_echo_note_delrule(struct run *r, const struct nft_table *t,
			  const struct nft_chain *c, const struct nft_rule *ru)
{
	nr_echo_note(r, ECHO_DELRULE, t, c->name, ru->handle, false);
	if (!r->o->echo || !r->o->json)
		return;
	struct qt_buf b;
	qt_buf_init(&b);
	nft_json_echo_rule(t, c, ru, &b);
	r->echo[r->necho - 1].json = nr_xstrdup(qt_buf_str(&b));
	qt_buf_free(&b);
}

/* Only the elements the set lacks: the kernel tells of no element it
 * had already. */
void nr_echo_note_elems(struct run *r, const struct nft_table *t,
			const struct nft_set *s, const struct nft_elem *e,
			unsigned n)
{
	if (!r->o->echo)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (nft_set_missing(s, &e[i], 1) < 0)
			continue;
		struct echo_ev *v = note(r);
		v->kind = ECHO_ELEM;
		v->family = t->family;
		v->table = nr_xstrdup(t->name);
		v->name = nr_xstrdup(s->name);
		struct nft_elem *copy = nft_elems_dup(&e[i], 1);
		v->elem = *copy;
		free(copy);
	}
}

static void render_one(struct run *r, const struct echo_ev *e,
		       const struct nft_print_opts *po)
{
	struct nft_table *t = nft_table_find(r->rs, (int)e->family, e->table);
	if (!t)
		return;
	switch (e->kind) {
	case ECHO_TABLE:
		nft_print_echo_table(t, po, r->out);
		return;
	case ECHO_CHAIN: {
		struct nft_chain *c = nft_chain_find(t, e->name);
		if (c)
			nft_print_echo_chain(t, c, po, r->out);
		return;
	}
	case ECHO_SET: {
		struct nft_set *s = nft_set_find(t, e->name);
		if (s)
			nft_print_echo_set(t, s, po, r->out);
		return;
	}
	case ECHO_ELEM: {
		struct nft_set *s = nft_set_find(t, e->name);
		if (s)
			nft_print_echo_elem(t, s, &e->elem, r->out);
		return;
	}
	case ECHO_RULE: {
		struct nft_chain *c = nft_chain_find(t, e->name);
		int at = c ? nft_rule_index(c, e->handle) : -1;
		if (at >= 0)
			nft_print_echo_rule(t, c, (unsigned)at, e->insert, po,
					    r->out);
		return;
	}
	case ECHO_DELRULE:
		qt_buf_printf(r->out, "delete rule %s %s %s handle %" PRIu64
			      "\n", nft_family_name(e->family), e->table,
			      e->name, e->handle);
		return;
	case ECHO_OBJ: {
		struct nft_obj *o = nft_obj_find(t, e->obj_kind, e->name);
		if (o)
			nft_print_echo_obj(t, o, po, r->out);
		return;
	}
	}
}

/* The object in JSON after {"VERB": ; nothing when it is gone. */
static void render_json(struct run *r, const struct echo_ev *e, bool *first)
{
	struct nft_table *t = nft_table_find(r->rs, (int)e->family, e->table);
	if (!t)
		return;
	struct nft_chain *c = e->kind == ECHO_CHAIN || e->kind == ECHO_RULE
			      ? nft_chain_find(t, e->name) : NULL;
	struct nft_set *s = e->kind == ECHO_SET || e->kind == ECHO_ELEM
			    ? nft_set_find(t, e->name) : NULL;
	int at = e->kind == ECHO_RULE && c ? nft_rule_index(c, e->handle) : -1;
	struct nft_obj *o = e->kind == ECHO_OBJ
			    ? nft_obj_find(t, e->obj_kind, e->name) : NULL;
	if ((e->kind == ECHO_OBJ && !o) || ((e->kind == ECHO_CHAIN) && !c) ||
	    ((e->kind == ECHO_SET || e->kind == ECHO_ELEM) && !s) ||
	    (e->kind == ECHO_RULE && at < 0) ||
	    (e->kind == ECHO_DELRULE && !e->json))
		return;
	const char *verb = e->kind == ECHO_DELRULE ? "delete"
			   : e->kind == ECHO_RULE && e->insert ? "insert"
			   : "add";
	nft_json_echo_begin(r->out, *first, verb);
	*first = false;
	switch (e->kind) {
	case ECHO_TABLE:
		nft_json_echo_table(t, r->out);
		return;
	case ECHO_CHAIN:
		nft_json_echo_chain(t, c, r->out);
		return;
	case ECHO_SET:
		nft_json_echo_set(t, s, r->out);
		return;
	case ECHO_ELEM:
		nft_json_echo_elem(t, s, &e->elem, r->out);
		return;
	case ECHO_RULE:
		nft_json_echo_rule(t, c, &c->rules[at], r->out);
		return;
	case ECHO_DELRULE:
		qt_buf_puts(r->out, e->json);
		return;
	case ECHO_OBJ:
		nft_json_echo_obj(t, o, r->out);
		return;
	}
}

void nr_echo_render(struct run *r, uint64_t generation)
{
	if (r->o->json) {
		bool first = true;
		for (unsigned i = 0; i < r->necho; i++)
			render_json(r, &r->echo[i], &first);
		if (!first)
			nft_json_echo_end(r->out);
		nr_echo_free(r);
		return;
	}
	struct nft_print_opts po = { .handles = r->o->handles,
				     .stateless = r->o->stateless };
	size_t mark = r->out->len;
	for (unsigned i = 0; i < r->necho; i++)
		render_one(r, &r->echo[i], &po);
	/* the generation is told with the objects, and only then */
	if (r->out->len != mark)
		qt_buf_printf(r->out, "# new generation %" PRIu64 " by process "
			      "%ld (nft)\n", generation, (long)r->o->pid);
	nr_echo_free(r);
}

void nr_echo_free(struct run *r)
{
	for (unsigned i = 0; i < r->necho; i++) {
		free(r->echo[i].table);
		free(r->echo[i].name);
		free(r->echo[i].json);
		nft_elem_clear(&r->echo[i].elem);
	}
	free(r->echo);
	r->echo = NULL;
	r->necho = 0;
}
