# Vectors of conntrack: iptables 1.8.9's libxt_conntrack.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m conntrack --ctstate NEW;=;OK
-m conntrack --ctstate NEW,ESTABLISHED;=;OK
-m conntrack --ctstate NEW,RELATED,ESTABLISHED;=;OK
-m conntrack --ctstate INVALID;=;OK
-m conntrack --ctstate UNTRACKED;=;OK
-m conntrack --ctstate SNAT,DNAT;=;OK
-m conntrack --ctstate wrong;;FAIL
> iptables v1.8.9 (nf_tables): Bad ctstate "wrong"
> Try `iptables -h' or 'iptables --help' for more information.
# should we convert this to output "tcp" instead of 6?
-m conntrack --ctproto tcp;-m conntrack --ctproto 6;OK
-m conntrack --ctorigsrc 1.1.1.1;=;OK
-m conntrack --ctorigdst 1.1.1.1;=;OK
-m conntrack --ctreplsrc 1.1.1.1;=;OK
-m conntrack --ctrepldst 1.1.1.1;=;OK
-m conntrack --ctexpire 0;=;OK
-m conntrack --ctexpire 4294967295;=;OK
-m conntrack --ctexpire 0:4294967295;=;OK
-m conntrack --ctexpire 42949672956;;FAIL
> iptables v1.8.9 (nf_tables): conntrack: bad value for option "--ctexpire" near "42949672956", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m conntrack --ctexpire -1;;FAIL
> iptables v1.8.9 (nf_tables): conntrack: bad value for option "--ctexpire" near "-1", or out of range (0-4294967295).
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m conntrack --ctdir ORIGINAL;=;OK
-m conntrack --ctdir REPLY;=;OK
-m conntrack --ctstatus NONE;=;OK
-m conntrack --ctstatus CONFIRMED;=;OK
-m conntrack --ctstatus ASSURED;=;OK
-m conntrack --ctstatus EXPECTED;=;OK
-m conntrack --ctstatus SEEN_REPLY;=;OK
-m conntrack;;FAIL
> iptables v1.8.9 (nf_tables): conntrack: At least one option is required
> Try `iptables -h' or 'iptables --help' for more information.
