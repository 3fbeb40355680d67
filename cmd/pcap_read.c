/* Classic libpcap file reading for qtables-replay (see pcap_read.h). */
#include "pcap_read.h"

#include <errno.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const uint8_t *p, bool swap)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

int qt_pcap_open(struct qt_pcap *pc, const char *path, struct qt_buf *err)
{
	uint8_t h[24];
	memset(pc, 0, sizeof(*pc));
	pc->path = path;
	pc->f = fopen(path, "rb");
	if (!pc->f) {
		qt_buf_printf(err, "%s: cannot open: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fread(h, 1, sizeof(h), pc->f);
	if (n < 4) {
		qt_buf_printf(err, "%s: not a pcap file (%s)\n", path,
			      n ? "shorter than its magic number" : "empty");
		goto fail;
	}
	uint32_t magic;
	memcpy(&magic, h, 4);
	switch (magic) {
	case 0xa1b2c3d4: break;
	case 0xa1b23c4d: pc->nsec = true; break;
	case 0xd4c3b2a1: pc->swap = true; break;
	case 0x4d3cb2a1: pc->swap = pc->nsec = true; break;
	case 0x0a0d0d0a:
		qt_buf_printf(err, "%s: a pcapng file; only the classic pcap "
			      "format is read (convert it with "
			      "`editcap -F pcap`)\n", path);
		goto fail;
	default:
		qt_buf_printf(err, "%s: not a pcap file (magic number "
			      "0x%08x)\n", path, magic);
		goto fail;
	}
	if (n < sizeof(h)) {
		qt_buf_printf(err, "%s: truncated file header (%zu of 24 "
			      "bytes)\n", path, n);
		goto fail;
	}
	uint16_t major = rd16(h + 4, pc->swap);
	if (major != 2) {
		qt_buf_printf(err, "%s: unsupported pcap version %u.%u\n", path,
			      major, rd16(h + 6, pc->swap));
		goto fail;
	}
	pc->snaplen = rd32(h + 16, pc->swap);
	/* the upper bits hold the FCS length (LINKTYPE_* is 16 bits) */
	pc->linktype = rd32(h + 20, pc->swap) & 0xffff;
	return 0;
fail:
	fclose(pc->f);
	pc->f = NULL;
	return -1;
}

void qt_pcap_close(struct qt_pcap *pc)
{
	if (pc->f)
		fclose(pc->f);
	pc->f = NULL;
}

int qt_pcap_next(struct qt_pcap *pc, struct qt_pcap_rec *r, uint8_t *buf,
		 uint32_t cap, struct qt_buf *err)
{
	uint8_t h[16];
	size_t n = fread(h, 1, sizeof(h), pc->f);
	if (n == 0 && feof(pc->f))
		return 0;
	uint64_t no = pc->recno + 1;
	if (n < sizeof(h)) {
		qt_buf_printf(err, "%s: record %llu: truncated record header "
			      "(%zu of 16 bytes)\n", pc->path,
			      (unsigned long long)no, n);
		return -1;
	}
	uint32_t sec = rd32(h, pc->swap), frac = rd32(h + 4, pc->swap);
	uint32_t caplen = rd32(h + 8, pc->swap), origlen = rd32(h + 12, pc->swap);
	if (caplen > QT_PCAP_MAX_REC || caplen > cap) {
		qt_buf_printf(err, "%s: record %llu: captured length %u is "
			      "absurd (at most %u)\n", pc->path,
			      (unsigned long long)no, caplen,
			      cap < QT_PCAP_MAX_REC ? cap : QT_PCAP_MAX_REC);
		return -1;
	}
	if (frac >= (pc->nsec ? 1000000000u : 1000000u)) {
		qt_buf_printf(err, "%s: record %llu: bad timestamp fraction "
			      "%u\n", pc->path, (unsigned long long)no, frac);
		return -1;
	}
	n = fread(buf, 1, caplen, pc->f);
	if (n < caplen) {
		qt_buf_printf(err, "%s: record %llu: truncated data (%zu of "
			      "%u bytes)\n", pc->path, (unsigned long long)no,
			      n, caplen);
		return -1;
	}
	pc->recno = no;
	r->ts_ns = (uint64_t)sec * 1000000000u +
		   (pc->nsec ? frac : (uint64_t)frac * 1000u);
	r->caplen = caplen;
	/* a writer that left it 0 or below caplen: the capture is all */
	r->origlen = origlen < caplen ? caplen : origlen;
	return 1;
}
