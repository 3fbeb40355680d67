/* See judge.h. */
#include "judge.h"

int qt_judge(const struct qt_prog *prog, struct qt_ctg *ctg,
	     struct qt_eval *ev, struct qt_prog_stats *ps)
{
	bool ct = ctg && qt_prog_uses_ct(prog);
	if (ct && qt_prog_uses_acct(prog))
		qt_ctg_acct_on(ctg);
	if (ct && qt_prog_uses_labels(prog))
		qt_ctg_labels_on(ctg);
	if (ct)
		qt_ctg_prepare(ctg, ev, qt_prog_nat(prog));
	int v = qt_prog_eval(prog, ev, ps);
	if (ct)
		v = qt_ctg_done(ctg, ev, v);
	return v;
}

int qt_judge_alone(const struct qt_prog *prog, struct qt_ctg *ctg,
		   struct qt_eval *ev, struct qt_prog_stats *ps)
{
	if (!ctg)
		return qt_prog_eval(prog, ev, ps);
	if (qt_prog_uses_acct(prog))
		qt_ctg_acct_on(ctg);
	if (qt_prog_uses_labels(prog))
		qt_ctg_labels_on(ctg);
	if (ev->hook != QT_HOOK_PRE_ROUTING && ev->hook != QT_HOOK_LOCAL_OUT) {
		struct qt_eval first = *ev;
		first.hook = ev->hook == QT_HOOK_POST_ROUTING && !ev->indev
			     ? QT_HOOK_LOCAL_OUT : QT_HOOK_PRE_ROUTING;
		qt_ctg_prepare(ctg, &first, qt_prog_nat(prog));
		first.ct_in(&first, first.ct_user);
	}
	qt_ctg_prepare(ctg, ev, qt_prog_nat(prog));
	int v = qt_prog_eval(prog, ev, ps);
	if (v == QT_XT_ACCEPT && ev->hook != QT_HOOK_LOCAL_IN)
		ev->hook = QT_HOOK_POST_ROUTING;   /* its last hook */
	return qt_ctg_done(ctg, ev, v);
}
