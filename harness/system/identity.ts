import { hostname, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { exec } from './exec.js';

/** The repository root, found from this module (works from dist/ too). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The dplab commit the run used, with `-dirty` when the tree had changes. */
export async function dplabCommit(): Promise<string> {
  const head = await exec('git', ['-C', REPO_ROOT, 'rev-parse', '--short=12', 'HEAD'], { allowFail: true, timeoutMs: 5000 });
  if (head.code !== 0) return 'unknown';
  const dirty = await exec('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--untracked-files=no'], { allowFail: true, timeoutMs: 5000 });
  return head.stdout.trim() + (dirty.stdout.trim() ? '-dirty' : '');
}

export function hostIdentity(): { host: string; kernel: string } {
  return { host: hostname(), kernel: release() };
}
