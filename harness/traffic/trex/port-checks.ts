import type { PortCheck } from '../../../topologies/nic-checks.js';
import type { NicTopologySpec } from '../../../topologies/topology.js';
import type { TrexStlClient } from './stl-client.js';

/**
 * Pre-run checks of a lab topology's generator ports on its TRex server: the port exists, its
 * link is up, and nobody else holds it (a run acquires it; `--trex-force` would take it from them);
 * a ready port is shown with its MAC, driver and speed.
 */
export async function checkTrexPorts(client: TrexStlClient, spec: NicTopologySpec): Promise<PortCheck[]> {
  const sys = await client.systemInfo();
  const checks: PortCheck[] = [];
  for (const g of spec.generator.ports) {
    const at = `trex port ${g.trexPort}`;
    const fail = (detail: string) => checks.push({ port: g.name, interface: at, ok: false, detail: `${at}: ${detail}` });
    const info = sys.ports.find((p) => p.index === g.trexPort);
    if (!info) {
      fail(
        `no such port (the server has ${sys.ports
          .map((p) => p.index)
          .sort((a, b) => a - b)
          .join(', ')})`,
      );
      continue;
    }
    const st = await client.portStatus(g.trexPort);
    if (st.attr?.link?.up === false) fail('link down (cable or DUT port?)');
    else if (st.owner && st.owner !== client.user) fail(`owned by '${st.owner}' (a run would need --trex-force)`);
    else {
      // The speed is the port's status (get_system_info has none for most drivers).
      const speed = st.attr?.speed ?? info.speed;
      checks.push({
        port: g.name,
        interface: at,
        ok: true,
        detail: `${at}: ${info.hw_mac}, ${info.driver}${speed ? `, ${speed} Gb/s` : ''}, link up, ${st.owner ? `held by ${st.owner}` : 'free'}`,
      });
    }
  }
  return checks;
}
