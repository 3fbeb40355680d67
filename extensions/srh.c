/* -m srh: the IPv6 Segment Routing Header (a routing header of type 4,
 * RFC 8754): next header, header length, segments left and last entry
 * (each equal to, greater or less than a value), tag, and the previous,
 * next and last segment ids against an address and prefix. The three
 * comparisons of one field share its value, as in the kernel's struct
 * (ip6tables saves "--srh-hdr-len-eq 1 --srh-hdr-len-gt 2" as the
 * value 2 twice). */
#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "eval.h"
#include "ext.h"
#include "ip6_exthdr.h"

/* ip6t_srh.h's mt_flags / mt_invflags bits: one per option id. */
enum { O_NEXTHDR, O_LEN_EQ, O_LEN_GT, O_LEN_LT, O_SEGS_EQ, O_SEGS_GT,
       O_SEGS_LT, O_LAST_EQ, O_LAST_GT, O_LAST_LT, O_TAG, O_PSID, O_NSID,
       O_LSID, O_COUNT };

struct srh_sid {
	uint8_t addr[16];
	uint8_t mask[16];
	uint8_t plen;
};

struct srh_data {
	uint8_t next_hdr, hdr_len, segs_left, last_entry;
	uint16_t tag;
	uint16_t mt_flags, mt_invflags;
	struct srh_sid sid[3];     /* psid, nsid, lsid */
	uint8_t pad[3];
};

#define U8OPT(n, i, field) \
	{ .name = n, .id = i, .type = QT_OT_UINT, .flags = QT_OPT_INVERT, \
	  QT_PUT(struct srh_data, field) }
#define SIDOPT(n, i) \
	{ .name = n, .id = i, .type = QT_OT_RAW, .flags = QT_OPT_INVERT }
static const struct qt_ext_opt srh_opts[] = {
	U8OPT("srh-next-hdr", O_NEXTHDR, next_hdr),
	U8OPT("srh-hdr-len-eq", O_LEN_EQ, hdr_len),
	U8OPT("srh-hdr-len-gt", O_LEN_GT, hdr_len),
	U8OPT("srh-hdr-len-lt", O_LEN_LT, hdr_len),
	U8OPT("srh-segs-left-eq", O_SEGS_EQ, segs_left),
	U8OPT("srh-segs-left-gt", O_SEGS_GT, segs_left),
	U8OPT("srh-segs-left-lt", O_SEGS_LT, segs_left),
	U8OPT("srh-last-entry-eq", O_LAST_EQ, last_entry),
	U8OPT("srh-last-entry-gt", O_LAST_GT, last_entry),
	U8OPT("srh-last-entry-lt", O_LAST_LT, last_entry),
	U8OPT("srh-tag", O_TAG, tag),
	SIDOPT("srh-psid", O_PSID),
	SIDOPT("srh-nsid", O_NSID),
	SIDOPT("srh-lsid", O_LSID),
	{ .name = NULL },
};

/* ADDR[/MASK] as xtables' hostmask type reads it for IPv6: a numeric
 * address or a name (getaddrinfo's first IPv6 answer), a prefix length
 * or an IPv6 mask (128 when absent); the address is kept unmasked. */
static int parse_sid(struct srh_sid *s, const char *opt, const char *arg,
		     struct qt_ctx *ctx)
{
	char buf[256];
	size_t n = strlen(arg);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, arg, n);
	buf[n] = '\0';
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET6, buf, s->addr) != 1) {
		struct addrinfo hints = { .ai_family = AF_INET6 };
		struct addrinfo *res = NULL;
		int rc = getaddrinfo(buf, NULL, &hints, &res);
		if (rc != 0)
			return qt_param_error(ctx, "getaddrinfo: %s\n",
					      gai_strerror(rc));
		memcpy(s->addr, &((const struct sockaddr_in6 *)(const void *)
				  res->ai_addr)->sin6_addr, 16);
		freeaddrinfo(res);
	}
	unsigned plen = 128;
	if (slash && qt_opt_parse_plen_fam(ctx, "srh", opt, slash, AF_INET6,
					   &plen))
		return -1;
	s->plen = (uint8_t)plen;
	uint32_t m[4];
	qt_plen_mask(plen, m);
	memcpy(s->mask, m, 16);
	return 0;
}

static int srh_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
		     struct qt_ctx *ctx)
{
	struct srh_data *d = in->data;
	int id = a->opt->id;
	if (id >= O_PSID && parse_sid(&d->sid[id - O_PSID], a->opt->name,
				      a->arg, ctx))
		return -1;
	d->mt_flags |= (uint16_t)(1u << id);
	if (a->invert)
		d->mt_invflags |= (uint16_t)(1u << id);
	return 0;
}

/* -L's label of each option, and its value. */
static const char *const label[O_COUNT] = {
	"next-hdr", "hdr-len-eq", "hdr-len-gt", "hdr-len-lt",
	"segs-left-eq", "segs-left-gt", "segs-left-lt",
	"last-entry-eq", "last-entry-gt", "last-entry-lt", "tag",
	"psid", "nsid", "lsid",
};

static unsigned value_of(const struct srh_data *d, int id)
{
	switch (id) {
	case O_NEXTHDR: return d->next_hdr;
	case O_LEN_EQ: case O_LEN_GT: case O_LEN_LT: return d->hdr_len;
	case O_SEGS_EQ: case O_SEGS_GT: case O_SEGS_LT: return d->segs_left;
	case O_LAST_EQ: case O_LAST_GT: case O_LAST_LT: return d->last_entry;
	default: return d->tag;
	}
}

static void put_sid(struct qt_buf *b, const struct srh_sid *s)
{
	char t[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, s->addr, t, sizeof(t));
	qt_buf_printf(b, "%s/%u", t, s->plen);
}

static void srh_print(const struct qt_ext_inst *in, struct qt_buf *b,
		      bool numeric)
{
	const struct srh_data *d = in->data;
	(void)numeric;
	qt_buf_puts(b, " srh");
	for (int id = 0; id < O_COUNT; id++) {
		if (!(d->mt_flags & (1u << id)))
			continue;
		bool inv = d->mt_invflags & (1u << id);
		if (id >= O_PSID) {
			qt_buf_printf(b, " %s %s ", label[id], inv ? "!" : "");
			put_sid(b, &d->sid[id - O_PSID]);
		} else {
			qt_buf_printf(b, " %s:%s%u", label[id], inv ? "!" : "",
				      value_of(d, id));
		}
	}
}

static void srh_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct srh_data *d = in->data;
	for (int id = 0; id < O_COUNT; id++) {
		if (!(d->mt_flags & (1u << id)))
			continue;
		qt_buf_printf(b, " %s--srh-%s ",
			      d->mt_invflags & (1u << id) ? "! " : "",
			      id == O_NEXTHDR ? "next-hdr" : label[id]);
		if (id >= O_PSID)
			put_sid(b, &d->sid[id - O_PSID]);
		else
			qt_buf_printf(b, "%u", value_of(d, id));
	}
}

/* One condition of the match: its test, '!' inverting it. */
static bool cond(const struct srh_data *d, int id, bool test)
{
	return test ^ !!(d->mt_invflags & (1u << id));
}

static bool sid_ok(const struct srh_data *d, int id, const struct qt_pkt *p,
		   uint32_t off)
{
	if (!qt_ip6_have(p, off, 16))
		return false;
	const struct srh_sid *s = &d->sid[id - O_PSID];
	bool differ = false;
	for (unsigned i = 0; i < 16; i++)
		if ((p->data[off + i] ^ s->addr[i]) & s->mask[i])
			differ = true;
	return !cond(d, id, differ);
}

/* ---- engine: ip6t_srh (srh1_mt6) ----
 * The routing header as ipv6_find_hdr finds it; anything the kernel
 * cannot read there (no header, the chain or header cut, a header
 * longer than the packet, not type 4, segments left beyond the last
 * entry) is no match (this match never drops). Each condition given
 * must hold. The tag is compared as the kernel compares it: the
 * header's field as it lies in memory against the number given
 * (checked on the kernel, 6.18 on x86-64: a tag of 5 on the wire
 * matches --srh-tag 1280, not --srh-tag 5). */
static bool srh_match_pkt(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct srh_data *d = in->data;
	const struct qt_pkt *p = &ev->pkt;
	uint32_t off;
	if (qt_ip6_find_hdr(p, IPPROTO_ROUTING, &off) != QT_IP6_FOUND ||
	    !qt_ip6_have(p, off, 8))
		return false;
	const uint8_t *h = p->data + off;
	if (p->ip_len - off < qt_ip6_optlen(h))
		return false;
	uint8_t nexthdr = h[0], hdrlen = h[1], type = h[2], sl = h[3],
		first = h[4];
	uint16_t tag;
	memcpy(&tag, h + 6, 2);
	if (type != 4 || sl > first)
		return false;
	uint16_t f = d->mt_flags;
	if ((f & (1u << O_NEXTHDR)) && cond(d, O_NEXTHDR, nexthdr != d->next_hdr))
		return false;
	if ((f & (1u << O_LEN_EQ)) && cond(d, O_LEN_EQ, !(hdrlen == d->hdr_len)))
		return false;
	if ((f & (1u << O_LEN_GT)) && cond(d, O_LEN_GT, !(hdrlen > d->hdr_len)))
		return false;
	if ((f & (1u << O_LEN_LT)) && cond(d, O_LEN_LT, !(hdrlen < d->hdr_len)))
		return false;
	if ((f & (1u << O_SEGS_EQ)) && cond(d, O_SEGS_EQ, !(sl == d->segs_left)))
		return false;
	if ((f & (1u << O_SEGS_GT)) && cond(d, O_SEGS_GT, !(sl > d->segs_left)))
		return false;
	if ((f & (1u << O_SEGS_LT)) && cond(d, O_SEGS_LT, !(sl < d->segs_left)))
		return false;
	if ((f & (1u << O_LAST_EQ)) && cond(d, O_LAST_EQ, !(first == d->last_entry)))
		return false;
	if ((f & (1u << O_LAST_GT)) && cond(d, O_LAST_GT, !(first > d->last_entry)))
		return false;
	if ((f & (1u << O_LAST_LT)) && cond(d, O_LAST_LT, !(first < d->last_entry)))
		return false;
	if ((f & (1u << O_TAG)) && cond(d, O_TAG, !(tag == d->tag)))
		return false;
	if (f & (1u << O_PSID)) {
		if (sl == first ||
		    !sid_ok(d, O_PSID, p, off + 8 + (sl + 1u) * 16))
			return false;
	}
	if (f & (1u << O_NSID)) {
		if (sl == 0 || !sid_ok(d, O_NSID, p, off + 8 + (sl - 1u) * 16))
			return false;
	}
	if ((f & (1u << O_LSID)) && !sid_ok(d, O_LSID, p, off + 8))
		return false;
	return true;
}

static const struct qt_ext srh_match = {
	.name = "srh",
	.kind = QT_EXT_MATCH,
	.family = AF_INET6,
	.data_size = sizeof(struct srh_data),
	.opts = srh_opts,
	.parse = srh_parse,
	.save = srh_save,
	.print = srh_print,
	.match = srh_match_pkt,
	.copy_need = qt_ip6_chain_copy_need,
	.help =
		"[!] --srh-next-hdr\t\tnext-hdr        Next Header value of SRH\n"
		"[!] --srh-hdr-len-eq\t\thdr_len         Hdr Ext Len value of SRH\n"
		"[!] --srh-hdr-len-gt\t\thdr_len         Hdr Ext Len value of SRH\n"
		"[!] --srh-hdr-len-lt\t\thdr_len         Hdr Ext Len value of SRH\n"
		"[!] --srh-segs-left-eq\t\tsegs_left       Segments Left value of SRH\n"
		"[!] --srh-segs-left-gt\t\tsegs_left       Segments Left value of SRH\n"
		"[!] --srh-segs-left-lt\t\tsegs_left       Segments Left value of SRH\n"
		"[!] --srh-last-entry-eq \tlast_entry      Last Entry value of SRH\n"
		"[!] --srh-last-entry-gt \tlast_entry      Last Entry value of SRH\n"
		"[!] --srh-last-entry-lt \tlast_entry      Last Entry value of SRH\n"
		"[!] --srh-tag\t\t\ttag             Tag value of SRH\n"
		"[!] --srh-psid\t\t\taddr[/mask]\tSRH previous SID\n"
		"[!] --srh-nsid\t\t\taddr[/mask]\tSRH next SID\n"
		"[!] --srh-lsid\t\t\taddr[/mask]\tSRH Last SID\n",
};
QT_EXT_REGISTER(srh_match)
