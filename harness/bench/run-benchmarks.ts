import type { Datapath, ProbeResult } from '../datapath/datapath.js';
import type { BackendIdentity, BenchmarkPoint, CaseResult } from '../results/results.js';
import { backendIdentity } from '../results/backend-identity.js';
import { ratioToCeiling } from '../results/ceiling.js';
import type { RunContext } from '../run/run-context.js';
import { onTeardown } from '../run/teardown.js';
import type { Progress } from '../results/progress.js';
import type { StartedBenchBed } from './bench-bed.js';
import { measureTarget } from './benchmark.js';
import type { BenchPlan } from './plan.js';
import { GeneratorLostError, GeneratorUnavailableError } from '../traffic/trial-generator.js';
import { backendTarget, baselineXdp, linuxBridge, type BenchTarget, type StartedBenchTarget } from './targets.js';

/** Baseline rows measured in every benchmark run: the ceiling, and the Linux bridge. */
export const BASELINES: readonly BenchTarget[] = [baselineXdp, linuxBridge];

export interface BenchmarkRun {
  readonly points: BenchmarkPoint[];
  /** Identities of every target measured or skipped. */
  readonly identities: BackendIdentity[];
  /** Targets that broke off with an error (their points are missing). */
  readonly errors: { target: string; message: string }[];
  /** Targets not measured because the generator cannot send on this host (the reason says why). */
  readonly skipped: { target: string; reason: string }[];
  /** The generator was lost: the suite stopped there (the message says why). */
  readonly aborted?: string;
}

/**
 * The benchmark suite: the baselines, then each available backend, each on a fresh topology of
 * the bed (so no target inherits another's flows, FDB or XDP programs), measured by the plan.
 * A lost generator (a TRex server that died or hangs) ends the suite: no later target could run.
 */
export async function runBenchmarks(
  backends: readonly Datapath[],
  bed: StartedBenchBed,
  ctx: RunContext,
  plan: BenchPlan,
  progress: Progress,
  probe: (d: Datapath) => Promise<ProbeResult> = (d) => d.probe(),
): Promise<BenchmarkRun> {
  const points: BenchmarkPoint[] = [];
  const identities: BackendIdentity[] = [];
  const errors: { target: string; message: string }[] = [];
  const targets: BenchTarget[] = [...BASELINES, ...backends.map(backendTarget)];
  const skipped: { target: string; reason: string }[] = [];
  let aborted: string | undefined;
  let unavailable: string | undefined;
  for (const target of targets) {
    if (aborted) break;
    if (unavailable) {
      skipped.push({ target: target.id, reason: unavailable });
      continue;
    }
    const backend = backends.find((b) => b.id === target.id);
    const probed = backend ? await probe(backend) : undefined;
    if (probed && !probed.available) {
      progress.info(`[${target.id}] benchmark skipped: ${probed.reason}`);
      identities.push(backendIdentity(target.id, probed));
      continue;
    }
    const topology = await bed.build(ctx);
    let running: StartedBenchTarget | undefined;
    const undo = onTeardown(`benchmark ${target.id}`, async () => {
      await running?.stop();
      await topology.stop();
    });
    try {
      await bed.prepare(topology);
      running = await target.start(topology, ctx);
      // Again: attaching XDP may have given the port new NAPI threads, not yet kept off the generator's CPU.
      await bed.prepare(topology);
      progress.info(`[${target.id}] ${running.product}: benchmarking on ${bed.description}`);
      const gen = await bed.generator(topology);
      try {
        points.push(...(await measureTarget(gen, running, target.id, plan, (m) => progress.info(`[${target.id}] ${m}`))));
      } finally {
        await gen.close();
      }
      identities.push(backendIdentity(target.id, probed, { product: running.product }));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof GeneratorUnavailableError) {
        // An environment limit, the same for every target: each is skipped with it.
        unavailable = message;
        skipped.push({ target: target.id, reason: message });
        identities.push(backendIdentity(target.id, probed, running ? { product: running.product } : undefined));
        progress.info(`[${target.id}] benchmark skipped: ${message}`);
        continue;
      }
      errors.push({ target: target.id, message });
      // Its identity too, so a benchmark-only run (a guest's) still names the target that broke off.
      identities.push(backendIdentity(target.id, probed, running ? { product: running.product } : undefined));
      progress.info(`[${target.id}] benchmark error: ${message}`);
      if (e instanceof GeneratorLostError) aborted = `benchmarks stopped at ${target.id}: ${message}`;
    } finally {
      await running?.stop();
      await topology.stop();
      undo();
    }
  }
  return { points, identities, errors, skipped, ...(aborted ? { aborted } : {}) };
}

/**
 * A target's benchmarks as a case of the benchmark suite, for the run's results to say what
 * happened when there are no points: `error` when they broke off, `skipped` when they could not run.
 */
export function benchmarkCase(target: string, status: 'error' | 'skipped', reason: string): CaseResult {
  return { id: 'benchmark', title: 'benchmark suite', suite: 'benchmark', backend: target, features: [], status, reason, durationMs: 0 };
}

/** The MRR/NDR/PDR table with ratios to the ceiling row, per frame size and flow count. */
export function benchmarkTable(points: readonly BenchmarkPoint[]): string {
  const metrics = ['mrr_pps', 'ndr_pps', 'pdr_pps'].filter((m) => points.some((p) => p.metric === m));
  const keys = [...new Set(points.filter((p) => metrics.includes(p.metric)).map((p) => `${p.frameSize}|${p.flows}`))];
  const lines: string[] = [];
  for (const key of keys) {
    const [fs, flows] = key.split('|');
    const at = points.filter((p) => `${p.frameSize}|${p.flows}` === key);
    const targets = [...new Set(at.map((p) => p.backend))];
    lines.push(`${fs}${fs === 'imix' ? '' : ' B'}, ${flows} flow(s)`);
    lines.push(['target'.padEnd(14), ...metrics.map((m) => `${m.replace('_pps', '').toUpperCase()} Mpps`.padStart(10) + '  vs XDP')].join(' '));
    for (const t of targets) {
      const cells = metrics.map((m) => {
        const p = at.find((x) => x.backend === t && x.metric === m);
        if (!p) return `${'-'.padStart(10)}  ${''.padStart(6)}`;
        if (p.unsupported) return `${'unsupported'.padStart(10)}  ${''.padStart(6)}`;
        const r = ratioToCeiling(p, at);
        const ratio = r === undefined ? 'n/a' : `${(100 * r).toFixed(0)} %`;
        return `${(p.value / 1e6).toFixed(3).padStart(10)}${p.generator.limited ? '*' : ' '} ${ratio.padStart(6)}`;
      });
      lines.push([t.padEnd(14), ...cells].join(' '));
    }
  }
  if (points.some((p) => p.generator.limited && metrics.includes(p.metric)))
    lines.push('* generator-limited: the generator, not the target, bounded this value');
  for (const r of new Set(points.filter((p) => p.unsupported).map((p) => `${p.backend}: ${p.unsupported}`))) lines.push(`unsupported: ${r}`);
  return lines.join('\n');
}
