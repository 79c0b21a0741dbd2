import { defineCase, type CaseContext, type CaseGroup, type Delivery } from '../../harness/conformance/case.js';
import { buildFrame, buildPacket, ipv6ToBytes, type FrameSpec } from '../../harness/packet/index.js';
import type { Ipv6ExtSpec } from '../../harness/packet/ipv6-ext.js';
import { arp, H1, H2, tcp4, udp4, udp6 } from './frames.js';

/**
 * Matching breadth: SCTP, TCP flags, IPv6 extension headers and fragments, ND options, 802.1ad
 * stacks, and the set actions beyond addresses and ports (masked set_field, ARP and ND fields,
 * IPv6 traffic class and flow label).
 *
 * Expected frames are built, not patched: the packet library computes every checksum (IPv4,
 * TCP/UDP/ICMPv6 with their pseudo-headers, SCTP's CRC32c), so a byte-for-byte match proves the
 * datapath fixed up each one its rewrite touched.
 */

/**
 * Sends the frames that must not pass, waits until the datapath holds their megaflows, then the
 * one that must: a megaflow wider than the rule allows (a field the rule looked at left
 * wildcarded) would catch it and show. Sent together, it could miss as well and pass on the slow
 * path's verdict.
 */
export async function missThenHit(t: CaseContext, pipeline: string, misses: readonly Buffer[], hit: Buffer, expected: Delivery): Promise<void> {
  await t.pipeline(pipeline);
  await t.expectDelivery('h1', misses, {}, { listen: ['h2'], waitMs: 300 });
  for (const until = Date.now() + 2000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    if ((await t.dumpFlows()).length > 0) break;
  }
  await t.expectDelivery('h1', hit, expected);
}

/** "match -> output:p2" above "anything from p1 -> drop"; only `hit` may arrive, unchanged. */
const onlyMatching = (t: CaseContext, match: string, hit: Buffer, misses: readonly Buffer[]) =>
  missThenHit(t, [`priority=100,in_port=p1,${match},actions=output:p2`, 'priority=1,in_port=p1,actions=drop'].join('\n'), misses, hit, { h2: [hit] });

const eth = { src: H1.mac, dst: H2.mac } as const;
const ip4 = (o: { src?: string; dst?: string } = {}) => ({ src: o.src ?? H1.ip, dst: o.dst ?? H2.ip, ttl: 64, id: 0x4242 });
const ip6 = (o: { src?: string; dst?: string; tc?: number; flowLabel?: number } = {}) => ({
  src: o.src ?? H1.ip6,
  dst: o.dst ?? H2.ip6,
  hopLimit: 64,
  tc: o.tc ?? 0,
  flowLabel: o.flowLabel ?? 0,
});

// ---- SCTP -------------------------------------------------------------------------------------

/** An SCTP packet with one DATA chunk; the packet library computes its CRC32c. */
const sctp = (sport: number, dport: number) =>
  ({ sport, dport, tag: 0x0badcafe, chunks: [{ type: 'data', tsn: 7, streamId: 1, ppid: 0x33, data: 'sctp case' }] }) as const;
const sctp4 = (o: { sport?: number; dport?: number; src?: string } = {}) =>
  buildFrame({ ...eth, ipv4: ip4(o.src ? { src: o.src } : {}), sctp: sctp(o.sport ?? 5000, o.dport ?? 6000) });
const sctp6 = (o: { sport?: number; dport?: number } = {}) => buildFrame({ ...eth, ipv6: ip6(), sctp: sctp(o.sport ?? 5000, o.dport ?? 6000) });

export const sctpCases: CaseGroup = {
  suite: 'conformance',
  name: 'sctp',
  cases: [
    defineCase({
      id: 'sctp.match-dst',
      title: 'sctp,sctp_dst matches the SCTP destination port; another port and UDP with that port do not',
      features: ['sctp'],
      run: (t) => onlyMatching(t, 'sctp,sctp_dst=6000', sctp4({ dport: 6000 }), [sctp4({ dport: 6001 }), udp4({ sport: 5000, dport: 6000 })]),
    }),
    defineCase({
      id: 'sctp.set-dst',
      title: 'set_field sctp_dst rewrites the SCTP destination port and recomputes the CRC32c',
      features: ['sctp'],
      run: async (t) => {
        await t.pipeline('sctp,in_port=p1,actions=set_field:9999->sctp_dst,output:p2');
        await t.expectDelivery('h1', sctp4({ dport: 6000 }), { h2: [sctp4({ dport: 9999 })] });
      },
    }),
    defineCase({
      id: 'sctp.set-src-ipv6',
      title: 'set_field sctp_src over IPv6 rewrites the source port and recomputes the CRC32c',
      features: ['sctp', 'match.ipv6'],
      run: async (t) => {
        await t.pipeline('sctp6,in_port=p1,actions=set_field:36412->sctp_src,output:p2');
        await t.expectDelivery('h1', sctp6({ sport: 5000 }), { h2: [sctp6({ sport: 36412 })] });
      },
    }),
    defineCase({
      id: 'sctp.set-ipv4-src',
      title: 'rewriting the IPv4 source of SCTP fixes the IP checksum and leaves the CRC32c (no pseudo-header) alone',
      features: ['sctp', 'set.ipv4'],
      run: async (t) => {
        await t.pipeline('sctp,in_port=p1,actions=mod_nw_src:192.0.2.5,output:p2');
        await t.expectDelivery('h1', sctp4(), { h2: [sctp4({ src: '192.0.2.5' })] });
      },
    }),
  ],
};

// ---- TCP flags --------------------------------------------------------------------------------

const seg = (flags: string) => tcp4({ sport: 40000, dport: 80, flags, seq: 100, ack: flags.includes('A') ? 200 : 0 });
const seg6 = (flags: string) => buildFrame({ ...eth, ipv6: ip6(), tcp: { sport: 40000, dport: 80, flags, seq: 100, ack: flags.includes('A') ? 200 : 0 } });

export const tcpFlagsCases: CaseGroup = {
  suite: 'conformance',
  name: 'tcp-flags',
  cases: [
    defineCase({
      id: 'tcp-flags.fin',
      title: 'tcp_flags=+fin matches FIN-ACK, not a bare ACK or PSH-ACK',
      features: ['match.tcp_flags'],
      run: (t) => onlyMatching(t, 'tcp,tcp_flags=+fin', seg('FA'), [seg('A'), seg('PA')]),
    }),
    defineCase({
      id: 'tcp-flags.rst-not-ack',
      title: 'tcp_flags=+rst-ack matches a bare RST, not RST-ACK or SYN',
      features: ['match.tcp_flags'],
      run: (t) => onlyMatching(t, 'tcp,tcp_flags=+rst-ack', seg('R'), [seg('RA'), seg('S')]),
    }),
    defineCase({
      id: 'tcp-flags.masked',
      title: 'tcp_flags=0x010/0x012 (ACK set, SYN clear) matches PSH-ACK, not SYN-ACK or SYN',
      features: ['match.tcp_flags'],
      run: (t) => onlyMatching(t, 'tcp,tcp_flags=0x010/0x012', seg('PA'), [seg('SA'), seg('S')]),
    }),
    defineCase({
      id: 'tcp-flags.ipv6-syn',
      title: 'tcp6,tcp_flags=+syn-ack matches a SYN over IPv6, not a SYN-ACK',
      features: ['match.tcp_flags', 'match.ipv6'],
      run: (t) => onlyMatching(t, 'tcp6,tcp_flags=+syn-ack', seg6('S'), [seg6('SA')]),
    }),
  ],
};

// ---- Masked set_field -------------------------------------------------------------------------

const u = (o: Parameters<typeof udp4>[0] = {}) => udp4({ sport: 1111, dport: 2222, payload: 'masked set', ...o });
const t4 = (dport: number) => tcp4({ sport: 40000, dport, flags: 'PA', seq: 1000, ack: 2000, payload: 'GET /' });

export const setMaskedCases: CaseGroup = {
  suite: 'conformance',
  name: 'set-masked',
  cases: [
    defineCase({
      id: 'set-masked.eth-dst',
      title: 'set_field with mask 00:00:00:00:00:ff rewrites only the last byte of the destination MAC',
      features: ['set.masked', 'set.eth'],
      run: async (t) => {
        await t.pipeline('in_port=p1,actions=set_field:11:22:33:44:55:aa/00:00:00:00:00:ff->eth_dst,output:p2');
        await t.expectDelivery('h1', u(), { h2: [u({ dst: '0a:dd:00:00:00:aa' })] });
      },
    }),
    defineCase({
      id: 'set-masked.ipv4-src',
      title: 'set_field 192.168.7.7/255.255.0.0 on ip_src replaces only the first two bytes (10.0.3.4 becomes 192.168.3.4) and fixes IP and UDP checksums',
      features: ['set.masked', 'set.ipv4'],
      run: async (t) => {
        await t.pipeline('ip,in_port=p1,actions=set_field:192.168.7.7/255.255.0.0->ip_src,output:p2');
        await t.expectDelivery('h1', u({ ip: { src: '10.0.3.4' } }), { h2: [u({ ip: { src: '192.168.3.4' } })] });
      },
    }),
    defineCase({
      id: 'set-masked.tcp-dst',
      title: 'set_field 0x1f00/0xff00 on tcp_dst replaces the high byte of port 80 (8016) and fixes the checksum',
      features: ['set.masked', 'set.l4'],
      run: async (t) => {
        await t.pipeline('tcp,in_port=p1,actions=set_field:0x1f00/0xff00->tcp_dst,output:p2');
        await t.expectDelivery('h1', t4(0x0050), { h2: [t4(0x1f50)] });
      },
    }),
    defineCase({
      id: 'set-masked.ipv6-label',
      title: 'set_field 0xabc00/0xfff00 on ipv6_label replaces the top 12 bits of the flow label and keeps the rest',
      features: ['set.masked', 'set.ipv6'],
      run: async (t) => {
        await t.pipeline('ipv6,in_port=p1,actions=set_field:0xabc00/0xfff00->ipv6_label,output:p2');
        const f = (flowLabel: number) => buildFrame({ ...eth, ipv6: ip6({ tc: 0x28, flowLabel }), udp: { sport: 1, dport: 2 }, payload: 'masked label' });
        await t.expectDelivery('h1', f(0x12345), { h2: [f(0xabc45)] });
      },
    }),
  ],
};

// ---- IPv6 extension headers and fragments -----------------------------------------------------

/** A UDP/IPv6 datagram behind an extension header chain (its checksum over the final destination's pseudo-header). */
const udp6Behind = (extensions: readonly Ipv6ExtSpec[], dport: number) =>
  buildFrame({ ...eth, ipv6: { ...ip6(), extensions }, udp: { sport: 1000, dport }, payload: 'behind extension headers' });

/**
 * The two fragments of one UDP/IPv6 datagram (RFC 8200 4.5): its first 16 bytes (UDP header and
 * 8 bytes of data), then the rest at offset 2 (16 bytes).
 */
function udp6Fragments(dport: number, id: number): [Buffer, Buffer] {
  const whole = buildPacket({ ipv6: ip6(), udp: { sport: 1000, dport }, payload: 'fragmented datagram, two parts' }).subarray(40);
  const part = (fragOffset: number, mf: boolean, payload: Buffer) =>
    buildFrame({ ...eth, ipv6: { ...ip6(), extensions: [{ type: 'fragment', nextHeader: 17, fragOffset, mf, id }] }, payload });
  return [part(0, true, whole.subarray(0, 16)), part(2, false, whole.subarray(16))];
}

const hbh: Ipv6ExtSpec = { type: 'hopByHop', options: [{ type: 'routerAlert', value: 0 }] };
const dst: Ipv6ExtSpec = { type: 'destination', options: [{ type: 'padN', length: 4 }] };
const rh: Ipv6ExtSpec = { type: 'srh', segments: [H2.ip6], segmentsLeft: 0 };

export const ipv6ExtCases: CaseGroup = {
  suite: 'conformance',
  name: 'ipv6-ext',
  cases: [
    defineCase({
      id: 'ipv6-ext.hop-by-hop-udp-port',
      title: 'udp6,tp_dst matches a datagram behind a hop-by-hop header; another port behind it does not',
      features: ['match.ipv6_ext', 'match.l4'],
      run: (t) => onlyMatching(t, 'udp6,tp_dst=53', udp6Behind([hbh], 53), [udp6Behind([hbh], 54)]),
    }),
    defineCase({
      id: 'ipv6-ext.chain-udp-port',
      title: 'udp6,tp_dst matches behind hop-by-hop, destination options and a routing header (segments left 0)',
      features: ['match.ipv6_ext', 'match.l4'],
      run: (t) => onlyMatching(t, 'udp6,tp_dst=53', udp6Behind([hbh, dst, rh], 53), [udp6Behind([hbh, dst, rh], 54)]),
    }),
    defineCase({
      id: 'ipv6-ext.set-port-behind-headers',
      title: 'set_field udp_dst on a datagram behind hop-by-hop and destination options fixes the UDP checksum',
      features: ['match.ipv6_ext', 'set.l4'],
      run: async (t) => {
        await t.pipeline('udp6,in_port=p1,actions=set_field:4789->udp_dst,output:p2');
        await t.expectDelivery('h1', udp6Behind([hbh, dst], 53), { h2: [udp6Behind([hbh, dst], 4789)] });
      },
    }),
    defineCase({
      id: 'ipv6-ext.set-src-behind-headers',
      title: 'set_field ipv6_src on a datagram behind hop-by-hop and destination options fixes the UDP checksum behind them',
      features: ['match.ipv6_ext', 'set.ipv6'],
      run: async (t) => {
        await t.pipeline('ipv6,in_port=p1,actions=set_field:2001:db8::99->ipv6_src,output:p2');
        const from = (src?: string) =>
          buildFrame({
            ...eth,
            ipv6: { ...ip6(), ...(src ? { src } : {}), extensions: [hbh, dst] },
            udp: { sport: 1000, dport: 53 },
            payload: 'behind extension headers',
          });
        await t.expectDelivery('h1', from(), { h2: [from('2001:db8::99')] });
      },
    }),
    defineCase({
      id: 'ipv6-ext.frag-first',
      title: 'ipv6,ip_frag=first matches the first fragment (UDP header in it), not an unfragmented datagram nor a later fragment',
      features: ['match.ipv6_ext', 'match.ip_frag'],
      run: async (t) => {
        const [first, later] = udp6Fragments(53, 0x1234);
        await onlyMatching(t, 'ipv6,ip_frag=first', first, [udp6({ sport: 1000, dport: 53 }), later]);
      },
    }),
    defineCase({
      id: 'ipv6-ext.frag-later',
      title: 'ipv6,ip_frag=later matches a later fragment, not the first one',
      features: ['match.ipv6_ext', 'match.ip_frag'],
      run: async (t) => {
        const [first, later] = udp6Fragments(53, 0x5678);
        await onlyMatching(t, 'ipv6,ip_frag=later', later, [first]);
      },
    }),
    defineCase({
      id: 'ipv6-ext.first-frag-ports-zero',
      title: 'in the default fragment mode (normal) the UDP ports of a first fragment read as 0: udp6,tp_dst=0 matches it, not an unfragmented datagram',
      features: ['match.ipv6_ext', 'match.ip_frag', 'match.l4'],
      run: async (t) => {
        // ovs-ofctl(8) set-frags: "normal ... The TCP ports, UDP ports, and ICMP type and code
        // fields are always set to 0, even for fragments where that information would otherwise
        // be available (fragments with offset 0). This is the default".
        const [first] = udp6Fragments(53, 0x1111);
        await onlyMatching(t, 'udp6,tp_dst=0', first, [udp6({ sport: 1000, dport: 53 })]);
      },
    }),
  ],
};

// ---- ND options, ARP and ND set actions, IPv6 traffic class and flow label ---------------------

/** The solicited-node multicast group (and its MAC) of an address. */
function solicitedNode(target: string): { ip: string; mac: string } {
  const tail = [...ipv6ToBytes(target).subarray(13)].map((b) => b.toString(16).padStart(2, '0'));
  return { ip: `ff02::1:ff${tail[0]}:${tail[1]}${tail[2]}`, mac: `33:33:ff:${tail.join(':')}` };
}

/** A neighbour solicitation from h1 for `target`, sent to `group`'s solicited-node address, with a source link-layer option. */
function ns(o: { target: string; group?: string; sll?: string }): Buffer {
  const g = solicitedNode(o.group ?? o.target);
  return buildFrame({
    src: H1.mac,
    dst: g.mac,
    ipv6: { src: H1.ip6, dst: g.ip, hopLimit: 255 },
    icmp6: { type: 135, target: o.target, lladdr: o.sll ?? H1.mac },
  });
}

/** A solicited neighbour advertisement from h1 to h2 for `target`, with a target link-layer option. */
function na(o: { target?: string; tll?: string } = {}): Buffer {
  return buildFrame({
    src: H1.mac,
    dst: H2.mac,
    ipv6: { src: H1.ip6, dst: H2.ip6, hopLimit: 255 },
    icmp6: { type: 136, target: o.target ?? H1.ip6, lladdr: o.tll ?? H1.mac },
  });
}

const v6 = (o: { tc?: number; flowLabel?: number } = {}): Buffer => {
  const spec: FrameSpec = { ...eth, ipv6: ip6(o), udp: { sport: 1000, dport: 2000 }, payload: 'traffic class' };
  return buildFrame(spec);
};

export const ndArpCases: CaseGroup = {
  suite: 'conformance',
  name: 'nd-arp',
  cases: [
    defineCase({
      id: 'nd-arp.match-nd-sll',
      title: 'nd_sll matches the source link-layer option of a neighbour solicitation',
      features: ['match.icmp', 'match.ipv6'],
      run: (t) =>
        onlyMatching(t, 'icmp6,icmpv6_type=135,nd_sll=0a:dd:00:00:00:01', ns({ target: H2.ip6, sll: '0a:dd:00:00:00:01' }), [
          ns({ target: H2.ip6, sll: '0a:dd:00:00:00:09' }),
        ]),
    }),
    defineCase({
      id: 'nd-arp.match-nd-tll',
      title: 'nd_tll and nd_target match the target link-layer option and target of a neighbour advertisement',
      features: ['match.icmp', 'match.ipv6'],
      run: (t) =>
        onlyMatching(t, `icmp6,icmpv6_type=136,nd_target=${H1.ip6},nd_tll=0a:dd:00:00:00:01`, na({ tll: '0a:dd:00:00:00:01' }), [
          na({ tll: '0a:dd:00:00:00:09' }),
          na({ target: '2001:db8::7', tll: '0a:dd:00:00:00:01' }),
        ]),
    }),
    defineCase({
      id: 'nd-arp.set-nd-target',
      title: 'set_field nd_target rewrites the target of a solicitation and fixes the ICMPv6 checksum',
      features: ['set.arp_nd'],
      run: async (t) => {
        await t.pipeline('icmp6,icmpv6_type=135,in_port=p1,actions=set_field:2001:db8::99->nd_target,output:p2');
        // The IPv6 destination stays the solicited-node group of the original target.
        await t.expectDelivery('h1', ns({ target: H2.ip6 }), { h2: [ns({ target: '2001:db8::99', group: H2.ip6 })] });
      },
    }),
    defineCase({
      id: 'nd-arp.set-nd-tll',
      title: 'set_field nd_tll rewrites the target link-layer option of an advertisement and fixes the checksum',
      features: ['set.arp_nd'],
      run: async (t) => {
        await t.pipeline('icmp6,icmpv6_type=136,in_port=p1,actions=set_field:0a:dd:00:00:00:99->nd_tll,output:p2');
        await t.expectDelivery('h1', na(), { h2: [na({ tll: '0a:dd:00:00:00:99' })] });
      },
    }),
    defineCase({
      id: 'nd-arp.set-arp-spa',
      title: 'set_field arp_spa rewrites the sender protocol address of an ARP request only',
      features: ['set.arp_nd'],
      run: async (t) => {
        await t.pipeline('arp,in_port=p1,actions=set_field:10.0.0.99->arp_spa,output:p2');
        await t.expectDelivery('h1', arp({ op: 1, spa: '10.0.0.1', tpa: '10.0.0.2' }), { h2: [arp({ op: 1, spa: '10.0.0.99', tpa: '10.0.0.2' })] });
      },
    }),
    defineCase({
      id: 'nd-arp.set-arp-tha',
      title: 'set_field arp_tha rewrites the target hardware address of an ARP reply, not its Ethernet destination',
      features: ['set.arp_nd'],
      run: async (t) => {
        await t.pipeline('arp,arp_op=2,in_port=p1,actions=set_field:0a:dd:00:00:00:77->arp_tha,output:p2');
        const reply = (tha?: string) => arp({ op: 2, spa: '10.0.0.1', tpa: '10.0.0.2', ...(tha ? { tha } : {}) });
        await t.expectDelivery('h1', reply(), { h2: [reply('0a:dd:00:00:00:77')] });
      },
    }),
    defineCase({
      id: 'nd-arp.ipv6-tos',
      title: 'mod_nw_tos on IPv6 sets the DSCP of the traffic class and keeps its ECN bits',
      features: ['set.ip_tos', 'match.ipv6'],
      run: async (t) => {
        await t.pipeline('ipv6,in_port=p1,actions=mod_nw_tos:0xb8,output:p2');
        await t.expectDelivery('h1', v6({ tc: 0x01 }), { h2: [v6({ tc: 0xb9 })] });
      },
    }),
    defineCase({
      id: 'nd-arp.ipv6-ecn',
      title: 'mod_nw_ecn on IPv6 sets the ECN bits of the traffic class and keeps its DSCP',
      features: ['set.arp_nd'],
      run: async (t) => {
        await t.pipeline('ipv6,in_port=p1,actions=mod_nw_ecn:3,output:p2');
        await t.expectDelivery('h1', v6({ tc: 0x28 }), { h2: [v6({ tc: 0x2b })] });
      },
    }),
    defineCase({
      id: 'nd-arp.ipv6-label',
      title: 'set_field ipv6_label rewrites the flow label and keeps the traffic class',
      features: ['set.arp_nd', 'set.ipv6'],
      run: async (t) => {
        await t.pipeline('ipv6,in_port=p1,actions=set_field:0x54321->ipv6_label,output:p2');
        await t.expectDelivery('h1', v6({ tc: 0x28, flowLabel: 0x12345 }), { h2: [v6({ tc: 0x28, flowLabel: 0x54321 })] });
      },
    }),
  ],
};

// ---- 802.1ad: service tags and stacks beyond two ----------------------------------------------

const tagged = (vlans: readonly { vid: number; tpid?: number; pcp?: number }[]) => udp4({ sport: 7000, dport: 8000, payload: 'qinq case', vlans });
const S = 0x88a8;

export const qinqCases: CaseGroup = {
  suite: 'conformance',
  name: 'qinq',
  cases: [
    defineCase({
      id: 'qinq.pop-service-tag',
      title: 'pop_vlan on an 802.1ad frame removes the service tag and keeps the customer tag',
      features: ['vlan.qinq'],
      run: async (t) => {
        await t.pipeline('in_port=p1,dl_vlan=200,actions=pop_vlan,output:p2');
        await t.expectDelivery(
          'h1',
          tagged([
            { vid: 200, tpid: S, pcp: 3 },
            { vid: 10, pcp: 5 },
          ]),
          { h2: [tagged([{ vid: 10, pcp: 5 }])] },
        );
      },
    }),
    defineCase({
      id: 'qinq.match-customer-after-pop',
      title: 'after popping the service tag a later table matches the customer VID: VID 10 passes, VID 11 does not',
      features: ['vlan.qinq', 'multitable'],
      run: async (t) => {
        const pipeline = [
          'table=0,in_port=p1,dl_vlan=200,actions=pop_vlan,resubmit(,1)',
          'table=1,priority=10,dl_vlan=10,actions=output:p2',
          'table=1,priority=0,actions=drop',
        ].join('\n');
        const outer = { vid: 200, tpid: S };
        await missThenHit(t, pipeline, [tagged([outer, { vid: 11 }])], tagged([outer, { vid: 10 }]), { h2: [tagged([{ vid: 10 }])] });
      },
    }),
    defineCase({
      id: 'qinq.triple-tag-forward',
      title: 'a three-tag frame, one tag more than the flow key holds (Max VLAN headers: 2), is matched on its outer tag and forwarded unchanged',
      features: ['vlan.qinq'],
      run: async (t) => {
        const inner = [{ vid: 20 }, { vid: 10 }];
        const hit = tagged([{ vid: 300, tpid: S }, ...inner]);
        await onlyMatching(t, 'dl_vlan=300', hit, [tagged([{ vid: 301, tpid: S }, ...inner])]);
      },
    }),
    defineCase({
      id: 'qinq.triple-tag-pop-match-second',
      title: 'on a three-tag frame, pop_vlan then a later table matches the second tag; two tags go out',
      features: ['vlan.qinq', 'multitable'],
      run: async (t) => {
        const pipeline = [
          'table=0,in_port=p1,dl_vlan=300,actions=pop_vlan,resubmit(,1)',
          'table=1,priority=10,dl_vlan=20,actions=output:p2',
          'table=1,priority=0,actions=drop',
        ].join('\n');
        const outer = { vid: 300, tpid: S };
        const hit = [{ vid: 20 }, { vid: 10 }];
        await missThenHit(t, pipeline, [tagged([outer, { vid: 21 }, { vid: 10 }])], tagged([outer, ...hit]), { h2: [tagged(hit)] });
      },
    }),
    defineCase({
      id: 'qinq.push-service-on-double',
      title: 'push_vlan:0x88a8 on a double-tagged frame adds a third, outermost tag and keeps both others',
      features: ['vlan.qinq'],
      run: async (t) => {
        await t.pipeline('in_port=p1,dl_vlan=200,actions=push_vlan:0x88a8,set_field:4396->vlan_vid,output:p2');
        const two = [{ vid: 200, tpid: S }, { vid: 10 }];
        await t.expectDelivery('h1', tagged(two), { h2: [tagged([{ vid: 300, tpid: S }, ...two])] });
      },
    }),
  ],
};
