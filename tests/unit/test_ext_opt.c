/* The generic option layer (parser/ext_opt.c) on an extension of its
 * own: each type stores its value at its place, '!' its bit, and the
 * messages of repeats, bounds, exclusions, companions and missing
 * options are iptables'. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ext.h"
#include "qt_test.h"
#include "tap.h"

struct probe_data {
	uint32_t num;
	uint16_t range[2];
	char name[8];
	uint32_t mark[2];
	uint8_t flags;
	uint8_t inv;
	uint8_t choice;
	uint8_t pad;
};

enum { O_NUM, O_RANGE, O_NAME, O_MARK, O_FLAG, O_CHOICE, O_NEED };

static const struct qt_opt_choice colours[] = {
	{ "red", 1 }, { "green", 2 }, { NULL, 0 },
};

#define D struct probe_data
static const struct qt_ext_opt probe_opts[] = {
	{ .name = "num", .id = O_NUM, .type = QT_OT_UINT, .min = 2,
	  .max = 300, .flags = QT_OPT_INVERT, QT_PUT(D, num),
	  QT_INV(D, inv, 0x1) },
	{ .name = "number", .id = O_NUM },
	{ .name = "range", .id = O_RANGE, .type = QT_OT_URANGE,
	  QT_PUT_RANGE(D, range[0]), .excl = QT_BIT(O_NUM) },
	{ .name = "name", .id = O_NAME, .type = QT_OT_STRING, .min = 1,
	  QT_PUT(D, name), .flags = QT_OPT_MAND },
	{ .name = "mark", .id = O_MARK, .type = QT_OT_MARKMASK,
	  QT_PUT(D, mark) },
	{ .name = "flag", .id = O_FLAG, .type = QT_OT_BITS, .value = 0x4,
	  QT_PUT(D, flags) },
	{ .name = "colour", .id = O_CHOICE, .type = QT_OT_CHOICE,
	  .choices = colours, QT_PUT(D, choice) },
	{ .name = "need", .id = O_NEED, .also = QT_BIT(O_FLAG) },
	{ .name = NULL },
};
#undef D

static struct probe_data last;

static void probe_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	memcpy(&last, in->data, sizeof(last));
	(void)b;
}

static void probe_print(const struct qt_ext_inst *in, struct qt_buf *b,
			bool numeric)
{
	(void)in;
	(void)b;
	(void)numeric;
}

static bool probe_match(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	(void)in;
	(void)ev;
	return true;
}

static const struct qt_ext probe = {
	.name = "qtprobe", .kind = QT_EXT_MATCH, .opts = probe_opts,
	.data_size = sizeof(struct probe_data), .save = probe_save,
	.print = probe_print, .match = probe_match,
};
QT_EXT_REGISTER(probe)

/* Run "-A INPUT -m qtprobe OPTS"; the first message line, or "" and
 * the stored data in last. */
static const char *run(const char *opts)
{
	static char msg[256];
	char cmd[512];
	struct qt_ruleset *rs = qt_ruleset_new(0);
	struct qt_test_result r;
	snprintf(cmd, sizeof(cmd), "-A INPUT -m qtprobe %s", opts);
	memset(&last, 0, sizeof(last));
	qt_test_cmd(&rs, cmd, &r);
	const char *e = qt_buf_str(&r.err);
	const char *p = strstr(e, "(qtables): ");
	p = p ? p + 11 : e;
	snprintf(msg, sizeof(msg), "%.*s", (int)strcspn(p, "\n"), p);
	if (r.status == 0) {
		struct qt_buf b;
		qt_buf_init(&b);
		qt_test_save(rs, &b);
		qt_buf_free(&b);
	}
	qt_test_result_free(&r);
	qt_ruleset_free(rs);
	return msg;
}

int main(void)
{
	is_str(run("--name x ! --num 0x10 --mark 5/0xf --flag --colour green"),
	       "", "accepted");
	ok(last.num == 16 && last.inv == 1 && last.mark[0] == 5 &&
	   last.mark[1] == 15 && last.flags == 4 && last.choice == 2 &&
	   !strcmp(last.name, "x"), "each value at its place, '!' its bit");
	run("--name abcdefghij --range 7");
	ok(!strcmp(last.name, "abcdefg") && last.range[0] == 7 &&
	   last.range[1] == 7, "a string is cut to its place, a lone number is a:a");
	run("--name x --range :9");
	ok(last.range[0] == 0 && last.range[1] == 9, "an empty side is 0");
	is_str(run("--name x --num 1"),
	       "qtprobe: bad value for option \"--num\", or out of range (2-300).",
	       "bounds");
	is_str(run("--name x --number -0"),
	       "qtprobe: bad value for option \"--num\", or out of range (2-300).",
	       "'-' refused; an alias is named by its first spelling");
	is_str(run("--name x --num 3 --number 4"),
	       "qtprobe: option \"--num\" can only be used once.", "repeat");
	is_str(run("--name x ! --flag"),
	       "qtprobe: option \"--flag\" cannot be inverted.", "'!'");
	is_str(run("--name x --range 1:2:3"),
	       "qtprobe: Too many components for option \"--range\" (max: 2)",
	       "range components");
	is_str(run("--name x --range 1x"),
	       "qtprobe: Argument to \"--range\" has unexpected characters near \"x\".",
	       "range junk");
	is_str(run("--name \"\""),
	       "Argument must have a minimum length of 1 characters", "minimum length");
	is_str(run("--name x --colour blue"),
	       "qtprobe: Bad value for \"--colour\" option: \"blue\"", "choice");
	is_str(run("--name x --mark 1x"),
	       "qtprobe: trailing garbage after value for option \"--mark\".", "mark");
	is_str(run("--num 5"),
	       "qtprobe: option \"--name\" must be specified", "mandatory");
	is_str(run("--num 5 --name x --range 1"),
	       "qtprobe: option \"--range\" cannot be used together with \"--num\".",
	       "excluded");
	is_str(run("--name x --need"),
	       "qtprobe: option \"--need\" also requires \"--flag\".", "also");
	return done_testing();
}
