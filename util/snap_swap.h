/* An immutable snapshot behind one pointer, published by one owner and
 * read by any number of threads without locks or allocation (used by
 * io/addrs.c and io/links.c).
 *
 * Readers count themselves in readers[gen & 1] for the time they use the
 * snapshot; publishing swaps the pointer, then flips gen twice, each time
 * waiting for the counter just left to drain, and only then frees the old
 * snapshot. A reader that loaded the old pointer had already counted
 * itself in one of the two counters, so both waits together cover it;
 * readers arriving later see the new snapshot (all operations seq_cst).
 * Two counters used by turns, as SRCU does: a waiting owner is never
 * starved by readers that came after it. */
#ifndef QT_SNAP_SWAP_H
#define QT_SNAP_SWAP_H

struct qt_snap_swap;

/* Empty (no snapshot yet); NULL when out of memory. */
struct qt_snap_swap *qt_snap_swap_new(void);
/* Frees the current snapshot too; only when no reader can run any more. */
void qt_snap_swap_free(struct qt_snap_swap *s);

/* A read section: the snapshot loaded inside stays valid until its end.
 * Pass the token begin returned to end. Never publish inside a section
 * of the same thread: it would wait for itself. */
unsigned qt_snap_read_begin(struct qt_snap_swap *s);
void qt_snap_read_end(struct qt_snap_swap *s, unsigned token);
void *qt_snap_current(struct qt_snap_swap *s);

/* Owner: make snap (malloc'd, one block) the current snapshot and free
 * the previous one once no reader can hold it. */
void qt_snap_publish(struct qt_snap_swap *s, void *snap);

#endif
