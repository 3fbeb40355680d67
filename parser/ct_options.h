/* qtables-conntrack's command line as conntrack(8) (conntrack-tools
 * 1.4.7) defines it: its commands and options as data. The daemon reads
 * the arguments with it (daemon/ct_view.c); the shell completion lists
 * it (cmd/completion_words.c). */
#ifndef QT_CT_OPTIONS_H
#define QT_CT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum qt_ct_cmd {
	QT_CTC_NONE, QT_CTC_LIST, QT_CTC_DELETE, QT_CTC_FLUSH, QT_CTC_COUNT, QT_CTC_STATS,
	QT_CTC_HELP, QT_CTC_VERSION, QT_CTC_UNSUPPORTED,
};

enum qt_ct_opt_id {
	QT_CTO_CMD, QT_CTO_ADDR, QT_CTO_PROTO, QT_CTO_FAMILY, QT_CTO_MARK, QT_CTO_STATUS,
	QT_CTO_PORT, QT_CTO_STATE, QT_CTO_ICMP_TYPE, QT_CTO_ICMP_CODE, QT_CTO_ICMP_ID,
	QT_CTO_NAT, QT_CTO_ZONE,
};
/* QT_CTO_NAT's slots */
enum { QT_CT_NAT_SRC, QT_CT_NAT_DST, QT_CT_NAT_ANY };

/* Which protocol an option needs given first with -p (as conntrack's
 * protocol modules add their options once -p names them). */
/* QT_CTN_STATE: a protocol whose entries have states (tcp, sctp). */
enum qt_ct_need { QT_CTN_ANY, QT_CTN_PORTS, QT_CTN_STATE, QT_CTN_ICMP };

struct qt_ct_opt {
	const char *lng;      /* long name, without "--" */
	char sht;             /* short letter or 0 */
	bool arg;
	enum qt_ct_opt_id id;
	int idx;              /* command, address or port slot */
	enum qt_ct_need need;
	const char *canon;    /* the name conntrack's messages use */
	bool opt_arg;         /* the argument may be left out (with arg
	                         false): --src-nat[=IP], or IP as the next
	                         word when that is no option */
};

extern const struct qt_ct_opt qt_ct_opts[];
extern const size_t qt_ct_nopts;

#endif
