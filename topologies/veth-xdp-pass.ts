import { join } from 'node:path';
import { REPO_ROOT } from '../harness/system/identity.js';
import { exec } from '../harness/system/exec.js';
import type { EndpointHandle } from './topology.js';

/** XDP_PASS (datapaths/ebpf/bpf/pass.bpf.c) for the endpoint ends of the DUT's veth pairs. */
const PASS_PROG = join(REPO_ROOT, 'build/ebpf/pass.bpf.o');

/**
 * A veth drops frames XDP-redirected into it unless its peer runs an XDP program (or has GRO on,
 * which would merge frames under test): whatever redirects into a DUT port's veth attaches this
 * to the endpoint ends first.
 */
export async function attachPeerXdpPass(endpoints: readonly EndpointHandle[]): Promise<void> {
  for (const ep of endpoints) await exec('ip', ['-n', ep.netns, 'link', 'set', 'dev', ep.ifname, 'xdpdrv', 'obj', PASS_PROG, 'sec', 'xdp']);
}

export async function detachPeerXdpPass(endpoints: readonly EndpointHandle[]): Promise<void> {
  for (const ep of endpoints) await exec('ip', ['-n', ep.netns, 'link', 'set', 'dev', ep.ifname, 'xdpdrv', 'off'], { allowFail: true });
}
