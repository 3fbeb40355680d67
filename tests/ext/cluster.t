# Vectors of cluster: iptables 1.8.9's libxt_cluster.t (GPL-2.0, the Netfilter
# project; test data, unchanged) with the messages iptables-nft
# prints for the refused lines ("> " lines, tests/ext/gen_vectors.py).
# Format: ../../../shared/iptables-tests/README.md.
:PREROUTING,FORWARD,POSTROUTING
*mangle
-m cluster;;FAIL
> iptables v1.8.9 (nf_tables): cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing
> Try `iptables -h' or 'iptables --help' for more information.
-m cluster --cluster-total-nodes 3;;FAIL
> iptables v1.8.9 (nf_tables): cluster match: `--cluster-local-node' or`--cluster-local-nodemask' is missing
> Try `iptables -h' or 'iptables --help' for more information.
-m cluster --cluster-total-nodes 2 --cluster-local-node 2;;FAIL
> iptables v1.8.9 (nf_tables): cluster: option "--cluster-hash-seed" must be specified
> 
> Try `iptables -h' or 'iptables --help' for more information.
-m cluster --cluster-total-nodes 2 --cluster-local-node 3 --cluster-hash-seed;;FAIL
> iptables v1.8.9 (nf_tables): option "--cluster-hash-seed" requires an argument
> Try `iptables -h' or 'iptables --help' for more information.
#
# outputs --cluster-local-nodemask instead of --cluster-local-node
#
-m cluster --cluster-total-nodes 2 --cluster-local-node 2 --cluster-hash-seed 0xfeedcafe;-m cluster --cluster-local-nodemask 0x00000002 --cluster-total-nodes 2 --cluster-hash-seed 0xfeedcafe;OK
