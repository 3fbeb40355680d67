/* -m ah: the IPsec authentication header's SPI (a range), and in
 * ip6tables also its length in bytes and its reserved field. iptables
 * and ip6tables each have their own (libipt_ah, libip6t_ah): IPv4's
 * is a protocol match (the kernel wants -p ah) reading the header
 * after the IP header; IPv6's finds the header in the chain. Facts
 * from iptables-nft 1.8.9: a range a:b with a > b is taken as it is,
 * a full range is not saved even with '!' but listed, "--ahlen 0" is
 * no condition unless inverted. */
#include <errno.h>
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "ip6_exthdr.h"
#include "model.h"
#include "spi_range.h"

#define AH_INV_SPI 0x01
#define AH_INV_LEN 0x02

struct ah_data {
	uint32_t spi_lo, spi_hi;
	uint32_t hdrlen;           /* IPv6 only */
	uint8_t hdrres;            /* IPv6 only */
	uint8_t invflags;
	uint8_t pad[2];
};

enum { O_AHSPI, O_AHLEN, O_AHRES };

static const struct qt_ext_opt ah6_opts[] = {
	{ .name = "ahspi", .id = O_AHSPI, .type = QT_OT_URANGE,
	  .flags = QT_OPT_INVERT, QT_PUT_RANGE(struct ah_data, spi_lo),
	  QT_INV(struct ah_data, invflags, AH_INV_SPI) },
	{ .name = "ahlen", .id = O_AHLEN, .type = QT_OT_UINT,
	  .flags = QT_OPT_INVERT, QT_PUT(struct ah_data, hdrlen),
	  QT_INV(struct ah_data, invflags, AH_INV_LEN) },
	{ .name = "ahres", .id = O_AHRES, .type = QT_OT_NONE, .value = 1,
	  QT_PUT(struct ah_data, hdrres) },
	{ .name = NULL },
};

static const struct qt_ext_opt ah4_opts[] = {
	{ .name = "ahspi", .id = O_AHSPI, .type = QT_OT_URANGE,
	  .flags = QT_OPT_INVERT, QT_PUT_RANGE(struct ah_data, spi_lo),
	  QT_INV(struct ah_data, invflags, AH_INV_SPI) },
	{ .name = NULL },
};

static void ah_init(struct qt_ext_inst *in)
{
	struct ah_data *d = in->data;
	d->spi_hi = 0xFFFFFFFFu;
}

static void ah_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct ah_data *d = in->data;
	if (!(d->spi_lo == 0 && d->spi_hi == 0xFFFFFFFFu)) {
		qt_buf_printf(b, "%s --ahspi ",
			      d->invflags & AH_INV_SPI ? " !" : "");
		if (d->spi_lo != d->spi_hi)
			qt_buf_printf(b, "%u:%u", d->spi_lo, d->spi_hi);
		else
			qt_buf_printf(b, "%u", d->spi_lo);
	}
	if (d->hdrlen || (d->invflags & AH_INV_LEN))
		qt_buf_printf(b, "%s --ahlen %u",
			      d->invflags & AH_INV_LEN ? " !" : "", d->hdrlen);
	if (d->hdrres)
		qt_buf_puts(b, " --ahres");
}

static void ah_print(const struct qt_ext_inst *in, struct qt_buf *b,
		     bool numeric)
{
	const struct ah_data *d = in->data;
	bool inv = d->invflags & AH_INV_SPI;
	(void)numeric;
	qt_buf_puts(b, " ah ");
	qt_spi_range_print(b, "", d->spi_lo, d->spi_hi, inv);
	/* ip6tables glues the length to the SPI, as it prints it */
	if (d->hdrlen || (d->invflags & AH_INV_LEN))
		qt_buf_printf(b, "length:%s%u",
			      d->invflags & AH_INV_LEN ? "!" : "", d->hdrlen);
	if (d->hdrres)
		qt_buf_puts(b, " reserved");
}

static bool spi_in(const struct ah_data *d, const uint8_t *spi)
{
	uint32_t v = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 |
		     (uint32_t)spi[2] << 8 | spi[3];
	return (v >= d->spi_lo && v <= d->spi_hi) ^ !!(d->invflags & AH_INV_SPI);
}

/* The 12 bytes of struct ip_auth_hdr the kernel reads. */
#define AH_HDR 12

/* ---- engine: ip6t_ah (ah_mt6) ----
 * The header as ipv6_find_hdr finds it (none: no match; not readable:
 * dropped); SPI in range, the length (ipv6_authlen) when asked, the
 * reserved field zero when asked. */
static bool ah6_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct ah_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	uint32_t off;
	enum qt_ip6_find f = qt_ip6_find_hdr(p, IPPROTO_AH, &off);
	if (f != QT_IP6_FOUND || !qt_ip6_have(p, off, AH_HDR)) {
		if (f != QT_IP6_NOENT)
			ev->hotdrop = true;
		return false;
	}
	const uint8_t *h = p->data + off;
	uint32_t hdrlen = qt_ip6_authlen(h);
	/* a header longer than the packet: the kernel drops it (seen
	 * against kernel ip6tables-nft: run-packets6.sh's malformed
	 * chains) */
	if (p->ip_len - off < hdrlen) {
		ev->hotdrop = true;
		return false;
	}
	return spi_in(d, h + 4) &&
	       (!d->hdrlen ||
		((d->hdrlen == hdrlen) ^ !!(d->invflags & AH_INV_LEN))) &&
	       !(d->hdrres && (h[2] | h[3]));
}

/* ---- engine: ipt_ah (ah_mt) ----
 * A non-first fragment does not match; a header the packet (or the
 * copy) does not hold whole drops the packet. */
static bool ah4_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct qt_pkt *p = &ev->pkt;
	if (p->family != AF_INET || p->frag_off || !p->l4)
		return false;
	if (p->l4_len < AH_HDR) {
		ev->hotdrop = true;
		return false;
	}
	return spi_in(in->data, p->l4 + 4);
}

static int ah4_kcheck(const struct qt_ext_inst *in,
		      const struct qt_rule_env *env)
{
	(void)in;
	return qt_rule_proto_is(env->rule, IPPROTO_AH) ? 0 : EINVAL;
}

static const struct qt_ext ah6_match = {
	.name = "ah",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = sizeof(struct ah_data),
	.opts = ah6_opts,
	.init = ah_init,
	.save = ah_save,
	.print = ah_print,
	.match = ah6_match_pkt,
	.copy_need = qt_ip6_chain_copy_need,
	.help =
		"[!] --ahspi spi[:spi]          match spi (range)\n"
		"[!] --ahlen length             total length of this header\n"
		" --ahres                       check the reserved field too\n",
};
QT_EXT_REGISTER(ah6_match)

static const struct qt_ext ah4_match = {
	.name = "ah",
	.kind = QT_EXT_MATCH,
	.family = AF_INET,
	.data_size = sizeof(struct ah_data),
	.opts = ah4_opts,
	.init = ah_init,
	.kcheck = ah4_kcheck,
	.save = ah_save,
	.print = ah_print,
	.match = ah4_match_pkt,
	.help =
		"[!] --ahspi spi[:spi]\n"
		"\t\t\t\tmatch spi (range)\n",
};
QT_EXT_REGISTER(ah4_match)
