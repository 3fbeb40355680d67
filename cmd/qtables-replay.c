/* qtables-replay: judge packets from a capture file (or generated ones)
 * with a ruleset, through the same engine qtablesd runs, without a
 * kernel, a queue or root. IPv4 packets meet the iptables ruleset,
 * IPv6 packets the ip6tables one (--rules6), each compiled into a
 * program of its own as in the daemon. Argument handling and output
 * only: the packets go through engine/program.c exactly as the
 * daemon's do. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addrs.h"
#include "judge.h"
#include "nat.h"
#include "eval.h"
#include "links.h"
#include "program.h"
#include "ctx.h"
#include "model.h"
#include "restore.h"
#include "pcap_read.h"
#include "replay_gen.h"

#define PROG "qtables-replay"
/* Room after a packet for targets that grow it (TCPMSS adds 4 bytes). */
#define GROW_ROOM 64
/* Any interface name given without --live-addrs gets this index, so
 * matches that want "some input device" (mac) see one. */
#define PSEUDO_IN 1
#define PSEUDO_OUT 2

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qtables-replay [options] RULES PCAP\n"
		"       qtables-replay [options] --rules6 RULES6 [RULES] PCAP\n"
		"       qtables-replay [options] --gen N RULES\n"
		"Judge each packet of a pcap file (or N generated ones) with the\n"
		"ruleset RULES (iptables-save format, \"-\" for stdin), IPv6 packets\n"
		"with RULES6 (ip6tables-save format), as qtablesd would, and print\n"
		"one line per packet: \"N ACCEPT|DROP [mark=0x..] [rewritten]\".\n"
		"  --rules6 RULES6  the IPv6 ruleset (also -6 RULES6); without it\n"
		"                   IPv6 packets are skipped, without RULES IPv4 ones\n"
		"  --hook HOOK      PREROUTING, INPUT (default), FORWARD, OUTPUT\n"
		"                   or POSTROUTING\n"
		"  --in IFNAME      the input interface (-i)\n"
		"  --out IFNAME     the output interface (-o)\n"
		"  --mark N         the packet mark before the walk\n"
		"  --uid N          the socket owner's uid (OUTPUT)\n"
		"  --gid N          the socket owner's gid (OUTPUT)\n"
		"  --counters       honour [packets:bytes] in RULES (as restore -c)\n"
		"  --save-counters  print the ruleset with its counters at the end\n"
		"                   (iptables-save -c form)\n"
		"  --live-addrs     read this namespace's interfaces and addresses\n"
		"                   (addrtype, LOG's MAC, REJECT's source address)\n"
		"  --hz N           the kernel's CONFIG_HZ for hashlimit (default 250)\n"
		"  --gen N          judge N generated packets instead of a capture\n"
		"  --gen-spec SPEC  what to generate: key=value,... with proto=tcp/udp/icmp,\n"
		"                   src=, dst= (ADDR, ADDR/N, ADDR-ADDR), sport=, dport=,\n"
		"                   len= (payload, N or N-M), ttl=, flags= (TCP: S/SA/A ...),\n"
		"                   rate= (packets per second of the timestamps)\n"
		"  --seed N         the seed of the generator and of NAT's random\n"
		"                   port choices (default 1)\n"
		"  --help           this text\n"
		"  --version        the version\n");
}

/* ---- the environment: what LOG and REJECT do without a kernel ---- */

static void on_log(void *user, int level, const char *line)
{
	(void)user;
	printf("LOG %d %s\n", level, line);
}

static int on_send(void *user, const uint8_t *pkt, uint32_t len)
{
	(void)user;
	printf("REPLY %u ", len);
	for (uint32_t i = 0; i < len; i++)
		printf("%02x", pkt[i]);
	putchar('\n');
	return 0;
}

/* ---- options ---- */

struct opts {
	const char *rules, *rules6, *pcap;
	unsigned hook;
	const char *in, *out;
	uint32_t mark, uid, gid;
	bool has_uid, has_gid;
	bool counters, save_counters, live;
	unsigned hz;
	bool gen;
	uint64_t gen_n, seed;
	const char *gen_spec;
};

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (end == s || *end || errno || v > max || *s == '-')
		return false;
	*out = v;
	return true;
}

static int hook_of(const char *s)
{
	static const char *const names[QT_NHOOKS] = {
		[QT_HOOK_PRE_ROUTING] = "PREROUTING",
		[QT_HOOK_LOCAL_IN] = "INPUT",
		[QT_HOOK_FORWARD] = "FORWARD",
		[QT_HOOK_LOCAL_OUT] = "OUTPUT",
		[QT_HOOK_POST_ROUTING] = "POSTROUTING",
	};
	for (int h = 0; h < QT_NHOOKS; h++)
		if (!strcasecmp(s, names[h]))
			return h;
	return -1;
}

static int bad(const char *opt, const char *v)
{
	fprintf(stderr, PROG ": bad value for %s: \"%s\"\n", opt, v);
	return 2;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "hook", required_argument, NULL, 'H' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "mark", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "counters", no_argument, NULL, 'c' },
		{ "save-counters", no_argument, NULL, 's' },
		{ "live-addrs", no_argument, NULL, 'l' },
		{ "hz", required_argument, NULL, 'z' },
		{ "gen", required_argument, NULL, 'n' },
		{ "gen-spec", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 'r' },
		{ "rules6", required_argument, NULL, '6' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c, h;
	while ((c = getopt_long(argc, argv, "hV6:", lo, NULL)) != -1) {
		switch (c) {
		case '6': o->rules6 = optarg; break;
		case 'H':
			if ((h = hook_of(optarg)) < 0)
				return bad("--hook", optarg);
			o->hook = (unsigned)h;
			break;
		case 'i':
		case 'o':
			if (!*optarg || strlen(optarg) >= IFNAMSIZ)
				return bad(c == 'i' ? "--in" : "--out", optarg);
			*(c == 'i' ? &o->in : &o->out) = optarg;
			break;
		case 'm':
			if (!parse_u64(optarg, UINT32_MAX, &v))
				return bad("--mark", optarg);
			o->mark = (uint32_t)v;
			break;
		case 'u':
		case 'g':
			if (!parse_u64(optarg, UINT32_MAX, &v))
				return bad(c == 'u' ? "--uid" : "--gid", optarg);
			if (c == 'u') {
				o->uid = (uint32_t)v;
				o->has_uid = true;
			} else {
				o->gid = (uint32_t)v;
				o->has_gid = true;
			}
			break;
		case 'c': o->counters = true; break;
		case 's': o->save_counters = true; break;
		case 'l': o->live = true; break;
		case 'z':
			if (!parse_u64(optarg, 10000, &v) || !v)
				return bad("--hz", optarg);
			o->hz = (unsigned)v;
			break;
		case 'n':
			if (!parse_u64(optarg, UINT64_MAX, &v))
				return bad("--gen", optarg);
			o->gen = true;
			o->gen_n = v;
			break;
		case 'S': o->gen_spec = optarg; break;
		case 'r':
			if (!parse_u64(optarg, UINT64_MAX, &v))
				return bad("--seed", optarg);
			o->seed = v;
			break;
		case 'V':
			printf(PROG " v%s (%s)\n", QT_IPTABLES_VERSION, QT_BACKEND);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o->gen && o->rules6) {
		fprintf(stderr, PROG ": --rules6: the generator makes IPv4 "
			"packets only\n");
		return 2;
	}
	int want = o->gen ? 1 : 2;
	/* with an IPv6 ruleset the IPv4 one may be left out */
	int have = argc - optind;
	if (o->rules6 && have == 1)
		want = 1;
	if (have != want) {
		fprintf(stderr, PROG ": %s\n", have < want ?
			(o->gen ? "a ruleset file is needed" :
			 o->rules6 ? "a pcap file is needed" :
			 "a ruleset file and a pcap file are needed") :
			"too many arguments");
		usage(stderr);
		return 2;
	}
	o->rules = o->rules6 && !o->gen && have == 1 ? NULL : argv[optind];
	o->pcap = o->gen ? NULL : argv[argc - 1];
	if (o->rules && o->rules6 && !strcmp(o->rules, "-") &&
	    !strcmp(o->rules6, "-")) {
		fprintf(stderr, PROG ": only one ruleset can come from "
			"standard input\n");
		return 2;
	}
	return -1;
}

/* ---- the ruleset ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, PROG ": %s: cannot open: %s\n", path,
			strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *s = malloc(cap);
	while (s) {
		if (n == cap) {
			char *t = cap < (1u << 30) ? realloc(s, cap *= 2) : NULL;
			if (!t) {
				free(s);
				s = NULL;
				fprintf(stderr, PROG ": %s: too large\n", path);
				break;
			}
			s = t;
		}
		size_t r = fread(s + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				fprintf(stderr, PROG ": %s: read error: %s\n",
					path, strerror(errno));
				free(s);
				s = NULL;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return s;
}

/* The ruleset of family (AF_INET: iptables-save's format, AF_INET6:
 * ip6tables-save's) in path. The counters the file brings (restore -c)
 * go into store, where the program counts on from them. */
static struct qt_ruleset *load_rules(const struct opts *o, const char *path,
				     uint8_t family, struct qt_rt_store *store)
{
	size_t len;
	char *text = slurp(path, &len);
	if (!text)
		return NULL;
	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	struct qt_ctx ctx;
	qt_ctx_init(&ctx, family == AF_INET6 ? "ip6tables-restore"
					       : "iptables-restore", &out, &err);
	struct qt_restore_opts ro = { .counters = o->counters };
	struct qt_ruleset *rs = qt_ruleset_new(family);
	struct qt_policy_pending pending = { 0 };
	struct qt_counter_view cnt = {
		.io = qt_rt_store_io(store), .pending = &pending,
	};
	bool changed;
	if (!rs || qt_restore_run(&rs, text, len, &ro, &cnt, &ctx,
				  &changed) != 0) {
		fprintf(stderr, PROG ": %s: not a valid ruleset:\n%s", path,
			rs ? qt_buf_str(&err) : "out of memory\n");
		qt_ruleset_free(rs);
		rs = NULL;
	} else {
		qt_policy_pending_apply(&pending, cnt.io);
	}
	free(text);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return rs;
}

/* ---- judging ---- */

struct run {
	const struct opts *o;
	const struct qt_prog *prog, *prog6;  /* NULL: no such ruleset */
	struct qt_ctg *ctg;        /* connection tracking, when rules use it:
	                              one table for both families, as each
	                              queue thread of the daemon has */
	const struct qt_engine_env *env;
	int indev, outdev;
	uint64_t last_ns;
	uint64_t accepted, dropped, skipped;
};

/* Judge the IP packet at data (len bytes, room for cap) with its
 * family's program prog; print. */
static void judge(struct run *r, const struct qt_prog *prog, uint64_t no,
		  uint8_t *data, uint32_t len, uint32_t cap, uint32_t wire_len,
		  uint64_t ts_ns, const uint8_t *hw, uint8_t hwlen)
{
	const struct opts *o = r->o;
	struct qt_eval ev;
	int st = qt_eval_init(&ev, data, len, cap, wire_len, o->hook, r->env);
	/* bytes counted are the IP packet's (link padding or headers are
	 * not in skb->len at these hooks) */
	if (st == QT_PKT_OK && ev.pkt.ip_len)
		ev.orig_len = ev.pkt.ip_len < len ? len : ev.pkt.ip_len;
	ev.indev = r->indev;
	ev.outdev = r->outdev;
	ev.in = o->in ? o->in : "";
	ev.out = o->out ? o->out : "";
	ev.mark = o->mark;
	ev.has_uid = o->has_uid;
	ev.uid = o->uid;
	ev.has_gid = o->has_gid;
	ev.gid = o->gid;
	if (hwlen) {
		memcpy(ev.hwaddr, hw, hwlen);
		ev.hwaddr_len = hwlen;
	}
	/* the capture's clock; never backwards, as CLOCK_MONOTONIC */
	if (ts_ns > r->last_ns)
		r->last_ns = ts_ns;
	ev.now_ns = r->last_ns;
	ev.wall.tv_sec = (time_t)(ts_ns / 1000000000u);
	ev.wall.tv_nsec = (long)(ts_ns % 1000000000u);

	/* connection tracking as if the packet took its whole path and
	 * only the replayed hook had rules */
	if (r->ctg)
		qt_ctg_burst_begin(r->ctg, ev.now_ns);
	int v = qt_judge_alone(prog, r->ctg, &ev, NULL);
	if (r->ctg)
		qt_ctg_burst_end(r->ctg);
	if (v == QT_XT_DROP)
		r->dropped++;
	else
		r->accepted++;
	printf("%llu %s", (unsigned long long)no,
	       v == QT_XT_DROP ? "DROP" : "ACCEPT");
	if (ev.mark_changed)
		printf(" mark=0x%x", ev.mark);
	if (ev.rewritten)
		printf(" rewritten");
	if (st != QT_PKT_OK)
		printf(" malformed=%s",
		       qt_pkt_status_name((enum qt_pkt_status)st));
	putchar('\n');
}

static void skip(struct run *r, uint64_t no, const char *why, ...)
	__attribute__((format(printf, 3, 4)));
static void skip(struct run *r, uint64_t no, const char *why, ...)
{
	va_list ap;
	r->skipped++;
	printf("%llu SKIP ", (unsigned long long)no);
	va_start(ap, why);
	vprintf(why, ap);
	va_end(ap);
	putchar('\n');
}

/* What the replay judges, for its skip lines: "IPv4" (no --rules6),
 * "IPv6" (--rules6 alone) or both. */
static const char *judged(const struct run *r)
{
	return !r->prog6 ? "IPv4" : !r->prog ? "IPv6" : "IPv4 or IPv6";
}

/* One capture record: find the IP packet behind the link header; an
 * IPv4 one is judged by the iptables ruleset, an IPv6 one by the
 * ip6tables ruleset. */
static void record(struct run *r, const struct qt_pcap *pc, uint8_t *buf,
		   uint32_t bufcap, const struct qt_pcap_rec *rec)
{
	uint32_t off, type;
	const uint8_t *hw = NULL;
	uint8_t hwlen = 0;
	uint64_t no = pc->recno;
	switch (pc->linktype) {
	case QT_PCAP_LINK_ETHERNET:
		if (rec->caplen < 14) {
			skip(r, no, "short Ethernet frame (%u bytes)",
			     rec->caplen);
			return;
		}
		hw = buf + 6;
		hwlen = 6;
		off = 12;
		type = (uint32_t)(buf[off] << 8 | buf[off + 1]);
		/* up to two VLAN tags (802.1Q, 802.1ad) */
		for (int k = 0; k < 2 && (type == 0x8100 || type == 0x88a8); k++) {
			off += 4;
			if (rec->caplen < off + 2) {
				skip(r, no, "short VLAN header (%u bytes)",
				     rec->caplen);
				return;
			}
			type = (uint32_t)(buf[off] << 8 | buf[off + 1]);
		}
		off += 2;
		break;
	case QT_PCAP_LINK_SLL:
		if (rec->caplen < 16) {
			skip(r, no, "short Linux cooked header (%u bytes)",
			     rec->caplen);
			return;
		}
		type = (uint32_t)(buf[4] << 8 | buf[5]);   /* address length */
		hwlen = (uint8_t)(type > 8 ? 8 : type);
		hw = buf + 6;
		type = (uint32_t)(buf[14] << 8 | buf[15]);
		off = 16;
		break;
	case QT_PCAP_LINK_SLL2:
		/* protocol, reserved, interface index, ARPHRD type, packet
		 * type, address length, 8 bytes of address */
		if (rec->caplen < 20) {
			skip(r, no, "short Linux cooked v2 header (%u bytes)",
			     rec->caplen);
			return;
		}
		type = (uint32_t)(buf[0] << 8 | buf[1]);
		hwlen = (uint8_t)(buf[11] > 8 ? 8 : buf[11]);
		hw = buf + 12;
		off = 20;
		break;
	case QT_PCAP_LINK_RAW:
	case QT_PCAP_LINK_IPV4:
	case QT_PCAP_LINK_IPV6:
	default:
		/* a packet too short to say its version goes to the parser
		 * of the family judged, which reports it as malformed */
		if (rec->caplen && ((buf[0] >> 4 == 4 && r->prog) ||
				    (buf[0] >> 4 == 6 && r->prog6))) {
			type = buf[0] >> 4 == 6 ? 0x86dd : 0x0800;
		} else if (rec->caplen) {
			skip(r, no, "not %s (IP version %u)", judged(r),
			     buf[0] >> 4);
			return;
		} else {
			type = r->prog ? 0x0800 : 0x86dd;
		}
		off = 0;
		break;
	}
	const struct qt_prog *prog = type == 0x0800 ? r->prog :
				     type == 0x86dd ? r->prog6 : NULL;
	if (!prog) {
		skip(r, no, "not %s (ethertype 0x%04x)", judged(r), type);
		return;
	}
	uint32_t len = rec->caplen - off;
	uint32_t wire = rec->origlen > off ? rec->origlen - off : len;
	judge(r, prog, no, buf + off, len, bufcap - off, wire, rec->ts_ns, hw,
	      hwlen);
}

static int replay_pcap(struct run *r, const char *path)
{
	struct qt_buf err;
	qt_buf_init(&err);
	struct qt_pcap pc;
	uint8_t *buf = NULL;
	int rc = 1;
	if (qt_pcap_open(&pc, path, &err) < 0)
		goto out;
	switch (pc.linktype) {
	case QT_PCAP_LINK_ETHERNET: case QT_PCAP_LINK_RAW:
	case QT_PCAP_LINK_SLL: case QT_PCAP_LINK_IPV4:
	case QT_PCAP_LINK_IPV6: case QT_PCAP_LINK_SLL2:
		break;
	default:
		qt_buf_printf(&err, "%s: link type %u is not read (1 Ethernet, "
			      "101 raw IP, 113 Linux cooked, 228 raw IPv4, "
			      "229 raw IPv6, 276 Linux cooked v2)\n", path,
			      pc.linktype);
		goto out;
	}
	uint32_t cap = QT_PCAP_MAX_REC + GROW_ROOM;
	buf = malloc(cap);
	if (!buf) {
		qt_buf_printf(&err, "%s: out of memory\n", path);
		goto out;
	}
	struct qt_pcap_rec rec;
	int n;
	while ((n = qt_pcap_next(&pc, &rec, buf, QT_PCAP_MAX_REC, &err)) > 0)
		record(r, &pc, buf, cap, &rec);
	rc = n < 0;
out:
	fflush(stdout);
	if (err.len)
		fprintf(stderr, PROG ": %s", qt_buf_str(&err));
	qt_pcap_close(&pc);
	free(buf);
	qt_buf_free(&err);
	return rc;
}

static int replay_gen(struct run *r)
{
	struct qt_buf err;
	qt_buf_init(&err);
	struct qt_gen g;
	if (qt_gen_setup(&g, r->o->gen_spec, r->o->seed, &err) < 0) {
		fprintf(stderr, PROG ": %s", qt_buf_str(&err));
		qt_buf_free(&err);
		return 2;
	}
	qt_buf_free(&err);
	uint8_t buf[1600 + GROW_ROOM];
	for (uint64_t i = 0; i < r->o->gen_n; i++) {
		uint64_t ts;
		uint32_t len = qt_gen_packet(&g, i, buf, &ts);
		judge(r, r->prog, i + 1, buf, len, sizeof(buf), len, ts, NULL,
		      0);
	}
	return 0;
}

/* One family's ruleset, its counters and its program. */
struct family_rules {
	struct qt_rt_store *store;
	struct qt_ruleset *rs;
	struct qt_prog *prog;
};

static void family_free(struct family_rules *f)
{
	qt_prog_free(f->prog);
	qt_ruleset_free(f->rs);
	qt_rt_store_free(f->store);
}

/* Load the ruleset in path (nothing when path is NULL) and compile it:
 * 0, or 1 with the message printed. */
static int family_load(struct family_rules *f, const struct opts *o,
		       const char *path, uint8_t family,
		       const struct qt_engine_env *env)
{
	if (!path)
		return 0;
	f->store = qt_rt_store_new();
	if (!f->store) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	f->rs = load_rules(o, path, family, f->store);
	if (!f->rs)
		return 1;
	struct qt_buf err;
	qt_buf_init(&err);
	f->prog = qt_prog_compile(f->rs, env, f->store, &err);
	if (!f->prog)
		fprintf(stderr, PROG ": %s: cannot be compiled: %s", path,
			qt_buf_str(&err));
	qt_buf_free(&err);
	return f->prog ? 0 : 1;
}

/* The ruleset with the counters its program counted, in -save -c form. */
static void family_save(const struct family_rules *f, const char *prog)
{
	if (!f->rs)
		return;
	struct qt_buf out, serr;
	qt_buf_init(&out);
	qt_buf_init(&serr);
	struct qt_ctx ctx;
	qt_ctx_init(&ctx, prog, &out, &serr);
	struct qt_counter_view cnt = { .io = qt_rt_store_io(f->store) };
	qt_save_run(f->rs, NULL, &cnt, true, false, &ctx);
	fputs(qt_buf_str(&out), stdout);
	fputs(qt_buf_str(&serr), stderr);
	qt_buf_free(&out);
	qt_buf_free(&serr);
}

int main(int argc, char **argv)
{
	struct opts o = { .hook = QT_HOOK_LOCAL_IN, .hz = 250, .seed = 1 };
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.gen_spec && !o.gen) {
		fprintf(stderr, PROG ": --gen-spec needs --gen N\n");
		return 2;
	}

	struct qt_rtnl_watch *addrs_feed = NULL, *links_feed = NULL;
	struct qt_addrs *addrs = NULL;
	struct qt_links *links = NULL;
	struct run r = { .o = &o };
	struct family_rules f4 = { 0 }, f6 = { 0 };
	if (o.live) {
		addrs_feed = qt_rtnl_feed_open(&qt_addrs_feed);
		links_feed = addrs_feed ? qt_rtnl_feed_open(&qt_links_feed)
					: NULL;
		if (!links_feed) {
			fprintf(stderr, PROG ": --live-addrs: cannot read the "
				"namespace's addresses: %s\n", strerror(errno));
			qt_rtnl_watch_close(addrs_feed);
			return 1;
		}
		addrs = qt_rtnl_feed_table(addrs_feed);
		links = qt_rtnl_feed_table(links_feed);
		if (o.in && !(r.indev = qt_links_index(links, o.in)))
			fprintf(stderr, PROG ": note: no interface %s here\n",
				o.in);
		if (o.out && !(r.outdev = qt_links_index(links, o.out)))
			fprintf(stderr, PROG ": note: no interface %s here\n",
				o.out);
	}
	if (o.in && !r.indev)
		r.indev = PSEUDO_IN;
	if (o.out && !r.outdev)
		r.outdev = o.in && !strcmp(o.in, o.out) ? r.indev : PSEUDO_OUT;

	struct qt_engine_env env = {
		.addrs = addrs, .links = links,
		.log = on_log, .send = on_send, .hz = o.hz,
	};
	rc = family_load(&f4, &o, o.rules, AF_INET, &env);
	if (!rc)
		rc = family_load(&f6, &o, o.rules6, AF_INET6, &env);
	if (rc)
		goto out;
	r.prog = f4.prog;
	r.prog6 = f6.prog;
	if ((f4.prog && qt_prog_uses_ct(f4.prog)) ||
	    (f6.prog && qt_prog_uses_ct(f6.prog))) {
		struct qt_ct_config cc;
		qt_ct_config_default(&cc);
		r.ctg = qt_ctg_new(&cc, 65536);
		if (!r.ctg) {
			fprintf(stderr, PROG ": out of memory\n");
			rc = 1;
			goto out;
		}
	}
	r.env = &env;
	/* NAT's random ports repeat from run to run */
	qt_nat_seed(o.seed);
	rc = o.gen ? replay_gen(&r) : replay_pcap(&r, o.pcap);

	if (o.save_counters && rc != 2) {
		family_save(&f4, "iptables-save");
		family_save(&f6, "ip6tables-save");
	}
out:
	fflush(stdout);
	qt_ctg_free(r.ctg);
	family_free(&f4);
	family_free(&f6);
	qt_rtnl_watch_close(links_feed);
	qt_rtnl_watch_close(addrs_feed);
	return rc;
}
