/* -m cluster: the packets of connections whose hash falls on one of this
 * node's numbers (xt_cluster, both families). The hash is the kernel's:
 * the connection's original source address, jhash_1word with
 * --cluster-hash-seed, scaled to --cluster-total-nodes (IPv6 too: the
 * kernel's jhash2 is asked for NF_CT_TUPLE_L3SIZE / 4 words, and that
 * size counts words already, so it hashes the address's first word); node k (from 0) is bit k of the mask. A packet
 * without a connection never matches, '!' or not.
 *
 * Facts of iptables-nft 1.8.9: --cluster-local-node N is stored as the
 * mask 1 << (N - 1), so rules list and save --cluster-local-nodemask;
 * the mask option takes only 1..32 (as the node option does); every
 * table and chain takes it, and it turns connection tracking on.
 *
 * The kernel's match also turns a frame sent to a multicast link address
 * but a unicast IP address into one for this host (skb->pkt_type); the
 * queue hands back no packet type, so that side of it is not done. */
#include <arpa/inet.h>

#include "ct_entry.h"
#include "eval.h"
#include "ext.h"
#include "nat.h"

enum { O_TOTAL_NODES, O_LOCAL_NODE, O_LOCAL_NODEMASK, O_HASH_SEED };
#define CLUSTER_INV 0x1
#define NODES_MAX 32

/* The kernel's xt_cluster_match_info. */
struct cluster_data {
	uint32_t total_nodes;
	uint32_t node_mask;
	uint32_t hash_seed;
	uint32_t flags;            /* CLUSTER_INV */
};

#define CD struct cluster_data
static const struct qt_ext_opt cluster_opts[] = {
	{ .name = "cluster-total-nodes", .id = O_TOTAL_NODES,
	  .type = QT_OT_UINT, .min = 1, .max = NODES_MAX,
	  .flags = QT_OPT_MAND, QT_PUT(CD, total_nodes) },
	{ .name = "cluster-local-node", .id = O_LOCAL_NODE,
	  .type = QT_OT_UINT, .min = 1, .max = NODES_MAX,
	  .flags = QT_OPT_INVERT, .excl = QT_BIT(O_LOCAL_NODEMASK),
	  QT_INV(CD, flags, CLUSTER_INV) },
	{ .name = "cluster-local-nodemask", .id = O_LOCAL_NODEMASK,
	  .type = QT_OT_UINT, .min = 1, .max = NODES_MAX,
	  .flags = QT_OPT_INVERT, .excl = QT_BIT(O_LOCAL_NODE),
	  QT_PUT(CD, node_mask), QT_INV(CD, flags, CLUSTER_INV) },
	{ .name = "cluster-hash-seed", .id = O_HASH_SEED, .type = QT_OT_UINT,
	  .flags = QT_OPT_MAND, QT_PUT(CD, hash_seed) },
	{ .name = NULL },
};
#undef CD

static int cluster_parse(struct qt_ext_inst *in, const struct qt_opt_arg *a,
			 struct qt_ctx *ctx)
{
	struct cluster_data *d = in->data;
	(void)ctx;
	if (a->opt->id == O_LOCAL_NODE)
		d->node_mask = 1u << (a->val.u - 1);
	return 0;
}

static int cluster_check(struct qt_ext_inst *in,
			 const struct qt_rule_env *env, struct qt_ctx *ctx)
{
	const struct cluster_data *d = in->data;
	const uint32_t by_node = QT_BIT(O_TOTAL_NODES) | QT_BIT(O_LOCAL_NODE) |
				 QT_BIT(O_HASH_SEED);
	const uint32_t by_mask = QT_BIT(O_TOTAL_NODES) |
				 QT_BIT(O_LOCAL_NODEMASK) | QT_BIT(O_HASH_SEED);
	bool big = d->node_mask >= (1ull << d->total_nodes);
	(void)env;
	if ((in->seen & by_node) == by_node) {
		if (big)
			return qt_param_error(ctx,
				"cluster match: `--cluster-local-node' must be <= `--cluster-total-nodes'");
		return 0;
	}
	if ((in->seen & by_mask) == by_mask) {
		if (big)
			return qt_param_error(ctx,
				"cluster match: `--cluster-local-nodemask' too big for `--cluster-total-nodes'");
		return 0;
	}
	if (!(in->seen & (QT_BIT(O_LOCAL_NODE) | QT_BIT(O_LOCAL_NODEMASK))))
		return qt_param_error(ctx,
			"cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing");
	return 0;
}

static void cluster_save(const struct qt_ext_inst *in, struct qt_buf *b)
{
	const struct cluster_data *d = in->data;
	qt_buf_printf(b, "%s --cluster-local-nodemask 0x%08x",
		      d->flags & CLUSTER_INV ? " !" : "", d->node_mask);
	qt_buf_printf(b, " --cluster-total-nodes %u --cluster-hash-seed 0x%08x",
		      d->total_nodes, d->hash_seed);
}

static void cluster_print(const struct qt_ext_inst *in, struct qt_buf *b,
			  bool numeric)
{
	const struct cluster_data *d = in->data;
	(void)numeric;
	qt_buf_printf(b, " cluster %snode_mask=0x%08x",
		      d->flags & CLUSTER_INV ? "!" : "", d->node_mask);
	qt_buf_printf(b, " total_nodes=%u hash_seed=0x%08x",
		      d->total_nodes, d->hash_seed);
}

/* ---- engine: xt_cluster_mt ---- */

/* The node (0 .. total - 1) of a connection whose original source is
 * a: the kernel's xt_cluster_hash. */
static uint32_t cluster_node(const union qt_ct_addr *a,
			     const struct cluster_data *d)
{
	/* the word as the kernel loads it from the address's bytes: an
	 * IPv4 address, or an IPv6 address's first four bytes */
	uint32_t h = qt_nat_jhash2(a->all, 1, d->hash_seed);
	return (uint32_t)(((uint64_t)h * d->total_nodes) >> 32);
}

static bool cluster_match_fn(const struct qt_ext_inst *in, struct qt_eval *ev)
{
	const struct cluster_data *d = in->data;
	const struct qt_ct_entry *e = qt_ctv_entry(ev);
	uint32_t node;
	if (e) {
		node = cluster_node(&e->t[QT_CT_ORIG].src, d);
	} else if (!ev->ct_valid && !ev->untracked && ev->ct_tmpl) {
		/* a template before tracking (CT in raw): an entry of no
		 * family, which the kernel hashes as 0 */
		node = 0;
	} else {
		return false;
	}
	return !!((1ull << node) & d->node_mask) != !!(d->flags & CLUSTER_INV);
}

static const struct qt_ext cluster_match = {
	.name = "cluster",
	.kind = QT_EXT_MATCH,
	.data_size = sizeof(struct cluster_data),
	.opts = cluster_opts,
	.parse = cluster_parse,
	.check = cluster_check,
	.save = cluster_save,
	.print = cluster_print,
	.match = cluster_match_fn,
	.conntrack = true,
	.help =
		"  --cluster-total-nodes <num>\t\tSet number of total nodes in cluster\n"
		"  [!] --cluster-local-node <num>\tSet the local node number\n"
		"  [!] --cluster-local-nodemask <num>\tSet the local node mask\n"
		"  --cluster-hash-seed <num>\t\tSet seed value of the Jenkins hash\n",
};
QT_EXT_REGISTER(cluster_match)
