import { expect } from 'chai';
import fc from 'fast-check';
import { throughputSearch, type TrialOutcome } from './search.js';

/** A DUT that forwards up to `capacity` pps and drops the excess; a generator that tops out. */
function simulated(capacity: number, genMax = Infinity, noiseLoss = 0) {
  const calls: number[] = [];
  const trial = async (pps: number): Promise<TrialOutcome> => {
    calls.push(pps);
    const offered = Math.min(pps, genMax);
    const excess = Math.max(0, offered - capacity) / offered;
    return { offeredPps: offered, lossRatio: Math.max(excess, offered > capacity * 0.5 ? noiseLoss : 0) };
  };
  return { trial, calls };
}

describe('throughput search (RFC 2544 binary search)', () => {
  it('finds NDR within the precision of a sharp loss curve and says how many trials it took', async () => {
    const dut = simulated(1_234_567);
    const r = await throughputSearch(dut.trial, { maxPps: 10e6, lossThreshold: 0, precision: 0.01, maxTrials: 30 });
    expect(r.converged).to.equal(true);
    expect(r.pps).to.be.at.most(1_234_567);
    expect(r.pps).to.be.at.least(1_234_567 * 0.99);
    expect(r.steps.length).to.equal(dut.calls.length);
    expect(r.steps.length).to.be.at.most(Math.ceil(Math.log2(1 / 0.01)) + 4);
  });

  it('converges for any capacity, start and precision: answer passed, within precision, bounded trials', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 10_000, max: 9_000_000 }),
        fc.double({ min: 0.005, max: 0.1, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        async (cap, precision, startFrac) => {
          const dut = simulated(cap);
          const r = await throughputSearch(dut.trial, { maxPps: 10e6, startPps: 10e6 * startFrac, lossThreshold: 0, precision, maxTrials: 60 });
          expect(r.converged).to.equal(true);
          expect(r.pps).to.be.at.most(cap);
          expect(r.pps).to.be.at.least(cap * (1 - precision) - 1);
          expect(r.steps.length).to.be.at.most(Math.ceil(Math.log2(10e6 / cap)) + Math.ceil(Math.log2(1 / precision)) + 3);
          expect(r.steps.every((s) => s.pass === s.lossRatio <= 0)).to.equal(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('PDR accepts the loss threshold where NDR does not', async () => {
    // 0.3 % loss from half capacity up (e.g. a noisy receive ring), all excess dropped above.
    const ndr = await throughputSearch(simulated(1e6, Infinity, 0.003).trial, { maxPps: 4e6, lossThreshold: 0, precision: 0.01, maxTrials: 30 });
    const pdr = await throughputSearch(simulated(1e6, Infinity, 0.003).trial, { maxPps: 4e6, lossThreshold: 0.005, precision: 0.01, maxTrials: 30 });
    expect(ndr.pps).to.be.at.most(0.5e6);
    expect(pdr.pps).to.be.at.least(0.99e6);
  });

  it('credits only what the generator really offered when it falls short', async () => {
    const r = await throughputSearch(simulated(5e6, 2e6).trial, { maxPps: 10e6, lossThreshold: 0, precision: 0.01, maxTrials: 30 });
    expect(r.pps).to.equal(2e6);
    expect(r.converged).to.equal(true);
    expect(r.steps.every((s) => s.offeredPps <= 2e6)).to.equal(true);
  });

  it('takes the rate really offered as the upper bound when a generator-limited trial fails', async () => {
    const dut = simulated(1e6, 3e6);
    const r = await throughputSearch(dut.trial, { maxPps: 50e6, lossThreshold: 0, precision: 0.01, maxTrials: 30 });
    expect(dut.calls[1]).to.equal(1.5e6); // midway between 0 and the 3 Mpps offered, not 25 Mpps
    expect(r.pps).to.be.within(0.99e6, 1e6);
  });

  it('searches only above a rate already known to pass (the PDR never ends below the NDR)', async () => {
    const dut = simulated(2e6);
    const r = await throughputSearch(dut.trial, { maxPps: 4e6, knownPassPps: 1.5e6, lossThreshold: 0.005, precision: 0.01, maxTrials: 30 });
    expect(dut.calls.every((c) => c >= 1.5e6)).to.equal(true);
    expect(r.pps).to.be.within(1.98e6, 2e6 / (1 - 0.005)); // 0.5 % loss allowed above capacity
  });

  it('stops at maxTrials and says it did not converge', async () => {
    const r = await throughputSearch(simulated(777_777).trial, { maxPps: 10e6, lossThreshold: 0, precision: 0.0001, maxTrials: 4 });
    expect(r.steps).to.have.length(4);
    expect(r.converged).to.equal(false);
    expect(r.pps).to.be.at.most(777_777);
  });

  it('reports 0 when nothing passes', async () => {
    const r = await throughputSearch(async (pps) => ({ offeredPps: pps, lossRatio: 1 }), { maxPps: 1e6, lossThreshold: 0, precision: 0.01, maxTrials: 40 });
    expect(r.pps).to.equal(0);
    expect(r.ended).to.equal('nothing passed: every rate down to 1 pps lost more than 0 %');
  });

  it('says why it ended: converged with the bracket, or the trial budget spent with the bracket still open', async () => {
    const converged = await throughputSearch(simulated(1e6).trial, { maxPps: 4e6, lossThreshold: 0, precision: 0.01, maxTrials: 30 });
    expect(converged.ended).to.match(/^converged: \d+\.\.\d+ pps within 1 % after \d+ trials$/);
    const spent = await throughputSearch(simulated(777_777).trial, { maxPps: 10e6, lossThreshold: 0, precision: 0.0001, maxTrials: 4 });
    expect(spent.ended).to.match(/^trial budget \(4\) spent with \d+\.\.\d+ pps still open$/);
  });

  it('says so when a trial fails below a rate that passed (noise), keeping the rate that passed', async () => {
    // Passes at the start, then fails at a lower offered rate: a stall, not a capacity.
    const outcomes = [
      { offeredPps: 1e6, lossRatio: 0 },
      { offeredPps: 0.9e6, lossRatio: 0.01 },
    ];
    const r = await throughputSearch(async () => outcomes.shift() ?? { offeredPps: 1, lossRatio: 1 }, {
      maxPps: 2e6,
      startPps: 1e6,
      lossThreshold: 0,
      precision: 0.01,
      maxTrials: 10,
    });
    expect(r.pps).to.equal(1e6);
    expect(r.ended).to.equal('inconsistent: a trial failed at 900000 pps, below 1000000 pps that passed, after 2 trials');
  });

  it('never asks the generator for 0 pps (its line rate), even when told to start at 0', async () => {
    const dut = simulated(1e6);
    const r = await throughputSearch(dut.trial, { maxPps: 2e6, startPps: 0, lossThreshold: 0, precision: 0.05, maxTrials: 20 });
    expect(dut.calls[0]).to.equal(2e6);
    expect(dut.calls.every((pps) => pps > 0)).to.equal(true);
    expect(r.pps).to.be.within(0.95e6, 1e6);
  });

  it('rejects nonsense options before any trial', async () => {
    const dut = simulated(1);
    for (const bad of [
      { maxPps: 0, precision: 0.01 },
      { maxPps: 1e6, precision: 0 },
      { maxPps: 1e6, precision: 1 },
    ]) {
      const err = await throughputSearch(dut.trial, { ...bad, lossThreshold: 0, maxTrials: 5 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String(err)).to.match(/^Error: search: (maxPps|precision) must be/);
    }
    expect(dut.calls).to.deep.equal([]);
  });
});
