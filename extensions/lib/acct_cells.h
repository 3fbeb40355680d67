/* The counters of the accounting objects nfacct(8) makes (the kernel's
 * nfnetlink_acct): one cell per object, shared by every -m nfacct rule
 * naming it and by the daemon's nfacct view.
 *
 * Cells live in a registry keyed by name, refcounted: the registry
 * holds one reference for an object that exists (qt_acct_define, from
 * the ruleset's objects), each rule's engine state one more
 * (qt_acct_get when it is compiled, qt_acct_put when it is freed, after
 * the queue threads left it). An object deleted and made again is a
 * new cell with new counters, as in the kernel. Registry operations run
 * on the control thread; the packet path touches only a cell's atomics
 * (no lock, no allocation). */
#ifndef QT_ACCT_CELLS_H
#define QT_ACCT_CELLS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"

struct qt_acct_cell {
	_Alignas(64) _Atomic uint64_t pkts;
	_Atomic uint64_t bytes;
	_Atomic bool overquota;     /* NFACCT_OVERQUOTA_BIT */
	char name[QT_ACCT_NAME_MAX];
	uint8_t mode;               /* enum qt_acct_mode */
	uint64_t quota;
	unsigned refs;              /* control thread */
	bool defined;               /* the registry's reference is held */
	struct qt_acct_cell *next;
};

/* The cell of the object called name, one more reference: the defined
 * one, or (no object of that name: a ruleset checked elsewhere, a
 * test) a cell of its own without a quota. NULL when out of memory. */
struct qt_acct_cell *qt_acct_get(const char *name);
void qt_acct_put(struct qt_acct_cell *c);
/* The objects of rs exist, with their quotas, and no others: cells of
 * objects no longer there leave the registry (rules still holding one
 * keep it until they go). */
void qt_acct_define(const struct qt_ruleset *rs);
/* The cell of an existing object (no reference taken), or NULL. */
struct qt_acct_cell *qt_acct_find(const char *name);

/* nfnl_acct_update and nfnl_acct_overquota for one packet of len bytes:
 * true when the match matches (no quota, or over it). */
bool qt_acct_count(struct qt_acct_cell *c, uint64_t len);
/* The counters, zeroed after (NFNL_MSG_ACCT_GET_CTRZERO) when reset;
 * the over-quota flag as it was. */
void qt_acct_read(struct qt_acct_cell *c, bool reset, uint64_t *pkts,
		  uint64_t *bytes, bool *overquota);

#endif
