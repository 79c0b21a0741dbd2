import { expect } from 'chai';
import { buildFrame } from './build.js';
import { internetChecksum } from './checksum.js';
import { parseFrame } from './parse.js';

const MAC_A = '0a:dd:00:00:00:01';
const MAC_B = '0a:dd:00:00:00:02';
const ETH = { dst: MAC_B, src: MAC_A } as const;
const IP4 = { src: '10.0.0.1', dst: '10.0.0.2', id: 0x4242 } as const;
const IP6 = { src: '2001:db8::1', dst: '2001:db8::2' } as const;
const DATA = Buffer.alloc(100, 0x5a);

/** The first IPv4 fragment of a built datagram, holding its first `bytes` (a multiple of 8) of L4, as a router cuts it. */
function firstFragment4(datagram: Buffer, bytes: number): Buffer {
  const ip = Buffer.from(datagram.subarray(14, 34));
  ip.writeUInt16BE(20 + bytes, 2);
  ip.writeUInt16BE(ip.readUInt16BE(6) | 0x2000, 6);
  ip.writeUInt16BE(0, 10);
  ip.writeUInt16BE(internetChecksum(ip), 10);
  return Buffer.concat([datagram.subarray(0, 14), ip, datagram.subarray(34, 34 + bytes)]);
}

/** One IPv6 fragment of a built datagram: a fragment header (RFC 8200 4.5) and `bytes` of L4 from `offset` (in 8-byte units). */
function fragment6(datagram: Buffer, o: { readonly offset: number; readonly bytes: number; readonly more: boolean }): Buffer {
  const ip = Buffer.from(datagram.subarray(14, 54));
  const l4 = datagram.subarray(54);
  const data = l4.subarray(o.offset * 8, o.offset * 8 + o.bytes);
  const fh = Buffer.alloc(8);
  fh[0] = ip[6] as number;
  fh.writeUInt16BE((o.offset << 3) | (o.more ? 1 : 0), 2);
  fh.writeUInt32BE(0x0badcafe, 4);
  ip[6] = 44;
  ip.writeUInt16BE(8 + data.length, 4);
  return Buffer.concat([datagram.subarray(0, 14), ip, fh, data]);
}

describe('L4 checksums of fragments: the checksum covers the whole datagram, which a fragment does not hold', () => {
  it('reports the UDP checksum of a first IPv4 fragment (MF set, offset 0) as not verifiable, not bad', () => {
    const p = parseFrame(firstFragment4(buildFrame({ ...ETH, ipv4: IP4, udp: { sport: 1000, dport: 2000 }, payload: DATA }), 80));
    expect(p.ipv4).to.include({ mf: true, fragOffset: 0 });
    expect(p.udp).to.include({ sport: 1000, dport: 2000, length: 108 });
    expect(p.badChecksums).to.deep.equal([]);
    expect(p.unverifiedChecksums).to.deep.equal(['udp']);
  });

  it('does the same for TCP and ICMP in a first IPv4 fragment, and still checks the IPv4 header checksum', () => {
    const tcp = parseFrame(firstFragment4(buildFrame({ ...ETH, ipv4: IP4, tcp: { sport: 40000, dport: 80, flags: 'PA' }, payload: DATA }), 64));
    expect(tcp.tcp).to.include({ sport: 40000, dport: 80 });
    expect([tcp.badChecksums, tcp.unverifiedChecksums]).to.deep.equal([[], ['tcp']]);
    const icmp = parseFrame(firstFragment4(buildFrame({ ...ETH, ipv4: IP4, icmp: { type: 8, id: 7, seq: 1 }, payload: DATA }), 64));
    expect([icmp.badChecksums, icmp.unverifiedChecksums]).to.deep.equal([[], ['icmp']]);
    const badHeader = firstFragment4(buildFrame({ ...ETH, ipv4: IP4, udp: { sport: 1, dport: 2 }, payload: DATA }), 80);
    badHeader[24] = (badHeader[24] as number) ^ 0xff;
    expect(parseFrame(badHeader).badChecksums).to.deep.equal(['ipv4']);
  });

  it('reads the IPv6 fragment header, and reports the UDP checksum of a first fragment as not verifiable, not bad', () => {
    const p = parseFrame(fragment6(buildFrame({ ...ETH, ipv6: IP6, udp: { sport: 1000, dport: 2000 }, payload: DATA }), { offset: 0, bytes: 80, more: true }));
    expect(p.ipv6).to.include({ nextHeader: 44 });
    expect(p.ipv6?.fragment).to.deep.equal({ nextHeader: 17, fragOffset: 0, mf: true, id: 0x0badcafe });
    expect(p.udp).to.include({ sport: 1000, dport: 2000, length: 108 });
    expect(p.truncated).to.equal(undefined);
    expect(p.badChecksums).to.deep.equal([]);
    expect(p.unverifiedChecksums).to.deep.equal(['udp']);
  });

  it('gives a later IPv6 fragment no L4 header: its payload is the fragment data', () => {
    const datagram = buildFrame({ ...ETH, ipv6: IP6, udp: { sport: 1000, dport: 2000 }, payload: DATA });
    const p = parseFrame(fragment6(datagram, { offset: 10, bytes: 28, more: false }));
    expect(p.ipv6?.fragment).to.include({ nextHeader: 17, fragOffset: 10, mf: false });
    expect(p.udp).to.equal(undefined);
    expect(p.payload.equals(datagram.subarray(54 + 80))).to.equal(true);
    expect([p.badChecksums, p.unverifiedChecksums]).to.deep.equal([[], []]);
  });

  it('verifies the checksum of an atomic IPv6 fragment (offset 0, M clear): it holds the whole datagram', () => {
    const whole = fragment6(buildFrame({ ...ETH, ipv6: IP6, udp: { sport: 1000, dport: 2000 }, payload: DATA }), { offset: 0, bytes: 108, more: false });
    expect([parseFrame(whole).badChecksums, parseFrame(whole).unverifiedChecksums]).to.deep.equal([[], []]);
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 0x01;
    expect(parseFrame(flipped).badChecksums).to.deep.equal(['udp']);
  });

  it('names a fragment header cut short as the truncated layer', () => {
    const f = fragment6(buildFrame({ ...ETH, ipv6: IP6, udp: { sport: 1, dport: 2 }, payload: DATA }), { offset: 0, bytes: 80, more: true });
    const cut = Buffer.from(f.subarray(0, 54 + 5));
    cut.writeUInt16BE(5, 18);
    expect(parseFrame(cut).truncated).to.equal('ipv6: fragment header needs 8 bytes, 5 left');
  });
});
