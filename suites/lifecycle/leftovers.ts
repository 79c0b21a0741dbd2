import { readdirSync } from 'node:fs';
import { STATE_ROOT } from '../../harness/run/run-context.js';
import { exec } from '../../harness/system/exec.js';

/**
 * What dplab runs may leave on a host: its namespaces, its links in the root namespace, and
 * OVS daemons started from a dplab state directory, and run state directories. Sorted, for before/after comparisons.
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
  const procs = (await exec('pgrep', ['-a', '-f', `${STATE_ROOT}/${runId ?? ''}`], { allowFail: true })).stdout
    .split('\n')
    .filter((l) => l.trim() && !l.includes('pgrep'))
    .map((l) => `process ${l}`);
  let states: string[] = [];
  try {
    states = readdirSync(STATE_ROOT)
      .filter((d) => new RegExp(`^${id}$`).test(d))
      .map((d) => `state ${STATE_ROOT}/${d}`);
  } catch {
    /* no state root yet */
  }
  return [...ns, ...links, ...procs, ...states].sort();
}
