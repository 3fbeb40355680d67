/* qtablesd's own nft tables (the NAT offload's maps, the log offload's
 * chains): whether one is there, asked over netlink, and the scripts
 * that make and remove them, run through nft. */
#ifndef QT_NFT_TABLE_H
#define QT_NFT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

/* The families of a question (bit per family). */
#define QT_NFT_TABLE_IP 0x1
#define QT_NFT_TABLE_IP6 0x2

/* Is the table name there in any of the families of fams? One netlink
 * round trip each. When the question cannot be asked (no socket, no
 * answer, an error other than ENOENT), the answer is unknown_is. */
bool qt_nft_table_there(const char *name, unsigned fams, bool unknown_is);

/* Run nft -f - (json: nft -j -f -) with script on its stdin. 0, or -1
 * with "<what>nft: <nft's first line>" in err. */
int qt_nft_table_run(const char *nft, bool json, const char *script,
		     const char *what, char *err, size_t errlen);

#endif
