/* qtablesd's own nft tables (see nft_table.h). */
#include "nft_table.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "steering.h"

/* Asked over netlink, so that a daemon's start or commit that has no
 * table to make or remove runs no nft process. */
bool qt_nft_table_there(const char *name, unsigned fams, bool unknown_is)
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
	bool there = false;
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	for (unsigned fam = 0; fam < 2 && !there; fam++) {
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
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, name);
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
			there = unknown_is;
			break;
		}
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *r = (const struct nlmsghdr *)buf;
		if (n < (ssize_t)sizeof(*r) || !mnl_nlmsg_ok(r, (int)n)) {
			there = unknown_is;
			break;
		}
		/* the table's description, or an error: ENOENT is "not
		 * there", any other leaves the question open */
		if (r->nlmsg_type != NLMSG_ERROR) {
			there = true;
		} else {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(r);
			there = e->error != -ENOENT ? unknown_is : false;
		}
	}
	mnl_socket_close(nl);
	return there;
}

int qt_nft_table_run(const char *nft, bool json, const char *script,
		     const char *what, char *err, size_t errlen)
{
	char *msg = NULL;
	char *argv[5], **a = argv;
	*a++ = (char *)nft;
	if (json)
		*a++ = (char *)"-j";
	*a++ = (char *)"-f";
	*a++ = (char *)"-";
	*a = NULL;
	int st = qt_steer_run_tool(nft, argv, script, &msg);
	if (st != 0) {
		size_t n = msg ? strcspn(msg, "\n") : 0;
		snprintf(err, errlen, "%s%s: %.*s", what, nft, (int)n,
			 msg ? msg : "");
	}
	free(msg);
	return st == 0 ? 0 : -1;
}
