import { describeCasesOnBackends } from '../case-spec.js';
import { DATAPATH } from './index.js';

/**
 * The datapath-level suite on real veth, on every backend this host can run (the kernel module,
 * its oracle, runs in a guest: suites/guest). Known differences from the kernel module are
 * expectations in suites/expectations (e.g. afxdp's zeroed ipv4() for seed 003's truncated TCP).
 */
await describeCasesOnBackends('datapath level', DATAPATH, 'p2p');
