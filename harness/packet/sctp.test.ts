import { expect } from 'chai';
import { buildFrame, FrameSpecError } from './build.js';
import { parseFrame } from './parse.js';
import { crc32c } from './sctp.js';

const ETH = { dst: '0a:dd:00:00:00:02', src: '0a:dd:00:00:00:01' } as const;
const IP4 = { src: '10.0.0.1', dst: '10.0.0.2' } as const;

describe('SCTP', () => {
  it('computes CRC32c as RFC 3720 B.4 and RFC 9260 appendix A have it', () => {
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).to.equal(0x8a9136aa);
  });

  it('round-trips the common header and DATA and INIT chunks, padded to 4 bytes, checksum valid', () => {
    const f = buildFrame({
      ...ETH,
      ipv4: IP4,
      sctp: {
        sport: 5000,
        dport: 6000,
        tag: 0xdeadbeef,
        chunks: [
          { type: 'data', tsn: 7, streamId: 1, streamSeq: 2, ppid: 46, data: 'hello' },
          { type: 'init', initiateTag: 0x11223344 },
          { type: 0x0a, flags: 1, data: Buffer.from('ab', 'hex') },
        ],
      },
    });
    const p = parseFrame(f);
    expect(p.ipv4?.protocol).to.equal(132);
    expect(p.sctp).to.include({ sport: 5000, dport: 6000, tag: 0xdeadbeef });
    expect(p.sctp?.chunks.map((c) => [c.type, c.flags, c.length])).to.deep.equal([
      [0, 3, 21],
      [1, 0, 20],
      [10, 1, 5],
    ]);
    expect(p.sctp?.chunks[0]).to.deep.include({ tsn: 7, streamId: 1, streamSeq: 2, ppid: 46, data: Buffer.from('hello') });
    expect(p.sctp?.chunks[1]).to.include({ initiateTag: 0x11223344, arwnd: 65536, outStreams: 10, inStreams: 10, initialTsn: 1 });
    expect([p.truncated, p.badChecksums, p.payload.length]).to.deep.equal([undefined, [], 0]);
  });

  it('finds a flipped bit and keeps a pinned checksum', () => {
    const f = buildFrame({
      ...ETH,
      ipv6: { src: '2001:db8::1', dst: '2001:db8::2' },
      sctp: { sport: 1, dport: 2, chunks: [{ type: 'data', tsn: 1, data: 'x' }] },
    });
    const flipped = Buffer.from(f);
    flipped[f.length - 4] = (flipped[f.length - 4] as number) ^ 1;
    expect(parseFrame(flipped).badChecksums).to.deep.equal(['sctp']);
    const pinned = parseFrame(buildFrame({ ...ETH, ipv4: IP4, sctp: { sport: 1, dport: 2, checksum: 0x12345678 } }));
    expect([pinned.sctp?.checksum, pinned.badChecksums]).to.deep.equal([0x12345678, ['sctp']]);
  });

  it('names a cut-short header or chunk, and refuses values too wide', () => {
    const f = buildFrame({ ...ETH, ipv4: IP4, sctp: { sport: 1, dport: 2, chunks: [{ type: 'data', tsn: 1, data: 'hello' }] } });
    expect(parseFrame(f.subarray(0, 34 + 10)).truncated).to.equal('sctp: header needs 12 bytes, 10 left');
    expect(parseFrame(f.subarray(0, 34 + 20)).truncated).to.equal('sctp: chunk 0 at byte 12 has length 21, 8 bytes left');
    expect(() => buildFrame({ ...ETH, ipv4: IP4, sctp: { sport: 1, dport: 2, tag: 2 ** 32 } })).to.throw(
      FrameSpecError,
      'sctp.tag: 4294967296 is out of range',
    );
    expect(() => buildFrame({ ...ETH, ipv4: IP4, sctp: { sport: 1, dport: 2, chunks: [{ type: 'data', tsn: 1, streamId: 65536 }] } })).to.throw(
      FrameSpecError,
      'sctp.chunks[0].streamId: 65536 is out of range 0..65535 (16-bit field)',
    );
  });
});
