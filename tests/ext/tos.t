# Vectors of tos: iptables 1.8.9's libxt_tos.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:INPUT,FORWARD,OUTPUT
-m tos --tos Minimize-Delay;-m tos --tos 0x10/0x3f;OK
-m tos --tos Maximize-Throughput;-m tos --tos 0x08/0x3f;OK
-m tos --tos Maximize-Reliability;-m tos --tos 0x04/0x3f;OK
-m tos --tos Minimize-Cost;-m tos --tos 0x02/0x3f;OK
-m tos --tos Normal-Service;-m tos --tos 0x00/0x3f;OK
-m tos --tos 0xff;-m tos --tos 0xff/0xff;OK
-m tos ! --tos 0xff;-m tos ! --tos 0xff/0xff;OK
-m tos --tos 0x00;-m tos --tos 0x00/0xff;OK
-m tos --tos 0x0f;-m tos --tos 0x0f/0xff;OK
-m tos --tos 0x0f/0x0f;=;OK
-m tos --tos wrong;;FAIL
> iptables v1.8.9 (nf_tables): Symbolic name "wrong" is unknown
> Try `iptables -h' or 'iptables --help' for more information.
-m tos;;FAIL
> iptables v1.8.9 (nf_tables): tos: option "--tos" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
