/* Synthetic packets for qtables-replay --gen (see replay_gen.h). */
#include "replay_gen.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A fixed start (2023-11-14 22:13:20 UTC) so -m time is reproducible. */
#define GEN_EPOCH_NS 1700000000000000000ull

/* splitmix64: small, fast, good enough for test traffic */
static uint64_t next(struct qt_gen *g)
{
	uint64_t z = (g->state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t pick(struct qt_gen *g, uint32_t lo, uint32_t hi)
{
	uint64_t span = (uint64_t)hi - lo + 1;
	return lo + (uint32_t)(next(g) % span);
}

static bool num_range(const char *v, unsigned long max, uint32_t out[2])
{
	char *end;
	unsigned long a = strtoul(v, &end, 10), b = a;
	if (end == v || a > max)
		return false;
	if (*end == '-' || *end == ':') {
		const char *t = end + 1;
		b = strtoul(t, &end, 10);
		if (end == t || b > max || b < a)
			return false;
	}
	if (*end)
		return false;
	out[0] = (uint32_t)a;
	out[1] = (uint32_t)b;
	return true;
}

/* ADDR, ADDR/N or ADDR-ADDR */
static bool addr_range(const char *v, uint32_t out[2])
{
	char a[32], *sep;
	struct in_addr x, y;
	if (strlen(v) >= sizeof(a))
		return false;
	strcpy(a, v);
	if ((sep = strchr(a, '/'))) {
		*sep = '\0';
		char *end;
		unsigned long n = strtoul(sep + 1, &end, 10);
		if (end == sep + 1 || *end || n > 32 || !inet_aton(a, &x))
			return false;
		uint32_t m = n ? ~0u << (32 - n) : 0;
		out[0] = ntohl(x.s_addr) & m;
		out[1] = out[0] | ~m;
		return true;
	}
	if ((sep = strchr(a, '-'))) {
		*sep = '\0';
		if (!inet_aton(a, &x) || !inet_aton(sep + 1, &y) ||
		    ntohl(y.s_addr) < ntohl(x.s_addr))
			return false;
		out[0] = ntohl(x.s_addr);
		out[1] = ntohl(y.s_addr);
		return true;
	}
	if (!inet_aton(a, &x))
		return false;
	out[0] = out[1] = ntohl(x.s_addr);
	return true;
}

static bool protos(struct qt_gen *g, char *v)
{
	g->nprotos = 0;
	for (char *s, *t = strtok_r(v, "/", &s); t; t = strtok_r(NULL, "/", &s)) {
		uint32_t p[2];
		if (g->nprotos == QT_GEN_MAX_PROTOS)
			return false;
		if (!strcasecmp(t, "tcp"))
			p[0] = IPPROTO_TCP;
		else if (!strcasecmp(t, "udp"))
			p[0] = IPPROTO_UDP;
		else if (!strcasecmp(t, "icmp"))
			p[0] = IPPROTO_ICMP;
		else if (!num_range(t, 255, p) || p[0] != p[1])
			return false;
		g->protos[g->nprotos++] = (uint8_t)p[0];
	}
	return g->nprotos > 0;
}

/* TCP flag sets as letters (S A F R P U), several separated by '/' */
static bool flags(struct qt_gen *g, char *v)
{
	static const char letters[] = "FSRPAU";
	g->nflags = 0;
	for (char *s, *t = strtok_r(v, "/", &s); t; t = strtok_r(NULL, "/", &s)) {
		uint8_t f = 0;
		if (g->nflags == QT_GEN_MAX_PROTOS)
			return false;
		for (; *t; t++) {
			char c = (char)(*t & ~0x20);   /* upper case */
			const char *l = c ? strchr(letters, c) : NULL;
			if (!l)
				return false;
			f |= (uint8_t)(1u << (l - letters));
		}
		g->tcp_flags[g->nflags++] = f;
	}
	return g->nflags > 0;
}

int qt_gen_setup(struct qt_gen *g, const char *spec, uint64_t seed,
		 struct qt_buf *err)
{
	memset(g, 0, sizeof(*g));
	g->protos[0] = IPPROTO_TCP;
	g->protos[1] = IPPROTO_UDP;
	g->protos[2] = IPPROTO_ICMP;
	g->nprotos = 3;
	g->src[0] = 0x0a000100; g->src[1] = 0x0a0001ff;    /* 10.0.1.0/24 */
	g->dst[0] = 0x0a000200; g->dst[1] = 0x0a0002ff;    /* 10.0.2.0/24 */
	g->sport[0] = 1024; g->sport[1] = 65535;
	g->dport[0] = 1; g->dport[1] = 1024;
	g->payload[0] = 0; g->payload[1] = 64;
	g->ttl[0] = g->ttl[1] = 64;
	g->tcp_flags[0] = 0x02;                             /* SYN */
	g->nflags = 1;
	g->rate = 1000;
	g->state = seed;

	char *copy = strdup(spec ? spec : ""), *save;
	if (!copy) {
		qt_buf_printf(err, "out of memory\n");
		return -1;
	}
	int rc = 0;
	for (char *kv = strtok_r(copy, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		uint32_t r[2];
		bool ok = v != NULL;
		if (ok)
			*v++ = '\0';
		if (!ok)
			;
		else if (!strcmp(kv, "proto"))
			ok = protos(g, v);
		else if (!strcmp(kv, "src"))
			ok = addr_range(v, g->src);
		else if (!strcmp(kv, "dst"))
			ok = addr_range(v, g->dst);
		else if (!strcmp(kv, "sport") || !strcmp(kv, "dport")) {
			uint16_t *p = kv[0] == 's' ? g->sport : g->dport;
			ok = num_range(v, 65535, r);
			if (ok) {
				p[0] = (uint16_t)r[0];
				p[1] = (uint16_t)r[1];
			}
		} else if (!strcmp(kv, "len")) {
			ok = num_range(v, 1400, r);
			if (ok) {
				g->payload[0] = (uint16_t)r[0];
				g->payload[1] = (uint16_t)r[1];
			}
		} else if (!strcmp(kv, "ttl")) {
			ok = num_range(v, 255, r);
			if (ok) {
				g->ttl[0] = (uint8_t)r[0];
				g->ttl[1] = (uint8_t)r[1];
			}
		} else if (!strcmp(kv, "flags"))
			ok = flags(g, v);
		else if (!strcmp(kv, "rate")) {
			ok = num_range(v, 1000000000, r) && r[0] == r[1] && r[0];
			g->rate = r[0];
		} else {
			qt_buf_printf(err, "--gen-spec: unknown key \"%s\" (proto, "
				      "src, dst, sport, dport, len, ttl, flags, "
				      "rate)\n", kv);
			rc = -1;
			break;
		}
		if (!ok) {
			qt_buf_printf(err, "--gen-spec: bad value in \"%s%s%s\"\n",
				      kv, v ? "=" : "", v ? v : "");
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t sum(const uint8_t *p, uint32_t n, uint32_t s)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint32_t qt_gen_packet(struct qt_gen *g, uint64_t i, uint8_t *buf,
		       uint64_t *ts_ns)
{
	uint8_t proto = g->protos[pick(g, 0, g->nprotos - 1)];
	uint32_t src = pick(g, g->src[0], g->src[1]);
	uint32_t dst = pick(g, g->dst[0], g->dst[1]);
	uint32_t plen = pick(g, g->payload[0], g->payload[1]);
	uint8_t *l4 = buf + 20;
	uint32_t hl;

	switch (proto) {
	case IPPROTO_TCP: {
		uint8_t f = g->tcp_flags[pick(g, 0, g->nflags - 1)];
		/* a SYN carries an MSS option, as real ones do (TCPMSS) */
		hl = f & 0x02 ? 24 : 20;
		memset(l4, 0, hl);
		put16(l4, (uint16_t)pick(g, g->sport[0], g->sport[1]));
		put16(l4 + 2, (uint16_t)pick(g, g->dport[0], g->dport[1]));
		uint32_t seq = (uint32_t)next(g);
		memcpy(l4 + 4, &seq, 4);
		if (f & 0x10) {
			uint32_t ack = (uint32_t)next(g);
			memcpy(l4 + 8, &ack, 4);
		}
		l4[12] = (uint8_t)((hl / 4) << 4);
		l4[13] = f;
		put16(l4 + 14, 64240);
		if (hl == 24) {
			l4[20] = 2;
			l4[21] = 4;
			put16(l4 + 22, 1460);
		}
		break;
	}
	case IPPROTO_UDP:
		hl = 8;
		put16(l4, (uint16_t)pick(g, g->sport[0], g->sport[1]));
		put16(l4 + 2, (uint16_t)pick(g, g->dport[0], g->dport[1]));
		put16(l4 + 4, (uint16_t)(8 + plen));
		put16(l4 + 6, 0);
		break;
	case IPPROTO_ICMP:
		hl = 8;
		memset(l4, 0, 8);
		l4[0] = 8;              /* echo request */
		put16(l4 + 4, (uint16_t)next(g));
		put16(l4 + 6, (uint16_t)i);
		break;
	default:
		hl = 0;
		break;
	}
	for (uint32_t k = 0; k < plen; k++)
		l4[hl + k] = (uint8_t)next(g);
	uint32_t l4len = hl + plen, tot = 20 + l4len;

	buf[0] = 0x45;
	buf[1] = 0;
	put16(buf + 2, (uint16_t)tot);
	put16(buf + 4, (uint16_t)i);
	put16(buf + 6, 0x4000);            /* DF */
	buf[8] = (uint8_t)pick(g, g->ttl[0], g->ttl[1]);
	buf[9] = proto;
	put16(buf + 10, 0);
	uint32_t s = htonl(src), d = htonl(dst);
	memcpy(buf + 12, &s, 4);
	memcpy(buf + 16, &d, 4);
	put16(buf + 10, fold(sum(buf, 20, 0)));

	/* transport checksums, so REJECT and TCPMSS see valid packets */
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		uint32_t ps = sum(buf + 12, 8, 0) + proto + l4len;
		uint8_t *ck = l4 + (proto == IPPROTO_TCP ? 16 : 6);
		uint16_t c = fold(sum(l4, l4len, ps));
		if (proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		put16(ck, c);
	} else if (proto == IPPROTO_ICMP) {
		put16(l4 + 2, fold(sum(l4, l4len, 0)));
	}
	*ts_ns = GEN_EPOCH_NS + i * (1000000000ull / g->rate);
	return tot;
}
