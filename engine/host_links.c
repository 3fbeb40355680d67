/* The interface table and its lookups; see host_links.h. */
#include "host_links.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snap_swap.h"

struct snap {
	uint64_t version;
	size_t n;
	struct qt_link links[];   /* sorted by ifindex */
};

static int link_cmp(const void *x, const void *y)
{
	const struct qt_link *a = x, *b = y;
	return (a->ifindex > b->ifindex) - (a->ifindex < b->ifindex);
}

int qt_links_publish(struct qt_links *o, struct qt_link *k, size_t n)
{
	if (n)
		qsort(k, n, sizeof(*k), link_cmp);
	struct snap *s = malloc(sizeof(*s) + n * sizeof(*k));
	if (!s)
		return -1;
	s->version = ++o->version;
	s->n = n;
	if (n)
		memcpy(s->links, k, n * sizeof(*k));
	qt_snap_publish(o->sync, s);
	return 0;
}

struct qt_links *qt_links_new(void)
{
	struct qt_links *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->sync = qt_snap_swap_new();
	if (!o->sync || qt_links_publish(o, NULL, 0) < 0) {
		qt_links_free(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

void qt_links_free(struct qt_links *o)
{
	if (!o)
		return;
	if (o->sync)
		qt_snap_swap_free(o->sync);
	free(o);
}

unsigned qt_links_read_begin(const struct qt_links *o)
{
	return qt_snap_read_begin(o->sync);
}

void qt_links_read_end(const struct qt_links *o, unsigned token)
{
	qt_snap_read_end(o->sync, token);
}

static const struct qt_link *find(const struct snap *s, int ifindex)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int x = s->links[mid].ifindex;
		if (x == ifindex)
			return &s->links[mid];
		if (x < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *qt_links_name(const struct qt_links *o, int ifindex)
{
	unsigned t = qt_links_read_begin(o);
	const struct qt_link *k = find(qt_snap_current(o->sync), ifindex);
	qt_links_read_end(o, t);
	return k ? k->name : "";
}

const char *qt_links_name_in_section(const struct qt_links *o, int ifindex)
{
	const struct qt_link *k = find(qt_snap_current(o->sync), ifindex);
	return k ? k->name : "";
}

int qt_links_index(const struct qt_links *o, const char *name)
{
	unsigned t = qt_links_read_begin(o);
	const struct snap *s = qt_snap_current(o->sync);
	int ret = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!strncmp(s->links[i].name, name, IFNAMSIZ)) {
			ret = s->links[i].ifindex;
			break;
		}
	qt_links_read_end(o, t);
	return ret;
}

int qt_links_hwaddr(const struct qt_links *o, int ifindex, uint8_t out[8],
		    unsigned *len, unsigned *type)
{
	unsigned t = qt_links_read_begin(o);
	const struct qt_link *k = find(qt_snap_current(o->sync), ifindex);
	unsigned n = 0;
	if (k) {
		n = k->addrlen < 8 ? k->addrlen : 8;
		if (out && n)
			memcpy(out, k->addr, n);
		if (type)
			*type = k->type;
	}
	if (len)
		*len = n;
	qt_links_read_end(o, t);
	return k ? 0 : -1;
}

int qt_links_group(const struct qt_links *o, int ifindex, uint32_t *group)
{
	unsigned t = qt_links_read_begin(o);
	const struct qt_link *k = find(qt_snap_current(o->sync), ifindex);
	if (k)
		*group = k->group;
	qt_links_read_end(o, t);
	return k ? 0 : -1;
}

unsigned qt_links_flags(const struct qt_links *o, int ifindex)
{
	unsigned t = qt_links_read_begin(o);
	const struct qt_link *k = find(qt_snap_current(o->sync), ifindex);
	unsigned f = k ? k->flags : 0;
	qt_links_read_end(o, t);
	return f;
}

uint64_t qt_links_version(const struct qt_links *o)
{
	unsigned t = qt_links_read_begin(o);
	const struct snap *s = qt_snap_current(o->sync);
	uint64_t v = s->version;
	qt_links_read_end(o, t);
	return v;
}
