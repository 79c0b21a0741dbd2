import { setTimeout as sleep } from 'node:timers/promises';
import type { LatencySummary } from '../../bench/latency.js';
import { GeneratorLostError, type TrialGenerator, type TrialResult } from '../../bench/trial.js';
import { ratePps, type Profile } from '../streams/stream-model.js';
import { TrexTimeoutError } from './rpc-errors.js';
import type { TrexStlClient } from './stl-client.js';
import { toTrexStreams, type TrexStream } from './stl-streams.js';
import type { PgidStats, PortStats } from './stl-types.js';

/** Which TRex ports carry a benchmark: traffic leaves `tx`, crosses the DUT, returns on `rx`. */
export interface TrexPath {
  readonly txPort: number;
  readonly rxPort: number;
  /** Take the ports even when another user holds them. */
  readonly force?: boolean;
  /** How often the port state is polled while traffic runs; default 200 ms. */
  readonly pollMs?: number;
  /** How long past its planned end a trial may run before it is stopped and failed; default 5 s. */
  readonly graceMs?: number;
}

/** Latency is measured by one extra stream at this rate, as TRex's own NDR bench does. */
export const LATENCY_PPS = 1000;
/** How often a burst's port state is polled: its measured duration is at most this much too long. */
export const BURST_POLL_MS = 20;
/** The latency stream's packet group id (flow-stats ids of the main streams are not used). */
export const LATENCY_PGID = 1000;

/**
 * A trial's figures from TRex's own counters: the tx port's opackets/oerrors (what TRex put on
 * the wire and could not) and the rx port's ipackets, both since the trial's baseline.
 */
export function trexTrialResult(o: { tx: PortStats; rx: PortStats; requestedPps: number; seconds: number; latency?: LatencySummary }): TrialResult {
  const sent = o.tx.opackets;
  const received = o.rx.ipackets;
  const offeredPps = o.seconds > 0 ? sent / o.seconds : 0;
  return {
    requestedPps: o.requestedPps,
    sent,
    offeredPps,
    seconds: o.seconds,
    // Short of the rate asked, or frames it could not transmit: TRex, not the DUT, set the pace.
    generatorLimited: (o.requestedPps > 0 && offeredPps < o.requestedPps * 0.99) || o.tx.oerrors > 0,
    txIf: o.tx.opackets,
    txDroppedIf: o.tx.oerrors,
    received,
    rxIf: o.rx.ipackets,
    lossRatio: sent ? Math.max(0, sent - received) / sent : 0,
    ...(o.latency ? { latency: o.latency } : {}),
  };
}

/**
 * Percentiles from a TRex latency histogram. Keys are bucket floors in µs; a bucket spans one
 * step of its decade (0-9 and 10-19 are 10 µs wide, 100-199 is 100 µs, 1000-1999 is 1 ms), so
 * empty buckets are simply absent. A percentile reports its bucket's midpoint, never above the
 * maximum seen.
 */
export function trexLatency(lat: { average: number; total_max: number; histogram: Record<string, number> }): LatencySummary | undefined {
  const buckets = Object.entries(lat.histogram).map(([k, c]) => [Number(k), c] as const).sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((n, [, c]) => n + c, 0);
  if (!total) return undefined;
  const width = (floor: number) => (floor < 10 ? 10 : 10 ** Math.floor(Math.log10(floor)));
  const pct = (p: number) => {
    const rank = Math.ceil(p * total);
    let seen = 0;
    for (const [floor, c] of buckets) {
      seen += c;
      if (seen >= rank) return Math.min(floor + width(floor) / 2, lat.total_max);
    }
    return lat.total_max;
  };
  return { samples: total, p50Us: pct(0.5), p90Us: pct(0.9), p99Us: pct(0.99), maxUs: lat.total_max, meanUs: lat.average };
}

function latencyOf(stats: PgidStats, pgid: number): LatencySummary | undefined {
  const entry = stats.latency?.[String(pgid)] as { lat?: { average?: number; total_max?: number; histogram?: Record<string, number> } } | undefined;
  const lat = entry?.lat;
  if (!lat || typeof lat.average !== 'number' || typeof lat.total_max !== 'number' || !lat.histogram) return undefined;
  return trexLatency({ average: lat.average, total_max: lat.total_max, histogram: lat.histogram });
}

/**
 * The `trex` generator: acquires the two ports (the server refuses ports held by someone else
 * unless `force`), and runs each trial as TRex's STL benchmarks do: streams from the shared
 * model plus a low-rate latency stream, a client-side stats baseline, `start_traffic` for the
 * trial's duration, the port state polled until TX ends, then the ports' counters. A server
 * that stops answering ends the trial with a GeneratorLostError within the channel timeout.
 */
export async function trexTrialGenerator(client: TrexStlClient, endpoint: string, path: TrexPath): Promise<TrialGenerator> {
  const { txPort, rxPort } = path;
  const lost = (e: unknown): never => {
    if (e instanceof TrexTimeoutError) throw new GeneratorLostError(`TRex server at ${endpoint} stopped answering (${e.message})`);
    throw e;
  };
  const sys = await client.systemInfo().catch(lost);
  const macs = new Map(sys.ports.map((p) => [p.index, p.hw_mac]));
  for (const port of [txPort, rxPort]) {
    if (!macs.has(port)) throw new Error(`TRex port ${port}: the server at ${endpoint} has ports ${[...macs.keys()].sort((a, b) => a - b).join(', ')}`);
  }
  const acquired: number[] = [];
  const release = async () => {
    for (const port of acquired.splice(0)) {
      if (client.lost) break;
      await client.stop(port).catch(() => undefined);
      await client.removeAllStreams(port).catch(() => undefined);
      await client.release(port).catch(() => undefined);
    }
  };
  try {
    for (const port of [txPort, rxPort]) {
      const st = await client.portStatus(port);
      if (st.attr?.link?.up === false) throw new Error(`TRex port ${port}: link is down`);
      if (st.owner && st.owner !== client.user && !path.force) throw new Error(`TRex port ${port}: owned by '${st.owner}' (force to take it)`);
      await client.acquire(port, path.force ?? false);
      acquired.push(port);
      if (st.service) await client.service(port, false);
      await client.removeAllStreams(port);
    }
  } catch (e) {
    await release();
    return lost(e);
  }
  const from = { mac: macs.get(txPort) as string };
  const to = { mac: macs.get(rxPort) as string };
  const pollMs = path.pollMs ?? 200;
  const graceMs = path.graceMs ?? 5000;

  /**
   * Runs the port's streams to their end: for `durationS` seconds, or until the bursts are out.
   * Returns the wall time from the start request to the first poll that saw TX over: an upper
   * bound of the transmit time (so a rate from it is never above what was sent).
   */
  const runToEnd = async (durationS: number, lineRate: boolean, planned: number, every = pollMs): Promise<number> => {
    const t0 = Date.now();
    await client.start(txPort, { durationS, mul: lineRate ? { type: 'percentage', value: 100 } : { type: 'raw', value: 1 }, force: true });
    const deadline = t0 + planned + graceMs;
    for (;;) {
      await sleep(every);
      const st = await client.portStatus(txPort);
      if (st.state !== 'TX' && st.state !== 'PAUSE') return (Date.now() - t0) / 1000;
      if (Date.now() > deadline) {
        await client.stop(txPort);
        throw new Error(`TRex port ${txPort}: still transmitting ${Math.round((Date.now() - t0) / 1000)} s after the start of a ${planned / 1000} s trial (stopped)`);
      }
    }
  };

  const trial = async (profile: Profile, rampMs = 0, drainMs = 250): Promise<TrialResult> => {
    const pps = ratePps(profile.rate, profile.streams);
    const lineRate = pps === 0;
    const continuous = profile.mode.kind === 'continuous';
    // Rate 0 asks for "as fast as it goes": line rate, the streams' own rate then only weights them.
    const streams: TrexStream[] = toTrexStreams(lineRate ? { ...profile, rate: { pps: 1 } } : profile, from, to);
    const withLatency = continuous && !lineRate;
    if (withLatency) {
      const [lat] = toTrexStreams({ ...profile, streams: [{ ...(profile.streams[0] as Profile['streams'][number]), vars: [], weight: 1 }], rate: { pps: LATENCY_PPS } }, from, to, { pgid: LATENCY_PGID, latency: true });
      streams.push(lat as TrexStream);
    }
    await client.removeAllStreams(txPort);
    await client.addStreams(txPort, streams);
    if (rampMs > 0 && continuous) {
      await runToEnd(rampMs / 1000, lineRate, rampMs);
      await sleep(drainMs);
    }
    await client.clearStats([txPort, rxPort]);
    const durationS = continuous ? profile.durationMs / 1000 : -1;
    const planned = continuous ? profile.durationMs : Math.max(profile.durationMs, pps ? (sumFrames(profile) / pps) * 1000 : 0);
    // A burst's end is found by polling: poll often, its duration is what the wall clock saw.
    const wall = await runToEnd(durationS, lineRate, planned, continuous ? pollMs : Math.min(pollMs, BURST_POLL_MS));
    await sleep(drainMs);
    const tx = await client.portStats(txPort);
    const rx = await client.portStats(rxPort);
    const latency = withLatency ? latencyOf(await client.pgidStats([LATENCY_PGID]), LATENCY_PGID) : undefined;
    const seconds = continuous ? profile.durationMs / 1000 : wall;
    const requestedPps = lineRate ? 0 : pps + (withLatency ? LATENCY_PPS : 0);
    return trexTrialResult({ tx, rx, requestedPps, seconds, ...(latency ? { latency } : {}) });
  };

  return {
    name: 'trex',
    note: `TRex STL ${endpoint} port ${txPort} -> port ${rxPort} (counts from TRex port counters)`,
    latencyNote: `TRex latency stream at ${LATENCY_PPS} pps (pgid ${LATENCY_PGID}), hardware/software timestamps of the server`,
    trial: (profile, rampMs, drainMs) => trial(profile, rampMs, drainMs).catch(lost),
    close: release,
  };
}

function sumFrames(profile: Profile): number {
  const m = profile.mode;
  return m.kind === 'burst' ? m.frames : m.kind === 'multi-burst' ? m.frames * m.bursts : 0;
}
