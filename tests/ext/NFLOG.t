# Vectors of NFLOG: iptables 1.8.9's libxt_NFLOG.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-j NFLOG --nflog-group 1;=;OK
-j NFLOG --nflog-group 65535;=;OK
-j NFLOG --nflog-group 65536;;FAIL
> iptables v1.8.9 (nf_tables): NFLOG: bad value for option "--nflog-group", or out of range (0-65535).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j NFLOG --nflog-group 0;-j NFLOG;OK
# `--nflog-range` is broken and only supported by xtables-legacy.
# It has been superseded by `--nflog--group`.
-j NFLOG --nflog-range 1;=;OK;LEGACY;NOMATCH
-j NFLOG --nflog-range 4294967295;=;OK;LEGACY;NOMATCH
-j NFLOG --nflog-range 4294967296;;FAIL
> iptables v1.8.9 (nf_tables): NFLOG: bad value for option "--nflog-range", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j NFLOG --nflog-range -1;;FAIL
> iptables v1.8.9 (nf_tables): NFLOG: bad value for option "--nflog-range", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j NFLOG --nflog-size 0;=;OK
-j NFLOG --nflog-size 1;=;OK
-j NFLOG --nflog-size 4294967295;=;OK
-j NFLOG --nflog-size 4294967296;;FAIL
> iptables v1.8.9 (nf_tables): NFLOG: bad value for option "--nflog-size", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j NFLOG --nflog-size -1;;FAIL
> iptables v1.8.9 (nf_tables): NFLOG: bad value for option "--nflog-size", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j NFLOG --nflog-prefix xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx;=;OK
# iptables-nft 1.8.9 keeps this prefix whole (65 bytes: it becomes nft's
# log expression, whose prefix holds 127); upstream's line expects the 63
# of the xt_NFLOG structure that iptables-legacy fills. qtables is
# iptables-nft here, so the line is 1.8.9's answer:
-j NFLOG --nflog-prefix xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx;=;OK
-j NFLOG --nflog-threshold 1;=;OK
# ERROR: line 13 (should fail: iptables -A INPUT -j NFLOG --nflog-threshold 0
# -j NFLOG --nflog-threshold 0;;FAIL
-j NFLOG --nflog-threshold 65535;=;OK
-j NFLOG --nflog-threshold 65536;;FAIL
> iptables v1.8.9 (nf_tables): NFLOG: bad value for option "--nflog-threshold", or out of range (0-65535).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j NFLOG;=;OK
# qtables' own lines, answers of iptables-nft 1.8.9: a prefix is cut to
# 127 bytes, threshold 0 and group 0 are not saved, size 0 is, and
# --nflog-range goes with no other size
-j NFLOG --nflog-prefix yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy;-j NFLOG --nflog-prefix yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy;OK
-j NFLOG --nflog-threshold 0 --nflog-group 0 --nflog-size 0;-j NFLOG --nflog-size 0;OK
-j NFLOG --nflog-group 010 --nflog-threshold 0x10;-j NFLOG --nflog-group 8 --nflog-threshold 16;OK
-j NFLOG --nflog-prefix "a b" --nflog-size 100 --nflog-group 3;-j NFLOG --nflog-prefix "a b" --nflog-group 3 --nflog-size 100;OK
-j NFLOG --nflog-range 2 --nflog-size 1;;FAIL
> warn: --nflog-range has never worked and is no longer supported, please use --nflog-size instead
> iptables v1.8.9 (nf_tables): NFLOG: option "--nflog-range" cannot be used together with "--nflog-size".
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j NFLOG --nflog-group 1 --nflog-group 2;;FAIL
> iptables v1.8.9 (nf_tables): NFLOG: option "--nflog-group" can only be used once.
> 
> Try `iptables -h' or 'iptables --help' for more information.
-j NFLOG --nflog-prefix "";;FAIL
> iptables v1.8.9 (nf_tables): Argument must have a minimum length of 1 characters
> 
> Try `iptables -h' or 'iptables --help' for more information.
