import { resolveBackends, UnknownBackendError } from '../../datapaths/registry.js';
import { benchmarkTable } from '../bench/run-benchmarks.js';
import { executeRun } from '../runner/run.js';
import { streamProgress } from '../runner/progress.js';
import { statusCounts } from '../results/results.js';
import { EnvironmentError, EXIT, UsageError } from './errors.js';
import type { RunFlags } from './main.js';
import { suiteGroups } from './suites.js';
import { loadTopologyOrUsage } from './topology-arg.js';
import { generatorPlan } from './generator-arg.js';
import { loadCatalogue } from '../features/catalogue.js';
import { GuestError, type GuestKernel } from '../guest/guest-kernel.js';
import { ExecError } from '../system/exec.js';
import { resolveGuestKernel } from '../guest/resolve-kernel.js';

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
  let guest: GuestKernel | undefined;
  if (o.kernel) {
    try {
      // A Debian kernel not fetched yet is fetched first (a download into dplab's cache).
      guest = await resolveGuestKernel(o.kernel, o.modules, (m) => process.stderr.write(`kernel fetch: ${m}\n`));
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
  const catalogue = loadCatalogue();
  for (const g of groups) {
    for (const c of g.cases) {
      for (const f of c.features) if (!catalogue.has(f)) throw new Error(`case ${c.id}: unknown feature id '${f}'`);
    }
  }
  const filter = o.case ? (c: { id: string }) => c.id.includes(o.case as string) : undefined;
  if (filter && !groups.some((g) => g.cases.some(filter))) throw new UsageError(`--case ${o.case}: no case id contains it`);
  if (process.getuid?.() !== 0) throw new EnvironmentError('run: must run as root (creates network namespaces, veth links, BPF programs)');

  const progress = streamProgress();
  const { results, outDir, files } = await executeRun(
    {
      suites: names,
      groups,
      backends,
      topology,
      ...(o.out ? { outDir: o.out } : {}),
      ...(filter ? { caseFilter: filter, caseText: o.case as string } : {}),
      ...(guest ? { guest } : {}),
      generator,
    },
    progress,
  );
  if (results.benchmarks.length > 0) process.stdout.write(`${benchmarkTable(results.benchmarks)}\n`);
  const counts = statusCounts(results.cases);
  progress.info(
    `done: ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ')}\nwrote ${files.map((f) => f.slice(outDir.length + 1)).join(', ')} in ${outDir}`,
  );
  return counts.fail + counts.error + counts.timeout > 0 ? EXIT.failures : EXIT.ok;
}
