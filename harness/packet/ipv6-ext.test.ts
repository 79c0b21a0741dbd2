import { expect } from 'chai';
import { buildFrame, FrameSpecError } from './build.js';
import type { FrameSpec } from './spec.js';
import { parseFrame } from './parse.js';

const ETH = { dst: '0a:dd:00:00:00:02', src: '0a:dd:00:00:00:01' } as const;
const IP6 = { src: '2001:db8::1', dst: '2001:db8::2' } as const;
const UDP = { sport: 1000, dport: 2000 } as const;

describe('IPv6 extension header chains', () => {
  it('chains headers in any order, each next header computed, and parses each back', () => {
    const f = buildFrame({
      ...ETH,
      ipv6: {
        ...IP6,
        extensions: [
          { type: 'hopByHop', options: [{ type: 'routerAlert' }] },
          { type: 'destination' },
          { type: 'routing', routingType: 2, segmentsLeft: 1, data: Buffer.alloc(4) },
          { type: 'ah', spi: 0x1234, seq: 3 },
        ],
      },
      udp: UDP,
      payload: 'x',
    });
    const p = parseFrame(f);
    expect(p.ipv6?.nextHeader).to.equal(0);
    expect(p.ipv6?.extensions?.map((e) => [e.type, e.nextHeader])).to.deep.equal([
      ['hopByHop', 60],
      ['destination', 43],
      ['routing', 51],
      ['ah', 17],
    ]);
    expect(p.ipv6?.payloadLength).to.equal(8 + 8 + 8 + 24 + 9);
    expect(p.ipv6?.extensions?.[3]).to.deep.include({ spi: 0x1234, seq: 3, length: 4 });
    expect(p.udp).to.include(UDP);
    expect([p.payload.toString(), p.truncated, p.badChecksums]).to.deep.equal(['x', undefined, []]);
  });

  it('pads options headers to 8 bytes with PadN, or Pad1 when one byte is missing', () => {
    const padN = buildFrame({ ...ETH, ipv6: { ...IP6, extensions: [{ type: 'hopByHop', options: [{ type: 'routerAlert', value: 2 }] }] } });
    expect(padN.subarray(54, 62).toString('hex')).to.equal('3b00' + '05020002' + '0100');
    const pad1 = buildFrame({ ...ETH, ipv6: { ...IP6, extensions: [{ type: 'destination', options: [{ type: 0x3e, data: Buffer.from('aabbcc', 'hex') }] }] } });
    expect(pad1.subarray(54, 62).toString('hex')).to.equal('3b00' + '3e03aabbcc' + '00');
    const p = parseFrame(padN);
    expect(p.ipv6?.extensions?.[0]).to.deep.include({ type: 'hopByHop', nextHeader: 59, length: 0 });
    const opts = p.ipv6?.extensions?.[0]?.type === 'hopByHop' ? p.ipv6.extensions[0].options : [];
    expect(opts.map((o) => [o.type, o.value])).to.deep.equal([
      [5, 2],
      [1, undefined],
    ]);
  });

  it('builds a segment routing header whose L4 checksum covers the final destination (segment 0)', () => {
    const segments = ['2001:db8::99', '2001:db8::3', '2001:db8::2'];
    const f = buildFrame({ ...ETH, ipv6: { ...IP6, extensions: [{ type: 'srh', segments, tag: 7, flags: 0x80 }] }, udp: UDP, payload: 'sr' });
    const p = parseFrame(f);
    expect(p.ipv6?.extensions?.[0]).to.deep.include({ type: 'srh', routingType: 4, segmentsLeft: 2, lastEntry: 2, flags: 0x80, tag: 7, length: 6, segments });
    expect(p.badChecksums).to.deep.equal([]);
    // The same datagram sent straight to the final destination carries the same UDP checksum.
    const direct = parseFrame(buildFrame({ ...ETH, ipv6: { ...IP6, dst: '2001:db8::99' }, udp: UDP, payload: 'sr' }));
    expect(p.udp?.checksum).to.equal(direct.udp?.checksum);
  });

  it('builds the fragment header byte for byte as a datagram cut by hand, and parses later fragments without L4', () => {
    const datagram = buildFrame({ ...ETH, ipv6: IP6, udp: UDP, payload: Buffer.alloc(100, 0x5a) });
    const fh = Buffer.from('1100000000c0ffee', 'hex');
    const byHand = Buffer.concat([datagram.subarray(0, 54), fh, datagram.subarray(54)]);
    byHand[20] = 44;
    byHand.writeUInt16BE(108 + 8, 18);
    const built = buildFrame({ ...ETH, ipv6: { ...IP6, extensions: [{ type: 'fragment', id: 0xc0ffee }] }, udp: UDP, payload: Buffer.alloc(100, 0x5a) });
    expect(built.toString('hex')).to.equal(byHand.toString('hex'));
    expect(parseFrame(built).ipv6?.fragment).to.deep.equal({ nextHeader: 17, fragOffset: 0, mf: false, id: 0xc0ffee });
    const later = parseFrame(
      buildFrame({ ...ETH, ipv6: { ...IP6, extensions: [{ type: 'fragment', fragOffset: 10, nextHeader: 17, id: 1 }] }, payload: Buffer.alloc(16, 1) }),
    );
    expect(later.ipv6?.fragment).to.include({ fragOffset: 10, nextHeader: 17 });
    expect([later.udp, later.payload.length, later.badChecksums]).to.deep.equal([undefined, 16, []]);
  });

  it('names the header a cut-short chain stops in', () => {
    const f = buildFrame({ ...ETH, ipv6: { ...IP6, extensions: [{ type: 'hopByHop' }, { type: 'srh', segments: ['2001:db8::2'] }] }, udp: UDP });
    expect(parseFrame(f.subarray(0, 54 + 8 + 20)).truncated).to.equal('ipv6: routing header needs 24 bytes, 20 left');
    expect(parseFrame(f.subarray(0, 54 + 4)).truncated).to.equal('ipv6: hopByHop header needs 8 bytes, 4 left');
  });

  it('refuses values too wide, naming the header and field', () => {
    const cases: [FrameSpec, string][] = [
      [
        { ...ETH, ipv6: { ...IP6, extensions: [{ type: 'hopByHop' }, { type: 'srh', segments: [], segmentsLeft: 256 }] } },
        'ipv6.extensions[1].segmentsLeft: 256 is out of range 0..255',
      ],
      [{ ...ETH, ipv6: { ...IP6, extensions: [{ type: 'srh', segments: [], tag: 0x10000 }] } }, 'ipv6.extensions[0].tag: 65536 is out of range 0..65535'],
      [{ ...ETH, ipv6: { ...IP6, extensions: [{ type: 'fragment', fragOffset: 0x2000 }] } }, 'ipv6.extensions[0].fragOffset: 8192 is out of range 0..8191'],
      [
        { ...ETH, ipv6: { ...IP6, extensions: [{ type: 'hopByHop', options: [{ type: 'routerAlert', value: -1 }] }] } },
        'ipv6.extensions[0].options[0].value: -1',
      ],
      [{ ...ETH, ipv6: { ...IP6, extensions: [{ type: 'ah', spi: 2 ** 32 }] } }, 'ipv6.extensions[0].spi: 4294967296 is out of range'],
    ];
    for (const [spec, message] of cases) expect(() => buildFrame(spec)).to.throw(FrameSpecError, message);
  });
});
