/* The kernel's table that logs what the engine tagged (see
 * log_offload.h). */
#include "log_offload.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "steering.h"

static const struct {
	const char *name, *type, *hook;
} hooks[] = {
	/* nft's keywords (fwd, in) are no chain names */
	{ "hpre", "filter", "prerouting" },
	{ "hin", "filter", "input" },
	{ "hfwd", "filter", "forward" },
	{ "hout", "route", "output" },
	{ "hpost", "filter", "postrouting" },
};

/* s as a JSON string: nft's text has no escape for a double quote in a
 * quoted string, its JSON input has. */
static void put_json_str(struct qt_buf *o, const char *s)
{
	qt_buf_putc(o, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			qt_buf_printf(o, "\\%c", *p);
		else if (*p < 0x20)
			qt_buf_printf(o, "\\u%04x", *p);
		else
			qt_buf_putc(o, (char)*p);
	}
	qt_buf_putc(o, '"');
}

/* One slot's log statement, as nft's JSON has it. */
static void put_log(struct qt_buf *o, const struct qt_nflog *p)
{
	qt_buf_puts(o, ", {\"log\": {");
	if (p->audit) {
		/* nft_log's audit level: the kernel writes the record */
		qt_buf_puts(o, "\"level\": \"audit\"}}");
		return;
	}
	if (p->prefix[0]) {
		qt_buf_puts(o, "\"prefix\": ");
		put_json_str(o, p->prefix);
		qt_buf_puts(o, ", ");
	}
	qt_buf_printf(o, "\"group\": %u", p->group);
	if (p->has_snaplen)
		qt_buf_printf(o, ", \"snaplen\": %u", p->snaplen);
	if (p->threshold)
		qt_buf_printf(o, ", \"queue-threshold\": %u", p->threshold);
	qt_buf_puts(o, "}}");
}

/* meta mark set meta mark & ~QT_NFLOG_MASK */
#define RESTORE "{\"mangle\": {\"key\": {\"meta\": {\"key\": \"mark\"}}, " \
	"\"value\": {\"&\": [{\"meta\": {\"key\": \"mark\"}}, %u]}}}"
/* meta mark & QT_NFLOG_MASK */
#define TAGBITS "{\"&\": [{\"meta\": {\"key\": \"mark\"}}, %u]}"

void qt_logoff_script(bool ip6, const struct qt_nflog_slots *slots,
		      uint8_t hookmask, struct qt_buf *out)
{
	const char *fam = ip6 ? "ip6" : "ip";
	char tbl[96];
	snprintf(tbl, sizeof(tbl), "\"family\": \"%s\", \"table\": \"%s\"",
		 fam, QT_LOGOFF_TABLE);
	/* made first, so that the delete finds it either way */
	qt_buf_printf(out, "{\"nftables\": [\n"
		      "{\"add\": {\"table\": {\"family\": \"%s\", \"name\": \"%s\"}}},\n"
		      "{\"delete\": {\"table\": {\"family\": \"%s\", \"name\": "
		      "\"%s\"}}}", fam, QT_LOGOFF_TABLE, fam, QT_LOGOFF_TABLE);
	if (!slots) {
		qt_buf_puts(out, "\n]}\n");
		return;
	}
	qt_buf_printf(out, ",\n{\"add\": {\"table\": {\"family\": \"%s\", "
		      "\"name\": \"%s\"}}}", fam, QT_LOGOFF_TABLE);
	struct qt_buf map;
	qt_buf_init(&map);
	for (unsigned a = 1; a <= QT_NFLOG_SLOTS; a++) {
		if (!slots->slot[a - 1])
			continue;
		for (unsigned b = 0; b <= QT_NFLOG_SLOTS; b++) {
			if (b && !slots->slot[b - 1])
				continue;
			for (int drop = 0; drop < 2; drop++) {
				uint32_t tag = qt_nflog_tag(a, b, drop);
				char name[32];
				snprintf(name, sizeof(name), "t%u_%u_%c", a, b,
					 drop ? 'd' : 'a');
				qt_buf_printf(out, ",\n{\"add\": {\"chain\": {%s, "
					      "\"name\": \"%s\"}}}", tbl, name);
				qt_buf_printf(out, ",\n{\"add\": {\"rule\": {%s, "
					      "\"chain\": \"%s\", \"expr\": [" RESTORE,
					      tbl, name, ~QT_NFLOG_MASK);
				put_log(out, slots->slot[a - 1]);
				if (b)
					put_log(out, slots->slot[b - 1]);
				qt_buf_printf(out, ", {\"%s\": null}]}}}",
					      drop ? "drop" : "accept");
				qt_buf_printf(&map, "%s[%u, {\"goto\": {\"target\": "
					      "\"%s\"}}]", map.len ? ", " : "",
					      tag, name);
			}
		}
	}
	qt_buf_printf(out, ",\n{\"add\": {\"map\": {\"family\": \"%s\", "
		      "\"table\": \"%s\", \"name\": \"tags\", \"type\": "
		      "\"mark\", \"map\": \"verdict\", \"elem\": [%s]}}}",
		      fam, QT_LOGOFF_TABLE, qt_buf_str(&map));
	qt_buf_free(&map);
	for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++) {
		if (!(hookmask & 1u << h))
			continue;
		qt_buf_printf(out, ",\n{\"add\": {\"chain\": {%s, \"name\": "
			      "\"%s\", \"type\": \"%s\", \"hook\": \"%s\", "
			      "\"prio\": %d, \"policy\": \"accept\"}}}", tbl,
			      hooks[h].name, hooks[h].type, hooks[h].hook,
			      QT_LOGOFF_PRIO);
		/* the tag looked up; bits naming nothing cleared */
		qt_buf_printf(out, ",\n{\"add\": {\"rule\": {%s, \"chain\": "
			      "\"%s\", \"expr\": [{\"vmap\": {\"key\": " TAGBITS
			      ", \"data\": \"@tags\"}}]}}}", tbl, hooks[h].name,
			      QT_NFLOG_MASK);
		qt_buf_printf(out, ",\n{\"add\": {\"rule\": {%s, \"chain\": "
			      "\"%s\", \"expr\": [{\"match\": {\"op\": \"!=\", "
			      "\"left\": " TAGBITS ", \"right\": 0}}, " RESTORE
			      "]}}}", tbl, hooks[h].name, QT_NFLOG_MASK,
			      ~QT_NFLOG_MASK);
	}
	qt_buf_puts(out, "\n]}\n");
}

static int run_nft(const char *nft, const char *script, char *err,
		   size_t errlen)
{
	char *msg = NULL;
	char *argv[] = { (char *)nft, (char *)"-j", (char *)"-f", (char *)"-",
			 NULL };
	int st = qt_steer_run_tool(nft, argv, script, &msg);
	if (st != 0) {
		size_t n = msg ? strcspn(msg, "\n") : 0;
		snprintf(err, errlen, "log offload: %s: %.*s", nft, (int)n,
			 msg ? msg : "");
	}
	free(msg);
	return st == 0 ? 0 : -1;
}

int qt_logoff_table(const char *nft, bool ip6,
		    const struct qt_nflog_slots *slots, uint8_t hookmask,
		    char *err, size_t errlen)
{
	struct qt_buf s;
	qt_buf_init(&s);
	qt_logoff_script(ip6, slots, hookmask, &s);
	int rc = run_nft(nft, qt_buf_str(&s), err, errlen);
	qt_buf_free(&s);
	return rc;
}

/* Is a table of ours there, in the families of fams (bit 0 IPv4, bit
 * 1 IPv6)? One netlink round trip each. When the question cannot be
 * asked, the answer is unknown: unknown_is. */
static bool tables_there(unsigned fams, bool unknown_is)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER,
						 SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		if (nl)
			mnl_socket_close(nl);
		return unknown_is;
	}
	struct timeval tv = { 1, 0 };
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	bool left = false;
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	for (unsigned fam = 0; fam < 2 && !left; fam++) {
		if (!(fams & 1u << fam))
			continue;
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETTABLE;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		nlh->nlmsg_seq = fam + 1;
		struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh,
								sizeof(*g));
		g->nfgen_family = fam ? NFPROTO_IPV6 : NFPROTO_IPV4;
		g->version = NFNETLINK_V0;
		g->res_id = 0;
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, QT_LOGOFF_TABLE);
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
			left = unknown_is;
			break;
		}
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *r = (const struct nlmsghdr *)buf;
		if (n < (ssize_t)sizeof(*r) || !mnl_nlmsg_ok(r, (int)n)) {
			left = unknown_is;
			break;
		}
		/* the table, or an error: ENOENT is "not there" */
		if (r->nlmsg_type != NLMSG_ERROR) {
			left = true;
		} else {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(r);
			left = e->error != -ENOENT ? unknown_is : false;
		}
	}
	mnl_socket_close(nl);
	return left;
}

bool qt_logoff_present(bool ip6)
{
	return tables_there(ip6 ? 2 : 1, false);
}

int qt_logoff_remove_all(const char *nft, char *err, size_t errlen)
{
	if (!tables_there(3, true))
		return 0;
	struct qt_buf s;
	qt_buf_init(&s);
	/* both families in one document, one run */
	qt_buf_puts(&s, "{\"nftables\": [");
	for (int f = 0; f < 2; f++)
		qt_buf_printf(&s, "%s{\"add\": {\"table\": {\"family\": \"%s\", "
			      "\"name\": \"%s\"}}}, {\"delete\": {\"table\": "
			      "{\"family\": \"%s\", \"name\": \"%s\"}}}",
			      f ? ", " : "", f ? "ip6" : "ip", QT_LOGOFF_TABLE,
			      f ? "ip6" : "ip", QT_LOGOFF_TABLE);
	qt_buf_puts(&s, "]}\n");
	int rc = run_nft(nft, qt_buf_str(&s), err, errlen);
	qt_buf_free(&s);
	return rc;
}
