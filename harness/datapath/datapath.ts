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
  /** The switch objects beyond the flow table, on backends driven through an OpenFlow switch. */
  readonly switchLevel?: SwitchLevel;
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
  /** Creates a second datapath of the same kind beside this one (`dpctl/add-dp`), on providers that can. */
  secondDatapath?(): Promise<SecondDatapath>;
}

/** A datapath created beside the backend's own, until removed. */
export interface SecondDatapath {
  /** Its name as the provider lists it, e.g. `system@dl1a2b3csdp`. */
  readonly name: string;
  /** Every datapath of the provider, as `dpctl/dump-dps` lists them. */
  listed(): Promise<string[]>;
  /** Puts a flow (`KEY actions:ACTIONS`) into this datapath; its own port 0 is the only port. */
  putFlow(odp: string): Promise<void>;
  /** The raw lines of its flow dump. */
  dumpFlows(): Promise<string[]>;
  remove(): Promise<void>;
}

/** A flow-based tunnel port on the switch, as `ovs-vsctl add-port ... type=TYPE options:...`. */
export interface TunnelPortSpec {
  /** Logical name pipelines use for the port, e.g. `vx0`. */
  readonly name: string;
  /** OVS interface type: vxlan, geneve, gre, erspan, ip6erspan, ip6gre, gtpu, bareudp, srv6, lisp, stt. */
  readonly type: string;
  /** Interface options, e.g. `{ remote_ip: 'flow', key: 'flow' }`. */
  readonly options: Readonly<Record<string, string>>;
  /** Geneve option mappings, as `ovs-ofctl add-tlv-map` takes them: `{class=0xffff,type=0x80,len=4}->tun_metadata0`. */
  readonly tlvMap?: readonly string[];
}

/**
 * The underlay tunnel ports send and receive through: an address on the switch's own (LOCAL)
 * port, with one remote VTEP reachable out of a DUT port. Encapsulated frames leave through the
 * pipeline's `in_port=LOCAL` rule, so a case sees them on the wire of that DUT port.
 */
export interface TunnelUnderlay {
  /** The switch's VTEP address with prefix length, e.g. `172.31.1.100/24` or `fc00::100/64`. */
  readonly local: string;
  /** The MAC of the switch's LOCAL port: the outer source MAC of encapsulated frames, the destination of injected ones. */
  readonly mac: string;
  /** Remote VTEPs: address and the MAC frames to it carry (static neighbour entries). */
  readonly remotes: readonly { readonly ip: string; readonly mac: string }[];
}

/** Conntrack observation and limits of a datapath with connection tracking. */
export interface ConntrackLevel {
  /** Entries now, one line each as `dpctl/dump-conntrack` prints them (optionally one zone). */
  entries(zone?: number): Promise<string[]>;
  /** Deletes every entry (all zones). */
  flush(): Promise<void>;
  /** `dpctl/ct-set-limits zone=Z,limit=N`. */
  setZoneLimit(zone: number, limit: number): Promise<void>;
  /** A zone's timeout policy, as `ovs-vsctl add-zone-tp` takes it, e.g. `{ udp_first: 2 }`. */
  setTimeoutPolicy(zone: number, timeouts: Readonly<Record<string, number>>): Promise<void>;
}

/**
 * OpenFlow switch objects beyond the flow table: groups, meters, tunnel ports, conntrack and
 * sampling. Whatever a case sets here is undone by reset() before the next case.
 */
export interface SwitchLevel {
  /** Replaces the group table; groups in ovs-ofctl syntax with ports by logical name already numbered. */
  setGroups(lines: readonly string[]): Promise<void>;
  /** Replaces the meter table, as ovs-ofctl add-meter lines. */
  setMeters(lines: readonly string[]): Promise<void>;
  /** Sets up the tunnel underlay (once per case that needs it). */
  setUnderlay(u: TunnelUnderlay): Promise<void>;
  /** Adds a tunnel port and returns its OpenFlow port number. */
  addTunnelPort(spec: TunnelPortSpec): Promise<number>;
  /** The OpenFlow port number of the switch's own port (LOCAL), for `in_port=LOCAL`-style rules. */
  readonly localPort: number;
  readonly conntrack: ConntrackLevel;
  /**
   * Points the bridge's IPFIX exporter (flow sample collector set `id`) at a UDP collector on the
   * DUT namespace's loopback; returns what the exporter sent there so far, on each call.
   */
  ipfixCollector(collectorSetId: number): Promise<{ records(): Promise<Buffer[]> }>;
  /** One meter's counters (`ovs-ofctl meter-stats`), or undefined when the switch has no such meter. */
  meterStats(id: number): Promise<MeterStats | undefined>;
  /** Points the bridge's sFlow agent at a UDP collector on the DUT namespace's loopback; returns what it sent so far, on each call. */
  sflowCollector(settings: SflowSettings): Promise<{ datagrams(): Promise<Buffer[]> }>;
  /** Sets scalar columns of a DUT port's Interface row (e.g. ingress_policing_rate); reset() restores their values. */
  setInterface(port: string, columns: Readonly<Record<string, string | number>>): Promise<void>;
  /** Gives a DUT port an egress QoS row with queues (e.g. type linux-htb); reset() removes it. */
  setQos(port: string, qos: QosSpec): Promise<void>;
  /** What the switch reports about a port's QoS (`ovs-appctl qos/show`). */
  qosShow(port: string): Promise<string>;
  /**
   * Replaces DUT ports by one bond port of the switch with them as members (each keeping its
   * OpenFlow port number); reset() puts the ports back as they were.
   */
  addBond(name: string, ports: readonly string[], columns: Readonly<Record<string, string>>): Promise<void>;
  /** `ovs-appctl bond/show NAME`. */
  bondShow(name: string): Promise<string>;
  /** Makes a member (DUT port by logical name) the active one of an active-backup bond. */
  setActiveMember(name: string, port: string): Promise<void>;
  /** Undoes everything set since the last reset: groups, meters, tunnel ports, underlay, conntrack state, limits, policies, IPFIX, sFlow, port QoS, bonds. */
  reset(): Promise<void>;
}

/** A meter's counters: packets and bytes that reached it, and per band the packets and bytes the band acted on (dropped). */
export interface MeterStats {
  readonly flowCount: number;
  readonly packetsIn: number;
  readonly bytesIn: number;
  readonly bands: readonly { readonly packets: number; readonly bytes: number }[];
}

/** An sFlow agent's settings, as the sFlow table's columns. */
export interface SflowSettings {
  /** One packet in `sampling` is sampled. */
  readonly sampling: number;
  /** Bytes of each sampled packet's headers exported (default 128). */
  readonly header?: number;
  /** Counter polling interval in seconds (0: none). */
  readonly polling?: number;
}

/** An egress QoS row: its type, its other_config, and its queues' other_config by queue number. */
export interface QosSpec {
  readonly type: string;
  readonly otherConfig: Readonly<Record<string, string>>;
  readonly queues: Readonly<Record<number, Readonly<Record<string, string>>>>;
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
