import { expect } from 'chai';
import { buildFrame, FrameSpecError } from './build.js';
import { parseFrame } from './parse.js';

const ETH = { dst: '0a:dd:00:00:00:02', src: '0a:dd:00:00:00:01' } as const;
const IP4 = { src: '10.0.0.1', dst: '10.0.0.2' } as const;

describe('IPv4 options', () => {
  it('computes IHL, pads to 4 bytes with EOL and covers the options with the header checksum', () => {
    const f = buildFrame({ ...ETH, ipv4: { ...IP4, options: [{ type: 'nop' }, { type: 'routerAlert' }] }, udp: { sport: 1, dport: 2 } });
    expect(f[14]).to.equal(0x47);
    expect(f.subarray(34, 42).toString('hex')).to.equal('01' + '94040000' + '000000');
    const p = parseFrame(f);
    expect(p.ipv4?.ihl).to.equal(7);
    expect(p.ipv4?.options?.map((o) => o.type)).to.deep.equal([1, 148, 0]);
    expect(p.ipv4?.options?.[1]).to.include({ length: 4, value: 0 });
    expect(p.udp).to.include({ sport: 1, dport: 2 });
    expect(p.badChecksums).to.deep.equal([]);
  });

  it('builds record route with its pointer at the first free slot, and source routes pointing at the first address', () => {
    const p = parseFrame(buildFrame({ ...ETH, ipv4: { ...IP4, options: [{ type: 'recordRoute', addresses: ['1.2.3.4'], free: 2 }] } }));
    expect(p.ipv4?.options?.[0]).to.deep.include({ type: 7, length: 15, pointer: 8, addresses: ['1.2.3.4', '0.0.0.0', '0.0.0.0'] });
    const lsrr = parseFrame(buildFrame({ ...ETH, ipv4: { ...IP4, options: [{ type: 'lsrr', addresses: ['10.9.9.9', '10.0.0.2'] }] } }));
    expect(lsrr.ipv4?.options?.[0]).to.deep.include({ type: 131, pointer: 4, addresses: ['10.9.9.9', '10.0.0.2'] });
  });

  it('takes raw option bytes and typed raw options, and keeps a pinned IHL', () => {
    const raw = parseFrame(buildFrame({ ...ETH, ipv4: { ...IP4, options: Buffer.from('9404000001', 'hex') } }));
    expect(raw.ipv4?.options?.map((o) => o.type)).to.deep.equal([148, 1, 0]);
    const typed = parseFrame(buildFrame({ ...ETH, ipv4: { ...IP4, options: [{ type: 68, data: Buffer.from('0500', 'hex') }] } }));
    expect(typed.ipv4?.options?.[0]).to.deep.include({ type: 68, length: 4 });
    const pinned = buildFrame({ ...ETH, ipv4: { ...IP4, ihl: 5, options: [{ type: 'routerAlert' }] } });
    expect(parseFrame(pinned).ipv4?.ihl).to.equal(5);
  });

  it('names a malformed option as the truncated layer', () => {
    const p = parseFrame(buildFrame({ ...ETH, ipv4: { ...IP4, options: [{ type: 7, length: 40 }] } }));
    expect(p.truncated).to.equal('ipv4: option 7 at byte 0 has length 40, 4 bytes left');
  });

  it('refuses options past 40 bytes and values too wide, naming the field', () => {
    const long = { ...ETH, ipv4: { ...IP4, options: [{ type: 'recordRoute' as const, addresses: [], free: 10 }] } };
    expect(() => buildFrame(long)).to.throw(FrameSpecError, 'ipv4.ihl: 16 is out of range 0..15 (4-bit field)');
    expect(() => buildFrame({ ...ETH, ipv4: { ...IP4, options: [{ type: 'nop' }, { type: 'routerAlert', value: 65536 }] } })).to.throw(
      FrameSpecError,
      'ipv4.options[1].value: 65536 is out of range 0..65535 (16-bit field)',
    );
    expect(() => buildFrame({ ...ETH, ipv4: { ...IP4, options: [{ type: 256 }] } })).to.throw(FrameSpecError, 'ipv4.options[0].type: 256 is out of range');
  });
});
