import { expect } from 'chai';
import { ratePps, type Profile } from '../traffic/streams/stream-model.js';
import { measureTarget } from './benchmark.js';
import { installRate } from './flow-setup.js';
import { DEFAULT_PLAN, type BenchPlan } from './plan.js';
import type { StartedBenchTarget } from './targets.js';
import type { TrialGenerator, TrialResult } from '../traffic/trial-generator.js';

/**
 * A model of a target on a wire, to check the measuring logic (not a measurement): the
 * generator offers up to `lineRate`; the target forwards up to `capacity` pps and sets up at
 * most `setupRate` new flows a second (first packets beyond that are lost).
 */
function modelBed(o: { lineRate: number; capacity: number; setupRate?: number; latencyUs?: number }) {
  const asked: number[] = [];
  let flows = 0;
  const gen: TrialGenerator = {
    name: 'soft',
    note: 'model',
    latencyNote: 'model',
    async trial(profile: Profile): Promise<TrialResult> {
      const requested = ratePps(profile.rate, profile.streams);
      asked.push(requested);
      const offered = requested === 0 ? o.lineRate : Math.min(requested, o.lineRate);
      const burst = profile.mode.kind === 'burst' ? profile.mode.frames : undefined;
      const seconds = burst ? burst / offered : profile.durationMs / 1000;
      const sent = Math.round(offered * seconds);
      const limit = burst ? (o.setupRate ?? Infinity) : o.capacity;
      const received = Math.min(sent, Math.round(limit * seconds));
      if (burst) flows += received;
      const l = o.latencyUs ?? 10;
      return {
        requestedPps: requested,
        sent,
        offeredPps: offered,
        seconds,
        generatorLimited: requested > 0 && offered < requested * 0.99,
        txIf: sent,
        txDroppedIf: 0,
        received,
        rxIf: received,
        lossRatio: (sent - received) / sent,
        latency: { samples: 100, p50Us: l, p90Us: 2 * l, p99Us: 3 * l, maxUs: 4 * l, meanUs: l },
      };
    },
    close: async () => undefined,
  };
  const target: StartedBenchTarget = {
    state: 'started',
    id: 'model',
    product: 'model',
    slowPath: o.setupRate !== undefined,
    flowCount: async () => flows,
    flushFlows: async () => void (flows = 0),
    stop: async () => ({ state: 'stopped', id: 'model' }),
  };
  return { gen, target, asked };
}

const plan = (over: Partial<BenchPlan> = {}): BenchPlan => ({ ...DEFAULT_PLAN, metrics: new Set(['mrr', 'ndr', 'pdr', 'latency']), ...over });

describe('benchmark measurements (against a model of a target)', () => {
  it('confirms NDR and PDR with --repeats trials at the rate found, their forwarded rates being the spread', async () => {
    const m = modelBed({ lineRate: 4e6, capacity: 1e6 });
    const points = await measureTarget(m.gen, m.target, 'model', plan(), () => undefined);
    const ndr = points.find((p) => p.metric === 'ndr_pps');
    expect(ndr?.value).to.be.within(0.98e6, 1e6);
    expect(ndr?.search?.ended).to.match(/^converged: /);
    expect(ndr?.confirm?.trials).to.have.length(3);
    expect(ndr?.confirm).to.include({ pps: ndr?.value, passed: 3 });
    expect(ndr?.spread?.max).to.be.at.most(1e6);
  });

  it('takes latency at each load level from --repeats trials, reporting the median and the spread', async () => {
    const m = modelBed({ lineRate: 4e6, capacity: 1e6, latencyUs: 20 });
    const points = await measureTarget(m.gen, m.target, 'model', plan({ latencyAt: [0.1, 0.9] }), () => undefined);
    const p99 = points.filter((p) => p.metric === 'latency_p99_us');
    expect(p99.map((p) => [p.loadFraction, p.value, p.trials.length])).to.deep.equal([
      [0.1, 60, 3],
      [0.9, 60, 3],
    ]);
    expect(p99[0]?.spread).to.deep.equal({ min: 60, max: 60 });
  });

  it('ends the searches with the reason when the MRR is 0, never asking the generator for 0 pps (its line rate) again', async () => {
    const m = modelBed({ lineRate: 4e6, capacity: 0 });
    const log: string[] = [];
    const points = await measureTarget(m.gen, m.target, 'model', plan({ repeats: 2 }), (l) => log.push(l));
    expect(m.asked, 'only the MRR trials ask for line rate').to.deep.equal([0, 0]);
    const ndr = points.find((p) => p.metric === 'ndr_pps');
    expect(ndr).to.deep.include({ value: 0, trials: [] });
    expect(ndr?.search?.ended).to.equal('not searched: the MRR trials forwarded nothing (offered up to 4000000 pps)');
    expect(log).to.include('64 B, 1 flow: latency not measured: no rate passed without loss (NDR 0)');
  });

  it('calls a flow count beyond what the target holds unsupported, with the limit, and sends nothing for it', async () => {
    const m = modelBed({ lineRate: 4e6, capacity: 1e6 });
    const small: StartedBenchTarget = { ...m.target, capacity: { flows: 16384, masks: 32, source: 'ebpf agent' } };
    const points = await measureTarget(m.gen, small, 'model', plan({ flows: [1, 100_000] }), () => undefined);
    const big = points.filter((p) => p.flows === 100_000);
    expect(big.map((p) => p.metric)).to.deep.equal(['mrr_pps', 'ndr_pps', 'pdr_pps', 'latency_p50_us', 'latency_p90_us', 'latency_p99_us', 'latency_max_us']);
    for (const p of big) {
      expect(p.unsupported).to.equal('100000 flows need 100000 datapath flows (one megaflow per Ethernet source); the target holds at most 16384 (ebpf agent)');
      expect(p.trials).to.deep.equal([]);
    }
    expect(
      points.filter((p) => p.flows === 1 && !p.unsupported),
      'MRR, NDR, PDR and 4 percentiles at 3 load levels',
    ).to.have.length(15);
  });

  it('measures flow setup as the highest new-flow rate at which 99 % of first packets arrive, and how fast flows appear', async () => {
    const m = modelBed({ lineRate: 4e6, capacity: 1e6, setupRate: 46_000 });
    const points = await measureTarget(m.gen, m.target, 'model', plan({ metrics: new Set(['flow-setup']), setupFlows: 2000 }), () => undefined);
    const setup = points.find((p) => p.metric === 'flow_setup_per_s');
    // 99 % delivered allows 1 % over the setup rate.
    expect(setup?.value).to.be.within(46_000 * (1 - DEFAULT_PLAN.precision), 46_000 / 0.99);
    expect(setup?.search?.lossThreshold).to.be.closeTo(0.01, 1e-12);
    expect(setup?.trials.every((t) => t.sent === 2000)).to.equal(true);
    expect(setup?.confirm?.passed).to.equal(3);
  });

  it('computes the install rate from flow counts, never above what the counts show', () => {
    // Each count asked at `sent`, answered at `got` (a busy slow path answers late).
    const at = (sent: number, got: number, flows: number) => ({ sent, got, flows });
    const samples = [at(0, 0.01, 0), at(0.05, 0.06, 0), at(0.1, 0.12, 400), at(0.15, 0.16, 900), at(0.2, 0.21, 1000), at(0.25, 0.26, 1000)];
    const r = installRate(samples);
    // 1000 flows appeared after 0.05 s (the last empty count was asked then) and by 0.21 s (the
    // first full one was answered then): at least 1000 / 0.16 a second; at most over 0.15 - 0.12.
    expect(r?.flows).to.equal(1000);
    expect(r?.perSecond).to.be.closeTo(1000 / 0.16, 1e-6);
    expect(r?.upper).to.be.closeTo(1000 / 0.03, 1e-6);
    expect(installRate([at(0, 0.01, 5), at(1, 1.01, 5)])).to.equal(undefined);
  });
});
