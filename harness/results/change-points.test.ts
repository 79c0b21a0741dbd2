import { expect } from 'chai';
import { TREND_DEFAULTS, trendGroups, type TrendGroup, type TrendOptions } from './change-points.js';

/** mulberry32: a tiny seeded PRNG, so every "random" series below is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample by Box-Muller (the cosine half). */
function gaussian(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** n samples around level(i) with Gaussian noise of stdev `noise` × the level: 2.5 %, about what shared CI hosts give. */
function noisy(seed: number, n: number, level: (i: number) => number, noise = 0.025): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => level(i) * (1 + noise * gaussian(rand)));
}

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const throughput: TrendOptions = { lowerIsBetter: false };
const latency: TrendOptions = { lowerIsBetter: true };
/** Where the groups are and what they are flagged as: the part of the answer a chart draws. */
const shape = (groups: TrendGroup[]) => groups.map((g) => [g.from, g.to, g.change]);
const repeat = (value: number, n: number) => Array<number>(n).fill(value);

/**
 * For a noisy step at `at`, in each seed: exactly the expected changes, each boundary within
 * ±3 of where the step is, and within ±1 in all seeds but one (in the odd seed the noise itself
 * puts the step elsewhere, e.g. three runs before it all ~2σ low). Returns the groups.
 */
function expectSteps(series: (seed: number) => number[], options: TrendOptions, steps: { at: number; change: 'regression' | 'progression' }[]) {
  let off = 0;
  const all = SEEDS.map((seed) => {
    const groups = trendGroups(series(seed), options);
    expect(
      groups.map((g) => g.change),
      `seed ${seed}`,
    ).to.deep.equal([null, ...steps.map((s) => s.change)]);
    steps.forEach((s, k) => {
      const from = (groups[k + 1] as TrendGroup).from;
      expect(Math.abs(from - s.at), `seed ${seed}: group ${k + 1} starts at ${from}`).to.be.at.most(3);
      if (Math.abs(from - s.at) > 1) off++;
    });
    return groups;
  });
  expect(off, 'boundaries more than one run away from the step').to.be.at.most(1);
  return all;
}

describe('trendGroups (regressions and progressions across runs, CSIT-style)', () => {
  describe('degenerate series', () => {
    it('has no groups for no samples, and one plain group for one sample', () => {
      expect(trendGroups([], throughput)).to.deep.equal([]);
      expect(trendGroups([7.5], throughput)).to.deep.equal([{ from: 0, to: 0, mean: 7.5, stdev: 0, change: null, relativeChange: null }]);
    });

    it('keeps a constant series, zeros included, in one group (the stdev floor keeps zero variance from being infinitely cheap)', () => {
      expect(trendGroups(repeat(12.5, 30), throughput)).to.deep.equal([{ from: 0, to: 29, mean: 12.5, stdev: 0, change: null, relativeChange: null }]);
      expect(trendGroups(repeat(0, 30), latency)).to.deep.equal([{ from: 0, to: 29, mean: 0, stdev: 0, change: null, relativeChange: null }]);
    });

    it('cannot split fewer than two minimum groups (2 × 3 samples), and splits exactly at six', () => {
      expect(shape(trendGroups([100, 100, 100, 90, 90], throughput))).to.deep.equal([[0, 4, null]]);
      expect(shape(trendGroups([100, 100, 100, 90, 90, 90], throughput))).to.deep.equal([
        [0, 2, null],
        [3, 5, 'regression'],
      ]);
    });

    it('flags a rise from a mean of 0, with no relative change to report', () => {
      const [first, second] = trendGroups([...repeat(0, 10), ...repeat(5, 10)], throughput);
      expect(first).to.include({ from: 0, to: 9, mean: 0, change: null, relativeChange: null });
      expect(second).to.include({ from: 10, to: 19, mean: 5, change: 'progression', relativeChange: null });
    });

    it('rejects non-finite samples, naming the index', () => {
      expect(() => trendGroups([1, 2, NaN], throughput)).to.throw(RangeError, /sample 2 is NaN/);
      expect(() => trendGroups([Infinity], throughput)).to.throw(RangeError, /sample 0 is Infinity/);
      expect(() => trendGroups([1, -Infinity], latency)).to.throw(RangeError, /sample 1 is -Infinity/);
    });

    it('rejects nonsensical tuning, and takes an undefined option as its default', () => {
      expect(() => trendGroups([1], { ...throughput, minGroupSize: 0 })).to.throw(RangeError, /minGroupSize/);
      expect(() => trendGroups([1], { ...throughput, minGroupSize: 2.5 })).to.throw(RangeError, /minGroupSize/);
      expect(() => trendGroups([1], { ...throughput, penaltyFactor: -1 })).to.throw(RangeError, /penaltyFactor/);
      expect(() => trendGroups([1], { ...throughput, minRelativeChange: NaN })).to.throw(RangeError, /minRelativeChange/);
      const v = noisy(3, 30, (i) => (i < 15 ? 100 : 90));
      expect(trendGroups(v, { ...throughput, penaltyFactor: undefined })).to.deep.equal(trendGroups(v, throughput));
      expect(TREND_DEFAULTS).to.deep.equal({
        minGroupSize: 3,
        penaltyFactor: 2,
        noisePrior: 2,
        relativeResolution: 0.002,
        resolution: 0,
        noiseMultiplier: 1,
        minRelativeChange: 0.01,
      });
    });
  });

  describe('a step is one change, at the step, in the direction that matters', () => {
    it('splits a noise-free 10 % drop exactly, with the means and the relative change', () => {
      const groups = trendGroups([...repeat(100, 13), ...repeat(90, 17)], throughput);
      expect(shape(groups)).to.deep.equal([
        [0, 12, null],
        [13, 29, 'regression'],
      ]);
      expect(groups.map((g) => g.mean)).to.deep.equal([100, 90]);
      expect(groups[1]?.relativeChange).to.be.closeTo(-0.1, 1e-12);
    });

    it('flags a 10 % throughput drop in 30 noisy runs (2.5 % noise) as one regression at run 15', () => {
      const groups = expectSteps((seed) => noisy(seed, 30, (i) => (i < 15 ? 100 : 90)), throughput, [{ at: 15, change: 'regression' }]);
      for (const [before, after] of groups as [TrendGroup, TrendGroup][]) {
        expect(before.mean).to.be.closeTo(100, 2);
        expect(after.mean).to.be.closeTo(90, 2);
        // The estimate is the groups' own: their means carry ~0.9 % standard error each way.
        expect(after.relativeChange).to.equal((after.mean - before.mean) / before.mean);
        expect(after.relativeChange).to.be.closeTo(-0.1, 0.03);
        expect(before.stdev).to.be.within(1, 4);
      }
    });

    it('flags a 10 % throughput rise as one progression at run 15', () => {
      const groups = expectSteps((seed) => noisy(seed, 30, (i) => (i < 15 ? 100 : 110)), throughput, [{ at: 15, change: 'progression' }]);
      for (const [, after] of groups as [TrendGroup, TrendGroup][]) expect(after.relativeChange).to.be.closeTo(0.1, 0.03);
    });

    it('reads latency the other way: a rise is a regression, a drop a progression', () => {
      expectSteps((seed) => noisy(seed, 30, (i) => (i < 15 ? 20 : 22)), latency, [{ at: 15, change: 'regression' }]);
      expectSteps((seed) => noisy(seed, 30, (i) => (i < 15 ? 20 : 18)), latency, [{ at: 15, change: 'progression' }]);
    });

    it('gives three groups for two steps, down then back up', () => {
      expectSteps((seed) => noisy(seed, 45, (i) => (i < 15 || i >= 30 ? 100 : 90)), throughput, [
        { at: 15, change: 'regression' },
        { at: 30, change: 'progression' },
      ]);
    });

    it('gives two regressions for two drops in a row', () => {
      expectSteps((seed) => noisy(seed, 45, (i) => (i < 15 ? 100 : i < 30 ? 90 : 80)), throughput, [
        { at: 15, change: 'regression' },
        { at: 30, change: 'regression' },
      ]);
    });

    it('is blind to the unit: the same series in Mpps or pps has the same groups', () => {
      const v = noisy(5, 30, (i) => (i < 15 ? 100 : 90));
      const expected = shape(trendGroups(v, throughput));
      expect(
        shape(
          trendGroups(
            v.map((x) => x * 1e-6),
            throughput,
          ),
        ),
      ).to.deep.equal(expected);
      expect(
        shape(
          trendGroups(
            v.map((x) => x * 1e9),
            throughput,
          ),
        ),
      ).to.deep.equal(expected);
    });

    it('reports a step at the end once it has lasted minGroupSize (3) runs, not before', () => {
      expect(shape(trendGroups([...repeat(100, 28), 90, 90], throughput))).to.deep.equal([[0, 29, null]]);
      expect(shape(trendGroups([...repeat(100, 27), 90, 90, 90], throughput))).to.deep.equal([
        [0, 26, null],
        [27, 29, 'regression'],
      ]);
      expect(shape(trendGroups([...repeat(100, 27), 90, 90, 90], { ...throughput, minGroupSize: 2 }))).to.deep.equal([
        [0, 26, null],
        [27, 29, 'regression'],
      ]);
      expect(shape(trendGroups([...repeat(100, 28), 90, 90], { ...throughput, minGroupSize: 2 }))).to.deep.equal([
        [0, 27, null],
        [28, 29, 'regression'],
      ]);
    });
  });

  describe('noise is not a change', () => {
    it('keeps pure noise (20 seeds × 40 runs, 2.5 %) in one unflagged group, both ways round', () => {
      for (const seed of SEEDS) {
        for (const options of [throughput, latency]) {
          const groups = trendGroups(
            noisy(seed, 40, () => 100),
            options,
          );
          expect(shape(groups), `seed ${seed}`).to.deep.equal([[0, 39, null]]);
          expect(groups[0]?.mean).to.be.closeTo(100, 1.5);
          expect(groups[0]?.stdev).to.be.closeTo(2.5, 0.8);
        }
      }
    });

    it('keeps long noisy series (5 seeds × 300 runs) and quiet ones (1 % noise) in one group', () => {
      for (const seed of SEEDS.slice(0, 5))
        expect(
          shape(
            trendGroups(
              noisy(seed, 300, () => 100),
              throughput,
            ),
          ),
        ).to.deep.equal([[0, 299, null]]);
      for (const seed of SEEDS)
        expect(
          shape(
            trendGroups(
              noisy(seed, 40, () => 100, 0.01),
              throughput,
            ),
          ),
        ).to.deep.equal([[0, 39, null]]);
    });

    it('does not flag a single outlier run (±30 %, −50 %), wherever it falls', () => {
      for (const seed of SEEDS) {
        for (const [at, factor] of [
          [12, 0.7],
          [12, 1.3],
          [12, 0.5],
          [0, 0.7],
          [29, 0.7],
        ] as const) {
          const v = noisy(seed, 30, () => 100);
          v[at] = 100 * factor;
          expect(shape(trendGroups(v, throughput)), `seed ${seed}, run ${at} × ${factor}`).to.deep.equal([[0, 29, null]]);
        }
      }
    });

    it('does not flag two bad runs in a row (fewer than minGroupSize), but does flag three: a dip', () => {
      for (const seed of SEEDS) {
        const first = noisy(seed, 30, (i) => (i < 2 ? 70 : 100));
        expect(shape(trendGroups(first, throughput)), `seed ${seed}, first runs`).to.deep.equal([[0, 29, null]]);
        const two = noisy(seed, 30, (i) => (i === 12 || i === 13 ? 70 : 100));
        expect(shape(trendGroups(two, throughput)), `seed ${seed}`).to.deep.equal([[0, 29, null]]);
        const three = noisy(seed, 30, (i) => (i >= 12 && i <= 14 ? 70 : 100));
        expect(shape(trendGroups(three, throughput)), `seed ${seed}`).to.deep.equal([
          [0, 11, null],
          [12, 14, 'regression'],
          [15, 29, 'progression'],
        ]);
      }
    });

    it('does not flag a noisy stretch whose mean moved by less than its own scatter', () => {
      // 30 quiet runs, then 6 scattered ones 3 % lower on average with a stdev of ~5.5 %: the
      // move is beyond the pooled stdev (~2 %, the quiet runs dominate it) but not beyond the
      // noisy stretch's own, and the larger of the two is the bound.
      const v = [...Array.from({ length: 30 }, (_, i) => (i % 2 ? 100.5 : 99.5)), 92, 104, 95, 101, 90, 100];
      const groups = trendGroups(v, throughput);
      expect(shape(groups)).to.deep.equal([[0, 35, null]]);
    });

    it('does not flag a change of spread alone (1 % noise, then 5 %, same mean)', () => {
      for (const seed of SEEDS) {
        const rand = mulberry32(seed);
        const v = Array.from({ length: 40 }, (_, i) => 100 * (1 + (i < 20 ? 0.01 : 0.05) * gaussian(rand)));
        expect(shape(trendGroups(v, throughput)), `seed ${seed}`).to.deep.equal([[0, 39, null]]);
      }
    });

    it('does not flag a move below minRelativeChange (1 %), even without noise, unless told to', () => {
      const v = [...repeat(100, 15), ...repeat(99.2, 15)];
      expect(shape(trendGroups(v, throughput))).to.deep.equal([[0, 29, null]]);
      expect(shape(trendGroups(v, { ...throughput, minRelativeChange: 0.001 }))).to.deep.equal([
        [0, 14, null],
        [15, 29, 'regression'],
      ]);
    });

    it('keeps quantised figures (integer µs, mostly 10, sometimes 11) in one group', () => {
      const v = [10, 10, 11, 10, 10, 10, 11, 10, 10, 10, 10, 11, 10, 10, 10, 10, 10, 11, 10, 10];
      expect(shape(trendGroups(v, latency))).to.deep.equal([[0, 19, null]]);
    });
  });

  it('flags a drift too slow to flag step by step once it adds up (0.6 % every 10 runs)', () => {
    const groups = trendGroups(
      Array.from({ length: 60 }, (_, i) => 100 * (1 - 0.006 * Math.floor(i / 10))),
      throughput,
    );
    expect(shape(groups)).to.deep.equal([
      [0, 29, null],
      [30, 59, 'regression'],
    ]);
    // Each 0.6 % step is below the 1 % threshold, so the first two join the first group
    // (mean 99.4); the third brings the next group (mean 97.6) 1.8 % below it.
    expect(groups[0]?.mean).to.be.closeTo(99.4, 1e-9);
    expect(groups[1]?.mean).to.be.closeTo(97.6, 1e-9);
    expect(groups[1]?.relativeChange).to.be.closeTo((97.6 - 99.4) / 99.4, 1e-9);
  });

  it('takes a few milliseconds for a few hundred runs (exact O(n²) optimum)', () => {
    const v = noisy(9, 500, (i) => 100 - 5 * Math.floor(i / 100));
    const start = performance.now();
    const groups = trendGroups(v, throughput);
    expect(performance.now() - start).to.be.below(250);
    expect(groups.map((g) => g.change)).to.deep.equal([null, 'regression', 'regression', 'regression', 'regression']);
    groups.slice(1).forEach((g, k) => expect(Math.abs(g.from - 100 * (k + 1))).to.be.at.most(3));
  });
});
