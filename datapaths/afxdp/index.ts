import { release } from 'node:os';
import type { Datapath, ProbeResult, StartedDatapath } from '../../harness/datapath/datapath.js';
import type { RunContext } from '../../harness/run/run-context.js';
import { exec, hasCommand } from '../../harness/system/exec.js';
import { afXdpSockets, ovsVersion } from '../../harness/system/host-probe.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { startOvsBridge } from '../ovs/ovs-bridge.js';
import { parseXdpModes } from '../ovs/stats.js';

/**
 * OVS userspace datapath (datapath_type=netdev) reading the DUT ports through AF_XDP sockets
 * (`type=afxdp`). XDP mode is best-effort: native where the driver has it (veth does), generic
 * otherwise; the mode really obtained goes into the product string.
 */
export const afxdpDatapath: Datapath = {
  id: 'afxdp',
  description: 'OVS userspace datapath on AF_XDP sockets (datapath_type=netdev, type=afxdp)',
  async probe(): Promise<ProbeResult> {
    const versions: Record<string, string> = { kernel: release() };
    if (!(await hasCommand('ovs-vswitchd')))
      return { backend: 'afxdp', available: false, reason: 'ovs-vswitchd not installed (Debian package openvswitch-switch)', versions };
    const v = await ovsVersion();
    if (v) versions.ovs = v;
    // ovs-vswitchd built with AF_XDP links libxdp (OVS >= 2.17) or libbpf.
    const ldd = await exec('ldd', ['/usr/sbin/ovs-vswitchd'], { allowFail: true });
    if (!/lib(xdp|bpf)\.so/.test(ldd.stdout))
      return { backend: 'afxdp', available: false, reason: `ovs-vswitchd ${v ?? ''} was built without AF_XDP (links neither libxdp nor libbpf)`, versions };
    if (!(await afXdpSockets()))
      return {
        backend: 'afxdp',
        available: false,
        reason: 'kernel has no AF_XDP sockets (no XDP in /proc/net/protocols: CONFIG_XDP_SOCKETS not set)',
        versions,
      };
    return { backend: 'afxdp', available: true, versions, product: `afxdp/ovs-${v ?? 'unknown'}/linux-${release()}` };
  },
  start(topology: StartedTopology, ctx: RunContext): Promise<StartedDatapath> {
    return startOvsBridge(
      {
        id: 'afxdp',
        datapathType: 'netdev',
        interfaceSettings: () => ['type=afxdp', 'options:xdp-mode=best-effort'],
        async product(ovs, versions) {
          const modes = [...new Set(parseXdpModes((await ovs.appctl(['dpctl/show'])).stdout).values())];
          return `afxdp-${modes.join('+') || 'unknown'}/ovs-${versions.ovs ?? 'unknown'}/linux-${versions.kernel}`;
        },
      },
      topology,
      ctx,
    );
  },
};
