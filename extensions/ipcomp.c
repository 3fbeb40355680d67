/* -m ipcomp: the CPI of an IPComp header in a range (xt_ipcomp, in
 * both families, bound by the kernel to -p ipcomp). Facts from
 * iptables-nft 1.8.9: --ipcompspi is read as a 32-bit range (a:b with
 * a > b taken) and compared with the header's 16-bit CPI; libxt_ipcomp
 * sets no default, so a bare -m ipcomp is the range 0:0 ("--ipcompspi
 * 0", "comp spi:0"); the full range is not saved (even with '!') but
 * is listed; --compres is recorded, saved and listed ("reserved") but
 * the kernel never looks at it. */
#include <errno.h>
#include <netinet/in.h>

#include "eval.h"
#include "ext.h"
#include "model.h"
#include "spi_range.h"

#define COMP_INV_SPI 0x01

struct ipcomp_data {
	uint32_t spi_lo, spi_hi;
	uint8_t hdrres;
	uint8_t invflags;
	uint8_t pad[2];
};

enum { O_SPI, O_COMPRES };

static const struct qt_ext_opt ipcomp_opts[] = {
	{ .name = "ipcompspi", .id = O_SPI, .type = QT_OT_URANGE,
	  .flags = QT_OPT_INVERT, QT_PUT_RANGE(struct ipcomp_data, spi_lo),
	  QT_INV(struct ipcomp_data, invflags, COMP_INV_SPI) },
	{ .name = "compres", .id = O_COMPRES, .type = QT_OT_NONE, .value = 1,
	  QT_PUT(struct ipcomp_data, hdrres) },
	{ .name = NULL },
};

static int ipcomp_kcheck(const struct qt_ext_inst *in,
			 const struct qt_rule_env *env)
{
	(void)in;
	return qt_rule_proto_is(env->rule, IPPROTO_COMP) ? 0 : EINVAL;
}

static void ipcomp_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct ipcomp_data *d = in->data;
	if (!(d->spi_lo == 0 && d->spi_hi == 0xFFFFFFFFu)) {
		qt_buf_printf(b, "%s --ipcompspi ",
			      d->invflags & COMP_INV_SPI ? " !" : "");
		if (d->spi_lo != d->spi_hi)
			qt_buf_printf(b, "%u:%u", d->spi_lo, d->spi_hi);
		else
			qt_buf_printf(b, "%u", d->spi_lo);
	}
	if (d->hdrres)
		qt_buf_puts(b, " --compres");
}

static void ipcomp_print(const struct qt_ext_inst *in, struct qt_buf *b,
			 bool numeric)
{
	const struct ipcomp_data *d = in->data;
	bool inv = d->invflags & COMP_INV_SPI;
	(void)numeric;
	qt_buf_puts(b, " comp ");
	qt_spi_range_print(b, "", d->spi_lo, d->spi_hi, inv);
	if (d->hdrres)
		qt_buf_puts(b, " reserved");
}

/* ---- engine: xt_ipcomp (comp_mt) ----
 * At the transport offset nf_tables found: a non-first fragment does
 * not match; a header of fewer than 4 bytes drops the packet; the CPI
 * is the header's third and fourth bytes. */
static bool ipcomp_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct ipcomp_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	uint32_t len;
	const uint8_t *h = qt_pkt_th(p, &len);
	if (!h || p->frag_off)
		return false;
	if (len < 4) {
		ev->hotdrop = true;
		return false;
	}
	uint32_t spi = (uint32_t)h[2] << 8 | h[3];
	return (spi >= d->spi_lo && spi <= d->spi_hi) !=
	       !!(d->invflags & COMP_INV_SPI);
}

static const struct qt_ext ipcomp_match = {
	.name = "ipcomp",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct ipcomp_data),
	.opts = ipcomp_opts,
	.kcheck = ipcomp_kcheck,
	.save = ipcomp_save,
	.print = ipcomp_print,
	.match = ipcomp_match_pkt,
	.help_header = "comp match options:",
	.help =
		"[!] --ipcompspi spi[:spi]\n"
		"\t\t\t\tmatch spi (range)\n",
};
QT_EXT_REGISTER(ipcomp_match)
