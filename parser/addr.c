/* IPv4 address parsing and printing with iptables' rules. */
#include "addr.h"
#include "ext.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static bool parse_byte(const char *s, unsigned *v)
{
	uint64_t x;
	if (!qt_parse_uint_any(s, 0, 255, &x))
		return false;
	*v = (unsigned)x;
	return true;
}

bool qt_addr_numeric(const char *s, struct in_addr *addr, bool is_mask)
{
	char buf[20];
	unsigned char bytes[4] = { 0, 0, 0, 0 };
	unsigned v;
	strncpy(buf, s, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	char *p = buf;
	for (int i = 0; i < 3; i++) {
		char *q = strchr(p, '.');
		if (!q) {
			/* a network address written short: "10" or "10.1" */
			if (is_mask || !parse_byte(p, &v))
				return false;
			bytes[i] = (unsigned char)v;
			memcpy(&addr->s_addr, bytes, 4);
			return true;
		}
		*q = '\0';
		if (!parse_byte(p, &v))
			return false;
		bytes[i] = (unsigned char)v;
		p = q + 1;
	}
	if (!parse_byte(p, &v))
		return false;
	bytes[3] = (unsigned char)v;
	memcpy(&addr->s_addr, bytes, 4);
	return true;
}

int qt_mask_to_cidr(struct in_addr mask)
{
	uint32_t m = ntohl(mask.s_addr);
	int bits = 0;
	while (bits < 32 && (m & (0x80000000u >> bits)))
		bits++;
	if (bits < 32 && (m << bits) != 0)
		return -1;
	return bits;
}

struct in_addr qt_cidr_to_mask(unsigned bits)
{
	struct in_addr m;
	m.s_addr = bits == 0 ? 0 : htonl(0xffffffffu << (32 - bits));
	return m;
}

int qt_mask6_to_cidr(const struct in6_addr *mask)
{
	int bits = 0;
	while (bits < 128 &&
	       (mask->s6_addr[bits / 8] & (0x80u >> (bits % 8))))
		bits++;
	for (int i = bits; i < 128; i++)
		if (mask->s6_addr[i / 8] & (0x80u >> (i % 8)))
			return -1;
	return bits;
}

struct in6_addr qt_cidr6_to_mask(unsigned bits)
{
	struct in6_addr m;
	memset(&m, 0, sizeof(m));
	for (unsigned i = 0; i < bits && i < 128; i++)
		m.s6_addr[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return m;
}

bool qt_mask_is_zero(uint8_t family, const union qt_addr *m)
{
	if (family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&m->v6);
	return m->v4.s_addr == 0;
}

static size_t addr_len(uint8_t family)
{
	return family == AF_INET6 ? sizeof(struct in6_addr)
				  : sizeof(struct in_addr);
}

static union qt_addr full_mask(uint8_t family)
{
	union qt_addr m;
	memset(&m, 0, sizeof(m));
	if (family == AF_INET6)
		m.v6 = qt_cidr6_to_mask(128);
	else
		m.v4 = qt_cidr_to_mask(32);
	return m;
}

/* A mask as ip6tables reads it: an address when it holds a ':', else
 * a prefix length 0..128 (any C base, as strtoul reads it). */
static int parse_mask6(const char *s, struct in6_addr *mask,
		       struct qt_ctx *ctx)
{
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, mask) != 1)
			return qt_param_error(ctx, "invalid mask `%s' specified", s);
		return 0;
	}
	uint64_t bits;
	if (!qt_parse_uint_any(s, 0, 128, &bits))
		return qt_param_error(ctx, "invalid mask `%s' specified", s);
	*mask = qt_cidr6_to_mask((unsigned)bits);
	return 0;
}

static int parse_mask(const char *s, uint8_t family, union qt_addr *mask,
		      struct qt_ctx *ctx)
{
	memset(mask, 0, sizeof(*mask));
	if (family == AF_INET6)
		return parse_mask6(s, &mask->v6, ctx);
	if (strchr(s, '.')) {
		if (!qt_addr_numeric(s, &mask->v4, true))
			return qt_param_error(ctx, "invalid mask `%s' specified", s);
		return 0;
	}
	uint64_t bits;
	if (!qt_parse_uint_any(s, 0, 32, &bits))
		return qt_param_error(ctx, "invalid mask `%s' specified", s);
	mask->v4 = qt_cidr_to_mask((unsigned)bits);
	return 0;
}

/* Duplicates are dropped among the addresses of one item (a name may
 * resolve to one address several times), not across items: iptables
 * adds "-s 1.1.1.1,1.1.1.1" as two rules. */
static void list_add(struct qt_addr_list *l, unsigned from, union qt_addr a,
		     const union qt_addr *m)
{
	size_t len = addr_len(l->family);
	for (size_t k = 0; k < len; k++)
		((uint8_t *)&a)[k] &= ((const uint8_t *)m)[k];
	for (unsigned i = from; i < l->n; i++)
		if (!memcmp(&l->addr[i], &a, len) &&
		    !memcmp(&l->mask[i], m, len))
			return;
	l->addr = realloc(l->addr, (l->n + 1) * sizeof(*l->addr));
	l->mask = realloc(l->mask, (l->n + 1) * sizeof(*l->mask));
	if (!l->addr || !l->mask)
		abort();
	l->addr[l->n] = a;
	l->mask[l->n] = *m;
	l->n++;
}

/* A name that is no number: a network name (/etc/networks, IPv4 only)
 * is tried before host names. */
static int resolve(const char *item, struct qt_addr_list *l, unsigned from,
		   const union qt_addr *mask, struct qt_ctx *ctx)
{
	union qt_addr a;
	memset(&a, 0, sizeof(a));
	struct netent *ne = *item && l->family == AF_INET
			    ? getnetbyname(item) : NULL;
	if (ne && ne->n_addrtype == AF_INET) {
		a.v4.s_addr = htonl((uint32_t)ne->n_net);
		list_add(l, from, a, mask);
		return 0;
	}
	struct addrinfo hints = { .ai_family = l->family,
				  .ai_socktype = SOCK_RAW };
	struct addrinfo *res = NULL;
	if (*item == '\0' || getaddrinfo(item, NULL, &hints, &res) != 0 || !res)
		return qt_param_error(ctx, "host/network `%s' not found", item);
	for (struct addrinfo *p = res; p; p = p->ai_next) {
		memset(&a, 0, sizeof(a));
		if (l->family == AF_INET6)
			a.v6 = ((const struct sockaddr_in6 *)(const void *)
				p->ai_addr)->sin6_addr;
		else
			a.v4 = ((const struct sockaddr_in *)(const void *)
				p->ai_addr)->sin_addr;
		list_add(l, from, a, mask);
	}
	freeaddrinfo(res);
	return 0;
}

static int parse_one(char *item, struct qt_addr_list *l, struct qt_ctx *ctx)
{
	union qt_addr mask = full_mask(l->family), a;
	unsigned from = l->n;
	memset(&a, 0, sizeof(a));
	char *slash = strrchr(item, '/');
	if (slash) {
		*slash = '\0';
		if (parse_mask(slash + 1, l->family, &mask, ctx))
			return -1;
	}
	/* With a zero mask the address does not matter: iptables does not
	 * even resolve it. */
	if (qt_mask_is_zero(l->family, &mask)) {
		list_add(l, from, a, &mask);
		return 0;
	}
	if (l->family == AF_INET6 ? inet_pton(AF_INET6, item, &a.v6) == 1
				  : qt_addr_numeric(item, &a.v4, false)) {
		list_add(l, from, a, &mask);
		return 0;
	}
	return resolve(item, l, from, &mask, ctx);
}

int qt_addr_parse_list(const char *arg, uint8_t family,
		       struct qt_addr_list *out, struct qt_ctx *ctx)
{
	memset(out, 0, sizeof(*out));
	out->family = family == AF_INET6 ? AF_INET6 : AF_INET;
	char *copy = strdup(arg);
	if (!copy)
		abort();
	/* iptables splits on ',' and treats an empty item as an error */
	int rc = 0;
	char *p = copy;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (parse_one(p, out, ctx)) {
			rc = -1;
			break;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
	if (rc)
		qt_addr_list_free(out);
	return rc;
}

void qt_addr_list_free(struct qt_addr_list *l)
{
	free(l->addr);
	free(l->mask);
	memset(l, 0, sizeof(*l));
}

static void put_mask6(struct qt_buf *b, const struct in6_addr *m, bool omit128)
{
	char buf[INET6_ADDRSTRLEN];
	int cidr = qt_mask6_to_cidr(m);
	if (cidr < 0) {
		inet_ntop(AF_INET6, m, buf, sizeof(buf));
		qt_buf_printf(b, "/%s", buf);
	} else if (!(omit128 && cidr == 128)) {
		qt_buf_printf(b, "/%d", cidr);
	}
}

void qt_addr_save_fam(struct qt_buf *b, uint8_t family, const union qt_addr *a,
		      const union qt_addr *m)
{
	if (family != AF_INET6) {
		qt_addr_save(b, a->v4, m->v4);
		return;
	}
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, &a->v6, buf, sizeof(buf));
	qt_buf_puts(b, buf);
	put_mask6(b, &m->v6, false);
}

void qt_addr_list_form_fam(struct qt_buf *b, uint8_t family,
			   const union qt_addr *a, const union qt_addr *m,
			   bool numeric)
{
	if (family != AF_INET6) {
		qt_addr_list_form(b, a->v4, m->v4, numeric);
		return;
	}
	char buf[NI_MAXHOST];
	if (!numeric) {
		if (IN6_IS_ADDR_UNSPECIFIED(&a->v6)) {
			qt_buf_puts(b, "anywhere");
			return;
		}
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
					     .sin6_addr = a->v6 };
		if (getnameinfo((const struct sockaddr *)&sin6, sizeof(sin6),
				buf, sizeof(buf), NULL, 0, NI_NAMEREQD) == 0) {
			qt_buf_puts(b, buf);
			put_mask6(b, &m->v6, true);
			return;
		}
	}
	inet_ntop(AF_INET6, &a->v6, buf, sizeof(buf));
	qt_buf_puts(b, buf);
	put_mask6(b, &m->v6, true);
}

static void put_mask(struct qt_buf *b, struct in_addr m, bool omit32)
{
	char buf[INET_ADDRSTRLEN];
	int cidr = qt_mask_to_cidr(m);
	if (cidr < 0) {
		inet_ntop(AF_INET, &m, buf, sizeof(buf));
		qt_buf_printf(b, "/%s", buf);
	} else if (!(omit32 && cidr == 32)) {
		qt_buf_printf(b, "/%d", cidr);
	}
}

void qt_addr_save(struct qt_buf *b, struct in_addr a, struct in_addr m)
{
	char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	qt_buf_puts(b, buf);
	put_mask(b, m, false);
}

void qt_addr_list_form(struct qt_buf *b, struct in_addr a, struct in_addr m,
		       bool numeric)
{
	char buf[INET_ADDRSTRLEN];
	if (m.s_addr == 0 && !numeric) {
		qt_buf_puts(b, "anywhere");
		return;
	}
	if (!numeric) {
		struct hostent *h = gethostbyaddr(&a, sizeof(a), AF_INET);
		if (h && h->h_name) {
			qt_buf_puts(b, h->h_name);
			put_mask(b, m, true);
			return;
		}
		struct netent *n = getnetbyaddr(ntohl(a.s_addr), AF_INET);
		if (n && n->n_name) {
			qt_buf_puts(b, n->n_name);
			put_mask(b, m, true);
			return;
		}
	}
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	qt_buf_puts(b, buf);
	put_mask(b, m, true);
}
