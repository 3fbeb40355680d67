# qtables' own vectors for the base options (upstream's iptables.t and
# libxt_standard.t leave these out): long options and their unambiguous
# prefixes, "--opt=value", -g, masks, several -m in one rule.
:INPUT,FORWARD,OUTPUT
--source 10.1.2.3;-s 10.1.2.3/32;OK
--src 10.1.2.3/16;-s 10.1.0.0/16;OK
--sou 10.1.2.3/255.255.255.0;-s 10.1.2.0/24;OK
--destination 192.168.1.0/24;-d 192.168.1.0/24;OK
--dst 192.168.1.1/255.255.0.255;-d 192.168.0.1/255.255.0.255;OK
--dest 0.0.0.0/1;-d 0.0.0.0/1;OK
! --source 1.2.3.4 ! --destination 5.6.7.8;! -s 1.2.3.4/32 ! -d 5.6.7.8/32;OK
-s 10.0.0.1/0;=;NOMATCH
-s 10.0.0.0/8 -d 10.0.0.0/8;=;OK
-s 10.0.0.1/33;;FAIL
-s 10.0.0.1/255.0.0.255;-s 10.0.0.1/255.0.0.255;OK
-s 127.0.0.1/1;-s 0.0.0.0/1;OK
-s localhost;-s 127.0.0.1/32;OK
-s 1.2.3.4 -s 1.2.3.5;;FAIL
--protocol tcp;-p tcp;OK
--proto udp;-p udp;OK
--protocol=icmp;;FAIL
-p 6;-p tcp;OK
-p TCP;-p tcp;OK
-p 47;-p gre;OK
-p gre;=;OK
! -p all;;FAIL
-p tcp -p udp;;FAIL
--jump ACCEPT;-j ACCEPT;OK
--jum DROP;-j DROP;OK
--jump=RETURN;;FAIL
-j ACCEPT -j DROP;;FAIL
--fragment;-f;OK
! --frag;! -f;OK
-m comment --comment one -m comment --comment two;=;OK
-p tcp -m tcp --dport 22 -m comment --comment ssh -j ACCEPT;=;OK
-p tcp --dp 22 --sp 1024:65535;-p tcp -m tcp --sport 1024:65535 --dport 22;OK
-p tcp --destination-port 80 --source-port 1000;-p tcp -m tcp --sport 1000 --dport 80;OK
-p udp --dport=53;-p udp -m udp --dport 53;OK
-p tcp -m multiport --dports 80,443 -m state --state NEW -j ACCEPT;-p tcp -m multiport --dports 80,443 -m state --state NEW -j ACCEPT;OK
-m mark --mark 1 -m mark --mark 0x2;-m mark --mark 0x1 -m mark --mark 0x2;OK
:FORWARD
--in-interface eth0 --out-interface eth1;-i eth0 -o eth1;OK
--in-i eth+ --out-i veth+;-i eth+ -o veth+;OK
! --in-interface lo;! -i lo;OK
-i +;-i +;NOMATCH
! -i +;=;OK
:INPUT
--out-interface eth0;;FAIL
:OUTPUT
--in-interface eth0;;FAIL
:INPUT,FORWARD,OUTPUT
%iptables -N qt-target
-g qt-target;=;OK
--goto qt-target;-g qt-target;OK
--go qt-target;-g qt-target;OK
-s 10.0.0.0/8 -p tcp -g qt-target;=;OK
-j qt-target;=;OK
--jump qt-target;-j qt-target;OK
-g qt-nochain;;FAIL
-g ACCEPT;;FAIL
