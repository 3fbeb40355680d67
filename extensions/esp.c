/* -m esp: the SPI of an IPsec ESP header in a range (xt_esp, in both
 * families, bound by the kernel to -p esp). Facts from iptables-nft
 * 1.8.9: --espspi is read as a 32-bit range, a:b with a > b taken as
 * it is; the full range is not saved (even with '!') but is listed,
 * inverted; nothing given saves as a bare "-m esp". */
#include <errno.h>
#include <netinet/in.h>

#include "eval.h"
#include "ext.h"
#include "model.h"
#include "spi_range.h"

#define ESP_INV_SPI 0x01

struct esp_data {
	uint32_t spi_lo, spi_hi;
	uint8_t invflags;
	uint8_t pad[3];
};

enum { O_ESPSPI };

static const struct qt_ext_opt esp_opts[] = {
	{ .name = "espspi", .id = O_ESPSPI, .type = QT_OT_URANGE,
	  .flags = QT_OPT_INVERT, QT_PUT_RANGE(struct esp_data, spi_lo),
	  QT_INV(struct esp_data, invflags, ESP_INV_SPI) },
	{ .name = NULL },
};

static void esp_init(struct qt_ext_inst *in)
{
	struct esp_data *d = in->data;
	d->spi_hi = 0xFFFFFFFFu;
}

static int esp_kcheck(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env)
{
	(void)in;
	return qt_rule_proto_is(env->rule, IPPROTO_ESP) ? 0 : EINVAL;
}

static void esp_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct esp_data *d = in->data;
	if (d->spi_lo == 0 && d->spi_hi == 0xFFFFFFFFu)
		return;
	qt_buf_printf(b, "%s --espspi ",
		      d->invflags & ESP_INV_SPI ? " !" : "");
	if (d->spi_lo != d->spi_hi)
		qt_buf_printf(b, "%u:%u", d->spi_lo, d->spi_hi);
	else
		qt_buf_printf(b, "%u", d->spi_lo);
}

static void esp_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct esp_data *d = in->data;
	bool inv = d->invflags & ESP_INV_SPI;
	(void)numeric;
	qt_buf_puts(b, " esp");
	qt_spi_range_print(b, " ", d->spi_lo, d->spi_hi, inv);
}

/* ---- engine: xt_esp (esp_mt) ----
 * At the transport offset nf_tables found: a non-first fragment does
 * not match; a header of fewer than 8 bytes (SPI and sequence number)
 * drops the packet. */
static bool esp_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct esp_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	uint32_t len;
	const uint8_t *h = qt_pkt_th(p, &len);
	if (!h || p->frag_off)
		return false;
	if (len < 8) {
		ev->hotdrop = true;
		return false;
	}
	uint32_t spi = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
		       (uint32_t)h[2] << 8 | h[3];
	return (spi >= d->spi_lo && spi <= d->spi_hi) !=
	       !!(d->invflags & ESP_INV_SPI);
}

static const struct qt_ext esp_match = {
	.name = "esp",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct esp_data),
	.opts = esp_opts,
	.init = esp_init,
	.kcheck = esp_kcheck,
	.save = esp_save,
	.print = esp_print,
	.match = esp_match_pkt,
	.help =
		"[!] --espspi spi[:spi]\n"
		"\t\t\t\tmatch spi (range)\n",
};
QT_EXT_REGISTER(esp_match)
