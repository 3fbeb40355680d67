/* The classifier of one chain: for a packet's header fields, the rules
 * that can match it, in ascending order, so that walking a chain costs
 * what its candidate rules cost, not what all its rules cost.
 *
 * Each rule states, per field, the inclusive range a packet must be in
 * for the rule to possibly match (the full range when it does not care,
 * or when its condition is inverted: an inverted range is not a range).
 *
 * Rules are split into a few groups, each indexed by one field the
 * group's rules all constrain (a blocklist by source address, port rules
 * by port, ...), chosen greedily so that the lists a packet meets stay
 * short; the rules no group takes are candidates for every packet. A
 * group cuts its field's value space into elementary intervals at its
 * rules' boundaries and stores for each interval the rules covering it,
 * in rule order. A lookup is one search per group; the engine walks the
 * union of the lists in rule order (a merge), so first-match semantics,
 * jumps and RETURN are untouched: the candidates are a superset of the
 * matching rules and every condition of every candidate still runs.
 *
 * Port fields: a packet without a TCP/UDP source (destination) port
 * (other protocols, a transport part too short to hold it) meets no
 * rule of a source (destination) port group.
 *
 * Interface fields: a rule naming an exact interface (not "eth+", not
 * inverted) holds the name's key (qt_cls_iface_key) as a range of one
 * value; a packet's key is its interface name's. Two names may share a
 * key: the rule's own comparison still decides, so that only makes a
 * candidate more. */
#ifndef QT_CLASSIFY_H
#define QT_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

enum qt_cls_field {
	QT_CLS_SRC,        /* IPv4 source, host order (IPv6: word 0) */
	QT_CLS_DST,
	QT_CLS_PROTO,
	QT_CLS_SPORT,
	QT_CLS_DPORT,
	QT_CLS_IN,         /* input interface name's key */
	QT_CLS_OUT,        /* output interface name's key */
	/* An IPv6 address is four fields, one per 32-bit word in host
	 * order (word 0 is QT_CLS_SRC/QT_CLS_DST): a prefix is exactly
	 * one value in each word it covers whole, a range in the word
	 * its length ends in and any value after, so a rule's range per
	 * word is the prefix's, and a group takes the word in which a
	 * set of prefixes differs (the /64s of one /32 split on word 1,
	 * host addresses of one /96 on word 3). */
	QT_CLS_SRC1, QT_CLS_SRC2, QT_CLS_SRC3,
	QT_CLS_DST1, QT_CLS_DST2, QT_CLS_DST3,
	QT_CLS_NFIELDS,
	QT_CLS_LINEAR = QT_CLS_NFIELDS,  /* no field: every rule */
};

struct qt_cls_range {
	uint32_t lo[QT_CLS_NFIELDS], hi[QT_CLS_NFIELDS];
};

/* The full range of each field (what "does not care" is). */
void qt_cls_range_any(struct qt_cls_range *r);

/* At most this many groups (one per field), plus the rules of no group. */
#define QT_CLS_MAXGROUPS QT_CLS_NFIELDS
#define QT_CLS_MAXLISTS (QT_CLS_MAXGROUPS + 1)

/* A packet's candidates: sorted lists walked as one (qt_cls_next). */
struct qt_cls_cand {
	unsigned k;
	const uint32_t *l[QT_CLS_MAXLISTS];
	uint32_t n[QT_CLS_MAXLISTS];
	uint32_t pos[QT_CLS_MAXLISTS];
};

struct qt_cls;

/* Build over n rules' ranges. NULL only when out of memory. */
struct qt_cls *qt_cls_build(const struct qt_cls_range *rules, uint32_t n);
/* Every rule for every packet (what short chains get). */
struct qt_cls *qt_cls_build_linear(uint32_t n);
/* Another user of c (programs sharing an unchanged chain); free()
 * drops one. Control thread only. */
struct qt_cls *qt_cls_ref(struct qt_cls *c);
void qt_cls_free(struct qt_cls *c);

/* Has c a group indexed by field f? */
bool qt_cls_has_group(const struct qt_cls *c, enum qt_cls_field f);

/* The key of an interface name (up to IFNAMSIZ - 1 bytes; "" for none). */
uint32_t qt_cls_iface_key(const char *name);

/* Which port fields a packet has (bits of qt_cls_lookup's ports). */
#define QT_CLS_HAS_SPORT 0x1
#define QT_CLS_HAS_DPORT 0x2

/* The candidates of a packet: key[] per field; ports says which of the
 * port fields the packet has (QT_CLS_HAS_*). */
void qt_cls_lookup(const struct qt_cls *c, const uint32_t key[QT_CLS_NFIELDS],
		   unsigned ports, struct qt_cls_cand *out);

/* The next candidate in rule order, UINT32_MAX when none is left. */
static inline uint32_t qt_cls_next(struct qt_cls_cand *c)
{
	uint32_t best = UINT32_MAX;
	unsigned bi = 0;
	for (unsigned i = 0; i < c->k; i++)
		if (c->pos[i] < c->n[i] && c->l[i][c->pos[i]] < best) {
			best = c->l[i][c->pos[i]];
			bi = i;
		}
	if (best != UINT32_MAX)
		c->pos[bi]++;
	return best;
}

/* What was built, for tests and the benchmark: the groups' fields and
 * sizes and the longest list of each ("src:10000/1 dport:20/3 any:1"). */
void qt_cls_describe(const struct qt_cls *c, char *buf, unsigned len);
/* The field of the largest group (QT_CLS_LINEAR when none), and the
 * longest candidate list a packet can meet (the groups' longest lists
 * and the rules of no group, added up). */
enum qt_cls_field qt_cls_field(const struct qt_cls *c);
uint32_t qt_cls_longest(const struct qt_cls *c);

#endif
