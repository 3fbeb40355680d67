/* One packet judged by a compiled program: the walk, with connection
 * tracking around it when the program reads or changes it. The daemon's
 * queue threads (daemon/datapath.c) and qtables-replay both judge here,
 * so a capture replayed gives the verdicts the daemon would.
 *
 * ev is set up by the caller (qt_eval_init and the packet's metadata);
 * ctg is the calling thread's connection table, NULL when it tracks
 * nothing; calls that track are made inside the table's burst
 * (qt_ctg_burst_begin ... end). Returns the verdict, QT_XT_ACCEPT or
 * QT_XT_DROP; ev says whether the packet was rewritten or re-marked. */
#ifndef QT_JUDGE_H
#define QT_JUDGE_H

#include "ct_glue.h"
#include "eval.h"
#include "program.h"

/* The packet at one hook of its path, which goes on to the later hooks
 * (each hook's packet comes to the daemon as its own message). */
int qt_judge(const struct qt_prog *prog, struct qt_ctg *ctg,
	     struct qt_eval *ev, struct qt_prog_stats *ps);

/* The packet as if its whole path had rules only at ev->hook: tracked
 * at its first hook (PREROUTING, or OUTPUT for a local packet) before
 * the walk, and confirmed at its last one (INPUT or POSTROUTING) when
 * accepted. What a capture replayed at one hook needs. */
int qt_judge_alone(const struct qt_prog *prog, struct qt_ctg *ctg,
		   struct qt_eval *ev, struct qt_prog_stats *ps);

#endif
