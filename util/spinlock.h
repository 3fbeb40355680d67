/* A tiny spinlock for state that packets of several queue threads touch
 * for a few dozen instructions (a token bucket, one hash table): cheaper
 * than a mutex, never sleeps, and one per state so unrelated rules never
 * contend. Not for anything that can block or run long. */
#ifndef QT_SPINLOCK_H
#define QT_SPINLOCK_H

#include <stdatomic.h>

typedef struct {
	atomic_flag f;
} qt_spinlock;

#define QT_SPINLOCK_INIT { ATOMIC_FLAG_INIT }

static inline void qt_spin_init(qt_spinlock *l)
{
	atomic_flag_clear_explicit(&l->f, memory_order_relaxed);
}

static inline void qt_spin_lock(qt_spinlock *l)
{
	while (atomic_flag_test_and_set_explicit(&l->f, memory_order_acquire)) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
}

static inline void qt_spin_unlock(qt_spinlock *l)
{
	atomic_flag_clear_explicit(&l->f, memory_order_release);
}

#endif
