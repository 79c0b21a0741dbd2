import type { ControllerChannel, DatapathStats, StartedDatapath } from '../datapath/datapath.js';
import type { DatapathFlow } from '../odp/flow.js';
import type { StartedTopology } from '../../topologies/topology.js';

/** What a case expects each listening endpoint to receive, in order. */
export type Delivery = Readonly<Record<string, readonly Buffer[]>>;

export interface SendOptions {
  /** Endpoints to capture on; default every endpoint except the sender. */
  readonly listen?: readonly string[];
  /** Upper bound on waiting for frames (ms). */
  readonly waitMs?: number;
}

/** The handle a case gets: the started backend and topology, and traffic helpers. */
export interface CaseContext {
  readonly backend: StartedDatapath;
  readonly topology: StartedTopology;
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
