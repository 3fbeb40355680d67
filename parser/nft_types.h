/* nft's data types and the fields expressions read, as tables.
 *
 * A value is held as nft holds it on the wire: big-endian bytes of the
 * type's length (interface names: the bytes of the name, zero-padded).
 * Each type parses a word into a value and prints a value back as
 * `nft list` does. A field is one row: the protocol (or meta/ct), its
 * name, where it lives (header base, bit offset, bit length), its type
 * and the protocol a rule must have matched for it to make sense (its
 * dependency, which the listing leaves out as nft does). Adding a
 * header field is adding a row. */
#ifndef QT_NFT_TYPES_H
#define QT_NFT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define NFT_VAL_MAX 64

struct nft_val {
	uint8_t len;                 /* bytes */
	uint8_t b[NFT_VAL_MAX];
};

struct nft_sym {
	const char *name;
	uint64_t value;
};

enum nft_dtype_id {
	NFT_T_INTEGER, NFT_T_IPV4, NFT_T_IPV6, NFT_T_SERVICE, NFT_T_PROTO,
	NFT_T_MARK, NFT_T_IFNAME, NFT_T_IFINDEX, NFT_T_CTSTATE,
	NFT_T_CTSTATUS, NFT_T_ICMP_TYPE, NFT_T_ICMPV6_TYPE, NFT_T_PKTTYPE,
	NFT_T_NFPROTO, NFT_T_TCP_FLAG, NFT_T_ICMP_CODE, NFT_T_ICMPV6_CODE,
	NFT_T_ICMPX_CODE, NFT_T_FIB_ADDRTYPE,
	/* meta's: ethertype, tc handle, ARPHRD type, socket owner, device
	 * group, routing realm, and the clock's (ns since the epoch, day
	 * of the week, seconds since midnight, all UTC as the kernel's) */
	NFT_T_ETHERTYPE, NFT_T_TCHANDLE, NFT_T_ARPHRD, NFT_T_UID, NFT_T_GID,
	NFT_T_DEVGROUP, NFT_T_REALM, NFT_T_TIME, NFT_T_DAY, NFT_T_HOUR,
	/* ct's keys (parser/nft_ct.h): direction, expiration (time, in
	 * ms), event bits, labels, helper name, 16- and 64-bit numbers */
	NFT_T_CTDIR, NFT_T_RELTIME, NFT_T_CTEVENT, NFT_T_CTLABEL,
	NFT_T_CTHELPER, NFT_T_INT16, NFT_T_INT64, NFT_T_INVALID,
	/* header fields narrower than a byte or than their integer */
	NFT_T_DSCP, NFT_T_ECN, NFT_T_INT4, NFT_T_INT20,
	/* a presence test's result (sctp chunk data exists); integers of
	 * 8 and 16 bits whose values nft bounds by the field's width
	 * (sctp chunk data flags, stream) */
	NFT_T_BOOLEAN, NFT_T_INT8, NFT_T_BE16,
	NFT_T_RAW,                   /* a raw payload's: listed in hex */
	NFT_T_OBJNAME,               /* a map's value: a named object */
	NFT_T_ETHERADDR,
	NFT_T_INT1, NFT_T_INT3, NFT_T_INT12, /* vlan's bit fields */
	NFT_T_NTYPES
};

struct nft_dtype {
	enum nft_dtype_id id;
	const char *name;            /* as `type` names it in a set */
	unsigned bits;
	bool bitmask;                /* a,b,c of symbols, or'ed */
	bool prefixable;             /* addresses: 10.0.0.0/8 */
	bool host_order;             /* strings: nft sorts them as
					little-endian numbers */
	const struct nft_sym *syms;  /* symbolic names, NULL-terminated */
	const char *desc;            /* nft's description in messages */
};

const struct nft_dtype *nft_dtype_get(enum nft_dtype_id id);
const struct nft_dtype *nft_dtype_by_name(const char *name);

/* Parse word as a value of t: 0, or -1 with nft's message in err. */
int nft_val_parse(const struct nft_dtype *t, const char *word,
		  struct nft_val *v, struct qt_buf *err);
/* As nft lists it; numeric (-n) prints numbers for symbols. */
void nft_val_print(const struct nft_dtype *t, const struct nft_val *v,
		   struct qt_buf *b);
/* As nft lists an end of a range: protocols and symbolic constants as
 * numbers (its listing of a range is numeric), the rest as above. */
void nft_val_print_range_end(const struct nft_dtype *t,
			     const struct nft_val *v, struct qt_buf *b);
int nft_val_cmp(const struct nft_val *a, const struct nft_val *b);
/* A number divided by d, in place. */
void nft_val_div(struct nft_val *v, uint64_t d);
/* Bytes a part of a concatenation takes: the type's, padded to 32-bit
 * words. */
unsigned nft_concat_part_len(const struct nft_dtype *t);
/* The value with the low host bits of a prefix set (0) or all set (1). */
void nft_val_prefix(const struct nft_val *v, unsigned plen, bool ones,
		    struct nft_val *out);
/* Whether [lo, hi] is a prefix: its length, or -1. */
int nft_val_prefix_len(const struct nft_val *lo, const struct nft_val *hi);

/* NFT_B_SCTP_CHUNK: a field of the first chunk of a type after SCTP's
 * common header (parser/nft_sctp.h), offset from the chunk's start; a
 * row of type NFT_T_BOOLEAN tests the chunk's presence. */
/* NFT_B_LINK: the link-layer header (ether); in ip, ip6 and inet
 * tables a compare of meta iiftype ether goes before it, unlisted. */
enum nft_base { NFT_B_NETWORK, NFT_B_TRANSPORT, NFT_B_META, NFT_B_CT,
		NFT_B_SCTP_CHUNK, NFT_B_LINK };

enum nft_proto_dep {
	NFT_DEP_NONE, NFT_DEP_IPV4, NFT_DEP_IPV6, NFT_DEP_L4
};

struct nft_field {
	const char *proto;           /* "tcp", "ip", "meta", "ct" */
	const char *name;            /* "dport" */
	enum nft_base base;
	unsigned offset, bits;       /* header fields */
	enum nft_dtype_id type;
	enum nft_proto_dep dep;
	uint8_t l4proto;             /* NFT_DEP_L4: the protocol */
	bool meta_short;             /* listed without "meta" (iifname) */
	bool meta_bare_ok;           /* typed without "meta" (mark, iif) */
};

/* The field PROTO NAME; for meta also a bare NAME (meta_bare_ok). */
const struct nft_field *nft_field_find(const char *proto, const char *name);
/* Is word a protocol of the table (a selector's first word)? */
bool nft_field_proto_known(const char *proto);
/* The i-th field, NULL past the last. */
const struct nft_field *nft_field_at(unsigned i);

/* A raw payload, @th,OFFSET,LENGTH or @nh,...: a field of no protocol
 * (proto "@th" or "@nh", name ""), made once per place and kept; NULL
 * for a place qtables does not read (not whole bytes, over 32 bits). */
const struct nft_field *nft_field_raw(enum nft_base base, unsigned offset,
				      unsigned bits);
bool nft_field_is_raw(const struct nft_field *f);

/* An ICMP or ICMPv6 field that exists in some message types only: the
 * types of the compare nft puts before it (two: the echo pair, which
 * its listing shows; one: left out), and the type its errors name. */
struct nft_icmp_dep {
	const char *proto, *name;
	uint8_t type[2];
	bool two;
	uint8_t need;
};
/* f's, or NULL for a field of every message type. */
const struct nft_icmp_dep *nft_icmp_dep_of(const struct nft_field *f);
/* The type nft's evaluation holds after a compare with t: an echo
 * reply counts as the echo request. */
unsigned nft_icmp_ctx_type(const char *proto, unsigned t);
/* Does the message type t (as held) have d's field? */
bool nft_icmp_dep_fits(const struct nft_icmp_dep *d, unsigned t);
/* What nft lists a load of f as where the listing's first type compare
 * holds t: f, another field at the same place that t has, or NULL (a
 * raw payload, @th,OFFSET,LENGTH). */
const struct nft_field *nft_icmp_field_as(const struct nft_field *f,
					  unsigned t);

/* The protocol number of a name as nft reads it (tcp, 6), or -1. */
int nft_proto_number(const char *name);

#endif
