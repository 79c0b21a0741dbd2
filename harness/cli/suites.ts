import type { CaseGroup } from '../conformance/case.js';
import { CONFORMANCE } from '../../suites/conformance/index.js';

/** Suites `dplab run --suite` knows; `benchmark` has no cases, it measures (harness/bench). */
export const SUITES: Readonly<Record<string, readonly CaseGroup[]>> = {
  conformance: CONFORMANCE,
  benchmark: [],
};

export function suiteGroups(suite: string): { names: string[]; groups: CaseGroup[] } {
  const names = suite === 'all' ? Object.keys(SUITES) : [suite];
  return { names, groups: names.flatMap((n) => SUITES[n] ?? []) };
}
