import { readRunDir, RunDirError } from '../results/run-dir.js';
import type { RunResults } from '../results/results.js';
import { UsageError } from './errors.js';

/** A RUN_DIR argument: its results, validated; a path that is no run directory is bad input (one line, exit 2). */
export function loadRun(dir: string): RunResults {
  try {
    return readRunDir(dir);
  } catch (e) {
    throw e instanceof RunDirError ? new UsageError(e.message) : e;
  }
}
