/* Log to a netlink group or the audit log (engine/nflog_tag.c,
 * io/log_offload.c): the tag in the mark, the slots parameters get (kept across programs), and
 * the kernel table's script. As root, in a network namespace of its
 * own, the script goes to the real nft and the table is read back. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log_offload.h"
#include "nflog_tag.h"
#include "tap.h"

static struct qt_nflog mk(uint16_t group, const char *prefix)
{
	struct qt_nflog p;
	memset(&p, 0, sizeof(p));
	p.group = group;
	snprintf(p.prefix, sizeof(p.prefix), "%s", prefix);
	return p;
}

/* set once test_script is in a network namespace of its own */
static bool own_netns;

static void test_tag(void)
{
	/* every tag inside the mask, and read back */
	for (unsigned a = 1; a <= QT_NFLOG_SLOTS; a++)
		for (unsigned b = 0; b <= QT_NFLOG_SLOTS; b++)
			for (int d = 0; d < 2; d++) {
				uint32_t t = qt_nflog_tag(a, b, d);
				if ((t & ~QT_NFLOG_MASK) ||
				    qt_nflog_tag_first(t) != a ||
				    qt_nflog_tag_second(t) != b ||
				    qt_nflog_tag_drop(t) != (d != 0) ||
				    t == 0) {
					ok(0, "tag %u %u %d: 0x%08x", a, b, d, t);
					return;
				}
			}
	ok(1, "every tag within 0x%08x and read back", QT_NFLOG_MASK);
	is_int(qt_nflog_tag(1, 0, false), 0x08000000, "slot 1 alone");
	ok(qt_nflog_tag(15, 15, true) == 0xff800000u, "all bits");
	is_int(qt_nflog_tag(2, 3, false), 0x11800000, "slots 2 then 3");
	/* the user's bits around the tag stay as they are */
	uint32_t user = 0x007fffff;
	is_int((user | qt_nflog_tag(3, 1, true)) & ~QT_NFLOG_MASK, (int)user,
	       "below the tag the mark is the user's");
	is_int(qt_nflog_tag_first(user), 0, "a mark of the user's names no slot");
}

static void test_same(void)
{
	struct qt_nflog a = mk(1, "x"), b = mk(1, "x");
	ok(qt_nflog_same(&a, &b), "same parameters");
	b.snaplen = 7;
	ok(qt_nflog_same(&a, &b), "a snaplen not given does not count");
	b.has_snaplen = true;
	ok(!qt_nflog_same(&a, &b), "a snaplen given does");
	b = mk(1, "y");
	ok(!qt_nflog_same(&a, &b), "another prefix");
	b = mk(2, "x");
	ok(!qt_nflog_same(&a, &b), "another group");
	b = mk(1, "x");
	b.threshold = 3;
	ok(!qt_nflog_same(&a, &b), "another threshold");

	struct qt_nflog_used u;
	memset(&u, 0, sizeof(u));
	qt_nflog_note(&u, &a);
	b = mk(1, "x");
	qt_nflog_note(&u, &b);
	is_int(u.n, 1, "the same parameters noted once");
	struct qt_nflog many[QT_NFLOG_SLOTS + 1];
	for (unsigned i = 0; i <= QT_NFLOG_SLOTS; i++) {
		many[i] = mk((uint16_t)(100 + i), "");
		qt_nflog_note(&u, &many[i]);
	}
	is_int(u.n, QT_NFLOG_SLOTS, "up to the slots");
	is_int(u.over, 2, "the rest counted");
}

static void test_assign(void)
{
	struct qt_nflog p[4] = { mk(1, "a"), mk(2, "b"), mk(3, "c"),
				 mk(4, "d") };
	const struct qt_nflog *used[] = { &p[0], &p[1], &p[2] };
	struct qt_nflog_slots s1, s2;
	is_int(qt_nflog_assign(used, 3, NULL, &s1), 0, "three parameters");
	is_int(qt_nflog_count(&s1), 3, "three slots");
	ok(qt_nflog_slot_of(&s1, &p[0]) == 1 && qt_nflog_slot_of(&s1, &p[1]) == 2 &&
	   qt_nflog_slot_of(&s1, &p[2]) == 3, "in order from 1");
	is_int(qt_nflog_slot_of(&s1, &p[3]), 0, "none for others");
	/* the next program: b goes, d comes, a and c (copies) stay */
	struct qt_nflog a2 = mk(1, "a"), c2 = mk(3, "c");
	const struct qt_nflog *used2[] = { &p[3], &c2, &a2 };
	is_int(qt_nflog_assign(used2, 3, &s1, &s2), 0, "the next program");
	is_int(qt_nflog_slot_of(&s2, &a2), 1, "a keeps its slot");
	is_int(qt_nflog_slot_of(&s2, &c2), 3, "c keeps its slot");
	is_int(qt_nflog_slot_of(&s2, &p[3]), 4,
	       "d takes a slot the running program does not use");
	is_int(qt_nflog_slot_of(&s2, &p[1]), 0, "b has none");
	/* full: a slot the old program used is taken when no other is */
	struct qt_nflog all[QT_NFLOG_SLOTS];
	const struct qt_nflog *u[QT_NFLOG_SLOTS];
	for (unsigned i = 0; i < QT_NFLOG_SLOTS; i++) {
		all[i] = mk((uint16_t)(10 + i), "");
		u[i] = &all[i];
	}
	struct qt_nflog_slots s3;
	is_int(qt_nflog_assign(u, QT_NFLOG_SLOTS, &s1, &s3), 0, "fifteen");
	is_int(qt_nflog_count(&s3), QT_NFLOG_SLOTS, "every slot taken");
	is_int(qt_nflog_assign(u, QT_NFLOG_SLOTS + 1, NULL, &s3), -1,
	       "sixteen refused");
}

static void test_script(void)
{
	struct qt_nflog p[2] = { mk(5, "hello: "), mk(7, "") };
	p[1].has_snaplen = true;
	p[1].snaplen = 0;
	p[1].threshold = 2;
	struct qt_nflog_slots s;
	const struct qt_nflog *u[] = { &p[0], &p[1] };
	qt_nflog_assign(u, 2, NULL, &s);
	struct qt_buf b;
	char err[256] = "";
	qt_buf_init(&b);
	/* input and forward queued: no chain at the other hooks */
	qt_logoff_script(false, &s, 1u << 1 | 1u << 2, &b);
	const char *t = qt_buf_str(&b);
	ok(strstr(t, "{\"nftables\": [\n{\"add\": {\"table\": {\"family\": "
		  "\"ip\", \"name\": \"qtables_log\"}}},\n{\"delete\": "
		  "{\"table\": {\"family\": \"ip\", \"name\": \"qtables_log\"}}}")
	   == t, "replaces the table in one transaction");
	ok(strstr(t, "\"chain\": \"t1_2_d\", \"expr\": [{\"mangle\": {\"key\": "
		  "{\"meta\": {\"key\": \"mark\"}}, \"value\": {\"&\": [{\"meta\": "
		  "{\"key\": \"mark\"}}, 8388607]}}}, {\"log\": {\"prefix\": "
		  "\"hello: \", \"group\": 5}}, {\"log\": {\"group\": 7, "
		  "\"snaplen\": 0, \"queue-threshold\": 2}}, {\"drop\": null}]")
	   != NULL,
	   "a pair: the tag out of the mark, both logged in order, dropped");
	ok(strstr(t, "[134217728, {\"goto\": {\"target\": \"t1_0_a\"}}]") &&
	   strstr(t, "[2415919104, {\"goto\": {\"target\": \"t2_0_d\"}}]") &&
	   strstr(t, "[142606336, {\"goto\": {\"target\": \"t1_1_a\"}}]"),
	   "the map has the tags");
	ok(strstr(t, "\"hook\": \"input\", \"prio\": -149") &&
	   strstr(t, "\"hook\": \"forward\", \"prio\": -149") &&
	   !strstr(t, "prerouting") && !strstr(t, "\"output\"") &&
	   !strstr(t, "postrouting"), "chains at the queued hooks only");
	qt_buf_reset(&b);
	qt_logoff_script(true, NULL, 0, &b);
	is_str(qt_buf_str(&b), "{\"nftables\": [\n{\"add\": {\"table\": "
	       "{\"family\": \"ip6\", \"name\": \"qtables_log\"}}},\n"
	       "{\"delete\": {\"table\": {\"family\": \"ip6\", \"name\": "
	       "\"qtables_log\"}}}\n]}\n", "deletes whether or not it is there");
	struct qt_nflog q = mk(1, "say \"hi\" \\o/");
	const struct qt_nflog *uq[] = { &q };
	qt_nflog_assign(uq, 1, NULL, &s);
	qt_buf_reset(&b);
	qt_logoff_script(false, &s, 31, &b);
	ok(strstr(qt_buf_str(&b), "\"prefix\": \"say \\\"hi\\\" \\\\o/\"") != NULL,
	   "a prefix with a double quote and a backslash, escaped");

	/* the kernel takes it (root, a namespace of our own) */
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0 ||
	    access(QT_LOGOFF_NFT, X_OK) < 0) {
		ok(1, "# SKIP the kernel: not root or no nft");
		qt_buf_free(&b);
		return;
	}
	own_netns = true;
	int rc = qt_logoff_table(QT_LOGOFF_NFT, false, &s, 31, err, sizeof(err));
	if (rc)
		printf("# %s\n", err);
	is_int(rc, 0, "a prefix with a double quote installed");
	FILE *g = popen(QT_LOGOFF_NFT " -j list table ip qtables_log", "r");
	char big[8192] = "";
	size_t got = g ? fread(big, 1, sizeof(big) - 1, g) : 0;
	big[got] = 0;
	if (g)
		pclose(g);
	ok(strstr(big, "\"prefix\": \"say \\\"hi\\\" \\\\o/\"") != NULL,
	   "and the kernel has it as given");
	qt_nflog_assign(u, 2, NULL, &s);
	rc = qt_logoff_table(QT_LOGOFF_NFT, false, &s, 31, err, sizeof(err));
	if (rc)
		printf("# %s\n", err);
	is_int(rc, 0, "installed");
	FILE *f = popen(QT_LOGOFF_NFT " list table ip qtables_log", "r");
	char line[512];
	unsigned chains = 0, logs = 0;
	while (f && fgets(line, sizeof(line), f)) {
		chains += strstr(line, "\tchain ") != NULL;
		logs += strstr(line, "log prefix \"hello: \" group 5") != NULL;
	}
	if (f)
		pclose(f);
	/* 2 first slots x 3 seconds x 2 verdicts, and the five hooks */
	is_int(chains, 12 + 5, "its chains");
	ok(logs >= 6, "the prefix as given");
	is_int(qt_logoff_table(QT_LOGOFF_NFT, false, &s, 31, err, sizeof(err)),
	       0, "replaced");
	is_int(qt_logoff_remove_all(QT_LOGOFF_NFT, err, sizeof(err)), 0,
	       "removed");
	is_int(system(QT_LOGOFF_NFT " list table ip qtables_log 2>/dev/null"),
	       256, "gone");
	is_int(qt_logoff_remove_all(QT_LOGOFF_NFT, err, sizeof(err)), 0,
	       "removing nothing is fine");
	qt_buf_free(&b);
}

/* The audit log: a slot of its own, which nft_log's audit level (no
 * other parameter) fills in the kernel's chains. */
static void test_audit(void)
{
	struct qt_nflog au, au2, g0 = mk(0, "");
	memset(&au, 0, sizeof(au));
	au.audit = true;
	au2 = au;
	ok(qt_nflog_same(&au, &au2), "audit is audit");
	ok(!qt_nflog_same(&au, &g0), "audit is not log group 0");
	struct qt_nflog_used u;
	memset(&u, 0, sizeof(u));
	qt_nflog_note(&u, &g0);
	qt_nflog_note(&u, &au);
	qt_nflog_note(&u, &au2);
	is_int(u.n, 2, "group 0 and audit: two parameter sets");
	struct qt_nflog_slots s;
	is_int(qt_nflog_assign(u.p, u.n, NULL, &s), 0, "slots given");
	is_int(qt_nflog_slot_of(&s, &au2), 2, "audit's slot");
	is_int(qt_nflog_slot_of(&s, &g0), 1, "group 0's slot");
	/* audit first, then group 0, and dropped: slots 2 then 1 */
	uint32_t tag = qt_nflog_tag(qt_nflog_slot_of(&s, &au),
				    qt_nflog_slot_of(&s, &g0), true);
	ok(tag == 0x90800000u, "audit then group 0, dropped: 0x%08x", tag);
	is_int(qt_nflog_tag_first(tag), 2, "first: audit's slot");
	is_int(qt_nflog_tag_second(tag), 1, "second: group 0's");
	ok(qt_nflog_tag_drop(tag), "a drop");

	struct qt_buf b;
	qt_buf_init(&b);
	qt_logoff_script(false, &s, 1u << 1, &b);
	const char *t = qt_buf_str(&b);
	ok(strstr(t, "\"chain\": \"t2_1_d\", \"expr\": [{\"mangle\": "
		  "{\"key\": {\"meta\": {\"key\": \"mark\"}}, \"value\": "
		  "{\"&\": [{\"meta\": {\"key\": \"mark\"}}, 8388607]}}}, "
		  "{\"log\": {\"level\": \"audit\"}}, {\"log\": "
		  "{\"group\": 0}}, {\"drop\": null}]") != NULL,
	   "the tag out of the mark, audit then group 0, dropped");
	ok(strstr(t, "[2424307712, {\"goto\": {\"target\": \"t2_1_d\"}}]")
	   != NULL, "the map has the tag");
	unsigned n = 0, alone = 0;
	for (const char *q = t; (q = strstr(q, "{\"log\": {\"level\": \"audit\""));
	     q++) {
		n++;
		alone += !strncmp(q, "{\"log\": {\"level\": \"audit\"}}", 27);
	}
	/* t1_2 once, t2_0 and t2_1 once, t2_2 twice; each accept and drop */
	is_int(n, 10, "audit in each chain of its slot");
	is_int(alone, n, "audit takes no other parameter");

	if (!own_netns) {
		ok(1, "# SKIP the kernel: not root or no nft");
		qt_buf_free(&b);
		return;
	}
	char err[256] = "";
	int rc = qt_logoff_table(QT_LOGOFF_NFT, false, &s, 1u << 1, err,
				 sizeof(err));
	if (rc)
		printf("# %s\n", err);
	is_int(rc, 0, "the kernel takes log level audit");
	FILE *f = popen(QT_LOGOFF_NFT " list chain ip qtables_log t2_1_d", "r");
	char line[512];
	unsigned found = 0;
	while (f && fgets(line, sizeof(line), f))
		found += strstr(line, "meta mark set meta mark & 0x007fffff "
				"log level audit log group 0 drop") != NULL;
	if (f)
		pclose(f);
	is_int(found, 1, "and lists it as nft does");
	is_int(qt_logoff_remove_all(QT_LOGOFF_NFT, err, sizeof(err)), 0,
	       "removed");
	qt_buf_free(&b);
}

int main(void)
{
	test_tag();
	test_same();
	test_assign();
	test_script();
	test_audit();
	return done_testing();
}
