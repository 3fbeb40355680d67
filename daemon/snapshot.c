/* The handover snapshot (see snapshot.h). */
#define _GNU_SOURCE
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "print.h"
#include "recent_lists.h"
#include "snap_codec.h"
#include "state_file.h"

static const char MAGIC[8] = { 'Q', 'T', 'H', 'A', 'N', 'D', 'O', 'V' };

/* The IPv6 ruleset's rules and policies have tags of their own (the
 * same records); its text (the state file's, counters included) goes
 * too, for a next daemon without a state file to read it from. */
enum { TAG_CT = 'C', TAG_RULE = 'R', TAG_POLICY = 'P', TAG_RECENT = 'L',
       TAG_RULE6 = 'r', TAG_POLICY6 = 'p', TAG_TEXT6 = 'T',
       TAG_CT_EXT = 'X' };

/* Which instance of a rule a state belongs to: match i, or the target. */
#define INST_TARGET 0xffffu

struct header {
	char magic[8];
	uint32_t version;
	uint32_t nshards;
	uint64_t body_len;
	uint8_t boot[16];
	uint64_t written;          /* monotonic ns */
	uint32_t ct_rec_size;      /* sizeof(struct ct_rec): the layout */
	uint32_t pad;
};

/* One connection: what qt_ct_restore needs, nothing of the table's
 * links. */
struct ct_rec {
	struct qt_ct_tuple t[2];
	uint32_t status, mark, id;
	uint32_t masq_ifindex;     /* MASQUERADE's interface; 0: none */
	uint64_t expires;
	uint8_t p[sizeof(((struct qt_ct_entry *)0)->p)];
};

/* A connection's counts and labels (TAG_CT_EXT, after its shard's
 * TAG_CT, only for a table that keeps them: a handover without them is
 * as before), found again by its original tuple. */
struct ct_ext_rec {
	struct qt_ct_tuple t;
	uint32_t flags;            /* EXT_ACCT | EXT_LABELS */
	uint32_t pad;
	uint64_t packets[2], bytes[2];
	uint8_t labels[16];
};
#define EXT_ACCT 1u
#define EXT_LABELS 2u

void qt_snap_boot_id(uint8_t id[16])
{
	char s[64];
	memset(id, 0, 16);
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (!f)
		return;
	if (fgets(s, sizeof(s), f)) {
		unsigned k = 0;
		for (const char *c = s; *c && k < 32; c++) {
			int v = *c >= '0' && *c <= '9' ? *c - '0' :
				*c >= 'a' && *c <= 'f' ? *c - 'a' + 10 : -1;
			if (v < 0)
				continue;
			id[k / 2] = (uint8_t)(id[k / 2] << 4 | v);
			k++;
		}
	}
	fclose(f);
}

/* A 64-bit checksum of 8-byte words (fast enough for a million
 * connections: well under a tenth of the handover's time). */
static uint64_t checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 0x6a09e667f3bcc909ull ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 31;
	}
	uint64_t w = 0;
	memcpy(&w, p + i, n - i);
	h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

/* ---- encoding ---- */

/* Everything but the connections, which go straight into the image. */
static size_t section_begin(struct qt_buf *b, uint32_t tag)
{
	qt_snap_u32(b, tag);
	qt_snap_u64(b, 0);
	return b->len;
}

static void section_end(struct qt_buf *b, size_t start)
{
	uint64_t len = b->len - start;
	memcpy(b->data + start - 8, &len, 8);
}

static void encode_inst(struct qt_buf *b, const struct qt_ext_run *x,
			uint16_t which, struct qt_buf *tmp, uint16_t *count)
{
	if (!x->state || !x->in.ext->state_save)
		return;
	qt_buf_reset(tmp);
	x->in.ext->state_save(x->state, tmp);
	qt_snap_u16(b, which);
	qt_snap_u32(b, (uint32_t)tmp->len);
	qt_snap_put(b, tmp->data, tmp->len);
	(*count)++;
}

static void encode_rule(struct qt_buf *b, uint32_t tag, unsigned ti,
			const struct qt_chain *ch, uint32_t pos,
			const struct qt_rule *r, const struct qt_rt_store *store,
			struct qt_buf *tmp)
{
	const struct qt_rule_rt *rt = store ? qt_rt_find(store, r) : NULL;
	size_t s = section_begin(b, tag);
	qt_snap_u8(b, (uint8_t)ti);
	qt_snap_str(b, ch->name, strlen(ch->name));
	qt_snap_u32(b, pos);
	qt_buf_reset(tmp);
	qt_rule_save(tmp, r, NULL);
	qt_snap_str(b, tmp->data, tmp->len);
	qt_snap_u64(b, rt ? __atomic_load_n(&rt->cnt.pkts, __ATOMIC_RELAXED) : 0);
	qt_snap_u64(b, rt ? __atomic_load_n(&rt->cnt.bytes, __ATOMIC_RELAXED) : 0);
	size_t count_at = b->len;
	uint16_t count = 0;
	qt_snap_u16(b, 0);
	for (unsigned i = 0; rt && i < rt->nmatches; i++)
		encode_inst(b, &rt->matches[i], (uint16_t)i, tmp, &count);
	if (rt && r->verdict == QT_V_EXT)
		encode_inst(b, &rt->target, INST_TARGET, tmp, &count);
	memcpy(b->data + count_at, &count, 2);
	section_end(b, s);
}

/* The rules of rs (their counters and states in store) and its
 * policy counters, as sections tagged rule_tag and pol_tag. */
static void encode_rules(struct qt_buf *out, const struct qt_ruleset *rs,
			 struct qt_rt_store *store, uint32_t rule_tag,
			 uint32_t pol_tag, struct qt_buf *tmp)
{
	for (unsigned ti = 0; rs && ti < QT_NTABLES; ti++) {
		const struct qt_table *t = rs->tables[ti];
		for (unsigned ci = 0; t && ci < t->nchains; ci++) {
			const struct qt_chain *ch = t->chains[ci];
			for (uint32_t k = 0; k < ch->nrules; k++)
				encode_rule(out, rule_tag, ti, ch, k,
					    ch->rules[k], store, tmp);
			if (!ch->builtin)
				continue;
			const struct qt_counters *pc = store
				? &qt_rt_store_policy(store)->c[ti][ch->hook]
				: NULL;
			size_t sp = section_begin(out, pol_tag);
			qt_snap_u8(out, (uint8_t)ti);
			qt_snap_u8(out, (uint8_t)ch->hook);
			qt_snap_u64(out, pc ? __atomic_load_n(&pc->pkts,
							      __ATOMIC_RELAXED) : 0);
			qt_snap_u64(out, pc ? __atomic_load_n(&pc->bytes,
							      __ATOMIC_RELAXED) : 0);
			section_end(out, sp);
		}
	}
}

static void encode_rest(struct qt_buf *out, const struct qt_snap_src *s)
{
	struct qt_buf tmp;
	qt_buf_init(&tmp);
	encode_rules(out, s->rs, s->store, TAG_RULE, TAG_POLICY, &tmp);
	if (s->rs6) {
		encode_rules(out, s->rs6, s->store6, TAG_RULE6, TAG_POLICY6,
			     &tmp);
		struct qt_counter_view v = {
			.io = s->store6 ? qt_rt_store_io(s->store6) : NULL,
		};
		qt_buf_reset(&tmp);
		qt_state_render(s->rs6, s->store6 ? &v : NULL, &tmp);
		size_t st = section_begin(out, TAG_TEXT6);
		qt_snap_put(out, tmp.data, tmp.len);
		section_end(out, st);
	}
	qt_buf_free(&tmp);
	/* every list in one section: a list record parses itself */
	size_t sl = section_begin(out, TAG_RECENT);
	qt_recent_save_all(out);
	section_end(out, sl);
}

/* A section's head: tag and length. */
#define SECTION_HEAD 12
/* A connection section's: shard and count. */
#define CT_HEAD 8

struct ct_enc {
	uint8_t *at;
	uint32_t n, room;
	const struct qt_ct *ct;
};

static bool put_entry(struct qt_ct_entry *e, void *user)
{
	struct ct_enc *c = user;
	if (c->n == c->room)
		return false;
	struct ct_rec r;
	memset(&r, 0, sizeof(r));
	r.t[0] = e->t[0];
	r.t[1] = e->t[1];
	r.status = e->status;
	r.mark = e->mark;
	r.id = e->id;
	r.masq_ifindex = (uint32_t)e->masq_ifindex;
	r.expires = e->expires;
	memcpy(r.p, &e->p, sizeof(r.p));
	memcpy(c->at + (size_t)c->n * sizeof(r), &r, sizeof(r));
	c->n++;
	return true;
}

static bool put_ext(struct qt_ct_entry *e, void *user)
{
	struct ct_enc *c = user;
	if (c->n == c->room)
		return false;
	struct ct_ext_rec r;
	memset(&r, 0, sizeof(r));
	struct qt_ct_acct a;
	if (qt_ct_acct_get(c->ct, e, &a)) {
		r.flags |= EXT_ACCT;
		memcpy(r.packets, a.packets, sizeof(r.packets));
		memcpy(r.bytes, a.bytes, sizeof(r.bytes));
	}
	if (qt_ct_labels_get(c->ct, e, r.labels))
		r.flags |= EXT_LABELS;
	if (!r.flags)
		return true;
	r.t = e->t[QT_CT_ORIG];
	memcpy(c->at + (size_t)c->n * sizeof(r), &r, sizeof(r));
	c->n++;
	return true;
}

/* The most bytes the image of s can take (rest: its other sections). */
static size_t image_bound(const struct qt_snap_src *s, size_t rest)
{
	size_t n = sizeof(struct header) + rest + 8;
	for (unsigned i = 0; i < s->nshards; i++) {
		if (!s->shards[i])
			continue;
		size_t count = qt_ct_count(s->shards[i]);
		n += SECTION_HEAD + CT_HEAD + count * sizeof(struct ct_rec);
		if (qt_ct_ext_on(s->shards[i]))
			n += SECTION_HEAD + CT_HEAD +
			     count * sizeof(struct ct_ext_rec);
	}
	return n;
}

/* A connection section's head at dst: tag, length, shard, count. */
static void ct_head(uint8_t *dst, uint32_t tag, unsigned shard, uint32_t n,
		    size_t rec)
{
	uint64_t len = CT_HEAD + (uint64_t)n * rec;
	memcpy(dst, &tag, 4);
	memcpy(dst + 4, &len, 8);
	memcpy(dst + SECTION_HEAD, &shard, 4);
	memcpy(dst + SECTION_HEAD + 4, &n, 4);
}

/* The image into dst (image_bound bytes of room); returns its length. */
static size_t encode_into(uint8_t *dst, const struct qt_snap_src *s,
			  const struct qt_buf *rest, uint64_t now)
{
	struct header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, sizeof(MAGIC));
	h.version = QT_SNAP_VERSION;
	h.nshards = s->nshards;
	qt_snap_boot_id(h.boot);
	h.written = now;
	h.ct_rec_size = sizeof(struct ct_rec);
	size_t at = sizeof(h);
	for (unsigned i = 0; i < s->nshards; i++) {
		struct qt_ct *ct = s->shards[i];
		if (!ct)
			continue;
		qt_ct_lock(ct);
		/* the room image_bound counted: a table that grew since
		 * gives what fits */
		struct ct_enc c = { .at = dst + at + SECTION_HEAD + CT_HEAD,
				    .room = qt_ct_count(ct), .ct = ct };
		uint32_t room = c.room;
		bool ext = qt_ct_ext_on(ct);
		qt_ct_each(ct, put_entry, &c);
		ct_head(dst + at, TAG_CT, i, c.n, sizeof(struct ct_rec));
		at += SECTION_HEAD + CT_HEAD + (size_t)c.n * sizeof(struct ct_rec);
		if (ext) {
			/* under the same lock: the same connections */
			struct ct_enc x = { .at = dst + at + SECTION_HEAD + CT_HEAD,
					    .room = room, .ct = ct };
			qt_ct_each(ct, put_ext, &x);
			ct_head(dst + at, TAG_CT_EXT, i, x.n,
				sizeof(struct ct_ext_rec));
			at += SECTION_HEAD + CT_HEAD +
			      (size_t)x.n * sizeof(struct ct_ext_rec);
		}
		qt_ct_unlock(ct);
	}
	memcpy(dst + at, rest->data, rest->len);
	at += rest->len;
	h.body_len = at - sizeof(h);
	memcpy(dst, &h, sizeof(h));
	uint64_t sum = checksum(dst, at);
	memcpy(dst + at, &sum, 8);
	return at + 8;
}

void qt_snap_encode(struct qt_buf *out, const struct qt_snap_src *s,
		    uint64_t now)
{
	struct qt_buf rest;
	qt_buf_init(&rest);
	encode_rest(&rest, s);
	uint8_t *img = malloc(image_bound(s, rest.len));
	if (img) {
		size_t n = encode_into(img, s, &rest, now);
		qt_snap_put(out, img, n);
		free(img);
	}
	qt_buf_free(&rest);
}

int qt_snap_encode_fd(const struct qt_snap_src *s, uint64_t now)
{
	struct qt_buf rest;
	qt_buf_init(&rest);
	encode_rest(&rest, s);
	size_t cap = image_bound(s, rest.len);
	int fd = memfd_create("qtables-handover", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *map = MAP_FAILED;
	if (fd >= 0 && ftruncate(fd, (off_t)cap) == 0)
		/* populated at once: one call instead of a fault per page */
		map = mmap(NULL, cap, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		qt_buf_free(&rest);
		errno = e;
		return -1;
	}
	size_t n = encode_into(map, s, &rest, now);
	munmap(map, cap);
	qt_buf_free(&rest);
	if (ftruncate(fd, (off_t)n) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW |
	      F_SEAL_SEAL);
	return fd;
}

/* ---- decoding ---- */

struct dec {
	const struct qt_snap_src *dst;
	uint64_t now;
	bool apply;
	bool shards_match;
	struct qt_snap_counts *n;
	struct qt_buf *err;
	struct qt_buf tmp;
};

static bool ct_rec_sane(const struct ct_rec *r)
{
	for (int d = 0; d < 2; d++)
		if ((r->t[d].ip6 > 1) |
		    (r->t[d].ip6 != r->t[0].ip6) ||
		    (!r->t[d].ip6 && (r->t[d].src.all[1] | r->t[d].src.all[2] |
				      r->t[d].src.all[3] | r->t[d].dst.all[1] |
				      r->t[d].dst.all[2] | r->t[d].dst.all[3])))
			return false;
	if (!(r->status & QT_IPS_CONFIRMED) || r->t[0].proto != r->t[1].proto)
		return false;
	union qt_ct_proto_state ps;
	memcpy(&ps, r->p, sizeof(ps));
	return qt_ct_proto_state_sane(r->t[0].proto, &ps);
}

#define PREFETCH_AHEAD 16

/* Where record i's tuple of direction d is, from the first record. */
static size_t tuple_at(uint32_t i, unsigned d)
{
	return (size_t)i * sizeof(struct ct_rec) + offsetof(struct ct_rec, t) +
	       d * sizeof(struct qt_ct_tuple);
}
#define HUGE_AFTER 65536

static int dec_ct(struct dec *d, struct qt_snap_rd *r)
{
	uint32_t shard = qt_snap_get_u32(r);
	uint32_t count = qt_snap_get_u32(r);
	if (r->bad || shard >= d->dst->nshards + 0x10000u ||
	    (uint64_t)count * sizeof(struct ct_rec) != (uint64_t)(r->end - r->p))
		return -1;
	struct qt_ct *ct = d->apply && d->shards_match && shard < d->dst->nshards
			   ? d->dst->shards[shard] : NULL;
	if (ct) {
		qt_ct_lock(ct);
		/* many entries: worth the huge pages' first-touch cost now
		 * (a TLB miss per entry otherwise); few: not on the path of
		 * a restart */
		if (count >= HUGE_AFTER)
			qt_ct_hugepages(ct);
		qt_ct_restore_prepare(ct, count);
	}
	/* with a million connections nearly every bucket is a cache miss:
	 * the buckets of the records ahead are loaded meanwhile */
	/* records are packed at any alignment: read with memcpy only */
	const uint8_t *recs = r->p;
	for (uint32_t i = 0; i < count; i++) {
		struct ct_rec rec;
		if (ct) {
			for (unsigned d = 0; d < 2; d++) {
				struct qt_ct_tuple t;
				if (i + PREFETCH_AHEAD < count) {
					memcpy(&t, recs + tuple_at(i + PREFETCH_AHEAD, d),
					       sizeof(t));
					qt_ct_prefetch_tuple(ct, &t, 0);
				}
				if (i + PREFETCH_AHEAD / 2 < count) {
					memcpy(&t, recs + tuple_at(i + PREFETCH_AHEAD / 2, d),
					       sizeof(t));
					qt_ct_prefetch_tuple(ct, &t, 1);
				}
			}
		}
		memcpy(&rec, qt_snap_get(r, sizeof(rec)), sizeof(rec));
		if (!d->apply) {
			if (!ct_rec_sane(&rec))
				break;
			continue;
		}
		struct qt_ct_entry e;
		memset(&e, 0, sizeof(e));
		e.t[0] = rec.t[0];
		e.t[1] = rec.t[1];
		e.status = rec.status;
		e.mark = rec.mark;
		e.id = rec.id;
		e.masq_ifindex = (int32_t)rec.masq_ifindex;
		e.expires = rec.expires;
		memcpy(&e.p, rec.p, sizeof(rec.p));
		/* expired meanwhile: gone, as the wheel would have made it */
		if (ct && e.expires > d->now && qt_ct_restore(ct, &e, d->now))
			d->n->entries++;
		else
			d->n->entries_skipped++;
	}
	if (ct)
		qt_ct_unlock(ct);
	if (!d->apply && r->p != r->end)
		return -1;             /* a record failed its check */
	return 0;
}

static int dec_ct_ext(struct dec *d, struct qt_snap_rd *r)
{
	uint32_t shard = qt_snap_get_u32(r);
	uint32_t count = qt_snap_get_u32(r);
	if (r->bad || shard >= d->dst->nshards + 0x10000u ||
	    (uint64_t)count * sizeof(struct ct_ext_rec) !=
	    (uint64_t)(r->end - r->p))
		return -1;
	struct qt_ct *ct = d->apply && d->shards_match && shard < d->dst->nshards
			   ? d->dst->shards[shard] : NULL;
	if (ct)
		qt_ct_lock(ct);
	int rc = 0;
	for (uint32_t i = 0; i < count; i++) {
		struct ct_ext_rec rec;
		memcpy(&rec, qt_snap_get(r, sizeof(rec)), sizeof(rec));
		if (rec.t.ip6 > 1 || !rec.flags ||
		    (rec.flags & ~(EXT_ACCT | EXT_LABELS))) {
			rc = -1;
			break;
		}
		/* a connection skipped (expired meanwhile) has none */
		enum qt_ct_dir dir;
		struct qt_ct_entry *e = ct ? qt_ct_find(ct, &rec.t, &dir) : NULL;
		if (!e || dir != QT_CT_ORIG)
			continue;
		struct qt_ct_acct a;
		memcpy(a.packets, rec.packets, sizeof(a.packets));
		memcpy(a.bytes, rec.bytes, sizeof(a.bytes));
		qt_ct_restore_ext(ct, e, rec.flags & EXT_ACCT ? &a : NULL,
				  rec.flags & EXT_LABELS ? rec.labels : NULL);
	}
	if (ct)
		qt_ct_unlock(ct);
	return rc;
}

static int dec_rule(struct dec *d, struct qt_snap_rd *r, bool v6)
{
	struct qt_ruleset *rs = v6 ? d->dst->rs6 : d->dst->rs;
	struct qt_rt_store *store = v6 ? d->dst->store6 : d->dst->store;
	const char *chain, *text;
	size_t clen, tlen;
	uint8_t ti = qt_snap_get_u8(r);
	qt_snap_get_str(r, &chain, &clen);
	uint32_t pos = qt_snap_get_u32(r);
	qt_snap_get_str(r, &text, &tlen);
	uint64_t pkts = qt_snap_get_u64(r), bytes = qt_snap_get_u64(r);
	uint16_t ninst = qt_snap_get_u16(r);
	if (r->bad || ti >= QT_NTABLES || clen == 0 || clen > QT_CHAIN_MAXNAMELEN)
		return -1;
	struct qt_rule *rule = NULL;
	if (d->apply && rs && store && rs->tables[ti]) {
		char name[QT_CHAIN_MAXNAMELEN + 1];
		memcpy(name, chain, clen);
		name[clen] = '\0';
		struct qt_chain *ch = qt_table_chain(rs->tables[ti], name);
		if (ch && pos < ch->nrules) {
			qt_buf_reset(&d->tmp);
			qt_rule_save(&d->tmp, ch->rules[pos], NULL);
			if (d->tmp.len == tlen && !memcmp(d->tmp.data, text, tlen))
				rule = ch->rules[pos];
		}
	}
	/* made by the program's compile (states included); a rule no
	 * program ran yet gets its counters only */
	struct qt_rule_rt *rt = rule ? qt_rt_get(store, rule) : NULL;
	for (uint16_t k = 0; k < ninst; k++) {
		uint16_t which = qt_snap_get_u16(r);
		uint32_t len = qt_snap_get_u32(r);
		const void *p = qt_snap_get(r, len);
		if (r->bad)
			return -1;
		if (!rule)
			continue;
		struct qt_ext_run *x = which == INST_TARGET
			? (rule->verdict == QT_V_EXT ? &rt->target : NULL)
			: which < rt->nmatches ? &rt->matches[which] : NULL;
		if (!x || !x->state || !x->in.ext->state_load ||
		    x->in.ext->state_load(x->state, p, len) < 0)
			d->n->states_skipped++;
	}
	if (r->p != r->end)
		return -1;
	if (rule) {
		__atomic_store_n(&rt->cnt.pkts, pkts, __ATOMIC_RELAXED);
		__atomic_store_n(&rt->cnt.bytes, bytes, __ATOMIC_RELAXED);
		d->n->rules++;
	} else if (d->apply) {
		d->n->rules_skipped++;
	}
	return 0;
}

static int dec_policy(struct dec *d, struct qt_snap_rd *r, bool v6)
{
	struct qt_ruleset *rs = v6 ? d->dst->rs6 : d->dst->rs;
	struct qt_rt_store *store = v6 ? d->dst->store6 : d->dst->store;
	uint8_t ti = qt_snap_get_u8(r), hook = qt_snap_get_u8(r);
	struct qt_counters c;
	c.pkts = qt_snap_get_u64(r);
	c.bytes = qt_snap_get_u64(r);
	if (r->bad || r->p != r->end || ti >= QT_NTABLES || hook >= QT_NHOOKS)
		return -1;
	const struct qt_table *t = rs && store ? rs->tables[ti] : NULL;
	for (unsigned ci = 0; d->apply && t && ci < t->nbuiltin; ci++)
		if (t->chains[ci]->hook == hook) {
			struct qt_counters *pc =
				&qt_rt_store_policy(store)->c[ti][hook];
			__atomic_store_n(&pc->pkts, c.pkts, __ATOMIC_RELAXED);
			__atomic_store_n(&pc->bytes, c.bytes, __ATOMIC_RELAXED);
			d->n->policies++;
		}
	return 0;
}

static int dec_recent(struct dec *d, struct qt_snap_rd *r)
{
	while (r->p < r->end) {
		int rc = qt_recent_load_one(r, d->apply);
		if (rc < 0)
			return -1;
		if (d->apply) {
			if (rc)
				d->n->lists++;
			else
				d->n->lists_skipped++;
		}
	}
	return 0;
}

static int walk(struct dec *d, const uint8_t *body, size_t len)
{
	struct qt_snap_rd r = { .p = body, .end = body + len };
	while (r.p < r.end) {
		uint32_t tag = qt_snap_get_u32(&r);
		uint64_t slen = qt_snap_get_u64(&r);
		if (r.bad || slen > (uint64_t)(r.end - r.p))
			return -1;
		struct qt_snap_rd s = { .p = r.p, .end = r.p + slen };
		r.p += slen;
		int rc;
		switch (tag) {
		case TAG_CT: rc = dec_ct(d, &s); break;
		case TAG_CT_EXT: rc = dec_ct_ext(d, &s); break;
		case TAG_RULE: rc = dec_rule(d, &s, false); break;
		case TAG_POLICY: rc = dec_policy(d, &s, false); break;
		case TAG_RULE6: rc = dec_rule(d, &s, true); break;
		case TAG_POLICY6: rc = dec_policy(d, &s, true); break;
		case TAG_TEXT6: rc = 0; break;  /* read by qt_snap_text6 */
		case TAG_RECENT: rc = dec_recent(d, &s); break;
		default: rc = -1; break;
		}
		if (rc < 0 || s.bad)
			return -1;
	}
	return 0;
}

/* The checks of a whole image (length, magic, version, checksum,
 * boot); its header into h. */
static int check_image(const uint8_t *p, size_t len, uint64_t now,
		       struct header *hp, struct qt_buf *err)
{
	struct header h;
	if (len < sizeof(h) + 8) {
		qt_buf_printf(err, "qtablesd: handover state refused: truncated "
			      "(%zu bytes)\n", len);
		return -1;
	}
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, MAGIC, sizeof(MAGIC))) {
		qt_buf_printf(err, "qtablesd: handover state refused: not a "
			      "qtables handover\n");
		return -1;
	}
	if (h.version != QT_SNAP_VERSION || h.ct_rec_size != sizeof(struct ct_rec)) {
		qt_buf_printf(err, "qtablesd: handover state refused: version "
			      "%u (this qtablesd reads %u)\n", h.version,
			      QT_SNAP_VERSION);
		return -1;
	}
	if (h.body_len != len - sizeof(h) - 8) {
		qt_buf_printf(err, "qtablesd: handover state refused: %s "
			      "(%zu bytes of %llu)\n", h.body_len > len -
			      sizeof(h) - 8 ? "truncated" : "trailing bytes",
			      len - sizeof(h) - 8,
			      (unsigned long long)h.body_len);
		return -1;
	}
	uint64_t sum;
	memcpy(&sum, p + len - 8, 8);
	if (sum != checksum(p, len - 8)) {
		qt_buf_printf(err, "qtablesd: handover state refused: checksum "
			      "mismatch\n");
		return -1;
	}
	uint8_t boot[16];
	qt_snap_boot_id(boot);
	if (memcmp(boot, h.boot, 16) || h.written > now) {
		qt_buf_printf(err, "qtablesd: handover state refused: written "
			      "before the last boot\n");
		return -1;
	}
	*hp = h;
	return 0;
}

int qt_snap_text6(const void *img, size_t len, uint64_t now,
		  struct qt_buf *out, struct qt_buf *err)
{
	const uint8_t *p = img;
	struct header h;
	if (check_image(p, len, now, &h, err) < 0)
		return -1;
	struct qt_snap_rd r = { .p = p + sizeof(h),
				.end = p + sizeof(h) + h.body_len };
	while (r.p < r.end) {
		uint32_t tag = qt_snap_get_u32(&r);
		uint64_t slen = qt_snap_get_u64(&r);
		if (r.bad || slen > (uint64_t)(r.end - r.p)) {
			qt_buf_printf(err, "qtablesd: handover state refused: "
				      "a record is malformed\n");
			return -1;
		}
		if (tag == TAG_TEXT6) {
			qt_buf_put(out, (const char *)r.p, (size_t)slen);
			return 1;
		}
		r.p += slen;
	}
	return 0;
}

int qt_snap_decode(const void *img, size_t len, const struct qt_snap_src *dst,
		   uint64_t now, struct qt_snap_counts *n, struct qt_buf *err)
{
	const uint8_t *p = img;
	struct header h;
	memset(n, 0, sizeof(*n));
	if (check_image(p, len, now, &h, err) < 0)
		return -1;
	struct dec d = { .dst = dst, .now = now, .n = n, .err = err,
			 .shards_match = h.nshards == dst->nshards };
	qt_buf_init(&d.tmp);
	int rc = walk(&d, p + sizeof(h), h.body_len);
	if (rc < 0) {
		qt_buf_printf(err, "qtablesd: handover state refused: a record "
			      "is malformed\n");
	} else {
		d.apply = true;
		walk(&d, p + sizeof(h), h.body_len);
		if (!d.shards_match && h.nshards)
			qt_buf_printf(err, "qtablesd: handover: %u connection "
				      "tables handed over for %u queues: "
				      "connections not taken over\n",
				      h.nshards, dst->nshards);
	}
	qt_buf_free(&d.tmp);
	return rc;
}
