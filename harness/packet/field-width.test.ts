import { expect } from 'chai';
import { buildFrame, FrameSpecError } from './build.js';
import type { FrameSpec } from './spec.js';

const MAC_A = '0a:dd:00:00:00:01';
const MAC_B = '0a:dd:00:00:00:02';
const ETH = { dst: MAC_B, src: MAC_A } as const;
const IP4 = { src: '10.0.0.1', dst: '10.0.0.2' } as const;
const IP6 = { src: '2001:db8::1', dst: '2001:db8::2' } as const;

const refusal = (s: FrameSpec): string => {
  try {
    buildFrame(s);
  } catch (e) {
    expect(e).to.be.instanceOf(FrameSpecError);
    return (e as Error).message;
  }
  throw new Error('expected the spec to be refused');
};

describe('frame builder field widths: a value its field cannot hold is refused, never truncated', () => {
  const cases: [string, FrameSpec, string][] = [
    ['VLAN PCP 8 (was sent as 0)', { ...ETH, vlans: [{ vid: 10, pcp: 8 }], ethertype: 0x88b5 }, 'vlan[0].pcp: 8 is out of range 0..7 (3-bit field)'],
    ['VLAN DEI 2', { ...ETH, vlans: [{ vid: 10 }, { vid: 11, dei: 2 }], ethertype: 0x88b5 }, 'vlan[1].dei: 2 is out of range 0..1 (1-bit field)'],
    ['VLAN id 4096', { ...ETH, vlans: [{ vid: 4096 }], ethertype: 0x88b5 }, 'vlan[0].vid: 4096 is out of range 0..4095 (12-bit field)'],
    ['VLAN TPID 0x10000', { ...ETH, vlans: [{ vid: 1, tpid: 0x10000 }], ethertype: 0x88b5 }, 'vlan[0].tpid: 65536 is out of range 0..65535 (16-bit field)'],
    ['ethertype 0x10000', { ...ETH, ethertype: 0x10000 }, 'eth.ethertype: 65536 is out of range 0..65535 (16-bit field)'],
    ['ARP op 65536', { ...ETH, arp: { op: 65536, sha: MAC_A, spa: '10.0.0.1', tpa: '10.0.0.2' } }, 'arp.op: 65536 is out of range 0..65535 (16-bit field)'],
    ['IPv4 TTL 300 (was sent as 44)', { ...ETH, ipv4: { ...IP4, ttl: 300 } }, 'ipv4.ttl: 300 is out of range 0..255 (8-bit field)'],
    ['IPv4 TOS 256', { ...ETH, ipv4: { ...IP4, tos: 256 } }, 'ipv4.tos: 256 is out of range 0..255 (8-bit field)'],
    ['IPv4 id 65536', { ...ETH, ipv4: { ...IP4, id: 65536 } }, 'ipv4.id: 65536 is out of range 0..65535 (16-bit field)'],
    [
      'IPv4 fragment offset 0x2000 (was sent as 0)',
      { ...ETH, ipv4: { ...IP4, fragOffset: 0x2000 } },
      'ipv4.fragOffset: 8192 is out of range 0..8191 (13-bit field)',
    ],
    ['IPv4 protocol 256', { ...ETH, ipv4: { ...IP4, protocol: 256 } }, 'ipv4.protocol: 256 is out of range 0..255 (8-bit field)'],
    ['IPv4 checksum -1', { ...ETH, ipv4: { ...IP4, checksum: -1 } }, 'ipv4.checksum: -1 is out of range 0..65535 (16-bit field)'],
    ['IPv4 TTL 1.5', { ...ETH, ipv4: { ...IP4, ttl: 1.5 } }, 'ipv4.ttl: 1.5 is not an integer (8-bit field: 0..255)'],
    ['IPv4 total length past 65535', { ...ETH, ipv4: IP4, payload: Buffer.alloc(65516) }, 'ipv4.totalLength: 65536 is out of range 0..65535 (16-bit field)'],
    ['IPv6 traffic class 0x1ff (was written over the version)', { ...ETH, ipv6: { ...IP6, tc: 0x1ff } }, 'ipv6.tc: 511 is out of range 0..255 (8-bit field)'],
    ['IPv6 flow label 0x100000', { ...ETH, ipv6: { ...IP6, flowLabel: 0x100000 } }, 'ipv6.flowLabel: 1048576 is out of range 0..1048575 (20-bit field)'],
    ['IPv6 hop limit 256', { ...ETH, ipv6: { ...IP6, hopLimit: 256 } }, 'ipv6.hopLimit: 256 is out of range 0..255 (8-bit field)'],
    ['IPv6 next header 256', { ...ETH, ipv6: { ...IP6, nextHeader: 256 } }, 'ipv6.nextHeader: 256 is out of range 0..255 (8-bit field)'],
    ['UDP source port 65536', { ...ETH, ipv4: IP4, udp: { sport: 65536, dport: 2 } }, 'udp.sport: 65536 is out of range 0..65535 (16-bit field)'],
    ['UDP destination port -1', { ...ETH, ipv6: IP6, udp: { sport: 1, dport: -1 } }, 'udp.dport: -1 is out of range 0..65535 (16-bit field)'],
    [
      'UDP length past 65535',
      { ...ETH, ipv6: IP6, udp: { sport: 1, dport: 2 }, payload: Buffer.alloc(65528) },
      'udp.length: 65536 is out of range 0..65535 (16-bit field)',
    ],
    [
      'TCP sequence number 2^32 (was sent as 0)',
      { ...ETH, ipv4: IP4, tcp: { sport: 1, dport: 2, seq: 2 ** 32 } },
      'tcp.seq: 4294967296 is out of range 0..4294967295 (32-bit field)',
    ],
    ['TCP ack -1', { ...ETH, ipv4: IP4, tcp: { sport: 1, dport: 2, ack: -1 } }, 'tcp.ack: -1 is out of range 0..4294967295 (32-bit field)'],
    [
      'TCP flags 0x200 (was sent as 0)',
      { ...ETH, ipv4: IP4, tcp: { sport: 1, dport: 2, flags: 0x200 } },
      'tcp.flags: 512 is out of range 0..511 (9-bit field)',
    ],
    ['TCP window 65536', { ...ETH, ipv4: IP4, tcp: { sport: 1, dport: 2, window: 65536 } }, 'tcp.window: 65536 is out of range 0..65535 (16-bit field)'],
    ['ICMP type 256', { ...ETH, ipv4: IP4, icmp: { type: 256 } }, 'icmp.type: 256 is out of range 0..255 (8-bit field)'],
    ['ICMP code 256', { ...ETH, ipv4: IP4, icmp: { type: 8, code: 256 } }, 'icmp.code: 256 is out of range 0..255 (8-bit field)'],
    ['ICMP echo id 65536', { ...ETH, ipv4: IP4, icmp: { type: 8, id: 65536 } }, 'icmp.id: 65536 is out of range 0..65535 (16-bit field)'],
    ['ICMPv6 echo seq 65536', { ...ETH, ipv6: IP6, icmp6: { type: 128, seq: 65536 } }, 'icmp6.seq: 65536 is out of range 0..65535 (16-bit field)'],
  ];
  for (const [what, spec, message] of cases) {
    it(what, () => expect(refusal(spec)).to.equal(message));
  }
});
