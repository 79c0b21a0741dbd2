import { basename } from 'node:path';
import { resolveBackends, UnknownBackendError } from '../../datapaths/registry.js';
import { DEFAULT_PLAN, METRICS, type BenchPlan, type Metric } from '../bench/plan.js';
import { benchmarkTable } from '../bench/run-benchmarks.js';
import { executeRun } from '../runner/run.js';
import { streamProgress } from '../results/progress.js';
import { generatorPlan, type GeneratorFlags } from './generator-arg.js';
import { loadTopologyOrUsage } from './topology-arg.js';
import { EnvironmentError, EXIT, UsageError } from './errors.js';
import { prepareOutDir } from './out-arg.js';

export interface BenchFlags extends GeneratorFlags {
  topology: string;
  backend?: string[];
  frameSizes: string[];
  flows: string[];
  metrics: string[];
  trialS: string;
  rampS: string;
  repeats: string;
  precision: string;
  pdrLoss: string;
  latencyAt: string[];
  smoke?: boolean;
  out?: string;
}

function number(name: string, v: string, min: number, max: number, integer = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '' || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${name} ${v}: want ${integer ? 'a whole number' : 'a number'} ${min}..${max}`);
  }
  return n;
}

/** A plan from the command line; every value is checked before anything is created. */
export function benchPlan(o: BenchFlags): BenchPlan {
  const frameSizes = o.frameSizes.map((f) => (f === 'imix' ? ('imix' as const) : number('--frame-sizes', f, 64, 1518, true)));
  const flows = o.flows.map((f) => number('--flows', f, 1, 1_000_000, true));
  for (const m of o.metrics) if (!(METRICS as readonly string[]).includes(m)) throw new UsageError(`--metrics ${m}: want some of ${METRICS.join(', ')}`);
  const plan: BenchPlan = {
    ...DEFAULT_PLAN,
    frameSizes,
    flows,
    metrics: new Set(o.metrics as Metric[]),
    trialMs: Math.round(number('--trial-s', o.trialS, 0.1, 600) * 1000),
    rampMs: Math.round(number('--ramp-s', o.rampS, 0, 60) * 1000),
    repeats: number('--repeats', o.repeats, 1, 20, true),
    precision: number('--precision', o.precision, 0.001, 0.5),
    pdrLoss: number('--pdr-loss', o.pdrLoss, 0, 50) / 100,
    latencyAt: o.latencyAt.map((f) => number('--latency-at', f, 0.01, 1)),
  };
  // Smoke: the machinery end to end in a few seconds per target, numbers meaningless. Six search
  // trials reach 1/32 of the MRR, where a veth on a busy host usually loses nothing, so the
  // latency trial runs too.
  return o.smoke
    ? { ...plan, trialMs: 300, rampMs: 0, repeats: 1, precision: 0.25, maxSearchTrials: 6, latencyAt: [0.5], setupFlows: 2000, setupPps: 20_000 }
    : plan;
}

/**
 * `dplab bench`: the benchmark suite alone (`dplab run --suite benchmark` with a plan from
 * the command line): baselines and backends on p2p veth with the soft generator, or on a lab
 * (nic) topology with TRex; a table with ratios to the ceiling,
 * results.json/csv with every point and trial.
 */
export async function benchCommand(o: BenchFlags): Promise<number> {
  let backends;
  try {
    // A kernel-resident datapath only when named: this host may lack its module.
    backends = resolveBackends(o.backend).filter((b) => !b.inKernel || o.backend?.includes(b.id));
  } catch (e) {
    if (e instanceof UnknownBackendError) throw new UsageError(e.message);
    throw e;
  }
  const plan = benchPlan(o);
  const topology = loadTopologyOrUsage(o.topology);
  const generator = generatorPlan(o, topology, true);
  if (process.getuid?.() !== 0) throw new EnvironmentError('bench: must run as root (creates network namespaces, veth links, BPF programs)');
  if (o.out) prepareOutDir(o.out);
  const progress = streamProgress();
  const { results, outDir, files } = await executeRun(
    { suites: ['benchmark'], groups: [], backends, topology, bench: plan, generator, ...(o.out ? { outDir: o.out } : {}) },
    progress,
  );
  if (results.benchmarks.length > 0) process.stdout.write(`${benchmarkTable(results.benchmarks)}\n`);
  progress.info(`wrote ${files.map((f) => basename(f)).join(', ')} in ${outDir}`);
  return results.cases.some((c) => c.status === 'error') ? EXIT.failures : EXIT.ok;
}
