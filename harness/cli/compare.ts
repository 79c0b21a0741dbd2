import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareRuns, formatComparison } from '../../reports/compare.js';
import { parseResults, type RunResults } from '../results/results.js';
import { EXIT, UsageError } from './errors.js';

function load(dir: string): RunResults {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) throw new UsageError(`${dir}: no results.json (not a run directory)`);
  try {
    return parseResults(readFileSync(file, 'utf8'), file);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** `dplab compare BASELINE RUN`: exit 1 when the run regressed against the baseline. */
export function compareCommand(baselineDir: string, runDir: string, o: { json?: boolean; threshold: string }): number {
  const threshold = Number(o.threshold);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold >= 1) throw new UsageError(`--threshold ${o.threshold}: a ratio in [0, 1), e.g. 0.1 for 10 %`);
  const c = compareRuns(load(baselineDir), load(runDir), threshold);
  process.stdout.write(o.json ? `${JSON.stringify(c, null, 2)}\n` : formatComparison(c));
  return c.regressions > 0 ? EXIT.failures : EXIT.ok;
}
