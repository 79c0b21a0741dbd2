import type { CaseGroup } from '../../harness/conformance/case.js';
import { ipv6ExtCases, ndArpCases, qinqCases, sctpCases, setMaskedCases, tcpFlagsCases } from './breadth.cases.js';
import { ctFragCases } from './ct-frag.cases.js';
import { ctCases } from './ct.cases.js';
import { l2Cases } from './l2.cases.js';
import { groupCases } from './groups.cases.js';
import { matchCases } from './match.cases.js';
import { megaflowCases } from './megaflow.cases.js';
import { natCases } from './nat.cases.js';
import { mplsCases } from './mpls.cases.js';
import { pipelineCases } from './pipeline.cases.js';
import { setCases } from './set.cases.js';
import { tunnelCases } from './tunnel.cases.js';
import { timeoutCases, upcallCases } from './upcall.cases.js';
import { vlanCases } from './vlan.cases.js';
import { meterCases } from './meter.cases.js';
import { qosCases } from './qos.cases.js';
import { samplingCases } from './sampling.cases.js';
import { bondCases } from './bond.cases.js';

/** The conformance suite: written once in ovs-ofctl syntax, run on every backend. */
export const CONFORMANCE: readonly CaseGroup[] = [
  l2Cases,
  matchCases,
  vlanCases,
  setCases,
  upcallCases,
  timeoutCases,
  megaflowCases,
  mplsCases,
  qinqCases,
  sctpCases,
  tcpFlagsCases,
  setMaskedCases,
  ipv6ExtCases,
  ndArpCases,
  ...pipelineCases,
  groupCases,
  ...tunnelCases,
  ctCases,
  ctFragCases,
  natCases,
  meterCases,
  qosCases,
  samplingCases,
  bondCases,
];
