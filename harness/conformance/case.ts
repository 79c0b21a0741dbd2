import type {
  ConntrackLevel,
  ControllerChannel,
  DatapathStats,
  FeatureMap,
  MeterStats,
  QosSpec,
  SecondDatapath,
  SflowSettings,
  StartedDatapath,
  TunnelPortSpec,
  TunnelUnderlay,
} from '../datapath/datapath.js';
import type { DatapathFlow } from '../odp/flow.js';
import type { StartedTopology } from '../../topologies/topology.js';

/** What a case expects each listening endpoint to receive, in order. */
export type Delivery = Readonly<Record<string, readonly Buffer[]>>;

export interface SendOptions {
  /** Endpoints to capture on; default every endpoint except the sender. */
  readonly listen?: readonly string[];
  /** Upper bound on waiting for frames (ms). */
  readonly waitMs?: number;
  /** Return once this many frames arrived across the listeners (after a short settle for extras). */
  readonly expectCount?: number;
}

/** The handle a case gets: the started backend and topology, and traffic helpers. */
export interface CaseContext {
  readonly backend: StartedDatapath;
  readonly topology: StartedTopology;
  /** The backend's feature support as probed when it started (e.g. the `Max MPLS depth` it reported). */
  readonly features: FeatureMap;
  /** Logical DUT port name -> OpenFlow port number, e.g. { p1: 1, p2: 2 }. */
  readonly ports: Readonly<Record<string, number>>;
  /** MAC address of an endpoint's interface. */
  mac(endpoint: string): string;
  /** Installs an OpenFlow table in ovs-ofctl syntax (ports by logical name) and flushes datapath flows. */
  pipeline(text: string): Promise<void>;
  /** Injects frames on one endpoint and captures on the others; returns frames by endpoint. */
  send(from: string, frames: Buffer | readonly Buffer[], opts?: SendOptions): Promise<Map<string, Buffer[]>>;
  /**
   * Sends and asserts the exact delivery: every listed endpoint receives exactly the listed frames
   * (byte for byte, VLAN tags included) and unlisted endpoints receive nothing.
   */
  expectDelivery(from: string, frames: Buffer | readonly Buffer[], expected: Delivery, opts?: SendOptions): Promise<Map<string, Buffer[]>>;
  dumpFlows(): Promise<DatapathFlow[]>;
  stats(): Promise<DatapathStats>;
  openController(): Promise<ControllerChannel>;
  /** Adds a line to the case's details in the report. */
  note(text: string): void;
  /** The datapath below the pipeline: only for cases tagged `dp.flow_put` or `dp.miss_key`. */
  readonly dp: DatapathCaseLevel;
  /**
   * The switch objects beyond the flow table, on backends driven through an OpenFlow switch:
   * only for cases whose features need them (ct, tunnels, meters, groups ...). Undone after the case.
   */
  readonly sw: CaseSwitchLevel;
}

/** Groups, meters, tunnel ports, conntrack and IPFIX in a case. */
export interface CaseSwitchLevel {
  /** Replaces the group table: groups in ovs-ofctl group syntax, one a line, ports by logical name. */
  groups(text: string): Promise<void>;
  /** Replaces the meter table: meters in ovs-ofctl meter syntax, one a line. */
  meters(text: string): Promise<void>;
  /** Gives the switch a VTEP address on its LOCAL port and static neighbours for the remote VTEPs. */
  underlay(u: TunnelUnderlay): Promise<void>;
  /** Adds a tunnel port; afterwards pipelines may name it (`output:vx0`, `in_port=vx0`). Returns its OpenFlow port. */
  tunnelPort(spec: TunnelPortSpec): Promise<number>;
  readonly conntrack: ConntrackLevel;
  /** A UDP collector for the bridge's IPFIX exporter with this collector set id; `records()` returns the datagrams so far. */
  ipfixCollector(collectorSetId: number): Promise<{ records(): Promise<Buffer[]> }>;
  /** One meter's counters as the switch reports them, or undefined when it has no such meter. */
  meterStats(id: number): Promise<MeterStats | undefined>;
  /** A UDP collector for the bridge's sFlow agent with these settings; `datagrams()` returns what arrived so far. */
  sflowCollector(settings: SflowSettings): Promise<{ datagrams(): Promise<Buffer[]> }>;
  /** Sets scalar columns of a DUT port's Interface row, e.g. `{ ingress_policing_rate: 4000 }`. */
  setInterface(port: string, columns: Readonly<Record<string, string | number>>): Promise<void>;
  /** Gives a DUT port an egress QoS row (e.g. linux-htb with max-rate) with its queues. */
  setQos(port: string, qos: QosSpec): Promise<void>;
  /** The switch's account of a port's QoS (`ovs-appctl qos/show`). */
  qosShow(port: string): Promise<string>;
  /** Replaces DUT ports by a bond with them as members, e.g. `bond('bond0', ['p2', 'p3'], { bond_mode: 'active-backup' })`. */
  bond(name: string, ports: readonly string[], columns: Readonly<Record<string, string>>): Promise<void>;
  /** `ovs-appctl bond/show NAME`. */
  bondShow(name: string): Promise<string>;
  /** Makes a member (DUT port by logical name) the active one of an active-backup bond. */
  setActiveMember(name: string, port: string): Promise<void>;
}

/** Datapath-level programming and observation in a case (ODP syntax, as `ovs-dpctl`). */
export interface DatapathCaseLevel {
  /** Datapath port numbers by logical name, for `in_port(N)` and output `N`. */
  ports(): Promise<Readonly<Record<string, number>>>;
  putFlow(odp: string): Promise<void>;
  delFlow(key: string): Promise<void>;
  /**
   * Sends each frame from the endpoint with the datapath's flows flushed, and returns the flow
   * key of the miss upcall it caused, or undefined when none came within 3 s.
   */
  missKeysOf(from: string, frames: readonly Buffer[]): Promise<(string | undefined)[]>;
  /** A second datapath beside the backend's (only for cases tagged `dp.multi`); removed after the case if the case does not. */
  secondDatapath(): Promise<SecondDatapath>;
}

/** A conformance case: written once in the pipeline language, run on every backend. */
export interface ConformanceCase {
  /** Stable id, `<group>.<name>` in kebab-case, e.g. `vlan.push-on-untagged`. */
  readonly id: string;
  readonly title: string;
  /** Feature ids from the catalogue; a backend lacking one reports the case `unsupported`. */
  readonly features: readonly string[];
  /** Endpoints the case needs (default 2); fewer in the topology gives `skipped`. */
  readonly endpoints?: number;
  run(t: CaseContext): Promise<void>;
}

/**
 * Thrown by a case whose precondition the environment does not meet, found only while it runs
 * (e.g. the host's receive path drops the frame before the datapath's hook): `skipped`, with why.
 */
export class CaseSkipped extends Error {}

/** Declares a case; the identity function keeps suites type-checked and uniform. */
export function defineCase(c: ConformanceCase): ConformanceCase {
  return c;
}

/** A named group of cases, e.g. all VLAN cases. */
export interface CaseGroup {
  readonly suite: 'conformance' | 'datapath';
  readonly name: string;
  readonly cases: readonly ConformanceCase[];
}
