import { expect } from 'chai';
import fc from 'fast-check';
import { buildFrame } from './build.js';
import type { FrameSpec } from './spec.js';
import { internetChecksum } from './checksum.js';
import { diffFrames } from './diff.js';
import { tcpFlagsToString } from './protocol-numbers.js';
import { parseFrame } from './parse.js';

const MAC_A = '0a:dd:00:00:00:01';
const MAC_B = '0a:dd:00:00:00:02';

describe('checksums', () => {
  it('computes the IPv4 header checksum of the textbook example (0xb861)', () => {
    const h = Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex');
    expect(internetChecksum(h)).to.equal(0xb861);
  });
});

describe('frame builder', () => {
  it('builds a UDP/IPv4 frame byte for byte as the kernel would send it', () => {
    const f = buildFrame({
      dst: MAC_B,
      src: MAC_A,
      ipv4: { src: '10.0.0.1', dst: '10.0.0.2', id: 0x1c46, df: true },
      udp: { sport: 1000, dport: 2000 },
      payload: 'hi',
    });
    // Checked against tshark's "[correct]" verdicts for both checksums.
    expect(f.toString('hex')).to.equal(
      '0add000000020add000000010800' + '4500001e1c4640004011' + '0a87' + '0a0000010a000002' + '03e807d0000a' + '77b6' + '6869',
    );
  });

  it('puts 802.1ad outer and 802.1Q inner tags in order', () => {
    const f = buildFrame({
      dst: MAC_B,
      src: MAC_A,
      vlans: [
        { tpid: 0x88a8, vid: 200 },
        { vid: 10, pcp: 5 },
      ],
      ethertype: 0x88b5,
      payload: 'x',
    });
    expect(f.subarray(12, 22).toString('hex')).to.equal('88a800c88100a00a88b5');
  });

  it('sends a computed UDP checksum of zero as 0xffff and keeps a requested zero checksum', () => {
    const zero = buildFrame({ dst: MAC_B, src: MAC_A, ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, udp: { sport: 1, dport: 2, zeroChecksum: true } });
    expect(parseFrame(zero).udp?.checksum).to.equal(0);
    expect(parseFrame(zero).badChecksums).to.deep.equal([]);
  });

  it('refuses impossible specs', () => {
    expect(() => buildFrame({ dst: MAC_B, src: MAC_A, udp: { sport: 1, dport: 2 } })).to.throw('needs ipv4 or ipv6');
    expect(() => buildFrame({ dst: MAC_B, src: MAC_A, arp: { op: 1, sha: MAC_A, spa: '10.0.0.1', tpa: '10.0.0.2' }, udp: { sport: 1, dport: 2 } })).to.throw(
      'needs ipv4 or ipv6',
    );
    expect(() => buildFrame({ dst: MAC_B, src: MAC_A, vlans: [{ vid: 4096 }], ethertype: 0x88b5 })).to.throw('4096');
    expect(() => buildFrame({ dst: MAC_B, src: MAC_A })).to.throw('ethertype');
  });

  it('builds ND neighbour solicitations with target and source link-layer option', () => {
    const f = buildFrame({
      dst: '33:33:ff:00:00:02',
      src: MAC_A,
      ipv6: { src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 },
      icmp6: { type: 135, target: '2001:db8::2', lladdr: MAC_A },
    });
    const p = parseFrame(f);
    expect(p.icmp6).to.include({ type: 135, target: '2001:db8::2', lladdr: MAC_A });
    expect(p.badChecksums).to.deep.equal([]);
  });
});

const port = fc.integer({ min: 0, max: 65535 });
// A UDP destination port of a tunnel (VXLAN, Geneve, GTP-U) makes its payload parse as the tunnel's.
const udpDport = port.filter((p) => ![4789, 6081, 2152].includes(p));
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
const ip4 = fc.ipV4();
const ip6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const g = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] as number) * 256 + (b[i + 1] as number)).toString(16));
  return g.join(':');
});
const vlans = fc.array(
  fc.record({
    vid: fc.integer({ min: 0, max: 4095 }),
    pcp: fc.integer({ min: 0, max: 7 }),
    dei: fc.integer({ min: 0, max: 1 }),
    tpid: fc.constantFrom(0x8100, 0x88a8),
  }),
  { maxLength: 2 },
);
const payload = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));

const l4v4 = fc.oneof(
  fc.record({ udp: fc.record({ sport: port, dport: udpDport }) }),
  fc.record({ tcp: fc.record({ sport: port, dport: port, seq: fc.nat(), ack: fc.nat(), flags: fc.integer({ min: 0, max: 0x1ff }), window: port }) }),
  fc.record({ icmp: fc.record({ type: fc.constantFrom(0, 8), code: fc.constant(0), id: port, seq: port }) }),
);
const l4v6 = fc.oneof(
  fc.record({ udp: fc.record({ sport: port, dport: udpDport }) }),
  fc.record({ tcp: fc.record({ sport: port, dport: port, seq: fc.nat(), flags: fc.integer({ min: 0, max: 0x1ff }) }) }),
  fc.record({ icmp6: fc.record({ type: fc.constantFrom(128, 129), id: port, seq: port }) }),
);
const spec: fc.Arbitrary<FrameSpec> = fc.oneof(
  fc
    .record({
      dst: mac,
      src: mac,
      vlans,
      payload,
      ipv4: fc.record({ src: ip4, dst: ip4, ttl: fc.integer({ min: 0, max: 255 }), tos: fc.integer({ min: 0, max: 255 }), id: port, df: fc.boolean() }),
    })
    .chain((s) => l4v4.map((l) => ({ ...s, ...l }))),
  fc
    .record({
      dst: mac,
      src: mac,
      vlans,
      payload,
      ipv6: fc.record({
        src: ip6,
        dst: ip6,
        hopLimit: fc.integer({ min: 0, max: 255 }),
        tc: fc.integer({ min: 0, max: 255 }),
        flowLabel: fc.integer({ min: 0, max: 0xfffff }),
      }),
    })
    .chain((s) => l4v6.map((l) => ({ ...s, ...l }))),
  fc.record({ dst: mac, src: mac, vlans, arp: fc.record({ op: fc.constantFrom(1, 2), sha: mac, spa: ip4, tha: mac, tpa: ip4 }) }),
);

describe('build -> parse round trip (property)', () => {
  it('parses every built frame back to the fields it was built from, checksums valid', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const p = parseFrame(buildFrame(s));
        expect(p.truncated).to.equal(undefined);
        expect(p.badChecksums).to.deep.equal([]);
        expect(p.eth?.dst).to.equal(s.dst);
        expect(p.eth?.vlans.map((v) => [v.tpid, v.pcp, v.dei, v.vid])).to.deep.equal((s.vlans ?? []).map((v) => [v.tpid, v.pcp, v.dei, v.vid]));
        if (s.ipv4) expect(p.ipv4).to.include({ src: s.ipv4.src, dst: s.ipv4.dst, ttl: s.ipv4.ttl, tos: s.ipv4.tos, df: s.ipv4.df });
        if (s.ipv6) expect(p.ipv6).to.include({ hopLimit: s.ipv6.hopLimit, tc: s.ipv6.tc, flowLabel: s.ipv6.flowLabel });
        if (s.arp) expect(p.arp).to.include({ op: s.arp.op, sha: s.arp.sha, spa: s.arp.spa, tpa: s.arp.tpa });
        if (s.udp) expect(p.udp).to.include({ sport: s.udp.sport, dport: s.udp.dport });
        if (s.tcp) expect(p.tcp).to.include({ sport: s.tcp.sport, dport: s.tcp.dport, flags: s.tcp.flags });
        if (s.icmp) expect(p.icmp).to.include({ type: s.icmp.type, id: s.icmp.id, seq: s.icmp.seq });
        if (s.icmp6) expect(p.icmp6).to.include({ type: s.icmp6.type, id: s.icmp6.id, seq: s.icmp6.seq });
        if (!s.arp) expect(p.payload.equals(s.payload as Buffer)).to.equal(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on any prefix of a valid frame, and names the truncated layer', () => {
    fc.assert(
      fc.property(spec, fc.nat(), (s, cut) => {
        const full = buildFrame(s);
        const part = full.subarray(0, cut % (full.length + 1));
        const p = parseFrame(part);
        expect(p.length).to.equal(part.length);
        if (part.length < 14) expect(p.truncated).to.match(/^eth:/);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void parseFrame(Buffer.from(b))),
      { numRuns: 2000 },
    );
  });

  it('finds a flipped bit in any checksummed header', () => {
    fc.assert(
      fc.property(
        spec.filter((s) => !s.arp),
        fc.nat(),
        (s, n) => {
          const f = Buffer.from(buildFrame(s));
          const l2 = 14 + 4 * (s.vlans?.length ?? 0);
          const at = l2 + 12 + (n % 8); // an IPv4 or IPv6 source address byte, covered by every checksum
          f[at] = (f[at] as number) ^ 0x01;
          expect(parseFrame(f).badChecksums.length).to.be.greaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('diffFrames', () => {
  const u = (ttl: number) => buildFrame({ dst: MAC_B, src: MAC_A, ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl }, udp: { sport: 1, dport: 2 }, payload: 'p' });

  it('explains a TTL difference by field, checksum included', () => {
    expect(diffFrames(u(63), u(64))).to.deep.equal([
      'ipv4.ttl: expected 63, got 64',
      `ipv4.checksum: expected 0x${parseFrame(u(63)).ipv4?.checksum.toString(16).padStart(4, '0')}, got 0x${parseFrame(u(64)).ipv4?.checksum.toString(16).padStart(4, '0')}`,
    ]);
  });

  it('names a missing VLAN tag', () => {
    const tagged = buildFrame({ dst: MAC_B, src: MAC_A, vlans: [{ vid: 10 }], ethertype: 0x88b5, payload: 'x' });
    const plain = buildFrame({ dst: MAC_B, src: MAC_A, ethertype: 0x88b5, payload: 'x' });
    expect(diffFrames(tagged, plain)).to.include('vlan[0].vid: expected 10, got absent');
  });

  it('is empty for equal frames', () => {
    expect(diffFrames(u(1), u(1))).to.deep.equal([]);
  });

  it('formats TCP flags as letters', () => {
    expect(tcpFlagsToString(0x12)).to.equal('SA');
  });
});
