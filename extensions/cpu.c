/* -m cpu: the CPU that is handling the packet (xt_cpu, both families).
 * Facts from iptables-nft 1.8.9: --cpu is a mandatory 32-bit number,
 * saved as "--cpu N" and listed as "cpu [! ]N". The engine cannot judge
 * it: a queued packet carries no CPU (NFQUEUE has no attribute for it,
 * and qtablesd's queues are not one per CPU), so a ruleset using it is
 * refused at commit rather than matched by a guess. */
#include "ext.h"

struct cpu_data {
	uint32_t cpu;
	uint8_t invert;
	uint8_t pad[3];
};

enum { O_CPU };

static const struct qt_ext_opt cpu_opts[] = {
	{ .name = "cpu", .id = O_CPU, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT | QT_OPT_MAND, QT_PUT(struct cpu_data, cpu),
	  QT_INV(struct cpu_data, invert, 1) },
	{ .name = NULL },
};

static void cpu_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct cpu_data *d = in->data;
	qt_buf_printf(b, "%s --cpu %u", d->invert ? " !" : "", d->cpu);
}

static void cpu_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct cpu_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " cpu %s%u", d->invert ? "! " : "", d->cpu);
}

static const struct qt_ext cpu_match = {
	.name = "cpu",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct cpu_data),
	.opts = cpu_opts,
	.save = cpu_save,
	.print = cpu_print,
	.cannot_run = "a queued packet does not tell which CPU handles it",
	.help = "[!] --cpu number   Match CPU number\n",
};
QT_EXT_REGISTER(cpu_match)
