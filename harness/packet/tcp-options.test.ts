import { expect } from 'chai';
import { buildFrame, FrameSpecError } from './build.js';
import { parseFrame } from './parse.js';

const ETH = { dst: '0a:dd:00:00:00:02', src: '0a:dd:00:00:00:01' } as const;
const IP4 = { src: '10.0.0.1', dst: '10.0.0.2' } as const;

describe('TCP options', () => {
  const tcp = { sport: 40000, dport: 80, flags: 'S' } as const;

  it('computes the data offset, pads with EOL and reads each option back', () => {
    const f = buildFrame({
      ...ETH,
      ipv4: IP4,
      tcp: {
        ...tcp,
        options: [
          { kind: 'mss', value: 1460 },
          { kind: 'sackPermitted' },
          { kind: 'timestamps', tsval: 7, tsecr: 9 },
          { kind: 'nop' },
          { kind: 'wscale', shift: 7 },
        ],
      },
      payload: 'data',
    });
    const p = parseFrame(f);
    expect(p.tcp?.dataOffset).to.equal(10);
    expect(p.tcp?.options?.map((o) => o.kind)).to.deep.equal([2, 4, 8, 1, 3]);
    expect(p.tcp?.options?.[0]).to.include({ length: 4, value: 1460 });
    expect(p.tcp?.options?.[2]).to.include({ tsval: 7, tsecr: 9 });
    expect(p.tcp?.options?.[4]).to.include({ shift: 7 });
    expect([p.payload.toString(), p.badChecksums]).to.deep.equal(['data', []]);
    const padded = parseFrame(buildFrame({ ...ETH, ipv4: IP4, tcp: { ...tcp, options: [{ kind: 'wscale', shift: 2 }] } }));
    expect(padded.tcp?.dataOffset).to.equal(6);
    expect(padded.tcp?.options?.map((o) => o.kind)).to.deep.equal([3, 0]);
  });

  it('builds SACK blocks, raw options and raw bytes, and keeps a pinned data offset', () => {
    const p = parseFrame(
      buildFrame({
        ...ETH,
        ipv6: { src: '2001:db8::1', dst: '2001:db8::2' },
        tcp: {
          ...tcp,
          options: [
            { kind: 'sack', blocks: [[1, 2]] },
            { kind: 254, data: Buffer.from('abcd', 'hex') },
          ],
        },
      }),
    );
    expect(p.tcp?.options?.[0]?.blocks).to.deep.equal([[1, 2]]);
    expect(p.tcp?.options?.[1]).to.deep.include({ kind: 254, length: 4, data: Buffer.from('abcd', 'hex') });
    expect(p.badChecksums).to.deep.equal([]);
    const raw = parseFrame(buildFrame({ ...ETH, ipv4: IP4, tcp: { ...tcp, options: Buffer.from('020405b4', 'hex') } }));
    expect(raw.tcp?.options?.[0]).to.include({ kind: 2, value: 1460 });
    expect(parseFrame(buildFrame({ ...ETH, ipv4: IP4, tcp: { ...tcp, dataOffset: 15 } })).truncated).to.equal('tcp: data offset 15 does not fit 20 bytes');
  });

  it('refuses values too wide and options past 40 bytes, naming the field', () => {
    expect(() => buildFrame({ ...ETH, ipv4: IP4, tcp: { ...tcp, options: [{ kind: 'mss', value: 65536 }] } })).to.throw(
      FrameSpecError,
      'tcp.options[0].value: 65536 is out of range 0..65535 (16-bit field)',
    );
    expect(() => buildFrame({ ...ETH, ipv4: IP4, tcp: { ...tcp, options: [{ kind: 'nop' }, { kind: 'timestamps', tsval: 2 ** 32 }] } })).to.throw(
      FrameSpecError,
      'tcp.options[1].tsval: 4294967296 is out of range',
    );
    expect(() => buildFrame({ ...ETH, ipv4: IP4, tcp: { ...tcp, options: Buffer.alloc(44, 1) } })).to.throw(
      FrameSpecError,
      'tcp.dataOffset: 16 is out of range 0..15 (4-bit field)',
    );
  });
});
