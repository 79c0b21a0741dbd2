import { stringify } from 'yaml';
import type { TrexContainerConfig } from '../../../topologies/trex-server-config.js';

export const DEFAULT_RPC_PORT = 4501;
export const DEFAULT_COMMAND = ['./t-rex-64', '-i', '--cfg', '/etc/trex_cfg.yaml'] as const;

/** The address as host and port; a bad one is a one-line error naming it. */
export function parseTrexAddress(address: string, where: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(address);
  const port = m?.[2] === undefined ? DEFAULT_RPC_PORT : Number(m[2]);
  if (!m || port < 1 || port > 65535) throw new Error(`${where}: '${address}' is not host[:port]`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** trex_cfg.yaml for a container: the lab's entry, with the RPC/PUB ports dplab connects to. */
export function renderTrexCfg(c: TrexContainerConfig): string {
  const rpc = c.rpcPort ?? DEFAULT_RPC_PORT;
  return stringify([{ version: 2, port_limit: c.cfg.interfaces.length, ...c.cfg, zmq_rpc_port: rpc, zmq_pub_port: rpc - 1 }]);
}
