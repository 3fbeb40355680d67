/* parser/nft_run_elem.c, nft_run_expr.c and the maps of nft_model.c:
 * kube-proxy's nftables transaction (tests/compat/k8s) applied in
 * process and listed as the real nft 1.0.6 listed it; the listing read
 * back (the state file's way) is the same ruleset; a clone outlives its
 * original (elements own their comments and chains); elements of
 * concatenated keys are found and deleted; nat statements a base chain
 * reaches are checked where the kernel checks them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_model.h"
#include "nft_print.h"
#include "nft_run.h"
#include "nft_state.h"
#include "tap.h"

static struct nft_ruleset *rs;
static struct qt_buf out, err;

static int run(const char *text)
{
	struct nft_run_opts o = { 0 };
	bool changed;
	qt_buf_reset(&out);
	qt_buf_reset(&err);
	return nft_run(&rs, text, strlen(text), &o, &out, &err, &changed);
}

static char *listing(const struct nft_ruleset *r, bool handles)
{
	struct qt_buf b;
	struct nft_print_opts o = { .handles = handles };
	qt_buf_init(&b);
	nft_print_ruleset(r, -1, &o, &b);
	char *s = strdup(qt_buf_str(&b));
	qt_buf_free(&b);
	return s;
}

static char *slurp(const char *name)
{
	const char *dir = getenv("srcdir");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/compat/k8s/%s",
		 dir ? dir : ".", name);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct qt_buf b;
	qt_buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		qt_buf_put(&b, chunk, n);
	fclose(f);
	char *s = strdup(qt_buf_str(&b));
	qt_buf_free(&b);
	return s;
}

static void kube_proxy(void)
{
	char *in = slurp("kube-proxy.nft"), *want = slurp("kube-proxy.list");
	ok(in && want, "kube-proxy's transaction and nft's listing are there");
	if (!in || !want) {
		free(in);
		free(want);
		return;
	}
	is_int(run(in), 0, "kube-proxy's transaction loads");
	is_str(qt_buf_str(&err), "", "without a message");
	char *got = listing(rs, false);
	is_str(got, want, "and lists as nft 1.0.6 lists it");

	/* the state file's way: listing and handle lines read back */
	char *with = listing(rs, true);
	struct qt_buf h;
	qt_buf_init(&h);
	nft_state_handles(rs, &h);
	struct nft_ruleset *clone = nft_ruleset_clone(rs);
	nft_ruleset_free(rs);
	rs = nft_ruleset_new();
	is_int(run(got), 0, "its listing reads back");
	int bad = 0;
	for (char *l = strtok(h.data, "\n"); l; l = strtok(NULL, "\n"))
		bad += nft_state_apply_handles(rs, l) < 0;
	is_int(bad, 0, "with its handle lines");
	char *again = listing(rs, true);
	is_str(again, with, "as the same ruleset, handles and all");
	char *cl = listing(clone, true);
	is_str(cl, with, "a clone lists the same after its original is gone");
	nft_ruleset_free(clone);

	/* elements of a verdict map found by their concatenated key */
	is_int(run("delete element ip kube-proxy service-ips "
		   "{ 172.30.0.41 . tcp . 80, 5.6.7.8 . tcp . 80 }\n"), 0,
	       "two elements of a verdict map deleted by key");
	char *after = listing(rs, false);
	ok(!strstr(after, "172.30.0.41 . tcp . 80 : goto") &&
	   !strstr(after, "5.6.7.8 . tcp . 80 : goto external") &&
	   strstr(after, "172.30.0.42 . tcp . 80 : goto"),
	   "those two are gone, the others stay");
	is_int(run("delete element ip kube-proxy service-ips "
		   "{ 172.30.0.41 . tcp . 80 }\n"), 1,
	       "one that is not there is refused");
	is_str(qt_buf_str(&err),
	       "Error: Could not process rule: No such file or directory\n"
	       "delete element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 }\n"
	       "                                           ^^^^^^^^^^^^^^^^^^^^^^\n",
	       "its key marked as nft marks it");
	free(after);
	free(again);
	free(cl);
	free(with);
	free(got);
	qt_buf_free(&h);
	free(in);
	free(want);
}

static void intervals_keep_order(void)
{
	is_int(run("add table ip i\n"
		   "add set ip i s { type ipv4_addr . inet_service; flags interval; "
		   "elements = { 1.2.3.4 . 22, 10.0.0.0/8 . 80-90, 5.5.5.5 . 1 }; }\n"
		   "add element ip i s { 2.0.0.0 . 5, 1.2.3.4 . 22 }\n"
		   "delete element ip i s { 10.0.0.0/8 . 80-90 }\n"), 0,
	       "a set of concatenated intervals takes adds and deletes");
	char *l = listing(rs, false);
	ok(strstr(l, "elements = { 1.2.3.4 . 22,\n\t\t\t     5.5.5.5 . 1,\n"
		     "\t\t\t     2.0.0.0 . 5 }") != NULL,
	   "its elements stay in the order they came, each once");
	free(l);
}

static void nat_where_allowed(void)
{
	is_int(run("table ip n {\n"
		   " chain pre { type nat hook prerouting priority dstnat; }\n"
		   " chain in { type filter hook input priority 0; }\n"
		   " chain r { masquerade; }\n"
		   " map m { type ipv4_addr : verdict; }\n"
		   " chain post { type nat hook postrouting priority srcnat; jump r; }\n"
		   "}\n"), 0, "masquerade reached from a nat postrouting chain");
	is_int(run("add rule ip n pre ip daddr vmap @m\n"), 0,
	       "a verdict map in a prerouting chain");
	is_int(run("add element ip n m { 1.1.1.1 : jump r }\n"), 1,
	       "an element that makes masquerade reachable from prerouting "
	       "is refused");
	is_int(run("add rule ip n in jump r\n"), 1,
	       "so is a jump to it from a filter chain");
	is_int(run("add rule ip n in meta l4proto tcp dnat to 1.2.3.4:80\n"), 1,
	       "and dnat in a filter chain");
	is_str(qt_buf_str(&err),
	       "Error: Could not process rule: Operation not supported\n"
	       "add rule ip n in meta l4proto tcp dnat to 1.2.3.4:80\n"
	       "^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
	       "the whole command marked");
}

int main(void)
{
	qt_buf_init(&out);
	qt_buf_init(&err);
	rs = nft_ruleset_new();
	kube_proxy();
	intervals_keep_order();
	nat_where_allowed();
	nft_ruleset_free(rs);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return done_testing();
}
