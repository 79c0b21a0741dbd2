import type { SflowSettings } from '../../harness/datapath/datapath.js';
import type { StartedTopology } from '../../topologies/topology.js';
import type { StartedOvsDaemons } from './ovs-daemons.js';
import { startUdpCollector, type UdpCollector } from './udp-collector.js';

/**
 * The bridge's sFlow agent: an sFlow row (agent address 127.0.0.1) whose target is a UDP
 * collector on the DUT namespace's loopback, where ovs-vswitchd runs.
 */
export function ovsSflow(ovs: StartedOvsDaemons, bridge: string, topology: StartedTopology) {
  let collector: UdpCollector | undefined;
  return {
    async collector(s: SflowSettings): Promise<{ datagrams(): Promise<Buffer[]> }> {
      if (collector) throw new Error('sFlow: the bridge has one agent; a case sets it once');
      const c = await startUdpCollector(topology.dutNetns, ovs.dir, 'sflow');
      collector = c;
      await ovs.vsctl([
        '--',
        '--id=@s',
        'create',
        'sFlow',
        'agent=127.0.0.1',
        `targets="127.0.0.1:${c.port}"`,
        `sampling=${s.sampling}`,
        `header=${s.header ?? 128}`,
        `polling=${s.polling ?? 0}`,
        '--',
        'set',
        'Bridge',
        bridge,
        'sflow=@s',
      ]);
      return { datagrams: () => c.datagrams() };
    },
    /** Removes the agent (its sFlow row goes with the reference) and stops the collector. */
    async reset(): Promise<void> {
      if (!collector) return;
      await ovs.vsctl(['clear', 'Bridge', bridge, 'sflow']);
      await collector.stop();
      collector = undefined;
    },
  };
}
