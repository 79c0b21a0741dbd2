import { setTimeout as sleep } from 'node:timers/promises';
import { linkCounters, type LinkCounters } from '../../system/link-counters.js';
import type { EndpointHandle } from '../../../topologies/topology.js';
import { latencySummary } from '../latency.js';
import type { Profile } from '../streams/stream-model.js';
import type { TrialGenerator, TrialResult } from '../trial-generator.js';
import { startSink, type StartedSink } from './sink.js';
import { sendProfile, type GenReport } from './soft-generator.js';

/** Where a trial's traffic goes: generator endpoint -> DUT -> sink endpoint. */
export interface TrialPath {
  readonly from: EndpointHandle;
  readonly to: EndpointHandle;
  readonly sink: StartedSink;
  /** CPU the generator is pinned to (the DUT's receive work runs on the others). */
  readonly genCpu?: number;
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
  // Counters before the sink's reset: a frame the sink counts after it was received after them,
  // so the sink can never count more than its interface, however late the ramp's last frames
  // drain (in an emulated guest, a backlog outlives drainMs).
  const [tx0, rx0] = [await counters(path.from), await counters(path.to)];
  await path.sink.reset();
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
    throw new Error(
      `generator honesty: dplab-gen counted ${t.sent} frames but the generator-side interface accounts for ${t.txIf + t.txDroppedIf} (${lost} unaccounted; does the DUT port have NAPI?)`,
    );
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
