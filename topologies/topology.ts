import type { RunContext } from '../harness/run/run-context.js';
import type { TrexServerConfig } from './trex-server-config.js';

/** A traffic endpoint: a network namespace with one veth whose peer is a DUT port. */
export interface EndpointSpec {
  readonly name: string;
  /** MAC of the endpoint interface; derived from the run id and index when absent. */
  readonly mac?: string;
}

/** A port of the device under test, numbered as an OpenFlow/ODP port. */
export interface DutPortSpec {
  readonly name: string;
  /** OpenFlow port number; ports are numbered 1..n in order when absent. */
  readonly ofport?: number;
}

export interface VethTopologySpec {
  readonly kind: 'veth';
  readonly name: string;
  readonly description?: string;
  readonly endpoints: readonly EndpointSpec[];
  readonly dut: { readonly ports: readonly DutPortSpec[] };
  /** Each link joins one endpoint to one DUT port: [endpoint, dutPort]. */
  readonly links: readonly (readonly [string, string])[];
}

export interface NicDutPortSpec extends DutPortSpec {
  /** Physical interface name on the lab host. */
  readonly interface: string;
  /** Its MAC address, when the lab pins it: `dplab doctor` checks the cabling plan against it. */
  readonly mac?: string;
}

export interface TrexPortSpec {
  readonly name: string;
  /** TRex port id on the generator. */
  readonly trexPort: number;
}

export interface NicTopologySpec {
  readonly kind: 'nic';
  readonly name: string;
  readonly description?: string;
  readonly dut: { readonly ports: readonly NicDutPortSpec[] };
  readonly generator: {
    /** The lab's TRex server; `--trex HOST[:PORT]` overrides it. */
    readonly trex?: TrexServerConfig;
    readonly ports: readonly TrexPortSpec[];
  };
  /** Each link joins a generator port to a DUT port: [generatorPort, dutPort]. */
  readonly links: readonly (readonly [string, string])[];
}

export type TopologySpec = VethTopologySpec | NicTopologySpec;

/** A parsed, validated topology and the file it came from. */
export interface TopologyDefinition {
  readonly spec: TopologySpec;
  readonly source: string;
}

/** A built endpoint. */
export interface EndpointHandle {
  readonly name: string;
  readonly netns: string;
  readonly ifname: string;
  readonly mac: string;
  /** Name of the DUT port it is linked to. */
  readonly dutPort: string;
}

/** A built DUT port: a link in the DUT namespace that a datapath attaches to. */
export interface DutPortHandle {
  readonly name: string;
  readonly ifname: string;
  readonly ofport: number;
  /** Name of the endpoint (veth) or generator port (nic) at the other end. */
  readonly endpoint: string;
}

/** A lab topology's generator port: a TRex port cabled to a DUT port. */
export interface GeneratorPortHandle {
  readonly name: string;
  readonly trexPort: number;
  readonly dutPort: string;
}

/** A topology whose namespaces and links exist. Only a started topology can be used. */
export interface StartedTopology {
  readonly state: 'started';
  readonly runId: string;
  readonly spec: TopologySpec;
  /** Namespace holding the DUT ports; datapaths run their daemons here. */
  readonly dutNetns: string;
  /** Netns endpoints (veth); none on a lab topology. */
  readonly endpoints: readonly EndpointHandle[];
  /** TRex ports (nic); none on veth. */
  readonly generatorPorts: readonly GeneratorPortHandle[];
  readonly dutPorts: readonly DutPortHandle[];
  endpoint(name: string): EndpointHandle;
  dutPort(name: string): DutPortHandle;
  /** Removes everything it created. Safe to call twice. */
  stop(): Promise<StoppedTopology>;
}

export interface StoppedTopology {
  readonly state: 'stopped';
  readonly spec: TopologySpec;
}

/** A topology that can be built: `start()` is the only way to get a usable one. */
export interface Topology {
  readonly spec: TopologySpec;
  start(ctx: RunContext): Promise<StartedTopology>;
}
