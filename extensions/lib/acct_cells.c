#include "acct_cells.h"

#include <stdlib.h>
#include <string.h>

/* Defined cells and those made for rules without an object; a handful
 * in practice, looked up on the control thread only. */
static struct qt_acct_cell *cells;

static struct qt_acct_cell *lookup(const char *name, bool defined)
{
	for (struct qt_acct_cell *c = cells; c; c = c->next)
		if (c->defined == defined &&
		    !strncmp(c->name, name, QT_ACCT_NAME_MAX))
			return c;
	return NULL;
}

static struct qt_acct_cell *cell_new(const char *name)
{
	struct qt_acct_cell *c = aligned_alloc(_Alignof(struct qt_acct_cell),
					       sizeof(*c));
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	atomic_init(&c->pkts, 0);
	atomic_init(&c->bytes, 0);
	atomic_init(&c->overquota, false);
	strncpy(c->name, name, QT_ACCT_NAME_MAX - 1);
	c->next = cells;
	cells = c;
	return c;
}

static void unlink_cell(struct qt_acct_cell *c)
{
	for (struct qt_acct_cell **p = &cells; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			return;
		}
}

struct qt_acct_cell *qt_acct_find(const char *name)
{
	return lookup(name, true);
}

struct qt_acct_cell *qt_acct_get(const char *name)
{
	struct qt_acct_cell *c = lookup(name, true);
	if (!c)
		c = lookup(name, false);
	if (!c)
		c = cell_new(name);
	if (c)
		c->refs++;
	return c;
}

void qt_acct_put(struct qt_acct_cell *c)
{
	if (!c || --c->refs)
		return;
	unlink_cell(c);
	free(c);
}

void qt_acct_define(const struct qt_ruleset *rs)
{
	struct qt_acct_cell *c, *next;
	for (c = cells; c; c = next) {
		next = c->next;
		if (c->defined) {
			const struct qt_acct_obj *o =
				qt_ruleset_acct_find(rs, c->name);
			if (o && o->mode == c->mode && o->quota == c->quota)
				continue;
			/* gone: what still counts into it keeps it alone */
			c->defined = false;
			if (!--c->refs) {
				unlink_cell(c);
				free(c);
			} else {
				/* not found by name again: a new object of
				 * this name starts from zero */
				c->name[0] = '\0';
			}
		}
	}
	for (unsigned i = 0; i < rs->nacct; i++) {
		const struct qt_acct_obj *o = &rs->acct[i];
		if (lookup(o->name, true))
			continue;
		/* rules compiled before the object was known (the state
		 * file's rules load before its objects are defined) count
		 * into their own cell: it becomes the object's */
		c = lookup(o->name, false);
		if (!c)
			c = cell_new(o->name);
		if (!c)
			continue;
		c->defined = true;
		c->mode = o->mode;
		c->quota = o->quota;
		c->refs++;
	}
}

bool qt_acct_count(struct qt_acct_cell *c, uint64_t len)
{
	uint64_t p = atomic_fetch_add_explicit(&c->pkts, 1,
					       memory_order_relaxed) + 1;
	uint64_t b = atomic_fetch_add_explicit(&c->bytes, len,
					       memory_order_relaxed) + len;
	if (c->mode == QT_ACCT_NO_QUOTA)
		return true;
	uint64_t now = c->mode == QT_ACCT_QUOTA_PKTS ? p : b;
	if (now >= c->quota &&
	    !atomic_load_explicit(&c->overquota, memory_order_relaxed))
		atomic_store_explicit(&c->overquota, true,
				      memory_order_relaxed);
	return now > c->quota;
}

void qt_acct_read(struct qt_acct_cell *c, bool reset, uint64_t *pkts,
		  uint64_t *bytes, bool *overquota)
{
	if (reset) {
		*pkts = atomic_exchange(&c->pkts, 0);
		*bytes = atomic_exchange(&c->bytes, 0);
		*overquota = atomic_exchange(&c->overquota, false);
	} else {
		*pkts = atomic_load(&c->pkts);
		*bytes = atomic_load(&c->bytes);
		*overquota = atomic_load(&c->overquota);
	}
}
