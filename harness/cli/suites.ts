import type { CaseGroup } from '../conformance/case.js';
import { CONFORMANCE } from '../../suites/conformance/index.js';
import { DATAPATH } from '../../suites/datapath/index.js';
import { UsageError } from './errors.js';

/** Suites `dplab run --suite` knows; `benchmark` has no cases, it measures (harness/bench). */
export const SUITES: Readonly<Record<string, readonly CaseGroup[]>> = {
  conformance: CONFORMANCE,
  datapath: DATAPATH,
  benchmark: [],
};

/** `--suite`: one suite, a comma-separated list, or `all`. */
export function suiteGroups(suite: string): { names: string[]; groups: CaseGroup[] } {
  const names = suite === 'all' ? Object.keys(SUITES) : [...new Set(suite.split(',').map((s) => s.trim()))];
  for (const n of names) {
    if (!(n in SUITES)) throw new UsageError(`--suite ${suite}: unknown suite '${n}' (${[...Object.keys(SUITES), 'all'].join(', ')})`);
  }
  return { names, groups: names.flatMap((n) => SUITES[n] ?? []) };
}
