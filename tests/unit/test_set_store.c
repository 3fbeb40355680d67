/* The engine's sets (sets/set_store.c) and ipset's language on them
 * (parser/ipset.c): keys, prefix lookup, timeouts, maxelem, counters,
 * flush, swap, the registry; the state file's set lines read back. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipset.h"
#include "set_store.h"
#include "set_view.h"
#include "tap.h"

static struct qt_set_key host(const char *a)
{
	struct qt_set_key k;
	memset(&k, 0, sizeof(k));
	inet_pton(AF_INET, a, &k.ip.v4);
	k.cidr = 32;
	return k;
}

static struct qt_set_key net(const char *a, unsigned cidr)
{
	struct qt_set_key k = host(a);
	k.ip.v4.s_addr &= htonl(~0u << (32 - cidr));
	k.cidr = (uint8_t)cidr;
	return k;
}

/* The text of b without the hash seed. */
static const char *no_initval(struct qt_buf *b)
{
	static char t[4096];
	const char *s = qt_buf_str(b);
	size_t n = 0;
	while (*s && n < sizeof(t) - 1) {
		if (!strncmp(s, " initval 0x", 11)) {
			s += 11;
			while ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))
				s++;
			continue;
		}
		t[n++] = *s++;
	}
	t[n] = '\0';
	return t;
}

/* One ipset command line, its exit code; output into out. */
static int ipset(struct qt_buf *out, uint64_t now, const char *line)
{
	char buf[512], *argv[32];
	int argc = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok(buf, " "); w && argc < 32; w = strtok(NULL, " "))
		argv[argc++] = w;
	struct qt_buf err;
	qt_buf_init(&err);
	struct qt_ipset_env env = { .now_ms = now };
	bool changed;
	qt_buf_reset(out);
	int st = qt_ipset_run(argc, argv, &env, out, &err, &changed);
	qt_buf_put(out, qt_buf_str(&err), err.len);
	qt_buf_free(&err);
	return st;
}

static void test_hash_ip(void)
{
	struct qt_set_opts o = { .family = AF_INET, .hashsize = 1024,
				 .maxelem = 3, .has_timeout = true };
	struct qt_set *s = qt_set_new("h", qt_set_type_find("hash:ip"), &o);
	struct qt_set_key a = host("1.2.3.4"), b = host("1.2.3.5");
	struct qt_set_elem_opts t10 = { .has_timeout = true, .timeout = 10 };
	is_int(qt_set_add(s, &a, NULL, false, 1000), 0, "add");
	is_int(qt_set_add(s, &a, NULL, false, 1000), -EEXIST, "add again");
	is_int(qt_set_add(s, &a, NULL, true, 1000), 0, "add again with exist");
	is_int(qt_set_add(s, &b, &t10, false, 1000), 0, "add with a timeout");
	ok(qt_set_lookup(s, &b, 10999, NULL, false, 0, NULL, NULL), "alive before its time");
	ok(!qt_set_lookup(s, &b, 11000, NULL, false, 0, NULL, NULL), "gone at its time");
	is_int(qt_set_add(s, &b, NULL, false, 11000), 0, "an expired element is replaced");
	struct qt_set_key c = host("1.2.3.6"), d = host("1.2.3.7");
	is_int(qt_set_add(s, &c, NULL, false, 1000), 0, "third");
	is_int(qt_set_add(s, &d, NULL, false, 1000), -ENOSPC, "maxelem reached");
	is_int(qt_set_del(s, &c, 1000), 0, "del");
	is_int(qt_set_del(s, &c, 1000), -ENOENT, "del again");
	is_int(qt_set_add(s, &d, NULL, false, 1000), 0, "a freed slot is used again");
	qt_set_flush(s);
	is_int(s->nelems, 0, "flush empties");
	ok(!qt_set_has(s, &a, 1000, NULL), "flushed element absent");
	is_int(qt_set_add(s, &a, NULL, false, 1000), 0, "add after flush");
	qt_set_free(s);
}

static void test_hash_net(void)
{
	struct qt_set_opts o = { .family = AF_INET, .hashsize = 1024,
				 .maxelem = 100, .counters = true };
	struct qt_set *s = qt_set_new("n", qt_set_type_find("hash:net"), &o);
	struct qt_set_key wide = net("10.0.0.0", 8), narrow = net("10.1.2.0", 24);
	qt_set_add(s, &wide, NULL, false, 0);
	qt_set_add(s, &narrow, NULL, false, 0);
	struct qt_set_key p = host("10.1.2.3");
	uint64_t pk = 0, by = 0;
	ok(qt_set_lookup(s, &p, 0, NULL, true, 100, &pk, &by), "in the /24");
	is_int(pk, 1, "the most specific element counts");
	is_int(by, 100, "its bytes");
	p = host("10.9.9.9");
	ok(qt_set_lookup(s, &p, 0, NULL, true, 50, &pk, &by), "in the /8");
	is_int(by, 50, "the /8's bytes");
	p = host("11.0.0.1");
	ok(!qt_set_lookup(s, &p, 0, NULL, true, 50, NULL, NULL), "outside");
	qt_set_del(s, &narrow, 0);
	p = host("10.1.2.3");
	ok(qt_set_lookup(s, &p, 0, NULL, false, 0, NULL, NULL), "the /8 after the /24 went");
	qt_set_free(s);
}

static struct qt_set_key host6(const char *a)
{
	struct qt_set_key k;
	memset(&k, 0, sizeof(k));
	inet_pton(AF_INET6, a, &k.ip.v6);
	k.cidr = 128;
	return k;
}

/* family inet6: 128-bit prefixes, most specific first; nomatch
 * elements decide as the kernel's hash:net (found first, no match) */
static void test_inet6_nomatch(void)
{
	struct qt_buf out;
	qt_buf_init(&out);
	qt_sets_clear();
	is_int(ipset(&out, 0, "create n6 hash:net family inet6 counters"), 0,
	       "an inet6 hash:net");
	is_int(ipset(&out, 0, "add n6 2001:db8::/32"), 0, "a /32");
	is_int(ipset(&out, 0, "add n6 2001:db8:1::/48 nomatch"), 0,
	       "a nomatch /48 inside it");
	is_int(ipset(&out, 0, "add n6 2001:db8:1:2::/64"), 0,
	       "a /64 inside the nomatch one");
	is_int(ipset(&out, 0, "add n6 2001:db8::/129"), 1, "/129");
	is_str(qt_buf_str(&out), "ipset v7.17: Syntax error: '129' is out of "
	       "range 0-128\n", "its message");
	is_int(ipset(&out, 0, "add n6 10.0.0.0/8"), 1, "an IPv4 net");
	is_str(qt_buf_str(&out), "ipset v7.17: Syntax error: cannot parse "
	       "10.0.0.0: resolving to IPv6 address failed\n", "its message");
	struct qt_set *s = qt_sets_find("n6");
	struct qt_set_key p = host6("2001:db8:5::1");
	uint64_t pk = 0;
	is_int(qt_set_lookup(s, &p, 0, NULL, true, 10, &pk, NULL), QT_SET_HIT,
	       "in the /32");
	p = host6("2001:db8:1:9::1");
	is_int(qt_set_lookup(s, &p, 0, NULL, true, 10, &pk, NULL),
	       QT_SET_NOMATCH, "in the nomatch /48: no match");
	is_int(pk, 1, "the nomatch element counts the packet");
	p = host6("2001:db8:1:2::7");
	is_int(qt_set_lookup(s, &p, 0, NULL, true, 10, NULL, NULL), QT_SET_HIT,
	       "the /64 inside the nomatch /48 is more specific");
	p = host6("2001:db9::1");
	is_int(qt_set_lookup(s, &p, 0, NULL, true, 10, NULL, NULL), QT_SET_MISS,
	       "outside");
	is_int(ipset(&out, 0, "test n6 2001:db8:1:9::1"), 1, "test in nomatch");
	is_str(qt_buf_str(&out), "2001:db8:1:9::1 is NOT in set n6.\n",
	       "says NOT");
	is_int(ipset(&out, 0, "test n6 2001:db8:1::/48"), 1,
	       "test of the nomatch element itself");
	is_int(ipset(&out, 0, "add n6 2001:db8:1::/48"), 1,
	       "a plain add of the nomatch element");
	is_int(ipset(&out, 0, "save n6"), 0, "save");
	is_str(no_initval(&out), "create n6 hash:net family inet6 hashsize 1024 "
	       "maxelem 65536 counters bucketsize 12\n"
	       "add n6 2001:db8::/32 packets 1 bytes 10\n"
	       "add n6 2001:db8:1::/48 nomatch packets 1 bytes 10\n"
	       "add n6 2001:db8:1:2::/64 packets 1 bytes 10\n",
	       "save's lines: family inet6, nomatch after the timeout");
	is_int(ipset(&out, 0, "-exist add n6 2001:db8:1::/48"), 0,
	       "-exist add of it again");
	p = host6("2001:db8:1:9::1");
	is_int(qt_set_lookup(s, &p, 0, NULL, false, 0, NULL, NULL), QT_SET_HIT,
	       "which clears its nomatch");
	is_int(ipset(&out, 0, "create h6 hash:ip -6"), 0, "hash:ip -6");
	is_int(ipset(&out, 0, "add h6 2001:db8::1/64"), 1, "a CIDR of hosts");
	is_str(qt_buf_str(&out), "ipset v7.17: Syntax error: plain IP address "
	       "must be supplied: 2001:db8::1/64\n", "is refused in IPv6");
	is_int(ipset(&out, 0, "add h6 ::"), 1, "::");
	is_str(qt_buf_str(&out), "ipset v7.17: Null-valued element, cannot be "
	       "stored in a hash type of set\n", "is null");
	is_int(ipset(&out, 0, "add h6 2001:DB8::A"), 0, "upper case");
	is_int(ipset(&out, 0, "add h6 2001:db8::1 nomatch"), 2,
	       "nomatch in a type without networks");
	is_int(ipset(&out, 0, "list -o save h6"), 0, "list");
	is_str(no_initval(&out), "create h6 hash:ip family inet6 hashsize 1024 "
	       "maxelem 65536 bucketsize 12\nadd h6 2001:db8::a\n",
	       "the address as inet_ntop writes it");
	is_int(ipset(&out, 0, "help"), 0, "help");
	ok(strstr(qt_buf_str(&out), "\nSupported set types:\n"
		  "    hash:net,port\t8\tbucketsize, initval support\n") &&
	   strstr(qt_buf_str(&out), "    bitmap:port\t\t0\tInitial revision\n")
	   && !strstr(qt_buf_str(&out), "list:set"),
	   "lists the types kept, with their revisions, and no other");
	ok(qt_ipset_is_help(1, (char *[]){ "-h" }) &&
	   !qt_ipset_is_help(2, (char *[]){ "list", "help" }),
	   "help is the command word, not a set name");
	is_int(ipset(&out, 0, "create h4 hash:ip"), 0, "an inet set");
	is_int(ipset(&out, 0, "swap h4 h6"), 1, "swap across families");
	qt_sets_clear();
	qt_buf_free(&out);
}

static void test_ipset_language(void)
{
	struct qt_buf out;
	qt_buf_init(&out);
	is_int(ipset(&out, 0, "create a hash:ip timeout 100"), 0, "create");
	is_int(ipset(&out, 0, "create a hash:ip"), 1, "create again");
	is_str(qt_buf_str(&out), "ipset v7.17: Set cannot be created: set with "
	       "the same name already exists\n", "its message");
	is_int(ipset(&out, 0, "-exist create a hash:ip timeout 100"), 0,
	       "-exist create of the same set");
	is_int(ipset(&out, 0, "add a 1.2.3.0/30"), 0, "a CIDR of hosts");
	is_int(ipset(&out, 0, "add a 1.2.3.1"), 1, "one of them again");
	is_int(ipset(&out, 1500, "test a 1.2.3.2"), 0, "test in");
	is_str(qt_buf_str(&out), "Warning: 1.2.3.2 is in set a.\n", "says so");
	is_int(ipset(&out, 0, "add a 1.2.3.9 bogus"), 2, "unknown word");
	is_str(qt_buf_str(&out), "ipset v7.17: Unknown argument: `bogus'\n"
	       "Try `ipset help' for more information.\n", "usage message");
	is_int(ipset(&out, 0, "add a 1.2.3.9 timeout 5"), 0, "own timeout");
	is_int(ipset(&out, 2500, "save a"), 0, "save");
	is_str(no_initval(&out), "create a hash:ip family inet hashsize 1024 "
	       "maxelem 65536 timeout 100 bucketsize 12\n"
	       "add a 1.2.3.0 timeout 97\nadd a 1.2.3.1 timeout 97\n"
	       "add a 1.2.3.2 timeout 97\nadd a 1.2.3.3 timeout 97\n"
	       "add a 1.2.3.9 timeout 2\n", "save's lines, timeouts left");
	is_int(ipset(&out, 0, "destroy nosuch"), 1, "destroy of no set");
	is_str(qt_buf_str(&out), "ipset v7.17: The set with the given name "
	       "does not exist\n", "its message");
	qt_buf_free(&out);
}

/* The state file's set lines read back as the same sets, into the very
 * object a rule holds. */
static void test_state_lines(void)
{
	struct qt_buf out, text, again, why;
	qt_buf_init(&out);
	qt_buf_init(&text);
	qt_buf_init(&again);
	qt_buf_init(&why);
	qt_sets_clear();
	uint64_t now = qt_set_now_ms();
	ipset(&out, now, "create keep hash:net counters comment");
	ipset(&out, now, "add keep 10.0.0.0/8 packets 5 bytes 7");
	ipset(&out, now, "create t hash:ip timeout 600");
	ipset(&out, now, "add t 1.1.1.1 timeout 0");
	struct qt_set *held = qt_sets_find("keep");
	qt_set_get(held);
	qt_set_view_render(&text);
	ipset(&out, now, "add keep 11.0.0.0/8");
	qt_ipset_save_all(&out, now);
	is_int(qt_set_view_load(qt_buf_str(&text), text.len, &why), 0,
	       "the lines load");
	qt_set_view_settle(true);
	ok(qt_sets_find("keep") == held, "the held set object stays the set");
	qt_ipset_save_all(&again, qt_set_now_ms());
	qt_buf_reset(&out);
	ipset(&out, now, "list keep");
	ok(strstr(qt_buf_str(&out), "10.0.0.0/8 packets 5 bytes 7") &&
	   !strstr(qt_buf_str(&out), "11.0.0.0"), "with the file's elements");
	is_int(qt_set_view_load("#ipset create x hash:nope\n", 25, &why), -1,
	       "a bad line fails");
	ok(qt_sets_find("keep") == held && qt_sets_find("t"),
	   "and changes no set");
	/* rules that do not restore: the sets loaded with them go back */
	is_int(qt_set_view_load("#ipset create other hash:ip\n", 27, &why), 0,
	       "another file's sets load");
	ok(!qt_sets_find("keep"), "set aside meanwhile");
	qt_set_view_settle(false);
	ok(qt_sets_find("keep") == held && !qt_sets_find("other"),
	   "and come back when its rules fail");
	qt_set_put(held);
	qt_buf_free(&out);
	qt_buf_free(&text);
	qt_buf_free(&again);
	qt_buf_free(&why);
}

/* Adds and deletes at random in a small set, full to its maxelem, of a
 * compact-key type and of a hashed-key one (inet6), against a plain
 * array: the index's probing and its deletion (entries moved back in
 * their run) keep every element findable and no absent one found. */
static struct qt_set_key churn_key(uint8_t family, unsigned v)
{
	struct qt_set_key k;
	memset(&k, 0, sizeof(k));
	if (family == AF_INET6) {
		k.ip.v6.s6_addr[0] = 0x20;
		k.ip.v6.s6_addr[15] = (uint8_t)v;
		k.cidr = 128;
	} else {
		k.ip.v4.s_addr = htonl(0x0a000000u | v);
		k.cidr = 32;
	}
	return k;
}

static void index_churn(uint8_t family, const char *type)
{
	enum { MAXE = 48, SPACE = 96, STEPS = 20000 };
	struct qt_set_opts o = { .family = family, .hashsize = 64,
				 .maxelem = MAXE };
	struct qt_set *s = qt_set_new("churn", qt_set_type_find(type), &o);
	bool in[SPACE] = { false };
	unsigned n = 0, wrong = 0;
	uint32_t rnd = 7;
	struct qt_set_elem_opts eo = { 0 };
	for (unsigned step = 0; step < STEPS; step++) {
		rnd = rnd * 1103515245u + 12345u;
		unsigned v = (rnd >> 8) % SPACE;
		struct qt_set_key k = churn_key(family, v);
		if ((rnd >> 20) & 1) {
			int rc = qt_set_add(s, &k, &eo, false, 0);
			int want = in[v] ? -EEXIST : n == MAXE ? -ENOSPC : 0;
			wrong += rc != want;
			if (!rc) {
				in[v] = true;
				n++;
			}
		} else {
			int rc = qt_set_del(s, &k, 0);
			wrong += rc != (in[v] ? 0 : -ENOENT);
			if (!rc) {
				in[v] = false;
				n--;
			}
		}
		if (step % 97 == 0)
			for (unsigned u = 0; u < SPACE; u++) {
				k = churn_key(family, u);
				wrong += qt_set_has(s, &k, 0, NULL) != in[u];
				wrong += (qt_set_lookup(s, &k, 0, NULL, false, 0,
							NULL, NULL) == QT_SET_HIT)
					 != in[u];
			}
	}
	is_int((int)wrong, 0, "%s %s: 20,000 adds and deletes as an array "
	       "has them", family == AF_INET6 ? "inet6" : "inet", type);
	is_int((int)s->nelems, (int)n, "%s: the count", type);
	qt_set_free(s);
}

/* A set big enough that its index is mapped pages of its own: found
 * as a small one's, emptied by a flush (pages given back) and filled
 * again. */
static void test_big_index(void)
{
	enum { N = 150000 };
	struct qt_set_opts o = { .family = AF_INET, .hashsize = 1024,
				 .maxelem = 2 * N };
	struct qt_set *s = qt_set_new("big", qt_set_type_find("hash:ip"), &o);
	struct qt_set_elem_opts eo = { 0 };
	unsigned wrong = 0;
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < N; i++) {
			struct qt_set_key k = churn_key(AF_INET, 2 * i);
			wrong += qt_set_add(s, &k, &eo, false, 0) != 0;
		}
		for (uint32_t v = 0; v < 2 * N; v++) {
			struct qt_set_key k = churn_key(AF_INET, v);
			bool want = v % 2 == 0;
			wrong += (qt_set_lookup(s, &k, 0, NULL, false, 0, NULL,
						NULL) == QT_SET_HIT) != want;
		}
		is_int((int)s->nelems, N, "big index, round %d: the count",
		       round);
		qt_set_flush(s);
		struct qt_set_key k = churn_key(AF_INET, 0);
		wrong += qt_set_has(s, &k, 0, NULL);
		is_int((int)s->nelems, 0, "big index, round %d: flushed", round);
	}
	is_int((int)wrong, 0, "big index: every element found, every other "
	       "address missed, none left after a flush");
	qt_set_free(s);
}

/* hash:net with more prefix lengths than one batch of probes: the most
 * specific element covering the address decides, in whichever batch it
 * is, a nomatch one included. */
static void test_many_prefixes(void)
{
	struct qt_set_opts o = { .family = AF_INET, .hashsize = 64,
				 .maxelem = 64 };
	struct qt_set *s = qt_set_new("nets", qt_set_type_find("hash:net"), &o);
	struct qt_set_elem_opts eo = { 0 }, nm = { .nomatch = true };
	/* eight longer prefixes of elsewhere: two batches that miss */
	for (unsigned c = 25; c <= 32; c++) {
		struct qt_set_key k = net("10.9.9.9", c);
		qt_set_add(s, &k, &eo, false, 0);
	}
	struct qt_set_key k = net("10.1.2.0", 24);
	qt_set_add(s, &k, &eo, false, 0);
	k = net("10.1.0.0", 16);
	qt_set_add(s, &k, &nm, false, 0);
	k = host("10.1.2.3");
	is_int(qt_set_lookup(s, &k, 0, NULL, false, 0, NULL, NULL), QT_SET_HIT,
	       "ten prefix lengths: the /24, probed in the third batch, "
	       "decides");
	k = host("10.1.200.1");
	is_int(qt_set_lookup(s, &k, 0, NULL, false, 0, NULL, NULL),
	       QT_SET_NOMATCH, "the /16 (nomatch) decides where no longer "
	       "prefix covers");
	k = host("10.9.9.9");
	is_int(qt_set_lookup(s, &k, 0, NULL, false, 0, NULL, NULL), QT_SET_HIT,
	       "the /32 in the first batch");
	k = host("11.0.0.1");
	is_int(qt_set_lookup(s, &k, 0, NULL, false, 0, NULL, NULL), QT_SET_MISS,
	       "an address no prefix covers: missed");
	qt_set_free(s);
}

int main(void)
{
	test_big_index();
	test_many_prefixes();
	index_churn(AF_INET, "hash:ip");
	index_churn(AF_INET6, "hash:ip");
	test_hash_ip();
	test_hash_net();
	test_ipset_language();
	test_inet6_nomatch();
	test_state_lines();
	qt_sets_clear();
	return done_testing();
}
