/* The kernel's own extended accounting objects (nfnetlink_acct), as
 * programs that make them over netlink see them. kube-proxy, for one,
 * makes its objects that way (never with nfacct(8)) and then names them
 * in -m nfacct rules: the daemon adopts a kernel object a request names
 * and it does not have, so those rules load as they do with iptables. */
#ifndef QT_KERNEL_ACCT_H
#define QT_KERNEL_ACCT_H

#include "model.h"

/* Every object of this network namespace's kernel: *out (malloc'd, the
 * caller frees) and *n. 0, or -1 with errno set (no nfnetlink_acct in
 * this kernel: EPROTONOSUPPORT or ENOENT). */
int qt_kernel_acct_list(struct qt_acct_obj **out, unsigned *n);

#endif
