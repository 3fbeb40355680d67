/* The protocol trackers' array (engine/ct/conntrack_proto.c) and the
 * settings table (engine/ct/conntrack_config.c): every protocol entry is
 * whole and found by its number and name; every setting has the
 * kernel's sysctl name, the sysctl exists in this kernel's
 * /proc/sys/net/netfilter and its default is the kernel's (read in a
 * fresh network namespace when the test may make one, so a tuned host
 * does not count); every timeout sysctl of a tracked protocol is in the
 * table; and qtablesd(8)'s list of --ct settings is the table's
 * (`test_conntrack_config --man` prints the list as the page must have it). */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conntrack.h"
#include "tap.h"

#ifndef QTABLESD_MAN
#define QTABLESD_MAN "man/qtablesd.8"
#endif

#define PROC_NF "/proc/sys/net/netfilter/"
#define MAN_BEGIN ".\\\" --ct settings: begin"
#define MAN_END ".\\\" --ct settings: end"

static void protocols(void)
{
	static const struct { uint8_t num; const char *name; } must[] = {
		{ 1, "icmp" }, { 6, "tcp" }, { 17, "udp" }, { 136, "udplite" },
		{ 33, "dccp" }, { 47, "gre" }, { 58, "icmpv6" }, { 132, "sctp" },
	};
	unsigned bad = 0, n = 0;
	for (unsigned i = 0; i < 256; i++) {
		const struct qt_ct_proto *p = qt_ct_protos[i];
		if (!p)
			continue;
		n++;
		bool whole = p->num == i && p->name && *p->name && p->tuple &&
			     p->invert && p->new_conn && p->packet &&
			     qt_ct_proto_by_name(p->name) == p &&
			     !!p->state_of == !!p->state_names &&
			     (!p->state_of || p->nstates);
		for (unsigned s = 0; p->state_names && s < p->nstates; s++)
			whole = whole && p->state_names[s];
		if (!whole) {
			bad++;
			printf("# protocol %u (%s) is not whole\n", i,
			       p->name ? p->name : "?");
		}
	}
	is_int(bad, 0, "every protocol in the array is whole, under its number");
	is_int(n, sizeof(must) / sizeof(must[0]), "as many protocols as named");
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		is_str(qt_ct_proto_name(must[i].num), must[i].name,
		       "protocol %u is %s", must[i].num, must[i].name);
		ok(qt_ct_proto_by_name(must[i].name) == qt_ct_proto_of(must[i].num),
		   "%s found by name", must[i].name);
	}
	const struct qt_ct_proto *g = qt_ct_proto_of(200);
	ok(g == &qt_ct_proto_generic && g->tuple && g->new_conn && g->packet &&
	   !g->ports, "a protocol without a tracker gets the generic one");
	is_str(g->name, "unknown", "generic: conntrack's name");
	ok(!qt_ct_proto_by_name("unknown"), "the generic tracker has no name to ask for");
	ok(qt_ct_proto_by_name("TCP") == &qt_ct_proto_tcp, "names in any case");
	ok(qt_ct_proto_of(6)->state_of && !qt_ct_proto_of(17)->state_of,
	   "TCP shows a state, UDP none");
}

static const struct qt_ct_setting *by_name(const char *name)
{
	for (size_t i = 0; i < qt_ct_nsettings; i++)
		if (!strcmp(qt_ct_settings[i].name, name))
			return &qt_ct_settings[i];
	return NULL;
}

static void table(void)
{
	unsigned bad = 0;
	struct qt_ct_config c;
	qt_ct_config_default(&c);
	for (size_t i = 0; i < qt_ct_nsettings; i++) {
		const struct qt_ct_setting *s = &qt_ct_settings[i];
		char want[128];
		snprintf(want, sizeof(want), "net.netfilter.nf_conntrack_%s",
			 s->name);
		if (by_name(s->name) != s) {
			bad++;
			printf("# %s twice\n", s->name);
		}
		if (s->sysctl && strcmp(s->sysctl, want)) {
			bad++;
			printf("# %s: sysctl %s\n", s->name, s->sysctl);
		}
		if (!s->what || !*s->what) {
			bad++;
			printf("# %s: no words\n", s->name);
		}
		if (qt_ct_setting_get(&c, s) != s->def) {
			bad++;
			printf("# %s: default not set\n", s->name);
		}
		/* each settable one is taken, by every spelling */
		char nv[160];
		struct qt_ct_config d = c;
		uint32_t v = s->kind == QT_CTS_BOOL ? !s->def : s->def + 7;
		snprintf(nv, sizeof(nv), "%s=%u", s->name, v);
		int rc = qt_ct_config_set(&d, nv);
		if (s->sysctl ? rc || qt_ct_setting_get(&d, s) != v : rc != -1) {
			bad++;
			printf("# %s: --ct %s\n", s->name, nv);
		}
		if (s->sysctl) {
			snprintf(nv, sizeof(nv), "%s=%u", s->sysctl, s->def);
			if (qt_ct_config_set(&d, nv) ||
			    qt_ct_setting_get(&d, s) != s->def) {
				bad++;
				printf("# %s: --ct %s\n", s->name, nv);
			}
		}
	}
	is_int(bad, 0, "every setting: one name, the kernel's sysctl name, "
	       "its default, set by --ct");
	is_int(c.to.tcp[QT_TCP_ESTABLISHED], 432000, "tcp established 432000");
	is_int(c.to.tcp[QT_TCP_SYN_SENT2], 120, "syn_sent2 120, though no sysctl");
	ok(!by_name("tcp_timeout_syn_sent2")->sysctl,
	   "the one timeout the kernel has no sysctl for");
}

/* The kernel's value of a sysctl, from /proc; -1: none. */
static long long kernel_value(const char *sysctl)
{
	char path[256] = "/proc/sys/";
	size_t n = strlen(path);
	for (const char *p = sysctl; *p && n + 1 < sizeof(path); p++)
		path[n++] = *p == '.' ? '/' : *p;
	path[n] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long long v = -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* A timeout sysctl of a protocol with a tracker of its own (or of the
 * generic tracker): those the table must hold. */
static bool tracked_timeout(const char *name)
{
	static const char *const prefixes[] = {
		"nf_conntrack_tcp_timeout_", "nf_conntrack_udp_timeout",
		"nf_conntrack_icmp_timeout", "nf_conntrack_generic_timeout",
		"nf_conntrack_icmpv6_timeout",
	};
	for (size_t i = 0; i < 5; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static void kernel(void)
{
	/* a fresh namespace shows the kernel's defaults, whatever the
	 * host was tuned to (as root; otherwise this namespace's values) */
	bool fresh = unshare(CLONE_NEWNET) == 0;
	if (kernel_value("net.netfilter.nf_conntrack_max") < 0) {
		printf("ok %d - # SKIP no nf_conntrack sysctls here\n", ++tap_n);
		return;
	}
	printf("# comparing with the kernel's sysctls (%s)\n",
	       fresh ? "a fresh network namespace" : "this namespace");
	unsigned missing = 0, differ = 0;
	for (size_t i = 0; i < qt_ct_nsettings; i++) {
		const struct qt_ct_setting *s = &qt_ct_settings[i];
		if (!s->sysctl)
			continue;
		long long v = kernel_value(s->sysctl);
		if (v < 0) {
			missing++;
			printf("# %s: no such sysctl\n", s->sysctl);
		} else if (s->kind != QT_CTS_TABLE_SIZE && v != s->def) {
			differ++;
			printf("# %s: kernel %lld, table %u\n", s->sysctl, v,
			       s->def);
		}
	}
	is_int(missing, 0, "every sysctl named is the kernel's");
	is_int(differ, 0, "every default is the kernel's");

	unsigned absent = 0;
	DIR *d = opendir(PROC_NF);
	ok(d != NULL, "%s listed", PROC_NF);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (!tracked_timeout(de->d_name))
			continue;
		char sysctl[300];
		snprintf(sysctl, sizeof(sysctl), "net.netfilter.%s", de->d_name);
		const struct qt_ct_setting *s =
			qt_ct_setting_find(sysctl, strlen(sysctl));
		if (!s || s->kind != QT_CTS_TIMEOUT) {
			absent++;
			printf("# the kernel's %s is not in the table\n", sysctl);
		}
	}
	if (d)
		closedir(d);
	is_int(absent, 0, "every timeout of a tracked protocol the kernel has "
	       "is in the table");
}

/* The list qtablesd(8) gives under --ct, made from the table. */
static void man_list(struct qt_buf *b)
{
	qt_buf_printf(b, "%s\n", MAN_BEGIN);
	for (size_t i = 0; i < qt_ct_nsettings; i++) {
		const struct qt_ct_setting *s = &qt_ct_settings[i];
		if (!s->sysctl)
			continue;
		qt_buf_printf(b, ".TP\n.B %s\n", s->name);
		switch (s->kind) {
		case QT_CTS_TIMEOUT:
			qt_buf_printf(b, "%s: seconds (default %u).\n", s->what,
				      s->def);
			break;
		case QT_CTS_BOOL:
		case QT_CTS_COUNT:
			qt_buf_printf(b, "%s (default %u).\n", s->what, s->def);
			break;
		case QT_CTS_TABLE_SIZE:
			qt_buf_printf(b, "%s (default: the kernel's "
				      "nf_conntrack_max).\n", s->what);
			break;
		}
	}
	qt_buf_printf(b, "%s\n", MAN_END);
}

static bool read_file(const char *path, struct qt_buf *b)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		qt_buf_put(b, chunk, n);
	fclose(f);
	return true;
}

static void man_page(void)
{
	struct qt_buf want;
	qt_buf_init(&want);
	man_list(&want);
	struct qt_buf text;
	qt_buf_init(&text);
	bool got = read_file(QTABLESD_MAN, &text);
	ok(got, "read %s", QTABLESD_MAN);
	const char *a = got ? strstr(qt_buf_str(&text), MAN_BEGIN) : NULL;
	const char *z = a ? strstr(a, MAN_END) : NULL;
	ok(a && z, "qtablesd(8) marks its list of --ct settings");
	if (a && z) {
		size_t len = (size_t)(z - a) + strlen(MAN_END) + 1;
		bool same = len == want.len && !memcmp(a, qt_buf_str(&want), len);
		ok(same, "qtablesd(8) lists the settings table's names, words "
		   "and defaults");
		if (!same)
			printf("# the page should have (test_conntrack_config --man):\n%s",
			       qt_buf_str(&want));
	}
	qt_buf_free(&text);
	qt_buf_free(&want);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--man")) {
		struct qt_buf b;
		qt_buf_init(&b);
		man_list(&b);
		fputs(qt_buf_str(&b), stdout);
		qt_buf_free(&b);
		return 0;
	}
	protocols();
	table();
	man_page();
	kernel();
	return done_testing();
}
