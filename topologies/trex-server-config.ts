/*
 * How a lab topology names its TRex server (generator.trex in its YAML; load.ts holds the schema).
 * The traffic layer starts or attaches to it (harness/traffic/trex/trex-cfg.ts).
 */

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
