import type { CaseGroup } from '../conformance/case.js';
import { CONFORMANCE } from '../../suites/conformance/index.js';

/** Suites `dplab run --suite` knows (benchmarks arrive with their own issue). */
export const SUITES: Readonly<Record<string, readonly CaseGroup[]>> = {
  conformance: CONFORMANCE,
};

export function suiteGroups(suite: string): { names: string[]; groups: CaseGroup[] } {
  const names = suite === 'all' ? Object.keys(SUITES) : [suite];
  return { names, groups: names.flatMap((n) => SUITES[n] ?? []) };
}
