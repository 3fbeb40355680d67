/* libFuzzer target for nft(8)'s front end: the input runs as `nft -f`
 * (or `nft -j -f` for JSON) against a small ruleset, as the daemon runs
 * a request, and whatever ruleset it leaves is compiled for both
 * families and listed every way nft lists it.
 *
 * Input: if the first byte is below 0x10 it is not text but flags (bit
 * 0 JSON input, bit 1 -c, bit 2 -a, bit 3 -e), so text seeds stay
 * readable.
 *
 * Besides crashes and leaks it checks the property the daemon's state
 * file rests on: a ruleset it accepted, written as the state file
 * writes it (the listing and the handles) and read back as a start
 * reads it, is the same ruleset, listed the same byte for byte. Build
 * and run it with tests/fuzz/run.sh SECONDS nft. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "nft_exec.h"
#include "nft_json_print.h"
#include "nft_json_run.h"
#include "nft_model.h"
#include "nft_print.h"
#include "nft_run.h"
#include "nft_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_rules[] =
	"table inet fw {\n"
	"\tset allowed { type ipv4_addr; flags interval; "
	"elements = { 10.0.0.0/8, 192.0.2.1 } }\n"
	"\tcounter hits { }\n"
	"\tchain input {\n"
	"\t\ttype filter hook input priority filter; policy drop;\n"
	"\t\tct state established,related accept\n"
	"\t\tip saddr @allowed tcp dport { 22, 80 } counter name hits accept\n"
	"\t\tjump sub\n"
	"\t}\n"
	"\tchain sub {\n"
	"\t\tmeta l4proto udp limit rate 5/second accept\n"
	"\t}\n"
	"}\n"
	"table ip nat {\n"
	"\tchain pre {\n"
	"\t\ttype nat hook prerouting priority dstnat;\n"
	"\t\ttcp dport 8080 dnat to 10.0.2.2:80\n"
	"\t}\n"
	"}\n";

static struct nft_ruleset *base;
static struct qt_nft_store *store;

static void fail(const char *what, const struct qt_buf *a,
		 const struct qt_buf *b)
{
	fprintf(stderr, "fuzz_nft: %s\n--- first:\n%s\n--- second:\n%s\n",
		what, qt_buf_str(a), qt_buf_str(b));
	abort();
}

/* The state file's nft part: the listing, then the handles. */
static void render(const struct nft_ruleset *rs, struct qt_buf *list,
		   struct qt_buf *handles)
{
	struct nft_print_opts po = { .quote_names = true };
	nft_print_ruleset(rs, -1, &po, list);
	nft_state_handles(rs, handles);
}

/* Written and read back as the daemon's state file: the same text. */
static void check_state_round_trip(const struct nft_ruleset *rs)
{
	struct qt_buf l1, h1, l2, h2, out, err;
	qt_buf_init(&l1);
	qt_buf_init(&h1);
	qt_buf_init(&l2);
	qt_buf_init(&h2);
	qt_buf_init(&out);
	qt_buf_init(&err);
	render(rs, &l1, &h1);
	struct nft_ruleset *back = nft_ruleset_new();
	struct nft_run_opts o = { .file = "state file", .own_listing = true };
	bool changed;
	if (nft_run(&back, qt_buf_str(&l1), l1.len, &o, &out, &err,
		    &changed) != 0)
		fail("the listing does not load", &l1, &err);
	for (const char *h = qt_buf_str(&h1); *h;) {
		const char *nl = strchr(h, '\n');
		if (nft_state_apply_handles(back, h) < 0)
			fail("the handles do not fit the tables", &l1, &h1);
		h = nl ? nl + 1 : h + strlen(h);
	}
	render(back, &l2, &h2);
	if (l1.len != l2.len || memcmp(qt_buf_str(&l1), qt_buf_str(&l2), l1.len))
		fail("the listing loads as another ruleset", &l1, &l2);
	if (h1.len != h2.len || memcmp(qt_buf_str(&h1), qt_buf_str(&h2), h1.len))
		fail("the handles come back otherwise", &h1, &h2);
	nft_ruleset_free(back);
	qt_buf_free(&l1);
	qt_buf_free(&h1);
	qt_buf_free(&l2);
	qt_buf_free(&h2);
	qt_buf_free(&out);
	qt_buf_free(&err);
}

/* Both families' programs, as every commit makes them. */
static void compile(const struct nft_ruleset *rs)
{
	static const uint8_t fams[] = { AF_INET, AF_INET6 };
	struct qt_buf err;
	qt_buf_init(&err);
	for (unsigned i = 0; i < sizeof(fams); i++) {
		qt_buf_reset(&err);
		struct qt_nft_prog *p = qt_nft_compile(rs, fams[i], NULL, store,
						       &err);
		qt_nft_prog_free(p);
	}
	qt_buf_free(&err);
}

/* The other printers must cope with whatever was accepted. */
static void list_every_way(const struct nft_ruleset *rs)
{
	struct qt_buf b;
	qt_buf_init(&b);
	struct nft_print_opts handles = { .handles = true };
	struct nft_print_opts stateless = { .stateless = true };
	nft_print_ruleset(rs, -1, &handles, &b);
	nft_print_ruleset(rs, -1, &stateless, &b);
	nft_json_ruleset(rs, -1, &handles, &b);
	qt_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qt_buf out, err;
	qt_buf_init(&out);
	qt_buf_init(&err);
	bool changed;
	if (!base) {
		struct nft_run_opts o = { 0 };
		base = nft_ruleset_new();
		store = qt_nft_store_new();
		if (nft_run(&base, base_rules, sizeof(base_rules) - 1, &o, &out,
			    &err, &changed) != 0) {
			fprintf(stderr, "fuzz_nft: base ruleset: %s",
				qt_buf_str(&err));
			abort();
		}
	}
	if (size > (1u << 20))
		return 0;
	const char *text = (const char *)data;
	unsigned flags = 0;
	if (size && data[0] < 0x10) {
		flags = data[0];
		text++;
		size--;
	}
	uint64_t generation = 0;
	struct nft_run_opts o = {
		.check = flags & 2,
		.handles = flags & 4,
		.echo = flags & 8,
		.json = flags & 1,
		.file = "fuzz.nft",
		.cwd = "/nonexistent",
		.generation = &generation,
	};
	struct nft_ruleset *rs = nft_ruleset_clone(base);
	int st = o.json ? nft_json_input_run(&rs, text, size, &o, &out, &err,
					     &changed)
			: nft_run(&rs, text, size, &o, &out, &err, &changed);
	if (st == 0 && changed) {
		compile(rs);
		list_every_way(rs);
		check_state_round_trip(rs);
	}
	nft_ruleset_free(rs);
	qt_buf_free(&out);
	qt_buf_free(&err);
	return 0;
}
