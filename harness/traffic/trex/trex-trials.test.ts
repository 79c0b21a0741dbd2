import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import type { Reply } from 'zeromq';
import { GeneratorLostError } from '../trial-generator.js';
import { parseProfile, sizedStreams } from '../streams/stream-model.js';
import { loadTranscript, type Exchange } from './replay-server.js';
import { recordedOwners, serveStandin } from './standin/standin-server.js';
import { TrexStlClient } from './stl-client.js';
import { PortStatsSchema, type PortStats } from './stl-types.js';
import { StandinPorts, type PortModelOptions } from './standin/port-model.js';
import { LATENCY_PGID, LATENCY_PPS, trexLatency, trexTrialGenerator, trexTrialResult } from './trex-trials.js';

const dir = fileURLToPath(new URL('../../../../harness/traffic/trex/fixtures/', import.meta.url));
const MAIN = loadTranscript(`${dir}raw_rpc_transcript.jsonl`);
const EXTRA = loadTranscript(`${dir}raw_rpc_extra_transcript.jsonl`);
const req = (e: Exchange) => e.request as { method: string; params: { port_id?: number; pgids?: number[] } };
const result = (e: Exchange) => (e.response as { result: unknown }).result;

/** The last counters the recording read for a port: after its 5 s trial at 100 kpps had ended. */
function finalStats(port: number): PortStats {
  const last = MAIN.filter((e) => !Array.isArray(e.request) && req(e).method === 'get_port_stats' && req(e).params.port_id === port).at(-1) as Exchange;
  return PortStatsSchema.parse(result(last));
}

describe('TRex trial figures', () => {
  it('come from the ports counters: a recorded 5 s trial at 100 kpps', () => {
    const t = trexTrialResult({ tx: finalStats(0), rx: finalStats(1), requestedPps: 100_000, seconds: 5 });
    expect(t.sent).to.equal(500_001);
    expect(t.received).to.equal(499_049);
    expect(t.lossRatio).to.be.closeTo(952 / 500_001, 1e-12);
    expect(t.offeredPps).to.be.closeTo(100_000.2, 1e-6);
    expect(t.generatorLimited).to.equal(false);
  });

  it('flag the generator when it fell short of the rate or could not transmit', () => {
    const tx = finalStats(0);
    expect(trexTrialResult({ tx, rx: finalStats(1), requestedPps: 200_000, seconds: 5 }).generatorLimited).to.equal(true);
    expect(trexTrialResult({ tx: { ...tx, oerrors: 3 }, rx: finalStats(1), requestedPps: 100_000, seconds: 5 }).generatorLimited).to.equal(true);
  });

  it('judge a shortfall on the shortest the transmit can have taken, so round trips never pass for a slow generator', () => {
    const rx = finalStats(1);
    const tx = { ...finalStats(0), opackets: 99_000 };
    // 99,000 frames asked at 100 kpps, timed 0.995-1.01 s: 98,020 pps offered at worst, yet no shortfall shown.
    const t = trexTrialResult({ tx, rx, requestedPps: 100_000, seconds: 1.01, atLeastSeconds: 0.995 });
    expect(t.offeredPps).to.be.closeTo(99_000 / 1.01, 1e-6);
    expect(t.generatorLimited).to.equal(false);
    expect(trexTrialResult({ tx, rx, requestedPps: 100_000, seconds: 1.02, atLeastSeconds: 1.005 }).generatorLimited).to.equal(true);
  });

  it('flag the generator when its TX queue was full, and count frames dropped for it as not transmitted', () => {
    const [tx, rx] = [finalStats(0), finalStats(1)];
    expect(trexTrialResult({ tx, rx, requestedPps: 100_000, seconds: 5, queueFull: 12 }).generatorLimited).to.equal(true);
    const dropped = trexTrialResult({ tx, rx, requestedPps: 100_000, seconds: 5, queueDrop: 40 });
    expect(dropped.generatorLimited).to.equal(true);
    expect(dropped.txDroppedIf).to.equal(40);
  });

  it('take latency percentiles from the recorded histogram of pgid 7 (decade-wide buckets)', () => {
    const pgid = EXTRA.find((e) => !Array.isArray(e.request) && req(e).method === 'get_pgid_stats') as Exchange;
    const lat = (result(pgid) as { latency: Record<string, { lat: { average: number; total_max: number; histogram: Record<string, number> } }> }).latency['7']
      ?.lat;
    // 1000 samples; rank 500 falls in 400-499 µs, rank 900 in 900-999, rank 990 in 1000-1999 (capped at the max, 1107).
    expect(trexLatency(lat as NonNullable<typeof lat>)).to.deep.equal({ samples: 1000, p50Us: 450, p90Us: 950, p99Us: 1107, maxUs: 1107, meanUs: 494 });
    expect(trexLatency({ average: 0, total_max: 0, histogram: {} })).to.equal(undefined);
  });
});

describe('TRex trial generator against the stand-in (a modelled server: rate cap, scheduler-time durations, a cable between its ports)', () => {
  let socket: Reply | undefined;
  let client: TrexStlClient | undefined;
  // A fresh port per test: a closed ZeroMQ socket lets go of its address asynchronously.
  let port = 24_000 + (process.pid % 1000) * 8;
  const open = async (model: Partial<PortModelOptions> = {}) => {
    port += 1;
    socket = await serveStandin({ endpoint: `tcp://127.0.0.1:${port}`, transcripts: [...MAIN, ...EXTRA], model }, () => undefined);
    client = await TrexStlClient.connect({ host: '127.0.0.1', syncPort: port, timeoutMs: 500 });
    return client;
  };
  afterEach(async () => {
    await client?.close();
    socket?.close();
    client = undefined;
    socket = undefined;
  });
  const profile = parseProfile({ streams: sizedStreams(64), rate: { pps: 1000 }, durationMs: 200 }, 'test');
  const at = (pps: number, durationMs: number) => parseProfile({ streams: sizedStreams(64), rate: { pps }, durationMs }, 'test');

  it('refuses ports another user holds unless forced', async () => {
    const c = await open();
    let err: unknown;
    await trexTrialGenerator(c, 'standin', { txPort: 0, rxPort: 1 }).catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/TRex port 0: owned by 'raw-client' \(force to take it\)/);
  });

  it('names a port the server does not have', async () => {
    const c = await open();
    let err: unknown;
    await trexTrialGenerator(c, 'standin', { txPort: 0, rxPort: 7, force: true }).catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/TRex port 7: the server at standin has ports 0, 1$/);
  });

  it('a line-rate trial on a server that sends at most 50 kpps: asks the line rate, offers the cap, generator-limited', async () => {
    const gen = await trexTrialGenerator(await open({ maxPps: 50_000 }), 'standin', { txPort: 0, rxPort: 1, force: true });
    const t = await gen.trial(at(0, 1000), 0);
    // 10 Gb/s of 64-byte frames (84 bytes on the line), as the server computes it.
    expect(t.requestedPps).to.be.closeTo(10e9 / (84 * 8), 1);
    // Over the longest the transmit can have taken: never above what the server sent, below it by round trips.
    expect(t.offeredPps).to.be.within(50_000 * 0.97, 50_000 * 1.0001);
    expect(t.seconds).to.be.within(1, 1.1);
    expect(t.generatorLimited).to.equal(true);
    // No DUT: the stand-in's other port counts what this one sent.
    expect(t.received).to.equal(t.sent);
    await gen.close();
  });

  it('a fixed rate under the cap is offered as asked; the latency group counts only the counted part, not the ramp', async () => {
    const c = await open({ maxPps: 150_000 });
    const gen = await trexTrialGenerator(c, 'standin', { txPort: 0, rxPort: 1, force: true });
    const t = await gen.trial(at(20_000, 1000), 500);
    expect(t.requestedPps).to.equal(20_000 + LATENCY_PPS);
    expect(t.offeredPps).to.be.within(21_000 * 0.97, 21_000 * 1.0001);
    expect(t.generatorLimited).to.equal(false);
    expect(t.sent).to.be.within(21_000, 21_000 * 1.05);
    // Loaded afresh after the 0.5 s ramp: 1 s of the 1 kpps latency stream, not 1.5 s.
    const group = (await c.pgidStats([LATENCY_PGID])).flow_stats?.[String(LATENCY_PGID)];
    expect(group?.tp['0']).to.be.closeTo(1000, 20);
    // The stand-in has no timestamps: no latency figure rather than an invented one.
    expect(t.latency).to.equal(undefined);
    await gen.close();
  });

  it('a burst is timed on the wall clock: 5000 frames at a 25 kpps cap take 0.2 s, however fast they were asked for', async () => {
    const gen = await trexTrialGenerator(await open({ maxPps: 25_000 }), 'standin', { txPort: 0, rxPort: 1, force: true });
    const t = await gen.trial({ ...at(100_000, 100), mode: { kind: 'burst', frames: 5000 } }, 0, 100);
    expect(t.sent).to.equal(5000);
    expect(t.received).to.equal(5000);
    // The end is found by polling every 20 ms: the time is at most that much (and a round trip) too long.
    expect(t.seconds).to.be.within(0.2, 0.2 + 0.06);
    expect(t.generatorLimited).to.equal(true);
    await gen.close();
  });

  it('fails a trial whose port stops transmitting by itself during the hold, rather than count it as a shorter one', async () => {
    const ports = new StandinPorts(recordedOwners([...MAIN, ...EXTRA]), performance.now());
    port += 1;
    socket = await serveStandin({ endpoint: `tcp://127.0.0.1:${port}`, transcripts: [...MAIN, ...EXTRA], ports }, () => undefined);
    client = await TrexStlClient.connect({ host: '127.0.0.1', syncPort: port, timeoutMs: 500 });
    const gen = await trexTrialGenerator(client, 'standin', { txPort: 0, rxPort: 1, force: true, pollMs: 100 });
    // Another user's stop_traffic (or a server that gave up on the port) half-way through.
    setTimeout(() => ports.stop(0, performance.now()), 500);
    const err = await gen.trial(at(10_000, 1000), 0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(err)).to.match(/^Error: TRex port 0: stopped transmitting 0\.[56] s into a 1 s trial \(state STREAMS\)$/);
    await gen.close();
  });

  it('never turns a port that sends nothing into a figure: a burst fails after its grace', async () => {
    const gen = await trexTrialGenerator(await open({ maxPps: 0 }), 'standin', { txPort: 0, rxPort: 1, force: true, graceMs: 300 });
    let err: unknown;
    await gen.trial({ ...profile, mode: { kind: 'burst', frames: 100 } }).catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/TRex port 0: burst stalled: no frame sent for \d+ s \(stopped\)/);
    await gen.close();
  });

  it('ends a trial with GeneratorLostError within the call timeout when the server dies', async () => {
    const c = await open();
    const gen = await trexTrialGenerator(c, 'standin', { txPort: 0, rxPort: 1, force: true });
    socket?.close();
    const t0 = Date.now();
    let err: unknown;
    await gen.trial(profile).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(GeneratorLostError);
    expect(String(err)).to.match(/stopped answering \(TRex remove_all_streams: no answer from .* within 500 ms\)/);
    expect(Date.now() - t0).to.be.below(1500);
    await gen.close();
    expect(c.lost).to.equal(true);
  });
});
