# Sourced by the lab scripts: the seed scenario's wire. A veth pair whose lsys end is the
# operator port eth1; the other end in namespace 'peers' answers as AWS (VLAN 4, 10.0.0.1/31) and
# Azure (QinQ 802.1ad 1000 + 802.1q 100, 10.0.0.14/30).
ip link add eth1 type veth peer name peer0
ip netns add peers
ip link set peer0 netns peers
ip -n peers link set peer0 name eth0
ip -n peers link set lo up
ip -n peers link set eth0 up
ip -n peers link add link eth0 name eth0.4 type vlan id 4
ip -n peers addr add 10.0.0.1/31 dev eth0.4
ip -n peers link add link eth0 name eth0.1000 type vlan proto 802.1ad id 1000
ip -n peers link add link eth0.1000 name eth0.1000.100 type vlan id 100
ip -n peers addr add 10.0.0.14/30 dev eth0.1000.100
for d in eth0.4 eth0.1000 eth0.1000.100; do ip -n peers link set "$d" up; done
