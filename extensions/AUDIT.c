/* -j AUDIT --type accept|drop|reject (and nft's `log level audit`): an
 * AUDIT_NETFILTER_PKT record of the packet in the kernel's audit log.
 * Facts of iptables-nft 1.8.9 (libxt_AUDIT, kept as an xt target, which
 * nft lists as `log level audit`): --type is mandatory, given once,
 * never inverted, its name in any case; save and -L print it in lower
 * case. The kernel's xt_AUDIT checks the type and writes it in no
 * record: nft_log's audit level writes the same record.
 *
 * Engine side: only the kernel writes audit records, so the packet
 * notes the statement, as NFLOG's, and the kernel logs it after the
 * verdict (engine/nflog_tag.h, io/log_offload.h). */
#include "eval.h"
#include "ext.h"
#include "nflog_tag.h"

/* XT_AUDIT_TYPE_* */
enum { AUDIT_ACCEPT, AUDIT_DROP, AUDIT_REJECT };

enum { O_TYPE };

struct audit_data {
	struct qt_nflog p;          /* first: what the kernel is given */
	uint8_t type;
};

/* The printed name of a type is its entry. */
static const struct qt_opt_choice audit_types[] = {
	{ "accept", AUDIT_ACCEPT },
	{ "drop", AUDIT_DROP },
	{ "reject", AUDIT_REJECT },
	{ NULL, 0 },
};

static const struct qt_ext_opt audit_opts[] = {
	{ .name = "type", .id = O_TYPE, .type = QT_OT_CHOICE,
	  .flags = QT_OPT_MAND | QT_OPT_NOCASE, .choices = audit_types,
	  .bad = "Bad action type value \"%s\"",
	  QT_PUT(struct audit_data, type) },
	{ .name = NULL },
};

static void audit_init(struct qt_ext_inst *in)
{
	struct audit_data *d = in->data;
	d->p.audit = true;
}

static const char *type_name(uint8_t type)
{
	return type < 3 ? audit_types[type].name : "?";
}

static void audit_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct audit_data *d = in->data;
	qt_buf_printf(b, " --type %s", type_name(d->type));
}

static void audit_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	const struct audit_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " AUDIT %s", type_name(d->type));
}

static int audit_target_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct audit_data *d = in->data;
	qt_eval_nflog(ev, &d->p);
	return QT_XT_CONTINUE;
}

static const struct qt_nflog *audit_params(const struct qt_ext_inst *in)
{
	const struct audit_data *d = in->data;
	return &d->p;
}

static const struct qt_ext audit_target = {
	.name = "AUDIT",
	.kind = QT_EXT_TARGET,
	.data_size = sizeof(struct audit_data),
	.opts = audit_opts,
	.init = audit_init,
	.save = audit_save,
	.print = audit_print,
	.target = audit_target_fn,
	.nflog = audit_params,
	.help_header = "AUDIT target options",
	.help = "  --type TYPE\t\tAction type to be recorded.\n",
};
QT_EXT_REGISTER(audit_target)
