import { describeCasesOnBackends } from '../case-spec.js';
import { CONFORMANCE } from './index.js';

/** The conformance suite on real veth, every case on every backend this host can run. */
await describeCasesOnBackends('conformance', CONFORMANCE, process.env.DPLAB_TOPOLOGY ?? 'triangle');
