import { expect } from 'chai';
import { decodePcap, encodePcap } from './pcap.js';

describe('pcap', () => {
  it('round-trips frames and timestamps', () => {
    const frames = [Buffer.from('0add000000020add0000000188b578', 'hex'), Buffer.alloc(60, 1)];
    const recs = decodePcap(encodePcap([{ data: frames[0] as Buffer, timestampUs: 1_700_000_000_123_456 }, frames[1] as Buffer]));
    expect(recs.map((r) => r.data.toString('hex'))).to.deep.equal(frames.map((f) => f.toString('hex')));
    expect(recs[0]?.timestampUs).to.equal(1_700_000_000_123_456);
    expect(recs[1]?.originalLength).to.equal(60);
  });

  it('reads big-endian nanosecond files', () => {
    const b = Buffer.alloc(24 + 16 + 2);
    b.writeUInt32BE(0xa1b23c4d, 0);
    b.writeUInt32BE(1, 20);
    b.writeUInt32BE(10, 24);
    b.writeUInt32BE(5_000, 28);
    b.writeUInt32BE(2, 32);
    b.writeUInt32BE(2, 36);
    expect(decodePcap(b)[0]).to.deep.include({ timestampUs: 10_000_005, originalLength: 2 });
  });

  it('rejects a cut-off file naming the offset', () => {
    const good = encodePcap([Buffer.alloc(20)]);
    expect(() => decodePcap(good.subarray(0, good.length - 3), 'x.pcap')).to.throw('x.pcap: record at byte 24 needs 20 bytes, 17 left');
    expect(() => decodePcap(Buffer.from('0a0d0d0a0000000000000000000000000000000000000000', 'hex'), 'y.pcapng')).to.throw('y.pcapng: bad magic');
  });
});
