import type { CaseGroup } from '../../harness/conformance/case.js';
import { l2Cases } from './l2.cases.js';
import { matchCases } from './match.cases.js';
import { setCases } from './set.cases.js';
import { upcallCases } from './upcall.cases.js';
import { vlanCases } from './vlan.cases.js';

/** The conformance suite: written once in ovs-ofctl syntax, run on every backend. */
export const CONFORMANCE: readonly CaseGroup[] = [l2Cases, matchCases, vlanCases, setCases, upcallCases];
