import { setTimeout as sleep } from 'node:timers/promises';
import { linkCounters, type LinkCounters } from '../system/link-counters.js';
import { sendProfile, type GenReport } from '../traffic/soft/soft-generator.js';
import { startSink, type StartedSink } from '../traffic/soft/sink.js';
import type { Profile } from '../traffic/streams/stream-model.js';
import type { EndpointHandle } from '../../topologies/topology.js';
import { latencySummary, type LatencySummary } from './latency.js';

/** Where a trial's traffic goes: generator endpoint -> DUT -> sink endpoint. */
export interface TrialPath {
  readonly from: EndpointHandle;
  readonly to: EndpointHandle;
  readonly sink: StartedSink;
  /** CPU the generator is pinned to (the DUT's receive work runs on the others). */
  readonly genCpu?: number;
}

/** One trial, every count from its own source so they can be checked against each other. */
export interface TrialResult {
  /**
   * The rate asked. A line-rate trial: the line rate the generator named (TRex: the port's, from
   * its multiplier), or 0 when it names none (soft: as fast as it goes).
   */
  readonly requestedPps: number;
  /** What the generator says it sent, and at what rate: sent over the measured transmit time. */
  readonly sent: number;
  readonly offeredPps: number;
  /** The transmit time as measured on the wall clock (never the length asked for). */
  readonly seconds: number;
  /**
   * The generator fell short of the rate asked (by more than 1 %), or (TRex) its port reported
   * transmit errors or a full TX queue: the generator, not the target, set the pace.
   */
  readonly generatorLimited: boolean;
  /** Soft generator: the worst lag behind its schedule. */
  readonly maxLagUs?: number;
  /**
   * Generator-side port: frames it put on the wire and those it could not (soft: the veth's
   * tx/tx_dropped, i.e. what the DUT's receive ring took and refused; TRex: opackets, and
   * oerrors plus frames dropped for a full TX queue).
   */
  readonly txIf: number;
  readonly txDroppedIf: number;
  /** Receiving side: frames counted per stream (sink.bpf.c; TRex: the rx port), and the port's rx counter. */
  readonly received: number;
  readonly rxIf: number;
  readonly lossRatio: number;
  readonly latency?: LatencySummary;
}

const ZERO: LinkCounters = { rxPackets: 0, rxBytes: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txDropped: 0 };

async function counters(ep: EndpointHandle): Promise<LinkCounters> {
  return (await linkCounters(ep.netns)).get(ep.ifname) ?? ZERO;
}

/**
 * Runs a profile once: optional ramp-up at the same rate (not counted), then the counted
 * traffic; counters are read after the traffic has stopped and in-flight frames drained.
 */
export async function runTrial(path: TrialPath, profile: Profile, rampMs = 0, drainMs = 250): Promise<TrialResult> {
  if (rampMs > 0) {
    await sendProfile({ ...profile, durationMs: rampMs, mode: { kind: 'continuous' } }, path.from, path.to, path.genCpu);
    await sleep(drainMs);
  }
  await path.sink.reset();
  const [tx0, rx0] = [await counters(path.from), await counters(path.to)];
  const g: GenReport = await sendProfile(profile, path.from, path.to, path.genCpu);
  await sleep(drainMs);
  const [tx1, rx1] = [await counters(path.from), await counters(path.to)];
  const streams = await path.sink.read();
  const received = streams.reduce((n, s) => n + s.packets, 0);
  if (g.aborted) throw new Error(`dplab-gen: ${g.aborted} frames aborted (a stream did not fit its frame)`);
  const latency = latencySummary(
    streams.map((s) => s.hist),
    streams.reduce((n, s) => n + s.latSumNs, 0),
    streams.reduce((n, s) => Math.max(n, s.latMaxNs), 0),
  );
  return {
    requestedPps: g.requestedPps,
    sent: g.sent,
    offeredPps: g.pps,
    seconds: g.seconds,
    generatorLimited: g.requestedPps > 0 && g.pps < g.requestedPps * 0.99,
    maxLagUs: g.maxLagUs,
    txIf: tx1.txPackets - tx0.txPackets,
    txDroppedIf: tx1.txDropped - tx0.txDropped,
    received,
    rxIf: rx1.rxPackets - rx0.rxPackets,
    lossRatio: g.sent ? Math.max(0, g.sent - received) / g.sent : 0,
    ...(latency ? { latency } : {}),
  };
}

/**
 * A traffic generator as the benchmarks see it: one trial of a profile at a time, from the
 * topology's first generator port towards the DUT and back in at the second. `trial` checks
 * its own counts (a trial whose counts do not add up throws) and `close` releases everything.
 */
export interface TrialGenerator {
  readonly name: 'soft' | 'trex';
  /** What the generator is and how it was driven, for each point's generator note. */
  readonly note: string;
  /** Where latency samples come from. */
  readonly latencyNote: string;
  trial(profile: Profile, rampMs?: number, drainMs?: number): Promise<TrialResult>;
  close(): Promise<void>;
}

/** The generator itself is gone (a TRex server that died or hangs): no later trial can run. */
export class GeneratorLostError extends Error {
  override name = 'GeneratorLostError';
}

/** The soft generator on a veth path: dplab-gen at `from`, dplab-sink at `to`. */
export async function softTrialGenerator(from: EndpointHandle, to: EndpointHandle, genCpu?: number): Promise<TrialGenerator> {
  const sink = await startSink(to);
  const path: TrialPath = { from, to, sink, ...(genCpu === undefined ? {} : { genCpu }) };
  return {
    name: 'soft',
    note: `dplab-gen (BPF_PROG_RUN live frames${genCpu === undefined ? '' : `, pinned to CPU ${genCpu}`}; DUT receive in threaded NAPI)`,
    latencyNote: 'timestamps from bpf_ktime_get_ns at build and at the sink',
    trial: async (profile, rampMs, drainMs) => checkedSoft(await runTrial(path, profile, rampMs, drainMs)),
    close: () => sink.stop(),
  };
}

/** A soft trial whose counts do not add up is a harness or environment fault, not a result. */
function checkedSoft(t: TrialResult): TrialResult {
  const lost = unaccounted(t);
  if (lost !== 0) {
    throw new Error(`generator honesty: dplab-gen counted ${t.sent} frames but the generator-side interface accounts for ${t.txIf + t.txDroppedIf} (${lost} unaccounted; does the DUT port have NAPI?)`);
  }
  if (t.received > t.rxIf) throw new Error(`sink counted ${t.received} frames but its interface received only ${t.rxIf}`);
  return t;
}

/**
 * Frames the generator counted that no interface counter accounts for: a veth silently
 * drops XDP-transmitted frames when its peer has no NAPI (no XDP program, GRO off).
 */
export function unaccounted(t: TrialResult): number {
  return t.sent - (t.txIf + t.txDroppedIf);
}
