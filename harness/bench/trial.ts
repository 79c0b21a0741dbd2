import { setTimeout as sleep } from 'node:timers/promises';
import { linkCounters, type LinkCounters } from '../system/link-counters.js';
import { sendProfile, type GenReport } from '../traffic/soft/soft-generator.js';
import type { StartedSink } from '../traffic/soft/sink.js';
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
  readonly requestedPps: number;
  /** What the generator says it sent, and at what rate. */
  readonly sent: number;
  readonly offeredPps: number;
  readonly seconds: number;
  /** The generator fell short of the rate asked (by more than 1 %). */
  readonly generatorLimited: boolean;
  readonly maxLagUs: number;
  /** Generator-side interface: frames the DUT's receive ring took, and those it refused. */
  readonly txIf: number;
  readonly txDroppedIf: number;
  /** Sink: frames counted by sink.bpf.c, and the sink interface's rx counter. */
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
 * Frames the generator counted that no interface counter accounts for: a veth silently
 * drops XDP-transmitted frames when its peer has no NAPI (no XDP program, GRO off).
 */
export function unaccounted(t: TrialResult): number {
  return t.sent - (t.txIf + t.txDroppedIf);
}
