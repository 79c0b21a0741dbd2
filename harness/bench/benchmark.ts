import type { BenchmarkPoint } from '../results/results.js';
import { FLOW_MAC_BASE, flowVars, parseProfile, sizedStreams, type Profile } from '../traffic/streams/stream-model.js';
import { confirmedSearch, forwardedPps, median, spreadOf, trialRecord } from './figures.js';
import { measureFlowSetup } from './flow-setup.js';
import type { LatencySummary } from '../traffic/latency.js';
import type { BenchPlan } from './plan.js';
import type { TrialGenerator, TrialResult } from '../traffic/trial-generator.js';
import { capacityShortfall, type StartedBenchTarget } from './targets.js';

/** Loss below this is counted as none for MRR's generator-limited flag (1 frame in 1000). */
const NO_LOSS = 0.001;

/**
 * Measures one started target with a generator whose traffic crosses it (first generator
 * port -> p1 -> DUT -> p2 -> second generator port).
 */
export async function measureTarget(
  gen: TrialGenerator,
  target: StartedBenchTarget,
  backend: string,
  plan: BenchPlan,
  log: (m: string) => void,
): Promise<BenchmarkPoint[]> {
  const points: BenchmarkPoint[] = [];
  for (const frameSize of plan.frameSizes) {
    for (const flows of plan.flows) {
      points.push(...(await measurePoint(gen, target, backend, plan, frameSize, flows, log)));
    }
  }
  if (plan.metrics.has('flow-setup') && target.slowPath) points.push(...(await measureFlowSetup(gen, target, backend, plan, log)));
  return points;
}

function profileFor(frameSize: number | 'imix', flows: number, pps: number, durationMs: number, firstFlow = FLOW_MAC_BASE): Profile {
  const vars = flowVars(flows, firstFlow);
  return parseProfile({ streams: sizedStreams(frameSize, vars), rate: { pps }, durationMs }, `benchmark ${frameSize} B x ${flows} flows`);
}

/** The metrics a point of the plan records, for a target that cannot take the point at all. */
function plannedMetrics(plan: BenchPlan): string[] {
  const m = plan.metrics;
  return [
    ...(m.has('mrr') ? ['mrr_pps'] : []),
    ...(m.has('ndr') ? ['ndr_pps'] : []),
    ...(m.has('pdr') ? ['pdr_pps'] : []),
    ...(m.has('latency') ? ['latency_p50_us', 'latency_p90_us', 'latency_p99_us', 'latency_max_us'] : []),
  ];
}

async function measurePoint(
  gen: TrialGenerator,
  target: StartedBenchTarget,
  backend: string,
  plan: BenchPlan,
  frameSize: number | 'imix',
  flows: number,
  log: (m: string) => void,
): Promise<BenchmarkPoint[]> {
  const base = { backend, frameSize, flows };
  const label = `${frameSize}${frameSize === 'imix' ? '' : ' B'}, ${flows} flow${flows === 1 ? '' : 's'}`;
  const noCapacity = capacityShortfall(target, flows);
  if (noCapacity) {
    log(`${label}: unsupported: ${noCapacity}`);
    return plannedMetrics(plan).map((metric) => ({
      ...base,
      metric,
      value: 0,
      unit: metric.endsWith('_us') ? 'us' : 'pps',
      trials: [],
      unsupported: noCapacity,
      generator: { name: gen.name, note: 'not measured', limited: false },
    }));
  }
  const trial = (pps: number) => gen.trial(profileFor(frameSize, flows, pps, plan.trialMs), plan.rampMs);
  const points: BenchmarkPoint[] = [];
  // MRR: as fast as the generator goes (a rate of 0 asks for that); also gives the search its bounds.
  const mrr: TrialResult[] = [];
  for (let i = 0; i < Math.max(1, plan.repeats); i += 1) mrr.push(await trial(0));
  const rates = mrr.map(forwardedPps);
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
      spread: spreadOf(rates),
      ...(datapathFlows === undefined ? {} : { datapathFlows }),
      generator: { name: gen.name, note: `${gen.note}; offered up to ${Math.round(genMax)} pps`, limited: mrrLimited, offeredPps: Math.round(genMax) },
    });
    log(
      `${label}: MRR ${(mrrPps / 1e6).toFixed(3)} Mpps (offered ${(genMax / 1e6).toFixed(3)})${mrrLimited ? ', generator-limited' : ''}${datapathFlows === undefined ? '' : `, ${datapathFlows} datapath flows`}`,
    );
  }
  const search = (metric: 'ndr_pps' | 'pdr_pps', lossThreshold: number, record: boolean, knownPassPps?: number) =>
    searchPoint({ gen, trial, plan, base, label, log, points }, { metric, lossThreshold, record, genMax, mrrPps, ...(knownPassPps ? { knownPassPps } : {}) });
  let ndr: number | undefined;
  if (plan.metrics.has('ndr') || plan.metrics.has('latency')) ndr = await search('ndr_pps', 0, plan.metrics.has('ndr'));
  // What passed with no loss passes any loss threshold: the PDR search starts above the NDR.
  if (plan.metrics.has('pdr')) await search('pdr_pps', plan.pdrLoss, true, ndr);
  if (plan.metrics.has('latency')) points.push(...(await measureLatency({ gen, trial, plan, base, label, log }, ndr ?? 0)));
  return points;
}

/** What a point's measurements share. */
interface PointContext {
  readonly gen: TrialGenerator;
  readonly trial: (pps: number) => Promise<TrialResult>;
  readonly plan: BenchPlan;
  readonly base: { readonly backend: string; readonly frameSize: number | 'imix'; readonly flows: number };
  readonly label: string;
  readonly log: (m: string) => void;
}

/**
 * An RFC 2544 search for the highest rate losing at most `lossThreshold`, bounded by what the
 * generator offered, then `repeats` trials at the rate found to confirm it; their forwarded
 * rates are the point's spread. Returns the rate found (0 when none passed).
 */
async function searchPoint(
  p: PointContext & { readonly points: BenchmarkPoint[] },
  s: { metric: 'ndr_pps' | 'pdr_pps'; lossThreshold: number; record: boolean; genMax: number; mrrPps: number; knownPassPps?: number },
): Promise<number> {
  const { gen, trial, plan, base, label, log } = p;
  const name = s.metric === 'ndr_pps' ? 'NDR' : `PDR (${s.lossThreshold * 100} % loss)`;
  const searchInfo = (steps: number, converged: boolean, ended: string) => ({
    lossThreshold: s.lossThreshold,
    precision: plan.precision,
    converged,
    trials: steps,
    ended,
  });
  if (s.mrrPps <= 0 || s.genMax <= 0) {
    // Nothing crossed the target at full rate: there is no rate to search, and asking the
    // generator for 0 pps would mean its line rate again.
    const ended = `not searched: the MRR trials forwarded nothing (offered up to ${Math.round(s.genMax)} pps)`;
    log(`${label}: ${name} ${ended}`);
    if (s.record)
      p.points.push({
        ...base,
        metric: s.metric,
        value: 0,
        unit: 'pps',
        trials: [],
        search: searchInfo(0, true, ended),
        generator: { name: gen.name, note: gen.note, limited: false },
      });
    return 0;
  }
  const found = await confirmedSearch(
    trial,
    {
      maxPps: s.genMax,
      startPps: Math.min(s.genMax, s.mrrPps),
      lossThreshold: s.lossThreshold,
      precision: plan.precision,
      maxTrials: plan.maxSearchTrials,
      ...(s.knownPassPps ? { knownPassPps: s.knownPassPps } : {}),
    },
    plan.repeats,
  );
  const { result: r, steps, passed } = found;
  const confirm = found.confirm.map((c) => c.t);
  // Bounded by the generator: the answer is its ceiling, or a trial near the answer fell short
  // of the rate asked (stalls on the generator's CPU), so the bracket closed on what it offered.
  const near = [...steps, ...confirm].some((t) => t.generatorLimited && Math.abs(t.offeredPps - r.pps) <= plan.precision * r.pps);
  const limited = r.pps > 0 && (r.pps >= s.genMax * (1 - plan.precision) || near);
  const confirmNote =
    confirm.length === 0
      ? ''
      : passed === confirm.length
        ? `, confirmed by ${passed} of ${confirm.length} repeats`
        : `, NOT confirmed: ${confirm.length - passed} of ${confirm.length} repeats at that rate lost more`;
  if (s.record) {
    p.points.push({
      ...base,
      metric: s.metric,
      value: Math.round(r.pps),
      unit: 'pps',
      trials: steps.map((t, i) => trialRecord(t, Math.round(t.offeredPps), r.steps[i]?.pass)),
      ...(confirm.length > 0 ? { spread: spreadOf(confirm.map(forwardedPps)) } : {}),
      search: searchInfo(r.steps.length, r.converged, r.ended),
      ...(confirm.length > 0
        ? {
            confirm: {
              pps: Math.round(r.pps),
              passed,
              trials: confirm.map((t) => trialRecord(t, Math.round(forwardedPps(t)), t.lossRatio <= s.lossThreshold)),
            },
          }
        : {}),
      generator: { name: gen.name, note: `${gen.note}; search bounded by ${Math.round(s.genMax)} pps`, limited, offeredPps: Math.round(s.genMax) },
    });
  }
  log(`${label}: ${name} ${(r.pps / 1e6).toFixed(3)} Mpps in ${r.steps.length} trials (${r.ended})${confirmNote}${limited ? ', generator-limited' : ''}`);
  return r.pps;
}

/**
 * Latency under a load that loses nothing: at each fraction of the NDR, `repeats` trials; each
 * percentile is the median over the trials, with their spread. Without an NDR there is no such load.
 */
async function measureLatency(p: PointContext, ndrPps: number): Promise<BenchmarkPoint[]> {
  const { gen, trial, plan, base, label, log } = p;
  if (ndrPps <= 0) {
    log(`${label}: latency not measured: no rate passed without loss (NDR 0)`);
    return [];
  }
  const points: BenchmarkPoint[] = [];
  for (const f of plan.latencyAt) {
    const trials: TrialResult[] = [];
    for (let i = 0; i < Math.max(1, plan.repeats); i += 1) trials.push(await trial(ndrPps * f));
    const measured = trials.filter((t): t is TrialResult & { latency: LatencySummary } => t.latency !== undefined);
    if (measured.length === 0) {
      log(`${label}: latency at ${Math.round(f * 100)} % of NDR: no latency samples in ${trials.length} trials`);
      continue;
    }
    const samples = measured.reduce((n, t) => n + t.latency.samples, 0);
    const summary: Record<string, number> = {};
    for (const [metric, pick] of LATENCY_METRICS) {
      const values = measured.map((t) => pick(t.latency));
      summary[metric] = median(values);
      points.push({
        ...base,
        metric,
        value: Math.round(median(values) * 100) / 100,
        unit: 'us',
        loadFraction: f,
        trials: measured.map((t, i) => trialRecord(t, values[i] as number)),
        spread: { min: Math.min(...values), max: Math.max(...values) },
        generator: {
          name: gen.name,
          note: `${gen.note}; ${gen.latencyNote}, ${samples} samples in ${measured.length} trials`,
          limited: measured.some((t) => t.generatorLimited),
          offeredPps: Math.round(median(measured.map((t) => t.offeredPps))),
        },
      });
    }
    log(
      `${label}: latency at ${Math.round(f * 100)} % of NDR (median of ${measured.length}): p50 ${summary.latency_p50_us?.toFixed(1)} us, p99 ${summary.latency_p99_us?.toFixed(1)} us, max ${summary.latency_max_us?.toFixed(1)} us`,
    );
  }
  return points;
}

const LATENCY_METRICS: readonly (readonly [string, (l: LatencySummary) => number])[] = [
  ['latency_p50_us', (l) => l.p50Us],
  ['latency_p90_us', (l) => l.p90Us],
  ['latency_p99_us', (l) => l.p99Us],
  ['latency_max_us', (l) => l.maxUs],
];
