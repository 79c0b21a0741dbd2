import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import type { Reply } from 'zeromq';
import { GeneratorLostError } from '../../bench/trial.js';
import { parseProfile, sizedStreams } from '../streams/stream-model.js';
import { loadTranscript, type Exchange } from './replay-server.js';
import { serveStandin } from './standin/standin-server.js';
import { TrexStlClient } from './stl-client.js';
import { PortStatsSchema, type PortStats } from './stl-types.js';
import { trexLatency, trexTrialGenerator, trexTrialResult } from './trex-trials.js';

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

  it('take latency percentiles from the recorded histogram of pgid 7 (decade-wide buckets)', () => {
    const pgid = EXTRA.find((e) => !Array.isArray(e.request) && req(e).method === 'get_pgid_stats') as Exchange;
    const lat = (result(pgid) as { latency: Record<string, { lat: { average: number; total_max: number; histogram: Record<string, number> } }> }).latency['7']?.lat;
    // 1000 samples; rank 500 falls in 400-499 µs, rank 900 in 900-999, rank 990 in 1000-1999 (capped at the max, 1107).
    expect(trexLatency(lat as NonNullable<typeof lat>)).to.deep.equal({ samples: 1000, p50Us: 450, p90Us: 950, p99Us: 1107, maxUs: 1107, meanUs: 494 });
    expect(trexLatency({ average: 0, total_max: 0, histogram: {} })).to.equal(undefined);
  });
});

describe('TRex trial generator against the stand-in (recorded replies, no traffic)', () => {
  let socket: Reply | undefined;
  let client: TrexStlClient | undefined;
  // A fresh port per test: a closed ZeroMQ socket lets go of its address asynchronously.
  let port = 24_000 + (process.pid % 1000) * 8;
  const open = async () => {
    port += 1;
    socket = await serveStandin({ endpoint: `tcp://127.0.0.1:${port}`, transcripts: [...MAIN, ...EXTRA] }, () => undefined);
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

  it('never turns a port that keeps transmitting into a figure: the trial fails after its grace', async () => {
    const c = await open();
    const gen = await trexTrialGenerator(c, 'standin', { txPort: 0, rxPort: 1, force: true, pollMs: 50, graceMs: 300 });
    let err: unknown;
    await gen.trial(profile).catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/TRex port 0: still transmitting \d+ s after the start of a 0.2 s trial \(stopped\)/);
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
