# Vectors of sctp: iptables 1.8.9's libxt_sctp.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-p sctp -m sctp --sport 1;=;OK
-p sctp -m sctp --sport 65535;=;OK
-p sctp -m sctp --sport 1:65535;=;OK
-p sctp -m sctp --sport -1;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `-1' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p sctp -m sctp --sport 65536;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `65536' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p sctp -m sctp --dport 1;=;OK
-p sctp -m sctp --dport 1:65535;=;OK
-p sctp -m sctp --dport 65535;=;OK
-p sctp -m sctp --dport -1;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `-1' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p sctp -m sctp --dport 65536;;FAIL
> iptables v1.8.9 (nf_tables): invalid port/service `65536' specified
> Try `iptables -h' or 'iptables --help' for more information.
-p sctp -m sctp --chunk-types all DATA;=;OK
-p sctp -m sctp --chunk-types all INIT;=;OK
-p sctp -m sctp --chunk-types all INIT_ACK;=;OK
-p sctp -m sctp --chunk-types all SACK;=;OK
-p sctp -m sctp --chunk-types all HEARTBEAT;=;OK
-p sctp -m sctp --chunk-types all HEARTBEAT_ACK;=;OK
-p sctp -m sctp --chunk-types all ABORT;=;OK
-p sctp -m sctp --chunk-types all SHUTDOWN;=;OK
-p sctp -m sctp --chunk-types all SHUTDOWN_ACK;=;OK
-p sctp -m sctp --chunk-types all ERROR;=;OK
-p sctp -m sctp --chunk-types all COOKIE_ECHO;=;OK
-p sctp -m sctp --chunk-types all COOKIE_ACK;=;OK
-p sctp -m sctp --chunk-types all ECN_ECNE;=;OK
-p sctp -m sctp --chunk-types all ECN_CWR;=;OK
-p sctp -m sctp --chunk-types all ASCONF;=;OK
-p sctp -m sctp --chunk-types all ASCONF_ACK;=;OK
-p sctp -m sctp --chunk-types all FORWARD_TSN;=;OK
-p sctp -m sctp --chunk-types all SHUTDOWN_COMPLETE;=;OK
-p sctp -m sctp --chunk-types all I_DATA;=;OK
-p sctp -m sctp --chunk-types all RE_CONFIG;=;OK
-p sctp -m sctp --chunk-types all PAD;=;OK
-p sctp -m sctp --chunk-types all I_FORWARD_TSN;=;OK
