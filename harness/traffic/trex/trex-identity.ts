import type { TrexStlClient } from './stl-client.js';

/** Which TRex server produced the figures (the shape of results.json's run.generator). */
export interface TrexIdentity {
  readonly name: 'trex';
  readonly version: string;
  readonly address: string;
  readonly ports: { id: number; driver: string; speedGbps?: number }[];
}

/**
 * The TRex server behind a run's figures, for the run identity: its version, and per port the
 * run uses its driver (`get_system_info`) and speed (`get_port_status`: the system info has
 * none). A port the server lacks is left out; the trials name it.
 */
export async function trexIdentity(client: TrexStlClient, address: string, ports: readonly number[]): Promise<TrexIdentity> {
  const { version } = await client.version();
  const sys = await client.systemInfo();
  const known: { id: number; driver: string; speedGbps?: number }[] = [];
  for (const id of ports) {
    const info = sys.ports.find((p) => p.index === id);
    if (!info) continue;
    const speed = (await client.portStatus(id)).attr?.speed ?? info.speed;
    known.push({ id, driver: info.driver, ...(speed === undefined ? {} : { speedGbps: speed }) });
  }
  return { name: 'trex', version, address, ports: known };
}
