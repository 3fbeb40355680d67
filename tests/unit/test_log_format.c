/* -j LOG lines against what the kernel printed for the same packets
 * (tests/unit/log_vectors.txt, made by gen_log_vectors.py). */
#include <stddef.h>
#include <stdlib.h>

#include "log_format.h"
#include "packet.h"
#include "tap.h"

#ifndef LOG_VECTORS
#define LOG_VECTORS "tests/unit/log_vectors.txt"
#endif
#ifndef LOG6_VECTORS
#define LOG6_VECTORS "tests/unit/log6_vectors.txt"
#endif

struct vec {
	char name[128], in[32], out[32], uid[16], gid[16], mark[16];
	char ether[4], flags[256], prefix[64];
	char mac[128], packet[4096], kernel[2048];
};

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	while (s[0] && s[1] && n < max) {
		char two[3] = { s[0], s[1], 0 };
		out[n++] = (uint8_t)strtoul(two, NULL, 16);
		s += 2;
	}
	return n;
}

static uint8_t flag_bits(const char *words)
{
	static const struct {
		const char *opt;
		uint8_t bit;
	} map[] = {
		{ "--log-tcp-sequence", QT_LOG_TCPSEQ },
		{ "--log-tcp-options", QT_LOG_TCPOPT },
		{ "--log-ip-options", QT_LOG_IPOPT },
		{ "--log-uid", QT_LOG_UID },
		{ "--log-macdecode", QT_LOG_MACDECODE },
	};
	uint8_t bits = 0;
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%s", words);
	for (char *w = strtok(tmp, " "); w; w = strtok(NULL, " ")) {
		size_t i;
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(w, map[i].opt) == 0)
				bits |= map[i].bit;
		(void)i;
	}
	return bits;
}

static void run(const struct vec *v, struct qt_buf *b)
{
	static uint8_t pkt[2048], mac[64];
	uint32_t n = (uint32_t)unhex(v->packet, pkt, sizeof(pkt));
	struct qt_pkt p;
	bool v6 = n > 0 && pkt[0] >> 4 == 6;
	enum qt_pkt_status st = v6 ? qt_pkt_parse_ipv6(&p, pkt, n)
				   : qt_pkt_parse_ipv4(&p, pkt, n);
	struct qt_log_meta m = {
		.in = v->in, .out = v->out,
		.mac = mac, .mac_len = (uint32_t)unhex(v->mac, mac, sizeof(mac)),
		.mac_ether = strcmp(v->ether, "1") == 0,
		.has_sock = strcmp(v->uid, "-") != 0,
		.uid = (uint32_t)strtoul(v->uid, NULL, 10),
		.gid = (uint32_t)strtoul(v->gid, NULL, 10),
		.mark = (uint32_t)strtoul(v->mark, NULL, 0),
	};
	struct qt_log_opts o;
	memset(&o, 0, sizeof(o));
	o.level = 4;
	o.flags = flag_bits(v->flags);
	size_t plen = strlen(v->prefix);
	memcpy(o.prefix, v->prefix, plen < QT_LOG_PREFIX_MAX ? plen : QT_LOG_PREFIX_MAX);

	/* The engine refuses an IPv6 packet whose extension headers run
	 * past it; the kernel logs it all the same, and the line is still
	 * made from the bytes alone. */
	if (v6 && st == QT_PKT_BAD_EXTHDR) {
		p.data = pkt;
		p.len = n;
		p.family = AF_INET6;
		p.ip_len = n >= 40 ? 40u + (uint32_t)(pkt[4] << 8 | pkt[5]) : 0;
		printf("# %s: the engine's parser refuses it (%s)\n", v->name,
		     qt_pkt_status_name(st));
	} else {
		is_int(st, QT_PKT_OK, "%s: packet parses", v->name);
	}
	qt_buf_reset(b);
	qt_log_format(b, &p, &m, &o);
	is_str(qt_buf_str(b), v->kernel, "%s: the kernel's line", v->name);
}

static void set(struct vec *v, const char *key, const char *val)
{
	static const struct {
		const char *key;
		size_t off, size;
	} f[] = {
#define F(k) { #k, offsetof(struct vec, k), sizeof(((struct vec *)0)->k) }
		F(name), F(in), F(out), F(uid), F(gid), F(mark), F(ether),
		F(flags), F(prefix), F(mac), F(packet), F(kernel),
#undef F
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(key, f[i].key) == 0)
			snprintf((char *)v + f[i].off, f[i].size, "%s", val);
}

/* Lines whose layout the vectors do not reach: appending after existing
 * text, a copy shorter than the packet, a non-Ethernet header with
 * --log-macdecode. */
static void extra(struct qt_buf *b)
{
	static const uint8_t udp[] = {
		0x45, 0, 0, 33, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1,
		10, 0, 0, 2, 0x14, 0xe9, 0, 53, 0, 13, 0, 0, 'h', 'e', 'l',
		'l', 'o',
	};
	struct qt_pkt p;
	struct qt_log_meta m = { .out = "eth1", .mark = 0xffffffff };
	struct qt_log_opts o = { .flags = 0, .prefix = "" };

	qt_pkt_parse_ipv4(&p, udp, sizeof(udp));
	qt_buf_reset(b);
	qt_buf_puts(b, "<4>");
	qt_log_format(b, &p, &m, &o);
	is_str(qt_buf_str(b), "<4>IN= OUT=eth1 SRC=10.0.0.1 DST=10.0.0.2 LEN=33 "
	       "TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=5353 DPT=53 "
	       "LEN=13 MARK=0xffffffff ", "appends; largest mark");

	/* only 25 bytes copied: the UDP header is cut, no MARK after */
	qt_pkt_parse_ipv4(&p, udp, 25);
	qt_buf_reset(b);
	qt_log_format(b, &p, &m, &o);
	is_str(qt_buf_str(b), "IN= OUT=eth1 SRC=10.0.0.1 DST=10.0.0.2 LEN=33 "
	       "TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP "
	       "INCOMPLETE [5 bytes] ", "short copy is incomplete");

	/* a device without a link header; a full 29-byte prefix */
	struct qt_log_meta tun = { .in = "tun0", .mac_ether = false };
	memcpy(o.prefix, "0123456789abcdefghijklmnopqrs", 29);
	o.flags = QT_LOG_MACDECODE;
	qt_pkt_parse_ipv4(&p, udp, sizeof(udp));
	qt_buf_reset(b);
	qt_log_format(b, &p, &tun, &o);
	is_str(qt_buf_str(b), "0123456789abcdefghijklmnopqrsIN=tun0 OUT= MAC= "
	       "SRC=10.0.0.1 DST=10.0.0.2 LEN=33 TOS=0x00 PREC=0x00 TTL=64 "
	       "ID=1 PROTO=UDP SPT=5353 DPT=53 LEN=13 ", "no link header");
}

/* Random packets (each in a buffer of exactly its size, so a sanitizer
 * sees any read past it) never crash, and every line stays within what
 * the kernel's 1020-byte log buffer holds. */
static void random_packets(struct qt_buf *b)
{
	struct qt_log_meta m = { .in = "eth0", .mac_len = 0, .has_sock = true };
	struct qt_log_opts o = { .flags = 0x2f, .prefix = "x " };
	size_t longest = 0;
	int bad = 0;
	srand(7);
	for (int i = 0; i < 200000; i++) {
		uint32_t n = (uint32_t)(rand() % 120);
		uint8_t *d = malloc(n ? n : 1);
		for (uint32_t j = 0; j < n; j++)
			d[j] = (uint8_t)rand();
		if (n > 0)   /* mostly IPv4 with small headers: reach the L4 code */
			d[0] = (uint8_t)(0x40 | (rand() % 4 ? 5 + rand() % 3 : rand() % 16));
		if (n > 3 && rand() % 2) {
			d[2] = 0;
			d[3] = (uint8_t)n;
		}
		if (n > 9 && rand() % 2)
			d[9] = (uint8_t)(rand() % 3 ? 1 : 6);
		if (n > 7 && rand() % 2)
			d[6] = d[7] = 0;
		struct qt_pkt p;
		qt_pkt_parse_ipv4(&p, d, n);
		qt_buf_reset(b);
		qt_log_format(b, &p, &m, &o);
		if (b->len > longest)
			longest = b->len;
		if (strncmp(qt_buf_str(b), "x IN=eth0 OUT= MAC= ", 20) != 0)
			bad++;
		free(d);
	}
	is_int(bad, 0, "random packets: every line starts right");
	ok(longest < 1020, "random packets: longest line %zu bytes", longest);
}

/* The same for IPv6: random extension header chains and ICMPv6 errors
 * quoting them. */
static void random_packets6(struct qt_buf *b)
{
	struct qt_log_meta m = { .in = "eth0", .mac_len = 0, .has_sock = true };
	struct qt_log_opts o = { .flags = 0x2f, .prefix = "x " };
	static const uint8_t next[] = { 0, 43, 44, 50, 51, 60, 58, 6, 17, 59 };
	size_t longest = 0;
	int bad = 0;
	srand(11);
	for (int i = 0; i < 200000; i++) {
		uint32_t n = (uint32_t)(rand() % 160);
		uint8_t *d = malloc(n ? n : 1);
		for (uint32_t j = 0; j < n; j++)
			d[j] = (uint8_t)rand();
		if (n > 0)
			d[0] = 0x60;
		if (n > 5) {
			d[4] = 0;
			d[5] = (uint8_t)(n >= 40 && rand() % 2 ? n - 40 : (uint32_t)rand());
		}
		/* next headers mostly ones the walk knows, lengths small */
		for (uint32_t j = 6; j < n; j += 8) {
			if (rand() % 4)
				d[j] = next[rand() % sizeof(next)];
			if (j + 1 < n && rand() % 2)
				d[j + 1] = (uint8_t)(rand() % 3);
		}
		struct qt_pkt p;
		if (qt_pkt_parse_ipv6(&p, d, n) != QT_PKT_OK) {
			p.data = d;
			p.len = n;
			p.family = AF_INET6;
			p.ip_len = n;
		}
		qt_buf_reset(b);
		qt_log_format(b, &p, &m, &o);
		if (b->len > longest)
			longest = b->len;
		if (strncmp(qt_buf_str(b), "x IN=eth0 OUT= MAC= ", 20) != 0)
			bad++;
		free(d);
	}
	is_int(bad, 0, "random IPv6 packets: every line starts right");
	ok(longest < 1020, "random IPv6 packets: longest line %zu bytes", longest);
}

static int read_vectors(const char *path, struct qt_buf *b)
{
	FILE *f = fopen(path, "r");
	ok(f != NULL, "open %s", path);
	if (!f)
		return 0;
	static struct vec v;
	static char line[8192];
	int count = 0;
	bool open = false;
	memset(&v, 0, sizeof(v));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		if (line[0] == '\0') {
			if (open) {
				run(&v, b);
				count++;
			}
			memset(&v, 0, sizeof(v));
			open = false;
			continue;
		}
		char *sep = strstr(line, ": ");
		if (!sep)
			continue;
		*sep = '\0';
		set(&v, line, sep + 2);
		open = true;
	}
	if (open) {
		run(&v, b);
		count++;
	}
	fclose(f);
	return count;
}

int main(void)
{
	const char *path = getenv("QT_LOG_VECTORS");
	const char *path6 = getenv("QT_LOG6_VECTORS");
	struct qt_buf b;
	qt_buf_init(&b);

	int count = read_vectors(path ? path : LOG_VECTORS, &b);
	ok(count >= 50, "read %d kernel vectors", count);
	count = read_vectors(path6 ? path6 : LOG6_VECTORS, &b);
	ok(count >= 50, "read %d kernel IPv6 vectors", count);

	extra(&b);
	random_packets(&b);
	random_packets6(&b);
	qt_buf_free(&b);
	return done_testing();
}
