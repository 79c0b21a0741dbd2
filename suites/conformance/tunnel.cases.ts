import type { CaseGroup } from '../../harness/conformance/case.js';
import { tunnelGeneveCases } from './tunnel-geneve.cases.js';
import { tunnelGreCases } from './tunnel-gre.cases.js';
import { tunnelBareudpCases, tunnelLispCases } from './tunnel-l3.cases.js';
import { tunnelGtpuCases, tunnelMultiVtepCases, tunnelVxlan6Cases } from './tunnel-more.cases.js';
import { tunnelSrv6Cases } from './tunnel-srv6.cases.js';
import { tunnelSttCases, tunnelSttTsoCases } from './tunnel-stt.cases.js';
import { tunnelVxlanCases } from './tunnel-vxlan.cases.js';

/** The tunnel groups, one per encapsulation, each on the underlay of tunnel-frames.ts. */
export const tunnelCases: readonly CaseGroup[] = [
  tunnelVxlanCases,
  tunnelVxlan6Cases,
  tunnelGeneveCases,
  tunnelGreCases,
  tunnelGtpuCases,
  tunnelMultiVtepCases,
  tunnelSrv6Cases,
  tunnelBareudpCases,
  tunnelLispCases,
  tunnelSttCases,
  tunnelSttTsoCases,
];
