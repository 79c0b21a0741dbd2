import type { SwitchLevel } from '../../harness/datapath/datapath.js';
import type { DutPortHandle, StartedTopology } from '../../topologies/topology.js';
import { ovsBonds } from './bonds.js';
import { ovsConntrack } from './conntrack.js';
import { ovsGroupsMeters } from './groups-meters.js';
import { ovsIpfix } from './ipfix.js';
import type { StartedOvsDaemons } from './ovs-daemons.js';
import { ovsPortQos } from './port-qos.js';
import { ovsSflow } from './sflow.js';
import { ovsTunnels } from './tunnel-ports.js';

/** OpenFlow's number for the switch's own port (OFPP_LOCAL in OpenFlow 1.0). */
const OFPP_LOCAL = 65534;

/** The switch objects of an OVS bridge, each part undone by reset() in reverse order of dependence. */
export function ovsSwitchLevel(
  ovs: StartedOvsDaemons,
  bridge: string,
  datapathType: 'system' | 'netdev',
  topology: StartedTopology,
  interfaceSettings: (p: DutPortHandle) => readonly string[] = () => [],
): SwitchLevel {
  const gm = ovsGroupsMeters(ovs, bridge);
  const ct = ovsConntrack(ovs, datapathType);
  const tunnels = ovsTunnels(ovs, bridge, datapathType, topology);
  const ipfix = ovsIpfix(ovs, bridge, topology);
  const sflow = ovsSflow(ovs, bridge, topology);
  const qos = ovsPortQos(ovs, topology);
  const bonds = ovsBonds(ovs, bridge, topology, interfaceSettings);
  return {
    localPort: OFPP_LOCAL,
    setGroups: (lines) => gm.setGroups(lines),
    setMeters: (lines) => gm.setMeters(lines),
    setUnderlay: (u) => tunnels.setUnderlay(u),
    addTunnelPort: (spec) => tunnels.addTunnelPort(spec),
    conntrack: ct,
    ipfixCollector: (id) => ipfix.collector(id),
    meterStats: (id) => gm.meterStats(id),
    sflowCollector: (s) => sflow.collector(s),
    setInterface: (port, columns) => qos.setInterface(port, columns),
    setQos: (port, q) => qos.setQos(port, q),
    qosShow: (port) => qos.qosShow(port),
    addBond: (name, ports, columns) => bonds.addBond(name, ports, columns),
    bondShow: (name) => bonds.bondShow(name),
    setActiveMember: (name, port) => bonds.setActiveMember(name, port),
    async reset(): Promise<void> {
      await ipfix.reset();
      await sflow.reset();
      await qos.reset();
      await bonds.reset();
      await gm.reset();
      await tunnels.reset();
      await ct.reset();
    },
  };
}
