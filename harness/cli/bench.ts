import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveBackends, UnknownBackendError } from '../../datapaths/registry.js';
import { measureMrr } from '../bench/mrr.js';
import { backendTarget, baselineXdp, type BenchTarget } from '../bench/targets.js';
import { SCHEMA_VERSION, type BackendIdentity, type BenchmarkPoint, type RunResults } from '../results/results.js';
import { writeRunOutputs } from '../results/write.js';
import { newRunId, runContext } from '../run/run-context.js';
import { registerRun, unregisterRun } from '../run/run-state.js';
import { onTeardown } from '../run/teardown.js';
import { dplabCommit, hostIdentity } from '../runner/identity.js';
import { streamProgress } from '../runner/progress.js';
import { loadTopology, vethSpec } from '../../topologies/load.js';
import { VethTopology } from '../../topologies/veth.js';
import { EnvironmentError, EXIT, UsageError } from './errors.js';

export interface BenchFlags {
  backend?: string[];
  durationS: string;
  trials: string;
  flows: string;
  frameSize: string;
  out?: string;
}

function positive(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new UsageError(`${name} ${v}: want a whole number 1..${max}`);
  return n;
}

/**
 * `dplab bench`: maximum receive rate through raw XDP redirect (the ceiling) and each backend
 * on the same p2p veth topology, one fresh topology per target; a table with ratios to the
 * ceiling, and results.json/csv with the points.
 */
export async function benchCommand(o: BenchFlags): Promise<number> {
  let backends;
  try {
    backends = resolveBackends(o.backend).filter((b) => b.id !== 'kernel' || o.backend?.includes('kernel'));
  } catch (e) {
    if (e instanceof UnknownBackendError) throw new UsageError(e.message);
    throw e;
  }
  const opts = {
    durationMs: positive('--duration-s', o.durationS, 600) * 1000,
    trials: positive('--trials', o.trials, 20),
    flows: positive('--flows', o.flows, 65535),
    frameSize: positive('--frame-size', o.frameSize, 1518),
  };
  if (opts.frameSize < 64) throw new UsageError(`--frame-size ${opts.frameSize}: at least 64`);
  if (process.getuid?.() !== 0) throw new EnvironmentError('bench: must run as root (creates network namespaces, veth links, BPF programs)');
  const progress = streamProgress();
  const runId = newRunId();
  const outDir = resolve(o.out ?? join('runs', `bench-${runId}`));
  const ctx = runContext(runId, outDir, (m) => progress.info(`  ${m}`));
  await mkdir(ctx.logDir, { recursive: true });
  await registerRun(ctx);
  const forget = onTeardown(`bench ${runId} state`, () => unregisterRun(ctx));
  const started = new Date().toISOString();
  const spec = vethSpec(loadTopology('p2p'));
  const targets: BenchTarget[] = [baselineXdp, ...backends.map(backendTarget)];
  const points: BenchmarkPoint[] = [];
  const identities: BackendIdentity[] = [];
  progress.info(`dplab bench ${runId}: MRR at ${opts.frameSize} B, ${opts.flows} flow(s), ${opts.trials} x ${opts.durationMs / 1000} s per target, out ${outDir}`);
  for (const target of targets) {
    const backend = backends.find((b) => b.id === target.id);
    const probe = backend ? await backend.probe() : undefined;
    if (probe && !probe.available) {
      progress.info(`[${target.id}] skipped: ${probe.reason}`);
      identities.push({ id: target.id, available: false, versions: { ...probe.versions }, ...(probe.reason ? { reason: probe.reason } : {}) });
      continue;
    }
    const topology = await new VethTopology(spec).start(ctx);
    let running: Awaited<ReturnType<BenchTarget['start']>> | undefined;
    const undo = onTeardown(`bench ${target.id}`, async () => {
      await running?.stop();
      await topology.stop();
    });
    try {
      running = await target.start(topology, ctx);
      progress.info(`[${target.id}] ${running.product}: measuring`);
      const p = await measureMrr(topology, target.id, opts);
      points.push(p);
      identities.push({ id: target.id, available: true, versions: probe ? { ...probe.versions } : {}, product: running.product });
      progress.info(`[${target.id}] MRR ${(p.value / 1e6).toFixed(3)} Mpps (trials ${p.trials.map((t) => (t.value / 1e6).toFixed(3)).join(', ')})${p.generator.limited ? ' - generator-limited' : ''}`);
    } catch (e) {
      progress.info(`[${target.id}] error: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await running?.stop();
      await topology.stop();
      undo();
    }
  }
  const ceiling = points.find((p) => p.backend === 'baseline-xdp')?.value;
  const rows = points.map((p) => {
    const ratio = ceiling ? `${((100 * p.value) / ceiling).toFixed(1)} %` : 'n/a';
    return `${p.backend.padEnd(14)} ${(p.value / 1e6).toFixed(3).padStart(8)} Mpps  ${ratio.padStart(8)}${p.generator.limited ? '  (generator-limited)' : ''}`;
  });
  process.stdout.write(`${'target'.padEnd(14)} ${'MRR'.padStart(13)}  ${'vs XDP'.padStart(8)}\n${rows.join('\n')}\n`);
  const host = hostIdentity();
  const results: RunResults = {
    schemaVersion: SCHEMA_VERSION,
    run: { id: runId, started, finished: new Date().toISOString(), dplabCommit: await dplabCommit(), host: host.host, kernel: host.kernel, topology: spec.name, suites: ['benchmark'], backends: identities },
    cases: [],
    benchmarks: points,
  };
  await writeRunOutputs(outDir, results);
  await unregisterRun(ctx);
  forget();
  return points.length === targets.filter((t) => identities.some((i) => i.id === t.id && i.available)).length ? EXIT.ok : EXIT.failures;
}
