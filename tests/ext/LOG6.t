# Vectors of LOG6: iptables 1.8.9's libip6t_LOG.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:INPUT,FORWARD,OUTPUT
-j LOG;-j LOG;OK
-j LOG --log-prefix "test: ";=;OK
-j LOG --log-prefix "test: " --log-level 1;=;OK
# iptables displays the log-level output using the number; not the string
-j LOG --log-prefix "test: " --log-level alert;-j LOG --log-prefix "test: " --log-level 1;OK
-j LOG --log-prefix "test: " --log-tcp-sequence;=;OK
-j LOG --log-prefix "test: " --log-tcp-options;=;OK
-j LOG --log-prefix "test: " --log-ip-options;=;OK
-j LOG --log-prefix "test: " --log-uid;=;OK
-j LOG --log-prefix "test: " --log-level bad;;FAIL
> ip6tables v1.8.9 (nf_tables): log level "bad" unknown
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-j LOG --log-prefix;;FAIL
> ip6tables v1.8.9 (nf_tables): option "--log-prefix" requires an argument
> Try `ip6tables -h' or 'ip6tables --help' for more information.
