/* nft's sctp chunk expression: the table of chunk types and fields
 * (parser/nft_sctp.h) and the engine's walk of a packet's chunks
 * (engine/nft_expr.c) on packets built byte by byte: the first chunk of
 * a type found after others, lengths padded to 4 bytes, a zero length
 * ending the walk, a chunk header cut off by the packet's end, a chunk
 * longer than the packet (present, but no field read), a field past
 * its chunk's length, another protocol (no chunks: missing matches)
 * and a fragment that is not the first. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_exec.h"
#include "nft_model.h"
#include "nft_run.h"
#include "nft_sctp.h"
#include "program.h"
#include "rt_store.h"
#include "tap.h"

static struct nft_ruleset *nrs;
static struct qt_rt_store *store;
static struct qt_nft_store *nstore;

/* One rule, EXPR drop, in an input chain of an ip table, compiled. */
static struct qt_prog *compile(const char *expr)
{
	char text[512];
	snprintf(text, sizeof(text), "flush ruleset\ntable ip t { chain c {"
		 " type filter hook input priority 0; %s drop\n}\n}\n", expr);
	struct nft_run_opts o = { 0 };
	struct qt_buf out, e;
	bool changed;
	qt_buf_init(&out);
	qt_buf_init(&e);
	int st = nft_run(&nrs, text, strlen(text), &o, &out, &e, &changed);
	if (st)
		printf("# nft: %s", qt_buf_str(&e));
	qt_buf_free(&out);
	qt_buf_free(&e);
	if (st)
		return NULL;
	struct qt_ruleset *rs = qt_ruleset_new(AF_INET);
	qt_buf_init(&e);
	struct qt_prog *p = qt_prog_compile(rs, NULL, store, &e);
	qt_ruleset_free(rs);
	struct qt_nft_prog *np = p ? qt_nft_compile(nrs, AF_INET, NULL,
						    nstore, &e) : NULL;
	if (!np || qt_prog_attach_nft(p, np, &e) < 0) {
		printf("# compile: %s", qt_buf_str(&e));
		qt_prog_free(p);
		p = NULL;
	}
	qt_buf_free(&e);
	return p;
}

/* An IPv4 packet of protocol proto (fragment offset frag) whose
 * transport part is the 12-byte common header and then chunks. */
static int judge(const char *expr, uint8_t proto, uint16_t frag,
		 const uint8_t *chunks, size_t n)
{
	struct qt_prog *p = compile(expr);
	if (!p)
		return -1;
	uint8_t b[256] = { 0x45, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0,
			   10, 0, 0, 1, 10, 0, 0, 2,
			   0x03, 0xe8, 0x13, 0x88, 0, 0, 0, 7, 0, 0, 0, 0 };
	size_t len = 32 + n;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[9] = proto;
	memcpy(b + 32, chunks, n);
	struct qt_eval ev;
	qt_eval_init(&ev, b, (uint32_t)len, (uint32_t)len, (uint32_t)len,
		     QT_HOOK_LOCAL_IN, NULL);
	ev.in = "eth0";
	int v = qt_prog_eval(p, &ev, NULL);
	qt_prog_free(p);
	return v == QT_XT_DROP;
}

#define J(expr, chunks) judge(expr, 132, 0, chunks, sizeof(chunks))

static void table(void)
{
	const struct nft_field *f = nft_sctp_chunk_field("data", "stream");
	ok(f && f->offset == 64 && f->bits == 16, "data stream: 16 bits at 8");
	is_int(nft_sctp_chunk_type(f), 0, "of chunk type 0");
	f = nft_sctp_chunk_field("asconf-ack", "seqno");
	ok(f && f->offset == 32 && f->bits == 32, "asconf-ack seqno");
	is_int(nft_sctp_chunk_type(f), 128, "of chunk type 0x80");
	f = nft_sctp_chunk_field("forward-tsn", NULL);
	ok(f && f->type == NFT_T_BOOLEAN, "forward-tsn's presence");
	is_int(nft_sctp_chunk_type(f), 192, "of chunk type 0xc0");
	ok(!nft_sctp_chunk_field("heartbeat", "tsn"), "heartbeat has no tsn");
	ok(!nft_sctp_chunk_field("init", "init"), "nor init an init field");
	ok(!nft_sctp_chunk_known("i-data"), "i-data is no chunk of nft 1.0.6");
	ok(nft_sctp_field_known("tsn") && !nft_sctp_field_known("data"),
	   "tsn is a field's name, data none");
	is_int(nft_sctp_chunk_type(nft_field_find("sctp", "vtag")), -1,
	       "sctp vtag is no chunk's");
}

static void walk(void)
{
	/* DATA: tsn 1, stream 1337, ssn 0, ppid 7, 2 bytes, padded */
	static const uint8_t data[] = {
		0, 3, 0, 18, 0, 0, 0, 1, 0x05, 0x39, 0, 0, 0, 0, 0, 7,
		'h', 'i', 0, 0 };
	is_int(J("sctp chunk data exists", data), 1, "data exists");
	is_int(J("sctp chunk data missing", data), 0, "data is not missing");
	is_int(J("sctp chunk init exists", data), 0, "init does not exist");
	is_int(J("sctp chunk data stream 1337", data), 1, "stream 1337");
	is_int(J("sctp chunk data flags 3 sctp chunk data length 18", data),
	       1, "flags and length");
	is_int(J("sctp chunk data ppid 7", data), 1, "ppid at 12");
	/* ERROR of length 5 (padded to 8), then DATA */
	static const uint8_t odd[] = {
		9, 0, 0, 5, 'x', 0, 0, 0,
		0, 0, 0, 16, 0, 0, 0, 1, 0x05, 0x39, 0, 0, 0, 0, 0, 7 };
	is_int(J("sctp chunk data stream 1337", odd), 1,
	       "found after a chunk of odd length, padded");
	is_int(J("sctp chunk error length 5", odd), 1, "error's length 5");
	/* a zero length ends the walk before the DATA behind it */
	static const uint8_t zero[] = {
		14, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 7 };
	is_int(J("sctp chunk data missing", zero), 1,
	       "a chunk of length 0 ends the walk");
	is_int(J("sctp chunk shutdown-complete exists", zero), 0,
	       "and is no chunk found");
	/* a DATA chunk claiming 100 bytes in a packet of 16 */
	static const uint8_t longer[] = {
		0, 3, 0, 100, 0, 0, 0, 1, 0x05, 0x39, 0, 0, 0, 0, 0, 7 };
	is_int(J("sctp chunk data exists", longer), 1,
	       "a chunk longer than the packet is present");
	is_int(J("sctp chunk data stream 1337", longer), 0,
	       "but none of its fields is read");
	is_int(J("sctp chunk data stream != 1337", longer), 0,
	       "not even to differ");
	/* a DATA chunk of 8 bytes: stream (bytes 8, 9) lies past it */
	static const uint8_t shortc[] = { 0, 3, 0, 8, 0, 0, 0, 1, 5, 0x39, 0, 0 };
	is_int(J("sctp chunk data tsn 1", shortc), 1, "tsn within the chunk");
	is_int(J("sctp chunk data stream 1337", shortc), 0,
	       "stream past its length is not read");
	is_int(J("sctp chunk data stream != 1337", shortc), 0,
	       "nor compared as different");
	/* a chunk header cut off by the packet's end: no chunk there */
	static const uint8_t cut[] = { 0, 3 };
	is_int(J("sctp chunk data missing", cut), 1, "half a header: missing");
	/* a walk of the largest lengths ends at the packet's end */
	static const uint8_t big[] = { 5, 0, 0xff, 0xff, 0, 3, 0, 8 };
	is_int(J("sctp chunk data missing", big), 1,
	       "a length of 65535 leaves the packet");
	/* other protocols and later fragments have no chunks */
	is_int(judge("sctp chunk data missing", 17, 0, data, sizeof(data)), 1,
	       "a UDP packet: data missing");
	is_int(judge("sctp chunk data exists", 17, 0, data, sizeof(data)), 0,
	       "a UDP packet: data does not exist");
	is_int(judge("sctp chunk data stream 1337", 17, 0, data, sizeof(data)),
	       0, "a UDP packet: no field");
	is_int(judge("sctp chunk data exists", 132, 0x0010, data,
		     sizeof(data)), 0, "a later fragment: no chunks");
	is_int(judge("sctp chunk data exists", 132, 0x2000, data,
		     sizeof(data)), 1, "the first fragment has them");
}

int main(void)
{
	store = qt_rt_store_new();
	nstore = qt_nft_store_new();
	nrs = nft_ruleset_new();
	table();
	walk();
	nft_ruleset_free(nrs);
	qt_nft_store_free(nstore);
	qt_rt_store_free(store);
	return done_testing();
}
