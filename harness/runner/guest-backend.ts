import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CaseGroup } from '../conformance/case.js';
import { GuestError, type GuestKernel } from '../guest/guest-kernel.js';
import type { KernelTarget } from '../guest/kernel-list.js';
import { runInGuest } from '../guest/resolve-kernel.js';
import { backendIdentity, guestIdentity } from '../results/backend-identity.js';
import { parseResults, type BackendIdentity, type BenchConditions, type BenchmarkPoint, type CaseResult, type RunResults } from '../results/results.js';
import { BASELINES, benchmarkCase } from '../bench/run-benchmarks.js';
import type { RunContext } from '../run/run-context.js';
import type { TopologyDefinition } from '../../topologies/topology.js';
import { notRun } from './case-runner.js';
import type { Progress } from '../results/progress.js';

export interface GuestPlan {
  readonly kernel: KernelTarget;
  readonly backendIds: readonly string[];
  readonly topology: TopologyDefinition;
  readonly suites: readonly string[];
  readonly groups: readonly CaseGroup[];
  readonly caseText?: string;
  readonly timeoutMs?: number;
}

/** What one guest boot brings back into the run. */
export interface GuestPart {
  readonly identities: BackendIdentity[];
  readonly cases: CaseResult[];
  readonly benchmarks: BenchmarkPoint[];
  readonly ovsVersion?: string;
}

/**
 * A guest point's generator note, naming where and how it was measured: the run's conditions
 * (results.run.benchmark) describe the host's plan, so the guest's plan travels with its points.
 */
export function guestPointNote(note: string, guest: string, c: BenchConditions | undefined): string {
  const plan = c
    ? `; guest plan: ${c.repeats} x ${c.trialMs / 1000} s trials after ${c.rampMs / 1000} s ramp, ${c.frameSizes.join(',')} B, ${c.flows.join(',')} flows`
    : '';
  return `${note}; measured inside ${guest}: the emulator sets the figure, read it as a ratio to kernel there${plan}`;
}

/** Virtual CPUs of a qemu guest that runs benchmarks: one for the generator, one for the datapath. */
export const BENCH_GUEST_CPUS = 2;

/**
 * Why a guest kernel cannot run the benchmark suite, or undefined when it can. The soft
 * generator's XDP programs read and write frames at offsets only 2-byte aligned (NET_IP_ALIGN);
 * a kernel without HAVE_EFFICIENT_UNALIGNED_ACCESS has its verifier refuse that, and user-mode
 * Linux is such a kernel (measured: "misaligned packet access" loading dplab-sink in Debian's UML).
 */
export function guestBenchmarkBlocker(k: GuestKernel): string | undefined {
  return k.kind === 'uml'
    ? "the soft generator's XDP programs access frames at unaligned offsets, which user-mode Linux's verifier refuses (no HAVE_EFFICIENT_UNALIGNED_ACCESS)"
    : undefined;
}

/** How long a guest may run: DPLAB_GUEST_TIMEOUT_S, default 45 minutes. */
export function guestTimeoutMs(): number {
  const s = Number(process.env.DPLAB_GUEST_TIMEOUT_S);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 45 * 60_000;
}

/** The guest's `dplab run` command line: the plan's backends and suites, results into `outDir`. */
export function guestRunArgs(p: GuestPlan, outDir: string): string[] {
  // Built-in topologies by name (the guest's working directory is the repository).
  const topology = p.topology.source.startsWith('topologies/') ? p.topology.spec.name : resolve(p.topology.source);
  return [
    'run',
    '--backend',
    p.backendIds.join(','),
    '--topology',
    topology,
    '--suite',
    p.suites.join(','),
    '--out',
    outDir,
    ...(p.caseText ? ['--case', p.caseText] : []),
    // Ratios are all a guest's figures are good for: MRR at a few points, not the host's searches.
    ...(p.suites.includes('benchmark') ? ['--bench-plan', 'guest'] : []),
  ];
}

/**
 * The guest's results taken into the run: each backend's (and measured baseline's) identity
 * with the guest kernel's version, their cases, and their points with the guest named in each
 * point's generator note.
 */
export function guestResultsIn(results: RunResults, backendIds: readonly string[], guest: { label: string; kind: string }): GuestPart {
  // The baselines the guest's benchmark suite measured are columns of this kernel too.
  const baselines = BASELINES.map((b) => b.id).filter((id) => results.run.backends.some((b) => b.id === id));
  const ids = [...backendIds, ...baselines];
  return {
    identities: ids.map((id) =>
      guestIdentity(
        results.run.backends.find((b) => b.id === id),
        id,
        { ...guest, kernel: results.run.kernel },
      ),
    ),
    cases: results.cases.filter((c) => ids.includes(c.backend)),
    benchmarks: results.benchmarks
      .filter((x) => ids.includes(x.backend))
      .map((x) => ({ ...x, generator: { ...x.generator, note: guestPointNote(x.generator.note, guest.label, results.run.benchmark) } })),
    ...(results.run.ovsVersion ? { ovsVersion: results.run.ovsVersion } : {}),
  };
}

/**
 * Runs every backend's cases (and, with the benchmark suite, the guest benchmark plan) inside one
 * guest kernel with the same dplab code, then takes the guest's results in (guestResultsIn).
 * What the guest kernel lacks shows as the guest's own probes say (skipped, unsupported).
 */
export async function runBackendsInGuest(p: GuestPlan, ctx: RunContext, progress: Progress): Promise<GuestPart> {
  const guest = p.kernel.guest;
  if (!guest) throw new Error(`${p.kernel.spec}: not a guest kernel`);
  const out = join(ctx.outDir, `guest-${p.kernel.tag}`);
  const guestRun = join(out, 'run');
  const benchmark = p.suites.includes('benchmark');
  const args = guestRunArgs(p, guestRun);
  const where = guest.label;
  const tag = `[${p.kernel.tag}]`;
  progress.info(`${tag} running ${p.backendIds.join(', ')} in a guest kernel (${where}); console in ${out}`);
  try {
    const r = await runInGuest(guest, {
      args,
      outDir: out,
      timeoutMs: p.timeoutMs ?? guestTimeoutMs(),
      // Benchmarks as on the host: the generator on one CPU, the datapath's receive on the other.
      // On one CPU they share it, and a target that leaves the generator more of it looked slower
      // (measured: ebpf/kernel 0.36 on one vCPU, 0.51 on two; the kernel datapath's MRR on one
      // was nearly what the generator offered). UML guests stay uniprocessor.
      ...(benchmark ? { cpus: BENCH_GUEST_CPUS } : {}),
      onLine: (l) => progress.info(`  guest| ${l}`),
    });
    const text = await readFile(join(guestRun, 'results.json'), 'utf8').catch(() => undefined);
    if (text === undefined) throw new GuestError(`guest dplab exited ${r.exitCode} without results (console: ${r.consoleLog})`);
    const results = parseResults(text, join(guestRun, 'results.json'));
    progress.info(`${tag} guest finished in ${r.seconds.toFixed(1)} s`);
    return guestResultsIn(results, p.backendIds, { label: where, kind: guest.kind });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    progress.info(`${tag} guest error: ${msg}`);
    return {
      identities: p.backendIds.map((id) =>
        backendIdentity(id, { backend: id, available: false, versions: { guest: where, kernel: guest.version }, reason: `guest kernel run failed: ${msg}` }),
      ),
      cases: p.backendIds.flatMap((id) => [
        ...notRun(p.groups, id, 'error', `guest kernel run failed: ${msg.split('\n')[0]}`, (c) => !p.caseText || c.id.includes(p.caseText)),
        ...(benchmark ? [benchmarkCase(id, 'error', `guest kernel run failed: ${msg.split('\n')[0]}`)] : []),
      ]),
      benchmarks: [],
    };
  }
}
