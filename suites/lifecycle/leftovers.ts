import { exec } from '../../harness/system/exec.js';

/**
 * What dplab runs may leave on a host: its namespaces, its links in the root namespace, and
 * OVS daemons started from a dplab state directory. Sorted, for before/after comparisons.
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
  const procs = (await exec('pgrep', ['-a', '-f', `/run/dplab/${runId ?? ''}`], { allowFail: true })).stdout
    .split('\n')
    .filter((l) => l.trim() && !l.includes('pgrep'))
    .map((l) => `process ${l}`);
  return [...ns, ...links, ...procs].sort();
}
