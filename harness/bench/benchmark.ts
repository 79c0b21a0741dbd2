import type { BenchmarkPoint } from '../results/results.js';
import { FLOW_MAC_BASE, flowVars, parseProfile, sizedStreams, type Profile } from '../traffic/streams/stream-model.js';
import { throughputSearch, type SearchResult } from './search.js';
import type { TrialGenerator, TrialResult } from './trial.js';
import type { StartedBenchTarget } from './targets.js';

export const METRICS = ['mrr', 'ndr', 'pdr', 'latency', 'flow-setup'] as const;
export type Metric = (typeof METRICS)[number];

/** What to measure on each target; every point is measured on the same p2p topology. */
export interface BenchPlan {
  readonly frameSizes: readonly (number | 'imix')[];
  readonly flows: readonly number[];
  readonly metrics: ReadonlySet<Metric>;
  /** Counted traffic per trial, and unmeasured traffic at the same rate before it. */
  readonly trialMs: number;
  readonly rampMs: number;
  /** MRR trials per point (median and spread recorded). */
  readonly repeats: number;
  /** NDR/PDR search: relative precision, trial budget, PDR loss threshold (ratio). */
  readonly precision: number;
  readonly maxSearchTrials: number;
  readonly pdrLoss: number;
  /** Latency measured at these fractions of the NDR. */
  readonly latencyAt: readonly number[];
  /** Flow setup: this many new flows, offered at this rate. */
  readonly setupFlows: number; // fresh sources, apart from the measured flows'
  readonly setupPps: number;
}

export const DEFAULT_PLAN: BenchPlan = {
  frameSizes: [64],
  flows: [1],
  metrics: new Set(['mrr', 'ndr', 'pdr', 'latency', 'flow-setup']),
  trialMs: 2000,
  rampMs: 500,
  repeats: 3,
  precision: 0.02,
  maxSearchTrials: 12,
  pdrLoss: 0.005,
  latencyAt: [0.1, 0.5, 0.9],
  setupFlows: 20_000,
  setupPps: 200_000,
};

/** The soft generator's CPU unless `--gen-cpu` says otherwise; the DUT's threaded NAPI and daemons get the others. */
export const GEN_CPU = 0;
/** Loss below this is counted as none for MRR's generator-limited flag (1 frame in 1000). */
const NO_LOSS = 0.001;

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function trialRecord(t: TrialResult, value: number, pass?: boolean) {
  return {
    value,
    requestedPps: Math.round(t.requestedPps),
    sent: t.sent,
    received: t.received,
    lossRatio: t.lossRatio,
    txIf: t.txIf,
    txDroppedIf: t.txDroppedIf,
    rxIf: t.rxIf,
    ...(pass === undefined ? {} : { pass }),
  };
}

/**
 * Measures one started target with a generator whose traffic crosses it (first generator
 * port -> p1 -> DUT -> p2 -> second generator port).
 */
export async function measureTarget(gen: TrialGenerator, target: StartedBenchTarget, backend: string, plan: BenchPlan, log: (m: string) => void): Promise<BenchmarkPoint[]> {
  const points: BenchmarkPoint[] = [];
  for (const frameSize of plan.frameSizes) {
    for (const flows of plan.flows) {
      points.push(...(await measurePoint(gen, target, backend, plan, frameSize, flows, log)));
    }
  }
  if (plan.metrics.has('flow-setup') && target.slowPath) points.push(await measureFlowSetup(gen, backend, plan, log));
  return points;
}

function profileFor(frameSize: number | 'imix', flows: number, pps: number, durationMs: number, firstFlow = FLOW_MAC_BASE): Profile {
  const vars = flowVars(flows, firstFlow);
  return parseProfile({ streams: sizedStreams(frameSize, vars), rate: { pps }, durationMs }, `benchmark ${frameSize} B x ${flows} flows`);
}

async function measurePoint(gen: TrialGenerator, target: StartedBenchTarget, backend: string, plan: BenchPlan, frameSize: number | 'imix', flows: number, log: (m: string) => void): Promise<BenchmarkPoint[]> {
  const base = { backend, frameSize, flows };
  const label = `${frameSize}${frameSize === 'imix' ? '' : ' B'}, ${flows} flow${flows === 1 ? '' : 's'}`;
  const trial = (pps: number) => gen.trial(profileFor(frameSize, flows, pps, plan.trialMs), plan.rampMs);
  const points: BenchmarkPoint[] = [];
  // MRR: as fast as the generator goes; also gives the search its bounds.
  const mrr: TrialResult[] = [];
  for (let i = 0; i < Math.max(1, plan.repeats); i += 1) mrr.push(await trial(0));
  const rates = mrr.map((t) => t.received / t.seconds);
  const mrrPps = median(rates);
  const genMax = Math.max(...mrr.map((t) => t.offeredPps));
  const mrrLimited = mrr.every((t) => t.lossRatio < NO_LOSS);
  const datapathFlows = target.flowCount ? await target.flowCount() : undefined;
  if (plan.metrics.has('mrr')) {
    points.push({
      ...base,
      metric: 'mrr_pps',
      value: Math.round(mrrPps),
      unit: 'pps',
      trials: mrr.map((t, i) => trialRecord(t, Math.round(rates[i] as number))),
      spread: { min: Math.round(Math.min(...rates)), max: Math.round(Math.max(...rates)) },
      ...(datapathFlows === undefined ? {} : { datapathFlows }),
      generator: { name: gen.name, note: `${gen.note}; offered up to ${Math.round(genMax)} pps`, limited: mrrLimited, offeredPps: Math.round(genMax) },
    });
    log(`${label}: MRR ${(mrrPps / 1e6).toFixed(3)} Mpps (offered ${(genMax / 1e6).toFixed(3)})${mrrLimited ? ', generator-limited' : ''}${datapathFlows === undefined ? '' : `, ${datapathFlows} datapath flows`}`);
  }
  const search = async (metric: 'ndr_pps' | 'pdr_pps', lossThreshold: number, record: boolean, knownPassPps?: number): Promise<SearchResult> => {
    const steps: TrialResult[] = [];
    const r = await throughputSearch(
      async (pps) => {
        const t = await trial(pps);
        steps.push(t);
        return { offeredPps: t.offeredPps, lossRatio: t.lossRatio };
      },
      { maxPps: genMax, startPps: Math.min(genMax, mrrPps), lossThreshold, precision: plan.precision, maxTrials: plan.maxSearchTrials, ...(knownPassPps ? { knownPassPps } : {}) },
    );
    // Bounded by the generator: the answer is its ceiling, or a trial near the answer fell short
    // of the rate asked (stalls on the generator's CPU), so the bracket closed on what it offered.
    const limited = r.pps >= genMax * (1 - plan.precision) || steps.some((t) => t.generatorLimited && Math.abs(t.offeredPps - r.pps) <= plan.precision * r.pps);
    if (record) points.push({
      ...base,
      metric,
      value: Math.round(r.pps),
      unit: 'pps',
      trials: steps.map((t, i) => trialRecord(t, Math.round(t.offeredPps), r.steps[i]?.pass)),
      search: { lossThreshold, precision: plan.precision, converged: r.converged, trials: r.steps.length },
      generator: { name: gen.name, note: `${gen.note}; search bounded by ${Math.round(genMax)} pps`, limited, offeredPps: Math.round(genMax) },
    });
    log(`${label}: ${metric === 'ndr_pps' ? 'NDR' : `PDR (${lossThreshold * 100} % loss)`} ${(r.pps / 1e6).toFixed(3)} Mpps in ${r.steps.length} trials${r.converged ? '' : ' (not converged)'}${limited ? ', generator-limited' : ''}`);
    return r;
  };
  let ndr: SearchResult | undefined;
  if (plan.metrics.has('ndr') || plan.metrics.has('latency')) ndr = await search('ndr_pps', 0, plan.metrics.has('ndr'));
  // What passed with no loss passes any loss threshold: the PDR search starts above the NDR.
  if (plan.metrics.has('pdr')) await search('pdr_pps', plan.pdrLoss, true, ndr?.pps);
  // Latency is measured under a load that loses nothing: without an NDR there is none to take.
  if (plan.metrics.has('latency') && ndr && ndr.pps === 0) log(`${label}: latency not measured: no rate passed without loss (NDR 0 in ${ndr.steps.length} trials)`);
  if (plan.metrics.has('latency') && ndr && ndr.pps > 0) {
    for (const f of plan.latencyAt) {
      const t = await trial(ndr.pps * f);
      if (!t.latency) continue;
      const l = t.latency;
      for (const [metric, value] of [['latency_p50_us', l.p50Us], ['latency_p90_us', l.p90Us], ['latency_p99_us', l.p99Us], ['latency_max_us', l.maxUs]] as const) {
        points.push({
          ...base,
          metric,
          value: Math.round(value * 100) / 100,
          unit: 'us',
          loadFraction: f,
          trials: [trialRecord(t, value)],
          generator: { name: gen.name, note: `${gen.note}; ${gen.latencyNote}, ${l.samples} samples`, limited: t.generatorLimited, offeredPps: Math.round(t.offeredPps) },
        });
      }
      log(`${label}: latency at ${Math.round(f * 100)} % of NDR: p50 ${l.p50Us.toFixed(1)} us, p99 ${l.p99Us.toFixed(1)} us, max ${l.maxUs.toFixed(1)} us`);
    }
  }
  return points;
}

/**
 * New flows per second through the slow path: `setupFlows` frames, each a flow the datapath
 * has not seen (fresh Ethernet sources), offered at `setupPps`; the value is what arrived per
 * second of sending. If everything arrived, the offered rate was the limit.
 */
async function measureFlowSetup(gen: TrialGenerator, backend: string, plan: BenchPlan, log: (m: string) => void): Promise<BenchmarkPoint> {
  const n = plan.setupFlows;
  const durationMs = Math.ceil((n / plan.setupPps) * 1000) + 2000;
  const profile = { ...profileFor(64, n, plan.setupPps, durationMs, FLOW_MAC_BASE + 0x01000000), mode: { kind: 'burst' as const, frames: n } };
  const t = await gen.trial(profile, 0, 1000);
  const value = Math.round(t.received / t.seconds);
  const limited = t.lossRatio < NO_LOSS;
  log(`flow setup: ${value} new flows/s (${t.received} of ${t.sent} first packets arrived)${limited ? ', offered-rate-limited' : ''}`);
  return {
    backend,
    metric: 'flow_setup_per_s',
    frameSize: 64,
    flows: n,
    value,
    unit: 'flows/s',
    trials: [trialRecord(t, value)],
    generator: { name: gen.name, note: `${gen.note}; ${n} new flows offered at ${plan.setupPps} pps`, limited, offeredPps: Math.round(t.offeredPps) },
  };
}
