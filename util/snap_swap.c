/* Snapshot publish/retire with reader counters; see snap_swap.h. */
#include "snap_swap.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

struct qt_snap_swap {
	_Atomic(void *) cur;
	atomic_uint gen;
	atomic_uint readers[2];
};

struct qt_snap_swap *qt_snap_swap_new(void)
{
	return calloc(1, sizeof(struct qt_snap_swap));
}

void qt_snap_swap_free(struct qt_snap_swap *s)
{
	if (!s)
		return;
	free(atomic_load(&s->cur));
	free(s);
}

unsigned qt_snap_read_begin(struct qt_snap_swap *s)
{
	unsigned i = atomic_load(&s->gen) & 1;
	atomic_fetch_add(&s->readers[i], 1);
	return i;
}

void qt_snap_read_end(struct qt_snap_swap *s, unsigned token)
{
	atomic_fetch_sub(&s->readers[token & 1], 1);
}

void *qt_snap_current(struct qt_snap_swap *s)
{
	return atomic_load(&s->cur);
}

/* Wait until no reader can hold a snapshot published before now. */
static void synchronize(struct qt_snap_swap *s)
{
	for (int i = 0; i < 2; i++) {
		unsigned g = atomic_fetch_add(&s->gen, 1);
		while (atomic_load(&s->readers[g & 1]))
			sched_yield();
	}
}

void qt_snap_publish(struct qt_snap_swap *s, void *snap)
{
	void *old = atomic_exchange(&s->cur, snap);
	synchronize(s);
	free(old);
}
