# Vectors of standard: iptables 1.8.9's libxt_standard.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-s 127.0.0.1/32 -d 0.0.0.0/8 -j DROP;=;OK
! -s 0.0.0.0 -j ACCEPT;! -s 0.0.0.0/32 -j ACCEPT;OK
! -d 0.0.0.0/32 -j ACCEPT;=;OK
-s 0.0.0.0/24 -j RETURN;=;OK
-p tcp -j ACCEPT;=;OK
! -p udp -j ACCEPT;=;OK
-j DROP;=;OK
-j ACCEPT;=;OK
-j RETURN;=;OK
! -p 0 -j ACCEPT;=;FAIL
> iptables v1.8.9 (nf_tables): rule would never match protocol
> Try `iptables -h' or 'iptables --help' for more information.
-s 10.11.12.13/8;-s 10.0.0.0/8;OK
-s 10.11.12.13/9;-s 10.0.0.0/9;OK
-s 10.11.12.13/10;-s 10.0.0.0/10;OK
-s 10.11.12.13/11;-s 10.0.0.0/11;OK
-s 10.11.12.13/12;-s 10.0.0.0/12;OK
-s 10.11.12.13/30;-s 10.11.12.12/30;OK
-s 10.11.12.13/31;-s 10.11.12.12/31;OK
-s 10.11.12.13/32;-s 10.11.12.13/32;OK
-s 10.11.12.13/255.0.0.0;-s 10.0.0.0/8;OK
-s 10.11.12.13/255.128.0.0;-s 10.0.0.0/9;OK
-s 10.11.12.13/255.0.255.0;-s 10.0.12.0/255.0.255.0;OK
-s 10.11.12.13/255.0.12.0;-s 10.0.12.0/255.0.12.0;OK
