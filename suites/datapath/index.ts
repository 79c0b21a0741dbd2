import type { CaseGroup } from '../../harness/conformance/case.js';
import { dpFeatureCases } from './dp-features.cases.js';
import { flowCases } from './flow.cases.js';
import { keyCases } from './key.cases.js';

/** The datapath-level suite: ODP flows put directly, and flow keys seen in miss upcalls. */
export const DATAPATH: readonly CaseGroup[] = [keyCases, flowCases, dpFeatureCases];
