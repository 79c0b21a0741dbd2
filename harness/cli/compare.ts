import { compareRuns, formatComparison } from '../../reports/compare.js';
import { writeFileSync } from 'node:fs';
import { comparisonHtml } from '../../reports/compare-html.js';
import { loadRun } from './run-dir-arg.js';
import { EXIT, UsageError } from './errors.js';

/** `dplab compare BASELINE RUN`: exit 1 when the run regressed against the baseline. */
export function compareCommand(
  baselineDir: string,
  runDir: string,
  o: { json?: boolean; html?: string; threshold: string; allowCoverageLoss?: boolean },
): number {
  const threshold = Number(o.threshold);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold >= 1) throw new UsageError(`--threshold ${o.threshold}: a ratio in [0, 1), e.g. 0.1 for 10 %`);
  const c = compareRuns(loadRun(baselineDir), loadRun(runDir), { threshold, allowCoverageLoss: o.allowCoverageLoss === true });
  process.stdout.write(o.json ? `${JSON.stringify(c, null, 2)}\n` : formatComparison(c));
  if (o.html) writeFileSync(o.html, comparisonHtml(c));
  return c.regressions > 0 ? EXIT.failures : EXIT.ok;
}
