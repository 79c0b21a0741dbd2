import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Datapath, ProbeResult } from '../datapath/datapath.js';
import type { CaseGroup, ConformanceCase } from '../conformance/case.js';
import {
  columnId,
  SCHEMA_VERSION,
  type BackendIdentity,
  type BenchConditions,
  type CaseResult,
  type GeneratorIdentity,
  type RunResults,
} from '../results/results.js';
import { applyExpectations, loadExpectations, type Expectation } from '../results/expectations.js';
import { backendIdentity, type StartedIdentity } from '../results/backend-identity.js';
import { writeRunOutputs } from '../../reports/write-run.js';
import { newRunId, runContext, type RunContext } from '../run/run-context.js';
import { registerRun, unregisterRun } from '../run/run-state.js';
import { onTeardown } from '../run/teardown.js';
import { vethSpec } from '../../topologies/load.js';
import type { NicTopologySpec, TopologyDefinition } from '../../topologies/topology.js';
import { BackendBed, type StartedBackendBed } from './backend-bed.js';
import { notRun, runCases } from './case-runner.js';
import { guestBenchmarkBlocker, runBackendsInGuest } from './guest-backend.js';
import type { GuestKernel } from '../guest/guest-kernel.js';
import { HOST_KERNEL, type KernelTarget } from '../guest/kernel-list.js';
import { dplabCommit, hostIdentity } from '../system/identity.js';
import type { Progress } from '../results/progress.js';
import { DEFAULT_PLAN, GUEST_PLAN, type BenchPlan } from '../bench/plan.js';
import { benchmarkCase, runBenchmarks } from '../bench/run-benchmarks.js';
import type { BenchmarkPoint } from '../results/results.js';
import { loadTopology } from '../../topologies/load.js';
import { trexBed, vethBed } from '../bench/bench-bed.js';
import { GeneratorLostError } from '../traffic/trial-generator.js';
import type { TrexServerConfig } from '../../topologies/trex-server-config.js';

export interface RunPlan {
  readonly suites: readonly string[];
  readonly groups: readonly CaseGroup[];
  readonly backends: readonly Datapath[];
  readonly topology: TopologyDefinition;
  /** Run directory; default `runs/<date>-<id>`. */
  readonly outDir?: string;
  readonly caseFilter?: (c: ConformanceCase) => boolean;
  /** The text of `--case`, for runs that go on inside a guest. */
  readonly caseText?: string;
  /**
   * The kernels every backend runs on, one after another (default: the host's). The first is the
   * reference: its columns carry the backends' own ids, each further kernel's `backend@tag`.
   */
  readonly kernels?: readonly KernelTarget[];
  /** What the benchmark suite measures (when `suites` has `benchmark`). */
  readonly bench?: BenchPlan;
  /** The benchmarks' generator: soft on p2p veth (default), or TRex on the plan's nic topology. */
  readonly generator?: GeneratorPlan;
  /** Known findings the cases are judged against (default: the shipped suites/expectations). */
  readonly expectations?: readonly Expectation[];
}

export type GeneratorPlan =
  | {
      readonly kind: 'soft';
      /** CPU the generator is pinned to (default GEN_CPU, 0). */
      readonly cpu?: number;
    }
  | {
      readonly kind: 'trex';
      readonly server: TrexServerConfig;
      /** Per RPC call: how long a dead or hung server can hold the run. */
      readonly timeoutMs: number;
      /** Take TRex ports another user holds. */
      readonly force: boolean;
    };

export interface RunOutcome {
  readonly results: RunResults;
  readonly outDir: string;
  readonly files: readonly string[];
}

function defaultOutDir(runId: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join('runs', `${stamp}-${runId}`);
}

/**
 * Runs the plan: per backend, probe; when available build a fresh topology, start the backend,
 * run the cases, tear both down. Whatever happens, results are written and everything the run
 * created is removed (also on SIGINT/SIGTERM, through the teardown registry).
 */
export async function executeRun(plan: RunPlan, progress: Progress): Promise<RunOutcome> {
  const runId = newRunId();
  const outDir = resolve(plan.outDir ?? defaultOutDir(runId));
  const ctx = runContext(runId, outDir, (m) => progress.info(`  ${m}`));
  await mkdir(ctx.logDir, { recursive: true });
  await registerRun(ctx);
  // Registered first, so a signal-driven teardown removes the run's state last.
  const forgetRun = onTeardown(`run ${runId} state`, () => unregisterRun(ctx));
  const started = new Date().toISOString();
  progress.info(`dplab run ${runId}: topology ${plan.topology.spec.name}, backends ${plan.backends.map((b) => b.id).join(', ')}, out ${outDir}`);
  const got: Collected = { identities: [], cases: [], benchmarks: [] };
  // One probe per backend and run: the cases and the benchmarks see the same answer.
  const probes = new Map<string, Promise<ProbeResult>>();
  const probeOnce = (d: Datapath): Promise<ProbeResult> => {
    const p = probes.get(d.id) ?? d.probe();
    probes.set(d.id, p);
    return p;
  };
  const kernels = plan.kernels ?? [HOST_KERNEL];
  let failure: unknown;
  try {
    for (const [i, k] of kernels.entries()) {
      const began = Date.now();
      const part: Collected = { identities: [], cases: [], benchmarks: [] };
      try {
        if (k.guest) await runGuestPart(plan, k, ctx, progress, part);
        else {
          for (const backend of plan.groups.length > 0 ? plan.backends : []) await runBackendCases(plan, backend, ctx, progress, probeOnce, part);
          if (plan.suites.includes('benchmark')) await runBenchmarkPart(plan, ctx, progress, probeOnce, part);
        }
      } finally {
        // Also when the part broke off (a lost generator): what it recorded goes into the results.
        mergeKernelPart(got, part, i === 0 ? undefined : k.tag);
      }
      // What each kernel costs, for sizing CI jobs: a TCG guest takes minutes where the host takes one.
      if (kernels.length > 1 || k.guest) progress.info(`[${k.tag}] kernel ${k.spec} done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    }
  } catch (e) {
    failure = e;
  }
  const results = applyExpectations(await resultsOf(plan, kernels, runId, started, got), plan.expectations ?? loadExpectations());
  // Results are written even when the run broke off, so what ran is not lost.
  const files = await writeRunOutputs(outDir, results);
  await unregisterRun(ctx);
  forgetRun();
  if (failure !== undefined) throw failure;
  return { results, outDir, files };
}

/** What a run gathers as it goes, for its results. */
interface Collected {
  readonly identities: BackendIdentity[];
  readonly cases: CaseResult[];
  readonly benchmarks: BenchmarkPoint[];
  ovsVersion?: string;
  generator?: GeneratorIdentity;
}

async function resultsOf(plan: RunPlan, kernels: readonly KernelTarget[], runId: string, started: string, got: Collected): Promise<RunResults> {
  const host = hostIdentity();
  return {
    schemaVersion: SCHEMA_VERSION,
    run: {
      id: runId,
      started,
      finished: new Date().toISOString(),
      dplabCommit: await dplabCommit(),
      host: host.host,
      kernel: host.kernel,
      ...(got.ovsVersion ? { ovsVersion: got.ovsVersion } : {}),
      topology: plan.topology.spec.name,
      suites: [...plan.suites],
      backends: got.identities,
      ...(got.generator ? { generator: got.generator } : {}),
      ...(plan.suites.includes('benchmark') ? { benchmark: benchConditions(plan, kernels) } : {}),
    },
    cases: got.cases,
    benchmarks: got.benchmarks,
  };
}

/** One kernel's results into the run's, its columns named for the kernel (none on the reference kernel). */
function mergeKernelPart(got: Collected, part: Collected, tag: string | undefined) {
  const col = (id: string) => columnId(id, tag);
  got.identities.push(...part.identities.map((b) => ({ ...b, id: col(b.id) })));
  got.cases.push(...part.cases.map((c) => ({ ...c, backend: col(c.backend) })));
  got.benchmarks.push(...part.benchmarks.map((p) => ({ ...p, backend: col(p.backend) })));
  got.ovsVersion ??= part.ovsVersion;
  got.generator ??= part.generator;
}

/**
 * Every backend's cases inside one guest kernel, in one boot, and with the benchmark suite the
 * guest plan (GUEST_PLAN) there: the emulator sets its absolute figures, so the report reads them
 * only as ratios to the kernel datapath on the same kernel (harness/results/guest-ratios.ts).
 * A guest that cannot run the benchmarks records them `skipped` with the reason.
 */
async function runGuestPart(plan: RunPlan, k: KernelTarget, ctx: RunContext, progress: Progress, got: Collected) {
  const guest = k.guest as GuestKernel;
  // A guest has no lab NICs: TRex measures the host kernel only.
  const blocked = !plan.suites.includes('benchmark')
    ? undefined
    : plan.generator?.kind === 'trex'
      ? "TRex drives the lab's NICs, which only the host kernel has"
      : guestBenchmarkBlocker(guest);
  if (blocked) {
    progress.info(`[${k.tag}] benchmark skipped in the guest: ${blocked}`);
    got.cases.push(...plan.backends.map((b) => benchmarkCase(b.id, 'skipped', blocked)));
  }
  const suites = blocked ? plan.suites.filter((x) => x !== 'benchmark') : plan.suites;
  if (plan.groups.length === 0 && !suites.includes('benchmark')) {
    // Nothing to boot the guest for: its columns still name the guest and why nothing ran there.
    const versions = { guest: guest.label, kernel: guest.version };
    got.identities.push(
      ...plan.backends.map((b) => backendIdentity(b.id, { backend: b.id, available: false, versions, reason: `benchmark skipped: ${blocked}` })),
    );
    return;
  }
  const g = await runBackendsInGuest(
    {
      kernel: k,
      backendIds: plan.backends.map((b) => b.id),
      topology: plan.topology,
      suites,
      groups: plan.groups,
      ...(plan.caseText ? { caseText: plan.caseText } : {}),
    },
    ctx,
    progress,
  );
  got.ovsVersion ??= g.ovsVersion;
  got.identities.push(...g.identities);
  got.cases.push(...g.cases);
  got.benchmarks.push(...g.benchmarks);
}

/** One backend's cases on the host kernel, if it can run here. */
async function runBackendCases(
  plan: RunPlan,
  backend: Datapath,
  ctx: RunContext,
  progress: Progress,
  probeOnce: (d: Datapath) => Promise<ProbeResult>,
  got: Collected,
) {
  const probe = await probeOnce(backend);
  got.ovsVersion ??= probe.versions.ovs;
  if (!probe.available || plan.topology.spec.kind === 'nic') {
    const reason = !probe.available ? (probe.reason ?? 'backend not available') : NIC_CASES;
    if (!probe.available) progress.info(`[${backend.id}] skipped: ${reason}`);
    got.identities.push(backendIdentity(backend.id, probe));
    got.cases.push(...notRun(plan.groups, backend.id, 'skipped', reason, plan.caseFilter));
    return;
  }
  const ran = await runOnBackend(plan, backend, ctx, progress);
  got.identities.push(backendIdentity(backend.id, probe, ran.started));
  got.cases.push(...ran.cases);
}

/** The benchmark suite; a target that broke off is an `error` case, a lost generator ends the run. */
async function runBenchmarkPart(plan: RunPlan, ctx: RunContext, progress: Progress, probeOnce: (d: Datapath) => Promise<ProbeResult>, got: Collected) {
  const b = await runBenchmarkSuite(plan, ctx, progress, probeOnce, (g) => (got.generator = g));
  got.benchmarks.push(...b.points);
  for (const id of b.identities) if (!got.identities.some((i) => i.id === id.id)) got.identities.push(id);
  for (const e of b.errors) got.cases.push(benchmarkCase(e.target, 'error', e.message));
  for (const x of b.skipped) got.cases.push(benchmarkCase(x.target, 'skipped', x.reason));
  if (b.aborted) throw new GeneratorLostError(b.aborted);
}

async function runOnBackend(
  plan: RunPlan,
  backend: Datapath,
  ctx: RunContext,
  progress: Progress,
): Promise<{ cases: CaseResult[]; started?: StartedIdentity }> {
  const starting = new BackendBed(backend, vethSpec(plan.topology));
  let bed: StartedBackendBed | undefined;
  const undo = onTeardown(`${backend.id} backend and topology`, async () => (bed ? bed.stop() : starting.abort()));
  try {
    bed = await starting.start(ctx, (m) => progress.info(m));
    const started: StartedIdentity = {
      product: bed.datapath.product,
      versions: bed.datapath.versions,
      unsupported: bed.unsupported(),
      supported: bed.supported(),
    };
    progress.info(`[${backend.id}] ${bed.datapath.product}: running ${plan.groups.reduce((n, g) => n + g.cases.length, 0)} cases`);
    return { cases: await runCases(plan.groups, bed, progress, plan.caseFilter), started };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    progress.info(`[${backend.id}] error: ${msg}`);
    return { cases: notRun(plan.groups, backend.id, 'error', `backend run failed: ${msg.split('\n')[0]}`, plan.caseFilter) };
  } finally {
    await bed?.stop().catch((e: unknown) => progress.info(`[${backend.id}] teardown failed: ${String(e)}`));
    undo();
  }
}

/**
 * What benchmark points of this plan are measured under, for `dplab compare` to check: the host
 * kernel's plan, whose points compare judges; a run with guest kernels alone measured the guest
 * plan. (Guest points carry their plan in their generator note and are never judged.)
 */
function benchConditions(plan: RunPlan, kernels: readonly KernelTarget[]): BenchConditions {
  const soft = (plan.generator ?? { kind: 'soft' }).kind === 'soft';
  const b = kernels.some((k) => !k.guest) || !soft ? (plan.bench ?? DEFAULT_PLAN) : GUEST_PLAN;
  return {
    generator: soft ? 'soft' : 'trex',
    topology: soft ? 'p2p' : plan.topology.spec.name,
    trialMs: b.trialMs,
    rampMs: b.rampMs,
    repeats: b.repeats,
    precision: b.precision,
    pdrLoss: b.pdrLoss,
    latencyAt: [...b.latencyAt],
    frameSizes: [...b.frameSizes],
    flows: [...b.flows],
    setupFlows: b.setupFlows,
  };
}

const NIC_CASES = 'lab (nic) topology: conformance and datapath cases inject and capture at netns endpoints; run them on a veth topology';

/**
 * Benchmarks for every backend that can run on this kernel, after the baselines: on p2p veth
 * with the soft generator, or on the plan's lab topology with TRex (a server attached to or
 * started for the run, always stopped after). Inside a guest this runs in the guest's own dplab.
 */
async function runBenchmarkSuite(
  plan: RunPlan,
  ctx: RunContext,
  progress: Progress,
  probe: (d: Datapath) => Promise<ProbeResult>,
  identified: (g: GeneratorIdentity) => void,
) {
  const backends = plan.backends;
  const gen = plan.generator ?? { kind: 'soft' };
  const spec = plan.topology.spec;
  if (gen.kind === 'trex' && spec.kind !== 'nic')
    throw new Error(`--generator trex: topology ${spec.name} is kind ${spec.kind}; TRex needs a lab (nic) topology`);
  const bed =
    gen.kind === 'soft'
      ? vethBed(vethSpec(loadTopology('p2p')), gen.cpu)
      : trexBed(spec as NicTopologySpec, gen.server, { timeoutMs: gen.timeoutMs, force: gen.force, log: (m) => progress.info(m) });
  const started = await bed.start(ctx);
  try {
    if (started.server) identified(started.server);
    return await runBenchmarks(backends, started, ctx, plan.bench ?? DEFAULT_PLAN, progress, probe);
  } finally {
    await started.stop();
  }
}
