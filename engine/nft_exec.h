/* The nftables ruleset (parser/nft_model.h) compiled for judging
 * packets: one family's base chains, each a walk at its hook with its
 * priority, which engine/program.c runs among iptables' tables in
 * ascending priority.
 *
 * Design:
 *  - A family's program takes the ip (IPv4) or ip6 (IPv6) tables and
 *    the inet tables (both). Every chain of such a table is compiled;
 *    a base chain of type filter or route becomes a walk at its hook
 *    and priority. One of type nat is a walk too, but no step of its
 *    own: engine/program.c's nat step walks the nat chains of a hook
 *    with iptables' nat table, in priority order, for a connection's
 *    first packet until one binds it (engine/nft_nat.h has the kernel's
 *    semantics); its snat, dnat, masquerade and redirect statements run
 *    as the NAT targets of extensions/NAT.c.
 *  - A rule is its statements in order: matches read a field (header,
 *    meta, ct) and compare it with a value, range or prefix; counter,
 *    log, limit, reject, mark and ct mark set, notrack act; the
 *    verdicts and the nat statements end the rule. log, reject and
 *    limit are the LOG and REJECT targets and the limit match of
 *    extensions/, built from the statement's words, so their lines,
 *    replies and buckets are those of the iptables rules.
 *  - What is more than a field and a value is engine/nft_expr.h's:
 *    lookups in anonymous and named sets, verdict maps (an element's
 *    verdict is the rule's; jump and goto targets are reached chains),
 *    concatenations, bitwise masks, numgen, jhash, fib (IPv4), and
 *    mark set from a field with a bitwise operation or a map. Sets and maps
 *    are looked up through engine/nft_lookup.h (a hash for exact keys,
 *    sorted ranges), built from the elements at each compile: a change
 *    of a named set's elements is a commit, and so a compile. numgen
 *    inc's counter and a seedless jhash's seed live in the rule's
 *    runtime, so they carry over commits as the kernel's rule keeps
 *    them.
 *  - Fail closed: a statement, field, hook or family the engine cannot
 *    run in a chain reachable from a base chain (through jumps, gotos
 *    and verdict maps) fails the compile with a message (sets with
 *    timeouts, fib in the IPv6 program, nat maps, byte limits ...);
 *    a table without base chains judges nothing and is taken
 *    whatever it holds.
 *  - Per chain, the classifier (engine/classify.h) over the matches a
 *    rule starts with (IPv4 addresses, protocol, ports, interface
 *    names) hands each packet its candidate rules, so the walk does
 *    not grow with the number of rules it cannot match.
 *  - Named sets that packets fill (add/update/delete @set) or whose
 *    elements expire are looked up and changed in runtimes of their
 *    own, kept in the store across commits (engine/nft_dynset.h); the
 *    others are compiled into sorted arrays. ct count is the connlimit
 *    match over the rule's (or the element's address's) connections.
 *  - Counters and the state of log/reject/limit live in a store kept
 *    across commits, keyed by (family, table handle, rule handle, the
 *    rule's statements): a rule that carries over keeps them, and
 *    `nft list ruleset` reads the counters back (qt_nft_store_sync).
 *    An inet rule has one runtime per family; its counters are their
 *    sum.
 *
 * Nothing here allocates on the packet path. */
#ifndef QT_NFT_EXEC_H
#define QT_NFT_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "classify.h"
#include "eval.h"
#include "nft_model.h"

struct qt_nft_store;
struct qt_nft_prog;

struct qt_nft_store *qt_nft_store_new(void);
/* Only once no program uses it. */
void qt_nft_store_free(struct qt_nft_store *s);
/* The runtimes held (tests). */
unsigned qt_nft_store_count(const struct qt_nft_store *s);
/* Write the counters packets have counted into rs's counter statements
 * (rules the store has not met keep theirs), and the elements of sets
 * packets change into those sets (engine/nft_dynset.h). */
void qt_nft_store_sync(const struct qt_nft_store *s, struct nft_ruleset *rs);

/* Compile rs's tables of family (AF_INET: ip and inet; AF_INET6: ip6
 * and inet). rs may be NULL (nothing). NULL with a message in err when
 * a rule the packets of a base chain can meet cannot run. */
struct qt_nft_prog *qt_nft_compile(const struct nft_ruleset *rs,
				   uint8_t family,
				   const struct qt_engine_env *env,
				   struct qt_nft_store *store,
				   struct qt_buf *err);
/* Releases its runtimes (control thread, after the grace period). */
void qt_nft_prog_free(struct qt_nft_prog *p);

/* Its base chains, in no particular order. */
unsigned qt_nft_nbase(const struct qt_nft_prog *p);
/* Does p hold runtimes of sets (engine/nft_dynset.h)? */
bool qt_nft_holds_sets(const struct qt_nft_prog *p);
/* Base chain i: its hook (enum qt_hook), priority and a rank among
 * chains of equal priority (greater: registered later). */
void qt_nft_base_info(const struct qt_nft_prog *p, unsigned i,
		      unsigned *hook, int *prio, uint64_t *rank);
/* Base chain i is of type nat: not a step of its own, walked by the
 * nat step of its hook (engine/nft_nat.h). */
bool qt_nft_base_nat(const struct qt_nft_prog *p, unsigned i);
/* A ct expression or statement is in one of its tables (reached or
 * not: the kernel tracks connections, and so defragments, then). */
bool qt_nft_uses_ct(const struct qt_nft_prog *p);
/* Whether a rule reads a connection's counts (accounting on). */
bool qt_nft_uses_acct(const struct qt_nft_prog *p);
/* Whether a rule sets a connection's labels. */
bool qt_nft_uses_labels(const struct qt_nft_prog *p);
bool qt_nft_wants_l2type(const struct qt_nft_prog *p);
/* The parameters of its log group statements (engine/nflog_tag.h). */
struct qt_nflog_used;
const struct qt_nflog_used *qt_nft_nflog(const struct qt_nft_prog *p);
/* A statement that sets or matches the mark bits log group takes
 * ("meta mark set", "meta mark"), NULL when none. */
const char *qt_nft_mark_user(const struct qt_nft_prog *p);
/* Whether a rule reads the socket owner (meta skuid, skgid). */
bool qt_nft_wants_owner(const struct qt_nft_prog *p);
/* A classifier indexes interface names: the key must hold them. */
bool qt_nft_iface_keys(const struct qt_nft_prog *p);
/* A classifier indexes the words 1-3 of IPv6 source (destination)
 * addresses: the key must hold them. */
bool qt_nft_src6_keys(const struct qt_nft_prog *p);
bool qt_nft_dst6_keys(const struct qt_nft_prog *p);
/* What the classifier of base chain i holds (qt_cls_describe), for
 * tests and the benchmark. */
void qt_nft_describe_base(const struct qt_nft_prog *p, unsigned i, char *buf,
			  unsigned len);

/* Walk base chain i for ev: QT_XT_ACCEPT (the next base chain or table
 * sees the packet) or QT_XT_DROP. key and ports: the classifier's key
 * of the packet (engine/program.c's make_key). */
int qt_nft_eval_base(const struct qt_nft_prog *p, unsigned i,
		     struct qt_eval *ev, const uint32_t *key, unsigned ports);

#endif
