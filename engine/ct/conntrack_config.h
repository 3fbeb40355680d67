/* Connection tracking's settings as one table of data: each timeout (per
 * protocol and state) and each switch with the name qtablesd --ct takes,
 * the kernel's sysctl it stands for and the kernel's default. The table
 * initialises struct qt_ct_config, which is all the trackers read, and
 * is what the unit tests hold the kernel's /proc/sys/net/netfilter and
 * qtablesd(8) to. Calls nothing of the table or the trackers. */
#ifndef QT_CONNTRACK_CONFIG_H
#define QT_CONNTRACK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conntrack_entry.h"

/* Timeouts in seconds. */
struct qt_ct_timeouts {
	uint32_t tcp[QT_TCP_TIMEOUT_MAX]; /* by enum qt_ct_tcp_state; index
	                                     QT_TCP_RETRANS = max_retrans,
	                                     QT_TCP_UNACK = unacknowledged */
	uint32_t udp, udp_stream;
	uint32_t icmp;
	uint32_t icmpv6;
	uint32_t sctp[QT_SCTP_MAX];       /* by enum qt_ct_sctp_state (NONE:
	                                     never an entry's state once its
	                                     first packet is tracked) */
	uint32_t generic;
};

struct qt_ct_config {
	uint32_t max;             /* entries; 0: the kernel's value, read
	                             from /proc/sys/net/netfilter/
	                             nf_conntrack_max */
	bool tcp_be_liberal;      /* no window checks */
	bool tcp_loose;           /* pick up connections mid-stream */
	uint32_t tcp_max_retrans; /* retransmissions before the
	                             max_retrans timeout applies */
	bool checksum;            /* a packet whose TCP, UDP, ICMP or SCTP
	                             checksum fails at PREROUTING is INVALID
	                             (nf_conntrack_checksum) */
	struct qt_ct_timeouts to;
	/* Large tables are backed by huge pages (fewer TLB misses), but a
	 * first touch may then wait for the kernel to compact memory (ms):
	 * a table filled by a handover, on the path of a restart, asks for
	 * them with qt_ct_hugepages() once its entries are in. Not a
	 * sysctl: not in the table below. */
	bool defer_hugepages;
};

enum qt_ct_setting_kind {
	QT_CTS_TIMEOUT,           /* seconds, a uint32_t in qt_ct_timeouts */
	QT_CTS_BOOL,              /* 0 or 1, a bool */
	QT_CTS_COUNT,             /* a uint32_t */
	QT_CTS_TABLE_SIZE,        /* a uint32_t; the default 0 stands for
	                             the kernel's own value, read at start */
};

struct qt_ct_setting {
	const char *name;         /* qtablesd --ct NAME=VALUE: the sysctl's
	                             name without "net.netfilter.nf_conntrack_" */
	const char *sysctl;       /* the kernel's sysctl; NULL: the kernel
	                             has none (the value is fixed there, and
	                             --ct does not take it either) */
	enum qt_ct_setting_kind kind;
	uint8_t proto;            /* the protocol whose tracker reads it;
	                             0: the generic tracker's, or the
	                             table's */
	const char *what;         /* what it is for, in words (qtablesd(8)
	                             lists the settings with it) */
	size_t offset;            /* of the value in struct qt_ct_config */
	uint32_t def;             /* the kernel's default */
};

/* Every setting, once; qt_ct_nsettings of them. */
extern const struct qt_ct_setting qt_ct_settings[];
extern const size_t qt_ct_nsettings;

/* The setting of a --ct name (with or without "nf_conntrack_" or
 * "net.netfilter.nf_conntrack_" before it) of len bytes; NULL: none
 * that --ct takes. */
const struct qt_ct_setting *qt_ct_setting_find(const char *name, size_t len);
/* A setting's value in c. */
uint32_t qt_ct_setting_get(const struct qt_ct_config *c,
			   const struct qt_ct_setting *s);

/* Every setting at its default (qt_ct_settings' def); defer_hugepages
 * off. */
void qt_ct_config_default(struct qt_ct_config *c);
/* "NAME=VALUE" (tcp_timeout_established=3600, max=1000, tcp_loose=0, ...
 * the sysctl names without the nf_conntrack_ prefix): 0, or -1 when
 * NAME or VALUE is not valid. For qtablesd --ct NAME=VALUE. */
int qt_ct_config_set(struct qt_ct_config *c, const char *name_value);

#endif
