# Vectors of icmp6: iptables 1.8.9's libip6t_icmp6.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
%family 6
:INPUT,FORWARD,OUTPUT
-m icmpv6;;FAIL
> ip6tables v1.8.9 (nf_tables): icmp6: option "--icmpv6-type" must be specified
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
-p ipv6-icmp -m icmp6 --icmpv6-type 1/0;=;OK
-p ipv6-icmp -m icmp6 --icmpv6-type 2;=;OK
# cannot use option twice:
-p ipv6-icmp -m icmp6 --icmpv6-type no-route --icmpv6-type packet-too-big;;FAIL
> ip6tables v1.8.9 (nf_tables): icmp6: option "--icmpv6-type" can only be used once.
> 
> Try `ip6tables -h' or 'ip6tables --help' for more information.
