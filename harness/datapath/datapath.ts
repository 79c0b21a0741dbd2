import type { DatapathFlow } from '../odp/flow.js';
import type { FlowRule } from '../openflow/rule.js';
import type { RunContext } from '../run/run-context.js';
import type { StartedTopology } from '../../topologies/topology.js';

/** Whether a backend supports one feature id of the catalogue, as probed at run time. */
export type FeatureSupport = { readonly supported: true; readonly how?: string } | { readonly supported: false; readonly reason: string };

export type FeatureMap = Readonly<Record<string, FeatureSupport>>;

/** What `probe()` found on this host, before anything is started. */
export interface ProbeResult {
  readonly backend: string;
  readonly available: boolean;
  /** Why it cannot run here, when `available` is false (one line). */
  readonly reason?: string;
  /** Component versions, e.g. `{ ovs: '3.1.0', kernel: '6.18.44' }`. */
  readonly versions: Readonly<Record<string, string>>;
  /** Product string such as `afxdp-generic/ovs-3.1.0/linux-6.18`; refined after start. */
  readonly product?: string;
}

export interface PortStats {
  readonly name: string;
  readonly ofport: number;
  readonly rxPackets: number;
  readonly txPackets: number;
  readonly rxBytes: number;
  readonly txBytes: number;
  readonly rxDropped: number;
  readonly txDropped: number;
}

export interface DatapathStats {
  readonly ports: readonly PortStats[];
  /** Datapath lookups that hit a flow. */
  readonly hits: number;
  /** Lookups that missed and went (or should have gone) to userspace. */
  readonly misses: number;
  /** Misses that could not be delivered to userspace. */
  readonly lost: number;
  /** Datapath flows installed now. */
  readonly flows: number;
  /** Upcalls handled by the slow path, when the backend counts them separately. */
  readonly upcalls?: number;
}

/** How much a datapath's flow table holds, read from the running datapath. */
export interface DatapathCapacity {
  /** Datapath flows (megaflows) it can hold at once. */
  readonly flows: number;
  /** Distinct masks (megaflow shapes) it can hold. */
  readonly masks?: number;
  /** Where the figures come from, e.g. `agent stats: flows map max_entries`. */
  readonly source: string;
}

/** A packet the datapath sent to the controller (OpenFlow packet-in or an agent upcall). */
export interface PacketIn {
  readonly inPort: number;
  readonly reason: string;
  readonly tableId?: number;
  /** The packet as the controller received it. */
  readonly data: Buffer;
}

/** A controller connection that records packet-ins until closed. */
export interface ControllerChannel {
  /** Packet-ins received so far. */
  packetIns(): Promise<PacketIn[]>;
  close(): Promise<void>;
}

/** A backend that can be probed and started on a topology. */
export interface Datapath {
  readonly id: string;
  readonly description: string;
  /**
   * The datapath is part of the kernel (a module such as openvswitch.ko): with `--kernel` it runs
   * inside that guest kernel, and is not benchmarked there (that would measure the emulator).
   */
  readonly inKernel?: boolean;
  probe(): Promise<ProbeResult>;
  /** Brings the datapath up on the topology's DUT ports. Only a started datapath can be used. */
  start(topology: StartedTopology, ctx: RunContext): Promise<StartedDatapath>;
}

export interface StartedDatapath {
  readonly state: 'started';
  readonly id: string;
  /** Product string after start, with what was really obtained (e.g. the XDP mode). */
  readonly product: string;
  readonly versions: Readonly<Record<string, string>>;
  /** Feature support, probed against the running datapath. */
  features(): Promise<FeatureMap>;
  /** Replaces the whole OpenFlow rule table with these rules and flushes datapath flows. */
  applyPipeline(rules: readonly FlowRule[]): Promise<void>;
  /** Datapath flows (megaflows) held now, parsed from ODP syntax. */
  dumpFlows(): Promise<DatapathFlow[]>;
  /** Deletes all datapath flows, keeping the OpenFlow pipeline. */
  flushFlows(): Promise<void>;
  /** Datapath-level programming and observation, on backends that offer it. */
  readonly datapathLevel?: DatapathLevel;
  stats(): Promise<DatapathStats>;
  /** The flow table's limits, when it has fixed ones. */
  capacity?(): Promise<DatapathCapacity>;
  /** Connects a controller that records packet-ins (for `controller` actions). */
  openController(): Promise<ControllerChannel>;
  /** Tears down everything it started. Safe to call twice. */
  stop(): Promise<StoppedDatapath>;
}

/**
 * The datapath below the OpenFlow pipeline, as `ovs-dpctl` sees it: flows put and deleted in ODP
 * syntax, and the flow keys of the misses it sends to userspace.
 */
export interface DatapathLevel {
  /** Datapath port number of each DUT port by logical name: `in_port(N)` and output `N` in ODP flows. */
  ports(): Promise<Readonly<Record<string, number>>>;
  /**
   * Installs one flow given in ODP syntax (`KEY actions:ACTIONS`), as `ovs-dpctl add-flow`.
   * The slow path leaves it alone until the next applyPipeline() or flushFlows().
   */
  putFlow(odp: string): Promise<void>;
  /** Deletes the flow whose key and mask are exactly this ODP key, as `ovs-dpctl del-flow`. */
  delFlow(key: string): Promise<void>;
  /**
   * The miss upcalls so far: how many, and the full (unmasked) flow keys of the latest ones,
   * oldest first, in ODP syntax: what the datapath extracted from each packet it could not match.
   * Counting may start at the first call.
   */
  missKeys(): Promise<MissLog>;
}

export interface MissLog {
  /** Misses seen since counting started. */
  readonly count: number;
  /** Keys of the last `keys.length` of them (a bounded log may hold fewer than `count`). */
  readonly keys: readonly string[];
}

export interface StoppedDatapath {
  readonly state: 'stopped';
  readonly id: string;
}
