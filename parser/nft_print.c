/* See nft_print.h. */
#include "nft_print.h"
#include "nft_ct.h"
#include "nft_run.h"

#include <inttypes.h>
#include <string.h>

struct std_prio {
	const char *name;
	int value;
	int hook;            /* -1: every hook */
};

/* the names nft gives the standard priorities of ip, ip6 and inet */
static const struct std_prio std_prios[] = {
	{ "raw", -300, -1 }, { "mangle", -150, -1 },
	{ "dstnat", -100, NFT_H_PREROUTING }, { "filter", 0, -1 },
	{ "security", 50, -1 }, { "srcnat", 100, NFT_H_POSTROUTING },
};
#define NPRIOS (sizeof(std_prios) / sizeof(std_prios[0]))

int nft_prio_name_value(enum nft_family f, enum nft_hook h, const char *name,
			int *value)
{
	(void)f;
	for (size_t i = 0; i < NPRIOS; i++)
		if (!strcmp(std_prios[i].name, name)) {
			if (std_prios[i].hook >= 0 &&
			    std_prios[i].hook != (int)h)
				return -1;
			*value = std_prios[i].value;
			return 0;
		}
	return -1;
}

void nft_print_prio(enum nft_family f, enum nft_hook h, int prio,
		    struct qt_buf *b)
{
	(void)f;
	for (size_t i = 0; i < NPRIOS; i++) {
		const struct std_prio *p = &std_prios[i];
		int off = prio - p->value;
		if ((p->hook >= 0 && p->hook != (int)h) || off < -10 ||
		    off > 10)
			continue;
		if (!off)
			qt_buf_puts(b, p->name);
		else
			qt_buf_printf(b, "%s %c %d", p->name,
				      off < 0 ? '-' : '+', off < 0 ? -off : off);
		return;
	}
	qt_buf_printf(b, "%d", prio);
}

/* Set while nft_print_ruleset prints with quote_names: the names are
 * printed from places that are handed no options (an element's jump). */
static _Thread_local bool quote_odd;

static void put_name(struct qt_buf *b, const char *name, bool after_at)
{
	if (quote_odd && !nft_name_reads_back(name, after_at))
		qt_buf_printf(b, "\"%s\"", name);
	else
		qt_buf_puts(b, name);
}

static void put_set_ref(struct qt_buf *b, const char *name)
{
	qt_buf_putc(b, '@');
	put_name(b, name, true);
}

static void print_handle(const struct nft_print_opts *o, uint64_t h,
			 struct qt_buf *b)
{
	if (o->handles)
		qt_buf_printf(b, " # handle %" PRIu64, h);
}

static const struct nft_dtype *field_type(const struct nft_field *f)
{
	return nft_dtype_get(f->type);
}

static void print_limit(const struct nft_stmt *s, struct qt_buf *b);
static void print_elem(const struct nft_dtype *t, const struct nft_elem *e,
		       bool in_set, struct qt_buf *b);

static const char *const verdicts[] = {
	"accept", "drop", "continue", "return", "jump", "goto",
};

static void print_duration(uint64_t ms, struct qt_buf *b);

/* -s: a set's elements are listed without the time they have left */
static bool elems_stateless;

/* bytes as nft lists a quota: in the largest unit they are whole in */
static void print_qbytes(uint64_t v, struct qt_buf *b)
{
	static const char *const units[] = { "bytes", "kbytes", "mbytes" };
	unsigned u = 0;
	while (u < 2 && v && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	qt_buf_printf(b, "%" PRIu64 " %s", v, units[u]);
}

/* The statements a set update gives each element (and the element
 * lists with its state): counter, quota, ct count after the limit. */
static void print_elem_stmts(bool counter, uint64_t pk, uint64_t by,
			     bool quota, bool qover, uint64_t qbytes,
			     uint64_t qused, bool count, bool cover,
			     uint32_t n, bool state, struct qt_buf *b)
{
	if (counter) {
		qt_buf_puts(b, " counter");
		if (state)
			qt_buf_printf(b, " packets %" PRIu64 " bytes %" PRIu64,
				      pk, by);
	}
	if (quota) {
		qt_buf_printf(b, " quota %s", qover ? "over " : "");
		print_qbytes(qbytes, b);
		if (state && qused) {
			qt_buf_puts(b, " used ");
			print_qbytes(qused, b);
		}
	}
	if (count)
		qt_buf_printf(b, " ct count %s%u", cover ? "over " : "", n);
}

/* A part of a nat map's value (len bytes at off): a value, a prefix
 * or a range, as nft lists an interval's data. */
static void print_data_part(const struct nft_dtype *t,
			    const struct nft_elem *e, unsigned off,
			    unsigned len, struct qt_buf *b)
{
	struct nft_elem p;
	nft_elem_data_part(e, off, len, &p);
	print_elem(t, &p, true, b);
}

/* An element of a key of nk parts (kt), with what it carries. */
static void print_key_elem(const struct nft_dtype *const *kt, unsigned nk,
			   const struct nft_dtype *dt,
			   const struct nft_elem *e, struct qt_buf *b)
{
	if (e->catchall) {
		qt_buf_putc(b, '*');
	} else if (nk <= 1) {
		print_elem(kt[0], e, true, b);
	} else {
		unsigned off = 0;
		for (unsigned k = 0; k < nk; k++) {
			unsigned len = nft_concat_part_len(kt[k]);
			struct nft_elem p;
			nft_elem_key_part(e, off, (kt[k]->bits + 7) / 8, &p);
			if (k)
				qt_buf_puts(b, " . ");
			print_elem(kt[k], &p, true, b);
			off += len;
		}
	}
	if (e->has_limit) {
		/* a dynamic set's element: its statements follow the key,
		 * the limit as a rule's */
		struct nft_stmt l;
		memset(&l, 0, sizeof(l));
		l.over = e->limit_over;
		l.rate = e->limit_rate;
		l.burst = e->limit_burst;
		l.unit = nft_limit_unit_name(e->limit_unit_s);
		l.bytes_unit = e->limit_bytes ? "bytes" : NULL;
		qt_buf_putc(b, ' ');
		print_limit(&l, b);
	}
	print_elem_stmts(e->has_counter, e->packets, e->bytes, e->has_quota,
			 e->quota_over, e->quota_bytes, e->quota_used,
			 e->has_count, e->count_over, e->count,
			 !elems_stateless, b);
	if (e->timeout_ms) {
		qt_buf_puts(b, " timeout ");
		print_duration(e->timeout_ms, b);
	}
	if (e->expires_ms && !elems_stateless) {
		qt_buf_puts(b, " expires ");
		print_duration(e->expires_ms, b);
	}
	if (e->comment)
		qt_buf_printf(b, " comment \"%s\"", e->comment);
	if (!e->has_data)
		return;
	qt_buf_puts(b, " : ");
	if (dt) {
		/* a nat map's value: an address, or an address . port */
		unsigned alen = (dt->bits + 7) / 8;
		if (e->data.len <= alen) {
			struct nft_elem p;
			nft_elem_data_whole(e, dt, &p);
			print_elem(dt, &p, true, b);
			return;
		}
		print_data_part(dt, e, 0, alen, b);
		qt_buf_puts(b, " . ");
		print_data_part(nft_dtype_get(NFT_T_SERVICE), e,
				nft_concat_part_len(dt), 2, b);
		return;
	}
	qt_buf_puts(b, verdicts[e->verdict]);
	if (e->chain) {
		qt_buf_putc(b, ' ');
		put_name(b, e->chain, false);
	}
}

static void print_elem(const struct nft_dtype *t, const struct nft_elem *e,
		       bool in_set, struct qt_buf *b)
{
	if (t->id == NFT_T_RELTIME && e->kind != NFT_E_VALUE) {
		/* nft lists a range of times in whole seconds */
		const struct nft_dtype *n = nft_dtype_get(NFT_T_INTEGER);
		struct nft_val lo = e->lo, hi = e->hi;
		nft_val_div(&lo, 1000);
		nft_val_div(&hi, 1000);
		nft_val_print(n, &lo, b);
		qt_buf_puts(b, "s-");
		nft_val_print(n, &hi, b);
		qt_buf_putc(b, 's');
		return;
	}
	if (e->kind == NFT_E_RANGE &&
	    !(in_set && t->prefixable && nft_val_prefix_len(&e->lo, &e->hi) >= 0))
		nft_val_print_range_end(t, &e->lo, b);
	else
		nft_val_print(t, &e->lo, b);
	if (e->kind == NFT_E_VALUE)
		return;
	int plen = e->kind == NFT_E_PREFIX ? e->plen
		   : in_set && t->prefixable ? nft_val_prefix_len(&e->lo, &e->hi)
		   : -1;
	if (plen >= 0) {
		qt_buf_printf(b, "/%d", plen);
		return;
	}
	qt_buf_putc(b, '-');
	nft_val_print_range_end(t, &e->hi, b);
}

/* Named sets' elements wrap as nft wraps them: numbers 16 to a line,
 * IPv4 addresses and bitmasks of states 2, anything else one. */
static unsigned elems_per_line(const struct nft_dtype *t)
{
	switch (t->id) {
	case NFT_T_NFPROTO: case NFT_T_INTEGER: case NFT_T_PROTO:
	case NFT_T_SERVICE: case NFT_T_TCP_FLAG: case NFT_T_MARK:
	case NFT_T_IFINDEX: case NFT_T_RAW:
		return 16;
	case NFT_T_IPV4: case NFT_T_CTSTATE: case NFT_T_CTSTATUS:
	case NFT_T_PKTTYPE:
		return 2;
	default:
		return 1;
	}
}

static void print_elems_of(const struct nft_dtype *const *kt, unsigned nk,
			   const struct nft_dtype *dt, bool map,
			   const struct nft_elem *e, unsigned n, bool named,
			   struct qt_buf *b)
{
	unsigned per_line = !named ? ~0u : nk > 1 ? 1 : elems_per_line(kt[0]);
	(void)map;
	unsigned count = 0;
	qt_buf_puts(b, "{ ");
	for (unsigned i = 0; i < n; i++) {
		if (i)
			qt_buf_puts(b, count ? ", " : ",\n\t\t\t     ");
		print_key_elem(kt, nk, dt, &e[i], b);
		if (++count >= per_line)
			count = 0;
	}
	qt_buf_puts(b, " }");
}

static void print_elems(const struct nft_dtype *t, const struct nft_elem *e,
			unsigned n, bool named, struct qt_buf *b)
{
	print_elems_of(&t, 1, NULL, false, e, n, named, b);
}

static void print_selector(const struct nft_field *f, struct qt_buf *b)
{
	if (nft_field_is_raw(f))
		qt_buf_printf(b, "%s,%u,%u", f->proto, f->offset, f->bits);
	else if (f->base == NFT_B_META && f->meta_short)
		qt_buf_puts(b, f->name);
	else
		qt_buf_printf(b, "%s %s", f->proto, f->name);
}

static const char *const ops[] = { "", "!= ", "< ", "> ", "<= ", ">= ",
				    "! " };
static const char *const bitops[] = { "", "&", "|", "^" };
static const char *const fib_inputs[] = {
	"saddr", "daddr", "mark", "iif", "oif",
};
static const char *const fib_results[] = { "oif", "oifname", "type" };
static const char *const nat_names[] = {
	"snat", "dnat", "masquerade", "redirect",
};
static const char *const nat_flag_names[] = {
	"random", "fully-random", "persistent",
};

/* A match's left side: a field, a concatenation, numgen, jhash, fib. */
static void print_lhs(const struct nft_stmt *s, struct qt_buf *b)
{
	switch (s->lhs) {
	case NFT_L_NUMGEN:
		qt_buf_printf(b, "numgen %s mod %u", s->numgen_inc ? "inc"
								 : "random",
			      s->mod);
		if (s->offset)
			qt_buf_printf(b, " offset %u", s->offset);
		return;
	case NFT_L_JHASH:
		qt_buf_puts(b, "jhash ");
		for (unsigned i = 0; i < s->nhkeys; i++) {
			if (i)
				qt_buf_puts(b, " . ");
			print_selector(s->hkeys[i], b);
		}
		qt_buf_printf(b, " mod %u", s->mod);
		if (s->has_seed)
			qt_buf_printf(b, " seed 0x%x", s->seed);
		if (s->offset)
			qt_buf_printf(b, " offset %u", s->offset);
		return;
	case NFT_L_SYMHASH:
		qt_buf_printf(b, "symhash mod %u", s->mod);
		if (s->offset)
			qt_buf_printf(b, " offset %u", s->offset);
		return;
	case NFT_L_FIB: {
		qt_buf_puts(b, "fib ");
		bool first = true;
		for (unsigned i = 0; i < 5; i++)
			if (s->fib_flags & (1u << i)) {
				qt_buf_printf(b, "%s%s", first ? "" : " . ",
					      fib_inputs[i]);
				first = false;
			}
		qt_buf_printf(b, " %s", fib_results[s->fib_result]);
		return;
	}
	case NFT_L_FIELD:
		break;
	}
	/* iif, iifname ... are listed short in a concatenation too */
	print_selector(s->field, b);
	for (unsigned i = 0; i < s->ncat; i++) {
		qt_buf_puts(b, " . ");
		print_selector(s->cat[i], b);
	}
	if (s->bitop) {
		qt_buf_printf(b, " %s ", bitops[s->bitop]);
		nft_val_print(nft_dtype_get(s->field->type), &s->mask, b);
	}
}

/* "KEY map @NAME" or "KEY map { K : V, ... }": the map of a nat,
 * mangle or named object statement s, its data of type dt */
static void print_map(const struct nft_stmt *s, const struct nft_dtype *dt,
		      struct qt_buf *b)
{
	print_lhs(s, b);
	qt_buf_puts(b, " map ");
	if (s->set_name) {
		put_set_ref(b, s->set_name);
		return;
	}
	const struct nft_dtype *kt[NFT_CONCAT_MAX] = { field_type(s->field) };
	for (unsigned i = 0; i < s->ncat; i++)
		kt[i + 1] = field_type(s->cat[i]);
	print_elems_of(kt, 1 + s->ncat, dt, true, s->elems, s->nelems, false,
		       b);
}

static void print_nat(const struct nft_table *t, const struct nft_stmt *s,
		      struct qt_buf *b)
{
	qt_buf_puts(b, nat_names[s->nat]);
	if (s->nat_map) {
		/* an inet table's map names its values' family: theirs */
		bool v6 = t->family == NFT_F_IP6;
		if (t->family == NFT_F_INET && s->nelems)
			v6 = s->elems[0].data.len >= 16;
		if (t->family == NFT_F_INET && s->set_name) {
			const struct nft_set *set = nft_set_find(
				(struct nft_table *)t, s->set_name);
			v6 = set && set->data_type &&
			     set->data_type->id == NFT_T_IPV6;
		}
		const struct nft_dtype *dt = nft_dtype_get(v6 ? NFT_T_IPV6
							      : NFT_T_IPV4);
		/* values of ports alone: :KEY map { KEY : PORT } */
		bool ports = s->nelems > 0;
		for (unsigned i = 0; i < s->nelems; i++)
			ports &= s->elems[i].data.len == 2;
		if (s->set_name) {
			const struct nft_set *set = nft_set_find(
				(struct nft_table *)t, s->set_name);
			ports = set && set->data_type &&
				set->data_type->id == NFT_T_SERVICE;
		}
		if (ports)
			dt = nft_dtype_get(NFT_T_SERVICE);
		/* the family is named when the value holds a port or a range
		 * (an interval of data) too */
		bool port = false;
		if (s->set_name) {
			const struct nft_set *set = nft_set_find(
				(struct nft_table *)t, s->set_name);
			port = set && (set->data_type2 ||
				       (set->flags & NFT_SET_INTERVAL));
		}
		for (unsigned i = 0; i < s->nelems; i++)
			port |= s->elems[i].data.len > (dt->bits + 7) / 8 ||
				s->elems[i].data_range;
		if ((port || t->family == NFT_F_INET || s->nat_prefix) &&
		    !ports)
			qt_buf_printf(b, " %s", v6 ? "ip6" : "ip");
		if (s->nat_prefix)
			qt_buf_puts(b, " prefix");
		qt_buf_puts(b, ports ? " to :" : " to ");
		print_map(s, dt, b);
		if (s->nat_has_port) {
			qt_buf_printf(b, ":%u", s->port_lo);
			if (s->nat_port_range)
				qt_buf_printf(b, "-%u", s->port_hi);
		}
		return;
	}
	bool v6 = s->addr_lo.len == 16;
	if (s->nat_has_addr || s->nat_has_port) {
		if (t->family == NFT_F_INET && s->nat_has_addr)
			qt_buf_puts(b, v6 ? " ip6" : " ip");
		qt_buf_puts(b, " to ");
	}
	const struct nft_dtype *at = nft_dtype_get(v6 ? NFT_T_IPV6
						      : NFT_T_IPV4);
	/* an IPv6 address before a port is bracketed, each of a range */
	bool br = v6 && s->nat_has_port;
	if (s->nat_has_addr) {
		qt_buf_puts(b, br ? "[" : "");
		nft_val_print(at, &s->addr_lo, b);
		qt_buf_puts(b, br ? "]" : "");
		int plen = s->nat_addr_range
			   ? nft_val_prefix_len(&s->addr_lo, &s->addr_hi) : -1;
		if (plen >= 0) {
			qt_buf_printf(b, "/%d", plen);
		} else if (s->nat_addr_range) {
			qt_buf_puts(b, br ? "-[" : "-");
			nft_val_print(at, &s->addr_hi, b);
			qt_buf_puts(b, br ? "]" : "");
		}
	}
	if (s->nat_has_port) {
		qt_buf_printf(b, ":%u", s->port_lo);
		if (s->nat_port_range)
			qt_buf_printf(b, "-%u", s->port_hi);
	}
	bool first = true;
	for (unsigned i = 0; i < 3; i++)
		if (s->nat_flags & (1u << i)) {
			qt_buf_printf(b, "%s%s", first ? " " : ",",
				      nat_flag_names[i]);
			first = false;
		}
}
static const char *const log_levels[] = {
	"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
	"audit",
};

/* limit rate [over] N[ UNIT]/TIME [burst N UNIT]: bytes in the largest
 * unit they are whole in, as nft lists them */
static void print_limit(const struct nft_stmt *s, struct qt_buf *b)
{
	qt_buf_printf(b, "limit rate %s", s->over ? "over " : "");
	if (!s->bytes_unit) {
		qt_buf_printf(b, "%" PRIu64 "/%s", s->rate, s->unit);
		if (s->burst != 5)
			qt_buf_printf(b, " burst %" PRIu64 " packets",
				      s->burst);
		return;
	}
	const char *u;
	uint64_t v = nft_bytes_split(s->rate, &u);
	qt_buf_printf(b, "%" PRIu64 " %s/%s", v, u, s->unit);
	if (s->burst) {
		v = nft_bytes_split(s->burst, &u);
		qt_buf_printf(b, " burst %" PRIu64 " %s", v, u);
	}
}

/* log [prefix P] [group N] [snaplen N] [queue-threshold N] [level L]
 * [flags ...] in nft's order */
static void print_log(const struct nft_stmt *s, struct qt_buf *b)
{
	qt_buf_puts(b, "log");
	if (s->prefix)
		qt_buf_printf(b, " prefix \"%s\"", s->prefix);
	if (s->has_group)
		qt_buf_printf(b, " group %u", s->group);
	if (s->has_snaplen)
		qt_buf_printf(b, " snaplen %u", s->snaplen);
	if (s->has_qthreshold)
		qt_buf_printf(b, " queue-threshold %u", s->qthreshold);
	if (s->level >= 0 && s->level != 4)
		qt_buf_printf(b, " level %s", log_levels[s->level]);
	unsigned f = s->log_flags;
	if ((f & NFT_LOG_ALL) == NFT_LOG_ALL) {
		qt_buf_puts(b, " flags all");
		return;
	}
	if (f & (NFT_LOG_TCPSEQ | NFT_LOG_TCPOPT)) {
		qt_buf_puts(b, " flags tcp");
		if (f & NFT_LOG_TCPSEQ)
			qt_buf_puts(b, " sequence");
		if (f & NFT_LOG_TCPOPT)
			qt_buf_puts(b, f & NFT_LOG_TCPSEQ ? ",options"
							  : " options");
	}
	if (f & NFT_LOG_IPOPT)
		qt_buf_puts(b, " flags ip options");
	if (f & NFT_LOG_UID)
		qt_buf_puts(b, " flags skuid");
	if (f & NFT_LOG_MACDECODE)
		qt_buf_puts(b, " flags ether");
}

static void print_reject(const struct nft_table *t, const struct nft_stmt *s,
			 struct qt_buf *b)
{
	qt_buf_puts(b, "reject");
	if (s->reject == NFT_R_DEFAULT && s->reject_l3) {
		qt_buf_puts(b, s->reject_l3 == 4 ? " with icmp port-unreachable"
				: " with icmpv6 port-unreachable");
		return;
	}
	switch (s->reject) {
	case NFT_R_TCP_RESET:
		qt_buf_puts(b, " with tcp reset");
		return;
	case NFT_R_ICMP:
		if (t->family == NFT_F_IP && s->code == 3)
			return;
		qt_buf_puts(b, " with icmp ");
		break;
	case NFT_R_ICMPV6:
		if (t->family == NFT_F_IP6 && s->code == 4)
			return;
		qt_buf_puts(b, " with icmpv6 ");
		break;
	case NFT_R_ICMPX:
		if (s->code == 1)
			return;
		qt_buf_puts(b, " with icmpx ");
		break;
	default:
		return;
	}
	enum nft_dtype_id ty = s->reject == NFT_R_ICMP ? NFT_T_ICMP_CODE
			       : s->reject == NFT_R_ICMPV6 ? NFT_T_ICMPV6_CODE
			       : NFT_T_ICMPX_CODE;
	struct nft_val v = { 1, { s->code } };
	nft_val_print(nft_dtype_get(ty), &v, b);
}

/* A bitmask's value compared as a number (== and !=): nft lists its
 * flags or'ed, a | b. */
static void print_flags_or(const struct nft_dtype *t, const struct nft_elem *e,
			   struct qt_buf *b)
{
	struct qt_buf tmp;
	qt_buf_init(&tmp);
	/* tcp flags: a number of several flags in hex (nft 1.0.6 looks
	 * its value up as one symbol) */
	unsigned bits = 0;
	for (unsigned i = 0; i < e->lo.len; i++)
		bits += (unsigned)__builtin_popcount(e->lo.b[i]);
	if (t->id == NFT_T_TCP_FLAG && bits > 1) {
		qt_buf_printf(b, "0x%x", e->lo.b[0]);
		qt_buf_free(&tmp);
		return;
	}
	print_elem(t, e, false, &tmp);
	for (const char *p = qt_buf_str(&tmp); *p; p++)
		if (*p == ',')
			qt_buf_puts(b, " | ");
		else
			qt_buf_putc(b, *p);
	qt_buf_free(&tmp);
}

/* The type nft lists an anonymous set's elements with: the field's,
 * but none for ct's ports (nft 1.0.6 knows their type only from the
 * protocol a compare of one value settles). */
static const struct nft_dtype *anon_set_type(const struct nft_stmt *s,
					     const struct nft_dtype *ty)
{
	const struct nft_ct_info *in = nft_ct_info(s->field);
	if (in && (in->key == NFT_CTK_PROTO_SRC || in->key == NFT_CTK_PROTO_DST))
		return nft_dtype_get(NFT_T_INVALID);
	return ty;
}

/* tcp flags as nft lists them: names joined by sep, what no name
 * covers in hex; an exact value one name or hex */
static void put_tcp_flags(uint8_t x, const char *sep, bool exact,
			  struct qt_buf *b)
{
	const struct nft_dtype *t = nft_dtype_get(NFT_T_TCP_FLAG);
	struct nft_val v = { 1, { x } };
	struct qt_buf tmp;
	qt_buf_init(&tmp);
	nft_val_print(t, &v, &tmp);
	const char *p = qt_buf_str(&tmp);
	if (exact && (strchr(p, ',') || !x))
		qt_buf_printf(b, "0x%02x", x);
	else
		for (; *p; p++) {
			if (*p == ',')
				qt_buf_puts(b, sep);
			else
				qt_buf_putc(b, *p);
		}
	qt_buf_free(&tmp);
}

/* FLAGS (any set: & FLAGS != 0), ! FLAGS (& FLAGS == 0), VALUE / MASK,
 * & FLAG == FLAG of one flag, == VALUE, and sets of values */
static void print_tcp_flags(const struct nft_stmt *s, struct qt_buf *b)
{
	uint8_t m = s->mask.len ? s->mask.b[s->mask.len - 1] : 0;
	print_selector(s->field, b);
	if (s->set_name || s->braces) {
		if (s->bitop) {
			qt_buf_puts(b, " & ");
			bool one = m && !(m & (m - 1));
			qt_buf_puts(b, one ? "" : "(");
			put_tcp_flags(m, " | ", false, b);
			qt_buf_puts(b, one ? "" : ")");
			qt_buf_puts(b, s->op == NFT_OP_EQ ? " == " : " ");
		} else {
			qt_buf_puts(b, " ");
		}
		qt_buf_puts(b, s->op == NFT_OP_EQ ? "" : ops[s->op]);
		if (s->set_name) {
			put_set_ref(b, s->set_name);
			return;
		}
		qt_buf_puts(b, "{ ");
		for (unsigned i = 0; i < s->nelems; i++) {
			const struct nft_val *v = &s->elems[i].lo;
			if (i)
				qt_buf_puts(b, ", ");
			put_tcp_flags(v->b[v->len - 1], " | ", false, b);
		}
		qt_buf_puts(b, " }");
		return;
	}
	const struct nft_val *ev = &s->elems[0].lo;
	uint8_t v = ev->len ? ev->b[ev->len - 1] : 0;
	if (!s->bitop) {
		qt_buf_puts(b, s->op == NFT_OP_EQ ? " == " : " ");
		qt_buf_puts(b, ops[s->op]);
		put_tcp_flags(v, ",", true, b);
		return;
	}
	if (!v && (s->op == NFT_OP_EQ || s->op == NFT_OP_NE)) {
		qt_buf_puts(b, s->op == NFT_OP_EQ ? " ! " : " ");
		put_tcp_flags(m, ",", false, b);
		return;
	}
	bool one = m && !(m & (m - 1));
	if ((one && m == v) ||
	    (s->op != NFT_OP_EQ && s->op != NFT_OP_NE)) {
		qt_buf_puts(b, " & ");
		put_tcp_flags(m, ",", false, b);
		qt_buf_puts(b, s->op == NFT_OP_EQ ? " == " : " ");
		qt_buf_puts(b, ops[s->op]);
		put_tcp_flags(v, ",", false, b);
		return;
	}
	qt_buf_puts(b, s->op == NFT_OP_NE ? " != " : " ");
	put_tcp_flags(v, ",", false, b);
	qt_buf_puts(b, " / ");
	put_tcp_flags(m, ",", false, b);
}

/* " name KEY map { KEY : "name", ... }" or " ... map @m" */
static void print_obj_map(const struct nft_stmt *s, struct qt_buf *b)
{
	qt_buf_puts(b, " name ");
	print_map(s, nft_dtype_get(NFT_T_OBJNAME), b);
}

static void print_stmt(const struct nft_table *t, const struct nft_stmt *s,
		       const struct nft_print_opts *o, struct qt_buf *b)
{
	switch (s->kind) {
	case NFT_S_MATCH: {
		const struct nft_dtype *ty = field_type(s->field);
		if (s->lhs == NFT_L_FIELD && !s->ncat && !s->vmap &&
		    s->field->type == NFT_T_TCP_FLAG) {
			print_tcp_flags(s, b);
			return;
		}
		print_lhs(s, b);
		if (s->lhs == NFT_L_FIB && !s->nelems && !s->set_name) {
			qt_buf_puts(b, s->fib_exists ? " exists" : " missing");
			return;
		}
		if (s->vmap || s->ncat) {
			const struct nft_dtype *kt[NFT_CONCAT_MAX] = { ty };
			for (unsigned i = 0; i < s->ncat; i++)
				kt[i + 1] = field_type(s->cat[i]);
			qt_buf_puts(b, s->vmap ? " vmap " : " ");
			if (s->set_name)
				put_set_ref(b, s->set_name);
			else if (s->braces || s->vmap)
				print_elems_of(kt, 1 + s->ncat, NULL, s->vmap,
					       s->elems, s->nelems, false, b);
			else
				print_key_elem(kt, 1 + s->ncat, NULL,
					       &s->elems[0], b);
			return;
		}
		qt_buf_printf(b, " %s", (s->bitop || s->exact) &&
					s->op == NFT_OP_EQ ? "== " : ops[s->op]);
		if (s->set_name)
			put_set_ref(b, s->set_name);
		else if (s->braces)
			print_elems(anon_set_type(s, ty), s->elems, s->nelems,
				    false, b);
		else if (ty->bitmask && (s->exact || s->op == NFT_OP_NE))
			print_flags_or(ty, &s->elems[0], b);
		else
			print_elem(ty, &s->elems[0], false, b);
		return;
	}
	case NFT_S_COUNTER:
		qt_buf_puts(b, "counter");
		if (s->obj_map) {
			print_obj_map(s, b);
			return;
		}
		if (s->obj_name) {
			qt_buf_printf(b, " name \"%s\"", s->obj_name);
			return;
		}
		if (!o->stateless)
			qt_buf_printf(b, " packets %" PRIu64 " bytes %" PRIu64,
				      s->packets, s->bytes);
		return;
	case NFT_S_VERDICT:
		qt_buf_puts(b, verdicts[s->verdict]);
		if (s->chain) {
			qt_buf_putc(b, ' ');
			put_name(b, s->chain, false);
		}
		return;
	case NFT_S_REJECT:
		print_reject(t, s, b);
		return;
	case NFT_S_LOG:
		print_log(s, b);
		return;
	case NFT_S_LIMIT:
		if (s->obj_map) {
			qt_buf_puts(b, "limit");
			print_obj_map(s, b);
		} else if (s->obj_name)
			qt_buf_printf(b, "limit name \"%s\"", s->obj_name);
		else
			print_limit(s, b);
		return;
	case NFT_S_QUOTA:
		if (s->obj_map) {
			qt_buf_puts(b, "quota");
			print_obj_map(s, b);
			return;
		}
		if (s->obj_name) {
			qt_buf_printf(b, "quota name \"%s\"", s->obj_name);
			return;
		}
		qt_buf_printf(b, "quota %s", s->quota_over ? "over " : "");
		print_qbytes(s->quota_bytes, b);
		if (!o->stateless && s->quota_used) {
			qt_buf_puts(b, " used ");
			print_qbytes(s->quota_used, b);
		}
		return;
	case NFT_S_SET_FIELD:
		qt_buf_printf(b, "%s %s set ", s->field->proto, s->field->name);
		if (s->lhs != NFT_L_FIELD) {
			print_lhs(s, b);
			return;
		}
		if (s->value_map) {
			/* the key as a match's left side */
			struct nft_stmt k = *s;
			k.field = s->src;
			k.lhs = NFT_L_FIELD;
			print_map(&k, field_type(s->field), b);
			return;
		}
		if (s->src) {
			bool paren = s->bitop && s->shift_op;
			qt_buf_printf(b, "%s%s %s", paren ? "(" : "",
				      s->src->proto, s->src->name);
			if (s->bitop) {
				qt_buf_printf(b, " %s ", bitops[s->bitop]);
				nft_val_print(field_type(s->src), &s->mask, b);
			}
			if (s->shift_op)
				qt_buf_printf(b, "%s %s %u", paren ? ")" : "",
					      s->shift_op == 1 ? "<<" : ">>",
					      s->shift);
			return;
		}
		if (s->field->type == NFT_T_TCP_FLAG) {
			const struct nft_val *v = &s->elems[0].lo;
			put_tcp_flags(v->b[v->len - 1], " | ", false, b);
			return;
		}
		nft_val_print(field_type(s->field), &s->elems[0].lo, b);
		return;
	case NFT_S_NAT:
		print_nat(t, s, b);
		return;
	case NFT_S_CT_COUNT:
		qt_buf_printf(b, "ct count %s%u", s->over ? "over " : "",
			      s->count);
		return;
	case NFT_S_SET_UPDATE:
		qt_buf_printf(b, "%s ", s->set_op);
		put_set_ref(b, s->set_name);
		qt_buf_puts(b, " { ");
		print_selector(s->field, b);
		for (unsigned i = 0; i < s->ncat; i++) {
			qt_buf_puts(b, " . ");
			print_selector(s->cat[i], b);
		}
		if (s->timeout_ms) {
			qt_buf_puts(b, " timeout ");
			print_duration(s->timeout_ms, b);
		}
		if (s->has_limit) {
			qt_buf_putc(b, ' ');
			print_limit(s, b);
		}
		print_elem_stmts(s->has_counter, 0, 0, s->has_quota,
				 s->quota_over, s->quota_bytes, 0,
				 s->has_count, s->count_over, s->count, false,
				 b);
		qt_buf_puts(b, " }");
		return;
	case NFT_S_NOTRACK:
		qt_buf_puts(b, "notrack");
		return;
	}
}

static const struct nft_field *listed_field(const struct nft_rule *r,
					    unsigned i)
{
	const struct nft_stmt *s = &r->stmts[i];
	const struct nft_icmp_dep *d = s->kind == NFT_S_MATCH &&
				       s->lhs == NFT_L_FIELD && !s->ncat
				       ? nft_icmp_dep_of(s->field) : NULL;
	if (!d)
		return s->field;
	/* the type nft's listing holds: a compare's, a set's first */
	int ctx = -1;
	for (unsigned k = 0; k < i; k++) {
		const struct nft_stmt *p = &r->stmts[k];
		if (p->kind != NFT_S_MATCH || p->lhs != NFT_L_FIELD ||
		    p->ncat || strcmp(p->field->proto, d->proto) ||
		    strcmp(p->field->name, "type") || p->op != NFT_OP_EQ ||
		    p->set_name || p->bitop || !p->nelems)
			continue;
		int low = -1;
		for (unsigned e = 0; e < p->nelems; e++) {
			const struct nft_val *v = &p->elems[e].lo;
			if (p->elems[e].kind != NFT_E_VALUE || !v->len)
				continue;
			if (low < 0 || v->b[v->len - 1] < low)
				low = v->b[v->len - 1];
		}
		if (low >= 0)
			ctx = (int)nft_icmp_ctx_type(d->proto, (unsigned)low);
	}
	if (ctx < 0)
		return s->field;
	const struct nft_field *g = nft_icmp_field_as(s->field, (unsigned)ctx);
	if (g)
		return g;
	g = nft_field_raw(NFT_B_TRANSPORT, s->field->offset, s->field->bits);
	return g ? g : s->field;
}

unsigned nft_print_stmts(const struct nft_table *t, const struct nft_rule *r,
			 const struct nft_print_opts *o, const char *sep,
			 nft_stmt_put *put, struct qt_buf *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->n; i++) {
		if (r->stmts[i].hidden)
			continue;
		if (n++)
			qt_buf_puts(b, sep);
		struct nft_stmt ls = r->stmts[i];
		ls.field = listed_field(r, i);
		put(t, &ls, o, b);
	}
	return n;
}

void nft_print_rule(const struct nft_table *t, const struct nft_rule *r,
		    const struct nft_print_opts *o, struct qt_buf *b)
{
	unsigned n = nft_print_stmts(t, r, o, " ", print_stmt, b);
	if (r->comment)
		qt_buf_printf(b, "%scomment \"%s\"", n ? " " : "",
			      r->comment);
}

/* a base chain's "type T hook H priority P; policy V;" */
static void print_chain_type(const struct nft_table *t,
			     const struct nft_chain *c, struct qt_buf *b)
{
	qt_buf_printf(b, "type %s hook %s priority ",
		      nft_chain_type_name(c->type), nft_hook_name(c->hook));
	nft_print_prio(t->family, c->hook, c->prio, b);
	qt_buf_printf(b, "; policy %s;", c->policy_drop ? "drop" : "accept");
}

static void print_chain_body(const struct nft_table *t,
			     const struct nft_chain *c,
			     const struct nft_print_opts *o, bool rules,
			     struct qt_buf *b)
{
	qt_buf_puts(b, "\tchain ");
	put_name(b, c->name, false);
	qt_buf_puts(b, " {");
	print_handle(o, c->handle, b);
	qt_buf_putc(b, '\n');
	if (c->comment)
		qt_buf_printf(b, "\t\tcomment \"%s\"\n", c->comment);
	if (c->base) {
		qt_buf_puts(b, "\t\t");
		print_chain_type(t, c, b);
		qt_buf_putc(b, '\n');
	}
	for (unsigned i = 0; rules && i < c->nrules; i++) {
		qt_buf_puts(b, "\t\t");
		nft_print_rule(t, &c->rules[i], o, b);
		print_handle(o, c->rules[i].handle, b);
		qt_buf_putc(b, '\n');
	}
	qt_buf_puts(b, "\t}\n");
}

static const char *const set_flag_names[] = {
	"constant", "interval", NULL, NULL, "timeout", "dynamic",
};

static void print_duration(uint64_t ms, struct qt_buf *b)
{
	static const struct { uint64_t ms; char unit; } units[] = {
		{ 86400000, 'd' }, { 3600000, 'h' }, { 60000, 'm' },
		{ 1000, 's' },
	};
	if (!ms) {
		qt_buf_puts(b, "0s");
		return;
	}
	for (size_t i = 0; i < 4; i++)
		if (ms >= units[i].ms) {
			qt_buf_printf(b, "%" PRIu64 "%c", ms / units[i].ms,
				      units[i].unit);
			ms %= units[i].ms;
		}
	if (ms)
		qt_buf_printf(b, "%" PRIu64 "ms", ms);
}
/* A set's flags line as nft lists it (head, the names, tail), none
 * when it shows none: a set with a timeout of its own lists no timeout
 * flag when it has no other; dynamic comes before timeout. */
static void print_set_flags(const struct nft_set *s, const char *ind,
			    const char *tail, struct qt_buf *b)
{
	unsigned flags = s->flags == NFT_SET_TIMEOUT && s->timeout_ms
			 ? 0 : s->flags;
	if (!flags)
		return;
	qt_buf_printf(b, "%sflags ", ind);
	bool first = true;
	static const unsigned order[] = { 0, 1, 2, 3, 5, 4 };
	for (unsigned k = 0; k < 6; k++) {
		unsigned i = order[k];
		if (flags & (1u << i) && set_flag_names[i]) {
			qt_buf_printf(b, "%s%s", first ? "" : ",",
				      set_flag_names[i]);
			first = false;
		}
	}
	qt_buf_puts(b, tail);
}

/* A set's declaration by its types, "type K[ . K...][ : DATA]", and
 * its size, flags, timeout and comment: each after ind and before tail
 * (a line of a listing, "...; " in nft's monitor format) */
static void print_set_type(const struct nft_set *s, const char *ind,
			   const char *tail, struct qt_buf *b)
{
	qt_buf_printf(b, "%stype %s", ind, s->type->name);
	for (unsigned i = 1; i < s->nktypes; i++)
		qt_buf_printf(b, " . %s", s->ktypes[i]->name);
	if (s->map)
		qt_buf_printf(b, " : %s%s%s",
			      s->data_interval ? "interval " : "", s->obj_kind
				 ? nft_obj_kind_name(s->obj_kind)
				 : s->data_type ? s->data_type->name
				 : "verdict",
			      s->data_type2 ? " . inet_service" : "");
	qt_buf_puts(b, tail);
}

static void print_set_attrs(const struct nft_set *s, const char *ind,
			    const char *tail, struct qt_buf *b)
{
	if (s->size)
		qt_buf_printf(b, "%ssize %u%s", ind, s->size, tail);
	print_set_flags(s, ind, tail, b);
	if (s->timeout_ms) {
		qt_buf_printf(b, "%stimeout ", ind);
		print_duration(s->timeout_ms, b);
		qt_buf_puts(b, tail);
	}
	if (s->comment)
		qt_buf_printf(b, "%scomment \"%s\"%s", ind, s->comment, tail);
}

static void print_set_body(const struct nft_set *s,
			   const struct nft_print_opts *o, struct qt_buf *b)
{
	qt_buf_printf(b, "\t%s ", s->map ? "map" : "set");
	put_name(b, s->name, false);
	qt_buf_puts(b, " {");
	print_handle(o, s->handle, b);
	qt_buf_putc(b, '\n');
	if (s->typeof_field) {
		qt_buf_puts(b, "\t\ttypeof ");
		print_selector(s->typeof_field, b);
		for (unsigned i = 0; i < s->ntypeof_cat; i++) {
			qt_buf_puts(b, " . ");
			print_selector(s->typeof_cat[i], b);
		}
		if (s->map) {
			qt_buf_puts(b, " : ");
			if (s->typeof_data)
				print_selector(s->typeof_data, b);
			else
				qt_buf_puts(b, "verdict");
		}
		qt_buf_putc(b, '\n');
	} else {
		print_set_type(s, "\t\t", "\n", b);
	}
	print_set_attrs(s, "\t\t", "\n", b);
	if (s->nelems) {
		const struct nft_dtype *const *kt = s->nktypes > 1 ? s->ktypes
								  : &s->type;
		qt_buf_puts(b, "\t\telements = ");
		elems_stateless = o->stateless;
		print_elems_of(kt, s->nktypes > 1 ? s->nktypes : 1,
			       s->data_type, s->map, s->elems, s->nelems, true,
			       b);
		elems_stateless = false;
		qt_buf_putc(b, '\n');
	}
	qt_buf_puts(b, "\t}\n");
}

/* whole: the table's own listing (a chain's or a set's alone shows
 * no table handle) */
static void table_open(const struct nft_table *t,
		       const struct nft_print_opts *o, bool whole,
		       struct qt_buf *b)
{
	qt_buf_printf(b, "table %s ", nft_family_name(t->family));
	put_name(b, t->name, false);
	qt_buf_puts(b, " {");
	if (whole)
		print_handle(o, t->handle, b);
	qt_buf_putc(b, '\n');
}

/* A named counter, quota or limit in its table's block */
static void print_obj_body(const struct nft_obj *ob,
			   const struct nft_print_opts *o, struct qt_buf *b)
{
	const struct nft_stmt *s = &ob->st;
	qt_buf_printf(b, "\t%s ", nft_obj_kind_name(s->kind));
	put_name(b, ob->name, false);
	qt_buf_puts(b, " {");
	print_handle(o, ob->handle, b);
	qt_buf_putc(b, '\n');
	switch (s->kind) {
	case NFT_S_COUNTER:
		if (!o->stateless)
			qt_buf_printf(b, "\t\tpackets %" PRIu64 " bytes %" PRIu64
				      "\n", s->packets, s->bytes);
		break;
	case NFT_S_QUOTA:
		qt_buf_printf(b, "\t\t%s", s->quota_over ? "over " : "");
		print_qbytes(s->quota_bytes, b);
		if (!o->stateless && s->quota_used) {
			qt_buf_puts(b, " used ");
			print_qbytes(s->quota_used, b);
		}
		qt_buf_putc(b, '\n');
		break;
	default: {
		/* "rate ..." as a limit statement lists it after "limit " */
		struct qt_buf l;
		qt_buf_init(&l);
		print_limit(s, &l);
		qt_buf_printf(b, "\t\t%s\n", qt_buf_str(&l) + 6);
		qt_buf_free(&l);
		break;
	}
	}
	qt_buf_puts(b, "\t}\n");
}

void nft_print_objs(const struct nft_ruleset *rs, int family,
		    const struct nft_table *only, const struct nft_obj *one,
		    enum nft_stmt_kind kind, const struct nft_print_opts *o,
		    struct qt_buf *b)
{
	for (unsigned i = 0; i < rs->ntables; i++) {
		const struct nft_table *t = &rs->tables[i];
		if ((family >= 0 && (int)t->family != family) ||
		    (only && t != only))
			continue;
		/* a table with objects of other kinds alone is listed
		 * empty */
		bool any = !one && t->nobjs;
		for (unsigned k = 0; one && k < t->nobjs; k++)
			any |= &t->objs[k] == one;
		if (!any)
			continue;
		table_open(t, o, false, b);
		for (unsigned k = 0; k < t->nobjs; k++)
			if (t->objs[k].st.kind == kind &&
			    (!one || &t->objs[k] == one))
				print_obj_body(&t->objs[k], o, b);
		qt_buf_puts(b, "}\n");
	}
}

void nft_print_table(const struct nft_table *t,
		     const struct nft_print_opts *o, struct qt_buf *b)
{
	table_open(t, o, true, b);
	bool sep = false;
	if (t->dormant) {
		qt_buf_puts(b, "\tflags dormant\n");
		sep = true;
	}
	if (t->comment)
		qt_buf_printf(b, "\tcomment \"%s\"\n", t->comment);
	for (unsigned i = 0; i < t->nobjs; i++) {
		if (sep)
			qt_buf_putc(b, '\n');
		print_obj_body(&t->objs[i], o, b);
		sep = true;
	}
	for (unsigned i = 0; i < t->nsets; i++) {
		if (sep)
			qt_buf_putc(b, '\n');
		print_set_body(&t->sets[i], o, b);
		sep = true;
	}
	for (unsigned i = 0; i < t->nchains; i++) {
		if (sep)
			qt_buf_putc(b, '\n');
		print_chain_body(t, &t->chains[i], o, true, b);
		sep = true;
	}
	qt_buf_puts(b, "}\n");
}

void nft_print_ruleset(const struct nft_ruleset *rs, int family,
		       const struct nft_print_opts *o, struct qt_buf *b)
{
	quote_odd = o->quote_names;
	for (unsigned i = 0; i < rs->ntables; i++)
		if (family < 0 || (int)rs->tables[i].family == family)
			nft_print_table(&rs->tables[i], o, b);
	quote_odd = false;
}

void nft_print_one_chain(const struct nft_table *t, const struct nft_chain *c,
			 const struct nft_print_opts *o, struct qt_buf *b)
{
	table_open(t, o, false, b);
	print_chain_body(t, c, o, true, b);
	qt_buf_puts(b, "}\n");
}

void nft_print_one_set(const struct nft_table *t, const struct nft_set *s,
		       const struct nft_print_opts *o, struct qt_buf *b)
{
	table_open(t, o, false, b);
	print_set_body(s, o, b);
	qt_buf_puts(b, "}\n");
}

void nft_print_chains(const struct nft_ruleset *rs, int family,
		      const struct nft_print_opts *o, struct qt_buf *b)
{
	for (unsigned i = 0; i < rs->ntables; i++) {
		const struct nft_table *t = &rs->tables[i];
		if (family >= 0 && (int)t->family != family)
			continue;
		table_open(t, o, false, b);
		for (unsigned c = 0; c < t->nchains; c++)
			print_chain_body(t, &t->chains[c], o, false, b);
		qt_buf_puts(b, "}\n");
	}
}

static void print_sets_of(const struct nft_ruleset *rs, int family,
			  const struct nft_print_opts *o, bool maps,
			  struct qt_buf *b)
{
	for (unsigned i = 0; i < rs->ntables; i++) {
		const struct nft_table *t = &rs->tables[i];
		if (family >= 0 && (int)t->family != family)
			continue;
		table_open(t, o, false, b);
		for (unsigned s = 0; s < t->nsets; s++)
			if (t->sets[s].map == maps)
				print_set_body(&t->sets[s], o, b);
		qt_buf_puts(b, "}\n");
	}
}

void nft_print_sets(const struct nft_ruleset *rs, int family,
		    const struct nft_print_opts *o, struct qt_buf *b)
{
	print_sets_of(rs, family, o, false, b);
}

void nft_print_maps(const struct nft_ruleset *rs, int family,
		    const struct nft_print_opts *o, struct qt_buf *b)
{
	print_sets_of(rs, family, o, true, b);
}

/* ---- what `nft -e` prints of the objects a batch made, as nft 1.0.6
 * prints the kernel's notifications of them ---- */

void nft_print_echo_table(const struct nft_table *t,
			  const struct nft_print_opts *o, struct qt_buf *b)
{
	qt_buf_printf(b, "add table %s %s", nft_family_name(t->family),
		      t->name);
	if (t->dormant)
		qt_buf_puts(b, " { flags dormant; }");
	print_handle(o, t->handle, b);
	qt_buf_putc(b, '\n');
}

void nft_print_echo_chain(const struct nft_table *t, const struct nft_chain *c,
			  const struct nft_print_opts *o, struct qt_buf *b)
{
	qt_buf_printf(b, "add chain %s %s %s", nft_family_name(t->family),
		      t->name, c->name);
	if (c->base) {
		qt_buf_puts(b, " { ");
		print_chain_type(t, c, b);
		qt_buf_puts(b, " }");
	}
	print_handle(o, c->handle, b);
	qt_buf_putc(b, '\n');
}

/* A named object on one line as nft's monitor prints it: add counter
 * F T N { [# handle H ]packets 0 bytes 0 } (a space after the brace) */
void nft_print_echo_obj(const struct nft_table *t, const struct nft_obj *ob,
			const struct nft_print_opts *o, struct qt_buf *b)
{
	const struct nft_stmt *s = &ob->st;
	qt_buf_printf(b, "add %s %s %s %s { ", nft_obj_kind_name(s->kind),
		      nft_family_name(t->family), t->name, ob->name);
	if (o->handles)
		qt_buf_printf(b, "# handle %" PRIu64 " ", ob->handle);
	if (s->kind == NFT_S_COUNTER) {
		qt_buf_printf(b, "packets %" PRIu64 " bytes %" PRIu64, s->packets,
			      s->bytes);
	} else if (s->kind == NFT_S_QUOTA) {
		qt_buf_puts(b, s->quota_over ? "over " : "");
		print_qbytes(s->quota_bytes, b);
		if (s->quota_used) {
			qt_buf_puts(b, " used ");
			print_qbytes(s->quota_used, b);
		}
	} else {
		struct qt_buf l;
		qt_buf_init(&l);
		print_limit(s, &l);
		qt_buf_puts(b, qt_buf_str(&l) + 6);
		qt_buf_free(&l);
	}
	qt_buf_puts(b, " } \n");
}

/* The set's declaration on one line, its handle first inside the
 * braces and a space after them (nft's monitor format). */
void nft_print_echo_set(const struct nft_table *t, const struct nft_set *s,
			const struct nft_print_opts *o, struct qt_buf *b)
{
	qt_buf_printf(b, "add %s %s %s %s { ", s->map ? "map" : "set",
		      nft_family_name(t->family), t->name, s->name);
	if (o->handles)
		qt_buf_printf(b, "# handle %" PRIu64 " ", s->handle);
	if (s->typeof_field) {
		qt_buf_printf(b, "typeof %s %s; ", s->typeof_field->proto,
			      s->typeof_field->name);
	} else {
		print_set_type(s, "", "; ", b);
	}
	print_set_attrs(s, "", "; ", b);
	qt_buf_puts(b, "} \n");
}

void nft_print_echo_elem(const struct nft_table *t, const struct nft_set *s,
			 const struct nft_elem *e, struct qt_buf *b)
{
	qt_buf_printf(b, "add element %s %s %s { ",
		      nft_family_name(t->family), t->name, s->name);
	const struct nft_dtype *const *kt = s->nktypes > 1 ? s->ktypes
							  : &s->type;
	print_key_elem(kt, s->nktypes > 1 ? s->nktypes : 1, s->data_type, e,
		       b);
	qt_buf_puts(b, " }\n");
}

/* at: the rule's index in its chain. A rule between two others names
 * the one before it (the kernel's position). */
void nft_print_echo_rule(const struct nft_table *t, const struct nft_chain *c,
			 unsigned at, bool insert,
			 const struct nft_print_opts *o, struct qt_buf *b)
{
	const struct nft_rule *r = &c->rules[at];
	qt_buf_printf(b, "%s rule %s %s %s ", insert ? "insert" : "add",
		      nft_family_name(t->family), t->name, c->name);
	if (at > 0 && at + 1 < c->nrules)
		qt_buf_printf(b, "handle %" PRIu64 " ",
			      c->rules[at - 1].handle);
	nft_print_rule(t, r, o, b);
	print_handle(o, r->handle, b);
	qt_buf_putc(b, '\n');
}
