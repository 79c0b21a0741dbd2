import { release } from 'node:os';
import type { Datapath, ProbeResult, StartedDatapath } from '../../harness/datapath/datapath.js';
import type { RunContext } from '../../harness/run/run-context.js';
import { hasCommand } from '../../harness/system/exec.js';
import { openvswitchModule, ovsVersion } from '../../harness/system/host-probe.js';
import type { StartedTopology } from '../../topologies/topology.js';
import { startOvsBridge } from '../ovs/ovs-bridge.js';

/** The Open vSwitch kernel datapath (openvswitch.ko), driven by ovs-vswitchd with datapath_type=system. */
export const kernelDatapath: Datapath = {
  id: 'kernel',
  description: 'Open vSwitch kernel datapath (openvswitch.ko, datapath_type=system)',
  inKernel: true,
  async probe(): Promise<ProbeResult> {
    const kernel = release();
    const versions: Record<string, string> = { kernel };
    if (!(await hasCommand('ovs-vswitchd')))
      return { backend: 'kernel', available: false, reason: 'ovs-vswitchd not installed (Debian package openvswitch-switch)', versions };
    const v = await ovsVersion();
    if (v) versions.ovs = v;
    if (!(await openvswitchModule()).present) {
      return {
        backend: 'kernel',
        available: false,
        reason: `no openvswitch kernel module on this host (kernel ${kernel}: not loaded, not in /lib/modules/${kernel})`,
        versions,
      };
    }
    return { backend: 'kernel', available: true, versions, product: `ovs-kernel/ovs-${v ?? 'unknown'}/linux-${kernel}` };
  },
  start(topology: StartedTopology, ctx: RunContext): Promise<StartedDatapath> {
    return startOvsBridge(
      {
        id: 'kernel',
        datapathType: 'system',
        interfaceSettings: () => [],
        product: async (_ovs, versions) => `ovs-kernel/ovs-${versions.ovs ?? 'unknown'}/linux-${versions.kernel}`,
      },
      topology,
      ctx,
    );
  },
};
