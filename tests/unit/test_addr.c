/* parser/addr.c: -s/-d as iptables and ip6tables read and print them,
 * IPv6 above all (canonical forms, ::, embedded IPv4, masks as prefix
 * or address, refusals in ip6tables' words), and IPv4 kept as it was.
 * The expected texts are what ip6tables-nft 1.8.9 saves and lists. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "ctx.h"
#include "tap.h"

/* The list's items in save form ("a/m a/m"), or the error's first line
 * after the program prefix. */
static const char *parse(const char *arg, uint8_t family, struct qt_buf *b)
{
	struct qt_buf out, err;
	struct qt_ctx ctx;
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_ctx_init(&ctx, family == AF_INET6 ? "ip6tables" : "iptables",
		    &out, &err);
	struct qt_addr_list l;
	qt_buf_reset(b);
	if (qt_addr_parse_list(arg, family, &l, &ctx) < 0) {
		const char *e = qt_buf_str(&err);
		const char *p = strstr(e, "): ");
		p = p ? p + 3 : e;
		const char *nl = strchr(p, '\n');
		qt_buf_printf(b, "ERR %.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
	} else {
		for (unsigned i = 0; i < l.n; i++) {
			if (i)
				qt_buf_putc(b, ' ');
			qt_addr_save_fam(b, family, &l.addr[i], &l.mask[i]);
		}
		qt_addr_list_free(&l);
	}
	qt_buf_free(&out);
	qt_buf_free(&err);
	return qt_buf_str(b);
}

static const char *listed(const char *arg, bool numeric, struct qt_buf *b)
{
	struct qt_buf out, err;
	struct qt_ctx ctx;
	qt_buf_init(&out);
	qt_buf_init(&err);
	qt_ctx_init(&ctx, "ip6tables", &out, &err);
	struct qt_addr_list l;
	qt_buf_reset(b);
	if (qt_addr_parse_list(arg, AF_INET6, &l, &ctx) == 0) {
		qt_addr_list_form_fam(b, AF_INET6, &l.addr[0], &l.mask[0],
				      numeric);
		qt_addr_list_free(&l);
	}
	qt_buf_free(&out);
	qt_buf_free(&err);
	return qt_buf_str(b);
}

int main(void)
{
	struct qt_buf b;
	qt_buf_init(&b);
	static const struct { const char *in, *want; } v6[] = {
		{ "2001:db8::1", "2001:db8::1/128" },
		{ "2001:DB8::A", "2001:db8::a/128" },
		{ "0:0:0:0:0:0:0:1", "::1/128" },
		{ "::", "::/128" },
		{ "::/0", "::/0" },
		{ "1::/0", "::/0" },
		{ "::/000", "::/0" },
		{ "::1/64", "::/64" },
		{ "2001:db8:0:0:1::/48", "2001:db8::/48" },
		{ "::ffff:1.2.3.4", "::ffff:1.2.3.4/128" },
		{ "::ffff:0:0/96", "::ffff:0.0.0.0/96" },
		{ "::1/0x10", "::/16" },
		{ "::1/ffff:ffff::", "::/32" },
		{ "::1/ffff::1", "::1/ffff::1" },
		{ "2001:db8::/ffff:ffff:0:ffff::", "2001:db8::/ffff:ffff:0:ffff::" },
		{ "2001:db8::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		  "2001:db8::1/128" },
		{ "2001:db8::1,2001:db8::1", "2001:db8::1/128 2001:db8::1/128" },
		{ "fe80::1,::2/127", "fe80::1/128 ::2/127" },
		{ "::1/129", "ERR invalid mask `129' specified" },
		{ "::1/-1", "ERR invalid mask `-1' specified" },
		{ "::1/", "ERR invalid mask `' specified" },
		{ "2001:db8::1/1.2.3.4", "ERR invalid mask `1.2.3.4' specified" },
		{ "/64", "ERR host/network `' not found" },
		{ ",::1", "ERR host/network `' not found" },
		{ "1.2.3.4", "ERR host/network `1.2.3.4' not found" },
		{ "[::1]", "ERR host/network `[::1]' not found" },
		{ "1:2:3:4:5:6:7:8:9", "ERR host/network `1:2:3:4:5:6:7:8:9' not found" },
		{ "2001:db8:::1", "ERR host/network `2001:db8:::1' not found" },
	};
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		is_str(parse(v6[i].in, AF_INET6, &b), v6[i].want, "ip6 %s",
		       v6[i].in);

	/* IPv4 stays as iptables reads it */
	static const struct { const char *in, *want; } v4[] = {
		{ "10.1.2.3/8", "10.0.0.0/8" },
		{ "10.1", "10.1.0.0/32" },
		{ "1.2.3.4/255.0.255.0", "1.0.3.0/255.0.255.0" },
		{ "::1", "ERR host/network `::1' not found" },
		{ "1.2.3.4/33", "ERR invalid mask `33' specified" },
	};
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		is_str(parse(v4[i].in, AF_INET, &b), v4[i].want, "ip4 %s",
		       v4[i].in);

	/* -L: no /128, :: is anywhere unless -n, whatever its mask */
	is_str(listed("2001:db8::1", true, &b), "2001:db8::1", "-L -n host");
	is_str(listed("::/0", true, &b), "::/0", "-L -n any");
	is_str(listed("::", true, &b), "::", "-L -n ::");
	is_str(listed("::/64", false, &b), "anywhere", "-L :: /64");
	is_str(listed("::/0", false, &b), "anywhere", "-L ::/0");
	is_str(listed("2001:db8::/ffff:ffff:0:ffff::", true, &b),
	       "2001:db8::/ffff:ffff:0:ffff::", "-L -n mask");
	is_str(listed("::ffff:0:0/96", true, &b), "::ffff:0.0.0.0/96",
	       "-L -n embedded IPv4");

	/* the mask helpers */
	struct in6_addr m = qt_cidr6_to_mask(65);
	is_int(qt_mask6_to_cidr(&m), 65, "prefix 65 round trip");
	inet_pton(AF_INET6, "ffff::1", &m);
	is_int(qt_mask6_to_cidr(&m), -1, "no prefix");
	union qt_addr z;
	memset(&z, 0, sizeof(z));
	ok(qt_mask_is_zero(AF_INET6, &z), "zero mask");
	z.v6.s6_addr[15] = 1;
	ok(!qt_mask_is_zero(AF_INET6, &z), "not a zero mask");
	qt_buf_free(&b);
	return done_testing();
}
