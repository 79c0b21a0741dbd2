import { expect } from 'chai';
import { buildFrame, FrameSpecError } from './build.js';
import type { FrameSpec } from './spec.js';
import { parseFrame } from './parse.js';

const ETH = { dst: '0a:dd:00:00:00:02', src: '0a:dd:00:00:00:01' } as const;
const IP4 = { src: '10.0.0.1', dst: '10.0.0.2' } as const;

describe('MPLS label stacks', () => {
  it('puts label, TC, bottom of stack and TTL in each 4-byte entry, bottom of stack on the last', () => {
    const f = buildFrame({
      ...ETH,
      mpls: {
        labels: [
          { label: 100, tc: 5, ttl: 9 },
          { label: 0xfffff, ttl: 200 },
        ],
      },
      payload: 'x',
    });
    expect(f.subarray(12, 22).toString('hex')).to.equal('8847' + '00064a09' + 'fffff1c8');
  });

  it('round-trips the stack and the IPv4 or IPv6 packet after it', () => {
    const labels = [
      { label: 16, tc: 1, ttl: 10 },
      { label: 17, tc: 7, ttl: 255 },
      { label: 3, tc: 0, ttl: 1 },
    ];
    const p = parseFrame(buildFrame({ ...ETH, mpls: { labels }, ipv4: IP4, udp: { sport: 1, dport: 2 }, payload: 'in' }));
    expect(p.eth?.ethertype).to.equal(0x8847);
    expect(p.mpls).to.deep.equal(labels.map((l, i) => ({ ...l, bos: i === 2 ? 1 : 0 })));
    expect(p.ipv4).to.include(IP4);
    expect(p.udp).to.include({ sport: 1, dport: 2 });
    expect([p.payload.toString(), p.truncated, p.badChecksums]).to.deep.equal(['in', undefined, []]);
    const v6 = parseFrame(
      buildFrame({ ...ETH, mpls: { labels: [{ label: 2 }] }, ipv6: { src: '2001:db8::1', dst: '2001:db8::2' }, udp: { sport: 1, dport: 2 } }),
    );
    expect(v6.mpls).to.deep.equal([{ label: 2, tc: 0, bos: 1, ttl: 64 }]);
    expect(v6.ipv6).to.include({ dst: '2001:db8::2' });
  });

  it('uses ethertype 0x8848 for multicast, keeps a pinned bottom of stack, and carries raw bytes', () => {
    const f = buildFrame({ ...ETH, mpls: { multicast: true, labels: [{ label: 1, bos: 0 }] }, payload: Buffer.from('00000000', 'hex') });
    const p = parseFrame(f);
    expect(p.eth?.ethertype).to.equal(0x8848);
    // No bottom of stack: the raw bytes read as a second label.
    expect(p.mpls?.map((l) => l.bos)).to.deep.equal([0, 0]);
    expect(p.truncated).to.equal('mpls: label needs 4 bytes, 0 left');
    expect(parseFrame(buildFrame({ ...ETH, mpls: { labels: [{ label: 1 }] }, payload: 'zz' })).payload.toString()).to.equal('zz');
  });

  it('refuses a field its width cannot hold, naming the label', () => {
    const cases: [FrameSpec, string][] = [
      [{ ...ETH, mpls: { labels: [{ label: 1 }, { label: 0x100000 }] } }, 'mpls[1].label: 1048576 is out of range 0..1048575 (20-bit field)'],
      [{ ...ETH, mpls: { labels: [{ label: 1, tc: 8 }] } }, 'mpls[0].tc: 8 is out of range 0..7 (3-bit field)'],
      [{ ...ETH, mpls: { labels: [{ label: 1, bos: 2 }] } }, 'mpls[0].bos: 2 is out of range 0..1 (1-bit field)'],
      [{ ...ETH, mpls: { labels: [{ label: 1, ttl: 256 }] } }, 'mpls[0].ttl: 256 is out of range 0..255 (8-bit field)'],
      [{ ...ETH, mpls: { labels: [] } }, 'mpls: a label stack needs at least one label'],
    ];
    for (const [spec, message] of cases) expect(() => buildFrame(spec)).to.throw(FrameSpecError, message);
  });
});
