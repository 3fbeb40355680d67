/* The mark operations MARK and CONNMARK share (xt_MARK and xt_CONNMARK
 * revision 2): --set-xmark, --set-mark, --and-mark, --or-mark and
 * --xor-mark all become one pair, x = (x & ~mask) ^ value, which
 * iptables saves as --set-xmark VALUE/MASK and -L names back as the
 * operation it looks like. */
#ifndef QT_MARK_OPS_H
#define QT_MARK_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "ext.h"

struct qt_mark_op {
	uint32_t value;
	uint32_t mask;         /* bits cleared before value is XORed in */
};

/* The five operations as rows of an extension's option table: T is its
 * data block's type, F the struct qt_mark_op in it; the ids are the
 * extension's own (iptables' "cannot be used together" messages name the
 * excluded option of lowest id), excl what each row excludes. Both MARK
 * and CONNMARK list them first, in this order, as iptables does. */
#define QT_MARK_OP_OPTS(T, F, id_set_xmark, id_set_mark, id_and, id_or, \
			id_xor, ex) \
	{ .name = "set-xmark", .id = (id_set_xmark), .type = QT_OT_MARKMASK, \
	  .excl = (ex), QT_PUT(T, F) }, \
	{ .name = "set-mark", .id = (id_set_mark), .type = QT_OT_MARKMASK, \
	  .excl = (ex), QT_PUT(T, F) }, \
	{ .name = "and-mark", .id = (id_and), .type = QT_OT_UINT, \
	  .max = UINT32_MAX, .excl = (ex) }, \
	{ .name = "or-mark", .id = (id_or), .type = QT_OT_UINT, \
	  .max = UINT32_MAX, .excl = (ex) }, \
	{ .name = "xor-mark", .id = (id_xor), .type = QT_OT_UINT, \
	  .max = UINT32_MAX, .excl = (ex) }

/* After the generic parser read one option of QT_MARK_OP_OPTS (and
 * stored --set-xmark's and --set-mark's pair): make op the pair the
 * option means. false when the option is none of the five. */
bool qt_mark_op_parse(struct qt_mark_op *op, const struct qt_opt_arg *a);

/* " --set-xmark 0xVALUE/0xMASK", as iptables saves every spelling. */
void qt_mark_op_save(struct qt_buf *b, const struct qt_mark_op *op);

/* -L: " and 0x..", " or 0x..", " xor 0x..", " set 0x.." or
 * " xset 0xVALUE/0xMASK", the first that describes the pair. */
void qt_mark_op_print(struct qt_buf *b, const struct qt_mark_op *op);

/* What the mark and connmark matches share: "[!] --mark VALUE[/MASK]",
 * (x & mask) == value, value and mask kept as given and a mask of all
 * ones (the default) not printed. */
struct qt_mark_match {
	uint32_t mark;
	uint32_t mask;
	uint8_t invert;
	uint8_t pad[3];        /* explicit, so memcmp sees zeros */
};
extern const struct qt_ext_opt qt_mark_match_opts[];
void qt_mark_match_save(const struct qt_ext_inst *in, struct qt_buf *b);
/* -L: " LABEL match ! VALUE[/MASK]", or " LABEL match " plain VALUE…
 * (iptables-nft puts one more space there for connmark). */
void qt_mark_match_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 const char *label, const char *plain);

static inline bool qt_mark_match_test(const struct qt_mark_match *d,
				      uint32_t x)
{
	return ((x & d->mask) == d->mark) != (d->invert != 0);
}

/* The operation on a mark (packet path). */
static inline uint32_t qt_mark_op_apply(const struct qt_mark_op *op,
					uint32_t x)
{
	return (x & ~op->mask) ^ op->value;
}

#endif
