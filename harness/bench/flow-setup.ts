import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchmarkPoint } from '../results/results.js';
import { FLOW_MAC_BASE, flowVars, parseProfile, sizedStreams, type Profile } from '../traffic/streams/stream-model.js';
import { confirmedSearch, spreadOf, trialRecord } from './figures.js';
import type { BenchPlan } from './plan.js';
import { capacityShortfall, type StartedBenchTarget } from './targets.js';
import type { TrialGenerator, TrialResult } from '../traffic/trial-generator.js';

/** The share of first packets the slow path must deliver for a rate of new flows to count. */
export const SETUP_DELIVERY = 0.99;
/** First packets of the flow-setup trials come from sources apart from the measured flows'. */
const SETUP_MAC_BASE = FLOW_MAC_BASE + 0x01000000;
/** First packets may wait in a slow path: counters are read this long after the last one. */
const SETUP_DRAIN_MS = 1000;

/** A count of the datapath's flows, asked at `sent` and answered at `got` (seconds since the trial began). */
export interface FlowSample {
  readonly sent: number;
  readonly got: number;
  readonly flows: number;
}

/** How often the flow table is counted while flows are set up (each count costs the slow path some time). */
export const INSTALL_SAMPLE_MS = 20;

/**
 * How fast flows appeared in the table, from counts taken while a trial ran: the new flows over
 * the time they took. A count holds at some instant between its request and its answer, so the
 * time is bracketed: at most from the request of the last count before growth to the answer of
 * the first at the final count (the value: never more than was seen), at least from the answer
 * of the first grown count to the request of the last unfinished one (the spread's upper end).
 */
export function installRate(samples: readonly FlowSample[]): { perSecond: number; upper: number; flows: number } | undefined {
  const first = samples[0];
  if (!first) return undefined;
  const final = Math.max(...samples.map((s) => s.flows));
  const added = final - first.flows;
  if (added <= 0) return undefined;
  const grown = samples.findIndex((s) => s.flows > first.flows);
  const done = samples.findIndex((s) => s.flows >= final);
  const longest = (samples[done] as FlowSample).got - (samples[grown - 1] as FlowSample).sent;
  const shortest = done > grown ? (samples[done - 1] as FlowSample).sent - (samples[grown] as FlowSample).got : 0;
  return { perSecond: added / longest, upper: shortest > 0 ? added / shortest : added / longest, flows: added };
}

/** Counts the target's flows until `until` settles, every INSTALL_SAMPLE_MS. */
async function sampleFlows(count: () => Promise<number>, until: Promise<unknown>): Promise<FlowSample[]> {
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  const t0 = performance.now();
  const now = () => (performance.now() - t0) / 1000;
  const samples: FlowSample[] = [];
  const take = async () => {
    const sent = now();
    const flows = await count();
    samples.push({ sent, got: now(), flows });
  };
  while (!done) {
    await take();
    await sleep(INSTALL_SAMPLE_MS);
  }
  await take();
  return samples;
}

function unsupported(backend: string, n: number, reason: string, gen: TrialGenerator): BenchmarkPoint[] {
  return ['flow_setup_per_s', 'flow_install_per_s'].map((metric) => ({
    backend,
    metric,
    frameSize: 64,
    flows: n,
    value: 0,
    unit: 'flows/s',
    trials: [],
    unsupported: reason,
    generator: { name: gen.name, note: 'not measured', limited: false },
  }));
}

const delivered = (t: TrialResult) => `${t.received} of ${t.sent} first packets delivered`;

/** One trial at `pps` new flows a second with the datapath's flows counted all along: flow_install_per_s. */
async function measureInstallRate(
  o: { gen: TrialGenerator; count: () => Promise<number>; backend: string; n: number; pps: number; log: (m: string) => void },
  trial: () => Promise<TrialResult>,
): Promise<BenchmarkPoint | undefined> {
  const running = trial();
  const samples = await sampleFlows(o.count, running);
  const t = await running;
  const rate = installRate(samples);
  if (!rate) {
    o.log(`flow setup: no flow appeared in the datapath table in ${samples.length} counts (install rate not measured; ${delivered(t)})`);
    return undefined;
  }
  o.log(`flow setup: flows appeared in the table at ${Math.round(rate.perSecond)}/s or more (${rate.flows} flows, ${samples.length} counts; ${delivered(t)})`);
  return {
    backend: o.backend,
    metric: 'flow_install_per_s',
    frameSize: 64,
    flows: o.n,
    value: Math.round(rate.perSecond),
    unit: 'flows/s',
    trials: [trialRecord(t, Math.round(rate.perSecond))],
    spread: { min: Math.round(rate.perSecond), max: Math.round(rate.upper) },
    generator: {
      name: o.gen.name,
      note: `${rate.flows} flows appeared in the datapath's table while ${o.n} new flows arrived at ${Math.round(o.pps)}/s (${delivered(t)}), counted ${samples.length} times (every ${INSTALL_SAMPLE_MS} ms); the time bracketed by the counts, so the value is a lower bound`,
      limited: false,
      offeredPps: Math.round(t.offeredPps),
    },
  };
}

/**
 * Flow setup as a user means it: the highest rate of new flows at which the slow path still
 * delivers at least 99 % of first packets, found by the same search as the NDR. Each trial
 * flushes the datapath's flows and offers `setupFlows` flows it has never seen (fresh Ethernet
 * sources), one frame each, at the trial's rate. `repeats` trials at the rate found confirm it;
 * one more, with the datapath's flows counted while it runs, gives the rate at which flows
 * appear in its table (a second point, flow_install_per_s).
 */
export async function measureFlowSetup(
  gen: TrialGenerator,
  target: StartedBenchTarget,
  backend: string,
  plan: BenchPlan,
  log: (m: string) => void,
): Promise<BenchmarkPoint[]> {
  const n = plan.setupFlows;
  const shortfall = capacityShortfall(target, n);
  if (shortfall) {
    log(`flow setup: unsupported: ${shortfall}`);
    return unsupported(backend, n, shortfall, gen);
  }
  let round = 0;
  const trial = async (pps: number): Promise<TrialResult> => {
    const first = SETUP_MAC_BASE + round * n;
    round += 1;
    const profile: Profile = {
      ...parseProfile(
        { streams: sizedStreams(64, flowVars(n, first)), rate: { pps }, durationMs: Math.ceil((n / pps) * 1000) + 2000 },
        `flow setup ${n} new flows`,
      ),
      mode: { kind: 'burst', frames: n },
    };
    return gen.trial(profile, 0, SETUP_DRAIN_MS);
  };
  const loss = 1 - SETUP_DELIVERY;
  // Every trial's flows are first packets again: the table is flushed before each.
  const flush = async () => target.flushFlows?.();
  const found = await confirmedSearch(
    trial,
    { maxPps: plan.setupPps, lossThreshold: loss, precision: plan.precision, maxTrials: plan.maxSearchTrials },
    plan.repeats,
    undefined,
    flush,
  );
  const { result: r, steps, passed } = found;
  const confirm = found.confirm.map((c) => c.t);
  const ceiling = r.pps >= plan.setupPps * (1 - plan.precision);
  const points: BenchmarkPoint[] = [
    {
      backend,
      metric: 'flow_setup_per_s',
      frameSize: 64,
      flows: n,
      value: Math.round(r.pps),
      unit: 'flows/s',
      trials: steps.map((t, i) => trialRecord(t, Math.round(t.offeredPps), r.steps[i]?.pass)),
      ...(confirm.length > 0 ? { spread: spreadOf(confirm.map((t) => Math.min(t.offeredPps, t.received / t.seconds))) } : {}),
      search: { lossThreshold: loss, precision: plan.precision, converged: r.converged, trials: r.steps.length, ended: r.ended },
      ...(confirm.length > 0
        ? { confirm: { pps: Math.round(r.pps), passed, trials: confirm.map((t) => trialRecord(t, Math.round(t.offeredPps), t.lossRatio <= loss)) } }
        : {}),
      generator: {
        name: gen.name,
        note: `${gen.note}; ${n} new flows a trial, the rate searched up to ${plan.setupPps} new flows/s; a rate passes when ${SETUP_DELIVERY * 100} % of first packets arrive${ceiling ? '; the highest rate tried passed: the target may set up more' : ''}`,
        limited: ceiling || confirm.some((t) => t.generatorLimited),
        offeredPps: Math.round(r.pps),
      },
    },
  ];
  const confirmNote = confirm.length === 0 ? '' : `; confirmed by ${passed} of ${confirm.length} repeats (${confirm.map(delivered).join(', ')})`;
  log(
    `flow setup: ${Math.round(r.pps)} new flows/s with >= ${SETUP_DELIVERY * 100} % of first packets delivered (${r.ended})${confirmNote}${ceiling ? ', the highest rate tried' : ''}`,
  );
  // How fast flows appear in the table, in a trial of its own at the rate found: counting the
  // table costs the slow path time, so the confirming trials are left undisturbed.
  if (r.pps > 0 && target.flowCount) {
    await flush();
    const install = await measureInstallRate({ gen, count: target.flowCount, backend, n, pps: r.pps, log }, () => trial(r.pps));
    if (install) points.push(install);
  }
  return points;
}
