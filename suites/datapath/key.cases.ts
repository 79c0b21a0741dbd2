import { AssertionError } from 'chai';
import { CaseSkipped, defineCase, type CaseContext, type CaseGroup } from '../../harness/conformance/case.js';
import { keyDifferences } from '../../harness/odp/key-match.js';
import { arp, H1, H2, ndNs, tcp4, udp4 } from '../conformance/frames.js';

const ETH = `eth(src=${H1.mac},dst=${H2.mac})`;
const FROM_H1 = `eth(src=${H1.mac})`;
const IP4 = `ipv4(src=${H1.ip},dst=${H2.ip},proto=17,tos=0,ttl=64,frag=no)`;

/**
 * The flow key the datapath extracts from one frame, seen in its miss upcall, against the rules
 * of the OVS datapath (seed 003). With no pipeline every frame misses; the kernel module is the
 * oracle for what the key must be.
 */
async function expectKey(t: CaseContext, frame: Buffer, expected: string, absent: readonly string[] = [], noUpcall?: string): Promise<void> {
  await t.pipeline('');
  const [key] = await t.dp.missKeysOf('h1', [frame]);
  if (key === undefined && noUpcall) throw new CaseSkipped(noUpcall);
  if (key === undefined) throw new AssertionError('no miss upcall for the frame within 3 s');
  const problems = keyDifferences(expected, key, absent);
  if (problems.length > 0) throw new AssertionError(`flow key differs: ${problems.join('; ')} (key: ${key})`);
}

const keyCase = (id: string, title: string, features: readonly string[], frame: () => Buffer, expected: string, absent: readonly string[] = []) =>
  defineCase({ id: `key.${id}`, title, features: ['dp.miss_key', ...features], run: (t) => expectKey(t, frame(), expected, absent) });

export const keyCases: CaseGroup = {
  suite: 'datapath',
  name: 'key',
  cases: [
    keyCase(
      'ipv4-udp',
      'Ethernet, IPv4 and UDP fields of a well-formed frame',
      ['match.ipv4', 'match.l4'],
      () => udp4(),
      `${ETH},eth_type(0x0800),${IP4},udp(src=1000,dst=2000)`,
    ),
    keyCase(
      'tcp-flags',
      'TCP ports and flags (SYN+ACK) as tcp() and tcp_flags()',
      ['match.l4'],
      () => tcp4({ flags: 'SA' }),
      `${ETH},eth_type(0x0800),ipv4(proto=6,frag=no),tcp(src=40000,dst=80),tcp_flags(syn|ack)`,
    ),
    keyCase(
      'vlan',
      'an 802.1Q tag: outer eth_type 0x8100, vlan(), the rest inside encap()',
      ['match.vlan'],
      () => udp4({ vlans: [{ vid: 10, pcp: 3 }] }),
      `${ETH},eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),${IP4},udp(src=1000,dst=2000))`,
    ),
    keyCase(
      'qinq',
      'an 802.1Q tag inside an 802.1ad tag: nested encap()',
      ['match.vlan', 'vlan.qinq'],
      () => udp4({ vlans: [{ vid: 200, tpid: 0x88a8 }, { vid: 10 }] }),
      `${ETH},eth_type(0x88a8),vlan(vid=200,pcp=0),encap(eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800),${IP4},udp(src=1000,dst=2000)))`,
    ),
    keyCase(
      'arp',
      'ARP opcode, addresses and hardware addresses',
      ['match.arp'],
      () => arp({ op: 1, spa: H1.ip, tpa: H2.ip }),
      `${FROM_H1},eth_type(0x0806),arp(sip=${H1.ip},tip=${H2.ip},op=1,sha=${H1.mac},tha=00:00:00:00:00:00)`,
    ),
    keyCase(
      'ipv6-nd',
      'ICMPv6 neighbour solicitation: nd() with target and source link-layer address',
      ['match.ipv6', 'match.icmp'],
      () => ndNs({ target: H2.ip6 }),
      `${FROM_H1},eth_type(0x86dd),ipv6(src=${H1.ip6},proto=58,frag=no),icmpv6(type=135,code=0),nd(target=${H2.ip6},sll=${H1.mac},tll=00:00:00:00:00:00)`,
    ),
    keyCase(
      'ipv4-first-fragment',
      'a first fragment keeps its L4 ports (frag=first)',
      ['match.ip_frag'],
      () => udp4({ ip: { moreFragments: true } }),
      `${ETH},eth_type(0x0800),ipv4(proto=17,frag=first),udp(src=1000,dst=2000)`,
    ),
    keyCase(
      'ipv4-later-fragment',
      'a later fragment has no L4 attribute (frag=later)',
      ['match.ip_frag'],
      () => udp4({ ip: { fragOffset: 185 } }),
      `${ETH},eth_type(0x0800),ipv4(proto=17,frag=later)`,
      ['udp'],
    ),
    keyCase(
      'seed003-truncated-tcp',
      'seed 003: IPv4 proto 6 truncated right after the IP header gives tcp(src=0,dst=0), not a drop',
      ['match.l4'],
      () => tcp4().subarray(0, 34),
      `${ETH},eth_type(0x0800),ipv4(src=${H1.ip},dst=${H2.ip},proto=6,frag=no),tcp(src=0,dst=0)`,
    ),
    defineCase({
      id: 'key.seed003-truncated-vlan',
      title: 'seed 003: eth_type 0x8100 truncated right after it gives vlan(0) with CFI clear and an empty encap()',
      features: ['dp.miss_key', 'match.vlan'],
      run: (t) =>
        expectKey(
          t,
          udp4({ vlans: [{ vid: 10 }] }).subarray(0, 14),
          `${ETH},eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0),encap()`,
          [],
          // Found on 6.1 and 6.18: skb_vlan_untag() frees such a frame in __netif_receive_skb_core,
          // before TC and the OVS vport see it; only an XDP hook meets it.
          "the frame never reached this datapath's hook: Linux's receive path drops an 802.1Q header cut after its ethertype (skb_vlan_untag) before TC and OVS vports",
        ),
    }),
    keyCase(
      'ipv4-bad-ihl',
      'an IPv4 header longer than the frame (IHL 15) gives an all-zero ipv4() and no L4',
      ['match.ipv4'],
      () => {
        const f = Buffer.from(udp4());
        f[14] = 0x4f;
        return f;
      },
      `${ETH},eth_type(0x0800),ipv4(src=0.0.0.0,dst=0.0.0.0,proto=0,tos=0,ttl=0,frag=no)`,
      ['udp'],
    ),
    keyCase(
      'llc',
      'an 802.3 length frame (LLC) carries no eth_type attribute, as OVS encodes non-Ethernet-II',
      ['match.eth'],
      () => Buffer.from('0add000000020add00000001002aaaaa03000000' + '00'.repeat(40), 'hex'),
      ETH,
      ['eth_type'],
    ),
  ],
};
