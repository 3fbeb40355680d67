/* The kernel's table that logs what the engine tagged (see
 * log_offload.h). */
#include "log_offload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_table.h"

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

int qt_logoff_table(const char *nft, bool ip6,
		    const struct qt_nflog_slots *slots, uint8_t hookmask,
		    char *err, size_t errlen)
{
	struct qt_buf s;
	qt_buf_init(&s);
	qt_logoff_script(ip6, slots, hookmask, &s);
	int rc = qt_nft_table_run(nft, true, qt_buf_str(&s), "log offload: ",
				  err, errlen);
	qt_buf_free(&s);
	return rc;
}

bool qt_logoff_present(bool ip6)
{
	return qt_nft_table_there(QT_LOGOFF_TABLE,
				  ip6 ? QT_NFT_TABLE_IP6 : QT_NFT_TABLE_IP,
				  false);
}

int qt_logoff_remove_all(const char *nft, char *err, size_t errlen)
{
	if (!qt_nft_table_there(QT_LOGOFF_TABLE,
				QT_NFT_TABLE_IP | QT_NFT_TABLE_IP6, true))
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
	int rc = qt_nft_table_run(nft, true, qt_buf_str(&s), "log offload: ",
				  err, errlen);
	qt_buf_free(&s);
	return rc;
}
