import type { DutPortHandle, StartedTopology } from '../../topologies/topology.js';
import type { StartedOvsDaemons } from './ovs-daemons.js';

/**
 * OVS bonds over DUT ports: the ports leave the bridge and come back as members of one bond
 * port, each member keeping its OpenFlow port number and its interface settings (e.g.
 * type=afxdp). reset() removes the bonds and puts the ports back as plain ports.
 */
export function ovsBonds(ovs: StartedOvsDaemons, bridge: string, topology: StartedTopology, interfaceSettings: (p: DutPortHandle) => readonly string[]) {
  const port = (name: string): DutPortHandle => {
    const p = topology.dutPorts.find((d) => d.name === name);
    if (!p) throw new Error(`no DUT port '${name}'`);
    return p;
  };
  const iface = (p: DutPortHandle) => ['--', 'set', 'Interface', p.ifname, `ofport_request=${p.ofport}`, ...interfaceSettings(p)];
  const bonds = new Map<string, DutPortHandle[]>();
  const checkOfports = async (members: readonly DutPortHandle[], what: string) => {
    for (const p of members) {
      const got = (await ovs.vsctl(['get', 'Interface', p.ifname, 'ofport'])).stdout.trim();
      if (Number(got) !== p.ofport) throw new Error(`${what}: ${p.ifname} got ofport ${got} (wanted ${p.ofport})`);
    }
  };
  return {
    async addBond(name: string, ports: readonly string[], columns: Readonly<Record<string, string>>): Promise<void> {
      const members = ports.map(port);
      bonds.set(name, members);
      await ovs.vsctl(
        [
          ...members.flatMap((p) => ['--', 'del-port', bridge, p.ifname]),
          '--',
          'add-bond',
          bridge,
          name,
          ...members.map((p) => p.ifname),
          ...Object.entries(columns).map(([k, v]) => `${k}=${v}`),
          ...members.flatMap(iface),
        ],
        60_000,
      );
      await checkOfports(members, `bond ${name}`);
    },
    async bondShow(name: string): Promise<string> {
      return (await ovs.appctl(['bond/show', name])).stdout;
    },
    async setActiveMember(name: string, member: string): Promise<void> {
      await ovs.appctl(['bond/set-active-member', name, port(member).ifname]);
    },
    async reset(): Promise<void> {
      for (const [name, members] of bonds) {
        await ovs.vsctl(['--', 'del-port', bridge, name, ...members.flatMap((p) => ['--', 'add-port', bridge, p.ifname, ...iface(p)])], 60_000);
        await checkOfports(members, `restoring the ports of bond ${name}`);
      }
      bonds.clear();
    },
  };
}
