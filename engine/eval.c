/* Setting up a packet for the walk. */
#include "eval.h"

#include <string.h>

#include "conntrack.h"

int qt_eval_init(struct qt_eval *ev, uint8_t *data, uint32_t len,
		 uint32_t cap, uint32_t orig_len, unsigned hook,
		 const struct qt_engine_env *env)
{
	memset(ev, 0, sizeof(*ev));
	ev->data = data;
	ev->len = len;
	ev->cap = cap < len ? len : cap;
	ev->orig_len = orig_len < len ? len : orig_len;
	ev->hook = (uint8_t)hook;
	ev->in = "";
	ev->out = "";
	ev->env = env;
	/* the version nibble: a queue's packets are of one family, the
	 * replay's capture may hold both */
	if (len >= 1 && data[0] >> 4 == 6)
		return qt_pkt_parse_ipv6(&ev->pkt, data, len);
	return qt_pkt_parse_ipv4(&ev->pkt, data, len);
}

bool qt_eval_ct_acct(const struct qt_eval *ev, const struct qt_ct_entry *e,
		     struct qt_ct_acct *out)
{
	if (ev->ct_counted && e == ev->ct) {
		memcpy(out->packets, ev->ct_packets, sizeof(out->packets));
		memcpy(out->bytes, ev->ct_bytes, sizeof(out->bytes));
		return true;
	}
	return ev->ct_shard && qt_ct_acct_get(ev->ct_shard, e, out);
}
