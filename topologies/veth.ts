import { exec } from '../harness/system/exec.js';
import { runNames, type RunContext } from '../harness/run/run-context.js';
import { startedTopology } from './started.js';
import type { DutPortHandle, EndpointHandle, StartedTopology, StoppedTopology, Topology, VethTopologySpec } from './topology.js';

/**
 * Builds a veth topology: one namespace per endpoint and one for the DUT, each link a veth
 * pair created directly inside the two namespaces (nothing ever appears in the host's).
 * Interfaces carry no addresses and have IPv6 off, so the kernel sends nothing on its own
 * (no DAD, MLD or router solicitations) and every captured frame is one a case sent.
 */
export class VethTopology implements Topology {
  constructor(readonly spec: VethTopologySpec) {}

  async start(ctx: RunContext): Promise<StartedTopology> {
    const { runId } = ctx;
    const dutNetns = runNames.netns(runId, 'dut');
    const created: string[] = [];
    let stopping: Promise<StoppedTopology> | undefined;
    const stop = (): Promise<StoppedTopology> =>
      (stopping ??= (async () => {
        for (const ns of created.splice(0).reverse()) await exec('ip', ['netns', 'del', ns], { allowFail: true });
        return { state: 'stopped', spec: this.spec } as const;
      })());
    try {
      const addNetns = async (ns: string) => {
        await exec('ip', ['netns', 'add', ns]);
        created.push(ns);
        await exec('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        for (const k of ['all', 'default']) await exec('sysctl', ['-qw', `net.ipv6.conf.${k}.disable_ipv6=1`], { netns: ns });
      };
      await addNetns(dutNetns);
      const endpoints: EndpointHandle[] = [];
      const dutPorts: DutPortHandle[] = [];
      for (const [i, ep] of this.spec.endpoints.entries()) {
        const [, portName] = this.spec.links.find(([e]) => e === ep.name) as readonly [string, string];
        const portIndex = this.spec.dut.ports.findIndex((p) => p.name === portName);
        const port = this.spec.dut.ports[portIndex] as VethTopologySpec['dut']['ports'][number];
        const ns = runNames.netns(runId, ep.name);
        await addNetns(ns);
        const epIf = runNames.link(runId, `e${ep.name}`);
        const dutIf = runNames.link(runId, `d${port.name}`);
        // Locally administered, unique per run and endpoint unless the topology pins it.
        const mac = ep.mac ?? `0a:${runId.slice(0, 2)}:${runId.slice(2, 4)}:${runId.slice(4, 6)}:00:${(i + 1).toString(16).padStart(2, '0')}`;
        await exec('ip', ['link', 'add', dutIf, 'netns', dutNetns, 'type', 'veth', 'peer', 'name', epIf, 'netns', ns]);
        await exec('ip', ['-n', ns, 'link', 'set', epIf, 'address', mac]);
        for (const [n, ifname] of [
          [ns, epIf],
          [dutNetns, dutIf],
        ] as const) {
          // Offloads off: frames must cross the datapath exactly as built, one by one (no GRO
          // merging, no partial checksums; AF_XDP on veth also needs tx checksumming off).
          await exec('ethtool', ['-K', ifname, 'tx', 'off', 'gro', 'off', 'gso', 'off', 'tso', 'off'], { netns: n, allowFail: true });
          await exec('ip', ['-n', n, 'link', 'set', ifname, 'up']);
        }
        endpoints.push({ name: ep.name, netns: ns, ifname: epIf, mac, dutPort: port.name });
        dutPorts.push({ name: port.name, ifname: dutIf, ofport: port.ofport ?? portIndex + 1, endpoint: ep.name });
      }
      dutPorts.sort((a, b) => a.ofport - b.ofport);
      return startedTopology({ runId, spec: this.spec, dutNetns, endpoints, generatorPorts: [], dutPorts, stop });
    } catch (e) {
      await stop();
      throw e;
    }
  }
}
