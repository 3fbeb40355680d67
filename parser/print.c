/* Save, -S and -L printers with the exact spacing of iptables-nft 1.8.9.
 * Column widths are iptables' (print_header/print_rule_details): keep
 * them as they are, tools parse these columns. */
#include "print.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "proto_names.h"
#include "quote.h"

const char *qt_proto_name(uint16_t proto, bool numeric)
{
	if (proto && !numeric && proto < 256) {
		/* /etc/protocols is read on every call: remember the answers */
		static char names[256][32];
		static unsigned char state[256];   /* 0 unknown, 1 name, 2 none */
		if (!state[proto]) {
			struct protoent *pe = getprotobynumber(proto);
			state[proto] = pe && strlen(pe->p_name) < 32 ? 1 : 2;
			if (state[proto] == 1)
				strcpy(names[proto], pe->p_name);
		}
		if (state[proto] == 1)
			return names[proto];
	}
	/* the names iptables knows without /etc/protocols */
	return qt_proto_known_name(proto);
}

static void save_addr(struct qt_buf *b, char letter, uint8_t family,
		      const union qt_addr *a, const union qt_addr *m, bool inv)
{
	if (qt_mask_is_zero(family, m) && !inv)
		return;
	qt_buf_printf(b, "%s -%c ", inv ? " !" : "", letter);
	qt_addr_save_fam(b, family, a, m);
}

static void save_target(struct qt_buf *b, const struct qt_rule *r)
{
	switch (r->verdict) {
	case QT_V_NONE:
		break;
	case QT_V_ACCEPT:
	case QT_V_DROP:
	case QT_V_RETURN:
		qt_buf_printf(b, " -j %s", qt_verdict_name(r->verdict));
		break;
	case QT_V_JUMP:
	case QT_V_GOTO:
		qt_buf_puts(b, r->verdict == QT_V_JUMP ? " -j " : " -g ");
		qt_put_name(b, r->jump);
		break;
	case QT_V_EXT: {
		const struct qt_ext *e = r->target.ext;
		qt_buf_printf(b, " -j %s", e->save_name ? e->save_name : e->name);
		if (e->save)
			e->save(&r->target, b);
		break;
	}
	}
}

void qt_rule_save(struct qt_buf *b, const struct qt_rule *r,
		  const struct qt_counters *counters)
{
	save_addr(b, 's', r->family, &r->src, &r->smsk,
		  r->invflags & QT_INV_SRCIP);
	save_addr(b, 'd', r->family, &r->dst, &r->dmsk,
		  r->invflags & QT_INV_DSTIP);
	if (r->iniface[0]) {
		qt_buf_puts(b, r->invflags & QT_INV_VIA_IN ? " ! -i " : " -i ");
		qt_put_name(b, r->iniface);
	}
	if (r->outiface[0]) {
		qt_buf_puts(b, r->invflags & QT_INV_VIA_OUT ? " ! -o " : " -o ");
		qt_put_name(b, r->outiface);
	}
	if (r->proto) {
		const char *pn = qt_proto_name(r->proto, false);
		if (r->invflags & QT_INV_PROTO)
			qt_buf_puts(b, " !");
		if (pn)
			qt_buf_printf(b, " -p %s", pn);
		else
			qt_buf_printf(b, " -p %u", r->proto);
	}
	if (r->frag)
		qt_buf_printf(b, "%s -f", r->invflags & QT_INV_FRAG ? " !" : "");
	for (unsigned i = 0; i < r->nmatches; i++) {
		const struct qt_ext *e = r->matches[i].ext;
		qt_buf_printf(b, " -m %s", e->save_name ? e->save_name : e->name);
		if (e->save)
			e->save(&r->matches[i], b);
	}
	if (counters)
		qt_buf_printf(b, " -c %llu %llu",
			      (unsigned long long)counters->pkts,
			      (unsigned long long)counters->bytes);
	save_target(b, r);
}

void qt_rule_save_state(struct qt_buf *b, const struct qt_rule *r)
{
	qt_quote_set_state_spelling(true);
	qt_rule_save(b, r, NULL);
	qt_quote_set_state_spelling(false);
}

/* A user chain has no policy: its counters are zero. */
static struct qt_counters policy_of(const struct qt_counter_view *v,
				    const struct qt_table *t,
				    const struct qt_chain *c)
{
	if (!c->builtin)
		return (struct qt_counters){ 0, 0 };
	return qt_cnt_policy(v, t->id, c->hook);
}

void qt_table_save_head(struct qt_buf *b, const struct qt_table *t,
			const struct qt_counter_view *v)
{
	qt_buf_printf(b, "*%s\n", qt_table_def(t->id)->name);
	for (unsigned i = 0; i < t->nchains; i++) {
		const struct qt_chain *c = t->chains[i];
		struct qt_counters pc = policy_of(v, t, c);
		qt_buf_printf(b, ":%s %s [%llu:%llu]\n", c->name,
			      c->builtin ? qt_verdict_name(c->policy) : "-",
			      (unsigned long long)pc.pkts,
			      (unsigned long long)pc.bytes);
	}
}

void qt_table_save(struct qt_buf *b, const struct qt_table *t,
		   const struct qt_counter_view *v, bool counters)
{
	qt_table_save_head(b, t, v);
	for (unsigned i = 0; i < t->nchains; i++) {
		const struct qt_chain *c = t->chains[i];
		for (unsigned j = 0; j < c->nrules; j++) {
			const struct qt_rule *r = c->rules[j];
			if (counters) {
				struct qt_counters rc = qt_cnt_rule(v, r);
				qt_buf_printf(b, "[%llu:%llu] ",
					      (unsigned long long)rc.pkts,
					      (unsigned long long)rc.bytes);
			}
			qt_buf_printf(b, "-A %s", c->name);
			qt_rule_save(b, r, NULL);
			qt_buf_putc(b, '\n');
		}
	}
	qt_buf_puts(b, "COMMIT\n");
}

static void chain_decl(struct qt_buf *b, const struct qt_table *t,
		       const struct qt_chain *c, const struct qt_counter_view *v,
		       bool counters)
{
	if (c->builtin) {
		qt_buf_printf(b, "-P %s %s", c->name, qt_verdict_name(c->policy));
		if (counters) {
			struct qt_counters pc = policy_of(v, t, c);
			qt_buf_printf(b, " -c %llu %llu",
				      (unsigned long long)pc.pkts,
				      (unsigned long long)pc.bytes);
		}
		qt_buf_putc(b, '\n');
	} else {
		qt_buf_printf(b, "-N %s\n", c->name);
	}
}

static void rule_line(struct qt_buf *b, const struct qt_chain *c,
		      const struct qt_rule *r, const struct qt_counter_view *v,
		      bool counters)
{
	struct qt_counters rc = counters ? qt_cnt_rule(v, r)
					 : (struct qt_counters){ 0, 0 };
	qt_buf_printf(b, "-A %s", c->name);
	qt_rule_save(b, r, counters ? &rc : NULL);
	qt_buf_putc(b, '\n');
}

void qt_list_rules(struct qt_buf *b, const struct qt_table *t,
		   const struct qt_chain *chain, unsigned rulenum,
		   const struct qt_counter_view *v, bool counters)
{
	if (chain && rulenum) {
		if (rulenum <= chain->nrules)
			rule_line(b, chain, chain->rules[rulenum - 1], v, counters);
		return;
	}
	for (unsigned i = 0; i < t->nchains; i++)
		if (!chain || t->chains[i] == chain)
			chain_decl(b, t, t->chains[i], v, counters);
	for (unsigned i = 0; i < t->nchains; i++) {
		const struct qt_chain *c = t->chains[i];
		if (chain && c != chain)
			continue;
		for (unsigned j = 0; j < c->nrules; j++)
			rule_line(b, c, c->rules[j], v, counters);
	}
}

/* ---- -L ---- */

#define FMT(tab, notab) ((format & QT_FMT_NOTABLE) ? (notab) : (tab))

void qt_print_num(struct qt_buf *b, uint64_t n, unsigned format)
{
	static const char suffix[] = "KMGT";
	if (!(format & QT_FMT_KILOMEGAGIGA)) {
		qt_buf_printf(b, FMT("%8llu ", "%llu "), (unsigned long long)n);
		return;
	}
	if (n <= 99999) {
		qt_buf_printf(b, FMT("%5llu ", "%llu "), (unsigned long long)n);
		return;
	}
	for (int i = 0; i < 4; i++) {
		n = (n + 500) / 1000;
		if (n <= 9999 || i == 3) {
			qt_buf_printf(b, FMT("%4llu%c ", "%llu%c "),
				      (unsigned long long)n, suffix[i]);
			return;
		}
	}
}

static void list_header(struct qt_buf *b, const struct qt_table *t,
			const struct qt_chain *c, const struct qt_counter_view *v,
			unsigned format)
{
	qt_buf_printf(b, "Chain %s", c->name);
	if (c->builtin) {
		qt_buf_printf(b, " (policy %s", qt_verdict_name(c->policy));
		if (!(format & QT_FMT_NOCOUNTS)) {
			struct qt_counters pc = policy_of(v, t, c);
			qt_buf_putc(b, ' ');
			qt_print_num(b, pc.pkts, format | QT_FMT_NOTABLE);
			qt_buf_puts(b, "packets, ");
			qt_print_num(b, pc.bytes, format | QT_FMT_NOTABLE);
			qt_buf_puts(b, "bytes");
		}
		qt_buf_puts(b, ")\n");
	} else {
		qt_buf_printf(b, " (%u references)\n",
			      qt_table_chain_refs(t, c->name));
	}
	if (format & QT_FMT_LINENUMBERS)
		qt_buf_printf(b, FMT("%-4s ", "%s "), "num");
	if (!(format & QT_FMT_NOCOUNTS)) {
		if (format & QT_FMT_KILOMEGAGIGA) {
			qt_buf_printf(b, FMT("%5s ", "%s "), "pkts");
			qt_buf_printf(b, FMT("%5s ", "%s "), "bytes");
		} else {
			qt_buf_printf(b, FMT("%8s ", "%s "), "pkts");
			qt_buf_printf(b, FMT("%10s ", "%s "), "bytes");
		}
	}
	if (!(format & QT_FMT_NOTARGET))
		qt_buf_printf(b, FMT("%-9s ", "%s "), "target");
	qt_buf_puts(b, " prot ");
	if (format & QT_FMT_OPTIONS)
		qt_buf_puts(b, "opt");
	if (format & QT_FMT_VIA) {
		qt_buf_printf(b, FMT(" %-6s ", "%s "), "in");
		qt_buf_printf(b, FMT("%-6s ", "%s "), "out");
	}
	qt_buf_printf(b, FMT(" %-19s ", "%s "), "source");
	qt_buf_printf(b, FMT(" %-19s ", " %s "), "destination");
	qt_buf_putc(b, '\n');
}

static const char *target_label(const struct qt_rule *r)
{
	switch (r->verdict) {
	case QT_V_JUMP:
	case QT_V_GOTO:
		return r->jump;
	case QT_V_EXT:
		return r->target.ext->list_name ? r->target.ext->list_name
						: r->target.ext->name;
	default:
		return qt_verdict_name(r->verdict);
	}
}

static void list_iface(struct qt_buf *b, const char *fmt, const char *name,
		       bool inv, unsigned format)
{
	char iface[IFNAMSIZ + 2];
	const char *any = (format & QT_FMT_NUMERIC) ? "*" : "any";
	snprintf(iface, sizeof(iface), "%s%s", inv ? "!" : "",
		 name[0] ? name : any);
	qt_buf_printf(b, fmt, iface);
}

static void list_addr(struct qt_buf *b, uint8_t family, const union qt_addr *a,
		      const union qt_addr *m, bool inv, unsigned format)
{
	struct qt_buf tmp;
	qt_buf_init(&tmp);
	qt_buf_putc(b, inv ? '!' : ' ');
	qt_addr_list_form_fam(&tmp, family, a, m, format & QT_FMT_NUMERIC);
	qt_buf_printf(b, FMT("%-19s ", "%s "), qt_buf_str(&tmp));
	qt_buf_free(&tmp);
}

static void list_rule(struct qt_buf *b, const struct qt_rule *r, unsigned num,
		      const struct qt_counter_view *v, unsigned format)
{
	if (format & QT_FMT_LINENUMBERS)
		qt_buf_printf(b, FMT("%-4u ", "%u "), num);
	if (!(format & QT_FMT_NOCOUNTS)) {
		struct qt_counters rc = qt_cnt_rule(v, r);
		qt_print_num(b, rc.pkts, format);
		qt_print_num(b, rc.bytes, format);
	}
	if (!(format & QT_FMT_NOTARGET))
		qt_buf_printf(b, FMT("%-9s ", "%s "), target_label(r));
	qt_buf_putc(b, (r->invflags & QT_INV_PROTO) ? '!' : ' ');
	const char *pn = (format & QT_FMT_NUMERIC) ? NULL
						   : qt_proto_name(r->proto, false);
	if (pn)
		qt_buf_printf(b, FMT("%-4s ", "%s "), pn);
	else
		qt_buf_printf(b, FMT("%-4hu ", "%hu "), r->proto);
	if (format & QT_FMT_OPTIONS) {
		if (format & QT_FMT_NOTABLE)
			qt_buf_puts(b, "opts ");
		qt_buf_putc(b, (r->invflags & QT_INV_FRAG) ? '!' : '-');
		qt_buf_putc(b, r->frag ? 'f' : '-');
		qt_buf_putc(b, ' ');
	}
	if (format & QT_FMT_VIA) {
		list_iface(b, FMT(" %-6s ", "in %s "), r->iniface,
			   r->invflags & QT_INV_VIA_IN, format);
		list_iface(b, FMT("%-6s ", "out %s "), r->outiface,
			   r->invflags & QT_INV_VIA_OUT, format);
	}
	list_addr(b, r->family, &r->src, &r->smsk, r->invflags & QT_INV_SRCIP,
		  format);
	list_addr(b, r->family, &r->dst, &r->dmsk, r->invflags & QT_INV_DSTIP,
		  format);
	if (format & QT_FMT_NOTABLE)
		qt_buf_puts(b, "  ");
	if (r->verdict == QT_V_GOTO)
		qt_buf_puts(b, "[goto] ");
	bool numeric = format & QT_FMT_NUMERIC;
	for (unsigned i = 0; i < r->nmatches; i++) {
		const struct qt_ext_inst *m = &r->matches[i];
		if (m->ext->print)
			m->ext->print(m, b, numeric);
		else
			qt_buf_printf(b, "%s ", m->ext->name);
	}
	if (r->verdict == QT_V_EXT && r->target.ext->print)
		r->target.ext->print(&r->target, b, numeric);
	if (!(format & QT_FMT_NONEWLINE))
		qt_buf_putc(b, '\n');
}

void qt_list_table(struct qt_buf *b, const struct qt_table *t,
		   const struct qt_chain *chain, unsigned rulenum,
		   const struct qt_counter_view *v, unsigned format)
{
	if (chain && rulenum) {
		if (rulenum <= chain->nrules)
			list_rule(b, chain->rules[rulenum - 1], rulenum, v, format);
		return;
	}
	bool first = true;
	for (unsigned i = 0; i < t->nchains; i++) {
		const struct qt_chain *c = t->chains[i];
		if (chain && c != chain)
			continue;
		if (!first)
			qt_buf_putc(b, '\n');
		first = false;
		list_header(b, t, c, v, format);
		for (unsigned j = 0; j < c->nrules; j++)
			list_rule(b, c->rules[j], j + 1, v, format);
	}
}

/* The line iptables -v prints for each rule a command adds, deletes,
 * replaces or finds: numeric, one line, "->" before the destination. */
void qt_rule_print_cmd(struct qt_buf *b, const struct qt_rule *r)
{
	struct qt_buf tmp;
	qt_buf_printf(b, "%s ", target_label(r));
	const char *pn = qt_proto_known_name(r->proto);
	qt_buf_putc(b, (r->invflags & QT_INV_PROTO) ? '!' : ' ');
	if (pn)
		qt_buf_printf(b, "%s ", pn);
	else
		qt_buf_printf(b, "%u ", r->proto);
	qt_buf_printf(b, "opt %c%c ", (r->invflags & QT_INV_FRAG) ? '!' : '-',
		      r->frag ? 'f' : '-');
	qt_buf_printf(b, "in %s%s ", (r->invflags & QT_INV_VIA_IN) ? "!" : "",
		      r->iniface[0] ? r->iniface : "*");
	qt_buf_printf(b, "out %s%s ", (r->invflags & QT_INV_VIA_OUT) ? "!" : "",
		      r->outiface[0] ? r->outiface : "*");
	qt_buf_init(&tmp);
	qt_addr_list_form_fam(&tmp, r->family, &r->src, &r->smsk, true);
	qt_buf_printf(b, "%c%s ", (r->invflags & QT_INV_SRCIP) ? '!' : ' ',
		      qt_buf_str(&tmp));
	qt_buf_reset(&tmp);
	qt_addr_list_form_fam(&tmp, r->family, &r->dst, &r->dmsk, true);
	qt_buf_printf(b, "%c-> %s  ", (r->invflags & QT_INV_DSTIP) ? '!' : ' ',
		      qt_buf_str(&tmp));
	qt_buf_free(&tmp);
	if (r->verdict == QT_V_GOTO)
		qt_buf_puts(b, "[goto] ");
	for (unsigned i = 0; i < r->nmatches; i++) {
		const struct qt_ext_inst *m = &r->matches[i];
		if (m->ext->print)
			m->ext->print(m, b, true);
		else
			qt_buf_printf(b, "%s ", m->ext->name);
	}
	if (r->verdict == QT_V_EXT && r->target.ext->print)
		r->target.ext->print(&r->target, b, true);
	qt_buf_putc(b, '\n');
}
