/* The lists of -m recent and their /proc view (see recent_lists.h).
 * The packet algorithm follows the kernel's recent_mt step by step,
 * including its quirks (what an inverted --update refreshes, --reap
 * dropping at most the one least recently updated address). */
#include "recent_lists.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocol.h"
#include "ratelimit.h"
#include "snap_codec.h"
#include "spinlock.h"

#define RL_NAME_LEN 200          /* XT_RECENT_NAME_LEN */
#define RL_HASH 128u             /* a power of two >= ip_list_tot */
#define RL_HZ_DEFAULT 250u

/* Links are an index + 1; 0 ends a chain. */
struct rl_ent {
	uint32_t addr;           /* network order, masked */
	uint32_t index;          /* next stamp slot (1..mask+1 after use) */
	uint32_t nstamps;
	uint32_t hnext;          /* hash chain, or free list */
	uint32_t prev, next;     /* LRU list: head is the oldest */
	uint8_t ttl;
};

struct qt_recent_list {
	struct qt_recent_list *next;   /* registry */
	unsigned refs;
	unsigned hz;
	char name[RL_NAME_LEN];

	qt_spinlock lock;        /* everything below */
	uint32_t mask;           /* nstamps_max_mask */
	uint32_t count;
	uint32_t lru_head, lru_tail, free_head;
	uint32_t heads[RL_HASH];
	struct rl_ent ent[QT_RECENT_LIST_TOT];
	uint64_t *stamps;        /* ip_list_tot rings of mask + 1 */
};

static struct qt_recent_list *lists;
static qt_spinlock reg_lock = QT_SPINLOCK_INIT;

/* roundup_pow_of_two(max(ip_pkt_list_tot, hit_count)) - 1, as
 * recent_mt_check sizes the ring. */
static uint32_t stamps_mask(uint32_t hit_count)
{
	uint32_t n = hit_count > QT_RECENT_PKT_TOT ? hit_count
						   : QT_RECENT_PKT_TOT;
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p - 1;
}

static uint64_t jiffies(const struct qt_recent_list *l, uint64_t now_ns)
{
	/* INITIAL_JIFFIES of a 64-bit kernel: (unsigned int)(-300 * HZ) */
	return qt_rl_ns_to_jiffies(now_ns, l->hz) + (1ull << 32) -
	       300ull * l->hz;
}

/* time_after(a, b): a is later than b. */
static bool after(uint64_t a, uint64_t b)
{
	return (int64_t)(b - a) < 0;
}

static uint32_t hash(uint32_t addr)
{
	return (addr * 0x9e3779b1u) >> 25;     /* 7 bits: RL_HASH */
}

static uint64_t *ring(struct qt_recent_list *l, uint32_t idx)
{
	return l->stamps + (size_t)idx * ((size_t)l->mask + 1);
}

static void flush(struct qt_recent_list *l)
{
	memset(l->heads, 0, sizeof(l->heads));
	l->count = 0;
	l->lru_head = l->lru_tail = 0;
	l->free_head = 0;
	for (uint32_t i = QT_RECENT_LIST_TOT; i > 0; i--) {
		l->ent[i - 1].hnext = l->free_head;
		l->free_head = i;
	}
}

static void lru_unlink(struct qt_recent_list *l, uint32_t idx)
{
	struct rl_ent *e = &l->ent[idx];

	if (e->prev)
		l->ent[e->prev - 1].next = e->next;
	else
		l->lru_head = e->next;
	if (e->next)
		l->ent[e->next - 1].prev = e->prev;
	else
		l->lru_tail = e->prev;
}

static void lru_add_tail(struct qt_recent_list *l, uint32_t idx)
{
	struct rl_ent *e = &l->ent[idx];

	e->next = 0;
	e->prev = l->lru_tail;
	if (l->lru_tail)
		l->ent[l->lru_tail - 1].next = idx + 1;
	else
		l->lru_head = idx + 1;
	l->lru_tail = idx + 1;
}

/* recent_entry_lookup: ttl 0 (or an entry's ttl 0) matches any. */
static int lookup(const struct qt_recent_list *l, uint32_t addr, uint8_t ttl)
{
	for (uint32_t i = l->heads[hash(addr)]; i; i = l->ent[i - 1].hnext) {
		const struct rl_ent *e = &l->ent[i - 1];
		if (e->addr == addr &&
		    (ttl == e->ttl || ttl == 0 || e->ttl == 0))
			return (int)(i - 1);
	}
	return -1;
}

static void ent_remove(struct qt_recent_list *l, uint32_t idx)
{
	uint32_t *link = &l->heads[hash(l->ent[idx].addr)];

	while (*link && *link != idx + 1)
		link = &l->ent[*link - 1].hnext;
	if (*link)
		*link = l->ent[idx].hnext;
	lru_unlink(l, idx);
	l->ent[idx].hnext = l->free_head;
	l->free_head = idx + 1;
	l->count--;
}

/* recent_entry_init: a full list first loses its oldest address. */
static uint32_t ent_init(struct qt_recent_list *l, uint32_t addr, uint8_t ttl,
			 uint64_t now)
{
	uint32_t idx, h = hash(addr);
	struct rl_ent *e;

	if (l->count >= QT_RECENT_LIST_TOT)
		ent_remove(l, l->lru_head - 1);
	idx = l->free_head - 1;
	e = &l->ent[idx];
	l->free_head = e->hnext;
	e->addr = addr;
	e->ttl = ttl;
	ring(l, idx)[0] = now;
	e->nstamps = 1;
	e->index = 1;
	e->hnext = l->heads[h];
	l->heads[h] = idx + 1;
	lru_add_tail(l, idx);
	l->count++;
	return idx;
}

/* recent_entry_update: one more stamp in the ring, now the newest. */
static void ent_update(struct qt_recent_list *l, uint32_t idx, uint64_t now)
{
	struct rl_ent *e = &l->ent[idx];

	e->index &= l->mask;
	ring(l, idx)[e->index++] = now;
	if (e->index > e->nstamps)
		e->nstamps = e->index;
	lru_unlink(l, idx);
	lru_add_tail(l, idx);
}

/* recent_entry_reap: only the least recently updated address goes, if
 * its newest stamp is older than time and it is not about to be
 * updated. */
static void reap(struct qt_recent_list *l, uint64_t time, uint32_t working,
		 bool update)
{
	uint32_t idx = l->lru_head - 1;
	const struct rl_ent *e = &l->ent[idx];

	if (idx == working && update)
		return;
	if (after(time, ring(l, idx)[e->index - 1]))
		ent_remove(l, idx);
}

bool qt_recent_packet(struct qt_recent_list *l, const struct qt_recent_args *a,
		      uint32_t addr, uint8_t ttl, uint64_t now_ns,
		      bool *hotdrop)
{
	uint64_t now = jiffies(l, now_ns);
	bool ret = a->invert;
	int found;
	uint32_t idx;

	(void)hotdrop;          /* the kernel's kmalloc failure: none here */
	qt_spin_lock(&l->lock);
	found = lookup(l, addr, (a->check_set & QT_RECENT_TTL) ? ttl : 0);
	if (found < 0) {
		if (a->check_set & QT_RECENT_SET) {
			ent_init(l, addr, ttl, now);
			ret = !ret;
		}
		goto out;
	}
	idx = (uint32_t)found;
	if (a->check_set & QT_RECENT_SET) {
		ret = !ret;
	} else if (a->check_set & QT_RECENT_REMOVE) {
		ent_remove(l, idx);
		ret = !ret;
	} else if (a->check_set & (QT_RECENT_CHECK | QT_RECENT_UPDATE)) {
		/* info->seconds * HZ is an unsigned int product */
		uint64_t time = now - (uint32_t)(a->seconds * l->hz);
		const uint64_t *st = ring(l, idx);
		uint32_t hits = 0;

		for (uint32_t i = 0; i < l->ent[idx].nstamps; i++) {
			if (a->seconds && after(time, st[i]))
				continue;
			if (!a->hit_count || ++hits >= a->hit_count) {
				ret = !ret;
				break;
			}
		}
		/* the kernel refuses --reap without --seconds */
		if (a->check_set & QT_RECENT_REAP)
			reap(l, time, idx,
			     (a->check_set & QT_RECENT_UPDATE) && ret);
	}
	if ((a->check_set & QT_RECENT_SET) ||
	    ((a->check_set & QT_RECENT_UPDATE) && ret)) {
		ent_update(l, idx, now);
		l->ent[idx].ttl = ttl;
	}
out:
	qt_spin_unlock(&l->lock);
	return ret;
}

static struct qt_recent_list *find(const char *name)
{
	for (struct qt_recent_list *l = lists; l; l = l->next)
		if (!strcmp(l->name, name))
			return l;
	return NULL;
}

struct qt_recent_list *qt_recent_get(const char *name, uint32_t hit_count,
				     unsigned hz)
{
	uint32_t mask = stamps_mask(hit_count);
	struct qt_recent_list *l, **pp;
	uint64_t *st;

	qt_spin_lock(&reg_lock);
	l = find(name);
	if (l)
		l->refs++;
	qt_spin_unlock(&reg_lock);
	if (l) {
		/* a rule wanting a longer ring: the kernel flushes the
		 * list and grows it (allocated before taking the lock) */
		if (mask > l->mask) {
			st = calloc(QT_RECENT_LIST_TOT, ((size_t)mask + 1) *
				    sizeof(*st));
			if (!st) {
				qt_recent_put(l);
				return NULL;
			}
			qt_spin_lock(&l->lock);
			uint64_t *old = l->stamps;
			flush(l);
			l->stamps = st;
			l->mask = mask;
			qt_spin_unlock(&l->lock);
			free(old);
		}
		return l;
	}
	l = calloc(1, sizeof(*l));
	st = calloc(QT_RECENT_LIST_TOT, ((size_t)mask + 1) * sizeof(*st));
	if (!l || !st) {
		free(l);
		free(st);
		return NULL;
	}
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->refs = 1;
	l->hz = hz ? hz : RL_HZ_DEFAULT;
	l->mask = mask;
	l->stamps = st;
	qt_spin_init(&l->lock);
	flush(l);
	qt_spin_lock(&reg_lock);
	for (pp = &lists; *pp; pp = &(*pp)->next)
		;
	*pp = l;
	qt_spin_unlock(&reg_lock);
	return l;
}

void qt_recent_put(struct qt_recent_list *l)
{
	struct qt_recent_list **pp;

	if (!l)
		return;
	qt_spin_lock(&reg_lock);
	if (--l->refs == 0) {
		for (pp = &lists; *pp; pp = &(*pp)->next)
			if (*pp == l) {
				*pp = l->next;
				break;
			}
	} else {
		l = NULL;
	}
	qt_spin_unlock(&reg_lock);
	if (l) {
		free(l->stamps);
		free(l);
	}
}

void qt_recent_names(struct qt_buf *out)
{
	qt_spin_lock(&reg_lock);
	for (struct qt_recent_list *l = lists; l; l = l->next) {
		qt_buf_puts(out, l->name);
		qt_buf_putc(out, '\n');
	}
	qt_spin_unlock(&reg_lock);
}

/* A snapshot taken under the list's lock, printed after: packets never
 * wait for the formatting. */
struct snap {
	uint32_t n, mask;
	struct rl_ent ent[QT_RECENT_LIST_TOT];
	uint64_t *stamps;       /* n rings */
};

static void print_snap(const struct snap *s, struct qt_buf *out)
{
	for (uint32_t k = 0; k < s->n; k++) {
		const struct rl_ent *e = &s->ent[k];
		const uint64_t *st = s->stamps + (size_t)k * ((size_t)s->mask + 1);
		const uint8_t *b = (const uint8_t *)&e->addr;
		uint32_t last = (e->index - 1) & s->mask;

		/* recent_seq_show: "oldest_pkt" prints e->index */
		qt_buf_printf(out, "src=%u.%u.%u.%u ttl: %u last_seen: %llu "
			      "oldest_pkt: %u", b[0], b[1], b[2], b[3],
			      (unsigned)e->ttl, (unsigned long long)st[last],
			      e->index);
		for (uint32_t i = 0; i < e->nstamps; i++)
			qt_buf_printf(out, "%s %llu", i ? "," : "",
				      (unsigned long long)st[i]);
		qt_buf_putc(out, '\n');
	}
}

int qt_recent_dump(const char *name, struct qt_buf *out)
{
	struct qt_recent_list *l;
	struct snap *s;
	int rc = 0;

	/* the registry lock keeps the list alive; only the control thread
	 * changes l->mask, and this is the control thread */
	qt_spin_lock(&reg_lock);
	l = find(name);
	if (l)
		l->refs++;
	qt_spin_unlock(&reg_lock);
	if (!l)
		return -ENOENT;
	s = calloc(1, sizeof(*s));
	if (s)
		s->stamps = calloc(QT_RECENT_LIST_TOT,
				   ((size_t)l->mask + 1) * sizeof(uint64_t));
	if (!s || !s->stamps) {
		rc = -ENOMEM;
		goto done;
	}
	qt_spin_lock(&l->lock);
	s->mask = l->mask;
	for (uint32_t i = l->lru_head; i; i = l->ent[i - 1].next) {
		s->ent[s->n] = l->ent[i - 1];
		memcpy(s->stamps + (size_t)s->n * ((size_t)s->mask + 1),
		       ring(l, i - 1), ((size_t)s->mask + 1) * sizeof(uint64_t));
		s->n++;
	}
	qt_spin_unlock(&l->lock);
	print_snap(s, out);
done:
	if (s)
		free(s->stamps);
	free(s);
	qt_recent_put(l);
	return rc;
}

void qt_recent_save_all(struct qt_buf *out)
{
	/* the queue threads are stopped: no list changes under us, and
	 * the registry lock keeps the lists */
	qt_spin_lock(&reg_lock);
	for (struct qt_recent_list *l = lists; l; l = l->next) {
		qt_spin_lock(&l->lock);
		qt_snap_str(out, l->name, strlen(l->name));
		qt_snap_u32(out, l->mask);
		qt_snap_u32(out, l->count);
		for (uint32_t i = l->lru_head; i; i = l->ent[i - 1].next) {
			const struct rl_ent *e = &l->ent[i - 1];
			qt_snap_u32(out, e->addr);
			qt_snap_u8(out, e->ttl);
			qt_snap_u32(out, e->index);
			qt_snap_u32(out, e->nstamps);
			qt_snap_put(out, ring(l, i - 1),
				    ((size_t)l->mask + 1) * sizeof(uint64_t));
		}
		qt_spin_unlock(&l->lock);
	}
	qt_spin_unlock(&reg_lock);
}

int qt_recent_load_one(struct qt_snap_rd *r, bool apply)
{
	const char *name;
	size_t nlen;
	char nm[RL_NAME_LEN];
	qt_snap_get_str(r, &name, &nlen);
	uint32_t mask = qt_snap_get_u32(r);
	uint32_t count = qt_snap_get_u32(r);
	if (r->bad || nlen == 0 || nlen >= sizeof(nm) || count > QT_RECENT_LIST_TOT ||
	    mask > (1u << 16) || ((mask + 1) & mask)) {
		r->bad = true;
		return -1;
	}
	memcpy(nm, name, nlen);
	nm[nlen] = '\0';
	size_t ring_bytes = ((size_t)mask + 1) * sizeof(uint64_t);
	const uint8_t *ents = r->p;
	for (uint32_t k = 0; k < count; k++) {
		qt_snap_get(r, 4 + 1);
		uint32_t index = qt_snap_get_u32(r);
		uint32_t nst = qt_snap_get_u32(r);
		qt_snap_get(r, ring_bytes);
		if (r->bad || index == 0 || index > mask + 1 || nst > mask + 1) {
			r->bad = true;
			return -1;
		}
	}
	if (!apply)
		return 0;
	struct qt_recent_list *l = find(nm);
	if (!l || l->mask != mask)
		return 0;
	struct qt_snap_rd rr = { .p = ents, .end = r->p };
	qt_spin_lock(&l->lock);
	flush(l);
	for (uint32_t k = 0; k < count; k++) {
		uint32_t addr = qt_snap_get_u32(&rr);
		uint8_t ttl = qt_snap_get_u8(&rr);
		uint32_t idx = ent_init(l, addr, ttl, 0);
		l->ent[idx].index = qt_snap_get_u32(&rr);
		l->ent[idx].nstamps = qt_snap_get_u32(&rr);
		memcpy(ring(l, idx), qt_snap_get(&rr, ring_bytes), ring_bytes);
	}
	qt_spin_unlock(&l->lock);
	return 1;
}

/* in4_pton up to the end or a newline: four decimal numbers <= 255. */
static bool parse_v4(const char *s, size_t len, uint32_t *addr)
{
	uint8_t b[4];
	unsigned part = 0, w = 0, digits = 0;

	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '\n';
		if (c >= '0' && c <= '9') {
			w = w * 10 + (unsigned)(c - '0');
			if (w > 255)
				return false;
			digits++;
			continue;
		}
		if (c != '.' && c != '\n')
			return false;
		if (!digits || part > 3)
			return false;
		b[part++] = (uint8_t)w;
		w = digits = 0;
		if (c == '\n')
			break;
	}
	if (part != 4)
		return false;
	memcpy(addr, b, 4);
	return true;
}

int qt_recent_write(const char *name, const char *line, size_t len,
		    uint64_t now_ns)
{
	struct qt_recent_list *l;
	uint32_t addr = 0;
	bool add;
	int rc = 0;

	if (len == 0)
		return 0;
	if (line[0] == '+')
		add = true;
	else if (line[0] == '-')
		add = false;
	else if (line[0] != '/')
		return -EINVAL;
	else
		add = false;
	/* IPv6 addresses (with ':') are not kept: IPv4 lists only */
	if (line[0] != '/' && !parse_v4(line + 1, len - 1, &addr))
		return -EINVAL;
	qt_spin_lock(&reg_lock);
	l = find(name);
	if (!l) {
		rc = -ENOENT;
	} else {
		uint64_t now = jiffies(l, now_ns);
		int idx;

		qt_spin_lock(&l->lock);
		if (line[0] == '/') {
			flush(l);
		} else if ((idx = lookup(l, addr, 0)) < 0) {
			if (add)
				ent_init(l, addr, 0, now);
		} else if (add) {
			ent_update(l, (uint32_t)idx, now);
		} else {
			ent_remove(l, (uint32_t)idx);
		}
		qt_spin_unlock(&l->lock);
	}
	qt_spin_unlock(&reg_lock);
	return rc;
}

static bool exists(const char *name)
{
	bool r;

	qt_spin_lock(&reg_lock);
	r = find(name) != NULL;
	qt_spin_unlock(&reg_lock);
	return r;
}

int qt_recent_request(const char *req, size_t len, struct qt_buf *out,
		      struct qt_buf *err)
{
	struct qt_ipc_header h;
	const char *p, *end = req + len, *nl;
	char name[RL_NAME_LEN];
	struct timespec ts;
	uint64_t now_ns;
	unsigned lineno = 0;
	int status = 0;

	if (qt_ipc_parse(req, len, &h) < 0 || h.kind != QT_IPC_RECENT)
		return 1;
	const char *prog = h.prog;
	if (!h.words_len) {
		qt_recent_names(out);
		return 0;
	}
	snprintf(name, sizeof(name), "%.*s", (int)h.words_len, h.words);

	if (!exists(name)) {
		qt_buf_printf(err, "%s: /proc/net/xt_recent/%s: %s\n", prog,
			      name, strerror(ENOENT));
		return 1;
	}
	p = h.body;
	if (p == end)
		return qt_recent_dump(name, out) < 0 ? 1 : 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	/* each line is one write(2) to the /proc file */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		int rc;

		lineno++;
		rc = qt_recent_write(name, p, n, now_ns);
		if (rc < 0) {
			qt_buf_printf(err, "%s: /proc/net/xt_recent/%s: line "
				      "%u: write error: %s\n", prog, name,
				      lineno, strerror(-rc));
			status = 1;
		}
		p = nl ? nl + 1 : end;
	}
	return status;
}
