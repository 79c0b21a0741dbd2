import { stringify } from 'yaml';

/** A TRex server to use: one already running (`address`), or one to start from an image. */
export type TrexServerConfig = TrexAttachConfig | TrexContainerConfig;

export interface TrexAttachConfig {
  /** `host` or `host:port` of the sync RPC port (default 4501). */
  readonly address: string;
}

export interface TrexContainerConfig {
  readonly image: string;
  /** Default `./t-rex-64 -i --cfg /etc/trex_cfg.yaml` (interactive mode: the RPC server). */
  readonly command?: readonly string[];
  /** Default true (DPDK needs the host's devices); false starts it with `capabilities` only. */
  readonly privileged?: boolean;
  /** Capabilities added when not privileged, e.g. NET_ADMIN, IPC_LOCK, SYS_ADMIN. */
  readonly capabilities?: readonly string[];
  /** RPC port the server listens on (host network); default 4501, the PUB port is one below. */
  readonly rpcPort?: number;
  /** How long the server may take to answer on its RPC port; default 120 s (DPDK init is slow). */
  readonly startupTimeoutS?: number;
  /** The trex_cfg.yaml entry: `interfaces` (PCI addresses or names) and anything else TRex takes. */
  readonly cfg: { readonly interfaces: readonly string[] } & Readonly<Record<string, unknown>>;
}

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
