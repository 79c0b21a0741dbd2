import { resolveBackends, UnknownBackendError } from '../../datapaths/registry.js';
import { benchmarkTable } from '../bench/run-benchmarks.js';
import { executeRun } from '../runner/run.js';
import { streamProgress } from '../results/progress.js';
import { caseVerdict, statusCounts, type RunResults } from '../results/results.js';
import { EnvironmentError, EXIT, UsageError } from './errors.js';
import { prepareOutDir } from './out-arg.js';
import { suiteGroups } from './suites.js';
import { loadTopologyOrUsage } from './topology-arg.js';
import { generatorPlan, type GeneratorFlags } from './generator-arg.js';
import { loadCatalogue } from '../features/catalogue.js';
import { GuestError } from '../guest/guest-kernel.js';
import { ExecError } from '../system/exec.js';
import { resolveKernels, type KernelTarget } from '../guest/kernel-list.js';
import { kernelPairsInRun } from '../results/kernel-diff.js';
import { kernelDiffLines } from '../../reports/kernel-diff.js';
import { BENCH_PLANS, type BenchPlanName } from '../bench/plan.js';
import { hostPoints } from '../results/guest-ratios.js';
import { guestRatioLines } from '../../reports/guest-bench.js';

/** `dplab run`'s flags, as commander hands them over. */
export interface RunFlags extends GeneratorFlags {
  suite: string;
  backend?: string[];
  topology: string;
  kernel?: string;
  modules?: string;
  out?: string;
  case?: string;
  /** A named benchmark plan (commander checks the name). */
  benchPlan?: BenchPlanName;
}

/**
 * `dplab run`: every input is checked before anything is created, so bad input leaves nothing
 * behind. Exit 0 when no case failed, errored or timed out; 1 otherwise.
 */
export async function runCommand(o: RunFlags): Promise<number> {
  let backends;
  try {
    backends = resolveBackends(o.backend);
  } catch (e) {
    if (e instanceof UnknownBackendError) throw new UsageError(e.message);
    throw e;
  }
  const topology = loadTopologyOrUsage(o.topology);
  let kernels: KernelTarget[] | undefined;
  if (o.kernel) {
    try {
      // A Debian kernel not fetched yet is fetched first (a download into dplab's cache).
      kernels = await resolveKernels(o.kernel, o.modules, (m) => process.stderr.write(`kernel fetch: ${m}\n`));
    } catch (e) {
      if (e instanceof GuestError) throw new UsageError(e.message);
      // apt-get download or depmod failed: the host cannot fetch the kernel.
      if (e instanceof ExecError) throw new EnvironmentError(`kernel fetch: ${e.message}`);
      throw e;
    }
  } else if (o.modules) {
    throw new UsageError('--modules: only with --kernel');
  }
  const { names, groups } = suiteGroups(o.suite);
  const generator = generatorPlan(o, topology, names.includes('benchmark'));
  if (o.benchPlan && !names.includes('benchmark')) throw new UsageError('--bench-plan: only with --suite benchmark (or all)');
  const catalogue = loadCatalogue();
  for (const g of groups) {
    for (const c of g.cases) {
      for (const f of c.features) if (!catalogue.has(f)) throw new Error(`case ${c.id}: unknown feature id '${f}'`);
    }
  }
  // --case a,b: cases whose id contains any of the texts; each text must pick at least one.
  const patterns = o.case ? (o.case as string).split(',').filter((p) => p !== '') : undefined;
  const filter = patterns ? (c: { id: string }) => patterns.some((p) => c.id.includes(p)) : undefined;
  for (const p of patterns ?? []) {
    if (!groups.some((g) => g.cases.some((c) => c.id.includes(p)))) throw new UsageError(`--case ${o.case}: no case id contains '${p}'`);
  }
  if (patterns?.length === 0) throw new UsageError(`--case '${o.case}': no text to match`);
  if (process.getuid?.() !== 0) throw new EnvironmentError('run: must run as root (creates network namespaces, veth links, BPF programs)');
  if (o.out) prepareOutDir(o.out);

  const progress = streamProgress();
  const { results, outDir, files } = await executeRun(
    {
      suites: names,
      groups,
      backends,
      topology,
      ...(o.out ? { outDir: o.out } : {}),
      ...(filter ? { caseFilter: filter, caseText: o.case as string } : {}),
      ...(kernels ? { kernels } : {}),
      ...(o.benchPlan ? { bench: BENCH_PLANS[o.benchPlan] } : {}),
      generator,
    },
    progress,
  );
  const host = hostPoints(results);
  // Inside a guest kernel (guest-init.sh sets DPLAB_GUEST) the emulator sets every figure: the
  // run that booted the guest shows them, as ratios only.
  if (host.length > 0 && process.env.DPLAB_GUEST)
    progress.info(`benchmark: ${host.length} points measured inside a guest kernel; the emulator sets their figures, the host's run shows them as ratios`);
  else if (host.length > 0) process.stdout.write(`${benchmarkTable(host)}\n`);
  const inGuests = guestRatioLines(results);
  if (inGuests.length > 0) process.stdout.write(`${inGuests.join('\n')}\n`);
  const kernelDiff = kernelDiffLines(kernelPairsInRun(results));
  if (kernelDiff.length > 0) process.stdout.write(`${kernelDiff.join('\n')}\n`);
  const counts = statusCounts(results.cases);
  const verdict = runVerdict(results);
  progress.info(
    [
      `done: ${Object.entries(counts)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')}`,
      ...verdict.lines,
      `wrote ${files.map((f) => f.slice(outDir.length + 1)).join(', ')} in ${outDir}`,
    ].join('\n'),
  );
  if (verdict.code === EXIT.environment) throw new EnvironmentError(verdict.lines[0] as string);
  return verdict.code;
}

/**
 * The exit code of a finished run and the lines that explain it: 1 when a case behaved as no
 * expectation predicts (a new failure, an expected failure that now passes); 3 when nothing
 * ran at all (every selected case skipped, no benchmark point), whatever the reason; else 0.
 */
export function runVerdict(results: RunResults): { code: number; lines: string[] } {
  const v = caseVerdict(results.cases);
  const lines: string[] = [];
  if (v.expected.length > 0)
    lines.push(`${v.expected.length} known finding(s) behaved as expected: ${v.expected.map((c) => `${c.backend} ${c.id} ${c.status}`).join(', ')}`);
  for (const c of v.stale) {
    lines.push(
      `expectation no longer holds: ${c.backend} ${c.suite}/${c.id} is ${c.status}, expected ${c.expectation?.status} (${c.expectation?.source}): update or remove it`,
    );
  }
  const unexplained = v.unexpected.filter((c) => !c.expectation);
  if (unexplained.length > 0)
    lines.push(`${unexplained.length} unexpected outcome(s): ${unexplained.map((c) => `${c.backend} ${c.id} ${c.status}`).join(', ')}`);
  const nothingRan = results.cases.length > 0 && results.cases.every((c) => c.status === 'skipped') && results.benchmarks.length === 0;
  if (nothingRan) {
    const why = [...new Set(results.cases.map((c) => `${c.backend}: ${c.reason}`))];
    return { code: EXIT.environment, lines: [`nothing ran: every case was skipped (${why.join('; ')})`, ...lines] };
  }
  return { code: v.unexpected.length > 0 ? EXIT.failures : EXIT.ok, lines };
}
