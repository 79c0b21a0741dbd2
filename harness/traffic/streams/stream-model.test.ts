import { expect } from 'chai';
import { flowVars, IMIX, meanFrameSize, parseProfile, ratePps, sizedStreams } from './stream-model.js';

describe('stream model', () => {
  const one = [{ frameSize: 64 }];

  it('converts L1, L2 and percent-of-line rates to frames per second (RFC 2544 framing)', () => {
    // 10 Gb/s line, 64-byte frames: 84 bytes per frame on the wire = 14.88 Mpps.
    expect(ratePps({ bpsL1: 10e9 }, one)).to.be.closeTo(14_880_952, 1);
    expect(ratePps({ bpsL2: 10e9 }, one)).to.be.closeTo(19_531_250, 1);
    expect(ratePps({ percent: 50, lineBps: 10e9 }, one)).to.be.closeTo(7_440_476, 1);
    expect(ratePps({ pps: 1234 }, one)).to.equal(1234);
  });

  it('weights IMIX by frames: mean 361.83 bytes for 7:4:1 of 64/594/1518', () => {
    expect(meanFrameSize(IMIX)).to.be.closeTo(361.83, 0.01);
    const s = sizedStreams('imix');
    expect(s.map((x) => [x.frameSize, x.weight])).to.deep.equal([
      [64, 7],
      [594, 4],
      [1518, 1],
    ]);
  });

  it('makes N flows by varying the Ethernet source, none for one flow', () => {
    expect(flowVars(1)).to.deep.equal([]);
    expect(flowVars(10_000)).to.deep.equal([{ field: 'eth.src', op: 'inc', min: 0x80000000, max: 0x80000000 + 9_999, step: 1 }]);
    expect(flowVars(3, 0x81000000)[0]).to.include({ min: 0x81000000, max: 0x81000002 });
  });

  it('fills defaults and accepts every mode', () => {
    const p = parseProfile({ streams: [{ name: 'a', frameSize: 64 }], rate: { pps: 10 }, durationMs: 1000 }, 't');
    expect(p.mode).to.deep.equal({ kind: 'continuous' });
    expect(p.streams[0]?.weight).to.equal(1);
    expect(
      parseProfile(
        { streams: [{ name: 'a', frameSize: 64 }], rate: { pps: 10 }, durationMs: 1, mode: { kind: 'multi-burst', frames: 5, bursts: 2, ibgUs: 100 } },
        't',
      ).mode.kind,
    ).to.equal('multi-burst');
  });

  it('rejects bad profiles with the path of the bad field', () => {
    const bad = (x: unknown) => () => parseProfile(x, 'profile.yaml');
    expect(bad({ streams: [{ name: 'a', frameSize: 63 }], rate: { pps: 1 }, durationMs: 1 })).to.throw(/^profile\.yaml: streams\.0\.frameSize: /);
    expect(bad({ streams: [], rate: { pps: 1 }, durationMs: 1 })).to.throw(/^profile\.yaml: streams: /);
    expect(
      bad({ streams: [{ name: 'a', frameSize: 64, vars: [{ field: 'udp.sport', op: 'inc', min: 9, max: 1 }] }], rate: { pps: 1 }, durationMs: 1 }),
    ).to.throw(/streams\.0\.vars\.0: min must not exceed max/);
    expect(
      bad({ streams: [{ name: 'a', frameSize: 64, vars: [{ field: 'tcp.flags', op: 'inc', min: 0, max: 1 }] }], rate: { pps: 1 }, durationMs: 1 }),
    ).to.throw(/streams\.0\.vars\.0\.field: /);
    expect(bad({ streams: [{ name: 'a', frameSize: 64 }], rate: { pps: 1 }, durationMs: 700_000 })).to.throw(/^profile\.yaml: durationMs: /);
  });
});
