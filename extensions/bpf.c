/* -m bpf: a classic BPF program run on the packet from its network
 * header (xt_bpf revision 1, both families); the packet matches when
 * the program returns other than 0. Facts from iptables-nft 1.8.9:
 * --bytecode "N,code jt jf k,..." (nfbpf_compile's text) is read with
 * sscanf's %hu, %hhu and %u, so numbers are decimal and wrap to the
 * field's width (a code of 65536 is 0, a k of -1 is 4294967295, a count
 * of 65536 is 0); at most 64 instructions (XT_BPF_MAX_NUM_INSTR); a
 * program the kernel's checker refuses is its EINVAL. --object-pinned
 * PATH takes an eBPF program pinned in the bpf file system, which must
 * be there (iptables opens it while parsing). Saved as
 * '--bytecode "N,..."' or '--object-pinned PATH'; listed as "match bpf
 * CODE..." with the NUL byte iptables prints after the last
 * instruction.
 *
 * The engine runs the bytecode (extensions/lib/cbpf.c); an eBPF
 * program, or bytecode reading what a queued packet does not carry
 * (the CPU, the queue mapping, the link-layer header ...), is refused
 * at commit. The program may read any byte: whole packets are queued. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cbpf.h"
#include "eval.h"
#include "ext.h"

#define BPF_MAX_INSNS 64       /* XT_BPF_MAX_NUM_INSTR */
#define BPF_PATH_MAX 512       /* XT_BPF_PATH_MAX */

enum { MODE_BYTECODE, MODE_PINNED };   /* XT_BPF_MODE_* */

struct bpf_data {
	uint16_t mode;
	uint16_t len;
	uint32_t pad;
	struct qt_cbpf_insn prog[BPF_MAX_INSNS];
	char path[BPF_PATH_MAX];
};

enum { O_BYTECODE, O_PINNED };

static const struct qt_ext_opt bpf_opts[] = {
	{ .name = "bytecode", .id = O_BYTECODE, .type = QT_OT_RAW },
	{ .name = "object-pinned", .id = O_PINNED, .type = QT_OT_STRING,
	  QT_PUT(struct bpf_data, path) },
	{ .name = NULL },
};

/* "N,code jt jf k,...": iptables' reading, its messages and sscanf's
 * conversions (so its wrapping) included. */
static int parse_bytecode(struct bpf_data *d, const char *s,
			  struct qt_ctx *ctx)
{
	unsigned short len;
	char sep;
	if (sscanf(s, "%hu%c", &len, &sep) != 2 || sep != ',')
		return qt_param_error(ctx, "bpf: error parsing program length");
	if (!len)
		return qt_param_error(ctx, "bpf: illegal zero length program");
	if (len > BPF_MAX_INSNS)
		return qt_param_error(ctx,
			"bpf: number of instructions exceeds maximum");
	unsigned i = 0;
	const char *t = s;
	/* an instruction after each comma that has something behind it */
	while ((t = strchr(t, ',')) && (++t)[0]) {
		if (i >= len)
			return qt_param_error(ctx, "bpf: real program length "
					      "exceeds the encoded length parameter");
		unsigned short code;
		unsigned char jt, jf;
		unsigned k;
		if (sscanf(t, "%hu %hhu %hhu %u,", &code, &jt, &jf, &k) != 4)
			return qt_param_error(ctx, "bpf: error at instr %u", i);
		d->prog[i] = (struct qt_cbpf_insn){ code, jt, jf, k };
		i++;
	}
	if (i != len)
		return qt_param_error(ctx, "bpf: parsed program length is less "
				      "than the encoded length parameter");
	d->len = len;
	return 0;
}

/* The pinned object must be there, as iptables opens it (read-only
 * when the kernel knows that flag) while it parses. */
static bool pinned_exists(const char *path)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)path;
	attr.file_flags = BPF_F_RDONLY;
	long fd = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
	if (fd < 0 && errno == EINVAL) {
		attr.file_flags = 0;
		fd = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
	}
	if (fd < 0)
		return false;
	close((int)fd);
	return true;
}

static int bpf_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct bpf_data *d = in->data;
	if (a->opt->id == O_BYTECODE) {
		memset(d->prog, 0, sizeof(d->prog));
		d->len = 0;
		d->mode = MODE_BYTECODE;
		return parse_bytecode(d, a->arg, ctx);
	}
	if (!pinned_exists(a->arg))
		return qt_param_error(ctx, "bpf: failed to get bpf object");
	d->mode = MODE_PINNED;
	return 0;
}

static int bpf_check(struct qt_ext_inst *in, const struct qt_rule_env *env,
		     struct qt_ctx *ctx)
{
	uint32_t given = in->seen & (QT_BIT(O_BYTECODE) | QT_BIT(O_PINNED));
	(void)env;
	if (given != QT_BIT(O_BYTECODE) && given != QT_BIT(O_PINNED))
		return qt_param_error(ctx,
			"bpf: one of --bytecode or --pinned is required");
	return 0;
}

/* bpf_prog_create's checks (bpf_check_classic). */
static int bpf_kcheck(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env)
{
	const struct bpf_data *d = in->data;
	(void)env;
	if (d->mode != MODE_BYTECODE)
		return 0;
	return qt_cbpf_check(d->prog, d->len) ? EINVAL : 0;
}

static void put_code(struct qt_buf *b, const struct bpf_data *d)
{
	for (unsigned i = 0; i < d->len; i++) {
		const struct qt_cbpf_insn *f = &d->prog[i];
		qt_buf_printf(b, "%s%u %u %u %u", i ? "," : "", f->code, f->jt,
			      f->jf, f->k);
	}
}

static void bpf_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct bpf_data *d = in->data;
	if (d->mode == MODE_PINNED) {
		qt_buf_printf(b, " --object-pinned %s", d->path);
		return;
	}
	qt_buf_printf(b, " --bytecode \"%u,", d->len);
	put_code(b, d);
	qt_buf_putc(b, '"');
}

static void bpf_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct bpf_data *d = in->data;
	(void)numeric;
	if (d->mode == MODE_PINNED) {
		qt_buf_printf(b, "match bpf pinned %s", d->path);
		return;
	}
	qt_buf_puts(b, "match bpf ");
	put_code(b, d);
	/* iptables prints the last instruction's tail character, '\0' */
	qt_buf_put(b, "", 1);
}

/* ---- engine: xt_bpf (bpf_mt) ----
 * The skb the program sees at a netfilter hook: data at the network
 * header, skb->len the packet's length, skb->protocol the family's,
 * skb->dev the input device up to FORWARD, the output device at
 * POSTROUTING and none at OUTPUT (a locally made packet gets its device
 * only in ip_output; seen on the kernel: an ifindex load at OUTPUT
 * ends the program returning A). A load inside the packet but past
 * what the queue copied drops the packet, as u32's does. */
static bool bpf_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct bpf_data *d = in->data;
	if (d->mode != MODE_BYTECODE)
		return false;        /* refused at commit */
	struct qt_cbpf_pkt p = {
		.data = ev->data,
		.avail = ev->len,
		.len = ev->orig_len ? ev->orig_len : ev->len,
		.protocol = in->family == AF_INET6 ? 0x86dd : 0x0800,
		.mark = ev->mark,
	};
	switch (ev->hook) {
	case QT_HOOK_PRE_ROUTING:
	case QT_HOOK_LOCAL_IN:
	case QT_HOOK_FORWARD:
		p.ifindex = ev->indev;
		break;
	case QT_HOOK_POST_ROUTING:
		p.ifindex = ev->outdev;
		break;
	default:
		p.ifindex = 0;
		break;
	}
	bool m = qt_cbpf_run(d->prog, d->len, &p) != 0;
	if (p.cut) {
		/* a byte the queue did not copy (a packet longer than the
		 * largest copy): dropped rather than judged on a guess */
		ev->hotdrop = true;
		return false;
	}
	return m;
}

static const char *bpf_cannot_run_why(const struct qt_ext_inst *in)
{
	const struct bpf_data *d = in->data;
	if (d->mode != MODE_BYTECODE)
		return "eBPF programs (--object-pinned) are not run in user space";
	/* the kernel's checks ran when the rule was added; a ruleset
	 * loaded otherwise (a state file) is held to them here */
	if (qt_cbpf_check(d->prog, d->len))
		return "the kernel refuses this program";
	/* the network header's own bytes: ip_rcv and ipv6_rcv pull them */
	return qt_cbpf_unseen(d->prog, d->len, in->family == AF_INET6 ? 40 : 20);
}

static uint32_t bpf_copy_need(const struct qt_ext_inst *in)
{
	(void)in;
	return 0xffff;
}

static const struct qt_ext bpf_match = {
	.name = "bpf",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct bpf_data),
	.opts = bpf_opts,
	.parse = bpf_parse,
	.check = bpf_check,
	.kcheck = bpf_kcheck,
	.save = bpf_save,
	.print = bpf_print,
	.match = bpf_match_pkt,
	.copy_need = bpf_copy_need,
	.cannot_run_why = bpf_cannot_run_why,
	.help =
		"--bytecode <program>\t        : a bpf program as generated by\n"
		"                                 $(nfbpf_compile RAW '<filter>')\n"
		"--object-pinned <bpf object>\t: a path to a pinned BPF object in bpf fs\n",
};
QT_EXT_REGISTER(bpf_match)
