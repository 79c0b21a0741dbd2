import { describeCasesOnBackends } from '../case-spec.js';
import { DATAPATH } from './index.js';

/**
 * The datapath-level suite on real veth, on every backend this host can run (the kernel module,
 * its oracle, runs in a guest: suites/guest). Known differences from the kernel module:
 */
await describeCasesOnBackends('datapath level', DATAPATH, 'p2p', {
  // OVS's userspace flow extraction (miniflow_extract) treats an IPv4 total length beyond the
  // frame as a bad header and zeroes ipv4(); the kernel module keeps the addresses and reports
  // tcp(src=0,dst=0), as seed 003 describes.
  'afxdp:key.seed003-truncated-tcp': /^flow key differs: ipv4\.src: 0\.0\.0\.0, expected 10\.0\.0\.1/,
});
