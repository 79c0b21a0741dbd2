import { setTimeout as sleep } from 'node:timers/promises';
import type { LatencySummary } from '../latency.js';
import { GeneratorLostError, type TrialGenerator, type TrialResult } from '../trial-generator.js';
import { ratePps, type Profile } from '../streams/stream-model.js';
import { TrexTimeoutError } from './rpc-errors.js';
import { settledCounters } from './settled-counters.js';
import type { TrexStlClient } from './stl-client.js';
import { toTrexStreams, type TrexStream } from './stl-streams.js';
import type { Multiplier, PgidStats, PortStats } from './stl-types.js';
import { holdTraffic, runBurst } from './wall-clock-run.js';

/** Which TRex ports carry a benchmark: traffic leaves `tx`, crosses the DUT, returns on `rx`. */
export interface TrexPath {
  readonly txPort: number;
  readonly rxPort: number;
  /** Take the ports even when another user holds them. */
  readonly force?: boolean;
  /** How often the transmitting port's state is polled during a trial; default 200 ms. */
  readonly pollMs?: number;
  /** How long counters may keep moving after a stop, or a burst go without sending, before the trial fails; default 5 s. */
  readonly graceMs?: number;
}

/** Latency is measured by one extra stream at this rate, as TRex's own NDR bench does. */
export const LATENCY_PPS = 1000;
/** How often a burst's port state is polled: its measured duration is at most this much too long. */
export const BURST_POLL_MS = 20;
/** The latency stream's packet group id (flow-stats ids of the main streams are not used). */
export const LATENCY_PGID = 1000;

/** What a trial's figures come from, all since its baseline. */
export interface TrexTrialCounts {
  /** The tx port's counters (opackets: what TRex put on the wire; oerrors: what it could not). */
  readonly tx: PortStats;
  /** The rx port's counters (ipackets: what came back through the DUT). */
  readonly rx: PortStats;
  /** The rate asked, in pps, as the server took it (its multiplier times the streams' rates). */
  readonly requestedPps: number;
  /** The measured transmit time (wall clock), at most and at least (default: the same). */
  readonly seconds: number;
  readonly atLeastSeconds?: number;
  /** Times the tx queue was full, and frames dropped for it (global stats): the server, not the DUT, set the pace. */
  readonly queueFull?: number;
  readonly queueDrop?: number;
  readonly latency?: LatencySummary;
}

/**
 * A trial's figures from TRex's own counters: sent is the tx port's opackets, offered is that
 * over the longest the transmit can have taken (never above what was sent, never the rate
 * asked), received the rx port's ipackets.
 */
export function trexTrialResult(o: TrexTrialCounts): TrialResult {
  const sent = o.tx.opackets;
  const received = o.rx.ipackets;
  const offeredPps = o.seconds > 0 ? sent / o.seconds : 0;
  // Short of the rate asked even over the shortest the transmit can have taken, or a port that
  // could not take the frames: TRex, not the DUT, set the pace.
  // (A burst out before the first poll may have taken no time at all: no shortfall is shown.)
  const atLeast = o.atLeastSeconds ?? o.seconds;
  const short = o.requestedPps > 0 && atLeast > 0 && sent / atLeast < o.requestedPps * 0.99;
  const queueFull = o.queueFull ?? 0;
  const queueDrop = o.queueDrop ?? 0;
  return {
    requestedPps: o.requestedPps,
    sent,
    offeredPps,
    seconds: o.seconds,
    generatorLimited: short || o.tx.oerrors > 0 || queueFull > 0 || queueDrop > 0,
    txIf: o.tx.opackets,
    txDroppedIf: o.tx.oerrors + queueDrop,
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
  const buckets = Object.entries(lat.histogram)
    .map(([k, c]) => [Number(k), c] as const)
    .sort((a, b) => a[0] - b[0]);
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
 * unless `force`), and runs each trial on the wall clock, as TRex's ndr_bench does: streams
 * from the shared model (plus, at a fixed rate, a low-rate latency stream), a client-side stats
 * baseline, continuous traffic held for the trial's length and stopped (a burst: until it is
 * out), then the counters once they have settled. The offered rate is what the tx port sent
 * over the measured time; a line-rate trial asks for the port's line rate and reports what the
 * server managed. A server that stops answering ends the trial with a GeneratorLostError within
 * the call timeout.
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
  const load = async (streams: readonly TrexStream[]) => {
    await client.removeAllStreams(txPort);
    await client.addStreams(txPort, streams);
  };

  const trial = async (profile: Profile, rampMs = 0, drainMs = 250): Promise<TrialResult> => {
    const pps = ratePps(profile.rate, profile.streams);
    const lineRate = pps === 0;
    const continuous = profile.mode.kind === 'continuous';
    // Rate 0 asks for "as fast as it goes": the port's line rate, the streams' own rates (1 pps in
    // all) then only weigh them; the server says which rate that is through its multiplier.
    const main = toTrexStreams(lineRate ? { ...profile, rate: { pps: 1 } } : profile, from, to);
    const mul: Multiplier = lineRate ? { type: 'percentage', value: 100 } : { type: 'raw', value: 1 };
    const latency = continuous && !lineRate ? latencyStream(profile, from, to) : undefined;
    if (rampMs > 0 && continuous) {
      await load(main);
      await holdTraffic(client, txPort, { mul, holdMs: rampMs, pollMs });
      await sleep(drainMs);
    }
    // Loaded afresh for the counted part: TRex keeps a packet group's latency histogram until its
    // streams are removed, so the one read after covers this part of the trial only.
    const streams = latency ? [...main, latency] : main;
    await load(streams);
    await client.clearStats([txPort, rxPort]);
    const before = await client.globalStats();
    const run = continuous
      ? await holdTraffic(client, txPort, { mul, holdMs: profile.durationMs, pollMs })
      : await runBurst(client, txPort, { mul, pollMs: Math.min(pollMs, BURST_POLL_MS), graceMs });
    const { tx, rx } = await settledCounters(client, txPort, rxPort, { drainMs, graceMs });
    const after = await client.globalStats();
    const lat = latency ? latencyOf(await client.pgidStats([LATENCY_PGID]), LATENCY_PGID) : undefined;
    const streamsPps = streams.reduce((n, s) => n + s.mode.rate.value, 0);
    return trexTrialResult({
      tx,
      rx,
      requestedPps: run.multiplier * streamsPps,
      seconds: run.seconds,
      atLeastSeconds: run.atLeastSeconds,
      queueFull: (after.m_total_queue_full ?? 0) - (before.m_total_queue_full ?? 0),
      queueDrop: (after.m_total_queue_drop ?? 0) - (before.m_total_queue_drop ?? 0),
      ...(lat ? { latency: lat } : {}),
    });
  };

  return {
    name: 'trex',
    note: `TRex STL ${endpoint} port ${txPort} -> port ${rxPort} (counts from TRex port counters, trials timed by the client's clock)`,
    latencyNote: `TRex latency stream at ${LATENCY_PPS} pps (pgid ${LATENCY_PGID}), hardware/software timestamps of the server`,
    trial: (profile, rampMs, drainMs) => trial(profile, rampMs, drainMs).catch(lost),
    close: release,
  };
}

/** The latency stream: the first stream's frame, no flow variables, in a latency packet group of its own. */
function latencyStream(profile: Profile, from: { mac: string }, to: { mac: string }): TrexStream {
  const first = profile.streams[0] as Profile['streams'][number];
  const [lat] = toTrexStreams({ ...profile, streams: [{ ...first, vars: [], weight: 1 }], rate: { pps: LATENCY_PPS } }, from, to, {
    pgid: LATENCY_PGID,
    latency: true,
  });
  return lat as TrexStream;
}
