import { readdirSync } from 'node:fs';
import { BPFFS_ROOT, runProcesses } from '../../harness/runner/cleanup.js';
import { STATE_ROOT } from '../../harness/run/run-context.js';
import { registeredRuns } from '../../harness/run/run-state.js';
import { exec } from '../../harness/system/exec.js';

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * What dplab runs may leave on a host: its namespaces, its links in the root namespace, and
 * the processes it started, its BPF pins and its state directory. Sorted, for before/after comparisons.
 */
export async function leftovers(runId?: string): Promise<string[]> {
  const id = runId ?? '[0-9a-f]{6}';
  const ns = (await exec('ip', ['netns', 'list'], { allowFail: true })).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => new RegExp(`^dplab-${id}-`).test(n))
    .map((n) => `netns ${n}`);
  const links = (await exec('ip', ['-o', 'link', 'show'], { allowFail: true })).stdout
    .split('\n')
    .map((l) => (l.split(': ')[1] ?? '').split('@')[0] ?? '')
    .filter((n) => new RegExp(`^dl${id}`).test(n))
    .map((n) => `link ${n}`);
  // Helpers, daemons and guests of the run (by the run id in their environment, their state
  // directory on the command line, or their namespace), or of any run.
  const ids = runId ? [runId] : [...new Set([...(await registeredRuns()), ...ns.map((n) => /dplab-([0-9a-f]{6})-/.exec(n)?.[1] ?? '')])].filter(Boolean);
  const procs = (await Promise.all(ids.map((r) => runProcesses(r)))).flat().map((p) => `process ${p.pid} ${p.name}`);
  const pins = readdirSafe(BPFFS_ROOT)
    .filter((d) => new RegExp(`^dplab-${id}$`).test(d))
    .map((d) => `bpf pins ${BPFFS_ROOT}/${d}`);
  const states = readdirSafe(STATE_ROOT)
    .filter((d) => new RegExp(`^${id}$`).test(d))
    .map((d) => `state ${STATE_ROOT}/${d}`);
  return [...ns, ...links, ...procs, ...pins, ...states].sort();
}
