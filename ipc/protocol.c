/* See protocol.h. */
#include "protocol.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const kinds[QT_IPC_NKINDS] = {
	[QT_IPC_COMMAND] = "command",
	[QT_IPC_RESTORE] = "restore",
	[QT_IPC_SAVE] = "save",
	[QT_IPC_STATS] = "stats",
	[QT_IPC_RECENT] = "recent",
	[QT_IPC_CONNTRACK] = "conntrack",
	[QT_IPC_HANDOVER] = "handover",
	[QT_IPC_NFACCT] = "nfacct",
	[QT_IPC_IPSET] = "ipset",
	[QT_IPC_NFT] = "nft",
};

static const char *const stats_formats[] = { "text", "json", "prometheus" };

#define MAGIC "#qtables 1 "

unsigned char qt_ipc_prog_family(const char *prog)
{
	return prog && (!strncmp(prog, "ip6tables", 9) ||
			!strncmp(prog, "qtables6", 8)) ? AF_INET6 : AF_INET;
}

void qt_ipc_begin(struct qt_buf *b, enum qt_ipc_kind k, const char *prog)
{
	qt_buf_printf(b, MAGIC "%s", kinds[k]);
	if (prog)
		qt_buf_printf(b, " %s", prog);
	if ((k == QT_IPC_COMMAND || k == QT_IPC_RESTORE || k == QT_IPC_SAVE) &&
	    qt_ipc_prog_family(prog) == AF_INET6)
		qt_buf_puts(b, " ipv6");
}

/* The word at p (up to a space or end), its length. */
static size_t word_len(const char *p, const char *end)
{
	const char *q = p;
	while (q < end && *q != ' ')
		q++;
	return (size_t)(q - p);
}

int qt_ipc_parse(const char *req, size_t len, struct qt_ipc_header *h)
{
	const char *nl = memchr(req, '\n', len);
	const char *end = nl ? nl : req + len;
	size_t m = sizeof(MAGIC) - 1;
	memset(h, 0, sizeof(*h));
	if ((size_t)(end - req) > QT_IPC_HEADER_MAX || (size_t)(end - req) < m ||
	    memcmp(req, MAGIC, m))
		return -1;
	const char *p = req + m;
	size_t n = word_len(p, end);
	int k;
	for (k = 0; k < QT_IPC_NKINDS; k++)
		if (strlen(kinds[k]) == n && !memcmp(p, kinds[k], n))
			break;
	if (k == QT_IPC_NKINDS)
		return -1;
	h->kind = (enum qt_ipc_kind)k;
	p += n;
	if (k != QT_IPC_HANDOVER) {
		if (p >= end)
			return -1;
		p++;
		n = word_len(p, end);
		if (!n || n >= sizeof(h->prog))
			return -1;
		memcpy(h->prog, p, n);
		p += n;
	}
	if (p < end)
		p++;
	h->words = p;
	h->words_len = (size_t)(end - p);
	h->body = nl ? nl + 1 : req + len;
	h->body_len = len - (size_t)(h->body - req);
	return 0;
}

/* The first word equal to w (or, with prefix, starting with it). */
static const char *find_word(const struct qt_ipc_header *h, const char *w,
			     size_t wl, bool prefix)
{
	const char *p = h->words, *end = h->words + h->words_len;
	while (p < end) {
		size_t n = word_len(p, end);
		if (prefix ? n > wl && !memcmp(p, w, wl)
			   : n == wl && !memcmp(p, w, wl))
			return p;
		p += n + 1;
	}
	return NULL;
}

bool qt_ipc_has_word(const struct qt_ipc_header *h, const char *word)
{
	return find_word(h, word, strlen(word), false) != NULL;
}

unsigned char qt_ipc_family(const struct qt_ipc_header *h)
{
	return qt_ipc_has_word(h, "ipv6") ? AF_INET6 : AF_INET;
}

const char *qt_ipc_word_value(const struct qt_ipc_header *h, const char *name,
			      char *buf, size_t n)
{
	char key[64];
	int kl = snprintf(key, sizeof(key), "%s=", name);
	if (kl < 0 || (size_t)kl >= sizeof(key))
		return NULL;
	const char *p = find_word(h, key, (size_t)kl, true);
	if (!p)
		return NULL;
	size_t vl = word_len(p, h->words + h->words_len) - (size_t)kl;
	if (vl >= n)
		vl = n - 1;
	memcpy(buf, p + kl, vl);
	buf[vl] = '\0';
	return buf;
}

const char *qt_ipc_word_decoded(const struct qt_ipc_header *h, const char *name,
				char *buf, size_t n)
{
	if (!qt_ipc_word_value(h, name, buf, n))
		return NULL;
	size_t k = 0;
	for (const char *p = buf; *p; p++) {
		unsigned v;
		if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1 && v) {
			buf[k++] = (char)v;
			p += 2;
		} else {
			buf[k++] = *p;
		}
	}
	buf[k] = '\0';
	return buf;
}

const char *qt_ipc_first_word(const struct qt_ipc_header *h, char *buf,
			      size_t n)
{
	size_t l = word_len(h->words, h->words + h->words_len);
	if (l >= n)
		l = n - 1;
	memcpy(buf, h->words, l);
	buf[l] = '\0';
	return buf;
}

static void put_quoted(struct qt_buf *b, const char *w)
{
	qt_buf_putc(b, '"');
	for (; *w; w++) {
		if (*w == '"' || *w == '\\')
			qt_buf_putc(b, '\\');
		qt_buf_putc(b, *w);
	}
	qt_buf_putc(b, '"');
}

int qt_ipc_command(struct qt_buf *b, const char *prog, bool explain,
		   int argc, char *const *argv)
{
	qt_ipc_begin(b, QT_IPC_COMMAND, prog);
	qt_buf_puts(b, explain ? " explain\n" : "\n");
	for (int i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n'))
			return -1;
		if (i)
			qt_buf_putc(b, ' ');
		put_quoted(b, argv[i]);
	}
	qt_buf_putc(b, '\n');
	return 0;
}

/* The name of the input in a header word: what could end the word or
 * the line, and '%' itself, as %HH. A name too long for the header is
 * shown by its end. */
static void put_name(struct qt_buf *b, const char *name)
{
	size_t n = strlen(name);
	if (n > 4096)
		name += n - 4096;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7f || c == '%')
			qt_buf_printf(b, "%%%02X", c);
		else
			qt_buf_putc(b, (char)c);
	}
}

void qt_ipc_restore(struct qt_buf *b, const char *prog, bool noflush,
		    bool counters, bool test, unsigned verbose, const char *table,
		    const char *explain, const char *text, size_t len)
{
	qt_ipc_begin(b, QT_IPC_RESTORE, prog);
	qt_buf_printf(b, "%s%s%s", noflush ? " noflush" : "",
		      counters ? " counters" : "", test ? " test" : "");
	if (verbose)
		qt_buf_printf(b, " verbose=%u", verbose);
	if (table)
		qt_buf_printf(b, " table=%s", table);
	if (explain) {
		qt_buf_puts(b, " explain=");
		put_name(b, explain);
	}
	qt_buf_putc(b, '\n');
	qt_buf_put(b, text, len);
}

void qt_ipc_save(struct qt_buf *b, const char *prog, bool counters,
		 const char *table)
{
	qt_ipc_begin(b, QT_IPC_SAVE, prog);
	if (counters)
		qt_buf_puts(b, " counters");
	if (table)
		qt_buf_printf(b, " table=%s", table);
	qt_buf_putc(b, '\n');
}

/* A request whose body is the program's arguments, one a line (an
 * argument holding a newline cannot be carried: -1). */
static int args_request(struct qt_buf *b, enum qt_ipc_kind kind,
			const char *prog, int argc, char *const *argv)
{
	qt_ipc_begin(b, kind, prog);
	qt_buf_putc(b, '\n');
	for (int i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n'))
			return -1;
		qt_buf_puts(b, argv[i]);
		qt_buf_putc(b, '\n');
	}
	return 0;
}

int qt_ipc_conntrack(struct qt_buf *b, const char *prog, int argc,
		     char *const *argv)
{
	return args_request(b, QT_IPC_CONNTRACK, prog, argc, argv);
}

int qt_ipc_nfacct(struct qt_buf *b, const char *prog, int argc,
		  char *const *argv)
{
	return args_request(b, QT_IPC_NFACCT, prog, argc, argv);
}

int qt_ipc_ipset(struct qt_buf *b, const char *prog, int argc,
		 char *const *argv, const char *input, size_t len)
{
	for (int i = 0; i < argc; i++)
		if (!argv[i][0])
			return -1;   /* the empty line ends the arguments */
	if (args_request(b, QT_IPC_IPSET, prog, argc, argv) < 0)
		return -1;
	qt_buf_putc(b, '\n');
	if (input)
		qt_buf_put(b, input, len);
	return 0;
}

void qt_ipc_nft(struct qt_buf *b, const char *prog,
		const struct qt_ipc_nft_flags *f, const char *file,
		const char *cwd, const char *text, size_t len)
{
	qt_ipc_begin(b, QT_IPC_NFT, prog);
	qt_buf_printf(b, "%s%s%s%s%s pid=%ld", f->check ? " check" : "",
		      f->handles ? " handles" : "",
		      f->stateless ? " stateless" : "",
		      f->json ? " json" : "", f->echo ? " echo" : "",
		      (long)getpid());
	if (file) {
		qt_buf_puts(b, " file=");
		put_name(b, file);
	}
	if (cwd) {
		qt_buf_puts(b, " cwd=");
		put_name(b, cwd);
	}
	qt_buf_putc(b, '\n');
	qt_buf_put(b, text, len);
}

bool qt_ipc_stats_format_known(const char *word)
{
	for (size_t i = 0; i < sizeof(stats_formats) / sizeof(*stats_formats); i++)
		if (!strcmp(word, stats_formats[i]))
			return true;
	return false;
}

void qt_ipc_stats(struct qt_buf *b, const char *prog, const char *format)
{
	qt_ipc_begin(b, QT_IPC_STATS, prog);
	qt_buf_printf(b, " %s\n", format);
}

int qt_ipc_recent(struct qt_buf *b, const char *prog, const char *list)
{
	if (list && strchr(list, '\n'))
		return -1;
	qt_ipc_begin(b, QT_IPC_RECENT, prog);
	if (list)
		qt_buf_printf(b, " %s", list);
	qt_buf_putc(b, '\n');
	return 0;
}

void qt_reply_encode(struct qt_buf *b, int status, const struct qt_buf *out,
		     const struct qt_buf *err)
{
	qt_buf_printf(b, "#qtables-reply %d %zu %zu\n", status, out->len,
		      err->len);
	qt_buf_put(b, qt_buf_str(out), out->len);
	qt_buf_put(b, qt_buf_str(err), err->len);
}

int qt_reply_decode(const char *rep, size_t len, int *status,
		    const char **out, size_t *outlen, const char **err,
		    size_t *errlen)
{
	const char *nl = memchr(rep, '\n', len);
	if (!nl)
		return -1;
	char hdr[128];
	size_t hl = (size_t)(nl - rep);
	if (hl >= sizeof(hdr))
		return -1;
	memcpy(hdr, rep, hl);
	hdr[hl] = '\0';
	if (sscanf(hdr, "#qtables-reply %d %zu %zu", status, outlen, errlen) != 3)
		return -1;
	size_t body = len - hl - 1;
	if (*outlen > body || *errlen > body - *outlen)
		return -1;
	*out = nl + 1;
	*err = nl + 1 + *outlen;
	return 0;
}
