/* See nft_ct.h. */
#include "nft_ct.h"

#include <string.h>

struct ct_row {
	struct nft_field f;
	struct nft_ct_info i;
};

#define CT(name, bits, type, dep, key, dir, kw, fam, unres) \
	{ { "ct", name, NFT_B_CT, 0, bits, type, dep, 0, false, false }, \
	  { key, dir, kw, fam, unres, false } }
#define CTG(name, bits, type, dep, key, dir, kw, fam) \
	{ { "ct", name, NFT_B_CT, 0, bits, type, dep, 0, false, false }, \
	  { key, dir, kw, fam, false, true } }
#define O NFT_CT_DIR_ORIG
#define R NFT_CT_DIR_REPLY
#define N NFT_CT_DIR_NONE
#define V4 NFT_DEP_IPV4
#define V6 NFT_DEP_IPV6
#define ND NFT_DEP_NONE

/* name as nft lists it, bits, type, dependency, key, direction, nft's
 * key word, address family, unresolved */
static const struct ct_row rows[] = {
	CT("direction", 8, NFT_T_CTDIR, ND, NFT_CTK_DIRECTION, N, "direction", NULL, false),
	CT("expiration", 32, NFT_T_RELTIME, ND, NFT_CTK_EXPIRATION, N, "expiration", NULL, false),
	CT("helper", 128, NFT_T_CTHELPER, ND, NFT_CTK_HELPER, N, "helper", NULL, false),
	CT("l3proto", 8, NFT_T_NFPROTO, ND, NFT_CTK_L3PROTO, N, "l3proto", NULL, false),
	CT("protocol", 8, NFT_T_PROTO, ND, NFT_CTK_PROTOCOL, N, "protocol", NULL, false),
	CT("label", 128, NFT_T_CTLABEL, ND, NFT_CTK_LABEL, N, "label", NULL, false),
	CT("event", 32, NFT_T_CTEVENT, ND, NFT_CTK_EVENT, N, "event", NULL, false),
	CT("id", 32, NFT_T_INTEGER, ND, NFT_CTK_ID, N, "id", NULL, false),
	CT("bytes", 64, NFT_T_INT64, ND, NFT_CTK_BYTES, N, "bytes", NULL, false),
	CT("original bytes", 64, NFT_T_INT64, ND, NFT_CTK_BYTES, O, "bytes", NULL, false),
	CT("reply bytes", 64, NFT_T_INT64, ND, NFT_CTK_BYTES, R, "bytes", NULL, false),
	CT("packets", 64, NFT_T_INT64, ND, NFT_CTK_PACKETS, N, "packets", NULL, false),
	CT("original packets", 64, NFT_T_INT64, ND, NFT_CTK_PACKETS, O, "packets", NULL, false),
	CT("reply packets", 64, NFT_T_INT64, ND, NFT_CTK_PACKETS, R, "packets", NULL, false),
	CT("avgpkt", 64, NFT_T_INT64, ND, NFT_CTK_AVGPKT, N, "avgpkt", NULL, false),
	CT("original avgpkt", 64, NFT_T_INT64, ND, NFT_CTK_AVGPKT, O, "avgpkt", NULL, false),
	CT("reply avgpkt", 64, NFT_T_INT64, ND, NFT_CTK_AVGPKT, R, "avgpkt", NULL, false),
	CT("zone", 16, NFT_T_INT16, ND, NFT_CTK_ZONE, N, "zone", NULL, false),
	CT("original zone", 16, NFT_T_INT16, ND, NFT_CTK_ZONE, O, "zone", NULL, false),
	CT("reply zone", 16, NFT_T_INT16, ND, NFT_CTK_ZONE, R, "zone", NULL, false),
	CT("original proto-src", 16, NFT_T_SERVICE, ND, NFT_CTK_PROTO_SRC, O, "proto-src", NULL, false),
	CT("original proto-dst", 16, NFT_T_SERVICE, ND, NFT_CTK_PROTO_DST, O, "proto-dst", NULL, false),
	CT("reply proto-src", 16, NFT_T_SERVICE, ND, NFT_CTK_PROTO_SRC, R, "proto-src", NULL, false),
	CT("reply proto-dst", 16, NFT_T_SERVICE, ND, NFT_CTK_PROTO_DST, R, "proto-dst", NULL, false),
	CT("original ip saddr", 32, NFT_T_IPV4, V4, NFT_CTK_SADDR, O, "saddr", "ip", false),
	CT("original ip daddr", 32, NFT_T_IPV4, V4, NFT_CTK_DADDR, O, "daddr", "ip", false),
	CT("reply ip saddr", 32, NFT_T_IPV4, V4, NFT_CTK_SADDR, R, "saddr", "ip", false),
	CT("reply ip daddr", 32, NFT_T_IPV4, V4, NFT_CTK_DADDR, R, "daddr", "ip", false),
	CT("original ip6 saddr", 128, NFT_T_IPV6, V6, NFT_CTK_SADDR, O, "saddr", "ip6", false),
	CT("original ip6 daddr", 128, NFT_T_IPV6, V6, NFT_CTK_DADDR, O, "daddr", "ip6", false),
	CT("reply ip6 saddr", 128, NFT_T_IPV6, V6, NFT_CTK_SADDR, R, "saddr", "ip6", false),
	CT("reply ip6 daddr", 128, NFT_T_IPV6, V6, NFT_CTK_DADDR, R, "daddr", "ip6", false),
	CTG("original ip saddr", 32, NFT_T_IPV4, V4, NFT_CTK_SADDR, O, "saddr", "ip"),
	CTG("original ip daddr", 32, NFT_T_IPV4, V4, NFT_CTK_DADDR, O, "daddr", "ip"),
	CTG("reply ip saddr", 32, NFT_T_IPV4, V4, NFT_CTK_SADDR, R, "saddr", "ip"),
	CTG("reply ip daddr", 32, NFT_T_IPV4, V4, NFT_CTK_DADDR, R, "daddr", "ip"),
	CTG("original ip6 saddr", 128, NFT_T_IPV6, V6, NFT_CTK_SADDR, O, "saddr", "ip6"),
	CTG("original ip6 daddr", 128, NFT_T_IPV6, V6, NFT_CTK_DADDR, O, "daddr", "ip6"),
	CTG("reply ip6 saddr", 128, NFT_T_IPV6, V6, NFT_CTK_SADDR, R, "saddr", "ip6"),
	CTG("reply ip6 daddr", 128, NFT_T_IPV6, V6, NFT_CTK_DADDR, R, "daddr", "ip6"),
	CT("original saddr", 32, NFT_T_IPV4, ND, NFT_CTK_SADDR, O, "saddr", NULL, true),
	CT("original daddr", 32, NFT_T_IPV4, ND, NFT_CTK_DADDR, O, "daddr", NULL, true),
	CT("reply saddr", 32, NFT_T_IPV4, ND, NFT_CTK_SADDR, R, "saddr", NULL, true),
	CT("reply daddr", 32, NFT_T_IPV4, ND, NFT_CTK_DADDR, R, "daddr", NULL, true),
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* the field table's own ct rows */
static const struct nft_ct_info table_rows[] = {
	{ NFT_CTK_STATE, N, "state", NULL, false, false },
	{ NFT_CTK_STATUS, N, "status", NULL, false, false },
	{ NFT_CTK_MARK, N, "mark", NULL, false, false },
};

const struct nft_ct_info *nft_ct_info(const struct nft_field *f)
{
	if (!f || f->base != NFT_B_CT)
		return NULL;
	for (size_t i = 0; i < NROWS; i++)
		if (f == &rows[i].f)
			return &rows[i].i;
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(f->name, table_rows[i].keyword))
			return &table_rows[i];
	return NULL;
}

static const struct nft_field *row_of(int key, int dir, const char *fam,
				      bool unresolved, bool generic)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct nft_ct_info *in = &rows[i].i;
		if ((int)in->key == key && in->dir == dir &&
		    in->unresolved == unresolved && in->generic == generic &&
		    (!fam || (in->family && !strcmp(in->family, fam))))
			return &rows[i].f;
	}
	return NULL;
}

static const struct nft_field *row(int key, int dir, const char *fam,
				   bool unresolved)
{
	return row_of(key, dir, fam, unresolved, false);
}

static int dir_of(const char *w)
{
	return !strcmp(w, "original") ? O : !strcmp(w, "reply") ? R : -2;
}

/* keys that take a direction, and may go without one */
static bool dir_optional(int key)
{
	return key == NFT_CTK_BYTES || key == NFT_CTK_PACKETS ||
	       key == NFT_CTK_AVGPKT || key == NFT_CTK_ZONE;
}

static int key_of(const char *w)
{
	static const struct { const char *w; int key; } k[] = {
		{ "state", NFT_CTK_STATE }, { "status", NFT_CTK_STATUS },
		{ "mark", NFT_CTK_MARK }, { "direction", NFT_CTK_DIRECTION },
		{ "expiration", NFT_CTK_EXPIRATION },
		{ "helper", NFT_CTK_HELPER }, { "l3proto", NFT_CTK_L3PROTO },
		{ "protocol", NFT_CTK_PROTOCOL }, { "saddr", NFT_CTK_SADDR },
		{ "daddr", NFT_CTK_DADDR }, { "proto-src", NFT_CTK_PROTO_SRC },
		{ "proto-dst", NFT_CTK_PROTO_DST }, { "label", NFT_CTK_LABEL },
		{ "bytes", NFT_CTK_BYTES }, { "packets", NFT_CTK_PACKETS },
		{ "avgpkt", NFT_CTK_AVGPKT }, { "zone", NFT_CTK_ZONE },
		{ "event", NFT_CTK_EVENT }, { "id", NFT_CTK_ID },
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (!strcmp(k[i].w, w))
			return k[i].key;
	return -1;
}

const struct nft_field *nft_ct_field(const char *const *words, unsigned n,
				     unsigned *used, int *why)
{
	*used = 0;
	*why = 0;
	if (!n || !words[0])
		return NULL;
	int dir = dir_of(words[0]);
	if (dir == -2) {
		int key = key_of(words[0]);
		if (key < 0 || key == NFT_CTK_SADDR || key == NFT_CTK_DADDR ||
		    key == NFT_CTK_PROTO_SRC || key == NFT_CTK_PROTO_DST)
			return NULL;
		*used = 1;
		if (key <= NFT_CTK_MARK)
			return nft_field_find("ct", words[0]);
		/* ct bytes original: the direction after the key */
		if (dir_optional(key) && n > 1 && words[1] &&
		    dir_of(words[1]) != -2) {
			*used = 2;
			return row(key, dir_of(words[1]), NULL, false);
		}
		return row(key, N, NULL, false);
	}
	if (n < 2 || !words[1]) {
		*why = 1;
		return NULL;
	}
	bool ip = !strcmp(words[1], "ip"), ip6 = !strcmp(words[1], "ip6");
	if (ip || ip6) {
		int key = n > 2 && words[2] ? key_of(words[2]) : -1;
		if (key != NFT_CTK_SADDR && key != NFT_CTK_DADDR) {
			*why = 2;
			return NULL;
		}
		*used = 3;
		return row(key, dir, ip ? "ip" : "ip6", false);
	}
	int key = key_of(words[1]);
	*used = 2;
	switch (key) {
	case NFT_CTK_L3PROTO:
	case NFT_CTK_PROTOCOL:
		/* nft lists these without the direction */
		return row(key, N, NULL, false);
	case NFT_CTK_SADDR:
	case NFT_CTK_DADDR:
		return row(key, dir, NULL, true);
	case NFT_CTK_PROTO_SRC:
	case NFT_CTK_PROTO_DST:
	case NFT_CTK_BYTES:
	case NFT_CTK_PACKETS:
	case NFT_CTK_AVGPKT:
	case NFT_CTK_ZONE:
		return row(key, dir, NULL, false);
	default:
		*used = 0;
		*why = 1;
		return NULL;
	}
}

const struct nft_field *nft_ct_resolve(const struct nft_field *f, bool ip6)
{
	const struct nft_ct_info *in = nft_ct_info(f);
	if (!in || !in->unresolved)
		return f;
	return row_of((int)in->key, in->dir, ip6 ? "ip6" : "ip", false, true);
}

bool nft_ct_settable(const struct nft_field *f)
{
	const struct nft_ct_info *in = nft_ct_info(f);
	return in && (in->key == NFT_CTK_MARK || in->key == NFT_CTK_ZONE ||
		      in->key == NFT_CTK_LABEL || in->key == NFT_CTK_EVENT);
}
