import { defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { arp, ethRaw, icmp4, icmp6, ndNs, tcp4, udp4, udp6 } from './frames.js';

/**
 * Each case installs "match -> output:p2" above "anything -> drop" and sends frames that differ
 * from a matching one in exactly the matched field, then the matching one: only it may arrive.
 * The matching frame goes once the others' megaflows are in the datapath, so a megaflow wider
 * than the rule allows (a field the rule looked at left wildcarded) catches it and shows; sent
 * together, it could miss as well and pass on the slow path's verdict.
 */
async function onlyMatching(t: CaseContext, match: string, hit: Buffer, misses: readonly Buffer[]): Promise<void> {
  await t.pipeline([`priority=100,in_port=p1,${match},actions=output:p2`, 'priority=1,in_port=p1,actions=drop'].join('\n'));
  await t.expectDelivery('h1', misses, {}, { listen: ['h2'], waitMs: 300 });
  await megaflowsIn(t);
  await t.expectDelivery('h1', hit, { h2: [hit] });
}

/** Waits (up to 2 s) until the datapath holds a flow; a datapath that caches none goes on regardless. */
async function megaflowsIn(t: CaseContext): Promise<void> {
  for (const until = Date.now() + 2000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    if ((await t.dumpFlows()).length > 0) return;
  }
  t.note('no datapath flow after the non-matching frames (2 s): the matching one was sent anyway');
}

const u = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 5000, dport: 6000, ...o });
const u6 = (o: Parameters<typeof udp6>[0] = {}) => udp6({ sport: 5000, dport: 6000, ...o });

export const matchCases: CaseGroup = {
  suite: 'conformance',
  name: 'match',
  cases: [
    defineCase({
      id: 'match.priority-higher-wins',
      title: 'of two overlapping rules the higher priority one acts',
      features: ['match.priority'],
      run: async (t) => {
        await t.pipeline(['priority=10,in_port=p1,actions=drop', 'priority=20,in_port=p1,udp,actions=output:p2'].join('\n'));
        const f = u();
        await t.expectDelivery('h1', f, { h2: [f] });
      },
    }),
    defineCase({
      id: 'match.priority-falls-through',
      title: 'a packet the specific high-priority rule does not match falls to the wildcard rule',
      features: ['match.priority', 'match.l4'],
      run: async (t) => {
        await t.pipeline(['priority=300,in_port=p1,udp,tp_dst=80,actions=drop', 'priority=0,actions=output:p2'].join('\n'));
        const dropped = u({ dport: 80 });
        const passed = u({ dport: 81 });
        await t.expectDelivery('h1', [dropped, passed], { h2: [passed] });
      },
    }),
    defineCase({
      id: 'match.wildcard-all',
      title: 'a rule with no match fields matches IPv4, IPv6, ARP and other ethertypes alike',
      features: ['match.priority'],
      run: async (t) => {
        await t.pipeline('priority=0,actions=output:p2');
        const frames = [u(), u6(), arp({ op: 1, spa: '10.0.0.1', tpa: '10.0.0.2' }), ethRaw({ ethertype: 0x88b5, payload: 'x' })];
        await t.expectDelivery('h1', frames, { h2: frames });
      },
    }),
    defineCase({
      id: 'match.eth-dst',
      title: 'dl_dst matches the destination MAC exactly',
      features: ['match.eth'],
      run: (t) => onlyMatching(t, 'dl_dst=0a:dd:00:00:00:02', u({ dst: '0a:dd:00:00:00:02' }), [u({ dst: '0a:dd:00:00:00:03' })]),
    }),
    defineCase({
      id: 'match.eth-src-masked',
      title: 'dl_src with a mask matches an OUI prefix',
      features: ['match.eth'],
      run: (t) => onlyMatching(t, 'dl_src=0a:dd:00:00:00:00/ff:ff:ff:00:00:00', u({ src: '0a:dd:00:12:34:56' }), [u({ src: '0a:de:00:12:34:56' })]),
    }),
    defineCase({
      id: 'match.eth-type',
      title: 'dl_type selects the ethertype',
      features: ['match.eth'],
      run: (t) => onlyMatching(t, 'dl_type=0x88b5', ethRaw({ ethertype: 0x88b5, payload: 'hit' }), [ethRaw({ ethertype: 0x88b6, payload: 'miss' }), u()]),
    }),
    defineCase({
      id: 'match.vlan-vid',
      title: 'dl_vlan matches the 802.1Q VID; other VIDs and untagged frames do not match',
      features: ['match.vlan'],
      run: (t) => onlyMatching(t, 'dl_vlan=10', u({ vlans: [{ vid: 10 }] }), [u({ vlans: [{ vid: 11 }] }), u()]),
    }),
    defineCase({
      id: 'match.vlan-pcp',
      title: 'dl_vlan_pcp matches the 802.1Q priority',
      features: ['match.vlan'],
      run: (t) => onlyMatching(t, 'dl_vlan_pcp=5', u({ vlans: [{ vid: 10, pcp: 5 }] }), [u({ vlans: [{ vid: 10, pcp: 4 }] })]),
    }),
    defineCase({
      id: 'match.vlan-untagged',
      title: 'vlan_tci=0 matches only untagged frames',
      features: ['match.vlan'],
      run: (t) => onlyMatching(t, 'vlan_tci=0x0000/0x1fff', u(), [u({ vlans: [{ vid: 10 }] })]),
    }),
    defineCase({
      id: 'match.ipv4-src-cidr',
      title: 'nw_src with a prefix length matches the subnet',
      features: ['match.ipv4'],
      run: (t) => onlyMatching(t, 'ip,nw_src=10.1.0.0/16', u({ ip: { src: '10.1.200.7' } }), [u({ ip: { src: '10.2.200.7' } })]),
    }),
    defineCase({
      id: 'match.ipv4-dst-exact',
      title: 'nw_dst matches one host address',
      features: ['match.ipv4'],
      run: (t) => onlyMatching(t, 'ip,nw_dst=10.0.0.2', u({ ip: { dst: '10.0.0.2' } }), [u({ ip: { dst: '10.0.0.3' } })]),
    }),
    defineCase({
      id: 'match.ipv4-proto',
      title: 'nw_proto selects UDP and not TCP',
      features: ['match.ipv4'],
      run: (t) => onlyMatching(t, 'ip,nw_proto=17', u(), [tcp4({ sport: 5000, dport: 6000, flags: 'S' })]),
    }),
    defineCase({
      id: 'match.ipv4-tos',
      title: 'nw_tos matches the DSCP bits',
      features: ['match.ipv4'],
      run: (t) => onlyMatching(t, 'ip,nw_tos=0x20', u({ ip: { tos: 0x20 } }), [u({ ip: { tos: 0x28 } })]),
    }),
    defineCase({
      id: 'match.tcp-dst',
      title: 'tcp,tp_dst matches the TCP destination port',
      features: ['match.l4'],
      run: (t) =>
        onlyMatching(t, 'tcp,tp_dst=443', tcp4({ sport: 40000, dport: 443, flags: 'S' }), [tcp4({ sport: 40000, dport: 444, flags: 'S' }), u({ dport: 443 })]),
    }),
    defineCase({
      id: 'match.udp-src',
      title: 'udp,tp_src matches the UDP source port',
      features: ['match.l4'],
      run: (t) => onlyMatching(t, 'udp,tp_src=67', u({ sport: 67 }), [u({ sport: 68 })]),
    }),
    defineCase({
      id: 'match.l4-port-masked',
      title: 'tp_dst with a mask matches a port range',
      features: ['match.l4'],
      run: (t) => onlyMatching(t, 'udp,tp_dst=0x1000/0xf000', u({ dport: 0x1234 }), [u({ dport: 0x2234 })]),
    }),
    defineCase({
      id: 'match.tcp-flags',
      title: 'tcp_flags=+syn-ack matches a SYN but not a SYN-ACK',
      features: ['match.l4'],
      run: (t) => onlyMatching(t, 'tcp,tcp_flags=+syn-ack', tcp4({ sport: 1, dport: 2, flags: 'S' }), [tcp4({ sport: 1, dport: 2, flags: 'SA' })]),
    }),
    defineCase({
      id: 'match.ip-frag',
      title: 'nw_frag=first matches a first fragment, not an unfragmented packet',
      features: ['match.ip_frag'],
      run: (t) => onlyMatching(t, 'ip,nw_frag=first', u({ ip: { moreFragments: true } }), [u()]),
    }),
    defineCase({
      id: 'match.ipv6-src-prefix',
      title: 'ipv6_src with a prefix matches the subnet',
      features: ['match.ipv6'],
      run: (t) => onlyMatching(t, 'ipv6,ipv6_src=2001:db8:1::/48', u6({ ip6: { src: '2001:db8:1:ff::7' } }), [u6({ ip6: { src: '2001:db8:2::7' } })]),
    }),
    defineCase({
      id: 'match.ipv6-dst-exact',
      title: 'ipv6_dst matches one address',
      features: ['match.ipv6'],
      run: (t) => onlyMatching(t, 'ipv6,ipv6_dst=2001:db8::2', u6({ ip6: { dst: '2001:db8::2' } }), [u6({ ip6: { dst: '2001:db8::3' } })]),
    }),
    defineCase({
      id: 'match.ipv6-udp-port',
      title: 'udp6,tp_dst matches UDP over IPv6, not UDP over IPv4',
      features: ['match.ipv6', 'match.l4'],
      run: (t) => onlyMatching(t, 'udp6,tp_dst=53', u6({ dport: 53 }), [u6({ dport: 54 }), u({ dport: 53 })]),
    }),
    defineCase({
      id: 'match.ipv6-label',
      title: 'ipv6_label matches the flow label',
      features: ['match.ipv6'],
      run: (t) => onlyMatching(t, 'ipv6,ipv6_label=0x12345', u6({ ip6: { label: 0x12345 } }), [u6({ ip6: { label: 0x12346 } })]),
    }),
    defineCase({
      id: 'match.arp-op',
      title: 'arp_op=1 matches requests, not replies',
      features: ['match.arp'],
      run: (t) =>
        onlyMatching(t, 'arp,arp_op=1', arp({ op: 1, spa: '10.0.0.1', tpa: '10.0.0.2' }), [
          arp({ op: 2, spa: '10.0.0.2', tpa: '10.0.0.1', dst: '0a:dd:00:00:00:01' }),
        ]),
    }),
    defineCase({
      id: 'match.arp-tpa',
      title: 'arp_tpa matches the target protocol address',
      features: ['match.arp'],
      run: (t) => onlyMatching(t, 'arp,arp_tpa=10.0.0.2', arp({ op: 1, spa: '10.0.0.1', tpa: '10.0.0.2' }), [arp({ op: 1, spa: '10.0.0.1', tpa: '10.0.0.3' })]),
    }),
    defineCase({
      id: 'match.arp-sha',
      title: 'arp_sha matches the sender hardware address',
      features: ['match.arp'],
      run: (t) =>
        onlyMatching(t, 'arp,arp_sha=0a:dd:00:00:00:01', arp({ op: 1, sha: '0a:dd:00:00:00:01', spa: '10.0.0.1', tpa: '10.0.0.2' }), [
          arp({ op: 1, sha: '0a:dd:00:00:00:09', spa: '10.0.0.1', tpa: '10.0.0.2' }),
        ]),
    }),
    defineCase({
      id: 'match.icmp-type',
      title: 'icmp_type=8 matches echo requests, not echo replies',
      features: ['match.icmp'],
      run: (t) => onlyMatching(t, 'icmp,icmp_type=8', icmp4({ type: 8 }), [icmp4({ type: 0 })]),
    }),
    defineCase({
      id: 'match.icmp-code',
      title: 'icmp_code matches the code of destination-unreachable',
      features: ['match.icmp'],
      run: (t) => onlyMatching(t, 'icmp,icmp_type=3,icmp_code=3', icmp4({ type: 3, code: 3 }), [icmp4({ type: 3, code: 1 })]),
    }),
    defineCase({
      id: 'match.icmpv6-type',
      title: 'icmpv6_type=128 matches ICMPv6 echo requests, not replies',
      features: ['match.icmp', 'match.ipv6'],
      run: (t) => onlyMatching(t, 'icmp6,icmpv6_type=128', icmp6({ type: 128 }), [icmp6({ type: 129 })]),
    }),
    defineCase({
      id: 'match.nd-target',
      title: 'nd_target matches the target of a neighbor solicitation',
      features: ['match.icmp', 'match.ipv6'],
      run: (t) => onlyMatching(t, 'icmp6,icmpv6_type=135,nd_target=2001:db8::2', ndNs({ target: '2001:db8::2' }), [ndNs({ target: '2001:db8::3' })]),
    }),
  ],
};
