import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync spins forever where mkdir fails
 * with ENOENT under a parent that exists (/proc), instead of failing.
 */
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}

/**
 * `--out DIR`: made (with its parents) and shown writable before anything starts, so a run
 * never measures for minutes and then finds it cannot write its results.
 */
export function prepareOutDir(dir: string): void {
  const abs = resolve(dir);
  try {
    makeDirs(abs);
    // Root may be refused by the filesystem itself (read-only, /proc, /sys): try a file.
    const probe = join(abs, `.dplab-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`--out ${dir}: cannot write there (${err.code ?? err.message}${err.path && err.path !== abs ? ` at ${err.path}` : ''})`);
  }
}
