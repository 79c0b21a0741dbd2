import { expect } from 'chai';
import fc from 'fast-check';
import { bucketOf, bucketRange, latencySummary } from './latency.js';

describe('latency histogram (mirror of sink.bpf.c)', () => {
  it('puts every value in a bucket whose range holds it, at most 12.5 % wide', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (ns) => {
        const [lo, hi] = bucketRange(bucketOf(ns));
        expect(ns).to.be.at.least(lo);
        expect(ns).to.be.below(hi);
        if (ns >= 8) expect((hi - lo) / lo).to.be.at.most(0.125);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives exact small values and known bucket numbers', () => {
    expect([0, 7, 8, 15, 16, 17, 18, 1000].map(bucketOf)).to.deep.equal([0, 7, 8, 15, 16, 16, 17, 63]);
    expect(bucketRange(63)).to.deep.equal([960, 1024]);
  });

  it('reads percentiles off the merged histograms of several streams', () => {
    // 90 samples near 1 us, 9 near 10 us, 1 near 100 us.
    const a: [number, number][] = [[bucketOf(1000), 90]];
    const b: [number, number][] = [
      [bucketOf(10_000), 9],
      [bucketOf(100_000), 1],
    ];
    const s = latencySummary([a, b], 90 * 1000 + 9 * 10_000 + 100_000, 100_000);
    expect(s?.samples).to.equal(100);
    expect(s?.p50Us).to.be.closeTo(1, 0.07);
    expect(s?.p90Us).to.be.closeTo(1, 0.07);
    expect(s?.p99Us).to.be.closeTo(10, 0.7);
    expect(s?.maxUs).to.equal(100);
    expect(s?.meanUs).to.be.closeTo(2.8, 1e-9);
  });

  it('has no summary without samples', () => {
    expect(latencySummary([[]], 0, 0)).to.equal(undefined);
  });
});
