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

static int parse_mask(const char *s, struct in_addr *mask, struct qt_ctx *ctx)
{
	if (strchr(s, '.')) {
		if (!qt_addr_numeric(s, mask, true))
			return qt_param_error(ctx, "invalid mask `%s' specified", s);
		return 0;
	}
	uint64_t bits;
	if (!qt_parse_uint_any(s, 0, 32, &bits))
		return qt_param_error(ctx, "invalid mask `%s' specified", s);
	*mask = qt_cidr_to_mask((unsigned)bits);
	return 0;
}

/* Duplicates are dropped among the addresses of one item (a name may
 * resolve to one address several times), not across items: iptables
 * adds "-s 1.1.1.1,1.1.1.1" as two rules. */
static void list_add(struct qt_addr_list *l, unsigned from, struct in_addr a,
		     struct in_addr m)
{
	a.s_addr &= m.s_addr;
	for (unsigned i = from; i < l->n; i++)
		if (l->addr[i].s_addr == a.s_addr &&
		    l->mask[i].s_addr == m.s_addr)
			return;
	l->addr = realloc(l->addr, (l->n + 1) * sizeof(*l->addr));
	l->mask = realloc(l->mask, (l->n + 1) * sizeof(*l->mask));
	if (!l->addr || !l->mask)
		abort();
	l->addr[l->n] = a;
	l->mask[l->n] = m;
	l->n++;
}

static int parse_one(char *item, struct qt_addr_list *l, struct qt_ctx *ctx)
{
	struct in_addr mask = qt_cidr_to_mask(32), a;
	unsigned from = l->n;
	char *slash = strrchr(item, '/');
	if (slash) {
		*slash = '\0';
		if (parse_mask(slash + 1, &mask, ctx))
			return -1;
	}
	/* With a zero mask the address does not matter: iptables does not
	 * even resolve it. */
	if (mask.s_addr == 0) {
		a.s_addr = 0;
		list_add(l, from, a, mask);
		return 0;
	}
	if (qt_addr_numeric(item, &a, false)) {
		list_add(l, from, a, mask);
		return 0;
	}
	/* a network name (/etc/networks) is tried before host names */
	struct netent *ne = *item ? getnetbyname(item) : NULL;
	if (ne && ne->n_addrtype == AF_INET) {
		a.s_addr = htonl((uint32_t)ne->n_net);
		list_add(l, from, a, mask);
		return 0;
	}
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_RAW };
	struct addrinfo *res = NULL;
	if (*item == '\0' || getaddrinfo(item, NULL, &hints, &res) != 0 || !res)
		return qt_param_error(ctx, "host/network `%s' not found", item);
	for (struct addrinfo *p = res; p; p = p->ai_next) {
		const struct sockaddr_in *sin = (const void *)p->ai_addr;
		list_add(l, from, sin->sin_addr, mask);
	}
	freeaddrinfo(res);
	return 0;
}

int qt_addr_parse_list(const char *arg, struct qt_addr_list *out,
		       struct qt_ctx *ctx)
{
	memset(out, 0, sizeof(*out));
	char *copy = strdup(arg), *save = NULL;
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
	(void)save;
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
