import type { StartedTopology } from '../../topologies/topology.js';
import type { StartedOvsDaemons } from './ovs-daemons.js';
import { startUdpCollector, type UdpCollector } from './udp-collector.js';

/**
 * The bridge's IPFIX exporters: per collector set id, a Flow_Sample_Collector_Set row with an
 * IPFIX row whose target is a UDP collector on the DUT namespace's loopback (ovs-vswitchd runs
 * there). The `sample(..., collector_set_id=N)` action exports to set N. cache_active_timeout
 * stays 0, so each sampled packet is exported at once rather than aggregated in a flow cache.
 */
export function ovsIpfix(ovs: StartedOvsDaemons, bridge: string, topology: StartedTopology) {
  const collectors: UdpCollector[] = [];
  return {
    async collector(id: number): Promise<{ records(): Promise<Buffer[]> }> {
      const c = await startUdpCollector(topology.dutNetns, ovs.dir, `ipfix-${id}`);
      collectors.push(c);
      await ovs.vsctl([
        '--',
        '--id=@br',
        'get',
        'Bridge',
        bridge,
        '--',
        '--id=@i',
        'create',
        'IPFIX',
        `targets="127.0.0.1:${c.port}"`,
        '--',
        'create',
        'Flow_Sample_Collector_Set',
        `id=${id}`,
        'bridge=@br',
        'ipfix=@i',
      ]);
      return { records: () => c.datagrams() };
    },
    /** Removes the collector sets (their IPFIX rows go with them) and stops the collectors. */
    async reset(): Promise<void> {
      if (collectors.length === 0) return;
      await ovs.vsctl(['--all', 'destroy', 'Flow_Sample_Collector_Set']);
      for (const c of collectors.splice(0)) await c.stop();
    },
  };
}
